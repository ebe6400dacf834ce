/*
 * event2/rpc_struct.h -- the structures of the RPC framework.
 *
 * relevent is a clean-room implementation of the libevent API.  Names
 * and fields match libevent (1.4's layout, which the 2.x calls use too:
 * libevent 2.1 keeps these structures private, so 2.x programs reach
 * them only through the accessors of event2/rpc.h); the text is ours.
 * 1.4's <evrpc.h> takes them from here with EVRPC_STRUCT_14_ONLY_
 * defined, so that it stays a 1.4 view.
 */
#ifndef EVENT2_RPC_STRUCT_H_INCLUDED_
#define EVENT2_RPC_STRUCT_H_INCLUDED_

#ifndef EVRPC_STRUCT_14_ONLY_
/* struct event, for struct evrpc_request_wrapper (1.4 programs include
 * <event.h> first). */
#include <event2/event_struct.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Intrusive list links used by the public structures below. */
#ifdef TAILQ_ENTRY
#define _EVRPC_TQ_ENTRY(type) TAILQ_ENTRY(type)
#else
#define _EVRPC_TQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}
#endif

struct evbuffer;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evhttp_connection;
struct evrpc_base;
struct evrpc_pool;
struct evrpc_status;
struct evrpc_req_generic;

/*
 * One registered server RPC.  Filled by EVRPC_REGISTER_OBJECT() and owned
 * by the library once passed to evrpc_register_rpc().
 */
struct evrpc {
	_EVRPC_TQ_ENTRY(evrpc) next;

	/* the RPC's name; the HTTP path is "/.rpc." followed by it */
	const char* uri;

	/* create, free and unmarshal a request */
	void *(*request_new)(void);
	void (*request_free)(void *);
	int (*request_unmarshal)(void *, struct evbuffer *);

	/* create, free, check and marshal a reply */
	void *(*reply_new)(void);
	void (*reply_free)(void *);
	int (*reply_complete)(void *);
	void (*reply_marshal)(struct evbuffer*, void *);

	/* the user's callback, run for each incoming call */
	void (*cb)(struct evrpc_req_generic *, void *);
	void *cb_arg;

	/* the base this RPC is registered with */
	struct evrpc_base *base;
};

/* The untyped per-call state; same layout as EVRPC_STRUCT(name). */
struct evrpc_req_generic {
	void *request;
	void *reply;
	struct evrpc *rpc;
	struct evhttp_request* http_req;
	void (*done)(struct evrpc_req_generic* rpc);
};

/* Client side: the outcome of a call, passed to the completion callback. */
#define EVRPC_STATUS_ERR_NONE		0	/* success */
#define EVRPC_STATUS_ERR_TIMEOUT	1	/* timeout or failed exchange */
#define EVRPC_STATUS_ERR_BADPAYLOAD	2	/* the reply did not unmarshal */
#define EVRPC_STATUS_ERR_UNSTARTED	3	/* the call could not be sent */
#define EVRPC_STATUS_ERR_HOOKABORTED	4	/* an input hook refused the reply */
struct evrpc_status {
	int error;
	/* the HTTP response (NULL on timeout); valid during the callback */
	struct evhttp_request *http_req;
};

/*
 * One client call in flight or queued on a pool.  EVRPC_GENERATE's stubs
 * fill it; evrpc_make_request() takes ownership (it must come from malloc
 * and name from strdup/malloc: both are freed after the callback).
 */
struct evrpc_request_wrapper {
	_EVRPC_TQ_ENTRY(evrpc_request_wrapper) next;

	/* the pool the call goes through */
	struct evrpc_pool *pool;

	/* the connection carrying it, once sent */
	struct evhttp_connection *evcon;

	/* the whole-call timeout (see evrpc_pool_set_timeout) */
	struct event ev_timeout;

	/* the RPC's name */
	char *name;

	/* completion callback */
	void (*cb)(struct evrpc_status*, void *request, void *reply, void *arg);
	void *cb_arg;

	void *request;
	void *reply;

	/* the generated functions for the request and reply structures */
	void (*request_marshal)(struct evbuffer *, void *);
	void (*reply_clear)(void *);
	int (*reply_unmarshal)(void *, struct evbuffer*);
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_RPC_STRUCT_H_INCLUDED_ */

/* The 2.x view (version macros), at the first inclusion outside <evrpc.h>. */
#if !defined(EVENT2_RPC_STRUCT_2X_) && !defined(EVRPC_STRUCT_14_ONLY_)
#define EVENT2_RPC_STRUCT_2X_
#include <event2/visibility.h>
#endif
