/*
 * event_tagging.c -- tag/length/value marshalling into evbuffers (evtag).
 *
 * The byte format is libevent's (see docs/COMPAT.md for the rules):
 *
 *   item := TAG LENGTH PAYLOAD[LENGTH]
 *
 * TAG is an unsigned base-128 varint, least significant group first, bit 7
 * set on every byte but the last.  LENGTH and integer payloads use the
 * "nibble" encoding of encode_int(): the high nibble of the first byte is
 * the count of value nibbles minus one, followed by the value's hex digits,
 * least significant first, packed low nibble / high nibble.
 *
 * Decoding works in place on the contiguous evbuffer data and checks every
 * byte it touches against the buffer end.  A malformed item (unterminated
 * varint, a tag wider than 32 bits, a length field that runs off the
 * buffer, a payload longer than what is left) fails with -1 and consumes
 * nothing.  No scratch buffer is needed, so evtag_init() is a no-op kept
 * for compatibility and everything works without calling it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event2/tag.h"
#include "mm-internal.h"

/* The helpers 1.4 exported without declaring them (its tests use them). */
int evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag);
int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf);
int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf);

/* Longest encodings of a 32-bit tag and of a 32- and 64-bit nibble
 * integer (16 nibbles: the count field's whole range). */
#define TAG_MAXLEN	5
#define INT_MAXLEN	5
#define INT64_MAXLEN	9

void
evtag_init(void)
{
	/* Nothing to set up: decoding needs no scratch buffer. */
}

/*
 * Encode number into out, whose first `clear` bytes (INT_MAXLEN or
 * INT64_MAXLEN, enough for the number) are zeroed first; returns the byte
 * count.  Inlined with a constant `clear`, so the 32-bit path costs what
 * it did before 64-bit numbers existed.
 */
static inline size_t
nibble_encode(unsigned char *out, ev_uint64_t number, size_t clear)
{
	size_t nibbles = 0, slot;

	memset(out, 0, clear);
	/* Value nibbles go into slots 1..k, least significant first. */
	for (slot = 1; number != 0; slot++, nibbles++) {
		unsigned char d = number & 0x0f;
		if (slot & 1)
			out[slot / 2] |= d;
		else
			out[slot / 2] |= (unsigned char)(d << 4);
		number >>= 4;
	}
	/* Slot 0, the high nibble of byte 0: count - 1 (0 for zero). */
	if (nibbles > 0)
		out[0] |= (unsigned char)((nibbles - 1) << 4);
	return (nibbles + 2) / 2;
}

/* Encode number into out (INT_MAXLEN bytes); returns the byte count. */
static size_t
int_encode(unsigned char *out, ev_uint32_t number)
{
	return nibble_encode(out, number, INT_MAXLEN);
}

/* The same for 64 bits (INT64_MAXLEN bytes). */
static size_t
int_encode64(unsigned char *out, ev_uint64_t number)
{
	return nibble_encode(out, number, INT64_MAXLEN);
}

/*
 * Decode a nibble integer of at most maxnib nibbles (8: 32 bits, 16: 64
 * bits) from data[0..len).  Returns the bytes it occupies, or -1 if it is
 * malformed, wider, or does not fit in len.
 */
static inline int
int_decode_n(ev_uint64_t *pnumber, const unsigned char *data, size_t len,
    size_t maxnib)
{
	size_t n, need, slot;
	ev_uint64_t v = 0;

	if (len < 1)
		return -1;
	n = (size_t)(data[0] >> 4) + 1;
	if (n > maxnib)
		return -1;
	need = n / 2 + 1;
	if (len < need)
		return -1;
	for (slot = n; slot >= 1; slot--) {
		unsigned char b = data[slot / 2];
		v = (v << 4) |
		    (ev_uint64_t)((slot & 1) ? (b & 0x0f) : (b >> 4));
	}
	if (pnumber != NULL)
		*pnumber = v;
	return (int)need;
}

static int
int_decode(ev_uint32_t *pnumber, const unsigned char *data, size_t len)
{
	ev_uint64_t v;
	int n = int_decode_n(&v, data, len, 8);

	if (n >= 0 && pnumber != NULL)
		*pnumber = (ev_uint32_t)v;
	return n;
}

