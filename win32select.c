/*
 * win32select.c -- the Windows backend: Winsock's select().
 *
 * Notes (shared/api/backends.md 3.1-3.2):
 *  a) A Winsock fd_set is not a bitmap but a count and an array of
 *     SOCKETs, and select() trusts the count.  So our sets are allocated
 *     at run time with room for every registered socket (no FD_SETSIZE
 *     limit of 64) and handed to select() cast to fd_set *.  A socket's
 *     slot in each interest set is remembered per fd, and a removal moves
 *     the last entry into the hole: add and delete are O(1), and the sets
 *     stay compact.
 *  b) On return select() has compacted each set to its ready sockets:
 *     we walk fd_array[0..fd_count) instead of testing every socket.
 *  c) select() with every set empty fails at once with WSAEINVAL instead
 *     of waiting, so a wait with no socket registered is a Sleep().
 *  d) A failed non-blocking connect() is reported in the except set, not
 *     as writable.  Sockets with write interest are therefore also in an
 *     except set, and an exception is reported as readable and writable,
 *     so that the program's connect check (SO_ERROR) runs.
 *  e) One closed socket makes the whole call fail with WSAENOTSOCK.  We
 *     then probe every registered socket with getsockopt(SO_TYPE) and
 *     report the ones that are gone to the core, which delivers once and
 *     stops watching them.
 *  f) Only sockets work (no pipes, files or consoles): features is 0, and
 *     add() refuses anything else at once, EPERM for a CRT fd (as epoll
 *     refuses a regular file), EBADF for a number that is nothing.
 *  g) The first init takes one Winsock reference (WSAStartup) for the
 *     rest of the process, so that the library's own sockets work even
 *     in a program that forgot WSAStartup.  It is never dropped: a
 *     WSACleanup when a base is freed could end Winsock under the
 *     program's own sockets.
 *  h) The timeout is two 32-bit longs and is never updated by select();
 *     waits are capped at a day (the core computes the next one).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <io.h>
#include <windows.h>

#include "event.h"
#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#define MAX_WAIT_SEC	(24 * 60 * 60)	/* h) */

/* a): what select() sees as a struct fd_set, with room for cap sockets. */
struct win_fd_set {
	u_int fd_count;
	SOCKET fd_array[];
};

/* Where an fd sits in the interest sets: index + 1, 0 if absent. */
struct win_fd_pos {
	int r;
	int w;
};

struct win32op {
	int cap;			/* room in each set */
	struct win_fd_set *rin, *win;	/* interest, compact (a) */
	struct win_fd_set *rout, *wout, *eout;	/* copies for select() */
	struct win_fd_pos *pos;		/* indexed by fd */
	int npos;
};

static void
win32_free_sets(struct win32op *op)
{
	mm_free(op->rin);
	mm_free(op->win);
	mm_free(op->rout);
	mm_free(op->wout);
	mm_free(op->eout);
	mm_free(op->pos);
	mm_free(op);
}

/* g): 0, or -1 (logged) if Winsock cannot start. */
static int
win32_winsock_start(void)
{
	static volatile LONG started;
	WSADATA wsa;
	int r;

	if (started)
		return 0;
	/* WSAStartup returns its error instead of setting it. */
	if ((r = WSAStartup(MAKEWORD(2, 2), &wsa)) != 0) {
		event_warnx("win32: WSAStartup: Winsock error %d", r);
		return -1;
	}
	/* Two threads may both have started it: keep one reference. */
	if (InterlockedExchange(&started, 1) != 0)
		WSACleanup();
	return 0;
}

