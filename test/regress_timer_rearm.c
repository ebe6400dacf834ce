/*
 * regress_timer_rearm.c -- re-arming timers: a later deadline is taken
 * lazily (the timer keeps its heap slot until its old deadline comes up),
 * an earlier one at once.  Order, FIFO among equal deadlines and timing
 * must not show the difference, with the 1.4 calls and with the 2.x ones
 * (persistent events re-armed at each activation, common timeouts,
 * event_remove_timer(), finalizers, a locked base).  The other timer
 * cases are in regress_timer.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include "event.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_thread.h"

struct tm_ev {
	struct event ev;
	char name;
	double at;		/* ms since t0 when it fired */
};

static char order[16];
static int norder;
static double t0;

static void
tm_cb(int fd, short what, void *arg)
{
	struct tm_ev *t = arg;

	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	tt_assert(t->at == 0);	/* once */
	t->at = (regress_now() - t0) * 1000.0;
	if (norder < (int)sizeof(order) - 1)
		order[norder++] = t->name;
}

static void
tm_init(struct tm_ev *t, char name)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	evtimer_set(&t->ev, tm_cb, t);
}

static void
arm(struct tm_ev *t, long ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	tt_int_op(evtimer_add(&t->ev, &tv), ==, 0);
}

/* Re-armed later: it fires at the new deadline, after the other one. */
static void
test_timer_rearm_later(struct regress_env *env)
{
	struct tm_ev a, b;
	struct timeval tv;
	double left;

	(void)env;
	tm_init(&a, 'a');
	tm_init(&b, 'b');
	t0 = regress_now();
	arm(&a, 30);
	arm(&b, 60);
	arm(&a, 90);
	tt_int_op(event_pending(&a.ev, EV_TIMEOUT, &tv), ==, EV_TIMEOUT);
	{
		struct timeval now;
		gettimeofday(&now, NULL);
		left = (tv.tv_sec - now.tv_sec) * 1e3 +
		    (tv.tv_usec - now.tv_usec) / 1e3;
	}
	tt_assert(left > 80 && left <= 90 + 1);
	tt_int_op(event_dispatch(), ==, 1);
	tt_str_op(order, ==, "ba");
	tt_assert(b.at >= 60);
	tt_assert(a.at >= 90);
	tt_assert(a.at < 90 + 200 * regress_slowdown());
}

/* Re-armed earlier: it fires at the new, earlier deadline. */
static void
test_timer_rearm_earlier(struct regress_env *env)
{
	struct tm_ev a, b;

	(void)env;
	tm_init(&a, 'a');
	tm_init(&b, 'b');
	t0 = regress_now();
	arm(&a, 200);
	arm(&b, 40);
	arm(&a, 20);
	tt_int_op(event_dispatch(), ==, 1);
	tt_str_op(order, ==, "ab");
	tt_assert(a.at >= 20);
	tt_assert(a.at < 150 * regress_slowdown());
}

static struct tm_ev fa, fb, fc, fd_;

/* Inside a callback the time is cached, so equal timeouts mean equal
 * deadlines: they must fire in the order they were (re)armed. */
static void
fifo_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	arm(&fa, 10);
	arm(&fb, 50);
	arm(&fc, 30);
	arm(&fa, 50);	/* later: lazy, but now after b */
	arm(&fc, 50);	/* later again: after a */
	arm(&fd_, 50);
}

