/*
 * test/regress_dns2.c -- the libevent 2.x DNS API (event2/dns.h):
 * resolvers bound to an event base, cancellation, freeing from a
 * callback, options with and without colons, hosts files,
 * evdns_getaddrinfo(), the server port with a base, and the 1.4 calls
 * on the same event base.
 *
 * The nameserver is our own server port on a loopback UDP socket in the
 * same process (srv_cb: answers depend on the name); every case frees
 * what it made, so the runner's fd-leak check applies.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event2/event.h"
#include "event2/bufferevent.h"
#include "event2/dns.h"
#include "event2/dns_compat.h"
#include "event2/dns_struct.h"
#include "evdns-internal.h"
#include "regress.h"
#include "regress_util.h"

/* ------------------------------------------------------------------ */
/* The server                                                          */

struct srv {
	int fd;
	unsigned short port;
	struct evdns_server_port *sp;
	int hold;			/* keep the queries unanswered */
	struct evdns_server_request *held[16];
	int nheld;
	int nq;
	int set_aa;			/* evdns_server_request_set_flags() */
	int flags_seen;
};

static void
srv_answer(struct evdns_server_request *req)
{
	struct evdns_server_question *q = req->questions[0];
	unsigned char a[4] = { 1, 2, 3, 4 };
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x42 };
	int rcode = DNS_ERR_NOTEXIST;

	if (!strcasecmp(q->name, "a.example")) {
		if (q->type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, q->name, 1, a,
			    60);
		else if (q->type == EVDNS_TYPE_AAAA)
			evdns_server_request_add_aaaa_reply(req, q->name, 1, v6,
			    60);
		rcode = 0;
	} else if (!strcasecmp(q->name, "v4only.example")) {
		if (q->type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, q->name, 1, a,
			    60);
		rcode = 0;
	} else if (!strcasecmp(q->name, "lo.example")) {
		unsigned char lo[4] = { 127, 0, 0, 1 };

		if (q->type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, q->name, 1, lo,
			    60);
		rcode = 0;
	} else if (!strcasecmp(q->name, "nodata.example")) {
		rcode = 0;
	} else if (!strcasecmp(q->name, "4.3.2.1.in-addr.arpa")) {
		evdns_server_request_add_ptr_reply(req, NULL, q->name,
		    "ptr.example", 60);
		rcode = 0;
	}
	tt_int_op(evdns_server_request_respond(req, rcode), >=, 0);
}

static void
srv_cb(struct evdns_server_request *req, void *arg)
{
	struct srv *s = arg;

	s->nq++;
	tt_int_op(req->nquestions, ==, 1);
	if (s->set_aa) {
		evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
		s->flags_seen = req->flags;
	}
	if (s->hold) {
		tt_assert(s->nheld < 16);
		s->held[s->nheld++] = req;
		return;
	}
	srv_answer(req);
}

static void
srv_start(struct srv *s, struct event_base *base)
{
	memset(s, 0, sizeof(*s));
	s->fd = regress_udp_loopback(&s->port);
	tt_int_op(evutil_make_socket_nonblocking(s->fd), ==, 0);
	/* 2.1 takes no flags here: TCP is not served. */
	tt_ptr_op(evdns_add_server_port_with_base(base, s->fd, 1, srv_cb, s),
	    ==, NULL);
	tt_ptr_op(evdns_add_server_port_with_base(NULL, s->fd, 0, srv_cb, s),
	    ==, NULL);
	s->sp = evdns_add_server_port_with_base(base, s->fd, 0, srv_cb, s);
	tt_assert(s->sp != NULL);
}

static void
srv_stop(struct srv *s)
{
	int i;

	for (i = 0; i < s->nheld; i++)
		evdns_server_request_drop(s->held[i]);
	s->nheld = 0;
	evdns_close_server_port(s->sp);
}

/* A resolver on base using s, with short timeouts. */
static struct evdns_base *
dns_on(struct event_base *base, struct srv *s, int flags)
{
	struct evdns_base *dns = evdns_base_new(base, flags);
	char buf[64];

	tt_assert(dns != NULL);
	snprintf(buf, sizeof(buf), "127.0.0.1:%u", s->port);
	tt_int_op(evdns_base_nameserver_ip_add(dns, buf), ==, 0);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 1);
	tt_int_op(evdns_base_set_option(dns, "timeout", "0.3"), ==, 0);
	tt_int_op(evdns_base_set_option(dns, "attempts:", "2"), ==, 0);
	return dns;
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

struct res {
	int done, err, type, count, ttl;
	unsigned char addr[16];
	char ptr[64];
	struct evdns_base *free_dns;	/* evdns_base_free() from here */
	int free_fail;
};

