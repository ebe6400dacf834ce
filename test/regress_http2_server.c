/*
 * regress_http2_server.c -- a server of the libevent 2.x view
 * (<event2/http.h> first): the methods as bits and which are served,
 * evhttp_set_allowed_methods, the request accessors, evhttp_set_cb's
 * int result, evhttp_parse_query's, owning a server request and its
 * completion callback.  The same objects through the 1.4 calls and
 * fields are in regress_http2_mixed.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event2/http.h"
#include "event2/http_struct.h"
#include "event2/http_compat.h"
#include "event2/buffer.h"
#include "event2/keyvalq_struct.h"
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"
#include "regress_http2.h"

/* What the handler saw of the last request. */
static struct {
	int n;
	int cmd;
	int type;		/* req->type */
	char uri[64];
	char path[64];
	char query[64];
	char host[64];
	char xa[16];		/* the X-A header */
	char body[64];
	int server_ok;		/* get_server(get_connection) was it */
	int addr_family;
	struct evhttp_request *owned;
	int completed;		/* on_complete calls */
	struct evhttp_request *completed_req;
} h2;

static void
copy(char *out, size_t len, const char *s)
{
	evutil_snprintf(out, len, "%s", s != NULL ? s : "(null)");
}

static void
complete_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h2.completed++;
	h2.completed_req = req;
}

/* Record the request through the accessors; answer "cmd=N". */
static void
h2_handler(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct sockaddr *sa = evhttp_connection_get_addr(evcon);
	size_t n = evbuffer_get_length(in);

	h2.n++;
	h2.cmd = (int)evhttp_request_get_command(req);
	h2.type = (int)req->type;
	copy(h2.uri, sizeof(h2.uri), evhttp_request_get_uri(req));
	copy(h2.path, sizeof(h2.path), u ? evhttp_uri_get_path(u) : NULL);
	copy(h2.query, sizeof(h2.query), u ? evhttp_uri_get_query(u) : NULL);
	copy(h2.host, sizeof(h2.host), evhttp_request_get_host(req));
	copy(h2.xa, sizeof(h2.xa), evhttp_find_header(
	    evhttp_request_get_input_headers(req), "X-A"));
	if (n >= sizeof(h2.body))
		n = sizeof(h2.body) - 1;
	evbuffer_remove(in, h2.body, n);
	h2.body[n] = '\0';
	h2.server_ok = evhttp_connection_get_server(evcon) == arg;
	h2.addr_family = sa != NULL ? sa->sa_family : -1;
	if (evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Own") != NULL) {
		evhttp_request_own(req);
		h2.owned = req;
	}
	evhttp_request_set_on_complete_cb(req, complete_cb, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Cmd",
	    "yes");
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "cmd=%d",
	    h2.cmd);
	evhttp_send_reply(req, HTTP_OK, "OK",
	    evhttp_request_get_output_buffer(req));
}

struct evhttp *
h2_server(struct event_base *base, unsigned short *port)
{
	struct evhttp *http = evhttp_new(base);
	int fd;

	tt_assert(http != NULL);
	fd = regress_listen_loopback(AF_INET, port);
	tt_int_op(evhttp_accept_socket(http, fd), ==, 0);
	evhttp_set_gencb(http, h2_handler, http);
	memset(&h2, 0, sizeof(h2));
	return http;
}

const char *
h2_last_host(void)
{
	return h2.host;
}

int
h2_ask(struct event_base *base, unsigned short port, const char *msg,
    char *out, size_t outlen)
{
	struct evbuffer *in = evbuffer_new();
	int fd = regress_connect_loopback(AF_INET, port), code = -1;
	char *s;

	regress_write_str(fd, msg);
	if (!http_raw_wait(base, fd, in, NULL, 0, 3.0))
		tt_fail("the server did not close");
	s = http_buf_str(in);
	if (strncmp(s, "HTTP/1.", 7) == 0 && s[8] == ' ')
		code = atoi(s + 9);
	if (out != NULL)
		copy(out, outlen, s);
	free(s);
	evbuffer_free(in);
	EVUTIL_CLOSESOCKET(fd);
	return code;
}

