/*
 * regress_event2_thread_buf.c -- evbuffers, bufferevents (BEV_OPT_THREADSAFE,
 * pairs, filters) and listeners (LEV_OPT_THREADSAFE) with the thread
 * callbacks of event2/thread.h: real locks that exclude other threads,
 * writes and frees from other threads while the loop runs, lock lifetimes.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "regress.h"
#include "regress_event2.h"
#include "regress_thread.h"

#ifdef HAVE_PTHREADS

/* Wait (up to ~5 s, scaled) until my_lock() saw more than `before`
 * contended locks: another thread is blocked on a lock. */
static void
wait_contended(int before)
{
	double limit = regress_now() + 5 * regress_slowdown();

	while (get_flag(&n_contended) <= before) {
		if (regress_now() > limit)
			regress_fail(__FILE__, __LINE__,
			    "no thread waited for the lock");
		usleep(1000);
	}
}

/* A lock to hold, the call another thread makes on it (which adds "B"
 * to buf), and buf. */
struct exclusion {
	void (*lock)(void *);
	void (*unlock)(void *);
	void *obj;
	void (*call)(void *);
	struct evbuffer *buf;
};

/*
 * Hold the lock while another thread makes its call: the call waits
 * (my_lock() sees the lock taken), so "A", added meanwhile by the holder,
 * comes first.
 */
static void
check_exclusion(const struct exclusion *x)
{
	struct later l;
	int c0 = get_flag(&n_contended);

	x->lock(x->obj);
	run_later(&l, x->call, x->obj, 0);
	wait_contended(c0);
	tt_uint_op(evbuffer_get_length(x->buf), ==, 0);
	tt_int_op(evbuffer_add(x->buf, "A", 1), ==, 0);
	x->unlock(x->obj);
	join(&l);
	tt_uint_op(evbuffer_get_length(x->buf), ==, 2);
	tt_mem_op(evbuffer_pullup(x->buf, -1), ==, "AB", 2);
}

static void
buf_lock(void *buf)
{
	evbuffer_lock(buf);
}

static void
buf_unlock(void *buf)
{
	evbuffer_unlock(buf);
}

static void
buf_add_b(void *buf)
{
	tt_int_op(evbuffer_add(buf, "B", 1), ==, 0);
}

static void
bev_lock(void *bev)
{
	bufferevent_lock(bev);
}

static void
bev_unlock(void *bev)
{
	bufferevent_unlock(bev);
}

static void
bev_write_b(void *bev)
{
	tt_int_op(bufferevent_write(bev, "B", 1), ==, 0);
}

/* The other end of a pair: its lock is the one held. */
static void
partner_write_b(void *bev)
{
	bev_write_b(bufferevent_pair_get_partner(bev));
}

static void
close_accepted_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)socklen;
	(void)arg;
	close(fd);
}

/*
 * Once lock callbacks are installed, evbuffer_enable_locking(), a
 * BEV_OPT_THREADSAFE bufferevent (one lock shared with its buffers, and
 * by the two ends of a pair) and a LEV_OPT_THREADSAFE listener get real
 * locks from them, which exclude other threads; every one is freed.
 */
