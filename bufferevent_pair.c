/*
 * bufferevent_pair.c -- two bufferevents joined in memory: what one writes
 * appears in the other's input, as over a socketpair but with no fd and no
 * copying when a whole output fits.
 *
 * Data moves from A's output to B's input whenever both A writes and B
 * reads (enabled and not suspended), limited by B's read high watermark;
 * a move is tried when A's output grows, when either direction starts
 * running again, and on bufferevent_flush().  As in libevent 2.1 a pair's
 * callbacks always run from the event loop (BEV_OPT_DEFER_CALLBACKS is
 * implied): otherwise two ends writing to each other from their callbacks
 * would recurse without bound.  Timeouts use the generic timers.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bufferevent-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct bufferevent_pair {
	struct bufferevent_private p;	/* must stay first */
	struct bufferevent_pair *partner;	/* NULL once it was freed */
	int moving;			/* inside pair_move(): no recursion */
	/* BEV_OPT_THREADSAFE: how many ends still use the lock they share
	 * (counted under it); the last to go frees it.  Either end may
	 * outlive the other's bufferevent_free() through a reference. */
	int *lock_users;
};

#define BEV_PAIR(bev)	((struct bufferevent_pair *)(bev))

static struct bufferevent *
pair_partner(struct bufferevent *bev)
{
	struct bufferevent_pair *pp = BEV_PAIR(bev)->partner;

	return pp != NULL ? &pp->p.bev : NULL;
}

/*
 * Move what may go from src's output to dst's input: all of it when
 * `force` (a flush), else what both ends' state and dst's high watermark
 * allow.  Returns the bytes moved.
 */
static size_t
pair_move(struct bufferevent *src, struct bufferevent *dst, int force)
{
	size_t n = src->output->off;

	if (BEV_PAIR(src)->moving || n == 0)
		return 0;
	if (!force &&
	    (!bufferevent_writing_(src) || !bufferevent_reading_(dst)))
		return 0;
	if (!force && dst->wm_read.high != 0) {
		if (dst->input->off >= dst->wm_read.high)
			return 0;
		if (n > dst->wm_read.high - dst->input->off)
			n = dst->wm_read.high - dst->input->off;
	}
	BEV_PAIR(src)->moving = 1;
	if (n == src->output->off)
		(void)evbuffer_add_buffer(dst->input, src->output);
	else
		(void)evbuffer_remove_buffer(src->output, dst->input, n);
	BEV_PAIR(src)->moving = 0;

	bufferevent_check_read_wm_(dst);
	bufferevent_generic_adj_timeouts_(dst);
	bufferevent_generic_adj_timeouts_(src);
	if (dst->input->off >= dst->wm_read.low)
		bufferevent_run_readcb_(dst, 0);
	if (src->output->off <= src->wm_write.low)
		bufferevent_run_writecb_(src, 0);
	return n;
}

/* Data added to an end's output goes across at once if it can. */
static void
pair_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bev = arg, *partner = pair_partner(bev);

	(void)buf;
	if (info->n_added > 0 && partner != NULL)
		(void)pair_move(bev, partner, 0);
	/* Waiting output starts the write timeout. */
	bufferevent_generic_adj_timeouts_(bev);
}

static int
pair_update(struct bufferevent *bev, short which)
{
	struct bufferevent *partner = pair_partner(bev);

	if (partner != NULL) {
		if (which & EV_WRITE)
			(void)pair_move(bev, partner, 0);
		if (which & EV_READ)
			(void)pair_move(partner, bev, 0);
	}
	bufferevent_generic_adj_timeouts_(bev);
	return 0;
}

/* Freed: the other end stays, with nobody to talk to. */
static void
pair_unlink(struct bufferevent *bev)
{
	struct bufferevent_pair *pp = BEV_PAIR(bev), *other = pp->partner;

	if (other != NULL)
		other->partner = NULL;
	pp->partner = NULL;
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
}

/* The last end to go owns the shared lock (bufferevent_finalize_()
 * frees it after this). */
static void
pair_destruct(struct bufferevent *bev)
{
	struct bufferevent_pair *pp = BEV_PAIR(bev);

	if (pp->lock_users != NULL && --*pp->lock_users == 0) {
		mm_free(pp->lock_users);
		pp->p.own_lock = 1;
	}
	pp->lock_users = NULL;
}