static void
res_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	struct res *r = arg;

	r->done++;
	r->err = err;
	r->type = type;
	r->count = count;
	r->ttl = ttl;
	if (err == DNS_ERR_NONE && type == DNS_PTR)
		snprintf(r->ptr, sizeof(r->ptr), "%s", *(char **)addrs);
	else if (err == DNS_ERR_NONE && count > 0)
		memcpy(r->addr, addrs, type == DNS_IPv4_A ? 4 : 16);
	if (r->free_dns != NULL)
		evdns_base_free(r->free_dns, r->free_fail);
}

/* ------------------------------------------------------------------ */
/* Resolvers                                                           */

static void
test_base_new_free(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;

	(void)env;
	tt_assert(base != NULL);
	tt_ptr_op(evdns_base_new(NULL, 0), ==, NULL);
	tt_ptr_op(evdns_base_new(base, 0x4000), ==, NULL);
	dns = evdns_base_new(base, 0);
	tt_assert(dns != NULL);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 0);
	/* A lookup with no nameserver waits; freeing fails it. */
	{
		struct res r;

		memset(&r, 0, sizeof(r));
		tt_assert(evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb,
		    &r) != NULL);
		evdns_base_free(dns, 1);
		tt_int_op(r.done, ==, 1);
		tt_int_op(r.err, ==, DNS_ERR_SHUTDOWN);
	}
	evdns_base_free(NULL, 0);
	/* A bare flag set reads /etc/resolv.conf (or falls back). */
	dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	tt_assert(dns != NULL);
	tt_assert(evdns_base_count_nameservers(dns) >= 1);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

static void
test_resolve(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct res r4, r6, rp, rbad;
	struct in_addr in;
	unsigned char want6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x42 };
	struct srv s;
	int flag = 0;

	(void)env;
	srv_start(&s, base);
	dns = dns_on(base, &s, 0);
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	memset(&rp, 0, sizeof(rp));
	memset(&rbad, 0, sizeof(rbad));
	tt_assert(evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb, &r4));
	tt_assert(evdns_base_resolve_ipv6(dns, "a.example", 0, res_cb, &r6));
	inet_pton(AF_INET, "1.2.3.4", &in);
	tt_assert(evdns_base_resolve_reverse(dns, &in, 0, res_cb, &rp));
	tt_ptr_op(evdns_base_resolve_ipv4(dns, "", 0, res_cb, &rbad), ==,
	    NULL);
	tt_ptr_op(evdns_base_resolve_reverse(dns, NULL, 0, res_cb, &rbad), ==,
	    NULL);
	tt_ptr_op(evdns_base_resolve_ipv4(NULL, "a.example", 0, res_cb,
	    &rbad), ==, NULL);
	/* Nothing ran inside the calls. */
	tt_int_op(r4.done + r6.done + rp.done + rbad.done, ==, 0);
	while (!(r4.done && r6.done && rp.done) &&
	    regress_run_until(base, &flag, 0.05) == 0 && s.nq < 100)
		;
	tt_int_op(r4.done, ==, 1);
	tt_int_op(r4.err, ==, DNS_ERR_NONE);
	tt_int_op(r4.type, ==, DNS_IPv4_A);
	tt_mem_op(r4.addr, ==, &in, 4);
	tt_int_op(r6.err, ==, DNS_ERR_NONE);
	tt_int_op(r6.type, ==, DNS_IPv6_AAAA);
	tt_mem_op(r6.addr, ==, want6, 16);
	tt_int_op(rp.err, ==, DNS_ERR_NONE);
	tt_str_op(rp.ptr, ==, "ptr.example");
	tt_int_op(rbad.done, ==, 0);
	evdns_base_free(dns, 0);
	srv_stop(&s);
	event_base_free(base);
}

/* Run base until every result in rs[0..n) is done (bounded). */
static void
run_results(struct event_base *base, struct res **rs, int n, double secs)
{
	double end = regress_now() + secs * regress_slowdown();
	int flag = 0, i, all;

	do {
		for (all = 1, i = 0; i < n; i++)
			all &= rs[i]->done > 0;
		if (all)
			return;
		(void)regress_run_until(base, &flag, 0.02);
	} while (regress_now() < end);
	tt_fail("lookups did not end in time");
}

/* NOERROR without records: 2.x's DNS_ERR_NODATA, 1.4's DNS_ERR_UNKNOWN,
 * from the same resolver (the global one) on one event base. */
