/*
 * regress_util.c -- helpers shared by the test areas; see regress_util.h
 * for what each one promises.
 */
#include "config.h"

/* open() is defined below: no inline fortify wrapper for it. */
#undef _FORTIFY_SOURCE

#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "regress.h"
#include "regress_util.h"

/* ------------------------------------------------------------------ */
/* Sockets */

void
regress_socketpair(int fds[2])
{
	tt_int_op(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(fds[0]), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(fds[1]), ==, 0);
}

void
regress_loopback_in(struct sockaddr_in *sin, unsigned short port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(port);
}

socklen_t
regress_loopback_addr(int family, unsigned short port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	regress_loopback_in((struct sockaddr_in *)ss, port);
	return sizeof(struct sockaddr_in);
}

/* The port a socket is bound to. */
static unsigned short
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	tt_int_op(getsockname(fd, (struct sockaddr *)&ss, &len), ==, 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int
regress_listen_loopback(int family, unsigned short *port)
{
	int fd = regress_listen_loopback_port(family, 0);

	if (fd != -1)
		*port = bound_port(fd);
	return fd;
}

int
regress_listen_loopback_port(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = regress_loopback_addr(family, port, &ss);
	int fd, on = 1, e;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 1024) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
regress_connect_loopback(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = regress_loopback_addr(family, port, &ss);
	int fd;

	fd = socket(family, SOCK_STREAM, 0);
	tt_assert(fd >= 0);
	tt_int_op(connect(fd, (struct sockaddr *)&ss, len), ==, 0);
	return fd;
}

int
regress_loopback_accepts(unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = regress_loopback_addr(AF_INET, port, &ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0), r;

	tt_assert(fd >= 0);
	r = connect(fd, (struct sockaddr *)&ss, len);
	EVUTIL_CLOSESOCKET(fd);
	return r == 0;
}

int
regress_sockopt(int fd, int level, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);

	tt_int_op(getsockopt(fd, level, name, &v, &len), ==, 0);
	return v;
}

void
regress_tcp_pair(int fds[2])
{
	unsigned short port;
	int lfd, one = 1;

	lfd = regress_listen_loopback(AF_INET, &port);
	tt_assert(lfd >= 0);
	fds[0] = regress_connect_loopback(AF_INET, port);
	fds[1] = accept(lfd, NULL, NULL);
	tt_assert(fds[1] >= 0);
	close(lfd);
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tt_int_op(evutil_make_socket_nonblocking(fds[0]), ==, 0);
	tt_int_op(evutil_make_socket_nonblocking(fds[1]), ==, 0);
}

int
regress_udp_loopback(unsigned short *port)
{
	struct sockaddr_storage ss;
	socklen_t len = regress_loopback_addr(AF_INET, 0, &ss);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	tt_assert(fd >= 0);
	tt_int_op(bind(fd, (struct sockaddr *)&ss, len), ==, 0);
	*port = bound_port(fd);
	return fd;
}

unsigned short
regress_unused_port(int family, int socktype)
{
	struct sockaddr_storage ss;
	socklen_t len = regress_loopback_addr(family, 0, &ss);
	unsigned short port;
	int fd = socket(family, socktype, 0);

	tt_assert(fd >= 0);
	tt_int_op(bind(fd, (struct sockaddr *)&ss, len), ==, 0);
	port = bound_port(fd);
	close(fd);
	return port;
}

/* Wait until fd is writable (for a nonblocking fd that said EAGAIN). */
static void
wait_writable(int fd)
{
	fd_set w;
	struct timeval tv;

	FD_ZERO(&w);
	FD_SET(fd, &w);
	tv.tv_sec = (time_t)(5 * regress_slowdown());
	tv.tv_usec = 0;
	tt_int_op(select(fd + 1, NULL, &w, NULL, &tv), ==, 1);
}

void
regress_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_writable(fd);
			continue;
		}
		if (n <= 0)
			regress_fail(__FILE__, __LINE__, "write to fd %d: %s",
			    fd, n < 0 ? strerror(errno) : "wrote nothing");
		p += n;
		len -= (size_t)n;
	}
}

