/*
 * regress_http_compat.c -- servers written the libevent 1.4 way: a
 * handler that reads its request after replying (also pipelined, and
 * from a timer), a streaming server with a close callback per subscriber
 * and clients leaving mid-stream, the evhttp_connection_* calls on a
 * server request's connection, and the start of struct evhttp_connection
 * laid out as in 1.4.15 for programs that read it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http-internal.h"	/* struct evhttp_connection, 1.4 names */
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* A handler that logs its request after replying                      */

/* What the access log saw after the reply call returned. */
struct logrec {
	int code;
	char reason[32];
	char uri[64];
	char id[16];		/* the request's X-Id header */
	char ctype[32];		/* the reply's Content-Type */
	char host[32];
	unsigned short rport;
	int same_evcon;		/* req->evcon unchanged by the reply */
	char peer[32];		/* evhttp_connection_get_peer(req->evcon) */
	unsigned short peer_port;
	char body[16];		/* the request body */
};

static struct {
	struct logrec rec[16];
	int n;
	int depth;		/* handlers running now */
	int max_depth;
	struct evhttp_request *later;	/* /log-later: replied from a timer */
	struct event later_ev;
} lg;

static void
copy_str(char *out, size_t len, const char *s)
{
	snprintf(out, len, "%s", s != NULL ? s : "(null)");
}

/* Read everything an access log of 1.4 programs reads. */
static void
log_request(struct evhttp_request *req, struct evhttp_connection *evcon)
{
	struct logrec *r;
	char *addr = NULL;
	unsigned short port = 0;
	size_t n;

	tt_assert(lg.n < 16);
	r = &lg.rec[lg.n++];
	r->code = req->response_code;
	copy_str(r->reason, sizeof(r->reason), req->response_code_line);
	copy_str(r->uri, sizeof(r->uri), req->uri);
	copy_str(r->id, sizeof(r->id),
	    evhttp_find_header(req->input_headers, "X-Id"));
	copy_str(r->ctype, sizeof(r->ctype),
	    evhttp_find_header(req->output_headers, "Content-Type"));
	copy_str(r->host, sizeof(r->host), req->remote_host);
	r->rport = req->remote_port;
	r->same_evcon = req->evcon == evcon &&
	    evhttp_request_get_connection(req) == evcon;
	if (req->evcon != NULL)
		evhttp_connection_get_peer(req->evcon, &addr, &port);
	copy_str(r->peer, sizeof(r->peer), addr);
	r->peer_port = port;
	n = req->input_buffer->off < 15 ? req->input_buffer->off : 15;
	if (n > 0)
		memcpy(r->body, req->input_buffer->buffer, n);
	r->body[n] = '\0';
}

static void
log_enter(void)
{
	if (++lg.depth > lg.max_depth)
		lg.max_depth = lg.depth;
}

/* Reply by the path: whole, error page, or streamed; then log. */
static void
log_reply_cb(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection *evcon = req->evcon;
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	log_enter();
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evbuffer_add_printf(b, "reply to %s", req->uri);
	if (strncmp(req->uri, "/log-error", 10) == 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Gone Fishing");
	} else if (strncmp(req->uri, "/log-stream", 11) == 0) {
		evhttp_send_reply_start(req, HTTP_OK, "Streaming");
		evhttp_send_reply_chunk(req, b);
		evhttp_send_reply_end(req);
	} else {
		evhttp_send_reply(req, HTTP_OK, "Fine", b);
	}
	evbuffer_free(b);
	log_request(req, evcon);
	lg.depth--;
}

static void
log_later_reply(int fd, short what, void *arg)
{
	struct evhttp_request *req = lg.later;
	struct evhttp_connection *evcon = req->evcon;

	(void)fd;
	(void)what;
	(void)arg;
	evhttp_send_reply(req, 202, "Later", NULL);
	log_request(req, evcon);
	lg.later = NULL;
}

/* Hold the request and answer it from a timer. */
static void
log_later_cb(struct evhttp_request *req, void *arg)
{
	struct timeval tv = { 0, 20000 };

	(void)arg;
	lg.later = req;
	evtimer_set(&lg.later_ev, log_later_reply, NULL);
	event_base_set(srv.base, &lg.later_ev);
	evtimer_add(&lg.later_ev, &tv);
}