static void *
win32_init(struct event_base *base)
{
	struct win32op *op;

	(void)base;
	if (win32_winsock_start() == -1) {
		errno = ENOSYS;
		return NULL;
	}
	if ((op = mm_calloc(1, sizeof(*op))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return op;
}

/* Make every set hold at least want sockets.  0, or -1 (ENOMEM). */
static int
win32_grow_sets(struct win32op *op, int want)
{
	struct win_fd_set **sets[5];
	struct win_fd_set *p;
	size_t size;
	int cap = op->cap ? op->cap : 64, i;

	if (want <= op->cap)
		return 0;
	while (cap < want) {
		if (cap > INT_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		cap *= 2;
	}
	size = sizeof(struct win_fd_set) + (size_t)cap * sizeof(SOCKET);
	sets[0] = &op->rin;
	sets[1] = &op->win;
	sets[2] = &op->rout;
	sets[3] = &op->wout;
	sets[4] = &op->eout;
	for (i = 0; i < 5; i++) {
		if ((p = mm_realloc(*sets[i], size)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		if (*sets[i] == NULL)
			p->fd_count = 0;
		*sets[i] = p;
	}
	op->cap = cap;
	return 0;
}

/* Make fd an index of the position table.  0, or -1 (ENOMEM). */
static int
win32_grow_pos(struct win32op *op, int fd)
{
	struct win_fd_pos *p;
	int n = op->npos ? op->npos : 64;

	if (fd < op->npos)
		return 0;
	while (n <= fd) {
		if (n > INT_MAX / 2) {
			n = INT_MAX;
			break;
		}
		n *= 2;
	}
	if ((size_t)n > SIZE_MAX / sizeof(*p) ||
	    (p = mm_realloc(op->pos, (size_t)n * sizeof(*p))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memset(p + op->npos, 0, (size_t)(n - op->npos) * sizeof(*p));
	op->pos = p;
	op->npos = n;
	return 0;
}

/* Append fd to set; *slot (its position record) gets the index + 1. */
static void
set_insert(struct win_fd_set *set, int *slot, int fd)
{
	set->fd_array[set->fd_count++] = (SOCKET)fd;
	*slot = (int)set->fd_count;
}

/* a): take fd out of set, moving the last entry into its place. */
static void
set_remove(struct win32op *op, struct win_fd_set *set, int read_set, int fd)
{
	int *slot = read_set ? &op->pos[fd].r : &op->pos[fd].w;
	int i = *slot - 1;
	SOCKET last;

	if (i < 0)
		return;
	last = set->fd_array[--set->fd_count];
	if ((u_int)i < set->fd_count) {
		set->fd_array[i] = last;
		if (read_set)
			op->pos[(int)last].r = i + 1;
		else
			op->pos[(int)last].w = i + 1;
	}
	*slot = 0;
}

/* The larger of the two interest sets' counts (cap must be > 0). */
static u_int
max_count(const struct win32op *op)
{
	return op->rin->fd_count > op->win->fd_count ? op->rin->fd_count :
	    op->win->fd_count;
}

/* f): a socket, or -1 with errno: EPERM for a CRT fd, else EBADF. */
static int
check_socket(int fd)
{
	int type, len = sizeof(type);

	if (getsockopt((SOCKET)fd, SOL_SOCKET, SO_TYPE, (char *)&type,
	    &len) == 0)
		return 0;
	errno = _get_osfhandle(fd) != -1 ? EPERM : EBADF;
	return -1;
}

static int
win32_add(struct event_base *base, int fd, short old, short new_)
{
	struct win32op *op = base->evbase;
	struct win_fd_pos *p;

	(void)old;
	if (check_socket(fd) == -1)
		return -1;
	/* Room first, so that a refusal changes nothing. */
	if (win32_grow_pos(op, fd) == -1 || win32_grow_sets(op,
	    (int)(op->cap == 0 ? 1 : max_count(op) + 1)) == -1)
		return -1;
	p = &op->pos[fd];
	if ((new_ & EV_READ) && p->r == 0)
		set_insert(op->rin, &p->r, fd);
	else if (!(new_ & EV_READ))
		set_remove(op, op->rin, 1, fd);
	if ((new_ & EV_WRITE) && p->w == 0)
		set_insert(op->win, &p->w, fd);
	else if (!(new_ & EV_WRITE))
		set_remove(op, op->win, 0, fd);
	return 0;
}

static int
win32_del(struct event_base *base, int fd, short old, short new_)
{
	struct win32op *op = base->evbase;

	(void)old;
	(void)new_;
	if (fd >= op->npos)
		return 0;
	set_remove(op, op->rin, 1, fd);
	set_remove(op, op->win, 0, fd);
	return 0;
}

/* e): is s still a socket? */
static int
is_socket(SOCKET s)
{
	int type, len = sizeof(type);

	return getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0 ||
	    WSAGetLastError() != WSAENOTSOCK;
}

/* e): report and drop every registered socket that is gone. */
static void
win32_find_bad(struct event_base *base, struct win32op *op)
{
	struct win_fd_set *sets[2];
	int i, k, fd;

	sets[0] = op->rin;
	sets[1] = op->win;
	for (k = 0; k < 2; k++) {
		i = 0;
		while ((u_int)i < sets[k]->fd_count) {
			fd = (int)sets[k]->fd_array[i];
			if (is_socket((SOCKET)fd)) {
				i++;
				continue;
			}
			event_warnx("win32: socket %d is not open", fd);
			event_fd_bad_(base, fd);
			/* The slot now holds another socket: look again. */
			win32_del(base, fd, 0, 0);
		}
	}
}

/* c): nothing to watch, so wait for the timeout alone. */
static void
win32_sleep(const struct timeval *tv)
{
	DWORD ms;

	if (tv == NULL) {
		Sleep(INFINITE);
		return;
	}
	/* Rounded up: waking before the deadline would only wait again. */
	if (tv->tv_sec >= MAX_WAIT_SEC)
		ms = MAX_WAIT_SEC * 1000;
	else
		ms = (DWORD)tv->tv_sec * 1000 +
		    (DWORD)(tv->tv_usec + 999) / 1000;
	Sleep(ms);
}

static void
copy_set(struct win_fd_set *to, const struct win_fd_set *from)
{
	to->fd_count = from->fd_count;
	memcpy(to->fd_array, from->fd_array, from->fd_count * sizeof(SOCKET));
}

/* b), d): every socket select() left in the sets. */
static void
win32_report(struct event_base *base, struct win32op *op)
{
	u_int i;

	for (i = 0; i < op->rout->fd_count; i++)
		event_fd_ready_(base, (int)op->rout->fd_array[i], EV_READ);
	for (i = 0; i < op->wout->fd_count; i++)
		event_fd_ready_(base, (int)op->wout->fd_array[i], EV_WRITE);
	for (i = 0; i < op->eout->fd_count; i++)
		event_fd_ready_(base, (int)op->eout->fd_array[i],
		    EV_READ | EV_WRITE);
}

static int
win32_dispatch(struct event_base *base, struct timeval *tv)
{
	struct win32op *op = base->evbase;
	struct timeval t;
	int n, err;

	if (op->cap == 0 ||
	    (op->rin->fd_count == 0 && op->win->fd_count == 0)) {
		evsel_wait_begin_(base);
		win32_sleep(tv);
		evsel_wait_end_(base);
		return 0;
	}
	copy_set(op->rout, op->rin);
	copy_set(op->wout, op->win);
	copy_set(op->eout, op->win);
	if (tv != NULL) {
		t = *tv;
		if (t.tv_sec > MAX_WAIT_SEC)
			t.tv_sec = MAX_WAIT_SEC;
	}
	/* (With threads the base is unlocked meanwhile; the sets are our
	 * copies.) */
	evsel_wait_begin_(base);
	n = select(0, (fd_set *)(void *)op->rout, (fd_set *)(void *)op->wout,
	    (fd_set *)(void *)op->eout, tv != NULL ? &t : NULL);
	err = n == SOCKET_ERROR ? WSAGetLastError() : 0;
	evsel_wait_end_(base);
	if (n == SOCKET_ERROR) {
		if (err == WSAENOTSOCK) {
			win32_find_bad(base, op);
			return 0;
		}
		if (err == WSAEINTR)
			return 0;
		event_warnx("win32: select: Winsock error %d", err);
		errno = EINVAL;
		return -1;
	}
	if (n > 0)
		win32_report(base, op);
	return 0;
}

static void
win32_dealloc(struct event_base *base)
{
	win32_free_sets(base->evbase);
}

const struct eventop win32ops = {
	"win32",
	win32_init,
	win32_add,
	win32_del,
	win32_dispatch,
	win32_dealloc,
	0,
	0,
	NULL,
	NULL
};
