/*
 * regress_recheck.c -- re-checking fds after event_set(): the batched
 * path (io_uring on epoll), its fallbacks, and fd reuse inside a batch.
 *
 * event_set() before event_add() means the fd may be a new file with a
 * reused number; epoll re-checks it with EPOLL_CTL_ADD (EEXIST: the same
 * file) and applies a flush's changes in one io_uring_enter() when it can.
 * The fallbacks are forced with EVENT_NOIOURING and with a seccomp filter
 * that refuses io_uring.  The reuse cases run on every backend.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && defined(HAVE_LINUX_IO_URING_H)
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#define HAVE_SECCOMP_TEST 1
#endif

#include <event2/event.h>
#include "event.h"
#include "evutil.h"
#include "regress.h"
#include "regress_util.h"

enum { NFD = 40 };

struct rc {
	struct event ev;
	int good, spurious, last;
};

static void
rc_cb(int fd, short what, void *arg)
{
	struct rc *r = arg;
	char c;

	r->last = what;
	if (read(fd, &c, 1) == 1)
		r->good++;
	else
		r->spurious++;
}

/* event_set() of a persistent read event on fd. */
static void
rc_set(struct rc *r, int fd)
{
	event_set(&r->ev, fd, EV_READ | EV_PERSIST, rc_cb, r);
}

static void
pair(int p[2])
{
	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, p), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[1]), ==, 0);
}

#ifndef _WIN32

/* regress_core.c counts the library's epoll_ctl() calls. */
long regress_epoll_ctl_count(void);

static void
put1(int fd)
{
	if (write(fd, "x", 1) != 1)
		tt_fail(strerror(errno));
}

/* io_uring instances this process has open (the epoll backend's ring). */
static int
uring_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], link[64];
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		ssize_t len;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:[io_uring]") == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Can this process create an io_uring at all? */
static int
uring_possible(void)
{
#if defined(SYS_io_uring_setup)
	char params[120];	/* struct io_uring_params is 120 bytes */
	long fd;

	memset(params, 0, sizeof(params));
	fd = syscall(SYS_io_uring_setup, 4, params);
	if (fd == -1)
		return 0;
	close((int)fd);
	return 1;
#else
	return 0;
#endif
}

/* A new current base, with io_uring allowed or not. */
static struct event_base *
fresh_base(struct regress_env *env, int noiouring)
{
	if (noiouring)
		tt_int_op(setenv("EVENT_NOIOURING", "1", 1), ==, 0);
	else
		tt_int_op(unsetenv("EVENT_NOIOURING"), ==, 0);
	if (env->base != NULL)
		event_base_free(env->base);
	env->base = event_init();
	tt_assert(env->base != NULL);
	return env->base;
}

/*
 * NFD pairs registered, then del + event_set + add on all of them: one
 * re-check each.  Returns the epoll_ctl() calls the flush made; checks
 * that every event still fires exactly once per byte.
 */
static long
recheck_round(void)
{
	static struct rc r[NFD];
	static int p[NFD][2];
	long before;
	int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < NFD; i++) {
		pair(p[i]);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	before = regress_epoll_ctl_count();
	for (i = 0; i < NFD; i++) {
		tt_int_op(event_del(&r[i].ev), ==, 0);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	before = regress_epoll_ctl_count() - before;
	for (i = 0; i < NFD; i++)
		put1(p[i][1]);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < NFD; i++) {
		tt_int_op(r[i].good, ==, 1);
		tt_int_op(r[i].spurious, ==, 0);
		tt_int_op(event_del(&r[i].ev), ==, 0);
		close(p[i][0]);
		close(p[i][1]);
	}
	return before;
}

static void
need_epoll(struct regress_env *env)
{
	(void)env;
	if (regress_epoll_ctl_count() < 0)
		tt_skip("epoll_ctl() calls cannot be counted here");
}

