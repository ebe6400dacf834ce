/*
 * bufferevent_ratelim.c -- token-bucket rate limits for bufferevents, on
 * their own and in groups, and the largest single read and write.
 *
 * A bucket holds the bytes a direction may still move.  Time is cut into
 * ticks of the configuration's length; each tick adds `rate` bytes, up to
 * `burst`.  Buckets are brought up to date lazily, from the base's cached
 * time, whenever they are consulted, so nothing runs while nobody reads or
 * writes.  When a bucket runs dry the direction is suspended
 * (BEV_SUSPEND_BW, or BEV_SUSPEND_BW_GROUP for every member of a group) and
 * a timer wakes it at the next tick.
 *
 * A group member may move, per operation, its share of the group's bucket
 * (the bucket divided by the members, but at least min_share), so members
 * take turns instead of one of them draining the bucket.
 *
 * The limits are applied by socket bufferevents (bufferevent_sock.c), as in
 * libevent 2.1, whose pairs and filters do not apply them either.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bufferevent-internal.h"
#include "event-internal.h"	/* event_now_us_() */
#include "log-internal.h"
#include "mm-internal.h"

#define RATELIM_MIN_SHARE_DEFAULT	64
/* Without bufferevent_set_max_single_*(): reads take what FIONREAD offers
 * up to EVBUFFER_MAX_READ, writes the whole output (an int's worth). */
#define BEV_MAX_READ_DEFAULT	((ev_ssize_t)EVBUFFER_MAX_READ)
#define BEV_MAX_WRITE_DEFAULT	((ev_ssize_t)INT_MAX)

struct ev_token_bucket_cfg {
	size_t read_rate, read_burst;
	size_t write_rate, write_burst;
	struct timeval tick_len;
	int64_t tick_us;
};

struct bev_bucket {
	ev_ssize_t read;	/* bytes left; may be negative */
	ev_ssize_t write;
	int64_t tick;		/* the tick it was last brought up to */
};

struct bufferevent_rate_limit {
	struct bufferevent_private *owner;
	struct ev_token_bucket_cfg *cfg;	/* own limit; NULL: none */
	struct bev_bucket bucket;
	struct event refill;			/* wakes a dry bucket */
	struct bufferevent_rate_limit_group *group;
	struct bufferevent_rate_limit *next, *prev;	/* group members */
};

struct bufferevent_rate_limit_group {
	struct event_base *base;
	struct ev_token_bucket_cfg cfg;
	struct bev_bucket bucket;
	struct bufferevent_rate_limit *members;
	int n_members;
	size_t min_share;
	int read_suspended, write_suspended;
	ev_uint64_t total_read, total_written;
	struct event refill;
};

/* ------------------------------------------------------------------ */
/* Buckets */

static int64_t
ratelim_tick(struct event_base *base, const struct ev_token_bucket_cfg *cfg)
{
	return event_now_us_(base) / cfg->tick_us;
}

/* Add `ticks` ticks' worth of rate to *limit, capped at burst. */
static void
bucket_fill(ev_ssize_t *limit, int64_t ticks, size_t rate, size_t burst)
{
	ev_ssize_t cap = (ev_ssize_t)burst;
	size_t gap;

	if (*limit >= cap)
		return;
	/* cap - *limit, computed without overflowing ev_ssize_t. */
	gap = *limit < 0 ? (size_t)cap + (size_t)-*limit :
	    (size_t)(cap - *limit);
	if ((uint64_t)ticks > gap / rate)
		*limit = cap;
	else
		*limit += (ev_ssize_t)((size_t)ticks * rate);
}

static void
bucket_update(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg,
    struct event_base *base)
{
	int64_t now = ratelim_tick(base, cfg);

	if (now <= b->tick)
		return;
	bucket_fill(&b->read, now - b->tick, cfg->read_rate, cfg->read_burst);
	bucket_fill(&b->write, now - b->tick, cfg->write_rate,
	    cfg->write_burst);
	b->tick = now;
}

