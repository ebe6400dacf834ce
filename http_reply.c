/*
 * http_reply.c -- the server's replies: a whole reply, a streamed one
 * (chunked for HTTP/1.1 clients), error pages, and what follows a reply
 * on the connection (keep-alive or close, request recycling).
 *
 * A reply is queued in the connection's output and written at once
 * (conn_flush_()); what the socket does not take waits for the write
 * event.  The contract of each public function is in include/evhttp.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* The server's Date value, rebuilt when the second changes. */
static const char *
server_date(struct evhttp *http)
{
	time_t now = time(NULL);

	if (now != http->date_when || http->date[0] == '\0') {
		http_format_date_(now, http->date, sizeof(http->date));
		http->date_when = now;
	}
	return http->date;
}

/*
 * Write v in decimal at the end of buf (bufsize >= 21); returns a pointer
 * to the first digit.  Cheaper than snprintf on the reply path.
 */
static char *
format_u64(ev_uint64_t v, char *buf, size_t bufsize)
{
	char *p = buf + bufsize - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && p > buf);
	return p;
}

/* Queue "HTTP/1.x NNN reason\r\n", without snprintf. */
static void
write_status_line(struct evbuffer *out, const struct evhttp_request *req)
{
	char status[16];
	int code = req->response_code;

	memcpy(status, "HTTP/1.1 ", 9);
	status[5] = (char)('0' + (req->major % 10));
	status[7] = (char)('0' + (req->minor % 10));
	if (code < 0 || code > 999)
		code = HTTP_INTERNAL;
	status[9] = (char)('0' + code / 100);
	status[10] = (char)('0' + code / 10 % 10);
	status[11] = (char)('0' + code % 10);
	status[12] = ' ';
	evbuffer_add(out, status, 13);
	/* set_response() made it safe (evhttp_make_header() checks a line
	 * set by hand). */
	if (req->response_code_line != NULL)
		evbuffer_add(out, req->response_code_line,
		    strlen(req->response_code_line));
	evbuffer_add(out, "\r\n", 2);
}

/* The headers the application set itself, as written by write_headers. */
#define SET_CL		0x01	/* Content-Length */
#define SET_TE		0x02	/* Transfer-Encoding */
#define SET_CT		0x04	/* Content-Type */
#define SET_DATE	0x08
#define SET_CONN	0x10	/* Connection */

/* Queue the headers; returns the SET_* bits of those present. */
static int
write_headers(struct evbuffer *out, const struct evkeyvalq *headers)
{
	struct evkeyval *h;
	int set = 0;

	TAILQ_FOREACH(h, headers, next) {
		switch (h->key[0]) {
		case 'C': case 'c':
			if (strcasecmp(h->key, "Content-Length") == 0)
				set |= SET_CL;
			else if (strcasecmp(h->key, "Content-Type") == 0)
				set |= SET_CT;
			else if (strcasecmp(h->key, "Connection") == 0)
				set |= SET_CONN;
			break;
		case 'D': case 'd':
			if (strcasecmp(h->key, "Date") == 0)
				set |= SET_DATE;
			break;
		case 'T': case 't':
			if (strcasecmp(h->key, "Transfer-Encoding") == 0)
				set |= SET_TE;
			break;
		}
		http_buf_add_header_(out, h->key, h->value);
	}
	return set;
}

/*
 * Queue the status line and headers of a reply, adding those the
 * application left out.  body_len is the length of the body to announce,
 * or -1 for a streamed reply.
 */
void
server_write_head_(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_int64_t body_len)
{
	struct evbuffer *out = evcon->output_buffer;
	char line[64];
	int nobody = HTTP_STATUS_NOBODY(req->response_code);
	int set;

	write_status_line(out, req);
	set = write_headers(out, req->output_headers);
	if (!(set & SET_DATE) && evcon->http_server != NULL)
		http_buf_add_header_(out, "Date",
		    server_date(evcon->http_server));
	if (body_len >= 0 && !(set & (SET_CL | SET_TE)) && !nobody)
		http_buf_add_header_(out, "Content-Length",
		    format_u64((ev_uint64_t)body_len, line, sizeof(line)));
	if (body_len > 0 && !(set & SET_CT) && !nobody &&
	    server_content_type_(evcon->http_server) != NULL)
		http_buf_add_header_(out, "Content-Type",
		    server_content_type_(evcon->http_server));
	if (!(set & SET_CONN) && !(req->flags & EVHTTP_PROXY_REQUEST)) {
		if (!evcon->keep_alive && req->minor >= 1)
			http_buf_add_header_(out, "Connection", "close");
		else if (evcon->keep_alive && req->minor == 0)
			http_buf_add_header_(out, "Connection", "keep-alive");
	}
	evbuffer_add(out, "\r\n", 2);
}

