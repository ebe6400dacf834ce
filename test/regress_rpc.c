/*
 * test/regress_rpc.c -- the RPC framework: a server and a pool of client
 * connections in one process over loopback, hooks, timeouts, garbage in
 * both directions, and the bytes on the wire.  The generator and
 * marshalling cases are in regress_rpcgen.c.
 *
 * RPCs used (messages from test/regress.rpc):
 *	Message(msg) -> kill     answers at once, or later (deferred mode)
 *	NeverReply(msg) -> kill  never answers (for timeouts)
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "evrpc.h"
#include "regress.h"
#include "regress_util.h"
#include "test/regress.gen.h"

EVRPC_HEADER(Message, msg, kill)
EVRPC_HEADER(NeverReply, msg, kill)

EVRPC_GENERATE(Message, msg, kill)
EVRPC_GENERATE(NeverReply, msg, kill)

/* ---------------------------------------------------------------- */
/* Fixtures                                                          */

/* Server state shared by the handlers. */
static struct {
	int calls;		/* Message calls seen */
	int deferred;		/* answer in batches of this many */
	int active, max_active;	/* calls being handled at once */
	int never;		/* NeverReply calls seen */
	char last_header[64];	/* X-Hook header of the last call */
} srv;

static struct evhttp *http_server;
static struct evrpc_base *rpc_base;
static unsigned short server_port;

static void
fill_reply(EVRPC_STRUCT(Message) *rpc)
{
	char *from;
	char weapon[64];

	/* The reply echoes the request's from_name as its weapon. */
	tt_int_op(EVTAG_GET(rpc->request, from_name, &from), ==, 0);
	snprintf(weapon, sizeof(weapon), "re:%s", from);
	EVTAG_ASSIGN(rpc->reply, weapon, weapon);
	EVTAG_ASSIGN(rpc->reply, action, "reply");
	EVTAG_ASSIGN(rpc->reply, how_often, (ev_uint32_t)srv.calls);
}

/* Deferred mode: calls are held until `deferred` of them are in
 * progress at once, then all are answered (so the pool must really carry
 * that many calls in parallel, whatever the machine's speed). */
static EVRPC_STRUCT(Message) *waiting[8];

static void
message_cb(EVRPC_STRUCT(Message) *rpc, void *arg)
{
	const char *h;

	tt_ptr_op(arg, ==, &srv);
	tt_assert(EVRPC_REQUEST_HTTP(rpc) != NULL);
	h = evhttp_find_header(EVRPC_REQUEST_HTTP(rpc)->input_headers,
	    "X-Hook");
	snprintf(srv.last_header, sizeof(srv.last_header), "%s",
	    h ? h : "");
	srv.calls++;
	if (srv.deferred) {
		tt_assert(srv.active < 8);
		waiting[srv.active++] = rpc;
		if (srv.active > srv.max_active)
			srv.max_active = srv.active;
		if (srv.active < srv.deferred)
			return;
		/* One call per pooled connection: all on different ones. */
		{
			int i, j;
			for (i = 0; i < srv.active; i++)
				for (j = i + 1; j < srv.active; j++)
					tt_ptr_op(evhttp_request_get_connection(
					    EVRPC_REQUEST_HTTP(waiting[i])), !=,
					    evhttp_request_get_connection(
					    EVRPC_REQUEST_HTTP(waiting[j])));
		}
		while (srv.active > 0) {
			rpc = waiting[--srv.active];
			fill_reply(rpc);
			EVRPC_REQUEST_DONE(rpc);
		}
		return;
	}
	fill_reply(rpc);
	EVRPC_REQUEST_DONE(rpc);
}

/* NeverReply calls held by the server (answered only at teardown). */
static EVRPC_STRUCT(NeverReply) *held[8];
static int nheld;

static void
never_cb(EVRPC_STRUCT(NeverReply) *rpc, void *arg)
{
	(void)arg;
	srv.never++;	/* and do not answer */
	if (nheld < 8)
		held[nheld++] = rpc;
}

static void
server_setup(struct regress_env *env)
{
	int fd = regress_listen_loopback(AF_INET, &server_port);

	tt_assert(fd >= 0);
	memset(&srv, 0, sizeof(srv));
	nheld = 0;
	tt_assert((http_server = evhttp_new(env->base)) != NULL);
	tt_int_op(evhttp_accept_socket(http_server, fd), ==, 0);
	tt_assert((rpc_base = evrpc_init(http_server)) != NULL);
	EVRPC_REGISTER(rpc_base, Message, msg, kill, message_cb, &srv);
	EVRPC_REGISTER(rpc_base, NeverReply, msg, kill, never_cb, &srv);
}

static void
server_teardown(void)
{
	/* Answer the held calls now: their clients are long gone, and the
	 * late replies must be dropped cleanly (no crash, no leak). */
	while (nheld > 0) {
		EVRPC_STRUCT(NeverReply) *rpc = held[--nheld];
		EVTAG_ASSIGN(rpc->reply, weapon, "late");
		EVTAG_ASSIGN(rpc->reply, action, "late");
		EVRPC_REQUEST_DONE(rpc);
	}
	evrpc_free(rpc_base);
	evhttp_free(http_server);
}

static struct evrpc_pool *
pool_setup(struct regress_env *env, unsigned short port, int nconn)
{
	struct evrpc_pool *pool = evrpc_pool_new(env->base);
	int i;

	tt_assert(pool != NULL);
	for (i = 0; i < nconn; i++) {
		struct evhttp_connection *evcon =
		    evhttp_connection_new("127.0.0.1", port);
		tt_assert(evcon != NULL);
		evrpc_pool_add_connection(pool, evcon);
	}
	return pool;
}

