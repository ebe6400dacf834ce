/*
 * regress_win32.c -- Windows: the POSIX calls the tests make
 * (regress_win32.h says which and why), and the runner's case processes.
 *
 * Notes:
 *  a) A number is a socket when getsockopt(SO_TYPE) accepts it, else it
 *     is taken for a CRT fd.  Socket handles are multiples of 4 from
 *     the process's handle table and CRT fds are small table indices;
 *     a case never holds both kinds under one number long enough to
 *     matter.
 *  b) A case process is this program run again with --child NAME (or
 *     --probe, --selftest ...).  Its stdout and stderr are one pipe whose
 *     read end stays in the runner, not inheritable, so that one child's
 *     pipe never leaks into the next.  It runs inside a job object: ending
 *     the job ends whatever the case started as well, as the POSIX runner
 *     kills the case's process group.
 *  c) A crash must not start a debugger or show a dialog (wine would start
 *     winedbg): the case installs an unhandled-exception filter that ends
 *     it with 128 + the signal POSIX would have sent, and a SIGABRT
 *     handler for abort().
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ctype.h>
#include <direct.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "event.h"
#include "regress.h"

/* The real calls, which the macros of regress_win32.h replace. */
#undef read
#undef write
#undef close
#undef pipe
#undef socketpair
#undef fcntl
#undef connect
#undef accept
#undef send
#undef recv
#undef sendto
#undef recvfrom
#undef kill
#undef fork

#define OUTPUT_PIPE_SIZE	(64 * 1024)
#define PROC_START_TRIES	3

/* ------------------------------------------------------------------ */
/* Errors */

int
regress_w32_errno(int e)
{
	switch (e) {
	case WSAEWOULDBLOCK:	return EAGAIN;
	case WSAEINTR:		return EINTR;
	case WSAEINPROGRESS:	return EINPROGRESS;
	case WSAEALREADY:	return EALREADY;
	case WSAEISCONN:	return EISCONN;
	case WSAENOTCONN:	return ENOTCONN;
	case WSAECONNRESET:	return ECONNRESET;
	case WSAECONNABORTED:	return ECONNABORTED;
	case WSAECONNREFUSED:	return ECONNREFUSED;
	case WSAESHUTDOWN:	return EPIPE;
	case WSAETIMEDOUT:	return ETIMEDOUT;
	case WSAEADDRINUSE:	return EADDRINUSE;
	case WSAEADDRNOTAVAIL:	return EADDRNOTAVAIL;
	case WSAEAFNOSUPPORT:	return EAFNOSUPPORT;
	case WSAEMSGSIZE:	return EMSGSIZE;
	case WSAENOBUFS:	return ENOBUFS;
	case WSAEMFILE:		return EMFILE;
	case WSAEBADF:
	case WSAENOTSOCK:	return EBADF;
	case WSAEINVAL:		return EINVAL;
	case WSAEFAULT:		return EFAULT;
	case WSAEACCES:		return EACCES;
	case WSAEHOSTUNREACH:	return EHOSTUNREACH;
	case WSAENETUNREACH:	return ENETUNREACH;
	case 0:			return 0;
	default:		return EIO;
	}
}

/* A socket call failed: its error as errno too.  Returns -1. */
static int
sock_failed(void)
{
	errno = regress_w32_errno(WSAGetLastError());
	return -1;
}

/* a) */
static int
is_socket(int fd)
{
	int type, len = sizeof(type);

	if (fd < 0)
		return 0;
	return getsockopt((SOCKET)fd, SOL_SOCKET, SO_TYPE, (char *)&type,
	    &len) == 0;
}

/* ------------------------------------------------------------------ */
/* Files and sockets */