/* With io_uring the NFD re-checks make no epoll_ctl() call at all. */
static void
test_recheck_ring(struct regress_env *env)
{
	long calls;

	need_epoll(env);
	fresh_base(env, 0);
	if (!uring_possible())
		tt_skip("io_uring_setup() refused here (kernel, sysctl or "
		    "seccomp): the fallback cases cover this machine");
	tt_int_op(uring_fds(), ==, 0);	/* made only when first needed */
	calls = recheck_round();
	tt_int_op(uring_fds(), ==, 1);
	tt_int_op(calls, ==, 0);
	/* The ring is kept for the next batch. */
	calls = recheck_round();
	tt_int_op(calls, ==, 0);
	tt_int_op(uring_fds(), ==, 1);
	event_base_free(env->base);
	env->base = NULL;
	tt_int_op(uring_fds(), ==, 0);
}

/* EVENT_NOIOURING: one plain epoll_ctl() per re-check, no ring. */
static void
test_recheck_noiouring(struct regress_env *env)
{
	need_epoll(env);
	fresh_base(env, 1);
	tt_int_op(recheck_round(), ==, NFD);
	tt_int_op(uring_fds(), ==, 0);
}

#ifdef HAVE_SECCOMP_TEST
/* Make the system call nr fail with err from now on (this child only). */
static void
refuse_syscall(long nr, int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog;

	prog.len = (unsigned short)(sizeof(f) / sizeof(f[0]));
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		tt_skip("cannot install a seccomp filter here");
}
#endif

/* io_uring_setup() refused (as seccomp profiles of containers do). */
static void
test_recheck_refused_setup(struct regress_env *env)
{
#if defined(HAVE_SECCOMP_TEST) && defined(SYS_io_uring_setup)
	need_epoll(env);
	refuse_syscall(SYS_io_uring_setup, ENOSYS);
	tt_int_op(uring_possible(), ==, 0);
	fresh_base(env, 0);
	tt_int_op(recheck_round(), ==, NFD);
	tt_int_op(uring_fds(), ==, 0);
	tt_int_op(recheck_round(), ==, NFD);
#else
	(void)env;
	tt_skip("no seccomp or io_uring headers on this system");
#endif
}

/* The ring is made, then io_uring_enter() is refused: the batch falls
 * back to plain calls and the ring is closed. */
static void
test_recheck_refused_enter(struct regress_env *env)
{
#if defined(HAVE_SECCOMP_TEST) && defined(SYS_io_uring_enter)
	need_epoll(env);
	fresh_base(env, 0);
	if (!uring_possible())
		tt_skip("io_uring_setup() refused here: nothing to break");
	tt_int_op(recheck_round(), ==, 0);
	tt_int_op(uring_fds(), ==, 1);
	refuse_syscall(SYS_io_uring_enter, EPERM);
	tt_int_op(recheck_round(), ==, NFD);
	tt_int_op(uring_fds(), ==, 0);
	tt_int_op(recheck_round(), ==, NFD);
#else
	(void)env;
	tt_skip("no seccomp or io_uring headers on this system");
#endif
}

/*
 * One batch that mixes every kind of re-check: fds whose old file lives on
 * in a child or in a dup() of ours (a leftover epoll entry under the same
 * number), fds closed and reused with nothing left of the old file, and
 * fds unchanged (EEXIST).  Every old file and every new one gets a byte;
 * each event must read exactly its own, without a storm of wakeups.
 */