static struct msg *
make_request(const char *from)
{
	struct msg *m = msg_new();

	tt_assert(m != NULL);
	EVTAG_ASSIGN(m, from_name, from);
	EVTAG_ASSIGN(m, to_name, "server");
	return m;
}

/* One finished client call. */
struct result {
	int done;
	int error;
	int order;
	int had_http_req;
	char weapon[64];
	ev_uint32_t how_often;
	int kill_has_weapon;
};
static int done_count;

static void
reply_cb(struct evrpc_status *status, struct msg *req, struct kill *reply,
    void *arg)
{
	struct result *r = arg;
	char *w;

	tt_assert(req != NULL);
	r->done = 1;
	r->order = done_count++;
	r->error = status->error;
	r->had_http_req = status->http_req != NULL;
	r->kill_has_weapon = EVTAG_HAS(reply, weapon);
	if (status->error == EVRPC_STATUS_ERR_NONE) {
		tt_int_op(EVTAG_GET(reply, weapon, &w), ==, 0);
		snprintf(r->weapon, sizeof(r->weapon), "%s", w);
		EVTAG_GET(reply, how_often, &r->how_often);
	}
}

/* ---------------------------------------------------------------- */
/* Cases                                                             */

/* One call, one connection. */
static void
test_basic(struct regress_env *env)
{
	struct evrpc_pool *pool;
	struct msg *req;
	struct kill *reply;
	struct result r;

	server_setup(env);
	pool = pool_setup(env, server_port, 1);
	req = make_request("alice");
	reply = kill_new();
	memset(&r, 0, sizeof(r));
	tt_int_op(EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, &r),
	    ==, 0);
	tt_assert(regress_run_until(env->base, &r.done, 3));
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_assert(r.had_http_req);
	tt_str_op(r.weapon, ==, "re:alice");
	tt_int_op(r.how_often, ==, 1);
	tt_int_op(srv.calls, ==, 1);

	/* A second call reuses the connection. */
	memset(&r, 0, sizeof(r));
	msg_clear(req);
	EVTAG_ASSIGN(req, from_name, "bob");
	EVTAG_ASSIGN(req, to_name, "x");
	kill_clear(reply);
	EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, &r);
	tt_assert(regress_run_until(env->base, &r.done, 3));
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "re:bob");
	tt_int_op(r.how_often, ==, 2);

	msg_free(req);
	kill_free(reply);
	evrpc_pool_free(pool);
	server_teardown();
}

#define NCALLS 24

/* Many calls over a pool of three connections: each connection carries
 * one call at a time, the rest wait in FIFO order. */
static void
test_pool(struct regress_env *env)
{
	struct evrpc_pool *pool;
	struct msg *req[NCALLS];
	struct kill *reply[NCALLS];
	struct result r[NCALLS];
	int i;

	server_setup(env);
	srv.deferred = 3;
	pool = pool_setup(env, server_port, 3);
	done_count = 0;
	memset(r, 0, sizeof(r));
	for (i = 0; i < NCALLS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d", i);
		req[i] = make_request(name);
		reply[i] = kill_new();
		tt_int_op(EVRPC_MAKE_REQUEST(Message, pool, req[i], reply[i],
		    reply_cb, &r[i]), ==, 0);
	}
	{
		double end = regress_now() + 10 * regress_slowdown();
		while (done_count < NCALLS && regress_now() < end)
			event_base_loop(env->base, EVLOOP_ONCE);
	}
	tt_int_op(done_count, ==, NCALLS);
	for (i = 0; i < NCALLS; i++) {
		char want[16];
		snprintf(want, sizeof(want), "re:c%d", i);
		tt_int_op(r[i].error, ==, EVRPC_STATUS_ERR_NONE);
		tt_str_op(r[i].weapon, ==, want);
		msg_free(req[i]);
		kill_free(reply[i]);
	}
	tt_int_op(srv.calls, ==, NCALLS);
	/* Never more than one call per connection, and all three used. */
	tt_int_op(srv.max_active, ==, 3);
	/* Calls are sent in FIFO order: the first three finish first. */
	for (i = 0; i < 3; i++)
		tt_int_op(r[i].order, <, 3);
	tt_int_op(r[NCALLS - 1].order, >=, NCALLS - 3);

	evrpc_pool_free(pool);
	server_teardown();
}

/* A call the server never answers ends with ERR_TIMEOUT after the pool
 * timeout; the connection then serves the next call. */
static void
test_timeout(struct regress_env *env)
{
	struct evrpc_pool *pool;
	struct msg *req = make_request("late");
	struct kill *reply = kill_new(), *reply2 = kill_new();
	struct result r, r2;
	double t0, dt;

	server_setup(env);
	pool = pool_setup(env, server_port, 1);
	evrpc_pool_set_timeout(pool, 1);
	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	EVTAG_ASSIGN(reply, weapon, "stale");
	t0 = regress_now();
	EVRPC_MAKE_REQUEST(NeverReply, pool, req, reply, reply_cb, &r);
	/* Queued behind it on the only connection. */
	EVRPC_MAKE_REQUEST(Message, pool, req, reply2, reply_cb, &r2);
	tt_assert(regress_run_until(env->base, &r.done, 3));
	dt = regress_now() - t0;
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_TIMEOUT);
	tt_assert(!r.had_http_req);
	/* The reply was cleared before the callback. */
	tt_assert(!r.kill_has_weapon);
	tt_int_op(srv.never, ==, 1);
	if (dt < 0.9 || dt > 3.0 * regress_slowdown())
		regress_fail(__FILE__, __LINE__, "timeout after %.2f s", dt);

	tt_assert(regress_run_until(env->base, &r2.done, 3));
	tt_int_op(r2.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r2.weapon, ==, "re:late");

	msg_free(req);
	kill_free(reply);
	kill_free(reply2);
	evrpc_pool_free(pool);
	server_teardown();
}

