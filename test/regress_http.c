/*
 * test/regress_http.c -- cases for the embedded HTTP server and client.
 *
 * Servers listen on loopback sockets the test creates itself (port 0) and
 * hands to evhttp_accept_socket(), so no case depends on a fixed port.
 * Three kinds of client are used: our own evhttp client, "raw" sockets
 * that send exact bytes and look at the exact bytes that come back, and
 * real programs (curl, nginx) started with fork/exec when installed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strptime */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>

#include "event.h"
#include "evhttp.h"
#include "http-internal.h"	/* the 1.4 exported-but-undeclared names */
#include "regress.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void die_with_parent(void);

/* A listening loopback socket (AF_INET or AF_INET6) on a free port. */
static int
listen_loopback(int family, unsigned short *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	fd = socket(family, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A blocking TCP connection to loopback:port. */
static int
raw_connect(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	}
	fd = socket(family, SOCK_STREAM, 0);
	tt_assert(fd >= 0);
	tt_int_op(connect(fd, (struct sockaddr *)&ss, len), ==, 0);
	return fd;
}

static void
raw_send(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		tt_assert(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void
raw_send_str(int fd, const char *s)
{
	raw_send(fd, s, strlen(s));
}

/* Count non-overlapping occurrences of s in buf. */
static int
count_str(struct evbuffer *buf, const char *s)
{
	size_t n = strlen(s), i;
	int count = 0;

	for (i = 0; i + n <= buf->off; i++) {
		if (memcmp(buf->buffer + i, s, n) == 0) {
			count++;
			i += n - 1;
		}
	}
	return count;
}

/* Count occurrences of needle in the string s. */
static int
count_cstr(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Waiting for bytes on a raw socket while the loop runs the server. */
struct raw_wait {
	struct evbuffer *in;
	int eof;
	int timed_out;
	const char *until;	/* stop when this appears ... */
	int until_count;	/* ... this many times */
	struct event_base *base;
};

static void
raw_read_cb(int fd, short what, void *arg)
{
	struct raw_wait *w = arg;
	char buf[65536];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		evbuffer_add(w->in, buf, (size_t)n);
		if (w->until != NULL && count_str(w->in, w->until) >=
		    w->until_count)
			event_base_loopbreak(w->base);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	w->eof = 1;
	event_base_loopbreak(w->base);
}

static void
raw_timeout_cb(int fd, short what, void *arg)
{
	struct raw_wait *w = arg;

	(void)fd;
	(void)what;
	w->timed_out = 1;
	event_base_loopbreak(w->base);
}

/*
 * Run the loop until fd reaches EOF (until == NULL) or until `until`
 * appears `count` times in what was read, or `secs` pass.  Appends to in.
 * Returns 1 if EOF was seen.
 */
static int
raw_wait_for(struct event_base *base, int fd, struct evbuffer *in,
    const char *until, int count, double secs)
{
	struct raw_wait w;
	struct event ev, tev;
	struct timeval tv;

	memset(&w, 0, sizeof(w));
	w.in = in;
	w.until = until;
	w.until_count = count;
	w.base = base;
	if (until != NULL && count_str(in, until) >= count)
		return 0;
	evutil_make_socket_nonblocking(fd);
	event_set(&ev, fd, EV_READ | EV_PERSIST, raw_read_cb, &w);
	event_base_set(base, &ev);
	event_add(&ev, NULL);
	evtimer_set(&tev, raw_timeout_cb, &w);
	event_base_set(base, &tev);
	secs *= regress_slowdown();
	tv.tv_sec = (long)secs;
	tv.tv_usec = (long)((secs - (double)(long)secs) * 1e6);
	event_add(&tev, &tv);
	event_base_dispatch(base);
	event_del(&ev);
	event_del(&tev);
	if (w.timed_out)
		regress_note("raw_wait_for: timed out after %.1f s (%zu bytes)",
		    secs, in->off);
	return w.eof;
}

/* NUL-terminated copy of a buffer's content (for strstr and printing). */
static char *
buf_str(struct evbuffer *buf)
{
	char *s = malloc(buf->off + 1);

	tt_assert(s != NULL);
	memcpy(s, buf->buffer, buf->off);
	s[buf->off] = '\0';
	return s;
}

static void
wake_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* One pass of the loop: wait for events (at most 20 ms), run them. */
static void
loop_once(struct event_base *base)
{
	struct event wake;
	struct timeval tv = { 0, 20000 };

	evtimer_set(&wake, wake_cb, NULL);
	event_base_set(base, &wake);
	evtimer_add(&wake, &tv);
	event_base_loop(base, EVLOOP_ONCE);
	event_del(&wake);
}

/* Run the loop until *flag becomes non-zero or secs pass. */
static void
run_until(struct event_base *base, volatile int *flag, double secs)
{
	double end = regress_now() + secs * regress_slowdown();

	while (!*flag && regress_now() < end)
		loop_once(base);
}

/* Run the loop until *counter exceeds before, or secs pass. */
static void
run_until_more(struct event_base *base, volatile int *counter, int before,
    double secs)
{
	double end = regress_now() + secs * regress_slowdown();

	while (*counter <= before && regress_now() < end)
		loop_once(base);
}

/* Run the loop for secs seconds. */
static void
run_for(struct event_base *base, double secs)
{
	struct timeval tv;

	tv.tv_sec = (long)secs;
	tv.tv_usec = (long)((secs - (double)(long)secs) * 1e6);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* ------------------------------------------------------------------ */
/* A test server                                                       */

struct srv {
	struct evhttp *http;
	unsigned short port;
	int nreq;			/* requests seen by the callbacks */
	struct evhttp_request *held;	/* /hold keeps its request here */
	struct evhttp_connection *last_evcon;
	char last_uri[256];
	char last_host[64];
	char last_body[4096];
	size_t last_body_len;
	int last_type;
	int last_minor;
	int last_ntrailers_seen;	/* headers named X-Trailer seen */
	struct event_base *base;
	/* streaming state for /stream */
	struct evhttp_request *stream_req;
	int stream_left;
	struct event stream_ev;
	double stream_sent_at[8];
};

static struct srv S;

static void
record(struct evhttp_request *req)
{
	struct evkeyval *h;

	S.nreq++;
	S.last_evcon = evhttp_request_get_connection(req);
	snprintf(S.last_uri, sizeof(S.last_uri), "%s", evhttp_request_uri(req));
	snprintf(S.last_host, sizeof(S.last_host), "%s",
	    req->remote_host ? req->remote_host : "(null)");
	S.last_body_len = req->input_buffer->off;
	if (S.last_body_len > sizeof(S.last_body))
		S.last_body_len = sizeof(S.last_body);
	if (S.last_body_len > 0)
		memcpy(S.last_body, req->input_buffer->buffer, S.last_body_len);
	S.last_type = req->type;
	S.last_minor = req->minor;
	S.last_ntrailers_seen = 0;
	TAILQ_FOREACH(h, req->input_headers, next) {
		if (strcasecmp(h->key, "X-Trailer") == 0)
			S.last_ntrailers_seen++;
	}
}

static void
hello_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	record(req);
	evbuffer_add_printf(b, "hello %d", S.nreq);
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	tt_int_op(b->off, ==, 0);	/* drained, still ours */
	evbuffer_free(b);
}

/* Echo the body back, with the method and Host as headers. */
static void
echo_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	const char *host = evhttp_find_header(req->input_headers, "Host");
	static const char *names[] = { "GET", "POST", "HEAD" };

	(void)arg;
	record(req);
	evhttp_add_header(req->output_headers, "X-Method", names[req->type]);
	evhttp_add_header(req->output_headers, "X-Host", host ? host : "-");
	evbuffer_add_buffer(b, req->input_buffer);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
hold_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	record(req);
	S.held = req;
}

static void
close_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	record(req);
	evhttp_add_header(req->output_headers, "Connection", "close");
	evbuffer_add(b, "bye", 3);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
stream_next(int fd, short what, void *arg)
{
	struct evbuffer *b;
	int i;

	(void)fd;
	(void)what;
	(void)arg;
	if (S.stream_req == NULL)
		return;
	if (S.stream_left == 0) {
		evhttp_send_reply_end(S.stream_req);
		S.stream_req = NULL;
		return;
	}
	b = evbuffer_new();
	i = 4 - S.stream_left;
	evbuffer_add_printf(b, "chunk%d;", i);
	S.stream_sent_at[i] = regress_now();
	evhttp_send_reply_chunk(S.stream_req, b);
	evbuffer_free(b);
	S.stream_left--;
	{
		struct timeval tv = { 0, 50000 };

		evtimer_set(&S.stream_ev, stream_next, NULL);
		event_base_set(S.base, &S.stream_ev);
		evtimer_add(&S.stream_ev, &tv);
	}
}

/* Four chunks, 50 ms apart. */
static void
stream_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	record(req);
	if (S.stream_req != NULL) {
		/* One stream at a time: finish the previous one first. */
		event_del(&S.stream_ev);
		evhttp_send_reply_end(S.stream_req);
		S.stream_req = NULL;
	}
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	S.stream_req = req;
	S.stream_left = 4;
	stream_next(-1, 0, NULL);
}

static void
gen_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	record(req);
	evbuffer_add_printf(b, "generic");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* A server on a fresh loopback port with the standard callbacks. */
static void
srv_start(struct event_base *base, int family)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	memset(&S, 0, sizeof(S));
	S.base = base;
	S.http = evhttp_new(base);
	tt_assert(S.http != NULL);
	fd = listen_loopback(family, &S.port);
	if (fd == -1 && family == AF_INET6)
		tt_skip("no IPv6 loopback");
	tt_assert(fd >= 0);
	tt_int_op(evhttp_accept_socket(S.http, fd), ==, 0);
	evhttp_set_cb(S.http, "/hello", hello_cb, NULL);
	evhttp_set_cb(S.http, "/echo", echo_cb, NULL);
	evhttp_set_cb(S.http, "/hold", hold_cb, NULL);
	evhttp_set_cb(S.http, "/close", close_cb, NULL);
	evhttp_set_cb(S.http, "/stream", stream_cb, NULL);
}

/* Send request bytes on a new raw connection; return everything that came
 * back until the server closed (fails if it did not close in time). */
static char *
raw_exchange_closed(struct event_base *base, const char *data, size_t len)
{
	int fd = raw_connect(AF_INET, S.port);
	struct evbuffer *in = evbuffer_new();
	char *s;
	int eof;

	raw_send(fd, data, len);
	eof = raw_wait_for(base, fd, in, NULL, 0, 3.0);
	s = buf_str(in);
	if (!eof)
		regress_fail(__FILE__, __LINE__, "server kept the connection "
		    "open; got: %.200s", s);
	close(fd);
	evbuffer_free(in);
	return s;
}

/* The value of header name in a raw response (first match), or NULL. */
static char *
raw_header(const char *resp, const char *name)
{
	static char value[256];
	const char *p = resp, *end = strstr(resp, "\r\n\r\n");
	size_t n = strlen(name);

	while (p != NULL && (end == NULL || p < end)) {
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			if (e == NULL || (size_t)(e - v) >= sizeof(value))
				return NULL;
			memcpy(value, v, (size_t)(e - v));
			value[e - v] = '\0';
			return value;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Backend-independent: layout, headers, URI helpers                   */

static void
test_struct_layout(struct regress_env *env)
{
	(void)env;
	/* The 1.4 x86_64 layout programs compiled against 1.4 rely on. */
	if (sizeof(void *) != 8)
		tt_skip("layout figures are for LP64");
	tt_int_op(offsetof(struct evhttp_request, evcon), ==, 16);
	tt_int_op(offsetof(struct evhttp_request, flags), ==, 24);
	tt_int_op(offsetof(struct evhttp_request, input_headers), ==, 32);
	tt_int_op(offsetof(struct evhttp_request, output_headers), ==, 40);
	tt_int_op(offsetof(struct evhttp_request, remote_host), ==, 48);
	tt_int_op(offsetof(struct evhttp_request, remote_port), ==, 56);
	tt_int_op(offsetof(struct evhttp_request, kind), ==, 60);
	tt_int_op(offsetof(struct evhttp_request, type), ==, 64);
	tt_int_op(offsetof(struct evhttp_request, uri), ==, 72);
	tt_int_op(offsetof(struct evhttp_request, major), ==, 80);
	tt_int_op(offsetof(struct evhttp_request, minor), ==, 81);
	tt_int_op(offsetof(struct evhttp_request, response_code), ==, 84);
	tt_int_op(offsetof(struct evhttp_request, response_code_line), ==, 88);
	tt_int_op(offsetof(struct evhttp_request, input_buffer), ==, 96);
	tt_int_op(offsetof(struct evhttp_request, ntoread), ==, 104);
	tt_int_op(offsetof(struct evhttp_request, output_buffer), ==, 120);
	tt_int_op(offsetof(struct evhttp_request, cb), ==, 128);
	tt_int_op(offsetof(struct evhttp_request, cb_arg), ==, 136);
	tt_int_op(offsetof(struct evhttp_request, chunk_cb), ==, 144);
	tt_int_op(sizeof(struct evhttp_request), ==, 152);
	tt_int_op(HTTP_OK, ==, 200);
	tt_int_op(HTTP_NOCONTENT, ==, 204);
	tt_int_op(HTTP_MOVEPERM, ==, 301);
	tt_int_op(HTTP_MOVETEMP, ==, 302);
	tt_int_op(HTTP_NOTMODIFIED, ==, 304);
	tt_int_op(HTTP_BADREQUEST, ==, 400);
	tt_int_op(HTTP_NOTFOUND, ==, 404);
	tt_int_op(HTTP_SERVUNAVAIL, ==, 503);
	tt_int_op(EVHTTP_REQ_GET, ==, 0);
	tt_int_op(EVHTTP_REQ_POST, ==, 1);
	tt_int_op(EVHTTP_REQ_HEAD, ==, 2);
	tt_int_op(EVHTTP_REQUEST, ==, 0);
	tt_int_op(EVHTTP_RESPONSE, ==, 1);
	tt_int_op(EVHTTP_REQ_OWN_CONNECTION, ==, 1);
	tt_int_op(EVHTTP_PROXY_REQUEST, ==, 2);
}

static void
test_headers(struct regress_env *env)
{
	struct evkeyvalq h;
	struct evkeyval *kv;
	struct evhttp_request *req;
	int n = 0;

	(void)env;
	TAILQ_INIT(&h);
	tt_int_op(evhttp_add_header(&h, "Content-Type", "text/plain"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "X-Dup", "one"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "x-dup", "two"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "Empty", ""), ==, 0);
	/* Case-insensitive, first match wins. */
	tt_str_op(evhttp_find_header(&h, "content-type"), ==, "text/plain");
	tt_str_op(evhttp_find_header(&h, "X-DUP"), ==, "one");
	tt_str_op(evhttp_find_header(&h, "Empty"), ==, "");
	tt_ptr_op(evhttp_find_header(&h, "Missing"), ==, NULL);

	/* Header injection attempts add nothing. */
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\nSet-Cookie: x"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\nb"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\rb"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "Two\r\n Three"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "trail\r"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad\r\nY", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad\n", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X Bad", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X:Bad", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "", "v"), ==, -1);
	tt_ptr_op(evhttp_find_header(&h, "X-Bad"), ==, NULL);
	TAILQ_FOREACH(kv, &h, next)
		n++;
	tt_int_op(n, ==, 4);

	/* Remove takes the first match only. */
	tt_int_op(evhttp_remove_header(&h, "x-dup"), ==, 0);
	tt_str_op(evhttp_find_header(&h, "X-Dup"), ==, "two");
	tt_int_op(evhttp_remove_header(&h, "X-Dup"), ==, 0);
	tt_int_op(evhttp_remove_header(&h, "X-Dup"), ==, -1);
	evhttp_clear_headers(&h);
	tt_assert(TAILQ_EMPTY(&h));

	/* A fresh request. */
	req = evhttp_request_new(NULL, NULL);
	tt_assert(req != NULL);
	tt_int_op(req->kind, ==, EVHTTP_RESPONSE);
	tt_assert(req->input_headers != NULL && TAILQ_EMPTY(req->input_headers));
	tt_assert(req->output_buffer != NULL && req->input_buffer != NULL);
	tt_ptr_op(evhttp_request_get_connection(req), ==, NULL);
	evhttp_add_header(req->output_headers, "A", "b");
	evhttp_request_free(req);
}

static void
test_encode_uri(struct regress_env *env)
{
	static const char keep[] = "!$'()*+,-./:=@_~";
	char in[2], *out, expect[4];
	int c;

	(void)env;
	out = evhttp_encode_uri("/a b?c=d e&f");
	tt_str_op(out, ==, "/a%20b%3Fc=d%20e%26f");
	free(out);
	out = evhttp_encode_uri("");
	tt_str_op(out, ==, "");
	free(out);
	/* Every byte: kept, or %XX in upper case. */
	for (c = 1; c < 256; c++) {
		int kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(keep, c) != NULL;

		in[0] = (char)c;
		in[1] = '\0';
		out = evhttp_encode_uri(in);
		tt_assert(out != NULL);
		if (kept) {
			tt_str_op(out, ==, in);
		} else {
			snprintf(expect, sizeof(expect), "%%%02X", c);
			tt_str_op(out, ==, expect);
		}
		free(out);
	}
	out = evhttp_encode_uri("\"#%&;<>?[\\]^`{|}\x7f\x80\xff");
	tt_str_op(out, ==, "%22%23%25%26%3B%3C%3E%3F%5B%5C%5D%5E%60%7B%7C%7D"
	    "%7F%80%FF");
	free(out);
}

static void
test_decode_uri(struct regress_env *env)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/a+b%20c?d+e%2Bf", "/a+b c?d e+f" },
		{ "%41%62%7a%7A", "Abzz" },
		{ "%", "%" },
		{ "%4", "%4" },
		{ "a%zzb", "a%zzb" },
		{ "%g1%1g", "%g1%1g" },
		{ "100%", "100%" },
		{ "%%41", "%A" },
		{ "no+plus", "no+plus" },
		{ "?+", "? " },
		{ "%3F+", "?+" },	/* a decoded '?' does not count */
		{ "", "" },
		{ NULL, NULL }
	};
	char *out;
	int i;

	(void)env;
	for (i = 0; cases[i].in != NULL; i++) {
		out = evhttp_decode_uri(cases[i].in);
		tt_str_op(out, ==, cases[i].out);
		free(out);
	}
}

/* The query as "k=v|k=v|" for easy comparison. */
static void
query_str(const char *uri, char *out, size_t outlen)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	size_t used = 0;

	out[0] = '\0';
	evhttp_parse_query(uri, &q);
	TAILQ_FOREACH(kv, &q, next) {
		int n = snprintf(out + used, outlen - used, "%s=%s|",
		    kv->key, kv->value);

		tt_assert(n > 0 && (size_t)n < outlen - used);
		used += (size_t)n;
	}
	evhttp_clear_headers(&q);
}

