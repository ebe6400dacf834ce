/*
 * log.c -- formats the library's messages and hands them to the program's
 * log callback, or writes "[sev] msg" lines to stderr.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event2/event.h"
#include "event.h"
#include "log-internal.h"

static event_log_cb log_fn;
static event_fatal_cb fatal_fn;

#ifdef USE_DEBUG
unsigned int event_debug_logging_mask_ = EVENT_DBG_ALL;
#else
unsigned int event_debug_logging_mask_ = EVENT_DBG_NONE;
#endif

void
event_set_fatal_callback(event_fatal_cb cb)
{
	fatal_fn = cb;
}

/* The end of a fatal error: the program's callback, then exit or abort. */
static void
event_exit(int eval) EV_NORETURN;

static void
event_exit(int eval)
{
	if (fatal_fn != NULL) {
		fatal_fn(eval);
		exit(eval);	/* the callback must not return */
	}
	if (eval == EVENT_ERR_ABORT_)
		abort();
	exit(eval);
}

void
event_set_log_callback(event_log_cb cb)
{
	log_fn = cb;
}

static void
emit(int severity, const char *msg)
{
	const char *tag;

	if (log_fn != NULL) {
		log_fn(severity, msg);
		return;
	}
	switch (severity) {
	case _EVENT_LOG_DEBUG: tag = "debug"; break;
	case _EVENT_LOG_MSG:   tag = "msg";   break;
	case _EVENT_LOG_WARN:  tag = "warn";  break;
	case _EVENT_LOG_ERR:   tag = "err";   break;
	default:               tag = "???";   break;
	}
	(void)fprintf(stderr, "[%s] %s\n", tag, msg);
}

/* Format fmt, append strerror(errnum) when errnum >= 0, and emit. */
static void
log_va(int severity, int errnum, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t len;

	if (fmt != NULL)
		(void)evutil_vsnprintf(buf, sizeof(buf), fmt, ap);
	else
		buf[0] = '\0';
	if (errnum >= 0) {
		len = strlen(buf);
		if (len < sizeof(buf) - 3)
			(void)evutil_snprintf(buf + len, sizeof(buf) - len,
			    ": %s", strerror(errnum));
	}
	emit(severity, buf);
}

void
event_err(int eval, const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_ERR, e, fmt, ap);
	va_end(ap);
	event_exit(eval);
}

void
event_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_WARN, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
event_errx(int eval, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_ERR, -1, fmt, ap);
	va_end(ap);
	event_exit(eval);
}

void
event_warnx(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_WARN, -1, fmt, ap);
	va_end(ap);
	errno = e;
}

void
event_msgx(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_MSG, -1, fmt, ap);
	va_end(ap);
	errno = e;
}

void
_event_debugx(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_va(_EVENT_LOG_DEBUG, -1, fmt, ap);
	va_end(ap);
	errno = e;
}
