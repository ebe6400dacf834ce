/*
 * regress_timer.c -- timers: deadline order, precision, the monotonic
 * clock and the loop's cached time, timeouts on I/O events, a million
 * timers.  Case names stay core/... (the timers are the core's).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include "event.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_core.h"

/* ------------------------------------------------------------------ */
/* Timers */

/* Deadlines fire in order, equal ones in insertion order, never early. */
static void
test_timeout_order(struct regress_env *env)
{
	static const int ms[] = { 50, 10, 30, 20, 20, 0, 20, 40 };
	static const int want[] = { 5, 1, 3, 4, 6, 2, 7, 0 };
	enum { N = sizeof(ms) / sizeof(ms[0]) };
	struct event ev[N];
	struct core_order_rec rec[N];
	int log[N], n = 0, i;
	double at[N];
	double t0 = regress_now();

	(void)env;
	for (i = 0; i < N; i++) {
		struct timeval tv = { 0, ms[i] * 1000 };
		rec[i].log = log;
		rec[i].n = &n;
		rec[i].id = i;
		rec[i].t0 = t0;
		rec[i].at = at;
		evtimer_set(&ev[i], core_order_cb, &rec[i]);
		tt_int_op(evtimer_add(&ev[i], &tv), ==, 0);
		tt_int_op(evtimer_pending(&ev[i], NULL), ==, EV_TIMEOUT);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, N);
	for (i = 0; i < N; i++) {
		tt_int_op(log[i], ==, want[i]);
		tt_assert(at[i] >= ms[i] - 1.0);
		tt_assert(at[i] <= ms[i] + core_slack(100));
	}
}

static void
once_time_cb(int fd, short what, void *arg)
{
	double *at = arg;

	(void)fd;
	(void)what;
	*at = regress_now();
}

/* A 100 ms timer fires between 100 ms and 100 ms + slack. */
static void
test_timeout_precision(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 0, 100000 };
	double at = 0, t0, el;

	(void)env;
	evtimer_set(&ev, once_time_cb, &at);
	t0 = regress_now();
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	el = (at - t0) * 1000.0;
	regress_note("100 ms timer fired after %.2f ms", el);
	tt_assert(el >= 100.0);
	tt_assert(el < 100.0 + core_slack(60));
}

/* The loop's cached time is dropped when the loop returns (here: with 1,
 * after its last callback), so a timeout added later is relative to the
 * real time of the add. */
