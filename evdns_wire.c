/*
 * evdns_wire.c -- the DNS message format (RFC 1035 section 4, RFC 3596).
 *
 * Pure functions on byte strings: nothing here keeps state, allocates or
 * does I/O, so the tests can feed them hostile packets directly.  Every
 * read is checked against the packet length first; every write against
 * the buffer's capacity.
 */
#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"

#define MAX_LABEL	63
#define MAX_WIRE_NAME	255	/* wire bytes of a name, with its root */
#define MAX_ANSWERS	64	/* answer records examined per reply */
#define PTR_LIMIT	0x3fff	/* offsets a compression pointer can hold */

/* ------------------------------------------------------------------ */
/* Names                                                               */

/* Append the label p[0..l) to out at *outlen; -1 if it holds '.' or NUL. */
static int
label_copy(char *out, size_t *outlen, const unsigned char *p, unsigned int l)
{
	unsigned int i;

	if (*outlen != 0)
		out[(*outlen)++] = '.';
	for (i = 0; i < l; i++) {
		if (p[i] == '.' || p[i] == '\0')
			return -1;
		out[(*outlen)++] = (char)p[i];
	}
	return 0;
}

int
evdns_name_parse_(const unsigned char *pkt, size_t len, size_t *off,
    char *out)
{
	size_t pos = *off;	/* where we read next */
	size_t end = 0;		/* where the name ends at its own position */
	size_t limit = pos;	/* pointers must point below this */
	size_t outlen = 0;	/* characters written to out */
	size_t wire = 0;	/* wire length, at most 255 */
	int jumped = 0;

	for (;;) {
		unsigned int l;

		if (pos >= len)
			return -1;
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -1;
			target = ((l & 0x3f) << 8) | pkt[pos + 1];
			/*
			 * Only strictly backward pointers, and each one
			 * must land before the start of the labels we just
			 * followed: the walk then always shrinks, so loops
			 * are impossible.
			 */
			if (target >= limit)
				return -1;
			if (!jumped) {
				end = pos + 2;
				jumped = 1;
			}
			pos = limit = target;
			continue;
		}
		if (l & 0xc0)
			return -1;	/* 0x40 and 0x80 label types */
		wire += l + 1;
		if (wire > MAX_WIRE_NAME)
			return -1;
		if (l == 0)
			break;
		if (pos + 1 + l > len ||
		    label_copy(out, &outlen, pkt + pos + 1, l) < 0)
			return -1;
		pos += 1 + l;
	}
	out[outlen] = '\0';
	*off = jumped ? end : pos + 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The writer                                                          */

void
evdns_writer_init_(struct evdns_writer *w, unsigned char *buf, size_t cap,
    int compress)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->full = 0;
	w->compress = compress;
	w->nnames = 0;
}

