/*
 * emul_kqueue.c -- kqueue(2) and kevent(2) for Linux, on poll(2).
 *
 * Written from FreeBSD's kqueue(2) manual (facts in shared/api/backends.md
 * 1 and 4).  What it reproduces, because a backend can get each wrong:
 *
 *  a) Changes apply one by one, in array order, before anything is
 *     collected.  A failing change becomes an EV_ERROR entry (data = errno;
 *     flags replaced as FreeBSD does, or ORed as current xnu does) while the
 *     event list has room, and the call then returns those entries at once
 *     without waiting.  With no room it returns -1 with that errno and the
 *     later changes are not applied.
 *  b) Real errnos: EBADF for an fd that is not open (also for EV_DELETE
 *     after close()), ENOENT for a missing knote, EINVAL for an unknown
 *     filter, EV_ENABLE with EV_DISABLE, or a bad timeout.
 *  c) Knotes are keyed by (number, filter); close() and dup2() of the
 *     number drop them at once (emul_sys.c), even while a dup of the file
 *     stays open, so a reused number starts empty.
 *  d) A forked child has no queue: the number is closed in the child.
 *  e) Level triggered by default, reported on every call; EV_CLEAR reports
 *     again only when `data` changed; EV_ONESHOT deletes and EV_DISPATCH
 *     disables on retrieval; what does not fit stays queued; nevents == 0
 *     never waits.  READ and WRITE are separate entries, with `data` (bytes
 *     readable, room to write) and EV_EOF (peer gone) filled in.
 *  f) EVFILT_SIGNAL counts deliveries without changing dispositions
 *     (emul_sys.c).
 *  g) Regular files are readable only while the offset is below the size
 *     (poll(2) says always), and always writable.
 *
 * Limits: one poll(2) set is rebuilt per call (O(knotes)); READ, WRITE
 * and SIGNAL filters only; NOTE_LOWAT is ignored; an EV_CLEAR knote that
 * was reported does not end a blocking wait; the socket error of an EOF is
 * not put in fflags (reading SO_ERROR would clear it for the program).
 */
#define _GNU_SOURCE 1	/* POLLRDHUP */

#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/event.h>		/* test/emul/sys/event.h */

#include "emul.h"

#ifndef NSIG
#define NSIG 65
#endif

#define KN_REGULAR	0x01	/* a regular file: not polled */
#define KN_LISTEN	0x02	/* a listening socket */
#define KN_REPORTED	0x04	/* EV_CLEAR: reported, `last` is valid */

struct knote {
	struct kevent kev;	/* as registered (action bits cleared) */
	int enabled;
	int kind;		/* KN_* */
	int64_t last;		/* EV_CLEAR: data at the last report */
	uint64_t seen;		/* SIGNAL: deliveries already reported */
	int slot;		/* index in q->notes */
	int pidx;		/* this call's pollfd, or -1 */
};

struct kq {
	int fd;
	struct knote **notes;	/* dense, every knote */
	int nnotes, anotes;
	struct knote **byfd;	/* [fd * 2 + (filter == WRITE)] */
	int nbyfd;
	struct knote *bysig[NSIG];
	struct pollfd *pfds;
	int apfds;
	struct knote **hits;	/* this call's reported knotes */
	int ahits;
	unsigned rot;
	struct kq *next;
};

unsigned long emul_kevent_calls;
static struct kq *queues;
static int error_or;
static int refuse_fd = -1, refuse_err;
static int refuse_pipes;

void
emul_kqueue_error_or(int on)
{
	error_or = on;
}

void
emul_kqueue_refuse_fd(int fd, int err)
{
	refuse_fd = fd;
	refuse_err = err;
}

void
emul_kqueue_refuse_pipes(int on)
{
	refuse_pipes = on;
}

static struct kq *
kq_find(int fd)
{
	struct kq *q;

	for (q = queues; q != NULL; q = q->next)
		if (q->fd == fd)
			return q;
	return NULL;
}

