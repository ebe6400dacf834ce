/*
 * regress_http_limits.c -- what bounds the HTTP server and client: head
 * limits of any size (and none), bodies that trickle, CR/LF handed to the
 * API (reason phrases, URIs), the client's limits on responses, the
 * memory an idle keep-alive connection keeps, and the read scratch its
 * server lends to an empty input.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http-internal.h"	/* HTTP_HEAD_HARD_MAX, the 1.4 names */
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* Sending more than the socket takes while the loop serves            */

struct sender {
	int fd;
	struct evbuffer *out;
	struct event ev;
};

static void
sender_cb(int fd, short what, void *arg)
{
	struct sender *w = arg;
	ssize_t n;

	(void)what;
	n = write(fd, w->out->buffer, w->out->off);
	if (n > 0)
		evbuffer_drain(w->out, (size_t)n);
	/* An error (the server closed) ends the sending too. */
	if (w->out->off == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		event_del(&w->ev);
}

/* Send what out holds on fd (made nonblocking) as the loop runs. */
static void
sender_start(struct sender *w, struct event_base *base, int fd,
    struct evbuffer *out)
{
	w->fd = fd;
	w->out = out;
	evutil_make_socket_nonblocking(fd);
	event_set(&w->ev, fd, EV_WRITE | EV_PERSIST, sender_cb, w);
	event_base_set(base, &w->ev);
	event_add(&w->ev, NULL);
}

/*
 * Send a GET /hello whose head is head_len bytes in all (one X-Big header
 * padded to fit), and return the status of the answer (0: none).
 */
static int
head_of_size(struct event_base *base, size_t head_len)
{
	static const char pre[] = "GET /hello HTTP/1.1\r\nConnection: close"
	    "\r\nX-Big: ";
	struct evbuffer *out = evbuffer_new(), *in = evbuffer_new();
	struct sender w;
	size_t pad = head_len - (sizeof(pre) - 1) - 4;
	int fd, status = 0;
	char *p;

	tt_assert(head_len > sizeof(pre) + 4);
	evbuffer_add(out, pre, sizeof(pre) - 1);
	tt_int_op(evbuffer_expand(out, pad + 4), ==, 0);
	memset(out->buffer + out->off, 'b', pad);
	out->off += pad;
	evbuffer_add(out, "\r\n\r\n", 4);
	tt_uint_op(out->off, ==, head_len);
	fd = regress_connect_loopback(AF_INET, srv.port);
	sender_start(&w, base, fd, out);
	if (!http_raw_wait(base, fd, in, NULL, 0, 10.0))
		regress_note("no EOF after a %zu-byte head", head_len);
	event_del(&w.ev);
	p = http_buf_str(in);
	if (strncmp(p, "HTTP/1.1 ", 9) == 0)
		status = atoi(p + 9);
	free(p);
	close(fd);
	evbuffer_free(out);
	evbuffer_free(in);
	return status;
}

/*
 * Issue 12.1: a configured head limit of any size is honoured exactly
 * (431 above it, an answer below it), and without a limit the head still
 * ends at HTTP_HEAD_HARD_MAX -- never a connection left hanging.
 */
static void
test_large_heads(struct regress_env *env)
{
	const size_t mib = 1024 * 1024;

	http_srv_start(env->base, AF_INET);
	evhttp_set_max_headers_size(srv.http, 2 * mib);
	tt_int_op(head_of_size(env->base, mib), ==, 200);
	tt_int_op(head_of_size(env->base, 2 * mib), ==, 200);
	tt_int_op(head_of_size(env->base, 2 * mib + 1), ==, 431);
	evhttp_set_max_headers_size(srv.http, 300 * 1024);
	tt_int_op(head_of_size(env->base, 300 * 1024), ==, 200);
	tt_int_op(head_of_size(env->base, 300 * 1024 + 1), ==, 431);
	tt_int_op(head_of_size(env->base, mib), ==, 431);
	evhttp_set_max_headers_size(srv.http, -1);
	tt_int_op(head_of_size(env->base, mib), ==, 200);
	tt_int_op(head_of_size(env->base, (size_t)HTTP_HEAD_HARD_MAX), ==,
	    200);
	tt_int_op(head_of_size(env->base, (size_t)HTTP_HEAD_HARD_MAX + 1), ==,
	    431);
	tt_int_op(srv.nreq, ==, 5);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Issue 12.2: bodies that trickle                                     */

struct trickle {
	int fd;
	const char *data;	/* sent after the head ... */
	size_t len, pos;
	size_t step;		/* ... step bytes at a time */
	struct timeval every;
	struct event ev;
};

static void
trickle_cb(int fd, short what, void *arg)
{
	struct trickle *t = arg;
	size_t n = t->len - t->pos < t->step ? t->len - t->pos : t->step;

	(void)fd;
	(void)what;
	if (n > 0 && write(t->fd, t->data + t->pos, n) == (ssize_t)n)
		t->pos += n;
	if (t->pos < t->len)
		evtimer_add(&t->ev, &t->every);
}

/* Send head at once, then the body step bytes every usec; return how
 * long until the server closed (the answer in in). */
static double
trickle_body(struct event_base *base, struct trickle *t, const char *head,
    struct evbuffer *in)
{
	double t0 = regress_now();
	int eof;

	t->fd = regress_connect_loopback(AF_INET, srv.port);
	t->pos = 0;
	regress_write_str(t->fd, head);
	evtimer_set(&t->ev, trickle_cb, t);
	event_base_set(base, &t->ev);
	evtimer_add(&t->ev, &t->every);
	eof = http_raw_wait(base, t->fd, in, NULL, 0, 8.0);
	event_del(&t->ev);
	close(t->fd);
	tt_int_op(eof, ==, 1);
	return regress_now() - t0;
}

static void
test_slow_body(struct regress_env *env)
{
	static char body[16384];
	struct evbuffer *in = evbuffer_new();
	struct trickle t;
	double took;

	memset(body, 'x', sizeof(body));
	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 1);

	/* One byte every 300 ms: dropped at the end of the first second,
	 * without an answer. */
	memset(&t, 0, sizeof(t));
	t.data = body;
	t.len = 100;
	t.step = 1;
	t.every.tv_usec = 300000;
	took = trickle_body(env->base, &t, "POST /echo HTTP/1.1\r\n"
	    "Content-Length: 100\r\n\r\n", in);
	regress_note("length body: dropped after %.2f s, %zu bytes", took,
	    t.pos);
	tt_assert(took >= 0.9 && took < 2.5 * regress_slowdown());
	tt_int_op(in->off, ==, 0);

	/* The same as chunks of one byte each. */
	t.data = "1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n"
	    "1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n1\r\nx\r\n0\r\n\r\n";
	t.len = strlen(t.data);
	t.step = 3;
	took = trickle_body(env->base, &t, "POST /echo HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", in);
	regress_note("chunked body: dropped after %.2f s", took);
	tt_assert(took >= 0.9 && took < 2.5 * regress_slowdown());
	tt_int_op(in->off, ==, 0);
	tt_int_op(srv.nreq, ==, 0);

	/* A body slower than the timeout in all, but 2 KiB per 400 ms, is
	 * a slow client, not an attack: it is read and answered. */
	t.data = body;
	t.len = 12 * 1024;
	t.step = 2048;
	t.every.tv_usec = 400000;
	took = trickle_body(env->base, &t, "POST /echo HTTP/1.1\r\n"
	    "Content-Length: 12288\r\nConnection: close\r\n\r\n", in);
	regress_note("steady body: answered after %.2f s", took);
	tt_assert(took > 1.5);
	tt_int_op(srv.nreq, ==, 1);
	tt_int_op(srv.last_body_len, ==, 4096);	/* the capped copy */
	tt_assert(strncmp((char *)in->buffer, "HTTP/1.1 200 OK\r\n", 17) == 0);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Issue 12.3: CR/LF handed to the API                                 */

static void
inject_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "body", 4);
	if (strcmp(req->uri, "/reply") == 0) {
		evhttp_send_reply(req, HTTP_OK, "OK\r\nX-Injected: yes", b);
	} else if (strcmp(req->uri, "/error") == 0) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL,
		    "Busy\r\nX-Injected: yes");
	} else if (strcmp(req->uri, "/start") == 0) {
		evhttp_send_reply_start(req, 201, "Made\nX-Injected: yes");
		evhttp_send_reply_chunk(req, b);
		evhttp_send_reply_end(req);
	} else {
		/* A line set by hand is checked when written, too. */
		evhttp_response_code(req, HTTP_OK, "fine");
		free(req->response_code_line);
		req->response_code_line = strdup("OK\rX-Injected: yes");
		evhttp_send_page(req, b);
	}
	evbuffer_free(b);
}

