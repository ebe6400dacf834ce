/*
 * regress_evutil2.c -- event2/util.h: types, address parsing and
 * formatting, getaddrinfo, socket options, the secure random generator,
 * monotonic timers, dates and ASCII compares.  Loopback only.
 *
 * <event2/util.h> comes before the 1.4 <evutil.h> here: the two coexist.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/util.h>
#include <evutil.h>
#include <event2/event.h>

#include "regress.h"
#include "regress_event2.h"

/* ------------------------------------------------------------------ */
/* Types and macros */

struct with_field {
	char a;
	int b;
};

static void
test_types(struct regress_env *env)
{
	struct timeval a = { 1, 900000 }, b = { 0, 200000 }, c;
	evutil_socket_t s = EVUTIL_INVALID_SOCKET;
	int sv[2];

	(void)env;
	tt_int_op(sizeof(ev_uint64_t), ==, 8);
	tt_int_op(sizeof(ev_int32_t), ==, 4);
	tt_int_op(sizeof(ev_uint16_t), ==, 2);
	tt_int_op(sizeof(ev_int8_t), ==, 1);
	tt_int_op(sizeof(ev_intptr_t), ==, sizeof(void *));
	tt_int_op(sizeof(ev_ssize_t), ==, sizeof(size_t));
	tt_int_op(sizeof(ev_off_t), ==, sizeof(off_t));
	tt_uint_op(EV_UINT64_MAX, ==, UINT64_MAX);
	tt_int_op(EV_INT64_MAX, ==, INT64_MAX);
	tt_int_op(EV_INT64_MIN, ==, INT64_MIN);
	tt_uint_op(EV_UINT32_MAX, ==, UINT32_MAX);
	tt_int_op(EV_INT32_MIN, ==, INT32_MIN);
	tt_int_op(EV_INT16_MIN, ==, INT16_MIN);
	tt_int_op(EV_UINT16_MAX, ==, UINT16_MAX);
	tt_int_op(EV_INT8_MIN, ==, -128);
	tt_int_op(EV_UINT8_MAX, ==, 255);
	tt_uint_op(EV_SIZE_MAX, ==, SIZE_MAX);
	tt_int_op(EV_SSIZE_MAX, ==, SSIZE_MAX);
	tt_int_op(EV_SSIZE_MIN, ==, -SSIZE_MAX - 1);
	tt_int_op(evutil_offsetof(struct with_field, b), ==, sizeof(int));
	tt_int_op(s, ==, -1);
	evutil_timeradd(&a, &b, &c);
	tt_int_op(c.tv_sec, ==, 2);
	tt_int_op(c.tv_usec, ==, 100000);
	tt_int_op(evutil_timercmp(&c, &a, >), !=, 0);
	evutil_timersub(&c, &b, &c);
	tt_int_op(evutil_timercmp(&c, &a, ==), !=, 0);
	evutil_timerclear(&c);
	tt_int_op(evutil_timerisset(&c), ==, 0);
	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(sv[0]), ==, 0);
	errno = 0;
	tt_int_op(read(sv[0], &c, 1), ==, -1);
#ifdef _WIN32
	/* Winsock's own codes, and texts that strerror() does not have. */
	tt_int_op(EVUTIL_SOCKET_ERROR(), ==, WSAEWOULDBLOCK);
	tt_int_op(evutil_socket_geterror(sv[0]), ==, WSAEWOULDBLOCK);
	tt_assert(strlen(evutil_socket_error_to_string(WSAEWOULDBLOCK)) > 0);
	tt_assert(strstr(evutil_socket_error_to_string(WSAEWOULDBLOCK),
	    "10035") == NULL);
	EVUTIL_SET_SOCKET_ERROR(WSAEINTR);
	tt_int_op(WSAGetLastError(), ==, WSAEINTR);
