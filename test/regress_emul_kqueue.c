/*
 * regress_emul_kqueue.c -- the kqueue emulation's rules (test/emul_kqueue.c,
 * see shared/api/backends.md 1 and 4), then kqueue.c's duties that only a
 * kqueue can show: one kevent() per loop iteration, the EV_ERROR paths, the
 * pipe check, signals, fork.  test/regress-emul only, kqueue pass.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul/sys/event.h"
#include "event.h"
#include "emul.h"
#include "regress.h"
#include "regress_emul.h"

static const struct timespec zero_ts = { 0, 0 };
static const struct timespec long_ts = { 5, 0 };

static struct kevent
chg(uintptr_t ident, int filter, int flags)
{
	struct kevent k;

	memset(&k, 0, sizeof(k));
	EV_SET(&k, ident, filter, flags, 0, 0, 0);
	return k;
}

/* One change, no event list: 0 or -1/errno. */
static int
apply(int kq, uintptr_t ident, int filter, int flags)
{
	struct kevent k = chg(ident, filter, flags);

	return kevent(kq, &k, 1, NULL, 0, &zero_ts);
}

/* Collect without waiting. */
static int
collect(int kq, struct kevent *ev, int n)
{
	return kevent(kq, NULL, 0, ev, n, &zero_ts);
}

static int
new_kq(void)
{
	int kq = kqueue();

	tt_assert(kq >= 0);
	return kq;
}


/* ------------------------------------------------------------------ */
/* The interface */

static void
test_layout(struct regress_env *env)
{
	struct kevent k;

	emul_pass(env, "kqueue");
	/* FreeBSD 12+ on LP64 (shared/api/backends.md 1.1). */
	if (sizeof(void *) == 8) {
		tt_int_op(sizeof(struct kevent), ==, 64);
		tt_int_op(offsetof(struct kevent, filter), ==, 8);
		tt_int_op(offsetof(struct kevent, flags), ==, 10);
		tt_int_op(offsetof(struct kevent, fflags), ==, 12);
		tt_int_op(offsetof(struct kevent, data), ==, 16);
		tt_int_op(offsetof(struct kevent, udata), ==, 24);
		tt_int_op(offsetof(struct kevent, ext), ==, 32);
	}
	tt_int_op(EV_ADD, ==, 0x1);
	tt_int_op(EV_DELETE, ==, 0x2);
	tt_int_op(EV_ENABLE, ==, 0x4);
	tt_int_op(EV_DISABLE, ==, 0x8);
	tt_int_op(EV_ONESHOT, ==, 0x10);
	tt_int_op(EV_CLEAR, ==, 0x20);
	tt_int_op(EV_RECEIPT, ==, 0x40);
	tt_int_op(EV_DISPATCH, ==, 0x80);
	tt_int_op(EV_ERROR, ==, 0x4000);
	tt_int_op(EV_EOF, ==, 0x8000);
	tt_int_op(EVFILT_READ, ==, -1);
	tt_int_op(EVFILT_WRITE, ==, -2);
	tt_int_op(EVFILT_SIGNAL, ==, -6);
	tt_int_op(EVFILT_TIMER, ==, -7);
	memset(&k, 0xff, sizeof(k));
	EV_SET(&k, 7, EVFILT_READ, EV_ADD, 0, 0, 0);
	tt_int_op(k.ext[0] | k.ext[1] | k.ext[2] | k.ext[3], ==, 0);
	tt_int_op(k.ident, ==, 7);
	tt_ptr_op(k.udata, ==, NULL);
}

