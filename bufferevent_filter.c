/*
 * bufferevent_filter.c -- a bufferevent on top of another one, with a
 * filter function on each path: output_filter moves bytes from the
 * filter's output to the underlying output, input_filter from the
 * underlying input to the filter's input.  A NULL filter copies.
 *
 * The filter owns the underlying bufferevent's callbacks (and keeps a
 * reference on it): its read callback runs the input path, its write
 * callback the output path, and its events are passed on unchanged.  The
 * input path runs while the filter reads (enabled, not suspended) and its
 * input is below the read high watermark; otherwise the underlying
 * bufferevent is suspended (BEV_SUSPEND_FILT_READ), so data waits in its
 * input rather than piling up.  The output path stops at the underlying
 * write high watermark.
 *
 * A filter returning BEV_ERROR is reported to the event callback as
 * BEV_EVENT_ERROR with READING or WRITING (libevent 2.1 drops input-side
 * errors silently).  Timeouts use the generic timers.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bufferevent-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct bufferevent_filtered {
	struct bufferevent_private p;	/* must stay first */
	struct bufferevent *underlying;
	bufferevent_filter_cb process_in;
	bufferevent_filter_cb process_out;
	void (*free_context)(void *);
	void *context;
	int processing;			/* no recursion into one path */
};

#define BEV_FILT(bev)	((struct bufferevent_filtered *)(bev))

/* Room left under a high watermark (-1: no limit). */
static ev_ssize_t
filter_room(size_t have, size_t high)
{
	if (high == 0)
		return -1;
	if (have >= high)
		return 0;
	return (ev_ssize_t)(high - have);
}

/* A NULL filter: copy as much as dst_limit allows. */
static enum bufferevent_filter_result
filter_copy(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t dst_limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	size_t n = src->off;

	(void)mode;
	(void)ctx;
	if (dst_limit >= 0 && (size_t)dst_limit < n)
		n = (size_t)dst_limit;
	if (n > 0 && evbuffer_remove_buffer(src, dst, n) < 0)
		return BEV_ERROR;
	return BEV_OK;
}

/*
 * Call fn until it stops making progress, src is empty or dst is full.
 * In a flush mode fn is called at least once even with nothing in src.
 * Sets *err on BEV_ERROR; returns the bytes added to dst.
 */
static size_t
filter_run(struct bufferevent_filtered *f, bufferevent_filter_cb fn,
    struct evbuffer *src, struct evbuffer *dst, size_t dst_high,
    enum bufferevent_flush_mode mode, int *err)
{
	size_t before = dst->off, s, d;
	enum bufferevent_filter_result r;
	ev_ssize_t room;
	int first = 1;

	if (fn == NULL)
		fn = filter_copy;
	for (;;) {
		room = filter_room(dst->off, dst_high);
		if (room == 0 ||
		    (src->off == 0 && !(first && mode != BEV_NORMAL)))
			break;
		s = src->off;
		d = dst->off;
		r = (*fn)(src, dst, room, mode, f->context);
		first = 0;
		if (r == BEV_ERROR) {
			*err = 1;
			break;
		}
		if (r == BEV_NEED_MORE || (src->off == s && dst->off == d))
			break;
	}
	return dst->off > before ? dst->off - before : 0;
}

/* Underlying input -> filter input; then readcb and watermarks. */
static size_t
filter_input(struct bufferevent_filtered *f, enum bufferevent_flush_mode mode)
{
	struct bufferevent *bev = &f->p.bev, *u = f->underlying;
	size_t got;
	int err = 0;

	if (f->processing || (mode == BEV_NORMAL && !bufferevent_reading_(bev)))
		return 0;
	f->processing = 1;
	got = filter_run(f, f->process_in, u->input, bev->input,
	    mode == BEV_NORMAL ? bev->wm_read.high : 0, mode, &err);
	f->processing = 0;
	if (got > 0) {
		bufferevent_check_read_wm_(bev);
		bufferevent_generic_adj_timeouts_(bev);
		if (bev->input->off >= bev->wm_read.low)
			bufferevent_run_readcb_(bev, 0);
	}
	if (err)
		bufferevent_run_eventcb_(bev,
		    BEV_EVENT_READING | BEV_EVENT_ERROR, 0);
	return got;
}

