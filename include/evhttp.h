/*
 * evhttp.h -- the relevent embedded HTTP server and client.
 *
 * relevent is a clean-room implementation of the libevent 1.4 API.  The
 * names, signatures, constants and the layout of struct evhttp_request
 * match libevent 1.4.15 so that programs written for it build unchanged;
 * the implementation and this text are our own.
 *
 * Server side: evhttp_new() makes a server on a base, evhttp_bind_socket()
 * or evhttp_accept_socket() gives it listeners, evhttp_set_cb() and
 * evhttp_set_gencb() route requests by path to callbacks, and each
 * callback answers with evhttp_send_reply() (or the streaming trio
 * evhttp_send_reply_start/_chunk/_end, or evhttp_send_error()).  The
 * library frees the request once the reply is complete.
 *
 * Client side: evhttp_connection_new() names a peer, evhttp_request_new()
 * makes a request with a completion callback, evhttp_make_request() queues
 * it.  Requests on one connection are sent one after another and the
 * connection is kept alive between them when both sides allow it.
 */
#ifndef _EVHTTP_H_
#define _EVHTTP_H_

#include <event.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef WIN32
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#undef WIN32_LEAN_AND_MEAN
#endif

/* Response codes. */
#define HTTP_OK			200
#define HTTP_NOCONTENT		204
#define HTTP_MOVEPERM		301
#define HTTP_MOVETEMP		302
#define HTTP_NOTMODIFIED	304
#define HTTP_BADREQUEST		400
#define HTTP_NOTFOUND		404
#define HTTP_SERVUNAVAIL	503

struct evhttp;
struct evhttp_request;
struct evkeyvalq;

/*
 * Create a server whose connections live on base (NULL: the default base).
 * It has no listener until evhttp_bind_socket() or evhttp_accept_socket().
 * NULL on failure.
 */
struct evhttp *evhttp_new(struct event_base *base);

/*
 * Listen on address:port (a numeric IPv4 or IPv6 address, or a host name)
 * and accept connections.  May be called several times.  0 or -1.
 */
int evhttp_bind_socket(struct evhttp *http, const char *address,
    unsigned short port);

/*
 * Accept connections on fd, a socket that already listens (TCP over IPv4
 * or IPv6, or AF_UNIX).  The server owns fd from now on and closes it in
 * evhttp_free().  0 or -1.
 */
int evhttp_accept_socket(struct evhttp *http, int fd);

/*
 * Free the server: close its listeners and connections, free the requests
 * the application still holds from it, and forget the callbacks.
 */
void evhttp_free(struct evhttp* http);

/*
 * Call cb(req, cbarg) for requests whose path (the URI up to '?') equals
 * path exactly.  The first registration of a path wins.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_	/* there: 2.x's int evhttp_set_cb */
void evhttp_set_cb(struct evhttp *, const char *,
    void (*)(struct evhttp_request *, void *), void *);
#endif

/* Remove the callback registered for exactly this path.  0, or -1. */
int evhttp_del_cb(struct evhttp *, const char *);

/* Callback for requests no path callback matched (default: a 404 page). */
void evhttp_set_gencb(struct evhttp *,
    void (*)(struct evhttp_request *, void *), void *);

/*
 * Close connections that take too long: an idle connection after this
 * many seconds, a request whose head has not arrived this long after its
 * first byte, a body that advances by less than 1 KiB in a period this
 * long, a reply that cannot be written for this long.  No timeout runs
 * while the application holds a request.  Applies to connections accepted
 * afterwards (evhttp_connection_set_timeout(req->evcon, ...) changes one).
 * -1: the default (50 s); 0: no timeout.
 */
void evhttp_set_timeout(struct evhttp *, int timeout_in_secs);

/*
 * Limits (beyond 1.4, as in libevent 2.x), for the server's connections,
 * open ones included.  A request whose request line and headers together
 * exceed max_headers_size bytes is answered 431 (414 if the request line
 * alone does); a body longer than max_body_size is answered 413.
 * Defaults 64 KiB and 64 MiB.  A negative value removes the limit; the
 * head still ends at 16 MiB (431), as memory is not infinite.
 */
