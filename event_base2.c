/*
 * event_base2.c -- libevent 2.x calls on a base: loop control and state,
 * counts, introspection, cached time, common timeouts, finalizers.
 *
 * Everything here works on the one struct event_base the 1.4 API uses
 * too (event-internal.h); the loop itself is in event.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event-internal.h"
#include "evsignal-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* ------------------------------------------------------------------ */
/* Versions (see event2/visibility.h) */

const char *
event_get_version_2x(void)
{
	return EVENT__VERSION;
}

ev_uint32_t
event_get_version_number(void)
{
	return EVENT__NUMERIC_VERSION;
}

/* ------------------------------------------------------------------ */
/* Loop control and state */

int
event_base_loopcontinue(struct event_base *base)
{
	return event_base_stop_(base, EVSTOP_CONTINUE);
}

int
event_base_got_exit(struct event_base *base)
{
	int res;

	if (base == NULL)
		return 0;
	event_base_lock_(base);
	res = base->got_exit || base->event_gotterm;
	event_base_unlock_(base);
	return res;
}

int
event_base_got_break(struct event_base *base)
{
	int res;

	if (base == NULL)
		return 0;
	event_base_lock_(base);
	res = base->got_break || (base->event_break & EVSTOP_BREAK);
	event_base_unlock_(base);
	return res;
}

/*
 * The event whose callback runs now.  Outside callbacks the loop keeps
 * cur_ev at what it was before the loop (NULL at the top level); from
 * another thread than the loop's the answer is NULL, as in libevent 2.x.
 */
struct event *
event_base_get_running_event(struct event_base *base)
{
	struct event *ev = NULL;

	if (base == NULL)
		return NULL;
	event_base_lock_(base);
	if (base->running && (base->th_lock == NULL ||
	    base->th_owner == evthread_id_()))
		ev = base->cur_ev;
	event_base_unlock_(base);
	return ev;
}

int
event_base_get_npriorities(struct event_base *base)
{
	int n;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return 0;
	event_base_lock_(base);
	n = base->nactivequeues;
	event_base_unlock_(base);
	return n;
}

/* ------------------------------------------------------------------ */
/* Counts */

int
event_base_get_num_events(struct event_base *base, unsigned int type)
{
	int n = 0;

	if (base == NULL)
		return 0;
	event_base_lock_(base);
	if (type & EVENT_BASE_COUNT_ACTIVE)
		n += base->event_count_active;
	if (type & EVENT_BASE_COUNT_ADDED)
		n += base->event_count + base->event_count_active;
	event_base_unlock_(base);
	return n;
}

int
event_base_get_max_events(struct event_base *base, unsigned int type,
    int clear)
{
	int n = 0;

	if (base == NULL)
		return 0;
	event_base_lock_(base);
	if (base->event_count > base->event_count_max)
		base->event_count_max = base->event_count;
	if (base->event_count_active > base->active_max)
		base->active_max = base->event_count_active;
	if (type & EVENT_BASE_COUNT_ACTIVE) {
		n += base->active_max;
		if (clear)
			base->active_max = 0;
	}
	if (type & EVENT_BASE_COUNT_ADDED) {
		n += base->event_count_max;
		if (clear)
			base->event_count_max = 0;
	}
	event_base_unlock_(base);
	return n;
}

/* ------------------------------------------------------------------ */
/* Activation by fd or signal */

void
event_base_active_by_fd(struct event_base *base, evutil_socket_t fd,
    short events)
{
	struct event *ev;
	unsigned k;

	if (base == NULL || fd < 0)
		return;
	event_base_lock_(base);
	if (events & EV_TIMEOUT) {
		/* Armed timeouts of the events on fd, in heap order. */
		event_timers_settle_(base);
		for (k = 0; k < base->timeheap.n; k++) {
			ev = base->timeheap.p[k].ev;
			if (ev->ev_fd == fd && !(ev->ev_events & EV_SIGNAL))
				event_active_nolock_(ev, EV_TIMEOUT, 1);
		}
	} else if (fd < base->nfds) {
		TAILQ_FOREACH(ev, &base->fds[fd].evs, ev_next) {
			short res = ev->ev_events & events & EV_IO_MASK;
			if (res)
				event_active_nolock_(ev, res, 1);
		}
	}
	event_base_notify_(base);
	event_base_unlock_(base);
}

