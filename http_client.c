/*
 * http_client.c -- the embedded HTTP client: outgoing connections,
 * connecting with retries, sending queued requests one after another and
 * reading their responses.  The socket machinery is in http_conn.c.
 *
 * Requests queue on the connection; the first one is in progress.  A
 * failed connect is retried after 2, 4, 8 ... seconds while retries
 * remain; a failed exchange tells its request and goes on with the next
 * one on a new connection.  The contract of each public function is in
 * include/evhttp.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

static void client_reconnect(struct evhttp_connection *evcon);

struct evhttp_connection *
evhttp_connection_new(const char *address, unsigned short port)
{
	struct evhttp_connection *evcon;

	if (address == NULL)
		return NULL;
	evcon = conn_alloc_(NULL);
	if (evcon == NULL || (evcon->address = mm_strdup(address)) == NULL) {
		event_warn("%s: out of memory", __func__);
		if (evcon != NULL)
			conn_destroy_(evcon);
		return NULL;
	}
	evcon->port = port;
	evcon->flags |= EVHTTP_CON_OUTGOING;
	return evcon;
}

void
evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base)
{
	if (evcon->fd != -1 || evcon->phase != CONN_DISCONNECTED) {
		event_warnx("%s: connection in use", __func__);
		return;
	}
	conn_attach_events_(evcon, base);
}

void
evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address)
{
	char *p;

	if (evcon->phase != CONN_DISCONNECTED || address == NULL)
		return;
	p = mm_strdup(address);
	if (p == NULL)
		return;
	mm_free(evcon->bind_address);
	evcon->bind_address = p;
}

void
evhttp_connection_set_local_port(struct evhttp_connection *evcon,
    unsigned short port)
{
	if (evcon->phase != CONN_DISCONNECTED)
		return;
	evcon->bind_port = port;
}

void
evhttp_connection_set_retries(struct evhttp_connection *evcon, int retry_max)
{
	evcon->retry_max = retry_max;
}

/* Limits for the responses (requests, on a server connection) read on
 * evcon from now on; negative: none. */
void
evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_headers_size)
{
	evcon->max_headers_size = new_max_headers_size < 0 ? -1 :
	    (ev_int64_t)new_max_headers_size;
}

void
evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_body_size)
{
	evcon->max_body_size = new_max_body_size < 0 ? -1 :
	    (ev_int64_t)new_max_body_size;
}

/*
 * Close the socket of a client connection and forget any partial exchange.
 * The close callback runs if the connection had been established.
 */
static void
client_reset(struct evhttp_connection *evcon)
{
	int was = (evcon->flags & EVCON_ESTABLISHED) != 0;

	conn_del_fd_events_(evcon);
	conn_clear_timer_(evcon);
	client_lookup_cancel_(evcon);
	if (evcon->fd != -1) {
		EVUTIL_CLOSESOCKET(evcon->fd);
		evcon->fd = -1;
	}
	evbuffer_drain(evcon->input_buffer, evcon->input_buffer->off);
	evbuffer_drain(evcon->output_buffer, evcon->output_buffer->off);
	evcon->flags &= ~(EVCON_ESTABLISHED | EVCON_PEER_EOF | EVCON_NOSEND |
	    EVCON_WRITE_FAILED);
	/* Work queued for the old socket is void. */
	evcon->pending = 0;
	event_del(&evcon->ev_defer);
	conn_set_phase_(evcon, CONN_DISCONNECTED);
	http_parser_reset_(&evcon->parser);
	if (was && evcon->closecb != NULL)
		(*evcon->closecb)(evcon, evcon->closecb_arg);
}

/*
 * Free a connection evhttp_connection_free_on_completion() marked once
 * no request is left on it.
 */
static void
client_free_if_done(struct evhttp_connection *evcon)
{
	if ((evcon->flags & EVCON_FREE_ON_DONE) &&
	    !(evcon->flags & EVCON_DEAD) && TAILQ_EMPTY(&evcon->requests))
		evhttp_connection_free(evcon);
}

/*
 * Drop the request in progress without its callback (cancelled by the
 * program, or by its header callback when tell is set: then its error
 * callback hears it), reset the connection and go on with the next one.
 */
