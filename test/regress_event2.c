/*
 * regress_event2.c -- the libevent 2.x event API (event2/event.h,
 * event2/event_struct.h, event2/event_compat.h) on every backend, and
 * 1.4 and 2.x calls on the same base.
 *
 * This file includes the 1.4 headers before the 2.x ones (the thread
 * tests include them the other way round), so it also shows that both
 * views coexist in one translation unit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POLLRDHUP, as poll.c sees it */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evutil.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/event_compat.h>
#include <event2/util.h>

#include "regress.h"
#include "regress_event2.h"

#ifndef LIBEVENT_VERSION_NUMBER
#error "the 2.x headers must define LIBEVENT_VERSION_NUMBER"
#endif

/* ------------------------------------------------------------------ */
/* Helpers (and regress_event2.h) */

/* Callbacks record what they saw here. */
static int ncalls;
static short last_what;
static int order[32], norder;

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)arg;
	ncalls++;
	last_what = what;
}

static void
order_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (norder < 32)
		order[norder++] = (int)(intptr_t)arg;
}

/* ------------------------------------------------------------------ */
/* Versions, configs, backends */

static void
test_version(struct regress_env *env)
{
	(void)env;
	tt_uint_op(LIBEVENT_VERSION_NUMBER, ==, 0x02010c00);
	tt_str_op(LIBEVENT_VERSION, ==, "2.1.12-stable");
	tt_uint_op(event_get_version_number(), ==, LIBEVENT_VERSION_NUMBER);
	/* The 2.x view of event_get_version() agrees with the headers. */
	tt_str_op(event_get_version(), ==, LIBEVENT_VERSION);
	tt_int_op(EVENT__NUMERIC_VERSION, ==, LIBEVENT_VERSION_NUMBER);
}

/*
 * The features each backend documents (docs/DESIGN.md): poll reports a
 * peer's close where the system has POLLRDHUP.
 */
static int
backend_features(const char *name)
{
	if (strcmp(name, "win32") == 0)
		return 0;	/* sockets only: not even FDS */
	if (strcmp(name, "epoll") == 0)
		return EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE;
	if (strcmp(name, "kqueue") == 0 || strcmp(name, "devpoll") == 0)
		return EV_FEATURE_O1 | EV_FEATURE_FDS;
#ifdef POLLRDHUP
	if (strcmp(name, "poll") == 0)
		return EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE;
#endif
	return EV_FEATURE_FDS;		/* poll, select */
}

/* The first built backend, in the order of preference, with every
 * feature of `features` and not named `avoid`; "none" if there is none. */
static const char *
first_backend(int features, const char *avoid)
{
	const char *const *b;

	for (b = regress_built_backends(); *b != NULL; b++)
		if ((backend_features(*b) & features) == features &&
		    (avoid == NULL || strcmp(*b, avoid) != 0))
			return *b;
	return "none";
}

static void
test_supported_methods(struct regress_env *env)
{
	const char *const *want = regress_built_backends();
	const char **m = event_get_supported_methods();
	int i, found = 0;

	tt_assert(m != NULL);
	/* The environment disables all other backends here, yet they are
	 * still listed: the list is what the library was built with, in the
	 * order of preference. */
	for (i = 0; want[i] != NULL; i++) {
		tt_str_op(m[i], ==, want[i]);
		if (strcmp(m[i], env->backend) == 0)
			found = 1;
	}
	tt_ptr_op(m[i], ==, NULL);
	tt_int_op(found, ==, 1);
}

/* The backend a config picks, or "none". */
static const char *
picked(struct event_config *cfg, char *buf, size_t len)
{
	struct event_base *b = event_base_new_with_config(cfg);

	if (b == NULL)
		return "none";
	evutil_snprintf(buf, len, "%s", event_base_get_method(b));
	event_base_free(b);
	return buf;
}

static void
test_config_avoid(struct regress_env *env)
{
	const char *const *built = regress_built_backends();
	struct event_config *cfg = event_config_new();
	char buf[32], upper[32];
	size_t i;

	tt_assert(cfg != NULL);
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, env->backend);
	/* Only the backend under test is enabled: avoiding it leaves none. */
	tt_int_op(event_config_avoid_method(cfg, env->backend), ==, 0);
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, "none");
	/* Ignoring the environment makes the others available again. */
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), ==,
	    0);
#ifdef _WIN32
	/* (Windows has no other.) */
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, "none");
	event_config_free(cfg);
	cfg = event_config_new();
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), ==,
	    0);
	tt_int_op(event_config_avoid_method(cfg, "WIN32"), ==, 0);
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, "win32");
	event_config_free(cfg);
	tt_int_op(event_config_avoid_method(NULL, "win32"), ==, -1);
	return;
#endif
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==,
	    first_backend(0, env->backend));
	for (i = 0; built[i] != NULL; i++)
		tt_int_op(event_config_avoid_method(cfg, built[i]), ==, 0);
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, "none");
	event_config_free(cfg);
	/* Names are matched exactly. */
	for (i = 0; built[0][i] != '\0' && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)built[0][i]);
	upper[i] = '\0';
	cfg = event_config_new();
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), ==,
	    0);
	tt_int_op(event_config_avoid_method(cfg, upper), ==, 0);
	tt_str_op(picked(cfg, buf, sizeof(buf)), ==, built[0]);
	event_config_free(cfg);
	event_config_free(NULL);
	tt_int_op(event_config_avoid_method(NULL, built[0]), ==, -1);
}

