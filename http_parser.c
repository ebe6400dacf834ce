/*
 * http_parser.c -- the HTTP/1.x wire grammar and message parser.
 *
 * Written from RFC 9110/9112; the code is our own.  Nothing here knows
 * sockets, events or connections: the parser reads an evbuffer into a
 * struct evhttp_request, with its progress and limits in a struct
 * http_parser (http-internal.h), so it can be tested on byte strings.
 *
 * a) One function per parser state; http_parser_step_() dispatches on
 *    the state and http_parser_run_() steps until there is something to
 *    report.  Any split of the input gives the same result: a state that
 *    lacks bytes returns HTTP_PARSE_MORE without consuming any.
 *
 * b) Lines are parsed in place in the contiguous input buffer: the end
 *    of line is overwritten with a NUL before the line is drained.
 *
 * c) The parser is strict: what RFC 9112 calls invalid framing (duplicate
 *    or malformed Content-Length, Transfer-Encoding other than a lone
 *    "chunked" in a request, both at once, control bytes in names or
 *    values, bad chunk sizes, framing headers in trailers) is an error,
 *    never a guess, because a lenient guess is what request smuggling
 *    exploits.
 *
 * d) obs-fold (a header line continued on the next, which starts with SP
 *    or HTAB) is unfolded as RFC 9112 5.2 allows and libevent 1.4 did:
 *    each fold becomes one SP in the value.  Never before the first
 *    header, in a trailer, or in a header that frames the message
 *    (Content-Length, Transfer-Encoding; in a response also Connection,
 *    which decides how a body without a length ends): those are errors.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "evhttp.h"
#include "http-internal.h"
#include "mm-internal.h"

#define CHUNK_LINE_MAX		4096	/* chunk-size line with extensions */

/* ------------------------------------------------------------------ */
/* Grammar                                                             */

/* Do the len bytes at a equal the string b, ignoring case? */
static int
memcaseeq(const char *a, size_t len, const char *b)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ca = (unsigned char)a[i];
		unsigned char cb = (unsigned char)b[i];

		if (cb == '\0' || tolower(ca) != tolower(cb))
			return 0;
	}
	return b[len] == '\0';
}

/*
 * RFC 9110 tchar: the characters of a token (header names, methods):
 * ALPHA, DIGIT and !#$%&'*+-.^_`|~.  A byte table: the parser asks for
 * every byte of every header name.  Bytes from 128 on are none.
 */
