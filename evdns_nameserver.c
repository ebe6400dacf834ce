/*
 * evdns_nameserver.c -- the resolver's nameservers: their sockets, the
 * batched sending and reading of datagrams, the choice of a server for
 * each transmission, and their health (down after repeated timeouts,
 * probed until they answer again).
 *
 * Every query leaves from a socket of its own, bound to a fresh random
 * source port and connected to its nameserver (RFC 5452 9.2; struct
 * evdns_udp in evdns-internal.h), and its reply is read there.  Each
 * nameserver also keeps a connected UDP socket on a random port of its
 * own, which carries the queries that find no socket of their own (more
 * than EVDNS_MAX_QUERY_SOCKETS in flight, or socket() failing).  Replies
 * there are read up to EVDNS_RECV_BATCH at a time and handed to
 * evdns_reply_handle_(); while they are, the shared-socket queries that
 * callbacks start are queued and sent together afterwards, with one
 * sendmmsg() per server on Linux.
 */
/* recvmmsg/sendmmsg on Linux; must precede every system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif
#ifdef _WIN32
#include <bcrypt.h>
#endif

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "mm-internal.h"

#if defined(__linux__) && defined(MSG_WAITFORONE) && !defined(EVDNS_NO_MMSG)
#define EVDNS_MMSG 1
#endif

#define READ_BUDGET	256	/* datagrams read per readiness event */

static const int probe_delays[] = { 10, 60, 300, 900, 3600 };

static void ns_read_cb(int fd, short what, void *arg);
static void udp_read_cb(int fd, short what, void *arg);
static void probe_timer_cb(int fd, short what, void *arg);

/* ------------------------------------------------------------------ */
/* Randomness                                                          */

/*
 * Refill the pool from the kernel.  If it gives nothing (no getrandom,
 * no /dev/urandom) use a time-seeded mix and say so in the log.
 */
static void
rand_refill(struct evdns_base *dns)
{
	size_t want = sizeof(dns->rnd_pool), i;
	ssize_t r = -1;
	struct timeval tv;
	ev_uint64_t x;	/* 64 bits everywhere: the LCG needs them */

#if defined(HAVE_GETRANDOM)
	r = getrandom(dns->rnd_pool, want, 0);
#elif defined(_WIN32)
	if (BCryptGenRandom(NULL, dns->rnd_pool, (ULONG)want,
	    BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0)
		r = (ssize_t)want;
#endif
	if (r != (ssize_t)want) {
		int fd = open("/dev/urandom", O_RDONLY);
		r = -1;
		if (fd >= 0) {
			r = read(fd, dns->rnd_pool, want);
			close(fd);
		}
	}
	dns->rnd_left = want;
	if (r == (ssize_t)want)
		return;
	evdns_log_(1, "no kernel random source; transaction ids are "
	    "predictable");
	evutil_gettimeofday(&tv, NULL);
	x = (ev_uint64_t)tv.tv_usec * 2654435761UL ^
	    (ev_uint64_t)tv.tv_sec ^ ((ev_uint64_t)getpid() << 16);
	for (i = 0; i < want; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		dns->rnd_pool[i] = (unsigned char)(x >> 33);
	}
}

void
evdns_rand_bytes_(struct evdns_base *dns, void *out, size_t n)
{
	unsigned char *o = out;

	while (n > 0) {
		unsigned char *p;
		size_t take;

		if (dns->rnd_left == 0)
			rand_refill(dns);
		take = n < dns->rnd_left ? n : dns->rnd_left;
		p = dns->rnd_pool + sizeof(dns->rnd_pool) - dns->rnd_left;
		memcpy(o, p, take);
		/* Never hand out the same bytes twice. */
		memset(p, 0, take);
		dns->rnd_left -= take;
		o += take;
		n -= take;
	}
}

/* ------------------------------------------------------------------ */
/* Adding and freeing                                                  */

static int
sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		    *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		    *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

/* Bind fd to a random unprivileged port; fall back to the kernel's pick. */
static void
bind_random_port(struct evdns_base *dns, int fd, int family)
{
	int i;

	for (i = 0; i < 8; i++) {
		struct sockaddr_storage ss;
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		unsigned char b[2];
		unsigned short port;
		socklen_t len;

		evdns_rand_bytes_(dns, b, 2);
		port = (unsigned short)(1024 + evdns_get16(b) % (65536 - 1024));
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET6) {
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = in6addr_any;
			s6->sin6_port = htons(port);
			len = sizeof(*s6);
		} else {
			s4->sin_family = AF_INET;
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
			s4->sin_port = htons(port);
			len = sizeof(*s4);
		}
		if (bind(fd, (struct sockaddr *)&ss, len) == 0)
			return;
	}
}