static const char *
with_features(int features, char *buf, size_t len)
{
	struct event_config *cfg = event_config_new();
	const char *r;

	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), ==,
	    0);
	tt_int_op(event_config_require_features(cfg, features), ==, 0);
	r = picked(cfg, buf, len);
	event_config_free(cfg);
	return r;
}

/* Required features pick the first built backend that has them all. */
static void
test_config_features(struct regress_env *env)
{
	static const int sets[] = {
		EV_FEATURE_ET, EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
		EV_FEATURE_FDS, EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE,
		EV_FEATURE_O1 | EV_FEATURE_FDS,
		EV_FEATURE_ET | EV_FEATURE_FDS, 0
	};
	const char *first = regress_built_backends()[0];
	struct event_config *cfg;
	struct event_base *b;
	char buf[32];
	size_t i;

	(void)env;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		tt_str_op(with_features(sets[i], buf, sizeof(buf)), ==,
		    first_backend(sets[i], NULL));
	/* No backend is both edge-triggered and good for regular files. */
	tt_str_op(first_backend(EV_FEATURE_ET | EV_FEATURE_FDS, NULL), ==,
	    "none");
	tt_int_op(event_config_require_features(NULL, 0), ==, -1);

	/* Ignoring the environment, the first choice is the first built. */
	cfg = event_config_new();
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), ==,
	    0);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, first);
	tt_int_op(event_base_get_features(b), ==, backend_features(first));
	event_base_free(b);
}

static void
test_features_per_backend(struct regress_env *env)
{
	struct event_base *b = base_2x(env);

	tt_int_op(event_base_get_features(b), ==,
	    backend_features(env->backend));
	event_base_free(b);
}

/* Every flag is accepted; the hint and the limits are kept. */
static void
test_config_flags(struct regress_env *env)
{
	struct event_config *cfg = event_config_new();
	struct timeval tv = { 0, 5000 };
	struct event_base *b;

	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK |
	    EVENT_BASE_FLAG_STARTUP_IOCP | EVENT_BASE_FLAG_NO_CACHE_TIME |
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST |
	    EVENT_BASE_FLAG_PRECISE_TIMER), ==, 0);
	tt_int_op(event_config_set_num_cpus_hint(cfg, 4), ==, 0);
	tt_int_op(event_config_set_max_dispatch_interval(cfg, &tv, 10, 0), ==,
	    0);
	tt_int_op(event_config_set_flag(NULL, 0), ==, -1);
	tt_int_op(event_config_set_num_cpus_hint(NULL, 4), ==, -1);
	tt_int_op(event_config_set_max_dispatch_interval(NULL, NULL, 0, 0), ==,
	    -1);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);		/* the base does not need it */
	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	ncalls = 0;
	tt_int_op(event_base_once(b, -1, EV_TIMEOUT, count_cb, NULL, NULL),
	    ==, 0);
	tt_int_op(event_base_dispatch(b), ==, 1);
	tt_int_op(ncalls, ==, 1);
	event_base_free(b);
}

/* ------------------------------------------------------------------ */
/* Setting events up */

static void
test_new_assign(struct regress_env *env)
{
	struct event_base *b = base_2x(env), *bo = NULL;
	struct event *ev, sev;
	evutil_socket_t fd = -2;
	short events = 0;
	event_callback_fn cb = NULL;
	void *arg = NULL;

	ev = event_new(b, 7, EV_READ | EV_PERSIST, count_cb, &ncalls);
	tt_assert(ev != NULL);
	tt_int_op(event_initialized(ev), !=, 0);
	tt_int_op(event_get_fd(ev), ==, 7);
	tt_ptr_op(event_get_base(ev), ==, b);
	tt_int_op(event_get_events(ev), ==, EV_READ | EV_PERSIST);
	tt_assert(event_get_callback(ev) == count_cb);
	tt_ptr_op(event_get_callback_arg(ev), ==, &ncalls);
	tt_int_op(event_get_priority(ev), ==, 0);
	event_get_assignment(ev, &bo, &fd, &events, &cb, &arg);
	tt_ptr_op(bo, ==, b);
	tt_int_op(fd, ==, 7);
	tt_int_op(events, ==, EV_READ | EV_PERSIST);
	tt_assert(cb == count_cb);
	tt_ptr_op(arg, ==, &ncalls);
	event_get_assignment(ev, NULL, NULL, NULL, NULL, NULL);
	event_free(ev);
	event_free(NULL);

	/* The caller's own struct, and the event as its own argument. */
	tt_uint_op(event_get_struct_event_size(), ==, sizeof(struct event));
	tt_int_op(event_assign(&sev, b, -1, 0, count_cb, event_self_cbarg()),
	    ==, 0);
	tt_ptr_op(event_get_callback_arg(&sev), ==, &sev);
	tt_int_op(event_get_signal(&sev), ==, -1);
	evsignal_assign(&sev, b, SIGUSR1, count_cb, NULL);
	tt_int_op(event_get_signal(&sev), ==, SIGUSR1);
	tt_int_op(event_get_events(&sev), ==, EV_SIGNAL | EV_PERSIST);
	tt_int_op(evsignal_initialized(&sev), !=, 0);
	event_debug_unassign(&sev);
	tt_int_op(event_initialized(&sev), ==, 0);

	/* A signal cannot be an fd too. */
	tt_int_op(event_assign(&sev, b, SIGUSR1, EV_SIGNAL | EV_READ, count_cb,
	    NULL), ==, -1);
	tt_ptr_op(event_new(b, SIGUSR1, EV_SIGNAL | EV_CLOSED, count_cb, NULL),
	    ==, NULL);
	tt_int_op(event_assign(NULL, b, -1, 0, count_cb, NULL), ==, -1);
	event_base_free(b);
}