static void
test_parse_query(struct regress_env *env)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/search?q=test%0Afoo", "q=test\nfoo|" },
		{ "/search?q=test+foo", "q=test foo|" },
		{ "/x?a=1&b=2&c=3", "a=1|b=2|c=3|" },
		{ "/x?a=1&b&c=3", "a=1|" },
		{ "/x?a=1&&b=2", "a=1|" },
		{ "/x?=v&k=", "=v|k=|" },
		{ "/x?k%20ey=v%20al", "k%20ey=v al|" },	/* keys stay raw */
		{ "/x?a=b=c", "a=b=c|" },
		{ "/x?a=1?b=2", "a=1?b=2|" },
		{ "/x", "" },
		{ "/x?", "" },
		{ "", "" },
		{ NULL, NULL }
	};
	char out[256];
	struct evkeyvalq q;
	int i;

	(void)env;
	for (i = 0; cases[i].in != NULL; i++) {
		query_str(cases[i].in, out, sizeof(out));
		tt_str_op(out, ==, cases[i].out);
	}
	evhttp_parse_query("/q?x=%41", &q);
	tt_str_op(evhttp_find_header(&q, "x"), ==, "A");
	evhttp_clear_headers(&q);
}

static void
test_htmlescape(struct regress_env *env)
{
	char *out, *big;
	size_t n = 100000, i;

	(void)env;
	out = evhttp_htmlescape("<a href=\"x\">Tom & Jerry's</a>");
	tt_str_op(out, ==, "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
	    "Jerry&#039;s&lt;/a&gt;");
	free(out);
	out = evhttp_htmlescape("");
	tt_str_op(out, ==, "");
	free(out);
	out = evhttp_htmlescape("plain text 123");
	tt_str_op(out, ==, "plain text 123");
	free(out);
	/* Each rule alone. */
	out = evhttp_htmlescape("<"); tt_str_op(out, ==, "&lt;"); free(out);
	out = evhttp_htmlescape(">"); tt_str_op(out, ==, "&gt;"); free(out);
	out = evhttp_htmlescape("&"); tt_str_op(out, ==, "&amp;"); free(out);
	out = evhttp_htmlescape("\""); tt_str_op(out, ==, "&quot;"); free(out);
	out = evhttp_htmlescape("'"); tt_str_op(out, ==, "&#039;"); free(out);
	/* A long input of the worst case grows exactly 6 times. */
	big = malloc(n + 1);
	tt_assert(big != NULL);
	memset(big, '"', n);
	big[n] = '\0';
	out = evhttp_htmlescape(big);
	tt_assert(out != NULL);
	tt_uint_op(strlen(out), ==, n * 6);
	for (i = 0; i < n * 6; i += 6)
		tt_assert(memcmp(out + i, "&quot;", 6) == 0);
	free(out);
	free(big);
}

/* ------------------------------------------------------------------ */
/* Server, seen through raw sockets                                    */

static void
test_basic_raw(struct regress_env *env)
{
	char *r, *date;
	struct tm tm;

	srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base,
	    "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	    56);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(r, "Content-Length"), ==, "7");
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/plain");
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	date = raw_header(r, "Date");
	tt_assert(date != NULL);
	memset(&tm, 0, sizeof(tm));
	tt_assert(strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL);
	tt_assert(strstr(r, "\r\n\r\nhello 1") != NULL);
	tt_int_op(strlen(strstr(r, "\r\n\r\n")), ==, 4 + 7);
	tt_str_op(S.last_uri, ==, "/hello?x=1");
	tt_str_op(S.last_host, ==, "127.0.0.1");
	tt_int_op(S.last_type, ==, EVHTTP_REQ_GET);
	free(r);
}

/* Several requests in one write are answered in order, HEAD without a
 * body, without waiting for more bytes from the client. */
static void
test_pipeline(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	char *r, *p;

	srv_start(env->base, AF_INET);
	evhttp_set_gencb(S.http, gen_cb, NULL);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd,
	    "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
	    "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n"
	    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde"
	    "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
	raw_wait_for(env->base, fd, in, "generic", 1, 3.0);
	r = buf_str(in);
	/* 1: hello 1 */
	p = strstr(r, "HTTP/1.1 200 OK");
	tt_assert(p == r);
	p = strstr(p, "\r\n\r\nhello 1");
	tt_assert(p != NULL);
	p += 4 + 7;
	/* 2: HEAD: headers with the length of the body, and no body. */
	tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(p, "Content-Length"), ==, "7");
	p = strstr(p, "\r\n\r\n") + 4;
	/* 3: the echo */
	tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(p, "X-Method"), ==, "POST");
	p = strstr(p, "\r\n\r\n") + 4;
	tt_assert(strncmp(p, "abcdeHTTP/1.1 200 OK\r\n", 22) == 0);
	p += 5;
	p = strstr(p, "\r\n\r\n") + 4;
	tt_str_op(p, ==, "generic");
	tt_int_op(S.nreq, ==, 4);
	/* Still open for more. */
	evbuffer_drain(in, in->off);
	raw_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
	raw_wait_for(env->base, fd, in, "hello 5", 1, 3.0);
	tt_int_op(count_str(in, "hello 5"), ==, 1);
	free(r);
	close(fd);
	evbuffer_free(in);
}

static void
test_http10(struct regress_env *env)
{
	char *r;
	int fd;
	struct evbuffer *in = evbuffer_new();

	srv_start(env->base, AF_INET);
	/* Plain 1.0: reply in 1.0, then close. */
	r = raw_exchange_closed(env->base, "GET /hello HTTP/1.0\r\n\r\n", 23);
	tt_assert(strncmp(r, "HTTP/1.0 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\n\r\nhello 1") != NULL);
	tt_ptr_op(raw_header(r, "Connection"), ==, NULL);
	tt_int_op(S.last_minor, ==, 0);
	free(r);

	/* 1.0 with keep-alive: stays open, says so. */
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	raw_wait_for(env->base, fd, in, "hello 2", 1, 3.0);
	r = buf_str(in);
	tt_str_op(raw_header(r, "Connection"), ==, "keep-alive");
	tt_str_op(raw_header(r, "Content-Length"), ==, "7");
	free(r);
	raw_send_str(fd, "GET /hello HTTP/1.0\r\n\r\n");
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(count_str(in, "hello 3"), ==, 1);
	close(fd);

	/* 1.1 with Connection: close from the client. */
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	free(r);
	/* The application asks to close. */
	r = raw_exchange_closed(env->base, "GET /close HTTP/1.1\r\n\r\n", 23);
	tt_assert(strstr(r, "\r\n\r\nbye") != NULL);
	free(r);
	evbuffer_free(in);
}

static void
test_not_found(struct regress_env *env)
{
	char *r;

	srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base,
	    "GET /no<where>?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", 40);
	tt_assert(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/html");
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	tt_assert(strstr(r, "The requested URL /no&lt;where&gt;?a=1 was not "
	    "found") != NULL);
	free(r);
	/* Exact match only, on the path before '?'. */
	r = raw_exchange_closed(env->base, "GET /hello/x HTTP/1.1\r\n\r\n", 25);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	r = raw_exchange_closed(env->base, "GET /HELLO HTTP/1.1\r\n\r\n", 23);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	/* del_cb, then gencb. */
	tt_int_op(evhttp_del_cb(S.http, "/hello"), ==, 0);
	tt_int_op(evhttp_del_cb(S.http, "/hello"), ==, -1);
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	evhttp_set_gencb(S.http, gen_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_assert(strstr(r, "\r\n\r\ngeneric") != NULL);
	free(r);
	/* Two callbacks for one path: the first registered wins. */
	evhttp_set_cb(S.http, "/dup", hello_cb, NULL);
	evhttp_set_cb(S.http, "/dup", gen_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /dup HTTP/1.1\r\nConnection: close\r\n\r\n", 41);
	tt_assert(strstr(r, "\r\n\r\nhello ") != NULL);
	free(r);
	tt_int_op(evhttp_del_cb(S.http, "/dup"), ==, 0);
	r = raw_exchange_closed(env->base,
	    "GET /dup HTTP/1.1\r\nConnection: close\r\n\r\n", 41);
	tt_assert(strstr(r, "\r\n\r\ngeneric") != NULL);
	free(r);
}

static void
error_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(req->output_headers, "X-Dropped", "yes");
	evhttp_send_error(req, HTTP_SERVUNAVAIL, "Try <later>");
}

/* send_reply_end without send_reply_start: an empty reply. */
static void
end_only_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_reply_end(req);
}