/* a) A failed change with room: an EV_ERROR entry, returned at once. */
static void
test_error_entry(struct regress_env *env)
{
	struct kevent k[2], out[4];
	int kq, p[2], marker, style;
	double t0;

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	emul_put(p[1], 1);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_ADD), ==, 0);
	for (style = 0; style < 2; style++) {
		emul_kqueue_error_or(style);
		k[0] = chg(p[0], EVFILT_WRITE, EV_DELETE);
		k[0].udata = &marker;
		t0 = regress_now();
		/* p[0] is readable, yet only the error comes back, at once. */
		tt_int_op(kevent(kq, k, 1, out, 4, &long_ts), ==, 1);
		tt_assert(regress_now() - t0 < 1.0);
		tt_uint_op(out[0].ident, ==, p[0]);
		tt_int_op(out[0].filter, ==, EVFILT_WRITE);
		tt_ptr_op(out[0].udata, ==, &marker);
		tt_int_op(out[0].data, ==, ENOENT);
		tt_int_op(out[0].flags, ==, style ? EV_DELETE | EV_ERROR :
		    EV_ERROR);
	}
	emul_kqueue_error_or(0);
	/* Without errors the ready fd is collected. */
	tt_int_op(collect(kq, out, 4), ==, 1);
	tt_uint_op(out[0].ident, ==, p[0]);
	tt_int_op(out[0].data, ==, 1);
}

/* a) No room: -1 with the errno; earlier changes applied, later not. */
static void
test_no_room(struct regress_env *env)
{
	struct kevent k[3];
	int kq, p[2], q[2];

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	emul_pipe(q);
	k[0] = chg(p[0], EVFILT_READ, EV_ADD);
	k[1] = chg(p[0], EVFILT_WRITE, EV_DELETE);
	k[2] = chg(q[0], EVFILT_READ, EV_ADD);
	errno = 0;
	tt_int_op(kevent(kq, k, 3, NULL, 0, &zero_ts), ==, -1);
	tt_int_op(errno, ==, ENOENT);
	tt_int_op(emul_kqueue_knote_(p[0], EVFILT_READ), ==, 1);
	tt_int_op(emul_kqueue_knote_(q[0], EVFILT_READ), ==, 0);
	tt_int_op(apply(kq, q[0], EVFILT_READ, EV_DELETE), ==, -1);
	tt_int_op(errno, ==, ENOENT);
}

/* a) In array order; one array may serve as both lists. */
static void
test_order(struct regress_env *env)
{
	struct kevent k[4];
	int kq, p[2];

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	k[0] = chg(p[0], EVFILT_READ, EV_ADD);
	k[1] = chg(p[0], EVFILT_READ, EV_DELETE);
	k[2] = chg(p[0], EVFILT_READ, EV_DELETE);
	k[3] = chg(p[0], EVFILT_WRITE, EV_ADD);
	tt_int_op(kevent(kq, k, 4, k, 4, &zero_ts), ==, 1);
	tt_int_op(k[0].filter, ==, EVFILT_READ);
	tt_int_op(k[0].data, ==, ENOENT);
	tt_int_op(emul_kqueue_knote_(p[0], EVFILT_READ), ==, 0);
	tt_int_op(emul_kqueue_knote_(p[0], EVFILT_WRITE), ==, 1);
	/* Delete of a missing knote first, then the add: both happen. */
	k[0] = chg(p[0], EVFILT_READ, EV_DELETE);
	k[1] = chg(p[0], EVFILT_READ, EV_ADD);
	tt_int_op(kevent(kq, k, 2, k, 2, &zero_ts), ==, 1);
	tt_int_op(k[0].data, ==, ENOENT);
	tt_int_op(emul_kqueue_knote_(p[0], EVFILT_READ), ==, 1);
	/* The same array for changes and results: an event comes back. */
	emul_put(p[1], 2);
	k[0] = chg(p[0], EVFILT_WRITE, EV_DELETE);
	tt_int_op(kevent(kq, k, 1, k, 1, &zero_ts), ==, 1);
	tt_int_op(k[0].filter, ==, EVFILT_READ);
	tt_int_op(k[0].data, ==, 2);
	tt_int_op(k[0].flags & EV_ERROR, ==, 0);
}

