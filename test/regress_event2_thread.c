/*
 * regress_event2_thread.c -- event2/thread.h: a base used from several
 * threads wakes its loop for event_add/event_del/event_active and the
 * loop controls; event_del waits for a running callback; lock, condition
 * and id callbacks of the program's own, with lock debugging.  The buffer
 * side with threads is in regress_event2_thread_buf.c.
 *
 * The 2.x headers come before the 1.4 ones here (regress_event2.c has
 * the other order).  Every case runs in its own process, so installing
 * thread callbacks affects that case only.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_PTHREADS
#include <pthread.h>
#endif

#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <event.h>
#include <evutil.h>

#include "regress.h"
#include "regress_event2.h"
#include "regress_thread.h"

#ifdef HAVE_PTHREADS

/* Flags shared between threads. */
static volatile int started, finished, seen_done, nfinal, ncalls;


static void
break_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ncalls++;
	event_base_loopbreak(arg);
}

/* ------------------------------------------------------------------ */
/* Waking the loop */

static struct event *wake_ev;

static void
do_active(void *arg)
{
	(void)arg;
	event_active(wake_ev, EV_TIMEOUT, 1);
}

/* The loop sleeps with nothing to wait for; another thread activates an
 * event: the loop wakes at once and runs it. */
static void
test_wake_active(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct later l;
	double t0 = regress_now(), ms;

	wake_ev = evtimer_new(b, break_cb, b);
	ncalls = 0;
	run_later(&l, do_active, NULL, 50);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	ms = elapsed_ms(t0);
	join(&l);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(event_base_got_break(b), ==, 1);
	tt_assert(ms >= 45);
	tt_assert(ms < 50 + 1000 * regress_slowdown());
	event_free(wake_ev);
	event_base_free(b);
}

static struct event *add_timer, *add_io;
static int add_pair[2];

static void
do_add(void *arg)
{
	struct timeval zero = { 0, 0 };

	(void)arg;
	tt_int_op(write(add_pair[1], "x", 1), ==, 1);
	tt_int_op(event_add(add_io, NULL), ==, 0);
	tt_int_op(event_add(add_timer, &zero), ==, 0);
}

static void
two_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (++ncalls == 2)
		event_base_loopbreak(arg);
}

/* Another thread adds an I/O event (its fd new to the backend, while the
 * loop waits in it) and a timer: both run. */
static void
test_add_from_thread(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct later l;
	double t0 = regress_now();

	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, add_pair), ==, 0);
	add_io = event_new(b, add_pair[0], EV_READ, two_cb, b);
	add_timer = evtimer_new(b, two_cb, b);
	ncalls = 0;
	run_later(&l, do_add, NULL, 50);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(ncalls, ==, 2);
	tt_assert(elapsed_ms(t0) < 50 + 1000 * regress_slowdown());
	event_free(add_io);
	event_free(add_timer);
	event_base_free(b);
	close(add_pair[0]);
	close(add_pair[1]);
}

static struct event *del_ev;

static void
do_del(void *arg)
{
	(void)arg;
	tt_int_op(event_del(del_ev), ==, 0);
}

/* The only event is deleted by another thread: the loop wakes and
 * returns 1 (nothing left) long before the event's 10 s timeout. */
static void
test_del_from_thread(struct regress_env *env)
{
	struct event_base *b;
	struct timeval tv = { 10, 0 };
	struct later l;
	double t0;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	b = event_base_new();
	tt_str_op(event_base_get_method(b), ==, env->backend);
	del_ev = evtimer_new(b, break_cb, b);
	tt_int_op(event_add(del_ev, &tv), ==, 0);
	t0 = regress_now();
	run_later(&l, do_del, NULL, 50);
	tt_int_op(event_base_dispatch(b), ==, 1);
	join(&l);
	tt_assert(elapsed_ms(t0) < 50 + 1000 * regress_slowdown());
	event_free(del_ev);
	event_base_free(b);
}

static void
do_break(void *arg)
{
	tt_int_op(event_base_loopbreak(arg), ==, 0);
}

static void
do_exit(void *arg)
{
	tt_int_op(event_base_loopexit(arg, NULL), ==, 0);
}