static void
test_send_error(struct regress_env *env)
{
	char *r;

	srv_start(env->base, AF_INET);
	evhttp_set_cb(S.http, "/endonly", end_only_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /endonly HTTP/1.1\r\nConnection: close\r\n\r\n", 45);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(r, "Content-Length"), ==, "0");
	free(r);
	evhttp_set_cb(S.http, "/err", error_cb, NULL);
	r = raw_exchange_closed(env->base, "GET /err HTTP/1.1\r\n\r\n", 21);
	tt_assert(strncmp(r, "HTTP/1.1 503 Try <later>\r\n", 26) == 0);
	tt_ptr_op(raw_header(r, "X-Dropped"), ==, NULL);
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/html");
	tt_assert(strstr(r, "Try &lt;later&gt;") != NULL);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Bad requests: each is answered with its status and the connection  */
/* closed, and the application never sees it.                          */

struct bad_case {
	const char *what;
	const char *req;
	size_t len;		/* 0: strlen */
	int status;
};

#define POSTH "POST /echo HTTP/1.1\r\nHost: a\r\n"
#define CHUNKH POSTH "Transfer-Encoding: chunked\r\n\r\n"

static const struct bad_case bad_cases[] = {
	{ "unknown method", "PUT /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "lowercase method", "get /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "not http", "illegal request\r\n\r\n", 0, 400 },
	{ "two spaces", "GET  /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "no version", "GET /hello\r\n\r\n", 0, 400 },
	{ "version 1.2", "GET /hello HTTP/1.2\r\n\r\n", 0, 400 },
	{ "version 2.0", "GET /hello HTTP/2.0\r\n\r\n", 0, 400 },
	{ "absurd version", "GET /hello HTTP/1.99999999999\r\n\r\n", 0, 400 },
	{ "version junk", "GET /hello HTTP/1.1x\r\n\r\n", 0, 400 },
	{ "ctl in uri", "GET /he\x01llo HTTP/1.1\r\n\r\n", 0, 400 },
	{ "NUL in uri", "GET /he\0llo HTTP/1.1\r\n\r\n", 24, 400 },
	{ "NUL in value", "GET /hello HTTP/1.1\r\nX: a\0b\r\n\r\n", 32, 400 },
	{ "NUL in name", "GET /hello HTTP/1.1\r\nX\0Y: a\r\n\r\n", 32, 400 },
	{ "bare CR in value", "GET /hello HTTP/1.1\r\nX: a\rb\r\n\r\n", 0, 400 },
	{ "CR in name", "GET /hello HTTP/1.1\r\nX\rY: a\r\n\r\n", 0, 400 },
	{ "bare CR line end", "GET /hello HTTP/1.1\rX: a\r\n\r\n", 0, 400 },
	{ "empty name", "GET /hello HTTP/1.1\r\n: x\r\n\r\n", 0, 400 },
	{ "space before colon", "GET /hello HTTP/1.1\r\nX : a\r\n\r\n", 0, 400 },
	{ "no colon", "GET /hello HTTP/1.1\r\nNoColon\r\n\r\n", 0, 400 },
	{ "obs-fold", "GET /hello HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0, 400 },
	{ "obs-fold CL", POSTH "X: a\r\n Content-Length: 5\r\n\r\nhello", 0, 400 },
	{ "leading HTAB", "GET /hello HTTP/1.1\r\n\tX: a\r\n\r\n", 0, 400 },
	{ "duplicate host", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	  0, 400 },
	{ "CL twice same", POSTH "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"
	  "hello", 0, 400 },
	{ "CL conflict", POSTH "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
	  "hello!", 0, 400 },
	{ "CL list", POSTH "Content-Length: 5, 5\r\n\r\nhello", 0, 400 },
	{ "CL plus", POSTH "Content-Length: +5\r\n\r\nhello", 0, 400 },
	{ "CL negative", POSTH "Content-Length: -1\r\n\r\n", 0, 400 },
	{ "CL hex", POSTH "Content-Length: 0x5\r\n\r\nhello", 0, 400 },
	{ "CL junk", POSTH "Content-Length: 5a\r\n\r\nhello", 0, 400 },
	{ "CL empty", POSTH "Content-Length:\r\n\r\n", 0, 400 },
	{ "CL overflow", POSTH "Content-Length: 99999999999999999999\r\n\r\n",
	  0, 400 },
	{ "TE and CL", POSTH "Transfer-Encoding: chunked\r\nContent-Length: 5"
	  "\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "TE gzip,chunked", POSTH "Transfer-Encoding: gzip, chunked\r\n\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "TE chunked,gzip", POSTH "Transfer-Encoding: chunked, gzip\r\n\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "TE twice", POSTH "Transfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "TE identity", POSTH "Transfer-Encoding: identity\r\n\r\n", 0, 400 },
	{ "TE in 1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
	  "\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 0x1", CHUNKH "0x1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk +1", CHUNKH "+1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk -0", CHUNKH "-0\r\n\r\n", 0, 400 },
	{ "chunk space 1", CHUNKH " 1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 1 1", CHUNKH "1 1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk empty", CHUNKH "\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk not hex", CHUNKH "g\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 2^64", CHUNKH "10000000000000000\r\na\r\n", 0, 400 },
	{ "chunk 2^63", CHUNKH "8000000000000000\r\na\r\n", 0, 400 },
	{ "chunk long hex", CHUNKH "000000000000000000000000000000001\r\na\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "chunk no CRLF", CHUNKH "5\r\nhelloXX0\r\n\r\n", 0, 400 },
	{ "chunk ext ctl", CHUNKH "1;a\x01\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "trailer CL", CHUNKH "1\r\na\r\n0\r\nContent-Length: 5\r\n\r\n", 0, 400 },
	{ "trailer TE", CHUNKH "0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "trailer Host", CHUNKH "0\r\nHost: evil\r\n\r\n", 0, 400 },
	{ "trailer fold", CHUNKH "0\r\nX: a\r\n b\r\n\r\n", 0, 400 },
	{ "expect other", POSTH "Expect: 200-ok\r\nContent-Length: 1\r\n\r\na",
	  0, 417 },
	{ "body over limit", POSTH "Content-Length: 9223372036854775807\r\n\r\n",
	  0, 413 },
	{ NULL, NULL, 0, 0 }
};

static void
test_bad_requests(struct regress_env *env)
{
	int i;

	srv_start(env->base, AF_INET);
	for (i = 0; bad_cases[i].what != NULL; i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->req);
		char expect[32], *r;

		regress_note("case: %s", c->what);
		r = raw_exchange_closed(env->base, c->req, len);
		snprintf(expect, sizeof(expect), "HTTP/1.1 %d ", c->status);
		if (strncmp(r, expect, strlen(expect)) != 0)
			regress_fail(__FILE__, __LINE__, "%s: expected %d, got "
			    "\"%.60s\"", c->what, c->status, r);
		tt_str_op(raw_header(r, "Connection"), ==, "close");
		free(r);
		if (S.nreq != 0)
			regress_fail(__FILE__, __LINE__, "%s: reached the "
			    "application", c->what);
	}
	/* The server is still fine. */
	free(raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43));
	tt_int_op(S.nreq, ==, 1);
}

/* A body on a GET is read as a body, never as the next request. */
static void
test_get_body_not_smuggled(struct regress_env *env)
{
	static const char inner[] = "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n";
	char req[256], *r;

	srv_start(env->base, AF_INET);
	snprintf(req, sizeof(req), "GET /echo HTTP/1.1\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n%s", strlen(inner), inner);
	r = raw_exchange_closed(env->base, req, strlen(req));
	tt_assert(strncmp(r, "HTTP/1.1 200", 12) == 0);
	tt_int_op(S.nreq, ==, 1);
	tt_ptr_op(S.held, ==, NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, inner);
	free(r);
}

static void
test_limits(struct regress_env *env)
{
	char *big, *r, *p;
	int i;
	size_t n;

	srv_start(env->base, AF_INET);
	evhttp_set_max_headers_size(S.http, 1024);
	evhttp_set_max_body_size(S.http, 100);

	big = malloc(8192);
	tt_assert(big != NULL);
	/* One header too long. */
	n = (size_t)snprintf(big, 8192, "GET /hello HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 1500);
	n += 1500;
	memcpy(big + n, "\r\n\r\n", 5);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 431 ", 13) == 0);
	free(r);
	/* A long request line. */
	n = (size_t)snprintf(big, 8192, "GET /");
	memset(big + n, 'u', 2000);
	n += 2000;
	memcpy(big + n, " HTTP/1.1\r\n\r\n", 14);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 414 ", 13) == 0);
	free(r);
	/* Many small headers: the count limit. */
	evhttp_set_max_headers_size(S.http, -1);
	p = big + snprintf(big, 8192, "GET /hello HTTP/1.1\r\n");
	for (i = 0; i < 200; i++)
		p += snprintf(p, 16, "X%d: v\r\n", i);
	memcpy(p, "\r\n", 3);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 431 ", 13) == 0);
	free(r);
	/* Bodies: announced too long, chunked too long, exactly the limit. */
	r = raw_exchange_closed(env->base, POSTH "Content-Length: 101\r\n\r\n",
	    strlen(POSTH "Content-Length: 101\r\n\r\n"));
	tt_assert(strncmp(r, "HTTP/1.1 413 ", 13) == 0);
	free(r);
	p = big + snprintf(big, 8192, "%s", CHUNKH);
	for (i = 0; i < 11; i++)
		p += snprintf(p, 32, "a\r\n0123456789\r\n");
	memcpy(p, "0\r\n\r\n", 6);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 413 ", 13) == 0);
	free(r);
	tt_int_op(S.nreq, ==, 0);
	p = big + snprintf(big, 8192, POSTH "Connection: close\r\n"
	    "Content-Length: 100\r\n\r\n");
	memset(p, 'b', 100);
	p[100] = '\0';
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	tt_int_op(S.last_body_len, ==, 100);
	free(r);
	free(big);
}

static void
test_chunked_upload_raw(struct regress_env *env)
{
	static const char up[] =
	    "POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n"
	    "5\r\nhello\r\n"
	    "1;name=value\r\n,\r\n"
	    "6 ; x\r\n world\r\n"
	    "A\r\n0123456789\r\n"
	    "0\r\nX-Trailer: dropped\r\n\r\n";
	char *r;

	srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base, up, sizeof(up) - 1);
	tt_assert(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	tt_int_op(S.last_body_len, ==, 22);
	tt_assert(memcmp(S.last_body, "hello, world0123456789", 22) == 0);
	/* Trailers are discarded, never merged into the headers. */
	tt_int_op(S.last_ntrailers_seen, ==, 0);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "hello, world0123456789");
	free(r);
}

static void
test_expect_continue(struct regress_env *env)
{
	int fd = -1;
	struct evbuffer *in = evbuffer_new();
	char *r;

	srv_start(env->base, AF_INET);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "POST /echo HTTP/1.1\r\nHost: a\r\n"
	    "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n");
	raw_wait_for(env->base, fd, in, "\r\n\r\n", 1, 3.0);
	r = buf_str(in);
	tt_str_op(r, ==, "HTTP/1.1 100 Continue\r\n\r\n");
	free(r);
	tt_int_op(S.nreq, ==, 0);
	raw_send_str(fd, "body");
	raw_wait_for(env->base, fd, in, "body", 1, 3.0);
	r = buf_str(in);
	tt_assert(strstr(r, "HTTP/1.1 200 OK\r\n") != NULL);
	tt_assert(strstr(r, "\r\n\r\nbody") != NULL);
	free(r);
	close(fd);
	evbuffer_free(in);
}

/* ------------------------------------------------------------------ */
/* Our client against our server                                       */

struct cres {
	int done;		/* callbacks run */
	int null_req;		/* callbacks that got NULL */
	int code;
	char line[64];
	char body[70000];
	size_t body_len;
	char xhost[128];
	char xmethod[16];
	char clen[32];
	struct evhttp_connection *evcon_in_cb;
	int chunks;
	char chunk[8][32];
	double chunk_at[8];
	int closes;		/* close callbacks */
	double at;
};

static struct cres C;

static void
client_cb(struct evhttp_request *req, void *arg)
{
	const char *v;

	(void)arg;
	C.done++;
	C.at = regress_now();
	if (req == NULL) {
		C.null_req++;
		return;
	}
	C.code = req->response_code;
	snprintf(C.line, sizeof(C.line), "%s",
	    req->response_code_line ? req->response_code_line : "(null)");
	C.body_len = req->input_buffer->off;
	if (C.body_len > sizeof(C.body))
		C.body_len = sizeof(C.body);
	if (C.body_len > 0)
		memcpy(C.body, req->input_buffer->buffer, C.body_len);
	v = evhttp_find_header(req->input_headers, "X-Host");
	snprintf(C.xhost, sizeof(C.xhost), "%s", v ? v : "");
	v = evhttp_find_header(req->input_headers, "X-Method");
	snprintf(C.xmethod, sizeof(C.xmethod), "%s", v ? v : "");
	v = evhttp_find_header(req->input_headers, "Content-Length");
	snprintf(C.clen, sizeof(C.clen), "%s", v ? v : "");
	C.evcon_in_cb = evhttp_request_get_connection(req);
}

static void
client_chunk_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (C.chunks < 8) {
		snprintf(C.chunk[C.chunks], sizeof(C.chunk[0]), "%.*s",
		    (int)req->input_buffer->off,
		    (const char *)req->input_buffer->buffer);
		C.chunk_at[C.chunks] = regress_now();
	}
	C.chunks++;
}

static void
client_close_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	C.closes++;
}

static struct evhttp_connection *
client_new(struct event_base *base, const char *addr, unsigned short port)
{
	struct evhttp_connection *evcon = evhttp_connection_new(addr, port);

	tt_assert(evcon != NULL);
	evhttp_connection_set_base(evcon, base);
	evhttp_connection_set_closecb(evcon, client_close_cb, NULL);
	return evcon;
}

static void
client_get(struct event_base *base, struct evhttp_connection *evcon,
    enum evhttp_cmd_type type, const char *uri)
{
	struct evhttp_request *req = evhttp_request_new(client_cb, NULL);
	int before = C.done;

	tt_assert(req != NULL);
	tt_int_op(evhttp_make_request(evcon, req, type, uri), ==, 0);
	run_until(base, &C.done, 0);	/* nothing happens synchronously */
	tt_int_op(C.done, ==, before);
	run_until_more(base, &C.done, before, 3.0);
	if (C.done == before)
		tt_fail("client request timed out");
}

static void
test_client_basic(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	char host[64], *addr;
	unsigned short port;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	evhttp_connection_get_peer(evcon, &addr, &port);
	tt_str_op(addr, ==, "127.0.0.1");
	tt_int_op(port, ==, S.port);

	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.line, ==, "OK");
	tt_int_op(C.body_len, ==, 7);
	tt_assert(memcmp(C.body, "hello 1", 7) == 0);
	tt_str_op(C.clen, ==, "7");
	tt_ptr_op(C.evcon_in_cb, ==, NULL);

	/* Host is added when missing; the method travels. */
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/echo?a=b");
	snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)S.port);
	tt_str_op(C.xhost, ==, host);
	tt_str_op(C.xmethod, ==, "GET");
	tt_str_op(S.last_uri, ==, "/echo?a=b");
	tt_int_op(C.closes, ==, 0);
	evhttp_connection_free(evcon);
	tt_int_op(C.closes, ==, 1);
}

static void
test_client_post(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	size_t i;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	req = evhttp_request_new(client_cb, NULL);
	for (i = 0; i < 60000; i++)
		evbuffer_add(req->output_buffer, &"0123456789abcdef"[i % 16], 1);
	evhttp_add_header(req->output_headers, "Host", "example.org");
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_POST, "/echo"),
	    ==, 0);
	run_until(env->base, &C.done, 5.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.xmethod, ==, "POST");
	tt_str_op(C.xhost, ==, "example.org");	/* the caller's Host kept */
	tt_int_op(C.body_len, ==, 60000);
	for (i = 0; i < 60000; i++)
		tt_int_op(C.body[i], ==, "0123456789abcdef"[i % 16]);
	evhttp_connection_free(evcon);
}

static void
test_client_keepalive(struct regress_env *env)
{
	struct evhttp_connection *evcon, *first;
	int i;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	/* Three queued at once: sent one after the other on one socket. */
	for (i = 0; i < 3; i++) {
		struct evhttp_request *req = evhttp_request_new(client_cb, NULL);

		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
		    "/hello"), ==, 0);
	}
	run_until(env->base, &C.done, 0);
	run_until_more(env->base, &C.done, 2, 3.0);
	tt_int_op(C.done, ==, 3);
	tt_int_op(S.nreq, ==, 3);
	tt_assert(memcmp(C.body, "hello 3", 7) == 0);
	first = S.last_evcon;
	tt_int_op(C.closes, ==, 0);
	/* Later, on the same connection. */
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_ptr_op(S.last_evcon, ==, first);
	/* HEAD: no body is expected, and the connection stays usable. */
	client_get(env->base, evcon, EVHTTP_REQ_HEAD, "/hello");
	tt_int_op(C.code, ==, 200);
	tt_int_op(C.body_len, ==, 0);
	tt_str_op(C.clen, ==, "7");
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_assert(memcmp(C.body, "hello 6", 7) == 0);
	tt_ptr_op(S.last_evcon, ==, first);
	tt_int_op(C.closes, ==, 0);
	/* The server closes: the close callback runs, the next request
	 * reconnects transparently. */
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/close");
	tt_int_op(C.code, ==, 200);
	tt_int_op(C.closes, ==, 1);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	tt_ptr_op(S.last_evcon, !=, NULL);
	evhttp_connection_free(evcon);
}

/* The server drops an idle keep-alive connection: the client notices. */
static void
test_client_idle_close(struct regress_env *env)
{
	struct evhttp_connection *evcon;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evhttp_set_timeout(S.http, 1);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.closes, ==, 0);
	run_until_more(env->base, &C.closes, 0, 3.0);
	tt_int_op(C.closes, ==, 1);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	tt_assert(memcmp(C.body, "hello 2", 7) == 0);
	evhttp_connection_free(evcon);
}

