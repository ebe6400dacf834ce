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

#include "event.h"
#include "regress.h"

/* Skip unless this is the pass of `backend` ("kqueue" or "devpoll"). */
void emul_pass(const struct regress_env *env, const char *backend);

/* A nonblocking pipe. */
void emul_pipe(int p[2]);
/* Make fd refer to a new pipe's read end (its writer in *w): a reused
 * number.  dup2() over it counts as a close for the emulations. */
void emul_reuse_as_pipe(int fd, int *w);
/* Write n (<= 8) bytes. */
void emul_put(int fd, int n);

/* A read event that drains its fd and counts its calls. */
struct emul_rd {
	struct event ev;
	int n;
	short last;
};
void emul_rd_cb(int fd, short what, void *arg);
/* Register r on a new pipe's read end, let the backend have it, delete
 * it and close the pipe: a deletion the kernel will get after close().
 * Returns the closed number. */
int emul_registered_then_closed(struct emul_rd *r);

/* Count the library's WARN messages in emul_warnings (on) or stop. */
extern int emul_warnings;
void emul_count_warnings(int on);

/* The backend's wait is interrupted by a signal the program handles
 * (SIGALRM after 30 ms): not an error, the 150 ms timer still fires. */
void emul_check_eintr(void);
/* In a forked child, without event_reinit(): the loop fails with err
 * instead of hanging.  Run in the parent; checks the child's result. */
void emul_check_child_loop_fails(int err);

#endif /* REGRESS_EMUL_H */
