/*
 * regress_http2_client.c -- the client of the libevent 2.x view
 * (<event2/http.h> first): evhttp_connection_base_new with and without
 * an evdns_base (a fake nameserver of our own on loopback), the
 * methods as bits on the wire, the connection accessors and family,
 * the request callbacks (error, header, completion), cancelling,
 * owning, and freeing a connection on completion.
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
#include "event2/buffer.h"
#include "event2/dns.h"
#include "event2/dns_struct.h"
#include "event2/event.h"
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"
#include "regress_http2.h"

/* What the client's callbacks saw. */
static struct {
	int done;		/* request callbacks */
	int null_req;		/* of them with NULL */
	int code;
	char body[64];
	int errors;		/* error callbacks */
	enum evhttp_request_error last_error;
	int heads;		/* header callbacks */
	int head_code;		/* the code the header callback saw */
	int completes;
	int closes;
	struct evhttp_request *last;
	int held;		/* /hold requests the server kept */
	struct evhttp_request *held_req;
} cl;

static void
req_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in;
	size_t n;

	(void)arg;
	cl.done++;
	cl.last = req;
	if (req == NULL) {
		cl.null_req++;
		return;
	}
	cl.code = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	if (n >= sizeof(cl.body))
		n = sizeof(cl.body) - 1;
	evbuffer_copyout(in, cl.body, n);
	cl.body[n] = '\0';
}

static void
err_cb(enum evhttp_request_error error, void *arg)
{
	(void)arg;
	cl.errors++;
	cl.last_error = error;
}

static int
head_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cl.heads++;
	cl.head_code = evhttp_request_get_response_code(req);
	return evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Cmd") != NULL && arg != NULL ? -1 : 0;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	(void)req;
	(void)arg;
	cl.completes++;
}

static void
close_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	cl.closes++;
}

/* /hold: keep the request unanswered. */
static void
hold_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	cl.held++;
	cl.held_req = req;
}

static struct evhttp_request *
new_req(void *arg)
{
	struct evhttp_request *req = evhttp_request_new(req_cb, arg);

	tt_assert(req != NULL);
	evhttp_request_set_error_cb(req, err_cb);
	return req;
}

static void
wait_done(struct event_base *base, int n)
{
	if (!regress_run_until_count(base, &cl.done, n, 3.0))
		tt_fail("the request callbacks did not run");
}

static void
test_base_new(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	const struct sockaddr *sa;

	memset(&cl, 0, sizeof(cl));
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	tt_assert(evcon != NULL);
	tt_ptr_op(evhttp_connection_base_new(env->base, NULL, NULL, 1), ==,
	    NULL);
	tt_ptr_op(evhttp_connection_get_base(evcon), ==, env->base);
	tt_ptr_op(evhttp_connection_get_server(evcon), ==, NULL);
	tt_ptr_op(evhttp_connection_get_addr(evcon), ==, NULL);
	req = new_req(NULL);
	evhttp_request_set_on_complete_cb(req, done_cb, NULL);
	evbuffer_add(evhttp_request_get_output_buffer(req), "data", 4);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_PUT, "/put"), ==,
	    0);
	wait_done(env->base, 1);
	tt_int_op(cl.code, ==, 200);
	tt_str_op(cl.body, ==, "cmd=8");
	tt_int_op(cl.completes, ==, 1);
	/* Kept alive: the peer's address is known. */
	sa = evhttp_connection_get_addr(evcon);
	tt_assert(sa != NULL);
	tt_int_op(sa->sa_family, ==, AF_INET);
	tt_int_op(ntohs(((const struct sockaddr_in *)sa)->sin_port), ==, port);
	/* Every method's bit goes out as its name. */
	req = new_req(NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_DELETE, "/d"),
	    ==, 0);
	wait_done(env->base, 2);
	tt_str_op(cl.body, ==, "cmd=16");
	/* Not one method: refused, the request stays the caller's. */
	req = new_req(NULL);
	tt_int_op(evhttp_make_request(evcon, req, (enum evhttp_cmd_type)
	    (EVHTTP_REQ_GET | EVHTTP_REQ_POST), "/"), ==, -1);
	tt_int_op(evhttp_make_request(evcon, req, (enum evhttp_cmd_type)0,
	    "/"), ==, -1);
	tt_int_op(evhttp_make_request(evcon, req, (enum evhttp_cmd_type)512,
	    "/"), ==, -1);
	evhttp_request_free(req);
	tt_int_op(cl.errors, ==, 0);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* A fake nameserver: every A question for *.test is 127.0.0.1. */
