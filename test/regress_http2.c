/*
 * test/regress_http2.c -- the libevent 2.x URI object (evhttp_uri_*) and
 * encoding helpers of event2/http.h: the parser's components and its
 * refusals, the setters' checks, joining, encode/decode, query strings.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"
#include "regress.h"
#include "regress_util.h"

/* tt_str_op that also accepts two NULLs. */
#define tt_nstr_op(a, b) do {						\
	const char *tt_x_ = (a), *tt_y_ = (b);				\
	if (tt_x_ == NULL || tt_y_ == NULL)				\
		tt_ptr_op(tt_x_, ==, tt_y_);				\
	else								\
		tt_str_op(tt_x_, ==, tt_y_);				\
} while (0)

/* Parse s and compare every component. */
static void
expect_uri(const char *s, unsigned flags, const char *scheme,
    const char *userinfo, const char *host, int port, const char *path,
    const char *query, const char *fragment)
{
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(s, flags);
	char buf[256];

	if (u == NULL)
		regress_fail(__FILE__, __LINE__, "did not parse: %s", s);
	tt_nstr_op(evhttp_uri_get_scheme(u), scheme);
	tt_nstr_op(evhttp_uri_get_userinfo(u), userinfo);
	tt_nstr_op(evhttp_uri_get_host(u), host);
	tt_int_op(evhttp_uri_get_port(u), ==, port);
	tt_nstr_op(evhttp_uri_get_path(u), path);
	tt_nstr_op(evhttp_uri_get_query(u), query);
	tt_nstr_op(evhttp_uri_get_fragment(u), fragment);
	/* Joining gives the text back. */
	tt_str_op(evhttp_uri_join(u, buf, sizeof(buf)), ==, s);
	evhttp_uri_free(u);
}

static void
expect_bad(const char *s, unsigned flags)
{
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(s, flags);

	if (u != NULL)
		regress_fail(__FILE__, __LINE__, "parsed: %s", s);
}

static void
test_uri_parse(struct regress_env *env)
{
	(void)env;
	expect_uri("http://user:pw@example.com:8080/a/b%20c?x=1&y=/?#frag", 0,
	    "http", "user:pw", "example.com", 8080, "/a/b%20c", "x=1&y=/?",
	    "frag");
	expect_uri("https://[::1]:443/", 0, "https", NULL, "[::1]", 443, "/",
	    NULL, NULL);
	expect_uri("http://example.com", 0, "http", NULL, "example.com", -1,
	    "", NULL, NULL);
	expect_uri("file:///etc/hosts", 0, "file", NULL, "", -1,
	    "/etc/hosts", NULL, NULL);
	expect_uri("mailto:a@b.example", 0, "mailto", NULL, NULL, -1,
	    "a@b.example", NULL, NULL);
	/* Relative references. */
	expect_uri("/path/x?q=1", 0, NULL, NULL, NULL, -1, "/path/x", "q=1",
	    NULL);
	expect_uri("path", 0, NULL, NULL, NULL, -1, "path", NULL, NULL);
	expect_uri("?q", 0, NULL, NULL, NULL, -1, "", "q", NULL);
	expect_uri("#f", 0, NULL, NULL, NULL, -1, "", NULL, "f");
	expect_uri("//host.example/p", 0, NULL, NULL, "host.example", -1,
	    "/p", NULL, NULL);
	expect_uri("", 0, NULL, NULL, NULL, -1, "", NULL, NULL);
	/* A colon after a slash does not make a scheme. */
	expect_uri("/a:b", 0, NULL, NULL, NULL, -1, "/a:b", NULL, NULL);
	/* Nonconformant: any byte but NUL and the separators. */
	expect_uri("/a b|c?d e#f\"g", EVHTTP_URI_NONCONFORMANT, NULL, NULL,
	    NULL, -1, "/a b|c", "d e", "f\"g");
}

static void
test_uri_parse_bad(struct regress_env *env)
{
	static const char *bad[] = {
		"http://host:65536/", "http://host:8x/", "http://host:123456/",
		"http://ho st/", "http://[::1x]/", "http://[1.2.3.4]/",
		"http://[::1/", "http://a@b@c/", "/a%zz", "/a%2", "/a%",
		"/a b", "/a\"b", "/x?a b", "/x#a b", "/x#a#b", "1http://x/",
		"ht tp://x", "/x?a{", "http://host/\x7f",
	};
	size_t i;

	(void)env;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], 0);
	/* Even nonconformant: no '#' in the fragment. */
	expect_bad("/x#a#b", EVHTTP_URI_NONCONFORMANT);
	expect_bad("http://ho st/", EVHTTP_URI_NONCONFORMANT);
	tt_ptr_op(evhttp_uri_parse(NULL), ==, NULL);
	/* An empty port is no port (and is not written back). */
	{
		struct evhttp_uri *u = evhttp_uri_parse("http://host:/");
		char buf[64];

		tt_assert(u != NULL);
		tt_int_op(evhttp_uri_get_port(u), ==, -1);
		tt_str_op(evhttp_uri_get_host(u), ==, "host");
		tt_str_op(evhttp_uri_join(u, buf, sizeof(buf)), ==,
		    "http://host/");
		evhttp_uri_free(u);
	}
}