/* A NULL base means event_init()'s, like event_set(). */
static void
test_assign_current_base(struct regress_env *env)
{
	struct event ev;
	struct timeval tv = { 0, 1000 };

	tt_int_op(event_assign(&ev, NULL, -1, 0, count_cb, NULL), ==, 0);
	tt_ptr_op(event_get_base(&ev), ==, env->base);
	tt_int_op(event_base_get_npriorities(NULL), ==, 1);
	tt_int_op(event_priority_init(3), ==, 0);
	tt_int_op(event_base_get_npriorities(env->base), ==, 3);
	tt_int_op(event_assign(&ev, NULL, -1, 0, count_cb, NULL), ==, 0);
	tt_int_op(event_get_priority(&ev), ==, 1);
	tt_int_op(event_priority_set(&ev, 2), ==, 0);
	tt_int_op(event_get_priority(&ev), ==, 2);
	ncalls = 0;
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	tt_int_op(evtimer_pending(&ev, NULL), !=, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(evtimer_initialized(&ev), !=, 0);
}

/* event_base_set() moves a 2.x event to another base, like a 1.4 one. */
static void
test_base_set(struct regress_env *env)
{
	struct event_base *b1 = base_2x(env), *b2 = base_2x(env);
	struct event *ev = evtimer_new(b1, count_cb, NULL);
	struct timeval tv = { 0, 0 };

	tt_int_op(event_base_priority_init(b2, 5), ==, 0);
	tt_int_op(event_base_set(b2, ev), ==, 0);
	tt_ptr_op(event_get_base(ev), ==, b2);
	tt_int_op(event_get_priority(ev), ==, 2);
	tt_int_op(evtimer_add(ev, &tv), ==, 0);
	tt_int_op(event_base_set(b1, ev), ==, -1);	/* pending */
	ncalls = 0;
	tt_int_op(event_base_loop(b1, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 0);
	tt_int_op(event_base_loop(b2, 0), ==, 1);
	tt_int_op(ncalls, ==, 1);
	event_free(ev);
	event_base_free(b1);
	event_base_free(b2);
}

/* ------------------------------------------------------------------ */
/* 2.x and 1.4 semantics side by side */

/* Deadline of ev's armed timeout in ms (wall clock), or -1. */
static double
deadline_ms(struct event *ev)
{
	struct timeval tv;

	if (!event_pending(ev, EV_TIMEOUT, &tv))
		return -1;
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static double seen_deadline[2];
static struct event *dl_ev[2];		/* [0] the 1.4 event, [1] the 2.x one */

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;

	(void)fd;
	(void)what;
	seen_deadline[ev == dl_ev[1]] = deadline_ms(ev);
}

/*
 * An EV_PERSIST I/O event with a timeout: activity re-arms the timeout of
 * a 2.x event (event_new) and leaves a 1.4 event's deadline alone
 * (event_set), both on one base and one fd.
 */
static void
test_persist_rearm_io(struct regress_env *env)
{
	struct event ev14, *ev2;
	struct timeval tv = { 10, 0 };
	double d14, d2;
	int p[2];

	regress_socketpair(p);
	event_set(&ev14, p[0], EV_READ | EV_PERSIST, deadline_cb, &ev14);
	tt_int_op(event_base_set(env->base, &ev14), ==, 0);
	ev2 = event_new(env->base, p[0], EV_READ | EV_PERSIST, deadline_cb,
	    event_self_cbarg());
	dl_ev[0] = &ev14;
	dl_ev[1] = ev2;
	tt_int_op(event_add(&ev14, &tv), ==, 0);
	tt_int_op(event_add(ev2, &tv), ==, 0);
	d14 = deadline_ms(&ev14);
	d2 = deadline_ms(ev2);
	tt_assert(d14 > 0 && d2 > 0);
	usleep(60000);
	tt_int_op(write(p[1], "x", 1), ==, 1);
	seen_deadline[0] = seen_deadline[1] = 0;
	tt_int_op(event_base_loop(env->base, EVLOOP_ONCE), ==, 0);
	/* Inside the callbacks: the 2.x deadline moved by the time waited,
	 * the 1.4 one did not move at all. */
	tt_assert(seen_deadline[0] > 0 && seen_deadline[1] > 0);
	tt_assert(seen_deadline[0] - d14 < 5);
	tt_assert(seen_deadline[1] - d2 >= 50);
	tt_assert(seen_deadline[1] - d2 < 60 + 1000 * regress_slowdown());
	event_del(&ev14);
	event_free(ev2);
	close(p[0]);
	close(p[1]);
}

static int ticks, tick_v2;

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;

	(void)fd;
	tt_int_op(what, ==, EV_TIMEOUT);
	ticks++;
	/* A 2.x persistent timer is re-armed before its callback runs. */
	if (tick_v2)
		tt_int_op(event_pending(ev, EV_TIMEOUT, NULL), ==, EV_TIMEOUT);
	else
		tt_int_op(event_pending(ev, EV_TIMEOUT, NULL), ==, 0);
	if (ticks == 3)
		event_del(ev);
}

/* A 2.x persistent timer repeats; a 1.4 one fires once and is gone. */
static void
test_persist_timer(struct regress_env *env)
{
	struct event *ev2, ev14;
	struct timeval tv = { 0, 20000 };
	double t0 = regress_now(), ms;

	ev2 = event_new(env->base, -1, EV_PERSIST, tick_cb, event_self_cbarg());
	ticks = 0;
	tick_v2 = 1;
	tt_int_op(event_add(ev2, &tv), ==, 0);
	tt_int_op(event_base_dispatch(env->base), ==, 1);
	ms = elapsed_ms(t0);
	tt_int_op(ticks, ==, 3);
	tt_assert(ms >= 59);
	tt_assert(ms < 60 + 2000 * regress_slowdown());
	event_free(ev2);

	event_set(&ev14, -1, EV_PERSIST, tick_cb, &ev14);
	ticks = 0;
	tick_v2 = 0;
	tt_int_op(event_add(&ev14, &tv), ==, 0);
	tt_int_op(event_base_dispatch(env->base), ==, 1);
	tt_int_op(ticks, ==, 1);
}

/* libevent 2.1 keeps a persistent event's interval across event_del();
 * event_remove_timer() forgets it. */
static void
test_persist_interval_kept(struct regress_env *env)
{
	struct event *ev;
	struct timeval tv = { 5, 0 };
	int p[2];

	regress_socketpair(p);
	ev = event_new(env->base, p[0], EV_READ | EV_PERSIST, count_cb, NULL);
	tt_int_op(event_add(ev, &tv), ==, 0);
	tt_int_op(event_del(ev), ==, 0);
	tt_int_op(event_add(ev, NULL), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT | EV_READ, NULL), ==, EV_READ);
	event_active(ev, EV_READ, 1);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT | EV_READ, NULL), ==,
	    EV_TIMEOUT | EV_READ);

	tt_int_op(event_remove_timer(ev), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT | EV_READ, NULL), ==, EV_READ);
	tt_int_op(event_remove_timer(ev), ==, 0);
	event_active(ev, EV_READ, 1);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_pending(ev, EV_TIMEOUT | EV_READ, NULL), ==, EV_READ);
	tt_int_op(event_remove_timer(NULL), ==, -1);
	event_free(ev);
	close(p[0]);
	close(p[1]);
}

