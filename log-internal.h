/*
 * log-internal.h -- the core library's logging (see log-extra-internal.h
 * for the functions the extra library may use as well).
 *
 * event_err()/event_errx() log at ERR and exit(eval): only for states that
 * cannot happen; runtime failures return -1 instead.
 */
#ifndef LOG_INTERNAL_H
#define LOG_INTERNAL_H

#include "log-extra-internal.h"

void event_err(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;
void event_errx(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;

#endif /* LOG_INTERNAL_H */