/* Ask method for /m; the status.  The request closes the connection. */
static int
ask_method(struct event_base *base, unsigned short port, const char *m)
{
	char msg[128];

	evutil_snprintf(msg, sizeof(msg), "%s /m HTTP/1.1\r\nHost: h\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n", m);
	return h2_ask(base, port, msg, NULL, 0);
}

static void
test_methods_default(struct regress_env *env)
{
	static const struct { const char *m; int code, cmd; } t[] = {
		{ "GET", 200, EVHTTP_REQ_GET },
		{ "POST", 200, EVHTTP_REQ_POST },
		{ "HEAD", 200, EVHTTP_REQ_HEAD },
		{ "PUT", 200, EVHTTP_REQ_PUT },
		{ "DELETE", 200, EVHTTP_REQ_DELETE },
		{ "OPTIONS", 501, 0 }, { "TRACE", 501, 0 },
		{ "CONNECT", 501, 0 }, { "PATCH", 501, 0 }, { "BREW", 501, 0 },
		{ "get", 501, 0 }
	};
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	size_t i;
	int n = 0;

	tt_int_op(EVHTTP_REQ_GET, ==, 1);
	tt_int_op(EVHTTP_REQ_PATCH, ==, 256);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		h2.cmd = 0;
		if (ask_method(env->base, port, t[i].m) != t[i].code)
			tt_fail(t[i].m);
		if (t[i].code == 200)
			n++;
		tt_int_op(h2.n, ==, n);
		tt_int_op(h2.cmd, ==, t[i].cmd);
		if (t[i].code == 200)
			tt_int_op(h2.type, ==, t[i].cmd);	/* bits */
	}
	evhttp_free(http);
}

static void
test_allowed_methods(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);

	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_OPTIONS);
	tt_int_op(ask_method(env->base, port, "PATCH"), ==, 200);
	tt_int_op(h2.cmd, ==, EVHTTP_REQ_PATCH);
	tt_int_op(ask_method(env->base, port, "OPTIONS"), ==, 200);
	tt_int_op(h2.cmd, ==, EVHTTP_REQ_OPTIONS);
	tt_int_op(ask_method(env->base, port, "GET"), ==, 200);
	tt_int_op(ask_method(env->base, port, "POST"), ==, 501);
	tt_int_op(ask_method(env->base, port, "PUT"), ==, 501);
	tt_int_op(h2.n, ==, 3);
	/* Nothing allowed: everything refused, bits outside the set too. */
	evhttp_set_allowed_methods(http, 0xfe00);
	tt_int_op(ask_method(env->base, port, "GET"), ==, 501);
	tt_int_op(h2.n, ==, 3);
	evhttp_free(http);
}

static void
test_request_accessors(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	char out[512];

	tt_int_op(h2_ask(env->base, port, "PUT /p/a%20b?x=1&y=2 HTTP/1.1\r\n"
	    "Host: Example.COM:8080\r\nX-A: va\r\nContent-Length: 4\r\n"
	    "Connection: close\r\n\r\nbody", out, sizeof(out)), ==, 200);
	tt_str_op(h2.uri, ==, "/p/a%20b?x=1&y=2");
	tt_str_op(h2.path, ==, "/p/a%20b");
	tt_str_op(h2.query, ==, "x=1&y=2");
	tt_str_op(h2.host, ==, "example.com");
	tt_str_op(h2.xa, ==, "va");
	tt_str_op(h2.body, ==, "body");
	tt_int_op(h2.server_ok, ==, 1);
	tt_int_op(h2.addr_family, ==, AF_INET);
	tt_assert(strstr(out, "\r\nX-Cmd: yes\r\n") != NULL);
	tt_assert(strstr(out, "\r\n\r\ncmd=8") != NULL);
	/* An absolute URI names the host; an IPv6 Host keeps brackets. */
	tt_int_op(h2_ask(env->base, port, "GET http://Abs.example/q HTTP/1.1"
	    "\r\nHost: other\r\nConnection: close\r\n\r\n", NULL, 0), ==, 200);
	tt_str_op(h2.host, ==, "abs.example");
	tt_str_op(h2.path, ==, "/q");
	tt_int_op(h2_ask(env->base, port, "GET / HTTP/1.1\r\nHost: [::1]:80"
	    "\r\nConnection: close\r\n\r\n", NULL, 0), ==, 200);
	tt_str_op(h2.host, ==, "[::1]");
	/* HTTP/1.0 without Host: none. */
	tt_int_op(h2_ask(env->base, port, "GET / HTTP/1.0\r\n\r\n", NULL, 0),
	    ==, 200);
	tt_str_op(h2.host, ==, "(null)");
	tt_int_op(h2.completed, ==, 4);
	evhttp_free(http);
}

