/*
 * event2/event.h -- the event loop of the libevent 2.x API.
 *
 * relevent implements the libevent 1.4 API (<event.h>) and this one in a
 * single library: both work on the same struct event_base and struct
 * event, and a program may mix them, even on one base.  Names,
 * signatures, constants and behaviour follow libevent 2.1.12; the text
 * is ours.  docs/COMPAT.md lists every place where relevent differs.
 *
 * The model.  An event_base runs a loop (event_base_dispatch()) that
 * waits, with one backend (epoll, poll or select), for the events
 * registered with it and runs their callbacks.  An event watches an fd
 * for EV_READ, EV_WRITE or EV_CLOSED, a signal (EV_SIGNAL), or nothing
 * but a timeout.  event_new() allocates one; event_assign() sets up one
 * the program owns (see <event2/event_struct.h>).  event_add() makes it
 * pending, with an optional timeout relative to now; when what it waits
 * for happens it becomes active and its callback runs with the fd and the
 * EV_* bits that happened.  A non-persistent event stops being pending
 * right before its callback runs.  An EV_PERSIST event stays pending, and
 * if it was added with a timeout, the timeout starts again each time the
 * callback runs (1.4's event_set() events keep 1.4's rule instead: their
 * timeout is a deadline that ends the event).
 *
 * Priorities: a base has 1 to 256 levels (event_base_priority_init());
 * each loop pass runs the callbacks of the most urgent level that has
 * active events (0 is most urgent).  A new event gets the middle level.
 *
 * Threads: after evthread_use_pthreads() (<event2/thread.h>) every base
 * made afterwards may be used from several threads: event_add(),
 * event_del(), event_active() and the loop controls wake its loop.
 * Without it nothing is locked and a base belongs to one thread.
 */
#ifndef EVENT2_EVENT_H_INCLUDED_
#define EVENT2_EVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/event_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef EVENT__HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif
#ifdef EVENT__HAVE_SYS_TIME_H
#include <sys/time.h>
#endif
#include <stdio.h>

struct event_base;
struct event;
struct event_config;

/* ---------------------------------------------------------------- */
/* Event flags                                                      */

#define EV_TIMEOUT	0x01	/* the timeout passed */
#define EV_READ		0x02	/* the fd is readable */
#define EV_WRITE	0x04	/* the fd is writable */
#define EV_SIGNAL	0x08	/* the signal was delivered */
#define EV_PERSIST	0x10	/* stay pending after the callback */
#define EV_ET		0x20	/* edge-triggered (needs EV_FEATURE_ET) */
#define EV_FINALIZE	0x40	/* event_del() never waits for the callback */
#define EV_CLOSED	0x80	/* the peer closed (EV_FEATURE_EARLY_CLOSE) */

/* Callback of an event: fd (or signal number), the EV_* bits, its arg. */
typedef void (*event_callback_fn)(evutil_socket_t, short, void *);

/* ---------------------------------------------------------------- */
/* Bases and their configuration                                    */

/*
 * A new base with the first backend that works (epoll, poll, select),
 * honouring EVENT_NO<METHOD> and EVENT_SHOW_METHOD unless the program is
 * set-id.  NULL if memory runs out.  If no backend works at all it logs
 * and exits with status 1, as libevent 1.4's event_base_new() does; use
 * event_base_new_with_config() to get NULL instead.
 */
struct event_base *event_base_new(void);

/*
 * What a base may use.  A config is filled in and handed to
 * event_base_new_with_config(), and may be freed right after.
 * event_config_new() returns NULL if memory runs out.
 */
struct event_config *event_config_new(void);
void event_config_free(struct event_config *cfg);

/* Do not use the backend named method ("epoll", ...).  0, or -1 if
 * memory runs out. */
int event_config_avoid_method(struct event_config *cfg, const char *method);

/* Capabilities a backend may have (event_base_get_features()). */
enum event_method_feature {
	EV_FEATURE_ET = 0x01,		/* supports EV_ET */
	EV_FEATURE_O1 = 0x02,		/* O(1) per ready fd */
	EV_FEATURE_FDS = 0x04,		/* works on any fd, regular files too */
	EV_FEATURE_EARLY_CLOSE = 0x08	/* reports EV_CLOSED */
};

