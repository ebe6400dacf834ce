/*
 * evutil_win32.c -- the evutil.h helpers on Winsock, the text of a
 * Winsock error, and clock_gettime() for the library (event-internal.h).
 *
 * Notes (shared/api/backends.md 3):
 *  a) Windows has no socketpair().  A connected pair is made over
 *     loopback TCP: listen on 127.0.0.1 port 0, connect, accept.  Another
 *     local process could connect to that port first, so the accepted
 *     socket counts only when its peer address is our connector's own
 *     address; strangers are closed and accept() is tried again.
 *  b) A SOCKET is a UINT_PTR handle that the 1.4 API passes as an int,
 *     as libevent 1.4 did.  Handle values are small multiples of 4 in
 *     practice (the lowest free slot of the process's handle table); one
 *     that does not fit in an int is refused rather than truncated.
 *  c) Errors are set with WSASetLastError(), so that callers read them
 *     with EVUTIL_SOCKET_ERROR() whatever failed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <windows.h>

#include "evutil.h"
#include "evutil-internal.h"
#include "event-internal.h"
#include "log-internal.h"

#define ACCEPT_TRIES	4	/* a): strangers accepted before giving up */

/* b): the SOCKET as an int, or -1 (the socket closed) if it does not fit. */
static int
socket_as_int(SOCKET s)
{
	if (s == INVALID_SOCKET)
		return -1;
	if (s > (SOCKET)INT_MAX) {
		closesocket(s);
		WSASetLastError(WSAEMFILE);
		return -1;
	}
	return (int)s;
}

/* Close s (if open) without losing the error being reported. */
static void
close_keep_error(int s)
{
	int e = WSAGetLastError();

	if (s != -1)
		closesocket((SOCKET)s);
	WSASetLastError(e);
}

/* A listening loopback socket on a free port; its address in *addr. */
static int
listen_loopback(struct sockaddr_in *addr)
{
	int len = sizeof(*addr);
	int s;

	if ((s = socket_as_int(socket(AF_INET, SOCK_STREAM, 0))) == -1)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0;
	if (bind((SOCKET)s, (struct sockaddr *)addr, sizeof(*addr)) ==
	    SOCKET_ERROR || listen((SOCKET)s, 1) == SOCKET_ERROR ||
	    getsockname((SOCKET)s, (struct sockaddr *)addr, &len) ==
	    SOCKET_ERROR) {
		close_keep_error(s);
		return -1;
	}
	return s;
}

static int
same_address(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family &&
	    a->sin_port == b->sin_port &&
	    a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* a): accept the connection whose peer is want; -1 if it never comes. */
static int
accept_from(int lst, const struct sockaddr_in *want)
{
	struct sockaddr_in peer;
	int i, len, s;

	for (i = 0; i < ACCEPT_TRIES; i++) {
		len = sizeof(peer);
		s = socket_as_int(accept((SOCKET)lst, (struct sockaddr *)&peer,
		    &len));
		if (s == -1)
			return -1;
		if (len == sizeof(peer) && same_address(&peer, want))
			return s;
		closesocket((SOCKET)s);
	}
	WSASetLastError(WSAECONNABORTED);
	return -1;
}

/*
 * socketpair() for Windows (a): two connected, blocking loopback TCP
 * sockets with Nagle's algorithm off (a pair must deliver small writes at
 * once).  family may be AF_UNIX (what POSIX programs pass) or AF_INET;
 * type SOCK_STREAM, protocol 0.  0, or -1 with EVUTIL_SOCKET_ERROR() set.
 */
int
evutil_socketpair(int family, int type, int protocol, int sv[2])
{
	struct sockaddr_in addr, mine;
	int lst, c = -1, a = -1, len, one = 1;

	if (sv == NULL) {
		WSASetLastError(WSAEINVAL);
		return -1;
	}
	if (family != AF_UNIX && family != AF_INET) {
		WSASetLastError(WSAEAFNOSUPPORT);
		return -1;
	}
	if (type != SOCK_STREAM) {
		WSASetLastError(WSAEPROTOTYPE);
		return -1;
	}
	if (protocol != 0) {
		WSASetLastError(WSAEPROTONOSUPPORT);
		return -1;
	}
	if ((lst = listen_loopback(&addr)) == -1)
		return -1;
	len = sizeof(mine);
	if ((c = socket_as_int(socket(AF_INET, SOCK_STREAM, 0))) == -1 ||
	    connect((SOCKET)c, (struct sockaddr *)&addr, sizeof(addr)) ==
	    SOCKET_ERROR ||
	    getsockname((SOCKET)c, (struct sockaddr *)&mine, &len) ==
	    SOCKET_ERROR ||
	    (a = accept_from(lst, &mine)) == -1) {
		close_keep_error(c);
		close_keep_error(lst);
		return -1;
	}
	closesocket((SOCKET)lst);
	(void)setsockopt((SOCKET)c, IPPROTO_TCP, TCP_NODELAY,
	    (const char *)&one, sizeof(one));
	(void)setsockopt((SOCKET)a, IPPROTO_TCP, TCP_NODELAY,
	    (const char *)&one, sizeof(one));
	sv[0] = c;
	sv[1] = a;
	return 0;
}

