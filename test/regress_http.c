/*
 * regress_http.c -- the helpers the HTTP case files share: the server
 * under test (srv), raw sockets read while the loop serves, and the
 * records of our client's callbacks (cres).  See regress_http.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* Raw sockets and buffers                                             */

int
http_count(struct evbuffer *buf, const char *s)
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
	int done;		/* EOF, or until seen until_count times */
	const char *until;	/* stop when this appears ... */
	int until_count;	/* ... this many times */
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
		if (w->until != NULL && http_count(w->in, w->until) >=
		    w->until_count)
			w->done = 1;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	w->eof = w->done = 1;
}

int
http_raw_wait(struct event_base *base, int fd, struct evbuffer *in,
    const char *until, int count, double secs)
{
	struct raw_wait w;
	struct event ev;

	memset(&w, 0, sizeof(w));
	w.in = in;
	w.until = until;
	w.until_count = count;
	if (until != NULL && http_count(in, until) >= count)
		return 0;
	evutil_make_socket_nonblocking(fd);
	event_set(&ev, fd, EV_READ | EV_PERSIST, raw_read_cb, &w);
	tt_int_op(event_base_set(base, &ev), ==, 0);
	tt_int_op(event_add(&ev, NULL), ==, 0);
	if (!regress_run_until(base, &w.done, secs))
		regress_note("http_raw_wait: timed out after %.1f s (%zu "
		    "bytes)", secs * regress_slowdown(), in->off);
	event_del(&ev);
	return w.eof;
}

char *
http_buf_str(struct evbuffer *buf)
{
	char *s = malloc(buf->off + 1);

	tt_assert(s != NULL);
	memcpy(s, buf->buffer, buf->off);
	s[buf->off] = '\0';
	return s;
}

/* The next value of the fuzzing cases' LCG in *seed (its high bits). */
static unsigned int
lcg(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 16;
}

void
http_mutate(char *buf, size_t *len, size_t cap, unsigned int *seed,
    const char *alphabet, size_t alen, int max_mut, int kinds)
{
	size_t pos;
	int n = 1 + (int)(lcg(seed) % (unsigned int)max_mut);

	while (n-- > 0) {
		pos = lcg(seed) % *len;
		switch (lcg(seed) % (unsigned int)kinds) {
		case 0:
			buf[pos] = alphabet[lcg(seed) % alen];
			break;
		case 1:
			*len = pos + 1;
			break;
		default:
			if (*len + 16 < cap) {
				memmove(buf + pos + 8, buf + pos, *len - pos);
				*len += 8;
			}
			break;
		}
	}
}

/* Copy what buf holds to out (at most cap bytes); the bytes copied. */
static size_t
copy_capped(char *out, size_t cap, const struct evbuffer *buf)
{
	size_t n = buf->off < cap ? buf->off : cap;

	if (n > 0)
		memcpy(out, buf->buffer, n);
	return n;
}

/* ------------------------------------------------------------------ */
/* srv: the server under test                                          */

struct http_srv srv;

void
http_record(struct evhttp_request *req)
{
	struct evkeyval *h;

	srv.nreq++;
	srv.last_evcon = evhttp_request_get_connection(req);
	snprintf(srv.last_uri, sizeof(srv.last_uri), "%s",
	    evhttp_request_uri(req));
	snprintf(srv.last_host, sizeof(srv.last_host), "%s",
	    req->remote_host ? req->remote_host : "(null)");
	srv.last_body_len = copy_capped(srv.last_body, sizeof(srv.last_body),
	    req->input_buffer);
	srv.last_type = req->type;
	srv.last_minor = req->minor;
	srv.last_ntrailers_seen = 0;
	TAILQ_FOREACH(h, req->input_headers, next) {
		if (strcasecmp(h->key, "X-Trailer") == 0)
			srv.last_ntrailers_seen++;
	}
}

void
http_hello_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
	evbuffer_add_printf(b, "hello %d", srv.nreq);
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
	http_record(req);
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
	http_record(req);
	srv.held = req;
}

static void
close_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
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
	if (srv.stream_req == NULL)
		return;
	if (srv.stream_left == 0) {
		evhttp_send_reply_end(srv.stream_req);
		srv.stream_req = NULL;
		return;
	}
	b = evbuffer_new();
	i = 4 - srv.stream_left;
	evbuffer_add_printf(b, "chunk%d;", i);
	srv.stream_sent_at[i] = regress_now();
	evhttp_send_reply_chunk(srv.stream_req, b);
	evbuffer_free(b);
	srv.stream_left--;
	{
		struct timeval tv = { 0, 50000 };

		evtimer_set(&srv.stream_ev, stream_next, NULL);
		event_base_set(srv.base, &srv.stream_ev);
		evtimer_add(&srv.stream_ev, &tv);
	}
}