void
event_base_active_by_signal(struct event_base *base, int sig)
{
	struct event *ev;

	if (base == NULL || sig <= 0 || sig >= NSIG)
		return;
	event_base_lock_(base);
	TAILQ_FOREACH(ev, &base->sig.evsigevents[sig], ev_signal_next)
		event_active_nolock_(ev, EV_SIGNAL, 1);
	event_base_notify_(base);
	event_base_unlock_(base);
}

/* ------------------------------------------------------------------ */
/* Iterating over events */

/*
 * Every pending or active event once: I/O events from the fd lists,
 * signal events, then armed timers of events that are neither, then
 * active events found nowhere else.
 */
static int
foreach_event(struct event_base *base, event_base_foreach_event_cb fn,
    void *arg)
{
	struct event *ev;
	unsigned k;
	int i, r;

	for (i = 0; i < base->nfds; i++)
		TAILQ_FOREACH(ev, &base->fds[i].evs, ev_next)
			if ((r = fn(base, ev, arg)) != 0)
				return r;
	for (i = 1; i < NSIG; i++)
		TAILQ_FOREACH(ev, &base->sig.evsigevents[i], ev_signal_next)
			if ((r = fn(base, ev, arg)) != 0)
				return r;
	event_timers_settle_(base);
	for (k = 0; k < base->timeheap.n; k++) {
		ev = base->timeheap.p[k].ev;
		if (!(ev->ev_flags & EVLIST_INSERTED) &&
		    (r = fn(base, ev, arg)) != 0)
			return r;
	}
	for (i = 0; i < base->nactivequeues; i++)
		TAILQ_FOREACH(ev, &base->activequeues[i], ev_active_next)
			if (!(ev->ev_flags & (EVLIST_INSERTED |
			    EVLIST_TIMEOUT)) && (r = fn(base, ev, arg)) != 0)
				return r;
	return 0;
}

int
event_base_foreach_event(struct event_base *base,
    event_base_foreach_event_cb fn, void *arg)
{
	int r;

	if (base == NULL || fn == NULL)
		return -1;
	event_base_lock_(base);
	r = foreach_event(base, fn, arg);
	event_base_unlock_(base);
	return r;
}

/* A monotonic deadline as the wall clock says it now. */
void
event_deadline_wall_(struct event_base *base, const struct event *ev,
    struct timeval *out)
{
	struct timeval wall;
	int64_t left = event_tv_to_us_(&ev->ev_timeout) - event_now_us_(base);

	gettimeofday(&wall, NULL);
	event_us_to_tv_(event_tv_to_us_(&wall) + left, out);
}

static int
dump_inserted(const struct event_base *cbase, const struct event *ev,
    void *arg)
{
	struct event_base *base = (struct event_base *)cbase;
	FILE *out = arg;
	short e = ev->ev_events;

	if (!(ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)))
		return 0;
	fprintf(out, "  %p [%s %d]%s%s%s%s%s%s%s", (void *)ev,
	    (e & EV_SIGNAL) ? "sig" : "fd", ev->ev_fd,
	    (e & EV_READ) ? " Read" : "", (e & EV_WRITE) ? " Write" : "",
	    (e & EV_CLOSED) ? " Closed" : "", (e & EV_SIGNAL) ? " Signal" : "",
	    (e & EV_PERSIST) ? " Persist" : "", (e & EV_ET) ? " ET" : "",
	    (ev->ev_flags & EVLIST_INTERNAL) ? " Internal" : "");
	if (ev->ev_flags & EVLIST_TIMEOUT) {
		struct timeval tv;
		event_deadline_wall_(base, ev, &tv);
		fprintf(out, " Timeout=%ld.%06d", (long)tv.tv_sec,
		    (int)tv.tv_usec);
	}
	fputc('\n', out);
	return 0;
}

static int
dump_active(const struct event_base *base, const struct event *ev,
    void *arg)
{
	FILE *out = arg;
	int r = ev->ev_res;

	(void)base;
	if (!(ev->ev_flags & EVLIST_ACTIVE))
		return 0;
	fprintf(out, "  %p [%s %d, priority=%d]%s%s%s%s%s active\n",
	    (void *)ev, (ev->ev_events & EV_SIGNAL) ? "sig" : "fd",
	    ev->ev_fd, ev->ev_pri, (r & EV_READ) ? " Read" : "",
	    (r & EV_WRITE) ? " Write" : "", (r & EV_CLOSED) ? " Closed" : "",
	    (r & EV_SIGNAL) ? " Signal" : "",
	    (r & EV_TIMEOUT) ? " Timeout" : "");
	return 0;
}

