/*
 * test/regress_rpcgen.c -- the stub generator and the code it generates.
 *
 * Part 1 exercises test/regress.gen.c (generated from test/regress.rpc at
 * build time): golden wire bytes, round trips, accessor semantics and
 * malformed input.  Part 2 runs event_rpcgen.py on small .rpc files in a
 * temporary directory: every construct, every kind of error, and the
 * generated code compiled by the C compiler.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"
#include "regress_util.h"
#include "test/regress.gen.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                           */

#define BUF_EQ(buf, want) tt_buffer_eq((buf), (want), sizeof(want))

static const unsigned char fixed24[24] = "0123456789abcdefghijklmn";

/* kill{weapon="ax", action="hit", how_often=0x1234}: rpcgen.md 5.3. */
static const unsigned char kill_bytes[] = {
	0xa1, 0x82, 0x04, 0x02, 'a', 'x',
	0x02, 0x03, 'h', 'i', 't',
	0x03, 0x03, 0x34, 0x32, 0x10,
};

/* msg{from="a", to="b", run[0]={how="h", some_bytes=01 02, fixed24}}. */
static const unsigned char msg_bytes[] = {
	0x01, 0x01, 'a',
	0x02, 0x01, 'b',
	0x04, 0x12, 0x20,
	0x01, 0x01, 'h',
	0x02, 0x02, 0x01, 0x02,
	0x03, 0x18, 0x10,
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
	'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n',
};

static struct kill *
make_kill(void)
{
	struct kill *k = kill_new();

	tt_assert(k != NULL);
	tt_int_op(EVTAG_ASSIGN(k, weapon, "ax"), ==, 0);
	tt_int_op(EVTAG_ASSIGN(k, action, "hit"), ==, 0);
	tt_int_op(EVTAG_ASSIGN(k, how_often, 0x1234), ==, 0);
	return k;
}

static struct msg *
make_msg(void)
{
	static const ev_uint8_t two[2] = { 1, 2 };
	struct msg *m = msg_new();
	struct run *r;

	tt_assert(m != NULL);
	tt_int_op(EVTAG_ASSIGN(m, from_name, "a"), ==, 0);
	tt_int_op(EVTAG_ASSIGN(m, to_name, "b"), ==, 0);
	r = EVTAG_ADD(m, run);
	tt_assert(r != NULL);
	tt_int_op(EVTAG_ASSIGN(r, how, "h"), ==, 0);
	tt_int_op(EVTAG_ASSIGN(r, some_bytes, two, 2), ==, 0);
	tt_int_op(EVTAG_ASSIGN(r, fixed_bytes, fixed24), ==, 0);
	return m;
}

/* ---------------------------------------------------------------- */
/* Part 1: generated code                                            */

/* The marshalled bytes are libevent's, byte for byte. */
static void
rpcgen_golden(struct regress_env *env)
{
	struct evbuffer *buf = evbuffer_new();
	struct kill *k = make_kill();
	struct msg *m = make_msg();
	unsigned char nested[3 + sizeof(kill_bytes)];

	(void)env;
	evtag_init();
	kill_marshal(buf, k);
	BUF_EQ(buf, kill_bytes);
	evbuffer_drain(buf, EVBUFFER_LENGTH(buf));

	/* Wrapped as one item: tag 7, length 16 ("10 10"). */
	nested[0] = 0x07;
	nested[1] = 0x10;
	nested[2] = 0x10;
	memcpy(nested + 3, kill_bytes, sizeof(kill_bytes));
	evtag_marshal_kill(buf, 7, k);
	BUF_EQ(buf, nested);
	evbuffer_drain(buf, EVBUFFER_LENGTH(buf));

	msg_marshal(buf, m);
	BUF_EQ(buf, msg_bytes);
	evbuffer_drain(buf, EVBUFFER_LENGTH(buf));

	/* Optional fields appear once set, in declaration order. */
	tt_int_op(EVTAG_ASSIGN(m, attack, k), ==, 0);
	msg_marshal(buf, m);
	{
		unsigned char want[sizeof(msg_bytes) + 3 + sizeof(kill_bytes)];
		memcpy(want, msg_bytes, 6);
		want[6] = 0x03;
		want[7] = 0x10;
		want[8] = 0x10;
		memcpy(want + 9, kill_bytes, sizeof(kill_bytes));
		memcpy(want + 9 + sizeof(kill_bytes), msg_bytes + 6,
		    sizeof(msg_bytes) - 6);
		BUF_EQ(buf, want);
	}
	msg_free(m);
	kill_free(k);
	evbuffer_free(buf);
}

/* Hex tags with letter digits, octal tags, fixed and variable bytes. */
static void
rpcgen_golden_kinds(struct regress_env *env)
{
	static const unsigned char want[] = {
		0x01, 0x02, 0x11, 0x20,		/* num = 0x21 */
		0x1a, 0x03, 'x', 'y', 'z',	/* blob, tag 0x1a */
		0x05, 0x04, 9, 8, 7, 6,		/* small[4] */
		0x08, 0x0e,			/* next (tag 010 = 8), 14 */
		  0x01, 0x01, 0x00,		/* num = 0 */
		  0x02, 0x01, 0x07,		/* onum = 7 */
		  0x1a, 0x00,			/* blob, empty */
		  0x05, 0x04, 0, 0, 0, 0,	/* small, zeroed */
	};
	static const ev_uint8_t small[4] = { 9, 8, 7, 6 };
	static const ev_uint8_t zero[4] = { 0, 0, 0, 0 };
	struct evbuffer *buf = evbuffer_new();
	struct kinds *a = kinds_new(), *n, *b;
	ev_uint32_t v;
	ev_uint8_t *p;

	(void)env;
	tt_int_op(KINDS_BLOB, ==, 26);
	tt_int_op(KINDS_NEXT, ==, 8);
	tt_int_op(KINDS_MAX_TAGS, ==, 9);
	tt_int_op(MSG_MAX_TAGS, ==, 5);
	tt_int_op(KILL_WEAPON, ==, 65825);

	EVTAG_ASSIGN(a, num, 0x21);
	EVTAG_ASSIGN(a, blob, (const ev_uint8_t *)"xyz", 3);
	EVTAG_ASSIGN(a, small, small);
	tt_int_op(EVTAG_GET(a, next, &n), ==, 0);
	tt_assert(EVTAG_HAS(a, next));
	EVTAG_ASSIGN(n, num, 0);
	EVTAG_ASSIGN(n, onum, 7);
	EVTAG_ASSIGN(n, blob, NULL, 0);
	EVTAG_ASSIGN(n, small, zero);
	tt_int_op(kinds_complete(a), ==, 0);
	kinds_marshal(buf, a);
	BUF_EQ(buf, want);

	b = kinds_new();
	tt_int_op(kinds_unmarshal(b, buf), ==, 0);
	tt_int_op(EVBUFFER_LENGTH(buf), ==, 0);
	tt_int_op(EVTAG_GET(b, num, &v), ==, 0);
	tt_int_op(v, ==, 0x21);
	tt_int_op(EVTAG_GET(b, onum, &v), ==, -1);
	tt_assert(!EVTAG_HAS(b, onum));
	tt_int_op(EVTAG_GET(b, small, &p), ==, 0);
	tt_mem_op(p, ==, small, 4);
	tt_int_op(EVTAG_GET(b, next, &n), ==, 0);
	tt_int_op(EVTAG_GET(n, onum, &v), ==, 0);
	tt_int_op(v, ==, 7);
	tt_int_op(EVTAG_LEN(n, blob), ==, 0);
	tt_assert(!EVTAG_HAS(n, next));
	kinds_free(a);
	kinds_free(b);

	/* A struct with no fields marshals to nothing and unmarshals. */
	{
		struct empty *e = empty_new();
		tt_assert(e != NULL);
		empty_marshal(buf, e);
		tt_int_op(EVBUFFER_LENGTH(buf), ==, 0);
		tt_int_op(empty_unmarshal(e, buf), ==, 0);
		tt_int_op(empty_complete(e), ==, 0);
		empty_clear(e);
		empty_free(e);
	}
	evbuffer_free(buf);
}

