/*
 * emul_devpoll.c -- Solaris /dev/poll for Linux, on poll(2).
 *
 * Written from the illumos poll(4D)/poll(7D) manual pages (facts in
 * shared/api/backends.md 2 and 4).  devpoll.c reaches it through the seam
 * header test/emul/sys/devpoll.h, which renames its open(), write() and
 * ioctl() calls to the functions below; they pass any other file on to the
 * C library.  What it reproduces:
 *
 *  a) A write ORs each entry's events into the fd's interest; only an
 *     entry whose events are exactly POLLREMOVE (Solaris 0x0800) removes
 *     the fd; removing an unknown fd does nothing.  Entries naming fds that
 *     are not open are accepted; fds beyond the descriptor limit are
 *     skipped; a length that is not a whole number of entries, or more
 *     entries than the descriptor limit, is EINVAL.
 *  b) Closing an fd does not touch any set: DP_POLL reports it POLLNVAL,
 *     and a new file that gets the number inherits the interest.
 *  c) In a forked child, writes and ioctls on an inherited set fail with
 *     EACCES (we bind the set to the process that opened it).
 *  d) DP_POLL is level triggered, returns at most dp_nfds entries (fd,
 *     the cached interest, revents), 0 on timeout with the buffer untouched,
 *     -1/EINTR on a signal; dp_nfds == 0 only sleeps; dp_nfds at or above
 *     the descriptor limit is EINVAL, as on Solaris.  Each call starts its
 *     scan somewhere else, so fds that did not fit come later and the
 *     backend cannot rely on an order.
 *  e) POLLERR and POLLHUP come unrequested, POLLHUP without POLLIN at a
 *     pipe's EOF (poll(2)'s behaviour, which is Solaris's).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul.h"

/* Solaris's values (test/emul/sys/devpoll.h); not included here, so that
 * open/write/ioctl below are the C library's. */
#define SOL_POLLWRBAND	0x0100
#define SOL_POLLREMOVE	0x0800
#define SOL_DP_POLL	0xD001
#define SOL_DP_ISPOLLED	0xD002

struct sol_dvpoll {
	struct pollfd *dp_fds;
	nfds_t dp_nfds;
	int dp_timeout;
};

struct dpset {
	int fd;
	pid_t pid;
	short *interest;	/* per fd, Solaris bits */
	int *slot;		/* per fd: index in fds + 1, 0 = absent */
	int nfd;		/* size of interest[] and slot[] */
	int *fds;		/* the fds in the set, dense */
	int nset;
	struct pollfd *pfds;	/* scratch for poll(2) */
	unsigned rot;
	struct dpset *next;
};

unsigned long emul_devpoll_writes;
unsigned long emul_devpoll_ioctls;
static struct dpset *sets;

static struct dpset *
dp_find(int fd)
{
	struct dpset *s;

	for (s = sets; s != NULL; s = s->next)
		if (s->fd == fd)
			return s;
	return NULL;
}

static rlim_t
fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur > INT_MAX)
		return INT_MAX;
	return rl.rlim_cur;
}

int
emul_devpoll_open(const char *path, int flags, ...)
{
	struct dpset *s;
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (strcmp(path, "/dev/poll") != 0)
		return open(path, flags, mode);
	emul_sys_init_();
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->fd = emul_handle_fd_();
	if (s->fd == -1) {
		int e = errno;
		free(s);
		errno = e;
		return -1;
	}
	if (!(flags & O_CLOEXEC))
		(void)fcntl(s->fd, F_SETFD, 0);
	s->pid = getpid();
	s->next = sets;
	sets = s;
	return s->fd;
}

/* Reallocate *arrp to n elements of sz bytes.  0 or -1. */
static int
resize(void *arrp, size_t n, size_t sz)
{
	void **p = arrp, *np = realloc(*p, n * sz);

	if (np == NULL)
		return -1;
	*p = np;
	return 0;
}

/* Make fd a valid index.  0 or -1/ENOMEM. */
static int
dp_reserve(struct dpset *s, int fd)
{
	size_t n = s->nfd ? (size_t)s->nfd : 64, old = (size_t)s->nfd;

	if (fd < s->nfd)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	/* A failure leaves larger arrays than nfd says: harmless. */
	if (n > INT_MAX ||
	    resize(&s->interest, n, sizeof(*s->interest)) == -1 ||
	    resize(&s->slot, n, sizeof(*s->slot)) == -1 ||
	    resize(&s->fds, n, sizeof(*s->fds)) == -1 ||
	    resize(&s->pfds, n, sizeof(*s->pfds)) == -1) {
		errno = ENOMEM;
		return -1;
	}
	memset(s->interest + old, 0, (n - old) * sizeof(*s->interest));
	memset(s->slot + old, 0, (n - old) * sizeof(*s->slot));
	s->nfd = (int)n;
	return 0;
}

