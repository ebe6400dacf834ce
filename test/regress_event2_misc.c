/*
 * regress_event2_misc.c -- the rest of event2/event.h: finalizers,
 * EV_CLOSED and EV_ET, dispatch limits, debug mode and debug logging,
 * the fatal callback, the allocator, global shutdown.
 *
 * Cases that change global state for good or end the process run their
 * body in a forked child (regress_fork_status()) and check its status.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <event.h>

#include "regress.h"
#include "regress_event2.h"

static int ncalls, nfinal;
static struct event *final_ev;
static void *final_arg;
static int order[32], norder;

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ncalls++;
}

static void
order_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (norder < 32)
		order[norder++] = (int)(intptr_t)arg;
}

static void
final_cb(struct event *ev, void *arg)
{
	nfinal++;
	final_ev = ev;
	final_arg = arg;
}

/* ------------------------------------------------------------------ */
/* Finalizers and deleting */

static void
test_finalize(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 0, 0 };
	struct event *ev;
	int p[2];

	regress_socketpair(p);
	ev = event_new(b, p[0], EV_READ | EV_PERSIST, count_cb, &ncalls);
	tt_int_op(event_add(ev, &tv), ==, 0);
	ncalls = nfinal = 0;
	tt_int_op(event_finalize(0, ev, final_cb), ==, 0);
	/* Deleted at once, finalized from the loop, never run. */
	tt_int_op(event_pending(ev, EV_READ | EV_TIMEOUT, NULL), ==, 0);
	tt_int_op(nfinal, ==, 0);
	tt_int_op(event_add(ev, NULL), ==, -1);
	tt_int_op(write(p[1], "x", 1), ==, 1);
	/* The finalizer runs; then nothing is left: 1. */
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(nfinal, ==, 1);
	tt_int_op(ncalls, ==, 0);
	tt_ptr_op(final_ev, ==, ev);
	tt_ptr_op(final_arg, ==, &ncalls);
	/* Set up again, it is an ordinary event. */
	tt_int_op(event_assign(ev, b, p[0], EV_READ, count_cb, NULL), ==, 0);
	tt_int_op(event_add(ev, NULL), ==, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 1);

	/* event_free_finalize frees after the finalizer (valgrind sees it). */
	nfinal = 0;
	tt_int_op(event_free_finalize(0, ev, final_cb), ==, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(nfinal, ==, 1);
	tt_int_op(event_finalize(0, NULL, final_cb), ==, -1);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

/* event_base_free() runs pending finalizers; _nofinalize does not. */
static void
test_free_finalizers(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event *e1 = evtimer_new(b, count_cb, NULL);
	struct event e2;

	nfinal = 0;
	tt_int_op(event_free_finalize(0, e1, final_cb), ==, 0);
	event_base_free(b);
	tt_int_op(nfinal, ==, 1);

	b = base_2x(env);
	tt_int_op(evtimer_assign(&e2, b, count_cb, NULL), ==, 0);
	tt_int_op(event_finalize(0, &e2, final_cb), ==, 0);
	event_base_free_nofinalize(b);
	tt_int_op(nfinal, ==, 1);
}

/* Without threads nothing waits: all three delete at once. */
static void
test_del_variants(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 5, 0 };
	struct event *e[3];
	int i;

	e[0] = evtimer_new(b, count_cb, NULL);
	e[1] = evtimer_new(b, count_cb, NULL);
	e[2] = event_new(b, -1, EV_FINALIZE, count_cb, NULL);
	for (i = 0; i < 3; i++)
		tt_int_op(event_add(e[i], &tv), ==, 0);
	tt_int_op(event_del(e[0]), ==, 0);
	tt_int_op(event_del_block(e[1]), ==, 0);
	tt_int_op(event_del_noblock(e[2]), ==, 0);
	for (i = 0; i < 3; i++) {
		tt_int_op(event_pending(e[i], EV_TIMEOUT, NULL), ==, 0);
		event_free(e[i]);
	}
	tt_int_op(event_del_block(NULL), ==, -1);
	tt_int_op(event_del_noblock(NULL), ==, -1);
	tt_int_op(event_base_loop(b, 0), ==, 1);
	event_base_free(b);
}

/* ------------------------------------------------------------------ */
/* EV_CLOSED and EV_ET */

static short closed_what;

static void
closed_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)arg;
	closed_what = what;
	ncalls++;
}

