/*
 * event.h -- the relevent event loop, buffers and tagging.
 *
 * relevent is a clean-room implementation of the libevent 1.4 API.  Every
 * name, signature, constant and struct layout here matches libevent 1.4.15
 * so that programs written for it compile unchanged; the implementation and
 * this text are our own.
 *
 * The model in one paragraph: a program creates an event_base (or lets
 * event_init() create the default one), initializes a caller-owned struct
 * event with event_set() for an fd, a signal or a pure timer, registers it
 * with event_add() (optionally with a timeout relative to now), and runs
 * event_dispatch().  When the fd becomes ready, the signal arrives or the
 * timeout expires, the callback runs with the fd and the EV_* bits that
 * fired.  Non-persistent events are removed before their callback runs;
 * EV_PERSIST events stay registered.  The library never frees a struct
 * event: the caller owns it and may reuse it after event_del().
 */
#ifndef _EVENT_H_
#define _EVENT_H_

#ifdef __cplusplus
extern "C" {
#endif

#include <event-config.h>
#ifdef _EVENT_HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif
#ifdef _EVENT_HAVE_SYS_TIME_H
#include <sys/time.h>
#endif
#ifdef _EVENT_HAVE_STDINT_H
#include <stdint.h>
#endif
#include <stdarg.h>
/* NULL, size_t and stdio: libevent 2.1's <event.h> brings them, and
 * programs written against it rely on that (memcached 1.6). */
#include <stddef.h>
#include <stdio.h>

#include <evutil.h>

/*
 * struct event, the EVLIST_* bits and struct event_list are shared with
 * the libevent 2.x headers: one layout serves both APIs.  Only the 1.4
 * part of that header is taken here.
 */
#define EVENT_STRUCT_14_ONLY_
#include <event2/event_struct.h>
#undef EVENT_STRUCT_14_ONLY_

/* EVLIST_X_ Private space: 0x1000-0xf000 */
#ifndef EVLIST_ALL
#define EVLIST_ALL	(0xf000 | 0x9f)
#endif

/* What an event waits for, and what its callback receives. */
#define EV_TIMEOUT	0x01
#define EV_READ		0x02
#define EV_WRITE	0x04
#define EV_SIGNAL	0x08
#define EV_PERSIST	0x10	/* stay registered after firing */

#define EVENT_SIGNAL(ev)	(int)(ev)->ev_fd
#define EVENT_FD(ev)		(int)(ev)->ev_fd

/*
 * Key/value lists (HTTP headers, query arguments): struct evkeyval, and
 * struct evkeyvalq, complete only when the system's <sys/queue.h> was
 * included before this header (event2/keyvalq_struct.h, 1.4 part).
 */
#define EVENT_KEYVALQ_14_ONLY_
#include <event2/keyvalq_struct.h>
#undef EVENT_KEYVALQ_14_ONLY_

/*
 * Create the default base and make it current_base, the base used by
 * event_set(), event_dispatch() and the other calls without a base.
 * NULL with errno set when no base can be made (as event_base_new());
 * current_base is then unchanged.  libevent 1.4 exits the process here.
 */
struct event_base *event_init(void);

/*
 * Create a new base without touching the default one.  NULL with errno
 * set when memory runs out (ENOMEM) or no backend starts (ENOSYS when
 * every backend is disabled, else the last backend's error).
 */
struct event_base *event_base_new(void);

/*
 * After fork(), rebuild the backend state of base in the child and
 * re-register every inserted event.  0 on success, -1 if any re-add failed.
 */
int event_reinit(struct event_base *base);

/* Run the default base until no events remain or loopexit/loopbreak. */
int event_dispatch(void);

/* Run the given base until no events remain or loopexit/loopbreak. */
int event_base_dispatch(struct event_base *);

/*
 * The name of the backend the base uses ("epoll", "poll", "select", ...).
 * (<event2/event.h> declares it with a const base; the first seen wins.)
 */
#ifndef EVENT2_EVENT_H_INCLUDED_
const char *event_base_get_method(struct event_base *);
#endif

/*
 * Free a base.  Pending events are deleted (not freed, fds not closed).
 * NULL means the default base; freeing it clears current_base.
 */
void event_base_free(struct event_base *);

#ifndef EVENT2_EVENT_H_INCLUDED_
#define _EVENT_LOG_DEBUG 0
#define _EVENT_LOG_MSG   1
#define _EVENT_LOG_WARN  2
#define _EVENT_LOG_ERR   3
typedef void (*event_log_cb)(int severity, const char *msg);
#endif
/* Send the library's log messages to cb; NULL restores stderr. */
void event_set_log_callback(event_log_cb cb);

/*
 * Attach an initialized event that is not pending to base.  Its priority
 * becomes the base's middle priority.  -1 if the event is added or active.
 */
int event_base_set(struct event_base *, struct event *);

#define EVLOOP_ONCE	0x01	/* block once, run what is active, return */
#define EVLOOP_NONBLOCK	0x02	/* do not block */

/* event_base_loop() on the default base. */
int event_loop(int);

/*
 * Run the loop.  0 after loopexit/loopbreak or a completed EVLOOP_ONCE /
 * EVLOOP_NONBLOCK run, 1 when no events are registered, -1 on error.
 */
int event_base_loop(struct event_base *, int);

/* Make the default base's loop return after the delay (NULL: at once). */
int event_loopexit(const struct timeval *);
int event_base_loopexit(struct event_base *, const struct timeval *);

/* Make the loop return right after the callback now running. */
int event_loopbreak(void);
int event_base_loopbreak(struct event_base *);

#define evtimer_add(ev, tv)		event_add(ev, tv)
#define evtimer_set(ev, cb, arg)	event_set(ev, -1, 0, cb, arg)
#define evtimer_del(ev)			event_del(ev)
#define evtimer_pending(ev, tv)		event_pending(ev, EV_TIMEOUT, tv)
#define evtimer_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

#define timeout_add(ev, tv)		event_add(ev, tv)
#define timeout_set(ev, cb, arg)	event_set(ev, -1, 0, cb, arg)
#define timeout_del(ev)			event_del(ev)
#define timeout_pending(ev, tv)		event_pending(ev, EV_TIMEOUT, tv)
#define timeout_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

#define signal_add(ev, tv)		event_add(ev, tv)
#define signal_set(ev, x, cb, arg)	\
	event_set(ev, x, EV_SIGNAL|EV_PERSIST, cb, arg)
#define signal_del(ev)			event_del(ev)
#define signal_pending(ev, tv)		event_pending(ev, EV_SIGNAL, tv)
#define signal_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

/*
 * Initialize ev for fd (or a signal number with EV_SIGNAL, or -1 for a
 * timer) and the events wanted.  Binds it to current_base.
 */
void event_set(struct event *, int, short, void (*)(int, short, void *),
    void *);

/* Run callback once when fd is ready or the timeout passes (no struct). */
int event_once(int, short, void (*)(int, short, void *), void *,
    const struct timeval *);
int event_base_once(struct event_base *base, int fd, short events,
    void (*callback)(int, short, void *), void *arg,
    const struct timeval *timeout);

/*
 * Make ev pending.  With a timeout, (re)arm it to expire that long from now;
 * NULL leaves any armed timeout alone.  0 or -1.
 */
int event_add(struct event *ev, const struct timeval *timeout);

/* Make ev non-pending and cancel a callback not yet run.  0 or -1. */
int event_del(struct event *);

/* Make ev active as if res had happened, ncalls times. */
void event_active(struct event *, int, short);

/*
 * Which of event (EV_TIMEOUT|EV_READ|EV_WRITE|EV_SIGNAL) ev is pending or
 * active for.  With tv and an armed timer, stores its wall-clock expiry.
 */
#ifndef EVENT2_EVENT_H_INCLUDED_
int event_pending(struct event *ev, short event, struct timeval *tv);
#endif

/* (1.4 on Windows also wanted ev_fd != INVALID_HANDLE_VALUE, which made
 * every timer look uninitialized there; docs/COMPAT.md.) */
#define event_initialized(ev)		((ev)->ev_flags & EVLIST_INIT)

/*
 * "2.1.12-stable", as libevent 2.1's <event.h> reports: this header
 * declares the 1.4.15 API, which 2.1 still provides (the macros of
 * <event-config.h> describe that API: _EVENT_VERSION is "1.4.15").
 */
const char *event_get_version(void);

/* The backend name of the default base. */
const char *event_get_method(void);

/* Priority levels: 0 is most urgent; a new base has one level. */
int event_priority_init(int);
int event_base_priority_init(struct event_base *, int);
int event_priority_set(struct event *, int);

/* ---------------------------------------------------------------- */
/* Buffers                                                          */

/*
 * A growable contiguous byte buffer.  EVBUFFER_DATA() points at off valid
 * bytes; programs may read them in place.
 */
struct evbuffer {
	unsigned char *buffer;		/* first valid byte */
	unsigned char *orig_buffer;	/* start of the allocation */

	size_t misalign;	/* bytes between orig_buffer and buffer */
	size_t totallen;	/* size of the allocation */
	size_t off;		/* valid bytes */

	void (*cb)(struct evbuffer *, size_t, size_t, void *);
	void *cbarg;
};

/*
 * Bits passed to a bufferevent's error callback.  The _DEFINED guards
 * below let this header and the event2/ headers, which declare the same
 * things, be included together in any order.
 */
#ifndef EVBUFFER_READ
#define EVBUFFER_READ		0x01
#define EVBUFFER_WRITE		0x02
#define EVBUFFER_EOF		0x10
#define EVBUFFER_ERROR		0x20
#define EVBUFFER_TIMEOUT	0x40
#endif

struct bufferevent;
#ifndef _EVENT_EVBUFFERCB_DEFINED
#define _EVENT_EVBUFFERCB_DEFINED
typedef void (*evbuffercb)(struct bufferevent *, void *);
typedef void (*everrorcb)(struct bufferevent *, short what, void *);
#endif

#ifndef _EVENT_WATERMARK_DEFINED
#define _EVENT_WATERMARK_DEFINED
struct event_watermark {
	size_t low;
	size_t high;
};
#endif

#if !defined(EVENT_NO_STRUCT) && !defined(_EVENT_BUFFEREVENT_STRUCT_DEFINED)
#define _EVENT_BUFFEREVENT_STRUCT_DEFINED
/* Buffered I/O on one fd: input and output evbuffers plus callbacks. */
struct bufferevent {
	struct event_base *ev_base;

	struct event ev_read;
	struct event ev_write;

	struct evbuffer *input;
	struct evbuffer *output;

	struct event_watermark wm_read;
	struct event_watermark wm_write;

	evbuffercb readcb;
	evbuffercb writecb;
	everrorcb errorcb;
	void *cbarg;

	int timeout_read;	/* in seconds */
	int timeout_write;	/* in seconds */

	short enabled;	/* events that are currently enabled */
};
#endif

/*
 * Create a bufferevent on fd (on current_base).  readcb runs when input
 * reaches the read low watermark, writecb when output drains to the write
 * low watermark, errorcb on EOF, error or timeout.  The fd is not closed
 * by bufferevent_free().
 */
struct bufferevent *bufferevent_new(int fd,
    evbuffercb readcb, evbuffercb writecb, everrorcb errorcb, void *cbarg);

/* Move a bufferevent to another base (before enabling it).  0 or -1. */
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);

