/*
 * regress.h -- our test runner's interface.
 *
 * Every test area (test/regress_<area>.c) exports one table:
 *
 *	struct regress_case regress_<area>_cases[] = {
 *		{ "core/timeout_order", test_timeout_order, RT_BASE, NULL },
 *		...
 *		RT_END
 *	};
 *
 * and test/regress_main.c lists the tables.  test/regress runs the cases
 * on one backend per invocation (-b NAME, chosen through the EVENT_NO*
 * variables), each in a forked child that is killed when it runs past its
 * time limit, so a crash or a hang fails one case only.  `make check`
 * runs it once per test/<backend>.backend file with --no-once, and once
 * more (test/once.backend) with --once for the cases flagged RT_ONCE,
 * which do not depend on the backend.
 *
 * Inside a case use the tt_* assertions: a failed one prints where and why
 * and ends the child with status 1.  tt_skip("reason") ends it as skipped
 * (the reason is printed).  Memory need not be freed at the end of a case
 * (the child exits), but every file descriptor the case opened must be
 * closed: the runner fails a case that leaves one open (RT_KEEPFD opts
 * out).  The base of RT_BASE (with the socketpair it opens for signals
 * and the io_uring ring epoll may make for its batches) and the RT_PAIR
 * fds are the runner's; a case that frees the base sets env->base to
 * NULL.  A case passes when its function returns.  Helpers shared by
 * several areas (loopback sockets, running the loop until something
 * happens, child processes, directories) are in regress_util.h.
 */
#ifndef REGRESS_H
#define REGRESS_H

#include <stdio.h>
#include <string.h>

struct event_base;

struct regress_env {
	struct event_base *base;	/* with RT_BASE: event_init()'s base */
	int pair[2];			/* with RT_PAIR: nonblocking AF_UNIX stream pair */
	const char *backend;		/* "epoll", "poll", "kqueue"... */
	const char *name;		/* the case's name */
};

typedef void (*regress_fn)(struct regress_env *env);

struct regress_case {
	const char *name;	/* "area/what" */
	regress_fn fn;
	int flags;		/* RT_* */
	const char *skip;	/* non-NULL: skip with this reason */
};

#define RT_BASE	0x01	/* env->base = event_init() (also current_base) */
#define RT_PAIR	0x02	/* env->pair = a nonblocking socketpair */
#define RT_ONCE	0x04	/* backend-independent: run once, not per backend */
#define RT_SLOW	0x08	/* time limit 60 s instead of 5 s */
#define RT_KEEPFD 0x10	/* may leave fds open (say why where it is used) */
#define RT_END	{ NULL, NULL, 0, NULL }

/* regress_main.c's list of tables, ended by { NULL, 0 }. */
struct regress_table {
	const struct regress_case *cases;
	int flags;		/* RT_* added to every case of the table */
	const char *backend;	/* non-NULL: only in this backend's run */
};

/* The C99 printf dialect (mingw-w64's own, __USE_MINGW_ANSI_STDIO). */
#ifdef __MINGW32__
#define REGRESS_PRINTF	gnu_printf
#else
#define REGRESS_PRINTF	printf
#endif

/* Report a failure and end the case.  Does not return. */
void regress_fail(const char *file, int line, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(REGRESS_PRINTF, 3, 4), noreturn))
#endif
	;
/* End the case as skipped with a reason.  Does not return. */
void regress_skip(const char *reason)
#ifdef __GNUC__
	__attribute__((noreturn))
#endif
	;
/* Print a note under the case (a TAP comment line, shown with -v or when
 * the case fails). */
void regress_note(const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(REGRESS_PRINTF, 1, 2)))
#endif
	;
/* Seconds on the monotonic clock, for timing bounds. */
double regress_now(void);
/* CLOCK_MONOTONIC in microseconds: the clock of the 1.4 ev_timeout. */
long long regress_mono_us(void);
/* The time-limit multiplier (REGRESS_TIMEOUT_MULTIPLIER, default 1, never
 * below 1), for cases that must widen their timing bounds under valgrind. */
