/*
 * evrpc2.c -- the libevent 2.x RPC calls (event2/rpc.h): hooks that see
 * their call and may pause it, per-call metadata, generic registration
 * and calls, accessors.
 *
 * A 2.x hook gets the call as ctx: the server's struct evrpc_req_generic
 * or the client's struct evrpc_request_wrapper (1.4's layouts, which 2.x
 * programs never look into).  What such a call needs beyond those
 * structs, its metadata and a paused hook pass, lives in a struct
 * evrpc_call_ext_ found through the call pointer (a short list: only
 * calls with metadata or a pause have one).  A pause records the stage
 * and the next hook; evrpc_resume_request() runs the remaining hooks and
 * then the stage's end in evrpc.c, as if nothing had stopped.
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
#include "event2/rpc.h"
#include "evrpc.h"
#include "evrpc-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* One piece of metadata: a copy of the data under a copy of the key. */
struct evrpc_meta_ {
	TAILQ_ENTRY(evrpc_meta_) link;
	char *key;
	size_t size;
	unsigned char data[1];		/* allocated to fit */
};

static TAILQ_HEAD(, evrpc_call_ext_) call_exts =
    TAILQ_HEAD_INITIALIZER(call_exts);

/* The call whose 2.x hook runs now, and its kind. */
static void *hook_call;
static int hook_client;

/* ---------------------------------------------------------------- */
/* Per-call state                                                    */

struct evrpc_call_ext_ *
evrpc_call_ext_(void *call, int client, int create)
{
	struct evrpc_call_ext_ *ext;

	TAILQ_FOREACH(ext, &call_exts, link)
		if (ext->call == call)
			return (ext);
	if (!create || (ext = mm_calloc(1, sizeof(*ext))) == NULL)
		return (NULL);
	ext->call = call;
	ext->client = client;
	TAILQ_INIT(&ext->meta);
	TAILQ_INSERT_HEAD(&call_exts, ext, link);
	return (ext);
}

void
evrpc_call_ext_free_(void *call)
{
	struct evrpc_call_ext_ *ext;
	struct evrpc_meta_ *m;

	if (TAILQ_EMPTY(&call_exts) ||
	    (ext = evrpc_call_ext_(call, 0, 0)) == NULL)
		return;
	TAILQ_REMOVE(&call_exts, ext, link);
	while ((m = TAILQ_FIRST(&ext->meta)) != NULL) {
		TAILQ_REMOVE(&ext->meta, m, link);
		mm_free(m->key);
		mm_free(m);
	}
	/* A call freed while paused: what the pass held. */
	if (ext->paused && ext->stage == EVRPC_STAGE_SERVER_OUT)
		evbuffer_free(ext->buf);
	else if (ext->paused && ext->client)
		evhttp_request_free(ext->req);
	mm_free(ext);
}

/* ---------------------------------------------------------------- */
/* Hooks                                                             */

void *
evrpc_add_hook_2x(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    int (*cb)(void *, struct evhttp_request *, struct evbuffer *, void *),
    void *cb_arg)
{
	struct evrpc_hook *hook;

	hook = evrpc_hook_append_(vbase, hook_type, cb != NULL, cb_arg);
	if (hook != NULL)
		hook->process2 = cb;
	return (hook);
}

int
evrpc_hooks_run_(struct evrpc_hook_list *head, void *call, int client,
    struct evhttp_request *req, struct evbuffer *buf, int *pos)
{
	struct evrpc_hook *hook, *nexthook;
	void *outer_call = hook_call;
	int outer_client = hook_client, i = 0, r;

	for (hook = TAILQ_FIRST(head); hook != NULL; hook = nexthook, i++) {
		/* Fetched first: a hook may remove itself. */
		nexthook = TAILQ_NEXT(hook, next);
		if (i < *pos)
			continue;
		if (hook->process != NULL) {
			/* 1.4: -1 stops the call, anything else goes on. */
			if (hook->process(req, buf, hook->process_arg) == -1)
				return (EVRPC_TERMINATE);
			continue;
		}
		hook_call = call;
		hook_client = client;
		r = hook->process2(call, req, buf, hook->process_arg);
		hook_call = outer_call;
		hook_client = outer_client;
		if (r == EVRPC_PAUSE) {
			*pos = i + 1;
			return (EVRPC_PAUSE);
		}
		if (r != EVRPC_CONTINUE)
			return (EVRPC_TERMINATE);
	}
	return (EVRPC_CONTINUE);
}

int
evrpc_pause_(void *call, int client, enum evrpc_stage_ stage, void *owner,
    int pos, struct evhttp_request *req, struct evbuffer *buf,
    struct evrpc_pool_conn *conn)
{
	struct evrpc_call_ext_ *ext = evrpc_call_ext_(call, client, 1);