static void
log_start(struct regress_env *env)
{
	memset(&lg, 0, sizeof(lg));
	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/log-reply", log_reply_cb, NULL);
	evhttp_set_cb(srv.http, "/log-error", log_reply_cb, NULL);
	evhttp_set_cb(srv.http, "/log-stream", log_reply_cb, NULL);
	evhttp_set_cb(srv.http, "/log-later", log_later_cb, NULL);
}

/* The port of the local end of fd. */
static unsigned short
local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	tt_int_op(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	return ntohs(sin.sin_port);
}

static void
check_log(const struct logrec *r, int code, const char *reason,
    const char *uri, const char *id, unsigned short port)
{
	regress_note("log: %d \"%s\" %s id %s from %s:%u", r->code,
	    r->reason, r->uri, r->id, r->host, (unsigned)r->rport);
	tt_int_op(r->code, ==, code);
	tt_str_op(r->reason, ==, reason);
	tt_str_op(r->uri, ==, uri);
	tt_str_op(r->id, ==, id);
	tt_str_op(r->host, ==, "127.0.0.1");
	tt_int_op(r->rport, ==, port);
	tt_int_op(r->same_evcon, ==, 1);
	tt_str_op(r->peer, ==, "127.0.0.1");
	tt_int_op(r->peer_port, ==, port);
}

