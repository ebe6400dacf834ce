/*
 * bufferevent-internal.h -- the private side of struct bufferevent, shared
 * by bufferevent.c (the calls common to every kind), bufferevent_sock.c,
 * bufferevent_pair.c, bufferevent_filter.c and bufferevent_ratelim.c.
 *
 * struct bufferevent keeps libevent 1.4's public layout.  Every kind of
 * bufferevent is allocated as a larger struct whose first member is a
 * struct bufferevent_private, whose first member is the public struct; so
 * the 1.4 and 2.x calls work on all of them.  What differs between kinds
 * is behind struct bufferevent_ops.
 *
 * Whether a direction runs is decided in one place: it must be enabled
 * (the program's choice, bev->enabled) and not suspended (the library's:
 * read high watermark, rate limits, a connect in progress, a filter above
 * that stopped reading).  Whenever either changes, ops->update() makes
 * the kind's machinery (events, transfers) follow.
 */
#ifndef BUFFEREVENT_INTERNAL_H
#define BUFFEREVENT_INTERNAL_H

#include "evbuffer-internal.h"	/* first: the 2.x declarations */
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include "evutil-internal.h"	/* socket calls and errors */
#include <event2/event.h>	/* EV_FINALIZE, event_del_block() */

/* Why a direction is suspended (read_suspended / write_suspended bits). */
#define BEV_SUSPEND_WM		0x01	/* input at the read high watermark */
#define BEV_SUSPEND_BW		0x02	/* own rate limit used up */
#define BEV_SUSPEND_BW_GROUP	0x04	/* the group's rate limit used up */
#define BEV_SUSPEND_CONNECTING	0x08	/* waiting for connect() */
#define BEV_SUSPEND_FILT_READ	0x10	/* a filter on top stopped reading */

struct bufferevent_ops {
	const char *type;
	/* Make the machinery follow the enabled/suspended state of the
	 * directions in `which` (EV_READ|EV_WRITE, plus BEV_UPDATE_* saying
	 * why).  0, or -1 when an event could not be added. */
	int (*update)(struct bufferevent *bev, short which);
	/* bufferevent_free() was called: stop everything and detach from
	 * partners.  The memory may live on while references remain. */
	void (*unlink)(struct bufferevent *bev);
	/* The last reference is gone: release the kind's resources (the
	 * common code then frees the buffers and the memory). */
	void (*destruct)(struct bufferevent *bev);
	/* bufferevent_flush(): -1, 0 (nothing moved) or 1. */
	int (*flush)(struct bufferevent *bev, short iotype,
	    enum bufferevent_flush_mode mode);
	/* The fd (-1 if none), and setting one (-1 if the kind has none). */
	evutil_socket_t (*get_fd)(struct bufferevent *bev);
	int (*set_fd)(struct bufferevent *bev, evutil_socket_t fd);
	/* The bufferevent underneath, or NULL. */
	struct bufferevent *(*get_underlying)(struct bufferevent *bev);
};

/* Extra bits of update()'s `which`. */
#define BEV_UPDATE_ENABLE_	0x100	/* from bufferevent_enable() */
#define BEV_UPDATE_TIMEOUTS_	0x200	/* the timeouts changed */

struct bufferevent_rate_limit;

struct bufferevent_private {
	struct bufferevent bev;		/* the public part; must stay first */
	const struct bufferevent_ops *ops;
	int options;			/* BEV_OPT_* */
	int flags;			/* BEV_P_* */
	int refcnt;			/* the program's and our handlers' */
	void *lock;			/* NULL: no locking */
	int own_lock;

	short read_suspended;		/* BEV_SUSPEND_* */
	short write_suspended;

	/* The timeouts ({0, 0}: none); bev->timeout_read/_write mirror
	 * their whole seconds for 1.4 programs. */
	struct timeval tv_read;
	struct timeval tv_write;

	/* The largest single read and write; 0: the default. */
	size_t max_single_read;
	size_t max_single_write;

	/* On the input while reading waits for it to drop below the read
	 * high watermark. */
	struct evbuffer_cb_entry *wm_entry;
	/* On the output: the kind's reaction to new output. */
	struct evbuffer_cb_entry *out_entry;