static void
test_crlf_injection(struct regress_env *env)
{
	static const struct {
		const char *uri, *status;
	} cases[] = {
		{ "/reply", "HTTP/1.1 200 OK\r\n" },
		{ "/error", "HTTP/1.1 503 Service Unavailable\r\n" },
		{ "/start", "HTTP/1.1 201 Created\r\n" },
		{ "/page", "HTTP/1.1 200 OK\r\n" },
	};
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct evbuffer *in = evbuffer_new();
	size_t i;

	http_srv_start(env->base, AF_INET);
	evhttp_set_gencb(srv.http, inject_cb, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[128], *r;
		int fd = regress_connect_loopback(AF_INET, srv.port);

		snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\n"
		    "Connection: close\r\n\r\n", cases[i].uri);
		regress_write_str(fd, line);
		evbuffer_drain(in, in->off);
		tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==,
		    1);
		r = http_buf_str(in);
		regress_note("%s: %.60s", cases[i].uri, r);
		tt_assert(strncmp(r, cases[i].status,
		    strlen(cases[i].status)) == 0);
		tt_ptr_op(strstr(r, "X-Injected"), ==, NULL);
		free(r);
		close(fd);
	}

	/* The client refuses a URI that would end the request line. */
	memset(&cres, 0, sizeof(cres));
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	req = evhttp_request_new(http_client_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
	    "/a HTTP/1.1\r\nHost: x\r\n\r\nGET /b"), ==, -1);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
	    "/a\nb"), ==, -1);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
	    "/a b"), ==, -1);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, ""), ==, -1);
	/* Still the caller's, and nothing reached the server. */
	tt_ptr_op(req->evcon, ==, NULL);
	regress_run_for(env->base, 0.1);
	tt_int_op(srv.nreq, ==, 0);
	tt_int_op(cres.done, ==, 0);
	/* A good URI on the same request and connection still works. */
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/reply"),
	    ==, 0);
	tt_int_op(regress_run_until(env->base, &cres.done, 3.0), ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.line, ==, "OK");
	evhttp_connection_free(evcon);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Issue 12.7: the client's limits                                     */

