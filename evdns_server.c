/*
 * evdns_server.c -- the DNS server port: answer queries arriving on a UDP
 * socket through a user callback.
 *
 * A port owns its socket.  Each query becomes a struct server_request
 * holding a reference to the port; the callback answers it (now or
 * later) with evdns_server_request_respond() or drops it.  Replies that
 * find the socket full wait on the port's queue for EV_WRITE, and the
 * socket is closed when the port is closed and no request refers to it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "mm-internal.h"

#define SERVER_RECV	65536	/* larger than any datagram */
#define READ_BUDGET	256	/* datagrams read per readiness event */

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
	struct event_base *base;	/* NULL: the current base, as 1.4 */
	int fd;
	int refcnt;			/* the port itself + its requests */
	int closing;
	struct event ev;
	int ev_flags;			/* what ev is armed for */
	evdns_request_callback_fn_type cb;
	void *arg;
	struct server_request *qhead, **qtail;	/* waiting for EV_WRITE */
	unsigned char rxbuf[SERVER_RECV];
};

static void server_event_cb(int fd, short what, void *arg);

/* ------------------------------------------------------------------ */
/* Ports                                                               */

static void
port_unref(struct evdns_server_port *port)
{
	if (--port->refcnt > 0)
		return;
	event_del(&port->ev);
	EVUTIL_CLOSESOCKET(port->fd);
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
		evdns_event_set_(port->base, &port->ev, port->fd,
		    (short)(want | EV_PERSIST), server_event_cb, port);
		event_add(&port->ev, NULL);
	}
}

/* A port serving socket on base (NULL: the current base). */
static struct evdns_server_port *
server_port_new(struct event_base *base, int socket,
    evdns_request_callback_fn_type callback, void *user_data)
{
	struct evdns_server_port *port;

	if (socket < 0 || callback == NULL || !evdns_base_usable_(base))
		return NULL;
	if ((port = mm_calloc(1, sizeof(*port))) == NULL)
		return NULL;
	port->base = base;
	port->fd = socket;
	port->refcnt = 1;
	port->cb = callback;
	port->arg = user_data;
	port->qtail = &port->qhead;
	port_arm(port);
	return port;
}

struct evdns_server_port *
evdns_add_server_port(int socket, int is_tcp,
    evdns_request_callback_fn_type callback, void *user_data)
{
	if (is_tcp)
		return NULL;
	return server_port_new(NULL, socket, callback, user_data);
}