static void
test_loop_controls_from_thread(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct later l;
	double t0 = regress_now();

	run_later(&l, do_break, b, 30);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(event_base_got_break(b), ==, 1);
	run_later(&l, do_exit, b, 30);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(event_base_got_exit(b), ==, 1);
	tt_assert(elapsed_ms(t0) < 60 + 1000 * regress_slowdown());
	event_base_free(b);
}

/* A second thread cannot run the loop of a base already running. */
static void
do_second_loop(void *arg)
{
	errno = 0;
	tt_int_op(event_base_loop(arg, EVLOOP_NONBLOCK), ==, -1);
	tt_int_op(errno, ==, EBUSY);
	tt_int_op(event_base_loopbreak(arg), ==, 0);
}

static void
test_second_loop(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct later l;

	event_set_log_callback(NULL);
	run_later(&l, do_second_loop, b, 30);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	event_base_free(b);
}

/* ------------------------------------------------------------------ */
/* event_del and finalizers while the callback runs */

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	set_flag(&started, 1);
	usleep(150000);
	set_flag(&finished, 1);
}

struct del_case {
	struct event *ev;
	int mode;		/* 0 event_del, 1 _block, 2 _noblock */
};

static void
do_del_mode(void *arg)
{
	struct del_case *c = arg;

	wait_flag(&started, 1);
	if (c->mode == 0)
		tt_int_op(event_del(c->ev), ==, 0);
	else if (c->mode == 1)
		tt_int_op(event_del_block(c->ev), ==, 0);
	else
		tt_int_op(event_del_noblock(c->ev), ==, 0);
	set_flag(&seen_done, get_flag(&finished) + 1);
}

/* Did the deletion return after the callback (2) or during it (1)? */
static int
del_while_running(struct event_base *b, short events, int mode)
{
	struct timeval zero = { 0, 0 };
	struct del_case c;
	struct later l;

	c.ev = event_new(b, -1, events, slow_cb, NULL);
	c.mode = mode;
	set_flag(&started, 0);
	set_flag(&finished, 0);
	set_flag(&seen_done, 0);
	tt_int_op(event_add(c.ev, &zero), ==, 0);
	run_later(&l, do_del_mode, &c, 0);
	tt_int_op(event_base_loop(b, EVLOOP_ONCE), ==, 0);
	join(&l);
	event_free(c.ev);
	return get_flag(&seen_done);
}

static void
test_del_waits(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);

	tt_int_op(del_while_running(b, 0, 0), ==, 2);
	tt_int_op(del_while_running(b, 0, 1), ==, 2);
	tt_int_op(del_while_running(b, 0, 2), ==, 1);
	tt_int_op(del_while_running(b, EV_FINALIZE, 0), ==, 1);
	tt_int_op(del_while_running(b, EV_FINALIZE, 1), ==, 2);
	event_base_free(b);
}

static void
final_cb(struct event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	/* Only once the callback can no longer be running. */
	set_flag(&nfinal, get_flag(&finished) ? 1 : -1);
}

static void
do_free_finalize(void *arg)
{
	wait_flag(&started, 1);
	tt_int_op(event_free_finalize(0, arg, final_cb), ==, 0);
	/* It did not wait for the callback. */
	tt_int_op(get_flag(&finished), ==, 0);
}

static void
test_finalize_from_thread(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct timeval zero = { 0, 0 };
	struct event *ev = event_new(b, -1, 0, slow_cb, NULL);
	struct later l;

	set_flag(&started, 0);
	set_flag(&finished, 0);
	set_flag(&nfinal, 0);
	tt_int_op(event_add(ev, &zero), ==, 0);
	run_later(&l, do_free_finalize, ev, 0);
	tt_int_op(event_base_loop(b, EVLOOP_ONCE), ==, 0);
	join(&l);
	/* The finalizer is queued; the next pass runs it. */
	while (get_flag(&nfinal) == 0)
		tt_int_op(event_base_loop(b, EVLOOP_ONCE), >=, 0);
	tt_int_op(get_flag(&nfinal), ==, 1);
	event_base_free(b);
}

/* ------------------------------------------------------------------ */
/* Many threads at once */

#define NTHREADS 4
#define PER_THREAD 200

static struct event *many[NTHREADS * PER_THREAD];

