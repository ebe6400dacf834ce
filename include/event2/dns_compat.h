/*
 * event2/dns_compat.h -- the 1.x DNS calls, on the global resolver.
 *
 * relevent is a clean-room implementation of the libevent API.  Names
 * and signatures here match libevent 2.1 (the same as 1.4's <evdns.h>,
 * which documents them); the text is ours.  The global resolver uses the
 * current event base (event_init()) and is made on first use.
 */
#ifndef EVENT2_DNS_COMPAT_H_INCLUDED_
#define EVENT2_DNS_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

struct in_addr;
struct in6_addr;
struct evdns_server_port;

/* The resolver of the calls below, for the evdns_base_* ones. */
struct evdns_base *evdns_get_global_base(void);

int evdns_init(void);
void evdns_shutdown(int fail_requests);
int evdns_nameserver_add(unsigned long int address);
int evdns_count_nameservers(void);
int evdns_clear_nameservers_and_suspend(void);
int evdns_resume(void);
int evdns_nameserver_ip_add(const char *ip_as_string);
int evdns_resolve_ipv4(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_ipv6(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
int evdns_set_option(const char *option, const char *val, int flags);
int evdns_resolv_conf_parse(int flags, const char *const filename);
#ifdef _WIN32
int evdns_config_windows_nameservers(void);
#endif
void evdns_search_clear(void);
void evdns_search_add(const char *domain);
void evdns_search_ndots_set(const int ndots);
struct evdns_server_port *evdns_add_server_port(evutil_socket_t socket,
    int flags, evdns_request_callback_fn_type callback, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_COMPAT_H_INCLUDED_ */