/* The peer's close: EV_CLOSED on epoll and poll; select cannot tell it
 * (no EV_FEATURE_EARLY_CLOSE), yet EV_READ still reports the EOF. */
static void
test_closed(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	int early = event_base_get_features(b) & EV_FEATURE_EARLY_CLOSE;
	struct event *ec, *er;
	int p[2];

	regress_socketpair(p);
	ec = event_new(b, p[0], EV_CLOSED, closed_cb, NULL);
	tt_int_op(event_add(ec, NULL), ==, 0);
	tt_int_op(event_pending(ec, EV_CLOSED | EV_READ, NULL), ==, EV_CLOSED);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	ncalls = 0;
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 0);		/* nothing happened yet */
	close(p[1]);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, early ? 1 : 0);
	if (early) {
		tt_int_op(ncalls, ==, 1);
		tt_int_op(closed_what & EV_CLOSED, ==, EV_CLOSED);
		tt_int_op(event_pending(ec, EV_CLOSED, NULL), ==, 0);
	} else {
		tt_int_op(ncalls, ==, 0);
		tt_int_op(event_del(ec), ==, 0);
	}
	er = event_new(b, p[0], EV_READ | EV_CLOSED, closed_cb, NULL);
	tt_int_op(event_add(er, NULL), ==, 0);
	ncalls = 0;
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(closed_what & EV_READ, ==, EV_READ);
	tt_int_op(closed_what & EV_CLOSED, ==, early ? EV_CLOSED : 0);
	event_free(ec);
	event_free(er);
	event_base_free(b);
	close(p[0]);
}

/* EV_ET: one report per change on epoll; refused elsewhere; an fd's
 * events are either all edge triggered or none is. */
static void
test_edge_triggered(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event *et, *lt;
	int p[2];

	regress_socketpair(p);
	et = event_new(b, p[0], EV_READ | EV_ET | EV_PERSIST, count_cb, NULL);
	lt = event_new(b, p[0], EV_READ | EV_PERSIST, count_cb, NULL);
	if (!(event_base_get_features(b) & EV_FEATURE_ET)) {
		errno = 0;
		tt_int_op(event_add(et, NULL), ==, -1);
		tt_int_op(errno, ==, EINVAL);
		tt_int_op(event_pending(et, EV_READ, NULL), ==, 0);
		tt_int_op(event_add(lt, NULL), ==, 0);
		goto done;
	}
	tt_int_op(event_add(et, NULL), ==, 0);
	tt_int_op(event_add(lt, NULL), ==, -1);		/* mixing */
	tt_int_op(write(p[1], "ab", 2), ==, 2);
	/* One pass at a time (ONCE): a level-triggered event on unread data
	 * would keep a NONBLOCK loop going. */
	ncalls = 0;
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 1);
	/* The data is still there, but nothing new arrived. */
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(write(p[1], "c", 1), ==, 1);
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 2);
	/* Once the fd has no ET event, level-triggered ones are fine. */
	tt_int_op(event_del(et), ==, 0);
	tt_int_op(event_add(lt, NULL), ==, 0);
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 3);
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 4);	/* level: reported again */
done:
	event_free(et);
	event_free(lt);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------------ */
/* Dispatch limits */

static int wake_fd;

static void
low_cb(evutil_socket_t fd, short what, void *arg)
{
	order_cb(fd, what, arg);
	if ((intptr_t)arg == 1)
		tt_int_op(write(wake_fd, "x", 1), ==, 1);
}

static void
high_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	tt_int_op(read(fd, &c, 1), ==, 1);
	order_cb(fd, what, arg);
}

/* Five low events, the first makes a high one ready: where it runs. */
static int
limited_run(struct regress_env *env, const struct timeval *tv, int maxcb,
    int minpri)
{
	struct event_config *cfg = event_config_new();
	struct event *hi, *lo[5];
	struct event_base *b;
	int p[2], i, pos = -1;

	tt_int_op(event_config_set_max_dispatch_interval(cfg, tv, maxcb,
	    minpri), ==, 0);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	tt_int_op(event_base_priority_init(b, 2), ==, 0);
	regress_socketpair(p);
	wake_fd = p[1];
	hi = event_new(b, p[0], EV_READ | EV_PERSIST, high_cb, (void *)100L);
	tt_int_op(event_priority_set(hi, 0), ==, 0);
	tt_int_op(event_add(hi, NULL), ==, 0);
	for (i = 0; i < 5; i++) {
		lo[i] = evtimer_new(b, low_cb, (void *)(intptr_t)(i + 1));
		tt_int_op(event_priority_set(lo[i], 1), ==, 0);
		event_active(lo[i], EV_TIMEOUT, 1);
	}
	norder = 0;
	while (norder < 6)
		tt_int_op(event_base_loop(b, EVLOOP_ONCE), ==, 0);
	for (i = 0; i < 6; i++)
		if (order[i] == 100)
			pos = i;
	for (i = 0; i < 5; i++)
		event_free(lo[i]);
	event_free(hi);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
	return pos;
}