/* Hooks: XOR the bodies both ways and tag the request with a header. */
static int hook_runs[4];

static void
xor_buffer(struct evbuffer *buf)
{
	size_t i;

	for (i = 0; i < EVBUFFER_LENGTH(buf); i++)
		EVBUFFER_DATA(buf)[i] ^= 0x5a;
}

static int
client_out_hook(struct evhttp_request *req, struct evbuffer *buf, void *arg)
{
	hook_runs[0]++;
	tt_ptr_op(arg, ==, hook_runs);
	evhttp_add_header(req->output_headers, "X-Hook", "client-out");
	xor_buffer(buf);
	return 0;
}

static int
server_in_hook(struct evhttp_request *req, struct evbuffer *buf, void *arg)
{
	(void)req;
	(void)arg;
	hook_runs[1]++;
	xor_buffer(buf);
	return 0;
}

static int
server_out_hook(struct evhttp_request *req, struct evbuffer *buf, void *arg)
{
	(void)arg;
	hook_runs[2]++;
	evhttp_add_header(req->output_headers, "Content-Type", "x/scrambled");
	xor_buffer(buf);
	return 0;
}

static int
client_in_hook(struct evhttp_request *req, struct evbuffer *buf, void *arg)
{
	const char *ct;

	(void)arg;
	hook_runs[3]++;
	/* Only successful replies went through the server's hook. */
	ct = evhttp_find_header(req->input_headers, "Content-Type");
	if (ct != NULL && strcmp(ct, "x/scrambled") == 0)
		xor_buffer(buf);
	return 0;
}

static int refuse_hook(struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)req;
	(void)buf;
	(*(int *)arg)++;
	return -1;
}

static void
one_call(struct regress_env *env, struct evrpc_pool *pool,
    struct result *r, const char *from)
{
	struct msg *req = make_request(from);
	struct kill *reply = kill_new();

	memset(r, 0, sizeof(*r));
	EVTAG_ASSIGN(reply, weapon, "stale");
	EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, r);
	if (!r->done)
		tt_assert(regress_run_until(env->base, &r->done, 3));
	if (r->error != EVRPC_STATUS_ERR_NONE)
		tt_assert(!r->kill_has_weapon);	/* cleared */
	msg_free(req);
	kill_free(reply);
}

static void
test_hooks(struct regress_env *env)
{
	struct evrpc_pool *pool;
	struct result r;
	void *h[4], *refuse;
	int refused = 0, calls_before;

	server_setup(env);
	pool = pool_setup(env, server_port, 2);
	tt_assert((h[0] = evrpc_add_hook(pool, EVRPC_OUTPUT, client_out_hook,
	    hook_runs)) != NULL);
	tt_assert((h[1] = evrpc_add_hook(rpc_base, EVRPC_INPUT,
	    server_in_hook, NULL)) != NULL);
	tt_assert((h[2] = evrpc_add_hook(rpc_base, EVRPC_OUTPUT,
	    server_out_hook, NULL)) != NULL);
#ifdef _WIN32	/* (no INPUT alias there: <windows.h> has a type INPUT) */
	tt_assert((h[3] = evrpc_add_hook(pool, EVRPC_INPUT, client_in_hook,
#else
	tt_assert((h[3] = evrpc_add_hook(pool, INPUT, client_in_hook,
#endif
	    NULL)) != NULL);

	/* Both bodies are scrambled on the wire and restored by hooks. */
	one_call(env, pool, &r, "hooked");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "re:hooked");
	tt_str_op(srv.last_header, ==, "client-out");
	tt_int_op(hook_runs[0], ==, 1);
	tt_int_op(hook_runs[1], ==, 1);
	tt_int_op(hook_runs[2], ==, 1);
	tt_int_op(hook_runs[3], ==, 1);

	/* Removing: 1 when found (from the right list), 0 otherwise. */
	tt_int_op(evrpc_remove_hook(pool, EVRPC_INPUT, h[0]), ==, 0);
	tt_int_op(evrpc_remove_hook(rpc_base, EVRPC_OUTPUT, h[0]), ==, 0);
	tt_int_op(evrpc_remove_hook(pool, EVRPC_OUTPUT, h[0]), ==, 1);
	tt_int_op(evrpc_remove_hook(pool, EVRPC_OUTPUT, h[0]), ==, 0);
	/* Without the client's scrambling the server's input hook now
	 * garbles the request: 503, seen as a bad payload. */
	one_call(env, pool, &r, "half");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	tt_int_op(evrpc_remove_hook(rpc_base, EVRPC_INPUT, h[1]), ==, 1);
	tt_int_op(evrpc_remove_hook(rpc_base, EVRPC_OUTPUT, h[2]), ==, 1);
	tt_int_op(evrpc_remove_hook(pool, EVRPC_INPUT, h[3]), ==, 1);
	one_call(env, pool, &r, "plain");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "re:plain");
	tt_str_op(srv.last_header, ==, "");

	/* A server input hook that refuses: 503 and the callback never
	 * runs. */
	calls_before = srv.calls;
	refuse = evrpc_add_hook(rpc_base, EVRPC_INPUT, refuse_hook, &refused);
	one_call(env, pool, &r, "refused");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	tt_int_op(refused, ==, 1);
	tt_int_op(srv.calls, ==, calls_before);
	tt_int_op(evrpc_remove_hook(rpc_base, EVRPC_INPUT, refuse), ==, 1);

	/* A server output hook that refuses: 503 after the callback. */
	refuse = evrpc_add_hook(rpc_base, EVRPC_OUTPUT, refuse_hook, &refused);
	one_call(env, pool, &r, "refused2");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	tt_int_op(refused, ==, 2);
	tt_int_op(srv.calls, ==, calls_before + 1);
	tt_int_op(evrpc_remove_hook(rpc_base, EVRPC_OUTPUT, refuse), ==, 1);

	/* A client output hook that refuses: ERR_UNSTARTED, delivered
	 * from inside EVRPC_MAKE_REQUEST. */
	refuse = evrpc_add_hook(pool, EVRPC_OUTPUT, refuse_hook, &refused);
	{
		struct msg *req = make_request("x");
		struct kill *reply = kill_new();
		memset(&r, 0, sizeof(r));
		EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, &r);
		tt_assert(r.done);
		tt_int_op(r.error, ==, EVRPC_STATUS_ERR_UNSTARTED);
		tt_int_op(refused, ==, 3);
		msg_free(req);
		kill_free(reply);
	}
	tt_int_op(evrpc_remove_hook(pool, EVRPC_OUTPUT, refuse), ==, 1);

	/* A client input hook that refuses: ERR_HOOKABORTED. */
	refuse = evrpc_add_hook(pool, EVRPC_INPUT, refuse_hook, &refused);
	one_call(env, pool, &r, "aborted");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_HOOKABORTED);
	tt_int_op(refused, ==, 4);
	tt_int_op(evrpc_remove_hook(pool, EVRPC_INPUT, refuse), ==, 1);

	/* And the pool still works. */
	one_call(env, pool, &r, "after");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);

	tt_ptr_op(evrpc_add_hook(pool, EVRPC_INPUT, NULL, NULL), ==, NULL);
	evrpc_pool_free(pool);
	server_teardown();
}