/* event_active()'s ncalls: 1.4 events always, 2.x events signals only. */
static void
test_active_ncalls(struct regress_env *env)
{
	struct event ev14, *ev2, *sig2;

	evtimer_set(&ev14, count_cb, NULL);
	tt_int_op(event_base_set(env->base, &ev14), ==, 0);
	ev2 = evtimer_new(env->base, count_cb, NULL);
	sig2 = evsignal_new(env->base, SIGUSR2, count_cb, NULL);

	ncalls = 0;
	event_active(&ev14, EV_TIMEOUT, 3);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 3);
	ncalls = 0;
	event_active(ev2, EV_TIMEOUT, 3);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 1);
	ncalls = 0;
	event_active(sig2, EV_SIGNAL, 3);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 3);
	tt_int_op(last_what, ==, EV_SIGNAL);
	event_free(ev2);
	event_free(sig2);
}

static struct event *urgent;

static void
wake_urgent_cb(evutil_socket_t fd, short what, void *arg)
{
	order_cb(fd, what, arg);
	if ((intptr_t)arg == 1)
		event_active(urgent, EV_TIMEOUT, 1);
}

/*
 * A callback activates a more urgent event: a 2.x one runs before the
 * rest of the current level (the loop polls again), a 1.4 one waits
 * until the level is empty, as in 1.4.
 */
static void
test_urgent_activation(struct regress_env *env)
{
	struct event *low[3], ev14;
	int i, v2;

	tt_int_op(event_base_priority_init(env->base, 2), ==, 0);
	for (v2 = 0; v2 < 2; v2++) {
		struct event *u2 = NULL;
		if (v2) {
			u2 = evtimer_new(env->base, order_cb, (void *)100L);
			urgent = u2;
		} else {
			evtimer_set(&ev14, order_cb, (void *)100L);
			tt_int_op(event_base_set(env->base, &ev14), ==, 0);
			urgent = &ev14;
		}
		tt_int_op(event_priority_set(urgent, 0), ==, 0);
		norder = 0;
		for (i = 0; i < 3; i++) {
			low[i] = evtimer_new(env->base, wake_urgent_cb,
			    (void *)(intptr_t)(i + 1));
			tt_int_op(event_priority_set(low[i], 1), ==, 0);
			event_active(low[i], EV_TIMEOUT, 1);
		}
		tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
		tt_int_op(norder, ==, 4);
		if (v2) {
			tt_int_op(order[0], ==, 1);
			tt_int_op(order[1], ==, 100);
			tt_int_op(order[2], ==, 2);
			tt_int_op(order[3], ==, 3);
		} else {
			tt_int_op(order[0], ==, 1);
			tt_int_op(order[1], ==, 2);
			tt_int_op(order[2], ==, 3);
			tt_int_op(order[3], ==, 100);
		}
		for (i = 0; i < 3; i++)
			event_free(low[i]);
		event_free(u2);
	}
}

