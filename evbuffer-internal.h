/*
 * evbuffer-internal.h -- the private side of struct evbuffer, shared by
 * evbuffer.c (the 1.4 calls), evbuffer2.c (the 2.x calls), the
 * bufferevents and the tests' tuning constants.
 *
 * struct evbuffer keeps libevent 1.4's public layout (event.h).  Every
 * buffer is allocated by evbuffer_new() as a struct evbuffer_private,
 * whose first member is that public struct; the 2.x state lives after it.
 *
 * Fast path.  The 1.4 calls stay as cheap as before: the only extra work
 * is one test of `slow`, which is set while an end is frozen or the buffer
 * has a lock.  Callbacks cost nothing either: the 2.x callbacks and
 * deferral hang off the one 1.4 callback slot, buf->cb, which then points
 * at evbuffer_run_callbacks_(); the program's own 1.4 callback is kept in
 * user_cb meanwhile.
 */
#ifndef EVBUFFER_INTERNAL_H
#define EVBUFFER_INTERNAL_H

#include <sys/types.h>
#include <stddef.h>
#include <string.h>

/*
 * The 2.x headers come before event.h: where 1.4 declares void and 2.x
 * int (evbuffer_drain, evbuffer_setcb, bufferevent_setfd), the library
 * sees the int, which is what it defines.  Include this header before
 * event.h.
 */
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include "event.h"
#include "mm-internal.h"

/* As in event-internal.h (which needs <sys/queue.h> first). */
#ifndef EV_HIDDEN
#if defined(__GNUC__) && !defined(_WIN32)
#define EV_HIDDEN __attribute__((visibility("hidden")))
#else
#define EV_HIDDEN
#endif
#endif

/*
 * evbuffer_read() with a negative howmuch reads what FIONREAD reports,
 * but no less than EVBUFFER_DEFAULT_READ (used when FIONREAD cannot tell)
 * and no more than EVBUFFER_MAX_READ per call.
 */
#define EVBUFFER_DEFAULT_READ	4096
#define EVBUFFER_MAX_READ	(256 * 1024)

/* The 1.4 change callback's type. */
typedef void (*evbuffer_old_cb_)(struct evbuffer *, size_t, size_t, void *);

/* One 2.x callback (evbuffer_add_cb()). */
struct evbuffer_cb_entry {
	struct evbuffer_cb_entry *next;	/* newer entries come first */
	evbuffer_cb_func cb;
	void *cbarg;
	ev_uint32_t flags;		/* EVBUFFER_CB_* */
};

/* evbuffer_defer_callbacks(): the changes not yet reported (allocated on
 * first use, so plain buffers stay small). */
struct evbuffer_defer {
	struct event ev;		/* activated, never added */
	int pending;
	size_t orig, added, deleted;
};

/* Removed while callbacks were running; unlinked once they are done. */
#define EVBUFFER_CB_DEAD_	0x80000000u
/* The library's own entries that only care about additions (a
 * bufferevent's output watcher): not called for removals.  They must not
 * free the buffer or add or remove callbacks. */
#define EVBUFFER_CB_ADDS_ONLY_	0x40000000u
#define EVBUFFER_CB_INTERNAL_	(EVBUFFER_CB_DEAD_ | EVBUFFER_CB_ADDS_ONLY_)

struct evbuffer_private {
	struct evbuffer b;		/* the 1.4 public part; stays first */

	unsigned char slow;		/* frozen or locked: the slow path */
	unsigned char freeze_start;	/* evbuffer_freeze(buf, 1) */
	unsigned char freeze_end;	/* evbuffer_freeze(buf, 0) */
	unsigned char free_pending;	/* evbuffer_free() from a callback */
	unsigned char dead_cbs;		/* entries wait for evbuffer_sweep */
	unsigned char adds_only;	/* no callback cares about removals */
	unsigned char has_inline;	/* inl[] exists (see below) */
	/* The one callback, when it is the library's own EVBUFFER_CB_ADDS_ONLY_
	 * watcher (which never frees the buffer or changes its callbacks):
	 * it is called directly. */
	struct evbuffer_cb_entry *watcher;
	int cb_depth;			/* callbacks running (they may nest) */
	ev_uint64_t flags;		/* EVBUFFER_FLAG_* */

	void *lock;			/* NULL: no locking */
	int own_lock;			/* we made the lock and free it */

	struct evbuffer_cb_entry *cbs;	/* 2.x callbacks, newest first */
	evbuffer_old_cb_ user_cb;	/* the 1.4 callback while buf->cb */
	void *user_cbarg;		/*   is evbuffer_run_callbacks_() */

	struct evbuffer_defer *defer;	/* NULL: callbacks run at once */

	/*
	 * evbuffer_new()'s buffers carry EVBUFFER_INLINE bytes after the
	 * struct, their storage while the data fits (evbuffer_grow): the
	 * usual small reply body costs one allocation, not two.  The
	 * library's long-lived buffers (connections, bufferevents) have
	 * none, so an idle one holds no dead bytes.  Inline storage is never
	 * handed to another buffer (evbuffer_storage_movable_).
	 */
	unsigned char inl[];
};

#define EVBUFFER_INLINE	256

#define EVBUF_PRIV(buf)	((struct evbuffer_private *)(buf))

/* Is buf's storage the inline bytes of its own struct? */
static inline int
evbuffer_inline_used_(const struct evbuffer *buf)
{
	return EVBUF_PRIV(buf)->has_inline &&
	    buf->orig_buffer == EVBUF_PRIV(buf)->inl;
}

/* May src's storage move to another buffer (it is not inline)? */
static inline int
evbuffer_storage_movable_(const struct evbuffer *src)
{
	return !evbuffer_inline_used_(src);
}

