/*
 * test/regress_http.c -- cases for the embedded HTTP server and client.
 *
 * Servers listen on loopback sockets the test creates itself (port 0) and
 * hands to evhttp_accept_socket(), so no case depends on a fixed port.
 * Three kinds of client are used: our own evhttp client, "raw" sockets
 * that send exact bytes and look at the exact bytes that come back, and
 * real programs (curl, nginx) started with fork/exec when installed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
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
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "regress.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

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

/* Run the loop until *flag becomes non-zero or secs pass. */
static void
run_until(struct event_base *base, volatile int *flag, double secs)
{
	double end = regress_now() + secs * regress_slowdown();

	while (!*flag && regress_now() < end) {
		struct timeval tv = { 0, 20000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
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
}

static void
error_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(req->output_headers, "X-Dropped", "yes");
	evhttp_send_error(req, HTTP_SERVUNAVAIL, "Try <later>");
}

static void
test_send_error(struct regress_env *env)
{
	char *r;

	srv_start(env->base, AF_INET);
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
	strcpy(p, "\r\n");
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
	strcpy(p, "0\r\n\r\n");
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
	char *r;

	srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base,
	    "POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n"
	    "5\r\nhello\r\n"
	    "1;name=value\r\n,\r\n"
	    "6 ; x\r\n world\r\n"
	    "A\r\n0123456789\r\n"
	    "0\r\nX-Trailer: dropped\r\n\r\n", 0 + 155);
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
