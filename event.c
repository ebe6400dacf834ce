/*
 * event.c -- the event loop: registration, timers, priorities, dispatch
 * (making and freeing bases: event_base.c).
 *
 * How an event moves (flags in ev_flags):
 *
 *	event_set()   -> INIT
 *	event_add()   -> INSERTED (fd list or signal list) and/or TIMEOUT (heap)
 *	readiness     -> ACTIVE (queued on activequeues[ev_pri])
 *	callback      -> a non-persistent event is deleted just before it runs
 *
 * I/O registration is lazy: event_add()/event_del() change the per-fd list
 * and put the fd on the changelist; flush_changes() runs right before the
 * backend waits and makes at most one backend call per touched fd, none if
 * the fd ends up wanting what the backend already has.
 *
 * One implementation serves the 1.4 and the 2.x API.  Events set up with
 * event_assign()/event_new() carry EVLIST_X_V2 and get 2.x's rules where
 * the two differ (a persistent event's timeout re-armed at each
 * activation, ncalls for signals only, common timeouts).  Everything a
 * single-threaded program does not use (locks, debug mode, debug logging,
 * dispatch limits) sits behind one test of base->xflags, so the fast
 * paths of event_add(), event_del(), event_active() and the callback loop
 * are those of the 1.4 library.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event-internal.h"
#include "event.h"
#include "evsignal-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct event_base *current_base = NULL;

/*
 * Backends in libevent 1.4's order of preference (its evport has no
 * counterpart here).  EVENT_NO<NAME> skips one.
 */
static const struct eventop *const eventops[] = {
#ifdef HAVE_KQUEUE_BACKEND
	&kqops,
#endif
#ifdef HAVE_EPOLL_BACKEND
	&epollops,
#endif
#ifdef HAVE_DEVPOLL_BACKEND
	&devpollops,
#endif
#ifdef HAVE_POLL_BACKEND
	&pollops,
#endif
#ifdef HAVE_SELECT_BACKEND
	&selectops,
#endif
#ifdef HAVE_WIN32SELECT_BACKEND
	&win32ops,
#endif
	NULL
};

const struct eventop *const *
event_backends_(void)
{
	return eventops;
}

/* ------------------------------------------------------------------ */
/* Active queues */

/*
 * Queue ev on its priority's active queue.  ev_pri is kept in range by
 * event_add(), event_priority_set() and event_base_priority_init().
 */
static inline void
event_queue_insert_active(struct event_base *base, struct event *ev)
{
	ev->ev_flags |= EVLIST_ACTIVE;
	base->event_count_active++;
	TAILQ_INSERT_TAIL(&base->activequeues[ev->ev_pri], ev, ev_active_next);
}

static inline void
event_queue_remove_active(struct event_base *base, struct event *ev)
{
	ev->ev_flags &= ~EVLIST_ACTIVE;
	base->event_count_active--;
	TAILQ_REMOVE(&base->activequeues[ev->ev_pri], ev, ev_active_next);
}

static inline void
event_active_(struct event *ev, int res, short ncalls)
{
	if (ev->ev_flags & EVLIST_ACTIVE) {
		ev->ev_res |= res;
		return;
	}
	ev->ev_res = res;
	ev->ev_ncalls = ncalls;
	event_queue_insert_active(ev->ev_base, ev);
}

/* ------------------------------------------------------------------ */
/* Time */

/* The clock, out of line: its registers stay out of the timer paths. */
static EV_NOINLINE int64_t
mono_now_us_call(void)
{
	return event_mono_now_us_();
}

/*
 * The current time: inside the loop (after the backend returned) the
 * time cached then, as in 1.4, so timeouts added by callbacks are relative
 * to the moment the wait ended.
 */
static inline int64_t
base_now_us(struct event_base *base)
{
	if (base->tv_cached)
		return base->now_us;
	return mono_now_us_call();
}

int64_t
event_now_us_(struct event_base *base)
{
	return base_now_us(base);
}

/*
 * The longest timeout kept (longer ones are clamped to it): within
 * TIME_MAX_SEC, and short enough that a monotonic deadline (ev_timeout)
 * fits in tv_sec.  With a 32-bit tv_sec that is half its range, ~34
 * years: a deadline past it wrapped around to the past, and a timer
 * re-armed from there to a nearer one kept the far one.
 */
#define TIMEOUT_MAX_SEC	(TV_SEC_MAX / 2 < TIME_MAX_SEC ?		\
	TV_SEC_MAX / 2 : TIME_MAX_SEC)

/* Is s within [-max_sec, max_sec]? */
static inline int
sec_within(int64_t s, int64_t max_sec)
{
	/* One unsigned compare covers both ends of the range (the sum in
	 * unsigned arithmetic: a time_t near its limits must not overflow). */
	return (uint64_t)s + (uint64_t)max_sec <= (uint64_t)(2 * max_sec);
}

/* tv as microseconds, tv_sec clamped to [-max_sec, max_sec]. */
static inline int64_t
tv_to_us_within(const struct timeval *tv, int64_t max_sec)
{
	int64_t s = tv->tv_sec;

	if (!sec_within(s, max_sec))
		s = s > 0 ? max_sec : -max_sec;
	return s * 1000000 + tv->tv_usec;
}

/* A time (a deadline, the wall clock) as microseconds. */
static inline int64_t
tv_to_us(const struct timeval *tv)
{
	return tv_to_us_within(tv, TIME_MAX_SEC);
}

/* A timeout as microseconds, clamped so that now + it is a deadline. */
static inline int64_t
timeout_to_us(const struct timeval *tv)
{
	return tv_to_us_within(tv, TIMEOUT_MAX_SEC);
}

/* Seconds out of tv_sec's range saturate (event_pending()'s wall-clock
 * deadline past 2038 with a 32-bit tv_sec; with 64 bits the compiler
 * drops the tests). */
static inline void
sec_to_tv(int64_t s, int64_t u, struct timeval *tv)
{
	if (s > TV_SEC_MAX) {
		s = TV_SEC_MAX;
		u = 999999;
	} else if (s < -TV_SEC_MAX - 1) {
		s = -TV_SEC_MAX - 1;
		u = 0;
	}
	tv->tv_sec = (time_t)s;
	tv->tv_usec = (suseconds_t)u;
}

