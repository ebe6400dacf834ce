/*
 * regress_emul.c -- helpers of the emulations' rule tests (regress_emul.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"
#include "regress_emul.h"

int emul_warnings;

void
emul_pass(const struct regress_env *env, const char *backend)
{
	if (strcmp(env->backend, backend) != 0)
		tt_skip(strcmp(backend, "kqueue") == 0 ?
		    "kqueue emulation rules run in the kqueue pass" :
		    "/dev/poll emulation rules run in the devpoll pass");
}

void
emul_pipe(int p[2])
{
	tt_int_op(pipe(p), ==, 0);
	tt_int_op(fcntl(p[0], F_SETFL, O_NONBLOCK), ==, 0);
	tt_int_op(fcntl(p[1], F_SETFL, O_NONBLOCK), ==, 0);
}

void
emul_reuse_as_pipe(int fd, int *w)
{
	int q[2];

	emul_pipe(q);
	if (q[0] != fd) {
		tt_int_op(dup2(q[0], fd), ==, fd);
		close(q[0]);
	}
	*w = q[1];
}

void
emul_put(int fd, int n)
{
	tt_int_op(write(fd, "xxxxxxxx", (size_t)n), ==, n);
}

void
emul_rd_cb(int fd, short what, void *arg)
{
	struct emul_rd *r = arg;
	char buf[16];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	r->n++;
	r->last = what;
}

int
emul_registered_then_closed(struct emul_rd *r)
{
	int p[2];

	memset(r, 0, sizeof(*r));
	emul_pipe(p);
	event_set(&r->ev, p[0], EV_READ | EV_PERSIST, emul_rd_cb, r);
	tt_int_op(event_add(&r->ev, NULL), ==, 0);
	tt_int_op(event_loop(EVLOOP_NONBLOCK), ==, 0);
	tt_int_op(event_del(&r->ev), ==, 0);
	close(p[0]);
	close(p[1]);
	return p[0];
}

static void
warn_cb(int sev, const char *msg)
{
	(void)msg;
	if (sev >= _EVENT_LOG_WARN)
		emul_warnings++;
}

void
emul_count_warnings(int on)
{
	emul_warnings = 0;
	event_set_log_callback(on ? warn_cb : NULL);
}

static int alarms;

static void
alarm_handler(int sig)
{
	(void)sig;
	alarms++;
}

static void
flag_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

void
emul_check_eintr(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	struct timeval tv = { 0, 150000 };
	struct sigaction sa;
	struct event t;
	int fired = 0;
	double t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alarm_handler;
	tt_int_op(sigaction(SIGALRM, &sa, NULL), ==, 0);
	evtimer_set(&t, flag_cb, &fired);
	tt_int_op(evtimer_add(&t, &tv), ==, 0);
	alarms = 0;
	t0 = regress_now();
	tt_int_op(setitimer(ITIMER_REAL, &it, NULL), ==, 0);
	tt_int_op(event_dispatch(), ==, 1);
	tt_int_op(fired, ==, 1);
	tt_int_op(alarms, ==, 1);
	tt_assert(regress_now() - t0 >= 0.149);
}

void
emul_check_child_loop_fails(int err)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	tt_assert(pid != -1);
	if (pid == 0) {
		emul_count_warnings(1);
		if (event_loop(EVLOOP_NONBLOCK) != -1 || errno != err)
			_exit(10);
		_exit(emul_warnings >= 1 ? 0 : 11);
	}
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	tt_assert(WIFEXITED(status));
	tt_int_op(WEXITSTATUS(status), ==, 0);
}