/*
 * A nonblocking UDP socket on a random port, connected to sa, or -1.
 * shared: the nameserver's own socket, which gets a large receive buffer.
 */
static int
ns_socket(struct evdns_base *dns, const struct sockaddr *sa, socklen_t salen,
    int shared)
{
	int sz = 1 << 20;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
	/* One call instead of three: this runs once per query. */
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
#else
	int fd = socket(sa->sa_family, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	evutil_closeonexec_(fd);
	if (evutil_make_socket_nonblocking(fd) < 0) {
		EVUTIL_CLOSESOCKET(fd);
		return -1;
	}
#endif
	/*
	 * Room for a burst of replies: with max-inflight lookups out, all
	 * the answers can arrive before the loop gets to read them, and
	 * each small datagram costs the kernel a kilobyte or more of
	 * buffer.  The kernel caps this at net.core.rmem_max.  A query's
	 * own socket gets one answer or a few.
	 */
	if (shared)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	bind_random_port(dns, fd, sa->sa_family);
	/* Connected: the kernel then drops datagrams from other peers. */
	if (connect(fd, sa, salen) < 0) {
		evdns_log_(1, "connect to nameserver failed: %s",
		    strerror(errno));
		EVUTIL_CLOSESOCKET(fd);
		return -1;
	}
	return fd;
}

/* Whether the servers' sockets are to be watched now. */
static int
ns_watched(const struct evdns_base *dns)
{
	return !(dns->flags & EVDNS_BASE_DISABLE_WHEN_INACTIVE) ||
	    dns->n_inflight > 0;
}

void
evdns_ns_activity_(struct evdns_base *dns)
{
	struct nameserver *ns;
	int on = ns_watched(dns);

	if (!(dns->flags & EVDNS_BASE_DISABLE_WHEN_INACTIVE))
		return;
	for (ns = dns->ns_head; ns != NULL; ns = ns->next) {
		if (on)
			event_add(&ns->read_ev, NULL);
		else
			event_del(&ns->read_ev);
	}
}

int
evdns_nameserver_add_sa_(struct evdns_base *dns, const struct sockaddr *sa,
    socklen_t salen)
{
	struct nameserver *ns, **pp;

	for (ns = dns->ns_head; ns != NULL; ns = ns->next)
		if (sockaddr_equal((const struct sockaddr *)&ns->addr, sa))
			return 3;
	if (!evdns_base_usable_(dns->base))
		return 2;
	if ((ns = mm_calloc(1, sizeof(*ns))) == NULL)
		return 1;
	if ((ns->fd = ns_socket(dns, sa, salen, 1)) < 0) {
		mm_free(ns);
		return 1;
	}
	ns->dns = dns;
	memcpy(&ns->addr, sa, salen);
	ns->addrlen = salen;
	evdns_event_set_(dns->base, &ns->read_ev, ns->fd, EV_READ | EV_PERSIST,
	    ns_read_cb, ns);
	if (ns_watched(dns) && event_add(&ns->read_ev, NULL) < 0) {
		EVUTIL_CLOSESOCKET(ns->fd);
		mm_free(ns);
		return 2;
	}
	evdns_event_set_(dns->base, &ns->probe_ev, -1, 0, probe_timer_cb, ns);
	for (pp = &dns->ns_head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = ns;
	dns->ns_count++;
	evdns_log_(0, "added nameserver (%d configured)", dns->ns_count);
	evdns_pump_waiting_(dns);
	return 0;
}

void
evdns_ns_free_all_(struct evdns_base *dns)
{
	struct nameserver *ns, *next;

	for (ns = dns->ns_head; ns != NULL; ns = next) {
		next = ns->next;
		event_del(&ns->read_ev);
		event_del(&ns->probe_ev);
		EVUTIL_CLOSESOCKET(ns->fd);
		mm_free(ns);
	}
	dns->ns_head = dns->ns_cursor = NULL;
	dns->ns_count = 0;
	dns->ns_generation++;
	dns->nsendq = 0;	/* their lookups are failed or requeued */
}

/* ------------------------------------------------------------------ */
/* Choice and health                                                   */

/* Three passes: up and not avoid, then not avoid, then any. */
struct nameserver *
evdns_ns_pick_(struct evdns_base *dns, struct nameserver *avoid)
{
	struct nameserver *start, *ns;
	int pass;

	if (dns->ns_head == NULL)
		return NULL;
	start = dns->ns_cursor ? dns->ns_cursor : dns->ns_head;
	for (pass = 0; pass < 3; pass++) {
		ns = start;
		do {
			int ok = (pass == 0) ? (!ns->down && ns != avoid) :
			    (pass == 1) ? (ns != avoid) : 1;
			struct nameserver *next = ns->next ? ns->next :
			    dns->ns_head;

			if (ok) {
				dns->ns_cursor = next;
				return ns;
			}
			ns = next;
		} while (ns != start);
	}
	return dns->ns_head;
}

static void
probe_schedule(struct nameserver *ns)
{
	struct timeval tv;
	int n = (int)(sizeof(probe_delays) / sizeof(probe_delays[0]));

	tv.tv_sec = probe_delays[ns->probe_step < n ? ns->probe_step : n - 1];
	tv.tv_usec = 0;
	if (ns->probe_step < n - 1)
		ns->probe_step++;
	evtimer_add(&ns->probe_ev, &tv);
}

static void
ns_mark_down(struct nameserver *ns)
{
	if (ns->down)
		return;
	ns->down = 1;
	ns->probe_step = 0;
	evdns_log_(1, "nameserver marked down after %d timeouts",
	    ns->timeouts);
	probe_schedule(ns);
}

void
evdns_ns_mark_up_(struct nameserver *ns)
{
	ns->timeouts = 0;
	if (!ns->down)
		return;
	ns->down = 0;
	ns->probe_step = 0;
	event_del(&ns->probe_ev);
	evdns_log_(0, "nameserver is up again");
}

void
evdns_ns_timeout_(struct nameserver *ns)
{
	if (++ns->timeouts > ns->dns->max_timeouts)
		ns_mark_down(ns);
}

static void
probe_done(int result, char type, int count, int ttl, void *addrs,
    void *arg)
{
	struct nameserver *ns = arg;

	(void)type;
	(void)count;
	(void)ttl;
	(void)addrs;
	ns->probe = NULL;
	if (result == DNS_ERR_NONE || result == DNS_ERR_NOTEXIST)
		evdns_ns_mark_up_(ns);
	else if (ns->down)
		probe_schedule(ns);
}

static void
probe_timer_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;

	(void)fd;
	(void)what;
	if (ns->probe == NULL && ns->down)
		evdns_probe_start_(ns, probe_done);
}

int
evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
    const struct sockaddr *sa, ev_socklen_t len, unsigned flags)
{
	if (base == NULL || sa == NULL || flags != 0)
		return -1;
	if (!((sa->sa_family == AF_INET &&
	    len >= (ev_socklen_t)sizeof(struct sockaddr_in)) ||
	    (sa->sa_family == AF_INET6 &&
	    len >= (ev_socklen_t)sizeof(struct sockaddr_in6))))
		return -1;
	return evdns_nameserver_add_sa_(base, sa, sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
}

int
evdns_base_get_nameserver_addr(struct evdns_base *base, int idx,
    struct sockaddr *sa, ev_socklen_t len)
{
	struct nameserver *ns;

	if (base == NULL || idx < 0)
		return -1;
	for (ns = base->ns_head; ns != NULL && idx > 0; ns = ns->next)
		idx--;
	if (ns == NULL)
		return -1;
	if (sa != NULL && len >= ns->addrlen)
		memcpy(sa, &ns->addr, ns->addrlen);
	return (int)ns->addrlen;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/* Send one query datagram; a failure is left to the request's timer. */
static void
dgram_send(struct nameserver *ns, const unsigned char *pkt, size_t len)
{
	ssize_t r = send(ns->fd, pkt, len, 0);

	if (r < 0 && EVUTIL_ERR_IS_REFUSED(EVUTIL_SOCKET_ERROR())) {
		/* An ICMP error from an earlier datagram; try once more. */
		r = send(ns->fd, pkt, len, 0);
	}
	if (r < 0)
		evdns_log_(1, "send to nameserver failed: %s",
		    strerror(errno));
}

/* Send the queued datagrams sendq[i..j) (all for one server), in order. */
static void
sends_flush_run(struct evdns_base *dns, int i, int j)
{
	struct nameserver *ns = dns->sendq[i].ns;
#ifdef EVDNS_MMSG
	struct mmsghdr mm[EVDNS_SEND_BATCH];
	struct iovec iov[EVDNS_SEND_BATCH];
	int k, sent;

	for (k = 0; k < j - i; k++) {
		iov[k].iov_base = dns->sendq[i + k].pkt;
		iov[k].iov_len = dns->sendq[i + k].len;
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(ns->fd, mm, (unsigned int)k, 0);
	/* The rest one by one, which also logs the error. */
	for (i += sent > 0 ? sent : 0; i < j; i++)
		dgram_send(ns, dns->sendq[i].pkt, dns->sendq[i].len);
#else
	for (; i < j; i++)
		dgram_send(ns, dns->sendq[i].pkt, dns->sendq[i].len);
#endif
}

/* Send every queued datagram (one sendmmsg per run of one server). */
static void
sends_flush(struct evdns_base *dns)
{
	int i = 0, j;

	while (i < dns->nsendq) {
		for (j = i; j < dns->nsendq && dns->sendq[j].ns ==
		    dns->sendq[i].ns; j++)
			;
		sends_flush_run(dns, i, j);
		i = j;
	}
	dns->nsendq = 0;
}

void
evdns_udp_close_(struct evdns_udp *u)
{
	if (u->fd < 0)
		return;
	event_del(&u->ev);
	EVUTIL_CLOSESOCKET(u->fd);
	u->fd = -1;
	u->ns->dns->n_query_sockets--;
	u->ns = NULL;
}

/*
 * Give u a socket of its own for query id to ns, unless it has it
 * already.  0, or -1 to use the shared socket (limit reached or no fd).
 */
static int
udp_open(struct nameserver *ns, struct evdns_udp *u, ev_uint16_t id)
{
	struct evdns_base *dns = ns->dns;
	int fd;

	if (u->fd >= 0 && u->ns == ns && u->id == id)
		return 0;
	evdns_udp_close_(u);
	if (dns->n_query_sockets >= EVDNS_MAX_QUERY_SOCKETS)
		return -1;
	fd = ns_socket(dns, (struct sockaddr *)&ns->addr, ns->addrlen, 0);
	if (fd < 0)
		return -1;
	evdns_event_set_(dns->base, &u->ev, fd, EV_READ | EV_PERSIST,
	    udp_read_cb, u);
	if (event_add(&u->ev, NULL) < 0) {
		EVUTIL_CLOSESOCKET(fd);
		return -1;
	}
	u->fd = fd;
	u->ns = ns;
	u->id = id;
	dns->n_query_sockets++;
	return 0;
}

void
evdns_ns_send_(struct nameserver *ns, struct evdns_udp *u, ev_uint16_t id,
    const unsigned char *pkt, size_t len)
{
	struct evdns_base *dns = ns->dns;
	struct evdns_pending_send *ps;

	if (udp_open(ns, u, id) == 0) {
		if (send(u->fd, pkt, len, 0) < 0)
			evdns_log_(1, "send to nameserver failed: %s",
			    strerror(errno));
		return;
	}
	if (!dns->batching) {
		dgram_send(ns, pkt, len);
		return;
	}
	if (dns->nsendq == EVDNS_SEND_BATCH)
		sends_flush(dns);
	ps = &dns->sendq[dns->nsendq++];
	ps->ns = ns;
	ps->len = len;
	memcpy(ps->pkt, pkt, len);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/*
 * Handle one datagram from ns; from is its source, or NULL when the
 * socket is known to receive from its peer only.  Returns 0, or -1 if a
 * callback removed the nameservers (ns is then gone).
 */
static int
datagram_handle(struct nameserver *ns, unsigned int gen,
    const unsigned char *buf, size_t len, const struct sockaddr *from,
    int truncated)
{
	struct evdns_base *dns = ns->dns;

	if (from != NULL &&
	    !sockaddr_equal(from, (struct sockaddr *)&ns->addr)) {
		evdns_log_(1, "dropped a reply from an unexpected address");
		return 0;
	}
	evdns_reply_handle_(ns, NULL, buf, len, truncated);
	return gen != dns->ns_generation ? -1 : 0;
}

#ifdef EVDNS_MMSG
/* Read datagrams EVDNS_RECV_BATCH at a time, up to READ_BUDGET. */
static void
ns_read(struct nameserver *ns)
{
	struct evdns_base *dns = ns->dns;
	unsigned int gen = dns->ns_generation;
	struct mmsghdr mm[EVDNS_RECV_BATCH];
	struct iovec iov[EVDNS_RECV_BATCH];
	int budget = READ_BUDGET, i, n;

	while (budget > 0) {
		for (i = 0; i < EVDNS_RECV_BATCH; i++) {
			iov[i].iov_base = dns->rxbuf + i * EVDNS_RECV_SLOT;
			iov[i].iov_len = EVDNS_RECV_SLOT;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(ns->fd, mm, EVDNS_RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP error, reported once. */
			if ((errno == EINTR || errno == ECONNREFUSED) &&
			    budget-- > 0)
				continue;
			return;
		}
		budget -= n;
		/*
		 * No source addresses: the socket is connected, and a
		 * connected datagram socket only receives from its peer
		 * (POSIX connect()), which the foreign_source test checks.
		 */
		for (i = 0; i < n; i++)
			if (datagram_handle(ns, gen, iov[i].iov_base,
			    mm[i].msg_len, NULL,
			    (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) < 0)
				return;
		if (n < EVDNS_RECV_BATCH)
			return;
	}
}
#else
/* Read datagrams one by one, up to READ_BUDGET. */
static void
ns_read(struct nameserver *ns)
{
	struct evdns_base *dns = ns->dns;
	unsigned int gen = dns->ns_generation;
	int budget = READ_BUDGET;

	while (budget-- > 0) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		/* Larger than any datagram: nothing is ever cut. */
		ssize_t r = recvfrom(ns->fd, dns->rxbuf, sizeof(dns->rxbuf), 0,
		    (struct sockaddr *)&from, &fromlen);

		if (r < 0) {
			int e = EVUTIL_SOCKET_ERROR();

			/* Refused: an ICMP error, reported once (on Windows
			 * as WSAECONNRESET). */
			if (EVUTIL_ERR_IS_EINTR(e) || EVUTIL_ERR_IS_REFUSED(e))
				continue;
			return;
		}
		if (datagram_handle(ns, gen, dns->rxbuf, (size_t)r,
		    (struct sockaddr *)&from, 0) < 0)
			return;
	}
}
#endif

/*
 * A datagram on a query's own socket.  One per call: handling it may end
 * the request and free u (the loop calls again while more are queued).
 */
static void
udp_read_cb(int fd, short what, void *arg)
{
	struct evdns_udp *u = arg;
	struct nameserver *ns = u->ns;
	ssize_t r;

	(void)what;
	r = recv(fd, ns->dns->rxbuf, sizeof(ns->dns->rxbuf), 0);
	if (r < 0)
		return;	/* EAGAIN, or an ICMP error: the timer acts */
	evdns_reply_handle_(ns, u, ns->dns->rxbuf, (size_t)r, 0);
}

static void
ns_read_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	struct evdns_base *dns = ns->dns;

	(void)fd;
	(void)what;
	evdns_base_enter_(dns);
	/* Lookups started by callbacks below are sent in one batch. */
	dns->batching++;
	ns_read(ns);
	if (--dns->batching == 0)
		sends_flush(dns);
	evdns_base_leave_(dns);
}