/* Plain HTTP requests to the RPC server: one finished exchange. */
struct http_result {
	int done;
	int code;
	size_t body_len;
};

static void
http_done(struct evhttp_request *req, void *arg)
{
	struct http_result *hr = arg;

	hr->done = 1;
	hr->code = req ? req->response_code : -1;
	hr->body_len = req && req->input_buffer ?
	    EVBUFFER_LENGTH(req->input_buffer) : 0;
}

static int
raw_http(struct regress_env *env, struct evhttp_connection *evcon,
    enum evhttp_cmd_type type, const char *uri, const void *body,
    size_t len)
{
	struct http_result hr;
	struct evhttp_request *req;

	memset(&hr, 0, sizeof(hr));
	req = evhttp_request_new(http_done, &hr);
	tt_assert(req != NULL);
	evhttp_add_header(req->output_headers, "Host", "127.0.0.1");
	if (len)
		evbuffer_add(req->output_buffer, body, len);
	tt_int_op(evhttp_make_request(evcon, req, type, uri), ==, 0);
	tt_assert(regress_run_until(env->base, &hr.done, 3));
	return hr.code;
}

/* Whether len bytes of body are a request the server takes. */
static int
unmarshals(const unsigned char *body, size_t len)
{
	struct evbuffer *buf = regress_buffer_of(body, len);
	struct msg *m = msg_new();
	int ok;

	tt_assert(m != NULL);
	ok = msg_unmarshal(m, buf) == 0;
	msg_free(m);
	evbuffer_free(buf);
	return ok;
}

