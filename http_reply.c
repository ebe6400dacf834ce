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

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "evbuffer-internal.h"
#include "http-grammar-internal.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* The server's "Date: ...\r\n" line, rebuilt when the second changes;
 * its length in *lenp. */
static const char *
server_date_line(struct evhttp *http, size_t *lenp)
{
	time_t now = time(NULL);

	if (now != http->date_when || http->date_len == 0) {
		memcpy(http->date, "Date: ", 6);
		http_format_date_(now, http->date + 6, sizeof(http->date) - 8);
		http->date_len = strlen(http->date);
		memcpy(http->date + http->date_len, "\r\n", 2);
		http->date_len += 2;
		http->date_when = now;
	}
	*lenp = http->date_len;
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

/* The headers the application set itself, as the head writer sees them. */
#define SET_CL		0x01	/* Content-Length */
#define SET_TE		0x02	/* Transfer-Encoding */
#define SET_CT		0x04	/* Content-Type */
#define SET_DATE	0x08
#define SET_CONN	0x10	/* Connection */

/* Which of those a header name of kl bytes is (0: none); the length
 * decides first, so most names cost no comparison. */
static int
header_role(const char *key, size_t kl)
{
	/* (token_is: a program's own name with a CR where a '-' belongs
	 * would count as that header; the head writer sends it as it is.) */
	switch (kl) {
	case 4:
		return token_is(key, kl, "date") ? SET_DATE : 0;
	case 10:
		return token_is(key, kl, "connection") ? SET_CONN : 0;
	case 12:
		return token_is(key, kl, "content-type") ? SET_CT : 0;
	case 14:
		return token_is(key, kl, "content-length") ? SET_CL : 0;
	case 17:
		return token_is(key, kl, "transfer-encoding") ? SET_TE : 0;
	}
	return 0;
}

#define REPLY_HEAD_LENS	8

/*
 * A reply head as server_write_head_() builds it: the pieces beside the
 * application's headers, measured first, so that the head is written
 * into the output with one size check and no intermediate copies.
 */
struct reply_head {
	const char *reason;
	size_t reason_len;
	const char *date;	/* the whole Date line; NULL: none */
	size_t date_len;
	const char *length;	/* the Content-Length value; NULL: none */
	size_t length_len;
	const char *ctype;	/* the Content-Type value; NULL: none */
	const char *conn;	/* the Connection value; NULL: none */
	char num[24];		/* length's digits */
	/* The name and value lengths of the first application headers,
	 * measured by the plan for the writer. */
	size_t hlen[REPLY_HEAD_LENS][2];
};

/* Append n bytes; returns the end. */
static char *
put_bytes(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static char *
put_header(char *p, const char *key, size_t kl, const char *value,
    size_t vl)
{
	p = put_bytes(p, key, kl);
	*p++ = ':';
	*p++ = ' ';
	p = put_bytes(p, value, vl);
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* "HTTP/1.x NNN reason\r\n", without snprintf. */
static char *
put_status_line(char *p, const struct evhttp_request *req,
    const struct reply_head *rh)
{
	int code = req->response_code;

	if (code < 0 || code > 999)
		code = HTTP_INTERNAL;
	memcpy(p, "HTTP/1.1 ", 9);
	p[5] = (char)('0' + (req->major % 10));
	p[7] = (char)('0' + (req->minor % 10));
	p[9] = (char)('0' + code / 100);
	p[10] = (char)('0' + code / 10 % 10);
	p[11] = (char)('0' + code % 10);
	p[12] = ' ';
	/* set_response() made the reason safe (evhttp_make_header() checks
	 * one set by hand). */
	p = put_bytes(p + 13, rh->reason, rh->reason_len);
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/*
 * Decide the headers the application left out and measure the head (the
 * byte count is returned).  The application's "Connection: close" ends
 * the connection after this reply.
 */
static size_t
reply_head_plan(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_int64_t body_len, struct reply_head *rh)
{
	int nobody = HTTP_STATUS_NOBODY(req->response_code);
	struct evkeyval *h;
	size_t need, i = 0;
	int set = 0, role;

	memset(rh, 0, offsetof(struct reply_head, num));
	rh->reason = req->response_code_line != NULL ?
	    req->response_code_line : "";
	rh->reason_len = strlen(rh->reason);
	need = 13 + rh->reason_len + 2 + 2;	/* status line, empty line */
	TAILQ_FOREACH(h, req->output_headers, next) {
		size_t kl = strlen(h->key), vl = strlen(h->value);

		if ((role = header_role(h->key, kl)) == SET_CONN &&
		    http_has_token_(h->value, "close"))
			evcon->keep_alive = 0;
		set |= role;
		need += kl + vl + 4;
		if (i < REPLY_HEAD_LENS) {
			rh->hlen[i][0] = kl;
			rh->hlen[i++][1] = vl;
		}
	}
	if (!(set & SET_DATE) && evcon->http_server != NULL) {
		rh->date = server_date_line(evcon->http_server, &rh->date_len);
		need += rh->date_len;
	}
	if (body_len >= 0 && !(set & (SET_CL | SET_TE)) && !nobody) {
		rh->length = format_u64((ev_uint64_t)body_len, rh->num,
		    sizeof(rh->num));
		rh->length_len = (size_t)(rh->num + sizeof(rh->num) - 1 -
		    rh->length);
		need += 16 + rh->length_len + 2;
	}
	if (body_len > 0 && !(set & SET_CT) && !nobody &&
	    (rh->ctype = server_content_type_(evcon->http_server)) != NULL)
		need += 14 + strlen(rh->ctype) + 2;
	if (!(set & SET_CONN) && !(req->flags & EVHTTP_PROXY_REQUEST)) {
		if (!evcon->keep_alive && req->minor >= 1)
			rh->conn = "close";
		else if (evcon->keep_alive && req->minor == 0)
			rh->conn = "keep-alive";
		if (rh->conn != NULL)
			need += 12 + strlen(rh->conn) + 2;
	}
	return need;
}

/* Write the head reply_head_plan() measured at p; returns its end. */
static char *
reply_head_put(char *p, const struct evhttp_request *req,
    const struct reply_head *rh)
{
	struct evkeyval *h;
	size_t i = 0;

	p = put_status_line(p, req, rh);
	TAILQ_FOREACH(h, req->output_headers, next) {
		if (i < REPLY_HEAD_LENS) {
			p = put_header(p, h->key, rh->hlen[i][0], h->value,
			    rh->hlen[i][1]);
			i++;
		} else {
			p = put_header(p, h->key, strlen(h->key), h->value,
			    strlen(h->value));
		}
	}
	if (rh->date != NULL)
		p = put_bytes(p, rh->date, rh->date_len);
	if (rh->length != NULL)
		p = put_header(p, "Content-Length", 14, rh->length,
		    rh->length_len);
	if (rh->ctype != NULL)
		p = put_header(p, "Content-Type", 12, rh->ctype,
		    strlen(rh->ctype));
	if (rh->conn != NULL)
		p = put_header(p, "Connection", 10, rh->conn,
		    strlen(rh->conn));
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/*
 * Queue the status line and headers of a reply, adding those the
 * application left out.  body_len is the length of the body to announce,
 * or -1 for a streamed reply.  Out of memory the connection fails (from
 * the loop): a reply without its head must not follow.
 */
void
server_write_head_(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_int64_t body_len)
{
	struct evbuffer *out = evcon->output_buffer;
	struct reply_head rh;
	size_t need = reply_head_plan(evcon, req, body_len, &rh);
	char *end;

	if (evbuffer_expand(out, need) == -1) {
		evcon->flags |= EVCON_WRITE_FAILED;
		evbuffer_drain(out, out->off);
		conn_defer_(evcon, CONN_DEFER_FAIL);
		return;
	}
	end = reply_head_put((char *)out->buffer + out->off, req, &rh);
	out->off = (size_t)(end - (char *)out->buffer);
}

/* A head up to this size is built on the stack (reply_send_direct). */
#define REPLY_HEAD_STACK	512

/*
 * Send a whole reply now with its head built on the stack, when nothing
 * waits in the output before it and the head is small: head and body
 * leave in one system call, and the output buffer is used only for what
 * the socket refuses (so a connection keeps no storage for its replies,
 * and a small body is not copied).  -1, having sent nothing, when the
 * usual path must do it.
 */
static int
reply_send_direct(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_int64_t body_len, struct evbuffer *body)
{
	char head[REPLY_HEAD_STACK];
	struct reply_head rh;
	char *end;

	if (!conn_can_send_now_(evcon) ||
	    reply_head_plan(evcon, req, body_len, &rh) > sizeof(head))
		return -1;
	end = reply_head_put(head, req, &rh);
	conn_send_direct_(evcon, head, (size_t)(end - head), body);
	return 0;
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
		*bufp = evbuffer_new_plain();
	} else if ((*bufp)->off > 0) {
		evbuffer_drain(*bufp, (*bufp)->off);
	}
}

/*
 * Keep a finished server request among its server's spares for the next
 * request of any of its connections: it saves the allocations of a
 * request (struct, two buffers, the strings) on every exchange, and the
 * next request, on whatever connection, finds it warm in the cache while
 * a connection between requests holds none (server_current_request).
 * Buffers that grew large are replaced so the spares do not pin big
 * bodies.
 */
static void
server_recycle_request(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	struct http_req *r = REQ_PRIV(req);
	struct evhttp *http = evcon->http_server;
	char *host = req->remote_host;

	if (req->flags & EVHTTP_USER_OWNED)
		return;		/* the program frees it */
	if (http == NULL || http->nspares >= HTTP_SPARES_MAX ||
	    req->input_buffer == NULL || req->output_buffer == NULL) {
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
	http_headers_keep_(r);
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
	r->host_size = host != NULL ? strlen(host) + 1 : 0;
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
	TAILQ_INSERT_HEAD(&http->spares, req, next);
	http->nspares++;
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
	/* (An application's "Connection: close" is seen by the head
	 * writer, server_write_head_.) */
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

/* evhttp_send_reply() on a connection that takes output: send the head
 * and body (NULL: none), directly when possible. */
static void
reply_send_whole(struct evhttp_connection *evcon, struct evhttp_request *req,
    size_t len, struct evbuffer *body)
{
	REQ_PRIV(req)->handed = 0;
	REQ_PRIV(req)->replied = 1;
	if (reply_send_direct(evcon, req, (ev_int64_t)len, body) == -1) {
		server_write_head_(evcon, req, (ev_int64_t)len);
		if (body != NULL)
			conn_send_body_(evcon, body);
		else
			conn_flush_(evcon);
	}
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
	/* The head announces len even where the body is dropped (HEAD). */
	if (len > 0 && (REPLY_DROPPED(evcon) || reply_without_body(req)))
		evbuffer_drain(databuf, len);
	if (REPLY_DROPPED(evcon))
		reply_complete(evcon, req, NULL);
	else
		reply_send_whole(evcon, req, len, len > 0 &&
		    databuf->off > 0 ? databuf : NULL);
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

