/*
 * test/regress_listener.c -- evconnlistener (event2/listener.h), and a
 * whole program mixing both APIs on one event_base: a 2.x echo server
 * (listener + socket bufferevents) and 1.4 bufferevent clients.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include <event2/listener.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include "regress.h"
#include "regress_util.h"

/* What the accept callback saw. */
static struct {
	int naccepted;
	int fd;			/* the last accepted socket */
	int family, socklen;
	void *arg;
	int nonblocking, cloexec;
	int nerrors, error_errno;
	int free_in_cb;		/* the callback frees the listener */
	int keep;		/* keep the accepted sockets open */
} L;

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	L.naccepted++;
	L.fd = fd;
	L.family = sa->sa_family;
	L.socklen = socklen;
	L.arg = arg;
	L.nonblocking = regress_nonblocking(fd);
	L.cloexec = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
	if (!L.keep)
		close(fd);
	if (L.free_in_cb)
		evconnlistener_free(lev);
}

static void
error_cb(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	tt_str_op(arg, ==, "arg");
	L.nerrors++;
	L.error_errno = EVUTIL_SOCKET_ERROR();	/* (Windows: not errno) */
}

/* The listener's address. */
static void
bound_addr(struct evconnlistener *lev, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);

	tt_int_op(getsockname(evconnlistener_get_fd(lev),
	    (struct sockaddr *)sin, &len), ==, 0);
}

/* A client connected to sin; its fd. */
static int
client(const struct sockaddr_in *sin)
{
	return regress_connect_loopback(AF_INET, ntohs(sin->sin_port));
}

static void
test_new_bind(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	int c, lfd;

	memset(&L, 0, sizeof(L));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, "arg",
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev != NULL);
	lfd = evconnlistener_get_fd(lev);
	tt_ptr_op(evconnlistener_get_base(lev), ==, env->base);
	tt_nonblocking(lfd, 1);
	tt_int_op(fcntl(lfd, F_GETFD) & FD_CLOEXEC, !=, 0);
#ifndef _WIN32	/* (not set there: it would let others take the port) */
	tt_int_op(regress_sockopt(lfd, SOL_SOCKET, SO_REUSEADDR), !=, 0);
#endif
	tt_int_op(regress_sockopt(lfd, SOL_SOCKET, SO_KEEPALIVE), !=, 0);
	bound_addr(lev, &sin);
	tt_int_op(ntohs(sin.sin_port), !=, 0);

	c = client(&sin);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	tt_int_op(L.family, ==, AF_INET);
	tt_int_op(L.socklen, ==, (int)sizeof(struct sockaddr_in));
	tt_ptr_op(L.arg, ==, "arg");
	if (L.nonblocking != -1)	/* (-1: Windows cannot tell) */
		if (L.nonblocking != -1)	/* (-1: Windows cannot tell) */
		tt_int_op(L.nonblocking, ==, 1);
	tt_int_op(L.cloexec, ==, 1);
	close(c);
	evconnlistener_free(lev);
	tt_assert(fcntl(lfd, F_GETFD) == -1);	/* CLOSE_ON_FREE */
	evconnlistener_free(NULL);

	/* Bad arguments. */
	tt_ptr_op(evconnlistener_new_bind(env->base, accept_cb, NULL, 0, -1,
	    NULL, 0), ==, NULL);
	tt_ptr_op(evconnlistener_new_bind(env->base, accept_cb, NULL, 0, -1,
	    (struct sockaddr *)&sin, 3), ==, NULL);
	tt_ptr_op(evconnlistener_new_bind(NULL, accept_cb, NULL, 0, -1,
	    (struct sockaddr *)&sin, sizeof(sin)), ==, NULL);
}

