/*
 * evdns-internal.h -- declarations shared by the evdns source files and
 * their tests.  Not installed.
 *
 *   evdns.c             the resolver: requests, retries, timeouts,
 *                       failover, search, TCP fallback.
 *   evdns_nameserver.c  nameservers: sockets, batched datagram I/O,
 *                       server choice and health.
 *   evdns_wire.c        the DNS message format: pure functions on byte
 *                       strings (names, headers, questions, answers,
 *                       the compressing reply writer).
 *   evdns_config.c      configuration: options, the search list,
 *                       nameserver addresses, resolv.conf.
 *   evdns_server.c      the DNS server port.
 *
 * All resolver state lives in one struct evdns_base.  The 1.4 API works
 * on a single global instance of it (evdns_global_()); every internal
 * function takes the instance as a parameter.
 */
#ifndef EVDNS_INTERNAL_H
#define EVDNS_INTERNAL_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <stddef.h>

#include "event.h"
#include "evutil.h"
#include "evutil-internal.h"	/* socket calls and errors */
#include "evdns.h"
#include "event2/dns.h"
#include "event2/dns_compat.h"
#include "log-extra-internal.h"

/* Internal cross-file functions stay out of the shared library's symbol
 * table (the same definition as event-internal.h). */
#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif

/* ------------------------------------------------------------------ */
/* Wire format (evdns_wire.c)                                          */

/* Longest presentation-form name we handle (255 wire bytes, no dot). */
#define EVDNS_NAME_MAX		255
#define EVDNS_HEADER_LEN	12
/* A query: header, the longest wire name, type and class. */
#define EVDNS_QUERY_MAX		(EVDNS_HEADER_LEN + 256 + 4)
#define EVDNS_UDP_MAX		512	/* RFC 1035 payload without EDNS */
#define EVDNS_MAX_ADDRS		32	/* addresses per callback (1.4) */

/* Header flag bits (RFC 1035 4.1.1). */
#define EVDNS_FLAG_QR		0x8000
#define EVDNS_FLAG_TC		0x0200
#define EVDNS_FLAG_RD		0x0100
#define EVDNS_FLAG_CD		0x0010
#define EVDNS_OPCODE_MASK	0x7800
#define EVDNS_RCODE_MASK	0x000f

/* Big-endian loads and stores; the caller has checked the bounds. */
static inline unsigned int
evdns_get16(const unsigned char *p)
{
	return ((unsigned int)p[0] << 8) | p[1];
}

static inline ev_uint32_t
evdns_get32(const unsigned char *p)
{
	return ((ev_uint32_t)p[0] << 24) | ((ev_uint32_t)p[1] << 16) |
	    ((ev_uint32_t)p[2] << 8) | p[3];
}

