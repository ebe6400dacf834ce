/*
 * evdns.c -- asynchronous DNS stub resolver and UDP DNS server.
 *
 * Written for relevent from RFC 1035 (message format), RFC 3596 (AAAA and
 * ip6.arpa), RFC 2308 (negative answers) and the libevent 1.4 API notes.
 *
 * Design in brief:
 *
 *  - All state is global (the 1.4 API has no handle).  Events are created
 *    with event_set(), so they live on current_base.
 *  - A request ("lookup") owns one timer event and, while it falls back to
 *    TCP, one socket.  It is either waiting (queued because max-inflight
 *    lookups are out, or no nameserver is configured) or in flight.  In
 *    flight requests are indexed by transaction id in a small hash table.
 *  - A lookup walks a list of candidate names (the search list); each
 *    candidate gets a fresh random transaction id, up to `attempts`
 *    transmissions spread round-robin over the nameservers, and fails over
 *    to the next nameserver on SERVFAIL/REFUSED/NOTIMPL.  When a candidate
 *    fails (error reply or every transmission timed out) the next candidate
 *    is tried; the last failure is reported.  So every lookup ends within
 *    candidates * attempts * timeout seconds, plus at most one TCP timeout
 *    per candidate.
 *  - Each nameserver has its own connected UDP socket bound to a random
 *    source port.  A reply is used only if it comes from that server's
 *    address, carries the id of a request sent to that server, and echoes
 *    exactly the question we asked.  Anything else is dropped silently.
 *  - The packet parser (evdns_name_parse_ and reply_parse) checks every
 *    offset against the packet length before reading.
 *
 * Compatibility decisions (see docs/COMPAT.md): timeouts advance the
 * search list, SERVFAIL fails over to another server, a TC reply is retried
 * over TCP, a trailing dot makes a name absolute, CNAME chains are
 * followed and answers must belong to the chain.
 */
/* recvmmsg/sendmmsg on Linux; must precede every system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

#if defined(__linux__) && defined(MSG_WAITFORONE) && !defined(EVDNS_NO_MMSG)
#define EVDNS_MMSG 1
#endif

/* The default base; exported by the core (api-1.4.md section 7). */
extern struct event_base *current_base;

#define TYPE_A		1
#define TYPE_CNAME	5
#define TYPE_PTR	12
#define TYPE_AAAA	28
#define CLASS_IN	1

#define FLAG_QR		0x8000
#define FLAG_AA		0x0400
#define FLAG_TC		0x0200
#define FLAG_RD		0x0100
#define FLAG_RA		0x0080
#define FLAG_CD		0x0010

#define MAX_ADDRS	32	/* addresses handed to a callback (as 1.4) */
#define MAX_ANSWERS	64	/* answer RRs examined per reply */
#define MAX_CNAME_HOPS	8	/* CNAME links followed, in and across replies */
#define UDP_MAX		512	/* RFC 1035 UDP payload without EDNS */
#define HASH_SIZE	1024	/* buckets of the transaction-id table */

/* ------------------------------------------------------------------ */
/* Logging                                                             */

static evdns_debug_log_fn_type log_fn;

static void dns_log(int warn, const char *fmt, ...) EV_CHECK_FMT(2, 3);

/* Format a message and pass it to the user's hook, if any. */
static void
dns_log(int warn, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (log_fn == NULL)
		return;
	va_start(ap, fmt);
	evutil_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_fn(warn, buf);
}

void
evdns_set_log_fn(evdns_debug_log_fn_type fn)
{
	log_fn = fn;
}

const char *
evdns_err_to_string(int err)
{
	switch (err) {
	case DNS_ERR_NONE: return "no error";
	case DNS_ERR_FORMAT: return "misformatted query";
	case DNS_ERR_SERVERFAILED: return "server failed";
	case DNS_ERR_NOTEXIST: return "name does not exist";
	case DNS_ERR_NOTIMPL: return "query not implemented";
	case DNS_ERR_REFUSED: return "refused";
	case DNS_ERR_TRUNCATED: return "reply truncated or ill-formed";
	case DNS_ERR_UNKNOWN: return "unknown";
	case DNS_ERR_TIMEOUT: return "request timed out";
	case DNS_ERR_SHUTDOWN: return "dns subsystem shut down";
	default: return "[Unknown error code]";
	}
}

/* ------------------------------------------------------------------ */
/* Randomness                                                          */

static unsigned char rnd_pool[512];
static size_t rnd_left;

/*
 * Fill out with n bytes from the kernel's random source.  Bytes are
 * fetched in blocks so that a busy resolver makes one syscall per few
 * hundred ids.  If the kernel gives nothing (no getrandom, no
 * /dev/urandom) we fall back to a time-seeded mix and say so in the log.
 */
static void
rand_bytes(void *out, size_t n)
{
	unsigned char *o = out;

	while (n > 0) {
		size_t take;

		if (rnd_left == 0) {
			ssize_t r = -1;
#ifdef HAVE_GETRANDOM
			r = getrandom(rnd_pool, sizeof(rnd_pool), 0);
#endif
			if (r != (ssize_t)sizeof(rnd_pool)) {
				int fd = open("/dev/urandom", O_RDONLY);
				r = -1;
				if (fd >= 0) {
					r = read(fd, rnd_pool, sizeof(rnd_pool));
					close(fd);
				}
			}
			if (r != (ssize_t)sizeof(rnd_pool)) {
				struct timeval tv;
				unsigned long x;
				size_t i;

				dns_log(1, "no kernel random source; "
				    "transaction ids are predictable");
				evutil_gettimeofday(&tv, NULL);
				x = (unsigned long)tv.tv_usec * 2654435761UL ^
				    (unsigned long)tv.tv_sec ^
				    ((unsigned long)getpid() << 16);
				for (i = 0; i < sizeof(rnd_pool); i++) {
					x = x * 6364136223846793005ULL +
					    1442695040888963407ULL;
					rnd_pool[i] = (unsigned char)(x >> 33);
				}
			}
			rnd_left = sizeof(rnd_pool);
		}
		take = n < rnd_left ? n : rnd_left;
		memcpy(o, rnd_pool + sizeof(rnd_pool) - rnd_left, take);
		/* Never hand out the same bytes twice. */
		memset(rnd_pool + sizeof(rnd_pool) - rnd_left, 0, take);
		rnd_left -= take;
		o += take;
		n -= take;
	}
}

static ev_uint16_t (*trans_id_fn)(void);

void
evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void))
{
	trans_id_fn = fn;
}

/* ------------------------------------------------------------------ */
/* Wire-format names                                                   */

int
evdns_name_parse_(const unsigned char *pkt, size_t len, size_t *off,
    char *out)
{
	size_t pos = *off;	/* where we read next */
	size_t end = 0;		/* where the name ends at its own position */
	size_t limit = pos;	/* pointers must point below this */
	size_t outlen = 0;	/* characters written to out */
	size_t wire = 0;	/* wire length, at most 255 */
	int jumped = 0;

	for (;;) {
		unsigned int l;

		if (pos >= len)
			return -1;
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -1;
			target = ((l & 0x3f) << 8) | pkt[pos + 1];
			/*
			 * Only strictly backward pointers, and each one
			 * must land before the start of the labels we just
			 * followed: the walk then always shrinks, so loops
			 * are impossible.
			 */
			if (target >= limit)
				return -1;
			if (!jumped) {
				end = pos + 2;
				jumped = 1;
			}
			pos = target;
			limit = target;
			continue;
		}
		if (l & 0xc0)
			return -1;	/* 0x40 and 0x80 label types */
		wire += l + 1;
		if (wire > 255)
			return -1;
		if (l == 0) {
			pos++;
			break;
		}
		if (pos + 1 + l > len)
			return -1;
		if (outlen != 0)
			out[outlen++] = '.';
		{
			const unsigned char *p = pkt + pos + 1;
			unsigned int i;

			for (i = 0; i < l; i++) {
				if (p[i] == '.' || p[i] == '\0')
					return -1;
				out[outlen++] = (char)p[i];
			}
		}
		pos += 1 + l;
	}
	out[outlen] = '\0';
	*off = jumped ? end : pos;
	return 0;
}

int
evdns_name_encode_(unsigned char *buf, size_t cap, const char *name)
{
	size_t n = strlen(name), i = 0, w = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0) {
		/* The root. */
		if (cap < 1)
			return -1;
		buf[0] = 0;
		return 1;
	}
	while (i < n) {
		const char *dot = memchr(name + i, '.', n - i);
		size_t l = dot ? (size_t)(dot - (name + i)) : n - i;

		if (l == 0 || l > 63)
			return -1;
		if (w + 1 + l + 1 > 255 || w + 1 + l + 1 > cap)
			return -1;
		buf[w++] = (unsigned char)l;
		memcpy(buf + w, name + i, l);
		w += l;
		i += l + 1;
		if (dot && i == n)
			return -1;	/* "a..": an empty label */
	}
	buf[w++] = 0;
	return (int)w;
}

static ev_uint16_t
get16(const unsigned char *p)
{
	return (ev_uint16_t)((p[0] << 8) | p[1]);
}

static ev_uint32_t
get32(const unsigned char *p)
{
	return ((ev_uint32_t)p[0] << 24) | ((ev_uint32_t)p[1] << 16) |
	    ((ev_uint32_t)p[2] << 8) | p[3];
}