static void
test_enable_disable(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	int c1, c2;

	memset(&L, 0, sizeof(L));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL,
	    LEV_OPT_DISABLED, 8, (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev != NULL);
	bound_addr(lev, &sin);
	/* Disabled: the kernel queues the connection, nobody accepts. */
	c1 = client(&sin);
	regress_run_for(env->base, 0.04);
	tt_int_op(L.naccepted, ==, 0);
	tt_int_op(evconnlistener_enable(lev), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	tt_int_op(evconnlistener_disable(lev), ==, 0);
	tt_int_op(evconnlistener_disable(lev), ==, 0);
	c2 = client(&sin);
	regress_run_for(env->base, 0.04);
	tt_int_op(L.naccepted, ==, 1);
	tt_int_op(evconnlistener_enable(lev), ==, 0);
	tt_int_op(evconnlistener_enable(lev), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 2);
	/* Disabled, the listener does not keep the loop alive. */
	evconnlistener_disable(lev);
	tt_int_op(event_base_dispatch(env->base), ==, 1);
	close(c1);
	close(c2);
	evconnlistener_free(lev);
}

static void
test_set_cb(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	int fd, c1, c2;

	memset(&L, 0, sizeof(L));
	/* Our own bound socket, left blocking: the listener fixes that. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	regress_loopback_in(&sin, 0);
	tt_int_op(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
	lev = evconnlistener_new(env->base, NULL, NULL, 0, -1, fd);
	tt_assert(lev != NULL);
	tt_int_op(evconnlistener_get_fd(lev), ==, fd);
	tt_nonblocking(fd, 1);
	bound_addr(lev, &sin);
	/* No callback: connections wait, and the listener is not even
	 * watched (nothing keeps the loop busy). */
	c1 = client(&sin);
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	regress_run_for(env->base, 0.04);
	tt_int_op(L.naccepted, ==, 0);
	evconnlistener_set_cb(lev, accept_cb, "first");
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	tt_ptr_op(L.arg, ==, "first");
	/* Back to none, then another callback: nothing is lost. */
	evconnlistener_set_cb(lev, NULL, NULL);
	c2 = client(&sin);
	regress_run_for(env->base, 0.04);
	tt_int_op(L.naccepted, ==, 1);
	evconnlistener_set_cb(lev, accept_cb, "second");
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 2);
	tt_ptr_op(L.arg, ==, "second");
	close(c1);
	close(c2);
	/* Without CLOSE_ON_FREE the program keeps its socket. */
	evconnlistener_free(lev);
	tt_assert(fcntl(fd, F_GETFD) != -1);

	/* An already listening fd (backlog 0), LEAVE_SOCKETS_BLOCKING. */
	memset(&L, 0, sizeof(L));
	lev = evconnlistener_new(env->base, accept_cb, NULL,
	    LEV_OPT_LEAVE_SOCKETS_BLOCKING | LEV_OPT_CLOSE_ON_FREE, 0, fd);
	tt_assert(lev != NULL);
	c1 = client(&sin);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	if (L.nonblocking != -1)
		tt_int_op(L.nonblocking, ==, 0);
	tt_int_op(L.cloexec, ==, 0);
	close(c1);
	evconnlistener_free(lev);
	tt_assert(fcntl(fd, F_GETFD) == -1);

	/* Bad fds and bases. */
	tt_ptr_op(evconnlistener_new(env->base, accept_cb, NULL, 0, -1, -1),
	    ==, NULL);
	tt_ptr_op(evconnlistener_new(env->base, accept_cb, NULL, 0, -1, fd),
	    ==, NULL);
	tt_ptr_op(evconnlistener_new(NULL, accept_cb, NULL, 0, -1, 0), ==,
	    NULL);
}

static void
test_free_in_cb(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	int c1, c2;

	memset(&L, 0, sizeof(L));
	L.free_in_cb = 1;
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL, 0, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	bound_addr(lev, &sin);
	/* Two waiting: the first callback frees, the second never runs. */
	c1 = client(&sin);
	c2 = client(&sin);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	regress_run_for(env->base, 0.03);
	tt_int_op(L.naccepted, ==, 1);
	tt_int_op(event_base_dispatch(env->base), ==, 1);
	close(c1);
	close(c2);
}

static void
test_many(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	int c[150], i;

	memset(&L, 0, sizeof(L));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL, 0, 200,
	    (struct sockaddr *)&sin, sizeof(sin));
	bound_addr(lev, &sin);
	for (i = 0; i < 150; i++)
		c[i] = client(&sin);
	/* More than one batch: all of them, over several wake-ups. */
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 150);
	for (i = 0; i < 150; i++)
		close(c[i]);
	evconnlistener_free(lev);
}