void
event_base_dump_events(struct event_base *base, FILE *output)
{
	if (base == NULL || output == NULL)
		return;
	event_base_lock_(base);
	fputs("Inserted events:\n", output);
	(void)foreach_event(base, dump_inserted, output);
	fputs("Active events:\n", output);
	(void)foreach_event(base, dump_active, output);
	event_base_unlock_(base);
}

/* ------------------------------------------------------------------ */
/* Time */

/*
 * The cached time as wall-clock time.  The offset between the two clocks
 * is measured once per cached value (now_us), so every call within one
 * loop pass answers the same.
 */
int
event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv)
{
	if (tv == NULL)
		return -1;
	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return gettimeofday(tv, NULL);
	event_base_lock_(base);
	if (!base->tv_cached) {
		event_base_unlock_(base);
		return gettimeofday(tv, NULL);
	}
	if (base->wall_at != base->now_us || base->wall_at == 0) {
		struct timeval wall;
		gettimeofday(&wall, NULL);
		base->wall_off_us = event_tv_to_us_(&wall) -
		    event_mono_now_us_();
		base->wall_at = base->now_us;
	}
	event_us_to_tv_(base->now_us + base->wall_off_us, tv);
	event_base_unlock_(base);
	return 0;
}

int
event_base_update_cache_time(struct event_base *base)
{
	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return -1;
	event_base_lock_(base);
	if (base->running && base->tv_cached)
		base->now_us = event_mono_now_us_();
	event_base_unlock_(base);
	return 0;
}

