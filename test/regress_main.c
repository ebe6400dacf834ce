/*
 * regress_main.c -- the list of test tables, in the order they run.  Each
 * test file exports one table, regress_<file>_cases, ended by RT_END; to
 * add a file, declare its table here and list it below.
 */
#include "config.h"
#include "regress.h"

extern struct regress_case regress_core_cases[];
extern struct regress_case regress_heap_cases[];
extern struct regress_case regress_buffer_cases[];
extern struct regress_case regress_bufferevent_cases[];
extern struct regress_case regress_tag_cases[];
extern struct regress_case regress_dns_cases[];
extern struct regress_case regress_dns_wire_cases[];
extern struct regress_case regress_http_cases[];
extern struct regress_case regress_rpc_cases[];
extern struct regress_case regress_rpcgen_cases[];
extern struct regress_case regress_runner_cases[];

/*
 * The DNS and HTTP cases do not close what they open yet (servers,
 * connections, raw sockets): RT_KEEPFD turns the runner's fd-leak check
 * off for them until their files are split and clean up after
 * themselves.  Drop the flag here then.
 */
const struct regress_table regress_tables[] = {
	{ regress_core_cases, 0 },
	{ regress_heap_cases, 0 },
	{ regress_buffer_cases, 0 },
	{ regress_bufferevent_cases, 0 },
	{ regress_tag_cases, 0 },
	{ regress_dns_cases, RT_KEEPFD },
	{ regress_dns_wire_cases, 0 },
	{ regress_http_cases, RT_KEEPFD },
	{ regress_rpc_cases, 0 },
	{ regress_rpcgen_cases, 0 },
	{ regress_runner_cases, 0 },
	{ NULL, 0 }
};
