/*
 * listener.c -- evconnlistener: accept connections on a listening socket
 * and hand each one to a callback.
 *
 * One persistent read event on the listening socket.  When it fires, we
 * accept until the kernel has no more connections waiting (the socket is
 * always nonblocking), passing each new socket to the callback; accept4()
 * gives it its flags in the same call.  The callback may disable or free
 * the listener: a reference held around the loop keeps the memory, and the
 * loop stops as soon as the listener is no longer enabled.  Transient
 * accept() failures (the peer gave up, a signal) are retried silently;
 * others go to the error callback, or to the log.  At most
 * LISTENER_BATCH connections are taken per wake-up, so one busy listener
 * cannot starve the other events; when the process runs out of fds or
 * memory, accepting pauses for LISTENER_RETRY_MS instead of spinning on a
 * connection it cannot take.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4() */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evbuffer-internal.h"	/* first: the 2.x declarations */
#include <event2/event.h>	/* EV_FINALIZE, event_del_block() */
#include <event2/listener.h>
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* listen() backlog when the program asks for "a reasonable default". */
#define LISTENER_DEFAULT_BACKLOG	128
#define LISTENER_BATCH			64
#define LISTENER_RETRY_MS		250

struct evconnlistener {
	struct event listener;		/* EV_READ|EV_PERSIST on fd */
	struct event retry;		/* pause after EMFILE and the like */
	struct event_base *base;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	void *user_data;
	unsigned flags;			/* LEV_OPT_* */
	int refcnt;			/* the program's, a running loop's */
	int enabled;			/* wanted by the program */
	int freed;			/* evconnlistener_free() was called */
	void *lock;
};

static void
listener_lock(struct evconnlistener *lev)
{
	evbuffer_lock_acquire_(lev->lock);
}

static void
listener_unlock(struct evconnlistener *lev)
{
	evbuffer_lock_release_(lev->lock);
}

/* Drop a reference (and the lock); the last one frees.  1 when freed. */
static int
listener_decref_and_unlock(struct evconnlistener *lev)
{
	void *lock = lev->lock;

	if (--lev->refcnt > 0) {
		listener_unlock(lev);
		return 0;
	}
	event_del(&lev->listener);
	event_del(&lev->retry);
	if (lev->flags & LEV_OPT_CLOSE_ON_FREE)
		EVUTIL_CLOSESOCKET(EVENT_FD(&lev->listener));
	listener_unlock(lev);
	evbuffer_lock_free_(lock);
	mm_free(lev);
	return 1;
}

/* The event is added while the program wants it and there is a callback;
 * without one, connections wait in the kernel's queue.  Any change ends
 * a pause. */
static int
listener_sync(struct evconnlistener *lev)
{
	event_del(&lev->retry);
	if (lev->enabled && lev->cb != NULL && !lev->freed)
		return event_add(&lev->listener, NULL);
	return event_del(&lev->listener);
}

/* Accept errors that only mean "that connection is gone". */
static int
listener_transient(int err)
{
	return EVUTIL_ERR_IS_EINTR(err) || EVUTIL_ERR_IS_ABORTED(err) ||
	    err == EPROTO;
}

/* Errors that will repeat until fds or memory are freed. */
static int
listener_exhausted(int err)
{
	return EVUTIL_ERR_IS_NOFD(err);
}