/* marshal -> unmarshal -> marshal gives the same message and bytes. */
static void
rpcgen_roundtrip(struct regress_env *env)
{
	struct evbuffer *buf = evbuffer_new(), *again = evbuffer_new();
	struct msg *m = make_msg(), *m2 = msg_new();
	struct kill *k = make_kill(), *k2;
	struct run *r;
	char *s;
	ev_uint8_t *p;
	ev_uint32_t len, v;
	int i;

	(void)env;
	evtag_init();
	EVTAG_ASSIGN(m, attack, k);
	for (i = 1; i < 5; i++) {
		char name[16];
		r = EVTAG_ADD(m, run);
		tt_assert(r != NULL);
		snprintf(name, sizeof(name), "run%d", i);
		EVTAG_ASSIGN(r, how, name);
		EVTAG_ASSIGN(r, fixed_bytes, fixed24);
	}
	tt_int_op(EVTAG_LEN(m, run), ==, 5);
	tt_int_op(msg_complete(m), ==, 0);
	msg_marshal(buf, m);
	msg_marshal(again, m);

	tt_int_op(msg_unmarshal(m2, buf), ==, 0);
	tt_int_op(EVBUFFER_LENGTH(buf), ==, 0);
	tt_int_op(EVTAG_GET(m2, from_name, &s), ==, 0);
	tt_str_op(s, ==, "a");
	tt_int_op(EVTAG_GET(m2, to_name, &s), ==, 0);
	tt_str_op(s, ==, "b");
	tt_assert(EVTAG_HAS(m2, attack));
	tt_int_op(EVTAG_GET(m2, attack, &k2), ==, 0);
	tt_int_op(EVTAG_GET(k2, weapon, &s), ==, 0);
	tt_str_op(s, ==, "ax");
	tt_int_op(EVTAG_GET(k2, how_often, &v), ==, 0);
	tt_int_op(v, ==, 0x1234);
	tt_int_op(EVTAG_LEN(m2, run), ==, 5);
	tt_int_op(EVTAG_ARRAY_LEN(m2, run), ==, 5);
	tt_int_op(EVTAG_GET(m2, run, 0, &r), ==, 0);
	tt_int_op(EVTAG_GET(r, some_bytes, &p, &len), ==, 0);
	tt_int_op(len, ==, 2);
	tt_int_op(p[1], ==, 2);
	for (i = 1; i < 5; i++) {
		char name[16];
		tt_int_op(EVTAG_ARRAY_GET(m2, run, i, &r), ==, 0);
		snprintf(name, sizeof(name), "run%d", i);
		tt_int_op(EVTAG_GET(r, how, &s), ==, 0);
		tt_str_op(s, ==, name);
		tt_assert(!EVTAG_HAS(r, some_bytes));
	}
	tt_int_op(EVTAG_GET(m2, run, 5, &r), ==, -1);
	tt_int_op(EVTAG_GET(m2, run, -1, &r), ==, -1);

	/* Re-marshalling the copy gives the same bytes. */
	msg_marshal(buf, m2);
	tt_int_op(EVBUFFER_LENGTH(buf), ==, EVBUFFER_LENGTH(again));
	tt_mem_op(EVBUFFER_DATA(buf), ==, EVBUFFER_DATA(again),
	    EVBUFFER_LENGTH(buf));
	evbuffer_drain(buf, EVBUFFER_LENGTH(buf));

	/* Nested form round trip. */
	evtag_marshal_msg(buf, 0xdeaf, m2);
	msg_clear(m);
	tt_int_op(evtag_unmarshal_msg(buf, 0xdeaf, m), ==, 0);
	tt_int_op(EVTAG_LEN(m, run), ==, 5);
	/* The wrong outer tag is refused. */
	evtag_marshal_msg(buf, 0xdeaf, m2);
	msg_clear(m);
	tt_int_op(evtag_unmarshal_msg(buf, 0xdead, m), ==, -1);

	/* Fields in any order are accepted: reverse the items of kill. */
	evbuffer_drain(buf, EVBUFFER_LENGTH(buf));
	evbuffer_add(buf, kill_bytes + 11, 5);
	evbuffer_add(buf, kill_bytes + 6, 5);
	evbuffer_add(buf, kill_bytes, 6);
	k2 = kill_new();
	tt_int_op(kill_unmarshal(k2, buf), ==, 0);
	tt_int_op(EVTAG_GET(k2, action, &s), ==, 0);
	tt_str_op(s, ==, "hit");
	kill_free(k2);

	msg_free(m);
	msg_free(m2);
	kill_free(k);
	evbuffer_free(buf);
	evbuffer_free(again);
}

