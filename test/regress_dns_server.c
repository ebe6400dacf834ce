/*
 * regress_dns_server.c -- our evdns server port seen on the wire: raw
 * queries from a UDP socket and the exact bytes that come back (TC and
 * truncation at 512 bytes, name compression, refused names, malformed
 * queries that get no reply), and when the port closes its socket.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "evdns-internal.h"	/* evdns_name_parse_ (regress_dns_wire.c) */
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Server port on the wire                                             */

/* Send query bytes to port from a fresh socket; return the reply. */
static ssize_t
raw_query_wait(unsigned short port, const unsigned char *q, size_t qlen,
    unsigned char *out, size_t outcap, double wait)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage to;
	socklen_t tolen = regress_loopback_addr(AF_INET, port, &to);
	double t0 = regress_now();
	ssize_t r = -1;

	tt_assert(fd >= 0);
	tt_int_op(sendto(fd, q, qlen, 0, (struct sockaddr *)&to, tolen), ==,
	    (ssize_t)qlen);
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

static void
test_server_truncate(struct regress_env *env)
{
	struct dns_tsrv s;
	unsigned char q[300], a[70000];
	ssize_t n;
	size_t off, ql;
	char name[EVDNS_NAME_MAX + 1];
	int an, i;
	struct dns_result r;

	(void)env;
	dns_tsrv_start(&s, TS_NORMAL);
	ql = dns_make_query(q, 0x1234, 0x0100, "big.example", 1);
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
	dns_add_ns_port(s.port);
	dns_set_timeouts("0.5", "1");
	tt_int_op(evdns_resolve_ipv4("big.example", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_TRUNCATED);
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
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
	unsigned short port;
	int fd, what = 0;
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
	fd = regress_udp_loopback(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, compress_cb, &what);
	tt_assert(sp != NULL);
	ql = dns_make_query(q, 7, 0x0110, "www.example.com", 1);
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
	unsigned short port;
	int fd;
	struct evdns_server_port *sp;

	(void)env;
	fd = regress_udp_loopback(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, never_cb, NULL);
	tt_assert(sp != NULL);
	tt_assert(evdns_add_server_port(fd, 1, never_cb, NULL) == NULL);
	/* Opcode 2 (STATUS): NOTIMPL without asking the callback. */
	ql = dns_make_query(q, 9, 0x1100, "x.com", 1);
	n = raw_query(port, q, ql, a, sizeof(a));
	tt_int_op(n, ==, 12);
	tt_int_op(a[1], ==, 9);
	tt_int_op(a[2] & 0x80, ==, 0x80);
	tt_int_op(a[3] & 0x0f, ==, DNS_ERR_NOTIMPL);
	/* Malformed questions are dropped: a label past the end, a pointer
	 * loop, a lying count.  Each gets no reply at all. */
	ql = dns_make_query(q, 10, 0x0100, "x.com", 1);
	q[12] = 60;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	ql = dns_make_query(q, 11, 0x0100, "x.com", 1);
	q[12] = 0xc0;
	q[13] = 12;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	ql = dns_make_query(q, 12, 0x0100, "x.com", 1);
	q[5] = 200;
	tt_int_op(no_reply(port, q, ql, a, sizeof(a)), ==, -1);
	/* A reply (QR set) is never answered. */
	ql = dns_make_query(q, 13, 0x8100, "x.com", 1);
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
	unsigned short port;
	int fd;
	struct evdns_server_port *sp;
	struct sockaddr_in sin;
	struct sockaddr_storage ss;

	(void)env;
	fd = regress_udp_loopback(&port);
	evutil_make_socket_nonblocking(fd);
	sp = evdns_add_server_port(fd, 0, keep_cb, NULL);
	ql = dns_make_query(q, 5, 0x0100, "k.com", 1);
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

struct regress_case regress_dns_server_cases[] = {
	{ "dns/server_truncate", test_server_truncate, RT_BASE, NULL },
	{ "dns/server_compression", test_server_compression, RT_BASE, NULL },
	{ "dns/server_bad_queries", test_server_bad_queries, RT_BASE, NULL },
	{ "dns/server_close", test_server_close, RT_BASE, NULL },
	RT_END
};