static inline void
us_to_tv(int64_t us, struct timeval *tv)
{
	int64_t s, u;

	if (us >= 0) {
		/* Unsigned division: no sign fix-ups (monotonic times);
		 * the remainder from the quotient, one division. */
		s = (int64_t)((uint64_t)us / 1000000);
		sec_to_tv(s, us - s * 1000000, tv);
		return;
	}
	s = us / 1000000;
	u = us % 1000000;
	if (u < 0) {
		u += 1000000;
		s--;
	}
	sec_to_tv(s, u, tv);
}

int64_t
event_tv_to_us_(const struct timeval *tv)
{
	return tv_to_us(tv);
}

void
event_us_to_tv_(int64_t us, struct timeval *tv)
{
	us_to_tv(us, tv);
}

/* ------------------------------------------------------------------ */
/* The backend, called only through these wrappers */

/*
 * The one place where the core talks to its backend: preconditions are
 * checked here (fd >= 0, add() with a non-empty mask, del() with an empty
 * one), and the loop's own duties after a wait (signals) happen here, not
 * in every backend.
 */
static inline int
evsel_add(struct event_base *base, int fd, short old, short new_)
{
	if (fd < 0 || new_ == 0) {
		errno = EINVAL;
		return -1;
	}
	return base->evsel->add(base, fd, old, new_);
}

static inline int
evsel_del(struct event_base *base, int fd, short old)
{
	if (fd < 0) {
		errno = EINVAL;
		return -1;
	}
	return base->evsel->del(base, fd, old, 0);
}

/* Wait for readiness, then turn caught signals into active events. */
static int
evsel_dispatch(struct event_base *base, struct timeval *tv)
{
	int res = base->evsel->dispatch(base, tv);

	if (base->sig.evsignal_caught)
		evsignal_process(base);
	return res;
}

/* Start backend op on base.  0, or -1 with errno from its init(). */
int
event_backend_init_(struct event_base *base, const struct eventop *op)
{
	base->evsel = op;
	base->io_mask = EV_READ | EV_WRITE;
	if (op->features & EV_FEATURE_EARLY_CLOSE)
		base->io_mask |= EV_CLOSED;
	base->evbase = op->init(base);
	return base->evbase != NULL ? 0 : -1;
}

/* For signal.c, with a backend that watches signals (sig_add != NULL). */
int
evsel_sig_add_(struct event_base *base, int signo)
{
	if (base->evbase == NULL || base->evsel->sig_add == NULL) {
		errno = EINVAL;
		return -1;
	}
	return base->evsel->sig_add(base, signo);
}

int
evsel_sig_del_(struct event_base *base, int signo)
{
	if (base->evbase == NULL || base->evsel->sig_del == NULL)
		return 0;
	return base->evsel->sig_del(base, signo);
}

void
event_backend_dealloc_(struct event_base *base)
{
	if (base->evsel != NULL && base->evbase != NULL)
		base->evsel->dealloc(base);
	base->evbase = NULL;
}

/* ------------------------------------------------------------------ */
/* The fd table and the changelist */

/*
 * Grow base->fds so that fd is a valid index.  The changelist grows with
 * it so that queuing an fd never needs memory.  0, or -1 with errno =
 * ENOMEM.
 */