static void
test_time_cache_cleared(struct regress_env *env)
{
	struct event a, b;
	struct timeval zero = { 0, 0 }, ten = { 0, 10000 };
	struct timespec pause = { 0, 50000000 };
	double at = 0, t0;

	(void)env;
	evtimer_set(&a, once_time_cb, &at);
	tt_int_op(evtimer_add(&a, &zero), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	nanosleep(&pause, NULL);
	evtimer_set(&b, once_time_cb, &at);
	t0 = regress_now();
	tt_int_op(evtimer_add(&b, &ten), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_assert((at - t0) * 1000.0 >= 9.9);
}

/* ev_timeout is an absolute CLOCK_MONOTONIC deadline; event_pending's tv
 * is wall-clock.  Timers do not depend on the wall clock.  Added outside
 * the loop, ev_timeout is at first the latest the deadline can be (two
 * ticks of the coarse clock late at most, 9 ms at HZ=250: see
 * timer_defer()), and exact once event_pending() asked for it. */
static void
test_monotonic(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 5, 0 }, wall, got;
	struct timespec mono;
	double dl, m, w, g;

	(void)env;
	evtimer_set(&ev, once_time_cb, NULL);
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	gettimeofday(&wall, NULL);
	dl = ev.ev_timeout.tv_sec + ev.ev_timeout.tv_usec / 1e6;
	m = mono.tv_sec + mono.tv_nsec / 1e9;
	tt_assert(dl > m + 4.9 && dl <= m + 5.0 + 0.009);
	tt_int_op(evtimer_pending(&ev, &got), ==, EV_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	dl = ev.ev_timeout.tv_sec + ev.ev_timeout.tv_usec / 1e6;
	tt_assert(dl > m + 4.9 &&
	    dl <= mono.tv_sec + mono.tv_nsec / 1e9 + 5.0 + 0.001);
	w = wall.tv_sec + wall.tv_usec / 1e6;
	g = got.tv_sec + got.tv_usec / 1e6;
	tt_assert(g > w + 4.9 && g < w + 5.1);
	tt_int_op(event_del(&ev), ==, 0);
	tt_int_op(evtimer_pending(&ev, NULL), ==, 0);
}

/* event_add(ev, NULL) leaves an armed timeout alone; tv replaces it. */
static void
test_add_null_keeps_timeout(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 0, 50000 }, later = { 10, 0 };
	int n = 0;
	double t0 = regress_now();

	event_set(&ev, env->pair[0], EV_READ, core_count_cb, &n);
	tt_int_op(event_add(&ev, &later), ==, 0);
	tt_int_op(event_add(&ev, &tv), ==, 0);	/* replaces: now + 50 ms */
	tt_int_op(event_add(&ev, NULL), ==, 0);	/* keeps it */
	tt_int_op(event_pending(&ev, EV_TIMEOUT | EV_READ, NULL), ==,
	    EV_TIMEOUT | EV_READ);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
	tt_assert(core_ms_since(t0) >= 49.0 &&
	    core_ms_since(t0) < 50 + core_slack(500));
}

struct pt {
	struct event ev;
	int reads, timeouts;
	double t_timeout;
};

static void
pt_cb(int fd, short what, void *arg)
{
	struct pt *p = arg;
	char c;

	if (what & EV_TIMEOUT) {
		p->timeouts++;
		p->t_timeout = regress_now();
	}
	if (what & EV_READ) {
		p->reads++;
		(void)read(fd, &c, 1);
	}
}

static void
writer_cb(int fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	core_write1(fd);
}

/*
 * 1.4: a persistent event's timeout is an absolute deadline that activity
 * does not extend; at the deadline the event is deleted entirely.
 */
static void
test_persist_timeout_deadline(struct regress_env *env)
{
	struct pt p;
	struct event w[3];
	struct timeval tv = { 0, 200000 };
	double t0;
	int i;

	memset(&p, 0, sizeof(p));
	event_set(&p.ev, env->pair[0], EV_READ | EV_PERSIST, pt_cb, &p);
	t0 = regress_now();
	tt_int_op(event_add(&p.ev, &tv), ==, 0);
	for (i = 0; i < 3; i++) {
		struct timeval wt = { 0, 40000 * (i + 1) };
		event_set(&w[i], env->pair[1], 0, writer_cb, NULL);
		/* pure timers that write at 40, 80, 120 ms */
		evtimer_set(&w[i], writer_cb, NULL);
		w[i].ev_fd = env->pair[1];
		tt_int_op(evtimer_add(&w[i], &wt), ==, 0);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(p.reads, ==, 3);
	tt_int_op(p.timeouts, ==, 1);
	tt_assert((p.t_timeout - t0) * 1000 >= 199.0);
	tt_assert((p.t_timeout - t0) * 1000 < 200 + core_slack(100));
	tt_int_op(event_pending(&p.ev, EV_READ | EV_TIMEOUT, NULL), ==, 0);
}

/* I/O ready and timeout expired in the same iteration: only EV_TIMEOUT. */
static void
test_timeout_beats_io(struct regress_env *env)
{
	struct core_rd r;
	struct timeval zero = { 0, 0 };

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_PERSIST, core_rd_cb, &r);
	core_write1(env->pair[1]);
	tt_int_op(event_add(&r.ev, &zero), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_TIMEOUT);
	tt_int_op(event_pending(&r.ev, EV_READ | EV_TIMEOUT, NULL), ==, 0);
}

struct cached {
	struct event a, b;
	double t_add, t_fire;
};

static void
cached_b_cb(int fd, short what, void *arg)
{
	struct cached *c = arg;

	(void)fd;
	(void)what;
	c->t_fire = regress_now();
}

static void
cached_a_cb(int fd, short what, void *arg)
{
	struct cached *c = arg;
	struct timeval tv = { 0, 60000 };
	double t0 = regress_now();

	(void)fd;
	(void)what;
	while (regress_now() - t0 < 0.03)	/* a busy callback: 30 ms */
		;
	c->t_add = regress_now();
	tt_int_op(evtimer_add(&c->b, &tv), ==, 0);
}

/* A timeout added by a callback counts from the time the backend's wait
 * returned (1.4's cached time), not from the moment of the add. */
static void
test_cached_time_in_cb(struct regress_env *env)
{
	struct cached c;

	(void)env;
	memset(&c, 0, sizeof(c));
	evtimer_set(&c.a, cached_a_cb, &c);
	evtimer_set(&c.b, cached_b_cb, &c);
	event_active(&c.a, EV_TIMEOUT, 1);
	tt_int_op(event_dispatch(), ==, 1);
	/* 60 ms from the wait's end, of which 30 ms were spent busy: the
	 * deadline is at most 30 ms after the add, and it was honoured. */
	{
		double dl = c.b.ev_timeout.tv_sec +
		    c.b.ev_timeout.tv_usec / 1e6;
		tt_assert((dl - c.t_add) * 1000.0 <= 30.5);
		tt_assert(c.t_fire >= dl - 0.0005);
	}
	tt_assert((c.t_fire - c.t_add) * 1000.0 < 30.5 + core_slack(100));
}

/* Re-arming a timeout-activated event with a new timeout cancels the
 * queued callback. */
static void
test_readd_cancels_timeout(struct regress_env *env)
{
	struct event a, b;
	struct timeval zero = { 0, 0 }, later = { 0, 30000 };
	int na = 0;
	double t0;

	(void)env;
	evtimer_set(&a, core_count_cb, &na);
	evtimer_set(&b, core_count_cb, &na);
	tt_int_op(evtimer_add(&a, &zero), ==, 0);
	t0 = regress_now();
	/* Let a's timeout activate it without running it: ONCE|NONBLOCK
	 * runs it, so activate by hand the way the loop does. */
	event_active(&a, EV_TIMEOUT, 1);
	tt_int_op(event_del(&a), ==, 0);
	event_active(&a, EV_TIMEOUT, 1);
	tt_int_op(evtimer_add(&a, &later), ==, 0);
	tt_int_op(event_pending(&a, EV_TIMEOUT, NULL), ==, EV_TIMEOUT);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(na, ==, 1);
	tt_assert(core_ms_since(t0) >= 29.0);
}

/* 1,000,000 timers added, half deleted, the rest fire in deadline order. */
struct mt {
	int64_t last;
	int fired;
	int bad_order;
};

static struct mt mt_state;

static void
mt_cb(int fd, short what, void *arg)
{
	struct event *ev = arg;
	int64_t d = (int64_t)ev->ev_timeout.tv_sec * 1000000 +
	    ev->ev_timeout.tv_usec;

	(void)fd;
	(void)what;
	if (d < mt_state.last)
		mt_state.bad_order++;
	mt_state.last = d;
	mt_state.fired++;
}

static void
test_million_timers(struct regress_env *env)
{
	enum { N = 1000000 };
	struct event *evs;
	unsigned seed = 12345;
	int i;

	(void)env;
	evs = calloc(N, sizeof(*evs));
	tt_assert(evs != NULL);
	for (i = 0; i < N; i++) {
		struct timeval tv;
		seed = seed * 1103515245u + 12345u;
		tv.tv_sec = 0;
		tv.tv_usec = (seed >> 8) % 50000;	/* within 50 ms */
		evtimer_set(&evs[i], mt_cb, &evs[i]);
		tt_int_op(evtimer_add(&evs[i], &tv), ==, 0);
	}
	for (i = 0; i < N; i += 2)
		tt_int_op(evtimer_del(&evs[i]), ==, 0);
	/* Reschedule a quarter in place. */
	for (i = 1; i < N; i += 4) {
		struct timeval tv = { 0, 10000 };
		tt_int_op(evtimer_add(&evs[i], &tv), ==, 0);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(mt_state.fired, ==, N / 2);
	tt_int_op(mt_state.bad_order, ==, 0);
	for (i = 0; i < N; i++)
		tt_int_op(evs[i].ev_flags & (EVLIST_TIMEOUT | EVLIST_ACTIVE),
		    ==, 0);
	free(evs);
}

/* ------------------------------------------------------------------ */
/* Timers added outside the loop (deferred deadlines, timer_defer()) */

static int64_t
ev_deadline_us(const struct event *ev)
{
	return (int64_t)ev->ev_timeout.tv_sec * 1000000 +
	    ev->ev_timeout.tv_usec;
}

/* Two ticks of a 250 Hz coarse clock, and 1 ms for rounding. */
#define DEFER_LATE_MAX_US	9000

/*
 * A timer added outside the loop, then a pause before the loop: its
 * deadline is never before the add + its timeout, and late by at most two
 * coarse ticks (not by the whole pause); it fires no earlier either.
 */
static void
test_outside_add_deadline(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 0, 30000 };
	struct timespec pause = { 0, 20000000 };
	int64_t t0, t1, dl;
	double at = 0, start;

	(void)env;
	evtimer_set(&ev, once_time_cb, &at);
	start = regress_now();
	t0 = regress_mono_us();
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	t1 = regress_mono_us();
	nanosleep(&pause, NULL);
	tt_int_op(evtimer_pending(&ev, NULL), ==, EV_TIMEOUT);
	tt_int_op(event_dispatch(), ==, 1);
	dl = ev_deadline_us(&ev);
	tt_assert(dl >= t0 + 30000);
	tt_assert(dl <= t1 + 30000 + DEFER_LATE_MAX_US);
	tt_assert((at - start) * 1000.0 >= 30.0 - 0.001);
}

/* Read at once (event_pending()'s tv), the deadline is the add's. */
static void
test_outside_add_pending_tv(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 2, 0 }, got, w0, w1;
	int64_t t0, t1, dl;
	double g, unused = 0;

	(void)env;
	evtimer_set(&ev, once_time_cb, &unused);
	gettimeofday(&w0, NULL);
	t0 = regress_mono_us();
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	tt_int_op(evtimer_pending(&ev, &got), ==, EV_TIMEOUT);
	t1 = regress_mono_us();
	gettimeofday(&w1, NULL);
	dl = ev_deadline_us(&ev);
	tt_assert(dl >= t0 + 2000000 && dl <= t1 + 2000000);
	g = got.tv_sec + got.tv_usec / 1e6;
	tt_assert(g >= w0.tv_sec + w0.tv_usec / 1e6 + 2.0 - 0.001);
	tt_assert(g <= w1.tv_sec + w1.tv_usec / 1e6 + 2.0 + 0.001);
	tt_int_op(event_del(&ev), ==, 0);
}