/* One connection, with the flags the listener promises; -1 and errno. */
static int
listener_accept(struct evconnlistener *lev, int fd, struct sockaddr *sa,
    socklen_t *len)
{
	int nfd;
#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
	int flags = 0;

	if (!(lev->flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		flags |= SOCK_NONBLOCK;
	if (lev->flags & LEV_OPT_CLOSE_ON_EXEC)
		flags |= SOCK_CLOEXEC;
	nfd = accept4(fd, sa, len, flags);
#else
	nfd = accept(fd, sa, len);
	if (nfd != -1 && !(lev->flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		(void)evutil_make_socket_nonblocking(nfd);
	if (nfd != -1 && (lev->flags & LEV_OPT_CLOSE_ON_EXEC))
		(void)evutil_make_socket_closeonexec(nfd);
#endif
	return nfd;
}

/* Report an accept() failure; pause when it would only repeat. */
static void
listener_failed(struct evconnlistener *lev, int fd, int err)
{
	struct timeval tv = { 0, LISTENER_RETRY_MS * 1000 };

	if (lev->errorcb != NULL) {
		listener_unlock(lev);
		EVUTIL_SET_SOCKET_ERROR(err);
		(*lev->errorcb)(lev, lev->user_data);
		listener_lock(lev);
	} else {
		errno = err;
		event_warn("evconnlistener: accept() on fd %d", fd);
	}
	if (listener_exhausted(err) && lev->enabled && !lev->freed) {
		event_del(&lev->listener);
		event_add(&lev->retry, &tv);
	}
}

static void
listener_read_cb(int fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;
	struct sockaddr_storage ss;
	socklen_t len;
	int nfd, n;

	(void)what;
	listener_lock(lev);
	lev->refcnt++;
	for (n = 0; n < LISTENER_BATCH; n++) {
		if (!lev->enabled || lev->cb == NULL || lev->freed)
			break;
		len = sizeof(ss);
		nfd = listener_accept(lev, fd, (struct sockaddr *)&ss, &len);
		if (nfd == -1) {
			int e = EVUTIL_SOCKET_ERROR();

			if (listener_transient(e))
				continue;
			if (EVUTIL_ERR_RW_RETRIABLE(e))
				break;
			listener_failed(lev, fd, e);
			break;
		}
		listener_unlock(lev);
		(*lev->cb)(lev, nfd, (struct sockaddr *)&ss, (int)len,
		    lev->user_data);
		listener_lock(lev);
	}
	(void)listener_decref_and_unlock(lev);
}

/* The pause is over: listen again if still wanted. */
static void
listener_retry_cb(int fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;

	(void)fd;
	(void)what;
	listener_lock(lev);
	(void)listener_sync(lev);
	listener_unlock(lev);
}

struct evconnlistener *
evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *ptr,
    unsigned flags, int backlog, evutil_socket_t fd)
{
	struct evconnlistener *lev;

	if (base == NULL || fd < 0 || !evutil_fd_is_open_(fd)) {
		errno = base == NULL ? EINVAL : EBADF;
		return NULL;
	}
	if (backlog != 0 &&
	    listen(fd, backlog > 0 ? backlog : LISTENER_DEFAULT_BACKLOG) == -1)
		return NULL;
	if (evutil_make_socket_nonblocking(fd) == -1)
		return NULL;
	if ((flags & LEV_OPT_CLOSE_ON_EXEC) &&
	    evutil_make_socket_closeonexec(fd) == -1)
		return NULL;
	if ((lev = mm_calloc(1, sizeof(*lev))) == NULL)
		return NULL;
	lev->base = base;
	lev->cb = cb;
	lev->user_data = ptr;
	lev->flags = flags;
	lev->refcnt = 1;
	lev->enabled = !(flags & LEV_OPT_DISABLED);
	if (flags & LEV_OPT_THREADSAFE)
		lev->lock = evbuffer_lock_new_();
	/* Deleted with the lock held: EV_FINALIZE, so that a deletion never
	 * waits for a running handler, which waits for the lock (see
	 * evconnlistener_free()). */
	event_set(&lev->listener, fd, EV_READ | EV_PERSIST | EV_FINALIZE,
	    listener_read_cb, lev);
	event_base_set(base, &lev->listener);
	event_set(&lev->retry, -1, EV_FINALIZE, listener_retry_cb, lev);
	event_base_set(base, &lev->retry);
	if (listener_sync(lev) == -1) {
		evbuffer_lock_free_(lev->lock);
		mm_free(lev);
		return NULL;
	}
	return lev;
}

/* The socket options evconnlistener_new_bind() sets before bind(). */
static int
listener_set_options(evutil_socket_t fd, int family, unsigned flags)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		return -1;
#ifndef _WIN32	/* (Windows: it would let another socket take the port.) */
	if ((flags & LEV_OPT_REUSEABLE) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return -1;
#endif
#ifdef SO_REUSEPORT
	if ((flags & LEV_OPT_REUSEABLE_PORT) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		return -1;
#endif
#ifdef TCP_DEFER_ACCEPT
	if ((flags & LEV_OPT_DEFERRED_ACCEPT) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on,
	    sizeof(on)) == -1)
		return -1;
#endif
	if ((flags & LEV_OPT_BIND_IPV6ONLY) && family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		return -1;
	return 0;
}

struct evconnlistener *
evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb,
    void *ptr, unsigned flags, int backlog, const struct sockaddr *sa,
    int socklen)
{
	struct evconnlistener *lev;
	evutil_socket_t fd;
	int err;

	if (base == NULL || sa == NULL || socklen <= 0) {
		errno = EINVAL;
		return NULL;
	}
	/* evconnlistener_new() makes it nonblocking and close-on-exec. */
	if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) == -1)
		return NULL;
	if (listener_set_options(fd, sa->sa_family, flags) == -1 ||
	    bind(fd, sa, (socklen_t)socklen) == -1)
		goto fail;
	/* The socket is ours: it goes with the listener. */
	lev = evconnlistener_new(base, cb, ptr, flags | LEV_OPT_CLOSE_ON_FREE,
	    backlog, fd);
	if (lev != NULL)
		return lev;
fail:
	err = EVUTIL_SOCKET_ERROR();
	EVUTIL_CLOSESOCKET(fd);
	EVUTIL_SET_SOCKET_ERROR(err);
	return NULL;
}

void
evconnlistener_free(struct evconnlistener *lev)
{
	if (lev == NULL)
		return;
	listener_lock(lev);
	if (lev->freed) {
		listener_unlock(lev);
		return;
	}
	lev->freed = 1;
	event_del(&lev->listener);
	event_del(&lev->retry);
	if (lev->lock != NULL) {
		/* A handler the loop of another thread runs now may wait for
		 * the lock: let it finish (none starts later), then drop the
		 * program's reference. */
		listener_unlock(lev);
		(void)event_del_block(&lev->listener);
		(void)event_del_block(&lev->retry);
		listener_lock(lev);
	}
	(void)listener_decref_and_unlock(lev);
}

static int
listener_set_enabled(struct evconnlistener *lev, int on)
{
	int res;

	listener_lock(lev);
	lev->enabled = on;
	res = listener_sync(lev);
	listener_unlock(lev);
	return res;
}

int
evconnlistener_enable(struct evconnlistener *lev)
{
	return listener_set_enabled(lev, 1);
}

int
evconnlistener_disable(struct evconnlistener *lev)
{
	return listener_set_enabled(lev, 0);
}

struct event_base *
evconnlistener_get_base(struct evconnlistener *lev)
{
	return lev->base;
}

evutil_socket_t
evconnlistener_get_fd(struct evconnlistener *lev)
{
	return EVENT_FD(&lev->listener);
}

void
evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
    void *arg)
{
	listener_lock(lev);
	lev->cb = cb;
	lev->user_data = arg;
	(void)listener_sync(lev);
	listener_unlock(lev);
}

void
evconnlistener_set_error_cb(struct evconnlistener *lev,
    evconnlistener_errorcb errorcb)
{
	listener_lock(lev);
	lev->errorcb = errorcb;
	listener_unlock(lev);
}