static void
test_buffer_locks(struct regress_env *env)
{
	struct exclusion x;
	struct event_base *b;
	struct evbuffer *buf;
	struct bufferevent *bev, *pair[2];
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	long a0, f0, l0;

	tt_int_op(evthread_set_lock_callbacks(&my_locks), ==, 0);
	tt_int_op(evthread_set_condition_callbacks(&my_conds), ==, 0);
	b = event_base_new();
	tt_str_op(event_base_get_method(b), ==, env->backend);
	a0 = n_alloc;
	f0 = n_free;

	buf = evbuffer_new();
	tt_int_op(evbuffer_enable_locking(buf, NULL), ==, 0);
	tt_int_op(n_alloc, ==, a0 + 1);
	tt_int_op(evbuffer_enable_locking(buf, NULL), ==, -1);	/* has one */
	x.lock = buf_lock;
	x.unlock = buf_unlock;
	x.obj = buf;
	x.call = buf_add_b;
	x.buf = buf;
	check_exclusion(&x);
	evbuffer_free(buf);
	tt_int_op(n_free, ==, f0 + 1);

	bev = bufferevent_socket_new(b, -1, BEV_OPT_THREADSAFE);
	tt_assert(bev != NULL);
	tt_int_op(n_alloc, ==, a0 + 2);
	x.lock = bev_lock;
	x.unlock = bev_unlock;
	x.obj = bev;
	x.call = bev_write_b;
	x.buf = bufferevent_get_output(bev);
	check_exclusion(&x);
	bufferevent_free(bev);
	tt_int_op(n_free, ==, f0 + 2);

	tt_int_op(bufferevent_pair_new(b, BEV_OPT_THREADSAFE, pair), ==, 0);
	tt_int_op(n_alloc, ==, a0 + 3);
	x.obj = pair[0];
	x.call = partner_write_b;
	/* pair[0] does not read: the byte stays in pair[1]'s output. */
	x.buf = bufferevent_get_output(pair[1]);
	check_exclusion(&x);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	tt_int_op(n_free, ==, f0 + 3);

	regress_loopback_in(&sin, 0);
	lev = evconnlistener_new_bind(b, close_accepted_cb, NULL,
	    LEV_OPT_THREADSAFE, -1, (struct sockaddr *)&sin, sizeof(sin));
	tt_assert(lev != NULL);
	tt_int_op(n_alloc, ==, a0 + 4);
	l0 = n_lock;
	tt_int_op(evconnlistener_disable(lev), ==, 0);
	tt_int_op(n_lock, >, l0);
	evconnlistener_free(lev);
	tt_int_op(n_free, ==, f0 + 4);

	event_base_free(b);
	tt_int_op(n_lock, ==, n_unlock);
	tt_int_op(n_free - f0, ==, n_alloc - a0 + 1);	/* + the base's */
}

/* evbuffer_lock() takes the program's own lock, through pthreads. */
static pthread_mutex_t prog_mutex;
static volatile int try_result;

static void
do_trylock(void *arg)
{
	int r = pthread_mutex_trylock(&prog_mutex);

	(void)arg;
	if (r == 0)
		pthread_mutex_unlock(&prog_mutex);
	set_flag(&try_result, r);
}

static int
trylock_elsewhere(void)
{
	struct later l;

	set_flag(&try_result, -1);
	run_later(&l, do_trylock, NULL, 0);
	join(&l);
	return get_flag(&try_result);
}

static void
test_evbuffer_pthreads(struct regress_env *env)
{
	pthread_mutexattr_t a;
	struct evbuffer *buf, *own;

	(void)env;
	tt_int_op(evthread_use_pthreads(), ==, 0);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	tt_int_op(pthread_mutex_init(&prog_mutex, &a), ==, 0);
	pthread_mutexattr_destroy(&a);

	own = evbuffer_new();
	tt_int_op(evbuffer_enable_locking(own, NULL), ==, 0);
	evbuffer_lock(own);
	evbuffer_lock(own);		/* recursive */
	tt_int_op(evbuffer_add(own, "x", 1), ==, 0);
	evbuffer_unlock(own);
	evbuffer_unlock(own);
	evbuffer_free(own);

	buf = evbuffer_new();
	tt_int_op(evbuffer_enable_locking(buf, &prog_mutex), ==, 0);
	tt_int_op(trylock_elsewhere(), ==, 0);
	evbuffer_lock(buf);
	tt_int_op(trylock_elsewhere(), ==, EBUSY);
	evbuffer_unlock(buf);
	tt_int_op(trylock_elsewhere(), ==, 0);
	evbuffer_free(buf);		/* the program's lock stays */
	tt_int_op(pthread_mutex_destroy(&prog_mutex), ==, 0);
}