static void
bucket_init(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg,
    struct event_base *base)
{
	b->read = (ev_ssize_t)cfg->read_rate;
	b->write = (ev_ssize_t)cfg->write_rate;
	b->tick = ratelim_tick(base, cfg);
}

/* bucket -= n without wrapping. */
static void
bucket_take(ev_ssize_t *limit, ev_ssize_t n)
{
	if (n > 0 && *limit < -EV_SSIZE_MAX + n)
		*limit = -EV_SSIZE_MAX;
	else if (n < 0 && *limit > EV_SSIZE_MAX + n)
		*limit = EV_SSIZE_MAX;
	else
		*limit -= n;
}

/* Arm ev for the start of the next tick. */
static void
ratelim_wake_next_tick(struct event *ev, struct event_base *base,
    const struct ev_token_bucket_cfg *cfg)
{
	int64_t now = event_now_us_(base);
	int64_t left = (now / cfg->tick_us + 1) * cfg->tick_us - now;
	struct timeval tv;

	tv.tv_sec = (time_t)(left / 1000000);
	tv.tv_usec = (suseconds_t)(left % 1000000);
	event_add(ev, &tv);
}

/* ------------------------------------------------------------------ */
/* Configurations */

struct ev_token_bucket_cfg *
ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
    size_t write_rate, size_t write_burst, const struct timeval *tick_len)
{
	struct ev_token_bucket_cfg *cfg;
	struct timeval one_second = { 1, 0 };

	if (tick_len == NULL)
		tick_len = &one_second;
	if (read_rate < 1 || write_rate < 1 || read_rate > read_burst ||
	    write_rate > write_burst ||
	    read_burst > (size_t)EV_RATE_LIMIT_MAX ||
	    write_burst > (size_t)EV_RATE_LIMIT_MAX ||
	    tick_len->tv_sec < 0 || tick_len->tv_usec < 0 ||
	    tick_len->tv_usec >= 1000000 ||
	    tick_len->tv_sec > INT32_MAX ||
	    (tick_len->tv_sec == 0 && tick_len->tv_usec == 0)) {
		errno = EINVAL;
		return NULL;
	}
	if ((cfg = mm_calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->read_rate = read_rate;
	cfg->read_burst = read_burst;
	cfg->write_rate = write_rate;
	cfg->write_burst = write_burst;
	cfg->tick_len = *tick_len;
	cfg->tick_us = (int64_t)tick_len->tv_sec * 1000000 + tick_len->tv_usec;
	return cfg;
}

void
ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg)
{
	mm_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Groups */

/* What one member may move now out of a group bucket holding `limit`. */
static ev_ssize_t
group_share(const struct bufferevent_rate_limit_group *g, ev_ssize_t limit)
{
	ev_ssize_t share;

	if (limit <= 0)
		return 0;
	share = limit / (g->n_members > 0 ? g->n_members : 1);
	if ((size_t)share < g->min_share)
		share = (ev_ssize_t)g->min_share;
	return share;
}

static void
group_set_suspended(struct bufferevent_rate_limit_group *g, int reading,
    int on)
{
	struct bufferevent_rate_limit *rl;

	if (reading)
		g->read_suspended = on;
	else
		g->write_suspended = on;
	for (rl = g->members; rl != NULL; rl = rl->next) {
		struct bufferevent *bev = &rl->owner->bev;

		if (reading && on)
			bufferevent_suspend_read_(bev, BEV_SUSPEND_BW_GROUP);
		else if (reading)
			bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW_GROUP);
		else if (on)
			bufferevent_suspend_write_(bev, BEV_SUSPEND_BW_GROUP);
		else
			bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW_GROUP);
	}
}

