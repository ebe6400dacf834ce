/*
 * regress_signal.c -- signal events: delivery and counts, order, the
 * restored handler, signals raised in callbacks or while one runs, the
 * receiving base, the legacy event_sigcb hook.  Case names stay core/...
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_core.h"

/* ------------------------------------------------------------------ */
/* Signals */

static void
test_signal_basic(struct regress_env *env)
{
	struct event a, b;
	int na = 0, nb = 0;

	(void)env;
	signal_set(&a, SIGUSR1, core_sig_count_cb, &na);
	signal_set(&b, SIGUSR1, core_sig_count_cb, &nb);
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
	signal_set(&a, SIGUSR1, core_sig_count_cb, &n);
	signal_set(&b, SIGUSR1, core_sig_count_cb, &n);
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
	signal_set(&s1, SIGUSR1, core_sig_count_cb, &n1);
	signal_set(&s2, SIGUSR2, core_sig_count_cb, &n2);
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
	signal_set(&a, SIGUSR1, core_sig_count_cb, &na);
	signal_set(&b, SIGUSR1, core_sig_count_cb, &nb);
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
	signal_set(&a, SIGUSR1, core_sig_count_cb, &na);
	signal_set(&b, SIGUSR1, core_sig_count_cb, &nb);
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
	evtimer_set(&b, core_count_cb, &n);
	event_active(&a, EV_TIMEOUT, 1);
	event_active(&b, EV_TIMEOUT, 1);
	event_sigcb = legacy_sigcb;
	errno = 0;
	tt_int_op(event_dispatch(), ==, -1);
	tt_int_op(errno, ==, EINTR);
	tt_int_op(sigcb_calls, ==, 1);
	tt_int_op(n, ==, 0);	/* the loop stopped after a's callback */
	event_sigcb = NULL;
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(n, ==, 1);
}

struct regress_case regress_signal_cases[] = {
	{ "core/signal_basic", test_signal_basic, RT_BASE, NULL },
	{ "core/signal_order_nonpersist", test_signal_order_nonpersist,
	  RT_BASE, NULL },
	{ "core/signal_restore", test_signal_restore, RT_BASE, NULL },
	{ "core/signal_raise_in_cb", test_signal_raise_in_cb, RT_BASE, NULL },
	{ "core/signal_while_busy", test_signal_while_busy, RT_BASE, NULL },
	{ "core/signal_switchbase", test_signal_switchbase, RT_BASE, NULL },
	{ "core/legacy_sigcb", test_legacy_sigcb, RT_BASE, NULL },
	RT_END
};