#else
	tt_int_op(EVUTIL_SOCKET_ERROR(), ==, EAGAIN);
	tt_int_op(evutil_socket_geterror(sv[0]), ==, EAGAIN);
	tt_str_op(evutil_socket_error_to_string(EAGAIN), ==, strerror(EAGAIN));
	EVUTIL_SET_SOCKET_ERROR(EINTR);
	tt_int_op(errno, ==, EINTR);
#endif
	tt_int_op(EVUTIL_CLOSESOCKET(sv[0]), ==, 0);
	tt_int_op(evutil_closesocket(sv[1]), ==, 0);
	tt_int_op(evutil_closesocket(sv[1]), ==, -1);
	tt_int_op(evutil_strtoll("-9223372036854775808", NULL, 10), ==,
	    INT64_MIN);
	tt_int_op(gettimeofday(&a, NULL), ==, 0);
	tt_int_op(evutil_gettimeofday(&b, NULL), ==, 0);
	tt_assert(b.tv_sec - a.tv_sec <= 1);
}

/* ------------------------------------------------------------------ */
/* Addresses */

struct parse_case {
	const char *in;
	int ok;
	int family;
	const char *addr;
	int port;
};

static const struct parse_case parse_cases[] = {
	{ "1.2.3.4", 1, AF_INET, "1.2.3.4", 0 },
	{ "1.2.3.4:80", 1, AF_INET, "1.2.3.4", 80 },
	{ "255.255.255.255:65535", 1, AF_INET, "255.255.255.255", 65535 },
	{ "[::1]:8080", 1, AF_INET6, "::1", 8080 },
	{ "[::1]", 1, AF_INET6, "::1", 0 },
	{ "::1", 1, AF_INET6, "::1", 0 },
	{ "ffff::abcd", 1, AF_INET6, "ffff::abcd", 0 },
	{ "[fe80::1%1]:22", 1, AF_INET6, "fe80::1", 22 },
	{ "1.2.3.4:0", 0, 0, NULL, 0 },
	{ "1.2.3.4:65536", 0, 0, NULL, 0 },
	{ "1.2.3.4:-1", 0, 0, NULL, 0 },
	{ "1.2.3.4:80x", 0, 0, NULL, 0 },
	{ "1.2.3.4: 80", 0, 0, NULL, 0 },
	{ "1.2.3.4:", 0, 0, NULL, 0 },
	{ "1.2.3.4:000080", 0, 0, NULL, 0 },
	{ "[1.2.3.4]:5", 0, 0, NULL, 0 },
	{ "[::1]:", 0, 0, NULL, 0 },
	{ "[::1]x", 0, 0, NULL, 0 },
	{ "[::1", 0, 0, NULL, 0 },
	{ "1.2.3", 0, 0, NULL, 0 },
	{ "01.2.3.4", 0, 0, NULL, 0 },
	{ "", 0, 0, NULL, 0 },
	{ ":80", 0, 0, NULL, 0 },
	{ "[]:80", 0, 0, NULL, 0 },
	{ "fe80::1%nosuchinterface0", 0, 0, NULL, 0 },
};

static void
check_parse(const struct parse_case *c)
{
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	int len = (int)sizeof(ss), r;

	memset(&ss, 0x55, sizeof(ss));
	r = evutil_parse_sockaddr_port(c->in, (struct sockaddr *)&ss, &len);
	if (!c->ok) {
		if (r != -1)
			regress_fail(__FILE__, __LINE__, "'%s' accepted",
			    c->in);
		tt_int_op(len, ==, sizeof(ss));		/* left alone */
		return;
	}
	if (r != 0)
		regress_fail(__FILE__, __LINE__, "'%s' refused", c->in);
	tt_int_op(ss.ss_family, ==, c->family);
	if (c->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		tt_int_op(len, ==, sizeof(*sin));
		tt_str_op(evutil_inet_ntop(AF_INET, &sin->sin_addr, text,
		    sizeof(text)), ==, c->addr);
		tt_int_op(ntohs(sin->sin_port), ==, c->port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		tt_int_op(len, ==, sizeof(*sin6));
		tt_str_op(evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, text,
		    sizeof(text)), ==, c->addr);
		tt_int_op(ntohs(sin6->sin6_port), ==, c->port);
	}
}