/* Use only a backend having all of these EV_FEATURE_* bits.  0 or -1. */
int event_config_require_features(struct event_config *cfg, int feature);

/* Flags of event_config_set_flag(). */
enum event_base_config_flag {
	/* No lock even when threads are enabled: one thread only. */
	EVENT_BASE_FLAG_NOLOCK = 0x01,
	/* Ignore the EVENT_* environment variables. */
	EVENT_BASE_FLAG_IGNORE_ENV = 0x02,
	/* Windows only; accepted and ignored. */
	EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,
	/* Read the clock every time instead of once per loop pass. */
	EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08,
	/* Batch epoll changes; relevent always does (accepted). */
	EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10,
	/* Fine-grained timers; relevent's timers always use the precise
	 * monotonic clock (accepted). */
	EVENT_BASE_FLAG_PRECISE_TIMER = 0x20
};

/* Add flags (EVENT_BASE_FLAG_*) to cfg.  0, or -1 for a NULL cfg. */
int event_config_set_flag(struct event_config *cfg, int flag);

/* A hint of how many CPUs the program uses (meaningful for IOCP only;
 * kept and otherwise unused).  0, or -1 for a NULL cfg. */
int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus);

/*
 * Make the loop look for new events while it runs callbacks: for
 * priorities >= min_priority, after max_callbacks callbacks (negative: no
 * limit) or max_interval of time (NULL: no limit), the loop stops running
 * that level and polls again, so more urgent events that arrived in the
 * meantime run first.  By default there is no limit.  0 or -1.
 */
int event_config_set_max_dispatch_interval(struct event_config *cfg,
    const struct timeval *max_interval, int max_callbacks, int min_priority);

/* A new base as cfg says (NULL: defaults).  NULL if no backend fits or
 * memory runs out. */
struct event_base *event_base_new_with_config(const struct event_config *cfg);

/*
 * Free a base: pending events are deleted (not freed, fds not closed),
 * event_once() records and the callbacks of finalized events are run
 * (event_finalize()), signal handlers restored.  _nofinalize does not
 * run the finalizers.  The events of the base must not be used again
 * except through event_assign() or event_free().
 */
void event_base_free(struct event_base *base);
void event_base_free_nofinalize(struct event_base *base);

/*
 * After fork(): give the child its own backend state and signal pipe and
 * register every pending event again.  0, or -1 if anything failed.
 */
int event_reinit(struct event_base *base);

/* Run the loop until no event is pending or active (or loopexit/break). */
int event_base_dispatch(struct event_base *base);

/* The backend's name ("epoll", "poll", "select").  The declaration of
 * whichever of <event.h> and this header comes first is used: libevent
 * 1.4 has no const here. */
#ifndef _EVENT_H_
const char *event_base_get_method(const struct event_base *base);
#endif

/* Names of the backends built into the library, NULL-terminated, in order
 * of preference; the environment does not change the list. */
const char **event_get_supported_methods(void);

/* The EV_FEATURE_* bits of the base's backend. */
int event_base_get_features(const struct event_base *base);

/* The monotonic time the base's timers use.  0, or -1 for NULL args. */
int event_gettime_monotonic(struct event_base *base, struct timeval *tp);

/* What event_base_get_num_events()/_max_events() count. */
#define EVENT_BASE_COUNT_ACTIVE		1U	/* active events */
#define EVENT_BASE_COUNT_VIRTUAL	2U	/* virtual events (none here) */
#define EVENT_BASE_COUNT_ADDED		4U	/* inserted + armed timeouts */

/*
 * The sum of the counts named by type.  ADDED counts each pending
 * registration (I/O or signal, timeout) and each activation of events
 * that are not the library's own.  _max_events gives the highest value
 * each count had since the base was made or the last clear, as seen at
 * each loop pass, each activation and each call of these functions (a
 * peak that comes and goes between two of those is not seen).
 */
int event_base_get_num_events(struct event_base *base, unsigned int type);
int event_base_get_max_events(struct event_base *base, unsigned int type,
    int clear);

/* ---------------------------------------------------------------- */
/* Logging, fatal errors, memory                                    */