ssize_t
regress_w32_read(int fd, void *buf, size_t len)
{
	int n;

	if (!is_socket(fd))
		return _read(fd, buf, (unsigned)len);
	n = recv((SOCKET)fd, buf, (int)len, 0);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

ssize_t
regress_w32_write(int fd, const void *buf, size_t len)
{
	int n;

	if (!is_socket(fd))
		return _write(fd, buf, (unsigned)len);
	n = send((SOCKET)fd, buf, (int)len, 0);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

int
regress_w32_close(int fd)
{
	if (!is_socket(fd))
		return _close(fd);
	return closesocket((SOCKET)fd) == SOCKET_ERROR ? sock_failed() : 0;
}

int
regress_w32_socketpair(int family, int type, int protocol, int sv[2])
{
	return evutil_socketpair(family, type, protocol, sv) == -1 ?
	    sock_failed() : 0;
}

int
regress_w32_pipe(int fds[2])
{
	int sv[2];

	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1)
		return sock_failed();
	/* A pipe's write end is [1]: keep that order. */
	fds[0] = sv[0];
	fds[1] = sv[1];
	return 0;
}

int
regress_w32_fcntl(int fd, int cmd, ...)
{
	u_long on;
	va_list ap;
	DWORD flags;
	int arg = 0;

	va_start(ap, cmd);
	if (cmd == F_SETFL || cmd == F_SETFD)
		arg = va_arg(ap, int);
	va_end(ap);
	if (!is_socket(fd) && (fd < 0 || _get_osfhandle(fd) == -1)) {
		errno = EBADF;
		return -1;
	}
	switch (cmd) {
	case F_GETFD:
		/* Close-on-exec is "not inherited" there. */
		if (is_socket(fd) && GetHandleInformation((HANDLE)(intptr_t)fd,
		    &flags) && !(flags & HANDLE_FLAG_INHERIT))
			return FD_CLOEXEC;
		return 0;
	case F_SETFD:
		if (is_socket(fd))
			(void)SetHandleInformation((HANDLE)(intptr_t)fd,
			    HANDLE_FLAG_INHERIT, (arg & FD_CLOEXEC) ? 0 :
			    HANDLE_FLAG_INHERIT);
		return 0;
	case F_GETFL:
		return 0;	/* the mode cannot be read back */
	case F_SETFL:
		on = (arg & O_NONBLOCK) != 0;
		if (is_socket(fd) && ioctlsocket((SOCKET)fd, FIONBIO, &on) ==
		    SOCKET_ERROR)
			return sock_failed();
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

int
regress_w32_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (connect((SOCKET)fd, sa, len) != SOCKET_ERROR)
		return 0;
	/* A nonblocking connect in progress says WSAEWOULDBLOCK. */
	if (WSAGetLastError() == WSAEWOULDBLOCK) {
		errno = EINPROGRESS;
		return -1;
	}
	return sock_failed();
}

int
regress_w32_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	SOCKET s = accept((SOCKET)fd, sa, len);

	return s == INVALID_SOCKET ? sock_failed() : (int)s;
}

/* MSG_DONTWAIT, and a call in this direction would block now (a zero
 * timeout select() says so): errno = EAGAIN and 1, else 0. */
static int
dontwait_refused(int fd, int flags, int writing)
{
	struct timeval zero = { 0, 0 };
	fd_set set;

	if (!(flags & MSG_DONTWAIT))
		return 0;
	FD_ZERO(&set);
	FD_SET((SOCKET)fd, &set);
	if (select(0, writing ? NULL : &set, writing ? &set : NULL, NULL,
	    &zero) != 0)
		return 0;
	errno = EAGAIN;
	return 1;
}

ssize_t
regress_w32_send(int fd, const void *buf, size_t len, int flags)
{
	int n;

	if (dontwait_refused(fd, flags, 1))
		return -1;
	n = send((SOCKET)fd, buf, (int)len, flags & ~MSG_DONTWAIT);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

ssize_t
regress_w32_recv(int fd, void *buf, size_t len, int flags)
{
	int n;

	if (dontwait_refused(fd, flags, 0))
		return -1;
	n = recv((SOCKET)fd, buf, (int)len, flags & ~MSG_DONTWAIT);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

ssize_t
regress_w32_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, socklen_t tolen)
{
	int n;

	if (dontwait_refused(fd, flags, 1))
		return -1;
	n = sendto((SOCKET)fd, buf, (int)len, flags & ~MSG_DONTWAIT, to,
	    tolen);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

ssize_t
regress_w32_recvfrom(int fd, void *buf, size_t len, int flags,
    struct sockaddr *from, socklen_t *fromlen)
{
	int n;

	if (dontwait_refused(fd, flags, 0))
		return -1;
	n = recvfrom((SOCKET)fd, buf, (int)len, flags & ~MSG_DONTWAIT, from,
	    fromlen);
	return n == SOCKET_ERROR ? sock_failed() : n;
}

/* ------------------------------------------------------------------ */
/* Processes, signals, environment, paths */

/* The helper programs regress_w32_spawn() started and not yet reaped. */
#define MAX_CHILDREN	64
static struct {
	pid_t pid;
	HANDLE h;	/* NULL: could not start, "exited" with status 127 */
	int thread;	/* h is a thread of ours (regress_peer) */
	char *unix_base; /* a Unix program under wine: its files' stem */
	HANDLE job;	/* the program and what it starts (NULL: none) */
} children[MAX_CHILDREN];
#define NOT_STARTED_PID	0x7fff0000	/* + the slot: no process's pid */
#define UNIX_PID	0x7ffe0000	/* + the slot: a Unix program's */

static int unix_kill(int slot, int sig);
static int unix_status(int slot, int wait, DWORD *code);

static int
child_slot(pid_t pid)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i].pid == pid && pid > 0)
			return i;
	return -1;
}

static HANDLE
child_handle(pid_t pid)
{
	int i = child_slot(pid);

	return i == -1 ? NULL : children[i].h;
}

