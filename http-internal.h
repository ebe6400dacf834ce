/*
 * http-internal.h -- what the files of the embedded HTTP server and
 * client share.  Not installed.  The tests include it for the 1.4 names
 * that evhttp.h does not declare and for the message parser.
 *
 *	http_parser.c	the wire grammar and the message parser: request,
 *			status and header lines, framing, chunks.  Works on
 *			an evbuffer, a request and a struct http_parser only.
 *	http_conn.c	a connection's socket, either side: reading,
 *			writing, timers, lingering close, destruction,
 *			running the parser; the 1.4 event callbacks and
 *			standalone parser entries.
 *	http_server.c	listeners, accepting, reading requests, dispatch
 *			to the callbacks.
 *	http_reply.c	the server's replies (whole, streamed, error pages).
 *	http_client.c	outgoing connections: connect, retries, requests,
 *			responses.
 *	http_util.c	request objects, header lists, URI and query
 *			helpers, HTML escaping, dates.
 *	http_api2.c	libevent 2.x: the *_2x entries, allowed methods,
 *			request accessors, ownership and callbacks.
 *	http_client2.c	2.x connections: evhttp_connection_base_new,
 *			lookups through an evdns_base, accessors.
 *	http_server2.c	2.x listeners (handles, evconnlistener) and
 *			server settings (timevals, Content-Type, flags).
 *	http_vhost.c	virtual hosts and server aliases.
 *
 * Functions shared between the files end in an underscore and are hidden
 * from the shared library's symbol table (EV_HIDDEN).
 */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "evhttp.h"
#include "evutil-internal.h"	/* socket calls and errors */

#ifndef EV_HIDDEN
#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif
#endif

/* What one call of a message parser found (names as in 1.4). */
enum message_read_status {
	ALL_DATA_READ = 1,
	MORE_DATA_EXPECTED = 0,
	DATA_CORRUPTED = -1,
	REQUEST_CANCELED = -2
};

/* Why a connection failed (names and values as in 1.4). */
enum evhttp_connection_error {
	EVCON_HTTP_TIMEOUT,
	EVCON_HTTP_EOF,
	EVCON_HTTP_INVALID_HEADER
};

/* Status codes evhttp.h (1.4) has no names for; 2.x names where it has. */
#ifndef HTTP_CONTINUE
#define HTTP_CONTINUE		100
#endif
#ifndef HTTP_ENTITYTOOLARGE
#define HTTP_ENTITYTOOLARGE	413
#endif
#ifndef HTTP_URITOOLONG
#define HTTP_URITOOLONG		414
#endif
#ifndef HTTP_EXPECTATIONFAILED
#define HTTP_EXPECTATIONFAILED	417
#endif
#ifndef HTTP_HEADERSTOOLARGE
#define HTTP_HEADERSTOOLARGE	431
#endif
#ifndef HTTP_INTERNAL
#define HTTP_INTERNAL		500
#endif
#ifndef HTTP_NOTIMPLEMENTED
#define HTTP_NOTIMPLEMENTED	501
#endif

/* Is this an interim (1xx) status? */
#define HTTP_STATUS_INTERIM(code) ((code) >= HTTP_CONTINUE && (code) < HTTP_OK)

/* Does a reply with this status carry no body (RFC 9110 6.4.1)? */
#define HTTP_STATUS_NOBODY(code) ((code) == HTTP_NOCONTENT || \
	(code) == HTTP_NOTMODIFIED || HTTP_STATUS_INTERIM(code))

/* Defaults. */
#define HTTP_SERVER_TIMEOUT	50	/* seconds, evhttp_set_timeout(-1) */
#define HTTP_CONNECT_TIMEOUT	45	/* client connect, seconds */
#define HTTP_READ_TIMEOUT	50	/* client read/write, seconds */
#define HTTP_MAX_HEADERS_SIZE	(64 * 1024)	/* request line + headers */
#define HTTP_MAX_HEADERS	128		/* header lines per request */
#define HTTP_MAX_BODY_SIZE	((ev_int64_t)64 * 1024 * 1024)
#define CLIENT_MAX_HEADERS_SIZE	(256 * 1024)	/* status line + headers */
#define CLIENT_MAX_HEADERS	512		/* header lines per response */
#define CLIENT_MAX_BODY_SIZE	HTTP_MAX_BODY_SIZE	/* buffered at once */
/* "No limit" on the head (evhttp_set_max_headers_size(-1)) still ends at
 * this size: memory is not infinite (431 above it). */
