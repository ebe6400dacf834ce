/*
 * regress_http_util.c -- the HTTP helpers that need no socket: the 1.4
 * struct layout and constants, header lists, URI encoding and decoding,
 * query strings, HTML escaping, and the 1.4 exported internals
 * (http-internal.h): first lines and headers parsed from buffers,
 * evhttp_hostportfile, evhttp_response_code, _event_strlcpy and the
 * names the libraries must export.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* dladdr */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-internal.h"	/* the 1.4 exported-but-undeclared names */
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* Backend-independent: layout, headers, URI helpers                   */

static void
test_struct_layout(struct regress_env *env)
{
	(void)env;
	/* The 1.4 x86_64 layout programs compiled against 1.4 rely on. */
	if (sizeof(void *) != 8)
		tt_skip("layout figures are for LP64");
	tt_int_op(offsetof(struct evhttp_request, evcon), ==, 16);
	tt_int_op(offsetof(struct evhttp_request, flags), ==, 24);
	tt_int_op(offsetof(struct evhttp_request, input_headers), ==, 32);
	tt_int_op(offsetof(struct evhttp_request, output_headers), ==, 40);
	tt_int_op(offsetof(struct evhttp_request, remote_host), ==, 48);
	tt_int_op(offsetof(struct evhttp_request, remote_port), ==, 56);
	tt_int_op(offsetof(struct evhttp_request, kind), ==, 60);
	tt_int_op(offsetof(struct evhttp_request, type), ==, 64);
	tt_int_op(offsetof(struct evhttp_request, uri), ==, 72);
	tt_int_op(offsetof(struct evhttp_request, major), ==, 80);
	tt_int_op(offsetof(struct evhttp_request, minor), ==, 81);
	tt_int_op(offsetof(struct evhttp_request, response_code), ==, 84);
	tt_int_op(offsetof(struct evhttp_request, response_code_line), ==, 88);
	tt_int_op(offsetof(struct evhttp_request, input_buffer), ==, 96);
	tt_int_op(offsetof(struct evhttp_request, ntoread), ==, 104);
	tt_int_op(offsetof(struct evhttp_request, output_buffer), ==, 120);
	tt_int_op(offsetof(struct evhttp_request, cb), ==, 128);
	tt_int_op(offsetof(struct evhttp_request, cb_arg), ==, 136);
	tt_int_op(offsetof(struct evhttp_request, chunk_cb), ==, 144);
	tt_int_op(sizeof(struct evhttp_request), ==, 152);
	tt_int_op(HTTP_OK, ==, 200);
	tt_int_op(HTTP_NOCONTENT, ==, 204);
	tt_int_op(HTTP_MOVEPERM, ==, 301);
	tt_int_op(HTTP_MOVETEMP, ==, 302);
	tt_int_op(HTTP_NOTMODIFIED, ==, 304);
	tt_int_op(HTTP_BADREQUEST, ==, 400);
	tt_int_op(HTTP_NOTFOUND, ==, 404);
	tt_int_op(HTTP_SERVUNAVAIL, ==, 503);
	tt_int_op(EVHTTP_REQ_GET, ==, 0);
	tt_int_op(EVHTTP_REQ_POST, ==, 1);
	tt_int_op(EVHTTP_REQ_HEAD, ==, 2);
	tt_int_op(EVHTTP_REQUEST, ==, 0);
	tt_int_op(EVHTTP_RESPONSE, ==, 1);
	tt_int_op(EVHTTP_REQ_OWN_CONNECTION, ==, 1);
	tt_int_op(EVHTTP_PROXY_REQUEST, ==, 2);
}