/* flags: 2.1 takes none (TCP is not served), so any is refused. */
struct evdns_server_port *
evdns_add_server_port_with_base(struct event_base *base,
    evutil_socket_t socket, int flags,
    evdns_request_callback_fn_type callback, void *user_data)
{
	if (base == NULL || flags != 0)
		return NULL;
	return server_port_new(base, socket, callback, user_data);
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

/* ------------------------------------------------------------------ */
/* Queries                                                             */

static void
rr_free(struct server_rr *rr)
{
	mm_free(rr->name);
	mm_free(rr->data);
	mm_free(rr);
}

static void
server_request_free(struct server_request *sr)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct server_rr *rr, *next;

		for (rr = sr->rr_head[i]; rr != NULL; rr = next) {
			next = rr->next;
			rr_free(rr);
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
    const struct evdns_header *q, const struct sockaddr *from,
    socklen_t fromlen, int rcode)
{
	struct evdns_header h = { 0, 0, 0, 0, 0, 0 };
	unsigned char buf[EVDNS_HEADER_LEN];

	h.id = q->id;
	h.flags = EVDNS_FLAG_QR |
	    (q->flags & (EVDNS_OPCODE_MASK | EVDNS_FLAG_RD)) |
	    (unsigned int)rcode;
	evdns_header_write_(buf, &h);
	(void)sendto(port->fd, buf, sizeof(buf), 0, from, fromlen);
}

/* Read the h->qdcount questions of pkt[0..len) into sr.  -1 if bad. */
static int
server_questions_parse(struct server_request *sr, const unsigned char *pkt,
    size_t len, const struct evdns_header *h)
{
	size_t off = EVDNS_HEADER_LEN;
	unsigned int i;

	sr->base.questions = mm_calloc(h->qdcount,
	    sizeof(*sr->base.questions));
	if (sr->base.questions == NULL)
		return -1;
	for (i = 0; i < h->qdcount; i++) {
		char name[EVDNS_NAME_MAX + 1];
		struct evdns_server_question *q;
		int type, cls;
		size_t nl;

		if (evdns_question_parse_(pkt, len, &off, name, &type,
		    &cls) < 0)
			return -1;
		nl = strlen(name);
		if ((q = mm_malloc(sizeof(*q) + nl)) == NULL)
			return -1;
		q->type = type;
		q->dns_question_class = cls;
		memcpy(q->name, name, nl + 1);
		sr->base.questions[sr->base.nquestions++] = q;
	}
	return 0;
}

/* Parse one query datagram and hand it to the callback. */
static void
server_handle_query(struct evdns_server_port *port, const unsigned char *pkt,
    size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct server_request *sr;
	struct evdns_header h;
	int i;

	if (evdns_header_parse_(pkt, len, &h) < 0 || (h.flags & EVDNS_FLAG_QR))
		return;			/* a reply: never answer those */
	if (h.flags & EVDNS_OPCODE_MASK) {
		server_reply_header_only(port, &h, from, fromlen,
		    DNS_ERR_NOTIMPL);
		return;
	}
	/* Each question needs at least 5 bytes: no lying counts. */
	if (h.qdcount == 0 || h.qdcount > (len - EVDNS_HEADER_LEN) / 5)
		return;
	if ((sr = mm_calloc(1, sizeof(*sr))) == NULL)
		return;
	for (i = 0; i < 3; i++)
		sr->rr_tail[i] = &sr->rr_head[i];
	if (server_questions_parse(sr, pkt, len, &h) < 0) {
		server_request_free(sr);
		return;
	}
	sr->base.flags = (int)(h.flags & (EVDNS_FLAG_RD | EVDNS_FLAG_CD));
	sr->id = (ev_uint16_t)h.id;
	memcpy(&sr->addr, from, fromlen);
	sr->addrlen = fromlen;
	sr->port = port;
	port->refcnt++;
	port->cb(&sr->base, port->arg);
}

static void
server_flush_queue(struct evdns_server_port *port)
{
	struct server_request *sr;

	while ((sr = port->qhead) != NULL) {
		ssize_t r = sendto(port->fd, sr->reply, sr->replylen, 0,
		    (struct sockaddr *)&sr->addr, sr->addrlen);

		if (r < 0 && EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR()))
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
	struct evdns_server_port *port = arg;
	int budget = READ_BUDGET;

	port->refcnt++;		/* a callback may close the port */
	if (what & EV_WRITE)
		server_flush_queue(port);
	while ((what & EV_READ) && !port->closing && budget-- > 0) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t r = recvfrom(fd, port->rxbuf, sizeof(port->rxbuf), 0,
		    (struct sockaddr *)&from, &fromlen);

		if (r < 0) {
			int e = EVUTIL_SOCKET_ERROR();

			/* Windows reports an ICMP error that an earlier reply
			 * drew as WSAECONNRESET here: not the port's fault. */
			if (EVUTIL_ERR_IS_EINTR(e) || EVUTIL_ERR_IS_REFUSED(e))
				continue;
			break;
		}
		server_handle_query(port, port->rxbuf, (size_t)r,
		    (struct sockaddr *)&from, fromlen);
	}
	port_arm(port);
	port_unref(port);
}

/* ------------------------------------------------------------------ */
/* Building the reply                                                  */

/* A name we are willing to put in a reply. */
static int
name_ok(const char *name)
{
	unsigned char tmp[256];

	return name != NULL && evdns_name_encode_(tmp, sizeof(tmp), name) > 0;
}

/* A copy of an RR to add; NULL when out of memory. */
static struct server_rr *
rr_new(const char *name, int type, int dns_class, int ttl, int datalen,
    int is_name, const char *data)
{
	struct server_rr *rr = mm_calloc(1, sizeof(*rr));

	if (rr == NULL)
		return NULL;
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
		rr_free(rr);
		return NULL;
	}
	return rr;
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
	rr = rr_new(name, type, dns_class, ttl, datalen, is_name, data);
	if (rr == NULL)
		return -1;
	*sr->rr_tail[section] = rr;
	sr->rr_tail[section] = &rr->next;
	return 0;
}

/* n answer records of type, each holding size bytes of addrs. */
static int
add_address_replies(struct evdns_server_request *req, const char *name,
    int type, int size, int n, const void *addrs, int ttl)
{
	int i;

	if (n < 0 || (n > 0 && addrs == NULL))
		return -1;
	/* One record per address (1.4 packed them into one bad RR). */
	for (i = 0; i < n; i++)
		if (evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
		    name, type, EVDNS_CLASS_INET, ttl, size, 0,
		    (const char *)addrs + size * i) < 0)
			return -1;
	return 0;
}

