/*
 * evbuffer_cb.c -- the 2.x evbuffer callbacks (evbuffer_add_cb() and
 * friends, deferred callbacks), freezing, flags and locking.
 *
 * Callbacks.  The 1.4 buffer has one callback slot (buf->cb) that every
 * change already tests.  While a buffer has 2.x callbacks or defers them,
 * that slot holds evbuffer_run_callbacks_() and the program's own 1.4
 * callback waits in user_cb, so a buffer without 2.x callbacks pays
 * nothing.  Every change is either an addition or a removal, so the old
 * and new lengths the slot receives give the evbuffer_cb_info exactly.
 *
 * Callbacks may add and remove callbacks and free the buffer: removed
 * entries are only marked while callbacks run and unlinked afterwards,
 * and a free waits for the callbacks to return (cb_depth).
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "evbuffer-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* ------------------------------------------------------------------ */
/* Locks */

/* Empty until the thread layer installs its callbacks. */
static struct evbuffer_lock_callbacks_ evbuffer_locking;

void
evbuffer_set_lock_callbacks_(const struct evbuffer_lock_callbacks_ *cbs)
{
	if (cbs == NULL)
		memset(&evbuffer_locking, 0, sizeof(evbuffer_locking));
	else
		evbuffer_locking = *cbs;
}

/* A new recursive lock, or NULL when there are no lock callbacks. */
void *
evbuffer_lock_new_(void)
{
	if (evbuffer_locking.alloc == NULL)
		return NULL;
	return (*evbuffer_locking.alloc)(EVBUFFER_LOCKTYPE_RECURSIVE_);
}

void
evbuffer_lock_free_(void *lock)
{
	if (lock != NULL && evbuffer_locking.free != NULL)
		(*evbuffer_locking.free)(lock, EVBUFFER_LOCKTYPE_RECURSIVE_);
}

void
evbuffer_lock_acquire_(void *lock)
{
	if (lock != NULL && evbuffer_locking.lock != NULL)
		(void)(*evbuffer_locking.lock)(0, lock);
}

void
evbuffer_lock_release_(void *lock)
{
	if (lock != NULL && evbuffer_locking.unlock != NULL)
		(void)(*evbuffer_locking.unlock)(0, lock);
}

/* The slow path is needed while an end is frozen or there is a lock. */
static void
evbuffer_update_slow(struct evbuffer_private *p)
{
	p->slow = p->freeze_start || p->freeze_end || p->lock != NULL;
}

int
evbuffer_enable_locking(struct evbuffer *buf, void *lock)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);

	if (p->lock != NULL)
		return -1;
	if (lock == NULL) {
		if ((lock = evbuffer_lock_new_()) == NULL)
			return -1;
		p->own_lock = 1;
	}
	p->lock = lock;
	evbuffer_update_slow(p);
	return 0;
}

void
evbuffer_lock(struct evbuffer *buf)
{
	evbuffer_lock_acquire_(EVBUF_PRIV(buf)->lock);
}

void
evbuffer_unlock(struct evbuffer *buf)
{
	evbuffer_lock_release_(EVBUF_PRIV(buf)->lock);
}

/* ------------------------------------------------------------------ */
/* Freezing and flags */

static int
evbuffer_set_frozen(struct evbuffer *buf, int at_front, int on)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);

	evbuffer_lock_(buf);
	if (at_front)
		p->freeze_start = (unsigned char)on;
	else
		p->freeze_end = (unsigned char)on;
	evbuffer_update_slow(p);
	evbuffer_unlock_(buf);
	return 0;
}

int
evbuffer_freeze(struct evbuffer *buf, int at_front)
{
	return evbuffer_set_frozen(buf, at_front, 1);
}

int
evbuffer_unfreeze(struct evbuffer *buf, int at_front)
{
	return evbuffer_set_frozen(buf, at_front, 0);
}

int
evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	evbuffer_lock_(buf);
	EVBUF_PRIV(buf)->flags |= flags;
	evbuffer_unlock_(buf);
	return 0;
}

int
evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	evbuffer_lock_(buf);
	EVBUF_PRIV(buf)->flags &= ~flags;
	evbuffer_unlock_(buf);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Callbacks */

/*
 * Note whether every callback only cares about additions (the common
 * case of a bufferevent's output): then a removal is not dispatched.
 */
void
evbuffer_cbs_changed_(struct evbuffer_private *p)
{
	struct evbuffer_cb_entry *e;

	p->adds_only = p->user_cb == NULL && p->defer == NULL;
	for (e = p->cbs; e != NULL && p->adds_only; e = e->next)
		if ((e->flags & (EVBUFFER_CB_ENABLED | EVBUFFER_CB_DEAD_ |
		    EVBUFFER_CB_ADDS_ONLY_)) == EVBUFFER_CB_ENABLED)
			p->adds_only = 0;
	e = p->cbs;
	p->watcher = p->adds_only && e != NULL && e->next == NULL &&
	    (e->flags & (EVBUFFER_CB_ENABLED | EVBUFFER_CB_DEAD_)) ==
	    EVBUFFER_CB_ENABLED ? e : NULL;
}