/* A client sending garbage gets 503 and the server keeps serving. */
static void
test_server_garbage(struct regress_env *env)
{
	static const unsigned char garbage[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02 };
	static const unsigned char truncated[] = { 0x01, 0x05, 'a' };
	struct evhttp_connection *evcon;
	struct evrpc_pool *pool;
	struct result r;
	struct evbuffer *good = evbuffer_new();
	struct msg *m = make_request("raw");

	server_setup(env);
	evcon = evhttp_connection_new("127.0.0.1", server_port);
	tt_assert(evcon != NULL);
	evhttp_connection_set_base(evcon, env->base);

	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Message",
	    garbage, sizeof(garbage)), ==, 503);
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Message",
	    truncated, sizeof(truncated)), ==, 503);
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Message",
	    "", 0), ==, 503);
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_GET, "/.rpc.Message",
	    "", 0), ==, 503);
	/* An incomplete request (to_name missing). */
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Message",
	    "\x01\x01" "a", 3), ==, 503);
	tt_int_op(srv.calls, ==, 0);

	/* A well-formed body by hand is answered 200. */
	msg_marshal(good, m);
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Message",
	    EVBUFFER_DATA(good), EVBUFFER_LENGTH(good)), ==, 200);
	tt_int_op(srv.calls, ==, 1);
	/* Unknown RPC names are not ours: 404 from the HTTP server. */
	tt_int_op(raw_http(env, evcon, EVHTTP_REQ_POST, "/.rpc.Nope",
	    EVBUFFER_DATA(good), EVBUFFER_LENGTH(good)), ==, 404);

	/* Mutations of the good body, on the same connection: each is
	 * answered 200 exactly when it unmarshals as a request here too,
	 * else 503, and the callback only sees the valid ones. */
	{
		unsigned char body[256];
		unsigned int seed = 7;
		int i, code, ok200 = 0, calls0 = srv.calls;
		size_t len, j;

		for (i = 0; i < 100; i++) {
			len = EVBUFFER_LENGTH(good);
			memcpy(body, EVBUFFER_DATA(good), len);
			for (j = 0; j < 3; j++) {
				regress_random(&seed);
				body[(seed >> 16) % len] ^=
				    (unsigned char)(seed >> 8);
			}
			code = raw_http(env, evcon, EVHTTP_REQ_POST,
			    "/.rpc.Message", body, len);
			tt_int_op(code, ==, unmarshals(body, len) ? 200 : 503);
			if (code == 200)
				ok200++;
		}
		tt_int_op(srv.calls - calls0, ==, ok200);
		regress_note("%d of 100 mutated bodies were valid", ok200);
		tt_int_op(ok200, <, 100);
	}

	/* The RPC client still works. */
	pool = pool_setup(env, server_port, 1);
	one_call(env, pool, &r, "still");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "re:still");

	evhttp_connection_free(evcon);
	evrpc_pool_free(pool);
	evbuffer_free(good);
	msg_free(m);
	server_teardown();
}

/* An HTTP server that is not an RPC server answers 200 with junk. */
static void
junk_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *buf = evbuffer_new();

	(void)arg;
	evbuffer_add(buf, "\x01\xff\xff junk", 8);
	evhttp_send_reply(req, HTTP_OK, "OK", buf);
	evbuffer_free(buf);
}

/* A raw TCP peer that answers every request with bytes that are not
 * HTTP, then closes. */
static void
raw_read_cb(int fd, short what, void *arg)
{
	char buf[4096];
	ssize_t n;
	static const char junk[] = "\x01\x02 this is not HTTP\r\n\r\n";

	(void)what;
	(void)arg;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    write(fd, junk, sizeof(junk) - 1) < 0)
			tt_fail("write");
	}
	/* One answer per connection (the event is not persistent). */
	close(fd);
}

static struct event raw_conn_ev;

static void
raw_accept_cb(int fd, short what, void *arg)
{
	int c = accept(fd, NULL, NULL);

	(void)what;
	(void)arg;
	if (c < 0)
		return;
	/* Read once the request has arrived. */
	event_set(&raw_conn_ev, c, EV_READ, raw_read_cb, &raw_conn_ev);
	event_add(&raw_conn_ev, NULL);
}

static void
test_client_garbage(struct regress_env *env)
{
	struct evhttp *junk_http;
	struct evrpc_pool *pool;
	struct result r;
	unsigned short port;
	struct event lev;
	int fd;

	/* 200 with a body that is not a reply: BADPAYLOAD. */
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	tt_assert((junk_http = evhttp_new(env->base)) != NULL);
	tt_int_op(evhttp_accept_socket(junk_http, fd), ==, 0);
	evhttp_set_gencb(junk_http, junk_cb, NULL);
	pool = pool_setup(env, port, 1);
	one_call(env, pool, &r, "junk");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	tt_assert(r.had_http_req);
	/* Twice: the connection is still usable. */
	one_call(env, pool, &r, "junk2");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	evrpc_pool_free(pool);
	evhttp_free(junk_http);

	/* Bytes that are not HTTP at all: the exchange fails. */
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	event_set(&lev, fd, EV_READ | EV_PERSIST, raw_accept_cb, NULL);
	event_add(&lev, NULL);
	pool = pool_setup(env, port, 1);
	one_call(env, pool, &r, "nothttp");
	/* A malformed response on an established connection: the HTTP
	 * layer reports NULL, which is ERR_TIMEOUT (api-1.4.md). */
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_TIMEOUT);
	evrpc_pool_free(pool);
	event_del(&lev);
	close(fd);

	/* Nobody listening: the call fails, it does not hang. */
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	close(fd);
	pool = pool_setup(env, port, 1);
	one_call(env, pool, &r, "refused");
	/* A failed connect yields an empty response: ERR_BADPAYLOAD. */
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	evrpc_pool_free(pool);
}

/* The bytes on the wire: a POST to /.rpc.<Name> with the bare marshalled
 * request, answered by a hand-written HTTP reply with the golden reply
 * bytes (interoperability with libevent's evrpc). */
static struct {
	int fd;
	char req[4096];
	size_t len;
	int answered;
	struct event ev;
} wire;

static const unsigned char kill_bytes[] = {
	0xa1, 0x82, 0x04, 0x02, 'a', 'x',
	0x02, 0x03, 'h', 'i', 't',
	0x03, 0x03, 0x34, 0x32, 0x10,
};

