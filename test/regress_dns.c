/*
 * test/regress_dns.c -- evdns: resolver, server port, wire parser.
 *
 * Most cases run the real resolver against a server on a loopback UDP
 * port:
 *  - "tsrv": our own evdns server port in the same process, whose answers
 *    depend on the question name (see tsrv_cb);
 *  - "raw": a forked child speaking raw UDP (and TCP) that sends
 *    deliberately broken replies chosen by the first label of the name;
 *  - dnsmasq, when installed, compared with dig.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "regress.h"
#include "regress_util.h"

/* ------------------------------------------------------------------ */
/* Helpers: results, loop                                              */

struct result {
	int done;
	int err;
	int type;
	int count;
	int ttl;
	unsigned char addrs[32 * 16];
	char ptr[256];
	double when;
};

static int pending;
static struct event guard_ev;
static int guard_fired;

static void
res_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	struct result *r = arg;

	r->done++;
	r->err = err;
	r->type = type;
	r->count = count;
	r->ttl = ttl;
	r->when = regress_now();
	if (err == DNS_ERR_NONE && addrs != NULL) {
		if (type == DNS_PTR)
			snprintf(r->ptr, sizeof(r->ptr), "%s",
			    *(char **)addrs);
		else if (count > 0 && count <= 32)
			memcpy(r->addrs, addrs,
			    (size_t)count * (type == DNS_IPv4_A ? 4 : 16));
	} else {
		tt_int_op(type, ==, 0);
		tt_int_op(count, ==, 0);
		tt_int_op(ttl, ==, 0);
		tt_ptr_op(addrs, ==, NULL);
	}
	if (--pending == 0)
		event_loopexit(NULL);
}

static void
guard_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	guard_fired = 1;
	event_loopexit(NULL);
}

/* Run the loop until pending reaches 0, at most limit seconds. */
static void
run_until_done(double limit)
{
	struct timeval tv;

	limit *= regress_slowdown();
	tv.tv_sec = (long)limit;
	tv.tv_usec = (long)((limit - (double)tv.tv_sec) * 1e6);
	guard_fired = 0;
	evtimer_set(&guard_ev, guard_cb, NULL);
	evtimer_add(&guard_ev, &tv);
	if (pending > 0)
		event_dispatch();
	evtimer_del(&guard_ev);
	if (guard_fired && pending > 0)
		regress_fail(__FILE__, __LINE__,
		    "%d lookups still pending after %.1f s", pending, limit);
}