/* Grow *arr to hold n elements of size sz.  0 or ENOMEM. */
static int
grow(void *arr, int *have, int n, size_t sz)
{
	void **p = arr;
	int a = *have ? *have : 16;
	void *np;

	if (n <= *have)
		return 0;
	while (a < n) {
		if (a > INT_MAX / 2)
			return ENOMEM;
		a *= 2;
	}
	np = realloc(*p, (size_t)a * sz);
	if (np == NULL)
		return ENOMEM;
	memset((char *)np + (size_t)*have * sz, 0,
	    (size_t)(a - *have) * sz);
	*p = np;
	*have = a;
	return 0;
}

static struct knote **
kn_ref(struct kq *q, const struct kevent *kev)
{
	if (kev->filter == EVFILT_SIGNAL)
		return &q->bysig[kev->ident];
	if (kev->ident * 2 + 1 >= (uintptr_t)q->nbyfd)
		return NULL;
	return &q->byfd[kev->ident * 2 + (kev->filter == EVFILT_WRITE)];
}

static void
kn_free(struct kq *q, struct knote *kn)
{
	struct knote **ref = kn_ref(q, &kn->kev);
	int last = --q->nnotes;

	if (ref != NULL)
		*ref = NULL;
	if (kn->slot != last) {
		q->notes[kn->slot] = q->notes[last];
		q->notes[kn->slot]->slot = kn->slot;
	}
	if (kn->kev.filter == EVFILT_SIGNAL)
		emul_sig_unwatch_((int)kn->kev.ident);
	free(kn);
}

/* Note what kind of file the knote watches; 0 or an errno value (EINVAL
 * for a pipe while pipes are refused). */
