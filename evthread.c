/*
 * evthread.c -- locks, conditions, thread ids, lock debugging, and the
 * per-base lock and wake-up that make a base usable from several threads.
 *
 * Nothing here runs unless the program installs lock callbacks
 * (evthread_use_pthreads() in libevent_pthreads, or its own): bases made
 * before that, or with EVENT_BASE_FLAG_NOLOCK, have no lock and the core
 * skips all of this behind one test (base->xflags).
 *
 * A threaded base is locked whenever the library works on it; the loop
 * releases the lock while it waits in the backend (evsel_wait_begin_/
 * _end_) and while it runs a callback.  A change made by another thread
 * while the loop runs writes to the base's wake-up fd (an eventfd, or a
 * pipe), whose internal read event makes the loop take the change into
 * account.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2() */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_EVENTFD_H
#include <sys/eventfd.h>
#endif

#include "event2/thread.h"
#include "evbuffer-internal.h"	/* evbuffer_set_lock_callbacks_() */
#include "event-internal.h"
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

static struct evthread_lock_callbacks lock_fns;
static struct evthread_condition_callbacks cond_fns;
static unsigned long (*id_fn)(void);

/* With lock debugging, lock_fns/cond_fns are the checking wrappers and
 * the program's callbacks live here. */
static int lock_debugging;
static struct evthread_lock_callbacks orig_lock_fns;
static struct evthread_condition_callbacks orig_cond_fns;
static const struct evthread_condition_callbacks dbg_cond_fns;

/* ------------------------------------------------------------------ */
/* Installing callbacks */

/*
 * Evbuffers, bufferevents and listeners lock through the same callbacks
 * as the bases (with lock debugging, through its checking wrappers), but
 * reach them through a hook of their own so that the buffer code needs
 * nothing of this file: call this whenever lock_fns changes.
 */
#if EVBUFFER_LOCKTYPE_RECURSIVE_ != EVTHREAD_LOCKTYPE_RECURSIVE
#error "evbuffer-internal.h and event2/thread.h disagree on lock types"
#endif

static void
evthread_share_locks(void)
{
	struct evbuffer_lock_callbacks_ cbs;

	if (lock_fns.alloc == NULL) {
		evbuffer_set_lock_callbacks_(NULL);
		return;
	}
	cbs.alloc = lock_fns.alloc;
	cbs.free = lock_fns.free;
	cbs.lock = lock_fns.lock;
	cbs.unlock = lock_fns.unlock;
	evbuffer_set_lock_callbacks_(&cbs);
}

int
evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs)
{
	struct evthread_lock_callbacks *target =
	    lock_debugging ? &orig_lock_fns : &lock_fns;

	if (cbs == NULL) {
		if (target->alloc != NULL)
			event_warnx("evthread_set_lock_callbacks: removing "
			    "lock callbacks that are in use will not work");
		memset(target, 0, sizeof(*target));
		evthread_share_locks();
		return 0;
	}
	if (target->alloc != NULL) {
		if (memcmp(target, cbs, sizeof(*cbs)) == 0)
			return 0;
		event_warnx("evthread_set_lock_callbacks: lock callbacks "
		    "cannot be changed once set");
		return -1;
	}
	if (cbs->alloc == NULL || cbs->free == NULL || cbs->lock == NULL ||
	    cbs->unlock == NULL)
		return -1;
	*target = *cbs;
	evthread_share_locks();
	return 0;
}

int
evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs)
{
	struct evthread_condition_callbacks *target =
	    lock_debugging ? &orig_cond_fns : &cond_fns;

	if (cbs == NULL) {
		memset(target, 0, sizeof(*target));
		return 0;
	}
	if (target->alloc_condition != NULL) {
		if (memcmp(target, cbs, sizeof(*cbs)) == 0)
			return 0;
		event_warnx("evthread_set_condition_callbacks: condition "
		    "callbacks cannot be changed once set");
		return -1;
	}
	if (cbs->alloc_condition == NULL || cbs->free_condition == NULL ||
	    cbs->signal_condition == NULL || cbs->wait_condition == NULL)
		return -1;
	*target = *cbs;
	if (lock_debugging)
		cond_fns = dbg_cond_fns;
	return 0;
}