static void
reuse_batch(struct regress_env *env)
{
	enum { N = 12 };
	static struct rc r[N];
	int p[N][2], q[2], dups[N], olds[N], fd, i, status;
	struct timeval ex = { 0, 100000 };
	pid_t pid;

	memset(r, 0, sizeof(r));
	for (i = 0; i < N; i++) {
		pair(p[i]);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		dups[i] = olds[i] = -1;
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		/* Keep every old file open, do nothing. */
		struct timespec ts = { 5, 0 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&r[i].ev), ==, 0);
		fd = p[i][0];
		if (i % 4 != 3) {
			/* 0: the child keeps the old file; 1: a dup() of
			 * ours does; 2: the child does, and ours is gone. */
			if (i % 4 == 1)
				tt_assert((dups[i] = dup(fd)) != -1);
			pair(q);	/* first, so it cannot take fd */
			close(fd);
			tt_int_op(dup2(q[0], fd), ==, fd);
			close(q[0]);
			put1(p[i][1]);		/* the old file */
			if (i % 4 == 2)
				close(p[i][1]);
			else
				olds[i] = p[i][1];
			p[i][1] = q[1];
		}
		rc_set(&r[i], fd);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		put1(p[i][1]);
	}
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (i = 0; i < N; i++) {
		regress_note("fd %d: good %d spurious %d", p[i][0] ,
		    r[i].good, r[i].spurious);
		tt_int_op(r[i].good, ==, 1);
		tt_int_op(r[i].spurious, <=, 1);
		tt_int_op(event_del(&r[i].ev), ==, 0);
		if (dups[i] != -1)
			close(dups[i]);
		if (olds[i] != -1)
			close(olds[i]);
		close(p[i][0]);
		close(p[i][1]);
	}
	/* A leftover entry made epoll rebuild its set under a new fd. */
	event_base_free(env->base);
	env->base = NULL;
}

static void
test_recheck_reuse_batch(struct regress_env *env)
{
	reuse_batch(env);
}

static void
test_recheck_reuse_batch_noiouring(struct regress_env *env)
{
	fresh_base(env, 1);
	reuse_batch(env);
}

#endif /* !_WIN32 */

static int warnings;

static void
quiet_log(int sev, const char *msg)
{
	(void)msg;
	if (sev >= _EVENT_LOG_WARN)
		warnings++;
}

/*
 * A batch of re-checks of fds closed meanwhile: each failure shows at the
 * dispatch, once per event with the direction it asked for, and the
 * loop does not block on it.
 */
static void
test_recheck_closed_batch(struct regress_env *env)
{
	enum { N = 10 };
	static struct rc r[N];
	int p[N][2], i;
	double t0;

	(void)env;
	event_set_log_callback(quiet_log);
	memset(r, 0, sizeof(r));
	for (i = 0; i < N; i++) {
		pair(p[i]);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	/* A first batch makes the ring, whose fd must not take one of the
	 * numbers closed below. */
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&r[i].ev), ==, 0);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&r[i].ev), ==, 0);
		close(p[i][0]);
		close(p[i][1]);
		rc_set(&r[i], p[i][0]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	t0 = regress_now();
	/* No timeout: a dispatch that blocked here would hang the case. */
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_assert(regress_now() - t0 < 1.0 * regress_slowdown());
	for (i = 0; i < N; i++) {
		tt_int_op(r[i].spurious, ==, 1);	/* read fails: EBADF */
		tt_int_op(r[i].last, ==, EV_READ);
	}
	/* Reported once: the next pass stays silent. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < N; i++) {
		tt_int_op(r[i].spurious, ==, 1);
		tt_int_op(event_del(&r[i].ev), ==, 0);
	}
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(warnings, >=, 1);
	event_set_log_callback(NULL);
}

#ifndef _WIN32

/* The numbers of this process's epoll instances (at most n); how many. */
static int
eventpoll_fds(int *out, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], link[64];
	int k = 0;

	tt_assert(d != NULL);
	while ((de = readdir(d)) != NULL) {
		ssize_t len;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]") == 0 && k < n)
			out[k++] = atoi(de->d_name);
	}
	closedir(d);
	return k;
}

struct bits {
	int reads, closed, edges;
};

static void
bits_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bits *b = arg;

	if (what & EV_READ) {
		b->reads++;
		(void)regress_drain(fd);
	}
}