/*
 * Move all of src (movable) into dst, which is empty, without copying:
 * dst takes src's storage and src dst's old one, rewound, unless that is
 * dst's inline bytes (src then starts without storage).
 */
static inline void
evbuffer_take_storage_(struct evbuffer *dst, struct evbuffer *src)
{
	unsigned char *ob = dst->orig_buffer;
	size_t tot = dst->totallen;

	if (evbuffer_inline_used_(dst)) {
		ob = NULL;
		tot = 0;
	}
	dst->buffer = src->buffer;
	dst->orig_buffer = src->orig_buffer;
	dst->misalign = src->misalign;
	dst->totallen = src->totallen;
	dst->off = src->off;
	src->orig_buffer = src->buffer = ob;
	src->misalign = 0;
	src->totallen = tot;
	src->off = 0;
}

/* evbuffer_new() without inline storage, for the library's long-lived
 * buffers (inline: the HTTP library links against the core). */
static inline struct evbuffer *
evbuffer_new_plain(void)
{
	struct evbuffer_private *p = mm_malloc(sizeof(*p));

	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	return &p->b;
}

/* Free buf's storage unless it is inline. */
static inline void
evbuffer_storage_free_(struct evbuffer *buf)
{
	if (!evbuffer_inline_used_(buf))
		mm_free(buf->orig_buffer);
}

/* Free bytes after the data. */
static inline size_t
evbuffer_tailroom_(const struct evbuffer *buf)
{
	return buf->totallen - buf->misalign - buf->off;
}

/* Run the change callback if the length moved from old_len. */
static inline void
evbuffer_notify_(struct evbuffer *buf, size_t old_len)
{
	if (buf->cb != NULL && buf->off != old_len)
		(*buf->cb)(buf, old_len, buf->off, buf->cbarg);
}

/* The buffer's lock, when it has one (recursive: calls may nest). */
static inline void
evbuffer_lock_(struct evbuffer *buf)
{
	if (EVBUF_PRIV(buf)->lock != NULL)
		evbuffer_lock(buf);
}

static inline void
evbuffer_unlock_(struct evbuffer *buf)
{
	if (EVBUF_PRIV(buf)->lock != NULL)
		evbuffer_unlock(buf);
}

/*
 * The slow path (evbuffer.c).  evbuffer_enter_() takes the lock and fails
 * (-1, errno EPERM, nothing held) when one of the ends the call changes
 * (EVB_FRONT, EVB_END) is frozen; evbuffer_leave_() releases it and runs
 * an evbuffer_free() that a callback asked for meanwhile.  The 2 forms
 * take two buffers, in address order.
 */
#define EVB_FRONT	0x01
#define EVB_END		0x02
EV_HIDDEN int evbuffer_enter_(struct evbuffer *buf, int ends);
EV_HIDDEN void evbuffer_leave_(struct evbuffer *buf);
EV_HIDDEN int evbuffer_enter2_(struct evbuffer *a, int a_ends,
    struct evbuffer *b, int b_ends);
EV_HIDDEN void evbuffer_leave2_(struct evbuffer *a, struct evbuffer *b);

/* After the callbacks changed: recompute adds_only. */
EV_HIDDEN void evbuffer_cbs_changed_(struct evbuffer_private *p);

/* evbuffer_add_cb() for the library's own EVBUFFER_CB_ADDS_ONLY_ entries. */
EV_HIDDEN struct evbuffer_cb_entry *evbuffer_add_cb_adds_only_(
    struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg);

/* The callback slot's value while 2.x callbacks or deferral are on. */
EV_HIDDEN void evbuffer_run_callbacks_(struct evbuffer *buf, size_t old_len,
    size_t new_len, void *arg);

/*
 * The 1.4 operations without locking or freeze checks (evbuffer.c), for
 * the 2.x code that has done both already.  Same results as the public
 * calls; they notify.
 */
EV_HIDDEN int evbuffer_expand_raw_(struct evbuffer *buf, size_t datlen);
EV_HIDDEN int evbuffer_add_raw_(struct evbuffer *buf, const void *data,
    size_t datlen);
EV_HIDDEN void evbuffer_drain_raw_(struct evbuffer *buf, size_t len);

/*
 * Where the first line end of data[0..len) starts, by eol_style; its
 * length goes to *eol_len.  Returns len (and *eol_len 0) when there is no
 * whole line end, or the style is unknown.
 */
EV_HIDDEN size_t evbuffer_find_eol_(const unsigned char *data, size_t len,
    enum evbuffer_eol_style eol_style, size_t *eol_len);

/*
 * Locks.  The thread layer (event2/thread.h) installs its lock callbacks
 * with evbuffer_set_lock_callbacks_(); until then no lock is ever made and
 * every lock operation is a no-op.  Locks are recursive.  Shared by the
 * evbuffers, the bufferevents and the listeners.
 */
struct evbuffer_lock_callbacks_ {
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};
/* The value of event2/thread.h's EVTHREAD_LOCKTYPE_RECURSIVE. */
#define EVBUFFER_LOCKTYPE_RECURSIVE_	1

EV_HIDDEN void evbuffer_set_lock_callbacks_(
    const struct evbuffer_lock_callbacks_ *cbs);
EV_HIDDEN void *evbuffer_lock_new_(void);
EV_HIDDEN void evbuffer_lock_free_(void *lock);
EV_HIDDEN void evbuffer_lock_acquire_(void *lock);
EV_HIDDEN void evbuffer_lock_release_(void *lock);

#endif /* EVBUFFER_INTERNAL_H */
