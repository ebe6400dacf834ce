/*
 * http_client2.c -- the libevent 2.x calls on connections
 * (event2/http.h): evhttp_connection_base_new() with name lookups through
 * an evdns_base, the address family, and the accessors.  Connecting and
 * the exchanges are http_client.c's.
 *
 * A lookup outlives nothing: its callback comes from the loop even after
 * evdns_getaddrinfo_cancel(), so it carries a back pointer the
 * connection clears when it resets or goes away.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"	/* after evhttp.h: the 1.4 view */
#include "event2/dns.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

struct http_lookup {
	struct evhttp_connection *evcon;	/* NULL: abandoned */
	struct evdns_getaddrinfo_request *req;
	int starting;		/* inside evdns_getaddrinfo() */
	int result;		/* what an answer at once said */
	struct evutil_addrinfo *res;
};

struct evhttp_connection *
evhttp_connection_base_new(struct event_base *base,
    struct evdns_base *dnsbase, const char *address, ev_uint16_t port)
{
	struct evhttp_connection *evcon = evhttp_connection_new(address, port);

	if (evcon == NULL)
		return NULL;
	if (base != NULL)
		evhttp_connection_set_base(evcon, base);
	evcon->dns_base = dnsbase;
	return evcon;
}

struct event_base *
evhttp_connection_get_base(struct evhttp_connection *evcon)
{
	return evcon->base;
}

struct evhttp *
evhttp_connection_get_server(struct evhttp_connection *evcon)
{
	return (evcon->flags & EVCON_INCOMING) ? evcon->http_server : NULL;
}

const struct sockaddr *
evhttp_connection_get_addr(struct evhttp_connection *evcon)
{
	socklen_t len = sizeof(*evcon->peer_addr);

	if (evcon->fd == -1 || (!(evcon->flags & EVCON_INCOMING) &&
	    !(evcon->flags & EVCON_ESTABLISHED)))
		return NULL;
	if (evcon->peer_addr == NULL &&
	    (evcon->peer_addr = mm_malloc(sizeof(*evcon->peer_addr))) == NULL)
		return NULL;
	if (getpeername(evcon->fd, (struct sockaddr *)evcon->peer_addr,
		&len) == -1)
		return NULL;
	return (const struct sockaddr *)evcon->peer_addr;
}

void
evhttp_connection_set_family(struct evhttp_connection *evcon, int family)
{
	if (evcon == NULL)
		return;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
		event_warnx("%s: family %d is not AF_INET, AF_INET6 or "
		    "AF_UNSPEC", __func__, family);
		return;
	}
	evcon->family = family;
}

/* Is address an IPv4 or IPv6 literal (no lookup needed)? */
int
client_is_numeric_(const char *address)
{
	unsigned char buf[16];

	return evutil_inet_pton(AF_INET, address, buf) == 1 ||
	    evutil_inet_pton(AF_INET6, address, buf) == 1;
}

/* A lookup's answer: connect to the first address, or fail. */
static void
lookup_done(struct evhttp_connection *evcon, int result,
    struct evutil_addrinfo *res)
{
	if (result != 0 || res == NULL) {
		event_debug(("%s: %s: lookup error %d", __func__,
		    evcon->address, result));
		client_connect_failed_(evcon);
	} else if (client_connect_ai_(evcon,
	    (const struct addrinfo *)res) == -1) {
		client_connect_failed_(evcon);
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
}

static void
lookup_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct http_lookup *lk = arg;
	struct evhttp_connection *evcon = lk->evcon;

	if (lk->starting) {
		/* Answered inside evdns_getaddrinfo(): client_lookup_ goes
		 * on with it. */
		lk->result = result;
		lk->res = res;
		lk->starting = 0;
		return;
	}
	mm_free(lk);
	if (evcon == NULL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	evcon->lookup = NULL;
	CONN_ENTER(evcon);
	lookup_done(evcon, result, res);
	conn_leave_(evcon);
}

/*
 * Look the peer's name up through the connection's evdns_base; connect
 * when the answer comes.  0 (the connect timeout runs meanwhile), or -1
 * without memory.
 */
int
client_lookup_(struct evhttp_connection *evcon)
{
	struct evutil_addrinfo hints;
	struct http_lookup *lk = mm_calloc(1, sizeof(*lk));
	char portstr[8];
	int r;

	if (lk == NULL)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = evcon->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	evutil_snprintf(portstr, sizeof(portstr), "%u", (unsigned)evcon->port);
	lk->evcon = evcon;
	lk->starting = 1;
	conn_set_phase_(evcon, CONN_CONNECTING);
	conn_set_timer_(evcon, evcon->timeout >= 0 ? evcon->timeout :
	    HTTP_CONNECT_TIMEOUT);
	lk->req = evdns_getaddrinfo(evcon->dns_base, evcon->address, portstr,
	    &hints, lookup_cb, lk);
	if (lk->starting) {
		/* The lookup is on its way. */
		lk->starting = 0;
		evcon->lookup = lk;
		return 0;
	}
	/* Answered at once (a hosts entry, an error): as a numeric
	 * address, a failure to start is the caller's -1. */
	r = -1;
	conn_clear_timer_(evcon);
	conn_set_phase_(evcon, CONN_DISCONNECTED);
	if (lk->result == 0 && lk->res != NULL)
		r = client_connect_ai_(evcon, (const struct addrinfo *)lk->res);
	if (lk->res != NULL)
		evutil_freeaddrinfo(lk->res);
	mm_free(lk);
	return r;
}

/* Abandon a lookup under way (reset, free): its answer is dropped. */
void
client_lookup_cancel_(struct evhttp_connection *evcon)
{
	struct http_lookup *lk = evcon->lookup;

	if (lk == NULL)
		return;
	evcon->lookup = NULL;
	lk->evcon = NULL;
	evdns_getaddrinfo_cancel(lk->req);
}

int
evhttp_connection_set_flags(struct evhttp_connection *evcon, int flags)
{
	if (evcon == NULL || (flags & ~(EVHTTP_CON_REUSE_CONNECTED_ADDR |
	    EVHTTP_CON_LINGERING_CLOSE)))
		return -1;
	evcon->con_flags = flags;
	if (!(flags & EVHTTP_CON_REUSE_CONNECTED_ADDR))
		evcon->reuse_len = 0;
	return 0;
}

/* Connected: keep the address for the next connects if asked to. */
void
client_remember_addr_(struct evhttp_connection *evcon)
{
	socklen_t len = sizeof(*evcon->peer_addr);

	if (!(evcon->con_flags & EVHTTP_CON_REUSE_CONNECTED_ADDR))
		return;
	if (evcon->peer_addr == NULL &&
	    (evcon->peer_addr = mm_malloc(sizeof(*evcon->peer_addr))) == NULL)
		return;
	if (getpeername(evcon->fd, (struct sockaddr *)evcon->peer_addr,
		&len) == 0)
		evcon->reuse_len = len;
}

/* Connect to the address of the last connect, without a lookup. */
int
client_reuse_addr_(struct evhttp_connection *evcon)
{
	struct addrinfo ai;

	memset(&ai, 0, sizeof(ai));
	ai.ai_family = evcon->peer_addr->ss_family;
	ai.ai_socktype = SOCK_STREAM;
	ai.ai_addr = (struct sockaddr *)evcon->peer_addr;
	ai.ai_addrlen = evcon->reuse_len;
	return client_connect_ai_(evcon, &ai);
}
