/*
 * regress_core.c -- the event loop: registration, timers, priorities,
 * loopexit/loopbreak, event_once, signals, backends, fork, bad fds.
 *
 * Every case runs in its own child on each backend (see regress.h).
 * Timing bounds are widened by regress_slowdown() under valgrind.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#ifdef HAVE_SYS_EPOLL_H
#include <sys/epoll.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "regress.h"
#include "regress_util.h"

#ifdef LIBEVENT_VERSION_NUMBER
#error "LIBEVENT_VERSION_NUMBER must not be defined: a 2.x header was used"
#endif

/* Exported by the library, undeclared in headers (as in 1.4). */
extern struct event_base *current_base;
extern int (*event_sigcb)(void);
extern volatile sig_atomic_t event_gotsig;
extern struct event_base *evsignal_base;
extern const char *evutil_getenv(const char *);

/* ------------------------------------------------------------------ */
/* Helpers */

static double
ms_since(double t0)
{
	return (regress_now() - t0) * 1000.0;
}

/* Upper slack for timing bounds, in ms. */
static double
slack(double ms)
{
	return ms * regress_slowdown();
}

static void
write1(int fd)
{
	tt_int_op(write(fd, "x", 1), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Basics */

static void
test_version(struct regress_env *env)
{
	(void)env;
	tt_str_op(event_get_version(), ==, "1.4.15");
}

static void
test_method(struct regress_env *env)
{
	tt_str_op(event_base_get_method(env->base), ==, env->backend);
	tt_str_op(event_get_method(), ==, env->backend);
	tt_ptr_op(current_base, ==, env->base);
}

/* No events: event_dispatch returns 1 at once. */
static void
test_empty_loop(struct regress_env *env)
{
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(event_base_loop(env->base, EVLOOP_ONCE), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Timers */

struct order_rec {
	int *log;
	int *n;
	int id;
	double t0;
	double due_ms;
	double *at;
};

static void
order_cb(int fd, short what, void *arg)
{
	struct order_rec *r = arg;

	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	r->at[r->id] = ms_since(r->t0);
	r->log[(*r->n)++] = r->id;
}

/* Deadlines fire in order, equal ones in insertion order, never early. */
static void
test_timeout_order(struct regress_env *env)
{
	static const int ms[] = { 50, 10, 30, 20, 20, 0, 20, 40 };
	static const int want[] = { 5, 1, 3, 4, 6, 2, 7, 0 };
	enum { N = sizeof(ms) / sizeof(ms[0]) };
	struct event ev[N];
	struct order_rec rec[N];
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
		evtimer_set(&ev[i], order_cb, &rec[i]);
		tt_int_op(evtimer_add(&ev[i], &tv), ==, 0);
		tt_int_op(evtimer_pending(&ev[i], NULL), ==, EV_TIMEOUT);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, N);
	for (i = 0; i < N; i++) {
		tt_int_op(log[i], ==, want[i]);
		tt_assert(at[i] >= ms[i] - 1.0);
		tt_assert(at[i] <= ms[i] + slack(100));
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
	tt_assert(el < 100.0 + slack(60));
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
 * is wall-clock.  Timers do not depend on the wall clock. */
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
	tt_assert(dl > m + 4.9 && dl <= m + 5.0 + 0.001);
	tt_int_op(evtimer_pending(&ev, &got), ==, EV_TIMEOUT);
	w = wall.tv_sec + wall.tv_usec / 1e6;
	g = got.tv_sec + got.tv_usec / 1e6;
	tt_assert(g > w + 4.9 && g < w + 5.1);
	tt_int_op(event_del(&ev), ==, 0);
	tt_int_op(evtimer_pending(&ev, NULL), ==, 0);
}

static void
count_cb(int fd, short what, void *arg)
{
	int *n = arg;

	(void)fd;
	(void)what;
	(*n)++;
}

/* event_add(ev, NULL) leaves an armed timeout alone; tv replaces it. */
static void
test_add_null_keeps_timeout(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 0, 50000 }, later = { 10, 0 };
	int n = 0;
	double t0 = regress_now();

	event_set(&ev, env->pair[0], EV_READ, count_cb, &n);
	tt_int_op(event_add(&ev, &later), ==, 0);
	tt_int_op(event_add(&ev, &tv), ==, 0);	/* replaces: now + 50 ms */
	tt_int_op(event_add(&ev, NULL), ==, 0);	/* keeps it */
	tt_int_op(event_pending(&ev, EV_TIMEOUT | EV_READ, NULL), ==,
	    EV_TIMEOUT | EV_READ);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
	tt_assert(ms_since(t0) >= 49.0 && ms_since(t0) < 50 + slack(500));
}

/* ------------------------------------------------------------------ */
/* I/O */

struct rd {
	struct event ev;
	int n;
	short last;
	int pending_in_cb;
	int readd;
};

static void
rd_cb(int fd, short what, void *arg)
{
	struct rd *r = arg;
	char c;

	r->n++;
	r->last = what;
	r->pending_in_cb = event_pending(&r->ev,
	    EV_READ | EV_WRITE | EV_TIMEOUT, NULL);
	if (what & EV_READ)
		(void)read(fd, &c, 1);
	if (r->readd > 0) {
		r->readd--;
		tt_int_op(event_add(&r->ev, NULL), ==, 0);
	}
}

/* A non-persistent event is deleted before its callback and may re-add. */
static void
test_nonpersist(struct regress_env *env)
{
	struct rd r;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, EV_READ);
	write1(env->pair[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_READ);
	tt_int_op(r.pending_in_cb, ==, 0);
	tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, 0);
	/* Not registered any more: the loop has nothing to do. */
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	/* Re-adding from the callback keeps it going. */
	r.readd = 2;
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	write1(env->pair[1]);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 4);
}

/* A persistent event stays registered and fires once per readiness. */
static void
test_persist(struct regress_env *env)
{
	struct rd r;
	int i;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_PERSIST, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	for (i = 1; i <= 5; i++) {
		write1(env->pair[1]);
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
		tt_int_op(r.n, ==, i);
		tt_int_op(r.pending_in_cb, ==, EV_READ);
	}
	/* Nothing to read: a non-blocking pass runs nothing. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(r.n, ==, 5);
	tt_int_op(event_del(&r.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
}

/* Both directions ready in one iteration: one call with READ|WRITE. */
static void
test_rw_union(struct regress_env *env)
{
	struct rd r;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_WRITE, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_READ | EV_WRITE);
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
	write1(fd);
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
	tt_assert((p.t_timeout - t0) * 1000 < 200 + slack(100));
	tt_int_op(event_pending(&p.ev, EV_READ | EV_TIMEOUT, NULL), ==, 0);
}

/* I/O ready and timeout expired in the same iteration: only EV_TIMEOUT. */
static void
test_timeout_beats_io(struct regress_env *env)
{
	struct rd r;
	struct timeval zero = { 0, 0 };

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_PERSIST, rd_cb, &r);
	write1(env->pair[1]);
	tt_int_op(event_add(&r.ev, &zero), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_TIMEOUT);
	tt_int_op(event_pending(&r.ev, EV_READ | EV_TIMEOUT, NULL), ==, 0);
}

struct delother {
	struct event a, b;
	int na, nb;
};

static void
delother_a(int fd, short what, void *arg)
{
	struct delother *d = arg;

	(void)fd;
	(void)what;
	d->na++;
	tt_int_op(event_del(&d->b), ==, 0);
}

static void
delother_b(int fd, short what, void *arg)
{
	struct delother *d = arg;

	(void)fd;
	(void)what;
	d->nb++;
	tt_int_op(event_del(&d->a), ==, 0);
}

/* Whichever of two ready events runs first deletes the other: the other
 * callback must not run. */
