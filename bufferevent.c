/*
 * bufferevent.c -- buffered I/O on one fd, with libevent 1.4 semantics.
 *
 * A bufferevent owns an input and an output evbuffer and two events on
 * its fd.  Reading fills the input and calls readcb once the input holds
 * at least the read low watermark; writing drains the output and calls
 * writecb once it is down to the write low watermark; EOF, errors and
 * timeouts go to errorcb with EVBUFFER_READ or EVBUFFER_WRITE plus
 * EVBUFFER_EOF, EVBUFFER_ERROR or EVBUFFER_TIMEOUT.
 *
 * Differences in mechanism from 1.4 (the observable behaviour is the same):
 *
 *  - Both events are EV_PERSIST, so a busy stream does not delete and
 *    re-add its fd with the backend around every read and write.  1.4's
 *    timeouts were inactivity timeouts (the event was re-added after each
 *    operation); we keep that by re-arming the timeout after each
 *    successful read or write, which only touches the timer heap.  On EOF,
 *    error or timeout the direction's event is deleted, as in 1.4, and its
 *    bit stays in `enabled` so bufferevent_enable() re-arms it.
 *  - struct bufferevent has no private fields, so bufferevent_new()
 *    allocates a larger struct with the public one first.  The extra state
 *    lets bufferevent_free() be called from inside the bufferevent's own
 *    callbacks: the free is deferred until the callback returns.
 *  - Reading paused at the read high watermark resumes through a callback
 *    on the input buffer, as in 1.4; we remember the program's own input
 *    callback, call it from ours, and put it back on resumption instead of
 *    clobbering it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evbuffer-internal.h"
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct bufferevent_private {
	struct bufferevent bev;		/* public part; must stay first */

	int cb_depth;		/* >0 while one of our handlers runs */
	int free_pending;	/* bufferevent_free() asked during a callback */
	int read_paused;	/* reading stopped at the high watermark */

	/* The input buffer's own callback, saved while reading is paused. */
	void (*saved_cb)(struct evbuffer *, size_t, size_t, void *);
	void *saved_cbarg;
};

#define BEV_PRIVATE(b)	((struct bufferevent_private *)(b))

static void bufferevent_readcb(int fd, short what, void *arg);
static void bufferevent_writecb(int fd, short what, void *arg);

/* Add ev with a timeout of sec seconds (none if sec <= 0). */
static int
bufferevent_add(struct event *ev, int sec)
{
	struct timeval tv;

	if (sec > 0) {
		tv.tv_sec = sec;
		tv.tv_usec = 0;
		return event_add(ev, &tv);
	}
	return event_add(ev, NULL);
}

/*
 * Keep an already pending persistent event and restart its inactivity
 * timeout, or add it if it is not pending.
 */
static int
bufferevent_rearm(struct event *ev, short kind, int sec)
{
	if (sec <= 0 && event_pending(ev, kind, NULL))
		return 0;
	return bufferevent_add(ev, sec);
}

/* Delete both events and free the buffers and the struct. */
static void
bufferevent_really_free(struct bufferevent_private *p)
{
	struct bufferevent *bufev = &p->bev;

	event_del(&bufev->ev_read);
	event_del(&bufev->ev_write);
	evbuffer_free(bufev->input);
	evbuffer_free(bufev->output);
	mm_free(p);
}

/* Entering and leaving one of our event handlers. */
static inline void
bev_enter(struct bufferevent_private *p)
{
	p->cb_depth++;
}

/* Returns 1 when the bufferevent was freed and must not be touched. */
static inline int
bev_leave(struct bufferevent_private *p)
{
	if (--p->cb_depth == 0 && p->free_pending) {
		bufferevent_really_free(p);
		return 1;
	}
	return 0;
}

/* Stop reading until the input drops below the high watermark. */
static void
bufferevent_pause_read(struct bufferevent_private *p)
{
	struct evbuffer *in = p->bev.input;

	event_del(&p->bev.ev_read);
	if (p->read_paused)
		return;
	p->read_paused = 1;
	if (in->cb != bufferevent_read_pressure_cb) {
		p->saved_cb = in->cb;
		p->saved_cbarg = in->cbarg;
	}
	evbuffer_setcb(in, bufferevent_read_pressure_cb, p);
}