static EV_NOINLINE int
fd_table_grow(struct event_base *base, int fd)
{
	struct evfd *nf;
	int *nc;
	int n, i;

	n = base->nfds ? base->nfds : 64;
	while (n <= fd) {
		if (n > INT_MAX / 2) {
			n = INT_MAX;
			break;
		}
		n *= 2;
	}
	if ((size_t)n > SIZE_MAX / sizeof(*nf)) {
		errno = ENOMEM;
		return -1;
	}
	/* The larger array first, so a refusal leaves nothing behind. */
	nf = mm_realloc(base->fds, (size_t)n * sizeof(*nf));
	if (nf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* The lists' head pointers moved: repoint their back links. */
	for (i = 0; i < base->nfds; i++) {
		struct event *first = TAILQ_FIRST(&nf[i].evs);
		if (first == NULL)
			nf[i].evs.tqh_last = &nf[i].evs.tqh_first;
		else
			first->ev_next.tqe_prev = &nf[i].evs.tqh_first;
	}
	base->fds = nf;
	nc = mm_realloc(base->changes, (size_t)n * sizeof(*nc));
	if (nc == NULL) {
		/* fds is larger than nfds says; harmless. */
		errno = ENOMEM;
		return -1;
	}
	base->changes = nc;
	memset(nf + base->nfds, 0, (size_t)(n - base->nfds) * sizeof(*nf));
	for (i = base->nfds; i < n; i++)
		TAILQ_INIT(&nf[i].evs);
	base->fds = nf;
	base->nfds = n;
	return 0;
}

/* Make fd a valid index of base->fds.  0, or -1 with errno = ENOMEM. */
static inline int
fd_table_reserve(struct event_base *base, int fd)
{
	if (fd < base->nfds)
		return 0;
	return fd_table_grow(base, fd);
}

/* Put fd on the changelist, once. */
static inline void
fd_queue(struct event_base *base, int fd, struct evfd *f)
{
	if (!(f->flags & EVFD_CHANGED)) {
		f->flags |= EVFD_CHANGED;
		base->changes[base->nchanges++] = fd;
	}
}

/* One of fd's events changed: the fd is watched again and re-examined. */
static inline void
fd_touch(struct event_base *base, int fd, struct evfd *f)
{
	f->flags &= ~EVFD_BAD;
	fd_queue(base, fd, f);
}

/*
 * Tell the backend what changed since the last wait.  Returns -1 if any
 * fd could not be registered (its events were then reported bad).
 */
static int
flush_changes(struct event_base *base)
{
	const struct eventop *evsel = base->evsel;
	int i, ret = 0;

	for (i = 0; i < base->nchanges; i++) {
		int fd = base->changes[i];
		struct evfd *f = &base->fds[fd];
		unsigned char want = (f->flags & EVFD_BAD) ? 0 : f->want;
		int force = (f->flags & EVFD_FORCE) && want;

		f->flags &= ~(EVFD_CHANGED | EVFD_FORCE);
		if (want == f->have && !force)
			continue;
		event_debug(("%s: fd %d 0x%x -> 0x%x", evsel->name, fd,
		    f->have, want));
		if (want == 0) {
			(void)evsel_del(base, fd, f->have);
			f->have = 0;
		} else if (evsel_add(base, fd, f->have, want) == -1) {
			event_warn("%s: cannot watch fd %d", evsel->name, fd);
			f->have = 0;
			ret = -1;
			event_fd_bad_(base, fd);
		} else {
			f->have = want;
		}
	}
	base->nchanges = 0;
	return ret;
}

/*
 * A backend found fd ready.  Activate every inserted event on it that
 * wants one of the directions.  The list is the current registration:
 * no callback runs while the backend reports, so it cannot change under us.
 */
void
event_fd_ready_(struct event_base *base, int fd, short what)
{
	struct event *ev;

	if ((unsigned)fd >= (unsigned)base->nfds)
		return;
	TAILQ_FOREACH(ev, &base->fds[fd].evs, ev_next) {
		short res = ev->ev_events & what;
		if (res)
			event_active_(ev, res, 1);
	}
}

/*
 * fd cannot be watched (closed: EBADF/POLLNVAL; or refused: EPERM for a
 * regular file with epoll).  Report it once to each of its events with the
 * directions they asked for, so the program's read or write sees the error,
 * and stop watching it until one of its events is added or deleted again.
 * This never spins: a persistent event that ignores it stays silent.
 */
void
event_fd_bad_(struct event_base *base, int fd)
{
	struct evfd *f;

	if ((unsigned)fd >= (unsigned)base->nfds)
		return;
	f = &base->fds[fd];
	if (f->flags & EVFD_BAD)
		return;
	event_fd_ready_(base, fd, EV_IO_MASK);
	f->flags |= EVFD_BAD;
	if (f->have)
		fd_queue(base, fd, f);	/* the next flush drops it */
}

/*
 * After fork(): drop the backend state shared with the parent, start a new
 * one and queue every wanted fd for it.  Forgetting what the old backend
 * had first means an event_add() while there is no backend fails at once.
 * 0, or -1 if the backend cannot start.
 */
int
event_backend_rebuild_(struct event_base *base)
{
	int i;

	event_backend_dealloc_(base);
	base->nchanges = 0;
	for (i = 0; i < base->nfds; i++) {
		base->fds[i].have = 0;
		base->fds[i].flags = 0;
	}
	if (event_backend_init_(base, base->evsel) == -1)
		return -1;
	for (i = 0; i < base->nfds; i++)
		if (base->fds[i].want)
			fd_touch(base, i, &base->fds[i]);
	return 0;
}

/* The changelist to the backend, for event_reinit(). */
int
event_flush_changes_(struct event_base *base)
{
	return flush_changes(base);
}

int
event_priority_set(struct event *ev, int pri)
{
	if (ev == NULL || ev->ev_base == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ev->ev_flags & EVLIST_ACTIVE) {
		errno = EBUSY;
		return -1;
	}
	if (pri < 0 || pri >= ev->ev_base->nactivequeues) {
		errno = EINVAL;
		return -1;
	}
	ev->ev_pri = pri;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events */

void
event_set(struct event *ev, int fd, short events,
    void (*callback)(int, short, void *), void *arg)
{
	int old_flags = ev->ev_flags;

	ev->ev_base = current_base;
	ev->ev_callback = callback;
	ev->ev_arg = arg;
	ev->ev_fd = fd;
	ev->ev_events = events;
	ev->ev_res = 0;
	ev->ev_flags = EVLIST_INIT;
	if (events & EV_IO_MASK)
		ev->ev_flags |= EVLIST_X_FDSET;
	ev->ev_ncalls = 0;
	ev->ev_pncalls = NULL;
	min_heap_elem_init(ev);
	ev->ev_pri = current_base ? current_base->nactivequeues / 2 : 0;
	if (event_debug_state_ != 1)
		event_debug_note_set_(ev, old_flags);
}

int
event_base_set(struct event_base *base, struct event *ev)
{
	if (base == NULL || ev == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((ev->ev_flags & ~EVLIST_X_MASK) != EVLIST_INIT) {
		errno = EBUSY;
		return -1;
	}
	ev->ev_base = base;
	ev->ev_pri = base->nactivequeues / 2;
	return 0;
}

/*
 * Make ev active with res, its callback to run ncalls times (2.x events:
 * only signal events take ncalls); if it is already active, res is ORed
 * in and ncalls ignored.  Works on events that were never added.  A 2.x
 * event more urgent than the level the loop is running makes the loop
 * poll again first, as in libevent 2.x.
 */
void
event_active_nolock_(struct event *ev, int res, short ncalls)
{
	struct event_base *base = ev->ev_base;

	if (ev->ev_flags & EVLIST_X_V2) {
		if (!(ev->ev_events & EV_SIGNAL))
			ncalls = 1;
		if (ev->ev_pri < base->running_pri)
			base->event_break |= EVSTOP_CONTINUE;
	}
	event_clamp_pri_(ev);
	event_active_(ev, res, ncalls);
	if (base->event_count_active > base->active_max)
		base->active_max = base->event_count_active;
}

void
event_active(struct event *ev, int res, short ncalls)
{
	struct event_base *base;

	if (ev == NULL || (base = ev->ev_base) == NULL)
		return;
	if (base->xflags) {
		if (base->xflags & EVX_DEBUGMODE)
			event_debug_assert_setup_(ev, "event_active");
		event_debug(("event_active: %p fd %d res 0x%x ncalls %d",
		    (void *)ev, ev->ev_fd, res, ncalls));
		event_base_lock_(base);
		event_active_nolock_(ev, res, ncalls);
		event_base_notify_(base);
		event_base_unlock_(base);
		return;
	}
	event_active_nolock_(ev, res, ncalls);
}

/*
 * Link an I/O event into its fd's list (fd table already reserved).
 * An fd the backend does not have yet is registered at once, so that a
 * refusal (EBADF, EPERM) is returned by event_add() as in 1.4; that costs
 * no extra call, the flush would have made it anyway.  Changes to an fd
 * the backend already has wait for the flush, and so does everything
 * while another thread's loop waits in the backend.  All events of an fd
 * are edge triggered (EV_ET) or none is.  0, or -1 with nothing done.
 */
static EV_ALWAYS_INLINE int
io_insert(struct event_base *base, struct event *ev)
{
	int fd = ev->ev_fd;
	struct evfd *f = &base->fds[fd];
	short events = ev->ev_events;
	unsigned char want;

	want = (unsigned char)(f->want | (events & base->io_mask));
	/* EV_ET and EV_CLOSED (rare) in one test: a change of mode needs a
	 * backend with EV_ET and no other event on the fd. */
	if (((events & (EV_ET | EV_CLOSED)) | f->et) != 0) {
		unsigned char et = (unsigned char)(events & EV_ET);
		if (et != f->et) {
			if (et && !(base->evsel->features & EV_FEATURE_ET)) {
				errno = EINVAL;
				return -1;
			}
			if (!TAILQ_EMPTY(&f->evs)) {
				event_warnx("event_add: fd %d: edge-triggered "
				    "and level-triggered events cannot share "
				    "an fd", fd);
				errno = EINVAL;
				return -1;
			}
			f->et = et;
		}
		if (et && want != 0)
			want |= EV_ET;
		if (events & EV_CLOSED)
			f->nclose++;
	}
	if (f->have == 0 && want != 0 && !base->th_in_wait) {
		/* (No backend: event_reinit() could not rebuild it.  Every
		 * fd's have is 0 then, so every add comes here.) */
		if (base->evbase == NULL || evsel_add(base, fd, 0, want) == -1) {
			if (base->evbase == NULL)
				errno = EINVAL;
			if (events & EV_CLOSED)
				f->nclose--;	/* nothing done after all */
			return -1;
		}
		f->have = want;
		f->flags &= ~(EVFD_BAD | EVFD_FORCE);
	} else {
		if (ev->ev_flags & EVLIST_X_FDSET)
			f->flags |= EVFD_FORCE;
		fd_touch(base, fd, f);
	}
	TAILQ_INSERT_TAIL(&f->evs, ev, ev_next);
	if (events & EV_READ)
		f->nread++;
	if (events & EV_WRITE)
		f->nwrite++;
	f->want = want;
	return 0;
}

/* Only the removed event's directions can stop being wanted. */
static EV_ALWAYS_INLINE void
io_remove(struct event_base *base, struct event *ev)
{
	int fd = ev->ev_fd;
	struct evfd *f = &base->fds[fd];
	short events = ev->ev_events;

	TAILQ_REMOVE(&f->evs, ev, ev_next);
	if ((events & EV_READ) && --f->nread == 0)
		f->want &= ~EV_READ;
	if ((events & EV_WRITE) && --f->nwrite == 0)
		f->want &= ~EV_WRITE;
	if (((events & EV_CLOSED) | f->et) != 0) {	/* rare */
		if ((events & EV_CLOSED) && --f->nclose == 0)
			f->want &= ~EV_CLOSED;
		if (!(f->want & EV_IO_MASK))
			f->want = 0;	/* no EV_ET without interest */
	}
	fd_touch(base, fd, f);
}

/*
 * Deferred deadlines (event_timer_defer.c): a pure timer added outside
 * the loop is noted with the coarse clock, its deadline fixed when the
 * loop next starts a pass.  The note and its removal are here, inline in
 * event_add() and event_del().
 */
/* Whether event_add() of the pure timer ev may note it. */
static EV_ALWAYS_INLINE int
timer_may_defer(const struct event_base *base, const struct event *ev)
{
	if (base->tv_cached || base->running || base->xflags ||
	    base->defer_slack_us == 0)
		return 0;
	/* An armed timer in the heap keeps its place (lazy re-arming); an
	 * active or 2.x event takes timer_add_rare(). */
	return !(ev->ev_flags & (EVLIST_ACTIVE | EVLIST_X_V2)) &&
	    (ev->ev_flags & (EVLIST_TIMEOUT | EVLIST_X_DEFER)) !=
	    EVLIST_TIMEOUT;
}

/*
 * Note the pure timer ev for now + tv.  0, or -1 (no memory for the note:
 * nothing changed, arm it the usual way).
 */
static EV_ALWAYS_INLINE int
timer_defer(struct event_base *base, struct event *ev, const struct timeval *tv)
{
	struct timer_defer *d;

	if (ev->ev_flags & EVLIST_X_DEFER) {
		d = &base->defer[ev->min_heap_idx];
	} else {
		if ((base->ndefer == base->adefer &&
		    event_timer_defer_grow_(base) == -1) ||
		    event_timer_reserve_(base, 2) == -1)
			return -1;
		event_clamp_pri_(ev);	/* becoming pending */
		ev->ev_flags |= EVLIST_TIMEOUT | EVLIST_X_DEFER;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count++;
		ev->min_heap_idx = base->ndefer;
		d = &base->defer[base->ndefer++];
		d->ev = ev;
	}
	d->rel = timeout_to_us(tv);
	d->seq = base->timer_seq++;
	/* The latest the deadline can be, until the flush fixes it. */
	us_to_tv(event_mono_coarse_us_() + base->defer_slack_us + d->rel,
	    &ev->ev_timeout);
	return 0;
}

/* Forget ev's note (it has one). */
static inline void
timer_defer_remove(struct event_base *base, struct event *ev)
{
	unsigned i = ev->min_heap_idx, last = --base->ndefer;

	if (i != last) {
		base->defer[i] = base->defer[last];
		base->defer[i].ev->min_heap_idx = i;
	}
	ev->min_heap_idx = MIN_HEAP_NONE;
}

/*
 * Take ev's timer out of the heap (it is armed).  With inl (a constant:
 * event_del() of a timer, event_del_uninserted()) the heap code is
 * inlined here.
 */
static EV_ALWAYS_INLINE void
timer_disarm_inl(struct event_base *base, struct event *ev, int inl)
{
	if (ev->ev_flags & EVLIST_X_DEFER)
		timer_defer_remove(base, ev);
	else if (inl)
		min_heap_erase_inl_(&base->timeheap, ev);
	else
		min_heap_erase(&base->timeheap, ev);
	ev->ev_flags &= ~(EVLIST_TIMEOUT | EVLIST_X_LAZY | EVLIST_X_DEFER);
	if (!(ev->ev_flags & EVLIST_INTERNAL))
		base->event_count--;
}

#define timer_disarm(base, ev)	timer_disarm_inl((base), (ev), 0)

/*
 * Lazy re-arming.  A timer re-armed to a later deadline (an inactivity
 * timeout pushed back, a 2.x persistent event re-armed at each activation:
 * the common cases) keeps its place in the heap: only ev_timeout, the real
 * deadline, moves, and EVLIST_X_LAZY says the heap key is an earlier one.
 * When that key comes to the top, timeout_process() puts the timer where
 * its real deadline belongs instead of firing it.  The heap orders equal
 * keys by the sequence number of the entry, which keeps the old one; the
 * new number waits in ev_pncalls (1.4 pointed it at the count of calls
 * left; we keep that count in the base, see cur_ncalls).
 */
#define timer_lazy_seq(ev)	((uint64_t)(uintptr_t)(ev)->ev_pncalls)
#define timer_set_lazy_seq(ev, s) \
	((ev)->ev_pncalls = (short *)(uintptr_t)(s))

/*
 * The heap part of arming ev for when.  Out of line and called last, so
 * that event_add() of a timer needs no registers of its own.  Returns 0.
 */
static EV_NOINLINE int
timer_heap_set(struct event_base *base, struct event *ev, int64_t when)
{
	if (ev->ev_flags & EVLIST_TIMEOUT) {
		ev->ev_flags &= ~EVLIST_X_LAZY;
		min_heap_adjust(&base->timeheap, ev, when, base->timer_seq++);
		return 0;
	}
	ev->ev_flags |= EVLIST_TIMEOUT;
	if (!(ev->ev_flags & EVLIST_INTERNAL))
		base->event_count++;
	min_heap_push(&base->timeheap, ev, when, base->timer_seq++);
	return 0;
}

/*
 * Arm ev's timer for the monotonic time when (microseconds); a heap slot
 * must have been reserved if the timer is not armed yet.  Returns 0.
 */
static EV_ALWAYS_INLINE int
timer_arm(struct event_base *base, struct event *ev, int64_t when)
{
	if ((ev->ev_flags & EVLIST_TIMEOUT) &&
	    when >= tv_to_us(&ev->ev_timeout)) {
		/* Later than the armed deadline: no heap work (see above). */
		ev->ev_flags |= EVLIST_X_LAZY;
		timer_set_lazy_seq(ev, base->timer_seq++);
		us_to_tv(when, &ev->ev_timeout);
		return 0;
	}
	us_to_tv(when, &ev->ev_timeout);
	return timer_heap_set(base, ev, when);
}

void
event_timer_arm_(struct event_base *base, struct event *ev, int64_t when)
{
	(void)timer_arm(base, ev, when);
}

/*
 * A 2.x event's timeout: tv may be a common timeout; a persistent event
 * keeps the duration to re-arm with (libevent 2.x keeps it until
 * event_remove_timer() or event_assign(), even across event_del()).
 */
static int64_t
timeout_v2(struct event_base *base, struct event *ev,
    const struct timeval *tv)
{
	int64_t d = -1;

	/* Out of range, a common timeout is clamped as any other (the
	 * lookup's tv_sec * 1000000 would overflow; the marker in its
	 * tv_usec then adds minutes to decades). */
	if (sec_within(tv->tv_sec, TIMEOUT_MAX_SEC))
		d = event_common_timeout_us_(base, tv);
	if (d < 0)
		d = timeout_to_us(tv);
	if ((ev->ev_events & EV_PERSIST) && d != 0) {
		ev_x_set_interval(ev, d);
		ev->ev_flags |= EVLIST_X_REARM;
	}
	return base_now_us(base) + d;
}

/*
 * timer_add() for the rare events: an active one (re-arming a
 * timeout-activated event cancels its callback) or a 2.x one.
 */
static EV_NOINLINE int
timer_add_rare(struct event_base *base, struct event *ev,
    const struct timeval *tv)
{
	if ((ev->ev_flags & EVLIST_ACTIVE) && (ev->ev_res & EV_TIMEOUT)) {
		if (base->cur_ev == ev)
			base->cur_ncalls = 0;
		event_queue_remove_active(base, ev);
	}
	if (ev->ev_flags & EVLIST_X_V2)
		return timer_arm(base, ev, timeout_v2(base, ev, tv));
	return timer_arm(base, ev, base_now_us(base) + timeout_to_us(tv));
}

/*
 * (Re)arm ev's timeout to now + tv.  Room in the heap must have been
 * reserved and the priority checked when ev is not armed yet.  Returns 0.
 */
static EV_ALWAYS_INLINE int
timer_add(struct event_base *base, struct event *ev, const struct timeval *tv)
{
	/* One test for two rare cases: an active event, a 2.x one. */
	if (ev->ev_flags & (EVLIST_ACTIVE | EVLIST_X_V2))
		return timer_add_rare(base, ev, tv);
	return timer_arm(base, ev, base_now_us(base) + timeout_to_us(tv));
}

/* event_add_nolock() of an event with I/O or a signal (tv may be NULL). */
static EV_NOINLINE int
event_add_registered(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;
	int events = ev->ev_events, insert;

	if ((events & EV_SIGNAL) && (events & EV_IO_MASK)) {
		event_warnx("event_add: EV_SIGNAL with EV_READ/EV_WRITE");
		errno = EINVAL;
		return -1;
	}
	insert = !(ev->ev_flags & EVLIST_INSERTED);

	/* Everything that can fail comes first. */
	if (insert && (events & EV_IO_MASK)) {
		if (ev->ev_fd < 0) {
			errno = EBADF;
			return -1;
		}
		if (fd_table_reserve(base, ev->ev_fd) == -1)
			return -1;
	}
	/* Other timers keep a spare heap slot for the loopexit event, so
	 * that event_base_loopexit() never needs memory. */
	if (tv != NULL && !(ev->ev_flags & EVLIST_TIMEOUT) &&
	    event_timer_reserve_(base, ev == &base->loopexit_ev ? 1 : 2) == -1)
		return -1;
	if (insert) {
		if (events & EV_SIGNAL) {
			if ((evsignal_add)(ev) == -1)
				return -1;
		} else if (io_insert(base, ev) == -1)
			return -1;
		ev->ev_flags |= EVLIST_INSERTED;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count++;
		/* A pending event's level was checked when it became pending
		 * (event_base_priority_init() keeps pending events in range),
		 * so only an event becoming pending needs the check. */
		event_clamp_pri_(ev);
	}
	ev->ev_flags &= ~EVLIST_X_FDSET;
	if (tv != NULL)
		return timer_add(base, ev, tv);
	return 0;
}

/* event_add_nolock() of a pure timer: the common case of timer-heavy
 * programs. */
static EV_NOINLINE int
event_add_timer(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;

	if (tv == NULL)
		return 0;
	if (timer_may_defer(base, ev) && timer_defer(base, ev, tv) == 0)
		return 0;
	if (ev->ev_flags & EVLIST_X_DEFER)
		timer_disarm(base, ev);	/* noted, now armed the usual way */
	if (!(ev->ev_flags & EVLIST_TIMEOUT)) {
		if (event_timer_reserve_(base, 1) == -1)
			return -1;
		event_clamp_pri_(ev);	/* becoming pending */
	}
	return timer_add(base, ev, tv);
}

/*
 * Make ev pending: register its fd or signal unless already registered,
 * and with tv (re)arm its timeout to now + tv.  NULL leaves an armed
 * timeout alone.  Either everything happens or nothing: 0, or -1 with
 * errno (EINVAL, EBADF, ENOMEM, or from sigaction/socketpair).  Both
 * kinds are out of line, so that event_add() itself is a few tests and a
 * jump, and each path saves only the registers it needs.
 */
static EV_ALWAYS_INLINE int
event_add_nolock(struct event *ev, const struct timeval *tv)
{
	if (ev->ev_events & (EV_IO_MASK | EV_SIGNAL))
		return event_add_registered(ev, tv);
	return event_add_timer(ev, tv);
}

/* event_add() with a lock, debug checks or debug logging. */
static EV_NOINLINE int
event_add_slow(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;
	int res;

	if (base->xflags & EVX_DEBUGMODE)
		event_debug_assert_setup_(ev, "event_add");
	event_debug(("event_add: %p fd %d events 0x%x%s", (void *)ev,
	    ev->ev_fd, ev->ev_events, tv != NULL ? " with timeout" : ""));
	event_base_lock_(base);
	res = event_add_nolock(ev, tv);
	if (res == 0)
		event_base_notify_(base);
	event_base_unlock_(base);
	return res;
}

/* (An event being finalized has no EVLIST_INIT until its finalizer.) */
int
event_add(struct event *ev, const struct timeval *tv)
{
	if (ev == NULL || ev->ev_base == NULL ||
	    !(ev->ev_flags & EVLIST_INIT)) {
		errno = EINVAL;
		return -1;
	}
	if (ev->ev_base->xflags)
		return event_add_slow(ev, tv);
	return event_add_nolock(ev, tv);
}

/*
 * Make ev non-pending: disarm its timer, cancel a queued callback (and the
 * remaining calls of a running one), unregister its fd or signal.
 */
static EV_ALWAYS_INLINE int
event_del_nolock_inl(struct event *ev, int inl)
{
	struct event_base *base = ev->ev_base;

	if (base->cur_ev == ev)
		base->cur_ncalls = 0;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		timer_disarm_inl(base, ev, inl);
	if (ev->ev_flags & EVLIST_ACTIVE)
		event_queue_remove_active(base, ev);
	if (ev->ev_flags & EVLIST_INSERTED) {
		ev->ev_flags &= ~EVLIST_INSERTED;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count--;
		if (ev->ev_events & EV_SIGNAL)
			(void)(evsignal_del)(ev);
		else
			io_remove(base, ev);
	}
	return 0;
}

#define event_del_nolock(ev)	event_del_nolock_inl((ev), 0)

int
event_del_nolock_(struct event *ev)
{
	return event_del_nolock(ev);
}

/* event_del() of an event with no fd or signal registered (a timer): the
 * heap code inlined. */
static EV_NOINLINE int
event_del_uninserted(struct event *ev)
{
	return event_del_nolock_inl(ev, 1);
}

#define DEL_AUTOBLOCK	0	/* wait unless the event has EV_FINALIZE */
#define DEL_BLOCK	1
#define DEL_NOBLOCK	2

/*
 * event_del() with a lock, debug checks or debug logging.  With threads,
 * a deletion from another thread while the loop runs ev's callback waits
 * for the callback to return (block), so that the caller may free what
 * the callback uses.
 */
static EV_NOINLINE int
event_del_slow(struct event *ev, int block)
{
	struct event_base *base = ev->ev_base;

	if (base->xflags & EVX_DEBUGMODE)
		event_debug_assert_setup_(ev, "event_del");
	event_debug(("event_del: %p fd %d flags 0x%x", (void *)ev, ev->ev_fd,
	    ev->ev_flags));
	event_base_lock_(base);
	if (block != DEL_NOBLOCK && base->th_cond != NULL &&
	    (block == DEL_BLOCK || !(ev->ev_events & EV_FINALIZE)) &&
	    base->cur_ev == ev && evthread_id_() != base->th_owner) {
		base->th_waiters++;
		while (base->cur_ev == ev)
			evthread_cond_wait_(base);
		base->th_waiters--;
	}
	(void)event_del_nolock_(ev);
	event_base_notify_(base);
	event_base_unlock_(base);
	return 0;
}

/* 0, or -1 when ev has no base. */
static EV_ALWAYS_INLINE int
event_del_block_mode(struct event *ev, int block)
{
	if (ev == NULL || ev->ev_base == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ev->ev_base->xflags)
		return event_del_slow(ev, block);
	/* Out of line either way: this stays a few tests and a jump. */
	if (ev->ev_flags & EVLIST_INSERTED)
		return event_del_nolock_(ev);
	return event_del_uninserted(ev);
}

int
event_del(struct event *ev)
{
	return event_del_block_mode(ev, DEL_AUTOBLOCK);
}

int
event_del_block(struct event *ev)
{
	return event_del_block_mode(ev, DEL_BLOCK);
}

int
event_del_noblock(struct event *ev)
{
	return event_del_block_mode(ev, DEL_NOBLOCK);
}

/* Disarm ev's timer, keep its registration; forget a 2.x interval. */
int
event_remove_timer(struct event *ev)
{
	struct event_base *base;

	if (ev == NULL || (base = ev->ev_base) == NULL) {
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	if (ev->ev_flags & EVLIST_TIMEOUT)
		timer_disarm(base, ev);
	ev->ev_flags &= ~EVLIST_X_REARM;
	event_base_unlock_(base);
	return 0;
}

/*
 * Which of event's kinds ev is pending or active for.  With tv and an
 * armed timer, the expiry as wall-clock time.
 */
static int
event_pending_nolock(const struct event *ev, short event, struct timeval *tv)
{
	int flags = 0;

	if (ev->ev_flags & EVLIST_INSERTED)
		flags |= ev->ev_events & (EV_IO_MASK | EV_SIGNAL);
	if (ev->ev_flags & EVLIST_ACTIVE)
		flags |= ev->ev_res;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		flags |= EV_TIMEOUT;
	event &= (EV_TIMEOUT | EV_IO_MASK | EV_SIGNAL);

	if (tv != NULL && (flags & event & EV_TIMEOUT)) {
		event_timers_settle_(ev->ev_base);
		event_deadline_wall_(ev->ev_base, ev, tv);
	}
	return flags & event;
}

/* With threads, the loop changes the flags under the base's lock. */
int
event_pending(const struct event *ev, short event, struct timeval *tv)
{
	struct event_base *base;
	int res;

	if (ev == NULL)
		return 0;
	base = ev->ev_base;
	if (base == NULL || !(base->xflags & EVX_LOCK))
		return event_pending_nolock(ev, event, tv);
	event_base_lock_(base);
	res = event_pending_nolock(ev, event, tv);
	event_base_unlock_(base);
	return res;
}

/* ------------------------------------------------------------------ */
/* The loop */

/* Set an EVSTOP_* bit, waking the loop if another thread runs it. */
int
event_base_stop_(struct event_base *base, int how)
{
	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	base->event_break |= how;
	event_base_notify_(base);
	event_base_unlock_(base);
	return 0;
}

int
event_base_loopbreak(struct event_base *base)
{
	return event_base_stop_(base, EVSTOP_BREAK);
}

int
event_loopbreak(void)
{
	return event_base_loopbreak(current_base);
}

/*
 * Move every expired timer to the active queues.  The event is deleted,
 * except a 2.x persistent one, which only loses its timer (it is re-armed
 * before its callback runs).  A lazily re-armed timer at the top first
 * moves to its real deadline.
 */
static void
timeout_process(struct event_base *base)
{
	struct event *ev;
	int64_t now = base->now_us;

	while (!min_heap_empty(&base->timeheap) &&
	    min_heap_top_key(&base->timeheap) <= now) {
		ev = min_heap_top(&base->timeheap);
		if (ev->ev_flags & EVLIST_X_LAZY) {
			ev->ev_flags &= ~EVLIST_X_LAZY;
			min_heap_adjust(&base->timeheap, ev,
			    tv_to_us(&ev->ev_timeout), timer_lazy_seq(ev));
			continue;
		}
		if (ev->ev_flags & EVLIST_X_REARM)
			timer_disarm(base, ev);
		else
			(void)event_del_nolock(ev);
		event_active_(ev, EV_TIMEOUT, 1);
	}
}

/* Take ev off its queue before its callback, as its kind wants. */
static inline void
event_dequeue_for_callback(struct event_base *base, struct event *ev)
{
	if (ev->ev_events & EV_PERSIST) {
		event_queue_remove_active(base, ev);
		if (ev->ev_flags & EVLIST_X_REARM)
			event_persist_rearm_(base, ev);
	} else {
		(void)event_del_nolock(ev);
	}
}

/* The most urgent non-empty level (nactivequeues if none). */
static inline int
event_first_active_level(struct event_base *base)
{
	int i;

	for (i = 0; i < base->nactivequeues; i++)
		if (TAILQ_FIRST(&base->activequeues[i]) != NULL)
			break;
	if (base->event_count_active > base->active_max)
		base->active_max = base->event_count_active;
	return i;
}

/*
 * The callback loop with a lock or dispatch limits: each callback runs
 * with the base unlocked, and a thread waiting in event_del() for the
 * running callback is woken after it.  On a limited level the loop polls
 * again after max_callbacks callbacks or max_interval.
 */
static void
event_process_active_general(struct event_base *base, int i)
{
	int64_t end = -1;
	int count = 0, limited;
	struct event *ev;

	limited = (base->xflags & EVX_LIMITS) && i >= base->limit_after_pri;
	if (limited && base->max_interval_us >= 0)
		end = event_mono_now_us_() + base->max_interval_us;
	while (i < base->nactivequeues &&
	    (ev = TAILQ_FIRST(&base->activequeues[i])) != NULL) {
		int stop = 0;

		event_dequeue_for_callback(base, ev);
		if (ev->ev_flags & EVLIST_FINALIZING) {
			event_finalize_run_(base, ev);
			continue;
		}
		base->cur_ev = ev;
		base->cur_ncalls = ev->ev_ncalls;
		while (base->cur_ncalls > 0) {
			void (*cb)(int, short, void *) = ev->ev_callback;
			int fd = ev->ev_fd;
			short res = (short)ev->ev_res;
			void *arg = ev->ev_arg;

			base->cur_ncalls--;
			ev->ev_ncalls = base->cur_ncalls;
			event_base_unlock_(base);
			cb(fd, res, arg);
			event_base_lock_(base);
			if (event_gotsig || base->event_break) {
				stop = 1;
				break;
			}
		}
		base->cur_ev = NULL;
		if (base->th_waiters)
			evthread_cond_broadcast_(base);
		if (stop)
			break;
		if (limited && (++count >= base->max_callbacks ||
		    (end >= 0 && event_mono_now_us_() >= end)))
			break;
	}
}

/*
 * Run the callbacks of the most urgent non-empty queue, including events
 * activated into it meanwhile.  Returns early on loopbreak, loopcontinue
 * or event_gotsig.
 */
static void
event_process_active(struct event_base *base)
{
	/* A callback may run a nested loop on this base: keep the state of
	 * the repeated calls we may be inside of. */
	struct event *saved_ev = base->cur_ev;
	short saved_ncalls = base->cur_ncalls;
	int saved_pri = base->running_pri;
	struct event *ev;
	int i;

	i = event_first_active_level(base);
	base->running_pri = i;
	if (base->xflags & EVX_SLOWLOOP) {
		event_process_active_general(base, i);
		goto out;
	}

	/* Re-read the queue after every callback: it may have run
	 * event_base_priority_init() once the queues were empty. */
	while (i < base->nactivequeues &&
	    (ev = TAILQ_FIRST(&base->activequeues[i])) != NULL) {
		event_dequeue_for_callback(base, ev);
		base->cur_ev = ev;
		if (ev->ev_ncalls == 1) {
			/* The common case: one call, nothing to stop. */
			(*ev->ev_callback)(ev->ev_fd, (short)ev->ev_res,
			    ev->ev_arg);
			if (event_gotsig || base->event_break)
				break;
			continue;
		}
		if (ev->ev_flags & EVLIST_FINALIZING) {
			event_finalize_run_(base, ev);
			continue;
		}
		base->cur_ncalls = ev->ev_ncalls;
		while (base->cur_ncalls > 0) {
			base->cur_ncalls--;
			ev->ev_ncalls = base->cur_ncalls;
			(*ev->ev_callback)(ev->ev_fd, (short)ev->ev_res,
			    ev->ev_arg);
			if (event_gotsig || base->event_break)
				goto out;
		}
	}
out:
	base->cur_ev = saved_ev;
	base->cur_ncalls = saved_ncalls;
	base->running_pri = saved_pri;
}

/*
 * How long the backend may wait: not at all when something is active or
 * with EVLOOP_NONBLOCK, else until the earliest deadline, else forever
 * (NULL).
 */
static struct timeval *
loop_timeout(struct event_base *base, int flags, struct timeval *tv)
{
	int64_t left;

	if (base->event_count_active || (flags & EVLOOP_NONBLOCK)) {
		tv->tv_sec = tv->tv_usec = 0;
		return tv;
	}
	if (min_heap_empty(&base->timeheap))
		return NULL;
	left = min_heap_top_key(&base->timeheap) - event_mono_now_us_();
	us_to_tv(left > 0 ? left : 0, tv);
	return tv;
}

/* The loop proper; the base is locked (if it has a lock). */
static int
event_base_loop_locked(struct event_base *base, int flags)
{
	struct timeval tv;
	int done = 0;

	while (!done) {
		if (base->event_gotterm) {
			base->event_gotterm = 0;
			base->got_exit = 1;
			break;
		}
		if (base->event_break) {
			if (base->event_break & EVSTOP_BREAK) {
				base->event_break = 0;
				base->got_break = 1;
				break;
			}
			base->event_break = 0;	/* a loopcontinue */
		}
		while (event_gotsig) {
			event_gotsig = 0;
			if (event_sigcb != NULL && (*event_sigcb)() == -1) {
				errno = EINTR;
				return -1;
			}
		}

		/* Nothing inserted or armed and nothing to run: done.  (An
		 * active internal event costs one more harmless pass.) */
		if (base->event_count <= 0 && base->event_count_active == 0 &&
		    !(flags & EVLOOP_NO_EXIT_ON_EMPTY))
			return 1;
		/* event_base_get_max_events() samples here and when asked. */
		if (base->event_count > base->event_count_max)
			base->event_count_max = base->event_count;

		if (base->ndefer)
			event_timers_settle_(base);
		(void)flush_changes(base);
		base->tv_cached = 0;
		if (evsel_dispatch(base, loop_timeout(base, flags, &tv)) == -1)
			return -1;
		base->now_us = event_mono_now_us_();
		base->tv_cached = base->cache_time;

		timeout_process(base);
		if (base->event_count_active) {
			event_process_active(base);
			if (!base->event_count_active && (flags & EVLOOP_ONCE))
				done = 1;
		} else if (flags & EVLOOP_NONBLOCK) {
			done = 1;
		}
	}
	return 0;
}

int
event_base_loop(struct event_base *base, int flags)
{
	unsigned long saved_owner;
	int res;

	if (base == NULL || base->evbase == NULL) {
		errno = EINVAL;
		return -1;
	}
	event_base_lock_(base);
	saved_owner = base->th_owner;
	if (base->th_lock != NULL) {
		unsigned long self = evthread_id_();
		if (base->running && saved_owner != self) {
			event_warnx("event_base_loop: the loop of this base "
			    "already runs in another thread");
			event_base_unlock_(base);
			errno = EBUSY;
			return -1;
		}
		base->th_owner = self;
	}
	base->tv_cached = 0;
	base->got_exit = base->got_break = 0;
	/* (A backend that watches signals gets them without the handler.) */
	if (base->sig.nsigevents > 0 && base->evsel->sig_add == NULL)
		evsignal_base = base;
	base->running++;
	res = event_base_loop_locked(base, flags);
	base->running--;
	base->tv_cached = 0;
	base->th_owner = saved_owner;
	event_base_unlock_(base);
	return res;
}

int
event_loop(int flags)
{
	return event_base_loop(current_base, flags);
}

int
event_base_dispatch(struct event_base *base)
{
	return event_base_loop(base, 0);
}

int
event_dispatch(void)
{
	return event_loop(0);
}
