/*
 * http_conn.c -- an HTTP connection and its socket, server or client side.
 *
 * Written from RFC 9110/9112 and the libevent 1.4 API notes; the code is
 * our own.  Only the public API of the core (event.h, evutil.h) is used.
 *
 * a) Each connection drives its socket itself with three events: a
 *    persistent read event that stays registered for the connection's
 *    whole life (so a keep-alive request costs no epoll_ctl), a write event
 *    registered only while the socket refuses output, and one timer.
 *    A reply is written with one send() right away; only what the kernel
 *    does not take waits for the write event.
 *
 * b) Reentrancy: application callbacks may free the connection, the
 *    server, or make new requests.  Every entry point raises evcon->busy
 *    (CONN_ENTER) while it works; freeing a busy connection only marks it
 *    EVCON_DEAD and the outermost conn_leave_() destroys it on the way
 *    out.  Code that calls out therefore re-checks EVCON_DEAD afterwards.
 *
 * c) Work that may call the application or end a request never runs
 *    inside the application's own call into us (evhttp_send_reply and
 *    the like): the call queues it in evcon->pending and activates
 *    ev_defer, whose callback does it from the loop, right after the
 *    current callback returns (event_active costs no system call).  So
 *    a replied request stays valid until its handler returns, the next
 *    pipelined request is handled from the loop, and a write error or a
 *    close callback never reaches a program in the middle of its own
 *    walk over its connections.
 *
 * d) What is read is handed to server_process_() (http_server.c) or
 *    client_process_() (http_client.c), which run the message parser
 *    through conn_parse_().  An idle server connection gives its buffers
 *    back after one to two HTTP_IDLE_TRIM_SECS (conn_idle_), and a read
 *    into an empty input takes only what it needs, so idle connections
 *    cost about the size of their structs.
 *
 * e) A server connection whose input is empty and has no storage reads
 *    into its server's scratch storage (http->scratch), which the input
 *    buffer borrows (EVCON_INPUT_BORROWED) while what arrived is parsed
 *    and dispatched: a request that arrives whole is parsed where the
 *    kernel put it, and a keep-alive connection keeps no input storage
 *    between requests.  When the read's work is done, what is left (a
 *    partial or pipelined request) moves into storage of the input's own
 *    (conn_return_input_); so it does first wherever the borrowed storage
 *    could be grown or freed (another read from a nested loop, the
 *    connection's or the server's end).  One connection borrows at a
 *    time; the others read as in d).
 *
 * f) The contract of every public function is written where it is
 *    declared, in include/evhttp.h (or http-internal.h for the 1.4 names
 *    evhttp.h lacks); docs/COMPAT.md lists where we differ from 1.4.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#ifndef _WIN32
#include <sys/uio.h>
#endif

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "evbuffer-internal.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* What one read asks for at most. */
#define CONN_READ_SIZE	16384

static void conn_read_cb(int fd, short what, void *arg);
static void conn_write_cb(int fd, short what, void *arg);
static void conn_timer_cb(int fd, short what, void *arg);
static void conn_defer_cb(int fd, short what, void *arg);
static void conn_drop_input(struct evhttp_connection *evcon);

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

/* Put ev on base; a NULL base leaves it on the current one. */
void
conn_attach_event_(struct event_base *base, struct event *ev)
{
	if (base != NULL)
		event_base_set(base, ev);
}

/* Put the connection's timer and deferred-work events on base. */
void
conn_attach_events_(struct evhttp_connection *evcon, struct event_base *base)
{
	evcon->base = base;
	conn_attach_event_(base, &evcon->ev_timer);
	conn_attach_event_(base, &evcon->ev_defer);
}

struct evhttp_connection *
conn_alloc_(struct event_base *base)
{
	struct evhttp_connection *evcon = mm_calloc(1, sizeof(*evcon));

	if (evcon == NULL)
		return NULL;
	evcon->fd = -1;
	evcon->timeout = -1;
	evcon->max_headers_size = CLIENT_MAX_HEADERS_SIZE;
	evcon->max_body_size = CLIENT_MAX_BODY_SIZE;
	TAILQ_INIT(&evcon->requests);
	evcon->input_buffer = evbuffer_new_plain();
	evcon->output_buffer = evbuffer_new_plain();
	if (evcon->input_buffer == NULL || evcon->output_buffer == NULL) {
		if (evcon->input_buffer != NULL)
			evbuffer_free(evcon->input_buffer);
		if (evcon->output_buffer != NULL)
			evbuffer_free(evcon->output_buffer);
		mm_free(evcon);
		return NULL;
	}
	http_parser_reset_(&evcon->parser);
	evtimer_set(&evcon->ev_timer, conn_timer_cb, evcon);
	event_set(&evcon->ev_defer, -1, 0, conn_defer_cb, evcon);
	conn_attach_events_(evcon, base);
	conn_set_phase_(evcon, CONN_DISCONNECTED);
	return evcon;
}

/* Prepare the read and write events for evcon->fd. */
void
conn_set_fd_events_(struct evhttp_connection *evcon)
{
	event_set(&evcon->ev_read, evcon->fd, EV_READ | EV_PERSIST,
	    conn_read_cb, evcon);
	conn_attach_event_(evcon->base, &evcon->ev_read);
	event_set(&evcon->ev_write, evcon->fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, evcon);
	conn_attach_event_(evcon->base, &evcon->ev_write);
}