/*
 * BEV_FLUSH and BEV_FINISHED move everything across regardless of the
 * other end's state; BEV_FINISHED then tells it that nothing more comes
 * (BEV_EVENT_EOF).  Returns 1 if data moved.
 */
static int
pair_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	struct bufferevent *partner = pair_partner(bev);
	size_t moved = 0;

	if (mode == BEV_NORMAL || partner == NULL)
		return 0;
	bufferevent_incref_and_lock_(partner);
	if (iotype & EV_WRITE)
		moved += pair_move(bev, partner, 1);
	if (iotype & EV_READ)
		moved += pair_move(partner, bev, 1);
	if (mode == BEV_FINISHED) {
		if (iotype & EV_WRITE)
			bufferevent_run_eventcb_(partner,
			    BEV_EVENT_READING | BEV_EVENT_EOF, 0);
		if (iotype & EV_READ)
			bufferevent_run_eventcb_(bev,
			    BEV_EVENT_READING | BEV_EVENT_EOF, 0);
	}
	bufferevent_decref_and_unlock_(partner);
	return moved > 0;
}

static evutil_socket_t
pair_get_fd(struct bufferevent *bev)
{
	(void)bev;
	return -1;
}

static int
pair_set_fd(struct bufferevent *bev, evutil_socket_t fd)
{
	(void)bev;
	(void)fd;
	errno = EINVAL;
	return -1;
}

static struct bufferevent *
pair_get_underlying(struct bufferevent *bev)
{
	(void)bev;
	return NULL;
}

const struct bufferevent_ops bufferevent_ops_pair_ = {
	"pair",
	pair_update,
	pair_unlink,
	pair_destruct,
	pair_flush,
	pair_get_fd,
	pair_set_fd,
	pair_get_underlying,
};

/* One end; lock is the other end's (NULL: make one if THREADSAFE). */
static struct bufferevent_pair *
pair_end_new(struct event_base *base, int options, void *lock)
{
	struct bufferevent_pair *pp;
	struct bufferevent *bev;

	if ((pp = mm_calloc(1, sizeof(*pp))) == NULL)
		return NULL;
	if (bufferevent_init_common_(&pp->p, base, &bufferevent_ops_pair_,
	    (options & ~BEV_OPT_THREADSAFE) | BEV_OPT_DEFER_CALLBACKS) == -1) {
		mm_free(pp);
		return NULL;
	}
	bev = &pp->p.bev;
	pp->p.options |= options & BEV_OPT_THREADSAFE;
	if (options & BEV_OPT_THREADSAFE)
		bufferevent_enable_locking_(&pp->p, lock);
	bufferevent_init_generic_timeouts_(bev);
	pp->p.out_entry = evbuffer_add_cb(bev->output, pair_outbuf_cb, bev);
	if (pp->p.out_entry == NULL) {
		bufferevent_decref_and_unlock_(bev);
		return NULL;
	}
	return pp;
}

int
bufferevent_pair_new(struct event_base *base, int options,
    struct bufferevent *pair[2])
{
	struct bufferevent_pair *a, *b;

	if (base == NULL || pair == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((a = pair_end_new(base, options, NULL)) == NULL)
		return -1;
	if ((b = pair_end_new(base, options, a->p.lock)) == NULL) {
		bufferevent_free(&a->p.bev);
		return -1;
	}
	if (a->p.lock != NULL) {
		if ((a->lock_users = mm_malloc(sizeof(int))) == NULL) {
			bufferevent_free(&b->p.bev);
			bufferevent_free(&a->p.bev);
			return -1;
		}
		*a->lock_users = 2;
		b->lock_users = a->lock_users;
		a->p.own_lock = 0;	/* pair_destruct() decides */
	}
	a->partner = b;
	b->partner = a;
	pair[0] = &a->p.bev;
	pair[1] = &b->p.bev;
	return 0;
}

struct bufferevent *
bufferevent_pair_get_partner(struct bufferevent *bev)
{
	struct bufferevent *res = NULL;

	bufferevent_lock_(bev);
	if (BEV_P(bev)->ops == &bufferevent_ops_pair_)
		res = pair_partner(bev);
	bufferevent_unlock_(bev);
	return res;
}