void
evthread_set_id_callback(unsigned long (*fn)(void))
{
	id_fn = fn;
}

unsigned long
evthread_id_(void)
{
	return id_fn != NULL ? id_fn() : 1;
}

void
evthread_lock_(void *lock)
{
	lock_fns.lock(0, lock);
}

void
evthread_unlock_(void *lock)
{
	lock_fns.unlock(0, lock);
}

void *
evthread_global_lock_alloc_(void)
{
	if (lock_fns.alloc == NULL)
		return NULL;
	return lock_fns.alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
}

void
evthread_global_lock_free_(void *lock)
{
	if (lock != NULL && lock_fns.free != NULL)
		lock_fns.free(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
}

/* libevent_global_shutdown(): no callbacks, no debugging. */
void
evthread_shutdown_(void)
{
	memset(&lock_fns, 0, sizeof(lock_fns));
	memset(&cond_fns, 0, sizeof(cond_fns));
	memset(&orig_lock_fns, 0, sizeof(orig_lock_fns));
	memset(&orig_cond_fns, 0, sizeof(orig_cond_fns));
	lock_debugging = 0;
	id_fn = NULL;
	evthread_share_locks();
}

/* ------------------------------------------------------------------ */
/* Lock debugging */

#define DEBUG_LOCK_SIG	0xdeb0b10cU

struct debug_lock {
	unsigned signature;
	unsigned locktype;
	unsigned long held_by;		/* thread id, 0: nobody */
	int count;			/* times held */
	void *lock;			/* the program's lock, or NULL */
};

static void
lock_check(int ok, const char *what)
{
	if (!ok)
		event_errx(EVENT_ERR_ABORT_, "lock debugging: %s", what);
}

static void *
debug_lock_alloc(unsigned locktype)
{
	struct debug_lock *d = mm_malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	d->lock = NULL;
	if (orig_lock_fns.alloc != NULL &&
	    (d->lock = orig_lock_fns.alloc(locktype)) == NULL) {
		mm_free(d);
		return NULL;
	}
	d->signature = DEBUG_LOCK_SIG;
	d->locktype = locktype;
	d->held_by = 0;
	d->count = 0;
	return d;
}

static void
debug_lock_free(void *lock, unsigned locktype)
{
	struct debug_lock *d = lock;

	lock_check(d->signature == DEBUG_LOCK_SIG, "freeing a bad lock");
	lock_check(d->count == 0, "freeing a held lock");
	lock_check(d->locktype == locktype, "freeing with another type");
	if (d->lock != NULL && orig_lock_fns.free != NULL)
		orig_lock_fns.free(d->lock, locktype);
	d->signature = 0;
	mm_free(d);
}

static void
debug_mark_locked(unsigned mode, struct debug_lock *d)
{
	(void)mode;
	d->count++;
	if (!(d->locktype & EVTHREAD_LOCKTYPE_RECURSIVE))
		lock_check(d->count == 1, "non-recursive lock taken twice");
	if (id_fn != NULL) {
		unsigned long me = id_fn();
		if (d->count > 1)
			lock_check(d->held_by == me, "lock held by another "
			    "thread was taken again");
		d->held_by = me;
	}
}

static int
debug_lock_lock(unsigned mode, void *lock)
{
	struct debug_lock *d = lock;
	int res = 0;

	lock_check(d->signature == DEBUG_LOCK_SIG, "locking a bad lock");
	if (d->locktype & EVTHREAD_LOCKTYPE_READWRITE)
		lock_check((mode & (EVTHREAD_READ | EVTHREAD_WRITE)) != 0,
		    "read-write lock taken without READ or WRITE");
	else
		lock_check((mode & (EVTHREAD_READ | EVTHREAD_WRITE)) == 0,
		    "plain lock taken with READ or WRITE");
	if (orig_lock_fns.lock != NULL && d->lock != NULL)
		res = orig_lock_fns.lock(mode, d->lock);
	if (res == 0)
		debug_mark_locked(mode, d);
	return res;
}

static void
debug_mark_unlocked(struct debug_lock *d)
{
	if (id_fn != NULL)
		lock_check(d->held_by == id_fn(), "unlocking a lock this "
		    "thread does not hold");
	lock_check(d->count > 0, "unlocking a lock nobody holds");
	if (--d->count == 0)
		d->held_by = 0;
}

static int
debug_lock_unlock(unsigned mode, void *lock)
{
	struct debug_lock *d = lock;

	lock_check(d->signature == DEBUG_LOCK_SIG, "unlocking a bad lock");
	debug_mark_unlocked(d);
	if (orig_lock_fns.unlock != NULL && d->lock != NULL)
		return orig_lock_fns.unlock(mode, d->lock);
	return 0;
}

static void *
debug_cond_alloc(unsigned condtype)
{
	return orig_cond_fns.alloc_condition(condtype);
}

static void
debug_cond_free(void *cond)
{
	orig_cond_fns.free_condition(cond);
}

static int
debug_cond_signal(void *cond, int broadcast)
{
	return orig_cond_fns.signal_condition(cond, broadcast);
}

static int
debug_cond_wait(void *cond, void *lock, const struct timeval *tv)
{
	struct debug_lock *d = lock;
	int res;

	lock_check(d->signature == DEBUG_LOCK_SIG, "waiting with a bad lock");
	lock_check(d->count > 0 && (id_fn == NULL || d->held_by == id_fn()),
	    "waiting on a condition without holding its lock");
	debug_mark_unlocked(d);
	res = orig_cond_fns.wait_condition(cond, d->lock, tv);
	debug_mark_locked(0, d);
	return res;
}

static const struct evthread_condition_callbacks dbg_cond_fns = {
	EVTHREAD_CONDITION_API_VERSION,
	debug_cond_alloc,
	debug_cond_free,
	debug_cond_signal,
	debug_cond_wait
};

void
evthread_enable_lock_debugging(void)
{
	static const struct evthread_lock_callbacks dbg_lock_fns = {
		EVTHREAD_LOCK_API_VERSION,
		EVTHREAD_LOCKTYPE_RECURSIVE,
		debug_lock_alloc,
		debug_lock_free,
		debug_lock_lock,
		debug_lock_unlock
	};
	if (lock_debugging)
		return;
	orig_lock_fns = lock_fns;
	lock_fns = dbg_lock_fns;
	orig_cond_fns = cond_fns;
	if (cond_fns.alloc_condition != NULL)
		cond_fns = dbg_cond_fns;
	lock_debugging = 1;
	evthread_share_locks();
}

void
evthread_enable_lock_debuging(void)
{
	evthread_enable_lock_debugging();
}

/* ------------------------------------------------------------------ */
/* A base's lock, condition and wake-up */

void
evthread_cond_wait_(struct event_base *base)
{
	cond_fns.wait_condition(base->th_cond, base->th_lock, NULL);
}

void
evthread_cond_broadcast_(struct event_base *base)
{
	cond_fns.signal_condition(base->th_cond, 1);
}

/* The internal read event of the wake-up fd: empty it. */
static void
notify_cb(int fd, short what, void *arg)
{
	struct event_base *base = arg;
	char buf[64];

	(void)what;
	while (EVUTIL_READ_SOCKET(fd, buf, sizeof(buf)) > 0)
		;
	event_base_lock_(base);
	base->notify_pending = 0;
	event_base_unlock_(base);
}

/* Write to the wake-up fd; the base is locked. */
void
evthread_notify_(struct event_base *base)
{
	uint64_t one = 1;
	ssize_t n;

	base->notify_pending = 1;
	if (base->notify_fd[0] == base->notify_fd[1])
		n = write(base->notify_fd[1], &one, sizeof(one));
	else
		n = EVUTIL_WRITE_SOCKET(base->notify_fd[1], "", 1);
	(void)n;	/* full: the loop is being woken anyway */
}

/* An eventfd (both ends the same fd) or a non-blocking pipe (Windows: a
 * loopback socket pair, the only thing its loop can watch).  0 or -1. */
static int
notify_fd_open(int fds[2])
{
#ifdef _WIN32
	int i;

	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, fds) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		(void)evutil_closeonexec_(fds[i]);
		(void)evutil_make_socket_nonblocking(fds[i]);
	}
	return 0;
