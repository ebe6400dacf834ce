/*
 * test/regress_bufferevent2.c -- the libevent 2.x bufferevent API
 * (event2/bufferevent*.h): socket bufferevents and connecting, pairs,
 * filters, rate limits; mixed with the 1.4 calls on the same objects.
 *
 * The event2 headers come before <event.h> here (test/regress_buffer2.c
 * uses the other order), so bufferevent_setfd() and evbuffer_drain() are
 * declared with their 2.x int results.  Expected values that are not
 * obvious were observed on libevent 2.1.12 with probe programs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include "event.h"
#include "regress.h"
#include "regress_util.h"

/* ------------------------------------------------------------------ */
/* Helpers */

/* What one bufferevent's callbacks saw. */
struct bstate {
	int nread, nwrite, nevent;
	short what;		/* bits of the last event */
	short all_what;		/* bits of all events */
	int err;		/* errno in the last event callback */
	int sync;		/* a callback ran inside an API call */
	double t_event;		/* when the last event came */
	char data[8192];	/* what the read callback drained */
	size_t len;
	int keep;		/* read callback leaves the input alone */
	int free_in;		/* 1: read cb frees, 3: event cb frees */
};

static struct bstate S[2];
static int in_call;		/* the test is inside an API call */

static void
st_reset(void)
{
	memset(S, 0, sizeof(S));
	in_call = 0;
}

static void
b_readcb(struct bufferevent *bev, void *arg)
{
	struct bstate *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	s->nread++;
	s->sync |= in_call;
	if (s->free_in == 1) {
		bufferevent_free(bev);
		return;
	}
	if (s->keep)
		return;
	if (n > sizeof(s->data) - s->len)
		n = sizeof(s->data) - s->len;
	evbuffer_remove(in, s->data + s->len, n);
	s->len += n;
}

static void
b_writecb(struct bufferevent *bev, void *arg)
{
	struct bstate *s = arg;

	(void)bev;
	s->nwrite++;
	s->sync |= in_call;
}

static void
b_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct bstate *s = arg;

	s->nevent++;
	s->what = what;
	s->all_what |= what;
	s->err = regress_sock_errno();
	s->sync |= in_call;
	s->t_event = regress_now();
	if (s->free_in == 3)
		bufferevent_free(bev);
}

static void
setcbs(struct bufferevent *bev, int i)
{
	bufferevent_setcb(bev, b_readcb, b_writecb, b_eventcb, &S[i]);
}

/* Mark the API calls in between, so callbacks can tell they ran inside. */
#define IN_CALL(stmt) do { in_call = 1; stmt; in_call = 0; } while (0)

/* A TCP socket listening on 127.0.0.1 at a free port, its address in sin. */
static int
tcp_listener(struct sockaddr_in *sin)
{
	unsigned short port;
	int fd = regress_listen_loopback(AF_INET, &port);

	tt_assert(fd >= 0);
	regress_loopback_in(sin, port);
	return fd;
}

/* A loopback port with nothing listening. */
static void
closed_port(struct sockaddr_in *sin)
{
	int fd = tcp_listener(sin);

	close(fd);
}

/* ------------------------------------------------------------------ */
/* Socket bufferevents */

static void
test_defaults(struct regress_env *env)
{
	struct bufferevent *bev;
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	size_t lo = 1, hi = 1;
	void *arg;

	st_reset();
	bev = bufferevent_socket_new(env->base, -1, 0);
	tt_assert(bev != NULL);
	/* As in 2.1: writing enabled, no fd, priority 0, no underlying. */
	tt_int_op(bufferevent_get_enabled(bev), ==, EV_WRITE);
	tt_int_op(bufferevent_getfd(bev), ==, -1);
	tt_ptr_op(bufferevent_get_base(bev), ==, env->base);
	tt_ptr_op(bufferevent_get_input(bev), ==, bev->input);
	tt_ptr_op(bufferevent_get_output(bev), ==, EVBUFFER_OUTPUT(bev));
	tt_int_op(bufferevent_get_priority(bev), ==, 0);
	tt_ptr_op(bufferevent_get_underlying(bev), ==, NULL);
	tt_ptr_op(bufferevent_pair_get_partner(bev), ==, NULL);
	tt_int_op(bufferevent_socket_get_dns_error(bev), ==, 0);
	tt_int_op(bufferevent_flush(bev, EV_WRITE, BEV_FINISHED), ==, 0);

	setcbs(bev, 0);
	bufferevent_getcb(bev, &r, &w, &e, &arg);
	tt_assert(r == b_readcb && w == b_writecb && e == b_eventcb);
	tt_ptr_op(arg, ==, &S[0]);
	bufferevent_getcb(bev, NULL, NULL, NULL, NULL);
	/* The 1.4 fields say the same. */
	tt_assert(bev->readcb == b_readcb && bev->errorcb == b_eventcb);

	tt_int_op(bufferevent_getwatermark(bev, EV_READ | EV_WRITE, &lo, &hi),
	    ==, -1);
	tt_int_op(bufferevent_getwatermark(bev, 0, &lo, &hi), ==, -1);
	tt_int_op(bufferevent_getwatermark(bev, EV_READ, &lo, &hi), ==, 0);
	tt_uint_op(lo, ==, 0);
	tt_uint_op(hi, ==, 0);
	bufferevent_setwatermark(bev, EV_WRITE, 7, 70);
	tt_int_op(bufferevent_getwatermark(bev, EV_WRITE, &lo, NULL), ==, 0);
	tt_uint_op(lo, ==, 7);
	tt_int_op(bufferevent_getwatermark(bev, EV_WRITE, NULL, &hi), ==, 0);
	tt_uint_op(hi, ==, 70);

	/* Without an fd, enabling and writing only record. */
	tt_int_op(bufferevent_enable(bev, EV_READ), ==, 0);
	tt_int_op(bufferevent_get_enabled(bev), ==, EV_READ | EV_WRITE);
	tt_int_op(bufferevent_write(bev, "x", 1), ==, 0);
	tt_int_op(bufferevent_disable(bev, EV_READ | EV_WRITE), ==, 0);
	tt_int_op(bufferevent_get_enabled(bev), ==, 0);
	/* The only reference: decref frees. */
	tt_int_op(bufferevent_decref(bev), ==, 1);

	/* UNLOCK_CALLBACKS needs DEFER_CALLBACKS; THREADSAFE without
	 * thread callbacks works, unlocked. */
	tt_ptr_op(bufferevent_socket_new(env->base, -1,
	    BEV_OPT_UNLOCK_CALLBACKS), ==, NULL);
	bev = bufferevent_socket_new(env->base, -1, BEV_OPT_THREADSAFE |
	    BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS);
	tt_assert(bev != NULL);
	bufferevent_lock(bev);
	bufferevent_lock(bev);
	bufferevent_unlock(bev);
	bufferevent_unlock(bev);
	bufferevent_free(bev);
	bufferevent_free(NULL);
}