void
conn_del_fd_events_(struct evhttp_connection *evcon)
{
	if (evcon->flags & EVCON_READ_ADDED) {
		event_del(&evcon->ev_read);
		evcon->flags &= ~EVCON_READ_ADDED;
	}
	if (evcon->flags & EVCON_WRITE_ADDED) {
		event_del(&evcon->ev_write);
		evcon->flags &= ~EVCON_WRITE_ADDED;
	}
}

/* Run the timer secs seconds from now; 0 or less stops it (but for the
 * fraction of a timeval timeout: see evhttp_connection_set_timeout_tv). */
void
conn_set_timer_(struct evhttp_connection *evcon, int secs)
{
	struct timeval tv;

	/* A timeout set with a timeval keeps its fraction. */
	tv.tv_sec = secs;
	tv.tv_usec = secs == evcon->timeout ? evcon->timeout_us : 0;
	if (secs < 0 || (secs == 0 && tv.tv_usec == 0)) {
		event_del(&evcon->ev_timer);
		return;
	}
	event_add(&evcon->ev_timer, &tv);
}

void
conn_clear_timer_(struct evhttp_connection *evcon)
{
	if (event_pending(&evcon->ev_timer, EV_TIMEOUT, NULL))
		event_del(&evcon->ev_timer);
}

/* The read/write inactivity timeout that applies to evcon. */
int
conn_io_timeout_(struct evhttp_connection *evcon)
{
	if (evcon->timeout >= 0)
		return evcon->timeout;
	return (evcon->flags & EVCON_INCOMING) ?
	    HTTP_SERVER_TIMEOUT : HTTP_READ_TIMEOUT;
}

/*
 * Leave a section entered with CONN_ENTER.  Returns -1 when the connection
 * was destroyed on the way out (the caller must not touch it), else 0.
 */
int
conn_leave_(struct evhttp_connection *evcon)
{
	if (--evcon->busy == 0 && (evcon->flags & EVCON_DEAD)) {
		conn_destroy_(evcon);
		return -1;
	}
	return 0;
}

/* Destroy now if nothing runs on evcon, else at the outermost leave. */
void
conn_kill_(struct evhttp_connection *evcon)
{
	evcon->flags |= EVCON_DEAD;
	conn_del_fd_events_(evcon);
	conn_clear_timer_(evcon);
	if (evcon->busy == 0)
		conn_destroy_(evcon);
}

/* Free the queued requests of a client connection, without callbacks. */
static void
conn_free_requests(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;

	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		http_req_release_(req);
	}
}

/* Free evcon now; a server connection reports its end like 1.4 did. */
void
conn_destroy_(struct evhttp_connection *evcon)
{
	/* Callbacks below may free it again: that only marks it. */
	evcon->flags |= EVCON_DEAD;
	evcon->busy++;
	conn_del_fd_events_(evcon);
	event_del(&evcon->ev_timer);
	event_del(&evcon->ev_defer);
	if (evcon->fd != -1) {
		EVUTIL_CLOSESOCKET(evcon->fd);
		evcon->fd = -1;
	}
	conn_drop_input(evcon);		/* (while http_server is known) */
	if (evcon->flags & EVCON_INCOMING)
		server_drop_requests_(evcon);
	else
		conn_free_requests(evcon);
	evbuffer_free(evcon->input_buffer);
	evbuffer_free(evcon->output_buffer);
	client_lookup_cancel_(evcon);
	mm_free(evcon->peer_addr);
	mm_free(evcon->address);
	mm_free(evcon->bind_address);
	mm_free(evcon);
}

/* The input stops borrowing the server's scratch; its bytes are
 * forgotten (the connection ends). */
static void
conn_drop_input(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->input_buffer;

	if (!(evcon->flags & EVCON_INPUT_BORROWED))
		return;
	evcon->flags &= ~EVCON_INPUT_BORROWED;
	if (evcon->http_server != NULL &&
	    evcon->http_server->scratch_user == evcon)
		evcon->http_server->scratch_user = NULL;
	buf->buffer = buf->orig_buffer = NULL;
	buf->totallen = buf->misalign = buf->off = 0;
}

/*
 * Give the server's scratch back: what the input holds moves into storage
 * of its own.  0, or -1 when that storage cannot be had (the bytes are
 * lost: the caller ends the connection).
 */
int
conn_return_input_(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->input_buffer;
	const unsigned char *data = buf->buffer;
	size_t n = buf->off;

	if (!(evcon->flags & EVCON_INPUT_BORROWED))
		return 0;
	conn_drop_input(evcon);
	if (n > 0 && evbuffer_add(buf, data, n) == -1)
		return -1;
	return 0;
}

/* Borrow the server's scratch for an empty input without storage: 1 if
 * it did. */
static int
conn_borrow_input(struct evhttp_connection *evcon)
{
	struct evhttp *http = evcon->http_server;
	struct evbuffer *buf = evcon->input_buffer;

	if (http == NULL || http->scratch_user != NULL ||
	    buf->totallen != 0 || !(evcon->flags & EVCON_INCOMING) ||
	    evcon->phase != CONN_READING)
		return 0;
	if (http->scratch == NULL &&
	    (http->scratch = mm_malloc(CONN_READ_SIZE)) == NULL)
		return 0;
	http->scratch_user = evcon;
	evcon->flags |= EVCON_INPUT_BORROWED;
	buf->buffer = buf->orig_buffer = http->scratch;
	buf->totallen = CONN_READ_SIZE;
	buf->misalign = buf->off = 0;
	return 1;
}

/* A fresh empty buffer for *bufp if it holds storage but no data and no
 * callback (on a failed allocation it stays). */
