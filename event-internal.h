/*
 * event-internal.h -- struct event_base and the backend contract.
 *
 * Layers (see docs/DESIGN.md):
 *
 *	backends (kqueue.c devpoll.c epoll.c poll.c select.c): "fd is ready"
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
#include <string.h>
#include <time.h>

#include "event2/event.h"
#include "event2/thread.h"
#include "event.h"
#include "min_heap-internal.h"
#include "evutil-internal.h"	/* Windows: clock_gettime() */
#include "evsignal-internal.h"

/* Inside the library event_get_version is the 1.4 function;
 * event2/visibility.h maps the name to the 2.x one for programs (both give
 * the same answer). */
#undef event_get_version

/*
 * The backend contract.  One const instance per backend (the externs at
 * the end of this file), tried in order of preference by event_base_new().
 * The core calls them only through the evsel_*() wrappers in event.c.
 *
 * Interest is expressed per fd as a mask of EV_READ|EV_WRITE, plus
 * EV_CLOSED if the backend has EV_FEATURE_EARLY_CLOSE and EV_ET (with one
 * of the others) if it has EV_FEATURE_ET; the core never passes a bit the
 * features do not promise.  The core guarantees: fd >= 0; add() is called
 * with new != 0; del() with new == 0;
 * old is what the backend was last told for that fd (0 if nothing, or if
 * the core forgot it after an error).  add() with old == new must re-check
 * that the kernel still knows the fd (it may have been closed and the
 * number reused): the core does this when a program called event_set() on
 * the fd since the last registration.
 *
 * add() with old != 0 and del() come only from the changelist flush, right
 * before dispatch(), with the base locked.  A backend may queue them and
 * apply them when dispatch() starts, before evsel_wait_begin_() (epoll
 * batches them through io_uring), so that its queue is only touched under
 * the lock: while the loop waits, other threads never call the backend
 * (they queue on the core's changelist).  It then returns 0 and reports a
 * change that fails with event_fd_bad_(), without blocking in that wait.
 * add() with old == 0 (a first registration: from event_add(), which
 * returns its error to the program, or from the flush) must be applied at
 * once, after anything queued.
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
	 * ready fd call event_fd_ready_(base, fd, EV_READ|EV_WRITE bits,
	 * and EV_CLOSED with that feature);
	 * for an fd the kernel calls invalid, event_fd_bad_(base, fd).  The
	 * core handles caught signals after dispatch returns.  EINTR is not
	 * an error: return 0.  -1 only on a real failure of the wait itself
	 * (the loop then returns -1).  The blocking system call itself must
	 * be bracketed by evsel_wait_begin_()/evsel_wait_end_() (below), so
	 * that other threads can reach a threaded base while it waits.
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
	/*
	 * Optional (NULL: signal.c catches signals with its own handler and
	 * socketpair).  A backend whose kernel counts signals (kqueue's
	 * EVFILT_SIGNAL) watches signo from sig_add() -- called for the
	 * first event on signo, after signal.c installed a handler that does
	 * nothing, and again for each watched signal after event_reinit() --
	 * until sig_del() for the last one.  It reports deliveries from
	 * dispatch with evsignal_count_(); the core then runs the events.
	 * 0 or -1/errno.
	 */
	int (*sig_add)(struct event_base *base, int signo);
	int (*sig_del)(struct event_base *base, int signo);
};

/* (EV_FEATURE_* come from event2/event.h.) */