static void
client_cancel_first(struct evhttp_connection *evcon, int tell)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	if (tell)
		http_req_error_(req, HTTP_REQ_CANCELLED);
	http_req_release_(req);
	evcon->flags &= ~EVCON_RETRY_WAIT;
	client_reset(evcon);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (!TAILQ_EMPTY(&evcon->requests))
		client_reconnect(evcon);
	else
		client_free_if_done(evcon);
}

/* Resolve address:port; the first result, or NULL. */
static struct addrinfo *
resolve(const char *address, unsigned short port, int family, int passive)
{
	struct addrinfo hints, *ai = NULL;
	char portstr[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | (passive ? AI_PASSIVE : 0);
	evutil_snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if (getaddrinfo(address, portstr, &hints, &ai) == 0)
		return ai;
	/* Not numeric: resolve the name (blocking, as 1.4 does). */
	hints.ai_flags &= ~AI_NUMERICHOST;
	if (getaddrinfo(address, portstr, &hints, &ai) == 0)
		return ai;
	return NULL;
}

/*
 * A nonblocking socket for ai, bound to the connection's local address
 * if one was set.  -1 (logged) on failure.
 */
static int
client_socket(struct evhttp_connection *evcon, const struct addrinfo *ai)
{
	struct addrinfo *bai;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;

	if (fd == -1) {
		event_warn("%s: socket", __func__);
		return -1;
	}
	evutil_make_socket_nonblocking(fd);
	evutil_closeonexec_(fd);
	if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (evcon->bind_address == NULL && evcon->bind_port == 0)
		return fd;
	bai = resolve(evcon->bind_address, evcon->bind_port, AF_UNSPEC, 1);
	if (bai == NULL || bind(fd, bai->ai_addr, bai->ai_addrlen) == -1) {
		event_warn("%s: bind %s:%u", __func__,
		    evcon->bind_address ? evcon->bind_address : "*",
		    (unsigned)evcon->bind_port);
		EVUTIL_CLOSESOCKET(fd);
		fd = -1;
	}
	if (bai != NULL)
		freeaddrinfo(bai);
	return fd;
}

/*
 * Start connecting.  -1 if no attempt could even start (bad address,
 * no socket); a refused or slow connect is reported later.
 */
static int
client_connect(struct evhttp_connection *evcon)
{
	struct addrinfo *ai;
	int r;

	if (evcon->reuse_len > 0)
		return client_reuse_addr_(evcon);
	if (evcon->dns_base != NULL && !client_is_numeric_(evcon->address))
		return client_lookup_(evcon);
	ai = resolve(evcon->address, evcon->port, evcon->family, 0);
	if (ai == NULL) {
		event_warnx("%s: cannot resolve %s", __func__, evcon->address);
		return -1;
	}
	r = client_connect_ai_(evcon, ai);
	freeaddrinfo(ai);
	return r;
}

/* Start connecting to the address ai (which the caller frees). */
int
client_connect_ai_(struct evhttp_connection *evcon,
    const struct addrinfo *ai)
{
	int fd;

	fd = client_socket(evcon, ai);
	if (fd == -1)
		return -1;
	evcon->fd = fd;
	conn_set_fd_events_(evcon);
	conn_set_phase_(evcon, CONN_CONNECTING);
	evcon->connect_errno = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    !EVUTIL_ERR_CONNECT_RETRIABLE(EVUTIL_SOCKET_ERROR())) {
		/* Refused at once: report it from the loop, through the same
		 * path as an asynchronous failure (SO_ERROR is gone now). */
		evcon->connect_errno = EVUTIL_SOCKET_ERROR();
		event_debug(("%s: connect: error %d", __func__,
		    evcon->connect_errno));
	}
	event_add(&evcon->ev_write, NULL);
	evcon->flags |= EVCON_WRITE_ADDED;
	conn_set_timer_(evcon, evcon->timeout >= 0 ? evcon->timeout :
	    HTTP_CONNECT_TIMEOUT);
	return 0;
}

/*
 * A connect attempt failed.  Retry after 2, 4, 8 ... seconds (doubling
 * the initial retry delay if one was set; at most an hour) while retries
 * remain, else fail every queued request: as in 1.4 its callback gets the
 * request itself, with response_code 0.
 */