int
regress_w32_kill(pid_t pid, int sig)
{
	HANDLE h;

	if (pid == getpid() || pid == 0)
		return raise(sig) == 0 ? 0 : -1;
	if (child_slot(pid) != -1 && children[child_slot(pid)].unix_base)
		return unix_kill(child_slot(pid), sig);
	if ((h = child_handle(pid)) == NULL) {
		errno = ESRCH;
		return child_slot(pid) != -1 ? 0 : -1;
	}
	if (sig == 0) {	/* only: is it there? */
		if (WaitForSingleObject(h, 0) != WAIT_OBJECT_0)
			return 0;
		errno = ESRCH;
		return -1;
	}
	/* A peer thread: only a case that already failed stops one. */
	if (children[child_slot(pid)].thread)
		return TerminateThread(h, 128 + (unsigned int)sig) ? 0 : -1;
	/* No signals between processes: it ends as killed by sig, with
	 * what it started (a libtool wrapper's real program). */
	if (children[child_slot(pid)].job != NULL)
		(void)TerminateJobObject(children[child_slot(pid)].job,
		    128 + (unsigned int)sig);
	if (!TerminateProcess(h, 128 + (unsigned int)sig) &&
	    WaitForSingleObject(h, 0) != WAIT_OBJECT_0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

pid_t
regress_w32_fork(void)
{
	regress_skip("no fork() on Windows");
}

/*
 * regress_fork_status() (regress_event2.h) without fork(): the case runs
 * again in a new process (this one's command line) with REGRESS_W32_FORK
 * set to "N r0 r1 ...": there the calls before the N-th return the
 * statuses r0 ... the first run saw, and the N-th runs fn(arg) and exits.
 * It works because the cases that use it only call pure scenarios.
 */
#define FORK_MAX	32

int
regress_w32_fork_status(void (*fn)(void *), void *arg)
{
	static int ncalls, nresults, results[FORK_MAX], replay = -1;
	char env[16 + FORK_MAX * 12], *p, *end;
	struct regress_proc proc;
	const char *cmd, *e;
	int i, status = -1;

	if (replay == -1) {	/* first call: are we a replay? */
		replay = 0;
		if ((e = getenv("REGRESS_W32_FORK")) != NULL && *e != '\0') {
			replay = 1;
			nresults = (int)strtol(e, &end, 10);
			for (i = 0; i < nresults && i < FORK_MAX; i++)
				results[i] = (int)strtol(end, &end, 10);
		}
	}
	if (replay && ncalls < nresults)
		return results[ncalls++];
	if (replay) {
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	if (ncalls >= FORK_MAX)
		regress_fail(__FILE__, __LINE__, "too many forks");
	p = env + snprintf(env, sizeof(env), "%d", ncalls);
	for (i = 0; i < ncalls; i++)
		p += snprintf(p, sizeof(env) - (size_t)(p - env), " %d",
		    results[i]);
	/* Our own arguments again: the program's name is quoted first. */
	cmd = GetCommandLineA();
	cmd = *cmd == '"' ? strchr(cmd + 1, '"') : strchr(cmd, ' ');
	(void)_putenv_s("REGRESS_W32_FORK", env);
	i = cmd != NULL ? regress_proc_start(&proc, cmd + 1) : -1;
	(void)_putenv_s("REGRESS_W32_FORK", "");
	if (i == -1)
		regress_fail(__FILE__, __LINE__, "cannot start the case "
		    "again: %s", cmd != NULL ? regress_proc_error() :
		    "no arguments");
	regress_w32_pass_output(&proc);
	if (!regress_proc_done(&proc, &status))
		status = -1;
	regress_proc_close(&proc);
	results[ncalls++] = status;
	return status;
}

/* For the children of regress_w32_spawn(), as POSIX does it. */
pid_t
waitpid(pid_t pid, int *status, int options)
{
	DWORD code = 127;
	int i = child_slot(pid);

	if (i == -1) {
		errno = ECHILD;
		return -1;
	}
	if (children[i].unix_base != NULL) {
		if (!unix_status(i, !(options & WNOHANG), &code))
			return 0;
	} else if (children[i].h != NULL) {
		if (WaitForSingleObject(children[i].h, (options & WNOHANG) ?
		    0 : INFINITE) != WAIT_OBJECT_0)
			return 0;
		if (!(children[i].thread ?
		    GetExitCodeThread(children[i].h, &code) :
		    GetExitCodeProcess(children[i].h, &code)))
			code = 255;
		CloseHandle(children[i].h);
	}
	if (children[i].job != NULL)
		CloseHandle(children[i].job);
	children[i].job = NULL;
	if (status != NULL)
		*status = (int)code;
	children[i].pid = 0;
	children[i].h = NULL;
	children[i].thread = 0;
	return pid;
}

/* A free slot of children[], or fail the case. */
static int
free_child_slot(const char *what)
{
	int slot;

	for (slot = 0; slot < MAX_CHILDREN && children[slot].pid != 0; slot++)
		;
	if (slot == MAX_CHILDREN)
		regress_fail(__FILE__, __LINE__, "cannot start %s", what);
	return slot;
}

struct peer_start {
	int (*fn)(void *);
	void *arg;
};

static DWORD WINAPI
peer_main(void *p)
{
	struct peer_start ps = *(struct peer_start *)p;

	free(p);
	return (DWORD)ps.fn(ps.arg);
}

pid_t
regress_w32_peer_thread(int (*fn)(void *), void *arg)
{
	struct peer_start *ps = malloc(sizeof(*ps));
	int slot = free_child_slot("a peer thread");
	DWORD id;
	HANDLE h;

	if (ps == NULL)
		regress_fail(__FILE__, __LINE__, "out of memory");
	ps->fn = fn;
	ps->arg = arg;
	fflush(NULL);
	if ((h = CreateThread(NULL, 0, peer_main, ps, 0, &id)) == NULL)
		regress_fail(__FILE__, __LINE__, "CreateThread: error %lu",
		    GetLastError());
	/* (A thread id is no process's id: both come from one pool.) */
	children[slot].pid = (pid_t)id;
	children[slot].h = h;
	children[slot].thread = 1;
	return children[slot].pid;
}

/* argv as one command line, each argument quoted as the C runtime of
 * the child parses it (backslashes double only before a quote). */
static int
command_line(char *const argv[], char *out, size_t len)
{
	size_t n = 0;
	int i, bs;
	const char *p;

	for (i = 0; argv[i] != NULL; i++) {
		if (n + 3 >= len)
			return -1;
		if (i > 0)
			out[n++] = ' ';
		out[n++] = '"';
		for (p = argv[i], bs = 0; *p != '\0'; p++) {
			if (n + 4 >= len)
				return -1;
			if (*p == '\\') {
				bs++;
			} else {
				if (*p == '"')
					while (bs-- >= 0)
						out[n++] = '\\';
				bs = 0;
			}
			out[n++] = *p;
		}
		while (bs-- > 0 && n + 2 < len)
			out[n++] = '\\';
		out[n++] = '"';
	}
	out[n] = '\0';
	return 0;
}

/* NUL, or the file path (created or truncated), inheritable. */
static HANDLE
inheritable_file(const char *path, int writing)
{
	SECURITY_ATTRIBUTES sa;

	memset(&sa, 0, sizeof(sa));
	sa.nLength = sizeof(sa);
	sa.bInheritHandle = TRUE;
	return CreateFileA(path != NULL ? path : "NUL",
	    writing ? GENERIC_WRITE : GENERIC_READ,
	    FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
	    writing && path != NULL ? CREATE_ALWAYS : OPEN_EXISTING,
	    FILE_ATTRIBUTE_NORMAL, NULL);
}

/* ------------------------------------------------------------------ */
/* Unix programs under wine: curl, nginx, dnsmasq as real peers */

/*
 * Wine runs a Unix (ELF) program that CreateProcess names, with the std
 * handles as its fds 0-2, but returns no process handle: nothing to wait
 * for, no exit status.  So the program runs under /bin/sh, which writes
 * its pid to STEM.pid and, once it ended, its status (128 + the signal
 * if killed) to STEM.st; waitpid() and kill() read those.  It is not in
 * the case's job: a watchdog kills it after 300 s should the case die
 * without stopping it.  The EVENT_NO* variables that pick the win32
 * backend would leave a Unix libevent none: they are dropped.  An
 * argument that holds a Windows path ("C:\...", also after "--opt=" or
 * "@") gets the path's Unix name.
 */
static const char unix_script[] =
    "b=$1; [ \"$2\" = out ] || exec > /dev/null; shift 2; "
    "exec 2> /dev/null < /dev/null; unset EVENT_NOEPOLL EVENT_NOPOLL "
    "EVENT_NOSELECT EVENT_NODEVPOLL EVENT_NOKQUEUE EVENT_NOEVPORT; "
    "\"$@\" & p=$!; echo $p > \"$b.pid\"; "
    "( i=0; while [ $i -lt 300 ] && kill -0 $p 2>/dev/null; do sleep 1; "
    "i=$((i + 1)); done; kill -9 $p 2>/dev/null ) & "
    "wait $p; echo $? > \"$b.tmp\"; mv \"$b.tmp\" \"$b.st\"";
#define UNIX_SH		"Z:\\bin\\sh"	/* (wine's Z: is the Unix /) */

typedef char *(CDECL *unix_name_fn)(LPCWSTR);

/* wine_get_unix_file_name() of wine's kernel32; NULL on Windows. */
static unix_name_fn
wine_unix_name(void)
{
	static int looked;
	static unix_name_fn fn;

	if (!looked) {
		looked = 1;
		fn = (unix_name_fn)(void (*)(void))GetProcAddress(
		    GetModuleHandleA("kernel32.dll"),
		    "wine_get_unix_file_name");
	}
	return fn;
}

int
regress_w32_unix_path(const char *path, char *buf, size_t len)
{
	unix_name_fn fn = wine_unix_name();
	WCHAR w[2 * MAX_PATH];
	char *u;
	int n;

	if (fn == NULL || MultiByteToWideChar(CP_ACP, 0, path, -1, w,
	    2 * MAX_PATH) == 0 || (u = fn(w)) == NULL)
		return -1;
	n = snprintf(buf, len, "%s", u);
	HeapFree(GetProcessHeap(), 0, u);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Does path name an ELF program (wine only runs those as Unix ones)? */
int
regress_w32_is_unix_program(const char *path)
{
	char magic[4];
	FILE *f;
	int yes;

	if (wine_unix_name() == NULL || (f = fopen(path, "rb")) == NULL)
		return 0;
	yes = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	fclose(f);
	return yes;
}

void
regress_w32_path_for(const char *prog, const char *path, char *buf,
    size_t len)
{
	if (!regress_w32_is_unix_program(prog) ||
	    regress_w32_unix_path(path, buf, len) == -1)
		snprintf(buf, len, "%s", path);
}

const char *
regress_w32_find_unix_program(const char *name)
{
	static const char *const dirs[] = { "Z:/usr/bin", "Z:/bin",
		"Z:/usr/sbin", "Z:/sbin", NULL };
	static char path[512];
	int i;

	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (regress_w32_is_unix_program(path))
			return path;
	}
	return NULL;
}

/* arg for a Unix program: a Windows path in it (at the start, or after
 * "=" or "@" as in --opt=PATH) by its Unix name. */
static int
unix_arg(const char *arg, char *buf, size_t len)
{
	size_t k;

	for (k = 0; arg[k] != '\0'; k++)
		if (isalpha((unsigned char)arg[k]) && arg[k + 1] == ':' &&
		    (arg[k + 2] == '\\' || arg[k + 2] == '/') &&
		    (k == 0 || arg[k - 1] == '=' || arg[k - 1] == '@'))
			break;
	if (arg[k] == '\0' || k >= len)
		return snprintf(buf, len, "%s", arg) < (int)len ? 0 : -1;
	memcpy(buf, arg, k);
	return regress_w32_unix_path(arg + k, buf + k, len - k);
}

/* The sh command line that runs argv (a Unix program) in slot, and the
 * slot's stem; 0, or -1. */
static int
unix_command(int slot, char *const argv[], int out, char *cmd, size_t len)
{
	static char store[64][1024];
	char *w[64 + 1], stem[MAX_PATH + 64];
	DWORD tl = GetTempPathA(MAX_PATH, stem);
	int i;

	if (tl == 0 || tl >= MAX_PATH)
		return -1;
	snprintf(stem + tl, sizeof(stem) - tl, "relevent-unix-%lu-%d",
	    GetCurrentProcessId(), slot);
	w[0] = UNIX_SH;
	w[1] = "-c";
	w[2] = (char *)unix_script;
	w[3] = "sh";
	if (regress_w32_unix_path(stem, store[0], sizeof(store[0])) == -1)
		return -1;
	w[4] = store[0];
	/* (Wine leaves a NUL handle as the Unix fd it had: the script
	 * makes that /dev/null.) */
	w[5] = out ? "out" : "-";
	for (i = 0; argv[i] != NULL; i++) {
		if (i + 7 > 64 || unix_arg(argv[i], store[i + 1],
		    sizeof(store[0])) == -1)
			return -1;
		w[6 + i] = store[i + 1];
	}
	w[6 + i] = NULL;
	snprintf(stem + strlen(stem), sizeof(stem) - strlen(stem), ".st");
	(void)remove(stem);
	stem[strlen(stem) - 3] = '\0';
	children[slot].unix_base = strdup(stem);
	return children[slot].unix_base != NULL ?
	    command_line(w, cmd, len) : -1;
}

/* The .pid or .st number of slot's program: 1, or 0 if not there. */
static int
unix_file(int slot, const char *ext, long *v)
{
	char path[MAX_PATH + 80];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s%s", children[slot].unix_base, ext);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	ok = fscanf(f, "%ld", v) == 1;
	fclose(f);
	return ok;
}

/* waitpid() of slot's program: 1 and its status in *code once it ended,
 * else 0 (after waiting for it if wait). */
static int
unix_status(int slot, int wait, DWORD *code)
{
	char path[MAX_PATH + 80];
	long st;

	while (!unix_file(slot, ".st", &st)) {
		if (!wait)
			return 0;
		Sleep(5);
	}
	*code = (DWORD)st;
	snprintf(path, sizeof(path), "%s.st", children[slot].unix_base);
	(void)remove(path);
	snprintf(path, sizeof(path), "%s.pid", children[slot].unix_base);
	(void)remove(path);
	free(children[slot].unix_base);
	children[slot].unix_base = NULL;
	return 1;
}

/* kill() of slot's program: the signal by /bin/sh's kill. */
static int
unix_kill(int slot, int sig)
{
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	char cmd[128];
	long pid, st;
	int i;

	if (unix_file(slot, ".st", &st)) {
		errno = ESRCH;
		return sig == 0 ? -1 : 0;	/* (a zombie, for POSIX) */
	}
	if (sig == 0)
		return 0;
	for (i = 0; i < 400 && !unix_file(slot, ".pid", &pid); i++)
		Sleep(5);
	if (i == 400) {
		errno = ESRCH;
		return -1;
	}
	snprintf(cmd, sizeof(cmd), UNIX_SH " -c \"kill -%d %ld\"", sig, pid);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
	    &pi)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Start argv in slot (stdin and stderr on NUL, stdout on out_path or
 * NUL); its pid. */
static pid_t
start_program(int slot, char *const argv[], const char *cmd,
    const char *out_path)
{
	STARTUPINFOEXA si;
	PROCESS_INFORMATION pi;
	HANDLE std[3];
	SIZE_T size = 0;
	int i, ok;

	std[0] = inheritable_file(NULL, 0);
	std[1] = inheritable_file(out_path, 1);
	std[2] = inheritable_file(NULL, 1);
	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = std[0];
	si.StartupInfo.hStdOutput = std[1];
	si.StartupInfo.hStdError = std[2];
	(void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
	si.lpAttributeList = malloc(size);
	ok = si.lpAttributeList != NULL &&
	    InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0,
	    &size) && UpdateProcThreadAttribute(si.lpAttributeList, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, std, sizeof(std), NULL, NULL);
	ok = CreateProcessA(argv[0], (char *)cmd, NULL, NULL, TRUE,
	    CREATE_SUSPENDED | (ok ? EXTENDED_STARTUPINFO_PRESENT : 0), NULL,
	    NULL, &si.StartupInfo, &pi);
	if (si.lpAttributeList != NULL)
		DeleteProcThreadAttributeList(si.lpAttributeList);
	free(si.lpAttributeList);
	for (i = 0; i < 3; i++)
		CloseHandle(std[i]);
	if (!ok) {
		/* As POSIX: a child that exits 127 at once. */
		regress_note("CreateProcess(%s): error %lu", argv[0],
		    GetLastError());
		children[slot].pid = NOT_STARTED_PID + slot;
		children[slot].h = NULL;
		children[slot].job = NULL;
		return children[slot].pid;
	}
	/* Its own job (inside the case's), for kill(). */
	children[slot].job = pi.hProcess != NULL ?
	    CreateJobObjectA(NULL, NULL) : NULL;
	if (children[slot].job != NULL &&
	    !AssignProcessToJobObject(children[slot].job, pi.hProcess)) {
		CloseHandle(children[slot].job);
		children[slot].job = NULL;
	}
	if (pi.hThread != NULL) {
		ResumeThread(pi.hThread);
		CloseHandle(pi.hThread);
	}
	children[slot].pid = (pid_t)pi.dwProcessId;
	children[slot].h = pi.hProcess;
	return children[slot].pid;
}

/*
 * regress_spawn() on Windows: the program with stdin and stderr on NUL,
 * stdout on out_path (or NUL).  Only those three handles are inherited
 * (sockets are inheritable, and the case's must not live on in the
 * program).  It runs in the case's job, so it ends with the case.  Under
 * wine a Unix program runs too (see unix_script).
 */
pid_t
regress_w32_spawn(char *const argv[], const char *out_path)
{
	char *sh[] = { UNIX_SH, NULL };
	char cmd[16384];
	int slot = free_child_slot(argv[0]);

	children[slot].thread = 0;
	if (!regress_w32_is_unix_program(argv[0])) {
		if (command_line(argv, cmd, sizeof(cmd)) == -1)
			regress_fail(__FILE__, __LINE__, "cannot start %s",
			    argv[0]);
		return start_program(slot, argv, cmd, out_path);
	}
	if (unix_command(slot, argv, out_path != NULL, cmd, sizeof(cmd)) == -1)
		regress_fail(__FILE__, __LINE__, "cannot start %s", argv[0]);
	if (start_program(slot, sh, cmd, out_path) == NOT_STARTED_PID + slot) {
		free(children[slot].unix_base);
		children[slot].unix_base = NULL;
		return children[slot].pid;
	}
	if (children[slot].h != NULL)	/* (wine gives none) */
		CloseHandle(children[slot].h);
	if (children[slot].job != NULL)
		CloseHandle(children[slot].job);
	children[slot].h = NULL;
	children[slot].job = NULL;
	children[slot].pid = UNIX_PID + slot;
	return children[slot].pid;
}

int
prctl(int option, ...)
{
	(void)option;
	errno = EINVAL;
	return -1;
}

int
getrlimit(int resource, struct rlimit *rl)
{
	(void)resource;
	rl->rlim_cur = rl->rlim_max = RLIM_INFINITY;
	return 0;
}

int
setrlimit(int resource, const struct rlimit *rl)
{
	(void)resource;
	(void)rl;
	return 0;
}

int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	void (*prev)(int);

	prev = signal(sig, act != NULL ? act->sa_handler : SIG_DFL);
	if (prev == SIG_ERR) {
		errno = EINVAL;
		return -1;
	}
	if (act == NULL)
		signal(sig, prev);	/* only asked: put it back */
	if (old != NULL) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = prev;
	}
	return 0;
}

int
getrusage(int who, struct rusage *ru)
{
	FILETIME c, e, k, u;
	unsigned long long ku, uu;

	(void)who;
	if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u)) {
		errno = EINVAL;
		return -1;
	}
	/* 100 ns units. */
	ku = ((unsigned long long)k.dwHighDateTime << 32 | k.dwLowDateTime) /
	    10;
	uu = ((unsigned long long)u.dwHighDateTime << 32 | u.dwLowDateTime) /
	    10;
	ru->ru_stime.tv_sec = (long)(ku / 1000000);
	ru->ru_stime.tv_usec = (long)(ku % 1000000);
	ru->ru_utime.tv_sec = (long)(uu / 1000000);
	ru->ru_utime.tv_usec = (long)(uu % 1000000);
	return 0;
}