static void
test_socket_roundtrip(struct regress_env *env)
{
	struct bufferevent *a, *b;
	struct evbuffer *buf = evbuffer_new();
	int fa = env->pair[0], fb = env->pair[1];

	st_reset();
	a = bufferevent_socket_new(env->base, fa, BEV_OPT_CLOSE_ON_FREE);
	b = bufferevent_socket_new(env->base, fb, BEV_OPT_CLOSE_ON_FREE);
	setcbs(a, 0);
	setcbs(b, 1);
	tt_int_op(bufferevent_getfd(a), ==, fa);
	tt_int_op(bufferevent_enable(b, EV_READ), ==, 0);
	/* Adding straight to the output sends it (the output watcher). */
	tt_int_op(evbuffer_add_printf(bufferevent_get_output(a), "%s-%d",
	    "hello", 2), ==, 7);
	evbuffer_add(buf, " and more", 9);
	tt_int_op(bufferevent_write_buffer(a, buf), ==, 0);
	tt_uint_op(evbuffer_get_length(buf), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 16);
	tt_mem_op(S[1].data, ==, "hello-2 and more", 16);
	tt_int_op(S[0].nwrite, >=, 1);
	tt_int_op(S[1].sync, ==, 0);

	/* read_buffer moves the whole input. */
	S[1].keep = 1;
	bufferevent_write(a, "xyz", 3);
	REGRESS_LOOP_UNTIL(env->base,
	    evbuffer_get_length(bufferevent_get_input(b)) == 3);
	tt_int_op(bufferevent_read_buffer(b, buf), ==, 0);
	tt_uint_op(evbuffer_get_length(bufferevent_get_input(b)), ==, 0);
	tt_mem_op(evbuffer_pullup(buf, -1), ==, "xyz", 3);

	/* BEV_OPT_CLOSE_ON_FREE closes the sockets. */
	bufferevent_free(a);
	bufferevent_free(b);
	tt_assert(!regress_fd_is_open(fa));
	tt_assert(!regress_fd_is_open(fb));
	evbuffer_free(buf);
}

/* 1.4 calls on a 2.x bufferevent and 2.x calls on a 1.4 one. */
static void
test_mixed_api(struct regress_env *env)
{
	struct bufferevent *old, *neu;
	struct timeval tv = { 2, 500000 };

	st_reset();
	old = bufferevent_new(env->pair[0], b_readcb, b_writecb, b_eventcb,
	    &S[0]);
	neu = bufferevent_socket_new(NULL, env->pair[1], 0);
	tt_assert(old != NULL && neu != NULL);
	tt_ptr_op(bufferevent_get_base(old), ==, env->base);
	/* A 2.x bufferevent made without a base joins one the 1.4 way. */
	tt_int_op(bufferevent_base_set(env->base, neu), ==, 0);
	tt_ptr_op(bufferevent_get_base(neu), ==, env->base);
	setcbs(neu, 1);

	/* Timeouts: tv on the 1.4 object shows as whole seconds there. */
	tt_int_op(bufferevent_set_timeouts(old, &tv, NULL), ==, 0);
	tt_int_op(old->timeout_read, ==, 2);
	tt_int_op(old->timeout_write, ==, 0);
	bufferevent_settimeout(neu, 3, 4);
	tt_int_op(neu->timeout_read, ==, 3);
	tt_int_op(neu->timeout_write, ==, 4);

	/* Data both ways through the other API's calls. */
	tt_int_op(bufferevent_enable(old, EV_READ), ==, 0);
	tt_int_op(bufferevent_enable(neu, EV_READ), ==, 0);
	tt_int_op(bufferevent_get_enabled(old), ==, EV_READ | EV_WRITE);
	tt_int_op(evbuffer_add(bufferevent_get_output(old), "to-neu", 6),
	    ==, 0);
	tt_int_op(bufferevent_write(neu, "to-old", 6), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 6 && S[1].len == 6);
	tt_mem_op(S[0].data, ==, "to-old", 6);
	tt_mem_op(S[1].data, ==, "to-neu", 6);
	tt_ptr_op(EVBUFFER_INPUT(neu), ==, bufferevent_get_input(neu));
	tt_int_op(bufferevent_priority_set(old, 0), ==, 0);

	/* The 1.4 setfd on a 2.x object (an int result here). */
	tt_int_op(bufferevent_setfd(neu, env->pair[1]), ==, 0);
	bufferevent_free(old);
	bufferevent_free(neu);
	/* Neither closes its fd without BEV_OPT_CLOSE_ON_FREE. */
	tt_assert(regress_fd_is_open(env->pair[0]) && regress_fd_is_open(env->pair[1]));
}

static void
test_timeouts_tv(struct regress_env *env)
{
	struct bufferevent *bev;
	struct timeval tv = { 0, 50000 }, zero = { 0, 0 }, d1, d2;
	double t0, slow = regress_slowdown();

	st_reset();
	bev = bufferevent_socket_new(env->base, env->pair[0], 0);
	setcbs(bev, 0);
	tt_int_op(bufferevent_set_timeouts(bev, &tv, NULL), ==, 0);
	tt_int_op(bev->timeout_read, ==, 0);	/* under a second */
	t0 = regress_now();
	bufferevent_enable(bev, EV_READ);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	tt_assert(S[0].t_event - t0 >= 0.045);
	tt_assert(S[0].t_event - t0 < 1.0 * slow);
	/* 2.x: the timeout disabled reading. */
	tt_int_op(bufferevent_get_enabled(bev), ==, EV_WRITE);

	/* Activity restarts the timeout: a read moves the deadline on by
	 * the time that passed (a long timeout, so it cannot fire here). */
	tv.tv_sec = 10;
	tv.tv_usec = 0;
	tt_int_op(bufferevent_set_timeouts(bev, &tv, NULL), ==, 0);
	bufferevent_enable(bev, EV_READ);
	tt_assert(event_pending(&bev->ev_read, EV_TIMEOUT, &d1));
	regress_run_for(env->base, 0.04);
	tt_int_op(write(env->pair[1], "k", 1), ==, 1);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 1);
	tt_assert(event_pending(&bev->ev_read, EV_TIMEOUT, &d2));
	tt_assert((d2.tv_sec - d1.tv_sec) * 1e6 + (d2.tv_usec - d1.tv_usec)
	    >= 35000);
	tt_int_op(S[0].nevent, ==, 1);

	/* A zero timeval means none. */
	tt_int_op(bufferevent_set_timeouts(bev, &zero, &zero), ==, 0);
	regress_run_for(env->base, 0.12);
	tt_int_op(S[0].nevent, ==, 1);
	bufferevent_free(bev);
}

static void
test_eof_disables(struct regress_env *env)
{
	struct bufferevent *bev;

	st_reset();
	bev = bufferevent_socket_new(env->base, env->pair[0], 0);
	setcbs(bev, 0);
	bufferevent_enable(bev, EV_READ);
	tt_int_op(write(env->pair[1], "last", 4), ==, 4);
	close(env->pair[1]);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_mem_op(S[0].data, ==, "last", 4);	/* the data first */
	tt_int_op(S[0].what, ==, BEV_EVENT_READING | BEV_EVENT_EOF);
	tt_int_op(bufferevent_get_enabled(bev), ==, EV_WRITE);
	/* Nothing else keeps the loop alive. */
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	bufferevent_free(bev);
}

/* ------------------------------------------------------------------ */
/* Connecting */

static void
test_connect_ok(struct regress_env *env)
{
	struct sockaddr_in sin;
	struct bufferevent *bev;
	int lfd = tcp_listener(&sin), afd;

	st_reset();
	bev = bufferevent_socket_new(env->base, -1, BEV_OPT_CLOSE_ON_FREE);
	setcbs(bev, 0);
	/* Reading asked for before the connect: it waits for it. */
	bufferevent_enable(bev, EV_READ);
	bufferevent_write(bev, "early", 5);
	IN_CALL(tt_int_op(bufferevent_socket_connect(bev,
	    (struct sockaddr *)&sin, sizeof(sin)), ==, 0));
	tt_assert(bufferevent_getfd(bev) >= 0);
	tt_nonblocking(bufferevent_getfd(bev), 1);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_CONNECTED);
	tt_int_op(S[0].sync, ==, 0);
	afd = accept(lfd, NULL, NULL);
	tt_assert(afd >= 0);
	{
		char got[8];
		double t0 = regress_now();
		ssize_t n = 0;

		while (n < 5 && regress_now() - t0 < 5) {
			regress_loop_once(env->base);
			n = recv(afd, got, sizeof(got),
			    MSG_DONTWAIT | MSG_PEEK);
		}
		tt_int_op(recv(afd, got, 5, 0), ==, 5);
		tt_mem_op(got, ==, "early", 5);
	}
	tt_int_op(write(afd, "reply", 5), ==, 5);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 5);
	tt_mem_op(S[0].data, ==, "reply", 5);
	close(afd);
	close(lfd);
	bufferevent_free(bev);
}