static void
many_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (__atomic_add_fetch(&ncalls, 1, __ATOMIC_SEQ_CST) ==
	    NTHREADS * PER_THREAD)
		event_base_loopbreak(arg);
}

static void
do_many(void *arg)
{
	intptr_t t = (intptr_t)arg;
	struct timeval zero = { 0, 0 };
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		struct event *ev = many[t * PER_THREAD + i];
		if (i % 2)
			event_active(ev, EV_TIMEOUT, 1);
		else
			tt_int_op(event_add(ev, &zero), ==, 0);
	}
}

static void
test_many_threads(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);
	struct later l[NTHREADS];
	long t;
	int i;

	for (i = 0; i < NTHREADS * PER_THREAD; i++)
		many[i] = evtimer_new(b, many_cb, b);
	ncalls = 0;
	for (t = 0; t < NTHREADS; t++)
		run_later(&l[t], do_many, (void *)(intptr_t)t, 10);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	for (t = 0; t < NTHREADS; t++)
		join(&l[t]);
	tt_int_op(ncalls, ==, NTHREADS * PER_THREAD);
	for (i = 0; i < NTHREADS * PER_THREAD; i++)
		event_free(many[i]);
	event_base_free(b);
}

/* ------------------------------------------------------------------ */
/* The program's own callbacks, lock debugging, notifiable bases */


static void
test_custom_callbacks(struct regress_env *env)
{
	struct evthread_lock_callbacks incomplete = my_locks, other = my_locks;
	struct evthread_condition_callbacks cincomplete = my_conds;
	struct event_base *b;
	struct later l;

	incomplete.lock = NULL;
	cincomplete.wait_condition = NULL;
	other.unlock = my_lock;
	tt_int_op(evthread_set_lock_callbacks(&incomplete), ==, -1);
	tt_int_op(evthread_set_condition_callbacks(&cincomplete), ==, -1);
	evthread_enable_lock_debuging();	/* the old spelling, then ... */
	evthread_enable_lock_debugging();	/* ... a second call: no-op */
	tt_int_op(evthread_set_lock_callbacks(&my_locks), ==, 0);
	/* The same callbacks again: fine. */
	tt_int_op(evthread_set_lock_callbacks(&my_locks), ==, 0);
	tt_int_op(evthread_set_lock_callbacks(&other), ==, -1);
	tt_int_op(evthread_set_condition_callbacks(&my_conds), ==, 0);
	evthread_set_id_callback(my_id);

	b = event_base_new();
	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	tt_int_op(n_alloc, >=, 1);
	tt_int_op(bad_locktype, ==, 0);
	tt_int_op(n_cond_alloc, ==, 1);
	/* Cross-thread wake-up through the program's own locks. */
	wake_ev = evtimer_new(b, break_cb, b);
	ncalls = 0;
	run_later(&l, do_active, NULL, 30);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(n_id, >, 0);
	/* A deletion that waits uses the condition. */
	set_flag(&started, 0);
	set_flag(&finished, 0);
	tt_int_op(del_while_running(b, 0, 0), ==, 2);
	tt_int_op(n_cond_wait, >=, 1);
	event_free(wake_ev);
	event_base_free(b);
	/* The library's global locks go with the global shutdown. */
	libevent_global_shutdown();
	tt_int_op(n_lock, >, 10);
	tt_int_op(n_lock, ==, n_unlock);
	tt_int_op(n_free, ==, n_alloc);
	tt_int_op(evthread_set_lock_callbacks(NULL), ==, 0);
	tt_int_op(evthread_set_condition_callbacks(NULL), ==, 0);
}

/* The fds a base holds for its backend: one for those whose state lives
 * in the kernel (kqueue, epoll, /dev/poll), none for poll and select. */
static int
backend_fds(const char *backend)
{
	return strcmp(backend, "kqueue") == 0 ||
	    strcmp(backend, "epoll") == 0 || strcmp(backend, "devpoll") == 0;
}

/*
 * A base made before threads, made notifiable: one more fd, once.  With
 * threads, bases are notifiable from the start (unless NOLOCK), and
 * another thread's event_active() wakes the loop waiting in the backend.
 */