static void
test_uri_set_join(struct regress_env *env)
{
	struct evhttp_uri *u = evhttp_uri_new();
	char buf[64], small[8];

	(void)env;
	tt_assert(u != NULL);
	tt_int_op(evhttp_uri_get_port(u), ==, -1);
	tt_int_op(evhttp_uri_set_scheme(u, "http"), ==, 0);
	tt_int_op(evhttp_uri_set_host(u, "example.com"), ==, 0);
	tt_int_op(evhttp_uri_set_port(u, 81), ==, 0);
	tt_int_op(evhttp_uri_set_path(u, "/p"), ==, 0);
	tt_int_op(evhttp_uri_set_query(u, "a=1"), ==, 0);
	tt_int_op(evhttp_uri_set_fragment(u, "top"), ==, 0);
	tt_int_op(evhttp_uri_set_userinfo(u, "me"), ==, 0);
	tt_str_op(evhttp_uri_join(u, buf, sizeof(buf)), ==,
	    "http://me@example.com:81/p?a=1#top");
	/* Refused values leave the component as it was. */
	tt_int_op(evhttp_uri_set_scheme(u, "1x"), ==, -1);
	tt_int_op(evhttp_uri_set_host(u, "bad host"), ==, -1);
	tt_int_op(evhttp_uri_set_port(u, 70000), ==, -1);
	tt_int_op(evhttp_uri_set_port(u, -2), ==, -1);
	tt_int_op(evhttp_uri_set_path(u, "/a b"), ==, -1);
	tt_int_op(evhttp_uri_set_query(u, "a#b"), ==, -1);
	tt_int_op(evhttp_uri_set_userinfo(u, "a@b"), ==, -1);
	tt_str_op(evhttp_uri_get_scheme(u), ==, "http");
	tt_str_op(evhttp_uri_get_path(u), ==, "/p");
	/* The flags loosen the setters too. */
	evhttp_uri_set_flags(u, EVHTTP_URI_NONCONFORMANT);
	tt_int_op(evhttp_uri_set_path(u, "/a b"), ==, 0);
	/* Too small, or a path that would merge into the host. */
	tt_ptr_op(evhttp_uri_join(u, small, sizeof(small)), ==, NULL);
	tt_int_op(evhttp_uri_set_path(u, "rel"), ==, 0);
	tt_ptr_op(evhttp_uri_join(u, buf, sizeof(buf)), ==, NULL);
	/* NULL clears. */
	tt_int_op(evhttp_uri_set_host(u, NULL), ==, 0);
	tt_int_op(evhttp_uri_set_userinfo(u, NULL), ==, 0);
	tt_int_op(evhttp_uri_set_port(u, -1), ==, 0);
	tt_int_op(evhttp_uri_set_query(u, NULL), ==, 0);
	tt_int_op(evhttp_uri_set_fragment(u, NULL), ==, 0);
	tt_str_op(evhttp_uri_join(u, buf, sizeof(buf)), ==, "http:rel");
	tt_ptr_op(evhttp_uri_join(NULL, buf, sizeof(buf)), ==, NULL);
	evhttp_uri_free(u);
	evhttp_uri_free(NULL);
}

static void
test_uriencode_decode(struct regress_env *env)
{
	char *s;
	size_t n;

	(void)env;
	s = evhttp_uriencode("a b+c/~-._!", -1, 0);
	tt_str_op(s, ==, "a%20b%2Bc%2F~-._%21");
	free(s);
	s = evhttp_uriencode("a b", -1, 1);
	tt_str_op(s, ==, "a+b");
	free(s);
	/* An explicit size takes NULs too. */
	s = evhttp_uriencode("x\0y", 3, 0);
	tt_str_op(s, ==, "x%00y");
	free(s);
	tt_ptr_op(evhttp_uriencode(NULL, -1, 0), ==, NULL);
	s = evhttp_uridecode("%41%zz+%4", 0, &n);
	tt_str_op(s, ==, "A%zz+%4");
	tt_uint_op(n, ==, 7);
	free(s);
	s = evhttp_uridecode("a+b%2B", 1, NULL);
	tt_str_op(s, ==, "a b+");
	free(s);
	s = evhttp_uridecode("a%00b", 0, &n);
	tt_uint_op(n, ==, 3);
	tt_mem_op(s, ==, "a\0b", 3);
	free(s);
	tt_ptr_op(evhttp_uridecode(NULL, 0, NULL), ==, NULL);
}

static void
test_parse_query_str(struct regress_env *env)
{
	struct evkeyvalq q;

	(void)env;
	tt_int_op(evhttp_parse_query_str("a=1&b=x%20y+z&c=&d%3D=4", &q), ==,
	    0);
	tt_str_op(evhttp_find_header(&q, "a"), ==, "1");
	tt_str_op(evhttp_find_header(&q, "b"), ==, "x y z");
	tt_str_op(evhttp_find_header(&q, "c"), ==, "");
	tt_str_op(evhttp_find_header(&q, "d="), ==, "4");
	evhttp_clear_headers(&q);
	/* A piece without '=' or with an empty key: -1, nothing kept. */
	tt_int_op(evhttp_parse_query_str("a=1&b", &q), ==, -1);
	tt_assert(TAILQ_EMPTY(&q));
	tt_int_op(evhttp_parse_query_str("=x", &q), ==, -1);
	tt_assert(TAILQ_EMPTY(&q));
	tt_int_op(evhttp_parse_query_str("", &q), ==, 0);
	tt_assert(TAILQ_EMPTY(&q));
	tt_int_op(evhttp_parse_query_str(NULL, &q), ==, -1);
	tt_int_op(evhttp_parse_query_str("a=1", NULL), ==, -1);
}

struct regress_case regress_http2_cases[] = {
	{ "http2/uri_parse", test_uri_parse, RT_ONCE, NULL },
	{ "http2/uri_parse_bad", test_uri_parse_bad, RT_ONCE, NULL },
	{ "http2/uri_set_join", test_uri_set_join, RT_ONCE, NULL },
	{ "http2/uriencode_decode", test_uriencode_decode, RT_ONCE, NULL },
	{ "http2/parse_query_str", test_parse_query_str, RT_ONCE, NULL },
	RT_END
};
