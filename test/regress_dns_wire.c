/*
 * test/regress_dns_wire.c -- the DNS message format (evdns_wire.c) on
 * byte strings: names, headers, questions, queries, answers, the
 * compressing writer and reverse names.  No sockets, no event loop.
 *
 * The library keeps these functions hidden, so this file compiles its own
 * copy of evdns_wire.c (whose name functions test/regress_dns.c and
 * test/regress_dns_server.c use too, to build and check raw queries).
 * Test packets are assembled by hand with the pkt_* helpers below, never
 * with the functions under test.
 */
#include "evdns_wire.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"

/* ------------------------------------------------------------------ */
/* Packet assembly                                                     */

struct pkt {
	unsigned char b[70000];
	size_t len;
};

static void
pkt_bytes(struct pkt *p, const void *data, size_t n)
{
	tt_assert(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void
pkt_16(struct pkt *p, unsigned int v)
{
	unsigned char b[2];

	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
	pkt_bytes(p, b, 2);
}

static void
pkt_32(struct pkt *p, unsigned long v)
{
	pkt_16(p, (unsigned int)(v >> 16) & 0xffff);
	pkt_16(p, (unsigned int)v & 0xffff);
}

/* Labels of a dotted name, uncompressed, ending with the root label
 * unless ptr >= 0, in which case a pointer to ptr ends the name. */
static void
pkt_name(struct pkt *p, const char *name, int ptr)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot != NULL ? (size_t)(dot - name) : strlen(name);
		unsigned char lb = (unsigned char)l;

		pkt_bytes(p, &lb, 1);
		pkt_bytes(p, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	if (ptr >= 0)
		pkt_16(p, 0xc000 | (unsigned int)ptr);
	else
		pkt_bytes(p, "", 1);
}

static void
pkt_header(struct pkt *p, unsigned int id, unsigned int flags,
    unsigned int qd, unsigned int an)
{
	p->len = 0;
	pkt_16(p, id);
	pkt_16(p, flags);
	pkt_16(p, qd);
	pkt_16(p, an);
	pkt_16(p, 0);
	pkt_16(p, 0);
}

/* A resource record: owner (name, or a pointer when ptr >= 0). */
static void
pkt_rr(struct pkt *p, const char *owner, int ptr, int type, int cls,
    unsigned long ttl, const void *rdata, size_t rdlen)
{
	pkt_name(p, owner, ptr);
	pkt_16(p, (unsigned int)type);
	pkt_16(p, (unsigned int)cls);
	pkt_32(p, ttl);
	pkt_16(p, (unsigned int)rdlen);
	pkt_bytes(p, rdata, rdlen);
}

/* A reply for qname/qtype with the question at 12 (owner pointer 0xc00c). */
static void
pkt_reply(struct pkt *p, const char *qname, int qtype, unsigned int an)
{
	pkt_header(p, 0x1234, 0x8180, 1, an);
	pkt_name(p, qname, -1);
	pkt_16(p, (unsigned int)qtype);
	pkt_16(p, 1);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static void
test_wire_encode(struct regress_env *env)
{
	unsigned char b[300], c[300];
	char name[300];
	int i, n;

	(void)env;
	tt_int_op(evdns_name_encode_(b, sizeof(b), "www.Example.com."), ==,
	    17);
	tt_mem_op(b, ==, "\003www\007Example\003com", 17);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "."), ==, 1);
	tt_int_op(b[0], ==, 0);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a..b"), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), ".."), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "..a"), ==, -1);
	tt_int_op(evdns_name_encode_(b, 0, ""), ==, -1);
	/* Too small a buffer fails at every size and never writes past it. */
	n = evdns_name_encode_(c, sizeof(c), "mail.example.org");
	tt_int_op(n, ==, 18);
	for (i = 0; i < n; i++) {
		memset(b, 0xee, sizeof(b));
		tt_int_op(evdns_name_encode_(b, (size_t)i, "mail.example.org"),
		    ==, -1);
		tt_int_op(b[i], ==, 0xee);
	}
	/* 63-byte labels; 255 wire bytes in all is the most. */
	memset(name, 'q', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';		/* 63.63.63.61: 255 bytes */
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, 255);
	tt_int_op(b[0], ==, 63);
	tt_int_op(b[192], ==, 61);
	tt_int_op(b[254], ==, 0);
	name[253] = 'q';
	name[254] = '\0';		/* 256 bytes */
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, -1);
	memset(name, 'q', 64);
	name[64] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, -1);
	name[63] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, 65);
}

