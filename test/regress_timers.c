/*
 * regress_timers.c -- re-arming timers: a later deadline is taken lazily
 * (the timer keeps its heap slot until its old deadline comes up), an
 * earlier one at once.  Order, FIFO among equal deadlines and timing must
 * not show the difference.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"

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

struct regress_case regress_timers_cases[] = {
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
	RT_END
};
