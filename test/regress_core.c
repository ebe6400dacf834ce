/*
 * regress_core.c -- the event loop: bases, registration and I/O events,
 * loop control (loopexit, loopbreak, EVLOOP_*), event_once, priorities
 * and event_active, fork, bad arguments, evutil, debug traces; and the
 * helpers the core case files share (regress_core.h).  Timers, signals
 * and fds have files of their own (regress_timer.c, regress_signal.c,
 * regress_fd.c).
 *
 * Every case runs in its own child on each backend (see regress.h).
 * Timing bounds are widened by regress_slowdown() under valgrind.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
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
#include "regress_core.h"

#ifdef LIBEVENT_VERSION_NUMBER
#error "LIBEVENT_VERSION_NUMBER must not be defined: a 2.x header was used"
#endif

/* ------------------------------------------------------------------ */
/* Helpers shared by the core case files (regress_core.h) */

double
core_ms_since(double t0)
{
	return (regress_now() - t0) * 1000.0;
}

double
core_slack(double ms)
{
	return ms * regress_slowdown();
}

void
core_write1(int fd)
{
	tt_int_op(write(fd, "x", 1), ==, 1);
}

void
core_order_cb(int fd, short what, void *arg)
{
	struct core_order_rec *r = arg;

	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	r->at[r->id] = core_ms_since(r->t0);
	r->log[(*r->n)++] = r->id;
}

void
core_count_cb(int fd, short what, void *arg)
{
	int *n = arg;

	(void)fd;
	(void)what;
	(*n)++;
}

void
core_rd_cb(int fd, short what, void *arg)
{
	struct core_rd *r = arg;
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

void
core_sig_count_cb(int sig, short what, void *arg)
{
	int *n = arg;

	(void)sig;
	tt_int_op(what, ==, EV_SIGNAL);
	(*n)++;
}

/* ------------------------------------------------------------------ */
/* Basics */

static void
test_version(struct regress_env *env)
{
	(void)env;
	tt_str_op(event_get_version(), ==, "2.1.12-stable");
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
/* I/O */

/* A non-persistent event is deleted before its callback and may re-add. */
static void
test_nonpersist(struct regress_env *env)
{
	struct core_rd r;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, EV_READ);
	core_write1(env->pair[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_READ);
	tt_int_op(r.pending_in_cb, ==, 0);
	tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, 0);
	/* Not registered any more: the loop has nothing to do. */
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	/* Re-adding from the callback keeps it going. */
	r.readd = 2;
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	core_write1(env->pair[1]);
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 4);
}

