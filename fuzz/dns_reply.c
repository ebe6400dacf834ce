/*
 * dns_reply.c -- fuzz the resolver's reply parsing, over UDP and the TCP
 * fallback.  The resolver asks a nameserver on the loopback that is this
 * target: it reads the query and answers with the input.
 *
 * Input: byte 0 picks the lookup (A, AAAA, PTR) and whether the reply
 * keeps its own transaction id (else the query's id is patched in, so
 * the reply is taken); the rest is the reply.  When the reply has the TC
 * bit, the resolver asks again over TCP and gets the same bytes with TC
 * cleared, behind a length that byte 0 may make wrong.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "fuzz.h"
#include "net.h"

static struct event_base *base;
static int udp_fd = -1, tcp_fd = -1;
static char ns_addr[64];

static void
setup(void)
{
	unsigned short port;
	int i;

	if (base != NULL)
		return;
	fuzz_quiet();
	base = event_init();
	/* One port for both: the TCP retry goes where the UDP query went. */
	for (i = 0; i < 20 && tcp_fd < 0; i++) {
		port = 0;
		if (udp_fd >= 0)
			close(udp_fd);
		udp_fd = fuzz_bind_loopback(SOCK_DGRAM, &port);
		if (udp_fd >= 0)
			tcp_fd = fuzz_bind_loopback(SOCK_STREAM, &port);
	}
	fuzz_check(base != NULL && udp_fd >= 0 && tcp_fd >= 0);
	snprintf(ns_addr, sizeof(ns_addr), "127.0.0.1:%d", port);
}

static void
lookup_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)type;
	(void)ttl;
	(void)result;
	/* The addresses must be readable, count of them. */
	if (result == DNS_ERR_NONE && count > 0 && addrs != NULL) {
		volatile const unsigned char *p = addrs;
		size_t i, n = type == DNS_IPv6_AAAA ? 16 : 4;
		unsigned x = 0;

		if (type == DNS_PTR)
			(void)strlen(*(char **)addrs);
		else
			for (i = 0; i < n * (size_t)count; i++)
				x += p[i];
		(void)x;
	}
	(*(int *)arg)++;
}

/* The query from the resolver (UDP), or -1. */
static ssize_t
take_query(unsigned char *q, size_t qlen, struct sockaddr_storage *from,
    socklen_t *fromlen)
{
	ssize_t n = -1;
	int i;

	for (i = 0; i < 20 && n < 0; i++) {
		*fromlen = sizeof(*from);
		n = recvfrom(udp_fd, q, qlen, 0, (struct sockaddr *)from,
		    fromlen);
		if (n < 0)
			fuzz_spin(base, 1, NULL);
	}
	return n;
}

/* Answer the TCP retry with reply (length-prefixed, maybe wrongly). */
static void
answer_tcp(unsigned char *reply, size_t len, unsigned mode, int *done)
{
	unsigned char lenbuf[2], q[600];
	size_t wire = (mode & 0x10) ? len + 7 : len;
	int fd = -1, i;

	for (i = 0; i < 20 && fd < 0 && !*done; i++) {
		fd = accept(tcp_fd, NULL, NULL);
		if (fd < 0)
			fuzz_spin(base, 1, done);
	}
	if (fd < 0)
		return;
	(void)evutil_make_socket_nonblocking(fd);
	/* The query: its length and the id to answer with. */
	for (i = 0; i < 20; i++) {
		ssize_t n = recv(fd, q, sizeof(q), 0);
		if (n >= 4) {
			if (!(mode & 0x08) && len >= 2)
				memcpy(reply, q + 2, 2);
			break;
		}
		if (n == 0)
			break;
		fuzz_spin(base, 1, done);
	}
	if (len >= 3)
		reply[2] &= (unsigned char)~0x02;	/* no TC this time */
	lenbuf[0] = (unsigned char)(wire >> 8);
	lenbuf[1] = (unsigned char)wire;
	if (fuzz_send_all(base, fd, lenbuf, 2) == 0)
		(void)fuzz_send_all(base, fd, reply, len);
	if (mode & 0x20)
		shutdown(fd, SHUT_WR);
	fuzz_spin(base, 10, done);
	fuzz_close_reset(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char q[600], reply[65536];
	struct sockaddr_storage from;
	socklen_t fromlen;
	size_t len;
	unsigned mode;
	int done = 0, r;
	ssize_t qn;

	if (size < 1 || size - 1 > sizeof(reply))
		return 0;
	setup();
	mode = data[0];
	len = size - 1;
	memcpy(reply, data + 1, len);
	fuzz_check(evdns_nameserver_ip_add(ns_addr) == 0);
	(void)evdns_set_option("timeout:", "0.05", DNS_OPTIONS_ALL);
	(void)evdns_set_option("attempts:", "1", DNS_OPTIONS_ALL);
	switch (mode % 3) {
	case 0:
		r = evdns_resolve_ipv4("a.example", DNS_QUERY_NO_SEARCH,
		    lookup_cb, &done);
		break;
	case 1:
		r = evdns_resolve_ipv6("a.example", DNS_QUERY_NO_SEARCH,
		    lookup_cb, &done);
		break;
	default: {
		struct in_addr in;

		in.s_addr = htonl(0x7f000001);
		r = evdns_resolve_reverse(&in, 0, lookup_cb, &done);
		break;
	}
	}
	fuzz_check(r == 0);
	qn = take_query(q, sizeof(q), &from, &fromlen);
	if (qn >= 2) {
		if (!(mode & 0x08) && len >= 2)
			memcpy(reply, q, 2);
		(void)sendto(udp_fd, reply, len, 0, (struct sockaddr *)&from,
		    fromlen);
		fuzz_spin(base, 4, &done);
		if (!done && len >= 3 && (reply[2] & 0x02))
			answer_tcp(reply, len, mode, &done);
	}
	/* Whatever is still pending ends now, with its callback. */
	evdns_shutdown(1);
	fuzz_check(done == 1);
	while (recv(udp_fd, q, sizeof(q), 0) > 0)
		;
	return 0;
}