static void
put16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put32(unsigned char *p, ev_uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ------------------------------------------------------------------ */
/* Resolver state                                                      */

struct nameserver {
	struct nameserver *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;				/* connected UDP socket */
	struct event read_ev;		/* persistent read on fd */
	struct event probe_ev;		/* timer to probe a down server */
	struct request *probe;		/* probe in flight, if any */
	int down;			/* considered unreachable */
	int timeouts;			/* consecutive timeouts */
	int probe_step;			/* index into probe_delays */
};

/* Search list shared (copy-on-write) by the requests using it. */
struct search_state {
	int refcnt;
	int ndots;
	int n;
	char **doms;			/* in the order they are tried */
};

struct dns_tcp {
	int fd;
	struct event ev;
	unsigned char out[2 + 12 + 256 + 4];
	size_t outlen, outoff;
	unsigned char lenbuf[2];
	size_t lenoff;
	unsigned char *in;
	size_t inlen, inoff;
};

enum req_state { RS_NEW, RS_WAITING, RS_INFLIGHT, RS_TCP };

struct request {
	TAILQ_ENTRY(request) link;	/* waiting or inflight list */
	struct request *hash_next;	/* id table chain, while in_hash */
	enum req_state state;
	int in_hash;
	ev_uint16_t id;
	int qtype;			/* TYPE_A, TYPE_AAAA or TYPE_PTR */
	char user_type;			/* DNS_IPv4_A, DNS_IPv6_AAAA, DNS_PTR */
	unsigned char pkt[12 + 256 + 4];	/* the query */
	size_t pktlen;
	char qname[EVDNS_NAME_MAX + 1];	/* the name in pkt */
	struct nameserver *ns;		/* where the last copy went */
	struct nameserver *pinned;	/* probes: this server only */
	int tx;				/* transmissions of this candidate */
	int refusals;			/* SERVFAIL etc. for this candidate */
	int last_err;			/* error of the last failed candidate */
	struct event timeout_ev;
	struct dns_tcp *tcp;
	char base_name[EVDNS_NAME_MAX + 1];
	struct search_state *search;	/* NULL: the bare name only */
	int bare_first;
	int cand;			/* next candidate index */
	int cname_hops;
	evdns_callback_type cb;
	void *arg;
};

TAILQ_HEAD(request_list, request);

static struct nameserver *ns_head;	/* in the order added */
static struct nameserver *ns_cursor;	/* round-robin position */
static int ns_count;
static unsigned int ns_generation;	/* bumped when a server is freed */

static struct request_list waiting = TAILQ_HEAD_INITIALIZER(waiting);
static struct request_list inflight = TAILQ_HEAD_INITIALIZER(inflight);
static int n_inflight;
static int suspended;
static struct request *id_table[HASH_SIZE];

static struct search_state *global_search;

static struct timeval opt_timeout = { 5, 0 };
static int opt_attempts = 3;
static int opt_max_timeouts = 3;
static int opt_max_inflight = 64;

static const int probe_delays[] = { 10, 60, 300, 900, 3600 };

/*
 * Batching.  While ns_read_cb hands replies to callbacks, the lookups
 * those callbacks start are queued here and sent together when the batch
 * of replies is done (with one sendmmsg per server on Linux), and replies
 * are read up to RECV_BATCH at a time.  Outside ns_read_cb every query is
 * sent at once.
 */
#define RECV_BATCH	32
#define RECV_BUF	4096	/* replies to non-EDNS queries are <= 512 */
#define SEND_BATCH	64

struct pending_send {
	struct nameserver *ns;
	size_t len;
	unsigned char pkt[12 + 256 + 4];
};

static int batching;
static struct pending_send sendq[SEND_BATCH];
static int nsendq;

static void request_transmit(struct request *req);
static void sends_flush(void);
static void request_finish(struct request *req, int err, int count,
    int ttl, void *addrs);
static void candidate_failed(struct request *req, int err);
static void pump_waiting(void);
static void timeout_cb(int fd, short what, void *arg);
static void ns_mark_up(struct nameserver *ns);
static void waiting_arm(struct request *req);

/* ---- transaction ids ---- */

static struct request *
id_lookup(ev_uint16_t id)
{
	struct request *r;

	for (r = id_table[id % HASH_SIZE]; r != NULL; r = r->hash_next)
		if (r->id == id)
			return r;
	return NULL;
}

static void
id_remove(struct request *req)
{
	struct request **pp;

	if (!req->in_hash)
		return;
	for (pp = &id_table[req->id % HASH_SIZE]; *pp != NULL;
	    pp = &(*pp)->hash_next) {
		if (*pp == req) {
			*pp = req->hash_next;
			break;
		}
	}
	req->in_hash = 0;
}

/*
 * Give req a transaction id not used by any request in flight, from the
 * user's function if one is set, else from the kernel.  0xffff is never
 * used (1.4 never did).
 */
static void
id_assign(struct request *req)
{
	ev_uint16_t id;
	int tries = 0;

	id_remove(req);
	for (;;) {
		if (trans_id_fn != NULL && tries < 32) {
			id = trans_id_fn();
		} else {
			unsigned char b[2];
			rand_bytes(b, 2);
			id = (ev_uint16_t)((b[0] << 8) | b[1]);
		}
		tries++;
		if (id == 0xffff || id_lookup(id) != NULL)
			continue;
		break;
	}
	req->id = id;
	put16(req->pkt, id);
	req->hash_next = id_table[id % HASH_SIZE];
	id_table[id % HASH_SIZE] = req;
	req->in_hash = 1;
}

/* ---- search list ---- */

static void
search_unref(struct search_state *s)
{
	int i;

	if (s == NULL || --s->refcnt > 0)
		return;
	for (i = 0; i < s->n; i++)
		mm_free(s->doms[i]);
	mm_free(s->doms);
	mm_free(s);
}

/*
 * Return a private copy of the global search state that may be modified
 * (copy-on-write: requests keep the list they started with).  NULL when
 * out of memory.
 */
static struct search_state *
search_writable(void)
{
	struct search_state *s, *old = global_search;
	int i;

	if (old != NULL && old->refcnt == 1)
		return old;
	s = mm_calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->refcnt = 1;
	s->ndots = old ? old->ndots : 1;
	if (old != NULL && old->n > 0) {
		s->doms = mm_calloc((size_t)old->n, sizeof(char *));
		if (s->doms == NULL) {
			mm_free(s);
			return NULL;
		}
		for (i = 0; i < old->n; i++) {
			s->doms[i] = mm_strdup(old->doms[i]);
			if (s->doms[i] == NULL) {
				s->n = i;
				search_unref(s);
				return NULL;
			}
		}
		s->n = old->n;
	}
	search_unref(old);
	global_search = s;
	return s;
}

void
evdns_search_clear(void)
{
	search_unref(global_search);
	global_search = NULL;
}

/* Insert domain (leading dots stripped) at position front ? 0 : end. */
static void
search_insert(const char *domain, int front)
{
	struct search_state *s;
	char **nd, *d;
	size_t len;

	if (domain == NULL)
		return;
	while (*domain == '.')
		domain++;
	len = strlen(domain);
	while (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > EVDNS_NAME_MAX)
		return;
	if ((s = search_writable()) == NULL)
		return;
	if ((d = mm_malloc(len + 1)) == NULL)
		return;
	memcpy(d, domain, len);
	d[len] = '\0';
	nd = mm_realloc(s->doms, sizeof(char *) * ((size_t)s->n + 1));
	if (nd == NULL) {
		mm_free(d);
		return;
	}
	s->doms = nd;
	if (front) {
		memmove(nd + 1, nd, sizeof(char *) * (size_t)s->n);
		nd[0] = d;
	} else {
		nd[s->n] = d;
	}
	s->n++;
}

void
evdns_search_add(const char *domain)
{
	search_insert(domain, 1);
}

void
evdns_search_ndots_set(const int ndots)
{
	struct search_state *s = search_writable();

	if (s != NULL)
		s->ndots = ndots < 0 ? 0 : ndots;
}

/* Drop the domains but keep ndots. */
static void
search_domains_clear(void)
{
	struct search_state *s = search_writable();
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		mm_free(s->doms[i]);
	mm_free(s->doms);
	s->doms = NULL;
	s->n = 0;
}

/* ---- nameservers ---- */

/* Bind fd to a random unprivileged port; fall back to the kernel's pick. */
static void
bind_random_port(int fd, int family)
{
	int i;

	for (i = 0; i < 8; i++) {
		unsigned char b[2];
		unsigned int port;
		int r;

		rand_bytes(b, 2);
		port = 1024 + (((unsigned int)b[0] << 8 | b[1]) % (65536 - 1024));
		if (family == AF_INET6) {
			struct sockaddr_in6 s6;
			memset(&s6, 0, sizeof(s6));
			s6.sin6_family = AF_INET6;
			s6.sin6_addr = in6addr_any;
			s6.sin6_port = htons((unsigned short)port);
			r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
		} else {
			struct sockaddr_in s4;
			memset(&s4, 0, sizeof(s4));
			s4.sin_family = AF_INET;
			s4.sin_addr.s_addr = htonl(INADDR_ANY);
			s4.sin_port = htons((unsigned short)port);
			r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
		}
		if (r == 0)
			return;
	}
}

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

static void ns_read_cb(int fd, short what, void *arg);
static void reply_handle(struct nameserver *ns, const unsigned char *pkt,
    size_t len, int truncated);

/*
 * Add a nameserver at sa.  Returns 0, 3 for a duplicate, 1 when the socket
 * cannot be made, 2 when its event cannot be added.
 */
static int
nameserver_add_sa(const struct sockaddr *sa, socklen_t salen)
{
	struct nameserver *ns, **pp;
	int fd;

	for (ns = ns_head; ns != NULL; ns = ns->next)
		if (sockaddr_equal((const struct sockaddr *)&ns->addr, sa))
			return 3;
	if (current_base == NULL)
		return 2;
	if ((ns = mm_calloc(1, sizeof(*ns))) == NULL)
		return 1;
	fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		mm_free(ns);
		return 1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (evutil_make_socket_nonblocking(fd) < 0) {
		close(fd);
		mm_free(ns);
		return 1;
	}
	/*
	 * Room for a burst of replies: with max-inflight lookups out, all
	 * the answers can arrive before the loop gets to read them, and
	 * each small datagram costs the kernel a kilobyte or more of
	 * buffer.  The kernel caps this at net.core.rmem_max.
	 */
	{
		int sz = 1 << 20;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	bind_random_port(fd, sa->sa_family);
	/* Connected: the kernel then drops datagrams from other peers. */
	if (connect(fd, sa, salen) < 0) {
		dns_log(1, "connect to nameserver failed: %s", strerror(errno));
		close(fd);
		mm_free(ns);
		return 1;
	}
	memcpy(&ns->addr, sa, salen);
	ns->addrlen = salen;
	ns->fd = fd;
	event_set(&ns->read_ev, fd, EV_READ | EV_PERSIST, ns_read_cb, ns);
	if (event_add(&ns->read_ev, NULL) < 0) {
		close(fd);
		mm_free(ns);
		return 2;
	}
	evtimer_set(&ns->probe_ev, NULL, ns);
	for (pp = &ns_head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = ns;
	ns_count++;
	dns_log(0, "added nameserver (%d configured)", ns_count);
	pump_waiting();
	return 0;
}

int
evdns_nameserver_add(unsigned long int address)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = (in_addr_t)address;
	sin.sin_port = htons(53);
	return nameserver_add_sa((struct sockaddr *)&sin, sizeof(sin));
}

/* Parse a decimal port 1-65535 that ends the string.  -1 if invalid. */
static int
parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return v == 0 ? -1 : (int)v;
}

int
evdns_nameserver_ip_add(const char *ip_as_string)
{
	char buf[64];
	const char *host, *colon;
	int port = 53;
	size_t hl;

	if (ip_as_string == NULL)
		return 4;
	while (*ip_as_string == ' ' || *ip_as_string == '\t')
		ip_as_string++;
	if (ip_as_string[0] == '[') {
		const char *close = strchr(ip_as_string, ']');
		if (close == NULL)
			return 4;
		host = ip_as_string + 1;
		hl = (size_t)(close - host);
		if (close[1] == ':') {
			if ((port = parse_port(close + 2)) < 0)
				return 4;
		} else if (close[1] != '\0') {
			return 4;
		}
	} else {
		host = ip_as_string;
		colon = strchr(ip_as_string, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Bare IPv6 address, no port. */
			hl = strlen(host);
		} else if (colon != NULL) {
			hl = (size_t)(colon - host);
			if ((port = parse_port(colon + 1)) < 0)
				return 4;
		} else {
			hl = strlen(host);
		}
	}
	if (hl == 0 || hl >= sizeof(buf))
		return 4;
	memcpy(buf, host, hl);
	buf[hl] = '\0';
	if (strchr(buf, ':') != NULL) {
		struct sockaddr_in6 s6;
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, buf, &s6.sin6_addr) != 1)
			return 4;
		return nameserver_add_sa((struct sockaddr *)&s6, sizeof(s6));
	} else {
		struct sockaddr_in s4;
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = htons((unsigned short)port);
		/* inet_aton, as 1.4: "1.2.3" means 1.2.0.3. */
		if (inet_aton(buf, &s4.sin_addr) == 0)
			return 4;
		return nameserver_add_sa((struct sockaddr *)&s4, sizeof(s4));
	}
}