static void
test_timer_rearm_fifo(struct regress_env *env)
{
	struct event start;
	struct timeval zero = { 0, 0 };

	(void)env;
	tm_init(&fa, 'a');
	tm_init(&fb, 'b');
	tm_init(&fc, 'c');
	tm_init(&fd_, 'd');
	t0 = regress_now();
	evtimer_set(&start, fifo_cb, NULL);
	tt_int_op(evtimer_add(&start, &zero), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_str_op(order, ==, "bacd");
	tt_assert(fa.at >= 50 && fb.at >= 50 && fc.at >= 50 && fd_.at >= 50);
}

/* A lazily re-armed timer that is deleted never fires; added again it
 * takes the new deadline only. */
static void
test_timer_rearm_del(struct regress_env *env)
{
	struct tm_ev a, b;

	(void)env;
	tm_init(&a, 'a');
	tm_init(&b, 'b');
	t0 = regress_now();
	arm(&a, 20);
	arm(&a, 40);
	tt_int_op(evtimer_del(&a.ev), ==, 0);
	tt_int_op(event_pending(&a.ev, EV_TIMEOUT, NULL), ==, 0);
	arm(&b, 60);
	tt_int_op(event_dispatch(), ==, 1);
	tt_str_op(order, ==, "b");
	t0 = regress_now();
	arm(&a, 30);
	arm(&a, 50);
	tt_int_op(event_dispatch(), ==, 1);
	tt_str_op(order, ==, "ba");
	tt_assert(a.at >= 50);
}

/* Many timers pushed back again and again: each fires once, none before
 * its last deadline. */
static void
test_timer_rearm_many(struct regress_env *env)
{
	enum { N = 200 };
	static struct tm_ev t[N];
	int i, round;

	(void)env;
	t0 = regress_now();
	for (i = 0; i < N; i++) {
		tm_init(&t[i], 'x');
		arm(&t[i], 10 + i % 7);
	}
	for (round = 1; round <= 5; round++)
		for (i = 0; i < N; i++)
			arm(&t[i], 10 + i % 7 + round * 10 + (i * 13) % 11);
	tt_int_op(event_dispatch(), ==, 1);
	for (i = 0; i < N; i++) {
		double due = 10 + i % 7 + 50 + (i * 13) % 11;
		tt_assert(t[i].at >= due - 0.001);
		tt_assert(t[i].at < due + 300 * regress_slowdown());
	}
}

/* ------------------------------------------------------------------ */
/* The 2.x API */

struct idle {
	struct event *ev;	/* 2.x, EV_READ|EV_PERSIST, 100 ms timeout */
	struct event *writer;	/* writes a byte every 30 ms, 4 times */
	int p[2];
	int reads, writes;
	double last_write, last_read, timed_out;	/* ms since t0 */
};

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct idle *s = arg;
	char c;

	if (what & EV_READ) {
		tt_int_op(read(fd, &c, 1), ==, 1);
		s->reads++;
		s->last_read = (regress_now() - t0) * 1000.0;
		return;
	}
	tt_int_op(what, ==, EV_TIMEOUT);
	s->timed_out = (regress_now() - t0) * 1000.0;
	tt_int_op(event_base_loopbreak(event_get_base(s->ev)), ==, 0);
}

static void
idle_writer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct idle *s = arg;
	struct timeval tv = { 0, 30000 };

	(void)fd;
	(void)what;
	s->last_write = (regress_now() - t0) * 1000.0;
	tt_int_op(write(s->p[1], "x", 1), ==, 1);
	if (++s->writes < 4)
		tt_int_op(event_add(s->writer, &tv), ==, 0);
}

/*
 * An inactivity timeout: a 2.x persistent read event re-arms its timeout
 * at each activation, to a later deadline (lazily).  It must fire once,
 * a full timeout after the last byte, not at one of the older deadlines.
 */
static void
test_timer_rearm_v2_idle(struct regress_env *env)
{
	struct timeval idle_tv = { 0, 100000 }, w_tv = { 0, 30000 };
	struct event_base *b = event_base_new();
	struct idle s;

	(void)env;
	tt_assert(b != NULL);
	memset(&s, 0, sizeof(s));
	regress_socketpair(s.p);
	s.ev = event_new(b, s.p[0], EV_READ | EV_PERSIST, idle_cb, &s);
	s.writer = evtimer_new(b, idle_writer_cb, &s);
	tt_assert(s.ev != NULL && s.writer != NULL);
	t0 = regress_now();
	tt_int_op(event_add(s.ev, &idle_tv), ==, 0);
	tt_int_op(event_add(s.writer, &w_tv), ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 0);
	tt_int_op(s.reads, ==, 4);
	tt_assert(s.last_read >= 120 - 1);
	/* The deadline comes from the time the loop cached when it saw the
	 * last byte: after the write, before the read callback's clock
	 * (which under wine may be milliseconds later). */
	tt_assert(s.timed_out >= s.last_write + 100 - 1);
	tt_assert(s.timed_out < s.last_read + 100 + 200 * regress_slowdown());
	event_free(s.ev);
	event_free(s.writer);
	event_base_free(b);
	close(s.p[0]);
	close(s.p[1]);
}

