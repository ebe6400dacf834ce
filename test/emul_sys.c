/*
 * emul_sys.c -- the process-wide half of the kernel emulations.
 *
 * A real kernel sees every close() and every signal delivery.  To give the
 * emulations the same view, the test programs define close(), dup2(),
 * dup3(), sigaction() and signal() themselves; the dynamic linker binds the
 * program's and the library's calls to these definitions, which do their
 * bookkeeping and then call the C library's functions (found with
 * dlsym(RTLD_NEXT)).  The C library's internal calls are not seen (an
 * fclose() of a FILE whose fd has knotes, for instance); the tests do not
 * rely on any.
 *
 * Signals.  While some knote watches a signal, its real disposition is our
 * trampoline and the program's disposition is kept here ("virtual"); the
 * trampoline counts, writes a byte to the wake pipe, then acts as the
 * virtual disposition says: calls the handler (honouring SA_SIGINFO and
 * SA_RESETHAND), ignores, or for SIG_DFL restores the default and raises
 * the signal again so the process dies (or stops) as it would have.  So a
 * backend that forgot to set a handler is killed in the tests, as on a BSD.
 */
#define _GNU_SOURCE 1

#include "config.h"

#include <sys/types.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul.h"

#ifndef NSIG
#define NSIG 65
#endif

static int (*real_close)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_sigaction)(int, const struct sigaction *,
    struct sigaction *);
static int emul_used;		/* some emulated object was ever created */

static struct sigaction virt[NSIG];	/* the program's dispositions */
static int watchers[NSIG];		/* knotes watching each signal */
static int nwatched;			/* signals with watchers */
static uint64_t counts[NSIG];		/* deliveries seen */
static int wake[2] = { -1, -1 };

static void *
real_symbol(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		static const char msg[] = "emul_sys: dlsym failed\n";
		ssize_t n = write(2, msg, sizeof(msg) - 1);
		(void)n;
		abort();
	}
	return p;
}

static void
resolve(void)
{
	if (real_close != NULL)
		return;
	*(void **)&real_dup2 = real_symbol("dup2");
	*(void **)&real_dup3 = real_symbol("dup3");
	*(void **)&real_sigaction = real_symbol("sigaction");
	*(void **)&real_close = real_symbol("close");
}

int
emul_real_close_(int fd)
{
	resolve();
	return real_close(fd);
}

static void
forget_fd(int fd)
{
	if (!emul_used)
		return;
	emul_kqueue_fd_closed_(fd);
	emul_devpoll_fd_closed_(fd);
}

int
close(int fd)
{
	resolve();
	forget_fd(fd);
	return real_close(fd);
}

int
dup2(int oldfd, int newfd)
{
	int r;

	resolve();
	r = real_dup2(oldfd, newfd);
	if (r != -1 && oldfd != newfd)
		forget_fd(newfd);
	return r;
}

int
dup3(int oldfd, int newfd, int flags)
{
	int r;

	resolve();
	r = real_dup3(oldfd, newfd, flags);
	if (r != -1)
		forget_fd(newfd);
	return r;
}

/* ------------------------------------------------------------------ */
/* Signals */

static int
is_handler(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) ||
	    (sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN);
}

static void trampoline(int sig, siginfo_t *si, void *uc);

/* The real disposition while sig is watched: the trampoline, with the
 * mask and restart behaviour the program asked for. */
static void
install_trampoline(int sig)
{
	const struct sigaction *v = &virt[sig];
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trampoline;
	sa.sa_flags = SA_SIGINFO;
	if (is_handler(v)) {
		sa.sa_mask = v->sa_mask;
		sa.sa_flags |= v->sa_flags & (SA_RESTART | SA_NODEFER |
		    SA_ONSTACK);
	} else {
		sigemptyset(&sa.sa_mask);
		sa.sa_flags |= SA_RESTART;
	}
	sa.sa_flags |= v->sa_flags & (SA_NOCLDSTOP | SA_NOCLDWAIT);
	(void)real_sigaction(sig, &sa, NULL);
}

