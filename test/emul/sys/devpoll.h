/*
 * test/emul/sys/devpoll.h -- the seam that lets devpoll.c build on Linux.
 *
 * The test build puts test/emul first on the include path, so devpoll.c's
 * #include <sys/devpoll.h> lands here.  It declares what Solaris's
 * <sys/devpoll.h> and <sys/poll.h> do (values and layout are facts of those
 * headers, see shared/api/backends.md 2) and routes the three calls that
 * touch /dev/poll -- open, write and ioctl -- to our emulation in
 * test/emul_devpoll.c, which runs on poll(2).  close() needs no routing: the
 * test programs interpose it for everyone (test/emul_sys.c), and closing
 * an fd never changes a /dev/poll set anyway.
 *
 * The system headers the routed names appear in are included first, so the
 * macros below only rename the calls in the file that includes us.
 */
#ifndef EMUL_SYS_DEVPOLL_H
#define EMUL_SYS_DEVPOLL_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/* Solaris's poll bits where they differ from glibc's (0x01..0x80 agree). */
#undef POLLWRNORM
#undef POLLWRBAND
#undef POLLREMOVE
#define POLLWRNORM	POLLOUT
#define POLLWRBAND	0x0100
#define POLLREMOVE	0x0800

typedef struct pollfd pollfd_t;

/* nfds_t is unsigned long on both systems: 24 bytes on LP64. */
typedef struct dvpoll {
	pollfd_t	*dp_fds;
	nfds_t		dp_nfds;
	int		dp_timeout;
} dvpoll_t;

#define DPIOC		(0xD0 << 8)
#define DP_POLL		(DPIOC | 1)
#define DP_ISPOLLED	(DPIOC | 2)

int emul_devpoll_open(const char *path, int flags, ...);
ssize_t emul_devpoll_write(int fd, const void *buf, size_t len);
int emul_devpoll_ioctl(int fd, unsigned long request, ...);

#define open	emul_devpoll_open
#define write	emul_devpoll_write
#define ioctl	emul_devpoll_ioctl

#endif /* EMUL_SYS_DEVPOLL_H */