/* Chunks reach the client as they are sent, not at the end. */
static void
test_chunked_stream(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	int i;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	req = evhttp_request_new(client_cb, NULL);
	evhttp_request_set_chunked_cb(req, client_chunk_cb);
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/stream");
	run_until(env->base, &C.done, 5.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_int_op(C.chunks, ==, 4);
	for (i = 0; i < 4; i++) {
		char expect[32];

		snprintf(expect, sizeof(expect), "chunk%d;", i);
		tt_str_op(C.chunk[i], ==, expect);
		tt_assert(C.chunk_at[i] >= S.stream_sent_at[i]);
	}
	/* Streamed, not held to the end: the first chunk (sent 150 ms
	 * before the last) arrived before the last one was even sent. */
	tt_assert(C.chunk_at[0] < S.stream_sent_at[3]);
	/* The chunk callback consumed the data. */
	tt_int_op(C.body_len, ==, 0);
	/* Without a chunk callback, the whole body arrives at the end. */
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/stream");
	tt_int_op(C.body_len, ==, 28);
	tt_assert(memcmp(C.body, "chunk0;chunk1;chunk2;chunk3;", 28) == 0);
	evhttp_connection_free(evcon);
}

static void
test_stream_raw(struct regress_env *env)
{
	char *r;
	struct evbuffer *in = evbuffer_new();
	int fd;

	srv_start(env->base, AF_INET);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n");
	raw_wait_for(env->base, fd, in, "0\r\n\r\n", 1, 3.0);
	r = buf_str(in);
	tt_str_op(raw_header(r, "Transfer-Encoding"), ==, "chunked");
	tt_ptr_op(raw_header(r, "Content-Length"), ==, NULL);
	tt_assert(raw_header(r, "Date") != NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "7\r\nchunk0;\r\n7\r\nchunk1;\r\n"
	    "7\r\nchunk2;\r\n7\r\nchunk3;\r\n0\r\n\r\n");
	free(r);
	close(fd);
	/* HTTP/1.0: raw data, closed at the end. */
	r = raw_exchange_closed(env->base, "GET /stream HTTP/1.0\r\n\r\n", 24);
	tt_ptr_op(raw_header(r, "Transfer-Encoding"), ==, NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "chunk0;chunk1;chunk2;chunk3;");
	free(r);
	/* HEAD: headers only. */
	r = raw_exchange_closed(env->base,
	    "HEAD /stream HTTP/1.1\r\nConnection: close\r\n\r\n", 44);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "");
	free(r);
	evbuffer_free(in);
}

/* ------------------------------------------------------------------ */
/* Client failures                                                     */

static struct evhttp_request *fail_req_seen;

static void
fail_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	C.done++;
	C.at = regress_now();
	fail_req_seen = req;
	if (req == NULL)
		C.null_req++;
	else
		C.code = req->response_code;
}

/* Connecting fails: 1.4 calls back with the request, response_code 0. */
static void
test_client_connect_refused(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	int fd = listen_loopback(AF_INET, &port);

	close(fd);	/* nobody listens there now */
	memset(&C, 0, sizeof(C));
	C.code = -1;
	evcon = client_new(env->base, "127.0.0.1", port);
	req = evhttp_request_new(fail_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	run_until(env->base, &C.done, 3.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.null_req, ==, 0);
	tt_ptr_op(fail_req_seen, ==, req);
	tt_int_op(C.code, ==, 0);
	tt_int_op(C.closes, ==, 0);	/* never established */
	evhttp_connection_free(evcon);
}

/* One retry: the failure is reported after the 2 s back-off. */
static void
test_client_retry(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	int fd = listen_loopback(AF_INET, &port);
	double t0;

	close(fd);
	memset(&C, 0, sizeof(C));
	evcon = client_new(env->base, "127.0.0.1", port);
	evhttp_connection_set_retries(evcon, 1);
	req = evhttp_request_new(fail_cb, NULL);
	t0 = regress_now();
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	run_until(env->base, &C.done, 6.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 0);
	tt_assert(C.at - t0 >= 1.9);
	tt_assert(C.at - t0 < 4.0 * regress_slowdown());
	evhttp_connection_free(evcon);
}

/* A retry that succeeds: the server appears during the back-off. */
static void
test_client_retry_success(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	int fd = listen_loopback(AF_INET, &port);
	struct sockaddr_in sin;
	int on = 1;

	close(fd);
	memset(&C, 0, sizeof(C));
	evcon = client_new(env->base, "127.0.0.1", port);
	evhttp_connection_set_retries(evcon, 2);
	req = evhttp_request_new(client_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/hello"),
	    ==, 0);
	run_for(env->base, 0.5);
	tt_int_op(C.done, ==, 0);
	/* Now listen on that port. */
	srv_start(env->base, AF_INET);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		tt_skip("the port was taken meanwhile");
	tt_int_op(listen(fd, 16), ==, 0);
	tt_int_op(evhttp_accept_socket(S.http, fd), ==, 0);
	run_until(env->base, &C.done, 5.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_assert(memcmp(C.body, "hello 1", 7) == 0);
	evhttp_connection_free(evcon);
}

/* A raw server that answers every connection with fixed bytes. */
struct fake_srv {
	int lfd;
	const char *reply;
	size_t reply_len;	/* 0: strlen(reply) */
	int close_after;
	int conns[16];
	struct event cev[16];
	int nconns;
	struct event ev;
};

/* The request arrived: answer, and maybe close. */
static void
fake_read_cb(int fd, short what, void *arg)
{
	struct fake_srv *f = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	int i;

	(void)what;
	for (i = 0; i < f->nconns; i++) {
		if (f->conns[i] == fd)
			event_del(&f->cev[i]);
	}
	if (n <= 0)
		return;
	if (f->reply != NULL)
		raw_send(fd, f->reply, f->reply_len ? f->reply_len :
		    strlen(f->reply));
	if (f->close_after) {
		for (i = 0; i < f->nconns; i++) {
			if (f->conns[i] == fd)
				f->conns[i] = -1;
		}
		close(fd);
	}
}

static void
fake_accept_cb(int fd, short what, void *arg)
{
	struct fake_srv *f = arg;
	int c = accept(fd, NULL, NULL);

	(void)what;
	if (c < 0)
		return;
	if (f->nconns >= 16) {
		close(c);
		return;
	}
	f->conns[f->nconns] = c;
	event_set(&f->cev[f->nconns], c, EV_READ, fake_read_cb, f);
	event_base_set(S.base, &f->cev[f->nconns]);
	event_add(&f->cev[f->nconns], NULL);
	f->nconns++;
}

static void
fake_stop(struct fake_srv *f)
{
	int i;

	event_del(&f->ev);
	close(f->lfd);
	for (i = 0; i < f->nconns; i++) {
		event_del(&f->cev[i]);
		if (f->conns[i] >= 0)
			close(f->conns[i]);
	}
}

static void
fake_start(struct event_base *base, struct fake_srv *f, const char *reply,
    int close_after, unsigned short *port)
{
	memset(f, 0, sizeof(*f));
	S.base = base;
	f->lfd = listen_loopback(AF_INET, port);
	tt_assert(f->lfd >= 0);
	f->reply = reply;
	f->close_after = close_after;
	event_set(&f->ev, f->lfd, EV_READ | EV_PERSIST, fake_accept_cb, f);
	event_base_set(base, &f->ev);
	event_add(&f->ev, NULL);
}

static void
client_expect_null(struct event_base *base, const char *reply, int close_after,
    int timeout)
{
	struct fake_srv f;
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;

	memset(&C, 0, sizeof(C));
	fake_start(base, &f, reply, close_after, &port);
	evcon = client_new(base, "127.0.0.1", port);
	if (timeout)
		evhttp_connection_set_timeout(evcon, timeout);
	req = evhttp_request_new(fail_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	run_until(base, &C.done, 4.0);
	if (C.done != 1)
		regress_fail(__FILE__, __LINE__, "no callback for reply "
		    "\"%.40s\"", reply ? reply : "(none)");
	if (C.null_req != 1)
		regress_fail(__FILE__, __LINE__, "reply \"%.40s\": callback "
		    "got a request (code %d), not NULL", reply ? reply : "",
		    C.code);
	evhttp_connection_free(evcon);
	fake_stop(&f);
}

/* A broken exchange: 1.4 calls back with NULL. */
static void
test_client_bad_responses(struct regress_env *env)
{
	static const char *const replies[] = {
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nX\x01: y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 000 Zero\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nno length",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
		NULL
	};
	int i;

	for (i = 0; replies[i] != NULL; i++)
		client_expect_null(env->base, replies[i], 1, 0);
	/* Accepted, then silence: the read timeout fires. */
	client_expect_null(env->base, NULL, 0, 1);
}

/* Responses framed in each legal way. */
static void
test_client_framings(struct regress_env *env)
{
	static const struct { const char *reply, *body; int code; } cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "abc", 200 },
		{ "HTTP/1.0 200 OK\r\n\r\nuntil close", "until close", 200 },
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
		  "until close", 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", "abcde", 200 },
		{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Made\r\n"
		  "Content-Length: 2\r\n\r\nok", "ok", 201 },
		{ "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "", 204 },
		{ "HTTP/1.1 304 Not Modified\r\n\r\n", "", 304 },
		{ "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", "x", 200 },
		{ NULL, NULL, 0 }
	};
	int i;

	for (i = 0; cases[i].reply != NULL; i++) {
		struct fake_srv f;
		struct evhttp_connection *evcon;
		struct evhttp_request *req;
		unsigned short port;

		memset(&C, 0, sizeof(C));
		fake_start(env->base, &f, cases[i].reply, 1, &port);
		evcon = client_new(env->base, "127.0.0.1", port);
		req = evhttp_request_new(client_cb, NULL);
		evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/");
		run_until(env->base, &C.done, 3.0);
		regress_note("case %d", i);
		tt_int_op(C.done, ==, 1);
		tt_int_op(C.null_req, ==, 0);
		tt_int_op(C.code, ==, cases[i].code);
		tt_int_op(C.body_len, ==, strlen(cases[i].body));
		tt_assert(memcmp(C.body, cases[i].body, C.body_len) == 0);
		evhttp_connection_free(evcon);
		fake_stop(&f);
	}
}

static struct evhttp_connection *free_me;

static void
free_in_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	C.done++;
	C.code = req ? req->response_code : -1;
	evhttp_connection_free(free_me);
	free_me = NULL;
}

/* Freeing the connection from inside a request callback is safe, and the
 * other queued requests go without their callbacks. */
static void
test_client_free_in_cb(struct regress_env *env)
{
	struct evhttp_request *req;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	free_me = client_new(env->base, "127.0.0.1", S.port);
	req = evhttp_request_new(free_in_cb, NULL);
	evhttp_make_request(free_me, req, EVHTTP_REQ_GET, "/hello");
	req = evhttp_request_new(free_in_cb, NULL);
	evhttp_make_request(free_me, req, EVHTTP_REQ_GET, "/hello");
	run_until(env->base, &C.done, 3.0);
	run_for(env->base, 0.2);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_ptr_op(free_me, ==, NULL);
	tt_int_op(C.closes, ==, 1);
}

/* An exchange that stalls: evhttp_connection_set_timeout applies. */
static void
test_client_timeout(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	double t0;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	evhttp_connection_set_timeout(evcon, 1);
	req = evhttp_request_new(fail_cb, NULL);
	t0 = regress_now();
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/hold");
	run_until(env->base, &C.done, 4.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.null_req, ==, 1);
	tt_assert(C.at - t0 >= 0.9);
	tt_assert(C.at - t0 < 2.5 * regress_slowdown());
	evhttp_connection_free(evcon);
}

/* ------------------------------------------------------------------ */
/* Server timeouts and disconnects                                     */

/* A client that sends one byte every 300 ms is dropped at the timeout. */
struct slow {
	int fd;
	int pos;
	struct event ev;
};

static void
slow_byte_cb(int fd, short what, void *arg)
{
	static const char req[] = "GET /hello HTTP/1.1\r\nHost: slow\r\n"
	    "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	struct slow *sl = arg;
	struct timeval tv = { 0, 300000 };

	(void)fd;
	(void)what;
	if ((size_t)sl->pos < sizeof(req) - 1 &&
	    write(sl->fd, req + sl->pos, 1) == 1)
		sl->pos++;
	evtimer_add(&sl->ev, &tv);
}

static void
test_slowloris(struct regress_env *env)
{
	struct slow sl;
	struct evbuffer *in = evbuffer_new();
	double t0;

	srv_start(env->base, AF_INET);
	evhttp_set_timeout(S.http, 1);
	memset(&sl, 0, sizeof(sl));
	sl.fd = raw_connect(AF_INET, S.port);
	evtimer_set(&sl.ev, slow_byte_cb, &sl);
	event_base_set(env->base, &sl.ev);
	t0 = regress_now();
	slow_byte_cb(-1, 0, &sl);
	tt_int_op(raw_wait_for(env->base, sl.fd, in, NULL, 0, 4.0), ==, 1);
	event_del(&sl.ev);
	regress_note("dropped after %.2f s and %d bytes", regress_now() - t0,
	    sl.pos);
	/* Dropped within the timeout (plus slack), without a response. */
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	tt_assert(regress_now() - t0 >= 0.9);
	tt_int_op(in->off, ==, 0);
	tt_int_op(S.nreq, ==, 0);
	close(sl.fd);
	evbuffer_free(in);
}

/* An idle keep-alive connection closes after the timeout. */
static void
test_idle_timeout(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	double t0;

	srv_start(env->base, AF_INET);
	evhttp_set_timeout(S.http, 1);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
	raw_wait_for(env->base, fd, in, "hello 1", 1, 3.0);
	t0 = regress_now();
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 4.0), ==, 1);
	tt_assert(regress_now() - t0 >= 0.9);
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	close(fd);
	/* A connection that never sends anything, likewise. */
	fd = raw_connect(AF_INET, S.port);
	t0 = regress_now();
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 4.0), ==, 1);
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	close(fd);
	evbuffer_free(in);
}

/* The application may take longer than the timeout to answer. */
static void
late_reply_cb(int fd, short what, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)fd;
	(void)what;
	(void)arg;
	evbuffer_add(b, "late", 4);
	evhttp_send_reply(S.held, HTTP_OK, "OK", b);
	S.held = NULL;
	evbuffer_free(b);
}

static void
test_slow_app(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	struct event ev;
	struct timeval tv = { 1, 500000 };

	srv_start(env->base, AF_INET);
	evhttp_set_timeout(S.http, 1);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	evtimer_set(&ev, late_reply_cb, NULL);
	event_base_set(env->base, &ev);
	evtimer_add(&ev, &tv);
	raw_wait_for(env->base, fd, in, "late", 1, 4.0);
	tt_int_op(count_str(in, "\r\n\r\nlate"), ==, 1);
	close(fd);
	evbuffer_free(in);
}

/* The client leaves while the application holds its request. */
static void
test_client_gone(struct regress_env *env)
{
	int fd;
	struct evbuffer *b = evbuffer_new();

	srv_start(env->base, AF_INET);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	run_until(env->base, &S.nreq, 3.0);
	tt_assert(S.held != NULL);
	tt_assert(evhttp_request_get_connection(S.held) != NULL);
	close(fd);
	run_for(env->base, 0.2);
	tt_ptr_op(evhttp_request_get_connection(S.held), ==, NULL);
	/* Streaming calls are harmless now; the end frees the request. */
	evhttp_send_reply_start(S.held, HTTP_OK, "OK");
	evbuffer_add(b, "x", 1);
	evhttp_send_reply_chunk(S.held, b);
	evhttp_send_reply_end(S.held);
	S.held = NULL;

	/* Same with a plain reply. */
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	run_until_more(env->base, &S.nreq, 1, 3.0);
	tt_assert(S.held != NULL);
	close(fd);
	run_for(env->base, 0.2);
	tt_ptr_op(evhttp_request_get_connection(S.held), ==, NULL);
	evhttp_send_reply(S.held, HTTP_OK, "OK", b);
	S.held = NULL;
	evbuffer_free(b);
}

/* evhttp_free with open connections and a held request. */
static void
test_server_free(struct regress_env *env)
{
	int fd1, fd2;
	struct evbuffer *in = evbuffer_new();

	srv_start(env->base, AF_INET);
	fd1 = raw_connect(AF_INET, S.port);
	fd2 = raw_connect(AF_INET, S.port);
	raw_send_str(fd1, "GET /hold HTTP/1.1\r\n\r\n");
	run_until(env->base, &S.nreq, 3.0);
	tt_assert(S.held != NULL);
	evhttp_free(S.http);
	S.http = NULL;
	/* Both connections are closed. */
	tt_int_op(raw_wait_for(env->base, fd1, in, NULL, 0, 2.0), ==, 1);
	tt_int_op(raw_wait_for(env->base, fd2, in, NULL, 0, 2.0), ==, 1);
	tt_int_op(in->off, ==, 0);
	/* The held request is detached, and can still be answered. */
	tt_ptr_op(evhttp_request_get_connection(S.held), ==, NULL);
	evhttp_send_reply(S.held, HTTP_OK, "OK", NULL);
	close(fd1);
	close(fd2);
	evbuffer_free(in);
}