static inline void
evdns_put16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline void
evdns_put32(unsigned char *p, ev_uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * Decode the (possibly compressed) name starting at *off in the packet
 * pkt[0..len) into out (dotted, NUL-terminated, no trailing dot; the root
 * is "").  out must hold EVDNS_NAME_MAX + 1 bytes.  On success *off is set
 * just past the name as it appears at the original position and 0 is
 * returned.  Returns -1 (leaving *off alone) for any malformed name: a
 * label or pointer past the end of the packet, a pointer that does not
 * point strictly backwards (which also rules out loops), a reserved label
 * type, a name longer than 255 bytes on the wire, or a label holding a dot
 * or a NUL.
 */
EV_HIDDEN int evdns_name_parse_(const unsigned char *pkt, size_t len,
    size_t *off, char *out);

/*
 * Encode the dotted name (a trailing dot is allowed) into wire format
 * without compression at buf[0..cap).  Returns the number of bytes
 * written, or -1 if the name is malformed (empty label, label over 63
 * bytes, over 255 bytes in total) or does not fit.
 */
EV_HIDDEN int evdns_name_encode_(unsigned char *buf, size_t cap,
    const char *name);

/* The fixed 12-byte message header. */
struct evdns_header {
	unsigned int id;
	unsigned int flags;
	unsigned int qdcount, ancount, nscount, arcount;
};

/* Read the header of pkt[0..len).  -1 if the packet is shorter. */
EV_HIDDEN int evdns_header_parse_(const unsigned char *pkt, size_t len,
    struct evdns_header *h);
/* Write h into buf[0..EVDNS_HEADER_LEN). */
EV_HIDDEN void evdns_header_write_(unsigned char *buf,
    const struct evdns_header *h);

/*
 * Read the question at *off of pkt[0..len): its name into name
 * (EVDNS_NAME_MAX + 1 bytes), its type and class.  On success *off moves
 * past the question and 0 is returned; -1 if it is malformed or cut.
 */
EV_HIDDEN int evdns_question_parse_(const unsigned char *pkt, size_t len,
    size_t *off, char *name, int *type, int *dns_class);

/*
 * Build a recursive query (RD, one question of class IN) for name and
 * type into buf[0..cap), with id 0: the resolver stores the transaction
 * id later.  Returns the length, or -1 for a malformed name or when it
 * does not fit.
 */
EV_HIDDEN int evdns_query_build_(unsigned char *buf, size_t cap,
    const char *name, int type);

/* What evdns_answer_parse_() found. */
struct evdns_answer {
	int count;			/* addresses (or 1 for a PTR name) */
	int ttl;			/* the smallest TTL among them */
	union {
		unsigned char addrs[16 * EVDNS_MAX_ADDRS];
		char name[EVDNS_NAME_MAX + 1];	/* PTR */
	} u;
	char follow[EVDNS_NAME_MAX + 1];	/* with EVDNS_ANSWER_CNAME */
};

/* evdns_answer_parse_(): a CNAME chain that ends without an answer. */
#define EVDNS_ANSWER_CNAME	(-1)

/*
 * Take the answer for (qname, qtype) from the ancount answer records
 * starting at off in the reply pkt[0..len): follow the CNAME chain from
 * qname (at most EVDNS_CNAME_HOPS links) and collect the records of type
 * qtype (A, AAAA or PTR) and class IN owned by its end, at most
 * EVDNS_MAX_ADDRS.  A and AAAA records of the wrong size are skipped.
 * Returns DNS_ERR_NONE with ans->count, ans->ttl and ans->u set;
 * EVDNS_ANSWER_CNAME with ans->follow set to the end of a chain that has
 * no records; DNS_ERR_TRUNCATED for a malformed answer section;
 * DNS_ERR_UNKNOWN when nothing usable is there (or the chain loops).
 */
#define EVDNS_CNAME_HOPS	8
EV_HIDDEN int evdns_answer_parse_(const unsigned char *pkt, size_t len,
    size_t off, unsigned int ancount, const char *qname, int qtype,
    struct evdns_answer *ans);

/*
 * A message writer, with or without name compression (RFC 1035 4.1.4).
 * It never writes past cap.  Names are remembered by pointer, so every
 * string written to a compressing writer must outlive it.
 */
#define EVDNS_WRITER_NAMES	64
struct evdns_writer {
	unsigned char *buf;
	size_t len, cap;
	int full;			/* the current item did not fit */
	int compress;
	int nnames;
	struct {
		const char *suffix;
		size_t off;
	} names[EVDNS_WRITER_NAMES];
};

EV_HIDDEN void evdns_writer_init_(struct evdns_writer *w,
    unsigned char *buf, size_t cap, int compress);
/*
 * Append a question, or a resource record whose RDATA is data[0..datalen)
 * or, with is_name, the name data (compressed).  Returns 0, or -1 when
 * a name is malformed or the item does not fit; the writer is then
 * unchanged.
 */
EV_HIDDEN int evdns_write_question_(struct evdns_writer *w,
    const char *name, int type, int dns_class);
EV_HIDDEN int evdns_write_rr_(struct evdns_writer *w, const char *name,
    int type, int dns_class, ev_uint32_t ttl, int is_name, const char *data,
    size_t datalen);

/* Reverse-lookup names: "d.c.b.a.in-addr.arpa" and the 32-nibble
 * "...ip6.arpa" form.  buf holds at least EVDNS_REVERSE_MAX bytes. */
#define EVDNS_REVERSE_MAX	73
EV_HIDDEN void evdns_reverse_v4_(char *buf, const struct in_addr *in);
EV_HIDDEN void evdns_reverse_v6_(char *buf, const struct in6_addr *in);

/* ------------------------------------------------------------------ */
/* Resolver state                                                      */

struct evdns_request;
struct nameserver;
struct evdns_base;

TAILQ_HEAD(evdns_request_list, evdns_request);

/* An address from evdns_base_load_hosts(). */
struct evdns_host {
	TAILQ_ENTRY(evdns_host) link;
	struct sockaddr_storage addr;	/* port 0 */
	socklen_t addrlen;
	char name[1];			/* allocated to fit */
};
TAILQ_HEAD(evdns_host_list, evdns_host);

/* A configured nameserver (evdns_nameserver.c). */
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
	int probe_step;			/* index into the probe delays */
};

/*
 * A query's own UDP socket (evdns_nameserver.c).  Every query leaves from
 * a fresh random source port (RFC 5452 9.2) on a socket connected to its
 * nameserver, so only that server, answering that port, reaches it; its
 * retransmissions to the same server reuse it (a late answer to the first
 * copy still counts), a new server or transaction id gets a new one.  At
 * most EVDNS_MAX_QUERY_SOCKETS are open (and no more than the lookups in
 * flight, max-inflight): past that, or when socket() fails, a query
 * leaves from its nameserver's shared socket, whose port is random too.
 * A request holds one only while in flight, and every path that frees
 * nameservers detaches the requests in flight first, so ns stays valid.
 */