int
evdns_count_nameservers(void)
{
	return ns_count;
}

/*
 * Pick the server for the next transmission: round-robin over the servers
 * that are up, avoiding `avoid` when another choice exists; if every
 * server is down, round-robin over all of them.
 */
static struct nameserver *
ns_pick(struct nameserver *avoid)
{
	struct nameserver *start, *ns;
	int pass;

	if (ns_head == NULL)
		return NULL;
	start = ns_cursor ? ns_cursor : ns_head;
	for (pass = 0; pass < 3; pass++) {
		ns = start;
		do {
			int ok = (pass == 0) ? (!ns->down && ns != avoid) :
			    (pass == 1) ? (ns != avoid) : 1;
			if (ok) {
				ns_cursor = ns->next ? ns->next : ns_head;
				return ns;
			}
			ns = ns->next ? ns->next : ns_head;
		} while (ns != start);
	}
	return ns_head;
}

static void probe_done(int result, char type, int count, int ttl,
    void *addrs, void *arg);
static struct request *request_new(int qtype, const char *name, int flags,
    evdns_callback_type cb, void *arg);

static void
probe_timer_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	struct request *req;

	(void)fd;
	(void)what;
	if (ns->probe != NULL || !ns->down)
		return;
	req = request_new(TYPE_A, "www.google.com", DNS_QUERY_NO_SEARCH,
	    probe_done, ns);
	if (req == NULL)
		return;
	req->pinned = ns;
	ns->probe = req;
	req->state = RS_INFLIGHT;
	TAILQ_INSERT_TAIL(&inflight, req, link);
	n_inflight++;
	id_assign(req);
	request_transmit(req);
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
	evtimer_set(&ns->probe_ev, probe_timer_cb, ns);
	evtimer_add(&ns->probe_ev, &tv);
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
		ns_mark_up(ns);
	else if (ns->down)
		probe_schedule(ns);
}

static void
ns_mark_down(struct nameserver *ns)
{
	if (ns->down)
		return;
	ns->down = 1;
	ns->probe_step = 0;
	dns_log(1, "nameserver marked down after %d timeouts", ns->timeouts);
	probe_schedule(ns);
}

static void
ns_mark_up(struct nameserver *ns)
{
	ns->timeouts = 0;
	if (!ns->down)
		return;
	ns->down = 0;
	ns->probe_step = 0;
	event_del(&ns->probe_ev);
	dns_log(0, "nameserver is up again");
}

static void
tcp_close(struct request *req)
{
	if (req->tcp == NULL)
		return;
	event_del(&req->tcp->ev);
	close(req->tcp->fd);
	mm_free(req->tcp->in);
	mm_free(req->tcp);
	req->tcp = NULL;
}

/* Free every nameserver; in-flight requests must already be detached. */
static void
ns_free_all(void)
{
	struct nameserver *ns, *next;

	for (ns = ns_head; ns != NULL; ns = next) {
		next = ns->next;
		if (ns->probe != NULL) {
			struct request *p = ns->probe;
			ns->probe = NULL;
			/* A probe has nobody to tell: drop it. */
			p->cb = NULL;
			request_finish(p, DNS_ERR_SHUTDOWN, 0, 0, NULL);
		}
		event_del(&ns->read_ev);
		event_del(&ns->probe_ev);
		close(ns->fd);
		mm_free(ns);
	}
	ns_head = ns_cursor = NULL;
	ns_count = 0;
	ns_generation++;
	nsendq = 0;	/* their lookups are failed or requeued */
}

int
evdns_clear_nameservers_and_suspend(void)
{
	struct request *req;

	/*
	 * Move in-flight lookups back to the head of the waiting queue,
	 * keeping their order; probes are dropped with their servers.
	 */
	while ((req = TAILQ_LAST(&inflight, request_list)) != NULL) {
		if (req->pinned != NULL) {
			req->pinned->probe = NULL;
			req->cb = NULL;
			request_finish(req, DNS_ERR_SHUTDOWN, 0, 0, NULL);
			continue;
		}
		TAILQ_REMOVE(&inflight, req, link);
		n_inflight--;
		event_del(&req->timeout_ev);
		tcp_close(req);
		id_remove(req);
		req->ns = NULL;
		req->tx = 0;
		req->refusals = 0;
		req->state = RS_WAITING;
		TAILQ_INSERT_HEAD(&waiting, req, link);
	}
	TAILQ_FOREACH(req, &waiting, link)
		event_del(&req->timeout_ev);
	ns_free_all();
	suspended = 1;
	return 0;
}

int
evdns_resume(void)
{
	struct request *req;

	suspended = 0;
	pump_waiting();
	/* Still no server: the waiting lookups now run against a deadline. */
	TAILQ_FOREACH(req, &waiting, link)
		waiting_arm(req);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static int
count_dots(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '.')
			n++;
	return n;
}

/*
 * Set req->qname and req->pkt to the next candidate name.  Candidates
 * whose full name would be too long are skipped.  Returns -1 when there
 * is no candidate left.
 */
