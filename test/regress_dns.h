/*
 * regress_dns.h -- what the DNS case files share (regress_dns.c): the
 * record of a lookup's callback, running the loop until the lookups are
 * done, and "tsrv", a fake nameserver built on our own evdns server port
 * in the same process, whose answers depend on the question's name (see
 * answer_normal in regress_dns.c: a.example, two.example, alias.example,
 * loop.example, big.example, ...).
 *
 * The 1.4 evdns API works on the current base: the cases use RT_BASE.  A
 * case ends with dns_tsrv_stop() for each server it started and
 * evdns_shutdown(0), which closes the resolver's sockets, so that it
 * leaves no fd open.  Include after regress.h and evdns.h.
 */
#ifndef REGRESS_DNS_H
#define REGRESS_DNS_H

#include <stddef.h>

#include "event.h"

/* What dns_res_cb saw of one lookup (the addresses copied). */
struct dns_result {
	int done;		/* callbacks: must end as 1 */
	int err;
	int type;
	int count;
	int ttl;
	unsigned char addrs[32 * 16];
	char ptr[256];		/* DNS_PTR: the name */
	double when;		/* regress_now() at the callback */
};

/*
 * The evdns callback: arg is a struct dns_result to fill.  On an error it
 * also checks that 1.4's other arguments are all zero.
 */
void dns_res_cb(int err, char type, int count, int ttl, void *addrs,
    void *arg);

/*
 * Run the loop until n lookups started with dns_res_cb have called back
 * (they never do from inside evdns_resolve_*); fails the case if that
 * takes more than limit seconds (scaled).
 */
void dns_wait(int n, double limit);

/* The resolver's "timeout:" and "attempts:" options. */
void dns_set_timeouts(const char *timeout, const char *attempts);

/* Add 127.0.0.1:port as a nameserver. */
void dns_add_ns_port(int port);

/* r is a finished, successful A lookup whose first address is addr. */
void dns_expect_a(struct dns_result *r, const char *addr);

/* The query (id, flags, one question name/type of class IN) written at
 * q, which has room for 12 + 256 + 4 bytes; its length. */
size_t dns_make_query(unsigned char *q, int id, int flags, const char *name,
    int type);

/* ------------------------------------------------------------------ */
/* tsrv: the fake nameserver */

#define TS_NORMAL	0	/* answer by name (answer_normal) */
#define TS_SERVFAIL	1	/* SERVFAIL to everything */
#define TS_REFUSED	2	/* REFUSED to everything */
#define TS_DROP		3	/* never answer */
#define TS_HOLD		4	/* answer what it holds every 30 ms */

struct dns_tsrv {
	int fd;
	unsigned short port;
	struct evdns_server_port *sp;
	int mode;			/* TS_* */
	int nq;				/* questions seen, */
	char names[128][256];		/* their names, */
	int types[128];			/* types */
	int srcport[128];		/* and source ports */
	struct evdns_server_request *held[64];	/* TS_HOLD */
	int nheld, maxheld;
	struct event release_ev;	/* TS_HOLD: the 30 ms timer */
};

/* Start a fake nameserver on a fresh 127.0.0.1 UDP port. */
void dns_tsrv_start(struct dns_tsrv *s, int mode);

/* Start it on fd instead (a bound UDP socket: the server owns it now). */
void dns_tsrv_attach(struct dns_tsrv *s, int fd, int mode);

/* dns_tsrv_start, point the resolver at it, timeouts 0.2 s x 2. */
void dns_tsrv_setup(struct dns_tsrv *s, int mode);

/* Stop it: drop what it holds, close its port and with it its fd. */
void dns_tsrv_stop(struct dns_tsrv *s);

#endif /* REGRESS_DNS_H */