static void
dp_remove(struct dpset *s, int fd)
{
	int i;

	if (fd >= s->nfd || s->slot[fd] == 0)
		return;
	i = s->slot[fd] - 1;
	s->slot[fd] = 0;
	s->interest[fd] = 0;
	if (i != --s->nset) {
		s->fds[i] = s->fds[s->nset];
		s->slot[s->fds[i]] = i + 1;
	}
}

static int
dp_update(struct dpset *s, const struct pollfd *p, rlim_t limit)
{
	if (p->fd < 0 || (rlim_t)p->fd >= limit)
		return 0;		/* beyond the table: skipped */
	if (p->events == SOL_POLLREMOVE) {
		dp_remove(s, p->fd);
		return 0;
	}
	if (dp_reserve(s, p->fd) == -1)
		return -1;
	if (s->slot[p->fd] == 0) {
		s->fds[s->nset++] = p->fd;
		s->slot[p->fd] = s->nset;
	}
	s->interest[p->fd] |= p->events;
	return 0;
}

ssize_t
emul_devpoll_write(int fd, const void *buf, size_t len)
{
	struct dpset *s = dp_find(fd);
	rlim_t limit = fd_limit();
	size_t i, n = len / sizeof(struct pollfd);

	if (s == NULL)
		return write(fd, buf, len);
	emul_devpoll_writes++;
	if (s->pid != getpid()) {
		errno = EACCES;
		return -1;
	}
	if (len % sizeof(struct pollfd) != 0 || n > limit) {
		errno = EINVAL;
		return -1;
	}
	if (n > 0 && buf == NULL) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct pollfd p;

		memcpy(&p, (const char *)buf + i * sizeof(p), sizeof(p));
		if (dp_update(s, &p, limit) == -1)
			return -1;
	}
	return (ssize_t)len;
}

/* Solaris bits to glibc's and back (0x01..0x80 are the same). */
static short
to_linux(short ev)
{
	return (short)((ev & 0xff) | ((ev & SOL_POLLWRBAND) ? POLLWRBAND : 0));
}

static short
from_linux(short rev)
{
	return (short)((rev & 0xff) | ((rev & POLLWRNORM) ? POLLOUT : 0) |
	    ((rev & POLLWRBAND) ? SOL_POLLWRBAND : 0));
}

static int
dp_poll(struct dpset *s, struct sol_dvpoll *dvp)
{
	int i, n, r, got = 0, start, ms;

	if (dvp == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (dvp->dp_nfds >= (nfds_t)fd_limit()) {
		errno = EINVAL;
		return -1;
	}
	if (dvp->dp_nfds > 0 && dvp->dp_fds == NULL) {
		errno = EFAULT;
		return -1;
	}
	ms = dvp->dp_timeout < 0 ? -1 : dvp->dp_timeout;
	if (dvp->dp_nfds == 0)
		return poll(NULL, 0, ms);
	n = s->nset;
	start = n ? (int)(s->rot++ * 7u % (unsigned)n) : 0;
	for (i = 0; i < n; i++) {
		int fd = s->fds[(start + i) % n];
		s->pfds[i].fd = fd;
		s->pfds[i].events = to_linux(s->interest[fd]);
		s->pfds[i].revents = 0;
	}
	r = poll(s->pfds, (nfds_t)n, ms);
	if (r <= 0)
		return r;
	for (i = 0; i < n && (nfds_t)got < dvp->dp_nfds; i++) {
		struct pollfd *p = &s->pfds[i];

		if (p->revents == 0)
			continue;
		dvp->dp_fds[got].fd = p->fd;
		dvp->dp_fds[got].events = s->interest[p->fd];
		dvp->dp_fds[got].revents = from_linux(p->revents);
		got++;
	}
	return got;
}

static int
dp_ispolled(struct dpset *s, struct pollfd *p)
{
	if (p == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (p->fd < 0 || p->fd >= s->nfd || s->slot[p->fd] == 0)
		return 0;
	p->revents = s->interest[p->fd];
	return 1;
}

int
emul_devpoll_ioctl(int fd, unsigned long request, ...)
{
	struct dpset *s = dp_find(fd);
	void *arg;
	va_list ap;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (s == NULL)
		return ioctl(fd, request, arg);
	emul_devpoll_ioctls++;
	if (s->pid != getpid()) {
		errno = EACCES;
		return -1;
	}
	switch (request) {
	case SOL_DP_POLL:
		return dp_poll(s, arg);
	case SOL_DP_ISPOLLED:
		return dp_ispolled(s, arg);
	default:
		errno = EINVAL;
		return -1;
	}
}

int
emul_devpoll_interest_(int fd)
{
	if (sets == NULL || fd < 0 || fd >= sets->nfd || sets->slot[fd] == 0)
		return -1;
	return sets->interest[fd];
}

void
emul_devpoll_fd_closed_(int fd)
{
	struct dpset **pp, *s;

	for (pp = &sets; (s = *pp) != NULL; pp = &s->next) {
		if (s->fd != fd)
			continue;
		*pp = s->next;
		free(s->interest);
		free(s->slot);
		free(s->fds);
		free(s->pfds);
		free(s);
		return;
	}
}