#define HTTP_HEAD_HARD_MAX	((ev_int64_t)16 * 1024 * 1024)
/* A request body must advance by this many bytes per timeout period. */
#define HTTP_BODY_MIN_BYTES	1024
#define HTTP_LINGER_SECS	2	/* then discard input this long */
#define HTTP_IDLE_TRIM_SECS	1	/* idle sweeps: release buffers */
#define HTTP_SPARES_MAX		32	/* finished requests a server keeps */
#define HTTP_OUTPUT_HIGH	(256 * 1024)	/* stop parsing above this */
#define HTTP_INPUT_HIGH		(256 * 1024)	/* stop reading above this
						   while not parsing */

/* ------------------------------------------------------------------ */
/* The message parser (http_parser.c)                                  */

/*
 * Where a message parser is.  The same parser reads requests (server
 * side) and responses (client side).
 */
enum http_parse_state {
	HP_FIRSTLINE,		/* waiting for the request or status line */
	HP_HEADERS,		/* header lines */
	HP_BODY_LENGTH,		/* body of known length: req->ntoread left */
	HP_BODY_EOF,		/* body until the peer closes */
	HP_CHUNK_SIZE,		/* chunk-size line */
	HP_CHUNK_DATA,		/* chunk data: req->ntoread left */
	HP_CHUNK_CRLF,		/* the CRLF after chunk data */
	HP_TRAILERS,		/* trailer lines after the last chunk */
	HP_DONE			/* the message is complete */
};

/* What the parser stopped at. */
enum http_parse_result {
	HTTP_PARSE_ERROR = -1,	/* refused: p->status is the status to answer */
	HTTP_PARSE_MORE,	/* all input used; the message goes on */
	HTTP_PARSE_AGAIN,	/* one step done (http_parser_step_ only) */
	HTTP_PARSE_HEAD,	/* head complete: framing and keep_alive set */
	HTTP_PARSE_CHUNK,	/* a chunk's data is complete in input_buffer */
	HTTP_PARSE_DONE		/* the message is complete */
};

/*
 * The state of one message being parsed.  The owner sets is_request, the
 * limits and peer_eof; http_parser_reset_() clears the rest for a new
 * message.  The message itself (method, URI, status, headers, body) goes
 * into the struct evhttp_request the parser is given.
 */
struct http_parser {
	enum http_parse_state state;
	int is_request;		/* requests (else responses) */
	int peer_eof;		/* no more input will come */
	int keep_alive;		/* out: the head allows another message */
	int status;		/* out: the HTTP status of an error */
	int nheaders;		/* header or trailer lines so far */
	int max_headers;	/* limit of nheaders */
	size_t header_bytes;	/* head bytes consumed so far */
	ev_int64_t max_head;	/* limit of header_bytes; < 0: none */
	ev_int64_t max_body;	/* body bytes; < 0: no limit */
	ev_int64_t body_read;	/* body bytes taken so far */
	size_t scanned;		/* input bytes known to hold no LF */
};

/* Start a new message (limits and is_request are kept). */
EV_HIDDEN void http_parser_reset_(struct http_parser *p);

/*
 * Consume what in holds of the message into req, stopping at the end of
 * the head, at the end of each chunk's data, at the end of the message,
 * when in is used up, or at an error.  Call again to go on.
 */
EV_HIDDEN enum http_parse_result http_parser_run_(struct http_parser *p,
    struct evhttp_request *req, struct evbuffer *in);

/* One step of http_parser_run_(): HTTP_PARSE_AGAIN if it may go on. */
EV_HIDDEN enum http_parse_result http_parser_step_(struct http_parser *p,
    struct evhttp_request *req, struct evbuffer *in);

