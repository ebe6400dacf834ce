/*
 * min_heap-internal.h -- the timer heap.
 *
 * A 4-ary min-heap of (deadline, sequence, event) entries.  Deadline and
 * sequence are cached in the array so that sifting compares plain integers
 * without touching the events.  Each event stores its slot in min_heap_idx
 * (-1 when not in the heap), so delete and reschedule are O(log n) in place.
 *
 * Equal deadlines come out in insertion order: every push takes a sequence
 * number from the caller, compared only when two deadlines are equal.  It
 * lives in the entry, not in the event: many timers often share a deadline
 * (same timeout armed in one callback round), and a tie-break that read
 * the events would cost a cache miss per compare.
 *
 * Capacity is reserved with min_heap_reserve() before any state changes,
 * so min_heap_push() itself cannot fail.  The array is placed so that the
 * four children of every slot (4i+1 .. 4i+4, 96 bytes) start on a cache
 * line or half-way into one: a level of a sift touches two lines at most.
 */
#ifndef MIN_HEAP_INTERNAL_H
#define MIN_HEAP_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <sys/queue.h>
#include "event.h"
#include "mm-internal.h"

struct min_heap_ent {
	int64_t key;		/* deadline, microseconds, monotonic */
	uint64_t seq;		/* FIFO among equal deadlines */
	struct event *ev;
};

struct min_heap {
	struct min_heap_ent *p;
	unsigned n;		/* entries in use */
	unsigned a;		/* entries allocated */
	void *mem;		/* the allocation p lies in */
};

#define MIN_HEAP_LINE	64	/* cache line */

#define MIN_HEAP_NONE	((unsigned)-1)

/*
 * The sifts are the heap's hot loops: one body per caller, no calls.
 * min_heap_erase_inl_() is inlined into event_del() of a timer;
 * min_heap_erase() and the growth path stay out of line for the loop and
 * the slow paths, and the compiler decides for push and adjust (their
 * callers in event.c are out of line already).  Measured with
 * bench/bench_timers and callgrind.
 */
#ifdef __GNUC__
#define MIN_HEAP_INLINE		inline __attribute__((always_inline))
#define MIN_HEAP_NOINLINE	__attribute__((noinline, unused))
#else
#define MIN_HEAP_INLINE		inline
#define MIN_HEAP_NOINLINE	inline
#endif
#define MIN_HEAP_D	4
#define MIN_HEAP_PREFETCH_FROM	1024	/* slot where prefetching starts */

static inline void
min_heap_ctor(struct min_heap *h)
{
	h->p = NULL;
	h->mem = NULL;
	h->n = h->a = 0;
}

static inline void
min_heap_dtor(struct min_heap *h)
{
	mm_free(h->mem);
	h->p = NULL;
	h->mem = NULL;
	h->n = h->a = 0;
}

static inline void
min_heap_elem_init(struct event *ev)
{
	ev->min_heap_idx = MIN_HEAP_NONE;
}

static inline int
min_heap_empty(const struct min_heap *h)
{
	return h->n == 0;
}

static inline struct event *
min_heap_top(const struct min_heap *h)
{
	return h->n ? h->p[0].ev : NULL;
}

static inline int64_t
min_heap_top_key(const struct min_heap *h)
{
	return h->p[0].key;
}

/* Does a come strictly before b? */
static MIN_HEAP_INLINE int
min_heap_before_(const struct min_heap_ent *a, const struct min_heap_ent *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return a->seq < b->seq;
}