static int
candidate_next(struct request *req)
{
	int total = req->search ? req->search->n + 1 : 1;

	while (req->cand < total) {
		int i = req->cand++;
		const char *dom = NULL;
		int enc;

		if (req->search != NULL) {
			int n = req->search->n;
			if (req->bare_first)
				dom = (i == 0) ? NULL : req->search->doms[i - 1];
			else
				dom = (i < n) ? req->search->doms[i] : NULL;
		}
		if (dom != NULL) {
			if (evutil_snprintf(req->qname, sizeof(req->qname),
			    "%s.%s", req->base_name, dom) >=
			    (int)sizeof(req->qname))
				continue;
		} else {
			memcpy(req->qname, req->base_name,
			    strlen(req->base_name) + 1);
		}
		enc = evdns_name_encode_(req->pkt + 12, 256, req->qname);
		if (enc < 0)
			continue;
		put16(req->pkt + 2, FLAG_RD);
		put16(req->pkt + 4, 1);
		put16(req->pkt + 6, 0);
		put16(req->pkt + 8, 0);
		put16(req->pkt + 10, 0);
		put16(req->pkt + 12 + enc, (unsigned int)req->qtype);
		put16(req->pkt + 12 + enc + 2, CLASS_IN);
		req->pktlen = 12 + (size_t)enc + 4;
		req->tx = 0;
		req->refusals = 0;
		return 0;
	}
	return -1;
}

/*
 * Make a request for name (not yet queued).  Returns NULL for an empty,
 * malformed or oversize name, or when out of memory.
 */
static struct request *
request_new(int qtype, const char *name, int flags, evdns_callback_type cb,
    void *arg)
{
	struct request *req;
	unsigned char tmp[256];
	size_t len;

	if (name == NULL || current_base == NULL)
		return NULL;
	len = strlen(name);
	if (len == 0 || len > EVDNS_NAME_MAX)
		return NULL;
	if (name[len - 1] == '.') {
		/* A trailing dot: the name is absolute, never searched. */
		flags |= DNS_QUERY_NO_SEARCH;
		len--;
		if (len == 0)
			return NULL;
	}
	if ((req = mm_calloc(1, sizeof(*req))) == NULL)
		return NULL;
	memcpy(req->base_name, name, len);
	req->base_name[len] = '\0';
	/* The bare name must itself be well formed. */
	if (evdns_name_encode_(tmp, sizeof(tmp), req->base_name) < 0) {
		mm_free(req);
		return NULL;
	}
	req->qtype = qtype;
	req->user_type = qtype == TYPE_A ? DNS_IPv4_A :
	    qtype == TYPE_AAAA ? DNS_IPv6_AAAA : DNS_PTR;
	req->cb = cb;
	req->arg = arg;
	req->state = RS_NEW;
	req->last_err = DNS_ERR_UNKNOWN;
	if (!(flags & DNS_QUERY_NO_SEARCH) && global_search != NULL &&
	    global_search->n > 0) {
		req->search = global_search;
		global_search->refcnt++;
		req->bare_first = count_dots(req->base_name) >=
		    global_search->ndots;
	}
	evtimer_set(&req->timeout_ev, timeout_cb, req);
	if (candidate_next(req) < 0) {
		search_unref(req->search);
		mm_free(req);
		return NULL;
	}
	return req;
}

/* Arm the deadline of a request that waits with no server configured. */
static void
waiting_arm(struct request *req)
{
	struct timeval tv;
	double t;

	if (suspended || ns_count > 0)
		return;
	t = (opt_timeout.tv_sec + opt_timeout.tv_usec / 1e6) * opt_attempts;
	tv.tv_sec = (time_t)t;
	tv.tv_usec = (suseconds_t)((t - (double)tv.tv_sec) * 1e6);
	evtimer_add(&req->timeout_ev, &tv);
}

/* Queue a new request and send it if a slot is free. */
static void
request_submit(struct request *req)
{
	if (ns_count > 0 && !suspended && n_inflight < opt_max_inflight &&
	    TAILQ_EMPTY(&waiting)) {
		req->state = RS_INFLIGHT;
		TAILQ_INSERT_TAIL(&inflight, req, link);
		n_inflight++;
		id_assign(req);
		request_transmit(req);
	} else {
		req->state = RS_WAITING;
		TAILQ_INSERT_TAIL(&waiting, req, link);
		waiting_arm(req);
	}
}

static void
pump_waiting(void)
{
	struct request *req;

	while (ns_count > 0 && !suspended && n_inflight < opt_max_inflight &&
	    (req = TAILQ_FIRST(&waiting)) != NULL) {
		TAILQ_REMOVE(&waiting, req, link);
		event_del(&req->timeout_ev);
		req->state = RS_INFLIGHT;
		TAILQ_INSERT_TAIL(&inflight, req, link);
		n_inflight++;
		id_assign(req);
		request_transmit(req);
	}
}

/* Send one query datagram; a failure is left to the request's timer. */
static void
dgram_send(struct nameserver *ns, const unsigned char *pkt, size_t len)
{
	ssize_t r = send(ns->fd, pkt, len, 0);

	if (r < 0 && errno == ECONNREFUSED) {
		/* An ICMP error from an earlier datagram; try once more. */
		r = send(ns->fd, pkt, len, 0);
	}
	if (r < 0)
		dns_log(1, "send to nameserver failed: %s", strerror(errno));
}

/* Send the queued datagrams, in order. */
static void
sends_flush(void)
{
	int i = 0;

	while (i < nsendq) {
		struct nameserver *ns = sendq[i].ns;
		int j = i;
#ifdef EVDNS_MMSG
		struct mmsghdr mm[SEND_BATCH];
		struct iovec iov[SEND_BATCH];
		int k = 0, sent;

		while (j < nsendq && sendq[j].ns == ns) {
			iov[k].iov_base = sendq[j].pkt;
			iov[k].iov_len = sendq[j].len;
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			k++;
			j++;
		}
		sent = sendmmsg(ns->fd, mm, (unsigned int)k, 0);
		if (sent < 0)
			sent = 0;
		/* The rest one by one, which also logs the error. */
		for (; sent < k; sent++)
			dgram_send(ns, sendq[i + sent].pkt, sendq[i + sent].len);
#else
		for (; j < nsendq && sendq[j].ns == ns; j++)
			dgram_send(ns, sendq[j].pkt, sendq[j].len);
#endif
		i = j;
	}
	nsendq = 0;
}

/*
 * Send (or resend) the current candidate, to a new server unless the
 * request is pinned, and arm the timeout.
 */
static void
request_transmit(struct request *req)
{
	struct nameserver *ns;

	if (req->pinned != NULL)
		ns = req->pinned;
	else
		ns = ns_pick(req->tx > 0 ? req->ns : NULL);
	if (ns == NULL)
		return;		/* cannot happen: callers check ns_count */
	req->ns = ns;
	req->tx++;
	if (batching) {
		if (nsendq == SEND_BATCH)
			sends_flush();
		sendq[nsendq].ns = ns;
		sendq[nsendq].len = req->pktlen;
		memcpy(sendq[nsendq].pkt, req->pkt, req->pktlen);
		nsendq++;
	} else {
		dgram_send(ns, req->pkt, req->pktlen);
	}
	/* A failed send is handled like a lost datagram: by the timer. */
	evtimer_add(&req->timeout_ev, &opt_timeout);
}

/* Take req out of every list and stop its events. */
static void
request_detach(struct request *req)
{
	if (req->state == RS_WAITING) {
		TAILQ_REMOVE(&waiting, req, link);
	} else if (req->state == RS_INFLIGHT || req->state == RS_TCP) {
		TAILQ_REMOVE(&inflight, req, link);
		n_inflight--;
	}
	req->state = RS_NEW;
	id_remove(req);
	event_del(&req->timeout_ev);
	tcp_close(req);
}

/*
 * End a request: detach it, refill the in-flight slots, run the callback
 * (if any) and free the request.  The request must not be used after.
 */
static void
request_finish(struct request *req, int err, int count, int ttl,
    void *addrs)
{
	evdns_callback_type cb = req->cb;
	void *arg = req->arg;
	char type = req->user_type;
	int was_probe = req->pinned != NULL;

	request_detach(req);
	search_unref(req->search);
	mm_free(req);
	if (!was_probe)
		pump_waiting();
	if (cb == NULL)
		return;
	if (err != DNS_ERR_NONE)
		cb(err, 0, 0, 0, NULL, arg);
	else
		cb(err, type, count, ttl, addrs, arg);
}

/*
 * The current candidate failed with err: try the next one, or end the
 * request with err.
 */
static void
candidate_failed(struct request *req, int err)
{
	req->last_err = err;
	tcp_close(req);
	if (req->pinned == NULL && candidate_next(req) == 0) {
		req->state = RS_INFLIGHT;
		id_assign(req);
		request_transmit(req);
		return;
	}
	request_finish(req, err, 0, 0, NULL);
}

