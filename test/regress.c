/*
 * regress.c -- the test runner.
 *
 * One invocation runs the cases of regress_tables[] on one backend, each
 * case in its own forked child, and writes TAP (the Test Anything
 * Protocol) on stdout for automake's tap-driver.sh:
 *
 *	1..N
 *	ok 1 - core/timeout_order
 *	not ok 2 - core/signal_basic # signal 6
 *	# test/regress_core.c:1190: na == 1: 0 vs 1
 *	ok 3 - core/readd_syscalls # SKIP only epoll makes kernel calls
 *
 * Results are numbered in the order cases finish (with -j they overlap).
 * A backend that cannot be used here gives the single line
 * "1..0 # SKIP <name> unavailable: <why>".  The exit status is 0 once the
 * run completes, whatever the verdicts (TAP carries them); 2 for a usage
 * error.  test/run-backend.sh runs it once per test/<name>.backend file.
 *
 * The parent never calls into the library: the 1.4 API keeps global state
 * (current_base, signal handlers) that must start fresh in every case.
 * It chooses the backend through 1.4's EVENT_NO* variables, enforces the
 * time limit (the child may use SIGALRM itself) and kills the child's
 * process group when the case ends.  The child checks on exit that the
 * case left no file descriptor open that it did not start with.
 *
 * Windows has no fork(): there the runner starts this program again for
 * each case (--child NAME, and --probe for the backend check), with its
 * output on a pipe and inside a job object that is ended with the case
 * (test/regress_win32.c); the rest is the same.
 *
 * Usage: regress [-b BACKEND] [-j N] [-l] [-v] [--once|--no-once]
 *                [--no-fork] [--timeout SECS] [--selftest] [PATTERN...]
 *   -b BACKEND   run on this backend (epoll, poll, select, kqueue,
 *                devpoll, evport, win32); default: the library's choice
 *   -j N         run up to N cases at once (default 1, at most 16)
 *   -l           list the selected case names and exit
 *   -v           verbose: notes and times of passing cases too
 *   --once       only the backend-independent cases (RT_ONCE)
 *   --no-once    only the cases that depend on the backend
 *   --no-fork    run the cases in this process (for gdb); stops at the
 *                first failure
 *   --timeout S  the time limit of a case that is not RT_SLOW (default 5)
 *   --selftest   run the runner's own sample cases instead (one of each
 *                outcome), for the runner/tap case
 *   PATTERN      shell glob on case names, e.g. 'http/ *' without the space
 *   --child NAME, --probe  (internal, Windows) run one case; report the
 *                backend a base gets
 *
 * REGRESS_TIMEOUT_MULTIPLIER scales every time limit (for valgrind).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "event-internal.h"	/* the base's signal pair, see forget_base */
#include "regress.h"
#ifdef REGRESS_EMUL
#include "emul.h"
#endif
#include "regress_util.h"

extern const struct regress_table regress_tables[];

#define EXIT_SKIP	77	/* child: tt_skip() */
#define EXIT_FDLEAK	78	/* child: the case left an fd open */
#define LIMIT_NORMAL	5.0	/* seconds per case */
#define LIMIT_SLOW	60.0	/* seconds per RT_SLOW case */
#define MAX_JOBS	16
#define LOG_MAX		(64 * 1024)	/* child output kept per case: */
#define LOG_HEAD	(16 * 1024)	/* its start, and then its end */
#define SKIP_MARK	"\001skip "	/* child -> parent: the skip reason */

/* Every backend 1.4 knows, with the variable that disables it. */
static const struct {
	const char *name;
	const char *var;
} backend_vars[] = {
	{ "epoll", "EVENT_NOEPOLL" },
	{ "poll", "EVENT_NOPOLL" },
	{ "select", "EVENT_NOSELECT" },
	{ "kqueue", "EVENT_NOKQUEUE" },
	{ "devpoll", "EVENT_NODEVPOLL" },
	{ "evport", "EVENT_NOEVPORT" },
	{ "win32", "EVENT_NOWIN32" },
	{ NULL, NULL }
};

enum once_mode { ONCE_ALL, ONCE_ONLY, ONCE_NONE };

struct options {
	const char *backend;	/* -b, or NULL for the library's choice */
	int jobs;
	int selftest;
	int list;
	int verbose;
	int no_fork;
	enum once_mode once;
	char **pats;
	int npat;
	const char *child;	/* --child NAME: run that case here */
	int probe;		/* --probe: report the default backend */
};