static void
test_del_other_in_cb(struct regress_env *env)
{
	struct delother d;

	memset(&d, 0, sizeof(d));
	event_set(&d.a, env->pair[0], EV_WRITE, delother_a, &d);
	event_set(&d.b, env->pair[1], EV_WRITE, delother_b, &d);
	tt_int_op(event_add(&d.a, NULL), ==, 0);
	tt_int_op(event_add(&d.b, NULL), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(d.na + d.nb, ==, 1);
}

/* Any number of events on one fd and direction each fire. */
static void
test_many_events_one_fd(struct regress_env *env)
{
	struct event r[5], w[3];
	int nr[5], nw[3], i;

	memset(nr, 0, sizeof(nr));
	memset(nw, 0, sizeof(nw));
	for (i = 0; i < 5; i++) {
		event_set(&r[i], env->pair[0], EV_READ | EV_PERSIST, count_cb,
		    &nr[i]);
		tt_int_op(event_add(&r[i], NULL), ==, 0);
	}
	for (i = 0; i < 3; i++) {
		event_set(&w[i], env->pair[0], EV_WRITE, count_cb, &nw[i]);
		tt_int_op(event_add(&w[i], NULL), ==, 0);
	}
	write1(env->pair[1]);
	tt_int_op(event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < 5; i++)
		tt_int_op(nr[i], ==, 1);
	for (i = 0; i < 3; i++)
		tt_int_op(nw[i], ==, 1);
	/* Deleting the newest read event keeps the others listening. */
	tt_int_op(event_del(&r[4]), ==, 0);
	tt_int_op(event_del(&r[0]), ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(nr[1], ==, 2);
	tt_int_op(nr[2], ==, 2);
	tt_int_op(nr[3], ==, 2);
	tt_int_op(nr[0], ==, 1);
	tt_int_op(nr[4], ==, 1);
	for (i = 1; i < 4; i++)
		tt_int_op(event_del(&r[i]), ==, 0);
	/* No read interest left: data stays unread, loop has nothing. */
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(nr[1], ==, 2);
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
		double dl = c.b.ev_timeout.tv_sec + c.b.ev_timeout.tv_usec / 1e6;
		tt_assert((dl - c.t_add) * 1000.0 <= 30.5);
		tt_assert(c.t_fire >= dl - 0.0005);
	}
	tt_assert((c.t_fire - c.t_add) * 1000.0 < 30.5 + slack(100));
}

struct selffree {
	int n;
	int *count;
};

static void
selffree_cb(int fd, short what, void *arg)
{
	struct event *ev = arg;
	struct selffree *sf = (struct selffree *)(ev + 1);

	(void)fd;
	(void)what;
	(*sf->count)++;
	tt_int_op(event_del(ev), ==, 0);
	free(ev);
}

/* A callback may delete and free its own (persistent) event. */
static void
test_free_in_cb(struct regress_env *env)
{
	int count = 0, i;

	for (i = 0; i < 10; i++) {
		struct event *ev = malloc(sizeof(*ev) +
		    sizeof(struct selffree));
		struct selffree *sf;
		tt_assert(ev != NULL);
		sf = (struct selffree *)(ev + 1);
		sf->count = &count;
		event_set(ev, env->pair[i % 2], EV_WRITE | EV_PERSIST,
		    selffree_cb, ev);
		tt_int_op(event_add(ev, NULL), ==, 0);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(count, ==, 10);
}

/* ------------------------------------------------------------------ */
/* Loop control */

struct tick {
	struct event ev;
	int n;
	struct timeval every;
};

static void
tick_cb(int fd, short what, void *arg)
{
	struct tick *t = arg;

	(void)fd;
	(void)what;
	t->n++;
	tt_int_op(evtimer_add(&t->ev, &t->every), ==, 0);
}

static void
test_loopexit(struct regress_env *env)
{
	struct tick t;
	struct timeval ex = { 0, 100000 };
	double t0;

	memset(&t, 0, sizeof(t));
	t.every.tv_usec = 10000;
	evtimer_set(&t.ev, tick_cb, &t);
	tt_int_op(evtimer_add(&t.ev, &t.every), ==, 0);
	t0 = regress_now();
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_assert(ms_since(t0) >= 99.0);
	tt_assert(ms_since(t0) < 100 + slack(100));
	tt_assert(t.n >= 2 && t.n <= 10);
	/* The timer is still pending after the loop returned. */
	tt_int_op(evtimer_pending(&t.ev, NULL), ==, EV_TIMEOUT);
	/* loopexit(NULL): one more round, then return. */
	tt_int_op(event_loopexit(NULL), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
}

/* Of two loopexits the earliest wins; the other ends the next run. */
static void
test_loopexit_twice(struct regress_env *env)
{
	struct tick t;
	struct timeval a = { 0, 50000 }, b = { 0, 150000 };
	double t0;

	memset(&t, 0, sizeof(t));
	t.every.tv_usec = 10000;
	evtimer_set(&t.ev, tick_cb, &t);
	tt_int_op(evtimer_add(&t.ev, &t.every), ==, 0);
	t0 = regress_now();
	tt_int_op(event_base_loopexit(env->base, &b), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &a), ==, 0);
	tt_int_op(event_base_dispatch(env->base), ==, 0);
	tt_assert(ms_since(t0) >= 49.0 && ms_since(t0) < 50 + slack(100));
	tt_int_op(event_base_dispatch(env->base), ==, 0);
	tt_assert(ms_since(t0) >= 149.0 && ms_since(t0) < 150 + slack(100));
}

struct brk {
	struct event ev[3];
	int n[3];
};

static void
brk_cb(int fd, short what, void *arg)
{
	int *n = arg;

	(void)fd;
	(void)what;
	(*n)++;
	tt_int_op(event_loopbreak(), ==, 0);
}

/* loopbreak stops right after the current callback; the rest stay
 * queued.  Called outside the loop, it makes the next loop return at once. */
static void
test_loopbreak(struct regress_env *env)
{
	struct brk b;
	int i;

	(void)env;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 3; i++) {
		evtimer_set(&b.ev[i], brk_cb, &b.n[i]);
		event_active(&b.ev[i], EV_TIMEOUT, 1);
	}
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n[0] + b.n[1] + b.n[2], ==, 1);
	tt_int_op(b.n[0], ==, 1);
	tt_int_op(event_pending(&b.ev[1], EV_TIMEOUT, NULL), ==, EV_TIMEOUT);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n[1], ==, 1);
	tt_int_op(b.n[2], ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n[2], ==, 1);
	tt_int_op(event_dispatch(), ==, 1);

	/* Outside the loop: consumed by the next call, nothing runs. */
	evtimer_set(&b.ev[0], count_cb, &b.n[0]);
	event_active(&b.ev[0], EV_TIMEOUT, 1);
	tt_int_op(event_loopbreak(), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n[0], ==, 1);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(b.n[0], ==, 2);
}

