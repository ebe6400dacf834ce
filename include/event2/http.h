/*
 * event2/http.h -- embedded HTTP, libevent 2.x API: servers, requests
 * and their accessors, client connections, the URI object and the
 * encoding helpers.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * The 2.x and 1.4 (<evhttp.h>) calls work on the same objects.  Where
 * the two APIs differ, the first of the two headers a translation unit
 * includes decides: after this one, the methods are 2.x's bits
 * (EVHTTP_REQ_GET 1, POST 2, HEAD 4, PUT 8, ...), evhttp_set_cb() and
 * evhttp_parse_query() return int, and evhttp_new() and
 * evhttp_make_request() are the 2.x entries (they map to *_2x symbols);
 * after <evhttp.h>, 1.4's enum (GET 0, POST 1, HEAD 2) and calls stand
 * and this header adds the calls 1.4 lacks.  docs/COMPAT.md has the
 * details and what is not here yet.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_
#define EVENT2_HTTP_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evkeyvalq;
struct evbuffer;
struct event_base;
struct evdns_base;
struct evhttp;
struct evhttp_request;
struct evhttp_connection;
struct evhttp_bound_socket;
struct evconnlistener;
struct sockaddr;
struct timeval;

/* Response codes (1.4's, and those 2.x added). */
#ifndef HTTP_OK
#define HTTP_OK			200
#define HTTP_NOCONTENT		204
#define HTTP_MOVEPERM		301
#define HTTP_MOVETEMP		302
#define HTTP_NOTMODIFIED	304
#define HTTP_BADREQUEST		400
#define HTTP_NOTFOUND		404
#define HTTP_SERVUNAVAIL	503
#endif
#define HTTP_BADMETHOD		405
#define HTTP_NOTIMPLEMENTED	501
#ifndef HTTP_ENTITYTOOLARGE
#define HTTP_ENTITYTOOLARGE	413
#endif
#ifndef HTTP_EXPECTATIONFAILED
#define HTTP_EXPECTATIONFAILED	417
#endif
#ifndef HTTP_INTERNAL
#define HTTP_INTERNAL		500
#endif

#ifndef _EVHTTP_H_
/* The methods, as bits (evhttp_set_allowed_methods takes a set). */
enum evhttp_cmd_type {
	EVHTTP_REQ_GET = 1 << 0,
	EVHTTP_REQ_POST = 1 << 1,
	EVHTTP_REQ_HEAD = 1 << 2,
	EVHTTP_REQ_PUT = 1 << 3,
	EVHTTP_REQ_DELETE = 1 << 4,
	EVHTTP_REQ_OPTIONS = 1 << 5,
	EVHTTP_REQ_TRACE = 1 << 6,
	EVHTTP_REQ_CONNECT = 1 << 7,
	EVHTTP_REQ_PATCH = 1 << 8
};

/* The 2.x entries of calls whose 1.4 form differs (see the top). */
#define evhttp_new		evhttp_new_2x
#define evhttp_start		evhttp_start_2x
#define evhttp_set_cb		evhttp_set_cb_2x
#define evhttp_parse_query	evhttp_parse_query_2x
#define evhttp_make_request	evhttp_make_request_2x

/*
 * Path callbacks: 0, -1 without memory, -2 if the path has one already.
 * The other 1.4 calls keep their 1.4 declarations in <evhttp.h>; these
 * are the same functions.
 */
int evhttp_set_cb(struct evhttp *http, const char *path,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg);

/* Parse the query of uri (after its first '?') into headers, values
 * decoded: 0, or -1 with headers empty for a piece without '='. */
int evhttp_parse_query(const char *uri, struct evkeyvalq *headers);
#endif /* !_EVHTTP_H_ */

/* Why a client request failed (the error callback's argument). */
enum evhttp_request_error {
	EVREQ_HTTP_TIMEOUT,
	EVREQ_HTTP_EOF,
	EVREQ_HTTP_INVALID_HEADER,
	EVREQ_HTTP_BUFFER_ERROR,
	EVREQ_HTTP_REQUEST_CANCEL,
	EVREQ_HTTP_DATA_TOO_LONG
};

/* ------------------------------------------------------------------ */
/* Servers                                                             */

/* A server on base, without listeners; NULL without memory.  In this
 * view (2.x first) it allows GET, POST, HEAD, PUT and DELETE. */
struct evhttp *evhttp_new(struct event_base *base);
void evhttp_free(struct evhttp *http);
int evhttp_bind_socket(struct evhttp *http, const char *address,
    ev_uint16_t port);