static void
test_parse_sockaddr_port(struct regress_env *env)
{
	struct sockaddr_in small;
	struct sockaddr_in6 s6;
	size_t i, n = 1 << 20;
	char *big;
	int len;

	(void)env;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_parse(&parse_cases[i]);

	/* Too little room: refused, nothing written. */
	len = 4;
	tt_int_op(evutil_parse_sockaddr_port("1.2.3.4:5", (struct sockaddr *)
	    &small, &len), ==, -1);
	tt_int_op(len, ==, 4);
	/* A zone sets the scope id. */
	len = (int)sizeof(s6);
	tt_int_op(evutil_parse_sockaddr_port("[fe80::1%7]:1",
	    (struct sockaddr *)&s6, &len), ==, 0);
	tt_int_op(s6.sin6_scope_id, ==, 7);

	/* CVE-2016-10196: huge bracketed text must be refused, not copied. */
	big = malloc(n + 8);
	tt_assert(big != NULL);
	big[0] = '[';
	memset(big + 1, 'a', n);
	strcpy(big + 1 + n, "]:80");
	len = (int)sizeof(s6);
	tt_int_op(evutil_parse_sockaddr_port(big, (struct sockaddr *)&s6, &len),
	    ==, -1);
	memset(big, '1', n);
	strcpy(big + n, ":80");
	tt_int_op(evutil_parse_sockaddr_port(big, (struct sockaddr *)&s6, &len),
	    ==, -1);
	free(big);
	tt_int_op(evutil_parse_sockaddr_port(NULL, (struct sockaddr *)&s6,
	    &len), ==, -1);
}

static void
test_inet(struct regress_env *env)
{
	unsigned char a4[4], a6[16];
	char text[64];
	unsigned idx = 99;
	unsigned lo = if_nametoindex("lo");

	(void)env;
	tt_int_op(evutil_inet_pton(AF_INET, "10.0.0.1", a4), ==, 1);
	tt_int_op(a4[0], ==, 10);
	tt_int_op(a4[3], ==, 1);
	tt_int_op(evutil_inet_pton(AF_INET, "10.0.1", a4), ==, 0);
	tt_int_op(evutil_inet_pton(AF_INET, "010.0.0.1", a4), ==, 0);
	tt_int_op(evutil_inet_pton(AF_INET6, "::ffff:1.2.3.4", a6), ==, 1);
	tt_int_op(a6[10], ==, 0xff);
	tt_int_op(a6[15], ==, 4);
	tt_int_op(evutil_inet_pton(AF_UNIX, "x", a6), ==, -1);
	tt_str_op(evutil_inet_ntop(AF_INET, "\x7f\0\0\x01", text,
	    sizeof(text)), ==, "127.0.0.1");
	tt_ptr_op(evutil_inet_ntop(AF_INET, "\x7f\0\0\x01", text, 4), ==, NULL);
	tt_ptr_op(evutil_inet_ntop(AF_UNIX, a6, text, sizeof(text)), ==, NULL);

	tt_int_op(evutil_inet_pton_scope(AF_INET6, "fe80::1", a6, &idx), ==, 1);
	tt_int_op(idx, ==, 0);
	tt_int_op(evutil_inet_pton_scope(AF_INET6, "fe80::1%5", a6, &idx), ==,
	    1);
	tt_int_op(idx, ==, 5);
	if (lo != 0) {
		tt_int_op(evutil_inet_pton_scope(AF_INET6, "fe80::2%lo", a6,
		    &idx), ==, 1);
		tt_int_op(idx, ==, lo);
		tt_int_op(a6[15], ==, 2);
	}
	tt_int_op(evutil_inet_pton_scope(AF_INET6, "fe80::1%nosuchif0", a6,
	    &idx), ==, 0);
	tt_int_op(evutil_inet_pton_scope(AF_INET6, "fe80::1%", a6, &idx), ==,
	    0);
	tt_int_op(evutil_inet_pton_scope(AF_INET, "1.2.3.4", a4, &idx), ==, 1);
}