static void
test_nodata_both_apis(struct regress_env *env)
{
	struct evdns_base *global = evdns_get_global_base();
	struct res r2, r14, *rs[2] = { &r2, &r14 };
	struct srv s;
	char buf[64];

	srv_start(&s, env->base);
	snprintf(buf, sizeof(buf), "127.0.0.1:%u", s.port);
	tt_int_op(evdns_base_nameserver_ip_add(global, buf), ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	memset(&r2, 0, sizeof(r2));
	memset(&r14, 0, sizeof(r14));
	tt_assert(evdns_base_resolve_ipv4(global, "nodata.example",
	    DNS_QUERY_NO_SEARCH, res_cb, &r2) != NULL);
	tt_int_op(evdns_resolve_ipv4("nodata.example", DNS_QUERY_NO_SEARCH,
	    res_cb, &r14), ==, 0);
	run_results(env->base, rs, 2, 3);
	tt_int_op(r2.err, ==, DNS_ERR_NODATA);
	tt_int_op(r14.err, ==, DNS_ERR_UNKNOWN);
	tt_str_op(evdns_err_to_string(DNS_ERR_NODATA), !=,
	    "[Unknown error code]");
	tt_str_op(evdns_err_to_string(DNS_ERR_CANCEL), !=,
	    "[Unknown error code]");
	evdns_shutdown(0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	srv_stop(&s);
}

/* 1.4's global resolver and a 2.x one on the same event base. */
static void
test_mixed_bases(struct regress_env *env)
{
	struct evdns_base *dns;
	struct res r2, r14, *rs[2] = { &r2, &r14 };
	struct in_addr in;
	struct srv s;
	char buf[64];

	srv_start(&s, env->base);
	dns = dns_on(env->base, &s, 0);
	snprintf(buf, sizeof(buf), "127.0.0.1:%u", s.port);
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
	memset(&r2, 0, sizeof(r2));
	memset(&r14, 0, sizeof(r14));
	tt_assert(evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb, &r2));
	tt_int_op(evdns_resolve_ipv4("a.example", 0, res_cb, &r14), ==, 0);
	run_results(env->base, rs, 2, 3);
	inet_pton(AF_INET, "1.2.3.4", &in);
	tt_int_op(r2.err, ==, 0);
	tt_int_op(r14.err, ==, 0);
	tt_mem_op(r2.addr, ==, &in, 4);
	tt_mem_op(r14.addr, ==, &in, 4);
	/* The two resolvers are separate: freeing one leaves the other. */
	evdns_base_free(dns, 0);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	srv_stop(&s);
}

static void
test_cancel(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct evdns_request *req;
	struct res r, other, *rs[2] = { &r, &other };
	struct srv s;

	(void)env;
	srv_start(&s, base);
	s.hold = 1;
	dns = dns_on(base, &s, 0);
	memset(&r, 0, sizeof(r));
	memset(&other, 0, sizeof(other));
	req = evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb, &r);
	tt_assert(req != NULL);
	tt_assert(evdns_base_resolve_ipv4(dns, "v4only.example", 0, res_cb,
	    &other) != NULL);
	/* Let the queries reach the server, then cancel one. */
	REGRESS_SPIN_UNTIL(base, s.nheld == 2);
	evdns_cancel_request(dns, req);
	tt_int_op(r.done, ==, 0);		/* not inside the call */
	/* A second cancel, or a foreign handle, is ignored. */
	evdns_cancel_request(dns, req);
	evdns_cancel_request(dns, (struct evdns_request *)&r);
	evdns_cancel_request(NULL, req);
	s.hold = 0;
	srv_answer(s.held[0]);
	srv_answer(s.held[1]);
	s.nheld = 0;
	run_results(base, rs, 2, 3);
	tt_int_op(r.done, ==, 1);
	tt_int_op(r.err, ==, DNS_ERR_CANCEL);
	tt_int_op(other.done, ==, 1);
	tt_int_op(other.err, ==, DNS_ERR_NONE);
	/* The late reply to the cancelled query changed nothing. */
	regress_run_for(base, 0.05);
	tt_int_op(r.done, ==, 1);
	evdns_base_free(dns, 1);
	tt_int_op(r.done, ==, 1);
	srv_stop(&s);
	event_base_free(base);
}

/* A cancel pending when the resolver is freed still reports CANCEL. */
static void
test_cancel_then_free(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	struct evdns_request *req;
	struct res r;

	(void)env;
	memset(&r, 0, sizeof(r));
	req = evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb, &r);
	tt_assert(req != NULL);
	evdns_cancel_request(dns, req);
	evdns_base_free(dns, 0);
	tt_int_op(r.done, ==, 1);
	tt_int_op(r.err, ==, DNS_ERR_CANCEL);
	event_base_free(base);
}

