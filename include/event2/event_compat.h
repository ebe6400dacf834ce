/*
 * event2/event_compat.h -- the libevent 1.x calls, for 2.x programs.
 *
 * These are the functions of <event.h> that work on a global "current"
 * base (the one event_init() made) and the old macro names.  They are the
 * very same functions a libevent 1.4 program calls, so an event set up
 * here keeps libevent 1.4's behaviour: in particular an EV_PERSIST event
 * set up with event_set() keeps its timeout as a deadline that ends it,
 * where event_assign() gives 2.x's re-armed timeout (docs/COMPAT.md).
 * The macros are spelled exactly as in <event.h>, so both headers may be
 * included together.
 */
#ifndef EVENT2_EVENT_COMPAT_H_INCLUDED_
#define EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef EVENT__HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif
#ifdef EVENT__HAVE_SYS_TIME_H
#include <sys/time.h>
#endif

struct event;
struct event_base;

/* Create a base and make it the current one.  NULL if memory runs out. */
struct event_base *event_init(void);

/* event_base_dispatch(), event_base_loop(), loopexit, loopbreak of the
 * current base.  -1 when there is none. */
int event_dispatch(void);
int event_loop(int);
int event_loopexit(const struct timeval *);
int event_loopbreak(void);

/* event_base_once() on the current base. */
int event_once(evutil_socket_t, short,
    void (*)(evutil_socket_t, short, void *), void *,
    const struct timeval *);

/* The backend name of the current base, or NULL. */
const char *event_get_method(void);

/* event_base_priority_init() of the current base. */
int event_priority_init(int);

/*
 * Set up ev on the current base (libevent 1.4's semantics for the
 * event's whole life: see above).  Use event_base_set() to move it.
 */
void event_set(struct event *, evutil_socket_t, short,
    void (*)(evutil_socket_t, short, void *), void *);

#define evtimer_set(ev, cb, arg)	event_set(ev, -1, 0, cb, arg)
#define evsignal_set(ev, x, cb, arg)	\
	event_set((ev), (x), EV_SIGNAL|EV_PERSIST, (cb), (arg))

#define timeout_add(ev, tv)		event_add(ev, tv)
#define timeout_set(ev, cb, arg)	event_set(ev, -1, 0, cb, arg)
#define timeout_del(ev)			event_del(ev)
#define timeout_pending(ev, tv)		event_pending(ev, EV_TIMEOUT, tv)
#define timeout_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

#define signal_add(ev, tv)		event_add(ev, tv)
#define signal_set(ev, x, cb, arg)	\
	event_set(ev, x, EV_SIGNAL|EV_PERSIST, cb, arg)
#define signal_del(ev)			event_del(ev)
#define signal_pending(ev, tv)		event_pending(ev, EV_SIGNAL, tv)
#define signal_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

#define EVENT_SIGNAL(ev)	(int)(ev)->ev_fd
#define EVENT_FD(ev)		(int)(ev)->ev_fd

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_COMPAT_H_INCLUDED_ */