static void
test_sockaddr_cmp(struct regress_env *env)
{
	struct sockaddr_in a, b;
	struct sockaddr_in6 c, d;

	(void)env;
	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x01020304);
	a.sin_port = htons(80);
	b = a;
	c.sin6_family = AF_INET6;
	c.sin6_addr.s6_addr[15] = 1;
	c.sin6_port = htons(80);
	d = c;
	tt_int_op(evutil_sockaddr_cmp((void *)&a, (void *)&b, 1), ==, 0);
	b.sin_port = htons(81);
	tt_int_op(evutil_sockaddr_cmp((void *)&a, (void *)&b, 1), <, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&b, (void *)&a, 1), >, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&a, (void *)&b, 0), ==, 0);
	b.sin_addr.s_addr = htonl(0x01020303);
	tt_int_op(evutil_sockaddr_cmp((void *)&a, (void *)&b, 0), >, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&a, (void *)&c, 0), <, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&c, (void *)&a, 0), >, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&c, (void *)&d, 1), ==, 0);
	d.sin6_addr.s6_addr[0] = 0xfe;
	tt_int_op(evutil_sockaddr_cmp((void *)&c, (void *)&d, 1), <, 0);
	d = c;
	d.sin6_port = htons(1);
	tt_int_op(evutil_sockaddr_cmp((void *)&c, (void *)&d, 1), >, 0);
	tt_int_op(evutil_sockaddr_cmp((void *)&c, (void *)&d, 0), ==, 0);
}

static void
test_getaddrinfo(struct regress_env *env)
{
	struct evutil_addrinfo hints, *res = NULL, *p;
	struct sockaddr_in *sin;
	int r, n = 0;

	(void)env;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	r = evutil_getaddrinfo("127.0.0.1", "8080", &hints, &res);
	tt_int_op(r, ==, 0);
	for (p = res; p != NULL; p = p->ai_next)
		n++;
	tt_int_op(n, ==, 1);
	tt_int_op(res->ai_family, ==, AF_INET);
	tt_int_op(res->ai_socktype, ==, SOCK_STREAM);
	sin = (struct sockaddr_in *)res->ai_addr;
	tt_int_op(ntohs(sin->sin_port), ==, 8080);
	tt_int_op(ntohl(sin->sin_addr.s_addr), ==, 0x7f000001);
	evutil_freeaddrinfo(res);
	evutil_freeaddrinfo(NULL);

	/* Passive with no node: the wildcard address. */
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	r = evutil_getaddrinfo(NULL, "80", &hints, &res);
	tt_int_op(r, ==, 0);
	sin = (struct sockaddr_in *)res->ai_addr;
	tt_int_op(sin->sin_addr.s_addr, ==, htonl(INADDR_ANY));
	evutil_freeaddrinfo(res);

	/* The portable flag value means NUMERICHOST too. */
	hints.ai_flags = 0x4000;
	res = (struct evutil_addrinfo *)&hints;
	r = evutil_getaddrinfo("localhost", "80", &hints, &res);
	tt_int_op(r, ==, EVUTIL_EAI_NONAME);
	tt_ptr_op(res, ==, NULL);
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	tt_int_op(evutil_getaddrinfo("localhost", "80", &hints, &res), ==,
	    EVUTIL_EAI_NONAME);
	tt_int_op(evutil_getaddrinfo(NULL, NULL, &hints, &res), ==,
	    EVUTIL_EAI_NONAME);
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	tt_int_op(evutil_getaddrinfo("127.0.0.1", "http", &hints, &res), ==,
	    EVUTIL_EAI_NONAME);
	hints.ai_flags = 0;
	hints.ai_family = AF_INET6;
	r = evutil_getaddrinfo("127.0.0.1", "80", &hints, &res);
	tt_assert(r != 0);
	r = evutil_getaddrinfo("127.0.0.1", "80", NULL, &res);
	tt_int_op(r, ==, 0);
	evutil_freeaddrinfo(res);

	tt_str_op(evutil_gai_strerror(EVUTIL_EAI_CANCEL), ==,
	    "Request canceled");
	tt_str_op(evutil_gai_strerror(-907), ==,
	    "no address associated with nodename");
	tt_assert(strlen(evutil_gai_strerror(EVUTIL_EAI_NONAME)) > 5);
	tt_assert(evutil_gai_strerror(12345) != NULL);
}