void
regress_write_str(int fd, const char *s)
{
	regress_write_all(fd, s, strlen(s));
}

size_t
regress_drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0)
			total += (size_t)n;
	return total;
}

size_t
regress_fill(int fd)
{
	char junk[4096];
	size_t total = 0;
	ssize_t n;
	int i;

	memset(junk, 'j', sizeof(junk));
	for (i = 0; i < 100000; i++) {
		n = write(fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tt_int_op(errno, ==, EAGAIN);
			return total;
		}
		total += (size_t)n;
	}
	tt_fail("the socket never filled");
	return total;
}

/* ------------------------------------------------------------------ */
/* Event loop */

static struct timeval
to_timeval(double secs)
{
	struct timeval tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	return tv;
}

static void
set_flag_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Has *v reached n (n 0: become nonzero)? */
static int
reached(const volatile int *v, int n)
{
	return n == 0 ? *v != 0 : *v >= n;
}

/* Run the loop until *v reaches n, or secs (scaled) pass. */
static int
run_until_value(struct event_base *base, const volatile int *v, int n,
    double secs)
{
	struct event deadline;
	struct timeval tv = to_timeval(secs * regress_slowdown());
	int expired = 0;

	evtimer_set(&deadline, set_flag_cb, &expired);
	tt_int_op(event_base_set(base, &deadline), ==, 0);
	tt_int_op(evtimer_add(&deadline, &tv), ==, 0);
	while (!reached(v, n) && !expired)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			break;
	evtimer_del(&deadline);
	return reached(v, n);
}

int
regress_run_until(struct event_base *base, const volatile int *flag,
    double secs)
{
	return run_until_value(base, flag, 0, secs);
}

int
regress_run_until_count(struct event_base *base, const volatile int *counter,
    int n, double secs)
{
	return run_until_value(base, counter, n > 0 ? n : 1, secs);
}

void
regress_run_for(struct event_base *base, double secs)
{
	struct timeval tv = to_timeval(secs);

	tt_int_op(event_base_loopexit(base, &tv), ==, 0);
	tt_int_op(event_base_dispatch(base), !=, -1);
}

static void
guard_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	regress_fail(__FILE__, __LINE__, "the loop still ran after %.1f s",
	    *(double *)arg);
}

void
regress_dispatch_guarded(struct event_base *base, double secs)
{
	struct event guard;
	struct timeval tv;

	secs *= regress_slowdown();
	tv = to_timeval(secs);
	evtimer_set(&guard, guard_cb, &secs);
	tt_int_op(event_base_set(base, &guard), ==, 0);
	tt_int_op(evtimer_add(&guard, &tv), ==, 0);
	tt_int_op(event_base_dispatch(base), !=, -1);
	evtimer_del(&guard);
}

static void
nothing_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

void
regress_loop_once(struct event_base *base)
{
	struct event t;
	struct timeval tv = { 0, 10000 };

	evtimer_set(&t, nothing_cb, NULL);
	tt_int_op(event_base_set(base, &t), ==, 0);
	tt_int_op(evtimer_add(&t, &tv), ==, 0);
	tt_int_op(event_base_loop(base, EVLOOP_ONCE), !=, -1);
	evtimer_del(&t);
}

/* ------------------------------------------------------------------ */
/* Processes */

pid_t
regress_fork(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == -1)
		regress_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	return pid;
}

/*
 * Wait for pid at most secs (scaled); meanwhile the loop of base runs in
 * slices of 20 ms, or (base NULL) the process sleeps 5 ms at a time.
 */