/* Give the input buffer its own callback back. */
static void
bufferevent_unpause_read(struct bufferevent_private *p)
{
	if (!p->read_paused)
		return;
	p->read_paused = 0;
	if (p->bev.input->cb == bufferevent_read_pressure_cb)
		evbuffer_setcb(p->bev.input, p->saved_cb, p->saved_cbarg);
	p->saved_cb = NULL;
	p->saved_cbarg = NULL;
}

/*
 * The input buffer's callback while reading is paused at the high
 * watermark: resume once the input is below it, then pass the change on
 * to the program's own input callback, if it had one.
 */
void
bufferevent_read_pressure_cb(struct evbuffer *buf, size_t old_len,
    size_t new_len, void *arg)
{
	struct bufferevent_private *p = arg;
	struct bufferevent *bufev = &p->bev;
	void (*cb)(struct evbuffer *, size_t, size_t, void *) = p->saved_cb;
	void *cbarg = p->saved_cbarg;

	if (bufev->wm_read.high == 0 || new_len < bufev->wm_read.high) {
		bufferevent_unpause_read(p);
		if (bufev->enabled & EV_READ)
			bufferevent_add(&bufev->ev_read, bufev->timeout_read);
	}
	/* The program's own callback on the input still runs. */
	if (cb != NULL)
		(*cb)(buf, old_len, new_len, cbarg);
}

/*
 * The read event fired: read (at most up to the high watermark), pause at
 * the high watermark, and call readcb once the input reaches the low
 * watermark.  EOF, errors and the timeout go to errorcb and stop reading.
 */
static void
bufferevent_readcb(int fd, short what, void *arg)
{
	struct bufferevent_private *p = arg;
	struct bufferevent *bufev = &p->bev;
	struct evbuffer *in = bufev->input;
	int howmuch = -1, res;
	short err;

	bev_enter(p);
	if (what & EV_TIMEOUT) {
		err = EVBUFFER_READ | EVBUFFER_TIMEOUT;
		goto error;
	}

	if (bufev->wm_read.high != 0) {
		size_t room;
		if (in->off >= bufev->wm_read.high) {
			/* The watermark may have been lowered meanwhile. */
			bufferevent_pause_read(p);
			goto done;
		}
		room = bufev->wm_read.high - in->off;
		howmuch = room > INT_MAX ? INT_MAX : (int)room;
	}

	res = evbuffer_read(in, fd, howmuch);
	if (res == -1) {
		if (EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR()))
			goto done;
		err = EVBUFFER_READ | EVBUFFER_ERROR;
		goto error;
	}
	if (res == 0) {
		err = EVBUFFER_READ | EVBUFFER_EOF;
		goto error;
	}

	if (bufev->timeout_read > 0)
		bufferevent_add(&bufev->ev_read, bufev->timeout_read);
	if (bufev->wm_read.high != 0 && in->off >= bufev->wm_read.high)
		bufferevent_pause_read(p);

	/* Below the low watermark the data waits silently. */
	if (in->off >= bufev->wm_read.low && bufev->readcb != NULL)
		(*bufev->readcb)(bufev, bufev->cbarg);
	goto done;

error:
	/* Not re-added; `enabled` keeps EV_READ so enable() re-arms it. */
	event_del(&bufev->ev_read);
	if (bufev->errorcb != NULL)
		(*bufev->errorcb)(bufev, err, bufev->cbarg);
done:
	bev_leave(p);
}

/*
 * The write event fired: write what the output holds, keep the event
 * while data remains (else delete it), and call writecb once the output
 * is down to the write low watermark.  Errors and the timeout go to
 * errorcb and stop writing.
 */
static void
bufferevent_writecb(int fd, short what, void *arg)
{
	struct bufferevent_private *p = arg;
	struct bufferevent *bufev = &p->bev;
	struct evbuffer *out = bufev->output;
	int res;
	short err;

	bev_enter(p);
	if (what & EV_TIMEOUT) {
		err = EVBUFFER_WRITE | EVBUFFER_TIMEOUT;
		goto error;
	}

	if (out->off > 0) {
		res = evbuffer_write(out, fd);
		if (res == -1) {
			int e = EVUTIL_SOCKET_ERROR();

			if (EVUTIL_ERR_RW_RETRIABLE(e) ||
			    EVUTIL_ERR_CONNECT_RETRIABLE(e))
				goto done;
			err = EVBUFFER_WRITE | EVBUFFER_ERROR;
			goto error;
		}
		if (res == 0) {
			err = EVBUFFER_WRITE | EVBUFFER_EOF;
			goto error;
		}
	}

	if (out->off > 0) {
		if (bufev->timeout_write > 0)
			bufferevent_add(&bufev->ev_write,
			    bufev->timeout_write);
	} else {
		event_del(&bufev->ev_write);
	}

	if (bufev->writecb != NULL && out->off <= bufev->wm_write.low)
		(*bufev->writecb)(bufev, bufev->cbarg);
	goto done;

error:
	event_del(&bufev->ev_write);
	if (bufev->errorcb != NULL)
		(*bufev->errorcb)(bufev, err, bufev->cbarg);
done:
	bev_leave(p);
}