static void
conn_release_buffer(struct evbuffer **bufp)
{
	struct evbuffer *nb;

	if ((*bufp)->totallen == 0 || (*bufp)->off > 0 || (*bufp)->cb != NULL)
		return;
	if ((nb = evbuffer_new_plain()) == NULL)
		return;
	evbuffer_free(*bufp);
	*bufp = nb;
}

/* Does a waiting server connection hold memory it could give back? */
int
conn_holds_buffers_(const struct evhttp_connection *evcon)
{
	return evcon->input_buffer->totallen > 0 ||
	    evcon->output_buffer->totallen > 0;
}

/* Is a server connection waiting for its next request, with nothing
 * buffered either way? */
int
conn_is_idle_(const struct evhttp_connection *evcon)
{
	return evcon->phase == CONN_READING &&
	    evcon->parser.state == HP_FIRSTLINE &&
	    evcon->input_buffer->off == 0 && evcon->output_buffer->off == 0 &&
	    !(evcon->flags & EVCON_DEAD);
}

/*
 * A server connection now waits for its next request: the idle timeout
 * runs.  If it holds buffers, the server's sweep (server_trim_sweep) gives
 * them back once it has stayed idle a whole sweep period, so that
 * thousands of idle keep-alive connections cost little while a busy one
 * keeps its buffers and its timer is armed once per request, as before.
 */
void
conn_idle_(struct evhttp_connection *evcon)
{
	conn_set_timer_(evcon, conn_io_timeout_(evcon));
	evcon->flags &= ~EVCON_TRIM_MARK;
	if (evcon->http_server != NULL && !evcon->http_server->trim_armed &&
	    conn_holds_buffers_(evcon))
		server_trim_soon_(evcon->http_server);
}

/* Give back what an idle connection's wait needs not. */
void
conn_trim_(struct evhttp_connection *evcon)
{
	if (!(evcon->flags & EVCON_INPUT_BORROWED))
		conn_release_buffer(&evcon->input_buffer);
	conn_release_buffer(&evcon->output_buffer);
}

/* ------------------------------------------------------------------ */
/* Reading, parsing, writing                                           */

#ifndef _WIN32
/*
 * conn_read_once() into an empty input with little room: read into that
 * room and, past it, into the stack, keeping only what arrived.
 */
