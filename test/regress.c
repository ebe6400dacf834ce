/*
 * regress.c -- the test runner.
 *
 * Runs every case of every table in regress_tables[] in its own forked
 * child, once per available backend, and enforces a time limit from the
 * parent (the child may use SIGALRM itself).  The parent never calls into
 * the library: the 1.4 API keeps global state (current_base, signal
 * handlers) that must start fresh in every case.
 *
 * Usage: regress [-b BACKEND] [-j N] [-l] [-v] [--no-fork] [PATTERN...]
 *   -b BACKEND   run on this backend only (epoll, poll, select)
 *   -j N         run up to N cases at once (default 1)
 *   -l           list case names and exit
 *   -v           verbose: print notes of passing cases too
 *   --no-fork    run cases in this process (for gdb); stops at the first failure
 *   PATTERN      shell glob on case names, e.g. "http/ *" without the space
 *
 * REGRESS_TIMEOUT_MULTIPLIER scales every time limit (for valgrind).
 * Output: one line per case ("ok", "FAIL", "SKIP"), then a summary line
 * "N passed, N failed, N skipped".  Exit status 1 if anything failed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"

extern struct regress_case *regress_tables[];

#define EXIT_SKIP 77
#define LIMIT_NORMAL 10.0
#define LIMIT_SLOW 60.0

static const char *all_backends[] = {
	"epoll", "poll", "select", "kqueue", "devpoll", NULL
};
static const char *env_names[] = {
	"EVENT_NOEPOLL", "EVENT_NOPOLL", "EVENT_NOSELECT", "EVENT_NOKQUEUE",
	"EVENT_NODEVPOLL", "EVENT_NOEVPORT", NULL
};

static int verbose;
static int no_fork;
static int notes_fd = -1;	/* child: where regress_note() writes */

double
regress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
regress_slowdown(void)
{
	const char *s = getenv("REGRESS_TIMEOUT_MULTIPLIER");
	double m = s ? atof(s) : 1.0;

	return m >= 1.0 ? m : 1.0;
}

static void
vnote(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "    %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	n = strlen(buf);
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
	_exit(1);
}

void
regress_skip(const char *reason)
{
	regress_note("skipped: %s", reason);
	fflush(NULL);
	_exit(EXIT_SKIP);
}

/* Leave only the chosen backend enabled, through the 1.4 variables. */
static void
select_backend(const char *name)
{
	char var[64];
	int i;

	for (i = 0; env_names[i] != NULL; i++)
		unsetenv(env_names[i]);
	unsetenv("EVENT_SHOW_METHOD");
	for (i = 0; all_backends[i] != NULL; i++) {
		if (strcmp(all_backends[i], name) == 0)
			continue;
		snprintf(var, sizeof(var), "EVENT_NO%s", all_backends[i]);
		for (char *p = var + 8; *p; p++)
			*p = (char)(*p - 'a' + 'A');
		setenv(var, "1", 1);
	}
	setenv("EVENT_NOEVPORT", "1", 1);
}

/* Run the case body in this process. */
static void
run_case_body(const struct regress_case *tc, const char *backend)
{
	struct regress_env env;

	memset(&env, 0, sizeof(env));
	env.pair[0] = env.pair[1] = -1;
	env.backend = backend;
	env.name = tc->name;
	if (tc->flags & RT_BASE) {
		env.base = event_init();
		if (env.base == NULL)
			regress_fail(__FILE__, __LINE__, "event_init failed");
		if (strcmp(event_base_get_method(env.base), backend) != 0)
			regress_fail(__FILE__, __LINE__,
			    "wanted backend %s, got %s", backend,
			    event_base_get_method(env.base));
	}
	if (tc->flags & RT_PAIR) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, env.pair) == -1)
			regress_fail(__FILE__, __LINE__, "socketpair: %s",
			    strerror(errno));
		if (evutil_make_socket_nonblocking(env.pair[0]) == -1 ||
		    evutil_make_socket_nonblocking(env.pair[1]) == -1)
			regress_fail(__FILE__, __LINE__, "nonblocking failed");
	}
	tc->fn(&env);
}

struct running {
	pid_t pid;
	const struct regress_case *tc;
	const char *backend;
	double start;
	double limit;
	int out;	/* read end of the child's output pipe */
	char *log;	/* what the child wrote, first 64 KiB */
	size_t loglen;
};

#define LOG_MAX (64 * 1024)

struct totals {
	int passed, failed, skipped;
};

