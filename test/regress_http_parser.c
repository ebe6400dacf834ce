/*
 * test/regress_http_parser.c -- the HTTP message parser (http_parser.c)
 * on byte strings, without sockets or an event loop.
 *
 * Every message is parsed whole, one byte at a time, and split in two at
 * every byte boundary: each way must give the same outcome (results,
 * request fields, headers, body, what is left unread), which is then
 * compared with what the case expects.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "http-internal.h"
#include "regress.h"

/* The limits and side of one parse. */
struct pconf {
	int is_request;
	int peer_eof;		/* the peer closes after the last byte */
	enum evhttp_cmd_type type;	/* responses: the method asked */
	ev_int64_t max_head;	/* 0: 64 KiB */
	int max_headers;	/* 0: 128 */
	ev_int64_t max_body;	/* 0: none */
};

/* What a parse found, as comparable values. */
struct outcome {
	enum http_parse_result r;	/* DONE, ERROR, or MORE at the end */
	int status;			/* p.status after an error */
	int heads, chunks;		/* HEAD and CHUNK results seen */
	int keep_alive;
	size_t left;			/* input bytes not consumed */
	char text[4096];		/* fields, headers, body */
};

static void
pconf_parser(const struct pconf *c, struct http_parser *p)
{
	memset(p, 0, sizeof(*p));
	http_parser_reset_(p);
	p->is_request = c->is_request;
	p->max_head = c->max_head != 0 ? c->max_head : 64 * 1024;
	p->max_headers = c->max_headers != 0 ? c->max_headers : 128;
	p->max_body = c->max_body != 0 ? c->max_body : -1;
}

/* Append the printable form of n bytes to the outcome's text. */
static void
text_add(struct outcome *o, const char *s, size_t n)
{
	size_t len = strlen(o->text), i;

	for (i = 0; i < n && len + 5 < sizeof(o->text); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			o->text[len++] = (char)c;
		else
			len += (size_t)snprintf(o->text + len, 5, "\\x%02x", c);
	}
	o->text[len] = '\0';
}

static void
describe(struct outcome *o, struct evhttp_request *req)
{
	struct evkeyval *h;
	char line[512];

	snprintf(line, sizeof(line), "type=%d uri=%s v=%d.%d code=%d "
	    "reason=%s ntoread=%lld chunked=%d proxy=%d |", (int)req->type,
	    req->uri ? req->uri : "-", req->major, req->minor,
	    req->response_code,
	    req->response_code_line ? req->response_code_line : "-",
	    (long long)req->ntoread, req->chunked != 0,
	    (req->flags & EVHTTP_PROXY_REQUEST) != 0);
	o->text[0] = '\0';
	text_add(o, line, strlen(line));
	TAILQ_FOREACH(h, req->input_headers, next) {
		snprintf(line, sizeof(line), " %s: %s |", h->key, h->value);
		text_add(o, line, strlen(line));
	}
	text_add(o, " body=", 6);
	text_add(o, (const char *)req->input_buffer->buffer,
	    req->input_buffer->off);
}

/* Run the parser over what in holds; false once the message ended. */
static int
run(struct http_parser *p, struct evhttp_request *req, struct evbuffer *in,
    struct outcome *o)
{
	for (;;) {
		o->r = http_parser_run_(p, req, in);
		if (o->r == HTTP_PARSE_HEAD) {
			o->heads++;
			o->keep_alive = p->keep_alive;
		} else if (o->r == HTTP_PARSE_CHUNK) {
			o->chunks++;
		} else {
			break;
		}
	}
	if (o->r == HTTP_PARSE_ERROR)
		o->status = p->status;
	return o->r == HTTP_PARSE_MORE;
}

/*
 * Parse msg[0..len) fed in pieces: first the split bytes, then step
 * bytes at a time (0: all the rest at once).
 */
static void
parse_fed(const struct pconf *c, const char *msg, size_t len, size_t split,
    size_t step, struct outcome *o)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *in = evbuffer_new();
	struct http_parser p;
	size_t off = 0;
	int more = 1;

	tt_assert(req != NULL && in != NULL);
	memset(o, 0, sizeof(*o));
	req->type = c->type;
	pconf_parser(c, &p);
	while (more && off < len) {
		size_t n = off == 0 && split > 0 ? split :
		    step == 0 ? len - off : step;

		if (n > len - off)
			n = len - off;
		tt_int_op(evbuffer_add(in, msg + off, n), ==, 0);
		off += n;
		more = run(&p, req, in, o);
	}
	if (more && c->peer_eof) {
		p.peer_eof = 1;
		run(&p, req, in, o);
	}
	o->left = in->off + (len - off);
	describe(o, req);
	evbuffer_free(in);
	evhttp_request_free(req);
}

static void
outcome_same(const struct outcome *a, const struct outcome *b,
    const char *how, size_t at)
{
	if (a->r != b->r || a->status != b->status || a->heads != b->heads ||
	    a->chunks != b->chunks || a->keep_alive != b->keep_alive ||
	    a->left != b->left || strcmp(a->text, b->text) != 0) {
		regress_note("whole: r=%d status=%d heads=%d chunks=%d "
		    "ka=%d left=%zu %s", a->r, a->status, a->heads, a->chunks,
		    a->keep_alive, a->left, a->text);
		regress_note("%s %zu: r=%d status=%d heads=%d chunks=%d "
		    "ka=%d left=%zu %s", how, at, b->r, b->status, b->heads,
		    b->chunks, b->keep_alive, b->left, b->text);
		tt_fail("the outcome depends on how the input is split");
	}
}

/* Parse msg every way; *o is the outcome they all agree on. */
static void
parse_all_ways(const struct pconf *c, const char *msg, size_t len,
    struct outcome *o)
{
	struct outcome other;
	size_t i;

	parse_fed(c, msg, len, 0, 0, o);
	parse_fed(c, msg, len, 0, 1, &other);
	outcome_same(o, &other, "byte by byte", 1);
	for (i = 1; i < len; i++) {
		parse_fed(c, msg, len, i, 0, &other);
		outcome_same(o, &other, "split at", i);
	}
}

static const struct pconf request = { 1, 0, EVHTTP_REQ_GET, 0, 0, 0 };
static const struct pconf response = { 0, 0, EVHTTP_REQ_GET, 0, 0, 0 };

