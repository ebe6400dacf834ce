/*
 * test/win32/sys/wait.h -- Windows: the status macros of the test runner.
 *
 * A case process ends with an exit code; one that crashed ends with
 * 128 + the matching signal number (regress_child_init() in
 * test/regress_win32.c), which these macros read as POSIX reads a
 * status.  There is no fork(), so waitpid() only ever fails (ECHILD).
 */
#ifndef REGRESS_W32_SYS_WAIT_H
#define REGRESS_W32_SYS_WAIT_H

#include <sys/types.h>
#include <signal.h>

#define WNOHANG		1
#define WIFSIGNALED(s)	((s) > 128 && (s) < 128 + NSIG)
#define WIFEXITED(s)	(!WIFSIGNALED(s))
#define WTERMSIG(s)	((s) - 128)
#define WEXITSTATUS(s)	((s) & 0xff)

pid_t waitpid(pid_t pid, int *status, int options);

#endif /* REGRESS_W32_SYS_WAIT_H */
