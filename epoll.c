/*
 * epoll.c -- the Linux epoll(7) backend (level triggered).
 *
 * Kernel facts this file relies on:
 *  a) An interest entry belongs to the open file description, keyed by
 *     (file, fd number).  close() of the last fd referring to the file
 *     removes it silently; a new file with the same number is unknown to
 *     epoll.  So add() with old == new issues EPOLL_CTL_MOD and falls back
 *     to EPOLL_CTL_ADD on ENOENT.
 *  b) If another process (after fork) or a dup() keeps the file open, the
 *     entry survives the close: ADD then fails with EEXIST and we MOD.
 *  c) epoll refuses regular files and directories with EPERM; the core
 *     reports such an fd as bad (see docs/compat-core.md).
 *  d) DEL on a closed fd fails with EBADF or ENOENT: nothing to undo.
 *  e) The epoll fd is shared with a child after fork(); event_reinit()
 *     makes a new one (need_reinit).
 *  f) Waits are capped at 35 minutes (older kernels misbehave with huge
 *     timeouts); the loop simply iterates.  Timeouts round up to the next
 *     millisecond so that timers never fire early.
 *  g) EPOLLHUP/EPOLLERR are reported as both EV_READ and EV_WRITE.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "log-internal.h"

#define EPOLL_INITIAL	32
#define EPOLL_MAXEVENTS	4096
#define EPOLL_MAX_MS	(35 * 60 * 1000)

struct epollop {
	struct epoll_event *events;
	int nevents;
	int epfd;
};

static void *
epoll_init(struct event_base *base)
{
	struct epollop *ep;
	int epfd;

	(void)base;
#ifdef HAVE_EPOLL_CREATE1
	epfd = epoll_create1(EPOLL_CLOEXEC);
#else
	epfd = epoll_create(32000);
	if (epfd != -1)
		(void)fcntl(epfd, F_SETFD, FD_CLOEXEC);
#endif
	if (epfd == -1)
		return NULL;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL) {
		close(epfd);
		errno = ENOMEM;
		return NULL;
	}
	ep->events = calloc(EPOLL_INITIAL, sizeof(*ep->events));
	if (ep->events == NULL) {
		free(ep);
		close(epfd);
		errno = ENOMEM;
		return NULL;
	}
	ep->nevents = EPOLL_INITIAL;
	ep->epfd = epfd;
	return ep;
}

static int
epoll_add(struct event_base *base, int fd, short old, short new_)
{
	struct epollop *ep = base->evbase;
	struct epoll_event e;
	int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	memset(&e, 0, sizeof(e));
	e.data.fd = fd;
	if (new_ & EV_READ)
		e.events |= EPOLLIN;
	if (new_ & EV_WRITE)
		e.events |= EPOLLOUT;
	if (epoll_ctl(ep->epfd, op, fd, &e) == 0)
		return 0;
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		op = EPOLL_CTL_ADD;		/* closed and reused: a) */
	else if (op == EPOLL_CTL_ADD && errno == EEXIST)
		op = EPOLL_CTL_MOD;		/* still known: b) */
	else
		return -1;
	return epoll_ctl(ep->epfd, op, fd, &e);
}

static int
epoll_del(struct event_base *base, int fd, short old, short new_)
{
	struct epollop *ep = base->evbase;
	struct epoll_event e;

	(void)old;
	(void)new_;
	memset(&e, 0, sizeof(e));
	if (epoll_ctl(ep->epfd, EPOLL_CTL_DEL, fd, &e) == 0)
		return 0;
	if (errno == EBADF || errno == ENOENT || errno == EPERM)
		return 0;			/* d) */
	event_warn("epoll_ctl: DEL fd %d", fd);
	return -1;
}

static int
epoll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct epollop *ep = base->evbase;
	struct epoll_event *events = ep->events;
	int i, n, ms = -1;

	if (tv != NULL) {
		long long t = (long long)tv->tv_sec * 1000 +
		    (tv->tv_usec + 999) / 1000;
		ms = t > EPOLL_MAX_MS ? EPOLL_MAX_MS : (int)t;
	}
	n = epoll_wait(ep->epfd, events, ep->nevents, ms);
	if (n == -1) {
		if (errno != EINTR) {
			event_warn("epoll_wait");
			return -1;
		}
		if (base->sig.evsignal_caught)
			evsignal_process(base);
		return 0;
	}
	if (base->sig.evsignal_caught)
		evsignal_process(base);

	for (i = 0; i < n; i++) {
		unsigned int what = events[i].events;
		short res;

		if (what & (EPOLLHUP | EPOLLERR))
			res = EV_READ | EV_WRITE;
		else
			res = (short)(((what & EPOLLIN) ? EV_READ : 0) |
			    ((what & EPOLLOUT) ? EV_WRITE : 0));
		if (res)
			event_fd_ready_(base, events[i].data.fd, res);
	}

	if (n == ep->nevents && ep->nevents < EPOLL_MAXEVENTS) {
		struct epoll_event *ne = realloc(ep->events,
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

	if (ep == NULL)
		return;
	close(ep->epfd);
	free(ep->events);
	free(ep);
	base->evbase = NULL;
}

const struct eventop epollops = {
	"epoll",
	epoll_init,
	epoll_add,
	epoll_del,
	epoll_dispatch,
	epoll_dealloc,
	1,
	EV_FEATURE_O1 | EV_FEATURE_KSTATE
};