/* The wire grammar, shared with the header and URI helpers. */
EV_HIDDEN size_t http_token_len_(const char *s);
EV_HIDDEN int http_hexval_(unsigned char c);
EV_HIDDEN int http_has_token_(const char *value, const char *token);
EV_HIDDEN int http_header_add_raw_(struct evkeyvalq *headers,
    const char *key, size_t klen, const char *value, size_t vlen);
struct evkeyval;
EV_HIDDEN int http_header_value_inline_(const struct evkeyval *header);
EV_HIDDEN void http_header_free_(struct evkeyval *header);
struct http_req;
EV_HIDDEN int http_header_add_spare_(struct http_req *r,
    struct evkeyvalq *headers, const char *key, size_t klen,
    const char *value, size_t vlen);
EV_HIDDEN void http_headers_keep_(struct http_req *r);
EV_HIDDEN void http_headers_spares_free_(struct http_req *r);

/*
 * Fill an entry of the one-allocation layout (the name and value right
 * after the struct; room for klen + vlen + 2 bytes) and append it.
 */
static inline void
http_header_fill_(struct evkeyvalq *headers, struct evkeyval *header,
    const char *key, size_t klen, const char *value, size_t vlen)
{
	char *s = (char *)(header + 1);

	memcpy(s, key, klen);
	s[klen] = '\0';
	memcpy(s + klen + 1, value, vlen);
	s[klen + 1 + vlen] = '\0';
	header->key = s;
	header->value = s + klen + 1;
	TAILQ_INSERT_TAIL(headers, header, next);
}

/* ------------------------------------------------------------------ */
/* Connections, servers, requests                                      */

/*
 * libevent 1.4.15's connection states, kept in evcon->state for programs
 * that read it (names and values as in 1.4).  The library itself works
 * from evcon->phase, which conn_set_phase_() mirrors into state.
 */
enum evhttp_connection_state {
	EVCON_DISCONNECTED,	/* not connected, not trying */
	EVCON_CONNECTING,	/* connect() in progress */
	EVCON_IDLE,		/* connected, nothing in progress */
	EVCON_READING_FIRSTLINE,	/* request or status line */
	EVCON_READING_HEADERS,
	EVCON_READING_BODY,
	EVCON_READING_TRAILER,	/* after the last chunk */
	EVCON_WRITING		/* a request or a reply is being written */
};

/* Where a connection is: our own, finer view (evcon->phase). */
enum conn_phase {
	CONN_DISCONNECTED,	/* client: no socket */
	CONN_CONNECTING,	/* client: connect() in progress */
	CONN_IDLE,		/* client: connected, nothing outstanding */
	CONN_READING,		/* parsing a request (server) or response */
	CONN_DISPATCHED,	/* server: the application holds the request */
	CONN_CLOSING,		/* flush the output, then close */
	CONN_LINGERING		/* output flushed; discard input a while */
};

/*
 * evcon->flags.  The low bits are 1.4's, with 1.4's meaning, for programs
 * that test them; the others are ours.
 */
#define EVHTTP_CON_INCOMING	0x0001	/* accepted by a server */
#define EVHTTP_CON_OUTGOING	0x0002	/* made by evhttp_connection_new() */
#define EVHTTP_CON_CLOSEDETECT	0x0004	/* idle client, watching for a close */
#define EVCON_INCOMING		EVHTTP_CON_INCOMING
#define EVCON_DEAD		0x0010	/* to be destroyed when not busy */
#define EVCON_READ_ADDED	0x0020	/* ev_read is pending */
#define EVCON_WRITE_ADDED	0x0040	/* ev_write is pending */
#define EVCON_PEER_EOF		0x0080	/* read() returned 0 */
#define EVCON_NOSEND		0x0100	/* fd is not a socket: use write() */
#define EVCON_ESTABLISHED	0x0200	/* client: the connect succeeded */
#define EVCON_USER_FREED	0x0400	/* evhttp_connection_free() called */
#define EVCON_RETRY_WAIT	0x0800	/* client: a reconnect is scheduled */
#define EVCON_PROCESSING	0x1000	/* server_process_() is running */
#define EVCON_WRITE_FAILED	0x2000	/* a write failed: output is dropped */
#define EVCON_CLOSECB_RUN	0x4000	/* server: the close callback ran */
#define EVCON_TRIM_MARK		0x8000	/* server: idle at the last sweep */
#define EVCON_IN_HANDLER	0x10000	/* server: its request callback runs */
#define EVCON_FREE_ON_DONE	0x20000	/* client: free once nothing is left */
#define EVCON_INPUT_BORROWED	0x40000	/* server: input_buffer's storage is
					   the server's scratch (http_conn.c) */