/* b) The errnos a backend meets. */
static void
test_errnos(struct regress_env *env)
{
	struct kevent k, out;
	struct timespec bad = { 0, 1000000000L };
	int kq, p[2], w, fd;

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	fd = p[0];
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD), ==, 0);
	close(p[0]);
	/* Deleting after close(): the fd is looked up first. */
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_DELETE), ==, -1);
	tt_int_op(errno, ==, EBADF);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD), ==, -1);
	tt_int_op(errno, ==, EBADF);
	/* Once the number is reused: the knote is simply missing. */
	emul_reuse_as_pipe(fd, &w);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_DELETE), ==, -1);
	tt_int_op(errno, ==, ENOENT);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ENABLE), ==, -1);
	tt_int_op(errno, ==, ENOENT);
	tt_int_op(apply(kq, fd, EVFILT_TIMER, EV_ADD), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD | EV_ENABLE | EV_DISABLE),
	    ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(apply(kq, 0, EVFILT_SIGNAL, EV_ADD), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(kevent(kq, NULL, 0, &out, 1, &bad), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	/* Not a kqueue. */
	k = chg(fd, EVFILT_READ, EV_ADD);
	tt_int_op(kevent(w, &k, 1, NULL, 0, &zero_ts), ==, -1);
	tt_int_op(errno, ==, EBADF);
	tt_int_op(emul_kqueue_knote_(fd, EVFILT_READ), ==, 0);
}

/* c) close() and dup2() drop the number's knotes, dup or no dup. */
static void
test_close_drops(struct regress_env *env)
{
	struct kevent out[2];
	int kq, p[2], q[2], d, w, fd;

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	fd = p[0];
	emul_put(p[1], 1);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	d = dup(fd);
	tt_assert(d >= 0);
	close(fd);
	/* The file is still open (d) and readable: nothing is reported. */
	tt_int_op(collect(kq, out, 2), ==, 0);
	emul_reuse_as_pipe(fd, &w);
	emul_put(w, 1);
	tt_int_op(collect(kq, out, 2), ==, 0);
	tt_int_op(emul_kqueue_knote_(fd, EVFILT_READ), ==, 0);
	/* dup2() over a registered number counts as a close. */
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	emul_pipe(q);
	tt_int_op(dup2(q[0], fd), ==, fd);
	tt_int_op(emul_kqueue_knote_(fd, EVFILT_READ), ==, 0);
	emul_put(q[1], 1);
	tt_int_op(collect(kq, out, 2), ==, 0);
	/* Closing the queue itself ends it. */
	close(kq);
	tt_int_op(collect(kq, out, 2), ==, -1);
	tt_int_op(errno, ==, EBADF);
}

/* d) A forked child has no queue; its closes leave the parent's alone. */
static void
test_fork(struct regress_env *env)
{
	struct kevent out[2];
	int kq, p[2], status;
	pid_t pid;

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_ADD), ==, 0);
	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		if (collect(kq, out, 2) != -1 || errno != EBADF)
			_exit(10);
		if (fcntl(kq, F_GETFD) != -1)
			_exit(11);	/* the number is free */
		close(p[0]);
		_exit(0);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
	emul_put(p[1], 1);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_uint_op(out[0].ident, ==, p[0]);
}

