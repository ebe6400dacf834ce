/*
 * event_timer_defer.c -- timers added outside the loop.
 *
 * The note itself (timer_defer(), timer_defer_remove()) is inline in
 * event.c's event_add() and event_del(); here are the clock's slack, the
 * room for notes, and the flush that fixes the deadlines.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "event-internal.h"
#include "event.h"
#include "mm-internal.h"

/*
 * Deferred deadlines.  Outside the loop there is no cached time, and the
 * precise clock costs more than the rest of a timer add (~20 ns).  A pure
 * timer added there is only noted, with the coarse clock (~3 ns, at most a
 * tick behind the precise one); the loop fixes the deadlines of all noted
 * timers with one precise reading when it starts its next pass (or sooner,
 * when a deadline is asked for or the heap is walked) and puts them into
 * the heap, in the order they were added.  A noted timer's deadline is the
 * earlier of
 *   the precise time of that reading + its timeout, and
 *   the coarse time of the add + defer_slack_us + its timeout;
 * both are no earlier than libevent 1.4's (the precise time of the add +
 * its timeout), so such a timer never fires early, and it fires at most
 * defer_slack_us (two ticks) late -- in practice by the microseconds
 * between the add and the loop.  EVENT_BASE_FLAG_PRECISE_TIMER,
 * EVENT_PRECISE_TIMER and NO_CACHE_TIME turn this off.
 */
int64_t
event_timer_defer_slack_(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
	struct timespec res;

	/* Two ticks of at most 4 ms (HZ >= 250); else no deferring. */
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 &&
	    res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 4000000)
		return 2 * (((int64_t)res.tv_nsec + 999) / 1000);
#endif
	return 0;
}

/* Room for one more note.  0, or -1 (no memory). */
int
event_timer_defer_grow_(struct event_base *base)
{
	unsigned a = base->adefer ? 2 * base->adefer : 64;
	struct timer_defer *p;

	if (a < base->adefer || a > UINT_MAX / 2 / sizeof(*p))
		return -1;
	p = mm_realloc(base->defer, (size_t)a * sizeof(*p));
	if (p == NULL)
		return -1;
	base->defer = p;
	base->adefer = a;
	return 0;
}

/* Fix the noted deadlines (the heap has room: timer_defer() made it). */
static void
timer_defer_flush(struct event_base *base)
{
	int64_t now = event_mono_now_us_(), when;
	int trust = now - event_mono_coarse_us_() <= base->defer_slack_us;
	struct timer_defer *d, *end = base->defer + base->ndefer;
	struct event *ev;

	/* (A coarse clock lagging more than the slack now may have lagged
	 * at the adds as well: then only the precise reading counts.) */
	for (d = base->defer; d < end; d++) {
		ev = d->ev;
		when = now + d->rel;
		if (!trust || when < event_tv_to_us_(&ev->ev_timeout))
			event_us_to_tv_(when, &ev->ev_timeout);
		else
			when = event_tv_to_us_(&ev->ev_timeout);
		ev->ev_flags &= ~EVLIST_X_DEFER;
		min_heap_push(&base->timeheap, ev, when, d->seq);
	}
	base->ndefer = 0;
}

void
event_timers_settle_(struct event_base *base)
{
	if (base->ndefer)
		timer_defer_flush(base);
}

