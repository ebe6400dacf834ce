/*
 * evdns_getaddrinfo.c -- evdns_getaddrinfo(): getaddrinfo() through a
 * resolver (libevent 2.x API).
 *
 * What needs no lookup is answered inside the call, as libevent 2.1
 * does: a NULL node, a numeric address (both by the system's
 * getaddrinfo(), which also maps the service), and the resolver's hosts
 * entries.  Other names start an A and/or an AAAA lookup (by the hints'
 * family); when both have ended the callback gets one list, IPv4 first.
 * The nodes we build are marked EVUTIL_AI_LIBRARY_ALLOCATED_ so that
 * evutil_freeaddrinfo() frees them with mm_free() (mm-internal.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <string.h>

#include "evdns-internal.h"
#include "mm-internal.h"

struct evdns_getaddrinfo_request {
	struct evdns_base *dns;
	evdns_getaddrinfo_cb cb;
	void *arg;
	int socktype, protocol, flags;
	int port;			/* host order */
	struct evdns_request *r4, *r6;	/* lookups not yet ended */
	int err4, err6;			/* their DNS_ERR_* results */
	struct evutil_addrinfo *res4, *res6;
	char name[1];			/* allocated to fit */
};

/* One node for sa (copied); NULL if out of memory. */
static struct evutil_addrinfo *
node_new(const struct sockaddr *sa, socklen_t len, int socktype,
    int protocol)
{
	struct evutil_addrinfo *ai;

	if ((ai = mm_calloc(1, sizeof(*ai) + sizeof(struct sockaddr_storage)))
	    == NULL)
		return NULL;
	ai->ai_flags = EVUTIL_AI_LIBRARY_ALLOCATED_;
	ai->ai_family = sa->sa_family;
	ai->ai_socktype = socktype;
	ai->ai_protocol = protocol;
	ai->ai_addrlen = len;
	ai->ai_addr = (struct sockaddr *)(ai + 1);
	memcpy(ai->ai_addr, sa, len);
	return ai;
}