static ssize_t
conn_read_scattered(struct evhttp_connection *evcon, struct evbuffer *buf,
    size_t room)
{
	unsigned char scratch[CONN_READ_SIZE];
	struct iovec iov[2];
	ssize_t n;
	int niov = 0;

	if (room > 0) {
		iov[niov].iov_base = buf->buffer + buf->off;
		iov[niov++].iov_len = room;
	}
	iov[niov].iov_base = scratch;
	iov[niov++].iov_len = sizeof(scratch);
	do {
		n = readv(evcon->fd, iov, niov);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	if ((size_t)n <= room) {
		buf->off += (size_t)n;
		return n;
	}
	buf->off += room;
	if (evbuffer_add(buf, scratch, (size_t)n - room) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return n;
}
#endif

/*
 * Read once from the socket into evcon->input_buffer.  Returns the byte
 * count, 0 at EOF, -1 with EVUTIL_SOCKET_ERROR() on error (EAGAIN
 * included).  An empty
 * input with little room reads into that room and, past it, into the
 * stack: a request that fits (the usual case) is not copied, and the
 * input keeps the size of what the parser leaves instead of 16 KiB per
 * connection.  A message in progress reads straight into the buffer,
 * grown to CONN_READ_SIZE of room (struct evbuffer is public).  Windows
 * has no readv() on sockets: there the input always gets the room.
 */
static ssize_t
conn_read_once(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->input_buffer;
	size_t room;
	ssize_t n;

	/* (A read from a nested loop would grow the borrowed storage.) */
	if ((evcon->flags & EVCON_INPUT_BORROWED) &&
	    conn_return_input_(evcon) == -1) {
		EVUTIL_SET_SOCKET_ERROR(ENOMEM);
		return -1;
	}
	if (buf->off == 0 && buf->totallen == 0 && conn_borrow_input(evcon)) {
		room = CONN_READ_SIZE;
	} else {
		room = buf->totallen - buf->misalign - buf->off;
#ifndef _WIN32
		if (buf->off == 0 && room < CONN_READ_SIZE)
			return conn_read_scattered(evcon, buf, room);
#endif
		if (evbuffer_expand(buf, CONN_READ_SIZE) == -1) {
			EVUTIL_SET_SOCKET_ERROR(ENOMEM);
			return -1;
		}
		room = buf->totallen - buf->misalign - buf->off;
	}
	do {
		n = EVUTIL_READ_SOCKET(evcon->fd, buf->buffer + buf->off, room);
	} while (n < 0 && EVUTIL_ERR_IS_EINTR(EVUTIL_SOCKET_ERROR()));
	if (n > 0)
		buf->off += (size_t)n;
	return n;
}

/* The parser limits for messages of this kind, on evcon (or NULL). */
static void
parser_limits(struct http_parser *p, int is_request,
    const struct evhttp_connection *evcon)
{
	p->is_request = is_request;
	p->max_head = is_request ? HTTP_MAX_HEADERS_SIZE :
	    CLIENT_MAX_HEADERS_SIZE;
	p->max_headers = is_request ? HTTP_MAX_HEADERS : CLIENT_MAX_HEADERS;
	p->max_body = is_request ? HTTP_MAX_BODY_SIZE : CLIENT_MAX_BODY_SIZE;
	if (evcon != NULL) {
		p->max_head = evcon->max_headers_size;
		p->max_body = evcon->max_body_size;
	}
}

/*
 * Run the connection's parser over its input into req, with the limits
 * as they are now (they may change between messages).
 */
enum http_parse_result
conn_parse_(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct http_parser *p = &evcon->parser;
	enum http_parse_result r;

	parser_limits(p, (evcon->flags & EVCON_INCOMING) != 0, evcon);
	p->peer_eof = (evcon->flags & EVCON_PEER_EOF) != 0;
	r = http_parser_run_(p, req, evcon->input_buffer);
	conn_sync_state_(evcon);
	return r;
}

/*
 * Write as much of evcon->output_buffer as the socket takes now.  Returns
 * 0, or -1 on a write error (the connection is then failed by the caller).
 */
static int
conn_write_some(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->output_buffer;

	while (buf->off > 0) {
		ssize_t n;
		size_t len = buf->off;

		if (evcon->flags & EVCON_NOSEND) {
			n = write(evcon->fd, buf->buffer, len);
		} else {
			n = send(evcon->fd, buf->buffer, len, MSG_NOSIGNAL);
#ifndef _WIN32	/* (Windows can only watch sockets anyway.) */
			if (n < 0 && errno == ENOTSOCK) {
				evcon->flags |= EVCON_NOSEND;
				continue;
			}
#endif
		}
		if (n < 0) {
			int e = EVUTIL_SOCKET_ERROR();

			if (EVUTIL_ERR_IS_EINTR(e))
				continue;
			if (EVUTIL_ERR_RW_RETRIABLE(e))
				return 0;
			return -1;
		}
		evbuffer_drain(buf, (size_t)n);
		/* A short write means the socket is full: do not ask again. */
		if ((size_t)n < len)
			break;
	}
	return 0;
}

/*
 * Lingering close: send our FIN but keep reading (and discarding) for a
 * moment, so that unread request bytes do not make the kernel reset the
 * connection before the peer has read our last reply.
 */
static void
conn_linger(struct evhttp_connection *evcon)
{
	shutdown(evcon->fd, SHUT_WR);
	conn_set_phase_(evcon, CONN_LINGERING);
	evbuffer_drain(evcon->input_buffer, evcon->input_buffer->off);
	conn_update_read_(evcon);
	conn_set_timer_(evcon, HTTP_LINGER_SECS);
}

/* Does the end of the output call for more than bookkeeping? */
static int
conn_drain_has_work(const struct evhttp_connection *evcon)
{
	return evcon->cb != NULL || evcon->phase == CONN_CLOSING ||
	    ((evcon->flags & EVCON_INCOMING) && evcon->phase == CONN_READING &&
	     evcon->input_buffer->off > 0);
}

/*
 * The output of a connection was written completely; from the loop.
 * Callers hold the connection busy: a free from the callback only marks
 * it.
 */
static void
conn_output_drained(struct evhttp_connection *evcon)
{
	if (evcon->flags & EVCON_WRITE_ADDED) {
		event_del(&evcon->ev_write);
		evcon->flags &= ~EVCON_WRITE_ADDED;
	}
	conn_sync_state_(evcon);
	if (evcon->cb != NULL) {
		/* evhttp_write_buffer(): one shot. */
		void (*cb)(struct evhttp_connection *, void *) = evcon->cb;

		evcon->cb = NULL;
		(*cb)(evcon, evcon->cb_arg);
		if (evcon->flags & EVCON_DEAD)
			return;
	}
	if (evcon->phase == CONN_CLOSING) {
		if (evcon->flags & EVCON_PEER_EOF)
			conn_kill_(evcon);
		else
			conn_linger(evcon);
		return;
	}
	if (evcon->flags & EVCON_INCOMING) {
		/* Parsing may have paused on output backpressure. */
		if (evcon->phase == CONN_READING &&
		    evcon->input_buffer->off > 0)
			server_process_(evcon);
		else if (evcon->phase == CONN_READING &&
		    evcon->parser.state == HP_FIRSTLINE)
			conn_idle_(evcon);
		else if (evcon->phase == CONN_DISPATCHED)
			conn_clear_timer_(evcon);
	} else if (evcon->phase == CONN_READING) {
		/* Request sent: now the response has the read timeout. */
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
	}
}

/*
 * The output was written inside a call of ours that may come from the
 * application: bookkeeping now, anything that may call out from the loop.
 */
static void
conn_output_written(struct evhttp_connection *evcon)
{
	if (conn_drain_has_work(evcon)) {
		conn_defer_(evcon, CONN_DEFER_DRAINED);
		return;
	}
	conn_sync_state_(evcon);
	/* (A server's timer may run on while the application holds its
	 * request: conn_server_timeout() ignores it then.) */
	if (!(evcon->flags & EVCON_INCOMING) && evcon->phase == CONN_READING)
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
}

/* Fail a connection after an I/O error or timeout; from the loop. */
static void
conn_fail(struct evhttp_connection *evcon, enum evhttp_connection_error err)
{
	if (evcon->flags & EVCON_INCOMING)
		conn_kill_(evcon);
	else
		client_fail_(evcon, err);
}

/* A write failed (not EAGAIN): drop the output; the connection fails
 * from the loop (this may run inside the application's call). */
static void
conn_write_failed(struct evhttp_connection *evcon)
{
	event_debug(("%s: fd %d: %s", __func__, evcon->fd, strerror(errno)));
	evcon->flags |= EVCON_WRITE_FAILED;
	evbuffer_drain(evcon->output_buffer, evcon->output_buffer->off);
	conn_defer_(evcon, CONN_DEFER_FAIL);
}

/* The socket is full: the write event sends the rest of the output. */
static void
conn_wait_writable(struct evhttp_connection *evcon)
{
	event_add(&evcon->ev_write, NULL);
	evcon->flags |= EVCON_WRITE_ADDED;
	conn_set_timer_(evcon, conn_io_timeout_(evcon));
}

/*
 * Try to write the output now; register the write event for the rest.
 * May run inside the application's call (evhttp_send_reply_chunk): a
 * write error only drops the output, and the connection fails from the
 * loop.
 */
void
conn_flush_(struct evhttp_connection *evcon)
{
	struct evbuffer *out = evcon->output_buffer;

	if (evcon->fd == -1 ||
	    (evcon->flags & (EVCON_DEAD | EVCON_WRITE_FAILED)))
		return;
	if (evcon->phase == CONN_CONNECTING)
		return;		/* written once connected */
	if (out->off > 0 && !(evcon->flags & EVCON_WRITE_ADDED)) {
		if (conn_write_some(evcon) == -1) {
			conn_write_failed(evcon);
			return;
		}
		if (out->off > 0) {
			conn_wait_writable(evcon);
			return;
		}
	}
	if (out->off == 0)
		conn_output_written(evcon);
}

/*
 * May a message go out now straight from the caller's memory: connected,
 * a socket, and nothing queued or waiting before it?  (Never on Windows,
 * which has no sendmsg().)
 */
int
conn_can_send_now_(const struct evhttp_connection *evcon)
{
#ifdef _WIN32
	(void)evcon;
	return 0;
#else
	return evcon->fd != -1 && evcon->phase != CONN_CONNECTING &&
	    evcon->output_buffer->off == 0 &&
	    !(evcon->flags & (EVCON_DEAD | EVCON_WRITE_FAILED |
	    EVCON_WRITE_ADDED | EVCON_NOSEND));
#endif
}

#ifndef _WIN32
/*
 * One sendmsg() of hlen bytes at head and of body (either may be empty),
 * straight from where they are.  The bytes the socket took, or -1 with
 * errno (EAGAIN included); ENOTSOCK marks the connection EVCON_NOSEND.
 */
static ssize_t
conn_sendv(struct evhttp_connection *evcon, const void *head, size_t hlen,
    const struct evbuffer *body)
{
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t n;
	int niov = 0;

	if (hlen > 0) {
		iov[niov].iov_base = (void *)(uintptr_t)head;
		iov[niov++].iov_len = hlen;
	}
	if (body != NULL && body->off > 0) {
		iov[niov].iov_base = body->buffer;
		iov[niov++].iov_len = body->off;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	do {
		n = sendmsg(evcon->fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ENOTSOCK)
		evcon->flags |= EVCON_NOSEND;
	return n;
}

/*
 * Send a message whose hlen-byte head is in the caller's memory, and body
 * (NULL: none; emptied), with one system call; only what the socket does
 * not take is queued in the output, for the write event.  The output
 * buffer is not touched at all when the socket takes everything, so a
 * connection keeps no storage for its small replies.  Only when
 * conn_can_send_now_(); failures are handled as conn_flush_() does.
 */
void
conn_send_direct_(struct evhttp_connection *evcon, const char *head,
    size_t hlen, struct evbuffer *body)
{
	struct evbuffer *out = evcon->output_buffer;
	ssize_t n = conn_sendv(evcon, head, hlen, body);
	size_t taken = n > 0 ? (size_t)n : 0;
	int full = n >= 0 || errno != ENOTSOCK;

	if (n < 0 && !EVUTIL_ERR_RW_RETRIABLE(errno) && full) {
		if (body != NULL)
			evbuffer_drain(body, body->off);
		conn_write_failed(evcon);
		return;
	}
	if (taken < hlen) {
		if (evbuffer_add(out, head + taken, hlen - taken) == -1)
			goto nomem;
		taken = 0;
	} else {
		taken -= hlen;
	}
	if (body != NULL && body->off > 0) {
		evbuffer_drain(body, taken);
		if (body->off > 0 && evbuffer_add_buffer(out, body) == -1)
			goto nomem;
	}
	if (out->off == 0)
		conn_output_written(evcon);
	else if (full)
		conn_wait_writable(evcon);
	else
		conn_flush_(evcon);	/* not a socket: write() it */
	return;
nomem:
	errno = ENOMEM;
	if (body != NULL)
		evbuffer_drain(body, body->off);
	conn_write_failed(evcon);
}

/*
 * conn_send_body_(): one sendmsg() of the output and body, straight from
 * both buffers.  Drains what the socket took; -1 if nothing could be
 * tried (not a socket, or an error conn_flush_() will meet again).
 */
static int
conn_send_two(struct evhttp_connection *evcon, struct evbuffer *body)
{
	struct evbuffer *out = evcon->output_buffer;
	ssize_t n = conn_sendv(evcon, out->buffer, out->off, body);

	if (n < 0)
		return -1;
	if ((size_t)n <= out->off) {
		evbuffer_drain(out, (size_t)n);
		return 0;
	}
	n -= (ssize_t)out->off;
	evbuffer_drain(out, out->off);
	evbuffer_drain(body, (size_t)n);
	return 0;
}
#else
void
conn_send_direct_(struct evhttp_connection *evcon, const char *head,
    size_t hlen, struct evbuffer *body)
{
	/* (conn_can_send_now_() is never true here.) */
	if (evbuffer_add(evcon->output_buffer, head, hlen) == -1 ||
	    (body != NULL && evbuffer_add_buffer(evcon->output_buffer,
	    body) == -1)) {
		conn_write_failed(evcon);
		return;
	}
	conn_flush_(evcon);
}
#endif

/* Bodies from this size on are sent without a copy into the output. */
#define CONN_SEND_DIRECT	2048

/*
 * Queue body (emptied) after the output and write what the socket takes,
 * as conn_flush_() does.  A large body goes out in one system call with
 * the head queued before it, straight from body: only what the socket
 * does not take now is copied into the output.
 */
void
conn_send_body_(struct evhttp_connection *evcon, struct evbuffer *body)
{
#ifndef _WIN32
	if (body->off >= CONN_SEND_DIRECT && evcon->fd != -1 &&
	    evcon->phase != CONN_CONNECTING &&
	    !(evcon->flags & (EVCON_DEAD | EVCON_WRITE_FAILED |
	    EVCON_WRITE_ADDED | EVCON_NOSEND)) &&
	    conn_send_two(evcon, body) == 0 && body->off == 0 &&
	    evcon->output_buffer->off == 0) {
		conn_output_written(evcon);
		return;
	}
#endif
	if (body->off > 0)
		evbuffer_add_buffer(evcon->output_buffer, body);
	conn_flush_(evcon);
}

/*
 * The exchange is over and the connection closes: once the output is
 * written, with a lingering close (or at once if the peer is gone).
 */
void
conn_closing_(struct evhttp_connection *evcon)
{
	conn_set_phase_(evcon, CONN_CLOSING);
	conn_update_read_(evcon);
	conn_flush_(evcon);
}

/* Should the read event be registered now? */
static int
conn_wants_read(const struct evhttp_connection *evcon)
{
	if (evcon->fd == -1 ||
	    (evcon->flags & (EVCON_DEAD | EVCON_PEER_EOF)))
		return 0;
	switch (evcon->phase) {
	case CONN_CONNECTING:
	case CONN_DISCONNECTED:
	case CONN_CLOSING:
		return 0;
	case CONN_LINGERING:
		return 1;
	case CONN_READING:
		/* While the parser runs it bounds the input itself (head
		 * limits, bodies move out). */
		if (!(evcon->flags & EVCON_INCOMING) ||
		    evcon->output_buffer->off < HTTP_OUTPUT_HIGH)
			return 1;
		/* FALLTHROUGH */
	default:
		/* Nobody parses: stop above HTTP_INPUT_HIGH. */
		return evcon->input_buffer->off < HTTP_INPUT_HIGH;
	}
}

/* Register or drop the read event as the state requires. */
void
conn_update_read_(struct evhttp_connection *evcon)
{
	int want = conn_wants_read(evcon);

	if (want && !(evcon->flags & EVCON_READ_ADDED)) {
		event_add(&evcon->ev_read, NULL);
		evcon->flags |= EVCON_READ_ADDED;
	} else if (!want && (evcon->flags & EVCON_READ_ADDED)) {
		event_del(&evcon->ev_read);
		evcon->flags &= ~EVCON_READ_ADDED;
	}
}

/* read() failed (not EAGAIN): end the exchange as the side requires. */
static void
conn_read_error(struct evhttp_connection *evcon)
{
	event_debug(("%s: fd %d: %s", __func__, evcon->fd, strerror(errno)));
	if (evcon->flags & EVCON_INCOMING) {
		conn_kill_(evcon);
	} else if (evcon->phase == CONN_READING &&
	    evcon->parser.state == HP_BODY_EOF) {
		/* The body ends with the connection: this is its end. */
		evcon->flags |= EVCON_PEER_EOF;
		client_process_(evcon);
	} else {
		client_fail_(evcon, EVCON_HTTP_EOF);
	}
}

/*
 * n bytes arrived (0: EOF) on a server connection whose input held
 * before bytes.  A new request's head and body have deadlines (see
 * conn_timer_cb): only its first byte starts the timer, later bytes do
 * not extend it, so a slow drip cannot hold the connection.  The timer
 * is armed after the bytes were processed, and only if a message is
 * still incomplete then: a request that arrived whole was answered (the
 * idle or write timeout runs now) or is held by the application (whose
 * time the timer does not bound), so it costs one re-arm, not two.
 */
static void
conn_server_input(struct evhttp_connection *evcon, size_t before,
    ssize_t n)
{
	int starts = n > 0 && evcon->phase == CONN_READING && before == 0 &&
	    evcon->parser.state == HP_FIRSTLINE;

	server_process_(evcon);
	if (starts && !(evcon->flags & EVCON_DEAD) &&
	    evcon->phase == CONN_READING &&
	    (evcon->parser.state != HP_FIRSTLINE ||
	    evcon->input_buffer->off > 0))
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
}

static void
conn_read_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;
	size_t before = evcon->input_buffer->off;
	ssize_t n;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	n = conn_read_once(evcon);
	if (evcon->phase == CONN_LINGERING) {
		evbuffer_drain(evcon->input_buffer, evcon->input_buffer->off);
		if (n == 0 || (n < 0 &&
		    !EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR())))
			conn_kill_(evcon);
		goto done;
	}
	if (n < 0) {
		if (!EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR()))
			conn_read_error(evcon);
		goto done;
	}
	if (n == 0) {
		evcon->flags |= EVCON_PEER_EOF;
		conn_update_read_(evcon);
	}
	if (evcon->flags & EVCON_INCOMING) {
		conn_server_input(evcon, before, n);
	} else {
		if (n > 0 && evcon->phase == CONN_READING)
			conn_set_timer_(evcon, conn_io_timeout_(evcon));
		client_process_(evcon);
	}
done:
	if ((evcon->flags & EVCON_INPUT_BORROWED) &&
	    conn_return_input_(evcon) == -1)
		conn_kill_(evcon);
	conn_leave_(evcon);
}

static void
conn_write_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	if (evcon->phase == CONN_CONNECTING)
		client_connect_done_(evcon);
	else if (conn_write_some(evcon) == -1)
		conn_fail(evcon, EVCON_HTTP_EOF);
	else if (evcon->output_buffer->off == 0)
		conn_output_drained(evcon);
	else
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
	conn_leave_(evcon);
}

