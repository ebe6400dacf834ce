/*
 * http.c -- the embedded HTTP/1.x server and client of relevent.
 *
 * Written from RFC 9110/9112 and the libevent 1.4 API notes; the code is
 * our own.  Only the public API of the core (event.h, evutil.h) is used.
 *
 * Design notes:
 *
 * a) Each connection drives its socket itself with three events: a
 *    persistent read event that stays registered for the connection's
 *    whole life (so a keep-alive request costs no epoll_ctl), a write event
 *    registered only while the socket refuses output, and one timer.
 *    A reply is written with one send() right away; only what the kernel
 *    does not take waits for the write event.
 *
 * b) The same parser reads requests (server) and responses (client).  It
 *    works in place on the contiguous input buffer and is strict: what
 *    RFC 9112 calls invalid framing (duplicate or malformed Content-Length,
 *    Transfer-Encoding other than a lone "chunked", both at once, obs-fold,
 *    control bytes in names or values, bad chunk sizes, framing headers in
 *    trailers) ends the connection with a 400 instead of being guessed at,
 *    because a lenient guess is what request smuggling exploits.
 *
 * c) Reentrancy: application callbacks may free the connection, the
 *    server, or make new requests.  Every entry point raises evcon->busy
 *    while it works; freeing a busy connection only marks it EVCON_DEAD
 *    and the outermost entry point destroys it on the way out.  Code that
 *    calls out therefore re-checks EVCON_DEAD afterwards.
 *
 * d) The contract of every public function (arguments, ownership, return
 *    values) is written where it is declared, in include/evhttp.h; the
 *    comments here explain how it is met.  docs/COMPAT.md lists
 *    where we differ from libevent 1.4 and why.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4() */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/*
 * The library's view of a request: the public struct plus private state.
 * Requests are only ever allocated by evhttp_request_new(), so the public
 * part can be embedded first.
 */
struct http_req {
	struct evhttp_request pub;
	struct evkeyvalq in_headers;
	struct evkeyvalq out_headers;
	int handed;		/* server: given to the application */
	int cl_count;		/* Content-Length headers seen */
};

#define REQ_PRIV(r)	((struct http_req *)(r))

/* Set or clear the 1.4 one-bit "chunked" field (a signed bitfield). */
#define REQ_SET_CHUNKED(r, v)	((r)->chunked = (v) ? -1 : 0)

static void conn_destroy(struct evhttp_connection *evcon);
static int conn_leave(struct evhttp_connection *evcon);
static void conn_flush(struct evhttp_connection *evcon);
static void conn_update_read(struct evhttp_connection *evcon);
static void conn_read_cb(int fd, short what, void *arg);
static void conn_write_cb(int fd, short what, void *arg);
static void conn_timer_cb(int fd, short what, void *arg);
static void server_process(struct evhttp_connection *evcon);
static void server_fail(struct evhttp_connection *evcon, int code);
static void client_process(struct evhttp_connection *evcon);
static void client_fail(struct evhttp_connection *evcon,
    enum evhttp_connection_error error);
static int client_connect(struct evhttp_connection *evcon);
static void client_send_next(struct evhttp_connection *evcon);
static void client_connect_failed(struct evhttp_connection *evcon);
static size_t client_write_head(struct evhttp_connection *evcon,
    struct evhttp_request *req);
static void conn_reset(struct evhttp_connection *evcon);
static void server_recycle_request(struct evhttp_connection *evcon,
    struct evhttp_request *req);

#define CONN_ENTER(evcon)	((evcon)->busy++)

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static int
memcaseeq(const char *a, size_t len, const char *b)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] == '\0' ||
		    tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	}
	return b[len] == '\0';
}

/* RFC 9110 tchar: the characters of a token (header names, methods). */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte allowed in a field value: VCHAR, obs-text, SP or HTAB. */
static int
is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/*
 * Does the comma-separated list in value contain token (any case)?
 * "close", " Keep-Alive , TE" and the like.
 */
static int
header_has_token(const char *value, const char *token)
{
	const char *p = value;
	size_t tlen = strlen(token);

	if (value == NULL)
		return 0;
	while (*p != '\0') {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((size_t)(end - start) == tlen &&
		    memcaseeq(start, tlen, token))
			return 1;
	}
	return 0;
}

/*
 * Strict Content-Length: 1 to 19 decimal digits, nothing else, at most
 * 2^63-1.  0 and *out on success, -1 otherwise.
 */
static int
parse_content_length(const char *s, ev_int64_t *out)
{
	ev_uint64_t v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > ((ev_uint64_t)INT64_MAX - (ev_uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (ev_uint64_t)(*p - '0');
	}
	*out = (ev_int64_t)v;
	return 0;
}

/* Append n bytes without a function call per piece (contiguous buffer). */
static int
buf_add(struct evbuffer *buf, const void *data, size_t n)
{
	return evbuffer_add(buf, data, n);
}

static int
buf_add_str(struct evbuffer *buf, const char *s)
{
	return evbuffer_add(buf, s, strlen(s));
}

/* Append "key: value\r\n" with one copy. */
static int
buf_add_header(struct evbuffer *buf, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value), n;
	unsigned char *p;

	if (kl > SIZE_MAX / 2 || vl > SIZE_MAX / 2)
		return -1;
	n = kl + vl + 4;
	if (evbuffer_expand(buf, n) == -1)
		return -1;
	p = buf->buffer + buf->off;
	memcpy(p, key, kl);
	p[kl] = ':';
	p[kl + 1] = ' ';
	memcpy(p + kl + 2, value, vl);
	p[kl + 2 + vl] = '\r';
	p[kl + 3 + vl] = '\n';
	buf->off += n;
	return 0;
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

/* Build an RFC 9110 IMF-fixdate, independent of the locale. */
static void
format_http_date(time_t t, char *out, size_t outlen)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		evutil_snprintf(out, outlen, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	evutil_snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The server's Date value, rebuilt when the second changes. */
static const char *
server_date(struct evhttp *http)
{
	time_t now = time(NULL);

	if (now != http->date_when || http->date[0] == '\0') {
		format_http_date(now, http->date, sizeof(http->date));
		http->date_when = now;
	}
	return http->date;
}

static void
attach_event(struct event_base *base, struct event *ev)
{
	if (base != NULL)
		event_base_set(base, ev);
}

/* ------------------------------------------------------------------ */
/* Headers                                                             */

const char *
evhttp_find_header(const struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *header;

	if (headers == NULL || key == NULL)
		return NULL;
	TAILQ_FOREACH(header, headers, next) {
		if (strcasecmp(header->key, key) == 0)
			return header->value;
	}
	return NULL;
}

void
evhttp_clear_headers(struct evkeyvalq *headers)
{
	struct evkeyval *header;

	if (headers == NULL)
		return;
	while ((header = TAILQ_FIRST(headers)) != NULL) {
		TAILQ_REMOVE(headers, header, next);
		mm_free(header->key);
		mm_free(header->value);
		mm_free(header);
	}
}

int
evhttp_remove_header(struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *header;

	if (headers == NULL || key == NULL)
		return -1;
	TAILQ_FOREACH(header, headers, next) {
		if (strcasecmp(header->key, key) == 0) {
			TAILQ_REMOVE(headers, header, next);
			mm_free(header->key);
			mm_free(header->value);
			mm_free(header);
			return 0;
		}
	}
	return -1;
}

/* Append key/value (lengths given) without validation.  0 or -1. */
static int
add_header_raw(struct evkeyvalq *headers, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	struct evkeyval *header = mm_calloc(1, sizeof(*header));

	if (header == NULL)
		return -1;
	header->key = mm_strndup(key, klen);
	header->value = mm_strndup(value, vlen);
	if (header->key == NULL || header->value == NULL) {
		mm_free(header->key);
		mm_free(header->value);
		mm_free(header);
		return -1;
	}
	TAILQ_INSERT_TAIL(headers, header, next);
	return 0;
}

int
evhttp_add_header(struct evkeyvalq *headers, const char *key,
    const char *value)
{
	const unsigned char *p;

	if (headers == NULL || key == NULL || value == NULL || *key == '\0')
		return -1;
	/* A name is a token: no CR, LF, NUL, space or colon can hide in it. */
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		if (!is_tchar(*p)) {
			event_debug(("%s: bad header name \"%s\"", __func__, key));
			return -1;
		}
	}
	/* CR or LF in a value would end the header early on the wire. */
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			event_debug(("%s: CR/LF in value of %s", __func__, key));
			return -1;
		}
	}
	return add_header_raw(headers, key, strlen(key), value, strlen(value));
}

/* ------------------------------------------------------------------ */
/* URI helpers                                                         */

/* Bytes evhttp_encode_uri() keeps as they are. */
static int
uri_unreserved(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!$'()*+,-./:=@_~", c) != NULL;
}

char *
evhttp_encode_uri(const char *uri)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, i;
	char *out, *q;

	if (uri == NULL)
		return NULL;
	len = strlen(uri);
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = mm_malloc(len * 3 + 1);
	if (out == NULL)
		return NULL;
	q = out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (uri_unreserved(c)) {
			*q++ = (char)c;
		} else {
			*q++ = '%';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 15];
		}
	}
	*q = '\0';
	return out;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode len bytes of in into out (at least len + 1 bytes).  '+' becomes a
 * space once a '?' was seen, or from the start when plus_is_space is set.
 * Returns the decoded length.
 */
static size_t
decode_into(const char *in, size_t len, char *out, int plus_is_space)
{
	size_t i, j = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '?')
			plus_is_space = 1;
		if (c == '+' && plus_is_space) {
			out[j++] = ' ';
		} else if (c == '%' && i + 2 < len &&
		    hexval((unsigned char)in[i + 1]) >= 0 &&
		    hexval((unsigned char)in[i + 2]) >= 0) {
			out[j++] = (char)(hexval((unsigned char)in[i + 1]) * 16 +
			    hexval((unsigned char)in[i + 2]));
			i += 2;
		} else {
			out[j++] = (char)c;
		}
	}
	out[j] = '\0';
	return j;
}

char *
evhttp_decode_uri(const char *uri)
{
	size_t len;
	char *out;

	if (uri == NULL)
		return NULL;
	len = strlen(uri);
	if (len == SIZE_MAX)
		return NULL;
	out = mm_malloc(len + 1);
	if (out == NULL)
		return NULL;
	decode_into(uri, len, out, 0);
	return out;
}

void
evhttp_parse_query(const char *uri, struct evkeyvalq *headers)
{
	const char *p, *end;

	TAILQ_INIT(headers);
	if (uri == NULL || (p = strchr(uri, '?')) == NULL)
		return;
	p++;
	while (*p != '\0') {
		const char *eq;
		char *value;
		size_t vlen;

		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			break;	/* 1.4: stop at the first piece without '=' */
		vlen = (size_t)(end - eq - 1);
		value = mm_malloc(vlen + 1);
		if (value == NULL)
			break;
		vlen = decode_into(eq + 1, vlen, value, 1);
		/* Values may hold decoded CR/LF: bypass the header checks. */
		if (add_header_raw(headers, p, (size_t)(eq - p), value,
			vlen) == -1) {
			mm_free(value);
			break;
		}
		mm_free(value);
		if (*end == '\0')
			break;
		p = end + 1;
	}
}