/* Accessors: copies, unset fields, deep copies, clear, complete. */
static void
rpcgen_accessors(struct regress_env *env)
{
	struct msg *m = msg_new();
	struct kill *k = kill_new(), *got, *k2;
	struct run *r, *r2;
	char name[8] = "copy", *s;
	ev_uint32_t v = 99;
	ev_uint8_t *p;
	ev_uint32_t len;

	(void)env;
	evtag_init();
	/* Unset scalars: GET fails and leaves the output alone. */
	tt_int_op(EVTAG_GET(k, how_often, &v), ==, -1);
	tt_int_op(v, ==, 99);
	tt_int_op(EVTAG_GET(k, weapon, &s), ==, -1);
	tt_assert(!EVTAG_HAS(k, weapon));
	tt_int_op(kill_complete(k), ==, -1);

	/* Strings are copied. */
	tt_int_op(EVTAG_ASSIGN(k, weapon, name), ==, 0);
	name[0] = 'X';
	tt_int_op(EVTAG_GET(k, weapon, &s), ==, 0);
	tt_str_op(s, ==, "copy");
	tt_int_op(EVTAG_ASSIGN(k, weapon, "again"), ==, 0);
	tt_int_op(EVTAG_GET(k, weapon, &s), ==, 0);
	tt_str_op(s, ==, "again");
	tt_assert(EVTAG_HAS(k, weapon));
	tt_int_op(kill_complete(k), ==, -1);	/* action missing */
	EVTAG_ASSIGN(k, action, "act");
	tt_int_op(kill_complete(k), ==, 0);	/* how_often optional */

	/* A required struct that is unset makes the message incomplete
	 * (libevent 1.4 dereferenced NULL here). */
	tt_int_op(msg_complete(m), ==, -1);
	EVTAG_ASSIGN(m, from_name, "f");
	EVTAG_ASSIGN(m, to_name, "t");
	tt_int_op(msg_complete(m), ==, 0);

	/* Struct assignment is a deep copy. */
	tt_int_op(EVTAG_ASSIGN(m, attack, k), ==, 0);
	EVTAG_ASSIGN(k, weapon, "changed");
	tt_int_op(EVTAG_GET(m, attack, &got), ==, 0);
	tt_ptr_op(got, !=, k);
	tt_int_op(EVTAG_GET(got, weapon, &s), ==, 0);
	tt_str_op(s, ==, "again");
	/* Assigning the field's own content to it works. */
	tt_int_op(EVTAG_ASSIGN(m, attack, got), ==, 0);
	tt_int_op(EVTAG_GET(m, attack, &got), ==, 0);
	tt_int_op(EVTAG_GET(got, weapon, &s), ==, 0);
	tt_str_op(s, ==, "again");
	/* An incomplete source cannot be assigned. */
	k2 = kill_new();
	tt_int_op(EVTAG_ASSIGN(m, attack, k2), ==, -1);
	tt_assert(!EVTAG_HAS(m, attack));
	/* GET on an unset struct field creates an empty one. */
	tt_int_op(EVTAG_GET(m, attack, &got), ==, 0);
	tt_assert(got != NULL);
	tt_assert(EVTAG_HAS(m, attack));
	tt_int_op(msg_complete(m), ==, -1);	/* the new one is empty */
	EVTAG_ASSIGN(got, weapon, "w");
	EVTAG_ASSIGN(got, action, "a");
	tt_int_op(msg_complete(m), ==, 0);

	/* Arrays: ADD, GET by index, ASSIGN into an existing element. */
	tt_int_op(EVTAG_GET(m, run, 0, &r), ==, -1);
	tt_int_op(EVTAG_ASSIGN(m, run, 0, r), ==, -1);
	r = EVTAG_ADD(m, run);
	tt_assert(r != NULL);
	tt_int_op(msg_complete(m), ==, -1);	/* empty element */
	EVTAG_ASSIGN(r, how, "first");
	EVTAG_ASSIGN(r, fixed_bytes, fixed24);
	tt_int_op(msg_complete(m), ==, 0);
	r2 = run_new();
	EVTAG_ASSIGN(r2, how, "second");
	EVTAG_ASSIGN(r2, fixed_bytes, fixed24);
	EVTAG_ASSIGN(r2, some_bytes, (const ev_uint8_t *)"zz", 2);
	tt_int_op(EVTAG_ASSIGN(m, run, 0, r2), ==, 0);
	tt_int_op(EVTAG_ASSIGN(m, run, 1, r2), ==, -1);
	tt_int_op(EVTAG_GET(m, run, 0, &r), ==, 0);
	tt_int_op(EVTAG_GET(r, how, &s), ==, 0);
	tt_str_op(s, ==, "second");
	tt_int_op(EVTAG_GET(r, some_bytes, &p, &len), ==, 0);
	tt_int_op(len, ==, 2);
	tt_int_op(EVTAG_GET(r, fixed_bytes, &p), ==, 0);
	tt_mem_op(p, ==, fixed24, 24);
	run_free(r2);
	/* Many elements: the vector grows. */
	for (v = 0; v < 100; v++)
		tt_assert(EVTAG_ADD(m, run) != NULL);
	tt_int_op(EVTAG_LEN(m, run), ==, 101);

	/* clear empties everything. */
	msg_clear(m);
	tt_assert(!EVTAG_HAS(m, from_name));
	tt_assert(!EVTAG_HAS(m, attack));
	tt_assert(!EVTAG_HAS(m, run));
	tt_int_op(EVTAG_LEN(m, run), ==, 0);
	tt_int_op(msg_complete(m), ==, -1);
	/* and the message is reusable. */
	EVTAG_ASSIGN(m, from_name, "f2");
	tt_int_op(EVTAG_GET(m, from_name, &s), ==, 0);
	tt_str_op(s, ==, "f2");

	msg_free(m);
	kill_free(k);
	kill_free(k2);
	msg_free(NULL);
}

/* Unmarshal buf's len bytes into a fresh msg; the result. */
static int
try_msg(const unsigned char *data, size_t len)
{
	struct evbuffer *buf = regress_buffer_of(data, len);
	struct msg *m = msg_new();
	int res = msg_unmarshal(m, buf);

	msg_free(m);
	evbuffer_free(buf);
	return res;
}

static int
try_kinds(const unsigned char *data, size_t len)
{
	struct evbuffer *buf = regress_buffer_of(data, len);
	struct kinds *m = kinds_new();
	int res = kinds_unmarshal(m, buf);

	kinds_free(m);
	evbuffer_free(buf);
	return res;
}

