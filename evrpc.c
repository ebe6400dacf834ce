/*
 * evrpc.c -- remote procedure calls carried by HTTP POST (libevent 1.4 API).
 *
 * Server: evrpc_register_rpc() installs an HTTP callback on "/.rpc.<name>".
 * An incoming call runs the base's input hooks, unmarshals the body into a
 * fresh request, makes an empty reply and hands both to the user's
 * callback.  EVRPC_REQUEST_DONE() (evrpc_request_done) checks the reply,
 * marshals it, runs the output hooks and answers 200; any failure on the
 * way answers "503 Service Error" and the server keeps serving.
 *
 * Client: a pool owns HTTP connections and carries one call per connection
 * at a time.  A call is queued in FIFO order and sent when a connection is
 * idle: the request is marshalled into a POST body, the pool's output hooks
 * run, the optional whole-call timer is armed.  The reply goes through the
 * input hooks and is unmarshalled; the user's callback gets the status.
 *
 * Only the public APIs of the core, the HTTP layer and tagging are used,
 * plus evhttp_connection_fail() (exported, as in 1.4) to abort a call
 * whose timer expired.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "evrpc.h"
#include "event2/rpc.h"	/* after evrpc.h: the 1.4 evrpc_add_hook */
#include "evrpc-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* http_api2.c: a request's method as 2.x's bit, whichever API made its
 * server (req->type's values differ). */
EV_HIDDEN unsigned http_req_method_(const struct evhttp_request *req);

#define RPC_URI_PREFIX "/.rpc."

static void evrpc_request_cb(struct evhttp_request *, void *);
static void evrpc_pool_schedule(struct evrpc_pool *);

/* ---------------------------------------------------------------- */
/* Hooks                                                             */

static void
evrpc_hooks_init(struct evrpc_hooks_ *hooks)
{
	TAILQ_INIT(&hooks->in_hooks);
	TAILQ_INIT(&hooks->out_hooks);
}

struct evrpc_hook_list *
evrpc_hook_list_of_(void *vbase, enum EVRPC_HOOK_TYPE hook_type)
{
	struct evrpc_hooks_ *hooks = vbase;

	switch (hook_type) {
	case EVRPC_INPUT:
		return (&hooks->in_hooks);
	case EVRPC_OUTPUT:
		return (&hooks->out_hooks);
	}
	return (NULL);
}

static void
evrpc_hooks_clear(struct evrpc_hook_list *head)
{
	struct evrpc_hook *hook;

	while ((hook = TAILQ_FIRST(head)) != NULL) {
		TAILQ_REMOVE(head, hook, next);
		mm_free(hook);
	}
}

/*
 * A new hook at the end of vbase's list of hook_type, for the 1.4 or the
 * 2.x registration to fill in its callback; NULL with errno set.
 */
struct evrpc_hook *
evrpc_hook_append_(void *vbase, enum EVRPC_HOOK_TYPE hook_type, int has_cb,
    void *cb_arg)
{
	struct evrpc_hook_list *head;
	struct evrpc_hook *hook;

	if (vbase == NULL || !has_cb ||
	    (head = evrpc_hook_list_of_(vbase, hook_type)) == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if ((hook = mm_calloc(1, sizeof(*hook))) == NULL) {
		event_warn("%s: calloc", __func__);
		return (NULL);
	}
	hook->process_arg = cb_arg;
	TAILQ_INSERT_TAIL(head, hook, next);
	return (hook);
}

void *
evrpc_add_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    int (*cb)(struct evhttp_request *, struct evbuffer *, void *),
    void *cb_arg)
{
	struct evrpc_hook *hook;

	hook = evrpc_hook_append_(vbase, hook_type, cb != NULL, cb_arg);
	if (hook != NULL)
		hook->process = cb;
	return (hook);
}

int
evrpc_remove_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type, void *handle)
{
	struct evrpc_hook_list *head;
	struct evrpc_hook *hook;

	if (vbase == NULL ||
	    (head = evrpc_hook_list_of_(vbase, hook_type)) == NULL)
		return (0);
	TAILQ_FOREACH(hook, head, next) {
		if (hook == handle) {
			TAILQ_REMOVE(head, hook, next);
			mm_free(hook);
			return (1);
		}
	}
	return (0);
}

