/*
 * test/regress_buffer.h -- the bufferevent cases live in
 * test/regress_bufferevent.c; they are listed in regress_buffer_cases.
 */
#ifndef REGRESS_BUFFER_H
#define REGRESS_BUFFER_H

struct regress_env;

void test_bev_defaults(struct regress_env *);
void test_bev_roundtrip(struct regress_env *);
void test_bev_enable_write_empty(struct regress_env *);
void test_bev_eof(struct regress_env *);
void test_bev_write_error(struct regress_env *);
void test_bev_tcp_reset(struct regress_env *);
void test_bev_tcp_bulk(struct regress_env *);
void test_bev_read_timeout(struct regress_env *);
void test_bev_write_timeout(struct regress_env *);
void test_bev_settimeout(struct regress_env *);
void test_bev_low_watermark(struct regress_env *);
void test_bev_read_watermarks(struct regress_env *);
void test_bev_high_watermark(struct regress_env *);
void test_bev_write_watermark(struct regress_env *);
void test_bev_free_in_readcb(struct regress_env *);
void test_bev_free_in_writecb(struct regress_env *);
void test_bev_free_in_errorcb(struct regress_env *);
void test_bev_free_other(struct regress_env *);
void test_bev_base_set(struct regress_env *);
void test_bev_priority(struct regress_env *);
void test_bev_setfd(struct regress_env *);
void test_bev_read_write_buffer(struct regress_env *);
void test_bev_huge_write(struct regress_env *);
void test_bev_disable(struct regress_env *);
void test_bev_readln_split(struct regress_env *);
void test_bev_tcp_eof(struct regress_env *);

#define BEV_PAIR (RT_BASE | RT_PAIR)
#define BUFFEREVENT_CASES						\
	{ "bufferevent/defaults", test_bev_defaults, BEV_PAIR, NULL },	\
	{ "bufferevent/roundtrip", test_bev_roundtrip, BEV_PAIR, NULL },	\
	{ "bufferevent/enable_write_empty", test_bev_enable_write_empty,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/eof", test_bev_eof, BEV_PAIR, NULL },		\
	{ "bufferevent/write_error", test_bev_write_error, BEV_PAIR, NULL }, \
	{ "bufferevent/tcp_reset", test_bev_tcp_reset, RT_BASE, NULL },	\
	{ "bufferevent/tcp_eof", test_bev_tcp_eof, RT_BASE, NULL },	\
	{ "bufferevent/tcp_bulk", test_bev_tcp_bulk, RT_BASE, NULL },	\
	{ "bufferevent/read_timeout", test_bev_read_timeout, BEV_PAIR, NULL }, \
	{ "bufferevent/write_timeout", test_bev_write_timeout, BEV_PAIR,	\
	  NULL },							\
	{ "bufferevent/settimeout", test_bev_settimeout, BEV_PAIR, NULL },	\
	{ "bufferevent/low_watermark", test_bev_low_watermark, BEV_PAIR,	\
	  NULL },							\
	{ "bufferevent/read_watermarks", test_bev_read_watermarks,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/high_watermark", test_bev_high_watermark, BEV_PAIR, \
	  NULL },							\
	{ "bufferevent/write_watermark", test_bev_write_watermark,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/free_in_readcb", test_bev_free_in_readcb, BEV_PAIR, \
	  NULL },							\
	{ "bufferevent/free_in_writecb", test_bev_free_in_writecb,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/free_in_errorcb", test_bev_free_in_errorcb,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/free_other", test_bev_free_other, BEV_PAIR, NULL }, \
	{ "bufferevent/base_set", test_bev_base_set, BEV_PAIR, NULL },	\
	{ "bufferevent/priority", test_bev_priority, BEV_PAIR, NULL },	\
	{ "bufferevent/setfd", test_bev_setfd, BEV_PAIR, NULL },		\
	{ "bufferevent/read_write_buffer", test_bev_read_write_buffer,	\
	  BEV_PAIR, NULL },						\
	{ "bufferevent/huge_write", test_bev_huge_write, BEV_PAIR, NULL },	\
	{ "bufferevent/disable", test_bev_disable, BEV_PAIR, NULL },	\
	{ "bufferevent/readln_split", test_bev_readln_split, BEV_PAIR, NULL },

#endif /* REGRESS_BUFFER_H */
