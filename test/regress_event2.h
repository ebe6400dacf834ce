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

#include "regress.h"

/*
 * Run fn(arg) in a forked child and return its exit status (or 128 + the
 * signal that ended it).  For cases whose point is that the library ends
 * the process (fatal errors), or that change global state for good.
 */
static inline int
regress_fork_status(void (*fn)(void *), void *arg)
{
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