/* Two BEV_OPT_THREADSAFE socket bufferevents on the ends of a socketpair,
 * e[1] closing its end when freed, e[0] with options0 too; reading
 * enabled on e[0]. */
static void
threadsafe_pair(struct event_base *b, struct bufferevent *e[2], int options0)
{
	int p[2];

	regress_socketpair(p);
	e[0] = bufferevent_socket_new(b, p[0], BEV_OPT_THREADSAFE | options0);
	e[1] = bufferevent_socket_new(b, p[1], BEV_OPT_THREADSAFE |
	    BEV_OPT_CLOSE_ON_FREE);
	tt_assert(e[0] != NULL && e[1] != NULL);
	tt_int_op(bufferevent_enable(e[0], EV_READ), ==, 0);
}

/*
 * Several threads write records to one BEV_OPT_THREADSAFE bufferevent
 * (bufferevent_write, and evbuffer_add on its output) while the loop
 * sends them; with lock debugging.  Every record arrives whole, each
 * thread's in its order.
 */
#define NWRITERS 4
#define NRECORDS 500
#define RECLEN 8

static struct bufferevent *rec_bev;
static char rec_data[NWRITERS * NRECORDS * RECLEN];
static size_t rec_len;

static void
do_records(void *arg)
{
	intptr_t t = (intptr_t)arg;
	char rec[RECLEN + 1];
	int i;

	for (i = 0; i < NRECORDS; i++) {
		evutil_snprintf(rec, sizeof(rec), "%ld%06d\n", (long)t, i);
		if (t % 2)
			tt_int_op(bufferevent_write(rec_bev, rec, RECLEN), ==,
			    0);
		else
			tt_int_op(evbuffer_add(bufferevent_get_output(rec_bev),
			    rec, RECLEN), ==, 0);
	}
}

static void
records_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	tt_uint_op(n, <=, sizeof(rec_data) - rec_len);
	tt_int_op(evbuffer_remove(in, rec_data + rec_len, n), ==, (int)n);
	rec_len += n;
	if (rec_len == sizeof(rec_data))
		event_base_loopbreak(arg);
}

/* Every writer's records, whole and in order. */
static void
check_records(void)
{
	int next[NWRITERS], t;
	size_t i;

	memset(next, 0, sizeof(next));
	for (i = 0; i < rec_len; i += RECLEN) {
		t = rec_data[i] - '0';
		tt_assert(t >= 0 && t < NWRITERS);
		tt_int_op(rec_data[i + RECLEN - 1], ==, '\n');
		tt_int_op(atoi(rec_data + i + 1), ==, next[t]);
		next[t]++;
	}
	for (t = 0; t < NWRITERS; t++)
		tt_int_op(next[t], ==, NRECORDS);
}

static void
test_bufferevent_write_threads(struct regress_env *env)
{
	struct event_base *b;
	struct bufferevent *e[2];
	struct later l[NWRITERS];
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	long t;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	evthread_enable_lock_debugging();
	b = threaded_base(env);
	threadsafe_pair(b, e, BEV_OPT_CLOSE_ON_FREE);
	rec_bev = e[1];
	/* The output has the bufferevent's lock already. */
	tt_int_op(evbuffer_enable_locking(bufferevent_get_output(rec_bev),
	    &m), ==, -1);
	bufferevent_setcb(e[0], records_readcb, NULL, NULL, b);
	rec_len = 0;
	for (t = 0; t < NWRITERS; t++)
		run_later(&l[t], do_records, (void *)(intptr_t)t, 10);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	for (t = 0; t < NWRITERS; t++)
		join(&l[t]);
	tt_uint_op(rec_len, ==, sizeof(rec_data));
	check_records();
	bufferevent_free(e[0]);
	bufferevent_free(e[1]);
	event_base_free(b);
}