static void
set_fast_timeouts(const char *timeout, const char *attempts)
{
	tt_int_op(evdns_set_option("timeout:", timeout, DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("attempts:", attempts, DNS_OPTIONS_ALL), ==,
	    0);
}

static int
udp_bound(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	tt_assert(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tt_int_op(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
	tt_int_op(getsockname(fd, (struct sockaddr *)&sin, &sl), ==, 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
add_ns_port(int port)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
}

static void
expect_a(struct result *r, const char *addr)
{
	struct in_addr in;

	tt_int_op(r->done, ==, 1);
	tt_int_op(r->err, ==, DNS_ERR_NONE);
	tt_int_op(r->type, ==, DNS_IPv4_A);
	tt_assert(r->count >= 1);
	tt_int_op(inet_pton(AF_INET, addr, &in), ==, 1);
	tt_mem_op(r->addrs, ==, &in, 4);
}

/* ------------------------------------------------------------------ */
/* In-process test server built on our server port                     */

#define TS_NORMAL	0
#define TS_SERVFAIL	1
#define TS_REFUSED	2
#define TS_DROP		3
#define TS_HOLD		4

struct tsrv {
	int fd, port;
	struct evdns_server_port *sp;
	int mode;
	int nq;
	char names[128][256];
	int types[128];
	int srcport[128];
	struct evdns_server_request *held[64];
	int nheld, maxheld;
	struct event release_ev;
};

static void
answer_normal(struct evdns_server_request *req)
{
	struct evdns_server_question *q = req->questions[0];
	const char *n = q->name;
	unsigned char a1[4] = { 1, 2, 3, 4 }, a2[8] = { 5, 6, 7, 8, 9, 9, 9, 9 };
	unsigned char a7[4] = { 7, 7, 7, 7 };
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x42 };
	int rcode = DNS_ERR_NOTEXIST;

	if (strstr(n, "drop") != NULL) {
		evdns_server_request_drop(req);
		return;
	}
	req->flags |= 0x0080;	/* RA */
	if (!strcasecmp(n, "a.example")) {
		if (q->type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, n, 1, a1, 12345);
		else if (q->type == EVDNS_TYPE_AAAA)
			evdns_server_request_add_aaaa_reply(req, n, 1, v6, 123);
		rcode = 0;
	} else if (!strcasecmp(n, "two.example")) {
		evdns_server_request_add_a_reply(req, n, 1, a2, 300);
		evdns_server_request_add_a_reply(req, n, 1, a2 + 4, 200);
		rcode = 0;
	} else if (!strcasecmp(n, "11.11.168.192.in-addr.arpa")) {
		evdns_server_request_add_ptr_reply(req, NULL, n,
		    "ptr.example", 54321);
		rcode = 0;
	} else if (strstr(n, "ip6.arpa") != NULL &&
	    !strncmp(n, "2.4.0.0.0.0.0.0", 15)) {
		evdns_server_request_add_ptr_reply(req, NULL, n,
		    "v6ptr.example", 77);
		rcode = 0;
	} else if (!strcasecmp(n, "alias.example")) {
		evdns_server_request_add_cname_reply(req, n, "a.example", 100);
		evdns_server_request_add_a_reply(req, "a.example", 1, a1,
		    12345);
		rcode = 0;
	} else if (!strcasecmp(n, "alias2.example")) {
		/* The target is left for the resolver to look up. */
		evdns_server_request_add_cname_reply(req, n, "two.example",
		    100);
		rcode = 0;
	} else if (!strcasecmp(n, "loop.example")) {
		evdns_server_request_add_cname_reply(req, n, "loop2.example",
		    100);
		evdns_server_request_add_cname_reply(req, "loop2.example",
		    "loop.example", 100);
		rcode = 0;
	} else if (!strcasecmp(n, "chain.example")) {
		evdns_server_request_add_cname_reply(req, n, "alias2.example",
		    100);
		rcode = 0;
	} else if (!strcasecmp(n, "wrongowner.example")) {
		evdns_server_request_add_a_reply(req, "evil.example", 1, a1,
		    10);
		rcode = 0;
	} else if (!strcasecmp(n, "nodata.example")) {
		rcode = 0;
	} else if (!strcasecmp(n, "big.example")) {
		unsigned char a[4];
		int i;
		/* 5000 records: over 2^16 bytes if nothing were cut. */
		for (i = 0; i < 5000; i++) {
			a[0] = 10;
			a[1] = (unsigned char)(i >> 8);
			a[2] = (unsigned char)i;
			a[3] = 1;
			tt_int_op(evdns_server_request_add_a_reply(req, n, 1, a,
			    60), ==, 0);
		}
		rcode = 0;
	} else if (!strcasecmp(n, "host.b.test") ||
	    !strcasecmp(n, "x.y.b.test")) {
		evdns_server_request_add_a_reply(req, n, 1, a7, 60);
		rcode = 0;
	}
	tt_int_op(evdns_server_request_respond(req, rcode), >=, 0);
}

static void
tsrv_release_cb(int fd, short what, void *arg)
{
	struct tsrv *s = arg;
	int i;

	(void)fd;
	(void)what;
	for (i = 0; i < s->nheld; i++)
		answer_normal(s->held[i]);
	s->nheld = 0;
	if (s->mode == TS_HOLD) {
		struct timeval tv = { 0, 30000 };
		evtimer_add(&s->release_ev, &tv);
	}
}

static void
tsrv_cb(struct evdns_server_request *req, void *arg)
{
	struct tsrv *s = arg;
	struct sockaddr_storage ss;
	int sl;

	tt_int_op(req->nquestions, ==, 1);
	if (s->nq < 128) {
		snprintf(s->names[s->nq], 256, "%s", req->questions[0]->name);
		s->types[s->nq] = req->questions[0]->type;
		sl = evdns_server_request_get_requesting_addr(req,
		    (struct sockaddr *)&ss, sizeof(ss));
		if (ss.ss_family == AF_INET6) {
			tt_int_op(sl, ==, sizeof(struct sockaddr_in6));
			s->srcport[s->nq] =
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			tt_int_op(sl, ==, sizeof(struct sockaddr_in));
			s->srcport[s->nq] =
			    ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
		s->nq++;
	}
	/* The resolver asks with RD and class IN. */
	tt_int_op(req->flags, ==, 0x0100);
	tt_int_op(req->questions[0]->dns_question_class, ==, EVDNS_CLASS_INET);
	switch (s->mode) {
	case TS_SERVFAIL:
		evdns_server_request_respond(req, DNS_ERR_SERVERFAILED);
		break;
	case TS_REFUSED:
		evdns_server_request_respond(req, DNS_ERR_REFUSED);
		break;
	case TS_DROP:
		evdns_server_request_drop(req);
		break;
	case TS_HOLD:
		tt_assert(s->nheld < 64);
		s->held[s->nheld++] = req;
		if (s->nheld > s->maxheld)
			s->maxheld = s->nheld;
		break;
	default:
		answer_normal(req);
	}
}

static void
tsrv_start(struct tsrv *s, int mode)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->fd = udp_bound(&s->port);
	tt_int_op(evutil_make_socket_nonblocking(s->fd), ==, 0);
	s->sp = evdns_add_server_port(s->fd, 0, tsrv_cb, s);
	tt_assert(s->sp != NULL);
	if (mode == TS_HOLD) {
		struct timeval tv = { 0, 30000 };
		evtimer_set(&s->release_ev, tsrv_release_cb, s);
		evtimer_add(&s->release_ev, &tv);
	}
}

/* One server, fast timeouts, the resolver pointed at it. */
static void
tsrv_setup(struct tsrv *s, int mode)
{
	tsrv_start(s, mode);
	add_ns_port(s->port);
	set_fast_timeouts("0.2", "2");
}

/* ------------------------------------------------------------------ */
/* Resolver against our server                                         */

static void
test_a_record(struct regress_env *env)
{
	struct tsrv s;
	struct result r1, r2;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r1), ==, 0);
	tt_int_op(evdns_resolve_ipv4("two.example", 0, res_cb, &r2), ==, 0);
	/* Callbacks never run from inside evdns_resolve_*. */
	tt_int_op(r1.done, ==, 0);
	pending = 2;
	run_until_done(3);
	expect_a(&r1, "1.2.3.4");
	tt_int_op(r1.count, ==, 1);
	tt_int_op(r1.ttl, ==, 12345);
	expect_a(&r2, "5.6.7.8");
	tt_int_op(r2.count, ==, 2);
	tt_mem_op(r2.addrs + 4, ==, "\x09\x09\x09\x09", 4);
	tt_int_op(r2.ttl, ==, 200);	/* the smallest TTL */
	tt_int_op(s.nq, ==, 2);
	tt_int_op(s.types[0], ==, EVDNS_TYPE_A);
}

static void
test_aaaa_record(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x42 };

	(void)env;
	memset(&r, 0, sizeof(r));
	tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv6("a.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	tt_int_op(r.type, ==, DNS_IPv6_AAAA);
	tt_int_op(r.count, ==, 1);
	tt_int_op(r.ttl, ==, 123);
	tt_mem_op(r.addrs, ==, v6, 16);
	tt_int_op(s.types[0], ==, EVDNS_TYPE_AAAA);
}

static void
test_ptr_record(struct regress_env *env)
{
	struct tsrv s;
	struct result r4, r6;
	struct in_addr in;
	struct in6_addr in6;

	(void)env;
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	tsrv_setup(&s, TS_NORMAL);
	/* Search domains never apply to reverse lookups. */
	evdns_search_add("b.test");
	inet_pton(AF_INET, "192.168.11.11", &in);
	inet_pton(AF_INET6, "2001:db8::42", &in6);
	tt_int_op(evdns_resolve_reverse(&in, 0, res_cb, &r4), ==, 0);
	tt_int_op(evdns_resolve_reverse_ipv6(&in6, 0, res_cb, &r6), ==, 0);
	pending = 2;
	run_until_done(3);
	tt_int_op(r4.err, ==, DNS_ERR_NONE);
	tt_int_op(r4.type, ==, DNS_PTR);
	tt_int_op(r4.count, ==, 1);
	tt_int_op(r4.ttl, ==, 54321);
	tt_str_op(r4.ptr, ==, "ptr.example");
	tt_int_op(r6.err, ==, DNS_ERR_NONE);
	tt_str_op(r6.ptr, ==, "v6ptr.example");
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "11.11.168.192.in-addr.arpa");
	tt_str_op(s.names[1], ==, "2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	tt_int_op(s.types[0], ==, EVDNS_TYPE_PTR);
}

static void
test_cname(struct regress_env *env)
{
	struct tsrv s;
	struct result r[6];
	int i;

	(void)env;
	memset(r, 0, sizeof(r));
	tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("alias.example", 0, res_cb, &r[0]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("alias2.example", 0, res_cb, &r[1]), ==,
	    0);
	tt_int_op(evdns_resolve_ipv4("chain.example", 0, res_cb, &r[2]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("loop.example", 0, res_cb, &r[3]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("wrongowner.example", 0, res_cb, &r[4]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("nodata.example", 0, res_cb, &r[5]), ==,
	    0);
	pending = 6;
	run_until_done(3);
	/* CNAME and its target in one reply. */
	expect_a(&r[0], "1.2.3.4");
	tt_int_op(r[0].ttl, ==, 12345);
	/* CNAME alone: the resolver asks for the target itself. */
	expect_a(&r[1], "5.6.7.8");
	tt_int_op(r[1].count, ==, 2);
	/* Two CNAME replies in a row. */
	expect_a(&r[2], "5.6.7.8");
	/* A CNAME loop ends, with an error. */
	tt_int_op(r[3].err, ==, DNS_ERR_UNKNOWN);
	/* Records for a name outside the chain are not used. */
	tt_int_op(r[4].err, ==, DNS_ERR_UNKNOWN);
	/* NOERROR with no answer (RFC 2308 NODATA). */
	tt_int_op(r[5].err, ==, DNS_ERR_UNKNOWN);
	for (i = 0; i < s.nq; i++)
		tt_str_op(s.names[i], !=, "evil.example");
}

static void
test_nxdomain(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("nosuch.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_NOTEXIST);
	/* One query, no retransmission: the answer came before any timeout
	 * (0.2 s) and ended the lookup. */
	tt_int_op(s.nq, ==, 1);
	tt_assert(r.when >= t0);
}

static void
test_servfail(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	tsrv_start(&s, TS_SERVFAIL);
	add_ns_port(s.port);
	set_fast_timeouts("2", "3");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	/* The only server failed: reported at once, not after a timeout. */
	tt_int_op(r.err, ==, DNS_ERR_SERVERFAILED);
	tt_assert(r.when - t0 < 1.0 * regress_slowdown());
	tt_int_op(s.nq, ==, 1);
}

static void
failover(int mode)
{
	struct tsrv bad, good;
	struct result r[4];
	double t0 = regress_now();
	int i;

	memset(r, 0, sizeof(r));
	tsrv_start(&bad, mode);
	tsrv_start(&good, TS_NORMAL);
	add_ns_port(bad.port);
	add_ns_port(good.port);
	set_fast_timeouts("2", "3");
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 4;
	run_until_done(3);
	for (i = 0; i < 4; i++)
		expect_a(&r[i], "1.2.3.4");
	/* Some went to the bad server first and moved on without waiting. */
	tt_assert(bad.nq >= 1);
	tt_int_op(good.nq, ==, 4);
	tt_assert(regress_now() - t0 < 1.0 * regress_slowdown());
}

static void
test_servfail_failover(struct regress_env *env)
{
	(void)env;
	failover(TS_SERVFAIL);
}

static void
test_refused_failover(struct regress_env *env)
{
	(void)env;
	failover(TS_REFUSED);
}

static void
test_search_order(struct regress_env *env)
{
	struct tsrv s;
	struct result r1, r2, r3;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	memset(&r3, 0, sizeof(r3));
	tsrv_setup(&s, TS_NORMAL);
	/* evdns_search_add prepends: "second" is tried first. */
	evdns_search_add("first.test");
	evdns_search_add("..second.test");
	tt_int_op(evdns_resolve_ipv4("h", 0, res_cb, &r1), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r1.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 3);
	tt_str_op(s.names[0], ==, "h.second.test");
	tt_str_op(s.names[1], ==, "h.first.test");
	tt_str_op(s.names[2], ==, "h");

	/* ndots 1: a name with a dot is tried bare first, never again. */
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("x.y", 0, res_cb, &r2), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r2.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 3);
	tt_str_op(s.names[0], ==, "x.y");
	tt_str_op(s.names[1], ==, "x.y.second.test");
	tt_str_op(s.names[2], ==, "x.y.first.test");

	/* ndots 2: now x.y is searched first.  NO_SEARCH and a trailing dot
	 * send only the name itself. */
	evdns_search_ndots_set(2);
	evdns_search_add("b.test");
	s.nq = 0;
	memset(&r2, 0, sizeof(r2));
	tt_int_op(evdns_resolve_ipv4("x.y", 0, res_cb, &r2), ==, 0);
	tt_int_op(evdns_resolve_ipv4("h", DNS_QUERY_NO_SEARCH, res_cb, &r3),
	    ==, 0);
	pending = 2;
	run_until_done(3);
	expect_a(&r2, "7.7.7.7");
	tt_int_op(r3.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "x.y.b.test");
	tt_str_op(s.names[1], ==, "h");
	s.nq = 0;
	memset(&r3, 0, sizeof(r3));
	tt_int_op(evdns_resolve_ipv4("h.", 0, res_cb, &r3), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");

	/* evdns_search_clear drops the list. */
	evdns_search_clear();
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, res_cb, &r3), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");
}

static void
test_search_timeout(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	double t0;

	(void)env;
	memset(&r, 0, sizeof(r));
	tsrv_start(&s, TS_NORMAL);
	add_ns_port(s.port);
	set_fast_timeouts("0.1", "2");
	evdns_search_add("b.test");
	evdns_search_add("drop.test");	/* tried first, never answered */
	t0 = regress_now();
	tt_int_op(evdns_resolve_ipv4("host", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	/* The timeout moved on to the next domain, which answered. */
	expect_a(&r, "7.7.7.7");
	tt_int_op(s.nq, ==, 3);
	tt_str_op(s.names[0], ==, "host.drop.test");
	tt_str_op(s.names[1], ==, "host.drop.test");
	tt_str_op(s.names[2], ==, "host.b.test");
	tt_assert(r.when - t0 >= 0.19);
	tt_assert(r.when - t0 < 1.5 * regress_slowdown());
}

static void
test_timeout_retries(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	double t0;

	(void)env;
	memset(&r, 0, sizeof(r));
	tsrv_start(&s, TS_DROP);
	add_ns_port(s.port);
	set_fast_timeouts("0.1", "3");
	t0 = regress_now();
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_TIMEOUT);
	tt_int_op(s.nq, ==, 3);		/* attempts: 3 transmissions */
	tt_assert(r.when - t0 >= 0.29);
	tt_assert(r.when - t0 < 1.5 * regress_slowdown());
}

/* A nameserver on ::1, given as "[::1]:port". */
static void
test_ipv6_nameserver(struct regress_env *env)
{
	struct sockaddr_in6 s6;
	socklen_t sl = sizeof(s6);
	struct tsrv s;
	struct result r;
	char buf[64];
	int fd;

	(void)env;
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		tt_skip("no IPv6 sockets on this host");
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0) {
		close(fd);
		tt_skip("cannot bind ::1 (no IPv6 loopback)");
	}
	tt_int_op(getsockname(fd, (struct sockaddr *)&s6, &sl), ==, 0);
	evutil_make_socket_nonblocking(fd);
	s.sp = evdns_add_server_port(fd, 0, tsrv_cb, &s);
	tt_assert(s.sp != NULL);
	snprintf(buf, sizeof(buf), "[::1]:%d", ntohs(s6.sin6_port));
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
	set_fast_timeouts("0.5", "2");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	expect_a(&r, "1.2.3.4");
	tt_int_op(s.nq, ==, 1);
}

/* A server that keeps timing out is marked down and then skipped. */
static void
test_server_down_skipped(struct regress_env *env)
{
	struct tsrv dead, live;
	struct result r[10];
	double t0;
	int i, dead_nq;

	(void)env;
	memset(r, 0, sizeof(r));
	tsrv_start(&dead, TS_DROP);
	tsrv_start(&live, TS_NORMAL);
	add_ns_port(dead.port);
	add_ns_port(live.port);
	set_fast_timeouts("0.1", "3");
	tt_int_op(evdns_set_option("max-timeouts:", "1", DNS_OPTIONS_ALL), ==,
	    0);
	/* Round-robin: half of these go to the dead server first, time
	 * out, and are answered by the live one. */
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 4;
	run_until_done(3);
	for (i = 0; i < 4; i++)
		expect_a(&r[i], "1.2.3.4");
	tt_int_op(dead.nq, ==, 2);
	/* Two timeouts > max-timeouts 1: down.  Now it is not asked. */
	dead_nq = dead.nq;
	t0 = regress_now();
	for (i = 4; i < 10; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 6;
	run_until_done(3);
	for (i = 4; i < 10; i++)
		expect_a(&r[i], "1.2.3.4");
	tt_int_op(dead.nq, ==, dead_nq);
	tt_assert(regress_now() >= t0);
}

/* Every nameserver unreachable: each lookup still ends, in bounded time. */
static void
test_all_down(struct regress_env *env)
{
	struct result r[8];
	double t0;
	int p1, p2, f1, f2, i;

	(void)env;
	memset(r, 0, sizeof(r));
	/* Two ports nobody listens on (ICMP port unreachable). */
	f1 = udp_bound(&p1);
	f2 = udp_bound(&p2);
	close(f1);
	close(f2);
	add_ns_port(p1);
	add_ns_port(p2);
	set_fast_timeouts("0.1", "2");
	tt_int_op(evdns_set_option("max-timeouts:", "1", DNS_OPTIONS_ALL), ==,
	    0);
	evdns_search_add("one.test");
	t0 = regress_now();
	for (i = 0; i < 8; i++)
		tt_int_op(evdns_resolve_ipv4("host", 0, res_cb, &r[i]), ==, 0);
	pending = 8;
	/* 2 candidates x 2 attempts x 0.1 s, plus slack. */
	run_until_done(3);
	for (i = 0; i < 8; i++) {
		tt_int_op(r[i].done, ==, 1);
		tt_int_op(r[i].err, ==, DNS_ERR_TIMEOUT);
	}
	tt_assert(regress_now() - t0 < 1.5 * regress_slowdown());
}

/* No nameserver configured at all: fail after timeout * attempts. */
static void
test_no_nameservers(struct regress_env *env)
{
	struct result r, r2, r3;
	struct tsrv s;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	memset(&r3, 0, sizeof(r3));
	set_fast_timeouts("0.1", "2");
	tt_int_op(evdns_count_nameservers(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_TIMEOUT);
	tt_assert(r.when - t0 >= 0.19);

	/* A server added in time gets the waiting lookup at once. */
	tsrv_start(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r2), ==, 0);
	add_ns_port(s.port);
	pending = 1;
	run_until_done(3);
	expect_a(&r2, "1.2.3.4");

	/* Suspended, then resumed with no server: the deadline applies. */
	tt_int_op(evdns_clear_nameservers_and_suspend(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r3), ==, 0);
	tt_int_op(evdns_resume(), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r3.err, ==, DNS_ERR_TIMEOUT);
}

static void
test_suspend_resume(struct regress_env *env)
{
	struct tsrv dead, live;
	struct result r1, r2;
	struct timeval tv = { 0, 300000 };

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	tsrv_start(&dead, TS_DROP);
	tsrv_start(&live, TS_NORMAL);
	add_ns_port(dead.port);
	set_fast_timeouts("0.1", "2");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r1), ==, 0);
	tt_int_op(evdns_clear_nameservers_and_suspend(), ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("two.example", 0, res_cb, &r2), ==, 0);
	/* Suspended lookups wait, without timing out, for resume. */
	event_loopexit(&tv);
	event_dispatch();
	tt_int_op(r1.done, ==, 0);
	tt_int_op(r2.done, ==, 0);
	add_ns_port(live.port);
	tt_int_op(r1.done, ==, 0);
	tt_int_op(evdns_resume(), ==, 0);
	pending = 2;
	run_until_done(3);
	expect_a(&r1, "1.2.3.4");
	expect_a(&r2, "5.6.7.8");
	/* In-flight lookups went back to the head of the queue. */
	tt_int_op(live.nq, ==, 2);
	tt_str_op(live.names[0], ==, "a.example");
	tt_str_op(live.names[1], ==, "two.example");
}

static int shutdown_calls;

static void
shutdown_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)type;
	(void)count;
	(void)ttl;
	(void)addrs;
	(void)arg;
	tt_int_op(err, ==, DNS_ERR_SHUTDOWN);
	shutdown_calls++;
}

static int log_warnings;

static void
log_cb(int warn, const char *msg)
{
	tt_assert(msg != NULL);
	if (warn)
		log_warnings++;
}

static void
test_shutdown(struct regress_env *env)
{
	struct tsrv s;
	int i;

	(void)env;
	tsrv_setup(&s, TS_DROP);
	tt_int_op(evdns_set_option("max-inflight:", "2", DNS_OPTIONS_ALL), ==,
	    0);
	evdns_set_log_fn(log_cb);
	for (i = 0; i < 5; i++)	/* 2 in flight, 3 waiting */
		tt_int_op(evdns_resolve_ipv4("a.example", 0, shutdown_cb,
		    NULL), ==, 0);
	tt_int_op(evdns_resolve_ipv4("", 0, shutdown_cb, NULL), ==, 1);
	tt_int_op(log_warnings, ==, 1);
	evdns_shutdown(1);
	tt_int_op(shutdown_calls, ==, 5);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	/* The log hook was reset too. */
	tt_int_op(evdns_resolve_ipv4("", 0, shutdown_cb, NULL), ==, 1);
	tt_int_op(log_warnings, ==, 1);
	/* (0): dropped silently. */
	add_ns_port(s.port);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, shutdown_cb, NULL), ==, 0);
	evdns_shutdown(0);
	tt_int_op(shutdown_calls, ==, 5);
	/* Nothing left that could fire. */
	{
		struct timeval tv = { 0, 100000 };
		event_loopexit(&tv);
		event_dispatch();
	}
	tt_int_op(shutdown_calls, ==, 5);
}

