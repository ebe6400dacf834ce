/*
 * regress_win32.h -- the POSIX calls of the test runner and the cases, on
 * Windows (regress_win32.c).  regress.h includes it last, after the
 * system headers, when _WIN32 is defined; POSIX builds never see it.
 *
 * The cases are written against POSIX.  On Windows a socket is a SOCKET
 * handle that read(), write() and close() do not know, its errors come
 * from WSAGetLastError(), there are no pipes the event loop can watch,
 * and there is no fork().  So here:
 *
 *  - read(), write(), close() work on sockets and CRT fds alike, and
 *    pipe() and socketpair() give a connected loopback TCP pair
 *    (evutil_socketpair()), which is what a pipe is used for in the cases:
 *    two ends that the loop can watch;
 *  - after a failed socket call errno holds the matching POSIX value
 *    (WSAEWOULDBLOCK -> EAGAIN, WSAECONNRESET -> ECONNRESET, ...), also
 *    for connect() (EINPROGRESS), accept(), send(), recv(), sendto() and
 *    recvfrom();
 *  - fcntl() sets O_NONBLOCK (FIONBIO, which cannot be read back:
 *    F_GETFL says 0, see regress_nonblocking() in regress.h) and reads
 *    and sets FD_CLOEXEC as "not inherited";
 *  - SIGUSR1 and SIGUSR2, which Windows lacks, are SIGTERM and SIGBREAK,
 *    which only the signal cases use; kill() of the process itself is
 *    raise();
 *  - fork() ends the case as skipped ("no fork() on Windows"), but
 *    regress_spawn() starts a program with CreateProcess, and waitpid()
 *    and kill() (which ends it as if by that signal) know its pid;
 *  - setenv(), unsetenv(), mkdtemp(), realpath(), fnmatch(), getrlimit()
 *    and the W* status macros exist (test/win32/ holds the headers that
 *    declare the last ones under their POSIX names).
 *
 * The runner's own process handling (one case per child process, started
 * with CreateProcess, its output through a pipe, its helpers in a job
 * object) is the regress_proc_* group at the end.
 */
#ifndef REGRESS_WIN32_H
#define REGRESS_WIN32_H

#include <sys/socket.h>	/* compat/: Winsock, with its macros first */
#include <windows.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <direct.h>
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Signals */

#ifndef SIGUSR1
#define SIGUSR1		SIGTERM
#define SIGUSR2		SIGBREAK
#endif
/* Numbers Windows does not have: signal() refuses them (SIG_ERR). */
#ifndef SIGPIPE
#define SIGPIPE		13
#endif
#ifndef SIGKILL
#define SIGKILL		9
#endif
#ifndef SIGALRM
#define SIGALRM		14
#endif

int regress_w32_kill(pid_t pid, int sig);
#define kill(pid, sig)	regress_w32_kill((pid), (sig))

/*
 * sigaction() over signal(): only sa_handler means anything (Windows has
 * no masks and no flags).  Reading the disposition installs SIG_DFL for
 * an instant, which no case can notice (they run on one thread).
 */
typedef int sigset_t;
struct sigaction {
	void (*sa_handler)(int);
	sigset_t sa_mask;
	int sa_flags;
};
#define SA_RESTART		0
int sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static inline int
sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

static inline int
sigfillset(sigset_t *set)
{
	*set = ~0;
	return 0;
}

static inline int
sigaddset(sigset_t *set, int sig)
{
	*set |= 1 << sig;
	return 0;
}

/* No SIGALRM to send: only called in the child of a fork(). */
static inline unsigned int
alarm(unsigned int secs)
{
	(void)secs;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Files and sockets */

#ifndef O_NONBLOCK
#define O_NONBLOCK	0x40000000
#endif
/* Per-call nonblocking, done with a zero-timeout select() first. */
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT	0x40000000
#endif
#ifndef F_GETFD
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define FD_CLOEXEC	1
#endif

/* The POSIX errno value of a Winsock error (EIO if there is none). */
int regress_w32_errno(int wsa_error);

ssize_t regress_w32_read(int fd, void *buf, size_t len);
ssize_t regress_w32_write(int fd, const void *buf, size_t len);
int regress_w32_close(int fd);
int regress_w32_pipe(int fds[2]);
int regress_w32_socketpair(int family, int type, int protocol, int sv[2]);
int regress_w32_fcntl(int fd, int cmd, ...);
int regress_w32_connect(int fd, const struct sockaddr *sa, socklen_t len);
int regress_w32_accept(int fd, struct sockaddr *sa, socklen_t *len);
ssize_t regress_w32_send(int fd, const void *buf, size_t len, int flags);
ssize_t regress_w32_recv(int fd, void *buf, size_t len, int flags);
ssize_t regress_w32_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, socklen_t tolen);
ssize_t regress_w32_recvfrom(int fd, void *buf, size_t len, int flags,
    struct sockaddr *from, socklen_t *fromlen);

#define read(fd, buf, len)	regress_w32_read((fd), (buf), (len))
#define write(fd, buf, len)	regress_w32_write((fd), (buf), (len))
#define close(fd)		regress_w32_close(fd)
#define pipe(fds)		regress_w32_pipe(fds)
#define socketpair(d, t, p, sv)						\
	regress_w32_socketpair((d), (t), (p), (sv))
