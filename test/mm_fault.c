/*
 * mm_fault.c -- the allocation-failure switch of mm-internal.h, compiled
 * only into test/libevent_fault.la (-DEVENT_FAULT_INJECTION).
 *
 * A one-shot fault fails the nth allocation after arming and lets the
 * others through, which is what an allocation sweep needs: run a workload
 * once to count its allocations, then once per n with that one failing.
 * A persistent fault fails every allocation from the nth on (memory
 * exhausted for good).  The counters are plain globals: the tests that
 * use them run one workload per process.
 *
 * Live blocks are also kept by address (with the number of the
 * allocation that made them), so a leak can be named: MM_FAULT_TRACE=N
 * prints the call stack of allocation N on stderr (addresses:
 * addr2line -f -i -e test/regress-oom turns them into names).
 *
 * Some library blocks are the program's to free() (the strings of
 * evtag_unmarshal_string(), evhttp_decode_uri(), ...).  To see those go,
 * free() itself is wrapped here (glibc's __libc_free does the work), so
 * a block counts as live until anyone frees it.  Under AddressSanitizer,
 * which owns free(), the wrapper is left out; mm_fault_exact_() then says
 * 0 and the sweep asks LeakSanitizer instead.
 */
#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "mm-internal.h"

#define LIVE_SLOTS	(1 << 16)	/* open addressing, power of two */

struct live_slot {
	void *p;		/* NULL: free; &tombstone: deleted */
	long seq;		/* allocation number since arming, 0 before */
};

static long fault_nth;		/* 0: no fault armed */
static int fault_persist;
static long fault_count;
static long fault_failed;
static long fault_blocks;
static long fault_trace = -1;
static struct live_slot live[LIVE_SLOTS];
static char tombstone;

static void
trace_here(void)
{
	void *frames[24];
	int n = backtrace(frames, 24);

	backtrace_symbols_fd(frames, n, 2);
}

int
mm_fault_(void)
{
	fault_count++;
	if (fault_count == fault_trace)
		trace_here();
	if (fault_nth == 0 || fault_count < fault_nth)
		return 0;
	if (fault_count > fault_nth && !fault_persist)
		return 0;
	fault_failed++;
	errno = ENOMEM;
	return 1;
}

static size_t
live_hash(const void *p)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 7) & (LIVE_SLOTS - 1);
}

void
mm_fault_live_(void *p, int delta)
{
	size_t i = live_hash(p), n;

	/* Only blocks the library made count: a block of the program that
	 * the library frees by contract (EVRPC_REGISTER's) is not found. */
	if (delta > 0 && fault_blocks >= LIVE_SLOTS / 2)
		return;		/* full enough: stop keeping track */
	for (n = 0; n < LIVE_SLOTS; n++, i = (i + 1) & (LIVE_SLOTS - 1)) {
		if (delta > 0 && (live[i].p == NULL ||
		    live[i].p == &tombstone)) {
			live[i].p = p;
			live[i].seq = fault_count;
			fault_blocks++;
			return;
		}
		if (delta < 0 && live[i].p == p) {
			live[i].p = &tombstone;
			fault_blocks--;
			return;
		}
		if (delta < 0 && live[i].p == NULL)
			return;
	}
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MM_FAULT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MM_FAULT_ASAN 1
#endif

#ifndef MM_FAULT_ASAN
void __libc_free(void *);
void free(void *);

void
free(void *p)
{
	if (p != NULL)
		mm_fault_live_(p, -1);
	__libc_free(p);
}

int
mm_fault_exact_(void)
{
	return 1;
}
#else
int
mm_fault_exact_(void)
{
	return 0;
}
#endif

void
mm_fault_moved_(uintptr_t old, void *np)
{
	if (old != 0)
		mm_fault_live_((void *)old, -1);
	mm_fault_live_(np, 1);
}

void
mm_fault_arm_(long nth, int persist)
{
	const char *t = getenv("MM_FAULT_TRACE");

	fault_nth = nth;
	fault_persist = persist;
	fault_count = 0;
	fault_failed = 0;
	fault_trace = t != NULL ? atol(t) : -1;
}

long
mm_fault_count_(void)
{
	return fault_count;
}

long
mm_fault_failed_(void)
{
	return fault_failed;
}

long
mm_fault_blocks_(void)
{
	return fault_blocks;
}

int
mm_fault_live_list_(long *seq, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < LIVE_SLOTS; i++) {
		if (live[i].p == NULL || live[i].p == &tombstone)
			continue;
		if (n < max)
			seq[n] = live[i].seq;
		n++;
	}
	return n;
}