#ifndef ev_ssize_t
#define ev_ssize_t ssize_t
#endif
void evhttp_set_max_headers_size(struct evhttp *http,
    ev_ssize_t max_headers_size);
void evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size);

/* ------------------------------------------------------------ */
/* Replies (server side).                                        */

/*
 * Send an HTML error page with this code and reason and close the
 * connection afterwards.  The request is freed once the caller returns to
 * the loop.
 */
void evhttp_send_error(struct evhttp_request *req, int error,
    const char *reason);

/*
 * Send a complete reply.  databuf (may be NULL) is the body; it is drained
 * but stays owned by the caller.  The request stays valid until the
 * caller returns to the loop, which then frees it.  A reason phrase with
 * CR, LF or another control byte is replaced by the standard one.
 */
void evhttp_send_reply(struct evhttp_request *req, int code,
    const char *reason, struct evbuffer *databuf);

/*
 * Streaming replies: send the status line and headers now (chunked to an
 * HTTP/1.1 client), then each piece of body as it is produced, then the
 * end.  Each chunk is written to the socket when it is sent; what the
 * socket cannot take yet waits in order.  After send_reply_end the library
 * frees the request once the caller returns to the loop.  After the close
 * callback of its connection (the client left), a chunk is ignored and
 * send_reply_end just frees the request.
 */
void evhttp_send_reply_start(struct evhttp_request *, int, const char *);
void evhttp_send_reply_chunk(struct evhttp_request *, struct evbuffer *);
void evhttp_send_reply_end(struct evhttp_request *);

/* Deprecated: evhttp_new(NULL) plus evhttp_bind_socket().  NULL on error. */
struct evhttp *evhttp_start(const char *address, unsigned short port);

/* ------------------------------------------------------------ */
/* Requests.                                                     */

/*
 * The methods 1.4 knows, with 1.4's values.  When <event2/http.h> came
 * first its bit-flag enum (GET 1, POST 2, HEAD 4, PUT 8, ...) stands
 * instead: the first header of a translation unit decides.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_
enum evhttp_cmd_type { EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_HEAD };
#endif

/*
 * The struct evhttp_request body (1.4.15's layout) and enum
 * evhttp_request_kind are in <event2/http_struct.h>, which this header
 * includes with the enum above in force.
 */
#include <event2/http_struct.h>

/*
 * A new request with empty header lists and buffers; cb(req, arg) runs
 * when its response has arrived (client side).  NULL on failure.
 */
struct evhttp_request *evhttp_request_new(
	void (*cb)(struct evhttp_request *, void *), void *arg);

/*
 * Have cb(req, arg) called for each piece of a response body as it
 * arrives, with input_buffer holding just that piece (drained afterwards).
 */
void evhttp_request_set_chunked_cb(struct evhttp_request *,
    void (*cb)(struct evhttp_request *, void *));

/* Free a request the library does not own (see evhttp_make_request). */
void evhttp_request_free(struct evhttp_request *req);

/* The connection a request belongs to, or NULL once it is detached. */
struct evhttp_connection *evhttp_request_get_connection(
	struct evhttp_request *req);

/* ------------------------------------------------------------ */
/* Client connections.                                           */

/*
 * A connection to address:port, not yet connected (it connects when the
 * first request is made).  address is a numeric IPv4/IPv6 address or a
 * name, resolved (blocking) when connecting.  NULL on failure.
 */
struct evhttp_connection *evhttp_connection_new(
	const char *address, unsigned short port);

/* Bind the local side to this address (or port) before connecting. */
void evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address);
void evhttp_connection_set_local_port(struct evhttp_connection *evcon,
    unsigned short port);

/*
 * Free the connection: run the close callback if it was connected, free
 * its queued requests without calling their callbacks, close the socket.
 */