static void
test_socket_options(struct regress_env *env)
{
	int s4 = socket(AF_INET, SOCK_STREAM, 0);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);

	(void)env;
	tt_assert(s4 >= 0);
	tt_int_op(evutil_make_listen_socket_reuseable(s4), ==, 0);
#ifdef _WIN32
	/* Not set there: Windows' SO_REUSEADDR lets others take the port. */
	tt_int_op(regress_sockopt(s4, SOL_SOCKET, SO_REUSEADDR), ==, 0);
#else
	tt_int_op(regress_sockopt(s4, SOL_SOCKET, SO_REUSEADDR), !=, 0);
#endif
	tt_int_op(evutil_make_listen_socket_reuseable_port(s4), ==, 0);
#ifdef SO_REUSEPORT
	tt_int_op(regress_sockopt(s4, SOL_SOCKET, SO_REUSEPORT), !=, 0);
#endif
	tt_int_op(evutil_make_tcp_listen_socket_deferred(s4), ==, 0);
#ifdef TCP_DEFER_ACCEPT
	tt_int_op(regress_sockopt(s4, IPPROTO_TCP, TCP_DEFER_ACCEPT), !=, 0);
#endif
	tt_int_op(fcntl(s4, F_GETFD) & FD_CLOEXEC, ==, 0);
	tt_int_op(evutil_make_socket_closeonexec(s4), ==, 0);
	tt_int_op(fcntl(s4, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
#ifndef _WIN32	/* (wine lets an IPv4 socket take IPV6_V6ONLY) */
	tt_int_op(evutil_make_listen_socket_ipv6only(s4), ==, -1);
#endif
	if (s6 >= 0) {
		tt_int_op(evutil_make_listen_socket_ipv6only(s6), ==, 0);
		tt_int_op(regress_sockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY), !=,
		    0);
		tt_int_op(evutil_closesocket(s6), ==, 0);
	} else {
		regress_note("no IPv6 sockets: ipv6only only tested on IPv4");
	}
	tt_int_op(evutil_closesocket(s4), ==, 0);
	tt_int_op(evutil_make_listen_socket_reuseable(s4), ==, -1);
	tt_int_op(evutil_make_tcp_listen_socket_deferred(-1), ==, -1);
	event_set_log_callback(NULL);
	tt_int_op(evutil_make_socket_closeonexec(-1), ==, -1);
}

/* ------------------------------------------------------------------ */
/* Random numbers */

static void
rng_draw(unsigned char *out, size_t n)
{
	memset(out, 0, n);
	evutil_secure_rng_get_bytes(out, n);
}

