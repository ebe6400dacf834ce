/*
 * evutil_net.c -- the address and socket helpers of <event2/util.h>:
 * text to address and back, address parsing with a port, comparing
 * addresses, getaddrinfo() with the EVUTIL_ names, socket options.
 *
 * Parsing is strict: an address must be what inet_pton() accepts in full
 * and a port nothing but 1-5 digits of 1..65535 (libevent 2.1 lets
 * "1.2.3.4:80x" through as port 80 and reads "01.2.3.4"; we refuse both,
 * see docs/COMPAT.md).  Lengths are checked before any copy (the stack
 * overflow of CVE-2016-10196 came from a bracketed address longer than
 * the buffer).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event2/util.h"
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* Longest address text we accept (an IPv6 address with a zone). */
#define ADDR_TEXT_MAX	128

/* ------------------------------------------------------------------ */
/* Text and addresses */

const char *
evutil_inet_ntop(int af, const void *src, char *dst, size_t len)
{
	if (src == NULL || dst == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (af != AF_INET && af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	return inet_ntop(af, src, dst, (socklen_t)len);
}

int
evutil_inet_pton(int af, const char *src, void *dst)
{
	if (af != AF_INET && af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (src == NULL || dst == NULL)
		return 0;
	return inet_pton(af, src, dst);
}

/* The interface of a zone: a name, or a number.  0 if unknown. */
static unsigned
zone_index(const char *zone)
{
	char *end;
	unsigned long n;

	if (*zone == '\0')
		return 0;
	if (*zone >= '0' && *zone <= '9') {
		errno = 0;
		n = strtoul(zone, &end, 10);
		if (*end != '\0' || errno != 0 || n > 0xffffffffUL)
			return 0;
		return (unsigned)n;
	}
	return if_nametoindex(zone);
}

int
evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp)
{
	char buf[ADDR_TEXT_MAX];
	const char *pct;
	unsigned idx;
	size_t n;

	if (af != AF_INET6 || src == NULL ||
	    (pct = strchr(src, '%')) == NULL) {
		int r = evutil_inet_pton(af, src, dst);
		if (r == 1 && af == AF_INET6 && indexp != NULL)
			*indexp = 0;
		return r;
	}
	n = (size_t)(pct - src);
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, src, n);
	buf[n] = '\0';
	if ((idx = zone_index(pct + 1)) == 0)
		return 0;
	if (inet_pton(AF_INET6, buf, dst) != 1)
		return 0;
	if (indexp != NULL)
		*indexp = idx;
	return 1;
}

/* A port: 1-5 digits, 1..65535, nothing else.  The port, or -1. */
static int
parse_port(const char *s)
{
	int port = 0, n = 0;

	for (; *s >= '0' && *s <= '9' && n < 6; s++, n++)
		port = port * 10 + (*s - '0');
	if (*s != '\0' || n == 0 || n > 5 || port < 1 || port > 65535)
		return -1;
	return port;
}

/* Fill *out with addr (text) and port; 0, or -1 if it is no address. */
static int
make_sockaddr(const char *addr, int port, struct sockaddr_storage *out,
    int *len, int v6only)
{
	memset(out, 0, sizeof(*out));
	if (!v6only) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((unsigned short)port);
			*len = (int)sizeof(*sin);
			return 0;
		}
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		unsigned idx = 0;
		if (evutil_inet_pton_scope(AF_INET6, addr, &sin6->sin6_addr,
		    &idx) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		sin6->sin6_scope_id = idx;
		*len = (int)sizeof(*sin6);
		return 0;
	}
}

int
evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen)
{
	char buf[ADDR_TEXT_MAX];
	struct sockaddr_storage ss;
	const char *addr_end, *port_text = NULL;
	int port = 0, v6only = 0, len;
	size_t n;

	if (str == NULL || out == NULL || outlen == NULL)
		return -1;
	if (*str == '[') {
		/* "[v6]" or "[v6]:port" */
		if ((addr_end = strchr(str, ']')) == NULL)
			return -1;
		if (addr_end[1] == ':')
			port_text = addr_end + 2;
		else if (addr_end[1] != '\0')
			return -1;
		str++;
		v6only = 1;
	} else {
		/* one colon: "v4:port"; more: a bare v6 address */
		const char *c = strchr(str, ':');
		if (c != NULL && strchr(c + 1, ':') == NULL) {
			addr_end = c;
			port_text = c + 1;
		} else {
			addr_end = str + strlen(str);
		}
	}
	n = (size_t)(addr_end - str);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, str, n);
	buf[n] = '\0';
	if (port_text != NULL && (port = parse_port(port_text)) == -1)
		return -1;
	if (make_sockaddr(buf, port, &ss, &len, v6only) == -1)
		return -1;
	if (*outlen < len)
		return -1;
	memcpy(out, &ss, (size_t)len);
	*outlen = len;
	return 0;
}

static int
sign(long d)
{
	return d < 0 ? -1 : d > 0;
}

int
evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
    int include_port)
{
	int r;

	if (sa1->sa_family != sa2->sa_family)
		return sign((long)sa1->sa_family - (long)sa2->sa_family);
	if (sa1->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa1;
		const struct sockaddr_in *b = (const struct sockaddr_in *)sa2;
		unsigned long x = ntohl(a->sin_addr.s_addr);
		unsigned long y = ntohl(b->sin_addr.s_addr);
		if (x != y)
			return x < y ? -1 : 1;
		return include_port ?
		    sign((long)ntohs(a->sin_port) - ntohs(b->sin_port)) : 0;
	}
	if (sa1->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa1;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)sa2;
		r = memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr));
		if (r != 0)
			return sign(r);
		return include_port ?
		    sign((long)ntohs(a->sin6_port) - ntohs(b->sin6_port)) : 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* getaddrinfo */

