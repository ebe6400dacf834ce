/*
 * regress_http2_bound.c -- the 2.x server's listeners and settings:
 * bound sockets with handles, an evconnlistener, deleting and listing
 * them, timeouts as timevals (server, client, first retry), the default
 * Content-Type and the server flags.
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
#include "event2/buffer.h"
#include "event2/listener.h"
#include "event2/event.h"
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"
#include "regress_http2.h"

static const char get_close[] = "GET / HTTP/1.1\r\nHost: h\r\n"
    "Connection: close\r\n\r\n";

static unsigned short
bound_port(struct evhttp_bound_socket *b)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	tt_int_op(getsockname(evhttp_bound_socket_get_fd(b),
	    (struct sockaddr *)&sin, &len), ==, 0);
	return ntohs(sin.sin_port);
}

static void
count_cb(struct evhttp_bound_socket *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
}

/* foreach's function may delete the socket it gets. */
static void
del_cb(struct evhttp_bound_socket *b, void *arg)
{
	evhttp_del_accept_socket(arg, b);
}

static void
test_bind_with_handle(struct regress_env *env)
{
	unsigned short port0, port1, port2;
	struct evhttp *http = h2_server(env->base, &port0);
	struct evhttp_bound_socket *b1, *b2;
	int n = 0, fd2, kept;

	b1 = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	tt_assert(b1 != NULL);
	tt_ptr_op(evhttp_bound_socket_get_listener(b1), ==, NULL);
	port1 = bound_port(b1);
	fd2 = regress_listen_loopback(AF_INET, &port2);
	b2 = evhttp_accept_socket_with_handle(http, fd2);
	tt_assert(b2 != NULL);
	tt_int_op(evhttp_bound_socket_get_fd(b2), ==, fd2);
	tt_ptr_op(evhttp_bind_socket_with_handle(http, "no.such.address", 1),
	    ==, NULL);
	tt_ptr_op(evhttp_accept_socket_with_handle(http, -1), ==, NULL);
	evhttp_foreach_bound_socket(http, count_cb, &n);
	tt_int_op(n, ==, 3);
	tt_int_op(h2_ask(env->base, port1, get_close, NULL, 0), ==, 200);
	tt_int_op(h2_ask(env->base, port2, get_close, NULL, 0), ==, 200);
	/* A connection accepted before its socket goes keeps working. */
	kept = regress_connect_loopback(AF_INET, port1);
	regress_run_for(env->base, 0.05);
	evhttp_del_accept_socket(http, b1);
	n = 0;
	evhttp_foreach_bound_socket(http, count_cb, &n);
	tt_int_op(n, ==, 2);
	{
		struct evbuffer *in = evbuffer_new();

		regress_write_str(kept, get_close);
		tt_int_op(http_raw_wait(env->base, kept, in, NULL, 0, 3.0), ==,
		    1);
		tt_int_op(http_count(in, "HTTP/1.1 200 OK"), ==, 1);
		evbuffer_free(in);
		EVUTIL_CLOSESOCKET(kept);
	}
	tt_assert(!regress_loopback_accepts(port1));
	/* Deleting all from foreach. */
	evhttp_foreach_bound_socket(http, del_cb, http);
	n = 0;
	evhttp_foreach_bound_socket(http, count_cb, &n);
	tt_int_op(n, ==, 0);
	tt_assert(!regress_loopback_accepts(port2));
	evhttp_free(http);
}

static void
test_bind_listener(struct regress_env *env)
{
	unsigned short port, lport;
	struct evhttp *http = h2_server(env->base, &port);
	struct sockaddr_in sin;
	struct evconnlistener *lev;
	struct evhttp_bound_socket *b;

	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev != NULL);
	b = evhttp_bind_listener(http, lev);
	tt_assert(b != NULL);
	tt_ptr_op(evhttp_bound_socket_get_listener(b), ==, lev);
	tt_int_op(evhttp_bound_socket_get_fd(b), ==,
	    evconnlistener_get_fd(lev));
	lport = bound_port(b);
	tt_int_op(h2_ask(env->base, lport, get_close, NULL, 0), ==, 200);
	tt_int_op(h2_ask(env->base, lport, get_close, NULL, 0), ==, 200);
	/* Deleted: the listener is freed, its socket closed. */
	evhttp_del_accept_socket(http, b);
	tt_assert(!regress_loopback_accepts(lport));
	/* Freed with the server too. */
	lev = evconnlistener_new_bind(env->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(evhttp_bind_listener(http, lev) != NULL);
	tt_ptr_op(evhttp_bind_listener(http, NULL), ==, NULL);
	evhttp_free(http);
}