/*
 * Added, re-added and deleted outside the loop, freed after the delete:
 * the loop runs the rest in deadline order, equal deadlines in the order
 * of their last add, and never the deleted ones.
 */
static void
test_outside_add_order(struct regress_env *env)
{
	enum { N = 10 };
	static const int want[] = { 0, 1, 2, 4, 6, 7, 8, 9, 3 };
	struct event *ev[N];
	struct core_order_rec rec[N];
	struct timeval zero = { 0, 0 }, ms5 = { 0, 5000 };
	int log[N], n = 0, i;
	double at[N];

	(void)env;
	for (i = 0; i < N; i++) {
		rec[i].log = log;
		rec[i].n = &n;
		rec[i].id = i;
		rec[i].t0 = regress_now();
		rec[i].at = at;
		ev[i] = malloc(sizeof(*ev[i]));
		tt_assert(ev[i] != NULL);
		evtimer_set(ev[i], core_order_cb, &rec[i]);
		tt_int_op(evtimer_add(ev[i], i == 3 ? &ms5 : &zero), ==, 0);
	}
	tt_int_op(evtimer_add(ev[3], &zero), ==, 0);	/* now last */
	tt_int_op(evtimer_del(ev[5]), ==, 0);
	tt_int_op(evtimer_pending(ev[5], NULL), ==, 0);
	free(ev[5]);
	ev[5] = NULL;
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, N - 1);
	for (i = 0; i < N - 1; i++)
		tt_int_op(log[i], ==, want[i]);
	for (i = 0; i < N; i++)
		free(ev[i]);
}

