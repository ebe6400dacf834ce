/*
 * regress_emul.h -- helpers shared by the emulations' rule tests
 * (test/regress_emul_kqueue.c, test/regress_emul_devpoll.c), which are
 * built into test/regress-emul only.
 *
 * Each emulation's cases run in its own backend's pass (regress-emul -b
 * kqueue, -b devpoll): there the case's base (RT_BASE) is that backend, and
 * the other pass skips the case with a reason instead of repeating it.
 */
#ifndef REGRESS_EMUL_H
#define REGRESS_EMUL_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "regress.h"

static inline void
emul_pass(const struct regress_env *env, const char *backend)
{
	if (strcmp(env->backend, backend) != 0)
		tt_skip(strcmp(backend, "kqueue") == 0 ?
		    "kqueue emulation rules are checked in the kqueue pass" :
		    "/dev/poll emulation rules are checked in the devpoll pass");
}

/* A nonblocking pipe. */
static inline void
emul_pipe(int p[2])
{
	tt_int_op(pipe(p), ==, 0);
	tt_int_op(fcntl(p[0], F_SETFL, O_NONBLOCK), ==, 0);
	tt_int_op(fcntl(p[1], F_SETFL, O_NONBLOCK), ==, 0);
}

/* Make fd refer to a new pipe's read end (its writer in *w): a reused
 * number.  dup2() over it counts as a close for the emulations. */
static inline void
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

#endif /* REGRESS_EMUL_H */