static void
timeout_cb(int fd, short what, void *arg)
{
	struct request *req = arg;
	struct nameserver *ns = req->ns;

	(void)fd;
	(void)what;
	if (req->state == RS_WAITING) {
		/* No nameserver turned up in time. */
		request_finish(req, DNS_ERR_TIMEOUT, 0, 0, NULL);
		return;
	}
	if (req->state == RS_TCP) {
		candidate_failed(req, DNS_ERR_TIMEOUT);
		return;
	}
	if (ns != NULL) {
		ns->timeouts++;
		if (ns->timeouts > opt_max_timeouts)
			ns_mark_down(ns);
	}
	if (req->tx >= opt_attempts || req->pinned != NULL) {
		candidate_failed(req, DNS_ERR_TIMEOUT);
		return;
	}
	/* Same id, next server. */
	request_transmit(req);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

struct rr {
	int type;
	ev_uint32_t ttl;
	size_t rdata;			/* offset of RDATA */
	size_t rdlen;
	char owner[EVDNS_NAME_MAX + 1];
};

/*
 * Interpret a reply for req whose header, id and question were already
 * checked.  On success (returns 0), *count, *ttl and the address buffer
 * are set; a CNAME without addresses sets *follow (and the target name).
 * Returns a DNS_ERR_* code otherwise.
 */
static int
reply_parse(struct request *req, const unsigned char *pkt, size_t len,
    size_t off, int *count, int *ttl, unsigned char *addrbuf,
    char *follow)
{
	static struct rr rrs[MAX_ANSWERS];
	int ancount = get16(pkt + 6), n = 0, i, hops = 0, found = 0;
	ev_uint32_t minttl = 0xffffffff;
	char cur[EVDNS_NAME_MAX + 1];
	int want = req->qtype;

	for (i = 0; i < ancount && n < MAX_ANSWERS; i++) {
		struct rr *r = &rrs[n];
		int cls;

		if (evdns_name_parse_(pkt, len, &off, r->owner) < 0)
			return DNS_ERR_TRUNCATED;
		if (off + 10 > len)
			return DNS_ERR_TRUNCATED;
		r->type = get16(pkt + off);
		cls = get16(pkt + off + 2);
		r->ttl = get32(pkt + off + 4);
		if (r->ttl > 0x7fffffff)
			r->ttl = 0;	/* RFC 2181: top bit set means 0 */
		r->rdlen = get16(pkt + off + 8);
		off += 10;
		if (r->rdlen > len - off)
			return DNS_ERR_TRUNCATED;
		r->rdata = off;
		off += r->rdlen;
		if (cls == CLASS_IN && (r->type == want ||
		    r->type == TYPE_CNAME))
			n++;
	}

	/* Follow the CNAME chain from the question's name. */
	memcpy(cur, req->qname, strlen(req->qname) + 1);
	for (;;) {
		int moved = 0;

		for (i = 0; i < n; i++) {
			size_t p;
			char target[EVDNS_NAME_MAX + 1];

			if (rrs[i].type != TYPE_CNAME ||
			    strcasecmp(rrs[i].owner, cur) != 0)
				continue;
			p = rrs[i].rdata;
			if (evdns_name_parse_(pkt, rrs[i].rdata + rrs[i].rdlen,
			    &p, target) < 0)
				return DNS_ERR_TRUNCATED;
			if (++hops > MAX_CNAME_HOPS)
				return DNS_ERR_UNKNOWN;
			memcpy(cur, target, strlen(target) + 1);
			moved = 1;
			break;
		}
		if (!moved)
			break;
	}

	for (i = 0; i < n && found < MAX_ADDRS; i++) {
		struct rr *r = &rrs[i];

		if (r->type != want || strcasecmp(r->owner, cur) != 0)
			continue;
		if (want == TYPE_A) {
			if (r->rdlen != 4)
				continue;
			memcpy(addrbuf + 4 * found, pkt + r->rdata, 4);
		} else if (want == TYPE_AAAA) {
			if (r->rdlen != 16)
				continue;
			memcpy(addrbuf + 16 * found, pkt + r->rdata, 16);
		} else {
			size_t p = r->rdata;
			if (evdns_name_parse_(pkt, r->rdata + r->rdlen, &p,
			    (char *)addrbuf) < 0)
				continue;
		}
		if (r->ttl < minttl)
			minttl = r->ttl;
		found++;
		if (want == TYPE_PTR)
			break;
	}
	if (found > 0) {
		*count = found;
		*ttl = (int)minttl;
		return DNS_ERR_NONE;
	}
	if (hops > 0) {
		memcpy(follow, cur, strlen(cur) + 1);
		return -1;
	}
	return DNS_ERR_UNKNOWN;
}

static void tcp_start(struct request *req);

/*
 * Act on a reply that belongs to req (header, id, source and question
 * already verified).  off is the offset just past the question.
 */
static void
reply_process(struct request *req, const unsigned char *pkt, size_t len,
    size_t off, int via_tcp)
{
	int flags = get16(pkt + 2);
	int rcode = flags & 0x0f;
	int count = 0, ttl = 0, err;
	union {
		unsigned char b[16 * MAX_ADDRS];
		char name[EVDNS_NAME_MAX + 1];
	} addrs;
	char follow[EVDNS_NAME_MAX + 1];

	event_del(&req->timeout_ev);
	if ((flags & FLAG_TC) && !via_tcp) {
		tcp_start(req);
		return;
	}
	if (flags & FLAG_TC) {
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	switch (rcode) {
	case 0:
		err = reply_parse(req, pkt, len, off, &count, &ttl, addrs.b,
		    follow);
		if (err == DNS_ERR_NONE) {
			if (req->qtype == TYPE_PTR) {
				char *p = addrs.name;
				request_finish(req, DNS_ERR_NONE, 1, ttl, &p);
			} else {
				request_finish(req, DNS_ERR_NONE, count, ttl,
				    addrs.b);
			}
			return;
		}
		if (err == -1) {
			/* A CNAME whose target the server did not resolve. */
			if (++req->cname_hops <= MAX_CNAME_HOPS &&
			    req->pinned == NULL) {
				int enc;
				tcp_close(req);
				enc = evdns_name_encode_(req->pkt + 12, 256,
				    follow);
				if (enc >= 0) {
					memcpy(req->qname, follow,
					    strlen(follow) + 1);
					put16(req->pkt + 12 + enc,
					    (unsigned int)req->qtype);
					put16(req->pkt + 12 + enc + 2,
					    CLASS_IN);
					req->pktlen = 12 + (size_t)enc + 4;
					req->tx = 0;
					req->refusals = 0;
					/* No more search candidates. */
					req->cand = req->search ?
					    req->search->n + 1 : 1;
					req->state = RS_INFLIGHT;
					id_assign(req);
					request_transmit(req);
					return;
				}
			}
			err = DNS_ERR_UNKNOWN;
		}
		candidate_failed(req, err);
		return;
	case DNS_ERR_NOTEXIST:
		candidate_failed(req, DNS_ERR_NOTEXIST);
		return;
	case DNS_ERR_SERVERFAILED:
	case DNS_ERR_NOTIMPL:
	case DNS_ERR_REFUSED:
		/* Ask another server before giving up on this name. */
		req->refusals++;
		if (req->pinned == NULL && req->refusals < ns_count) {
			/* tx > 0 here, so a different server is picked. */
			tcp_close(req);
			req->state = RS_INFLIGHT;
			request_transmit(req);
			return;
		}
		candidate_failed(req, rcode);
		return;
	case DNS_ERR_FORMAT:
		candidate_failed(req, DNS_ERR_FORMAT);
		return;
	default:
		candidate_failed(req, DNS_ERR_UNKNOWN);
		return;
	}
}

/*
 * Check a reply's header and question against req.  Returns the offset
 * past the question, or 0 if the reply is not an answer to req.
 */
static size_t
reply_matches(struct request *req, const unsigned char *pkt, size_t len)
{
	size_t off = 12;
	char name[EVDNS_NAME_MAX + 1];

	if (len < 12 || get16(pkt) != req->id)
		return 0;
	if (!(get16(pkt + 2) & FLAG_QR) || (get16(pkt + 2) & 0x7800) != 0)
		return 0;
	if (get16(pkt + 4) != 1)
		return 0;
	if (evdns_name_parse_(pkt, len, &off, name) < 0 || off + 4 > len)
		return 0;
	if (strcasecmp(name, req->qname) != 0 ||
	    get16(pkt + off) != req->qtype || get16(pkt + off + 2) != CLASS_IN)
		return 0;
	return off + 4;
}

/*
 * A datagram from ns.  truncated: it was larger than our buffer (no reply
 * to a query without EDNS may be), so treat it as if TC were set.
 */
static void
reply_handle(struct nameserver *ns, const unsigned char *pkt, size_t len,
    int truncated)
{
	struct request *req;
	size_t off;

	if (len < 12)
		return;
	req = id_lookup(get16(pkt));
	if (req == NULL || req->state != RS_INFLIGHT || req->ns != ns)
		return;
	if ((off = reply_matches(req, pkt, len)) == 0) {
		dns_log(1, "dropped a reply whose question does not match");
		return;
	}
	ns_mark_up(ns);
	if (truncated) {
		event_del(&req->timeout_ev);
		tcp_start(req);
		return;
	}
	reply_process(req, pkt, len, off, 0);
}

/*
 * Handle one datagram from ns.  truncated: it did not fit our buffer.
 * Returns 0, or -1 if a callback removed the nameservers.
 */
static int
datagram_handle(struct nameserver *ns, unsigned int gen,
    const unsigned char *buf, size_t len, const struct sockaddr *from,
    int truncated)
{
	if (!sockaddr_equal(from, (struct sockaddr *)&ns->addr)) {
		dns_log(1, "dropped a reply from an unexpected address");
		return 0;
	}
	reply_handle(ns, buf, len, truncated);
	/* A callback may have removed this server. */
	return gen != ns_generation ? -1 : 0;
}

static void
ns_read_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	unsigned int gen = ns_generation;
	int budget = 256;

	(void)what;
	/* Lookups started by callbacks below are sent in one batch. */
	batching++;
#ifdef EVDNS_MMSG
	while (budget > 0) {
		static unsigned char bufs[RECV_BATCH][RECV_BUF];
		struct mmsghdr mm[RECV_BATCH];
		struct iovec iov[RECV_BATCH];
		int i, n;

		/*
		 * No source addresses here: the socket is connected, and a
		 * connected datagram socket only receives from its peer
		 * (POSIX connect()), which the foreign_source test checks.
		 */
		for (i = 0; i < RECV_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RECV_BUF;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP error, reported once. */
			if ((errno == EINTR || errno == ECONNREFUSED) &&
			    budget-- > 0)
				continue;
			break;
		}
		if (n == 0)
			break;
		budget -= n;
		for (i = 0; i < n; i++) {
			if (datagram_handle(ns, gen, bufs[i], mm[i].msg_len,
			    (struct sockaddr *)&ns->addr,
			    (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) < 0)
				goto out;
		}
		if (n < RECV_BATCH)
			break;
	}
#else
	while (budget-- > 0) {
		/* Big enough for any datagram: nothing is ever cut. */
		static unsigned char buf[65536];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);

		if (r < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			break;
		}
		if (datagram_handle(ns, gen, buf, (size_t)r,
		    (struct sockaddr *)&from, 0) < 0)
			goto out;
	}
#endif
out:
	if (--batching == 0)
		sends_flush();
}

/* ---- TCP fallback ---- */

static void tcp_cb(int fd, short what, void *arg);

/* Retry the current query over TCP to the same server (RFC 1035 4.2.2). */
static void
tcp_start(struct request *req)
{
	struct dns_tcp *t;
	struct nameserver *ns = req->ns;
	int fd;

	tcp_close(req);
	if ((t = mm_calloc(1, sizeof(*t))) == NULL) {
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	fd = socket(ns->addr.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		mm_free(t);
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	evutil_make_socket_nonblocking(fd);
	if (connect(fd, (struct sockaddr *)&ns->addr, ns->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		mm_free(t);
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	t->fd = fd;
	put16(t->out, (unsigned int)req->pktlen);
	memcpy(t->out + 2, req->pkt, req->pktlen);
	t->outlen = req->pktlen + 2;
	req->tcp = t;
	req->state = RS_TCP;
	event_set(&t->ev, fd, EV_WRITE, tcp_cb, req);
	event_add(&t->ev, NULL);
	evtimer_add(&req->timeout_ev, &opt_timeout);
}

static void
tcp_cb(int fd, short what, void *arg)
{
	struct request *req = arg;
	struct dns_tcp *t = req->tcp;
	ssize_t r;

	(void)what;
	if (t->outoff < t->outlen) {
		r = write(fd, t->out + t->outoff, t->outlen - t->outoff);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == EINPROGRESS) {
				event_add(&t->ev, NULL);
				return;
			}
			candidate_failed(req, DNS_ERR_TRUNCATED);
			return;
		}
		t->outoff += (size_t)r;
		if (t->outoff < t->outlen) {
			event_add(&t->ev, NULL);
			return;
		}
		event_set(&t->ev, fd, EV_READ, tcp_cb, req);
		event_add(&t->ev, NULL);
		return;
	}
	for (;;) {
		if (t->lenoff < 2) {
			r = read(fd, t->lenbuf + t->lenoff, 2 - t->lenoff);
		} else {
			r = read(fd, t->in + t->inoff, t->inlen - t->inoff);
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			event_add(&t->ev, NULL);
			return;
		}
		if (r <= 0) {
			candidate_failed(req, DNS_ERR_TRUNCATED);
			return;
		}
		if (t->lenoff < 2) {
			t->lenoff += (size_t)r;
			if (t->lenoff == 2) {
				t->inlen = get16(t->lenbuf);
				if (t->inlen < 12 ||
				    (t->in = mm_malloc(t->inlen)) == NULL) {
					candidate_failed(req,
					    DNS_ERR_TRUNCATED);
					return;
				}
			}
			continue;
		}
		t->inoff += (size_t)r;
		if (t->inoff == t->inlen)
			break;
	}
	{
		/* Keep the reply alive past tcp_close() in reply_process. */
		unsigned char *pkt = t->in;
		size_t len = t->inlen, off;

		t->in = NULL;
		if ((off = reply_matches(req, pkt, len)) == 0) {
			mm_free(pkt);
			candidate_failed(req, DNS_ERR_TRUNCATED);
			return;
		}
		ns_mark_up(req->ns);
		tcp_close(req);
		req->state = RS_INFLIGHT;
		reply_process(req, pkt, len, off, 1);
		mm_free(pkt);
	}
}

/* ---- public lookups ---- */

static int
resolve(int qtype, const char *name, int flags, evdns_callback_type cb,
    void *arg)
{
	struct request *req = request_new(qtype, name, flags, cb, arg);

	if (req == NULL) {
		dns_log(1, "cannot start a lookup for a bad or empty name");
		return 1;
	}
	dns_log(0, "resolve requested for %s", req->base_name);
	request_submit(req);
	return 0;
}

int
evdns_resolve_ipv4(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve(TYPE_A, name, flags, callback, ptr);
}

int
evdns_resolve_ipv6(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve(TYPE_AAAA, name, flags, callback, ptr);
}

int
evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	char buf[32];
	const unsigned char *a;

	if (in == NULL)
		return 1;
	a = (const unsigned char *)&in->s_addr;
	evutil_snprintf(buf, sizeof(buf), "%d.%d.%d.%d.in-addr.arpa",
	    a[3], a[2], a[1], a[0]);
	return resolve(TYPE_PTR, buf, flags | DNS_QUERY_NO_SEARCH, callback,
	    ptr);
}

int
evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	static const char hex[] = "0123456789abcdef";
	char buf[80], *p = buf;
	const unsigned char *a;
	int i;

	if (in == NULL)
		return 1;
	a = (const unsigned char *)in;
	for (i = 15; i >= 0; i--) {
		*p++ = hex[a[i] & 0xf];
		*p++ = '.';
		*p++ = hex[a[i] >> 4];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", 9);
	return resolve(TYPE_PTR, buf, flags | DNS_QUERY_NO_SEARCH, callback,
	    ptr);
}

/* ------------------------------------------------------------------ */
/* Options and resolv.conf                                             */

/* Parse a whole-string integer; -1 in *ok on failure. */
static long
parse_long(const char *s, int *ok)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	*ok = (end != s && *end == '\0' && errno == 0);
	return v;
}

static int
clamp(long v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : (int)v;
}

int
evdns_set_option(const char *option, const char *val, int flags)
{
	int ok;
	long v;

	if (option == NULL || val == NULL)
		return -1;
	if (strcmp(option, "ndots:") == 0) {
		v = parse_long(val, &ok);
		if (!ok)
			return -1;
		if (flags & DNS_OPTION_SEARCH)
			evdns_search_ndots_set(clamp(v, 0, 255));
	} else if (strcmp(option, "timeout:") == 0) {
		/* Whole seconds as in 1.4; fractions are also accepted. */
		char *end;
		double d;

		errno = 0;
		d = strtod(val, &end);
		if (end == val || *end != '\0' || errno != 0 || d != d)
			return -1;
		if (flags & DNS_OPTION_MISC) {
			if (d < 0.001)
				d = 0.001;
			if (d > 3600)
				d = 3600;
			opt_timeout.tv_sec = (time_t)d;
			opt_timeout.tv_usec = (suseconds_t)
			    ((d - (double)opt_timeout.tv_sec) * 1e6);
		}
	} else if (strcmp(option, "max-timeouts:") == 0) {
		v = parse_long(val, &ok);
		if (!ok)
			return -1;
		if (flags & DNS_OPTION_MISC)
			opt_max_timeouts = clamp(v, 1, 255);
	} else if (strcmp(option, "max-inflight:") == 0) {
		v = parse_long(val, &ok);
		if (!ok)
			return -1;
		if (flags & DNS_OPTION_MISC) {
			opt_max_inflight = clamp(v, 1, 65000);
			pump_waiting();
		}
	} else if (strcmp(option, "attempts:") == 0) {
		v = parse_long(val, &ok);
		if (!ok)
			return -1;
		if (flags & DNS_OPTION_MISC)
			opt_attempts = clamp(v, 1, 255);
	}
	return 0;
}

/* The domain part of this host's name as the default search list. */
static void
search_from_hostname(void)
{
	char host[256], *dot;

	if (gethostname(host, sizeof(host) - 1) != 0)
		return;
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL && dot[1] != '\0') {
		evdns_search_clear();
		evdns_search_add(dot + 1);
	}
}