static int
wait_child(struct event_base *base, pid_t pid, double secs)
{
	double end = regress_now() + secs * regress_slowdown();
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			regress_fail(__FILE__, __LINE__, "waitpid(%ld): %s",
			    (long)pid, strerror(errno));
		if (regress_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		if (base != NULL)
			regress_run_for(base, 0.02);
		else
			nanosleep(&ts, NULL);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int
regress_wait(pid_t pid, double secs)
{
	return wait_child(NULL, pid, secs);
}

int
regress_run_until_exit(struct event_base *base, pid_t pid, double secs)
{
	return wait_child(base, pid, secs);
}

int
regress_kill_child(pid_t *pid, int sig)
{
	int status;

	if (*pid <= 0)
		return -1;
	kill(*pid, sig);
	status = regress_wait(*pid, 5);
	*pid = -1;
	return status;
}

void
regress_die_with_parent(void)
{
#if defined(__linux__) && defined(PR_SET_PDEATHSIG)
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

#ifdef _WIN32
pid_t
regress_peer(int (*fn)(void *), void *arg)
{
	return regress_w32_peer_thread(fn, arg);
}
#else
pid_t
regress_peer(int (*fn)(void *), void *arg)
{
	pid_t pid = regress_fork();

	if (pid == 0) {
		regress_die_with_parent();
		_exit(fn(arg));
	}
	return pid;
}
#endif

#ifdef _WIN32
/* Windows: CreateProcess (regress_win32.c); waitpid() and kill() know
 * the pids it returns, so the calls above work unchanged. */
pid_t
regress_spawn(char *const argv[], const char *out_path)
{
	return regress_w32_spawn(argv, out_path);
}
#else
/* In the child of regress_spawn: close every fd above 2. */
static void
close_inherited(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close(fd);
}

pid_t
regress_spawn(char *const argv[], const char *out_path)
{
	pid_t pid = regress_fork();
	int nul, out;

	if (pid != 0)
		return pid;
	regress_die_with_parent();
	nul = open("/dev/null", O_RDWR);
	out = out_path == NULL ? nul :
	    open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (nul < 0 || out < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(nul, 2) < 0)
		_exit(127);
	close_inherited();
	execv(argv[0], argv);
	_exit(127);
}
#endif /* _WIN32 */

/* (Windows: PATH is ';'-separated, and programs end in .exe.) */
#ifdef _WIN32
#define PATH_SEP	';'
#define PATH_MORE	""
#define PATH_EXE	".exe"
#else
#define PATH_SEP	':'
#define PATH_MORE	":/usr/sbin:/sbin"
#define PATH_EXE	""
#endif

const char *
regress_find_program(const char *name)
{
	static char path[1024];
	const char *env = getenv("PATH"), *p, *end;
	char dirs[4096];
	size_t n;

	snprintf(dirs, sizeof(dirs), "%s" PATH_MORE,
	    env != NULL ? env : "/usr/bin:/bin");
	for (p = dirs; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, PATH_SEP);
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0)
			continue;
		snprintf(path, sizeof(path), "%.*s/%s" PATH_EXE, (int)n, p,
		    name);
		if (access(path, X_OK) == 0)
			return path;
	}
#ifdef _WIN32	/* (under wine, the Unix system's programs too) */
	return regress_w32_find_unix_program(name);
#else
	return NULL;
#endif
}

void
regress_path_for(const char *prog, const char *path, char *buf, size_t len)
{
#ifdef _WIN32
	regress_w32_path_for(prog, path, buf, len);
#else
	(void)prog;
	snprintf(buf, len, "%s", path);
#endif
}

int
regress_raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want)
		rl.rlim_max = (rlim_t)want;
	rl.rlim_cur = (rlim_t)want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* ------------------------------------------------------------------ */
/* Files */

const char *
regress_srcdir(void)
{
	static char dir[1024];
	const char *env = getenv("srcdir");
	char *slash;

	if (env != NULL && *env != '\0')
		return env;
	/* __FILE__ is "<srcdir>/test/regress_util.c" as the compiler saw
	 * it: strip the last two components. */
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	if ((slash = strrchr(dir, '/')) == NULL)
		return "..";
	*slash = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return ".";
	*slash = '\0';
	return dir;
}

const char *
regress_builddir(void)
{
	const char *env = getenv("builddir");

	return env != NULL && *env != '\0' ? env : ".";
}

