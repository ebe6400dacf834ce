/*
 * event2/util.h -- portability helpers of the libevent 2.x API.
 *
 * Fixed-width integer names, the socket type, time-value arithmetic,
 * address parsing and resolution, socket options, a monotonic clock, a
 * secure random number generator and locale-independent string compares.
 * Names, signatures and values follow libevent 2.1; the text is ours.
 *
 * This header and the 1.4 header <evutil.h> may be included in one
 * translation unit, in either order: the macros both define (ev_uint64_t,
 * evutil_timeradd, EVUTIL_CLOSESOCKET, ...) are spelled identically and
 * the functions both declare have the same types.  As in libevent 2.1,
 * the integer names are macros, so a program may test them with #ifdef.
 */
#ifndef EVENT2_UTIL_H_INCLUDED_
#define EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>

#ifdef _WIN32
/* As <evutil.h>: Winsock 2 before <windows.h>, for the program too. */
#include <winsock2.h>
#include <windows.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef EVENT__HAVE_SYS_TIME_H
#include <sys/time.h>
#endif
#ifdef EVENT__HAVE_STDINT_H
#include <stdint.h>
#elif defined(EVENT__HAVE_INTTYPES_H)
#include <inttypes.h>
#endif
#ifdef EVENT__HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif
#include <stddef.h>
#include <stdarg.h>
#ifdef EVENT__HAVE_NETDB_H
#include <netdb.h>
#endif

/* ---------------------------------------------------------------- */
/* Integer types and their limits                                   */

#define ev_uint64_t uint64_t
#define ev_int64_t int64_t
#define ev_uint32_t uint32_t
#define ev_int32_t int32_t
#define ev_uint16_t uint16_t
#define ev_int16_t int16_t
#define ev_uint8_t uint8_t
#define ev_int8_t int8_t
#define ev_uintptr_t uintptr_t
#define ev_intptr_t intptr_t
#define ev_ssize_t ssize_t
#define ev_off_t off_t
#define ev_socklen_t socklen_t

/* Written without 64-bit literals so that C89 compilers accept them. */
#define EV_UINT64_MAX ((((ev_uint64_t)0xffffffffUL) << 32) | 0xffffffffUL)
#define EV_INT64_MAX ((((ev_int64_t)0x7fffffffL) << 32) | 0xffffffffL)
#define EV_INT64_MIN ((-EV_INT64_MAX) - 1)
#define EV_UINT32_MAX ((ev_uint32_t)0xffffffffUL)
#define EV_INT32_MAX ((ev_int32_t)0x7fffffffL)
#define EV_INT32_MIN ((-EV_INT32_MAX) - 1)
#define EV_UINT16_MAX ((ev_uint16_t)0xffffUL)
#define EV_INT16_MAX ((ev_int16_t)0x7fffL)
#define EV_INT16_MIN ((-EV_INT16_MAX) - 1)
#define EV_UINT8_MAX 255
#define EV_INT8_MAX 127
#define EV_INT8_MIN ((-EV_INT8_MAX) - 1)
#define EV_SIZE_MAX ((size_t)-1)
#define EV_SSIZE_MAX ((ev_ssize_t)(EV_SIZE_MAX >> 1))
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)

/* offsetof() under the name 2.x programs use. */
#define evutil_offsetof(type, field) offsetof(type, field)

/* ---------------------------------------------------------------- */
/* Sockets                                                          */

/* A socket: a plain file descriptor on POSIX systems. */
#define evutil_socket_t int
#define EVUTIL_INVALID_SOCKET -1

struct sockaddr;
struct tm;

/* Create a connected pair of sockets; socketpair(2).  0, or -1 with errno. */
int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);

/* Set O_NONBLOCK on sock, keeping its other flags.  0 or -1. */
int evutil_make_socket_nonblocking(evutil_socket_t sock);

/*
 * Options for listening sockets, each 0 or -1 (errno from setsockopt):
 * reuseable sets SO_REUSEADDR, so a restarted server can bind its port
 * while old connections linger; reuseable_port sets SO_REUSEPORT, so
 * several sockets may bind the same address and the kernel balances
 * connections between them; ipv6only sets IPV6_V6ONLY on an AF_INET6
 * socket, so it does not also accept IPv4-mapped connections.
 */
int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
int evutil_make_listen_socket_ipv6only(evutil_socket_t sock);

/* Set FD_CLOEXEC, so the fd is closed in programs started by exec.  0/-1. */
int evutil_make_socket_closeonexec(evutil_socket_t sock);

