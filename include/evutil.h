/*
 * evutil.h -- small portability helpers shared by the relevent libraries.
 *
 * This header is part of relevent, a clean-room implementation of the
 * libevent 1.4 API.  Names and values follow libevent 1.4; the text is ours.
 */
#ifndef _EVUTIL_H_
#define _EVUTIL_H_

#ifdef __cplusplus
extern "C" {
#endif

#include <event-config.h>
#ifdef _WIN32
/* Windows: sockets and struct timeval come from Winsock 2, which must be
 * included before <windows.h>; programs need not include it themselves. */
#include <winsock2.h>
#include <windows.h>
#endif
#ifdef _EVENT_HAVE_SYS_TIME_H
#include <sys/time.h>
#endif
#ifdef _EVENT_HAVE_STDINT_H
#include <stdint.h>
#elif defined(_EVENT_HAVE_INTTYPES_H)
#include <inttypes.h>
#endif
#ifdef _EVENT_HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif
#include <stdarg.h>

/*
 * Fixed-width integers.  libevent 1.4 spells these as macros, not typedefs,
 * and programs occasionally test them with #ifdef, so we do the same.
 */
#ifdef _EVENT_HAVE_UINT64_T
#define ev_uint64_t uint64_t
#define ev_int64_t int64_t
#elif _EVENT_SIZEOF_LONG_LONG == 8
#define ev_uint64_t unsigned long long
#define ev_int64_t long long
#else
#define ev_uint64_t unsigned long
#define ev_int64_t long
#endif

#ifdef _EVENT_HAVE_UINT32_T
#define ev_uint32_t uint32_t
#else
#define ev_uint32_t unsigned int
#endif

#ifdef _EVENT_HAVE_UINT16_T
#define ev_uint16_t uint16_t
#else
#define ev_uint16_t unsigned short
#endif

#ifdef _EVENT_HAVE_UINT8_T
#define ev_uint8_t uint8_t
#else
#define ev_uint8_t unsigned char
#endif

/* The 2.x name of a socket (spelled as event2/util.h spells it): programs
 * written for 2.x that include only <event.h>, as 2.1's pulls it in, use
 * it in their callbacks (memcached 1.6). */
#define evutil_socket_t int

/*
 * Create a connected pair of sockets: socketpair(2) on POSIX; on Windows
 * two loopback TCP sockets (d AF_INET or AF_UNIX, type SOCK_STREAM,
 * protocol 0).  0, or -1 with the error in EVUTIL_SOCKET_ERROR().
 */
int evutil_socketpair(int d, int type, int protocol, int sv[2]);

/* Make a socket non-blocking (O_NONBLOCK on POSIX, FIONBIO on Windows),
 * keeping its other flags.  0 or -1. */
int evutil_make_socket_nonblocking(int sock);

/*
 * Closing a socket and the error of the last socket call: a socket is a
 * file descriptor on POSIX but a SOCKET handle on Windows, whose calls
 * leave errno alone and report WSAE* codes through WSAGetLastError().
 */
#ifdef _WIN32
#define EVUTIL_CLOSESOCKET(s) closesocket(s)
#define EVUTIL_SOCKET_ERROR() WSAGetLastError()
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do { WSASetLastError(errcode); } while (0)
#else
#define EVUTIL_CLOSESOCKET(s) close(s)
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do { errno = (errcode); } while (0)
#endif

#ifdef _EVENT_HAVE_TIMERADD
#define evutil_timeradd(tvp, uvp, vvp) timeradd((tvp), (uvp), (vvp))
#define evutil_timersub(tvp, uvp, vvp) timersub((tvp), (uvp), (vvp))
#else
#define evutil_timeradd(tvp, uvp, vvp)					\
	do {								\
		(vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;		\
		(vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec;	\
		if ((vvp)->tv_usec >= 1000000) {			\
			(vvp)->tv_sec++;				\
			(vvp)->tv_usec -= 1000000;			\
		}							\
	} while (0)
#define evutil_timersub(tvp, uvp, vvp)					\
	do {								\
		(vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;		\
		(vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec;	\
		if ((vvp)->tv_usec < 0) {				\
			(vvp)->tv_sec--;				\
			(vvp)->tv_usec += 1000000;			\
		}							\
	} while (0)
#endif

#ifdef _EVENT_HAVE_TIMERCLEAR
#define evutil_timerclear(tvp) timerclear(tvp)
#else
#define evutil_timerclear(tvp) (tvp)->tv_sec = (tvp)->tv_usec = 0
#endif

/* Always ours: the system timercmp() does not work with <= and >=. */
#define evutil_timercmp(tvp, uvp, cmp)					\
	(((tvp)->tv_sec == (uvp)->tv_sec) ?				\
	 ((tvp)->tv_usec cmp (uvp)->tv_usec) :				\
	 ((tvp)->tv_sec cmp (uvp)->tv_sec))

#ifdef _EVENT_HAVE_TIMERISSET
#define evutil_timerisset(tvp) timerisset(tvp)
#else
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
#endif

/* strtoll() for 64-bit values on every platform. */
ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);

#ifdef _EVENT_HAVE_GETTIMEOFDAY
#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))
#else
struct timezone;
int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);
#endif

/*
 * The printf dialect of the library's formatting functions: C99's.  With
 * mingw-w64 a plain "printf" attribute means Microsoft's dialect (no %zu),
 * but the library formats with mingw-w64's own C99 implementation.
 */
#if defined(__MINGW32__)
#define _EVUTIL_PRINTF_FMT gnu_printf
#else
#define _EVUTIL_PRINTF_FMT printf
#endif

/*
 * snprintf() that always NUL-terminates (when buflen > 0) and returns the
 * length the full output would have had.
 */
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(_EVUTIL_PRINTF_FMT, 3, 4)))
#endif
	;
int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* _EVUTIL_H_ */
