/*
 * event_debug.c -- debug mode, debug logging and global shutdown.
 *
 * Debug mode keeps a table of every event that was set up (event_set(),
 * event_assign(), event_new()) and not torn down; using an event missing
 * from it, or setting up again one that is pending, is a fatal error
 * (log, then the fatal callback or abort(), as in libevent 2.x).  It must
 * be switched on before any event or base exists, so the table knows
 * every event: event_debug_state_ records that events have been made.
 *
 * Debug logging is a global mask; each base caches "on" in its xflags so
 * that the fast paths test one word.  Bases are kept in a list for that.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

int event_debug_state_;
int event_debug_mode_on_;

/* The table: open addressing, linear probing, power-of-two size. */
static const struct event **dbg_slots;
static size_t dbg_size, dbg_used;
static void *dbg_lock;

/* All bases (for event_enable_debug_logging()). */
static struct event_base *all_bases;
static void *bases_lock;

static void
glock(void **lockp)
{
	if (*lockp == NULL)
		*lockp = evthread_global_lock_alloc_();
	if (*lockp != NULL)
		evthread_lock_(*lockp);
}

static void
gunlock(void *lock)
{
	if (lock != NULL)
		evthread_unlock_(lock);
}

static size_t
dbg_hash(const struct event *ev)
{
	uintptr_t h = (uintptr_t)ev;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b1u;
	return (size_t)(h ^ (h >> 13)) & (dbg_size - 1);
}

/* The slot holding ev, or the empty slot where it would go. */
static size_t
dbg_find(const struct event *ev)
{
	size_t i = dbg_hash(ev);

	while (dbg_slots[i] != NULL && dbg_slots[i] != ev)
		i = (i + 1) & (dbg_size - 1);
	return i;
}

static int
dbg_contains(const struct event *ev)
{
	return dbg_size != 0 && dbg_slots[dbg_find(ev)] == ev;
}

/* Grow to keep the table at most half full.  0 or -1. */
static int
dbg_grow(void)
{
	const struct event **old = dbg_slots;
	size_t oldsize = dbg_size, i;

	dbg_size = oldsize ? oldsize * 2 : 256;
	dbg_slots = mm_calloc(dbg_size, sizeof(*dbg_slots));
	if (dbg_slots == NULL) {
		dbg_slots = old;
		dbg_size = oldsize;
		return -1;
	}
	for (i = 0; i < oldsize; i++)
		if (old[i] != NULL)
			dbg_slots[dbg_find(old[i])] = old[i];
	mm_free(old);
	return 0;
}

static void
dbg_insert(const struct event *ev)
{
	if ((dbg_used + 1) * 2 > dbg_size && dbg_grow() == -1)
		event_errx(EVENT_ERR_ABORT_, "debug mode: out of memory");
	if (dbg_slots[dbg_find(ev)] == NULL) {
		dbg_slots[dbg_find(ev)] = ev;
		dbg_used++;
	}
}

