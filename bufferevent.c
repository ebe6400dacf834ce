/*
 * bufferevent.c -- what every kind of bufferevent shares: callbacks and
 * their deferral, references and freeing, enabling and suspending,
 * watermarks, timeouts, and the calls of both the 1.4 and the 2.x API that
 * only touch this common state.  The kinds are in bufferevent_sock.c
 * (sockets, including 1.4's bufferevent_new()), bufferevent_pair.c and
 * bufferevent_filter.c; see bufferevent-internal.h for the model.
 *
 * Freeing.  bufferevent_free() clears the callbacks and stops the
 * bufferevent at once, then drops the program's reference; the memory goes
 * with the last reference.  Our own event handlers hold a reference while
 * they run, so a bufferevent freed from inside one of its callbacks (or by
 * the callback of another) is released when the handler returns, and no
 * further callback of it runs in between.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bufferevent-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

static void bufferevent_deferred_cb(int fd, short what, void *arg);

int
bufferevent_init_common_(struct bufferevent_private *p,
    struct event_base *base, const struct bufferevent_ops *ops, int options)
{
	struct bufferevent *bev = &p->bev;

	if ((options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)) ==
	    BEV_OPT_UNLOCK_CALLBACKS) {
		event_warnx("bufferevent: BEV_OPT_UNLOCK_CALLBACKS needs "
		    "BEV_OPT_DEFER_CALLBACKS");
		errno = EINVAL;
		return -1;
	}
	bev->input = evbuffer_new_plain();
	bev->output = evbuffer_new_plain();
	if (bev->input == NULL || bev->output == NULL) {
		evbuffer_free(bev->input);
		evbuffer_free(bev->output);
		return -1;
	}
	p->ops = ops;
	p->options = options;
	p->refcnt = 1;
	bev->ev_base = base;
	/* As in 1.4 and 2.x: writing is enabled, reading must be asked for. */
	bev->enabled = EV_WRITE;
	bufferevent_event_set_(bev, &p->deferred, -1, 0,
	    bufferevent_deferred_cb, p);
	if (options & BEV_OPT_THREADSAFE)
		bufferevent_enable_locking_(p, NULL);
	return 0;
}

void
bufferevent_event_set_(struct bufferevent *bev, struct event *ev,
    evutil_socket_t fd, short events, void (*cb)(int, short, void *),
    void *arg)
{
	event_set(ev, fd, events | EV_FINALIZE, cb, arg);
	if (bev->ev_base != NULL)
		event_base_set(bev->ev_base, ev);
}

/* Without thread callbacks no lock can be made: the option does nothing. */
void
bufferevent_enable_locking_(struct bufferevent_private *p, void *lock)
{
	if (p->lock != NULL)
		return;
	if (lock == NULL) {
		if ((lock = evbuffer_lock_new_()) == NULL)
			return;
		p->own_lock = 1;
	}
	p->lock = lock;
	(void)evbuffer_enable_locking(p->bev.input, lock);
	(void)evbuffer_enable_locking(p->bev.output, lock);
}

/* The last reference went: release everything. */
static void
bufferevent_finalize(struct bufferevent_private *p)
{
	struct bufferevent *bev = &p->bev, *after;
	void *lock;

	/* (After destruct: a pair's last end learns there that it owns the
	 * shared lock.) */
	p->ops->destruct(bev);
	lock = p->own_lock ? p->lock : NULL;
	bufferevent_ratelim_free_(p);
	event_del(&p->deferred);
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	evbuffer_free(bev->input);
	evbuffer_free(bev->output);
	bufferevent_unlock_(bev);
	evbuffer_lock_free_(lock);
	after = p->release_after;
	mm_free(p);
	if (after != NULL)
		(void)bufferevent_decref(after);
}

void
bufferevent_finalize_(struct bufferevent *bev)
{
	bufferevent_finalize(BEV_P(bev));
}

void
bufferevent_incref(struct bufferevent *bev)
{
	bufferevent_incref_and_lock_(bev);
	bufferevent_unlock_(bev);
}