/* evdns_base_free() from a callback of the resolver being freed. */
static void
free_in_callback(int fail)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct res first, second;
	struct srv s;
	int flag = 0, i;

	srv_start(&s, base);
	dns = dns_on(base, &s, 0);
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	first.free_dns = dns;
	first.free_fail = fail;
	s.hold = 1;
	tt_assert(evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb,
	    &first));
	tt_assert(evdns_base_resolve_ipv4(dns, "v4only.example", 0, res_cb,
	    &second));
	/* Both in flight; only a.example gets its answer. */
	REGRESS_SPIN_UNTIL(base, s.nheld == 2);
	i = strcmp(s.held[0]->questions[0]->name, "a.example") == 0 ? 0 : 1;
	srv_answer(s.held[i]);
	s.held[i] = s.held[1 - i];
	s.nheld = 1;
	for (i = 0; i < 100 && !first.done; i++)
		(void)regress_run_until(base, &flag, 0.02);
	tt_int_op(first.done, ==, 1);
	tt_int_op(first.err, ==, DNS_ERR_NONE);
	/* The other lookup ended inside the free, or silently. */
	tt_int_op(second.done, ==, fail ? 1 : 0);
	if (fail)
		tt_int_op(second.err, ==, DNS_ERR_SHUTDOWN);
	/* Nothing of the resolver is left on the base. */
	srv_stop(&s);
	regress_run_for(base, 0.05);
	tt_int_op(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED),
	    ==, 0);
	tt_int_op(second.done, ==, fail ? 1 : 0);
	event_base_free(base);
}

static void
test_free_in_callback(struct regress_env *env)
{
	(void)env;
	free_in_callback(1);
}

static void
test_free_in_callback_quiet(struct regress_env *env)
{
	(void)env;
	free_in_callback(0);
}

/* With DISABLE_WHEN_INACTIVE an idle resolver keeps no loop running. */
static void
test_disable_when_inactive(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns, *dns2;
	struct res r, *rs[1] = { &r };
	struct srv s;
	double t0;

	(void)env;
	srv_start(&s, base);
	dns = dns_on(base, &s, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	evdns_close_server_port(s.sp);	/* only the resolver is left */
	t0 = regress_now();
	/* Nothing to wait for. */
	tt_int_op(event_base_dispatch(base), ==, 1);
	tt_assert(regress_now() - t0 < 1.0);
	/* A lookup still works: the socket is watched while it runs. */
	srv_start(&s, base);
	dns2 = dns_on(base, &s, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	memset(&r, 0, sizeof(r));
	tt_assert(evdns_base_resolve_ipv4(dns2, "a.example", 0, res_cb, &r));
	run_results(base, rs, 1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	evdns_close_server_port(s.sp);
	tt_int_op(event_base_dispatch(base), ==, 1);
	evdns_base_free(dns, 0);
	evdns_base_free(dns2, 0);
	event_base_free(base);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void
test_set_option(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);

	(void)env;
	/* With or without the colon. */
	tt_int_op(evdns_base_set_option(dns, "timeout", "1.5"), ==, 0);
	tt_int_op(dns->timeout.tv_sec, ==, 1);
	tt_int_op(dns->timeout.tv_usec, ==, 500000);
	tt_int_op(evdns_base_set_option(dns, "attempts:", "4"), ==, 0);
	tt_int_op(dns->attempts, ==, 4);
	tt_int_op(evdns_base_set_option(dns, "max-inflight", "7"), ==, 0);
	tt_int_op(dns->max_inflight, ==, 7);
	tt_int_op(evdns_base_set_option(dns, "ndots", "3"), ==, 0);
	/* The 2.1 additions are checked and accepted. */
	tt_int_op(evdns_base_set_option(dns, "randomize-case:", "0"), ==, 0);
	tt_int_op(evdns_base_set_option(dns, "randomize-case", "2"), ==, -1);
	tt_int_op(evdns_base_set_option(dns, "initial-probe-timeout", "2"), ==,
	    0);
	tt_int_op(evdns_base_set_option(dns, "getaddrinfo-allow-skew:",
	    "0.5"), ==, 0);
	tt_int_op(evdns_base_set_option(dns, "so-rcvbuf", "65536"), ==, 0);
	tt_int_op(evdns_base_set_option(dns, "so-sndbuf:", "x"), ==, -1);
	tt_int_op(evdns_base_set_option(dns, "bind-to", "127.0.0.1"), ==, 0);
	tt_int_op(evdns_base_set_option(dns, "bind-to", "nowhere"), ==, -1);
	/* Unknown names and bad values are errors in the 2.x entry. */
	tt_int_op(evdns_base_set_option(dns, "no-such-option", "1"), ==, -1);
	tt_int_op(evdns_base_set_option(dns, "timeout:", "soon"), ==, -1);
	tt_int_op(evdns_base_set_option(dns, "", "1"), ==, -1);
	tt_int_op(evdns_base_set_option(dns, NULL, "1"), ==, -1);
	tt_int_op(evdns_base_set_option(NULL, "timeout", "1"), ==, -1);
	/* The 1.4 entry keeps its rules: the colon, unknown names ignored. */
	tt_int_op(evdns_set_option("no-such-option:", "1", DNS_OPTIONS_ALL),
	    ==, 0);
	tt_int_op(dns->timeout.tv_sec, ==, 1);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

static void
test_nameserver_addr(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	struct sockaddr_in sin, got;
	struct sockaddr_in6 sin6;
	struct sockaddr_storage ss;

	(void)env;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5353);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tt_int_op(evdns_base_nameserver_sockaddr_add(dns,
	    (struct sockaddr *)&sin, sizeof(sin), 0), ==, 0);
	tt_int_op(evdns_base_nameserver_sockaddr_add(dns,
	    (struct sockaddr *)&sin, sizeof(sin), 0), ==, 3);
	tt_int_op(evdns_base_nameserver_sockaddr_add(dns,
	    (struct sockaddr *)&sin, sizeof(sin), 1), ==, -1);
	tt_int_op(evdns_base_nameserver_sockaddr_add(dns,
	    (struct sockaddr *)&sin, 4, 0), ==, -1);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(53);
	sin6.sin6_addr = in6addr_loopback;
	tt_int_op(evdns_base_nameserver_sockaddr_add(dns,
	    (struct sockaddr *)&sin6, sizeof(sin6), 0), ==, 0);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 2);
	tt_int_op(evdns_base_get_nameserver_addr(dns, 0,
	    (struct sockaddr *)&got, sizeof(got)), ==, sizeof(sin));
	tt_int_op(got.sin_port, ==, htons(5353));
	tt_int_op(got.sin_addr.s_addr, ==, htonl(INADDR_LOOPBACK));
	/* Too little room: the length needed, nothing copied. */
	tt_int_op(evdns_base_get_nameserver_addr(dns, 1,
	    (struct sockaddr *)&got, sizeof(got)), ==, sizeof(sin6));
	tt_int_op(evdns_base_get_nameserver_addr(dns, 1,
	    (struct sockaddr *)&ss, sizeof(ss)), ==, sizeof(sin6));
	tt_int_op(ss.ss_family, ==, AF_INET6);
	tt_int_op(evdns_base_get_nameserver_addr(dns, 2,
	    (struct sockaddr *)&ss, sizeof(ss)), ==, -1);
	tt_int_op(evdns_base_get_nameserver_addr(dns, -1,
	    (struct sockaddr *)&ss, sizeof(ss)), ==, -1);
	/* Suspend drops them; the twin calls work on this resolver only. */
	tt_int_op(evdns_base_clear_nameservers_and_suspend(dns), ==, 0);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 0);
	tt_int_op(evdns_base_resume(dns), ==, 0);
	tt_int_op(evdns_base_nameserver_add(dns, htonl(INADDR_LOOPBACK)), ==,
	    0);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 1);
	tt_int_op(evdns_base_nameserver_ip_add(dns, "not an address"), ==, 4);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

/* A file holding text in a private directory, removed at exit. */
static char tmp_dir[256];

static void
tmp_dir_remove(void)
{
	regress_rmtree(tmp_dir);
}

static const char *
temp_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	if (tmp_dir[0] == '\0') {
		regress_tmpdir(tmp_dir, sizeof(tmp_dir), "dns2");
		atexit(tmp_dir_remove);
	}
	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	tt_assert(f != NULL);
	fputs(text, f);
	tt_int_op(fclose(f), ==, 0);
	return path;
}