static void
test_secure_rng(struct regress_env *env)
{
	/* RFC 8439 A.1, test vector 1: key and nonce all zero, counter 0. */
	static const unsigned char zero_stream[16] = {
		0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90,
		0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28
	};
	unsigned char a[64], b[64], c[64];
	char path[] = "/tmp/regress-rng-XXXXXX";
	char zeros[44];
	int fd;

	(void)env;
	tt_int_op(evutil_secure_rng_init(), ==, 0);
	rng_draw(a, sizeof(a));
	rng_draw(b, sizeof(b));
	tt_assert(memcmp(a, b, sizeof(a)) != 0);
	evutil_secure_rng_get_bytes(a, 0);

	/* A seed file of zeros gives ChaCha20's zero-key stream. */
	fd = mkstemp(path);
	tt_assert(fd >= 0);
	memset(zeros, 0, sizeof(zeros));
	tt_int_op(write(fd, zeros, sizeof(zeros)), ==, sizeof(zeros));
	close(fd);
	tt_int_op(evutil_secure_rng_set_urandom_device_file(path), ==, 0);
	tt_int_op(evutil_secure_rng_init(), ==, 0);
	rng_draw(a, 16);
	tt_mem_op(a, ==, zero_stream, 16);
	/* The key moved on: the next draw is different. */
	rng_draw(b, 16);
	tt_assert(memcmp(a, b, 16) != 0);
	/* Seeded again from the file, then stirred: another stream. */
	tt_int_op(evutil_secure_rng_set_urandom_device_file(path), ==, 0);
	evutil_secure_rng_add_bytes("extra seed", 10);
	rng_draw(c, 16);
	tt_assert(memcmp(c, zero_stream, 16) != 0);
	evutil_secure_rng_add_bytes(NULL, 3);
	unlink(path);

	tt_int_op(evutil_secure_rng_set_urandom_device_file(
	    "/nonexistent/urandom"), ==, -1);
	tt_int_op(evutil_secure_rng_set_urandom_device_file(NULL), ==, 0);
	rng_draw(c, 16);
	tt_assert(memcmp(c, zero_stream, 16) != 0);
}

/* A forked child seeds again instead of repeating the parent's stream. */
static void
rng_child(void *arg)
{
	unsigned char *shared = arg, mine[16];

	evutil_secure_rng_get_bytes(mine, sizeof(mine));
	_exit(memcmp(mine, shared, sizeof(mine)) == 0 ? 1 : 0);
}

