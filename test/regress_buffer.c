/*
 * test/regress_buffer.c -- evbuffer cases (bufferevents are in
 * test/regress_bufferevent.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evbuffer-internal.h"
#include "regress.h"
#include "regress_util.h"

/* Free bytes after the data. */
static size_t
tailroom(const struct evbuffer *b)
{
	return b->totallen - b->misalign - b->off;
}

/* The public fields must describe one consistent allocation. */
static void
check_invariants(const struct evbuffer *b)
{
	/* An empty buffer has no storage: NULL + 0 is undefined in C, so
	 * the offset is checked apart from the pointers. */
	if (b->orig_buffer == NULL)
		tt_assert(b->buffer == NULL && b->misalign == 0 &&
		    b->totallen == 0);
	else
		tt_assert(b->buffer == b->orig_buffer + b->misalign);
	tt_assert(b->misalign <= b->totallen);
	tt_assert(b->off <= b->totallen - b->misalign);
}

/* Records every change callback. */
struct cb_log {
	int n;
	size_t old_len[16], new_len[16];
	struct evbuffer *buf[16];
	void *arg[16];
};

static void
log_cb(struct evbuffer *buf, size_t old_len, size_t new_len, void *arg)
{
	struct cb_log *l = arg;

	if (l->n < 16) {
		l->old_len[l->n] = old_len;
		l->new_len[l->n] = new_len;
		l->buf[l->n] = buf;
		l->arg[l->n] = arg;
	}
	l->n++;
}

static void
test_new_free(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	(void)env;
	tt_assert(b != NULL);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	tt_ptr_op(EVBUFFER_DATA(b), ==, NULL);
	tt_uint_op(b->totallen, ==, 0);
	tt_assert(b->cb == NULL);
	/* Operations on the never-used buffer. */
	evbuffer_drain(b, 10);
	evbuffer_drain(b, (size_t)-1);
	tt_int_op(evbuffer_remove(b, NULL, 0), ==, 0);
	tt_ptr_op(evbuffer_readline(b), ==, NULL);
	tt_ptr_op(evbuffer_readln(b, NULL, EVBUFFER_EOL_ANY), ==, NULL);
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"a", 1), ==, NULL);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
	evbuffer_free(NULL);
}

static void
test_add_drain(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	unsigned char *data, *orig;
	char tmp[8];

	(void)env;
	tt_int_op(evbuffer_add(b, "hello world", 11), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 11);
	tt_mem_op(EVBUFFER_DATA(b), ==, "hello world", 11);
	tt_uint_op(b->totallen, >=, 256);	/* first allocation */
	check_invariants(b);

	/* Draining advances the pointer: no memmove. */
	data = EVBUFFER_DATA(b);
	orig = b->orig_buffer;
	evbuffer_drain(b, 6);
	tt_ptr_op(EVBUFFER_DATA(b), ==, data + 6);
	tt_ptr_op(b->orig_buffer, ==, orig);
	tt_uint_op(b->misalign, ==, 6);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 5);
	tt_mem_op(EVBUFFER_DATA(b), ==, "world", 5);
	check_invariants(b);

	/* Draining nothing changes nothing. */
	evbuffer_drain(b, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 5);

	/* Draining all rewinds to the start of the allocation. */
	evbuffer_drain(b, 5);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	tt_uint_op(b->misalign, ==, 0);
	tt_ptr_op(EVBUFFER_DATA(b), ==, orig);

	/* The (size_t)-1 idiom. */
	evbuffer_add(b, "abc", 3);
	evbuffer_drain(b, 1);
	evbuffer_drain(b, (size_t)-1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	tt_uint_op(b->misalign, ==, 0);

	/* One byte in, one byte out. */
	tt_int_op(evbuffer_add(b, "x", 1), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1);
	tt_int_op(evbuffer_remove(b, tmp, sizeof(tmp)), ==, 1);
	tt_int_op(tmp[0], ==, 'x');
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* Adding nothing is fine, even from NULL. */
	tt_int_op(evbuffer_add(b, NULL, 0), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
}

static void
test_remove(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	char out[32];

	(void)env;
	evbuffer_add(b, "0123456789", 10);
	tt_int_op(evbuffer_remove(b, out, 3), ==, 3);
	tt_mem_op(out, ==, "012", 3);
	tt_int_op(evbuffer_remove(b, out, 0), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 7);
	/* Asking for more than there is copies what there is. */
	memset(out, '#', sizeof(out));
	tt_int_op(evbuffer_remove(b, out, sizeof(out)), ==, 7);
	tt_mem_op(out, ==, "3456789#", 8);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	tt_int_op(evbuffer_remove(b, out, sizeof(out)), ==, 0);
	evbuffer_free(b);
}

static void
test_expand(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	size_t prev;

	(void)env;
	tt_int_op(evbuffer_expand(b, 0), ==, 0);
	tt_int_op(evbuffer_expand(b, 1), ==, 0);
	tt_uint_op(b->totallen, ==, 256);
	tt_uint_op(tailroom(b), >=, 1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* Growth doubles, so it never shrinks below what is asked. */
	evbuffer_add(b, "abc", 3);
	tt_int_op(evbuffer_expand(b, 1000), ==, 0);
	tt_uint_op(b->totallen, ==, 1024);
	tt_uint_op(tailroom(b), >=, 1000);
	tt_mem_op(EVBUFFER_DATA(b), ==, "abc", 3);
	prev = b->totallen;
	tt_int_op(evbuffer_expand(b, 10), ==, 0);
	tt_uint_op(b->totallen, ==, prev);	/* already room */

	/* A drained prefix is reclaimed by realigning when that pays. */
	evbuffer_drain(b, 2);
	{
		char big[1000];
		memset(big, 'z', sizeof(big));
		evbuffer_add(b, big, 1000);
	}
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1001);
	evbuffer_drain(b, 1000);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1);
	prev = b->totallen;
	tt_int_op(evbuffer_expand(b, 1020), ==, 0);
	tt_uint_op(b->totallen, ==, prev);
	tt_uint_op(b->misalign, ==, 0);
	tt_int_op(EVBUFFER_DATA(b)[0], ==, 'z');
	check_invariants(b);
	evbuffer_free(b);
}

