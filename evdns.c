/*
 * evdns.c -- the asynchronous DNS stub resolver.
 *
 * Written for relevent from RFC 1035 (message format), RFC 3596 (AAAA and
 * ip6.arpa), RFC 2308 (negative answers) and the libevent 1.4 API notes.
 * The message format is in evdns_wire.c, options and resolv.conf in
 * evdns_config.c, the server port in evdns_server.c.
 *
 * Design in brief:
 *
 *  - All state is in a struct evdns_base.  The 1.4 API has no handle, so
 *    it uses one global instance; its events are made with event_set()
 *    alone, so they live on the current base as in 1.4.  An instance
 *    with its own event base binds every event to it.
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
#include <sys/time.h>
#include <sys/queue.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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
#include "mm-internal.h"

#if defined(__linux__) && defined(MSG_WAITFORONE) && !defined(EVDNS_NO_MMSG)
#define EVDNS_MMSG 1
#endif

#define READ_BUDGET	256	/* datagrams read per readiness event */

struct nameserver {
	struct nameserver *next;
	struct evdns_base *dns;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;				/* connected UDP socket */
	struct event read_ev;		/* persistent read on fd */
	struct event probe_ev;		/* timer to probe a down server */
	struct evdns_request *probe;	/* probe in flight, if any */
	int down;			/* considered unreachable */
	int timeouts;			/* consecutive timeouts */
	int probe_step;			/* index into probe_delays */
};

/* A query being retried over TCP: length-prefixed out, then in. */
struct dns_tcp {
	int fd;
	struct event ev;
	unsigned char out[2 + EVDNS_QUERY_MAX];
	size_t outlen, outoff;
	unsigned char lenbuf[2];
	size_t lenoff;
	unsigned char *in;
	size_t inlen, inoff;
};

enum req_state { RS_NEW, RS_WAITING, RS_INFLIGHT, RS_TCP };

struct evdns_request {
	TAILQ_ENTRY(evdns_request) link;	/* waiting or inflight list */
	struct evdns_request *hash_next; /* id table chain, while in_hash */
	struct evdns_base *dns;
	enum req_state state;
	int in_hash;
	ev_uint16_t id;
	int qtype;			/* EVDNS_TYPE_A, _AAAA or _PTR */
	char user_type;			/* DNS_IPv4_A, DNS_IPv6_AAAA, DNS_PTR */
	unsigned char pkt[EVDNS_QUERY_MAX];	/* the query */
	size_t pktlen;
	char qname[EVDNS_NAME_MAX + 1];	/* the name in pkt */
	struct nameserver *ns;		/* where the last copy went */
	struct nameserver *pinned;	/* probes: this server only */
	int tx;				/* transmissions of this candidate */
	int refusals;			/* SERVFAIL etc. for this candidate */
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

static const int probe_delays[] = { 10, 60, 300, 900, 3600 };

/*
 * The hooks of evdns_set_log_fn() and evdns_set_transaction_id_fn() are
 * process-wide, in 1.4 and in 2.x alike, and serve every instance and the
 * server ports.
 */
static evdns_debug_log_fn_type log_fn;
static ev_uint16_t (*trans_id_fn)(void);

static struct evdns_base global_dns;
static int global_dns_ready;

static void request_transmit(struct evdns_request *req);
static void request_finish(struct evdns_request *req, int err, int count,
    int ttl, void *addrs);
static void candidate_failed(struct evdns_request *req, int err);
static void timeout_cb(int fd, short what, void *arg);
static void ns_read_cb(int fd, short what, void *arg);
static void tcp_start(struct evdns_request *req);

/* ------------------------------------------------------------------ */
/* The instance, logging, events                                       */

/* The one place the option defaults are written. */
static void
options_default(struct evdns_base *dns)
{
	dns->timeout.tv_sec = 5;
	dns->timeout.tv_usec = 0;
	dns->attempts = 3;
	dns->max_timeouts = 3;
	dns->max_inflight = 64;
}

/* Initialize zeroed memory as an instance whose events go to base. */
static void
dns_init(struct evdns_base *dns, struct event_base *base)
{
	dns->base = base;
	TAILQ_INIT(&dns->waiting);
	TAILQ_INIT(&dns->inflight);
	options_default(dns);
}

struct evdns_base *
evdns_global_(void)
{
	if (!global_dns_ready) {
		dns_init(&global_dns, NULL);
		global_dns_ready = 1;
	}
	return &global_dns;
}

void
evdns_log_(int warn, const char *fmt, ...)
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

void
evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void))
{
	trans_id_fn = fn;
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

void
evdns_event_set_(struct event_base *base, struct event *ev, int fd,
    short what, void (*cb)(int, short, void *), void *arg)
{
	event_set(ev, fd, what, cb, arg);
	if (base != NULL)
		event_base_set(base, ev);
}

int
evdns_base_usable_(struct event_base *base)
{
	/* event_get_method() is NULL until event_init() has run. */
	return base != NULL || event_get_method() != NULL;
}

/* ------------------------------------------------------------------ */
/* Randomness and transaction ids                                      */

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
	unsigned long x;

#ifdef HAVE_GETRANDOM
	r = getrandom(dns->rnd_pool, want, 0);
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
	x = (unsigned long)tv.tv_usec * 2654435761UL ^
	    (unsigned long)tv.tv_sec ^ ((unsigned long)getpid() << 16);
	for (i = 0; i < want; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		dns->rnd_pool[i] = (unsigned char)(x >> 33);
	}
}