static void
test_server_timeout_tv(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct timeval tv = { 0, 300000 }, bad = { 1, 1000000 };
	struct evbuffer *in = evbuffer_new();
	double t0, dt;
	int fd;

	evhttp_set_timeout_tv(http, &bad);		/* refused */
	evhttp_set_timeout_tv(http, &tv);
	fd = regress_connect_loopback(AF_INET, port);
	regress_write_str(fd, "GET / HTTP/1.1\r\n");	/* and no more */
	t0 = regress_now();
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	dt = regress_now() - t0;
	tt_assert(dt >= 0.25);
	tt_assert(dt < 1.5 * regress_slowdown());
	EVUTIL_CLOSESOCKET(fd);
	evbuffer_free(in);
	/* NULL: the defaults again (nothing closes within 0.5 s). */
	evhttp_set_timeout_tv(http, NULL);
	in = evbuffer_new();
	fd = regress_connect_loopback(AF_INET, port);
	regress_write_str(fd, "GET / HTTP/1.1\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 0.5), ==, 0);
	EVUTIL_CLOSESOCKET(fd);
	evbuffer_free(in);
	evhttp_free(http);
}

static int cdone, ccode;

static void
client_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cdone++;
	ccode = req != NULL ? evhttp_request_get_response_code(req) : -1;
}

static void
hold_cb(struct evhttp_request *req, void *arg)
{
	(void)req;
	(void)arg;
}

static void
test_client_timeout_tv(struct regress_env *env)
{
	unsigned short port, dead = regress_unused_port(AF_INET, SOCK_STREAM);
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct timeval tv = { 0, 300000 }, first = { 0, 100000 };
	double t0, dt;

	evhttp_set_cb(http, "/hold", hold_cb, NULL);
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	evhttp_connection_set_timeout_tv(evcon, &tv);
	cdone = 0;
	t0 = regress_now();
	tt_int_op(evhttp_make_request(evcon, evhttp_request_new(client_cb,
	    NULL), EVHTTP_REQ_GET, "/hold"), ==, 0);
	tt_int_op(regress_run_until(env->base, &cdone, 3.0), ==, 1);
	dt = regress_now() - t0;
	tt_int_op(ccode, ==, -1);
	tt_assert(dt >= 0.25);
	tt_assert(dt < 1.5 * regress_slowdown());
	evhttp_connection_free(evcon);

	/* Two retries after 0.1 s and 0.2 s, then the failure. */
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", dead);
	evhttp_connection_set_retries(evcon, 2);
	evhttp_connection_set_initial_retry_tv(evcon, &first);
	cdone = 0;
	t0 = regress_now();
	tt_int_op(evhttp_make_request(evcon, evhttp_request_new(client_cb,
	    NULL), EVHTTP_REQ_GET, "/"), ==, 0);
	tt_int_op(regress_run_until(env->base, &cdone, 3.0), ==, 1);
	dt = regress_now() - t0;
	tt_int_op(ccode, ==, 0);
	tt_assert(dt >= 0.28);
	tt_assert(dt < 1.8 * regress_slowdown());
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

static void
test_default_content_type(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	char out[512];

	tt_int_op(h2_ask(env->base, port, get_close, out, sizeof(out)), ==,
	    200);
	tt_assert(strstr(out, "\r\nContent-Type: text/html; "
	    "charset=ISO-8859-1\r\n") != NULL);
	evhttp_set_default_content_type(http, "application/json");
	tt_int_op(h2_ask(env->base, port, get_close, out, sizeof(out)), ==,
	    200);
	tt_assert(strstr(out, "\r\nContent-Type: application/json\r\n") !=
	    NULL);
	/* Refused: the setting stays. */
	evhttp_set_default_content_type(http, "a\r\nX-Evil: 1");
	evhttp_set_default_content_type(http, NULL);
	tt_int_op(h2_ask(env->base, port, get_close, out, sizeof(out)), ==,
	    200);
	tt_assert(strstr(out, "Content-Type") == NULL);
	tt_assert(strstr(out, "X-Evil") == NULL);
	tt_assert(strstr(out, "\r\n\r\ncmd=1") != NULL);
	tt_int_op(evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE), ==,
	    0);
	tt_int_op(evhttp_set_flags(http, 0x2), ==, -1);
	tt_int_op(evhttp_set_flags(http, 0), ==, 0);
	/* NULL objects: nothing happens. */
	tt_int_op(evhttp_set_flags(NULL, 0), ==, -1);
	evhttp_set_default_content_type(NULL, "x");
	evhttp_set_timeout_tv(NULL, NULL);
	evhttp_connection_set_timeout_tv(NULL, NULL);
	evhttp_connection_set_initial_retry_tv(NULL, NULL);
	evhttp_set_allowed_methods(NULL, EVHTTP_REQ_GET);
	evhttp_connection_set_family(NULL, AF_INET);
	evhttp_foreach_bound_socket(http, NULL, NULL);
	evhttp_del_accept_socket(http, NULL);
	evhttp_del_accept_socket(NULL, NULL);
	evhttp_free(http);
}

struct regress_case regress_http2_bound_cases[] = {
	{ "http2/bind_with_handle", test_bind_with_handle, RT_BASE, NULL },
	{ "http2/bind_listener", test_bind_listener, RT_BASE, NULL },
	{ "http2/server_timeout_tv", test_server_timeout_tv, RT_BASE, NULL },
	{ "http2/client_timeout_tv", test_client_timeout_tv, RT_BASE, NULL },
	{ "http2/default_content_type", test_default_content_type, RT_BASE,
	  NULL },
	RT_END
};