/*
 * Appends are amortized O(1): one byte at a time, the allocation moves
 * only log2 times.  Draining is O(1): the data pointer advances by exactly
 * the drained amount.  A nearly full buffer that is drained and refilled a
 * few bytes at a time is not memmoved on every refill.
 */
static void
test_amortized(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	unsigned char *last = NULL;
	int moves = 0, i, realigns = 0;
	const int N = 1 << 20;

	(void)env;
	for (i = 0; i < N; i++) {
		unsigned char c = (unsigned char)i;
		tt_int_op(evbuffer_add(b, &c, 1), ==, 0);
		if (b->orig_buffer != last) {
			moves++;
			last = b->orig_buffer;
		}
	}
	tt_int_op(moves, <=, 14);
	for (i = 0; i < N - 1; i++) {
		unsigned char *p = EVBUFFER_DATA(b);
		tt_int_op(p[0], ==, (unsigned char)i);
		evbuffer_drain(b, 1);
		if (EVBUFFER_DATA(b) != p + 1)
			tt_fail("drain moved the data");
	}
	evbuffer_drain(b, 1);

	/* Churn near full: drain 10, add 10, many times. */
	{
		unsigned char chunk[10] = "0123456789";
		size_t full = b->totallen - 5;
		unsigned char *fill = malloc(full);
		tt_assert(fill != NULL);
		memset(fill, 'f', full);
		evbuffer_add(b, fill, full);
		free(fill);
		for (i = 0; i < 200000; i++) {
			size_t mis;
			evbuffer_drain(b, 10);
			mis = b->misalign;
			evbuffer_add(b, chunk, 10);
			if (b->misalign == 0 && mis != 0)
				realigns++;
		}
		/* Each realign moves ~off bytes and reclaims as many. */
		tt_int_op(realigns, <=, 8);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, full);
		tt_mem_op(EVBUFFER_DATA(b) + full - 10, ==, chunk, 10);
	}
	check_invariants(b);
	evbuffer_free(b);
}

/* Adding the buffer's own bytes to itself, across a reallocation. */
static void
test_add_self(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	char expect[512];
	int i;

	(void)env;
	for (i = 0; i < 200; i++)
		expect[i] = (char)('a' + i % 26);
	evbuffer_add(b, expect, 200);
	memcpy(expect + 200, expect, 200);
	/* 400 > 256: the add must grow the buffer first. */
	tt_int_op(evbuffer_add(b, EVBUFFER_DATA(b), 200), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 400);
	tt_mem_op(EVBUFFER_DATA(b), ==, expect, 400);

	/* From a drained-but-allocated prefix: the bytes are still there. */
	evbuffer_drain(b, 300);
	{
		unsigned char *stale = b->orig_buffer + 10;
		char want[100];
		memcpy(want, stale, 100);
		/* Needs more than the tail: realigns or grows. */
		tt_int_op(evbuffer_add(b, stale, 100), ==, 0);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 200);
		tt_mem_op(EVBUFFER_DATA(b) + 100, ==, want, 100);
	}
	evbuffer_free(b);
}

/* CVE-2014-6272: huge lengths fail cleanly and leave the buffer intact. */
static void
test_huge(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	unsigned char *data;
	size_t total, off;
	struct cb_log log;
	char c = 'x';

	(void)env;
	memset(&log, 0, sizeof(log));
	evbuffer_add(b, "0123456789", 10);
	evbuffer_drain(b, 3);
	evbuffer_setcb(b, log_cb, &log);
	data = EVBUFFER_DATA(b);
	total = b->totallen;
	off = EVBUFFER_LENGTH(b);

	tt_int_op(evbuffer_add(b, &c, SIZE_MAX), ==, -1);
	tt_int_op(evbuffer_add(b, &c, SIZE_MAX - 6), ==, -1);
	tt_int_op(evbuffer_add(b, &c, SIZE_MAX - off + 1), ==, -1);
	tt_int_op(evbuffer_expand(b, SIZE_MAX), ==, -1);
	tt_int_op(evbuffer_expand(b, SIZE_MAX - off + 1), ==, -1);
	/* Representable, but larger than any object can be. */
	tt_int_op(evbuffer_add(b, &c, SIZE_MAX / 2), ==, -1);
	tt_int_op(evbuffer_expand(b, SIZE_MAX - off), ==, -1);
	tt_int_op(evbuffer_expand(b, (SIZE_MAX >> 1) + 2), ==, -1);
	tt_int_op(evbuffer_expand(b, (size_t)PTRDIFF_MAX - off + 1), ==, -1);
	tt_ptr_op(EVBUFFER_DATA(b), ==, data);
	tt_uint_op(b->totallen, ==, total);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, off);
	tt_mem_op(EVBUFFER_DATA(b), ==, "3456789", 7);
	tt_int_op(log.n, ==, 0);

	/* Drain and remove with huge counts just empty the buffer. */
	tt_int_op(evbuffer_remove(b, &c, 1), ==, 1);
	{
		char out[16];
		tt_int_op(evbuffer_remove(b, out, SIZE_MAX), ==, 6);
		tt_mem_op(out, ==, "456789", 6);
	}
	evbuffer_drain(b, SIZE_MAX);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	/* Still usable. */
	tt_int_op(evbuffer_add(b, "ok", 2), ==, 0);
	tt_mem_op(EVBUFFER_DATA(b), ==, "ok", 2);
	evbuffer_free(b);
}