/* 1.4 and 2.x events, loops and calls mixed on one base. */
static void
test_mixed_base(struct regress_env *env)
{
	struct event ev14, ev2s, *ev2;
	struct timeval tv = { 0, 1000 };
	int p[2];

	regress_socketpair(p);
	/* A 1.4 timer, a 2.x read event on a pair, a 2.x event in the
	 * program's own struct, an event_base_once(), all on current_base. */
	evtimer_set(&ev14, order_cb, (void *)1L);
	tt_int_op(evtimer_add(&ev14, &tv), ==, 0);
	ev2 = event_new(env->base, p[0], EV_READ, order_cb, (void *)2L);
	tt_int_op(event_add(ev2, NULL), ==, 0);
	tt_int_op(evtimer_assign(&ev2s, env->base, order_cb, (void *)3L), ==,
	    0);
	tt_int_op(evtimer_add(&ev2s, &tv), ==, 0);
	tt_int_op(event_once(-1, EV_TIMEOUT, order_cb, (void *)4L, &tv), ==, 0);
	tt_int_op(write(p[1], "x", 1), ==, 1);
	norder = 0;
	/* The 1.4 loop call runs them all, 2.x events included. */
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(norder, ==, 4);
	tt_str_op(event_get_method(), ==, env->backend);
	tt_str_op(event_base_get_method(env->base), ==, env->backend);
	event_free(ev2);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------------ */
/* Loop control */

static struct event_base *cur_base;
static int wake_fd = -1;
static int use_continue;

static void
continue_cb(evutil_socket_t fd, short what, void *arg)
{
	order_cb(fd, what, arg);
	if ((intptr_t)arg == 1) {
		/* Make the urgent read event ready, then (maybe) ask the loop
		 * to poll before the rest of this level. */
		tt_int_op(write(wake_fd, "x", 1), ==, 1);
		if (use_continue)
			tt_int_op(event_base_loopcontinue(cur_base), ==, 0);
	}
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	tt_int_op(read(fd, &c, 1), ==, 1);
	order_cb(fd, what, arg);
}

/* loopcontinue: the loop polls for new events before the rest. */
static void
test_loopcontinue(struct regress_env *env)
{
	struct event *hi, *low[3];
	int p[2], i;

	regress_socketpair(p);
	cur_base = base_2x(env);
	wake_fd = p[1];
	tt_int_op(event_base_priority_init(cur_base, 2), ==, 0);
	hi = event_new(cur_base, p[0], EV_READ | EV_PERSIST, drain_cb,
	    (void *)100L);
	tt_int_op(event_priority_set(hi, 0), ==, 0);
	tt_int_op(event_add(hi, NULL), ==, 0);
	for (use_continue = 0; use_continue < 2; use_continue++) {
		norder = 0;
		for (i = 0; i < 3; i++) {
			low[i] = evtimer_new(cur_base, continue_cb,
			    (void *)(intptr_t)(i + 1));
			tt_int_op(event_priority_set(low[i], 1), ==, 0);
			event_active(low[i], EV_TIMEOUT, 1);
		}
		while (norder < 4)
			tt_int_op(event_base_loop(cur_base, EVLOOP_ONCE), ==,
			    0);
		tt_int_op(order[0], ==, 1);
		tt_int_op(order[1], ==, use_continue ? 100 : 2);
		tt_int_op(order[3], ==, use_continue ? 3 : 100);
		for (i = 0; i < 3; i++)
			event_free(low[i]);
	}
	/* Outside a loop it changes nothing. */
	tt_int_op(event_base_loopcontinue(cur_base), ==, 0);
	tt_int_op(event_base_loopcontinue(NULL), ==, -1);
	event_free(hi);
	event_base_free(cur_base);
	cur_base = NULL;
	close(p[0]);
	close(p[1]);
}

static void
break_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ncalls++;
	tt_int_op(event_base_got_break(arg), ==, 0);
	tt_int_op(event_base_loopbreak(arg), ==, 0);
	tt_int_op(event_base_got_break(arg), ==, 1);
}

static void
test_got_exit_break(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 0, 2000 };
	struct event *ev;

	tt_int_op(event_base_got_exit(b), ==, 0);
	tt_int_op(event_base_got_break(b), ==, 0);
	tt_int_op(event_base_loopexit(b, &tv), ==, 0);
	tt_int_op(event_base_got_exit(b), ==, 0);	/* not yet */
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	tt_int_op(event_base_got_exit(b), ==, 1);
	tt_int_op(event_base_got_break(b), ==, 0);

	ev = event_new(b, -1, EV_PERSIST, break_cb, b);
	tv.tv_usec = 0;
	tt_int_op(event_add(ev, &tv), ==, 0);
	ncalls = 0;
	tt_int_op(event_base_dispatch(b), ==, 0);
	tt_int_op(ncalls, ==, 1);
	tt_int_op(event_base_got_break(b), ==, 1);
	tt_int_op(event_base_got_exit(b), ==, 0);	/* cleared on entry */
	event_free(ev);
	tt_int_op(event_base_got_exit(NULL), ==, 0);
	tt_int_op(event_base_got_break(NULL), ==, 0);
	event_base_free(b);
}

/* EVLOOP_NO_EXIT_ON_EMPTY: the loop waits with nothing pending. */
static void
test_no_exit_on_empty(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 0, 30000 };
	double t0;

	tt_int_op(event_base_loop(b, 0), ==, 1);
	tt_int_op(event_base_loopexit(b, &tv), ==, 0);
	t0 = regress_now();
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	tt_assert(elapsed_ms(t0) >= 29);
	tt_assert(elapsed_ms(t0) < 30 + 2000 * regress_slowdown());
	event_base_free(b);
}