static void
test_max_dispatch(struct regress_env *env)
{
	struct timeval zero = { 0, 0 };

	tt_int_op(limited_run(env, NULL, -1, 0), ==, 5);
	tt_int_op(limited_run(env, NULL, 2, 0), ==, 2);
	tt_int_op(limited_run(env, NULL, 2, 1), ==, 2);
	tt_int_op(limited_run(env, NULL, 2, 2), ==, 5);	/* level 1 free */
	tt_int_op(limited_run(env, &zero, -1, 0), ==, 1);
	tt_int_op(limited_run(env, &zero, -1, 2), ==, 5);
}

/* ------------------------------------------------------------------ */
/* Debug mode, debug logging, fatal errors */

static void
fatal_exit3(int err)
{
	/* 0xdeaddead: would abort; 1: would exit(1). */
	_exit(err == (int)0xdeaddead ? 3 : err == 1 ? 4 : 5);
}

static void
dbg_noop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Each scenario runs in its own child; see test_debug_mode. */
static void
debug_scenario(void *arg)
{
	int which = (int)(intptr_t)arg;
	struct timeval tv = { 1, 0 };
	struct event_base *b;
	struct event ev, copy;

	event_set_log_callback(NULL);
	event_set_fatal_callback(fatal_exit3);
	if (which != 6)
		event_enable_debug_mode();
	b = event_base_new();
	if (b == NULL)
		_exit(20);
	switch (which) {
	case 0:	/* proper use: no complaint */
		if (event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL) != 0 ||
		    event_add(&ev, &tv) != 0 || event_del(&ev) != 0)
			_exit(21);
		event_debug_unassign(&ev);
		event_free(event_new(b, -1, 0, dbg_noop_cb, NULL));
		event_base_free(b);
		_exit(0);
	case 1:	/* assign on a pending event */
		event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL);
		event_add(&ev, &tv);
		event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL);
		break;
	case 2:	/* a copy was never set up */
		event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL);
		memcpy(&copy, &ev, sizeof(ev));
		event_debug_unassign(&ev);
		event_add(&copy, &tv);
		break;
	case 3:	/* use after event_debug_unassign */
		event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL);
		event_debug_unassign(&ev);
		ev.ev_flags |= EVLIST_INIT;
		event_del(&ev);
		break;
	case 4:	/* unassign of a pending event */
		event_assign(&ev, b, -1, 0, dbg_noop_cb, NULL);
		event_add(&ev, &tv);
		event_debug_unassign(&ev);
		break;
	case 5:	/* enabled twice */
		event_enable_debug_mode();
		break;
	case 6:	/* enabled after a base exists */
		event_enable_debug_mode();
		break;
	}
	_exit(9);	/* the misuse went unnoticed */
}

static void
test_debug_mode(struct regress_env *env)
{
	(void)env;
	tt_int_op(regress_fork_status(debug_scenario, (void *)0L), ==, 0);
	tt_int_op(regress_fork_status(debug_scenario, (void *)1L), ==, 3);
	tt_int_op(regress_fork_status(debug_scenario, (void *)2L), ==, 3);
	tt_int_op(regress_fork_status(debug_scenario, (void *)3L), ==, 3);
	tt_int_op(regress_fork_status(debug_scenario, (void *)4L), ==, 3);
	tt_int_op(regress_fork_status(debug_scenario, (void *)5L), ==, 4);
	tt_int_op(regress_fork_status(debug_scenario, (void *)6L), ==, 4);
}

/* Without a fatal callback a debug-mode error aborts. */
static void
debug_abort(void *arg)
{
	struct event_base *b;
	struct event ev;

	(void)arg;
	event_set_log_callback(NULL);
	event_enable_debug_mode();
	b = event_base_new();
	memset(&ev, 0, sizeof(ev));
	ev.ev_base = b;
	ev.ev_flags = EVLIST_INIT;
	event_add(&ev, NULL);
	_exit(9);
}