static void
test_connect_refused(struct regress_env *env)
{
	struct sockaddr_in sin;
	struct bufferevent *bev;
	int fd;

	st_reset();
	closed_port(&sin);
	bev = bufferevent_socket_new(env->base, -1, BEV_OPT_CLOSE_ON_FREE);
	setcbs(bev, 0);
	bufferevent_enable(bev, EV_READ);
	/* Refused at once or later: either way 0, then the error from the
	 * loop (as in 2.1). */
	IN_CALL(tt_int_op(bufferevent_socket_connect(bev,
	    (struct sockaddr *)&sin, sizeof(sin)), ==, 0));
	fd = bufferevent_getfd(bev);
	tt_assert(fd >= 0);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_ERROR);
	tt_int_op(S[0].err, ==, ECONNREFUSED);
	tt_int_op(S[0].sync, ==, 0);
	regress_run_for(env->base, 0.03);
	tt_int_op(S[0].nevent, ==, 1);
	bufferevent_free(bev);
	tt_assert(!regress_fd_is_open(fd));
}

static void
test_connect_fd(struct regress_env *env)
{
	struct sockaddr_in sin;
	struct bufferevent *bev;
	int lfd = tcp_listener(&sin), fd, afd;

	st_reset();
	/* The bufferevent's own fd is used. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	evutil_make_socket_nonblocking(fd);
	bev = bufferevent_socket_new(env->base, fd, 0);
	setcbs(bev, 0);
	tt_int_op(bufferevent_socket_connect(bev, (struct sockaddr *)&sin,
	    sizeof(sin)), ==, 0);
	tt_int_op(bufferevent_getfd(bev), ==, fd);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_CONNECTED);
	bufferevent_free(bev);
	tt_assert(regress_fd_is_open(fd));
	close(fd);
	afd = accept(lfd, NULL, NULL);
	close(afd);

	/* addr NULL: the fd is connecting already. */
	st_reset();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	evutil_make_socket_nonblocking(fd);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		tt_int_op(errno, ==, EINPROGRESS);
	bev = bufferevent_socket_new(env->base, fd, BEV_OPT_CLOSE_ON_FREE);
	setcbs(bev, 0);
	tt_int_op(bufferevent_socket_connect(bev, NULL, 0), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_CONNECTED);
	bufferevent_free(bev);
	close(lfd);
}

static void
test_connect_bad(struct regress_env *env)
{
	struct sockaddr_in sin;
	struct bufferevent *bev, *pair[2];

	closed_port(&sin);
	bev = bufferevent_socket_new(env->base, -1, 0);
	tt_int_op(bufferevent_socket_connect(bev, NULL, 0), ==, -1);
	tt_int_op(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, 0),
	    ==, -1);
	tt_int_op(bufferevent_getfd(bev), ==, -1);
	bufferevent_free(bev);
	/* No base yet (1.4 style): nothing could report the result. */
	bev = bufferevent_socket_new(NULL, -1, 0);
	tt_int_op(bufferevent_socket_connect(bev, (struct sockaddr *)&sin,
	    sizeof(sin)), ==, -1);
	bufferevent_free(bev);
	tt_int_op(bufferevent_pair_new(env->base, 0, pair), ==, 0);
	tt_int_op(bufferevent_socket_connect(pair[0], (struct sockaddr *)&sin,
	    sizeof(sin)), ==, -1);
	tt_int_op(bufferevent_socket_connect_hostname(pair[0], NULL, AF_INET,
	    "127.0.0.1", 80), ==, -1);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
}

static void
test_connect_hostname(struct regress_env *env)
{
	static const char *names[] = { "127.0.0.1", "localhost" };
	struct sockaddr_in sin;
	struct bufferevent *bev;
	int lfd = tcp_listener(&sin), i;

	for (i = 0; i < 2; i++) {
		st_reset();
		bev = bufferevent_socket_new(env->base, -1,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		setcbs(bev, 0);
		IN_CALL(tt_int_op(bufferevent_socket_connect_hostname(bev,
		    NULL, AF_INET, names[i], ntohs(sin.sin_port)), ==, 0));
		REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
		tt_int_op(S[0].what, ==, BEV_EVENT_CONNECTED);
		tt_int_op(bufferevent_socket_get_dns_error(bev), ==, 0);
		tt_int_op(S[0].sync, ==, 0);
		bufferevent_free(bev);
		close(accept(lfd, NULL, NULL));
	}
	close(lfd);

	/* Bad arguments fail at once. */
	bev = bufferevent_socket_new(env->base, -1, 0);
	tt_int_op(bufferevent_socket_connect_hostname(bev, NULL, AF_UNIX,
	    "localhost", 80), ==, -1);
	tt_int_op(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	    NULL, 80), ==, -1);
	tt_int_op(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	    "127.0.0.1", -1), ==, -1);
	tt_int_op(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	    "127.0.0.1", 65536), ==, -1);
	bufferevent_free(bev);
}

static void
test_hostname_fail(struct regress_env *env)
{
	struct bufferevent *bev;
	char name[80];

	st_reset();
	/* A 70-byte label: the resolver refuses it without any query. */
	memset(name, 'a', 70);
	strcpy(name + 70, ".invalid");
	bev = bufferevent_socket_new(env->base, -1, 0);
	setcbs(bev, 0);
	IN_CALL(tt_int_op(bufferevent_socket_connect_hostname(bev, NULL,
	    AF_UNSPEC, name, 80), ==, 0));
	tt_int_op(bufferevent_socket_get_dns_error(bev), !=, 0);
	tt_int_op(S[0].nevent, ==, 0);	/* reported from the loop */
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_ERROR);
	tt_int_op(S[0].sync, ==, 0);
	tt_int_op(bufferevent_getfd(bev), ==, -1);
	bufferevent_free(bev);
}

/* ------------------------------------------------------------------ */
/* Pairs */

