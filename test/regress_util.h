/*
 * regress_util.h -- helpers shared by the test areas (regress_util.c).
 *
 * Include it after regress.h.  The helpers are for use inside a case
 * (they run in the case's child process).  Unless a comment says
 * otherwise, a helper that cannot do its job fails the case with a
 * tt_*-style message (it does not return), so callers need not check.
 *
 * Groups:
 *   sockets      regress_socketpair, regress_tcp_pair, regress_loopback_addr,
 *                regress_loopback_in, regress_listen_loopback,
 *                regress_listen_loopback_port, regress_connect_loopback,
 *                regress_loopback_accepts,
 *                regress_udp_loopback, regress_unused_port,
 *                regress_write_all, regress_write_str, regress_drain,
 *                regress_fill, regress_sockopt
 *   event loop   regress_run_until, regress_run_until_count,
 *                regress_run_for, regress_dispatch_guarded,
 *                regress_loop_once, REGRESS_LOOP_UNTIL, REGRESS_SPIN_UNTIL
 *   processes    regress_fork, regress_peer, regress_wait,
 *                regress_run_until_exit,
 *                regress_kill_child, regress_spawn, regress_die_with_parent,
 *                regress_find_program, regress_raise_nofile
 *   files        regress_srcdir, regress_builddir, regress_tmpdir,
 *                regress_rmtree, regress_slurp, regress_redirect_open
 *   buffers      regress_buffer_of, tt_buffer_eq
 *   randomness   regress_random
 *   fds          regress_fd_is_open, regress_fds_* (the runner's fd-leak
 *                check)
 *
 * Time limits given in seconds are scaled by regress_slowdown(), so the
 * same case passes under valgrind: pass what the machine should need.
 */
#ifndef REGRESS_UTIL_H
#define REGRESS_UTIL_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

struct event_base;
struct evbuffer;
struct sockaddr_in;

/* ------------------------------------------------------------------ */
/* Sockets */

/* A nonblocking AF_UNIX stream socketpair (what RT_PAIR sets up). */
void regress_socketpair(int fds[2]);

/* The loopback address of family (AF_INET: 127.0.0.1, AF_INET6: ::1)
 * with port, in *ss; its length, for bind, connect or sendto. */
socklen_t regress_loopback_addr(int family, unsigned short port,
    struct sockaddr_storage *ss);

/*
 * A connected loopback TCP pair: fds[0] the client end, fds[1] the
 * accepted one.  Both nonblocking; TCP_NODELAY on the client.  The
 * listening socket is closed again.
 */
void regress_tcp_pair(int fds[2]);

/* 127.0.0.1:port in *sin (the rest zeroed). */
void regress_loopback_in(struct sockaddr_in *sin, unsigned short port);

/*
 * A blocking TCP socket listening on the loopback address of family
 * (AF_INET: 127.0.0.1, AF_INET6: ::1) on a free port, with SO_REUSEADDR
 * and a backlog of 1024; its port in *port.  Returns -1 with errno set
 * (the case goes on) when the family cannot be used here, so a case can
 * skip IPv6 on machines without it.
 */
int regress_listen_loopback(int family, unsigned short *port);

/* The same on the given port (a server that must come back on a port it
 * had, or share one with a UDP socket); -1 with errno set if it cannot
 * be bound now. */
int regress_listen_loopback_port(int family, unsigned short port);

/* A blocking TCP socket connected to loopback:port of family. */
int regress_connect_loopback(int family, unsigned short port);
/* Does something accept connections on 127.0.0.1:port?  1 or 0. */
int regress_loopback_accepts(unsigned short port);

/* A UDP socket bound to 127.0.0.1 on a free port; its port in *port. */
int regress_udp_loopback(unsigned short *port);

/*
 * A loopback port of family (AF_INET: 127.0.0.1, AF_INET6: ::1) on which
 * no socket of socktype (SOCK_STREAM, SOCK_DGRAM) is bound right now: for
 * a server that is to bind it itself (evhttp_bind_socket, nginx), or for
 * a peer that must find nobody there (a refused connect, an unreachable
 * nameserver).  Another process may take it meanwhile: a case that binds
 * it skips or retries when that fails.
 */
unsigned short regress_unused_port(int family, int socktype);

/* The int value of a socket option (getsockopt). */
int regress_sockopt(int fd, int level, int name);