int
evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl)
{
	return add_address_replies(req, name, EVDNS_TYPE_A, 4, n, addrs, ttl);
}

int
evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl)
{
	return add_address_replies(req, name, EVDNS_TYPE_AAAA, 16, n, addrs,
	    ttl);
}

int
evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname,
    int ttl)
{
	char buf[EVDNS_REVERSE_MAX];

	if ((in == NULL) == (inaddr_name == NULL))
		return -1;
	if (in != NULL) {
		evdns_reverse_v4_(buf, in);
		inaddr_name = buf;
	}
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
	    inaddr_name, EVDNS_TYPE_PTR, EVDNS_CLASS_INET, ttl, -1, 1,
	    hostname);
}

int
evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl)
{
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
	    name, EVDNS_TYPE_CNAME, EVDNS_CLASS_INET, ttl, -1, 1, cname);
}

/*
 * Encode sr's reply with RCODE err into buf[0..cap), cap >= 12.  The
 * first item that does not fit is left out with everything after it,
 * and TC is set.  Returns the length.
 */
static size_t
server_encode(struct server_request *sr, int err, unsigned char *buf,
    size_t cap)
{
	struct evdns_writer w;
	struct evdns_header h;
	unsigned int counts[4] = { 0, 0, 0, 0 };
	int i, sec, tc = 0;

	evdns_writer_init_(&w, buf, cap, 1);
	w.len = EVDNS_HEADER_LEN;
	for (i = 0; i < sr->base.nquestions && !tc; i++) {
		struct evdns_server_question *q = sr->base.questions[i];

		if (evdns_write_question_(&w, q->name, q->type,
		    q->dns_question_class) < 0)
			tc = 1;
		else
			counts[0]++;
	}
	for (sec = 0; sec < 3 && !tc; sec++) {
		struct server_rr *rr;

		for (rr = sr->rr_head[sec]; rr != NULL && !tc; rr = rr->next) {
			if (evdns_write_rr_(&w, rr->name, rr->type,
			    rr->dns_class, (ev_uint32_t)rr->ttl, rr->is_name,
			    rr->data, rr->datalen) < 0)
				tc = 1;
			else
				counts[sec + 1]++;
		}
	}
	h.id = sr->id;
	h.flags = (unsigned int)(sr->base.flags | EVDNS_FLAG_QR |
	    (tc ? EVDNS_FLAG_TC : 0) | (err & EVDNS_RCODE_MASK)) & 0xffff;
	h.qdcount = counts[0];
	h.ancount = counts[1];
	h.nscount = counts[2];
	h.arcount = counts[3];
	evdns_header_write_(buf, &h);
	return w.len;
}

/* Keep the encoded reply until the socket is writable.  1, or -1. */
static int
server_reply_queue(struct server_request *sr, const unsigned char *buf,
    size_t len)
{
	struct evdns_server_port *port = sr->port;

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
evdns_server_request_respond(struct evdns_server_request *req, int err)
{
	struct server_request *sr = (struct server_request *)req;
	struct evdns_server_port *port;
	unsigned char buf[EVDNS_UDP_MAX];
	size_t len;

	if (req == NULL || sr->reply != NULL)
		return -1;
	port = sr->port;
	len = server_encode(sr, err, buf, sizeof(buf));
	/* Replies already waiting go first. */
	if (port->qhead == NULL) {
		if (sendto(port->fd, buf, len, 0, (struct sockaddr *)&sr->addr,
		    sr->addrlen) >= 0) {
			server_request_free(sr);
			return 0;
		}
		if (!EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR())) {
			evdns_log_(1, "server: sendto failed: %s",
			    strerror(errno));
			server_request_free(sr);
			return -1;
		}
	}
	return server_reply_queue(sr, buf, len);
}

void
evdns_server_request_set_flags(struct evdns_server_request *req, int flags)
{
	if (req == NULL)
		return;
	req->flags &= ~(EVDNS_FLAGS_AA | EVDNS_FLAGS_RD);
	req->flags |= flags & (EVDNS_FLAGS_AA | EVDNS_FLAGS_RD);
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
	    (socklen_t)addr_len < sr->addrlen)
		return -1;
	memcpy(sa, &sr->addr, sr->addrlen);
	return (int)sr->addrlen;
}