/* Suspend or resume the members to match the group's buckets. */
static void
group_check(struct bufferevent_rate_limit_group *g)
{
	int dry_r = g->bucket.read <= 0, dry_w = g->bucket.write <= 0;

	if (dry_r != g->read_suspended)
		group_set_suspended(g, 1, dry_r);
	if (dry_w != g->write_suspended)
		group_set_suspended(g, 0, dry_w);
	if ((dry_r || dry_w) && !event_pending(&g->refill, EV_TIMEOUT, NULL))
		ratelim_wake_next_tick(&g->refill, g->base, &g->cfg);
}

static void
group_refill_cb(int fd, short what, void *arg)
{
	struct bufferevent_rate_limit_group *g = arg;

	(void)fd;
	(void)what;
	bucket_update(&g->bucket, &g->cfg, g->base);
	group_check(g);
}

struct bufferevent_rate_limit_group *
bufferevent_rate_limit_group_new(struct event_base *base,
    const struct ev_token_bucket_cfg *cfg)
{
	struct bufferevent_rate_limit_group *g;

	if (base == NULL || cfg == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((g = mm_calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->base = base;
	g->cfg = *cfg;
	g->min_share = RATELIM_MIN_SHARE_DEFAULT;
	bucket_init(&g->bucket, cfg, base);
	event_set(&g->refill, -1, 0, group_refill_cb, g);
	event_base_set(base, &g->refill);
	return g;
}

int
bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *g,
    const struct ev_token_bucket_cfg *cfg)
{
	if (g == NULL || cfg == NULL) {
		errno = EINVAL;
		return -1;
	}
	bucket_update(&g->bucket, &g->cfg, g->base);
	g->cfg = *cfg;
	g->bucket.tick = ratelim_tick(g->base, cfg);
	if (g->bucket.read > (ev_ssize_t)cfg->read_burst)
		g->bucket.read = (ev_ssize_t)cfg->read_burst;
	if (g->bucket.write > (ev_ssize_t)cfg->write_burst)
		g->bucket.write = (ev_ssize_t)cfg->write_burst;
	group_check(g);
	return 0;
}

int
bufferevent_rate_limit_group_set_min_share(
    struct bufferevent_rate_limit_group *g, size_t share)
{
	if (g == NULL || share > (size_t)EV_SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	g->min_share = share;
	return 0;
}

static void
group_unlink(struct bufferevent_rate_limit *rl)
{
	struct bufferevent_rate_limit_group *g = rl->group;
	struct bufferevent *bev = &rl->owner->bev;

	if (rl->prev != NULL)
		rl->prev->next = rl->next;
	else
		g->members = rl->next;
	if (rl->next != NULL)
		rl->next->prev = rl->prev;
	rl->next = rl->prev = NULL;
	rl->group = NULL;
	g->n_members--;
	bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW_GROUP);
	bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW_GROUP);
}

void
bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *g)
{
	if (g == NULL)
		return;
	while (g->members != NULL)
		group_unlink(g->members);
	event_del(&g->refill);
	mm_free(g);
}

ev_ssize_t
bufferevent_rate_limit_group_get_read_limit(
    struct bufferevent_rate_limit_group *g)
{
	bucket_update(&g->bucket, &g->cfg, g->base);
	return g->bucket.read;
}

ev_ssize_t
bufferevent_rate_limit_group_get_write_limit(
    struct bufferevent_rate_limit_group *g)
{
	bucket_update(&g->bucket, &g->cfg, g->base);
	return g->bucket.write;
}

int
bufferevent_rate_limit_group_decrement_read(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr)
{
	bucket_update(&g->bucket, &g->cfg, g->base);
	bucket_take(&g->bucket.read, decr);
	group_check(g);
	return 0;
}

int
bufferevent_rate_limit_group_decrement_write(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr)
{
	bucket_update(&g->bucket, &g->cfg, g->base);
	bucket_take(&g->bucket.write, decr);
	group_check(g);
	return 0;
}

