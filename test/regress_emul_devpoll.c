/*
 * regress_emul_devpoll.c -- the /dev/poll emulation's rules
 * (test/emul_devpoll.c, see shared/api/backends.md 2 and 4), then
 * devpoll.c's duties that only /dev/poll can show: one write and one
 * DP_POLL per iteration, lowering interest with POLLREMOVE, POLLNVAL,
 * fork, a lowered fd limit.  test/regress-emul only, devpoll pass.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Renames this file's open/write/ioctl to the emulation, which passes
 * anything but a /dev/poll set on to the C library. */
#include "emul/sys/devpoll.h"
#include "event.h"
#include "emul.h"
#include "regress.h"
#include "regress_emul.h"

static int
dp_open(void)
{
	int dp = open("/dev/poll", O_RDWR);

	tt_assert(dp >= 0);
	return dp;
}

static void
dp_set(int dp, int fd, short events)
{
	struct pollfd p;

	p.fd = fd;
	p.events = events;
	p.revents = 0;
	tt_int_op(write(dp, &p, sizeof(p)), ==, sizeof(p));
}

static int
dp_wait(int dp, struct pollfd *out, int n, int ms)
{
	struct dvpoll d;

	d.dp_fds = out;
	d.dp_nfds = (nfds_t)n;
	d.dp_timeout = ms;
	return ioctl(dp, DP_POLL, &d);
}

/* 1 and the cached events if fd is in the set, else 0. */
static int
dp_has(int dp, int fd, short *events)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = 0;
	p.revents = 0;
	r = ioctl(dp, DP_ISPOLLED, &p);
	*events = p.revents;
	return r;
}


/* ------------------------------------------------------------------ */
/* The interface */

static void
test_layout(struct regress_env *env)
{
	emul_pass(env, "devpoll");
	tt_int_op(sizeof(struct pollfd), ==, 8);
	if (sizeof(long) == 8) {
		tt_int_op(sizeof(struct dvpoll), ==, 24);
		tt_int_op(offsetof(struct dvpoll, dp_nfds), ==, 8);
		tt_int_op(offsetof(struct dvpoll, dp_timeout), ==, 16);
	}
	tt_int_op(DP_POLL, ==, 0xD001);
	tt_int_op(DP_ISPOLLED, ==, 0xD002);
	tt_int_op(POLLREMOVE, ==, 0x0800);
	tt_int_op(POLLWRBAND, ==, 0x0100);
	tt_int_op(POLLWRNORM, ==, POLLOUT);
	tt_int_op(POLLIN, ==, 0x1);
	tt_int_op(POLLOUT, ==, 0x4);
	tt_int_op(POLLHUP, ==, 0x10);
	tt_int_op(POLLNVAL, ==, 0x20);
}

/* a) Interest is ORed in; only events == POLLREMOVE removes. */
static void
test_interest(struct regress_env *env)
{
	struct pollfd two[2];
	short ev;
	int dp, p[2], fd;

	emul_pass(env, "devpoll");
	dp = dp_open();
	emul_pipe(p);
	fd = p[0];
	dp_set(dp, fd, POLLIN);
	dp_set(dp, fd, POLLOUT);
	tt_int_op(dp_has(dp, fd, &ev), ==, 1);
	tt_int_op(ev, ==, POLLIN | POLLOUT);
	/* Lowering: POLLREMOVE then the new mask, in one write. */
	two[0].fd = two[1].fd = fd;
	two[0].events = POLLREMOVE;
	two[1].events = POLLIN;
	two[0].revents = two[1].revents = 0;
	tt_int_op(write(dp, two, sizeof(two)), ==, sizeof(two));
	tt_int_op(dp_has(dp, fd, &ev), ==, 1);
	tt_int_op(ev, ==, POLLIN);
	/* POLLREMOVE with another bit is no removal. */
	dp_set(dp, fd, POLLREMOVE | POLLOUT);
	tt_int_op(dp_has(dp, fd, &ev), ==, 1);
	tt_int_op(ev & POLLOUT, ==, POLLOUT);
	dp_set(dp, fd, POLLREMOVE);
	tt_int_op(dp_has(dp, fd, &ev), ==, 0);
	dp_set(dp, fd, POLLREMOVE);		/* unknown: a no-op */
	tt_int_op(dp_has(dp, fd, &ev), ==, 0);
	/* A closed fd is accepted. */
	close(p[1]);
	dp_set(dp, p[1], POLLIN);
	tt_int_op(dp_has(dp, p[1], &ev), ==, 1);
	/* Not a whole number of records. */
	tt_int_op(write(dp, two, sizeof(two) - 1), ==, -1);
	tt_int_op(errno, ==, EINVAL);
}