/*
 * Private ev_flags bits (libevent 1.4 leaves 0x1000-0xf000 to the library):
 *  FDSET   event_set()/event_assign() was called since the event was last
 *          added, so its fd may be a new file;
 *  V2      set up by event_assign()/event_new(): libevent 2.x semantics
 *          (a persistent event's timeout restarts at each activation,
 *          event_active()'s ncalls only for signals, common timeouts);
 *  REARM   a V2 persistent event with an interval to re-arm (the interval
 *          lives in the event's unused list entry, see ev_x_slot());
 *  FREE    event_free_finalize(): free the event after its finalizer.
 * and, with that range full, one above it in the int ev_flags (no EVLIST_*
 * of 1.4 or 2.x goes there, and EVLIST_ALL masks it off either way):
 *  LAZY    the armed timer was re-armed to a later deadline without
 *          moving it in the heap: its heap key is the older, earlier
 *          deadline, ev_timeout the real one (see timer_arm() in event.c);
 *  DEFER   the timer was added outside the loop and its deadline is not
 *          fixed yet: it waits in base->defer (its min_heap_idx is its
 *          slot there), not in the heap, and ev_timeout is the latest
 *          the deadline can be (see timer_defer() in event.c).
 */
#define EVLIST_X_FDSET		0x1000
#define EVLIST_X_V2		0x2000
#define EVLIST_X_REARM		0x4000
#define EVLIST_X_FREE		0x8000
#define EVLIST_X_LAZY		0x10000
#define EVLIST_X_DEFER		0x20000
#define EVLIST_X_MASK		(0xf000 | EVLIST_X_LAZY | EVLIST_X_DEFER)

/* Interest bits the core tracks per fd; EV_ET rides along. */
#define EV_IO_MASK		(EV_READ | EV_WRITE | EV_CLOSED)

/* Per-fd state. */
struct evfd {
	struct event_list evs;	/* inserted I/O events on this fd (ev_next);
				   fixed up when the table moves */
	unsigned char want;	/* EV_READ|EV_WRITE|EV_CLOSED|EV_ET wanted
				   by the events (bits the backend has) */
	unsigned char have;	/* what the backend currently has */
	unsigned char flags;	/* EVFD_* */
	unsigned char et;	/* EV_ET if the fd's events are ET */
	int nread;		/* inserted events wanting EV_READ */
	int nwrite;		/* inserted events wanting EV_WRITE */
	int nclose;		/* inserted events wanting EV_CLOSED */
};

#define EVFD_CHANGED	0x01	/* on the changelist */
#define EVFD_FORCE	0x02	/* re-register even if want == have */
#define EVFD_BAD	0x04	/* kernel refused it; silent until touched */

/*
 * The largest tv_sec, sized from the field: a time_t's, but a 32-bit
 * long's on Windows.
 */
#define TV_SEC_MAX ((int64_t)(((uint64_t)1 <<				\
	(sizeof(((struct timeval *)0)->tv_sec) * 8 - 1)) - 1))

/* Times (as tv_sec) kept in microseconds: now + such a time cannot
 * overflow. */
#define TIME_MAX_SEC	(INT64_MAX / 1000000 / 4)

/* A timer added outside the loop, its deadline not fixed yet. */
struct timer_defer {
	struct event *ev;
	int64_t rel;		/* its timeout, microseconds */
	uint64_t seq;		/* FIFO among equal deadlines */
};

struct event_base {
	const struct eventop *evsel;	/* the backend */
	void *evbase;			/* its state */

	int event_count;		/* non-internal inserted + armed */
	int event_count_active;		/* events on the active queues */

	int event_gotterm;		/* loopexit timer fired */
	int event_break;		/* EVSTOP_*, checked after callbacks */
	int running;			/* depth of event_base_loop calls */

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
	/* Timers added outside the loop, not in the heap yet, and how late
	 * the coarse clock may be (0: every add reads the precise clock). */
	struct timer_defer *defer;
	unsigned ndefer, adefer;
	int64_t defer_slack_us;

	/* Cached monotonic time in microseconds; valid when tv_cached.
	 * cache_time is 0 with EVENT_BASE_FLAG_NO_CACHE_TIME. */
	int64_t now_us;
	int tv_cached;
	int cache_time;

	/* Interest bits the backend takes (EV_READ|EV_WRITE, + EV_CLOSED). */
	unsigned char io_mask;

	/* fd table, indexed by fd, and the changelist of touched fds.  The
	 * changelist can hold every fd of the table, so queuing never fails. */
	struct evfd *fds;
	int nfds;
	int *changes;
	int nchanges;