/* Work for ev_defer (evcon->pending): done from the loop. */
#define CONN_DEFER_DONE		0x01	/* server: the reply is complete */
#define CONN_DEFER_FAIL		0x02	/* a write failed */
#define CONN_DEFER_DRAINED	0x04	/* the output was written */

/*
 * A connection, either side.  It starts with the members of libevent
 * 1.4.15's struct evhttp_connection, with their types, order and meaning
 * (daemons copied 1.4's private header and read them: the output queued
 * for a slow subscriber, the state, the peer); our own members follow.
 * http/connection_layout checks the offsets.
 */
struct evhttp_connection {
	/* --- libevent 1.4.15's members --- */
	TAILQ_ENTRY(evhttp_connection) next;	/* in http->connections */
	int fd;					/* the socket; -1: none */
	union {					/* 1.4: ev */
		struct event ev;
		struct event ev_read;	/* EV_READ|EV_PERSIST: input, close */
	};
	union {					/* 1.4: close_ev */
		struct event close_ev;
		struct event ev_write;	/* EV_WRITE|EV_PERSIST: output waits */
	};
	struct evbuffer *input_buffer;		/* read, not yet parsed */
	struct evbuffer *output_buffer;		/* queued for the peer */
	char *bind_address;			/* client: local address */
	unsigned short bind_port;		/* client: local port */
	char *address;				/* peer, numeric or a name */
	unsigned short port;
	int flags;				/* EVHTTP_CON_*, EVCON_* */
	int timeout;				/* seconds; -1: defaults */
	int retry_cnt;				/* client: failed attempts */
	int retry_max;
	enum evhttp_connection_state state;	/* 1.4's view of phase */
	struct evhttp *http_server;		/* server connections */
	/* Requests: server: the one being read or held by the app (or
	 * replied, until the loop finishes it); client: queued, the first
	 * is the one in progress. */
	TAILQ_HEAD(evcon_requestq, evhttp_request) requests;
	/* evhttp_write_buffer(): called once the output is written (1.4's
	 * connection callback). */
	void (*cb)(struct evhttp_connection *, void *);
	void *cb_arg;
	void (*closecb)(struct evhttp_connection *, void *);
	void *closecb_arg;
	struct event_base *base;

	/* --- ours --- */
	enum conn_phase phase;
	int busy;		/* > 0 while our code runs on this connection */
	int pending;		/* CONN_DEFER_* work queued on ev_defer */
	struct event ev_timer;			/* timeouts, retries, linger */
	struct event ev_defer;			/* activated, never added */

	int connect_errno;		/* client: connect() failed at once */
	ev_int64_t max_headers_size;		/* < 0: no limit */
	ev_int64_t max_body_size;		/* < 0: no limit */

	struct http_parser parser;		/* the message being read */
	ev_int64_t body_mark;	/* server: body bytes when the timer ran */
	int keep_alive;				/* after this exchange */
	int reply_chunked;			/* server: streaming chunked */
	int reply_head;				/* server: reply without body */
	int reply_started;			/* server: streaming started */

	/* 2.x client state (http_client2.c). */
	struct evdns_base *dns_base;	/* resolve names through it */
	struct http_lookup *lookup;	/* a name lookup under way */
	int family;			/* AF_UNSPEC, AF_INET or AF_INET6 */
	int timeout_us;		/* the microseconds of the I/O timeout */
	struct timeval retry_tv;	/* first retry delay; 0: 2 s */
	struct sockaddr_storage *peer_addr;	/* for get_addr */
	socklen_t reuse_len;		/* peer_addr: the last connect's */
	int con_flags;			/* evhttp_connection_set_flags */
};

struct evhttp_cb {
	TAILQ_ENTRY(evhttp_cb) next;
	char *what;
	size_t what_len;	/* strlen(what), for the per-request match */
	void (*cb)(struct evhttp_request *req, void *);
	void *cbarg;
};