static void
test_add_buffer(struct regress_env *env)
{
	struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
	struct cb_log ls, ld;
	unsigned char *storage;

	(void)env;
	memset(&ls, 0, sizeof(ls));
	memset(&ld, 0, sizeof(ld));
	/* Storage of its own (a small buffer's inline bytes never move:
	 * buffer/inline_storage). */
	tt_int_op(evbuffer_expand(src, 1024), ==, 0);
	evbuffer_add(src, "abcdef", 6);
	evbuffer_drain(src, 1);
	evbuffer_setcb(src, log_cb, &ls);
	evbuffer_setcb(dst, log_cb, &ld);

	/* Empty destination: the storage moves, nothing is copied. */
	storage = EVBUFFER_DATA(src);
	tt_int_op(evbuffer_add_buffer(dst, src), ==, 0);
	tt_ptr_op(EVBUFFER_DATA(dst), ==, storage);
	tt_uint_op(EVBUFFER_LENGTH(dst), ==, 5);
	tt_uint_op(EVBUFFER_LENGTH(src), ==, 0);
	tt_mem_op(EVBUFFER_DATA(dst), ==, "bcdef", 5);
	tt_int_op(ls.n, ==, 1);
	tt_uint_op(ls.old_len[0], ==, 5);
	tt_uint_op(ls.new_len[0], ==, 0);
	tt_int_op(ld.n, ==, 1);
	tt_uint_op(ld.old_len[0], ==, 0);
	tt_uint_op(ld.new_len[0], ==, 5);
	/* Callbacks stay with their structs. */
	tt_assert(src->cb == log_cb && src->cbarg == &ls);
	tt_assert(dst->cb == log_cb && dst->cbarg == &ld);
	check_invariants(src);
	check_invariants(dst);

	/* Empty source: nothing happens. */
	tt_int_op(evbuffer_add_buffer(dst, src), ==, 0);
	tt_int_op(ls.n, ==, 1);
	tt_int_op(ld.n, ==, 1);

	/* Non-empty destination: appended, source drained. */
	evbuffer_add(src, "XYZ", 3);
	tt_int_op(evbuffer_add_buffer(dst, src), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(dst), ==, 8);
	tt_mem_op(EVBUFFER_DATA(dst), ==, "bcdefXYZ", 8);
	tt_uint_op(EVBUFFER_LENGTH(src), ==, 0);
	tt_uint_op(ls.new_len[ls.n - 1], ==, 0);
	tt_uint_op(ld.old_len[ld.n - 1], ==, 5);
	tt_uint_op(ld.new_len[ld.n - 1], ==, 8);

	/* A buffer onto itself is a no-op. */
	tt_int_op(evbuffer_add_buffer(dst, dst), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(dst), ==, 8);
	evbuffer_free(src);
	evbuffer_free(dst);
}

static int
vprintf_helper(struct evbuffer *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	return n;
}

static void
test_printf(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	char big[3000];
	int n;

	(void)env;
	tt_int_op(evbuffer_add_printf(b, "hello/%d", 1), ==, 7);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 7);
	/* The NUL after the data is there but not counted. */
	tt_str_op((char *)EVBUFFER_DATA(b), ==, "hello/1");

	tt_int_op(evbuffer_add_printf(b, "%s", ""), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 7);

	/* Longer than the free room: formats again after growing. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = evbuffer_add_printf(b, "<%s>", big);
	tt_int_op(n, ==, (int)sizeof(big) + 1);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 7 + sizeof(big) + 1);
	tt_int_op(EVBUFFER_DATA(b)[EVBUFFER_LENGTH(b)], ==, '\0');
	tt_int_op(EVBUFFER_DATA(b)[7], ==, '<');
	tt_int_op(EVBUFFER_DATA(b)[EVBUFFER_LENGTH(b) - 1], ==, '>');

	evbuffer_drain(b, (size_t)-1);
	tt_int_op(vprintf_helper(b, "%d-%s-%c", 42, "x", 'y'), ==, 6);
	tt_str_op((char *)EVBUFFER_DATA(b), ==, "42-x-y");

	/* Formatting after a partial drain keeps the bytes contiguous. */
	evbuffer_drain(b, 3);
	tt_int_op(evbuffer_add_printf(b, "%05d", 7), ==, 5);
	tt_str_op((char *)EVBUFFER_DATA(b), ==, "x-y00007");
	evbuffer_free(b);
}

