/*
 * log-internal.h -- the core library's logging (see log-extra-internal.h
 * for the functions the extra library may use as well).
 *
 * event_err()/event_errx() log at ERR and end the process: only for states
 * that cannot happen or misuse that debug mode reports; runtime failures
 * return -1 instead.  The program's fatal callback (event_set_fatal_callback)
 * runs first; then exit(eval), or abort() for EVENT_ERR_ABORT_.
 */
#ifndef LOG_INTERNAL_H
#define LOG_INTERNAL_H

#include "log-extra-internal.h"

/* The status of a fatal error that would abort() without a fatal callback
 * (debug-mode and lock-debugging checks), as in libevent 2.x. */
#define EVENT_ERR_ABORT_ ((int)0xdeaddead)

void event_err(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;
void event_errx(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;

#endif /* LOG_INTERNAL_H */