/*
 * A server connection's timer ran out.  The application may take its
 * time with a request; the peer may not: a request head must arrive
 * within the timeout of its first byte, a body must advance by
 * HTTP_BODY_MIN_BYTES per timeout period (or be complete), and a reply
 * that cannot be written for that long ends the connection too.
 */
static void
conn_server_timeout(struct evhttp_connection *evcon)
{
	struct http_parser *p = &evcon->parser;

	if (evcon->phase == CONN_DISPATCHED && evcon->output_buffer->off == 0)
		return;
	if (evcon->phase == CONN_READING && evcon->output_buffer->off == 0 &&
	    p->state >= HP_BODY_LENGTH && p->state <= HP_CHUNK_CRLF &&
	    p->body_read - evcon->body_mark >= HTTP_BODY_MIN_BYTES) {
		evcon->body_mark = p->body_read;
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
		return;
	}
	event_debug(("%s: server connection fd %d timed out", __func__,
	    evcon->fd));
	conn_kill_(evcon);
}

static void
conn_timer_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	if (evcon->flags & EVCON_INCOMING)
		conn_server_timeout(evcon);
	else
		client_timeout_(evcon);
	conn_leave_(evcon);
}

/*
 * Do the work conn_defer_() queued; from the loop (the caller holds the
 * connection busy).
 */
