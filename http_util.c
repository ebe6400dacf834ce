/*
 * http_util.c -- the helpers of the embedded HTTP server and client:
 * request objects, header lists, URI encoding and query strings, HTML
 * escaping, URL splitting and dates.  Nothing here touches a connection.
 *
 * The contract of each public function is in include/evhttp.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "evbuffer-internal.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

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
	TAILQ_INIT(&r->spare_headers);
	req->input_headers = &r->in_headers;
	req->output_headers = &r->out_headers;
	req->input_buffer = evbuffer_new_plain();
	req->output_buffer = evbuffer_new_plain();
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
	if (req->evcon != NULL && REQ_PRIV(req)->replied)
		return;		/* answered: the library frees it */
	if (req->evcon != NULL && REQ_PRIV(req)->handed) {
		/* A server request freed instead of answered: its client
		 * will never get a reply, so its connection closes. */
		struct evhttp_connection *evcon = req->evcon;

		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		conn_kill_(evcon);
	}
	if (REQ_PRIV(req)->orphans != NULL)
		TAILQ_REMOVE(REQ_PRIV(req)->orphans, req, next);
	http_req_ext_free_(req);
	mm_free(req->remote_host);
	mm_free(req->uri);
	mm_free(req->response_code_line);
	mm_free(REQ_PRIV(req)->old_reason);
	mm_free(REQ_PRIV(req)->old_uri);
	evhttp_clear_headers(req->input_headers);
	evhttp_clear_headers(req->output_headers);
	http_headers_spares_free_(REQ_PRIV(req));
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
		event_debug(("%s: request %p has no uri", __func__,
		    (void *)req));
	return req->uri;
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

static void
header_remove(struct evkeyvalq *headers, struct evkeyval *header)
{
	TAILQ_REMOVE(headers, header, next);
	http_header_free_(header);
}

void
evhttp_clear_headers(struct evkeyvalq *headers)
{
	struct evkeyval *header;

	if (headers == NULL)
		return;
	while ((header = TAILQ_FIRST(headers)) != NULL)
		header_remove(headers, header);
}

int
evhttp_remove_header(struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *header;

	if (headers == NULL || key == NULL)
		return -1;
	TAILQ_FOREACH(header, headers, next) {
		if (strcasecmp(header->key, key) == 0) {
			header_remove(headers, header);
			return 0;
		}
	}
	return -1;
}

/*
 * The value to store for evhttp_add_header(): value itself, or, when it
 * holds 1.4's continuation form (CR LF followed by SP or HTAB), a copy
 * with each such fold and the white space around it replaced by one SP,
 * so that nothing we send is folded.  *copy is the copy to free (NULL if
 * none).  -1 if another CR or LF is in it.
 */