/* Write all of data to fd, retrying short writes, EINTR and EAGAIN. */
void regress_write_all(int fd, const void *data, size_t len);

/* regress_write_all of the string s, without its NUL. */
void regress_write_str(int fd, const char *s);

/* Read and discard what fd holds until it would block or ends (EOF);
 * the number of bytes read. */
size_t regress_drain(int fd);

/* Write to the nonblocking fd until it would block; the bytes written.
 * Fails the case on an error other than EAGAIN or if it never fills. */
size_t regress_fill(int fd);

/* ------------------------------------------------------------------ */
/* Event loop */

/*
 * Run the loop of base until *flag is nonzero or secs (scaled) pass;
 * returns 1 if the flag was set, 0 on timeout (the caller asserts what it
 * needs).  A timer of its own wakes the loop at the deadline, so this
 * works even with no other event pending.
 */
int regress_run_until(struct event_base *base, const volatile int *flag,
    double secs);

/* The same until *counter is at least n (for "one more reply than
 * before": pass the old count + 1). */
int regress_run_until_count(struct event_base *base,
    const volatile int *counter, int n, double secs);

/* Run the loop of base for secs (not scaled: the time things may take
 * to happen, not a limit), then return. */
void regress_run_for(struct event_base *base, double secs);

/*
 * event_base_dispatch(base) until the loop ends by itself (a callback's
 * loopexit, or no events left); fails the case if that takes more than
 * secs (scaled).
 */
void regress_dispatch_guarded(struct event_base *base, double secs);

/* One pass of the loop (EVLOOP_ONCE), waking after 10 ms at the latest
 * even with nothing pending. */
void regress_loop_once(struct event_base *base);

/* Run the loop a pass at a time until cond holds; fails the case after
 * 5 s (scaled). */
#define REGRESS_LOOP_UNTIL(base, cond) do {				\
	double lu_end_ = regress_now() + 5 * regress_slowdown();	\
	while (!(cond)) {						\
		if (regress_now() > lu_end_)				\
			tt_fail("timed out waiting for " #cond);	\
		regress_loop_once(base);				\
	}								\
} while (0)

/* Turn the loop without blocking until cond holds, at most 100 times;
 * fails the case if it never does. */
#define REGRESS_SPIN_UNTIL(base, cond) do {				\
	int spin_;							\
	for (spin_ = 0; spin_ < 100 && !(cond); spin_++)		\
		event_base_loop((base), EVLOOP_NONBLOCK);		\
	tt_assert(cond);						\
} while (0)

/* ------------------------------------------------------------------ */
/* Processes */

/* fork() after flushing stdio (so buffered output is not written
 * twice); fails the case if fork fails.  0 in the child. */
pid_t regress_fork(void);

/*
 * Wait for the child pid at most secs (scaled).  Returns its exit status
 * (0-255), 128 + the signal that killed it, or -1 if it was still running
 * at the deadline (it is then killed with SIGKILL and reaped).
 */
int regress_wait(pid_t pid, double secs);

/*
 * regress_wait for a child that talks to servers of this process: the
 * loop of base runs (in slices of 20 ms) while the child does, so that
 * they can answer it.  The same return values.
 */
int regress_run_until_exit(struct event_base *base, pid_t pid, double secs);

/*
 * A helper peer (a client or a misbehaving server that needs no more
 * than its own sockets): fn(arg) in a forked child that dies with the
 * case and exits with fn's return value (0-127).  Windows has no fork():
 * there fn runs in a thread of the case, its return value the "exit
 * status".  Either way regress_wait() and regress_run_until_exit() wait
 * for the pid returned.  fn must not touch the case's base or globals
 * the case reads before the wait, and the case closes the sockets it
 * handed to fn only after the wait (a thread shares them).
 */
pid_t regress_peer(int (*fn)(void *), void *arg);

/*
 * Stop the helper child *pid (nothing if *pid is not > 0): send it sig,
 * reap it (with SIGKILL if it still runs after 5 s, scaled) and set *pid
 * to -1.  Its status as regress_wait returns it; -1 if there was none.
 */
int regress_kill_child(pid_t *pid, int sig);

/*
 * In a forked child: be killed (SIGKILL) as soon as the parent ends,
 * where the system offers it (Linux's PR_SET_PDEATHSIG; elsewhere the
 * runner's kill of the case's process group still ends it).
 */