/* evbuffer_add_printf must produce exactly what snprintf does. */
#define SAME_AS_SNPRINTF(b, ...) do {					\
	char want_[600];						\
	int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);		\
	int gn_;							\
	evbuffer_drain((b), (size_t)-1);				\
	gn_ = evbuffer_add_printf((b), __VA_ARGS__);			\
	tt_int_op(gn_, ==, wn_);					\
	tt_uint_op(EVBUFFER_LENGTH(b), ==, (size_t)wn_);		\
	tt_mem_op(EVBUFFER_DATA(b), ==, want_, (size_t)wn_ + 1);	\
} while (0)

static void
test_printf_formats(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	char longs[400];

	(void)env;
	memset(longs, 'L', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	SAME_AS_SNPRINTF(b, "plain text");
	SAME_AS_SNPRINTF(b, "%s: %s\r\n", "Content-Type", "text/html");
	SAME_AS_SNPRINTF(b, "%d %d %d %i", 0, -1, INT_MIN, INT_MAX);
	SAME_AS_SNPRINTF(b, "%u %u", 0u, UINT_MAX);
	SAME_AS_SNPRINTF(b, "%ld %ld %li", LONG_MIN, LONG_MAX, -7L);
	SAME_AS_SNPRINTF(b, "%lu %llu %lld %lli", ULONG_MAX, ULLONG_MAX,
	    LLONG_MIN, 42LL);
	SAME_AS_SNPRINTF(b, "%zu %zu", (size_t)0, SIZE_MAX);
	SAME_AS_SNPRINTF(b, "100%% %c%c", 'o', 'k');
	SAME_AS_SNPRINTF(b, "a%cb", '\0');		/* NUL inside, counted */
	SAME_AS_SNPRINTF(b, "%s", "");
	SAME_AS_SNPRINTF(b, "%s", longs);		/* past the fast path */
	SAME_AS_SNPRINTF(b, "%s%s", longs + 200, longs + 200);
	/* Formats the fast path leaves to vsnprintf. */
	SAME_AS_SNPRINTF(b, "%5d|%-4s|%03u", 42, "ab", 7u);
	SAME_AS_SNPRINTF(b, "%x %X %o %.2f %e", 255u, 255u, 8u, 3.14159, 1e10);
	SAME_AS_SNPRINTF(b, "%zd %hd %hhu %lx", (ssize_t)-3, (short)-2,
	    (unsigned char)250, 0xdeadUL);
	SAME_AS_SNPRINTF(b, "%.3s|%*d", "abcdef", 6, 9);
	evbuffer_free(b);
}

static void
add_str(struct evbuffer *b, const char *s)
{
	tt_int_op(evbuffer_add(b, s, strlen(s)), ==, 0);
}

/* Take a line with readline and compare it (NULL: expect none). */
static void
expect_readline(struct evbuffer *b, const char *want)
{
	char *line = evbuffer_readline(b);

	if (want == NULL) {
		tt_ptr_op(line, ==, NULL);
		return;
	}
	tt_str_op(line, ==, want);
	free(line);
}

static void
test_readline(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	(void)env;
	expect_readline(b, NULL);
	add_str(b, "a\r\nb\n\rc\rd\ne\r\rf\n\ng");
	expect_readline(b, "a");	/* CRLF */
	expect_readline(b, "b");	/* LFCR */
	expect_readline(b, "c");	/* lone CR */
	expect_readline(b, "d");	/* lone LF */
	expect_readline(b, "e");	/* CR CR: two ends */
	expect_readline(b, "");
	expect_readline(b, "f");	/* LF LF: two ends */
	expect_readline(b, "");
	/* No terminator: NULL, buffer untouched. */
	expect_readline(b, NULL);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1);
	tt_int_op(EVBUFFER_DATA(b)[0], ==, 'g');
	add_str(b, "\n");
	expect_readline(b, "g");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* Just a terminator. */
	add_str(b, "\n");
	expect_readline(b, "");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
}

/* Take a line with readln and compare it (NULL: expect none). */
static void
expect_readln(struct evbuffer *b, enum evbuffer_eol_style style,
    const char *want, size_t want_len)
{
	size_t n = 12345;
	char *line = evbuffer_readln(b, &n, style);

	if (want == NULL) {
		tt_ptr_op(line, ==, NULL);
		return;
	}
	tt_assert(line != NULL);
	tt_uint_op(n, ==, want_len);
	tt_mem_op(line, ==, want, want_len);
	tt_int_op(line[want_len], ==, '\0');
	free(line);
}

#define EXPECT_LN(b, style, s) expect_readln((b), (style), (s), strlen(s))

static void
test_readln_any(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer *tmp = evbuffer_new();

	(void)env;
	expect_readln(b, EVBUFFER_EOL_ANY, NULL, 0);
	add_str(b, "one\r\n\r\ntwo\n\n\rthree\rfour");
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "one");	/* blank lines vanish */
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "two");
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "three");
	expect_readln(b, EVBUFFER_EOL_ANY, NULL, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 4);

	/* A line ending exactly at the end of the buffer. */
	add_str(b, "\r");
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "four");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	/*
	 * Documented 1.4 behaviour: ANY takes the run of CR/LF present,
	 * so an LF arriving later ends an empty line.
	 */
	evbuffer_add(tmp, "\nfive\n", 6);
	evbuffer_add_buffer(b, tmp);
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "");
	EXPECT_LN(b, EVBUFFER_EOL_ANY, "five");

	/* A NUL inside the line is kept and counted. */
	evbuffer_add(b, "x\0y\n", 4);
	expect_readln(b, EVBUFFER_EOL_ANY, "x\0y", 3);
	/* NULL n_read_out is allowed. */
	add_str(b, "z\n");
	{
		char *l = evbuffer_readln(b, NULL, EVBUFFER_EOL_ANY);
		tt_str_op(l, ==, "z");
		free(l);
	}
	evbuffer_free(b);
	evbuffer_free(tmp);
}