/* Remove ev, moving later entries of its run back into the hole. */
static void
dbg_remove(const struct event *ev)
{
	size_t i, j, k;

	if (!dbg_contains(ev))
		return;
	i = dbg_find(ev);
	dbg_slots[i] = NULL;
	dbg_used--;
	for (j = (i + 1) & (dbg_size - 1); dbg_slots[j] != NULL;
	    j = (j + 1) & (dbg_size - 1)) {
		k = dbg_hash(dbg_slots[j]);
		/* Keep it if its home lies cyclically in (i, j]. */
		if ((i < j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		dbg_slots[i] = dbg_slots[j];
		dbg_slots[j] = NULL;
		i = j;
	}
}

static int
flags_pending(int flags)
{
	return (flags &
	    (EVLIST_INSERTED | EVLIST_TIMEOUT | EVLIST_ACTIVE)) != 0;
}

static int
ev_is_pending(const struct event *ev)
{
	return flags_pending(ev->ev_flags);
}

static void
dbg_fatal(const char *fn, const char *what, const struct event *ev)
{
	event_errx(EVENT_ERR_ABORT_, "%s called on %s event %p (events: 0x%x, "
	    "fd: %d, flags: 0x%x)", fn, what, (const void *)ev, ev->ev_events,
	    ev->ev_fd, ev->ev_flags);
}

/* ------------------------------------------------------------------ */
/* Hooks called by event.c and event_assign.c */

/* event_set()/event_assign(): the first event makes debug mode too late;
 * in debug mode, record ev, which was not to be pending (old_flags are
 * its flags from before it was set up again). */
void
event_debug_note_set_(const struct event *ev, int old_flags)
{
	if (event_debug_state_ == 0) {
		event_debug_state_ = 1;
		return;
	}
	glock(&dbg_lock);
	if (dbg_contains(ev) && flags_pending(old_flags)) {
		gunlock(dbg_lock);
		event_errx(EVENT_ERR_ABORT_, "%s called on an already added "
		    "event %p (events: 0x%x, fd: %d)", "event_assign",
		    (const void *)ev, ev->ev_events, ev->ev_fd);
	}
	dbg_insert(ev);
	gunlock(dbg_lock);
}

void
event_debug_note_teardown_(const struct event *ev)
{
	if (!event_debug_mode_on_)
		return;
	glock(&dbg_lock);
	dbg_remove(ev);
	gunlock(dbg_lock);
}

void
event_debug_assert_setup_(const struct event *ev, const char *fn)
{
	int ok;

	if (!event_debug_mode_on_)
		return;
	glock(&dbg_lock);
	ok = dbg_contains(ev);
	gunlock(dbg_lock);
	if (!ok)
		dbg_fatal(fn, "a non-initialized", ev);
}

void
event_debug_assert_not_added_(const struct event *ev, const char *fn)
{
	int bad;

	if (!event_debug_mode_on_)
		return;
	glock(&dbg_lock);
	bad = dbg_contains(ev) && ev_is_pending(ev);
	gunlock(dbg_lock);
	if (bad)
		dbg_fatal(fn, "an already added", ev);
}

/* ------------------------------------------------------------------ */
/* Public calls */

void
event_enable_debug_mode(void)
{
	if (event_debug_mode_on_)
		event_errx(1, "%s was called twice!",
		    "event_enable_debug_mode");
	if (event_debug_state_ != 0)
		event_errx(1, "%s must be called *before* creating any events "
		    "or event_bases", "event_enable_debug_mode");
	event_debug_state_ = 2;
	event_debug_mode_on_ = 1;
}

void
event_debug_unassign(struct event *ev)
{
	if (ev == NULL)
		return;
	event_debug_assert_not_added_(ev, "event_debug_unassign");
	event_debug_note_teardown_(ev);
	ev->ev_flags &= ~EVLIST_INIT;
}

static void
bases_set_xflag(int flag, int on)
{
	struct event_base *base;

	glock(&bases_lock);
	for (base = all_bases; base != NULL; base = base->next_base) {
		event_base_lock_(base);
		if (on)
			base->xflags |= flag;
		else
			base->xflags &= ~flag;
		event_base_unlock_(base);
	}
	gunlock(bases_lock);
}

void
event_enable_debug_logging(ev_uint32_t which)
{
	event_debug_logging_mask_ = which;
	bases_set_xflag(EVX_DEBUGLOG, which != 0);
}

/* A new base joins the list and takes the global debug settings. */
void
event_base_register_(struct event_base *base)
{
	glock(&bases_lock);
	if (event_debug_state_ == 0)
		event_debug_state_ = 1;
	if (event_debug_mode_on_)
		base->xflags |= EVX_DEBUGMODE;
	if (event_debug_logging_mask_)
		base->xflags |= EVX_DEBUGLOG;
	base->next_base = all_bases;
	if (all_bases != NULL)
		all_bases->prev_base = &base->next_base;
	base->prev_base = &all_bases;
	all_bases = base;
	gunlock(bases_lock);
}

void
event_base_unregister_(struct event_base *base)
{
	if (base->prev_base == NULL)
		return;
	glock(&bases_lock);
	if (base->next_base != NULL)
		base->next_base->prev_base = base->prev_base;
	*base->prev_base = base->next_base;
	base->prev_base = NULL;
	gunlock(bases_lock);
}

/*
 * Forget debug mode and its table, the global locks, the thread
 * callbacks and the random generator's state.  Bases still alive are
 * dropped from the list (the program promised there are none).
 */
void
libevent_global_shutdown(void)
{
	mm_free(dbg_slots);
	dbg_slots = NULL;
	dbg_size = dbg_used = 0;
	event_debug_mode_on_ = 0;
	event_debug_state_ = 0;
	all_bases = NULL;
	evthread_global_lock_free_(dbg_lock);
	dbg_lock = NULL;
	evthread_global_lock_free_(bases_lock);
	bases_lock = NULL;
	evutil_secure_rng_shutdown_();
	evthread_shutdown_();
}