int
bufferevent_decref(struct bufferevent *bev)
{
	bufferevent_lock_(bev);
	return bufferevent_decref_and_unlock_(bev);
}

/* Wait until no handler of bev's own I/O events runs (another thread's
 * loop may be running one); deleted already, they do not start again. */
static void
bufferevent_wait_handlers(struct bufferevent *bev)
{
	(void)event_del_block(&bev->ev_read);
	(void)event_del_block(&bev->ev_write);
}

/*
 * Clear the callbacks, stop, detach, and drop the program's reference.  A
 * second call on the same bufferevent (while references keep it) does
 * nothing.
 */
void
bufferevent_free(struct bufferevent *bev)
{
	struct bufferevent_private *p;

	if (bev == NULL)
		return;
	p = BEV_P(bev);
	bufferevent_lock_(bev);
	if (p->flags & BEV_P_FREEING) {
		bufferevent_unlock_(bev);
		return;
	}
	p->flags |= BEV_P_FREEING;
	bev->readcb = bev->writecb = NULL;
	bev->errorcb = NULL;
	bev->cbarg = NULL;
	p->ops->unlink(bev);
	if (p->lock != NULL && !(p->flags & BEV_P_NESTED_FREE)) {
		/* A handler the loop of another thread runs now may wait for
		 * the lock: let it finish (the events are deleted, so no other
		 * starts), then drop the program's reference.  The same for
		 * the bufferevent underneath, which may share the lock. */
		struct bufferevent *u = p->ops->get_underlying(bev);

		bufferevent_unlock_(bev);
		bufferevent_wait_handlers(bev);
		if (u != NULL)
			bufferevent_wait_handlers(u);
		bufferevent_lock_(bev);
	}
	bufferevent_decref_and_unlock_(bev);
}

void
bufferevent_lock(struct bufferevent *bev)
{
	bufferevent_lock_(bev);
}

void
bufferevent_unlock(struct bufferevent *bev)
{
	bufferevent_unlock_(bev);
}

/* ------------------------------------------------------------------ */
/* Callbacks */

/* Queue the deferred event (holding a reference until it has run). */
static void
bufferevent_schedule(struct bufferevent_private *p)
{
	if (p->deferred_scheduled)
		return;
	p->deferred_scheduled = 1;
	p->refcnt++;
	event_active(&p->deferred, EV_TIMEOUT, 1);
}

/* Should this call wait for the deferred event? */
static int
bufferevent_defers(struct bufferevent_private *p, int options)
{
	if (p->deferred.ev_base == NULL)
		return 0;	/* no base yet (1.4): nothing could run it */
	return (p->options & BEV_OPT_DEFER_CALLBACKS) ||
	    (options & BEV_TRIG_DEFER_CALLBACKS);
}

void
bufferevent_run_readcb_(struct bufferevent *bev, int options)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (bev->readcb == NULL)
		return;
	if (bufferevent_defers(p, options)) {
		p->readcb_pending = 1;
		bufferevent_schedule(p);
		return;
	}
	(*bev->readcb)(bev, bev->cbarg);
}

void
bufferevent_run_writecb_(struct bufferevent *bev, int options)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (bev->writecb == NULL)
		return;
	if (bufferevent_defers(p, options)) {
		p->writecb_pending = 1;
		bufferevent_schedule(p);
		return;
	}
	(*bev->writecb)(bev, bev->cbarg);
}

void
bufferevent_run_eventcb_(struct bufferevent *bev, short what, int options)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (bev->errorcb == NULL)
		return;
	if (bufferevent_defers(p, options)) {
		p->eventcb_pending |= what;
		p->eventcb_errno = EVUTIL_SOCKET_ERROR();
		bufferevent_schedule(p);
		return;
	}
	(*bev->errorcb)(bev, what, bev->cbarg);
}

/*
 * The deferred event: a connect first (so the program sees it before any
 * data), then reading, writing, and the other events.  With
 * BEV_OPT_UNLOCK_CALLBACKS the lock is released around each callback.
 */