#define EVENT_LOG_DEBUG 0
#define EVENT_LOG_MSG   1
#define EVENT_LOG_WARN  2
#define EVENT_LOG_ERR   3
#ifndef _EVENT_H_
/* The old names (as in <event.h>, where they are the same numbers). */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG
#define _EVENT_LOG_MSG   EVENT_LOG_MSG
#define _EVENT_LOG_WARN  EVENT_LOG_WARN
#define _EVENT_LOG_ERR   EVENT_LOG_ERR
/* Receives every message of the library: EVENT_LOG_* severity, text. */
typedef void (*event_log_cb)(int severity, const char *msg);
#endif
/* Send messages to cb; NULL: "[sev] msg" lines on stderr. */
void event_set_log_callback(event_log_cb cb);

/*
 * Called instead of exiting when the library meets a state it cannot
 * continue from (an internal error, or a misuse found by debug mode or
 * lock debugging).  err is the exit status the library would use, or
 * 0xdeaddead where it would abort().  If cb returns, the process exits.
 */
typedef void (*event_fatal_cb)(int err);
void event_set_fatal_callback(event_fatal_cb cb);

/* Debug log categories of event_enable_debug_logging(). */
#define EVENT_DBG_ALL 0xffffffffu
#define EVENT_DBG_NONE 0

/* Log what the loop does (event_add, event_del, backend changes...) at
 * EVENT_LOG_DEBUG: which = EVENT_DBG_ALL, or EVENT_DBG_NONE to stop. */
void event_enable_debug_logging(ev_uint32_t which);

/*
 * Check event misuse from now on: event_add() or event_del() of an event
 * that was never set up, event_assign() on a pending event, use after
 * event_debug_unassign()...  A misuse is fatal (see
 * event_set_fatal_callback()).  Call it before making any base or event,
 * and only once (both are fatal too).  Costs a table of all events.
 */
void event_enable_debug_mode(void);

/* Forget an event set up with event_assign()/event_set() that is not
 * pending, before its memory is freed or reused: debug mode then treats
 * it as never set up.  Without debug mode it clears EVLIST_INIT only. */
void event_debug_unassign(struct event *ev);

/*
 * Replace the allocator (before any other call of the library): every
 * block the library allocates from then on comes from these, and so does
 * every string it hands to the program (evbuffer_readline(),
 * evhttp_decode_uri(), ...), which must then be released with free_fn.
 * NULL functions restore the C library's.  realloc_fn(NULL, n) must work
 * like malloc_fn(n).
 */
void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
    void *(*realloc_fn)(void *ptr, size_t sz), void (*free_fn)(void *ptr));

/*
 * Release the library's global state (debug-mode table, thread and lock
 * callbacks, random generator state).  Only for the very end of a
 * program, once every base and event is gone; the allocator set with
 * event_set_mem_functions() stays.
 */
void libevent_global_shutdown(void);

/* ---------------------------------------------------------------- */
/* Running the loop                                                 */

#define EVLOOP_ONCE	0x01	/* block once, run what is active, return */
#define EVLOOP_NONBLOCK	0x02	/* do not block */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04	/* keep running with nothing pending */

/*
 * Run the loop.  0 after loopexit/loopbreak or a completed EVLOOP_ONCE /
 * EVLOOP_NONBLOCK run, 1 when no event was pending or active, -1 on
 * error (also when another thread already runs this base's loop).
 */
int event_base_loop(struct event_base *base, int flags);

/* Make the loop return after tv (NULL: after the current pass). 0 or -1. */
int event_base_loopexit(struct event_base *base, const struct timeval *tv);

/* Make the loop return right after the callback now running.  Called
 * when the loop is not running, the next loop returns at once (1.4's
 * rule, kept for both APIs).  0 or -1. */
int event_base_loopbreak(struct event_base *base);

/* Make the running loop poll for new events right after the callback
 * now running, before the other active callbacks.  0 or -1. */
int event_base_loopcontinue(struct event_base *base);

/* Non-zero from event_base_loopexit()'s timeout (resp. from
 * event_base_loopbreak()) until the loop is entered again. */
int event_base_got_exit(struct event_base *base);
int event_base_got_break(struct event_base *base);