void
client_connect_failed_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;

	client_reset(evcon);	/* never established: no close callback */
	if (evcon->retry_max < 0 || evcon->retry_cnt < evcon->retry_max) {
		struct timeval tv;
		int shift = evcon->retry_cnt < 20 ? evcon->retry_cnt : 20;
		ev_int64_t us = (ev_int64_t)evcon->retry_tv.tv_sec * 1000000 +
		    evcon->retry_tv.tv_usec;

		if (us <= 0)
			us = 2000000;	/* 1.4's first delay */
		us <<= shift;
		if (us > (ev_int64_t)3600 * 1000000)
			us = (ev_int64_t)3600 * 1000000;
		tv.tv_sec = (long)(us / 1000000);
		tv.tv_usec = (long)(us % 1000000);
		evcon->retry_cnt++;
		evcon->flags |= EVCON_RETRY_WAIT;
		event_add(&evcon->ev_timer, &tv);
		return;
	}
	evcon->retry_cnt = 0;
	while (!(evcon->flags & EVCON_DEAD) &&
	    (req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		req->response_code = 0;
		http_req_error_(req, EVCON_HTTP_EOF);
		if (req->cb != NULL)
			(*req->cb)(req, req->cb_arg);
		http_req_release_(req);
	}
	client_free_if_done(evcon);
}

/* Connect again for the queued requests. */
static void
client_reconnect(struct evhttp_connection *evcon)
{
	if (client_connect(evcon) == -1)
		client_connect_failed_(evcon);
}

/*
 * Queue the head and body of the first request and start the exchange.
 * -1 when memory ran out: nothing was queued and nothing changed.
 */
static int
client_send_next(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	struct evbuffer *out = evcon->output_buffer;
	size_t start = out->off, blen;

	if (req == NULL || evcon->phase != CONN_IDLE)
		return 0;
	/* Copy, not move: a retry on a new connection sends it again. */
	if (client_write_head_(evcon, req, &blen) == -1 ||
	    (blen > 0 &&
	    evbuffer_add(out, req->output_buffer->buffer, blen) == -1)) {
		out->off = start;
		event_warn("%s: no memory for the request", __func__);
		return -1;
	}

	conn_set_phase_(evcon, CONN_READING);
	http_parser_reset_(&evcon->parser);
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(req->input_buffer, req->input_buffer->off);
	conn_set_timer_(evcon, conn_io_timeout_(evcon));
	conn_flush_(evcon);
	return 0;
}

/* From the loop: the first request goes out, or fails at once. */
static void
client_send_next_or_fail(struct evhttp_connection *evcon)
{
	if (client_send_next(evcon) == -1)
		client_fail_(evcon, EVCON_HTTP_EOF);
}

/* The socket became writable while connecting: did the connect work? */
void
client_connect_done_(struct evhttp_connection *evcon)
{
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (evcon->connect_errno != 0)
		err = evcon->connect_errno;
	else if (getsockopt(evcon->fd, SOL_SOCKET, SO_ERROR, &err,
		&errlen) == -1)
		err = EVUTIL_SOCKET_ERROR();
	if (EVUTIL_ERR_CONNECT_RETRIABLE(err))
		return;
	if (err != 0) {
		event_debug(("%s: connect to %s:%d: error %d", __func__,
		    evcon->address, evcon->port, err));
		client_connect_failed_(evcon);
		return;
	}
	evcon->flags |= EVCON_ESTABLISHED;
	evcon->retry_cnt = 0;
	client_remember_addr_(evcon);
	conn_set_phase_(evcon, CONN_IDLE);
	event_del(&evcon->ev_write);
	evcon->flags &= ~EVCON_WRITE_ADDED;
	conn_clear_timer_(evcon);
	conn_update_read_(evcon);
	client_send_next_or_fail(evcon);
	/* Output queued by evhttp_make_header() while connecting. */
	if (!(evcon->flags & EVCON_DEAD) && evcon->phase == CONN_IDLE &&
	    (evcon->output_buffer->off > 0 || evcon->cb != NULL))
		conn_flush_(evcon);
}