/* Answer with the body size and framing the URI asks for. */
static void
sized_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	int n = atoi(req->uri + 1), i;

	(void)arg;
	if (strstr(req->uri, "hdr") != NULL) {
		char v[512];

		memset(v, 'h', sizeof(v) - 1);
		v[sizeof(v) - 1] = '\0';
		evhttp_add_header(req->output_headers, "X-Long", v);
	}
	if (strstr(req->uri, "chunks") != NULL) {
		/* n bytes in chunks of 1000 */
		evhttp_send_reply_start(req, HTTP_OK, "OK");
		for (i = 0; i < n; i += 1000) {
			while (b->off < 1000)
				evbuffer_add(b, "0123456789", 10);
			evhttp_send_reply_chunk(req, b);
		}
		evhttp_send_reply_end(req);
	} else {
		for (i = 0; i < n; i++)
			evbuffer_add(b, "z", 1);
		evhttp_send_reply(req, HTTP_OK, "OK", b);
	}
	evbuffer_free(b);
}

/* GET uri on evcon (with a chunk callback if chunked): 1 if the response
 * came, 0 if the request failed (callback with NULL). */
static int
client_get_ok(struct event_base *base, struct evhttp_connection *evcon,
    const char *uri, int chunked)
{
	struct evhttp_request *req = evhttp_request_new(http_client_cb, NULL);

	memset(&cres, 0, sizeof(cres));
	tt_assert(req != NULL);
	if (chunked)
		evhttp_request_set_chunked_cb(req, http_chunk_cb);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, uri), ==, 0);
	tt_int_op(regress_run_until(base, &cres.done, 3.0), ==, 1);
	return cres.null_req == 0;
}