	/* event_once() records, freed by event_base_free() if never run. */
	struct event_once *once_head;

	/* event_base_loopexit()'s own timer, so that it need not allocate. */
	struct event loopexit_ev;

	/* ---- libevent 2.x state (event_config.c, event_base2.c, ...) */

	int xflags;			/* EVX_*: leave the fast paths */
	int cfg_flags;			/* EVENT_BASE_FLAG_* */
	int got_exit, got_break;	/* why the last loop ended */
	int running_pri;		/* level being run; INT_MAX if none */

	/* event_config_set_max_dispatch_interval(); EVX_LIMITS when set. */
	int limit_after_pri;		/* levels >= this are limited */
	int max_callbacks;		/* per pass over a level */
	int64_t max_interval_us;	/* per pass over a level; < 0: none */

	/* Highest counts seen (event_base_get_max_events()). */
	int event_count_max;
	int active_max;

	/* event_base_gettimeofday_cached(): wall - monotonic, measured for
	 * the cached time wall_at (0: not yet). */
	int64_t wall_off_us;
	int64_t wall_at;

	/* event_base_init_common_timeout(): the durations handed out. */
	struct timeval *common;
	int ncommon;

	/* Threads: the lock (NULL: none), the condition a thread waiting for
	 * a running callback sleeps on, the thread running the loop, and
	 * th_in_wait while the loop thread waits in the backend (other
	 * threads then never call the backend: they queue and notify). */
	void *th_lock;
	void *th_cond;
	int th_waiters;
	int th_in_wait;
	unsigned long th_owner;

	/* Wake-up from other threads: eventfd (both the same) or a pipe. */
	int notify_fd[2];
	int notify_pending;
	struct event notify_ev;

	/* All bases, for event_enable_debug_logging(). */
	struct event_base *next_base;
	struct event_base **prev_base;
};

/* base->xflags bits.  Any of them sends event_add/del/active and the loop
 * off their single-threaded fast paths. */
#define EVX_LOCK	0x01	/* th_lock is set */
#define EVX_DEBUGMODE	0x02	/* event_enable_debug_mode() */
#define EVX_DEBUGLOG	0x04	/* event_enable_debug_logging() */
#define EVX_LIMITS	0x08	/* max dispatch interval or callbacks */
#define EVX_SLOWLOOP	(EVX_LOCK | EVX_LIMITS)	/* general callback loop */

/* base->event_break bits. */
#define EVSTOP_BREAK	0x01	/* event_base_loopbreak() */
#define EVSTOP_CONTINUE	0x02	/* event_base_loopcontinue(): poll again */

/* Internal cross-file functions (trailing underscore) stay out of the
 * shared library's symbol table. */
#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif

/* For the few fast-path bodies that must be inlined into their public
 * wrapper even though a slow path uses them too, and for slow paths that
 * must stay out of line so that the fast path keeps a small frame. */
#ifdef __GNUC__
#define EV_ALWAYS_INLINE inline __attribute__((always_inline))
#define EV_NOINLINE __attribute__((noinline))
#else
#define EV_ALWAYS_INLINE inline
#define EV_NOINLINE
#endif

/* Readiness reports from backends. */
EV_HIDDEN void event_fd_ready_(struct event_base *base, int fd, short what);
EV_HIDDEN void event_fd_bad_(struct event_base *base, int fd);

/* After fork (signal.c): a new socketpair, handlers kept.  0 or -1. */
EV_HIDDEN int evsignal_reinit_(struct event_base *base);