#else
#if defined(HAVE_EVENTFD) && defined(EFD_CLOEXEC) && defined(EFD_NONBLOCK)
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd >= 0) {
		fds[0] = fds[1] = fd;
		return 0;
	}
#endif
#ifdef HAVE_PIPE2
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0)
		return 0;
#else
	if (pipe(fds) == 0) {
		int i;
		for (i = 0; i < 2; i++) {
			(void)evutil_make_socket_closeonexec(fds[i]);
			(void)evutil_make_socket_nonblocking(fds[i]);
		}
		return 0;
	}
#endif
	return -1;
#endif /* _WIN32 */
}

static void
notify_fd_close(struct event_base *base)
{
	if (base->notify_fd[0] < 0)
		return;
	EVUTIL_CLOSESOCKET(base->notify_fd[0]);
	if (base->notify_fd[1] != base->notify_fd[0])
		EVUTIL_CLOSESOCKET(base->notify_fd[1]);
	base->notify_fd[0] = base->notify_fd[1] = -1;
}

int
evthread_make_base_notifiable(struct event_base *base)
{
	int res = 0;

	if (base == NULL)
		return -1;
	event_base_lock_(base);
	if (base->notify_fd[0] >= 0)
		goto done;
	if (notify_fd_open(base->notify_fd) == -1) {
		event_warn("evthread_make_base_notifiable: eventfd/pipe");
		base->notify_fd[0] = base->notify_fd[1] = -1;
		res = -1;
		goto done;
	}
	event_set(&base->notify_ev, base->notify_fd[0], EV_READ | EV_PERSIST,
	    notify_cb, base);
	base->notify_ev.ev_base = base;
	base->notify_ev.ev_pri = 0;
	base->notify_ev.ev_flags |= EVLIST_INTERNAL;
	if (event_add(&base->notify_ev, NULL) == -1) {
		event_warn("evthread_make_base_notifiable: event_add");
		event_debug_note_teardown_(&base->notify_ev);
		notify_fd_close(base);
		res = -1;
	}
done:
	event_base_unlock_(base);
	return res;
}