struct evhttp_bound_socket {
	TAILQ_ENTRY(evhttp_bound_socket) next;
	struct event ev;
	struct event ev_pause;		/* out of fds: accept again later */
	int fd;
	struct evhttp *http;
	struct evconnlistener *listener;	/* evhttp_bind_listener */
};

struct evhttp {
	TAILQ_HEAD(, evhttp_bound_socket) sockets;
	TAILQ_HEAD(httpcbq, evhttp_cb) callbacks;
	TAILQ_HEAD(evconq, evhttp_connection) connections;

	int timeout;
	ev_int64_t max_headers_size;		/* < 0: no limit */
	ev_int64_t max_body_size;		/* < 0: no limit */
	int view2x;		/* made by the 2.x evhttp_new: req->type in
				   bits, 501 for a refused method */
	unsigned allowed_methods;		/* HTTP_M_* */
	int timeout_us;		/* evhttp_set_timeout_tv: microseconds */
	int flags;		/* evhttp_set_flags */
	int ctype_set;		/* evhttp_set_default_content_type ran */
	char *default_ctype;	/* its value; NULL: none */

	/* Virtual hosts (http_vhost.c): the servers whose callbacks serve
	 * the Host names they match, and this server's own names. */
	TAILQ_HEAD(, evhttp) vhosts;
	TAILQ_ENTRY(evhttp) next_vhost;		/* in parent->vhosts */
	struct evhttp *parent;		/* a virtual host's server */
	char *vhost_pattern;
	TAILQ_HEAD(, http_alias) aliases;

	void (*gencb)(struct evhttp_request *req, void *);
	void *gencbarg;

	struct event_base *base;
	struct event trim_ev;		/* sweeps idle connections' buffers */
	int trim_armed;			/* trim_ev is pending */

	/* Finished requests kept for the next ones (server_recycle_request):
	 * shared by all its connections, most recent first, at most
	 * HTTP_SPARES_MAX. */
	TAILQ_HEAD(, evhttp_request) spares;
	int nspares;

	/* Read storage its connections' empty inputs borrow while what
	 * arrived is processed (http_conn.c, f), and who has it now. */
	unsigned char *scratch;
	struct evhttp_connection *scratch_user;

	/* The Date header line ("Date: ...\r\n"), rebuilt once a second. */
	time_t date_when;
	size_t date_len;	/* 0: not built yet */
	char date[48];
};

/*
 * The library's view of a request: the public struct plus private state.
 * Requests are only ever allocated by evhttp_request_new(), so the public
 * part can be embedded first.
 */
struct http_req {
	struct evhttp_request pub;
	struct evkeyvalq in_headers;
	struct evkeyvalq out_headers;
	int handed;		/* server: the application holds it */
	int replied;		/* server: its reply is complete; the loop
				   finishes it (it stays valid until then) */
	/* Detached during its connection's close callback: the list it
	 * waits in (evhttp_request_free() takes it out). */
	struct evcon_requestq *orphans;
	/* A recycled server request's last reason phrase, for the next
	 * reply that uses the same one (set_response). */
	char *old_reason;
	/* Its last request target, and the bytes that buffer holds, for the
	 * next target that fits (parse_request_line). */
	char *old_uri;
	size_t old_uri_size;
	size_t host_size;	/* the bytes remote_host's buffer holds */
	/* A recycled request's parsed header entries, for the next parse
	 * (http_headers_keep_). */
	struct evkeyvalq spare_headers;
	unsigned nspare_headers;
	int view2x;		/* req->type holds 2.x's bits (see below) */
	struct http_req_ext *ext;	/* 2.x state; NULL until used */
};

#define REQ_PRIV(r)	((struct http_req *)(r))

/*
 * The methods as bits: libevent 2.x's EVHTTP_REQ_* values.  The library
 * files see 1.4's enum (GET 0, POST 1, HEAD 2), so they use these.
 * req->type holds the 1.4 value for GET, POST and HEAD when the request
 * was made through a 1.4 entry (evhttp_new, evhttp_make_request), the
 * bit otherwise; REQ_PRIV(req)->view2x says which.  The method is read
 * back from req->type (http_req_bit_) because 1.4 programs set the
 * field themselves.
 */