/* SIG_DFL: let the kernel apply the default action for real. */
static void
default_action(int sig)
{
	struct sigaction dfl;
	sigset_t one, old;

	if (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	    sig == SIGCONT)
		return;			/* default: ignore */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	(void)real_sigaction(sig, &dfl, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	(void)sigprocmask(SIG_UNBLOCK, &one, &old);
	(void)raise(sig);		/* ends here unless it only stops */
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	install_trampoline(sig);
}

static void
trampoline(int sig, siginfo_t *si, void *uc)
{
	int save = errno;
	struct sigaction v;

	__atomic_add_fetch(&counts[sig], 1, __ATOMIC_SEQ_CST);
	if (wake[1] >= 0) {
		ssize_t n = write(wake[1], "s", 1);
		(void)n;
	}
	v = virt[sig];
	if (is_handler(&v) && (v.sa_flags & SA_RESETHAND)) {
		memset(&virt[sig], 0, sizeof(virt[sig]));
		virt[sig].sa_handler = SIG_DFL;
		install_trampoline(sig);
	}
	if (v.sa_flags & SA_SIGINFO)
		v.sa_sigaction(sig, si, uc);
	else if (v.sa_handler == SIG_DFL)
		default_action(sig);
	else if (v.sa_handler != SIG_IGN)
		v.sa_handler(sig);
	errno = save;
}

static void
block_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, old);
}

static int
open_wake_pipe(void)
{
	if (wake[0] >= 0)
		return 0;
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		wake[0] = wake[1] = -1;
		return errno;
	}
	return 0;
}

int
emul_sig_watch_(int sig)
{
	sigset_t old;
	int err = 0;

	if (sig <= 0 || sig >= NSIG)
		return EINVAL;
	resolve();
	block_all(&old);
	if (watchers[sig] == 0 && sig != SIGKILL && sig != SIGSTOP) {
		err = open_wake_pipe();
		if (err == 0 && real_sigaction(sig, NULL, &virt[sig]) == -1)
			err = errno;
		if (err == 0)
			install_trampoline(sig);
	}
	if (err == 0 && watchers[sig]++ == 0)
		nwatched++;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

void
emul_sig_unwatch_(int sig)
{
	sigset_t old;

	if (sig <= 0 || sig >= NSIG || watchers[sig] == 0)
		return;
	block_all(&old);
	if (--watchers[sig] == 0) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)real_sigaction(sig, &virt[sig], NULL);
		if (--nwatched == 0 && wake[0] >= 0) {
			real_close(wake[0]);
			real_close(wake[1]);
			wake[0] = wake[1] = -1;
		}
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

uint64_t
emul_sig_count_(int sig)
{
	if (sig <= 0 || sig >= NSIG)
		return 0;
	return __atomic_load_n(&counts[sig], __ATOMIC_SEQ_CST);
}

int
emul_sig_wake_fd_(void)
{
	return wake[0];
}

int
emul_sig_wake_wfd_(void)
{
	return wake[1];
}

void
emul_sig_drain_(void)
{
	char buf[64];

	if (wake[0] < 0)
		return;
	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
}

/* The program's view of the disposition while the signal is watched. */
int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction copy;
	sigset_t mask;

	resolve();
	if (sig <= 0 || sig >= NSIG || watchers[sig] == 0 ||
	    sig == SIGKILL || sig == SIGSTOP)
		return real_sigaction(sig, act, old);
	if (act != NULL)
		copy = *act;
	block_all(&mask);
	if (old != NULL)
		*old = virt[sig];
	if (act != NULL) {
		virt[sig] = copy;
		install_trampoline(sig);
	}
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	return 0;
}

/* BSD semantics, as glibc's: the handler stays, calls are restarted. */
void
(*signal(int sig, void (*fn)(int)))(int)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) == -1)
		return SIG_ERR;
	return old.sa_handler;
}

/* ------------------------------------------------------------------ */
/* Objects and fork */

static void
forked_child(void)
{
	emul_kqueue_forked_();
}

void
emul_sys_init_(void)
{
	resolve();
	if (!emul_used) {
		emul_used = 1;
		(void)pthread_atfork(NULL, NULL, forked_child);
	}
}

int
emul_handle_fd_(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}