/* Append the nodes for address sa to *tail; -1 when out of memory. */
static int
nodes_add(const struct evdns_getaddrinfo_request *gai, struct sockaddr *sa,
    socklen_t len, struct evutil_addrinfo ***tail)
{
	static const int kinds[2][2] = {
		{ SOCK_STREAM, IPPROTO_TCP }, { SOCK_DGRAM, IPPROTO_UDP } };
	int i;

	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(gai->port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(gai->port);
	for (i = 0; i < 2; i++) {
		int st = gai->socktype ? gai->socktype : kinds[i][0];
		int pr = gai->protocol ? gai->protocol :
		    st == SOCK_STREAM ? IPPROTO_TCP :
		    st == SOCK_DGRAM ? IPPROTO_UDP : 0;
		struct evutil_addrinfo *ai = node_new(sa, len, st, pr);

		if (ai == NULL)
			return -1;
		**tail = ai;
		*tail = &ai->ai_next;
		if (gai->socktype || gai->protocol)
			break;
	}
	return 0;
}

/* The hosts entries for the request's name and family, as a list. */
static struct evutil_addrinfo *
hosts_answer(const struct evdns_getaddrinfo_request *gai, int family)
{
	const struct evdns_host *h = NULL;
	struct evutil_addrinfo *head = NULL, **tail = &head;
	struct sockaddr_storage ss;

	while ((h = evdns_hosts_find_(gai->dns, gai->name, family, h)) !=
	    NULL) {
		memcpy(&ss, &h->addr, h->addrlen);
		if (nodes_add(gai, (struct sockaddr *)&ss, h->addrlen,
		    &tail) < 0) {
			evutil_freeaddrinfo(head);
			return NULL;
		}
	}
	return head;
}

static void
gai_free(struct evdns_getaddrinfo_request *gai)
{
	evutil_freeaddrinfo(gai->res4);
	evutil_freeaddrinfo(gai->res6);
	mm_free(gai);
}

/* The EVUTIL_EAI_* code for a failed lookup. */
static int
eai_from_dns(int err)
{
	switch (err) {
	case DNS_ERR_NOTEXIST:
		return EVUTIL_EAI_NONAME;
	case DNS_ERR_NODATA:
		return EVUTIL_EAI_NODATA;
	case DNS_ERR_TIMEOUT:
		return EVUTIL_EAI_AGAIN;
	case DNS_ERR_CANCEL:
	case DNS_ERR_SHUTDOWN:
		return EVUTIL_EAI_CANCEL;
	default:
		return EVUTIL_EAI_FAIL;
	}
}

/* Both lookups ended: hand over the addresses, or the first error. */
static void
gai_deliver(struct evdns_getaddrinfo_request *gai)
{
	struct evutil_addrinfo *res = gai->res4, **tail = &res;
	evdns_getaddrinfo_cb cb = gai->cb;
	void *arg = gai->arg;
	int err = gai->err4 != DNS_ERR_NONE ? gai->err4 : gai->err6;

	if (gai->dns->quiet) {		/* evdns_base_free(base, 0) */
		gai_free(gai);
		return;
	}
	while (*tail != NULL)
		tail = &(*tail)->ai_next;
	*tail = gai->res6;
	gai->res4 = gai->res6 = NULL;
	/* A cancelled request reports the cancel, whatever came in. */
	if (gai->err4 == DNS_ERR_CANCEL || gai->err6 == DNS_ERR_CANCEL) {
		evutil_freeaddrinfo(res);
		res = NULL;
		err = DNS_ERR_CANCEL;
	}
	mm_free(gai);
	cb(res != NULL ? 0 : eai_from_dns(err), res, arg);
}

/* One lookup's result into *resp (its errors into *errp). */
static void
gai_collect(struct evdns_getaddrinfo_request *gai, int result, int count,
    void *addrs, int family, struct evutil_addrinfo **resp, int *errp)
{
	struct evutil_addrinfo **tail = resp;
	struct sockaddr_storage ss;
	int i;

	*errp = result;
	for (i = 0; result == DNS_ERR_NONE && i < count; i++) {
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, (char *)addrs + 4 * i, 4);
			if (nodes_add(gai, (struct sockaddr *)s4, sizeof(*s4),
			    &tail) < 0)
				*errp = DNS_ERR_UNKNOWN;
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, (char *)addrs + 16 * i, 16);
			if (nodes_add(gai, (struct sockaddr *)s6, sizeof(*s6),
			    &tail) < 0)
				*errp = DNS_ERR_UNKNOWN;
		}
	}
}

static void
gai_cb4(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	struct evdns_getaddrinfo_request *gai = arg;

	(void)type;
	(void)ttl;
	gai->r4 = NULL;
	gai_collect(gai, result, count, addrs, AF_INET, &gai->res4,
	    &gai->err4);
	if (gai->r6 == NULL)
		gai_deliver(gai);
}

static void
gai_cb6(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	struct evdns_getaddrinfo_request *gai = arg;

	(void)type;
	(void)ttl;
	gai->r6 = NULL;
	gai_collect(gai, result, count, addrs, AF_INET6, &gai->res6,
	    &gai->err6);
	if (gai->r4 == NULL)
		gai_deliver(gai);
}

/* The port servname names (0 for NULL), or -1. */
static int
service_port(const char *servname, const struct evutil_addrinfo *hints)
{
	struct evutil_addrinfo h, *res = NULL;
	int port;

	if (servname == NULL)
		return 0;
	memset(&h, 0, sizeof(h));
	h.ai_family = AF_INET;
	h.ai_flags = EVUTIL_AI_PASSIVE;
	h.ai_socktype = hints->ai_socktype;
	if (evutil_getaddrinfo(NULL, servname, &h, &res) != 0 || res == NULL)
		return -1;
	port = ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
	evutil_freeaddrinfo(res);
	return port;
}

/* Answer from the system (node NULL or numeric): 0 with *res, or an
 * EVUTIL_EAI_* code; 1 if the node needs a lookup. */
static int
answer_numeric(const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints, struct evutil_addrinfo **res)
{
	struct evutil_addrinfo h = *hints;
	int r;

	if (nodename != NULL)
		h.ai_flags |= EVUTIL_AI_NUMERICHOST;
	r = evutil_getaddrinfo(nodename, servname, &h, res);
	if (r != 0 && nodename != NULL && !(hints->ai_flags &
	    EVUTIL_AI_NUMERICHOST) && r == EVUTIL_EAI_NONAME)
		return 1;
	return r;
}