static int
header_value_unfolded(const char *value, const char **out, char **copy)
{
	const char *p;
	char *q;

	*out = value;
	*copy = NULL;
	if (strpbrk(value, "\r\n") == NULL)
		return 0;
	for (p = value; (p = strpbrk(p, "\r\n")) != NULL; p += 3) {
		if (p[0] != '\r' || p[1] != '\n' ||
		    (p[2] != ' ' && p[2] != '\t'))
			return -1;
	}
	if ((q = *copy = mm_malloc(strlen(value) + 1)) == NULL)
		return -1;
	for (p = value; *p != '\0'; p++) {
		if (*p != '\r') {
			*q++ = *p;
			continue;
		}
		while (q > *copy && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		for (p += 2; p[1] == ' ' || p[1] == '\t'; p++)
			;
		/* p is on the last white space byte: one SP, unless at
		 * either end of the value. */
		if (q > *copy && p[1] != '\0' && p[1] != '\r')
			*q++ = ' ';
	}
	*q = '\0';
	*out = *copy;
	return 0;
}

/* Spare header entries a recycled request keeps. */
#define HTTP_HEADER_SPARES	16

/*
 * Empty r's input headers for its next request: entries that are wholly
 * the library's (one allocation, strings untouched) become spares, up to
 * HTTP_HEADER_SPARES, in their order; the others are freed.
 */
void
http_headers_keep_(struct http_req *r)
{
	struct evkeyval *h;

	while ((h = TAILQ_FIRST(&r->in_headers)) != NULL) {
		TAILQ_REMOVE(&r->in_headers, h, next);
		if (r->nspare_headers < HTTP_HEADER_SPARES &&
		    h->key == (char *)(h + 1) &&
		    http_header_value_inline_(h)) {
			TAILQ_INSERT_TAIL(&r->spare_headers, h, next);
			r->nspare_headers++;
		} else {
			http_header_free_(h);
		}
	}
}

void
http_headers_spares_free_(struct http_req *r)
{
	struct evkeyval *h;

	while ((h = TAILQ_FIRST(&r->spare_headers)) != NULL) {
		TAILQ_REMOVE(&r->spare_headers, h, next);
		mm_free(h);
	}
	r->nspare_headers = 0;
}

int
evhttp_add_header(struct evkeyvalq *headers, const char *key,
    const char *value)
{
	const char *v;
	char *copy;
	size_t kl, vl;
	int r;

	if (headers == NULL || key == NULL || value == NULL)
		return -1;
	/* A name is a token: no CR, LF, NUL, space or colon can hide in it. */
	if ((kl = http_token_len_(key)) == 0) {
		event_debug(("%s: bad header name \"%s\"", __func__, key));
		return -1;
	}
	/* A value without CR or LF, the usual one, is measured in the same
	 * pass that looks for them. */
	vl = strcspn(value, "\r\n");
	if (value[vl] == '\0')
		return http_header_add_raw_(headers, key, kl, value, vl);
	/* A lone CR or LF in a value would end the header on the wire. */
	if (header_value_unfolded(value, &v, &copy) == -1) {
		event_debug(("%s: CR/LF in value of %s", __func__, key));
		return -1;
	}
	r = http_header_add_raw_(headers, key, kl, v, strlen(v));
	mm_free(copy);
	return r;
}

/* Append "key: value\r\n" to buf with one copy.  0 or -1. */
int
http_buf_add_header_(struct evbuffer *buf, const char *key, const char *value)
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

/*
 * Decode len bytes of in into out (at least len + 1 bytes).  '+' becomes a
 * space once a '?' was seen, or from the start when plus_is_space is set.
 * Returns the decoded length.
 */
static size_t
decode_into(const char *in, size_t len, char *out, int plus_is_space)
{
	size_t i, j = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '?')
			plus_is_space = 1;
		if (c == '+' && plus_is_space) {
			out[j++] = ' ';
		} else if (c == '%' && i + 2 < len &&
		    (hi = http_hexval_((unsigned char)in[i + 1])) >= 0 &&
		    (lo = http_hexval_((unsigned char)in[i + 2])) >= 0) {
			out[j++] = (char)(hi * 16 + lo);
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
		if (http_header_add_raw_(headers, p, (size_t)(eq - p), value,
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
/* What may go on the wire                                             */

/*
 * May uri go into a request line?  Not empty, and no byte that would end
 * it or the line (white space, CR, LF, other control bytes).
 */
int
http_uri_is_safe_(const char *uri)
{
	const unsigned char *p = (const unsigned char *)uri;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* The standard reason phrase of a status (RFC 9110 15), else its class. */
const char *
http_reason_phrase_(int code)
{
	static const struct {
		int code;
		const char *reason;
	} phrases[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" },
		{ 204, "No Content" }, { 205, "Reset Content" },
		{ 206, "Partial Content" }, { 300, "Multiple Choices" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 426, "Upgrade Required" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" }
	};
	static const char *const classes[] = {
		"Informational", "Success", "Redirection", "Client Error",
		"Server Error"
	};
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		if (phrases[i].code == code)
			return phrases[i].reason;
	}
	if (code >= 100 && code < 600)
		return classes[code / 100 - 1];
	return "Error";
}

/* ------------------------------------------------------------------ */
/* URLs, dates, strings                                                */

#define HOSTPORTFILE_MAX	1024

/* A decimal port 1..65535 in [d, end): the port, or 0. */
static unsigned long
parse_port(const char *d, const char *end)
{
	unsigned long port = 0;

	if (d == end)
		return 0;
	for (; d < end; d++) {
		if (*d < '0' || *d > '9')
			return 0;
		port = port * 10 + (unsigned long)(*d - '0');
		if (port > 65535)
			return 0;
	}
	return port;
}

/*
 * Split the authority [p, end) into the host (brackets of an IPv6 literal
 * dropped) and the port (80 if none).  0, or -1 when it is malformed or
 * has userinfo.
 */
static int
split_authority(const char *p, const char *end, const char **host,
    size_t *hostlen, unsigned long *port)
{
	const char *hstop = end, *colon = NULL;

	*host = p;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL || (rb + 1 < end && rb[1] != ':'))
			return -1;
		*host = p + 1;
		hstop = rb;
		if (rb + 1 < end)
			colon = rb + 1;
	} else {
		if (memchr(p, '@', (size_t)(end - p)) != NULL)
			return -1;	/* userinfo: not for us */
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon != NULL)
			hstop = colon;
	}
	*hostlen = (size_t)(hstop - *host);
	*port = colon != NULL ? parse_port(colon + 1, end) : 80;
	return *hostlen == 0 || *port == 0 ? -1 : 0;
}

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
	const char *p, *hend, *hstart;
	size_t hlen, flen, i;
	unsigned long port;

	if (url == NULL || strncasecmp(url, "http://", 7) != 0)
		return -1;
	for (i = 0; url[i] != '\0'; i++) {
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return -1;
	}
	p = url + 7;
	hend = p + strcspn(p, "/?#");
	if (split_authority(p, hend, &hstart, &hlen, &port) == -1 ||
	    hlen >= sizeof(host))
		return -1;
	/* "http://host?q" and "http://host" have the path "/". */
	flen = strlen(hend);
	if (flen + (*hend != '/') >= sizeof(file))
		return -1;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	file[0] = '/';
	memcpy(file + (*hend != '/'), hend, flen + 1);
	if (phost != NULL)
		*phost = host;
	if (pport != NULL)
		*pport = (unsigned short)port;
	if (pfile != NULL)
		*pfile = file;
	return 0;
}

/* Build an RFC 9110 IMF-fixdate, independent of the locale. */
void
http_format_date_(time_t t, char *out, size_t outlen)
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