static const unsigned char tchar_tab[256] = {
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x00 */
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x10 */
	0,1,0,1,1,1,1,1,0,0,1,1,0,1,1,0,	/* 0x20  !"#$%&'()*+,-./ */
	1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,	/* 0x30 0-9:;<=>? */
	0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x40 @A-O */
	1,1,1,1,1,1,1,1,1,1,1,0,0,0,1,1,	/* 0x50 P-Z[\]^_ */
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x60 `a-o */
	1,1,1,1,1,1,1,1,1,1,1,0,1,0,1,0		/* 0x70 p-z{|}~DEL */
};

static int
is_tchar(unsigned char c)
{
	return tchar_tab[c];
}

/* The length of s if it is a token (one or more tchars), else 0.  NUL
 * is no tchar, so one pass both checks and measures. */
size_t
http_token_len_(const char *s)
{
	size_t n = 0;

	while (is_tchar((unsigned char)s[n]))
		n++;
	return s[n] == '\0' ? n : 0;
}

/* A byte allowed in a field value: VCHAR, obs-text, SP or HTAB. */
static int
is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Do len bytes contain a NUL or another control byte but HTAB? */
static int
bytes_have_ctl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_value_char((unsigned char)s[i]))
			return 1;
	}
	return 0;
}

/*
 * Do the 8 bytes at s contain a control byte but HTAB?  A word is looked
 * at byte by byte only if it holds a byte below SP (HTAB may be one) or
 * a DEL: (x - 0x20 per byte) & ~x has a high bit set if some byte is
 * below 0x20, the same with 0x01 on x ^ 0x7f if one is a DEL.  Bytes from
 * 0x80 (obs-text) pass.
 */
static int
word_has_ctl(const char *s)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t w, d;

	memcpy(&w, s, 8);
	d = w ^ (0x7f * ones);
	return (((w - 0x20 * ones) & ~w) | ((d - ones) & ~d)) & highs &&
	    bytes_have_ctl(s, 8);
}

/* Does a line of len bytes contain a NUL or another control byte?  Eight
 * bytes at a time; a tail is the last eight bytes, again in part. */
static int
line_has_ctl(const char *line, size_t len)
{
	size_t i;

	if (len < 8)
		return bytes_have_ctl(line, len);
	for (i = 0; i + 8 <= len; i += 8) {
		if (word_has_ctl(line + i))
			return 1;
	}
	return i < len && word_has_ctl(line + len - 8);
}

int
http_hexval_(unsigned char c)
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
 * Does the comma-separated list in value contain token (any case)?
 * "close", " Keep-Alive , TE" and the like.  NULL holds nothing.
 */
int
http_has_token_(const char *value, const char *token)
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
	int d;

	/* At most 16 digits: longer sizes are refused even when padded
	 * with zeros, like other strict parsers do. */
	while (i < len && (d = http_hexval_((unsigned char)line[i])) >= 0) {
		if (i >= 16 || v > ((ev_uint64_t)INT64_MAX >> 4))
			return -1;
		v = (v << 4) | (ev_uint64_t)d;
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

/*
 * Append key/value (lengths given) without validation.  The entry, its
 * name and its value are one allocation, the name and value right after
 * the struct (one malloc and one free per header instead of three);
 * http_header_free_() frees a string on its own only if it was replaced
 * (an obs-fold, or a program that put in a string of its own).  0 or -1.
 */
int
http_header_add_raw_(struct evkeyvalq *headers, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	struct evkeyval *header;

	if (klen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4)
		return -1;
	header = mm_malloc(sizeof(*header) + klen + vlen + 2);
	if (header == NULL)
		return -1;
	http_header_fill_(headers, header, key, klen, value, vlen);
	return 0;
}

/* The bytes a spare entry holds for a name and a value with their NULs:
 * at least what its strings take now (the allocation may be larger). */
static size_t
header_spare_room(const struct evkeyval *header)
{
	return (size_t)(header->value + strlen(header->value) + 1 -
	    (const char *)(header + 1));
}

/*
 * Add a parsed header to headers in a spare entry of r when the first
 * spare has room, else in a new one.  A keep-alive client sends the same
 * headers in the same order, so the spares, kept in that order, fit one
 * by one and its requests cost no allocation per header.  A spare that
 * does not fit goes to the back.  0 or -1.
 */
int
http_header_add_spare_(struct http_req *r, struct evkeyvalq *headers,
    const char *key, size_t klen, const char *value, size_t vlen)
{
	struct evkeyval *h = TAILQ_FIRST(&r->spare_headers);

	if (h == NULL)
		return http_header_add_raw_(headers, key, klen, value, vlen);
	TAILQ_REMOVE(&r->spare_headers, h, next);
	if (klen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4 ||
	    header_spare_room(h) < klen + vlen + 2) {
		TAILQ_INSERT_TAIL(&r->spare_headers, h, next);
		return http_header_add_raw_(headers, key, klen, value, vlen);
	}
	r->nspare_headers--;
	http_header_fill_(headers, h, key, klen, value, vlen);
	return 0;
}

/*
 * Does header's value still live in the entry's own allocation?  Only
 * pointers are compared until the name is known to be ours: an entry a
 * program made itself holds nothing after its struct.
 */
int
http_header_value_inline_(const struct evkeyval *header)
{
	const char *s = (const char *)(header + 1);

	return header->key == s && header->value == s + strlen(s) + 1;
}

/* Free an entry made by http_header_add_raw_() (taken off its list). */
void
http_header_free_(struct evkeyval *header)
{
	if (header->key != (char *)(header + 1))
		mm_free(header->key);
	if (!http_header_value_inline_(header))
		mm_free(header->value);
	mm_free(header);
}

/*
 * Split "name: value" (RFC 9112 section 5, strictly): the name is a
 * non-empty token directly followed by ':', the value (surrounding white
 * space dropped) has no control byte but HTAB, and a line starting with
 * white space (a continuation) is not a header line.  0 with the pieces,
 * or -1.
 */
static int
split_header_line(const char *line, size_t len, size_t *namelen,
    const char **value, size_t *vlen)
{
	const char *colon, *v, *vend;
	size_t i;

	if (len == 0 || line[0] == ' ' || line[0] == '\t')
		return -1;
	colon = memchr(line, ':', len);
	if (colon == NULL || colon == line)
		return -1;
	*namelen = (size_t)(colon - line);
	for (i = 0; i < *namelen; i++) {
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
	*value = v;
	*vlen = (size_t)(vend - v);
	return 0;
}

/* Headers whose value a fold may not continue (see d) above). */
static int
fold_forbidden(const char *name, int is_request)
{
	return strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0 ||
	    (!is_request && strcasecmp(name, "Connection") == 0);
}

/*
 * A continuation line (obs-fold): append its text, trimmed, to the value
 * of the header before it, after one SP.  0 or -1.
 */
static int
unfold_header_line(struct http_parser *p, struct evkeyvalq *headers,
    const char *line, size_t len)
{
	struct evkeyval *last = TAILQ_LAST(headers, evkeyvalq);
	const char *v = line, *vend = line + len;
	size_t old, add;
	char *nv;

	/* p->nheaders counts this line already. */
	if (last == NULL || p->nheaders < 2 ||
	    fold_forbidden(last->key, p->is_request))
		return -1;
	while (v < vend && (*v == ' ' || *v == '\t'))
		v++;
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	if (line_has_ctl(v, (size_t)(vend - v)))
		return -1;
	if (v == vend)
		return 0;	/* an empty continuation adds nothing */
	old = strlen(last->value);
	add = (size_t)(vend - v);
	/* A value inside its entry's allocation moves out of it. */
	if (http_header_value_inline_(last)) {
		if ((nv = mm_malloc(old + 1 + add + 1)) != NULL)
			memcpy(nv, last->value, old);
	} else {
		nv = mm_realloc(last->value, old + 1 + add + 1);
	}
	if (nv == NULL)
		return -1;
	if (old > 0)
		nv[old++] = ' ';
	memcpy(nv + old, v, add);
	nv[old + add] = '\0';
	last->value = nv;
	return 0;
}

/* Parse a header line into req's input headers.  0 or -1. */
static int
parse_header_line(struct evhttp_request *req, const char *line, size_t len)
{
	const char *value;
	size_t namelen, vlen;

	if (split_header_line(line, len, &namelen, &value, &vlen) == -1)
		return -1;
	return http_header_add_spare_(REQ_PRIV(req), req->input_headers, line,
	    namelen, value, vlen);
}

/* Headers that decide framing or routing may not come as trailers. */
static int
forbidden_trailer(const char *name, size_t len)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "host", "trailer",
		"connection", "te", "content-encoding", "content-type",
		"content-range", "expect", "keep-alive", "upgrade",
		"proxy-connection", NULL
	};
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (memcaseeq(name, len, names[i]))
			return 1;
	}
	return 0;
}

/* The methods of RFC 9110 and 5789 (PATCH), with libevent 2.x's bits. */
static const struct {
	const char *name;
	size_t len;
	unsigned bit;
} http_methods[] = {
	{ "GET", 3, HTTP_M_GET }, { "POST", 4, HTTP_M_POST },
	{ "HEAD", 4, HTTP_M_HEAD }, { "PUT", 3, HTTP_M_PUT },
	{ "DELETE", 6, HTTP_M_DELETE }, { "OPTIONS", 7, HTTP_M_OPTIONS },
	{ "TRACE", 5, HTTP_M_TRACE }, { "CONNECT", 7, HTTP_M_CONNECT },
	{ "PATCH", 5, HTTP_M_PATCH }
};

unsigned
http_method_parse_(const char *s, size_t len)
{
	size_t i;

	/* Every request comes here: GET first, no strlen. */
	if (len == 3 && s[0] == 'G' && s[1] == 'E' && s[2] == 'T')
		return HTTP_M_GET;
	for (i = 1; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		if (http_methods[i].len == len &&
		    memcmp(http_methods[i].name, s, len) == 0)
			return http_methods[i].bit;
	}
	if (len == 0)
		return HTTP_M_BAD;
	for (i = 0; i < len; i++) {
		if (!is_tchar((unsigned char)s[i]))
			return HTTP_M_BAD;
	}
	return 0;
}

const char *
http_method_name_(unsigned method)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		if (http_methods[i].bit == method)
			return http_methods[i].name;
	}
	return "GET";
}

/* A copy of the request target: in a recycled request's last target
 * buffer when it fits (one allocation less per keep-alive request). */
static char *
request_target_copy(struct evhttp_request *req, const char *uri, size_t ulen)
{
	struct http_req *r = REQ_PRIV(req);
	char *s = r->old_uri;

	if (s == NULL || ulen >= r->old_uri_size)
		return mm_strndup(uri, ulen);
	r->old_uri = NULL;
	memcpy(s, uri, ulen);
	s[ulen] = '\0';
	return s;
}

/* Parse "METHOD SP request-target SP HTTP/1.x".  0 or an HTTP status. */
static int
parse_request_line(struct evhttp_request *req, char *line, size_t len)
{
	char *sp1, *sp2, *uri, *version;
	size_t mlen, ulen, vlen, i;
	unsigned method;

	mm_free(req->uri);	/* a request object may be parsed into twice */
	req->uri = NULL;
	sp1 = memchr(line, ' ', len);
	if (sp1 == NULL)
		return HTTP_BADREQUEST;
	mlen = (size_t)(sp1 - line);
	uri = sp1 + 1;
	sp2 = memchr(uri, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return HTTP_BADREQUEST;
	ulen = (size_t)(sp2 - uri);
	version = sp2 + 1;
	vlen = len - mlen - ulen - 2;

	/* Which methods a server serves is its own choice, made once the
	 * head is read (http_req_refused_); one nobody implements is 501. */
	method = http_method_parse_(line, mlen);
	if (method == HTTP_M_BAD)
		return HTTP_BADREQUEST;
	if (method == 0)
		return HTTP_NOTIMPLEMENTED;
	http_req_set_method_(req, method, 0);

	if (ulen == 0)
		return HTTP_BADREQUEST;
	for (i = 0; i < ulen; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c <= 0x20 || c == 0x7f)
			return HTTP_BADREQUEST;
	}
	if (vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
	    (version[7] != '0' && version[7] != '1'))
		return HTTP_BADREQUEST;
	req->major = 1;
	req->minor = (char)(version[7] - '0');

	req->uri = request_target_copy(req, uri, ulen);
	if (req->uri == NULL)
		return HTTP_SERVUNAVAIL;
	if (uri[0] != '/')
		req->flags |= EVHTTP_PROXY_REQUEST;
	return 0;
}

/* Parse "HTTP/1.x SP 3DIGIT [SP reason]".  0 or an HTTP status. */
static int
parse_status_line(struct evhttp_request *req, char *line, size_t len)
{
	int code;

	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    (line[7] != '0' && line[7] != '1') || line[8] != ' ')
		return HTTP_BADREQUEST;
	if (!isdigit((unsigned char)line[9]) ||
	    !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]))
		return HTTP_BADREQUEST;
	code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (code < HTTP_CONTINUE)
		return HTTP_BADREQUEST;
	if (len > 12 && line[12] != ' ')
		return HTTP_BADREQUEST;
	if (line_has_ctl(line + 12, len - 12))
		return HTTP_BADREQUEST;
	req->major = 1;
	req->minor = (char)(line[7] - '0');
	req->response_code = code;
	mm_free(req->response_code_line);
	req->response_code_line = mm_strdup(len > 12 ? line + 13 : "");
	if (req->response_code_line == NULL)
		return HTTP_BADREQUEST;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Framing: how long is the body, and may the connection stay open?    */

/* The framing headers of a head. */
struct framing {
	const char *cl;		/* the last Content-Length value */
	const char *te;		/* the last Transfer-Encoding value */
	const char *conn;	/* the first Connection value */
	const char *pconn;	/* the first Proxy-Connection value */
	int ncl, nte, nhost;	/* how many of each */
};

/* One walk over the headers for all of them.  (The first letter spares
 * most headers the comparisons.) */
static void
scan_framing(const struct evhttp_request *req, struct framing *f)
{
	struct evkeyval *h;

	memset(f, 0, sizeof(*f));
	TAILQ_FOREACH(h, req->input_headers, next) {
		switch (h->key[0]) {
		case 'C': case 'c':
			if (strcasecmp(h->key, "Content-Length") == 0) {
				f->ncl++;
				f->cl = h->value;
			} else if (f->conn == NULL &&
			    strcasecmp(h->key, "Connection") == 0) {
				f->conn = h->value;
			}
			break;
		case 'T': case 't':
			if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
				f->nte++;
				f->te = h->value;
			}
			break;
		case 'H': case 'h':
			if (strcasecmp(h->key, "Host") == 0)
				f->nhost++;
			break;
		case 'P': case 'p':
			if (f->pconn == NULL &&
			    strcasecmp(h->key, "Proxy-Connection") == 0)
				f->pconn = h->value;
			break;
		}
	}
}

/* The Connection header's wish, with the default of the version. */
static int
message_keep_alive(const struct evhttp_request *req, const struct framing *f)
{
	if (req->minor >= 1)
		return !http_has_token_(f->conn, "close");
	return http_has_token_(f->conn, "keep-alive");
}

static void
frame_chunked(struct http_parser *p, struct evhttp_request *req)
{
	REQ_SET_CHUNKED(req, 1);
	req->ntoread = -1;
	p->state = HP_CHUNK_SIZE;
}

static void
frame_until_eof(struct http_parser *p, struct evhttp_request *req)
{
	p->keep_alive = 0;
	req->ntoread = -1;
	p->state = HP_BODY_EOF;
}

static int
frame_by_length(struct http_parser *p, struct evhttp_request *req,
    const struct framing *f)
{
	ev_int64_t len;

	if (f->ncl > 1 || parse_content_length(f->cl, &len) == -1)
		return HTTP_BADREQUEST;
	if (p->max_body >= 0 && len > p->max_body)
		return HTTP_ENTITYTOOLARGE;
	req->ntoread = len;
	p->state = len > 0 ? HP_BODY_LENGTH : HP_DONE;
	return 0;
}

/* After the request headers: framing and keep-alive.  0 or a status. */
static int
request_framing(struct http_parser *p, struct evhttp_request *req)
{
	struct framing f;

	scan_framing(req, &f);
	if (f.nhost > 1)
		return HTTP_BADREQUEST;
	if (req->flags & EVHTTP_PROXY_REQUEST)
		p->keep_alive = http_has_token_(f.pconn, "keep-alive");
	else
		p->keep_alive = message_keep_alive(req, &f);

	if (f.nte > 0) {
		/* Only a lone "chunked" is a framing we can trust. */
		if (f.ncl > 0 || f.nte > 1 || req->minor == 0 ||
		    strcasecmp(f.te, "chunked") != 0)
			return HTTP_BADREQUEST;
		frame_chunked(p, req);
		return 0;
	}
	if (f.ncl > 0)
		return frame_by_length(p, req, &f);
	/* RFC 9112 6.3: a request without framing has no body. */
	req->ntoread = 0;
	p->state = HP_DONE;
	return 0;
}

/* After the response headers: framing and keep-alive.  0 or a status. */
static int
response_framing(struct http_parser *p, struct evhttp_request *req)
{
	struct framing f;

	scan_framing(req, &f);
	p->keep_alive = message_keep_alive(req, &f);
	/* The request we sent may have asked to close. */
	if (http_has_token_(evhttp_find_header(req->output_headers,
		"Connection"), "close"))
		p->keep_alive = 0;

	if (http_req_bit_(req) == HTTP_M_HEAD ||
	    HTTP_STATUS_NOBODY(req->response_code)) {
		req->ntoread = 0;
		p->state = HP_DONE;
		return 0;
	}
	if (f.nte > 0) {
		if (f.ncl > 0 || f.nte > 1)
			return HTTP_BADREQUEST;
		if (strcasecmp(f.te, "chunked") == 0)
			frame_chunked(p, req);
		else	/* another coding last: the body ends at the close */
			frame_until_eof(p, req);
		return 0;
	}
	if (f.ncl > 0)
		return frame_by_length(p, req, &f);
	/* No length: 1.4 refuses this on a connection said to stay open. */
	if (http_has_token_(f.conn, "keep-alive"))
		return HTTP_BADREQUEST;
	frame_until_eof(p, req);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The parser states                                                   */

/*
 * Find the next line in buf.  On success the end of line (LF or CRLF) is
 * replaced by NUL, *line and *len describe the text without it, *used is
 * the byte count to drain, and 1 is returned.  0 when no LF is there yet.
 * p->scanned remembers how far the search got, so that a long line
 * arriving in many reads is searched once, not once per read.
 */
static int
take_line(struct http_parser *p, struct evbuffer *buf, char **line,
    size_t *len, size_t *used)
{
	unsigned char *s = buf->buffer;
	unsigned char *nl;
	size_t l, from = p->scanned <= buf->off ? p->scanned : 0;

	if (buf->off == 0)
		return 0;
	nl = memchr(s + from, '\n', buf->off - from);
	if (nl == NULL) {
		p->scanned = buf->off;
		return 0;
	}
	p->scanned = 0;
	l = (size_t)(nl - s);
	*used = l + 1;
	if (l > 0 && s[l - 1] == '\r')
		l--;
	s[l] = '\0';
	*line = (char *)s;
	*len = l;
	return 1;
}

/*
 * The next line of the head (first line, headers, trailers): 1 with the
 * line, not drained yet; 0 when it has not fully arrived; -1 when the
 * head passes its size limit (p->status set), HTTP_HEAD_HARD_MAX when
 * there is none.  A NUL inside the line needs no check here: no grammar
 * above admits one (methods, versions and digits are compared exactly,
 * targets, names and values refuse control bytes), so each refuses it
 * with 400.
 */
static int
take_head_line(struct http_parser *p, struct evbuffer *in, char **line,
    size_t *len, size_t *used)
{
	int too_large = p->state == HP_FIRSTLINE ?
	    HTTP_URITOOLONG : HTTP_HEADERSTOOLARGE;
	ev_int64_t max = p->max_head >= 0 ? p->max_head : HTTP_HEAD_HARD_MAX;

	if (!take_line(p, in, line, len, used)) {
		if ((ev_int64_t)(p->header_bytes + in->off) > max) {
			p->status = too_large;
			return -1;
		}
		return 0;
	}
	p->header_bytes += *used;
	if ((ev_int64_t)p->header_bytes > max) {
		p->status = too_large;
		return -1;
	}
	return 1;
}

/* Move n bytes of input into the request body. */
static int
take_body(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in, size_t n)
{
	if (evbuffer_add(req->input_buffer, in->buffer, n) == -1)
		return -1;
	evbuffer_drain(in, n);
	p->body_read += (ev_int64_t)n;
	return 0;
}

/* Take up to req->ntoread body bytes: AGAIN once none is left. */
static enum http_parse_result
take_counted(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	size_t n = in->off;

	if ((ev_int64_t)n > req->ntoread)
		n = (size_t)req->ntoread;
	if (n > 0 && take_body(p, req, in, n) == -1) {
		p->status = HTTP_SERVUNAVAIL;
		return HTTP_PARSE_ERROR;
	}
	req->ntoread -= (ev_int64_t)n;
	return req->ntoread > 0 ? HTTP_PARSE_MORE : HTTP_PARSE_AGAIN;
}

static enum http_parse_result
state_firstline(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	char *line;
	size_t len, used;
	int r = take_head_line(p, in, &line, &len, &used);

	if (r <= 0)
		return r == 0 ? HTTP_PARSE_MORE : HTTP_PARSE_ERROR;
	if (len == 0 && p->header_bytes <= 4) {
		/* Tolerate a stray CRLF between messages (RFC 9112 2.2). */
		evbuffer_drain(in, used);
		return HTTP_PARSE_AGAIN;
	}
	if (p->is_request)
		r = parse_request_line(req, line, len);
	else
		r = parse_status_line(req, line, len);
	evbuffer_drain(in, used);
	if (r != 0) {
		p->status = r;
		return HTTP_PARSE_ERROR;
	}
	p->state = HP_HEADERS;
	return HTTP_PARSE_AGAIN;
}

static enum http_parse_result
state_headers(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	char *line;
	size_t len, used;
	int r = take_head_line(p, in, &line, &len, &used);

	if (r <= 0)
		return r == 0 ? HTTP_PARSE_MORE : HTTP_PARSE_ERROR;
	if (len == 0) {
		evbuffer_drain(in, used);
		r = p->is_request ? request_framing(p, req) :
		    response_framing(p, req);
		if (r != 0) {
			p->status = r;
			return HTTP_PARSE_ERROR;
		}
		return HTTP_PARSE_HEAD;
	}
	/* Continuation lines count too: they cost a copy of the value. */
	if (++p->nheaders > p->max_headers) {
		p->status = HTTP_HEADERSTOOLARGE;
		return HTTP_PARSE_ERROR;
	}
	if (line[0] == ' ' || line[0] == '\t')
		r = unfold_header_line(p, req->input_headers, line, len);
	else
		r = parse_header_line(req, line, len);
	evbuffer_drain(in, used);
	return r == -1 ? HTTP_PARSE_ERROR : HTTP_PARSE_AGAIN;
}

static enum http_parse_result
state_body_length(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	enum http_parse_result r = take_counted(p, req, in);

	if (r == HTTP_PARSE_AGAIN)
		p->state = HP_DONE;
	return r;
}

static enum http_parse_result
state_body_eof(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	size_t n = in->off;
	int over = p->max_body >= 0 &&
	    (ev_int64_t)n > p->max_body - p->body_read;

	/* Up to the limit, whatever the split of the input, then 413. */
	if (over)
		n = (size_t)(p->max_body - p->body_read);
	if (n > 0 && take_body(p, req, in, n) == -1) {
		p->status = HTTP_SERVUNAVAIL;
		return HTTP_PARSE_ERROR;
	}
	if (over) {
		p->status = HTTP_ENTITYTOOLARGE;
		return HTTP_PARSE_ERROR;
	}
	if (!p->peer_eof)
		return HTTP_PARSE_MORE;
	p->state = HP_DONE;
	return HTTP_PARSE_AGAIN;
}

static enum http_parse_result
state_chunk_size(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	ev_int64_t size;
	char *line;
	size_t len, used;

	if (!take_line(p, in, &line, &len, &used))
		return in->off > CHUNK_LINE_MAX ?
		    HTTP_PARSE_ERROR : HTTP_PARSE_MORE;
	if (used > CHUNK_LINE_MAX || parse_chunk_size(line, len, &size) == -1)
		return HTTP_PARSE_ERROR;
	evbuffer_drain(in, used);
	if (size == 0) {
		p->state = HP_TRAILERS;
		return HTTP_PARSE_AGAIN;
	}
	if (p->max_body >= 0 && size > p->max_body - p->body_read) {
		p->status = HTTP_ENTITYTOOLARGE;
		return HTTP_PARSE_ERROR;
	}
	if (size > INT64_MAX - p->body_read)
		return HTTP_PARSE_ERROR;
	req->ntoread = size;
	p->state = HP_CHUNK_DATA;
	return HTTP_PARSE_AGAIN;
}

static enum http_parse_result
state_chunk_data(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	enum http_parse_result r = take_counted(p, req, in);

	if (r != HTTP_PARSE_AGAIN)
		return r;
	p->state = HP_CHUNK_CRLF;
	return HTTP_PARSE_CHUNK;
}

static enum http_parse_result
state_chunk_crlf(struct http_parser *p, struct evbuffer *in)
{
	if (in->off == 0)
		return HTTP_PARSE_MORE;
	if (in->buffer[0] == '\n') {
		evbuffer_drain(in, 1);
	} else if (in->buffer[0] == '\r') {
		if (in->off < 2)
			return HTTP_PARSE_MORE;
		if (in->buffer[1] != '\n')
			return HTTP_PARSE_ERROR;
		evbuffer_drain(in, 2);
	} else {
		return HTTP_PARSE_ERROR;
	}
	p->state = HP_CHUNK_SIZE;
	return HTTP_PARSE_AGAIN;
}

/* Trailer lines are checked, then discarded. */
static enum http_parse_result
state_trailers(struct http_parser *p, struct evbuffer *in)
{
	const char *value;
	char *line;
	size_t len, used, namelen, vlen;
	int r = take_head_line(p, in, &line, &len, &used);

	if (r <= 0)
		return r == 0 ? HTTP_PARSE_MORE : HTTP_PARSE_ERROR;
	if (len == 0) {
		evbuffer_drain(in, used);
		p->state = HP_DONE;
		return HTTP_PARSE_AGAIN;
	}
	if (++p->nheaders > p->max_headers) {
		p->status = HTTP_HEADERSTOOLARGE;
		return HTTP_PARSE_ERROR;
	}
	r = split_header_line(line, len, &namelen, &value, &vlen) == -1 ||
	    forbidden_trailer(line, namelen);
	evbuffer_drain(in, used);
	return r ? HTTP_PARSE_ERROR : HTTP_PARSE_AGAIN;
}

void
http_parser_reset_(struct http_parser *p)
{
	p->state = HP_FIRSTLINE;
	p->keep_alive = 0;
	p->status = 0;
	p->nheaders = 0;
	p->header_bytes = 0;
	p->body_read = 0;
	p->scanned = 0;
}

/* One state's step; inlined into http_parser_run_()'s loop. */
static enum http_parse_result
parser_step(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	p->status = HTTP_BADREQUEST;	/* unless a state says otherwise */
	switch (p->state) {
	case HP_FIRSTLINE:
		return state_firstline(p, req, in);
	case HP_HEADERS:
		return state_headers(p, req, in);
	case HP_BODY_LENGTH:
		return state_body_length(p, req, in);
	case HP_BODY_EOF:
		return state_body_eof(p, req, in);
	case HP_CHUNK_SIZE:
		return state_chunk_size(p, req, in);
	case HP_CHUNK_DATA:
		return state_chunk_data(p, req, in);
	case HP_CHUNK_CRLF:
		return state_chunk_crlf(p, in);
	case HP_TRAILERS:
		return state_trailers(p, in);
	case HP_DONE:
		return HTTP_PARSE_DONE;
	}
	return HTTP_PARSE_ERROR;
}

enum http_parse_result
http_parser_step_(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	return parser_step(p, req, in);
}

enum http_parse_result
http_parser_run_(struct http_parser *p, struct evhttp_request *req,
    struct evbuffer *in)
{
	enum http_parse_result r;

	do {
		r = parser_step(p, req, in);
	} while (r == HTTP_PARSE_AGAIN);
	return r;
}
