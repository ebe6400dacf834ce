/*
 * http_vhost.c -- virtual hosts and server aliases (event2/http.h).
 *
 * A virtual host is an evhttp of its own, without listeners, attached
 * to a server under a pattern ('*' any run of characters, '?' one; case
 * is ignored).  A request whose host (evhttp_request_get_host: the URI's
 * host, else the Host header without its port) is one of the server's
 * aliases is served by the server's own callbacks; else the first
 * virtual host whose pattern or one of whose aliases matches serves it
 * (searched depth first, so virtual hosts may have their own); else the
 * server's callbacks do.  Only the callbacks come from the virtual host:
 * limits, timeouts and methods stay the listening server's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"	/* after evhttp.h: the 1.4 view */
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

struct http_alias {
	TAILQ_ENTRY(http_alias) next;
	char *name;
};

/* Does s match pattern ('*', '?'; case ignored)? */
static int
host_match(const char *pattern, const char *s)
{
	for (; *pattern != '\0'; pattern++, s++) {
		if (*pattern == '*') {
			while (pattern[1] == '*')
				pattern++;
			if (pattern[1] == '\0')
				return 1;
			for (; *s != '\0'; s++) {
				if (host_match(pattern + 1, s))
					return 1;
			}
			return 0;
		}
		if (*s == '\0')
			return 0;
		if (*pattern != '?' && tolower((unsigned char)*pattern) !=
		    tolower((unsigned char)*s))
			return 0;
	}
	return *s == '\0';
}

static int
is_alias(const struct evhttp *http, const char *host)
{
	const struct http_alias *a;

	TAILQ_FOREACH(a, &http->aliases, next) {
		if (strcasecmp(a->name, host) == 0)
			return 1;
	}
	return 0;
}

/* The virtual host of http (at any depth) that host names; NULL if none. */
static struct evhttp *
find_vhost(struct evhttp *http, const char *host)
{
	struct evhttp *v, *found;

	TAILQ_FOREACH(v, &http->vhosts, next_vhost) {
		if (host_match(v->vhost_pattern, host) || is_alias(v, host))
			return v;
		if ((found = find_vhost(v, host)) != NULL)
			return found;
	}
	return NULL;
}

struct evhttp *
server_pick_host_(struct evhttp *http, struct evhttp_request *req)
{
	const char *host;
	struct evhttp *v;

	host = evhttp_request_get_host(req);
	if (host == NULL || is_alias(http, host))
		return http;
	v = find_vhost(http, host);
	return v != NULL ? v : http;
}

int
evhttp_add_virtual_host(struct evhttp *http, const char *pattern,
    struct evhttp *vhost)
{
	char *p;

	if (http == NULL || pattern == NULL || vhost == NULL ||
	    vhost == http || vhost->parent != NULL ||
	    !TAILQ_EMPTY(&vhost->sockets)) {
		event_warnx("%s: a virtual host is a server of its own, "
		    "without listeners, under one server", __func__);
		return -1;
	}
	if ((p = mm_strdup(pattern)) == NULL)
		return -1;
	vhost->vhost_pattern = p;
	vhost->parent = http;
	TAILQ_INSERT_TAIL(&http->vhosts, vhost, next_vhost);
	return 0;
}

int
evhttp_remove_virtual_host(struct evhttp *http, struct evhttp *vhost)
{
	if (http == NULL || vhost == NULL || vhost->parent != http)
		return -1;
	TAILQ_REMOVE(&http->vhosts, vhost, next_vhost);
	vhost->parent = NULL;
	mm_free(vhost->vhost_pattern);
	vhost->vhost_pattern = NULL;
	return 0;
}

int
evhttp_add_server_alias(struct evhttp *http, const char *alias)
{
	struct http_alias *a;

	if (http == NULL || alias == NULL)
		return -1;
	if ((a = mm_calloc(1, sizeof(*a))) == NULL)
		return -1;
	if ((a->name = mm_strdup(alias)) == NULL) {
		mm_free(a);
		return -1;
	}
	TAILQ_INSERT_TAIL(&http->aliases, a, next);
	return 0;
}

int
evhttp_remove_server_alias(struct evhttp *http, const char *alias)
{
	struct http_alias *a;

	if (http == NULL || alias == NULL)
		return -1;
	TAILQ_FOREACH(a, &http->aliases, next) {
		if (strcasecmp(a->name, alias) == 0) {
			TAILQ_REMOVE(&http->aliases, a, next);
			mm_free(a->name);
			mm_free(a);
			return 0;
		}
	}
	return -1;
}

void
server_vhosts_free_(struct evhttp *http)
{
	struct evhttp *v;
	struct http_alias *a;

	if (http->parent != NULL)
		evhttp_remove_virtual_host(http->parent, http);
	/* A server frees its virtual hosts with it (as 2.1). */
	while ((v = TAILQ_FIRST(&http->vhosts)) != NULL) {
		evhttp_remove_virtual_host(http, v);
		evhttp_free(v);
	}
	while ((a = TAILQ_FIRST(&http->aliases)) != NULL) {
		TAILQ_REMOVE(&http->aliases, a, next);
		mm_free(a->name);
		mm_free(a);
	}
}