/*
 * A bufferevent on fd with its events set on current_base.  Writing is
 * enabled, reading is not; nothing is added yet.  NULL on allocation failure.
 */
struct bufferevent *
bufferevent_new(int fd, evbuffercb readcb, evbuffercb writecb,
    everrorcb errorcb, void *cbarg)
{
	struct bufferevent_private *p;
	struct bufferevent *bufev;

	p = mm_calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	bufev = &p->bev;
	bufev->input = evbuffer_new();
	bufev->output = evbuffer_new();
	if (bufev->input == NULL || bufev->output == NULL) {
		evbuffer_free(bufev->input);
		evbuffer_free(bufev->output);
		mm_free(p);
		return NULL;
	}

	event_set(&bufev->ev_read, fd, EV_READ | EV_PERSIST,
	    bufferevent_readcb, p);
	event_set(&bufev->ev_write, fd, EV_WRITE | EV_PERSIST,
	    bufferevent_writecb, p);
	bufev->ev_base = bufev->ev_read.ev_base;

	bufferevent_setcb(bufev, readcb, writecb, errorcb, cbarg);

	/* As in 1.4: writing is enabled, reading must be asked for. */
	bufev->enabled = EV_WRITE;
	return bufev;
}

/* Replace the callbacks and their argument. */
void
bufferevent_setcb(struct bufferevent *bufev, evbuffercb readcb,
    evbuffercb writecb, everrorcb errorcb, void *cbarg)
{
	bufev->readcb = readcb;
	bufev->writecb = writecb;
	bufev->errorcb = errorcb;
	bufev->cbarg = cbarg;
}

/*
 * Move to another fd: both events are deleted and set again on the same
 * base with the same priorities.  They are not re-added.
 */
void
bufferevent_setfd(struct bufferevent *bufev, int fd)
{
	struct event_base *base = bufev->ev_read.ev_base;
	int pri_r = bufev->ev_read.ev_pri, pri_w = bufev->ev_write.ev_pri;
	void *arg = bufev->ev_read.ev_arg;

	event_del(&bufev->ev_read);
	event_del(&bufev->ev_write);

	event_set(&bufev->ev_read, fd, EV_READ | EV_PERSIST,
	    bufferevent_readcb, arg);
	event_set(&bufev->ev_write, fd, EV_WRITE | EV_PERSIST,
	    bufferevent_writecb, arg);
	if (base != NULL) {
		event_base_set(base, &bufev->ev_read);
		event_base_set(base, &bufev->ev_write);
	}
	event_priority_set(&bufev->ev_read, pri_r);
	event_priority_set(&bufev->ev_write, pri_w);
}

/* Move both events to base; only before they are added.  0 or -1. */
int
bufferevent_base_set(struct event_base *base, struct bufferevent *bufev)
{
	int res;

	bufev->ev_base = base;
	res = event_base_set(base, &bufev->ev_read);
	if (res == -1)
		return res;
	return event_base_set(base, &bufev->ev_write);
}

/* Set the priority of both events.  0, or -1 if either refused it. */
int
bufferevent_priority_set(struct bufferevent *bufev, int priority)
{
	if (event_priority_set(&bufev->ev_read, priority) == -1)
		return -1;
	if (event_priority_set(&bufev->ev_write, priority) == -1)
		return -1;
	return 0;
}

/*
 * Free now, or, from inside one of this bufferevent's callbacks, as soon
 * as that callback returns; no further callback runs in between.  The fd
 * is not closed.
 */
void
bufferevent_free(struct bufferevent *bufev)
{
	struct bufferevent_private *p = BEV_PRIVATE(bufev);

	if (bufev == NULL)
		return;
	if (p->cb_depth > 0) {
		event_del(&bufev->ev_read);
		event_del(&bufev->ev_write);
		bufferevent_setcb(bufev, NULL, NULL, NULL, NULL);
		p->free_pending = 1;
		return;
	}
	bufferevent_really_free(p);
}