/* Bytes written by a fast producer to a slow reader stay in order and are
 * all delivered; the producer is never blocked. */
static void
big_stream_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	char block[4096];
	int i;

	(void)arg;
	record(req);
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	for (i = 0; i < 256; i++) {	/* 1 MiB, more than a socket buffer */
		memset(block, 'a' + i % 26, sizeof(block));
		evbuffer_add(b, block, sizeof(block));
		evhttp_send_reply_chunk(req, b);
		tt_int_op(b->off, ==, 0);
	}
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void
test_big_stream(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	evhttp_set_cb(S.http, "/big", big_stream_cb, NULL);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	req = evhttp_request_new(client_cb, NULL);
	evhttp_request_set_chunked_cb(req, client_chunk_cb);
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/big");
	run_until(env->base, &C.done, 5.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_int_op(C.chunks, ==, 256);
	tt_str_op(C.chunk[1], ==, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	evhttp_connection_free(evcon);
}

/* ------------------------------------------------------------------ */
/* Other listeners                                                     */

static void
test_ipv6(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp *http2;
	unsigned short port;
	int fd;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET6);
	evcon = client_new(env->base, "::1", S.port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/echo");
	tt_int_op(C.code, ==, 200);
	tt_str_op(S.last_host, ==, "::1");
	{
		char host[64];

		snprintf(host, sizeof(host), "[::1]:%u", (unsigned)S.port);
		tt_str_op(C.xhost, ==, host);
	}
	evhttp_connection_free(evcon);

	/* evhttp_bind_socket with an IPv6 literal: find a free port first. */
	fd = listen_loopback(AF_INET6, &port);
	close(fd);
	http2 = evhttp_new(env->base);
	if (evhttp_bind_socket(http2, "::1", port) != 0)
		tt_skip("port taken between the probe and the bind");
	evhttp_set_cb(http2, "/hello", hello_cb, NULL);
	evcon = client_new(env->base, "::1", port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http2);
}

static void
test_bind_socket(struct regress_env *env)
{
	struct evhttp *http;
	struct evhttp_connection *evcon;
	unsigned short port;
	int fd;

	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	fd = listen_loopback(AF_INET, &port);
	close(fd);
	http = evhttp_new(env->base);
	if (evhttp_bind_socket(http, "127.0.0.1", port) != 0)
		tt_skip("port taken between the probe and the bind");
	/* The same port twice fails. */
	tt_int_op(evhttp_bind_socket(http, "127.0.0.1", port), ==, -1);
	tt_int_op(evhttp_bind_socket(http, "not an address!", 1), ==, -1);
	evhttp_set_cb(http, "/hello", hello_cb, NULL);
	evcon = client_new(env->base, "127.0.0.1", port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http);

	/* evhttp_start: the default base (env->base is event_init's). */
	fd = listen_loopback(AF_INET, &port);
	close(fd);
	http = evhttp_start("127.0.0.1", port);
	if (http == NULL)
		tt_skip("port taken between the probe and the bind");
	evhttp_set_cb(http, "/hello", hello_cb, NULL);
	evcon = client_new(env->base, "127.0.0.1", port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* The client binds the local address and port it was told to. */
static void
test_client_local_address(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	unsigned short lport;
	int fd;

	memset(&C, 0, sizeof(C));
	srv_start(env->base, AF_INET);
	fd = listen_loopback(AF_INET, &lport);
	close(fd);
	evcon = client_new(env->base, "127.0.0.1", S.port);
	evhttp_connection_set_local_address(evcon, "127.0.0.1");
	evhttp_connection_set_local_port(evcon, lport);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(C.code, ==, 200);
	tt_str_op(S.last_host, ==, "127.0.0.1");
	tt_int_op(S.held == NULL, ==, 1);
	{
		/* The server saw the connection come from lport. */
		struct evhttp_connection *sc = S.last_evcon;
		char *addr;
		unsigned short port;

		tt_assert(sc != NULL);
		evhttp_connection_get_peer(sc, &addr, &port);
		tt_str_op(addr, ==, "127.0.0.1");
		tt_int_op(port, ==, lport);
	}
	evhttp_connection_free(evcon);
	/* An address that cannot be bound: the request is refused. */
	evcon = client_new(env->base, "127.0.0.1", S.port);
	evhttp_connection_set_local_address(evcon, "192.0.2.1");
	{
		struct evhttp_request *req = evhttp_request_new(client_cb,
		    NULL);

		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
		    "/hello"), ==, -1);
		tt_ptr_op(evhttp_request_get_connection(req), ==, NULL);
		evhttp_request_free(req);
	}
	evhttp_connection_free(evcon);
}

static void
test_unix_socket(struct regress_env *env)
{
	struct sockaddr_un sun;
	char dir[] = "/tmp/relevent-http-XXXXXX";
	int lfd, fd;
	struct evbuffer *in = evbuffer_new();
	char *r;

	srv_start(env->base, AF_INET);
	tt_assert(mkdtemp(dir) != NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	tt_assert(lfd >= 0);
	tt_int_op(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
	tt_int_op(listen(lfd, 16), ==, 0);
	tt_int_op(evhttp_accept_socket(S.http, lfd), ==, 0);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	tt_int_op(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
	raw_send_str(fd, "GET /hello HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n"
	    "Connection: close\r\n\r\n");
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	r = buf_str(in);
	tt_assert(strstr(r, "hello 1") != NULL);
	tt_assert(strstr(r, "hello 2") != NULL);
	/* An unnamed peer: an empty address, no overflow. */
	tt_str_op(S.last_host, ==, "");
	free(r);
	close(fd);

	/* A peer bound to a path of the maximal length. */
	{
		/* Zeroed room after the struct: checkers that read sun_path
		 * as a string then stay in initialized memory. */
		union {
			struct sockaddr_un sun;
			char pad[sizeof(struct sockaddr_un) + 16];
		} meu;
		struct sockaddr_un me;
		char path[sizeof(me.sun_path) + 1];
		size_t n;

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&meu, 0, sizeof(meu));
		memset(&me, 0, sizeof(me));
		me.sun_family = AF_UNIX;
		n = (size_t)snprintf(path, sizeof(path), "%s/", dir);
		memset(path + n, 'p', sizeof(me.sun_path) - n);
		memcpy(meu.sun.sun_path, path, sizeof(me.sun_path)); /* no NUL */
		meu.sun.sun_family = AF_UNIX;
		if (bind(fd, (struct sockaddr *)&meu.sun, sizeof(me)) == 0) {
			tt_int_op(connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)), ==, 0);
			raw_send_str(fd, "GET /hello HTTP/1.1\r\n"
			    "Connection: close\r\n\r\n");
			evbuffer_drain(in, in->off);
			raw_wait_for(env->base, fd, in, NULL, 0, 3.0);
			tt_int_op(count_str(in, "hello 3"), ==, 1);
			tt_int_op(strlen(S.last_host), <=, sizeof(me.sun_path));
			tt_assert(strncmp(S.last_host, path, strlen(dir)) == 0);
			path[sizeof(me.sun_path)] = '\0';
			unlink(path);
		} else {
			regress_note("bind to a full-length path: %s",
			    strerror(errno));
		}
		close(fd);
	}
	unlink(sun.sun_path);
	rmdir(dir);
	evbuffer_free(in);
}

/* ------------------------------------------------------------------ */
/* 1,000 concurrent keep-alive connections                             */

#define NCONN 1000

static int
many_child(unsigned short port)
{
	static int fds[NCONN];
	char buf[4096];
	int i, round;

	for (i = 0; i < NCONN; i++) {
		struct sockaddr_in sin;

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0)
			return 10;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(port);
		if (connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return 11;
	}
	/* Two rounds: every connection serves a request in each. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NCONN; i++) {
			static const char req[] = "GET /conn HTTP/1.1\r\n\r\n";
			size_t got = 0;

			if (write(fds[i], req, sizeof(req) - 1) !=
			    (ssize_t)sizeof(req) - 1)
				return 12;
			/* The reply is small: read until its body "ok". */
			for (;;) {
				ssize_t n = read(fds[i], buf + got,
				    sizeof(buf) - 1 - got);

				if (n <= 0)
					return 13;
				got += (size_t)n;
				buf[got] = '\0';
				if (strstr(buf, "\r\n\r\nok") != NULL)
					break;
			}
		}
	}
	return 0;
}

static struct evhttp_connection *many_seen[NCONN];
static unsigned short many_port[NCONN];
static int many_n, many_reused;

static void
conn_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	int i;

	(void)arg;
	S.nreq++;
	for (i = 0; i < many_n; i++) {
		if (many_port[i] == req->remote_port) {
			if (many_seen[i] == evhttp_request_get_connection(req))
				many_reused++;
			break;
		}
	}
	if (i == many_n && many_n < NCONN) {
		many_port[many_n] = req->remote_port;
		many_seen[many_n++] = evhttp_request_get_connection(req);
	}
	evbuffer_add(b, "ok", 2);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
test_many_connections(struct regress_env *env)
{
	struct rlimit rl;
	pid_t pid;
	int status = -1;
	double end;

	/* select too: our fd sets grow past FD_SETSIZE. */
	(void)env;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < NCONN + 100) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < NCONN + 100)
			tt_skip("cannot raise RLIMIT_NOFILE");
	}
	srv_start(env->base, AF_INET);
	evhttp_set_cb(S.http, "/conn", conn_cb, NULL);
	pid = fork();
	tt_assert(pid >= 0);
	if (pid == 0) {
		die_with_parent();
		_exit(many_child(S.port));
	}
	end = regress_now() + 40 * regress_slowdown();
	while (regress_now() < end) {
		run_for(env->base, 0.05);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		tt_fail("client child did not finish");
	}
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
	tt_int_op(S.nreq, ==, 2 * NCONN);
	tt_int_op(many_n, ==, NCONN);		/* 1,000 distinct connections */
	tt_int_op(many_reused, ==, NCONN);	/* each reused in round two */
}

/* ------------------------------------------------------------------ */
/* Real programs: curl as a client, nginx as a server                  */

/*
 * In a forked child about to exec a helper program: make it die with the
 * test process, so a failed or killed case leaves no server behind.
 */
static void
die_with_parent(void)
{
#if defined(__linux__) && defined(PR_SET_PDEATHSIG)
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* Helper servers still running; stopped when the case ends in any way. */
static pid_t helper_pids[4];

static void
kill_helpers(void)
{
	int i, status;

	for (i = 0; i < 4; i++) {
		if (helper_pids[i] > 0) {
			kill(helper_pids[i], SIGKILL);
			waitpid(helper_pids[i], &status, 0);
			helper_pids[i] = 0;
		}
	}
}

static void
track_helper(pid_t pid)
{
	static int registered;
	int i;

	if (!registered) {
		atexit(kill_helpers);
		registered = 1;
	}
	for (i = 0; i < 4; i++) {
		if (helper_pids[i] <= 0) {
			helper_pids[i] = pid;
			return;
		}
	}
}

static void
untrack_helper(pid_t pid)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (helper_pids[i] == pid)
			helper_pids[i] = 0;
	}
}

static int
have_program(const char *path)
{
	return access(path, X_OK) == 0;
}

static const char *
find_program(const char *name)
{
	static char path[256];
	static const char *const dirs[] = {
		"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", NULL
	};
	int i;

	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (have_program(path))
			return path;
	}
	return NULL;
}

/*
 * Run argv while the loop keeps serving; stdout goes to out_path (if not
 * NULL).  Returns the exit status (-1 if it had to be killed).
 */
static int
run_program(struct event_base *base, char *const argv[], const char *out_path,
    double secs)
{
	pid_t pid = fork();
	int status;
	double end;

	tt_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDWR);

		die_with_parent();

		if (fd >= 0)
			dup2(fd, 1);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	end = regress_now() + secs * regress_slowdown();
	while (regress_now() < end) {
		run_for(base, 0.02);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	regress_note("%s killed after %.1f s", argv[0], secs);
	return -1;
}

/* Read a whole (small) file; NUL-terminated; *len gets its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	tt_assert(f != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	tt_assert(s != NULL);
	tt_int_op(fread(s, 1, (size_t)n, f), ==, n);
	s[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return s;
}

static char tmpdir[64];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/relevent-http-XXXXXX");
	tt_assert(mkdtemp(tmpdir) != NULL);
}

/* Remove the files this file's cases create, then the directory. */
static void
remove_tmpdir(void)
{
	static const char *const names[] = {
		"out1", "out2", "up", "hdr", "nginx.conf", "error.log",
		"nginx.pid", "a.txt", "big.bin", NULL
	};
	static const char *const dirs[] = {
		"body", "proxy", "fastcgi", "uwsgi", "scgi", "logs", NULL
	};
	char p[128];
	int i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, dirs[i]);
		rmdir(p);
	}
	rmdir(tmpdir);
}

static void
test_curl(struct regress_env *env)
{
	const char *curl = find_program("curl");
	char curlpath[256], url1[128], url2[128], out1[128], out2[128];
	char up[128], updata[160], *s;
	size_t len, i;
	FILE *f;

	if (curl == NULL)
		tt_skip("curl not installed");
	snprintf(curlpath, sizeof(curlpath), "%s", curl);
	srv_start(env->base, AF_INET);
	make_tmpdir();
	snprintf(out1, sizeof(out1), "%s/out1", tmpdir);
	snprintf(out2, sizeof(out2), "%s/out2", tmpdir);

	/* Keep-alive: two URLs, one connection (num_connects 1 then 0). */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/hello", S.port);
	snprintf(url2, sizeof(url2), "http://127.0.0.1:%u/echo", S.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1",
		    "-w", "[%{http_code} %{num_connects}]", url1, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = slurp(out1, NULL);
	tt_str_op(s, ==, "hello 1[200 1][200 0]");
	free(s);
	tt_int_op(S.nreq, ==, 2);

	/* Chunked download of a streamed reply. */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/stream", S.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1", "-D", out2,
		    url1, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = slurp(out1, NULL);
	tt_str_op(s, ==, "chunk0;chunk1;chunk2;chunk3;");
	free(s);
	s = slurp(out2, NULL);
	tt_assert(strstr(s, "Transfer-Encoding: chunked\r\n") != NULL);
	free(s);

	/* Chunked upload (curl also sends Expect: 100-continue). */
	snprintf(up, sizeof(up), "%s/up", tmpdir);
	f = fopen(up, "wb");
	tt_assert(f != NULL);
	for (i = 0; i < 3000; i++)
		fprintf(f, "line %04zu\n", i);
	fclose(f);
	snprintf(updata, sizeof(updata), "@%s", up);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1",
		    "-H", "Transfer-Encoding: chunked",
		    "-H", "Expect: 100-continue",
		    "--data-binary", updata, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = slurp(out1, &len);
	tt_int_op(len, ==, 30000);
	tt_assert(strncmp(s, "line 0000\nline 0001\n", 20) == 0);
	tt_assert(strcmp(s + len - 10, "line 2999\n") == 0);
	free(s);
	tt_int_op(S.last_body_len, ==, 4096);	/* capped copy in record() */

	/* HEAD: the headers of the GET, and curl sees no stray body. */
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1", "-I",
		    url2, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = slurp(out1, NULL);
	tt_int_op(count_cstr(s, "HTTP/1.1 200 OK"), ==, 2);
	tt_assert(strstr(s, "Content-Length: 0\r\n") != NULL);
	free(s);

	/* HTTP/1.0. */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/hello", S.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "-0", "-D", out2, url1,
		    NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = slurp(out2, NULL);
	tt_assert(strncmp(s, "HTTP/1.0 200 OK\r\n", 17) == 0);
	free(s);
	remove_tmpdir();
}

/* Is something accepting on 127.0.0.1:port? */
static int
port_open(unsigned short port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), r;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return r == 0;
}

