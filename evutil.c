/*
 * evutil.c -- portability helpers (evutil.h) and the set-id-safe getenv.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_SYS_AUXV_H
#include <sys/auxv.h>
#endif

#include "evutil.h"
#include "event-internal.h"
#include "log-internal.h"

#ifndef _WIN32
/* (Windows: both are in evutil_win32.c.) */

/* socketpair(2).  0, or -1 with errno. */
int
evutil_socketpair(int family, int type, int protocol, int sv[2])
{
	if (sv == NULL) {
		errno = EINVAL;
		return -1;
	}
	return socketpair(family, type, protocol, sv);
}

/* Add O_NONBLOCK to sock's status flags.  0, or -1 with errno. */
int
evutil_make_socket_nonblocking(int sock)
{
	int flags = fcntl(sock, F_GETFL, NULL);

	if (flags == -1) {
		event_warn("fcntl(%d, F_GETFL)", sock);
		return -1;
	}
	if (flags & O_NONBLOCK)
		return 0;
	if (fcntl(sock, F_SETFL, flags | O_NONBLOCK) == -1) {
		event_warn("fcntl(%d, F_SETFL)", sock);
		return -1;
	}
	return 0;
}
#endif /* !_WIN32 */

ev_int64_t
evutil_strtoll(const char *s, char **endptr, int base)
{
	return (ev_int64_t)strtoll(s, endptr, base);
}

int
evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
{
	int r;

	if (buflen == 0)
		buf = NULL;
	r = vsnprintf(buf, buflen, format, ap);
	if (buflen > 0)
		buf[buflen - 1] = '\0';
	return r;
}

int
evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = evutil_vsnprintf(buf, buflen, format, ap);
	va_end(ap);
	return r;
}

/*
 * Is this a set-id program (or one the kernel marked secure)?  Then the
 * environment is not the user's to trust.
 */
static int
evutil_secure_mode(void)
{
#if defined(HAVE_GETAUXVAL) && defined(AT_SECURE)
	if (getauxval(AT_SECURE))
		return 1;
#endif
#ifdef HAVE_ISSETUGID
	if (issetugid())
		return 1;
#endif
#ifdef HAVE_GETEUID
	if (getuid() != geteuid())
		return 1;
#endif
#ifdef HAVE_GETEGID
	if (getgid() != getegid())
		return 1;
#endif
	return 0;
}

/* getenv(), or NULL when the program runs set-id (1.4's evutil_getenv). */
const char *
evutil_getenv(const char *name)
{
	if (evutil_secure_mode())
		return NULL;
	return getenv(name);
}

/* ASCII case folding only: the C locale's rules in every locale. */
static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
evutil_ascii_strncasecmp(const char *s1, const char *s2, size_t n)
{
	for (; n > 0; n--, s1++, s2++) {
		int a = ascii_lower((unsigned char)*s1);
		int b = ascii_lower((unsigned char)*s2);
		if (a != b)
			return a < b ? -1 : 1;
		if (a == '\0')
			break;
	}
	return 0;
}

int
evutil_ascii_strcasecmp(const char *s1, const char *s2)
{
	return evutil_ascii_strncasecmp(s1, s2, (size_t)-1);
}