static void
resolv_conf_line(char *line, int flags)
{
	static const char sep[] = " \t\r\f\v";
	char *save = NULL, *first, *tok;

	first = strtok_r(line, sep, &save);
	if (first == NULL || first[0] == '#' || first[0] == ';')
		return;
	if (strcmp(first, "nameserver") == 0) {
		if ((flags & DNS_OPTION_NAMESERVERS) &&
		    (tok = strtok_r(NULL, sep, &save)) != NULL) {
			int r = evdns_nameserver_ip_add(tok);
			if (r != 0 && r != 3)
				dns_log(1, "resolv.conf: bad nameserver "
				    "(error %d)", r);
		}
	} else if (strcmp(first, "domain") == 0) {
		if ((flags & DNS_OPTION_SEARCH) &&
		    (tok = strtok_r(NULL, sep, &save)) != NULL) {
			search_domains_clear();
			search_insert(tok, 0);
		}
	} else if (strcmp(first, "search") == 0) {
		if (flags & DNS_OPTION_SEARCH) {
			search_domains_clear();
			while ((tok = strtok_r(NULL, sep, &save)) != NULL)
				search_insert(tok, 0);
		}
	} else if (strcmp(first, "options") == 0) {
		while ((tok = strtok_r(NULL, sep, &save)) != NULL) {
			char *colon = strchr(tok, ':');
			char name[32];
			size_t nl;

			if (colon == NULL)
				continue;
			nl = (size_t)(colon - tok) + 1;
			if (nl >= sizeof(name))
				continue;
			memcpy(name, tok, nl);
			name[nl] = '\0';
			if (evdns_set_option(name, colon + 1, flags) < 0)
				dns_log(1, "resolv.conf: bad option %s", tok);
		}
	}
}