/* evhttp_send_reply/_error/_end, then the handler reads its request. */
static void
test_log_after_reply(struct regress_env *env)
{
	struct evbuffer *in = evbuffer_new();
	unsigned short port;
	int fd;

	log_start(env);
	fd = regress_connect_loopback(AF_INET, srv.port);
	port = local_port(fd);
	regress_write_str(fd, "GET /log-reply?a=1 HTTP/1.1\r\nX-Id: one\r\n"
	    "\r\n");
	http_raw_wait(env->base, fd, in, "reply to /log-reply?a=1", 1, 3.0);
	tt_int_op(lg.n, ==, 1);
	check_log(&lg.rec[0], 200, "Fine", "/log-reply?a=1", "one", port);
	tt_str_op(lg.rec[0].ctype, ==, "text/plain");

	regress_write_str(fd, "GET /log-stream HTTP/1.1\r\nX-Id: two\r\n\r\n");
	http_raw_wait(env->base, fd, in, "0\r\n\r\n", 1, 3.0);
	tt_int_op(lg.n, ==, 2);
	check_log(&lg.rec[1], 200, "Streaming", "/log-stream", "two", port);

	/* A reply from a timer: the request lives until it returns. */
	regress_write_str(fd, "GET /log-later HTTP/1.1\r\nX-Id: three\r\n"
	    "\r\n");
	http_raw_wait(env->base, fd, in, "202 Later", 1, 3.0);
	tt_int_op(lg.n, ==, 3);
	check_log(&lg.rec[2], 202, "Later", "/log-later", "three", port);

	/* The error page closes the connection, after the handler. */
	regress_write_str(fd, "GET /log-error HTTP/1.1\r\nX-Id: four\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(lg.n, ==, 4);
	check_log(&lg.rec[3], 404, "Gone Fishing", "/log-error", "four", port);
	tt_str_op(lg.rec[3].ctype, ==, "text/html");
	tt_int_op(lg.max_depth, ==, 1);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/*
 * Pipelined requests in one write: each handler runs from the loop, one
 * at a time (never from inside the previous one's reply call), and reads
 * its own request after replying.
 */
static void
test_log_pipelined(struct regress_env *env)
{
	struct evbuffer *in = evbuffer_new();
	unsigned short port;
	char *r, *p;
	int fd;

	log_start(env);
	fd = regress_connect_loopback(AF_INET, srv.port);
	port = local_port(fd);
	regress_write_str(fd,
	    "GET /log-reply?n=1 HTTP/1.1\r\nX-Id: a\r\n\r\n"
	    "GET /log-stream?n=2 HTTP/1.1\r\nX-Id: b\r\n\r\n"
	    "POST /log-reply?n=3 HTTP/1.1\r\nX-Id: c\r\nContent-Length: 4\r\n"
	    "\r\nbody"
	    "GET /log-reply?n=4 HTTP/1.1\r\nX-Id: d\r\n\r\n"
	    "GET /log-error?n=5 HTTP/1.1\r\nX-Id: e\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(lg.n, ==, 5);
	tt_int_op(lg.max_depth, ==, 1);
	check_log(&lg.rec[0], 200, "Fine", "/log-reply?n=1", "a", port);
	check_log(&lg.rec[1], 200, "Streaming", "/log-stream?n=2", "b", port);
	check_log(&lg.rec[2], 200, "Fine", "/log-reply?n=3", "c", port);
	tt_str_op(lg.rec[2].body, ==, "body");
	check_log(&lg.rec[3], 200, "Fine", "/log-reply?n=4", "d", port);
	tt_str_op(lg.rec[3].body, ==, "");
	check_log(&lg.rec[4], 404, "Gone Fishing", "/log-error?n=5", "e", port);
	/* The replies came in request order. */
	r = http_buf_str(in);
	p = strstr(r, "reply to /log-reply?n=1");
	tt_assert(p != NULL);
	p = strstr(p, "reply to /log-stream?n=2");
	tt_assert(p != NULL);
	p = strstr(p, "reply to /log-reply?n=3");
	tt_assert(p != NULL);
	p = strstr(p, "reply to /log-reply?n=4");
	tt_assert(p != NULL);
	tt_assert(strstr(p, "HTTP/1.1 404 Gone Fishing") != NULL);
	free(r);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* A streaming server: subscribers with close callbacks                */

/*
 * The pattern of 1.4 pub/sub servers: each subscriber's request gets a
 * streamed reply and a close callback on req->evcon; a timer publishes a
 * tick to every subscriber in the list.  A subscriber that leaves must be
 * reported once, from the loop, never from inside the publisher's walk
 * over the list (which the close callback edits).
 */
struct sub {
	TAILQ_ENTRY(sub) next;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	char peer[32];
	unsigned short peer_port;
	int keep;		/* the close callback leaves it in the list */
	int closes;		/* close callbacks for it */
	int gone;
};

static struct {
	TAILQ_HEAD(, sub) list;
	struct sub subs[4];
	int nsubs;
	int publishing;		/* inside the walk over the list */
	int bad_closes;		/* close callbacks from inside the walk */
	int ticks;
	struct event tick_ev;
	int rst_at;		/* reset this client's socket at this tick */
	int rst_fd;
} ps;

static void
sub_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sub *s = arg;
	char *addr = NULL;
	unsigned short port = 0;

	if (ps.publishing)
		ps.bad_closes++;
	s->closes++;
	/* The connection is still whole: its peer can be read. */
	tt_ptr_op(evcon, ==, s->evcon);
	evhttp_connection_get_peer(evcon, &addr, &port);
	tt_str_op(addr, ==, s->peer);
	tt_int_op(port, ==, s->peer_port);
	if (s->gone)
		return;		/* the server's end, after the stream ended */
	s->gone = 1;
	/* Its request is detached now, as in 1.4. */
	tt_ptr_op(evhttp_request_get_connection(s->req), ==, NULL);
	if (!s->keep) {
		TAILQ_REMOVE(&ps.list, s, next);
		evhttp_send_reply_end(s->req);	/* frees it */
		s->req = NULL;
	}
}

static void
sub_cb(struct evhttp_request *req, void *arg)
{
	struct sub *s = &ps.subs[ps.nsubs];
	char *addr;

	(void)arg;
	tt_assert(ps.nsubs < 4);
	s->req = req;
	s->evcon = req->evcon;
	s->keep = strstr(req->uri, "keep") != NULL;
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	evhttp_connection_set_closecb(req->evcon, sub_closed, s);
	evhttp_connection_get_peer(req->evcon, &addr, &s->peer_port);
	copy_str(s->peer, sizeof(s->peer), addr);
	TAILQ_INSERT_TAIL(&ps.list, s, next);
	ps.nsubs++;
}

static void
publish(int fd, short what, void *arg)
{
	struct timeval tv = { 0, 20000 };
	struct evbuffer *b = evbuffer_new();
	struct sub *s;

	(void)fd;
	(void)what;
	(void)arg;
	ps.ticks++;
	if (ps.ticks == ps.rst_at) {
		/* A client resets its connection: the next write to it
		 * fails inside evhttp_send_reply_chunk. */
		struct linger lin = { 1, 0 };

		setsockopt(ps.rst_fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		close(ps.rst_fd);
		ps.rst_fd = -1;
	}
	ps.publishing = 1;
	TAILQ_FOREACH(s, &ps.list, next) {
		evbuffer_add_printf(b, "tick %d;", ps.ticks);
		/* After the close callback this is a harmless no-op. */
		evhttp_send_reply_chunk(s->req, b);
		evbuffer_drain(b, b->off);
	}
	ps.publishing = 0;
	evbuffer_free(b);
	evtimer_add(&ps.tick_ev, &tv);
}

/* A raw subscriber: its socket and what it received. */
struct rawsub {
	int fd;
	struct evbuffer *in;
	struct event ev;
};

static void
rawsub_read(int fd, short what, void *arg)
{
	struct rawsub *c = arg;
	char buf[4096];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	if (n > 0)
		evbuffer_add(c->in, buf, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		event_del(&c->ev);
}

static void
rawsub_open(struct rawsub *c, struct event_base *base, const char *uri)
{
	char req[128];

	c->fd = regress_connect_loopback(AF_INET, srv.port);
	evutil_make_socket_nonblocking(c->fd);
	c->in = evbuffer_new();
	event_set(&c->ev, c->fd, EV_READ | EV_PERSIST, rawsub_read, c);
	event_base_set(base, &c->ev);
	event_add(&c->ev, NULL);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", uri);
	regress_write_str(c->fd, req);
}

static void
rawsub_close(struct rawsub *c)
{
	event_del(&c->ev);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

static void
test_stream_subscribers(struct regress_env *env)
{
	struct rawsub c[3];
	char want[32];
	int i, before;

	memset(&ps, 0, sizeof(ps));
	TAILQ_INIT(&ps.list);
	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/sub", sub_cb, NULL);
	rawsub_open(&c[0], env->base, "/sub?stay");
	rawsub_open(&c[1], env->base, "/sub?rst");
	rawsub_open(&c[2], env->base, "/sub?keep");
	tt_int_op(regress_run_until_count(env->base, &ps.nsubs, 3, 3.0), ==, 1);

	/* Tick 3 resets the second client in the middle of a walk. */
	ps.rst_at = 3;
	ps.rst_fd = c[1].fd;
	event_del(&c[1].ev);
	c[1].fd = -1;
	evtimer_set(&ps.tick_ev, publish, NULL);
	event_base_set(env->base, &ps.tick_ev);
	publish(-1, 0, NULL);
	tt_int_op(regress_run_until_count(env->base, &ps.ticks, 5, 3.0), ==, 1);
	tt_int_op(ps.subs[1].closes, ==, 1);
	tt_ptr_op(ps.subs[1].req, ==, NULL);

	/* The third one leaves between ticks (an orderly close). */
	rawsub_close(&c[2]);
	before = ps.ticks;
	tt_int_op(regress_run_until_count(env->base, &ps.subs[2].closes, 1,
	    3.0), ==, 1);
	tt_int_op(regress_run_until_count(env->base, &ps.ticks, before + 3,
	    3.0), ==, 1);
	event_del(&ps.tick_ev);
	tt_int_op(ps.bad_closes, ==, 0);
	tt_int_op(ps.subs[0].closes, ==, 0);
	tt_int_op(ps.subs[1].closes, ==, 1);
	tt_int_op(ps.subs[2].closes, ==, 1);
	tt_ptr_op(evhttp_request_get_connection(ps.subs[2].req), ==, NULL);

	/* The first got every tick, the last one included. */
	event_del(&c[0].ev);
	snprintf(want, sizeof(want), "tick %d;", ps.ticks);
	tt_int_op(http_raw_wait(env->base, c[0].fd, c[0].in, want, 1, 3.0),
	    ==, 0);
	for (i = 1; i <= ps.ticks; i++) {
		snprintf(want, sizeof(want), "tick %d;", i);
		tt_int_op(http_count(c[0].in, want), ==, 1);
	}
	/* The end of the stream; the kept subscriber's request is freed. */
	evhttp_send_reply_end(ps.subs[0].req);
	evhttp_send_reply_end(ps.subs[2].req);
	tt_int_op(http_raw_wait(env->base, c[0].fd, c[0].in, "\r\n0\r\n\r\n",
	    1, 3.0), ==, 0);
	tt_int_op(ps.subs[0].closes, ==, 0);
	ps.subs[0].gone = 1;
	http_srv_stop();
	/* The server's end closes the first connection: once. */
	tt_int_op(ps.subs[0].closes, ==, 1);
	for (i = 0; i < 3; i++) {
		rawsub_close(&c[i]);
		evbuffer_free(c[i].in);
	}
}

/*
 * A subscriber that does not read: what waits for it shows in the 1.4
 * member evcon->output_buffer, which 1.4 daemons read to find slow
 * subscribers.
 */
static struct evhttp_request *slow_req;

static void
slow_sub_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	slow_req = req;
}

static void
test_slow_subscriber(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *in = evbuffer_new();
	struct evhttp_connection *evcon;
	size_t sent = 0, queued;
	int fd, i;

	slow_req = NULL;
	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/slow", slow_sub_cb, NULL);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /slow HTTP/1.0\r\n\r\n");
	REGRESS_SPIN_UNTIL(env->base, slow_req != NULL);
	evcon = slow_req->evcon;
	tt_assert(evcon != NULL);
	/* 256 KiB chunks until the kernel stops taking them. */
	for (i = 0; i < 64 && EVBUFFER_LENGTH(evcon->output_buffer) == 0;
	    i++) {
		while (b->off < 256 * 1024)
			evbuffer_add(b, "0123456789abcdef", 16);
		sent += b->off;
		evhttp_send_reply_chunk(slow_req, b);
		tt_int_op(b->off, ==, 0);
	}
	queued = EVBUFFER_LENGTH(evcon->output_buffer);
	regress_note("%zu bytes sent, %zu queued", sent, queued);
	tt_assert(queued > 0 && queued <= sent);
	/* The client reads it all: the queue empties. */
	evhttp_send_reply_end(slow_req);
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 10.0), ==, 1);
	tt_uint_op(in->off, >, sent);
	close(fd);
	evbuffer_free(b);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* evhttp_connection_* on a server request's connection                */

static struct {
	struct evhttp_connection *evcon;
	int closes;
	int state_in_handler;
	int flags_in_handler;
	int fd_port;		/* peer port of evcon->fd, by getpeername */
	double replied_at;	/* when the handler replied */
	int queued_first;	/* TAILQ_FIRST(&evcon->requests) == req */
	char uri_after_free[32];
} cc;

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)arg;
	tt_ptr_op(evcon, ==, cc.evcon);
	cc.closes++;
}

static void
conn_calls_cb(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection *evcon = req->evcon;
	struct evhttp_request *out = evhttp_request_new(NULL, NULL);
	struct evbuffer *b = evbuffer_new();
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	(void)arg;
	cc.evcon = evcon;
	evhttp_connection_set_closecb(evcon, conn_closed, NULL);
	/* A one-second idle timeout for this connection only. */
	evhttp_connection_set_timeout(evcon, 1);
	/* Client-only settings do nothing to a server connection. */
	evhttp_connection_set_retries(evcon, 3);
	evhttp_connection_set_local_address(evcon, "127.0.0.2");
	evhttp_connection_set_local_port(evcon, 1);
	tt_ptr_op(evcon->bind_address, ==, NULL);
	tt_int_op(evcon->bind_port, ==, 0);
	tt_int_op(evhttp_make_request(evcon, out, EVHTTP_REQ_GET, "/"), ==,
	    -1);
	evhttp_request_free(out);
	/* 1.4's members mean what they meant. */
	cc.state_in_handler = evcon->state;
	cc.flags_in_handler = evcon->flags;
	tt_int_op(getpeername(evcon->fd, (struct sockaddr *)&sin, &len), ==, 0);
	cc.fd_port = ntohs(sin.sin_port);
	cc.queued_first = TAILQ_FIRST(&evcon->requests) == req;
	tt_ptr_op(evcon->http_server, ==, srv.http);
	tt_ptr_op(evcon->base, ==, srv.base);
	tt_str_op(evcon->address, ==, "127.0.0.1");
	evbuffer_add(b, "ok", 2);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	cc.replied_at = regress_now();
	evbuffer_free(b);
}

/* evhttp_connection_free() in the handler: no reply, the close callback
 * runs once, the request stays readable until the handler returns. */
static void
conn_free_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cc.evcon = req->evcon;
	evhttp_connection_set_closecb(req->evcon, conn_closed, NULL);
	evhttp_connection_free(req->evcon);
	tt_int_op(cc.closes, ==, 0);
	copy_str(cc.uri_after_free, sizeof(cc.uri_after_free), req->uri);
}

