/*
 * event2/dns.h -- asynchronous DNS, libevent 2.x API: resolvers bound to
 * an event base (struct evdns_base), getaddrinfo, and the server port.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * A resolver is made with evdns_base_new() on an event base; its
 * nameservers, search list, options, hosts entries and lookups belong to
 * it alone, and all of its events go to that base.  The 1.4 calls of
 * <evdns.h> and <event2/dns_compat.h> work on one more resolver, the
 * global one (evdns_get_global_base()).  Every lookup that was started
 * ends with exactly one call of its callback, from the event loop, never
 * from inside the call that started it; evdns_cancel_request() makes that
 * call carry DNS_ERR_CANCEL.  The lookup callback's arguments are those
 * of <evdns.h> (result, type, count, ttl, addresses, arg).
 *
 * A resolver may be freed from inside one of its own callbacks: the
 * memory goes when the callback returns.
 */
#ifndef EVENT2_DNS_H_INCLUDED_
#define EVENT2_DNS_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/dns_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct evdns_base;
struct evdns_request;
struct evdns_server_port;
struct evdns_getaddrinfo_request;
struct in_addr;
struct in6_addr;
struct sockaddr;

/* What 1.4's <evdns.h> declares too, spelled the same; skipped when that
 * header came first. */
#ifndef _EVDNS_H_
#define DNS_ERR_NONE		0
#define DNS_ERR_FORMAT		1
#define DNS_ERR_SERVERFAILED	2
#define DNS_ERR_NOTEXIST	3
#define DNS_ERR_NOTIMPL		4
#define DNS_ERR_REFUSED		5
#define DNS_ERR_TRUNCATED	65
#define DNS_ERR_UNKNOWN		66
#define DNS_ERR_TIMEOUT		67
#define DNS_ERR_SHUTDOWN	68

#define DNS_IPv4_A		1
#define DNS_PTR			2
#define DNS_IPv6_AAAA		3

#define DNS_QUERY_NO_SEARCH	1
#define DNS_NO_SEARCH		DNS_QUERY_NO_SEARCH

#define DNS_OPTION_SEARCH	1
#define DNS_OPTION_NAMESERVERS	2
#define DNS_OPTION_MISC		4

typedef void (*evdns_callback_type) (int result, char type, int count,
    int ttl, void *addresses, void *arg);
typedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg);
typedef void (*evdns_request_callback_fn_type)(struct evdns_server_request *,
    void *);

#define EVDNS_ANSWER_SECTION		0
#define EVDNS_AUTHORITY_SECTION		1
#define EVDNS_ADDITIONAL_SECTION	2

#define EVDNS_TYPE_A		1
#define EVDNS_TYPE_NS		2
#define EVDNS_TYPE_CNAME	5
#define EVDNS_TYPE_SOA		6
#define EVDNS_TYPE_PTR		12
#define EVDNS_TYPE_MX		15
#define EVDNS_TYPE_TXT		16
#define EVDNS_TYPE_AAAA		28

#define EVDNS_QTYPE_AXFR	252
#define EVDNS_QTYPE_ALL		255

#define EVDNS_CLASS_INET	1

int evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);
int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);
#endif /* !_EVDNS_H_ */

/* A lookup cancelled with evdns_cancel_request(). */
#define DNS_ERR_CANCEL		69
/* The name exists but has no record of the type asked for (1.4's calls
 * report DNS_ERR_UNKNOWN then). */
#define DNS_ERR_NODATA		70

/* resolv.conf scope: load /etc/hosts too (for evdns_getaddrinfo()). */
#define DNS_OPTION_HOSTSFILE	8
/* Every scope.  1.4's <evdns.h> says 7: the first header decides. */
#ifndef DNS_OPTIONS_ALL
#define DNS_OPTIONS_ALL		15
#endif
/* resolv.conf scope: no 127.0.0.1 when the file names no nameserver. */
#define DNS_OPTION_NAMESERVERS_NO_DEFAULT	16

