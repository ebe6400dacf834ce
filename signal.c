/*
 * signal.c -- signals delivered through a socketpair.
 *
 * The handler is async-signal-safe: it counts the signal in the receiving
 * base (evsignal_base), sets a flag and writes one byte to the base's
 * socketpair so that a blocked backend wakes up.  After each wait the
 * core (evsel_dispatch() in event.c) calls evsignal_process(), which
 * activates every event on each caught signal with ncalls = the number of
 * deliveries.  Callbacks thus never run inside the handler, and a signal
 * raised from a callback is simply counted for the next iteration.
 *
 * The first event on a signal installs our handler (SA_RESTART, all
 * signals blocked while it runs) and saves the previous disposition; the
 * last event deleted restores it exactly.
 *
 * A backend whose kernel counts signals itself (kqueue's EVFILT_SIGNAL,
 * struct eventop's sig_add) gets no socketpair: the handler we install
 * then does nothing but keep the default action from running, the backend
 * watches the signal and reports deliveries with evsignal_count_().
 *
 * Windows has neither sigaction() nor AF_UNIX pairs: there the handlers
 * are installed with signal() (signal_win32.c, whose notes say what that
 * changes), the handler installs itself again first (a disposition there
 * lasts for one delivery), and the pair is evutil_socketpair()'s loopback
 * TCP pair; the rest is this file.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* (Windows: the pair is nonblocking, which is what the flag asks.) */
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT	0
#endif

struct event_base *evsignal_base = NULL;
volatile sig_atomic_t event_gotsig = 0;
int (*event_sigcb)(void) = NULL;

/* Record n deliveries of sig (also from inside the handler). */
static inline void
evsignal_record(struct event_base *base, int sig, int n)
{
#ifdef __GNUC__
	__atomic_fetch_add(&base->sig.evsigcaught[sig], n, __ATOMIC_SEQ_CST);
#else
	base->sig.evsigcaught[sig] += n;
#endif
	base->sig.evsignal_caught = 1;
}

static void
evsignal_handler(int sig)
{
	int save = errno, wsave = EVUTIL_SOCKET_ERROR();
	struct event_base *base = evsignal_base;

#ifdef _WIN32
	(void)signal(sig, evsignal_handler);	/* signal_win32.c, b) */
#endif
	if (base != NULL && sig > 0 && sig < NSIG) {
		evsignal_record(base, sig, 1);
		if (base->sig.ev_signal_pair[0] >= 0) {
			ssize_t n = send(base->sig.ev_signal_pair[0], "a", 1,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)n;
		}
	}
	EVUTIL_SET_SOCKET_ERROR(wsave);
	errno = save;
}

/* For signals the backend watches: only keeps the default action away. */
static void
evsignal_ignore(int sig)
{
	(void)sig;
}

/* A backend that watches signals itself saw n deliveries of sig. */
void
evsignal_count_(struct event_base *base, int sig, int n)
{
	if (sig > 0 && sig < NSIG && n > 0)
		evsignal_record(base, sig, n);
}

/* Read everything queued on the pair; the bytes carry no information. */
static void
evsignal_drain(struct event_base *base)
{
	char buf[128];
	int fd = base->sig.ev_signal_pair[1];

	if (fd < 0)
		return;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/*
 * The internal event only exists to wake the backend.  It must not drain
 * the pair: a signal raised by a callback that runs before this one has
 * left its byte there, and that byte is what wakes the next wait.  The
 * pair is drained by evsignal_process(), right before the counts are read.
 */
static void
evsignal_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Close both ends (errno is kept) and mark the pair absent. */
static void
close_pair(int pair[2])
{
	int e = errno, we = EVUTIL_SOCKET_ERROR();

	EVUTIL_CLOSESOCKET(pair[0]);
	EVUTIL_CLOSESOCKET(pair[1]);
	pair[0] = pair[1] = -1;
	EVUTIL_SET_SOCKET_ERROR(we);
	errno = e;
}

static int
make_pair(int pair[2])
{
	int i;

	if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (evutil_make_socket_nonblocking(pair[i]) == -1 ||
		    evutil_closeonexec_(pair[i]) == -1) {
			close_pair(pair);
			return -1;
		}
	}
	return 0;
}

/* Drop the internal event and close the pair, if there is one. */
static void
evsignal_drop_pair(struct evsignal_info *sig)
{
	if (sig->ev_signal_added) {
		(void)event_del(&sig->ev_signal);
		sig->ev_signal_added = 0;
	}
	if (sig->ev_signal_pair[0] >= 0)
		close_pair(sig->ev_signal_pair);
}

/* Create the pair and insert its internal read event.  0 or -1. */
int
evsignal_init(struct event_base *base)
{
	struct evsignal_info *sig = &base->sig;

	if (sig->ev_signal_pair[0] >= 0)
		return 0;
	if (make_pair(sig->ev_signal_pair) == -1) {
		event_warn("evsignal_init: socketpair");
		return -1;
	}
	event_set(&sig->ev_signal, sig->ev_signal_pair[1],
	    EV_READ | EV_PERSIST, evsignal_cb, base);
	sig->ev_signal.ev_base = base;
	sig->ev_signal.ev_pri = 0;
	sig->ev_signal.ev_flags |= EVLIST_INTERNAL;
	if (event_add(&sig->ev_signal, NULL) == -1) {
		close_pair(sig->ev_signal_pair);
		return -1;
	}
	sig->ev_signal_added = 1;
	return 0;
}