/*
 * Another thread disables and enables reading on a bufferevent whose
 * read callback the loop keeps running: neither waits for the other
 * for ever (the callback needs the lock the disabling thread holds).
 */
static struct bufferevent *toggle_bev;
static volatile int toggling_done;
static size_t toggle_read;

static void
do_toggle(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 2000; i++) {
		tt_int_op(bufferevent_disable(toggle_bev, EV_READ), ==, 0);
		tt_int_op(bufferevent_enable(toggle_bev, EV_READ), ==, 0);
	}
	set_flag(&toggling_done, 1);
}

static void
toggle_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	toggle_read += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (get_flag(&toggling_done))
		event_base_loopbreak(arg);
}

static void
toggle_writecb(struct bufferevent *bev, void *arg)
{
	static const char chunk[512];

	(void)arg;
	tt_int_op(bufferevent_write(bev, chunk, sizeof(chunk)), ==, 0);
}

static void
test_bufferevent_toggle_threads(struct regress_env *env)
{
	struct event_base *b;
	struct bufferevent *e[2];
	struct later l;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	b = threaded_base(env);
	threadsafe_pair(b, e, BEV_OPT_CLOSE_ON_FREE);
	toggle_bev = e[0];
	bufferevent_setcb(e[0], toggle_readcb, NULL, NULL, b);
	bufferevent_setcb(e[1], NULL, toggle_writecb, NULL, b);
	tt_int_op(bufferevent_write(e[1], "go", 2), ==, 0);
	set_flag(&toggling_done, 0);
	toggle_read = 0;
	run_later(&l, do_toggle, NULL, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(get_flag(&toggling_done), ==, 1);
	tt_uint_op(toggle_read, >, 0);
	bufferevent_free(e[0]);
	bufferevent_free(e[1]);
	event_base_free(b);
}

/*
 * Another thread frees a bufferevent whose read handler the loop keeps
 * running: the free waits for a running handler, none runs after it,
 * nothing is touched once freed; then it shuts the socket down, so the
 * peer sees the end.  (The socket is closed by the loop's thread: the
 * kqueue and /dev/poll emulations behind close() are single-threaded.)
 */
static struct bufferevent *victim;
static volatile int victim_reads, victim_freed;

static void
do_free_victim(void *arg)
{
	int fd = bufferevent_getfd(victim);

	(void)arg;
	wait_flag(&victim_reads, 1);
	bufferevent_free(victim);
	set_flag(&victim_freed, 1);
	tt_int_op(shutdown(fd, SHUT_RDWR), ==, 0);
}

static void
victim_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	tt_int_op(get_flag(&victim_freed), ==, 0);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (get_flag(&victim_reads) == 0)
		set_flag(&victim_reads, 1);
}

static void
feeder_eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		event_base_loopbreak(arg);
}

static void
test_bufferevent_free_thread(struct regress_env *env)
{
	struct event_base *b;
	struct bufferevent *e[2], *feeder;
	struct later l;
	int fd;

	signal(SIGPIPE, SIG_IGN);	/* the feeder writes to a closed peer */
	tt_int_op(evthread_use_pthreads(), ==, 0);
	b = threaded_base(env);
	threadsafe_pair(b, e, 0);
	victim = e[0];
	feeder = e[1];
	fd = bufferevent_getfd(victim);
	bufferevent_setcb(victim, victim_readcb, NULL, NULL, NULL);
	bufferevent_setcb(feeder, NULL, toggle_writecb, feeder_eventcb, b);
	tt_int_op(bufferevent_enable(feeder, EV_READ), ==, 0);
	tt_int_op(bufferevent_write(feeder, "go", 2), ==, 0);
	victim_reads = victim_freed = 0;
	run_later(&l, do_free_victim, NULL, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_int_op(get_flag(&victim_freed), ==, 1);
	tt_int_op(event_base_got_break(b), ==, 1);	/* not the safety */
	tt_int_op(close(fd), ==, 0);
	bufferevent_free(feeder);
	event_base_free(b);
}

/*
 * A BEV_OPT_THREADSAFE filter over a threadsafe socket bufferevent: one
 * thread writes records through the filter while the loop reads a stream
 * through it.  The filter shares the underlying bufferevent's lock, so the
 * two paths (filter then socket, socket then filter) cannot deadlock, and
 * every record arrives.
 */
#define FILTER_RECORDS 2000

static struct bufferevent *flt;
static size_t flt_got, peer_got;

static enum bufferevent_filter_result
copy_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	(void)limit;
	(void)mode;
	(void)ctx;
	return evbuffer_add_buffer(dst, src) == 0 ? BEV_OK : BEV_ERROR;
}