/* The connection's timer ran out: a retry is due, or a timeout. */
void
client_timeout_(struct evhttp_connection *evcon)
{
	if (evcon->flags & EVCON_RETRY_WAIT) {
		evcon->flags &= ~EVCON_RETRY_WAIT;
		if (!TAILQ_EMPTY(&evcon->requests) &&
		    evcon->phase == CONN_DISCONNECTED)
			client_reconnect(evcon);
	} else if (evcon->phase == CONN_CONNECTING) {
		event_debug(("%s: connect to %s timed out", __func__,
		    evcon->address));
		client_connect_failed_(evcon);
	} else if (evcon->phase == CONN_READING) {
		client_fail_(evcon, EVCON_HTTP_TIMEOUT);
	}
}

/*
 * Queue the head of request req in the output, adding Host and
 * Content-Length when the application did not set them; *blenp is the
 * body size to announce.  -1 when memory ran out: the output is back as
 * it was, so no half-written head goes on the wire.
 */
int
client_write_head_(struct evhttp_connection *evcon, struct evhttp_request *req,
    size_t *blenp)
{
	struct evbuffer *out = evcon->output_buffer;
	size_t start = out->off;
	struct evkeyval *h;
	const char *method;
	int has_host = 0, has_cl = 0, bad = 0;
	size_t blen;

	method = http_method_name_(http_req_bit_(req));
	bad |= evbuffer_add_printf(out, "%s %s HTTP/%d.%d\r\n", method,
	    req->uri, req->major, req->minor) < 0;
	TAILQ_FOREACH(h, req->output_headers, next) {
		if (strcasecmp(h->key, "Host") == 0)
			has_host = 1;
		else if (strcasecmp(h->key, "Content-Length") == 0)
			has_cl = 1;
		else if (strcasecmp(h->key, "Proxy-Connection") == 0)
			continue;	/* hop-by-hop; 1.4 strips it too */
		bad |= http_buf_add_header_(out, h->key, h->value) == -1;
	}
	if (!has_host) {
		/* RFC 9112 3.2: every HTTP/1.1 request names its host. */
		int v6 = strchr(evcon->address, ':') != NULL;

		bad |= evbuffer_add_printf(out, "Host: %s%s%s", v6 ? "[" : "",
		    evcon->address, v6 ? "]" : "") < 0;
		if (evcon->port != 80)
			bad |= evbuffer_add_printf(out, ":%u",
			    (unsigned)evcon->port) < 0;
		bad |= evbuffer_add(out, "\r\n", 2) == -1;
	}
	blen = req->output_buffer->off;
	/* RFC 9110 8.6: a method that expects a body announces even an
	 * empty one. */
	if (!has_cl && (blen > 0 || (http_req_bit_(req) &
	    (HTTP_M_POST | HTTP_M_PUT | HTTP_M_PATCH))))
		bad |= evbuffer_add_printf(out, "Content-Length: %zu\r\n",
		    blen) < 0;
	bad |= evbuffer_add(out, "\r\n", 2) == -1;
	if (bad) {
		out->off = start;	/* drop the partial head */
		return -1;
	}
	*blenp = blen;
	return 0;
}

/* The response to the first request is complete. */
static void
client_done(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	req->kind = EVHTTP_RESPONSE;
	conn_clear_timer_(evcon);
	if (evcon->keep_alive && evcon->input_buffer->off == 0) {
		conn_set_phase_(evcon, CONN_IDLE);
		http_parser_reset_(&evcon->parser);
	} else {
		client_reset(evcon);
	}
	if (req->cb != NULL && !(evcon->flags & EVCON_DEAD))
		(*req->cb)(req, req->cb_arg);
	if (!(evcon->flags & EVCON_DEAD))
		http_req_complete_(req);
	http_req_release_(req);
	client_free_if_done(evcon);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (!TAILQ_EMPTY(&evcon->requests)) {
		if (evcon->phase == CONN_DISCONNECTED &&
		    !(evcon->flags & EVCON_RETRY_WAIT)) {
			client_reconnect(evcon);
		} else {
			client_send_next_or_fail(evcon);
		}
	}
}

/*
 * An established exchange failed (timeout, EOF, bad response): reset the
 * connection, tell the request's callback with NULL (1.4), and retry the
 * next queued request on a new connection.
 */