/* ---------------------------------------------------------------- */
/* Server                                                            */

struct evrpc_base *
evrpc_init(struct evhttp *http_server)
{
	struct evrpc_base *base;

	if ((base = mm_calloc(1, sizeof(*base))) == NULL) {
		event_warn("%s: calloc", __func__);
		return (NULL);
	}
	/* The generated code's int/string helpers need it (in 1.4). */
	evtag_init();
	evrpc_hooks_init(&base->common);
	TAILQ_INIT(&base->registered_rpcs);
	base->http_server = http_server;
	return (base);
}

/* "/.rpc." + name, malloc'd; NULL on failure. */
static char *
evrpc_construct_uri(const char *name)
{
	size_t plen = strlen(RPC_URI_PREFIX), nlen = strlen(name);
	char *uri;

	if ((uri = mm_malloc(plen + nlen + 1)) == NULL) {
		event_warn("%s: malloc", __func__);
		return (NULL);
	}
	memcpy(uri, RPC_URI_PREFIX, plen);
	memcpy(uri + plen, name, nlen + 1);
	return (uri);
}

/* A fresh request or reply of rpc (2.x registrations keep theirs in
 * struct evrpc_generic_). */
static void *
evrpc_new_request(struct evrpc *rpc)
{
	struct evrpc_generic_ *g = (struct evrpc_generic_ *)rpc;

	if (rpc->request_new == evrpc_generic_new_)
		return (g->req_new(g->req_new_arg));
	return (rpc->request_new());
}

static void *
evrpc_new_reply(struct evrpc *rpc)
{
	struct evrpc_generic_ *g = (struct evrpc_generic_ *)rpc;

	if (rpc->reply_new == evrpc_generic_new_)
		return (g->rpl_new(g->rpl_new_arg));
	return (rpc->reply_new());
}

static void
evrpc_rpc_free(struct evrpc *rpc)
{
	mm_free((char *)rpc->uri);
	mm_free(rpc);
}

int
evrpc_register_rpc(struct evrpc_base *base, struct evrpc *rpc,
    void (*cb)(struct evrpc_req_generic *, void *), void *cb_arg)
{
	return (evrpc_register_(base, rpc, cb, cb_arg));
}

int
evrpc_register_(struct evrpc_base *base, struct evrpc *rpc,
    void (*cb)(struct evrpc_req_generic *, void *), void *cb_arg)
{
	struct evrpc *other;
	char *uri;

	if (rpc == NULL)
		return (-1);
	if (base == NULL || rpc->uri == NULL || cb == NULL) {
		event_warnx("%s: cannot register %s", __func__,
		    rpc->uri != NULL ? rpc->uri : "an RPC without a name");
		goto fail;
	}
	TAILQ_FOREACH(other, &base->registered_rpcs, next) {
		if (strcmp(other->uri, rpc->uri) == 0) {
			event_warnx("%s: %s is already registered",
			    __func__, rpc->uri);
			goto fail;
		}
	}
	if ((uri = evrpc_construct_uri(rpc->uri)) == NULL)
		goto fail;

	rpc->cb = cb;
	rpc->cb_arg = cb_arg;
	rpc->base = base;
	TAILQ_INSERT_TAIL(&base->registered_rpcs, rpc, next);
	evhttp_set_cb(base->http_server, uri, evrpc_request_cb, rpc);
	mm_free(uri);
	return (0);

 fail:
	/* The caller (EVRPC_REGISTER) handed rpc over: do not leak it. */
	evrpc_rpc_free(rpc);
	return (-1);
}

int
evrpc_unregister_rpc(struct evrpc_base *base, const char *name)
{
	struct evrpc *rpc;
	char *uri;

	if (base == NULL || name == NULL)
		return (-1);
	TAILQ_FOREACH(rpc, &base->registered_rpcs, next) {
		if (strcmp(rpc->uri, name) == 0)
			break;
	}
	if (rpc == NULL)
		return (-1);
	TAILQ_REMOVE(&base->registered_rpcs, rpc, next);

	if ((uri = evrpc_construct_uri(name)) != NULL) {
		evhttp_del_cb(base->http_server, uri);
		mm_free(uri);
	}
	evrpc_rpc_free(rpc);
	return (0);
}