static void
test_readln_crlf(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer *tmp = evbuffer_new();

	(void)env;
	add_str(b, "a\r\nb\nc\rd\r\n\r\ne\n\r");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "a");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "b");		/* lone LF */
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "c\rd");	/* lone CR is data */
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "e");
	/* A trailing lone CR waits. */
	expect_readln(b, EVBUFFER_EOL_CRLF, NULL, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 1);

	/* CRLF split across reads (through add_buffer, as regress does). */
	evbuffer_drain(b, (size_t)-1);
	add_str(b, "split\r");
	expect_readln(b, EVBUFFER_EOL_CRLF, NULL, 0);
	evbuffer_add(tmp, "\nnext\n", 6);
	evbuffer_add_buffer(b, tmp);
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "split");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF, "next");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
	evbuffer_free(b);
	evbuffer_free(tmp);
}

static void
test_readln_crlf_strict(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer *tmp = evbuffer_new();

	(void)env;
	add_str(b, "a\r\nb\nc\r\r\n\r\nd\r");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF_STRICT, "a");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF_STRICT, "b\nc\r");	/* "a\r\r\n" rule */
	EXPECT_LN(b, EVBUFFER_EOL_CRLF_STRICT, "");
	/* Trailing CR at the end: waits for more. */
	expect_readln(b, EVBUFFER_EOL_CRLF_STRICT, NULL, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 2);
	evbuffer_add(tmp, "\n", 1);
	evbuffer_add_buffer(b, tmp);
	EXPECT_LN(b, EVBUFFER_EOL_CRLF_STRICT, "d");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* Only LFs: no line at all, buffer untouched. */
	add_str(b, "x\ny\n");
	expect_readln(b, EVBUFFER_EOL_CRLF_STRICT, NULL, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 4);
	/* An LF first in the buffer has no CR before it. */
	evbuffer_drain(b, (size_t)-1);
	add_str(b, "\n\r\n");
	EXPECT_LN(b, EVBUFFER_EOL_CRLF_STRICT, "\n");
	evbuffer_free(b);
	evbuffer_free(tmp);
}

static void
test_readln_lf(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	(void)env;
	add_str(b, "a\r\nb\r\r\n\nc\r");
	EXPECT_LN(b, EVBUFFER_EOL_LF, "a\r");	/* CRs stay */
	EXPECT_LN(b, EVBUFFER_EOL_LF, "b\r\r");
	EXPECT_LN(b, EVBUFFER_EOL_LF, "");
	expect_readln(b, EVBUFFER_EOL_LF, NULL, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 2);

	/* Unknown style: NULL, nothing consumed. */
	add_str(b, "\n");
	tt_ptr_op(evbuffer_readln(b, NULL, (enum evbuffer_eol_style)42),
	    ==, NULL);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 3);
	EXPECT_LN(b, EVBUFFER_EOL_LF, "c\r");
	evbuffer_free(b);
}

/*
 * Reference line splitter, written the obvious way from the documented
 * rules: style -1 is evbuffer_readline, the others evbuffer_readln.
 * Returns the line length and sets *consumed, or returns -1.
 */
static int
ref_line(const char *d, int len, int style, int *consumed)
{
	int i;

	for (i = 0; i < len; i++) {
		int cr = d[i] == '\r', lf = d[i] == '\n';
		switch (style) {
		case -1:
			if (cr || lf) {
				int two = i + 1 < len && (d[i + 1] == '\r' ||
				    d[i + 1] == '\n') && d[i + 1] != d[i];
				*consumed = i + 1 + two;
				return i;
			}
			break;
		case EVBUFFER_EOL_ANY:
			if (cr || lf) {
				int j = i;
				while (j < len && (d[j] == '\r' || d[j] == '\n'))
					j++;
				*consumed = j;
				return i;
			}
			break;
		case EVBUFFER_EOL_CRLF:
			if (lf) {
				*consumed = i + 1;
				return i > 0 && d[i - 1] == '\r' ? i - 1 : i;
			}
			break;
		case EVBUFFER_EOL_CRLF_STRICT:
			if (cr && i + 1 < len && d[i + 1] == '\n') {
				*consumed = i + 2;
				return i;
			}
			break;
		case EVBUFFER_EOL_LF:
			if (lf) {
				*consumed = i + 1;
				return i;
			}
			break;
		}
	}
	return -1;
}