/* Set the priority of both of the bufferevent's events.  0 or -1. */
int bufferevent_priority_set(struct bufferevent *bufev, int pri);

/* Free a bufferevent; safe from inside its own callbacks. */
void bufferevent_free(struct bufferevent *bufev);

/* Replace the callbacks and their argument. */
void bufferevent_setcb(struct bufferevent *bufev,
    evbuffercb readcb, evbuffercb writecb, everrorcb errorcb, void *cbarg);

/* Point the bufferevent at another fd (events are not re-enabled).
 * (event2/bufferevent.h declares it returning int, when included first.) */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
void bufferevent_setfd(struct bufferevent *bufev, int fd);
#endif

/* Queue data for writing.  0 or -1. */
int bufferevent_write(struct bufferevent *bufev,
    const void *data, size_t size);

/* Queue all of buf for writing and drain buf.  0 or -1. */
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);

/* Take up to size bytes of input.  Returns the count copied. */
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);

/* Enable or disable EV_READ and/or EV_WRITE.  0 or -1. */
int bufferevent_enable(struct bufferevent *bufev, short event);
int bufferevent_disable(struct bufferevent *bufev, short event);

/* Read and write timeouts in seconds; 0 means none. */
void bufferevent_settimeout(struct bufferevent *bufev,
    int timeout_read, int timeout_write);