void
conn_run_pending_(struct evhttp_connection *evcon)
{
	int work = evcon->pending;

	evcon->pending = 0;
	if (work == 0 || (evcon->flags & EVCON_DEAD))
		return;		/* nothing, or destroyed on the way out */
	if ((work & CONN_DEFER_FAIL) && (evcon->flags & EVCON_WRITE_FAILED)) {
		conn_fail(evcon, EVCON_HTTP_EOF);
		return;
	}
	if (work & CONN_DEFER_DONE)
		server_reply_done_(evcon);
	if ((work & CONN_DEFER_DRAINED) &&
	    !(evcon->flags & (EVCON_DEAD | EVCON_WRITE_FAILED)) &&
	    evcon->output_buffer->off == 0 &&
	    !(evcon->flags & EVCON_WRITE_ADDED))
		conn_output_drained(evcon);
}

static void
conn_defer_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	conn_run_pending_(evcon);
	conn_leave_(evcon);
}

/* ------------------------------------------------------------------ */
/* Public, and 1.4 internals declared only in http-internal.h          */

void
evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs)
{
	evcon->timeout = timeout_in_secs;
	evcon->timeout_us = 0;
}

void
evhttp_connection_set_closecb(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *cbarg)
{
	evcon->closecb = cb;
	evcon->closecb_arg = cbarg;
}