#define HTTP_M_GET	0x001
#define HTTP_M_POST	0x002
#define HTTP_M_HEAD	0x004
#define HTTP_M_PUT	0x008
#define HTTP_M_DELETE	0x010
#define HTTP_M_OPTIONS	0x020
#define HTTP_M_TRACE	0x040
#define HTTP_M_CONNECT	0x080
#define HTTP_M_PATCH	0x100
#define HTTP_M_ALL	0x1ff
#define HTTP_M_14	(HTTP_M_GET | HTTP_M_POST | HTTP_M_HEAD)
/* What a server allows unless told otherwise (as 2.1). */
#define HTTP_M_DEFAULT_2X	(HTTP_M_14 | HTTP_M_PUT | HTTP_M_DELETE)

#define HTTP_M_BAD	0x8000	/* http_method_parse_(): not a token */

/* http_parser.c: the method's bit; 0 for a token that names none. */
EV_HIDDEN unsigned http_method_parse_(const char *s, size_t len);
/* The method's name ("GET" for an unknown one). */
EV_HIDDEN const char *http_method_name_(unsigned method);

/* req->type for a method: 1.4's value for GET, POST, HEAD in the 1.4
 * view, the bit otherwise. */
static inline int
http_method_type_(unsigned method, int view2x)
{
	if (view2x)
		return (int)method;
	switch (method) {
	case HTTP_M_GET:
		return 0;
	case HTTP_M_POST:
		return 1;
	case HTTP_M_HEAD:
		return 2;
	default:
		return (int)method;
	}
}

static inline void
http_req_set_method_(struct evhttp_request *req, unsigned method, int view2x)
{
	REQ_PRIV(req)->view2x = view2x;
	req->type = (enum evhttp_cmd_type)http_method_type_(method, view2x);
}

/* The method of req as a bit. */
static inline unsigned
http_req_bit_(const struct evhttp_request *req)
{
	int t = (int)req->type;

	if (REQ_PRIV(req)->view2x || t > 2)
		return (unsigned)t;
	return t == 0 ? HTTP_M_GET : t == 1 ? HTTP_M_POST : HTTP_M_HEAD;
}

/* http_api2.c: the 2.x request state and callbacks. */
EV_HIDDEN unsigned http_req_method_(const struct evhttp_request *req);
EV_HIDDEN void http_req_ext_free_(struct evhttp_request *req);
EV_HIDDEN int http_req_refused_(struct evhttp_connection *evcon,
    struct evhttp_request *req);
EV_HIDDEN void http_req_complete_(struct evhttp_request *req);
EV_HIDDEN void http_req_error_(struct evhttp_request *req, int error);
EV_HIDDEN int http_req_header_cb_(struct evhttp_request *req);
EV_HIDDEN int http_req_user_owned_(const struct evhttp_request *req);
/* The library is done with req: free it unless the program owns it. */
EV_HIDDEN void http_req_release_(struct evhttp_request *req);
/* http_req_error_()'s error beside enum evhttp_connection_error's (whose
 * values are 2.x's EVREQ_HTTP_* ones). */
#define HTTP_REQ_CANCELLED	4	/* EVREQ_HTTP_REQUEST_CANCEL */

/* http_client.c and http_client2.c: connecting. */
struct addrinfo;
EV_HIDDEN int client_connect_ai_(struct evhttp_connection *evcon,
    const struct addrinfo *ai);
EV_HIDDEN void client_connect_failed_(struct evhttp_connection *evcon);
EV_HIDDEN int client_is_numeric_(const char *address);
EV_HIDDEN int client_lookup_(struct evhttp_connection *evcon);
EV_HIDDEN void client_lookup_cancel_(struct evhttp_connection *evcon);
EV_HIDDEN void client_remember_addr_(struct evhttp_connection *evcon);
EV_HIDDEN int client_reuse_addr_(struct evhttp_connection *evcon);

/* http_client.c: the entry both evhttp_make_request()s end in. */
EV_HIDDEN int client_make_request_(struct evhttp_connection *evcon,
    struct evhttp_request *req, unsigned method, int view2x,
    const char *uri);