static void
test_server_connection_calls(struct regress_env *env)
{
	struct evbuffer *in = evbuffer_new();
	double t0;
	int fd;

	memset(&cc, 0, sizeof(cc));
	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 10);
	evhttp_set_cb(srv.http, "/conn", conn_calls_cb, NULL);
	evhttp_set_cb(srv.http, "/free", conn_free_cb, NULL);

	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /conn HTTP/1.1\r\nHost: a\r\n\r\n");
	http_raw_wait(env->base, fd, in, "\r\n\r\nok", 1, 3.0);
	tt_int_op(http_count(in, "HTTP/1.1 200 OK\r\n"), ==, 1);
	tt_int_op(cc.state_in_handler, ==, EVCON_WRITING);
	tt_int_op(cc.flags_in_handler & (EVHTTP_CON_INCOMING |
	    EVHTTP_CON_OUTGOING), ==, EVHTTP_CON_INCOMING);
	tt_int_op(cc.fd_port, ==, local_port(fd));
	tt_int_op(cc.queued_first, ==, 1);
	/* Idle between requests: reading the next request line. */
	tt_int_op(cc.evcon->state, ==, EVCON_READING_FIRSTLINE);
	/* The connection's own timeout (1 s, not the server's 10 s) ends
	 * the idle wait, which began once the handler had replied; the
	 * close callback runs once. */
	t0 = cc.replied_at;
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 5.0), ==, 1);
	regress_note("idle close after %.2f s", regress_now() - t0);
	tt_assert(regress_now() - t0 >= 0.9);
	tt_assert(regress_now() - t0 < 3.0 * regress_slowdown());
	tt_int_op(cc.closes, ==, 1);
	close(fd);

	/* Freed in its handler: closed without a reply. */
	memset(&cc, 0, sizeof(cc));
	evbuffer_drain(in, in->off);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /free HTTP/1.1\r\nHost: a\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(in->off, ==, 0);
	tt_int_op(cc.closes, ==, 1);
	tt_str_op(cc.uri_after_free, ==, "/free");
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* 1.4.15's layout of struct evhttp_connection                         */