char *
evhttp_htmlescape(const char *html)
{
	size_t len = 0, i, n;
	const char *p;
	char *out, *q;

	if (html == NULL)
		return NULL;
	for (p = html; *p != '\0'; p++) {
		switch (*p) {
		case '<': case '>': n = 4; break;	/* &lt; &gt; */
		case '&': n = 5; break;			/* &amp; */
		case '"': case '\'': n = 6; break;	/* &quot; &#039; */
		default: n = 1; break;
		}
		if (len > SIZE_MAX - 1 - n)
			return NULL;
		len += n;
	}
	out = mm_malloc(len + 1);
	if (out == NULL)
		return NULL;
	q = out;
	for (i = 0; html[i] != '\0'; i++) {
		const char *rep = NULL;

		switch (html[i]) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#039;"; break;
		}
		if (rep != NULL) {
			n = strlen(rep);
			memcpy(q, rep, n);
			q += n;
		} else {
			*q++ = html[i];
		}
	}
	*q = '\0';
	return out;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

struct evhttp_request *
evhttp_request_new(void (*cb)(struct evhttp_request *, void *), void *arg)
{
	struct http_req *r = mm_calloc(1, sizeof(*r));
	struct evhttp_request *req;

	if (r == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	req = &r->pub;
	TAILQ_INIT(&r->in_headers);
	TAILQ_INIT(&r->out_headers);
	req->input_headers = &r->in_headers;
	req->output_headers = &r->out_headers;
	req->input_buffer = evbuffer_new();
	req->output_buffer = evbuffer_new();
	if (req->input_buffer == NULL || req->output_buffer == NULL) {
		event_warn("%s: evbuffer_new", __func__);
		if (req->input_buffer != NULL)
			evbuffer_free(req->input_buffer);
		if (req->output_buffer != NULL)
			evbuffer_free(req->output_buffer);
		mm_free(r);
		return NULL;
	}
	req->kind = EVHTTP_RESPONSE;
	req->ntoread = -1;
	req->cb = cb;
	req->cb_arg = arg;
	return req;
}

void
evhttp_request_free(struct evhttp_request *req)
{
	if (req == NULL)
		return;
	mm_free(req->remote_host);
	mm_free(req->uri);
	mm_free(req->response_code_line);
	evhttp_clear_headers(req->input_headers);
	evhttp_clear_headers(req->output_headers);
	if (req->input_buffer != NULL)
		evbuffer_free(req->input_buffer);
	if (req->output_buffer != NULL)
		evbuffer_free(req->output_buffer);
	mm_free(REQ_PRIV(req));
}

void
evhttp_request_set_chunked_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *))
{
	req->chunk_cb = cb;
}

struct evhttp_connection *
evhttp_request_get_connection(struct evhttp_request *req)
{
	return req->evcon;
}

const char *
evhttp_request_uri(struct evhttp_request *req)
{
	if (req->uri == NULL)
		event_debug(("%s: request %p has no uri", __func__, (void *)req));
	return req->uri;
}

/* ------------------------------------------------------------------ */
/* Connections: common part                                            */

static struct evhttp_connection *
conn_alloc(struct event_base *base)
{
	struct evhttp_connection *evcon = mm_calloc(1, sizeof(*evcon));

	if (evcon == NULL)
		return NULL;
	evcon->fd = -1;
	evcon->timeout = -1;
	evcon->base = base;
	evcon->state = EVCON_DISCONNECTED;
	TAILQ_INIT(&evcon->requests);
	evcon->input = evbuffer_new();
	evcon->output = evbuffer_new();
	if (evcon->input == NULL || evcon->output == NULL) {
		if (evcon->input != NULL)
			evbuffer_free(evcon->input);
		if (evcon->output != NULL)
			evbuffer_free(evcon->output);
		mm_free(evcon);
		return NULL;
	}
	evtimer_set(&evcon->ev_timer, conn_timer_cb, evcon);
	attach_event(base, &evcon->ev_timer);
	return evcon;
}

/* Prepare the read and write events for evcon->fd. */
static void
conn_set_fd_events(struct evhttp_connection *evcon)
{
	event_set(&evcon->ev_read, evcon->fd, EV_READ | EV_PERSIST,
	    conn_read_cb, evcon);
	attach_event(evcon->base, &evcon->ev_read);
	event_set(&evcon->ev_write, evcon->fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, evcon);
	attach_event(evcon->base, &evcon->ev_write);
}

static void
conn_del_fd_events(struct evhttp_connection *evcon)
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

static void
conn_set_timer(struct evhttp_connection *evcon, int secs)
{
	struct timeval tv;

	if (secs <= 0) {
		event_del(&evcon->ev_timer);
		return;
	}
	tv.tv_sec = secs;
	tv.tv_usec = 0;
	event_add(&evcon->ev_timer, &tv);
}

static void
conn_clear_timer(struct evhttp_connection *evcon)
{
	if (event_pending(&evcon->ev_timer, EV_TIMEOUT, NULL))
		event_del(&evcon->ev_timer);
}

/* The read/write inactivity timeout that applies to evcon. */
static int
conn_io_timeout(struct evhttp_connection *evcon)
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
static int
conn_leave(struct evhttp_connection *evcon)
{
	if (--evcon->busy == 0 && (evcon->flags & EVCON_DEAD)) {
		conn_destroy(evcon);
		return -1;
	}
	return 0;
}

/* Destroy now if nothing runs on evcon, else at the outermost leave. */
static void
conn_kill(struct evhttp_connection *evcon)
{
	evcon->flags |= EVCON_DEAD;
	conn_del_fd_events(evcon);
	conn_clear_timer(evcon);
	if (evcon->busy == 0)
		conn_destroy(evcon);
}

/*
 * Detach every request the connection still has.  Server side these are
 * requests the application holds: they survive, with evcon NULL, until the
 * application replies or frees them.  Client side (free_them set) they are
 * freed without their callbacks.
 */
static void
conn_drop_requests(struct evhttp_connection *evcon, int free_them)
{
	struct evhttp_request *req;

	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		/* A server request that was never handed to the app is ours. */
		if (free_them || !REQ_PRIV(req)->handed)
			evhttp_request_free(req);
	}
}

static void
conn_destroy(struct evhttp_connection *evcon)
{
	int was_established = (evcon->flags & EVCON_ESTABLISHED) != 0;

	conn_del_fd_events(evcon);
	event_del(&evcon->ev_timer);
	if (evcon->fd != -1) {
		EVUTIL_CLOSESOCKET(evcon->fd);
		evcon->fd = -1;
	}
	if (evcon->flags & EVCON_INCOMING) {
		conn_drop_requests(evcon, 0);
		if (evcon->http_server != NULL)
			TAILQ_REMOVE(&evcon->http_server->connections, evcon,
			    next);
		/* Server connections report their end like 1.4 did. */
		if (evcon->closecb != NULL &&
		    !(evcon->flags & EVCON_USER_FREED)) {
			/* A free from inside the callback must not recurse. */
			evcon->flags |= EVCON_USER_FREED;
			(*evcon->closecb)(evcon, evcon->closecb_arg);
		}
	} else {
		conn_drop_requests(evcon, 1);
		(void)was_established;
	}
	if (evcon->spare != NULL)
		evhttp_request_free(evcon->spare);
	evbuffer_free(evcon->input);
	evbuffer_free(evcon->output);
	mm_free(evcon->address);
	mm_free(evcon->bind_address);
	mm_free(evcon);
}

/*
 * Read once from the socket into evcon->input.  Returns the byte count,
 * 0 at EOF, -1 with errno on error (EAGAIN included).
 */
