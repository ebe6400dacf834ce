/*
 * poll.c -- the poll(2) backend.
 *
 * Notes:
 *  a) The pollfd array is dense: a removed fd's slot is filled with the
 *     last entry, and idx[fd] maps an fd to its slot (0 = absent, else
 *     slot + 1), so add and del are O(1) and no kernel call is made.
 *  b) POLLHUP/POLLERR are reported as both EV_READ and EV_WRITE (masked by
 *     what the fd's events asked for).
 *  c) POLLNVAL (the fd was closed while registered) makes the core report
 *     the fd bad once and stop watching it, instead of spinning.
 *  d) Timeouts round up to the next millisecond.
 *  e) EV_CLOSED is POLLRDHUP (Linux: the peer shut its writing side);
 *     POLLHUP reports it too.  Without POLLRDHUP there is no EV_CLOSED.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POLLRDHUP */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct pollop {
	struct pollfd *fds;	/* dense array, n used */
	int n, a;
	int *idx;		/* fd -> slot + 1 */
	int nidx;
};

static void *
poll_init(struct event_base *base)
{
	(void)base;
	return mm_calloc(1, sizeof(struct pollop));
}

static int
poll_add(struct event_base *base, int fd, short old, short new_)
{
	struct pollop *pop = base->evbase;
	short events = 0;
	int slot;

	(void)old;
	if (fd >= pop->nidx) {
		int n = pop->nidx ? pop->nidx : 64, *ni;
		while (n <= fd)
			n = n > INT_MAX / 2 ? INT_MAX : n * 2;
		ni = mm_realloc(pop->idx, (size_t)n * sizeof(*ni));
		if (ni == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memset(ni + pop->nidx, 0,
		    (size_t)(n - pop->nidx) * sizeof(*ni));
		pop->idx = ni;
		pop->nidx = n;
	}
	if (new_ & EV_READ)
		events |= POLLIN;
	if (new_ & EV_WRITE)
		events |= POLLOUT;
#ifdef POLLRDHUP
	if (new_ & EV_CLOSED)
		events |= POLLRDHUP;
#endif
	slot = pop->idx[fd] - 1;
	if (slot < 0) {
		if (pop->n == pop->a) {
			int a = pop->a ? pop->a * 2 : 32;
			struct pollfd *nf = mm_realloc(pop->fds,
			    (size_t)a * sizeof(*nf));
			if (nf == NULL) {
				errno = ENOMEM;
				return -1;
			}
			pop->fds = nf;
			pop->a = a;
		}
		slot = pop->n++;
		pop->fds[slot].fd = fd;
		pop->idx[fd] = slot + 1;
	}
	pop->fds[slot].events = events;
	pop->fds[slot].revents = 0;
	return 0;
}

static int
poll_del(struct event_base *base, int fd, short old, short new_)
{
	struct pollop *pop = base->evbase;
	int slot;

	(void)old;
	(void)new_;
	if (fd >= pop->nidx || (slot = pop->idx[fd] - 1) < 0)
		return 0;
	pop->idx[fd] = 0;
	if (slot != --pop->n) {
		pop->fds[slot] = pop->fds[pop->n];
		pop->idx[pop->fds[slot].fd] = slot + 1;
	}
	return 0;
}

static int
poll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct pollop *pop = base->evbase;
	int i, n, ms = -1;

	if (tv != NULL) {
		long long t = (long long)tv->tv_sec * 1000 +
		    (tv->tv_usec + 999) / 1000;
		ms = t > INT_MAX ? INT_MAX : (int)t;
	}
	evsel_wait_begin_(base);
	n = poll(pop->fds, (nfds_t)pop->n, ms);
	evsel_wait_end_(base);
	if (n == -1) {
		if (errno != EINTR) {
			event_warn("poll");
			return -1;
		}
		return 0;
	}

	for (i = 0; i < pop->n && n > 0; i++) {
		short what = pop->fds[i].revents;
		short res = 0;

		if (what == 0)
			continue;
		n--;
		if (what & POLLNVAL) {
			event_warnx("poll: fd %d is not open",
			    pop->fds[i].fd);
			event_fd_bad_(base, pop->fds[i].fd);
			continue;
		}
		if (what & (POLLHUP | POLLERR))
			res = EV_READ | EV_WRITE | EV_CLOSED;
		else {
			if (what & POLLIN)
				res |= EV_READ;
			if (what & POLLOUT)
				res |= EV_WRITE;
#ifdef POLLRDHUP
			if (what & POLLRDHUP)
				res |= EV_CLOSED;
#endif
		}
		if (res)
			event_fd_ready_(base, pop->fds[i].fd, res);
	}
	return 0;
}

static void
poll_dealloc(struct event_base *base)
{
	struct pollop *pop = base->evbase;

	mm_free(pop->fds);
	mm_free(pop->idx);
	mm_free(pop);
}

const struct eventop pollops = {
	"poll",
	poll_init,
	poll_add,
	poll_del,
	poll_dispatch,
	poll_dealloc,
	0,
#ifdef POLLRDHUP
	EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE,
#else
	EV_FEATURE_FDS,
#endif
	NULL,
	NULL
};