int evhttp_accept_socket(struct evhttp *http, evutil_socket_t fd);
int evhttp_del_cb(struct evhttp *http, const char *path);
void evhttp_set_gencb(struct evhttp *http,
    void (*cb)(struct evhttp_request *, void *), void *arg);
void evhttp_set_timeout(struct evhttp *http, int timeout_in_secs);
void evhttp_set_max_headers_size(struct evhttp *http,
    ev_ssize_t max_headers_size);
void evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size);

/*
 * The methods the server serves (EVHTTP_REQ_* bits; 2.x's values in
 * every view).  Another method, or one no enum names, is answered "501
 * Not Implemented" (as 2.1) and the connection closes.
 */
void evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods);

/* A listener of the server, with its handle; NULL on failure. */
struct evhttp_bound_socket *evhttp_bind_socket_with_handle(
	struct evhttp *http, const char *address, ev_uint16_t port);
struct evhttp_bound_socket *evhttp_accept_socket_with_handle(
	struct evhttp *http, evutil_socket_t fd);
/* Serve what listener accepts (its callback is replaced). */
struct evhttp_bound_socket *evhttp_bind_listener(struct evhttp *http,
    struct evconnlistener *listener);
evutil_socket_t evhttp_bound_socket_get_fd(
	struct evhttp_bound_socket *bound);
/* The listener of evhttp_bind_listener(); NULL for the others. */
struct evconnlistener *evhttp_bound_socket_get_listener(
	struct evhttp_bound_socket *bound);
/* Stop listening on it and close it (a listener is freed); the
 * connections it accepted go on. */
void evhttp_del_accept_socket(struct evhttp *http,
    struct evhttp_bound_socket *bound_socket);
typedef void evhttp_bound_socket_foreach_fn(struct evhttp_bound_socket *,
    void *);
/* Call function for each listener (it may delete the one it gets). */
void evhttp_foreach_bound_socket(struct evhttp *http,
    evhttp_bound_socket_foreach_fn *function, void *argument);

/*
 * Virtual hosts: vhost (a server of its own from evhttp_new(), without
 * listeners) serves with its callbacks the requests to http whose host
 * matches pattern ('*' any run, '?' one character, case ignored) or one
 * of vhost's aliases.  http frees its virtual hosts with it.  0, or -1.
 */
int evhttp_add_virtual_host(struct evhttp *http, const char *pattern,
    struct evhttp *vhost);
int evhttp_remove_virtual_host(struct evhttp *http, struct evhttp *vhost);
/* Another name of http (requests for it skip the virtual hosts). */
int evhttp_add_server_alias(struct evhttp *http, const char *alias);
int evhttp_remove_server_alias(struct evhttp *http, const char *alias);

/* The I/O timeout of new connections; NULL: the default (50 s). */
void evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv);

/* The Content-Type of replies with a body and none of their own
 * (default "text/html; charset=ISO-8859-1"); NULL: add none. */
void evhttp_set_default_content_type(struct evhttp *http,
    const char *content_type);

/* Read and drop what a refused request still sends before closing (our
 * server always does: the flag is accepted and kept). */
#define EVHTTP_SERVER_LINGERING_CLOSE	0x0001
/* 0, or -1 for an unknown flag. */
int evhttp_set_flags(struct evhttp *http, int flags);

/* Replies, as in <evhttp.h>. */
void evhttp_send_error(struct evhttp_request *req, int error,
    const char *reason);
void evhttp_send_reply(struct evhttp_request *req, int code,
    const char *reason, struct evbuffer *databuf);
void evhttp_send_reply_start(struct evhttp_request *req, int code,
    const char *reason);
void evhttp_send_reply_chunk(struct evhttp_request *req,
    struct evbuffer *databuf);
void evhttp_send_reply_end(struct evhttp_request *req);
/* A chunk; cb(connection, arg) runs once it is written (a later chunk's
 * callback replaces one that has not run yet). */
void evhttp_send_reply_chunk_with_cb(struct evhttp_request *req,
    struct evbuffer *databuf,
    void (*cb)(struct evhttp_connection *, void *), void *arg);

/* ------------------------------------------------------------------ */
/* Requests                                                            */

struct evhttp_request *evhttp_request_new(
	void (*cb)(struct evhttp_request *, void *), void *arg);
void evhttp_request_free(struct evhttp_request *req);
void evhttp_request_set_chunked_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *));

/*
 * Client: called once the response's head is read, before its body; a
 * result below 0 cancels the request (its connection is reset, the
 * error callback gets EVREQ_HTTP_REQUEST_CANCEL).
 */