/* evdns_base_new() flags. */
#define EVDNS_BASE_INITIALIZE_NAMESERVERS	1
/* Nameserver sockets do not keep the loop running while no lookup is
 * in flight. */
#define EVDNS_BASE_DISABLE_WHEN_INACTIVE	0x8000
/* With INITIALIZE_NAMESERVERS: no 127.0.0.1 fallback. */
#define EVDNS_BASE_NAMESERVERS_NO_DEFAULT	0x10000

/* Header bits for evdns_server_request_set_flags(). */
#define EVDNS_FLAGS_AA	0x400
#define EVDNS_FLAGS_RD	0x080

/*
 * A resolver on event_base.  flags: EVDNS_BASE_*; INITIALIZE_NAMESERVERS
 * reads /etc/resolv.conf with DNS_OPTIONS_ALL (a missing file gives
 * 127.0.0.1 unless NAMESERVERS_NO_DEFAULT).  NULL for a NULL base, an
 * unknown flag or no memory.
 */
struct evdns_base *evdns_base_new(struct event_base *event_base,
    int initialize_nameservers);

/*
 * Free a resolver.  Its lookups end with DNS_ERR_SHUTDOWN when
 * fail_requests is nonzero, silently otherwise.  Allowed from inside
 * one of its own callbacks.  The global resolver is reset instead.
 */
void evdns_base_free(struct evdns_base *base, int fail_requests);

/* Forget the entries evdns_base_load_hosts() added. */
void evdns_base_clear_host_addresses(struct evdns_base *base);

const char *evdns_err_to_string(int err);

/* As 1.4's evdns_nameserver_add(), evdns_count_nameservers(),
 * evdns_clear_nameservers_and_suspend(), evdns_resume() and
 * evdns_nameserver_ip_add(), on base. */
int evdns_base_nameserver_add(struct evdns_base *base,
    unsigned long int address);
int evdns_base_count_nameservers(struct evdns_base *base);
int evdns_base_clear_nameservers_and_suspend(struct evdns_base *base);
int evdns_base_resume(struct evdns_base *base);
int evdns_base_nameserver_ip_add(struct evdns_base *base,
    const char *ip_as_string);

/*
 * Add the nameserver at sa (IPv4 or IPv6, with its port).  flags must
 * be 0.  Returns 0, 3 if already configured, 1/2 when its socket or event
 * cannot be made, -1 for a bad address or flags.
 */
int evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
    const struct sockaddr *sa, ev_socklen_t len, unsigned flags);

/*
 * Copy the address of the idx-th nameserver (in the order added) into
 * sa.  Returns its length; when len is smaller, the length needed and
 * nothing copied; -1 if there is no such nameserver.
 */
int evdns_base_get_nameserver_addr(struct evdns_base *base, int idx,
    struct sockaddr *sa, ev_socklen_t len);

/*
 * Start a lookup (flags: 0 or DNS_QUERY_NO_SEARCH).  Returns a handle,
 * valid until the callback has been called, for evdns_cancel_request();
 * NULL (the callback is not called) for a bad name, a freed resolver or
 * no memory.
 */
struct evdns_request *evdns_base_resolve_ipv4(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);
struct evdns_request *evdns_base_resolve_ipv6(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);
struct evdns_request *evdns_base_resolve_reverse(struct evdns_base *base,
    const struct in_addr *in, int flags, evdns_callback_type callback,
    void *ptr);
struct evdns_request *evdns_base_resolve_reverse_ipv6(
    struct evdns_base *base, const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);

/*
 * Stop a lookup: its callback runs from the loop with DNS_ERR_CANCEL.  A
 * handle that is not a pending lookup of base is ignored.
 */
void evdns_cancel_request(struct evdns_base *base,
    struct evdns_request *req);