/*
 * Whether data is a valid msg; if it is, what it gives must marshal to
 * bytes that unmarshal and marshal to the same bytes again (a stable
 * form), or the case fails.
 */
static int
msg_valid_and_stable(const unsigned char *data, size_t len)
{
	struct evbuffer *in = regress_buffer_of(data, len), *copy;
	struct evbuffer *once = evbuffer_new(), *twice = evbuffer_new();
	struct msg *m = msg_new(), *m2 = msg_new();
	int valid = msg_unmarshal(m, in) == 0;

	tt_assert(once != NULL && twice != NULL && m != NULL && m2 != NULL);
	if (valid) {
		msg_marshal(once, m);
		copy = regress_buffer_of(EVBUFFER_DATA(once),
		    EVBUFFER_LENGTH(once));
		tt_int_op(msg_unmarshal(m2, copy), ==, 0);
		msg_marshal(twice, m2);
		tt_uint_op(EVBUFFER_LENGTH(twice), ==, EVBUFFER_LENGTH(once));
		tt_mem_op(EVBUFFER_DATA(twice), ==, EVBUFFER_DATA(once),
		    EVBUFFER_LENGTH(once));
		evbuffer_free(copy);
	}
	msg_free(m);
	msg_free(m2);
	evbuffer_free(in);
	evbuffer_free(once);
	evbuffer_free(twice);
	return valid;
}

/* Malformed input is refused cleanly (run under ASan/valgrind too). */
static void
rpcgen_malformed(struct regress_env *env)
{
	unsigned char b[256];
	size_t i;

	(void)env;
	evtag_init();
	tt_int_op(try_msg(msg_bytes, sizeof(msg_bytes)), ==, 0);

	/* Every truncation inside an item fails; the cut after the two
	 * strings (offset 6) leaves a complete message. */
	for (i = 0; i < sizeof(msg_bytes); i++) {
		int res = try_msg(msg_bytes, i);
		if (i == 6)
			tt_int_op(res, ==, 0);
		else
			tt_int_op(res, ==, -1);
	}

	/* Unknown tag. */
	memcpy(b, msg_bytes, sizeof(msg_bytes));
	b[sizeof(msg_bytes)] = 0x09;
	b[sizeof(msg_bytes) + 1] = 0x00;
	tt_int_op(try_msg(b, sizeof(msg_bytes) + 2), ==, -1);

	/* A repeated non-array field. */
	memcpy(b, msg_bytes, sizeof(msg_bytes));
	memcpy(b + sizeof(msg_bytes), msg_bytes, 3);
	tt_int_op(try_msg(b, sizeof(msg_bytes) + 3), ==, -1);

	/* A repeated array field is fine: two runs. */
	memcpy(b, msg_bytes, sizeof(msg_bytes));
	memcpy(b + sizeof(msg_bytes), msg_bytes + 6, sizeof(msg_bytes) - 6);
	tt_int_op(try_msg(b, 2 * sizeof(msg_bytes) - 6), ==, 0);

	/* Missing required field (to_name). */
	tt_int_op(try_msg(msg_bytes, 3), ==, -1);

	/* A length larger than the data left (0x21 with one byte). */
	{
		static const unsigned char over[] = { 0x01, 0x11, 0x20, 'a' };
		tt_int_op(try_msg(over, sizeof(over)), ==, -1);
	}
	{
		/* The largest encodable length, 0xffffffff. */
		static const unsigned char huge[] = {
			0x01, 0x7f, 0xff, 0xff, 0xff, 0xf0, 'a', 'b' };
		tt_int_op(try_msg(huge, sizeof(huge)), ==, -1);
		/* A length field with more than 8 nibbles. */
		static const unsigned char bad_len[] = {
			0x01, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 'a' };
		tt_int_op(try_msg(bad_len, sizeof(bad_len)), ==, -1);
	}

	/* An unterminated varint tag, and one wider than 32 bits. */
	{
		static const unsigned char t1[] = { 0x81, 0x80, 0x80 };
		static const unsigned char t2[] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00 };
		tt_int_op(try_msg(t1, sizeof(t1)), ==, -1);
		tt_int_op(try_msg(t2, sizeof(t2)), ==, -1);
	}

	/* Fixed bytes of the wrong size. */
	{
		static const unsigned char k3[] = {
			0x01, 0x01, 0x00, 0x1a, 0x00, 0x05, 0x03, 1, 2, 3 };
		static const unsigned char k5[] = {
			0x01, 0x01, 0x00, 0x1a, 0x00, 0x05, 0x05, 1, 2, 3, 4, 5 };
		static const unsigned char k4[] = {
			0x01, 0x01, 0x00, 0x1a, 0x00, 0x05, 0x04, 1, 2, 3, 4 };
		tt_int_op(try_kinds(k3, sizeof(k3)), ==, -1);
		tt_int_op(try_kinds(k5, sizeof(k5)), ==, -1);
		tt_int_op(try_kinds(k4, sizeof(k4)), ==, 0);
	}

	/* An int item whose payload is empty (num), or a nested struct item
	 * whose payload is garbage. */
	{
		static const unsigned char i0[] = {
			0x01, 0x00, 0x1a, 0x00, 0x05, 0x04, 1, 2, 3, 4 };
		static const unsigned char n0[] = {
			0x01, 0x01, 0x00, 0x1a, 0x00, 0x05, 0x04, 1, 2, 3, 4,
			0x08, 0x02, 0xee, 0xee };
		tt_int_op(try_kinds(i0, sizeof(i0)), ==, -1);
		tt_int_op(try_kinds(n0, sizeof(n0)), ==, -1);
	}

	/* Empty input: nothing is set, so the message is incomplete. */
	tt_int_op(try_msg(msg_bytes, 0), ==, -1);
}

/* Deeply nested recursive messages are refused, not a stack overflow. */
static void
rpcgen_nesting(struct regress_env *env)
{
	struct evbuffer *buf = evbuffer_new(), *tmp = evbuffer_new();
	struct kinds *k;
	static const unsigned char leaf[] = {
		0x01, 0x01, 0x00, 0x1a, 0x00, 0x05, 0x04, 0, 0, 0, 0 };
	int depth;

	(void)env;
	evtag_init();
	/* Build depth levels by hand: each wraps the previous as "next". */
	evbuffer_add(buf, leaf, sizeof(leaf));
	for (depth = 1; depth <= 200; depth++) {
		evbuffer_add(tmp, leaf, sizeof(leaf));
		evtag_marshal(tmp, KINDS_NEXT, EVBUFFER_DATA(buf),
		    (ev_uint32_t)EVBUFFER_LENGTH(buf));
		evbuffer_drain(buf, EVBUFFER_LENGTH(buf));
		evbuffer_add_buffer(buf, tmp);
		if (depth == 10 || depth == 200) {
			struct evbuffer *copy = regress_buffer_of(
			    EVBUFFER_DATA(buf), EVBUFFER_LENGTH(buf));
			k = kinds_new();
			tt_int_op(kinds_unmarshal(k, copy), ==,
			    depth == 10 ? 0 : -1);
			kinds_free(k);
			evbuffer_free(copy);
		}
	}
	evbuffer_free(buf);
	evbuffer_free(tmp);
}