void
evrpc_free(struct evrpc_base *base)
{
	struct evrpc *rpc;

	if (base == NULL)
		return;
	while ((rpc = TAILQ_FIRST(&base->registered_rpcs)) != NULL)
		evrpc_unregister_rpc(base, rpc->uri);
	evrpc_hooks_clear(&base->common.in_hooks);
	evrpc_hooks_clear(&base->common.out_hooks);
	mm_free(base);
}

void
evrpc_reqstate_free(struct evrpc_req_generic *rpc_state)
{
	struct evrpc *rpc;

	if (rpc_state == NULL)
		return;
	rpc = rpc_state->rpc;
	if (rpc_state->request != NULL)
		rpc->request_free(rpc_state->request);
	if (rpc_state->reply != NULL)
		rpc->reply_free(rpc_state->reply);
	evrpc_call_ext_free_(rpc_state);
	mm_free(rpc_state);
}

/* Refuse a call: 503 Service Error, as libevent answers. */
static void
evrpc_send_error(struct evhttp_request *req)
{
	evhttp_send_error(req, HTTP_SERVUNAVAIL, "Service Error");
}

/* The HTTP callback of every registered RPC; arg is its struct evrpc. */
static void
evrpc_request_cb(struct evhttp_request *req, void *arg)
{
	struct evrpc *rpc = arg;
	struct evrpc_req_generic *rpc_state = NULL;
	int hook, r;

	/* Only a POST with a body can carry a call. */
	if (http_req_method_(req) != 0x002 /* POST */ ||
	    req->input_buffer == NULL ||
	    EVBUFFER_LENGTH(req->input_buffer) == 0)
		goto error;

	if ((rpc_state = mm_calloc(1, sizeof(*rpc_state))) == NULL) {
		event_warn("%s: calloc", __func__);
		goto error;
	}
	rpc_state->rpc = rpc;
	rpc_state->http_req = req;
	rpc_state->done = evrpc_request_done;

	/* Input hooks may rewrite the body, refuse or pause the call. */
	r = evrpc_hooks_pass_(&rpc->base->common.in_hooks, rpc_state, 0, req,
	    req->input_buffer, &hook);
	if (r == EVRPC_PAUSE) {
		if (evrpc_pause_(rpc_state, 0, EVRPC_STAGE_SERVER_IN, rpc->base,
		    hook, req, req->input_buffer, NULL) == 0)
			return;
		r = EVRPC_TERMINATE;
	}
	evrpc_server_in_end_(rpc_state, r);
	return;

 error:
	evrpc_reqstate_free(rpc_state);
	evrpc_send_error(req);
}

/* The input hooks are through: make the objects and call the RPC. */
void
evrpc_server_in_end_(struct evrpc_req_generic *rpc_state, int res)
{
	struct evhttp_request *req = rpc_state->http_req;
	struct evrpc *rpc = rpc_state->rpc;

	if (res != EVRPC_CONTINUE)
		goto error;
	if ((rpc_state->request = evrpc_new_request(rpc)) == NULL)
		goto error;
	if (rpc->request_unmarshal(rpc_state->request,
		req->input_buffer) == -1) {
		event_debug(("%s: %s: bad request body", __func__, rpc->uri));
		goto error;
	}
	if ((rpc_state->reply = evrpc_new_reply(rpc)) == NULL)
		goto error;

	/* The callback answers now or later with EVRPC_REQUEST_DONE. */
	rpc->cb(rpc_state, rpc->cb_arg);
	return;

 error:
	evrpc_reqstate_free(rpc_state);
	evrpc_send_error(req);
}

void
evrpc_request_done(struct evrpc_req_generic *rpc_state)
{
	struct evhttp_request *req = rpc_state->http_req;
	struct evrpc *rpc = rpc_state->rpc;
	struct evbuffer *data = NULL;
	int hook, r;

	if (rpc->reply_complete(rpc_state->reply) == -1) {
		event_debug(("%s: %s: incomplete reply", __func__, rpc->uri));
		goto error;
	}
	if ((data = evbuffer_new()) == NULL) {
		event_warn("%s: evbuffer_new", __func__);
		goto error;
	}
	rpc->reply_marshal(data, rpc_state->reply);

	/* Output hooks may rewrite the reply, refuse or pause sending it. */
	r = evrpc_hooks_pass_(&rpc->base->common.out_hooks, rpc_state, 0, req,
	    data, &hook);
	if (r == EVRPC_PAUSE) {
		if (evrpc_pause_(rpc_state, 0, EVRPC_STAGE_SERVER_OUT,
		    rpc->base, hook, req, data, NULL) == 0)
			return;
		r = EVRPC_TERMINATE;
	}
	evrpc_server_out_end_(rpc_state, data, r);
	return;

 error:
	if (data != NULL)
		evbuffer_free(data);
	evrpc_reqstate_free(rpc_state);
	evrpc_send_error(req);
}