static void
test_client_limits(struct regress_env *env)
{
	struct evhttp_connection *evcon;

	http_srv_start(env->base, AF_INET);
	evhttp_set_gencb(srv.http, sized_cb, NULL);
	evcon = http_client_new(env->base, "127.0.0.1", srv.port);
	evhttp_connection_set_max_body_size(evcon, 1500);
	tt_int_op(client_get_ok(env->base, evcon, "/1500", 0), ==, 1);
	tt_int_op(cres.body_len, ==, 1500);
	tt_int_op(client_get_ok(env->base, evcon, "/1501", 0), ==, 0);
	tt_int_op(client_get_ok(env->base, evcon, "/3000chunks", 0), ==, 0);
	/* With a chunk callback each chunk is delivered and forgotten: the
	 * limit bounds one chunk, not the whole stream. */
	tt_int_op(client_get_ok(env->base, evcon, "/5000chunks", 1), ==, 1);
	tt_int_op(cres.chunks, ==, 5);
	evhttp_connection_set_max_body_size(evcon, -1);
	tt_int_op(client_get_ok(env->base, evcon, "/100000", 0), ==, 1);
	tt_int_op(cres.body_len, ==, 70000);	/* the capped copy */
	/* The head limit. */
	evhttp_connection_set_max_headers_size(evcon, 400);
	tt_int_op(client_get_ok(env->base, evcon, "/1", 0), ==, 1);
	tt_int_op(client_get_ok(env->base, evcon, "/1hdr", 0), ==, 0);
	evhttp_connection_set_max_headers_size(evcon, -1);
	tt_int_op(client_get_ok(env->base, evcon, "/1hdr", 0), ==, 1);
	evhttp_connection_free(evcon);
	http_srv_stop();
}

/* The default body limit of a client connection is 64 MiB. */
static void
test_client_default_limit(struct regress_env *env)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 67108865\r\n\r\n";
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	int lfd, sfd;

	memset(&cres, 0, sizeof(cres));
	lfd = regress_listen_loopback(AF_INET, &port);
	evcon = http_client_new(env->base, "127.0.0.1", port);
	req = evhttp_request_new(http_client_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	sfd = accept(lfd, NULL, NULL);
	tt_assert(sfd >= 0);
	regress_write_str(sfd, reply);
	tt_int_op(regress_run_until(env->base, &cres.done, 3.0), ==, 1);
	tt_int_op(cres.null_req, ==, 1);
	evhttp_connection_free(evcon);
	close(sfd);
	close(lfd);
}

/* ------------------------------------------------------------------ */
/* Issue 12.8: the heap an idle keep-alive connection keeps            */

#if defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#define HAVE_HEAP_STATS 1
static long
heap_in_use(void)
{
	return (long)mallinfo2().uordblks;
}
#elif defined(_WIN32)
#define HAVE_HEAP_STATS 1
/* The C library's heap (the library allocates from the same one): the
 * bytes of its used blocks. */
static long
heap_in_use(void)
{
	_HEAPINFO hi;
	long n = 0;

	hi._pentry = NULL;
	while (_heapwalk(&hi) == _HEAPOK)
		if (hi._useflag == _USEDENTRY)
			n += (long)hi._size;
	return n;
}
#endif

#define IDLE_CONNS	200