static void
test_resolv_conf(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	const char *p;

	(void)env;
	p = temp_file("resolv.conf", "search x.test\noptions attempts:5\n");
	/* No nameserver named: 127.0.0.1, unless NO_DEFAULT. */
	tt_int_op(evdns_base_resolv_conf_parse(dns,
	    DNS_OPTIONS_ALL | DNS_OPTION_NAMESERVERS_NO_DEFAULT, p), ==, 6);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 0);
	tt_int_op(dns->attempts, ==, 5);
	tt_int_op(evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, p), ==, 6);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 1);
	p = temp_file("resolv2.conf", "nameserver 127.0.0.2\n"
	    "options timeout:2 ndots:2\n");
	tt_int_op(evdns_base_resolv_conf_parse(dns, DNS_OPTION_NAMESERVERS,
	    p), ==, 0);
	tt_int_op(evdns_base_count_nameservers(dns), ==, 2);
	tt_int_op(dns->timeout.tv_sec, !=, 2);	/* MISC not asked for */
	tt_int_op(evdns_base_resolv_conf_parse(dns, 0, "/nonexistent/x"), ==,
	    1);
	tt_int_op(evdns_base_resolv_conf_parse(NULL, 0, p), ==, -1);
	evdns_base_search_clear(dns);
	evdns_base_search_add(dns, "y.test");
	evdns_base_search_ndots_set(dns, 4);
	tt_int_op(dns->search->ndots, ==, 4);
	tt_int_op(dns->search->n, ==, 1);
	tt_str_op(dns->search->doms[0], ==, "y.test");
	evdns_base_free(dns, 0);
	event_base_free(base);
}