static void
test_pair_basic(struct regress_env *env)
{
	struct bufferevent *p[2];
	struct evbuffer *in1;

	st_reset();
	tt_int_op(bufferevent_pair_new(NULL, 0, p), ==, -1);
	tt_int_op(bufferevent_pair_new(env->base, 0, p), ==, 0);
	in1 = bufferevent_get_input(p[1]);
	setcbs(p[0], 0);
	setcbs(p[1], 1);
	tt_int_op(bufferevent_get_enabled(p[0]), ==, EV_WRITE);
	tt_int_op(bufferevent_get_enabled(p[1]), ==, EV_WRITE);
	tt_ptr_op(bufferevent_pair_get_partner(p[0]), ==, p[1]);
	tt_ptr_op(bufferevent_pair_get_partner(p[1]), ==, p[0]);
	tt_int_op(bufferevent_getfd(p[0]), ==, -1);
	tt_int_op(bufferevent_setfd(p[0], 0), ==, -1);
	tt_ptr_op(bufferevent_get_underlying(p[0]), ==, NULL);
	tt_int_op(bufferevent_base_set(env->base, p[0]), ==, -1);

	/* p[1] does not read yet: the data waits in p[0]'s output. */
	IN_CALL(bufferevent_write(p[0], "abc", 3));
	tt_uint_op(evbuffer_get_length(bufferevent_get_output(p[0])), ==, 3);
	tt_uint_op(evbuffer_get_length(in1), ==, 0);
	S[1].keep = 1;
	IN_CALL(bufferevent_enable(p[1], EV_READ));
	tt_uint_op(evbuffer_get_length(in1), ==, 3);	/* moved at once */
	tt_int_op(S[1].nread, ==, 0);			/* callbacks later */
	REGRESS_LOOP_UNTIL(env->base, S[1].nread == 1 && S[0].nwrite == 1);
	tt_int_op(S[0].sync | S[1].sync, ==, 0);
	IN_CALL(evbuffer_add(bufferevent_get_output(p[0]), "de", 2));
	tt_uint_op(evbuffer_get_length(in1), ==, 5);
	tt_mem_op(evbuffer_pullup(in1, -1), ==, "abcde", 5);

	/* Flushes: NORMAL moves nothing new; FINISHED tells of the end. */
	tt_int_op(bufferevent_disable(p[1], EV_READ), ==, 0);
	bufferevent_write(p[0], "fg", 2);
	tt_int_op(bufferevent_flush(p[0], EV_WRITE, BEV_NORMAL), ==, 0);
	tt_uint_op(evbuffer_get_length(in1), ==, 5);
	tt_int_op(bufferevent_flush(p[0], EV_WRITE, BEV_FLUSH), ==, 1);
	tt_uint_op(evbuffer_get_length(in1), ==, 7);
	tt_int_op(bufferevent_flush(p[0], EV_WRITE, BEV_FINISHED), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, S[1].nevent == 1);
	tt_int_op(S[1].what, ==, BEV_EVENT_READING | BEV_EVENT_EOF);

	/* Freeing one end leaves the other alone. */
	bufferevent_free(p[0]);
	tt_ptr_op(bufferevent_pair_get_partner(p[1]), ==, NULL);
	tt_int_op(bufferevent_write(p[1], "zz", 2), ==, 0);
	tt_int_op(bufferevent_flush(p[1], EV_WRITE, BEV_FINISHED), ==, 0);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[1].nevent, ==, 1);
	bufferevent_free(p[1]);
}

static void
test_pair_watermarks(struct regress_env *env)
{
	struct bufferevent *p[2];
	struct evbuffer *in1, *out0;
	char chunk[20];

	st_reset();
	bufferevent_pair_new(env->base, 0, p);
	setcbs(p[0], 0);
	setcbs(p[1], 1);
	in1 = bufferevent_get_input(p[1]);
	out0 = bufferevent_get_output(p[0]);
	S[1].keep = 1;
	bufferevent_setwatermark(p[1], EV_READ, 4, 8);
	bufferevent_enable(p[1], EV_READ);
	memset(chunk, 'w', sizeof(chunk));
	bufferevent_write(p[0], chunk, 3);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[1].nread, ==, 0);		/* below the low mark */
	bufferevent_write(p[0], chunk, 17);
	/* The high mark stops the transfer at 8. */
	tt_uint_op(evbuffer_get_length(in1), ==, 8);
	tt_uint_op(evbuffer_get_length(out0), ==, 12);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[1].nread, ==, 1);		/* no storm while full */
	/* Draining lets more come across. */
	evbuffer_drain(in1, 8);
	tt_uint_op(evbuffer_get_length(in1), ==, 8);
	tt_uint_op(evbuffer_get_length(out0), ==, 4);
	evbuffer_drain(in1, 8);
	tt_uint_op(evbuffer_get_length(in1), ==, 4);
	tt_uint_op(evbuffer_get_length(out0), ==, 0);
	REGRESS_LOOP_UNTIL(env->base, S[0].nwrite >= 1);
	bufferevent_free(p[0]);
	bufferevent_free(p[1]);
}

static void
test_pair_timeouts(struct regress_env *env)
{
	struct bufferevent *p[2];
	struct timeval tv = { 0, 30000 };
	double t0;

	st_reset();
	bufferevent_pair_new(env->base, 0, p);
	setcbs(p[0], 0);
	setcbs(p[1], 1);
	tt_int_op(bufferevent_set_timeouts(p[1], &tv, &tv), ==, 0);
	bufferevent_enable(p[1], EV_READ);
	t0 = regress_now();
	REGRESS_LOOP_UNTIL(env->base, S[1].nevent == 1);
	tt_int_op(S[1].what, ==, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	tt_assert(S[1].t_event - t0 >= 0.025);
	tt_int_op(bufferevent_get_enabled(p[1]), ==, EV_WRITE);

	/* Writing times out while output waits for a reader that is gone. */
	tt_int_op(bufferevent_set_timeouts(p[0], NULL, &tv), ==, 0);
	bufferevent_write(p[0], "stuck", 5);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT);
	bufferevent_free(p[0]);
	bufferevent_free(p[1]);
}

static void
test_pair_free_in_cb(struct regress_env *env)
{
	struct bufferevent *p[2];

	st_reset();
	bufferevent_pair_new(env->base, 0, p);
	setcbs(p[0], 0);
	setcbs(p[1], 1);
	S[1].free_in = 1;
	bufferevent_enable(p[1], EV_READ);
	bufferevent_write(p[0], "bye", 3);
	REGRESS_LOOP_UNTIL(env->base, S[1].nread == 1);
	/* p[1] is gone; p[0] sees no partner and keeps working. */
	tt_ptr_op(bufferevent_pair_get_partner(p[0]), ==, NULL);
	tt_int_op(bufferevent_write(p[0], "more", 4), ==, 0);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[1].nread, ==, 1);
	bufferevent_free(p[0]);
}

/* ------------------------------------------------------------------ */
/* Filters */

static int ctx_freed;

static void
free_ctx(void *ctx)
{
	tt_str_op(ctx, ==, "ctx");
	ctx_freed++;
}

/* Output: upper case.  Input: swap case; '!' is an error either way. */
static enum bufferevent_filter_result
case_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, int upper, int *modes)
{
	size_t n = evbuffer_get_length(src), i;
	unsigned char *p;

	modes[mode]++;
	if (lim >= 0 && (size_t)lim < n)
		n = (size_t)lim;
	if (n == 0)
		return BEV_NEED_MORE;
	p = evbuffer_pullup(src, (ev_ssize_t)n);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '!')
			return BEV_ERROR;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		evbuffer_add(dst, &c, 1);
	}
	evbuffer_drain(src, n);
	return BEV_OK;
}

static int out_modes[3], in_modes[3];

static enum bufferevent_filter_result
out_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	tt_str_op(ctx, ==, "ctx");
	return case_filter(src, dst, lim, mode, 1, out_modes);
}

static enum bufferevent_filter_result
in_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	(void)ctx;
	return case_filter(src, dst, lim, mode, 0, in_modes);
}

static void
test_filter_basic(struct regress_env *env)
{
	struct bufferevent *u[2], *f;

	st_reset();
	ctx_freed = 0;
	tt_ptr_op(bufferevent_filter_new(NULL, in_filter, out_filter, 0,
	    free_ctx, "ctx"), ==, NULL);
	tt_int_op(ctx_freed, ==, 0);
	bufferevent_pair_new(env->base, 0, u);
	f = bufferevent_filter_new(u[0], in_filter, out_filter,
	    BEV_OPT_CLOSE_ON_FREE, free_ctx, "ctx");
	tt_assert(f != NULL);
	/* As in 2.1: the filter writes; it made the underlying read too. */
	tt_int_op(bufferevent_get_enabled(f), ==, EV_WRITE);
	tt_int_op(bufferevent_get_enabled(u[0]), ==, EV_READ | EV_WRITE);
	tt_ptr_op(bufferevent_get_underlying(f), ==, u[0]);
	tt_int_op(bufferevent_getfd(f), ==, -1);
	tt_int_op(bufferevent_setfd(f, 0), ==, -1);
	setcbs(f, 0);
	setcbs(u[1], 1);
	bufferevent_enable(u[1], EV_READ);
	bufferevent_enable(f, EV_READ);

	IN_CALL(bufferevent_write(f, "hello", 5));
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 5);
	tt_mem_op(S[1].data, ==, "HELLO", 5);
	tt_int_op(S[0].nwrite, >=, 1);
	bufferevent_write(u[1], "World", 5);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 5);
	tt_mem_op(S[0].data, ==, "wORLD", 5);	/* case swapped */
	tt_int_op(out_modes[BEV_NORMAL], >=, 1);
	tt_int_op(in_modes[BEV_NORMAL], >=, 1);

	/* Events of the underlying bufferevent are passed on. */
	bufferevent_trigger_event(u[0], BEV_EVENT_EOF, 0);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_EOF);

	/* CLOSE_ON_FREE: the underlying end goes too; the context once. */
	bufferevent_free(f);
	tt_int_op(ctx_freed, ==, 1);
	tt_ptr_op(bufferevent_pair_get_partner(u[1]), ==, NULL);
	bufferevent_free(u[1]);
	tt_int_op(ctx_freed, ==, 1);
}