/*
 * The reason phrase to send for code: reason, unless it holds CR, LF or
 * another control byte (which would put headers of the caller's making on
 * the wire); then the standard phrase.  NULL stays an empty phrase.
 */
static const char *
safe_reason(int code, const char *reason)
{
	if (reason == NULL)
		return "";
	if (http_reason_is_safe_(reason))
		return reason;
	event_warnx("evhttp: the reason phrase for %d has control bytes; "
	    "\"%s\" is sent instead", code, http_reason_phrase_(code));
	return http_reason_phrase_(code);
}

/* Make req a response with this status; reason may be the current one.
 * A recycled request reuses its last phrase if it is the same. */
static void
set_response(struct evhttp_request *req, int code, const char *reason)
{
	const char *safe = safe_reason(code, reason);
	char **old = &REQ_PRIV(req)->old_reason;
	char *line;

	if (*old != NULL && strcmp(*old, safe) == 0) {
		line = *old;
		*old = NULL;
	} else {
		line = mm_strdup(safe);
	}
	req->kind = EVHTTP_RESPONSE;
	req->response_code = code;
	mm_free(req->response_code_line);
	req->response_code_line = line;
}

/* Empty *bufp for reuse; one that grew large is replaced (NULL: ENOMEM). */
static void
empty_buffer(struct evbuffer **bufp)
{
	if ((*bufp)->totallen > 65536) {
		evbuffer_free(*bufp);
		*bufp = evbuffer_new();
	} else {
		evbuffer_drain(*bufp, (*bufp)->off);
	}
}

/*
 * Keep a finished server request as the connection's spare for the next
 * request: it saves the allocations of a request (struct, two buffers,
 * the remote address) on every keep-alive exchange.  Buffers that grew
 * large are replaced so an idle connection does not pin big bodies.
 */
static void
server_recycle_request(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	struct http_req *r = REQ_PRIV(req);
	char *host = req->remote_host;
	unsigned short port = req->remote_port;

	if (req->flags & EVHTTP_USER_OWNED)
		return;		/* the program frees it */
	if (evcon->spare != NULL || req->input_buffer == NULL ||
	    req->output_buffer == NULL) {
		evhttp_request_free(req);
		return;
	}
	if (req->uri != NULL) {
		mm_free(r->old_uri);
		r->old_uri_size = strlen(req->uri) + 1;
		r->old_uri = req->uri;
	}
	mm_free(r->old_reason);
	r->old_reason = req->response_code_line;
	evhttp_clear_headers(&r->in_headers);
	evhttp_clear_headers(&r->out_headers);
	empty_buffer(&req->input_buffer);
	empty_buffer(&req->output_buffer);
	if (req->input_buffer == NULL || req->output_buffer == NULL) {
		evhttp_request_free(req);
		return;
	}
	r->handed = 0;
	r->replied = 0;
	req->evcon = NULL;
	req->flags = EVHTTP_REQ_OWN_CONNECTION;
	req->input_headers = &r->in_headers;
	req->output_headers = &r->out_headers;
	req->remote_host = host;
	req->remote_port = port;
	req->kind = EVHTTP_REQUEST;
	http_req_set_method_(req, HTTP_M_GET, 0);
	if (r->ext != NULL)
		http_req_ext_free_(req);
	req->uri = NULL;
	req->major = req->minor = 0;
	req->response_code = 0;
	req->response_code_line = NULL;
	req->ntoread = -1;
	req->chunked = 0;
	req->userdone = 0;
	req->cb = NULL;
	req->cb_arg = NULL;
	req->chunk_cb = NULL;
	evcon->spare = req;
}

/*
 * Make req the reply with this status and decide whether the connection
 * stays open after it.
 */
static void
reply_begin(struct evhttp_connection *evcon, struct evhttp_request *req,
    int code, const char *reason)
{
	set_response(req, code, reason);
	if (http_has_token_(evhttp_find_header(req->output_headers,
		"Connection"), "close"))
		evcon->keep_alive = 0;
	if (evcon->flags & EVCON_PEER_EOF)
		evcon->keep_alive = 0;
}