/* Point an event that is not pending at another base (its priority
 * becomes that base's middle level).  0, or -1 if it is pending. */
int event_base_set(struct event_base *base, struct event *ev);

/* ---------------------------------------------------------------- */
/* Events                                                           */

/* A value for event_new()/event_assign()'s arg: the callback then gets
 * the event itself. */
void *event_self_cbarg(void);

/*
 * Set up ev for base (NULL: event_init()'s base), fd (a signal number
 * with EV_SIGNAL, -1 for a timer), events (EV_READ, EV_WRITE, EV_CLOSED,
 * EV_SIGNAL, EV_PERSIST, EV_ET, EV_FINALIZE), callback and arg.  ev must
 * not be pending.  0, or -1 for EV_SIGNAL with an I/O flag.
 */
int event_assign(struct event *ev, struct event_base *base,
    evutil_socket_t fd, short events, event_callback_fn callback, void *arg);

/* event_assign() on a new event.  NULL on error or if memory runs out. */
struct event *event_new(struct event_base *base, evutil_socket_t fd,
    short events, event_callback_fn callback, void *arg);

/* event_del() and free an event_new() event.  NULL is ignored. */
void event_free(struct event *ev);

/*
 * Tear an event down safely, even while another thread runs its callback:
 * the event is deleted at once (without waiting) and cb(ev, arg) runs
 * from the loop once its callback can no longer be running; the event
 * must not be added again.  free_finalize also frees it after cb.
 * flags must be 0.  0, or -1 if the event has no base.
 */
typedef void (*event_finalize_callback_fn)(struct event *, void *);
int event_finalize(unsigned flags, struct event *ev,
    event_finalize_callback_fn cb);
int event_free_finalize(unsigned flags, struct event *ev,
    event_finalize_callback_fn cb);

/*
 * Run callback once: when fd is ready for events (EV_READ, EV_WRITE,
 * EV_CLOSED) or, with EV_TIMEOUT alone, when tv passes (NULL: now).
 * EV_SIGNAL and an empty mask are refused; EV_PERSIST is ignored (as in
 * 1.4).  Records of calls that never ran are freed with the base.  0/-1.
 */
int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
    event_callback_fn callback, void *arg, const struct timeval *tv);

/*
 * Make ev pending; with tv, (re)arm its timeout to tv from now (a value
 * from event_base_init_common_timeout() works too).  NULL leaves an armed
 * timeout alone.  Everything happens or nothing: 0, or -1 with errno
 * (EINVAL, EBADF, ENOMEM, EINVAL for EV_ET on a backend without it).
 */
int event_add(struct event *ev, const struct timeval *tv);

/* Disarm ev's timeout (and forget a persistent event's interval) but keep
 * its I/O or signal registration.  0, or -1 without a base. */
int event_remove_timer(struct event *ev);

/*
 * Make ev non-pending and cancel a callback not yet run.  With threads,
 * if another thread is running ev's callback right now, event_del()
 * waits until it returns, unless ev has EV_FINALIZE; _block always waits,
 * _noblock never does.  A callback deleting its own event never waits.
 * 0, or -1 without a base.
 */
int event_del(struct event *ev);
int event_del_noblock(struct event *ev);
int event_del_block(struct event *ev);

/* Make ev active with res (EV_* bits) as if it had happened.  ncalls is
 * used for signal events only (callback runs that many times). */
void event_active(struct event *ev, int res, short ncalls);

/*
 * Which of events (EV_TIMEOUT, EV_READ, EV_WRITE, EV_CLOSED, EV_SIGNAL)
 * ev is pending or active for.  With tv and an armed timeout, stores when
 * it expires (wall-clock time).  The first declaration seen wins (1.4's
 * has no const).
 */
#ifndef _EVENT_H_
int event_pending(const struct event *ev, short events, struct timeval *tv);
#endif

/* The event whose callback is running in the loop, or NULL. */
struct event *event_base_get_running_event(struct event_base *base);

/* Non-zero if ev was set up by event_assign()/event_new()/event_set().
 * (<event.h> has a macro of the same name; this declaration survives it.) */
int (event_initialized)(const struct event *ev);