/*
 * Queue size bytes and, if writing is enabled, make sure the write event
 * is pending.  0, or -1 with the output unchanged.
 */
int
bufferevent_write(struct bufferevent *bufev, const void *data, size_t size)
{
	if (evbuffer_add(bufev->output, data, size) == -1)
		return -1;
	if (size > 0 && (bufev->enabled & EV_WRITE) &&
	    bufferevent_rearm(&bufev->ev_write, EV_WRITE,
	    bufev->timeout_write) == -1)
		return -1;
	return 0;
}

/* Queue all of buf (which ends empty), as bufferevent_write().  0 or -1. */
int
bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf)
{
	size_t n = buf->off;

	if (evbuffer_add_buffer(bufev->output, buf) == -1)
		return -1;
	if (n > 0 && (bufev->enabled & EV_WRITE) &&
	    bufferevent_rearm(&bufev->ev_write, EV_WRITE,
	    bufev->timeout_write) == -1)
		return -1;
	return 0;
}

/* Copy and drain up to size bytes of input.  Returns the count. */
size_t
bufferevent_read(struct bufferevent *bufev, void *data, size_t size)
{
	struct evbuffer *in = bufev->input;
	size_t n = size < in->off ? size : in->off;

	if (n > 0)
		memcpy(data, in->buffer, n);
	evbuffer_drain(in, n);
	return n;
}

/*
 * Add the read and/or write event with the current timeouts and set the
 * bits in `enabled`.  0, or -1 if an event_add() failed.
 */
int
bufferevent_enable(struct bufferevent *bufev, short event)
{
	struct bufferevent_private *p = BEV_PRIVATE(bufev);

	if (event & EV_READ) {
		/* While paused at the high watermark, stay paused. */
		if (!p->read_paused &&
		    bufferevent_add(&bufev->ev_read, bufev->timeout_read) == -1)
			return -1;
	}
	if (event & EV_WRITE) {
		if (bufferevent_add(&bufev->ev_write,
		    bufev->timeout_write) == -1)
			return -1;
	}
	bufev->enabled |= event;
	return 0;
}

/* Delete the read and/or write event and clear the bits.  0 or -1. */
int
bufferevent_disable(struct bufferevent *bufev, short event)
{
	if (event & EV_READ) {
		if (event_del(&bufev->ev_read) == -1)
			return -1;
	}
	if (event & EV_WRITE) {
		if (event_del(&bufev->ev_write) == -1)
			return -1;
	}
	bufev->enabled &= ~event;
	return 0;
}

/* Give a pending event a new timeout (sec <= 0 removes it). */
static void
bufferevent_retime(struct event *ev, short kind, int sec)
{
	if (!event_pending(ev, kind, NULL))
		return;
	if (sec <= 0 && event_pending(ev, EV_TIMEOUT, NULL)) {
		/* event_add(ev, NULL) would keep the old deadline. */
		event_del(ev);
	}
	bufferevent_add(ev, sec);
}

/* Set the timeouts (seconds, 0 = none) and re-arm the pending events. */
void
bufferevent_settimeout(struct bufferevent *bufev,
    int timeout_read, int timeout_write)
{
	bufev->timeout_read = timeout_read;
	bufev->timeout_write = timeout_write;

	bufferevent_retime(&bufev->ev_read, EV_READ, timeout_read);
	bufferevent_retime(&bufev->ev_write, EV_WRITE, timeout_write);
}

/*
 * Set the low/high marks of EV_READ and/or EV_WRITE, then pause or resume
 * reading as the new read high mark requires.
 */
void
bufferevent_setwatermark(struct bufferevent *bufev, short events,
    size_t lowmark, size_t highmark)
{
	struct bufferevent_private *p = BEV_PRIVATE(bufev);

	if (events & EV_READ) {
		bufev->wm_read.low = lowmark;
		bufev->wm_read.high = highmark;
	}
	if (events & EV_WRITE) {
		bufev->wm_write.low = lowmark;
		bufev->wm_write.high = highmark;
	}

	/* The new marks may pause or resume reading. */
	if (bufev->wm_read.high != 0 &&
	    bufev->input->off >= bufev->wm_read.high) {
		bufferevent_pause_read(p);
	} else if (p->read_paused) {
		bufferevent_unpause_read(p);
		if (bufev->enabled & EV_READ)
			bufferevent_add(&bufev->ev_read, bufev->timeout_read);
	}
}