#ifdef _WIN32
/*
 * Windows has no descriptor limit to run out of, but accept() fails on a
 * listening socket closed under the listener (WSAENOTSOCK): the error
 * callback gets that error, no connection comes, and the loop does not
 * spin on it.
 */
static void
error_cb_closed(struct regress_env *env)
{
	struct evconnlistener *lev;
	unsigned short port;
	int lfd = regress_listen_loopback(AF_INET, &port);

	tt_assert(lfd >= 0);
	memset(&L, 0, sizeof(L));
	lev = evconnlistener_new(env->base, accept_cb, "arg", 0, 0, lfd);
	tt_assert(lev != NULL);
	evconnlistener_set_error_cb(lev, error_cb);
	close(lfd);
	REGRESS_LOOP_UNTIL(env->base, L.nerrors >= 1);
	tt_int_op(L.error_errno, ==, WSAENOTSOCK);
	tt_int_op(L.naccepted, ==, 0);
	regress_run_for(env->base, 0.1);
	tt_int_op(L.nerrors, <=, 2);
	evconnlistener_free(lev);	/* (not LEV_OPT_CLOSE_ON_FREE) */
}
#endif

static void
test_error_cb(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct rlimit rl;
	int c1, c2, top;
	double t0;

#ifdef _WIN32
	error_cb_closed(env);
	return;
#endif
	memset(&L, 0, sizeof(L));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL, 0, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	evconnlistener_set_error_cb(lev, error_cb);
	/* evconnlistener_set_cb keeps the error callback. */
	evconnlistener_set_cb(lev, accept_cb, "arg");
	bound_addr(lev, &sin);
	c1 = client(&sin);
	c2 = client(&sin);
	/* No fd left for accept(): EMFILE.  (This case runs in its own
	 * process, so the limit dies with it.) */
	top = dup(0);
	tt_assert(top >= 0);
	close(top);
	tt_int_op(getrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	rl.rlim_cur = (rlim_t)top;
	tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	t0 = regress_now();
	REGRESS_LOOP_UNTIL(env->base, L.nerrors >= 1);
	tt_int_op(L.error_errno, ==, EMFILE);
	tt_int_op(L.naccepted, ==, 0);
	/* It pauses instead of spinning on a connection it cannot take. */
	regress_run_for(env->base, 0.1);
	tt_int_op(L.nerrors, <=, 2);
	/* With an fd free again, the waiting connections are taken. */
	rl.rlim_cur = (rlim_t)top + 4;
	tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 2);
	tt_assert(regress_now() - t0 >= 0.2);
	close(c1);
	close(c2);
	evconnlistener_free(lev);
}

static void
test_flags(struct regress_env *env)
{
	struct evconnlistener *lev, *lev2;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int lfd, c;

	memset(&L, 0, sizeof(L));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL,
	    LEV_OPT_REUSEABLE_PORT | LEV_OPT_DEFERRED_ACCEPT |
	    LEV_OPT_THREADSAFE, -1, (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev != NULL);
	lfd = evconnlistener_get_fd(lev);
	bound_addr(lev, &sin);
#if defined(SO_REUSEPORT) && defined(TCP_DEFER_ACCEPT)
	tt_int_op(regress_sockopt(lfd, SOL_SOCKET, SO_REUSEPORT), !=, 0);
	tt_int_op(regress_sockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT), !=, 0);
	/* SO_REUSEPORT: a second listener on the same port. */
	lev2 = evconnlistener_new_bind(env->base, accept_cb, NULL,
	    LEV_OPT_REUSEABLE_PORT, -1, (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev2 != NULL);
	evconnlistener_free(lev2);
	(void)c;
#else
	/* Windows has neither option: the flags are accepted, and the
	 * listener works as without them. */
	(void)lev2;
	(void)lfd;
	c = client(&sin);
	REGRESS_LOOP_UNTIL(env->base, L.naccepted == 1);
	close(c);
#endif
	/* Without it the port is taken. */
	tt_ptr_op(evconnlistener_new_bind(env->base, accept_cb, NULL, 0, -1,
	    (struct sockaddr *)&sin, sizeof(sin)), ==, NULL);
#ifdef _WIN32	/* (a socket call's error: WSAGetLastError()) */
	tt_int_op(EVUTIL_SOCKET_ERROR(), ==, WSAEADDRINUSE);
#else
	tt_int_op(errno, ==, EADDRINUSE);
#endif
	evconnlistener_free(lev);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	lev = evconnlistener_new_bind(env->base, accept_cb, NULL,
	    LEV_OPT_BIND_IPV6ONLY, -1, (struct sockaddr *)&sin6,
	    sizeof(sin6));
	if (lev == NULL)
		tt_skip("no IPv6 on this machine");
	tt_int_op(regress_sockopt(evconnlistener_get_fd(lev), IPPROTO_IPV6,
	    IPV6_V6ONLY), ==, 1);
	evconnlistener_free(lev);
}