static void
quiet_log(int sev, const char *msg)
{
	(void)sev;
	(void)msg;
}

static void
test_debug_abort(struct regress_env *env)
{
	(void)env;
	event_set_log_callback(quiet_log);
	tt_int_op(regress_fork_status(debug_abort, NULL), ==, 128 + SIGABRT);
}

static int ndebug_msgs, add_msgs;

static void
debug_log_cb(int sev, const char *msg)
{
	if (sev == EVENT_LOG_DEBUG) {
		ndebug_msgs++;
		if (strstr(msg, "event_add") != NULL)
			add_msgs++;
	}
}

static void
test_debug_logging(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 1, 0 };
	struct event *ev = evtimer_new(b, count_cb, NULL);

	event_set_log_callback(debug_log_cb);
	ndebug_msgs = add_msgs = 0;
	tt_int_op(event_add(ev, &tv), ==, 0);
	tt_int_op(ndebug_msgs, ==, 0);
	event_enable_debug_logging(EVENT_DBG_ALL);
	tt_int_op(event_add(ev, &tv), ==, 0);
	tt_int_op(event_del(ev), ==, 0);
	tt_int_op(add_msgs, ==, 1);
	tt_int_op(ndebug_msgs, >=, 2);
	event_enable_debug_logging(EVENT_DBG_NONE);
	ndebug_msgs = 0;
	tt_int_op(event_add(ev, &tv), ==, 0);
	tt_int_op(ndebug_msgs, ==, 0);
	event_set_log_callback(NULL);
	event_free(ev);
	event_base_free(b);
}

/* No backend at all: event_base_new() (fatal in 1.4) and
 * event_base_new_with_config() both return NULL with ENOSYS, and the
 * fatal callback is not called (issue 12: a library call never exits). */
static void
no_backend(void *arg)
{
	event_set_log_callback(quiet_log);
	regress_disable_backends();
	if (arg != NULL) {
		if (event_base_new_with_config(NULL) != NULL)
			_exit(10);
		_exit(11);
	}
	event_set_fatal_callback(fatal_exit3);
	errno = 0;
	if (event_base_new() != NULL || errno != ENOSYS)
		_exit(9);
	_exit(12);
}

static void
test_fatal_callback(struct regress_env *env)
{
	(void)env;
	tt_int_op(regress_fork_status(no_backend, NULL), ==, 12);
	tt_int_op(regress_fork_status(no_backend, (void *)1L), ==, 11);
}

/* ------------------------------------------------------------------ */
/* The allocator and global shutdown */

static long n_calls, n_live;

static void *
my_malloc(size_t n)
{
	void *p = malloc(n);

	n_calls++;
	if (p != NULL)
		n_live++;
	return p;
}

static void *
my_realloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	n_calls++;
	if (p == NULL && q != NULL)
		n_live++;
	return q;
}

static void
my_free(void *p)
{
	if (p != NULL)
		n_live--;
	free(p);
}

static void
mem_child(void *arg)
{
	struct event_base *b;
	struct evbuffer *buf;
	struct event *ev;
	char *line;

	(void)arg;
	event_set_mem_functions(my_malloc, my_realloc, my_free);
	b = event_base_new();
	ev = evtimer_new(b, count_cb, NULL);
	buf = evbuffer_new();
	if (b == NULL || ev == NULL || buf == NULL || n_live < 3)
		_exit(10);
	/* A string the 1.4 API hands out comes from the program's
	 * allocator and goes back to it. */
	evbuffer_add(buf, "hello\nworld\n", 12);
	line = evbuffer_readline(buf);
	if (line == NULL || strcmp(line, "hello") != 0)
		_exit(11);
	my_free(line);
	evbuffer_free(buf);
	event_free(ev);
	event_base_free(b);
	if (n_calls == 0 || n_live != 0)
		_exit(12);
	event_set_mem_functions(NULL, NULL, NULL);
	n_calls = 0;
	b = event_base_new();
	event_base_free(b);
	_exit(n_calls == 0 ? 0 : 13);
}

static void
test_mem_functions(struct regress_env *env)
{
	(void)env;
	tt_int_op(regress_fork_status(mem_child, NULL), ==, 0);
}

static void
shutdown_child(void *arg)
{
	struct event_base *b;

	(void)arg;
	event_set_fatal_callback(fatal_exit3);
	event_enable_debug_mode();
	b = event_base_new();
	event_base_free(b);
	libevent_global_shutdown();
	/* Debug mode is gone: enabling it again is no error. */
	event_enable_debug_mode();
	b = event_base_new();
	event_base_free(b);
	libevent_global_shutdown();
	_exit(0);
}

