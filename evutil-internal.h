/*
 * evutil-internal.h -- socket spellings that differ between POSIX and
 * Windows, for every layer of the library (core and extra).
 *
 * On POSIX a socket is a file descriptor: read(), write(), close() and
 * errno work on it.  On Windows it is a SOCKET handle (the 1.4 API still
 * passes it as an int, as libevent 1.4 did): only recv(), send() and
 * closesocket() work, and errors come from WSAGetLastError() with their
 * own WSAE* values.  The public macros of evutil.h (EVUTIL_CLOSESOCKET,
 * EVUTIL_SOCKET_ERROR, EVUTIL_SET_SOCKET_ERROR) cover closing and the error
 * code; this header adds what the library needs beyond them.  Everything
 * here is a macro or a static inline function, so libevent_extra can use
 * it without a cross-library internal symbol.
 *
 * On POSIX each one is exactly the call the code made before the port.
 * The one exception to "only sockets": clock_gettime(), which Windows
 * lacks.
 */
#ifndef EVUTIL_INTERNAL_H
#define EVUTIL_INTERNAL_H

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#endif

#include "evutil.h"

#ifdef _WIN32

/* Windows has no clock_gettime() (the C library, without winpthreads):
 * CLOCK_MONOTONIC from the performance counter, others from the system
 * time (evutil_win32.c, libevent_core). */
#include <time.h>
int evutil_clock_gettime_(int clock, struct timespec *ts);
#define clock_gettime(clock, ts) evutil_clock_gettime_((clock), (ts))

/* One read or write on a socket; the count, 0 at EOF, or -1 (SOCKET_ERROR)
 * with the error in EVUTIL_SOCKET_ERROR(). */
#define EVUTIL_READ_SOCKET(fd, buf, len)				\
	recv((SOCKET)(fd), (char *)(buf), (int)(len), 0)
#define EVUTIL_WRITE_SOCKET(fd, buf, len)				\
	send((SOCKET)(fd), (const char *)(buf), (int)(len), 0)

/* Errors that only mean "not now": try again when the socket is ready. */
#define EVUTIL_ERR_RW_RETRIABLE(e)					\
	((e) == WSAEWOULDBLOCK || (e) == WSAEINTR)
/* A non-blocking connect() in progress reports WSAEWOULDBLOCK; a repeat
 * WSAEALREADY (backends.md 3.1). */
#define EVUTIL_ERR_CONNECT_RETRIABLE(e)					\
	((e) == WSAEWOULDBLOCK || (e) == WSAEINTR ||			\
	 (e) == WSAEINPROGRESS || (e) == WSAEALREADY)
/* The connection went away before accept() took it. */
#define EVUTIL_ERR_IS_ABORTED(e)					\
	((e) == WSAECONNABORTED || (e) == WSAECONNRESET)
/* Out of sockets or buffer memory: accept() will fail again at once. */
#define EVUTIL_ERR_IS_NOFD(e)	((e) == WSAEMFILE || (e) == WSAENOBUFS)
/* Refused: the peer has no listener (or, for UDP, sent an ICMP error). */
#define EVUTIL_ERR_IS_REFUSED(e)					\
	((e) == WSAECONNREFUSED || (e) == WSAECONNRESET)
/* The handle is not a socket (a file or a pipe). */
#define EVUTIL_ERR_IS_NOTSOCK(e)	((e) == WSAENOTSOCK)
/* A signal interrupted the call: repeat it at once. */
#define EVUTIL_ERR_IS_EINTR(e)		((e) == WSAEINTR)

/* Keep the socket out of child processes (sockets are inheritable).
 * 0, or -1 with the error in EVUTIL_SOCKET_ERROR(). */
static inline int
evutil_closeonexec_(int fd)
{
	if (SetHandleInformation((HANDLE)(intptr_t)fd, HANDLE_FLAG_INHERIT,
	    0))
		return 0;
	WSASetLastError(WSAENOTSOCK);
	return -1;
}

/* Is fd an open socket (the only kind Windows can watch)? */
static inline int
evutil_fd_is_open_(int fd)
{
	int type, len = sizeof(type);

	return getsockopt((SOCKET)fd, SOL_SOCKET, SO_TYPE, (char *)&type,
	    &len) == 0;
}

#else /* !_WIN32 */

#define EVUTIL_READ_SOCKET(fd, buf, len)	read((fd), (buf), (len))
#define EVUTIL_WRITE_SOCKET(fd, buf, len)	write((fd), (buf), (len))

#define EVUTIL_ERR_RW_RETRIABLE(e)					\
	((e) == EINTR || (e) == EAGAIN || (e) == EWOULDBLOCK)
#define EVUTIL_ERR_CONNECT_RETRIABLE(e)					\
	((e) == EINTR || (e) == EINPROGRESS || (e) == EALREADY)
#define EVUTIL_ERR_IS_ABORTED(e)	((e) == ECONNABORTED)
#define EVUTIL_ERR_IS_NOFD(e)						\
	((e) == EMFILE || (e) == ENFILE || (e) == ENOBUFS || (e) == ENOMEM)
#define EVUTIL_ERR_IS_REFUSED(e)	((e) == ECONNREFUSED)
#define EVUTIL_ERR_IS_NOTSOCK(e)	((e) == ENOTSOCK)
#define EVUTIL_ERR_IS_EINTR(e)		((e) == EINTR)

static inline int
evutil_closeonexec_(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ? -1 : 0;
}

static inline int
evutil_fd_is_open_(int fd)
{
	return fcntl(fd, F_GETFL) != -1;
}

#endif /* _WIN32 */

#endif /* EVUTIL_INTERNAL_H */