static void
count_timeout_cb(int fd, short what, void *arg)
{
	int *n = arg;

	(void)fd;
	if (what == EV_TIMEOUT)
		(*n)++;
}

/* On a new base: nt noted timers, then nio I/O timeouts (armed in the
 * heap at once), one loop; how many timed out. */
static int
mixed_round(int fd, int nt, int nio)
{
	struct event_base *b = event_base_new();
	struct event *ev = calloc((size_t)(nt + nio), sizeof(*ev));
	struct timeval ms1 = { 0, 1000 }, ms2 = { 0, 2000 };
	int n = 0, i;

	if (b == NULL || ev == NULL)
		goto out;
	for (i = 0; i < nt + nio; i++) {
		if (i < nt)
			evtimer_set(&ev[i], count_timeout_cb, &n);
		else
			event_set(&ev[i], fd, EV_READ, count_timeout_cb, &n);
		if (event_base_set(b, &ev[i]) == -1 ||
		    event_add(&ev[i], i < nt ? &ms1 : &ms2) == -1) {
			n = -1;
			goto out;
		}
	}
	if (event_base_dispatch(b) != 1)
		n = -1;
out:
	if (b != NULL)
		event_base_free(b);
	free(ev);
	return n;
}

/*
 * Noted timers and, after them, I/O timeouts up to the heap's room
 * (capacities 64, 128, 256, ... here): the flush still finds room for
 * every note (ASan sees an overrun), and all fire.
 */