static ssize_t
conn_read_once(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->input;
	size_t room;
	ssize_t n;

	if (evbuffer_expand(buf, 16384) == -1)
		return -1;
	room = buf->totallen - buf->misalign - buf->off;
	do {
		n = read(evcon->fd, buf->buffer + buf->off, room);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		buf->off += (size_t)n;
	return n;
}

/*
 * Write as much of evcon->output as the socket takes now.  Returns 0, or
 * -1 on a write error (the connection is then failed by the caller).
 */
static int
conn_write_some(struct evhttp_connection *evcon)
{
	struct evbuffer *buf = evcon->output;

	while (buf->off > 0) {
		ssize_t n;
		size_t len = buf->off;

		if (evcon->flags & EVCON_NOSEND) {
			n = write(evcon->fd, buf->buffer, len);
		} else {
			n = send(evcon->fd, buf->buffer, len, MSG_NOSIGNAL);
			if (n < 0 && errno == ENOTSOCK) {
				evcon->flags |= EVCON_NOSEND;
				continue;
			}
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
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

/* The output of a connection was written completely. */
static void
conn_output_drained(struct evhttp_connection *evcon)
{
	if (evcon->flags & EVCON_WRITE_ADDED) {
		event_del(&evcon->ev_write);
		evcon->flags &= ~EVCON_WRITE_ADDED;
	}
	if (evcon->writecb != NULL) {
		/* evhttp_write_buffer(): one shot.  Every caller holds the
		 * connection busy, so a free from the callback only marks it. */
		void (*cb)(struct evhttp_connection *, void *) = evcon->writecb;

		evcon->writecb = NULL;
		(*cb)(evcon, evcon->writecb_arg);
		if (evcon->flags & EVCON_DEAD)
			return;
	}
	if (evcon->state == EVCON_CLOSING) {
		if (evcon->flags & EVCON_PEER_EOF) {
			conn_kill(evcon);
			return;
		}
		/*
		 * Lingering close: send our FIN but keep reading (and
		 * discarding) for a moment, so that unread request bytes do
		 * not make the kernel reset the connection before the peer
		 * has read our last reply.
		 */
		shutdown(evcon->fd, SHUT_WR);
		evcon->state = EVCON_LINGERING;
		evbuffer_drain(evcon->input, evcon->input->off);
		conn_update_read(evcon);
		conn_set_timer(evcon, HTTP_LINGER_SECS);
		return;
	}
	if (evcon->flags & EVCON_INCOMING) {
		/* Parsing may have paused on output backpressure. */
		if (evcon->state == EVCON_READING && evcon->input->off > 0)
			server_process(evcon);
		else if (evcon->state == EVCON_DISPATCHED)
			conn_clear_timer(evcon);
	} else if (evcon->state == EVCON_READING) {
		/* Request sent: now the response has the read timeout. */
		conn_set_timer(evcon, conn_io_timeout(evcon));
	}
}

/* Fail a connection after an I/O error or timeout. */
static void
conn_fail(struct evhttp_connection *evcon, enum evhttp_connection_error err)
{
	if (evcon->flags & EVCON_INCOMING)
		conn_kill(evcon);
	else
		client_fail(evcon, err);
}

/*
 * Try to write the output now; register the write event for the rest.
 */
static void
conn_flush(struct evhttp_connection *evcon)
{
	if (evcon->fd == -1 || (evcon->flags & EVCON_DEAD))
		return;
	if (evcon->state == EVCON_CONNECTING)
		return;		/* written once connected */
	if (evcon->output->off > 0 && !(evcon->flags & EVCON_WRITE_ADDED)) {
		if (conn_write_some(evcon) == -1) {
			event_debug(("%s: fd %d: %s", __func__, evcon->fd,
			    strerror(errno)));
			conn_fail(evcon, EVCON_HTTP_EOF);
			return;
		}
		if (evcon->output->off > 0) {
			event_add(&evcon->ev_write, NULL);
			evcon->flags |= EVCON_WRITE_ADDED;
			conn_set_timer(evcon, conn_io_timeout(evcon));
			return;
		}
	}
	if (evcon->output->off == 0)
		conn_output_drained(evcon);
}

/* Register or drop the read event as the state requires. */
static void
conn_update_read(struct evhttp_connection *evcon)
{
	int want = evcon->fd != -1 && !(evcon->flags & EVCON_DEAD) &&
	    !(evcon->flags & EVCON_PEER_EOF) &&
	    evcon->state != EVCON_CONNECTING &&
	    evcon->state != EVCON_DISCONNECTED &&
	    evcon->state != EVCON_CLOSING &&
	    (evcon->state == EVCON_LINGERING ||
	     evcon->input->off < HTTP_MAX_HEADERS_SIZE * 4);

	if (want && !(evcon->flags & EVCON_READ_ADDED)) {
		event_add(&evcon->ev_read, NULL);
		evcon->flags |= EVCON_READ_ADDED;
	} else if (!want && (evcon->flags & EVCON_READ_ADDED)) {
		event_del(&evcon->ev_read);
		evcon->flags &= ~EVCON_READ_ADDED;
	}
}

static void
conn_read_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;
	size_t before = evcon->input->off;
	ssize_t n;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	n = conn_read_once(evcon);
	if (evcon->state == EVCON_LINGERING) {
		evbuffer_drain(evcon->input, evcon->input->off);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			conn_kill(evcon);
		goto done;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			goto done;
		event_debug(("%s: fd %d: %s", __func__, evcon->fd,
		    strerror(errno)));
		if (evcon->flags & EVCON_INCOMING) {
			conn_kill(evcon);
		} else if (evcon->state == EVCON_READING &&
		    evcon->pstate == HP_BODY_EOF) {
			evcon->flags |= EVCON_PEER_EOF;
			client_process(evcon);
		} else {
			client_fail(evcon, EVCON_HTTP_EOF);
		}
		goto done;
	}
	if (n == 0) {
		evcon->flags |= EVCON_PEER_EOF;
		conn_update_read(evcon);
	}
	if (evcon->flags & EVCON_INCOMING) {
		/* A new request starts: its head must arrive within the
		 * timeout (a slow drip of bytes does not extend it). */
		if (before == 0 && n > 0 && evcon->state == EVCON_READING &&
		    evcon->pstate == HP_FIRSTLINE)
			conn_set_timer(evcon, conn_io_timeout(evcon));
		else if (n > 0 && evcon->state == EVCON_READING &&
		    evcon->pstate != HP_FIRSTLINE && evcon->pstate != HP_HEADERS)
			conn_set_timer(evcon, conn_io_timeout(evcon));
		server_process(evcon);
	} else {
		if (n > 0 && evcon->state == EVCON_READING)
			conn_set_timer(evcon, conn_io_timeout(evcon));
		client_process(evcon);
	}
done:
	conn_leave(evcon);
}

static void
conn_write_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	if (evcon->state == EVCON_CONNECTING) {
		int err = 0;
		socklen_t errlen = sizeof(err);

		if (evcon->connect_errno != 0)
			err = evcon->connect_errno;
		else if (getsockopt(evcon->fd, SOL_SOCKET, SO_ERROR, &err,
			&errlen) == -1)
			err = errno;
		if (err == EINPROGRESS || err == EINTR)
			goto done;
		if (err != 0) {
			event_debug(("%s: connect to %s:%d: %s", __func__,
			    evcon->address, evcon->port, strerror(err)));
			client_connect_failed(evcon);
			goto done;
		}
		/* Connected. */
		evcon->flags |= EVCON_ESTABLISHED;
		evcon->retry_cnt = 0;
		evcon->state = EVCON_IDLE;
		event_del(&evcon->ev_write);
		evcon->flags &= ~EVCON_WRITE_ADDED;
		conn_clear_timer(evcon);
		conn_update_read(evcon);
		client_send_next(evcon);
		/* Output queued by evhttp_make_header() while connecting. */
		if (!(evcon->flags & EVCON_DEAD) && evcon->state == EVCON_IDLE &&
		    (evcon->output->off > 0 || evcon->writecb != NULL))
			conn_flush(evcon);
		goto done;
	}
	if (conn_write_some(evcon) == -1) {
		conn_fail(evcon, EVCON_HTTP_EOF);
		goto done;
	}
	if (evcon->output->off == 0)
		conn_output_drained(evcon);
	else
		conn_set_timer(evcon, conn_io_timeout(evcon));
done:
	conn_leave(evcon);
}

static void
conn_timer_cb(int fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	CONN_ENTER(evcon);
	if (evcon->flags & EVCON_INCOMING) {
		/* The application may take its time with a request. */
		if (evcon->state == EVCON_DISPATCHED &&
		    evcon->output->off == 0)
			goto done;
		event_debug(("%s: server connection fd %d timed out", __func__,
		    evcon->fd));
		conn_kill(evcon);
	} else if (evcon->flags & EVCON_RETRY_WAIT) {
		evcon->flags &= ~EVCON_RETRY_WAIT;
		if (!TAILQ_EMPTY(&evcon->requests) &&
		    evcon->state == EVCON_DISCONNECTED &&
		    client_connect(evcon) == -1)
			client_connect_failed(evcon);
	} else if (evcon->state == EVCON_CONNECTING) {
		event_debug(("%s: connect to %s timed out", __func__,
		    evcon->address));
		client_connect_failed(evcon);
	} else if (evcon->state == EVCON_READING) {
		client_fail(evcon, EVCON_HTTP_TIMEOUT);
	}
done:
	conn_leave(evcon);
}

/* ------------------------------------------------------------------ */
/* Message parser (requests and responses)                             */

#define CLIENT_MAX_HEADERS_SIZE	(256 * 1024)
#define CLIENT_MAX_HEADERS	512
#define CHUNK_LINE_MAX		4096	/* chunk-size line with extensions */

/*
 * Find the next line in buf.  On success the end of line (LF or CRLF) is
 * replaced by NUL, *line and *len describe the text without it, *used is
 * the byte count to drain, and 1 is returned.  0 when no LF is there yet.
 */
static int
take_line(struct evbuffer *buf, char **line, size_t *len, size_t *used)
{
	unsigned char *p = buf->buffer;
	unsigned char *nl;
	size_t l;

	if (buf->off == 0)
		return 0;
	nl = memchr(p, '\n', buf->off);
	if (nl == NULL)
		return 0;
	l = (size_t)(nl - p);
	*used = l + 1;
	if (l > 0 && p[l - 1] == '\r')
		l--;
	p[l] = '\0';
	*line = (char *)p;
	*len = l;
	return 1;
}

/* Does a line of len bytes contain a NUL or another control byte? */
static int
line_has_ctl(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_value_char((unsigned char)line[i]))
			return 1;
	}
	return 0;
}

/*
 * Parse "name: value" into headers.  Strict (RFC 9112 section 5): the
 * name is a non-empty token directly followed by ':', the value has no
 * control byte but HTAB, and a line starting with white space (obs-fold)
 * is refused.  0 or -1.
 */
static int
parse_header_line(const char *line, size_t len, struct evkeyvalq *headers)
{
	const char *colon, *v, *vend;
	size_t i, namelen;

	if (len == 0 || line[0] == ' ' || line[0] == '\t')
		return -1;
	colon = memchr(line, ':', len);
	if (colon == NULL)
		return -1;
	namelen = (size_t)(colon - line);
	if (namelen == 0)
		return -1;
	for (i = 0; i < namelen; i++) {
		if (!is_tchar((unsigned char)line[i]))
			return -1;
	}
	v = colon + 1;
	vend = line + len;
	while (v < vend && (*v == ' ' || *v == '\t'))
		v++;
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	if (line_has_ctl(v, (size_t)(vend - v)))
		return -1;
	return add_header_raw(headers, line, namelen, v, (size_t)(vend - v));
}

/* Parse "METHOD SP request-target SP HTTP/1.x".  0 or an HTTP status. */
static int
parse_request_line(struct evhttp_request *req, char *line, size_t len)
{
	char *sp1, *sp2, *uri, *version;
	size_t mlen, ulen, vlen, i;

	sp1 = memchr(line, ' ', len);
	if (sp1 == NULL)
		return 400;
	mlen = (size_t)(sp1 - line);
	uri = sp1 + 1;
	sp2 = memchr(uri, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return 400;
	ulen = (size_t)(sp2 - uri);
	version = sp2 + 1;
	vlen = len - mlen - ulen - 2;

	if (mlen == 3 && memcmp(line, "GET", 3) == 0)
		req->type = EVHTTP_REQ_GET;
	else if (mlen == 4 && memcmp(line, "POST", 4) == 0)
		req->type = EVHTTP_REQ_POST;
	else if (mlen == 4 && memcmp(line, "HEAD", 4) == 0)
		req->type = EVHTTP_REQ_HEAD;
	else
		return 400;

	if (ulen == 0)
		return 400;
	for (i = 0; i < ulen; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c <= 0x20 || c == 0x7f)
			return 400;
	}
	if (vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
	    (version[7] != '0' && version[7] != '1'))
		return 400;
	req->major = 1;
	req->minor = (char)(version[7] - '0');

	req->uri = mm_strndup(uri, ulen);
	if (req->uri == NULL)
		return 503;
	if (uri[0] != '/')
		req->flags |= EVHTTP_PROXY_REQUEST;
	return 0;
}

/* Parse "HTTP/1.x SP 3DIGIT [SP reason]".  0 or -1. */
static int
parse_status_line(struct evhttp_request *req, char *line, size_t len)
{
	int code;

	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    (line[7] != '0' && line[7] != '1') || line[8] != ' ')
		return -1;
	if (!isdigit((unsigned char)line[9]) ||
	    !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]))
		return -1;
	code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (code < 100)
		return -1;
	if (len > 12 && line[12] != ' ')
		return -1;
	if (line_has_ctl(line + 12, len - 12))
		return -1;
	req->major = 1;
	req->minor = (char)(line[7] - '0');
	req->response_code = code;
	mm_free(req->response_code_line);
	req->response_code_line = mm_strdup(len > 12 ? line + 13 : "");
	if (req->response_code_line == NULL)
		return -1;
	return 0;
}

/*
 * Parse a chunk-size line: 1*HEXDIG, then optional white space and
 * chunk extensions (ignored).  Signs, "0x", leading white space and values
 * above 2^63-1 are refused.  0 and *size, or -1.
 */
static int
parse_chunk_size(const char *line, size_t len, ev_int64_t *size)
{
	ev_uint64_t v = 0;
	size_t i = 0;

	/* At most 16 digits: longer sizes are refused even when padded
	 * with zeros, like other strict parsers do. */
	while (i < len && hexval((unsigned char)line[i]) >= 0) {
		if (i >= 16 || v > ((ev_uint64_t)INT64_MAX >> 4))
			return -1;
		v = (v << 4) | (ev_uint64_t)hexval((unsigned char)line[i]);
		i++;
	}
	if (i == 0)
		return -1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len) {
		if (line[i] != ';' || line_has_ctl(line + i, len - i))
			return -1;
	}
	*size = (ev_int64_t)v;
	return 0;
}

/* Headers that decide framing or routing may not come as trailers. */
static int
forbidden_trailer(const char *name)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "host", "trailer",
		"connection", "te", "content-encoding", "content-type",
		"content-range", "expect", "keep-alive", "upgrade",
		"proxy-connection", NULL
	};
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	}
	return 0;
}

static ev_int64_t
conn_max_body(struct evhttp_connection *evcon)
{
	if ((evcon->flags & EVCON_INCOMING) && evcon->http_server != NULL)
		return evcon->http_server->max_body_size;
	return -1;
}

/*
 * After the request headers: decide how the body is framed, whether the
 * connection stays open, and answer Expect.  0 or an HTTP status.
 */