int
symlink(const char *target, const char *path)
{
	DWORD attr = GetFileAttributesA(target), flags = 0;

	if (attr != INVALID_FILE_ATTRIBUTES &&
	    (attr & FILE_ATTRIBUTE_DIRECTORY))
		flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
	if (CreateSymbolicLinkA(path, target, flags))
		return 0;
	errno = EPERM;
	return -1;
}

/* n decimal digits at *sp into *out (at most max of them).  0 or -1. */
static int
strptime_num(const char **sp, int max, int *out)
{
	int v = 0, n = 0;

	while (n < max && **sp >= '0' && **sp <= '9') {
		v = v * 10 + (**sp - '0');
		(*sp)++;
		n++;
	}
	*out = v;
	return n > 0 ? 0 : -1;
}

/* One of the names (3 letters, any case) at *sp: its index, or -1. */
static int
strptime_name(const char **sp, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (_strnicmp(*sp, names[i], 3) == 0) {
			*sp += 3;
			return i;
		}
	return -1;
}

char *
strptime(const char *s, const char *f, struct tm *tm)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
		"Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int v, r = 0;

	for (; *f != '\0' && r == 0; f++) {
		if (*f != '%') {
			r = *s++ == *f ? 0 : -1;
			continue;
		}
		switch (*++f) {
		case 'a': r = (tm->tm_wday = strptime_name(&s, days, 7)); break;
		case 'b': r = (tm->tm_mon = strptime_name(&s, months, 12));
			break;
		case 'd': r = strptime_num(&s, 2, &tm->tm_mday); break;
		case 'H': r = strptime_num(&s, 2, &tm->tm_hour); break;
		case 'M': r = strptime_num(&s, 2, &tm->tm_min); break;
		case 'S': r = strptime_num(&s, 2, &tm->tm_sec); break;
		case 'Y':
			r = strptime_num(&s, 4, &v);
			tm->tm_year = v - 1900;
			break;
		default: r = -1; break;
		}
		if (r > 0)
			r = 0;
	}
	return r == 0 && *f == '\0' ? (char *)s : NULL;
}