/* The output hooks are through: send the reply (data is freed). */
void
evrpc_server_out_end_(struct evrpc_req_generic *rpc_state,
    struct evbuffer *data, int res)
{
	struct evhttp_request *req = rpc_state->http_req;

	if (res == EVRPC_CONTINUE) {
		if (evhttp_find_header(req->output_headers, "Content-Type") ==
		    NULL)
			evhttp_add_header(req->output_headers, "Content-Type",
			    "application/octet-stream");
		evhttp_send_reply(req, HTTP_OK, "OK", data);
	} else {
		evrpc_send_error(req);
	}
	evbuffer_free(data);
	evrpc_reqstate_free(rpc_state);
}

/* ---------------------------------------------------------------- */
/* Client                                                            */

struct evrpc_pool *
evrpc_pool_new(struct event_base *base)
{
	struct evrpc_pool *pool;

	if ((pool = mm_calloc(1, sizeof(*pool))) == NULL) {
		event_warn("%s: calloc", __func__);
		return (NULL);
	}
	evrpc_hooks_init(&pool->common);
	TAILQ_INIT(&pool->connections);
	TAILQ_INIT(&pool->requests);
	TAILQ_INIT(&pool->inflight);
	pool->base = base;
	pool->timeout = -1;
	return (pool);
}

/* Free a call's wrapper (not its request and reply: the caller's). */
static void
evrpc_request_wrapper_free(struct evrpc_request_wrapper *ctx)
{
	evrpc_call_ext_free_(ctx);
	mm_free(ctx->name);
	mm_free(ctx);
}

/* Enter a frame that may run callbacks. */
static void
evrpc_pool_enter(struct evrpc_pool *pool)
{
	pool->busy++;
}

void
evrpc_pool_enter_(struct evrpc_pool *pool)
{
	evrpc_pool_enter(pool);
}

/*
 * Leave it.  Returns 1 if the pool was freed meanwhile (the caller must
 * not touch it any more); the outermost frame releases the struct.
 */
static int
evrpc_pool_leave(struct evrpc_pool *pool)
{
	if (--pool->busy == 0 && pool->dead) {
		mm_free(pool);
		return (1);
	}
	return (pool->dead);
}

int
evrpc_pool_leave_(struct evrpc_pool *pool)
{
	return (evrpc_pool_leave(pool));
}

void
evrpc_pool_free(struct evrpc_pool *pool)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_pool_conn *conn;

	if (pool == NULL || pool->dead)
		return;
	/* Calls are dropped without their callbacks, as in libevent. */
	while ((ctx = TAILQ_FIRST(&pool->requests)) != NULL) {
		TAILQ_REMOVE(&pool->requests, ctx, next);
		evrpc_request_wrapper_free(ctx);
	}
	while ((ctx = TAILQ_FIRST(&pool->inflight)) != NULL) {
		TAILQ_REMOVE(&pool->inflight, ctx, next);
		event_del(&ctx->ev_timeout);
		evrpc_request_wrapper_free(ctx);
	}
	/* Freeing a connection drops its HTTP requests without callbacks. */
	while ((conn = TAILQ_FIRST(&pool->connections)) != NULL) {
		TAILQ_REMOVE(&pool->connections, conn, next);
		evhttp_connection_free(conn->evcon);
		mm_free(conn);
	}
	evrpc_hooks_clear(&pool->common.in_hooks);
	evrpc_hooks_clear(&pool->common.out_hooks);
	if (pool->busy > 0) {
		/* Called from a callback: the struct goes last. */
		pool->dead = 1;
		return;
	}
	mm_free(pool);
}