/* Encode tag as a varint into out (TAG_MAXLEN bytes); the byte count. */
static size_t
tag_encode(unsigned char *out, ev_uint32_t tag)
{
	size_t n = 0;

	do {
		unsigned char b = tag & 0x7f;
		tag >>= 7;
		if (tag != 0)
			b |= 0x80;
		out[n++] = b;
	} while (tag != 0);
	return n;
}

/*
 * Decode a varint tag from data[0..len).  Returns the bytes used, or -1
 * when the buffer ends before the last byte or the value needs more than
 * 32 bits.
 */
static int
tag_decode(ev_uint32_t *ptag, const unsigned char *data, size_t len)
{
	ev_uint32_t v = 0;
	size_t i;

	for (i = 0; i < len && i < TAG_MAXLEN; i++) {
		unsigned char b = data[i];
		ev_uint32_t group = b & 0x7f;
		/* The fifth group may carry only the top 4 bits. */
		if (i == TAG_MAXLEN - 1 && (b & 0xf0) != 0)
			return -1;
		v |= group << (7 * i);
		if ((b & 0x80) == 0) {
			if (ptag != NULL)
				*ptag = v;
			return (int)(i + 1);
		}
	}
	return -1;
}

/*
 * Parse the header of the item at the front of evbuf without consuming it.
 * Fills the tag, the header size (tag + length bytes) and the payload
 * length.  0 or -1.  Does not check that the payload is all there.
 */
static int
header_decode(struct evbuffer *evbuf, ev_uint32_t *ptag, size_t *phdr,
    ev_uint32_t *plen)
{
	const unsigned char *data = evbuf->buffer;
	size_t len = evbuf->off;
	int t, l;

	t = tag_decode(ptag, data, len);
	if (t < 0)
		return -1;
	l = int_decode(plen, data + t, len - (size_t)t);
	if (l < 0)
		return -1;
	*phdr = (size_t)t + (size_t)l;
	return 0;
}

/*
 * Like header_decode(), and the whole payload must be in the buffer.
 * Returns a pointer to the payload, or NULL.
 */
static const unsigned char *
item_decode(struct evbuffer *evbuf, ev_uint32_t *ptag, size_t *phdr,
    ev_uint32_t *plen)
{
	if (header_decode(evbuf, ptag, phdr, plen) == -1)
		return NULL;
	/* hdr <= off here; compare without adding. */
	if (*plen > evbuf->off - *phdr)
		return NULL;
	return evbuf->buffer + *phdr;
}

/* Append tag as a varint (evbuf may be NULL).  Returns its byte count. */
int
evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag)
{
	unsigned char out[TAG_MAXLEN];
	size_t n = tag_encode(out, tag);

	if (evbuf != NULL)
		evbuffer_add(evbuf, out, n);
	return (int)n;
}

/* Take a varint tag off the front.  Bytes consumed, or -1 (nothing taken). */
int
evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf)
{
	int n = tag_decode(ptag, evbuf->buffer, evbuf->off);

	if (n > 0)
		evbuffer_drain(evbuf, (size_t)n);
	return n;
}

/* Take a nibble integer off the front.  0, or -1 (nothing taken). */
int
evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf)
{
	int n = int_decode(pnumber, evbuf->buffer, evbuf->off);

	if (n < 0)
		return -1;
	evbuffer_drain(evbuf, (size_t)n);
	return 0;
}

/* Append number in the nibble encoding (1 to 5 bytes). */
void
encode_int(struct evbuffer *evbuf, ev_uint32_t number)
{
	unsigned char out[INT_MAXLEN];

	evbuffer_add(evbuf, out, int_encode(out, number));
}

/* Append TAG LENGTH; the payload follows. */
static void
header_encode(struct evbuffer *evbuf, ev_uint32_t tag, ev_uint32_t len)
{
	unsigned char out[TAG_MAXLEN + INT_MAXLEN];
	size_t n = tag_encode(out, tag);

	n += int_encode(out + n, len);
	evbuffer_add(evbuf, out, n);
}

/* Append TAG LENGTH DATA. */
void
evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
    ev_uint32_t len)
{
	header_encode(evbuf, tag, len);
	evbuffer_add(evbuf, data, len);
}

