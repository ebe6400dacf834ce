/*
 * test/regress_rpc2.c -- the libevent 2.x RPC calls (event2/rpc.h): a
 * server registered with 2.x's EVRPC_REGISTER (evrpc_register_generic),
 * 2.x hooks on both sides that pause and resume calls and pass metadata,
 * generic client calls (evrpc_make_request_ctx), the accessors, and 1.4
 * hooks on the same base and pool.  Server and pool share one event base
 * over loopback.
 *
 * Messages from test/regress.rpc: Message(msg) -> kill.
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

/* The 2.x view first: 2.x's EVRPC_REGISTER and evrpc_add_hook. */
#include "event2/event.h"
#include "event2/rpc.h"
#include "event2/rpc_compat.h"
#include "event.h"
#include "evhttp.h"
#include "evrpc.h"
#include "regress.h"
#include "regress_util.h"
#include "test/regress.gen.h"

/* regress_rpc.c defines evrpc_send_request_Message; the declaration is
 * the same from either header. */
EVRPC_HEADER(Message, msg, kill)

/* 1.4 hooks on the same objects (the exported 1.4 entry point). */
void *evrpc_add_hook14(void *, enum EVRPC_HOOK_TYPE,
    int (*)(struct evhttp_request *, struct evbuffer *, void *), void *)
    __asm__("evrpc_add_hook");

struct fixture {
	struct event_base *base;
	struct evhttp *http;
	struct evrpc_base *rpc;
	struct evrpc_pool *pool;
	unsigned short port;
	int lfd;
	/* server */
	int calls;
	char meta_seen[32];		/* server meta, seen by the callback */
	EVRPC_STRUCT(Message) *held;	/* answered later */
	/* hooks */
	void *paused_ctx;		/* a hook paused this call */
	void *paused_base;
	int hook_runs, hook14_runs;
	int pause_mode;			/* which hook pauses */
	struct evhttp_connection *hook_conn;
	/* client */
	int done, status;
	char weapon[64];
	char client_meta[32];		/* client meta, seen by input hook */
};

static struct fixture fx;

static void
message_cb(EVRPC_STRUCT(Message) *rpc, void *arg)
{
	struct msg *req = evrpc_get_request((struct evrpc_req_generic *)rpc);
	struct kill *rpl = evrpc_get_reply((struct evrpc_req_generic *)rpc);
	void *data;
	size_t len;
	char *from;

	tt_ptr_op(arg, ==, &fx);
	tt_ptr_op(req, ==, rpc->request);
	tt_ptr_op(rpl, ==, rpc->reply);
	fx.calls++;
	if (evrpc_hook_find_meta(rpc, "srv", &data, &len) == 0)
		snprintf(fx.meta_seen, sizeof(fx.meta_seen), "%.*s",
		    (int)len, (char *)data);
	tt_int_op(EVTAG_GET(req, from_name, &from), ==, 0);
	EVTAG_ASSIGN(rpl, weapon, from);
	EVTAG_ASSIGN(rpl, action, "reply");
	if (strcmp(from, "hold") == 0) {
		fx.held = rpc;
		return;
	}
	EVRPC_REQUEST_DONE(rpc);
}

static void
fixture_setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.base = event_base_new();
	tt_assert(fx.base != NULL);
	fx.lfd = regress_listen_loopback(AF_INET, &fx.port);
	fx.http = evhttp_new(fx.base);
	tt_int_op(evhttp_accept_socket(fx.http, fx.lfd), ==, 0);
	fx.rpc = evrpc_init(fx.http);
	tt_assert(fx.rpc != NULL);
	tt_int_op(EVRPC_REGISTER(fx.rpc, Message, msg, kill, message_cb, &fx),
	    ==, 0);
	/* A second registration of the name is refused. */
	tt_int_op(EVRPC_REGISTER(fx.rpc, Message, msg, kill, message_cb, &fx),
	    ==, -1);
	fx.pool = evrpc_pool_new(fx.base);
	evrpc_pool_add_connection(fx.pool,
	    evhttp_connection_new("127.0.0.1", fx.port));
}

static void
fixture_teardown(void)
{
	evrpc_pool_free(fx.pool);
	evrpc_free(fx.rpc);
	evhttp_free(fx.http);
	event_base_free(fx.base);
}

static void
reply_cb(struct evrpc_status *status, struct msg *req, struct kill *rpl,
    void *arg)
{
	char *w;

	(void)req;
	tt_ptr_op(arg, ==, &fx);
	fx.done++;
	fx.status = status->error;
	if (status->error == EVRPC_STATUS_ERR_NONE &&
	    EVTAG_GET(rpl, weapon, &w) == 0)
		snprintf(fx.weapon, sizeof(fx.weapon), "%s", w);
}

