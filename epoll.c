/*
 * epoll.c -- the Linux epoll(7) backend (level triggered; edge triggered
 * for fds whose events ask for EV_ET).
 *
 * Kernel facts this file relies on:
 *  a) An interest entry belongs to the open file description, keyed by
 *     (file, fd number).  close() of the last fd referring to the file
 *     removes it silently; a new file with the same number is unknown to
 *     epoll.  So add() with old == new (a re-check) issues EPOLL_CTL_ADD:
 *     it succeeds for a new file and fails with EEXIST, leaving the entry
 *     as it was, for the file we have (cheaper than a MOD, which re-polls
 *     the file).  A MOD that fails with ENOENT becomes an ADD.
 *  b) If another process (after fork) or a dup() keeps the old file open,
 *     its entry survives the close, under the same fd number, and keeps
 *     reporting that file's readiness.  Every entry therefore carries a
 *     generation next to the fd (data.u64 = gen << 32 | fd); ADD takes a
 *     new generation.  An event whose generation is not the fd's current
 *     one comes from such a leftover entry: it is ignored and the epoll
 *     set is rebuilt from our own record of the interest (the leftover
 *     cannot be deleted: we have no fd for its file).  A first ADD that
 *     fails with EEXIST (the entry is ours) becomes a MOD.
 *  c) epoll refuses regular files and directories with EPERM.  A first
 *     registration is made inside event_add(), which then returns -1 with
 *     EPERM as in 1.4; a deferred change that meets it makes the core
 *     report the fd bad (see docs/COMPAT.md).
 *  d) DEL on a closed fd fails with EBADF or ENOENT: nothing to undo.
 *  e) The epoll fd is shared with a child after fork(); event_reinit()
 *     makes a new one (need_reinit).
 *  f) Waits are capped at 35 minutes (older kernels misbehave with huge
 *     timeouts); the loop simply iterates.  Timeouts round up to the next
 *     millisecond so that timers never fire early.
 *  g) EPOLLHUP/EPOLLERR are reported as both EV_READ and EV_WRITE, and
 *     as EV_CLOSED (a hang-up is a close too); EPOLLRDHUP (the peer shut
 *     its writing side) as EV_CLOSED.
 *  h) EV_ET maps to EPOLLET for the whole fd; the core lets all events of
 *     an fd agree on it.  A re-check that finds the entry (a) leaves it
 *     alone, as an unchanged registration does in libevent 2.x: no new
 *     edge is reported for a file that stayed ready.
 *  i) Changes that come from the changelist flush (add() with old != 0,
 *     del()) are queued and applied when dispatch() starts, before the
 *     base's lock is released for the wait (other threads never reach
 *     the backend, so the queue needs no lock of its own), all in one
 *     io_uring_enter() when io_uring can do it (uring.c), else one
 *     epoll_ctl() each.  A queued change that fails is reported with
 *     event_fd_bad_() and the wait does not block.  The first registration
 *     of an fd (old == 0) is made at once, after the queue, so its error
 *     reaches event_add() and the order of the changes is kept.
 *     EVENT_NOIOURING (ignored in set-id programs) turns io_uring off.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/epoll.h>
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
#include "log-internal.h"
#include "mm-internal.h"
#include "uring-internal.h"

#define EPOLL_INITIAL	32
#define EPOLL_MAXEVENTS	4096
#define EPOLL_MAX_MS	(35 * 60 * 1000)
/* In mask[], next to the interest bits (EV_TIMEOUT's bit, never one of
 * them): a change of the fd is queued, i). */
#define EPOLL_QUEUED	0x01
#define EPOLL_RING_MIN	4	/* smaller batches: plain epoll_ctl() */

struct epollop {
	struct epoll_event *events;
	int nevents;
	int epfd;
	uint32_t *gen;		/* per fd: generation of its entry */
	unsigned char *mask;	/* per fd: EV_READ|EV_WRITE|EV_CLOSED|EV_ET
				   registered, and EPOLL_QUEUED */
	int nfds;		/* size of gen[] and mask[] */
	struct evuring_ctl *q;	/* queued changes, i) */
	int nq, aq;
	struct evuring *ring;	/* NULL: none (yet) */
	int ring_off;		/* io_uring refused or disabled */
};