static void
test_filter_null(struct regress_env *env)
{
	struct bufferevent *u[2], *f;
	bufferevent_data_cb r;

	st_reset();
	bufferevent_pair_new(env->base, 0, u);
	f = bufferevent_filter_new(u[0], NULL, NULL, 0, NULL, NULL);
	setcbs(f, 0);
	setcbs(u[1], 1);
	bufferevent_enable(u[1], EV_READ);
	bufferevent_enable(f, EV_READ);
	bufferevent_write(f, "abc", 3);
	bufferevent_write(u[1], "def", 3);
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 3 && S[0].len == 3);
	tt_mem_op(S[1].data, ==, "abc", 3);
	tt_mem_op(S[0].data, ==, "def", 3);
	/* Without CLOSE_ON_FREE the underlying end stays, callbacks gone. */
	bufferevent_free(f);
	bufferevent_getcb(u[0], &r, NULL, NULL, NULL);
	tt_assert(r == NULL);
	tt_ptr_op(bufferevent_pair_get_partner(u[1]), ==, u[0]);
	bufferevent_write(u[0], "k", 1);
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 4);
	bufferevent_free(u[0]);
	bufferevent_free(u[1]);
}

static void
test_filter_error(struct regress_env *env)
{
	struct bufferevent *u[2], *f;

	st_reset();
	bufferevent_pair_new(env->base, 0, u);
	f = bufferevent_filter_new(u[0], in_filter, out_filter, 0, NULL,
	    "ctx");
	setcbs(f, 0);
	setcbs(u[1], 1);
	bufferevent_enable(u[1], EV_READ);
	bufferevent_enable(f, EV_READ);
	/* 2.1 drops input-side errors; we report them. */
	bufferevent_write(u[1], "bad!", 4);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_READING | BEV_EVENT_ERROR);
	bufferevent_write(f, "no!", 3);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 2);
	tt_int_op(S[0].what, ==, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
	bufferevent_free(f);
	bufferevent_free(u[0]);
	bufferevent_free(u[1]);
}

static void
test_filter_flush(struct regress_env *env)
{
	struct bufferevent *u[2], *f;

	st_reset();
	memset(out_modes, 0, sizeof(out_modes));
	bufferevent_pair_new(env->base, 0, u);
	f = bufferevent_filter_new(u[0], in_filter, out_filter, 0, NULL,
	    "ctx");
	setcbs(f, 0);
	setcbs(u[1], 1);
	bufferevent_enable(u[1], EV_READ);
	/* Nothing to flush: the filter is still asked, once per mode. */
	tt_int_op(bufferevent_flush(f, EV_WRITE, BEV_NORMAL), ==, 0);
	tt_int_op(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), ==, 0);
	tt_int_op(out_modes[BEV_FLUSH], ==, 1);
	/* FINISHED goes through to the far end as an end of file. */
	tt_int_op(bufferevent_flush(f, EV_WRITE, BEV_FINISHED), ==, 0);
	tt_int_op(out_modes[BEV_FINISHED], ==, 1);
	REGRESS_LOOP_UNTIL(env->base, S[1].nevent == 1);
	tt_int_op(S[1].what, ==, BEV_EVENT_READING | BEV_EVENT_EOF);
	/* Data held back by the underlying high watermark moves on flush. */
	bufferevent_setwatermark(u[0], EV_WRITE, 0, 2);
	bufferevent_disable(u[1], EV_READ);
	bufferevent_write(f, "abcdef", 6);
	tt_uint_op(evbuffer_get_length(bufferevent_get_output(f)), ==, 4);
	tt_int_op(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), ==, 1);
	tt_uint_op(evbuffer_get_length(bufferevent_get_output(f)), ==, 0);
	bufferevent_free(f);
	bufferevent_free(u[0]);
	bufferevent_free(u[1]);
}

static void
test_filter_watermark(struct regress_env *env)
{
	struct bufferevent *u[2], *f;
	char chunk[64];

	st_reset();
	bufferevent_pair_new(env->base, 0, u);
	f = bufferevent_filter_new(u[0], NULL, NULL, 0, NULL, NULL);
	setcbs(f, 0);
	setcbs(u[1], 1);
	S[0].keep = 1;
	bufferevent_setwatermark(f, EV_READ, 0, 10);
	bufferevent_enable(f, EV_READ);
	memset(chunk, 'q', sizeof(chunk));
	bufferevent_write(u[1], chunk, 30);
	REGRESS_LOOP_UNTIL(env->base, S[0].nread >= 1);
	regress_run_for(env->base, 0.02);
	/* The filter's input stops at its mark; the rest waits below. */
	tt_uint_op(evbuffer_get_length(bufferevent_get_input(f)), ==, 10);
	tt_uint_op(evbuffer_get_length(bufferevent_get_input(u[0])) +
	    evbuffer_get_length(bufferevent_get_output(u[1])), ==, 20);
	/* Draining lets it flow again. */
	evbuffer_drain(bufferevent_get_input(f), 10);
	REGRESS_LOOP_UNTIL(env->base,
	    evbuffer_get_length(bufferevent_get_input(f)) == 10);
	evbuffer_drain(bufferevent_get_input(f), 10);
	REGRESS_LOOP_UNTIL(env->base,
	    evbuffer_get_length(bufferevent_get_input(f)) == 10);
	evbuffer_drain(bufferevent_get_input(f), 10);	/* all 30 read */
	regress_run_for(env->base, 0.02);
	tt_uint_op(evbuffer_get_length(bufferevent_get_input(f)), ==, 0);
	/* Disabling the filter's reading holds data below too. */
	bufferevent_disable(f, EV_READ);
	bufferevent_write(u[1], chunk, 5);
	regress_run_for(env->base, 0.02);
	tt_uint_op(evbuffer_get_length(bufferevent_get_input(f)), ==, 0);
	bufferevent_enable(f, EV_READ);
	REGRESS_LOOP_UNTIL(env->base,
	    evbuffer_get_length(bufferevent_get_input(f)) == 5);
	bufferevent_free(f);
	bufferevent_free(u[0]);
	bufferevent_free(u[1]);
}