void
client_fail_(struct evhttp_connection *evcon,
    enum evhttp_connection_error error)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	void (*cb)(struct evhttp_request *, void *) = NULL;
	void *cb_arg = NULL;

	(void)error;	/* only logged */
	event_debug(("%s: %s:%d: error %d", __func__, evcon->address,
	    evcon->port, (int)error));
	if (req != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		cb = req->cb;
		cb_arg = req->cb_arg;
		http_req_error_(req, error);
		http_req_release_(req);
	}
	client_reset(evcon);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (!TAILQ_EMPTY(&evcon->requests) &&
	    !(evcon->flags & EVCON_RETRY_WAIT))
		client_reconnect(evcon);
	if (cb != NULL && !(evcon->flags & EVCON_DEAD))
		(*cb)(NULL, cb_arg);
	if (!(evcon->flags & EVCON_DEAD))
		client_free_if_done(evcon);
}

/*
 * Parse the input into the first request: HTTP_PARSE_MORE, _DONE or
 * _ERROR; HTTP_PARSE_CHUNK when a chunk callback freed the connection.
 */
static enum http_parse_result
client_parse(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	enum http_parse_result r;

	for (;;) {
		r = conn_parse_(evcon, req);
		if (r == HTTP_PARSE_HEAD) {
			evcon->keep_alive = evcon->parser.keep_alive;
			if (HTTP_STATUS_INTERIM(req->response_code)) {
				/* An interim response: skip it. */
				evhttp_clear_headers(req->input_headers);
				http_parser_reset_(&evcon->parser);
			} else if (http_req_header_cb_(req) < 0) {
				client_cancel_first(evcon, 1);
				return HTTP_PARSE_CHUNK;
			} else if (evcon->flags & EVCON_DEAD) {
				return HTTP_PARSE_CHUNK;
			}
		} else if (r == HTTP_PARSE_CHUNK) {
			if (req->chunk_cb == NULL)
				continue;
			(*req->chunk_cb)(req, req->cb_arg);
			if (evcon->flags & EVCON_DEAD)
				return HTTP_PARSE_CHUNK;
			evbuffer_drain(req->input_buffer,
			    req->input_buffer->off);
			/* The body limit bounds what is buffered at once: a
			 * delivered chunk no longer counts. */
			evcon->parser.body_read = 0;
		} else {
			return r;
		}
	}
}

/* Input arrived (or the peer closed): go on with the exchange. */
void
client_process_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;

	if (evcon->phase == CONN_IDLE) {
		/* The peer closed a kept-alive connection, or sent bytes no
		 * request asked for: either way this socket is done. */
		if (evcon->input_buffer->off > 0 ||
		    (evcon->flags & EVCON_PEER_EOF))
			client_reset(evcon);
		return;
	}
	if (evcon->phase != CONN_READING)
		return;
	req = TAILQ_FIRST(&evcon->requests);
	if (req == NULL) {
		client_reset(evcon);
		return;
	}
	switch (client_parse(evcon, req)) {
	case HTTP_PARSE_DONE:
		client_done(evcon);
		break;
	case HTTP_PARSE_MORE:
		if (evcon->flags & EVCON_PEER_EOF)
			client_fail_(evcon, EVCON_HTTP_EOF);
		break;
	case HTTP_PARSE_ERROR:
		client_fail_(evcon, EVCON_HTTP_INVALID_HEADER);
		break;
	default:	/* the connection was freed */
		break;
	}
}

/*
 * 1.4's entry: GET, POST, HEAD as 0, 1, 2; the methods 1.4 has no value
 * for as 2.x's bits (req->type's 1.4 encoding, see http-internal.h).
 */
int
evhttp_make_request(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri)
{
	unsigned method;

	switch ((int)type) {
	case 0: method = HTTP_M_GET; break;
	case 1: method = HTTP_M_POST; break;
	case 2: method = HTTP_M_HEAD; break;
	default:
		method = (unsigned)type;
		if (method < HTTP_M_PUT || method > HTTP_M_PATCH ||
		    (method & (method - 1)) != 0)
			return -1;
		break;
	}
	return client_make_request_(evcon, req, method, 0, uri);
}

int
client_make_request_(struct evhttp_connection *evcon,
    struct evhttp_request *req, unsigned method, int view2x, const char *uri)
{
	char *u;