struct evdns_udp {
	int fd;			/* -1: none (shared socket; unsent) */
	struct nameserver *ns;	/* the server fd is connected to */
	ev_uint16_t id;		/* the query it was made for */
	struct event ev;	/* persistent read on fd */
};

#define EVDNS_MAX_QUERY_SOCKETS	1024

/*
 * The search list, shared copy-on-write by the requests that started
 * with it: a request keeps the list it began with.
 */
struct search_state {
	int refcnt;
	int ndots;
	int n;
	char **doms;			/* in the order they are tried */
};

#define EVDNS_ID_BUCKETS	1024	/* transaction-id hash table */
#define EVDNS_SEND_BATCH	64	/* datagrams queued while batching */
/*
 * Receive space: 32 datagrams of 4096 bytes where recvmmsg() is used,
 * else one buffer larger than any datagram.  One size for both, so that
 * the layout does not depend on _GNU_SOURCE, which only some of the
 * evdns files define.
 */
#define EVDNS_RECV_BATCH	32
#define EVDNS_RECV_SLOT		4096
#define EVDNS_RECV_BYTES	(EVDNS_RECV_BATCH * EVDNS_RECV_SLOT)

/* A query waiting to leave in the next batch. */
struct evdns_pending_send {
	struct nameserver *ns;
	size_t len;
	unsigned char pkt[EVDNS_QUERY_MAX];
};

/*
 * One resolver.  Its events all go to one event base; the requests, the
 * nameservers and the configuration belong to it alone.
 */
struct evdns_base {
	struct event_base *base;	/* NULL: the current base, as 1.4 */
	int flags;			/* EVDNS_BASE_* of evdns_base_new() */

	/*
	 * Lifetime.  busy counts the library frames on the stack that use
	 * this instance (event callbacks into it, evdns_base_free()); a free
	 * while busy only marks it dying, and the last frame to leave frees
	 * it.  quiet: a shutdown without callbacks is in progress.
	 */
	int busy;
	int dying;
	int quiet;

	/* Nameservers, in the order they were added. */
	struct nameserver *ns_head;
	struct nameserver *ns_cursor;	/* round-robin position */
	int ns_count;
	unsigned int ns_generation;	/* bumped whenever servers are freed */

	/* Requests: waiting (no free slot or no server) or in flight. */
	struct evdns_request_list waiting;
	struct evdns_request_list inflight;
	struct evdns_request_list cancelled;	/* callback still to run */
	int n_inflight;
	int suspended;			/* no server until resumed */
	struct evdns_request *id_table[EVDNS_ID_BUCKETS];

	/* Configuration (evdns_config.c). */
	struct search_state *search;	/* NULL: no domains, ndots 1 */
	struct timeval timeout;		/* per transmission */
	int attempts;			/* transmissions per candidate name */
	int max_timeouts;		/* in a row before a server is down */
	int max_inflight;
	int n_query_sockets;		/* struct evdns_udp fds open */
	struct evdns_host_list hosts;	/* evdns_base_load_hosts() */

	/* Kernel randomness for ids and source ports, fetched in blocks. */
	unsigned char rnd_pool[512];
	size_t rnd_left;

	/*
	 * While replies are handed to callbacks, the lookups those
	 * callbacks start are queued here and sent together afterwards.
	 */
	int batching;
	int nsendq;
	struct evdns_pending_send sendq[EVDNS_SEND_BATCH];
	unsigned char rxbuf[EVDNS_RECV_BYTES];
};

/* ------------------------------------------------------------------ */
/* The resolver (evdns.c)                                              */

/* The instance behind the 1.4 API, initialized on first use. */
EV_HIDDEN struct evdns_base *evdns_global_(void);

/* Bracket an event callback that uses dns (see busy above): leave frees
 * an instance that was freed meanwhile.  Nothing may touch dns after. */
EV_HIDDEN void evdns_base_enter_(struct evdns_base *dns);
EV_HIDDEN void evdns_base_leave_(struct evdns_base *dns);

/*
 * Start a lookup on dns.  v2: a 2.x caller (DNS_ERR_NODATA for a name
 * without records of the type); internal: the callback runs even in a
 * shutdown without callbacks (dns->quiet is set then).  NULL, without
 * a callback, for a bad name, a dying instance or no memory.
 */
EV_HIDDEN struct evdns_request *evdns_resolve_(struct evdns_base *dns,
    int qtype, const char *name, int flags, evdns_callback_type cb,
    void *arg, int v2, int internal);