static void
ns_cb(struct evdns_server_request *req, void *arg)
{
	struct evdns_server_question *q = req->questions[0];
	unsigned char lo[4] = { 127, 0, 0, 1 };
	size_t len = strlen(q->name);

	(*(int *)arg)++;
	if (len > 5 && strcmp(q->name + len - 5, ".test") == 0 &&
	    q->type == EVDNS_TYPE_A) {
		evdns_server_request_add_a_reply(req, q->name, 1, lo, 60);
		evdns_server_request_respond(req, 0);
	} else if (len > 5 && strcmp(q->name + len - 5, ".test") == 0) {
		evdns_server_request_respond(req, 0);
	} else {
		evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
	}
}

static void
test_dns(struct regress_env *env)
{
	unsigned short port, nsport;
	struct evhttp *http = h2_server(env->base, &port);
	int nsfd = regress_udp_loopback(&nsport), questions = 0;
	struct evdns_server_port *sp;
	struct evdns_base *dns;
	struct evhttp_connection *evcon, *bad;
	char ns[32];
	int reuse, i, d;

	memset(&cl, 0, sizeof(cl));
	evutil_make_socket_nonblocking(nsfd);
	sp = evdns_add_server_port_with_base(env->base, nsfd, 0, ns_cb,
	    &questions);
	tt_assert(sp != NULL);
	dns = evdns_base_new(env->base, 0);
	tt_assert(dns != NULL);
	evutil_snprintf(ns, sizeof(ns), "127.0.0.1:%u", (unsigned)nsport);
	tt_int_op(evdns_base_nameserver_ip_add(dns, ns), ==, 0);

	/* A name: looked up without blocking, then connected. */
	evcon = evhttp_connection_base_new(env->base, dns, "web.test", port);
	tt_assert(evcon != NULL);
	evhttp_connection_set_family(evcon, AF_INET);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/x"), ==, 0);
	tt_int_op(cl.done, ==, 0);
	wait_done(env->base, 1);
	tt_int_op(cl.code, ==, 200);
	tt_str_op(cl.body, ==, "cmd=1");
	tt_assert(questions >= 1);
	tt_str_op(h2_last_host(), ==, "web.test");
	/* A numeric address needs no question. */
	questions = 0;
	evhttp_connection_free(evcon);
	evcon = evhttp_connection_base_new(env->base, dns, "127.0.0.1", port);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/y"), ==, 0);
	wait_done(env->base, 2);
	tt_int_op(questions, ==, 0);
	evhttp_connection_free(evcon);

	/* A name that does not exist: the request fails (1.4's way, with
	 * the request and code 0), after its error callback. */
	bad = evhttp_connection_base_new(env->base, dns, "nx.invalid", port);
	tt_int_op(evhttp_make_request(bad, new_req(NULL), EVHTTP_REQ_GET,
	    "/"), ==, 0);
	wait_done(env->base, 3);
	tt_assert(cl.last != NULL);
	tt_int_op(cl.code, ==, 0);
	tt_int_op(cl.errors, ==, 1);
	/* Freed while its lookup is under way: the answer is dropped. */
	tt_int_op(evhttp_make_request(bad, new_req(NULL), EVHTTP_REQ_GET,
	    "/"), ==, 0);
	evhttp_connection_free(bad);
	regress_run_for(env->base, 0.2);
	tt_int_op(cl.done, ==, 3);
	d = cl.done;

	/* Reconnects look the name up again, unless the address is
	 * reused (each response closes its connection). */
	for (reuse = 0; reuse < 2; reuse++) {
		evcon = evhttp_connection_base_new(env->base, dns, "re.test",
		    port);
		evhttp_connection_set_family(evcon, AF_INET);
		if (reuse)
			tt_int_op(evhttp_connection_set_flags(evcon,
			    EVHTTP_CON_REUSE_CONNECTED_ADDR), ==, 0);
		questions = 0;
		for (i = 0; i < 3; i++) {
			struct evhttp_request *req = new_req(NULL);

			evhttp_add_header(evhttp_request_get_output_headers(
			    req), "Connection", "close");
			tt_int_op(evhttp_make_request(evcon, req,
			    EVHTTP_REQ_GET, "/r"), ==, 0);
			wait_done(env->base, ++d);
			tt_int_op(cl.code, ==, 200);
		}
		tt_int_op(questions, ==, reuse ? 1 : 3);
		tt_int_op(evhttp_connection_set_flags(evcon,
		    EVHTTP_CON_READ_ON_WRITE_ERROR), ==, -1);
		tt_int_op(evhttp_connection_set_flags(evcon,
		    EVHTTP_CON_LINGERING_CLOSE), ==, 0);
		evhttp_connection_free(evcon);
	}
	tt_int_op(evhttp_connection_set_flags(NULL, 0), ==, -1);

	evdns_base_free(dns, 0);
	evdns_close_server_port(sp);
	EVUTIL_CLOSESOCKET(nsfd);
	evhttp_free(http);
}