static void
test_global_shutdown(struct regress_env *env)
{
	(void)env;
	tt_int_op(regress_fork_status(shutdown_child, NULL), ==, 0);
}

/* event_initialized: the function survives <event.h>'s macro. */
static void
test_initialized_function(struct regress_env *env)
{
	int (*fn)(const struct event *) = event_initialized;
	struct event ev;

	(void)env;
	memset(&ev, 0, sizeof(ev));
	tt_int_op(fn(&ev), ==, 0);
	tt_int_op((event_initialized)(&ev), ==, 0);
	evtimer_set(&ev, count_cb, NULL);
	tt_int_op(fn(&ev), !=, 0);
	tt_int_op(event_initialized(&ev), !=, 0);	/* the 1.4 macro */
	tt_int_op(fn(NULL), ==, 0);
}

/*
 * A timer of 1 s added outside the loop of b, its deadline read 20 ms
 * later: 1 when the deadline is no earlier than the add + 1 s and at most
 * late_max microseconds after it, else 0.
 */
static int
outside_add_within(struct event_base *b, int64_t late_max)
{
	struct event ev;
	struct timeval tv = { 1, 0 };
	struct timespec pause = { 0, 20000000 };
	int64_t t0, t1, dl;

	evtimer_set(&ev, count_cb, NULL);
	if (event_base_set(b, &ev) == -1)
		return 0;
	t0 = regress_mono_us();
	if (evtimer_add(&ev, &tv) == -1)
		return 0;
	t1 = regress_mono_us();
	nanosleep(&pause, NULL);
	if (evtimer_pending(&ev, NULL) != EV_TIMEOUT)
		return 0;
	dl = (int64_t)ev.ev_timeout.tv_sec * 1000000 + ev.ev_timeout.tv_usec;
	(void)event_del(&ev);
	return dl >= t0 + 1000000 && dl <= t1 + 1000000 + late_max;
}

/*
 * EVENT_BASE_FLAG_PRECISE_TIMER and EVENT_PRECISE_TIMER (as in 2.1): a
 * timer added outside the loop reads the precise clock at once, not up to
 * two coarse ticks late (timer_defer() in event.c).
 */
static void
test_precise_timer(struct regress_env *env)
{
	struct event_config *cfg = event_config_new();
	struct event_base *b;

	(void)env;
	tt_assert(cfg != NULL);
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER),
	    ==, 0);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	tt_assert(b != NULL);
	tt_int_op(outside_add_within(b, 0), ==, 1);
	event_base_free(b);

	tt_int_op(setenv("EVENT_PRECISE_TIMER", "1", 1), ==, 0);
	b = event_base_new();
	tt_assert(b != NULL);
	tt_int_op(outside_add_within(b, 0), ==, 1);
	event_base_free(b);
	tt_int_op(unsetenv("EVENT_PRECISE_TIMER"), ==, 0);

	/* The default: at most two 250 Hz ticks (and rounding) late. */
	b = event_base_new();
	tt_assert(b != NULL);
	tt_int_op(outside_add_within(b, 9000), ==, 1);
	event_base_free(b);
}

struct regress_case regress_event2_misc_cases[] = {
	{ "event2/finalize", test_finalize, 0, NULL },
	{ "event2/free_finalizers", test_free_finalizers, 0, NULL },
	{ "event2/del_variants", test_del_variants, 0, NULL },
	{ "event2/closed", test_closed, 0, NULL },
	{ "event2/edge_triggered", test_edge_triggered, 0, NULL },
	{ "event2/max_dispatch", test_max_dispatch, 0, NULL },
	{ "event2/debug_mode", test_debug_mode, RT_ONCE, NULL },
	{ "event2/debug_abort", test_debug_abort, RT_ONCE, NULL },
	{ "event2/debug_logging", test_debug_logging, 0, NULL },
	{ "event2/fatal_callback", test_fatal_callback, RT_ONCE, NULL },
	{ "event2/mem_functions", test_mem_functions, RT_ONCE, NULL },
	{ "event2/global_shutdown", test_global_shutdown, RT_ONCE, NULL },
	{ "event2/initialized_function", test_initialized_function, RT_ONCE,
	    NULL },
	{ "event2/precise_timer", test_precise_timer, 0, NULL },
	RT_END
};