/* ------------------------------------------------------------------ */
/* getaddrinfo                                                         */

struct gres {
	int done, err;
	struct evutil_addrinfo *ai;
};

static void
gai_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct gres *g = arg;

	g->done++;
	g->err = result;
	g->ai = res;
}

static int
ai_count(const struct evutil_addrinfo *ai)
{
	int n = 0;

	for (; ai != NULL; ai = ai->ai_next)
		n++;
	return n;
}

static void
expect_v4(const struct evutil_addrinfo *ai, const char *addr, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
	struct in_addr in;

	tt_int_op(ai->ai_family, ==, AF_INET);
	tt_int_op(ai->ai_addrlen, ==, sizeof(*sin));
	inet_pton(AF_INET, addr, &in);
	tt_int_op(sin->sin_addr.s_addr, ==, in.s_addr);
	tt_int_op(ntohs(sin->sin_port), ==, port);
}

static void
test_getaddrinfo_immediate(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	struct evutil_addrinfo hints;
	struct gres g;

	(void)env;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* A numeric address: answered inside the call. */
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, "127.0.0.1", "80", &hints, gai_cb,
	    &g), ==, NULL);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, 0);
	tt_int_op(ai_count(g.ai), ==, 1);
	expect_v4(g.ai, "127.0.0.1", 80);
	tt_int_op(g.ai->ai_socktype, ==, SOCK_STREAM);
	evutil_freeaddrinfo(g.ai);
	/* Errors come back at once too. */
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, NULL, NULL, &hints, gai_cb, &g), ==,
	    NULL);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, EVUTIL_EAI_NONAME);
	memset(&g, 0, sizeof(g));
	hints.ai_family = AF_UNIX;
	tt_ptr_op(evdns_getaddrinfo(dns, "a.example", "80", &hints, gai_cb,
	    &g), ==, NULL);
	tt_int_op(g.err, ==, EVUTIL_EAI_FAMILY);
	hints.ai_family = AF_UNSPEC;
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, "a.example", "no-such-service-x",
	    &hints, gai_cb, &g), ==, NULL);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, EVUTIL_EAI_SERVICE);
	memset(&g, 0, sizeof(g));
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	tt_ptr_op(evdns_getaddrinfo(dns, "a.example", "80", &hints, gai_cb,
	    &g), ==, NULL);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, !=, 0);
	tt_ptr_op(g.ai, ==, NULL);
	tt_ptr_op(evdns_getaddrinfo(dns, "a.example", "80", &hints, NULL,
	    NULL), ==, NULL);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

static void
test_getaddrinfo_hosts(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	struct evutil_addrinfo hints;
	struct gres g;
	const char *p;

	(void)env;
	p = temp_file("hosts", "# comment\n10.1.2.3 myhost alias # here\n"
	    "bogus nohost\n::5 myhost\n");
	tt_int_op(evdns_base_load_hosts(dns, p), ==, 0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, "ALIAS", "7", &hints, gai_cb, &g), ==,
	    NULL);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, 0);
	/* No socket type asked for: TCP and UDP. */
	tt_int_op(ai_count(g.ai), ==, 2);
	expect_v4(g.ai, "10.1.2.3", 7);
	tt_int_op(g.ai->ai_socktype, ==, SOCK_STREAM);
	tt_int_op(g.ai->ai_protocol, ==, IPPROTO_TCP);
	tt_int_op(g.ai->ai_next->ai_socktype, ==, SOCK_DGRAM);
	evutil_freeaddrinfo(g.ai);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, "myhost", NULL, &hints, gai_cb, &g),
	    ==, NULL);
	tt_int_op(ai_count(g.ai), ==, 2);
	tt_int_op(g.ai->ai_next->ai_family, ==, AF_INET6);
	evutil_freeaddrinfo(g.ai);
	/* Cleared: the name now goes to the (missing) nameservers and
	 * waits; freeing the resolver cancels it. */
	evdns_base_clear_host_addresses(dns);
	memset(&g, 0, sizeof(g));
	tt_assert(evdns_getaddrinfo(dns, "myhost", NULL, &hints, gai_cb, &g)
	    != NULL);
	tt_int_op(g.done, ==, 0);
	evdns_base_free(dns, 1);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, EVUTIL_EAI_CANCEL);
	/* NULL: localhost only; a missing file: localhost and -1. */
	dns = evdns_base_new(base, 0);
	tt_int_op(evdns_base_load_hosts(dns, "/nonexistent/hosts"), ==, -1);
	hints.ai_family = AF_INET;
	memset(&g, 0, sizeof(g));
	tt_ptr_op(evdns_getaddrinfo(dns, "localhost", "1", &hints, gai_cb, &g),
	    ==, NULL);
	tt_int_op(g.err, ==, 0);
	expect_v4(g.ai, "127.0.0.1", 1);
	evutil_freeaddrinfo(g.ai);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