/* Set or clear the 1.4 one-bit "chunked" field (a signed bitfield). */
#define REQ_SET_CHUNKED(r, v)	((r)->chunked = (v) ? -1 : 0)

/* http_util.c */
EV_HIDDEN int http_uri_is_safe_(const char *uri);
/* Is s a reason phrase: HTAB, SP, VCHAR, obs-text (RFC 9112 4)?  Inline:
 * every reply checks its phrase. */
static inline int
http_reason_is_safe_(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	}
	return 1;
}
EV_HIDDEN const char *http_reason_phrase_(int code);
EV_HIDDEN int http_buf_add_header_(struct evbuffer *buf, const char *key,
    const char *value);
EV_HIDDEN void http_format_date_(time_t t, char *out, size_t outlen);

/* http_conn.c: a connection and its socket. */
#define CONN_ENTER(evcon)	((evcon)->busy++)
EV_HIDDEN int conn_leave_(struct evhttp_connection *evcon);
EV_HIDDEN struct evhttp_connection *conn_alloc_(struct event_base *base);
EV_HIDDEN void conn_attach_events_(struct evhttp_connection *evcon,
    struct event_base *base);
EV_HIDDEN void conn_attach_event_(struct event_base *base, struct event *ev);
EV_HIDDEN void conn_run_pending_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_closing_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_idle_(struct evhttp_connection *evcon);
EV_HIDDEN int conn_is_idle_(const struct evhttp_connection *evcon);
EV_HIDDEN int conn_holds_buffers_(const struct evhttp_connection *evcon);
EV_HIDDEN void conn_trim_(struct evhttp_connection *evcon);
EV_HIDDEN int conn_return_input_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_set_fd_events_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_del_fd_events_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_set_timer_(struct evhttp_connection *evcon, int secs);
EV_HIDDEN void conn_clear_timer_(struct evhttp_connection *evcon);
EV_HIDDEN int conn_io_timeout_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_kill_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_destroy_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_flush_(struct evhttp_connection *evcon);
EV_HIDDEN void conn_send_body_(struct evhttp_connection *evcon,
    struct evbuffer *body);
EV_HIDDEN int conn_can_send_now_(const struct evhttp_connection *evcon);
EV_HIDDEN void conn_send_direct_(struct evhttp_connection *evcon,
    const char *head, size_t hlen, struct evbuffer *body);
EV_HIDDEN void conn_update_read_(struct evhttp_connection *evcon);
EV_HIDDEN enum http_parse_result conn_parse_(struct evhttp_connection *evcon,
    struct evhttp_request *req);

/* 1.4's name for where the connection is (evcon->state). */
static inline enum evhttp_connection_state
conn_public_state_(const struct evhttp_connection *evcon)
{
	switch (evcon->phase) {
	case CONN_DISCONNECTED:
		return EVCON_DISCONNECTED;
	case CONN_CONNECTING:
		return EVCON_CONNECTING;
	case CONN_IDLE:
		return EVCON_IDLE;
	case CONN_READING:
		/* A client writes its request first. */
		if (!(evcon->flags & EVCON_INCOMING) &&
		    evcon->output_buffer->off > 0)
			return EVCON_WRITING;
		switch (evcon->parser.state) {
		case HP_FIRSTLINE:
			return EVCON_READING_FIRSTLINE;
		case HP_HEADERS:
			return EVCON_READING_HEADERS;
		case HP_TRAILERS:
			return EVCON_READING_TRAILER;
		default:
			return EVCON_READING_BODY;
		}
	default:
		/* The reply is being produced or written, or the close. */
		return EVCON_WRITING;
	}
}

/* Keep 1.4's evcon->state in step with what changed. */
static inline void
conn_sync_state_(struct evhttp_connection *evcon)
{
	evcon->state = conn_public_state_(evcon);
}

/* Move to phase, keeping 1.4's state and CLOSEDETECT bit in step. */
static inline void
conn_set_phase_(struct evhttp_connection *evcon, enum conn_phase phase)
{
	evcon->phase = phase;
	if (phase == CONN_IDLE)
		evcon->flags |= EVHTTP_CON_CLOSEDETECT;
	else
		evcon->flags &= ~EVHTTP_CON_CLOSEDETECT;
	conn_sync_state_(evcon);
}

