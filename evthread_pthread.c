/*
 * evthread_pthread.c -- evthread_use_pthreads(): POSIX threads behind the
 * lock, condition and thread-id callbacks of <event2/thread.h>.  This is
 * the whole of libevent_pthreads; libevent_core does the rest.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#ifdef _WIN32
/* libtool defines DLL_EXPORT for our DLL, which makes mingw-w64's
 * <pthread.h> declare DLL imports; winpthreads is linked in statically
 * (configure.ac). */
#undef DLL_EXPORT
#endif
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "event2/thread.h"
#include "mm-internal.h"

static pthread_mutexattr_t attr_recursive;

static void *
pt_lock_alloc(unsigned locktype)
{
	pthread_mutex_t *m = mm_malloc(sizeof(*m));

	if (m == NULL)
		return NULL;
	if (pthread_mutex_init(m, (locktype & EVTHREAD_LOCKTYPE_RECURSIVE) ?
	    &attr_recursive : NULL) != 0) {
		mm_free(m);
		return NULL;
	}
	return m;
}

static void
pt_lock_free(void *lock, unsigned locktype)
{
	(void)locktype;
	pthread_mutex_destroy(lock);
	mm_free(lock);
}

static int
pt_lock(unsigned mode, void *lock)
{
	if (mode & EVTHREAD_TRY)
		return pthread_mutex_trylock(lock);
	return pthread_mutex_lock(lock);
}

static int
pt_unlock(unsigned mode, void *lock)
{
	(void)mode;
	return pthread_mutex_unlock(lock);
}

/* pthread_t as a number; it is an integer or a pointer on every system
 * we know, and only equality matters. */
static unsigned long
pt_id(void)
{
	union {
		pthread_t thr;
		unsigned long id;
	} u;

	memset(&u, 0, sizeof(u));
	u.thr = pthread_self();
	return u.id;
}

static void *
pt_cond_alloc(unsigned condtype)
{
	pthread_cond_t *c = mm_malloc(sizeof(*c));

	(void)condtype;
	if (c == NULL)
		return NULL;
	if (pthread_cond_init(c, NULL) != 0) {
		mm_free(c);
		return NULL;
	}
	return c;
}

static void
pt_cond_free(void *cond)
{
	pthread_cond_destroy(cond);
	mm_free(cond);
}

static int
pt_cond_signal(void *cond, int broadcast)
{
	int r = broadcast ? pthread_cond_broadcast(cond) :
	    pthread_cond_signal(cond);

	return r == 0 ? 0 : -1;
}

/* 0 when signalled, 1 on timeout, -1 on error. */
static int
pt_cond_wait(void *cond, void *lock, const struct timeval *tv)
{
	struct timespec ts;
	struct timeval now;
	int r;

	if (tv == NULL)
		return pthread_cond_wait(cond, lock) == 0 ? 0 : -1;
	gettimeofday(&now, NULL);
	ts.tv_sec = now.tv_sec + tv->tv_sec;
	ts.tv_nsec = (now.tv_usec + tv->tv_usec) * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	r = pthread_cond_timedwait(cond, lock, &ts);
	if (r == ETIMEDOUT)
		return 1;
	return r == 0 ? 0 : -1;
}

int
evthread_use_pthreads(void)
{
	static const struct evthread_lock_callbacks locks = {
		EVTHREAD_LOCK_API_VERSION,
		EVTHREAD_LOCKTYPE_RECURSIVE,
		pt_lock_alloc,
		pt_lock_free,
		pt_lock,
		pt_unlock
	};
	static const struct evthread_condition_callbacks conds = {
		EVTHREAD_CONDITION_API_VERSION,
		pt_cond_alloc,
		pt_cond_free,
		pt_cond_signal,
		pt_cond_wait
	};

	if (pthread_mutexattr_init(&attr_recursive) != 0 ||
	    pthread_mutexattr_settype(&attr_recursive,
	    PTHREAD_MUTEX_RECURSIVE) != 0)
		return -1;
	evthread_set_lock_callbacks(&locks);
	evthread_set_condition_callbacks(&conds);
	evthread_set_id_callback(pt_id);
	return 0;
}