static void
test_nginx(struct regress_env *env)
{
	const char *nginx = "/usr/sbin/nginx";
	char path[128], conf[128], errlog[128];
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	pid_t pid;
	FILE *f;
	int i, fd, status;
	double end;

	if (!have_program(nginx))
		tt_skip("nginx not installed");
	make_tmpdir();
	fd = listen_loopback(AF_INET, &port);
	close(fd);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", tmpdir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", tmpdir);
	f = fopen(conf, "w");
	tt_assert(f != NULL);
	fprintf(f,
	    "daemon off;\nmaster_process off;\nworker_processes 1;\n"
	    "pid %s/nginx.pid;\nerror_log %s/error.log;\n"
	    "events { worker_connections 64; }\n"
	    "http {\n access_log off;\n"
	    " client_body_temp_path %s/body;\n proxy_temp_path %s/proxy;\n"
	    " fastcgi_temp_path %s/fastcgi;\n uwsgi_temp_path %s/uwsgi;\n"
	    " scgi_temp_path %s/scgi;\n"
	    " gzip on; gzip_min_length 1; gzip_types text/plain;\n"
	    " types { text/plain txt; application/octet-stream bin; }\n"
	    " server { listen 127.0.0.1:%u; root %s; }\n}\n",
	    tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir,
	    (unsigned)port, tmpdir);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a.txt", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "hello from nginx\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/big.bin", tmpdir);
	f = fopen(path, "w");
	for (i = 0; i < 200000; i++)
		fputc('A' + i % 23, f);
	fclose(f);

	pid = fork();
	tt_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		die_with_parent();
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execl(nginx, nginx, "-p", tmpdir, "-c", conf, "-e", errlog,
		    (char *)NULL);
		_exit(127);
	}
	track_helper(pid);
	end = regress_now() + 5;
	while (!port_open(port)) {
		if (waitpid(pid, &status, WNOHANG) == pid ||
		    regress_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			remove_tmpdir();
			tt_skip("nginx did not start");
		}
		usleep(20000);
	}

	memset(&C, 0, sizeof(C));
	evcon = client_new(env->base, "127.0.0.1", port);
	client_get(env->base, evcon, EVHTTP_REQ_GET, "/a.txt");
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.line, ==, "OK");
	tt_int_op(C.body_len, ==, 17);
	tt_assert(memcmp(C.body, "hello from nginx\n", 17) == 0);

	client_get(env->base, evcon, EVHTTP_REQ_GET, "/big.bin");
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.clen, ==, "200000");
	tt_int_op(C.body_len, ==, sizeof(C.body));	/* capped copy */
	for (i = 0; i < (int)sizeof(C.body); i++)
		tt_int_op(C.body[i], ==, 'A' + i % 23);

	client_get(env->base, evcon, EVHTTP_REQ_HEAD, "/a.txt");
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.clen, ==, "17");
	tt_int_op(C.body_len, ==, 0);

	client_get(env->base, evcon, EVHTTP_REQ_GET, "/missing");
	tt_int_op(C.code, ==, 404);

	/* gzip makes nginx answer chunked. */
	req = evhttp_request_new(client_cb, NULL);
	evhttp_add_header(req->output_headers, "Accept-Encoding", "gzip");
	C.done = 0;
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/a.txt");
	run_until(env->base, &C.done, 3.0);
	tt_int_op(C.done, ==, 1);
	tt_int_op(C.code, ==, 200);
	tt_str_op(C.clen, ==, "");
	tt_assert(C.body_len > 10);
	tt_int_op((unsigned char)C.body[0], ==, 0x1f);
	tt_int_op((unsigned char)C.body[1], ==, 0x8b);

	/* All of it on one kept-alive connection. */
	tt_int_op(C.closes, ==, 0);
	evhttp_connection_free(evcon);
	tt_int_op(C.closes, ==, 1);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	untrack_helper(pid);
	remove_tmpdir();
}

/* ------------------------------------------------------------------ */
/* Out of file descriptors: the listener pauses instead of spinning.   */

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
test_accept_emfile(struct regress_env *env)
{
	static int fill[4096];
	int nfill = 0, fd, i;
	struct rlimit rl;
	struct evbuffer *in = evbuffer_new();
	double cpu0;

	srv_start(env->base, AF_INET);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur > 256) {
		rl.rlim_cur = 256;
		tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	}
	/* Use up every descriptor but one, which the client takes. */
	while (nfill < 4096 && (fill[nfill] = dup(0)) >= 0)
		nfill++;
	tt_assert(nfill > 0 && errno == EMFILE);
	close(fill[--nfill]);
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
	/* accept() fails with EMFILE now; the loop must not spin. */
	cpu0 = cpu_seconds();
	raw_wait_for(env->base, fd, in, "hello", 1, 0.6);
	tt_int_op(in->off, ==, 0);
	regress_note("cpu while out of fds: %.3f s", cpu_seconds() - cpu0);
	tt_assert(cpu_seconds() - cpu0 < 0.3);
	/* Free descriptors: the connection is accepted and served. */
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(count_str(in, "hello 1"), ==, 1);
	close(fd);
	evbuffer_free(in);
}

/* ------------------------------------------------------------------ */
/* Mutated requests: never a crash or a hang, always an answer or EOF.  */

static void
test_fuzz_requests(struct regress_env *env)
{
	static const char *const seeds[] = {
		"GET /hello?a=1 HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
		"HEAD /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\n"
		"Content-Length: 2\r\n\r\nok"),
	};
	static const char alphabet[] = "\r\n :;0123456789abcdefxX+-\t\x00\x7f"
	    "\x80\xffGETPOSTHEAD/HTTP1.";
	unsigned int seed = 12345;
	struct evbuffer *in = evbuffer_new();
	int i, answered = 0, closed = 0;

	srv_start(env->base, AF_INET);
	evhttp_set_gencb(S.http, gen_cb, NULL);
	evhttp_set_timeout(S.http, 2);
	for (i = 0; i < 1000; i++) {
		const char *src = seeds[i % 5];
		size_t len = strlen(src), j, nmut;
		char buf[512];
		int fd;

		memcpy(buf, src, len);
		seed = seed * 1103515245 + 12345;
		nmut = 1 + (seed >> 16) % 4;
		for (j = 0; j < nmut; j++) {
			size_t pos;

			seed = seed * 1103515245 + 12345;
			pos = (seed >> 16) % len;
			seed = seed * 1103515245 + 12345;
			switch ((seed >> 16) % 3) {
			case 0:	/* replace a byte */
				seed = seed * 1103515245 + 12345;
				buf[pos] = alphabet[(seed >> 16) %
				    (sizeof(alphabet) - 1)];
				break;
			case 1:	/* cut the request short */
				len = pos + 1;
				break;
			default:	/* duplicate a slice */
				if (len + 16 < sizeof(buf)) {
					memmove(buf + pos + 8, buf + pos,
					    len - pos);
					len += 8;
				}
				break;
			}
		}
		fd = raw_connect(AF_INET, S.port);
		raw_send(fd, buf, len);
		shutdown(fd, SHUT_WR);
		evbuffer_drain(in, in->off);
		if (!raw_wait_for(env->base, fd, in, NULL, 0, 4.0))
			regress_fail(__FILE__, __LINE__, "mutation %d: no EOF; "
			    "request: %.*s", i, (int)len, buf);
		if (in->off > 0) {
			answered++;
			tt_assert(in->off >= 12 &&
			    memcmp(in->buffer, "HTTP/1.", 7) == 0);
		} else {
			closed++;
		}
		close(fd);
	}
	regress_note("1000 mutations: %d answered, %d closed silently",
	    answered, closed);
	tt_assert(answered > 0);
	evbuffer_free(in);
}

/* Mutated responses: the client calls back exactly once, never crashes. */
static void
test_fuzz_responses(struct regress_env *env)
{
	static const char *const seeds[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello",
		("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"),
		"HTTP/1.0 200 OK\r\n\r\nuntil the end",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No\r\n\r\n",
	};
	static const char alphabet[] = "\r\n :;0123456789abcdefxX+-\t\x00\x7f"
	    "\x80\xffHTTP/1.";
	unsigned int seed = 4242;
	int i;

	srv_start(env->base, AF_INET);	/* for S.base */
	for (i = 0; i < 300; i++) {
		const char *src = seeds[i % 4];
		size_t len = strlen(src), j, nmut;
		char buf[512];
		struct fake_srv f;
		struct evhttp_connection *evcon;
		struct evhttp_request *req;
		unsigned short port;

		memcpy(buf, src, len);
		seed = seed * 1103515245 + 12345;
		nmut = 1 + (seed >> 16) % 3;
		for (j = 0; j < nmut; j++) {
			size_t pos;

			seed = seed * 1103515245 + 12345;
			pos = (seed >> 16) % len;
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 2 == 0) {
				seed = seed * 1103515245 + 12345;
				buf[pos] = alphabet[(seed >> 16) %
				    (sizeof(alphabet) - 1)];
			} else {
				len = pos + 1;
			}
		}
		memset(&C, 0, sizeof(C));
		fake_start(env->base, &f, buf, 1, &port);
		f.reply_len = len;
		evcon = client_new(env->base, "127.0.0.1", port);
		evhttp_connection_set_timeout(evcon, 2);
		req = evhttp_request_new(fail_cb, NULL);
		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"),
		    ==, 0);
		run_until(env->base, &C.done, 4.0);
		run_for(env->base, 0.001);
		if (C.done != 1)
			regress_fail(__FILE__, __LINE__, "mutation %d: %d "
			    "callbacks; response: %.*s", i, C.done, (int)len,
			    buf);
		evhttp_connection_free(evcon);
		fake_stop(&f);
	}
}

/* ------------------------------------------------------------------ */
/* Proxy-style requests                                                */

static int proxy_flag_seen;

static void
proxy_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	record(req);
	proxy_flag_seen = (req->flags & EVHTTP_PROXY_REQUEST) != 0;
	evbuffer_add(b, "proxied", 7);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