static void
test_idle_memory(struct regress_env *env)
{
#ifdef HAVE_HEAP_STATS
	static int fds[IDLE_CONNS];
	struct evbuffer *in = evbuffer_new();
	double end;
	long before, per = 0;
	char *probe;
	int i;

	/* Valgrind and sanitizers bring their own malloc. */
	before = heap_in_use();
	probe = malloc(65536);
	if (probe == NULL || heap_in_use() - before < 65536)
		tt_skip("no heap statistics (valgrind or a sanitizer)");
	free(probe);
	tt_int_op(evbuffer_expand(in, 1 << 20), ==, 0);
	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 30);
	evhttp_set_gencb(srv.http, sized_cb, NULL);
	before = heap_in_use();
	for (i = 0; i < IDLE_CONNS; i++) {
		/* Half get a 64 KiB reply: big buffers must go too. */
		fds[i] = regress_connect_loopback(AF_INET, srv.port);
		regress_write_str(fds[i], i % 2 ?
		    "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n" :
		    "GET /65536 HTTP/1.1\r\nHost: a\r\n\r\n");
		evbuffer_drain(in, in->off);
		http_raw_wait(env->base, fds[i], in, i % 2 ? "hello" : "zzzzz",
		    1, 3.0);
		end = regress_now() + 3.0 * regress_slowdown();
		while (i % 2 == 0 && in->off < 65536 && regress_now() < end)
			http_raw_wait(env->base, fds[i], in, NULL, 0, 0.05);
		tt_assert(i % 2 == 1 || in->off >= 65536);
	}
	/* Idle now: within a few seconds they give back their buffers. */
	end = regress_now() + 5.0 * regress_slowdown();
	do {
		regress_run_for(env->base, 0.1);
		per = (heap_in_use() - before) / IDLE_CONNS;
	} while (per >= 4096 && regress_now() < end);
	regress_note("heap per idle connection: %ld bytes", per);
	tt_int_op(per, <, 4096);
	for (i = 0; i < IDLE_CONNS; i++)
		close(fds[i]);
	evbuffer_free(in);
	http_srv_stop();
#else
	(void)env;
	tt_skip("no mallinfo2() here");
#endif
}

/* ------------------------------------------------------------------ */
/* The server's read scratch, lent to one connection at a time         */

static int nest_fd1, nest_fd2;
static struct event_base *nest_base;

/* /nest: while the first connection's input borrows the scratch (with a
 * pipelined partial request in it), a nested loop serves a second
 * connection's request, longer than the first connection's data (if it
 * were read into the same scratch, it would overwrite that), and then
 * reads the rest of the partial request. */
static void
nest_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	double end = regress_now() + 3.0 * regress_slowdown();

	(void)arg;
	http_record(req);
	regress_write_str(nest_fd2, "GET /hello?a-query-longer-than-all-the-"
	    "first-connection-sent HTTP/1.1\r\nHost: b\r\n\r\n");
	while (srv.nreq < 2 && regress_now() < end)
		regress_run_for(nest_base, 0.02);
	regress_write_str(nest_fd1, "st: a\r\n\r\n");
	regress_run_for(nest_base, 0.2);
	evbuffer_add_printf(b, "nested");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* /free: the server is freed from the handler that holds the scratch,
 * with a partial request behind the one answered. */
static void
free_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
	evbuffer_add_printf(b, "freed");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
	evhttp_free(srv.http);
	srv.http = NULL;
}

/*
 * An empty input parses what arrives in its server's scratch storage: the
 * rest of a partial request is kept whatever happens meanwhile (a nested
 * loop reads more on the same connection and serves another one), and
 * freeing the server from the handler ends the connection cleanly.
 */
