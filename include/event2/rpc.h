/*
 * event2/rpc.h -- remote procedure calls over HTTP, libevent 2.x API.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 * The wire format and the 1.4 calls are those of <evrpc.h>, which
 * documents them; this header adds:
 *
 *  - hooks that see the call they belong to (ctx) and may pause it
 *    (EVRPC_PAUSE) until evrpc_resume_request(), and per-call metadata
 *    that travels from the hooks to the callbacks (evrpc_hook_add_meta(),
 *    evrpc_hook_find_meta());
 *  - untyped registration and calls (evrpc_register_generic(),
 *    evrpc_make_request_ctx()) and accessors for the call objects.
 *
 * A translation unit sees evrpc_add_hook() with the 2.x hook type when
 * this header comes before <evrpc.h> (the name maps to
 * evrpc_add_hook_2x), with 1.4's otherwise; both kinds of hooks may sit
 * on one base or pool.  The per-call structure (EVRPC_STRUCT) has one
 * layout in both views: request, reply, rpc, http_req.
 *
 * The server callback and the client stubs take the structures made by
 * event_rpcgen.py; EVRPC_REGISTER() uses their _new_with_arg, _free,
 * _unmarshal, _complete and _marshal functions.
 */
#ifndef EVENT2_RPC_H_INCLUDED_
#define EVENT2_RPC_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/rpc_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evhttp_connection;
struct evrpc_base;
struct evrpc_pool;