/* Put the dispatcher in the callback slot, keeping the 1.4 callback. */
static void
evbuffer_dispatch_on(struct evbuffer_private *p)
{
	if (p->b.cb == evbuffer_run_callbacks_)
		return;
	p->user_cb = p->b.cb;
	p->user_cbarg = p->b.cbarg;
	p->b.cb = evbuffer_run_callbacks_;
	p->b.cbarg = p;
	evbuffer_cbs_changed_(p);
}

/* Give the slot back to the 1.4 callback when nothing else needs it. */
static void
evbuffer_dispatch_off(struct evbuffer_private *p)
{
	if (p->cbs != NULL || p->defer != NULL ||
	    p->b.cb != evbuffer_run_callbacks_)
		return;
	p->b.cb = p->user_cb;
	p->b.cbarg = p->user_cbarg;
	p->user_cb = NULL;
	p->user_cbarg = NULL;
}

/* Unlink and free the entries removed while callbacks ran. */
static void
evbuffer_sweep_cbs(struct evbuffer_private *p)
{
	struct evbuffer_cb_entry **pe = &p->cbs, *e;

	p->dead_cbs = 0;
	while ((e = *pe) != NULL) {
		if (e->flags & EVBUFFER_CB_DEAD_) {
			*pe = e->next;
			mm_free(e);
		} else {
			pe = &e->next;
		}
	}
	evbuffer_dispatch_off(p);
	evbuffer_cbs_changed_(p);
}

/*
 * Run the 2.x callbacks, newest first, then the 1.4 one.  The buffer is
 * marked busy meanwhile; a free asked for by a callback happens at the
 * end.  Returns 1 when the buffer was freed.  Inlined: it is the cost of
 * every change to a bufferevent's output.
 */
#ifdef __GNUC__
__attribute__((always_inline))
#endif
static inline int
evbuffer_invoke(struct evbuffer_private *p, size_t orig, size_t added,
    size_t deleted)
{
	struct evbuffer *buf = &p->b;
	struct evbuffer_cb_info info;
	struct evbuffer_cb_entry *e;

	info.orig_size = orig;
	info.n_added = added;
	info.n_deleted = deleted;
	p->cb_depth++;
	/* After a callback freed the buffer, the others are not told. */
	for (e = p->cbs; e != NULL && !p->free_pending; e = e->next) {
		if ((e->flags & (EVBUFFER_CB_ENABLED | EVBUFFER_CB_DEAD_)) !=
		    EVBUFFER_CB_ENABLED)
			continue;
		if (added == 0 && (e->flags & EVBUFFER_CB_ADDS_ONLY_))
			continue;
		(*e->cb)(buf, &info, e->cbarg);
	}
	/* The 1.4 callback never sees an unchanged length (a deferred
	 * report can add and remove the same amount). */
	if (p->user_cb != NULL && !p->free_pending && added != deleted)
		(*p->user_cb)(buf, orig, orig + added - deleted, p->user_cbarg);
	if (--p->cb_depth > 0)
		return 0;
	if (p->dead_cbs)
		evbuffer_sweep_cbs(p);
	if (p->free_pending) {
		p->cb_depth = 0;
		evbuffer_free(buf);
		return 1;
	}
	return 0;
}

/* The deferred event: report what changed since it was scheduled. */
static void
evbuffer_deferred_cb(int fd, short what, void *arg)
{
	struct evbuffer_private *p = arg;
	struct evbuffer *buf = &p->b;
	size_t orig, added, deleted;

	(void)fd;
	(void)what;
	evbuffer_lock_(buf);
	orig = p->defer->orig;
	added = p->defer->added;
	deleted = p->defer->deleted;
	p->defer->pending = 0;
	p->defer->added = p->defer->deleted = 0;
	p->cb_depth++;		/* keep the lock alive until unlocked */
	(void)evbuffer_invoke(p, orig, added, deleted);
	p->cb_depth--;
	evbuffer_unlock_(buf);
	if (p->cb_depth == 0 && p->free_pending)
		evbuffer_free(buf);
}

/* Run (or schedule) the callbacks of one change. */
#ifdef __GNUC__
__attribute__((noinline))
#endif
static void
evbuffer_dispatch(struct evbuffer_private *p, size_t old_len, size_t new_len)
{
	size_t added = new_len > old_len ? new_len - old_len : 0;
	size_t deleted = old_len > new_len ? old_len - new_len : 0;

	if (p->defer == NULL) {
		(void)evbuffer_invoke(p, old_len, added, deleted);
		return;
	}
	if (!p->defer->pending) {
		p->defer->pending = 1;
		p->defer->orig = old_len;
		event_active(&p->defer->ev, EV_TIMEOUT, 1);
	}
	p->defer->added += added;
	p->defer->deleted += deleted;
}

/*
 * Installed in buf->cb.  A removal nobody listens to (the output of a
 * bufferevent being written out) returns before any work: the dispatch is
 * a separate function so that this path saves no registers.
 */
