/*
 * regress_core.h -- what the event-loop case files share: regress_core.c
 * (base, events, loop), regress_timer.c, regress_signal.c and
 * regress_fd.c (fd table, reuse, closed fds, backends).  The helpers are
 * defined in regress_core.c.  Include it after regress.h and event.h.
 */
#ifndef REGRESS_CORE_H
#define REGRESS_CORE_H

#include <signal.h>

struct event_base;

/* Exported by the library, undeclared in headers (as in 1.4). */
extern struct event_base *current_base;
extern int (*event_sigcb)(void);
extern volatile sig_atomic_t event_gotsig;
extern struct event_base *evsignal_base;
extern const char *evutil_getenv(const char *);

/* Milliseconds since t0 (a regress_now() time). */
double core_ms_since(double t0);

/* Upper slack for timing bounds, in ms (scaled by regress_slowdown()). */
double core_slack(double ms);

/* Write one byte ('x') to fd, or fail the case. */
void core_write1(int fd);

/* Callback that counts its calls in the int at arg. */
void core_count_cb(int fd, short what, void *arg);

/* Signal callback that checks it got EV_SIGNAL and counts in the int
 * at arg. */
void core_sig_count_cb(int sig, short what, void *arg);

/*
 * An event with the record of its calls (core_rd_cb): how many, the last
 * `what`, whether it was still pending inside the callback; it reads the
 * byte that made it readable and adds itself again `readd` times.
 */
struct core_rd {
	struct event ev;
	int n;
	short last;
	int pending_in_cb;
	int readd;
};
void core_rd_cb(int fd, short what, void *arg);

/* The order of callbacks (core_order_cb, arg a struct core_order_rec):
 * each appends its id to log[] (at *n) and its time since t0 to at[id]. */
struct core_order_rec {
	int *log;
	int *n;
	int id;
	double t0;
	double due_ms;
	double *at;
};
void core_order_cb(int fd, short what, void *arg);

#endif /* REGRESS_CORE_H */