/* A reproducible pseudo-random sequence for the fuzz. */
static unsigned int fuzz_seed = 12345;
#define RND() regress_random(&fuzz_seed)

/* Random and mutated input never crashes or leaks (ASan/valgrind), and
 * what is accepted re-marshals stably. */
static void
rpcgen_fuzz(struct regress_env *env)
{
	unsigned char b[128];
	int i, ok = 0;
	size_t j;

	(void)env;
	evtag_init();
	for (i = 0; i < 20000; i++) {
		size_t len;
		if (i & 1) {
			/* Mutate the golden message in a few places. */
			len = sizeof(msg_bytes);
			memcpy(b, msg_bytes, len);
			for (j = RND() % 4 + 1; j > 0; j--) {
				size_t at = RND() % len;
				b[at] = (unsigned char)RND();
			}
			if (RND() % 3 == 0)
				len = RND() % (len + 1);
		} else {
			len = RND() % sizeof(b);
			for (j = 0; j < len; j++)
				b[j] = (unsigned char)(RND() % 8 == 0 ?
				    RND() : RND() % 6);	/* mostly tags 0..5 */
		}
		if (msg_valid_and_stable(b, len))
			ok++;
		(void)try_kinds(b, len);	/* must only not crash or leak */
	}
	regress_note("%d of 20000 inputs were valid messages", ok);
	/* The mutations reach both sides: some stay valid, most do not. */
	tt_int_op(ok, >, 0);
	tt_int_op(ok, <, 10000);
}

/* ---------------------------------------------------------------- */
/* Part 2: running the generator                                    */

/* Programs linked with a sanitized library need the same runtime. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZE_FLAGS "-fsanitize=address,undefined"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZE_FLAGS "-fsanitize=address,undefined"
#endif
#endif
#ifndef SANITIZE_FLAGS
#define SANITIZE_FLAGS ""
#endif

static char gen_dir[256];
static char gen_script[1024];
static char gen_out[8192];

#ifdef _WIN32
/*
 * The generator is a build tool of the Unix side.  Under wine the win32
 * run starts Unix programs (regress_spawn): the commands run in its
 * /bin/sh, with the directory and the script by their Unix names.
 */
static char gen_sh[512];
#endif

static int run_cmd(const char *cmd);

/* A private temporary directory and the generator's path. */
static void
gen_setup(void)
{
	struct stat st;
	char rel[1024], full[PATH_MAX];

#ifdef _WIN32
	if (regress_find_program("sh") == NULL)
		tt_skip("no POSIX shell for the generator (a Unix build tool: "
		    "only wine has one)");
	snprintf(gen_sh, sizeof(gen_sh), "%s", regress_find_program("sh"));
#endif
	snprintf(rel, sizeof(rel), "%s/event_rpcgen.py", regress_srcdir());
	/* Absolute: the commands run in a temporary directory. */
	if (stat(rel, &st) == -1 || realpath(rel, full) == NULL)
		tt_skip("event_rpcgen.py not found (set srcdir)");
	if (strlen(full) >= sizeof(gen_script))
		tt_skip("source directory path too long");
#ifdef _WIN32
	regress_path_for(gen_sh, full, gen_script, sizeof(gen_script));
#else
	memcpy(gen_script, full, strlen(full) + 1);
#endif
	regress_tmpdir(gen_dir, sizeof(gen_dir), "rpcgen");
	if (run_cmd("python3 -c 'import sys; "
	    "sys.exit(sys.version_info < (3, 9))'") != 0) {
		regress_rmtree(gen_dir);
		tt_skip("python3 >= 3.9 not installed");
	}
}

static void
gen_cleanup(void)
{
	if (gen_dir[0] != '\0')
		regress_rmtree(gen_dir);
}

static int count_files_in(const char *sub);
#define count_files() count_files_in(".")

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	tt_assert((f = fopen(path, "wb")) != NULL);
	fputs(text, f);
	fclose(f);
}

static int
file_exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	return stat(path, &st) == 0;
}

static int
mkdir_in(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	return mkdir(path, 0700);
}

/* Read a small file of gen_dir into out (NUL-terminated, truncated). */
static void
read_small(const char *name, char *out, size_t size)
{
	char path[512], *text;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	tt_assert((text = regress_slurp(path, NULL)) != NULL);
	snprintf(out, size, "%s", text);
	free(text);
}

/* Count the files in a directory of gen_dir (to catch stray temporary
 * files). */