static void
test_outside_add_mixed(struct regress_env *env)
{
	static const int nio[] = { 30, 62, 126, 254 };
	size_t k;

	for (k = 0; k < sizeof(nio) / sizeof(nio[0]); k++)
		tt_int_op(mixed_round(env->pair[0], 100, nio[k]), ==,
		    100 + nio[k]);
}

/*
 * The largest and the smallest tv_sec, sized from the field itself: a
 * time_t, but a 32-bit long on Windows.
 */
#define TV_SEC_MAX ((long long)(((unsigned long long)1 <<		\
	(sizeof(((struct timeval *)0)->tv_sec) * 8 - 1)) - 1))
#define TV_SEC_MIN (-TV_SEC_MAX - 1)
#define TEN_YEARS_S (10 * 365 * 86400LL)

static void
del_arg_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_del(arg);
}

/*
 * ev's deadline, for a timeout of the largest tv_sec: years ahead on the
 * monotonic clock (ev_timeout did not wrap), and as event_pending() gives
 * it, years ahead on the wall clock -- or, where that is past the largest
 * tv_sec (2038 with a 32-bit one), that largest value.
 */
static void
expect_years_ahead(struct event *ev)
{
	struct timeval got, now;
	long long want;

	tt_int_op(evtimer_pending(ev, &got), ==, EV_TIMEOUT);
	gettimeofday(&now, NULL);
	tt_assert(ev_deadline_us(ev) >
	    regress_mono_us() + TEN_YEARS_S * 1000000);
	want = (long long)now.tv_sec + TEN_YEARS_S;
	if (want > TV_SEC_MAX)
		want = TV_SEC_MAX;
	tt_int_op(got.tv_sec, >=, want);
	tt_assert(got.tv_usec >= 0 && got.tv_usec < 1000000);
}

/*
 * Timeouts out of range, added outside the loop: negative ones (down to
 * the smallest tv_sec) are already due and fire in the first pass; the
 * largest tv_sec neither overflows nor fires, and its deadline is years
 * ahead.
 */