/* close(2) for sockets (closesocket() on Windows).  0, or -1 with
 * EVUTIL_SOCKET_ERROR() set. */
int evutil_closesocket(evutil_socket_t sock);
#ifdef _WIN32
#define EVUTIL_CLOSESOCKET(s) closesocket(s)
#else
#define EVUTIL_CLOSESOCKET(s) close(s)
#endif

/*
 * Ask the kernel to hand a TCP listener's connections to accept() only
 * once the client has sent data (TCP_DEFER_ACCEPT on Linux; a no-op
 * returning 0 where the system has no such option).  0 or -1.
 */
int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);

/* The error of the last socket call, and setting it: errno on POSIX,
 * WSAGetLastError() on Windows, whose WSAE* codes strerror() does not
 * know (evutil_socket_error_to_string() is a function there). */
#ifdef _WIN32
#define EVUTIL_SOCKET_ERROR() WSAGetLastError()
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do { WSASetLastError(errcode); } while (0)
#define evutil_socket_geterror(sock) (WSAGetLastError())
const char *evutil_socket_error_to_string(int errcode);
#else
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do { errno = (errcode); } while (0)
#define evutil_socket_geterror(sock) (errno)
#define evutil_socket_error_to_string(errcode) (strerror(errcode))
#endif

/* ---------------------------------------------------------------- */
/* Time values                                                      */

#ifdef EVENT__HAVE_TIMERADD
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

#ifdef EVENT__HAVE_TIMERCLEAR
#define evutil_timerclear(tvp) timerclear(tvp)
#else
#define evutil_timerclear(tvp) (tvp)->tv_sec = (tvp)->tv_usec = 0
#endif

/* Compares seconds, then microseconds; works with <= and >= too. */
#define evutil_timercmp(tvp, uvp, cmp)					\
	(((tvp)->tv_sec == (uvp)->tv_sec) ?				\
	 ((tvp)->tv_usec cmp (uvp)->tv_usec) :				\
	 ((tvp)->tv_sec cmp (uvp)->tv_sec))

#ifdef EVENT__HAVE_TIMERISSET
#define evutil_timerisset(tvp) timerisset(tvp)
#else
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
#endif

#ifdef EVENT__HAVE_GETTIMEOFDAY
#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))
#else
struct timezone;
int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);
#endif

/*
 * A monotonic clock of one's own: it never goes back and is not moved by
 * changes of the wall-clock time.  new() returns NULL if memory runs out.
 * configure() takes EV_MONOT_* flags: PRECISE asks for the most precise
 * clock the system has, FALLBACK for a plain gettimeofday()-based one
 * (still never going back); 0 or -1.  gettime() stores the time (its
 * origin is arbitrary) and returns 0, or -1 on a NULL argument.
 */
struct evutil_monotonic_timer;
#define EV_MONOT_PRECISE  1
#define EV_MONOT_FALLBACK 2
struct evutil_monotonic_timer *evutil_monotonic_timer_new(void);
void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer);
int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer,
    int flags);
int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
    struct timeval *tp);

/*
 * The date as HTTP wants it ("Sun, 06 Nov 1994 08:49:37 GMT") for tm, or
 * for now when tm is NULL.  Like snprintf(): the output is cut to fit
 * datelen (NUL included) and the full length is returned.
 */
int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm);

/* ---------------------------------------------------------------- */
/* Numbers and strings                                              */

/* strtoll() for 64-bit values on every platform. */
ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);

/* The printf dialect of the library's formatting functions: C99's (as in
 * <evutil.h>: mingw-w64's own, not Microsoft's). */
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

/* strcasecmp()/strncasecmp() on ASCII letters only, whatever the locale. */
int evutil_ascii_strcasecmp(const char *str1, const char *str2);
int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/* ---------------------------------------------------------------- */
/* Addresses                                                        */

/*
 * inet_ntop()/inet_pton() for AF_INET and AF_INET6.  ntop returns dst, or
 * NULL when the family is unknown or the text does not fit; pton returns
 * 1 on success, 0 for text that is not an address, -1 for an unknown
 * family.  pton_scope also accepts an IPv6 zone ("fe80::1%eth0" or
 * "fe80::1%2") and stores the interface index in *indexp (0 when the
 * text has none); an unknown interface name makes it return 0.
 */
const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
int evutil_inet_pton(int af, const char *src, void *dst);
int evutil_inet_pton_scope(int af, const char *src, void *dst,
    unsigned *indexp);