static void
test_headers(struct regress_env *env)
{
	struct evkeyvalq h;
	struct evkeyval *kv;
	struct evhttp_request *req;
	int n = 0;

	(void)env;
	TAILQ_INIT(&h);
	tt_int_op(evhttp_add_header(&h, "Content-Type", "text/plain"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "X-Dup", "one"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "x-dup", "two"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "Empty", ""), ==, 0);
	/* Case-insensitive, first match wins. */
	tt_str_op(evhttp_find_header(&h, "content-type"), ==, "text/plain");
	tt_str_op(evhttp_find_header(&h, "X-DUP"), ==, "one");
	tt_str_op(evhttp_find_header(&h, "Empty"), ==, "");
	tt_ptr_op(evhttp_find_header(&h, "Missing"), ==, NULL);

	/* Header injection attempts add nothing. */
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\nSet-Cookie: x"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\nb"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\rb"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "trail\r"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\nb"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\n b"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r b"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\n\r\n b"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\n b\r\n"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad", "a\r\n b\rc"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad\r\nY", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X-Bad\n", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X Bad", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "X:Bad", "v"), ==, -1);
	tt_int_op(evhttp_add_header(&h, "", "v"), ==, -1);
	tt_ptr_op(evhttp_find_header(&h, "X-Bad"), ==, NULL);
	TAILQ_FOREACH(kv, &h, next)
		n++;
	tt_int_op(n, ==, 4);

	/* 1.4's continuation form (CR LF, then SP or HTAB) is accepted and
	 * stored unfolded: one SP per fold, nothing folded goes out. */
	tt_int_op(evhttp_add_header(&h, "Fold1", "Two\r\n Three"), ==, 0);
	tt_str_op(evhttp_find_header(&h, "Fold1"), ==, "Two Three");
	tt_int_op(evhttp_add_header(&h, "Fold2", "a \r\n\t  b\r\n\tc"), ==,
	    0);
	tt_str_op(evhttp_find_header(&h, "Fold2"), ==, "a b c");
	tt_int_op(evhttp_add_header(&h, "Fold3", "x\r\n \r\n y"), ==, 0);
	tt_str_op(evhttp_find_header(&h, "Fold3"), ==, "x y");
	tt_int_op(evhttp_add_header(&h, "Fold4", "\r\n lead"), ==, 0);
	tt_str_op(evhttp_find_header(&h, "Fold4"), ==, "lead");
	tt_int_op(evhttp_add_header(&h, "Fold5", "trail\r\n "), ==, 0);
	tt_str_op(evhttp_find_header(&h, "Fold5"), ==, "trail");
	tt_int_op(evhttp_add_header(&h, "Fold6", " keep  this "), ==, 0);
	tt_str_op(evhttp_find_header(&h, "Fold6"), ==, " keep  this ");
	for (n = 1; n <= 6; n++) {
		char name[8];

		snprintf(name, sizeof(name), "Fold%d", n);
		tt_int_op(evhttp_remove_header(&h, name), ==, 0);
	}

	/* Remove takes the first match only. */
	tt_int_op(evhttp_remove_header(&h, "x-dup"), ==, 0);
	tt_str_op(evhttp_find_header(&h, "X-Dup"), ==, "two");
	tt_int_op(evhttp_remove_header(&h, "X-Dup"), ==, 0);
	tt_int_op(evhttp_remove_header(&h, "X-Dup"), ==, -1);
	evhttp_clear_headers(&h);
	tt_assert(TAILQ_EMPTY(&h));

	/* A fresh request. */
	req = evhttp_request_new(NULL, NULL);
	tt_assert(req != NULL);
	tt_int_op(req->kind, ==, EVHTTP_RESPONSE);
	tt_assert(req->input_headers != NULL &&
	    TAILQ_EMPTY(req->input_headers));
	tt_assert(req->output_buffer != NULL && req->input_buffer != NULL);
	tt_ptr_op(evhttp_request_get_connection(req), ==, NULL);
	evhttp_add_header(req->output_headers, "A", "b");
	evhttp_request_free(req);
}

/*
 * A header entry, its name and its value are one allocation; a value a
 * program swapped for its own malloc'd string, and an entry it built
 * itself, are still freed whole by the list calls (1.4 allocated each
 * string on its own).
 */
static void
test_header_entries(struct regress_env *env)
{
	struct evkeyvalq h;
	struct evkeyval *kv, *own;
	char *v;

	(void)env;
	TAILQ_INIT(&h);
	tt_int_op(evhttp_add_header(&h, "Name", "value"), ==, 0);
	tt_int_op(evhttp_add_header(&h, "Other", ""), ==, 0);
	kv = TAILQ_FIRST(&h);
	tt_str_op(kv->key, ==, "Name");
	tt_str_op(kv->value, ==, "value");
	/* The strings may be written in place, as in 1.4. */
	kv->value[0] = 'V';
	tt_str_op(evhttp_find_header(&h, "name"), ==, "Value");
	v = malloc(16);
	tt_assert(v != NULL);
	strcpy(v, "a longer value");
	kv->value = v;
	tt_str_op(evhttp_find_header(&h, "Name"), ==, "a longer value");
	own = calloc(1, sizeof(*own));
	tt_assert(own != NULL);
	own->key = strdup("Own");
	own->value = strdup("entry");
	tt_assert(own->key != NULL && own->value != NULL);
	TAILQ_INSERT_TAIL(&h, own, next);
	tt_str_op(evhttp_find_header(&h, "own"), ==, "entry");
	tt_int_op(evhttp_remove_header(&h, "Name"), ==, 0);
	tt_ptr_op(evhttp_find_header(&h, "Name"), ==, NULL);
	tt_str_op(evhttp_find_header(&h, "Other"), ==, "");
	evhttp_clear_headers(&h);
	tt_assert(TAILQ_EMPTY(&h));
}