	if (ext == NULL) {
		event_warn("%s: calloc", __func__);
		return (-1);
	}
	ext->client = client;
	ext->paused = 1;
	ext->stage = stage;
	ext->owner = owner;
	ext->next_hook = pos;
	ext->req = req;
	ext->buf = buf;
	ext->conn = conn;
	return (0);
}

/* The hooks of a stage. */
static struct evrpc_hook_list *
stage_hooks(const struct evrpc_call_ext_ *ext)
{
	struct evrpc_hooks_ *hooks = ext->owner;

	return (ext->stage == EVRPC_STAGE_SERVER_IN ||
	    ext->stage == EVRPC_STAGE_CLIENT_IN ?
	    &hooks->in_hooks : &hooks->out_hooks);
}

/* A stage's end after its hooks answered res. */
static void
stage_end(struct evrpc_call_ext_ *ext, void *call, int res)
{
	struct evhttp_request *req = ext->req;
	struct evbuffer *buf = ext->buf;
	struct evrpc_pool_conn *conn = ext->conn;
	struct evrpc_request_wrapper *ctx = call;
	struct evrpc_pool *pool = ext->owner;

	switch (ext->stage) {
	case EVRPC_STAGE_SERVER_IN:
		evrpc_server_in_end_(call, res);
		break;
	case EVRPC_STAGE_SERVER_OUT:
		evrpc_server_out_end_(call, buf, res);
		break;
	case EVRPC_STAGE_CLIENT_OUT:
		/* The connection was held for this call. */
		TAILQ_REMOVE(&pool->inflight, ctx, next);
		conn->busy = NULL;
		evrpc_pool_enter_(pool);
		evrpc_client_out_end_(pool, conn, ctx, req, res);
		evrpc_pool_leave_(pool);
		break;
	case EVRPC_STAGE_CLIENT_IN:
		evrpc_client_in_end_(ctx, req, res, 1);
		break;
	}
}

int
evrpc_resume_request(void *vbase, void *ctx, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_call_ext_ *ext;
	int pos, r = res;

	if (ctx == NULL || (ext = evrpc_call_ext_(ctx, 0, 0)) == NULL ||
	    !ext->paused || ext->owner != vbase ||
	    (res != EVRPC_CONTINUE && res != EVRPC_TERMINATE))
		return (-1);
	ext->paused = 0;
	if (r == EVRPC_CONTINUE) {
		pos = ext->next_hook;
		r = evrpc_hooks_run_(stage_hooks(ext), ctx, ext->client,
		    ext->req, ext->buf, &pos);
		if (r == EVRPC_PAUSE) {
			ext->paused = 1;
			ext->next_hook = pos;
			return (0);
		}
	}
	stage_end(ext, ctx, r);
	return (0);
}

/* ---------------------------------------------------------------- */
/* Metadata                                                          */

void
evrpc_hook_add_meta(void *ctx, const char *key, const void *data,
    size_t data_size)
{
	struct evrpc_call_ext_ *ext;
	struct evrpc_meta_ *m;

	if (ctx == NULL || key == NULL || (data == NULL && data_size > 0) ||
	    data_size > (size_t)-1 - sizeof(*m))
		return;
	if ((ext = evrpc_call_ext_(ctx, ctx == hook_call && hook_client,
	    1)) == NULL ||
	    (m = mm_calloc(1, sizeof(*m) + data_size)) == NULL) {
		event_warn("%s: calloc", __func__);
		return;
	}
	if ((m->key = mm_strdup(key)) == NULL) {
		mm_free(m);
		return;
	}
	if (data_size > 0)
		memcpy(m->data, data, data_size);
	m->size = data_size;
	TAILQ_INSERT_TAIL(&ext->meta, m, link);
}

int
evrpc_hook_find_meta(void *ctx, const char *key, void **data,
    size_t *data_size)
{
	struct evrpc_call_ext_ *ext;
	struct evrpc_meta_ *m;

	if (ctx == NULL || key == NULL ||
	    (ext = evrpc_call_ext_(ctx, 0, 0)) == NULL)
		return (-1);
	TAILQ_FOREACH(m, &ext->meta, link) {
		if (strcmp(m->key, key) == 0) {
			if (data != NULL)
				*data = m->data;
			if (data_size != NULL)
				*data_size = m->size;
			return (0);
		}
	}
	return (-1);
}

/* The connection of a call, from inside one of its hooks (or while it
 * is paused). */
struct evhttp_connection *
evrpc_hook_get_connection(void *ctx)
{
	struct evrpc_call_ext_ *ext;
	int client;

	if (ctx == NULL)
		return (NULL);
	if (ctx == hook_call)
		client = hook_client;
	else if ((ext = evrpc_call_ext_(ctx, 0, 0)) != NULL && ext->paused)
		client = ext->client;
	else
		return (NULL);
	return (client ? ((struct evrpc_request_wrapper *)ctx)->evcon :
	    ((struct evrpc_req_generic *)ctx)->http_req->evcon);
}

