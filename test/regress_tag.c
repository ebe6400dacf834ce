/*
 * test/regress_tag.c -- event tagging (evtag_*): golden byte vectors of
 * libevent's wire format, round trips, and malformed input.
 *
 * None of these cases calls evtag_init(): everything must work without
 * it (one case calls it to show it is harmless and idempotent).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "regress.h"
#include "regress_util.h"

/* Exported by the library but not declared in event.h (as in 1.4). */
int evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag);
int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf);
int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf);

/* The whole buffer is the string literal lit; then empty it. */
#define EXPECT(b, lit) do {						\
	tt_buffer_eq((b), (lit), sizeof(lit) - 1);			\
	evbuffer_drain((b), (size_t)-1);				\
} while (0)

static void
test_golden_tags(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	static const struct { ev_uint32_t tag; const char *bytes; int len; }
	    v[] = {
		{ 0, "\x00", 1 },
		{ 1, "\x01", 1 },
		{ 127, "\x7f", 1 },
		{ 128, "\x80\x01", 2 },
		{ 300, "\xac\x02", 2 },
		{ 65825, "\xa1\x82\x04", 3 },
		{ 0xdeaf, "\xaf\xbd\x03", 3 },
		{ 0xffffffff, "\xff\xff\xff\xff\x0f", 5 },
	};
	size_t i;

	(void)env;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ev_uint32_t tag = 12345;
		tt_int_op(evtag_encode_tag(b, v[i].tag), ==, v[i].len);
		tt_int_op(evtag_encode_tag(NULL, v[i].tag), ==, v[i].len);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, (size_t)v[i].len);
		tt_mem_op(EVBUFFER_DATA(b), ==, v[i].bytes, (size_t)v[i].len);
		tt_int_op(evtag_peek(b, &tag), ==, v[i].len);
		tt_uint_op(tag, ==, v[i].tag);
		tag = 12345;
		tt_int_op(evtag_decode_tag(&tag, b), ==, v[i].len);
		tt_uint_op(tag, ==, v[i].tag);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	}
	evbuffer_free(b);
}

static void
test_golden_ints(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	static const struct { ev_uint32_t n; const char *bytes; int len; }
	    v[] = {
		{ 0, "\x00", 1 },
		{ 0x1, "\x01", 1 },
		{ 0xf, "\x0f", 1 },
		{ 0x10, "\x10\x10", 2 },
		{ 0x12, "\x12\x10", 2 },
		{ 0xff, "\x1f\xf0", 2 },
		{ 0x100, "\x20\x01", 2 },
		{ 0x123, "\x23\x21", 2 },
		{ 0x1234, "\x34\x32\x10", 3 },
		{ 0x12345, "\x45\x43\x21", 3 },
		{ 1000000, "\x40\x42\x4f", 3 },
		{ 0x80000000, "\x70\x00\x00\x00\x80", 5 },
		{ 0xffffffff, "\x7f\xff\xff\xff\xf0", 5 },
	};
	size_t i;

	(void)env;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ev_uint32_t n = 12345;
		encode_int(b, v[i].n);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, (size_t)v[i].len);
		tt_mem_op(EVBUFFER_DATA(b), ==, v[i].bytes, (size_t)v[i].len);
		tt_int_op(evtag_decode_int(&n, b), ==, 0);
		tt_uint_op(n, ==, v[i].n);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	}
	evbuffer_free(b);
}

static void
test_golden_items(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *k = evbuffer_new();
	struct timeval tv;

	(void)env;
	evtag_marshal_int(b, 3, 0x1234);
	EXPECT(b, "\x03\x03\x34\x32\x10");
	evtag_marshal_int(b, 0, 0);
	EXPECT(b, "\x00\x01\x00");

	tv.tv_sec = 1;
	tv.tv_usec = 500000;
	evtag_marshal_timeval(b, 7, &tv);
	EXPECT(b, "\x07\x04\x01\x40\x21\xa7");

	evtag_marshal_string(b, 2, "hit");
	EXPECT(b, "\x02\x03hit");
	evtag_marshal_string(b, 9, "");
	EXPECT(b, "\x09\x00");

	evtag_marshal(b, 300, "\x01\x02", 2);
	EXPECT(b, "\xac\x02\x02\x01\x02");

	/* The rpcgen "kill" message and its nesting under tag 7. */
	evtag_marshal_string(k, 65825, "ax");
	evtag_marshal_string(k, 2, "hit");
	evtag_marshal_int(k, 3, 0x1234);
	tt_uint_op(EVBUFFER_LENGTH(k), ==, 16);
	evtag_marshal(b, 7, EVBUFFER_DATA(k), (ev_uint32_t)EVBUFFER_LENGTH(k));
	EXPECT(b, "\x07\x10\x10"
	    "\xa1\x82\x04\x02\x61\x78"
	    "\x02\x03\x68\x69\x74"
	    "\x03\x03\x34\x32\x10");
	evtag_marshal(b, 4, NULL, 0);
	EXPECT(b, "\x04\x00");
	evbuffer_free(b);
	evbuffer_free(k);
}