#define fcntl			regress_w32_fcntl
#define connect(fd, sa, len)	regress_w32_connect((fd), (sa), (len))
#define accept(fd, sa, len)	regress_w32_accept((fd), (sa), (len))
#undef send
#undef recv
#undef sendto
#undef recvfrom
#define send(fd, buf, len, fl)	regress_w32_send((fd), (buf), (len), (fl))
#define recv(fd, buf, len, fl)	regress_w32_recv((fd), (buf), (len), (fl))
#define sendto(fd, buf, len, fl, to, tolen)				\
	regress_w32_sendto((fd), (buf), (len), (fl), (to), (tolen))
#define recvfrom(fd, buf, len, fl, from, fromlen)			\
	regress_w32_recvfrom((fd), (buf), (len), (fl), (from), (fromlen))

/* ------------------------------------------------------------------ */
/* Processes, environment, paths */

/* regress_fork_status() (regress_event2.h) on Windows: fn(arg) runs in a
 * new run of the same case (regress_win32.c says how). */
int regress_w32_fork_status(void (*fn)(void *), void *arg);

/* regress_peer() (regress_util.h) on Windows: fn(arg) in a thread, under
 * a pid that waitpid() and kill() know. */
pid_t regress_w32_peer_thread(int (*fn)(void *), void *arg);

/* regress_spawn() (regress_util.h) on Windows; under wine it also runs
 * Unix programs (regress_win32.c says how). */
pid_t regress_w32_spawn(char *const argv[], const char *out_path);
/* Is path a Unix program (that regress_spawn runs under wine)? */
int regress_w32_is_unix_program(const char *path);
/* Under wine: the path of the Unix program name (a Z: path), or NULL. */
const char *regress_w32_find_unix_program(const char *name);
/* Under wine: the Unix name of the Windows path, in buf; 0, or -1 (also
 * on Windows itself). */
int regress_w32_unix_path(const char *path, char *buf, size_t len);
/* regress_path_for() (regress_util.h) on Windows. */
void regress_w32_path_for(const char *prog, const char *path, char *buf,
    size_t len);

pid_t regress_w32_fork(void)
#ifdef __GNUC__
	__attribute__((noreturn))
#endif
	;
#define fork()	regress_w32_fork()

int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
char *mkdtemp(char *template_);
char *realpath(const char *path, char *resolved);
#define lstat(path, st)	stat((path), (st))
#define mkdir(path, mode)	_mkdir(path)
/* CreateSymbolicLink(); -1 (EPERM) where the user may not make links. */
int symlink(const char *target, const char *path);
/* The fields and conversions the cases parse HTTP dates with: %a %b %d
 * %Y %H %M %S and literal characters. */
char *strptime(const char *s, const char *format, struct tm *tm);

/* Windows has no user ids: the calls answer as for root, so the cases
 * that need a set-id process go on to the fork() that skips them. */
#define getuid()		0
#define geteuid()		0
#define getgid()		0
#define getegid()		0

static inline int
setegid(int gid)
{
	(void)gid;
	errno = EPERM;
	return -1;
}

/* The C library has neither (winpthreads would). */
int regress_w32_clock_gettime(int clock, struct timespec *ts);
int regress_w32_nanosleep(const struct timespec *ts, struct timespec *left);
#ifndef clock_gettime	/* (the library's own, from evutil-internal.h) */
#define clock_gettime(c, ts)	regress_w32_clock_gettime((c), (ts))
#endif
#define nanosleep(ts, left)	regress_w32_nanosleep((ts), (left))

/* ------------------------------------------------------------------ */
/* DLLs */

/* The full path of the DLL (or program) that holds addr.  0 or -1. */
int regress_w32_module_of(const void *addr, char *buf, size_t len);
/* Set found[i] for each names[i] (NULL-terminated) that the DLL at path
 * exports, read from its export table.  0, or -1 if it cannot be read. */
int regress_w32_dll_exports(const char *path, const char *const *names,
    int *found);

/* ------------------------------------------------------------------ */
/* The runner (regress.c): case processes */

/* One child process and the pipe it writes its output to. */
struct regress_proc {
	HANDLE process;		/* NULL: none */
	HANDLE job;		/* the child and everything it starts */
	HANDLE out;		/* read end of its stdout and stderr */
};

/* Start this program again with the arguments args (already quoted as
 * one command-line string).  0, or -1 and regress_proc_error() says why. */
int regress_proc_start(struct regress_proc *p, const char *args);
const char *regress_proc_error(void);
/* Up to len bytes of output that are there now: the count, 0 if none is
 * waiting, -1 once the output has ended. */
int regress_proc_read(struct regress_proc *p, char *buf, size_t len);
/* Has the child ended?  1 and its exit status in *status, else 0. */
int regress_proc_done(struct regress_proc *p, int *status);
/* End the child and every process it started. */
void regress_proc_kill(struct regress_proc *p);
/* Copy everything the child writes to our stderr until it ends. */
void regress_w32_pass_output(struct regress_proc *p);
/* Release the handles (after the child ended or was killed). */
void regress_proc_close(struct regress_proc *p);
/* Wait at most ms milliseconds for one of the n children to end. */
void regress_proc_wait(struct regress_proc *const *p, int n, int ms);
/*
 * In a case process: a crash ends it with a status the runner reports as
 * a signal (128 + SIGSEGV for an access violation, 128 + SIGABRT for
 * abort()), with no crash dialog or debugger.
 */
void regress_child_init(void);
/* Seconds on the performance counter. */
double regress_w32_now(void);
/* stdout and stderr without CR LF translation (TAP wants bare LF). */
void regress_w32_binary_output(void);

#endif /* REGRESS_WIN32_H */
