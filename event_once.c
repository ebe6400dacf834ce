/*
 * event_once.c -- event_once()/event_base_once() and loopexit, which is
 * a one-shot timer whose callback tells the loop to stop.
 *
 * Each event_once() call allocates a record holding the event and the
 * program's callback (a loopexit uses the base's own event while that is
 * free, see event_base_loopexit()); the record unlinks and frees itself
 * after the callback, and event_base_free() frees those whose event never
 * fired (libevent 1.4 leaks them).  The events are event_set() events:
 * libevent 1.4's rules.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>

#include "event-internal.h"
#include "mm-internal.h"

struct event_once {
	struct event ev;
	void (*cb)(int, short, void *);
	void *arg;
	struct event_once *next, **prevp;
};

static void
event_once_cb(int fd, short what, void *arg)
{
	struct event_once *eo = arg;
	struct event_base *base = eo->ev.ev_base;

	/* Unlink first: the callback may free the base. */
	event_base_lock_(base);
	if (eo->next != NULL)
		eo->next->prevp = eo->prevp;
	*eo->prevp = eo->next;
	event_base_unlock_(base);
	eo->cb(fd, what, eo->arg);
	event_debug_note_teardown_(&eo->ev);
	mm_free(eo);
}

/* event_base_once() with the base locked. */
static int
event_base_once_nolock(struct event_base *base, int fd, short events,
    void (*callback)(int, short, void *), void *arg,
    const struct timeval *tv)
{
	struct event_once *eo;
	struct timeval zero = { 0, 0 };

	eo = mm_calloc(1, sizeof(*eo));
	if (eo == NULL) {
		errno = ENOMEM;
		return -1;
	}
	eo->cb = callback;
	eo->arg = arg;
	if ((events & (EV_TIMEOUT | EV_IO_MASK)) == EV_TIMEOUT) {
		event_set(&eo->ev, -1, 0, event_once_cb, eo);
		if (tv == NULL)
			tv = &zero;
	} else {
		event_set(&eo->ev, fd, events & EV_IO_MASK, event_once_cb, eo);
	}
	(void)event_base_set(base, &eo->ev);
	if (event_add(&eo->ev, tv) == -1) {
		int e = errno;
		event_debug_note_teardown_(&eo->ev);
		mm_free(eo);
		errno = e;
		return -1;
	}
	eo->next = base->once_head;
	if (eo->next != NULL)
		eo->next->prevp = &eo->next;
	eo->prevp = &base->once_head;
	base->once_head = eo;
	return 0;
}

int
event_base_once(struct event_base *base, int fd, short events,
    void (*callback)(int, short, void *), void *arg,
    const struct timeval *tv)
{
	int res;

	if (base == NULL || callback == NULL) {
		errno = EINVAL;
		return -1;
	}
	events &= ~EV_PERSIST;
	if ((events & EV_SIGNAL) || !(events & (EV_TIMEOUT | EV_IO_MASK))) {
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	res = event_base_once_nolock(base, fd, events, callback, arg, tv);
	event_base_unlock_(base);
	return res;
}

int
event_once(int fd, short events, void (*callback)(int, short, void *),
    void *arg, const struct timeval *tv)
{
	return event_base_once(current_base, fd, events, callback, arg, tv);
}

static void
event_loopexit_cb(int fd, short what, void *arg)
{
	struct event_base *base = arg;

	(void)fd;
	(void)what;
	base->event_gotterm = 1;
}

/*
 * End the loop after tv (NULL: after the current round).  The base keeps
 * one event (and its heap slot) for this, so the usual single pending
 * loopexit never allocates; only a second one, asked for while the
 * first is still pending, takes an event_once() record.
 */
int
event_base_loopexit(struct event_base *base, const struct timeval *tv)
{
	struct timeval zero = { 0, 0 };
	struct event *ev;
	int res;

	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	ev = &base->loopexit_ev;
	if (ev->ev_flags & (EVLIST_TIMEOUT | EVLIST_ACTIVE)) {
		res = event_base_once_nolock(base, -1, EV_TIMEOUT,
		    event_loopexit_cb, base, tv);
	} else {
		event_set(ev, -1, 0, event_loopexit_cb, base);
		(void)event_base_set(base, ev);
		res = event_add(ev, tv != NULL ? tv : &zero);
	}
	event_base_unlock_(base);
	return res;
}

int
event_loopexit(const struct timeval *tv)
{
	return event_base_loopexit(current_base, tv);
}

/* event_base_free(): the records of calls that never ran. */
void
event_once_free_all_(struct event_base *base)
{
	struct event_once *eo;

	while ((eo = base->once_head) != NULL) {
		base->once_head = eo->next;
		event_debug_note_teardown_(&eo->ev);
		mm_free(eo);
	}
}