void
evthread_base_teardown_notify_(struct event_base *base)
{
	if (base->notify_fd[0] < 0)
		return;
	(void)event_del_nolock_(&base->notify_ev);
	event_debug_note_teardown_(&base->notify_ev);
	notify_fd_close(base);
	base->notify_pending = 0;
}

/*
 * A new base gets a lock (and a condition, when condition callbacks are
 * installed) if lock callbacks are, and its wake-up fd.  0, or -1 with
 * nothing left allocated.
 */
int
evthread_base_setup_(struct event_base *base)
{
	if (lock_fns.alloc == NULL)
		return 0;
	base->th_lock = lock_fns.alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
	if (base->th_lock == NULL)
		return -1;
	if (cond_fns.alloc_condition != NULL &&
	    (base->th_cond = cond_fns.alloc_condition(0)) == NULL) {
		lock_fns.free(base->th_lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		base->th_lock = NULL;
		return -1;
	}
	base->xflags |= EVX_LOCK;
	if (evthread_make_base_notifiable(base) == -1) {
		evthread_base_teardown_(base);
		return -1;
	}
	return 0;
}

void
evthread_base_teardown_(struct event_base *base)
{
	evthread_base_teardown_notify_(base);
	if (base->th_cond != NULL)
		cond_fns.free_condition(base->th_cond);
	base->th_cond = NULL;
	if (base->th_lock != NULL)
		lock_fns.free(base->th_lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	base->th_lock = NULL;
	base->xflags &= ~EVX_LOCK;
}