int
evdns_resolv_conf_parse(int flags, const char *const filename)
{
	struct stat st;
	char *buf, *line, *next;
	int fd, ret = 0;
	size_t got = 0;

	fd = open(filename, O_RDONLY);
	if (fd < 0) {
		if (flags & DNS_OPTION_NAMESERVERS)
			evdns_nameserver_ip_add("127.0.0.1");
		if (flags & DNS_OPTION_SEARCH)
			search_from_hostname();
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 2;
	}
	if (st.st_size > 65535) {
		close(fd);
		return 3;
	}
	if ((buf = mm_malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return 4;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			mm_free(buf);
			close(fd);
			return 5;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	for (line = buf; line < buf + got; line = next) {
		next = memchr(line, '\n', (size_t)(buf + got - line));
		if (next != NULL)
			*next++ = '\0';
		else
			next = buf + got;
		/* An embedded NUL just ends the line early. */
		resolv_conf_line(line, flags);
	}
	mm_free(buf);
	if ((flags & DNS_OPTION_NAMESERVERS) && ns_count == 0) {
		evdns_nameserver_ip_add("127.0.0.1");
		ret = 6;
	}
	return ret;
}

int
evdns_init(void)
{
	return evdns_resolv_conf_parse(DNS_OPTIONS_ALL, "/etc/resolv.conf");
}

void
evdns_shutdown(int fail_requests)
{
	struct request *req;

	/*
	 * Detach everything first so that callbacks (which may start new
	 * lookups) see a clean state; then tell the callers.
	 */
	struct request_list done = TAILQ_HEAD_INITIALIZER(done);

	while ((req = TAILQ_FIRST(&inflight)) != NULL) {
		request_detach(req);
		if (req->pinned != NULL) {
			req->pinned->probe = NULL;
			req->cb = NULL;
		}
		TAILQ_INSERT_TAIL(&done, req, link);
	}
	while ((req = TAILQ_FIRST(&waiting)) != NULL) {
		request_detach(req);
		TAILQ_INSERT_TAIL(&done, req, link);
	}
	ns_free_all();
	evdns_search_clear();
	suspended = 0;
	opt_timeout.tv_sec = 5;
	opt_timeout.tv_usec = 0;
	opt_attempts = 3;
	opt_max_timeouts = 3;
	opt_max_inflight = 64;
	log_fn = NULL;
	while ((req = TAILQ_FIRST(&done)) != NULL) {
		evdns_callback_type cb = req->cb;
		void *arg = req->arg;

		TAILQ_REMOVE(&done, req, link);
		search_unref(req->search);
		mm_free(req);
		if (fail_requests && cb != NULL)
			cb(DNS_ERR_SHUTDOWN, 0, 0, 0, NULL, arg);
	}
}

/* ------------------------------------------------------------------ */
/* Server port                                                         */

struct server_rr {
	struct server_rr *next;
	char *name;
	int type, dns_class, ttl;
	int is_name;
	size_t datalen;
	char *data;			/* RDATA bytes, or a name */
};

struct server_request {
	struct evdns_server_request base;	/* first: users see this */
	struct evdns_server_port *port;
	struct server_request *qnext;	/* port's unsent-reply queue */
	ev_uint16_t id;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct server_rr *rr_head[3], **rr_tail[3];
	unsigned char *reply;		/* encoded, while queued */
	size_t replylen;
};

struct evdns_server_port {
	int fd;
	int refcnt;			/* the port itself + its requests */
	int closing;
	struct event ev;
	int ev_flags;			/* what ev is armed for */
	evdns_request_callback_fn_type cb;
	void *arg;
	struct server_request *qhead, **qtail;	/* replies waiting for EV_WRITE */
};

static void server_event_cb(int fd, short what, void *arg);

static void
port_unref(struct evdns_server_port *port)
{
	if (--port->refcnt > 0)
		return;
	event_del(&port->ev);
	close(port->fd);
	mm_free(port);
}

/* (Re)arm the port's event: always read unless closing, write if queued. */
static void
port_arm(struct evdns_server_port *port)
{
	int want = (port->closing ? 0 : EV_READ) |
	    (port->qhead != NULL ? EV_WRITE : 0);

	if (want == port->ev_flags)
		return;
	event_del(&port->ev);
	port->ev_flags = want;
	if (want) {
		event_set(&port->ev, port->fd, (short)(want | EV_PERSIST),
		    server_event_cb, port);
		event_add(&port->ev, NULL);
	}
}

struct evdns_server_port *
evdns_add_server_port(int socket, int is_tcp,
    evdns_request_callback_fn_type callback, void *user_data)
{
	struct evdns_server_port *port;

	if (is_tcp || socket < 0 || callback == NULL || current_base == NULL)
		return NULL;
	if ((port = mm_calloc(1, sizeof(*port))) == NULL)
		return NULL;
	port->fd = socket;
	port->refcnt = 1;
	port->cb = callback;
	port->arg = user_data;
	port->qtail = &port->qhead;
	port_arm(port);
	return port;
}

void
evdns_close_server_port(struct evdns_server_port *port)
{
	if (port == NULL || port->closing)
		return;
	port->closing = 1;
	port_arm(port);
	port_unref(port);
}

static void
server_request_free(struct server_request *sr)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct server_rr *rr, *next;
		for (rr = sr->rr_head[i]; rr != NULL; rr = next) {
			next = rr->next;
			mm_free(rr->name);
			mm_free(rr->data);
			mm_free(rr);
		}
	}
	if (sr->base.questions != NULL) {
		for (i = 0; i < sr->base.nquestions; i++)
			mm_free(sr->base.questions[i]);
		mm_free(sr->base.questions);
	}
	mm_free(sr->reply);
	if (sr->port != NULL)
		port_unref(sr->port);
	mm_free(sr);
}

/* Send a header-only reply (for opcodes we do not implement). */
static void
server_reply_header_only(struct evdns_server_port *port,
    const unsigned char *q, const struct sockaddr *from, socklen_t fromlen,
    int rcode)
{
	unsigned char h[12];

	memset(h, 0, sizeof(h));
	h[0] = q[0];
	h[1] = q[1];
	put16(h + 2, (unsigned int)(FLAG_QR | (get16(q + 2) & 0x7900) |
	    rcode));
	(void)sendto(port->fd, h, sizeof(h), 0, from, fromlen);
}

/* Parse one query datagram and hand it to the callback. */
static void
server_handle_query(struct evdns_server_port *port, const unsigned char *pkt,
    size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct server_request *sr;
	int flags, qd, i;
	size_t off = 12;

	if (len < 12)
		return;
	flags = get16(pkt + 2);
	if (flags & FLAG_QR)
		return;			/* a reply: never answer those */
	if (flags & 0x7800) {
		server_reply_header_only(port, pkt, from, fromlen,
		    DNS_ERR_NOTIMPL);
		return;
	}
	qd = get16(pkt + 4);
	/* Each question needs at least 5 bytes: no lying counts. */
	if (qd == 0 || (size_t)qd > (len - 12) / 5)
		return;
	if ((sr = mm_calloc(1, sizeof(*sr))) == NULL)
		return;
	sr->base.questions = mm_calloc((size_t)qd, sizeof(*sr->base.questions));
	if (sr->base.questions == NULL) {
		mm_free(sr);
		return;
	}
	for (i = 0; i < 3; i++)
		sr->rr_tail[i] = &sr->rr_head[i];
	for (i = 0; i < qd; i++) {
		char name[EVDNS_NAME_MAX + 1];
		struct evdns_server_question *q;
		size_t nl;

		if (evdns_name_parse_(pkt, len, &off, name) < 0 ||
		    off + 4 > len)
			goto bad;
		nl = strlen(name);
		q = mm_malloc(sizeof(*q) + nl);
		if (q == NULL)
			goto bad;
		q->type = get16(pkt + off);
		q->dns_question_class = get16(pkt + off + 2);
		memcpy(q->name, name, nl + 1);
		off += 4;
		sr->base.questions[sr->base.nquestions++] = q;
	}
	sr->base.flags = flags & (FLAG_RD | FLAG_CD);
	sr->id = get16(pkt);
	memcpy(&sr->addr, from, fromlen);
	sr->addrlen = fromlen;
	sr->port = port;
	port->refcnt++;
	port->cb(&sr->base, port->arg);
	return;
bad:
	server_request_free(sr);
}