static void
bufferevent_deferred_cb(int fd, short what, void *arg)
{
	struct bufferevent_private *p = arg;
	struct bufferevent *bev = &p->bev;
	int unlock = (p->options & BEV_OPT_UNLOCK_CALLBACKS) != 0;
	short ev;

	(void)fd;
	(void)what;
	bufferevent_lock_(bev);
	p->deferred_scheduled = 0;
#define BEV_CALL(call) do {						\
	if (unlock)							\
		bufferevent_unlock_(bev);				\
	call;								\
	if (unlock)							\
		bufferevent_lock_(bev);					\
} while (0)
	if ((p->eventcb_pending & BEV_EVENT_CONNECTED) && bev->errorcb) {
		p->eventcb_pending &= ~BEV_EVENT_CONNECTED;
		BEV_CALL((*bev->errorcb)(bev, BEV_EVENT_CONNECTED, bev->cbarg));
	}
	if (p->readcb_pending && bev->readcb) {
		p->readcb_pending = 0;
		BEV_CALL((*bev->readcb)(bev, bev->cbarg));
	}
	if (p->writecb_pending && bev->writecb) {
		p->writecb_pending = 0;
		BEV_CALL((*bev->writecb)(bev, bev->cbarg));
	}
	if (p->eventcb_pending && bev->errorcb) {
		ev = p->eventcb_pending;
		p->eventcb_pending = 0;
		EVUTIL_SET_SOCKET_ERROR(p->eventcb_errno);
		BEV_CALL((*bev->errorcb)(bev, ev, bev->cbarg));
	}
#undef BEV_CALL
	/* Callbacks cleared meanwhile (bufferevent_free): nothing to run. */
	if (!p->deferred_scheduled) {
		p->readcb_pending = p->writecb_pending = 0;
		p->eventcb_pending = 0;
	}
	bufferevent_decref_and_unlock_(bev);
}

void
bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg)
{
	bufferevent_lock_(bev);
	bev->readcb = readcb;
	bev->writecb = writecb;
	bev->errorcb = eventcb;
	bev->cbarg = cbarg;
	bufferevent_unlock_(bev);
}

void
bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb_ptr,
    bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr,
    void **cbarg_ptr)
{
	bufferevent_lock_(bev);
	if (readcb_ptr != NULL)
		*readcb_ptr = bev->readcb;
	if (writecb_ptr != NULL)
		*writecb_ptr = bev->writecb;
	if (eventcb_ptr != NULL)
		*eventcb_ptr = bev->errorcb;
	if (cbarg_ptr != NULL)
		*cbarg_ptr = bev->cbarg;
	bufferevent_unlock_(bev);
}

/* Run the callbacks as if data had moved (watermarks permitting). */
void
bufferevent_trigger(struct bufferevent *bev, short iotype, int options)
{
	int ignore = (options & BEV_TRIG_IGNORE_WATERMARKS) != 0;

	bufferevent_incref_and_lock_(bev);
	if ((iotype & EV_READ) &&
	    (ignore || bev->input->off >= bev->wm_read.low))
		bufferevent_run_readcb_(bev, options);
	if ((iotype & EV_WRITE) &&
	    (ignore || bev->output->off <= bev->wm_write.low))
		bufferevent_run_writecb_(bev, options);
	bufferevent_decref_and_unlock_(bev);
}

void
bufferevent_trigger_event(struct bufferevent *bev, short what, int options)
{
	bufferevent_incref_and_lock_(bev);
	bufferevent_run_eventcb_(bev, what, options);
	bufferevent_decref_and_unlock_(bev);
}

/* ------------------------------------------------------------------ */
/* Directions */

int
bufferevent_add_event_(struct event *ev, const struct timeval *tv)
{
	return event_add(ev, bufferevent_has_timeout_(tv) ? tv : NULL);
}

/* Enabling is the program's choice; ops->update() applies it.  On failure
 * the enabled bits are left as they were. */