void evhttp_request_set_header_cb(struct evhttp_request *req,
    int (*cb)(struct evhttp_request *, void *));

/* Client: called (with the request's callback argument) when the
 * request fails, before its callback runs with NULL. */
void evhttp_request_set_error_cb(struct evhttp_request *req,
    void (*cb)(enum evhttp_request_error, void *));

/* Called when the request is done: a client's after its response was
 * read, a server's after its reply was written. */
void evhttp_request_set_on_complete_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg);

/* Client: the library does not free the request after its callback;
 * the program frees it with evhttp_request_free(). */
void evhttp_request_own(struct evhttp_request *req);
int evhttp_request_is_owned(struct evhttp_request *req);

/*
 * Client: withdraw a queued or running request: no callback of it runs
 * any more and it is freed (unless owned); a running one resets its
 * connection, which goes on with the next queued request.
 */
void evhttp_cancel_request(struct evhttp_request *req);

/* The request's parts; NULL (0 for the code) where it has none. */
const char *evhttp_request_get_uri(const struct evhttp_request *req);
/* The request URI parsed (nonconformant bytes accepted); NULL when it
 * does not parse or without memory.  Owned by the request. */
const struct evhttp_uri *evhttp_request_get_evhttp_uri(
	const struct evhttp_request *req);
/* The method in req->type's encoding (see <event2/http_struct.h>). */
enum evhttp_cmd_type evhttp_request_get_command(
	const struct evhttp_request *req);
int evhttp_request_get_response_code(const struct evhttp_request *req);
const char *evhttp_request_get_response_code_line(
	const struct evhttp_request *req);
struct evkeyvalq *evhttp_request_get_input_headers(
	struct evhttp_request *req);
struct evkeyvalq *evhttp_request_get_output_headers(
	struct evhttp_request *req);
struct evbuffer *evhttp_request_get_input_buffer(struct evhttp_request *req);
struct evbuffer *evhttp_request_get_output_buffer(
	struct evhttp_request *req);
/*
 * The host the request is for: the URI's host, else the Host header
 * without its port (lowercased copies owned by the request), else,
 * for a client request, the connection's peer address.
 */
const char *evhttp_request_get_host(struct evhttp_request *req);
struct evhttp_connection *evhttp_request_get_connection(
	struct evhttp_request *req);

/* ------------------------------------------------------------------ */
/* Client connections                                                  */

/*
 * A client connection to address:port on base.  With dnsbase, a name
 * is resolved through it without blocking; without, numeric addresses
 * only are resolved at once and names with the system resolver (which
 * blocks, as 1.4).  NULL for a NULL address or without memory.
 */
struct evhttp_connection *evhttp_connection_base_new(
	struct event_base *base, struct evdns_base *dnsbase,
	const char *address, ev_uint16_t port);
void evhttp_connection_free(struct evhttp_connection *evcon);

/* Free the connection once its last request is done (now if none). */
void evhttp_connection_free_on_completion(struct evhttp_connection *evcon);

struct event_base *evhttp_connection_get_base(
	struct evhttp_connection *evcon);
/* A server connection's server; NULL for a client connection. */
struct evhttp *evhttp_connection_get_server(
	struct evhttp_connection *evcon);
/* The peer's address while connected; NULL otherwise. */
const struct sockaddr *evhttp_connection_get_addr(
	struct evhttp_connection *evcon);
/* AF_INET, AF_INET6 or AF_UNSPEC (the default): which addresses a name
 * may resolve to, from the next connect on. */
void evhttp_connection_set_family(struct evhttp_connection *evcon,
    int family);

void evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address);
void evhttp_connection_set_local_port(struct evhttp_connection *evcon,
    ev_uint16_t port);
void evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs);
/*
 * evhttp_connection_set_flags(): connect again to the address of the
 * last successful connect instead of resolving the name again; the
 * lingering close (our server connections always linger; accepted and
 * kept).  0, or -1 for another flag: EVHTTP_CON_READ_ON_WRITE_ERROR
 * (read a response after a failed write) is not implemented.
 */
#define EVHTTP_CON_REUSE_CONNECTED_ADDR	0x0008
#define EVHTTP_CON_READ_ON_WRITE_ERROR	0x0010
#define EVHTTP_CON_LINGERING_CLOSE	0x0020
#define EVHTTP_CON_PUBLIC_FLAGS_END	0x100000
int evhttp_connection_set_flags(struct evhttp_connection *evcon, int flags);

/* Connect and I/O timeout with microseconds; NULL: the defaults. */
void evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
    const struct timeval *tv);