/* Parse a string every way and check the result and the text. */
static void
expect_str(const struct pconf *c, const char *msg, enum http_parse_result r,
    const char *text)
{
	struct outcome o;

	parse_all_ways(c, msg, strlen(msg), &o);
	if (o.r != r || (text != NULL && strcmp(o.text, text) != 0)) {
		regress_note("input: %s", msg);
		regress_note("got r=%d status=%d: %s", o.r, o.status, o.text);
		tt_int_op(o.r, ==, r);
		tt_str_op(o.text, ==, text);
	}
}

/* A message the parser must refuse with this HTTP status. */
static void
expect_error(const struct pconf *c, const char *msg, int status)
{
	struct outcome o;

	parse_all_ways(c, msg, strlen(msg), &o);
	if (o.r != HTTP_PARSE_ERROR || o.status != status) {
		regress_note("input: %s", msg);
		regress_note("got r=%d status=%d, want status %d", o.r,
		    o.status, status);
		tt_fail("a bad message was not refused as expected");
	}
}

static void
test_parser_request(struct regress_env *env)
{
	struct outcome o;
	const char *msg = "POST /a?b=c HTTP/1.1\r\nHost: h\r\n"
	    "X-Pad:  v w \t\r\nContent-Length: 5\r\n\r\nhelloGET";

	(void)env;
	parse_all_ways(&request, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.heads, ==, 1);
	tt_int_op(o.chunks, ==, 0);
	tt_int_op(o.keep_alive, ==, 1);
	tt_int_op(o.left, ==, 3);	/* the next request's bytes */
	tt_str_op(o.text, ==, "type=1 uri=/a?b=c v=1.1 code=0 reason=- "
	    "ntoread=0 chunked=0 proxy=0 | Host: h | X-Pad: v w | "
	    "Content-Length: 5 | body=hello");

	/* No framing: no body.  A bare LF ends lines too. */
	expect_str(&request, "HEAD http://x/ HTTP/1.0\nA:b\n\n",
	    HTTP_PARSE_DONE, "type=2 uri=http://x/ v=1.0 code=0 reason=- "
	    "ntoread=0 chunked=0 proxy=1 | A: b | body=");
	/* Up to one stray CRLF (or two LFs) before a request. */
	expect_str(&request, "\r\nGET / HTTP/1.1\r\n\r\n", HTTP_PARSE_DONE,
	    NULL);
	expect_str(&request, "\n\nGET / HTTP/1.1\r\n\r\n", HTTP_PARSE_DONE,
	    NULL);
	expect_error(&request, "\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	    HTTP_BADREQUEST);
	/* Incomplete heads wait for more. */
	expect_str(&request, "GET / HTTP/1.1\r\nHost: x\r\n",
	    HTTP_PARSE_MORE, NULL);
	expect_str(&request, "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n"
	    "1234", HTTP_PARSE_MORE, NULL);
}

static void
test_parser_chunked(struct regress_env *env)
{
	struct outcome o;
	const char *msg = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhello\r\n6;name=\"v\"\r\n world\r\nA  \r\n0123456789\n"
	    "0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\nNEXT";

	(void)env;
	parse_all_ways(&request, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.heads, ==, 1);
	tt_int_op(o.chunks, ==, 3);
	tt_int_op(o.left, ==, 4);
	/* Trailers are checked and dropped, not added to the headers. */
	tt_str_op(o.text, ==, "type=1 uri=/ v=1.1 code=0 reason=- "
	    "ntoread=0 chunked=1 proxy=0 | Transfer-Encoding: chunked | "
	    "body=hello world0123456789");

	/* Any case of "chunked"; no trailers. */
	expect_str(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked"
	    "\r\n\r\n1\r\nx\r\n0\r\n\r\n", HTTP_PARSE_DONE, NULL);
	/* Waiting in each chunk state. */
	expect_str(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n5\r\nhel", HTTP_PARSE_MORE, NULL);
	expect_str(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n1\r\nx\r", HTTP_PARSE_MORE, NULL);
	expect_str(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n0\r\nX: 1\r\n", HTTP_PARSE_MORE, NULL);
}

static void
test_parser_response(struct regress_env *env)
{
	struct pconf eof = response, head = response;
	struct outcome o;
	const char *msg = "HTTP/1.1 404 Not  Found\r\nContent-Length: 3\r\n"
	    "\r\nabcd";

	(void)env;
	parse_all_ways(&response, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.keep_alive, ==, 1);
	tt_int_op(o.left, ==, 1);
	tt_str_op(o.text, ==, "type=0 uri=- v=1.1 code=404 "
	    "reason=Not  Found ntoread=0 chunked=0 proxy=0 | "
	    "Content-Length: 3 | body=abc");

	/* Without a length the body ends with the connection. */
	eof.peer_eof = 1;
	msg = "HTTP/1.0 200 OK\r\n\r\nall of it";
	parse_all_ways(&eof, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.keep_alive, ==, 0);
	tt_str_op(o.text, ==, "type=0 uri=- v=1.0 code=200 reason=OK "
	    "ntoread=-1 chunked=0 proxy=0 | body=all of it");
	expect_str(&response, msg, HTTP_PARSE_MORE, NULL);
	/* So does a body whose last coding is not chunked. */
	expect_str(&eof, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nz",
	    HTTP_PARSE_DONE, NULL);

	/* 204, 304, 1xx and replies to HEAD have no body. */
	msg = "HTTP/1.1 204 \r\nContent-Length: 5\r\n\r\nHTTP/";
	parse_all_ways(&response, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.left, ==, 5);
	expect_str(&response, "HTTP/1.1 100 Continue\r\n\r\n", HTTP_PARSE_DONE,
	    "type=0 uri=- v=1.1 code=100 reason=Continue ntoread=0 "
	    "chunked=0 proxy=0 | body=");
	head.type = EVHTTP_REQ_HEAD;
	msg = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
	parse_all_ways(&head, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.left, ==, 0);
	/* Chunked responses; a bad chunk is refused. */
	expect_str(&response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n2\r\nok\r\n0\r\n\r\n", HTTP_PARSE_DONE, "type=0 uri=- "
	    "v=1.1 code=200 reason=OK ntoread=0 chunked=1 proxy=0 | "
	    "Transfer-Encoding: chunked | body=ok");
	expect_error(&response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n2\r\nokX", HTTP_BADREQUEST);
}

/* The keep-alive decision for one request or response head. */
static int
keep_alive_of(const struct pconf *c, const char *msg)
{
	struct outcome o;

	parse_all_ways(c, msg, strlen(msg), &o);
	tt_int_op(o.heads, ==, 1);
	return o.keep_alive;
}

static void
test_parser_keep_alive(struct regress_env *env)
{
	(void)env;
	tt_int_op(keep_alive_of(&request, "GET / HTTP/1.1\r\n\r\n"), ==, 1);
	tt_int_op(keep_alive_of(&request,
	    "GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n"), ==, 0);
	tt_int_op(keep_alive_of(&request, "GET / HTTP/1.0\r\n\r\n"), ==, 0);
	tt_int_op(keep_alive_of(&request,
	    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), ==, 1);
	/* A proxy request asks with Proxy-Connection. */
	tt_int_op(keep_alive_of(&request,
	    "GET http://h/ HTTP/1.1\r\nConnection: keep-alive\r\n\r\n"), ==,
	    0);
	tt_int_op(keep_alive_of(&request,
	    "GET http://h/ HTTP/1.1\r\nProxy-Connection: keep-alive\r\n\r\n"),
	    ==, 1);
	tt_int_op(keep_alive_of(&response,
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), ==, 1);
	tt_int_op(keep_alive_of(&response,
	    "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), ==, 0);
	tt_int_op(keep_alive_of(&response,
	    "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n"),
	    ==, 0);
}

/*
 * Every placement of a NUL byte in a message that is fine without it: the
 * message with a NUL instead of its '@' must be refused (400), and so
 * must a NUL put before or after any other byte of its first line.
 */
static void
expect_nul_refused(const struct pconf *c, const char *msg)
{
	char buf[256];
	size_t len = strlen(msg), at = strchr(msg, '@') - msg, i;
	struct outcome o;

	tt_assert(len < sizeof(buf) - 1);
	memcpy(buf, msg, len);
	buf[at] = 'x';
	parse_all_ways(c, buf, len, &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	buf[at] = '\0';
	parse_all_ways(c, buf, len, &o);
	tt_int_op(o.r, ==, HTTP_PARSE_ERROR);
	tt_int_op(o.status, ==, HTTP_BADREQUEST);
	buf[at] = 'x';
	for (i = 0; msg[i] != '\r'; i++) {
		memcpy(buf, msg, i);
		buf[i] = '\0';
		memcpy(buf + i + 1, msg + i, len - i);
		buf[strchr(msg, '@') - msg + (at >= i)] = 'x';
		parse_all_ways(c, buf, len + 1, &o);
		if (o.r != HTTP_PARSE_ERROR)
			regress_note("NUL at %zu of %s", i, msg);
		tt_int_op(o.r, ==, HTTP_PARSE_ERROR);
	}
}

static void
test_parser_bad_requests(struct regress_env *env)
{
	static const char *const bad[] = {
		/* first line */
		"PU\"T / HTTP/1.1\r\n\r\n", " / HTTP/1.1\r\n\r\n",
		"GET  HTTP/1.1\r\n\r\n", "GET /\r\n\r\n",
		"GET / HTTP/1.99999999999\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
		"GET /a b HTTP/1.1\r\n\r\n", "GET /\x7f HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		/* header lines */
		"GET / HTTP/1.1\r\n\tX: a\r\n\r\n",
		"GET / HTTP/1.1\r\n X: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\n: a\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nX\x01Y: a\r\n\r\n",
		"GET / HTTP/1.1\r\nX\rY: a\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		/* framing */
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
		    "\r\nx",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
		"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
		"POST / HTTP/1.1\r\n"
		    "Content-Length: 99999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		NULL
	};
	static const char *const bad_chunks[] = {
		"0x1\r\nx\r\n0\r\n\r\n", "+1\r\nx\r\n0\r\n\r\n",
		"-0\r\n\r\n", " 1\r\nx\r\n0\r\n\r\n", "\r\n",
		"00000000000000001\r\nx\r\n0\r\n\r\n",
		"8000000000000000\r\n", "1 x\r\nx\r\n0\r\n\r\n",
		"1;a\x01\r\nx\r\n0\r\n\r\n", "1\r\nxy\r\n0\r\n\r\n",
		"1\r\nx\rz0\r\n\r\n",
		"0\r\nContent-Length: 5\r\n\r\n", "0\r\nhost: x\r\n\r\n",
		"0\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\nbad\r\n\r\n",
		NULL
	};
	char msg[256];
	int i;

	(void)env;
	for (i = 0; bad[i] != NULL; i++)
		expect_error(&request, bad[i], HTTP_BADREQUEST);
	/* A token that names no method (methods are case-sensitive). */
	expect_error(&request, "get / HTTP/1.1\r\n\r\n", 501);
	for (i = 0; bad_chunks[i] != NULL; i++) {
		snprintf(msg, sizeof(msg), "POST / HTTP/1.1\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", bad_chunks[i]);
		expect_error(&request, msg, HTTP_BADREQUEST);
	}
	expect_nul_refused(&request, "GET /a@b HTTP/1.1\r\nA: b\r\n\r\n");
	expect_nul_refused(&request, "GET / HTTP/1.1\r\nA@: b\r\n\r\n");
	expect_nul_refused(&request, "GET / HTTP/1.1\r\nA: b@\r\n\r\n");
	expect_nul_refused(&request, "POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1;@\r\nx\r\n0\r\n\r\n");
	expect_nul_refused(&request, "POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\nT: @\r\n\r\n");
}

static void
test_parser_bad_responses(struct regress_env *env)
{
	static const char *const bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 099 Odd\r\n\r\n",
		"ICY 200 OK\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n"
		    "\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n",
		/* 1.4: no length on a connection said to stay open */
		"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
		NULL
	};
	int i;

	(void)env;
	for (i = 0; bad[i] != NULL; i++)
		expect_error(&response, bad[i], HTTP_BADREQUEST);
	expect_nul_refused(&response, "HTTP/1.1 200 O@K\r\n"
	    "Content-Length: 0\r\n\r\n");
}

/*
 * obs-fold: each continuation line joins the value before it with one SP
 * (RFC 9112 5.2), except where a fold could hide or change framing.
 */
static void
test_parser_folding(struct regress_env *env)
{
	static const char *const bad_requests[] = {
		/* before the first header */
		"GET / HTTP/1.1\r\n folded\r\nX: a\r\n\r\n",
		"GET / HTTP/1.1\r\n\tX: a\r\n\r\n",
		/* continuing a framing header */
		"POST / HTTP/1.1\r\nContent-Length:\r\n 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\ncontent-length: 1\r\n\t\r\n\r\nx",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n ,x\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
		    "0\r\n\r\n",
		/* control bytes in the continuation */
		"GET / HTTP/1.1\r\nX: a\r\n b\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n b\rc\r\n\r\n",
		/* in a trailer */
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "0\r\nX: a\r\n b\r\n\r\n",
		NULL
	};
	static const char *const bad_responses[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 0\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n close\r\n\r\n",
		"HTTP/1.1 200 OK\r\n X: a\r\nContent-Length: 0\r\n\r\n",
		NULL
	};
	struct pconf few = request;
	int i;

	(void)env;
	expect_str(&request, "GET / HTTP/1.1\r\nX: a  \r\n  b\r\n\tc\t\r\n"
	    "Y: d\r\n\r\n", HTTP_PARSE_DONE, "type=0 uri=/ v=1.1 code=0 "
	    "reason=- ntoread=0 chunked=0 proxy=0 | X: a b c | Y: d | body=");
	/* Empty pieces add nothing; bare LF line ends fold too. */
	expect_str(&request, "GET / HTTP/1.1\nX:\n b\n \nY: e\n\t f g \n\n",
	    HTTP_PARSE_DONE, "type=0 uri=/ v=1.1 code=0 reason=- ntoread=0 "
	    "chunked=0 proxy=0 | X: b | Y: e f g | body=");
	/* A folded "Content-Length" is text of the header before it: the
	 * request has no body and "hello" is the next request. */
	expect_str(&request, "POST / HTTP/1.1\r\nX: a\r\n Content-Length: 5"
	    "\r\n\r\nhello", HTTP_PARSE_DONE, "type=1 uri=/ v=1.1 code=0 "
	    "reason=- ntoread=0 chunked=0 proxy=0 | X: a Content-Length: 5 | "
	    "body=");
	for (i = 0; bad_requests[i] != NULL; i++)
		expect_error(&request, bad_requests[i], HTTP_BADREQUEST);
	for (i = 0; bad_responses[i] != NULL; i++)
		expect_error(&response, bad_responses[i], HTTP_BADREQUEST);
	/* Responses unfold the other headers. */
	expect_str(&response, "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n"
	    "Content-Length: 0\r\n\r\n", HTTP_PARSE_DONE, "type=0 uri=- "
	    "v=1.1 code=200 reason=OK ntoread=0 chunked=0 proxy=0 | "
	    "X: a folded | Content-Length: 0 | body=");
	/* Each continuation line counts against the header lines. */
	few.max_headers = 3;
	expect_str(&few, "GET / HTTP/1.1\r\nX: a\r\n b\r\n c\r\n\r\n",
	    HTTP_PARSE_DONE, NULL);
	expect_error(&few, "GET / HTTP/1.1\r\nX: a\r\n b\r\n c\r\n d\r\n\r\n",
	    HTTP_HEADERSTOOLARGE);
}

/*
 * Every byte value at every place of header values of 3, 8, 13 and 20
 * bytes (the check looks at eight bytes at a time, a tail as the last
 * eight): HTAB, SP to '~' and obs-text pass, other control bytes and DEL
 * are refused, wherever they are.
 */
static void
test_parser_value_bytes(struct regress_env *env)
{
	static const char head[] = "GET / HTTP/1.1\r\nX: ";
	static const size_t lens[] = { 3, 8, 13, 20 };
	char msg[64];
	size_t hl = sizeof(head) - 1, at, n, k;
	struct outcome o;
	int b, ok;

	(void)env;
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		n = lens[k];
		for (b = 0; b < 256; b++) {
			if (b == '\n')
				continue;	/* it ends the line instead */
			ok = b == '\t' || (b >= 0x20 && b != 0x7f);
			for (at = 0; at < n; at++) {
				memcpy(msg, head, hl);
				memset(msg + hl, 'v', n);
				msg[hl + at] = (char)b;
				memcpy(msg + hl + n, "\r\n\r\n", 4);
				parse_all_ways(&request, msg, hl + n + 4, &o);
				if ((o.r == HTTP_PARSE_DONE) == ok &&
				    (ok || o.status == HTTP_BADREQUEST))
					continue;
				regress_note("byte 0x%02x at %zu of %zu: r=%d",
				    b, at, n, o.r);
				tt_fail("a value byte was judged wrongly");
			}
		}
	}
}

/*
 * Without a head limit the head still ends at HTTP_HEAD_HARD_MAX (431),
 * and a line arriving in many small reads is not searched from its start
 * again on each (p.scanned says how far the search got).
 */
static void
test_parser_unlimited_head(struct regress_env *env)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *in = evbuffer_new();
	static char piece[4096];
	struct http_parser p;
	enum http_parse_result r = HTTP_PARSE_MORE;
	size_t total;
	double t0;

	(void)env;
	tt_assert(req != NULL && in != NULL);
	memset(piece, 'v', sizeof(piece));
	pconf_parser(&request, &p);
	p.max_head = -1;
	evbuffer_add(in, "GET / HTTP/1.1\r\nX: ", 19);
	t0 = regress_now();
	for (total = 19; total <= (size_t)HTTP_HEAD_HARD_MAX; total +=
	    sizeof(piece)) {
		tt_int_op(evbuffer_add(in, piece, sizeof(piece)), ==, 0);
		r = http_parser_run_(&p, req, in);
		if (r != HTTP_PARSE_MORE)
			break;
		tt_uint_op(p.scanned, ==, in->off);
	}
	regress_note("%zu bytes in %.2f s", total, regress_now() - t0);
	tt_int_op(r, ==, HTTP_PARSE_ERROR);
	tt_int_op(p.status, ==, HTTP_HEADERSTOOLARGE);
	tt_uint_op(total, >, (size_t)HTTP_HEAD_HARD_MAX - sizeof(piece));
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	/* Just under the bound it is a header like any other. */
	evhttp_request_free(req);
	req = evhttp_request_new(NULL, NULL);
	tt_assert(req != NULL);
	pconf_parser(&request, &p);
	p.max_head = -1;
	evbuffer_drain(in, in->off);
	evbuffer_add(in, "GET / HTTP/1.1\r\nX: ", 19);
	while (in->off + sizeof(piece) < (size_t)HTTP_HEAD_HARD_MAX - 4)
		evbuffer_add(in, piece, sizeof(piece));
	evbuffer_add(in, "\r\n\r\n", 4);
	tt_int_op(http_parser_run_(&p, req, in), ==, HTTP_PARSE_HEAD);
	tt_uint_op(strlen(evhttp_find_header(req->input_headers, "X")), >,
	    (size_t)HTTP_HEAD_HARD_MAX - 2 * sizeof(piece));
	evbuffer_free(in);
	evhttp_request_free(req);
}

/* A response body that ends with the connection has the limit too. */
static void
test_parser_body_eof_limit(struct regress_env *env)
{
	struct pconf small = response;

	(void)env;
	small.peer_eof = 1;
	small.max_body = 10;
	expect_str(&small, "HTTP/1.0 200 OK\r\n\r\n0123456789",
	    HTTP_PARSE_DONE, NULL);
	expect_error(&small, "HTTP/1.0 200 OK\r\n\r\n0123456789a",
	    HTTP_ENTITYTOOLARGE);
}

/* A string of n bytes: prefix, then fill, then suffix. */
static char *
make_msg(const char *prefix, char fill, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(n + 1);

	tt_assert(s != NULL && pl + sl <= n);
	memcpy(s, prefix, pl);
	memset(s + pl, fill, n - pl - sl);
	memcpy(s + n - sl, suffix, sl);
	s[n] = '\0';
	return s;
}

static void
test_parser_limits(struct regress_env *env)
{
	struct pconf small = request;
	char *msg;

	(void)env;
	small.max_head = 100;
	small.max_headers = 3;
	small.max_body = 10;
	/* The head may be exactly max_head bytes, not one more; a first
	 * line past it is 414, headers past it are 431. */
	msg = make_msg("GET /", 'a', 100, " HTTP/1.1\r\n\r\n");
	expect_str(&small, msg, HTTP_PARSE_DONE, NULL);
	free(msg);
	msg = make_msg("GET /", 'a', 101, " HTTP/1.1\r\n\r\n");
	expect_error(&small, msg, HTTP_HEADERSTOOLARGE);
	free(msg);
	msg = make_msg("GET /", 'a', 101, " HTTP/1.1\r\n");
	expect_error(&small, msg, HTTP_URITOOLONG);
	free(msg);
	msg = make_msg("GET /", 'a', 101, "");
	expect_error(&small, msg, HTTP_URITOOLONG);
	free(msg);
	msg = make_msg("GET / HTTP/1.1\r\nX: ", 'v', 101, "\r\n\r\n");
	expect_error(&small, msg, HTTP_HEADERSTOOLARGE);
	free(msg);
	/* At most max_headers lines, trailers included. */
	expect_str(&small, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
	    HTTP_PARSE_DONE, NULL);
	expect_error(&small, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
	    "D: 4\r\n\r\n", HTTP_HEADERSTOOLARGE);
	expect_str(&small, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", HTTP_PARSE_DONE, NULL);
	expect_error(&small, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", HTTP_HEADERSTOOLARGE);
	/* The body limit, by length or by chunks. */
	expect_str(&small, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n"
	    "0123456789", HTTP_PARSE_DONE, NULL);
	expect_error(&small, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n",
	    HTTP_ENTITYTOOLARGE);
	expect_error(&small, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n6\r\n012345\r\n5\r\n", HTTP_ENTITYTOOLARGE);
	/* A chunk that would overflow the 64-bit body count. */
	expect_str(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n7fffffffffffffff\r\n", HTTP_PARSE_MORE, NULL);
	expect_error(&request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n1\r\nx\r\n7fffffffffffffff\r\n", HTTP_BADREQUEST);
	/* A chunk-size line (with extensions) has at most 4 KiB. */
	msg = make_msg("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1;x=", 'e', 4200, "\r\nx\r\n0\r\n\r\n");
	expect_error(&request, msg, HTTP_BADREQUEST);
	free(msg);
	/* Without limits a large head is fine. */
	small.max_head = -1;
	small.max_headers = 1000;
	msg = make_msg("GET / HTTP/1.1\r\nX: ", 'v', 300, "\r\n\r\n");
	expect_str(&small, msg, HTTP_PARSE_DONE, NULL);
	free(msg);
}

/*
 * Lines in and out of the usual shape that the one-pass shortcuts take
 * (a whole message) and the line by line path (every split) must judge
 * alike: methods, targets, versions, line ends, value white space and
 * bytes.
 */
static void
test_parser_quick_lines(struct regress_env *env)
{
	static const char *const bad[] = {
		"GET  / HTTP/1.1\r\n\r\n", "GET\t/ HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\rX\r\n\r\n", "GET / HTTP/1.1\r\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n", "GET / HTTP/1.10\r\n\r\n",
		"GET / http/1.1\r\n\r\n", "GET / HTTP/1.2\r\n\r\n",
		"GET / HTTP/1.1\n\rX: a\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nX\r\n\r\n", "GET / HTTP/1.1\r\nX :v\r\n\r\n",
		"GET / HTTP/1.1\r\nX: abcdefgh\x7fijklmnop\r\n\r\n",
		"GET / HTTP/1.1\r\nX: abcdefgh\tijklm\x01op\r\n\r\n",
		"GET / HTTP/1.1\r\nX\x80Y: a\r\n\r\n",
		NULL
	};
	int i;

	(void)env;
	/* Every method we know takes the shortcut; the type is the same. */
	expect_str(&request, "PUT /p HTTP/1.1\r\n\r\n", HTTP_PARSE_DONE,
	    "type=8 uri=/p v=1.1 code=0 reason=- ntoread=0 chunked=0 "
	    "proxy=0 | body=");
	expect_str(&request, "OPTIONS * HTTP/1.0\r\n\r\n", HTTP_PARSE_DONE,
	    "type=32 uri=* v=1.0 code=0 reason=- ntoread=0 chunked=0 "
	    "proxy=1 | body=");
	expect_str(&request, "CONNECT h:443 HTTP/1.1\n\n", HTTP_PARSE_DONE,
	    "type=128 uri=h:443 v=1.1 code=0 reason=- ntoread=0 chunked=0 "
	    "proxy=1 | body=");
	expect_error(&request, "PATCHY / HTTP/1.1\r\n\r\n", 501);
	/* obs-text in a target and in values passes, as before. */
	expect_str(&request, "GET /\xc3\xa9 HTTP/1.1\r\nX: \xff\xfe\r\n\r\n",
	    HTTP_PARSE_DONE, "type=0 uri=/\\xc3\\xa9 v=1.1 code=0 reason=- "
	    "ntoread=0 chunked=0 proxy=0 | X: \\xff\\xfe | body=");
	/* White space around values, empty values, HTAB inside, every
	 * tchar in a name, bare LF ends. */
	expect_str(&request, "GET / HTTP/1.1\r\nA:\r\nB: \t \r\nC:\tv\t\r\n"
	    "D:  a\tb  c \r\n!#$%&'*+-.^_`|~09azAZ:x\nE: 0123456789\t"
	    "abcdefghijklmnopqrstuvwxyz\t\r\n\r\n", HTTP_PARSE_DONE,
	    "type=0 uri=/ v=1.1 code=0 reason=- ntoread=0 chunked=0 proxy=0 "
	    "| A:  | B:  | C: v | D: a\\x09b  c | !#$%&'*+-.^_`|~09azAZ: x | "
	    "E: 0123456789\\x09abcdefghijklmnopqrstuvwxyz | body=");
	for (i = 0; bad[i] != NULL; i++)
		expect_error(&request, bad[i], HTTP_BADREQUEST);
	/* A request that ends with the head leaves the next one alone. */
	expect_str(&request, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1"
	    "\r\n\r\n", HTTP_PARSE_DONE, "type=0 uri=/a v=1.1 code=0 "
	    "reason=- ntoread=0 chunked=0 proxy=0 | Host: h | body=");
}

/*
 * The framing headers are known by name in any case while the lines are
 * taken; a name of the same length that differs in one byte ('_' for
 * '-', for one) frames nothing, which is what request smuggling tries.
 */
static void
test_parser_framing_names(struct regress_env *env)
{
	struct outcome o;
	const char *msg;

	(void)env;
	expect_error(&request, "GET / HTTP/1.1\r\nHOST: a\r\nhost: b\r\n\r\n",
	    HTTP_BADREQUEST);
	expect_str(&request, "GET / HTTP/1.1\r\nHast: a\r\nHost: b\r\n"
	    "Hosts: c\r\n\r\n", HTTP_PARSE_DONE, NULL);
	expect_str(&request, "POST / HTTP/1.1\r\ncontent-LENGTH: 3\r\n\r\nabc",
	    HTTP_PARSE_DONE, "type=1 uri=/ v=1.1 code=0 reason=- ntoread=0 "
	    "chunked=0 proxy=0 | content-LENGTH: 3 | body=abc");
	expect_str(&request, "POST / HTTP/1.1\r\nTRANSFER-encoding: chunked\r\n"
	    "\r\n1\r\nx\r\n0\r\n\r\n", HTTP_PARSE_DONE, NULL);
	expect_error(&request, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "CONTENT-LENGTH: 1\r\n\r\nx", HTTP_BADREQUEST);
	expect_error(&request, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "transfer-ENCODING: chunked\r\n\r\n", HTTP_BADREQUEST);
	/* Near misses frame nothing: no body, the bytes are the next
	 * request's. */
	msg = "POST / HTTP/1.1\r\nContent_Length: 5\r\nContent-Lengtj: 5\r\n"
	    "Transfer_Encoding: chunked\r\n\r\nhello";
	parse_all_ways(&request, msg, strlen(msg), &o);
	tt_int_op(o.r, ==, HTTP_PARSE_DONE);
	tt_int_op(o.left, ==, 5);
	tt_int_op(keep_alive_of(&request,
	    "GET / HTTP/1.1\r\nCONNECTION: Close\r\n\r\n"), ==, 0);
	tt_int_op(keep_alive_of(&request,
	    "GET / HTTP/1.1\r\nConnectiom: close\r\n\r\n"), ==, 1);
	tt_int_op(keep_alive_of(&request, "GET http://h/ HTTP/1.1\r\n"
	    "proxy-CONNECTION: keep-alive\r\n\r\n"), ==, 1);
	tt_int_op(keep_alive_of(&request, "GET http://h/ HTTP/1.1\r\n"
	    "Proxy_Connection: keep-alive\r\n\r\n"), ==, 0);
	/* The first Connection counts, folded or not. */
	tt_int_op(keep_alive_of(&request, "GET / HTTP/1.0\r\n"
	    "Connection: x,\r\n keep-alive\r\nConnection: close\r\n\r\n"),
	    ==, 1);
	tt_int_op(keep_alive_of(&response, "HTTP/1.1 200 OK\r\n"
	    "connection: CLOSE\r\ncontent-length: 0\r\n\r\n"), ==, 0);
}

/*
 * Headers already in the list when the parser starts (a program's, or an
 * earlier evhttp_parse_headers() call's) count for the framing too.
 */
static void
test_parser_framing_preset(struct regress_env *env)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *in = evbuffer_new();
	struct http_parser p;
	const char *msg = "POST / HTTP/1.1\r\n\r\nabc";

	(void)env;
	tt_assert(req != NULL && in != NULL);
	/* A length the program put in before the head. */
	tt_int_op(evhttp_add_header(req->input_headers, "Content-Length", "2"),
	    ==, 0);
	pconf_parser(&request, &p);
	tt_int_op(evbuffer_add(in, msg, strlen(msg)), ==, 0);
	tt_int_op(http_parser_run_(&p, req, in), ==, HTTP_PARSE_HEAD);
	tt_int_op(req->ntoread, ==, 2);
	tt_int_op(http_parser_run_(&p, req, in), ==, HTTP_PARSE_DONE);
	tt_int_op(req->input_buffer->off, ==, 2);
	tt_int_op(in->off, ==, 1);

	/* Headers in two calls: the second sees the first's. */
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(in, in->off);
	req->kind = EVHTTP_REQUEST;
	tt_int_op(evbuffer_add_printf(in, "Host: a\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, MORE_DATA_EXPECTED);
	tt_int_op(evbuffer_add_printf(in, "Host: b\r\n\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, DATA_CORRUPTED);
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(in, in->off);
	tt_int_op(evbuffer_add_printf(in, "Content-Length: 1\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, MORE_DATA_EXPECTED);
	tt_int_op(evbuffer_add_printf(in, "X: 1\r\n\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, ALL_DATA_READ);
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(in, in->off);
	tt_int_op(evbuffer_add_printf(in, "Content-Length: 1\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, MORE_DATA_EXPECTED);
	tt_int_op(evbuffer_add_printf(in, "content-length: 1\r\n\r\n"), >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, DATA_CORRUPTED);

	/* A request line parsed twice into one request keeps the last. */
	evbuffer_drain(in, in->off);
	tt_int_op(evbuffer_add_printf(in, "GET /one HTTP/1.1\r\n"
	    "POST /two HTTP/1.0\r\n"), >, 0);
	tt_int_op(evhttp_parse_firstline(req, in), ==, ALL_DATA_READ);
	tt_str_op(req->uri, ==, "/one");
	tt_int_op(evhttp_parse_firstline(req, in), ==, ALL_DATA_READ);
	tt_str_op(req->uri, ==, "/two");
	tt_int_op(req->type, ==, EVHTTP_REQ_POST);
	tt_int_op(req->minor, ==, 0);
	evbuffer_free(in);
	evhttp_request_free(req);
}

/* A small deterministic generator (xorshift32) for the case below. */
static uint32_t
next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Append one of the n strings of list to buf at *len, chosen by x: seven
 * times in eight one of the first good ones (the valid pieces).
 */
static void
add_piece(char *buf, size_t size, size_t *len, const char *const *list,
    size_t n, size_t good, uint32_t *x)
{
	const char *p;
	size_t l;

	p = list[next_random(x) % (next_random(x) % 8 != 0 ? good : n)];
	l = strlen(p);
	if (*len + l < size) {
		memcpy(buf + *len, p, l);
		*len += l;
	}
}

#define PIECE(list, good)	add_piece(buf, size, &len, list, \
	sizeof(list) / sizeof(list[0]), good, x)

/*
 * A head made of pieces that sit on the grammar's edges (good and bad
 * methods, targets, versions, line ends, names, separators, values), a
 * little body; now and then one byte made any value, or the message cut
 * short.
 */
static size_t
random_message(uint32_t *x, int is_request, char *buf, size_t size)
{
	static const char *const first[] = { "GET ", "POST ", "PUT ",
	    "HEAD ", "get ", "GET  ", "G\"T ", " ", "" };
	static const char *const target[] = { "/", "/a?b=c", "*",
	    "http://h/", "/\xc3\xa9", "", "/\x7f", "/a b" };
	static const char *const version[] = { " HTTP/1.1", " HTTP/1.0",
	    " HTTP/1.2", " HTTP/1.1 ", " HTTP/1.", "" };
	static const char *const status[] = { "HTTP/1.1 200 OK",
	    "HTTP/1.0 204 ", "HTTP/1.1 100 Continue", "HTTP/1.1 20 X",
	    "HTTP/1.1 304" };
	static const char *const eol[] = { "\r\n", "\n", "\r", "\r\r\n",
	    "" };
	static const char *const name[] = { "Host", "HOST", "Content-Length",
	    "content-length", "Content_Length", "Transfer-Encoding",
	    "transfer-encoding", "Connection", "Proxy-Connection", "X",
	    "Hosts", " ", "\t", "", "A B" };
	static const char *const sep[] = { ": ", ":", ":\t ", " :", "" };
	static const char *const value[] = { "v", "5", "0", "chunked",
	    "gzip, chunked", "close", "keep-alive", "127.0.0.1:23999",
	    "a\tb", "\xff\xfe", "  padded  ", "0123456789abcdefghij\t", "",
	    "abcdefgh\x7fijk", "-1" };
	size_t len = 0, i, n = next_random(x) % 6;

	if (is_request) {
		PIECE(first, 4);
		PIECE(target, 5);
		PIECE(version, 2);
	} else {
		PIECE(status, 3);
	}
	PIECE(eol, 2);
	for (i = 0; i < n; i++) {
		PIECE(name, 13);	/* (the good ones fold a line, too) */
		PIECE(sep, 3);
		PIECE(value, 13);
		PIECE(eol, 2);
	}
	PIECE(eol, 2);
	if (len + 8 < size) {
		memcpy(buf + len, "hello\r\n", 7);
		len += 7;
	}
	if (len > 0 && next_random(x) % 8 == 0)
		buf[next_random(x) % len] = (char)(next_random(x) & 0xff);
	if (len > 0 && next_random(x) % 4 == 0)
		len = next_random(x) % len;
	return len;
}

/*
 * Random heads on the edges of the grammar: each parsed whole (the
 * shortcuts), byte by byte (the line by line path) and split at two
 * random places must come out the same, limits included.
 */
static void
test_parser_random_splits(struct regress_env *env)
{
	struct pconf c = request;
	struct outcome whole, other;
	char msg[512];
	uint32_t x = 0x2545f491;
	size_t len, k;
	int i, seen[3] = { 0, 0, 0 };

	(void)env;
	for (i = 0; i < 3000; i++) {
		c = i % 3 == 2 ? response : request;
		c.max_head = i % 5 == 4 ? 40 : 0;
		c.max_headers = i % 7 == 6 ? 2 : 0;
		c.peer_eof = i % 2;
		len = random_message(&x, c.is_request, msg, sizeof(msg));
		parse_fed(&c, msg, len, 0, 0, &whole);
		parse_fed(&c, msg, len, 0, 1, &other);
		outcome_same(&whole, &other, "byte by byte, message",
		    (size_t)i);
		for (k = 0; k < 2 && len > 1; k++) {
			size_t at = 1 + next_random(&x) % (len - 1);

			parse_fed(&c, msg, len, at, 0, &other);
			outcome_same(&whole, &other, "split at", at);
		}
		seen[whole.r == HTTP_PARSE_DONE ? 0 :
		    whole.r == HTTP_PARSE_ERROR ? 1 : 2]++;
	}
	/* The mix reaches every outcome, often. */
	regress_note("done %d, refused %d, waiting %d", seen[0], seen[1],
	    seen[2]);
	tt_int_op(seen[0], >, 300);
	tt_int_op(seen[1], >, 300);
	tt_int_op(seen[2], >, 100);
}

/* The state after each step of the parser, and what each step reports. */
static void
test_parser_states(struct regress_env *env)
{
	static const struct {
		enum http_parse_result r;
		enum http_parse_state state;
	} want[] = {
		{ HTTP_PARSE_AGAIN, HP_HEADERS },	/* request line */
		{ HTTP_PARSE_AGAIN, HP_HEADERS },	/* a header */
		{ HTTP_PARSE_HEAD, HP_CHUNK_SIZE },	/* empty line */
		{ HTTP_PARSE_AGAIN, HP_CHUNK_DATA },	/* "3" */
		{ HTTP_PARSE_CHUNK, HP_CHUNK_CRLF },	/* "abc" */
		{ HTTP_PARSE_AGAIN, HP_CHUNK_SIZE },	/* CRLF */
		{ HTTP_PARSE_AGAIN, HP_TRAILERS },	/* "0" */
		{ HTTP_PARSE_AGAIN, HP_TRAILERS },	/* a trailer */
		{ HTTP_PARSE_AGAIN, HP_DONE },		/* empty line */
		{ HTTP_PARSE_DONE, HP_DONE },
		{ HTTP_PARSE_DONE, HP_DONE },		/* and it stays */
	};
	const char *msg = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n";
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *in = evbuffer_new();
	struct http_parser p;
	size_t i;

	(void)env;
	tt_assert(req != NULL && in != NULL);
	pconf_parser(&request, &p);
	tt_int_op(p.state, ==, HP_FIRSTLINE);
	tt_int_op(evbuffer_add(in, msg, strlen(msg)), ==, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum http_parse_result r = http_parser_step_(&p, req, in);

		if (r != want[i].r || p.state != want[i].state)
			regress_note("step %zu", i);
		tt_int_op(r, ==, want[i].r);
		tt_int_op(p.state, ==, want[i].state);
	}
	tt_int_op(in->off, ==, 0);

	/* A body of known length, then a reset for the next message. */
	evhttp_request_free(req);
	req = evhttp_request_new(NULL, NULL);
	tt_assert(req != NULL);
	http_parser_reset_(&p);
	tt_int_op(p.state, ==, HP_FIRSTLINE);
	tt_int_op(p.header_bytes, ==, 0);
	tt_int_op(p.nheaders, ==, 0);
	tt_int_op(p.body_read, ==, 0);
	msg = "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok";
	tt_int_op(evbuffer_add(in, msg, strlen(msg)), ==, 0);
	tt_int_op(http_parser_step_(&p, req, in), ==, HTTP_PARSE_AGAIN);
	tt_int_op(http_parser_step_(&p, req, in), ==, HTTP_PARSE_AGAIN);
	tt_int_op(http_parser_step_(&p, req, in), ==, HTTP_PARSE_HEAD);
	tt_int_op(p.state, ==, HP_BODY_LENGTH);
	tt_int_op(req->ntoread, ==, 2);
	tt_int_op(http_parser_step_(&p, req, in), ==, HTTP_PARSE_AGAIN);
	tt_int_op(p.state, ==, HP_DONE);
	tt_int_op(p.body_read, ==, 2);
	tt_int_op(http_parser_run_(&p, req, in), ==, HTTP_PARSE_DONE);
	evbuffer_free(in);
	evhttp_request_free(req);
}

/*
 * The 1.4 entries evhttp_parse_firstline/_headers run the same states on
 * a standalone buffer, and leave the framing fields of the request alone.
 */
static void
test_parser_standalone(struct regress_env *env)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\n";
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *in = evbuffer_new();

	(void)env;
	tt_assert(req != NULL && in != NULL);
	req->kind = EVHTTP_RESPONSE;
	tt_int_op(evbuffer_add(in, head, sizeof(head) - 1), ==, 0);
	tt_int_op(evhttp_parse_firstline(req, in), ==, ALL_DATA_READ);
	tt_int_op(req->response_code, ==, 200);
	tt_int_op(evhttp_parse_headers(req, in), ==, ALL_DATA_READ);
	tt_int_op(req->ntoread, ==, -1);
	tt_int_op(req->chunked, ==, 0);
	tt_int_op(in->off, ==, 3);	/* the chunk stays */
	tt_str_op(evhttp_find_header(req->input_headers, "transfer-encoding"),
	    ==, "chunked");

	/* As the client: no length on a kept-alive connection is refused. */
	evhttp_clear_headers(req->input_headers);
	evbuffer_drain(in, in->off);
	tt_int_op(evbuffer_add_printf(in, "Connection: keep-alive\r\n\r\n"),
	    >, 0);
	tt_int_op(evhttp_parse_headers(req, in), ==, DATA_CORRUPTED);
	evbuffer_free(in);
	evhttp_request_free(req);
}

struct regress_case regress_http_parser_cases[] = {
	{ "http/parser_request", test_parser_request, RT_ONCE, NULL },
	{ "http/parser_chunked", test_parser_chunked, RT_ONCE, NULL },
	{ "http/parser_response", test_parser_response, RT_ONCE, NULL },
	{ "http/parser_keep_alive", test_parser_keep_alive, RT_ONCE, NULL },
	{ "http/parser_bad_requests", test_parser_bad_requests, RT_ONCE,
	    NULL },
	{ "http/parser_bad_responses", test_parser_bad_responses, RT_ONCE,
	    NULL },
	{ "http/parser_limits", test_parser_limits, RT_ONCE, NULL },
	{ "http/parser_folding", test_parser_folding, RT_ONCE, NULL },
	{ "http/parser_value_bytes", test_parser_value_bytes, RT_ONCE,
	    NULL },
	{ "http/parser_unlimited_head", test_parser_unlimited_head, RT_ONCE,
	  NULL },
	{ "http/parser_body_eof_limit", test_parser_body_eof_limit, RT_ONCE,
	  NULL },
	{ "http/parser_quick_lines", test_parser_quick_lines, RT_ONCE, NULL },
	{ "http/parser_framing_names", test_parser_framing_names, RT_ONCE,
	  NULL },
	{ "http/parser_framing_preset", test_parser_framing_preset, RT_ONCE,
	  NULL },
	{ "http/parser_random_splits", test_parser_random_splits, RT_ONCE,
	  NULL },
	{ "http/parser_states", test_parser_states, RT_ONCE, NULL },
	{ "http/parser_standalone", test_parser_standalone, RT_ONCE, NULL },
	RT_END
};