/* Is the body of the reply to req dropped (RFC 9110 6.4.1, 9.3.2)? */
static int
reply_without_body(const struct evhttp_request *req)
{
	return http_req_bit_(req) == HTTP_M_HEAD ||
	    req->response_code == HTTP_NOCONTENT ||
	    req->response_code == HTTP_NOTMODIFIED;
}

/*
 * May the application reply to req on evcon now?  Only to the request the
 * connection is serving, once.
 */
static int
reply_allowed(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	if (REQ_PRIV(req)->replied || TAILQ_FIRST(&evcon->requests) != req) {
		event_warnx("%s: request %p was answered already", __func__,
		    (void *)req);
		return 0;
	}
	return 1;
}

/* The connection can take no more output (it failed or is closing). */
#define REPLY_DROPPED(evcon) \
	(((evcon)->flags & (EVCON_DEAD | EVCON_WRITE_FAILED)) != 0)

/*
 * The reply to req is fully queued, but for body (NULL: none), which
 * follows the output.  Send what the socket takes now; the request is
 * finished from the loop (server_reply_done_), so it stays valid,
 * unchanged and attached until the caller returns to the loop.
 */
static void
reply_complete(struct evhttp_connection *evcon, struct evhttp_request *req,
    struct evbuffer *body)
{
	REQ_PRIV(req)->handed = 0;
	REQ_PRIV(req)->replied = 1;
	if (body != NULL)
		conn_send_body_(evcon, body);
	else
		conn_flush_(evcon);
	conn_defer_(evcon, CONN_DEFER_DONE);
}

/*
 * From the loop, after the reply to the connection's current request was
 * queued: recycle the request and read the next one (or close).
 */
void
server_reply_done_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	if (req == NULL || !REQ_PRIV(req)->replied)
		return;
	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	if (REQ_PRIV(req)->ext != NULL)
		http_req_complete_(req);
	server_recycle_request(evcon, req);
	evcon->reply_started = 0;
	evcon->reply_chunked = 0;
	evcon->reply_head = 0;
	http_parser_reset_(&evcon->parser);
	if (!evcon->keep_alive) {
		conn_closing_(evcon);
		return;
	}
	conn_set_phase_(evcon, CONN_READING);
	conn_update_read_(evcon);
	if (evcon->input_buffer->off > 0) {
		/* The next request has begun: its head timeout runs. */
		conn_set_timer_(evcon, conn_io_timeout_(evcon));
		server_process_(evcon);
	} else if (evcon->output_buffer->off == 0) {
		conn_idle_(evcon);
	}
	/* else the write timeout runs; idle once it is written. */
}

void
evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *databuf)
{
	struct evhttp_connection *evcon = req->evcon;
	size_t len = databuf != NULL ? databuf->off : 0;

	if (evcon == NULL) {
		/* The client went away: just forget the request. */
		if (databuf != NULL)
			evbuffer_drain(databuf, databuf->off);
		evhttp_request_free(req);
		return;
	}
	if (!reply_allowed(evcon, req))
		return;
	CONN_ENTER(evcon);
	reply_begin(evcon, req, code, reason);
	if (REPLY_DROPPED(evcon)) {
		if (len > 0)
			evbuffer_drain(databuf, len);
	} else {
		server_write_head_(evcon, req, (ev_int64_t)len);
		if (len > 0 && reply_without_body(req))
			evbuffer_drain(databuf, len);
	}
	reply_complete(evcon, req, len > 0 && databuf->off > 0 ?
	    databuf : NULL);
	conn_leave_(evcon);
}

void
evhttp_send_reply_start(struct evhttp_request *req, int code,
    const char *reason)
{
	struct evhttp_connection *evcon = req->evcon;

	if (evcon == NULL || evcon->reply_started ||
	    !reply_allowed(evcon, req))
		return;
	CONN_ENTER(evcon);
	reply_begin(evcon, req, code, reason);
	evcon->reply_started = 1;
	evcon->reply_head = reply_without_body(req);
	if (!evcon->reply_head && evhttp_find_header(req->output_headers,
		"Content-Length") == NULL) {
		if (req->minor >= 1) {
			/* Replace whatever the application put there. */
			while (evhttp_remove_header(req->output_headers,
			    "Transfer-Encoding") == 0)
				;
			evhttp_add_header(req->output_headers,
			    "Transfer-Encoding", "chunked");
			evcon->reply_chunked = 1;
			REQ_SET_CHUNKED(req, 1);
		} else {
			/* HTTP/1.0: the end of the body is the close. */
			evcon->keep_alive = 0;
		}
	}
	if (!REPLY_DROPPED(evcon)) {
		server_write_head_(evcon, req, -1);
		conn_flush_(evcon);
	}
	conn_leave_(evcon);
}