static void
test_max_inflight(struct regress_env *env)
{
	struct tsrv s;
	struct result r[10];
	int i;

	(void)env;
	memset(r, 0, sizeof(r));
	tsrv_start(&s, TS_HOLD);
	add_ns_port(s.port);
	set_fast_timeouts("2", "2");
	tt_int_op(evdns_set_option("max-inflight:", "3", DNS_OPTIONS_ALL), ==,
	    0);
	for (i = 0; i < 10; i++)
		tt_int_op(evdns_resolve_ipv4(i & 1 ? "a.example" :
		    "two.example", 0, res_cb, &r[i]), ==, 0);
	pending = 10;
	run_until_done(3);
	for (i = 0; i < 10; i++)
		tt_int_op(r[i].err, ==, DNS_ERR_NONE);
	tt_int_op(s.maxheld, ==, 3);
	tt_int_op(s.nq, ==, 10);
}

/* ------------------------------------------------------------------ */
/* Transaction ids and source ports, seen by a raw UDP sink            */

struct sink {
	int fd, port;
	struct event ev;
	int n;
	int ids[64];
	int sport[64];
};

static void
sink_cb(int fd, short what, void *arg)
{
	struct sink *k = arg;
	unsigned char buf[600];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t r;

	(void)what;
	while ((r = recvfrom(fd, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &fl)) >= 12) {
		if (k->n < 64) {
			k->ids[k->n] = (buf[0] << 8) | buf[1];
			k->sport[k->n] = ntohs(from.sin_port);
			k->n++;
		}
		fl = sizeof(from);
	}
}

static void
sink_start(struct sink *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = udp_bound(&k->port);
	evutil_make_socket_nonblocking(k->fd);
	event_set(&k->ev, k->fd, EV_READ | EV_PERSIST, sink_cb, k);
	event_add(&k->ev, NULL);
}

static ev_uint16_t
const_id(void)
{
	return 42;
}

static ev_uint16_t
ffff_id(void)
{
	return 0xffff;
}

static void
test_txid(struct regress_env *env)
{
	struct sink k;
	struct result r[4];
	int i, j;

	(void)env;
	memset(r, 0, sizeof(r));
	sink_start(&k);
	add_ns_port(k.port);
	set_fast_timeouts("0.1", "3");
	/* Retransmissions reuse the id. */
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[0]), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r[0].err, ==, DNS_ERR_TIMEOUT);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.ids[0], ==, k.ids[1]);
	tt_int_op(k.ids[1], ==, k.ids[2]);

	/* A user id function; a duplicate in flight is never used. */
	k.n = 0;
	evdns_set_transaction_id_fn(const_id);
	set_fast_timeouts("0.1", "1");
	for (i = 0; i < 3; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 3;
	run_until_done(3);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.ids[0], ==, 42);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			tt_int_op(k.ids[i], !=, k.ids[j]);
	/* 0xffff is never sent. */
	k.n = 0;
	evdns_set_transaction_id_fn(ffff_id);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[0]), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(k.n, ==, 1);
	tt_int_op(k.ids[0], !=, 0xffff);
	/* Default ids: random, so eight in a row are not all alike. */
	evdns_set_transaction_id_fn(NULL);
	k.n = 0;
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 4;
	run_until_done(3);
	tt_int_op(k.n, ==, 4);
	tt_assert(!(k.ids[0] + 1 == k.ids[1] && k.ids[1] + 1 == k.ids[2]));
	tt_assert(k.ids[0] != k.ids[1] || k.ids[1] != k.ids[2]);
}

static void
test_source_port(struct regress_env *env)
{
	struct sink k;
	struct result r;
	int ports[6], i, distinct = 0, j;

	(void)env;
	sink_start(&k);
	for (i = 0; i < 6; i++) {
		memset(&r, 0, sizeof(r));
		add_ns_port(k.port);
		set_fast_timeouts("0.05", "1");
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r), ==,
		    0);
		pending = 1;
		run_until_done(3);
		tt_int_op(k.n, ==, i + 1);
		ports[i] = k.sport[i];
		/* A fresh socket, and so a fresh port, per nameserver. */
		evdns_shutdown(0);
	}
	for (i = 0; i < 6; i++) {
		for (j = 0; j < i; j++)
			if (ports[j] == ports[i])
				break;
		if (j == i)
			distinct++;
	}
	tt_assert(distinct >= 5);
	/* Not simply consecutive ephemeral ports. */
	tt_assert(!(ports[1] == ports[0] + 1 && ports[2] == ports[1] + 1));
}

/* Distinct values among the first n of v. */
static int
count_distinct(const int *v, int n)
{
	int i, j, distinct = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (v[j] == v[i])
				break;
		if (j == i)
			distinct++;
	}
	return distinct;
}