static void
test_wire_parse_compression(struct regress_env *env)
{
	struct pkt p;
	char out[EVDNS_NAME_MAX + 1];
	size_t off, a, b2;

	(void)env;
	memset(&p, 0, sizeof(p));
	p.len = 12;
	pkt_name(&p, "example.com", -1);	/* at 12 */
	a = p.len;
	pkt_name(&p, "www", 12);		/* www.<12> */
	b2 = p.len;
	pkt_name(&p, "a.b", (int)a);		/* a.b.<www.<12>> */
	pkt_16(&p, 0xc000 | (unsigned int)b2);	/* a bare pointer */

	off = a;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, 0);
	tt_str_op(out, ==, "www.example.com");
	tt_uint_op(off, ==, a + 6);	/* past the label and the pointer */
	off = b2;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, 0);
	tt_str_op(out, ==, "a.b.www.example.com");
	tt_uint_op(off, ==, b2 + 6);
	off = b2 + 6;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, 0);
	tt_str_op(out, ==, "a.b.www.example.com");
	tt_uint_op(off, ==, p.len);
	/* The root alone, and a pointer to the root. */
	p.b[0] = 0;
	p.b[1] = 0xc0;
	p.b[2] = 0;
	off = 0;
	tt_int_op(evdns_name_parse_(p.b, 3, &off, out), ==, 0);
	tt_str_op(out, ==, "");
	tt_uint_op(off, ==, 1);
	off = 1;
	tt_int_op(evdns_name_parse_(p.b, 3, &off, out), ==, 0);
	tt_str_op(out, ==, "");
	tt_uint_op(off, ==, 3);
}

static void
test_wire_parse_loops(struct regress_env *env)
{
	unsigned char p[64];
	char out[EVDNS_NAME_MAX + 1];
	size_t off;

	(void)env;
	memset(p, 0, sizeof(p));
	/* A pointer to itself. */
	p[20] = 0xc0;
	p[21] = 20;
	off = 20;
	tt_int_op(evdns_name_parse_(p, 22, &off, out), ==, -1);
	tt_uint_op(off, ==, 20);
	/* Forward, to a valid name. */
	p[20] = 0xc0;
	p[21] = 22;
	memcpy(p + 22, "\001x\000", 3);
	tt_int_op(evdns_name_parse_(p, 25, &off, out), ==, -1);
	/* Two labels pointing at each other: a -> b -> a. */
	memcpy(p + 30, "\001a\300\044", 4);	/* 30: a, ptr 36 */
	memcpy(p + 36, "\001b\300\036", 4);	/* 36: b, ptr 30 */
	off = 36;
	tt_int_op(evdns_name_parse_(p, 40, &off, out), ==, -1);
	off = 30;
	tt_int_op(evdns_name_parse_(p, 40, &off, out), ==, -1);
	/* A pointer back into the labels it came from. */
	memcpy(p + 44, "\001c\001d\300\056", 6);	/* ptr to 46: "d" */
	off = 44;
	tt_int_op(evdns_name_parse_(p, 50, &off, out), ==, -1);
	/* 0x40 and 0x80 label types. */
	p[50] = 0x40;
	off = 50;
	tt_int_op(evdns_name_parse_(p, 60, &off, out), ==, -1);
	p[50] = 0x80;
	tt_int_op(evdns_name_parse_(p, 60, &off, out), ==, -1);
}

/* A compressed name cut anywhere fails without moving off. */
static void
test_wire_parse_truncation(struct regress_env *env)
{
	struct pkt p;
	char out[EVDNS_NAME_MAX + 1];
	size_t off, start, cut;

	(void)env;
	memset(&p, 0, sizeof(p));
	p.len = 12;
	pkt_name(&p, "example.net", -1);
	start = p.len;
	pkt_name(&p, "deep.sub", 12);
	for (cut = start; cut < p.len; cut++) {
		off = start;
		tt_int_op(evdns_name_parse_(p.b, cut, &off, out), ==, -1);
		tt_uint_op(off, ==, start);
	}
	off = start;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, 0);
	tt_str_op(out, ==, "deep.sub.example.net");
	/* An offset at or past the end. */
	off = p.len;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, -1);
	off = p.len + 10;
	tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==, -1);
}

/* More than 255 wire bytes, reached through pointers, is refused. */
static void
test_wire_parse_oversize(struct regress_env *env)
{
	struct pkt p;
	char out[EVDNS_NAME_MAX + 1], label[64];
	size_t off, prev;
	int i;

	(void)env;
	memset(&p, 0, sizeof(p));
	memset(label, 'z', 63);
	label[63] = '\0';
	/* Each link adds one 63-byte label in front of the previous name. */
	prev = 0;
	pkt_name(&p, "", -1);		/* the root at 0 */
	for (i = 0; i < 5; i++) {
		size_t here = p.len;

		pkt_name(&p, label, (int)prev);
		prev = here;
		off = here;
		/* i + 1 labels: 64 (i + 1) + 1 bytes */
		tt_int_op(evdns_name_parse_(p.b, p.len, &off, out), ==,
		    i < 3 ? 0 : -1);
		if (i < 3)
			tt_int_op(strlen(out), ==, 64 * (i + 1) - 1);
	}
}

