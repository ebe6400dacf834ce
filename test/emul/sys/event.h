/*
 * test/emul/sys/event.h -- the seam that lets kqueue.c build on Linux.
 *
 * The test build of the library puts test/emul first on the include path,
 * so kqueue.c's #include <sys/event.h> lands here.  The declarations are
 * those of FreeBSD's <sys/event.h> (layout, names and values are facts of
 * that header, see shared/api/backends.md 1.1); kqueue() and kevent() are
 * defined by our emulation in test/emul_kqueue.c, on top of poll(2).
 *
 * Layouts (amd64):
 *   default         FreeBSD 12 and later: 64 bytes, 64-bit data, ext[4]
 *                   (EV_SET zeroes it)
 *   EMUL_KEVENT_32  FreeBSD 11 and macOS's struct kevent: 32 bytes,
 *                   intptr_t data, no ext[]
 * kqueue.c is compiled against both in `make check`.
 */
#ifndef EMUL_SYS_EVENT_H
#define EMUL_SYS_EVENT_H

#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#ifdef EMUL_KEVENT_32
struct kevent {
	uintptr_t	ident;		/* fd or signal number */
	short		filter;
	unsigned short	flags;
	unsigned int	fflags;
	intptr_t	data;
	void		*udata;		/* handed back unchanged */
};
#define EMUL_KEVENT_CLEAR_EXT(kevp)	((void)(kevp))
#else
struct kevent {
	uintptr_t	ident;
	short		filter;
	unsigned short	flags;
	unsigned int	fflags;
	int64_t		data;
	void		*udata;
	uint64_t	ext[4];		/* [0..1] filter's, [2..3] ours */
};
#define EMUL_KEVENT_CLEAR_EXT(kevp)					\
	((kevp)->ext[0] = (kevp)->ext[1] = (kevp)->ext[2] =		\
	    (kevp)->ext[3] = 0)
#endif

#define EV_SET(kevp_, a, b, c, d, e, f) do {			\
	struct kevent *emul_kevp_ = (kevp_);			\
	emul_kevp_->ident = (a);				\
	emul_kevp_->filter = (b);				\
	emul_kevp_->flags = (c);				\
	emul_kevp_->fflags = (d);				\
	emul_kevp_->data = (e);					\
	emul_kevp_->udata = (f);				\
	EMUL_KEVENT_CLEAR_EXT(emul_kevp_);			\
} while (0)

/* Filters (FreeBSD values; READ to TIMER are the same on macOS). */
#define EVFILT_READ		(-1)
#define EVFILT_WRITE		(-2)
#define EVFILT_AIO		(-3)
#define EVFILT_VNODE		(-4)
#define EVFILT_PROC		(-5)
#define EVFILT_SIGNAL		(-6)
#define EVFILT_TIMER		(-7)
#define EVFILT_PROCDESC		(-8)
#define EVFILT_FS		(-9)
#define EVFILT_LIO		(-10)
#define EVFILT_USER		(-11)
#define EVFILT_SENDFILE		(-12)
#define EVFILT_EMPTY		(-13)
#define EVFILT_SYSCOUNT		13

/* Actions and flags. */
#define EV_ADD			0x0001
#define EV_DELETE		0x0002
#define EV_ENABLE		0x0004
#define EV_DISABLE		0x0008
#define EV_ONESHOT		0x0010
#define EV_CLEAR		0x0020
#define EV_RECEIPT		0x0040
#define EV_DISPATCH		0x0080
#define EV_FORCEONESHOT		0x0100
#define EV_SYSFLAGS		0xF000
#define EV_DROP			0x1000
#define EV_FLAG1		0x2000
#define EV_FLAG2		0x4000
#define EV_EOF			0x8000
#define EV_ERROR		0x4000

/* fflags of READ/WRITE. */
#define NOTE_LOWAT		0x0001
#define NOTE_FILE_POLL		0x0002

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout);

#endif /* EMUL_SYS_EVENT_H */
