/*
 * regress_http_server.c -- the evhttp server seen through raw sockets that
 * send exact bytes and read the exact bytes that come back: requests,
 * pipelining, HTTP/1.0, 404s and errors, bad requests (each answered with
 * its status and the connection closed), limits, chunked uploads, Expect,
 * streaming, timeouts and slow clients, clients that leave, evhttp_free,
 * proxy requests, AF_UNIX listeners, running out of fds, mutated requests,
 * and evhttp_get_request/evhttp_send_page (1.4 exported internals).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strptime */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http-internal.h"	/* the 1.4 exported-but-undeclared names */
#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Send request bytes on a new raw connection; return everything that came
 * back until the server closed (fails if it did not close in time). */
static char *
raw_exchange_closed(struct event_base *base, const char *data, size_t len)
{
	int fd = regress_connect_loopback(AF_INET, srv.port);
	struct evbuffer *in = evbuffer_new();
	char *s;
	int eof;

	regress_write_all(fd, data, len);
	eof = http_raw_wait(base, fd, in, NULL, 0, 3.0);
	s = http_buf_str(in);
	if (!eof)
		regress_fail(__FILE__, __LINE__, "server kept the connection "
		    "open; got: %.200s", s);
	close(fd);
	evbuffer_free(in);
	return s;
}

