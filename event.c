/*
 * event.c -- the event loop: bases, registration, timers, priorities.
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

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct event_base *current_base = NULL;

/* The hot paths of event_add(): keep the rare work out of line so the
 * common case needs few registers. */
#if defined(__GNUC__)
#define EV_NOINLINE	__attribute__((noinline))
#define EV_ALWAYS_INLINE	inline __attribute__((always_inline))
#else
#define EV_NOINLINE
#define EV_ALWAYS_INLINE	inline
#endif

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

/* event_once() storage. */
struct event_once {
	struct event ev;
	void (*cb)(int, short, void *);
	void *arg;
	struct event_once *next, **prevp;
};


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

/* Bring ev_pri into [0, nactivequeues - 1]. */
static inline void
event_clamp_pri(struct event *ev)
{
	int n = ev->ev_base->nactivequeues;

	if ((unsigned)ev->ev_pri >= (unsigned)n)
		ev->ev_pri = ev->ev_pri < 0 ? 0 : n - 1;
}

/* ------------------------------------------------------------------ */
/* Time */

static inline int64_t
mono_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The current time: inside the loop (after the backend returned) the
 * time cached then, as in 1.4, so timeouts added by callbacks are relative
 * to the moment the wait ended.
 */
static EV_NOINLINE int64_t
mono_now_us_call(void)
{
	return mono_now_us();
}

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

/* tv as microseconds, clamped so that now + result cannot overflow. */
static inline int64_t
tv_to_us(const struct timeval *tv)
{
	const int64_t max_sec = INT64_MAX / 1000000 / 4;
	int64_t s = tv->tv_sec;

	/* One unsigned compare for the common, in-range case. */
	if ((uint64_t)(s + max_sec) > (uint64_t)(2 * max_sec))
		s = s > 0 ? max_sec : -max_sec;
	return s * 1000000 + tv->tv_usec;
}