/*
 * Parse "1.2.3.4", "1.2.3.4:80", "::1", "[::1]" or "[::1]:80" into *out.
 * On entry *outlen is the room at out; on success it becomes the length
 * of the address stored (a missing port is 0).  A port must be 1..65535
 * with nothing after it.  0, or -1 with out and *outlen left alone.
 */
int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out,
    int *outlen);

/*
 * Order two addresses: by family, then address, then (when include_port)
 * port.  Negative, 0 or positive.  Only AF_INET and AF_INET6 addresses are
 * compared by value; other families compare by family alone.
 */
int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
    int include_port);

/*
 * getaddrinfo() with the EVUTIL_AI_* flags and EVUTIL_EAI_* results.
 * Where the system has getaddrinfo() these are the system's values and
 * struct evutil_addrinfo is its struct addrinfo; the library also accepts
 * the portable fallback flag values below.  Results are released with
 * evutil_freeaddrinfo(); evutil_gai_strerror() describes an error code.
 */
#define evutil_addrinfo addrinfo

#ifdef EAI_ADDRFAMILY
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#ifdef EAI_AGAIN
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#else
#define EVUTIL_EAI_AGAIN -902
#endif
#ifdef EAI_BADFLAGS
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#else
#define EVUTIL_EAI_BADFLAGS -903
#endif
#ifdef EAI_FAIL
#define EVUTIL_EAI_FAIL EAI_FAIL
#else
#define EVUTIL_EAI_FAIL -904
#endif
#ifdef EAI_FAMILY
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#else
#define EVUTIL_EAI_FAMILY -905
#endif
#ifdef EAI_MEMORY
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#else
#define EVUTIL_EAI_MEMORY -906
#endif
#ifdef EAI_NODATA
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
#define EVUTIL_EAI_NODATA -907
#endif
#ifdef EAI_NONAME
#define EVUTIL_EAI_NONAME EAI_NONAME
#else
#define EVUTIL_EAI_NONAME -908
#endif
#ifdef EAI_SERVICE
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#else
#define EVUTIL_EAI_SERVICE -909
#endif
#ifdef EAI_SOCKTYPE
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#else
#define EVUTIL_EAI_SOCKTYPE -910
#endif
#ifdef EAI_SYSTEM
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#else
#define EVUTIL_EAI_SYSTEM -911
#endif
/* An asynchronous lookup was cancelled (evdns_getaddrinfo_cancel). */
#define EVUTIL_EAI_CANCEL -90001

#ifdef AI_PASSIVE
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#else
#define EVUTIL_AI_PASSIVE 0x1000
#endif
#ifdef AI_CANONNAME
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#else
#define EVUTIL_AI_CANONNAME 0x2000
#endif
#ifdef AI_NUMERICHOST
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#else
#define EVUTIL_AI_NUMERICHOST 0x4000
#endif
#ifdef AI_NUMERICSERV
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#else
#define EVUTIL_AI_NUMERICSERV 0x8000
#endif
#ifdef AI_V4MAPPED
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#else
#define EVUTIL_AI_V4MAPPED 0x10000
#endif
#ifdef AI_ALL
#define EVUTIL_AI_ALL AI_ALL
#else
#define EVUTIL_AI_ALL 0x20000
#endif
#ifdef AI_ADDRCONFIG
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
#else
#define EVUTIL_AI_ADDRCONFIG 0x40000
#endif

struct evutil_addrinfo;
int evutil_getaddrinfo(const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res);
void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
const char *evutil_gai_strerror(int err);

/* ---------------------------------------------------------------- */
/* Secure random numbers                                            */

/*
 * A ChaCha20 stream seeded from the kernel (getrandom(2), else
 * /dev/urandom, or the file named with set_urandom_device_file), reseeded
 * in a forked child.  init() seeds it now (it is seeded on first use
 * otherwise): 0, or -1 if no seed could be read.  get_bytes() fills buf
 * (it aborts through the fatal callback if no seed can be read at all).
 * add_bytes() stirs extra seed material into the state.
 * set_urandom_device_file() names the file to seed from (NULL: back to
 * the default); 0, or -1 if it cannot be read.
 */
int evutil_secure_rng_init(void);
int evutil_secure_rng_set_urandom_device_file(char *fname);
void evutil_secure_rng_get_bytes(void *buf, size_t n);
void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_UTIL_H_INCLUDED_ */