void
evrpc_pool_add_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL || evcon == NULL)
		return;
	if ((conn = mm_calloc(1, sizeof(*conn))) == NULL) {
		/* No way to report it (void in 1.4): keep no dangling state. */
		event_warn("%s: calloc", __func__);
		evhttp_connection_free(evcon);
		return;
	}
	conn->evcon = evcon;
	if (pool->base != NULL)
		evhttp_connection_set_base(evcon, pool->base);
	if (pool->timeout > 0)
		evhttp_connection_set_timeout(evcon, pool->timeout);
	TAILQ_INSERT_TAIL(&pool->connections, conn, next);

	/* A call may be waiting for exactly this. */
	evrpc_pool_enter(pool);
	evrpc_pool_schedule(pool);
	evrpc_pool_leave(pool);
}

void
evrpc_pool_set_timeout(struct evrpc_pool *pool, int timeout_in_secs)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL)
		return;
	pool->timeout = timeout_in_secs;
	TAILQ_FOREACH(conn, &pool->connections, next)
		evhttp_connection_set_timeout(conn->evcon, timeout_in_secs);
}

static struct evrpc_pool_conn *
evrpc_pool_find_idle(struct evrpc_pool *pool)
{
	struct evrpc_pool_conn *conn;

	TAILQ_FOREACH(conn, &pool->connections, next) {
		if (conn->busy == NULL)
			return (conn);
	}
	return (NULL);
}

static struct evrpc_pool_conn *
evrpc_pool_find_conn(struct evrpc_pool *pool,
    struct evrpc_request_wrapper *ctx)
{
	struct evrpc_pool_conn *conn;

	TAILQ_FOREACH(conn, &pool->connections, next) {
		if (conn->busy == ctx)
			return (conn);
	}
	return (NULL);
}

/* Deliver status to the call's callback, then free the wrapper. */
static void
evrpc_finish(struct evrpc_request_wrapper *ctx, int error,
    struct evhttp_request *req)
{
	struct evrpc_status status;

	memset(&status, 0, sizeof(status));
	status.error = error;
	status.http_req = req;
	if (error != EVRPC_STATUS_ERR_NONE)
		ctx->reply_clear(ctx->reply);
	ctx->cb(&status, ctx->request, ctx->reply, ctx->cb_arg);
	evrpc_request_wrapper_free(ctx);
}

static void evrpc_reply_done(struct evhttp_request *, void *);

/*
 * Send ctx (already off the queue) on the idle connection conn.  A call
 * that cannot be sent gets EVRPC_STATUS_ERR_UNSTARTED.
 */
static void
evrpc_schedule_request(struct evrpc_pool *pool, struct evrpc_pool_conn *conn,
    struct evrpc_request_wrapper *ctx)
{
	struct evhttp_request *req;
	int hook = 0, r;

	if ((req = evhttp_request_new(evrpc_reply_done, ctx)) == NULL) {
		ctx->evcon = NULL;
		evrpc_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
		return;
	}
	ctx->request_marshal(req->output_buffer, ctx->request);

	/* Output hooks may rewrite the request, refuse or pause it. */
	r = evrpc_hooks_pass_(&pool->common.out_hooks, ctx, 1, req,
	    req->output_buffer, &hook);
	if (r == EVRPC_PAUSE) {
		/* The connection waits for this call; so does pool_free. */
		if (evrpc_pause_(ctx, 1, EVRPC_STAGE_CLIENT_OUT, pool, hook,
		    req, req->output_buffer, conn) == 0) {
			conn->busy = ctx;
			ctx->evcon = conn->evcon;
			TAILQ_INSERT_TAIL(&pool->inflight, ctx, next);
			return;
		}
		r = EVRPC_TERMINATE;
	}
	evrpc_client_out_end_(pool, conn, ctx, req, r);
}

/* The output hooks are through: send req on conn, or fail the call. */
void
evrpc_client_out_end_(struct evrpc_pool *pool, struct evrpc_pool_conn *conn,
    struct evrpc_request_wrapper *ctx, struct evhttp_request *req, int res)
{
	char ubuf[128], *uri = NULL;
	size_t nlen = strlen(ctx->name);

