/*
 * regress_http2_mixed.c -- the 1.4 view (<evhttp.h> first, then
 * <event2/http.h>): a 1.4 server keeps 1.4's method values and answers
 * 400 to the methods 1.4 lacked until evhttp_set_allowed_methods lets
 * them in; 1.4 and 2.x calls on the same servers, requests and
 * connections; a 1.4 client against a 2.x server.
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

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"
#include "event2/http_struct.h"
#include "event2/http_compat.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"
#include "regress_http2.h"

static struct {
	int n;
	int type;
	int cmd;
	char host[32];
} mx;

static void
mx_handler(struct evhttp_request *req, void *arg)
{
	(void)arg;
	mx.n++;
	mx.type = (int)req->type;
	mx.cmd = (int)evhttp_request_get_command(req);
	evutil_snprintf(mx.host, sizeof(mx.host), "%s",
	    evhttp_request_get_host(req));
	evbuffer_add_printf(req->output_buffer, "t=%d", mx.type);
	evhttp_send_reply(req, HTTP_OK, "OK", req->output_buffer);
}

static int
mx_ask(struct event_base *base, unsigned short port, const char *m)
{
	char msg[128];

	evutil_snprintf(msg, sizeof(msg), "%s / HTTP/1.1\r\nHost: Mixed\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n", m);
	return h2_ask(base, port, msg, NULL, 0);
}

static void
test_server_14(struct regress_env *env)
{
	struct evhttp *http = evhttp_new(env->base);	/* the 1.4 entry */
	unsigned short port;
	int fd = regress_listen_loopback(AF_INET, &port);

	memset(&mx, 0, sizeof(mx));
	tt_int_op(EVHTTP_REQ_GET, ==, 0);
	tt_int_op(EVHTTP_REQ_HEAD, ==, 2);
	tt_int_op(evhttp_accept_socket(http, fd), ==, 0);
	evhttp_set_gencb(http, mx_handler, NULL);
	tt_int_op(mx_ask(env->base, port, "POST"), ==, 200);
	tt_int_op(mx.type, ==, EVHTTP_REQ_POST);
	tt_int_op(mx.cmd, ==, EVHTTP_REQ_POST);		/* 1 */
	tt_str_op(mx.host, ==, "mixed");
	tt_int_op(mx_ask(env->base, port, "HEAD"), ==, 200);
	tt_int_op(mx.type, ==, EVHTTP_REQ_HEAD);
	/* What 1.4 did not know: 400, as 1.4 answered. */
	tt_int_op(mx_ask(env->base, port, "PUT"), ==, 400);
	tt_int_op(mx_ask(env->base, port, "BREW"), ==, 400);
	tt_int_op(mx.n, ==, 2);
	/* Let PUT in (2.x's bits, GET 1 ... PUT 8): it comes as 8. */
	evhttp_set_allowed_methods(http, 0x1 | 0x8);
	tt_int_op(mx_ask(env->base, port, "PUT"), ==, 200);
	tt_int_op(mx.type, ==, 8);
	tt_int_op(mx.cmd, ==, 8);
	tt_int_op(mx_ask(env->base, port, "GET"), ==, 200);
	tt_int_op(mx.type, ==, EVHTTP_REQ_GET);
	tt_int_op(mx_ask(env->base, port, "POST"), ==, 400);
	tt_int_op(mx.n, ==, 4);
	evhttp_free(http);
}

static void
client_cb(struct evhttp_request *req, void *arg)
{
	int *code = arg;

	*code = req != NULL ? evhttp_request_get_response_code(req) : -1;
	if (req != NULL && evhttp_request_get_input_buffer(req) ==
	    req->input_buffer)
		*code += 1000;
}

/* A 1.4 client (1.4 calls and values) against a 2.x server. */
static void
test_client_14(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	int code = 0;

	evcon = evhttp_connection_new("127.0.0.1", port);
	evhttp_connection_set_base(evcon, env->base);
	tt_ptr_op(evhttp_connection_get_base(evcon), ==, env->base);
	req = evhttp_request_new(client_cb, &code);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_POST, "/p"), ==,
	    0);
	tt_int_op(req->type, ==, EVHTTP_REQ_POST);
	tt_int_op(evhttp_request_get_command(req), ==, EVHTTP_REQ_POST);
	if (!regress_run_until(env->base, &code, 3.0))
		tt_fail("no reply");
	tt_int_op(code, ==, 1200);
	/* The 1.4 entry takes 2.x's bits for what 1.4 lacked. */
	code = 0;
	req = evhttp_request_new(client_cb, &code);
	tt_int_op(evhttp_make_request(evcon, req, (enum evhttp_cmd_type)16,
	    "/d"), ==, 0);
	if (!regress_run_until(env->base, &code, 3.0))
		tt_fail("no reply");
	tt_int_op(code, ==, 1200);
	tt_str_op(h2_last_host(), ==, "127.0.0.1");
	req = evhttp_request_new(client_cb, &code);
	tt_int_op(evhttp_make_request(evcon, req, (enum evhttp_cmd_type)3,
	    "/"), ==, -1);
	evhttp_request_free(req);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* evhttp_start of http_compat.h is 1.4's here: 1.4 values. */
static void
test_compat_start(struct regress_env *env)
{
	unsigned short port = regress_unused_port(AF_INET, SOCK_STREAM);
	struct evhttp *http;

	(void)env;
	http = evhttp_start("127.0.0.1", port);
	if (http == NULL)
		tt_skip("the unused port was taken meanwhile");
	memset(&mx, 0, sizeof(mx));
	evhttp_set_gencb(http, mx_handler, NULL);
	tt_int_op(mx_ask(env->base, port, "HEAD"), ==, 200);
	tt_int_op(mx.type, ==, 2);
	evhttp_free(http);
	tt_ptr_op(evhttp_start("no such address", port), ==, NULL);
}

struct regress_case regress_http2_mixed_cases[] = {
	{ "http2/server_14", test_server_14, RT_BASE, NULL },
	{ "http2/client_14", test_client_14, RT_BASE, NULL },
	{ "http2/compat_start", test_compat_start, RT_BASE, NULL },
	RT_END
};
