/*
 * event2/http.h -- embedded HTTP, libevent 2.x API: so far the URI object
 * and the encoding helpers.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * Not here yet (docs/COMPAT.md, "Where tier 2 stands"): the server and
 * client calls of 2.x (request accessors, bound sockets with handles,
 * allowed methods, virtual hosts, evhttp_connection_base_new, ...).
 * The 1.4 calls are in <evhttp.h>.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_
#define EVENT2_HTTP_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evkeyvalq;

/*
 * A URI split into its raw components (RFC 3986; nothing is decoded):
 * scheme, userinfo, host (an IPv6 address keeps its brackets), port (-1
 * when absent), path ("" when empty), query and fragment (NULL when
 * absent).
 */
struct evhttp_uri;

/* Accept any byte but NUL in the path, query and fragment (the '?' and
 * '#' that separate them excepted), for clients that send such URIs. */
#define EVHTTP_URI_NONCONFORMANT 0x01

/* An empty URI (port -1); NULL without memory. */
struct evhttp_uri *evhttp_uri_new(void);
/* EVHTTP_URI_* flags for the setters that follow. */
void evhttp_uri_set_flags(struct evhttp_uri *uri, unsigned flags);

const char *evhttp_uri_get_scheme(const struct evhttp_uri *uri);
const char *evhttp_uri_get_userinfo(const struct evhttp_uri *uri);
const char *evhttp_uri_get_host(const struct evhttp_uri *uri);
int evhttp_uri_get_port(const struct evhttp_uri *uri);
const char *evhttp_uri_get_path(const struct evhttp_uri *uri);
const char *evhttp_uri_get_query(const struct evhttp_uri *uri);
const char *evhttp_uri_get_fragment(const struct evhttp_uri *uri);

/*
 * Set a component to a copy of the text (NULL: none), checked by the
 * parser's rules; port: -1 (none) to 65535.  0, or -1 (unchanged) for a
 * value the component cannot hold or no memory.
 */
int evhttp_uri_set_scheme(struct evhttp_uri *uri, const char *scheme);
int evhttp_uri_set_userinfo(struct evhttp_uri *uri, const char *userinfo);
int evhttp_uri_set_host(struct evhttp_uri *uri, const char *host);
int evhttp_uri_set_port(struct evhttp_uri *uri, int port);
int evhttp_uri_set_path(struct evhttp_uri *uri, const char *path);
int evhttp_uri_set_query(struct evhttp_uri *uri, const char *query);
int evhttp_uri_set_fragment(struct evhttp_uri *uri, const char *fragment);

/* Parse an absolute URI or a relative reference; NULL if it is not one
 * (see the rules at the top of http_uri.c) or without memory. */
struct evhttp_uri *evhttp_uri_parse_with_flags(const char *source_uri,
    unsigned flags);
struct evhttp_uri *evhttp_uri_parse(const char *source_uri);

void evhttp_uri_free(struct evhttp_uri *uri);

/* The URI as text into buf (limit bytes with the NUL): buf, or NULL if
 * it does not fit or the components do not make a URI. */
char *evhttp_uri_join(struct evhttp_uri *uri, char *buf, size_t limit);

/*
 * A malloc'd copy of str[0..size) (size -1: its whole length) with every
 * byte but ALPHA, DIGIT, "-", ".", "_" and "~" as %XX (a space as '+'
 * with space_to_plus).  NULL without memory.
 */
char *evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus);

/* A malloc'd copy of uri with %XX decoded ('+' as a space with
 * decode_plus); its length, NULs included, in *size_out if not NULL. */
char *evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out);

/*
 * Parse a query ("a=1&b=2", without the '?') into headers, keys and
 * values decoded.  0, or -1 with headers empty for a piece without '='
 * or with an empty key.
 */
int evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_H_INCLUDED_ */