static int v2_calls;

static void
v2_count_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	if (++v2_calls == 3)
		tt_int_op(event_del(arg), ==, 0);
}

/*
 * A lazily re-armed 2.x persistent timer: event_remove_timer() and
 * event_del() leave nothing in the heap that could fire; armed again it
 * repeats at the new interval only.
 */
static void
test_timer_rearm_v2_remove(struct regress_env *env)
{
	struct timeval t30 = { 0, 30000 }, t60 = { 0, 60000 };
	struct timeval t20 = { 0, 20000 };
	struct event_base *b = event_base_new();
	struct event *ev;
	double ms;

	(void)env;
	tt_assert(b != NULL);
	ev = event_new(b, -1, EV_PERSIST, v2_count_cb, event_self_cbarg());
	tt_assert(ev != NULL);
	v2_calls = 0;
	tt_int_op(event_add(ev, &t30), ==, 0);
	tt_int_op(event_add(ev, &t60), ==, 0);		/* later: lazy */
	tt_int_op(event_remove_timer(ev), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT, NULL), ==, 0);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 1);	/* nothing left */
	tt_int_op(v2_calls, ==, 0);

	tt_int_op(event_add(ev, &t30), ==, 0);
	tt_int_op(event_add(ev, &t60), ==, 0);
	tt_int_op(event_del(ev), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT, NULL), ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 1);
	tt_int_op(v2_calls, ==, 0);

	/* The interval kept is the last one given. */
	t0 = regress_now();
	tt_int_op(event_add(ev, &t60), ==, 0);
	tt_int_op(event_add(ev, &t20), ==, 0);		/* earlier: moved */
	tt_int_op(event_base_dispatch(b), ==, 1);
	ms = (regress_now() - t0) * 1000.0;
	tt_int_op(v2_calls, ==, 3);
	tt_assert(ms >= 60 - 1);
	tt_assert(ms < 60 + 300 * regress_slowdown());
	event_free(ev);
	event_base_free(b);
}

static struct event *cm_a, *cm_b, *cm_kick;
static const struct timeval *cm_50;

static void
cm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tm_ev *t = arg;

	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	t->at = (regress_now() - t0) * 1000.0;
	if (norder < (int)sizeof(order) - 1)
		order[norder++] = t->name;
}

static void
cm_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	tt_int_op(event_add(cm_a, cm_50), ==, 0);	/* later: lazy */
}

/* A common timeout re-armed to a later deadline: decoded, then lazy. */
static void
test_timer_rearm_v2_common(struct regress_env *env)
{
	struct timeval d50 = { 0, 50000 }, t20 = { 0, 20000 };
	struct event_base *b = event_base_new();
	struct tm_ev ta, tb;

	(void)env;
	tt_assert(b != NULL);
	cm_50 = event_base_init_common_timeout(b, &d50);
	tt_assert(cm_50 != NULL);
	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	ta.name = 'a';
	tb.name = 'b';
	norder = 0;
	memset(order, 0, sizeof(order));
	cm_a = evtimer_new(b, cm_cb, &ta);
	cm_b = evtimer_new(b, cm_cb, &tb);
	cm_kick = evtimer_new(b, cm_kick_cb, NULL);
	t0 = regress_now();
	tt_int_op(event_add(cm_a, cm_50), ==, 0);
	tt_int_op(event_add(cm_b, cm_50), ==, 0);
	tt_int_op(event_add(cm_kick, &t20), ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 1);
	tt_str_op(order, ==, "ba");
	tt_assert(tb.at >= 50 - 1);
	tt_assert(ta.at >= 70 - 1);
	tt_assert(ta.at < 70 + 200 * regress_slowdown());
	event_free(cm_a);
	event_free(cm_b);
	event_free(cm_kick);
	event_base_free(b);
}

static int fin_runs, fin_cbs;

static void
fin_never_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fin_cbs++;
}

static void
fin_cb(struct event *ev, void *arg)
{
	(void)arg;
	tt_int_op(event_pending(ev, EV_TIMEOUT, NULL), ==, 0);
	fin_runs++;
}