#ifndef _WIN32	/* (Windows: signal_win32.c) */
int
_evsignal_set_handler(struct event_base *base, int evsignal,
    void (*fn)(int))
{
	struct evsignal_info *sig = &base->sig;
	struct sigaction sa, *old;

	old = mm_malloc(sizeof(*old));
	if (old == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(evsignal, &sa, old) == -1) {
		int e = errno;
		mm_free(old);
		errno = e;
		return -1;
	}
	mm_free(sig->sh_old[evsignal]);
	sig->sh_old[evsignal] = old;
	return 0;
}

int
_evsignal_restore_handler(struct event_base *base, int evsignal)
{
	struct evsignal_info *sig = &base->sig;
	struct sigaction *old = sig->sh_old[evsignal];
	int res = 0;

	if (old == NULL)
		return 0;
	sig->sh_old[evsignal] = NULL;
	if (sigaction(evsignal, old, NULL) == -1) {
		event_warn("sigaction(%d)", evsignal);
		res = -1;
	}
	mm_free(old);
	return res;
}
#endif /* !_WIN32 */

/* First event on evsignal with a backend that watches signals. */
static int
evsignal_add_watched(struct event_base *base, int evsignal)
{
	int e;

	if (_evsignal_set_handler(base, evsignal, evsignal_ignore) == -1) {
		event_warn("sigaction(%d)", evsignal);
		return -1;
	}
	if (evsel_sig_add_(base, evsignal) == 0)
		return 0;
	e = errno;
	event_warn("%s: cannot watch signal %d", base->evsel->name, evsignal);
	(void)_evsignal_restore_handler(base, evsignal);
	errno = e;
	return -1;
}

/*
 * Register a signal event (flags and counts are the caller's business).
 * All that can fail happens before the event is linked.  0 or -1.
 */
int
(evsignal_add)(struct event *ev)
{
	struct event_base *base = ev->ev_base;
	struct evsignal_info *sig = &base->sig;
	int evsignal = ev->ev_fd;
	int first;

	if (evsignal <= 0 || evsignal >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	first = TAILQ_EMPTY(&sig->evsigevents[evsignal]);
	if (base->evsel->sig_add != NULL) {
		if (first && evsignal_add_watched(base, evsignal) == -1)
			return -1;
	} else {
		if (evsignal_init(base) == -1)
			return -1;
		if (first && _evsignal_set_handler(base, evsignal,
		    evsignal_handler) == -1) {
			event_warn("sigaction(%d)", evsignal);
			return -1;
		}
		evsignal_base = base;
	}
	TAILQ_INSERT_TAIL(&sig->evsigevents[evsignal], ev, ev_signal_next);
	sig->nsigevents++;
	return 0;
}

int
(evsignal_del)(struct event *ev)
{
	struct event_base *base = ev->ev_base;
	struct evsignal_info *sig = &base->sig;
	int evsignal = ev->ev_fd;

	TAILQ_REMOVE(&sig->evsigevents[evsignal], ev, ev_signal_next);
	sig->nsigevents--;
	if (!TAILQ_EMPTY(&sig->evsigevents[evsignal]))
		return 0;
	if (base->evsel->sig_del != NULL)
		(void)evsel_sig_del_(base, evsignal);
	return _evsignal_restore_handler(base, evsignal);
}

/* Activate the events of every caught signal; run after each wait. */
void
evsignal_process(struct event_base *base)
{
	struct evsignal_info *sig = &base->sig;
	struct event *ev, *next;
	int i;

	sig->evsignal_caught = 0;
	evsignal_drain(base);
	for (i = 1; i < NSIG; i++) {
		sig_atomic_t ncalls;

		if (sig->evsigcaught[i] == 0)
			continue;
#ifdef __GNUC__
		ncalls = __atomic_exchange_n(&sig->evsigcaught[i], 0,
		    __ATOMIC_SEQ_CST);
#else
		ncalls = sig->evsigcaught[i];
		sig->evsigcaught[i] = 0;
#endif
		if (ncalls > SHRT_MAX)
			ncalls = SHRT_MAX;
		for (ev = TAILQ_FIRST(&sig->evsigevents[i]); ev; ev = next) {
			next = TAILQ_NEXT(ev, ev_signal_next);
			if (!(ev->ev_events & EV_PERSIST))
				(void)event_del_nolock_(ev);
			event_active_nolock_(ev, EV_SIGNAL, (short)ncalls);
		}
	}
}

/* Restore handlers, drop the internal event, close the pair. */
void
evsignal_dealloc(struct event_base *base)
{
	int i;

	if (evsignal_base == base)
		evsignal_base = NULL;
	for (i = 1; i < NSIG; i++)
		(void)_evsignal_restore_handler(base, i);
	evsignal_drop_pair(&base->sig);
}

/*
 * After fork: the pair is shared with the parent; make a new one.  A
 * backend that watches signals was rebuilt: it watches them again.
 */
int
evsignal_reinit_(struct event_base *base)
{
	struct evsignal_info *sig = &base->sig;
	int i, res = 0;

	if (base->evsel->sig_add != NULL) {
		for (i = 1; i < NSIG; i++) {
			if (TAILQ_EMPTY(&sig->evsigevents[i]) ||
			    evsel_sig_add_(base, i) == 0)
				continue;
			event_warn("%s: cannot watch signal %d",
			    base->evsel->name, i);
			res = -1;
		}
		return res;
	}
	if (sig->ev_signal_pair[0] < 0)
		return 0;
	evsignal_drop_pair(sig);
	return evsignal_init(base);
}