static void
wire_read_cb(int fd, short what, void *arg)
{
	ssize_t n;
	char *hdr_end;

	(void)what;
	(void)arg;
	n = read(fd, wire.req + wire.len, sizeof(wire.req) - 1 - wire.len);
	if (n <= 0) {
		event_del(&wire.ev);
		return;
	}
	wire.len += (size_t)n;
	wire.req[wire.len] = '\0';
	hdr_end = strstr(wire.req, "\r\n\r\n");
	if (hdr_end != NULL && !wire.answered) {
		const char *cl = strstr(wire.req, "Content-Length: ");
		size_t body = cl ? (size_t)atoi(cl + 16) : 0;
		if (wire.len >= (size_t)(hdr_end + 4 - wire.req) + body) {
			char head[256];
			int hl = snprintf(head, sizeof(head),
			    "HTTP/1.1 200 OK\r\nContent-Type: "
			    "application/octet-stream\r\nContent-Length: %zu"
			    "\r\n\r\n", sizeof(kill_bytes));
			tt_assert(write(fd, head, (size_t)hl) == hl);
			tt_assert(write(fd, kill_bytes, sizeof(kill_bytes)) ==
			    (ssize_t)sizeof(kill_bytes));
			wire.answered = 1;
		}
	}
}

static void
wire_accept_cb(int fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	wire.fd = accept(fd, NULL, NULL);
	if (wire.fd < 0)
		return;
	event_set(&wire.ev, wire.fd, EV_READ | EV_PERSIST, wire_read_cb, NULL);
	event_add(&wire.ev, NULL);
}

static void
test_wire(struct regress_env *env)
{
	static const unsigned char req_bytes[] = {
		0x01, 0x03, 'w', 'i', 'r', 0x02, 0x06, 's', 'e', 'r', 'v',
		'e', 'r' };
	struct evrpc_pool *pool;
	struct event lev;
	struct result r;
	unsigned short port;
	char *body;
	int fd;

	memset(&wire, 0, sizeof(wire));
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	event_set(&lev, fd, EV_READ, wire_accept_cb, NULL);
	event_add(&lev, NULL);
	pool = pool_setup(env, port, 1);
	one_call(env, pool, &r, "wir");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "ax");
	tt_int_op(r.how_often, ==, 0x1234);

	if (strncmp(wire.req, "POST /.rpc.Message HTTP/1.1\r\n", 29) != 0)
		regress_fail(__FILE__, __LINE__, "request:\n%s", wire.req);
	body = strstr(wire.req, "\r\n\r\n") + 4;
	tt_int_op(wire.len - (size_t)(body - wire.req), ==, sizeof(req_bytes));
	tt_mem_op(body, ==, req_bytes, sizeof(req_bytes));
	tt_assert(strstr(wire.req, "Content-Length: 13\r\n") != NULL);

	evrpc_pool_free(pool);
	if (wire.fd > 0) {
		event_del(&wire.ev);
		close(wire.fd);
	}
	close(fd);
}

/* Registering, unregistering, and a pool that gets its connection late. */
static void
test_register(struct regress_env *env)
{
	struct evrpc_pool *pool;
	struct result r;
	struct msg *req = make_request("late");
	struct kill *reply = kill_new();

	server_setup(env);
	/* A second registration under the same name is refused. */
	EVRPC_REGISTER(rpc_base, Message, msg, kill, message_cb, &srv);
	tt_int_op(evrpc_register_rpc(rpc_base, NULL, NULL, NULL), ==, -1);

	/* A call queued before the pool has a connection goes out once
	 * one is added. */
	pool = evrpc_pool_new(env->base);
	memset(&r, 0, sizeof(r));
	EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, &r);
	tt_assert(!r.done);
	evrpc_pool_add_connection(pool,
	    evhttp_connection_new("127.0.0.1", server_port));
	tt_assert(regress_run_until(env->base, &r.done, 3));
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_int_op(srv.calls, ==, 1);

	/* Unregistered: the server answers 404, a bad payload. */
	tt_int_op(EVRPC_UNREGISTER(rpc_base, Message), ==, 0);
	tt_int_op(EVRPC_UNREGISTER(rpc_base, Message), ==, -1);
	one_call(env, pool, &r, "gone");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	tt_int_op(srv.calls, ==, 1);

	/* A long name (the path no longer fits the stack buffer): 404. */
	{
		char name[201];
		memset(name, 'N', 200);
		name[200] = '\0';
		memset(&r, 0, sizeof(r));
		tt_int_op(evrpc_send_request_generic(pool, req, reply,
		    (void (*)(struct evrpc_status *, void *, void *, void *))
		    reply_cb, &r, name,
		    (void (*)(struct evbuffer *, void *))msg_marshal,
		    (void (*)(void *))kill_clear,
		    (int (*)(void *, struct evbuffer *))kill_unmarshal), ==, 0);
		tt_assert(regress_run_until(env->base, &r.done, 3));
		tt_int_op(r.error, ==, EVRPC_STATUS_ERR_BADPAYLOAD);
	}

	/* And registered again. */
	EVRPC_REGISTER(rpc_base, Message, msg, kill, message_cb, &srv);
	one_call(env, pool, &r, "back");
	tt_int_op(r.error, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(r.weapon, ==, "re:back");

	/* Freeing a pool with calls queued and in flight: no callbacks. */
	memset(&r, 0, sizeof(r));
	EVRPC_MAKE_REQUEST(NeverReply, pool, req, reply, reply_cb, &r);
	EVRPC_MAKE_REQUEST(Message, pool, req, reply, reply_cb, &r);
	event_base_loop(env->base, EVLOOP_NONBLOCK);
	evrpc_pool_free(pool);
	tt_assert(!r.done);

	msg_free(req);
	kill_free(reply);
	server_teardown();
}

/* A callback may free the pool it was called from; calls still queued
 * are dropped without callbacks. */
static struct evrpc_pool *free_me;
static int freeing_calls;