/* Open fds of this process. */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	tt_assert(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/*
 * Issue 12, finding 4: every query leaves from a fresh random source
 * port (RFC 5452 9.2), not one port per nameserver for the whole process;
 * its retransmissions keep it; the sockets are bounded by max-inflight.
 */
static void
test_source_port_per_query(struct regress_env *env)
{
	struct sink k;
	struct tsrv s;
	struct result r[16];
	int i, fds0, most = 0;

	(void)env;
	tsrv_setup(&s, TS_NORMAL);
	for (i = 0; i < 24; i++) {
		memset(r, 0, sizeof(r[0]));
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[0]),
		    ==, 0);
		pending = 1;
		run_until_done(3);
		expect_a(&r[0], "1.2.3.4");
	}
	tt_int_op(s.nq, ==, 24);
	/* 24 random ports out of 64512 collide with odds below 1%. */
	tt_int_op(count_distinct(s.srcport, 24), >=, 22);
	evdns_shutdown(0);

	/* Retransmissions of one query: one port. */
	sink_start(&k);
	add_ns_port(k.port);
	set_fast_timeouts("0.05", "3");
	memset(r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[0]), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.sport[0], ==, k.sport[1]);
	tt_int_op(k.sport[1], ==, k.sport[2]);

	/* Eight lookups, four in flight: four ports at a time at most. */
	k.n = 0;
	set_fast_timeouts("0.1", "1");
	tt_int_op(evdns_set_option("max-inflight:", "4", DNS_OPTIONS_ALL), ==,
	    0);
	fds0 = count_fds();
	for (i = 0; i < 8; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r[i]),
		    ==, 0);
	pending = 8;
	while (pending > 0) {
		int n = count_fds() - fds0;
		if (n > most)
			most = n;
		tt_int_op(event_loop(EVLOOP_ONCE), !=, -1);
	}
	tt_int_op(k.n, ==, 8);
	tt_int_op(most, <=, 4);
	tt_int_op(count_distinct(k.sport, 8), >=, 7);
	/* All closed again when the lookups end. */
	tt_int_op(count_fds(), ==, fds0);
	event_del(&k.ev);
	close(k.fd);
}

/* ------------------------------------------------------------------ */
/* Hostile replies from a forked raw server                            */

static pid_t raw_pid = -1;

static size_t
put_rr_a(unsigned char *p, const unsigned char *owner, size_t olen,
    int type, const unsigned char *rd, int rdlen)
{
	size_t n = 0;

	memcpy(p, owner, olen);
	n = olen;
	p[n++] = (unsigned char)(type >> 8);
	p[n++] = (unsigned char)type;
	p[n++] = 0;
	p[n++] = 1;		/* IN */
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 60;		/* TTL */
	p[n++] = (unsigned char)(rdlen >> 8);
	p[n++] = (unsigned char)rdlen;
	memcpy(p + n, rd, (size_t)(rdlen > 4 ? 4 : rdlen));
	return n + (size_t)(rdlen > 4 ? 4 : rdlen);
}

/*
 * Build the reply for query q (qlen bytes) according to its first label.
 * Returns the number of datagrams written into out[] (each up to 600
 * bytes, lengths in lens[]).
 */
static int
raw_build(const unsigned char *q, size_t qlen, unsigned char out[][600],
    size_t *lens, int tcp)
{
	static const unsigned char good[4] = { 9, 9, 9, 9 };
	static const unsigned char bad[4] = { 6, 6, 6, 6 };
	static const unsigned char tcpaddr[4] = { 10, 0, 0, 1 };
	static const unsigned char ptr0c[2] = { 0xc0, 0x0c };
	char kind[64];
	unsigned char *p;
	size_t n, Q = qlen;
	int nd = 1, an = 1, flags = 0x8180;
	unsigned int l;

	l = q[12];
	if (l >= sizeof(kind) || 13 + l > qlen)
		return 0;
	memcpy(kind, q + 13, l);
	kind[l] = '\0';
	p = out[0];
	memcpy(p, q, qlen);
	n = qlen;
	if (tcp) {
		n += put_rr_a(p + n, ptr0c, 2, 1,
		    strcmp(kind, "tc") == 0 ? tcpaddr : bad, 4);
	} else if (!strcmp(kind, "good")) {
		n += put_rr_a(p + n, ptr0c, 2, 1, good, 4);
	} else if (!strcmp(kind, "pastend")) {
		/* Owner label claims 63 bytes; two follow. */
		p[n++] = 63;
		p[n++] = 'a';
		p[n++] = 'b';
	} else if (!strcmp(kind, "ptrloop")) {
		/* A pointer to itself. */
		p[n++] = (unsigned char)(0xc0 | (Q >> 8));
		p[n++] = (unsigned char)Q;
		n += put_rr_a(p + n, (const unsigned char *)"", 0, 1, good, 4);
	} else if (!strcmp(kind, "ptrloop2")) {
		/* label, then a pointer back to that label. */
		p[n++] = 1;
		p[n++] = 'x';
		p[n++] = (unsigned char)(0xc0 | (Q >> 8));
		p[n++] = (unsigned char)Q;
		n += put_rr_a(p + n, (const unsigned char *)"", 0, 1, good, 4);
	} else if (!strcmp(kind, "fwdptr")) {
		/* A pointer to bytes after itself. */
		p[n++] = (unsigned char)(0xc0 | ((Q + 2) >> 8));
		p[n++] = (unsigned char)(Q + 2);
		p[n++] = 1;
		p[n++] = 'x';
		p[n++] = 0;
		n += put_rr_a(p + n, (const unsigned char *)"", 0, 1, good, 4);
	} else if (!strcmp(kind, "longname")) {
		int i;
		for (i = 0; i < 5; i++) {
			p[n++] = 63;
			memset(p + n, 'z', 63);
			n += 63;
		}
		p[n++] = 0;
		n += put_rr_a(p + n, (const unsigned char *)"", 0, 1, good, 4);
	} else if (!strcmp(kind, "liecount")) {
		n += put_rr_a(p + n, ptr0c, 2, 1, good, 4);
		an = 3;
	} else if (!strcmp(kind, "hugecount")) {
		n += put_rr_a(p + n, ptr0c, 2, 1, good, 4);
		an = 65535;
	} else if (!strcmp(kind, "rdlen")) {
		n += put_rr_a(p + n, ptr0c, 2, 1, good, 300);
	} else if (!strcmp(kind, "shorta")) {
		n += put_rr_a(p + n, ptr0c, 2, 1, good, 3);
	} else if (!strcmp(kind, "badcname")) {
		/* CNAME whose target points forward out of the RDATA. */
		unsigned char rd[2] = { 0xc0, 0x0c };
		rd[0] = (unsigned char)(0xc0 | ((Q + 40) >> 8));
		rd[1] = (unsigned char)(Q + 40);
		n += put_rr_a(p + n, ptr0c, 2, 5, rd, 2);
	} else if (!strcmp(kind, "cname64")) {
		/* CNAME target with a 64-byte label (0x40: reserved type). */
		unsigned char rd[67];
		rd[0] = 64;
		memset(rd + 1, 'c', 64);
		rd[65] = 0;
		p[n++] = 0xc0;
		p[n++] = 0x0c;
		p[n++] = 0;
		p[n++] = 5;
		p[n++] = 0;
		p[n++] = 1;
		memset(p + n, 0, 3);
		n += 3;
		p[n++] = 60;
		p[n++] = 0;
		p[n++] = 66;
		memcpy(p + n, rd, 66);
		n += 66;
	} else if (!strcmp(kind, "qtrunc")) {
		/* The echoed question itself runs off the end. */
		n = 12 + 3;
		p[12] = 40;
		an = 0;
	} else if (!strcmp(kind, "mismatch")) {
		/* Wrong id, wrong name, wrong type, then the right reply. */
		unsigned char *w;
		nd = 4;
		w = out[0];
		memcpy(w, q, qlen);
		w[0] ^= 0x55;
		lens[0] = qlen + put_rr_a(w + qlen, ptr0c, 2, 1, bad, 4);
		w = out[1];
		memcpy(w, q, qlen);
		w[13] = 'n';	/* "mismatch" -> "nismatch" */
		lens[1] = qlen + put_rr_a(w + qlen, ptr0c, 2, 1, bad, 4);
		w = out[2];
		memcpy(w, q, qlen);
		w[qlen - 3] = 28;	/* QTYPE AAAA */
		lens[2] = qlen + put_rr_a(w + qlen, ptr0c, 2, 1, bad, 4);
		w = out[3];
		memcpy(w, q, qlen);
		lens[3] = qlen + put_rr_a(w + qlen, ptr0c, 2, 1, good, 4);
		for (l = 0; l < 4; l++) {
			out[l][2] = 0x81;
			out[l][3] = 0x80;
			out[l][6] = 0;
			out[l][7] = 1;
		}
		return nd;
	} else if (!strcmp(kind, "tc") || !strcmp(kind, "tcbad")) {
		flags |= 0x0200;
		an = 0;
	} else {
		flags = 0x8183;	/* NXDOMAIN */
		an = 0;
	}
	p[2] = (unsigned char)(flags >> 8);
	p[3] = (unsigned char)flags;
	p[6] = (unsigned char)(an >> 8);
	p[7] = (unsigned char)an;
	lens[0] = n;
	return nd;
}

static ssize_t
read_full(int fd, unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void
raw_child(int ufd, int tfd)
{
	for (;;) {
		struct pollfd pf[2];
		unsigned char q[600], out[4][600];
		size_t lens[4];
		int i, nd;

		pf[0].fd = ufd;
		pf[0].events = POLLIN;
		pf[1].fd = tfd;
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0)
			continue;
		if (pf[0].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(ufd, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &fl);
			if (r < 12 + 5)
				continue;
			nd = raw_build(q, (size_t)r, out, lens, 0);
			for (i = 0; i < nd; i++)
				sendto(ufd, out[i], lens[i], 0,
				    (struct sockaddr *)&from, fl);
		}
		if (pf[1].revents & POLLIN) {
			int c = accept(tfd, NULL, NULL);
			unsigned char lb[2];
			size_t ql;

			if (c < 0)
				continue;
			if (read_full(c, lb, 2) < 0) {
				close(c);
				continue;
			}
			ql = (size_t)((lb[0] << 8) | lb[1]);
			if (ql < 17 || ql > sizeof(q) ||
			    read_full(c, q, ql) < 0) {
				close(c);
				continue;
			}
			if (q[12] == 5 && memcmp(q + 13, "tcbad", 5) == 0) {
				close(c);
				continue;
			}
			nd = raw_build(q, ql, out, lens, 1);
			if (nd == 1) {
				unsigned char hdr[2];
				hdr[0] = (unsigned char)(lens[0] >> 8);
				hdr[1] = (unsigned char)lens[0];
				(void)!write(c, hdr, 2);
				(void)!write(c, out[0], lens[0]);
			}
			close(c);
		}
	}
}

