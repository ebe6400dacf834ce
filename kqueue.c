/*
 * kqueue.c -- the kqueue(2)/kevent(2) backend: FreeBSD (11 to 14), macOS
 * (10.5 and later), and the other BSDs' compatible interface.
 *
 * Kernel facts this file relies on:
 *  a) A knote is keyed by (fd, filter): EVFILT_READ and EVFILT_WRITE on
 *     one fd are separate registrations and come back as separate entries.
 *     EV_ADD of an existing knote only updates it, so add() re-adds every
 *     wanted filter: when the fd was closed and its number reused (old ==
 *     new, the core's re-check), the kernel has forgotten the old knotes.
 *  b) Changes are applied by the kevent() call that waits, in order, before
 *     anything is collected: add() and del() only queue them, and each
 *     loop iteration makes one system call for all changes and the wait.
 *  c) A change that fails while the event list has room comes back as an
 *     entry with EV_ERROR in flags (FreeBSD replaces the flags, current
 *     xnu ORs the bit in: test the bit) and the errno in data; the call then
 *     returns at once, collecting nothing.  With no room it fails with that
 *     errno and skips the later changes, so the event list is kept at least
 *     as long as the change list.  After an error-only return we call
 *     kevent() again, without changes, to wait as the core asked.
 *  d) close() drops every knote of the number.  A deletion deferred past the
 *     program's close() then fails with EBADF (number not open) or ENOENT
 *     (number reused): nothing to undo.  A failed EV_ADD (EBADF: closed;
 *     EINVAL: macOS refuses ttys and devices) sends the fd's events down the
 *     error path, as poll's POLLNVAL does (event_fd_bad_()).
 *  e) A kqueue is not inherited across fork(): the child's slot is empty
 *     and the number may be reused there.  event_reinit() makes a new queue
 *     (need_reinit); dealloc closes the queue only in the process that
 *     created it.
 *  f) EVFILT_SIGNAL counts deliveries but ranks below the disposition:
 *     SIG_DFL still kills.  signal.c therefore installs a handler that does
 *     nothing and restores the previous disposition on the last delete; we
 *     add the knote at once (not with the next wait), so that a signal
 *     raised right after signal_add() is counted.  `data` is the number of
 *     deliveries since the last report; the core runs the events after
 *     dispatch returns.
 *  g) Old macOS releases' kqueue does not work on pipes (later ones still
 *     refuse ttys).  On macOS, init checks a pipe and declines when kqueue
 *     misbehaves, so event_base_new() takes the next backend.
 *  h) EINTR is not an error.  FreeBSD caps a wait at 24 hours; so do we.
 *  i) A regular file is readable while its offset is below its size (unlike
 *     poll, which always says readable) and always writable.
 * Layouts differ (FreeBSD 12 added ext[4] and a 64-bit data; NetBSD before
 * 10 has an integer udata); EV_SET with 0 for udata fits all of them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/event.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#if defined(__APPLE__) && !defined(KQUEUE_PIPE_CHECK)
#define KQUEUE_PIPE_CHECK 1
#endif

#define KQ_INITIAL	64
#define KQ_MAXEVENTS	4096
#define KQ_MAX_SEC	(24 * 60 * 60)

struct kqop {
	struct kevent *changes;	/* queued for the next kevent() */
	int nchanges;
	struct kevent *events;	/* results; never shorter than changes */
	int nevents;		/* allocated entries of both arrays */
	unsigned char *mask;	/* per fd: EV_READ|EV_WRITE we asked for */
	int nmask;
	int kq;
	pid_t pid;		/* the process that owns kq */
};