static int verbose;
static int no_fork;
static int selftest_mode;	/* --selftest: the runner's own cases */
static double limit_normal = LIMIT_NORMAL;
static const char *self_path;	/* argv[0], for runner/tap */
static int notes_fd = -1;	/* child: where notes go (-1: stderr) */
static jmp_buf skip_jmp;	/* --no-fork: where tt_skip() returns */
static char skip_reason[256];	/* --no-fork: its reason */

/* ------------------------------------------------------------------ */
/* The API of regress.h, used inside cases */

double
regress_now(void)
{
#ifdef _WIN32
	return regress_w32_now();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
#endif
}

long long
regress_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double
regress_slowdown(void)
{
	const char *s = getenv("REGRESS_TIMEOUT_MULTIPLIER");
	double m = s ? atof(s) : 1.0;

	return m >= 1.0 ? m : 1.0;
}

/* Write one line, prefix then message, where the notes go. */
static void
vnote(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "%s", prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	n = strlen(buf);
	if (no_fork) {
		/* In this process: a TAP comment line like the parent's. */
		printf("# %s\n", buf);
		fflush(stdout);
		return;
	}
	if ((size_t)n < sizeof(buf) - 1)
		buf[n++] = '\n';
	if (write(notes_fd >= 0 ? notes_fd : 2, buf, n) < 0)
		return;
}

void
regress_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("", fmt, ap);
	va_end(ap);
}

void
regress_fail(const char *file, int line, const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vnote(prefix, fmt, ap);
	va_end(ap);
	fflush(NULL);
	if (no_fork)
		printf("Bail out! a case failed (--no-fork stops here)\n");
	fflush(NULL);
	_exit(1);
}

void
regress_skip(const char *reason)
{
	if (no_fork) {
		snprintf(skip_reason, sizeof(skip_reason), "%s", reason);
		longjmp(skip_jmp, 1);
	}
	regress_note(SKIP_MARK "%s", reason);
	fflush(NULL);
	_exit(EXIT_SKIP);
}

/* ------------------------------------------------------------------ */
/* Backends */

/* Leave only the chosen backend enabled, through the 1.4 variables. */
static void
select_backend(const char *name)
{
	int i;

	unsetenv("EVENT_SHOW_METHOD");
	for (i = 0; backend_vars[i].name != NULL; i++) {
		if (name != NULL && strcmp(backend_vars[i].name, name) != 0)
			setenv(backend_vars[i].var, "1", 1);
		else
			unsetenv(backend_vars[i].var);
	}
}

static int
known_backend(const char *name)
{
	int i;

	for (i = 0; backend_vars[i].name != NULL; i++)
		if (strcmp(backend_vars[i].name, name) == 0)
			return 1;
	return 0;
}

/* Make a log line fit on one TAP line: no newlines, no "[err] " tag. */
static void
one_line(char *s)
{
	char *p;
	size_t n;

	if (strncmp(s, "[err] ", 6) == 0)
		memmove(s, s + 6, strlen(s + 6) + 1);
	for (p = s; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

/* The probe's child: create a base and write its method to fd. */
static void
probe_child(int fd)
{
	struct event_base *b = event_base_new();
	const char *m = b ? event_base_get_method(b) : "";

	if (write(fd, m, strlen(m)) < 0)
		_exit(2);
	fflush(NULL);
	_exit(b != NULL ? 0 : 1);
}

#ifdef _WIN32
/* Windows: all the output of this program run with args, and its exit
 * status; -1 if it could not start or ran past secs. */
static int
run_self(const char *args, char *out, size_t outlen, double secs,
    int *status)
{
	struct regress_proc p;
	double end = regress_now() + secs;
	size_t got = 0;
	int n;

	if (regress_proc_start(&p, args) == -1) {
		snprintf(out, outlen, "%s", regress_proc_error());
		return -1;
	}
	while ((n = regress_proc_read(&p, out + got, outlen - 1 - got)) !=
	    -1 && got < outlen - 1 && regress_now() < end)
		if (n == 0)
			Sleep(5);
		else
			got += (size_t)n;
	out[got] = '\0';
	regress_proc_kill(&p);	/* (if it still runs) */
	n = regress_proc_done(&p, status) ? 0 : -1;
	regress_proc_close(&p);
	return n;
}

/* Windows: as below, in a child started with --probe. */
static int
probe_backend(char *out, size_t outlen)
{
	int status = -1, rc;

	rc = run_self("--probe", out, outlen, 30 * regress_slowdown(),
	    &status);
	one_line(out);
	if (rc == -1 || status != 0) {
		if (out[0] == '\0')
			snprintf(out, outlen, "no base could be created");
		return -1;
	}
	return 0;
}
#else
/*
 * The backend a base gets with the current environment, asked in a child
 * (the parent stays clean): its name in out, or what went wrong.  Returns
 * 0 if a base was created.
 */
static int
probe_backend(char *out, size_t outlen)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p) == -1) {
		snprintf(out, outlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(p[0]);
		dup2(p[1], 2);	/* event_base_new's error message */
		probe_child(p[1]);
	}
	close(p[1]);
	n = pid == -1 ? -1 : read(p[0], out, outlen - 1);
	close(p[0]);
	if (pid != -1)
		waitpid(pid, &status, 0);
	out[n > 0 ? n : 0] = '\0';
	one_line(out);
	if (pid == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (out[0] == '\0')
			snprintf(out, outlen, "no base could be created");
		return -1;
	}
	return 0;
}
#endif /* _WIN32 */

