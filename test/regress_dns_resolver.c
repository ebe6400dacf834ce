/*
 * regress_dns_resolver.c -- the resolver against the fake nameserver of
 * regress_dns.h: A, AAAA and PTR records, CNAME chains, errors, search
 * domains, timeouts and retransmissions, failover and servers marked
 * down, suspend/resume, shutdown, max-inflight, transaction ids and
 * source ports, bad names.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Resolver against our server                                         */

static void
test_a_record(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r1, r2;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	dns_tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r1), ==, 0);
	tt_int_op(evdns_resolve_ipv4("two.example", 0, dns_res_cb, &r2), ==, 0);
	/* Callbacks never run from inside evdns_resolve_*. */
	tt_int_op(r1.done, ==, 0);
	dns_wait(2, 3);
	dns_expect_a(&r1, "1.2.3.4");
	tt_int_op(r1.count, ==, 1);
	tt_int_op(r1.ttl, ==, 12345);
	dns_expect_a(&r2, "5.6.7.8");
	tt_int_op(r2.count, ==, 2);
	tt_mem_op(r2.addrs + 4, ==, "\x09\x09\x09\x09", 4);
	tt_int_op(r2.ttl, ==, 200);	/* the smallest TTL */
	tt_int_op(s.nq, ==, 2);
	tt_int_op(s.types[0], ==, EVDNS_TYPE_A);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_aaaa_record(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x42 };

	(void)env;
	memset(&r, 0, sizeof(r));
	dns_tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv6("a.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	tt_int_op(r.type, ==, DNS_IPv6_AAAA);
	tt_int_op(r.count, ==, 1);
	tt_int_op(r.ttl, ==, 123);
	tt_mem_op(r.addrs, ==, v6, 16);
	tt_int_op(s.types[0], ==, EVDNS_TYPE_AAAA);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_ptr_record(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r4, r6;
	struct in_addr in;
	struct in6_addr in6;

	(void)env;
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	dns_tsrv_setup(&s, TS_NORMAL);
	/* Search domains never apply to reverse lookups. */
	evdns_search_add("b.test");
	inet_pton(AF_INET, "192.168.11.11", &in);
	inet_pton(AF_INET6, "2001:db8::42", &in6);
	tt_int_op(evdns_resolve_reverse(&in, 0, dns_res_cb, &r4), ==, 0);
	tt_int_op(evdns_resolve_reverse_ipv6(&in6, 0, dns_res_cb, &r6), ==, 0);
	dns_wait(2, 3);
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
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_cname(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r[6];
	int i;

	(void)env;
	memset(r, 0, sizeof(r));
	dns_tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("alias.example", 0, dns_res_cb, &r[0]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("alias2.example", 0, dns_res_cb, &r[1]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("chain.example", 0, dns_res_cb, &r[2]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("loop.example", 0, dns_res_cb, &r[3]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("wrongowner.example", 0, dns_res_cb,
	    &r[4]), ==, 0);
	tt_int_op(evdns_resolve_ipv4("nodata.example", 0, dns_res_cb, &r[5]),
	    ==, 0);
	dns_wait(6, 3);
	/* CNAME and its target in one reply. */
	dns_expect_a(&r[0], "1.2.3.4");
	tt_int_op(r[0].ttl, ==, 12345);
	/* CNAME alone: the resolver asks for the target itself. */
	dns_expect_a(&r[1], "5.6.7.8");
	tt_int_op(r[1].count, ==, 2);
	/* Two CNAME replies in a row. */
	dns_expect_a(&r[2], "5.6.7.8");
	/* A CNAME loop ends, with an error. */
	tt_int_op(r[3].err, ==, DNS_ERR_UNKNOWN);
	/* Records for a name outside the chain are not used. */
	tt_int_op(r[4].err, ==, DNS_ERR_UNKNOWN);
	/* NOERROR with no answer (RFC 2308 NODATA). */
	tt_int_op(r[5].err, ==, DNS_ERR_UNKNOWN);
	for (i = 0; i < s.nq; i++)
		tt_str_op(s.names[i], !=, "evil.example");
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_nxdomain(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	dns_tsrv_setup(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("nosuch.example", 0, dns_res_cb, &r),
	    ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NOTEXIST);
	/* One query, no retransmission: the answer came before any timeout
	 * (0.2 s) and ended the lookup. */
	tt_int_op(s.nq, ==, 1);
	tt_assert(r.when >= t0);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_servfail(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	dns_tsrv_start(&s, TS_SERVFAIL);
	dns_add_ns_port(s.port);
	dns_set_timeouts("2", "3");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	/* The only server failed: reported at once, not after a timeout. */
	tt_int_op(r.err, ==, DNS_ERR_SERVERFAILED);
	tt_assert(r.when - t0 < 1.0 * regress_slowdown());
	tt_int_op(s.nq, ==, 1);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
failover(int mode)
{
	struct dns_tsrv bad, good;
	struct dns_result r[4];
	double t0 = regress_now();
	int i;

	memset(r, 0, sizeof(r));
	dns_tsrv_start(&bad, mode);
	dns_tsrv_start(&good, TS_NORMAL);
	dns_add_ns_port(bad.port);
	dns_add_ns_port(good.port);
	dns_set_timeouts("2", "3");
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(4, 3);
	for (i = 0; i < 4; i++)
		dns_expect_a(&r[i], "1.2.3.4");
	/* Some went to the bad server first and moved on without waiting. */
	tt_assert(bad.nq >= 1);
	tt_int_op(good.nq, ==, 4);
	tt_assert(regress_now() - t0 < 1.0 * regress_slowdown());
	dns_tsrv_stop(&bad);
	dns_tsrv_stop(&good);
	evdns_shutdown(0);
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
	struct dns_tsrv s;
	struct dns_result r1, r2, r3;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	memset(&r3, 0, sizeof(r3));
	dns_tsrv_setup(&s, TS_NORMAL);
	/* evdns_search_add prepends: "second" is tried first. */
	evdns_search_add("first.test");
	evdns_search_add("..second.test");
	tt_int_op(evdns_resolve_ipv4("h", 0, dns_res_cb, &r1), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r1.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 3);
	tt_str_op(s.names[0], ==, "h.second.test");
	tt_str_op(s.names[1], ==, "h.first.test");
	tt_str_op(s.names[2], ==, "h");

	/* ndots 1: a name with a dot is tried bare first, never again. */
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("x.y", 0, dns_res_cb, &r2), ==, 0);
	dns_wait(1, 3);
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
	tt_int_op(evdns_resolve_ipv4("x.y", 0, dns_res_cb, &r2), ==, 0);
	tt_int_op(evdns_resolve_ipv4("h", DNS_QUERY_NO_SEARCH, dns_res_cb, &r3),
	    ==, 0);
	dns_wait(2, 3);
	dns_expect_a(&r2, "7.7.7.7");
	tt_int_op(r3.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "x.y.b.test");
	tt_str_op(s.names[1], ==, "h");
	s.nq = 0;
	memset(&r3, 0, sizeof(r3));
	tt_int_op(evdns_resolve_ipv4("h.", 0, dns_res_cb, &r3), ==, 0);
	dns_wait(1, 3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");

	/* evdns_search_clear drops the list. */
	evdns_search_clear();
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, dns_res_cb, &r3), ==, 0);
	dns_wait(1, 3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_search_timeout(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	double t0;

	(void)env;
	memset(&r, 0, sizeof(r));
	dns_tsrv_start(&s, TS_NORMAL);
	dns_add_ns_port(s.port);
	dns_set_timeouts("0.1", "2");
	evdns_search_add("b.test");
	evdns_search_add("drop.test");	/* tried first, never answered */
	t0 = regress_now();
	tt_int_op(evdns_resolve_ipv4("host", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	/* The timeout moved on to the next domain, which answered. */
	dns_expect_a(&r, "7.7.7.7");
	tt_int_op(s.nq, ==, 3);
	tt_str_op(s.names[0], ==, "host.drop.test");
	tt_str_op(s.names[1], ==, "host.drop.test");
	tt_str_op(s.names[2], ==, "host.b.test");
	tt_assert(r.when - t0 >= 0.19);
	tt_assert(r.when - t0 < 1.5 * regress_slowdown());
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_timeout_retries(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	double t0;

	(void)env;
	memset(&r, 0, sizeof(r));
	dns_tsrv_start(&s, TS_DROP);
	dns_add_ns_port(s.port);
	dns_set_timeouts("0.1", "3");
	t0 = regress_now();
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_TIMEOUT);
	tt_int_op(s.nq, ==, 3);		/* attempts: 3 transmissions */
	tt_assert(r.when - t0 >= 0.29);
	tt_assert(r.when - t0 < 1.5 * regress_slowdown());
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

/* A nameserver on ::1, given as "[::1]:port". */
static void
test_ipv6_nameserver(struct regress_env *env)
{
	struct sockaddr_storage ss;
	socklen_t sl = regress_loopback_addr(AF_INET6, 0, &ss);
	struct dns_tsrv s;
	struct dns_result r;
	char buf[64];
	int fd;

	(void)env;
	memset(&r, 0, sizeof(r));
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		tt_skip("no IPv6 sockets on this host");
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		tt_skip("cannot bind ::1 (no IPv6 loopback)");
	}
	sl = sizeof(ss);
	tt_int_op(getsockname(fd, (struct sockaddr *)&ss, &sl), ==, 0);
	dns_tsrv_attach(&s, fd, TS_NORMAL);
	snprintf(buf, sizeof(buf), "[::1]:%d",
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
	dns_set_timeouts("0.5", "2");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	dns_expect_a(&r, "1.2.3.4");
	tt_int_op(s.nq, ==, 1);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

/* A server that keeps timing out is marked down and then skipped. */
static void
test_server_down_skipped(struct regress_env *env)
{
	struct dns_tsrv dead, live;
	struct dns_result r[10];
	double t0;
	int i, dead_nq;

	(void)env;
	memset(r, 0, sizeof(r));
	dns_tsrv_start(&dead, TS_DROP);
	dns_tsrv_start(&live, TS_NORMAL);
	dns_add_ns_port(dead.port);
	dns_add_ns_port(live.port);
	dns_set_timeouts("0.1", "3");
	tt_int_op(evdns_set_option("max-timeouts:", "1", DNS_OPTIONS_ALL), ==,
	    0);
	/* Round-robin: half of these go to the dead server first, time
	 * out, and are answered by the live one. */
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(4, 3);
	for (i = 0; i < 4; i++)
		dns_expect_a(&r[i], "1.2.3.4");
	tt_int_op(dead.nq, ==, 2);
	/* Two timeouts > max-timeouts 1: down.  Now it is not asked. */
	dead_nq = dead.nq;
	t0 = regress_now();
	for (i = 4; i < 10; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(6, 3);
	for (i = 4; i < 10; i++)
		dns_expect_a(&r[i], "1.2.3.4");
	tt_int_op(dead.nq, ==, dead_nq);
	tt_assert(regress_now() >= t0);
	dns_tsrv_stop(&dead);
	dns_tsrv_stop(&live);
	evdns_shutdown(0);
}

/* Every nameserver unreachable: each lookup still ends, in bounded time. */
static void
test_all_down(struct regress_env *env)
{
	struct dns_result r[8];
	double t0;
	int i;

	(void)env;
	memset(r, 0, sizeof(r));
	/* Two ports nobody listens on (ICMP port unreachable). */
	dns_add_ns_port(regress_unused_port(AF_INET, SOCK_DGRAM));
	dns_add_ns_port(regress_unused_port(AF_INET, SOCK_DGRAM));
	dns_set_timeouts("0.1", "2");
	tt_int_op(evdns_set_option("max-timeouts:", "1", DNS_OPTIONS_ALL), ==,
	    0);
	evdns_search_add("one.test");
	t0 = regress_now();
	for (i = 0; i < 8; i++)
		tt_int_op(evdns_resolve_ipv4("host", 0, dns_res_cb, &r[i]),
		    ==, 0);
	/* 2 candidates x 2 attempts x 0.1 s, plus slack. */
	dns_wait(8, 3);
	for (i = 0; i < 8; i++) {
		tt_int_op(r[i].done, ==, 1);
		tt_int_op(r[i].err, ==, DNS_ERR_TIMEOUT);
	}
	tt_assert(regress_now() - t0 < 1.5 * regress_slowdown());
	evdns_shutdown(0);
}

/* No nameserver configured at all: fail after timeout * attempts. */
static void
test_no_nameservers(struct regress_env *env)
{
	struct dns_result r, r2, r3;
	struct dns_tsrv s;
	double t0 = regress_now();

	(void)env;
	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	memset(&r3, 0, sizeof(r3));
	dns_set_timeouts("0.1", "2");
	tt_int_op(evdns_count_nameservers(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_TIMEOUT);
	tt_assert(r.when - t0 >= 0.19);

	/* A server added in time gets the waiting lookup at once. */
	dns_tsrv_start(&s, TS_NORMAL);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r2), ==, 0);
	dns_add_ns_port(s.port);
	dns_wait(1, 3);
	dns_expect_a(&r2, "1.2.3.4");

	/* Suspended, then resumed with no server: the deadline applies. */
	tt_int_op(evdns_clear_nameservers_and_suspend(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r3), ==, 0);
	tt_int_op(evdns_resume(), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r3.err, ==, DNS_ERR_TIMEOUT);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_suspend_resume(struct regress_env *env)
{
	struct dns_tsrv dead, live;
	struct dns_result r1, r2;
	struct timeval tv = { 0, 300000 };

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	dns_tsrv_start(&dead, TS_DROP);
	dns_tsrv_start(&live, TS_NORMAL);
	dns_add_ns_port(dead.port);
	dns_set_timeouts("0.1", "2");
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r1), ==, 0);
	tt_int_op(evdns_clear_nameservers_and_suspend(), ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	tt_int_op(evdns_resolve_ipv4("two.example", 0, dns_res_cb, &r2), ==, 0);
	/* Suspended lookups wait, without timing out, for resume. */
	event_loopexit(&tv);
	event_dispatch();
	tt_int_op(r1.done, ==, 0);
	tt_int_op(r2.done, ==, 0);
	dns_add_ns_port(live.port);
	tt_int_op(r1.done, ==, 0);
	tt_int_op(evdns_resume(), ==, 0);
	dns_wait(2, 3);
	dns_expect_a(&r1, "1.2.3.4");
	dns_expect_a(&r2, "5.6.7.8");
	/* In-flight lookups went back to the head of the queue. */
	tt_int_op(live.nq, ==, 2);
	tt_str_op(live.names[0], ==, "a.example");
	tt_str_op(live.names[1], ==, "two.example");
	dns_tsrv_stop(&dead);
	dns_tsrv_stop(&live);
	evdns_shutdown(0);
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
	struct dns_tsrv s;
	int i;

	(void)env;
	dns_tsrv_setup(&s, TS_DROP);
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
	dns_add_ns_port(s.port);
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
	dns_tsrv_stop(&s);
}

static void
test_max_inflight(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r[10];
	int i;

	(void)env;
	memset(r, 0, sizeof(r));
	dns_tsrv_start(&s, TS_HOLD);
	dns_add_ns_port(s.port);
	dns_set_timeouts("2", "2");
	tt_int_op(evdns_set_option("max-inflight:", "3", DNS_OPTIONS_ALL), ==,
	    0);
	for (i = 0; i < 10; i++)
		tt_int_op(evdns_resolve_ipv4(i & 1 ? "a.example" :
		    "two.example", 0, dns_res_cb, &r[i]), ==, 0);
	dns_wait(10, 3);
	for (i = 0; i < 10; i++)
		tt_int_op(r[i].err, ==, DNS_ERR_NONE);
	tt_int_op(s.maxheld, ==, 3);
	tt_int_op(s.nq, ==, 10);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

/* ------------------------------------------------------------------ */
/* Transaction ids and source ports, seen by a raw UDP sink            */

struct sink {
	int fd;
	unsigned short port;
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
	k->fd = regress_udp_loopback(&k->port);
	evutil_make_socket_nonblocking(k->fd);
	event_set(&k->ev, k->fd, EV_READ | EV_PERSIST, sink_cb, k);
	event_add(&k->ev, NULL);
}

static void
sink_stop(struct sink *k)
{
	event_del(&k->ev);
	close(k->fd);
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
	struct dns_result r[4];
	int i, j;

	(void)env;
	memset(r, 0, sizeof(r));
	sink_start(&k);
	dns_add_ns_port(k.port);
	dns_set_timeouts("0.1", "3");
	/* Retransmissions reuse the id. */
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[0]), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r[0].err, ==, DNS_ERR_TIMEOUT);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.ids[0], ==, k.ids[1]);
	tt_int_op(k.ids[1], ==, k.ids[2]);

	/* A user id function; a duplicate in flight is never used. */
	k.n = 0;
	evdns_set_transaction_id_fn(const_id);
	dns_set_timeouts("0.1", "1");
	for (i = 0; i < 3; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(3, 3);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.ids[0], ==, 42);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			tt_int_op(k.ids[i], !=, k.ids[j]);
	/* 0xffff is never sent. */
	k.n = 0;
	evdns_set_transaction_id_fn(ffff_id);
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[0]), ==, 0);
	dns_wait(1, 3);
	tt_int_op(k.n, ==, 1);
	tt_int_op(k.ids[0], !=, 0xffff);
	/* Default ids: random, so eight in a row are not all alike. */
	evdns_set_transaction_id_fn(NULL);
	k.n = 0;
	for (i = 0; i < 4; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(4, 3);
	tt_int_op(k.n, ==, 4);
	tt_assert(!(k.ids[0] + 1 == k.ids[1] && k.ids[1] + 1 == k.ids[2]));
	tt_assert(k.ids[0] != k.ids[1] || k.ids[1] != k.ids[2]);
	sink_stop(&k);
	evdns_shutdown(0);
}

static void
test_source_port(struct regress_env *env)
{
	struct sink k;
	struct dns_result r;
	int ports[6], i, distinct = 0, j;

	(void)env;
	sink_start(&k);
	for (i = 0; i < 6; i++) {
		memset(&r, 0, sizeof(r));
		dns_add_ns_port(k.port);
		dns_set_timeouts("0.05", "1");
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r),
		    ==, 0);
		dns_wait(1, 3);
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
	sink_stop(&k);
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

/*
 * Open sockets of this process: not every fd, since epoll may make its
 * io_uring ring meanwhile, at its first batch of changes (and keep it).
 */
static int
count_sockets(void)
{
	struct regress_fds fds;
	size_t i;
	int n = 0;

	tt_int_op(regress_fds_take(&fds), ==, 0);
	for (i = 0; i < fds.n; i++) {
#ifndef _WIN32
		struct stat st;

		if (fstat(fds.v[i].fd, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
#endif
		n++;	/* (Windows: the list has only sockets) */
	}
	regress_fds_free(&fds);
	return n;
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
	struct dns_tsrv s;
	struct dns_result r[16];
	int i, fds0, most = 0;

	(void)env;
	dns_tsrv_setup(&s, TS_NORMAL);
	for (i = 0; i < 24; i++) {
		memset(r, 0, sizeof(r[0]));
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb,
		    &r[0]), ==, 0);
		dns_wait(1, 3);
		dns_expect_a(&r[0], "1.2.3.4");
	}
	tt_int_op(s.nq, ==, 24);
	/* 24 random ports out of 64512 collide with odds below 1%. */
	tt_int_op(count_distinct(s.srcport, 24), >=, 22);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);

	/* Retransmissions of one query: one port. */
	sink_start(&k);
	dns_add_ns_port(k.port);
	dns_set_timeouts("0.05", "3");
	memset(r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[0]), ==,
	    0);
	dns_wait(1, 3);
	tt_int_op(k.n, ==, 3);
	tt_int_op(k.sport[0], ==, k.sport[1]);
	tt_int_op(k.sport[1], ==, k.sport[2]);

	/* Eight lookups, four in flight: four ports at a time at most. */
	k.n = 0;
	dns_set_timeouts("0.1", "1");
	tt_int_op(evdns_set_option("max-inflight:", "4", DNS_OPTIONS_ALL), ==,
	    0);
	fds0 = count_sockets();
	for (i = 0; i < 8; i++)
		tt_int_op(evdns_resolve_ipv4("a.example", 0, dns_res_cb, &r[i]),
		    ==, 0);
	while (k.n < 8 || count_sockets() > fds0) {
		int n = count_sockets() - fds0;
		if (n > most)
			most = n;
		tt_int_op(event_loop(EVLOOP_ONCE), !=, -1);
	}
	tt_int_op(k.n, ==, 8);
	tt_int_op(most, <=, 4);
	tt_int_op(count_distinct(k.sport, 8), >=, 7);
	/* All closed again when the lookups end. */
	tt_int_op(count_sockets(), ==, fds0);
	sink_stop(&k);
	evdns_shutdown(0);
}

/* ------------------------------------------------------------------ */
/* Names, parsing units                                                */

static void
test_bad_names(struct regress_env *env)
{
	struct dns_tsrv s;
	char longname[400], label[70];
	struct dns_result r;

	(void)env;
	dns_tsrv_setup(&s, TS_NORMAL);
	evdns_search_add("b.test");	/* CVE-2016-10197: "" with search */
	tt_int_op(evdns_resolve_ipv4("", 0, dns_res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(".", 0, dns_res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv6("", 0, dns_res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(NULL, 0, dns_res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4("a..b", 0, dns_res_cb, NULL), ==, 1);
	tt_int_op(evdns_resolve_ipv4(".a", 0, dns_res_cb, NULL), ==, 1);
	memset(label, 'q', 64);
	label[64] = '\0';
	tt_int_op(evdns_resolve_ipv4(label, 0, dns_res_cb, NULL), ==, 1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tt_int_op(evdns_resolve_ipv4(longname, 0, dns_res_cb, NULL), ==, 1);
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
	tt_int_op(evdns_resolve_ipv4(longname, 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NOTEXIST);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, longname);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

struct regress_case regress_dns_resolver_cases[] = {
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
	{ "dns/source_port", test_source_port, RT_BASE, NULL },
	{ "dns/source_port_per_query", test_source_port_per_query, RT_BASE,
	    NULL },
	{ "dns/bad_names", test_bad_names, RT_BASE, NULL },
	RT_END
};