static int
request_framing(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evkeyval *h;
	const char *te = NULL, *cl = NULL, *expect = NULL;
	int nte = 0, ncl = 0, nhost = 0;
	ev_int64_t len = 0, max = conn_max_body(evcon);
	const char *conn_hdr;

	TAILQ_FOREACH(h, req->input_headers, next) {
		if (strcasecmp(h->key, "Content-Length") == 0) {
			ncl++;
			cl = h->value;
		} else if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
			nte++;
			te = h->value;
		} else if (strcasecmp(h->key, "Host") == 0) {
			nhost++;
		} else if (strcasecmp(h->key, "Expect") == 0) {
			expect = h->value;
		}
	}
	if (nhost > 1)
		return 400;

	/* Keep-alive wishes of the client. */
	if (req->flags & EVHTTP_PROXY_REQUEST) {
		evcon->keep_alive = header_has_token(evhttp_find_header(
		    req->input_headers, "Proxy-Connection"), "keep-alive");
	} else {
		conn_hdr = evhttp_find_header(req->input_headers, "Connection");
		if (req->minor >= 1)
			evcon->keep_alive = !header_has_token(conn_hdr, "close");
		else
			evcon->keep_alive = header_has_token(conn_hdr,
			    "keep-alive");
	}

	if (nte > 0) {
		/* Only a lone "chunked" is a framing we can trust. */
		if (ncl > 0 || nte > 1 || req->minor == 0 ||
		    strcasecmp(te, "chunked") != 0)
			return 400;
		REQ_SET_CHUNKED(req, 1);
		req->ntoread = -1;
		evcon->pstate = HP_CHUNK_SIZE;
	} else if (ncl > 0) {
		if (ncl > 1 || parse_content_length(cl, &len) == -1)
			return 400;
		if (max >= 0 && len > max)
			return 413;
		req->ntoread = len;
		evcon->pstate = len > 0 ? HP_BODY_LENGTH : HP_DONE;
	} else {
		/* RFC 9112 6.3: a request without framing has no body. */
		req->ntoread = 0;
		evcon->pstate = HP_DONE;
	}

	if (expect != NULL && evcon->pstate != HP_DONE) {
		if (strcasecmp(expect, "100-continue") != 0)
			return 417;
		/* Ask for the body only if it is not on its way already. */
		if (req->minor >= 1 && evcon->input->off == 0)
			buf_add_str(evcon->output, "HTTP/1.1 100 Continue\r\n\r\n");
	}
	return 0;
}

/* After the response headers: how is the body framed?  0 or -1. */
static int
response_framing(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evkeyval *h;
	const char *te = NULL, *cl = NULL, *conn_hdr;
	int nte = 0, ncl = 0, code = req->response_code;
	ev_int64_t len = 0;

	TAILQ_FOREACH(h, req->input_headers, next) {
		if (strcasecmp(h->key, "Content-Length") == 0) {
			ncl++;
			cl = h->value;
		} else if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
			nte++;
			te = h->value;
		}
	}
	conn_hdr = evhttp_find_header(req->input_headers, "Connection");
	if (req->minor >= 1)
		evcon->keep_alive = !header_has_token(conn_hdr, "close");
	else
		evcon->keep_alive = header_has_token(conn_hdr, "keep-alive");
	if (header_has_token(evhttp_find_header(req->output_headers,
		"Connection"), "close"))
		evcon->keep_alive = 0;

	if (req->type == EVHTTP_REQ_HEAD || code == 204 || code == 304 ||
	    (code >= 100 && code < 200)) {
		req->ntoread = 0;
		evcon->pstate = HP_DONE;
		return 0;
	}
	if (nte > 0) {
		if (ncl > 0 || nte > 1)
			return -1;
		if (strcasecmp(te, "chunked") == 0) {
			REQ_SET_CHUNKED(req, 1);
			evcon->pstate = HP_CHUNK_SIZE;
			return 0;
		}
		/* Another coding last: the body ends with the connection. */
		evcon->keep_alive = 0;
		req->ntoread = -1;
		evcon->pstate = HP_BODY_EOF;
		return 0;
	}
	if (ncl > 0) {
		if (ncl > 1 || parse_content_length(cl, &len) == -1)
			return -1;
		req->ntoread = len;
		evcon->pstate = len > 0 ? HP_BODY_LENGTH : HP_DONE;
		return 0;
	}
	/* No length: 1.4 refuses this on a connection said to stay open. */
	if (header_has_token(conn_hdr, "keep-alive"))
		return -1;
	evcon->keep_alive = 0;
	req->ntoread = -1;
	evcon->pstate = HP_BODY_EOF;
	return 0;
}

/* Reset the parser for a new message. */
static void
parser_reset(struct evhttp_connection *evcon)
{
	evcon->pstate = HP_FIRSTLINE;
	evcon->header_bytes = 0;
	evcon->nheaders = 0;
	evcon->body_read = 0;
}

/* Move up to n bytes of input into the request body. */
static int
take_body(struct evhttp_connection *evcon, struct evhttp_request *req,
    size_t n)
{
	if (evbuffer_add(req->input_buffer, evcon->input->buffer, n) == -1)
		return -1;
	evbuffer_drain(evcon->input, n);
	evcon->body_read += (ev_int64_t)n;
	return 0;
}

/*
 * Advance the parser over what evcon->input holds.  ALL_DATA_READ when the
 * message is complete, MORE_DATA_EXPECTED, DATA_CORRUPTED with *status
 * set to the HTTP status to answer, or REQUEST_CANCELED if a callback
 * freed the connection.
 */
static enum message_read_status
http_parse(struct evhttp_connection *evcon, struct evhttp_request *req,
    int *status)
{
	struct evbuffer *in = evcon->input;
	int server = (evcon->flags & EVCON_INCOMING) != 0;
	ev_int64_t max_head = CLIENT_MAX_HEADERS_SIZE;
	int max_count = server ? HTTP_MAX_HEADERS : CLIENT_MAX_HEADERS;
	char *line;
	size_t len, used;
	int r;

	*status = 400;
	if (server && evcon->http_server != NULL)
		max_head = evcon->http_server->max_headers_size;

	for (;;) {
		switch (evcon->pstate) {
		case HP_FIRSTLINE:
		case HP_HEADERS:
		case HP_TRAILERS:
			if (!take_line(in, &line, &len, &used)) {
				if (max_head >= 0 && (ev_int64_t)
				    (evcon->header_bytes + in->off) > max_head) {
					*status = evcon->pstate == HP_FIRSTLINE ?
					    414 : 431;
					return DATA_CORRUPTED;
				}
				return MORE_DATA_EXPECTED;
			}
			evcon->header_bytes += used;
			if (max_head >= 0 &&
			    (ev_int64_t)evcon->header_bytes > max_head) {
				*status = evcon->pstate == HP_FIRSTLINE ?
				    414 : 431;
				return DATA_CORRUPTED;
			}
			if (strlen(line) != len)
				return DATA_CORRUPTED;	/* NUL inside */
			if (evcon->pstate == HP_FIRSTLINE) {
				if (len == 0 && evcon->header_bytes <= 4) {
					/* Tolerate a stray CRLF between
					 * messages (RFC 9112 2.2). */
					evbuffer_drain(in, used);
					continue;
				}
				if (server)
					r = parse_request_line(req, line, len);
				else
					r = parse_status_line(req, line, len) ?
					    400 : 0;
				evbuffer_drain(in, used);
				if (r != 0) {
					*status = r;
					return DATA_CORRUPTED;
				}
				evcon->pstate = HP_HEADERS;
			} else if (evcon->pstate == HP_HEADERS) {
				if (len == 0) {
					evbuffer_drain(in, used);
					if (server) {
						r = request_framing(evcon, req);
						if (r != 0) {
							*status = r;
							return DATA_CORRUPTED;
						}
					} else if (response_framing(evcon,
						req) == -1) {
						return DATA_CORRUPTED;
					}
					if (!server && req->response_code >= 100 &&
					    req->response_code < 200) {
						/* Interim response: skip it. */
						evhttp_clear_headers(
						    req->input_headers);
						parser_reset(evcon);
						continue;
					}
					continue;
				}
				if (++evcon->nheaders > max_count) {
					*status = 431;
					return DATA_CORRUPTED;
				}
				r = parse_header_line(line, len,
				    req->input_headers);
				evbuffer_drain(in, used);
				if (r == -1)
					return DATA_CORRUPTED;
			} else {
				struct evkeyvalq trailers;
				struct evkeyval *h;
				int bad = 0;

				if (len == 0) {
					evbuffer_drain(in, used);
					evcon->pstate = HP_DONE;
					continue;
				}
				if (++evcon->nheaders > max_count) {
					*status = 431;
					return DATA_CORRUPTED;
				}
				/* Trailers are checked, then discarded. */
				TAILQ_INIT(&trailers);
				r = parse_header_line(line, len, &trailers);
				evbuffer_drain(in, used);
				h = TAILQ_FIRST(&trailers);
				if (r == -1 || (h != NULL &&
					forbidden_trailer(h->key)))
					bad = 1;
				evhttp_clear_headers(&trailers);
				if (bad)
					return DATA_CORRUPTED;
			}
			break;

		case HP_BODY_LENGTH: {
			size_t n = in->off;

			if ((ev_int64_t)n > req->ntoread)
				n = (size_t)req->ntoread;
			if (n > 0 && take_body(evcon, req, n) == -1) {
				*status = 503;
				return DATA_CORRUPTED;
			}
			req->ntoread -= (ev_int64_t)n;
			if (req->ntoread > 0)
				return MORE_DATA_EXPECTED;
			evcon->pstate = HP_DONE;
			break;
		}

		case HP_BODY_EOF:
			if (in->off > 0 && take_body(evcon, req, in->off) == -1) {
				*status = 503;
				return DATA_CORRUPTED;
			}
			if (!(evcon->flags & EVCON_PEER_EOF))
				return MORE_DATA_EXPECTED;
			evcon->pstate = HP_DONE;
			break;

		case HP_CHUNK_SIZE: {
			ev_int64_t size, max = conn_max_body(evcon);

			if (!take_line(in, &line, &len, &used)) {
				if (in->off > CHUNK_LINE_MAX)
					return DATA_CORRUPTED;
				return MORE_DATA_EXPECTED;
			}
			if (used > CHUNK_LINE_MAX ||
			    parse_chunk_size(line, len, &size) == -1)
				return DATA_CORRUPTED;
			evbuffer_drain(in, used);
			if (size == 0) {
				evcon->pstate = HP_TRAILERS;
				break;
			}
			if (max >= 0 && size > max - evcon->body_read) {
				*status = 413;
				return DATA_CORRUPTED;
			}
			if (size > INT64_MAX - evcon->body_read)
				return DATA_CORRUPTED;
			req->ntoread = size;
			evcon->pstate = HP_CHUNK_DATA;
			break;
		}

		case HP_CHUNK_DATA: {
			size_t n = in->off;

			if ((ev_int64_t)n > req->ntoread)
				n = (size_t)req->ntoread;
			if (n > 0 && take_body(evcon, req, n) == -1) {
				*status = 503;
				return DATA_CORRUPTED;
			}
			req->ntoread -= (ev_int64_t)n;
			if (req->ntoread > 0)
				return MORE_DATA_EXPECTED;
			evcon->pstate = HP_CHUNK_CRLF;
			if (!server && req->chunk_cb != NULL) {
				(*req->chunk_cb)(req, req->cb_arg);
				if (evcon->flags & EVCON_DEAD)
					return REQUEST_CANCELED;
				evbuffer_drain(req->input_buffer,
				    req->input_buffer->off);
			}
			break;
		}

		case HP_CHUNK_CRLF:
			if (in->off == 0)
				return MORE_DATA_EXPECTED;
			if (in->buffer[0] == '\n') {
				evbuffer_drain(in, 1);
			} else if (in->buffer[0] == '\r') {
				if (in->off < 2)
					return MORE_DATA_EXPECTED;
				if (in->buffer[1] != '\n')
					return DATA_CORRUPTED;
				evbuffer_drain(in, 2);
			} else {
				return DATA_CORRUPTED;
			}
			evcon->pstate = HP_CHUNK_SIZE;
			break;

		case HP_DONE:
			return ALL_DATA_READ;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

struct evhttp *
evhttp_new(struct event_base *base)
{
	struct evhttp *http = mm_calloc(1, sizeof(*http));

	if (http == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	TAILQ_INIT(&http->sockets);
	TAILQ_INIT(&http->callbacks);
	TAILQ_INIT(&http->connections);
	http->timeout = -1;
	http->max_headers_size = HTTP_MAX_HEADERS_SIZE;
	http->max_body_size = HTTP_MAX_BODY_SIZE;
	http->base = base;
	return http;
}

struct evhttp *
evhttp_start(const char *address, unsigned short port)
{
	struct evhttp *http = evhttp_new(NULL);

	if (http == NULL)
		return NULL;
	if (evhttp_bind_socket(http, address, port) == -1) {
		evhttp_free(http);
		return NULL;
	}
	return http;
}

/* Fill remote_host/port style strings from a peer address. */
static void
sockaddr_to_string(const struct sockaddr *sa, socklen_t salen,
    char *host, size_t hostlen, unsigned short *port)
{
	host[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin6->sin6_port);
	} else if (sa->sa_family == AF_UNIX) {
		/*
		 * sun_path need not be NUL-terminated and may be empty (an
		 * unnamed client socket): copy at most what salen covers and
		 * what host can hold, whatever the build's assertions.
		 */
		const struct sockaddr_un *sun = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path), n = 0;
		size_t avail = (size_t)salen > off ? (size_t)salen - off : 0;

		if (avail > sizeof(sun->sun_path))
			avail = sizeof(sun->sun_path);
		while (n < avail && sun->sun_path[n] != '\0')
			n++;
		if (n >= hostlen)
			n = hostlen - 1;
		memcpy(host, sun->sun_path, n);
		host[n] = '\0';
	}
}

/* Make a server connection for an accepted socket. */
static void
server_new_connection(struct evhttp *http, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	struct evhttp_connection *evcon;
	char host[128];
	unsigned short port;
	int one = 1;

	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sockaddr_to_string(sa, salen, host, sizeof(host), &port);

	evcon = conn_alloc(http->base);
	if (evcon == NULL || (evcon->address = mm_strdup(host)) == NULL) {
		event_warn("%s: out of memory", __func__);
		if (evcon != NULL)
			conn_destroy(evcon);
		EVUTIL_CLOSESOCKET(fd);
		return;
	}
	evcon->port = port;
	evcon->fd = fd;
	evcon->flags |= EVCON_INCOMING;
	evcon->http_server = http;
	evcon->timeout = http->timeout;
	evcon->state = EVCON_READING;
	parser_reset(evcon);
	TAILQ_INSERT_TAIL(&http->connections, evcon, next);
	conn_set_fd_events(evcon);
	conn_update_read(evcon);
	conn_set_timer(evcon, conn_io_timeout(evcon));
}

static void
accept_cb(int fd, short what, void *arg)
{
	struct evhttp_bound *bound = arg;
	int i;

	(void)what;
	/* Take a bounded batch so one busy listener cannot starve others. */
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);
		int nfd;

#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
		nfd = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
		nfd = accept(fd, (struct sockaddr *)&ss, &sslen);
		if (nfd != -1) {
			evutil_make_socket_nonblocking(nfd);
			fcntl(nfd, F_SETFD, FD_CLOEXEC);
		}
#endif
		if (nfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			event_warn("%s: accept on fd %d", __func__, fd);
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The pending connection stays readable: stop
				 * watching the listener for a moment instead
				 * of spinning on it. */
				struct timeval tv = { 0, 250000 };

				event_del(&bound->ev);
				evtimer_add(&bound->ev_pause, &tv);
			}
			return;
		}
		server_new_connection(bound->http, nfd,
		    (struct sockaddr *)&ss, sslen);
	}
}