/* ------------------------------------------------------------------ */
/* One program, both APIs, one base */

struct echo_conn {
	struct bufferevent *bev;
	int *nclosed;
};

static void
echo_readcb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	/* 2.x server: move the input straight to the output. */
	bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void
echo_eventcb(struct bufferevent *bev, short what, void *arg)
{
	int *nclosed = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		(*nclosed)++;
		bufferevent_free(bev);
	}
}

static int nclosed;

static void
echo_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct bufferevent *bev;

	(void)sa;
	(void)socklen;
	(void)arg;
	bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	tt_assert(bev != NULL);
	bufferevent_setcb(bev, echo_readcb, NULL, echo_eventcb, &nclosed);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* 1.4 client: counts the echoed bytes. */
static size_t echoed[4];

static void
client_readcb(struct bufferevent *bev, void *arg)
{
	size_t *n = arg;
	struct evbuffer *in = EVBUFFER_INPUT(bev);

	*n += EVBUFFER_LENGTH(in);
	evbuffer_drain(in, EVBUFFER_LENGTH(in));
}

static void
client_errorcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what != BEV_EVENT_CONNECTED)
		tt_fail("a client saw an error");
}

static void
test_mixed_program(struct regress_env *env)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct bufferevent *c[4];
	char chunk[10000];
	int i;

	nclosed = 0;
	memset(echoed, 0, sizeof(echoed));
	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(env->base, echo_accept, NULL,
	    LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin, sizeof(sin));
	bound_addr(lev, &sin);
	memset(chunk, 'e', sizeof(chunk));
	for (i = 0; i < 4; i++) {
		/* 1.4 bufferevents on the default base, connected the 2.x
		 * way. */
		c[i] = bufferevent_new(-1, client_readcb, NULL, client_errorcb,
		    &echoed[i]);
		tt_int_op(bufferevent_socket_connect(c[i],
		    (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
		bufferevent_enable(c[i], EV_READ);
		tt_int_op(bufferevent_write(c[i], chunk, sizeof(chunk)), ==, 0);
	}
	REGRESS_LOOP_UNTIL(env->base, echoed[0] == sizeof(chunk) &&
	    echoed[1] == sizeof(chunk) && echoed[2] == sizeof(chunk) &&
	    echoed[3] == sizeof(chunk));
	for (i = 0; i < 4; i++) {
		close(bufferevent_getfd(c[i]));
		bufferevent_free(c[i]);
	}
	REGRESS_LOOP_UNTIL(env->base, nclosed == 4);
	evconnlistener_free(lev);
	/* Everything is gone: the loop has nothing left. */
	tt_int_op(event_base_dispatch(env->base), ==, 1);
}

struct regress_case regress_listener_cases[] = {
	{ "listener/new_bind", test_new_bind, RT_BASE, NULL },
	{ "listener/enable_disable", test_enable_disable, RT_BASE, NULL },
	{ "listener/set_cb", test_set_cb, RT_BASE, NULL },
	{ "listener/free_in_cb", test_free_in_cb, RT_BASE, NULL },
	{ "listener/many", test_many, RT_BASE, NULL },
	{ "listener/error_cb", test_error_cb, RT_BASE, NULL },
	{ "listener/flags", test_flags, RT_BASE, NULL },
	{ "listener/mixed_program", test_mixed_program, RT_BASE, NULL },
	RT_END
};
