/*
 * evdns.c -- the asynchronous DNS stub resolver.
 *
 * Written for relevent from RFC 1035 (message format), RFC 3596 (AAAA and
 * ip6.arpa), RFC 2308 (negative answers) and the libevent 1.4 API notes.
 * The nameservers' sockets and health are in evdns_nameserver.c, the
 * message format in evdns_wire.c, options and resolv.conf in
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

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "mm-internal.h"

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

/* RS_CANCELLED: on dns->cancelled, its timer due at once to report. */
enum req_state { RS_NEW, RS_WAITING, RS_INFLIGHT, RS_TCP, RS_CANCELLED };

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
	struct evdns_udp udp;		/* its source port, if its own */
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
	int v2;				/* report DNS_ERR_NODATA */
	int internal;			/* keep cb in a quiet shutdown */
	evdns_callback_type cb;
	void *arg;
};

/*
 * The hooks of evdns_set_log_fn() and evdns_set_transaction_id_fn() are
 * process-wide: 1.4 and 2.x alike set them without a handle, and the log
 * hook serves the server ports too.
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
static void timeout_event_cb(int fd, short what, void *arg);
static void tcp_start(struct evdns_request *req);
static void tcp_close(struct evdns_request *req);

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

/* Make zeroed memory (static, or from mm_calloc) an instance whose
 * events go to base (NULL: the current base). */
static void
dns_init(struct evdns_base *dns, struct event_base *base)
{
	dns->base = base;
	TAILQ_INIT(&dns->waiting);
	TAILQ_INIT(&dns->inflight);
	TAILQ_INIT(&dns->cancelled);
	TAILQ_INIT(&dns->hosts);
	options_default(dns);
}

void
evdns_base_enter_(struct evdns_base *dns)
{
	dns->busy++;
}