static void
bits_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bits *b = arg;

	(void)fd;
	if (what & EV_CLOSED)
		b->closed++;
}

/* Edge triggered: counts, never reads. */
static void
bits_edge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bits *b = arg;

	(void)fd;
	(void)what;
	b->edges++;
}

/*
 * epoll rebuilds its set from its own record of the interest when a
 * leftover entry speaks (epoll.c b): that record must keep EV_CLOSED
 * (EPOLLRDHUP) and EV_ET (EPOLLET), also for interest set through the
 * queued, io_uring-batched path.
 */
static void
test_recheck_rebuild_bits(struct regress_env *env)
{
	enum { NPAD = 6 };
	struct event_base *b;
	struct event *ev_r, *ev_c, *ev_e, *ev_y, *pad[NPAD];
	struct bits bx, be, by, bp;
	int x[2], e[2], y[2], q[2], pp[NPAD][2], ep0[4], ep1[4];
	int i, n0, n1, yfd, ydup;

	(void)env;
	b = event_base_new();
	tt_assert(b != NULL);
	memset(&bx, 0, sizeof(bx));
	memset(&be, 0, sizeof(be));
	memset(&by, 0, sizeof(by));
	memset(&bp, 0, sizeof(bp));
	regress_socketpair(x);
	regress_socketpair(e);
	regress_socketpair(y);
	ev_r = event_new(b, x[0], EV_READ | EV_PERSIST, bits_read_cb, &bx);
	ev_c = event_new(b, x[0], EV_CLOSED | EV_PERSIST, bits_closed_cb,
	    &bx);
	ev_e = event_new(b, e[0], EV_READ | EV_ET | EV_PERSIST, bits_edge_cb,
	    &be);
	ev_y = event_new(b, y[0], EV_READ | EV_PERSIST, bits_read_cb, &by);
	tt_assert(ev_r && ev_c && ev_e && ev_y);
	tt_int_op(event_add(ev_r, NULL), ==, 0);
	tt_int_op(event_add(ev_e, NULL), ==, 0);
	tt_int_op(event_add(ev_y, NULL), ==, 0);
	for (i = 0; i < NPAD; i++) {
		regress_socketpair(pp[i]);
		pad[i] = event_new(b, pp[i][0], EV_READ | EV_PERSIST,
		    bits_read_cb, &bp);
		tt_assert(pad[i] != NULL);
		tt_int_op(event_add(pad[i], NULL), ==, 0);
	}
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);

	/* One flush: x gains EV_CLOSED (a MOD), the pads are re-checked. */
	tt_int_op(event_add(ev_c, NULL), ==, 0);
	for (i = 0; i < NPAD; i++) {
		tt_int_op(event_del(pad[i]), ==, 0);
		tt_int_op(event_assign(pad[i], b, pp[i][0],
		    EV_READ | EV_PERSIST, bits_read_cb, &bp), ==, 0);
		tt_int_op(event_add(pad[i], NULL), ==, 0);
	}
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	/* Another: x (and e) re-checked, unchanged (EEXIST), with the pads. */
	tt_int_op(event_del(ev_r), ==, 0);
	tt_int_op(event_assign(ev_r, b, x[0], EV_READ | EV_PERSIST,
	    bits_read_cb, &bx), ==, 0);
	tt_int_op(event_add(ev_r, NULL), ==, 0);
	tt_int_op(event_del(ev_e), ==, 0);
	tt_int_op(event_assign(ev_e, b, e[0], EV_READ | EV_ET | EV_PERSIST,
	    bits_edge_cb, &be), ==, 0);
	tt_int_op(event_add(ev_e, NULL), ==, 0);
	for (i = 0; i < NPAD; i++) {
		tt_int_op(event_del(pad[i]), ==, 0);
		tt_int_op(event_assign(pad[i], b, pp[i][0],
		    EV_READ | EV_PERSIST, bits_read_cb, &bp), ==, 0);
		tt_int_op(event_add(pad[i], NULL), ==, 0);
	}
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);

	/* A leftover entry: y's number gets a new file while a dup() keeps
	 * the old one, which then becomes readable. */
	n0 = eventpoll_fds(ep0, 4);
	yfd = y[0];
	tt_assert((ydup = dup(yfd)) != -1);
	tt_int_op(event_del(ev_y), ==, 0);
	regress_socketpair(q);
	tt_int_op(dup2(q[0], yfd), ==, yfd);
	close(q[0]);
	tt_int_op(event_assign(ev_y, b, yfd, EV_READ | EV_PERSIST,
	    bits_read_cb, &by), ==, 0);
	tt_int_op(event_add(ev_y, NULL), ==, 0);
	tt_int_op(write(y[1], "o", 1), ==, 1);		/* the old file */
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_base_loop(b, EVLOOP_NONBLOCK), ==, 0);
	n1 = eventpoll_fds(ep1, 4);
	tt_assert(n0 >= 1 && n1 >= 1);
	tt_assert(n0 != n1 || memcmp(ep0, ep1, (size_t)n0 * sizeof(int)));
	tt_int_op(by.reads, ==, 0);

	/* After the rebuild: e is still edge triggered ... */
	tt_int_op(write(e[1], "e", 1), ==, 1);
	for (i = 0; i < 3; i++)
		tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK),
		    ==, 0);
	tt_int_op(be.edges, ==, 1);
	/* ... and x still reports a hang-up as EV_CLOSED. */
	tt_int_op(shutdown(x[1], SHUT_WR), ==, 0);
	/* (Once: the end of file keeps x readable.) */
	tt_int_op(event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(bx.closed, ==, 1);
	tt_int_op(bx.reads, ==, 1);

	event_free(ev_r);
	event_free(ev_c);
	event_free(ev_e);
	event_free(ev_y);
	for (i = 0; i < NPAD; i++) {
		event_free(pad[i]);
		close(pp[i][0]);
		close(pp[i][1]);
	}
	event_base_free(b);
	close(x[0]);
	close(x[1]);
	close(e[0]);
	close(e[1]);
	close(yfd);
	close(ydup);
	close(y[1]);
	close(q[1]);
}