/* Four chunks, 50 ms apart. */
static void
stream_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_record(req);
	if (srv.stream_req != NULL) {
		/* One stream at a time: finish the previous one first. */
		event_del(&srv.stream_ev);
		evhttp_send_reply_end(srv.stream_req);
		srv.stream_req = NULL;
	}
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	srv.stream_req = req;
	srv.stream_left = 4;
	stream_next(-1, 0, NULL);
}

void
http_gen_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
	evbuffer_add_printf(b, "generic");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

void
http_srv_start(struct event_base *base, int family)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	memset(&srv, 0, sizeof(srv));
	srv.base = base;
	srv.http = evhttp_new(base);
	tt_assert(srv.http != NULL);
	fd = regress_listen_loopback(family, &srv.port);
	if (fd == -1 && family == AF_INET6)
		tt_skip("no IPv6 loopback");
	tt_assert(fd >= 0);
	tt_int_op(evhttp_accept_socket(srv.http, fd), ==, 0);
	evhttp_set_cb(srv.http, "/hello", http_hello_cb, NULL);
	evhttp_set_cb(srv.http, "/echo", echo_cb, NULL);
	evhttp_set_cb(srv.http, "/hold", hold_cb, NULL);
	evhttp_set_cb(srv.http, "/close", close_cb, NULL);
	evhttp_set_cb(srv.http, "/stream", stream_cb, NULL);
}

void
http_srv_stop(void)
{
	/* A stream still under way must not fire on a freed request; its
	 * end frees the request if its client left. */
	if (srv.stream_req != NULL) {
		event_del(&srv.stream_ev);
		evhttp_send_reply_end(srv.stream_req);
	}
	srv.stream_req = NULL;
	evhttp_free(srv.http);
	srv.http = NULL;
}

/* ------------------------------------------------------------------ */
/* cres: what our client's callbacks saw                               */

struct http_cres cres;

void
http_client_cb(struct evhttp_request *req, void *arg)
{
	const char *v;

	(void)arg;
	cres.done++;
	cres.at = regress_now();
	if (req == NULL) {
		cres.null_req++;
		return;
	}
	cres.code = req->response_code;
	snprintf(cres.line, sizeof(cres.line), "%s",
	    req->response_code_line ? req->response_code_line : "(null)");
	cres.body_len = copy_capped(cres.body, sizeof(cres.body),
	    req->input_buffer);
	v = evhttp_find_header(req->input_headers, "X-Host");
	snprintf(cres.xhost, sizeof(cres.xhost), "%s", v ? v : "");
	v = evhttp_find_header(req->input_headers, "X-Method");
	snprintf(cres.xmethod, sizeof(cres.xmethod), "%s", v ? v : "");
	v = evhttp_find_header(req->input_headers, "Content-Length");
	snprintf(cres.clen, sizeof(cres.clen), "%s", v ? v : "");
	cres.evcon_in_cb = evhttp_request_get_connection(req);
}

void
http_chunk_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (cres.chunks < 8) {
		snprintf(cres.chunk[cres.chunks], sizeof(cres.chunk[0]), "%.*s",
		    (int)req->input_buffer->off,
		    (const char *)req->input_buffer->buffer);
		cres.chunk_at[cres.chunks] = regress_now();
	}
	cres.chunks++;
}

static void
http_close_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	cres.closes++;
}

struct evhttp_connection *
http_client_new(struct event_base *base, const char *addr,
    unsigned short port)
{
	struct evhttp_connection *evcon = evhttp_connection_new(addr, port);

	tt_assert(evcon != NULL);
	evhttp_connection_set_base(evcon, base);
	evhttp_connection_set_closecb(evcon, http_close_cb, NULL);
	return evcon;
}

void
http_client_get(struct event_base *base, struct evhttp_connection *evcon,
    enum evhttp_cmd_type type, const char *uri)
{
	struct evhttp_request *req = evhttp_request_new(http_client_cb, NULL);
	int before = cres.done;

	tt_assert(req != NULL);
	tt_int_op(evhttp_make_request(evcon, req, type, uri), ==, 0);
	tt_int_op(cres.done, ==, before);	/* nothing happens at once */
	if (!regress_run_until_count(base, &cres.done, before + 1, 3.0))
		tt_fail("client request timed out");
}

