/*
 * regress_http_client.c -- our evhttp client: against our server (GET,
 * POST, keep-alive, HEAD, idle close, chunked streams, local addresses,
 * IPv6, evhttp_bind_socket and evhttp_start), against failures (refused
 * connects, retries, timeouts, freeing the connection in its callback),
 * against a fake raw server that answers with fixed bytes (each legal
 * framing; broken and mutated responses), and driven by hand through the
 * 1.4 exported internals.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http-internal.h"	/* the 1.4 exported-but-undeclared names */
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

static void
test_client_basic(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	char host[64], *addr;
	unsigned short port;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	evhttp_connection_get_peer(evcon, &addr, &port);
	tt_str_op(addr, ==, "127.0.0.1");
	tt_int_op(port, ==, srv.port);

	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.line, ==, "OK");
	tt_int_op(cres.body_len, ==, 7);
	tt_assert(memcmp(cres.body, "hello 1", 7) == 0);
	tt_str_op(cres.clen, ==, "7");
	tt_ptr_op(cres.evcon_in_cb, ==, NULL);

	/* Host is added when missing; the method travels. */
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/echo?a=b");
	snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)srv.port);
	tt_str_op(cres.xhost, ==, host);
	tt_str_op(cres.xmethod, ==, "GET");
	tt_str_op(srv.last_uri, ==, "/echo?a=b");
	tt_int_op(cres.closes, ==, 0);
	evhttp_connection_free(evcon);
	tt_int_op(cres.closes, ==, 1);
	http_srv_stop();
}

static void
test_client_post(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	size_t i;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	req = evhttp_request_new(http_client_cb, NULL);
	for (i = 0; i < 60000; i++)
		evbuffer_add(req->output_buffer, &"0123456789abcdef"[i % 16],
		    1);
	evhttp_add_header(req->output_headers, "Host", "example.org");
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_POST, "/echo"),
	    ==, 0);
	regress_run_until(env->base, &cres.done, 5.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.xmethod, ==, "POST");
	tt_str_op(cres.xhost, ==, "example.org");	/* the caller's Host */
	tt_int_op(cres.body_len, ==, 60000);
	for (i = 0; i < 60000; i++)
		tt_int_op(cres.body[i], ==, "0123456789abcdef"[i % 16]);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

static void
test_client_keepalive(struct regress_env *env)
{
	struct evhttp_connection *evcon, *first;
	int i;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	/* Three queued at once: sent one after the other on one socket. */
	for (i = 0; i < 3; i++) {
		struct evhttp_request *req;

		req = evhttp_request_new(http_client_cb, NULL);

		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
		    "/hello"), ==, 0);
	}
	regress_run_until(env->base, &cres.done, 0);
	regress_run_until_count(env->base, &cres.done, 2 + 1, 3.0);
	tt_int_op(cres.done, ==, 3);
	tt_int_op(srv.nreq, ==, 3);
	tt_assert(memcmp(cres.body, "hello 3", 7) == 0);
	first = srv.last_evcon;
	tt_int_op(cres.closes, ==, 0);
	/* Later, on the same connection. */
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_ptr_op(srv.last_evcon, ==, first);
	/* HEAD: no body is expected, and the connection stays usable. */
	http_client_get(env->base, evcon, EVHTTP_REQ_HEAD, "/hello");
	tt_int_op(cres.code, ==, 200);
	tt_int_op(cres.body_len, ==, 0);
	tt_str_op(cres.clen, ==, "7");
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_assert(memcmp(cres.body, "hello 6", 7) == 0);
	tt_ptr_op(srv.last_evcon, ==, first);
	tt_int_op(cres.closes, ==, 0);
	/* The server closes: the close callback runs, the next request
	 * reconnects transparently. */
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/close");
	tt_int_op(cres.code, ==, 200);
	tt_int_op(cres.closes, ==, 1);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	tt_ptr_op(srv.last_evcon, !=, NULL);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* The server drops an idle keep-alive connection: the client notices. */