static void
free_pool_cb(struct evrpc_status *status, struct msg *req,
    struct kill *reply, void *arg)
{
	(void)req;
	(void)reply;
	freeing_calls++;
	*(int *)arg = status->error + 100;
	evrpc_pool_free(free_me);
}

static void
test_free_in_callback(struct regress_env *env)
{
	struct msg *req = make_request("bye");
	struct kill *reply = kill_new(), *reply2 = kill_new();
	struct result r2;
	int got = 0;
	double end;

	server_setup(env);
	free_me = pool_setup(env, server_port, 1);
	memset(&r2, 0, sizeof(r2));
	EVRPC_MAKE_REQUEST(Message, free_me, req, reply, free_pool_cb, &got);
	EVRPC_MAKE_REQUEST(Message, free_me, req, reply2, reply_cb, &r2);
	tt_assert(regress_run_until(env->base, &got, 3));
	tt_int_op(got, ==, 100 + EVRPC_STATUS_ERR_NONE);
	/* Keep the loop going a little: nothing else may run. */
	end = regress_now() + 0.1;
	while (regress_now() < end)
		event_base_loop(env->base, EVLOOP_NONBLOCK);
	tt_int_op(freeing_calls, ==, 1);
	tt_assert(!r2.done);

	/* Same from an UNSTARTED callback run inside EVRPC_MAKE_REQUEST. */
	free_me = pool_setup(env, server_port, 1);
	evrpc_add_hook(free_me, EVRPC_OUTPUT, refuse_hook, &got);
	got = 0;
	EVRPC_MAKE_REQUEST(Message, free_me, req, reply, free_pool_cb, &got);
	tt_int_op(freeing_calls, ==, 2);

	msg_free(req);
	kill_free(reply);
	kill_free(reply2);
	server_teardown();
}

/* Up to len - 1 bytes of the file at path, NUL-terminated, without the
 * CRs of a Windows program's text output; the length, -1 if unreadable. */
static int
sample_output(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int c;

	if (f == NULL)
		return -1;
	while (n + 1 < len && (c = getc(f)) != EOF)
		if (c != '\r')
			buf[n++] = (char)c;
	buf[n] = '\0';
	fclose(f);
	return (int)n;
}

/* The port of the server's "listening on" line in the file at path,
 * waiting for it up to 10 s (scaled); 0 if it never came. */
static int
sample_port(const char *path, pid_t pid)
{
	double end = regress_now() + 10 * regress_slowdown();
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char text[256];
	int port = 0;

	while (regress_now() < end && kill(pid, 0) == 0) {
		if (sample_output(path, text, sizeof(text)) > 0 &&
		    strchr(text, '\n') != NULL) {
			sscanf(text, "listening on 127.0.0.1:%d", &port);
			break;
		}
		nanosleep(&ts, NULL);
	}
	return port;
}

/* Run server, have client put two keys and get three, check the answers
 * and the server's clean exit on SIGTERM. */
static void
sample_exchange(const char *server, const char *client)
{
	char dir[64], sout[128], cout[128], port_s[16], text[1024];
	char *srv_argv[] = { (char *)server, NULL };
	char *put_argv[] = { (char *)client, port_s, "alpha=one", "beta=two",
		NULL };
	char *get_argv[] = { (char *)client, port_s, "alpha", "beta",
		"gamma", NULL };
	pid_t pid;
	int port;

	regress_tmpdir(dir, sizeof(dir), "rpc-sample");
	snprintf(sout, sizeof(sout), "%s/server.out", dir);
	snprintf(cout, sizeof(cout), "%s/client.out", dir);
	pid = regress_spawn(srv_argv, sout);
	port = sample_port(sout, pid);
	tt_assert(port > 0);
	snprintf(port_s, sizeof(port_s), "%d", port);

	if (regress_wait(regress_spawn(put_argv, cout), 10) != 0) {
		(void)sample_output(cout, text, sizeof(text));
		regress_fail(__FILE__, __LINE__, "%s failed:\n%s", client,
		    text);
	}
	tt_int_op(regress_wait(regress_spawn(get_argv, cout), 10), ==, 0);
	tt_int_op(sample_output(cout, text, sizeof(text)), >, 0);
	tt_str_op(text, ==, "get alpha: one\nget beta: two\n"
	    "get gamma: not found\n");

	kill(pid, SIGTERM);
#ifdef _WIN32
	/* No signal reaches a Windows program from another process:
	 * kill() ends it (TerminateProcess), before its summary line.  (A
	 * Unix one under wine gets the SIGTERM.) */
	if (!regress_w32_is_unix_program(server)) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int i;

		tt_int_op(regress_wait(pid, 3), ==, 128 + SIGTERM);
		/* (Wine may close its output file a moment later.) */
		for (i = 0; i < 200 && remove(sout) == -1 && errno == EACCES;
		    i++)
			nanosleep(&ts, NULL);
		regress_rmtree(dir);
		return;
	}
#endif
	/* SIGTERM ends the server cleanly, with its summary line. */
	tt_int_op(regress_wait(pid, 3), ==, 0);
	tt_int_op(sample_output(sout, text, sizeof(text)), >, 0);
	tt_assert(strstr(text, "\nserved 5 calls, 2 keys\n") != NULL);
	regress_rmtree(dir);
}

static const char *
sample_dir(char *buf, size_t len, const char *prog)
{
#ifdef _WIN32
	snprintf(buf, len, "%s/sample/%s.exe", regress_builddir(), prog);
#else
	snprintf(buf, len, "%s/sample/%s", regress_builddir(), prog);
#endif
	return buf;
}

