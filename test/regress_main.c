/*
 * regress_main.c -- the list of test tables.  Each area's file exports one
 * table, regress_<area>_cases, ended by RT_END.
 */
#include "config.h"
#include "regress.h"

extern struct regress_case regress_core_cases[];
extern struct regress_case regress_recheck_cases[];
extern struct regress_case regress_timers_cases[];
extern struct regress_case regress_buffer_cases[];
extern struct regress_case regress_tag_cases[];
extern struct regress_case regress_dns_cases[];
extern struct regress_case regress_http_cases[];
extern struct regress_case regress_rpc_cases[];

struct regress_case *regress_tables[] = {
	regress_core_cases,
	regress_recheck_cases,
	regress_timers_cases,
	regress_buffer_cases,
	regress_tag_cases,
	regress_dns_cases,
	regress_http_cases,
	regress_rpc_cases,
	NULL
};
