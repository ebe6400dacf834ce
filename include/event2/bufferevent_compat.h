/*
 * event2/bufferevent_compat.h -- the 1.x bufferevent calls, as libevent 2.x
 * keeps them for old code.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * These are the same functions as in the 1.4 header <event.h>; both
 * headers may be included in one file, in either order.
 */
#ifndef EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;

/* The 1.x names of the BEV_EVENT_* bits. */
#ifndef EVBUFFER_READ
#define EVBUFFER_READ		0x01
#define EVBUFFER_WRITE		0x02
#define EVBUFFER_EOF		0x10
#define EVBUFFER_ERROR		0x20
#define EVBUFFER_TIMEOUT	0x40
#endif

/* The 1.x names of the callback types. */
#ifndef _EVENT_EVBUFFERCB_DEFINED
#define _EVENT_EVBUFFERCB_DEFINED
typedef void (*evbuffercb)(struct bufferevent *, void *);
typedef void (*everrorcb)(struct bufferevent *, short what, void *);
#endif

/*
 * A socket bufferevent on fd, on the default base of event_init() (move
 * it with bufferevent_base_set()).  Writing is enabled, reading is not.
 * The fd is not closed on free.  NULL when out of memory.
 */
struct bufferevent *bufferevent_new(evutil_socket_t fd,
    evbuffercb readcb, evbuffercb writecb, everrorcb errorcb, void *cbarg);

/* Inactivity timeouts in whole seconds (0: none). */
void bufferevent_settimeout(struct bufferevent *bufev,
    int timeout_read, int timeout_write);

/* The input and output buffers of a bufferevent. */
#ifndef EVBUFFER_INPUT
#define EVBUFFER_INPUT(x)	bufferevent_get_input(x)
#define EVBUFFER_OUTPUT(x)	bufferevent_get_output(x)
#endif

struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