/* Fill out with n random bytes; a busy resolver makes one syscall per
 * few hundred ids. */
static void
rand_bytes(struct evdns_base *dns, void *out, size_t n)
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
		memset(p, 0, take);	/* never hand out the same bytes twice */
		dns->rnd_left -= take;
		o += take;
		n -= take;
	}
}

static struct evdns_request *
id_lookup(struct evdns_base *dns, unsigned int id)
{
	struct evdns_request *r;

	for (r = dns->id_table[id % EVDNS_ID_BUCKETS]; r != NULL;
	    r = r->hash_next)
		if (r->id == id)
			return r;
	return NULL;
}

static void
id_remove(struct evdns_request *req)
{
	struct evdns_request **pp;

	if (!req->in_hash)
		return;
	for (pp = &req->dns->id_table[req->id % EVDNS_ID_BUCKETS];
	    *pp != NULL; pp = &(*pp)->hash_next) {
		if (*pp == req) {
			*pp = req->hash_next;
			break;
		}
	}
	req->in_hash = 0;
}

/*
 * Give req a transaction id not used by any request in flight, from the
 * user's function if one is set (32 tries), else from the kernel.  0xffff
 * is never used (1.4 never did).
 */
static void
id_assign(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;
	unsigned int id;
	int tries = 0;

	id_remove(req);
	do {
		if (trans_id_fn != NULL && tries < 32) {
			id = trans_id_fn();
		} else {
			unsigned char b[2];
			rand_bytes(dns, b, 2);
			id = evdns_get16(b);
		}
		tries++;
	} while (id == 0xffff || id_lookup(dns, id) != NULL);
	req->id = (ev_uint16_t)id;
	evdns_put16(req->pkt, id);
	req->hash_next = dns->id_table[id % EVDNS_ID_BUCKETS];
	dns->id_table[id % EVDNS_ID_BUCKETS] = req;
	req->in_hash = 1;
}

/* ------------------------------------------------------------------ */
/* Nameservers                                                         */

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

		rand_bytes(dns, b, 2);
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

