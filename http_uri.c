/*
 * http_uri.c -- libevent 2.x's URI object (evhttp_uri_*) and its
 * encoding helpers (evhttp_uriencode, evhttp_uridecode,
 * evhttp_parse_query_str).
 *
 * Written for relevent from RFC 3986 and the libevent 2.1 API notes.  A
 * URI is split into its raw components (nothing is decoded):
 *
 *   [scheme ":"] ["//" [userinfo "@"] host [":" port]] path ["?" query]
 *   ["#" fragment]
 *
 * Parsing is strict: a scheme is ALPHA *(ALPHA / DIGIT / "+" / "-" /
 * "."); userinfo, host, path, query and fragment hold only the characters
 * RFC 3986 allows there, and every "%" starts two hex digits; a host is a
 * bracketed IPv6 address (checked with inet_pton) or a reg-name; a port
 * is 1-5 digits up to 65535 (empty: none).  EVHTTP_URI_NONCONFORMANT
 * lets the path, query and fragment hold any byte but NUL, '#' (and '?'
 * in the path), as 2.1 documents.  The setters check their component by
 * the same rules, so evhttp_uri_join() only ever writes a valid URI.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"
#include "http-internal.h"
#include "mm-internal.h"

struct evhttp_uri {
	unsigned flags;
	char *scheme;		/* NULL: none */
	char *userinfo;		/* NULL: none */
	char *host;		/* NULL: no authority */
	int port;		/* -1: none */
	char *path;		/* never NULL after a parse ("" if empty) */
	char *query;		/* NULL: no '?' */
	char *fragment;		/* NULL: no '#' */
};

/* ------------------------------------------------------------------ */
/* Character classes (RFC 3986 section 2)                              */

#define CH_UNRESERVED	"-._~"
#define CH_SUBDELIMS	"!$&'()*+,;="

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* unreserved / sub-delims, plus the characters in `extra`. */
static int
is_plain(unsigned char c, const char *extra)
{
	if (is_alpha(c) || is_digit(c))
		return 1;
	return c != '\0' && (strchr(CH_UNRESERVED CH_SUBDELIMS, c) != NULL ||
	    strchr(extra, c) != NULL);
}

/*
 * Whether s[0..len) holds only plain characters (with `extra`) and
 * well-formed percent escapes; with `loose`, any byte but NUL and those
 * in `stop` (the 2.x nonconformant mode).
 */
static int
component_ok(const char *s, size_t len, const char *extra, int loose,
    const char *stop)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (loose) {
			if (c == '\0' || strchr(stop, c) != NULL)
				return 0;
			continue;
		}
		if (c == '%') {
			if (i + 2 >= len)
				return 0;
			if (http_hexval_((unsigned char)s[i + 1]) < 0 ||
			    http_hexval_((unsigned char)s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!is_plain(c, extra)) {
			return 0;
		}
	}
	return 1;
}

static int
scheme_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			return 0;
	}
	return 1;
}