int
setenv(const char *name, const char *value, int overwrite)
{
	if (!overwrite && getenv(name) != NULL)
		return 0;
	return _putenv_s(name, value) == 0 ? 0 : -1;
}

int
unsetenv(const char *name)
{
	/* An empty value removes the variable, from the process too. */
	return _putenv_s(name, "") == 0 ? 0 : -1;
}

char *
mkdtemp(char *tmpl)
{
	size_t n = strlen(tmpl);
	unsigned int r;
	int i, tries;

	if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return NULL;
	}
	r = (unsigned int)GetTickCount() ^ (unsigned int)getpid() << 16;
	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < 6; i++) {
			r = r * 1103515245u + 12345u;
			tmpl[n - 6 + i] = "abcdefghijklmnopqrstuvwxyz0123456789"
			    [(r >> 16) % 36];
		}
		if (_mkdir(tmpl) == 0)
			return tmpl;
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

char *
realpath(const char *path, char *resolved)
{
	return _fullpath(resolved, path, resolved != NULL ? PATH_MAX : 0);
}

/* One [...] class at *pp (just after the '['); advances *pp past it. */
static int
class_match(const char **pp, char c)
{
	const char *p = *pp;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	do {
		if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
			hit |= c >= p[0] && c <= p[2];
			p += 3;
		} else {
			hit |= c == *p++;
		}
	} while (*p != ']' && *p != '\0');
	*pp = *p == ']' ? p + 1 : p;
	return hit != neg;
}