	if (evcon == NULL || req == NULL || uri == NULL ||
	    (evcon->flags & (EVCON_INCOMING | EVCON_DEAD)))
		return -1;
	if (!http_uri_is_safe_(uri)) {
		/* CR/LF would end the request line: a second request. */
		event_warnx("%s: refusing a URI with white space or control "
		    "bytes", __func__);
		return -1;
	}
	u = mm_strdup(uri);
	if (u == NULL)
		return -1;
	mm_free(req->uri);
	req->uri = u;
	req->kind = EVHTTP_REQUEST;
	http_req_set_method_(req, method, view2x);
	if (req->major == 0 && req->minor == 0) {
		req->major = 1;
		req->minor = 1;
	}
	req->evcon = evcon;
	TAILQ_INSERT_TAIL(&evcon->requests, req, next);

	CONN_ENTER(evcon);
	if (evcon->phase == CONN_DISCONNECTED &&
	    !(evcon->flags & EVCON_RETRY_WAIT)) {
		if (client_connect(evcon) == -1) {
			TAILQ_REMOVE(&evcon->requests, req, next);
			req->evcon = NULL;
			conn_leave_(evcon);
			return -1;
		}
	} else if (evcon->phase == CONN_IDLE &&
	    client_send_next(evcon) == -1) {
		/* The program keeps the request, as after a failed connect. */
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		conn_leave_(evcon);
		return -1;
	}
	conn_leave_(evcon);
	return 0;
}

/*
 * Close the socket and forget the exchange in progress; queued requests
 * stay queued (evhttp_connection_connect() sends them).  A server
 * connection has no use without its socket: it is closed for good.
 */
void
evhttp_connection_reset(struct evhttp_connection *evcon)
{
	if (evcon == NULL || (evcon->flags & EVCON_DEAD))
		return;
	CONN_ENTER(evcon);
	if (evcon->flags & EVCON_INCOMING) {
		conn_kill_(evcon);
	} else {
		evcon->flags &= ~EVCON_RETRY_WAIT;
		client_reset(evcon);
	}
	conn_leave_(evcon);
}

/*
 * Client: start connecting now (after a reset if a socket is open).  0 if
 * the attempt started or is under way, -1 if it cannot start.
 */
int
evhttp_connection_connect(struct evhttp_connection *evcon)
{
	int r = 0;

	if (evcon == NULL || (evcon->flags & (EVCON_INCOMING | EVCON_DEAD)))
		return -1;
	if (evcon->phase == CONN_CONNECTING)
		return 0;
	CONN_ENTER(evcon);
	if (evcon->fd != -1)
		client_reset(evcon);
	if (!(evcon->flags & EVCON_DEAD)) {
		if (evcon->flags & EVCON_RETRY_WAIT) {
			evcon->flags &= ~EVCON_RETRY_WAIT;
			event_del(&evcon->ev_timer);
		}
		r = client_connect(evcon);
	} else {
		r = -1;
	}
	conn_leave_(evcon);
	return r;
}


/*
 * Withdraw req (2.x): a queued request leaves its queue, the one in
 * progress resets its connection; no callback of it runs.  Unowned, it
 * is freed.  A request on no connection is left alone.
 */
void
evhttp_cancel_request(struct evhttp_request *req)
{
	struct evhttp_connection *evcon;

	if (req == NULL)
		return;
	evcon = req->evcon;
	/* Not queued (or in its own callback), or a server's request, which
	 * is answered instead: nothing to withdraw. */
	if (evcon == NULL || (evcon->flags & EVCON_INCOMING))
		return;
	CONN_ENTER(evcon);
	if (req == TAILQ_FIRST(&evcon->requests) &&
	    evcon->phase != CONN_DISCONNECTED) {
		client_cancel_first(evcon, 0);
	} else {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		http_req_release_(req);
		client_free_if_done(evcon);
	}
	conn_leave_(evcon);
}

void
evhttp_connection_free_on_completion(struct evhttp_connection *evcon)
{
	if (evcon == NULL || (evcon->flags & EVCON_INCOMING))
		return;
	evcon->flags |= EVCON_FREE_ON_DONE;
	client_free_if_done(evcon);
}