static void
writer_bytes(struct evdns_writer *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
writer_16(struct evdns_writer *w, unsigned int v)
{
	unsigned char b[2];

	evdns_put16(b, v);
	writer_bytes(w, b, 2);
}

/*
 * If the name suffix s was written before, write a pointer to it and
 * return 1.  Otherwise remember where s starts (if a pointer can reach
 * it) and return 0.
 */
static int
writer_suffix(struct evdns_writer *w, const char *s)
{
	int i;

	for (i = 0; i < w->nnames; i++) {
		if (strcasecmp(w->names[i].suffix, s) == 0) {
			writer_16(w, 0xc000 | (unsigned int)w->names[i].off);
			return 1;
		}
	}
	if (w->nnames < EVDNS_WRITER_NAMES && w->len < PTR_LIMIT &&
	    !w->full) {
		w->names[w->nnames].suffix = s;
		w->names[w->nnames].off = w->len;
		w->nnames++;
	}
	return 0;
}

/*
 * Write the dotted name (one trailing dot allowed; "" and "." are the
 * root), pointing at an earlier copy of its longest known suffix if the
 * writer compresses.  Returns -1 for an empty label, a label over 63
 * bytes or a name over 255 wire bytes; running out of room is left in
 * w->full.
 */
static int
writer_name(struct evdns_writer *w, const char *name)
{
	size_t n = strlen(name), i = 0, wire = 1;
	size_t len = w->len;	/* a local: the calls below could alias w */

	if (n > 0 && name[n - 1] == '.')
		n--;
	while (i < n) {
		const char *label = name + i;
		const char *dot = memchr(label, '.', n - i);
		size_t l = dot != NULL ? (size_t)(dot - label) : n - i;

		if (l == 0 || l > MAX_LABEL || (wire += l + 1) > MAX_WIRE_NAME)
			return -1;
		if (w->compress) {
			w->len = len;
			if (writer_suffix(w, label))
				return 0;
		}
		if (w->full || l + 1 > w->cap - len) {
			w->full = 1;
			return 0;	/* no room: the rest does not matter */
		}
		w->buf[len] = (unsigned char)l;
		memcpy(w->buf + len + 1, label, l);
		len += l + 1;
		i += l + 1;
		if (dot != NULL && i == n)
			return -1;	/* "a..": an empty last label */
	}
	w->len = len;
	writer_bytes(w, "", 1);
	return 0;
}

int
evdns_name_encode_(unsigned char *buf, size_t cap, const char *name)
{
	struct evdns_writer w;

	evdns_writer_init_(&w, buf, cap, 0);
	if (writer_name(&w, name) < 0 || w.full)
		return -1;
	return (int)w.len;
}

/*
 * End an item begun when the writer was at (len, nnames): keep it, or
 * undo it if anything failed.  Returns 0 or -1.
 */
static int
writer_commit(struct evdns_writer *w, size_t len, int nnames, int bad)
{
	if (!bad && !w->full)
		return 0;
	w->len = len;
	w->nnames = nnames;
	w->full = 0;
	return -1;
}

int
evdns_write_question_(struct evdns_writer *w, const char *name, int type,
    int dns_class)
{
	size_t len = w->len;
	int nnames = w->nnames, bad;

	bad = writer_name(w, name) < 0;
	writer_16(w, (unsigned int)type);
	writer_16(w, (unsigned int)dns_class);
	return writer_commit(w, len, nnames, bad);
}

int
evdns_write_rr_(struct evdns_writer *w, const char *name, int type,
    int dns_class, ev_uint32_t ttl, int is_name, const char *data,
    size_t datalen)
{
	size_t len = w->len, rdstart;
	int nnames = w->nnames, bad;
	unsigned char t[4];

	bad = writer_name(w, name) < 0;
	writer_16(w, (unsigned int)type);
	writer_16(w, (unsigned int)dns_class);
	evdns_put32(t, ttl);
	writer_bytes(w, t, 4);
	writer_16(w, 0);		/* RDLENGTH, below */
	rdstart = w->len;
	if (is_name)
		bad |= writer_name(w, data) < 0;
	else
		writer_bytes(w, data, datalen);
	if (!w->full && w->len - rdstart > 0xffff)
		bad = 1;
	if (writer_commit(w, len, nnames, bad) < 0)
		return -1;
	evdns_put16(w->buf + rdstart - 2, (unsigned int)(w->len - rdstart));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Headers, questions, queries                                         */

int
evdns_header_parse_(const unsigned char *pkt, size_t len,
    struct evdns_header *h)
{
	if (len < EVDNS_HEADER_LEN)
		return -1;
	h->id = evdns_get16(pkt);
	h->flags = evdns_get16(pkt + 2);
	h->qdcount = evdns_get16(pkt + 4);
	h->ancount = evdns_get16(pkt + 6);
	h->nscount = evdns_get16(pkt + 8);
	h->arcount = evdns_get16(pkt + 10);
	return 0;
}

void
evdns_header_write_(unsigned char *buf, const struct evdns_header *h)
{
	evdns_put16(buf, h->id);
	evdns_put16(buf + 2, h->flags);
	evdns_put16(buf + 4, h->qdcount);
	evdns_put16(buf + 6, h->ancount);
	evdns_put16(buf + 8, h->nscount);
	evdns_put16(buf + 10, h->arcount);
}

int
evdns_question_parse_(const unsigned char *pkt, size_t len, size_t *off,
    char *name, int *type, int *dns_class)
{
	size_t pos = *off;

	if (evdns_name_parse_(pkt, len, &pos, name) < 0 || pos + 4 > len)
		return -1;
	*type = (int)evdns_get16(pkt + pos);
	*dns_class = (int)evdns_get16(pkt + pos + 2);
	*off = pos + 4;
	return 0;
}

int
evdns_query_build_(unsigned char *buf, size_t cap, const char *name,
    int type)
{
	struct evdns_header h = { 0, EVDNS_FLAG_RD, 1, 0, 0, 0 };
	int n;

	if (cap < EVDNS_HEADER_LEN + 4)
		return -1;
	n = evdns_name_encode_(buf + EVDNS_HEADER_LEN,
	    cap - EVDNS_HEADER_LEN - 4, name);
	if (n < 0)
		return -1;
	evdns_header_write_(buf, &h);
	evdns_put16(buf + EVDNS_HEADER_LEN + n, (unsigned int)type);
	evdns_put16(buf + EVDNS_HEADER_LEN + n + 2, EVDNS_CLASS_INET);
	return EVDNS_HEADER_LEN + n + 4;
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

/* One answer record, as evdns_answer_parse_() keeps it. */
struct wire_rr {
	int type;
	ev_uint32_t ttl;
	size_t rdata;			/* offset of RDATA */
	size_t rdlen;
	char owner[EVDNS_NAME_MAX + 1];
};

/* Read the record at *off; -1 if it is malformed or cut. */
static int
rr_parse(const unsigned char *pkt, size_t len, size_t *off,
    struct wire_rr *r, int *dns_class)
{
	size_t pos = *off;

	if (evdns_name_parse_(pkt, len, &pos, r->owner) < 0 || pos + 10 > len)
		return -1;
	r->type = (int)evdns_get16(pkt + pos);
	*dns_class = (int)evdns_get16(pkt + pos + 2);
	r->ttl = evdns_get32(pkt + pos + 4);
	if (r->ttl > 0x7fffffff)
		r->ttl = 0;		/* RFC 2181: top bit set means 0 */
	r->rdlen = evdns_get16(pkt + pos + 8);
	pos += 10;
	if (r->rdlen > len - pos)
		return -1;
	r->rdata = pos;
	*off = pos + r->rdlen;
	return 0;
}

/*
 * Keep the class-IN records of type want or CNAME among the first
 * ancount at off (at most MAX_ANSWERS).  Returns how many, or -1.
 */
static int
answers_collect(const unsigned char *pkt, size_t len, size_t off,
    unsigned int ancount, int want, struct wire_rr *rrs)
{
	unsigned int i;
	int n = 0, cls;

	for (i = 0; i < ancount && n < MAX_ANSWERS; i++) {
		if (rr_parse(pkt, len, &off, &rrs[n], &cls) < 0)
			return -1;
		if (cls == EVDNS_CLASS_INET && (rrs[n].type == want ||
		    rrs[n].type == EVDNS_TYPE_CNAME))
			n++;
	}
	return n;
}

/*
 * Follow the CNAME chain from cur, which is replaced by its end.  Returns
 * the number of links, or a DNS_ERR_* code (negated) on failure.
 */
static int
cname_chase(const unsigned char *pkt, const struct wire_rr *rrs, int n,
    char *cur)
{
	int hops = 0, i;

	for (i = 0; i < n; i++) {
		char target[EVDNS_NAME_MAX + 1];
		size_t p = rrs[i].rdata;

		if (rrs[i].type != EVDNS_TYPE_CNAME ||
		    strcasecmp(rrs[i].owner, cur) != 0)
			continue;
		/* The target may point anywhere before the RDATA's end. */
		if (evdns_name_parse_(pkt, rrs[i].rdata + rrs[i].rdlen, &p,
		    target) < 0)
			return -DNS_ERR_TRUNCATED;
		if (++hops > EVDNS_CNAME_HOPS)
			return -DNS_ERR_UNKNOWN;
		memcpy(cur, target, strlen(target) + 1);
		i = -1;			/* from the top for the new name */
	}
	return hops;
}

/* Copy the record's data into the answer's slot; -1 if it is unusable. */
static int
answer_take(const unsigned char *pkt, const struct wire_rr *r,
    struct evdns_answer *ans)
{
	size_t p = r->rdata;

	switch (r->type) {
	case EVDNS_TYPE_A:
		if (r->rdlen != 4)
			return -1;
		memcpy(ans->u.addrs + 4 * ans->count, pkt + r->rdata, 4);
		return 0;
	case EVDNS_TYPE_AAAA:
		if (r->rdlen != 16)
			return -1;
		memcpy(ans->u.addrs + 16 * ans->count, pkt + r->rdata, 16);
		return 0;
	default:			/* PTR */
		return evdns_name_parse_(pkt, r->rdata + r->rdlen, &p,
		    ans->u.name);
	}
}

int
evdns_answer_parse_(const unsigned char *pkt, size_t len, size_t off,
    unsigned int ancount, const char *qname, int qtype,
    struct evdns_answer *ans)
{
	struct wire_rr rrs[MAX_ANSWERS];
	char cur[EVDNS_NAME_MAX + 1];
	ev_uint32_t minttl = 0xffffffff;
	int n, hops, i;

	if ((n = answers_collect(pkt, len, off, ancount, qtype, rrs)) < 0)
		return DNS_ERR_TRUNCATED;
	memcpy(cur, qname, strlen(qname) + 1);
	if ((hops = cname_chase(pkt, rrs, n, cur)) < 0)
		return -hops;
	ans->count = 0;
	for (i = 0; i < n && ans->count < EVDNS_MAX_ADDRS; i++) {
		if (rrs[i].type != qtype ||
		    strcasecmp(rrs[i].owner, cur) != 0 ||
		    answer_take(pkt, &rrs[i], ans) < 0)
			continue;
		if (rrs[i].ttl < minttl)
			minttl = rrs[i].ttl;
		ans->count++;
		if (qtype == EVDNS_TYPE_PTR)
			break;
	}
	if (ans->count > 0) {
		ans->ttl = (int)minttl;
		return DNS_ERR_NONE;
	}
	if (hops > 0) {
		memcpy(ans->follow, cur, strlen(cur) + 1);
		return EVDNS_ANSWER_CNAME;
	}
	return DNS_ERR_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Reverse-lookup names                                                */

void
evdns_reverse_v4_(char *buf, const struct in_addr *in)
{
	const unsigned char *a = (const unsigned char *)&in->s_addr;

	evutil_snprintf(buf, EVDNS_REVERSE_MAX, "%d.%d.%d.%d.in-addr.arpa",
	    a[3], a[2], a[1], a[0]);
}

void
evdns_reverse_v6_(char *buf, const struct in6_addr *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *a = (const unsigned char *)in;
	char *p = buf;
	int i;

	for (i = 15; i >= 0; i--) {
		*p++ = hex[a[i] & 0xf];
		*p++ = '.';
		*p++ = hex[a[i] >> 4];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", 9);
}