void
bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *grp, ev_uint64_t *total_read_out,
    ev_uint64_t *total_written_out)
{
	if (total_read_out != NULL)
		*total_read_out = grp->total_read;
	if (total_written_out != NULL)
		*total_written_out = grp->total_written;
}

void
bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp)
{
	grp->total_read = grp->total_written = 0;
}

/* ------------------------------------------------------------------ */
/* One bufferevent */

/* A bucket of the bufferevent's own ran dry or filled: follow it. */
static void
ratelim_check(struct bufferevent_rate_limit *rl)
{
	struct bufferevent *bev = &rl->owner->bev;
	int dry_r, dry_w;

	if (rl->cfg == NULL) {
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW);
		bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW);
		event_del(&rl->refill);
		return;
	}
	dry_r = rl->bucket.read <= 0;
	dry_w = rl->bucket.write <= 0;
	if (dry_r)
		bufferevent_suspend_read_(bev, BEV_SUSPEND_BW);
	else
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW);
	if (dry_w)
		bufferevent_suspend_write_(bev, BEV_SUSPEND_BW);
	else
		bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW);
	if ((dry_r || dry_w) && !event_pending(&rl->refill, EV_TIMEOUT, NULL))
		ratelim_wake_next_tick(&rl->refill, bev->ev_base, rl->cfg);
}

static void
ratelim_refill_cb(int fd, short what, void *arg)
{
	struct bufferevent_rate_limit *rl = arg;
	struct bufferevent *bev = &rl->owner->bev;

	(void)fd;
	(void)what;
	bufferevent_incref_and_lock_(bev);
	if (rl->cfg != NULL)
		bucket_update(&rl->bucket, rl->cfg, bev->ev_base);
	ratelim_check(rl);
	bufferevent_decref_and_unlock_(bev);
}

/* The bufferevent's rate-limit state, made on first use (NULL: no
 * memory, or no base to time it with). */
static struct bufferevent_rate_limit *
ratelim_get(struct bufferevent_private *p)
{
	struct bufferevent_rate_limit *rl = p->rate_limiting;

	if (rl != NULL)
		return rl;
	if (p->bev.ev_base == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((rl = mm_calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->owner = p;
	bufferevent_event_set_(&p->bev, &rl->refill, -1, 0, ratelim_refill_cb,
	    rl);
	p->rate_limiting = rl;
	return rl;
}

/* Drop the state once it holds neither a limit nor a group. */
static void
ratelim_release_if_unused(struct bufferevent_private *p)
{
	struct bufferevent_rate_limit *rl = p->rate_limiting;

	if (rl == NULL || rl->cfg != NULL || rl->group != NULL)
		return;
	event_del(&rl->refill);
	mm_free(rl);
	p->rate_limiting = NULL;
}

void
bufferevent_ratelim_free_(struct bufferevent_private *p)
{
	struct bufferevent_rate_limit *rl = p->rate_limiting;

	if (rl == NULL)
		return;
	if (rl->group != NULL)
		group_unlink(rl);
	rl->cfg = NULL;
	ratelim_release_if_unused(p);
}

int
bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg)
{
	struct bufferevent_private *p = BEV_P(bev);
	struct bufferevent_rate_limit *rl;
	int res = 0;

	bufferevent_incref_and_lock_(bev);
	if (cfg == NULL) {
		if ((rl = p->rate_limiting) != NULL) {
			rl->cfg = NULL;
			ratelim_check(rl);
			ratelim_release_if_unused(p);
		}
	} else if ((rl = ratelim_get(p)) == NULL) {
		res = -1;
	} else if (rl->cfg != cfg) {
		/* A new configuration starts with a fresh bucket. */
		rl->cfg = cfg;
		bucket_init(&rl->bucket, cfg, bev->ev_base);
		ratelim_check(rl);
	}
	bufferevent_decref_and_unlock_(bev);
	return res;
}

int
bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *g)
{
	struct bufferevent_private *p = BEV_P(bev);
	struct bufferevent_rate_limit *rl;
	int res = 0;

	if (g == NULL) {
		errno = EINVAL;
		return -1;
	}
	bufferevent_incref_and_lock_(bev);
	if ((rl = ratelim_get(p)) == NULL) {
		res = -1;
	} else if (rl->group != g) {
		if (rl->group != NULL)
			group_unlink(rl);
		rl->group = g;
		rl->next = g->members;
		if (g->members != NULL)
			g->members->prev = rl;
		g->members = rl;
		g->n_members++;
		if (g->read_suspended)
			bufferevent_suspend_read_(bev, BEV_SUSPEND_BW_GROUP);
		if (g->write_suspended)
			bufferevent_suspend_write_(bev, BEV_SUSPEND_BW_GROUP);
	}
	bufferevent_decref_and_unlock_(bev);
	return res;
}

int
bufferevent_remove_from_rate_limit_group(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);

	bufferevent_incref_and_lock_(bev);
	if (p->rate_limiting != NULL && p->rate_limiting->group != NULL) {
		group_unlink(p->rate_limiting);
		ratelim_release_if_unused(p);
	}
	bufferevent_decref_and_unlock_(bev);
	return 0;
}