static struct event *expect_running;

static void
running_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tt_ptr_op(event_base_get_running_event(arg), ==, expect_running);
	ncalls++;
}

static void
test_running_event(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event *e1, *e2;

	tt_ptr_op(event_base_get_running_event(b), ==, NULL);
	tt_ptr_op(event_base_get_running_event(NULL), ==, NULL);
	e1 = evtimer_new(b, running_cb, b);
	e2 = evtimer_new(b, running_cb, b);
	ncalls = 0;
	expect_running = e1;
	event_active(e1, EV_TIMEOUT, 1);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	expect_running = e2;
	event_active(e2, EV_TIMEOUT, 1);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(ncalls, ==, 2);
	tt_ptr_op(event_base_get_running_event(b), ==, NULL);
	event_free(e1);
	event_free(e2);
	event_base_free(b);
}

/* event_base_once() with the 2.x flags. */
static void
test_base_once(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 0, 5000 };
	int p[2];

	regress_socketpair(p);
	norder = 0;
	tt_int_op(event_base_once(b, -1, EV_TIMEOUT, order_cb, (void *)1L,
	    &tv), ==, 0);
	tt_int_op(event_base_once(b, p[0], EV_READ | EV_TIMEOUT, order_cb,
	    (void *)2L, NULL), ==, 0);
	tt_int_op(event_base_once(b, -1, EV_SIGNAL, order_cb, NULL, NULL), ==,
	    -1);
	tt_int_op(event_base_once(b, -1, 0, order_cb, NULL, NULL), ==, -1);
	tt_int_op(event_base_once(NULL, -1, EV_TIMEOUT, order_cb, NULL, NULL),
	    ==, -1);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 2);
	tt_int_op(write(p[1], "x", 1), ==, 1);
	tt_int_op(event_base_dispatch(b), ==, 1);
	tt_int_op(norder, ==, 2);
	tt_int_op(order[0], ==, 2);
	tt_int_op(order[1], ==, 1);
	/* Records of calls that never ran go with the base. */
	tt_int_op(event_base_once(b, p[0], EV_WRITE | EV_PERSIST, order_cb,
	    NULL, NULL), ==, 0);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------------ */
/* Introspection */

struct seen {
	const struct event *ev[16];
	int n, stop_at;
};

static int
foreach_cb(const struct event_base *b, const struct event *ev, void *arg)
{
	struct seen *s = arg;

	(void)b;
	if (s->n < 16)
		s->ev[s->n] = ev;
	s->n++;
	return s->n == s->stop_at ? 42 : 0;
}

static int
seen_has(const struct seen *s, const struct event *ev)
{
	int i, k = 0;

	for (i = 0; i < s->n && i < 16; i++)
		if (s->ev[i] == ev)
			k++;
	return k;
}

/* Four kinds of events on one base: I/O + timeout, signal, timer only,
 * active only.  Each is visited once, and shows in the dump. */
static void
test_foreach_dump(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event *io, *sig, *tm, *act;
	struct timeval tv = { 10, 0 };
	struct seen s;
	char text[4096], sigtext[64];
	FILE *f;
	size_t n;
	int p[2], sig_pipe = strcmp(env->backend, "kqueue") != 0;

	regress_socketpair(p);
	io = event_new(b, p[0], EV_READ | EV_PERSIST, count_cb, NULL);
	sig = evsignal_new(b, SIGUSR1, count_cb, NULL);
	tm = evtimer_new(b, count_cb, NULL);
	act = evtimer_new(b, count_cb, NULL);
	tt_int_op(event_add(io, &tv), ==, 0);
	tt_int_op(event_add(sig, NULL), ==, 0);
	tt_int_op(event_add(tm, &tv), ==, 0);
	event_active(act, EV_TIMEOUT, 1);

	memset(&s, 0, sizeof(s));
	tt_int_op(event_base_foreach_event(b, foreach_cb, &s), ==, 0);
	tt_int_op(seen_has(&s, io), ==, 1);
	tt_int_op(seen_has(&s, sig), ==, 1);
	tt_int_op(seen_has(&s, tm), ==, 1);
	tt_int_op(seen_has(&s, act), ==, 1);
	/* The signal pipe's own event is visited too, as in libevent 2.1
	 * (kqueue has none: the kernel counts signals). */
	tt_int_op(s.n, ==, 4 + sig_pipe);
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	tt_int_op(event_base_foreach_event(b, foreach_cb, &s), ==, 42);
	tt_int_op(s.n, ==, 2);
	tt_int_op(event_base_foreach_event(NULL, foreach_cb, &s), ==, -1);

	f = tmpfile();
	tt_assert(f != NULL);
	event_base_dump_events(b, f);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	tt_assert(strstr(text, "Inserted events:\n") != NULL);
	tt_assert(strstr(text, "Active events:\n") != NULL);
	tt_assert(strstr(text, " Read Persist Timeout=") != NULL);
	evutil_snprintf(sigtext, sizeof(sigtext), "[sig %d] Signal Persist",
	    SIGUSR1);
	tt_assert(strstr(text, sigtext) != NULL);
	tt_assert((strstr(text, " Internal") != NULL) == sig_pipe);
	tt_assert(strstr(text, "priority=0] Timeout active") != NULL);
	event_base_dump_events(NULL, stdout);
	event_free(io);
	event_free(sig);
	event_free(tm);
	event_free(act);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

static void
test_num_events(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval tv = { 5, 0 };
	struct event *e;
	int p[2];

	regress_socketpair(p);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 0);
	e = event_new(b, p[0], EV_READ | EV_PERSIST, count_cb, NULL);
	tt_int_op(event_add(e, &tv), ==, 0);
	/* One registration and one timeout. */
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 2);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE), ==, 0);
	event_active(e, EV_READ, 1);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 3);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE), ==, 1);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_VIRTUAL), ==,
	    0);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE |
	    EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_VIRTUAL), ==, 4);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_del(e), ==, 0);
	tt_int_op(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), ==, 0);
	tt_int_op(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED, 0), ==,
	    2);
	tt_int_op(event_base_get_max_events(b, EVENT_BASE_COUNT_ACTIVE, 0), ==,
	    1);
	tt_int_op(event_base_get_max_events(b, EVENT_BASE_COUNT_ACTIVE |
	    EVENT_BASE_COUNT_ADDED, 1), ==, 3);
	tt_int_op(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED, 0), ==,
	    0);
	tt_int_op(event_base_get_num_events(NULL, 7), ==, 0);
	event_free(e);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

