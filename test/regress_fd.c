/*
 * regress_fd.c -- file descriptors and backends: 10,000 fds, fds above
 * FD_SETSIZE, closed fds, fd numbers reused, delete/re-add churn and its
 * kernel calls, regular files, and the EVENT_NO* variables that choose the
 * backend.  Case names stay core/...
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#ifdef HAVE_SYS_EPOLL_H
#include <sys/epoll.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_core.h"

/* ------------------------------------------------------------------ */
/* Many fds */

struct many {
	int fired;
	int total;
};

static void
many_cb(int fd, short what, void *arg)
{
	struct many *m = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1)
		m->fired++;
}

/*
 * 10,000 fds with a read event each, all ready at once (every backend).
 * Windows gets 2,000 sockets, still far past its FD_SETSIZE (64): under
 * wine each Winsock call costs about a millisecond with 10,000 sockets
 * open, and the case took 29-48 s of its 60.
 */
static void
test_10000_fds(struct regress_env *env)
{
#ifdef _WIN32
	enum { NP = 1000 };
#else
	enum { NP = 5000 };
#endif
	static int fds[NP][2];
	static struct event evs[2 * NP];
	struct many m = { 0, 0 };
	int i;

	(void)env;
	/* select too: its fd sets grow past FD_SETSIZE. */
	if (regress_raise_nofile(2 * NP + 100) == -1)
		tt_skip("cannot raise RLIMIT_NOFILE to 2 * NP + 100");
	for (i = 0; i < NP; i++) {
		regress_socketpair(fds[i]);
		event_set(&evs[2 * i], fds[i][0], EV_READ | EV_PERSIST,
		    many_cb, &m);
		event_set(&evs[2 * i + 1], fds[i][1], EV_READ | EV_PERSIST,
		    many_cb, &m);
		tt_int_op(event_add(&evs[2 * i], NULL), ==, 0);
		tt_int_op(event_add(&evs[2 * i + 1], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	for (i = 0; i < NP; i++) {
		core_write1(fds[i][0]);
		core_write1(fds[i][1]);
	}
	while (m.fired < 2 * NP)
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(m.fired, ==, 2 * NP);
	/* Delete half, write to all: only the other half fires. */
	for (i = 0; i < NP; i++)
		tt_int_op(event_del(&evs[2 * i]), ==, 0);
	for (i = 0; i < NP; i++) {
		core_write1(fds[i][0]);
		core_write1(fds[i][1]);
	}
	m.fired = 0;
	while (m.fired < NP)
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(m.fired, ==, NP);
	for (i = 0; i < NP; i++) {
		tt_int_op(event_del(&evs[2 * i + 1]), ==, 0);
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

#ifdef _WIN32
/*
 * Windows: FD_SETSIZE (64) caps how many sockets a Winsock fd_set holds,
 * not their values, and no socket can be given a number: more than
 * FD_SETSIZE sockets are watched, and the newest of them is reported.
 */
static void
test_high_fds(struct regress_env *env)
{
	static int p[FD_SETSIZE + 8][2];
	static struct core_rd r[FD_SETSIZE + 8];
	int i, n = FD_SETSIZE + 8;

	(void)env;
	for (i = 0; i < n; i++) {
		regress_socketpair(p[i]);
		event_set(&r[i].ev, p[i][0], EV_READ | EV_PERSIST, core_rd_cb,
		    &r[i]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	core_write1(p[n - 1][1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[n - 1].n, ==, 1);
	core_write1(p[0][1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[0].n, ==, 1);
	for (i = 0; i < n; i++) {
		tt_int_op(event_del(&r[i].ev), ==, 0);
		close(p[i][0]);
		close(p[i][1]);
	}
}
#else
/* fds at and above FD_SETSIZE work on every backend (select: dynamic
 * sets, no fortify abort). */
static void
test_high_fds(struct regress_env *env)
{
	int p[2], hi[2], i;
	struct core_rd r[2];

	if (regress_raise_nofile(FD_SETSIZE * 3) == -1)
		tt_skip("cannot raise RLIMIT_NOFILE above 3*FD_SETSIZE");
	regress_socketpair(p);
	hi[0] = dup2(p[0], FD_SETSIZE + 5);
	hi[1] = dup2(p[1], FD_SETSIZE * 2 + 77);
	tt_int_op(hi[0], ==, FD_SETSIZE + 5);
	tt_int_op(hi[1], ==, FD_SETSIZE * 2 + 77);
	close(p[0]);
	close(p[1]);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		event_set(&r[i].ev, hi[i], EV_READ | EV_PERSIST, core_rd_cb,
		    &r[i]);
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	}
	/* a low fd too */
	core_write1(hi[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[0].n, ==, 1);
	tt_int_op(r[1].n, ==, 0);
	core_write1(hi[0]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r[1].n, ==, 1);
	tt_int_op(event_del(&r[0].ev), ==, 0);
	tt_int_op(event_del(&r[1].ev), ==, 0);
	close(hi[0]);
	close(hi[1]);
	(void)env;
}
#endif /* _WIN32 */

/* ------------------------------------------------------------------ */
/* Bad fds and fd reuse */

static int logged_warn;

static void
log_cb(int sev, const char *msg)
{
	(void)msg;
	if (sev >= _EVENT_LOG_WARN)
		logged_warn++;
}

/*
 * An event added on an fd that is already closed: epoll refuses it at once
 * (-1, EBADF, as 1.4); poll and select accept it and the loop then reports
 * it once (EV_READ), logs it and stops watching it: no spinning.
 */
static void
test_closed_fd(struct regress_env *env)
{
	struct core_rd a, b;
	struct timeval ex = { 0, 100000 };
	int p[2], r;

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	close(p[0]);
	close(p[1]);
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, core_rd_cb, &a);
	event_set(&b.ev, env->pair[0], EV_READ, core_rd_cb, &b);
	errno = 0;
	r = event_add(&a.ev, NULL);
	if (r == -1) {
		tt_int_op(errno, ==, EBADF);
		tt_int_op(a.ev.ev_flags & EVLIST_INSERTED, ==, 0);
	} else {
		tt_int_op(r, ==, 0);
	}
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 0);
	/* The healthy event still worked. */
	tt_int_op(b.n, ==, 1);
	if (r == 0) {
		tt_int_op(a.n, ==, 1);
		tt_int_op(a.last, ==, EV_READ);
		tt_int_op(logged_warn, >=, 1);
	} else {
		tt_int_op(a.n, ==, 0);
	}
	tt_int_op(event_del(&a.ev), ==, 0);
	event_set_log_callback(NULL);
}

/*
 * The deferred case on every backend: the fd is registered, its event is
 * deleted, the fd closed, the event set and added again before the next
 * dispatch.  The failure can only show at dispatch: logged, reported once.
 */
static void
test_closed_fd_deferred(struct regress_env *env)
{
	struct core_rd a;
	struct timeval ex = { 0, 100000 };
	int p[2];

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, core_rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_del(&a.ev), ==, 0);
	close(p[0]);
	close(p[1]);
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, core_rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_int_op(a.last, ==, EV_READ);
	tt_int_op(logged_warn, >=, 1);
	/* Still "inserted" for the program; deleting it is fine. */
	tt_int_op(event_pending(&a.ev, EV_READ, NULL), ==, EV_READ);
	tt_int_op(event_del(&a.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	event_set_log_callback(NULL);
}

/* An fd closed while registered (after the backend knows it). */
static void
test_closed_fd_registered(struct regress_env *env)
{
	struct core_rd a, b;
	struct timeval ex = { 0, 100000 };
	int p[2];

	event_set_log_callback(log_cb);
	regress_socketpair(p);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, core_rd_cb, &a);
	event_set(&b.ev, env->pair[0], EV_READ | EV_PERSIST, core_rd_cb, &b);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	close(p[0]);
	close(p[1]);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	core_write1(env->pair[1]);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(b.n, ==, 1);
	tt_int_op(a.n, <=, 1);
	/* Deleting it afterwards is fine. */
	tt_int_op(event_del(&a.ev), ==, 0);
	tt_int_op(event_del(&b.ev), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	event_set_log_callback(NULL);
}

/*
 * Delete an event, close its fd, get a new file with the same number,
 * event_set + event_add before the next dispatch: the new file must be
 * watched (with epoll the kernel dropped the old registration).
 */
static void
test_fd_reuse(struct regress_env *env)
{
	struct core_rd r;
	int p[2], q[2], fd;

	(void)env;
	regress_socketpair(p);
	fd = p[0];
	memset(&r, 0, sizeof(r));
	event_set(&r.ev, fd, EV_READ | EV_PERSIST, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	core_write1(p[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 1);

	tt_int_op(event_del(&r.ev), ==, 0);
	close(p[0]);
	close(p[1]);
	regress_socketpair(q);
	if (q[0] != fd) {
		tt_int_op(dup2(q[0], fd), ==, fd);
		close(q[0]);
		q[0] = fd;
	}
	event_set(&r.ev, fd, EV_READ | EV_PERSIST, core_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	core_write1(q[1]);
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(r.n, ==, 2);

	/* Same again with another struct event and both directions. */
	{
		struct core_rd w;
		int s[2];
		memset(&w, 0, sizeof(w));
		tt_int_op(event_del(&r.ev), ==, 0);
		close(q[0]);
		close(q[1]);
		regress_socketpair(s);
		if (s[0] != fd) {
			tt_int_op(dup2(s[0], fd), ==, fd);
			close(s[0]);
		}
		event_set(&w.ev, fd, EV_WRITE, core_rd_cb, &w);
		tt_int_op(event_add(&w.ev, NULL), ==, 0);
		tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
		tt_int_op(w.n, ==, 1);
		tt_int_op(w.last, ==, EV_WRITE);
		tt_int_op(event_del(&w.ev), ==, 0);
		close(fd);
		close(s[1]);
	}
}

struct leftover {
	struct event ev;
	int good, spurious;
};

static void
leftover_cb(int fd, short what, void *arg)
{
	struct leftover *l = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1)
		l->good++;
	else
		l->spurious++;
}

/*
 * fd reuse while another process keeps the old file open: the kernel's
 * epoll entry for the old file survives the close under the same number
 * and the old file is readable.  The new file's event must fire for its
 * own data only, without a storm of spurious wakeups.
 */
static void
test_fd_reuse_leftover(struct regress_env *env)
{
	struct leftover l;
	struct timeval ex = { 0, 100000 };
	int p[2], q[2], fd;
	pid_t pid;

#ifdef _WIN32
	tt_skip("reuses an fd number whose file another process keeps "
	    "open (fork, dup2): Windows sockets have neither");
#endif
	regress_socketpair(p);
	fd = p[0];
	memset(&l, 0, sizeof(l));
	event_set(&l.ev, fd, EV_READ | EV_PERSIST, leftover_cb, &l);
	tt_int_op(event_add(&l.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);

	if ((pid = regress_fork()) == 0) {
		/* Keep the old file open, do nothing. */
		struct timespec ts = { 5, 0 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	/* Within one "callback": delete, close, reuse the number, add. */
	tt_int_op(event_del(&l.ev), ==, 0);
	close(p[0]);
	regress_socketpair(q);
	if (q[0] != fd) {
		tt_int_op(dup2(q[0], fd), ==, fd);
		close(q[0]);
	}
	event_set(&l.ev, fd, EV_READ | EV_PERSIST, leftover_cb, &l);
	tt_int_op(event_add(&l.ev, NULL), ==, 0);
	/* The old file (held by the child) becomes readable... */
	core_write1(p[1]);
	/* ...and so does the new one. */
	core_write1(q[1]);
	tt_int_op(event_base_loopexit(env->base, &ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	kill(pid, SIGKILL);
	tt_int_op(regress_wait(pid, 1), ==, 128 + SIGKILL);
	tt_int_op(l.good, ==, 1);
	regress_note("spurious wakeups: %d", l.spurious);
	tt_int_op(l.spurious, <=, 1);
	/* epoll made itself a new epoll fd for the leftover entry: free
	 * the base so that it closes it. */
	tt_int_op(event_del(&l.ev), ==, 0);
	close(fd);
	close(p[1]);
	close(q[1]);
	event_base_free(env->base);
	env->base = NULL;
}

/* Deleting and re-adding every event between dispatches keeps working
 * (the changelist coalesces it). */
static void
test_del_readd_churn(struct regress_env *env)
{
	struct core_rd r[2];
	int i, round;

	memset(r, 0, sizeof(r));
	event_set(&r[0].ev, env->pair[0], EV_READ | EV_PERSIST, core_rd_cb,
	    &r[0]);
	event_set(&r[1].ev, env->pair[1], EV_READ | EV_PERSIST, core_rd_cb,
	    &r[1]);
	for (i = 0; i < 2; i++)
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	for (round = 1; round <= 20; round++) {
		for (i = 0; i < 2; i++) {
			tt_int_op(event_del(&r[i].ev), ==, 0);
			tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
			tt_int_op(event_del(&r[i].ev), ==, 0);
			if (round % 3 != 0)
				tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		}
		core_write1(env->pair[0]);
		core_write1(env->pair[1]);
		tt_int_op(event_loop(EVLOOP_NONBLOCK), ==,
		    round % 3 != 0 ? 0 : 1);
		if (round % 3 == 0) {
			regress_drain(env->pair[0]);
			regress_drain(env->pair[1]);
			for (i = 0; i < 2; i++)
				tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
		}
	}
	tt_int_op(r[0].n, ==, 14);
	tt_int_op(r[1].n, ==, 14);
}

#ifdef SYS_epoll_ctl
/*
 * Count the library's epoll_ctl() calls: this definition in the program
 * takes precedence over the C library's for the shared libevent too.  It
 * forwards to the kernel unchanged.
 */
static long epoll_ctl_calls;

int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	epoll_ctl_calls++;
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
}
#endif

/* The count for regress_recheck.c; -1 when calls are not counted. */
long regress_epoll_ctl_count(void);

long
regress_epoll_ctl_count(void)
{
#ifdef SYS_epoll_ctl
	return epoll_ctl_calls;
#else
	return -1;
#endif
}

/*
 * Deleting and re-adding every event before the next dispatch costs no
 * kernel call; with event_set() in between (the fd may be a new file) at
 * most one per fd.  Only epoll keeps kernel state; poll and select make
 * no call at all.
 */
static void
test_readd_syscalls(struct regress_env *env)
{
#ifdef SYS_epoll_ctl
	enum { N = 50 };
	int p[N][2], i;
	struct many m = { 0, 0 };
	struct event ev[N];

	/* Plain epoll_ctl() calls; the io_uring batches: regress_recheck.c */
	tt_int_op(setenv("EVENT_NOIOURING", "1", 1), ==, 0);
	event_base_free(env->base);
	env->base = event_init();
	for (i = 0; i < N; i++) {
		regress_socketpair(p[i]);
		event_set(&ev[i], p[i][0], EV_READ | EV_PERSIST, many_cb, &m);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	epoll_ctl_calls = 0;
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&ev[i]), ==, 0);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(epoll_ctl_calls, ==, 0);
	for (i = 0; i < N; i++) {
		tt_int_op(event_del(&ev[i]), ==, 0);
		event_set(&ev[i], p[i][0], EV_READ | EV_PERSIST, many_cb, &m);
		tt_int_op(event_add(&ev[i], NULL), ==, 0);
	}
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(epoll_ctl_calls, ==, N);
	/* They still work. */
	for (i = 0; i < N; i++)
		core_write1(p[i][1]);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(m.fired, ==, N);
	/* Deleted for good: one call each at the next dispatch. */
	epoll_ctl_calls = 0;
	for (i = 0; i < N; i++)
		tt_int_op(event_del(&ev[i]), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(epoll_ctl_calls, ==, 0);	/* no events: no dispatch */
	for (i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
#else
	(void)env;
	tt_skip("no SYS_epoll_ctl on this system");
#endif
}

/* libevent 2.x's call and bit, not in the 1.4 headers. */
int event_base_get_features(const struct event_base *base);
#define FEATURE_FDS 0x04	/* EV_FEATURE_FDS */

/*
 * A regular file: a backend without EV_FEATURE_FDS (epoll) refuses it and
 * event_add returns -1 with EPERM, as in 1.4; poll and select report it
 * ready at once.
 */
static void
test_regular_file(struct regress_env *env)
{
	char path[] = "/tmp/regress_core_XXXXXX";
	struct core_rd r;
	int fd, res;

	fd = mkstemp(path);
	tt_assert(fd != -1);
	unlink(path);
	tt_int_op(write(fd, "abc", 3), ==, 3);
	tt_int_op(lseek(fd, 0, SEEK_SET), ==, 0);
	memset(&r, 0, sizeof(r));
	event_set(&r.ev, fd, EV_READ, core_rd_cb, &r);
	errno = 0;
	res = event_add(&r.ev, NULL);
	if (!(event_base_get_features(env->base) & FEATURE_FDS)) {
		tt_int_op(res, ==, -1);
		tt_int_op(errno, ==, EPERM);
		tt_int_op(event_pending(&r.ev, EV_READ, NULL), ==, 0);
		tt_int_op(event_dispatch(), ==, 1);
	} else {
		tt_int_op(res, ==, 0);
		tt_int_op(event_dispatch(), ==, 1);
		tt_int_op(r.n, ==, 1);
		tt_int_op(r.last, ==, EV_READ);
	}
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Environment */

static char method_msg[256];

static void
method_log_cb(int sev, const char *msg)
{
	if (sev == _EVENT_LOG_MSG)
		snprintf(method_msg, sizeof(method_msg), "%s", msg);
}

/* Set, even empty, counts; Windows removes a variable set to "". */
#ifdef _WIN32
#define ENV_ON	"1"
#else
#define ENV_ON	""
#endif

/* The child of env_child: a base with a clean environment plus vars;
 * exits 0 if it got expect_method (and said so, with show). */
static void
env_child_body(const char *const *vars, const char *expect_method, int show)
{
	static const char *const all[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		"EVENT_NOSELECT", "EVENT_NOWIN32", "EVENT_SHOW_METHOD", NULL };
	struct event_base *b;
	int i, devnull = open("/dev/null", O_WRONLY);

	for (i = 0; all[i]; i++)
		unsetenv(all[i]);
	for (i = 0; vars[i]; i++)
		setenv(vars[i], ENV_ON, 1);
	if (devnull >= 0)
		dup2(devnull, 2);	/* the "no mechanism" warning */
	method_msg[0] = '\0';
	if (show)
		event_set_log_callback(method_log_cb);
	errno = 0;
	b = event_base_new();
	if (expect_method == NULL) {
		/* No backend: NULL with errno, never exit(). */
		if (b != NULL || errno != ENOSYS)
			_exit(24);
		current_base = NULL;
		if (event_init() != NULL || errno != ENOSYS ||
		    current_base != NULL)
			_exit(25);
		_exit(0);
	}
	if (b == NULL)
		_exit(20);
	if (strcmp(event_base_get_method(b), expect_method) != 0)
		_exit(21);
	if (show) {
		char want[128];
		snprintf(want, sizeof(want), "libevent using: %s\n",
		    expect_method);
		if (strcmp(method_msg, want) != 0)
			_exit(22);
	} else if (method_msg[0] != '\0') {
		_exit(23);
	}
	event_base_free(b);
	_exit(0);
}

#ifdef _WIN32
/* (Windows: the child is a new run of the case, regress_win32.h.) */
struct env_args {
	const char *const *vars;
	const char *expect_method;
	int show;
};

static void
env_scenario(void *arg)
{
	const struct env_args *a = arg;

	env_child_body(a->vars, a->expect_method, a->show);
}
#endif

/* Run a base in a child with a clean environment plus vars; its exit
 * code. */
static int
env_child(const char *const *vars, const char *expect_method, int show)
{
#ifdef _WIN32
	struct env_args a;

	a.vars = vars;
	a.expect_method = expect_method;
	a.show = show;
	return regress_w32_fork_status(env_scenario, &a);
#else
	pid_t pid;

	if ((pid = regress_fork()) == 0)
		env_child_body(vars, expect_method, show);
	return regress_wait(pid, 2);
#endif
}

static void
test_env_backends(struct regress_env *env)
{
	static const char *const none[] = { NULL };
	static const char *const noepoll[] = { "EVENT_NOEPOLL", NULL };
	static const char *const nopoll[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		NULL };
	static const char *const noall[] = { "EVENT_NOEPOLL", "EVENT_NOPOLL",
		"EVENT_NOSELECT", NULL };
	static const char *const show[] = { "EVENT_SHOW_METHOD", NULL };
#ifdef _WIN32
	static const char *const nowin32[] = { "EVENT_NOWIN32", NULL };

	(void)env;
	(void)noepoll;
	(void)nopoll;
	(void)noall;
	tt_int_op(env_child(none, "win32", 0), ==, 0);
	tt_int_op(env_child(show, "win32", 1), ==, 0);
	/* Nothing left: 1.4 logs and exits with status 1; we return NULL
	 * with errno ENOSYS from event_base_new() and event_init(). */
	tt_int_op(env_child(nowin32, NULL, 0), ==, 0);
	return;
#endif
	(void)env;
	tt_int_op(env_child(none, "epoll", 0), ==, 0);
	tt_int_op(env_child(noepoll, "poll", 0), ==, 0);
	tt_int_op(env_child(nopoll, "select", 0), ==, 0);
	tt_int_op(env_child(show, "epoll", 1), ==, 0);
	/* Nothing left: 1.4 logs and exits with status 1; we return NULL
	 * with errno ENOSYS from event_base_new() and event_init(). */
	tt_int_op(env_child(noall, NULL, 0), ==, 0);
}

/* In a set-id process the variables are ignored. */
static void
test_env_setid(struct regress_env *env)
{
	pid_t pid;

	(void)env;
#ifdef _WIN32
	tt_skip("Windows has no set-id processes");
#endif
	if (geteuid() != 0)
		tt_skip("needs root to make a set-id process (setegid)");
	if ((pid = regress_fork()) == 0) {
		struct event_base *b;
		setenv("EVENT_NOEPOLL", "1", 1);
		setenv("EVENT_NOPOLL", "1", 1);
		if (setegid(65534) == -1)
			_exit(30);
		if (getgid() == getegid())
			_exit(31);
		if (evutil_getenv("EVENT_NOEPOLL") != NULL)
			_exit(32);
		b = event_base_new();
		if (b == NULL || strcmp(event_base_get_method(b), "epoll") != 0)
			_exit(33);
		event_base_free(b);
		_exit(0);
	}
	tt_int_op(regress_wait(pid, 2), ==, 0);
	tt_assert(evutil_getenv("PATH") != NULL || getenv("PATH") == NULL);
}

struct regress_case regress_fd_cases[] = {
	{ "core/10000_fds", test_10000_fds, RT_BASE | RT_SLOW, NULL },
	{ "core/high_fds", test_high_fds, RT_BASE, NULL },
	{ "core/closed_fd", test_closed_fd, RT_BASE | RT_PAIR, NULL },
	{ "core/closed_fd_deferred", test_closed_fd_deferred,
	  RT_BASE, NULL },
	{ "core/closed_fd_registered", test_closed_fd_registered,
	  RT_BASE | RT_PAIR, NULL },
	{ "core/fd_reuse", test_fd_reuse, RT_BASE, NULL },
	{ "core/fd_reuse_leftover", test_fd_reuse_leftover, RT_BASE, NULL },
	{ "core/del_readd_churn", test_del_readd_churn, RT_BASE | RT_PAIR,
	  NULL },
	{ "core/regular_file", test_regular_file, RT_BASE, NULL },
	{ "core/env_backends", test_env_backends, RT_ONCE, NULL },
	{ "core/env_setid", test_env_setid, RT_ONCE, NULL },
	RT_END
};

/* Run on the epoll backend only (regress_main.c names it). */
struct regress_case regress_fd_epoll_cases[] = {
	{ "core/readd_syscalls", test_readd_syscalls, RT_BASE, NULL },
	RT_END
};
