/*
 * regress_dns.c -- the helpers the DNS case files share: lookup results,
 * the loop, queries, and the fake nameserver "tsrv" (see regress_dns.h).
 * The cases are in regress_dns_resolver.c (lookups against tsrv),
 * regress_dns_replies.c (broken and foreign replies), regress_dns_server.c
 * (the server port on the wire), regress_dns_config.c (options,
 * nameserver strings, resolv.conf), regress_dns_peers.c (dnsmasq and dig)
 * and regress_dns_wire.c (the message format on byte strings).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Helpers: results, loop                                              */

static int dns_pending;		/* lookups still to finish */
static struct event guard_ev;
static int guard_fired;

void
dns_res_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	struct dns_result *r = arg;

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
	if (--dns_pending == 0)
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

void
dns_wait(int n, double limit)
{
	struct timeval tv;

	dns_pending = n;
	limit *= regress_slowdown();
	tv.tv_sec = (long)limit;
	tv.tv_usec = (long)((limit - (double)tv.tv_sec) * 1e6);
	guard_fired = 0;
	evtimer_set(&guard_ev, guard_cb, NULL);
	evtimer_add(&guard_ev, &tv);
	if (dns_pending > 0)
		event_dispatch();
	evtimer_del(&guard_ev);
	if (guard_fired && dns_pending > 0)
		regress_fail(__FILE__, __LINE__,
		    "%d lookups still pending after %.1f s", dns_pending,
		    limit);
}

void
dns_set_timeouts(const char *timeout, const char *attempts)
{
	tt_int_op(evdns_set_option("timeout:", timeout, DNS_OPTIONS_ALL), ==,
	    0);
	tt_int_op(evdns_set_option("attempts:", attempts, DNS_OPTIONS_ALL), ==,
	    0);
}

void
dns_add_ns_port(int port)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
}

void
dns_expect_a(struct dns_result *r, const char *addr)
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
/* tsrv: the fake nameserver on our own server port                    */

/* The answers of TS_NORMAL, chosen by the question's name. */
static void
answer_normal(struct evdns_server_request *req)
{
	struct evdns_server_question *q = req->questions[0];
	const char *n = q->name;
	unsigned char a1[4] = { 1, 2, 3, 4 };
	unsigned char a2[8] = { 5, 6, 7, 8, 9, 9, 9, 9 };
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
	struct dns_tsrv *s = arg;
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
	struct dns_tsrv *s = arg;
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

void
dns_tsrv_attach(struct dns_tsrv *s, int fd, int mode)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->fd = fd;
	tt_int_op(evutil_make_socket_nonblocking(s->fd), ==, 0);
	s->sp = evdns_add_server_port(s->fd, 0, tsrv_cb, s);
	tt_assert(s->sp != NULL);
	if (mode == TS_HOLD) {
		struct timeval tv = { 0, 30000 };
		evtimer_set(&s->release_ev, tsrv_release_cb, s);
		evtimer_add(&s->release_ev, &tv);
	}
}

void
dns_tsrv_start(struct dns_tsrv *s, int mode)
{
	unsigned short port;
	int fd = regress_udp_loopback(&port);

	dns_tsrv_attach(s, fd, mode);
	s->port = port;
}

void
dns_tsrv_setup(struct dns_tsrv *s, int mode)
{
	dns_tsrv_start(s, mode);
	dns_add_ns_port(s->port);
	dns_set_timeouts("0.2", "2");
}

void
dns_tsrv_stop(struct dns_tsrv *s)
{
	int i;

	if (s->mode == TS_HOLD)
		evtimer_del(&s->release_ev);
	for (i = 0; i < s->nheld; i++)
		evdns_server_request_drop(s->held[i]);
	s->nheld = 0;
	/* The port closes its socket once no request of it is left. */
	evdns_close_server_port(s->sp);
	s->sp = NULL;
}

size_t
dns_make_query(unsigned char *q, int id, int flags, const char *name,
    int type)
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