int
bufferevent_enable(struct bufferevent *bev, short event)
{
	short old;
	int res;

	bufferevent_incref_and_lock_(bev);
	old = bev->enabled;
	bev->enabled |= event;
	res = BEV_P(bev)->ops->update(bev, (short)(event | BEV_UPDATE_ENABLE_));
	if (res == -1)
		bev->enabled = old;
	bufferevent_decref_and_unlock_(bev);
	return res;
}

int
bufferevent_disable(struct bufferevent *bev, short event)
{
	int res;

	bufferevent_incref_and_lock_(bev);
	bev->enabled &= ~event;
	res = BEV_P(bev)->ops->update(bev, event);
	bufferevent_decref_and_unlock_(bev);
	return res;
}

short
bufferevent_get_enabled(struct bufferevent *bev)
{
	short res;

	bufferevent_lock_(bev);
	res = bev->enabled;
	bufferevent_unlock_(bev);
	return res;
}

void
bufferevent_stop_direction_(struct bufferevent *bev, short which)
{
	if (BEV_P(bev)->flags & BEV_P_COMPAT14) {
		if (which & EV_READ)
			event_del(&bev->ev_read);
		if (which & EV_WRITE)
			event_del(&bev->ev_write);
		return;
	}
	bev->enabled &= ~which;
	(void)BEV_P(bev)->ops->update(bev, which);
}

/* Nothing to do unless the direction's state really changes. */
void
bufferevent_set_suspended_(struct bufferevent *bev, short which, short what,
    int on)
{
	struct bufferevent_private *p = BEV_P(bev);
	short *reasons = which == EV_READ ? &p->read_suspended :
	    &p->write_suspended;
	short old = *reasons;

	if (on)
		*reasons |= what;
	else
		*reasons &= ~what;
	if ((old == 0) != (*reasons == 0))
		(void)p->ops->update(bev, which);
}

/* ------------------------------------------------------------------ */
/* Watermarks */

/* Reading resumes once the input is below the high watermark again. */
static void
bufferevent_wm_resume(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (!(p->read_suspended & BEV_SUSPEND_WM))
		return;
	if (bev->wm_read.high != 0 && bev->input->off >= bev->wm_read.high)
		return;
	if (p->wm_entry != NULL) {
		(void)evbuffer_remove_cb_entry(bev->input, p->wm_entry);
		p->wm_entry = NULL;
	}
	bufferevent_unsuspend_read_(bev, BEV_SUSPEND_WM);
}

/* The input's callback while reading waits below the high watermark. */
static void
bufferevent_wm_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	(void)buf;
	(void)info;
	bufferevent_wm_resume(arg);
}

void
bufferevent_check_read_wm_(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (bev->wm_read.high == 0 || bev->input->off < bev->wm_read.high)
		return;
	if (p->wm_entry == NULL)
		p->wm_entry = evbuffer_add_cb(bev->input, bufferevent_wm_cb,
		    bev);
	bufferevent_suspend_read_(bev, BEV_SUSPEND_WM);
}

/*
 * 1.4 exported this as the input's callback while paused; it still
 * resumes reading when the input is below the mark.
 */
void
bufferevent_read_pressure_cb(struct evbuffer *buf, size_t old_len,
    size_t new_len, void *arg)
{
	(void)buf;
	(void)old_len;
	(void)new_len;
	bufferevent_wm_resume(arg);
}

void
bufferevent_setwatermark(struct bufferevent *bev, short events,
    size_t lowmark, size_t highmark)
{
	bufferevent_incref_and_lock_(bev);
	if (events & EV_WRITE) {
		bev->wm_write.low = lowmark;
		bev->wm_write.high = highmark;
	}
	if (events & EV_READ) {
		bev->wm_read.low = lowmark;
		bev->wm_read.high = highmark;
		/* The new marks may pause or resume reading. */
		bufferevent_check_read_wm_(bev);
		bufferevent_wm_resume(bev);
	}
	bufferevent_decref_and_unlock_(bev);
}