int
fnmatch(const char *pat, const char *s, int flags)
{
	(void)flags;
	for (; *pat != '\0'; s++) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			for (;; s++) {
				if (fnmatch(pat, s, 0) == 0)
					return 0;
				if (*s == '\0')
					return FNM_NOMATCH;
			}
		}
		if (*s == '\0')
			return FNM_NOMATCH;
		if (*pat == '?') {
			pat++;
		} else if (*pat == '[') {
			pat++;
			if (!class_match(&pat, *s))
				return FNM_NOMATCH;
		} else if (*pat++ != *s) {
			return FNM_NOMATCH;
		}
	}
	return *s == '\0' ? 0 : FNM_NOMATCH;
}

/* CLOCK_MONOTONIC and CLOCK_REALTIME alike: the performance counter and
 * the system time. */
int
regress_w32_clock_gettime(int clock, struct timespec *ts)
{
	double now;
	struct timeval tv;

	if (clock == CLOCK_REALTIME) {
		gettimeofday(&tv, NULL);
		ts->tv_sec = tv.tv_sec;
		ts->tv_nsec = tv.tv_usec * 1000L;
		return 0;
	}
	now = regress_w32_now();
	ts->tv_sec = (time_t)now;
	ts->tv_nsec = (long)((now - (double)ts->tv_sec) * 1e9);
	return 0;
}