/* Fork the raw server; UDP and TCP on the same loopback port. */
static int
raw_start(void)
{
	int ufd = -1, tfd = -1, port = 0, tries, one = 1;

	for (tries = 0; tries < 20; tries++) {
		struct sockaddr_in sin;

		ufd = udp_bound(&port);
		tfd = socket(AF_INET, SOCK_STREAM, 0);
		tt_assert(tfd >= 0);
		setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)port);
		if (bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    listen(tfd, 16) == 0)
			break;
		close(ufd);
		close(tfd);
		ufd = tfd = -1;
	}
	tt_assert(ufd >= 0);
	raw_pid = fork();
	tt_assert(raw_pid >= 0);
	if (raw_pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
		alarm(60);
		raw_child(ufd, tfd);
		_exit(0);
	}
	close(ufd);
	close(tfd);
	return port;
}

static void
raw_stop(void)
{
	if (raw_pid > 0) {
		kill(raw_pid, SIGKILL);
		waitpid(raw_pid, NULL, 0);
		raw_pid = -1;
	}
}

static void
test_bad_replies(struct regress_env *env)
{
	static const struct {
		const char *kind;
		int err;
	} cases[] = {
		{ "good", DNS_ERR_NONE },
		{ "pastend", DNS_ERR_TRUNCATED },
		{ "ptrloop", DNS_ERR_TRUNCATED },
		{ "ptrloop2", DNS_ERR_TRUNCATED },
		{ "fwdptr", DNS_ERR_TRUNCATED },
		{ "longname", DNS_ERR_TRUNCATED },
		{ "liecount", DNS_ERR_TRUNCATED },
		{ "hugecount", DNS_ERR_TRUNCATED },
		{ "rdlen", DNS_ERR_TRUNCATED },
		{ "shorta", DNS_ERR_UNKNOWN },
		{ "badcname", DNS_ERR_TRUNCATED },
		{ "cname64", DNS_ERR_TRUNCATED },
		{ "qtrunc", DNS_ERR_TIMEOUT },	/* ignored: not our answer */
		{ "mismatch", DNS_ERR_NONE },	/* only the last one counts */
		{ "tc", DNS_ERR_NONE },		/* via TCP */
		{ "tcbad", DNS_ERR_TRUNCATED },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct result r[N];
	char name[64];
	int port, i;

	(void)env;
	memset(r, 0, sizeof(r));
	port = raw_start();
	add_ns_port(port);
	set_fast_timeouts("0.3", "1");
	for (i = 0; i < (int)N; i++) {
		snprintf(name, sizeof(name), "%s.bad.test", cases[i].kind);
		tt_int_op(evdns_resolve_ipv4(name, 0, res_cb, &r[i]), ==, 0);
	}
	pending = N;
	run_until_done(5);
	raw_stop();
	for (i = 0; i < (int)N; i++) {
		if (r[i].err != cases[i].err)
			regress_fail(__FILE__, __LINE__, "%s: got %d, want %d",
			    cases[i].kind, r[i].err, cases[i].err);
		tt_int_op(r[i].done, ==, 1);
	}
	tt_mem_op(r[0].addrs, ==, "\x09\x09\x09\x09", 4);
	tt_mem_op(r[13].addrs, ==, "\x09\x09\x09\x09", 4);
	tt_int_op(r[13].count, ==, 1);
	tt_mem_op(r[14].addrs, ==, "\x0a\x00\x00\x01", 4);
}

/*
 * Replies with the right id and question but a randomly damaged answer
 * section: every lookup still ends exactly once, and nothing reads out of
 * bounds (this case is meant to run under ASan/valgrind too).
 */
struct fuzzsrv {
	int fd;
	struct event ev;
	unsigned int seed;
	int replies;
};

static void
fuzz_cb(int fd, short what, void *arg)
{
	static const unsigned char base[] = {
		0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 9, 0, 4, 1, 'x', 0xc0, 0x0c,
		1, 'x', 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 5, 6, 7, 8,
		0xc0, 0x1c, 0, 28, 0, 1, 0, 0, 0, 9, 0, 16, 1, 2, 3, 4,
		5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	};
	struct fuzzsrv *f = arg;
	unsigned char q[600];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	(void)what;
	while ((n = recvfrom(fd, q, 300, 0, (struct sockaddr *)&from,
	    &fl)) > 12) {
		size_t len = (size_t)n, i, flips;

		memcpy(q + n, base, sizeof(base));
		len += sizeof(base);
		q[2] = 0x81;
		q[3] = 0x80;
		q[6] = 0;
		q[7] = (unsigned char)(rand_r(&f->seed) % 8);
		flips = (size_t)(rand_r(&f->seed) % 6);
		for (i = 0; i < flips; i++) {
			size_t at = (size_t)n +
			    (size_t)rand_r(&f->seed) % sizeof(base);
			q[at] = (unsigned char)(rand_r(&f->seed) % 3 == 0 ?
			    0xc0 | (rand_r(&f->seed) % 2) : rand_r(&f->seed));
		}
		len -= (size_t)rand_r(&f->seed) % (sizeof(base) + 1);
		sendto(fd, q, len, 0, (struct sockaddr *)&from, fl);
		f->replies++;
		fl = sizeof(from);
	}
}

static void
test_reply_fuzz(struct regress_env *env)
{
	enum { N = 400 };
	static struct result r[N];
	struct fuzzsrv f;
	int port, i, ok = 0;

	(void)env;
	memset(r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.seed = 42;
	f.fd = udp_bound(&port);
	evutil_make_socket_nonblocking(f.fd);
	event_set(&f.ev, f.fd, EV_READ | EV_PERSIST, fuzz_cb, &f);
	event_add(&f.ev, NULL);
	add_ns_port(port);
	set_fast_timeouts("0.5", "1");
	tt_int_op(evdns_set_option("max-inflight:", "1000", DNS_OPTIONS_ALL),
	    ==, 0);
	for (i = 0; i < N; i++)
		tt_int_op(evdns_resolve_ipv4("f.test", 0, res_cb, &r[i]), ==,
		    0);
	pending = N;
	run_until_done(5);
	for (i = 0; i < N; i++) {
		tt_int_op(r[i].done, ==, 1);
		if (r[i].err == DNS_ERR_NONE) {
			ok++;
			tt_assert(r[i].count >= 1 && r[i].count <= 32);
		}
	}
	/* Some replies survive intact, most are refused. */
	tt_assert(ok > 0);
	tt_assert(ok < N);
	tt_assert(f.replies > N / 2);
}

/* A reply from an address other than the nameserver's is ignored. */
static void
test_foreign_source(struct regress_env *env)
{
	static const unsigned char rr[16] = { 0xc0, 0x0c, 0, 1, 0, 1,
	    0, 0, 0, 60, 0, 4, 6, 6, 6, 6 };
	unsigned char buf[600];
	struct sockaddr_in from;
	socklen_t fl;
	struct result r1, r2;
	int fd, port, other, oport, i;
	ssize_t n;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	fd = udp_bound(&port);
	evutil_make_socket_nonblocking(fd);
	other = udp_bound(&oport);
	add_ns_port(port);
	set_fast_timeouts("0.3", "1");
	for (i = 0; i < 2; i++) {
		tt_int_op(evdns_resolve_ipv4("good.bad.test", 0, res_cb,
		    i == 0 ? &r1 : &r2), ==, 0);
		/* The query was sent from inside evdns_resolve_ipv4. */
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf) - 16, 0,
		    (struct sockaddr *)&from, &fl);
		tt_assert(n > 12);
		buf[2] = 0x81;
		buf[3] = 0x80;
		buf[7] = 1;
		memcpy(buf + n, rr, 16);
		/* First from another port, then from the server's own. */
		tt_int_op(sendto(i == 0 ? other : fd, buf, (size_t)n + 16, 0,
		    (struct sockaddr *)&from, fl), ==, n + 16);
		pending = 1;
		run_until_done(3);
	}
	tt_int_op(r1.err, ==, DNS_ERR_TIMEOUT);
	expect_a(&r2, "6.6.6.6");
	close(other);
}

/* ------------------------------------------------------------------ */
/* Server port on the wire                                             */

/* Send query bytes to port from a fresh socket; return the reply. */
static ssize_t
raw_query_wait(int port, const unsigned char *q, size_t qlen,
    unsigned char *out, size_t outcap, double wait)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to;
	double t0 = regress_now();
	ssize_t r = -1;

	tt_assert(fd >= 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((unsigned short)port);
	tt_int_op(sendto(fd, q, qlen, 0, (struct sockaddr *)&to, sizeof(to)),
	    ==, (ssize_t)qlen);
	evutil_make_socket_nonblocking(fd);
	/* Let the loop run the server until the reply shows up. */
	while (regress_now() - t0 < wait * regress_slowdown()) {
		event_loop(EVLOOP_NONBLOCK);
		r = recv(fd, out, outcap, 0);
		if (r >= 0)
			break;
		usleep(1000);
	}
	close(fd);
	return r;
}

/* Expecting a reply: wait up to 2 s.  Expecting none: 0.2 s. */
#define raw_query(p, q, ql, o, oc) raw_query_wait(p, q, ql, o, oc, 2.0)
#define no_reply(p, q, ql, o, oc) raw_query_wait(p, q, ql, o, oc, 0.2)

static size_t
make_query(unsigned char *q, int id, int flags, const char *name, int type)
{
	int n;

	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = (unsigned char)(flags >> 8);
	q[3] = (unsigned char)flags;
	memset(q + 4, 0, 8);
	q[5] = 1;
	n = evdns_name_encode_(q + 12, 256, name);
	tt_assert(n > 0);
	q[12 + n] = 0;
	q[13 + n] = (unsigned char)type;
	q[14 + n] = 0;
	q[15 + n] = 1;
	return 12 + (size_t)n + 4;
}