static void
test_roundtrip(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *dst = evbuffer_new();
	ev_uint32_t vals[] = { 0, 1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000,
	    0xffff, 0x10000, 0xfffff, 0x100000, 0xffffff, 0x1000000,
	    0xfffffff, 0x10000000, 0x7fffffff, 0x80000000, 0xfffffffe,
	    0xffffffff };
	unsigned int x = 0x9e3779b9;
	ev_uint32_t v, tag, len;
	struct timeval tv, tv2;
	char *s;
	unsigned char fixed[24];
	size_t i;
	int n;

	(void)env;
	/* Every nibble length, both as values and as tags. */
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		evtag_marshal_int(b, vals[i], vals[i]);
		tt_int_op(evtag_peek(b, &tag), >, 0);
		tt_uint_op(tag, ==, vals[i]);
		tt_int_op(evtag_unmarshal_int(b, vals[i], &v), ==, 0);
		tt_uint_op(v, ==, vals[i]);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	}
	/* Pseudo-random values, many items in one buffer. */
	for (i = 0; i < 5000; i++) {
		regress_random(&x);
		evtag_marshal_int(b, (ev_uint32_t)i, x >> (i % 32));
	}
	x = 0x9e3779b9;
	for (i = 0; i < 5000; i++) {
		regress_random(&x);
		tt_int_op(evtag_unmarshal_int(b, (ev_uint32_t)i, &v), ==, 0);
		tt_uint_op(v, ==, x >> (i % 32));
	}
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	tv.tv_sec = 1234567;
	tv.tv_usec = 999999;
	evtag_marshal_timeval(b, 0xdeaf, &tv);
	tt_int_op(evtag_unmarshal_timeval(b, 0xdeaf, &tv2), ==, 0);
	tt_int_op(tv2.tv_sec, ==, tv.tv_sec);
	tt_int_op(tv2.tv_usec, ==, tv.tv_usec);

	evtag_marshal_string(b, 1, "hello world");
	tt_int_op(evtag_unmarshal_string(b, 1, &s), ==, 0);
	tt_str_op(s, ==, "hello world");
	free(s);
	/* A string payload with a NUL inside is still NUL-terminated. */
	evtag_marshal(b, 1, "a\0b", 3);
	tt_int_op(evtag_unmarshal_string(b, 1, &s), ==, 0);
	tt_mem_op(s, ==, "a\0b\0", 4);
	free(s);

	for (i = 0; i < sizeof(fixed); i++)
		fixed[i] = (unsigned char)('0' + i);
	evtag_marshal(b, 3, fixed, sizeof(fixed));
	memset(fixed, 0, sizeof(fixed));
	tt_int_op(evtag_unmarshal_fixed(b, 3, fixed, sizeof(fixed)), ==, 0);
	tt_int_op(fixed[23], ==, '0' + 23);

	/* Generic unmarshal, peek_length, payload_length, consume. */
	evtag_marshal(b, 65825, "payload", 7);
	evtag_marshal_string(b, 5, "next");
	tt_int_op(evtag_peek_length(b, &len), ==, 0);
	tt_uint_op(len, ==, 3 + 1 + 7);
	tt_int_op(evtag_payload_length(b, &len), ==, 0);
	tt_uint_op(len, ==, 7);
	n = evtag_unmarshal(b, &tag, dst);
	tt_int_op(n, ==, 7);
	tt_uint_op(tag, ==, 65825);
	tt_mem_op(EVBUFFER_DATA(dst), ==, "payload", 7);
	tt_int_op(evtag_consume(b), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	tt_int_op(evtag_consume(b), ==, -1);
	tt_int_op(evtag_peek(b, &tag), ==, -1);

	/* Extra payload bytes after an int are ignored. */
	evtag_marshal(b, 6, "\x01\xff\xff", 3);
	tt_int_op(evtag_unmarshal_int(b, 6, &v), ==, 0);
	tt_uint_op(v, ==, 1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* evtag_init is harmless and idempotent. */
	evtag_init();
	evtag_init();
	evtag_marshal_int(b, 1, 77);
	tt_int_op(evtag_unmarshal_int(b, 1, &v), ==, 0);
	tt_uint_op(v, ==, 77);
	evbuffer_free(b);
	evbuffer_free(dst);
}

/* Tag mismatch: the well-formed item is consumed and -1 returned. */
static void
test_wrong_tag(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t v;
	struct timeval tv = { 5, 6 };
	char *s = NULL;
	char fixed[4];

	(void)env;
	evtag_marshal_int(b, 1, 5);
	evtag_marshal_int(b, 2, 6);
	tt_int_op(evtag_unmarshal_int(b, 9, &v), ==, -1);
	tt_int_op(evtag_unmarshal_int(b, 2, &v), ==, 0);
	tt_uint_op(v, ==, 6);

	evtag_marshal_string(b, 1, "x");
	tt_int_op(evtag_unmarshal_string(b, 2, &s), ==, -1);
	tt_ptr_op(s, ==, NULL);
	evtag_marshal_timeval(b, 1, &tv);
	tt_int_op(evtag_unmarshal_timeval(b, 2, &tv), ==, -1);
	/* Fixed: the length must match exactly. */
	evtag_marshal(b, 1, "abc", 3);
	tt_int_op(evtag_unmarshal_fixed(b, 1, fixed, 4), ==, -1);
	evtag_marshal(b, 1, "abcde", 5);
	tt_int_op(evtag_unmarshal_fixed(b, 1, fixed, 4), ==, -1);
	evtag_marshal(b, 1, "abcd", 4);
	tt_int_op(evtag_unmarshal_fixed(b, 2, fixed, 4), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
}

/*
 * Run every decoder on data[0..len) held in an allocation of exactly len
 * bytes (so ASan sees any read past the end).  Every decoder must fail
 * and leave the buffer untouched.
 */
static void
expect_malformed(const void *data, size_t len, const char *what)
{
	struct evbuffer *b = evbuffer_new(), *dst = evbuffer_new();
	unsigned char *copy = malloc(len ? len : 1);
	ev_uint32_t u = 0;
	struct timeval tv;
	char *s = NULL;
	char fixed[8];

	memcpy(copy, data, len);
	/* The public fields let us hand over the exact allocation. */
	b->orig_buffer = b->buffer = copy;
	b->totallen = b->off = len;

#define MUST_FAIL(call) do {						\
	if ((call) != -1)						\
		regress_fail(__FILE__, __LINE__, "%s: %s did not fail",	\
		    what, #call);					\
	if (EVBUFFER_LENGTH(b) != len)					\
		regress_fail(__FILE__, __LINE__, "%s: %s consumed bytes",	\
		    what, #call);					\
} while (0)
	MUST_FAIL(evtag_unmarshal(b, &u, dst));
	MUST_FAIL(evtag_consume(b));
	MUST_FAIL(evtag_unmarshal_int(b, u, &u));
	MUST_FAIL(evtag_unmarshal_string(b, u, &s));
	MUST_FAIL(evtag_unmarshal_timeval(b, u, &tv));
	MUST_FAIL(evtag_unmarshal_fixed(b, u, fixed, sizeof(fixed)));
#undef MUST_FAIL
	tt_uint_op(EVBUFFER_LENGTH(dst), ==, 0);
	tt_ptr_op(s, ==, NULL);
	evbuffer_free(b);
	evbuffer_free(dst);
}

#define MALFORMED(lit, what) expect_malformed((lit), sizeof(lit) - 1, (what))

static void
test_malformed(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t u;

	(void)env;
	MALFORMED("", "empty buffer");
	/* Tags. */
	MALFORMED("\x80", "unterminated varint (1 byte)");
	MALFORMED("\xff\xff\xff\xff", "unterminated varint (4 bytes)");
	MALFORMED("\xff\xff\xff\xff\x1f\x00", "tag wider than 32 bits");
	MALFORMED("\xff\xff\xff\xff\x8f\x00\x00", "tag of 6 bytes");
	MALFORMED("\x80\x80\x80\x80\x80\x00\x00", "tag of 6 zero groups");
	/* Lengths. */
	MALFORMED("\x01", "tag without length");
	MALFORMED("\x01\x10", "length field cut short");
	MALFORMED("\x01\x80\x00\x00\x00\x00", "length of 9 nibbles");
	MALFORMED("\x01\xf0", "length of 16 nibbles");
	MALFORMED("\x01\x05" "abcd", "payload shorter than length");
	MALFORMED("\x01\x7f\xff\xff\xff\xf0" "x", "length 2^32-1");
	MALFORMED("\xff\xff\xff\xff\x0f\x7f\xff\xff\xff\xf0",
	    "max tag, max length");
	/* Well-framed items whose integer payload is malformed. */
	{
		struct timeval tv;
		evbuffer_add(b, "\x01\x01\x10", 3);	/* cut short */
		tt_int_op(evtag_unmarshal_int(b, 1, &u), ==, -1);
		evbuffer_add(b, "\x01\x00", 2);		/* empty */
		tt_int_op(evtag_unmarshal_int(b, 1, &u), ==, -1);
		evbuffer_add(b, "\x01\x01\x80", 3);	/* 9 nibbles */
		tt_int_op(evtag_unmarshal_int(b, 1, &u), ==, -1);
		evbuffer_add(b, "\x01\x02\x10\x10", 4);	/* no usec */
		tt_int_op(evtag_unmarshal_timeval(b, 1, &tv), ==, -1);
		evbuffer_add(b, "\x01\x00", 2);
		tt_int_op(evtag_unmarshal_timeval(b, 1, &tv), ==, -1);
		/* The framing was fine: each item was consumed. */
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	}

	/* The peek helpers fail on broken headers but not on short
	 * payloads (they only describe the next item). */
	evbuffer_add(b, "\x01\x05" "ab", 4);
	tt_int_op(evtag_payload_length(b, &u), ==, 0);
	tt_uint_op(u, ==, 5);
	tt_int_op(evtag_peek_length(b, &u), ==, 0);
	tt_uint_op(u, ==, 7);
	evbuffer_drain(b, (size_t)-1);
	evbuffer_add(b, "\x80", 1);
	tt_int_op(evtag_peek(b, &u), ==, -1);
	tt_int_op(evtag_peek_length(b, &u), ==, -1);
	tt_int_op(evtag_payload_length(b, &u), ==, -1);
	tt_int_op(evtag_decode_tag(&u, b), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1);
	evbuffer_drain(b, (size_t)-1);
	evbuffer_add(b, "\x30\x00", 2);
	tt_int_op(evtag_decode_int(&u, b), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 2);
	/* Total size that does not fit 32 bits. */
	evbuffer_drain(b, (size_t)-1);
	evbuffer_add(b, "\xff\xff\xff\xff\x0f\x7f\xff\xff\xff\xf0", 10);
	tt_int_op(evtag_payload_length(b, &u), ==, 0);
	tt_uint_op(u, ==, 0xffffffff);
	tt_int_op(evtag_peek_length(b, &u), ==, -1);
	evbuffer_free(b);
}

/*
 * A reference decoder of one item header, written from the wire format
 * (rpcgen.md 5.1, 5.2) and our stricter tag rule (docs/COMPAT.md: a tag
 * must fit 32 bits, so at most 5 bytes, the fifth below 0x10).  Returns
 * 0 with the tag, the header size and the payload length, or -1.
 */
static int
ref_header(const unsigned char *d, size_t len, ev_uint32_t *tag,
    size_t *hdr, ev_uint32_t *plen)
{
	size_t i = 0, n, p;
	ev_uint32_t v = 0;

	*tag = 0;
	do {
		if (i == len || i == 5 || (i == 4 && d[i] >= 0x10))
			return -1;
		*tag |= (ev_uint32_t)(d[i] & 0x7f) << (7 * i);
	} while (d[i++] & 0x80);
	if (i == len)
		return -1;
	n = (size_t)(d[i] >> 4) + 1;
	if (n > 8 || len - i < n / 2 + 1)
		return -1;
	for (p = n; p >= 1; p--)
		v = (v << 4) | ((p & 1) ? (d[i + p / 2] & 0x0f) :
		    (d[i + p / 2] >> 4));
	*hdr = i + n / 2 + 1;
	*plen = v;
	return 0;
}

/*
 * evtag_unmarshal on the len bytes d of b agrees with the reference; a
 * failure consumes nothing (docs/COMPAT.md: failures are atomic).
 * Returns whether it took an item.
 */
static int
check_unmarshal(struct evbuffer *b, const unsigned char *d, size_t len)
{
	struct evbuffer *dst = evbuffer_new();
	ev_uint32_t tag = 0, want_tag, plen;
	size_t hdr;
	int r;

	tt_assert(dst != NULL);
	r = evtag_unmarshal(b, &tag, dst);
	if (ref_header(d, len, &want_tag, &hdr, &plen) == -1 ||
	    plen > len - hdr) {
		tt_int_op(r, ==, -1);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, len);
		tt_uint_op(EVBUFFER_LENGTH(dst), ==, 0);
	} else {
		tt_int_op(r, ==, (int)plen);
		tt_uint_op(tag, ==, want_tag);
		tt_uint_op(EVBUFFER_LENGTH(dst), ==, plen);
		if (plen > 0)
			tt_mem_op(EVBUFFER_DATA(dst), ==, d + hdr, plen);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, len - hdr - plen);
	}
	evbuffer_free(dst);
	return r >= 0;
}

/*
 * Random bytes through every decoder: no crash, no read past the end,
 * and evtag_unmarshal's answer matches the reference decoder.
 */
static void
test_fuzz(struct regress_env *env)
{
	unsigned int x = 12345;
	int round, items = 0;

	(void)env;
	for (round = 0; round < 20000; round++) {
		unsigned char data[12];
		size_t len, i;
		struct evbuffer *b = evbuffer_new(), *dst = evbuffer_new();
		ev_uint32_t u;
		struct timeval tv;
		char *s = NULL, fixed[4];
		unsigned char *copy;

		regress_random(&x);
		len = x % sizeof(data);
		for (i = 0; i < len; i++) {
			regress_random(&x);
			data[i] = (unsigned char)x;
			/* Bias the length nibble toward small values. */
			if (i == 1 && (x & 0x100))
				data[i] &= 0x1f;
		}
		copy = malloc(len ? len : 1);
		memcpy(copy, data, len);
		b->orig_buffer = b->buffer = copy;
		b->totallen = b->off = len;
		switch (round % 7) {
		case 0: items += check_unmarshal(b, data, len); break;
		case 1: evtag_consume(b); break;
		case 2: evtag_unmarshal_int(b, data[0] & 0x7f, &u); break;
		case 3:
			if (evtag_unmarshal_string(b, data[0] & 0x7f, &s) == 0)
				free(s);
			break;
		case 4: evtag_unmarshal_timeval(b, data[0] & 0x7f, &tv); break;
		case 5: evtag_unmarshal_fixed(b, data[0] & 0x7f, fixed, 2);
			break;
		case 6:
			evtag_peek_length(b, &u);
			evtag_payload_length(b, &u);
			evtag_decode_int(&u, b);
			break;
		}
		tt_uint_op(EVBUFFER_LENGTH(b), <=, len);
		evbuffer_free(b);
		evbuffer_free(dst);
	}
	/* Both outcomes were reached (20000 / 7 unmarshal rounds). */
	regress_note("%d of %d unmarshal rounds took an item", items,
	    (20000 + 6) / 7);
	tt_int_op(items, >, 100);
	tt_int_op(items, <, (20000 + 6) / 7 - 100);
}

struct regress_case regress_tag_cases[] = {
	{ "tag/golden_tags", test_golden_tags, RT_ONCE, NULL },
	{ "tag/golden_ints", test_golden_ints, RT_ONCE, NULL },
	{ "tag/golden_items", test_golden_items, RT_ONCE, NULL },
	{ "tag/roundtrip", test_roundtrip, RT_ONCE, NULL },
	{ "tag/wrong_tag", test_wrong_tag, RT_ONCE, NULL },
	{ "tag/malformed", test_malformed, RT_ONCE, NULL },
	{ "tag/fuzz", test_fuzz, RT_ONCE, NULL },
	RT_END
};