static void
test_borrowed_input(struct regress_env *env)
{
	struct evbuffer *in1 = evbuffer_new(), *in2 = evbuffer_new();
	char *r;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/nest", nest_cb, NULL);
	evhttp_set_cb(srv.http, "/free", free_cb, NULL);
	nest_base = env->base;
	nest_fd1 = regress_connect_loopback(AF_INET, srv.port);
	nest_fd2 = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(nest_fd1, "GET /nest HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /hello HTTP/1.1\r\nHo");
	http_raw_wait(env->base, nest_fd1, in1, "\r\n\r\nhello", 1, 3.0);
	http_raw_wait(env->base, nest_fd2, in2, "\r\n\r\nhello", 1, 3.0);
	/* The second connection was answered inside the nested loop. */
	r = http_buf_str(in2);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\n\r\nhello 2") != NULL);
	free(r);
	/* The first: its two replies in order, the second complete. */
	r = http_buf_str(in1);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\n\r\nnestedHTTP/1.1 200 OK\r\n") != NULL);
	tt_assert(strstr(r, "\r\n\r\nhello 3") != NULL);
	free(r);
	tt_int_op(srv.nreq, ==, 3);

	/* Freed from the handler: the reply goes out, then the close. */
	evbuffer_drain(in1, in1->off);
	regress_write_str(nest_fd1, "GET /free HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /hello HTTP/1.1\r\nHo");
	tt_int_op(http_raw_wait(env->base, nest_fd1, in1, NULL, 0, 3.0), ==,
	    1);
	r = http_buf_str(in1);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\n\r\nfreed") != NULL);
	tt_ptr_op(strstr(r, "hello"), ==, NULL);
	free(r);
	tt_ptr_op(srv.http, ==, NULL);
	close(nest_fd1);
	close(nest_fd2);
	evbuffer_free(in1);
	evbuffer_free(in2);
}

/* ------------------------------------------------------------------ */
/* Finished requests are shared by the server's connections            */

#define NKEEP	40

static struct {
	unsigned short port;	/* remote_port seen */
	int nheaders;
	char uri[32];
} peer_seen[4];
static int npeer_seen;
static struct evhttp_request *kept[NKEEP];
static int nkept;

static void
peer_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyval *h;

	(void)arg;
	if (npeer_seen < 4) {
		peer_seen[npeer_seen].port = req->remote_port;
		TAILQ_FOREACH(h, req->input_headers, next)
			peer_seen[npeer_seen].nheaders++;
		snprintf(peer_seen[npeer_seen].uri, sizeof(peer_seen[0].uri),
		    "%s", req->uri);
		npeer_seen++;
	}
	evbuffer_add_printf(b, "peer");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
keep_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (nkept < NKEEP)
		kept[nkept++] = req;
}

/* The local port of a connected socket. */
static unsigned short
local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 0;
	return ntohs(sin.sin_port);
}

/*
 * A request recycled from one connection serves the next on another as
 * new: that connection's peer, only its own headers and target.  At most
 * HTTP_SPARES_MAX finished requests are kept, however many were in
 * flight at once.
 */