/*
 * Choose the backend for the whole run: 0 and its name in `name`, or -1
 * and why it cannot be used in `why`.
 */
static int
choose_backend(const char *wanted, char *name, size_t namelen, char *why,
    size_t whylen)
{
	char got[256];

	if (wanted != NULL && !known_backend(wanted)) {
		snprintf(why, whylen, "not a libevent backend name");
		return -1;
	}
	if (wanted != NULL)
		select_backend(wanted);
	if (probe_backend(got, sizeof(got)) == -1) {
		snprintf(why, whylen, "a base with only it enabled got: %s",
		    got);
		return -1;
	}
	if (wanted != NULL && strcmp(got, wanted) != 0) {
		snprintf(why, whylen, "a base with only it enabled used %s",
		    got);
		return -1;
	}
	snprintf(name, namelen, "%s", got);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The child: one case */

/* Set up what the case's flags ask for. */
static void
setup_env(struct regress_env *env, const struct regress_case *tc,
    const char *backend)
{
	memset(env, 0, sizeof(*env));
	env->pair[0] = env->pair[1] = -1;
	env->backend = backend;
	env->name = tc->name;
	if (tc->flags & RT_BASE) {
		env->base = event_init();
		if (env->base == NULL)
			regress_fail(__FILE__, __LINE__, "event_init failed");
		if (strcmp(event_base_get_method(env->base), backend) != 0)
			regress_fail(__FILE__, __LINE__,
			    "wanted backend %s, got %s", backend,
			    event_base_get_method(env->base));
	}
	if (tc->flags & RT_PAIR) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, env->pair) == -1)
			regress_fail(__FILE__, __LINE__, "socketpair: %s",
			    strerror(errno));
		if (evutil_make_socket_nonblocking(env->pair[0]) == -1 ||
		    evutil_make_socket_nonblocking(env->pair[1]) == -1)
			regress_fail(__FILE__, __LINE__, "nonblocking failed");
	}
}

/* Drop the first io_uring instance of s, if it has one. */
static void
forget_one_uring(struct regress_fds *s)
{
#ifdef __linux__
	char path[64], link[64];
	ssize_t n;
	size_t i;

	for (i = 0; i < s->n; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->v[i].fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:[io_uring]") == 0) {
			regress_fds_drop(s, s->v[i].fd);
			return;
		}
	}
#else
	(void)s;	/* io_uring is Linux's */
#endif
}

/*
 * The RT_BASE base is never freed (a case may leave events of its own
 * stack inserted, which event_base_free would touch): the socketpair it
 * opens at its first signal event belongs to it and is no leak, and so is
 * the io_uring ring epoll makes at its first large batch of changes
 * (uring.c; one per base, out of reach from here: any one such fd).
 */
static void
forget_base(struct regress_fds *s, struct event_base *base)
{
	if (base == NULL)
		return;
	regress_fds_drop(s, base->sig.ev_signal_pair[0]);
	regress_fds_drop(s, base->sig.ev_signal_pair[1]);
	if (strcmp(event_base_get_method(base), "epoll") == 0)
		forget_one_uring(s);
#ifdef REGRESS_EMUL
	regress_fds_drop(s, emul_sig_wake_fd_());
	regress_fds_drop(s, emul_sig_wake_wfd_());
#endif
}

/*
 * Run the case body; then fail it if it left an fd open that was not open
 * before it started (setup's base and pair count as open before).
 */
static void
run_case(const struct regress_case *tc, const char *backend)
{
	struct regress_env env;
	struct regress_fds before, after;
	char leaks[1024];

	setup_env(&env, tc, backend);
	if (regress_fds_take(&before) == -1)
		regress_fail(__FILE__, __LINE__, "cannot list open fds: %s",
		    strerror(errno));
	tc->fn(&env);
	if (tc->flags & RT_KEEPFD)
		return;
	if (regress_fds_take(&after) == -1)
		regress_fail(__FILE__, __LINE__, "cannot list open fds: %s",
		    strerror(errno));
	forget_base(&after, env.base);
	if (regress_fds_new(&before, &after, leaks, sizeof(leaks)) > 0) {
		regress_note("fds left open: %s", leaks);
		fflush(NULL);
		_exit(no_fork ? 1 : EXIT_FDLEAK);
	}
	regress_fds_free(&before);
	regress_fds_free(&after);
}

