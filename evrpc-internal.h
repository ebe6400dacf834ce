/*
 * evrpc-internal.h -- private structures of the RPC framework (evrpc.c).
 *
 * struct evrpc_base and struct evrpc_pool both begin with a struct
 * evrpc_hooks_, so evrpc_add_hook() and evrpc_remove_hook() can take
 * either one as a void *.
 */
#ifndef EVRPC_INTERNAL_H
#define EVRPC_INTERNAL_H

#include <sys/queue.h>

/* One hook added by evrpc_add_hook(); the handle is its address. */
struct evrpc_hook {
	TAILQ_ENTRY(evrpc_hook) next;
	int (*process)(struct evhttp_request *, struct evbuffer *, void *);
	void *process_arg;
};

TAILQ_HEAD(evrpc_hook_list, evrpc_hook);

/* The common head of evrpc_base and evrpc_pool. */
struct evrpc_hooks_ {
	struct evrpc_hook_list in_hooks;	/* EVRPC_INPUT */
	struct evrpc_hook_list out_hooks;	/* EVRPC_OUTPUT */
};

TAILQ_HEAD(evrpc_list, evrpc);

struct evrpc_base {
	struct evrpc_hooks_ common;		/* must stay first */

	struct evhttp *http_server;		/* not owned */
	struct evrpc_list registered_rpcs;	/* struct evrpc, by name */
};

/* A pooled connection and the call it carries (NULL when idle). */
struct evrpc_pool_conn {
	TAILQ_ENTRY(evrpc_pool_conn) next;
	struct evhttp_connection *evcon;	/* owned by the pool */
	struct evrpc_request_wrapper *busy;
};

TAILQ_HEAD(evrpc_conn_list, evrpc_pool_conn);
TAILQ_HEAD(evrpc_requestq, evrpc_request_wrapper);

struct evrpc_pool {
	struct evrpc_hooks_ common;		/* must stay first */

	struct event_base *base;		/* NULL: current_base */
	struct evrpc_conn_list connections;
	int timeout;				/* seconds; <= 0: none */

	struct evrpc_requestq requests;		/* waiting for a connection */
	struct evrpc_requestq inflight;		/* sent, awaiting a reply */

	/*
	 * Set while the pool hands out calls, so that a callback that
	 * starts a call does not recurse into the scheduler.
	 */
	int scheduling;

	/*
	 * Library frames on the stack that may run user callbacks.  A
	 * callback may free the pool (evrpc_pool_free): everything is
	 * released at once but the struct itself, which the outermost
	 * frame frees on its way out (dead is set meanwhile).
	 */
	int busy;
	int dead;
};

/* Also exported (as in libevent 1.4): finish or discard a server call. */
void evrpc_reqstate_free(struct evrpc_req_generic *rpc_state);
void evrpc_request_done(struct evrpc_req_generic *rpc_state);

/*
 * Fail a client connection as if it had timed out: its current request's
 * callback runs with a NULL request.  Exported by http_conn.c (libevent 1.4
 * exports it too); the enum argument is EVCON_HTTP_TIMEOUT = 0.
 */
void evhttp_connection_fail(struct evhttp_connection *, int);

#endif /* EVRPC_INTERNAL_H */