static void
test_encode_uri(struct regress_env *env)
{
	static const char keep[] = "!$'()*+,-./:=@_~";
	char in[2], *out, expect[4];
	int c;

	(void)env;
	out = evhttp_encode_uri("/a b?c=d e&f");
	tt_str_op(out, ==, "/a%20b%3Fc=d%20e%26f");
	free(out);
	out = evhttp_encode_uri("");
	tt_str_op(out, ==, "");
	free(out);
	/* Every byte: kept, or %XX in upper case. */
	for (c = 1; c < 256; c++) {
		int kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(keep, c) != NULL;

		in[0] = (char)c;
		in[1] = '\0';
		out = evhttp_encode_uri(in);
		tt_assert(out != NULL);
		if (kept) {
			tt_str_op(out, ==, in);
		} else {
			snprintf(expect, sizeof(expect), "%%%02X", c);
			tt_str_op(out, ==, expect);
		}
		free(out);
	}
	out = evhttp_encode_uri("\"#%&;<>?[\\]^`{|}\x7f\x80\xff");
	tt_str_op(out, ==, "%22%23%25%26%3B%3C%3E%3F%5B%5C%5D%5E%60%7B%7C%7D"
	    "%7F%80%FF");
	free(out);
}

static void
test_decode_uri(struct regress_env *env)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/a+b%20c?d+e%2Bf", "/a+b c?d e+f" },
		{ "%41%62%7a%7A", "Abzz" },
		{ "%", "%" },
		{ "%4", "%4" },
		{ "a%zzb", "a%zzb" },
		{ "%g1%1g", "%g1%1g" },
		{ "100%", "100%" },
		{ "%%41", "%A" },
		{ "no+plus", "no+plus" },
		{ "?+", "? " },
		{ "%3F+", "?+" },	/* a decoded '?' does not count */
		{ "", "" },
		{ NULL, NULL }
	};
	char *out;
	int i;

	(void)env;
	for (i = 0; cases[i].in != NULL; i++) {
		out = evhttp_decode_uri(cases[i].in);
		tt_str_op(out, ==, cases[i].out);
		free(out);
	}
}

/* The query as "k=v|k=v|" for easy comparison. */
static void
query_str(const char *uri, char *out, size_t outlen)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	size_t used = 0;

	out[0] = '\0';
	evhttp_parse_query(uri, &q);
	TAILQ_FOREACH(kv, &q, next) {
		int n = snprintf(out + used, outlen - used, "%s=%s|",
		    kv->key, kv->value);

		tt_assert(n > 0 && (size_t)n < outlen - used);
		used += (size_t)n;
	}
	evhttp_clear_headers(&q);
}

static void
test_parse_query(struct regress_env *env)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/search?q=test%0Afoo", "q=test\nfoo|" },
		{ "/search?q=test+foo", "q=test foo|" },
		{ "/x?a=1&b=2&c=3", "a=1|b=2|c=3|" },
		{ "/x?a=1&b&c=3", "a=1|" },
		{ "/x?a=1&&b=2", "a=1|" },
		{ "/x?=v&k=", "=v|k=|" },
		{ "/x?k%20ey=v%20al", "k%20ey=v al|" },	/* keys stay raw */
		{ "/x?a=b=c", "a=b=c|" },
		{ "/x?a=1?b=2", "a=1?b=2|" },
		{ "/x", "" },
		{ "/x?", "" },
		{ "", "" },
		{ NULL, NULL }
	};
	char out[256];
	struct evkeyvalq q;
	int i;

	(void)env;
	for (i = 0; cases[i].in != NULL; i++) {
		query_str(cases[i].in, out, sizeof(out));
		tt_str_op(out, ==, cases[i].out);
	}
	evhttp_parse_query("/q?x=%41", &q);
	tt_str_op(evhttp_find_header(&q, "x"), ==, "A");
	evhttp_clear_headers(&q);
}