void
regress_tmpdir(char *buf, size_t len, const char *prefix)
{
#ifdef _WIN32
	char tmp[MAX_PATH + 1];
	DWORD tl = GetTempPathA(sizeof(tmp), tmp);
	int n = tl > 0 && tl < sizeof(tmp) ?
	    snprintf(buf, len, "%s%s-XXXXXX", tmp, prefix) : -1;
#else
	int n = snprintf(buf, len, "/tmp/%s-XXXXXX", prefix);
#endif

	tt_assert(n > 0 && (size_t)n < len);
	if (mkdtemp(buf) == NULL)
		regress_fail(__FILE__, __LINE__, "mkdtemp(%s): %s", buf,
		    strerror(errno));
}

void
regress_rmtree(const char *path)
{
	char sub[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			regress_rmtree(sub);
		}
		closedir(d);
	}
	if ((S_ISDIR(st.st_mode) ? rmdir(path) : remove(path)) == -1)
		regress_note("could not remove %s: %s", path, strerror(errno));
}

char *
regress_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL, *ns;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((ns = realloc(s, cap + 1)) == NULL) {
				free(s);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			s = ns;
		}
		got = fread(s + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	s[n] = '\0';
	if (len != NULL)
		*len = n;
	return s;
}

#ifdef SYS_openat
static char redirect_from[1024], redirect_to[1024];

int
regress_redirect_open(const char *from, const char *to)
{
	if (from == NULL || to == NULL) {
		redirect_from[0] = '\0';
		return 0;
	}
	if (strlen(from) >= sizeof(redirect_from) ||
	    strlen(to) >= sizeof(redirect_to)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(redirect_to, to, strlen(to) + 1);
	memcpy(redirect_from, from, strlen(from) + 1);
	return 0;
}

/*
 * This definition in the program takes precedence over the C library's
 * open() for the shared libevent too (as regress_fd.c's epoll_ctl
 * does); it makes the system call itself, so it changes nothing but the
 * redirected path.
 */
int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

#ifdef O_TMPFILE
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
#else
	if (flags & O_CREAT) {
#endif
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (redirect_from[0] != '\0' && strcmp(path, redirect_from) == 0)
		path = redirect_to;
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}
#else
int
regress_redirect_open(const char *from, const char *to)
{
	(void)from;
	(void)to;
	errno = ENOSYS;
	return -1;
}
#endif

/* ------------------------------------------------------------------ */
/* Buffers */

struct evbuffer *
regress_buffer_of(const void *data, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	tt_assert(b != NULL);
	if (len > 0)
		tt_int_op(evbuffer_add(b, data, len), ==, 0);
	return b;
}

void
regress_buffer_eq(const char *file, int line, struct evbuffer *buf,
    const void *want, size_t len)
{
	const unsigned char *got = EVBUFFER_DATA(buf), *w = want;
	size_t n = EVBUFFER_LENGTH(buf), i, o = 0;
	char dump[3 * 32 + 4];

	for (i = 0; i < n && i < len && got[i] == w[i]; i++)
		;
	if (i == n && n == len)
		return;
	for (o = 0; o / 3 < n && o / 3 < 32; o += 3)
		snprintf(dump + o, sizeof(dump) - o, "%02x ", got[o / 3]);
	snprintf(dump + o, sizeof(dump) - o, "%s", n > 32 ? "..." : "");
	if (i < n && i < len)
		regress_fail(file, line, "%zu bytes (want %zu), byte %zu is "
		    "%02x, want %02x: %s", n, len, i, got[i], w[i], dump);
	regress_fail(file, line, "%zu bytes, want %zu: %s", n, len, dump);
}

/* ------------------------------------------------------------------ */
/* Randomness */

unsigned int
regress_random(unsigned int *state)
{
	unsigned int x = *state ? *state : 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* ------------------------------------------------------------------ */
/* Open file descriptors */

static int
fd_cmp(const void *a, const void *b)
{
	const struct regress_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* (Windows: the fcntl() of regress_win32.h knows sockets and CRT fds.) */
int
regress_fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

#ifdef _WIN32
/*
 * Windows: the open sockets (the only kind of descriptor the library
 * watches there).  Socket handles are small multiples of 4, and asking
 * each possible one with getsockopt() takes a few milliseconds; CRT fds
 * of files are not listed.
 */
#define W32_MAX_HANDLE	0x10000

int
regress_fds_take(struct regress_fds *s)
{
	struct regress_fd *v;
	size_t cap = 0;
	int h, type, len;

	s->v = NULL;
	s->n = 0;
	for (h = 4; h < W32_MAX_HANDLE; h += 4) {
		len = sizeof(type);
		if (getsockopt((SOCKET)h, SOL_SOCKET, SO_TYPE, (char *)&type,
		    &len) != 0)
			continue;
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = realloc(s->v, cap * sizeof(*v))) == NULL) {
				regress_fds_free(s);
				errno = ENOMEM;
				return -1;
			}
			s->v = v;
		}
		memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
		s->v[s->n++].fd = h;
	}
	return 0;	/* found in ascending order */
}