/* Room in gen[] and mask[] for fd (epoll_reserve's slow path). */
static EV_NOINLINE int
epoll_grow(struct epollop *ep, int fd)
{
	int n = ep->nfds ? ep->nfds : 64;
	uint32_t *g;
	unsigned char *m;

	while (n <= fd)
		n = n > INT_MAX / 2 ? INT_MAX : n * 2;
	g = mm_realloc(ep->gen, (size_t)n * sizeof(*g));
	if (g == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ep->gen = g;
	m = mm_realloc(ep->mask, (size_t)n);
	if (m == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ep->mask = m;
	memset(g + ep->nfds, 0, (size_t)(n - ep->nfds) * sizeof(*g));
	memset(m + ep->nfds, 0, (size_t)(n - ep->nfds));
	ep->nfds = n;
	return 0;
}

static inline int
epoll_reserve(struct epollop *ep, int fd)
{
	return fd < ep->nfds ? 0 : epoll_grow(ep, fd);
}

static int
epoll_new_fd(void)
{
	int epfd;

#ifdef HAVE_EPOLL_CREATE1
	epfd = epoll_create1(EPOLL_CLOEXEC);
#else
	epfd = epoll_create(32000);
	if (epfd != -1)
		(void)fcntl(epfd, F_SETFD, FD_CLOEXEC);
#endif
	return epfd;
}

static void *
epoll_init(struct event_base *base)
{
	struct epollop *ep;
	int epfd;

	(void)base;
	epfd = epoll_new_fd();
	if (epfd == -1)
		return NULL;
	ep = mm_calloc(1, sizeof(*ep));
	if (ep == NULL) {
		close(epfd);
		errno = ENOMEM;
		return NULL;
	}
	ep->events = mm_calloc(EPOLL_INITIAL, sizeof(*ep->events));
	if (ep->events == NULL) {
		mm_free(ep);
		close(epfd);
		errno = ENOMEM;
		return NULL;
	}
	ep->nevents = EPOLL_INITIAL;
	ep->epfd = epfd;
	ep->ring_off = evutil_getenv("EVENT_NOIOURING") != NULL;
	return ep;
}

static void
epoll_fill(struct epoll_event *e, int fd, short what, uint32_t gen)
{
	memset(e, 0, sizeof(*e));
	e->data.u64 = (uint64_t)gen << 32 | (uint32_t)fd;
	if (what & EV_READ)
		e->events |= EPOLLIN;
	if (what & EV_WRITE)
		e->events |= EPOLLOUT;
	if (what & EV_CLOSED)
		e->events |= EPOLLRDHUP;
	if (what & EV_ET)
		e->events |= EPOLLET;
}

/* The interest epoll_fill() put into e, back as EV_* bits. */
static short
epoll_what(const struct epoll_event *e)
{
	return (short)(((e->events & EPOLLIN) ? EV_READ : 0) |
	    ((e->events & EPOLLOUT) ? EV_WRITE : 0) |
	    ((e->events & EPOLLRDHUP) ? EV_CLOSED : 0) |
	    ((e->events & EPOLLET) ? EV_ET : 0));
}

/* epoll_ctl() with the interest what under generation gen: 0 or -errno. */
static int
epoll_ctl_gen(struct epollop *ep, int op, int fd, short what, uint32_t gen)
{
	struct epoll_event e;

	epoll_fill(&e, fd, what, gen);
	return epoll_ctl(ep->epfd, op, fd, &e) == -1 ? -errno : 0;
}

/*
 * The kernel's answer res to the ADD or MOD c: take the fallbacks of a)
 * and b) and record the entry.  recheck: c re-checks an fd we have.
 * 0, or -errno with the fd no longer registered.
 */
static int
epoll_settle(struct epollop *ep, const struct evuring_ctl *c, int recheck)
{
	int fd = c->fd, res = c->res;
	short what = epoll_what(&c->ev);
	uint32_t gen = (uint32_t)(c->ev.data.u64 >> 32);

	ep->mask[fd] &= ~EPOLL_QUEUED;
	if (res == -EEXIST && c->op == EPOLL_CTL_ADD && recheck)
		return 0;			/* same file, unchanged: a) */
	if (res == -EEXIST && c->op == EPOLL_CTL_ADD) {
		gen = ep->gen[fd] + 1;		/* already ours: b) */
		res = epoll_ctl_gen(ep, EPOLL_CTL_MOD, fd, what, gen);
	} else if (res == -ENOENT && c->op == EPOLL_CTL_MOD) {
		gen = ep->gen[fd] + 1;		/* closed and reused: a) */
		res = epoll_ctl_gen(ep, EPOLL_CTL_ADD, fd, what, gen);
	}
	if (res != 0) {
		ep->mask[fd] = 0;
		return res;
	}
	ep->gen[fd] = gen;
	ep->mask[fd] = (unsigned char)what;
	return 0;
}

/*
 * The common outcomes, which leave the entry as it was: a DEL (errors:
 * d), and a queued ADD, always a re-check (epoll_add), that found the
 * same file unchanged (EEXIST: a).  Returns 1 for those.
 */
static inline int
epoll_report_same(struct epollop *ep, const struct evuring_ctl *c)
{
	if (c->op == EPOLL_CTL_DEL ||
	    (c->op == EPOLL_CTL_ADD && c->res == -EEXIST)) {
		ep->mask[c->fd] &= ~EPOLL_QUEUED;
		return 1;
	}
	return 0;
}

/* The other outcomes: settle the entry, or report its fd bad.  Out of
 * line, since the commit loop rarely gets here. */
static EV_NOINLINE int
epoll_report_other(struct event_base *base, struct epollop *ep,
    const struct evuring_ctl *c)
{
	int res;

	res = epoll_settle(ep, c, c->op == EPOLL_CTL_ADD);
	if (res == 0)
		return 0;
	errno = -res;
	event_warn("epoll_ctl: fd %d", c->fd);
	event_fd_bad_(base, c->fd);
	return 1;
}

/* The outcome of the applied change c.  Returns 1 if its fd failed (it
 * is then reported bad), else 0. */
static inline int
epoll_report(struct event_base *base, struct epollop *ep,
    const struct evuring_ctl *c)
{
	return epoll_report_same(ep, c) ? 0 : epoll_report_other(base, ep, c);
}

static void
epoll_apply(struct epollop *ep, struct evuring_ctl *c)
{
	c->res = epoll_ctl(ep->epfd, c->op, c->fd, &c->ev) == -1 ? -errno : 0;
}

/* Apply the queued changes in order; returns how many fds failed. */
static int
epoll_commit(struct event_base *base, struct epollop *ep)
{
	int i, done = 0, bad = 0, n = ep->nq;

	if (n == 0)
		return 0;
	if (n >= EPOLL_RING_MIN && ep->ring == NULL && !ep->ring_off) {
		ep->ring = evuring_new_();
		ep->ring_off = ep->ring == NULL;
	}
	if (n >= EPOLL_RING_MIN && ep->ring != NULL) {
		done = evuring_epoll_ctl_(ep->ring, ep->epfd, ep->q, n);
		if (done < n) {
			event_debug(("epoll: io_uring failed, plain calls"));
			evuring_free_(ep->ring);
			ep->ring = NULL;
			ep->ring_off = 1;
		}
	}
	for (i = done; i < n; i++)
		epoll_apply(ep, &ep->q[i]);
	/* Reports run no callback and queue nothing (the core's own queue
	 * is flushed before the next wait). */
	ep->nq = 0;
	for (i = 0; i < n; i++)
		bad += epoll_report(base, ep, &ep->q[i]);
	return bad;
}

/* Before a new change of fd: apply its queued one (uring.c e). */
static void
epoll_unqueue_fd(struct event_base *base, struct epollop *ep, int fd)
{
	if (ep->mask[fd] & EPOLL_QUEUED)
		(void)epoll_commit(base, ep);
}

/* Room for one more queued change.  0, or -1 without memory. */
static int
epoll_queue_room(struct epollop *ep)
{
	struct evuring_ctl *q;
	int a;

	if (ep->nq < ep->aq)
		return 0;
	if (ep->aq > INT_MAX / 2 ||
	    (size_t)ep->aq * 2 > SIZE_MAX / sizeof(*q))
		return -1;
	a = ep->aq ? ep->aq * 2 : 64;
	q = mm_realloc(ep->q, (size_t)a * sizeof(*q));
	if (q == NULL)
		return -1;
	ep->q = q;
	ep->aq = a;
	return 0;
}

static void
epoll_ctl_set(struct evuring_ctl *c, int op, int fd, short what, uint32_t gen)
{
	c->op = op;
	c->fd = fd;
	c->res = 0;
	epoll_fill(&c->ev, fd, what, gen);
}

/* Append a change of fd to the queue (which has room). */
static inline void
epoll_queue_push(struct epollop *ep, int op, int fd, short what, uint32_t gen)
{
	epoll_ctl_set(&ep->q[ep->nq++], op, fd, what, gen);
	ep->mask[fd] |= EPOLL_QUEUED;
}

/* epoll_enqueue() when the queue is full: grow it, or without memory
 * apply everything at once. */
static EV_NOINLINE void
epoll_enqueue_slow(struct event_base *base, struct epollop *ep, int op,
    int fd, short what, uint32_t gen)
{
	struct evuring_ctl one;

	if (epoll_queue_room(ep) == -1)
		(void)epoll_commit(base, ep);
	if (ep->nq < ep->aq) {
		epoll_queue_push(ep, op, fd, what, gen);
		return;
	}
	epoll_ctl_set(&one, op, fd, what, gen);
	epoll_apply(ep, &one);
	(void)epoll_report(base, ep, &one);
}

/* Queue a change of fd (i), whose earlier change was applied already. */
static inline void
epoll_enqueue(struct event_base *base, struct epollop *ep, int op, int fd,
    short what, uint32_t gen)
{
	if (ep->nq < ep->aq) {
		epoll_queue_push(ep, op, fd, what, gen);
		return;
	}
	epoll_enqueue_slow(base, ep, op, fd, what, gen);
}

/* A first registration: at once, after what is queued (i). */
static EV_NOINLINE int
epoll_add_first(struct event_base *base, struct epollop *ep, int fd,
    short new_)
{
	struct evuring_ctl c;
	int res;

	(void)epoll_commit(base, ep);
	epoll_ctl_set(&c, EPOLL_CTL_ADD, fd, new_, ep->gen[fd] + 1);
	epoll_apply(ep, &c);
	res = epoll_settle(ep, &c, 0);
	if (res != 0) {
		errno = -res;
		return -1;
	}
	return 0;
}

static int
epoll_add(struct event_base *base, int fd, short old, short new_)
{
	struct epollop *ep = base->evbase;

	if (epoll_reserve(ep, fd) == -1)
		return -1;
	if (old == 0)
		return epoll_add_first(base, ep, fd, new_);
	/* From the flush: queued (i).  A re-check is an ADD (a). */
	epoll_unqueue_fd(base, ep, fd);
	if (old == new_)
		epoll_enqueue(base, ep, EPOLL_CTL_ADD, fd, new_,
		    ep->gen[fd] + 1);
	else
		epoll_enqueue(base, ep, EPOLL_CTL_MOD, fd, new_, ep->gen[fd]);
	return 0;
}

static int
epoll_del(struct event_base *base, int fd, short old, short new_)
{
	struct epollop *ep = base->evbase;
	struct epoll_event e;

	(void)old;
	(void)new_;
	if (fd < ep->nfds) {
		/* Retire the generation: a leftover entry of this fd can
		 * then never pass for a live one. */
		epoll_unqueue_fd(base, ep, fd);
		ep->mask[fd] = 0;
		ep->gen[fd]++;
		epoll_enqueue(base, ep, EPOLL_CTL_DEL, fd, 0, ep->gen[fd]);
		return 0;
	}
	memset(&e, 0, sizeof(e));
	if (epoll_ctl(ep->epfd, EPOLL_CTL_DEL, fd, &e) == 0)
		return 0;
	if (errno == EBADF || errno == ENOENT || errno == EPERM)
		return 0;			/* d) */
	event_warn("epoll_ctl: DEL fd %d", fd);
	return -1;
}

/*
 * b): a leftover entry of a closed file reported readiness.  Make a new
 * epoll set holding exactly our interest.  An fd that cannot be added
 * again is reported bad to the core.
 */
static void
epoll_rebuild(struct event_base *base, struct epollop *ep)
{
	struct epoll_event e;
	int epfd = epoll_new_fd(), fd;

	if (epfd == -1) {
		event_warn("epoll: cannot rebuild the epoll set");
		return;
	}
	event_debug(("epoll: rebuilding after a stale entry"));
	close(ep->epfd);
	ep->epfd = epfd;
	for (fd = 0; fd < ep->nfds; fd++) {
		if (ep->mask[fd] == 0)
			continue;
		epoll_fill(&e, fd, ep->mask[fd], ep->gen[fd]);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) == -1) {
			event_warn("epoll_ctl: ADD fd %d", fd);
			ep->mask[fd] = 0;
			event_fd_bad_(base, fd);
		}
	}
}