/* EVLOOP_ONCE blocks for the first event, runs it, returns 0. */
static void
test_loop_once(struct regress_env *env)
{
	struct event a, b;
	struct timeval ta = { 0, 20000 }, tb = { 5, 0 };
	int na = 0, nb = 0;
	double t0 = regress_now();

	(void)env;
	evtimer_set(&a, count_cb, &na);
	evtimer_set(&b, count_cb, &nb);
	tt_int_op(evtimer_add(&a, &ta), ==, 0);
	tt_int_op(evtimer_add(&b, &tb), ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(na, ==, 1);
	tt_int_op(nb, ==, 0);
	tt_assert(ms_since(t0) >= 19.0 && ms_since(t0) < 20 + slack(200));
	/* NONBLOCK with nothing ready returns at once. */
	t0 = regress_now();
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_assert(ms_since(t0) < slack(100));
	tt_int_op(nb, ==, 0);
}

struct oncerec {
	int n;
	short what;
	int fd;
};

static void
oncerec_cb(int fd, short what, void *arg)
{
	struct oncerec *o = arg;

	o->n++;
	o->what = what;
	o->fd = fd;
}

static void
test_event_once(struct regress_env *env)
{
	struct oncerec t, r, to;
	struct timeval tv = { 0, 20000 };

	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	memset(&to, 0, sizeof(to));
	/* Timer with NULL tv: next iteration. */
	tt_int_op(event_once(-1, EV_TIMEOUT, oncerec_cb, &t, NULL), ==, 0);
	/* Read (EV_PERSIST stripped). */
	tt_int_op(event_base_once(env->base, env->pair[0],
	    EV_READ | EV_PERSIST, oncerec_cb, &r, NULL), ==, 0);
	/* Read with a timeout that expires first. */
	tt_int_op(event_once(env->pair[1], EV_READ, oncerec_cb, &to, &tv),
	    ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(t.n, ==, 1);
	tt_int_op(t.what, ==, EV_TIMEOUT);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.what, ==, EV_READ);
	tt_int_op(r.fd, ==, env->pair[0]);
	tt_int_op(to.n, ==, 1);
	tt_int_op(to.what, ==, EV_TIMEOUT);
	/* Refused: signals and empty masks. */
	tt_int_op(event_once(SIGUSR1, EV_SIGNAL, oncerec_cb, &t, NULL), ==, -1);
	tt_int_op(event_once(-1, 0, oncerec_cb, &t, NULL), ==, -1);
	tt_int_op(event_once(-1, EV_PERSIST, oncerec_cb, &t, NULL), ==, -1);
}

/* ------------------------------------------------------------------ */
/* Priorities and event_active */

struct prio {
	struct event hi, lo;
	int nhi, nlo;
	int hi_at_first_lo;
};

static void
prio_hi_cb(int fd, short what, void *arg)
{
	struct prio *p = arg;

	(void)fd;
	(void)what;
	p->nhi++;
	if (p->nhi == 10)
		tt_int_op(event_del(&p->hi), ==, 0);
}

static void
prio_lo_cb(int fd, short what, void *arg)
{
	struct prio *p = arg;

	(void)fd;
	(void)what;
	if (p->nlo++ == 0)
		p->hi_at_first_lo = p->nhi;
	if (p->nlo == 3)
		tt_int_op(event_del(&p->lo), ==, 0);
}

/* With 3 levels, a priority-2 event starves while a priority-0 one keeps
 * becoming active; it runs once the urgent one is gone. */
static void
test_priorities(struct regress_env *env)
{
	struct prio p;

	memset(&p, 0, sizeof(p));
	tt_int_op(event_base_priority_init(env->base, 3), ==, 0);
	event_set(&p.hi, env->pair[0], EV_WRITE | EV_PERSIST, prio_hi_cb, &p);
	event_set(&p.lo, env->pair[1], EV_WRITE | EV_PERSIST, prio_lo_cb, &p);
	tt_int_op(p.lo.ev_pri, ==, 1);	/* the middle level */
	tt_int_op(event_priority_set(&p.hi, 0), ==, 0);
	tt_int_op(event_priority_set(&p.lo, 2), ==, 0);
	tt_int_op(event_add(&p.lo, NULL), ==, 0);
	tt_int_op(event_add(&p.hi, NULL), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(p.nhi, ==, 10);
	tt_int_op(p.hi_at_first_lo, ==, 10);
	tt_int_op(p.nlo, ==, 3);
}

/* FIFO inside one priority; the most urgent queue runs first. */
static void
test_priority_order(struct regress_env *env)
{
	struct event ev[6];
	struct order_rec rec[6];
	static const int pri[6] = { 1, 0, 1, 0, 2, 0 };
	static const int want[6] = { 1, 3, 5, 0, 2, 4 };
	int log[6], n = 0, i;
	double at[6];

	tt_int_op(event_base_priority_init(env->base, 3), ==, 0);
	for (i = 0; i < 6; i++) {
		rec[i].log = log;
		rec[i].n = &n;
		rec[i].id = i;
		rec[i].t0 = regress_now();
		rec[i].at = at;
		evtimer_set(&ev[i], order_cb, &rec[i]);
		tt_int_op(event_priority_set(&ev[i], pri[i]), ==, 0);
		event_active(&ev[i], EV_TIMEOUT, 1);
	}
	/* Each pass runs only the most urgent non-empty queue. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK | EVLOOP_ONCE), ==, 0);
	tt_int_op(n, ==, 6);
	for (i = 0; i < 6; i++)
		tt_int_op(log[i], ==, want[i]);
}

static void
test_priority_api(struct regress_env *env)
{
	struct event ev;
	int n = 0;

	evtimer_set(&ev, count_cb, &n);
	tt_int_op(event_priority_set(&ev, 1), ==, -1);	/* one level */
	tt_int_op(event_priority_set(&ev, -1), ==, -1);
	tt_int_op(event_base_priority_init(env->base, 4), ==, 0);
	tt_int_op(event_base_priority_init(env->base, 4), ==, 0);
	tt_int_op(event_priority_set(&ev, 3), ==, 0);
	tt_int_op(event_priority_set(&ev, 4), ==, -1);
	event_active(&ev, EV_TIMEOUT, 1);
	tt_int_op(event_priority_set(&ev, 0), ==, -1);	/* active */
	tt_int_op(event_base_priority_init(env->base, 2), ==, -1);
	tt_int_op(event_priority_init(2), ==, -1);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
	tt_int_op(event_priority_init(2), ==, 0);
	tt_int_op(event_base_priority_init(env->base, 0), ==, -1);
}

struct nc {
	struct event ev;
	int n;
	short what[8];
	int stop_at;
};

static void
nc_cb(int fd, short what, void *arg)
{
	struct nc *c = arg;

	(void)fd;
	c->what[c->n++] = what;
	if (c->n == c->stop_at)
		tt_int_op(event_del(&c->ev), ==, 0);
}

/* event_active(ev, res, ncalls): ncalls callbacks; event_del stops the
 * rest; on an active event res is ORed in and ncalls ignored. */
static void
test_active_ncalls(struct regress_env *env)
{
	struct nc c;

	(void)env;
	memset(&c, 0, sizeof(c));
	event_set(&c.ev, -1, 0, nc_cb, &c);
	event_active(&c.ev, EV_WRITE, 3);
	tt_int_op(event_pending(&c.ev, EV_WRITE, NULL), ==, EV_WRITE);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(c.n, ==, 3);
	tt_int_op(c.what[2], ==, EV_WRITE);

	memset(&c, 0, sizeof(c));
	event_set(&c.ev, -1, 0, nc_cb, &c);
	c.stop_at = 2;
	event_active(&c.ev, EV_TIMEOUT, 5);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(c.n, ==, 2);

	memset(&c, 0, sizeof(c));
	event_set(&c.ev, -1, 0, nc_cb, &c);
	event_active(&c.ev, EV_READ, 1);
	event_active(&c.ev, EV_WRITE, 4);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(c.n, ==, 1);
	tt_int_op(c.what[0], ==, EV_READ | EV_WRITE);

	/* Deleting an active event before it runs cancels it. */
	memset(&c, 0, sizeof(c));
	event_set(&c.ev, -1, 0, nc_cb, &c);
	event_active(&c.ev, EV_READ, 1);
	tt_int_op(event_del(&c.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(c.n, ==, 0);
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
	evtimer_set(&a, count_cb, &na);
	evtimer_set(&b, count_cb, &na);
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
	tt_assert(ms_since(t0) >= 29.0);
}

/* ------------------------------------------------------------------ */
/* Bases */

static void
test_base_set(struct regress_env *env)
{
	struct event_base *b2;
	struct event ev;
	int n = 0;

	b2 = event_base_new();
	tt_assert(b2 != NULL);
	tt_ptr_op(current_base, ==, env->base);
	tt_int_op(event_base_priority_init(b2, 5), ==, 0);
	event_set(&ev, env->pair[0], EV_WRITE, count_cb, &n);
	tt_ptr_op(ev.ev_base, ==, env->base);
	tt_int_op(event_base_set(b2, &ev), ==, 0);
	tt_ptr_op(ev.ev_base, ==, b2);
	tt_int_op(ev.ev_pri, ==, 2);
	tt_int_op(event_add(&ev, NULL), ==, 0);
	tt_int_op(event_base_set(env->base, &ev), ==, -1);	/* added */
	tt_int_op(event_dispatch(), ==, 1);	/* default base: nothing */
	tt_int_op(n, ==, 0);
	tt_int_op(event_base_dispatch(b2), ==, 1);
	tt_int_op(n, ==, 1);
	event_base_free(b2);
	tt_ptr_op(current_base, ==, env->base);
}

static void
sig_count_cb(int sig, short what, void *arg)
{
	int *n = arg;

	(void)sig;
	tt_int_op(what, ==, EV_SIGNAL);
	(*n)++;
}

/* Freeing a base with pending events deletes them (memory is ours),
 * restores signal handlers and clears current_base. */
static void
test_base_free_pending(struct regress_env *env)
{
	struct event io, tm, act, sig;
	struct timeval tv = { 10, 0 };
	struct sigaction sa;
	int n = 0;

	event_set(&io, env->pair[0], EV_READ, count_cb, &n);
	evtimer_set(&tm, count_cb, &n);
	evtimer_set(&act, count_cb, &n);
	signal_set(&sig, SIGUSR1, sig_count_cb, &n);
	tt_int_op(event_add(&io, &tv), ==, 0);
	tt_int_op(evtimer_add(&tm, &tv), ==, 0);
	event_active(&act, EV_TIMEOUT, 1);
	tt_int_op(signal_add(&sig, NULL), ==, 0);
	sigaction(SIGUSR1, NULL, &sa);
	tt_assert(sa.sa_handler != SIG_DFL);
	event_base_free(NULL);
	tt_ptr_op(current_base, ==, NULL);
	tt_int_op(io.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	tt_int_op(tm.ev_flags & EVLIST_TIMEOUT, ==, 0);
	tt_int_op(act.ev_flags & EVLIST_ACTIVE, ==, 0);
	tt_int_op(sig.ev_flags & EVLIST_INSERTED, ==, 0);
	sigaction(SIGUSR1, NULL, &sa);
	tt_assert(sa.sa_handler == SIG_DFL);
	/* The fds of the program are untouched. */
	tt_int_op(fcntl(env->pair[0], F_GETFD), !=, -1);
	tt_int_op(n, ==, 0);
	/* A new default base works. */
	tt_assert(event_init() != NULL);
	tt_int_op(event_dispatch(), ==, 1);
}

/* After fork, event_reinit lets both processes use the base. */
static void
test_fork_reinit(struct regress_env *env)
{
	struct rd r;
	pid_t pid;
	struct event sig;
	int nsig = 0;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	signal_set(&sig, SIGUSR1, sig_count_cb, &nsig);
	tt_int_op(signal_add(&sig, NULL), ==, 0);
	/* Run once so the fd is registered in the backend. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);

	if ((pid = regress_fork()) == 0) {
		int ok;
		if (event_reinit(env->base) != 0)
			_exit(10);
		/* The parent wrote one byte before forking?  No: wait for
		 * the byte the parent writes after the fork. */
		if (event_loop(EVLOOP_ONCE) != 0)
			_exit(11);
		ok = r.n == 1 && r.last == EV_READ;
		if (!ok)
			_exit(12);
		/* Signals reach the child through its own pair. */
		raise(SIGUSR1);
		if (event_loop(EVLOOP_NONBLOCK) != 0 || nsig != 1)
			_exit(13);
		event_del(&sig);
		_exit(0);
	}
	write1(env->pair[1]);
	tt_int_op(regress_wait(pid, 2), ==, 0);
	/* The parent still works: the child read the byte; write again. */
	tt_int_op(r.n, ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);
	raise(SIGUSR1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(nsig, ==, 1);
}

/* ------------------------------------------------------------------ */
/* Signals */

static void
test_signal_basic(struct regress_env *env)
{
	struct event a, b;
	int na = 0, nb = 0;

	(void)env;
	signal_set(&a, SIGUSR1, sig_count_cb, &na);
	signal_set(&b, SIGUSR1, sig_count_cb, &nb);
	tt_int_op(signal_add(&a, NULL), ==, 0);
	tt_int_op(signal_add(&b, NULL), ==, 0);
	tt_int_op(signal_pending(&a, NULL), ==, EV_SIGNAL);
	/* Raised before the loop runs: not lost, delivered 3 times. */
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 3);
	tt_int_op(nb, ==, 3);
	tt_int_op(signal_del(&a), ==, 0);
	raise(SIGUSR1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 3);
	tt_int_op(nb, ==, 4);
	tt_int_op(signal_del(&b), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
}

struct sigorder {
	int log[4];
	int n;
};

static void
sigorder_a(int s, short w, void *arg)
{
	struct sigorder *o = arg;

	(void)s;
	(void)w;
	o->log[o->n++] = 1;
}

static void
sigorder_b(int s, short w, void *arg)
{
	struct sigorder *o = arg;

	(void)s;
	(void)w;
	o->log[o->n++] = 2;
}

/* Several events on one signal fire in registration order; a
 * non-persistent one is deleted when it fires. */
static void
test_signal_order_nonpersist(struct regress_env *env)
{
	struct event a, b;
	struct sigorder o;

	(void)env;
	memset(&o, 0, sizeof(o));
	event_set(&a, SIGUSR2, EV_SIGNAL, sigorder_a, &o);
	signal_set(&b, SIGUSR2, sigorder_b, &o);
	tt_int_op(event_add(&a, NULL), ==, 0);
	tt_int_op(event_add(&b, NULL), ==, 0);
	raise(SIGUSR2);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(o.n, ==, 2);
	tt_int_op(o.log[0], ==, 1);
	tt_int_op(o.log[1], ==, 2);
	tt_int_op(event_pending(&a, EV_SIGNAL, NULL), ==, 0);
	tt_int_op(event_pending(&b, EV_SIGNAL, NULL), ==, EV_SIGNAL);
	raise(SIGUSR2);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(o.n, ==, 3);
	tt_int_op(o.log[2], ==, 2);
}

static volatile sig_atomic_t user_handler_hits;

static void
user_handler(int sig)
{
	(void)sig;
	user_handler_hits++;
}

/* The previous handler is restored when the last event is deleted. */
static void
test_signal_restore(struct regress_env *env)
{
	struct sigaction sa, cur;
	struct event a, b;
	int n = 0;

	(void)env;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = user_handler;
	tt_int_op(sigaction(SIGUSR1, &sa, NULL), ==, 0);
	signal_set(&a, SIGUSR1, sig_count_cb, &n);
	signal_set(&b, SIGUSR1, sig_count_cb, &n);
	tt_int_op(signal_add(&a, NULL), ==, 0);
	tt_int_op(signal_add(&b, NULL), ==, 0);
	raise(SIGUSR1);
	tt_int_op(user_handler_hits, ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(n, ==, 2);
	tt_int_op(signal_del(&a), ==, 0);
	sigaction(SIGUSR1, NULL, &cur);
	tt_assert(cur.sa_handler != user_handler);
	tt_int_op(signal_del(&b), ==, 0);
	sigaction(SIGUSR1, NULL, &cur);
	tt_assert(cur.sa_handler == user_handler);
	raise(SIGUSR1);
	tt_int_op(user_handler_hits, ==, 1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(n, ==, 2);
}

struct sigraise {
	struct event ev;
	int n;
};

static void
sigraise_cb(int sig, short what, void *arg)
{
	struct sigraise *s = arg;

	(void)what;
	if (++s->n < 5)
		raise(sig);
	else
		tt_int_op(signal_del(&s->ev), ==, 0);
}

/* A signal raised inside its own callback comes again next iteration. */
static void
test_signal_raise_in_cb(struct regress_env *env)
{
	struct sigraise s;

	(void)env;
	memset(&s, 0, sizeof(s));
	signal_set(&s.ev, SIGUSR1, sigraise_cb, &s);
	tt_int_op(signal_add(&s.ev, NULL), ==, 0);
	raise(SIGUSR1);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(s.n, ==, 5);
}

struct busy {
	struct event tm;
	pid_t self;
};

static void
busy_cb(int fd, short what, void *arg)
{
	struct busy *b = arg;
	double t0 = regress_now();

	(void)fd;
	(void)what;
	/* Signals arrive while a callback runs (not inside the loop's wait). */
	kill(b->self, SIGUSR1);
	kill(b->self, SIGUSR2);
	while (regress_now() - t0 < 0.01)
		;
	kill(b->self, SIGUSR1);
}

/* Delivery while busy: counted and delivered after the callback. */
static void
test_signal_while_busy(struct regress_env *env)
{
	struct event s1, s2;
	struct busy b;
	struct timeval tv = { 0, 1000 };
	int n1 = 0, n2 = 0;

	(void)env;
	b.self = getpid();
	signal_set(&s1, SIGUSR1, sig_count_cb, &n1);
	signal_set(&s2, SIGUSR2, sig_count_cb, &n2);
	tt_int_op(signal_add(&s1, NULL), ==, 0);
	tt_int_op(signal_add(&s2, NULL), ==, 0);
	evtimer_set(&b.tm, busy_cb, &b);
	tt_int_op(evtimer_add(&b.tm, &tv), ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);	/* runs busy_cb */
	tt_int_op(n1 + n2, ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);	/* the signals */
	tt_int_op(n1, ==, 2);
	tt_int_op(n2, ==, 1);
}

/*
 * kqueue: each base's queue counts the signal itself (EVFILT_SIGNAL), so
 * every base with an event on it gets each delivery, as with libevent 1.4
 * on kqueue; there is no receiving base to switch.
 */
static void
signal_every_base(struct regress_env *env)
{
	struct event_base *b2;
	struct event a, b;
	int na = 0, nb = 0;

	b2 = event_base_new();
	tt_assert(b2 != NULL);
	signal_set(&a, SIGUSR1, sig_count_cb, &na);
	signal_set(&b, SIGUSR1, sig_count_cb, &nb);
	tt_int_op(event_base_set(b2, &b), ==, 0);
	tt_int_op(signal_add(&a, NULL), ==, 0);
	tt_int_op(signal_add(&b, NULL), ==, 0);
	raise(SIGUSR1);
	tt_int_op(event_base_loop(b2, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(nb, ==, 1);
	tt_int_op(na, ==, 0);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 1);
	raise(SIGUSR1);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_base_loop(b2, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 2);
	tt_int_op(nb, ==, 2);
	tt_int_op(signal_del(&b), ==, 0);
	tt_int_op(signal_del(&a), ==, 0);
	event_base_free(b2);
}

/* Only one base receives signals: the last to add one, or the one whose
 * loop was entered while it had signal events. */
static void
test_signal_switchbase(struct regress_env *env)
{
	struct event_base *b2;
	struct event a, b;
	int na = 0, nb = 0;

	if (strcmp(env->backend, "kqueue") == 0) {
		signal_every_base(env);
		return;
	}
	b2 = event_base_new();
	tt_assert(b2 != NULL);
	signal_set(&a, SIGUSR1, sig_count_cb, &na);
	signal_set(&b, SIGUSR1, sig_count_cb, &nb);
	tt_int_op(event_base_set(b2, &b), ==, 0);
	tt_int_op(signal_add(&a, NULL), ==, 0);
	tt_int_op(signal_add(&b, NULL), ==, 0);
	tt_ptr_op(evsignal_base, ==, b2);
	raise(SIGUSR1);
	tt_int_op(event_base_loop(b2, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(nb, ==, 1);
	tt_int_op(na, ==, 0);
	/* Entering env->base's loop makes it the receiver. */
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_ptr_op(evsignal_base, ==, env->base);
	raise(SIGUSR1);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(na, ==, 1);
	tt_int_op(nb, ==, 1);
	tt_int_op(signal_del(&b), ==, 0);
	tt_int_op(signal_del(&a), ==, 0);
	event_base_free(b2);
}

static int sigcb_calls;

static int
legacy_sigcb(void)
{
	sigcb_calls++;
	return -1;
}

static void
gotsig_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_gotsig = 1;
}

/* The legacy hook: event_gotsig set, event_sigcb returns -1 => the loop
 * returns -1 with errno EINTR. */
static void
test_legacy_sigcb(struct regress_env *env)
{
	struct event a, b;
	int n = 0;

	(void)env;
	evtimer_set(&a, gotsig_cb, NULL);
	evtimer_set(&b, count_cb, &n);
	event_active(&a, EV_TIMEOUT, 1);
	event_active(&b, EV_TIMEOUT, 1);
	event_sigcb = legacy_sigcb;
	errno = 0;
	tt_int_op(event_dispatch(), ==, -1);
	tt_int_op(errno, ==, EINTR);
	tt_int_op(sigcb_calls, ==, 1);
	tt_int_op(n, ==, 0);		/* the loop stopped after a's callback */
	event_sigcb = NULL;
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
}

/* ------------------------------------------------------------------ */
/* Many fds */

struct many {
	int fired;
	int total;
};

static void
many_cb(int fd, short what, void *arg)
{
	struct many *m = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1)
		m->fired++;
}

/* 10,000 fds with a read event each, all ready at once (every backend). */
static void
test_10000_fds(struct regress_env *env)
{
	enum { NP = 5000 };
	static int fds[NP][2];
	static struct event evs[2 * NP];
	struct many m = { 0, 0 };
	int i;

	(void)env;
	/* select too: its fd sets grow past FD_SETSIZE. */
	if (regress_raise_nofile(2 * NP + 100) == -1)
		tt_skip("cannot raise RLIMIT_NOFILE to 10100");
	for (i = 0; i < NP; i++) {
		regress_socketpair(fds[i]);
		event_set(&evs[2 * i], fds[i][0], EV_READ | EV_PERSIST,
		    many_cb, &m);
		event_set(&evs[2 * i + 1], fds[i][1], EV_READ | EV_PERSIST,
		    many_cb, &m);
		tt_int_op(event_add(&evs[2 * i], NULL), ==, 0);
		tt_int_op(event_add(&evs[2 * i + 1], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < NP; i++) {
		write1(fds[i][0]);
		write1(fds[i][1]);
	}
	while (m.fired < 2 * NP)
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(m.fired, ==, 2 * NP);
	/* Delete half, write to all: only the other half fires. */
	for (i = 0; i < NP; i++)
		tt_int_op(event_del(&evs[2 * i]), ==, 0);
	for (i = 0; i < NP; i++) {
		write1(fds[i][0]);
		write1(fds[i][1]);
	}
	m.fired = 0;
	while (m.fired < NP)
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(m.fired, ==, NP);
	for (i = 0; i < NP; i++) {
		tt_int_op(event_del(&evs[2 * i + 1]), ==, 0);
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/* fds at and above FD_SETSIZE work on every backend (select: dynamic
 * sets, no fortify abort). */
static void
test_high_fds(struct regress_env *env)
{
	int p[2], hi[2], i;
	struct rd r[2];

	if (regress_raise_nofile(FD_SETSIZE * 3) == -1)
		tt_skip("cannot raise RLIMIT_NOFILE above 3*FD_SETSIZE");
	regress_socketpair(p);
	hi[0] = dup2(p[0], FD_SETSIZE + 5);
	hi[1] = dup2(p[1], FD_SETSIZE * 2 + 77);
	tt_int_op(hi[0], ==, FD_SETSIZE + 5);
	tt_int_op(hi[1], ==, FD_SETSIZE * 2 + 77);
	close(p[0]);
	close(p[1]);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		event_set(&r[i].ev, hi[i], EV_READ | EV_PERSIST, rd_cb, &r[i]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	/* a low fd too */
	write1(hi[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[0].n, ==, 1);
	tt_int_op(r[1].n, ==, 0);
	write1(hi[0]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[1].n, ==, 1);
	tt_int_op(event_del(&r[0].ev), ==, 0);
	tt_int_op(event_del(&r[1].ev), ==, 0);
	close(hi[0]);
	close(hi[1]);
	(void)env;
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
		tt_int_op(evs[i].ev_flags & (EVLIST_TIMEOUT | EVLIST_ACTIVE), ==, 0);
	free(evs);
}

/* ------------------------------------------------------------------ */
/* Bad fds and fd reuse */

static int logged_warn;

static void
log_cb(int sev, const char *msg)
{
	(void)msg;
	if (sev >= _EVENT_LOG_WARN)
		logged_warn++;
}

/*
 * An event added on an fd that is already closed: epoll refuses it at once
 * (-1, EBADF, as 1.4); poll and select accept it and the loop then reports
 * it once (EV_READ), logs it and stops watching it: no spinning.
 */
static void
test_closed_fd(struct regress_env *env)
{
	struct rd a, b;
	struct timeval ex = { 0, 100000 };
	int p[2], r;

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	close(p[0]);
	close(p[1]);
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, rd_cb, &a);
	event_set(&b.ev, env->pair[0], EV_READ, rd_cb, &b);
	errno = 0;
	r = event_add(&a.ev, NULL);
	if (r == -1) {
		tt_int_op(errno, ==, EBADF);
		tt_int_op(a.ev.ev_flags & EVLIST_INSERTED, ==, 0);
	} else {
		tt_int_op(r, ==, 0);
	}
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 0);
	/* The healthy event still worked. */
	tt_int_op(b.n, ==, 1);
	if (r == 0) {
		tt_int_op(a.n, ==, 1);
		tt_int_op(a.last, ==, EV_READ);
		tt_int_op(logged_warn, >=, 1);
	} else {
		tt_int_op(a.n, ==, 0);
	}
	tt_int_op(event_del(&a.ev), ==, 0);
	event_set_log_callback(NULL);
}

/*
 * The deferred case on every backend: the fd is registered, its event is
 * deleted, the fd closed, the event set and added again before the next
 * dispatch.  The failure can only show at dispatch: logged, reported once.
 */
static void
test_closed_fd_deferred(struct regress_env *env)
{
	struct rd a;
	struct timeval ex = { 0, 100000 };
	int p[2];

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_del(&a.ev), ==, 0);
	close(p[0]);
	close(p[1]);
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_int_op(a.last, ==, EV_READ);
	tt_int_op(logged_warn, >=, 1);
	/* Still "inserted" for the program; deleting it is fine. */
	tt_int_op(event_pending(&a.ev, EV_READ, NULL), ==, EV_READ);
	tt_int_op(event_del(&a.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	event_set_log_callback(NULL);
}

/* An fd closed while registered (after the backend knows it). */
static void
test_closed_fd_registered(struct regress_env *env)
{
	struct rd a, b;
	struct timeval ex = { 0, 100000 };
	int p[2];

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, rd_cb, &a);
	event_set(&b.ev, env->pair[0], EV_READ | EV_PERSIST, rd_cb, &b);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	close(p[0]);
	close(p[1]);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n, ==, 1);
	tt_int_op(a.n, <=, 1);
	/* Deleting it afterwards is fine. */
	tt_int_op(event_del(&a.ev), ==, 0);
	tt_int_op(event_del(&b.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	event_set_log_callback(NULL);
}

/*
 * Delete an event, close its fd, get a new file with the same number,
 * event_set + event_add before the next dispatch: the new file must be
 * watched (with epoll the kernel dropped the old registration).
 */
static void
test_fd_reuse(struct regress_env *env)
{
	struct rd r;
	int p[2], q[2], fd;

	(void)env;
	regress_socketpair(p);
	fd = p[0];
	memset(&r, 0, sizeof(r));
	event_set(&r.ev, fd, EV_READ | EV_PERSIST, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	write1(p[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);

	tt_int_op(event_del(&r.ev), ==, 0);
	close(p[0]);
	close(p[1]);
	regress_socketpair(q);
	if (q[0] != fd) {
		tt_int_op(dup2(q[0], fd), ==, fd);
		close(q[0]);
		q[0] = fd;
	}
	event_set(&r.ev, fd, EV_READ | EV_PERSIST, rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	write1(q[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 2);

	/* Same again with another struct event and both directions. */
	{
		struct rd w;
		int s[2];
		memset(&w, 0, sizeof(w));
		tt_int_op(event_del(&r.ev), ==, 0);
		close(q[0]);
		close(q[1]);
		regress_socketpair(s);
		if (s[0] != fd) {
			tt_int_op(dup2(s[0], fd), ==, fd);
			close(s[0]);
		}
		event_set(&w.ev, fd, EV_WRITE, rd_cb, &w);
		tt_int_op(event_add(&w.ev, NULL), ==, 0);
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
		tt_int_op(w.n, ==, 1);
		tt_int_op(w.last, ==, EV_WRITE);
		tt_int_op(event_del(&w.ev), ==, 0);
		close(fd);
		close(s[1]);
	}
}

struct leftover {
	struct event ev;
	int good, spurious;
};

static void
leftover_cb(int fd, short what, void *arg)
{
	struct leftover *l = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1)
		l->good++;
	else
		l->spurious++;
}

/*
 * fd reuse while another process keeps the old file open: the kernel's
 * epoll entry for the old file survives the close under the same number
 * and the old file is readable.  The new file's event must fire for its
 * own data only, without a storm of spurious wakeups.
 */
static void
test_fd_reuse_leftover(struct regress_env *env)
{
	struct leftover l;
	struct timeval ex = { 0, 100000 };
	int p[2], q[2], fd;
	pid_t pid;

	regress_socketpair(p);
	fd = p[0];
	memset(&l, 0, sizeof(l));
	event_set(&l.ev, fd, EV_READ | EV_PERSIST, leftover_cb, &l);
	tt_int_op(event_add(&l.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);

	if ((pid = regress_fork()) == 0) {
		/* Keep the old file open, do nothing. */
		struct timespec ts = { 5, 0 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	/* Within one "callback": delete, close, reuse the number, add. */
	tt_int_op(event_del(&l.ev), ==, 0);
	close(p[0]);
	regress_socketpair(q);
	if (q[0] != fd) {
		tt_int_op(dup2(q[0], fd), ==, fd);
		close(q[0]);
	}
	event_set(&l.ev, fd, EV_READ | EV_PERSIST, leftover_cb, &l);
	tt_int_op(event_add(&l.ev, NULL), ==, 0);
	/* The old file (held by the child) becomes readable... */
	write1(p[1]);
	/* ...and so does the new one. */
	write1(q[1]);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	kill(pid, SIGKILL);
	tt_int_op(regress_wait(pid, 1), ==, 128 + SIGKILL);
	tt_int_op(l.good, ==, 1);
	regress_note("spurious wakeups: %d", l.spurious);
	tt_int_op(l.spurious, <=, 1);
	/* epoll made itself a new epoll fd for the leftover entry: free
	 * the base so that it closes it. */
	tt_int_op(event_del(&l.ev), ==, 0);
	close(fd);
	close(p[1]);
	close(q[1]);
	event_base_free(env->base);
	env->base = NULL;
}

/* Deleting and re-adding every event between dispatches keeps working
 * (the changelist coalesces it). */
static void
test_del_readd_churn(struct regress_env *env)
{
	struct rd r[2];
	int i, round;

	memset(r, 0, sizeof(r));
	event_set(&r[0].ev, env->pair[0], EV_READ | EV_PERSIST, rd_cb, &r[0]);
	event_set(&r[1].ev, env->pair[1], EV_READ | EV_PERSIST, rd_cb, &r[1]);
	for (i = 0; i < 2; i++)
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	for (round = 1; round <= 20; round++) {
		for (i = 0; i < 2; i++) {
			tt_int_op(event_del(&r[i].ev), ==, 0);
			tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
			tt_int_op(event_del(&r[i].ev), ==, 0);
			if (round % 3 != 0)
				tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		}
		write1(env->pair[0]);
		write1(env->pair[1]);
		tt_int_op(event_loop(EVLOOP_NONBLOCK), ==,
		    round % 3 != 0 ? 0 : 1);
		if (round % 3 == 0) {
			regress_drain(env->pair[0]);
			regress_drain(env->pair[1]);
			for (i = 0; i < 2; i++)
				tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		}
	}
	tt_int_op(r[0].n, ==, 14);
	tt_int_op(r[1].n, ==, 14);
}

#ifdef SYS_epoll_ctl
/*
 * Count the library's epoll_ctl() calls: this definition in the program
 * takes precedence over the C library's for the shared libevent too.  It
 * forwards to the kernel unchanged.
 */
static long epoll_ctl_calls;

int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	epoll_ctl_calls++;
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
}
#endif

/* The count for regress_recheck.c; -1 when calls are not counted. */
long regress_epoll_ctl_count(void);

long
regress_epoll_ctl_count(void)
{
#ifdef SYS_epoll_ctl
	return epoll_ctl_calls;
#else
	return -1;
#endif
}

/*
 * Deleting and re-adding every event before the next dispatch costs no
 * kernel call; with event_set() in between (the fd may be a new file) at
 * most one per fd.  Only epoll keeps kernel state; poll and select make
 * no call at all.
 */
static void
test_readd_syscalls(struct regress_env *env)
{
#ifdef SYS_epoll_ctl
	enum { N = 50 };
	int p[N][2], i;
	struct many m = { 0, 0 };
	struct event ev[N];

	if (strcmp(env->backend, "epoll") != 0)
		tt_skip("only epoll makes kernel calls to register fds");
	/* Plain epoll_ctl() calls; the io_uring batches: regress_recheck.c */
	tt_int_op(setenv("EVENT_NOIOURING", "1", 1), ==, 0);
	event_base_free(env->base);
	env->base = event_init();
	for (i = 0; i < N; i++) {
		regress_socketpair(p[i]);
		event_set(&ev[i], p[i][0], EV_READ | EV_PERSIST, many_cb, &m);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	epoll_ctl_calls = 0;
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&ev[i]), ==, 0);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(epoll_ctl_calls, ==, 0);
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&ev[i]), ==, 0);
		event_set(&ev[i], p[i][0], EV_READ | EV_PERSIST, many_cb, &m);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(epoll_ctl_calls, ==, N);
	/* They still work. */
	for (i = 0; i < N; i++)
		write1(p[i][1]);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(m.fired, ==, N);
	/* Deleted for good: one call each at the next dispatch. */
	epoll_ctl_calls = 0;
	for (i = 0; i < N; i++)
		tt_int_op(event_del(&ev[i]), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(epoll_ctl_calls, ==, 0);	/* no events: no dispatch */
	for (i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
#else
	(void)env;
	tt_skip("no SYS_epoll_ctl on this system");
#endif
}

struct spin {
	struct event ev;
	int n;
};

static void
spin_cb(int fd, short what, void *arg)
{
	struct spin *s = arg;

	(void)fd;
	(void)what;
	if (++s->n == 5)
		tt_int_op(event_del(&s->ev), ==, 0);
}

/* 1.4 quirk: EVLOOP_NONBLOCK keeps iterating while iterations produce
 * active events (here a persistent always-writable event, 5 times). */
static void
test_nonblock_keeps_going(struct regress_env *env)
{
	struct spin s;
	struct event other;
	struct timeval tv = { 10, 0 };
	int n = 0;

	memset(&s, 0, sizeof(s));
	event_set(&s.ev, env->pair[0], EV_WRITE | EV_PERSIST, spin_cb, &s);
	tt_int_op(event_add(&s.ev, NULL), ==, 0);
	evtimer_set(&other, count_cb, &n);
	tt_int_op(evtimer_add(&other, &tv), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(s.n, ==, 5);
	/* EVLOOP_ONCE|EVLOOP_NONBLOCK: one pass only. */
	tt_int_op(event_add(&s.ev, NULL), ==, 0);
	s.n = 0;
	tt_int_op(event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(s.n, ==, 1);
	tt_int_op(event_del(&s.ev), ==, 0);
	tt_int_op(event_del(&other), ==, 0);
	tt_int_op(n, ==, 0);
}

/* libevent 2.x's call and bit, not in the 1.4 headers. */
int event_base_get_features(const struct event_base *base);
#define FEATURE_FDS 0x04	/* EV_FEATURE_FDS */

/*
 * A regular file: a backend without EV_FEATURE_FDS (epoll) refuses it and
 * event_add returns -1 with EPERM, as in 1.4; poll and select report it
 * ready at once.
 */
static void
test_regular_file(struct regress_env *env)
{
	char path[] = "/tmp/regress_core_XXXXXX";
	struct rd r;
	int fd, res;

	fd = mkstemp(path);
	tt_assert(fd != -1);
	unlink(path);
	tt_int_op(write(fd, "abc", 3), ==, 3);
	tt_int_op(lseek(fd, 0, SEEK_SET), ==, 0);
	memset(&r, 0, sizeof(r));
	event_set(&r.ev, fd, EV_READ, rd_cb, &r);
	errno = 0;
	res = event_add(&r.ev, NULL);
	if (!(event_base_get_features(env->base) & FEATURE_FDS)) {
		tt_int_op(res, ==, -1);
		tt_int_op(errno, ==, EPERM);
		tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, 0);
		tt_int_op(event_dispatch(), ==, 1);
	} else {
		tt_int_op(res, ==, 0);
		tt_int_op(event_dispatch(), ==, 1);
		tt_int_op(r.n, ==, 1);
		tt_int_op(r.last, ==, EV_READ);
	}
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Bad arguments */

static void
test_bad_args(struct regress_env *env)
{
	struct event ev, sig;
	struct timeval tv = { 1, 0 };
	int n = 0;

	/* No base at all. */
	current_base = NULL;
	event_set(&ev, 0, EV_READ, count_cb, &n);
	tt_ptr_op(ev.ev_base, ==, NULL);
	errno = 0;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(event_del(&ev), ==, -1);
	tt_int_op(event_dispatch(), ==, -1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, -1);
	tt_int_op(event_loopexit(NULL), ==, -1);
	tt_int_op(event_loopbreak(), ==, -1);
	tt_int_op(event_once(-1, EV_TIMEOUT, count_cb, &n, NULL), ==, -1);
	tt_int_op(event_priority_init(2), ==, -1);
	tt_int_op(event_base_loop(NULL, 0), ==, -1);
	tt_int_op(event_base_loopbreak(NULL), ==, -1);
	tt_int_op(event_base_loopexit(NULL, NULL), ==, -1);
	tt_int_op(event_base_set(NULL, &ev), ==, -1);
	tt_int_op(event_add(NULL, NULL), ==, -1);
	tt_int_op(event_del(NULL), ==, -1);
	tt_int_op(event_reinit(NULL), ==, -1);
	event_active(&ev, EV_READ, 1);	/* no base: ignored */
	tt_ptr_op(event_base_get_method(NULL), ==, NULL);
	current_base = env->base;

	/* Bad fds and signal numbers. */
	event_set(&ev, -1, EV_READ, count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	tt_int_op(errno, ==, EBADF);
	tt_int_op(ev.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	event_set(&sig, 0, EV_SIGNAL, count_cb, &n);
	tt_int_op(event_add(&sig, &tv), ==, -1);
	tt_int_op(sig.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	event_set(&sig, NSIG + 10, EV_SIGNAL, count_cb, &n);
	tt_int_op(event_add(&sig, NULL), ==, -1);
	event_set(&sig, SIGKILL, EV_SIGNAL, count_cb, &n);
	tt_int_op(event_add(&sig, NULL), ==, -1);
	/* EV_SIGNAL with EV_READ: refused (1.4 exits; we return -1). */
	event_set(&sig, SIGUSR1, EV_SIGNAL | EV_READ, count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&sig, NULL), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	/* Not initialized. */
	memset(&ev, 0, sizeof(ev));
	ev.ev_base = env->base;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	/* Never added: event_del is fine. */
	event_set(&ev, env->pair[0], EV_READ, count_cb, &n);
	tt_int_op(event_del(&ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define REGRESS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REGRESS_ASAN 1
#endif
#endif

/*
 * Out of memory: an event on a huge fd number needs a 64 GiB fd table,
 * which the kernel refuses.  event_add returns -1 with ENOMEM, changes
 * nothing, and the base keeps working.
 */
static void
test_enomem(struct regress_env *env)
{
	struct event big, ok;
	struct timeval tv = { 1, 0 };
	char buf[8] = "";
	int n = 0, fdmode;
	FILE *f;

#ifdef REGRESS_ASAN
	tt_skip("AddressSanitizer aborts on a 64 GiB allocation");
#endif
	f = fopen("/proc/sys/vm/overcommit_memory", "r");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
		tt_skip("cannot read /proc/sys/vm/overcommit_memory");
	fclose(f);
	fdmode = atoi(buf);
	if (fdmode == 1)
		tt_skip("overcommit_memory=1: a 64 GiB allocation would succeed");
	event_set(&big, INT_MAX - 1, EV_READ, count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&big, &tv), ==, -1);
	tt_int_op(errno, ==, ENOMEM);
	tt_int_op(big.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	tt_int_op(event_pending(&big, EV_READ | EV_TIMEOUT, NULL), ==, 0);
	tt_int_op(event_del(&big), ==, 0);
	/* The base is intact. */
	event_set(&ok, env->pair[0], EV_READ, count_cb, &n);
	tt_int_op(event_add(&ok, NULL), ==, 0);
	write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
}

/* ------------------------------------------------------------------ */
/* Environment */

static char method_msg[256];

static void
method_log_cb(int sev, const char *msg)
{
	if (sev == _EVENT_LOG_MSG)
		snprintf(method_msg, sizeof(method_msg), "%s", msg);
}

/* Run fn in a child with a clean environment plus vars; its exit code. */
static int
env_child(const char *const *vars, const char *expect_method, int show)
{
	pid_t pid;
	int i;
	static const char *const all[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		"EVENT_NOSELECT", "EVENT_SHOW_METHOD", NULL };

	if ((pid = regress_fork()) == 0) {
		struct event_base *b;
		int devnull = open("/dev/null", O_WRONLY);
		for (i = 0; all[i]; i++)
			unsetenv(all[i]);
		for (i = 0; vars[i]; i++)
			setenv(vars[i], "", 1);
		if (devnull >= 0)
			dup2(devnull, 2);	/* the exit(1) message */
		method_msg[0] = '\0';
		if (show)
			event_set_log_callback(method_log_cb);
		b = event_base_new();
		if (b == NULL)
			_exit(20);
		if (strcmp(event_base_get_method(b), expect_method) != 0)
			_exit(21);
		if (show) {
			char want[128];
			snprintf(want, sizeof(want), "libevent using: %s\n",
			    expect_method);
			if (strcmp(method_msg, want) != 0)
				_exit(22);
		} else if (method_msg[0] != '\0') {
			_exit(23);
		}
		event_base_free(b);
		_exit(0);
	}
	return regress_wait(pid, 2);
}

static void
test_env_backends(struct regress_env *env)
{
	static const char *const none[] = { NULL };
	static const char *const noepoll[] = { "EVENT_NOEPOLL", NULL };
	static const char *const nopoll[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		NULL };
	static const char *const noall[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		"EVENT_NOSELECT", NULL };
	static const char *const show[] = { "EVENT_SHOW_METHOD", NULL };

	(void)env;
	tt_int_op(env_child(none, "epoll", 0), ==, 0);
	tt_int_op(env_child(noepoll, "poll", 0), ==, 0);
	tt_int_op(env_child(nopoll, "select", 0), ==, 0);
	tt_int_op(env_child(show, "epoll", 1), ==, 0);
	/* Nothing left: 1.4 logs and exits with status 1. */
	tt_int_op(env_child(noall, "none", 0), ==, 1);
}

/* In a set-id process the variables are ignored. */
static void
test_env_setid(struct regress_env *env)
{
	pid_t pid;

	(void)env;
	if (geteuid() != 0)
		tt_skip("needs root to make a set-id process (setegid)");
	if ((pid = regress_fork()) == 0) {
		struct event_base *b;
		setenv("EVENT_NOEPOLL", "1", 1);
		setenv("EVENT_NOPOLL", "1", 1);
		if (setegid(65534) == -1)
			_exit(30);
		if (getgid() == getegid())
			_exit(31);
		if (evutil_getenv("EVENT_NOEPOLL") != NULL)
			_exit(32);
		b = event_base_new();
		if (b == NULL || strcmp(event_base_get_method(b), "epoll") != 0)
			_exit(33);
		event_base_free(b);
		_exit(0);
	}
	tt_int_op(regress_wait(pid, 2), ==, 0);
	tt_assert(evutil_getenv("PATH") != NULL || getenv("PATH") == NULL);
}

/* ------------------------------------------------------------------ */
/* evutil */

static void
test_evutil(struct regress_env *env)
{
	char buf[8];
	char *end;
	int p[2];

	(void)env;
	tt_int_op(evutil_snprintf(buf, sizeof(buf), "%d-%s", 1234, "abcdef"),
	    ==, 11);
	tt_str_op(buf, ==, "1234-ab");
	tt_int_op(evutil_snprintf(buf, 0, "xyz"), ==, 3);
	tt_int_op(evutil_snprintf(buf, 1, "xyz"), ==, 3);
	tt_str_op(buf, ==, "");
	tt_assert(evutil_strtoll("9223372036854775807", &end, 10) ==
	    INT64_MAX);
	tt_int_op(*end, ==, '\0');
	tt_assert(evutil_strtoll("-0x10zz", &end, 16) == -16);
	tt_str_op(end, ==, "zz");
	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, p), ==, 0);
	tt_int_op(fcntl(p[0], F_GETFL) & O_NONBLOCK, ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	tt_int_op(fcntl(p[0], F_GETFL) & O_NONBLOCK, !=, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	close(p[0]);
	close(p[1]);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, -1);
	tt_int_op(errno, ==, EBADF);
	{
		struct timeval a = { 1, 999999 }, b = { 0, 2 }, c;
		evutil_timeradd(&a, &b, &c);
		tt_int_op(c.tv_sec, ==, 2);
		tt_int_op(c.tv_usec, ==, 1);
		evutil_timersub(&c, &a, &b);
		tt_int_op(b.tv_sec, ==, 0);
		tt_int_op(b.tv_usec, ==, 2);
		tt_assert(evutil_timercmp(&a, &c, <=));
		tt_assert(!evutil_timercmp(&a, &c, >=));
	}
}

/* ------------------------------------------------------------------ */
/* Debug traces */

static int debug_seen_add, debug_seen_del, debug_other_sev;

static void
debug_log_cb(int sev, const char *msg)
{
	if (sev != _EVENT_LOG_DEBUG) {
		debug_other_sev++;
		return;
	}
	if (strncmp(msg, "event_add: ", 11) == 0 &&
	    strstr(msg, "with timeout") != NULL)
		debug_seen_add++;
	if (strncmp(msg, "event_del: ", 11) == 0)
		debug_seen_del++;
}

static void
debug_never_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	tt_fail("the timer must not fire");
}

/*
 * configure --enable-debug-mode defines USE_DEBUG: event_add() and
 * event_del() then trace through the log callback at DEBUG severity.  In
 * a normal build the traces are compiled out and nothing is logged.
 */
static void
test_debug_traces(struct regress_env *env)
{
	struct timeval tv = { 10, 0 };
	struct event ev;

	event_set_log_callback(debug_log_cb);
	evtimer_set(&ev, debug_never_cb, NULL);
	tt_int_op(event_base_set(env->base, &ev), ==, 0);
	tt_int_op(event_add(&ev, &tv), ==, 0);
	tt_int_op(event_del(&ev), ==, 0);
	event_set_log_callback(NULL);
	tt_int_op(debug_other_sev, ==, 0);
#ifdef USE_DEBUG
	tt_int_op(debug_seen_add, ==, 1);
	tt_int_op(debug_seen_del, ==, 1);
#else
	tt_int_op(debug_seen_add + debug_seen_del, ==, 0);
#endif
}

struct regress_case regress_core_cases[] = {
	{ "core/version", test_version, RT_ONCE, NULL },
	{ "core/method", test_method, RT_BASE, NULL },
	{ "core/empty_loop", test_empty_loop, RT_BASE, NULL },
	{ "core/timeout_order", test_timeout_order, RT_BASE, NULL },
	{ "core/timeout_precision", test_timeout_precision, RT_BASE, NULL },
	{ "core/monotonic", test_monotonic, RT_BASE, NULL },
	{ "core/time_cache_cleared", test_time_cache_cleared, RT_BASE, NULL },
	{ "core/add_null_keeps_timeout", test_add_null_keeps_timeout,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/nonpersist", test_nonpersist, RT_BASE | RT_PAIR, NULL },
	{ "core/persist", test_persist, RT_BASE | RT_PAIR, NULL },
	{ "core/rw_union", test_rw_union, RT_BASE | RT_PAIR, NULL },
	{ "core/persist_timeout_deadline", test_persist_timeout_deadline,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/timeout_beats_io", test_timeout_beats_io, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/del_other_in_cb", test_del_other_in_cb, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/many_events_one_fd", test_many_events_one_fd,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/cached_time_in_cb", test_cached_time_in_cb, RT_BASE, NULL },
	{ "core/free_in_cb", test_free_in_cb, RT_BASE | RT_PAIR, NULL },
	{ "core/loopexit", test_loopexit, RT_BASE, NULL },
	{ "core/loopexit_twice", test_loopexit_twice, RT_BASE, NULL },
	{ "core/loopbreak", test_loopbreak, RT_BASE, NULL },
	{ "core/loop_once", test_loop_once, RT_BASE, NULL },
	{ "core/event_once", test_event_once, RT_BASE | RT_PAIR, NULL },
	{ "core/priorities", test_priorities, RT_BASE | RT_PAIR, NULL },
	{ "core/priority_order", test_priority_order, RT_BASE, NULL },
	{ "core/priority_api", test_priority_api, RT_BASE, NULL },
	{ "core/active_ncalls", test_active_ncalls, RT_BASE, NULL },
	{ "core/readd_cancels_timeout", test_readd_cancels_timeout, RT_BASE,
	  NULL },
	{ "core/base_set", test_base_set, RT_BASE | RT_PAIR, NULL },
	{ "core/base_free_pending", test_base_free_pending,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/fork_reinit", test_fork_reinit, RT_BASE | RT_PAIR, NULL },
	{ "core/signal_basic", test_signal_basic, RT_BASE, NULL },
	{ "core/signal_order_nonpersist", test_signal_order_nonpersist,
	  RT_BASE, NULL },
	{ "core/signal_restore", test_signal_restore, RT_BASE, NULL },
	{ "core/signal_raise_in_cb", test_signal_raise_in_cb, RT_BASE, NULL },
	{ "core/signal_while_busy", test_signal_while_busy, RT_BASE, NULL },
	{ "core/signal_switchbase", test_signal_switchbase, RT_BASE, NULL },
	{ "core/legacy_sigcb", test_legacy_sigcb, RT_BASE, NULL },
	{ "core/10000_fds", test_10000_fds, RT_BASE | RT_SLOW, NULL },
	{ "core/high_fds", test_high_fds, RT_BASE, NULL },
	{ "core/million_timers", test_million_timers, RT_BASE | RT_SLOW, NULL },
	{ "core/closed_fd", test_closed_fd, RT_BASE | RT_PAIR, NULL },
	{ "core/closed_fd_deferred", test_closed_fd_deferred,
	  RT_BASE, NULL },
	{ "core/closed_fd_registered", test_closed_fd_registered,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/fd_reuse", test_fd_reuse, RT_BASE, NULL },
	{ "core/fd_reuse_leftover", test_fd_reuse_leftover, RT_BASE, NULL },
	{ "core/del_readd_churn", test_del_readd_churn, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/regular_file", test_regular_file, RT_BASE, NULL },
	{ "core/readd_syscalls", test_readd_syscalls, RT_BASE, NULL },
	{ "core/nonblock_keeps_going", test_nonblock_keeps_going,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/enomem", test_enomem, RT_BASE | RT_PAIR, NULL },
	{ "core/bad_args", test_bad_args, RT_BASE | RT_PAIR, NULL },
	{ "core/env_backends", test_env_backends, RT_ONCE, NULL },
	{ "core/env_setid", test_env_setid, RT_ONCE, NULL },
	{ "core/evutil", test_evutil, RT_ONCE, NULL },
	{ "core/debug_traces", test_debug_traces, RT_BASE | RT_ONCE, NULL },
	RT_END
};