static int
kn_classify(struct knote *kn)
{
	struct stat st;
	int v = 0;
	socklen_t len = sizeof(v);

	if (kn->kev.filter == EVFILT_SIGNAL)
		return 0;
	if (fstat((int)kn->kev.ident, &st) == -1)
		return errno;
	if (S_ISREG(st.st_mode))
		kn->kind |= KN_REGULAR;
	if (S_ISFIFO(st.st_mode) && refuse_pipes)
		return EINVAL;
	if (S_ISSOCK(st.st_mode) && getsockopt((int)kn->kev.ident,
	    SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v)
		kn->kind |= KN_LISTEN;
	return 0;
}

/* A new knote for kev, linked everywhere.  0 or an errno value. */
static int
kn_new(struct kq *q, const struct kevent *kev, struct knote **out)
{
	struct knote *kn, **ref;
	int err;

	if (kev->filter != EVFILT_SIGNAL && (int)kev->ident == refuse_fd)
		return refuse_err;
	if (kev->filter != EVFILT_SIGNAL &&
	    (err = grow(&q->byfd, &q->nbyfd, (int)kev->ident * 2 + 2,
	    sizeof(*q->byfd))) != 0)
		return err;
	if ((err = grow(&q->notes, &q->anotes, q->nnotes + 1,
	    sizeof(*q->notes))) != 0)
		return err;
	kn = calloc(1, sizeof(*kn));
	if (kn == NULL)
		return ENOMEM;
	kn->kev = *kev;
	if ((err = kn_classify(kn)) != 0) {
		free(kn);
		return err;
	}
	if (kev->filter == EVFILT_SIGNAL) {
		if ((err = emul_sig_watch_((int)kev->ident)) != 0) {
			free(kn);
			return err;
		}
		kn->seen = emul_sig_count_((int)kev->ident);
	}
	kn->enabled = 1;
	kn->slot = q->nnotes;
	q->notes[q->nnotes++] = kn;
	ref = kn_ref(q, kev);
	*ref = kn;
	*out = kn;
	return 0;
}

/* Is kev's ident valid for its filter?  0 or an errno value. */
static int
check_ident(const struct kevent *kev)
{
	switch (kev->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		/* The fd is looked up before the knote. */
		if (kev->ident > INT_MAX ||
		    fcntl((int)kev->ident, F_GETFD) == -1)
			return EBADF;
		return 0;
	case EVFILT_SIGNAL:
		if (kev->ident == 0 || kev->ident >= NSIG)
			return EINVAL;
		return 0;
	default:
		return EINVAL;		/* not emulated, or unknown */
	}
}

/* Apply one change.  0 or an errno value. */
static int
kq_apply(struct kq *q, const struct kevent *kev)
{
	struct knote **ref, *kn;
	int err;

	if ((err = check_ident(kev)) != 0)
		return err;
	if ((kev->flags & (EV_ENABLE | EV_DISABLE)) ==
	    (EV_ENABLE | EV_DISABLE))
		return EINVAL;
	ref = kn_ref(q, kev);
	kn = ref != NULL ? *ref : NULL;
	if (kev->flags & EV_DELETE) {
		if (kn == NULL)
			return ENOENT;
		kn_free(q, kn);
		return 0;
	}
	if (kn == NULL) {
		if (!(kev->flags & EV_ADD))
			return ENOENT;
		if ((err = kn_new(q, kev, &kn)) != 0)
			return err;
	}
	if (kev->flags & EV_ADD) {
		kn->kev.flags = kev->flags & (EV_ONESHOT | EV_CLEAR |
		    EV_DISPATCH);
		if (kev->filter == EVFILT_SIGNAL)
			kn->kev.flags |= EV_CLEAR;
		kn->kev.fflags = kev->fflags;
		kn->kev.data = kev->data;
		kn->kev.udata = kev->udata;
#ifndef EMUL_KEVENT_32
		kn->kev.ext[2] = kev->ext[2];
		kn->kev.ext[3] = kev->ext[3];
#endif
	}
	if (kev->flags & EV_DISABLE)
		kn->enabled = 0;
	if (kev->flags & EV_ENABLE)
		kn->enabled = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Collecting events */

/* One pollfd per enabled fd knote; regular files are not polled. */
static int
build_pollset(struct kq *q, int *npfd)
{
	int i, n = 0, err;

	if ((err = grow(&q->pfds, &q->apfds, q->nnotes + 1,
	    sizeof(*q->pfds))) != 0)
		return err;
	for (i = 0; i < q->nnotes; i++) {
		struct knote *kn = q->notes[i];

		kn->pidx = -1;
		if (!kn->enabled || kn->kev.filter == EVFILT_SIGNAL ||
		    (kn->kind & KN_REGULAR))
			continue;
		kn->pidx = n;
		q->pfds[n].fd = (int)kn->kev.ident;
		q->pfds[n].events = kn->kev.filter == EVFILT_READ ?
		    POLLIN | POLLRDHUP : POLLOUT;
		q->pfds[n].revents = 0;
		n++;
	}
	if (emul_sig_wake_fd_() >= 0) {
		q->pfds[n].fd = emul_sig_wake_fd_();
		q->pfds[n].events = POLLIN;
		q->pfds[n].revents = 0;
		n++;
	}
	*npfd = n;
	return 0;
}

static int64_t
room_to_write(int fd)
{
	int size = 0, queued = 0;
	socklen_t len = sizeof(size);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) == 0) {
		if (ioctl(fd, TIOCOUTQ, &queued) == -1)
			queued = 0;
	} else {
#ifdef F_GETPIPE_SZ
		size = fcntl(fd, F_GETPIPE_SZ);
#endif
		if (size < 0 || ioctl(fd, FIONREAD, &queued) == -1)
			queued = 0;
		if (size < 0)
			size = 4096;
	}
	return size > queued ? size - queued : 0;
}

/* Is fd knote kn ready?  Fills data and EV_EOF; -1: not known. */
static int
fd_ready(struct kq *q, struct knote *kn, int64_t *data, int *eof)
{
	int fd = (int)kn->kev.ident, n = 0;
	short rev;

	*eof = 0;
	if (kn->kind & KN_REGULAR) {
		struct stat st;
		off_t off = lseek(fd, 0, SEEK_CUR);

		if (kn->kev.filter == EVFILT_WRITE) {
			*data = 0;
			return 1;
		}
		if (off == (off_t)-1 || fstat(fd, &st) == -1 ||
		    off >= st.st_size)
			return 0;
		*data = (int64_t)(st.st_size - off);
		return 1;
	}
	if (kn->pidx < 0 || q->pfds[kn->pidx].fd < 0)
		return -1;		/* not looked at this time */
	rev = q->pfds[kn->pidx].revents;
	if (kn->kev.filter == EVFILT_READ) {
		if (!(rev & (POLLIN | POLLHUP | POLLRDHUP | POLLERR)))
			return 0;
		*eof = (rev & (POLLHUP | POLLRDHUP)) != 0;
		if ((kn->kind & KN_LISTEN) || ioctl(fd, FIONREAD, &n) == -1)
			n = (rev & POLLIN) ? 1 : 0;
		*data = n;
		return 1;
	}
	if (!(rev & (POLLOUT | POLLHUP | POLLERR)))
		return 0;
	*eof = (rev & (POLLHUP | POLLERR)) != 0;
	*data = room_to_write(fd);
	return 1;
}