static void
test_htmlescape(struct regress_env *env)
{
	char *out, *big;
	size_t n = 100000, i;

	(void)env;
	out = evhttp_htmlescape("<a href=\"x\">Tom & Jerry's</a>");
	tt_str_op(out, ==, "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
	    "Jerry&#039;s&lt;/a&gt;");
	free(out);
	out = evhttp_htmlescape("");
	tt_str_op(out, ==, "");
	free(out);
	out = evhttp_htmlescape("plain text 123");
	tt_str_op(out, ==, "plain text 123");
	free(out);
	/* Each rule alone. */
	out = evhttp_htmlescape("<"); tt_str_op(out, ==, "&lt;"); free(out);
	out = evhttp_htmlescape(">"); tt_str_op(out, ==, "&gt;"); free(out);
	out = evhttp_htmlescape("&"); tt_str_op(out, ==, "&amp;"); free(out);
	out = evhttp_htmlescape("\""); tt_str_op(out, ==, "&quot;"); free(out);
	out = evhttp_htmlescape("'"); tt_str_op(out, ==, "&#039;"); free(out);
	/* A long input of the worst case grows exactly 6 times. */
	big = malloc(n + 1);
	tt_assert(big != NULL);
	memset(big, '"', n);
	big[n] = '\0';
	out = evhttp_htmlescape(big);
	tt_assert(out != NULL);
	tt_uint_op(strlen(out), ==, n * 6);
	for (i = 0; i < n * 6; i += 6)
		tt_assert(memcmp(out + i, "&quot;", 6) == 0);
	free(out);
	free(big);
}

/* ------------------------------------------------------------------ */
/* 1.4 exported internals (http-internal.h)                            */

/* parse_firstline on one input: the result, with the request kept. */
static int
firstline(struct evhttp_request *req, enum evhttp_request_kind kind,
    const char *s, size_t len, size_t *left)
{
	struct evbuffer *b = regress_buffer_of(s, len);
	int r;

	req->kind = kind;
	r = evhttp_parse_firstline(req, b);
	if (left != NULL)
		*left = b->off;
	evbuffer_free(b);
	return r;
}

static int
firstline_str(enum evhttp_request_kind kind, const char *s)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	int r;

	tt_assert(req != NULL);
	r = firstline(req, kind, s, strlen(s), NULL);
	evhttp_request_free(req);
	return r;
}