/* The most the next operation of one direction may move. */
static ev_ssize_t
ratelim_quota(struct bufferevent_private *p, int reading, int consult)
{
	struct bufferevent_rate_limit *rl = p->rate_limiting;
	size_t single = reading ? p->max_single_read : p->max_single_write;
	ev_ssize_t quota, own, grp;

	quota = single != 0 ? (ev_ssize_t)single :
	    reading ? BEV_MAX_READ_DEFAULT : BEV_MAX_WRITE_DEFAULT;
	if (rl == NULL)
		return quota;
	if (rl->cfg != NULL) {
		if (consult)
			bucket_update(&rl->bucket, rl->cfg, p->bev.ev_base);
		own = reading ? rl->bucket.read : rl->bucket.write;
		if (own < quota)
			quota = own > 0 ? own : 0;
	}
	if (rl->group != NULL) {
		struct bufferevent_rate_limit_group *g = rl->group;

		if (consult)
			bucket_update(&g->bucket, &g->cfg, g->base);
		grp = group_share(g,
		    reading ? g->bucket.read : g->bucket.write);
		if (grp < quota)
			quota = grp;
	}
	return quota;
}

/* For the socket handlers: -1 for "no limit, let the buffer choose"; at
 * 0 the direction is suspended until the next tick. */
ev_ssize_t
bufferevent_quota_(struct bufferevent_private *p, int reading)
{
	size_t single = reading ? p->max_single_read : p->max_single_write;
	ev_ssize_t q;

	if (p->rate_limiting == NULL)
		return single != 0 ? (ev_ssize_t)single : -1;
	if ((q = ratelim_quota(p, reading, 1)) == 0) {
		if (p->rate_limiting->cfg != NULL)
			ratelim_check(p->rate_limiting);
		if (p->rate_limiting->group != NULL)
			group_check(p->rate_limiting->group);
	}
	return q;
}

void
bufferevent_charge_(struct bufferevent_private *p, int reading, size_t n)
{
	struct bufferevent_rate_limit *rl = p->rate_limiting;
	struct bufferevent_rate_limit_group *g = rl->group;
	ev_ssize_t *own = reading ? &rl->bucket.read : &rl->bucket.write;

	if (rl->cfg != NULL) {
		bucket_take(own, (ev_ssize_t)n);
		if (*own <= 0)
			ratelim_check(rl);
	}
	if (g != NULL) {
		ev_ssize_t *shared = reading ? &g->bucket.read :
		    &g->bucket.write;

		bucket_take(shared, (ev_ssize_t)n);
		if (reading)
			g->total_read += n;
		else
			g->total_written += n;
		if (*shared <= 0)
			group_check(g);
	}
}