static void
test_wire_roundtrip(struct regress_env *env)
{
	static const char *names[] = {
		"a", "A.b", "x-y.example.COM", "1.2.3.4.in-addr.arpa",
		"_srv._tcp.example.org", "\377\001.bin", NULL
	};
	unsigned char b[300];
	char out[EVDNS_NAME_MAX + 1];
	size_t off;
	int i, n;

	(void)env;
	for (i = 0; names[i] != NULL; i++) {
		n = evdns_name_encode_(b, sizeof(b), names[i]);
		tt_int_op(n, ==, (int)strlen(names[i]) + 2);
		off = 0;
		tt_int_op(evdns_name_parse_(b, (size_t)n, &off, out), ==, 0);
		tt_str_op(out, ==, names[i]);
		tt_uint_op(off, ==, (size_t)n);
	}
}

/* ------------------------------------------------------------------ */
/* Headers, questions, queries                                         */

static void
test_wire_header_question(struct regress_env *env)
{
	struct evdns_header h, g;
	struct pkt p;
	char name[EVDNS_NAME_MAX + 1];
	size_t off, cut;
	int type, cls;

	(void)env;
	pkt_header(&p, 0xbeef, 0x8583, 1, 2);
	pkt_name(&p, "host.example", -1);
	pkt_16(&p, 28);
	pkt_16(&p, 3);
	tt_int_op(evdns_header_parse_(p.b, 11, &h), ==, -1);
	tt_int_op(evdns_header_parse_(p.b, p.len, &h), ==, 0);
	tt_uint_op(h.id, ==, 0xbeef);
	tt_uint_op(h.flags, ==, 0x8583);
	tt_uint_op(h.qdcount, ==, 1);
	tt_uint_op(h.ancount, ==, 2);
	tt_uint_op(h.nscount, ==, 0);
	tt_uint_op(h.arcount, ==, 0);
	g = h;
	g.nscount = 0x0102;
	g.arcount = 0xfffe;
	evdns_header_write_(p.b + 100, &g);
	tt_mem_op(p.b + 100, ==, "\276\357\205\203\000\001\000\002\001\002"
	    "\377\376", 12);

	off = 12;
	tt_int_op(evdns_question_parse_(p.b, p.len, &off, name, &type, &cls),
	    ==, 0);
	tt_str_op(name, ==, "host.example");
	tt_int_op(type, ==, 28);
	tt_int_op(cls, ==, 3);
	tt_uint_op(off, ==, p.len);
	for (cut = 12; cut < p.len; cut++) {
		off = 12;
		tt_int_op(evdns_question_parse_(p.b, cut, &off, name, &type,
		    &cls), ==, -1);
		tt_uint_op(off, ==, 12);
	}
}