/* Append an item whose payload is the nibble encoding of integer. */
void
evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint32_t integer)
{
	unsigned char out[INT_MAXLEN];
	size_t n = int_encode(out, integer);

	header_encode(evbuf, tag, (ev_uint32_t)n);
	evbuffer_add(evbuf, out, n);
}

/* Append an item holding the string's bytes without its NUL. */
void
evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
    const char *string)
{
	size_t len = strlen(string);

	/* Lengths are 32-bit on the wire. */
	if (len > 0xffffffffUL)
		len = 0xffffffffUL;
	evtag_marshal(buf, tag, string, (ev_uint32_t)len);
}

/* Append an item holding INT(tv_sec) INT(tv_usec), each cut to 32 bits. */
void
evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
    struct timeval *tv)
{
	unsigned char out[2 * INT_MAXLEN];
	size_t n;

	/* Each field is truncated to 32 bits, as in libevent. */
	n = int_encode(out, (ev_uint32_t)tv->tv_sec);
	n += int_encode(out + n, (ev_uint32_t)tv->tv_usec);
	header_encode(evbuf, tag, (ev_uint32_t)n);
	evbuffer_add(evbuf, out, n);
}

/* Decode the next tag without consuming it.  Its byte count, or -1. */
int
evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	return tag_decode(ptag, evbuf->buffer, evbuf->off);
}

/*
 * Total size of the next item (tag + length field + payload), whether or
 * not the payload is all there yet.  0 or -1.
 */
int
evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (header_decode(evbuf, &tag, &hdr, &len) == -1)
		return -1;
	/* The total must fit the 32-bit out-parameter. */
	if (len > 0xffffffffUL - hdr)
		return -1;
	*plength = (ev_uint32_t)(hdr + len);
	return 0;
}

/* Payload length of the next item.  0 or -1. */
int
evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (header_decode(evbuf, &tag, &hdr, &len) == -1)
		return -1;
	*plength = len;
	return 0;
}

/* Skip one complete item.  0, or -1 (nothing consumed). */
int
evtag_consume(struct evbuffer *evbuf)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (item_decode(evbuf, &tag, &hdr, &len) == NULL)
		return -1;
	evbuffer_drain(evbuf, hdr + len);
	return 0;
}

/*
 * Take one complete item, append its payload to dst.  Returns the payload
 * length, or -1 with nothing consumed.
 */
int
evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
    struct evbuffer *dst)
{
	const unsigned char *payload;
	ev_uint32_t tag, len;
	size_t hdr;

	payload = item_decode(src, &tag, &hdr, &len);
	if (payload == NULL || len > INT_MAX)
		return -1;
	if (dst != NULL && evbuffer_add(dst, payload, len) == -1)
		return -1;
	if (ptag != NULL)
		*ptag = tag;
	evbuffer_drain(src, hdr + len);
	return (int)len;
}

/*
 * Shared front of the typed unmarshal functions: a complete item must be
 * at the front of evbuf.  A well-formed item is consumed even when its tag
 * is not need_tag (the caller then fails), as in libevent; a malformed one
 * is left in place.
 */
static const unsigned char *
typed_item(struct evbuffer *evbuf, ev_uint32_t need_tag, size_t *phdr,
    ev_uint32_t *plen, int *tag_ok)
{
	const unsigned char *payload;
	ev_uint32_t tag;

	payload = item_decode(evbuf, &tag, phdr, plen);
	if (payload != NULL)
		*tag_ok = (tag == need_tag);
	return payload;
}

/* Take an int item tagged need_tag.  0 or -1. */
int
evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint32_t *pinteger)
{
	const unsigned char *payload;
	ev_uint32_t len, v;
	size_t hdr;
	int ok, n;

	payload = typed_item(evbuf, need_tag, &hdr, &len, &ok);
	if (payload == NULL)
		return -1;
	/* Surplus payload bytes are ignored; a short payload fails. */
	n = ok ? int_decode(&v, payload, len) : -1;
	evbuffer_drain(evbuf, hdr + len);
	if (n < 0)
		return -1;
	*pinteger = v;
	return 0;
}