/* Resume accepting after a pause for lack of file descriptors. */
static void
accept_resume_cb(int fd, short what, void *arg)
{
	struct evhttp_bound *bound = arg;

	(void)fd;
	(void)what;
	event_add(&bound->ev, NULL);
}

int
evhttp_accept_socket(struct evhttp *http, int fd)
{
	struct evhttp_bound *bound;

	if (http == NULL || fd < 0)
		return -1;
	bound = mm_calloc(1, sizeof(*bound));
	if (bound == NULL)
		return -1;
	if (evutil_make_socket_nonblocking(fd) == -1) {
		mm_free(bound);
		return -1;
	}
	bound->fd = fd;
	bound->http = http;
	event_set(&bound->ev, fd, EV_READ | EV_PERSIST, accept_cb, bound);
	attach_event(http->base, &bound->ev);
	evtimer_set(&bound->ev_pause, accept_resume_cb, bound);
	attach_event(http->base, &bound->ev_pause);
	if (event_add(&bound->ev, NULL) == -1) {
		event_warn("%s: event_add", __func__);
		mm_free(bound);
		return -1;
	}
	TAILQ_INSERT_TAIL(&http->sockets, bound, next);
	return 0;
}

int
evhttp_bind_socket(struct evhttp *http, const char *address,
    unsigned short port)
{
	struct addrinfo hints, *ai = NULL;
	char portstr[16];
	int fd = -1, on = 1, err;

	if (http == NULL)
		return -1;
	memset(&hints, 0, sizeof(hints));
	/* No address: all IPv4 interfaces, as 1.4 did. */
	hints.ai_family = address == NULL ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	evutil_snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	err = getaddrinfo(address, portstr, &hints, &ai);
	if (err != 0 || ai == NULL) {
		event_warnx("%s: getaddrinfo(%s): %s", __func__,
		    address ? address : "(null)", gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1) {
		event_warn("%s: socket", __func__);
		goto err;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		event_warn("%s: bind %s:%u", __func__,
		    address ? address : "*", (unsigned)port);
		goto err;
	}
	if (listen(fd, 128) == -1) {
		event_warn("%s: listen", __func__);
		goto err;
	}
	freeaddrinfo(ai);
	if (evhttp_accept_socket(http, fd) == -1) {
		EVUTIL_CLOSESOCKET(fd);
		return -1;
	}
	return 0;
err:
	err = errno;
	if (fd != -1)
		EVUTIL_CLOSESOCKET(fd);
	freeaddrinfo(ai);
	errno = err;
	return -1;
}

void
evhttp_free(struct evhttp *http)
{
	struct evhttp_bound *bound;
	struct evhttp_connection *evcon;
	struct evhttp_cb *cb;

	if (http == NULL)
		return;
	while ((bound = TAILQ_FIRST(&http->sockets)) != NULL) {
		TAILQ_REMOVE(&http->sockets, bound, next);
		event_del(&bound->ev);
		event_del(&bound->ev_pause);
		EVUTIL_CLOSESOCKET(bound->fd);
		mm_free(bound);
	}
	while ((evcon = TAILQ_FIRST(&http->connections)) != NULL) {
		TAILQ_REMOVE(&http->connections, evcon, next);
		evcon->http_server = NULL;
		conn_kill(evcon);
	}
	while ((cb = TAILQ_FIRST(&http->callbacks)) != NULL) {
		TAILQ_REMOVE(&http->callbacks, cb, next);
		mm_free(cb->what);
		mm_free(cb);
	}
	mm_free(http);
}

void
evhttp_set_timeout(struct evhttp *http, int timeout_in_secs)
{
	http->timeout = timeout_in_secs;
}

void
evhttp_set_max_headers_size(struct evhttp *http, ev_ssize_t max_headers_size)
{
	http->max_headers_size = max_headers_size < 0 ? -1 :
	    (ev_int64_t)max_headers_size;
}

void
evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size)
{
	http->max_body_size = max_body_size < 0 ? -1 :
	    (ev_int64_t)max_body_size;
}

void
evhttp_set_cb(struct evhttp *http, const char *uri,
    void (*cb)(struct evhttp_request *, void *), void *cbarg)
{
	struct evhttp_cb *hcb = mm_calloc(1, sizeof(*hcb));

	if (hcb == NULL || (hcb->what = mm_strdup(uri)) == NULL) {
		event_warn("%s: out of memory", __func__);
		mm_free(hcb);
		return;
	}
	hcb->cb = cb;
	hcb->cbarg = cbarg;
	TAILQ_INSERT_TAIL(&http->callbacks, hcb, next);
}

int
evhttp_del_cb(struct evhttp *http, const char *uri)
{
	struct evhttp_cb *hcb;

	TAILQ_FOREACH(hcb, &http->callbacks, next) {
		if (strcmp(hcb->what, uri) == 0) {
			TAILQ_REMOVE(&http->callbacks, hcb, next);
			mm_free(hcb->what);
			mm_free(hcb);
			return 0;
		}
	}
	return -1;
}

void
evhttp_set_gencb(struct evhttp *http,
    void (*cb)(struct evhttp_request *, void *), void *cbarg)
{
	http->gencb = cb;
	http->gencbarg = cbarg;
}

/* ------------------------------------------------------------------ */
/* Server: replies                                                     */

/*
 * Queue the status line and headers of a reply.  body_len is the length
 * of the body to announce, or -1 for a streamed reply.
 */
static void
server_write_head(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_int64_t body_len)
{
	struct evbuffer *out = evcon->output;
	struct evkeyval *h;
	char line[64];
	int code = req->response_code;
	int proxy = (req->flags & EVHTTP_PROXY_REQUEST) != 0;
	int has_cl = 0, has_te = 0, has_ct = 0, has_date = 0, has_conn = 0;
	int nobody = code == 204 || code == 304 || (code >= 100 && code < 200);

	{
		/* "HTTP/1.1 200 " without snprintf. */
		char status[16];

		memcpy(status, "HTTP/1.1 ", 9);
		status[5] = (char)('0' + (req->major % 10));
		status[7] = (char)('0' + (req->minor % 10));
		if (code < 0 || code > 999)
			code = 500;
		status[9] = (char)('0' + code / 100);
		status[10] = (char)('0' + code / 10 % 10);
		status[11] = (char)('0' + code % 10);
		status[12] = ' ';
		buf_add(out, status, 13);
	}
	buf_add_str(out, req->response_code_line ? req->response_code_line : "");
	buf_add(out, "\r\n", 2);

	TAILQ_FOREACH(h, req->output_headers, next) {
		switch (h->key[0]) {
		case 'C': case 'c':
			if (strcasecmp(h->key, "Content-Length") == 0)
				has_cl = 1;
			else if (strcasecmp(h->key, "Content-Type") == 0)
				has_ct = 1;
			else if (strcasecmp(h->key, "Connection") == 0)
				has_conn = 1;
			break;
		case 'D': case 'd':
			if (strcasecmp(h->key, "Date") == 0)
				has_date = 1;
			break;
		case 'T': case 't':
			if (strcasecmp(h->key, "Transfer-Encoding") == 0)
				has_te = 1;
			break;
		}
		buf_add_header(out, h->key, h->value);
	}
	if (!has_date && evcon->http_server != NULL)
		buf_add_header(out, "Date", server_date(evcon->http_server));
	if (body_len >= 0 && !has_cl && !has_te && !nobody) {
		buf_add_header(out, "Content-Length",
		    format_u64((ev_uint64_t)body_len, line, sizeof(line)));
	}
	if (body_len > 0 && !has_ct && !nobody)
		buf_add_header(out, "Content-Type",
		    "text/html; charset=ISO-8859-1");
	if (!has_conn && !proxy) {
		if (!evcon->keep_alive && req->minor >= 1)
			buf_add_header(out, "Connection", "close");
		else if (evcon->keep_alive && req->minor == 0)
			buf_add_header(out, "Connection", "keep-alive");
	}
	buf_add(out, "\r\n", 2);
}