static void
test_set_cb_result(struct regress_env *env)
{
	struct evhttp *http = evhttp_new(env->base);
	struct evkeyvalq q;

	tt_int_op(evhttp_set_cb(http, "/a", h2_handler, NULL), ==, 0);
	tt_int_op(evhttp_set_cb(http, "/a", h2_handler, NULL), ==, -2);
	tt_int_op(evhttp_set_cb(http, "/b", h2_handler, NULL), ==, 0);
	tt_int_op(evhttp_del_cb(http, "/a"), ==, 0);
	tt_int_op(evhttp_set_cb(http, "/a", h2_handler, NULL), ==, 0);
	tt_int_op(evhttp_del_cb(http, "/zz"), ==, -1);
	evhttp_free(http);
	tt_int_op(evhttp_parse_query("/x?a=1&b=%20", &q), ==, 0);
	tt_str_op(evhttp_find_header(&q, "b"), ==, " ");
	evhttp_clear_headers(&q);
	tt_int_op(evhttp_parse_query("/x?a", &q), ==, -1);
	tt_assert(TAILQ_EMPTY(&q));
	tt_int_op(evhttp_parse_query("/x", &q), ==, 0);
	tt_assert(TAILQ_EMPTY(&q));
}

/* A server request the program owns survives its reply. */
static void
test_own_server_request(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);

	tt_int_op(h2_ask(env->base, port, "GET /own?k=v HTTP/1.1\r\nHost: h"
	    "\r\nX-Own: 1\r\nConnection: close\r\n\r\n", NULL, 0), ==, 200);
	tt_assert(h2.owned != NULL);
	tt_int_op(h2.completed, ==, 1);
	tt_ptr_op(h2.completed_req, ==, h2.owned);
	tt_int_op(evhttp_request_is_owned(h2.owned), ==, 1);
	tt_str_op(evhttp_request_get_uri(h2.owned), ==, "/own?k=v");
	tt_ptr_op(evhttp_request_get_connection(h2.owned), ==, NULL);
	evhttp_request_free(h2.owned);
	evhttp_free(http);
}

/* http_struct.h's body is 1.4.15's: the 2.x view reads the same fields. */
static void
test_struct_view(struct regress_env *env)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);

	(void)env;
	tt_ptr_op(evhttp_request_get_input_headers(req), ==,
	    req->input_headers);
	tt_ptr_op(evhttp_request_get_output_buffer(req), ==,
	    req->output_buffer);
	tt_int_op(evhttp_request_is_owned(req), ==, 0);
	req->response_code = 302;
	tt_int_op(evhttp_request_get_response_code(req), ==, 302);
	tt_ptr_op(evhttp_request_get_response_code_line(req), ==, NULL);
	tt_ptr_op(evhttp_request_get_uri(req), ==, NULL);
	tt_ptr_op(evhttp_request_get_evhttp_uri(req), ==, NULL);
	tt_ptr_op(evhttp_request_get_host(req), ==, NULL);
	tt_int_op(EVHTTP_USER_OWNED, ==, 0x0004);
	evhttp_request_own(req);
	tt_int_op(req->flags & EVHTTP_USER_OWNED, ==, EVHTTP_USER_OWNED);
	evhttp_request_free(req);
}