int
regress_w32_nanosleep(const struct timespec *ts, struct timespec *left)
{
	DWORD ms = (DWORD)(ts->tv_sec * 1000 +
	    (ts->tv_nsec + 999999) / 1000000);

	Sleep(ms);
	if (left != NULL)
		left->tv_sec = left->tv_nsec = 0;
	return 0;
}

double
regress_w32_now(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;

	if (freq.QuadPart == 0)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	return (double)now.QuadPart / (double)freq.QuadPart;
}

/* ------------------------------------------------------------------ */
/* DLL exports */

int
regress_w32_module_of(const void *addr, char *buf, size_t len)
{
	HMODULE m;
	DWORD n;

	if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
	    GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, addr, &m))
		return -1;
	n = GetModuleFileNameA(m, buf, (DWORD)len);
	return n > 0 && n < len ? 0 : -1;
}

/* The export directory of the image mapped at base, or NULL. */
static const IMAGE_EXPORT_DIRECTORY *
export_directory(const unsigned char *base)
{
	const IMAGE_DOS_HEADER *dos = (const void *)base;
	const IMAGE_NT_HEADERS *nt;
	const IMAGE_DATA_DIRECTORY *dd;

	if (dos->e_magic != IMAGE_DOS_SIGNATURE)
		return NULL;
	nt = (const void *)(base + dos->e_lfanew);
	if (nt->Signature != IMAGE_NT_SIGNATURE)
		return NULL;
	dd = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	if (dd->VirtualAddress == 0 || dd->Size == 0)
		return NULL;
	return (const void *)(base + dd->VirtualAddress);
}

int
regress_w32_dll_exports(const char *path, const char *const *names,
    int *found)
{
	const IMAGE_EXPORT_DIRECTORY *ed;
	const unsigned char *base;
	const DWORD *rvas;
	HMODULE m;
	DWORD i;
	int k;

	/* Mapped, not initialized: its imports stay unresolved. */
	m = LoadLibraryExA(path, NULL, DONT_RESOLVE_DLL_REFERENCES);
	if (m == NULL)
		return -1;
	base = (const unsigned char *)m;
	if ((ed = export_directory(base)) == NULL) {
		FreeLibrary(m);
		return -1;
	}
	rvas = (const DWORD *)(base + ed->AddressOfNames);
	for (i = 0; i < ed->NumberOfNames; i++)
		for (k = 0; names[k] != NULL; k++)
			if (strcmp((const char *)base + rvas[i], names[k]) == 0)
				found[k] = 1;
	FreeLibrary(m);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Case processes (b) */

/* The output pipe: an inheritable write end, a private read end. */
static int
output_pipe(HANDLE *rd, HANDLE *wr)
{
	SECURITY_ATTRIBUTES sa;

	memset(&sa, 0, sizeof(sa));
	sa.nLength = sizeof(sa);
	sa.bInheritHandle = TRUE;
	if (!CreatePipe(rd, wr, &sa, OUTPUT_PIPE_SIZE))
		return -1;
	if (!SetHandleInformation(*rd, HANDLE_FLAG_INHERIT, 0)) {
		CloseHandle(*rd);
		CloseHandle(*wr);
		return -1;
	}
	return 0;
}

/* Run the child suspended inside a new job, then let it go. */
static int
spawn_in_job(struct regress_proc *p, char *cmd, HANDLE wr)
{
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	si.hStdOutput = wr;
	si.hStdError = wr;
	if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED,
	    NULL, NULL, &si, &pi))
		return -1;
	p->job = CreateJobObjectA(NULL, NULL);
	if (p->job != NULL && !AssignProcessToJobObject(p->job, pi.hProcess)) {
		CloseHandle(p->job);
		p->job = NULL;	/* the child alone is killed, then */
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	p->process = pi.hProcess;
	return 0;
}

/* Why the last regress_proc_start() failed. */
static char proc_error[128];

const char *
regress_proc_error(void)
{
	return proc_error;
}