/* The sample programs serve and call each other. */
static void
test_sample(struct regress_env *env)
{
	char server[1024], client[1024];

	(void)env;
	sample_dir(server, sizeof(server), "rpc-server");
	sample_dir(client, sizeof(client), "rpc-client");
	if (access(server, X_OK) != 0 || access(client, X_OK) != 0)
		tt_skip("sample/rpc-server not built here (set builddir)");
	sample_exchange(server, client);
}

/* Build their sample prog in dir: Debian's libevent 2.1 and the system's
 * headers only, none of ours.  Under wine the Unix cc runs, in the Unix
 * sh (the paths by their Unix names, the output in dir.log). */
static void
build_theirs(const char *prog, const char *dir, const char *bdir,
    const char *sdir)
{
	char cmd[8192], out[4096];
	size_t n;
	FILE *f;
	int st;
#ifdef _WIN32
	const char *sh = regress_find_program("sh");
	char ux[3][1024], log[128];
	char *argv[] = { (char *)sh, "-c", cmd, NULL };
	const char *cc = "cc";

	regress_path_for(sh, dir, ux[0], sizeof(ux[0]));
	regress_path_for(sh, bdir, ux[1], sizeof(ux[1]));
	regress_path_for(sh, sdir, ux[2], sizeof(ux[2]));
	snprintf(log, sizeof(log), "%s.log", dir);
	dir = ux[0];
	bdir = ux[1];
	sdir = ux[2];
#else
	const char *cc = getenv("CC") ? getenv("CC") : "cc";
#endif

	snprintf(cmd, sizeof(cmd), "%.100s -w -I/usr/include "
	    "-I'%.1000s' -I'%.1000s' -o %s/%s '%.1000s/sample/%s.c' "
	    "'%.1000s/sample/rpc-example.gen.c' -l:libevent.so 2>&1",
	    cc, bdir, sdir, dir, prog, sdir, prog, bdir);
#ifdef _WIN32
	st = regress_wait(regress_spawn(argv, log), 60);
	tt_assert((f = fopen(log, "rb")) != NULL);
	n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	(void)remove(log);
#else
	tt_assert((f = popen(cmd, "r")) != NULL);
	n = fread(out, 1, sizeof(out) - 1, f);
	st = pclose(f);
#endif
	out[n] = '\0';
	if (st != 0)
		regress_fail(__FILE__, __LINE__, "%s:\n%s", cmd, out);
}

/*
 * Wire interoperability with libevent's own evrpc: the same sample sources
 * and generated code built against Debian's libevent 2.1 (whose evrpc
 * speaks 1.4's protocol), then our server with their client and their
 * server with our client.  The win32 run does it under wine, with the
 * Unix programs built there.
 */
static void
test_interop(struct regress_env *env)
{
	char server[1024], client[1024], dir[64], theirs[128];
	char bdir[PATH_MAX], sdir[PATH_MAX];
	const char *progs[] = { "rpc-server", "rpc-client" };
#ifdef _WIN32
	const char *rpc_h = "Z:/usr/include/event2/rpc.h";

	if (regress_find_program("sh") == NULL)
		tt_skip("needs libevent 2.1 built for this system (Debian's "
		    "is for Linux, which only wine has)");
#else
	const char *rpc_h = "/usr/include/event2/rpc.h";
#endif
	size_t i;

	(void)env;
	if (access(rpc_h, R_OK) != 0)
		tt_skip("libevent 2.1 headers (libevent-dev) not installed");
	sample_dir(server, sizeof(server), "rpc-server");
	sample_dir(client, sizeof(client), "rpc-client");
	if (access(server, X_OK) != 0 || access(client, X_OK) != 0)
		tt_skip("sample/rpc-server not built here (set builddir)");
	tt_assert(realpath(regress_builddir(), bdir) != NULL);
	tt_assert(realpath(regress_srcdir(), sdir) != NULL);

	regress_tmpdir(dir, sizeof(dir), "rpc21");
	for (i = 0; i < 2; i++)
		build_theirs(progs[i], dir, bdir, sdir);
	snprintf(theirs, sizeof(theirs), "%s/rpc-client", dir);
	sample_exchange(server, theirs);	/* ours serving theirs */
	snprintf(theirs, sizeof(theirs), "%s/rpc-server", dir);
	sample_exchange(theirs, client);	/* theirs serving ours */

	regress_rmtree(dir);
}

struct regress_case regress_rpc_cases[] = {
	{ "rpc/basic", test_basic, RT_BASE, NULL },
	{ "rpc/pool", test_pool, RT_BASE, NULL },
	{ "rpc/timeout", test_timeout, RT_BASE, NULL },
	{ "rpc/hooks", test_hooks, RT_BASE, NULL },
	{ "rpc/server_garbage", test_server_garbage, RT_BASE, NULL },
	{ "rpc/client_garbage", test_client_garbage, RT_BASE, NULL },
	{ "rpc/wire", test_wire, RT_BASE, NULL },
	{ "rpc/register", test_register, RT_BASE, NULL },
	{ "rpc/free_in_callback", test_free_in_callback, RT_BASE, NULL },
	{ "rpc/samples", test_sample, RT_ONCE, NULL },
	{ "rpc/interop_libevent21", test_interop, RT_ONCE | RT_SLOW, NULL },
	RT_END
};