void
evdns_base_leave_(struct evdns_base *dns)
{
	if (--dns->busy == 0 && dns->dying)
		mm_free(dns);
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
	case DNS_ERR_CANCEL: return "dns request canceled";
	case DNS_ERR_NODATA: return "no records of that type";
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
/* Transaction ids                                                     */

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
			evdns_rand_bytes_(dns, b, 2);
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

/* Build the query for req->qname, not yet sent.  -1 for a bad name. */
static int
query_load(struct evdns_request *req)
{
	int len = evdns_query_build_(req->pkt, sizeof(req->pkt), req->qname,
	    req->qtype);

	if (len < 0)
		return -1;
	req->pktlen = (size_t)len;
	req->tx = 0;
	req->refusals = 0;
	return 0;
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

		if (dom != NULL) {
			if (evutil_snprintf(req->qname, sizeof(req->qname),
			    "%s.%s", req->base_name, dom) >=
			    (int)sizeof(req->qname))
				continue;
		} else {
			memcpy(req->qname, req->base_name,
			    strlen(req->base_name) + 1);
		}
		if (query_load(req) == 0)
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
	size_t len;

	if (name == NULL || dns->dying || !evdns_base_usable_(dns->base))
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
	req->dns = dns;
	req->qtype = qtype;
	req->user_type = qtype == EVDNS_TYPE_A ? DNS_IPv4_A :
	    qtype == EVDNS_TYPE_AAAA ? DNS_IPv6_AAAA : DNS_PTR;
	req->cb = cb;
	req->arg = arg;
	req->state = RS_NEW;
	req->udp.fd = -1;
	if (!(flags & DNS_QUERY_NO_SEARCH) && dns->search != NULL &&
	    dns->search->n > 0) {
		req->search = dns->search;
		dns->search->refcnt++;
		req->bare_first = count_dots(req->base_name) >=
		    dns->search->ndots;
	}
	evdns_event_set_(dns->base, &req->timeout_ev, -1, 0, timeout_event_cb,
	    req);
	/*
	 * Every candidate holds the bare name's labels, so a malformed
	 * name has no candidate that encodes.
	 */
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

/* Send the query just loaded into req (already in flight) under a
 * fresh id. */
static void
request_restart(struct evdns_request *req)
{
	req->state = RS_INFLIGHT;
	id_assign(req);
	request_transmit(req);
}

/* Put req in flight and send it. */
static void
request_launch(struct evdns_request *req)
{
	struct evdns_base *dns = req->dns;

	TAILQ_INSERT_TAIL(&dns->inflight, req, link);
	if (dns->n_inflight++ == 0)
		evdns_ns_activity_(dns);
	request_restart(req);
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
		ns = evdns_ns_pick_(dns, req->tx > 0 ? req->ns : NULL);
	if (ns == NULL)
		return;		/* cannot happen: callers check ns_count */
	req->ns = ns;
	req->tx++;
	evdns_ns_send_(ns, &req->udp, req->id, req->pkt, req->pktlen);
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
		if (--dns->n_inflight == 0)
			evdns_ns_activity_(dns);
	} else if (req->state == RS_CANCELLED) {
		TAILQ_REMOVE(&dns->cancelled, req, link);
	}
	req->state = RS_NEW;
	id_remove(req);
	event_del(&req->timeout_ev);
	evdns_udp_close_(&req->udp);
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
		request_restart(req);
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
	if (req->state == RS_CANCELLED) {
		request_finish(req, DNS_ERR_CANCEL, 0, 0, NULL);
		return;
	}
	if (req->state == RS_WAITING) {
		/* No nameserver turned up in time. */
		request_finish(req, DNS_ERR_TIMEOUT, 0, 0, NULL);
		return;
	}
	if (req->state == RS_TCP) {
		candidate_failed(req, DNS_ERR_TIMEOUT);
		return;
	}
	if (ns != NULL)
		evdns_ns_timeout_(ns);
	if (req->tx >= req->dns->attempts || req->pinned != NULL) {
		candidate_failed(req, DNS_ERR_TIMEOUT);
		return;
	}
	/* Same id, next server. */
	request_transmit(req);
}

/* The request timer: everything it does may end in a callback. */
static void
timeout_event_cb(int fd, short what, void *arg)
{
	struct evdns_base *dns = ((struct evdns_request *)arg)->dns;

	evdns_base_enter_(dns);
	timeout_cb(fd, what, arg);
	evdns_base_leave_(dns);
}

void
evdns_probe_start_(struct nameserver *ns, evdns_callback_type done)
{
	struct evdns_request *req;

	req = request_new(ns->dns, EVDNS_TYPE_A, "www.google.com",
	    DNS_QUERY_NO_SEARCH, done, ns);
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
	if (++req->cname_hops > EVDNS_CNAME_HOPS || req->pinned != NULL)
		return -1;
	tcp_close(req);
	memcpy(req->qname, target, strlen(target) + 1);
	if (query_load(req) < 0)
		return -1;
	req->cand = candidate_count(req);	/* no more search candidates */
	request_restart(req);
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
	/* 2.x names the empty NOERROR answer; 1.4 called it unknown. */
	if (err == DNS_ERR_UNKNOWN && req->v2)
		err = DNS_ERR_NODATA;
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

void
evdns_reply_handle_(struct nameserver *ns, const struct evdns_udp *via,
    const unsigned char *pkt, size_t len, int truncated)
{
	struct evdns_request *req;
	struct evdns_header h;
	size_t off;

	if (len < EVDNS_HEADER_LEN)
		return;
	req = id_lookup(ns->dns, evdns_get16(pkt));
	if (req == NULL || req->state != RS_INFLIGHT || req->ns != ns)
		return;
	/* Only through the socket the query left from: a reply on another
	 * port is a guess (RFC 5452 9.2). */
	if (via != (req->udp.fd >= 0 ? &req->udp : NULL)) {
		evdns_log_(1, "dropped a reply that came to the wrong port");
		return;
	}
	if ((off = reply_matches(req, pkt, len, &h)) == 0) {
		evdns_log_(1, "dropped a reply whose question does not match");
		return;
	}
	evdns_ns_mark_up_(ns);
	if (truncated) {
		event_del(&req->timeout_ev);
		evdns_udp_close_(&req->udp);
		tcp_start(req);
		return;
	}
	reply_process(req, pkt, len, &h, off, 0);
}

/* ------------------------------------------------------------------ */
/* TCP fallback                                                        */

static void tcp_cb(int fd, short what, void *arg);

static void
tcp_close(struct evdns_request *req)
{
	if (req->tcp == NULL)
		return;
	event_del(&req->tcp->ev);
	EVUTIL_CLOSESOCKET(req->tcp->fd);
	mm_free(req->tcp->in);
	mm_free(req->tcp);
	req->tcp = NULL;
}

/* A nonblocking TCP socket connecting to ns, or -1. */
static int
tcp_socket(const struct nameserver *ns)
{
	int fd = socket(ns->addr.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	evutil_closeonexec_(fd);
	(void)evutil_make_socket_nonblocking(fd);
	if (connect(fd, (const struct sockaddr *)&ns->addr, ns->addrlen) < 0 &&
	    !EVUTIL_ERR_CONNECT_RETRIABLE(EVUTIL_SOCKET_ERROR())) {
		EVUTIL_CLOSESOCKET(fd);
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
	ssize_t r = EVUTIL_WRITE_SOCKET(t->fd, t->out + t->outoff,
	    t->outlen - t->outoff);
	int e;

	if (r < 0) {
		e = EVUTIL_SOCKET_ERROR();
		return (EVUTIL_ERR_RW_RETRIABLE(e) ||
		    EVUTIL_ERR_CONNECT_RETRIABLE(e)) ? 0 : -1;
	}
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
			r = EVUTIL_READ_SOCKET(t->fd, t->lenbuf + t->lenoff,
			    2 - t->lenoff);
		else
			r = EVUTIL_READ_SOCKET(t->fd, t->in + t->inoff,
			    t->inlen - t->inoff);
		if (r < 0 && EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR()))
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
	evdns_ns_mark_up_(req->ns);
	tcp_close(req);
	req->state = RS_INFLIGHT;
	reply_process(req, pkt, len, &h, off, 1);
	mm_free(pkt);
}

static void
tcp_step(struct evdns_request *req, int fd)
{
	struct dns_tcp *t = req->tcp;
	int r;

	if (t->outoff < t->outlen) {
		r = tcp_write_step(t);
		if (r == 1)		/* all sent: wait for the reply */
			evdns_event_set_(req->dns->base, &t->ev, fd, EV_READ,
			    tcp_cb, req);
	} else {
		r = tcp_read_step(t);
		if (r == 1) {
			tcp_reply(req);
			return;
		}
	}
	if (r < 0)
		candidate_failed(req, DNS_ERR_TRUNCATED);
	else
		event_add(&t->ev, NULL);
}

static void
tcp_cb(int fd, short what, void *arg)
{
	struct evdns_base *dns = ((struct evdns_request *)arg)->dns;

	(void)what;
	evdns_base_enter_(dns);
	tcp_step(arg, fd);
	evdns_base_leave_(dns);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

struct evdns_request *
evdns_resolve_(struct evdns_base *dns, int qtype, const char *name,
    int flags, evdns_callback_type cb, void *arg, int v2, int internal)
{
	struct evdns_request *req;

	if (dns == NULL ||
	    (req = request_new(dns, qtype, name, flags, cb, arg)) == NULL) {
		evdns_log_(1, "cannot start a lookup for a bad or empty name");
		return NULL;
	}
	req->v2 = v2;
	req->internal = internal;
	evdns_log_(0, "resolve requested for %s", req->base_name);
	request_submit(req);
	return req;
}

/* The reverse-lookup name of in (AF_INET or AF_INET6) into buf. */
static const char *
reverse_name(char *buf, int family, const void *in)
{
	if (in == NULL)
		return NULL;
	if (family == AF_INET)
		evdns_reverse_v4_(buf, in);
	else
		evdns_reverse_v6_(buf, in);
	return buf;
}

/* 1.4: 0 when started, 1 when not. */
static int
resolve14(int qtype, const char *name, int flags, evdns_callback_type cb,
    void *arg)
{
	return evdns_resolve_(evdns_global_(), qtype, name, flags, cb, arg,
	    0, 0) != NULL ? 0 : 1;
}

int
evdns_resolve_ipv4(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve14(EVDNS_TYPE_A, name, flags, callback, ptr);
}

int
evdns_resolve_ipv6(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	return resolve14(EVDNS_TYPE_AAAA, name, flags, callback, ptr);
}

int
evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return 1;
	return resolve14(EVDNS_TYPE_PTR, reverse_name(buf, AF_INET, in),
	    flags | DNS_QUERY_NO_SEARCH, callback, ptr);
}

int
evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return 1;
	return resolve14(EVDNS_TYPE_PTR, reverse_name(buf, AF_INET6, in),
	    flags | DNS_QUERY_NO_SEARCH, callback, ptr);
}

struct evdns_request *
evdns_base_resolve_ipv4(struct evdns_base *base, const char *name, int flags,
    evdns_callback_type callback, void *ptr)
{
	return evdns_resolve_(base, EVDNS_TYPE_A, name, flags, callback, ptr,
	    1, 0);
}

struct evdns_request *
evdns_base_resolve_ipv6(struct evdns_base *base, const char *name, int flags,
    evdns_callback_type callback, void *ptr)
{
	return evdns_resolve_(base, EVDNS_TYPE_AAAA, name, flags, callback,
	    ptr, 1, 0);
}

struct evdns_request *
evdns_base_resolve_reverse(struct evdns_base *base, const struct in_addr *in,
    int flags, evdns_callback_type callback, void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return NULL;
	return evdns_resolve_(base, EVDNS_TYPE_PTR,
	    reverse_name(buf, AF_INET, in), flags | DNS_QUERY_NO_SEARCH,
	    callback, ptr, 1, 0);
}

struct evdns_request *
evdns_base_resolve_reverse_ipv6(struct evdns_base *base,
    const struct in6_addr *in, int flags, evdns_callback_type callback,
    void *ptr)
{
	char buf[EVDNS_REVERSE_MAX];

	if (in == NULL)
		return NULL;
	return evdns_resolve_(base, EVDNS_TYPE_PTR,
	    reverse_name(buf, AF_INET6, in), flags | DNS_QUERY_NO_SEARCH,
	    callback, ptr, 1, 0);
}

/* Whether req is a lookup of dns still to be reported (not a probe).
 * Compares pointers only: req may be stale. */
static int
request_pending(struct evdns_base *dns, const struct evdns_request *req)
{
	const struct evdns_request *r;

	TAILQ_FOREACH(r, &dns->waiting, link)
		if (r == req)
			return 1;
	TAILQ_FOREACH(r, &dns->inflight, link)
		if (r == req)
			return r->pinned == NULL;
	return 0;
}

void
evdns_cancel_request(struct evdns_base *base, struct evdns_request *req)
{
	struct timeval now = { 0, 0 };

	if (base == NULL || req == NULL || !request_pending(base, req))
		return;
	request_detach(req);
	req->state = RS_CANCELLED;
	TAILQ_INSERT_TAIL(&base->cancelled, req, link);
	/* The callback runs from the loop, not inside this call. */
	evtimer_add(&req->timeout_ev, &now);
}

/* ------------------------------------------------------------------ */
/* Suspension and shutdown                                             */

/* Detach a probe from its server: nobody is to be told how it ends. */
static void
probe_forget(struct evdns_request *req)
{
	req->pinned->probe = NULL;
	req->cb = NULL;
}

/* Drop the nameservers; requests wait (in order) for dns_resume(). */
static void
dns_suspend(struct evdns_base *dns)
{
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
		request_detach(req);
		req->ns = NULL;
		req->tx = 0;
		req->refusals = 0;
		req->state = RS_WAITING;
		TAILQ_INSERT_HEAD(&dns->waiting, req, link);
	}
	TAILQ_FOREACH(req, &dns->waiting, link)
		event_del(&req->timeout_ev);
	evdns_ns_free_all_(dns);
	dns->suspended = 1;
}

static void
dns_resume(struct evdns_base *dns)
{
	struct evdns_request *req;

	dns->suspended = 0;
	evdns_pump_waiting_(dns);
	/* Still no server: the waiting lookups now run against a deadline. */
	TAILQ_FOREACH(req, &dns->waiting, link)
		waiting_arm(req);
}

/*
 * Drop every request (calling back with DNS_ERR_SHUTDOWN if
 * fail_requests), every nameserver, the search list and the options.
 */
static void
dns_shutdown(struct evdns_base *dns, int fail_requests)
{
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
	evdns_ns_free_all_(dns);
	evdns_search_reset_(dns);
	dns->suspended = 0;
	options_default(dns);
	/* Cancelled lookups were promised their DNS_ERR_CANCEL call. */
	while ((req = TAILQ_FIRST(&dns->cancelled)) != NULL)
		request_finish(req, DNS_ERR_CANCEL, 0, 0, NULL);
	dns->quiet = !fail_requests;
	while ((req = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, req, link);
		if (!fail_requests && !req->internal)
			req->cb = NULL;
		request_finish(req, DNS_ERR_SHUTDOWN, 0, 0, NULL);
	}
	dns->quiet = 0;
}

int
evdns_clear_nameservers_and_suspend(void)
{
	dns_suspend(evdns_global_());
	return 0;
}

int
evdns_resume(void)
{
	dns_resume(evdns_global_());
	return 0;
}

void
evdns_shutdown(int fail_requests)
{
	log_fn = NULL;		/* before any callback runs, as 1.4 */
	dns_shutdown(evdns_global_(), fail_requests);
}

int
evdns_base_clear_nameservers_and_suspend(struct evdns_base *base)
{
	if (base == NULL)
		return -1;
	dns_suspend(base);
	return 0;
}

int
evdns_base_resume(struct evdns_base *base)
{
	if (base == NULL)
		return -1;
	dns_resume(base);
	return 0;
}

/* ------------------------------------------------------------------ */
/* 2.x instances                                                       */

#define EVDNS_BASE_FLAGS (EVDNS_BASE_INITIALIZE_NAMESERVERS | \
	EVDNS_BASE_DISABLE_WHEN_INACTIVE | EVDNS_BASE_NAMESERVERS_NO_DEFAULT)