/* A persistent event stays registered and fires once per readiness. */
static void
test_persist(struct regress_env *env)
{
	struct core_rd r;
	int i;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_PERSIST, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	for (i = 1; i <= 5; i++) {
		core_write1(env->pair[1]);
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
	struct core_rd r;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ | EV_WRITE, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_READ | EV_WRITE);
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
		event_set(&r[i], env->pair[0], EV_READ | EV_PERSIST,
		    core_count_cb, &nr[i]);
		tt_int_op(event_add(&r[i], NULL), ==, 0);
	}
	for (i = 0; i < 3; i++) {
		event_set(&w[i], env->pair[0], EV_WRITE, core_count_cb, &nw[i]);
		tt_int_op(event_add(&w[i], NULL), ==, 0);
	}
	core_write1(env->pair[1]);
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
	tt_assert(core_ms_since(t0) >= 99.0);
	tt_assert(core_ms_since(t0) < 100 + core_slack(100));
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
	tt_assert(core_ms_since(t0) >= 49.0 &&
	    core_ms_since(t0) < 50 + core_slack(100));
	tt_int_op(event_base_dispatch(env->base), ==, 0);
	tt_assert(core_ms_since(t0) >= 149.0 &&
	    core_ms_since(t0) < 150 + core_slack(100));
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
	evtimer_set(&b.ev[0], core_count_cb, &b.n[0]);
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
	evtimer_set(&a, core_count_cb, &na);
	evtimer_set(&b, core_count_cb, &nb);
	tt_int_op(evtimer_add(&a, &ta), ==, 0);
	tt_int_op(evtimer_add(&b, &tb), ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(na, ==, 1);
	tt_int_op(nb, ==, 0);
	tt_assert(core_ms_since(t0) >= 19.0 &&
	    core_ms_since(t0) < 20 + core_slack(200));
	/* NONBLOCK with nothing ready returns at once. */
	t0 = regress_now();
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_assert(core_ms_since(t0) < core_slack(100));
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
	core_write1(env->pair[1]);
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
	evtimer_set(&other, core_count_cb, &n);
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
	struct core_order_rec rec[6];
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
		evtimer_set(&ev[i], core_order_cb, &rec[i]);
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

	evtimer_set(&ev, core_count_cb, &n);
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
	event_set(&ev, env->pair[0], EV_WRITE, core_count_cb, &n);
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

/* Freeing a base with pending events deletes them (memory is ours),
 * restores signal handlers and clears current_base. */
static void
test_base_free_pending(struct regress_env *env)
{
	struct event io, tm, act, sig;
	struct timeval tv = { 10, 0 };
	struct sigaction sa;
	int n = 0;

	event_set(&io, env->pair[0], EV_READ, core_count_cb, &n);
	evtimer_set(&tm, core_count_cb, &n);
	evtimer_set(&act, core_count_cb, &n);
	signal_set(&sig, SIGUSR1, core_sig_count_cb, &n);
	tt_int_op(event_add(&io, &tv), ==, 0);
	tt_int_op(evtimer_add(&tm, &tv), ==, 0);
	event_active(&act, EV_TIMEOUT, 1);
	tt_int_op(signal_add(&sig, NULL), ==, 0);
	sigaction(SIGUSR1, NULL, &sa);
	tt_assert(sa.sa_handler != SIG_DFL);
	event_base_free(NULL);
	env->base = NULL;	/* freed: the runner must not look at it */
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
	struct core_rd r;
	pid_t pid;
	struct event sig;
	int nsig = 0;

	memset(&r, 0, sizeof(r));
	event_set(&r.ev, env->pair[0], EV_READ, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	signal_set(&sig, SIGUSR1, core_sig_count_cb, &nsig);
	tt_int_op(signal_add(&sig, NULL), ==, 0);
	/* Run once so the fd is registered in the backend. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
#ifdef _WIN32
	/* No fork() there: event_reinit() refuses, and the base goes on
	 * as it was (docs/COMPAT.md). */
	(void)pid;
	errno = 0;
	tt_int_op(event_reinit(env->base), ==, -1);
	tt_int_op(errno, ==, ENOSYS);
#else
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
	core_write1(env->pair[1]);
	tt_int_op(regress_wait(pid, 2), ==, 0);
	/* The parent still works: the child read the byte; write again. */
	tt_int_op(r.n, ==, 0);
#endif
	core_write1(env->pair[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);
	raise(SIGUSR1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(nsig, ==, 1);
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
	event_set(&ev, 0, EV_READ, core_count_cb, &n);
	tt_ptr_op(ev.ev_base, ==, NULL);
	errno = 0;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(event_del(&ev), ==, -1);
	tt_int_op(event_dispatch(), ==, -1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, -1);
	tt_int_op(event_loopexit(NULL), ==, -1);
	tt_int_op(event_loopbreak(), ==, -1);
	tt_int_op(event_once(-1, EV_TIMEOUT, core_count_cb, &n, NULL), ==, -1);
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
	event_set(&ev, -1, EV_READ, core_count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	tt_int_op(errno, ==, EBADF);
	tt_int_op(ev.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	event_set(&sig, 0, EV_SIGNAL, core_count_cb, &n);
	tt_int_op(event_add(&sig, &tv), ==, -1);
	tt_int_op(sig.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	event_set(&sig, NSIG + 10, EV_SIGNAL, core_count_cb, &n);
	tt_int_op(event_add(&sig, NULL), ==, -1);
	event_set(&sig, SIGKILL, EV_SIGNAL, core_count_cb, &n);
	tt_int_op(event_add(&sig, NULL), ==, -1);
	/* EV_SIGNAL with EV_READ: refused (1.4 exits; we return -1). */
	event_set(&sig, SIGUSR1, EV_SIGNAL | EV_READ, core_count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&sig, NULL), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	/* Not initialized. */
	memset(&ev, 0, sizeof(ev));
	ev.ev_base = env->base;
	tt_int_op(event_add(&ev, NULL), ==, -1);
	/* Never added: event_del is fine. */
	event_set(&ev, env->pair[0], EV_READ, core_count_cb, &n);
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
		tt_skip("overcommit_memory=1: a 64 GiB allocation would "
		    "succeed");
	event_set(&big, INT_MAX - 1, EV_READ, core_count_cb, &n);
	errno = 0;
	tt_int_op(event_add(&big, &tv), ==, -1);
	tt_int_op(errno, ==, ENOMEM);
	tt_int_op(big.ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT), ==, 0);
	tt_int_op(event_pending(&big, EV_READ | EV_TIMEOUT, NULL), ==, 0);
	tt_int_op(event_del(&big), ==, 0);
	/* The base is intact. */
	event_set(&ok, env->pair[0], EV_READ, core_count_cb, &n);
	tt_int_op(event_add(&ok, NULL), ==, 0);
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
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
	tt_nonblocking(p[0], 0);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	tt_nonblocking(p[0], 1);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	close(p[0]);
	close(p[1]);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, -1);
	tt_int_op(regress_sock_errno(), ==, EBADF);
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
	{ "core/nonpersist", test_nonpersist, RT_BASE | RT_PAIR, NULL },
	{ "core/persist", test_persist, RT_BASE | RT_PAIR, NULL },
	{ "core/rw_union", test_rw_union, RT_BASE | RT_PAIR, NULL },
	{ "core/del_other_in_cb", test_del_other_in_cb, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/many_events_one_fd", test_many_events_one_fd,
	  RT_BASE | RT_PAIR, NULL },
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
	{ "core/base_set", test_base_set, RT_BASE | RT_PAIR, NULL },
	{ "core/base_free_pending", test_base_free_pending,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/fork_reinit", test_fork_reinit, RT_BASE | RT_PAIR, NULL },
	{ "core/nonblock_keeps_going", test_nonblock_keeps_going,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/enomem", test_enomem, RT_BASE | RT_PAIR, NULL },
	{ "core/bad_args", test_bad_args, RT_BASE | RT_PAIR, NULL },
	{ "core/evutil", test_evutil, RT_ONCE, NULL },
	{ "core/debug_traces", test_debug_traces, RT_BASE | RT_ONCE, NULL },
	RT_END
};