/* Make the request; NULL with *errp set for a bad argument. */
static struct evdns_getaddrinfo_request *
gai_new(struct evdns_base *dns, const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints, int *errp)
{
	struct evdns_getaddrinfo_request *gai;
	size_t n = strlen(nodename);
	int port = service_port(servname, hints);

	*errp = EVUTIL_EAI_MEMORY;
	if (port < 0) {
		*errp = EVUTIL_EAI_SERVICE;
		return NULL;
	}
	if (n == 0 || n > EVDNS_NAME_MAX) {
		*errp = EVUTIL_EAI_NONAME;
		return NULL;
	}
	if ((gai = mm_calloc(1, sizeof(*gai) + n)) == NULL)
		return NULL;
	gai->dns = dns;
	gai->socktype = hints->ai_socktype;
	gai->protocol = hints->ai_protocol;
	gai->flags = hints->ai_flags;
	gai->port = port;
	memcpy(gai->name, nodename, n + 1);
	return gai;
}

/* Start the A and/or AAAA lookups; -1 if none could start. */
static int
gai_start(struct evdns_getaddrinfo_request *gai, int family)
{
	struct evdns_request *r4 = NULL, *r6 = NULL;

	/* Both handles are set before either lookup can end. */
	if (family != AF_INET6) {
		r4 = evdns_resolve_(gai->dns, EVDNS_TYPE_A, gai->name, 0,
		    gai_cb4, gai, 1, 1);
		if (r4 == NULL)
			return -1;
	}
	if (family != AF_INET) {
		r6 = evdns_resolve_(gai->dns, EVDNS_TYPE_AAAA, gai->name, 0,
		    gai_cb6, gai, 1, 1);
		if (r6 == NULL) {
			if (r4 == NULL)
				return -1;
			gai->err6 = DNS_ERR_UNKNOWN;
		}
	}
	gai->r4 = r4;
	gai->r6 = r6;
	return 0;
}

struct evdns_getaddrinfo_request *
evdns_getaddrinfo(struct evdns_base *dns_base, const char *nodename,
    const char *servname, const struct evutil_addrinfo *hints_in,
    evdns_getaddrinfo_cb cb, void *arg)
{
	struct evdns_getaddrinfo_request *gai;
	struct evutil_addrinfo hints, *res = NULL;
	int r;

	if (cb == NULL)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	if (hints_in != NULL)
		hints = *hints_in;
	if (dns_base == NULL || (nodename == NULL && servname == NULL)) {
		cb(EVUTIL_EAI_NONAME, NULL, arg);
		return NULL;
	}
	if (hints.ai_family != AF_UNSPEC && hints.ai_family != AF_INET &&
	    hints.ai_family != AF_INET6) {
		cb(EVUTIL_EAI_FAMILY, NULL, arg);
		return NULL;
	}
	if ((r = answer_numeric(nodename, servname, &hints, &res)) != 1) {
		cb(r, r == 0 ? res : NULL, arg);
		return NULL;
	}
	if ((gai = gai_new(dns_base, nodename, servname, &hints, &r)) ==
	    NULL) {
		cb(r, NULL, arg);
		return NULL;
	}
	gai->cb = cb;
	gai->arg = arg;
	if ((res = hosts_answer(gai, hints.ai_family)) != NULL) {
		gai_free(gai);
		cb(0, res, arg);
		return NULL;
	}
	if (gai_start(gai, hints.ai_family) < 0) {
		gai_free(gai);
		cb(EVUTIL_EAI_NONAME, NULL, arg);
		return NULL;
	}
	return gai;
}

void
evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *gai)
{
	if (gai == NULL)
		return;
	/* The lookups end with DNS_ERR_CANCEL, from the loop. */
	if (gai->r4 != NULL)
		evdns_cancel_request(gai->dns, gai->r4);
	if (gai->r6 != NULL)
		evdns_cancel_request(gai->dns, gai->r6);
}