void
evhttp_connection_get_peer(struct evhttp_connection *evcon,
    char **address, unsigned short *port)
{
	*address = evcon->address;
	*port = evcon->port;
}

void
evhttp_connection_free(struct evhttp_connection *evcon)
{
	if (evcon == NULL || (evcon->flags & EVCON_USER_FREED))
		return;
	evcon->flags |= EVCON_USER_FREED;
	if (evcon->flags & EVCON_INCOMING) {
		/* A server connection closes; its close callback runs, then
		 * the requests it held are freed (as 1.4 does), once no
		 * handler runs on it any more. */
		conn_kill_(evcon);
		return;
	}
	/* Queued requests go without their callbacks (1.4). */
	conn_free_requests(evcon);
	CONN_ENTER(evcon);
	if (evcon->flags & EVCON_ESTABLISHED) {
		evcon->flags &= ~EVCON_ESTABLISHED;
		if (evcon->closecb != NULL)
			(*evcon->closecb)(evcon, evcon->closecb_arg);
	}
	evcon->flags |= EVCON_DEAD;
	conn_leave_(evcon);
}

/*
 * Exported as in 1.4 (evrpc uses it to abort a call): fail the exchange
 * in progress.  Client side the first request's callback gets NULL and the
 * next queued request goes out on a new connection; server side the
 * connection is closed.
 */
void
evhttp_connection_fail(struct evhttp_connection *evcon,
    enum evhttp_connection_error error)
{
	if (evcon == NULL || (evcon->flags & EVCON_DEAD))
		return;
	CONN_ENTER(evcon);
	conn_fail(evcon, error);
	conn_leave_(evcon);
}

/*
 * Expect a message on the connection: a response to the first queued
 * request (client) or a request (server), with the read timeout.  Input
 * already buffered is parsed at once.
 */
void
evhttp_start_read(struct evhttp_connection *evcon)
{
	if (evcon == NULL || evcon->fd == -1 || (evcon->flags & EVCON_DEAD))
		return;
	/* Not while connecting, closing, or while the application holds
	 * a server request (its reply comes first). */
	if (evcon->phase != CONN_IDLE && evcon->phase != CONN_READING)
		return;
	CONN_ENTER(evcon);
	if (evcon->phase != CONN_READING) {
		conn_set_phase_(evcon, CONN_READING);
		http_parser_reset_(&evcon->parser);
	}
	conn_update_read_(evcon);
	conn_set_timer_(evcon, conn_io_timeout_(evcon));
	if (evcon->input_buffer->off > 0 || (evcon->flags & EVCON_PEER_EOF)) {
		if (evcon->flags & EVCON_INCOMING)
			server_process_(evcon);
		else
			client_process_(evcon);
	}
	conn_leave_(evcon);
}