static void
test_server_truncate(struct regress_env *env)
{
	struct tsrv s;
	unsigned char q[300], a[70000];
	ssize_t n;
	size_t off, ql;
	char name[EVDNS_NAME_MAX + 1];
	int an, i;
	struct result r;

	(void)env;
	tsrv_start(&s, TS_NORMAL);
	ql = make_query(q, 0x1234, 0x0100, "big.example", 1);
	n = raw_query(s.port, q, ql, a, sizeof(a));
	tt_assert(n > 12);
	tt_assert(n <= 512);
	tt_int_op(a[0], ==, 0x12);
	tt_int_op(a[1], ==, 0x34);
	/* QR | RD | RA | TC, RCODE 0 */
	tt_int_op((a[2] << 8) | a[3], ==, 0x8000 | 0x0200 | 0x0100 | 0x0080);
	an = (a[6] << 8) | a[7];
	tt_assert(an > 10 && an < 40);
	/* The counts tell the truth: every RR parses, none is left over. */
	off = 12;
	tt_int_op(evdns_name_parse_(a, (size_t)n, &off, name), ==, 0);
	tt_str_op(name, ==, "big.example");
	off += 4;
	for (i = 0; i < an; i++) {
		tt_int_op(evdns_name_parse_(a, (size_t)n, &off, name), ==, 0);
		tt_str_op(name, ==, "big.example");
		tt_assert(off + 14 <= (size_t)n);
		tt_int_op(a[off + 9], ==, 4);
		off += 14;
	}
	tt_int_op(off, ==, (size_t)n);

	/* The resolver sees TC, tries TCP (nobody listens): an error. */
	memset(&r, 0, sizeof(r));
	add_ns_port(s.port);
	set_fast_timeouts("0.5", "1");
	tt_int_op(evdns_resolve_ipv4("big.example", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_TRUNCATED);
}

static void
compress_cb(struct evdns_server_request *req, void *arg)
{
	unsigned char a[4] = { 1, 1, 1, 1 };
	char label[64];
	char longname[300];
	int *what = arg, i;

	if (*what == 0) {
		tt_int_op(evdns_server_request_add_a_reply(req,
		    "www.example.com", 1, a, 1), ==, 0);
		tt_int_op(evdns_server_request_add_cname_reply(req,
		    "ftp.example.com", "www.example.com", 2), ==, 0);
		tt_int_op(evdns_server_request_add_reply(req,
		    EVDNS_ADDITIONAL_SECTION, "example.com", EVDNS_TYPE_TXT,
		    EVDNS_CLASS_INET, 3, 3, 0, "\002hi"), ==, 0);
		tt_int_op(evdns_server_request_respond(req, 0), ==, 0);
	} else {
		/* Bad names are refused, never written. */
		memset(label, 'x', 63);
		label[63] = '\0';
		snprintf(longname, sizeof(longname), "%sx.com", label);
		tt_int_op(evdns_server_request_add_a_reply(req, longname, 1, a,
		    1), ==, -1);
		memset(longname, 0, sizeof(longname));
		for (i = 0; i < 4; i++)
			strcat(strcat(longname, label), ".");
		tt_int_op(evdns_server_request_add_a_reply(req, longname, 1, a,
		    1), ==, -1);
		tt_int_op(evdns_server_request_add_cname_reply(req, "a.com",
		    "b..com", 1), ==, -1);
		/* A 64-character CNAME label. */
		snprintf(longname, sizeof(longname), "%sx.a.com", label);
		tt_int_op(evdns_server_request_add_cname_reply(req, "a.com",
		    longname, 1), ==, -1);
		tt_int_op(evdns_server_request_add_reply(req, 3, "a.com", 1, 1,
		    1, 4, 0, "abcd"), ==, -1);
		tt_int_op(evdns_server_request_add_ptr_reply(req, NULL, NULL,
		    "h.com", 1), ==, -1);
		tt_int_op(evdns_server_request_respond(req, 3), ==, 0);
	}
}

static void
test_server_compression(struct regress_env *env)
{
	unsigned char q[300], a[600];
	ssize_t n;
	size_t ql;
	int fd, port, what = 0;
	struct evdns_server_port *sp;
	static const unsigned char expect_tail[] = {
		/* answer 1: www.example.com A, owner = the question */
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 1, 1, 1,
		/* answer 2: ftp.<example.com> CNAME <www.example.com> */
		3, 'f', 't', 'p', 0xc0, 0x10, 0, 5, 0, 1, 0, 0, 0, 2,
		0, 2, 0xc0, 0x0c,
		/* additional: <example.com> TXT */
		0xc0, 0x10, 0, 16, 0, 1, 0, 0, 0, 3, 0, 3, 2, 'h', 'i',
	};

	(void)env;
	fd = udp_bound(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, compress_cb, &what);
	tt_assert(sp != NULL);
	ql = make_query(q, 7, 0x0110, "www.example.com", 1);
	n = raw_query(port, q, ql, a, sizeof(a));
	tt_int_op(n, ==, (ssize_t)(ql + sizeof(expect_tail)));
	/* QR | RD | CD echoed; no AA/RA unless the callback adds them. */
	tt_int_op((a[2] << 8) | a[3], ==, 0x8110);
	tt_int_op(a[5], ==, 1);
	tt_int_op(a[7], ==, 2);
	tt_int_op(a[9], ==, 0);
	tt_int_op(a[11], ==, 1);
	tt_mem_op(a + 12, ==, q + 12, ql - 12);
	tt_mem_op(a + ql, ==, expect_tail, sizeof(expect_tail));

	what = 1;
	n = raw_query(port, q, ql, a, sizeof(a));
	tt_int_op(n, ==, (ssize_t)ql);
	tt_int_op(a[3] & 0x0f, ==, 3);
	tt_int_op(a[7], ==, 0);
	evdns_close_server_port(sp);
}

static void
never_cb(struct evdns_server_request *req, void *arg)
{
	(void)arg;
	evdns_server_request_drop(req);
	regress_fail(__FILE__, __LINE__, "callback called for a bad query");
}

static void
test_server_bad_queries(struct regress_env *env)
{
	unsigned char q[300], a[600];
	ssize_t n;
	size_t ql;
	int fd, port;
	struct evdns_server_port *sp;

	(void)env;
	fd = udp_bound(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, never_cb, NULL);
	tt_assert(sp != NULL);
	tt_assert(evdns_add_server_port(fd, 1, never_cb, NULL) == NULL);
	/* Opcode 2 (STATUS): NOTIMPL without asking the callback. */
	ql = make_query(q, 9, 0x1100, "x.com", 1);
	n = raw_query(port, q, ql, a, sizeof(a));
	tt_int_op(n, ==, 12);
	tt_int_op(a[1], ==, 9);
	tt_int_op(a[2] & 0x80, ==, 0x80);
	tt_int_op(a[3] & 0x0f, ==, DNS_ERR_NOTIMPL);
	/* Malformed questions are dropped: a label past the end, a pointer
	 * loop, a lying count.  Each gets no reply at all. */
	ql = make_query(q, 10, 0x0100, "x.com", 1);
	q[12] = 60;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	ql = make_query(q, 11, 0x0100, "x.com", 1);
	q[12] = 0xc0;
	q[13] = 12;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	ql = make_query(q, 12, 0x0100, "x.com", 1);
	q[5] = 200;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	/* A reply (QR set) is never answered. */
	ql = make_query(q, 13, 0x8100, "x.com", 1);
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	evdns_close_server_port(sp);
}

static struct evdns_server_request *kept;

static void
keep_cb(struct evdns_server_request *req, void *arg)
{
	(void)arg;
	kept = req;
}

/* The port closes its socket only after the last request is done. */
static void
test_server_close(struct regress_env *env)
{
	unsigned char q[300], a[600];
	size_t ql;
	int fd, port;
	struct evdns_server_port *sp;
	struct sockaddr_in sin;
	struct sockaddr_storage ss;

	(void)env;
	fd = udp_bound(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, keep_cb, NULL);
	ql = make_query(q, 5, 0x0100, "k.com", 1);
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	tt_assert(kept != NULL);
	tt_int_op(evdns_server_request_get_requesting_addr(kept,
	    (struct sockaddr *)&sin, 4), ==, -1);
	tt_int_op(evdns_server_request_get_requesting_addr(kept,
	    (struct sockaddr *)&ss, sizeof(ss)), ==, sizeof(sin));
	tt_int_op(((struct sockaddr_in *)&ss)->sin_addr.s_addr, ==,
	    htonl(INADDR_LOOPBACK));
	evdns_close_server_port(sp);
	/* Still open for the request in hand. */
	tt_int_op(fcntl(fd, F_GETFD), >=, 0);
	tt_int_op(evdns_server_request_drop(kept), ==, 0);
	tt_int_op(fcntl(fd, F_GETFD), ==, -1);
}

/* ------------------------------------------------------------------ */
/* Names, parsing units                                                */

static void
test_bad_names(struct regress_env *env)
{
	struct tsrv s;
	char longname[400], label[70];
	struct result r;

	(void)env;
	tsrv_setup(&s, TS_NORMAL);
	evdns_search_add("b.test");	/* CVE-2016-10197: "" with search */
	tt_int_op(evdns_resolve_ipv4("", 0, res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(".", 0, res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv6("", 0, res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(NULL, 0, res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4("a..b", 0, res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(".a", 0, res_cb, NULL), ==, 1);
	memset(label, 'q', 64);
	label[64] = '\0';
	tt_int_op(evdns_resolve_ipv4(label, 0, res_cb, NULL), ==, 1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tt_int_op(evdns_resolve_ipv4(longname, 0, res_cb, NULL), ==, 1);
	/* 253 characters: valid bare, too long with the domain appended,
	 * so only the bare name is asked. */
	{
		int i;
		char *p = longname;
		for (i = 0; i < 4; i++) {
			memset(p, 'a', 62);
			p += 62;
			*p++ = '.';
		}
		memset(p, 'b', 1);
		p[1] = '\0';
		tt_int_op(strlen(longname), ==, 253);
	}
	memset(&r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4(longname, 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, longname);
}

static void
test_name_parse(struct regress_env *env)
{
	char out[EVDNS_NAME_MAX + 1];
	unsigned char p[600];
	size_t off;
	int i, j;

	(void)env;
	/* "a.bc" at 12, then "x" + pointer to 12 at 17 */
	memset(p, 0, sizeof(p));
	memcpy(p + 12, "\001a\002bc\000", 6);
	memcpy(p + 18, "\001x\300\014", 4);
	off = 12;
	tt_int_op(evdns_name_parse_(p, 22, &off, out), ==, 0);
	tt_str_op(out, ==, "a.bc");
	tt_int_op(off, ==, 18);
	off = 18;
	tt_int_op(evdns_name_parse_(p, 22, &off, out), ==, 0);
	tt_str_op(out, ==, "x.a.bc");
	tt_int_op(off, ==, 22);
	/* Truncated in every possible place. */
	for (i = 18; i < 22; i++) {
		off = 18;
		tt_int_op(evdns_name_parse_(p, (size_t)i, &off, out), ==, -1);
		tt_int_op(off, ==, 18);
	}
	/* Pointer to itself, and forward. */
	memcpy(p + 30, "\300\036", 2);
	off = 30;
	tt_int_op(evdns_name_parse_(p, 32, &off, out), ==, -1);
	memcpy(p + 30, "\300\040\001z\000", 5);
	off = 30;
	tt_int_op(evdns_name_parse_(p, 35, &off, out), ==, -1);
	/* Reserved label types 0x40, 0x80. */
	p[40] = 0x41;
	off = 40;
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	p[40] = 0x81;
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	/* Dots and NULs inside labels. */
	memcpy(p + 40, "\003a.b\000", 5);
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	memcpy(p + 40, "\003a\000b\000", 5);
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	/* 255 wire bytes is fine, 256 is not. */
	off = 0;
	for (j = 0; j < 4; j++) {
		p[off] = (unsigned char)(j < 3 ? 63 : 61);
		memset(p + off + 1, 'k', p[off]);
		off += 1 + p[off];
	}
	p[off] = 0;
	tt_int_op(off + 1, ==, 255);
	off = 0;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, 0);
	tt_int_op(strlen(out), ==, 253);
	p[192] = 62;
	memset(p + 193, 'k', 62);
	p[255] = 0;
	off = 0;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, -1);
	/* A long chain of backward pointers still ends, and 256 bytes
	 * through pointers is refused. */
	for (j = 0; j < 100; j++) {
		p[2 * j] = 0xc0;
		p[2 * j + 1] = (unsigned char)(j == 0 ? 0 : 2 * (j - 1));
	}
	off = 198;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, -1);
	/* Random garbage never crashes or overreads (run under ASan). */
	srand(1234);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 64) + 1;
		unsigned char *b = malloc(len);
		for (j = 0; j < (int)len; j++)
			b[j] = (unsigned char)(rand() % 4 == 0 ? 0xc0 :
			    rand() % 8 == 0 ? rand() % 64 : rand());
		off = (size_t)rand() % len;
		if (evdns_name_parse_(b, len, &off, out) == 0) {
			tt_assert(off <= len);
			tt_assert(strlen(out) <= 253);
		}
		free(b);
	}
}

static void
test_name_encode(struct regress_env *env)
{
	unsigned char b[300];
	char label[70], name[300];

	(void)env;
	tt_int_op(evdns_name_encode_(b, sizeof(b), "www.example.com"), ==, 17);
	tt_mem_op(b, ==, "\003www\007example\003com\000", 17);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a."), ==, 3);
	tt_int_op(evdns_name_encode_(b, sizeof(b), ""), ==, 1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a..b"), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a.."), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), ".a"), ==, -1);
	tt_int_op(evdns_name_encode_(b, 5, "www.example.com"), ==, -1);
	memset(label, 'x', 64);
	label[63] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), label), ==, 65);
	label[63] = 'x';
	label[64] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), label), ==, -1);
	memset(name, 'a', 254);
	name[254] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, -1);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void
