/*
 * evdns.h -- asynchronous DNS: a stub resolver and a small DNS server.
 *
 * This header is part of relevent, a clean-room implementation of the
 * libevent 1.4 API.  Names, signatures, constants and struct layouts follow
 * libevent 1.4.15 so that programs build unchanged; the text is ours.
 *
 * The resolver.  All resolver state is global to the process and its
 * events live on current_base, so event_init() must be called before
 * evdns_init() or any other evdns_* call.  A program configures nameservers
 * (evdns_init() reads /etc/resolv.conf; evdns_nameserver_ip_add() adds one
 * by hand), then starts lookups with evdns_resolve_ipv4() and friends.  Each
 * lookup that was started (return value 0) ends with exactly one call of its
 * callback, from the event loop, never from inside evdns_resolve_*().  The
 * callback receives:
 *
 *	result     DNS_ERR_NONE or another DNS_ERR_* code
 *	type       DNS_IPv4_A, DNS_IPv6_AAAA or DNS_PTR (0 on error)
 *	count      number of addresses (1 for DNS_PTR, 0 on error)
 *	ttl        the smallest TTL of the records returned (0 on error)
 *	addresses  DNS_IPv4_A: count 4-byte addresses in network order;
 *	           DNS_IPv6_AAAA: count 16-byte addresses;
 *	           DNS_PTR: a char ** pointing at the host name;
 *	           NULL on error.  Valid only during the callback.
 *
 * The server.  evdns_add_server_port() serves DNS on a UDP socket the
 * caller bound; each well-formed standard query is handed to a callback as
 * a struct evdns_server_request, which the program answers with the
 * evdns_server_request_add_*_reply() calls and then either
 * evdns_server_request_respond() or evdns_server_request_drop().
 */
#ifndef _EVDNS_H_
#define _EVDNS_H_

#ifdef __cplusplus
extern "C" {
#endif

#include <evutil.h>

struct in_addr;
struct in6_addr;
struct sockaddr;

/* Result codes passed to evdns_callback_type.  1-5 are DNS RCODEs. */
#define DNS_ERR_NONE		0	/* success */
#define DNS_ERR_FORMAT		1	/* the server could not parse the query */
#define DNS_ERR_SERVERFAILED	2	/* the server had an internal failure */
#define DNS_ERR_NOTEXIST	3	/* the name does not exist */
#define DNS_ERR_NOTIMPL		4	/* the server does not do this query */
#define DNS_ERR_REFUSED		5	/* the server refused the query */
#define DNS_ERR_TRUNCATED	65	/* truncated or unusable reply */
#define DNS_ERR_UNKNOWN		66	/* other failure, or no usable answer */
#define DNS_ERR_TIMEOUT		67	/* no reply in time */
#define DNS_ERR_SHUTDOWN	68	/* evdns_shutdown(1) aborted the lookup */

/* The callback's type argument. */
#define DNS_IPv4_A		1
#define DNS_PTR			2
#define DNS_IPv6_AAAA		3

/* Flag for evdns_resolve_*: do not apply the search list. */
#define DNS_QUERY_NO_SEARCH	1
#define DNS_NO_SEARCH		DNS_QUERY_NO_SEARCH

/* Scopes for evdns_resolv_conf_parse() and evdns_set_option(). */
#define DNS_OPTION_SEARCH	1	/* domain, search, ndots */
#define DNS_OPTION_NAMESERVERS	2	/* nameserver lines */
#define DNS_OPTION_MISC		4	/* timeout, attempts, max-* */
/* 2.x adds DNS_OPTION_HOSTSFILE (8) to it: whichever of this header and
 * <event2/dns.h> comes first in a translation unit decides. */
#ifndef DNS_OPTIONS_ALL
#define DNS_OPTIONS_ALL		7
#endif

/* The typedefs are shared with <event2/dns.h> (C89 forbids a second one). */
#ifndef EVENT2_DNS_H_INCLUDED_
/* Lookup completion callback; see the top of this file. */
typedef void (*evdns_callback_type) (int result, char type, int count,
    int ttl, void *addresses, void *arg);

/* Log hook: is_warning is nonzero for warnings, zero for debug chatter. */
typedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg);
#endif

/*
 * Read /etc/resolv.conf with DNS_OPTIONS_ALL and return what
 * evdns_resolv_conf_parse() returns (0 on success).
 */
int evdns_init(void);

/*
 * Forget every nameserver, search domain and pending lookup, and reset the
 * log hook.  With fail_requests nonzero, every pending callback is first
 * called with DNS_ERR_SHUTDOWN; with 0 they are dropped silently.
 */
void evdns_shutdown(int fail_requests);

/* English text for a DNS_ERR_* code; "[Unknown error code]" otherwise. */
const char *evdns_err_to_string(int err);

/*
 * Add the IPv4 nameserver address (network byte order) on port 53.
 * Returns 0 on success, 3 if it was already configured, 1 if the socket
 * could not be created, 2 if its event could not be added.
 */
int evdns_nameserver_add(unsigned long int address);

/* Number of configured nameservers, reachable or not. */
int evdns_count_nameservers(void);

/*
 * Remove every nameserver.  Lookups in flight go back to the head of the
 * waiting queue and wait, without timing out, for evdns_resume().
 * Returns 0.
 */
int evdns_clear_nameservers_and_suspend(void);