static int
count_files_in(const char *sub)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, sub);
	d = opendir(path);
	tt_assert(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Run a shell command in gen_dir; its exit status, output in gen_out. */
#ifdef _WIN32
static int
run_cmd(const char *cmd)
{
	char full[4096], dir[1024], out[300];
	char *argv[] = { gen_sh, "-c", full, NULL };
	size_t n;
	FILE *f;
	int st;

	regress_path_for(gen_sh, gen_dir, dir, sizeof(dir));
	snprintf(full, sizeof(full), "cd '%s' && %s 2>&1", dir, cmd);
	/* (Beside gen_dir: the cases count its files.) */
	snprintf(out, sizeof(out), "%s.out", gen_dir);
	st = regress_wait(regress_spawn(argv, out), 60);
	tt_assert((f = fopen(out, "rb")) != NULL);
	n = fread(gen_out, 1, sizeof(gen_out) - 1, f);
	gen_out[n] = '\0';
	fclose(f);
	(void)remove(out);
	return st >= 0 && st < 128 ? st : 128;
}
#else
static int
run_cmd(const char *cmd)
{
	char full[4096];
	FILE *p;
	size_t n;
	int st;

	snprintf(full, sizeof(full), "cd '%s' && %s 2>&1", gen_dir, cmd);
	tt_assert((p = popen(full, "r")) != NULL);
	n = fread(gen_out, 1, sizeof(gen_out) - 1, p);
	gen_out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
#endif

/* Run the generator on name (in gen_dir); its exit status. */
static int
run_gen(const char *name)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s'", gen_script, name);
	return run_cmd(cmd);
}

static int
file_contains(const char *name, const char *needle)
{
	char path[512], *text;
	int found;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	if ((text = regress_slurp(path, NULL)) == NULL)
		return 0;
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

/* Every construct of the language, with libevent's fussy spots. */
static const char all_constructs[] =
	"/* a comment\n"
	"   over lines */\n"
	"#include <stdio.h>\n"
	"#define NAME_LEN 8\n"
	"#ifdef SOMETHING\n"
	"#endif\n"
	"// a C++ comment\n"
	"struct point {\n"
	"\tint x = 1;\t\t// tabs inside an entry\n"
	"\tint  y  =  2;\n"
	"\toptional string label = 0x1a;\n"
	"};\n"
	"struct Shape { string name = 1; optional int sides = 2; "
	"bytes data = 3; bytes tag[NAME_LEN] = 4;\n"
	"\tarray struct[point] points = 5; optional struct[point] center = 010;\n"
	"\tstruct[point] origin = 0xA; int last = 11; optional int default = 12 }\n"
	"struct\n"
	"nothing\n"
	"{\n"
	"}\n"
	"#include \"other.gen.h\"\n"
	"struct outer { optional struct[elsewhere] e = 1;\n"
	"\tarray struct[elsewhere] es = 2; }\n";

/* A struct another .rpc file refers to. */
static const char other_rpc[] = "struct elsewhere { int v = 1; }\n";

/* Uses both files' code: a sub-message from another file. */
static const char link_main[] =
	"#include <sys/types.h>\n"
	"#include <stdio.h>\n"
	"#include <string.h>\n"
	"#include <event.h>\n"
	"#include \"other.gen.h\"\n"
	"#include \"all.gen.h\"\n"
	"int main(void) {\n"
	"  static const unsigned char want[] = { 0x09, 0x0c,\n"
	"    0x01, 0x03, 0x01, 0x01, 0x07,\n"
	"    0x02, 0x05, 0x01, 0x03, 0x34, 0x32, 0x10 };\n"
	"  struct outer *o = outer_new(), *o2 = outer_new();\n"
	"  struct elsewhere *e;\n"
	"  struct evbuffer *b = evbuffer_new();\n"
	"  ev_uint32_t v = 0;\n"
	"  evtag_init();\n"
	"  EVTAG_GET(o, e, &e); EVTAG_ASSIGN(e, v, 7);\n"
	"  e = EVTAG_ADD(o, es); EVTAG_ASSIGN(e, v, 0x1234);\n"
	"  evtag_marshal_outer(b, 9, o);\n"
	"  if (EVBUFFER_LENGTH(b) != sizeof(want) ||\n"
	"      memcmp(EVBUFFER_DATA(b), want, sizeof(want)) != 0)\n"
	"    { printf(\"bad bytes\\n\"); return 1; }\n"
	"  if (evtag_unmarshal_outer(b, 9, o2) != 0 || EVBUFFER_LENGTH(b) != 0)\n"
	"    { printf(\"bad unmarshal\\n\"); return 1; }\n"
	"  if (EVTAG_GET(o2, es, 0, &e) != 0 || EVTAG_GET(e, v, &v) != 0 ||\n"
	"      v != 0x1234) { printf(\"bad value\\n\"); return 1; }\n"
	"  outer_free(o); outer_free(o2); evbuffer_free(b);\n"
	"  printf(\"linked ok\\n\");\n"
	"  return 0;\n"
	"}\n";

static void
rpcgen_gen_constructs(struct regress_env *env)
{
	(void)env;
	gen_setup();
	write_file("other.rpc", other_rpc);
	tt_int_op(run_gen("other.rpc"), ==, 0);
	write_file("all.rpc", all_constructs);
	tt_int_op(run_gen("all.rpc"), ==, 0);
	tt_assert(file_exists("all.gen.h"));
	tt_assert(file_exists("all.gen.c"));
	tt_int_op(count_files(), ==, 6);
	tt_assert(file_contains("all.gen.h",
	    "struct elsewhere;  /* defined elsewhere */"));

	/* Names and layout as libevent generates them. */
	tt_assert(file_contains("all.gen.h", "#ifndef _ALL_RPC_"));
	tt_assert(file_contains("all.gen.h", "#define NAME_LEN 8"));
	tt_assert(file_contains("all.gen.h", "POINT_LABEL=26,"));
	tt_assert(file_contains("all.gen.h", "SHAPE_CENTER=8,"));
	tt_assert(file_contains("all.gen.h", "SHAPE_ORIGIN=10,"));
	tt_assert(file_contains("all.gen.h", "SHAPE_MAX_TAGS"));
	tt_assert(file_contains("all.gen.h", "SHAPE_DEFAULT=12,"));
	tt_assert(file_contains("all.gen.h",
	    "int Shape_default_assign(struct Shape *, const ev_uint32_t);"));
	tt_assert(file_contains("all.gen.h", "enum shape_ {"));
	tt_assert(file_contains("all.gen.h", "struct Shape_access_ {"));
	tt_assert(file_contains("all.gen.h", "ev_uint8_t tag_data[NAME_LEN];"));
	tt_assert(file_contains("all.gen.h", "struct point **points_data;"));
	tt_assert(file_contains("all.gen.h", "int points_num_allocated;"));
	tt_assert(file_contains("all.gen.h",
	    "struct point * Shape_points_add(struct Shape *);"));
	tt_assert(file_contains("all.gen.h",
	    "int Shape_data_get(struct Shape *, ev_uint8_t * *, ev_uint32_t *);"));
	tt_assert(file_contains("all.gen.h",
	    "void evtag_marshal_Shape(struct evbuffer *, ev_uint32_t, const struct Shape *);"));
	tt_assert(file_contains("all.gen.h", "struct nothing *nothing_new(void);"));
	tt_assert(file_contains("all.gen.c", "#include <stdio.h>"));
	tt_assert(file_contains("all.gen.c", "#ifdef SOMETHING"));
	tt_assert(file_contains("all.gen.c", "#include \"all.gen.h\""));
	tt_assert(file_contains("all.gen.c", "static struct Shape_access_ __Shape_base"));

	/* The generated code compiles warning-free as C89 and C99, and the
	 * header as C++, against our headers. */
#ifdef _WIN32
	regress_note("the generated code is compiled on the other backends "
	    "(this build's library is a Windows DLL)");
	(void)link_main;
#else
	{
		char cmd[8192], bdir[PATH_MAX], sdir[PATH_MAX];
		const char *cc = getenv("CC") ? getenv("CC") : "cc";
		const char *stds[] = { "c89", "gnu11" };
		size_t i;

		if (run_cmd("command -v cc") != 0)
			tt_skip("no C compiler to compile the generated code");
		tt_assert(realpath(regress_builddir(), bdir) != NULL);
		tt_assert(realpath(regress_srcdir(), sdir) != NULL);
		for (i = 0; i < sizeof(stds) / sizeof(stds[0]); i++) {
			snprintf(cmd, sizeof(cmd),
			    "%s -std=%s -Wall -Wextra -Werror -I'%.2000s/include' "
			    "-I'%.2000s/include' -c all.gen.c -o all.o && rm all.o",
			    cc, stds[i], bdir, sdir);
			if (run_cmd(cmd) != 0)
				regress_fail(__FILE__, __LINE__,
				    "%s failed:\n%s", cmd, gen_out);
		}
		/* Link both files' code with the library and run it. */
		write_file("main.c", link_main);
		snprintf(cmd, sizeof(cmd),
		    "%s -Wall -Wextra -Werror -I'%.2000s/include' "
		    "-I'%.2000s/include' -o linked main.c all.gen.c other.gen.c "
		    "-L'%.2000s/.libs' -Wl,-rpath,'%.2000s/.libs' -levent %s && "
		    "./linked", cc, bdir, sdir, bdir, bdir, SANITIZE_FLAGS);
		if (run_cmd(cmd) != 0 || strstr(gen_out, "linked ok") == NULL)
			regress_fail(__FILE__, __LINE__,
			    "%s failed:\n%s", cmd, gen_out);
		if (run_cmd("command -v c++") == 0) {
			snprintf(cmd, sizeof(cmd),
			    "printf '#include <event.h>\\n#include \"all.gen.h\"\\n"
			    "int main(void) { struct Shape *s = Shape_new(); "
			    "Shape_free(s); return 0; }\\n' > cxx.cc && "
			    "c++ -Wall -Wextra -Werror -fsyntax-only "
			    "-I'%.2000s/include' -I'%.2000s/include' cxx.cc && rm cxx.cc",
			    bdir, sdir);
			if (run_cmd(cmd) != 0)
				regress_fail(__FILE__, __LINE__,
				    "%s failed:\n%s", cmd, gen_out);
		}
	}
#endif
	gen_cleanup();
}

/* Bad input: message naming file and line, exit 1, no traceback and no
 * output files. */
static const struct {
	const char *text;
	int line;
	const char *what;	/* a word the message must contain */
} bad_inputs[] = {
	{ "struct a {\n int x = 1;\n int y = 1;\n}\n", 3, "duplicates tag" },
	{ "struct a {\n int x = 1;\n int x = 2;\n}\n", 3, "already defined" },
	{ "struct a { int x = 1; }\nstruct a { int y = 1; }\n", 2,
	  "already defined" },
	{ "struct a {\n float x = 1;\n}\n", 2, "bad type" },
	{ "struct a {\n STRING x = 1;\n}\n", 2, "bad type" },
	{ "struct a {\n int x[4] = 1;\n}\n", 2, "bytes" },
	{ "struct a {\n string s[4] = 1;\n}\n", 2, "bytes" },
	{ "struct a {\n array int x = 1;\n}\n", 2, "arrays" },
	{ "struct a {\n optional array struct[b] x = 1;\n}\n", 2,
	  "cannot be combined" },
	{ "struct a {\n optional optional int x = 1;\n}\n", 2, "twice" },
	{ "struct a {\n int x = 1a;\n}\n", 2, "bad tag" },
	{ "struct a {\n int x = 0x;\n}\n", 2, "bad tag" },
	{ "struct a {\n int x = 09;\n}\n", 2, "bad tag" },
	{ "struct a {\n int x = 0x80000000;\n}\n", 2, "too large" },
	{ "struct a {\n int x = y;\n}\n", 2, "tag number" },
	{ "struct a {\n int x 1;\n}\n", 2, "expected \"=\"" },
	{ "struct a {\n int x =\n}\n", 3, "tag number" },
	{ "struct a {\n int = 1;\n}\n", 2, "field name" },
	{ "\nstruct int {\n int x = 1;\n}\n", 2, "keyword" },
	{ "struct a {\n int x = 1\n int y = 2;\n}\n", 3, "expected \";\"" },
	{ "struct a {\n int x = 1;\n", 1, "closing" },
	{ "struct a {\n int x = 1;\n} junk\n", 3, "struct definition" },
	{ "int x = 1;\n", 1, "struct definition" },
	{ "\n\nstruct {\n int x = 1;\n}\n", 3, "struct name" },
	{ "struct 9a {\n}\n", 1, "struct name" },
	{ "struct a\n int x = 1;\n}\n", 2, "expected \"{\"" },
	{ "struct a {\n struct[] x = 1;\n}\n", 2, "struct name" },
	{ "struct a {\n struct[b x = 1;\n}\n", 2, "expected \"]\"" },
	{ "struct a {\n bytes b[] = 1;\n}\n", 2, "length" },
	{ "struct a {\n bytes b[4 = 1;\n}\n", 2, "expected \"]\"" },
	{ "struct a {\n bytes b[0] = 1;\n}\n", 2, "positive" },
	{ "struct a {\n#define X 1\n int x = 1;\n}\n", 2, "inside a struct" },
	{ "/* never closed\nstruct a {\n}\n", 1, "unterminated" },
	{ "#frobnicate\n", 1, "unknown preprocessor" },
	{ "struct a {\n int x = 1; @\n}\n", 2, "unexpected character" },
	{ "struct a_b { int c = 1; }\nstruct a { int b_c = 1; }\n", 2,
	  "generates the C name" },
	{ "struct a {\n int x = 1;\n int X = 2;\n}\n", 3, "already defined" },
	{ "struct a { int x = 1; }\nstruct A { int y = 1; }\n", 2,
	  "already defined" },
};

static void
rpcgen_gen_errors(struct regress_env *env)
{
	size_t i;
	char want[64];

	(void)env;
	gen_setup();
	/* One directory per input, all run at once (python3 starts slowly). */
	for (i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "b%zu", i);
		tt_int_op(mkdir_in(name), ==, 0);
		snprintf(name, sizeof(name), "b%zu/bad.rpc", i);
		write_file(name, bad_inputs[i].text);
	}
	{
		char cmd[2048];
		snprintf(cmd, sizeof(cmd), "for d in b*; do (cd $d && "
		    "python3 '%s' bad.rpc > out 2>&1; echo $? > rc) & done; wait",
		    gen_script);
		tt_int_op(run_cmd(cmd), ==, 0);
	}
	for (i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		char name[64], out[1024];
		snprintf(name, sizeof(name), "b%zu/rc", i);
		read_small(name, out, sizeof(out));
		if (strcmp(out, "1\n") != 0)
			regress_fail(__FILE__, __LINE__, "input %zu: exit status "
			    "%s", i, out);
		snprintf(name, sizeof(name), "b%zu/out", i);
		read_small(name, out, sizeof(out));
		snprintf(want, sizeof(want), "bad.rpc:%d: ", bad_inputs[i].line);
		if (strncmp(out, want, strlen(want)) != 0 ||
		    strstr(out, bad_inputs[i].what) == NULL ||
		    strstr(out, "Traceback") != NULL)
			regress_fail(__FILE__, __LINE__, "input %zu: want \"%s"
			    "...%s...\", got:\n%s", i, want,
			    bad_inputs[i].what, out);
		/* Exactly one line of diagnostics. */
		tt_assert(strchr(out, '\n') == out + strlen(out) - 1);
		/* No output files, no stray temporary files. */
		snprintf(name, sizeof(name), "b%zu", i);
		tt_int_op(count_files_in(name), ==, 3);
	}

	/* Command-line errors. */
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "python3 '%s'", gen_script);
		tt_int_op(run_cmd(cmd), ==, 1);
		tt_assert(strstr(gen_out, "Need RPC description file") != NULL);
		snprintf(cmd, sizeof(cmd), "python3 '%s' foo.txt", gen_script);
		tt_int_op(run_cmd(cmd), ==, 1);
		tt_assert(strstr(gen_out, "Unrecognized file extension") != NULL);
		snprintf(cmd, sizeof(cmd), "python3 '%s' missing.rpc", gen_script);
		tt_int_op(run_cmd(cmd), ==, 1);
		tt_assert(strstr(gen_out, "missing.rpc:") != NULL);
		tt_assert(strstr(gen_out, "Traceback") == NULL);
		/* Not UTF-8. */
		write_file("latin.rpc", "struct a { int \xe9 = 1; }\n");
		tt_int_op(run_gen("latin.rpc"), ==, 1);
		tt_assert(strstr(gen_out, "latin.rpc") != NULL);
		tt_assert(strstr(gen_out, "Traceback") == NULL);
		unlink("latin.rpc");
		/* An unwritable output directory. */
		write_file("ok.rpc", "struct a { int x = 1; }\n");
		snprintf(cmd, sizeof(cmd),
		    "python3 '%s' -d /nonexistent/dir ok.rpc", gen_script);
		tt_int_op(run_cmd(cmd), ==, 1);
		tt_assert(strstr(gen_out, "ok.rpc: cannot write") != NULL);
		tt_assert(strstr(gen_out, "Traceback") == NULL);
	}
	gen_cleanup();
}