static void
test_active_by_fd_signal(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event *rd, *wr, *sig, *tm;
	struct timeval tv = { 10, 0 };
	int p[2];

	regress_socketpair(p);
	rd = event_new(b, p[0], EV_READ, order_cb, (void *)1L);
	wr = event_new(b, p[0], EV_WRITE | EV_PERSIST, order_cb, (void *)2L);
	sig = evsignal_new(b, SIGUSR2, order_cb, (void *)3L);
	tm = event_new(b, p[0], 0, order_cb, (void *)4L);
	tt_int_op(event_add(rd, &tv), ==, 0);
	tt_int_op(event_add(wr, NULL), ==, 0);
	tt_int_op(event_add(sig, NULL), ==, 0);
	tt_int_op(event_add(tm, &tv), ==, 0);
	/* p[0] is writable anyway: take wr out of the way first. */
	tt_int_op(event_del(wr), ==, 0);

	norder = 0;
	event_base_active_by_fd(b, p[0], EV_READ);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(norder, ==, 1);
	tt_int_op(order[0], ==, 1);

	/* EV_TIMEOUT: the armed timeouts of events on the fd, nothing else. */
	tt_int_op(event_add(rd, &tv), ==, 0);
	norder = 0;
	event_base_active_by_fd(b, p[0], EV_TIMEOUT | EV_READ);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(norder, ==, 2);
	tt_int_op(order[0] + order[1], ==, 1 + 4);

	norder = 0;
	event_base_active_by_signal(b, SIGUSR2);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(norder, ==, 1);
	tt_int_op(order[0], ==, 3);
	event_base_active_by_fd(NULL, p[0], EV_READ);
	event_base_active_by_fd(b, -1, EV_READ);
	event_base_active_by_signal(b, 0);
	event_base_active_by_signal(b, 100000);
	event_free(rd);
	event_free(wr);
	event_free(sig);
	event_free(tm);
	event_base_free(b);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------------ */
/* Common timeouts and time */

static void
test_common_timeout(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct timeval d = { 0, 20000 }, d2 = { 1, 1000001 }, x;
	const struct timeval *c, *c2;
	struct event *e[3];
	double t0, ms;
	int i;

	c = event_base_init_common_timeout(b, &d);
	tt_assert(c != NULL);
	tt_int_op(c->tv_sec, ==, 0);
	tt_int_op((unsigned long)c->tv_usec & 0xf0000000UL, ==, 0x50000000UL);
	tt_int_op(c->tv_usec & 0xfffff, ==, 20000);
	tt_ptr_op(event_base_init_common_timeout(b, &d), ==, c);
	tt_ptr_op(event_base_init_common_timeout(b, c), ==, c);
	c2 = event_base_init_common_timeout(b, &d2);	/* normalized */
	tt_assert(c2 != NULL && c2 != c);
	tt_int_op(c2->tv_sec, ==, 2);
	tt_int_op(c2->tv_usec & 0xfffff, ==, 1);
	tt_int_op((c2->tv_usec >> 20) & 0xff, ==, 1);
	for (i = 0; i < 254; i++) {
		x.tv_sec = 3;
		x.tv_usec = i;
		tt_assert(event_base_init_common_timeout(b, &x) != NULL);
	}
	x.tv_usec = 999;
	tt_ptr_op(event_base_init_common_timeout(b, &x), ==, NULL);
	tt_ptr_op(event_base_init_common_timeout(NULL, &d), ==, NULL);

	/* Events added with it wait for its duration. */
	ncalls = 0;
	for (i = 0; i < 3; i++) {
		e[i] = evtimer_new(b, count_cb, NULL);
		tt_int_op(evtimer_add(e[i], c), ==, 0);
		tt_int_op(evtimer_pending(e[i], NULL), ==, EV_TIMEOUT);
	}
	t0 = regress_now();
	tt_int_op(event_base_dispatch(b), ==, 1);
	ms = elapsed_ms(t0);
	tt_int_op(ncalls, ==, 3);
	tt_assert(ms >= 19);
	tt_assert(ms < 20 + 2000 * regress_slowdown());
	for (i = 0; i < 3; i++)
		event_free(e[i]);
	event_base_free(b);
}

static int cache_same, cache_moved;

static void
cached_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *b = arg;
	struct timeval a, c;

	(void)fd;
	(void)what;
	tt_int_op(event_base_gettimeofday_cached(b, &a), ==, 0);
	usleep(3000);
	tt_int_op(event_base_gettimeofday_cached(b, &c), ==, 0);
	cache_same = a.tv_sec == c.tv_sec && a.tv_usec == c.tv_usec;
	tt_int_op(event_base_update_cache_time(b), ==, 0);
	tt_int_op(event_base_gettimeofday_cached(b, &c), ==, 0);
	cache_moved = (c.tv_sec - a.tv_sec) * 1000000 + c.tv_usec - a.tv_usec;
}

