/*
 * evsignal-internal.h -- per-base signal state (signal.c).
 *
 * The handler only counts the signal and writes one byte to a socketpair
 * whose read end is an internal event of the base; the loop then runs the
 * signal events outside the handler (signal.c; on Windows the handlers
 * are installed with signal(), signal_win32.c).  Only one base (evsignal_base)
 * receives signals at a time: the last to add a signal event or to enter
 * its loop with signal events registered.
 */
#ifndef EVSIGNAL_INTERNAL_H
#define EVSIGNAL_INTERNAL_H

#include <signal.h>

#include <sys/queue.h>
#include "event.h"

#ifndef NSIG
#define NSIG 65
#endif

struct evsignal_info {
	struct event ev_signal;		/* internal read event on pair[1] */
	int ev_signal_pair[2];		/* [0]: the handler's; -1: none */
	int ev_signal_added;		/* ev_signal is inserted */
	volatile sig_atomic_t evsignal_caught;	/* some signal is pending */
	/* Events per signal (linked by ev_signal_next), deliveries per
	 * signal, saved dispositions (NULL: not ours). */
	struct event_list evsigevents[NSIG];
	volatile sig_atomic_t evsigcaught[NSIG];
#ifdef _WIN32
	/* signal_win32.c: the handlers signal() replaced (valid when
	 * sh_saved[i] is set; SIG_DFL is a null pointer there). */
	void (*sh_old[NSIG])(int);
	unsigned char sh_saved[NSIG];
#else
	struct sigaction *sh_old[NSIG];
#endif
	int nsigevents;			/* signal events inserted */
};

struct event_base;

/*
 * Exported with 1.4's names (they show in nm -D of libevent 1.4).
 * libevent 2.x made evsignal_add()/evsignal_del() public macros for
 * event_add()/event_del(); inside the library the names are ours.
 */
#undef evsignal_add
#undef evsignal_del
int evsignal_init(struct event_base *base);
void evsignal_process(struct event_base *base);
int (evsignal_add)(struct event *ev);
int (evsignal_del)(struct event *ev);
void evsignal_dealloc(struct event_base *base);
int _evsignal_set_handler(struct event_base *base, int evsignal,
    void (*fn)(int));
int _evsignal_restore_handler(struct event_base *base, int evsignal);

/* A backend that watches signals itself (kqueue) saw n deliveries. */
#if defined(__GNUC__) && !defined(_WIN32)
__attribute__((visibility("hidden")))
#endif
void evsignal_count_(struct event_base *base, int sig, int n);

extern struct event_base *evsignal_base;
extern volatile sig_atomic_t event_gotsig;
extern int (*event_sigcb)(void);

#endif /* EVSIGNAL_INTERNAL_H */