/* In the forked child: never returns. */
static void
child_main(const struct regress_case *tc, const char *backend, int out)
{
#ifdef _WIN32
	/* Started with stdout and stderr on the runner's pipe already. */
	(void)out;
	regress_child_init();
#else
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	notes_fd = out;
	dup2(out, 1);
	dup2(out, 2);
	setpgid(0, 0);
#endif
	run_case(tc, backend);
	fflush(NULL);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* The parent: running children, TAP lines */

struct running {
	pid_t pid;		/* 0: the slot is free */
	const struct regress_case *tc;
	double start;
	double limit;
#ifdef _WIN32
	struct regress_proc proc;	/* the case's process and its pipe */
#else
	int out;		/* read end of the child's output pipe */
#endif
	char *log;		/* what the child wrote: LOG_HEAD bytes of its */
	size_t loglen;		/* start, then the latest bytes */
	size_t dropped;		/* bytes left out in between */
};

struct totals {
	int n;			/* TAP number of the last result */
	int passed, failed, skipped;
};

/* ------------------------------------------------------------------ */
/* The case processes: the few calls that differ on Windows */

/* What the child wrote since the last call, without blocking. */
static ssize_t
case_read(struct running *r, char *buf, size_t len)
{
#ifdef _WIN32
	return regress_proc_read(&r->proc, buf, len);
#else
	return read(r->out, buf, len);
#endif
}

/* Has the child ended?  1 and its status in *status. */
static int
case_ended(struct running *r, int *status)
{
#ifdef _WIN32
	return regress_proc_done(&r->proc, status);
#else
	return waitpid(r->pid, status, WNOHANG) == r->pid;
#endif
}

/* End the child and what it started; with status, reap it too. */
static void
case_kill(struct running *r, int *status)
{
#ifdef _WIN32
	regress_proc_kill(&r->proc);
	if (status != NULL && !regress_proc_done(&r->proc, status))
		*status = 255;
#else
	kill(-r->pid, SIGKILL);
	if (status != NULL) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, status, 0);
	}
#endif
}

static void
case_close(struct running *r)
{
#ifdef _WIN32
	regress_proc_close(&r->proc);
#else
	close(r->out);
#endif
}

/* Sleep until some child may have ended, at most 20 ms (the time limits
 * are checked in between). */