	if (res != EVRPC_CONTINUE)
		goto error;
	/* The path, on the stack when it fits (the common case). */
	if (nlen < sizeof(ubuf) - sizeof(RPC_URI_PREFIX)) {
		memcpy(ubuf, RPC_URI_PREFIX, sizeof(RPC_URI_PREFIX) - 1);
		memcpy(ubuf + sizeof(RPC_URI_PREFIX) - 1, ctx->name, nlen + 1);
		uri = ubuf;
	} else if ((uri = evrpc_construct_uri(ctx->name)) == NULL)
		goto error;

	conn->busy = ctx;
	ctx->evcon = conn->evcon;
	TAILQ_INSERT_TAIL(&pool->inflight, ctx, next);
	if (pool->timeout > 0) {
		struct timeval tv;

		tv.tv_sec = pool->timeout;
		tv.tv_usec = 0;
		evtimer_add(&ctx->ev_timeout, &tv);
	}
	if (evhttp_make_request(conn->evcon, req, EVHTTP_REQ_POST,
		uri) == -1) {
		/* Refused requests are not queued: req is still ours. */
		conn->busy = NULL;
		TAILQ_REMOVE(&pool->inflight, ctx, next);
		event_del(&ctx->ev_timeout);
		goto error;
	}
	if (uri != ubuf)
		mm_free(uri);
	return;

 error:
	if (uri != ubuf)
		mm_free(uri);
	evhttp_request_free(req);
	ctx->evcon = NULL;
	evrpc_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
}

/* Send queued calls while there are idle connections. */
static void
evrpc_pool_schedule(struct evrpc_pool *pool)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_pool_conn *conn;

	/* A callback run from here may queue calls: the loop takes them. */
	if (pool->scheduling || pool->dead)
		return;
	pool->scheduling = 1;
	while ((ctx = TAILQ_FIRST(&pool->requests)) != NULL &&
	    (conn = evrpc_pool_find_idle(pool)) != NULL) {
		TAILQ_REMOVE(&pool->requests, ctx, next);
		evrpc_schedule_request(pool, conn, ctx);
		if (pool->dead)
			return;		/* freed by a callback */
	}
	pool->scheduling = 0;
}

/* The whole-call timer expired: fail the connection carrying the call. */
static void
evrpc_request_timeout(int fd, short what, void *arg)
{
	struct evrpc_request_wrapper *ctx = arg;

	(void)fd;
	(void)what;
	/* Makes the HTTP layer call evrpc_reply_done(NULL, ctx). */
	evhttp_connection_fail(ctx->evcon, 0 /* EVCON_HTTP_TIMEOUT */);
}

/*
 * A reply that must outlive the HTTP layer's request (a paused input
 * hook): a request of ours takes its status, headers and body.
 */
static struct evhttp_request *
evrpc_reply_keep(struct evhttp_request *req)
{
	struct evhttp_request *copy = evhttp_request_new(NULL, NULL);
	struct evkeyval *kv;
	struct evbuffer *body;

	if (copy == NULL)
		return (NULL);
	if (req->response_code_line != NULL &&
	    (copy->response_code_line = mm_strdup(req->response_code_line))
	    == NULL) {
		evhttp_request_free(copy);
		return (NULL);
	}
	copy->response_code = req->response_code;
	copy->kind = req->kind;
	/* The header lists live inside their requests: move the entries. */
	while ((kv = TAILQ_FIRST(req->input_headers)) != NULL) {
		TAILQ_REMOVE(req->input_headers, kv, next);
		TAILQ_INSERT_TAIL(copy->input_headers, kv, next);
	}
	body = copy->input_buffer;
	copy->input_buffer = req->input_buffer;
	req->input_buffer = body;
	return (copy);
}

/* The HTTP layer finished the call's request; req is NULL on failure. */
static void
evrpc_reply_done(struct evhttp_request *req, void *arg)
{
	struct evrpc_request_wrapper *ctx = arg;
	struct evrpc_pool *pool = ctx->pool;
	struct evrpc_pool_conn *conn;
	struct evhttp_request *kept;
	int hook = 0, r = EVRPC_CONTINUE;

	event_del(&ctx->ev_timeout);
	TAILQ_REMOVE(&pool->inflight, ctx, next);
	if ((conn = evrpc_pool_find_conn(pool, ctx)) != NULL)
		conn->busy = NULL;

	if (req != NULL)
		r = evrpc_hooks_pass_(&pool->common.in_hooks, ctx, 1, req,
		    req->input_buffer, &hook);
	if (r == EVRPC_PAUSE) {
		if ((kept = evrpc_reply_keep(req)) != NULL &&
		    evrpc_pause_(ctx, 1, EVRPC_STAGE_CLIENT_IN, pool, hook,
		    kept, kept->input_buffer, NULL) == 0) {
			/* Listed so that evrpc_pool_free() finds it. */
			TAILQ_INSERT_TAIL(&pool->inflight, ctx, next);
			evrpc_pool_enter(pool);
			evrpc_pool_schedule(pool);
			evrpc_pool_leave(pool);
			return;
		}
		if (kept != NULL)
			evhttp_request_free(kept);
		r = EVRPC_TERMINATE;
	}
	evrpc_client_in_end_(ctx, req, r, 0);
}

