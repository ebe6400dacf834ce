/*
 * event_base.c -- making, freeing and re-initialising bases; the backend
 * and version they report; priority levels.
 *
 * The loop, registration and timers are in event.c; the 2.x calls on a
 * base in event_base2.c; choosing a backend in event_config.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event-internal.h"
#include "event.h"
#include "evsignal-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/*
 * A zeroed base with its timer heap, signal lists and one priority level,
 * and no backend yet (event_config.c picks it).  NULL with errno = ENOMEM.
 */
struct event_base *
event_base_alloc_(void)
{
	struct event_base *base;
	int i;

	base = mm_calloc(1, sizeof(*base));
	if (base == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	min_heap_ctor(&base->timeheap);
	base->sig.ev_signal_pair[0] = base->sig.ev_signal_pair[1] = -1;
	base->notify_fd[0] = base->notify_fd[1] = -1;
	for (i = 0; i < NSIG; i++)
		TAILQ_INIT(&base->sig.evsigevents[i]);
	base->cache_time = 1;
	base->defer_slack_us = event_timer_defer_slack_();
	base->max_interval_us = -1;
	base->max_callbacks = INT_MAX;
	base->limit_after_pri = INT_MAX;
	if (event_base_priority_init(base, 1) == -1) {
		mm_free(base);
		errno = ENOMEM;
		return NULL;
	}
	/* The heap slot of the loopexit event (event_once.c), reserved now
	 * so that event_base_loopexit() never needs memory. */
	if (min_heap_reserve(&base->timeheap, 1) == -1) {
		mm_free(base->activequeues);
		mm_free(base);
		errno = ENOMEM;
		return NULL;
	}
	base->running_pri = INT_MAX;
	return base;
}

/*
 * event_base_new() made the current base.  NULL with errno set when it
 * fails (1.4 exits the process instead); current_base is then unchanged.
 */
struct event_base *
event_init(void)
{
	struct event_base *base = event_base_new();

	if (base != NULL)
		current_base = base;
	return base;
}

/*
 * Delete every pending event (the caller's memory and fds are untouched),
 * run the finalizers of finalized events (unless run_finalizers is 0),
 * restore signal handlers and free the base.  NULL means current_base.
 */
static void
base_free(struct event_base *base, int run_finalizers)
{
	struct event *ev;
	int i;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return;
	if (base == current_base)
		current_base = NULL;

	event_base_run_finalizers_(base, run_finalizers);
	for (i = 0; i < base->nfds; i++) {
		while ((ev = TAILQ_FIRST(&base->fds[i].evs)) != NULL) {
			if (ev == &base->sig.ev_signal)
				break;
			(void)event_del_nolock_(ev);
		}
	}
	event_timers_settle_(base);
	while ((ev = min_heap_top(&base->timeheap)) != NULL)
		(void)event_del_nolock_(ev);
	for (i = 0; i < base->nactivequeues; i++)
		while ((ev = TAILQ_FIRST(&base->activequeues[i])) != NULL)
			(void)event_del_nolock_(ev);
	for (i = 1; i < NSIG; i++)
		while ((ev = TAILQ_FIRST(&base->sig.evsigevents[i])) != NULL)
			(void)event_del_nolock_(ev);
	evsignal_dealloc(base);
	event_debug_note_teardown_(&base->sig.ev_signal);
	event_debug_note_teardown_(&base->loopexit_ev);

	event_once_free_all_(base);

	event_base_free_2x_(base);
	event_backend_dealloc_(base);
	min_heap_dtor(&base->timeheap);
	mm_free(base->defer);
	mm_free(base->activequeues);
	mm_free(base->fds);
	mm_free(base->changes);
	mm_free(base);
}

void
event_base_free(struct event_base *base)
{
	base_free(base, 1);
}

void
event_base_free_nofinalize(struct event_base *base)
{
	base_free(base, 0);
}

/*
 * After fork(): give the child its own backend state and signal pair and
 * register every inserted event again.  0, or -1 if anything failed.
 */
int
event_reinit(struct event_base *base)
{
	int res = 0;

	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
#ifdef _WIN32
	/* No fork() on Windows, so nothing to rebuild (docs/COMPAT.md). */
	event_warnx("event_reinit: there is no fork() on Windows");
	errno = ENOSYS;
	return -1;
#endif
	event_base_lock_(base);
	/* A backend whose state lives in the kernel (epoll, kqueue,
	 * /dev/poll) shares it with the parent: give the child its own and
	 * register every wanted fd again.  poll and select keep theirs. */
	if ((base->evsel->need_reinit || base->evbase == NULL) &&
	    event_backend_rebuild_(base) == -1) {
		event_warn("event_reinit: %s", base->evsel->name);
		event_base_unlock_(base);
		return -1;
	}
	if (evsignal_reinit_(base) == -1)
		res = -1;
	/* The wake-up fd is shared with the parent too. */
	if (base->notify_fd[0] >= 0) {
		evthread_base_teardown_notify_(base);
		if (evthread_make_base_notifiable(base) == -1)
			res = -1;
	}
	if (event_flush_changes_(base) == -1)
		res = -1;
	event_base_unlock_(base);
	return res;
}

const char *
event_base_get_method(const struct event_base *base)
{
	if (base == NULL)
		return NULL;
	return base->evsel->name;
}

int
event_base_get_features(const struct event_base *base)
{
	return base != NULL ? base->evsel->features : 0;
}

const char *
event_get_method(void)
{
	return event_base_get_method(current_base);
}

/*
 * The 2.x release string in both views (docs/COMPAT.md, "Versions"):
 * current programs that include only <event.h> refuse a "1.x" library
 * (memcached 1.6), as every program built against libevent 2.1's
 * <event.h> sees "2.1.12-stable".
 */
const char *
event_get_version(void)
{
	return event_get_version_2x();
}

/*
 * Set the number of priority levels.  -1 if an event is active or npri
 * is out of range; 0 without change when npri is the current count.
 */
int
event_base_priority_init(struct event_base *base, int npri)
{
	struct event_list *q;
	int i, old;

	if (base == NULL || npri < 1 || npri > 256) {
		errno = EINVAL;
		return -1;
	}
	if (base->event_count_active) {
		errno = EBUSY;
		return -1;
	}
	if (npri == base->nactivequeues)
		return 0;
	old = base->nactivequeues;
	q = mm_malloc((size_t)npri * sizeof(*q));
	if (q == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < npri; i++)
		TAILQ_INIT(&q[i]);
	mm_free(base->activequeues);
	base->activequeues = q;
	base->nactivequeues = npri;
	if (npri < old) {
		/* Pending events may now name a level that is gone. */
		struct event *ev;
		unsigned k;
		for (i = 0; i < base->nfds; i++)
			TAILQ_FOREACH(ev, &base->fds[i].evs, ev_next)
				event_clamp_pri_(ev);
		event_timers_settle_(base);
		for (k = 0; k < base->timeheap.n; k++)
			event_clamp_pri_(base->timeheap.p[k].ev);
		for (i = 1; i < NSIG; i++)
			TAILQ_FOREACH(ev, &base->sig.evsigevents[i],
			    ev_signal_next)
				event_clamp_pri_(ev);
	}
	return 0;
}

int
event_priority_init(int npri)
{
	return event_base_priority_init(current_base, npri);
}
