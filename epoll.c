/*
 * epoll.c -- the Linux epoll(7) backend (level triggered; edge triggered
 * for fds whose events ask for EV_ET).
 *
 * Kernel facts this file relies on:
 *  a) An interest entry belongs to the open file description, keyed by
 *     (file, fd number).  close() of the last fd referring to the file
 *     removes it silently; a new file with the same number is unknown to
 *     epoll.  So add() with old == new issues EPOLL_CTL_MOD and falls back
 *     to EPOLL_CTL_ADD on ENOENT.
 *  b) If another process (after fork) or a dup() keeps the old file open,
 *     its entry survives the close, under the same fd number, and keeps
 *     reporting that file's readiness.  Every entry therefore carries a
 *     generation next to the fd (data.u64 = gen << 32 | fd); ADD takes a
 *     new generation.  An event whose generation is not the fd's current
 *     one comes from such a leftover entry: it is ignored and the epoll
 *     set is rebuilt from our own record of the interest (the leftover
 *     cannot be deleted: we have no fd for its file).  An ADD that fails
 *     with EEXIST (the entry is ours) becomes a MOD.
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
 *     an fd agree on it.
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

#define EPOLL_INITIAL	32
#define EPOLL_MAXEVENTS	4096
#define EPOLL_MAX_MS	(35 * 60 * 1000)

struct epollop {
	struct epoll_event *events;
	int nevents;
	int epfd;
	uint32_t *gen;		/* per fd: generation of its entry */
	unsigned char *mask;	/* per fd: EV_READ|EV_WRITE registered */
	int nfds;		/* size of gen[] and mask[] */
	/* mask[] holds EV_READ|EV_WRITE|EV_CLOSED|EV_ET: all fit a byte */
};

static int
epoll_reserve(struct epollop *ep, int fd)
{
	int n = ep->nfds ? ep->nfds : 64;
	uint32_t *g;
	unsigned char *m;

	if (fd < ep->nfds)
		return 0;
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

static int
epoll_add(struct event_base *base, int fd, short old, short new_)
{
	struct epollop *ep = base->evbase;
	struct epoll_event e;
	uint32_t gen;
	int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_reserve(ep, fd) == -1)
		return -1;
	gen = ep->gen[fd] + (op == EPOLL_CTL_ADD);
	epoll_fill(&e, fd, new_, gen);
	if (epoll_ctl(ep->epfd, op, fd, &e) == -1) {
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;	/* closed and reused: a) */
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;	/* already ours: b) */
		else
			return -1;
		gen = ep->gen[fd] + 1;
		epoll_fill(&e, fd, new_, gen);
		if (epoll_ctl(ep->epfd, op, fd, &e) == -1)
			return -1;
	}
	ep->gen[fd] = gen;
	ep->mask[fd] = (unsigned char)new_;
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
		ep->mask[fd] = 0;
		ep->gen[fd]++;
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
