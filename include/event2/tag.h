/*
 * event2/tag.h -- tag/length/value marshalling into evbuffers, libevent
 * 2.x API (the same functions as 1.4's <event.h>, plus 64-bit integers,
 * whole buffers and bare headers).
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and the wire format match libevent 2.1; the text is ours.
 *
 * An item is TAG LENGTH PAYLOAD: the tag a base-128 varint, the length
 * and integer payloads in the nibble encoding (the first byte's high
 * nibble counts the value's hex digits less one, the digits follow, least
 * significant first).  Decoding never reads past the buffer; a malformed
 * or incomplete item fails with -1 and consumes nothing.  A well-formed
 * item with the wrong tag is consumed by the typed unmarshal calls, which
 * then fail.
 */
#ifndef EVENT2_TAG_H_INCLUDED_
#define EVENT2_TAG_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct timeval;

/* Nothing to set up; kept for programs that call it. */
void evtag_init(void);

/*
 * Take the header of the next item, whose payload must be in evbuf: the
 * tag into *ptag, the payload (left at the front) length returned.  -1,
 * nothing consumed, if the item is malformed or incomplete.
 */
int evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag);

void evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
    ev_uint32_t len);

/* An item whose payload is all of data (data is drained). */
void evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
    struct evbuffer *data);

/* A bare nibble-encoded number (no tag, no length). */
void evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number);
void evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number);

void evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint32_t integer);
void evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint64_t integer);
void evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
    const char *string);
void evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
    struct timeval *tv);

/* Take a whole item: its payload appended to dst, its length returned. */
int evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
    struct evbuffer *dst);
int evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag);
int evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength);
int evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength);
int evtag_consume(struct evbuffer *evbuf);

int evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint32_t *pinteger);
/* Numbers of up to 16 nibbles; the 32-bit call refuses more than 8. */
int evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint64_t *pinteger);
int evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
    void *data, size_t len);
/* *pstring: a NUL-terminated copy for the caller to free(). */
int evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
    char **pstring);
int evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
    struct timeval *ptv);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_TAG_H_INCLUDED_ */