/* Its members, types and order (http-internal.h keeps them first). */
struct evcon14 {
	TAILQ_ENTRY(evcon14) next;
	int fd;
	struct event ev;
	struct event close_ev;
	struct evbuffer *input_buffer;
	struct evbuffer *output_buffer;
	char *bind_address;
	u_short bind_port;
	char *address;
	u_short port;
	int flags;
	int timeout;
	int retry_cnt;
	int retry_max;
	enum evhttp_connection_state state;
	struct evhttp *http_server;
	TAILQ_HEAD(evcon14q, evhttp_request) requests;
	void (*cb)(struct evhttp_connection *, void *);
	void *cb_arg;
	void (*closecb)(struct evhttp_connection *, void *);
	void *closecb_arg;
	struct event_base *base;
};

#define SAME_OFFSET(m) \
	tt_int_op(offsetof(struct evhttp_connection, m), ==, \
	    offsetof(struct evcon14, m))

static void
test_connection_layout(struct regress_env *env)
{
	(void)env;
	SAME_OFFSET(next);
	SAME_OFFSET(fd);
	SAME_OFFSET(ev);
	SAME_OFFSET(close_ev);
	SAME_OFFSET(input_buffer);
	SAME_OFFSET(output_buffer);
	SAME_OFFSET(bind_address);
	SAME_OFFSET(bind_port);
	SAME_OFFSET(address);
	SAME_OFFSET(port);
	SAME_OFFSET(flags);
	SAME_OFFSET(timeout);
	SAME_OFFSET(retry_cnt);
	SAME_OFFSET(retry_max);
	SAME_OFFSET(state);
	SAME_OFFSET(http_server);
	SAME_OFFSET(requests);
	SAME_OFFSET(cb);
	SAME_OFFSET(cb_arg);
	SAME_OFFSET(closecb);
	SAME_OFFSET(closecb_arg);
	SAME_OFFSET(base);
	tt_int_op(sizeof(struct evhttp_connection), >=, sizeof(struct evcon14));
	tt_int_op(sizeof(((struct evhttp_connection *)0)->state), ==,
	    sizeof(int));
	/* 1.4.15's values. */
	tt_int_op(EVCON_DISCONNECTED, ==, 0);
	tt_int_op(EVCON_CONNECTING, ==, 1);
	tt_int_op(EVCON_IDLE, ==, 2);
	tt_int_op(EVCON_READING_FIRSTLINE, ==, 3);
	tt_int_op(EVCON_READING_HEADERS, ==, 4);
	tt_int_op(EVCON_READING_BODY, ==, 5);
	tt_int_op(EVCON_READING_TRAILER, ==, 6);
	tt_int_op(EVCON_WRITING, ==, 7);
	tt_int_op(EVHTTP_CON_INCOMING, ==, 0x0001);
	tt_int_op(EVHTTP_CON_OUTGOING, ==, 0x0002);
	tt_int_op(EVHTTP_CON_CLOSEDETECT, ==, 0x0004);
	if (sizeof(void *) == 8 && sizeof(long) == 8) {
		/* The offsets measured on genuine 1.4.15, x86-64. */
		tt_int_op(sizeof(struct event), ==, 128);
		tt_int_op(offsetof(struct evhttp_connection, output_buffer),
		    ==, 288);
		tt_int_op(offsetof(struct evhttp_connection, address), ==, 312);
		tt_int_op(offsetof(struct evhttp_connection, port), ==, 320);
		tt_int_op(offsetof(struct evhttp_connection, state), ==, 340);
	} else if (sizeof(void *) == 8 && sizeof(long) == 4) {
		/*
		 * Win64 (LLP64), worked out by hand from 1.4.15's member
		 * lists: struct timeval is two 4-byte longs, so struct
		 * event is 120 bytes (ev_timeout at 80, ev_pri at 88,
		 * ev_callback at 96); ev at 24, close_ev at 144, the
		 * buffers at 264 and 272, bind_address 280, bind_port
		 * 288, address 296, port 304, then five ints from 308.
		 */
		tt_int_op(sizeof(struct event), ==, 120);
		tt_int_op(offsetof(struct event, ev_callback), ==, 96);
		tt_int_op(offsetof(struct evhttp_connection, output_buffer),
		    ==, 272);
		tt_int_op(offsetof(struct evhttp_connection, address), ==, 296);
		tt_int_op(offsetof(struct evhttp_connection, port), ==, 304);
		tt_int_op(offsetof(struct evhttp_connection, state), ==, 324);
	} else {
		tt_skip("figures only for LP64 and LLP64");
	}
}

