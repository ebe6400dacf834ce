/*
 * http-internal.h -- private structures of the embedded HTTP server and
 * client (http.c).  Not installed.  Only http.c and the tests include it.
 */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <time.h>

#include "event.h"
#include "evhttp.h"

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

/* Defaults. */
#define HTTP_SERVER_TIMEOUT	50	/* seconds, evhttp_set_timeout(-1) */
#define HTTP_CONNECT_TIMEOUT	45	/* client connect, seconds */
#define HTTP_READ_TIMEOUT	50	/* client read/write, seconds */
#define HTTP_MAX_HEADERS_SIZE	(64 * 1024)	/* request line + headers */
#define HTTP_MAX_HEADERS	128		/* header lines per message */
#define HTTP_MAX_BODY_SIZE	((ev_int64_t)64 * 1024 * 1024)
#define HTTP_LINGER_SECS	2	/* discard input this long after an error */
#define HTTP_OUTPUT_HIGH	(256 * 1024)	/* stop parsing above this */

/*
 * Where a connection's message parser is.  The same parser reads requests
 * (server side) and responses (client side).
 */
enum http_parse_state {
	HP_FIRSTLINE,		/* waiting for the request or status line */
	HP_HEADERS,		/* header lines */
	HP_BODY_LENGTH,		/* body of known length: ntoread left */
	HP_BODY_EOF,		/* body until the peer closes */
	HP_CHUNK_SIZE,		/* chunk-size line */
	HP_CHUNK_DATA,		/* chunk data: ntoread left */
	HP_CHUNK_CRLF,		/* the CRLF after chunk data */
	HP_TRAILERS,		/* trailer lines after the last chunk */
	HP_DONE			/* the message is complete */
};

/* Connection states. */
enum evcon_state {
	EVCON_DISCONNECTED,	/* client: no socket */
	EVCON_CONNECTING,	/* client: connect() in progress */
	EVCON_IDLE,		/* connected, nothing outstanding */
	EVCON_READING,		/* parsing a request (server) or response */
	EVCON_DISPATCHED,	/* server: the application holds the request */
	EVCON_CLOSING,		/* flush the output, then close */
	EVCON_LINGERING		/* output flushed; discard input a while */
};

/* evcon->flags */
#define EVCON_INCOMING		0x0001	/* accepted by a server */
#define EVCON_OUTGOING		0x0002	/* client connection */
#define EVCON_DEAD		0x0004	/* to be destroyed when not busy */
#define EVCON_READ_ADDED	0x0008	/* ev_read is pending */
#define EVCON_WRITE_ADDED	0x0010	/* ev_write is pending */
#define EVCON_PEER_EOF		0x0020	/* read() returned 0 */
#define EVCON_NOSEND		0x0040	/* fd is not a socket: use write() */
#define EVCON_ESTABLISHED	0x0080	/* client: the connect succeeded */
#define EVCON_USER_FREED	0x0100	/* evhttp_connection_free() was called */
#define EVCON_RETRY_WAIT	0x0200	/* client: a reconnect is scheduled */
#define EVCON_PROCESSING	0x0400	/* server_process() is running */

struct evhttp_connection {
	TAILQ_ENTRY(evhttp_connection) next;	/* in http->connections */

	int fd;
	int flags;				/* EVCON_* */
	enum evcon_state state;
	int busy;		/* > 0 while our code runs on this connection */

	struct event ev_read;			/* EV_READ|EV_PERSIST */
	struct event ev_write;			/* EV_WRITE|EV_PERSIST */
	struct event ev_timer;			/* timeouts, retries, linger */

	struct evbuffer *input;			/* bytes read, not yet parsed */
	struct evbuffer *output;		/* bytes waiting for the socket */

	char *address;				/* peer, as a string */
	unsigned short port;
	char *bind_address;			/* client: local address */
	unsigned short bind_port;

	int timeout;				/* seconds; -1: defaults */
	int retry_cnt;				/* client: failed attempts */
	int retry_max;
	int connect_errno;			/* client: connect() failed at once */

	/* Parser state for the message being read. */
	enum http_parse_state pstate;
	size_t header_bytes;			/* head bytes consumed so far */
	int nheaders;
	ev_int64_t body_read;			/* body bytes taken so far */
	int keep_alive;				/* after this exchange */
	int reply_chunked;			/* server: streaming chunked */
	int reply_head;				/* server: reply without body */
	int reply_started;			/* server: streaming started */

	/* Requests: server: the one being read or held by the app;
	 * client: queued, the first is the one in progress. */
	TAILQ_HEAD(evcon_requestq, evhttp_request) requests;

	struct evhttp_request *spare;		/* server: a reusable request */
	struct evhttp *http_server;		/* server connections */
	struct event_base *base;

	void (*closecb)(struct evhttp_connection *, void *);
	void *closecb_arg;

	/* evhttp_write_buffer(): called once when the output is drained. */
	void (*writecb)(struct evhttp_connection *, void *);
	void *writecb_arg;
};

struct evhttp_cb {
	TAILQ_ENTRY(evhttp_cb) next;
	char *what;
	void (*cb)(struct evhttp_request *req, void *);
	void *cbarg;
};

struct evhttp_bound {
	TAILQ_ENTRY(evhttp_bound) next;
	struct event ev;
	struct event ev_pause;		/* out of fds: accept again later */
	int fd;
	struct evhttp *http;
};

struct evhttp {
	TAILQ_HEAD(, evhttp_bound) sockets;
	TAILQ_HEAD(httpcbq, evhttp_cb) callbacks;
	TAILQ_HEAD(evconq, evhttp_connection) connections;

	int timeout;
	ev_int64_t max_headers_size;		/* < 0: no limit */
	ev_int64_t max_body_size;		/* < 0: no limit */

	void (*gencb)(struct evhttp_request *req, void *);
	void *gencbarg;

	struct event_base *base;

	/* The Date header value, rebuilt once a second. */
	time_t date_when;
	char date[40];
};

/* Exported for evrpc (1.4 exported it too). */
void evhttp_connection_fail(struct evhttp_connection *evcon,
    enum evhttp_connection_error error);

/*
 * Exported but not declared in evhttp.h, with their 1.4 signatures: old
 * programs and tests declare them themselves.  Meanings in http.c.
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
