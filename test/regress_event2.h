/*
 * regress_event2.h -- helpers shared by the libevent 2.x API tests
 * (regress_event2*.c, regress_evutil2.c), on top of regress_util.h's.
 */
#ifndef REGRESS_EVENT2_H
#define REGRESS_EVENT2_H

#include <sys/types.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "regress.h"
#include "regress_util.h"

/* A base made through the 2.x call, on the backend under test. */
static inline struct event_base *
base_2x(struct regress_env *env)
{
	struct event_base *b = event_base_new_with_config(NULL);

	tt_assert(b != NULL);
	tt_str_op(event_base_get_method(b), ==, env->backend);
	return b;
}

/* Milliseconds since t0 (a regress_now() value). */
static inline double
elapsed_ms(double t0)
{
	return (regress_now() - t0) * 1000.0;
}

/*
 * The backends the library under test was built with, in the order of
 * preference docs/DESIGN.md documents (kqueue, epoll, devpoll, poll,
 * select, win32), NULL-terminated.  test/regress-emul's copy of the
 * library also has kqueue and devpoll (mk/emul.am).
 */
static inline const char *const *
regress_built_backends(void)
{
	static const char *const names[] = {
#if defined(HAVE_KQUEUE_BACKEND) || defined(REGRESS_EMUL)
		"kqueue",
#endif
#ifdef HAVE_EPOLL_BACKEND
		"epoll",
#endif
#if defined(HAVE_DEVPOLL_BACKEND) || defined(REGRESS_EMUL)
		"devpoll",
#endif
#ifdef HAVE_POLL_BACKEND
		"poll",
#endif
#ifdef HAVE_SELECT_BACKEND
		"select",
#endif
#ifdef HAVE_WIN32SELECT_BACKEND
		"win32",
#endif
		NULL
	};
	return names;
}

/* Set EVENT_NO<NAME> for every built backend: no base can be made. */
static inline void
regress_disable_backends(void)
{
	const char *const *b;
	char var[32];
	size_t i;

	for (b = regress_built_backends(); *b != NULL; b++) {
		strcpy(var, "EVENT_NO");
		for (i = 0; (*b)[i] != '\0' && i + 9 < sizeof(var); i++)
			var[8 + i] = (char)toupper((unsigned char)(*b)[i]);
		var[8 + i] = '\0';
		setenv(var, "1", 1);
	}
}

/*
 * Run fn(arg) in a forked child and return its exit status (or 128 + the
 * signal that ended it; -1 if it still ran after 5 s, scaled).  For cases
 * whose point is that the library ends the process (fatal errors), or
 * that change global state for good.
 */
static inline int
regress_fork_status(void (*fn)(void *), void *arg)
{
#ifdef _WIN32
	return regress_w32_fork_status(fn, arg);
#else
	pid_t pid = regress_fork();

	if (pid == 0) {
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	return regress_wait(pid, 5);
#endif
}

/* The number of open file descriptors of this process. */
static inline int
regress_count_fds(void)
{
	struct regress_fds s;
	int n;

	if (regress_fds_take(&s) == -1)
		regress_fail(__FILE__, __LINE__, "cannot list open fds");
	n = (int)s.n;
	regress_fds_free(&s);
	return n;
}

#endif /* REGRESS_EVENT2_H */