/* Send the waiting lookups to the nameservers now configured.  Returns 0. */
int evdns_resume(void);

/*
 * Add a nameserver given as text: "1.2.3.4", "1.2.3.4:5353", "::1" or
 * "[::1]:5353".  Returns 4 if the text does not parse, otherwise as
 * evdns_nameserver_add().
 */
int evdns_nameserver_ip_add(const char *ip_as_string);

/*
 * Start a lookup of the A (IPv4), AAAA (IPv6) or PTR (reverse) records of a
 * name.  flags is 0 or DNS_QUERY_NO_SEARCH.  Returns 0 when the lookup was
 * started (the callback will run later, exactly once) and 1 when it could
 * not be started (the callback is not called): empty or oversize name, no
 * memory.
 */
int evdns_resolve_ipv4(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_ipv6(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);

/*
 * Set one resolver option.  option includes its trailing colon: "ndots:",
 * "timeout:", "attempts:", "max-timeouts:" or "max-inflight:".  flags gives
 * the scopes (DNS_OPTION_*) the caller allows; options outside them and
 * unknown options are ignored.  Returns -1 if val is not a number, else 0.
 */
int evdns_set_option(const char *option, const char *val, int flags);

/*
 * Load a resolv.conf file, applying the parts selected by flags.  Returns
 * 0 on success, 1 if the file cannot be opened, 2 if it cannot be
 * examined, 3 if it is larger than 65535 bytes, 4 when out of memory, 5 on
 * a read error, 6 when it names no nameserver (127.0.0.1 is then used).
 */
int evdns_resolv_conf_parse(int flags, const char *const filename);

#ifdef _WIN32
int evdns_config_windows_nameservers(void);
#endif

/* Drop every search domain and reset ndots to 1. */
void evdns_search_clear(void);

/*
 * Add a search domain in front of the list (the last one added is tried
 * first).  Leading dots are ignored.
 */
void evdns_search_add(const char *domain);

/*
 * Names with fewer than ndots dots are tried with the search domains first
 * and bare last; others bare first.
 */
void evdns_search_ndots_set(const int ndots);

/* Install the log hook; NULL turns logging off (the default). */
void evdns_set_log_fn(evdns_debug_log_fn_type fn);

/*
 * Use fn to pick transaction ids instead of the kernel's random source;
 * NULL restores the default.  Ids already in flight are never reused.
 */
void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void));

/* ---- DNS server ---- */

/* Sections for evdns_server_request_add_reply(). */
#define EVDNS_ANSWER_SECTION		0
#define EVDNS_AUTHORITY_SECTION		1
#define EVDNS_ADDITIONAL_SECTION	2

/* Record types and classes. */
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

/* struct evdns_server_request and struct evdns_server_question: one
 * layout for both APIs, in <event2/dns_struct.h> (its 1.4 part only). */
#define EVDNS_STRUCT_14_ONLY_
#include <event2/dns_struct.h>
#undef EVDNS_STRUCT_14_ONLY_

#ifndef EVENT2_DNS_H_INCLUDED_
typedef void (*evdns_request_callback_fn_type)(struct evdns_server_request *,
    void *);
#endif

struct evdns_server_port;

/*
 * Serve DNS on socket, a bound, nonblocking UDP socket, which the port now
 * owns.  is_tcp must be 0.  Each query is passed to callback with
 * user_data.  Returns NULL on failure.
 */
struct evdns_server_port *evdns_add_server_port(int socket, int is_tcp,
    evdns_request_callback_fn_type callback, void *user_data);

/*
 * Stop serving.  The socket is closed once every request taken from this
 * port has been responded to or dropped.
 */
void evdns_close_server_port(struct evdns_server_port *port);

/*
 * Add a resource record to a section of the reply.  If is_name is nonzero,
 * data is a domain name to encode and datalen is ignored; otherwise data
 * holds datalen bytes of RDATA.  Returns 0, or -1 on a bad argument or
 * when out of memory.
 */
int evdns_server_request_add_reply(struct evdns_server_request *req,
    int section, const char *name, int type, int dns_class, int ttl,
    int datalen, int is_name, const char *data);

/*
 * Add n IPv4 (4-byte) or IPv6 (16-byte) addresses as answers for name.
 * (2.x declares addrs const; the first header of a translation unit
 * decides, since C++ would take the two for overloads.)
 */
#ifndef EVENT2_DNS_H_INCLUDED_
int evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl);
int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, void *addrs, int ttl);
#endif

/*
 * Add a PTR answer naming hostname.  The owner is either the in-addr.arpa
 * name of in, or inaddr_name; exactly one of the two must be given.
 */
int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname,
    int ttl);

/* Add a CNAME answer: name is an alias of cname. */
int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl);

/*
 * Send the reply with RCODE err (0-15) and free req.  Returns 0 when sent,
 * 1 when queued until the socket is writable, negative on error (req is
 * freed in every case).
 */
int evdns_server_request_respond(struct evdns_server_request *req, int err);

/* Free req without replying.  Returns 0. */
int evdns_server_request_drop(struct evdns_server_request *req);

/*
 * Copy the address the query came from into sa.  Returns its length, or
 * -1 if addr_len is too small.
 */
int evdns_server_request_get_requesting_addr(
    struct evdns_server_request *_req, struct sockaddr *sa, int addr_len);

#ifdef __cplusplus
}
#endif

#endif /* _EVDNS_H_ */
