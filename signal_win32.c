/*
 * signal_win32.c -- signals on Windows, through the C library's signal().
 *
 * The same contract as signal.c: the handler only counts the signal in
 * the receiving base (evsignal_base) and wakes the loop, and the loop
 * (evsel_dispatch() in event.c) runs the events with evsignal_process().
 *
 * Notes (shared/api/backends.md 3.3):
 *  a) Windows knows SIGINT, SIGILL, SIGFPE, SIGSEGV, SIGTERM, SIGBREAK and
 *     SIGABRT; signal() refuses any other number (EINVAL), and so does
 *     signal_add().  There is no sigaction(), no mask and no kill() of
 *     another process; raise() delivers synchronously on its own thread.
 *  b) Handlers are one-shot: the disposition is back to SIG_DFL before
 *     the handler runs (except for SIGFPE).  Ours installs itself again
 *     first thing; a second delivery that comes before that takes the
 *     default action (for SIGINT: the process ends).
 *  c) Console Ctrl+C and Ctrl+Break (SIGINT, SIGBREAK) run the handler on
 *     a thread Windows creates, while the loop may be blocked in select().
 *     The handler wakes it with one byte sent on a loopback socketpair
 *     (evutil_socketpair()) whose read end is an internal event of the
 *     base, as signal.c does with its AF_UNIX pair.
 *  d) The pair is made when the first signal event is added, so a program
 *     without signal events pays for no sockets.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "evutil-internal.h"
#include "log-internal.h"

struct event_base *evsignal_base = NULL;
volatile sig_atomic_t event_gotsig = 0;
int (*event_sigcb)(void) = NULL;

/* Record n deliveries of sig (also from inside the handler's thread). */
static inline void
evsignal_record(struct event_base *base, int sig, int n)
{
	__atomic_fetch_add(&base->sig.evsigcaught[sig], n, __ATOMIC_SEQ_CST);
	base->sig.evsignal_caught = 1;
}

static void
evsignal_handler(int sig)
{
	int save = errno, wsave = WSAGetLastError();
	struct event_base *base = evsignal_base;

	(void)signal(sig, evsignal_handler);	/* b) */
	if (base != NULL && sig > 0 && sig < NSIG) {
		evsignal_record(base, sig, 1);
		if (base->sig.ev_signal_pair[0] != -1)
			(void)send((SOCKET)base->sig.ev_signal_pair[0], "a", 1,
			    0);
	}
	WSASetLastError(wsave);
	errno = save;
}

/* A backend that watches signals itself saw n deliveries of sig (no
 * Windows backend does; kept for the same exported interface). */
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

	if (fd == -1)
		return;
	while (recv((SOCKET)fd, buf, sizeof(buf), 0) > 0)
		;
}

/* Only wakes the backend; evsignal_process() drains (see signal.c). */
static void
evsignal_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Close both ends (the socket error is kept) and mark the pair absent. */
static void
close_pair(int pair[2])
{
	int e = WSAGetLastError();

	EVUTIL_CLOSESOCKET(pair[0]);
	EVUTIL_CLOSESOCKET(pair[1]);
	pair[0] = pair[1] = -1;
	WSASetLastError(e);
}

static int
make_pair(int pair[2])
{
	int i;

	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, pair) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (evutil_make_socket_nonblocking(pair[i]) == -1) {
			close_pair(pair);
			return -1;
		}
		evutil_closeonexec_(pair[i]);
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
	if (sig->ev_signal_pair[0] != -1)
		close_pair(sig->ev_signal_pair);
}

/* Create the pair and insert its internal read event.  0 or -1. */
int
evsignal_init(struct event_base *base)
{
	struct evsignal_info *sig = &base->sig;

	if (sig->ev_signal_pair[0] != -1)
		return 0;
	if (make_pair(sig->ev_signal_pair) == -1) {
		event_warnx("evsignal_init: socketpair: Winsock error %d",
		    EVUTIL_SOCKET_ERROR());
		errno = EMFILE;
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

/* Install fn for evsignal, keeping the first handler it replaces.  0, or
 * -1 with errno = EINVAL for a signal Windows does not have (a). */
int
_evsignal_set_handler(struct event_base *base, int evsignal,
    void (*fn)(int))
{
	struct evsignal_info *sig = &base->sig;
	void (*old)(int);

	if (evsignal <= 0 || evsignal >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	old = signal(evsignal, fn);
	if (old == SIG_ERR) {
		errno = EINVAL;
		return -1;
	}
	if (!sig->sh_saved[evsignal]) {
		sig->sh_old[evsignal] = old;
		sig->sh_saved[evsignal] = 1;
	}
	return 0;
}

int
_evsignal_restore_handler(struct event_base *base, int evsignal)
{
	struct evsignal_info *sig = &base->sig;

	if (evsignal <= 0 || evsignal >= NSIG || !sig->sh_saved[evsignal])
		return 0;
	sig->sh_saved[evsignal] = 0;
	if (signal(evsignal, sig->sh_old[evsignal]) == SIG_ERR) {
		event_warn("signal(%d)", evsignal);
		return -1;
	}
	return 0;
}

/*
 * Register a signal event (flags and counts are the caller's business).
 * All that can fail happens before the event is linked.  0, or -1 with
 * errno (EINVAL: not a signal of Windows).
 */
int
evsignal_add(struct event *ev)
{
	struct event_base *base = ev->ev_base;
	struct evsignal_info *sig = &base->sig;
	int evsignal = ev->ev_fd;

	if (evsignal <= 0 || evsignal >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (TAILQ_EMPTY(&sig->evsigevents[evsignal])) {
		/* The handler first: it fails for signals Windows lacks,
		 * which then cost no sockets. */
		if (_evsignal_set_handler(base, evsignal,
		    evsignal_handler) == -1) {
			event_warn("signal(%d)", evsignal);
			return -1;
		}
		if (evsignal_init(base) == -1) {
			int e = errno;

			(void)_evsignal_restore_handler(base, evsignal);
			errno = e;
			return -1;
		}
	} else if (evsignal_init(base) == -1) {
		return -1;
	}
	evsignal_base = base;
	TAILQ_INSERT_TAIL(&sig->evsigevents[evsignal], ev, ev_signal_next);
	sig->nsigevents++;
	return 0;
}

int
evsignal_del(struct event *ev)
{
	struct event_base *base = ev->ev_base;
	struct evsignal_info *sig = &base->sig;
	int evsignal = ev->ev_fd;

	TAILQ_REMOVE(&sig->evsigevents[evsignal], ev, ev_signal_next);
	sig->nsigevents--;
	if (!TAILQ_EMPTY(&sig->evsigevents[evsignal]))
		return 0;
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
		ncalls = __atomic_exchange_n(&sig->evsigcaught[i], 0,
		    __ATOMIC_SEQ_CST);
		if (ncalls > SHRT_MAX)
			ncalls = SHRT_MAX;
		for (ev = TAILQ_FIRST(&sig->evsigevents[i]); ev; ev = next) {
			next = TAILQ_NEXT(ev, ev_signal_next);
			if (!(ev->ev_events & EV_PERSIST))
				(void)event_del(ev);
			event_active(ev, EV_SIGNAL, (short)ncalls);
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

/* Only event_reinit() calls this, and on Windows it refuses first (there
 * is no fork()); nothing is shared with another process. */
int
evsignal_reinit_(struct event_base *base)
{
	(void)base;
	return 0;
}
