/*
 * devpoll.c -- the Solaris /dev/poll backend (Solaris 8 to 11, illumos).
 *
 * Kernel facts this file relies on:
 *  a) Each open("/dev/poll") is an independent set.  Interest is written
 *     as struct pollfd records; a record's events are ORed into what the
 *     set already has for the fd, so lowering an fd's interest takes a
 *     POLLREMOVE record (events exactly POLLREMOVE) followed by the new
 *     mask.  Records are taken in order; removing an unknown fd is a no-op.
 *  b) add() and del() only queue records; all of them are written with one
 *     write() right before the wait (at most the descriptor limit's worth
 *     per write: more is EINVAL).  The kernel accepts records for closed
 *     fds, so a deletion that reaches it after the program's close() is
 *     harmless.
 *  c) ioctl(DP_POLL) waits and fills at most dp_nfds records, level
 *     triggered.  The result array is sized to the descriptor limit (fewer
 *     than the limit: Solaris refuses dp_nfds at or above it), capped at
 *     DEVPOLL_MAXEVENTS; fds that did not fit come with the next call.  A
 *     program that lowers its limit later gets EINVAL from the kernel: we
 *     then shrink what we pass and retry.
 *  d) Closing an fd does not remove it from the set: DP_POLL reports
 *     POLLNVAL until a POLLREMOVE, and a new file that gets the number
 *     would inherit the interest.  POLLNVAL sends the fd's events down the
 *     error path and we POLLREMOVE it ourselves, so it can never spin.
 *  e) POLLERR and POLLHUP come unrequested, POLLHUP without POLLIN at a
 *     pipe's EOF: both count as readable and writable.
 *  f) After fork() the child's writes and ioctls on the inherited set fail
 *     with EACCES: event_reinit() opens a new set (need_reinit).
 *  g) EINTR is not an error.  Timeouts are in milliseconds, rounded up so
 *     that timers never fire early.
 */
#include "config.h"

#include <sys/types.h>
#ifdef HAVE_SYS_IOCTL_H
#include <sys/ioctl.h>
#endif
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/devpoll.h>

#include "event.h"
#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#define DEVPOLL_INITIAL		64
#define DEVPOLL_MAXEVENTS	8192

struct devpollop {
	struct pollfd *events;	/* DP_POLL results */
	int nevents;
	struct pollfd *changes;	/* records for the next write() */
	int nchanges, achanges;
	int maxwrite;		/* records per write(): the fd limit */
	int dpfd;
};

/* The descriptor limit, as an int. */
static int
devpoll_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == 0)
		return 256;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
		return INT_MAX;
	return (int)rl.rlim_cur;
}

static void *
devpoll_init(struct event_base *base)
{
	struct devpollop *dp;
	int dpfd, limit = devpoll_fd_limit();

	(void)base;
	if ((dpfd = open("/dev/poll", O_RDWR)) == -1)
		return NULL;
	(void)fcntl(dpfd, F_SETFD, FD_CLOEXEC);
	dp = mm_calloc(1, sizeof(*dp));
	if (dp == NULL)
		goto fail;
	/* c): below the limit; one slot is the set's own fd anyway. */
	dp->nevents = limit - 1 < DEVPOLL_MAXEVENTS ? limit - 1 :
	    DEVPOLL_MAXEVENTS;
	if (dp->nevents < 1)
		dp->nevents = 1;
	dp->events = mm_calloc((size_t)dp->nevents, sizeof(*dp->events));
	if (dp->events == NULL)
		goto fail;
	dp->maxwrite = limit;
	dp->dpfd = dpfd;
	return dp;
fail:
	if (dp != NULL)
		mm_free(dp->events);
	mm_free(dp);
	close(dpfd);
	errno = ENOMEM;
	return NULL;
}