/* Should kn be reported now?  Fills the entry's data and flags. */
static int
kn_check(struct kq *q, struct knote *kn, struct kevent *out)
{
	int64_t data = 0;
	int eof = 0, r;

	if (kn->kev.filter == EVFILT_SIGNAL) {
		uint64_t n = emul_sig_count_((int)kn->kev.ident) - kn->seen;
		r = n != 0;
		data = (int64_t)n;
	} else if ((r = fd_ready(q, kn, &data, &eof)) < 0) {
		return 0;
	}
	if (!r) {
		kn->kind &= ~KN_REPORTED;
		return 0;
	}
	if ((kn->kev.flags & EV_CLEAR) && kn->kev.filter != EVFILT_SIGNAL &&
	    (kn->kind & KN_REPORTED) && kn->last == data) {
		/* Nothing new: keep it out of a blocking wait too. */
		if (kn->pidx >= 0)
			q->pfds[kn->pidx].fd = -1;
		return 0;
	}
	*out = kn->kev;
	out->data = data;
	out->fflags = 0;
	if (eof)
		out->flags |= EV_EOF;
	return 1;
}

/* What a retrieval does to the knote. */
static void
kn_retrieved(struct kq *q, struct knote *kn, const struct kevent *ev)
{
	if (kn->kev.filter == EVFILT_SIGNAL)
		kn->seen += (uint64_t)ev->data;
	kn->last = ev->data;
	kn->kind |= KN_REPORTED;
	if (kn->kev.flags & EV_ONESHOT)
		kn_free(q, kn);
	else if (kn->kev.flags & EV_DISPATCH)
		kn->enabled = 0;
}

/* Report up to nevents ready knotes, starting at a rotating offset. */
static int
collect(struct kq *q, struct kevent *events, int nevents)
{
	int i, n, got = 0, start, err;

	/* A number closed behind our back (not through close()): its
	 * knotes go, as the kernel's would have.  Backwards, because a
	 * free moves the last knote into the freed slot. */
	for (i = q->nnotes - 1; i >= 0; i--) {
		struct knote *kn = q->notes[i];
		if (kn->pidx >= 0 && (q->pfds[kn->pidx].revents & POLLNVAL))
			kn_free(q, kn);
	}
	n = q->nnotes;
	if ((err = grow(&q->hits, &q->ahits, nevents < n ? nevents : n,
	    sizeof(*q->hits))) != 0) {
		errno = err;
		return -1;
	}
	start = n ? (int)(q->rot++ % (unsigned)n) : 0;
	for (i = 0; i < n && got < nevents; i++) {
		struct knote *kn = q->notes[(start + i) % n];

		if (kn->enabled && kn_check(q, kn, &events[got]))
			q->hits[got++] = kn;
	}
	/* Only now: a ONESHOT retrieval reorders the array. */
	for (i = 0; i < got; i++)
		kn_retrieved(q, q->hits[i], &events[i]);
	return got;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Look without waiting (signals and regular files are not in the poll set,
 * so they are only seen this way), then wait as the timeout says and
 * collect what the wait found.  Returns like kevent().
 */
static int
kq_scan(struct kq *q, struct kevent *events, int nevents,
    const struct timespec *ts)
{
	int64_t deadline = -1;
	int got, npfd, err, ms, r;

	if (ts != NULL)
		deadline = now_ms() + (int64_t)ts->tv_sec * 1000 +
		    (ts->tv_nsec + 999999) / 1000000;
	for (;;) {
		if ((err = build_pollset(q, &npfd)) != 0) {
			errno = err;
			return -1;
		}
		if (poll(q->pfds, (nfds_t)npfd, 0) == -1 && errno != EINTR)
			return -1;
		emul_sig_drain_();
		if ((got = collect(q, events, nevents)) != 0)
			return got;
		ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 0;
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(q->pfds, (nfds_t)npfd, ms);
		if (r == -1 && errno != EINTR)
			return -1;
		if (r == -1) {
			/* A watched signal is an event, not an error. */
			if ((got = collect(q, events, nevents)) != 0)
				return got;
			errno = EINTR;
			return -1;
		}
		if (r > 0 && (got = collect(q, events, nevents)) != 0)
			return got;
	}
}

/* ------------------------------------------------------------------ */
/* The calls */

int
kqueue(void)
{
	struct kq *q;

	emul_sys_init_();
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		errno = ENOMEM;
		return -1;
	}
	q->fd = emul_handle_fd_();
	if (q->fd == -1) {
		int e = errno;
		free(q);
		errno = e;
		return -1;
	}
	q->next = queues;
	queues = q;
	return q->fd;
}