/* The first retry's delay (default 2 s); each retry doubles it. */
void evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
    const struct timeval *tv);
void evhttp_connection_set_retries(struct evhttp_connection *evcon,
    int retry_max);
void evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_headers_size);
void evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_body_size);
void evhttp_connection_set_closecb(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg);
void evhttp_connection_get_peer(struct evhttp_connection *evcon,
    char **address, ev_uint16_t *port);

/* Queue req for uri with this method (a single EVHTTP_REQ_* of the
 * view): 0, or -1 for a bad argument (req is then not taken). */
int evhttp_make_request(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri);

/* ------------------------------------------------------------------ */
/* Headers and helpers, as in <evhttp.h>                               */

const char *evhttp_find_header(const struct evkeyvalq *headers,
    const char *key);
int evhttp_remove_header(struct evkeyvalq *headers, const char *key);
int evhttp_add_header(struct evkeyvalq *headers, const char *key,
    const char *value);
void evhttp_clear_headers(struct evkeyvalq *headers);
char *evhttp_encode_uri(const char *str);
char *evhttp_decode_uri(const char *uri);
char *evhttp_htmlescape(const char *html);

/*
 * A URI split into its raw components (RFC 3986; nothing is decoded):
 * scheme, userinfo, host (an IPv6 address keeps its brackets), port (-1
 * when absent), path ("" when empty), query and fragment (NULL when
 * absent).
 */
struct evhttp_uri;

/* Accept any byte but NUL in the path, query and fragment (the '?' and
 * '#' that separate them excepted), for clients that send such URIs. */
#define EVHTTP_URI_NONCONFORMANT 0x01

/* An empty URI (port -1); NULL without memory. */
struct evhttp_uri *evhttp_uri_new(void);
/* EVHTTP_URI_* flags for the setters that follow. */
void evhttp_uri_set_flags(struct evhttp_uri *uri, unsigned flags);

const char *evhttp_uri_get_scheme(const struct evhttp_uri *uri);
const char *evhttp_uri_get_userinfo(const struct evhttp_uri *uri);
const char *evhttp_uri_get_host(const struct evhttp_uri *uri);
int evhttp_uri_get_port(const struct evhttp_uri *uri);
const char *evhttp_uri_get_path(const struct evhttp_uri *uri);
const char *evhttp_uri_get_query(const struct evhttp_uri *uri);
const char *evhttp_uri_get_fragment(const struct evhttp_uri *uri);

/*
 * Set a component to a copy of the text (NULL: none), checked by the
 * parser's rules; port: -1 (none) to 65535.  0, or -1 (unchanged) for a
 * value the component cannot hold or no memory.
 */
int evhttp_uri_set_scheme(struct evhttp_uri *uri, const char *scheme);
int evhttp_uri_set_userinfo(struct evhttp_uri *uri, const char *userinfo);
int evhttp_uri_set_host(struct evhttp_uri *uri, const char *host);
int evhttp_uri_set_port(struct evhttp_uri *uri, int port);
int evhttp_uri_set_path(struct evhttp_uri *uri, const char *path);
int evhttp_uri_set_query(struct evhttp_uri *uri, const char *query);
int evhttp_uri_set_fragment(struct evhttp_uri *uri, const char *fragment);

/* Parse an absolute URI or a relative reference; NULL if it is not one
 * (see the rules at the top of http_uri.c) or without memory. */
struct evhttp_uri *evhttp_uri_parse_with_flags(const char *source_uri,
    unsigned flags);
struct evhttp_uri *evhttp_uri_parse(const char *source_uri);

void evhttp_uri_free(struct evhttp_uri *uri);

/* The URI as text into buf (limit bytes with the NUL): buf, or NULL if
 * it does not fit or the components do not make a URI. */
char *evhttp_uri_join(struct evhttp_uri *uri, char *buf, size_t limit);

/*
 * A malloc'd copy of str[0..size) (size -1: its whole length) with every
 * byte but ALPHA, DIGIT, "-", ".", "_" and "~" as %XX (a space as '+'
 * with space_to_plus).  NULL without memory.
 */
char *evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus);

/* A malloc'd copy of uri with %XX decoded ('+' as a space with
 * decode_plus); its length, NULs included, in *size_out if not NULL. */
char *evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out);

/*
 * Parse a query ("a=1&b=2", without the '?') into headers, keys and
 * values decoded.  0, or -1 with headers empty for a piece without '='
 * or with an empty key.
 */
int evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_H_INCLUDED_ */