test_proxy_request(struct regress_env *env)
{
	char *r;
	int fd;
	struct evbuffer *in = evbuffer_new();

	srv_start(env->base, AF_INET);
	evhttp_set_gencb(S.http, proxy_cb, NULL);
	/* An absolute URI: flagged, no Connection header, closed after. */
	r = raw_exchange_closed(env->base,
	    "GET http://example.org/hello HTTP/1.1\r\nHost: example.org\r\n"
	    "\r\n", 60);
	tt_int_op(proxy_flag_seen, ==, 1);
	tt_str_op(S.last_uri, ==, "http://example.org/hello");
	tt_ptr_op(raw_header(r, "Connection"), ==, NULL);
	tt_assert(strstr(r, "\r\n\r\nproxied") != NULL);
	free(r);
	/* Proxy-Connection: keep-alive keeps it open. */
	fd = raw_connect(AF_INET, S.port);
	raw_send_str(fd, "GET http://example.org/ HTTP/1.1\r\n"
	    "Proxy-Connection: keep-alive\r\n\r\n");
	raw_wait_for(env->base, fd, in, "proxied", 1, 3.0);
	raw_send_str(fd, "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
	tt_int_op(raw_wait_for(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(count_str(in, "proxied"), ==, 2);
	tt_int_op(proxy_flag_seen, ==, 0);
	close(fd);
	evbuffer_free(in);
}

/* ------------------------------------------------------------------ */
/* The samples, when built (make builds them before make check).       */

static const char *
sample_path(const char *name)
{
	static char path[512];
	const char *dir = getenv("builddir");

	snprintf(path, sizeof(path), "%s/sample/%s", dir ? dir : ".", name);
	return access(path, X_OK) == 0 ? path : NULL;
}

/* Start a sample server on a free port; returns its pid. */
static pid_t
start_sample(char *const argv[], unsigned short port)
{
	pid_t pid = fork();
	double end;

	tt_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		die_with_parent();
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	track_helper(pid);
	end = regress_now() + 5 * regress_slowdown();
	while (!port_open(port)) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			tt_fail("sample exited at start");
		if (regress_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			tt_fail("sample did not start listening");
		}
		usleep(20000);
	}
	return pid;
}

/* GET path from 127.0.0.1:port with a blocking socket; the status code,
 * and the body in body (bodylen bytes). */
static int
blocking_get(unsigned short port, const char *path, char *body, size_t bodylen)
{
	char req[512], resp[65536], *p;
	size_t got = 0;
	int fd = raw_connect(AF_INET, port), code = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", path);
	raw_send_str(fd, req);
	for (;;) {
		ssize_t n = read(fd, resp + got, sizeof(resp) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	p = strstr(resp, "\r\n\r\n");
	snprintf(body, bodylen, "%s", p ? p + 4 : "");
	return code;
}

static void
test_sample_server(struct regress_env *env)
{
	static const struct { const char *path; int code; const char *body; }
	    cases[] = {
		{ "/a.txt", 200, "inside\n" },
		{ "/sub/b.txt", 200, "deeper\n" },
		{ "/sub", 301, NULL },
		{ "/../out/secret.txt", 404, NULL },
		{ "/%2e%2e/out/secret.txt", 404, NULL },
		{ "/sub/%2E%2E/%2e%2e/out/secret.txt", 404, NULL },
		{ "/sub/../a.txt", 404, NULL },
		{ "/link/secret.txt", 404, NULL },
		{ "/a.txt%00.html", 400, NULL },
		{ "/..%5c..%5cout/secret.txt", 400, NULL },
		{ "/missing", 404, NULL },
		{ NULL, 0, NULL }
	};
	const char *prog = sample_path("http-server");
	char root[160], p[256], portstr[16], progbuf[512], body[4096];
	unsigned short port;
	pid_t pid;
	FILE *f;
	int i, fd, status;

	(void)env;
	if (prog == NULL)
		tt_skip("sample/http-server not built");
	snprintf(progbuf, sizeof(progbuf), "%s", prog);
	make_tmpdir();
	snprintf(root, sizeof(root), "%s/body", tmpdir);	/* the docroot */
	tt_int_op(mkdir(root, 0700), ==, 0);
	snprintf(p, sizeof(p), "%s/sub", root);
	tt_int_op(mkdir(p, 0700), ==, 0);
	snprintf(p, sizeof(p), "%s/logs", tmpdir);	/* outside the root */
	tt_int_op(mkdir(p, 0700), ==, 0);
	snprintf(p, sizeof(p), "%s/logs/secret.txt", tmpdir);
	f = fopen(p, "w");
	fputs("secret\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/a.txt", root);
	f = fopen(p, "w");
	fputs("inside\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/sub/b.txt", root);
	f = fopen(p, "w");
	fputs("deeper\n", f);
	fclose(f);
	/* A symbolic link that leads out of the root. */
	snprintf(p, sizeof(p), "%s/link", root);
	snprintf(body, sizeof(body), "%s/logs", tmpdir);
	tt_int_op(symlink(body, p), ==, 0);
	/* "out" is spelled "logs" on disk: make the traversal paths real. */
	snprintf(p, sizeof(p), "%s/out", tmpdir);
	tt_int_op(symlink(body, p), ==, 0);

	fd = listen_loopback(AF_INET, &port);
	close(fd);
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	{
		char *argv[] = { progbuf, "-p", portstr, root, NULL };

		pid = start_sample(argv, port);
	}
	for (i = 0; cases[i].path != NULL; i++) {
		int code = blocking_get(port, cases[i].path, body, sizeof(body));

		if (code != cases[i].code)
			regress_fail(__FILE__, __LINE__, "%s: %d, expected %d",
			    cases[i].path, code, cases[i].code);
		if (cases[i].body != NULL)
			tt_str_op(body, ==, cases[i].body);
		tt_assert(strstr(body, "secret") == NULL);
	}
	tt_int_op(blocking_get(port, "/", body, sizeof(body)), ==, 200);
	tt_assert(strstr(body, "a.txt") != NULL);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	untrack_helper(pid);
	snprintf(p, sizeof(p), "%s/link", root); unlink(p);
	snprintf(p, sizeof(p), "%s/out", tmpdir); unlink(p);
	snprintf(p, sizeof(p), "%s/a.txt", root); unlink(p);
	snprintf(p, sizeof(p), "%s/sub/b.txt", root); unlink(p);
	snprintf(p, sizeof(p), "%s/sub", root); rmdir(p);
	snprintf(p, sizeof(p), "%s/logs/secret.txt", tmpdir); unlink(p);
	remove_tmpdir();
}

static void
test_sample_mt_server(struct regress_env *env)
{
	const char *prog = sample_path("http-mt-server");
	char progbuf[512], portstr[16], body[256];
	unsigned short port;
	pid_t pid;
	int i, fd, status, ok = 0;

	(void)env;
	if (prog == NULL)
		tt_skip("sample/http-mt-server not built");
	snprintf(progbuf, sizeof(progbuf), "%s", prog);
	fd = listen_loopback(AF_INET, &port);
	close(fd);
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	{
		char *argv[] = { progbuf, "-p", portstr, "-n", "4", "-d", "3",
		    NULL };

		pid = start_sample(argv, port);
	}
	for (i = 0; i < 40; i++) {
		if (blocking_get(port, "/", body, sizeof(body)) == 200 &&
		    strncmp(body, "hello from thread ", 18) == 0)
			ok++;
	}
	tt_int_op(ok, ==, 40);
	/* It stops by itself after -d seconds. */
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	untrack_helper(pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
}


/* ------------------------------------------------------------------ */
/* 1.4 exported internals (http-internal.h)                            */

/* A buffer holding s (len bytes, NULs allowed). */
static struct evbuffer *
buf_of(const char *s, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	tt_assert(b != NULL);
	tt_int_op(evbuffer_add(b, s, len), ==, 0);
	return b;
}

/* parse_firstline on one input: the result, with the request kept. */
static int
firstline(struct evhttp_request *req, enum evhttp_request_kind kind,
    const char *s, size_t len, size_t *left)
{
	struct evbuffer *b = buf_of(s, len);
	int r;

	req->kind = kind;
	r = evhttp_parse_firstline(req, b);
	if (left != NULL)
		*left = b->off;
	evbuffer_free(b);
	return r;
}

static int
firstline_str(enum evhttp_request_kind kind, const char *s)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	int r;

	tt_assert(req != NULL);
	r = firstline(req, kind, s, strlen(s), NULL);
	evhttp_request_free(req);
	return r;
}

static void
test_parse_firstline(struct regress_env *env)
{
	static const char *const bad_requests[] = {
		"GET /x HTTP/2.0\r\n", "GET /x HTTP/1.10\r\n",
		"get /x HTTP/1.1\r\n", "PUT /x HTTP/1.1\r\n",
		"GET  HTTP/1.1\r\n", "GET /x\r\n", "GET\r\n",
		"GET /a b HTTP/1.1\r\n", "GET /x HTTP/1.1 \r\n",
		"GET /\x01 HTTP/1.1\r\n", "GET /x\tHTTP/1.1\r\n",
		"\r\n\r\n\r\nGET / HTTP/1.1\r\n", "http/1.1 200 OK\r\n",
		NULL
	};
	static const char *const bad_statuses[] = {
		"HTTP/1.1 20 OK\r\n", "HTTP/1.1 200OK\r\n", "HTTP/2 200 OK\r\n",
		"HTTP/1.1 099 Odd\r\n", "HTTP/1.1 abc OK\r\n",
		"HTTP/1.1 200 O\x01K\r\n", "ICY 200 OK\r\n", "\r\n\r\n\r\n",
		NULL
	};
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	size_t left;
	char *big;
	int i;

	(void)env;
	tt_assert(req != NULL);
	/* A request line; what follows it stays in the buffer. */
	tt_int_op(firstline(req, EVHTTP_REQUEST,
	    "POST /a?b=c HTTP/1.0\r\nHost: x\r\n", 32, &left), ==,
	    ALL_DATA_READ);
	tt_int_op(left, ==, 10);
	tt_int_op(req->type, ==, EVHTTP_REQ_POST);
	tt_str_op(req->uri, ==, "/a?b=c");
	tt_int_op(req->major, ==, 1);
	tt_int_op(req->minor, ==, 0);
	tt_int_op(req->flags & EVHTTP_PROXY_REQUEST, ==, 0);
	/* A bare LF ends a line too; an absolute URI is a proxy request;
	 * stray empty lines before the request are skipped (RFC 9112). */
	tt_int_op(firstline(req, EVHTTP_REQUEST,
	    "\r\n\nHEAD http://h/ HTTP/1.1\n", 27, &left), ==, ALL_DATA_READ);
	tt_int_op(left, ==, 0);
	tt_int_op(req->type, ==, EVHTTP_REQ_HEAD);
	tt_str_op(req->uri, ==, "http://h/");
	tt_int_op(req->minor, ==, 1);
	tt_assert(req->flags & EVHTTP_PROXY_REQUEST);
	/* Incomplete: nothing is consumed. */
	tt_int_op(firstline(req, EVHTTP_REQUEST, "GET /x HTTP/1.1", 15,
	    &left), ==, MORE_DATA_EXPECTED);
	tt_int_op(left, ==, 15);
	tt_int_op(firstline(req, EVHTTP_REQUEST, "", 0, &left), ==,
	    MORE_DATA_EXPECTED);
	/* A NUL inside the line. */
	tt_int_op(firstline(req, EVHTTP_REQUEST, "GET /\0x HTTP/1.1\r\n", 18,
	    NULL), ==, DATA_CORRUPTED);
	for (i = 0; bad_requests[i] != NULL; i++) {
		if (firstline_str(EVHTTP_REQUEST, bad_requests[i]) !=
		    DATA_CORRUPTED)
			tt_fail(bad_requests[i]);
	}

	/* Status lines. */
	tt_int_op(firstline(req, EVHTTP_RESPONSE,
	    "HTTP/1.1 404 Not Found\r\nX: y\r\n", 30, &left), ==,
	    ALL_DATA_READ);
	tt_int_op(left, ==, 6);
	tt_int_op(req->response_code, ==, 404);
	tt_str_op(req->response_code_line, ==, "Not Found");
	tt_int_op(req->minor, ==, 1);
	tt_int_op(firstline(req, EVHTTP_RESPONSE, "HTTP/1.0 204\r\n", 14,
	    NULL), ==, ALL_DATA_READ);
	tt_int_op(req->response_code, ==, 204);
	tt_str_op(req->response_code_line, ==, "");
	tt_int_op(req->minor, ==, 0);
	for (i = 0; bad_statuses[i] != NULL; i++) {
		if (firstline_str(EVHTTP_RESPONSE, bad_statuses[i]) !=
		    DATA_CORRUPTED)
			tt_fail(bad_statuses[i]);
	}

	/* A line that never ends is refused once it passes the limit
	 * (64 KiB for requests), not buffered forever. */
	big = malloc(70000);
	tt_assert(big != NULL);
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 70000 - 5);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 60000, NULL), ==,
	    MORE_DATA_EXPECTED);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 70000, NULL), ==,
	    DATA_CORRUPTED);
	memcpy(big + 70000 - 11, " HTTP/1.1\n", 10);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 69999, NULL), ==,
	    DATA_CORRUPTED);
	free(big);
	evhttp_request_free(req);
}

/* parse_headers on s into a fresh request of this kind. */
static int
headers_str(enum evhttp_request_kind kind, int minor, const char *s)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *b = buf_of(s, strlen(s));
	int r;

	tt_assert(req != NULL);
	req->kind = kind;
	req->major = 1;
	req->minor = (char)minor;
	req->response_code = 200;
	r = evhttp_parse_headers(req, b);
	evbuffer_free(b);
	evhttp_request_free(req);
	return r;
}

static void
test_parse_headers(struct regress_env *env)
{
	/* Refused by the server too (see http/bad_requests). */
	static const char *const bad[] = {
		"Host: a\r\n folded\r\n\r\n",		/* obs-fold */
		"Host : a\r\n\r\n",			/* space before ':' */
		": a\r\n\r\n",				/* empty name */
		"NoColon\r\n\r\n",
		"X\x01Y: a\r\n\r\n",			/* CTL in the name */
		"X: a\x7f\r\n\r\n",			/* CTL in the value */
		"Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"Content-Length: -1\r\n\r\n",
		"Content-Length: 1x\r\n\r\n",
		"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Transfer-Encoding: gzip\r\n\r\n",
		"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Host: a\r\nHost: b\r\n\r\n",
		NULL
	};
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *b;
	struct evbuffer *many;
	int i;

	(void)env;
	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	req->minor = 1;
	/* In pieces: the headers parsed so far stay; the body stays in
	 * the buffer once the empty line is consumed. */
	b = buf_of("Host: example\r\nX-A:  1 \r\nX-B:", 29);
	tt_int_op(evhttp_parse_headers(req, b), ==, MORE_DATA_EXPECTED);
	tt_int_op(b->off, ==, 4);
	tt_str_op(evhttp_find_header(req->input_headers, "host"), ==,
	    "example");
	tt_str_op(evhttp_find_header(req->input_headers, "X-A"), ==, "1");
	tt_int_op(evbuffer_add(b, " two\r\n\r\nBODY", 12), ==, 0);
	tt_int_op(evhttp_parse_headers(req, b), ==, ALL_DATA_READ);
	tt_int_op(b->off, ==, 4);
	tt_mem_op(b->buffer, ==, "BODY", 4);
	tt_str_op(evhttp_find_header(req->input_headers, "X-B"), ==, "two");
	evbuffer_free(b);
	evhttp_request_free(req);

	tt_int_op(headers_str(EVHTTP_REQUEST, 1, "\r\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    "Transfer-Encoding: chunked\n\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1, "X: a\r\n"), ==,
	    MORE_DATA_EXPECTED);
	for (i = 0; bad[i] != NULL; i++) {
		if (headers_str(EVHTTP_REQUEST, 1, bad[i]) != DATA_CORRUPTED)
			tt_fail(bad[i]);
	}
	/* Chunked needs HTTP/1.1 in a request. */
	tt_int_op(headers_str(EVHTTP_REQUEST, 0,
	    "Transfer-Encoding: chunked\r\n\r\n"), ==, DATA_CORRUPTED);
	/* A response may end its body with the connection instead. */
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    "Transfer-Encoding: gzip\r\n\r\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    "Content-Length: 2\r\nContent-Length: 3\r\n\r\n"), ==,
	    DATA_CORRUPTED);

	/* At most 128 header lines in a request. */
	many = evbuffer_new();
	tt_assert(many != NULL);
	for (i = 0; i < 128; i++)
		evbuffer_add_printf(many, "X-%d: v\r\n", i);
	evbuffer_add(many, "", 1);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    (const char *)many->buffer), ==, MORE_DATA_EXPECTED);
	many->off--;
	evbuffer_add(many, "X-last: v\r\n\r\n", 14);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    (const char *)many->buffer), ==, DATA_CORRUPTED);
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    (const char *)many->buffer), ==, ALL_DATA_READ);
	evbuffer_free(many);
}

static void
test_hostportfile(struct regress_env *env)
{
	static const char *const bad[] = {
		"", "http://", "http:///x", "ftp://h/", "http:/h/",
		"http://h:/", "http://h:0/", "http://h:65536/",
		"http://h:99999999999999999999/", "http://h:8a/", "http://h:-1/",
		"http://[::1/", "http://[::1]x/", "http://u@h/", "http://h/a b",
		"http://h/\x01", "http://:80/", NULL
	};
	char *host, *file, *url;
	unsigned short port;
	int i;

	(void)env;
	tt_int_op(evhttp_hostportfile((char *)"http://www.example.org:8080/a/b?c=d",
	    &host, &port, &file), ==, 0);
	tt_str_op(host, ==, "www.example.org");
	tt_int_op(port, ==, 8080);
	tt_str_op(file, ==, "/a/b?c=d");
	tt_int_op(evhttp_hostportfile((char *)"HTTP://127.0.0.1", &host, &port,
	    &file), ==, 0);
	tt_str_op(host, ==, "127.0.0.1");
	tt_int_op(port, ==, 80);
	tt_str_op(file, ==, "/");
	tt_int_op(evhttp_hostportfile((char *)"http://[::1]:65535?q", &host,
	    &port, &file), ==, 0);
	tt_str_op(host, ==, "::1");
	tt_int_op(port, ==, 65535);
	tt_str_op(file, ==, "/?q");
	for (i = 0; bad[i] != NULL; i++) {
		host = file = NULL;
		port = 7;
		if (evhttp_hostportfile((char *)bad[i], &host, &port, &file)
		    != -1)
			tt_fail(bad[i]);
		/* Nothing is returned on failure. */
		tt_ptr_op(host, ==, NULL);
		tt_int_op(port, ==, 7);
	}

	/* Overlong host or file: refused, no overflow (ASan checks). */
	url = malloc(10000);
	tt_assert(url != NULL);
	strcpy(url, "http://");
	memset(url + 7, 'h', 5000);
	strcpy(url + 5007, "/f");
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, -1);
	strcpy(url, "http://h/");
	memset(url + 9, 'f', 5000);
	url[5009] = '\0';
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, -1);
	/* The longest that fits: 1023 bytes of file. */
	url[9 + 1022] = '\0';
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, 0);
	tt_int_op(strlen(file), ==, 1023);
	free(url);
}

static void
test_response_code(struct regress_env *env)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);

	(void)env;
	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	evhttp_response_code(req, 302, "Found");
	tt_int_op(req->kind, ==, EVHTTP_RESPONSE);
	tt_int_op(req->response_code, ==, 302);
	tt_str_op(req->response_code_line, ==, "Found");
	/* Replacing the line with itself is safe. */
	evhttp_response_code(req, 404, req->response_code_line);
	tt_int_op(req->response_code, ==, 404);
	tt_str_op(req->response_code_line, ==, "Found");
	evhttp_response_code(req, 204, NULL);
	tt_str_op(req->response_code_line, ==, "");
	evhttp_request_free(req);
}

static void
test_strlcpy(struct regress_env *env)
{
	char buf[8];

	(void)env;
	memset(buf, 'x', sizeof(buf));
	tt_uint_op(_event_strlcpy(buf, "abc", sizeof(buf)), ==, 3);
	tt_str_op(buf, ==, "abc");
	tt_uint_op(_event_strlcpy(buf, "abcdefghij", sizeof(buf)), ==, 10);
	tt_str_op(buf, ==, "abcdefg");
	tt_uint_op(_event_strlcpy(buf, "abcdefg", sizeof(buf)), ==, 7);
	tt_str_op(buf, ==, "abcdefg");
	tt_uint_op(_event_strlcpy(buf, "", sizeof(buf)), ==, 0);
	tt_str_op(buf, ==, "");
	/* siz 0: nothing is written, the length still comes back. */
	buf[0] = 'q';
	tt_uint_op(_event_strlcpy(buf, "zz", 0), ==, 2);
	tt_int_op(buf[0], ==, 'q');
	tt_uint_op(_event_strlcpy(buf, "zz", 1), ==, 2);
	tt_int_op(buf[0], ==, '\0');
}