static void
test_outside_add_extreme(struct regress_env *env)
{
	struct event neg, low, huge, stop;
	struct timeval tneg = { -5, 0 }, tstop = { 0, 20000 }, tlow, thuge;
	int n = 0;

	(void)env;
	tlow.tv_sec = TV_SEC_MIN;
	tlow.tv_usec = 0;
	thuge.tv_sec = TV_SEC_MAX;
	thuge.tv_usec = 999999;
	evtimer_set(&neg, count_timeout_cb, &n);
	evtimer_set(&low, count_timeout_cb, &n);
	evtimer_set(&huge, count_timeout_cb, &n);
	evtimer_set(&stop, del_arg_cb, &huge);
	tt_int_op(evtimer_add(&neg, &tneg), ==, 0);
	tt_int_op(evtimer_add(&low, &tlow), ==, 0);
	tt_int_op(evtimer_add(&huge, &thuge), ==, 0);
	tt_int_op(evtimer_add(&stop, &tstop), ==, 0);
	expect_years_ahead(&huge);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 2);
	tt_int_op(evtimer_pending(&neg, NULL), ==, 0);
	tt_int_op(evtimer_pending(&low, NULL), ==, 0);
	tt_int_op(evtimer_pending(&huge, NULL), ==, 0);
}

struct extreme_rearm {
	struct event out, in, guard;
	double t0, at[2];
	int n;
};

static void
rearm_fired_cb(int fd, short what, void *arg)
{
	struct extreme_rearm *x = arg;

	(void)fd;
	(void)what;
	x->at[x->n++] = regress_now() - x->t0;
	if (x->n == 2)
		evtimer_del(&x->guard);
}

/* In a callback: the largest timeout, then a 10 ms one. */
static void
rearm_in_loop_cb(int fd, short what, void *arg)
{
	struct extreme_rearm *x = arg;
	struct timeval huge, ms10 = { 0, 10000 };

	(void)fd;
	(void)what;
	huge.tv_sec = TV_SEC_MAX;
	huge.tv_usec = 0;
	evtimer_add(&x->in, &huge);
	expect_years_ahead(&x->in);
	evtimer_add(&x->in, &ms10);
}

static void
rearm_guard_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_loopbreak();
}

/*
 * A timer armed with the largest timeout and re-armed with 10 ms, outside
 * the loop and inside it, fires after those 10 ms: the earlier deadline
 * replaces the huge one, which never wrapped around to look earlier still
 * (a 32-bit tv_sec).  A guard ends the loop after a second otherwise.
 */
static void
test_rearm_from_extreme(struct regress_env *env)
{
	struct extreme_rearm x;
	struct event start;
	struct timeval huge, ms10 = { 0, 10000 }, zero = { 0, 0 };
	struct timeval second = { 1, 0 };
	int i;

	(void)env;
	memset(&x, 0, sizeof(x));
	huge.tv_sec = TV_SEC_MAX;
	huge.tv_usec = 0;
	evtimer_set(&x.out, rearm_fired_cb, &x);
	evtimer_set(&x.in, rearm_fired_cb, &x);
	evtimer_set(&x.guard, rearm_guard_cb, NULL);
	evtimer_set(&start, rearm_in_loop_cb, &x);
	second.tv_sec = (long)regress_slowdown();
	x.t0 = regress_now();
	tt_int_op(evtimer_add(&x.out, &huge), ==, 0);
	expect_years_ahead(&x.out);	/* (in the heap now) */
	tt_int_op(evtimer_add(&x.out, &ms10), ==, 0);
	tt_int_op(evtimer_add(&start, &zero), ==, 0);
	tt_int_op(evtimer_add(&x.guard, &second), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(x.n, ==, 2);
	for (i = 0; i < 2; i++)
		tt_assert(x.at[i] >= 0.010 - 0.001 && x.at[i] < second.tv_sec);
}

/* Note the time, end the loop (its guard is pending still). */
static void
fired_break_cb(int fd, short what, void *arg)
{
	double *at = arg;

	(void)fd;
	(void)what;
	*at = regress_now();
	event_loopbreak();
}

/*
 * A 2.x common timeout of the largest tv_sec: made, armed years ahead
 * (clamped as any timeout, not multiplied past int64_t), then re-armed
 * with 10 ms, which it keeps.
 */
static void
test_common_timeout_extreme(struct regress_env *env)
{
	struct timeval d, ms10 = { 0, 10000 }, second = { 1, 0 };
	const struct timeval *c;
	struct event *ev;
	double at = 0, t0;

	d.tv_sec = TV_SEC_MAX;
	d.tv_usec = 0;
	second.tv_sec = (long)regress_slowdown();
	tt_assert((c = event_base_init_common_timeout(env->base, &d)) !=
	    NULL);
	tt_int_op(c->tv_sec, ==, TV_SEC_MAX);
	/* Asking again with the pointer given out, or with a tv_usec that
	 * carries past the largest tv_sec, must not overflow either. */
	tt_ptr_op(event_base_init_common_timeout(env->base, c), ==, c);
	d.tv_usec = 2500000;
	tt_assert(event_base_init_common_timeout(env->base, &d) != NULL);
	d.tv_sec = TV_SEC_MIN;
	d.tv_usec = -2500000;
	tt_assert(event_base_init_common_timeout(env->base, &d) != NULL);
	tt_assert((ev = evtimer_new(env->base, fired_break_cb, &at)) != NULL);
	t0 = regress_now();
	tt_int_op(event_add(ev, c), ==, 0);
	expect_years_ahead(ev);
	tt_int_op(event_add(ev, &ms10), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &second), ==, 0);
	tt_int_op(event_base_dispatch(env->base), ==, 0);
	tt_assert(at - t0 >= 0.010 - 0.001 && at - t0 < second.tv_sec);
	event_free(ev);
}