/*
 * Set an option: "ndots", "timeout", "attempts", "max-timeouts",
 * "max-inflight", "randomize-case", "initial-probe-timeout",
 * "getaddrinfo-allow-skew", "bind-to", "so-rcvbuf", "so-sndbuf", with
 * or without the trailing colon.  0, or -1 for an unknown name or a
 * value that does not parse.
 */
int evdns_base_set_option(struct evdns_base *base, const char *option,
    const char *val);

/* As evdns_resolv_conf_parse(), on base; DNS_OPTION_HOSTSFILE also
 * loads /etc/hosts. */
int evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
    const char *const filename);

/*
 * Add the entries of a hosts file ("address name alias..." lines; '#'
 * starts a comment) for evdns_getaddrinfo().  NULL adds localhost for
 * 127.0.0.1 and ::1.  0, or -1 if the file cannot be read (localhost is
 * added then too).
 */
int evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname);

#ifdef _WIN32
int evdns_base_config_windows_nameservers(struct evdns_base *);
#endif

/* As evdns_search_clear(), evdns_search_add(), evdns_search_ndots_set(). */
void evdns_base_search_clear(struct evdns_base *base);
void evdns_base_search_add(struct evdns_base *base, const char *domain);
void evdns_base_search_ndots_set(struct evdns_base *base, const int ndots);

void evdns_set_log_fn(evdns_debug_log_fn_type fn);
void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void));
/* Kept for 2.x programs; has no effect (ids and ports come from the
 * kernel's random source), as in libevent 2.1. */
void evdns_set_random_bytes_fn(void (*fn)(char *, size_t));

/* ---- getaddrinfo ---- */

/*
 * The result of evdns_getaddrinfo(): 0 or an EVUTIL_EAI_* code
 * (EVUTIL_EAI_CANCEL after evdns_getaddrinfo_cancel()).  res belongs to
 * the callback, which frees it with evutil_freeaddrinfo().
 */
typedef void (*evdns_getaddrinfo_cb)(int result, struct evutil_addrinfo *res,
    void *arg);

/*
 * getaddrinfo() through base: numeric addresses, a NULL node and the
 * hosts entries are answered at once, inside this call (NULL returned,
 * as libevent 2.1 does); other names are looked up with A and/or AAAA
 * queries (hints->ai_family), and a handle for
 * evdns_getaddrinfo_cancel() is returned.  Bad arguments call back at
 * once with an error and return NULL.
 */
struct evdns_getaddrinfo_request *evdns_getaddrinfo(
    struct evdns_base *dns_base, const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, evdns_getaddrinfo_cb cb,
    void *arg);

/* Stop a getaddrinfo lookup: its callback runs with EVUTIL_EAI_CANCEL. */
void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req);

/* ---- The server port ---- */

/*
 * Serve DNS over UDP on socket (bound; made nonblocking; the port owns
 * it) with events on base.  flags must be 0 (no TCP).  NULL on failure.
 */
struct evdns_server_port *evdns_add_server_port_with_base(
    struct event_base *base, evutil_socket_t socket, int flags,
    evdns_request_callback_fn_type callback, void *user_data);
void evdns_close_server_port(struct evdns_server_port *port);

/* Set the reply's AA and RA bits (EVDNS_FLAGS_AA, EVDNS_FLAGS_RD) to
 * exactly those in flags. */
void evdns_server_request_set_flags(struct evdns_server_request *req,
    int flags);

int evdns_server_request_add_reply(struct evdns_server_request *req,
    int section, const char *name, int type, int dns_class, int ttl,
    int datalen, int is_name, const char *data);
int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname,
    int ttl);
int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl);
int evdns_server_request_respond(struct evdns_server_request *req, int err);
int evdns_server_request_drop(struct evdns_server_request *req);
int evdns_server_request_get_requesting_addr(
    struct evdns_server_request *req, struct sockaddr *sa, int addr_len);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_H_INCLUDED_ */