/* ---------------------------------------------------------------- */
/* Server calls                                                      */

void *
evrpc_generic_new_(void)
{
	/* A marker: generic registrations construct through their own. */
	return (NULL);
}

void *
evrpc_get_request(struct evrpc_req_generic *req)
{
	return (req != NULL ? req->request : NULL);
}

void *
evrpc_get_reply(struct evrpc_req_generic *req)
{
	return (req != NULL ? req->reply : NULL);
}

int
evrpc_register_generic(struct evrpc_base *base, const char *name,
    void (*callback)(struct evrpc_req_generic *, void *), void *cbarg,
    void *(*req_new)(void *), void *req_new_arg, void (*req_free)(void *),
    int (*req_unmarshal)(void *, struct evbuffer *),
    void *(*rpl_new)(void *), void *rpl_new_arg, void (*rpl_free)(void *),
    int (*rpl_complete)(void *),
    void (*rpl_marshal)(struct evbuffer *, void *))
{
	struct evrpc_generic_ *g;

	if (base == NULL || name == NULL || callback == NULL ||
	    req_new == NULL || req_free == NULL || req_unmarshal == NULL ||
	    rpl_new == NULL || rpl_free == NULL || rpl_complete == NULL ||
	    rpl_marshal == NULL) {
		event_warnx("%s: missing argument", __func__);
		return (-1);
	}
	if ((g = mm_calloc(1, sizeof(*g))) == NULL ||
	    (g->rpc.uri = mm_strdup(name)) == NULL) {
		event_warn("%s: calloc", __func__);
		mm_free(g);
		return (-1);
	}
	g->rpc.request_new = evrpc_generic_new_;
	g->rpc.request_free = req_free;
	g->rpc.request_unmarshal = req_unmarshal;
	g->rpc.reply_new = evrpc_generic_new_;
	g->rpc.reply_free = rpl_free;
	g->rpc.reply_complete = rpl_complete;
	g->rpc.reply_marshal = rpl_marshal;
	g->req_new = req_new;
	g->req_new_arg = req_new_arg;
	g->rpl_new = rpl_new;
	g->rpl_new_arg = rpl_new_arg;
	/* Frees g (the struct evrpc is its first member) on failure. */
	return (evrpc_register_(base, &g->rpc, callback, cbarg));
}

/* ---------------------------------------------------------------- */
/* Client calls                                                      */

struct evrpc_request_wrapper *
evrpc_make_request_ctx(struct evrpc_pool *pool, void *request, void *reply,
    const char *rpcname, void (*req_marshal)(struct evbuffer *, void *),
    void (*rpl_clear)(void *), int (*rpl_unmarshal)(void *, struct evbuffer *),
    void (*cb)(struct evrpc_status *, void *, void *, void *), void *cbarg)
{
	struct evrpc_request_wrapper *ctx;

	if (pool == NULL || rpcname == NULL || req_marshal == NULL ||
	    rpl_clear == NULL || rpl_unmarshal == NULL || cb == NULL)
		return (NULL);
	if ((ctx = mm_calloc(1, sizeof(*ctx))) == NULL)
		return (NULL);
	if ((ctx->name = mm_strdup(rpcname)) == NULL) {
		mm_free(ctx);
		return (NULL);
	}
	ctx->pool = pool;
	ctx->cb = cb;
	ctx->cb_arg = cbarg;
	ctx->request = request;
	ctx->reply = reply;
	ctx->request_marshal = req_marshal;
	ctx->reply_clear = rpl_clear;
	ctx->reply_unmarshal = rpl_unmarshal;
	evrpc_wrapper_init_(ctx);
	return (ctx);
}

struct evrpc_pool *
evrpc_request_get_pool(struct evrpc_request_wrapper *ctx)
{
	return (ctx != NULL ? ctx->pool : NULL);
}

/* Before evrpc_make_request() only: the timer follows the new pool. */
void
evrpc_request_set_pool(struct evrpc_request_wrapper *ctx,
    struct evrpc_pool *pool)
{
	if (ctx == NULL || pool == NULL)
		return;
	ctx->pool = pool;
	evrpc_wrapper_init_(ctx);
}

void
evrpc_request_set_cb(struct evrpc_request_wrapper *ctx,
    void (*cb)(struct evrpc_status *, void *request, void *reply, void *arg),
    void *cb_arg)
{
	if (ctx == NULL || cb == NULL)
		return;
	ctx->cb = cb;
	ctx->cb_arg = cb_arg;
}

void
evrpc_pool_remove_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL || evcon == NULL)
		return;
	TAILQ_FOREACH(conn, &pool->connections, next) {
		if (conn->evcon == evcon) {
			TAILQ_REMOVE(&pool->connections, conn, next);
			mm_free(conn);
			return;
		}
	}
}
