/*
 * regress_http2_vhost.c -- virtual hosts and aliases: dispatch by the
 * request's host (Host header without its port, or an absolute URI's
 * host), patterns, nested virtual hosts, aliases of the server and of a
 * virtual host, removal, refusals, and freeing with the server.
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
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"
#include "regress_http2.h"

/* Answer with the name of the server whose callback ran. */
static void
name_cb(struct evhttp_request *req, void *arg)
{
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "<%s>",
	    (const char *)arg);
	evhttp_send_reply(req, HTTP_OK, "OK",
	    evhttp_request_get_output_buffer(req));
}

/* Who serves a GET of uri with this Host header (NULL: none). */
static const char *
who(struct event_base *base, unsigned short port, const char *uri,
    const char *host)
{
	static char out[512];
	char msg[256];
	const char *b, *e;

	evutil_snprintf(msg, sizeof(msg), "GET %s HTTP/1.%d\r\n%s%s%s"
	    "Connection: close\r\n\r\n", uri, host != NULL ? 1 : 0,
	    host != NULL ? "Host: " : "", host != NULL ? host : "",
	    host != NULL ? "\r\n" : "");
	if (h2_ask(base, port, msg, out, sizeof(out)) != 200)
		return "(error)";
	if ((b = strchr(out, '<')) == NULL || (e = strchr(b, '>')) == NULL)
		return "(none)";
	memmove(out, b + 1, (size_t)(e - b - 1));
	out[e - b - 1] = '\0';
	return out;
}

static void
test_vhost_dispatch(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp *a = evhttp_new(env->base), *b = evhttp_new(env->base);
	struct evhttp *inner = evhttp_new(env->base);

	evhttp_set_gencb(http, name_cb, "main");
	evhttp_set_gencb(a, name_cb, "a");
	evhttp_set_cb(b, "/only", name_cb, "b-only");
	evhttp_set_gencb(inner, name_cb, "inner");
	tt_int_op(evhttp_add_virtual_host(http, "a.example", a), ==, 0);
	tt_int_op(evhttp_add_virtual_host(http, "*.b.example", b), ==, 0);
	tt_int_op(evhttp_add_virtual_host(b, "in?er.test", inner), ==, 0);
	tt_str_op(who(env->base, port, "/", "a.example"), ==, "a");
	tt_str_op(who(env->base, port, "/", "A.Example:8080"), ==, "a");
	tt_str_op(who(env->base, port, "/", "x.a.example"), ==, "main");
	tt_str_op(who(env->base, port, "/only", "w.b.example"), ==, "b-only");
	tt_str_op(who(env->base, port, "/only?q", "deep.w.b.example"), ==,
	    "b-only");
	/* b has no generic callback: its 404, not main's. */
	tt_str_op(who(env->base, port, "/other", "w.b.example"), ==,
	    "(error)");
	tt_str_op(who(env->base, port, "/", "b.example"), ==, "main");
	tt_str_op(who(env->base, port, "/", "inner.test"), ==, "inner");
	tt_str_op(who(env->base, port, "/", "inxer.test"), ==, "inner");
	tt_str_op(who(env->base, port, "/", "innner.test"), ==, "main");
	tt_str_op(who(env->base, port, "http://a.example/", "other"), ==, "a");
	tt_str_op(who(env->base, port, "/", NULL), ==, "main");
	/* Aliases: a virtual host's lead to it, the server's to itself. */
	tt_int_op(evhttp_add_server_alias(a, "alias-of-a"), ==, 0);
	tt_str_op(who(env->base, port, "/", "Alias-Of-A"), ==, "a");
	tt_int_op(evhttp_add_server_alias(http, "a.example"), ==, 0);
	tt_str_op(who(env->base, port, "/", "a.example"), ==, "main");
	tt_int_op(evhttp_remove_server_alias(http, "A.EXAMPLE"), ==, 0);
	tt_int_op(evhttp_remove_server_alias(http, "a.example"), ==, -1);
	tt_str_op(who(env->base, port, "/", "a.example"), ==, "a");
	/* Removed: main serves it again; a is the program's to free. */
	tt_int_op(evhttp_remove_virtual_host(http, a), ==, 0);
	tt_int_op(evhttp_remove_virtual_host(http, a), ==, -1);
	tt_str_op(who(env->base, port, "/", "a.example"), ==, "main");
	evhttp_free(a);
	/* A virtual host freed on its own leaves its server. */
	evhttp_free(inner);
	tt_str_op(who(env->base, port, "/", "inner.test"), ==, "main");
	evhttp_free(http);	/* frees b */
}

static void
test_vhost_refused(struct regress_env *env)
{
	struct evhttp *http = evhttp_new(env->base);
	struct evhttp *v = evhttp_new(env->base);
	struct evhttp *other = evhttp_new(env->base);
	struct evhttp *bound = evhttp_new(env->base);
	unsigned short port;
	int fd = regress_listen_loopback(AF_INET, &port);

	tt_int_op(evhttp_accept_socket(bound, fd), ==, 0);
	tt_int_op(evhttp_add_virtual_host(http, "x", http), ==, -1);
	tt_int_op(evhttp_add_virtual_host(http, NULL, v), ==, -1);
	tt_int_op(evhttp_add_virtual_host(http, "x", bound), ==, -1);
	tt_int_op(evhttp_add_virtual_host(http, "x", v), ==, 0);
	tt_int_op(evhttp_add_virtual_host(other, "y", v), ==, -1);
	tt_int_op(evhttp_remove_virtual_host(other, v), ==, -1);
	tt_int_op(evhttp_add_server_alias(http, NULL), ==, -1);
	tt_int_op(evhttp_remove_server_alias(http, "none"), ==, -1);
	evhttp_free(bound);
	evhttp_free(other);
	evhttp_free(http);	/* and v */
}

struct regress_case regress_http2_vhost_cases[] = {
	{ "http2/vhost_dispatch", test_vhost_dispatch, RT_BASE, NULL },
	{ "http2/vhost_refused", test_vhost_refused, RT_BASE, NULL },
	RT_END
};