/* Set the low and high watermarks of EV_READ and/or EV_WRITE. */
void bufferevent_setwatermark(struct bufferevent *bufev, short events,
    size_t lowmark, size_t highmark);

#ifndef EVBUFFER_LENGTH
#define EVBUFFER_LENGTH(x)	(x)->off
#endif
#ifndef EVBUFFER_DATA
#define EVBUFFER_DATA(x)	(x)->buffer
#endif
#ifndef EVBUFFER_INPUT
#define EVBUFFER_INPUT(x)	(x)->input
#define EVBUFFER_OUTPUT(x)	(x)->output
#endif

/* A new empty buffer, or NULL. */
struct evbuffer *evbuffer_new(void);
void evbuffer_free(struct evbuffer *);

/* Make room for at least datlen more bytes after the data.  0 or -1. */
int evbuffer_expand(struct evbuffer *, size_t);

/* Append datlen bytes.  0 or -1 (the buffer is unchanged on failure). */
int evbuffer_add(struct evbuffer *, const void *, size_t);

/* Copy out and drain up to datlen bytes; returns the number copied. */
int evbuffer_remove(struct evbuffer *, void *, size_t);

/* Take a line ended by CR, LF, CRLF or LFCR; malloc'd, or NULL. */
char *evbuffer_readline(struct evbuffer *);