/* A nonblocking UDP socket connected to sa, or -1. */
static int
ns_socket(struct evdns_base *dns, const struct sockaddr *sa, socklen_t salen)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	int sz = 1 << 20;

	if (fd < 0)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (evutil_make_socket_nonblocking(fd) < 0) {
		close(fd);
		return -1;
	}
	/*
	 * Room for a burst of replies: with max-inflight lookups out, all
	 * the answers can arrive before the loop gets to read them, and
	 * each small datagram costs the kernel a kilobyte or more of
	 * buffer.  The kernel caps this at net.core.rmem_max.
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	bind_random_port(dns, fd, sa->sa_family);
	/* Connected: the kernel then drops datagrams from other peers. */
	if (connect(fd, sa, salen) < 0) {
		evdns_log_(1, "connect to nameserver failed: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void probe_timer_cb(int fd, short what, void *arg);

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
	if ((ns->fd = ns_socket(dns, sa, salen)) < 0) {
		mm_free(ns);
		return 1;
	}
	ns->dns = dns;
	memcpy(&ns->addr, sa, salen);
	ns->addrlen = salen;
	evdns_event_set_(dns->base, &ns->read_ev, ns->fd, EV_READ | EV_PERSIST,
	    ns_read_cb, ns);
	if (event_add(&ns->read_ev, NULL) < 0) {
		close(ns->fd);
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

/*
 * Pick the server for the next transmission: round-robin over the servers
 * that are up, avoiding `avoid` when another choice exists; if every
 * server is down, round-robin over all of them.
 */
static struct nameserver *
ns_pick(struct evdns_base *dns, struct nameserver *avoid)
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

static void
ns_mark_up(struct nameserver *ns)
{
	ns->timeouts = 0;
	if (!ns->down)
		return;
	ns->down = 0;
	ns->probe_step = 0;
	event_del(&ns->probe_ev);
	evdns_log_(0, "nameserver is up again");
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

/* Detach a probe from its server: nobody is to be told how it ends. */
static void
probe_forget(struct evdns_request *req)
{
	req->pinned->probe = NULL;
	req->cb = NULL;
}

static void
tcp_close(struct evdns_request *req)
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
ns_free_all(struct evdns_base *dns)
{
	struct nameserver *ns, *next;

	for (ns = dns->ns_head; ns != NULL; ns = next) {
		next = ns->next;
		event_del(&ns->read_ev);
		event_del(&ns->probe_ev);
		close(ns->fd);
		mm_free(ns);
	}
	dns->ns_head = dns->ns_cursor = NULL;
	dns->ns_count = 0;
	dns->ns_generation++;
	dns->nsendq = 0;	/* their lookups are failed or requeued */
}

int
evdns_clear_nameservers_and_suspend(void)
{
	struct evdns_base *dns = evdns_global_();
	struct evdns_request *req;

	/*
	 * Move in-flight lookups back to the head of the waiting queue,
	 * keeping their order; probes are dropped with their servers.
	 */
	while ((req = TAILQ_LAST(&dns->inflight, evdns_request_list)) !=
	    NULL) {
		if (req->pinned != NULL) {
			probe_forget(req);
			request_finish(req, DNS_ERR_SHUTDOWN, 0, 0, NULL);
			continue;
		}
		TAILQ_REMOVE(&dns->inflight, req, link);
		dns->n_inflight--;
		event_del(&req->timeout_ev);
		tcp_close(req);
		id_remove(req);
		req->ns = NULL;
		req->tx = 0;
		req->refusals = 0;
		req->state = RS_WAITING;
		TAILQ_INSERT_HEAD(&dns->waiting, req, link);
	}
	TAILQ_FOREACH(req, &dns->waiting, link)
		event_del(&req->timeout_ev);
	ns_free_all(dns);
	dns->suspended = 1;
	return 0;
}

static void waiting_arm(struct evdns_request *req);

int
evdns_resume(void)
{
	struct evdns_base *dns = evdns_global_();
	struct evdns_request *req;

	dns->suspended = 0;
	evdns_pump_waiting_(dns);
	/* Still no server: the waiting lookups now run against a deadline. */
	TAILQ_FOREACH(req, &dns->waiting, link)
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

/* The search domain of candidate i, or NULL for the bare name. */
static const char *
candidate_domain(const struct evdns_request *req, int i)
{
	const struct search_state *s = req->search;

	if (s == NULL)
		return NULL;
	if (req->bare_first)
		return i == 0 ? NULL : s->doms[i - 1];
	return i < s->n ? s->doms[i] : NULL;
}

static int
candidate_count(const struct evdns_request *req)
{
	return req->search != NULL ? req->search->n + 1 : 1;
}

/*
 * Set req->qname and req->pkt to the next candidate name.  Candidates
 * whose full name would be too long are skipped.  Returns -1 when there
 * is no candidate left.
 */
static int
candidate_next(struct evdns_request *req)
{
	while (req->cand < candidate_count(req)) {
		const char *dom = candidate_domain(req, req->cand++);
		int len;

		if (dom != NULL) {
			if (evutil_snprintf(req->qname, sizeof(req->qname),
			    "%s.%s", req->base_name, dom) >=
			    (int)sizeof(req->qname))
				continue;
		} else {
			memcpy(req->qname, req->base_name,
			    strlen(req->base_name) + 1);
		}
		len = evdns_query_build_(req->pkt, sizeof(req->pkt),
		    req->qname, req->qtype);
		if (len < 0)
			continue;
		req->pktlen = (size_t)len;
		req->tx = 0;
		req->refusals = 0;
		return 0;
	}
	return -1;
}

/*
 * Make a request for name (not yet queued).  Returns NULL for an empty,
 * malformed or oversize name, without an event base, or when out of
 * memory.
 */
static struct evdns_request *
request_new(struct evdns_base *dns, int qtype, const char *name, int flags,
    evdns_callback_type cb, void *arg)
{
	struct evdns_request *req;
	unsigned char tmp[256];
	size_t len;

	if (name == NULL || !evdns_base_usable_(dns->base))
		return NULL;
	len = strlen(name);
	if (len == 0 || len > EVDNS_NAME_MAX)
		return NULL;
	if (name[len - 1] == '.') {
		/* A trailing dot: the name is absolute, never searched. */
		flags |= DNS_QUERY_NO_SEARCH;
		if (--len == 0)
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
	req->dns = dns;
	req->qtype = qtype;
	req->user_type = qtype == EVDNS_TYPE_A ? DNS_IPv4_A :
	    qtype == EVDNS_TYPE_AAAA ? DNS_IPv6_AAAA : DNS_PTR;
	req->cb = cb;
	req->arg = arg;
	req->state = RS_NEW;
	if (!(flags & DNS_QUERY_NO_SEARCH) && dns->search != NULL &&
	    dns->search->n > 0) {
		req->search = dns->search;
		dns->search->refcnt++;
		req->bare_first = count_dots(req->base_name) >=
		    dns->search->ndots;
	}
	evdns_event_set_(dns->base, &req->timeout_ev, -1, 0, timeout_cb, req);
	if (candidate_next(req) < 0) {
		evdns_search_unref_(req->search);
		mm_free(req);
		return NULL;
	}
	return req;
}

/* Arm the deadline of a request that waits with no server configured. */
static void
waiting_arm(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;
	struct timeval tv;
	double t;

	if (dns->suspended || dns->ns_count > 0)
		return;
	t = (dns->timeout.tv_sec + dns->timeout.tv_usec / 1e6) *
	    dns->attempts;
	tv.tv_sec = (time_t)t;
	tv.tv_usec = (suseconds_t)((t - (double)tv.tv_sec) * 1e6);
	evtimer_add(&req->timeout_ev, &tv);
}

/* Whether a request may go out now rather than wait. */
static int
slot_free(const struct evdns_base *dns)
{
	return dns->ns_count > 0 && !dns->suspended &&
	    dns->n_inflight < dns->max_inflight;
}

/* Put req in flight with a fresh id and send it. */
static void
request_launch(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;

	req->state = RS_INFLIGHT;
	TAILQ_INSERT_TAIL(&dns->inflight, req, link);
	dns->n_inflight++;
	id_assign(req);
	request_transmit(req);
}

/* Queue a new request and send it if a slot is free. */
static void
request_submit(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;

	if (slot_free(dns) && TAILQ_EMPTY(&dns->waiting)) {
		request_launch(req);
	} else {
		req->state = RS_WAITING;
		TAILQ_INSERT_TAIL(&dns->waiting, req, link);
		waiting_arm(req);
	}
}

void
evdns_pump_waiting_(struct evdns_base *dns)
{
	struct evdns_request *req;

	while (slot_free(dns) && (req = TAILQ_FIRST(&dns->waiting)) != NULL) {
		TAILQ_REMOVE(&dns->waiting, req, link);
		event_del(&req->timeout_ev);
		request_launch(req);
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

/*
 * Send (or resend) the current candidate, to a new server unless the
 * request is pinned, and arm the timeout.
 */
static void
request_transmit(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;
	struct nameserver *ns;

	if (req->pinned != NULL)
		ns = req->pinned;
	else
		ns = ns_pick(dns, req->tx > 0 ? req->ns : NULL);
	if (ns == NULL)
		return;		/* cannot happen: callers check ns_count */
	req->ns = ns;
	req->tx++;
	if (dns->batching) {
		struct evdns_pending_send *ps;

		if (dns->nsendq == EVDNS_SEND_BATCH)
			sends_flush(dns);
		ps = &dns->sendq[dns->nsendq++];
		ps->ns = ns;
		ps->len = req->pktlen;
		memcpy(ps->pkt, req->pkt, req->pktlen);
	} else {
		dgram_send(ns, req->pkt, req->pktlen);
	}
	/* A failed send is handled like a lost datagram: by the timer. */
	evtimer_add(&req->timeout_ev, &dns->timeout);
}

/* Take req out of every list and stop its events. */
static void
request_detach(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;

	if (req->state == RS_WAITING) {
		TAILQ_REMOVE(&dns->waiting, req, link);
	} else if (req->state == RS_INFLIGHT || req->state == RS_TCP) {
		TAILQ_REMOVE(&dns->inflight, req, link);
		dns->n_inflight--;
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
request_finish(struct evdns_request *req, int err, int count, int ttl,
    void *addrs)
{
	struct evdns_base *dns = req->dns;
	evdns_callback_type cb = req->cb;
	void *arg = req->arg;
	char type = req->user_type;
	int was_probe = req->pinned != NULL;

	request_detach(req);
	evdns_search_unref_(req->search);
	mm_free(req);
	if (!was_probe)
		evdns_pump_waiting_(dns);
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
candidate_failed(struct evdns_request *req, int err)
{
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
	struct evdns_request *req = arg;
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
	if (ns != NULL && ++ns->timeouts > req->dns->max_timeouts)
		ns_mark_down(ns);
	if (req->tx >= req->dns->attempts || req->pinned != NULL) {
		candidate_failed(req, DNS_ERR_TIMEOUT);
		return;
	}
	/* Same id, next server. */
	request_transmit(req);
}

static void
probe_timer_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	struct evdns_request *req;

	(void)fd;
	(void)what;
	if (ns->probe != NULL || !ns->down)
		return;
	req = request_new(ns->dns, EVDNS_TYPE_A, "www.google.com",
	    DNS_QUERY_NO_SEARCH, probe_done, ns);
	if (req == NULL)
		return;
	req->pinned = ns;
	ns->probe = req;
	request_launch(req);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

/*
 * The server answered with a CNAME whose target it did not resolve: ask
 * for the target ourselves, without the search list.  Returns -1 if the
 * request may not follow any further.
 */
static int
cname_follow(struct evdns_request *req, const char *target)
{
	int len;

	if (++req->cname_hops > EVDNS_CNAME_HOPS || req->pinned != NULL)
		return -1;
	tcp_close(req);
	len = evdns_query_build_(req->pkt, sizeof(req->pkt), target,
	    req->qtype);
	if (len < 0)
		return -1;
	memcpy(req->qname, target, strlen(target) + 1);
	req->pktlen = (size_t)len;
	req->tx = 0;
	req->refusals = 0;
	req->cand = candidate_count(req);
	req->state = RS_INFLIGHT;
	id_assign(req);
	request_transmit(req);
	return 0;
}

/* A NOERROR reply: deliver its answer, follow a CNAME, or fail. */
static void
reply_answer(struct evdns_request *req, const unsigned char *pkt, size_t len,
    size_t off, unsigned int ancount)
{
	struct evdns_answer ans;
	int err;

	err = evdns_answer_parse_(pkt, len, off, ancount, req->qname,
	    req->qtype, &ans);
	if (err == DNS_ERR_NONE) {
		if (req->qtype == EVDNS_TYPE_PTR) {
			char *p = ans.u.name;
			request_finish(req, DNS_ERR_NONE, 1, ans.ttl, &p);
		} else {
			request_finish(req, DNS_ERR_NONE, ans.count, ans.ttl,
			    ans.u.addrs);
		}
		return;
	}
	if (err == EVDNS_ANSWER_CNAME) {
		if (cname_follow(req, ans.follow) == 0)
			return;
		err = DNS_ERR_UNKNOWN;
	}
	candidate_failed(req, err);
}

/* SERVFAIL, NOTIMPL or REFUSED: ask another server before giving up. */
static void
reply_refused(struct evdns_request *req, int rcode)
{
	req->refusals++;
	if (req->pinned == NULL && req->refusals < req->dns->ns_count) {
		/* tx > 0 here, so a different server is picked. */
		tcp_close(req);
		req->state = RS_INFLIGHT;
		request_transmit(req);
		return;
	}
	candidate_failed(req, rcode);
}

/*
 * Act on a reply that belongs to req (header, id, source and question
 * already verified).  off is the offset just past the question.
 */
static void
reply_process(struct evdns_request *req, const unsigned char *pkt,
    size_t len, const struct evdns_header *h, size_t off, int via_tcp)
{
	int rcode = (int)(h->flags & EVDNS_RCODE_MASK);

	event_del(&req->timeout_ev);
	if (h->flags & EVDNS_FLAG_TC) {
		if (via_tcp)
			candidate_failed(req, DNS_ERR_TRUNCATED);
		else
			tcp_start(req);
		return;
	}
	switch (rcode) {
	case DNS_ERR_NONE:
		reply_answer(req, pkt, len, off, h->ancount);
		return;
	case DNS_ERR_SERVERFAILED:
	case DNS_ERR_NOTIMPL:
	case DNS_ERR_REFUSED:
		reply_refused(req, rcode);
		return;
	case DNS_ERR_FORMAT:
	case DNS_ERR_NOTEXIST:
		candidate_failed(req, rcode);
		return;
	default:
		candidate_failed(req, DNS_ERR_UNKNOWN);
		return;
	}
}

/*
 * Check a reply's header (into h) and question against req.  Returns the
 * offset past the question, or 0 if the reply is not an answer to req.
 */
static size_t
reply_matches(struct evdns_request *req, const unsigned char *pkt,
    size_t len, struct evdns_header *h)
{
	size_t off = EVDNS_HEADER_LEN;
	char name[EVDNS_NAME_MAX + 1];
	int type, cls;

	if (evdns_header_parse_(pkt, len, h) < 0 || h->id != req->id)
		return 0;
	if (!(h->flags & EVDNS_FLAG_QR) || (h->flags & EVDNS_OPCODE_MASK) ||
	    h->qdcount != 1)
		return 0;
	if (evdns_question_parse_(pkt, len, &off, name, &type, &cls) < 0)
		return 0;
	if (strcasecmp(name, req->qname) != 0 || type != req->qtype ||
	    cls != EVDNS_CLASS_INET)
		return 0;
	return off;
}

/*
 * A datagram from ns.  truncated: it was larger than our buffer (no reply
 * to a query without EDNS may be), so treat it as if TC were set.
 */
static void
reply_handle(struct nameserver *ns, const unsigned char *pkt, size_t len,
    int truncated)
{
	struct evdns_request *req;
	struct evdns_header h;
	size_t off;

	if (len < EVDNS_HEADER_LEN)
		return;
	req = id_lookup(ns->dns, evdns_get16(pkt));
	if (req == NULL || req->state != RS_INFLIGHT || req->ns != ns)
		return;
	if ((off = reply_matches(req, pkt, len, &h)) == 0) {
		evdns_log_(1, "dropped a reply whose question does not match");
		return;
	}
	ns_mark_up(ns);
	if (truncated) {
		event_del(&req->timeout_ev);
		tcp_start(req);
		return;
	}
	reply_process(req, pkt, len, &h, off, 0);
}

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
	reply_handle(ns, buf, len, truncated);
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
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			return;
		}
		if (datagram_handle(ns, gen, dns->rxbuf, (size_t)r,
		    (struct sockaddr *)&from, 0) < 0)
			return;
	}
}
#endif

static void
ns_read_cb(int fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	struct evdns_base *dns = ns->dns;

	(void)fd;
	(void)what;
	/* Lookups started by callbacks below are sent in one batch. */
	dns->batching++;
	ns_read(ns);
	if (--dns->batching == 0)
		sends_flush(dns);
}

/* ------------------------------------------------------------------ */
/* TCP fallback                                                        */

static void tcp_cb(int fd, short what, void *arg);

/* A nonblocking TCP socket connecting to ns, or -1. */
static int
tcp_socket(const struct nameserver *ns)
{
	int fd = socket(ns->addr.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)evutil_make_socket_nonblocking(fd);
	if (connect(fd, (const struct sockaddr *)&ns->addr, ns->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Retry the current query over TCP to the same server (RFC 1035 4.2.2). */
static void
tcp_start(struct evdns_request *req)
{
	struct dns_tcp *t;
	int fd = -1;

	tcp_close(req);
	if ((t = mm_calloc(1, sizeof(*t))) == NULL ||
	    (fd = tcp_socket(req->ns)) < 0) {
		mm_free(t);
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	t->fd = fd;
	evdns_put16(t->out, (unsigned int)req->pktlen);
	memcpy(t->out + 2, req->pkt, req->pktlen);
	t->outlen = req->pktlen + 2;
	req->tcp = t;
	req->state = RS_TCP;
	evdns_event_set_(req->dns->base, &t->ev, fd, EV_WRITE, tcp_cb, req);
	event_add(&t->ev, NULL);
	evtimer_add(&req->timeout_ev, &req->dns->timeout);
}

/* Write more of the query.  1 when it is all out, 0 to wait, -1 on error. */
static int
tcp_write_step(struct dns_tcp *t)
{
	ssize_t r = write(t->fd, t->out + t->outoff, t->outlen - t->outoff);

	if (r < 0)
		return (errno == EAGAIN || errno == EINTR ||
		    errno == EINPROGRESS) ? 0 : -1;
	t->outoff += (size_t)r;
	return t->outoff == t->outlen;
}

/* Read more of the reply.  1 when it is all in, 0 to wait, -1 on error. */
static int
tcp_read_step(struct dns_tcp *t)
{
	for (;;) {
		ssize_t r;

		if (t->lenoff < 2)
			r = read(t->fd, t->lenbuf + t->lenoff, 2 - t->lenoff);
		else
			r = read(t->fd, t->in + t->inoff, t->inlen - t->inoff);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (r <= 0)
			return -1;
		if (t->lenoff < 2) {
			t->lenoff += (size_t)r;
			if (t->lenoff < 2)
				continue;
			t->inlen = evdns_get16(t->lenbuf);
			if (t->inlen < EVDNS_HEADER_LEN ||
			    (t->in = mm_malloc(t->inlen)) == NULL)
				return -1;
			continue;
		}
		t->inoff += (size_t)r;
		if (t->inoff == t->inlen)
			return 1;
	}
}

/* The whole reply came in over TCP: check it and act on it. */
static void
tcp_reply(struct evdns_request *req)
{
	/* Keep the reply alive past tcp_close() in reply_process. */
	unsigned char *pkt = req->tcp->in;
	size_t len = req->tcp->inlen, off;
	struct evdns_header h;

	req->tcp->in = NULL;
	if ((off = reply_matches(req, pkt, len, &h)) == 0) {
		mm_free(pkt);
		candidate_failed(req, DNS_ERR_TRUNCATED);
		return;
	}
	ns_mark_up(req->ns);
	tcp_close(req);
	req->state = RS_INFLIGHT;
	reply_process(req, pkt, len, &h, off, 1);
	mm_free(pkt);
}

static void
tcp_cb(int fd, short what, void *arg)
{
	struct evdns_request *req = arg;
	struct dns_tcp *t = req->tcp;
	int r;

	(void)what;
	if (t->outoff < t->outlen) {
		if ((r = tcp_write_step(t)) == 1)
			/* All sent: wait for the reply. */
			evdns_event_set_(req->dns->base, &t->ev, fd, EV_READ,
			    tcp_cb, req);
	} else if ((r = tcp_read_step(t)) == 1) {
		tcp_reply(req);
		return;
	}
	if (r < 0)
		candidate_failed(req, DNS_ERR_TRUNCATED);
	else
		event_add(&t->ev, NULL);
}

/* ------------------------------------------------------------------ */
/* Lookups and shutdown                                                */

static int
resolve(int qtype, const char *name, int flags, evdns_callback_type cb,
    void *arg)
{
	struct evdns_request *req = request_new(evdns_global_(), qtype, name,
	    flags, cb, arg);

	if (req == NULL) {
		evdns_log_(1, "cannot start a lookup for a bad or empty name");
		return 1;
	}
	evdns_log_(0, "resolve requested for %s", req->base_name);
	request_submit(req);
	return 0;
}

int
evdns_resolve_ipv4(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve(EVDNS_TYPE_A, name, flags, callback, ptr);
}

int
evdns_resolve_ipv6(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve(EVDNS_TYPE_AAAA, name, flags, callback, ptr);
}

int
evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return 1;
	evdns_reverse_v4_(buf, in);
	return resolve(EVDNS_TYPE_PTR, buf, flags | DNS_QUERY_NO_SEARCH,
	    callback, ptr);
}

int
evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return 1;
	evdns_reverse_v6_(buf, in);
	return resolve(EVDNS_TYPE_PTR, buf, flags | DNS_QUERY_NO_SEARCH,
	    callback, ptr);
}

void
evdns_shutdown(int fail_requests)
{
	struct evdns_base *dns = evdns_global_();
	struct evdns_request_list done = TAILQ_HEAD_INITIALIZER(done);
	struct evdns_request *req;

	/*
	 * Detach everything first so that callbacks (which may start new
	 * lookups) see a clean state; then tell the callers.
	 */
	while ((req = TAILQ_FIRST(&dns->inflight)) != NULL) {
		request_detach(req);
		if (req->pinned != NULL)
			probe_forget(req);
		TAILQ_INSERT_TAIL(&done, req, link);
	}
	while ((req = TAILQ_FIRST(&dns->waiting)) != NULL) {
		request_detach(req);
		TAILQ_INSERT_TAIL(&done, req, link);
	}
	ns_free_all(dns);
	evdns_search_reset_(dns);
	dns->suspended = 0;
	options_default(dns);
	log_fn = NULL;
	while ((req = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, req, link);
		if (!fail_requests)
			req->cb = NULL;
		request_finish(req, DNS_ERR_SHUTDOWN, 0, 0, NULL);
	}
}