/* Every string over {a, CR, LF} of up to 7 bytes, every style. */
static void
test_readln_model(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	static const char alpha[3] = { 'a', '\r', '\n' };
	char d[8];
	int len, code, total, style;

	(void)env;
	for (len = 0; len <= 7; len++) {
		total = 1;
		for (code = 0; code < len; code++)
			total *= 3;
		for (code = 0; code < total; code++) {
			int c = code, k;
			for (k = 0; k < len; k++, c /= 3)
				d[k] = alpha[c % 3];
			for (style = -1; style <= EVBUFFER_EOL_LF; style++) {
				int consumed = 0, want;
				size_t n = 0;
				char *line;

				evbuffer_drain(b, (size_t)-1);
				/* Misalign the data a little. */
				evbuffer_add(b, "zz", 2);
				evbuffer_drain(b, 2);
				evbuffer_add(b, d, (size_t)len);
				want = ref_line(d, len, style, &consumed);
				line = style < 0 ? evbuffer_readline(b) :
				    evbuffer_readln(b, &n,
				    (enum evbuffer_eol_style)style);
				if (want < 0) {
					tt_ptr_op(line, ==, NULL);
					tt_uint_op(EVBUFFER_LENGTH(b), ==,
					    (size_t)len);
					continue;
				}
				tt_assert(line != NULL);
				tt_uint_op(strlen(line), ==, (size_t)want);
				tt_mem_op(line, ==, d, (size_t)want);
				if (style >= 0)
					tt_uint_op(n, ==, (size_t)want);
				tt_uint_op(EVBUFFER_LENGTH(b), ==,
				    (size_t)(len - consumed));
				if (len > consumed)
					tt_mem_op(EVBUFFER_DATA(b), ==,
					    d + consumed,
					    (size_t)(len - consumed));
				free(line);
			}
		}
	}
	evbuffer_free(b);
}

static void
test_find(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	const unsigned char *crlf = (const unsigned char *)"\r\n";
	unsigned char *p;

	(void)env;
	tt_ptr_op(evbuffer_find(b, crlf, 2), ==, NULL);
	add_str(b, "GET / HTTP/1.0\r");
	/* Never matches past the end. */
	tt_ptr_op(evbuffer_find(b, crlf, 2), ==, NULL);
	add_str(b, "\n");
	p = evbuffer_find(b, crlf, 2);
	tt_ptr_op(p, ==, EVBUFFER_DATA(b) + 14);

	evbuffer_drain(b, (size_t)-1);
	add_str(b, "aaab");
	p = evbuffer_find(b, (const unsigned char *)"aab", 3);
	tt_ptr_op(p, ==, EVBUFFER_DATA(b) + 1);
	p = evbuffer_find(b, (const unsigned char *)"b", 1);
	tt_ptr_op(p, ==, EVBUFFER_DATA(b) + 3);
	p = evbuffer_find(b, (const unsigned char *)"aaab", 4);
	tt_ptr_op(p, ==, EVBUFFER_DATA(b));
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"aaabc", 5), ==,
	    NULL);
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"c", 1), ==, NULL);
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"", 0), ==, NULL);
	/* After a drain, offsets are relative to the new start. */
	evbuffer_drain(b, 2);
	p = evbuffer_find(b, (const unsigned char *)"ab", 2);
	tt_ptr_op(p, ==, EVBUFFER_DATA(b));
	/* Bytes in the drained prefix do not count. */
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"aa", 2), ==, NULL);
	evbuffer_free(b);
}

static void
test_callbacks(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct cb_log l;
	char out[4], *line;

	(void)env;
	memset(&l, 0, sizeof(l));
	evbuffer_setcb(b, log_cb, &l);
	evbuffer_add(b, "abc\n", 4);
	evbuffer_add(b, "", 0);			/* no change: no call */
	evbuffer_drain(b, 1);
	evbuffer_remove(b, out, 1);
	evbuffer_add_printf(b, "%d", 12);
	line = evbuffer_readline(b);
	free(line);
	evbuffer_drain(b, 100);
	evbuffer_drain(b, 100);			/* empty: no call */
	evbuffer_add_printf(b, "%s", "");	/* nothing: no call */
	tt_int_op(l.n, ==, 6);
	tt_uint_op(l.old_len[0], ==, 0);
	tt_uint_op(l.new_len[0], ==, 4);
	tt_uint_op(l.old_len[1], ==, 4);
	tt_uint_op(l.new_len[1], ==, 3);
	tt_uint_op(l.old_len[2], ==, 3);
	tt_uint_op(l.new_len[2], ==, 2);
	tt_uint_op(l.old_len[3], ==, 2);
	tt_uint_op(l.new_len[3], ==, 4);
	tt_uint_op(l.old_len[4], ==, 4);	/* "c\n12" - "c\n" */
	tt_uint_op(l.new_len[4], ==, 2);
	tt_uint_op(l.old_len[5], ==, 2);
	tt_uint_op(l.new_len[5], ==, 0);
	tt_ptr_op(l.buf[0], ==, b);
	tt_ptr_op(l.arg[0], ==, &l);

	/* Removing the callback. */
	evbuffer_setcb(b, NULL, NULL);
	evbuffer_add(b, "x", 1);
	tt_int_op(l.n, ==, 6);
	evbuffer_free(b);
}