/* Set the reason phrase; reason may be the current one. */
static void
set_reason(struct evhttp_request *req, const char *reason)
{
	char *line = mm_strdup(reason != NULL ? reason : "");

	mm_free(req->response_code_line);
	req->response_code_line = line;
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

	if (evcon->spare != NULL || req->input_buffer == NULL ||
	    req->output_buffer == NULL) {
		evhttp_request_free(req);
		return;
	}
	mm_free(req->uri);
	mm_free(req->response_code_line);
	evhttp_clear_headers(&r->in_headers);
	evhttp_clear_headers(&r->out_headers);
	if (req->input_buffer->totallen > 65536) {
		evbuffer_free(req->input_buffer);
		req->input_buffer = evbuffer_new();
	} else {
		evbuffer_drain(req->input_buffer, req->input_buffer->off);
	}
	if (req->output_buffer->totallen > 65536) {
		evbuffer_free(req->output_buffer);
		req->output_buffer = evbuffer_new();
	} else {
		evbuffer_drain(req->output_buffer, req->output_buffer->off);
	}
	if (req->input_buffer == NULL || req->output_buffer == NULL) {
		evhttp_request_free(req);
		return;
	}
	r->handed = 0;
	r->cl_count = 0;
	req->evcon = NULL;
	req->flags = EVHTTP_REQ_OWN_CONNECTION;
	req->input_headers = &r->in_headers;
	req->output_headers = &r->out_headers;
	req->remote_host = host;
	req->remote_port = port;
	req->kind = EVHTTP_REQUEST;
	req->type = EVHTTP_REQ_GET;
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

/* Does the reply to req close the connection? */
static void
server_decide_keepalive(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	if (header_has_token(evhttp_find_header(req->output_headers,
		"Connection"), "close"))
		evcon->keep_alive = 0;
	if (evcon->flags & EVCON_PEER_EOF)
		evcon->keep_alive = 0;
}

/*
 * The reply to the connection's current request is fully queued: free the
 * request and go on with the next one (or close).
 */
static void
server_request_done(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	server_recycle_request(evcon, req);
	evcon->reply_started = 0;
	evcon->reply_chunked = 0;
	evcon->reply_head = 0;
	parser_reset(evcon);
	if (evcon->keep_alive) {
		evcon->state = EVCON_READING;
		conn_set_timer(evcon, conn_io_timeout(evcon));
	} else {
		evcon->state = EVCON_CLOSING;
		conn_update_read(evcon);
	}
	conn_flush(evcon);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (evcon->state == EVCON_READING) {
		conn_update_read(evcon);
		server_process(evcon);
	}
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
	CONN_ENTER(evcon);
	req->kind = EVHTTP_RESPONSE;
	req->response_code = code;
	set_reason(req, reason);
	server_decide_keepalive(evcon, req);
	server_write_head(evcon, req, (ev_int64_t)len);
	if (len > 0) {
		if (req->type == EVHTTP_REQ_HEAD || code == 204 || code == 304)
			evbuffer_drain(databuf, len);
		else
			evbuffer_add_buffer(evcon->output, databuf);
	}
	server_request_done(evcon, req);
	conn_leave(evcon);
}

void
evhttp_send_reply_start(struct evhttp_request *req, int code,
    const char *reason)
{
	struct evhttp_connection *evcon = req->evcon;

	if (evcon == NULL || evcon->reply_started)
		return;
	CONN_ENTER(evcon);
	req->kind = EVHTTP_RESPONSE;
	req->response_code = code;
	set_reason(req, reason);
	server_decide_keepalive(evcon, req);
	evcon->reply_started = 1;
	evcon->reply_head = req->type == EVHTTP_REQ_HEAD || code == 204 ||
	    code == 304;
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
	server_write_head(evcon, req, -1);
	conn_flush(evcon);
	conn_leave(evcon);
}

void
evhttp_send_reply_chunk(struct evhttp_request *req, struct evbuffer *databuf)
{
	struct evhttp_connection *evcon = req->evcon;
	size_t len = databuf != NULL ? databuf->off : 0;
	char line[32];

	if (evcon == NULL || !evcon->reply_started || len == 0)
		return;
	CONN_ENTER(evcon);
	if (evcon->reply_head) {
		evbuffer_drain(databuf, len);
	} else if (evcon->reply_chunked) {
		evutil_snprintf(line, sizeof(line), "%zx\r\n", len);
		buf_add_str(evcon->output, line);
		evbuffer_add_buffer(evcon->output, databuf);
		buf_add(evcon->output, "\r\n", 2);
	} else {
		evbuffer_add_buffer(evcon->output, databuf);
	}
	conn_flush(evcon);
	conn_leave(evcon);
}

void
evhttp_send_reply_end(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req->evcon;

	if (evcon == NULL) {
		evhttp_request_free(req);
		return;
	}
	CONN_ENTER(evcon);
	if (!evcon->reply_started) {
		/* Nothing was started: an empty complete reply. */
		conn_leave(evcon);
		evhttp_send_reply(req, req->response_code ?
		    req->response_code : HTTP_OK,
		    req->response_code_line ? req->response_code_line : "OK",
		    NULL);
		return;
	}
	if (evcon->reply_chunked)
		buf_add(evcon->output, "0\r\n\r\n", 5);
	server_request_done(evcon, req);
	conn_leave(evcon);
}

/* An HTML page with code and reason; the connection closes after it. */
static void
send_page(struct evhttp_request *req, int code, const char *reason,
    const char *body_fmt, const char *arg)
{
	struct evbuffer *body = evbuffer_new();
	char *esc = evhttp_htmlescape(arg != NULL ? arg : "");

	evhttp_clear_headers(req->output_headers);
	evhttp_add_header(req->output_headers, "Content-Type", "text/html");
	evhttp_add_header(req->output_headers, "Connection", "close");
	if (body != NULL && esc != NULL)
		evbuffer_add_printf(body, body_fmt, code, reason, esc);
	mm_free(esc);
	if (req->evcon != NULL)
		req->evcon->keep_alive = 0;
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

#define ERROR_FORMAT "<html><head><title>%d %s</title></head><body>" \
	"<h1>%s</h1></body></html>\n"

void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	struct evbuffer *body = evbuffer_new();
	char *esc = evhttp_htmlescape(reason != NULL ? reason : "");

	evhttp_clear_headers(req->output_headers);
	evhttp_add_header(req->output_headers, "Content-Type", "text/html");
	evhttp_add_header(req->output_headers, "Connection", "close");
	if (body != NULL && esc != NULL)
		evbuffer_add_printf(body, ERROR_FORMAT, error, esc, esc);
	mm_free(esc);
	if (req->evcon != NULL)
		req->evcon->keep_alive = 0;
	evhttp_send_reply(req, error, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

static const char *
status_reason(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* ------------------------------------------------------------------ */
/* Server: reading requests                                            */

static void
server_dispatch(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evhttp *http = evcon->http_server;
	struct evhttp_cb *hcb;
	size_t plen;
	const char *q;

	REQ_PRIV(req)->handed = 1;
	evcon->state = EVCON_DISPATCHED;
	if (http == NULL) {
		evhttp_send_error(req, 503, "Service Unavailable");
		return;
	}
	q = strchr(req->uri, '?');
	plen = q != NULL ? (size_t)(q - req->uri) : strlen(req->uri);
	TAILQ_FOREACH(hcb, &http->callbacks, next) {
		if (strlen(hcb->what) == plen &&
		    memcmp(hcb->what, req->uri, plen) == 0) {
			(*hcb->cb)(req, hcb->cbarg);
			return;
		}
	}
	if (http->gencb != NULL) {
		(*http->gencb)(req, http->gencbarg);
		return;
	}
	send_page(req, HTTP_NOTFOUND, "Not Found",
	    "<html><head><title>%d %s</title></head><body><h1>Not Found</h1>"
	    "<p>The requested URL %s was not found on this server.</p>"
	    "</body></html>\n", req->uri);
}

/*
 * Answer a request we could not parse and close: the rest of the input
 * cannot be trusted to start a message.
 */
static void
server_fail(struct evhttp_connection *evcon, int code)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	evbuffer_drain(evcon->input, evcon->input->off);
	if (req == NULL) {
		req = evhttp_request_new(NULL, NULL);
		if (req == NULL) {
			conn_kill(evcon);
			return;
		}
		req->evcon = evcon;
		TAILQ_INSERT_TAIL(&evcon->requests, req, next);
	}
	/* Answer in a version the client certainly understands. */
	req->major = 1;
	req->minor = 1;
	req->type = EVHTTP_REQ_GET;
	req->flags &= ~EVHTTP_PROXY_REQUEST;
	REQ_PRIV(req)->handed = 0;
	evcon->state = EVCON_DISPATCHED;
	evcon->keep_alive = 0;
	evhttp_clear_headers(req->output_headers);
	send_page(req, code, status_reason(code),
	    "<html><head><title>%d %s</title></head><body><h1>%s</h1>"
	    "</body></html>\n", status_reason(code));
}

/*
 * Parse and dispatch as many requests as the input holds, one at a time:
 * the next is parsed only when the previous reply is queued, so replies
 * leave in request order.
 */
static void
server_process(struct evhttp_connection *evcon)
{
	if (evcon->flags & EVCON_PROCESSING)
		return;		/* the outer call goes on */
	CONN_ENTER(evcon);
	evcon->flags |= EVCON_PROCESSING;
	while (!(evcon->flags & EVCON_DEAD) && evcon->state == EVCON_READING &&
	    evcon->output->off < HTTP_OUTPUT_HIGH) {
		struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
		enum message_read_status r;
		int status;

		if (req == NULL) {
			if (evcon->input->off == 0)
				break;
			if (evcon->spare != NULL) {
				req = evcon->spare;
				evcon->spare = NULL;
			} else {
				req = evhttp_request_new(NULL, NULL);
				if (req != NULL) {
					req->kind = EVHTTP_REQUEST;
					req->flags |= EVHTTP_REQ_OWN_CONNECTION;
					req->remote_host =
					    mm_strdup(evcon->address);
					req->remote_port = evcon->port;
				}
			}
			if (req == NULL) {
				conn_kill(evcon);
				break;
			}
			req->evcon = evcon;
			TAILQ_INSERT_TAIL(&evcon->requests, req, next);
		}
		r = http_parse(evcon, req, &status);
		if (r == MORE_DATA_EXPECTED) {
			/* Send a 100 Continue queued by the parser. */
			if (evcon->output->off > 0)
				conn_flush(evcon);
			break;
		}
		if (r != ALL_DATA_READ) {
			event_debug(("%s: bad request from %s: %d", __func__,
			    evcon->address, status));
			server_fail(evcon, status);
			break;
		}
		if (evcon->flags & EVCON_PEER_EOF)
			evcon->keep_alive = 0;
		server_dispatch(evcon, req);
	}
	evcon->flags &= ~EVCON_PROCESSING;

	if (!(evcon->flags & EVCON_DEAD) && (evcon->flags & EVCON_PEER_EOF)) {
		if (evcon->state == EVCON_DISPATCHED && evcon->output->off == 0) {
			/* 1.4: the client left; detach the app's request. */
			conn_kill(evcon);
		} else if (evcon->state == EVCON_READING) {
			/* Nothing complete is left to answer. */
			if (evcon->output->off == 0)
				conn_kill(evcon);
			else
				evcon->state = EVCON_CLOSING;
		}
	}
	if (!(evcon->flags & EVCON_DEAD))
		conn_update_read(evcon);
	conn_leave(evcon);
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

struct evhttp_connection *
evhttp_connection_new(const char *address, unsigned short port)
{
	struct evhttp_connection *evcon;

	if (address == NULL)
		return NULL;
	evcon = conn_alloc(NULL);
	if (evcon == NULL || (evcon->address = mm_strdup(address)) == NULL) {
		event_warn("%s: out of memory", __func__);
		if (evcon != NULL)
			conn_destroy(evcon);
		return NULL;
	}
	evcon->port = port;
	evcon->flags |= EVCON_OUTGOING;
	return evcon;
}

void
evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base)
{
	if (evcon->fd != -1 || evcon->state != EVCON_DISCONNECTED) {
		event_warnx("%s: connection in use", __func__);
		return;
	}
	evcon->base = base;
	attach_event(base, &evcon->ev_timer);
}

void
evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address)
{
	char *p;

	if (evcon->state != EVCON_DISCONNECTED || address == NULL)
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
	if (evcon->state != EVCON_DISCONNECTED)
		return;
	evcon->bind_port = port;
}

void
evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs)
{
	evcon->timeout = timeout_in_secs;
}

void
evhttp_connection_set_retries(struct evhttp_connection *evcon, int retry_max)
{
	evcon->retry_max = retry_max;
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
		/* A server connection: closing it detaches its request. */
		if (evcon->http_server != NULL) {
			TAILQ_REMOVE(&evcon->http_server->connections, evcon,
			    next);
			evcon->http_server = NULL;
		}
		conn_kill(evcon);
		return;
	}
	/* Queued requests go without their callbacks (1.4). */
	conn_drop_requests(evcon, 1);
	CONN_ENTER(evcon);
	if (evcon->flags & EVCON_ESTABLISHED) {
		evcon->flags &= ~EVCON_ESTABLISHED;
		if (evcon->closecb != NULL)
			(*evcon->closecb)(evcon, evcon->closecb_arg);
	}
	evcon->flags |= EVCON_DEAD;
	conn_leave(evcon);
}