/* The 1.4 members of a client connection through its life. */
static void
test_connection_fields(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	tt_int_op(evcon->fd, ==, -1);
	tt_int_op(evcon->state, ==, EVCON_DISCONNECTED);
	tt_int_op(evcon->flags & (EVHTTP_CON_INCOMING | EVHTTP_CON_OUTGOING),
	    ==, EVHTTP_CON_OUTGOING);
	tt_str_op(evcon->address, ==, "127.0.0.1");
	tt_int_op(evcon->port, ==, srv.port);
	tt_ptr_op(evcon->base, ==, env->base);
	req = evhttp_request_new(http_client_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/hello"),
	    ==, 0);
	tt_int_op(evcon->state, ==, EVCON_CONNECTING);
	tt_ptr_op(TAILQ_FIRST(&evcon->requests), ==, req);
	tt_int_op(regress_run_until(env->base, &cres.done, 3.0), ==, 1);
	tt_int_op(cres.code, ==, 200);
	/* Kept alive: idle, watching for the server's close. */
	tt_int_op(evcon->state, ==, EVCON_IDLE);
	tt_int_op(evcon->flags & EVHTTP_CON_CLOSEDETECT, ==,
	    EVHTTP_CON_CLOSEDETECT);
	tt_assert(evcon->fd >= 0);
	tt_assert(TAILQ_EMPTY(&evcon->requests));
	tt_int_op(EVBUFFER_LENGTH(evcon->output_buffer), ==, 0);
	evhttp_connection_reset(evcon);
	tt_int_op(evcon->fd, ==, -1);
	tt_int_op(evcon->state, ==, EVCON_DISCONNECTED);
	tt_int_op(evcon->flags & EVHTTP_CON_CLOSEDETECT, ==, 0);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Header folding                                                      */

static char fold_seen[3][64];

/* Record the unfolded values; answer with a header added in 1.4's
 * continuation form. */
static void
fold_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
	copy_str(fold_seen[0], sizeof(fold_seen[0]),
	    evhttp_find_header(req->input_headers, "X-Folded"));
	copy_str(fold_seen[1], sizeof(fold_seen[1]),
	    evhttp_find_header(req->input_headers, "X-Two"));
	copy_str(fold_seen[2], sizeof(fold_seen[2]),
	    evhttp_find_header(req->input_headers, "Content-Length"));
	tt_int_op(evhttp_add_header(req->output_headers, "X-Reply",
	    "Two\r\n Three"), ==, 0);
	evbuffer_add_buffer(b, req->input_buffer);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * A folded request header is unfolded (1.4 programs read the joined
 * value), a folded "Content-Length" line is text of the header before it
 * and frames nothing, and what the server sends is never folded.
 */
static void
test_folded_headers(struct regress_env *env)
{
	struct evbuffer *in = evbuffer_new();
	char *r;
	int fd;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/fold", fold_cb, NULL);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "POST /fold HTTP/1.1\r\nHost: a\r\n"
	    "X-Folded: one\r\n two\r\n\t three\r\n"
	    "X-Two: a\r\n Content-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_str_op(fold_seen[0], ==, "one two three");
	tt_str_op(fold_seen[1], ==, "a Content-Length: 5");
	tt_str_op(fold_seen[2], ==, "(null)");
	tt_int_op(srv.last_body_len, ==, 0);
	r = http_buf_str(in);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\nX-Reply: Two Three\r\n") != NULL);
	tt_assert(strstr(r, "\r\nContent-Length: 0\r\n") != NULL);
	/* Exactly one reply: "hello" was never taken as a body. */
	tt_int_op(http_count(in, "HTTP/1.1 "), ==, 1);
	free(r);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

struct regress_case regress_http_compat_cases[] = {
	{ "http/log_after_reply", test_log_after_reply, RT_BASE, NULL },
	{ "http/log_pipelined", test_log_pipelined, RT_BASE, NULL },
	{ "http/stream_subscribers", test_stream_subscribers, RT_BASE, NULL },
	{ "http/slow_subscriber", test_slow_subscriber, RT_BASE, NULL },
	{ "http/server_connection_calls", test_server_connection_calls,
	  RT_BASE, NULL },
	{ "http/connection_layout", test_connection_layout, RT_ONCE, NULL },
	{ "http/connection_fields", test_connection_fields, RT_BASE, NULL },
	{ "http/folded_headers", test_folded_headers, RT_BASE, NULL },
	RT_END
};