/* A filter on a socket bufferevent: the socket's EOF reaches it. */
static void
test_filter_socket(struct regress_env *env)
{
	struct bufferevent *s, *f;
	char got[8];

	st_reset();
	s = bufferevent_socket_new(env->base, env->pair[0],
	    BEV_OPT_CLOSE_ON_FREE);
	f = bufferevent_filter_new(s, in_filter, out_filter,
	    BEV_OPT_CLOSE_ON_FREE, NULL, "ctx");
	setcbs(f, 0);
	tt_int_op(bufferevent_getfd(f), ==, env->pair[0]);
	bufferevent_enable(f, EV_READ);
	bufferevent_write(f, "ping", 4);
	REGRESS_LOOP_UNTIL(env->base, recv(env->pair[1], got, 4, MSG_PEEK |
	    MSG_DONTWAIT) == 4);
	tt_int_op(read(env->pair[1], got, 4), ==, 4);
	tt_mem_op(got, ==, "PING", 4);
	tt_int_op(write(env->pair[1], "Pong", 4), ==, 4);
	close(env->pair[1]);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	tt_mem_op(S[0].data, ==, "pONG", 4);
	tt_int_op(S[0].what, ==, BEV_EVENT_READING | BEV_EVENT_EOF);
	bufferevent_free(f);
	tt_assert(!regress_fd_is_open(env->pair[0]));
}

/* ------------------------------------------------------------------ */
/* Triggers, references, deferred callbacks, priorities, setfd */

static void
test_trigger(struct regress_env *env)
{
	struct bufferevent *bev;

	st_reset();
	bev = bufferevent_socket_new(env->base, env->pair[0], 0);
	setcbs(bev, 0);
	S[0].keep = 1;
	evbuffer_add(bufferevent_get_input(bev), "xyz", 3);
	bufferevent_setwatermark(bev, EV_READ, 10, 0);
	/* The read low mark holds it back unless told to ignore it. */
	IN_CALL(bufferevent_trigger(bev, EV_READ, 0));
	tt_int_op(S[0].nread, ==, 0);
	IN_CALL(bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS));
	tt_int_op(S[0].nread, ==, 1);
	IN_CALL(bufferevent_trigger(bev, EV_WRITE, 0));	/* 0 <= low 0 */
	tt_int_op(S[0].nwrite, ==, 1);
	tt_int_op(S[0].sync, ==, 1);
	S[0].sync = 0;
	IN_CALL(bufferevent_trigger(bev, EV_READ | EV_WRITE,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS));
	tt_int_op(S[0].nread, ==, 1);
	REGRESS_LOOP_UNTIL(env->base, S[0].nread == 2 && S[0].nwrite == 2);
	tt_int_op(S[0].sync, ==, 0);
	IN_CALL(bufferevent_trigger_event(bev, BEV_EVENT_EOF, 0));
	tt_int_op(S[0].nevent, ==, 1);
	tt_int_op(S[0].what, ==, BEV_EVENT_EOF);
	S[0].sync = 0;
	IN_CALL(bufferevent_trigger_event(bev, BEV_EVENT_ERROR |
	    BEV_EVENT_WRITING, BEV_TRIG_DEFER_CALLBACKS));
	tt_int_op(S[0].nevent, ==, 1);
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 2);
	tt_int_op(S[0].what, ==, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
	tt_int_op(S[0].sync, ==, 0);
	/* A disabled direction can still be triggered (as in 2.1). */
	bufferevent_disable(bev, EV_READ);
	bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	tt_int_op(S[0].nread, ==, 3);
	bufferevent_free(bev);
}

static int nref_cleanups;

static void
ref_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg;
	nref_cleanups++;
}

static void
test_refcount(struct regress_env *env)
{
	struct bufferevent *bev;
	static const char lent[] = "lent";

	st_reset();
	/* A reference queued on the output outlives nothing: it was copied,
	 * and its cleanup ran once, before bufferevent_free (security.md). */
	bev = bufferevent_socket_new(env->base, -1, 0);
	nref_cleanups = 0;
	tt_int_op(evbuffer_add_reference(bufferevent_get_output(bev), lent, 4,
	    ref_cleanup, NULL), ==, 0);
	tt_int_op(nref_cleanups, ==, 1);
	bufferevent_free(bev);
	tt_int_op(nref_cleanups, ==, 1);

	bev = bufferevent_socket_new(env->base, env->pair[0],
	    BEV_OPT_CLOSE_ON_FREE);
	setcbs(bev, 0);
	bufferevent_incref(bev);
	bufferevent_free(bev);
	bufferevent_free(bev);		/* a second free is ignored */
	/* Still allocated: the accessors work, the callbacks are gone. */
	tt_assert(bufferevent_getfd(bev) == env->pair[0]);
	tt_assert(bev->readcb == NULL);
	tt_assert(regress_fd_is_open(env->pair[0]));
	bufferevent_incref(bev);
	tt_int_op(bufferevent_decref(bev), ==, 0);
	tt_int_op(bufferevent_decref(bev), ==, 1);
	tt_assert(!regress_fd_is_open(env->pair[0]));

	/* Freed from inside its event callback. */
	st_reset();
	bev = bufferevent_socket_new(env->base, env->pair[1], 0);
	setcbs(bev, 0);
	S[0].free_in = 3;
	bufferevent_enable(bev, EV_READ);
	/* EOF: the peer closed. */
	REGRESS_LOOP_UNTIL(env->base, S[0].nevent == 1);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[0].nevent, ==, 1);
}

static void
test_deferred(struct regress_env *env)
{
	struct bufferevent *a, *b;

	st_reset();
	a = bufferevent_socket_new(env->base, env->pair[0],
	    BEV_OPT_DEFER_CALLBACKS);
	b = bufferevent_socket_new(env->base, env->pair[1],
	    BEV_OPT_DEFER_CALLBACKS);
	setcbs(a, 0);
	setcbs(b, 1);
	bufferevent_enable(b, EV_READ);
	bufferevent_write(a, "12345", 5);
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 5 && S[0].nwrite >= 1);
	tt_mem_op(S[1].data, ==, "12345", 5);
	tt_int_op(S[0].sync | S[1].sync, ==, 0);
	/* A callback waiting when the bufferevent is freed never runs. */
	bufferevent_trigger_event(b, BEV_EVENT_EOF, 0);
	bufferevent_free(b);
	regress_run_for(env->base, 0.02);
	tt_int_op(S[1].nevent, ==, 0);
	bufferevent_free(a);
}

static void
test_priority(struct regress_env *env)
{
	struct bufferevent *bev, *p[2];

	tt_int_op(event_base_priority_init(env->base, 3), ==, 0);
	bev = bufferevent_socket_new(env->base, env->pair[0], 0);
	tt_int_op(bufferevent_get_priority(bev), ==, 1);	/* the middle */
	tt_int_op(bufferevent_priority_set(bev, 2), ==, 0);
	tt_int_op(bufferevent_get_priority(bev), ==, 2);
	tt_int_op(bufferevent_priority_set(bev, 3), ==, -1);
	tt_int_op(bufferevent_priority_set(bev, -1), ==, -1);
	tt_int_op(bufferevent_get_priority(bev), ==, 2);
	tt_int_op(bev->ev_write.ev_pri, ==, 2);
	bufferevent_free(bev);
	bufferevent_pair_new(env->base, 0, p);
	tt_int_op(bufferevent_priority_set(p[0], 0), ==, 0);
	tt_int_op(bufferevent_get_priority(p[0]), ==, 0);
	bufferevent_free(p[0]);
	bufferevent_free(p[1]);
}

static void
test_setfd(struct regress_env *env)
{
	struct bufferevent *bev;

	st_reset();
	bev = bufferevent_socket_new(env->base, -1, 0);
	setcbs(bev, 0);
	bufferevent_enable(bev, EV_READ);
	/* 2.x: the enabled directions follow the new fd (1.4 waits for
	 * bufferevent_enable, see bufferevent/setfd). */
	tt_int_op(bufferevent_setfd(bev, env->pair[0]), ==, 0);
	tt_assert(event_pending(&bev->ev_read, EV_READ, NULL));
	tt_int_op(write(env->pair[1], "fd", 2), ==, 2);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 2);
	tt_int_op(bufferevent_setfd(bev, -1), ==, 0);
	tt_assert(!event_pending(&bev->ev_read, EV_READ, NULL));
	tt_int_op(bufferevent_getfd(bev), ==, -1);
	bufferevent_free(bev);
}