	/* Callbacks waiting for the deferred event (DEFER_CALLBACKS). */
	struct event deferred;
	int deferred_scheduled;
	int readcb_pending;
	int writecb_pending;
	short eventcb_pending;		/* BEV_EVENT_* bits */
	int eventcb_errno;		/* errno to restore for the event cb */

	/* Socket bufferevents. */
	int out_error;			/* errno of a failed event_add() in
					   the output callback, for
					   bufferevent_write() to return */
	int connect_errno;		/* connect() failed at once with it */
	int dns_error;			/* getaddrinfo()'s EAI_* result */
	/* evdns_getaddrinfo() in progress for connect_hostname (it holds
	 * a reference), or NULL. */
	struct evdns_getaddrinfo_request *dns_request;

	struct bufferevent_rate_limit *rate_limiting;	/* NULL: none */

	/* A bufferevent this one holds a reference on until its own memory
	 * is gone (a filter's underlying one, whose lock it shares). */
	struct bufferevent *release_after;
};

#define BEV_P(bev)	((struct bufferevent_private *)(bev))

#define BEV_P_COMPAT14	0x01	/* made by bufferevent_new(): 1.4 ways */
#define BEV_P_FREEING	0x02	/* bufferevent_free() was called */
#define BEV_P_CONNECTING 0x04	/* socket: connect() in progress */
#define BEV_P_NESTED_FREE 0x08	/* freed by the bufferevent above it,
				   which waits for its handlers */

EV_HIDDEN extern const struct bufferevent_ops bufferevent_ops_socket_;
EV_HIDDEN extern const struct bufferevent_ops bufferevent_ops_pair_;
EV_HIDDEN extern const struct bufferevent_ops bufferevent_ops_filter_;

/*
 * Set up the common part of a bufferevent the caller allocated (zeroed):
 * buffers, lock, deferred event; writing enabled.  base may be NULL (a
 * 1.4 bufferevent before bufferevent_base_set()).  0, or -1 with
 * everything made so far released (the caller frees the memory).
 */
EV_HIDDEN int bufferevent_init_common_(struct bufferevent_private *p,
    struct event_base *base, const struct bufferevent_ops *ops, int options);

/*
 * Set up one of the bufferevent's own events on its base.  The code
 * deletes them with the lock held, so with threads a deletion must not
 * wait for a handler that the loop runs meanwhile (the handler waits for
 * that lock): they carry EV_FINALIZE, and bufferevent_free() waits for
 * running handlers itself, without the lock.
 */
EV_HIDDEN void bufferevent_event_set_(struct bufferevent *bev,
    struct event *ev, evutil_socket_t fd, short events,
    void (*cb)(int, short, void *), void *arg);

/* Use lock (shared with a partner) or, with BEV_OPT_THREADSAFE, a new
 * one; also locks the two buffers with it. */
EV_HIDDEN void bufferevent_enable_locking_(struct bufferevent_private *p,
    void *lock);

/* The bufferevent's lock. */
static inline void
bufferevent_lock_(struct bufferevent *bev)
{
	if (BEV_P(bev)->lock != NULL)
		evbuffer_lock_acquire_(BEV_P(bev)->lock);
}

static inline void
bufferevent_unlock_(struct bufferevent *bev)
{
	if (BEV_P(bev)->lock != NULL)
		evbuffer_lock_release_(BEV_P(bev)->lock);
}

/* Free the bufferevent, its last reference gone (the lock is held). */
EV_HIDDEN void bufferevent_finalize_(struct bufferevent *bev);

/* Take a reference and the lock; the release frees the bufferevent when
 * that was the last reference (returns 1 then).  Inline: every event
 * handler does both. */
static inline void
bufferevent_incref_and_lock_(struct bufferevent *bev)
{
	bufferevent_lock_(bev);
	BEV_P(bev)->refcnt++;
}

static inline int
bufferevent_decref_and_unlock_(struct bufferevent *bev)
{
	if (--BEV_P(bev)->refcnt > 0) {
		bufferevent_unlock_(bev);
		return 0;
	}
	bufferevent_finalize_(bev);
	return 1;
}