/* With EVDNS_BASE_DISABLE_WHEN_INACTIVE: the nameservers' read events
 * are added only while a lookup is in flight. */
EV_HIDDEN void evdns_ns_activity_(struct evdns_base *dns);

/* Format a message for the hook set with evdns_set_log_fn(), if any. */
EV_HIDDEN void evdns_log_(int warn, const char *fmt, ...)
    EV_CHECK_FMT(2, 3);

/*
 * Prepare ev on base; a NULL base means the current base (event_set()
 * alone, as 1.4 did).  evdns_base_usable_() says whether there is one.
 */
EV_HIDDEN void evdns_event_set_(struct event_base *base, struct event *ev,
    int fd, short what, void (*cb)(int, short, void *), void *arg);
EV_HIDDEN int evdns_base_usable_(struct event_base *base);

/* Send waiting lookups while slots and servers allow. */
EV_HIDDEN void evdns_pump_waiting_(struct evdns_base *dns);

/*
 * A datagram from ns, read from the query socket via (NULL: from ns's
 * shared socket).  truncated: it was larger than our buffer (no reply to a
 * query without EDNS may be), so it is handled as if TC were set.
 * Anything that is not an answer to a request sent to ns through that
 * socket is dropped.
 */
EV_HIDDEN void evdns_reply_handle_(struct nameserver *ns,
    const struct evdns_udp *via, const unsigned char *pkt, size_t len,
    int truncated);

/* Send an A query for www.google.com to ns alone, as ns->probe, whose
 * end is reported to done. */
EV_HIDDEN void evdns_probe_start_(struct nameserver *ns,
    evdns_callback_type done);

/* ------------------------------------------------------------------ */
/* Nameservers (evdns_nameserver.c)                                    */

/*
 * Add a nameserver at sa and send waiting lookups to it.  Returns 0, 3
 * for a duplicate, 1 when the socket cannot be made, 2 when there is no
 * event base or the read event cannot be added.
 */
EV_HIDDEN int evdns_nameserver_add_sa_(struct evdns_base *dns,
    const struct sockaddr *sa, socklen_t salen);

/* Close and free every nameserver; no request may refer to them.
 * Bumps dns->ns_generation and drops queued datagrams. */
EV_HIDDEN void evdns_ns_free_all_(struct evdns_base *dns);

/*
 * The server for the next transmission: round-robin over the servers
 * that are up, avoiding `avoid` when another choice exists; if every
 * server is down, round-robin over all of them.  NULL if there is none.
 */
EV_HIDDEN struct nameserver *evdns_ns_pick_(struct evdns_base *dns,
    struct nameserver *avoid);

/*
 * Send query id to ns from the query socket u (made anew unless u is
 * already connected to ns for id; see struct evdns_udp), or, without
 * one, from ns's shared socket, now or at the end of the current read
 * batch.  A failure is only logged: the request's timer handles it as a
 * loss.  evdns_udp_close_() closes u (done with the request).
 */
EV_HIDDEN void evdns_ns_send_(struct nameserver *ns, struct evdns_udp *u,
    ev_uint16_t id, const unsigned char *pkt, size_t len);
EV_HIDDEN void evdns_udp_close_(struct evdns_udp *u);

/* A request sent to ns timed out: after more than max-timeouts in a row
 * ns is marked down and probed. */
EV_HIDDEN void evdns_ns_timeout_(struct nameserver *ns);
/* ns answered: it is up, and its timeout count starts again. */
EV_HIDDEN void evdns_ns_mark_up_(struct nameserver *ns);

/* n random bytes from the kernel (fetched in blocks into dns's pool). */
EV_HIDDEN void evdns_rand_bytes_(struct evdns_base *dns, void *out,
    size_t n);

/* ------------------------------------------------------------------ */
/* Configuration (evdns_config.c)                                      */

/* Drop one reference to a search list (NULL is fine). */
EV_HIDDEN void evdns_search_unref_(struct search_state *s);
/* Forget the search list: no domains, ndots back to 1. */
EV_HIDDEN void evdns_search_reset_(struct evdns_base *dns);

/* evdns_resolv_conf_parse() on dns. */
EV_HIDDEN int evdns_resolv_conf_parse_(struct evdns_base *dns, int flags,
    const char *filename);
/* Free the hosts entries. */
EV_HIDDEN void evdns_hosts_clear_(struct evdns_base *dns);
/* The first hosts entry for name of family (AF_UNSPEC: any) at or after
 * from (NULL: the start); NULL when there is none. */
EV_HIDDEN const struct evdns_host *evdns_hosts_find_(
    const struct evdns_base *dns, const char *name, int family,
    const struct evdns_host *from);

#endif /* EVDNS_INTERNAL_H */
