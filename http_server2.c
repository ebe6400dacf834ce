/*
 * http_server2.c -- the libevent 2.x server settings and listeners
 * (event2/http.h): bound sockets with handles, an evconnlistener as a
 * listener, timeouts as timevals, the default Content-Type, the server
 * flags; with them the 1.4 bind and accept calls, which are the same
 * minus the handle.  Accepting itself is http_server.c's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"	/* after evhttp.h: the 1.4 view */
#include "event2/listener.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

int
evhttp_accept_socket(struct evhttp *http, int fd)
{
	return server_accept_socket_(http, fd) != NULL ? 0 : -1;
}

struct evhttp_bound_socket *
evhttp_accept_socket_with_handle(struct evhttp *http, evutil_socket_t fd)
{
	return server_accept_socket_(http, fd);
}

int
evhttp_bind_socket(struct evhttp *http, const char *address,
    unsigned short port)
{
	return server_bind_socket_(http, address, port) != NULL ? 0 : -1;
}

struct evhttp_bound_socket *
evhttp_bind_socket_with_handle(struct evhttp *http, const char *address,
    ev_uint16_t port)
{
	return server_bind_socket_(http, address, port);
}

/* A connection the listener accepted: the server's from now on. */
static void
listener_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct evhttp_bound_socket *bound = arg;

	(void)lev;
	evhttp_get_request(bound->http, fd, sa, (socklen_t)socklen);
}

struct evhttp_bound_socket *
evhttp_bind_listener(struct evhttp *http, struct evconnlistener *listener)
{
	struct evhttp_bound_socket *bound;

	if (http == NULL || listener == NULL)
		return NULL;
	if ((bound = mm_calloc(1, sizeof(*bound))) == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	bound->fd = evconnlistener_get_fd(listener);
	bound->http = http;
	bound->listener = listener;
	evconnlistener_set_cb(listener, listener_cb, bound);
	TAILQ_INSERT_TAIL(&http->sockets, bound, next);
	return bound;
}

evutil_socket_t
evhttp_bound_socket_get_fd(struct evhttp_bound_socket *bound)
{
	return bound->fd;
}

struct evconnlistener *
evhttp_bound_socket_get_listener(struct evhttp_bound_socket *bound)
{
	return bound->listener;
}

/*
 * Stop listening: the socket closes (a listener is freed, which closes
 * it if it was made with LEV_OPT_CLOSE_ON_FREE).  The connections it
 * accepted go on.
 */
void
server_bound_free_(struct evhttp_bound_socket *bound)
{
	if (bound->listener != NULL) {
		evconnlistener_free(bound->listener);
	} else {
		event_del(&bound->ev);
		event_del(&bound->ev_pause);
		EVUTIL_CLOSESOCKET(bound->fd);
	}
	mm_free(bound);
}

void
evhttp_del_accept_socket(struct evhttp *http,
    struct evhttp_bound_socket *bound)
{
	struct evhttp_bound_socket *b;

	if (http == NULL)
		return;
	TAILQ_FOREACH(b, &http->sockets, next) {
		if (b == bound)
			break;
	}
	if (b == NULL) {
		event_warnx("%s: not one of this server's sockets", __func__);
		return;
	}
	TAILQ_REMOVE(&http->sockets, bound, next);
	server_bound_free_(bound);
}

void
evhttp_foreach_bound_socket(struct evhttp *http,
    evhttp_bound_socket_foreach_fn *function, void *argument)
{
	struct evhttp_bound_socket *b, *next;

	if (http == NULL || function == NULL)
		return;
	/* The function may delete the socket it is given. */
	for (b = TAILQ_FIRST(&http->sockets); b != NULL; b = next) {
		next = TAILQ_NEXT(b, next);
		(*function)(b, argument);
	}
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */

/* Split tv into whole seconds and microseconds; NULL: the defaults. */
static int
timeout_from_tv(const struct timeval *tv, int *secs, int *usecs)
{
	if (tv == NULL) {
		*secs = -1;
		*usecs = 0;
		return 0;
	}
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000 ||
	    tv->tv_sec > 0x7fffffff) {
		event_warnx("evhttp: timeout %ld s %ld us out of range",
		    (long)tv->tv_sec, (long)tv->tv_usec);
		return -1;
	}
	*secs = (int)tv->tv_sec;
	*usecs = (int)tv->tv_usec;
	return 0;
}

void
evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv)
{
	int secs, usecs;

	if (http != NULL && timeout_from_tv(tv, &secs, &usecs) == 0) {
		http->timeout = secs;
		http->timeout_us = usecs;
	}
}

void
evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
    const struct timeval *tv)
{
	int secs, usecs;

	if (evcon != NULL && timeout_from_tv(tv, &secs, &usecs) == 0) {
		evcon->timeout = secs;
		evcon->timeout_us = usecs;
	}
}

void
evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
    const struct timeval *tv)
{
	int secs, usecs;

	if (evcon == NULL)
		return;
	if (tv == NULL) {
		memset(&evcon->retry_tv, 0, sizeof(evcon->retry_tv));
	} else if (timeout_from_tv(tv, &secs, &usecs) == 0) {
		evcon->retry_tv.tv_sec = secs;
		evcon->retry_tv.tv_usec = usecs;
	}
}

void
evhttp_set_default_content_type(struct evhttp *http,
    const char *content_type)
{
	char *ct = NULL;

	if (http == NULL)
		return;
	if (content_type != NULL) {
		if (!http_reason_is_safe_(content_type) ||
		    (ct = mm_strdup(content_type)) == NULL) {
			event_warnx("%s: refused (control bytes or no memory)",
			    __func__);
			return;
		}
	}
	mm_free(http->default_ctype);
	http->default_ctype = ct;
	http->ctype_set = 1;
}

int
evhttp_set_flags(struct evhttp *http, int flags)
{
	if (http == NULL || (flags & ~EVHTTP_SERVER_LINGERING_CLOSE))
		return -1;
	http->flags = flags;
	return 0;
}