/* Collect what a child wrote so far; it must never block on a full pipe. */
static void
collect_output(struct running *r)
{
	char buf[4096];
	ssize_t n;
	size_t take;

	while ((n = read(r->out, buf, sizeof(buf))) > 0) {
		if (r->log == NULL)
			r->log = malloc(LOG_MAX);
		if (r->log == NULL)
			continue;
		take = (size_t)n;
		if (take > LOG_MAX - r->loglen)
			take = LOG_MAX - r->loglen;
		memcpy(r->log + r->loglen, buf, take);
		r->loglen += take;
	}
}

static void
print_notes(struct running *r, int show)
{
	collect_output(r);
	if (show && r->loglen > 0)
		fwrite(r->log, 1, r->loglen, stdout);
	free(r->log);
	r->log = NULL;
	r->loglen = 0;
}

static void
finish(struct running *r, int status, int timed_out, struct totals *t)
{
	double took = regress_now() - r->start;
	int show;

	if (timed_out) {
		printf("FAIL %s/%s # timeout after %.0fs\n", r->backend,
		    r->tc->name, r->limit);
		t->failed++;
		show = 1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok   %s/%s (%.2fs)\n", r->backend, r->tc->name, took);
		t->passed++;
		show = verbose;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
		printf("SKIP %s/%s\n", r->backend, r->tc->name);
		t->skipped++;
		show = 1;
	} else if (WIFSIGNALED(status)) {
		printf("FAIL %s/%s # signal %d\n", r->backend, r->tc->name,
		    WTERMSIG(status));
		t->failed++;
		show = 1;
	} else {
		printf("FAIL %s/%s # exit %d\n", r->backend, r->tc->name,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		t->failed++;
		show = 1;
	}
	print_notes(r, show);
	close(r->out);
	fflush(stdout);
	r->pid = 0;
}

static int
start_case(struct running *r, const struct regress_case *tc,
    const char *backend)
{
	int p[2];
	pid_t pid;
	sigset_t none;

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
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(p[0]);
		notes_fd = p[1];
		dup2(p[1], 1);
		dup2(p[1], 2);
		setpgid(0, 0);
		run_case_body(tc, backend);
		fflush(NULL);
		_exit(0);
	}
	close(p[1]);
	/* The notes are read after the child ends; a pipe holds 64 KiB. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	setpgid(pid, pid);
	r->pid = pid;
	r->tc = tc;
	r->backend = backend;
	r->start = regress_now();
	r->limit = ((tc->flags & RT_SLOW) ? LIMIT_SLOW : LIMIT_NORMAL) *
	    regress_slowdown();
	r->out = p[0];
	r->log = NULL;
	r->loglen = 0;
	return 0;
}

/* Drain pipes of running children so a chatty child cannot block. */
static void
drain_pipes(struct running *slots, int nslots)
{
	int i;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid != 0)
			collect_output(&slots[i]);
}

/* Wait until some child ends or a time limit passes. */
static void
reap(struct running *slots, int nslots, struct totals *t, int block)
{
	sigset_t chld;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, status, any;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		any = 0;
		for (i = 0; i < nslots; i++) {
			if (slots[i].pid == 0)
				continue;
			any = 1;
			pid = waitpid(slots[i].pid, &status, WNOHANG);
			if (pid == slots[i].pid) {
				finish(&slots[i], status, 0, t);
				return;
			}
			if (regress_now() - slots[i].start > slots[i].limit) {
				kill(-slots[i].pid, SIGKILL);
				kill(slots[i].pid, SIGKILL);
				waitpid(slots[i].pid, &status, 0);
				finish(&slots[i], status, 1, t);
				return;
			}
		}
		if (!any || !block)
			return;
		drain_pipes(slots, nslots);
		/* SIGCHLD is blocked: wake at a child's end or after 20 ms
		 * to check the time limits. */
		sigtimedwait(&chld, NULL, &ts);
	}
}

/* Is the backend usable here?  Asked in a child: the parent stays clean. */
static int
backend_available(const char *name, char *why, size_t whylen)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p) == -1)
		return 0;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct event_base *b;
		const char *m;

		close(p[0]);
		dup2(p[1], 2);
		b = event_base_new();
		m = b ? event_base_get_method(b) : "none";
		if (write(p[1], m, strlen(m)) < 0)
			_exit(2);
		if (b != NULL)
			event_base_free(b);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], why, whylen - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	if (n < 0)
		n = 0;
	why[n] = '\0';
	if (strncmp(why, name, strlen(name)) == 0 && why[strlen(name)] == '\0')
		return 1;
	if (n == 0)
		snprintf(why, whylen, "no base could be created");
	return 0;
}