static void
do_filter_writes(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < FILTER_RECORDS; i++)
		tt_int_op(bufferevent_write(flt, "0123456789abcdef", 16), ==,
		    0);
}

/* Both directions have seen data: the peer all the records, the filter
 * some of the peer's (whichever callback comes last ends the loop). */
static void
filter_maybe_done(struct event_base *base)
{
	if (peer_got == FILTER_RECORDS * 16 && flt_got > 0)
		event_base_loopbreak(base);
}

static void
flt_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	flt_got += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	filter_maybe_done(bufferevent_get_base(bev));
}

/* The peer: reads what the filter sent, keeps sending its own. */
static void
peer_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	peer_got += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	filter_maybe_done(arg);
}

static void
test_filter_threads(struct regress_env *env)
{
	struct event_base *b;
	struct bufferevent *e[2];
	struct later l;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	evthread_enable_lock_debugging();
	b = threaded_base(env);
	threadsafe_pair(b, e, BEV_OPT_CLOSE_ON_FREE);
	flt = bufferevent_filter_new(e[0], copy_filter, copy_filter,
	    BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
	tt_assert(flt != NULL);
	/* (Zeroed before any write: the first bytes may arrive at once.) */
	flt_got = peer_got = 0;
	bufferevent_setcb(flt, flt_readcb, NULL, NULL, NULL);
	tt_int_op(bufferevent_enable(flt, EV_READ), ==, 0);
	bufferevent_setcb(e[1], peer_readcb, toggle_writecb, NULL, b);
	tt_int_op(bufferevent_enable(e[1], EV_READ), ==, 0);
	tt_int_op(bufferevent_write(e[1], "go", 2), ==, 0);
	run_later(&l, do_filter_writes, NULL, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&l);
	tt_uint_op(peer_got, ==, FILTER_RECORDS * 16);
	tt_uint_op(flt_got, >, 0);
	bufferevent_free(flt);		/* and e[0] */
	bufferevent_free(e[1]);
	event_base_free(b);
}

/*
 * The two ends of a BEV_OPT_THREADSAFE pair share one lock: it lives until
 * the last end is gone, whichever is freed first and even while a
 * deferred callback still holds a freed end (ASan and valgrind check).
 */
static int pair_reads;

static void
pair_readcb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	pair_reads++;
}

static void
test_pair_lock_lifetime(struct regress_env *env)
{
	struct event_base *b;
	struct bufferevent *pair[2];
	int first;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	evthread_enable_lock_debugging();	/* checks every lock it takes */
	b = threaded_base(env);
	for (first = 0; first < 2; first++) {
		tt_int_op(bufferevent_pair_new(b, BEV_OPT_THREADSAFE, pair), ==,
		    0);
		bufferevent_setcb(pair[0], pair_readcb, NULL, NULL, NULL);
		tt_int_op(bufferevent_enable(pair[0], EV_READ), ==, 0);
		/* pair[0]'s read callback is now due (pairs defer them). */
		tt_int_op(bufferevent_write(pair[1], "x", 1), ==, 0);
		bufferevent_free(pair[first]);
		bufferevent_free(pair[1 - first]);
		pair_reads = 0;
		tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
		tt_int_op(pair_reads, ==, 0);	/* freed: no callbacks */
	}
	event_base_free(b);
}