static void
test_read_write(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer *r = evbuffer_new();
	int fds[2], n, i;
	char *data;
	const int N = 60000;

	(void)env;
	tt_int_op(pipe(fds), ==, 0);
	data = malloc(N);
	for (i = 0; i < N; i++)
		data[i] = (char)(i * 7);
	evbuffer_add(b, data, N);

	/* One write() of everything; drains what was written. */
	n = evbuffer_write(b, fds[1]);
	tt_int_op(n, ==, N);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);

	/* FIONREAD sizing: everything waiting comes in one read. */
	n = evbuffer_read(r, fds[0], -1);
	tt_int_op(n, ==, N);
	tt_mem_op(EVBUFFER_DATA(r), ==, data, N);

	/* A positive howmuch caps the read. */
	evbuffer_drain(r, (size_t)-1);
	evbuffer_add(b, data, 1000);
	tt_int_op(evbuffer_write(b, fds[1]), ==, 1000);
	tt_int_op(evbuffer_read(r, fds[0], 300), ==, 300);
	tt_int_op(evbuffer_read(r, fds[0], 10000), ==, 700);
	tt_mem_op(EVBUFFER_DATA(r), ==, data, 1000);

	/* Nothing waiting on a nonblocking fd: -1/EAGAIN, buffer kept. */
	tt_int_op(fcntl(fds[0], F_SETFL, O_NONBLOCK), ==, 0);
	errno = 0;
	tt_int_op(evbuffer_read(r, fds[0], -1), ==, -1);
	tt_int_op(regress_sock_errno(), ==, EAGAIN);
	tt_uint_op(EVBUFFER_LENGTH(r), ==, 1000);

	/* End of file: 0, nothing appended. */
	close(fds[1]);
	tt_int_op(evbuffer_read(r, fds[0], -1), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(r), ==, 1000);
	close(fds[0]);

	/* A bad fd: -1 both ways, buffers untouched. */
	tt_int_op(evbuffer_read(r, -1, -1), ==, -1);
	tt_int_op(evbuffer_write(r, -1), ==, -1);
	tt_uint_op(EVBUFFER_LENGTH(r), ==, 1000);
	free(data);
	evbuffer_free(b);
	evbuffer_free(r);
}

/*
 * Random operations against a plain model (a byte array): after each one
 * the contents, the length and the field invariants must agree.
 */
static void
test_random_ops(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *other = evbuffer_new();
	unsigned char *model = malloc(1 << 20), chunk[3000], out[3000];
	size_t mlen = 0, n, i;
	unsigned int x = 2463534242u;
	int op, kind;

	(void)env;
	for (op = 0; op < 60000; op++) {
		regress_random(&x);
		n = (x >> 8) % (x & 1 ? 40 : 3000);
		kind = (int)((x >> 4) % 8);
		if (mlen > (1 << 16)) {
			/* Keep the model bounded: drain a big piece. */
			kind = 2;
			n = 2999;
		}
		for (i = 0; i < n; i++)
			chunk[i] = (unsigned char)(op + i * 31);
		switch (kind) {
		case 0: case 1:
			tt_int_op(evbuffer_add(b, chunk, n), ==, 0);
			memcpy(model + mlen, chunk, n);
			mlen += n;
			break;
		case 2:
			evbuffer_drain(b, n);
			if (n > mlen)
				n = mlen;
			memmove(model, model + n, mlen - n);
			mlen -= n;
			break;
		case 3:
			tt_int_op(evbuffer_remove(b, out, n), ==,
			    (int)(n < mlen ? n : mlen));
			if (n > mlen)
				n = mlen;
			tt_mem_op(out, ==, model, n);
			memmove(model, model + n, mlen - n);
			mlen -= n;
			break;
		case 4:
			evbuffer_add(other, chunk, n);
			tt_int_op(evbuffer_add_buffer(b, other), ==, 0);
			tt_uint_op(EVBUFFER_LENGTH(other), ==, 0);
			memcpy(model + mlen, chunk, n);
			mlen += n;
			break;
		case 5:
			tt_int_op(evbuffer_expand(b, n), ==, 0);
			tt_uint_op(tailroom(b), >=, n);
			break;
		case 6:
			/* Self-append of a slice of the data. */
			if (mlen > 0) {
				size_t at = (x >> 3) % mlen;
				size_t len = n < mlen - at ? n : mlen - at;
				tt_int_op(evbuffer_add(b, EVBUFFER_DATA(b) + at,
				    len), ==, 0);
				memcpy(model + mlen, model + at, len);
				mlen += len;
			}
			break;
		case 7:
			tt_int_op(evbuffer_add_printf(b, "%zu:%d;", n, op), >, 0);
			mlen += (size_t)sprintf((char *)model + mlen, "%zu:%d;",
			    n, op);
			break;
		}
		tt_uint_op(EVBUFFER_LENGTH(b), ==, mlen);
		check_invariants(b);
		if (mlen > 0 && (op % 64 == 0 || mlen < 64))
			tt_mem_op(EVBUFFER_DATA(b), ==, model, mlen);
	}
	if (mlen > 0)
		tt_mem_op(EVBUFFER_DATA(b), ==, model, mlen);
	free(model);
	evbuffer_free(b);
	evbuffer_free(other);
}

/* A socketpair with a big backlog: reads are large, not 4 KiB. */
static void
test_read_large(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *r = evbuffer_new();
	int *fd = env->pair, total = 0, reads = 0, n, sz = 1 << 20;
	char *data = malloc(200000);

	memset(data, 'r', 200000);
	setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	evbuffer_add(b, data, 200000);
	while (EVBUFFER_LENGTH(b) > 0) {
		n = evbuffer_write(b, fd[0]);
		if (n <= 0)
			break;
	}
	n = (int)(200000 - EVBUFFER_LENGTH(b));
	tt_int_op(n, >, 16384);
	while (total < n) {
		int got = evbuffer_read(r, fd[1], -1);
		tt_int_op(got, >, 0);
		total += got;
		reads++;
	}
	regress_note("%d bytes queued, %d reads", n, reads);
	tt_int_op(total, ==, n);
	tt_uint_op(EVBUFFER_LENGTH(r), ==, (size_t)n);
	for (total = 0; total < n; total++)
		if (EVBUFFER_DATA(r)[total] != 'r')
			regress_fail(__FILE__, __LINE__, "byte %d is %#x",
			    total, EVBUFFER_DATA(r)[total]);
	/* Data queued as datagrams of whatever write() took; a handful
	 * of reads, not n / 4096. */
	tt_int_op(reads, <=, 1 + n / (EVBUFFER_DEFAULT_READ * 4));
	free(data);
	evbuffer_free(b);
	evbuffer_free(r);
}