static void
test_parse_firstline(struct regress_env *env)
{
	static const char *const bad_requests[] = {
		"GET /x HTTP/2.0\r\n", "GET /x HTTP/1.10\r\n",
		"get /x HTTP/1.1\r\n", "BREW /x HTTP/1.1\r\n",
		"GET  HTTP/1.1\r\n", "GET /x\r\n", "GET\r\n",
		"GET /a b HTTP/1.1\r\n", "GET /x HTTP/1.1 \r\n",
		"GET /\x01 HTTP/1.1\r\n", "GET /x\tHTTP/1.1\r\n",
		"\r\n\r\n\r\nGET / HTTP/1.1\r\n", "http/1.1 200 OK\r\n",
		NULL
	};
	static const char *const bad_statuses[] = {
		"HTTP/1.1 20 OK\r\n", "HTTP/1.1 200OK\r\n", "HTTP/2 200 OK\r\n",
		"HTTP/1.1 099 Odd\r\n", "HTTP/1.1 abc OK\r\n",
		"HTTP/1.1 200 O\x01K\r\n", "ICY 200 OK\r\n", "\r\n\r\n\r\n",
		NULL
	};
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	size_t left;
	char *big;
	int i;

	(void)env;
	tt_assert(req != NULL);
	/* A request line; what follows it stays in the buffer. */
	tt_int_op(firstline(req, EVHTTP_REQUEST,
	    "POST /a?b=c HTTP/1.0\r\nHost: x\r\n", 32, &left), ==,
	    ALL_DATA_READ);
	tt_int_op(left, ==, 10);
	tt_int_op(req->type, ==, EVHTTP_REQ_POST);
	tt_str_op(req->uri, ==, "/a?b=c");
	tt_int_op(req->major, ==, 1);
	tt_int_op(req->minor, ==, 0);
	tt_int_op(req->flags & EVHTTP_PROXY_REQUEST, ==, 0);
	/* A bare LF ends a line too; an absolute URI is a proxy request;
	 * stray empty lines before the request are skipped (RFC 9112). */
	tt_int_op(firstline(req, EVHTTP_REQUEST,
	    "\r\n\nHEAD http://h/ HTTP/1.1\n", 27, &left), ==, ALL_DATA_READ);
	tt_int_op(left, ==, 0);
	tt_int_op(req->type, ==, EVHTTP_REQ_HEAD);
	tt_str_op(req->uri, ==, "http://h/");
	tt_int_op(req->minor, ==, 1);
	tt_assert(req->flags & EVHTTP_PROXY_REQUEST);
	/* Incomplete: nothing is consumed. */
	tt_int_op(firstline(req, EVHTTP_REQUEST, "GET /x HTTP/1.1", 15,
	    &left), ==, MORE_DATA_EXPECTED);
	tt_int_op(left, ==, 15);
	tt_int_op(firstline(req, EVHTTP_REQUEST, "", 0, &left), ==,
	    MORE_DATA_EXPECTED);
	/* A NUL inside the line. */
	tt_int_op(firstline(req, EVHTTP_REQUEST, "GET /\0x HTTP/1.1\r\n", 18,
	    NULL), ==, DATA_CORRUPTED);
	for (i = 0; bad_requests[i] != NULL; i++) {
		if (firstline_str(EVHTTP_REQUEST, bad_requests[i]) !=
		    DATA_CORRUPTED)
			tt_fail(bad_requests[i]);
	}

	/* Status lines. */
	tt_int_op(firstline(req, EVHTTP_RESPONSE,
	    "HTTP/1.1 404 Not Found\r\nX: y\r\n", 30, &left), ==,
	    ALL_DATA_READ);
	tt_int_op(left, ==, 6);
	tt_int_op(req->response_code, ==, 404);
	tt_str_op(req->response_code_line, ==, "Not Found");
	tt_int_op(req->minor, ==, 1);
	tt_int_op(firstline(req, EVHTTP_RESPONSE, "HTTP/1.0 204\r\n", 14,
	    NULL), ==, ALL_DATA_READ);
	tt_int_op(req->response_code, ==, 204);
	tt_str_op(req->response_code_line, ==, "");
	tt_int_op(req->minor, ==, 0);
	for (i = 0; bad_statuses[i] != NULL; i++) {
		if (firstline_str(EVHTTP_RESPONSE, bad_statuses[i]) !=
		    DATA_CORRUPTED)
			tt_fail(bad_statuses[i]);
	}

	/* A line that never ends is refused once it passes the limit
	 * (64 KiB for requests), not buffered forever. */
	big = malloc(70000);
	tt_assert(big != NULL);
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 70000 - 5);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 60000, NULL), ==,
	    MORE_DATA_EXPECTED);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 70000, NULL), ==,
	    DATA_CORRUPTED);
	memcpy(big + 70000 - 11, " HTTP/1.1\n", 10);
	tt_int_op(firstline(req, EVHTTP_REQUEST, big, 69999, NULL), ==,
	    DATA_CORRUPTED);
	free(big);
	evhttp_request_free(req);
}

/* parse_headers on s into a fresh request of this kind. */
static int
headers_str(enum evhttp_request_kind kind, int minor, const char *s)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *b = regress_buffer_of(s, strlen(s));
	int r;

	tt_assert(req != NULL);
	req->kind = kind;
	req->major = 1;
	req->minor = (char)minor;
	req->response_code = 200;
	r = evhttp_parse_headers(req, b);
	evbuffer_free(b);
	evhttp_request_free(req);
	return r;
}

