/*
 * event2/http_compat.h -- the deprecated HTTP calls libevent 2.x kept
 * from 1.4: a server and a client connection on the default base.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants match libevent 2.1; the text is ours.
 *
 * They are the functions <evhttp.h> declares.  In the 2.x view
 * evhttp_start() is the 2.x entry, like evhttp_new() (<event2/http.h>).
 */
#ifndef EVENT2_HTTP_COMPAT_H_INCLUDED_
#define EVENT2_HTTP_COMPAT_H_INCLUDED_

#include <event2/http.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A server on the current (default) base, bound to address:port; NULL
 * if the bind fails or without memory. */
struct evhttp *evhttp_start(const char *address, ev_uint16_t port);

/* A client connection on the current base (evhttp_connection_set_base
 * moves it); NULL for a NULL address or without memory. */
struct evhttp_connection *evhttp_connection_new(const char *address,
    ev_uint16_t port);

/* Move a connection that has no socket yet to base. */
void evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_COMPAT_H_INCLUDED_ */