/* Does the direction run: enabled, not suspended, not being freed? */
static inline int
bufferevent_reading_(const struct bufferevent *bev)
{
	const struct bufferevent_private *p = BEV_P(bev);

	return (bev->enabled & EV_READ) && p->read_suspended == 0 &&
	    !(p->flags & BEV_P_FREEING);
}

static inline int
bufferevent_writing_(const struct bufferevent *bev)
{
	const struct bufferevent_private *p = BEV_P(bev);

	return (bev->enabled & EV_WRITE) && p->write_suspended == 0 &&
	    !(p->flags & BEV_P_FREEING);
}

static inline int
bufferevent_has_timeout_(const struct timeval *tv)
{
	return tv->tv_sec != 0 || tv->tv_usec != 0;
}

/* Add ev with the timeout tv (none when zero). */
EV_HIDDEN int bufferevent_add_event_(struct event *ev,
    const struct timeval *tv);

/* Add (on) or remove a suspension reason of EV_READ or EV_WRITE and
 * update the direction. */
EV_HIDDEN void bufferevent_set_suspended_(struct bufferevent *bev,
    short which, short what, int on);

static inline void
bufferevent_suspend_read_(struct bufferevent *bev, short what)
{
	bufferevent_set_suspended_(bev, EV_READ, what, 1);
}

static inline void
bufferevent_unsuspend_read_(struct bufferevent *bev, short what)
{
	bufferevent_set_suspended_(bev, EV_READ, what, 0);
}

static inline void
bufferevent_suspend_write_(struct bufferevent *bev, short what)
{
	bufferevent_set_suspended_(bev, EV_WRITE, what, 1);
}

static inline void
bufferevent_unsuspend_write_(struct bufferevent *bev, short what)
{
	bufferevent_set_suspended_(bev, EV_WRITE, what, 0);
}

/* After the input grew: suspend reading at the read high watermark. */
EV_HIDDEN void bufferevent_check_read_wm_(struct bufferevent *bev);

/*
 * After an end of file, error or timeout in one direction: a 2.x
 * bufferevent disables it; a 1.4 one (bufferevent_new) only stops it and
 * keeps the enabled bit, as 1.4 did.
 */
EV_HIDDEN void bufferevent_stop_direction_(struct bufferevent *bev,
    short which);

/*
 * Run the program's callbacks: now, or from the loop when the
 * bufferevent defers callbacks or options has BEV_TRIG_DEFER_CALLBACKS.
 * The event callback sees errno as it was when it was asked for.
 */
EV_HIDDEN void bufferevent_run_readcb_(struct bufferevent *bev, int options);
EV_HIDDEN void bufferevent_run_writecb_(struct bufferevent *bev, int options);
EV_HIDDEN void bufferevent_run_eventcb_(struct bufferevent *bev, short what,
    int options);

/*
 * Timeouts for kinds without an fd of their own (pairs, filters): ev_read
 * and ev_write become timers, armed while the direction runs (writing:
 * and has output), restarted by each call.
 */
EV_HIDDEN void bufferevent_init_generic_timeouts_(struct bufferevent *bev);
EV_HIDDEN void bufferevent_generic_adj_timeouts_(struct bufferevent *bev);

/*
 * Rate limits (bufferevent_ratelim.c), used by socket bufferevents.  The
 * most the next read (reading) or write may move, -1 for no limit beyond
 * the defaults (the evbuffer then sizes reads itself); and charging n bytes
 * moved to the buckets, which suspends the direction when they run dry.
 */
EV_HIDDEN ev_ssize_t bufferevent_quota_(struct bufferevent_private *p,
    int reading);
EV_HIDDEN void bufferevent_charge_(struct bufferevent_private *p, int reading,
    size_t n);
/* Leave the group and free the rate-limit state. */
EV_HIDDEN void bufferevent_ratelim_free_(struct bufferevent_private *p);

/* Exported, as in 1.4, but declared nowhere public: resumes reading once
 * the input dropped below the read high watermark. */
void bufferevent_read_pressure_cb(struct evbuffer *buf, size_t old_len,
    size_t new_len, void *arg);

#endif /* BUFFEREVENT_INTERNAL_H */