/* Entries for at least n changes, in both arrays.  0 or -1/ENOMEM. */
static int
kq_reserve(struct kqop *kop, int n)
{
	struct kevent *c, *e;
	int a = kop->nevents ? kop->nevents : KQ_INITIAL;

	if (n <= kop->nevents)
		return 0;
	while (a < n) {
		if (a > INT_MAX / 2 ||
		    (size_t)a * 2 > SIZE_MAX / sizeof(struct kevent)) {
			errno = ENOMEM;
			return -1;
		}
		a *= 2;
	}
	c = mm_realloc(kop->changes, (size_t)a * sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	kop->changes = c;
	e = mm_realloc(kop->events, (size_t)a * sizeof(*e));
	if (e == NULL) {
		errno = ENOMEM;
		return -1;
	}
	kop->events = e;
	kop->nevents = a;
	return 0;
}

static int
kq_reserve_mask(struct kqop *kop, int fd)
{
	unsigned char *m;
	int n = kop->nmask ? kop->nmask : 64;

	if (fd < kop->nmask)
		return 0;
	while (n <= fd)
		n = n > INT_MAX / 2 ? INT_MAX : n * 2;
	m = mm_realloc(kop->mask, (size_t)n);
	if (m == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memset(m + kop->nmask, 0, (size_t)(n - kop->nmask));
	kop->mask = m;
	kop->nmask = n;
	return 0;
}

/* Room was reserved by the caller. */
static void
kq_queue(struct kqop *kop, uintptr_t ident, int filter, int flags)
{
	struct kevent *kev = &kop->changes[kop->nchanges++];

	memset(kev, 0, sizeof(*kev));
	EV_SET(kev, ident, filter, flags, 0, 0, 0);
}

/* Apply one change now, outside the batch.  0 or -1/errno. */
static int
kq_apply_now(struct kqop *kop, uintptr_t ident, int filter, int flags)
{
	struct kevent kev;
	struct timespec zero = { 0, 0 };

	memset(&kev, 0, sizeof(kev));
	EV_SET(&kev, ident, filter, flags, 0, 0, 0);
	/* No event list: a failure is the return value (c). */
	return kevent(kop->kq, &kev, 1, NULL, 0, &zero) == -1 ? -1 : 0;
}

#ifdef KQUEUE_PIPE_CHECK
/*
 * g): does kqueue report a pipe?  Register an empty pipe's read end (no
 * error, nothing ready), write a byte, expect exactly that fd readable.
 */
static int
kq_pipe_works(int kq)
{
	struct kevent chg, ev;
	struct timespec zero = { 0, 0 };
	int p[2], ok = 0;

	if (pipe(p) == -1)
		return 0;
	memset(&chg, 0, sizeof(chg));
	EV_SET(&chg, p[0], EVFILT_READ, EV_ADD, 0, 0, 0);
	if (kevent(kq, &chg, 1, &ev, 1, &zero) == 0 &&
	    write(p[1], "x", 1) == 1 &&
	    kevent(kq, NULL, 0, &ev, 1, &zero) == 1 &&
	    ev.ident == (uintptr_t)p[0] && ev.filter == EVFILT_READ &&
	    !(ev.flags & EV_ERROR))
		ok = 1;
	close(p[0]);		/* drops the knote */
	close(p[1]);
	return ok;
}
#endif

static void *
kq_init(struct event_base *base)
{
	struct kqop *kop;
	int kq;

	(void)base;
	if ((kq = kqueue()) == -1)
		return NULL;
	(void)fcntl(kq, F_SETFD, FD_CLOEXEC);
#ifdef KQUEUE_PIPE_CHECK
	if (!kq_pipe_works(kq)) {
		event_debug(("kqueue: does not report pipes; not used"));
		close(kq);
		errno = ENOSYS;
		return NULL;
	}
#endif
	kop = mm_calloc(1, sizeof(*kop));
	if (kop == NULL || kq_reserve(kop, KQ_INITIAL) == -1) {
		if (kop != NULL) {
			mm_free(kop->changes);
			mm_free(kop);
		}
		close(kq);
		errno = ENOMEM;
		return NULL;
	}
	kop->kq = kq;
	kop->pid = getpid();
	return kop;
}

static int
kq_add(struct event_base *base, int fd, short old, short new_)
{
	struct kqop *kop = base->evbase;

	if (kq_reserve_mask(kop, fd) == -1 ||
	    kop->nchanges > INT_MAX - 2 ||
	    kq_reserve(kop, kop->nchanges + 2) == -1)
		return -1;
	/* a): every wanted filter, in case the kernel forgot the fd. */
	if (new_ & EV_READ)
		kq_queue(kop, (uintptr_t)fd, EVFILT_READ, EV_ADD);
	else if (old & EV_READ)
		kq_queue(kop, (uintptr_t)fd, EVFILT_READ, EV_DELETE);
	if (new_ & EV_WRITE)
		kq_queue(kop, (uintptr_t)fd, EVFILT_WRITE, EV_ADD);
	else if (old & EV_WRITE)
		kq_queue(kop, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE);
	kop->mask[fd] = (unsigned char)new_;
	return 0;
}

static int
kq_del(struct event_base *base, int fd, short old, short new_)
{
	struct kqop *kop = base->evbase;
	short have = fd < kop->nmask ? kop->mask[fd] : old;

	(void)new_;
	if (have == 0)
		return 0;
	if (fd < kop->nmask)
		kop->mask[fd] = 0;
	if (kop->nchanges <= INT_MAX - 2 &&
	    kq_reserve(kop, kop->nchanges + 2) == 0) {
		if (have & EV_READ)
			kq_queue(kop, (uintptr_t)fd, EVFILT_READ, EV_DELETE);
		if (have & EV_WRITE)
			kq_queue(kop, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE);
		return 0;
	}
	/* No memory to queue: delete now, a left knote would spin.  (d):
	 * the fd may be closed already.) */
	if (have & EV_READ)
		(void)kq_apply_now(kop, (uintptr_t)fd, EVFILT_READ, EV_DELETE);
	if (have & EV_WRITE)
		(void)kq_apply_now(kop, (uintptr_t)fd, EVFILT_WRITE,
		    EV_DELETE);
	return 0;
}

/* d): a change came back failed.  1 if the fd was reported bad. */
static int
kq_change_failed(struct event_base *base, struct kqop *kop,
    const struct kevent *kev)
{
	int fd = (int)kev->ident, err = (int)kev->data;
	short dir = kev->filter == EVFILT_READ ? EV_READ : EV_WRITE;

	if (kev->filter != EVFILT_READ && kev->filter != EVFILT_WRITE) {
		event_warnx("kqueue: change of filter %d on %d failed: %s",
		    (int)kev->filter, fd, strerror(err));
		return 0;
	}
	if (err == ENOENT || fd >= kop->nmask || !(kop->mask[fd] & dir))
		return 0;	/* a deletion, or a superseded add */
	event_warnx("kqueue: cannot watch fd %d: %s", fd, strerror(err));
	/* The other filter may have been accepted: let it go too, unless the
	 * fd is closed (then the kernel has nothing left). */
	if (err != EBADF && (kop->mask[fd] & ~dir) &&
	    kq_reserve(kop, kop->nchanges + 1) == 0)
		kq_queue(kop, (uintptr_t)fd, dir == EV_READ ? EVFILT_WRITE :
		    EVFILT_READ, EV_DELETE);
	kop->mask[fd] = 0;
	event_fd_bad_(base, fd);
	return 1;
}

/*
 * Hand one batch of results to the core.  Returns 0 when it held only
 * errors, none of which made an event active (then nothing was waited for
 * and nothing is due: wait again), else 1.
 */
static int
kq_report(struct event_base *base, struct kqop *kop, int n)
{
	int i, done = 0;

	for (i = 0; i < n; i++) {
		const struct kevent *kev = &kop->events[i];

		if (kev->flags & EV_ERROR) {
			done |= kq_change_failed(base, kop, kev);
			continue;
		}
		done = 1;
		if (kev->filter == EVFILT_READ)
			event_fd_ready_(base, (int)kev->ident, EV_READ);
		else if (kev->filter == EVFILT_WRITE)
			event_fd_ready_(base, (int)kev->ident, EV_WRITE);
		else if (kev->filter == EVFILT_SIGNAL)
			evsignal_count_(base, (int)kev->ident,
			    kev->data > INT_MAX ? INT_MAX : (int)kev->data);
	}
	return done;
}

/* One kevent() with the queued changes; kop->events gets the results.
 * The changes are consumed (applied, or lost with the failed call). */
static int
kq_wait(struct event_base *base, struct kqop *kop, const struct timespec *ts)
{
	int nchanges = kop->nchanges, n;

	kop->nchanges = 0;
	evsel_wait_begin_(base);
	n = kevent(kop->kq, kop->changes, nchanges, kop->events,
	    kop->nevents, ts);
	evsel_wait_end_(base);
	if (n == -1 && errno != EINTR)
		event_warn("kevent");
	return n;
}

static int
kq_dispatch(struct event_base *base, struct timeval *tv)
{
	struct kqop *kop = base->evbase;
	struct timespec ts, *ts_p = NULL;
	int n;

	if (tv != NULL) {
		ts.tv_sec = tv->tv_sec > KQ_MAX_SEC ? KQ_MAX_SEC : tv->tv_sec;
		ts.tv_nsec = tv->tv_usec * 1000;
		ts_p = &ts;
	}
	n = kq_wait(base, kop, ts_p);
	/* c): only harmless failures came back and nothing was waited for:
	 * wait now (changes queued meanwhile go with this call). */
	if (n > 0 && kq_report(base, kop, n) == 0) {
		n = kq_wait(base, kop, ts_p);
		if (n > 0)
			(void)kq_report(base, kop, n);
	}
	if (n == -1)
		return errno == EINTR ? 0 : -1;

	if (n == kop->nevents && kop->nevents < KQ_MAXEVENTS)
		(void)kq_reserve(kop, kop->nevents * 2);
	return 0;
}

/* f): called by signal.c for the first and last event on a signal. */
static int
kq_sig_add(struct event_base *base, int signo)
{
	return kq_apply_now(base->evbase, (uintptr_t)signo, EVFILT_SIGNAL,
	    EV_ADD);
}

static int
kq_sig_del(struct event_base *base, int signo)
{
	if (kq_apply_now(base->evbase, (uintptr_t)signo, EVFILT_SIGNAL,
	    EV_DELETE) == -1 && errno != ENOENT) {
		event_warn("kevent: delete signal %d", signo);
		return -1;
	}
	return 0;
}

static void
kq_dealloc(struct event_base *base)
{
	struct kqop *kop = base->evbase;

	if (kop == NULL)
		return;
	/* e): in a forked child the number is not our queue. */
	if (kop->pid == getpid())
		close(kop->kq);
	mm_free(kop->changes);
	mm_free(kop->events);
	mm_free(kop->mask);
	mm_free(kop);
	base->evbase = NULL;
}

const struct eventop kqops = {
	"kqueue",
	kq_init,
	kq_add,
	kq_del,
	kq_dispatch,
	kq_dealloc,
	1,
	EV_FEATURE_O1 | EV_FEATURE_FDS,
	kq_sig_add,
	kq_sig_del
};