/* Filter output -> underlying output; then writecb once it drained. */
static size_t
filter_output(struct bufferevent_filtered *f, enum bufferevent_flush_mode mode)
{
	struct bufferevent *bev = &f->p.bev, *u = f->underlying;
	size_t before = bev->output->off, put;
	int err = 0;

	if (f->processing || (mode == BEV_NORMAL && !bufferevent_writing_(bev)))
		return 0;
	f->processing = 1;
	put = filter_run(f, f->process_out, bev->output, u->output,
	    mode == BEV_NORMAL ? u->wm_write.high : 0, mode, &err);
	f->processing = 0;
	bufferevent_generic_adj_timeouts_(bev);
	if ((bev->output->off < before || (put > 0 && mode != BEV_NORMAL)) &&
	    bev->output->off <= bev->wm_write.low)
		bufferevent_run_writecb_(bev, 0);
	if (err)
		bufferevent_run_eventcb_(bev,
		    BEV_EVENT_WRITING | BEV_EVENT_ERROR, 0);
	return put;
}

/* The underlying bufferevent's callbacks. */
static void
filter_under_readcb(struct bufferevent *u, void *arg)
{
	struct bufferevent_filtered *f = arg;

	(void)u;
	bufferevent_incref_and_lock_(&f->p.bev);
	(void)filter_input(f, BEV_NORMAL);
	bufferevent_decref_and_unlock_(&f->p.bev);
}

static void
filter_under_writecb(struct bufferevent *u, void *arg)
{
	struct bufferevent_filtered *f = arg;

	(void)u;
	bufferevent_incref_and_lock_(&f->p.bev);
	(void)filter_output(f, BEV_NORMAL);
	bufferevent_decref_and_unlock_(&f->p.bev);
}

static void
filter_under_eventcb(struct bufferevent *u, short what, void *arg)
{
	struct bufferevent_filtered *f = arg;

	(void)u;
	bufferevent_incref_and_lock_(&f->p.bev);
	bufferevent_run_eventcb_(&f->p.bev, what, 0);
	bufferevent_decref_and_unlock_(&f->p.bev);
}

/* New output on the filter goes down at once. */
static void
filter_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent_filtered *f = arg;

	(void)buf;
	if (info->n_added > 0)
		(void)filter_output(f, BEV_NORMAL);
}

/*
 * Reading: the underlying bufferevent reads while we do and our input has
 * room; pending underlying input is processed when we start again.
 */
static int
filter_update(struct bufferevent *bev, short which)
{
	struct bufferevent_filtered *f = BEV_FILT(bev);

	if ((which & EV_READ) && f->underlying != NULL) {
		if (bufferevent_reading_(bev)) {
			bufferevent_unsuspend_read_(f->underlying,
			    BEV_SUSPEND_FILT_READ);
			(void)filter_input(f, BEV_NORMAL);
		} else {
			bufferevent_suspend_read_(f->underlying,
			    BEV_SUSPEND_FILT_READ);
		}
	}
	if ((which & EV_WRITE) && f->underlying != NULL &&
	    bufferevent_writing_(bev))
		(void)filter_output(f, BEV_NORMAL);
	bufferevent_generic_adj_timeouts_(bev);
	return 0;
}

/* Freed: give the underlying bufferevent back (or free it). */
static void
filter_unlink(struct bufferevent *bev)
{
	struct bufferevent_filtered *f = BEV_FILT(bev);
	struct bufferevent *u = f->underlying;

	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	if (u == NULL)
		return;
	bufferevent_setcb(u, NULL, NULL, NULL, NULL);
	bufferevent_unsuspend_read_(u, BEV_SUSPEND_FILT_READ);
	if (f->p.options & BEV_OPT_CLOSE_ON_FREE) {
		/* With the lock held: bufferevent_free(bev) waits for u's
		 * handlers once it has released it. */
		BEV_P(u)->flags |= BEV_P_NESTED_FREE;
		bufferevent_free(u);
	}
}