static int
matches(const char *name, int npat, char **pats)
{
	int i;

	if (npat == 0)
		return 1;
	for (i = 0; i < npat; i++)
		if (fnmatch(pats[i], name, 0) == 0 || strcmp(pats[i], name) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	const char *backends[8];
	int nbackends = 0, jobs = 1, list = 0, i, b, first = 1;
	struct totals t = { 0, 0, 0 };
	struct running slots[16];
	struct rlimit rl;
	sigset_t chld;
	char **pats;
	int npat;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			jobs = atoi(argv[++i]);
		else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2] != '\0')
			jobs = atoi(argv[i] + 2);
		else if (strcmp(argv[i], "-l") == 0)
			list = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--no-fork") == 0)
			no_fork = 1;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [-b backend] [-j n] [-l] [-v] "
			    "[--no-fork] [pattern...]\n", argv[0]);
			return 2;
		} else
			break;
	}
	pats = argv + i;
	npat = argc - i;
	if (jobs < 1)
		jobs = 1;
	if (jobs > 16)
		jobs = 16;

	if (list) {
		for (i = 0; regress_tables[i] != NULL; i++)
			for (const struct regress_case *tc = regress_tables[i];
			    tc->name != NULL; tc++)
				if (matches(tc->name, npat, pats))
					printf("%s\n", tc->name);
		return 0;
	}

	/* Core dumps of deliberately crashing cases only waste time. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (b = 0; all_backends[b] != NULL; b++) {
		char why[256];

		if (only != NULL && strcmp(only, all_backends[b]) != 0)
			continue;
		select_backend(all_backends[b]);
		if (!backend_available(all_backends[b], why, sizeof(why))) {
			char *nl;

			while ((nl = strchr(why, '\n')) != NULL)
				*nl = ' ';
			printf("SKIP backend %s: not available on this machine "
			    "(a base with only it enabled got: %s)\n",
			    all_backends[b], why);
			continue;
		}
		backends[nbackends++] = all_backends[b];
	}
	if (only != NULL && nbackends == 0) {
		printf("0 passed, 1 failed\n");
		return 1;
	}

	if (no_fork) {
		select_backend(backends[0]);
		for (i = 0; regress_tables[i] != NULL; i++)
			for (const struct regress_case *tc = regress_tables[i];
			    tc->name != NULL; tc++) {
				if (!matches(tc->name, npat, pats) || tc->skip)
					continue;
				printf("run  %s/%s\n", backends[0], tc->name);
				fflush(stdout);
				run_case_body(tc, backends[0]);
				printf("ok   %s/%s\n", backends[0], tc->name);
				t.passed++;
			}
		printf("%d passed, %d failed\n", t.passed, t.failed);
		return 0;
	}

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	memset(slots, 0, sizeof(slots));
#ifdef REGRESS_EMUL
	/* test/regress-emul only adds the emulated backends: test/regress
	 * runs the backend-independent cases, with the real library. */
	first = 0;
#endif

	for (b = 0; b < nbackends; b++) {
		select_backend(backends[b]);
		for (i = 0; regress_tables[i] != NULL; i++) {
			for (const struct regress_case *tc = regress_tables[i];
			    tc->name != NULL; tc++) {
				int s;

				if (!matches(tc->name, npat, pats))
					continue;
				if ((tc->flags & RT_ONCE) && !first)
					continue;
				if (tc->skip != NULL) {
					printf("SKIP %s/%s # %s\n", backends[b],
					    tc->name, tc->skip);
					t.skipped++;
					continue;
				}
				for (;;) {
					for (s = 0; s < jobs; s++)
						if (slots[s].pid == 0)
							break;
					if (s < jobs)
						break;
					reap(slots, jobs, &t, 1);
				}
				if (start_case(&slots[s], tc, backends[b]) == -1) {
					printf("FAIL %s/%s # fork: %s\n",
					    backends[b], tc->name,
					    strerror(errno));
					t.failed++;
				}
			}
		}
		/* Finish this backend before changing the environment. */
		for (;;) {
			int busy = 0;

			for (i = 0; i < jobs; i++)
				busy |= slots[i].pid != 0;
			if (!busy)
				break;
			reap(slots, jobs, &t, 1);
		}
		first = 0;
	}

	if (t.skipped)
		printf("%d passed, %d failed, %d skipped\n", t.passed,
		    t.failed, t.skipped);
	else
		printf("%d passed, %d failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