void
evbuffer_run_callbacks_(struct evbuffer *buf, size_t old_len, size_t new_len,
    void *arg)
{
	struct evbuffer_private *p = arg;
	struct evbuffer_cb_entry *w = p->watcher;
	struct evbuffer_cb_info info;

	if (w != NULL) {
		/* The common case of a bufferevent's output. */
		if (new_len > old_len) {
			info.orig_size = old_len;
			info.n_added = new_len - old_len;
			info.n_deleted = 0;
			(*w->cb)(buf, &info, w->cbarg);
		}
		return;
	}
	if (new_len < old_len && p->adds_only)
		return;
	evbuffer_dispatch(p, old_len, new_len);
}

struct evbuffer_cb_entry *
evbuffer_add_cb(struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);
	struct evbuffer_cb_entry *e;

	if (cb == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((e = mm_calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->cb = cb;
	e->cbarg = cbarg;
	e->flags = EVBUFFER_CB_ENABLED;
	evbuffer_lock_(buf);
	e->next = p->cbs;
	p->cbs = e;
	evbuffer_dispatch_on(p);
	evbuffer_cbs_changed_(p);
	evbuffer_unlock_(buf);
	return e;
}

struct evbuffer_cb_entry *
evbuffer_add_cb_adds_only_(struct evbuffer *buf, evbuffer_cb_func cb,
    void *cbarg)
{
	struct evbuffer_cb_entry *e = evbuffer_add_cb(buf, cb, cbarg);

	if (e != NULL) {
		e->flags |= EVBUFFER_CB_ADDS_ONLY_;
		evbuffer_cbs_changed_(EVBUF_PRIV(buf));
	}
	return e;
}

/* Remove e (one of p's live entries): now, or after the callbacks. */
static void
evbuffer_drop_cb(struct evbuffer_private *p, struct evbuffer_cb_entry *e)
{
	e->flags |= EVBUFFER_CB_DEAD_;
	p->dead_cbs = 1;
	if (p->cb_depth == 0)
		evbuffer_sweep_cbs(p);
	else
		evbuffer_cbs_changed_(p);
}

/*
 * Remove the newest live entry that is ent (when ent is not NULL) or has
 * this function and argument.  0, or -1 when there is none.
 */
static int
evbuffer_remove_matching_cb(struct evbuffer *buf,
    struct evbuffer_cb_entry *ent, evbuffer_cb_func cb, void *cbarg)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);
	struct evbuffer_cb_entry *e;

	evbuffer_lock_(buf);
	for (e = p->cbs; e != NULL; e = e->next) {
		if (e->flags & EVBUFFER_CB_DEAD_)
			continue;
		if (ent != NULL ? e == ent : (e->cb == cb && e->cbarg == cbarg))
			break;
	}
	if (e != NULL)
		evbuffer_drop_cb(p, e);
	evbuffer_unlock_(buf);
	return e != NULL ? 0 : -1;
}

int
evbuffer_remove_cb_entry(struct evbuffer *buf, struct evbuffer_cb_entry *ent)
{
	if (ent == NULL)
		return -1;
	return evbuffer_remove_matching_cb(buf, ent, NULL, NULL);
}

int
evbuffer_remove_cb(struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg)
{
	return evbuffer_remove_matching_cb(buf, NULL, cb, cbarg);
}

int
evbuffer_cb_set_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb,
    ev_uint32_t flags)
{
	if (cb == NULL)
		return -1;
	evbuffer_lock_(buf);
	cb->flags |= flags & ~EVBUFFER_CB_INTERNAL_;
	evbuffer_cbs_changed_(EVBUF_PRIV(buf));
	evbuffer_unlock_(buf);
	return 0;
}

int
evbuffer_cb_clear_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb,
    ev_uint32_t flags)
{
	if (cb == NULL)
		return -1;
	evbuffer_lock_(buf);
	cb->flags &= ~(flags & ~EVBUFFER_CB_INTERNAL_);
	evbuffer_cbs_changed_(EVBUF_PRIV(buf));
	evbuffer_unlock_(buf);
	return 0;
}

/*
 * From now on the callbacks run from base's loop: the first change after
 * they last ran activates an event, later changes add to its report.
 */
int
evbuffer_defer_callbacks(struct evbuffer *buf, struct event_base *base)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);

	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	evbuffer_lock_(buf);
	if (p->defer == NULL && (p->defer = mm_calloc(1, sizeof(*p->defer))) ==
	    NULL) {
		evbuffer_unlock_(buf);
		return -1;
	}
	/* A change of base drops what the old one had not reported. */
	event_del(&p->defer->ev);
	memset(p->defer, 0, sizeof(*p->defer));
	event_set(&p->defer->ev, -1, 0, evbuffer_deferred_cb, p);
	event_base_set(base, &p->defer->ev);
	evbuffer_dispatch_on(p);
	evbuffer_cbs_changed_(p);
	evbuffer_unlock_(buf);
	return 0;
}
