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

#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif

/* One hook added by evrpc_add_hook(); the handle is its address.  A 1.4
 * hook has process, a 2.x one (evrpc_add_hook_2x) process2. */
struct evrpc_hook {
	TAILQ_ENTRY(evrpc_hook) next;
	int (*process)(struct evhttp_request *, struct evbuffer *, void *);
	int (*process2)(void *, struct evhttp_request *, struct evbuffer *,
	    void *);
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

/* ---------------------------------------------------------------- */
/* Per-call state of the 2.x hooks (evrpc2.c)                        */

/* Where a call's hooks run: the four points a 2.x hook may pause. */
enum evrpc_stage_ {
	EVRPC_STAGE_SERVER_IN, EVRPC_STAGE_SERVER_OUT,
	EVRPC_STAGE_CLIENT_OUT, EVRPC_STAGE_CLIENT_IN
};

struct evrpc_meta_;
TAILQ_HEAD(evrpc_meta_list_, evrpc_meta_);

/*
 * What a call carries for the 2.x hooks, made on first need: its
 * metadata, and where its hooks stopped when one paused.  Kept in a
 * process-wide list by call (the server's struct evrpc_req_generic or the
 * client's struct evrpc_request_wrapper), since the 2.x calls get only
 * that pointer; freed with the call.
 */
struct evrpc_call_ext_ {
	TAILQ_ENTRY(evrpc_call_ext_) link;
	void *call;
	int client;			/* call is a request wrapper */
	struct evrpc_meta_list_ meta;
	/* A paused hook pass. */
	int paused;
	enum evrpc_stage_ stage;
	void *owner;			/* evrpc_base or evrpc_pool */
	int next_hook;			/* index of the next hook to run */
	struct evhttp_request *req;
	struct evbuffer *buf;
	struct evrpc_pool_conn *conn;	/* CLIENT_OUT: the reserved one */
};

/* The call's state; NULL if it has none and create is 0 (or no memory). */
EV_HIDDEN struct evrpc_call_ext_ *evrpc_call_ext_(void *call, int client,
    int create);
/* Free a call's state, if it has one. */
EV_HIDDEN void evrpc_call_ext_free_(void *call);

/*
 * Run the hooks of head from index *pos on (call, req, buf); client: call
 * is a request wrapper.  Returns
 * EVRPC_CONTINUE when all agreed, EVRPC_TERMINATE when one refused, or
 * EVRPC_PAUSE with *pos at the next hook (the caller records the pass in
 * the call's state with evrpc_pause_()).
 */
EV_HIDDEN int evrpc_hooks_run_(struct evrpc_hook_list *head, void *call,
    int client, struct evhttp_request *req, struct evbuffer *buf, int *pos);
/* evrpc_hooks_run_() from the start, without a call for no hooks (the
 * common case: every RPC passes four hook points). */
static inline int
evrpc_hooks_pass_(struct evrpc_hook_list *head, void *call, int client,
    struct evhttp_request *req, struct evbuffer *buf, int *pos)
{
	*pos = 0;
	if (TAILQ_EMPTY(head))
		return (EVRPC_CONTINUE);
	return (evrpc_hooks_run_(head, call, client, req, buf, pos));
}

/* Record a paused pass; -1 (the call must fail) without memory. */
EV_HIDDEN int evrpc_pause_(void *call, int client, enum evrpc_stage_ stage,
    void *owner, int pos, struct evhttp_request *req, struct evbuffer *buf,
    struct evrpc_pool_conn *conn);

/* The stages' ends (evrpc.c): res is EVRPC_CONTINUE or EVRPC_TERMINATE. */
EV_HIDDEN void evrpc_server_in_end_(struct evrpc_req_generic *rpc_state,
    int res);
EV_HIDDEN void evrpc_server_out_end_(struct evrpc_req_generic *rpc_state,
    struct evbuffer *data, int res);
EV_HIDDEN void evrpc_client_out_end_(struct evrpc_pool *pool,
    struct evrpc_pool_conn *conn, struct evrpc_request_wrapper *ctx,
    struct evhttp_request *req, int res);
EV_HIDDEN void evrpc_client_in_end_(struct evrpc_request_wrapper *ctx,
    struct evhttp_request *req, int res, int owned);

EV_HIDDEN void evrpc_pool_enter_(struct evrpc_pool *pool);
EV_HIDDEN int evrpc_pool_leave_(struct evrpc_pool *pool);
EV_HIDDEN struct evrpc_hook *evrpc_hook_append_(void *vbase,
    enum EVRPC_HOOK_TYPE hook_type, int has_cb, void *cb_arg);
EV_HIDDEN struct evrpc_hook_list *evrpc_hook_list_of_(void *vbase,
    enum EVRPC_HOOK_TYPE hook_type);
EV_HIDDEN int evrpc_register_(struct evrpc_base *base, struct evrpc *rpc,
    void (*cb)(struct evrpc_req_generic *, void *), void *cb_arg);
EV_HIDDEN void evrpc_wrapper_init_(struct evrpc_request_wrapper *ctx);

/*
 * An RPC registered with evrpc_register_generic(): the 1.4 struct with
 * request_new and reply_new set to evrpc_generic_new_ (never called),
 * and the 2.x constructors with their arguments here.
 */
struct evrpc_generic_ {
	struct evrpc rpc;		/* must stay first */
	void *(*req_new)(void *);
	void *req_new_arg;
	void *(*rpl_new)(void *);
	void *rpl_new_arg;
};
EV_HIDDEN void *evrpc_generic_new_(void);

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