/* e) Level by default; READ and WRITE are separate entries with data. */
static void
test_level(struct regress_env *env)
{
	struct kevent out[4];
	int kq, s[2], i, nr, nw;

	emul_pass(env, "kqueue");
	kq = new_kq();
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, s), ==, 0);
	emul_put(s[1], 3);
	tt_int_op(apply(kq, s[0], EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(apply(kq, s[0], EVFILT_WRITE, EV_ADD), ==, 0);
	for (i = 0; i < 2; i++) {
		int n = collect(kq, out, 4), j;
		tt_int_op(n, ==, 2);
		nr = nw = 0;
		for (j = 0; j < n; j++) {
			tt_uint_op(out[j].ident, ==, s[0]);
			if (out[j].filter == EVFILT_READ) {
				nr++;
				tt_int_op(out[j].data, ==, 3);
			} else {
				nw++;
				tt_int_op(out[j].filter, ==, EVFILT_WRITE);
				tt_int_op(out[j].data, >, 0);
			}
			tt_int_op(out[j].flags & (EV_ERROR | EV_EOF), ==, 0);
		}
		tt_int_op(nr, ==, 1);
		tt_int_op(nw, ==, 1);
	}
}

/* e) EV_CLEAR, EV_ONESHOT, EV_DISPATCH, EV_DISABLE, EV_RECEIPT. */
static void
test_modes(struct regress_env *env)
{
	struct kevent out[2], k;
	int kq, a[2], b[2], c[2];

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(a);
	emul_pipe(b);
	emul_pipe(c);
	emul_put(a[1], 1);
	emul_put(b[1], 1);
	emul_put(c[1], 1);
	tt_int_op(apply(kq, a[0], EVFILT_READ, EV_ADD | EV_CLEAR), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].data, ==, 1);
	tt_int_op(collect(kq, out, 2), ==, 0);	/* nothing new */
	emul_put(a[1], 1);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].data, ==, 2);
	tt_int_op(apply(kq, a[0], EVFILT_READ, EV_DELETE), ==, 0);

	tt_int_op(apply(kq, b[0], EVFILT_READ, EV_ADD | EV_ONESHOT), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(collect(kq, out, 2), ==, 0);
	tt_int_op(apply(kq, b[0], EVFILT_READ, EV_DELETE), ==, -1);
	tt_int_op(errno, ==, ENOENT);

	tt_int_op(apply(kq, c[0], EVFILT_READ, EV_ADD | EV_DISPATCH), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(collect(kq, out, 2), ==, 0);	/* disabled */
	tt_int_op(apply(kq, c[0], EVFILT_READ, EV_ENABLE), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(apply(kq, c[0], EVFILT_READ, EV_ADD | EV_DISABLE), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 0);

	/* A receipt: an EV_ERROR entry with data 0, the knote added. */
	k = chg(a[0], EVFILT_READ, EV_ADD | EV_RECEIPT);
	tt_int_op(kevent(kq, &k, 1, out, 2, &zero_ts), ==, 1);
	tt_int_op(out[0].flags & EV_ERROR, !=, 0);
	tt_int_op(out[0].data, ==, 0);
	tt_int_op(emul_kqueue_knote_(a[0], EVFILT_READ), ==, 1);
}

/* e) EV_EOF when the other end is gone, with data still queued. */
static void
test_eof(struct regress_env *env)
{
	struct kevent out[2];
	int kq, p[2], q[2], s[2];

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	emul_put(p[1], 2);
	close(p[1]);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].flags & EV_EOF, !=, 0);
	tt_int_op(out[0].data, ==, 2);

	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, s), ==, 0);
	tt_int_op(apply(kq, s[0], EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);		/* p[0] still */
	close(s[1]);
	tt_int_op(collect(kq, out, 2), ==, 2);
	tt_int_op(out[0].flags & EV_EOF, !=, 0);
	tt_int_op(out[1].flags & EV_EOF, !=, 0);

	emul_pipe(q);
	close(q[0]);
	tt_int_op(apply(kq, q[1], EVFILT_WRITE, EV_ADD), ==, 0);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_DELETE), ==, 0);
	tt_int_op(apply(kq, s[0], EVFILT_READ, EV_DELETE), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].filter, ==, EVFILT_WRITE);
	tt_int_op(out[0].flags & EV_EOF, !=, 0);
}

/* e) What does not fit stays queued; nevents == 0 never waits. */
static void
test_overflow(struct regress_env *env)
{
	enum { N = 5 };
	struct kevent out[2];
	int kq, p[N][2], seen[N], i, j, call;
	double t0;

	emul_pass(env, "kqueue");
	kq = new_kq();
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		emul_pipe(p[i]);
		emul_put(p[i][1], 1);
		tt_int_op(apply(kq, p[i][0], EVFILT_READ, EV_ADD), ==, 0);
	}
	for (call = 0; call < 2 * N; call++) {
		tt_int_op(collect(kq, out, 2), ==, 2);
		for (j = 0; j < 2; j++)
			for (i = 0; i < N; i++)
				if (out[j].ident == (uintptr_t)p[i][0])
					seen[i] = 1;
	}
	for (i = 0; i < N; i++)
		tt_int_op(seen[i], ==, 1);
	t0 = regress_now();
	tt_int_op(kevent(kq, NULL, 0, out, 0, &long_ts), ==, 0);
	tt_assert(regress_now() - t0 < 1.0);
}