static void
test_parse_headers(struct regress_env *env)
{
	/* Refused by the server too (see http/bad_requests). */
	static const char *const bad[] = {
		" X: a\r\n\r\n",			/* fold first */
		"Content-Length: 1\r\n 1\r\n\r\n",	/* fold in CL */
		"Transfer-Encoding: \r\n chunked\r\n\r\n",	/* in TE */
		"Host : a\r\n\r\n",			/* space before ':' */
		": a\r\n\r\n",				/* empty name */
		"NoColon\r\n\r\n",
		"X\x01Y: a\r\n\r\n",			/* CTL in the name */
		"X: a\x7f\r\n\r\n",			/* CTL in the value */
		"Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"Content-Length: -1\r\n\r\n",
		"Content-Length: 1x\r\n\r\n",
		"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Transfer-Encoding: gzip\r\n\r\n",
		"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Host: a\r\nHost: b\r\n\r\n",
		NULL
	};
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	struct evbuffer *b;
	struct evbuffer *many;
	int i;

	(void)env;
	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	req->minor = 1;
	/* In pieces: the headers parsed so far stay; the body stays in
	 * the buffer once the empty line is consumed. */
	b = regress_buffer_of("Host: example\r\nX-A:  1 \r\nX-B:", 29);
	tt_int_op(evhttp_parse_headers(req, b), ==, MORE_DATA_EXPECTED);
	tt_int_op(b->off, ==, 4);
	tt_str_op(evhttp_find_header(req->input_headers, "host"), ==,
	    "example");
	tt_str_op(evhttp_find_header(req->input_headers, "X-A"), ==, "1");
	tt_int_op(evbuffer_add(b, " two\r\n\r\nBODY", 12), ==, 0);
	tt_int_op(evhttp_parse_headers(req, b), ==, ALL_DATA_READ);
	tt_int_op(b->off, ==, 4);
	tt_mem_op(b->buffer, ==, "BODY", 4);
	tt_str_op(evhttp_find_header(req->input_headers, "X-B"), ==, "two");
	evbuffer_free(b);
	evhttp_request_free(req);

	tt_int_op(headers_str(EVHTTP_REQUEST, 1, "\r\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    "Transfer-Encoding: chunked\n\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1, "X: a\r\n"), ==,
	    MORE_DATA_EXPECTED);
	/* obs-fold is unfolded, as 1.4 did (with one SP per fold). */
	req = evhttp_request_new(NULL, NULL);
	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	req->minor = 1;
	b = regress_buffer_of("Host: a\r\n folded\r\n\tagain\r\n\r\n", 28);
	tt_int_op(evhttp_parse_headers(req, b), ==, ALL_DATA_READ);
	tt_str_op(evhttp_find_header(req->input_headers, "Host"), ==,
	    "a folded again");
	evbuffer_free(b);
	evhttp_request_free(req);
	for (i = 0; bad[i] != NULL; i++) {
		if (headers_str(EVHTTP_REQUEST, 1, bad[i]) != DATA_CORRUPTED)
			tt_fail(bad[i]);
	}
	/* Chunked needs HTTP/1.1 in a request. */
	tt_int_op(headers_str(EVHTTP_REQUEST, 0,
	    "Transfer-Encoding: chunked\r\n\r\n"), ==, DATA_CORRUPTED);
	/* A response may end its body with the connection instead. */
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    "Transfer-Encoding: gzip\r\n\r\n"), ==, ALL_DATA_READ);
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    "Content-Length: 2\r\nContent-Length: 3\r\n\r\n"), ==,
	    DATA_CORRUPTED);

	/* At most 128 header lines in a request. */
	many = evbuffer_new();
	tt_assert(many != NULL);
	for (i = 0; i < 128; i++)
		evbuffer_add_printf(many, "X-%d: v\r\n", i);
	evbuffer_add(many, "", 1);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    (const char *)many->buffer), ==, MORE_DATA_EXPECTED);
	many->off--;
	evbuffer_add(many, "X-last: v\r\n\r\n", 14);
	tt_int_op(headers_str(EVHTTP_REQUEST, 1,
	    (const char *)many->buffer), ==, DATA_CORRUPTED);
	tt_int_op(headers_str(EVHTTP_RESPONSE, 1,
	    (const char *)many->buffer), ==, ALL_DATA_READ);
	evbuffer_free(many);
}