/* event_base_free() of a base with timers added outside the loop. */
static void
test_outside_add_base_free(struct regress_env *env)
{
	struct event_base *b = event_base_new();
	struct event ev[3];
	struct timeval tv = { 1, 0 };
	double unused = 0;
	int i;

	(void)env;
	tt_assert(b != NULL);
	for (i = 0; i < 3; i++) {
		evtimer_set(&ev[i], once_time_cb, &unused);
		tt_int_op(event_base_set(b, &ev[i]), ==, 0);
		tt_int_op(evtimer_add(&ev[i], &tv), ==, 0);
	}
	tt_int_op(evtimer_del(&ev[1]), ==, 0);
	event_base_free(b);
	for (i = 0; i < 3; i++)
		tt_int_op(ev[i].ev_flags & EVLIST_TIMEOUT, ==, 0);
}

struct regress_case regress_timer_cases[] = {
	{ "core/timeout_order", test_timeout_order, RT_BASE, NULL },
	{ "core/timeout_precision", test_timeout_precision, RT_BASE, NULL },
	{ "core/monotonic", test_monotonic, RT_BASE, NULL },
	{ "core/time_cache_cleared", test_time_cache_cleared, RT_BASE, NULL },
	{ "core/add_null_keeps_timeout", test_add_null_keeps_timeout,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/persist_timeout_deadline", test_persist_timeout_deadline,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/timeout_beats_io", test_timeout_beats_io, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/cached_time_in_cb", test_cached_time_in_cb, RT_BASE, NULL },
	{ "core/readd_cancels_timeout", test_readd_cancels_timeout, RT_BASE,
	  NULL },
	{ "core/million_timers", test_million_timers, RT_BASE | RT_SLOW, NULL },
	{ "core/outside_add_deadline", test_outside_add_deadline, RT_BASE,
	  NULL },
	{ "core/outside_add_pending_tv", test_outside_add_pending_tv, RT_BASE,
	  NULL },
	{ "core/outside_add_order", test_outside_add_order, RT_BASE, NULL },
	{ "core/outside_add_mixed", test_outside_add_mixed, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/outside_add_base_free", test_outside_add_base_free, RT_BASE,
	  NULL },
	{ "core/outside_add_extreme", test_outside_add_extreme, RT_BASE,
	  NULL },
	{ "core/rearm_from_extreme", test_rearm_from_extreme, RT_BASE, NULL },
	{ "core/common_timeout_extreme", test_common_timeout_extreme, RT_BASE,
	  NULL },
	RT_END
};