void evhttp_connection_free(struct evhttp_connection *evcon);

/* Connect, read and write timeout in seconds (-1: defaults; 0: none). */
void evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs);

/*
 * How many times a failed connect is retried (with waits of 2, 4, 8 ...
 * seconds) before the queued requests fail.  0 (default): none; -1: forever.
 */
void evhttp_connection_set_retries(struct evhttp_connection *evcon,
    int retry_max);

/*
 * Limits on what is read on the connection (beyond 1.4, as in libevent
 * 2.x): the status line and headers of a response together, and the body
 * buffered at once (the whole body, or one chunk when a chunk callback
 * takes each piece).  A response past either fails: its request's
 * callback gets NULL.  Defaults 256 KiB and 64 MiB; a negative value
 * removes a limit (the head still ends at 16 MiB).  On a server
 * connection (req->evcon) they limit the requests read on it instead.
 */
void evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_headers_size);
void evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_body_size);

/*
 * cb(evcon, arg) runs whenever an established connection is closed: a
 * client connection when it is reset or freed; a server connection
 * (req->evcon) exactly once when it ends, whatever ends it (the client
 * leaving, a timeout, evhttp_connection_free, evhttp_free, the close
 * after a reply), from the loop, after its requests were detached.
 */
void evhttp_connection_set_closecb(struct evhttp_connection *evcon,
    void (*)(struct evhttp_connection *, void *), void *);

/* Use this base instead of the default one (before any request). */
void evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base);

/* The peer's address string (owned by the connection) and port. */
void evhttp_connection_get_peer(struct evhttp_connection *evcon,
    char **address, unsigned short *port);

/*
 * Queue req on the connection, which takes ownership of it, and connect
 * if needed.  The request's callback runs with the response.  0, or -1 if
 * the request could not be queued (it then stays the caller's): uri empty
 * or holding white space or control bytes, an address that does not
 * resolve, no socket.
 */
int evhttp_make_request(struct evhttp_connection *evcon,
    struct evhttp_request *req,
    enum evhttp_cmd_type type, const char *uri);

/* The raw request URI, query included. */
const char *evhttp_request_uri(struct evhttp_request *req);

/* ------------------------------------------------------------ */
/* Headers and helpers.                                          */

/* Value of the first header named key (any case), or NULL. */
const char *evhttp_find_header(const struct evkeyvalq *, const char *);

/* Remove the first header named key.  0, or -1 if there is none. */
int evhttp_remove_header(struct evkeyvalq *, const char *);

/*
 * Append a copy of key: value.  -1 (nothing added) if the key is empty or
 * not a header token, or if the value has CR or LF other than 1.4's
 * continuation form (CR LF followed by SP or HTAB), which is stored
 * unfolded: each such fold becomes one SP.
 */
int evhttp_add_header(struct evkeyvalq *, const char *, const char *);

/* Free every entry of the list (not the list head). */
void evhttp_clear_headers(struct evkeyvalq *);

/*
 * A malloc'd copy of uri with every byte outside A-Z a-z 0-9 and
 * ! $ ' ( ) * + , - . / : = @ _ ~ written as %XX.  NULL on failure.
 */
char *evhttp_encode_uri(const char *uri);

/*
 * A malloc'd copy of uri with %XX decoded, and '+' turned into a space
 * once a '?' has been seen.  NULL on failure.
 */
char *evhttp_decode_uri(const char *uri);

/*
 * Fill headers (initialized first) with the key=value pairs after the
 * first '?' of uri.  Values are decoded, keys are not.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_	/* there: 2.x's int evhttp_parse_query */
void evhttp_parse_query(const char *uri, struct evkeyvalq *);
#endif

/* A malloc'd copy of html with < > " ' & escaped.  NULL on failure. */
char *evhttp_htmlescape(const char *html);

#ifdef __cplusplus
}
#endif

#endif /* _EVHTTP_H_ */