/*
 * Start the child, a few times if need be: under wine CreateProcess()
 * has failed now and then with ERROR_INTERNAL_ERROR (1359) for a child
 * that started fine the next time (dns/cname once, "fork: Invalid
 * argument" as the runner then said).  A retry is noted on stderr.
 */
static int
spawn_retrying(struct regress_proc *p, char *cmd, HANDLE wr)
{
	DWORD err = 0;
	int k;

	for (k = 1; k <= PROC_START_TRIES; k++) {
		if (k > 1) {
			fprintf(stderr, "regress: CreateProcess: error %lu, "
			    "try %d of %d\n", err, k, PROC_START_TRIES);
			Sleep(100 * (DWORD)(k - 1));
		}
		if (spawn_in_job(p, cmd, wr) == 0)
			return 0;
		err = GetLastError();
	}
	snprintf(proc_error, sizeof(proc_error), "CreateProcess: error %lu "
	    "(%d tries)", err, PROC_START_TRIES);
	return -1;
}

int
regress_proc_start(struct regress_proc *p, const char *args)
{
	char self[MAX_PATH], cmd[2 * MAX_PATH + 1024];
	HANDLE rd, wr;
	DWORD n;
	int rc;

	memset(p, 0, sizeof(*p));
	n = GetModuleFileNameA(NULL, self, sizeof(self));
	if (n == 0 || n >= sizeof(self) || snprintf(cmd, sizeof(cmd),
	    "\"%s\" %s", self, args) >= (int)sizeof(cmd)) {
		snprintf(proc_error, sizeof(proc_error),
		    "command line too long");
		return -1;
	}
	if (output_pipe(&rd, &wr) == -1) {
		snprintf(proc_error, sizeof(proc_error),
		    "CreatePipe: error %lu", GetLastError());
		return -1;
	}
	fflush(NULL);
	rc = spawn_retrying(p, cmd, wr);
	CloseHandle(wr);	/* only the child writes */
	if (rc == -1) {
		CloseHandle(rd);
		return -1;
	}
	p->out = rd;
	return 0;
}

/* Copy the output of p to ours until it ends, then wait for p. */
void
regress_w32_pass_output(struct regress_proc *p)
{
	char buf[4096];
	int n;

	while ((n = regress_proc_read(p, buf, sizeof(buf))) != -1)
		if (n == 0)
			Sleep(2);
		else
			(void)_write(2, buf, (unsigned)n);
	WaitForSingleObject(p->process, INFINITE);
}

int
regress_proc_read(struct regress_proc *p, char *buf, size_t len)
{
	DWORD avail = 0, got = 0;

	if (p->out == NULL)
		return -1;
	if (!PeekNamedPipe(p->out, NULL, 0, NULL, &avail, NULL))
		return -1;	/* every writer is gone */
	if (avail == 0)
		return 0;
	if (avail > len)
		avail = (DWORD)len;
	if (!ReadFile(p->out, buf, avail, &got, NULL))
		return -1;
	return (int)got;
}

int
regress_proc_done(struct regress_proc *p, int *status)
{
	DWORD code;

	if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0)
		return 0;
	if (!GetExitCodeProcess(p->process, &code))
		code = 255;
	*status = (int)code;
	return 1;
}

void
regress_proc_kill(struct regress_proc *p)
{
	if (p->job != NULL)
		TerminateJobObject(p->job, 255);
	if (p->process != NULL &&
	    WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0) {
		TerminateProcess(p->process, 255);
		WaitForSingleObject(p->process, 5000);
	}
}

void
regress_proc_close(struct regress_proc *p)
{
	if (p->process != NULL)
		CloseHandle(p->process);
	if (p->job != NULL)
		CloseHandle(p->job);
	if (p->out != NULL)
		CloseHandle(p->out);
	memset(p, 0, sizeof(*p));
}

void
regress_proc_wait(struct regress_proc *const *p, int n, int ms)
{
	HANDLE h[MAXIMUM_WAIT_OBJECTS];
	int i, k = 0;

	for (i = 0; i < n && k < MAXIMUM_WAIT_OBJECTS; i++)
		if (p[i] != NULL && p[i]->process != NULL)
			h[k++] = p[i]->process;
	if (k == 0)
		Sleep((DWORD)ms);
	else
		(void)WaitForMultipleObjects((DWORD)k, h, FALSE, (DWORD)ms);
}

void
regress_w32_binary_output(void)
{
	(void)_setmode(_fileno(stdout), _O_BINARY);
	(void)_setmode(_fileno(stderr), _O_BINARY);
}

/* c): the signal POSIX would have sent for this exception. */
static LONG WINAPI
crash_filter(EXCEPTION_POINTERS *ep)
{
	DWORD code = ep->ExceptionRecord->ExceptionCode;
	int sig = SIGSEGV;

	if (code == EXCEPTION_INT_DIVIDE_BY_ZERO ||
	    code == EXCEPTION_FLT_DIVIDE_BY_ZERO)
		sig = SIGFPE;
	else if (code == EXCEPTION_ILLEGAL_INSTRUCTION)
		sig = SIGILL;
	fflush(NULL);
	_exit(128 + sig);
}

static void
abort_handler(int sig)
{
	(void)sig;
	fflush(NULL);
	_exit(128 + SIGABRT);
}

void
regress_child_init(void)
{
	WSADATA wsa;

	/* As every Windows program that uses sockets. */
	(void)WSAStartup(MAKEWORD(2, 2), &wsa);
	regress_w32_binary_output();
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX |
	    SEM_NOOPENFILEERRORBOX);
	SetUnhandledExceptionFilter(crash_filter);
	/* (abort() raises SIGABRT before it prints anything.) */
	signal(SIGABRT, abort_handler);
}
