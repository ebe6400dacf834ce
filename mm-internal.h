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
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void *
mm_malloc(size_t n)
{
	return malloc(n);
}

static inline void *
mm_calloc(size_t count, size_t size)
{
	return calloc(count, size);
}

static inline void *
mm_realloc(void *p, size_t n)
{
	return realloc(p, n);
}

static inline void
mm_free(void *p)
{
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