/* Room for n more records.  0 or -1/ENOMEM (nothing queued). */
static int
devpoll_reserve(struct devpollop *dp, int n)
{
	struct pollfd *c;
	int a = dp->achanges ? dp->achanges : DEVPOLL_INITIAL;

	if (dp->nchanges > INT_MAX - n) {
		errno = ENOMEM;
		return -1;
	}
	if (dp->nchanges + n <= dp->achanges)
		return 0;
	while (a < dp->nchanges + n) {
		if (a > INT_MAX / 2 ||
		    (size_t)a * 2 > SIZE_MAX / sizeof(*c)) {
			errno = ENOMEM;
			return -1;
		}
		a *= 2;
	}
	c = mm_realloc(dp->changes, (size_t)a * sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	dp->changes = c;
	dp->achanges = a;
	return 0;
}

static void
devpoll_queue(struct devpollop *dp, int fd, short events)
{
	struct pollfd *p = &dp->changes[dp->nchanges++];

	p->fd = fd;
	p->events = events;
	p->revents = 0;
}

static int
devpoll_add(struct event_base *base, int fd, short old, short new_)
{
	struct devpollop *dp = base->evbase;
	short events = 0;

	if (devpoll_reserve(dp, 2) == -1)
		return -1;
	if (new_ & EV_READ)
		events |= POLLIN;
	if (new_ & EV_WRITE)
		events |= POLLOUT;
	/* a): a write can only add bits. */
	if (old & ~new_)
		devpoll_queue(dp, fd, POLLREMOVE);
	devpoll_queue(dp, fd, events);
	return 0;
}

static int
devpoll_del(struct event_base *base, int fd, short old, short new_)
{
	struct devpollop *dp = base->evbase;

	(void)old;
	(void)new_;
	if (devpoll_reserve(dp, 1) == -1) {
		event_warn("devpoll: cannot drop fd %d", fd);
		return -1;
	}
	devpoll_queue(dp, fd, POLLREMOVE);
	return 0;
}

/*
 * EINVAL from a write or DP_POLL: the program may have lowered its fd
 * limit since init.  Fit the sizes under the new one; 1 if they changed.
 */
static int
devpoll_fit_limit(struct devpollop *dp)
{
	int limit = devpoll_fd_limit(), changed = 0;

	if (limit > 1 && dp->nevents >= limit) {
		dp->nevents = limit - 1;
		changed = 1;
	}
	if (dp->maxwrite > limit) {
		dp->maxwrite = limit;
		changed = 1;
	}
	return changed;
}

/* b): write every queued record.  0 or -1 (logged). */
static int
devpoll_flush(struct devpollop *dp)
{
	int done = 0;

	while (done < dp->nchanges) {
		int n = dp->nchanges - done;
		ssize_t w;

		if (n > dp->maxwrite)
			n = dp->maxwrite;
		w = write(dp->dpfd, dp->changes + done,
		    (size_t)n * sizeof(*dp->changes));
		if (w == -1 && (errno == EINTR ||
		    (errno == EINVAL && devpoll_fit_limit(dp))))
			continue;
		if (w <= 0 || w % (ssize_t)sizeof(*dp->changes) != 0) {
			event_warn("devpoll: write");
			dp->nchanges = 0;
			return -1;
		}
		done += (int)(w / (ssize_t)sizeof(*dp->changes));
	}
	dp->nchanges = 0;
	return 0;
}

static void
devpoll_report(struct event_base *base, struct devpollop *dp, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int fd = dp->events[i].fd;
		short what = dp->events[i].revents;
		short res = 0;

		if (what & POLLNVAL) {
			/* d): out of the set, or it is reported forever. */
			event_warnx("devpoll: fd %d is not open", fd);
			if (devpoll_reserve(dp, 1) == 0)
				devpoll_queue(dp, fd, POLLREMOVE);
			event_fd_bad_(base, fd);
			continue;
		}
		if (what & (POLLHUP | POLLERR))
			res = EV_READ | EV_WRITE;
		else {
			if (what & POLLIN)
				res |= EV_READ;
			if (what & POLLOUT)
				res |= EV_WRITE;
		}
		if (res)
			event_fd_ready_(base, fd, res);
	}
}

static int
devpoll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct devpollop *dp = base->evbase;
	struct dvpoll dvp;
	int n;

	if (devpoll_flush(dp) == -1)
		return -1;
	dvp.dp_fds = dp->events;
	dvp.dp_nfds = (nfds_t)dp->nevents;
	dvp.dp_timeout = -1;
	if (tv != NULL) {
		long long t = (long long)tv->tv_sec * 1000 +
		    (tv->tv_usec + 999) / 1000;
		dvp.dp_timeout = t > INT_MAX ? INT_MAX : (int)t;
	}
	evsel_wait_begin_(base);
	n = ioctl(dp->dpfd, DP_POLL, &dvp);
	if (n == -1 && errno == EINVAL && devpoll_fit_limit(dp)) {
		dvp.dp_nfds = (nfds_t)dp->nevents;
		n = ioctl(dp->dpfd, DP_POLL, &dvp);
	}
	evsel_wait_end_(base);
	if (n == -1) {
		if (errno != EINTR) {
			event_warn("devpoll: ioctl(DP_POLL)");
			return -1;
		}
		return 0;
	}
	devpoll_report(base, dp, n);
	return 0;
}

static void
devpoll_dealloc(struct event_base *base)
{
	struct devpollop *dp = base->evbase;

	if (dp == NULL)
		return;
	/* f): inherited after fork, still ours to close. */
	close(dp->dpfd);
	mm_free(dp->events);
	mm_free(dp->changes);
	mm_free(dp);
	base->evbase = NULL;
}

const struct eventop devpollops = {
	"devpoll",
	devpoll_init,
	devpoll_add,
	devpoll_del,
	devpoll_dispatch,
	devpoll_dealloc,
	1,
	EV_FEATURE_O1 | EV_FEATURE_FDS,
	NULL,
	NULL
};
