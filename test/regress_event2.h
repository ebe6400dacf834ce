/*
 * regress_event2.h -- helpers shared by the libevent 2.x API tests
 * (regress_event2*.c, regress_evutil2.c).
 */
#ifndef REGRESS_EVENT2_H
#define REGRESS_EVENT2_H

#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/socket.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "regress.h"

/* A connected pair of nonblocking AF_UNIX stream sockets. */
static inline void
pair_new(int p[2])
{
	tt_int_op(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, p), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[0]), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(p[1]), ==, 0);
}

/* A base made through the 2.x call, on the backend under test. */
static inline struct event_base *
base_2x(struct regress_env *env)
{
	struct event_base *b = event_base_new_with_config(NULL);

	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	return b;
}

/*
 * Run fn(arg) in a forked child and return its exit status (or 128 + the
 * signal that ended it).  For cases whose point is that the library ends
 * the process (fatal errors), or that change global state for good.
 */
static inline int
regress_fork_status(void (*fn)(void *), void *arg)
{
#ifdef _WIN32
	return regress_w32_fork_status(fn, arg);
#else
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == -1)
		regress_fail(__FILE__, __LINE__, "fork failed");
	if (pid == 0) {
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		regress_fail(__FILE__, __LINE__, "waitpid failed");
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
#endif
}

/* The number of open file descriptors of this process. */
static inline int
regress_count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

#endif /* REGRESS_EVENT2_H */