/* A failed run leaves an older good output alone, and -d writes
 * elsewhere. */
static void
rpcgen_gen_outputs(struct regress_env *env)
{
	char cmd[2048];

	(void)env;
	gen_setup();
	write_file("x.rpc", "struct x { int a = 1; }\n");
	tt_int_op(run_gen("x.rpc"), ==, 0);
	tt_assert(file_contains("x.gen.h", "X_A=1"));
	write_file("x.rpc", "struct x { int a = 1; int b = 1; }\n");
	tt_int_op(run_gen("x.rpc"), ==, 1);
	tt_assert(file_contains("x.gen.h", "X_A=1"));
	tt_assert(!file_contains("x.gen.h", "X_B"));
	tt_int_op(count_files(), ==, 3);

	tt_int_op(run_cmd("mkdir out"), ==, 0);
	write_file("x.rpc", "struct x { int a = 1; int b = 2; }\n");
	snprintf(cmd, sizeof(cmd), "python3 '%s' -d out x.rpc", gen_script);
	tt_int_op(run_cmd(cmd), ==, 0);
	tt_assert(file_contains("out/x.gen.h", "X_B=2"));
	tt_assert(file_contains("out/x.gen.c", "#include \"x.gen.h\""));
	tt_int_op(run_cmd("rm -r out"), ==, 0);

	/* CRLF line ends and a UTF-8 byte-order mark are fine; so is a file
	 * with no structs at all. */
	write_file("crlf.rpc", "\xef\xbb\xbf#define N 4\r\nstruct c {\r\n"
	    "\tbytes b[N] = 1;\r\n}\r\n");
	tt_int_op(run_gen("crlf.rpc"), ==, 0);
	tt_assert(file_contains("crlf.gen.h", "ev_uint8_t b_data[N];"));
	tt_assert(!file_contains("crlf.gen.h", "\r"));
	write_file("empty.rpc", "/* nothing */\n");
	tt_int_op(run_gen("empty.rpc"), ==, 0);
	tt_assert(file_contains("empty.gen.h", "#ifndef _EMPTY_RPC_"));
	gen_cleanup();
}

struct regress_case regress_rpcgen_cases[] = {
	{ "rpcgen/golden_bytes", rpcgen_golden, RT_ONCE, NULL },
	{ "rpcgen/golden_kinds", rpcgen_golden_kinds, RT_ONCE, NULL },
	{ "rpcgen/roundtrip", rpcgen_roundtrip, RT_ONCE, NULL },
	{ "rpcgen/accessors", rpcgen_accessors, RT_ONCE, NULL },
	{ "rpcgen/malformed", rpcgen_malformed, RT_ONCE, NULL },
	{ "rpcgen/nesting_limit", rpcgen_nesting, RT_ONCE, NULL },
	{ "rpcgen/fuzz", rpcgen_fuzz, RT_ONCE, NULL },
	{ "rpcgen/gen_constructs", rpcgen_gen_constructs, RT_ONCE | RT_SLOW,
	  NULL },
	{ "rpcgen/gen_errors", rpcgen_gen_errors, RT_ONCE | RT_SLOW, NULL },
	{ "rpcgen/gen_outputs", rpcgen_gen_outputs, RT_ONCE | RT_SLOW, NULL },
	RT_END
};