/* Grow the array to hold n entries (min_heap_reserve's slow path). */
static MIN_HEAP_NOINLINE int
min_heap_grow_(struct min_heap *h, unsigned n)
{
	struct min_heap_ent *p;
	unsigned a;
	uintptr_t at;
	size_t bytes;
	void *mem;

	if (n > (MIN_HEAP_NONE >> 1)) {
		errno = ENOMEM;
		return -1;
	}
	a = h->a ? h->a * 2 : 64;
	while (a < n)
		a *= 2;
	bytes = (size_t)a * sizeof(*p);
	mem = bytes / sizeof(*p) == a && bytes <= SIZE_MAX - MIN_HEAP_LINE ?
	    mm_malloc(bytes + MIN_HEAP_LINE) : NULL;
	if (mem == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* &p[1] on a line boundary (see the top). */
	at = ((uintptr_t)mem + sizeof(*p) + MIN_HEAP_LINE - 1) &
	    ~(uintptr_t)(MIN_HEAP_LINE - 1);
	p = (struct min_heap_ent *)(at - sizeof(*p));
	if (h->n > 0)
		memcpy(p, h->p, (size_t)h->n * sizeof(*p));
	mm_free(h->mem);
	h->mem = mem;
	h->p = p;
	h->a = a;
	return 0;
}

/* Make room for n entries in total.  0, or -1 with errno = ENOMEM. */
static inline int
min_heap_reserve(struct min_heap *h, unsigned n)
{
	return n <= h->a ? 0 : min_heap_grow_(h, n);
}

static MIN_HEAP_INLINE void
min_heap_sift_up_(struct min_heap *h, unsigned i, struct min_heap_ent e)
{
	while (i > 0) {
		unsigned parent = (i - 1) / MIN_HEAP_D;
		if (!min_heap_before_(&e, &h->p[parent]))
			break;
		h->p[i] = h->p[parent];
		h->p[i].ev->min_heap_idx = i;
		i = parent;
	}
	h->p[i] = e;
	e.ev->min_heap_idx = i;
}

/*
 * The earliest of the four children starting at slot c (all in the heap):
 * a two-round tournament, unrolled, whose first two compares do not
 * depend on each other.
 */
static MIN_HEAP_INLINE unsigned
min_heap_best_of_4_(const struct min_heap_ent *p, unsigned c)
{
	unsigned a = c + (min_heap_before_(&p[c + 1], &p[c]) ? 1 : 0);
	unsigned b = c + (min_heap_before_(&p[c + 3], &p[c + 2]) ? 3 : 2);

	return min_heap_before_(&p[b], &p[a]) ? b : a;
}

/*
 * Ask for the next level of a sift down while this one is compared: the
 * four families below slots c .. c+3 are contiguous (16 entries), and the
 * one the sift goes on to is among them.  In a heap larger than the cache
 * each level is a miss whose address depends on the level above; fetching
 * a level ahead overlaps two of those waits.
 */
static MIN_HEAP_INLINE void
min_heap_prefetch_below_(const struct min_heap *h, unsigned c)
{
#ifdef __GNUC__
	unsigned g = c * MIN_HEAP_D + 1;
	const char *at;

	/* The first levels (24 KiB) stay in the cache. */
	if (g < MIN_HEAP_PREFETCH_FROM || g >= h->n)
		return;
	at = (const char *)&h->p[g];
	__builtin_prefetch(at);
	__builtin_prefetch(at + 64);
	__builtin_prefetch(at + 128);
	__builtin_prefetch(at + 192);
	__builtin_prefetch(at + 256);
	__builtin_prefetch(at + 320);
	__builtin_prefetch(at + 16 * sizeof(struct min_heap_ent) - 1);
#else
	(void)h;
	(void)c;
#endif
}

/* The earliest of the children from slot c to the heap's end n: the
 * last family, partly filled (c < n < c + 4). */
static MIN_HEAP_INLINE unsigned
min_heap_best_of_last_(const struct min_heap_ent *p, unsigned c, unsigned n)
{
	unsigned best;

	for (best = c++; c < n; c++)
		if (min_heap_before_(&p[c], &p[best]))
			best = c;
	return best;
}

static MIN_HEAP_INLINE void
min_heap_sift_down_(struct min_heap *h, unsigned i, struct min_heap_ent e)
{
	unsigned n = h->n;

	for (;;) {
		unsigned c = i * MIN_HEAP_D + 1, best;
		if (c >= n)
			break;
		if (c + MIN_HEAP_D <= n) {
			min_heap_prefetch_below_(h, c);
			best = min_heap_best_of_4_(h->p, c);
		} else {
			best = min_heap_best_of_last_(h->p, c, n);
		}
		if (!min_heap_before_(&h->p[best], &e))
			break;
		h->p[i] = h->p[best];
		h->p[i].ev->min_heap_idx = i;
		i = best;
	}
	h->p[i] = e;
	e.ev->min_heap_idx = i;
}

/*
 * Fill the hole at slot i with e, the heap's last entry, which usually
 * belongs near the bottom: the hole first moves down along the earliest
 * children to a leaf (three compares a level, none against e), then e
 * moves up from there, rarely more than a level.  e must not come before
 * the parent of slot i.  (The full family is tested first: it is the
 * common case, and a compare a level shows in callgrind.)
 */
static MIN_HEAP_INLINE void
min_heap_fill_hole_(struct min_heap *h, unsigned i, struct min_heap_ent e)
{
	unsigned n = h->n;

	for (;;) {
		unsigned c = i * MIN_HEAP_D + 1, best;
		if (c + MIN_HEAP_D <= n) {
			min_heap_prefetch_below_(h, c);
			best = min_heap_best_of_4_(h->p, c);
		} else if (c < n) {
			best = min_heap_best_of_last_(h->p, c, n);
		} else {
			break;
		}
		h->p[i] = h->p[best];
		h->p[i].ev->min_heap_idx = i;
		i = best;
	}
	min_heap_sift_up_(h, i, e);
}

/* Put e into slot i and move it up or down to where it belongs. */
static MIN_HEAP_INLINE void
min_heap_place_(struct min_heap *h, unsigned i, struct min_heap_ent e)
{
	if (i > 0 && min_heap_before_(&e, &h->p[(i - 1) / MIN_HEAP_D]))
		min_heap_sift_up_(h, i, e);
	else
		min_heap_sift_down_(h, i, e);
}

/* Insert ev with deadline key.  Room must have been reserved. */
static inline void
min_heap_push(struct min_heap *h, struct event *ev, int64_t key, uint64_t seq)
{
	struct min_heap_ent e;

	e.key = key;
	e.seq = seq;
	e.ev = ev;
	min_heap_sift_up_(h, h->n++, e);
}

/* Remove ev (which must be in the heap); _inl_ is always inlined. */
static MIN_HEAP_INLINE void
min_heap_erase_inl_(struct min_heap *h, struct event *ev)
{
	unsigned i = ev->min_heap_idx;
	struct min_heap_ent last;

	ev->min_heap_idx = MIN_HEAP_NONE;
	last = h->p[--h->n];
	if (i == h->n)
		return;
	if (i > 0 && min_heap_before_(&last, &h->p[(i - 1) / MIN_HEAP_D]))
		min_heap_sift_up_(h, i, last);
	else
		min_heap_fill_hole_(h, i, last);
}

static MIN_HEAP_NOINLINE void
min_heap_erase(struct min_heap *h, struct event *ev)
{
	min_heap_erase_inl_(h, ev);
}

/* Give ev (in the heap) a new deadline, in place. */
static inline void
min_heap_adjust(struct min_heap *h, struct event *ev, int64_t key, uint64_t seq)
{
	unsigned i = ev->min_heap_idx;
	struct min_heap_ent e;

	e.key = key;
	e.seq = seq;
	e.ev = ev;
	min_heap_place_(h, i, e);
}

/* Remove and return the earliest event, or NULL. */
static inline struct event *
min_heap_pop(struct min_heap *h)
{
	struct event *ev;

	if (h->n == 0)
		return NULL;
	ev = h->p[0].ev;
	min_heap_erase(h, ev);
	return ev;
}

#endif /* MIN_HEAP_INTERNAL_H */