/*
 * Close the socket of a client connection and forget any partial exchange.
 * The close callback runs if the connection had been established.
 */
static void
conn_reset(struct evhttp_connection *evcon)
{
	int was = (evcon->flags & EVCON_ESTABLISHED) != 0;

	conn_del_fd_events(evcon);
	conn_clear_timer(evcon);
	if (evcon->fd != -1) {
		EVUTIL_CLOSESOCKET(evcon->fd);
		evcon->fd = -1;
	}
	evbuffer_drain(evcon->input, evcon->input->off);
	evbuffer_drain(evcon->output, evcon->output->off);
	evcon->flags &= ~(EVCON_ESTABLISHED | EVCON_PEER_EOF | EVCON_NOSEND);
	evcon->state = EVCON_DISCONNECTED;
	parser_reset(evcon);
	if (was && evcon->closecb != NULL)
		(*evcon->closecb)(evcon, evcon->closecb_arg);
}

/* Resolve address:port; the first result, or NULL. */
static struct addrinfo *
resolve(const char *address, unsigned short port, int passive)
{
	struct addrinfo hints, *ai = NULL;
	char portstr[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
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
 * Start connecting.  -1 if no attempt could even start (bad address,
 * no socket); a refused or slow connect is reported later.
 */
static int
client_connect(struct evhttp_connection *evcon)
{
	struct addrinfo *ai;
	int fd;

	ai = resolve(evcon->address, evcon->port, 0);
	if (ai == NULL) {
		event_warnx("%s: cannot resolve %s", __func__, evcon->address);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1) {
		event_warn("%s: socket", __func__);
		freeaddrinfo(ai);
		return -1;
	}
	evutil_make_socket_nonblocking(fd);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (evcon->bind_address != NULL || evcon->bind_port != 0) {
		struct addrinfo *bai = resolve(evcon->bind_address,
		    evcon->bind_port, 1);

		if (bai == NULL || bind(fd, bai->ai_addr, bai->ai_addrlen)) {
			event_warn("%s: bind %s:%u", __func__,
			    evcon->bind_address ? evcon->bind_address : "*",
			    (unsigned)evcon->bind_port);
			if (bai != NULL)
				freeaddrinfo(bai);
			freeaddrinfo(ai);
			EVUTIL_CLOSESOCKET(fd);
			return -1;
		}
		freeaddrinfo(bai);
	}
	if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	evcon->fd = fd;
	conn_set_fd_events(evcon);
	evcon->state = EVCON_CONNECTING;
	evcon->connect_errno = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS && errno != EINTR) {
		/* Refused at once: report it from the loop, through the same
		 * path as an asynchronous failure (SO_ERROR is gone now). */
		evcon->connect_errno = errno;
		event_debug(("%s: connect: %s", __func__, strerror(errno)));
	}
	freeaddrinfo(ai);
	event_add(&evcon->ev_write, NULL);
	evcon->flags |= EVCON_WRITE_ADDED;
	conn_set_timer(evcon, evcon->timeout >= 0 ? evcon->timeout :
	    HTTP_CONNECT_TIMEOUT);
	return 0;
}

/*
 * A connect attempt failed.  Retry after 2, 4, 8 ... seconds (at most an
 * hour) while retries remain, else fail every queued request: as in 1.4
 * its callback gets the request itself, with response_code 0.
 */
static void
client_connect_failed(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;

	conn_reset(evcon);	/* never established: no close callback */
	if (evcon->retry_max < 0 || evcon->retry_cnt < evcon->retry_max) {
		struct timeval tv;
		int shift = evcon->retry_cnt < 11 ? evcon->retry_cnt : 11;

		tv.tv_sec = 2L << shift;
		if (tv.tv_sec > 3600)
			tv.tv_sec = 3600;
		tv.tv_usec = 0;
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
		if (req->cb != NULL)
			(*req->cb)(req, req->cb_arg);
		evhttp_request_free(req);
	}
}

/* Queue the head and body of the first request and start the exchange. */
static void
client_send_next(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	struct evbuffer *out = evcon->output;
	size_t blen;

	if (req == NULL || evcon->state != EVCON_IDLE)
		return;
	blen = client_write_head(evcon, req);
	/* Copy, not move: a retry on a new connection sends it again. */
	if (blen > 0)
		evbuffer_add(out, req->output_buffer->buffer, blen);

	evcon->state = EVCON_READING;
	parser_reset(evcon);
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(req->input_buffer, req->input_buffer->off);
	conn_set_timer(evcon, conn_io_timeout(evcon));
	conn_flush(evcon);
}

/* Write the head of request req into the output; returns the body size. */
static size_t
client_write_head(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evbuffer *out = evcon->output;
	struct evkeyval *h;
	const char *method;
	char line[64];
	int has_host = 0, has_cl = 0;
	size_t blen;

	switch (req->type) {
	case EVHTTP_REQ_POST: method = "POST"; break;
	case EVHTTP_REQ_HEAD: method = "HEAD"; break;
	default: method = "GET"; break;
	}
	buf_add_str(out, method);
	buf_add(out, " ", 1);
	buf_add_str(out, req->uri);
	evutil_snprintf(line, sizeof(line), " HTTP/%d.%d\r\n",
	    req->major, req->minor);
	buf_add_str(out, line);
	TAILQ_FOREACH(h, req->output_headers, next) {
		if (strcasecmp(h->key, "Host") == 0)
			has_host = 1;
		else if (strcasecmp(h->key, "Content-Length") == 0)
			has_cl = 1;
		else if (strcasecmp(h->key, "Proxy-Connection") == 0)
			continue;	/* hop-by-hop; 1.4 strips it too */
		buf_add_header(out, h->key, h->value);
	}
	if (!has_host) {
		/* RFC 9112 3.2: every HTTP/1.1 request names its host. */
		int v6 = strchr(evcon->address, ':') != NULL;

		buf_add_str(out, "Host: ");
		if (v6)
			buf_add(out, "[", 1);
		buf_add_str(out, evcon->address);
		if (v6)
			buf_add(out, "]", 1);
		if (evcon->port != 80) {
			evutil_snprintf(line, sizeof(line), ":%u",
			    (unsigned)evcon->port);
			buf_add_str(out, line);
		}
		buf_add(out, "\r\n", 2);
	}
	blen = req->output_buffer->off;
	if (!has_cl && (blen > 0 || req->type == EVHTTP_REQ_POST)) {
		evutil_snprintf(line, sizeof(line), "%zu", blen);
		buf_add_header(out, "Content-Length", line);
	}
	buf_add(out, "\r\n", 2);
	return blen;
}

/* The response to the first request is complete. */
static void
client_done(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	req->kind = EVHTTP_RESPONSE;
	conn_clear_timer(evcon);
	if (evcon->keep_alive && evcon->input->off == 0) {
		evcon->state = EVCON_IDLE;
		parser_reset(evcon);
	} else {
		conn_reset(evcon);
	}
	if (req->cb != NULL && !(evcon->flags & EVCON_DEAD))
		(*req->cb)(req, req->cb_arg);
	evhttp_request_free(req);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (!TAILQ_EMPTY(&evcon->requests)) {
		if (evcon->state == EVCON_DISCONNECTED &&
		    !(evcon->flags & EVCON_RETRY_WAIT)) {
			if (client_connect(evcon) == -1)
				client_connect_failed(evcon);
		} else {
			client_send_next(evcon);
		}
	}
}

/*
 * An established exchange failed (timeout, EOF, bad response): reset the
 * connection, tell the request's callback with NULL (1.4), and retry the
 * next queued request on a new connection.
 */
static void
client_fail(struct evhttp_connection *evcon,
    enum evhttp_connection_error error)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	void (*cb)(struct evhttp_request *, void *) = NULL;
	void *cb_arg = NULL;

	(void)error;
	event_debug(("%s: %s:%d: error %d", __func__, evcon->address,
	    evcon->port, (int)error));
	if (req != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		cb = req->cb;
		cb_arg = req->cb_arg;
		evhttp_request_free(req);
	}
	conn_reset(evcon);
	if (evcon->flags & EVCON_DEAD)
		return;
	if (!TAILQ_EMPTY(&evcon->requests) &&
	    !(evcon->flags & EVCON_RETRY_WAIT)) {
		if (client_connect(evcon) == -1)
			client_connect_failed(evcon);
	}
	if (cb != NULL && !(evcon->flags & EVCON_DEAD))
		(*cb)(NULL, cb_arg);
}

static void
client_process(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;
	enum message_read_status r;
	int status;

	if (evcon->state == EVCON_IDLE) {
		/* The peer closed a kept-alive connection, or sent bytes no
		 * request asked for: either way this socket is done. */
		if (evcon->input->off > 0 || (evcon->flags & EVCON_PEER_EOF))
			conn_reset(evcon);
		return;
	}
	if (evcon->state != EVCON_READING)
		return;
	req = TAILQ_FIRST(&evcon->requests);
	if (req == NULL) {
		conn_reset(evcon);
		return;
	}
	r = http_parse(evcon, req, &status);
	if (evcon->flags & EVCON_DEAD)
		return;
	switch (r) {
	case ALL_DATA_READ:
		client_done(evcon);
		break;
	case MORE_DATA_EXPECTED:
		if (evcon->flags & EVCON_PEER_EOF)
			client_fail(evcon, EVCON_HTTP_EOF);
		break;
	case DATA_CORRUPTED:
		client_fail(evcon, EVCON_HTTP_INVALID_HEADER);
		break;
	case REQUEST_CANCELED:
		break;
	}
}

int
evhttp_make_request(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri)
{
	char *u;

	if (evcon == NULL || req == NULL || uri == NULL ||
	    (evcon->flags & (EVCON_INCOMING | EVCON_DEAD)))
		return -1;
	u = mm_strdup(uri);
	if (u == NULL)
		return -1;
	mm_free(req->uri);
	req->uri = u;
	req->kind = EVHTTP_REQUEST;
	req->type = type;
	if (req->major == 0 && req->minor == 0) {
		req->major = 1;
		req->minor = 1;
	}
	req->evcon = evcon;
	TAILQ_INSERT_TAIL(&evcon->requests, req, next);

	CONN_ENTER(evcon);
	if (evcon->state == EVCON_DISCONNECTED &&
	    !(evcon->flags & EVCON_RETRY_WAIT)) {
		if (client_connect(evcon) == -1) {
			TAILQ_REMOVE(&evcon->requests, req, next);
			req->evcon = NULL;
			conn_leave(evcon);
			return -1;
		}
	} else if (evcon->state == EVCON_IDLE) {
		client_send_next(evcon);
	}
	conn_leave(evcon);
	return 0;
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
	conn_leave(evcon);
}

