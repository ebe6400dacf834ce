/*
 * select.c -- the select(2) backend with fd sets sized at run time.
 *
 * Notes:
 *  a) fd_set is a fixed FD_SETSIZE (1024) bit array and glibc's fortified
 *     FD_SET() aborts above it.  We keep our own bit arrays of unsigned
 *     long, grown as needed, and hand them to select() cast to fd_set *;
 *     the kernel only reads (maxfd + 1) bits, so fds >= FD_SETSIZE work.
 *  b) select() fails as a whole with EBADF when one fd was closed.  We
 *     then probe each registered fd with fcntl(F_GETFD) and report the
 *     closed ones to the core (it delivers once and stops watching them).
 *  c) Ready fds are scanned a word at a time; bits of unregistered fds are
 *     never set by the kernel.
 *  d) Timeouts are passed with microsecond precision.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/select.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#define WBITS	((int)(sizeof(unsigned long) * CHAR_BIT))

struct selectop {
	int maxfd;		/* highest registered fd, -1 if none */
	int nwords;		/* words allocated in each set */
	unsigned long *rin, *win;	/* interest */
	unsigned long *rout, *wout;	/* copies handed to select() */
};

static void *
select_init(struct event_base *base)
{
	struct selectop *sop;

	(void)base;
	sop = mm_calloc(1, sizeof(*sop));
	if (sop == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	sop->maxfd = -1;
	return sop;
}

static int
select_resize(struct selectop *sop, int fd)
{
	int nw = sop->nwords ? sop->nwords : 1024 / WBITS, i;
	unsigned long *p[4];
	unsigned long **sets[4];

	if (fd / WBITS < sop->nwords)
		return 0;
	while (nw <= fd / WBITS)
		nw *= 2;
	sets[0] = &sop->rin;
	sets[1] = &sop->win;
	sets[2] = &sop->rout;
	sets[3] = &sop->wout;
	for (i = 0; i < 4; i++) {
		p[i] = mm_realloc(*sets[i], (size_t)nw * sizeof(unsigned long));
		if (p[i] == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memset(p[i] + sop->nwords, 0,
		    (size_t)(nw - sop->nwords) * sizeof(unsigned long));
		*sets[i] = p[i];
	}
	sop->nwords = nw;
	return 0;
}

#define BIT_SET(s, fd)	((s)[(fd) / WBITS] |= 1UL << ((fd) % WBITS))
#define BIT_CLR(s, fd)	((s)[(fd) / WBITS] &= ~(1UL << ((fd) % WBITS)))
#define BIT_ISSET(s, fd) (((s)[(fd) / WBITS] >> ((fd) % WBITS)) & 1UL)

static int
select_add(struct event_base *base, int fd, short old, short new_)
{
	struct selectop *sop = base->evbase;

	(void)old;
	if (select_resize(sop, fd) == -1)
		return -1;
	if (new_ & EV_READ)
		BIT_SET(sop->rin, fd);
	else
		BIT_CLR(sop->rin, fd);
	if (new_ & EV_WRITE)
		BIT_SET(sop->win, fd);
	else
		BIT_CLR(sop->win, fd);
	if (fd > sop->maxfd)
		sop->maxfd = fd;
	return 0;
}

static int
select_del(struct event_base *base, int fd, short old, short new_)
{
	struct selectop *sop = base->evbase;

	(void)old;
	(void)new_;
	if (fd / WBITS >= sop->nwords)
		return 0;
	BIT_CLR(sop->rin, fd);
	BIT_CLR(sop->win, fd);
	if (fd == sop->maxfd) {
		while (sop->maxfd >= 0 && !BIT_ISSET(sop->rin, sop->maxfd) &&
		    !BIT_ISSET(sop->win, sop->maxfd))
			sop->maxfd--;
	}
	return 0;
}

/* b): find the registered fds that are closed and report them. */
static void
select_find_bad(struct event_base *base, struct selectop *sop)
{
	int fd;

	for (fd = 0; fd <= sop->maxfd; fd++) {
		if (!BIT_ISSET(sop->rin, fd) && !BIT_ISSET(sop->win, fd))
			continue;
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			event_warnx("select: fd %d is not open", fd);
			event_fd_bad_(base, fd);
			BIT_CLR(sop->rin, fd);
			BIT_CLR(sop->win, fd);
		}
	}
}

static int
select_dispatch(struct event_base *base, struct timeval *tv)
{
	struct selectop *sop = base->evbase;
	int n, w, nw;
	struct timeval t;

	nw = sop->maxfd / WBITS + 1;
	if (sop->maxfd >= 0) {
		memcpy(sop->rout, sop->rin, (size_t)nw * sizeof(unsigned long));
		memcpy(sop->wout, sop->win, (size_t)nw * sizeof(unsigned long));
	}
	if (tv != NULL)
		t = *tv;
	evsel_wait_begin_(base);
	n = select(sop->maxfd + 1,
	    sop->maxfd >= 0 ? (fd_set *)(void *)sop->rout : NULL,
	    sop->maxfd >= 0 ? (fd_set *)(void *)sop->wout : NULL,
	    NULL, tv != NULL ? &t : NULL);
	evsel_wait_end_(base);
	if (n == -1) {
		if (errno == EBADF) {
			select_find_bad(base, sop);
			return 0;
		}
		if (errno != EINTR) {
			event_warn("select");
			return -1;
		}
		return 0;
	}

	for (w = 0; w < nw && n > 0; w++) {
		unsigned long r = sop->rout[w], wr = sop->wout[w];
		unsigned long any = r | wr;

		while (any) {
			int b = __builtin_ctzl(any);
			int fd = w * WBITS + b;
			short res = 0;

			any &= any - 1;
			if ((r >> b) & 1UL)
				res |= EV_READ;
			if ((wr >> b) & 1UL)
				res |= EV_WRITE;
			event_fd_ready_(base, fd, res);
		}
	}
	return 0;
}

static void
select_dealloc(struct event_base *base)
{
	struct selectop *sop = base->evbase;

	mm_free(sop->rin);
	mm_free(sop->win);
	mm_free(sop->rout);
	mm_free(sop->wout);
	mm_free(sop);
}

const struct eventop selectops = {
	"select",
	select_init,
	select_add,
	select_del,
	select_dispatch,
	select_dealloc,
	0,
	EV_FEATURE_FDS,
	NULL,
	NULL
};
