/*
 * event-internal.h -- struct event_base and the backend contract.
 *
 * Layers (see docs/DESIGN.md):
 *
 *	backends (epoll.c poll.c select.c)   report "fd is ready for R/W"
 *	       ^ struct eventop                   |
 *	event.c: per-fd event lists, changelist,  v  activation, timer heap,
 *	         priority queues, the loop     signal.c: signals -> socketpair
 *
 * A backend never sees a struct event.  The core keeps, for every fd, the
 * list of inserted events and the union of the directions they want
 * ("want"), and remembers what it last told the backend ("have").
 * The first registration of an fd the backend does not have is made at
 * once by event_add() (so its errors are returned as in 1.4); after that,
 * event_add()/event_del() only update the list and queue the fd on the
 * changelist, and right before waiting the core walks the changelist and
 * makes at most one backend call per fd whose interest changed.
 */
#ifndef EVENT_INTERNAL_H
#define EVENT_INTERNAL_H

#include <sys/types.h>
#include <sys/queue.h>
#include <signal.h>
#include <stdint.h>

#include "event.h"
#include "min_heap-internal.h"
#include "evsignal-internal.h"

/*
 * The backend contract.  One const instance per backend (the externs at
 * the end of this file), tried in order of preference by event_base_new().
 * The core calls them only through the evsel_*() wrappers in event.c.
 *
 * Interest is expressed per fd as a mask of EV_READ|EV_WRITE.  The core
 * guarantees: fd >= 0; add() is called with new != 0; del() with new == 0;
 * old is what the backend was last told for that fd (0 if nothing, or if
 * the core forgot it after an error).  add() with old == new must re-check
 * that the kernel still knows the fd (it may have been closed and the
 * number reused): the core does this when a program called event_set() on
 * the fd since the last registration.
 *
 * add() with old != 0 and del() come only from the changelist flush, right
 * before dispatch().  A backend may queue them and apply them when
 * dispatch() starts (epoll batches them through io_uring); it then returns
 * 0 and reports a change that fails with event_fd_bad_(), without blocking
 * in that wait.  add() with old == 0 (a first registration from
 * event_add()) must be applied at once, after anything queued.
 */
struct eventop {
	/* Backend name as reported by event_base_get_method(). */
	const char *name;
	/* Create the backend state for base; NULL (errno set) if unusable. */
	void *(*init)(struct event_base *base);
	/* Set the interest of fd from old to new (new != 0).  0 or -1/errno.
	 * Called from event_add() for a first registration (the error is
	 * returned to the program) or from the changelist flush (the core
	 * then reports the fd bad, see event_fd_bad_()). */
	int (*add)(struct event_base *base, int fd, short old, short new_);
	/* Drop all interest in fd (new is 0).  Must succeed quietly when the
	 * fd was already closed.  0 or -1. */
	int (*del)(struct event_base *base, int fd, short old, short new_);
	/*
	 * Wait at most tv (NULL: forever; {0,0}: do not block).  For every
	 * ready fd call event_fd_ready_(base, fd, EV_READ|EV_WRITE bits);
	 * for an fd the kernel calls invalid, event_fd_bad_(base, fd).  The
	 * core handles caught signals after dispatch returns.  EINTR is not
	 * an error: return 0.  -1 only on a real failure of the wait itself
	 * (the loop then returns -1).
	 */
	int (*dispatch)(struct event_base *base, struct timeval *tv);
	/* Free the backend state (do not touch fds of the program).  Called
	 * once, with the state init() returned; the core then forgets it. */
	void (*dealloc)(struct event_base *base);
	/* Non-zero when the state lives in the kernel and is shared with a
	 * child after fork() (epoll): event_reinit() then builds it anew. */
	int need_reinit;
	/* EV_FEATURE_* bits below, reported by event_base_get_features(). */
	int features;
};

/* libevent 2.x's values (event2/event.h), so the 2.x API can report them. */
#ifndef EV_FEATURE_ET
#define EV_FEATURE_ET		0x01	/* can be edge triggered */
#define EV_FEATURE_O1		0x02	/* O(1) per ready fd */
#define EV_FEATURE_FDS		0x04	/* any fd, regular files too */
#define EV_FEATURE_EARLY_CLOSE	0x08	/* reports a peer's close (EV_CLOSED) */
#endif