/*
 * Queue the head of req in the connection's output, as a request (kind
 * EVHTTP_REQUEST) or a response, followed by req->output_buffer (moved,
 * as 1.4 did), whose length the head announces.  Nothing is sent yet:
 * evhttp_write_buffer() does that.
 */
void
evhttp_make_header(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	size_t blen;

	if (evcon == NULL || req == NULL || (evcon->flags & EVCON_DEAD))
		return;
	if (req->major == 0 && req->minor == 0) {
		req->major = 1;
		req->minor = 1;
	}
	if (req->kind == EVHTTP_REQUEST) {
		if (req->uri == NULL && (req->uri = mm_strdup("/")) == NULL)
			return;
		if (!http_uri_is_safe_(req->uri)) {
			event_warnx("%s: refusing a URI with white space or "
			    "control bytes", __func__);
			return;
		}
		if (client_write_head_(evcon, req, &blen) == -1)
			return;
	} else {
		/* A reason phrase set by hand: CR/LF would start headers. */
		if (req->response_code_line != NULL &&
		    !http_reason_is_safe_(req->response_code_line))
			evhttp_response_code(req, req->response_code,
			    req->response_code_line);
		blen = req->output_buffer->off;
		server_write_head_(evcon, req, (ev_int64_t)blen);
	}
	if (blen > 0)
		evbuffer_add_buffer(evcon->output_buffer, req->output_buffer);
}

/*
 * Send the connection's output; cb(evcon, arg) runs once it has all been
 * written (at once if it is empty and the socket is connected).
 */
void
evhttp_write_buffer(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	if (evcon == NULL || (evcon->flags & EVCON_DEAD))
		return;
	CONN_ENTER(evcon);
	evcon->cb = cb;
	evcon->cb_arg = arg;
	conn_flush_(evcon);
	conn_leave_(evcon);
}

/*
 * The connection's event callbacks in 1.4.  Ours are private; these run
 * one step of the connection passed as arg: a read and parse, a write (or
 * the connect check), or with EV_TIMEOUT alone, its timeout.
 */
void
evhttp_read(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	if (evcon == NULL || evcon->fd == -1 || (evcon->flags & EVCON_DEAD))
		return;
	if (what == EV_TIMEOUT)
		conn_timer_cb(fd, what, arg);
	else
		conn_read_cb(fd, what, arg);
}

void
evhttp_write(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	if (evcon == NULL || evcon->fd == -1 || (evcon->flags & EVCON_DEAD))
		return;
	if (what == EV_TIMEOUT)
		conn_timer_cb(fd, what, arg);
	else
		conn_write_cb(fd, what, arg);
}

/*
 * A parser for the standalone 1.4 entries below, in state state, with
 * the limits of the server (requests on a server connection) or the
 * defaults for req's kind.  Body size limits and Expect are connection
 * matters and are left to the caller.
 */
static void
standalone_parser(struct http_parser *p, struct evhttp_request *req,
    enum http_parse_state state)
{
	http_parser_reset_(p);
	parser_limits(p, req->kind == EVHTTP_REQUEST, req->evcon);
	p->max_body = -1;
	p->peer_eof = 0;
	p->state = state;
}

/*
 * Parse the request line (req->kind EVHTTP_REQUEST) or the status line
 * (EVHTTP_RESPONSE) at the start of buf, with the rules the server and
 * client use, and drain it.  Up to two empty lines before it are skipped
 * as the server does.
 */
enum message_read_status
evhttp_parse_firstline(struct evhttp_request *req, struct evbuffer *buf)
{
	struct http_parser p;
	enum http_parse_result r;

	if (req == NULL || buf == NULL)
		return DATA_CORRUPTED;
	standalone_parser(&p, req, HP_FIRSTLINE);
	do {
		r = http_parser_step_(&p, req, buf);
	} while (r == HTTP_PARSE_AGAIN && p.state == HP_FIRSTLINE);
	if (r == HTTP_PARSE_AGAIN)
		return ALL_DATA_READ;
	return r == HTTP_PARSE_MORE ? MORE_DATA_EXPECTED : DATA_CORRUPTED;
}

/*
 * Parse header lines from buf into req->input_headers, draining them.
 * ALL_DATA_READ once the empty line is consumed (and the framing headers
 * passed the checks), MORE_DATA_EXPECTED if it has not arrived yet (the
 * headers parsed so far stay), DATA_CORRUPTED on a line the parser
 * refuses, too many or too large headers.  req's framing fields (ntoread,
 * chunked) are left alone, as in 1.4.
 */
enum message_read_status
evhttp_parse_headers(struct evhttp_request *req, struct evbuffer *buf)
{
	struct http_parser p;
	struct evkeyval *h;
	enum http_parse_result r;
	ev_int64_t ntoread;
	int chunked;

	if (req == NULL || buf == NULL)
		return DATA_CORRUPTED;
	standalone_parser(&p, req, HP_HEADERS);
	TAILQ_FOREACH(h, req->input_headers, next)
		p.nheaders++;
	ntoread = req->ntoread;
	chunked = req->chunked;
	do {
		r = http_parser_step_(&p, req, buf);
	} while (r == HTTP_PARSE_AGAIN);
	req->ntoread = ntoread;
	REQ_SET_CHUNKED(req, chunked);
	if (r == HTTP_PARSE_HEAD)
		return ALL_DATA_READ;
	return r == HTTP_PARSE_MORE ? MORE_DATA_EXPECTED : DATA_CORRUPTED;
}