static void
test_client_idle_close(struct regress_env *env)
{
	struct evhttp_connection *evcon;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 1);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.closes, ==, 0);
	regress_run_until_count(env->base, &cres.closes, 0 + 1, 3.0);
	tt_int_op(cres.closes, ==, 1);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	tt_assert(memcmp(cres.body, "hello 2", 7) == 0);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* Chunks reach the client as they are sent, not at the end. */
static void
test_chunked_stream(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	int i;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	req = evhttp_request_new(http_client_cb, NULL);
	evhttp_request_set_chunked_cb(req, http_chunk_cb);
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/stream");
	regress_run_until(env->base, &cres.done, 5.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_int_op(cres.chunks, ==, 4);
	for (i = 0; i < 4; i++) {
		char expect[32];

		snprintf(expect, sizeof(expect), "chunk%d;", i);
		tt_str_op(cres.chunk[i], ==, expect);
		tt_assert(cres.chunk_at[i] >= srv.stream_sent_at[i]);
	}
	/* Streamed, not held to the end: the first chunk (sent 150 ms
	 * before the last) arrived before the last one was even sent. */
	tt_assert(cres.chunk_at[0] < srv.stream_sent_at[3]);
	/* The chunk callback consumed the data. */
	tt_int_op(cres.body_len, ==, 0);
	/* Without a chunk callback, the whole body arrives at the end. */
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/stream");
	tt_int_op(cres.body_len, ==, 28);
	tt_assert(memcmp(cres.body, "chunk0;chunk1;chunk2;chunk3;", 28) == 0);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Client failures                                                     */

static struct evhttp_request *fail_req_seen;

static void
fail_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cres.done++;
	cres.at = regress_now();
	fail_req_seen = req;
	if (req == NULL)
		cres.null_req++;
	else
		cres.code = req->response_code;
}

/* Connecting fails: 1.4 calls back with the request, response_code 0. */
static void
test_client_connect_refused(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port = regress_unused_port(AF_INET, SOCK_STREAM);

	memset(&cres, 0, sizeof(cres));	/* nobody listens on port */
	cres.code = -1;
	evcon = http_client_new(env->base, "127.0.0.1", port);
	req = evhttp_request_new(fail_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	regress_run_until(env->base, &cres.done, 3.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.null_req, ==, 0);
	tt_ptr_op(fail_req_seen, ==, req);
	tt_int_op(cres.code, ==, 0);
	tt_int_op(cres.closes, ==, 0);	/* never established */
	evhttp_connection_free(evcon);
}

/* One retry: the failure is reported after the 2 s back-off. */
static void
test_client_retry(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port = regress_unused_port(AF_INET, SOCK_STREAM);
	double t0;

	memset(&cres, 0, sizeof(cres));
	evcon = http_client_new(env->base, "127.0.0.1", port);
	evhttp_connection_set_retries(evcon, 1);
	req = evhttp_request_new(fail_cb, NULL);
	t0 = regress_now();
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	regress_run_until(env->base, &cres.done, 6.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 0);
	tt_assert(cres.at - t0 >= 1.9);
	tt_assert(cres.at - t0 < 4.0 * regress_slowdown());
	evhttp_connection_free(evcon);
}

/* A retry that succeeds: the server appears during the back-off. */
static void
test_client_retry_success(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port = regress_unused_port(AF_INET, SOCK_STREAM);
	int fd;

	memset(&cres, 0, sizeof(cres));
	evcon = http_client_new(env->base, "127.0.0.1", port);
	evhttp_connection_set_retries(evcon, 2);
	req = evhttp_request_new(http_client_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/hello"),
	    ==, 0);
	regress_run_for(env->base, 0.5);
	tt_int_op(cres.done, ==, 0);
	/* Now listen on that port. */
	http_srv_start(env->base, AF_INET);
	if ((fd = regress_listen_loopback_port(AF_INET, port)) == -1)
		tt_skip("the port was taken meanwhile");
	tt_int_op(evhttp_accept_socket(srv.http, fd), ==, 0);
	regress_run_until(env->base, &cres.done, 5.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_assert(memcmp(cres.body, "hello 1", 7) == 0);
	evhttp_connection_free(evcon);
	http_srv_stop();
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
		regress_write_all(fd, f->reply, f->reply_len ? f->reply_len :
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
	event_base_set(srv.base, &f->cev[f->nconns]);
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
	srv.base = base;
	f->lfd = regress_listen_loopback(AF_INET, port);
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

	memset(&cres, 0, sizeof(cres));
	fake_start(base, &f, reply, close_after, &port);
	evcon = http_client_new(base, "127.0.0.1", port);
	if (timeout)
		evhttp_connection_set_timeout(evcon, timeout);
	req = evhttp_request_new(fail_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	regress_run_until(base, &cres.done, 4.0);
	if (cres.done != 1)
		regress_fail(__FILE__, __LINE__, "no callback for reply "
		    "\"%.40s\"", reply ? reply : "(none)");
	if (cres.null_req != 1)
		regress_fail(__FILE__, __LINE__, "reply \"%.40s\": callback "
		    "got a request (code %d), not NULL", reply ? reply : "",
		    cres.code);
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
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\nConnection: keep-alive\r\n close"
		    "\r\n\r\n",
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
		/* obs-fold in a header that does not frame: unfolded */
		{ "HTTP/1.1 200 OK\r\nX-Host: a\r\n folded\r\n"
		  "Content-Length: 1\r\n\r\nx", "x", 200 },
		{ NULL, NULL, 0 }
	};
	int i;

	for (i = 0; cases[i].reply != NULL; i++) {
		struct fake_srv f;
		struct evhttp_connection *evcon;
		struct evhttp_request *req;
		unsigned short port;

		memset(&cres, 0, sizeof(cres));
		fake_start(env->base, &f, cases[i].reply, 1, &port);
		evcon = http_client_new(env->base, "127.0.0.1", port);
		req = evhttp_request_new(http_client_cb, NULL);
		evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/");
		regress_run_until(env->base, &cres.done, 3.0);
		regress_note("case %d", i);
		tt_int_op(cres.done, ==, 1);
		tt_int_op(cres.null_req, ==, 0);
		tt_int_op(cres.code, ==, cases[i].code);
		tt_int_op(cres.body_len, ==, strlen(cases[i].body));
		tt_assert(memcmp(cres.body, cases[i].body, cres.body_len) == 0);
		if (strstr(cases[i].reply, "folded") != NULL)
			tt_str_op(cres.xhost, ==, "a folded");
		evhttp_connection_free(evcon);
		fake_stop(&f);
	}
}

static struct evhttp_connection *free_me;

static void
free_in_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cres.done++;
	cres.code = req ? req->response_code : -1;
	evhttp_connection_free(free_me);
	free_me = NULL;
}

/* Freeing the connection from inside a request callback is safe, and the
 * other queued requests go without their callbacks. */
static void
test_client_free_in_cb(struct regress_env *env)
{
	struct evhttp_request *req;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	free_me = http_client_new(env->base, "127.0.0.1", srv.port);
	req = evhttp_request_new(free_in_cb, NULL);
	evhttp_make_request(free_me, req, EVHTTP_REQ_GET, "/hello");
	req = evhttp_request_new(free_in_cb, NULL);
	evhttp_make_request(free_me, req, EVHTTP_REQ_GET, "/hello");
	regress_run_until(env->base, &cres.done, 3.0);
	regress_run_for(env->base, 0.2);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_ptr_op(free_me, ==, NULL);
	tt_int_op(cres.closes, ==, 1);
	http_srv_stop();
}

/* An exchange that stalls: evhttp_connection_set_timeout applies. */
static void
test_client_timeout(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	double t0;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	evhttp_connection_set_timeout(evcon, 1);
	req = evhttp_request_new(fail_cb, NULL);
	t0 = regress_now();
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/hold");
	regress_run_until(env->base, &cres.done, 4.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.null_req, ==, 1);
	tt_assert(cres.at - t0 >= 0.9);
	tt_assert(cres.at - t0 < 2.5 * regress_slowdown());
	evhttp_connection_free(evcon);
	http_srv_stop();
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
	http_record(req);
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

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/big", big_stream_cb, NULL);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	req = evhttp_request_new(http_client_cb, NULL);
	evhttp_request_set_chunked_cb(req, http_chunk_cb);
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/big");
	regress_run_until(env->base, &cres.done, 5.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_int_op(cres.chunks, ==, 256);
	tt_str_op(cres.chunk[1], ==, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Other listeners                                                     */

static void
test_ipv6(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp *http2;
	unsigned short port;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET6);
	evcon = http_client_new(env->base, "::1", srv.port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/echo");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(srv.last_host, ==, "::1");
	{
		char host[64];

		snprintf(host, sizeof(host), "[::1]:%u", (unsigned)srv.port);
		tt_str_op(cres.xhost, ==, host);
	}
	evhttp_connection_free(evcon);

	/* evhttp_bind_socket with an IPv6 literal: find a free port first. */
	port = regress_unused_port(AF_INET6, SOCK_STREAM);
	http2 = evhttp_new(env->base);
	if (evhttp_bind_socket(http2, "::1", port) != 0)
		tt_skip("port taken between the probe and the bind");
	evhttp_set_cb(http2, "/hello", http_hello_cb, NULL);
	evcon = http_client_new(env->base, "::1", port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http2);
	http_srv_stop();
}

static void
test_bind_socket(struct regress_env *env)
{
	struct evhttp *http;
	struct evhttp_connection *evcon;
	unsigned short port;

	memset(&cres, 0, sizeof(cres));
	memset(&srv, 0, sizeof(srv));
	port = regress_unused_port(AF_INET, SOCK_STREAM);
	http = evhttp_new(env->base);
	if (evhttp_bind_socket(http, "127.0.0.1", port) != 0)
		tt_skip("port taken between the probe and the bind");
	/* The same port twice fails. */
	tt_int_op(evhttp_bind_socket(http, "127.0.0.1", port), ==, -1);
	tt_int_op(evhttp_bind_socket(http, "not an address!", 1), ==, -1);
	evhttp_set_cb(http, "/hello", http_hello_cb, NULL);
	evcon = http_client_new(env->base, "127.0.0.1", port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http);

	/* evhttp_start: the default base (env->base is event_init's). */
	port = regress_unused_port(AF_INET, SOCK_STREAM);
	http = evhttp_start("127.0.0.1", port);
	if (http == NULL)
		tt_skip("port taken between the probe and the bind");
	evhttp_set_cb(http, "/hello", http_hello_cb, NULL);
	evcon = http_client_new(env->base, "127.0.0.1", port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* The client binds the local address and port it was told to. */
static void
test_client_local_address(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	unsigned short lport;

	memset(&cres, 0, sizeof(cres));
	http_srv_start(env->base, AF_INET);
	lport = regress_unused_port(AF_INET, SOCK_STREAM);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	evhttp_connection_set_local_address(evcon, "127.0.0.1");
	evhttp_connection_set_local_port(evcon, lport);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/hello");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(srv.last_host, ==, "127.0.0.1");
	tt_int_op(srv.held == NULL, ==, 1);
	{
		/* The server saw the connection come from lport. */
		struct evhttp_connection *sc = srv.last_evcon;
		char *addr;
		unsigned short port;

		tt_assert(sc != NULL);
		evhttp_connection_get_peer(sc, &addr, &port);
		tt_str_op(addr, ==, "127.0.0.1");
		tt_int_op(port, ==, lport);
	}
	evhttp_connection_free(evcon);
	/* An address that cannot be bound: the request is refused. */
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	evhttp_connection_set_local_address(evcon, "192.0.2.1");
	{
		struct evhttp_request *req = evhttp_request_new(http_client_cb,
		    NULL);

		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
		    "/hello"), ==, -1);
		tt_ptr_op(evhttp_request_get_connection(req), ==, NULL);
		evhttp_request_free(req);
	}
	evhttp_connection_free(evcon);
	http_srv_stop();
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

	http_srv_start(env->base, AF_INET);	/* for srv.base */
	for (i = 0; i < 300; i++) {
		const char *src = seeds[i % 4];
		size_t len = strlen(src);
		char buf[512];
		struct fake_srv f;
		struct evhttp_connection *evcon;
		struct evhttp_request *req;
		unsigned short port;

		memcpy(buf, src, len);
		/* Up to 3 bytes replaced or cuts. */
		http_mutate(buf, &len, sizeof(buf), &seed, alphabet,
		    sizeof(alphabet) - 1, 3, 2);
		memset(&cres, 0, sizeof(cres));
		fake_start(env->base, &f, buf, 1, &port);
		f.reply_len = len;
		evcon = http_client_new(env->base, "127.0.0.1", port);
		evhttp_connection_set_timeout(evcon, 2);
		req = evhttp_request_new(fail_cb, NULL);
		tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"),
		    ==, 0);
		regress_run_until(env->base, &cres.done, 4.0);
		regress_run_for(env->base, 0.001);
		if (cres.done != 1)
			regress_fail(__FILE__, __LINE__, "mutation %d: %d "
			    "callbacks; response: %.*s", i, cres.done, (int)len,
			    buf);
		evhttp_connection_free(evcon);
		fake_stop(&f);
	}
	http_srv_stop();
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
	tt_int_op(evcon->output_buffer->off, ==, 0);
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
	lfd = regress_listen_loopback(AF_INET, &port);
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
	regress_run_until(env->base, &internals_written, 5);
	tt_int_op(internals_written, ==, 1);
	sfd = accept(lfd, NULL, NULL);
	tt_assert(sfd >= 0);
	http_raw_wait(env->base, sfd, in, "\r\n\r\nhi", 1, 5);
	s = http_buf_str(in);
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
	regress_run_until_count(env->base, &internals_written, 1 + 1, 5);
	tt_int_op(internals_written, ==, 2);
	sfd = accept(lfd, NULL, NULL);
	tt_assert(sfd >= 0);
	req = internals_request("/two", "");
	evhttp_make_header(evcon, req);
	tt_assert(evcon->output_buffer->off > 0);
	evhttp_write(evcon->fd, EV_WRITE, evcon);
	tt_int_op(evcon->output_buffer->off, ==, 0);
	http_raw_wait(env->base, sfd, in, "\r\n\r\n", 1, 5);
	s = http_buf_str(in);
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

struct regress_case regress_http_client_cases[] = {
	{ "http/client_internals", test_client_internals, RT_BASE, NULL },
	{ "http/client_basic", test_client_basic, RT_BASE, NULL },
	{ "http/client_post", test_client_post, RT_BASE, NULL },
	{ "http/client_keepalive", test_client_keepalive, RT_BASE, NULL },
	{ "http/client_idle_close", test_client_idle_close, RT_BASE, NULL },
	{ "http/chunked_stream", test_chunked_stream, RT_BASE, NULL },
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
	{ "http/ipv6", test_ipv6, RT_BASE, NULL },
	{ "http/bind_socket", test_bind_socket, RT_BASE, NULL },
	{ "http/client_local_address", test_client_local_address, RT_BASE,
	  NULL },
	{ "http/fuzz_responses", test_fuzz_responses, RT_BASE | RT_ONCE, NULL },
	RT_END
};