/* The 1.4 names every old program may link against. */
static const char *const exported_names[] = {
	"evhttp_parse_firstline", "evhttp_parse_headers",
	"evhttp_connection_reset", "evhttp_connection_connect",
	"evhttp_start_read", "evhttp_make_header", "evhttp_write_buffer",
	"evhttp_response_code", "evhttp_send_page", "evhttp_get_request",
	"evhttp_hostportfile", "evhttp_read", "evhttp_write",
	"_event_strlcpy", "evhttp_connection_fail", NULL
};

static void
test_exports(struct regress_env *env)
{
#ifdef _WIN32
	/* The export tables of this DLL and of its libevent_extra twin. */
	char path[MAX_PATH], lib[MAX_PATH], *base;
	int found[sizeof(exported_names) / sizeof(exported_names[0])];
	int i, j;

	(void)env;
	if (regress_w32_module_of((const void *)evhttp_new, path,
	    sizeof(path)) == -1 || (base = strrchr(path, '\\')) == NULL ||
	    strncmp(base + 1, "libevent", 8) != 0)
		tt_skip("regress is linked statically");
	for (j = 0; j < 2; j++) {
		snprintf(lib, sizeof(lib), "%.*s\\libevent%s%s",
		    (int)(base - path), path, j ? "_extra" : "", base + 9);
		memset(found, 0, sizeof(found));
		tt_int_op(regress_w32_dll_exports(lib, exported_names, found),
		    ==, 0);
		for (i = 0; exported_names[i] != NULL; i++)
			if (!found[i])
				regress_fail(__FILE__, __LINE__,
				    "%s not exported by %s", exported_names[i],
				    lib);
	}
#else
	static const char *const libs[] = { "libevent.so", "libevent_extra.so",
		NULL };
	Dl_info info;
	char cmd[4200], line[512];
	const char *slash;
	int i, j;

	(void)env;
	if (dladdr((void *)evhttp_new, &info) == 0 || info.dli_fname == NULL)
		tt_skip("dladdr cannot locate the library");
	slash = strrchr(info.dli_fname, '/');
	if (strstr(info.dli_fname, "libevent") == NULL || slash == NULL)
		tt_skip("regress is linked statically");
	if (system("nm --version >/dev/null 2>&1") != 0)
		tt_skip("nm (binutils) not installed");
	/* nm, not dlopen: loading libevent_extra next to libevent would put
	 * two copies of the core in the process. */
	for (j = 0; libs[j] != NULL; j++) {
		int found[sizeof(exported_names) / sizeof(exported_names[0])];
		FILE *f;

		memset(found, 0, sizeof(found));
		snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%.*s/%s'",
		    (int)(slash - info.dli_fname), info.dli_fname, libs[j]);
		f = popen(cmd, "r");
		tt_assert(f != NULL);
		while (fgets(line, sizeof(line), f) != NULL) {
			char type = 0, name[256];
			unsigned long long addr;

			if (sscanf(line, "%llx %c %255s", &addr, &type,
				name) != 3 || type != 'T')
				continue;
			for (i = 0; exported_names[i] != NULL; i++) {
				if (strcmp(name, exported_names[i]) == 0)
					found[i] = 1;
			}
		}
		tt_int_op(pclose(f), ==, 0);
		for (i = 0; exported_names[i] != NULL; i++) {
			if (!found[i])
				regress_fail(__FILE__, __LINE__,
				    "%s not exported by %s", exported_names[i],
				    libs[j]);
		}
	}
#endif /* _WIN32 */
}

static int page_calls;

static void
page_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body = evbuffer_new();

	(void)arg;
	page_calls++;
	tt_assert(body != NULL);
	evbuffer_add_printf(body, "<p>%s</p>", req->uri);
	if (strcmp(req->uri, "/c") == 0)
		evhttp_response_code(req, 201, "Made");
	evhttp_send_page(req, body);
	tt_int_op(body->off, ==, 0);
	evbuffer_free(body);
}

/* Serve one request on a socketpair given to evhttp_get_request(). */
static char *
get_request_page(struct regress_env *env, struct evhttp *http,
    const char *uri)
{
	struct evhttp_connection *evcon;
	struct evbuffer *in = evbuffer_new();
	char req[128];
	int sv[2], before = page_calls;
	char *resp;

	tt_assert(in != NULL);
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	evhttp_get_request(http, sv[0], NULL, 0);
	evcon = TAILQ_LAST(&http->connections, evconq);
	tt_assert(evcon != NULL);
	tt_int_op(evcon->fd, ==, sv[0]);
	tt_assert(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
	raw_send_str(sv[1], req);
	/* One read step, without the loop, serves the request. */
	evhttp_read(sv[0], EV_READ, evcon);
	tt_int_op(page_calls, ==, before + 1);
	/* send_page closes the connection after the page. */
	tt_int_op(raw_wait_for(env->base, sv[1], in, NULL, 0, 5), ==, 1);
	resp = buf_str(in);
	evbuffer_free(in);
	close(sv[1]);
	return resp;
}

static void
test_get_request_send_page(struct regress_env *env)
{
	struct evhttp *http = evhttp_new(env->base);
	char *resp;

	tt_assert(http != NULL);
	evhttp_set_gencb(http, page_cb, NULL);

	resp = get_request_page(env, http, "/p");
	tt_assert(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(resp, "\r\nContent-Type: text/html\r\n") != NULL);
	tt_assert(strstr(resp, "\r\nConnection: close\r\n") != NULL);
	tt_assert(strstr(resp, "\r\nContent-Length: 9\r\n") != NULL);
	tt_str_op(strstr(resp, "\r\n\r\n"), ==, "\r\n\r\n<p>/p</p>");
	free(resp);

	/* A status chosen with evhttp_response_code() is kept. */
	resp = get_request_page(env, http, "/c");
	tt_assert(strncmp(resp, "HTTP/1.1 201 Made\r\n", 19) == 0);
	tt_str_op(strstr(resp, "\r\n\r\n"), ==, "\r\n\r\n<p>/c</p>");
	free(resp);
	/* The server side ends once it sees the client's close. */
	{
		double end = regress_now() + 5 * regress_slowdown();

		while (!TAILQ_EMPTY(&http->connections) && regress_now() < end)
			loop_once(env->base);
	}
	tt_assert(TAILQ_EMPTY(&http->connections));
	evhttp_free(http);
}

static int internals_closes, internals_written;

static void
internals_close_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	internals_closes++;
}

static void
internals_write_cb(struct evhttp_connection *evcon, void *arg)
{
	tt_ptr_op(arg, ==, &internals_written);
	tt_int_op(evcon->output->off, ==, 0);
	internals_written++;
}

static struct evhttp_request *
internals_request(const char *uri, const char *body)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);

	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	req->type = EVHTTP_REQ_POST;
	req->uri = strdup(uri);
	evbuffer_add(req->output_buffer, body, strlen(body));
	return req;
}

/* Drive a client connection by hand: connect, make_header, write_buffer,
 * reset, connect again, and one evhttp_write() step. */
static void
test_client_internals(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct evbuffer *in = evbuffer_new();
	unsigned short port;
	char host[64], *s;
	int lfd, sfd;
	char c;

	tt_assert(in != NULL);
	lfd = listen_loopback(AF_INET, &port);
	evcon = evhttp_connection_new("127.0.0.1", port);
	tt_assert(evcon != NULL);
	evhttp_connection_set_base(evcon, env->base);
	evhttp_connection_set_closecb(evcon, internals_close_cb, NULL);

	/* The head is queued while connecting and sent once connected. */
	tt_int_op(evhttp_connection_connect(evcon), ==, 0);
	tt_int_op(evhttp_connection_connect(evcon), ==, 0);	/* under way */
	req = internals_request("/up", "hi");
	evhttp_make_header(evcon, req);
	tt_int_op(req->output_buffer->off, ==, 0);	/* moved */
	evhttp_write_buffer(evcon, internals_write_cb, &internals_written);
	tt_int_op(internals_written, ==, 0);
	run_until(env->base, &internals_written, 5);
	tt_int_op(internals_written, ==, 1);
	sfd = accept(lfd, NULL, NULL);
	tt_assert(sfd >= 0);
	raw_wait_for(env->base, sfd, in, "\r\n\r\nhi", 1, 5);
	s = buf_str(in);
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%u\r\n",
	    (unsigned)port);
	tt_assert(strncmp(s, "POST /up HTTP/1.1\r\n", 19) == 0);
	tt_assert(strstr(s, host) != NULL);
	tt_assert(strstr(s, "\r\nContent-Length: 2\r\n") != NULL);
	tt_str_op(strstr(s, "\r\n\r\n"), ==, "\r\n\r\nhi");
	free(s);
	evbuffer_drain(in, in->off);
	evhttp_request_free(req);

	/* Reset: the socket closes, the close callback runs once. */
	evhttp_connection_reset(evcon);
	tt_int_op(internals_closes, ==, 1);
	tt_int_op(evcon->fd, ==, -1);
	tt_int_op(read(sfd, &c, 1), ==, 0);
	close(sfd);
	evhttp_connection_reset(evcon);		/* nothing to close */
	tt_int_op(internals_closes, ==, 1);

	/* Connect again; once connected, one evhttp_write() step sends
	 * what make_header queued. */
	tt_int_op(evhttp_connection_connect(evcon), ==, 0);
	evhttp_write_buffer(evcon, internals_write_cb, &internals_written);
	run_until_more(env->base, &internals_written, 1, 5);
	tt_int_op(internals_written, ==, 2);
	sfd = accept(lfd, NULL, NULL);
	tt_assert(sfd >= 0);
	req = internals_request("/two", "");
	evhttp_make_header(evcon, req);
	tt_assert(evcon->output->off > 0);
	evhttp_write(evcon->fd, EV_WRITE, evcon);
	tt_int_op(evcon->output->off, ==, 0);
	raw_wait_for(env->base, sfd, in, "\r\n\r\n", 1, 5);
	s = buf_str(in);
	tt_assert(strncmp(s, "POST /two HTTP/1.1\r\n", 20) == 0);
	tt_assert(strstr(s, "\r\nContent-Length: 0\r\n") != NULL);
	free(s);
	evhttp_request_free(req);

	evhttp_connection_free(evcon);
	tt_int_op(internals_closes, ==, 2);
	close(sfd);
	close(lfd);
	evbuffer_free(in);

	/* A server connection cannot connect out. */
	tt_int_op(evhttp_connection_connect(NULL), ==, -1);
}

/* ------------------------------------------------------------------ */

struct regress_case regress_http_cases[] = {
	{ "http/struct_layout", test_struct_layout, RT_ONCE, NULL },
	{ "http/headers", test_headers, RT_ONCE, NULL },
	{ "http/encode_uri", test_encode_uri, RT_ONCE, NULL },
	{ "http/decode_uri", test_decode_uri, RT_ONCE, NULL },
	{ "http/parse_query", test_parse_query, RT_ONCE, NULL },
	{ "http/htmlescape", test_htmlescape, RT_ONCE, NULL },
	{ "http/parse_firstline", test_parse_firstline, RT_ONCE, NULL },
	{ "http/parse_headers", test_parse_headers, RT_ONCE, NULL },
	{ "http/hostportfile", test_hostportfile, RT_ONCE, NULL },
	{ "http/response_code", test_response_code, RT_ONCE, NULL },
	{ "http/strlcpy", test_strlcpy, RT_ONCE, NULL },
	{ "http/exports", test_exports, RT_ONCE, NULL },
	{ "http/get_request_send_page", test_get_request_send_page, RT_BASE,
	    NULL },
	{ "http/client_internals", test_client_internals, RT_BASE, NULL },
	{ "http/basic_raw", test_basic_raw, RT_BASE, NULL },
	{ "http/pipeline", test_pipeline, RT_BASE, NULL },
	{ "http/http10", test_http10, RT_BASE, NULL },
	{ "http/not_found", test_not_found, RT_BASE, NULL },
	{ "http/send_error", test_send_error, RT_BASE, NULL },
	{ "http/bad_requests", test_bad_requests, RT_BASE, NULL },
	{ "http/get_body_not_smuggled", test_get_body_not_smuggled, RT_BASE,
	  NULL },
	{ "http/limits", test_limits, RT_BASE, NULL },
	{ "http/chunked_upload", test_chunked_upload_raw, RT_BASE, NULL },
	{ "http/expect_continue", test_expect_continue, RT_BASE, NULL },
	{ "http/client_basic", test_client_basic, RT_BASE, NULL },
	{ "http/client_post", test_client_post, RT_BASE, NULL },
	{ "http/client_keepalive", test_client_keepalive, RT_BASE, NULL },
	{ "http/client_idle_close", test_client_idle_close, RT_BASE, NULL },
	{ "http/chunked_stream", test_chunked_stream, RT_BASE, NULL },
	{ "http/stream_raw", test_stream_raw, RT_BASE, NULL },
	{ "http/big_stream", test_big_stream, RT_BASE, NULL },
	{ "http/client_connect_refused", test_client_connect_refused, RT_BASE,
	  NULL },
	{ "http/client_retry", test_client_retry, RT_BASE, NULL },
	{ "http/client_retry_success", test_client_retry_success, RT_BASE,
	  NULL },
	{ "http/client_bad_responses", test_client_bad_responses, RT_BASE,
	  NULL },
	{ "http/client_framings", test_client_framings, RT_BASE, NULL },
	{ "http/client_free_in_cb", test_client_free_in_cb, RT_BASE, NULL },
	{ "http/client_timeout", test_client_timeout, RT_BASE, NULL },
	{ "http/slowloris", test_slowloris, RT_BASE, NULL },
	{ "http/idle_timeout", test_idle_timeout, RT_BASE, NULL },
	{ "http/slow_app", test_slow_app, RT_BASE, NULL },
	{ "http/client_gone", test_client_gone, RT_BASE, NULL },
	{ "http/server_free", test_server_free, RT_BASE, NULL },
	{ "http/ipv6", test_ipv6, RT_BASE, NULL },
	{ "http/bind_socket", test_bind_socket, RT_BASE, NULL },
	{ "http/client_local_address", test_client_local_address, RT_BASE,
	  NULL },
	{ "http/unix_socket", test_unix_socket, RT_BASE, NULL },
	{ "http/many_connections", test_many_connections, RT_BASE | RT_SLOW,
	  NULL },
	{ "http/curl", test_curl, RT_BASE, NULL },
	{ "http/nginx", test_nginx, RT_BASE, NULL },
	{ "http/proxy_request", test_proxy_request, RT_BASE, NULL },
	{ "http/accept_emfile", test_accept_emfile, RT_BASE, NULL },
	{ "http/fuzz_requests", test_fuzz_requests, RT_BASE | RT_ONCE, NULL },
	{ "http/fuzz_responses", test_fuzz_responses, RT_BASE | RT_ONCE, NULL },
	{ "http/sample_server", test_sample_server, RT_ONCE, NULL },
	{ "http/sample_mt_server", test_sample_mt_server, RT_ONCE | RT_SLOW,
	  NULL },
	RT_END
};