static struct msg *
request_of(const char *from)
{
	struct msg *m = msg_new();

	EVTAG_ASSIGN(m, from_name, from);
	EVTAG_ASSIGN(m, to_name, "server");
	return m;
}

static void
run_until_done(void)
{
	int i, flag = 0;

	for (i = 0; i < 250 && !fx.done; i++)
		(void)regress_run_until(fx.base, &flag, 0.02);
	tt_int_op(fx.done, ==, 1);
}

/* ---------------------------------------------------------------- */

static void
test_register_generic(struct regress_env *env)
{
	struct msg *m;
	struct kill *k = kill_new();

	(void)env;
	fixture_setup();
	m = request_of("generic");
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	run_until_done();
	tt_int_op(fx.status, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(fx.weapon, ==, "generic");
	tt_int_op(fx.calls, ==, 1);
	/* Bad arguments. */
	tt_int_op(evrpc_register_generic(fx.rpc, "X", NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL), ==, -1);
	tt_int_op(EVRPC_UNREGISTER(fx.rpc, Message), ==, 0);
	tt_int_op(EVRPC_UNREGISTER(fx.rpc, Message), ==, -1);
	tt_ptr_op(evrpc_get_request(NULL), ==, NULL);
	tt_ptr_op(evrpc_get_reply(NULL), ==, NULL);
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

static void
test_make_request_ctx(struct regress_env *env)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_pool *other;
	struct msg *m = request_of("ctx");
	struct kill *k = kill_new();

	(void)env;
	fixture_setup();
	ctx = EVRPC_MAKE_CTX(Message, msg, kill, fx.pool, m, k, reply_cb,
	    &fx);
	tt_assert(ctx != NULL);
	tt_ptr_op(evrpc_request_get_pool(ctx), ==, fx.pool);
	/* Moved to another pool and back; the callback replaced. */
	other = evrpc_pool_new(fx.base);
	evrpc_request_set_pool(ctx, other);
	tt_ptr_op(evrpc_request_get_pool(ctx), ==, other);
	evrpc_request_set_pool(ctx, fx.pool);
	evrpc_request_set_cb(ctx,
	    (void (*)(struct evrpc_status *, void *, void *, void *))reply_cb,
	    &fx);
	tt_int_op(evrpc_make_request(ctx), ==, 0);
	run_until_done();
	tt_int_op(fx.status, ==, EVRPC_STATUS_ERR_NONE);
	tt_str_op(fx.weapon, ==, "ctx");
	tt_ptr_op(evrpc_make_request_ctx(NULL, m, k, "Message", NULL, NULL,
	    NULL, NULL, NULL), ==, NULL);
	tt_ptr_op(evrpc_request_get_pool(NULL), ==, NULL);
	evrpc_pool_free(other);
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

/* ---------------------------------------------------------------- */
/* Hooks                                                             */

#define PAUSE_SERVER_IN		1
#define PAUSE_SERVER_OUT	2
#define PAUSE_CLIENT_OUT	3
#define PAUSE_CLIENT_IN		4

static int
hook2(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	int mode = (int)(intptr_t)arg;

	(void)buf;
	tt_assert(ctx != NULL);
	tt_assert(req != NULL);
	fx.hook_runs++;
	fx.hook_conn = evrpc_hook_get_connection(ctx);
	if (mode == PAUSE_SERVER_IN)
		evrpc_hook_add_meta(ctx, "srv", "from-hook", 9);
	if (mode == PAUSE_CLIENT_OUT)
		evrpc_hook_add_meta(ctx, "cli", "sent", 4);
	if (mode == PAUSE_CLIENT_IN) {
		void *data;
		size_t len;

		if (evrpc_hook_find_meta(ctx, "cli", &data, &len) == 0)
			snprintf(fx.client_meta, sizeof(fx.client_meta),
			    "%.*s", (int)len, (char *)data);
	}
	if (mode == fx.pause_mode) {
		fx.paused_ctx = ctx;
		return EVRPC_PAUSE;
	}
	return EVRPC_CONTINUE;
}

static int
hook14(struct evhttp_request *req, struct evbuffer *buf, void *arg)
{
	(void)req;
	(void)buf;
	(void)arg;
	fx.hook14_runs++;
	return 0;
}

/* Every 2.x hook point gets a hook; a 1.4 hook follows each. */
static void
hooks_install(void)
{
	tt_assert(evrpc_add_hook(fx.rpc, EVRPC_INPUT, hook2,
	    (void *)(intptr_t)PAUSE_SERVER_IN) != NULL);
	tt_assert(evrpc_add_hook(fx.rpc, EVRPC_OUTPUT, hook2,
	    (void *)(intptr_t)PAUSE_SERVER_OUT) != NULL);
	tt_assert(evrpc_add_hook(fx.pool, EVRPC_OUTPUT, hook2,
	    (void *)(intptr_t)PAUSE_CLIENT_OUT) != NULL);
	tt_assert(evrpc_add_hook(fx.pool, EVRPC_INPUT, hook2,
	    (void *)(intptr_t)PAUSE_CLIENT_IN) != NULL);
	tt_assert(evrpc_add_hook14(fx.rpc, EVRPC_INPUT, hook14, NULL));
	tt_assert(evrpc_add_hook14(fx.rpc, EVRPC_OUTPUT, hook14, NULL));
	tt_assert(evrpc_add_hook14(fx.pool, EVRPC_OUTPUT, hook14, NULL));
	tt_assert(evrpc_add_hook14(fx.pool, EVRPC_INPUT, hook14, NULL));
}

/* One call with a hook pausing at `mode`, resumed with res. */
static void
pause_at(int mode, enum EVRPC_HOOK_RESULT res, int want_status)
{
	struct msg *m = request_of("paused");
	struct kill *k = kill_new();
	void *owner;
	int i, flag = 0;

	fixture_setup();
	hooks_install();
	fx.pause_mode = mode;
	owner = mode <= PAUSE_SERVER_OUT ? (void *)fx.rpc : (void *)fx.pool;
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	for (i = 0; i < 250 && fx.paused_ctx == NULL; i++)
		(void)regress_run_until(fx.base, &flag, 0.02);
	tt_assert(fx.paused_ctx != NULL);
	/* Paused: nothing moves. */
	regress_run_for(fx.base, 0.05);
	tt_int_op(fx.done, ==, 0);
	/* Resuming needs the owner and a final answer. */
	tt_int_op(evrpc_resume_request(owner == (void *)fx.rpc ?
	    (void *)fx.pool : (void *)fx.rpc, fx.paused_ctx, res), ==, -1);
	tt_int_op(evrpc_resume_request(owner, fx.paused_ctx, EVRPC_PAUSE), ==,
	    -1);
	tt_int_op(evrpc_resume_request(owner, fx.paused_ctx, res), ==, 0);
	tt_int_op(evrpc_resume_request(owner, fx.paused_ctx, res), ==, -1);
	run_until_done();
	tt_int_op(fx.status, ==, want_status);
	if (want_status == EVRPC_STATUS_ERR_NONE) {
		tt_str_op(fx.weapon, ==, "paused");
		/* Every hook ran once, 2.x and 1.4 alike. */
		tt_int_op(fx.hook_runs, ==, 4);
		tt_int_op(fx.hook14_runs, ==, 4);
		tt_str_op(fx.meta_seen, ==, "from-hook");
		tt_str_op(fx.client_meta, ==, "sent");
	}
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

static void
test_pause_server_in(struct regress_env *env)
{
	(void)env;
	pause_at(PAUSE_SERVER_IN, EVRPC_CONTINUE, EVRPC_STATUS_ERR_NONE);
	/* Terminated at the server: the client sees a 503 (bad payload). */
	pause_at(PAUSE_SERVER_IN, EVRPC_TERMINATE,
	    EVRPC_STATUS_ERR_BADPAYLOAD);
}

static void
test_pause_server_out(struct regress_env *env)
{
	(void)env;
	pause_at(PAUSE_SERVER_OUT, EVRPC_CONTINUE, EVRPC_STATUS_ERR_NONE);
	pause_at(PAUSE_SERVER_OUT, EVRPC_TERMINATE,
	    EVRPC_STATUS_ERR_BADPAYLOAD);
}

static void
test_pause_client_out(struct regress_env *env)
{
	(void)env;
	pause_at(PAUSE_CLIENT_OUT, EVRPC_CONTINUE, EVRPC_STATUS_ERR_NONE);
	pause_at(PAUSE_CLIENT_OUT, EVRPC_TERMINATE,
	    EVRPC_STATUS_ERR_UNSTARTED);
}

static void
test_pause_client_in(struct regress_env *env)
{
	(void)env;
	pause_at(PAUSE_CLIENT_IN, EVRPC_CONTINUE, EVRPC_STATUS_ERR_NONE);
	pause_at(PAUSE_CLIENT_IN, EVRPC_TERMINATE,
	    EVRPC_STATUS_ERR_HOOKABORTED);
}

/* A pool freed while a call is paused in it: nothing leaks or runs. */
static void
test_pause_then_free(struct regress_env *env)
{
	struct msg *m = request_of("paused");
	struct kill *k = kill_new();
	int i, flag = 0;

	(void)env;
	fixture_setup();
	hooks_install();
	fx.pause_mode = PAUSE_CLIENT_OUT;
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	for (i = 0; i < 250 && fx.paused_ctx == NULL; i++)
		(void)regress_run_until(fx.base, &flag, 0.02);
	tt_assert(fx.paused_ctx != NULL);
	evrpc_pool_free(fx.pool);
	fx.pool = evrpc_pool_new(fx.base);
	tt_int_op(fx.done, ==, 0);
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

/* A hook that terminates at once; another that returns garbage. */
static int
hook_stop(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)ctx;
	(void)req;
	(void)buf;
	return (int)(intptr_t)arg;
}

static void
test_hook_terminate(struct regress_env *env)
{
	struct msg *m = request_of("x");
	struct kill *k = kill_new();
	void *h;

	(void)env;
	fixture_setup();
	h = evrpc_add_hook(fx.pool, EVRPC_OUTPUT, hook_stop,
	    (void *)(intptr_t)EVRPC_TERMINATE);
	tt_assert(h != NULL);
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	run_until_done();
	tt_int_op(fx.status, ==, EVRPC_STATUS_ERR_UNSTARTED);
	tt_int_op(evrpc_remove_hook(fx.pool, EVRPC_OUTPUT, h), ==, 1);
	/* An unknown result stops the call too. */
	tt_assert(evrpc_add_hook(fx.pool, EVRPC_INPUT, hook_stop,
	    (void *)(intptr_t)7) != NULL);
	fx.done = 0;
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	run_until_done();
	tt_int_op(fx.status, ==, EVRPC_STATUS_ERR_HOOKABORTED);
	tt_ptr_op(evrpc_add_hook(NULL, EVRPC_INPUT, hook_stop, NULL), ==, NULL);
	tt_int_op(evrpc_resume_request(fx.pool, m, EVRPC_CONTINUE), ==, -1);
	tt_int_op(evrpc_hook_find_meta(m, "x", NULL, NULL), ==, -1);
	tt_ptr_op(evrpc_hook_get_connection(NULL), ==, NULL);
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

/* The connection a hook sees: the pooled one on the client side. */
static void
test_hook_connection(struct regress_env *env)
{
	struct evhttp_connection *evcon;
	struct msg *m = request_of("x");
	struct kill *k = kill_new();

	(void)env;
	fixture_setup();
	fx.pause_mode = -1;
	tt_assert(evrpc_add_hook(fx.pool, EVRPC_INPUT, hook2,
	    (void *)(intptr_t)0) != NULL);
	tt_int_op(EVRPC_MAKE_REQUEST(Message, fx.pool, m, k, reply_cb, &fx),
	    ==, 0);
	run_until_done();
	tt_int_op(fx.status, ==, EVRPC_STATUS_ERR_NONE);
	tt_assert(fx.hook_conn != NULL);
	/* Removed from the pool, the connection is the program's again. */
	evcon = fx.hook_conn;
	evrpc_pool_remove_connection(fx.pool, evcon);
	evhttp_connection_free(evcon);
	msg_free(m);
	kill_free(k);
	fixture_teardown();
}

static void
test_constants(struct regress_env *env)
{
	(void)env;
	tt_int_op(EVRPC_TERMINATE, ==, -1);
	tt_int_op(EVRPC_CONTINUE, ==, 0);
	tt_int_op(EVRPC_PAUSE, ==, 1);
	tt_int_op(EVRPC_INPUT, ==, 0);
	tt_int_op(EVRPC_OUTPUT, ==, 1);
}

struct regress_case regress_rpc2_cases[] = {
	{ "rpc2/register_generic", test_register_generic, 0, NULL },
	{ "rpc2/make_request_ctx", test_make_request_ctx, 0, NULL },
	{ "rpc2/pause_server_in", test_pause_server_in, 0, NULL },
	{ "rpc2/pause_server_out", test_pause_server_out, 0, NULL },
	{ "rpc2/pause_client_out", test_pause_client_out, 0, NULL },
	{ "rpc2/pause_client_in", test_pause_client_in, 0, NULL },
	{ "rpc2/pause_then_free", test_pause_then_free, 0, NULL },
	{ "rpc2/hook_terminate", test_hook_terminate, 0, NULL },
	{ "rpc2/hook_connection", test_hook_connection, 0, NULL },
	{ "rpc2/constants", test_constants, RT_ONCE, NULL },
	RT_END
};