/* ------------------------------------------------------------------ */
/* Rate limits */

static void
test_ratelim_cfg(struct regress_env *env)
{
	struct timeval tick = { 0, 100000 }, bad = { 0, 0 };
	struct ev_token_bucket_cfg *cfg;

	(void)env;
	cfg = ev_token_bucket_cfg_new(100, 150, 1000, 1000, &tick);
	tt_assert(cfg != NULL);
	ev_token_bucket_cfg_free(cfg);
	cfg = ev_token_bucket_cfg_new(1, 1, 1, 1, NULL);
	tt_assert(cfg != NULL);
	ev_token_bucket_cfg_free(cfg);
	/* As in 2.1: zero rates, bursts below rates, huge values fail. */
	tt_ptr_op(ev_token_bucket_cfg_new(0, 0, 0, 0, NULL), ==, NULL);
	tt_ptr_op(ev_token_bucket_cfg_new(100, 50, 100, 100, NULL), ==, NULL);
	tt_ptr_op(ev_token_bucket_cfg_new(SIZE_MAX, SIZE_MAX, 1, 1, NULL),
	    ==, NULL);
	tt_ptr_op(ev_token_bucket_cfg_new(1, 1, 1, 1, &bad), ==, NULL);
	bad.tv_usec = -1;
	tt_ptr_op(ev_token_bucket_cfg_new(1, 1, 1, 1, &bad), ==, NULL);
	ev_token_bucket_cfg_free(NULL);
}

static void
test_ratelim_read(struct regress_env *env)
{
	struct timeval tick = { 0, 50000 };
	struct ev_token_bucket_cfg *cfg;
	struct bufferevent *a, *b;
	char big[1000];
	double t0;

	st_reset();
	cfg = ev_token_bucket_cfg_new(100, 150, 100000, 100000, &tick);
	a = bufferevent_socket_new(env->base, env->pair[0], 0);
	b = bufferevent_socket_new(env->base, env->pair[1], 0);
	setcbs(a, 0);
	tt_int_op(bufferevent_get_read_limit(a), ==, EV_SSIZE_MAX);
	tt_int_op(bufferevent_set_rate_limit(a, cfg), ==, 0);
	tt_ptr_op(bufferevent_get_token_bucket_cfg(a), ==, cfg);
	/* The bucket starts with one tick's rate, as in 2.1. */
	tt_int_op(bufferevent_get_read_limit(a), ==, 100);
	tt_int_op(bufferevent_get_write_limit(a), ==, 100000);
	tt_int_op(bufferevent_get_max_to_read(a), ==, 100);
	bufferevent_enable(a, EV_READ);
	memset(big, 'r', sizeof(big));
	bufferevent_write(b, big, sizeof(big));
	t0 = regress_now();
	REGRESS_LOOP_UNTIL(env->base, S[0].len >= 600);
	/* 100 at once, then 100 per tick: five more ticks at least.  A
	 * tick the loop wakes for late lets one read take the burst (150),
	 * so 600 may be passed by 50 per late tick (wine's timers). */
	tt_assert(regress_now() - t0 >= 4 * 0.05);
	tt_int_op(S[0].nread, >=, 5);
	tt_uint_op(S[0].len, <=, 700);

	/* Decrements go below zero; adding back makes room. */
	tt_int_op(bufferevent_decrement_read_limit(a, 50), ==, 0);
	tt_int_op(bufferevent_get_read_limit(a), <=, 150 - 50);	/* burst */
	tt_int_op(bufferevent_decrement_read_limit(a, -1000), ==, 0);
	tt_int_op(bufferevent_get_read_limit(a), >=, 950);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 1000);
	tt_int_op(bufferevent_set_rate_limit(a, NULL), ==, 0);
	tt_int_op(bufferevent_get_read_limit(a), ==, EV_SSIZE_MAX);
	tt_ptr_op(bufferevent_get_token_bucket_cfg(a), ==, NULL);
	tt_int_op(bufferevent_decrement_read_limit(a, 1), ==, -1);
	tt_int_op(bufferevent_decrement_write_limit(a, 1), ==, -1);
	bufferevent_free(a);
	bufferevent_free(b);
	ev_token_bucket_cfg_free(cfg);
}

static void
test_ratelim_write(struct regress_env *env)
{
	struct timeval tick = { 0, 40000 };
	struct ev_token_bucket_cfg *cfg;
	struct bufferevent *w;
	char big[500], got[600];
	size_t total = 0;
	ssize_t n;
	double t0;

	st_reset();
	cfg = ev_token_bucket_cfg_new(100000, 100000, 100, 100, &tick);
	w = bufferevent_socket_new(env->base, env->pair[0], 0);
	setcbs(w, 0);
	bufferevent_set_rate_limit(w, cfg);
	tt_int_op(bufferevent_get_max_to_write(w), ==, 100);
	memset(big, 'w', sizeof(big));
	t0 = regress_now();
	bufferevent_write(w, big, sizeof(big));
	/* The first write takes exactly the bucket (which starts full at
	 * its rate of 100), then writing waits for the next tick. */
	REGRESS_LOOP_UNTIL(env->base,
	    evbuffer_get_length(bufferevent_get_output(w)) < 500);
	tt_uint_op(evbuffer_get_length(bufferevent_get_output(w)), ==, 400);
	while (total < 500) {
		tt_assert(regress_now() - t0 < 5 * regress_slowdown());
		regress_loop_once(env->base);
		while ((n = read(env->pair[1], got, sizeof(got))) > 0)
			total += (size_t)n;
	}
	tt_uint_op(total, ==, 500);
	/* Four more buckets' worth: at least four tick boundaries. */
	tt_assert(regress_now() - t0 >= 3 * 0.04);
	tt_int_op(bufferevent_decrement_write_limit(w, 10), ==, 0);
	bufferevent_free(w);
	ev_token_bucket_cfg_free(cfg);
}