/* a) More records than the descriptor limit; fds beyond it skipped. */
static void
test_limits(struct regress_env *env)
{
	struct rlimit rl = { 32, 32 };
	struct pollfd recs[33], out[40];
	short ev;
	int dp, i;

	emul_pass(env, "devpoll");
	dp = dp_open();
	tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	for (i = 0; i < 33; i++) {
		recs[i].fd = i;
		recs[i].events = POLLIN;
		recs[i].revents = 0;
	}
	tt_int_op(write(dp, recs, sizeof(recs)), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	recs[0].fd = 40;			/* beyond the table */
	tt_int_op(write(dp, recs, sizeof(recs[0])), ==, sizeof(recs[0]));
	tt_int_op(dp_has(dp, 40, &ev), ==, 0);
	/* Solaris refuses dp_nfds at or above the limit. */
	tt_int_op(dp_wait(dp, out, 32, 0), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(dp_wait(dp, out, 31, 0), >=, 0);
}

/* b) close() leaves the set alone: POLLNVAL, then an inherited mask. */
static void
test_closed_fd(struct regress_env *env)
{
	struct pollfd out[4];
	int dp, p[2], fd, w;

	emul_pass(env, "devpoll");
	dp = dp_open();
	emul_pipe(p);
	fd = p[0];
	dp_set(dp, fd, POLLIN);
	close(p[0]);
	close(p[1]);
	tt_int_op(dp_wait(dp, out, 4, 0), ==, 1);
	tt_int_op(out[0].fd, ==, fd);
	tt_int_op(out[0].revents, ==, POLLNVAL);
	/* A new file with the number is watched without a write. */
	emul_reuse_as_pipe(fd, &w);
	tt_int_op(dp_wait(dp, out, 4, 0), ==, 0);
	emul_put(w, 1);
	tt_int_op(dp_wait(dp, out, 4, 0), ==, 1);
	tt_int_op(out[0].fd, ==, fd);
	tt_int_op(out[0].events, ==, POLLIN);
	tt_int_op(out[0].revents, ==, POLLIN);
}

/* c) A forked child cannot use the inherited set. */
static void
test_fork(struct regress_env *env)
{
	struct pollfd out[2];
	int dp, p[2], status;
	pid_t pid;

	emul_pass(env, "devpoll");
	dp = dp_open();
	emul_pipe(p);
	dp_set(dp, p[0], POLLIN);
	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		struct pollfd rec = { 0, POLLIN, 0 };
		rec.fd = p[1];
		if (write(dp, &rec, sizeof(rec)) != -1 || errno != EACCES)
			_exit(10);
		if (dp_wait(dp, out, 2, 0) != -1 || errno != EACCES)
			_exit(11);
		close(dp);		/* its own copy of the descriptor */
		_exit(0);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
	emul_put(p[1], 1);
	tt_int_op(dp_wait(dp, out, 2, 0), ==, 1);
	tt_int_op(out[0].fd, ==, p[0]);
}

/* d) Level triggered, at most dp_nfds, rotating; timeouts. */
static void
test_poll(struct regress_env *env)
{
	enum { N = 3 };
	struct pollfd out[2];
	int dp, p[N][2], seen[N], i, call;
	double t0, ms;

	emul_pass(env, "devpoll");
	dp = dp_open();
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		emul_pipe(p[i]);
		dp_set(dp, p[i][0], POLLIN);
	}
	/* Timeout: 0, the buffer untouched. */
	out[0].fd = -7;
	tt_int_op(dp_wait(dp, out, 2, 0), ==, 0);
	tt_int_op(out[0].fd, ==, -7);
	t0 = regress_now();
	tt_int_op(dp_wait(dp, out, 2, 50), ==, 0);
	ms = (regress_now() - t0) * 1000;
	tt_assert(ms >= 49);
	tt_assert(ms < 500 * regress_slowdown());
	t0 = regress_now();
	tt_int_op(dp_wait(dp, out, 0, 50), ==, 0);	/* only sleeps */
	tt_assert(regress_now() - t0 >= 0.049);
	for (i = 0; i < N; i++)
		emul_put(p[i][1], 1);
	for (call = 0; call < 3 * N; call++) {
		tt_int_op(dp_wait(dp, out, 1, 0), ==, 1);
		tt_int_op(out[0].revents, ==, POLLIN);
		for (i = 0; i < N; i++)
			if (out[0].fd == p[i][0])
				seen[i]++;
	}
	/* Every fd came, none was starved. */
	for (i = 0; i < N; i++)
		tt_int_op(seen[i], >=, 1);
}

static void
ignore_alarm(int sig)
{
	(void)sig;
}

/* d) A handled signal ends the wait with EINTR. */
static void
test_eintr(struct regress_env *env)
{
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	struct sigaction sa;
	struct pollfd out[2];
	int dp, p[2];
	double t0;

	emul_pass(env, "devpoll");
	dp = dp_open();
	emul_pipe(p);
	dp_set(dp, p[0], POLLIN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_alarm;
	tt_int_op(sigaction(SIGALRM, &sa, NULL), ==, 0);
	tt_int_op(setitimer(ITIMER_REAL, &it, NULL), ==, 0);
	t0 = regress_now();
	tt_int_op(dp_wait(dp, out, 2, 5000), ==, -1);
	tt_int_op(errno, ==, EINTR);
	tt_assert(regress_now() - t0 < 2.0);
}

/* e) POLLHUP without POLLIN at a pipe's EOF, even when not asked for. */
static void
test_unrequested(struct regress_env *env)
{
	struct pollfd out[2];
	int dp, p[2], q[2];

	emul_pass(env, "devpoll");
	dp = dp_open();
	emul_pipe(p);
	emul_pipe(q);
	dp_set(dp, p[0], POLLIN);
	dp_set(dp, q[0], POLLOUT);	/* never true for a read end */
	close(p[1]);
	close(q[1]);
	tt_int_op(dp_wait(dp, out, 2, 0), ==, 2);
	tt_int_op(out[0].revents, ==, POLLHUP);
	tt_int_op(out[1].revents, ==, POLLHUP);
}

/* ------------------------------------------------------------------ */
/* devpoll.c on the emulation */

/* b) An iteration's changes: one write, then one DP_POLL. */
static void
test_backend_batched(struct regress_env *env)
{
	enum { N = 40 };
	struct emul_rd r[N];
	int p[N][2], i;
	unsigned long w0, i0;

	emul_pass(env, "devpoll");
	memset(r, 0, sizeof(r));
	w0 = emul_devpoll_writes;
	for (i = 0; i < N; i++) {
		emul_pipe(p[i]);
		event_set(&r[i].ev, p[i][0], EV_READ | EV_PERSIST,
		    emul_rd_cb, &r[i]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	tt_int_op(emul_devpoll_writes, ==, w0);		/* only queued */
	i0 = emul_devpoll_ioctls;
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_devpoll_writes, ==, w0 + 1);
	tt_int_op(emul_devpoll_ioctls, ==, i0 + 1);
	for (i = 0; i < N; i++)
		tt_int_op(emul_devpoll_interest_(p[i][0]), ==, POLLIN);
	/* Nothing changed: no write at all. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_devpoll_writes, ==, w0 + 1);
	tt_int_op(emul_devpoll_ioctls, ==, i0 + 2);
	for (i = 0; i < N; i += 2)
		tt_int_op(event_del(&r[i].ev), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_devpoll_writes, ==, w0 + 2);
	for (i = 0; i < N; i++)
		tt_int_op(emul_devpoll_interest_(p[i][0]), ==,
		    i % 2 ? POLLIN : -1);
}

/* a) Dropping one direction lowers the kernel's interest. */
static void
test_backend_lowering(struct regress_env *env)
{
	struct emul_rd r, w;
	int s[2];

	emul_pass(env, "devpoll");
	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, s), ==, 0);
	tt_int_op(fcntl(s[0], F_SETFL, O_NONBLOCK), ==, 0);
	event_set(&r.ev, s[0], EV_READ | EV_PERSIST, emul_rd_cb, &r);
	event_set(&w.ev, s[0], EV_WRITE | EV_PERSIST, emul_rd_cb, &w);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(event_add(&w.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_devpoll_interest_(s[0]), ==, POLLIN | POLLOUT);
	tt_int_op(w.n, ==, 1);
	tt_int_op(event_del(&w.ev), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_devpoll_interest_(s[0]), ==, POLLIN);
	tt_int_op(w.n, ==, 1);
	emul_put(s[1], 1);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(r.n, ==, 1);
	tt_int_op(r.last, ==, EV_READ);
}

/* d) An fd closed while registered: reported once, then removed from the
 * set by the backend, so the loop does not spin on POLLNVAL. */
static void
test_backend_closed(struct regress_env *env)
{
	struct emul_rd a;
	struct timeval ex = { 0, 100000 };
	int p[2], fd;
	unsigned long i0;

	emul_pass(env, "devpoll");
	emul_count_warnings(1);
	memset(&a, 0, sizeof(a));
	emul_pipe(p);
	fd = p[0];
	event_set(&a.ev, fd, EV_READ | EV_PERSIST, emul_rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	close(p[0]);
	close(p[1]);
	i0 = emul_devpoll_ioctls;
	tt_int_op(event_loopexit(&ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_int_op(a.last, ==, EV_READ);
	tt_int_op(emul_warnings, >=, 1);
	tt_int_op(emul_devpoll_interest_(fd), ==, -1);
	tt_int_op(emul_devpoll_ioctls - i0, <=, 4);
	tt_int_op(event_del(&a.ev), ==, 0);
	emul_count_warnings(0);
}

/* f) Without event_reinit() the child's loop fails instead of hanging;
 * with it the child has a set of its own. */
static void
test_backend_fork(struct regress_env *env)
{
	struct emul_rd r;
	int p[2], status;
	pid_t pid;

	emul_pass(env, "devpoll");
	memset(&r, 0, sizeof(r));
	emul_pipe(p);
	event_set(&r.ev, p[0], EV_READ | EV_PERSIST, emul_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	emul_check_child_loop_fails(EACCES);
	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		if (event_reinit(env->base) != 0)
			_exit(11);
		emul_put(p[1], 1);
		if (event_loop(EVLOOP_ONCE) != 0 || r.n != 1)
			_exit(12);
		_exit(0);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
	tt_int_op(r.n, ==, 0);
}

/* g) A signal the program handles interrupts the wait: not an error. */
static void
test_backend_eintr(struct regress_env *env)
{
	emul_pass(env, "devpoll");
	emul_check_eintr();
}

/* c) The program lowers its fd limit below the result array's size. */
static void
test_backend_lower_limit(struct regress_env *env)
{
	struct rlimit rl = { 16, 16 };
	struct emul_rd r;
	int p[2];

	emul_pass(env, "devpoll");
	memset(&r, 0, sizeof(r));
	emul_pipe(p);
	event_set(&r.ev, p[0], EV_READ, emul_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);
	emul_put(p[1], 1);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(r.n, ==, 1);
}

struct regress_case regress_emul_devpoll_cases[] = {
	{ "emul/devpoll_layout", test_layout, 0, NULL },
	{ "emul/devpoll_interest", test_interest, 0, NULL },
	{ "emul/devpoll_limits", test_limits, 0, NULL },
	{ "emul/devpoll_closed_fd", test_closed_fd, 0, NULL },
	{ "emul/devpoll_fork", test_fork, 0, NULL },
	{ "emul/devpoll_poll", test_poll, 0, NULL },
	{ "emul/devpoll_eintr", test_eintr, 0, NULL },
	{ "emul/devpoll_unrequested", test_unrequested, 0, NULL },
	{ "emul/devpoll_backend_batched", test_backend_batched, RT_BASE,
	  NULL },
	{ "emul/devpoll_backend_lowering", test_backend_lowering, RT_BASE,
	  NULL },
	{ "emul/devpoll_backend_closed", test_backend_closed, RT_BASE, NULL },
	{ "emul/devpoll_backend_fork", test_backend_fork, RT_BASE, NULL },
	{ "emul/devpoll_backend_eintr", test_backend_eintr, RT_BASE, NULL },
	{ "emul/devpoll_backend_lower_limit", test_backend_lower_limit,
	  RT_BASE, NULL },
	RT_END
};