static void
case_wait(struct running *slots, int nslots)
{
#ifdef _WIN32
	struct regress_proc *p[MAX_JOBS];
	int i;

	for (i = 0; i < nslots; i++)
		p[i] = slots[i].pid != 0 ? &slots[i].proc : NULL;
	regress_proc_wait(p, nslots, 20);
#else
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	sigset_t chld;

	(void)slots;
	(void)nslots;
	/* SIGCHLD is blocked (run_forked): it ends the wait. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
#endif
}

/* Collect what a child wrote so far; it must never block on a full pipe. */
static void
collect_output(struct running *r)
{
	char buf[4096];
	ssize_t n;
	size_t take;

	while ((n = case_read(r, buf, sizeof(buf))) > 0) {
		if (r->log == NULL && (r->log = malloc(LOG_MAX + 1)) == NULL)
			continue;
		take = (size_t)n;
		/* Full: the oldest bytes after the head make room, so that
		 * the failure message at the end is always kept. */
		if (take > LOG_MAX - r->loglen) {
			size_t drop = take - (LOG_MAX - r->loglen);

			memmove(r->log + LOG_HEAD, r->log + LOG_HEAD + drop,
			    r->loglen - LOG_HEAD - drop);
			r->loglen -= drop;
			r->dropped += drop;
		}
		memcpy(r->log + r->loglen, buf, take);
		r->loglen += take;
	}
	if (r->log != NULL)
		r->log[r->loglen] = '\0';
}

/* The reason tt_skip() gave, out of the child's output (or ""). */
static void
skip_reason_of(const struct running *r, char *out, size_t outlen)
{
	const char *p = r->log ? strstr(r->log, SKIP_MARK) : NULL;
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(SKIP_MARK);
	n = strcspn(p, "\n");
	snprintf(out, outlen, "%.*s", (int)n, p);
}

/* Lines of p[0..end) as TAP comment lines, without the skip mark. */
static void
print_lines(const char *p, const char *end)
{
	const char *nl;

	while (p < end && *p != '\0') {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (strncmp(p, SKIP_MARK, strlen(SKIP_MARK)) != 0)
			printf("# %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* The child's output as TAP comment lines. */
static void
print_notes(const struct running *r)
{
	if (r->log == NULL)
		return;
	if (r->dropped == 0) {
		print_lines(r->log, r->log + r->loglen);
		return;
	}
	print_lines(r->log, r->log + LOG_HEAD);
	printf("# [... %zu bytes of output left out ...]\n", r->dropped);
	print_lines(r->log + LOG_HEAD, r->log + r->loglen);
}

/* The TAP line of a finished case; returns whether to show its notes. */
static int
print_result(const struct running *r, int status, int timed_out,
    struct totals *t)
{
	const char *name = r->tc->name;
	char why[256];
	int n = ++t->n;

	if (timed_out) {
		printf("not ok %d - %s # timeout after %.0fs\n", n, name,
		    r->limit);
	} else if (WIFSIGNALED(status)) {
		printf("not ok %d - %s # signal %d\n", n, name,
		    WTERMSIG(status));
	} else if (WEXITSTATUS(status) == 0) {
		printf("ok %d - %s\n", n, name);
		t->passed++;
		return verbose;
	} else if (WEXITSTATUS(status) == EXIT_SKIP) {
		skip_reason_of(r, why, sizeof(why));
		printf("ok %d - %s # SKIP %s\n", n, name, why);
		t->skipped++;
		return verbose;
	} else if (WEXITSTATUS(status) == EXIT_FDLEAK) {
		printf("not ok %d - %s # fd leak\n", n, name);
	} else {
		printf("not ok %d - %s # exit %d\n", n, name,
		    WEXITSTATUS(status));
	}
	t->failed++;
	return 1;
}

static void
finish(struct running *r, int status, int timed_out, struct totals *t)
{
	double took = regress_now() - r->start;
	int show;

	/* Helpers the case started and left behind end with it. */
	case_kill(r, NULL);
	collect_output(r);
	show = print_result(r, status, timed_out, t);
	if (show)
		print_notes(r);
	if (!timed_out && (verbose || took > r->limit / 2))
		printf("# %s took %.2fs (limit %.0fs)\n", r->tc->name, took,
		    r->limit);
	free(r->log);
	case_close(r);
	fflush(stdout);
	memset(r, 0, sizeof(*r));
}

static double
time_limit(const struct regress_case *tc)
{
	return ((tc->flags & RT_SLOW) ? LIMIT_SLOW : limit_normal) *
	    regress_slowdown();
}

#ifdef _WIN32
/* Windows: this program again, told to run the one case (--child). */
static int
start_case(struct running *r, const struct regress_case *tc,
    const char *backend)
{
	char args[512];

	memset(r, 0, sizeof(*r));
	if (snprintf(args, sizeof(args), "%s-b %s --child %s",
	    selftest_mode ? "--selftest " : "", backend, tc->name) >=
	    (int)sizeof(args) || regress_proc_start(&r->proc, args) == -1)
		return -1;
	r->pid = (pid_t)GetProcessId(r->proc.process);
	r->tc = tc;
	r->start = regress_now();
	r->limit = time_limit(tc);
	return 0;
}
#else
static int
start_case(struct running *r, const struct regress_case *tc,
    const char *backend)
{
	int p[2];
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(tc, backend, p[1]);
	}
	close(p[1]);
	/* Read while the child runs: a pipe holds only 64 KiB. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	setpgid(pid, pid);
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->tc = tc;
	r->start = regress_now();
	r->limit = time_limit(tc);
	r->out = p[0];
	return 0;
}
#endif /* _WIN32 */

/* Why start_case() failed. */
static const char *
start_error(void)
{
#ifdef _WIN32
	return regress_proc_error();
#else
	return strerror(errno);
#endif
}

/* Has the child of r ended or run out of time?  Then finish it: 1. */
static int
poll_child(struct running *r, struct totals *t)
{
	int status;

	if (case_ended(r, &status)) {
		finish(r, status, 0, t);
		return 1;
	}
	if (regress_now() - r->start > r->limit) {
		case_kill(r, &status);
		finish(r, status, 1, t);
		return 1;
	}
	collect_output(r);
	return 0;
}

/* Wait until some child ends or a time limit passes; 0 if none runs. */
static int
reap_one(struct running *slots, int nslots, struct totals *t)
{
	int i, any;

	for (;;) {
		any = 0;
		for (i = 0; i < nslots; i++) {
			if (slots[i].pid == 0)
				continue;
			any = 1;
			if (poll_child(&slots[i], t))
				return 1;
		}
		if (!any)
			return 0;
		case_wait(slots, nslots);
	}
}

/* A free slot, after waiting for one if all are busy. */
static struct running *
free_slot(struct running *slots, int nslots, struct totals *t)
{
	int i;

	for (;;) {
		for (i = 0; i < nslots; i++)
			if (slots[i].pid == 0)
				return &slots[i];
		reap_one(slots, nslots, t);
	}
}

static void
run_forked(const struct regress_case *cases, int ncases,
    const char *backend, int jobs, struct totals *t)
{
	struct running slots[MAX_JOBS];
	int i;
#ifndef _WIN32
	struct rlimit rl;
	sigset_t chld;

	/* Core dumps of deliberately crashing cases only waste time. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	/* Blocked, so that case_wait() can wait for it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
#endif

	memset(slots, 0, sizeof(slots));
	for (i = 0; i < ncases; i++) {
		const struct regress_case *tc = &cases[i];
		struct running *r;

		if (tc->skip != NULL) {
			printf("ok %d - %s # SKIP %s\n", ++t->n, tc->name,
			    tc->skip);
			t->skipped++;
			continue;
		}
		r = free_slot(slots, jobs, t);
		if (start_case(r, tc, backend) == -1) {
			printf("not ok %d - %s # cannot start: %s\n",
			    ++t->n, tc->name, start_error());
			t->failed++;
		}
	}
	while (reap_one(slots, jobs, t))
		;
}

/* --no-fork: every case in this process, in order. */
static void
run_in_process(const struct regress_case *cases, int ncases,
    const char *backend, struct totals *t)
{
	volatile int i;

	for (i = 0; i < ncases; i++) {
		const struct regress_case *tc = &cases[i];

		++t->n;
		if (tc->skip != NULL) {
			printf("ok %d - %s # SKIP %s\n", t->n, tc->name,
			    tc->skip);
			t->skipped++;
			continue;
		}
		printf("# running %s\n", tc->name);
		fflush(stdout);
		if (setjmp(skip_jmp) != 0) {
			printf("ok %d - %s # SKIP %s\n", t->n, tc->name,
			    skip_reason);
			t->skipped++;
			continue;
		}
		run_case(tc, backend);
		printf("ok %d - %s\n", t->n, tc->name);
		t->passed++;
	}
}

/* ------------------------------------------------------------------ */
/* The runner's own cases */

static void
selftest_pass(struct regress_env *env)
{
	(void)env;
	regress_note("a note");
}

static void
selftest_fail(struct regress_env *env)
{
	(void)env;
	tt_int_op(1, ==, 2);
}

/* Much output, then a failure: its message must survive. */
static void
selftest_chatty(struct regress_env *env)
{
	int i;

	(void)env;
	for (i = 0; i < 5000; i++)
		regress_note("chatter line %d of 5000", i);
	tt_fail("the end");
}

static void
selftest_crash(struct regress_env *env)
{
	(void)env;
	abort();
}

static void
selftest_hang(struct regress_env *env)
{
	(void)env;
	for (;;)
#ifdef _WIN32
		Sleep(1000);
#else
		pause();
#endif
}

static void
selftest_leak(struct regress_env *env)
{
	int p[2];

	(void)env;
	tt_int_op(pipe(p), ==, 0);
}

static void
selftest_skip(struct regress_env *env)
{
	(void)env;
	tt_skip("the reason");
}

/* One case of each outcome, run by --selftest. */
static const struct regress_case selftest_cases[] = {
	{ "selftest/pass", selftest_pass, 0, NULL },
	{ "selftest/fail", selftest_fail, 0, NULL },
	{ "selftest/chatty", selftest_chatty, 0, NULL },
	{ "selftest/crash", selftest_crash, 0, NULL },
	{ "selftest/hang", selftest_hang, 0, NULL },
	{ "selftest/leak", selftest_leak, 0, NULL },
	{ "selftest/skip", selftest_skip, 0, NULL },
	{ "selftest/listed_skip", selftest_pass, 0, "listed as skipped" },
	RT_END
};

/* How the fd leak check names selftest/leak's pipe (on Windows a pipe
 * is a socket pair, regress_win32.h). */
#ifdef _WIN32
#define LEAK_KIND	"socket"
#else
#define LEAK_KIND	"pipe"
#endif

static const struct regress_table selftest_tables[] = {
	{ selftest_cases, 0, NULL },
	{ NULL, 0, NULL }
};

#ifdef _WIN32
/* Windows: the output of `regress --selftest ...`, lines. */
static int
selftest_run(const char *args, char lines[][256], int max)
{
	static char out[1024 * 1024];
	char cmd[512], *p, *nl;
	int n = 0, status = -1;

	snprintf(cmd, sizeof(cmd), "--selftest %s", args);
	tt_int_op(run_self(cmd, out, sizeof(out), 120 * regress_slowdown(),
	    &status), ==, 0);
	tt_int_op(status, ==, 0);	/* exit 0 whatever the verdicts */
	for (p = out; *p != '\0' && n < max; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		snprintf(lines[n], sizeof(lines[n]), "%.*s",
		    (int)(nl - p + (*nl != '\n')), p);
		lines[n][strcspn(lines[n], "\r")] = '\0';
		n++;
	}
	return n;
}
#else
/* The output of `regress --selftest ...` (run by runner/tap), lines. */
static int
selftest_run(const char *args, char lines[][256], int max)
{
	char cmd[2048];
	FILE *p;
	int n = 0;

	char self[1024];
	ssize_t len;

	/* This very binary (under libtool, argv[0] may be its wrapper). */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0)
		self[len] = '\0';
	else
		snprintf(self, sizeof(self), "%s", self_path);
	snprintf(cmd, sizeof(cmd), "'%s' --selftest %s 2>&1", self, args);
	tt_assert((p = popen(cmd, "r")) != NULL);
	while (n < max && fgets(lines[n], sizeof(lines[n]), p) != NULL) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	tt_int_op(pclose(p), ==, 0);	/* exit 0 whatever the verdicts */
	return n;
}
#endif /* _WIN32 */

/* The line that holds `what`, or fail; *num gets its TAP number. */
static int
find_line(char lines[][256], int n, const char *what, int *num)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *p = strstr(lines[i], what);

		if (p != NULL && strcmp(p, what) == 0) {
			*num = atoi(lines[i] + (lines[i][0] == 'n' ? 7 : 3));
			return i;
		}
	}
	regress_fail(__FILE__, __LINE__, "no line ends with \"%s\"", what);
	return -1;
}

/*
 * The runner reports every outcome as TAP: numbered 1..8 in the order
 * they end (with -j), the directive of each, the failure's note under
 * it (even after much output), the leaked fd named.
 */
static void
test_runner_tap(struct regress_env *env)
{
	char hang[64], crash[64];
	const char *const want[] = {
		" - selftest/pass", " - selftest/fail # exit 1",
		" - selftest/chatty # exit 1", crash,
		hang,
		" - selftest/leak # fd leak", " - selftest/skip # SKIP the reason",
		" - selftest/listed_skip # SKIP listed as skipped"
	};
	static char lines[8192][256];
	int n, i, at, num, seen = 0;

	(void)env;
	/* The limit is scaled in the inner runner too. */
	snprintf(hang, sizeof(hang), " - selftest/hang # timeout after %.0fs",
	    regress_slowdown());
	/* abort(): SIGABRT is 6 on POSIX, 22 on Windows. */
	snprintf(crash, sizeof(crash), " - selftest/crash # signal %d",
	    SIGABRT);
	n = selftest_run("-j 4 --timeout 1", lines, 8192);
	tt_str_op(lines[0], ==, "1..8");
	for (i = 0; i < 8; i++) {
		int ok = i == 0 || i >= 6;

		at = find_line(lines, n, want[i], &num);
		tt_int_op(strncmp(lines[at], ok ? "ok " : "not ok ",
		    ok ? 3 : 7), ==, 0);
		tt_assert(num >= 1 && num <= 8 && !(seen & (1 << num)));
		seen |= 1 << num;
		if (i == 1)
			tt_assert(strstr(lines[at + 1], "1 == 2: 1 vs 2"));
		if (i == 2)
			tt_assert(find_line(lines, n, ": the end", &num) > at);
		if (i == 5)
			tt_assert(strstr(lines[at + 1], "# fds left open: ") &&
			    strstr(lines[at + 1], LEAK_KIND));
	}
	tt_assert(strstr(lines[n - 1], ": 1 passed, 5 failed, 2 skipped"));
}

struct regress_case regress_runner_cases[] = {
	{ "runner/tap", test_runner_tap, RT_ONCE, NULL },
	RT_END
};

/* ------------------------------------------------------------------ */
/* Selecting cases, main */

static int
matches(const char *name, const struct options *o)
{
	int i;

	if (o->npat == 0)
		return 1;
	for (i = 0; i < o->npat; i++)
		if (fnmatch(o->pats[i], name, 0) == 0 ||
		    strcmp(o->pats[i], name) == 0)
			return 1;
	return 0;
}

static int
selected(const struct regress_case *tc, const struct options *o)
{
	if (o->once == ONCE_ONLY && !(tc->flags & RT_ONCE))
		return 0;
	if (o->once == ONCE_NONE && (tc->flags & RT_ONCE))
		return 0;
	return matches(tc->name, o);
}

/*
 * Copies of the selected cases, in table order, each with its table's
 * flags added; their count in *n.
 */
static struct regress_case *
select_cases(const struct options *o, int *n)
{
	const struct regress_table *tables, *t;
	const struct regress_case *tc;
	struct regress_case *v;
	int total = 0;

	tables = o->selftest ? selftest_tables : regress_tables;
	for (t = tables; t->cases != NULL; t++)
		for (tc = t->cases; tc->name != NULL; tc++)
			total++;
	if ((v = calloc(total + 1, sizeof(*v))) == NULL) {
		perror("regress: calloc");
		exit(2);
	}
	*n = 0;
	for (t = tables; t->cases != NULL; t++)
		for (tc = t->cases; tc->name != NULL; tc++) {
			if (t->backend != NULL && (o->backend == NULL ||
			    strcmp(t->backend, o->backend) != 0))
				continue;
			if (!selected(tc, o))
				continue;
			v[*n] = *tc;
			v[(*n)++].flags |= t->flags;
		}
	return v;
}

/*
 * --child NAME (how the Windows runner starts a case, see start_case):
 * run the case of that exact name here, as the forked child does on
 * POSIX.  Never returns.
 */
static void
child_by_name(const struct regress_case *cases, int ncases,
    const char *name, const char *backend)
{
	int i;

	for (i = 0; i < ncases; i++)
		if (strcmp(cases[i].name, name) == 0)
			child_main(&cases[i], backend ? backend : "", -1);
	fprintf(stderr, "regress: no case named %s\n", name);
	exit(2);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-b backend] [-j n] [-l] [-v] "
	    "[--once|--no-once] [--no-fork] [--timeout secs] [--selftest] "
	    "[pattern...]\n", prog);
	exit(2);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
			o->backend = argv[++i];
		else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			o->jobs = atoi(argv[++i]);
		else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2] != '\0')
			o->jobs = atoi(argv[i] + 2);
		else if (strcmp(argv[i], "-l") == 0)
			o->list = 1;
		else if (strcmp(argv[i], "-v") == 0)
			o->verbose = 1;
		else if (strcmp(argv[i], "--once") == 0)
			o->once = ONCE_ONLY;
		else if (strcmp(argv[i], "--no-once") == 0)
			o->once = ONCE_NONE;
		else if (strcmp(argv[i], "--no-fork") == 0)
			o->no_fork = 1;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			limit_normal = atof(argv[++i]);
		else if (strcmp(argv[i], "--selftest") == 0)
			o->selftest = 1;
		else if (strcmp(argv[i], "--child") == 0 && i + 1 < argc)
			o->child = argv[++i];
		else if (strcmp(argv[i], "--probe") == 0)
			o->probe = 1;
		else
			usage(argv[0]);
	}
	o->pats = argv + i;
	o->npat = argc - i;
	if (o->jobs < 1)
		o->jobs = 1;
	if (o->jobs > MAX_JOBS)
		o->jobs = MAX_JOBS;
	if (limit_normal <= 0)
		usage(argv[0]);
}

