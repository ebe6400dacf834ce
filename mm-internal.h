/*
 * mm-internal.h -- the one door to the heap.
 *
 * Every allocation the library makes goes through these wrappers, never
 * through malloc() and friends directly.  By default they use the C
 * library's allocator, so memory the 1.4 API hands to the program (the
 * strings of evhttp_decode_uri(), evbuffer_readline(), ...) is released
 * by the program with free().  A program may replace the allocator with
 * event_set_mem_functions() (libevent 2.x): from then on such strings come
 * from its malloc_fn and must be released with its free_fn (mm.c).
 * Keeping every allocation here also gives the tests a single point at
 * which to make one fail.
 *
 * The wrappers are functions of libevent_core (event_mm_*_, exported, as
 * in libevent 2.1) so that libevent_extra uses the same allocator.
 * mm_calloc() and mm_strndup() return NULL for a size that overflows;
 * nothing here sets or clears errno beyond what the allocator does.
 *
 * Fault injection.  The library the allocation tests link (test/
 * libevent_fault.la, built with -DEVENT_FAULT_INJECTION; see mk/fault.am)
 * asks mm_fault_() in every wrapper of mm.c whether to fail the
 * allocation, and keeps the blocks it hands out, so a test can fail the
 * Nth allocation of a workload and check that nothing leaked.  The
 * installed libraries are built without it: there MM_FAULT() is 0 and
 * MM_LIVE() nothing, and the switch costs nothing.
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

void *event_mm_malloc_(size_t n);
void *event_mm_calloc_(size_t count, size_t size);
void *event_mm_realloc_(void *p, size_t n);
void event_mm_free_(void *p);

#define mm_malloc(n)		event_mm_malloc_(n)
#define mm_calloc(count, size)	event_mm_calloc_((count), (size))
#define mm_realloc(p, n)	event_mm_realloc_((p), (n))

/* free(NULL) does nothing: skip the call, which a request's teardown
 * makes several times with pointers that are NULL. */
static inline void
mm_free(void *p)
{
	if (p != NULL)
		event_mm_free_(p);
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

/*
 * Marks, in ai_flags, the evutil_addrinfo nodes the library built itself
 * (evdns_getaddrinfo(): one mm_malloc() block per node, the address
 * inside it), so that evutil_freeaddrinfo() frees them with mm_free()
 * and hands only the rest of a list to the system's freeaddrinfo().  No
 * system or portable AI_* flag uses this bit.
 */
#define EVUTIL_AI_LIBRARY_ALLOCATED_	0x40000000

#endif /* MM_INTERNAL_H */
