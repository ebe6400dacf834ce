/*
 * mm-internal.h -- the one door to the heap.
 *
 * Every allocation the library makes goes through these wrappers, never
 * through malloc() and friends directly.  They allocate with the C
 * library's allocator, so memory the 1.4 API hands to the program (the
 * strings of evhttp_decode_uri(), evbuffer_readline(), ...) is still
 * released by the program with free().  Keeping them in one place gives
 * the tests a single point at which to make an allocation fail.
 *
 * mm_strdup()/mm_strndup() return NULL on allocation failure (and for a
 * length that cannot be allocated); nothing here sets or clears errno
 * beyond what the C library does.
 *
 * Fault injection.  The library the allocation tests link (test/
 * libevent_fault.la, built with -DEVENT_FAULT_INJECTION; see mk/fault.am)
 * asks mm_fault_() before every allocation whether to fail it, and counts
 * the blocks it hands out and takes back, so a test can fail the Nth
 * allocation of a workload and check that nothing leaked.  The installed
 * libraries are built without it: there the wrappers are the bare calls,
 * and the switch costs nothing.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef EVENT_FAULT_INJECTION
/* Non-zero: fail this allocation (errno is then ENOMEM).  Counts it. */
int mm_fault_(void);
/* Block p was handed out (+1) or taken back (-1); block old (0: none)
 * became np. */
void mm_fault_live_(void *p, int delta);
void mm_fault_moved_(uintptr_t old, void *np);
/* Test control (test/mm_fault.c): fail the nth allocation from now on
 * (1 = the next one; 0 = none), and every one after it too if persist. */
void mm_fault_arm_(long nth, int persist);
long mm_fault_count_(void);	/* allocations asked for since arming */
long mm_fault_failed_(void);	/* allocations failed since arming */
long mm_fault_blocks_(void);	/* blocks live now */
/* The allocation numbers (counted from their arming) of up to max live
 * blocks; how many there are. */
int mm_fault_live_list_(long *seq, int max);
/* 1 when frees by the program are seen too (not under ASan). */
int mm_fault_exact_(void);
#define MM_FAULT()		mm_fault_()
#define MM_LIVE(p, delta)	do {					\
	if ((p) != NULL)						\
		mm_fault_live_((p), (delta));				\
} while (0)
#else
#define MM_FAULT()		0
#define MM_LIVE(p, delta)	do { } while (0)
#endif

static inline void *
mm_malloc(size_t n)
{
	void *p;

	if (MM_FAULT())
		return NULL;
	p = malloc(n);
	MM_LIVE(p, 1);
	return p;
}

static inline void *
mm_calloc(size_t count, size_t size)
{
	void *p;

	if (MM_FAULT())
		return NULL;
	p = calloc(count, size);
	MM_LIVE(p, 1);
	return p;
}

/* realloc(p, 0) is never asked for (it frees in glibc but not
 * everywhere); a block that moves is counted as freed and made anew. */
static inline void *
mm_realloc(void *p, size_t n)
{
	void *np;

	if (MM_FAULT())
		return NULL;
#ifdef EVENT_FAULT_INJECTION
	{
		/* Kept as a number: p must not be used once it moved. */
		uintptr_t old = (uintptr_t)p;

		np = realloc(p, n);
		if (np != NULL && (uintptr_t)np != old)
			mm_fault_moved_(old, np);
	}
#else
	np = realloc(p, n);
#endif
	return np;
}

static inline void
mm_free(void *p)
{
	MM_LIVE(p, -1);
	free(p);
}

/* A copy of the first n bytes of s, NUL-terminated. */
static inline char *
mm_strndup(const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = mm_malloc(n + 1);
	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static inline char *
mm_strdup(const char *s)
{
	return mm_strndup(s, strlen(s));
}

#endif /* MM_INTERNAL_H */