static void
test_getaddrinfo_lookup(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *req;
	struct gres g, gn, g4;
	struct srv s;
	int flag = 0, i;

	(void)env;
	srv_start(&s, base);
	dns = dns_on(base, &s, 0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	memset(&g, 0, sizeof(g));
	memset(&gn, 0, sizeof(gn));
	memset(&g4, 0, sizeof(g4));
	req = evdns_getaddrinfo(dns, "a.example", "8080", &hints, gai_cb, &g);
	tt_assert(req != NULL);
	tt_int_op(g.done, ==, 0);
	tt_assert(evdns_getaddrinfo(dns, "missing.example", "1", &hints,
	    gai_cb, &gn) != NULL);
	tt_assert(evdns_getaddrinfo(dns, "v4only.example", "2", &hints,
	    gai_cb, &g4) != NULL);
	for (i = 0; i < 200 && !(g.done && gn.done && g4.done); i++)
		(void)regress_run_until(base, &flag, 0.02);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, 0);
	/* IPv4 first, then IPv6, both with the port. */
	tt_int_op(ai_count(g.ai), ==, 2);
	expect_v4(g.ai, "1.2.3.4", 8080);
	tt_int_op(g.ai->ai_next->ai_family, ==, AF_INET6);
	tt_int_op(ntohs(((struct sockaddr_in6 *)g.ai->ai_next->ai_addr)->
	    sin6_port), ==, 8080);
	evutil_freeaddrinfo(g.ai);
	tt_int_op(gn.done, ==, 1);
	tt_int_op(gn.err, ==, EVUTIL_EAI_NONAME);
	tt_ptr_op(gn.ai, ==, NULL);
	/* One family answered: its addresses, no error. */
	tt_int_op(g4.err, ==, 0);
	tt_int_op(ai_count(g4.ai), ==, 1);
	evutil_freeaddrinfo(g4.ai);
	evdns_base_free(dns, 0);
	srv_stop(&s);
	event_base_free(base);
}

static void
test_getaddrinfo_cancel(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct evdns_getaddrinfo_request *req;
	struct gres g;
	struct srv s;
	int flag = 0, i;

	(void)env;
	srv_start(&s, base);
	s.hold = 1;
	dns = dns_on(base, &s, 0);
	memset(&g, 0, sizeof(g));
	req = evdns_getaddrinfo(dns, "a.example", "80", NULL, gai_cb, &g);
	tt_assert(req != NULL);
	REGRESS_SPIN_UNTIL(base, s.nheld == 2);
	evdns_getaddrinfo_cancel(req);
	tt_int_op(g.done, ==, 0);
	for (i = 0; i < 100 && !g.done; i++)
		(void)regress_run_until(base, &flag, 0.02);
	tt_int_op(g.done, ==, 1);
	tt_int_op(g.err, ==, EVUTIL_EAI_CANCEL);
	tt_ptr_op(g.ai, ==, NULL);
	evdns_getaddrinfo_cancel(NULL);
	evdns_base_free(dns, 0);
	srv_stop(&s);
	event_base_free(base);
}

/* ------------------------------------------------------------------ */
/* The server port                                                     */

static void
test_server_set_flags(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct res r, *rs[1] = { &r };
	struct srv s;

	(void)env;
	srv_start(&s, base);
	s.set_aa = 1;
	dns = dns_on(base, &s, 0);
	memset(&r, 0, sizeof(r));
	tt_assert(evdns_base_resolve_ipv4(dns, "a.example", 0, res_cb, &r));
	run_results(base, rs, 1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	/* The query's RD stays; AA set, RA (EVDNS_FLAGS_RD) clear. */
	tt_int_op(s.flags_seen, ==, 0x0100 | EVDNS_FLAGS_AA);
	evdns_server_request_set_flags(NULL, 0);
	evdns_base_free(dns, 0);
	srv_stop(&s);
	event_base_free(base);
}

/* ------------------------------------------------------------------ */
/* bufferevent_socket_connect_hostname() through a resolver            */

struct bevres {
	short events;
	int n;
};

static void
bev_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bevres *b = arg;

	(void)bev;
	b->events |= what;
	b->n++;
}