test_set_option(struct regress_env *env)
{
	(void)env;
	tt_int_op(evdns_set_option("ndots", "3", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("ndots:", "x", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("ndots:", "2", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "1.5", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "abc", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("attempts:", "1000", DNS_OPTIONS_ALL), ==,
	    0);
	tt_int_op(evdns_set_option("attempts:", "2x", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("max-timeouts:", "0", DNS_OPTIONS_ALL), ==,
	    0);
	tt_int_op(evdns_set_option("max-inflight:", "99999", DNS_OPTIONS_ALL),
	    ==, 0);
	tt_int_op(evdns_set_option("bogus:", "1", DNS_OPTIONS_ALL), ==, 0);
	/* Out of scope: accepted and ignored. */
	tt_int_op(evdns_set_option("timeout:", "7", DNS_OPTION_SEARCH), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "", DNS_OPTIONS_ALL), ==, -1);
}

static void
test_err_strings(struct regress_env *env)
{
	(void)env;
	tt_str_op(evdns_err_to_string(DNS_ERR_NONE), ==, "no error");
	tt_str_op(evdns_err_to_string(DNS_ERR_NOTEXIST), ==,
	    "name does not exist");
	tt_str_op(evdns_err_to_string(DNS_ERR_TIMEOUT), ==,
	    "request timed out");
	tt_str_op(evdns_err_to_string(DNS_ERR_SHUTDOWN), ==,
	    "dns subsystem shut down");
	tt_str_op(evdns_err_to_string(12345), ==, "[Unknown error code]");
	tt_str_op(evdns_err_to_string(-1), ==, "[Unknown error code]");
	tt_int_op(DNS_ERR_TRUNCATED, ==, 65);
	tt_int_op(DNS_IPv6_AAAA, ==, 3);
	tt_int_op(DNS_OPTIONS_ALL, ==, 7);
	tt_int_op(EVDNS_QTYPE_ALL, ==, 255);
}

static void
test_ip_add_forms(struct regress_env *env)
{
	(void)env;
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1"), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1"), ==, 3);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5353"), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5353"), ==, 3);
	tt_int_op(evdns_nameserver_add(htonl(0x7f000002)), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.2:53"), ==, 3);
	tt_int_op(evdns_nameserver_ip_add("127.3"), ==, 0);	/* inet_aton */
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:0"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:65536"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5x"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("not-an-ip"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add(""), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("[::1"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("[zz]:53"), ==, 4);
	tt_int_op(evdns_count_nameservers(), ==, 4);
	/* IPv6 forms, where the host has IPv6 loopback. */
	{
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd >= 0) {
			close(fd);
			tt_int_op(evdns_nameserver_ip_add("[::1]:5353"), ==, 0);
			tt_int_op(evdns_nameserver_ip_add("::1"), ==, 0);
			tt_int_op(evdns_nameserver_ip_add("[::1]:53"), ==, 3);
			tt_int_op(evdns_count_nameservers(), ==, 6);
		}
	}
	/* The CVE-2016-10196 shape: a huge bracket. */
	{
		char *big = malloc(100000);
		memset(big, '1', 99999);
		big[0] = '[';
		big[99990] = ']';
		big[99991] = ':';
		big[99999] = '\0';
		tt_int_op(evdns_nameserver_ip_add(big), ==, 4);
		free(big);
	}
}

static char conf_path[64];

static void
write_conf(const char *text, size_t len)
{
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/regress_dns_XXXXXX");
	fd = mkstemp(conf_path);
	tt_assert(fd >= 0);
	tt_int_op(write(fd, text, len), ==, (ssize_t)len);
	close(fd);
}

static void
test_resolv_conf(struct regress_env *env)
{
	struct tsrv s;
	struct result r;
	char text[1024];
	int ret;

	(void)env;
	tsrv_start(&s, TS_NORMAL);
	snprintf(text, sizeof(text),
	    "# a comment\n"
	    "; another\n"
	    "\n"
	    "nameserver 127.0.0.1:%d\n"
	    "nameserver\n"
	    "nameserver bogus!\n"
	    "garbage line here\n"
	    "domain ignored.test\n"
	    "search  a.test\tb.test   \n"
	    "options ndots:2 timeout:0.3 attempts:2 bogus:1 debug rotate\n"
	    "options ndots:xx\n"
	    "sortlist 1.2.3.4\n"
	    "nameserver 127.0.0.1:%d",	/* duplicate, no final newline */
	    s.port, s.port);
	write_conf(text, strlen(text));
	ret = evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path);
	unlink(conf_path);
	tt_int_op(ret, ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	/* search keeps file order; ndots:2 puts the domains first. */
	memset(&r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("x.y", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "x.y.a.test");
	tt_str_op(s.names[1], ==, "x.y.b.test");

	/* domain replaces the list; an empty search clears it. */
	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\ndomain only.test\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "h.only.test");
	tt_str_op(s.names[1], ==, "h");

	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\nsearch\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, res_cb, &r), ==, 0);
	tt_int_op(evdns_resolve_ipv4("", 0, res_cb, &r), ==, 1);
	pending = 1;
	run_until_done(3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");

	/* Scope flags: only nameservers. */
	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTION_NAMESERVERS, conf_path),
	    ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, res_cb, &r), ==, 0);
	pending = 1;
	run_until_done(3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");
}

static void
test_resolv_conf_errors(struct regress_env *env)
{
	char *big;
	static const char nul[] = "search a\0b.test\nnameserver 127.0.0.3\n";

	(void)env;
	/* No nameserver lines: 127.0.0.1 is added, 6 returned. */
	write_conf("search a.test\noptions ndots:1\n", 30);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 6);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* Missing file: 1, with 127.0.0.1 added. */
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL,
	    "/nonexistent/resolv.conf"), ==, 1);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* Too big: 3. */
	big = malloc(70000);
	memset(big, '#', 70000);
	write_conf(big, 70000);
	free(big);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 3);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	/* An embedded NUL ends its line; the next line still counts. */
	write_conf(nul, sizeof(nul) - 1);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* A long line of garbage and an over-long search domain. */
	big = malloc(60000);
	memset(big, 'a', 60000);
	memcpy(big, "search ", 7);
	big[59999] = '\n';
	write_conf(big, 60000);
	free(big);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 6);
	unlink(conf_path);
	/* A directory cannot be read. */
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, "/"), ==, 5);
}

/*
 * evdns_init() reads /etc/resolv.conf.  The case gives it a file of its
 * own instead (regress_redirect_open), so whatever the host has there
 * does not matter: first three nameservers, then no file at all.
 */