/* b) and e): timeouts. */
static void
test_timeout(struct regress_env *env)
{
	struct kevent out[1];
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int kq;
	double t0, ms;

	emul_pass(env, "kqueue");
	kq = new_kq();
	t0 = regress_now();
	tt_int_op(kevent(kq, NULL, 0, out, 1, &zero_ts), ==, 0);
	tt_assert(regress_now() - t0 < 0.5);
	t0 = regress_now();
	tt_int_op(kevent(kq, NULL, 0, out, 1, &ts), ==, 0);
	ms = (regress_now() - t0) * 1000;
	tt_assert(ms >= 49);
	tt_assert(ms < 500 * regress_slowdown());
}

static int handler_hits;

static void
count_handler(int sig)
{
	(void)sig;
	handler_hits++;
}

/* A child with a SIGUSR1 knote and SIG_DFL: raising it must kill. */
static void
signal_dfl_kills(void)
{
	int status, kq;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		signal(SIGUSR1, SIG_DFL);
		kq = kqueue();
		if (kq < 0 || apply(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD) != 0)
			_exit(10);
		raise(SIGUSR1);
		_exit(0);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFSIGNALED(status));
	tt_int_op(WTERMSIG(status), ==, SIGUSR1);
}

/* f) Signals are counted; the disposition still decides what happens. */
static void
test_signal(struct regress_env *env)
{
	struct kevent out[2];
	struct sigaction sa, cur;
	int kq;

	emul_pass(env, "kqueue");
	signal_dfl_kills();
	kq = new_kq();
	signal(SIGUSR1, SIG_IGN);
	tt_int_op(apply(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD), ==, 0);
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].filter, ==, EVFILT_SIGNAL);
	tt_uint_op(out[0].ident, ==, SIGUSR1);
	tt_int_op(out[0].data, ==, 3);
	tt_int_op(collect(kq, out, 2), ==, 0);
	/* A handler set while watched runs, and is what the program sees. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	tt_int_op(sigaction(SIGUSR1, &sa, NULL), ==, 0);
	tt_int_op(sigaction(SIGUSR1, NULL, &cur), ==, 0);
	tt_assert(cur.sa_handler == count_handler);
	raise(SIGUSR1);
	tt_int_op(handler_hits, ==, 1);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].data, ==, 1);
	/* Deleted: the handler stays, nothing is counted any more. */
	tt_int_op(apply(kq, SIGUSR1, EVFILT_SIGNAL, EV_DELETE), ==, 0);
	raise(SIGUSR1);
	tt_int_op(handler_hits, ==, 2);
	tt_int_op(apply(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 0);
}

/* g) A regular file: readable below its size only, always writable. */
static void
test_regular_file(struct regress_env *env)
{
	char path[] = "/tmp/regress_emul_XXXXXX";
	struct kevent out[2];
	int kq, fd;

	emul_pass(env, "kqueue");
	kq = new_kq();
	fd = mkstemp(path);
	tt_assert(fd != -1);
	unlink(path);
	emul_put(fd, 3);
	tt_int_op(lseek(fd, 1, SEEK_SET), ==, 1);
	tt_int_op(apply(kq, fd, EVFILT_READ, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].data, ==, 2);
	tt_int_op(lseek(fd, 0, SEEK_END), ==, 3);
	tt_int_op(collect(kq, out, 2), ==, 0);
	tt_int_op(apply(kq, fd, EVFILT_WRITE, EV_ADD), ==, 0);
	tt_int_op(collect(kq, out, 2), ==, 1);
	tt_int_op(out[0].filter, ==, EVFILT_WRITE);
}