/* Streaming with a callback per chunk once it is written. */
static struct {
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	int written[4];
	int nwritten;
	int bad_evcon;
} st;

static void
chunk_written_cb(struct evhttp_connection *evcon, void *arg)
{
	if (evcon != st.evcon)
		st.bad_evcon++;
	if (st.nwritten < 4)
		st.written[st.nwritten] = (int)(size_t)arg;
	st.nwritten++;
}

static void
stream_handler(struct evhttp_request *req, void *arg)
{
	(void)arg;
	st.req = req;
	st.evcon = evhttp_request_get_connection(req);
	evhttp_send_reply_start(req, HTTP_OK, "OK");
}

static void
send_chunk(const char *s, int id)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, s, strlen(s));
	evhttp_send_reply_chunk_with_cb(st.req, b,
	    chunk_written_cb, (void *)(size_t)id);
	evbuffer_free(b);
}

static void
test_chunk_with_cb(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evbuffer *in = evbuffer_new();
	int fd;

	memset(&st, 0, sizeof(st));
	evhttp_set_cb(http, "/s", stream_handler, NULL);
	fd = regress_connect_loopback(AF_INET, port);
	regress_write_str(fd, "GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
	if (!http_raw_wait(env->base, fd, in, "\r\n\r\n", 1, 3.0) &&
	    st.req == NULL)
		tt_fail("no reply head");
	tt_assert(st.req != NULL);
	send_chunk("first", 1);
	tt_int_op(st.nwritten, ==, 0);		/* from the loop */
	http_raw_wait(env->base, fd, in, "first", 1, 3.0);
	regress_run_for(env->base, 0.02);
	tt_int_op(st.nwritten, ==, 1);
	send_chunk("second", 2);
	http_raw_wait(env->base, fd, in, "second", 1, 3.0);
	regress_run_for(env->base, 0.02);
	tt_int_op(st.nwritten, ==, 2);
	tt_int_op(st.written[0], ==, 1);
	tt_int_op(st.written[1], ==, 2);
	tt_int_op(st.bad_evcon, ==, 0);
	tt_int_op(http_count(in, "5\r\nfirst\r\n6\r\nsecond\r\n"), ==, 1);
	evhttp_send_reply_end(st.req);
	http_raw_wait(env->base, fd, in, "0\r\n\r\n", 1, 3.0);
	tt_int_op(http_count(in, "0\r\n\r\n"), ==, 1);
	tt_int_op(st.nwritten, ==, 2);
	EVUTIL_CLOSESOCKET(fd);
	evbuffer_free(in);
	evhttp_free(http);
}

/* evhttp_start of the 2.x view: a 2.x server (bits, PUT served). */
static void
test_start_2x(struct regress_env *env)
{
	unsigned short port = regress_unused_port(AF_INET, SOCK_STREAM);
	struct evhttp *http = evhttp_start("127.0.0.1", port);

	if (http == NULL)
		tt_skip("the unused port was taken meanwhile");
	evhttp_set_gencb(http, h2_handler, http);
	memset(&h2, 0, sizeof(h2));
	tt_int_op(h2_ask(env->base, port, "PUT / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n", NULL, 0), ==,
	    200);
	tt_int_op(h2.type, ==, EVHTTP_REQ_PUT);
	evhttp_free(http);
}

struct regress_case regress_http2_server_cases[] = {
	{ "http2/chunk_with_cb", test_chunk_with_cb, RT_BASE, NULL },
	{ "http2/start_2x", test_start_2x, RT_BASE, NULL },
	{ "http2/methods_default", test_methods_default, RT_BASE, NULL },
	{ "http2/allowed_methods", test_allowed_methods, RT_BASE, NULL },
	{ "http2/request_accessors", test_request_accessors, RT_BASE, NULL },
	{ "http2/set_cb_result", test_set_cb_result, RT_BASE, NULL },
	{ "http2/own_server_request", test_own_server_request, RT_BASE,
	  NULL },
	{ "http2/struct_view", test_struct_view, RT_BASE, NULL },
	RT_END
};