static void
test_ratelim_group(struct regress_env *env)
{
	struct timeval tick = { 0, 50000 };
	struct ev_token_bucket_cfg *cfg;
	struct bufferevent_rate_limit_group *g;
	struct bufferevent *a, *b, *wa, *wb;
	int sp[2];
	ev_uint64_t tr = 1, tw = 1;
	char big[400];

	st_reset();
	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sp), ==, 0);
	evutil_make_socket_nonblocking(sp[0]);
	evutil_make_socket_nonblocking(sp[1]);
	cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, &tick);
	tt_ptr_op(bufferevent_rate_limit_group_new(NULL, cfg), ==, NULL);
	g = bufferevent_rate_limit_group_new(env->base, cfg);
	tt_assert(g != NULL);
	tt_int_op(bufferevent_rate_limit_group_get_read_limit(g), ==, 100);
	tt_int_op(bufferevent_rate_limit_group_get_write_limit(g), ==, 100);
	a = bufferevent_socket_new(env->base, env->pair[0], 0);
	b = bufferevent_socket_new(env->base, sp[0], 0);
	wa = bufferevent_socket_new(env->base, env->pair[1], 0);
	wb = bufferevent_socket_new(env->base, sp[1], 0);
	setcbs(a, 0);
	setcbs(b, 1);
	tt_int_op(bufferevent_add_to_rate_limit_group(a, NULL), ==, -1);
	tt_int_op(bufferevent_add_to_rate_limit_group(a, g), ==, 0);
	tt_int_op(bufferevent_add_to_rate_limit_group(a, g), ==, 0);
	tt_int_op(bufferevent_add_to_rate_limit_group(b, g), ==, 0);
	/* Members have no limit of their own; the share is 100/2, raised
	 * to the default minimum share of 64 (2.1's values). */
	tt_int_op(bufferevent_get_read_limit(a), ==, EV_SSIZE_MAX);
	tt_int_op(bufferevent_get_max_to_read(a), ==, 64);
	tt_int_op(bufferevent_rate_limit_group_set_min_share(g, 10), ==, 0);
	tt_int_op(bufferevent_get_max_to_read(a), ==, 50);

	bufferevent_enable(a, EV_READ);
	bufferevent_enable(b, EV_READ);
	memset(big, 'g', sizeof(big));
	bufferevent_write(wa, big, sizeof(big));
	bufferevent_write(wb, big, sizeof(big));
	REGRESS_LOOP_UNTIL(env->base, S[0].len + S[1].len >= 400);
	/* Both members were served, and the totals count them. */
	tt_uint_op(S[0].len, >, 0);
	tt_uint_op(S[1].len, >, 0);
	bufferevent_rate_limit_group_get_totals(g, &tr, &tw);
	tt_uint_op(tr, ==, S[0].len + S[1].len);
	tt_uint_op(tw, ==, 0);
	bufferevent_rate_limit_group_get_totals(g, NULL, NULL);
	bufferevent_rate_limit_group_reset_totals(g);
	bufferevent_rate_limit_group_get_totals(g, &tr, &tw);
	tt_uint_op(tr, ==, 0);

	tt_int_op(bufferevent_rate_limit_group_decrement_read(g, 1000), ==, 0);
	tt_int_op(bufferevent_rate_limit_group_get_read_limit(g), <, 0);
	tt_int_op(bufferevent_get_max_to_read(a), ==, 0);
	tt_int_op(bufferevent_rate_limit_group_decrement_write(g, -50), ==, 0);
	tt_int_op(bufferevent_rate_limit_group_get_write_limit(g), >=, 100);
	tt_int_op(bufferevent_rate_limit_group_set_cfg(g, cfg), ==, 0);
	tt_int_op(bufferevent_rate_limit_group_set_cfg(g, NULL), ==, -1);
	/* Leaving the group lifts its limit. */
	tt_int_op(bufferevent_remove_from_rate_limit_group(a), ==, 0);
	tt_int_op(bufferevent_remove_from_rate_limit_group(a), ==, 0);
	tt_int_op(bufferevent_get_max_to_read(a), >, 100);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 400);
	/* Freeing the group releases its members. */
	bufferevent_rate_limit_group_free(g);
	tt_int_op(bufferevent_get_max_to_read(b), >, 100);
	REGRESS_LOOP_UNTIL(env->base, S[1].len == 400);
	bufferevent_rate_limit_group_free(NULL);
	bufferevent_free(a);
	bufferevent_free(b);
	bufferevent_free(wa);
	bufferevent_free(wb);
	close(sp[0]);
	close(sp[1]);
	ev_token_bucket_cfg_free(cfg);
}

static size_t max_input_seen;

static void
max_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	if (evbuffer_get_length(in) > max_input_seen)
		max_input_seen = evbuffer_get_length(in);
	S[0].len += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
test_max_single(struct regress_env *env)
{
	struct bufferevent *bev;
	char big[1000];

	st_reset();
	max_input_seen = 0;
	bev = bufferevent_socket_new(env->base, env->pair[0], 0);
	/* Our defaults: reads up to 256 KiB, writes the whole output. */
	tt_int_op(bufferevent_get_max_single_read(bev), ==, 256 * 1024);
	tt_int_op(bufferevent_get_max_single_write(bev), ==, INT_MAX);
	tt_int_op(bufferevent_set_max_single_read(bev, 100), ==, 0);
	tt_int_op(bufferevent_get_max_single_read(bev), ==, 100);
	tt_int_op(bufferevent_get_max_to_read(bev), ==, 100);
	tt_int_op(bufferevent_set_max_single_write(bev, 10), ==, 0);
	tt_int_op(bufferevent_get_max_single_write(bev), ==, 10);
	tt_int_op(bufferevent_get_max_to_write(bev), ==, 10);
	bufferevent_setcb(bev, max_readcb, NULL, NULL, NULL);
	bufferevent_enable(bev, EV_READ);
	memset(big, 'm', sizeof(big));
	tt_int_op(write(env->pair[1], big, sizeof(big)), ==, 1000);
	REGRESS_LOOP_UNTIL(env->base, S[0].len == 1000);
	tt_uint_op(max_input_seen, <=, 100);
	/* 0 and huge values mean the default again. */
	tt_int_op(bufferevent_set_max_single_read(bev, 0), ==, 0);
	tt_int_op(bufferevent_get_max_single_read(bev), ==, 256 * 1024);
	tt_int_op(bufferevent_set_max_single_write(bev, SIZE_MAX), ==, 0);
	tt_int_op(bufferevent_get_max_single_write(bev), ==, INT_MAX);
	bufferevent_free(bev);
}

#define BEV2 (RT_BASE | RT_PAIR)
struct regress_case regress_bufferevent2_cases[] = {
	{ "bufferevent2/defaults", test_defaults, RT_BASE, NULL },
	{ "bufferevent2/socket_roundtrip", test_socket_roundtrip, BEV2, NULL },
	{ "bufferevent2/mixed_api", test_mixed_api, BEV2, NULL },
	{ "bufferevent2/timeouts_tv", test_timeouts_tv, BEV2, NULL },
	{ "bufferevent2/eof_disables", test_eof_disables, BEV2, NULL },
	{ "bufferevent2/connect_ok", test_connect_ok, RT_BASE, NULL },
	{ "bufferevent2/connect_refused", test_connect_refused, RT_BASE,
	  NULL },
	{ "bufferevent2/connect_fd", test_connect_fd, RT_BASE, NULL },
	{ "bufferevent2/connect_bad", test_connect_bad, RT_BASE, NULL },
	{ "bufferevent2/connect_hostname", test_connect_hostname, RT_BASE,
	  NULL },
	{ "bufferevent2/hostname_fail", test_hostname_fail, RT_BASE, NULL },
	{ "bufferevent2/pair_basic", test_pair_basic, RT_BASE, NULL },
	{ "bufferevent2/pair_watermarks", test_pair_watermarks, RT_BASE,
	  NULL },
	{ "bufferevent2/pair_timeouts", test_pair_timeouts, RT_BASE, NULL },
	{ "bufferevent2/pair_free_in_cb", test_pair_free_in_cb, RT_BASE,
	  NULL },
	{ "bufferevent2/filter_basic", test_filter_basic, RT_BASE, NULL },
	{ "bufferevent2/filter_null", test_filter_null, RT_BASE, NULL },
	{ "bufferevent2/filter_error", test_filter_error, RT_BASE, NULL },
	{ "bufferevent2/filter_flush", test_filter_flush, RT_BASE, NULL },
	{ "bufferevent2/filter_watermark", test_filter_watermark, RT_BASE,
	  NULL },
	{ "bufferevent2/filter_socket", test_filter_socket, BEV2, NULL },
	{ "bufferevent2/trigger", test_trigger, BEV2, NULL },
	{ "bufferevent2/refcount", test_refcount, BEV2, NULL },
	{ "bufferevent2/deferred", test_deferred, BEV2, NULL },
	{ "bufferevent2/priority", test_priority, BEV2, NULL },
	{ "bufferevent2/setfd", test_setfd, BEV2, NULL },
	{ "bufferevent2/ratelim_cfg", test_ratelim_cfg, RT_ONCE, NULL },
	{ "bufferevent2/ratelim_read", test_ratelim_read, BEV2, NULL },
	{ "bufferevent2/ratelim_write", test_ratelim_write, BEV2, NULL },
	{ "bufferevent2/ratelim_group", test_ratelim_group, BEV2, NULL },
	{ "bufferevent2/max_single", test_max_single, BEV2, NULL },
	RT_END
};
