/*
 * event_assign.c -- libevent 2.x calls on one event: setting it up,
 * allocating and freeing it, reading what it was set up with, and
 * finalizing it.
 *
 * An event set up here is the same struct event as one set up by the 1.4
 * call event_set(), and lives on the same lists; only its EVLIST_X_V2 bit
 * differs, which gives it libevent 2.x's rules where 1.4 and 2.x differ
 * (event.c, docs/COMPAT.md).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* event_self_cbarg() hands out the address of this, never dereferenced. */
static char self_cbarg_marker;

void *
event_self_cbarg(void)
{
	return &self_cbarg_marker;
}

int
event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
    short events, event_callback_fn callback, void *arg)
{
	int old_flags;

	if (ev == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (base == NULL)
		base = current_base;
	if ((events & EV_SIGNAL) && (events & EV_IO_MASK)) {
		event_warnx("%s: EV_SIGNAL cannot be combined with EV_READ, "
		    "EV_WRITE or EV_CLOSED", "event_assign");
		errno = EINVAL;
		return -1;
	}
	old_flags = ev->ev_flags;
	if (arg == &self_cbarg_marker)
		arg = ev;
	ev->ev_base = base;
	ev->ev_callback = callback;
	ev->ev_arg = arg;
	ev->ev_fd = fd;
	ev->ev_events = events;
	ev->ev_res = 0;
	ev->ev_flags = EVLIST_INIT | EVLIST_X_V2;
	if (events & EV_IO_MASK)
		ev->ev_flags |= EVLIST_X_FDSET;
	ev->ev_ncalls = 0;
	ev->ev_pncalls = NULL;
	ev->min_heap_idx = MIN_HEAP_NONE;
	ev->ev_pri = base != NULL ? base->nactivequeues / 2 : 0;
	if (event_debug_state_ != 1)
		event_debug_note_set_(ev, old_flags);
	return 0;
}

struct event *
event_new(struct event_base *base, evutil_socket_t fd, short events,
    event_callback_fn callback, void *arg)
{
	struct event *ev = mm_malloc(sizeof(*ev));

	if (ev == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* Debug mode must not take the fresh memory for a pending event. */
	memset(ev, 0, sizeof(*ev));
	if (event_assign(ev, base, fd, events, callback, arg) == -1) {
		int e = errno;
		mm_free(ev);
		errno = e;
		return NULL;
	}
	return ev;
}

void
event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	if (event_debug_mode_on_)
		event_debug_assert_setup_(ev, "event_free");
	if (ev->ev_base != NULL)
		(void)event_del(ev);
	event_debug_note_teardown_(ev);
	mm_free(ev);
}

/*
 * Delete ev without waiting and queue it as active with EVLIST_FINALIZING
 * (and without EVLIST_INIT, so that event_add() refuses it):
 * the loop runs cb instead of its callback once no callback of ev can
 * still be running (the loop runs one callback at a time).  ncalls 0
 * sends it off the loop's one-call fast path.
 */
static int
finalize(struct event *ev, event_finalize_callback_fn cb, int do_free)
{
	struct event_base *base;

	if (ev == NULL || (base = ev->ev_base) == NULL || cb == NULL) {
		event_warnx("%s: event has no base or no finalizer",
		    "event_finalize");
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	(void)event_del_nolock_(ev);
	ev->ev_flags &= ~EVLIST_X_REARM;
	memcpy(ev_x_slot(ev), &cb, sizeof(cb));
	ev->ev_res = EV_FINALIZE;
	ev->ev_ncalls = 0;
	ev->ev_pri = 0 <= ev->ev_pri && ev->ev_pri < base->nactivequeues ?
	    ev->ev_pri : 0;
	TAILQ_INSERT_TAIL(&base->activequeues[ev->ev_pri], ev, ev_active_next);
	/* Without EVLIST_INIT event_add() refuses it; the finalizer gets it
	 * back set up. */
	ev->ev_flags = (ev->ev_flags & ~EVLIST_INIT) | EVLIST_ACTIVE |
	    EVLIST_FINALIZING;
	if (do_free)
		ev->ev_flags |= EVLIST_X_FREE;
	base->event_count_active++;
	event_base_notify_(base);
	event_base_unlock_(base);
	return 0;
}

int
event_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb)
{
	(void)flags;
	return finalize(ev, cb, 0);
}

int
event_free_finalize(unsigned flags, struct event *ev,
    event_finalize_callback_fn cb)
{
	(void)flags;
	return finalize(ev, cb, 1);
}

/* ------------------------------------------------------------------ */
/* What an event was set up with */

int
(event_initialized)(const struct event *ev)
{
	return ev != NULL && (ev->ev_flags & EVLIST_INIT) != 0;
}

evutil_socket_t
event_get_fd(const struct event *ev)
{
	return ev->ev_fd;
}

struct event_base *
event_get_base(const struct event *ev)
{
	return ev->ev_base;
}

short
event_get_events(const struct event *ev)
{
	return ev->ev_events;
}

event_callback_fn
event_get_callback(const struct event *ev)
{
	return ev->ev_callback;
}

void *
event_get_callback_arg(const struct event *ev)
{
	return ev->ev_arg;
}

int
event_get_priority(const struct event *ev)
{
	return ev->ev_pri;
}

void
event_get_assignment(const struct event *event,
    struct event_base **base_out, evutil_socket_t *fd_out,
    short *events_out, event_callback_fn *callback_out, void **arg_out)
{
	if (base_out != NULL)
		*base_out = event->ev_base;
	if (fd_out != NULL)
		*fd_out = event->ev_fd;
	if (events_out != NULL)
		*events_out = event->ev_events;
	if (callback_out != NULL)
		*callback_out = event->ev_callback;
	if (arg_out != NULL)
		*arg_out = event->ev_arg;
}

size_t
event_get_struct_event_size(void)
{
	return sizeof(struct event);
}