/* Accessors of generated messages (see rpc_compat.h for 1.4's forms). */
#ifndef EVTAG_HAS
#define EVTAG_HAS(msg, member) ((msg)->member##_set == 1)
#define EVTAG_ASSIGN(msg, member, value) \
	(*(msg)->base->member##_assign)((msg), (value))
#define EVTAG_GET(msg, member, pvalue) \
	(*(msg)->base->member##_get)((msg), (pvalue))
#endif
#ifndef EVTAG_ASSIGN_WITH_LEN
#define EVTAG_ASSIGN_WITH_LEN(msg, member, value, len) \
	(*(msg)->base->member##_assign)((msg), (value), (len))
#define EVTAG_GET_WITH_LEN(msg, member, pvalue, plen) \
	(*(msg)->base->member##_get)((msg), (pvalue), (plen))
#endif
#ifndef EVTAG_ARRAY_GET
#define EVTAG_ARRAY_GET(msg, member, offset, pvalue) \
	(*(msg)->base->member##_get)((msg), (offset), (pvalue))
#define EVTAG_ARRAY_ADD(msg, member) (*(msg)->base->member##_add)(msg)
#define EVTAG_ARRAY_LEN(msg, member) ((msg)->member##_length)
#endif
#ifndef EVTAG_ARRAY_ADD_VALUE
/* Arrays of values need 2.x's generator (ours makes arrays of structs). */
#define EVTAG_ARRAY_ADD_VALUE(msg, member, value) \
	(*(msg)->base->member##_add)((msg), (value))
#define EVTAG_ARRAY_ADD_VALUE_WITH_LEN(msg, member, value, len) \
	(*(msg)->base->member##_add)((msg), (value), (len))
#endif

/* What <evrpc.h> defines too; skipped when it came first. */
#ifndef _EVRPC_H_
#define EVRPC_STRUCT(rpcname) struct evrpc_req__##rpcname

#define EVRPC_HEADER(rpcname, reqstruct, rplystruct)			\
EVRPC_STRUCT(rpcname) {							\
	struct reqstruct* request;					\
	struct rplystruct* reply;					\
	struct evrpc* rpc;						\
	struct evhttp_request* http_req;				\
	void (*done)(struct evrpc_status *,				\
	    struct evrpc* rpc, void *request, void *reply);		\
};									\
int evrpc_send_request_##rpcname(struct evrpc_pool *,			\
    struct reqstruct *, struct rplystruct *,				\
    void (*)(struct evrpc_status *,					\
	struct reqstruct *, struct rplystruct *, void *cbarg),		\
    void *);

#define EVRPC_GENERATE(rpcname, reqstruct, rplystruct)			\
int evrpc_send_request_##rpcname(struct evrpc_pool *pool,		\
    struct reqstruct *request, struct rplystruct *reply,		\
    void (*cb)(struct evrpc_status *,					\
	struct reqstruct *, struct rplystruct *, void *cbarg),		\
    void *cbarg)							\
{									\
	return evrpc_send_request_generic(pool,				\
	    (void *)request, (void *)reply,				\
	    (void (*)(struct evrpc_status *, void *, void *, void *))cb, \
	    cbarg, #rpcname,						\
	    (void (*)(struct evbuffer *, void *))reqstruct##_marshal,	\
	    (void (*)(void *))rplystruct##_clear,			\
	    (int (*)(void *, struct evbuffer *))rplystruct##_unmarshal); \
}

#define EVRPC_REQUEST_HTTP(rpc_req) (rpc_req)->http_req

#define EVRPC_REQUEST_DONE(rpc_req) do {				\
	evrpc_request_done((struct evrpc_req_generic *)(rpc_req));	\
} while (0)

/* Register the RPC name on base; 0, or -1 (see evrpc_register_generic). */
#define EVRPC_REGISTER(base, name, request, reply, callback, cbarg)	\
	evrpc_register_generic((base), #name,				\
	    (void (*)(struct evrpc_req_generic *, void *))(callback),	\
	    (cbarg),							\
	    (void *(*)(void *))request##_new_with_arg, NULL,		\
	    (void (*)(void *))request##_free,				\
	    (int (*)(void *, struct evbuffer *))request##_unmarshal,	\
	    (void *(*)(void *))reply##_new_with_arg, NULL,		\
	    (void (*)(void *))reply##_free,				\
	    (int (*)(void *))reply##_complete,				\
	    (void (*)(struct evbuffer *, void *))reply##_marshal)

#define EVRPC_UNREGISTER(base, name) evrpc_unregister_rpc((base), #name)

#define EVRPC_MAKE_REQUEST(name, pool, request, reply, cb, cbarg)	\
	evrpc_send_request_##name((pool), (request), (reply), (cb), (cbarg))

enum EVRPC_HOOK_TYPE {
	EVRPC_INPUT,	/* server: incoming request; client: incoming reply */
	EVRPC_OUTPUT	/* server: outgoing reply; client: outgoing request */
};

#ifndef _WIN32
#define INPUT EVRPC_INPUT
#define OUTPUT EVRPC_OUTPUT
#endif

/*
 * Add a hook to an evrpc_base or an evrpc_pool (vbase).  cb(ctx, req,
 * buf, cb_arg) returns an EVRPC_HOOK_RESULT; ctx is the call (the server
 * side's struct evrpc_req_generic, the client side's struct
 * evrpc_request_wrapper) for the meta and resume calls.  A handle for
 * evrpc_remove_hook(), or NULL.
 */
#define evrpc_add_hook evrpc_add_hook_2x
void *evrpc_add_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    int (*cb)(void *, struct evhttp_request *, struct evbuffer *, void *),
    void *cb_arg);
#endif /* !_EVRPC_H_ */

/* What a 2.x hook returns. */
enum EVRPC_HOOK_RESULT {
	EVRPC_TERMINATE = -1,	/* stop the call */
	EVRPC_CONTINUE = 0,	/* go on with the next hook */
	EVRPC_PAUSE = 1		/* wait for evrpc_resume_request() */
};

/* Also the 1.4 calls (documented in <evrpc.h>). */
struct evrpc_base *evrpc_init(struct evhttp *server);
void evrpc_free(struct evrpc_base *base);
int evrpc_register_rpc(struct evrpc_base *, struct evrpc *,
    void (*)(struct evrpc_req_generic*, void *), void *);
int evrpc_unregister_rpc(struct evrpc_base *base, const char *name);
int evrpc_make_request(struct evrpc_request_wrapper *ctx);
struct evrpc_pool *evrpc_pool_new(struct event_base *base);
void evrpc_pool_free(struct evrpc_pool *pool);
void evrpc_pool_add_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon);
void evrpc_pool_set_timeout(struct evrpc_pool *pool, int timeout_in_secs);
int evrpc_remove_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    void *handle);
int evrpc_send_request_generic(struct evrpc_pool *pool, void *request,
    void *reply, void (*cb)(struct evrpc_status *, void *, void *, void *),
    void *cb_arg, const char *rpcname,
    void (*req_marshal)(struct evbuffer *, void *),
    void (*rpl_clear)(void *),
    int (*rpl_unmarshal)(void *, struct evbuffer *));

/* Server calls: answer (check, marshal, output hooks, send) and read. */
void evrpc_request_done(struct evrpc_req_generic *req);
void *evrpc_get_request(struct evrpc_req_generic *req);
void *evrpc_get_reply(struct evrpc_req_generic *req);

/*
 * Register an RPC from its functions: req_new(req_new_arg) and
 * rpl_new(rpl_new_arg) make the objects, req_unmarshal() reads the body,
 * rpl_complete() checks the reply before rpl_marshal() writes it.  0, or
 * -1 for a missing function, a taken name or no memory.
 */
int evrpc_register_generic(struct evrpc_base *base, const char *name,
    void (*callback)(struct evrpc_req_generic *, void *), void *cbarg,
    void *(*req_new)(void *), void *req_new_arg, void (*req_free)(void *),
    int (*req_unmarshal)(void *, struct evbuffer *),
    void *(*rpl_new)(void *), void *rpl_new_arg, void (*rpl_free)(void *),
    int (*rpl_complete)(void *),
    void (*rpl_marshal)(struct evbuffer *, void *));

/*
 * A client call not yet made, for evrpc_make_request() (which then owns
 * it).  NULL for bad arguments or no memory.
 */
struct evrpc_request_wrapper *evrpc_make_request_ctx(
    struct evrpc_pool *pool, void *request, void *reply,
    const char *rpcname,
    void (*req_marshal)(struct evbuffer*, void *),
    void (*rpl_clear)(void *),
    int (*rpl_unmarshal)(void *, struct evbuffer *),
    void (*cb)(struct evrpc_status *, void *, void *, void *),
    void *cbarg);

#define EVRPC_MAKE_CTX(rpcname, reqstruct, rplystruct, pool, request,	\
    reply, cb, cbarg)							\
	evrpc_make_request_ctx((pool), (request), (reply), #rpcname,	\
	    (void (*)(struct evbuffer *, void *))reqstruct##_marshal,	\
	    (void (*)(void *))rplystruct##_clear,			\
	    (int (*)(void *, struct evbuffer *))rplystruct##_unmarshal,	\
	    (void (*)(struct evrpc_status *, void *, void *, void *))(cb), \
	    (cbarg))

/* Forget a pooled connection (the program owns it again).  A call it
 * carries is not stopped. */
void evrpc_pool_remove_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon);

/*
 * Go on with a call whose hook returned EVRPC_PAUSE: res is
 * EVRPC_CONTINUE (the remaining hooks run, then the call) or
 * EVRPC_TERMINATE.  vbase is the base or pool of the hook.  0, or -1 if
 * ctx is not paused there or res is EVRPC_PAUSE.
 */
int evrpc_resume_request(void *vbase, void *ctx, enum EVRPC_HOOK_RESULT res);

/*
 * Metadata of a call: a copy of data under key, from the hooks to the
 * callbacks (a client call's output hooks to its input hooks, a server
 * call's input hooks to its callback and output hooks).  find: 0 with
 * *data and *data_size set (valid while the call lives), -1 if none.
 */
void evrpc_hook_add_meta(void *ctx, const char *key, const void *data,
    size_t data_size);
int evrpc_hook_find_meta(void *ctx, const char *key, void **data,
    size_t *data_size);

/* The connection a call travels on (client: NULL until it is sent). */
struct evhttp_connection *evrpc_hook_get_connection(void *ctx);

struct evrpc_pool *evrpc_request_get_pool(struct evrpc_request_wrapper *ctx);
void evrpc_request_set_pool(struct evrpc_request_wrapper *ctx,
    struct evrpc_pool *pool);
void evrpc_request_set_cb(struct evrpc_request_wrapper *ctx,
    void (*cb)(struct evrpc_status*, void *request, void *reply, void *arg),
    void *cb_arg);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_RPC_H_INCLUDED_ */