static void
server_flush_queue(struct evdns_server_port *port)
{
	struct server_request *sr;

	while ((sr = port->qhead) != NULL) {
		ssize_t r = sendto(port->fd, sr->reply, sr->replylen, 0,
		    (struct sockaddr *)&sr->addr, sr->addrlen);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			break;
		port->qhead = sr->qnext;
		if (port->qhead == NULL)
			port->qtail = &port->qhead;
		server_request_free(sr);
	}
}

static void
server_event_cb(int fd, short what, void *arg)
{
	static unsigned char buf[65536];
	struct evdns_server_port *port = arg;
	int budget = 256;

	port->refcnt++;		/* a callback may close the port */
	if (what & EV_WRITE)
		server_flush_queue(port);
	while ((what & EV_READ) && !port->closing && budget-- > 0) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		server_handle_query(port, buf, (size_t)r,
		    (struct sockaddr *)&from, fromlen);
	}
	port_arm(port);
	port_unref(port);
}

/* A name we are willing to put in a reply. */
static int
name_ok(const char *name)
{
	unsigned char tmp[256];

	return name != NULL && evdns_name_encode_(tmp, sizeof(tmp), name) > 0;
}

int
evdns_server_request_add_reply(struct evdns_server_request *req,
    int section, const char *name, int type, int dns_class, int ttl,
    int datalen, int is_name, const char *data)
{
	struct server_request *sr = (struct server_request *)req;
	struct server_rr *rr;

	if (req == NULL || section < 0 || section > 2 || !name_ok(name))
		return -1;
	if (sr->reply != NULL)
		return -1;	/* already responded */
	if (is_name ? !name_ok(data) :
	    (datalen < 0 || datalen > 65535 || (datalen > 0 && data == NULL)))
		return -1;
	if ((rr = mm_calloc(1, sizeof(*rr))) == NULL)
		return -1;
	rr->name = mm_strdup(name);
	rr->type = type;
	rr->dns_class = dns_class;
	rr->ttl = ttl;
	rr->is_name = is_name;
	if (is_name) {
		rr->data = mm_strdup(data);
	} else {
		rr->datalen = (size_t)datalen;
		rr->data = mm_malloc(datalen > 0 ? (size_t)datalen : 1);
		if (rr->data != NULL && datalen > 0)
			memcpy(rr->data, data, (size_t)datalen);
	}
	if (rr->name == NULL || rr->data == NULL) {
		mm_free(rr->name);
		mm_free(rr->data);
		mm_free(rr);
		return -1;
	}
	*sr->rr_tail[section] = rr;
	sr->rr_tail[section] = &rr->next;
	return 0;
}

int
evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl)
{
	int i;

	if (n < 0 || (n > 0 && addrs == NULL))
		return -1;
	/* One record per address (1.4 packed them into one bad RR). */
	for (i = 0; i < n; i++)
		if (evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
		    name, TYPE_A, CLASS_IN, ttl, 4, 0,
		    (const char *)addrs + 4 * i) < 0)
			return -1;
	return 0;
}

int
evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl)
{
	int i;

	if (n < 0 || (n > 0 && addrs == NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
		    name, TYPE_AAAA, CLASS_IN, ttl, 16, 0,
		    (const char *)addrs + 16 * i) < 0)
			return -1;
	return 0;
}

int
evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname,
    int ttl)
{
	char buf[32];

	if ((in == NULL) == (inaddr_name == NULL))
		return -1;
	if (in != NULL) {
		const unsigned char *a = (const unsigned char *)&in->s_addr;
		evutil_snprintf(buf, sizeof(buf), "%d.%d.%d.%d.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
		inaddr_name = buf;
	}
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
	    inaddr_name, TYPE_PTR, CLASS_IN, ttl, -1, 1, hostname);
}

int
evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl)
{
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
	    name, TYPE_CNAME, CLASS_IN, ttl, -1, 1, cname);
}

/* Reply writer with name compression; never writes past cap. */
struct wbuf {
	unsigned char *b;
	size_t len, cap;
	int full;			/* something did not fit */
	int nnames;
	struct { const char *suffix; size_t off; } names[64];
};

static void
w_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void
w_16(struct wbuf *w, unsigned int v)
{
	unsigned char b[2];

	put16(b, v);
	w_bytes(w, b, 2);
}

/*
 * Write a (validated) name, pointing at an earlier copy of its longest
 * known suffix (RFC 1035 4.1.4).
 */
static void
w_name(struct wbuf *w, const char *name)
{
	const char *p = name;

	while (*p != '\0' && !(p[0] == '.' && p[1] == '\0')) {
		const char *dot;
		size_t l;
		int i;

		for (i = 0; i < w->nnames; i++) {
			if (strcasecmp(w->names[i].suffix, p) == 0) {
				w_16(w, 0xc000 | (unsigned int)w->names[i].off);
				return;
			}
		}
		if (w->nnames < 64 && w->len < 0x3fff && !w->full) {
			w->names[w->nnames].suffix = p;
			w->names[w->nnames].off = w->len;
			w->nnames++;
		}
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		{
			unsigned char lb = (unsigned char)l;
			w_bytes(w, &lb, 1);
		}
		w_bytes(w, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
	w_bytes(w, "", 1);
}

/*
 * Encode sr's reply with RCODE err into buf[0..cap).  RRs that do not fit
 * are left out and TC is set.  Returns the length.
 */
static size_t
server_encode(struct server_request *sr, int err, unsigned char *buf,
    size_t cap)
{
	struct wbuf w;
	int counts[4] = { 0, 0, 0, 0 }, i, sec, tc = 0;
	size_t mark;

	memset(&w, 0, sizeof(w));
	w.b = buf;
	w.cap = cap;
	w_16(&w, sr->id);
	w_16(&w, 0);		/* flags, below */
	for (i = 0; i < 4; i++)
		w_16(&w, 0);
	for (i = 0; i < sr->base.nquestions; i++) {
		struct evdns_server_question *q = sr->base.questions[i];
		int saved = w.nnames;

		mark = w.len;
		w_name(&w, q->name);
		w_16(&w, (unsigned int)q->type);
		w_16(&w, (unsigned int)q->dns_question_class);
		if (w.full) {
			w.len = mark;
			w.full = 0;
			w.nnames = saved;
			tc = 1;
			break;
		}
		counts[0]++;
	}
	for (sec = 0; sec < 3 && !tc; sec++) {
		struct server_rr *rr;

		for (rr = sr->rr_head[sec]; rr != NULL; rr = rr->next) {
			int saved = w.nnames;
			size_t rdstart;
			unsigned char t[4];

			mark = w.len;
			w_name(&w, rr->name);
			w_16(&w, (unsigned int)rr->type);
			w_16(&w, (unsigned int)rr->dns_class);
			put32(t, (ev_uint32_t)rr->ttl);
			w_bytes(&w, t, 4);
			w_16(&w, 0);
			rdstart = w.len;
			if (rr->is_name)
				w_name(&w, rr->data);
			else
				w_bytes(&w, rr->data, rr->datalen);
			if (!w.full && w.len - rdstart > 65535)
				w.full = 1;
			if (w.full) {
				/* Drop this RR and everything after it. */
				w.len = mark;
				w.full = 0;
				w.nnames = saved;
				tc = 1;
				break;
			}
			put16(buf + rdstart - 2, (unsigned int)(w.len - rdstart));
			counts[sec + 1]++;
		}
	}
	put16(buf + 2, (unsigned int)((sr->base.flags | FLAG_QR |
	    (tc ? FLAG_TC : 0) | (err & 0x0f)) & 0xffff));
	for (i = 0; i < 4; i++)
		put16(buf + 4 + 2 * i, (unsigned int)counts[i]);
	return w.len;
}

int
evdns_server_request_respond(struct evdns_server_request *req, int err)
{
	struct server_request *sr = (struct server_request *)req;
	struct evdns_server_port *port;
	unsigned char buf[UDP_MAX];
	size_t len;
	ssize_t r;

	if (req == NULL || sr->reply != NULL)
		return -1;
	port = sr->port;
	len = server_encode(sr, err, buf, sizeof(buf));
	if (port->qhead == NULL) {
		r = sendto(port->fd, buf, len, 0, (struct sockaddr *)&sr->addr,
		    sr->addrlen);
		if (r >= 0) {
			server_request_free(sr);
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			dns_log(1, "server: sendto failed: %s",
			    strerror(errno));
			server_request_free(sr);
			return -1;
		}
	}
	/* Queue it until the socket is writable. */
	if ((sr->reply = mm_malloc(len)) == NULL) {
		server_request_free(sr);
		return -1;
	}
	memcpy(sr->reply, buf, len);
	sr->replylen = len;
	sr->qnext = NULL;
	*port->qtail = sr;
	port->qtail = &sr->qnext;
	port_arm(port);
	return 1;
}

int
evdns_server_request_drop(struct evdns_server_request *req)
{
	if (req != NULL)
		server_request_free((struct server_request *)req);
	return 0;
}

int
evdns_server_request_get_requesting_addr(struct evdns_server_request *_req,
    struct sockaddr *sa, int addr_len)
{
	struct server_request *sr = (struct server_request *)_req;

	if (_req == NULL || sa == NULL || addr_len < 0 ||
	    (size_t)addr_len < sr->addrlen)
		return -1;
	memcpy(sa, &sr->addr, sr->addrlen);
	return (int)sr->addrlen;
}
