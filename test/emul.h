/*
 * emul.h -- our Linux emulations of kqueue(2) and Solaris /dev/poll.
 *
 * They exist only to run kqueue.c and devpoll.c, compiled unchanged, in
 * `make check` on a system that has neither kernel interface.  Parts:
 *
 *   test/emul/sys/event.h    the <sys/event.h> kqueue.c includes
 *   test/emul/sys/devpoll.h  the <sys/devpoll.h> devpoll.c includes; it
 *                            routes open/write/ioctl to emul_devpoll_*()
 *   test/emul_kqueue.c       kqueue() and kevent() on poll(2)
 *   test/emul_devpoll.c      /dev/poll sets on poll(2)
 *   test/emul_sys.c          what a kernel does for every program: close(),
 *                            dup2() and dup3() drop kqueue registrations,
 *                            signal deliveries are observed without
 *                            changing what the dispositions do, fork()
 *                            leaves the child without kqueues
 *
 * The emulations are strict where the real kernels are (see
 * shared/api/backends.md 4); what they cannot show is listed in
 * docs/DESIGN.md.  They are single-threaded, like the test programs.
 * Everything here is test code: none of it is in the installed library.
 */
#ifndef EMUL_H
#define EMUL_H

#include <signal.h>
#include <stdint.h>

/* ---- emul_sys.c ---- */

/* Once per process: register the fork handler.  The emulations call it
 * when they create their first object. */
void emul_sys_init_(void);
/* The C library's close(), past our interposition. */
int emul_real_close_(int fd);
/* A descriptor to stand for an emulated object (an open /dev/null), so
 * that the number is really taken and close() frees it.  -1/errno. */
int emul_handle_fd_(void);

/*
 * Count deliveries of sig for an EVFILT_SIGNAL knote.  The first watcher
 * installs a trampoline that counts, wakes a waiting kevent() and then does
 * exactly what the program's disposition says (SIG_DFL still kills, a
 * handler still runs); the program's sigaction() and signal() see and set
 * that disposition, never the trampoline.  0, or an errno value.
 */
int emul_sig_watch_(int sig);
void emul_sig_unwatch_(int sig);
/* Deliveries of sig counted since the process started. */
uint64_t emul_sig_count_(int sig);
/* Read end of the pipe a delivery writes to (-1 if nothing is watched),
 * and a way to empty it. */
int emul_sig_wake_fd_(void);
/* Its write end: the runner's fd-leak check counts neither end (a real
 * kernel needs no descriptor to deliver a signal to a kqueue). */
int emul_sig_wake_wfd_(void);
void emul_sig_drain_(void);

/* ---- emul_kqueue.c ---- */

/* fd stops naming its file (close, dup2 over it): drop its knotes in
 * every queue; if fd is a queue, the queue goes away. */
void emul_kqueue_fd_closed_(int fd);
/* In a forked child: no queue survives, their numbers are free. */
void emul_kqueue_forked_(void);

/* Test knobs.  Current xnu ORs EV_ERROR into a failed change's flags,
 * FreeBSD replaces them: 1 selects the xnu style. */
void emul_kqueue_error_or(int on);
/* EV_ADD of a READ or WRITE knote on fd fails with err (macOS refuses
 * ttys and devices with EINVAL); fd -1 ends it. */
void emul_kqueue_refuse_fd(int fd, int err);
/* EV_ADD on any pipe or FIFO fails with EINVAL: a kqueue that does not
 * work on pipes, as on old macOS releases. */
void emul_kqueue_refuse_pipes(int on);
/* kevent() calls made so far. */
extern unsigned long emul_kevent_calls;
/* In the newest queue: is (fd, filter) registered?  1 or 0; -1: no queue. */
int emul_kqueue_knote_(int fd, int filter);

/* ---- emul_devpoll.c ---- */

void emul_devpoll_fd_closed_(int fd);
/* write()s and ioctl()s made on /dev/poll sets so far. */
extern unsigned long emul_devpoll_writes;
extern unsigned long emul_devpoll_ioctls;
/* The newest set's interest in fd (Solaris bits); -1: not in it. */
int emul_devpoll_interest_(int fd);

#endif /* EMUL_H */