void regress_die_with_parent(void);

/*
 * Start a helper program (curl, nginx, dnsmasq, a sample): argv[0] is its
 * path, argv its arguments, NULL-terminated.  The child dies with the case
 * (regress_die_with_parent) and closes the case's fds above 2 before the
 * exec, so that the program cannot keep a socket of the case open (the
 * child holds them for that instant after the fork).  The program reads
 * /dev/null and writes its stderr to /dev/null, its stdout to out_path
 * (created or truncated) or /dev/null.  Returns its pid; exit status 127
 * if it could not be run.
 */
pid_t regress_spawn(char *const argv[], const char *out_path);

/* The path of the program name (searched in $PATH, then /usr/sbin and
 * /sbin; under wine then the Unix system's), or NULL if it is not
 * installed: the case should skip. */
const char *regress_find_program(const char *name);

/* path (of a file of the case) in buf as the program prog sees it: the
 * same, except for a Unix program under wine (its arguments get this
 * by themselves; a file it reads needs it). */
void regress_path_for(const char *prog, const char *path, char *buf,
    size_t len);

/* Make the soft RLIMIT_NOFILE at least want (raising the hard limit too
 * if allowed); 0, or -1 if not possible here (the case should skip). */
int regress_raise_nofile(long want);

/* ------------------------------------------------------------------ */
/* Files */

/* The source tree: $srcdir (set by make check), else derived from this
 * file's path at build time. */
const char *regress_srcdir(void);

/* The build tree: $builddir (set by make check), else ".". */
const char *regress_builddir(void);

/* A new private directory /tmp/<prefix>-XXXXXX; its path in buf. */
void regress_tmpdir(char *buf, size_t len, const char *prefix);

/* Remove path and everything below it (best effort, notes failures). */
void regress_rmtree(const char *path);

/* The whole file at path, NUL-terminated, in memory from malloc (its
 * size in *len if len is not NULL); NULL with errno set if it cannot be
 * read (the case goes on). */
char *regress_slurp(const char *path, size_t *len);

/*
 * From now on, an open() of exactly the path `from` (by the library or
 * the case) opens `to` instead, so a case can hand the library its own
 * copy of a file whose name is built in (evdns_init's /etc/resolv.conf).
 * regress_redirect_open(NULL, NULL) ends it.  Returns 0, or -1 where the
 * test program cannot stand in for open() (the case should skip).
 */
int regress_redirect_open(const char *from, const char *to);

/* ------------------------------------------------------------------ */
/* Buffers */

/* A new evbuffer holding a copy of len bytes of data. */
struct evbuffer *regress_buffer_of(const void *data, size_t len);

/* Fail the case unless buf holds exactly the len bytes of want; the
 * message gives the first difference and a hex dump of what is there. */
#define tt_buffer_eq(buf, want, len) \
	regress_buffer_eq(__FILE__, __LINE__, (buf), (want), (len))
void regress_buffer_eq(const char *file, int line, struct evbuffer *buf,
    const void *want, size_t len);

/* ------------------------------------------------------------------ */
/* Randomness */

/* The next value of a reproducible xorshift32 sequence kept in *state
 * (never 0), which it updates: the same seed gives the same cases. */
unsigned int regress_random(unsigned int *state);

/* ------------------------------------------------------------------ */
/* Open file descriptors (the runner's leak check) */

struct regress_fd {
	int fd;
	dev_t dev;		/* with ino: which file it is, so a number */
	ino_t ino;		/* closed and opened again counts as new */
};

struct regress_fds {
	struct regress_fd *v;	/* sorted by fd */
	size_t n;
};

/* Is fd an open file descriptor? */
int regress_fd_is_open(int fd);

/* List the open fds of this process; 0, or -1 with errno set. */
int regress_fds_take(struct regress_fds *s);

/* Drop fd from the list (if there). */
void regress_fds_drop(struct regress_fds *s, int fd);

/*
 * The fds of after that are not in before (or are other files now),
 * described in out ("7 (socket:[123]), 9 (/tmp/x)", the first eight);
 * returns how many.
 */
int regress_fds_new(const struct regress_fds *before,
    const struct regress_fds *after, char *out, size_t outlen);

void regress_fds_free(struct regress_fds *s);

#endif /* REGRESS_UTIL_H */