static void
test_spare_requests(struct regress_env *env)
{
	static const char *const reqs[] = {
		"GET /peer?1 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-B: 2\r\n\r\n",
		"GET /peer?2 HTTP/1.1\r\nHost: b\r\n\r\n",
		"GET /peer HTTP/1.1\r\nHost: a\r\nX-C: 3\r\n\r\n"
	};
	struct evbuffer *in = evbuffer_new();
	int fds[NKEEP], i;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/peer", peer_cb, NULL);
	evhttp_set_cb(srv.http, "/keep", keep_cb, NULL);
	fds[0] = regress_connect_loopback(AF_INET, srv.port);
	fds[1] = regress_connect_loopback(AF_INET, srv.port);
	for (i = 0; i < 3; i++) {
		evbuffer_drain(in, in->off);
		regress_write_str(fds[i % 2], reqs[i]);
		http_raw_wait(env->base, fds[i % 2], in, "\r\n\r\npeer", 1,
		    3.0);
	}
	tt_int_op(npeer_seen, ==, 3);
	tt_int_op(peer_seen[0].port, ==, local_port(fds[0]));
	tt_int_op(peer_seen[1].port, ==, local_port(fds[1]));
	tt_int_op(peer_seen[2].port, ==, local_port(fds[0]));
	tt_int_op(peer_seen[0].nheaders, ==, 3);
	tt_int_op(peer_seen[1].nheaders, ==, 1);
	tt_int_op(peer_seen[2].nheaders, ==, 2);
	tt_str_op(peer_seen[0].uri, ==, "/peer?1");
	tt_str_op(peer_seen[1].uri, ==, "/peer?2");
	tt_str_op(peer_seen[2].uri, ==, "/peer");
	tt_int_op(srv.http->nspares, ==, 1);
	close(fds[0]);
	close(fds[1]);

	for (i = 0; i < NKEEP; i++) {
		fds[i] = regress_connect_loopback(AF_INET, srv.port);
		regress_write_str(fds[i], "GET /keep HTTP/1.1\r\nHost: k\r\n"
		    "\r\n");
	}
	regress_run_until_count(env->base, &nkept, NKEEP, 3.0);
	tt_int_op(nkept, ==, NKEEP);
	tt_int_op(srv.http->nspares, ==, 0);
	for (i = 0; i < NKEEP; i++)
		evhttp_send_reply(kept[i], HTTP_OK, "OK", NULL);
	for (i = 0; i < NKEEP; i++) {
		evbuffer_drain(in, in->off);
		http_raw_wait(env->base, fds[i], in, "\r\n\r\n", 1, 3.0);
		tt_assert(strncmp((char *)in->buffer, "HTTP/1.1 200 OK", 15) ==
		    0);
	}
	regress_run_for(env->base, 0.05);
	tt_int_op(srv.http->nspares, ==, HTTP_SPARES_MAX);
	for (i = 0; i < NKEEP; i++)
		close(fds[i]);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* A recycled request's parsed headers are reused for the next parse  */

static char hdr_seen[8][256];
static int nhdr_seen;

/* Records "key=value;..." of the input headers, then edits them the ways
 * a program may: its own value string, a removed header, an added one. */
static void
hdr_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyval *h;
	size_t n = 0;

	(void)arg;
	if (nhdr_seen < 8) {
		TAILQ_FOREACH(h, req->input_headers, next)
			n += (size_t)snprintf(hdr_seen[nhdr_seen] + n,
			    n < 256 ? 256 - n : 0, "%s=%s;", h->key, h->value);
		nhdr_seen++;
	}
	if ((h = TAILQ_FIRST(req->input_headers)) != NULL &&
	    strcmp(h->key, "X-Own") == 0) {
		/* (The old value lives in the entry: not freed.) */
		h->value = strdup("a value of the program's own");
	}
	evhttp_remove_header(req->input_headers, "X-Gone");
	evhttp_add_header(req->input_headers, "X-Added", "by the program");
	evbuffer_add_printf(b, "hdr");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * Each request on a keep-alive connection sees exactly its own headers,
 * whether they are longer or shorter than the last request's, folded,
 * or edited by the program; the spares a finished request keeps are
 * bounded.
 */
static void
test_spare_headers(struct regress_env *env)
{
	static const char *const reqs[] = {
		"GET /hdr HTTP/1.1\r\nHost: a\r\nX-Gone: 1\r\nX-B: 2\r\n\r\n",
		"GET /hdr HTTP/1.1\r\nHost: a much longer host name\r\n"
		    "X-B: a longer value than before\r\n\r\n",
		"GET /hdr HTTP/1.1\r\nX-Own: short\r\nHost: b\r\n\r\n",
		"GET /hdr HTTP/1.1\r\nHost: c\r\nX-F: one\r\n two\r\n\r\n",
		"GET /hdr HTTP/1.1\r\nX-1: 1\r\nX-2: 2\r\nX-3: 3\r\n"
		    "X-4: 4\r\nX-5: 5\r\nX-6: 6\r\nX-7: 7\r\nX-8: 8\r\n"
		    "X-9: 9\r\nX-10: 10\r\nX-11: 11\r\nX-12: 12\r\n"
		    "X-13: 13\r\nX-14: 14\r\nX-15: 15\r\nX-16: 16\r\n"
		    "X-17: 17\r\nX-18: 18\r\n\r\n",
		"GET /hdr HTTP/1.1\r\nHost: d\r\n\r\n",
	};
	static const char *const want[] = {
		"Host=a;X-Gone=1;X-B=2;",
		"Host=a much longer host name;X-B=a longer value than before;",
		"X-Own=short;Host=b;",
		"Host=c;X-F=one two;",
		"X-1=1;X-2=2;X-3=3;X-4=4;X-5=5;X-6=6;X-7=7;X-8=8;X-9=9;"
		    "X-10=10;X-11=11;X-12=12;X-13=13;X-14=14;X-15=15;X-16=16;"
		    "X-17=17;X-18=18;",
		"Host=d;",
	};
	struct evbuffer *in = evbuffer_new();
	struct evhttp_request *spare;
	int fd, i;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/hdr", hdr_cb, NULL);
	fd = regress_connect_loopback(AF_INET, srv.port);
	for (i = 0; i < 6; i++) {
		evbuffer_drain(in, in->off);
		regress_write_str(fd, reqs[i]);
		tt_int_op(http_raw_wait(env->base, fd, in, "\r\n\r\nhdr", 1,
		    3.0), ==, 0);	/* (1: the server closed) */
		tt_int_op(nhdr_seen, ==, i + 1);
		tt_str_op(hdr_seen[i], ==, want[i]);
		regress_run_for(env->base, 0.01);
		spare = TAILQ_FIRST(&srv.http->spares);
		tt_assert(spare != NULL);
		tt_int_op(REQ_PRIV(spare)->nspare_headers, <=, 16);
	}
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* The head writer knows the application's framing headers in any case */

static void
oddcase_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evhttp_add_header(req->output_headers, "date", "Thu, 01 Jan 1970 "
	    "00:00:00 GMT");
	evhttp_add_header(req->output_headers, "CONTENT-TYPE", "a/b");
	evhttp_add_header(req->output_headers, "content-LENGTH", "2");
	evhttp_add_header(req->output_headers, "connection", "Close");
	evhttp_add_header(req->output_headers, "Content-Typo", "c/d");
	evbuffer_add(b, "ok", 2);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * Date, Content-Type, Content-Length and Connection set by the
 * application in any case replace the server's own (none is sent twice),
 * "connection: Close" ends the connection, and a near miss of a name is
 * just another header.
 */
static void
test_reply_header_case(struct regress_env *env)
{
	struct evbuffer *in = evbuffer_new();
	char *r;
	int fd;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/odd", oddcase_cb, NULL);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /odd HTTP/1.1\r\nHost: a\r\n\r\n");
	/* The server closes after the reply: 1 (EOF). */
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	r = http_buf_str(in);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_int_op(http_count(in, "ate: "), ==, 1);
	tt_assert(strstr(r, "\r\ndate: Thu, 01 Jan 1970") != NULL);
	tt_int_op(http_count(in, "ontent-Type: "), ==, 0);
	tt_int_op(http_count(in, "CONTENT-TYPE: a/b\r\n"), ==, 1);
	tt_int_op(http_count(in, "Content-Typo: c/d\r\n"), ==, 1);
	tt_int_op(http_count(in, "Content-Length"), ==, 0);
	tt_int_op(http_count(in, "content-LENGTH: 2\r\n"), ==, 1);
	tt_int_op(http_count(in, "onnection: "), ==, 1);
	tt_assert(strstr(r, "\r\n\r\nok") != NULL);
	free(r);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

struct regress_case regress_http_limits_cases[] = {
	{ "http/large_heads", test_large_heads, RT_BASE | RT_SLOW, NULL },
	{ "http/slow_body", test_slow_body, RT_BASE | RT_SLOW, NULL },
	{ "http/crlf_injection", test_crlf_injection, RT_BASE, NULL },
	{ "http/client_limits", test_client_limits, RT_BASE, NULL },
	{ "http/client_default_limit", test_client_default_limit, RT_BASE,
	  NULL },
	{ "http/idle_memory", test_idle_memory, RT_BASE | RT_SLOW, NULL },
	{ "http/borrowed_input", test_borrowed_input, RT_BASE, NULL },
	{ "http/spare_requests", test_spare_requests, RT_BASE, NULL },
	{ "http/spare_headers", test_spare_headers, RT_BASE, NULL },
	{ "http/reply_header_case", test_reply_header_case, RT_BASE, NULL },
	RT_END
};