/* An IP-literal: "[" IPv6address "]" (IPvFuture is refused). */
static int
ip_literal_ok(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (len < 2 || s[0] != '[' || s[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static int
host_ok(const char *s, size_t len)
{
	if (len > 0 && s[0] == '[')
		return ip_literal_ok(s, len);
	return component_ok(s, len, "", 0, "");
}

/* The port text s[0..len): 0 with *port (-1 when empty), or -1. */
static int
port_parse(const char *s, size_t len, int *port)
{
	size_t i;
	int v = 0;

	if (len == 0) {
		*port = -1;
		return 0;
	}
	if (len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* The classes of the last three components (RFC 3986 3.3-3.5). */
static int
path_ok(const char *s, size_t len, unsigned flags)
{
	return component_ok(s, len, ":@/", flags & EVHTTP_URI_NONCONFORMANT,
	    "?#");
}

static int
query_ok(const char *s, size_t len, unsigned flags)
{
	return component_ok(s, len, ":@/?", flags & EVHTTP_URI_NONCONFORMANT,
	    "#");
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

struct evhttp_uri *
evhttp_uri_new(void)
{
	struct evhttp_uri *uri = mm_calloc(1, sizeof(*uri));

	if (uri != NULL)
		uri->port = -1;
	return uri;
}

void
evhttp_uri_set_flags(struct evhttp_uri *uri, unsigned flags)
{
	if (uri != NULL)
		uri->flags = flags;
}

void
evhttp_uri_free(struct evhttp_uri *uri)
{
	if (uri == NULL)
		return;
	mm_free(uri->scheme);
	mm_free(uri->userinfo);
	mm_free(uri->host);
	mm_free(uri->path);
	mm_free(uri->query);
	mm_free(uri->fragment);
	mm_free(uri);
}

/* *dst = a copy of s[0..len); -1 without memory. */
static int
take(char **dst, const char *s, size_t len)
{
	if ((*dst = mm_strndup(s, len)) == NULL)
		return -1;
	return 0;
}

/*
 * The authority a[0..len) into uri.  The host ends at the last ':' that
 * is outside brackets; userinfo ends at the last '@'.
 */
static int
authority_parse(struct evhttp_uri *uri, const char *a, size_t len)
{
	const char *at = NULL, *host, *colon = NULL, *end = a + len, *p;

	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (!component_ok(a, (size_t)(at - a), ":", 0, "") ||
		    take(&uri->userinfo, a, (size_t)(at - a)) < 0)
			return -1;
	}
	host = at != NULL ? at + 1 : a;
	for (p = host; p < end; p++) {
		if (*p == ']')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	if (colon != NULL && port_parse(colon + 1, (size_t)(end - colon - 1),
	    &uri->port) < 0)
		return -1;
	if (colon == NULL)
		colon = end;
	if (!host_ok(host, (size_t)(colon - host)))
		return -1;
	return take(&uri->host, host, (size_t)(colon - host));
}

/* The length of a scheme at the front of s ("" if none, up to ':'). */
static size_t
scheme_len(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - s);
	/* A ':' after '/', '?' or '#' is not a scheme's. */
	if (strcspn(s, "/?#") < n || !scheme_ok(s, n))
		return 0;
	return n;
}

/* Path, query and fragment from s into uri. */
static int
rest_parse(struct evhttp_uri *uri, const char *s)
{
	size_t plen = strcspn(s, "?#"), qlen;
	const char *q;

	if (!path_ok(s, plen, uri->flags) || take(&uri->path, s, plen) < 0)
		return -1;
	q = s + plen;
	if (*q == '?') {
		q++;
		qlen = strcspn(q, "#");
		if (!query_ok(q, qlen, uri->flags) ||
		    take(&uri->query, q, qlen) < 0)
			return -1;
		q += qlen;
	}
	if (*q == '#') {
		q++;
		if (!query_ok(q, strlen(q), uri->flags) ||
		    take(&uri->fragment, q, strlen(q)) < 0)
			return -1;
	}
	return 0;
}

struct evhttp_uri *
evhttp_uri_parse_with_flags(const char *source_uri, unsigned flags)
{
	struct evhttp_uri *uri;
	const char *s = source_uri;
	size_t n;

	if (source_uri == NULL || (uri = evhttp_uri_new()) == NULL)
		return NULL;
	uri->flags = flags;
	if ((n = scheme_len(s)) > 0) {
		if (take(&uri->scheme, s, n) < 0)
			goto fail;
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		s += 2;
		n = strcspn(s, "/?#");
		if (authority_parse(uri, s, n) < 0)
			goto fail;
		s += n;
	}
	/* A relative path's first segment holds no ':' (RFC 3986 4.2). */
	if (uri->scheme == NULL && uri->host == NULL &&
	    memchr(s, ':', strcspn(s, "/?#")) != NULL)
		goto fail;
	if (rest_parse(uri, s) < 0)
		goto fail;
	return uri;
fail:
	evhttp_uri_free(uri);
	return NULL;
}

struct evhttp_uri *
evhttp_uri_parse(const char *source_uri)
{
	return evhttp_uri_parse_with_flags(source_uri, 0);
}

/* ------------------------------------------------------------------ */
/* Components                                                          */

const char *
evhttp_uri_get_scheme(const struct evhttp_uri *uri)
{
	return uri->scheme;
}

const char *
evhttp_uri_get_userinfo(const struct evhttp_uri *uri)
{
	return uri->userinfo;
}

const char *
evhttp_uri_get_host(const struct evhttp_uri *uri)
{
	return uri->host;
}

int
evhttp_uri_get_port(const struct evhttp_uri *uri)
{
	return uri->port;
}

const char *
evhttp_uri_get_path(const struct evhttp_uri *uri)
{
	return uri->path;
}

const char *
evhttp_uri_get_query(const struct evhttp_uri *uri)
{
	return uri->query;
}

const char *
evhttp_uri_get_fragment(const struct evhttp_uri *uri)
{
	return uri->fragment;
}

/* Replace *field with a copy of value (NULL clears) if ok says so. */
static int
set_field(char **field, const char *value, int ok)
{
	char *copy = NULL;

	if (!ok)
		return -1;
	if (value != NULL && (copy = mm_strdup(value)) == NULL)
		return -1;
	mm_free(*field);
	*field = copy;
	return 0;
}

int
evhttp_uri_set_scheme(struct evhttp_uri *uri, const char *scheme)
{
	return set_field(&uri->scheme, scheme,
	    scheme == NULL || scheme_ok(scheme, strlen(scheme)));
}

int
evhttp_uri_set_userinfo(struct evhttp_uri *uri, const char *userinfo)
{
	return set_field(&uri->userinfo, userinfo, userinfo == NULL ||
	    component_ok(userinfo, strlen(userinfo), ":", 0, ""));
}

int
evhttp_uri_set_host(struct evhttp_uri *uri, const char *host)
{
	return set_field(&uri->host, host,
	    host == NULL || host_ok(host, strlen(host)));
}

int
evhttp_uri_set_port(struct evhttp_uri *uri, int port)
{
	if (port < -1 || port > 65535)
		return -1;
	uri->port = port;
	return 0;
}

int
evhttp_uri_set_path(struct evhttp_uri *uri, const char *path)
{
	return set_field(&uri->path, path,
	    path == NULL || path_ok(path, strlen(path), uri->flags));
}

int
evhttp_uri_set_query(struct evhttp_uri *uri, const char *query)
{
	return set_field(&uri->query, query,
	    query == NULL || query_ok(query, strlen(query), uri->flags));
}

int
evhttp_uri_set_fragment(struct evhttp_uri *uri, const char *fragment)
{
	return set_field(&uri->fragment, fragment, fragment == NULL ||
	    query_ok(fragment, strlen(fragment), uri->flags));
}

/* Append s to buf[0..limit) at *len; -1 when it does not fit. */
static int
put(char *buf, size_t limit, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n >= limit - *len)
		return -1;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/*
 * The URI as text in buf (limit bytes with the NUL); NULL when it does
 * not fit, or when a path that does not start with '/' follows an
 * authority (the text would mean another URI).
 */
char *
evhttp_uri_join(struct evhttp_uri *uri, char *buf, size_t limit)
{
	char port[16];		/* ":" and up to 10 digits */
	size_t len = 0;
	int r = 0;

	if (uri == NULL || buf == NULL || limit == 0)
		return NULL;
	buf[0] = '\0';
	if (uri->host != NULL && uri->path != NULL && uri->path[0] != '\0' &&
	    uri->path[0] != '/')
		return NULL;
	if (uri->scheme != NULL)
		r |= put(buf, limit, &len, uri->scheme) |
		    put(buf, limit, &len, ":");
	if (uri->host != NULL) {
		r |= put(buf, limit, &len, "//");
		if (uri->userinfo != NULL)
			r |= put(buf, limit, &len, uri->userinfo) |
			    put(buf, limit, &len, "@");
		r |= put(buf, limit, &len, uri->host);
		if (uri->port >= 0) {
			snprintf(port, sizeof(port), ":%d", uri->port);
			r |= put(buf, limit, &len, port);
		}
	}
	if (uri->path != NULL)
		r |= put(buf, limit, &len, uri->path);
	if (uri->query != NULL)
		r |= put(buf, limit, &len, "?") |
		    put(buf, limit, &len, uri->query);
	if (uri->fragment != NULL)
		r |= put(buf, limit, &len, "#") |
		    put(buf, limit, &len, uri->fragment);
	return r == 0 ? buf : NULL;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

/*
 * str[0..size) (size < 0: up to its NUL) with every byte but ALPHA,
 * DIGIT, "-", ".", "_", "~" as %XX; a space as '+' with space_to_plus.
 */
char *
evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, i;
	char *out, *q;

	if (str == NULL)
		return NULL;
	len = size < 0 ? strlen(str) : (size_t)size;
	if (len > (SIZE_MAX - 1) / 3 || (out = mm_malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (q = out, i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if (is_alpha(c) || is_digit(c) ||
		    (c != '\0' && strchr(CH_UNRESERVED, c) != NULL)) {
			*q++ = (char)c;
		} else if (c == ' ' && space_to_plus) {
			*q++ = '+';
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
 * uri with %XX decoded (an escape without two hex digits stays as it
 * is) and, with decode_plus, '+' as a space.  The length (which a
 * decoded NUL makes differ from strlen) in *size_out.
 */
char *
evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out)
{
	size_t len, i, j = 0;
	char *out;
	int hi, lo;

	if (uri == NULL || (len = strlen(uri)) == SIZE_MAX ||
	    (out = mm_malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c == '+' && decode_plus) {
			out[j++] = ' ';
		} else if (c == '%' && i + 2 < len &&
		    (hi = http_hexval_((unsigned char)uri[i + 1])) >= 0 &&
		    (lo = http_hexval_((unsigned char)uri[i + 2])) >= 0) {
			out[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[j++] = (char)c;
		}
	}
	out[j] = '\0';
	if (size_out != NULL)
		*size_out = j;
	return out;
}

/* Decode key and value and append them to headers; -1 without memory. */
static int
query_add(struct evkeyvalq *headers, const char *key,
    const char *value)
{
	char *k, *v;
	size_t vlen;
	int r = -1;

	k = evhttp_uridecode(key, 1, NULL);
	v = evhttp_uridecode(value, 1, &vlen);
	if (k != NULL && v != NULL)
		r = http_header_add_raw_(headers, k, strlen(k), v, vlen);
	mm_free(k);
	mm_free(v);
	return r;
}

/*
 * A query part ("a=1&b=2", no '?') into headers: keys and values
 * decoded, '+' as a space.  -1, with headers emptied, when a piece has
 * no '=' or an empty key, or without memory (as 2.1).
 */
int
evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers)
{
	const char *p = uri, *end, *eq;
	char *key = NULL, *value = NULL;

	if (headers == NULL)
		return -1;
	TAILQ_INIT(headers);
	if (uri == NULL)
		return -1;
	for (; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p ||
		    (key = mm_strndup(p, (size_t)(eq - p))) == NULL ||
		    (value = mm_strndup(eq + 1, (size_t)(end - eq - 1))) ==
		    NULL)
			goto fail;
		if (query_add(headers, key, value) < 0)
			goto fail;
		mm_free(key);
		mm_free(value);
		key = value = NULL;
	}
	return 0;
fail:
	mm_free(key);
	mm_free(value);
	evhttp_clear_headers(headers);
	return -1;
}
