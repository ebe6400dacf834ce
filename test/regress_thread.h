/*
 * regress_thread.h -- helpers of the thread cases (regress_event2_thread.c,
 * regress_event2_thread_buf.c): flags shared between threads, running a
 * function in another thread, a threaded base, and lock and condition
 * callbacks over pthread mutexes that count their calls.  Include it after
 * regress_event2.h, where HAVE_PTHREADS is defined.
 */
#ifndef REGRESS_THREAD_H
#define REGRESS_THREAD_H

#include "regress.h"

#ifdef HAVE_PTHREADS
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

/* Flags shared between threads. */
static inline void
set_flag(volatile int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static inline int
get_flag(volatile int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Wait (up to ~5 s, scaled) for *p to become v. */
static inline void
wait_flag(volatile int *p, int v)
{
	double limit = regress_now() + 5 * regress_slowdown();

	while (get_flag(p) != v) {
		if (regress_now() > limit)
			regress_fail(__FILE__, __LINE__, "flag never set");
		usleep(1000);
	}
}

/* A threaded base on the backend under test, with a safety exit. */
static inline struct event_base *
threaded_base(struct regress_env *env)
{
	struct event_base *b;
	struct timeval safety = { 8, 0 };

	tt_int_op(evthread_use_pthreads(), ==, 0);
	b = event_base_new();
	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	tt_int_op(event_base_loopexit(b, &safety), ==, 0);
	return b;
}

/* Run fn(arg) in a new thread, 'delay' ms from now. */
struct later {
	void (*fn)(void *);
	void *arg;
	int delay_ms;
	pthread_t thr;
};

static inline void *
later_main(void *p)
{
	struct later *l = p;

	usleep((useconds_t)l->delay_ms * 1000);
	l->fn(l->arg);
	return NULL;
}

static inline void
run_later(struct later *l, void (*fn)(void *), void *arg, int delay_ms)
{
	l->fn = fn;
	l->arg = arg;
	l->delay_ms = delay_ms;
	tt_int_op(pthread_create(&l->thr, NULL, later_main, l), ==, 0);
}

static inline void
join(struct later *l)
{
	tt_int_op(pthread_join(l->thr, NULL), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Counting lock and condition callbacks (recursive pthread mutexes) */

static long n_alloc, n_free, n_lock, n_unlock, n_id, n_cond_alloc;
static long n_cond_wait, bad_locktype;
static volatile int n_contended;	/* my_lock() found the lock taken */

static inline void *
my_alloc(unsigned locktype)
{
	pthread_mutexattr_t a;
	pthread_mutex_t *m = malloc(sizeof(*m));

	__atomic_add_fetch(&n_alloc, 1, __ATOMIC_SEQ_CST);
	if (!(locktype & EVTHREAD_LOCKTYPE_RECURSIVE))
		bad_locktype++;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return m;
}

static inline void
my_free(void *lock, unsigned locktype)
{
	(void)locktype;
	__atomic_add_fetch(&n_free, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_destroy(lock);
	free(lock);
}

static inline int
my_lock(unsigned mode, void *lock)
{
	__atomic_add_fetch(&n_lock, 1, __ATOMIC_SEQ_CST);
	if (pthread_mutex_trylock(lock) == 0)
		return 0;
	if (mode & EVTHREAD_TRY) {
		__atomic_sub_fetch(&n_lock, 1, __ATOMIC_SEQ_CST);
		return EBUSY;
	}
	/* Another thread holds it: a case can wait for this. */
	__atomic_add_fetch(&n_contended, 1, __ATOMIC_SEQ_CST);
	return pthread_mutex_lock(lock);
}

static inline int
my_unlock(unsigned mode, void *lock)
{
	(void)mode;
	__atomic_add_fetch(&n_unlock, 1, __ATOMIC_SEQ_CST);
	return pthread_mutex_unlock(lock);
}

static inline unsigned long
my_id(void)
{
	__atomic_add_fetch(&n_id, 1, __ATOMIC_SEQ_CST);
	return (unsigned long)pthread_self();
}

static inline void *
my_cond_alloc(unsigned t)
{
	pthread_cond_t *c = malloc(sizeof(*c));

	(void)t;
	n_cond_alloc++;
	pthread_cond_init(c, NULL);
	return c;
}

static inline void
my_cond_free(void *c)
{
	pthread_cond_destroy(c);
	free(c);
}

static inline int
my_cond_signal(void *c, int all)
{
	return all ? pthread_cond_broadcast(c) : pthread_cond_signal(c);
}

static inline int
my_cond_wait(void *c, void *lock, const struct timeval *tv)
{
	(void)tv;
	__atomic_add_fetch(&n_cond_wait, 1, __ATOMIC_SEQ_CST);
	return pthread_cond_wait(c, lock) == 0 ? 0 : -1;
}

static const struct evthread_lock_callbacks my_locks = {
	EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE,
	my_alloc, my_free, my_lock, my_unlock
};
static const struct evthread_condition_callbacks my_conds = {
	EVTHREAD_CONDITION_API_VERSION,
	my_cond_alloc, my_cond_free, my_cond_signal, my_cond_wait
};

#define THREAD_SKIP NULL
#else
/* Without threads every thread case is skipped, with this reason. */
#define THREAD_SKIP "built without POSIX threads (no libevent_pthreads)"
static inline void
test_no_threads(struct regress_env *env)
{
	(void)env;
}
#endif /* HAVE_PTHREADS */
#endif /* REGRESS_THREAD_H */