int
bufferevent_getwatermark(struct bufferevent *bev, short events,
    size_t *lowmark, size_t *highmark)
{
	struct event_watermark wm;

	if (events != EV_READ && events != EV_WRITE) {
		errno = EINVAL;
		return -1;
	}
	bufferevent_lock_(bev);
	wm = events == EV_READ ? bev->wm_read : bev->wm_write;
	bufferevent_unlock_(bev);
	if (lowmark != NULL)
		*lowmark = wm.low;
	if (highmark != NULL)
		*highmark = wm.high;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Timeouts */

/* The whole seconds of tv for the 1.4 int fields. */
static int
bufferevent_tv_seconds(const struct timeval *tv)
{
	return tv->tv_sec > INT_MAX ? INT_MAX : (int)tv->tv_sec;
}

static void
bufferevent_store_tv(struct timeval *dst, const struct timeval *src)
{
	if (src == NULL || src->tv_sec < 0 || src->tv_usec < 0) {
		dst->tv_sec = dst->tv_usec = 0;
		return;
	}
	*dst = *src;
	/* A tv_usec of a million or more is carried into the seconds. */
	dst->tv_sec += src->tv_usec / 1000000;
	dst->tv_usec = src->tv_usec % 1000000;
}

/* Re-arm the running directions with the new timeouts. */
int
bufferevent_set_timeouts(struct bufferevent *bev,
    const struct timeval *timeout_read, const struct timeval *timeout_write)
{
	struct bufferevent_private *p = BEV_P(bev);
	int res;

	bufferevent_incref_and_lock_(bev);
	bufferevent_store_tv(&p->tv_read, timeout_read);
	bufferevent_store_tv(&p->tv_write, timeout_write);
	bev->timeout_read = bufferevent_tv_seconds(&p->tv_read);
	bev->timeout_write = bufferevent_tv_seconds(&p->tv_write);
	res = p->ops->update(bev, EV_READ | EV_WRITE | BEV_UPDATE_TIMEOUTS_);
	bufferevent_decref_and_unlock_(bev);
	return res;
}

/* 1.4: whole seconds, 0 (or less) for none. */
void
bufferevent_settimeout(struct bufferevent *bev, int timeout_read,
    int timeout_write)
{
	struct bufferevent_private *p = BEV_P(bev);

	bufferevent_incref_and_lock_(bev);
	p->tv_read.tv_sec = timeout_read > 0 ? timeout_read : 0;
	p->tv_write.tv_sec = timeout_write > 0 ? timeout_write : 0;
	p->tv_read.tv_usec = p->tv_write.tv_usec = 0;
	bev->timeout_read = timeout_read;
	bev->timeout_write = timeout_write;
	(void)p->ops->update(bev, EV_READ | EV_WRITE | BEV_UPDATE_TIMEOUTS_);
	bufferevent_decref_and_unlock_(bev);
}

/* A generic timer fired: the direction times out and stops. */
static void
bufferevent_generic_timeout(struct bufferevent *bev, short which)
{
	bufferevent_incref_and_lock_(bev);
	/* With threads, the direction may have stopped after the timer
	 * fired, before this handler got the lock. */
	if (BEV_P(bev)->lock != NULL && !(which == EV_READ ?
	    bufferevent_reading_(bev) : bufferevent_writing_(bev))) {
		bufferevent_decref_and_unlock_(bev);
		return;
	}
	bufferevent_stop_direction_(bev, which);
	bufferevent_run_eventcb_(bev, (short)(BEV_EVENT_TIMEOUT |
	    (which == EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING)), 0);
	bufferevent_decref_and_unlock_(bev);
}

static void
bufferevent_generic_read_timeout(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bufferevent_generic_timeout(arg, EV_READ);
}

static void
bufferevent_generic_write_timeout(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bufferevent_generic_timeout(arg, EV_WRITE);
}

void
bufferevent_init_generic_timeouts_(struct bufferevent *bev)
{
	bufferevent_event_set_(bev, &bev->ev_read, -1, 0,
	    bufferevent_generic_read_timeout, bev);
	bufferevent_event_set_(bev, &bev->ev_write, -1, 0,
	    bufferevent_generic_write_timeout, bev);
}

/* Called after every change of state and every transfer, so the timers
 * measure inactivity. */
void
bufferevent_generic_adj_timeouts_(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (bufferevent_reading_(bev) && bufferevent_has_timeout_(&p->tv_read))
		event_add(&bev->ev_read, &p->tv_read);
	else
		event_del(&bev->ev_read);
	if (bufferevent_writing_(bev) && bev->output->off > 0 &&
	    bufferevent_has_timeout_(&p->tv_write))
		event_add(&bev->ev_write, &p->tv_write);
	else
		event_del(&bev->ev_write);
}

/* ------------------------------------------------------------------ */
/* Data and accessors */

/*
 * The output's callback makes the kind send it; when that fails (a socket
 * the loop refuses) the data stays queued and -1 says so, as in 1.4.
 */
static int
bufferevent_queued(struct bufferevent *bev, int res)
{
	struct bufferevent_private *p = BEV_P(bev);

	if (res == 0 && p->out_error != 0) {
		errno = p->out_error;
		res = -1;
	}
	p->out_error = 0;
	return res;
}

/* The output's lock is the bufferevent's: held across the addition and
 * the look at what its callback left in out_error. */
int
bufferevent_write(struct bufferevent *bev, const void *data, size_t size)
{
	int res;

	bufferevent_lock_(bev);
	res = bufferevent_queued(bev, evbuffer_add(bev->output, data, size));
	bufferevent_unlock_(bev);
	return res;
}

int
bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	int res;

	bufferevent_lock_(bev);
	res = bufferevent_queued(bev, evbuffer_add_buffer(bev->output, buf));
	bufferevent_unlock_(bev);
	return res;
}