double regress_slowdown(void);

#define tt_assert(cond) do {						\
	if (!(cond))							\
		regress_fail(__FILE__, __LINE__, "assert(%s)", #cond);	\
} while (0)

#define tt_fail(msg) regress_fail(__FILE__, __LINE__, "%s", (msg))

#define tt_int_op(a, op, b) do {					\
	long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);	\
	if (!(tt_a_ op tt_b_))						\
		regress_fail(__FILE__, __LINE__,			\
		    "%s %s %s: %lld vs %lld", #a, #op, #b, tt_a_, tt_b_);	\
} while (0)

#define tt_uint_op(a, op, b) do {					\
	unsigned long long tt_a_ = (unsigned long long)(a);		\
	unsigned long long tt_b_ = (unsigned long long)(b);		\
	if (!(tt_a_ op tt_b_))						\
		regress_fail(__FILE__, __LINE__,			\
		    "%s %s %s: %llu vs %llu", #a, #op, #b, tt_a_, tt_b_);	\
} while (0)

#define tt_ptr_op(a, op, b) do {					\
	const void *tt_a_ = (const void *)(a), *tt_b_ = (const void *)(b); \
	if (!(tt_a_ op tt_b_))						\
		regress_fail(__FILE__, __LINE__,			\
		    "%s %s %s: %p vs %p", #a, #op, #b, tt_a_, tt_b_);	\
} while (0)

#define tt_str_op(a, op, b) do {					\
	const char *tt_a_ = (a), *tt_b_ = (b);				\
	if (tt_a_ == NULL || tt_b_ == NULL ||				\
	    !(strcmp(tt_a_, tt_b_) op 0))				\
		regress_fail(__FILE__, __LINE__,			\
		    "%s %s %s: \"%s\" vs \"%s\"", #a, #op, #b,		\
		    tt_a_ ? tt_a_ : "(null)", tt_b_ ? tt_b_ : "(null)");	\
} while (0)

#define tt_mem_op(a, op, b, len) do {					\
	const void *tt_a_ = (a), *tt_b_ = (b);				\
	size_t tt_n_ = (len);						\
	if (tt_a_ == NULL || tt_b_ == NULL ||				\
	    !(memcmp(tt_a_, tt_b_, tt_n_) op 0))			\
		regress_fail(__FILE__, __LINE__,			\
		    "%s %s %s (%zu bytes) differ", #a, #op, #b, tt_n_);	\
} while (0)

#define tt_skip(reason) regress_skip(reason)

/*
 * The error of the last failed socket call as a POSIX errno value, which
 * cases compare with EAGAIN, ECONNREFUSED...: errno; on Windows the
 * library reports WSAGetLastError(), translated here (regress_win32.h).
 */
#ifdef _WIN32
#define regress_sock_errno()	regress_w32_errno(WSAGetLastError())
#else
#define regress_sock_errno()	(errno)
#endif

/*
 * Whether the socket fd is in nonblocking mode: 1 or 0, and -1 on
 * Windows, which cannot report it (FIONBIO can only be set there), so
 * tt_nonblocking() asserts the mode only where it can be known.  The
 * including file needs <fcntl.h>.
 */
#ifdef _WIN32
#define regress_nonblocking(fd)	((void)(fd), -1)
#else
#define regress_nonblocking(fd)	((fcntl((fd), F_GETFL) & O_NONBLOCK) != 0)
#endif
#define tt_nonblocking(fd, want) do {					\
	int tt_nb_ = regress_nonblocking(fd);				\
	if (tt_nb_ != -1)						\
		tt_int_op(tt_nb_, ==, (want));				\
} while (0)

#ifdef _WIN32
/* The POSIX calls the cases make, on Windows (include this header after
 * the system headers). */
#include "regress_win32.h"
#endif

#endif /* REGRESS_H */