/*
 * A LEV_OPT_THREADSAFE listener accepts in the loop while another thread
 * disables, re-enables and resets its callback, and a third connects:
 * every connection is accepted, with lock debugging.
 */
#define NCLIENTS 20

static struct evconnlistener *t_lev;
static volatile int n_accepted;
static int clients[NCLIENTS];
static struct sockaddr_in lev_addr;

static void
count_accepted_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)socklen;
	close(fd);
	if (__atomic_add_fetch(&n_accepted, 1, __ATOMIC_SEQ_CST) == NCLIENTS)
		event_base_loopbreak(arg);
}

static void
do_lev_toggle(void *arg)
{
	int i;

	for (i = 0; i < 200; i++) {
		tt_int_op(evconnlistener_disable(t_lev), ==, 0);
		evconnlistener_set_cb(t_lev, count_accepted_cb, arg);
		tt_int_op(evconnlistener_enable(t_lev), ==, 0);
	}
}

static void
do_connect(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NCLIENTS; i++)
		clients[i] = regress_connect_loopback(AF_INET,
		    ntohs(lev_addr.sin_port));
}

static void
test_listener_threads(struct regress_env *env)
{
	struct event_base *b;
	struct later lt, lc;
	socklen_t len = sizeof(lev_addr);
	int i;

	tt_int_op(evthread_use_pthreads(), ==, 0);
	evthread_enable_lock_debugging();
	b = threaded_base(env);
	regress_loopback_in(&lev_addr, 0);
	t_lev = evconnlistener_new_bind(b, count_accepted_cb, b,
	    LEV_OPT_THREADSAFE | LEV_OPT_CLOSE_ON_FREE, -1,
	    (struct sockaddr *)&lev_addr, sizeof(lev_addr));
	tt_assert(t_lev != NULL);
	tt_int_op(getsockname(evconnlistener_get_fd(t_lev),
	    (struct sockaddr *)&lev_addr, &len), ==, 0);
	n_accepted = 0;
	run_later(&lt, do_lev_toggle, b, 0);
	run_later(&lc, do_connect, NULL, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), ==, 0);
	join(&lt);
	join(&lc);
	tt_int_op(get_flag(&n_accepted), ==, NCLIENTS);
	for (i = 0; i < NCLIENTS; i++)
		close(clients[i]);
	evconnlistener_free(t_lev);
	event_base_free(b);
}

#else
#define test_buffer_locks test_no_threads
#define test_evbuffer_pthreads test_no_threads
#define test_bufferevent_write_threads test_no_threads
#define test_bufferevent_toggle_threads test_no_threads
#define test_bufferevent_free_thread test_no_threads
#define test_filter_threads test_no_threads
#define test_pair_lock_lifetime test_no_threads
#define test_listener_threads test_no_threads
#endif /* HAVE_PTHREADS */

struct regress_case regress_event2_thread_buf_cases[] = {
	{ "thread/buffer_locks", test_buffer_locks, 0, THREAD_SKIP },
	{ "thread/evbuffer_pthreads", test_evbuffer_pthreads, 0, THREAD_SKIP },
	{ "thread/bufferevent_write", test_bufferevent_write_threads, 0,
	    THREAD_SKIP },
	{ "thread/bufferevent_toggle", test_bufferevent_toggle_threads, 0,
	    THREAD_SKIP },
	{ "thread/bufferevent_free", test_bufferevent_free_thread, 0,
	    THREAD_SKIP },
	{ "thread/pair_lock_lifetime", test_pair_lock_lifetime, 0,
	    THREAD_SKIP },
	{ "thread/filter", test_filter_threads, 0, THREAD_SKIP },
	{ "thread/listener", test_listener_threads, 0, THREAD_SKIP },
	RT_END
};