struct regress_case regress_recheck_cases[] = {
	{ "core/recheck_reuse_batch", test_recheck_reuse_batch, RT_BASE, NULL },
	{ "core/recheck_closed_batch", test_recheck_closed_batch, RT_BASE,
	  NULL },
	RT_END
};

/* Run on the epoll backend only (regress_main.c names it). */
struct regress_case regress_recheck_epoll_cases[] = {
	{ "core/recheck_ring", test_recheck_ring, RT_BASE, NULL },
	{ "core/recheck_noiouring", test_recheck_noiouring, RT_BASE, NULL },
	{ "core/recheck_refused_setup", test_recheck_refused_setup, RT_BASE,
	  NULL },
	{ "core/recheck_refused_enter", test_recheck_refused_enter, RT_BASE,
	  NULL },
	{ "core/recheck_reuse_batch_noiouring",
	  test_recheck_reuse_batch_noiouring, RT_BASE, NULL },
	{ "core/recheck_rebuild_bits", test_recheck_rebuild_bits, 0, NULL },
	RT_END
};

#else /* _WIN32 */

static void
test_recheck_posix_only(struct regress_env *env)
{
	(void)env;
	tt_skip("reuses fd numbers through fork(), dup2() and close(), "
	    "which Windows sockets do not have");
}

struct regress_case regress_recheck_cases[] = {
	{ "core/recheck_reuse_batch", test_recheck_posix_only, 0, NULL },
	{ "core/recheck_closed_batch", test_recheck_closed_batch, RT_BASE,
	  NULL },
	RT_END
};

struct regress_case regress_recheck_epoll_cases[] = {
	RT_END
};
#endif /* _WIN32 */
