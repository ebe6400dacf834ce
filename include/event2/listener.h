/*
 * event2/listener.h -- accepting connections: libevent 2.x's evconnlistener.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * An evconnlistener watches a listening socket and, whenever connections
 * are waiting, accepts each of them and hands it to a callback together
 * with the peer's address.  The accepted sockets are nonblocking unless
 * LEV_OPT_LEAVE_SOCKETS_BLOCKING is given.
 */
#ifndef EVENT2_LISTENER_H_INCLUDED_
#define EVENT2_LISTENER_H_INCLUDED_

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct event_base;
struct evconnlistener;

/*
 * A new connection: its socket (now the program's), the peer's address
 * (valid during the call only) and its length, and the argument given to
 * the listener.
 */
typedef void (*evconnlistener_cb)(struct evconnlistener *,
    evutil_socket_t, struct sockaddr *, int socklen, void *);

/* accept() failed for a reason other than "nothing waiting" (errno says
 * why; EMFILE, say).  The listener stays enabled. */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *, void *);

/* Accepted sockets stay blocking (the listening one never does). */
#define LEV_OPT_LEAVE_SOCKETS_BLOCKING	(1u << 0)
/* Close the listening socket when the listener is freed. */
#define LEV_OPT_CLOSE_ON_FREE		(1u << 1)
/* Listening and accepted sockets are close-on-exec. */
#define LEV_OPT_CLOSE_ON_EXEC		(1u << 2)
/* evconnlistener_new_bind(): SO_REUSEADDR, so the port can be bound
 * again at once after the listener is closed. */
#define LEV_OPT_REUSEABLE		(1u << 3)
/* Lock the listener (needs the thread callbacks of event2/thread.h). */
#define LEV_OPT_THREADSAFE		(1u << 4)
/* Start disabled; evconnlistener_enable() starts accepting. */
#define LEV_OPT_DISABLED		(1u << 5)
/* evconnlistener_new_bind(): wake up only once a client has sent data
 * (TCP_DEFER_ACCEPT on Linux; ignored where there is none). */
#define LEV_OPT_DEFERRED_ACCEPT		(1u << 6)
/* evconnlistener_new_bind(): SO_REUSEPORT, so several sockets may listen
 * on one port. */
#define LEV_OPT_REUSEABLE_PORT		(1u << 7)
/* evconnlistener_new_bind() with an IPv6 address: IPv6 connections only. */
#define LEV_OPT_BIND_IPV6ONLY		(1u << 8)

/*
 * A listener on fd, a bound stream socket (made nonblocking here).
 * backlog > 0: listen(fd, backlog); negative: listen() with a default;
 * 0: fd is listening already.  With cb NULL the listener accepts nothing
 * until evconnlistener_set_cb() gives it a callback.  NULL on failure (a
 * bad fd, listen() failing, no memory); fd is then not closed.
 */
struct evconnlistener *evconnlistener_new(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    evutil_socket_t fd);

/*
 * The same on a new stream socket bound to sa (port 0: any free port; see
 * evconnlistener_get_fd() and getsockname()).  The socket is closed when
 * the listener is freed.  NULL on failure.
 */
struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    const struct sockaddr *sa, int socklen);

/* Stop and free the listener; may be called from its own callbacks. */
void evconnlistener_free(struct evconnlistener *lev);

/* Start and stop accepting.  0, or -1 when the loop refused the fd. */
int evconnlistener_enable(struct evconnlistener *lev);
int evconnlistener_disable(struct evconnlistener *lev);

/* The base and the listening socket. */
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);

/*
 * Replace the callback and its argument.  NULL stops accepting (the
 * connections wait in the kernel's queue) until a callback is set again.
 */
void evconnlistener_set_cb(struct evconnlistener *lev,
    evconnlistener_cb cb, void *arg);

/* Set the error callback (NULL: errors are logged). */
void evconnlistener_set_error_cb(struct evconnlistener *lev,
    evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_LISTENER_H_INCLUDED_ */