struct evdns_base *
evdns_base_new(struct event_base *event_base, int flags)
{
	struct evdns_base *dns;
	int opts = DNS_OPTIONS_ALL | DNS_OPTION_HOSTSFILE;

	if (event_base == NULL || (flags & ~EVDNS_BASE_FLAGS) != 0) {
		evdns_log_(1, "evdns_base_new: no event base or unknown flags");
		return NULL;
	}
	if ((dns = mm_calloc(1, sizeof(*dns))) == NULL)
		return NULL;
	dns_init(dns, event_base);
	dns->flags = flags;
	/* bufferevent_socket_connect_hostname() may now use resolvers. */
	evutil_set_evdns_getaddrinfo_fn_(evdns_getaddrinfo);
	evutil_set_evdns_getaddrinfo_cancel_fn_(evdns_getaddrinfo_cancel);
	if (flags & EVDNS_BASE_INITIALIZE_NAMESERVERS) {
		if (flags & EVDNS_BASE_NAMESERVERS_NO_DEFAULT)
			opts |= DNS_OPTION_NAMESERVERS_NO_DEFAULT;
		/* A missing or empty file is not an error (2.1's rule). */
		(void)evdns_resolv_conf_parse_(dns, opts, "/etc/resolv.conf");
	}
	return dns;
}

void
evdns_base_free(struct evdns_base *base, int fail_requests)
{
	if (base == NULL || base->dying)
		return;
	if (base == &global_dns) {
		/* Static: reset, as evdns_shutdown() without the log hook. */
		dns_shutdown(base, fail_requests);
		evdns_hosts_clear_(base);
		return;
	}
	base->dying = 1;
	evdns_base_enter_(base);
	dns_shutdown(base, fail_requests);
	evdns_hosts_clear_(base);
	evdns_base_leave_(base);
}

struct evdns_base *
evdns_get_global_base(void)
{
	return evdns_global_();
}

void
evdns_set_random_bytes_fn(void (*fn)(char *, size_t))
{
	(void)fn;
}
