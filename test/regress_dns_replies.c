/*
 * regress_dns_replies.c -- replies a nameserver should never send: a
 * forked raw server answers with deliberately broken messages chosen by
 * the question's first label (and over TCP after TC), a fuzzing server
 * damages good answers at random, and a reply from a foreign address is
 * ignored.  Every lookup still ends exactly once, with the right error.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Hostile replies from a raw server (a helper peer, regress_peer)    */

static pid_t raw_pid = -1;
static int raw_fds[2];		/* its UDP and TCP sockets, on one port */
static unsigned short raw_port;

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

/* The raw server, until a datagram "stop": its exit status, 0. */
static int
raw_main(void *arg)
{
	int ufd = raw_fds[0], tfd = raw_fds[1];

	(void)arg;
	alarm(60);
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
			if (r == 4 && memcmp(q, "stop", 4) == 0)
				return 0;
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

/* Start the raw server; UDP and TCP on the same loopback port. */
static int
raw_start(void)
{
	unsigned short port = 0;
	int ufd = -1, tfd = -1, tries;

	for (tries = 0; tries < 20; tries++) {
		ufd = regress_udp_loopback(&port);
		tfd = regress_listen_loopback_port(AF_INET, port);
		if (tfd != -1)
			break;
		close(ufd);
		ufd = -1;
	}
	tt_assert(ufd >= 0);
	raw_fds[0] = ufd;
	raw_fds[1] = tfd;
	raw_port = port;
	/* (Its sockets stay open here until it ended: a peer thread
	 * shares them.) */
	raw_pid = regress_peer(raw_main, NULL);
	return port;
}

/* Tell the raw server to stop; it must end by itself, with status 0. */
static void
raw_stop(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	tt_assert(fd >= 0);
	regress_loopback_in(&sin, raw_port);
	tt_int_op(sendto(fd, "stop", 4, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), ==, 4);
	close(fd);
	tt_int_op(regress_wait(raw_pid, 5), ==, 0);
	raw_pid = -1;
	close(raw_fds[0]);
	close(raw_fds[1]);
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
	struct dns_result r[N];
	char name[64];
	int port, i;

	(void)env;
	memset(r, 0, sizeof(r));
	port = raw_start();
	dns_add_ns_port(port);
	dns_set_timeouts("0.3", "1");
	for (i = 0; i < (int)N; i++) {
		snprintf(name, sizeof(name), "%s.bad.test", cases[i].kind);
		tt_int_op(evdns_resolve_ipv4(name, 0, dns_res_cb, &r[i]),
		    ==, 0);
	}
	dns_wait(N, 5);
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
	evdns_shutdown(0);
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
	int k = 0;

	(void)what;
	/* At most 16 a callback, so that the resolver reads the replies
	 * before its timeout, however slow each call is (wine). */
	while (k++ < 16 && (n = recvfrom(fd, q, 300, 0,
	    (struct sockaddr *)&from, &fl)) > 12) {
		size_t len = (size_t)n, i, flips;

		memcpy(q + n, base, sizeof(base));
		len += sizeof(base);
		q[2] = 0x81;
		q[3] = 0x80;
		q[6] = 0;
		if (f->replies++ % 10 == 0) {
			/* Every tenth intact, so that some must succeed
			 * however many queries a slow host drops. */
			q[7] = 4;
			sendto(fd, q, len, 0, (struct sockaddr *)&from, fl);
			fl = sizeof(from);
			continue;
		}
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
		fl = sizeof(from);
	}
}

static void
test_reply_fuzz(struct regress_env *env)
{
	enum { N = 400 };
	static struct dns_result r[N];
	struct fuzzsrv f;
	unsigned short port;
	char tmo[32];
	int i, ok = 0;

	(void)env;
	memset(r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.seed = 42;
	f.fd = regress_udp_loopback(&port);
	evutil_make_socket_nonblocking(f.fd);
	event_set(&f.ev, f.fd, EV_READ | EV_PERSIST, fuzz_cb, &f);
	event_add(&f.ev, NULL);
	dns_add_ns_port(port);
	snprintf(tmo, sizeof(tmo), "%.1f", 0.5 * regress_slowdown());
	dns_set_timeouts(tmo, "1");
	tt_int_op(evdns_set_option("max-inflight:", "1000", DNS_OPTIONS_ALL),
	    ==, 0);
	for (i = 0; i < N; i++)
		tt_int_op(evdns_resolve_ipv4("f.test", 0, dns_res_cb, &r[i]),
		    ==, 0);
	dns_wait(N, 5);
	for (i = 0; i < N; i++) {
		tt_int_op(r[i].done, ==, 1);
		if (r[i].err == DNS_ERR_NONE) {
			ok++;
			tt_assert(r[i].count >= 1 && r[i].count <= 32);
		}
	}
	/* The intact replies and a few damaged ones are taken, most of
	 * the damaged refused. */
	tt_assert(ok > 0);
	tt_assert(ok < N);
	tt_assert(f.replies > N / 2);
	event_del(&f.ev);
	close(f.fd);
	evdns_shutdown(0);
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
	struct dns_result r1, r2;
	unsigned short port, oport;
	int fd, other, i;
	ssize_t n;

	(void)env;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	fd = regress_udp_loopback(&port);
	evutil_make_socket_nonblocking(fd);
	other = regress_udp_loopback(&oport);
	dns_add_ns_port(port);
	dns_set_timeouts("0.3", "1");
	for (i = 0; i < 2; i++) {
		tt_int_op(evdns_resolve_ipv4("good.bad.test", 0, dns_res_cb,
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
		dns_wait(1, 3);
	}
	tt_int_op(r1.err, ==, DNS_ERR_TIMEOUT);
	dns_expect_a(&r2, "6.6.6.6");
	close(other);
	close(fd);
	evdns_shutdown(0);
}

struct regress_case regress_dns_replies_cases[] = {
	{ "dns/bad_replies", test_bad_replies, RT_BASE, NULL },
	{ "dns/reply_fuzz", test_reply_fuzz, RT_BASE, NULL },
	{ "dns/foreign_source", test_foreign_source, RT_BASE, NULL },
	RT_END
};