static void
test_family(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", 9);
	evhttp_connection_set_family(evcon, 99);	/* refused, kept */
	evhttp_connection_set_family(evcon, AF_INET6);
	req = evhttp_request_new(req_cb, NULL);
	/* An IPv4 literal is no IPv6 address: nothing to connect to. */
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==,
	    -1);
	evhttp_request_free(req);
	evhttp_connection_free(evcon);
}

/* Failures reach the error callback first, then the request callback. */
static void
test_error_cb(struct regress_env *env)
{
	unsigned short port, dead = regress_unused_port(AF_INET, SOCK_STREAM);
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;

	memset(&cl, 0, sizeof(cl));
	evhttp_set_cb(http, "/hold", hold_cb, NULL);
	/* Refused connect (no retries). */
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", dead);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/"), ==, 0);
	wait_done(env->base, 1);
	tt_int_op(cl.errors, ==, 1);
	tt_int_op(cl.last_error, ==, EVREQ_HTTP_EOF);
	evhttp_connection_free(evcon);
	/* The peer goes away mid-exchange. */
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/hold"), ==, 0);
	if (!regress_run_until(env->base, &cl.held, 3.0))
		tt_fail("the server did not get /hold");
	evhttp_connection_free(evhttp_request_get_connection(cl.held_req));
	wait_done(env->base, 2);
	tt_int_op(cl.null_req, ==, 1);
	tt_int_op(cl.errors, ==, 2);
	tt_int_op(cl.last_error, ==, EVREQ_HTTP_EOF);
	/* A timeout. */
	evhttp_connection_set_timeout(evcon, 1);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/hold"), ==, 0);
	if (!regress_run_until_count(env->base, &cl.done, 3, 4.0))
		tt_fail("no timeout");
	tt_int_op(cl.errors, ==, 3);
	tt_int_op(cl.last_error, ==, EVREQ_HTTP_TIMEOUT);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* The header callback sees the head; below 0 it cancels the request. */
static void
test_header_cb(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	static int cancel = 1;

	memset(&cl, 0, sizeof(cl));
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	req = new_req(NULL);
	evhttp_request_set_header_cb(req, head_cb);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/"), ==, 0);
	wait_done(env->base, 1);
	tt_int_op(cl.heads, ==, 1);
	tt_int_op(cl.head_code, ==, 200);
	tt_str_op(cl.body, ==, "cmd=1");
	/* Cancelled by its header callback; the next one goes on. */
	req = new_req(&cancel);
	evhttp_request_set_header_cb(req, head_cb);
	evhttp_request_set_on_complete_cb(req, done_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/c"), ==,
	    0);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_POST,
	    "/n"), ==, 0);
	wait_done(env->base, 2);
	tt_int_op(cl.heads, ==, 2);
	tt_int_op(cl.errors, ==, 1);
	tt_int_op(cl.last_error, ==, EVREQ_HTTP_REQUEST_CANCEL);
	tt_int_op(cl.completes, ==, 0);
	tt_str_op(cl.body, ==, "cmd=2");
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

