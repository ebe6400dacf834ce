/*
 * test/regress_tag2.c -- the libevent 2.x tagging calls (event2/tag.h,
 * tag_compat.h): 64-bit integers, whole buffers, bare headers, the 2.x
 * name of encode_int(), mixed with the 1.4 calls on the same buffers.
 * The golden bytes were produced by libevent 2.1.12.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event2/tag.h"
#include "event2/tag_compat.h"
#include "regress.h"
#include "regress_util.h"

/* The whole buffer is the string literal lit; then empty it. */
#define EXPECT(b, lit) do {						\
	tt_buffer_eq((b), (lit), sizeof(lit) - 1);			\
	evbuffer_drain((b), EVBUFFER_LENGTH(b));			\
} while (0)

static void
test_golden_int64(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	(void)env;
	evtag_encode_int64(b, 0);
	EXPECT(b, "\x00");
	evtag_encode_int64(b, 0x1234);
	EXPECT(b, "\x34\x32\x10");
	evtag_encode_int64(b, (ev_uint64_t)1 << 32);
	EXPECT(b, "\x80\x00\x00\x00\x01");
	evtag_encode_int64(b, ~(ev_uint64_t)0);
	EXPECT(b, "\xff\xff\xff\xff\xff\xff\xff\xff\xf0");
	evtag_marshal_int64(b, 3, (ev_uint64_t)0x123456789aULL);
	EXPECT(b, "\x03\x06\x9a\x98\x76\x54\x32\x10");
	/* The 2.x name and the tag_compat.h macros give 1.4's bytes. */
	evtag_encode_int(b, 0x1234);
	EXPECT(b, "\x34\x32\x10");
	encode_int(b, 0x1234);
	EXPECT(b, "\x34\x32\x10");
	encode_int64(b, 0x1234);
	EXPECT(b, "\x34\x32\x10");
	/* The exported 1.4 function is still there behind the macro. */
	(encode_int)(b, 7);
	EXPECT(b, "\x07");
	evbuffer_free(b);
}

static void
test_int64_roundtrip(struct regress_env *env)
{
	static const ev_uint64_t v[] = { 0, 1, 15, 16, 0xffffffffULL,
	    0x100000000ULL, 0x123456789abcdefULL, 0xfedcba9876543210ULL,
	    ~0ULL };
	struct evbuffer *b = evbuffer_new();
	ev_uint64_t got;
	ev_uint32_t got32;
	size_t i;

	(void)env;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		evtag_marshal_int64(b, (ev_uint32_t)i + 1, v[i]);
		got = 1;
		tt_int_op(evtag_unmarshal_int64(b, (ev_uint32_t)i + 1, &got),
		    ==, 0);
		tt_uint_op(got, ==, v[i]);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	}
	/* A 32-bit item reads as 64-bit; a wide 64-bit one is not a 32. */
	evtag_marshal_int(b, 4, 77);
	tt_int_op(evtag_unmarshal_int64(b, 4, &got), ==, 0);
	tt_uint_op(got, ==, 77);
	evtag_marshal_int64(b, 4, 0x123456789aULL);
	tt_int_op(evtag_unmarshal_int(b, 4, &got32), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	/* Wrong tag: the well-formed item is consumed, the call fails. */
	evtag_marshal_int64(b, 9, 5);
	tt_int_op(evtag_unmarshal_int64(b, 4, &got), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	/* Malformed: cut payload, or more than 16 nibbles: nothing taken. */
	evbuffer_add(b, "\x03\x02\xf0", 3);
	tt_int_op(evtag_unmarshal_int64(b, 3, &got), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 3);
	evbuffer_drain(b, 3);
	/* A payload too short for the nibble count it claims. */
	evbuffer_add(b, "\x03\x01\xf0", 3);
	tt_int_op(evtag_unmarshal_int64(b, 3, &got), ==, -1);
	evbuffer_free(b);
}

static void
test_marshal_buffer(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *d = evbuffer_new();
	struct evbuffer *out = evbuffer_new();
	ev_uint32_t tag = 0;

	(void)env;
	evbuffer_add(d, "abc", 3);
	evtag_marshal_buffer(b, 5, d);
	tt_uint_op(EVBUFFER_LENGTH(d), ==, 0);	/* moved */
	tt_buffer_eq(b, "\x05\x03" "abc", 5);
	/* An empty buffer gives an empty item; 1.4 reads both back. */
	evtag_marshal_buffer(b, 6, d);
	tt_int_op(evtag_unmarshal(b, &tag, out), ==, 3);
	tt_uint_op(tag, ==, 5);
	tt_buffer_eq(out, "abc", 3);
	tt_int_op(evtag_unmarshal(b, &tag, out), ==, 0);
	tt_uint_op(tag, ==, 6);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
	evbuffer_free(d);
	evbuffer_free(out);
}

static void
test_unmarshal_header(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t tag = 0;
	char *s = NULL;

	(void)env;
	evtag_marshal_string(b, 7, "hello");
	tt_int_op(evtag_unmarshal_header(b, &tag), ==, 5);
	tt_uint_op(tag, ==, 7);
	tt_buffer_eq(b, "hello", 5);		/* the payload stays */
	evbuffer_drain(b, 5);
	/* The payload must be all there; else nothing is consumed (2.1
	 * takes the header). */
	evbuffer_add(b, "\x07\x05he", 4);
	tt_int_op(evtag_unmarshal_header(b, &tag), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 4);
	evbuffer_add(b, "llo", 3);
	tt_int_op(evtag_unmarshal_header(b, NULL), ==, 5);
	evbuffer_drain(b, 5);
	/* An unterminated tag varint. */
	evbuffer_add(b, "\x80\x80", 2);
	tt_int_op(evtag_unmarshal_header(b, &tag), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 2);
	evbuffer_drain(b, 2);
	/* 1.4 and 2.x calls on the same stream. */
	evtag_marshal_string(b, 1, "x");
	evtag_marshal_int64(b, 2, 42);
	tt_int_op(evtag_unmarshal_string(b, 1, &s), ==, 0);
	tt_str_op(s, ==, "x");
	free(s);
	/* 42 is 0x2a: two nibbles, two bytes. */
	tt_int_op(evtag_unmarshal_header(b, &tag), ==, 2);
	tt_uint_op(tag, ==, 2);
	evbuffer_free(b);
}

struct regress_case regress_tag2_cases[] = {
	{ "tag2/golden_int64", test_golden_int64, RT_ONCE, NULL },
	{ "tag2/int64_roundtrip", test_int64_roundtrip, RT_ONCE, NULL },
	{ "tag2/marshal_buffer", test_marshal_buffer, RT_ONCE, NULL },
	{ "tag2/unmarshal_header", test_unmarshal_header, RT_ONCE, NULL },
	RT_END
};