static void
test_make_notifiable(struct regress_env *env)
{
	struct event_base *b;
	struct event_config *cfg;
	struct later l;
	int n0, nb = backend_fds(env->backend);
	double t0;
	/* The wake-up channel: an eventfd; on Windows a socket pair. */
#ifdef _WIN32
	const int nw = 2;
#else
	const int nw = 1;
#endif

	n0 = regress_count_fds();
	b = event_base_new();
	tt_str_op(event_base_get_method(b), ==, env->backend);
	tt_int_op(regress_count_fds(), ==, n0 + nb);
	tt_int_op(evthread_make_base_notifiable(b), ==, 0);
	tt_int_op(regress_count_fds(), ==, n0 + nb + nw);
	tt_int_op(evthread_make_base_notifiable(b), ==, 0);
	tt_int_op(regress_count_fds(), ==, n0 + nb + nw);
	tt_int_op(evthread_make_base_notifiable(NULL), ==, -1);
	event_base_free(b);
	tt_int_op(regress_count_fds(), ==, n0);

	tt_int_op(evthread_use_pthreads(), ==, 0);
	cfg = event_config_new();
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK), ==, 0);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	tt_int_op(regress_count_fds(), ==, n0 + nb);
	event_base_free(b);
	b = threaded_base(env);
	tt_int_op(regress_count_fds(), ==, n0 + nb + nw);
	wake_ev = evtimer_new(b, break_cb, b);
	ncalls = 0;
	t0 = regress_now();
	run_later(&l, do_active, NULL, 20);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(ncalls, ==, 1);
	tt_assert(elapsed_ms(t0) < 20 + 1000 * regress_slowdown());
	event_free(wake_ev);
	event_base_free(b);
	tt_int_op(regress_count_fds(), ==, n0);
}

#ifndef _WIN32
/* After fork, the child's base gets its own wake-up fd and still wakes. */
static void
fork_child(void *arg)
{
	struct event_base *b = arg;
	struct later l;

	if (event_reinit(b) != 0)
		_exit(10);
	ncalls = 0;
	run_later(&l, do_active, NULL, 20);
	if (event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY) != 0 || ncalls != 1)
		_exit(11);
	join(&l);
	_exit(0);
}
#endif

static void
test_fork_reinit(struct regress_env *env)
{
	struct event_base *b = threaded_base(env);

	wake_ev = evtimer_new(b, break_cb, b);
#ifdef _WIN32
	/* No fork(): event_reinit() refuses (core/fork_reinit). */
	tt_int_op(event_reinit(b), ==, -1);
#else
	tt_int_op(regress_fork_status(fork_child, b), ==, 0);
#endif
	/* The parent's base is unaffected. */
	event_active(wake_ev, EV_TIMEOUT, 1);
	ncalls = 0;
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(ncalls, ==, 1);
	event_free(wake_ev);
	event_base_free(b);
}

#else
#define test_wake_active test_no_threads
#define test_add_from_thread test_no_threads
#define test_del_from_thread test_no_threads
#define test_loop_controls_from_thread test_no_threads
#define test_second_loop test_no_threads
#define test_del_waits test_no_threads
#define test_finalize_from_thread test_no_threads
#define test_many_threads test_no_threads
#define test_custom_callbacks test_no_threads
#define test_make_notifiable test_no_threads
#define test_fork_reinit test_no_threads
#endif /* HAVE_PTHREADS */

struct regress_case regress_event2_thread_cases[] = {
	{ "thread/wake_active", test_wake_active, 0, THREAD_SKIP },
	{ "thread/add_from_thread", test_add_from_thread, 0, THREAD_SKIP },
	{ "thread/del_from_thread", test_del_from_thread, 0, THREAD_SKIP },
	{ "thread/loop_controls", test_loop_controls_from_thread, 0,
	    THREAD_SKIP },
	{ "thread/second_loop", test_second_loop, 0, THREAD_SKIP },
	{ "thread/del_waits", test_del_waits, 0, THREAD_SKIP },
	{ "thread/finalize_from_thread", test_finalize_from_thread, 0,
	    THREAD_SKIP },
	{ "thread/many_threads", test_many_threads, 0, THREAD_SKIP },
	{ "thread/custom_callbacks", test_custom_callbacks, 0, THREAD_SKIP },
	{ "thread/make_notifiable", test_make_notifiable, 0, THREAD_SKIP },
	{ "thread/fork_reinit", test_fork_reinit, 0, THREAD_SKIP },
	RT_END
};