/* Finalizing a lazily re-armed timer: the finalizer runs, the timer
 * never does (neither at its heap key nor at its real deadline). */
static void
test_timer_rearm_v2_finalize(struct regress_env *env)
{
	struct timeval t20 = { 0, 20000 }, t40 = { 0, 40000 };
	struct timeval t80 = { 0, 80000 };
	struct event_base *b = event_base_new();
	struct event *ev;

	(void)env;
	tt_assert(b != NULL);
	ev = evtimer_new(b, fin_never_cb, NULL);
	tt_assert(ev != NULL);
	tt_int_op(event_add(ev, &t20), ==, 0);
	tt_int_op(event_add(ev, &t40), ==, 0);		/* lazy */
	tt_int_op(event_free_finalize(0, ev, fin_cb), ==, 0);
	tt_int_op(event_base_loopexit(b, &t80), ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 0);
	tt_int_op(fin_runs, ==, 1);
	tt_int_op(fin_cbs, ==, 0);
	event_base_free(b);
}

/*
 * A base with a lock: the pure-timer path of event_add() (first arm,
 * lazy re-arm, earlier re-arm) and event_del() take it, and the timers
 * still fire at their real deadlines.
 */
#ifdef HAVE_PTHREADS
static void
test_timer_rearm_locked(struct regress_env *env)
{
	struct event_base *b;
	struct tm_ev a, c;
	long before;

	(void)env;
	tt_int_op(evthread_set_lock_callbacks(&my_locks), ==, 0);
	tt_int_op(evthread_set_condition_callbacks(&my_conds), ==, 0);
	b = event_base_new();
	tt_assert(b != NULL);
	tm_init(&a, 'a');
	tm_init(&c, 'c');
	tt_int_op(event_base_set(b, &a.ev), ==, 0);
	tt_int_op(event_base_set(b, &c.ev), ==, 0);
	norder = 0;
	memset(order, 0, sizeof(order));
	t0 = regress_now();
	before = n_lock;
	arm(&a, 20);
	tt_int_op(n_lock, ==, before + 1);
	arm(&a, 50);					/* lazy */
	tt_int_op(n_lock, ==, before + 2);
	arm(&c, 60);
	arm(&c, 30);					/* earlier */
	tt_int_op(n_lock, ==, before + 4);
	tt_int_op(n_unlock, ==, n_lock);
	tt_int_op(event_base_dispatch(b), ==, 1);
	tt_str_op(order, ==, "ca");
	tt_assert(c.at >= 30 - 1);
	tt_assert(a.at >= 50 - 1);
	tt_int_op(n_unlock, ==, n_lock);
	arm(&a, 40);
	before = n_lock;
	tt_int_op(evtimer_del(&a.ev), ==, 0);
	tt_int_op(n_lock, ==, before + 1);
	tt_int_op(n_unlock, ==, n_lock);
	event_base_free(b);
}
#else
#define test_timer_rearm_locked test_no_threads
#endif

struct regress_case regress_timer_rearm_cases[] = {
	{ "core/timer_rearm_later", test_timer_rearm_later, RT_BASE | RT_ONCE,
	  NULL },
	{ "core/timer_rearm_earlier", test_timer_rearm_earlier,
	  RT_BASE | RT_ONCE, NULL },
	{ "core/timer_rearm_fifo", test_timer_rearm_fifo, RT_BASE | RT_ONCE,
	  NULL },
	{ "core/timer_rearm_del", test_timer_rearm_del, RT_BASE | RT_ONCE,
	  NULL },
	{ "core/timer_rearm_many", test_timer_rearm_many, RT_BASE | RT_ONCE,
	  NULL },
	{ "core/timer_rearm_v2_idle", test_timer_rearm_v2_idle, 0, NULL },
	{ "core/timer_rearm_v2_remove", test_timer_rearm_v2_remove, RT_ONCE,
	  NULL },
	{ "core/timer_rearm_v2_common", test_timer_rearm_v2_common, RT_ONCE,
	  NULL },
	{ "core/timer_rearm_v2_finalize", test_timer_rearm_v2_finalize,
	  RT_ONCE, NULL },
	{ "core/timer_rearm_locked", test_timer_rearm_locked, RT_ONCE,
	  THREAD_SKIP },
	RT_END
};