int
main(int argc, char **argv)
{
	struct regress_case *cases;
	struct options o;
	struct totals t;
	char backend[64], why[512];
	int i, ncases;

	self_path = argv[0];
	parse_args(argc, argv, &o);
	verbose = o.verbose;
	no_fork = o.no_fork;
	selftest_mode = o.selftest;
	if (o.probe)
		probe_child(1);
	cases = select_cases(&o, &ncases);
	if (o.child != NULL)
		child_by_name(cases, ncases, o.child, o.backend);
	if (o.list) {
		for (i = 0; i < ncases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
#ifdef _WIN32
	regress_w32_binary_output();
#endif
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (choose_backend(o.backend, backend, sizeof(backend), why,
	    sizeof(why)) == -1) {
		printf("1..0 # SKIP %s unavailable: %s\n",
		    o.backend ? o.backend : "the default backend", why);
		return 0;
	}
	if (ncases == 0) {
		printf("1..0 # SKIP no case matches\n");
		return 0;
	}
	printf("1..%d\n", ncases);
	printf("# backend %s\n", backend);
	memset(&t, 0, sizeof(t));
	if (no_fork)
		run_in_process(cases, ncases, backend, &t);
	else
		run_forked(cases, ncases, backend, o.jobs, &t);
	printf("# %s: %d passed, %d failed, %d skipped\n", backend, t.passed,
	    t.failed, t.skipped);
	free(cases);
	return 0;
}