/* Does p point into the struct evbuffer_new() allocated for buf? */
static int
in_struct(const struct evbuffer *buf, const unsigned char *p)
{
	const unsigned char *b = (const unsigned char *)buf;

	return p >= b &&
	    p < b + sizeof(struct evbuffer_private) + EVBUFFER_INLINE;
}

/*
 * A new buffer's first small data lives in its own allocation (one
 * malloc per small buffer); it is copied, never handed over, when the
 * buffer is moved into another, so freeing the first leaves the second
 * intact; growing past it moves the data out.
 */
static void
test_inline_storage(struct regress_env *env)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer *c = evbuffer_new();
	char big[600];
	int i;

	(void)env;
	tt_uint_op(EVBUFFER_LENGTH(a), ==, 0);
	evbuffer_add(a, "hello", 5);
	tt_assert(in_struct(a, EVBUFFER_DATA(a)));

	/* Into an empty buffer: copied, a keeps its storage. */
	tt_int_op(evbuffer_add_buffer(b, a), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(a), ==, 0);
	tt_assert(!in_struct(a, EVBUFFER_DATA(b)));
	evbuffer_add(a, "again", 5);
	tt_int_op(evbuffer_remove_buffer(a, c, 5), ==, 5);
	tt_int_op(evbuffer_prepend_buffer(c, a), ==, 0);
	evbuffer_add(a, "third", 5);
	evbuffer_free(a);
	a = NULL;
	tt_buffer_eq(b, "hello", 5);
	tt_buffer_eq(c, "again", 5);

	/* Growing past the inline bytes keeps the data, in order. */
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	tt_int_op(evbuffer_add(b, big, sizeof(big)), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 5 + sizeof(big));
	tt_assert(!in_struct(b, EVBUFFER_DATA(b)));
	tt_mem_op(EVBUFFER_DATA(b), ==, "hello", 5);
	tt_mem_op(EVBUFFER_DATA(b) + 5, ==, big, sizeof(big));

	/* Room made in front of inline data moves it out whole. */
	evbuffer_drain(c, 5);
	evbuffer_add(c, "tail", 4);
	tt_int_op(evbuffer_prepend(c, big, 300), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(c), ==, 304);
	tt_mem_op(EVBUFFER_DATA(c), ==, big, 300);
	tt_mem_op(EVBUFFER_DATA(c) + 300, ==, "tail", 4);

	/* A heap buffer moved into an inline one: the storage moves. */
	{
		unsigned char *storage = EVBUFFER_DATA(b);
		struct evbuffer *d = evbuffer_new();

		evbuffer_add(d, "x", 1);
		evbuffer_drain(d, 1);
		tt_int_op(evbuffer_add_buffer(d, b), ==, 0);
		tt_ptr_op(EVBUFFER_DATA(d), ==, storage);
		tt_uint_op(EVBUFFER_LENGTH(b), ==, 0);
		evbuffer_add(b, "fresh", 5);
		tt_buffer_eq(b, "fresh", 5);
		evbuffer_free(d);
	}
	evbuffer_free(b);
	evbuffer_free(c);
}

struct regress_case regress_buffer_cases[] = {
	{ "buffer/new_free", test_new_free, RT_ONCE, NULL },
	{ "buffer/add_drain", test_add_drain, RT_ONCE, NULL },
	{ "buffer/remove", test_remove, RT_ONCE, NULL },
	{ "buffer/expand", test_expand, RT_ONCE, NULL },
	{ "buffer/amortized", test_amortized, RT_ONCE, NULL },
	{ "buffer/add_self", test_add_self, RT_ONCE, NULL },
	{ "buffer/huge_lengths", test_huge, RT_ONCE, NULL },
	{ "buffer/add_buffer", test_add_buffer, RT_ONCE, NULL },
	{ "buffer/inline_storage", test_inline_storage, RT_ONCE, NULL },
	{ "buffer/printf", test_printf, RT_ONCE, NULL },
	{ "buffer/printf_formats", test_printf_formats, RT_ONCE, NULL },
	{ "buffer/readline", test_readline, RT_ONCE, NULL },
	{ "buffer/readln_any", test_readln_any, RT_ONCE, NULL },
	{ "buffer/readln_crlf", test_readln_crlf, RT_ONCE, NULL },
	{ "buffer/readln_crlf_strict", test_readln_crlf_strict, RT_ONCE,
	  NULL },
	{ "buffer/readln_lf", test_readln_lf, RT_ONCE, NULL },
	{ "buffer/readln_model", test_readln_model, RT_ONCE, NULL },
	{ "buffer/find", test_find, RT_ONCE, NULL },
	{ "buffer/callbacks", test_callbacks, RT_ONCE, NULL },
	{ "buffer/random_ops", test_random_ops, RT_ONCE, NULL },
	{ "buffer/read_write", test_read_write, RT_ONCE, NULL },
	{ "buffer/read_large", test_read_large, RT_ONCE | RT_PAIR, NULL },
	RT_END
};