/* Take an item tagged need_tag whose payload is exactly len bytes.  0 or -1. */
int
evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
    void *data, size_t len)
{
	const unsigned char *payload;
	ev_uint32_t plen;
	size_t hdr;
	int ok;

	payload = typed_item(src, need_tag, &hdr, &plen, &ok);
	if (payload == NULL)
		return -1;
	ok = ok && plen == len;
	if (ok && len > 0)
		memcpy(data, payload, len);
	evbuffer_drain(src, hdr + plen);
	return ok ? 0 : -1;
}

/*
 * Take a string item tagged need_tag; *pstring gets a calloc'd
 * NUL-terminated copy for the caller to free.  0 or -1.
 */
int
evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
    char **pstring)
{
	const unsigned char *payload;
	ev_uint32_t len;
	size_t hdr;
	char *s = NULL;
	int ok;

	payload = typed_item(evbuf, need_tag, &hdr, &len, &ok);
	if (payload == NULL)
		return -1;
	if (ok) {
#if SIZE_MAX <= 0xffffffffUL
		/* len + 1 must not wrap a 32-bit size_t. */
		if ((size_t)len >= SIZE_MAX)
			return -1;
#endif
		s = mm_calloc((size_t)len + 1, 1);
		if (s == NULL)
			return -1;	/* left in place: may be retried */
		memcpy(s, payload, len);
	}
	evbuffer_drain(evbuf, hdr + len);
	if (!ok)
		return -1;
	*pstring = s;
	return 0;
}

/* Take a timeval item tagged need_tag.  0 or -1. */
int
evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
    struct timeval *ptv)
{
	const unsigned char *payload;
	ev_uint32_t len, sec = 0, usec = 0;
	size_t hdr;
	int ok, n = -1, m = -1;

	payload = typed_item(evbuf, need_tag, &hdr, &len, &ok);
	if (payload == NULL)
		return -1;
	if (ok) {
		n = int_decode(&sec, payload, len);
		if (n >= 0)
			m = int_decode(&usec, payload + n, len - (size_t)n);
	}
	evbuffer_drain(evbuf, hdr + len);
	if (n < 0 || m < 0)
		return -1;
	ptv->tv_sec = sec;
	ptv->tv_usec = usec;
	return 0;
}

/* ------------------------------------------------------------------ */
/* libevent 2.x additions (event2/tag.h)                               */

/* encode_int() under its 2.x name. */
void
evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number)
{
	unsigned char out[INT_MAXLEN];

	evbuffer_add(evbuf, out, int_encode(out, number));
}

void
evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number)
{
	unsigned char out[INT64_MAXLEN];

	evbuffer_add(evbuf, out, int_encode64(out, number));
}

void
evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint64_t integer)
{
	unsigned char out[INT64_MAXLEN];
	size_t n = int_encode64(out, integer);

	header_encode(evbuf, tag, (ev_uint32_t)n);
	evbuffer_add(evbuf, out, n);
}

/* Append TAG LENGTH and all of data, which is drained. */
void
evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
    struct evbuffer *data)
{
	size_t len = EVBUFFER_LENGTH(data);

	/* Lengths are 32-bit on the wire: a larger buffer is refused. */
	if (len > 0xffffffffUL)
		return;
	header_encode(evbuf, tag, (ev_uint32_t)len);
	evbuffer_add_buffer(evbuf, data);
}

/*
 * Take the header of the next item, whose payload must be all there.
 * Returns the payload length (the payload is left at the front), or -1
 * with nothing consumed.
 */
int
evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (item_decode(evbuf, &tag, &hdr, &len) == NULL || len > INT_MAX)
		return -1;
	if (ptag != NULL)
		*ptag = tag;
	evbuffer_drain(evbuf, hdr);
	return (int)len;
}

/* Take a 64-bit int item tagged need_tag.  0 or -1. */
int
evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint64_t *pinteger)
{
	const unsigned char *payload;
	ev_uint32_t len;
	ev_uint64_t v;
	size_t hdr;
	int ok, n;

	payload = typed_item(evbuf, need_tag, &hdr, &len, &ok);
	if (payload == NULL)
		return -1;
	n = ok ? int_decode_n(&v, payload, len, 16) : -1;
	evbuffer_drain(evbuf, hdr + len);
	if (n < 0)
		return -1;
	*pinteger = v;
	return 0;
}