static int
epoll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct epollop *ep = base->evbase;
	struct epoll_event *events = ep->events;
	int i, n, ms = -1, stale = 0;

	if (tv != NULL) {
		long long t = (long long)tv->tv_sec * 1000 +
		    (tv->tv_usec + 999) / 1000;
		ms = t > EPOLL_MAX_MS ? EPOLL_MAX_MS : (int)t;
	}
	/* Still under the base's lock, i). */
	if (ep->nq != 0 && epoll_commit(base, ep) != 0)
		ms = 0;		/* reported bad fds: their events run now */
	evsel_wait_begin_(base);
	n = epoll_wait(ep->epfd, events, ep->nevents, ms);
	evsel_wait_end_(base);
	if (n == -1) {
		if (errno != EINTR) {
			event_warn("epoll_wait");
			return -1;
		}
		return 0;
	}

	for (i = 0; i < n; i++) {
		unsigned int what = events[i].events;
		uint64_t data = events[i].data.u64;
		int fd = (int)(uint32_t)data;
		short res;

		/* fd >= nfds only if a forked child without event_reinit()
		 * shares the epoll set with us. */
		if ((unsigned)fd >= (unsigned)ep->nfds ||
		    (uint32_t)(data >> 32) != ep->gen[fd]) {
			stale = 1;
			continue;
		}
		/* Plain readable / writable first: most reports are. */
		if (what == EPOLLIN)
			res = EV_READ;
		else if (what == EPOLLOUT)
			res = EV_WRITE;
		else if (what & (EPOLLHUP | EPOLLERR))
			res = EV_READ | EV_WRITE | EV_CLOSED;
		else
			res = (short)(((what & EPOLLIN) ? EV_READ : 0) |
			    ((what & EPOLLOUT) ? EV_WRITE : 0) |
			    ((what & EPOLLRDHUP) ? EV_CLOSED : 0));
		if (res)
			event_fd_ready_(base, fd, res);
	}
	if (stale)
		epoll_rebuild(base, ep);

	if (n == ep->nevents && ep->nevents < EPOLL_MAXEVENTS) {
		struct epoll_event *ne = mm_realloc(ep->events,
		    (size_t)ep->nevents * 2 * sizeof(*ne));
		if (ne != NULL) {
			ep->events = ne;
			ep->nevents *= 2;
		}
	}
	return 0;
}

static void
epoll_dealloc(struct event_base *base)
{
	struct epollop *ep = base->evbase;

	close(ep->epfd);
	evuring_free_(ep->ring);
	mm_free(ep->q);
	mm_free(ep->events);
	mm_free(ep->gen);
	mm_free(ep->mask);
	mm_free(ep);
}

const struct eventop epollops = {
	"epoll",
	epoll_init,
	epoll_add,
	epoll_del,
	epoll_dispatch,
	epoll_dealloc,
	1,
	EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
	NULL,
	NULL
};