static void
filter_destruct(struct bufferevent *bev)
{
	struct bufferevent_filtered *f = BEV_FILT(bev);

	if (f->free_context != NULL)
		(*f->free_context)(f->context);
	/* Dropped once our memory (and use of the lock) is gone. */
	f->p.release_after = f->underlying;
	f->underlying = NULL;
}

/*
 * Run the path(s) in the flush mode, then flush the underlying
 * bufferevent the same way (so BEV_FINISHED reaches the far end).
 * Returns 1 if data moved anywhere.
 */
static int
filter_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	struct bufferevent_filtered *f = BEV_FILT(bev);
	int moved = 0;

	if (f->underlying == NULL)
		return 0;
	if ((iotype & EV_READ) && filter_input(f, mode) > 0)
		moved = 1;
	if (iotype & EV_WRITE) {
		if (filter_output(f, mode) > 0)
			moved = 1;
		if (mode != BEV_NORMAL &&
		    bufferevent_flush(f->underlying, EV_WRITE, mode) > 0)
			moved = 1;
	}
	return moved;
}

static evutil_socket_t
filter_get_fd(struct bufferevent *bev)
{
	struct bufferevent *u = BEV_FILT(bev)->underlying;

	return u != NULL ? bufferevent_getfd(u) : -1;
}

static int
filter_set_fd(struct bufferevent *bev, evutil_socket_t fd)
{
	(void)bev;
	(void)fd;
	errno = EINVAL;
	return -1;
}

static struct bufferevent *
filter_get_underlying(struct bufferevent *bev)
{
	return BEV_FILT(bev)->underlying;
}

const struct bufferevent_ops bufferevent_ops_filter_ = {
	"filter",
	filter_update,
	filter_unlink,
	filter_destruct,
	filter_flush,
	filter_get_fd,
	filter_set_fd,
	filter_get_underlying,
};

struct bufferevent *
bufferevent_filter_new(struct bufferevent *underlying,
    bufferevent_filter_cb input_filter, bufferevent_filter_cb output_filter,
    int options, void (*free_context)(void *), void *ctx)
{
	struct bufferevent_filtered *f;
	struct bufferevent *bev;

	if (underlying == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((f = mm_calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (bufferevent_init_common_(&f->p, underlying->ev_base,
	    &bufferevent_ops_filter_, options & ~BEV_OPT_THREADSAFE) == -1) {
		mm_free(f);
		return NULL;
	}
	bev = &f->p.bev;
	/* One lock for both: the underlying bufferevent's callbacks run into
	 * the filter, and the filter writes into it. */
	f->p.options |= options & BEV_OPT_THREADSAFE;
	if ((options & BEV_OPT_THREADSAFE) || BEV_P(underlying)->lock != NULL)
		bufferevent_enable_locking_(&f->p, BEV_P(underlying)->lock);
	bufferevent_init_generic_timeouts_(bev);
	f->p.out_entry = evbuffer_add_cb_adds_only_(bev->output,
	    filter_outbuf_cb, f);
	if (f->p.out_entry == NULL) {
		bufferevent_decref_and_unlock_(bev);
		return NULL;
	}
	f->process_in = input_filter;
	f->process_out = output_filter;
	f->free_context = free_context;
	f->context = ctx;
	f->underlying = underlying;
	bufferevent_incref(underlying);
	bufferevent_setcb(underlying, filter_under_readcb,
	    filter_under_writecb, filter_under_eventcb, f);
	/* Reading starts when the filter's does. */
	bufferevent_suspend_read_(underlying, BEV_SUSPEND_FILT_READ);
	(void)bufferevent_enable(underlying, EV_READ | EV_WRITE);
	return bev;
}