static void
test_wire_query_build(struct regress_env *env)
{
	static const unsigned char expect[] = {
		0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 28, 0, 1
	};
	unsigned char b[EVDNS_QUERY_MAX + 8];
	char name[300];
	int i;

	(void)env;
	memset(b, 0xee, sizeof(b));
	tt_int_op(evdns_query_build_(b, sizeof(b), "example.com", 28), ==,
	    (int)sizeof(expect));
	tt_mem_op(b, ==, expect, sizeof(expect));
	tt_int_op(b[sizeof(expect)], ==, 0xee);
	for (i = 0; i < (int)sizeof(expect); i++) {
		memset(b, 0xee, sizeof(b));
		tt_int_op(evdns_query_build_(b, (size_t)i, "example.com", 28),
		    ==, -1);
		tt_int_op(b[i], ==, 0xee);
	}
	tt_int_op(evdns_query_build_(b, sizeof(b), "bad..name", 1), ==, -1);
	/* The longest name fills EVDNS_QUERY_MAX exactly. */
	memset(name, 'n', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	tt_int_op(evdns_query_build_(b, EVDNS_QUERY_MAX, name, 1), ==,
	    EVDNS_HEADER_LEN + 255 + 4);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

static int
answer(const struct pkt *p, const char *qname, int qtype,
    struct evdns_answer *ans)
{
	struct evdns_header h;
	size_t off = 12;
	char name[EVDNS_NAME_MAX + 1];
	int type, cls;

	tt_int_op(evdns_header_parse_(p->b, p->len, &h), ==, 0);
	tt_int_op(evdns_question_parse_(p->b, p->len, &off, name, &type, &cls),
	    ==, 0);
	memset(ans, 0, sizeof(*ans));
	return evdns_answer_parse_(p->b, p->len, off, h.ancount, qname, qtype,
	    ans);
}

static void
test_wire_answer_a(struct regress_env *env)
{
	static const unsigned char a1[4] = { 10, 0, 0, 1 };
	static const unsigned char a2[4] = { 10, 0, 0, 2 };
	static const unsigned char a3[4] = { 10, 0, 0, 3 };
	struct evdns_answer ans;
	struct pkt p;

	(void)env;
	pkt_reply(&p, "h.example", 1, 8);
	pkt_rr(&p, "", 12, 1, 1, 300, a1, 4);
	pkt_rr(&p, "", 12, 1, 3, 1, a3, 4);		/* class CH */
	pkt_rr(&p, "", 12, 1, 1, 100, "\001\002\003", 3);	/* short */
	pkt_rr(&p, "", 12, 1, 1, 100, "\001\002\003\004\005", 5); /* long */
	pkt_rr(&p, "other.example", -1, 1, 1, 1, a3, 4);	/* not ours */
	pkt_rr(&p, "H.EXAMPLE", -1, 1, 1, 200, a2, 4);	/* case */
	pkt_rr(&p, "", 12, 28, 1, 1, "0123456789abcdef", 16);
	pkt_rr(&p, "", 12, 28, 1, 1, "0123456789abcdefg", 17);	/* long */
	tt_int_op(answer(&p, "h.example", 1, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.count, ==, 2);
	tt_int_op(ans.ttl, ==, 200);
	tt_mem_op(ans.u.addrs, ==, a1, 4);
	tt_mem_op(ans.u.addrs + 4, ==, a2, 4);
	/* AAAA from the same packet. */
	tt_int_op(answer(&p, "h.example", 28, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.count, ==, 1);
	tt_mem_op(ans.u.addrs, ==, "0123456789abcdef", 16);
	/* A TTL with its top bit set counts as 0 (RFC 2181). */
	pkt_reply(&p, "h.example", 1, 1);
	pkt_rr(&p, "", 12, 1, 1, 0x80000001UL, a1, 4);
	tt_int_op(answer(&p, "h.example", 1, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.ttl, ==, 0);
	/* Nothing usable. */
	pkt_reply(&p, "h.example", 1, 0);
	tt_int_op(answer(&p, "h.example", 1, &ans), ==, DNS_ERR_UNKNOWN);
}

static void
test_wire_answer_many(struct regress_env *env)
{
	struct evdns_answer ans;
	struct pkt p;
	unsigned char a[4] = { 192, 0, 2, 0 };
	int i;

	(void)env;
	pkt_reply(&p, "many", 1, 40);
	for (i = 0; i < 40; i++) {
		a[3] = (unsigned char)i;
		pkt_rr(&p, "", 12, 1, 1, (unsigned long)(1000 - i), a, 4);
	}
	tt_int_op(answer(&p, "many", 1, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.count, ==, EVDNS_MAX_ADDRS);
	tt_int_op(ans.ttl, ==, 1000 - (EVDNS_MAX_ADDRS - 1));
	for (i = 0; i < EVDNS_MAX_ADDRS; i++)
		tt_int_op(ans.u.addrs[4 * i + 3], ==, i);
	/* More records than the header admits to are not read. */
	pkt_reply(&p, "many", 1, 1);
	a[3] = 7;
	pkt_rr(&p, "", 12, 1, 1, 5, a, 4);
	pkt_rr(&p, "", 12, 1, 1, 5, a, 4);
	tt_int_op(answer(&p, "many", 1, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.count, ==, 1);
}

static void
test_wire_answer_cname(struct regress_env *env)
{
	static const unsigned char a1[4] = { 1, 2, 3, 4 };
	struct evdns_answer ans;
	struct pkt p, t;
	size_t target;
	int i, links;

	(void)env;
	/* alias -> mid -> real, records out of order. */
	pkt_reply(&p, "alias.example", 1, 4);
	pkt_rr(&p, "other", -1, 1, 1, 9, "\011\011\011\011", 4);
	t.len = 0;
	pkt_name(&t, "real.example", -1);
	pkt_rr(&p, "mid.example", -1, 5, 1, 60, t.b, t.len);
	pkt_rr(&p, "real.example", -1, 1, 1, 30, a1, 4);
	t.len = 0;
	pkt_name(&t, "mid.example", -1);
	pkt_rr(&p, "", 12, 5, 1, 60, t.b, t.len);
	tt_int_op(answer(&p, "alias.example", 1, &ans), ==, DNS_ERR_NONE);
	tt_int_op(ans.count, ==, 1);
	tt_int_op(ans.ttl, ==, 30);
	tt_mem_op(ans.u.addrs, ==, a1, 4);
	/* A chain that ends without records: the end is to be asked for. */
	pkt_reply(&p, "alias.example", 1, 1);
	target = p.len + 2 + 10;	/* where the CNAME's RDATA lands */
	t.len = 0;
	pkt_name(&t, "elsewhere", 12);	/* compressed target */
	pkt_rr(&p, "", 12, 5, 1, 60, t.b, t.len);
	tt_int_op(answer(&p, "alias.example", 1, &ans), ==,
	    EVDNS_ANSWER_CNAME);
	tt_str_op(ans.follow, ==, "elsewhere.alias.example");
	/* A target cut inside its RDATA is a malformed reply. */
	p.b[target - 1] = 3;		/* RDLENGTH 3 of 12 */
	tt_int_op(answer(&p, "alias.example", 1, &ans), ==, DNS_ERR_TRUNCATED);
	/* A loop, and a chain one link too long. */
	pkt_reply(&p, "l", 1, 2);
	pkt_rr(&p, "l", -1, 5, 1, 1, "\001m\000", 3);
	pkt_rr(&p, "m", -1, 5, 1, 1, "\001l\000", 3);
	tt_int_op(answer(&p, "l", 1, &ans), ==, DNS_ERR_UNKNOWN);
	/* EVDNS_CNAME_HOPS links are followed; one more is a failure. */
	for (links = EVDNS_CNAME_HOPS; links <= EVDNS_CNAME_HOPS + 1; links++) {
		pkt_reply(&p, "c0", 1, (unsigned int)links);
		for (i = 0; i < links; i++) {
			char from[8], to[8];

			snprintf(from, sizeof(from), "c%d", i);
			snprintf(to, sizeof(to), "c%d", i + 1);
			t.len = 0;
			pkt_name(&t, to, -1);
			pkt_rr(&p, from, -1, 5, 1, 1, t.b, t.len);
		}
		if (links == EVDNS_CNAME_HOPS) {
			tt_int_op(answer(&p, "c0", 1, &ans), ==,
			    EVDNS_ANSWER_CNAME);
			tt_str_op(ans.follow, ==, "c8");
		} else {
			tt_int_op(answer(&p, "c0", 1, &ans), ==,
			    DNS_ERR_UNKNOWN);
		}
	}
}

static void
test_wire_answer_ptr(struct regress_env *env)
{
	struct evdns_answer ans;
	struct pkt p, t;

	(void)env;
	pkt_reply(&p, "4.3.2.1.in-addr.arpa", 12, 2);
	t.len = 0;
	pkt_name(&t, "host", 12 + 4);	/* host.<2.1.in-addr.arpa> */
	pkt_rr(&p, "", 12, 12, 1, 77, t.b, t.len);
	pkt_rr(&p, "", 12, 12, 1, 5, "\001x\000", 3);	/* only the first */
	tt_int_op(answer(&p, "4.3.2.1.in-addr.arpa", 12, &ans), ==,
	    DNS_ERR_NONE);
	tt_int_op(ans.count, ==, 1);
	tt_int_op(ans.ttl, ==, 77);
	tt_str_op(ans.u.name, ==, "host.2.1.in-addr.arpa");
	/* A bad PTR name is skipped. */
	pkt_reply(&p, "p", 12, 1);
	pkt_rr(&p, "", 12, 12, 1, 5, "\005x\000", 3);
	tt_int_op(answer(&p, "p", 12, &ans), ==, DNS_ERR_UNKNOWN);
}

/* An answer section cut at any byte is malformed, never read past. */
static void
test_wire_answer_truncation(struct regress_env *env)
{
	static const unsigned char a1[4] = { 9, 8, 7, 6 };
	struct evdns_answer ans;
	struct evdns_header h;
	struct pkt p, t;
	size_t qend, cut;
	unsigned char *copy;

	(void)env;
	pkt_reply(&p, "cut.example", 1, 3);
	qend = p.len;
	t.len = 0;
	pkt_name(&t, "to", 12);
	pkt_rr(&p, "", 12, 5, 1, 10, t.b, t.len);
	pkt_rr(&p, "to.cut.example", -1, 1, 1, 10, a1, 4);
	pkt_rr(&p, "", 12, 16, 1, 10, "\002hi", 3);
	tt_int_op(evdns_header_parse_(p.b, p.len, &h), ==, 0);
	for (cut = qend; cut <= p.len; cut++) {
		/* A heap copy of exactly cut bytes, for ASan and valgrind. */
		copy = malloc(cut);
		tt_assert(copy != NULL);
		memcpy(copy, p.b, cut);
		memset(&ans, 0, sizeof(ans));
		tt_int_op(evdns_answer_parse_(copy, cut, qend, h.ancount,
		    "cut.example", 1, &ans), ==,
		    cut == p.len ? DNS_ERR_NONE : DNS_ERR_TRUNCATED);
		free(copy);
	}
	tt_mem_op(ans.u.addrs, ==, a1, 4);
}

/* ------------------------------------------------------------------ */
/* The writer                                                          */

static void
test_wire_writer_compression(struct regress_env *env)
{
	static const unsigned char expect[] = {
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		/* ftp.<example.com> CNAME <www.example.com>, TTL 2 */
		3, 'f', 't', 'p', 0xc0, 0x10, 0, 5, 0, 1, 0, 0, 0, 2,
		0, 2, 0xc0, 0x0c,
		/* <EXAMPLE.COM> TXT "hi": suffixes match in any case */
		0xc0, 0x10, 0, 16, 0, 1, 0, 0, 0, 3, 0, 3, 2, 'h', 'i',
	};
	unsigned char b[512];
	struct evdns_writer w;

	(void)env;
	evdns_writer_init_(&w, b, sizeof(b), 1);
	w.len = 12;
	tt_int_op(evdns_write_question_(&w, "www.example.com", 1, 1), ==, 0);
	tt_int_op(evdns_write_rr_(&w, "ftp.example.com", 5, 1, 2, 1,
	    "www.example.com", 0), ==, 0);
	tt_int_op(evdns_write_rr_(&w, "EXAMPLE.COM", 16, 1, 3, 0, "\002hi",
	    3), ==, 0);
	tt_uint_op(w.len, ==, 12 + sizeof(expect));
	tt_mem_op(b + 12, ==, expect, sizeof(expect));
	/* Bad names are refused and leave the writer as it was. */
	tt_int_op(evdns_write_question_(&w, "a..b", 1, 1), ==, -1);
	tt_int_op(evdns_write_rr_(&w, "ok", 5, 1, 1, 1, "x..", 0), ==, -1);
	tt_uint_op(w.len, ==, 12 + sizeof(expect));
	tt_int_op(w.full, ==, 0);
}

/*
 * An item that does not fit is undone completely: a later item must not
 * point at a name that only the undone item wrote.
 */
static void
test_wire_writer_full(struct regress_env *env)
{
	unsigned char b[64 + 16];
	struct evdns_writer w;
	size_t cap, before;

	(void)env;
	for (cap = 12; cap < 64; cap++) {
		memset(b, 0xee, sizeof(b));
		evdns_writer_init_(&w, b, cap, 1);
		w.len = 12;
		if (evdns_write_question_(&w, "q.example", 1, 1) < 0) {
			tt_uint_op(w.len, ==, 12);
			tt_int_op(w.nnames, ==, 0);
			tt_int_op(b[cap], ==, 0xee);
			continue;
		}
		before = w.len;
		if (evdns_write_rr_(&w, "long.name.example", 16, 1, 1, 0,
		    "0123456789", 10) < 0) {
			tt_uint_op(w.len, ==, before);
			/* A label "name", not a pointer into the undone RR. */
			if (evdns_write_rr_(&w, "name.example", 1, 1, 1, 0,
			    "abcd", 4) == 0)
				tt_int_op(b[before], ==, 4);
		}
		tt_int_op(b[cap], ==, 0xee);
	}
}

/* GHSA-58rx-7448-jw47: filling a 64 KiB buffer never writes past it,
 * and RDLENGTH holds up to 65535. */
static void
test_wire_writer_64k(struct regress_env *env)
{
	static unsigned char b[70000], data[65536];
	struct evdns_writer w;
	size_t before;
	int n = 0;

	(void)env;
	memset(data, 'd', sizeof(data));
	/* RDLENGTH cannot say 65536, however much room there is. */
	evdns_writer_init_(&w, b, sizeof(b), 1);
	w.len = 12;
	tt_int_op(evdns_write_rr_(&w, "big", 16, 1, 1, 0, (char *)data,
	    65536), ==, -1);
	tt_uint_op(w.len, ==, 12);
	tt_int_op(evdns_write_rr_(&w, "big", 16, 1, 1, 0, (char *)data,
	    65535), ==, 0);
	tt_uint_op(evdns_get16(b + 12 + 5 + 8), ==, 65535);
	memset(b, 0xee, sizeof(b));
	evdns_writer_init_(&w, b, 65536, 1);
	w.len = 12;
	tt_int_op(evdns_write_rr_(&w, "big", 16, 1, 1, 0, (char *)data,
	    65535), ==, -1);		/* 12 + 5 + 10 + 65535 > 65536 */
	tt_int_op(evdns_write_rr_(&w, "big", 16, 1, 1, 0, (char *)data,
	    65536 - 12 - 5 - 10), ==, 0);
	tt_uint_op(w.len, ==, 65536);
	tt_uint_op(evdns_get16(b + 12 + 5 + 8), ==, 65536 - 12 - 5 - 10);
	evdns_writer_init_(&w, b, 65536, 1);
	w.len = 12;
	while (evdns_write_rr_(&w, "x.example", 1, 1, 1, 0, "abcd", 4) == 0)
		n++;
	tt_int_op(n, >, 4000);
	tt_uint_op(w.len, <=, 65536);
	tt_int_op(b[65536], ==, 0xee);
	/* Names written past offset 0x3fff cannot be pointed at. */
	evdns_writer_init_(&w, b, 65536, 1);
	w.len = 0x4000;
	tt_int_op(evdns_write_rr_(&w, "far.example", 1, 1, 1, 0, "abcd", 4),
	    ==, 0);
	tt_int_op(w.nnames, ==, 0);
	before = w.len;
	tt_int_op(evdns_write_rr_(&w, "far.example", 1, 1, 1, 0, "abcd", 4),
	    ==, 0);
	tt_int_op(b[before], ==, 3);	/* labels again, no pointer */
}

static void
test_wire_reverse(struct regress_env *env)
{
	char buf[EVDNS_REVERSE_MAX];
	struct in_addr in;
	struct in6_addr in6;

	(void)env;
	in.s_addr = htonl(0xc0a80b0c);	/* 192.168.11.12 */
	evdns_reverse_v4_(buf, &in);
	tt_str_op(buf, ==, "12.11.168.192.in-addr.arpa");
	in.s_addr = htonl(0xffffffff);
	evdns_reverse_v4_(buf, &in);
	tt_str_op(buf, ==, "255.255.255.255.in-addr.arpa");
	memset(&in6, 0, sizeof(in6));
	in6.s6_addr[0] = 0x20;
	in6.s6_addr[1] = 0x01;
	in6.s6_addr[2] = 0x0d;
	in6.s6_addr[3] = 0xb8;
	in6.s6_addr[15] = 0xaf;
	evdns_reverse_v6_(buf, &in6);
	tt_str_op(buf, ==, "f.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa");
	tt_int_op(strlen(buf) + 1, ==, EVDNS_REVERSE_MAX);
}

/* ------------------------------------------------------------------ */
/* Names: parse and encode, edge by edge, and random garbage           */

static void
test_name_parse(struct regress_env *env)
{
	char out[EVDNS_NAME_MAX + 1];
	unsigned char p[600];
	size_t off;
	int i, j;

	(void)env;
	/* "a.bc" at 12, then "x" + pointer to 12 at 17 */
	memset(p, 0, sizeof(p));
	memcpy(p + 12, "\001a\002bc\000", 6);
	memcpy(p + 18, "\001x\300\014", 4);
	off = 12;
	tt_int_op(evdns_name_parse_(p, 22, &off, out), ==, 0);
	tt_str_op(out, ==, "a.bc");
	tt_int_op(off, ==, 18);
	off = 18;
	tt_int_op(evdns_name_parse_(p, 22, &off, out), ==, 0);
	tt_str_op(out, ==, "x.a.bc");
	tt_int_op(off, ==, 22);
	/* Truncated in every possible place. */
	for (i = 18; i < 22; i++) {
		off = 18;
		tt_int_op(evdns_name_parse_(p, (size_t)i, &off, out), ==, -1);
		tt_int_op(off, ==, 18);
	}
	/* Pointer to itself, and forward. */
	memcpy(p + 30, "\300\036", 2);
	off = 30;
	tt_int_op(evdns_name_parse_(p, 32, &off, out), ==, -1);
	memcpy(p + 30, "\300\040\001z\000", 5);
	off = 30;
	tt_int_op(evdns_name_parse_(p, 35, &off, out), ==, -1);
	/* Reserved label types 0x40, 0x80. */
	p[40] = 0x41;
	off = 40;
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	p[40] = 0x81;
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	/* Dots and NULs inside labels. */
	memcpy(p + 40, "\003a.b\000", 5);
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	memcpy(p + 40, "\003a\000b\000", 5);
	tt_int_op(evdns_name_parse_(p, 100, &off, out), ==, -1);
	/* 255 wire bytes is fine, 256 is not. */
	off = 0;
	for (j = 0; j < 4; j++) {
		p[off] = (unsigned char)(j < 3 ? 63 : 61);
		memset(p + off + 1, 'k', p[off]);
		off += 1 + p[off];
	}
	p[off] = 0;
	tt_int_op(off + 1, ==, 255);
	off = 0;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, 0);
	tt_int_op(strlen(out), ==, 253);
	p[192] = 62;
	memset(p + 193, 'k', 62);
	p[255] = 0;
	off = 0;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, -1);
	/* A long chain of backward pointers still ends, and 256 bytes
	 * through pointers is refused. */
	for (j = 0; j < 100; j++) {
		p[2 * j] = 0xc0;
		p[2 * j + 1] = (unsigned char)(j == 0 ? 0 : 2 * (j - 1));
	}
	off = 198;
	tt_int_op(evdns_name_parse_(p, 600, &off, out), ==, -1);
	/* Random garbage never crashes or overreads (run under ASan). */
	srand(1234);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 64) + 1;
		unsigned char *b = malloc(len);
		for (j = 0; j < (int)len; j++)
			b[j] = (unsigned char)(rand() % 4 == 0 ? 0xc0 :
			    rand() % 8 == 0 ? rand() % 64 : rand());
		off = (size_t)rand() % len;
		if (evdns_name_parse_(b, len, &off, out) == 0) {
			tt_assert(off <= len);
			tt_assert(strlen(out) <= 253);
		}
		free(b);
	}
}

static void
test_name_encode(struct regress_env *env)
{
	unsigned char b[300];
	char label[70], name[300];

	(void)env;
	tt_int_op(evdns_name_encode_(b, sizeof(b), "www.example.com"), ==, 17);
	tt_mem_op(b, ==, "\003www\007example\003com\000", 17);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a."), ==, 3);
	tt_int_op(evdns_name_encode_(b, sizeof(b), ""), ==, 1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a..b"), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), "a.."), ==, -1);
	tt_int_op(evdns_name_encode_(b, sizeof(b), ".a"), ==, -1);
	tt_int_op(evdns_name_encode_(b, 5, "www.example.com"), ==, -1);
	memset(label, 'x', 64);
	label[63] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), label), ==, 65);
	label[63] = 'x';
	label[64] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), label), ==, -1);
	memset(name, 'a', 254);
	name[254] = '\0';
	tt_int_op(evdns_name_encode_(b, sizeof(b), name), ==, -1);
}

