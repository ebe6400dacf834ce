/*
 * regress_main.c -- the list of test tables, in the order they run.  Each
 * test file exports one table, regress_<file>_cases, ended by RT_END; to
 * add a file, declare its table here and list it below.  The helper files
 * (regress_util.c, regress_dns.c, regress_http.c, regress_emul.c) have
 * none.
 */
#include "config.h"
#include "regress.h"

extern struct regress_case regress_core_cases[];
extern struct regress_case regress_timer_cases[];
extern struct regress_case regress_signal_cases[];
extern struct regress_case regress_fd_cases[];
extern struct regress_case regress_heap_cases[];
extern struct regress_case regress_recheck_cases[];
extern struct regress_case regress_recheck_epoll_cases[];
extern struct regress_case regress_fd_epoll_cases[];
extern struct regress_case regress_timer_rearm_cases[];
extern struct regress_case regress_buffer_cases[];
extern struct regress_case regress_bufferevent_cases[];
extern struct regress_case regress_buffer2_cases[];
extern struct regress_case regress_bufferevent2_cases[];
extern struct regress_case regress_listener_cases[];
extern struct regress_case regress_tag_cases[];
extern struct regress_case regress_tag2_cases[];
extern struct regress_case regress_dns_resolver_cases[];
extern struct regress_case regress_dns_replies_cases[];
extern struct regress_case regress_dns_server_cases[];
extern struct regress_case regress_dns_config_cases[];
extern struct regress_case regress_dns_peers_cases[];
extern struct regress_case regress_dns_wire_cases[];
extern struct regress_case regress_http_util_cases[];
extern struct regress_case regress_http_server_cases[];
extern struct regress_case regress_http_client_cases[];
extern struct regress_case regress_http_peers_cases[];
extern struct regress_case regress_dns2_cases[];
extern struct regress_case regress_http_parser_cases[];
extern struct regress_case regress_http2_cases[];
extern struct regress_case regress_http2_server_cases[];
extern struct regress_case regress_http2_client_cases[];
extern struct regress_case regress_http2_mixed_cases[];
extern struct regress_case regress_http2_bound_cases[];
extern struct regress_case regress_http2_vhost_cases[];
extern struct regress_case regress_http_compat_cases[];
extern struct regress_case regress_http_limits_cases[];
extern struct regress_case regress_rpc_cases[];
extern struct regress_case regress_rpcgen_cases[];
extern struct regress_case regress_rpc2_cases[];
extern struct regress_case regress_runner_cases[];
extern struct regress_case regress_load_cases[];
extern struct regress_case regress_event2_cases[];
extern struct regress_case regress_event2_misc_cases[];
extern struct regress_case regress_event2_thread_cases[];
extern struct regress_case regress_event2_thread_buf_cases[];
extern struct regress_case regress_evutil2_cases[];
#ifdef REGRESS_EMUL
/* test/regress-emul only: the emulated kernels' own rules. */
extern struct regress_case regress_emul_kqueue_cases[];
extern struct regress_case regress_emul_devpoll_cases[];
#endif

const struct regress_table regress_tables[] = {
	{ regress_core_cases, 0, NULL },
	{ regress_timer_cases, 0, NULL },
	{ regress_signal_cases, 0, NULL },
	{ regress_fd_cases, 0, NULL },
	{ regress_heap_cases, 0, NULL },
	{ regress_recheck_cases, 0, NULL },
	{ regress_recheck_epoll_cases, 0, "epoll" },
	{ regress_fd_epoll_cases, 0, "epoll" },
	{ regress_timer_rearm_cases, 0, NULL },
	{ regress_buffer_cases, 0, NULL },
	{ regress_bufferevent_cases, 0, NULL },
	{ regress_buffer2_cases, 0, NULL },
	{ regress_bufferevent2_cases, 0, NULL },
	{ regress_listener_cases, 0, NULL },
	{ regress_event2_cases, 0, NULL },
	{ regress_event2_misc_cases, 0, NULL },
	{ regress_event2_thread_cases, 0, NULL },
	{ regress_event2_thread_buf_cases, 0, NULL },
	{ regress_evutil2_cases, 0, NULL },
	{ regress_tag_cases, 0, NULL },
	{ regress_tag2_cases, 0, NULL },
	{ regress_dns_resolver_cases, 0, NULL },
	{ regress_dns_replies_cases, 0, NULL },
	{ regress_dns_server_cases, 0, NULL },
	{ regress_dns_config_cases, 0, NULL },
	{ regress_dns_peers_cases, 0, NULL },
	{ regress_dns_wire_cases, 0, NULL },
	{ regress_http_util_cases, 0, NULL },
	{ regress_http_server_cases, 0, NULL },
	{ regress_http_client_cases, 0, NULL },
	{ regress_http_peers_cases, 0, NULL },
	{ regress_dns2_cases, 0, NULL },
	{ regress_http_parser_cases, 0, NULL },
	{ regress_http2_cases, 0, NULL },
	{ regress_http2_server_cases, 0, NULL },
	{ regress_http2_client_cases, 0, NULL },
	{ regress_http2_mixed_cases, 0, NULL },
	{ regress_http2_bound_cases, 0, NULL },
	{ regress_http2_vhost_cases, 0, NULL },
	{ regress_http_compat_cases, 0, NULL },
	{ regress_http_limits_cases, 0, NULL },
	{ regress_rpc_cases, 0, NULL },
	{ regress_rpcgen_cases, 0, NULL },
	{ regress_rpc2_cases, 0, NULL },
	{ regress_runner_cases, 0, NULL },
	{ regress_load_cases, 0, NULL },
#ifdef REGRESS_EMUL
	/* The rule tests make raw emulated kernel objects and keep them. */
	{ regress_emul_kqueue_cases, RT_KEEPFD, "kqueue" },
	{ regress_emul_devpoll_cases, RT_KEEPFD, "devpoll" },
#endif
	{ NULL, 0, NULL }
};
