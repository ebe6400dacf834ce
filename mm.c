/*
 * mm.c -- the library's allocator and event_set_mem_functions().
 *
 * By default every wrapper is the C library's function.  A program that
 * calls event_set_mem_functions() (libevent 2.x) must do so before the
 * library allocates anything: a block is always released by the
 * allocator that made it only if the allocator never changes while blocks
 * are live.  That is the program's promise, as in libevent 2.1.
 *
 * Replacing the allocator also changes who releases the strings that the
 * 1.4 API returns to the program (evbuffer_readline(), evhttp_decode_uri(),
 * evhttp_encode_uri(), evhttp_htmlescape(), ...): they come from
 * malloc_fn and must go to free_fn.  A 1.4 program frees them with
 * free(), which is right because a 1.4 program never replaces the
 * allocator; a program that mixes both APIs and installs its own
 * allocator must free them with its own free_fn (docs/COMPAT.md).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event2/event.h"
#include "mm-internal.h"

static void *(*mm_malloc_fn)(size_t);
static void *(*mm_realloc_fn)(void *, size_t);
static void (*mm_free_fn)(void *);

void
event_set_mem_functions(void *(*malloc_fn)(size_t sz),
    void *(*realloc_fn)(void *ptr, size_t sz), void (*free_fn)(void *ptr))
{
	mm_malloc_fn = malloc_fn;
	mm_realloc_fn = realloc_fn;
	mm_free_fn = free_fn;
}

void *
event_mm_malloc_(size_t n)
{
	if (mm_malloc_fn != NULL)
		return mm_malloc_fn(n);
	return malloc(n);
}

/* calloc(): count * size zeroed bytes, NULL (ENOMEM) if that overflows. */
void *
event_mm_calloc_(size_t count, size_t size)
{
	void *p;

	if (mm_malloc_fn == NULL)
		return calloc(count, size);
	if (size != 0 && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = mm_malloc_fn(count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

void *
event_mm_realloc_(void *p, size_t n)
{
	if (mm_realloc_fn != NULL)
		return mm_realloc_fn(p, n);
	return realloc(p, n);
}

void
event_mm_free_(void *p)
{
	if (mm_free_fn != NULL)
		mm_free_fn(p);
	else
		free(p);
}