/* Reading drains the input, which may resume reading. */
size_t
bufferevent_read(struct bufferevent *bev, void *data, size_t size)
{
	int n = evbuffer_remove(bev->input, data, size);

	return n > 0 ? (size_t)n : 0;
}

int
bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	return evbuffer_add_buffer(buf, bev->input);
}

struct evbuffer *
bufferevent_get_input(struct bufferevent *bev)
{
	return bev->input;
}

struct evbuffer *
bufferevent_get_output(struct bufferevent *bev)
{
	return bev->output;
}

struct event_base *
bufferevent_get_base(struct bufferevent *bev)
{
	return bev->ev_base;
}

int
bufferevent_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	int res;

	bufferevent_incref_and_lock_(bev);
	res = BEV_P(bev)->ops->flush(bev, iotype, mode);
	bufferevent_decref_and_unlock_(bev);
	return res;
}

evutil_socket_t
bufferevent_getfd(struct bufferevent *bev)
{
	evutil_socket_t fd;

	bufferevent_lock_(bev);
	fd = BEV_P(bev)->ops->get_fd(bev);
	bufferevent_unlock_(bev);
	return fd;
}

int
bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd)
{
	int res;

	bufferevent_incref_and_lock_(bev);
	res = BEV_P(bev)->ops->set_fd(bev, fd);
	bufferevent_decref_and_unlock_(bev);
	return res;
}

struct bufferevent *
bufferevent_get_underlying(struct bufferevent *bev)
{
	struct bufferevent *res;

	bufferevent_lock_(bev);
	res = BEV_P(bev)->ops->get_underlying(bev);
	bufferevent_unlock_(bev);
	return res;
}

/* Both events and the deferred callbacks run at this priority.  0, or -1
 * when an event refused it (out of range, or active). */
int
bufferevent_priority_set(struct bufferevent *bev, int pri)
{
	struct bufferevent_private *p = BEV_P(bev);
	int res = -1;

	bufferevent_lock_(bev);
	if (event_priority_set(&bev->ev_read, pri) == 0 &&
	    event_priority_set(&bev->ev_write, pri) == 0) {
		/* An active deferred event keeps its priority until it ran. */
		(void)event_priority_set(&p->deferred, pri);
		res = 0;
	}
	bufferevent_unlock_(bev);
	return res;
}

int
bufferevent_get_priority(const struct bufferevent *bev)
{
	return bev->ev_read.ev_pri;
}