/*
 * A piece of a streamed reply.  On a request whose client left (detached)
 * this does nothing; on a connection that failed and is about to close
 * the data is dropped, as if written.
 */
void
evhttp_send_reply_chunk(struct evhttp_request *req, struct evbuffer *databuf)
{
	struct evhttp_connection *evcon = req->evcon;
	struct evbuffer *out;
	size_t len = databuf != NULL ? databuf->off : 0;

	if (evcon == NULL || !evcon->reply_started || len == 0 ||
	    REQ_PRIV(req)->replied)
		return;
	out = evcon->output_buffer;
	if (REPLY_DROPPED(evcon) || evcon->reply_head) {
		evbuffer_drain(databuf, len);
		return;
	}
	CONN_ENTER(evcon);
	if (evcon->reply_chunked) {
		evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add_buffer(out, databuf);
		evbuffer_add(out, "\r\n", 2);
	} else {
		evbuffer_add_buffer(out, databuf);
	}
	conn_flush_(evcon);
	conn_leave_(evcon);
}

void
evhttp_send_reply_end(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req->evcon;

	if (evcon == NULL) {
		evhttp_request_free(req);
		return;
	}
	if (!reply_allowed(evcon, req))
		return;
	if (!evcon->reply_started) {
		/* Nothing was started: an empty complete reply. */
		evhttp_send_reply(req, req->response_code ?
		    req->response_code : HTTP_OK,
		    req->response_code_line ? req->response_code_line : "OK",
		    NULL);
		return;
	}
	CONN_ENTER(evcon);
	if (evcon->reply_chunked && !REPLY_DROPPED(evcon))
		evbuffer_add(evcon->output_buffer, "0\r\n\r\n", 5);
	reply_complete(evcon, req, NULL);
	conn_leave_(evcon);
}

/* Reply with body (may be NULL) as HTML and close the connection. */
static void
reply_and_close(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *body)
{
	evhttp_clear_headers(req->output_headers);
	evhttp_add_header(req->output_headers, "Content-Type", "text/html");
	evhttp_add_header(req->output_headers, "Connection", "close");
	if (req->evcon != NULL)
		req->evcon->keep_alive = 0;
	evhttp_send_reply(req, code, reason, body);
}

/*
 * An HTML page made from body_fmt with the code, the reason and arg (both
 * HTML-escaped); the connection closes after it.
 */
void
server_send_page_(struct evhttp_request *req, int code, const char *reason,
    const char *body_fmt, const char *arg)
{
	struct evbuffer *body = evbuffer_new();
	char *esc_reason, *esc_arg;

	reason = safe_reason(code, reason);
	esc_reason = evhttp_htmlescape(reason);
	esc_arg = evhttp_htmlescape(arg != NULL ? arg : "");

	if (body != NULL && esc_reason != NULL && esc_arg != NULL)
		evbuffer_add_printf(body, body_fmt, code, esc_reason, esc_arg);
	mm_free(esc_reason);
	mm_free(esc_arg);
	reply_and_close(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	reason = safe_reason(error, reason);
	server_send_page_(req, error, reason,
	    "<html><head><title>%d %s</title></head><body>"
	    "<h1>%s</h1></body></html>\n", reason);
}

/* Make req a response with this status code and reason phrase. */
void
evhttp_response_code(struct evhttp_request *req, int code, const char *reason)
{
	if (req != NULL)
		set_response(req, code, reason);
}

/*
 * Send databuf as an HTML page and close the connection afterwards: 200
 * OK unless evhttp_response_code() chose another status.
 */
void
evhttp_send_page(struct evhttp_request *req, struct evbuffer *databuf)
{
	int code = HTTP_OK;
	const char *reason = "OK";

	if (req == NULL)
		return;
	if (req->kind == EVHTTP_RESPONSE && req->response_code != 0) {
		code = req->response_code;
		if (req->response_code_line != NULL)
			reason = req->response_code_line;
	}
	/* set_response() copies before it frees: reason may be the old
	 * line. */
	reply_and_close(req, code, reason, databuf);
}