static void
test_cancel(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct evhttp_request *r1, *r2, *r3;

	memset(&cl, 0, sizeof(cl));
	evhttp_set_cb(http, "/hold", hold_cb, NULL);
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	evhttp_connection_set_closecb(evcon, close_cb, NULL);
	/* A queued request leaves the queue. */
	r1 = new_req(NULL);
	r2 = new_req(NULL);
	tt_int_op(evhttp_make_request(evcon, r1, EVHTTP_REQ_GET, "/1"), ==, 0);
	tt_int_op(evhttp_make_request(evcon, r2, EVHTTP_REQ_GET, "/2"), ==, 0);
	evhttp_cancel_request(r2);
	wait_done(env->base, 1);
	regress_run_for(env->base, 0.1);
	tt_int_op(cl.done, ==, 1);
	tt_str_op(cl.body, ==, "cmd=1");
	/* The one in progress resets the connection. */
	r3 = new_req(NULL);
	evhttp_request_own(r3);
	tt_int_op(evhttp_make_request(evcon, r3, EVHTTP_REQ_GET, "/hold"), ==,
	    0);
	if (!regress_run_until(env->base, &cl.held, 3.0))
		tt_fail("the server did not get /hold");
	evhttp_cancel_request(r3);
	tt_int_op(cl.closes, ==, 1);
	tt_ptr_op(evhttp_request_get_connection(r3), ==, NULL);
	evhttp_request_free(r3);	/* owned: ours to free */
	/* The connection still works. */
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_HEAD,
	    "/3"), ==, 0);
	wait_done(env->base, 2);
	tt_int_op(cl.code, ==, 200);
	tt_str_op(cl.body, ==, "");
	tt_int_op(cl.errors, ==, 0);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

/* An owned request outlives its callback. */
static void
test_own_client(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	memset(&cl, 0, sizeof(cl));
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	req = new_req(NULL);
	tt_int_op(evhttp_request_is_owned(req), ==, 0);
	evhttp_request_own(req);
	tt_int_op(evhttp_request_is_owned(req), ==, 1);
	tt_int_op(evhttp_make_request(evcon, req, EVHTTP_REQ_OPTIONS, "/o"),
	    ==, 0);
	wait_done(env->base, 1);
	tt_int_op(cl.code, ==, 501);	/* OPTIONS is not allowed */
	tt_ptr_op(cl.last, ==, req);
	tt_int_op(evhttp_request_get_response_code(req), ==, 501);
	tt_int_op(evhttp_request_get_command(req), ==, EVHTTP_REQ_OPTIONS);
	tt_str_op(evhttp_request_get_uri(req), ==, "/o");
	evhttp_request_free(req);
	evhttp_connection_free(evcon);
	evhttp_free(http);
}

static void
test_free_on_completion(struct regress_env *env)
{
	unsigned short port;
	struct evhttp *http = h2_server(env->base, &port);
	struct evhttp_connection *evcon;

	memset(&cl, 0, sizeof(cl));
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	evhttp_connection_set_closecb(evcon, close_cb, NULL);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/1"), ==, 0);
	tt_int_op(evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET,
	    "/2"), ==, 0);
	evhttp_connection_free_on_completion(evcon);
	wait_done(env->base, 2);
	/* Freed after the last one: its close callback ran once. */
	tt_int_op(cl.closes, ==, 1);
	tt_str_op(cl.body, ==, "cmd=1");
	/* With nothing queued it goes at once. */
	evcon = evhttp_connection_base_new(env->base, NULL, "127.0.0.1", port);
	evhttp_connection_free_on_completion(evcon);
	evhttp_free(http);
}

struct regress_case regress_http2_client_cases[] = {
	{ "http2/base_new", test_base_new, RT_BASE, NULL },
	{ "http2/dns", test_dns, RT_BASE, NULL },
	{ "http2/family", test_family, RT_BASE, NULL },
	{ "http2/error_cb", test_error_cb, RT_BASE | RT_SLOW, NULL },
	{ "http2/header_cb", test_header_cb, RT_BASE, NULL },
	{ "http2/cancel", test_cancel, RT_BASE, NULL },
	{ "http2/own_client", test_own_client, RT_BASE, NULL },
	{ "http2/free_on_completion", test_free_on_completion, RT_BASE,
	  NULL },
	RT_END
};