static void
test_secure_rng_fork(struct regress_env *env)
{
	unsigned char next[16];
	pid_t pid;
	int p[2];

	(void)env;
#ifdef _WIN32
	tt_skip("the RNG of a forked child: Windows has no fork()");
#endif
	tt_int_op(evutil_secure_rng_init(), ==, 0);
	tt_int_op(pipe(p), ==, 0);
	pid = regress_fork();
	if (pid == 0) {
		/* What the parent draws next, without reseeding, would be the
		 * same bytes; compare after the parent sent its own. */
		unsigned char theirs[16];
		close(p[1]);
		if (read(p[0], theirs, 16) != 16)
			_exit(2);
		rng_child(theirs);
	}
	close(p[0]);
	evutil_secure_rng_get_bytes(next, sizeof(next));
	tt_int_op(write(p[1], next, 16), ==, 16);
	close(p[1]);
	tt_int_op(regress_wait(pid, 5), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Time and strings */

static void
test_monotonic(struct regress_env *env)
{
	struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
	struct timeval prev, now;
	int i, mode;

	(void)env;
	tt_assert(t != NULL);
	for (mode = 0; mode < 3; mode++) {
		int flags = mode == 0 ? 0 : mode == 1 ? EV_MONOT_PRECISE :
		    EV_MONOT_FALLBACK;
		tt_int_op(evutil_configure_monotonic_time(t, flags), ==, 0);
		tt_int_op(evutil_gettime_monotonic(t, &prev), ==, 0);
		for (i = 0; i < 2000; i++) {
			tt_int_op(evutil_gettime_monotonic(t, &now), ==, 0);
			tt_assert(!evutil_timercmp(&now, &prev, <));
			tt_assert(now.tv_usec >= 0 && now.tv_usec < 1000000);
			prev = now;
		}
		usleep(2000);
		tt_int_op(evutil_gettime_monotonic(t, &now), ==, 0);
		tt_assert((now.tv_sec - prev.tv_sec) * 1000000 +
		    now.tv_usec - prev.tv_usec >= 1500);
	}
	tt_int_op(evutil_configure_monotonic_time(NULL, 0), ==, -1);
	tt_int_op(evutil_gettime_monotonic(NULL, &now), ==, -1);
	tt_int_op(evutil_gettime_monotonic(t, NULL), ==, -1);
	evutil_monotonic_timer_free(t);
	evutil_monotonic_timer_free(NULL);
}

static void
test_date_rfc1123(struct regress_env *env)
{
	struct tm tm;
	char buf[64];
	int r;

	(void)env;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 118;
	tm.tm_mon = 5;
	tm.tm_mday = 13;
	tm.tm_hour = 15;
	tm.tm_min = 46;
	tm.tm_sec = 7;
	tm.tm_wday = 3;
	tt_int_op(evutil_date_rfc1123(buf, sizeof(buf), &tm), ==, 29);
	tt_str_op(buf, ==, "Wed, 13 Jun 2018 15:46:07 GMT");
	tt_int_op(evutil_date_rfc1123(buf, 10, &tm), ==, 29);
	tt_str_op(buf, ==, "Wed, 13 J");
	r = evutil_date_rfc1123(buf, sizeof(buf), NULL);
	tt_int_op(r, ==, 29);
	tt_str_op(buf + 25, ==, " GMT");
	tm.tm_wday = 9;
	tm.tm_mon = -1;
	tt_int_op(evutil_date_rfc1123(buf, sizeof(buf), &tm), ==, 29);
	tt_str_op(buf, ==, "???, 13 ??? 2018 15:46:07 GMT");
}

static void
test_ascii_case(struct regress_env *env)
{
	(void)env;
	tt_int_op(evutil_ascii_strcasecmp("Content-Length", "content-length"),
	    ==, 0);
	tt_int_op(evutil_ascii_strcasecmp("abc", "ABD"), <, 0);
	tt_int_op(evutil_ascii_strcasecmp("abd", "ABC"), >, 0);
	tt_int_op(evutil_ascii_strcasecmp("ab", "abc"), <, 0);
	tt_int_op(evutil_ascii_strcasecmp("", ""), ==, 0);
	/* Bytes outside ASCII are never folded, whatever the locale. */
	tt_int_op(evutil_ascii_strcasecmp("\xc0", "\xe0"), !=, 0);
	tt_int_op(evutil_ascii_strncasecmp("abcX", "ABCy", 3), ==, 0);
	tt_int_op(evutil_ascii_strncasecmp("abcX", "ABCy", 4), <, 0);
	tt_int_op(evutil_ascii_strncasecmp("a", "b", 0), ==, 0);
	tt_int_op(evutil_ascii_strncasecmp("a", "a", 100), ==, 0);
}

struct regress_case regress_evutil2_cases[] = {
	{ "evutil2/types", test_types, RT_ONCE, NULL },
	{ "evutil2/parse_sockaddr_port", test_parse_sockaddr_port, RT_ONCE,
	    NULL },
	{ "evutil2/inet", test_inet, RT_ONCE, NULL },
	{ "evutil2/sockaddr_cmp", test_sockaddr_cmp, RT_ONCE, NULL },
	{ "evutil2/getaddrinfo", test_getaddrinfo, RT_ONCE, NULL },
	{ "evutil2/socket_options", test_socket_options, RT_ONCE, NULL },
	{ "evutil2/secure_rng", test_secure_rng, RT_ONCE, NULL },
	{ "evutil2/secure_rng_fork", test_secure_rng_fork, RT_ONCE, NULL },
	{ "evutil2/monotonic", test_monotonic, RT_ONCE, NULL },
	{ "evutil2/date_rfc1123", test_date_rfc1123, RT_ONCE, NULL },
	{ "evutil2/ascii_case", test_ascii_case, RT_ONCE, NULL },
	RT_END
};