static void
run_cached(struct event_base *b)
{
	struct event *ev = evtimer_new(b, cached_cb, b);

	event_active(ev, EV_TIMEOUT, 1);
	/* After the callback nothing is pending: 1. */
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 1);
	event_free(ev);
}

static void
test_cached_time(struct regress_env *env)
{
	struct event_base *b = base_2x(env);
	struct event_config *cfg;
	struct timeval a, m1, m2, now;

	/* Outside the loop: the time now. */
	tt_int_op(event_base_gettimeofday_cached(b, &a), ==, 0);
	gettimeofday(&now, NULL);
	tt_assert(now.tv_sec - a.tv_sec <= 1);
	tt_int_op(event_base_gettimeofday_cached(b, NULL), ==, -1);
	tt_int_op(event_base_update_cache_time(b), ==, 0);

	run_cached(b);
	tt_int_op(cache_same, ==, 1);
	tt_assert(cache_moved >= 2500);
	event_base_free(b);

	cfg = event_config_new();
	tt_int_op(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME), ==,
	    0);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	run_cached(b);
	tt_int_op(cache_same, ==, 0);

	tt_int_op(event_gettime_monotonic(b, &m1), ==, 0);
	usleep(2000);
	tt_int_op(event_gettime_monotonic(b, &m2), ==, 0);
	tt_assert((m2.tv_sec - m1.tv_sec) * 1000000 + m2.tv_usec - m1.tv_usec
	    >= 1500);
	tt_int_op(event_gettime_monotonic(NULL, &m1), ==, -1);
	tt_int_op(event_gettime_monotonic(b, NULL), ==, -1);
	event_base_free(b);
}

/* The 1.x calls of event2/event_compat.h, and evutil_vsnprintf. */
static int
vfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = evutil_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return r;
}

static void
test_compat_calls(struct regress_env *env)
{
	struct timeval tv = { 0, 2000 };
	struct event ev;
	char buf[8];

	(void)env;
	evtimer_set(&ev, order_cb, (void *)1L);
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	tt_int_op(event_loopexit(&tv), ==, 0);
	norder = 0;
	tt_int_op(event_loop(0), ==, 0);
	tt_int_op(norder, ==, 1);
	tt_int_op(event_loopbreak(), ==, 0);
	tt_int_op(evtimer_add(&ev, &tv), ==, 0);
	tt_int_op(event_loop(0), ==, 0);	/* broken at once */
	tt_int_op(evtimer_pending(&ev, NULL), ==, EV_TIMEOUT);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(norder, ==, 2);
	tt_int_op(vfmt(buf, sizeof(buf), "%s-%d", "abcdef", 42), ==, 9);
	tt_str_op(buf, ==, "abcdef-");
}

struct regress_case regress_event2_cases[] = {
	{ "event2/version", test_version, RT_ONCE, NULL },
	{ "event2/supported_methods", test_supported_methods, 0, NULL },
	{ "event2/config_avoid", test_config_avoid, 0, NULL },
	{ "event2/config_features", test_config_features, RT_ONCE, NULL },
	{ "event2/features", test_features_per_backend, 0, NULL },
	{ "event2/config_flags", test_config_flags, 0, NULL },
	{ "event2/new_assign", test_new_assign, 0, NULL },
	{ "event2/assign_current_base", test_assign_current_base, RT_BASE,
	    NULL },
	{ "event2/base_set", test_base_set, 0, NULL },
	{ "event2/persist_rearm_io", test_persist_rearm_io, RT_BASE, NULL },
	{ "event2/persist_timer", test_persist_timer, RT_BASE, NULL },
	{ "event2/persist_interval_kept", test_persist_interval_kept, RT_BASE,
	    NULL },
	{ "event2/active_ncalls", test_active_ncalls, RT_BASE, NULL },
	{ "event2/urgent_activation", test_urgent_activation, RT_BASE, NULL },
	{ "event2/mixed_base", test_mixed_base, RT_BASE, NULL },
	{ "event2/loopcontinue", test_loopcontinue, 0, NULL },
	{ "event2/got_exit_break", test_got_exit_break, 0, NULL },
	{ "event2/no_exit_on_empty", test_no_exit_on_empty, 0, NULL },
	{ "event2/running_event", test_running_event, 0, NULL },
	{ "event2/base_once", test_base_once, 0, NULL },
	{ "event2/foreach_dump", test_foreach_dump, 0, NULL },
	{ "event2/num_events", test_num_events, 0, NULL },
	{ "event2/active_by_fd_signal", test_active_by_fd_signal, 0, NULL },
	{ "event2/common_timeout", test_common_timeout, 0, NULL },
	{ "event2/cached_time", test_cached_time, 0, NULL },
	{ "event2/compat_calls", test_compat_calls, RT_BASE, NULL },
	RT_END
};
