/*
 * regress_http2.h -- what the 2.x HTTP case files share
 * (regress_http2_server.c): a 2.x-view server on a loopback port whose
 * handler records the request through the accessors and answers
 * "cmd=N", and a raw exchange with it.
 */
#ifndef REGRESS_HTTP2_H
#define REGRESS_HTTP2_H

#include <stddef.h>

struct event_base;
struct evhttp;

/* A 2.x-view server (evhttp_new_2x) on a fresh 127.0.0.1 port. */
struct evhttp *h2_server(struct event_base *base, unsigned short *port);

/* Send msg on a new connection, read until the server closes (3 s at
 * most, else the case fails); the reply's status, its text in out. */
int h2_ask(struct event_base *base, unsigned short port, const char *msg,
    char *out, size_t outlen);

/* evhttp_request_get_host() of the last request h2_server answered. */
const char *h2_last_host(void);

#endif /* REGRESS_HTTP2_H */