static void
describe_fd(int fd, char *out, size_t outlen)
{
	(void)fd;
	snprintf(out, outlen, "a socket");
}
#else
static int
fds_add(struct regress_fds *s, size_t *cap, int fd)
{
	struct regress_fd *v;
	struct stat st;

	if (fstat(fd, &st) == -1)
		return 0;	/* not open after all */
	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((v = realloc(s->v, *cap * sizeof(*v))) == NULL)
			return -1;
		s->v = v;
	}
	s->v[s->n].fd = fd;
	s->v[s->n].dev = st.st_dev;
	s->v[s->n].ino = st.st_ino;
	s->n++;
	return 0;
}

/* Without /proc: ask every possible number (up to a sane bound). */
static int
fds_scan(struct regress_fds *s, size_t *cap)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1 && fds_add(s, cap, fd) == -1)
			return -1;
	return 0;
}

int
regress_fds_take(struct regress_fds *s)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd, rc = 0;

	s->v = NULL;
	s->n = 0;
	if ((d = opendir("/proc/self/fd")) == NULL)
		rc = fds_scan(s, &cap);
	else {
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			fd = atoi(de->d_name);
			if (fd != dirfd(d))
				rc = fds_add(s, &cap, fd);
		}
		closedir(d);
	}
	if (rc == -1) {
		regress_fds_free(s);
		return -1;
	}
	qsort(s->v, s->n, sizeof(*s->v), fd_cmp);
	return 0;
}
#endif /* _WIN32 */

static const struct regress_fd *
fds_find(const struct regress_fds *s, int fd)
{
	struct regress_fd key;

	key.fd = fd;
	return s->n == 0 ? NULL :
	    bsearch(&key, s->v, s->n, sizeof(*s->v), fd_cmp);
}

void
regress_fds_drop(struct regress_fds *s, int fd)
{
	const struct regress_fd *f = fds_find(s, fd);
	size_t i;

	if (f == NULL)
		return;
	i = (size_t)(f - s->v);
	memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

#ifndef _WIN32
/* What fd is, for the report: its /proc link, or its kind. */
static void
describe_fd(int fd, char *out, size_t outlen)
{
	char path[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, out, outlen - 1);
	if (n > 0) {
		out[n] = '\0';
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		snprintf(out, outlen, "a socket");
	else if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		snprintf(out, outlen, "a pipe");
	else
		snprintf(out, outlen, "a file");
}
#endif /* !_WIN32 */

int
regress_fds_new(const struct regress_fds *before,
    const struct regress_fds *after, char *out, size_t outlen)
{
	const struct regress_fd *a, *b;
	char what[256];
	size_t i, used = 0;
	int n = 0;

	out[0] = '\0';
	for (i = 0; i < after->n; i++) {
		a = &after->v[i];
		b = fds_find(before, a->fd);
		if (b != NULL && b->dev == a->dev && b->ino == a->ino)
			continue;
		if (n++ >= 8)
			continue;
		describe_fd(a->fd, what, sizeof(what));
		if (used < outlen)
			used += snprintf(out + used, outlen - used, "%s%d (%s)",
			    n > 1 ? ", " : "", a->fd, what);
	}
	if (n > 8 && used < outlen)
		snprintf(out + used, outlen - used, " and %d more", n - 8);
	return n;
}

void
regress_fds_free(struct regress_fds *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