/* The portable EVUTIL_AI_* values (used where <netdb.h> hides the
 * system's) and the system flag each stands for. */
static const struct {
	int portable;
	int native;
} ai_flags[] = {
	{ 0x1000, AI_PASSIVE },
	{ 0x2000, AI_CANONNAME },
	{ 0x4000, AI_NUMERICHOST },
	{ 0x8000, AI_NUMERICSERV },
	{ 0x10000, AI_V4MAPPED },
	{ 0x20000, AI_ALL },
	{ 0x40000, AI_ADDRCONFIG },
};

static int
native_ai_flags(int flags)
{
	size_t i;

	for (i = 0; i < sizeof(ai_flags) / sizeof(ai_flags[0]); i++) {
		if (flags & ai_flags[i].portable) {
			flags &= ~ai_flags[i].portable;
			flags |= ai_flags[i].native;
		}
	}
	return flags;
}

int
evutil_getaddrinfo(const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res)
{
	struct addrinfo hints;

	if (res == NULL)
		return EAI_FAIL;
	*res = NULL;
	memset(&hints, 0, sizeof(hints));
	if (hints_in != NULL) {
		hints.ai_flags = native_ai_flags(hints_in->ai_flags);
		hints.ai_family = hints_in->ai_family;
		hints.ai_socktype = hints_in->ai_socktype;
		hints.ai_protocol = hints_in->ai_protocol;
	} else {
		hints.ai_family = AF_UNSPEC;
	}
	if (nodename == NULL && servname == NULL)
		return EAI_NONAME;
	return getaddrinfo(nodename, servname, &hints, res);
}

void
evutil_freeaddrinfo(struct evutil_addrinfo *ai)
{
	struct evutil_addrinfo *next;

	/* Our own nodes come first in a list (mm-internal.h). */
	while (ai != NULL && (ai->ai_flags & EVUTIL_AI_LIBRARY_ALLOCATED_)) {
		next = ai->ai_next;
		mm_free(ai->ai_canonname);
		mm_free(ai);
		ai = next;
	}
	if (ai != NULL)
		freeaddrinfo(ai);
}

const char *
evutil_gai_strerror(int err)
{
	switch (err) {
	case -90001:
		return "Request canceled";
	case -901:
		return "address family for nodename not supported";
	case -902:
		return "temporary failure in name resolution";
	case -903:
		return "invalid value for ai_flags";
	case -904:
		return "non-recoverable failure in name resolution";
	case -905:
		return "ai_family not supported";
	case -906:
		return "memory allocation failure";
	case -907:
		return "no address associated with nodename";
	case -908:
		return "nodename nor servname provided, or not known";
	case -909:
		return "servname not supported for ai_socktype";
	case -910:
		return "ai_socktype not supported";
	case -911:
		return "system error";
	default:
		return gai_strerror(err);
	}
}

/* ------------------------------------------------------------------ */
/* Socket options */

static int
set_int_option(evutil_socket_t sock, int level, int name)
{
	int one = 1;

	return setsockopt(sock, level, name, &one, sizeof(one));
}

#if defined(_WIN32) || !defined(SO_REUSEPORT) || !defined(TCP_DEFER_ACCEPT)
/* An option the system does not have (or, on Windows, should not be
 * set): nothing to do, but sock must still be a socket.  0 or -1. */
static int
no_such_option(evutil_socket_t sock)
{
	if (evutil_fd_is_open_(sock))
		return 0;
#ifdef _WIN32
	EVUTIL_SET_SOCKET_ERROR(WSAENOTSOCK);
#else
	EVUTIL_SET_SOCKET_ERROR(EBADF);
#endif
	return -1;
}
#endif

int
evutil_make_listen_socket_reuseable(evutil_socket_t sock)
{
#ifdef _WIN32
	/* SO_REUSEADDR would let another socket take the port there. */
	return no_such_option(sock);
#else
	return set_int_option(sock, SOL_SOCKET, SO_REUSEADDR);
#endif
}

int
evutil_make_listen_socket_reuseable_port(evutil_socket_t sock)
{
#ifdef SO_REUSEPORT
	return set_int_option(sock, SOL_SOCKET, SO_REUSEPORT);
#else
	return no_such_option(sock);
#endif
}

int
evutil_make_listen_socket_ipv6only(evutil_socket_t sock)
{
	return set_int_option(sock, IPPROTO_IPV6, IPV6_V6ONLY);
}

int
evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock)
{
#ifdef TCP_DEFER_ACCEPT
	return set_int_option(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT);
#else
	return no_such_option(sock);
#endif
}

int
evutil_make_socket_closeonexec(evutil_socket_t sock)
{
#ifdef _WIN32
	return evutil_closeonexec_(sock);
#else
	int flags = fcntl(sock, F_GETFD, NULL);

	if (flags == -1) {
		event_warn("fcntl(%d, F_GETFD)", sock);
		return -1;
	}
	if (!(flags & FD_CLOEXEC) &&
	    fcntl(sock, F_SETFD, flags | FD_CLOEXEC) == -1) {
		event_warn("fcntl(%d, F_SETFD)", sock);
		return -1;
	}
	return 0;
#endif
}

int
evutil_closesocket(evutil_socket_t sock)
{
	return EVUTIL_CLOSESOCKET(sock);
}