static void
test_hostportfile(struct regress_env *env)
{
	static const char *const bad[] = {
		"", "http://", "http:///x", "ftp://h/", "http:/h/",
		"http://h:/", "http://h:0/", "http://h:65536/",
		"http://h:99999999999999999999/", "http://h:8a/", "http://h:-1/",
		"http://[::1/", "http://[::1]x/", "http://u@h/", "http://h/a b",
		"http://h/\x01", "http://:80/", NULL
	};
	char *host, *file, *url;
	unsigned short port;
	int i;

	(void)env;
	tt_int_op(evhttp_hostportfile(
	    (char *)"http://www.example.org:8080/a/b?c=d", &host, &port,
	    &file), ==, 0);
	tt_str_op(host, ==, "www.example.org");
	tt_int_op(port, ==, 8080);
	tt_str_op(file, ==, "/a/b?c=d");
	tt_int_op(evhttp_hostportfile((char *)"HTTP://127.0.0.1", &host, &port,
	    &file), ==, 0);
	tt_str_op(host, ==, "127.0.0.1");
	tt_int_op(port, ==, 80);
	tt_str_op(file, ==, "/");
	tt_int_op(evhttp_hostportfile((char *)"http://[::1]:65535?q", &host,
	    &port, &file), ==, 0);
	tt_str_op(host, ==, "::1");
	tt_int_op(port, ==, 65535);
	tt_str_op(file, ==, "/?q");
	for (i = 0; bad[i] != NULL; i++) {
		host = file = NULL;
		port = 7;
		if (evhttp_hostportfile((char *)bad[i], &host, &port, &file)
		    != -1)
			tt_fail(bad[i]);
		/* Nothing is returned on failure. */
		tt_ptr_op(host, ==, NULL);
		tt_int_op(port, ==, 7);
	}

	/* Overlong host or file: refused, no overflow (ASan checks). */
	url = malloc(10000);
	tt_assert(url != NULL);
	strcpy(url, "http://");
	memset(url + 7, 'h', 5000);
	strcpy(url + 5007, "/f");
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, -1);
	strcpy(url, "http://h/");
	memset(url + 9, 'f', 5000);
	url[5009] = '\0';
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, -1);
	/* The longest that fits: 1023 bytes of file. */
	url[9 + 1022] = '\0';
	tt_int_op(evhttp_hostportfile(url, &host, &port, &file), ==, 0);
	tt_int_op(strlen(file), ==, 1023);
	free(url);
}

static void
test_response_code(struct regress_env *env)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);

	(void)env;
	tt_assert(req != NULL);
	req->kind = EVHTTP_REQUEST;
	evhttp_response_code(req, 302, "Found");
	tt_int_op(req->kind, ==, EVHTTP_RESPONSE);
	tt_int_op(req->response_code, ==, 302);
	tt_str_op(req->response_code_line, ==, "Found");
	/* Replacing the line with itself is safe. */
	evhttp_response_code(req, 404, req->response_code_line);
	tt_int_op(req->response_code, ==, 404);
	tt_str_op(req->response_code_line, ==, "Found");
	evhttp_response_code(req, 204, NULL);
	tt_str_op(req->response_code_line, ==, "");
	evhttp_request_free(req);
}

static void
test_strlcpy(struct regress_env *env)
{
	char buf[8];

	(void)env;
	memset(buf, 'x', sizeof(buf));
	tt_uint_op(_event_strlcpy(buf, "abc", sizeof(buf)), ==, 3);
	tt_str_op(buf, ==, "abc");
	tt_uint_op(_event_strlcpy(buf, "abcdefghij", sizeof(buf)), ==, 10);
	tt_str_op(buf, ==, "abcdefg");
	tt_uint_op(_event_strlcpy(buf, "abcdefg", sizeof(buf)), ==, 7);
	tt_str_op(buf, ==, "abcdefg");
	tt_uint_op(_event_strlcpy(buf, "", sizeof(buf)), ==, 0);
	tt_str_op(buf, ==, "");
	/* siz 0: nothing is written, the length still comes back. */
	buf[0] = 'q';
	tt_uint_op(_event_strlcpy(buf, "zz", 0), ==, 2);
	tt_int_op(buf[0], ==, 'q');
	tt_uint_op(_event_strlcpy(buf, "zz", 1), ==, 2);
	tt_int_op(buf[0], ==, '\0');
}

/* The 1.4 names every old program may link against. */
static const char *const exported_names[] = {
	"evhttp_parse_firstline", "evhttp_parse_headers",
	"evhttp_connection_reset", "evhttp_connection_connect",
	"evhttp_start_read", "evhttp_make_header", "evhttp_write_buffer",
	"evhttp_response_code", "evhttp_send_page", "evhttp_get_request",
	"evhttp_hostportfile", "evhttp_read", "evhttp_write",
	"_event_strlcpy", "evhttp_connection_fail", NULL
};

