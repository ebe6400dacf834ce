/*
 * log-extra-internal.h -- the logging entry that libevent_core exports on
 * purpose for libevent_extra (DNS, HTTP, RPC, tagging).
 *
 * The extra library uses only the public API of the core library, plus
 * these functions: the log functions libevent 1.4's core exported as well.
 * They route through the callback set with event_set_log_callback()
 * (stderr by default).
 *
 * event_warn()  logs at WARN and appends ": strerror(errno)".
 * event_warnx() logs at WARN.
 * event_msgx()  logs at MSG.
 * event_debug((fmt, ...)) logs at DEBUG while debug logging is on
 * (event_enable_debug_logging(), libevent 2.x; on from the start when
 * built with USE_DEBUG); otherwise its arguments are not evaluated.
 */
#ifndef LOG_EXTRA_INTERNAL_H
#define LOG_EXTRA_INTERNAL_H

/* (mingw-w64: C99's dialect, see _EVUTIL_PRINTF_FMT in evutil.h.) */
#if defined(__MINGW32__)
#define EV_CHECK_FMT(a, b) __attribute__((format(gnu_printf, a, b)))
#define EV_NORETURN __attribute__((noreturn))
#elif defined(__GNUC__)
#define EV_CHECK_FMT(a, b) __attribute__((format(printf, a, b)))
#define EV_NORETURN __attribute__((noreturn))
#else
#define EV_CHECK_FMT(a, b)
#define EV_NORETURN
#endif

void event_warn(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void event_warnx(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void event_msgx(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void _event_debugx(const char *fmt, ...) EV_CHECK_FMT(1, 2);

/* EVENT_DBG_* mask of event_enable_debug_logging() (exported: the extra
 * library logs through it too). */
extern unsigned int event_debug_logging_mask_;

/*
 * The asynchronous lookup of bufferevent_socket_connect_hostname() with an
 * evdns_base: evdns_getaddrinfo() lives in libevent_extra, which the core
 * cannot call, so evdns_base_new() hands it (and its cancel) to the core
 * through these setters.
 */
#include "event2/util.h"	/* evutil_addrinfo is a macro there */
struct evdns_base;
struct evdns_getaddrinfo_request;
typedef struct evdns_getaddrinfo_request *(*evutil_evdns_getaddrinfo_fn_)(
    struct evdns_base *, const char *, const char *,
    const struct evutil_addrinfo *,
    void (*)(int, struct evutil_addrinfo *, void *), void *);
typedef void (*evutil_evdns_getaddrinfo_cancel_fn_)(
    struct evdns_getaddrinfo_request *);
void evutil_set_evdns_getaddrinfo_fn_(evutil_evdns_getaddrinfo_fn_ fn);
void evutil_set_evdns_getaddrinfo_cancel_fn_(
    evutil_evdns_getaddrinfo_cancel_fn_ fn);

#define event_debug(x) do {						\
	if (event_debug_logging_mask_)					\
		_event_debugx x;					\
} while (0)

#endif /* LOG_EXTRA_INTERNAL_H */
