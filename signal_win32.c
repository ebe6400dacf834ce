/*
 * signal_win32.c -- Windows: installing and restoring signal.c's handler
 * with the C library's signal(), since there is no sigaction().
 *
 * Notes (shared/api/backends.md 3.3):
 *  a) Windows knows SIGINT, SIGILL, SIGFPE, SIGSEGV, SIGTERM, SIGBREAK and
 *     SIGABRT; signal() refuses any other number, and then so does
 *     signal_add() (-1, EINVAL).  There is no mask, no SA_RESTART and no
 *     kill() of another process; raise() delivers synchronously on the
 *     calling thread.
 *  b) Handlers are one-shot: the disposition is back to SIG_DFL before
 *     the handler runs (except for SIGFPE).  signal.c's handler installs
 *     itself again first thing; a second delivery that comes before that
 *     takes the default action (for SIGINT: the process ends).
 *  c) Console Ctrl+C and Ctrl+Break (SIGINT, SIGBREAK) run the handler on
 *     a thread Windows creates, while the loop may be blocked in select():
 *     the byte the handler sends on the base's loopback pair wakes it.
 *  d) The disposition saved is the handler signal() returned; SIG_DFL is
 *     a null pointer, so sh_saved[] says which slots hold one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <errno.h>
#include <signal.h>

#include "event.h"
#include "event-internal.h"
#include "evsignal-internal.h"
#include "log-internal.h"

/* Install fn for evsignal, keeping the first handler it replaces (d).
 * 0, or -1 with errno = EINVAL for a signal Windows does not have (a). */
int
_evsignal_set_handler(struct event_base *base, int evsignal,
    void (*fn)(int))
{
	struct evsignal_info *sig = &base->sig;
	void (*old)(int);

	if (evsignal <= 0 || evsignal >= NSIG ||
	    (old = signal(evsignal, fn)) == SIG_ERR) {
		errno = EINVAL;
		return -1;
	}
	if (!sig->sh_saved[evsignal]) {
		sig->sh_old[evsignal] = old;
		sig->sh_saved[evsignal] = 1;
	}
	return 0;
}

/* Put back the handler _evsignal_set_handler() replaced.  0 or -1. */
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