static inline void
us_to_tv(int64_t us, struct timeval *tv)
{
	int64_t s, u;

	if (us >= 0) {
		/* Unsigned division: no sign fix-ups (monotonic times). */
		s = (int64_t)((uint64_t)us / 1000000);
		tv->tv_sec = (time_t)s;
		tv->tv_usec = (suseconds_t)(us - s * 1000000);
		return;
	}
	s = us / 1000000;
	u = us % 1000000;
	if (u < 0) {
		u += 1000000;
		s--;
	}
	tv->tv_sec = (time_t)s;
	tv->tv_usec = (suseconds_t)u;
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
static int
evsel_init(struct event_base *base, const struct eventop *op)
{
	base->evsel = op;
	base->evbase = op->init(base);
	return base->evbase != NULL ? 0 : -1;
}

static void
evsel_dealloc(struct event_base *base)
{
	if (base->evsel != NULL && base->evbase != NULL)
		base->evsel->dealloc(base);
	base->evbase = NULL;
}

/* ------------------------------------------------------------------ */
/* The fd table and the changelist */

/*
 * Make fd a valid index of base->fds.  The changelist grows with it so
 * that queuing an fd never needs memory.  0, or -1 with errno = ENOMEM.
 */
static int
fd_table_reserve(struct event_base *base, int fd)
{
	struct evfd *nf;
	int *nc;
	int n, i;

	if (fd < base->nfds)
		return 0;
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
	base->nfds = n;
	return 0;
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

static inline unsigned char
fd_want(const struct evfd *f)
{
	return (unsigned char)((f->nread ? EV_READ : 0) |
	    (f->nwrite ? EV_WRITE : 0));
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
	event_fd_ready_(base, fd, EV_READ | EV_WRITE);
	f->flags |= EVFD_BAD;
	if (f->have)
		fd_queue(base, fd, f);	/* the next flush drops it */
}

/* ------------------------------------------------------------------ */
/* Bases */

static const char *
backend_disabled(const struct eventop *op)
{
	char name[64];
	size_t i;

	(void)evutil_snprintf(name, sizeof(name), "EVENT_NO%s", op->name);
	for (i = 8; name[i]; i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			name[i] = (char)(name[i] - 'a' + 'A');
	return evutil_getenv(name);
}

/*
 * A new base with the first backend that is not disabled and initializes.
 * NULL with errno = ENOMEM if memory runs out.  If no backend works the
 * process exits with status 1, as 1.4 does (documented).
 */
struct event_base *
event_base_new(void)
{
	struct event_base *base;
	int i;

	base = mm_calloc(1, sizeof(*base));
	if (base == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	min_heap_ctor(&base->timeheap);
	base->sig.ev_signal_pair[0] = base->sig.ev_signal_pair[1] = -1;
	for (i = 0; i < NSIG; i++)
		TAILQ_INIT(&base->sig.evsigevents[i]);
	if (event_base_priority_init(base, 1) == -1) {
		mm_free(base);
		errno = ENOMEM;
		return NULL;
	}

	for (i = 0; eventops[i] != NULL; i++) {
		if (backend_disabled(eventops[i]) != NULL)
			continue;
		if (evsel_init(base, eventops[i]) == 0)
			break;
	}
	if (base->evbase == NULL)
		event_errx(1, "%s: no event mechanism available",
		    "event_base_new");

	if (evutil_getenv("EVENT_SHOW_METHOD") != NULL)
		event_msgx("libevent using: %s\n", base->evsel->name);
	return base;
}

struct event_base *
event_init(void)
{
	struct event_base *base = event_base_new();

	if (base != NULL)
		current_base = base;
	return base;
}

/*
 * Delete every pending event (the caller's memory and fds are untouched),
 * restore signal handlers and free the base.  NULL means current_base.
 */
void
event_base_free(struct event_base *base)
{
	struct event_once *eo;
	struct event *ev;
	int i;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return;
	if (base == current_base)
		current_base = NULL;

	for (i = 0; i < base->nfds; i++) {
		while ((ev = TAILQ_FIRST(&base->fds[i].evs)) != NULL) {
			if (ev == &base->sig.ev_signal)
				break;
			(void)event_del(ev);
		}
	}
	while ((ev = min_heap_top(&base->timeheap)) != NULL)
		(void)event_del(ev);
	for (i = 0; i < base->nactivequeues; i++)
		while ((ev = TAILQ_FIRST(&base->activequeues[i])) != NULL)
			(void)event_del(ev);
	for (i = 1; i < NSIG; i++)
		while ((ev = TAILQ_FIRST(&base->sig.evsigevents[i])) != NULL)
			(void)event_del(ev);
	evsignal_dealloc(base);

	/* event_once() records whose event never ran. */
	while ((eo = base->once_head) != NULL) {
		base->once_head = eo->next;
		mm_free(eo);
	}

	evsel_dealloc(base);
	min_heap_dtor(&base->timeheap);
	mm_free(base->activequeues);
	mm_free(base->fds);
	mm_free(base->changes);
	mm_free(base);
}

/*
 * After fork(): give the child its own backend state and signal pair and
 * register every inserted event again.  0, or -1 if anything failed.
 */
int
event_reinit(struct event_base *base)
{
	int i, res = 0;

	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* A backend whose state lives in the kernel (epoll, kqueue,
	 * /dev/poll) shares it with the parent: give the child its own and
	 * register every wanted fd again.  poll and select keep theirs. */
	if (base->evsel->need_reinit || base->evbase == NULL) {
		evsel_dealloc(base);
		if (evsel_init(base, base->evsel) == -1) {
			event_warn("event_reinit: %s", base->evsel->name);
			return -1;
		}
		base->nchanges = 0;
		for (i = 0; i < base->nfds; i++) {
			struct evfd *f = &base->fds[i];
			f->have = 0;
			f->flags = 0;
			if (f->want)
				fd_touch(base, i, f);
		}
	}
	if (evsignal_reinit_(base) == -1)
		res = -1;
	if (flush_changes(base) == -1)
		res = -1;
	return res;
}

const char *
event_base_get_method(struct event_base *base)
{
	if (base == NULL)
		return NULL;
	return base->evsel->name;
}

int
event_base_get_features(const struct event_base *base)
{
	return base != NULL ? base->evsel->features : 0;
}

const char *
event_get_method(void)
{
	return event_base_get_method(current_base);
}

const char *
event_get_version(void)
{
	return "1.4.15";
}

/*
 * Set the number of priority levels.  -1 if an event is active or npri
 * is out of range; 0 without change when npri is the current count.
 */
int
event_base_priority_init(struct event_base *base, int npri)
{
	struct event_list *q;
	int i, old;

	if (base == NULL || npri < 1 || npri > 256) {
		errno = EINVAL;
		return -1;
	}
	if (base->event_count_active) {
		errno = EBUSY;
		return -1;
	}
	if (npri == base->nactivequeues)
		return 0;
	old = base->nactivequeues;
	q = mm_malloc((size_t)npri * sizeof(*q));
	if (q == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < npri; i++)
		TAILQ_INIT(&q[i]);
	mm_free(base->activequeues);
	base->activequeues = q;
	base->nactivequeues = npri;
	if (npri < old) {
		/* Pending events may now name a level that is gone. */
		struct event *ev;
		unsigned k;
		for (i = 0; i < base->nfds; i++)
			TAILQ_FOREACH(ev, &base->fds[i].evs, ev_next)
				event_clamp_pri(ev);
		for (k = 0; k < base->timeheap.n; k++)
			event_clamp_pri(base->timeheap.p[k].ev);
		for (i = 1; i < NSIG; i++)
			TAILQ_FOREACH(ev, &base->sig.evsigevents[i],
			    ev_signal_next)
				event_clamp_pri(ev);
	}
	return 0;
}

int
event_priority_init(int npri)
{
	return event_base_priority_init(current_base, npri);
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
	ev->ev_base = current_base;
	ev->ev_callback = callback;
	ev->ev_arg = arg;
	ev->ev_fd = fd;
	ev->ev_events = events;
	ev->ev_res = 0;
	ev->ev_flags = EVLIST_INIT;
	if (events & (EV_READ | EV_WRITE))
		ev->ev_flags |= EVLIST_X_FDSET;
	ev->ev_ncalls = 0;
	ev->ev_pncalls = NULL;
	min_heap_elem_init(ev);
	ev->ev_pri = current_base ? current_base->nactivequeues / 2 : 0;
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
 * Make ev active with res, its callback to run ncalls times; if it is
 * already active, res is ORed in and ncalls ignored.  Works on events that
 * were never added.
 */
void
event_active(struct event *ev, int res, short ncalls)
{
	if (ev == NULL || ev->ev_base == NULL)
		return;
	event_debug(("event_active: %p fd %d res 0x%x ncalls %d", (void *)ev,
	    ev->ev_fd, res, ncalls));
	event_clamp_pri(ev);
	event_active_(ev, res, ncalls);
}

/*
 * Link an I/O event into its fd's list (fd table already reserved).
 * An fd the backend does not have yet is registered at once, so that a
 * refusal (EBADF, EPERM) is returned by event_add() as in 1.4; that costs
 * no extra call, the flush would have made it anyway.  Changes to an fd
 * the backend already has wait for the flush.  0, or -1 with nothing done.
 */
static int
io_insert(struct event_base *base, struct event *ev)
{
	int fd = ev->ev_fd;
	struct evfd *f = &base->fds[fd];
	unsigned char want;

	want = f->want | (ev->ev_events & (EV_READ | EV_WRITE));
	if (base->evbase == NULL) {
		/* event_reinit() could not rebuild the backend. */
		errno = EINVAL;
		return -1;
	}
	if (f->have == 0 && want != 0) {
		if (evsel_add(base, fd, 0, want) == -1)
			return -1;
		f->have = want;
		f->flags &= ~(EVFD_BAD | EVFD_FORCE);
	} else {
		if (ev->ev_flags & EVLIST_X_FDSET)
			f->flags |= EVFD_FORCE;
		fd_touch(base, fd, f);
	}
	TAILQ_INSERT_TAIL(&f->evs, ev, ev_next);
	if (ev->ev_events & EV_READ)
		f->nread++;
	if (ev->ev_events & EV_WRITE)
		f->nwrite++;
	f->want = want;
	return 0;
}

static void
io_remove(struct event_base *base, struct event *ev)
{
	int fd = ev->ev_fd;
	struct evfd *f = &base->fds[fd];

	TAILQ_REMOVE(&f->evs, ev, ev_next);
	if (ev->ev_events & EV_READ)
		f->nread--;
	if (ev->ev_events & EV_WRITE)
		f->nwrite--;
	f->want = fd_want(f);
	fd_touch(base, fd, f);
}

/* A timeout-activated event is re-armed: its queued callback is cancelled. */
static EV_NOINLINE void
timer_cancel_run(struct event_base *base, struct event *ev)
{
	if (base->cur_ev == ev)
		base->cur_ncalls = 0;
	event_queue_remove_active(base, ev);
}

/*
 * Lazy re-arming.  A timer re-armed to a later deadline (an inactivity
 * timeout pushed back, the common case) keeps its place in the heap: only
 * ev_timeout, the real deadline, moves, and EVLIST_X_LAZY says the heap key
 * is an earlier one.  When that key comes to the top, timeout_process()
 * puts the timer where its real deadline belongs instead of firing it.  The
 * heap orders equal keys by the sequence number of the entry, which keeps
 * the old one; the new number waits in ev_pncalls (1.4 pointed it at the
 * count of calls left; we keep that count in the base, see cur_ncalls).
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
 * (Re)arm ev's timeout to now + tv.  Room in the heap must have been
 * reserved when ev is not armed yet.  Returns 0.
 */
static EV_ALWAYS_INLINE int
timer_arm(struct event_base *base, struct event *ev, const struct timeval *tv)
{
	int64_t when;

	if ((ev->ev_flags & EVLIST_ACTIVE) && (ev->ev_res & EV_TIMEOUT))
		timer_cancel_run(base, ev);
	when = base_now_us(base) + tv_to_us(tv);
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

/* event_add() of an event with I/O or a signal (tv may be NULL). */
static EV_NOINLINE int
event_add_registered(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;
	int events = ev->ev_events, insert;

	if ((events & EV_SIGNAL) && (events & (EV_READ | EV_WRITE))) {
		event_warnx("event_add: EV_SIGNAL with EV_READ/EV_WRITE");
		errno = EINVAL;
		return -1;
	}
	insert = !(ev->ev_flags & EVLIST_INSERTED);

	/* Everything that can fail comes first. */
	if (insert && (events & (EV_READ | EV_WRITE))) {
		if (ev->ev_fd < 0) {
			errno = EBADF;
			return -1;
		}
		if (fd_table_reserve(base, ev->ev_fd) == -1)
			return -1;
	}
	if (tv != NULL && !(ev->ev_flags & EVLIST_TIMEOUT) &&
	    min_heap_reserve(&base->timeheap, base->timeheap.n + 1) == -1)
		return -1;
	if (insert && (events & EV_SIGNAL)) {
		if (evsignal_add(ev) == -1)
			return -1;
		ev->ev_flags |= EVLIST_INSERTED;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count++;
	} else if (insert) {
		if (io_insert(base, ev) == -1)
			return -1;
		ev->ev_flags |= EVLIST_INSERTED;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count++;
	}
	ev->ev_flags &= ~EVLIST_X_FDSET;
	event_clamp_pri(ev);
	if (tv != NULL)
		return timer_arm(base, ev, tv);
	return 0;
}

/*
 * Make ev pending: register its fd or signal unless already registered,
 * and with tv (re)arm its timeout to now + tv.  NULL leaves an armed
 * timeout alone.  Either everything happens or nothing: 0, or -1 with
 * errno (EINVAL, EBADF, ENOMEM, or from sigaction/socketpair).
 */
int
event_add(struct event *ev, const struct timeval *tv)
{
	struct event_base *base;

	if (ev == NULL || ev->ev_base == NULL ||
	    !(ev->ev_flags & EVLIST_INIT)) {
		errno = EINVAL;
		return -1;
	}
	event_debug(("event_add: %p fd %d events 0x%x%s", (void *)ev, ev->ev_fd,
	    ev->ev_events, tv != NULL ? " with timeout" : ""));
	if (ev->ev_events & (EV_READ | EV_WRITE | EV_SIGNAL))
		return event_add_registered(ev, tv);
	/* A pure timer: the common case of timer-heavy programs. */
	if (tv == NULL)
		return 0;
	base = ev->ev_base;
	if (!(ev->ev_flags & EVLIST_TIMEOUT) &&
	    min_heap_reserve(&base->timeheap, base->timeheap.n + 1) == -1)
		return -1;
	event_clamp_pri(ev);
	return timer_arm(base, ev, tv);
}

/*
 * Make ev non-pending: disarm its timer, cancel a queued callback (and the
 * remaining calls of a running one), unregister its fd or signal.  0, or -1
 * when ev has no base.
 */
int
event_del(struct event *ev)
{
	struct event_base *base;

	if (ev == NULL || ev->ev_base == NULL) {
		errno = EINVAL;
		return -1;
	}
	base = ev->ev_base;
	event_debug(("event_del: %p fd %d flags 0x%x", (void *)ev, ev->ev_fd,
	    ev->ev_flags));
	if (base->cur_ev == ev)
		base->cur_ncalls = 0;
	if (ev->ev_flags & EVLIST_TIMEOUT) {
		min_heap_erase(&base->timeheap, ev);
		ev->ev_flags &= ~(EVLIST_TIMEOUT | EVLIST_X_LAZY);
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count--;
	}
	if (ev->ev_flags & EVLIST_ACTIVE)
		event_queue_remove_active(base, ev);
	if (ev->ev_flags & EVLIST_INSERTED) {
		ev->ev_flags &= ~EVLIST_INSERTED;
		if (!(ev->ev_flags & EVLIST_INTERNAL))
			base->event_count--;
		if (ev->ev_events & EV_SIGNAL)
			(void)evsignal_del(ev);
		else
			io_remove(base, ev);
	}
	return 0;
}

/*
 * Which of event's kinds ev is pending or active for.  With tv and an
 * armed timer, the expiry as wall-clock time.
 */
int
event_pending(struct event *ev, short event, struct timeval *tv)
{
	int flags = 0;

	if (ev == NULL)
		return 0;
	if (ev->ev_flags & EVLIST_INSERTED)
		flags |= ev->ev_events & (EV_READ | EV_WRITE | EV_SIGNAL);
	if (ev->ev_flags & EVLIST_ACTIVE)
		flags |= ev->ev_res;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		flags |= EV_TIMEOUT;
	event &= (EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL);

	if (tv != NULL && (flags & event & EV_TIMEOUT)) {
		struct timeval wall;
		int64_t left = tv_to_us(&ev->ev_timeout) -
		    event_now_us_(ev->ev_base);
		gettimeofday(&wall, NULL);
		us_to_tv(tv_to_us(&wall) + left, tv);
	}
	return flags & event;
}

/* ------------------------------------------------------------------ */
/* event_once */

static void
event_once_cb(int fd, short what, void *arg)
{
	struct event_once *eo = arg;

	/* Unlink first: the callback may free the base. */
	if (eo->next != NULL)
		eo->next->prevp = eo->prevp;
	*eo->prevp = eo->next;
	eo->cb(fd, what, eo->arg);
	mm_free(eo);
}

int
event_base_once(struct event_base *base, int fd, short events,
    void (*callback)(int, short, void *), void *arg,
    const struct timeval *tv)
{
	struct event_once *eo;
	struct timeval zero = { 0, 0 };

	if (base == NULL || callback == NULL) {
		errno = EINVAL;
		return -1;
	}
	events &= ~EV_PERSIST;
	if (events & EV_SIGNAL) {
		errno = EINVAL;
		return -1;
	}
	if (!(events & (EV_TIMEOUT | EV_READ | EV_WRITE))) {
		errno = EINVAL;
		return -1;
	}
	eo = mm_calloc(1, sizeof(*eo));
	if (eo == NULL) {
		errno = ENOMEM;
		return -1;
	}
	eo->cb = callback;
	eo->arg = arg;
	if (events == EV_TIMEOUT) {
		event_set(&eo->ev, -1, 0, event_once_cb, eo);
		if (tv == NULL)
			tv = &zero;
	} else {
		event_set(&eo->ev, fd, events & (EV_READ | EV_WRITE),
		    event_once_cb, eo);
	}
	(void)event_base_set(base, &eo->ev);
	if (event_add(&eo->ev, tv) == -1) {
		int e = errno;
		mm_free(eo);
		errno = e;
		return -1;
	}
	eo->next = base->once_head;
	if (eo->next != NULL)
		eo->next->prevp = &eo->next;
	eo->prevp = &base->once_head;
	base->once_head = eo;
	return 0;
}

int
event_once(int fd, short events, void (*callback)(int, short, void *),
    void *arg, const struct timeval *tv)
{
	return event_base_once(current_base, fd, events, callback, arg, tv);
}

/* ------------------------------------------------------------------ */
/* The loop */

static void
event_loopexit_cb(int fd, short what, void *arg)
{
	struct event_base *base = arg;

	(void)fd;
	(void)what;
	base->event_gotterm = 1;
}

int
event_base_loopexit(struct event_base *base, const struct timeval *tv)
{
	return event_base_once(base, -1, EV_TIMEOUT, event_loopexit_cb,
	    base, tv);
}

int
event_loopexit(const struct timeval *tv)
{
	return event_base_loopexit(current_base, tv);
}

int
event_base_loopbreak(struct event_base *base)
{
	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	base->event_break = 1;
	return 0;
}

int
event_loopbreak(void)
{
	return event_base_loopbreak(current_base);
}

/*
 * Move every expired timer to the active queues (deleting the event).  A
 * lazily re-armed timer at the top first moves to its real deadline.
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
		(void)event_del(ev);
		event_active_(ev, EV_TIMEOUT, 1);
	}
}

/*
 * Run the callbacks of the most urgent non-empty queue, including events
 * activated into it meanwhile.  Returns early on loopbreak or event_gotsig.
 */
static void
event_process_active(struct event_base *base)
{
	/* A callback may run a nested loop on this base: keep the state of
	 * the repeated calls we may be inside of. */
	struct event *saved_ev = base->cur_ev;
	short saved_ncalls = base->cur_ncalls;
	struct event *ev;
	int i;

	for (i = 0; i < base->nactivequeues; i++)
		if (TAILQ_FIRST(&base->activequeues[i]) != NULL)
			break;

	/* Re-read the queue after every callback: it may have run
	 * event_base_priority_init() once the queues were empty. */
	while (i < base->nactivequeues &&
	    (ev = TAILQ_FIRST(&base->activequeues[i])) != NULL) {
		if (ev->ev_events & EV_PERSIST)
			event_queue_remove_active(base, ev);
		else
			(void)event_del(ev);

		if (ev->ev_ncalls == 1) {
			/* The common case: one call, nothing to stop. */
			ev->ev_ncalls = 0;
			(*ev->ev_callback)(ev->ev_fd, (short)ev->ev_res,
			    ev->ev_arg);
			if (event_gotsig || base->event_break)
				break;
			continue;
		}
		base->cur_ev = ev;
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
}

/*
 * How long the backend may wait: not at all when something is active or
 * with EVLOOP_NONBLOCK, else until the earliest deadline, else forever
 * (NULL).
 */
static struct timeval *
loop_wait_time(struct event_base *base, int flags, struct timeval *tv)
{
	int64_t left;

	if (base->event_count_active || (flags & EVLOOP_NONBLOCK)) {
		tv->tv_sec = tv->tv_usec = 0;
		return tv;
	}
	if (min_heap_empty(&base->timeheap))
		return NULL;
	left = min_heap_top_key(&base->timeheap) - mono_now_us();
	us_to_tv(left > 0 ? left : 0, tv);
	return tv;
}

int
event_base_loop(struct event_base *base, int flags)
{
	struct timeval tv, *tv_p;
	int done = 0, res;

	if (base == NULL || base->evbase == NULL) {
		errno = EINVAL;
		return -1;
	}
	base->tv_cached = 0;
	if (base->sig.nsigevents > 0)
		evsignal_base = base;

	while (!done) {
		if (base->event_gotterm) {
			base->event_gotterm = 0;
			break;
		}
		if (base->event_break) {
			base->event_break = 0;
			break;
		}
		while (event_gotsig) {
			event_gotsig = 0;
			if (event_sigcb != NULL && (*event_sigcb)() == -1) {
				base->tv_cached = 0;
				errno = EINTR;
				return -1;
			}
		}

		tv_p = loop_wait_time(base, flags, &tv);

		/* Nothing inserted or armed and nothing to run: done.  (An
		 * active internal event costs one more harmless pass.) */
		if (base->event_count <= 0 && base->event_count_active == 0) {
			base->tv_cached = 0;
			return 1;
		}

		(void)flush_changes(base);
		base->tv_cached = 0;
		res = evsel_dispatch(base, tv_p);
		if (res == -1)
			return -1;
		base->now_us = mono_now_us();
		base->tv_cached = 1;

		timeout_process(base);
		if (base->event_count_active) {
			event_process_active(base);
			if (!base->event_count_active && (flags & EVLOOP_ONCE))
				done = 1;
		} else if (flags & EVLOOP_NONBLOCK) {
			done = 1;
		}
	}
	base->tv_cached = 0;
	return 0;
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