/* The knobs that imitate macOS: refused ttys, a kqueue without pipes. */
static void
test_refusals(struct regress_env *env)
{
	int kq, p[2], s[2];

	emul_pass(env, "kqueue");
	kq = new_kq();
	emul_pipe(p);
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, s), ==, 0);
	emul_kqueue_refuse_fd(s[0], EINVAL);
	tt_int_op(apply(kq, s[0], EVFILT_READ, EV_ADD), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	tt_int_op(apply(kq, s[1], EVFILT_READ, EV_ADD), ==, 0);
	emul_kqueue_refuse_fd(-1, 0);
	tt_int_op(apply(kq, s[0], EVFILT_READ, EV_ADD), ==, 0);
	emul_kqueue_refuse_pipes(1);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_ADD), ==, -1);
	tt_int_op(errno, ==, EINVAL);
	emul_kqueue_refuse_pipes(0);
	tt_int_op(apply(kq, p[0], EVFILT_READ, EV_ADD), ==, 0);
}

/* ------------------------------------------------------------------ */
/* kqueue.c on the emulation */

/* b) Every change of an iteration and its wait: one kevent(). */
static void
test_backend_one_call(struct regress_env *env)
{
	enum { N = 40 };
	struct emul_rd r[N], w[N];
	int p[N][2], i;
	unsigned long before;

	emul_pass(env, "kqueue");
	memset(r, 0, sizeof(r));
	memset(w, 0, sizeof(w));
	for (i = 0; i < N; i++) {
		emul_pipe(p[i]);
		event_set(&r[i].ev, p[i][0], EV_READ | EV_PERSIST,
		    emul_rd_cb, &r[i]);
		event_set(&w[i].ev, p[i][1], EV_WRITE, emul_rd_cb, &w[i]);
	}
	before = emul_kevent_calls;
	for (i = 0; i < N; i++)
		tt_int_op(event_add(&r[i].ev, NULL), ==, 0);
	tt_int_op(emul_kevent_calls, ==, before);	/* only queued */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_kevent_calls, ==, before + 1);
	for (i = 0; i < N; i++)
		tt_int_op(emul_kqueue_knote_(p[i][0], EVFILT_READ), ==, 1);
	/* Deletes and adds mixed, some data: still one call. */
	for (i = 0; i < N; i += 2)
		tt_int_op(event_del(&r[i].ev), ==, 0);
	emul_put(p[1][1], 1);
	before = emul_kevent_calls;
	tt_int_op(event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(emul_kevent_calls, ==, before + 1);
	tt_int_op(r[1].n, ==, 1);
	for (i = 0; i < N; i++)
		tt_int_op(emul_kqueue_knote_(p[i][0], EVFILT_READ), ==, i % 2);
}

/* d) A deferred add that fails, in both EV_ERROR styles: logged, the
 * event gets its error path once, a healthy fd still fires. */