/* The value of header name in a raw response (first match), or NULL. */
static char *
raw_header(const char *resp, const char *name)
{
	static char value[256];
	const char *p = resp, *end = strstr(resp, "\r\n\r\n");
	size_t n = strlen(name);

	while (p != NULL && (end == NULL || p < end)) {
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			if (e == NULL || (size_t)(e - v) >= sizeof(value))
				return NULL;
			memcpy(value, v, (size_t)(e - v));
			value[e - v] = '\0';
			return value;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Server, seen through raw sockets                                    */

static void
test_basic_raw(struct regress_env *env)
{
	char *r, *date;
	struct tm tm;

	http_srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base,
	    "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	    56);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(r, "Content-Length"), ==, "7");
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/plain");
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	date = raw_header(r, "Date");
	tt_assert(date != NULL);
	memset(&tm, 0, sizeof(tm));
	tt_assert(strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL);
	tt_assert(strstr(r, "\r\n\r\nhello 1") != NULL);
	tt_int_op(strlen(strstr(r, "\r\n\r\n")), ==, 4 + 7);
	tt_str_op(srv.last_uri, ==, "/hello?x=1");
	tt_str_op(srv.last_host, ==, "127.0.0.1");
	tt_int_op(srv.last_type, ==, EVHTTP_REQ_GET);
	free(r);
	http_srv_stop();
}

/* Several requests in one write are answered in order, HEAD without a
 * body, without waiting for more bytes from the client. */
static void
test_pipeline(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	char *r, *p;

	http_srv_start(env->base, AF_INET);
	evhttp_set_gencb(srv.http, http_gen_cb, NULL);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd,
	    "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
	    "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n"
	    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde"
	    "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
	http_raw_wait(env->base, fd, in, "generic", 1, 3.0);
	r = http_buf_str(in);
	/* 1: hello 1 */
	p = strstr(r, "HTTP/1.1 200 OK");
	tt_assert(p == r);
	p = strstr(p, "\r\n\r\nhello 1");
	tt_assert(p != NULL);
	p += 4 + 7;
	/* 2: HEAD: headers with the length of the body, and no body. */
	tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(p, "Content-Length"), ==, "7");
	p = strstr(p, "\r\n\r\n") + 4;
	/* 3: the echo */
	tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(p, "X-Method"), ==, "POST");
	p = strstr(p, "\r\n\r\n") + 4;
	tt_assert(strncmp(p, "abcdeHTTP/1.1 200 OK\r\n", 22) == 0);
	p += 5;
	p = strstr(p, "\r\n\r\n") + 4;
	tt_str_op(p, ==, "generic");
	tt_int_op(srv.nreq, ==, 4);
	/* Still open for more. */
	evbuffer_drain(in, in->off);
	regress_write_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
	http_raw_wait(env->base, fd, in, "hello 5", 1, 3.0);
	tt_int_op(http_count(in, "hello 5"), ==, 1);
	free(r);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* /big?n=SIZE: SIZE bytes of a pattern that differs per request. */
static int big_seq;

static char
big_byte(int seq, size_t i)
{
	return (char)('a' + (i + 7 * (size_t)seq) % 23);
}

static void
big_cb(struct evhttp_request *req, void *arg)
{
	const char *n = strstr(evhttp_request_uri(req), "n=");
	size_t len = n != NULL ? strtoul(n + 2, NULL, 10) : 0, i;
	struct evbuffer *buf = evbuffer_new();
	char *body = malloc(len + 1);

	(void)arg;
	tt_assert(buf != NULL && body != NULL);
	for (i = 0; i < len; i++)
		body[i] = big_byte(big_seq, i);
	big_seq++;
	evbuffer_add(buf, body, len);
	evhttp_send_reply(req, HTTP_OK, "OK", buf);
	/* Sent or queued: the caller's buffer is empty either way. */
	tt_int_op(buf->off, ==, 0);
	evbuffer_free(buf);
	free(body);
}

/* Check the reply at *pp: 200 with a body of len bytes of request seq's
 * pattern; moves *pp past it. */
static void
check_big_reply(const char **pp, const char *end, int seq, size_t len)
{
	const char *p = *pp, *body;
	char cl[32];
	size_t i;

	tt_assert(end - p > 17 && strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	body = strstr(p, "\r\n\r\n");
	tt_assert(body != NULL);
	body += 4;
	snprintf(cl, sizeof(cl), "%zu", len);
	tt_str_op(raw_header(p, "Content-Length"), ==, cl);
	tt_assert((size_t)(end - body) >= len);
	for (i = 0; i < len; i++)
		if (body[i] != big_byte(seq, i))
			regress_fail(__FILE__, __LINE__, "reply %d differs "
			    "at byte %zu", seq, i);
	*pp = body + len;
}

/*
 * Replies larger than the socket takes at once, pipelined between small
 * ones: every byte arrives, in order, whether the body went out straight
 * from the application's buffer, partly, or through the output.
 */
static void
test_large_replies(struct regress_env *env)
{
	static const size_t sizes[] = { 3 << 20, 4096, 2047, 2048, 1 << 20 };
	struct evbuffer *in = evbuffer_new();
	const char *p, *end;
	char req[128];
	size_t k;
	int fd;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/big", big_cb, NULL);
	big_seq = 0;
	fd = regress_connect_loopback(AF_INET, srv.port);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		snprintf(req, sizeof(req), "GET /big?n=%zu HTTP/1.1\r\n"
		    "Host: a\r\n\r\n", sizes[k]);
		regress_write_str(fd, req);
		if (k == 1)
			regress_write_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
	}
	regress_write_str(fd, "GET /hello HTTP/1.1\r\nConnection: close"
	    "\r\n\r\n");
	tt_assert(http_raw_wait(env->base, fd, in, NULL, 0, 10.0));
	p = (const char *)in->buffer;
	end = p + in->off;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		check_big_reply(&p, end, (int)k, sizes[k]);
		if (k == 1) {
			tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
			p = strstr(p, "\r\n\r\n") + 4;
			tt_assert(strncmp(p, "hello ", 6) == 0);
			p += 7;
		}
	}
	tt_assert(strncmp(p, "HTTP/1.1 200 OK\r\n", 17) == 0);
	p = strstr(p, "\r\n\r\n") + 4;
	tt_assert(end - p == 7 && strncmp(p, "hello ", 6) == 0);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

static void
test_http10(struct regress_env *env)
{
	char *r;
	int fd;
	struct evbuffer *in = evbuffer_new();

	http_srv_start(env->base, AF_INET);
	/* Plain 1.0: reply in 1.0, then close. */
	r = raw_exchange_closed(env->base, "GET /hello HTTP/1.0\r\n\r\n", 23);
	tt_assert(strncmp(r, "HTTP/1.0 200 OK\r\n", 17) == 0);
	tt_assert(strstr(r, "\r\n\r\nhello 1") != NULL);
	tt_ptr_op(raw_header(r, "Connection"), ==, NULL);
	tt_int_op(srv.last_minor, ==, 0);
	free(r);

	/* 1.0 with keep-alive: stays open, says so. */
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd,
	    "GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	http_raw_wait(env->base, fd, in, "hello 2", 1, 3.0);
	r = http_buf_str(in);
	tt_str_op(raw_header(r, "Connection"), ==, "keep-alive");
	tt_str_op(raw_header(r, "Content-Length"), ==, "7");
	free(r);
	regress_write_str(fd, "GET /hello HTTP/1.0\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(http_count(in, "hello 3"), ==, 1);
	close(fd);

	/* 1.1 with Connection: close from the client. */
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	free(r);
	/* The application asks to close. */
	r = raw_exchange_closed(env->base, "GET /close HTTP/1.1\r\n\r\n", 23);
	tt_assert(strstr(r, "\r\n\r\nbye") != NULL);
	free(r);
	evbuffer_free(in);
	http_srv_stop();
}

static void
test_not_found(struct regress_env *env)
{
	char *r;

	http_srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base,
	    "GET /no<where>?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", 40);
	tt_assert(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/html");
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	tt_assert(strstr(r, "The requested URL /no&lt;where&gt;?a=1 was not "
	    "found") != NULL);
	free(r);
	/* Exact match only, on the path before '?'. */
	r = raw_exchange_closed(env->base, "GET /hello/x HTTP/1.1\r\n\r\n", 25);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	r = raw_exchange_closed(env->base, "GET /HELLO HTTP/1.1\r\n\r\n", 23);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	/* del_cb, then gencb. */
	tt_int_op(evhttp_del_cb(srv.http, "/hello"), ==, 0);
	tt_int_op(evhttp_del_cb(srv.http, "/hello"), ==, -1);
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_assert(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
	evhttp_set_gencb(srv.http, http_gen_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43);
	tt_assert(strstr(r, "\r\n\r\ngeneric") != NULL);
	free(r);
	/* Two callbacks for one path: the first registered wins. */
	evhttp_set_cb(srv.http, "/dup", http_hello_cb, NULL);
	evhttp_set_cb(srv.http, "/dup", http_gen_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /dup HTTP/1.1\r\nConnection: close\r\n\r\n", 41);
	tt_assert(strstr(r, "\r\n\r\nhello ") != NULL);
	free(r);
	tt_int_op(evhttp_del_cb(srv.http, "/dup"), ==, 0);
	r = raw_exchange_closed(env->base,
	    "GET /dup HTTP/1.1\r\nConnection: close\r\n\r\n", 41);
	tt_assert(strstr(r, "\r\n\r\ngeneric") != NULL);
	free(r);
	http_srv_stop();
}

static void
error_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(req->output_headers, "X-Dropped", "yes");
	evhttp_send_error(req, HTTP_SERVUNAVAIL, "Try <later>");
}

/* send_reply_end without send_reply_start: an empty reply. */
static void
end_only_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_reply_end(req);
}

static void
test_send_error(struct regress_env *env)
{
	char *r;

	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/endonly", end_only_cb, NULL);
	r = raw_exchange_closed(env->base,
	    "GET /endonly HTTP/1.1\r\nConnection: close\r\n\r\n", 45);
	tt_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_str_op(raw_header(r, "Content-Length"), ==, "0");
	free(r);
	evhttp_set_cb(srv.http, "/err", error_cb, NULL);
	r = raw_exchange_closed(env->base, "GET /err HTTP/1.1\r\n\r\n", 21);
	tt_assert(strncmp(r, "HTTP/1.1 503 Try <later>\r\n", 26) == 0);
	tt_ptr_op(raw_header(r, "X-Dropped"), ==, NULL);
	tt_str_op(raw_header(r, "Connection"), ==, "close");
	tt_str_op(raw_header(r, "Content-Type"), ==, "text/html");
	tt_assert(strstr(r, "Try &lt;later&gt;") != NULL);
	free(r);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Bad requests: each is answered with its status and the connection  */
/* closed, and the application never sees it.                          */

struct bad_case {
	const char *what;
	const char *req;
	size_t len;		/* 0: strlen */
	int status;
};

#define POSTH "POST /echo HTTP/1.1\r\nHost: a\r\n"
#define CHUNKH POSTH "Transfer-Encoding: chunked\r\n\r\n"

static const struct bad_case bad_cases[] = {
	{ "unknown method", "PUT /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "lowercase method", "get /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "not http", "illegal request\r\n\r\n", 0, 400 },
	{ "two spaces", "GET  /hello HTTP/1.1\r\n\r\n", 0, 400 },
	{ "no version", "GET /hello\r\n\r\n", 0, 400 },
	{ "version 1.2", "GET /hello HTTP/1.2\r\n\r\n", 0, 400 },
	{ "version 2.0", "GET /hello HTTP/2.0\r\n\r\n", 0, 400 },
	{ "absurd version", "GET /hello HTTP/1.99999999999\r\n\r\n", 0, 400 },
	{ "version junk", "GET /hello HTTP/1.1x\r\n\r\n", 0, 400 },
	{ "ctl in uri", "GET /he\x01llo HTTP/1.1\r\n\r\n", 0, 400 },
	{ "NUL in uri", "GET /he\0llo HTTP/1.1\r\n\r\n", 24, 400 },
	{ "NUL in value", "GET /hello HTTP/1.1\r\nX: a\0b\r\n\r\n", 32, 400 },
	{ "NUL in name", "GET /hello HTTP/1.1\r\nX\0Y: a\r\n\r\n", 32, 400 },
	{ "bare CR in value", "GET /hello HTTP/1.1\r\nX: a\rb\r\n\r\n", 0, 400 },
	{ "CR in name", "GET /hello HTTP/1.1\r\nX\rY: a\r\n\r\n", 0, 400 },
	{ "bare CR line end", "GET /hello HTTP/1.1\rX: a\r\n\r\n", 0, 400 },
	{ "empty name", "GET /hello HTTP/1.1\r\n: x\r\n\r\n", 0, 400 },
	{ "space before colon", "GET /hello HTTP/1.1\r\nX : a\r\n\r\n", 0, 400 },
	{ "no colon", "GET /hello HTTP/1.1\r\nNoColon\r\n\r\n", 0, 400 },
	{ "leading HTAB", "GET /hello HTTP/1.1\r\n\tX: a\r\n\r\n", 0, 400 },
	{ "leading SP", "GET /hello HTTP/1.1\r\n X: a\r\nY: b\r\n\r\n", 0,
	  400 },
	{ "fold in CL", POSTH "Content-Length: 5\r\n 0\r\n\r\nhello", 0, 400 },
	{ "fold in TE", POSTH "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n"
	  "\r\n", 0, 400 },
	{ "fold with CTL", "GET /hello HTTP/1.1\r\nX: a\r\n b\x01\r\n\r\n", 0,
	  400 },
	{ "duplicate host", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	  0, 400 },
	{ "CL twice same", POSTH "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"
	  "hello", 0, 400 },
	{ "CL conflict", POSTH "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
	  "hello!", 0, 400 },
	{ "CL list", POSTH "Content-Length: 5, 5\r\n\r\nhello", 0, 400 },
	{ "CL plus", POSTH "Content-Length: +5\r\n\r\nhello", 0, 400 },
	{ "CL negative", POSTH "Content-Length: -1\r\n\r\n", 0, 400 },
	{ "CL hex", POSTH "Content-Length: 0x5\r\n\r\nhello", 0, 400 },
	{ "CL junk", POSTH "Content-Length: 5a\r\n\r\nhello", 0, 400 },
	{ "CL empty", POSTH "Content-Length:\r\n\r\n", 0, 400 },
	{ "CL overflow", POSTH "Content-Length: 99999999999999999999\r\n\r\n",
	  0, 400 },
	{ "TE and CL", POSTH "Transfer-Encoding: chunked\r\nContent-Length: 5"
	  "\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "TE gzip,chunked", POSTH "Transfer-Encoding: gzip, chunked\r\n\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "TE chunked,gzip", POSTH "Transfer-Encoding: chunked, gzip\r\n\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "TE twice", POSTH "Transfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "TE identity", POSTH "Transfer-Encoding: identity\r\n\r\n", 0, 400 },
	{ "TE in 1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
	  "\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 0x1", CHUNKH "0x1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk +1", CHUNKH "+1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk -0", CHUNKH "-0\r\n\r\n", 0, 400 },
	{ "chunk space 1", CHUNKH " 1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 1 1", CHUNKH "1 1\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk empty", CHUNKH "\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk not hex", CHUNKH "g\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "chunk 2^64", CHUNKH "10000000000000000\r\na\r\n", 0, 400 },
	{ "chunk 2^63", CHUNKH "8000000000000000\r\na\r\n", 0, 400 },
	{ "chunk long hex", CHUNKH "000000000000000000000000000000001\r\na\r\n"
	  "0\r\n\r\n", 0, 400 },
	{ "chunk no CRLF", CHUNKH "5\r\nhelloXX0\r\n\r\n", 0, 400 },
	{ "chunk ext ctl", CHUNKH "1;a\x01\r\na\r\n0\r\n\r\n", 0, 400 },
	{ "trailer CL", CHUNKH "1\r\na\r\n0\r\nContent-Length: 5\r\n\r\n", 0, 400 },
	{ "trailer TE", CHUNKH "0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "trailer Host", CHUNKH "0\r\nHost: evil\r\n\r\n", 0, 400 },
	{ "trailer fold", CHUNKH "0\r\nX: a\r\n b\r\n\r\n", 0, 400 },
	{ "expect other", POSTH "Expect: 200-ok\r\nContent-Length: 1\r\n\r\na",
	  0, 417 },
	{ "body over limit", POSTH "Content-Length: 9223372036854775807\r\n\r\n",
	  0, 413 },
	{ NULL, NULL, 0, 0 }
};

static void
test_bad_requests(struct regress_env *env)
{
	int i;

	http_srv_start(env->base, AF_INET);
	for (i = 0; bad_cases[i].what != NULL; i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->req);
		char expect[32], *r;

		regress_note("case: %s", c->what);
		r = raw_exchange_closed(env->base, c->req, len);
		snprintf(expect, sizeof(expect), "HTTP/1.1 %d ", c->status);
		if (strncmp(r, expect, strlen(expect)) != 0)
			regress_fail(__FILE__, __LINE__, "%s: expected %d, got "
			    "\"%.60s\"", c->what, c->status, r);
		tt_str_op(raw_header(r, "Connection"), ==, "close");
		free(r);
		if (srv.nreq != 0)
			regress_fail(__FILE__, __LINE__, "%s: reached the "
			    "application", c->what);
	}
	/* The server is still fine. */
	free(raw_exchange_closed(env->base,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", 43));
	tt_int_op(srv.nreq, ==, 1);
	http_srv_stop();
}

/* A body on a GET is read as a body, never as the next request. */
static void
test_get_body_not_smuggled(struct regress_env *env)
{
	static const char inner[] = "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n";
	char req[256], *r;

	http_srv_start(env->base, AF_INET);
	snprintf(req, sizeof(req), "GET /echo HTTP/1.1\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n%s", strlen(inner), inner);
	r = raw_exchange_closed(env->base, req, strlen(req));
	tt_assert(strncmp(r, "HTTP/1.1 200", 12) == 0);
	tt_int_op(srv.nreq, ==, 1);
	tt_ptr_op(srv.held, ==, NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, inner);
	free(r);
	http_srv_stop();
}

static void
test_limits(struct regress_env *env)
{
	char *big, *r, *p;
	int i;
	size_t n;

	http_srv_start(env->base, AF_INET);
	evhttp_set_max_headers_size(srv.http, 1024);
	evhttp_set_max_body_size(srv.http, 100);

	big = malloc(8192);
	tt_assert(big != NULL);
	/* One header too long. */
	n = (size_t)snprintf(big, 8192, "GET /hello HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 1500);
	n += 1500;
	memcpy(big + n, "\r\n\r\n", 5);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 431 ", 13) == 0);
	free(r);
	/* A long request line. */
	n = (size_t)snprintf(big, 8192, "GET /");
	memset(big + n, 'u', 2000);
	n += 2000;
	memcpy(big + n, " HTTP/1.1\r\n\r\n", 14);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 414 ", 13) == 0);
	free(r);
	/* Many small headers: the count limit. */
	evhttp_set_max_headers_size(srv.http, -1);
	p = big + snprintf(big, 8192, "GET /hello HTTP/1.1\r\n");
	for (i = 0; i < 200; i++)
		p += snprintf(p, 16, "X%d: v\r\n", i);
	memcpy(p, "\r\n", 3);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 431 ", 13) == 0);
	free(r);
	/* Bodies: announced too long, chunked too long, exactly the limit. */
	r = raw_exchange_closed(env->base, POSTH "Content-Length: 101\r\n\r\n",
	    strlen(POSTH "Content-Length: 101\r\n\r\n"));
	tt_assert(strncmp(r, "HTTP/1.1 413 ", 13) == 0);
	free(r);
	p = big + snprintf(big, 8192, "%s", CHUNKH);
	for (i = 0; i < 11; i++)
		p += snprintf(p, 32, "a\r\n0123456789\r\n");
	memcpy(p, "0\r\n\r\n", 6);
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 413 ", 13) == 0);
	free(r);
	tt_int_op(srv.nreq, ==, 0);
	p = big + snprintf(big, 8192, POSTH "Connection: close\r\n"
	    "Content-Length: 100\r\n\r\n");
	memset(p, 'b', 100);
	p[100] = '\0';
	r = raw_exchange_closed(env->base, big, strlen(big));
	tt_assert(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	tt_int_op(srv.last_body_len, ==, 100);
	free(r);
	free(big);
	http_srv_stop();
}

static void
test_chunked_upload_raw(struct regress_env *env)
{
	static const char up[] =
	    "POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n"
	    "5\r\nhello\r\n"
	    "1;name=value\r\n,\r\n"
	    "6 ; x\r\n world\r\n"
	    "A\r\n0123456789\r\n"
	    "0\r\nX-Trailer: dropped\r\n\r\n";
	char *r;

	http_srv_start(env->base, AF_INET);
	r = raw_exchange_closed(env->base, up, sizeof(up) - 1);
	tt_assert(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	tt_int_op(srv.last_body_len, ==, 22);
	tt_assert(memcmp(srv.last_body, "hello, world0123456789", 22) == 0);
	/* Trailers are discarded, never merged into the headers. */
	tt_int_op(srv.last_ntrailers_seen, ==, 0);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "hello, world0123456789");
	free(r);
	http_srv_stop();
}

static void
test_expect_continue(struct regress_env *env)
{
	int fd = -1;
	struct evbuffer *in = evbuffer_new();
	char *r;

	http_srv_start(env->base, AF_INET);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "POST /echo HTTP/1.1\r\nHost: a\r\n"
	    "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n");
	http_raw_wait(env->base, fd, in, "\r\n\r\n", 1, 3.0);
	r = http_buf_str(in);
	tt_str_op(r, ==, "HTTP/1.1 100 Continue\r\n\r\n");
	free(r);
	tt_int_op(srv.nreq, ==, 0);
	regress_write_str(fd, "body");
	http_raw_wait(env->base, fd, in, "body", 1, 3.0);
	r = http_buf_str(in);
	tt_assert(strstr(r, "HTTP/1.1 200 OK\r\n") != NULL);
	tt_assert(strstr(r, "\r\n\r\nbody") != NULL);
	free(r);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

static void
test_stream_raw(struct regress_env *env)
{
	char *r;
	struct evbuffer *in = evbuffer_new();
	int fd;

	http_srv_start(env->base, AF_INET);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n");
	http_raw_wait(env->base, fd, in, "0\r\n\r\n", 1, 3.0);
	r = http_buf_str(in);
	tt_str_op(raw_header(r, "Transfer-Encoding"), ==, "chunked");
	tt_ptr_op(raw_header(r, "Content-Length"), ==, NULL);
	tt_assert(raw_header(r, "Date") != NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==,
	    "7\r\nchunk0;\r\n7\r\nchunk1;\r\n"
	    "7\r\nchunk2;\r\n7\r\nchunk3;\r\n0\r\n\r\n");
	free(r);
	close(fd);
	/* HTTP/1.0: raw data, closed at the end. */
	r = raw_exchange_closed(env->base, "GET /stream HTTP/1.0\r\n\r\n", 24);
	tt_ptr_op(raw_header(r, "Transfer-Encoding"), ==, NULL);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==,
	    "chunk0;chunk1;chunk2;chunk3;");
	free(r);
	/* HEAD: headers only. */
	r = raw_exchange_closed(env->base,
	    "HEAD /stream HTTP/1.1\r\nConnection: close\r\n\r\n", 44);
	tt_str_op(strstr(r, "\r\n\r\n") + 4, ==, "");
	free(r);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Server timeouts and disconnects                                     */

/* A client that sends one byte every 300 ms is dropped at the timeout. */
struct slow {
	int fd;
	int pos;
	struct event ev;
};

static void
slow_byte_cb(int fd, short what, void *arg)
{
	static const char req[] = "GET /hello HTTP/1.1\r\nHost: slow\r\n"
	    "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	struct slow *sl = arg;
	struct timeval tv = { 0, 300000 };

	(void)fd;
	(void)what;
	if ((size_t)sl->pos < sizeof(req) - 1 &&
	    write(sl->fd, req + sl->pos, 1) == 1)
		sl->pos++;
	evtimer_add(&sl->ev, &tv);
}

static void
test_slowloris(struct regress_env *env)
{
	struct slow sl;
	struct evbuffer *in = evbuffer_new();
	double t0;

	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 1);
	memset(&sl, 0, sizeof(sl));
	sl.fd = regress_connect_loopback(AF_INET, srv.port);
	evtimer_set(&sl.ev, slow_byte_cb, &sl);
	event_base_set(env->base, &sl.ev);
	t0 = regress_now();
	slow_byte_cb(-1, 0, &sl);
	tt_int_op(http_raw_wait(env->base, sl.fd, in, NULL, 0, 4.0), ==, 1);
	event_del(&sl.ev);
	regress_note("dropped after %.2f s and %d bytes", regress_now() - t0,
	    sl.pos);
	/* Dropped within the timeout (plus slack), without a response. */
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	tt_assert(regress_now() - t0 >= 0.9);
	tt_int_op(in->off, ==, 0);
	tt_int_op(srv.nreq, ==, 0);
	close(sl.fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* An idle keep-alive connection closes after the timeout. */
static void
test_idle_timeout(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	double t0;

	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 1);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
	http_raw_wait(env->base, fd, in, "hello 1", 1, 3.0);
	t0 = regress_now();
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 4.0), ==, 1);
	tt_assert(regress_now() - t0 >= 0.9);
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	close(fd);
	/* A connection that never sends anything, likewise. */
	fd = regress_connect_loopback(AF_INET, srv.port);
	t0 = regress_now();
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 4.0), ==, 1);
	tt_assert(regress_now() - t0 < 2.0 * regress_slowdown());
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* The application may take longer than the timeout to answer. */
static void
late_reply_cb(int fd, short what, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)fd;
	(void)what;
	(void)arg;
	evbuffer_add(b, "late", 4);
	evhttp_send_reply(srv.held, HTTP_OK, "OK", b);
	srv.held = NULL;
	evbuffer_free(b);
}

static void
test_slow_app(struct regress_env *env)
{
	int fd;
	struct evbuffer *in = evbuffer_new();
	struct event ev;
	struct timeval tv = { 1, 500000 };

	http_srv_start(env->base, AF_INET);
	evhttp_set_timeout(srv.http, 1);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	evtimer_set(&ev, late_reply_cb, NULL);
	event_base_set(env->base, &ev);
	evtimer_add(&ev, &tv);
	http_raw_wait(env->base, fd, in, "late", 1, 4.0);
	tt_int_op(http_count(in, "\r\n\r\nlate"), ==, 1);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* The client leaves while the application holds its request. */
static void
test_client_gone(struct regress_env *env)
{
	int fd;
	struct evbuffer *b = evbuffer_new();

	http_srv_start(env->base, AF_INET);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	regress_run_until(env->base, &srv.nreq, 3.0);
	tt_assert(srv.held != NULL);
	tt_assert(evhttp_request_get_connection(srv.held) != NULL);
	close(fd);
	regress_run_for(env->base, 0.2);
	tt_ptr_op(evhttp_request_get_connection(srv.held), ==, NULL);
	/* Streaming calls are harmless now; the end frees the request. */
	evhttp_send_reply_start(srv.held, HTTP_OK, "OK");
	evbuffer_add(b, "x", 1);
	evhttp_send_reply_chunk(srv.held, b);
	evhttp_send_reply_end(srv.held);
	srv.held = NULL;

	/* Same with a plain reply. */
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET /hold HTTP/1.1\r\n\r\n");
	regress_run_until_count(env->base, &srv.nreq, 1 + 1, 3.0);
	tt_assert(srv.held != NULL);
	close(fd);
	regress_run_for(env->base, 0.2);
	tt_ptr_op(evhttp_request_get_connection(srv.held), ==, NULL);
	evhttp_send_reply(srv.held, HTTP_OK, "OK", b);
	srv.held = NULL;
	evbuffer_free(b);
	http_srv_stop();
}

/* evhttp_free with open connections and a held request. */
static void
test_server_free(struct regress_env *env)
{
	int fd1, fd2;
	struct evbuffer *in = evbuffer_new();

	http_srv_start(env->base, AF_INET);
	fd1 = regress_connect_loopback(AF_INET, srv.port);
	fd2 = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd1, "GET /hold HTTP/1.1\r\n\r\n");
	regress_run_until(env->base, &srv.nreq, 3.0);
	tt_assert(srv.held != NULL);
	evhttp_free(srv.http);
	srv.http = NULL;
	/* Both connections are closed. */
	tt_int_op(http_raw_wait(env->base, fd1, in, NULL, 0, 2.0), ==, 1);
	tt_int_op(http_raw_wait(env->base, fd2, in, NULL, 0, 2.0), ==, 1);
	tt_int_op(in->off, ==, 0);
	/* The held request is detached, and can still be answered. */
	tt_ptr_op(evhttp_request_get_connection(srv.held), ==, NULL);
	evhttp_send_reply(srv.held, HTTP_OK, "OK", NULL);
	close(fd1);
	close(fd2);
	evbuffer_free(in);
}

static void
test_unix_socket(struct regress_env *env)
{
	struct sockaddr_un sun;
	char dir[64];
	int lfd, fd;
	struct evbuffer *in = evbuffer_new();
	char *r;

	http_srv_start(env->base, AF_INET);
	regress_tmpdir(dir, sizeof(dir), "relevent-http");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
#ifdef _WIN32
	/* Windows 10 1803 has them; older systems and wine 8 do not. */
	if (lfd < 0 && regress_sock_errno() == EAFNOSUPPORT) {
		regress_rmtree(dir);
		evbuffer_free(in);
		tt_skip("no AF_UNIX sockets on this Windows");
	}
#endif
	tt_assert(lfd >= 0);
	tt_int_op(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
	tt_int_op(listen(lfd, 16), ==, 0);
	tt_int_op(evhttp_accept_socket(srv.http, lfd), ==, 0);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	tt_int_op(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
	regress_write_str(fd,
	    "GET /hello HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n"
	    "Connection: close\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	r = http_buf_str(in);
	tt_assert(strstr(r, "hello 1") != NULL);
	tt_assert(strstr(r, "hello 2") != NULL);
	/* An unnamed peer: an empty address, no overflow. */
	tt_str_op(srv.last_host, ==, "");
	free(r);
	close(fd);

	/* A peer bound to a path of the maximal length. */
	{
		/* Zeroed room after the struct: checkers that read sun_path
		 * as a string then stay in initialized memory. */
		union {
			struct sockaddr_un sun;
			char pad[sizeof(struct sockaddr_un) + 16];
		} meu;
		struct sockaddr_un me;
		char path[sizeof(me.sun_path) + 1];
		size_t n;

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&meu, 0, sizeof(meu));
		memset(&me, 0, sizeof(me));
		me.sun_family = AF_UNIX;
		n = (size_t)snprintf(path, sizeof(path), "%s/", dir);
		memset(path + n, 'p', sizeof(me.sun_path) - n);
		/* No NUL: */
		memcpy(meu.sun.sun_path, path, sizeof(me.sun_path));
		meu.sun.sun_family = AF_UNIX;
		if (bind(fd, (struct sockaddr *)&meu.sun, sizeof(me)) == 0) {
			tt_int_op(connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)), ==, 0);
			regress_write_str(fd, "GET /hello HTTP/1.1\r\n"
			    "Connection: close\r\n\r\n");
			evbuffer_drain(in, in->off);
			http_raw_wait(env->base, fd, in, NULL, 0, 3.0);
			tt_int_op(http_count(in, "hello 3"), ==, 1);
			tt_int_op(strlen(srv.last_host), <=,
			    sizeof(me.sun_path));
			tt_assert(strncmp(srv.last_host, path,
			    strlen(dir)) == 0);
			path[sizeof(me.sun_path)] = '\0';
			unlink(path);
		} else {
			regress_note("bind to a full-length path: %s",
			    strerror(errno));
		}
		close(fd);
	}
	regress_rmtree(dir);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Out of file descriptors: the listener pauses instead of spinning.   */

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
test_accept_emfile(struct regress_env *env)
{
	static int fill[4096];
	int nfill = 0, fd, i;
	struct rlimit rl;
	struct evbuffer *in = evbuffer_new();
	double cpu0;

#ifdef _WIN32
	tt_skip("Windows has no descriptor limit to run out of");
#endif
	http_srv_start(env->base, AF_INET);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur > 256) {
		rl.rlim_cur = 256;
		tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	}
	/* Use up every descriptor but one, which the client takes. */
	while (nfill < 4096 && (fill[nfill] = dup(0)) >= 0)
		nfill++;
	tt_assert(nfill > 0 && errno == EMFILE);
	close(fill[--nfill]);
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd,
	    "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
	/* accept() fails with EMFILE now; the loop must not spin. */
	cpu0 = cpu_seconds();
	http_raw_wait(env->base, fd, in, "hello", 1, 0.6);
	tt_int_op(in->off, ==, 0);
	regress_note("cpu while out of fds: %.3f s", cpu_seconds() - cpu0);
	tt_assert(cpu_seconds() - cpu0 < 0.3);
	/* Free descriptors: the connection is accepted and served. */
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(http_count(in, "hello 1"), ==, 1);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Mutated requests: never a crash or a hang, always an answer or EOF.  */

static void
test_fuzz_requests(struct regress_env *env)
{
	static const char *const seeds[] = {
		"GET /hello?a=1 HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
		"HEAD /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\n"
		"Content-Length: 2\r\n\r\nok"),
	};
	static const char alphabet[] = "\r\n :;0123456789abcdefxX+-\t\x00\x7f"
	    "\x80\xffGETPOSTHEAD/HTTP1.";
	unsigned int seed = 12345;
	struct evbuffer *in = evbuffer_new();
	int i, answered = 0, closed = 0;

	http_srv_start(env->base, AF_INET);
	evhttp_set_gencb(srv.http, http_gen_cb, NULL);
	evhttp_set_timeout(srv.http, 2);
	for (i = 0; i < 1000; i++) {
		const char *src = seeds[i % 5];
		size_t len = strlen(src);
		char buf[512];
		int fd;

		memcpy(buf, src, len);
		/* Up to 4 bytes replaced, cuts or repeated slices. */
		http_mutate(buf, &len, sizeof(buf), &seed, alphabet,
		    sizeof(alphabet) - 1, 4, 3);
		fd = regress_connect_loopback(AF_INET, srv.port);
		regress_write_all(fd, buf, len);
		shutdown(fd, SHUT_WR);
		evbuffer_drain(in, in->off);
		if (!http_raw_wait(env->base, fd, in, NULL, 0, 4.0))
			regress_fail(__FILE__, __LINE__, "mutation %d: no EOF; "
			    "request: %.*s", i, (int)len, buf);
		if (in->off > 0) {
			answered++;
			tt_assert(in->off >= 12 &&
			    memcmp(in->buffer, "HTTP/1.", 7) == 0);
		} else {
			closed++;
		}
		close(fd);
	}
	regress_note("1000 mutations: %d answered, %d closed silently",
	    answered, closed);
	tt_assert(answered > 0);
	evbuffer_free(in);
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Proxy-style requests                                                */

static int proxy_flag_seen;

static void
proxy_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	http_record(req);
	proxy_flag_seen = (req->flags & EVHTTP_PROXY_REQUEST) != 0;
	evbuffer_add(b, "proxied", 7);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
test_proxy_request(struct regress_env *env)
{
	char *r;
	int fd;
	struct evbuffer *in = evbuffer_new();

	http_srv_start(env->base, AF_INET);
	evhttp_set_gencb(srv.http, proxy_cb, NULL);
	/* An absolute URI: flagged, no Connection header, closed after. */
	r = raw_exchange_closed(env->base,
	    "GET http://example.org/hello HTTP/1.1\r\nHost: example.org\r\n"
	    "\r\n", 60);
	tt_int_op(proxy_flag_seen, ==, 1);
	tt_str_op(srv.last_uri, ==, "http://example.org/hello");
	tt_ptr_op(raw_header(r, "Connection"), ==, NULL);
	tt_assert(strstr(r, "\r\n\r\nproxied") != NULL);
	free(r);
	/* Proxy-Connection: keep-alive keeps it open. */
	fd = regress_connect_loopback(AF_INET, srv.port);
	regress_write_str(fd, "GET http://example.org/ HTTP/1.1\r\n"
	    "Proxy-Connection: keep-alive\r\n\r\n");
	http_raw_wait(env->base, fd, in, "proxied", 1, 3.0);
	regress_write_str(fd, "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
	tt_int_op(http_raw_wait(env->base, fd, in, NULL, 0, 3.0), ==, 1);
	tt_int_op(http_count(in, "proxied"), ==, 2);
	tt_int_op(proxy_flag_seen, ==, 0);
	close(fd);
	evbuffer_free(in);
	http_srv_stop();
}

static int page_calls;

static void
page_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body = evbuffer_new();

	(void)arg;
	page_calls++;
	tt_assert(body != NULL);
	evbuffer_add_printf(body, "<p>%s</p>", req->uri);
	if (strcmp(req->uri, "/c") == 0)
		evhttp_response_code(req, 201, "Made");
	evhttp_send_page(req, body);
	tt_int_op(body->off, ==, 0);
	evbuffer_free(body);
}

/* Serve one request on a socketpair given to evhttp_get_request(). */
static char *
get_request_page(struct regress_env *env, struct evhttp *http,
    const char *uri)
{
	struct evhttp_connection *evcon;
	struct evbuffer *in = evbuffer_new();
	char req[128];
	int sv[2], before = page_calls;
	char *resp;

	tt_assert(in != NULL);
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	evhttp_get_request(http, sv[0], NULL, 0);
	evcon = TAILQ_LAST(&http->connections, evconq);
	tt_assert(evcon != NULL);
	tt_int_op(evcon->fd, ==, sv[0]);
	tt_nonblocking(sv[0], 1);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
	regress_write_str(sv[1], req);
	/* One read step, without the loop, serves the request. */
	evhttp_read(sv[0], EV_READ, evcon);
	tt_int_op(page_calls, ==, before + 1);
	/* send_page closes the connection after the page. */
	tt_int_op(http_raw_wait(env->base, sv[1], in, NULL, 0, 5), ==, 1);
	resp = http_buf_str(in);
	evbuffer_free(in);
	close(sv[1]);
	return resp;
}

static void
test_get_request_send_page(struct regress_env *env)
{
	struct evhttp *http = evhttp_new(env->base);
	char *resp;

	tt_assert(http != NULL);
	evhttp_set_gencb(http, page_cb, NULL);

	resp = get_request_page(env, http, "/p");
	tt_assert(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0);
	tt_assert(strstr(resp, "\r\nContent-Type: text/html\r\n") != NULL);
	tt_assert(strstr(resp, "\r\nConnection: close\r\n") != NULL);
	tt_assert(strstr(resp, "\r\nContent-Length: 9\r\n") != NULL);
	tt_str_op(strstr(resp, "\r\n\r\n"), ==, "\r\n\r\n<p>/p</p>");
	free(resp);

	/* A status chosen with evhttp_response_code() is kept. */
	resp = get_request_page(env, http, "/c");
	tt_assert(strncmp(resp, "HTTP/1.1 201 Made\r\n", 19) == 0);
	tt_str_op(strstr(resp, "\r\n\r\n"), ==, "\r\n\r\n<p>/c</p>");
	free(resp);
	/* The server side ends once it sees the client's close. */
	{
		double end = regress_now() + 5 * regress_slowdown();

		while (!TAILQ_EMPTY(&http->connections) && regress_now() < end)
			regress_run_for(env->base, 0.02);
	}
	tt_assert(TAILQ_EMPTY(&http->connections));
	evhttp_free(http);
}

struct regress_case regress_http_server_cases[] = {
	{ "http/get_request_send_page", test_get_request_send_page, RT_BASE,
	    NULL },
	{ "http/basic_raw", test_basic_raw, RT_BASE, NULL },
	{ "http/pipeline", test_pipeline, RT_BASE, NULL },
	{ "http/large_replies", test_large_replies, RT_BASE, NULL },
	{ "http/http10", test_http10, RT_BASE, NULL },
	{ "http/not_found", test_not_found, RT_BASE, NULL },
	{ "http/send_error", test_send_error, RT_BASE, NULL },
	{ "http/bad_requests", test_bad_requests, RT_BASE, NULL },
	{ "http/get_body_not_smuggled", test_get_body_not_smuggled, RT_BASE,
	  NULL },
	{ "http/limits", test_limits, RT_BASE, NULL },
	{ "http/chunked_upload", test_chunked_upload_raw, RT_BASE, NULL },
	{ "http/expect_continue", test_expect_continue, RT_BASE, NULL },
	{ "http/stream_raw", test_stream_raw, RT_BASE, NULL },
	{ "http/slowloris", test_slowloris, RT_BASE, NULL },
	{ "http/idle_timeout", test_idle_timeout, RT_BASE, NULL },
	{ "http/slow_app", test_slow_app, RT_BASE, NULL },
	{ "http/client_gone", test_client_gone, RT_BASE, NULL },
	{ "http/server_free", test_server_free, RT_BASE, NULL },
	{ "http/unix_socket", test_unix_socket, RT_BASE, NULL },
	{ "http/proxy_request", test_proxy_request, RT_BASE, NULL },
	{ "http/accept_emfile", test_accept_emfile, RT_BASE, NULL },
	{ "http/fuzz_requests", test_fuzz_requests, RT_BASE | RT_ONCE, NULL },
	RT_END
};