/* Private ev_flags bit (the 0x1000-0xf000 range is ours): event_set() was
 * called since the event was last added, so its fd may be a new file. */
#define EVLIST_X_FDSET		0x1000
/* Private ev_flags bit: the timer was re-armed to a later deadline without
 * moving it in the heap; its heap key is the older, earlier deadline (see
 * timer_arm() in event.c). */
#define EVLIST_X_LAZY		0x2000
#define EVLIST_X_MASK		0xf000

/* Per-fd state. */
struct evfd {
	struct event_list evs;	/* inserted I/O events on this fd (ev_next);
				   fixed up when the table moves */
	unsigned char want;	/* EV_READ|EV_WRITE wanted by the events */
	unsigned char have;	/* what the backend currently has */
	unsigned char flags;	/* EVFD_* */
	int nread;		/* inserted events wanting EV_READ */
	int nwrite;		/* inserted events wanting EV_WRITE */
};

#define EVFD_CHANGED	0x01	/* on the changelist */
#define EVFD_FORCE	0x02	/* re-register even if want == have */
#define EVFD_BAD	0x04	/* kernel refused it; silent until touched */

struct event_base {
	const struct eventop *evsel;	/* the backend */
	void *evbase;			/* its state */

	int event_count;		/* non-internal inserted + armed */
	int event_count_active;		/* events on the active queues */

	int event_gotterm;		/* loopexit timer fired */
	int event_break;		/* loopbreak requested */

	/* Active queues, one per priority; 0 is the most urgent. */
	struct event_list *activequeues;
	int nactivequeues;

	/* The event whose callback is running and its remaining calls, so
	 * event_del() can stop repeated invocations (1.4 used ev_pncalls). */
	struct event *cur_ev;
	short cur_ncalls;

	/* Signal state (signal.c). */
	struct evsignal_info sig;

	/* Timers. */
	struct min_heap timeheap;
	uint64_t timer_seq;		/* FIFO among equal deadlines */

	/* Cached monotonic time in microseconds; valid when tv_cached. */
	int64_t now_us;
	int tv_cached;

	/* fd table, indexed by fd, and the changelist of touched fds.  The
	 * changelist can hold every fd of the table, so queuing never fails. */
	struct evfd *fds;
	int nfds;
	int *changes;
	int nchanges;

	/* event_once() records, freed by event_base_free() if never run. */
	struct event_once *once_head;
};

/* Internal cross-file functions (trailing underscore) stay out of the
 * shared library's symbol table. */
#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif

/* The backend's EV_FEATURE_* bits (libevent 2.x's call; exported). */
int event_base_get_features(const struct event_base *base);

/* Readiness reports from backends. */
EV_HIDDEN void event_fd_ready_(struct event_base *base, int fd, short what);
EV_HIDDEN void event_fd_bad_(struct event_base *base, int fd);

/* After fork (signal.c): a new socketpair, handlers kept.  0 or -1. */
EV_HIDDEN int evsignal_reinit_(struct event_base *base);

/* The time, cached inside callbacks (microseconds, CLOCK_MONOTONIC). */
EV_HIDDEN int64_t event_now_us_(struct event_base *base);

/* getenv() that returns NULL in set-id programs (exported, as in 1.4). */
const char *evutil_getenv(const char *name);

/* The backends (one file each), listed in eventops[] in event.c under
 * the HAVE_<NAME>_BACKEND macros that configure sets. */
extern const struct eventop kqops;		/* kqueue.c */
extern const struct eventop epollops;		/* epoll.c */
extern const struct eventop devpollops;		/* devpoll.c */
extern const struct eventop pollops;		/* poll.c */
extern const struct eventop selectops;		/* select.c */
extern const struct eventop win32ops;		/* win32select.c */

extern struct event_base *current_base;

#endif /* EVENT_INTERNAL_H */