static void
error_entry(struct kevent *out, const struct kevent *chg, int err)
{
	*out = *chg;
	out->flags = error_or ? (unsigned short)(chg->flags | EV_ERROR) :
	    EV_ERROR;
	out->data = err;
}

int
kevent(int kqfd, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
	struct kq *q = kq_find(kqfd);
	int i, nerr = 0;

	emul_kevent_calls++;
	if (q == NULL) {
		errno = EBADF;
		return -1;
	}
	if (nchanges < 0 || nevents < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((nchanges > 0 && changelist == NULL) ||
	    (nevents > 0 && eventlist == NULL)) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < nchanges; i++) {
		/* A copy: the two lists may be one array. */
		struct kevent chg = changelist[i];
		int err = kq_apply(q, &chg);

		if (err == 0 && !(chg.flags & EV_RECEIPT))
			continue;
		if (nerr >= nevents) {
			if (err == 0)
				break;	/* no room for the receipt */
			errno = err;
			return -1;
		}
		error_entry(&eventlist[nerr++], &chg, err);
	}
	if (nerr > 0)
		return nerr;
	if (timeout != NULL && (timeout->tv_sec < 0 ||
	    timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L)) {
		errno = EINVAL;
		return -1;
	}
	if (nevents == 0)
		return 0;
	return kq_scan(q, eventlist, nevents, timeout);
}

int
emul_kqueue_knote_(int fd, int filter)
{
	struct kevent k;
	struct knote **ref;

	if (queues == NULL)
		return -1;
	memset(&k, 0, sizeof(k));
	k.ident = (uintptr_t)fd;
	k.filter = (short)filter;
	if (check_ident(&k) == EINVAL)
		return 0;
	ref = kn_ref(queues, &k);
	return ref != NULL && *ref != NULL;
}

/* ------------------------------------------------------------------ */
/* Process-wide events */

static void
kq_destroy(struct kq *q)
{
	struct kq **pp;

	while (q->nnotes > 0)
		kn_free(q, q->notes[q->nnotes - 1]);
	for (pp = &queues; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	free(q->notes);
	free(q->byfd);
	free(q->pfds);
	free(q->hits);
	free(q);
}

void
emul_kqueue_fd_closed_(int fd)
{
	struct kq *q, *next;
	struct kevent k;

	if (fd < 0)
		return;
	for (q = queues; q != NULL; q = next) {
		next = q->next;
		if (q->fd == fd) {
			kq_destroy(q);
			continue;
		}
		memset(&k, 0, sizeof(k));
		k.ident = (uintptr_t)fd;
		k.filter = EVFILT_READ;
		if (kn_ref(q, &k) != NULL && *kn_ref(q, &k) != NULL)
			kn_free(q, *kn_ref(q, &k));
		k.filter = EVFILT_WRITE;
		if (kn_ref(q, &k) != NULL && *kn_ref(q, &k) != NULL)
			kn_free(q, *kn_ref(q, &k));
	}
}

void
emul_kqueue_forked_(void)
{
	while (queues != NULL) {
		int fd = queues->fd;
		kq_destroy(queues);
		(void)emul_real_close_(fd);
	}
}