/* Line-ending policies for evbuffer_readln() (NUL: libevent 2.x's). */
#ifndef _EVENT_EOL_STYLE_DEFINED
#define _EVENT_EOL_STYLE_DEFINED
enum evbuffer_eol_style {
	EVBUFFER_EOL_ANY,		/* any run of CR and LF */
	EVBUFFER_EOL_CRLF,		/* CRLF or a lone LF */
	EVBUFFER_EOL_CRLF_STRICT,	/* CRLF only */
	EVBUFFER_EOL_LF,		/* LF only */
	EVBUFFER_EOL_NUL		/* a NUL byte */
};
#endif

/* Take a line per eol_style; malloc'd without its end, or NULL. */
char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
    enum evbuffer_eol_style eol_style);

/* Move all of inbuf to the end of outbuf.  0 or -1. */
int evbuffer_add_buffer(struct evbuffer *, struct evbuffer *);

/* Append formatted text; the count of bytes added, or -1. */
int evbuffer_add_printf(struct evbuffer *, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(_EVUTIL_PRINTF_FMT, 2, 3)))
#endif
	;
int evbuffer_add_vprintf(struct evbuffer *, const char *fmt, va_list ap);

/* Discard len bytes from the front.  (event2/buffer.h declares it
 * returning int, when included first.) */
#ifndef EVENT2_BUFFER_H_INCLUDED_
void evbuffer_drain(struct evbuffer *, size_t);
#endif

/* Write the buffer to fd once; drains what was written.  Count or -1. */
int evbuffer_write(struct evbuffer *, int);

/* Read up to howmuch bytes (negative: library's choice) from fd. */
int evbuffer_read(struct evbuffer *, int, int);

/* The first occurrence of what in the buffer, or NULL. */
unsigned char *evbuffer_find(struct evbuffer *, const unsigned char *, size_t);

/* Call cb(buf, old_len, new_len, cbarg) whenever the length changes.
 * (event2/buffer_compat.h declares it returning int, when included first.) */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
void evbuffer_setcb(struct evbuffer *,
    void (*)(struct evbuffer *, size_t, size_t, void *), void *);
#endif

/* ---------------------------------------------------------------- */
/* Tagging (libevent_extra): tag-length-value marshalling.          */

void evtag_init(void);

void evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
    ev_uint32_t len);

/* Append number in the nibble encoding (no tag).  The parentheses keep
 * event2/tag_compat.h's macro of the same name from expanding here. */
void (encode_int)(struct evbuffer *evbuf, ev_uint32_t number);

void evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint32_t integer);

void evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
    const char *string);

void evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
    struct timeval *tv);

int evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
    struct evbuffer *dst);
int evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag);
int evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength);
int evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength);
int evtag_consume(struct evbuffer *evbuf);

int evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint32_t *pinteger);

int evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
    void *data, size_t len);

int evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
    char **pstring);

int evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
    struct timeval *ptv);

#ifdef __cplusplus
}
#endif

#endif /* _EVENT_H_ */