/* ------------------------------------------------------------------ */
/* Queries and adjustments on one bufferevent */

static int
ratelim_decrement(struct bufferevent *bev, ev_ssize_t decr, int reading)
{
	struct bufferevent_rate_limit *rl = BEV_P(bev)->rate_limiting;
	int res = -1;

	bufferevent_incref_and_lock_(bev);
	if (rl != NULL && rl->cfg != NULL) {
		bucket_update(&rl->bucket, rl->cfg, bev->ev_base);
		bucket_take(reading ? &rl->bucket.read : &rl->bucket.write,
		    decr);
		ratelim_check(rl);
		res = 0;
	} else {
		errno = EINVAL;
	}
	bufferevent_decref_and_unlock_(bev);
	return res;
}

int
bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr)
{
	return ratelim_decrement(bev, decr, 1);
}

int
bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr)
{
	return ratelim_decrement(bev, decr, 0);
}

static ev_ssize_t
ratelim_own_limit(struct bufferevent *bev, int reading)
{
	struct bufferevent_rate_limit *rl = BEV_P(bev)->rate_limiting;
	ev_ssize_t res = EV_SSIZE_MAX;

	bufferevent_lock_(bev);
	if (rl != NULL && rl->cfg != NULL) {
		bucket_update(&rl->bucket, rl->cfg, bev->ev_base);
		res = reading ? rl->bucket.read : rl->bucket.write;
	}
	bufferevent_unlock_(bev);
	return res;
}

ev_ssize_t
bufferevent_get_read_limit(struct bufferevent *bev)
{
	return ratelim_own_limit(bev, 1);
}

ev_ssize_t
bufferevent_get_write_limit(struct bufferevent *bev)
{
	return ratelim_own_limit(bev, 0);
}

ev_ssize_t
bufferevent_get_max_to_read(struct bufferevent *bev)
{
	ev_ssize_t res;

	bufferevent_lock_(bev);
	res = ratelim_quota(BEV_P(bev), 1, 1);
	bufferevent_unlock_(bev);
	return res;
}

ev_ssize_t
bufferevent_get_max_to_write(struct bufferevent *bev)
{
	ev_ssize_t res;

	bufferevent_lock_(bev);
	res = ratelim_quota(BEV_P(bev), 0, 1);
	bufferevent_unlock_(bev);
	return res;
}

const struct ev_token_bucket_cfg *
bufferevent_get_token_bucket_cfg(const struct bufferevent *bev)
{
	const struct bufferevent_rate_limit *rl = BEV_P(bev)->rate_limiting;

	return rl != NULL ? rl->cfg : NULL;
}

/* 0 or more than EV_SSIZE_MAX: back to the default. */
int
bufferevent_set_max_single_read(struct bufferevent *bev, size_t size)
{
	bufferevent_lock_(bev);
	BEV_P(bev)->max_single_read =
	    size > (size_t)EV_SSIZE_MAX ? 0 : size;
	bufferevent_unlock_(bev);
	return 0;
}

int
bufferevent_set_max_single_write(struct bufferevent *bev, size_t size)
{
	bufferevent_lock_(bev);
	BEV_P(bev)->max_single_write =
	    size > (size_t)EV_SSIZE_MAX ? 0 : size;
	bufferevent_unlock_(bev);
	return 0;
}

ev_ssize_t
bufferevent_get_max_single_read(struct bufferevent *bev)
{
	size_t n = BEV_P(bev)->max_single_read;

	return n != 0 ? (ev_ssize_t)n : BEV_MAX_READ_DEFAULT;
}

ev_ssize_t
bufferevent_get_max_single_write(struct bufferevent *bev)
{
	size_t n = BEV_P(bev)->max_single_write;

	return n != 0 ? (ev_ssize_t)n : BEV_MAX_WRITE_DEFAULT;
}