int
event_gettime_monotonic(struct event_base *base, struct timeval *tp)
{
	struct timespec ts;

	if (base == NULL || tp == NULL)
		return -1;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return -1;
	tp->tv_sec = ts.tv_sec;
	tp->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Common timeouts */

/*
 * A common timeout is a struct timeval whose tv_usec carries a marker in
 * its top bits, the slot of the base's table in bits 20-27 and the real
 * microseconds below, as in libevent 2.x (programs may print or compare
 * it).  Our timer heap already handles equal durations in O(log n), with
 * pushes of later deadlines costing O(1), so a common timeout is simply
 * its duration once decoded.
 */
#define COMMON_MAGIC	0x50000000
#define COMMON_MASK	0xf0000000
#define COMMON_IDX_SHIFT 20
#define COMMON_IDX_MASK	0xff
#define COMMON_USEC_MASK 0xfffff
#define COMMON_MAX	256

int64_t
event_common_timeout_us_(const struct event_base *base,
    const struct timeval *tv)
{
	unsigned long u = (unsigned long)tv->tv_usec;
	int64_t sec = tv->tv_sec;	/* (a 32-bit long on Windows) */
	int idx;

	if ((u & COMMON_MASK) != COMMON_MAGIC)
		return -1;
	idx = (int)((u >> COMMON_IDX_SHIFT) & COMMON_IDX_MASK);
	if (idx >= base->ncommon || base->common[idx].tv_sec != tv->tv_sec ||
	    base->common[idx].tv_usec != tv->tv_usec)
		return -1;
	/* A common timeout of the largest tv_sec: clamped as any timeout
	 * is, the product must not overflow. */
	if (sec > TIME_MAX_SEC)
		return TIME_MAX_SEC * 1000000;
	return sec * 1000000 + (int64_t)(u & COMMON_USEC_MASK);
}

/* d with tv_usec in [0, 1000000); a tv_sec at its limits saturates. */
static void
common_normalize(struct timeval *d)
{
	long carry = (long)(d->tv_usec / 1000000);

	d->tv_usec %= 1000000;
	if (d->tv_usec < 0) {
		d->tv_usec += 1000000;
		carry--;
	}
	if (carry > 0 && (int64_t)d->tv_sec > TV_SEC_MAX - carry)
		d->tv_sec = (time_t)TV_SEC_MAX;
	else if (carry < 0 && (int64_t)d->tv_sec < -TV_SEC_MAX - 1 - carry)
		d->tv_sec = (time_t)(-TV_SEC_MAX - 1);
	else
		d->tv_sec += carry;
}

const struct timeval *
event_base_init_common_timeout(struct event_base *base,
    const struct timeval *duration)
{
	const struct timeval *res = NULL;
	struct timeval d;
	int i;

	if (base == NULL || duration == NULL)
		return NULL;
	event_base_lock_(base);
	if (event_common_timeout_us_(base, duration) >= 0) {
		res = duration;
		goto done;
	}
	d = *duration;
	if (d.tv_usec < 0 || d.tv_usec >= 1000000)
		common_normalize(&d);
	for (i = 0; i < base->ncommon; i++) {
		if (base->common[i].tv_sec == d.tv_sec &&
		    (base->common[i].tv_usec & COMMON_USEC_MASK) == d.tv_usec) {
			res = &base->common[i];
			goto done;
		}
	}
	if (base->ncommon == COMMON_MAX) {
		event_warnx("%s: only %d common timeouts per base",
		    "event_base_init_common_timeout", COMMON_MAX);
		goto done;
	}
	if (base->common == NULL) {
		/* Allocated whole: the pointers handed out must not move. */
		base->common = mm_calloc(COMMON_MAX, sizeof(*base->common));
		if (base->common == NULL)
			goto done;
	}
	base->common[i].tv_sec = d.tv_sec;
	base->common[i].tv_usec = (suseconds_t)(COMMON_MAGIC |
	    ((unsigned long)i << COMMON_IDX_SHIFT) | (unsigned long)d.tv_usec);
	base->ncommon++;
	res = &base->common[i];
done:
	event_base_unlock_(base);
	return res;
}

/* ------------------------------------------------------------------ */
/* 2.x persistence and finalizers (called by the loop, base locked) */

/*
 * Before the callback of a 2.x persistent event with an interval: arm its
 * timeout again, from the deadline that just passed when it was the
 * timeout that fired (so a periodic timer does not drift), else from now;
 * from now if that is already in the past (a slow callback or a stopped
 * loop), as libevent 2.x does.
 */
void
event_persist_rearm_(struct event_base *base, struct event *ev)
{
	int64_t iv = ev_x_interval(ev), now = event_now_us_(base), when;

	if (ev->ev_res & EV_TIMEOUT)
		when = event_tv_to_us_(&ev->ev_timeout) + iv;
	else
		when = now + iv;
	if (when < now)
		when = now + iv;
	if (!(ev->ev_flags & EVLIST_TIMEOUT) &&
	    event_timer_reserve_(base, 1) == -1) {
		event_warn("event: cannot re-arm the timeout of %p",
		    (void *)ev);
		return;
	}
	event_timer_arm_(base, ev, when);
}

/*
 * Run the finalizer of ev, which event_finalize() queued as active and
 * the loop just took off its queue: unlocked, with nothing of ev used
 * afterwards but its memory, freed for event_free_finalize().
 */
void
event_finalize_run_(struct event_base *base, struct event *ev)
{
	event_finalize_callback_fn cb;
	void *arg = ev->ev_arg;
	int do_free = ev->ev_flags & EVLIST_X_FREE;

	memcpy(&cb, ev_x_slot(ev), sizeof(cb));
	ev->ev_flags &= ~(EVLIST_FINALIZING | EVLIST_X_FREE);
	ev->ev_flags |= EVLIST_INIT;
	base->cur_ev = NULL;
	if (do_free)
		event_debug_note_teardown_(ev);
	event_base_unlock_(base);
	cb(ev, arg);
	if (do_free)
		mm_free(ev);
	event_base_lock_(base);
}

/*
 * event_base_free(): finalizers of events still queued, run or dropped.
 * A finalizer may change the queues, so the scan starts over after each.
 */
void
event_base_run_finalizers_(struct event_base *base, int run)
{
	struct event *ev;
	int i;

	event_base_lock_(base);
	for (i = 0; i < base->nactivequeues; i++) {
again:
		TAILQ_FOREACH(ev, &base->activequeues[i], ev_active_next) {
			if (!(ev->ev_flags & EVLIST_FINALIZING))
				continue;
			(void)event_del_nolock_(ev);
			if (run)
				event_finalize_run_(base, ev);
			else
				ev->ev_flags = (ev->ev_flags &
				    ~(EVLIST_FINALIZING | EVLIST_X_FREE)) |
				    EVLIST_INIT;
			goto again;
		}
	}
	event_base_unlock_(base);
}

/* event_base_free(): what the 2.x parts of a base hold. */
void
event_base_free_2x_(struct event_base *base)
{
	event_base_unregister_(base);
	evthread_base_teardown_(base);
	mm_free(base->common);
	base->common = NULL;
	base->ncommon = 0;
}