/*
 * Queue work for ev_defer's callback, which runs from the loop right
 * after the current callback (event_active makes no system call).  Work
 * queued while the connection's own request callback runs is done when
 * that callback returns (server_dispatch), which is the same moment.
 */
static inline void
conn_defer_(struct evhttp_connection *evcon, int work)
{
	if (evcon->pending == 0 && !(evcon->flags & EVCON_IN_HANDLER))
		event_active(&evcon->ev_defer, EV_TIMEOUT, 1);
	evcon->pending |= work;
}

/* The Content-Type of a reply body that has none (NULL: add none). */
static inline const char *
server_content_type_(const struct evhttp *http)
{
	if (http == NULL || !http->ctype_set)
		return "text/html; charset=ISO-8859-1";
	return http->default_ctype;
}

/* http_vhost.c: the server whose callbacks serve req (http, which has
 * virtual hosts, or one of them, by the request's host). */
EV_HIDDEN struct evhttp *server_pick_host_(struct evhttp *http,
    struct evhttp_request *req);
/* Detach http from its parent, free its virtual hosts and aliases. */
EV_HIDDEN void server_vhosts_free_(struct evhttp *http);

/* http_server.c and http_server2.c: listeners. */
EV_HIDDEN struct evhttp_bound_socket *server_accept_socket_(
	struct evhttp *http, int fd);
EV_HIDDEN struct evhttp_bound_socket *server_bind_socket_(struct evhttp *http,
    const char *address, unsigned short port);
EV_HIDDEN void server_bound_free_(struct evhttp_bound_socket *bound);

/* http_server.c and http_reply.c */
EV_HIDDEN void server_process_(struct evhttp_connection *evcon);
EV_HIDDEN void server_reply_done_(struct evhttp_connection *evcon);
EV_HIDDEN void server_drop_requests_(struct evhttp_connection *evcon);
EV_HIDDEN void server_trim_soon_(struct evhttp *http);
EV_HIDDEN void server_write_head_(struct evhttp_connection *evcon,
    struct evhttp_request *req, ev_int64_t body_len);
EV_HIDDEN void server_send_page_(struct evhttp_request *req, int code,
    const char *reason, const char *body_fmt, const char *arg);

/* http_client.c */
EV_HIDDEN void client_process_(struct evhttp_connection *evcon);
EV_HIDDEN void client_fail_(struct evhttp_connection *evcon,
    enum evhttp_connection_error error);
EV_HIDDEN void client_connect_done_(struct evhttp_connection *evcon);
EV_HIDDEN void client_timeout_(struct evhttp_connection *evcon);
EV_HIDDEN int client_write_head_(struct evhttp_connection *evcon,
    struct evhttp_request *req, size_t *blenp);

/* Exported for evrpc (1.4 exported it too). */
void evhttp_connection_fail(struct evhttp_connection *evcon,
    enum evhttp_connection_error error);

/*
 * Exported but not declared in evhttp.h, with their 1.4 signatures: old
 * programs and tests declare them themselves.  Meanings where they are
 * defined.
 */
enum message_read_status evhttp_parse_firstline(struct evhttp_request *,
    struct evbuffer *);
enum message_read_status evhttp_parse_headers(struct evhttp_request *,
    struct evbuffer *);
void evhttp_connection_reset(struct evhttp_connection *);
int evhttp_connection_connect(struct evhttp_connection *);
void evhttp_start_read(struct evhttp_connection *);
void evhttp_make_header(struct evhttp_connection *, struct evhttp_request *);
void evhttp_write_buffer(struct evhttp_connection *,
    void (*)(struct evhttp_connection *, void *), void *);
void evhttp_response_code(struct evhttp_request *, int, const char *);
void evhttp_send_page(struct evhttp_request *, struct evbuffer *);
void evhttp_get_request(struct evhttp *, int, struct sockaddr *, socklen_t);
int evhttp_hostportfile(char *, char **, unsigned short *, char **);
void evhttp_read(int, short, void *);
void evhttp_write(int, short, void *);
size_t _event_strlcpy(char *, const char *, size_t);

#endif /* HTTP_INTERNAL_H */