static void
backend_failed_add(int style)
{
	struct emul_rd a, b;
	int q[2], fd;

	emul_kqueue_error_or(style);
	emul_count_warnings(1);
	emul_pipe(q);	/* first: it must not get the closed number */
	fd = emul_registered_then_closed(&a);
	memset(&b, 0, sizeof(b));
	event_set(&b.ev, q[0], EV_READ, emul_rd_cb, &b);
	event_set(&a.ev, fd, EV_READ | EV_PERSIST, emul_rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	emul_put(q[1], 1);
	/* The errors come back alone; the backend waits again at once. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(b.n, ==, 1);
	tt_int_op(a.n, ==, 1);
	tt_int_op(a.last, ==, EV_READ);
	tt_int_op(emul_warnings, >=, 1);
	/* Reported once: the loop has nothing more to do for it. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_int_op(event_del(&a.ev), ==, 0);
	close(q[0]);
	close(q[1]);
}

/* d) A deletion that reaches the kernel after close() fails harmlessly,
 * and the call that reported it waited for nothing: the backend must wait
 * again, or this non-blocking loop would end without seeing q[0]. */
static void
backend_late_delete(int style)
{
	struct emul_rd a, b;
	int q[2];
	unsigned long before;

	emul_kqueue_error_or(style);
	emul_count_warnings(1);
	emul_pipe(q);
	(void)emul_registered_then_closed(&a);
	memset(&b, 0, sizeof(b));
	event_set(&b.ev, q[0], EV_READ, emul_rd_cb, &b);
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	emul_put(q[1], 1);
	before = emul_kevent_calls;
	/* 1: after b's callback nothing is left to wait for. */
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 1);
	tt_int_op(b.n, ==, 1);
	tt_int_op(a.n, ==, 0);
	tt_int_op(emul_warnings, ==, 0);
	tt_int_op(emul_kevent_calls, ==, before + 2);
	close(q[0]);
	close(q[1]);
}

/* d) The failed add activated the event: the backend's second wait
 * must not block (nothing else is registered here). */
static void
backend_failed_add_alone(void)
{
	struct emul_rd a;
	int fd;
	double t0;

	fd = emul_registered_then_closed(&a);
	event_set(&a.ev, fd, EV_READ | EV_PERSIST, emul_rd_cb, &a);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	t0 = regress_now();
	tt_int_op(event_loop(EVLOOP_ONCE), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_assert(regress_now() - t0 < 1.0);
	tt_int_op(event_del(&a.ev), ==, 0);
}

static void
test_backend_failed_add(struct regress_env *env)
{
	emul_pass(env, "kqueue");
	backend_failed_add_alone();
	backend_failed_add(0);
	backend_failed_add(1);
	backend_late_delete(0);
	backend_late_delete(1);
	emul_kqueue_error_or(0);
	emul_count_warnings(0);
}

/* d) macOS refuses ttys with EINVAL: the error path, not a dead loop. */
static void
test_backend_refused(struct regress_env *env)
{
	struct emul_rd a, b;
	int p[2], q[2];
	struct timeval ex = { 0, 100000 };

	emul_pass(env, "kqueue");
	emul_count_warnings(1);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	emul_pipe(p);
	emul_pipe(q);
	emul_kqueue_refuse_fd(p[0], EINVAL);
	event_set(&a.ev, p[0], EV_READ | EV_PERSIST, emul_rd_cb, &a);
	event_set(&b.ev, q[0], EV_READ | EV_PERSIST, emul_rd_cb, &b);
	tt_int_op(event_add(&a.ev, NULL), ==, 0);
	tt_int_op(event_add(&b.ev, NULL), ==, 0);
	emul_put(q[1], 1);
	tt_int_op(event_loopexit(&ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_int_op(a.n, ==, 1);
	tt_int_op(b.n, ==, 1);
	tt_int_op(emul_warnings, >=, 1);
	tt_int_op(emul_kqueue_knote_(p[0], EVFILT_READ), ==, 0);
	emul_kqueue_refuse_fd(-1, 0);
	emul_count_warnings(0);
}

/* Exit status of a child that makes a base with kqueue and devpoll
 * enabled (regress sets EVENT_NO* for all but kqueue): 0 if its backend
 * is `want`. */
static int
child_backend_is(const char *want, int refuse_pipes)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct event_base *b;
		unsetenv("EVENT_NODEVPOLL");
		emul_kqueue_refuse_pipes(refuse_pipes);
		b = event_base_new();
		_exit(b != NULL &&
		    strcmp(event_base_get_method(b), want) == 0 ? 0 : 1);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* g) A kqueue that does not report pipes is declined at init. */
static void
test_backend_pipe_check(struct regress_env *env)
{
	emul_pass(env, "kqueue");
	tt_int_op(child_backend_is("kqueue", 0), ==, 0);
	tt_int_op(child_backend_is("devpoll", 1), ==, 0);
}

struct sigcount {
	struct event ev;
	int calls;
};

static void
sigcount_cb(int sig, short what, void *arg)
{
	struct sigcount *s = arg;

	(void)sig;
	tt_int_op(what, ==, EV_SIGNAL);
	s->calls++;
}

/* f) A handler is set while an event watches the signal (the emulation
 * kills on SIG_DFL, as a BSD would), the previous disposition restored
 * after; a signal raised before the loop is already counted. */
static void
test_backend_signal(struct regress_env *env)
{
	struct sigcount s;
	struct sigaction cur;

	emul_pass(env, "kqueue");
	memset(&s, 0, sizeof(s));
	signal(SIGUSR2, SIG_DFL);
	signal_set(&s.ev, SIGUSR2, sigcount_cb, &s);
	tt_int_op(signal_add(&s.ev, NULL), ==, 0);
	tt_int_op(sigaction(SIGUSR2, NULL, &cur), ==, 0);
	tt_assert(cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN);
	/* Raised before the loop: counted by the knote already. */
	raise(SIGUSR2);
	raise(SIGUSR2);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(s.calls, ==, 2);
	tt_int_op(signal_del(&s.ev), ==, 0);
	tt_int_op(sigaction(SIGUSR2, NULL, &cur), ==, 0);
	tt_assert(cur.sa_handler == SIG_DFL);
}

/* e) Without event_reinit() the child's loop fails instead of hanging;
 * with it, a number the child reused for its own file is left alone. */
static void
test_backend_fork(struct regress_env *env)
{
	struct emul_rd r;
	int p[2], status;
	pid_t pid;

	emul_pass(env, "kqueue");
	memset(&r, 0, sizeof(r));
	emul_pipe(p);
	event_set(&r.ev, p[0], EV_READ | EV_PERSIST, emul_rd_cb, &r);
	tt_int_op(event_add(&r.ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	emul_check_child_loop_fails(EBADF);
	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		int mine = open("/dev/null", O_RDONLY);
		if (mine < 0)
			_exit(20);
		if (event_reinit(env->base) != 0)
			_exit(21);
		if (fcntl(mine, F_GETFD) == -1)
			_exit(22);	/* closed as if it were the queue */
		emul_put(p[1], 1);
		if (event_loop(EVLOOP_ONCE) != 0 || r.n != 1)
			_exit(23);
		_exit(0);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
}

/* h) A signal the program handles interrupts the wait: not an error. */
static void
test_backend_eintr(struct regress_env *env)
{
	emul_pass(env, "kqueue");
	emul_check_eintr();
}

struct regress_case regress_emul_kqueue_cases[] = {
	{ "emul/kqueue_layout", test_layout, 0, NULL },
	{ "emul/kqueue_error_entry", test_error_entry, 0, NULL },
	{ "emul/kqueue_no_room", test_no_room, 0, NULL },
	{ "emul/kqueue_order", test_order, 0, NULL },
	{ "emul/kqueue_errnos", test_errnos, 0, NULL },
	{ "emul/kqueue_close_drops", test_close_drops, 0, NULL },
	{ "emul/kqueue_fork", test_fork, 0, NULL },
	{ "emul/kqueue_level", test_level, 0, NULL },
	{ "emul/kqueue_modes", test_modes, 0, NULL },
	{ "emul/kqueue_eof", test_eof, 0, NULL },
	{ "emul/kqueue_overflow", test_overflow, 0, NULL },
	{ "emul/kqueue_timeout", test_timeout, 0, NULL },
	{ "emul/kqueue_signal", test_signal, 0, NULL },
	{ "emul/kqueue_regular_file", test_regular_file, 0, NULL },
	{ "emul/kqueue_refusals", test_refusals, 0, NULL },
	{ "emul/kqueue_backend_one_call", test_backend_one_call, RT_BASE,
	  NULL },
	{ "emul/kqueue_backend_failed_add", test_backend_failed_add, RT_BASE,
	  NULL },
	{ "emul/kqueue_backend_refused", test_backend_refused, RT_BASE, NULL },
	{ "emul/kqueue_backend_pipe_check", test_backend_pipe_check, 0, NULL },
	{ "emul/kqueue_backend_signal", test_backend_signal, RT_BASE,
	  NULL },
	{ "emul/kqueue_backend_fork", test_backend_fork, RT_BASE, NULL },
	{ "emul/kqueue_backend_eintr", test_backend_eintr, RT_BASE, NULL },
	RT_END
};