static void
test_connect_hostname(struct regress_env *env)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct bufferevent *bev, *bad, *freed;
	struct bevres ok, err, gone;
	unsigned short port;
	int lfd, flag = 0, i;
	struct srv s;

	(void)env;
	srv_start(&s, base);
	dns = dns_on(base, &s, 0);
	lfd = regress_listen_loopback(AF_INET, &port);
	memset(&ok, 0, sizeof(ok));
	memset(&err, 0, sizeof(err));
	memset(&gone, 0, sizeof(gone));
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bad = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, NULL, NULL, bev_event_cb, &ok);
	bufferevent_setcb(bad, NULL, NULL, bev_event_cb, &err);
	tt_int_op(bufferevent_socket_connect_hostname(bev, dns, AF_INET,
	    "lo.example", port), ==, 0);
	/* A second connect while the lookup runs is refused. */
	tt_int_op(bufferevent_socket_connect_hostname(bev, dns, AF_INET,
	    "lo.example", port), ==, -1);
	tt_int_op(bufferevent_socket_connect_hostname(bad, dns, AF_UNSPEC,
	    "missing.example", port), ==, 0);
	tt_int_op(ok.n + err.n, ==, 0);		/* nothing inside the calls */
	for (i = 0; i < 200 && !(ok.n && err.n); i++)
		(void)regress_run_until(base, &flag, 0.02);
	tt_int_op(ok.n, ==, 1);
	tt_int_op(ok.events, ==, BEV_EVENT_CONNECTED);
	tt_int_op(bufferevent_socket_get_dns_error(bev), ==, 0);
	tt_int_op(err.n, ==, 1);
	tt_int_op(err.events, ==, BEV_EVENT_ERROR);
	tt_int_op(bufferevent_socket_get_dns_error(bad), ==,
	    EVUTIL_EAI_NONAME);
	/* Freed while the lookup is pending: no callback, nothing left. */
	s.hold = 1;
	freed = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(freed, NULL, NULL, bev_event_cb, &gone);
	tt_int_op(bufferevent_socket_connect_hostname(freed, dns, AF_INET,
	    "lo.example", port), ==, 0);
	REGRESS_SPIN_UNTIL(base, s.nheld == 1);
	bufferevent_free(freed);
	regress_run_for(base, 0.05);
	tt_int_op(gone.n, ==, 0);
	bufferevent_free(bev);
	bufferevent_free(bad);
	close(lfd);
	evdns_base_free(dns, 0);
	srv_stop(&s);
	event_base_free(base);
}

static void
test_constants(struct regress_env *env)
{
	(void)env;
	tt_int_op(DNS_ERR_CANCEL, ==, 69);
	tt_int_op(DNS_ERR_NODATA, ==, 70);
	tt_int_op(DNS_OPTION_HOSTSFILE, ==, 8);
	tt_int_op(DNS_OPTIONS_ALL, ==, 15);
	tt_int_op(DNS_OPTION_NAMESERVERS_NO_DEFAULT, ==, 16);
	tt_int_op(EVDNS_BASE_INITIALIZE_NAMESERVERS, ==, 1);
	tt_int_op(EVDNS_BASE_DISABLE_WHEN_INACTIVE, ==, 0x8000);
	tt_int_op(EVDNS_BASE_NAMESERVERS_NO_DEFAULT, ==, 0x10000);
	tt_int_op(EVDNS_FLAGS_AA, ==, 0x400);
	tt_int_op(EVDNS_FLAGS_RD, ==, 0x080);
	evdns_set_random_bytes_fn(NULL);
}

struct regress_case regress_dns2_cases[] = {
	{ "dns2/base_new_free", test_base_new_free, 0, NULL },
	{ "dns2/resolve", test_resolve, 0, NULL },
	{ "dns2/nodata_both_apis", test_nodata_both_apis, RT_BASE, NULL },
	{ "dns2/mixed_bases", test_mixed_bases, RT_BASE, NULL },
	{ "dns2/cancel", test_cancel, 0, NULL },
	{ "dns2/cancel_then_free", test_cancel_then_free, 0, NULL },
	{ "dns2/free_in_callback", test_free_in_callback, 0, NULL },
	{ "dns2/free_in_callback_quiet", test_free_in_callback_quiet, 0,
	    NULL },
	{ "dns2/disable_when_inactive", test_disable_when_inactive, 0, NULL },
	{ "dns2/set_option", test_set_option, 0, NULL },
	{ "dns2/nameserver_addr", test_nameserver_addr, 0, NULL },
	{ "dns2/resolv_conf", test_resolv_conf, 0, NULL },
	{ "dns2/getaddrinfo_immediate", test_getaddrinfo_immediate, 0, NULL },
	{ "dns2/getaddrinfo_hosts", test_getaddrinfo_hosts, 0, NULL },
	{ "dns2/getaddrinfo_lookup", test_getaddrinfo_lookup, 0, NULL },
	{ "dns2/getaddrinfo_cancel", test_getaddrinfo_cancel, 0, NULL },
	{ "dns2/server_set_flags", test_server_set_flags, 0, NULL },
	{ "dns2/connect_hostname", test_connect_hostname, 0, NULL },
	{ "dns2/constants", test_constants, RT_ONCE, NULL },
	RT_END
};