struct regress_case regress_dns_wire_cases[] = {
	{ "dns/wire_encode", test_wire_encode, RT_ONCE, NULL },
	{ "dns/wire_parse_compression", test_wire_parse_compression, RT_ONCE,
	    NULL },
	{ "dns/wire_parse_loops", test_wire_parse_loops, RT_ONCE, NULL },
	{ "dns/wire_parse_truncation", test_wire_parse_truncation, RT_ONCE,
	    NULL },
	{ "dns/wire_parse_oversize", test_wire_parse_oversize, RT_ONCE, NULL },
	{ "dns/wire_roundtrip", test_wire_roundtrip, RT_ONCE, NULL },
	{ "dns/wire_header_question", test_wire_header_question, RT_ONCE,
	    NULL },
	{ "dns/wire_query_build", test_wire_query_build, RT_ONCE, NULL },
	{ "dns/wire_answer_a", test_wire_answer_a, RT_ONCE, NULL },
	{ "dns/wire_answer_many", test_wire_answer_many, RT_ONCE, NULL },
	{ "dns/wire_answer_cname", test_wire_answer_cname, RT_ONCE, NULL },
	{ "dns/wire_answer_ptr", test_wire_answer_ptr, RT_ONCE, NULL },
	{ "dns/wire_answer_truncation", test_wire_answer_truncation, RT_ONCE,
	    NULL },
	{ "dns/wire_writer_compression", test_wire_writer_compression,
	    RT_ONCE, NULL },
	{ "dns/wire_writer_full", test_wire_writer_full, RT_ONCE, NULL },
	{ "dns/wire_writer_64k", test_wire_writer_64k, RT_ONCE, NULL },
	{ "dns/wire_reverse", test_wire_reverse, RT_ONCE, NULL },
	{ "dns/name_parse", test_name_parse, RT_ONCE, NULL },
	{ "dns/name_encode", test_name_encode, RT_ONCE, NULL },
	RT_END
};