/* FIONBIO on the socket.  0, or -1 with EVUTIL_SOCKET_ERROR() set. */
int
evutil_make_socket_nonblocking(int sock)
{
	u_long on = 1;

	if (ioctlsocket((SOCKET)sock, FIONBIO, &on) == SOCKET_ERROR) {
		int e = WSAGetLastError();

		event_warnx("ioctlsocket(%d, FIONBIO): Winsock error %d",
		    sock, e);
		WSASetLastError(e);
		return -1;
	}
	return 0;
}

/*
 * clock_gettime() for the library: CLOCK_MONOTONIC is the performance
 * counter, which never goes back and does not follow changes of the wall
 * clock; anything else is the wall clock.  0, or -1 with errno.
 */
int
evutil_clock_gettime_(int clock, struct timespec *ts)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;
	struct timeval tv;

	if (clock != CLOCK_MONOTONIC) {
		if (gettimeofday(&tv, NULL) == -1)
			return -1;
		ts->tv_sec = tv.tv_sec;
		ts->tv_nsec = tv.tv_usec * 1000L;
		return 0;
	}
	if ((freq.QuadPart == 0 && !QueryPerformanceFrequency(&freq)) ||
	    !QueryPerformanceCounter(&now)) {
		errno = EINVAL;
		return -1;
	}
	/* Split so that count * 10^9 cannot overflow. */
	ts->tv_sec = (time_t)(now.QuadPart / freq.QuadPart);
	ts->tv_nsec = (long)(now.QuadPart % freq.QuadPart * 1000000000 /
	    freq.QuadPart);
	return 0;
}

/* The errors a program of this library meets most, for systems whose
 * FormatMessage() has no text for them (wine). */
static const struct {
	int code;
	const char *text;
} wsa_texts[] = {
	{ WSAEINTR, "Interrupted function call" },
	{ WSAEBADF, "Bad file descriptor" },
	{ WSAEACCES, "Permission denied" },
	{ WSAEFAULT, "Bad address" },
	{ WSAEINVAL, "Invalid argument" },
	{ WSAEMFILE, "Too many open sockets" },
	{ WSAEWOULDBLOCK, "Resource temporarily unavailable" },
	{ WSAEINPROGRESS, "Operation now in progress" },
	{ WSAEALREADY, "Operation already in progress" },
	{ WSAENOTSOCK, "Socket operation on nonsocket" },
	{ WSAEMSGSIZE, "Message too long" },
	{ WSAEAFNOSUPPORT, "Address family not supported" },
	{ WSAEADDRINUSE, "Address already in use" },
	{ WSAEADDRNOTAVAIL, "Cannot assign requested address" },
	{ WSAENETDOWN, "Network is down" },
	{ WSAENETUNREACH, "Network is unreachable" },
	{ WSAECONNABORTED, "Software caused connection abort" },
	{ WSAECONNRESET, "Connection reset by peer" },
	{ WSAENOBUFS, "No buffer space available" },
	{ WSAEISCONN, "Socket is already connected" },
	{ WSAENOTCONN, "Socket is not connected" },
	{ WSAESHUTDOWN, "Cannot send after socket shutdown" },
	{ WSAETIMEDOUT, "Connection timed out" },
	{ WSAECONNREFUSED, "Connection refused" },
	{ WSAEHOSTUNREACH, "No route to host" },
	{ WSANOTINITIALISED, "Winsock not initialized (WSAStartup)" },
	{ 0, NULL }
};

/* Windows: the text of a WSAE* code (strerror() knows none of them). */
const char *
evutil_socket_error_to_string(int errcode)
{
	static char buf[256];	/* (libevent 2.x: also not thread-safe) */
	DWORD n;
	int i;

	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)errcode, 0, buf,
	    sizeof(buf), NULL);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == '.'))
		buf[--n] = '\0';
	if (n > 0)
		return buf;
	for (i = 0; wsa_texts[i].text != NULL; i++)
		if (wsa_texts[i].code == errcode)
			return wsa_texts[i].text;
	(void)evutil_snprintf(buf, sizeof(buf), "Winsock error %d", errcode);
	return buf;
}