static void
test_exports(struct regress_env *env)
{
#ifdef _WIN32
	/* The export tables of libevent-1-4-2.dll and of
	 * libevent_extra-1-4-2.dll, next to the core's DLL. */
	char path[MAX_PATH], lib[MAX_PATH], *base, *ver;
	int found[sizeof(exported_names) / sizeof(exported_names[0])];
	int i, j;

	(void)env;
	/* (The string lives in the DLL; a function's address here would
	 * be this program's import stub.) */
	if (regress_w32_module_of(event_get_version(), path,
	    sizeof(path)) == -1 || (base = strrchr(path, '\\')) == NULL ||
	    strncmp(base + 1, "libevent", 8) != 0 ||
	    (ver = strchr(base, '-')) == NULL)
		tt_skip("regress is linked statically");
	for (j = 0; j < 2; j++) {
		snprintf(lib, sizeof(lib), "%.*s\\libevent%s%s",
		    (int)(base - path), path, j ? "_extra" : "", ver);
		memset(found, 0, sizeof(found));
		tt_int_op(regress_w32_dll_exports(lib, exported_names, found),
		    ==, 0);
		for (i = 0; exported_names[i] != NULL; i++)
			if (!found[i])
				regress_fail(__FILE__, __LINE__,
				    "%s not exported by %s", exported_names[i],
				    lib);
	}
#else
	static const char *const libs[] = { "libevent.so", "libevent_extra.so",
		NULL };
	Dl_info info;
	char cmd[4200], line[512];
	const char *slash;
	int i, j;

	(void)env;
	if (dladdr((void *)evhttp_new, &info) == 0 || info.dli_fname == NULL)
		tt_skip("dladdr cannot locate the library");
	slash = strrchr(info.dli_fname, '/');
	if (strstr(info.dli_fname, "libevent") == NULL || slash == NULL)
		tt_skip("regress is linked statically");
	if (system("nm --version >/dev/null 2>&1") != 0)
		tt_skip("nm (binutils) not installed");
	/* nm, not dlopen: loading libevent_extra next to libevent would put
	 * two copies of the core in the process. */
	for (j = 0; libs[j] != NULL; j++) {
		int found[sizeof(exported_names) / sizeof(exported_names[0])];
		FILE *f;

		memset(found, 0, sizeof(found));
		snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%.*s/%s'",
		    (int)(slash - info.dli_fname), info.dli_fname, libs[j]);
		f = popen(cmd, "r");
		tt_assert(f != NULL);
		while (fgets(line, sizeof(line), f) != NULL) {
			char type = 0, name[256];
			unsigned long long addr;

			if (sscanf(line, "%llx %c %255s", &addr, &type,
				name) != 3 || type != 'T')
				continue;
			for (i = 0; exported_names[i] != NULL; i++) {
				if (strcmp(name, exported_names[i]) == 0)
					found[i] = 1;
			}
		}
		tt_int_op(pclose(f), ==, 0);
		for (i = 0; exported_names[i] != NULL; i++) {
			if (!found[i])
				regress_fail(__FILE__, __LINE__,
				    "%s not exported by %s", exported_names[i],
				    libs[j]);
		}
	}
#endif /* _WIN32 */
}

struct regress_case regress_http_util_cases[] = {
	{ "http/struct_layout", test_struct_layout, RT_ONCE, NULL },
	{ "http/headers", test_headers, RT_ONCE, NULL },
	{ "http/header_entries", test_header_entries, RT_ONCE, NULL },
	{ "http/encode_uri", test_encode_uri, RT_ONCE, NULL },
	{ "http/decode_uri", test_decode_uri, RT_ONCE, NULL },
	{ "http/parse_query", test_parse_query, RT_ONCE, NULL },
	{ "http/htmlescape", test_htmlescape, RT_ONCE, NULL },
	{ "http/parse_firstline", test_parse_firstline, RT_ONCE, NULL },
	{ "http/parse_headers", test_parse_headers, RT_ONCE, NULL },
	{ "http/hostportfile", test_hostportfile, RT_ONCE, NULL },
	{ "http/response_code", test_response_code, RT_ONCE, NULL },
	{ "http/strlcpy", test_strlcpy, RT_ONCE, NULL },
	{ "http/exports", test_exports, RT_ONCE, NULL },
	RT_END
};