/* ------------------------------------------------------------------ */
/* 1.4 internals: exported, declared only in http-internal.h           */

/*
 * The head limits that apply to req: its server's when it belongs to an
 * incoming connection, else the defaults for its kind.
 */
static void
standalone_limits(struct evhttp_request *req, ev_int64_t *max_head,
    int *max_count)
{
	struct evhttp_connection *evcon = req->evcon;

	if (req->kind == EVHTTP_REQUEST) {
		*max_head = HTTP_MAX_HEADERS_SIZE;
		*max_count = HTTP_MAX_HEADERS;
	} else {
		*max_head = CLIENT_MAX_HEADERS_SIZE;
		*max_count = CLIENT_MAX_HEADERS;
	}
	if (evcon != NULL && (evcon->flags & EVCON_INCOMING) &&
	    evcon->http_server != NULL)
		*max_head = evcon->http_server->max_headers_size;
}

/*
 * Take one head line from buf for the standalone parsers: 1 with the line,
 * 0 when it is not complete yet, -1 when it is too long or holds a NUL.
 * The line is drained by the caller (used bytes).
 */
static int
standalone_line(struct evbuffer *buf, ev_int64_t max_head, char **line,
    size_t *len, size_t *used)
{
	if (!take_line(buf, line, len, used))
		return max_head >= 0 && (ev_int64_t)buf->off > max_head ?
		    -1 : 0;
	if (max_head >= 0 && (ev_int64_t)*used > max_head)
		return -1;
	if (strlen(*line) != *len)
		return -1;
	return 1;
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
	ev_int64_t max_head;
	int max_count, r;
	size_t skipped = 0;

	if (req == NULL || buf == NULL)
		return DATA_CORRUPTED;
	standalone_limits(req, &max_head, &max_count);
	for (;;) {
		char *line;
		size_t len, used;

		r = standalone_line(buf, max_head, &line, &len, &used);
		if (r <= 0)
			return r == 0 ? MORE_DATA_EXPECTED : DATA_CORRUPTED;
		if (len == 0 && skipped + used <= 4) {
			skipped += used;
			evbuffer_drain(buf, used);
			continue;
		}
		if (req->kind == EVHTTP_REQUEST) {
			mm_free(req->uri);
			req->uri = NULL;
			r = parse_request_line(req, line, len);
		} else {
			r = parse_status_line(req, line, len);
		}
		evbuffer_drain(buf, used);
		return r == 0 ? ALL_DATA_READ : DATA_CORRUPTED;
	}
}

/*
 * The framing checks the server (requests) and client (responses) make on
 * a complete head; 0 or -1.  Limits (413) and Expect are connection
 * matters and are left to the caller.
 */
static int
standalone_framing_ok(struct evhttp_request *req)
{
	struct evkeyval *h;
	const char *te = NULL, *cl = NULL;
	int nte = 0, ncl = 0, nhost = 0, code = req->response_code;
	ev_int64_t len;

	TAILQ_FOREACH(h, req->input_headers, next) {
		if (strcasecmp(h->key, "Content-Length") == 0) {
			ncl++;
			cl = h->value;
		} else if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
			nte++;
			te = h->value;
		} else if (strcasecmp(h->key, "Host") == 0) {
			nhost++;
		}
	}
	if (req->kind == EVHTTP_REQUEST) {
		if (nhost > 1)
			return -1;
		if (nte > 0 && (ncl > 0 || nte > 1 || req->minor == 0 ||
			strcasecmp(te, "chunked") != 0))
			return -1;
	} else {
		if (req->type == EVHTTP_REQ_HEAD || code == 204 ||
		    code == 304 || (code >= 100 && code < 200))
			return 0;	/* no body: framing is ignored */
		if (nte > 0 && (ncl > 0 || nte > 1))
			return -1;
	}
	if (nte == 0 && ncl > 0 &&
	    (ncl > 1 || parse_content_length(cl, &len) == -1))
		return -1;
	return 0;
}

/*
 * Parse header lines from buf into req->input_headers, draining them.
 * ALL_DATA_READ once the empty line is consumed (and the framing headers
 * passed the checks), MORE_DATA_EXPECTED if it has not arrived yet (the
 * headers parsed so far stay), DATA_CORRUPTED on a line the parser
 * refuses, too many or too large headers.
 */
enum message_read_status
evhttp_parse_headers(struct evhttp_request *req, struct evbuffer *buf)
{
	struct evkeyval *h;
	ev_int64_t max_head;
	int max_count, n = 0, r;

	if (req == NULL || buf == NULL)
		return DATA_CORRUPTED;
	standalone_limits(req, &max_head, &max_count);
	TAILQ_FOREACH(h, req->input_headers, next)
		n++;
	for (;;) {
		char *line;
		size_t len, used;

		r = standalone_line(buf, max_head, &line, &len, &used);
		if (r <= 0)
			return r == 0 ? MORE_DATA_EXPECTED : DATA_CORRUPTED;
		if (len == 0) {
			evbuffer_drain(buf, used);
			return standalone_framing_ok(req) == 0 ?
			    ALL_DATA_READ : DATA_CORRUPTED;
		}
		if (++n > max_count)
			return DATA_CORRUPTED;
		r = parse_header_line(line, len, req->input_headers);
		evbuffer_drain(buf, used);
		if (r == -1)
			return DATA_CORRUPTED;
	}
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
		conn_kill(evcon);
	} else {
		evcon->flags &= ~EVCON_RETRY_WAIT;
		conn_reset(evcon);
	}
	conn_leave(evcon);
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
	if (evcon->state == EVCON_CONNECTING)
		return 0;
	CONN_ENTER(evcon);
	if (evcon->fd != -1)
		conn_reset(evcon);
	if (!(evcon->flags & EVCON_DEAD)) {
		if (evcon->flags & EVCON_RETRY_WAIT) {
			evcon->flags &= ~EVCON_RETRY_WAIT;
			event_del(&evcon->ev_timer);
		}
		r = client_connect(evcon);
	} else {
		r = -1;
	}
	conn_leave(evcon);
	return r;
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
	if (evcon->state != EVCON_IDLE && evcon->state != EVCON_READING)
		return;
	CONN_ENTER(evcon);
	if (evcon->state != EVCON_READING) {
		evcon->state = EVCON_READING;
		parser_reset(evcon);
	}
	conn_update_read(evcon);
	conn_set_timer(evcon, conn_io_timeout(evcon));
	if (evcon->input->off > 0 || (evcon->flags & EVCON_PEER_EOF)) {
		if (evcon->flags & EVCON_INCOMING)
			server_process(evcon);
		else
			client_process(evcon);
	}
	conn_leave(evcon);
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
		blen = client_write_head(evcon, req);
	} else {
		blen = req->output_buffer->off;
		server_write_head(evcon, req, (ev_int64_t)blen);
	}
	if (blen > 0)
		evbuffer_add_buffer(evcon->output, req->output_buffer);
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
	evcon->writecb = cb;
	evcon->writecb_arg = arg;
	conn_flush(evcon);
	conn_leave(evcon);
}

/* Make req a response with this status code and reason phrase. */
void
evhttp_response_code(struct evhttp_request *req, int code, const char *reason)
{
	if (req == NULL)
		return;
	req->kind = EVHTTP_RESPONSE;
	req->response_code = code;
	set_reason(req, reason);
}

/*
 * Send databuf as an HTML page and close the connection afterwards: 200
 * OK unless evhttp_response_code() chose another status.
 */
void
evhttp_send_page(struct evhttp_request *req, struct evbuffer *databuf)
{
	int code = 200;
	const char *reason = "OK";

	if (req == NULL)
		return;
	if (req->kind == EVHTTP_RESPONSE && req->response_code != 0) {
		code = req->response_code;
		if (req->response_code_line != NULL)
			reason = req->response_code_line;
	}
	evhttp_clear_headers(req->output_headers);
	evhttp_add_header(req->output_headers, "Content-Type", "text/html");
	evhttp_add_header(req->output_headers, "Connection", "close");
	if (req->evcon != NULL)
		req->evcon->keep_alive = 0;
	/* set_reason() copies before it frees: reason may be the old line. */
	evhttp_send_reply(req, code, reason, databuf);
}

/*
 * Serve an accepted socket on http, as if its listener had accepted it
 * (the fd is made nonblocking; it is closed when the connection ends).
 */
void
evhttp_get_request(struct evhttp *http, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_storage ss;

	if (http == NULL || fd < 0)
		return;
	if (sa == NULL || salen <= 0) {
		salen = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		if (getpeername(fd, (struct sockaddr *)&ss, &salen) == -1) {
			ss.ss_family = AF_UNSPEC;
			salen = sizeof(ss);
		}
		sa = (struct sockaddr *)&ss;
	}
	evutil_make_socket_nonblocking(fd);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	server_new_connection(http, fd, sa, salen);
}

#define HOSTPORTFILE_MAX	1024

/*
 * Split "http://host[:port][/file]" (the scheme case-insensitive, an IPv6
 * host in brackets).  *host and *file point to per-thread static buffers
 * valid until the next call (1.4 callers never free them); *port is 80 by
 * default.  -1 for another scheme, an empty host, a port that is not
 * 1..65535, control bytes or parts longer than the buffers.
 */
int
evhttp_hostportfile(char *url, char **phost, unsigned short *pport,
    char **pfile)
{
	static __thread char host[HOSTPORTFILE_MAX];
	static __thread char file[HOSTPORTFILE_MAX];
	const char *p, *hend, *hstart, *hstop, *colon = NULL;
	size_t hlen, flen, i;
	unsigned long port = 80;

	if (url == NULL || strncasecmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	hend = p + strcspn(p, "/?#");
	for (i = 0; url[i] != '\0'; i++) {
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return -1;
	}
	hstart = p;
	hstop = hend;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(hend - p));

		if (rb == NULL)
			return -1;
		hstart = p + 1;
		hstop = rb;
		if (rb + 1 < hend) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memchr(p, ':', (size_t)(hend - p));
		if (colon != NULL)
			hstop = colon;
		if (memchr(p, '@', (size_t)(hend - p)) != NULL)
			return -1;	/* userinfo: not for us */
	}
	hlen = (size_t)(hstop - hstart);
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	if (colon != NULL) {
		const char *d = colon + 1;

		if (d == hend)
			return -1;
		port = 0;
		for (; d < hend; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			port = port * 10 + (unsigned long)(*d - '0');
			if (port > 65535)
				return -1;
		}
		if (port == 0)
			return -1;
	}
	flen = strlen(hend);
	if (flen >= sizeof(file))
		return -1;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	if (flen == 0) {
		file[0] = '/';
		file[1] = '\0';
	} else if (*hend != '/') {
		/* "http://host?q": the path is "/" */
		if (flen + 1 >= sizeof(file))
			return -1;
		file[0] = '/';
		memcpy(file + 1, hend, flen + 1);
	} else {
		memcpy(file, hend, flen + 1);
	}
	if (phost != NULL)
		*phost = host;
	if (pport != NULL)
		*pport = (unsigned short)port;
	if (pfile != NULL)
		*pfile = file;
	return 0;
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

/* BSD strlcpy(): copy with truncation, always terminated if siz > 0;
 * returns strlen(src), so a result >= siz means it was truncated. */
size_t
_event_strlcpy(char *dst, const char *src, size_t siz)
{
	size_t len = strlen(src);

	if (siz > 0) {
		size_t n = len < siz ? len : siz - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