static void
test_init(struct regress_env *env)
{
	static const char conf[] = "nameserver 127.0.0.1:5301\n"
	    "nameserver 127.0.0.1:5302\nnameserver 127.0.0.1:5303\n";
	char dir[64], path[128];
	FILE *f;

	(void)env;
	regress_tmpdir(dir, sizeof(dir), "dns-init");
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	tt_assert((f = fopen(path, "w")) != NULL);
	tt_int_op(fputs(conf, f), >=, 0);
	tt_int_op(fclose(f), ==, 0);
	if (regress_redirect_open("/etc/resolv.conf", path) == -1)
		tt_skip("cannot stand in for open() here");
	tt_int_op(evdns_init(), ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 3);
	evdns_shutdown(0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	/* No file: 1, and 127.0.0.1 is the one nameserver, as in 1.4. */
	tt_int_op(unlink(path), ==, 0);
	tt_int_op(evdns_init(), ==, 1);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	regress_redirect_open(NULL, NULL);
	regress_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* Against dnsmasq, compared with dig                                  */

static pid_t dm_pid = -1;

static int
have_prog(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Lines of dig +short output, without trailing dots, sorted-insensitive. */
static int
dig_lines(int port, const char *args, char out[][64], int max)
{
	char cmd[256], line[256];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "dig @127.0.0.1 -p %d +short +time=2 "
	    "+tries=1 %s 2>/dev/null", port, args);
	f = popen(cmd, "r");
	tt_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		size_t l = strcspn(line, "\r\n");
		line[l] = '\0';
		if (l > 0 && line[l - 1] == '.')
			line[l - 1] = '\0';
		if (line[0] == ';' || line[0] == '\0')
			continue;
		snprintf(out[n++], 64, "%.63s", line);
	}
	pclose(f);
	return n;
}

static int
in_list(char list[][64], int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* 1 if a DNS server answers on 127.0.0.1:port within 100 ms. */
static int
udp_ping(int port)
{
	unsigned char q[300], a[600];
	struct sockaddr_in to;
	struct pollfd pf;
	size_t ql;
	int fd, ok = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	tt_assert(fd >= 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((unsigned short)port);
	ql = make_query(q, 0x4242, 0x0100, "alpha.test", 1);
	if (sendto(fd, q, ql, 0, (struct sockaddr *)&to, sizeof(to)) ==
	    (ssize_t)ql) {
		pf.fd = fd;
		pf.events = POLLIN;
		if (poll(&pf, 1, 100) == 1 && recv(fd, a, sizeof(a), 0) > 12)
			ok = 1;
		else
			usleep(20000);
	}
	close(fd);
	return ok;
}

static void
dm_stop(void)
{
	if (dm_pid > 0) {
		kill(dm_pid, SIGTERM);
		waitpid(dm_pid, NULL, 0);
		dm_pid = -1;
	}
}

static void
test_dnsmasq(struct regress_env *env)
{
	static const char *dnsmasq = "/usr/sbin/dnsmasq";
	char hosts[64], arg_hosts[128], arg_port[32];
	char want[8][64];
	struct result r[6];
	int port, fd, i, n, ready = 0, tries;
	const char *dig = NULL;
	char buf[64];
	struct in_addr in;
	struct in6_addr in6;

	(void)env;
	if (!have_prog(dnsmasq))
		tt_skip("dnsmasq not installed (/usr/sbin/dnsmasq)");
	if (have_prog("/usr/bin/dig"))
		dig = "/usr/bin/dig";
	if (dig == NULL)
		tt_skip("dig (dnsutils) not installed");

	snprintf(hosts, sizeof(hosts), "/tmp/regress_dnsmasq_XXXXXX");
	fd = mkstemp(hosts);
	tt_assert(fd >= 0);
	{
		static const char h[] =
		    "10.1.2.3 alpha.test\n"
		    "10.1.2.5 alpha.test\n"
		    "10.1.2.4 beta.test\n"
		    "2001:db8::5 gamma.test\n";
		tt_int_op(write(fd, h, sizeof(h) - 1), ==,
		    (ssize_t)sizeof(h) - 1);
		close(fd);
	}
	snprintf(arg_hosts, sizeof(arg_hosts), "--addn-hosts=%s", hosts);
	/* A port can be taken (for TCP) between our probe and dnsmasq's
	 * bind: then dnsmasq exits and we try another one. */
	for (tries = 0; tries < 4 && !ready; tries++) {
		double t0;

		fd = udp_bound(&port);
		close(fd);
		snprintf(arg_port, sizeof(arg_port), "--port=%d", port);
		dm_pid = fork();
		tt_assert(dm_pid >= 0);
		if (dm_pid == 0) {
			int devnull = open("/dev/null", O_RDWR);
#ifdef __linux__
			prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
			dup2(devnull, 1);
			dup2(devnull, 2);
			/* As root, dnsmasq would switch to "nobody"; stay. */
			execl(dnsmasq, "dnsmasq", "--no-resolv", "--no-hosts",
			    arg_hosts, "--keep-in-foreground", "--pid-file=",
			    arg_port, "--listen-address=127.0.0.1",
			    "--bind-interfaces", "--local=/test/",
			    "--log-facility=/dev/null",
			    getuid() == 0 ? "--user=root" : "--local-ttl=0",
			    (char *)NULL);
			_exit(127);
		}
		/* Wait (bounded) until it answers a query of ours. */
		t0 = regress_now();
		while (!ready && regress_now() - t0 < 3 * regress_slowdown()) {
			if (waitpid(dm_pid, NULL, WNOHANG) == dm_pid) {
				dm_pid = -1;
				break;
			}
			ready = udp_ping(port);
		}
		if (!ready)
			dm_stop();
	}
	if (!ready) {
		unlink(hosts);
		tt_fail("dnsmasq did not start answering (4 tries, 3 s each)");
	}
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
	set_fast_timeouts("1", "2");
	memset(r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("alpha.test", 0, res_cb, &r[0]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("beta.test", 0, res_cb, &r[1]), ==, 0);
	tt_int_op(evdns_resolve_ipv6("gamma.test", 0, res_cb, &r[2]), ==, 0);
	inet_pton(AF_INET, "10.1.2.4", &in);
	tt_int_op(evdns_resolve_reverse(&in, 0, res_cb, &r[3]), ==, 0);
	inet_pton(AF_INET6, "2001:db8::5", &in6);
	tt_int_op(evdns_resolve_reverse_ipv6(&in6, 0, res_cb, &r[4]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("nosuch.test", 0, res_cb, &r[5]), ==, 0);
	pending = 6;
	run_until_done(5);

	/* Forward: the same address set as dig. */
	n = dig_lines(port, "alpha.test A", want, 8);
	tt_int_op(r[0].err, ==, DNS_ERR_NONE);
	tt_int_op(r[0].count, ==, n);
	for (i = 0; i < r[0].count; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, r[0].addrs + 4 * i, a, sizeof(a));
		tt_assert(in_list(want, n, a));
	}
	n = dig_lines(port, "beta.test A", want, 8);
	tt_int_op(n, ==, 1);
	{
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, r[1].addrs, a, sizeof(a));
		tt_str_op(a, ==, want[0]);
	}
	n = dig_lines(port, "gamma.test AAAA", want, 8);
	tt_int_op(r[2].err, ==, DNS_ERR_NONE);
	tt_int_op(r[2].count, ==, n);
	{
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, r[2].addrs, a, sizeof(a));
		tt_str_op(a, ==, want[0]);
	}
	/* Reverse. */
	n = dig_lines(port, "-x 10.1.2.4", want, 8);
	tt_int_op(n, >=, 1);
	tt_int_op(r[3].err, ==, DNS_ERR_NONE);
	tt_assert(in_list(want, n, r[3].ptr));
	n = dig_lines(port, "-x 2001:db8::5", want, 8);
	tt_int_op(n, >=, 1);
	tt_int_op(r[4].err, ==, DNS_ERR_NONE);
	tt_assert(in_list(want, n, r[4].ptr));
	/* A name dnsmasq does not know: NXDOMAIN, as dig reports. */
	n = dig_lines(port, "nosuch.test A", want, 8);
	tt_int_op(n, ==, 0);
	tt_int_op(r[5].err, ==, DNS_ERR_NOTEXIST);
	dm_stop();
	unlink(hosts);
}

struct regress_case regress_dns_cases[] = {
	{ "dns/a_record", test_a_record, RT_BASE, NULL },
	{ "dns/aaaa_record", test_aaaa_record, RT_BASE, NULL },
	{ "dns/ptr_record", test_ptr_record, RT_BASE, NULL },
	{ "dns/cname", test_cname, RT_BASE, NULL },
	{ "dns/nxdomain", test_nxdomain, RT_BASE, NULL },
	{ "dns/servfail", test_servfail, RT_BASE, NULL },
	{ "dns/servfail_failover", test_servfail_failover, RT_BASE, NULL },
	{ "dns/refused_failover", test_refused_failover, RT_BASE, NULL },
	{ "dns/search_order", test_search_order, RT_BASE, NULL },
	{ "dns/search_timeout", test_search_timeout, RT_BASE, NULL },
	{ "dns/timeout_retries", test_timeout_retries, RT_BASE, NULL },
	{ "dns/ipv6_nameserver", test_ipv6_nameserver, RT_BASE, NULL },
	{ "dns/server_down_skipped", test_server_down_skipped, RT_BASE, NULL },
	{ "dns/all_down", test_all_down, RT_BASE, NULL },
	{ "dns/no_nameservers", test_no_nameservers, RT_BASE, NULL },
	{ "dns/suspend_resume", test_suspend_resume, RT_BASE, NULL },
	{ "dns/shutdown", test_shutdown, RT_BASE, NULL },
	{ "dns/max_inflight", test_max_inflight, RT_BASE, NULL },
	{ "dns/txid", test_txid, RT_BASE, NULL },
	{ "dns/source_port_per_query", test_source_port_per_query, RT_BASE,
	    NULL },
	{ "dns/source_port", test_source_port, RT_BASE, NULL },
	{ "dns/bad_replies", test_bad_replies, RT_BASE, NULL },
	{ "dns/reply_fuzz", test_reply_fuzz, RT_BASE, NULL },
	{ "dns/foreign_source", test_foreign_source, RT_BASE, NULL },
	{ "dns/server_truncate", test_server_truncate, RT_BASE, NULL },
	{ "dns/server_compression", test_server_compression, RT_BASE, NULL },
	{ "dns/server_bad_queries", test_server_bad_queries, RT_BASE, NULL },
	{ "dns/server_close", test_server_close, RT_BASE, NULL },
	{ "dns/bad_names", test_bad_names, RT_BASE, NULL },
	{ "dns/name_parse", test_name_parse, RT_ONCE, NULL },
	{ "dns/name_encode", test_name_encode, RT_ONCE, NULL },
	{ "dns/set_option", test_set_option, RT_ONCE, NULL },
	{ "dns/err_strings", test_err_strings, RT_ONCE, NULL },
	{ "dns/ip_add_forms", test_ip_add_forms, RT_BASE | RT_ONCE, NULL },
	{ "dns/resolv_conf", test_resolv_conf, RT_BASE, NULL },
	{ "dns/resolv_conf_errors", test_resolv_conf_errors,
	    RT_BASE | RT_ONCE, NULL },
	{ "dns/init", test_init, RT_BASE | RT_ONCE, NULL },
	{ "dns/dnsmasq", test_dnsmasq, RT_BASE, NULL },
	RT_END
};