/* The monotonic clock in microseconds (0 if it cannot be read). */
static inline int64_t
event_mono_now_us_(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The monotonic clock's last tick, in microseconds: a few nanoseconds
 * against ~20 for the precise clock, never ahead of it.  The precise clock
 * where there is no coarse one.
 */
static inline int64_t
event_mono_coarse_us_(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
		return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
	return event_mono_now_us_();
}

/* event_timer_defer.c: how late the coarse clock may be, for deferred
 * deadlines (0: no deferring); room for one more note (0 or -1). */
EV_HIDDEN int64_t event_timer_defer_slack_(void);
EV_HIDDEN int event_timer_defer_grow_(struct event_base *base);

/* Room in the heap for n more timers beside the armed and the noted ones
 * (the flush pushes the noted ones).  0, or -1 with errno = ENOMEM. */
static inline int
event_timer_reserve_(struct event_base *base, unsigned n)
{
	return min_heap_reserve(&base->timeheap,
	    base->timeheap.n + base->ndefer + n);
}

/* Fix the deadlines of the timers added outside the loop (see
 * timer_defer() in event.c) before the heap is read or walked. */
EV_HIDDEN void event_timers_settle_(struct event_base *base);

/* The time, cached inside callbacks (microseconds, CLOCK_MONOTONIC). */
EV_HIDDEN int64_t event_now_us_(struct event_base *base);

/* The wall-clock time of ev's armed deadline (event_pending(), dumps). */
EV_HIDDEN void event_deadline_wall_(struct event_base *base,
    const struct event *ev, struct timeval *out);

/* Used by signal.c: the backend's sig_add()/sig_del(), when it has them. */
EV_HIDDEN int evsel_sig_add_(struct event_base *base, int signo);
EV_HIDDEN int evsel_sig_del_(struct event_base *base, int signo);


/* event.c for the 2.x files: a zeroed base with its queues, heap and
 * signal state (no backend yet), or NULL; the backend table; event_del()
 * and event_active() without locking or debug checks; arming a timer for
 * an absolute monotonic time. */
EV_HIDDEN struct event_base *event_base_alloc_(void);
EV_HIDDEN const struct eventop *const *event_backends_(void);
EV_HIDDEN int event_backend_init_(struct event_base *base,
    const struct eventop *op);
EV_HIDDEN void event_backend_dealloc_(struct event_base *base);
EV_HIDDEN int event_backend_rebuild_(struct event_base *base);
EV_HIDDEN int event_flush_changes_(struct event_base *base);
EV_HIDDEN int event_del_nolock_(struct event *ev);
EV_HIDDEN void event_active_nolock_(struct event *ev, int res, short ncalls);
EV_HIDDEN void event_timer_arm_(struct event_base *base, struct event *ev,
    int64_t when);
EV_HIDDEN int64_t event_tv_to_us_(const struct timeval *tv);
EV_HIDDEN void event_us_to_tv_(int64_t us, struct timeval *tv);

/* event_once.c: free the records of event_once() calls that never ran. */
EV_HIDDEN void event_once_free_all_(struct event_base *base);

/* event_base2.c: run (or drop) the finalizers of events being finalized,
 * release the 2.x parts of a base, decode a common timeout (-1: not one),
 * re-arm a 2.x persistent event's timeout before its callback. */
EV_HIDDEN void event_base_run_finalizers_(struct event_base *base, int run);
EV_HIDDEN void event_base_free_2x_(struct event_base *base);
EV_HIDDEN int64_t event_common_timeout_us_(const struct event_base *base,
    const struct timeval *tv);
EV_HIDDEN void event_persist_rearm_(struct event_base *base,
    struct event *ev);
EV_HIDDEN void event_finalize_run_(struct event_base *base, struct event *ev);

/* event_debug.c: debug mode (a table of set-up events) and the list of
 * bases that debug logging switches. */
EV_HIDDEN extern int event_debug_mode_on_;
EV_HIDDEN void event_debug_note_setup_(const struct event *ev);
EV_HIDDEN void event_debug_note_teardown_(const struct event *ev);
EV_HIDDEN void event_debug_assert_setup_(const struct event *ev,
    const char *fn);
EV_HIDDEN void event_debug_assert_not_added_(const struct event *ev,
    const char *fn);
EV_HIDDEN void event_base_register_(struct event_base *base);
EV_HIDDEN void event_base_unregister_(struct event_base *base);

/* 0: no event has been set up yet; 1: events exist, debug mode off;
 * 2: debug mode on.  event_set()/event_assign() test it in one compare
 * and, when it is not 1, tell event_debug_note_set_() last (a tail call:
 * their fast path saves no registers), with the flags the event had. */
EV_HIDDEN extern int event_debug_state_;
EV_HIDDEN void event_debug_note_set_(const struct event *ev, int old_flags);

/* evthread.c: locks, conditions, thread ids and wake-ups. */
EV_HIDDEN int evthread_base_setup_(struct event_base *base);
EV_HIDDEN void evthread_base_teardown_(struct event_base *base);
EV_HIDDEN void evthread_lock_(void *lock);
EV_HIDDEN void evthread_unlock_(void *lock);
EV_HIDDEN unsigned long evthread_id_(void);
EV_HIDDEN void evthread_notify_(struct event_base *base);
EV_HIDDEN void evthread_cond_wait_(struct event_base *base);
EV_HIDDEN void evthread_cond_broadcast_(struct event_base *base);
EV_HIDDEN void *evthread_global_lock_alloc_(void);
EV_HIDDEN void evthread_global_lock_free_(void *lock);
EV_HIDDEN void evthread_shutdown_(void);
EV_HIDDEN void evthread_base_teardown_notify_(struct event_base *base);

/* event.c: set an EVSTOP_* bit (loopbreak, loopcontinue).  0 or -1. */
EV_HIDDEN int event_base_stop_(struct event_base *base, int how);

/* evutil_rand.c: forget the generator's state (global shutdown). */
EV_HIDDEN void evutil_secure_rng_shutdown_(void);

/* Bring ev_pri into [0, nactivequeues - 1]. */
static inline void
event_clamp_pri_(struct event *ev)
{
	int n = ev->ev_base->nactivequeues;

	if ((unsigned)ev->ev_pri >= (unsigned)n)
		ev->ev_pri = ev->ev_pri < 0 ? 0 : n - 1;
}

/* Take and release a base's lock (no-ops without threads). */
static inline void
event_base_lock_(struct event_base *base)
{
	if (base->th_lock != NULL)
		evthread_lock_(base->th_lock);
}

static inline void
event_base_unlock_(struct event_base *base)
{
	if (base->th_lock != NULL)
		evthread_unlock_(base->th_lock);
}

/* After a change by a thread other than the loop's: wake the loop. */
static inline void
event_base_notify_(struct event_base *base)
{
	if (base->th_lock != NULL && base->running && !base->notify_pending &&
	    base->notify_fd[1] >= 0 && evthread_id_() != base->th_owner)
		evthread_notify_(base);
}

/*
 * Backends call these right around their blocking system call.  With
 * threads the base's lock is released for the wait, and th_in_wait tells
 * other threads to leave the backend alone (they queue their changes and
 * wake the loop).  Without threads they cost one test each.
 */
static inline void
evsel_wait_begin_(struct event_base *base)
{
	if (base->th_lock != NULL) {
		base->th_in_wait = 1;
		evthread_unlock_(base->th_lock);
	}
}

static inline void
evsel_wait_end_(struct event_base *base)
{
	if (base->th_lock != NULL) {
		evthread_lock_(base->th_lock);
		base->th_in_wait = 0;
	}
}

/*
 * The spare storage of an event: the list entry its kind never uses
 * (ev_next for signal events, ev_signal_next for the others).  A 2.x
 * persistent event keeps its timeout interval there, a finalized one its
 * finalizer.  Two pointers: room for an int64_t or a function pointer.
 */
static inline void *
ev_x_slot(struct event *ev)
{
	if (ev->ev_events & EV_SIGNAL)
		return &ev->ev_next;
	return &ev->ev_signal_next;
}

static inline int64_t
ev_x_interval(struct event *ev)
{
	int64_t us;

	memcpy(&us, ev_x_slot(ev), sizeof(us));
	return us;
}

static inline void
ev_x_set_interval(struct event *ev, int64_t us)
{
	memcpy(ev_x_slot(ev), &us, sizeof(us));
}

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