/* What ev was set up with. */
evutil_socket_t event_get_fd(const struct event *ev);
struct event_base *event_get_base(const struct event *ev);
short event_get_events(const struct event *ev);
event_callback_fn event_get_callback(const struct event *ev);
void *event_get_callback_arg(const struct event *ev);
int event_get_priority(const struct event *ev);
#define event_get_signal(ev) ((int)event_get_fd(ev))

/* All of the above at once; NULL pointers are skipped. */
void event_get_assignment(const struct event *event,
    struct event_base **base_out, evutil_socket_t *fd_out,
    short *events_out, event_callback_fn *callback_out, void **arg_out);

/* sizeof(struct event) of this library. */
size_t event_get_struct_event_size(void);

/* The version: "2.1.12-stable" and 0x02010c00 in the 2.x view (see
 * <event2/visibility.h> for the 1.4 view). */
const char *event_get_version(void);
ev_uint32_t event_get_version_number(void);

/* ---------------------------------------------------------------- */
/* Priorities                                                       */

#define EVENT_MAX_PRIORITIES 256

/* Set the number of levels (1..256).  -1 while events are active. */
int event_base_priority_init(struct event_base *base, int npriorities);

/* The number of levels. */
int event_base_get_npriorities(struct event_base *base);

/* Set ev's level.  -1 if ev is active or pri is out of range. */
int event_priority_set(struct event *ev, int priority);

/*
 * A timeout value for a duration that many events share.  event_add()
 * with the returned pointer behaves like event_add() with duration; the
 * same duration gives the same pointer.  NULL after 256 durations.
 */
const struct timeval *event_base_init_common_timeout(struct event_base *base,
    const struct timeval *duration);

/* ---------------------------------------------------------------- */
/* Introspection and time                                           */

/* Print the pending and the active events of base to output. */
void event_base_dump_events(struct event_base *base, FILE *output);

/* Activate every event of base on fd for events (EV_READ, EV_WRITE,
 * EV_CLOSED), or with EV_TIMEOUT, every armed timeout of an event on fd. */
void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd,
    short events);

/* Activate every event of base on signal sig, as if it was delivered. */
void event_base_active_by_signal(struct event_base *base, int sig);

/*
 * Call fn(base, ev, arg) for every pending or active event of base (the
 * library's own included), until fn returns non-zero; that value, or 0,
 * is returned.  fn must not add, delete or activate events.
 */
typedef int (*event_base_foreach_event_cb)(const struct event_base *,
    const struct event *, void *);
int event_base_foreach_event(struct event_base *base,
    event_base_foreach_event_cb fn, void *arg);

/* The wall-clock time cached for the current loop pass (the time now when
 * no pass is running or NO_CACHE_TIME is set).  NULL base: event_init()'s
 * base.  0, or -1. */
int event_base_gettimeofday_cached(struct event_base *base,
    struct timeval *tv);

/* Refresh the cached time of a running loop.  0, or -1 without a base. */
int event_base_update_cache_time(struct event_base *base);

/* ---------------------------------------------------------------- */
/* Shorthands                                                       */

/* Timers: events with no fd.  (evtimer_* are spelled as in <event.h>.) */
#define evtimer_assign(ev, b, cb, arg) \
	event_assign((ev), (b), -1, 0, (cb), (arg))
#define evtimer_new(b, cb, arg)	event_new((b), -1, 0, (cb), (arg))
#define evtimer_add(ev, tv)		event_add(ev, tv)
#define evtimer_del(ev)			event_del(ev)
#define evtimer_pending(ev, tv)		event_pending(ev, EV_TIMEOUT, tv)
#define evtimer_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

/* Signal events: persistent, fd = the signal number. */
#define evsignal_add(ev, tv)	event_add((ev), (tv))
#define evsignal_assign(ev, b, x, cb, arg) \
	event_assign((ev), (b), (x), EV_SIGNAL|EV_PERSIST, (cb), (arg))
#define evsignal_new(b, x, cb, arg) \
	event_new((b), (x), EV_SIGNAL|EV_PERSIST, (cb), (arg))
#define evsignal_del(ev)	event_del(ev)
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define evsignal_initialized(ev) event_initialized(ev)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_H_INCLUDED_ */