/*
 * The input hooks are through (or req is NULL: the exchange failed):
 * unmarshal and report.  owned: req is ours (a resumed call, listed in
 * inflight), freed here.
 */
void
evrpc_client_in_end_(struct evrpc_request_wrapper *ctx,
    struct evhttp_request *req, int res, int owned)
{
	struct evrpc_pool *pool = ctx->pool;
	int error = EVRPC_STATUS_ERR_NONE;

	if (owned)
		TAILQ_REMOVE(&pool->inflight, ctx, next);
	if (req == NULL) {
		error = EVRPC_STATUS_ERR_TIMEOUT;
	} else if (res != EVRPC_CONTINUE) {
		error = EVRPC_STATUS_ERR_HOOKABORTED;
	} else {
		/*
		 * Start from an empty reply: unmarshalling refuses fields
		 * that are already set, and callers reuse reply objects.
		 */
		ctx->reply_clear(ctx->reply);
		if (ctx->reply_unmarshal(ctx->reply, req->input_buffer) == -1) {
			/* A 503 or a body that is not a reply lands here. */
			error = EVRPC_STATUS_ERR_BADPAYLOAD;
		}
	}
	evrpc_pool_enter(pool);
	evrpc_finish(ctx, error, req);
	if (owned)
		evhttp_request_free(req);

	/* The connection is free again: hand it the next waiting call. */
	if (!pool->dead)
		evrpc_pool_schedule(pool);
	evrpc_pool_leave(pool);
}

/* Ready ctx for its pool: no connection, the timer on the pool's base. */
void
evrpc_wrapper_init_(struct evrpc_request_wrapper *ctx)
{
	ctx->evcon = NULL;
	evtimer_set(&ctx->ev_timeout, evrpc_request_timeout, ctx);
	if (ctx->pool->base != NULL)
		event_base_set(ctx->pool->base, &ctx->ev_timeout);
}

int
evrpc_make_request(struct evrpc_request_wrapper *ctx)
{
	struct evrpc_pool *pool = ctx->pool;

	evrpc_wrapper_init_(ctx);

	TAILQ_INSERT_TAIL(&pool->requests, ctx, next);
	evrpc_pool_enter(pool);
	evrpc_pool_schedule(pool);
	evrpc_pool_leave(pool);
	return (0);
}

int
evrpc_send_request_generic(struct evrpc_pool *pool,
    void *request, void *reply,
    void (*cb)(struct evrpc_status *, void *, void *, void *),
    void *cb_arg, const char *rpcname,
    void (*req_marshal)(struct evbuffer *, void *),
    void (*rpl_clear)(void *),
    int (*rpl_unmarshal)(void *, struct evbuffer *))
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_status status;

	if ((ctx = mm_malloc(sizeof(*ctx))) == NULL)
		goto error;
	memset(ctx, 0, sizeof(*ctx));
	if ((ctx->name = mm_strdup(rpcname)) == NULL) {
		mm_free(ctx);
		goto error;
	}
	ctx->pool = pool;
	ctx->cb = cb;
	ctx->cb_arg = cb_arg;
	ctx->request = request;
	ctx->reply = reply;
	ctx->request_marshal = req_marshal;
	ctx->reply_clear = rpl_clear;
	ctx->reply_unmarshal = rpl_unmarshal;
	return (evrpc_make_request(ctx));

 error:
	event_warn("%s: out of memory", __func__);
	memset(&status, 0, sizeof(status));
	status.error = EVRPC_STATUS_ERR_UNSTARTED;
	cb(&status, request, reply, cb_arg);
	return (-1);
}
