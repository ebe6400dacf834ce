/*
 * test/regress_buffer2.c -- the libevent 2.x evbuffer API (event2/buffer.h,
 * event2/buffer_compat.h) on the same buffers as the 1.4 calls.
 *
 * This file includes <event.h> before the event2 headers (the order a 1.4
 * program growing 2.x calls would use); test/regress_bufferevent2.c uses
 * the other order.  Expected values that are not obvious were observed on
 * libevent 2.1.12 with probe programs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include "regress.h"
#include "regress_util.h"

/* ------------------------------------------------------------------ */
/* Helpers */

/* The buffer holds exactly the NUL-terminated string s. */
#define tt_buf_is(b, s) do {						\
	tt_uint_op(evbuffer_get_length(b), ==, strlen(s));		\
	if (strlen(s) > 0)						\
		tt_mem_op(evbuffer_pullup((b), -1), ==, (s),		\
		    strlen(s));						\
} while (0)

/* One recorded 2.x callback. */
struct cb_rec {
	const char *who;
	size_t orig, added, deleted, len;
};

static struct cb_rec recs[32];
static int nrecs;

static void
rec_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	if (nrecs < 32) {
		recs[nrecs].who = arg;
		recs[nrecs].orig = info->orig_size;
		recs[nrecs].added = info->n_added;
		recs[nrecs].deleted = info->n_deleted;
		recs[nrecs].len = evbuffer_get_length(b);
	}
	nrecs++;
}

/* The 1.4 callback, recorded in the same list (added/deleted from the
 * lengths). */
static void
rec_old_cb(struct evbuffer *b, size_t old_len, size_t new_len, void *arg)
{
	(void)b;
	if (nrecs < 32) {
		recs[nrecs].who = arg;
		recs[nrecs].orig = old_len;
		recs[nrecs].added = new_len > old_len ? new_len - old_len : 0;
		recs[nrecs].deleted = old_len > new_len ? old_len - new_len : 0;
		recs[nrecs].len = new_len;
	}
	nrecs++;
}

#define tt_rec(i, w, o, a, d) do {					\
	tt_str_op(recs[i].who, ==, (w));				\
	tt_uint_op(recs[i].orig, ==, (o));				\
	tt_uint_op(recs[i].added, ==, (a));				\
	tt_uint_op(recs[i].deleted, ==, (d));				\
} while (0)

/* A temporary file holding s; its fd (read-only), unlinked. */
static int
temp_file(const char *s)
{
	char path[] = "/tmp/regress_buffer2_XXXXXX";
	int fd = mkstemp(path);

	tt_assert(fd >= 0);
	unlink(path);
	tt_int_op(write(fd, s, strlen(s)), ==, (int)strlen(s));
	return fd;
}

/* ------------------------------------------------------------------ */
/* Lengths, pullup, peek */

static void
test_length_pullup_peek(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2];
	struct evbuffer_ptr p;

	(void)env;
	/* Empty: pullup gives NULL, peek needs no iovec. */
	tt_uint_op(evbuffer_get_length(b), ==, 0);
	tt_uint_op(evbuffer_get_contiguous_space(b), ==, 0);
	tt_ptr_op(evbuffer_pullup(b, -1), ==, NULL);
	tt_ptr_op(evbuffer_pullup(b, 0), ==, NULL);
	tt_int_op(evbuffer_peek(b, -1, NULL, NULL, 0), ==, 0);

	evbuffer_add(b, "hello world", 11);
	tt_uint_op(evbuffer_get_length(b), ==, EVBUFFER_LENGTH(b));
	tt_uint_op(evbuffer_get_contiguous_space(b), ==, 11);
	/* The 2.x pointer is the 1.4 one: the data is contiguous. */
	tt_ptr_op(evbuffer_pullup(b, -1), ==, EVBUFFER_DATA(b));
	tt_ptr_op(evbuffer_pullup(b, 11), ==, EVBUFFER_DATA(b));
	tt_ptr_op(evbuffer_pullup(b, 12), ==, NULL);
	tt_ptr_op(evbuffer_pullup(b, 0), ==, NULL);

	/* peek: how many iovecs (one), each covering all data from start. */
	tt_int_op(evbuffer_peek(b, -1, NULL, NULL, 0), ==, 1);
	tt_int_op(evbuffer_peek(b, 0, NULL, v, 1), ==, 0);
	tt_int_op(evbuffer_peek(b, 5, NULL, v, 2), ==, 1);
	tt_ptr_op(v[0].iov_base, ==, EVBUFFER_DATA(b));
	tt_uint_op(v[0].iov_len, ==, 11);
	tt_int_op(evbuffer_ptr_set(b, &p, 6, EVBUFFER_PTR_SET), ==, 0);
	tt_int_op(evbuffer_peek(b, -1, &p, v, 1), ==, 1);
	tt_uint_op(v[0].iov_len, ==, 5);
	tt_mem_op(v[0].iov_base, ==, "world", 5);
	tt_int_op(evbuffer_ptr_set(b, &p, 11, EVBUFFER_PTR_SET), ==, 0);
	tt_int_op(evbuffer_peek(b, -1, &p, v, 1), ==, 0);
	p.pos = -1;
	tt_int_op(evbuffer_peek(b, -1, &p, v, 1), ==, -1);

	/* Draining moves the view, not the data. */
	evbuffer_drain(b, 6);
	tt_buf_is(b, "world");
	evbuffer_free(b);
}

/* ------------------------------------------------------------------ */
/* reserve / commit */

static void
test_reserve_commit(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2], stale;

	(void)env;
	nrecs = 0;
	evbuffer_add_cb(b, rec_cb, "r");
	evbuffer_add(b, "ab", 2);

	tt_int_op(evbuffer_reserve_space(b, 10, v, 0), ==, -1);
	tt_int_op(evbuffer_reserve_space(b, -1, v, 1), ==, -1);
	tt_int_op(evbuffer_reserve_space(b, 0, v, 1), ==, 1);
	tt_int_op(evbuffer_reserve_space(b, 100, v, 2), ==, 1);
	tt_uint_op(v[0].iov_len, >=, 100);
	/* The space is the tail of the 1.4 block. */
	tt_ptr_op(v[0].iov_base, ==, EVBUFFER_DATA(b) + 2);
	tt_uint_op(v[0].iov_len, ==, b->totallen - b->misalign - b->off);
	memcpy(v[0].iov_base, "cde", 3);
	v[0].iov_len = 3;
	tt_int_op(evbuffer_commit_space(b, v, 0), ==, 0);
	tt_buf_is(b, "ab");
	stale = v[0];
	tt_int_op(evbuffer_commit_space(b, v, 1), ==, 0);
	tt_buf_is(b, "abcde");
	tt_int_op(nrecs, ==, 2);
	tt_rec(1, "r", 2, 3, 0);

	/* A reservation is single-use; a foreign or too long vec fails. */
	tt_int_op(evbuffer_commit_space(b, &stale, 1), ==, -1);
	tt_int_op(evbuffer_reserve_space(b, 10, v, 1), ==, 1);
	v[1] = v[0];
	v[0].iov_len = b->totallen;
	tt_int_op(evbuffer_commit_space(b, v, 1), ==, -1);
	v[0] = v[1];
	v[0].iov_base = (char *)v[0].iov_base + 1;
	v[0].iov_len = 1;
	tt_int_op(evbuffer_commit_space(b, v, 1), ==, -1);
	v[0] = v[1];
	v[0].iov_len = 1;
	v[1].iov_len = 0;
	tt_int_op(evbuffer_commit_space(b, v, 2), ==, -1);
	tt_buf_is(b, "abcde");
	tt_int_op(nrecs, ==, 2);

	/* The 1.4 header's calls see the committed bytes. */
	tt_int_op(evbuffer_reserve_space(b, 1, v, 1), ==, 1);
	*(char *)v[0].iov_base = 'f';
	v[0].iov_len = 1;
	tt_int_op(evbuffer_commit_space(b, v, 1), ==, 0);
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 6);
	tt_mem_op(EVBUFFER_DATA(b), ==, "abcdef", 6);
	evbuffer_free(b);
}

/* ------------------------------------------------------------------ */
/* copyout, remove_buffer */

static void
test_copyout(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr p;
	char out[32];

	(void)env;
	tt_int_op(evbuffer_copyout(b, out, sizeof(out)), ==, 0);
	evbuffer_add(b, "hello world", 11);
	tt_int_op(evbuffer_copyout(b, out, 100), ==, 11);
	tt_mem_op(out, ==, "hello world", 11);
	tt_int_op(evbuffer_copyout(b, out, 0), ==, 0);
	tt_int_op(evbuffer_copyout_from(b, NULL, out, 3), ==, 3);
	tt_mem_op(out, ==, "hel", 3);
	evbuffer_ptr_set(b, &p, 6, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_copyout_from(b, &p, out, 100), ==, 5);
	tt_mem_op(out, ==, "world", 5);
	evbuffer_ptr_set(b, &p, 11, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_copyout_from(b, &p, out, 5), ==, 0);
	p.pos = 12;
	tt_int_op(evbuffer_copyout_from(b, &p, out, 5), ==, -1);
	p.pos = -1;
	tt_int_op(evbuffer_copyout_from(b, &p, out, 5), ==, -1);
	/* Nothing was removed. */
	tt_buf_is(b, "hello world");
	evbuffer_free(b);
}

static void
test_remove_buffer(struct regress_env *env)
{
	struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
	unsigned char *storage;

	(void)env;
	/* Storage of its own: inline bytes never move. */
	tt_int_op(evbuffer_expand(src, 1024), ==, 0);
	nrecs = 0;
	evbuffer_add_cb(src, rec_cb, "src");
	evbuffer_add_cb(dst, rec_cb, "dst");
	evbuffer_add(src, "0123456789", 10);
	tt_int_op(evbuffer_remove_buffer(src, src, 3), ==, 0);
	tt_int_op(evbuffer_remove_buffer(src, dst, 3), ==, 3);
	tt_buf_is(src, "3456789");
	tt_buf_is(dst, "012");
	/* dst's callbacks first, then src's (2.1's order). */
	tt_int_op(nrecs, ==, 3);
	tt_rec(1, "dst", 0, 3, 0);
	tt_rec(2, "src", 10, 0, 3);

	/* All of src into an empty buffer: the storage moves, no copy. */
	evbuffer_drain(dst, 3);
	storage = src->orig_buffer;
	tt_int_op(evbuffer_remove_buffer(src, dst, 100), ==, 7);
	tt_ptr_op(dst->orig_buffer, ==, storage);
	tt_buf_is(dst, "3456789");
	tt_uint_op(evbuffer_get_length(src), ==, 0);
	tt_int_op(evbuffer_remove_buffer(src, dst, 100), ==, 0);

	/* Frozen ends refuse and change nothing. */
	evbuffer_add(src, "xyz", 3);
	evbuffer_freeze(src, 1);
	tt_int_op(evbuffer_remove_buffer(src, dst, 1), ==, -1);
	evbuffer_unfreeze(src, 1);
	evbuffer_freeze(dst, 0);
	tt_int_op(evbuffer_remove_buffer(src, dst, 1), ==, -1);
	evbuffer_unfreeze(dst, 0);
	tt_buf_is(src, "xyz");
	tt_buf_is(dst, "3456789");
	evbuffer_free(src);
	evbuffer_free(dst);
}

/* ------------------------------------------------------------------ */
/* prepend */

static void
test_prepend(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
	unsigned char *storage;
	int i, moves = 0;

	(void)env;
	nrecs = 0;
	tt_int_op(evbuffer_prepend(b, "world", 5), ==, 0);
	tt_int_op(evbuffer_prepend(b, "hello ", 6), ==, 0);
	tt_int_op(evbuffer_prepend(b, "", 0), ==, 0);
	tt_buf_is(b, "hello world");
	/* The 1.4 invariants hold after prepending. */
	tt_ptr_op(b->buffer, ==, b->orig_buffer + b->misalign);
	tt_uint_op(b->misalign + b->off, <=, b->totallen);

	/* Prepending part of the buffer's own data. */
	tt_int_op(evbuffer_prepend(b, EVBUFFER_DATA(b) + 6, 5), ==, 0);
	tt_buf_is(b, "worldhello world");

	/* A long run of prepends moves the block O(log n) times. */
	evbuffer_drain(b, evbuffer_get_length(b));
	storage = b->orig_buffer;
	for (i = 0; i < 100000; i++) {
		char ch = (char)('a' + i % 26);

		tt_int_op(evbuffer_prepend(b, &ch, 1), ==, 0);
		if (b->orig_buffer != storage) {
			moves++;
			storage = b->orig_buffer;
		}
	}
	tt_int_op(moves, <=, 20);
	tt_uint_op(evbuffer_get_length(b), ==, 100000);
	tt_int_op(EVBUFFER_DATA(b)[0], ==, 'a' + 99999 % 26);
	tt_int_op(EVBUFFER_DATA(b)[99999], ==, 'a');

	/* prepend_buffer: src's callbacks, then dst's; src ends empty. */
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add(b, "tail", 4);
	evbuffer_add(c, "head-", 5);
	evbuffer_add_cb(b, rec_cb, "dst");
	evbuffer_add_cb(c, rec_cb, "src");
	tt_int_op(evbuffer_prepend_buffer(b, c), ==, 0);
	tt_buf_is(b, "head-tail");
	tt_uint_op(evbuffer_get_length(c), ==, 0);
	tt_int_op(nrecs, ==, 2);
	tt_rec(0, "src", 5, 0, 5);
	tt_rec(1, "dst", 4, 5, 0);
	tt_int_op(evbuffer_prepend_buffer(b, b), ==, 0);
	tt_int_op(evbuffer_prepend_buffer(b, c), ==, 0);
	tt_buf_is(b, "head-tail");
	/* Into an empty buffer the storage moves. */
	storage = b->orig_buffer;
	tt_int_op(evbuffer_prepend_buffer(c, b), ==, 0);
	tt_ptr_op(c->orig_buffer, ==, storage);
	tt_buf_is(c, "head-tail");

	/* Refused: frozen front, impossible size. */
	evbuffer_freeze(c, 1);
	tt_int_op(evbuffer_prepend(c, "x", 1), ==, -1);
	evbuffer_unfreeze(c, 1);
	tt_int_op(evbuffer_prepend(c, "x", SIZE_MAX / 2), ==, -1);
	tt_buf_is(c, "head-tail");
	evbuffer_free(b);
	evbuffer_free(c);
}

/* ------------------------------------------------------------------ */
/* Positions and searches */

static void
test_ptr_search(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr p, q, e;

	(void)env;
	/* On an empty buffer only position 0 exists. */
	tt_int_op(evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET), ==, 0);
	tt_int_op(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_SET), ==, -1);
	tt_int_op(p.pos, ==, -1);
	tt_int_op(evbuffer_search(b, "a", 1, NULL).pos, ==, -1);

	evbuffer_add(b, "hello worldABC", 14);
	tt_int_op(evbuffer_ptr_set(b, &p, 14, EVBUFFER_PTR_SET), ==, 0);
	tt_int_op(p.pos, ==, 14);
	tt_int_op(evbuffer_ptr_set(b, &p, 15, EVBUFFER_PTR_SET), ==, -1);
	tt_int_op(p.pos, ==, -1);
	tt_int_op(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_SET), ==, 0);
	tt_int_op(evbuffer_ptr_set(b, &p, 9, EVBUFFER_PTR_ADD), ==, 0);
	tt_int_op(p.pos, ==, 14);
	tt_int_op(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), ==, -1);
	tt_int_op(p.pos, ==, -1);
	tt_int_op(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), ==, -1);
	tt_int_op(evbuffer_ptr_set(b, &p, SIZE_MAX, EVBUFFER_PTR_SET), ==, -1);

	p = evbuffer_search(b, "o", 1, NULL);
	tt_int_op(p.pos, ==, 4);
	q = evbuffer_search(b, "o", 1, &p);	/* inclusive start */
	tt_int_op(q.pos, ==, 4);
	evbuffer_ptr_set(b, &q, 5, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_search(b, "o", 1, &q).pos, ==, 7);
	tt_int_op(evbuffer_search(b, "", 0, NULL).pos, ==, 0);
	tt_int_op(evbuffer_search(b, "", 0, &q).pos, ==, 5);
	p = evbuffer_search(b, "zzz", 3, NULL);
	tt_int_op(p.pos, ==, -1);
	tt_ptr_op(p.internal_.chain, ==, NULL);
	tt_int_op(evbuffer_search(b, "ABCD", 4, NULL).pos, ==, -1);
	tt_int_op(evbuffer_search(b, "ABC", 3, NULL).pos, ==, 11);

	/* A range match must end at or before end. */
	evbuffer_ptr_set(b, &e, 9, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_search_range(b, "wor", 3, NULL, &e).pos, ==, 6);
	evbuffer_ptr_set(b, &e, 8, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_search_range(b, "wor", 3, NULL, &e).pos, ==, -1);
	tt_int_op(evbuffer_search_range(b, "wor", 3, NULL, NULL).pos, ==, 6);
	evbuffer_ptr_set(b, &e, 0, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_search_range(b, "", 0, NULL, &e).pos, ==, 0);
	e.pos = 99;
	tt_int_op(evbuffer_search_range(b, "o", 1, NULL, &e).pos, ==, -1);
	tt_int_op(evbuffer_search(b, "o", SIZE_MAX, NULL).pos, ==, -1);

	/* The 1.4 find and the 2.x search agree. */
	tt_ptr_op(evbuffer_find(b, (const unsigned char *)"world", 5), ==,
	    EVBUFFER_DATA(b) + evbuffer_search(b, "world", 5, NULL).pos);
	evbuffer_free(b);
}

/* A search model: memmem-like scan. */
static long
model_search(const unsigned char *h, size_t hl, const unsigned char *n,
    size_t nl, size_t from)
{
	size_t i;

	for (i = from; i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return (long)i;
	return -1;
}

static void
test_search_random(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	unsigned char data[600], needle[4];
	struct evbuffer_ptr start;
	unsigned seed = 7;
	int round, i;

	(void)env;
	for (round = 0; round < 400; round++) {
		size_t len = 1 + (seed = seed * 1103515245 + 12345) % 599;
		size_t nl = 1 + (seed >> 5) % 3, from = (seed >> 9) % len;

		for (i = 0; i < (int)len; i++) {
			seed = seed * 1103515245 + 12345;
			data[i] = (unsigned char)('a' + (seed >> 16) % 3);
		}
		for (i = 0; i < (int)nl; i++)
			needle[i] =
			    (unsigned char)('a' + (seed >> (i + 3)) % 3);
		evbuffer_drain(b, evbuffer_get_length(b));
		evbuffer_add(b, data, len);
		tt_int_op(evbuffer_ptr_set(b, &start, from, EVBUFFER_PTR_SET),
		    ==, 0);
		tt_int_op(evbuffer_search(b, (char *)needle, nl, &start).pos,
		    ==, model_search(data, len, needle, nl, from));
	}
	evbuffer_free(b);
}

static void
test_search_eol(struct regress_env *env)
{
	/* The same bytes as the probe against libevent 2.1.12 (21 bytes,
	 * the last being the literal's NUL). */
	static const char data[] = "ab\r\ncd\nef\n\rgh\0ij\r\r\nk";
	static const struct {
		int style;
		long pos[5];
		size_t len[5];
	} want[] = {
		{ EVBUFFER_EOL_ANY, { 2, 6, 9, 16, -1 }, { 2, 1, 2, 3, 0 } },
		{ EVBUFFER_EOL_CRLF, { 2, 6, 9, 17, -1 }, { 2, 1, 1, 2, 0 } },
		{ EVBUFFER_EOL_CRLF_STRICT, { 2, 17, -1 }, { 2, 2, 0 } },
		{ EVBUFFER_EOL_LF, { 3, 6, 9, 18, -1 }, { 1, 1, 1, 1, 0 } },
		{ EVBUFFER_EOL_NUL, { 13, 20, -1 }, { 1, 1, 0 } },
	};
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr start, p;
	size_t n;
	int s, k;
	char *line;

	(void)env;
	evbuffer_add(b, data, sizeof(data));
	for (s = 0; s < 5; s++) {
		evbuffer_ptr_set(b, &start, 0, EVBUFFER_PTR_SET);
		for (k = 0; ; k++) {
			n = 99;
			p = evbuffer_search_eol(b, &start, &n,
			    (enum evbuffer_eol_style)want[s].style);
			tt_int_op(p.pos, ==, want[s].pos[k]);
			tt_uint_op(n, ==, want[s].len[k]);
			if (p.pos < 0)
				break;
			if (evbuffer_ptr_set(b, &start, (size_t)p.pos + n,
			    EVBUFFER_PTR_SET) == -1)
				break;
		}
	}
	n = 99;
	tt_int_op(evbuffer_search_eol(b, NULL, &n, EVBUFFER_EOL_LF).pos, ==, 3);
	tt_uint_op(n, ==, 1);
	tt_int_op(evbuffer_search_eol(b, NULL, NULL, EVBUFFER_EOL_LF).pos,
	    ==, 3);
	tt_int_op(evbuffer_search_eol(b, NULL, &n,
	    (enum evbuffer_eol_style)7).pos, ==, -1);
	tt_uint_op(n, ==, 0);

	/* readln with EVBUFFER_EOL_NUL takes NUL-terminated records. */
	line = evbuffer_readln(b, &n, EVBUFFER_EOL_NUL);
	tt_assert(line != NULL);
	tt_uint_op(n, ==, 13);
	tt_mem_op(line, ==, "ab\r\ncd\nef\n\rgh", 14);
	free(line);
	line = evbuffer_readln(b, &n, EVBUFFER_EOL_NUL);
	tt_str_op(line, ==, "ij\r\r\nk");
	free(line);
	tt_uint_op(evbuffer_get_length(b), ==, 0);
	tt_ptr_op(evbuffer_readln(b, &n, EVBUFFER_EOL_NUL), ==, NULL);
	tt_int_op(evbuffer_search_eol(b, NULL, &n, EVBUFFER_EOL_ANY).pos,
	    ==, -1);
	evbuffer_free(b);
}

/* ------------------------------------------------------------------ */
/* References, files, iovecs */

static int ncleanups;
static const void *cleanup_data;
static size_t cleanup_len;
static void *cleanup_arg;

static void
ref_cleanup(const void *data, size_t len, void *arg)
{
	ncleanups++;
	cleanup_data = data;
	cleanup_len = len;
	cleanup_arg = arg;
}

static void
test_references(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
	char lent[8] = "lent-me";

	(void)env;
	ncleanups = 0;
	/* Copied at once: the cleanup runs before the call returns. */
	tt_int_op(evbuffer_add_reference(b, lent, 7, ref_cleanup, &ncleanups),
	    ==, 0);
	tt_int_op(ncleanups, ==, 1);
	tt_ptr_op(cleanup_data, ==, lent);
	tt_uint_op(cleanup_len, ==, 7);
	tt_ptr_op(cleanup_arg, ==, &ncleanups);
	memset(lent, 'X', 7);
	tt_buf_is(b, "lent-me");
	tt_int_op(evbuffer_add_reference(b, "", 0, ref_cleanup, NULL), ==, 0);
	tt_int_op(ncleanups, ==, 2);
	tt_int_op(evbuffer_add_reference(b, "!", 1, NULL, NULL), ==, 0);
	tt_buf_is(b, "lent-me!");
	/* Refused: no cleanup, the memory is still the caller's. */
	evbuffer_freeze(b, 0);
	tt_int_op(evbuffer_add_reference(b, "no", 2, ref_cleanup, NULL),
	    ==, -1);
	tt_int_op(ncleanups, ==, 2);
	evbuffer_unfreeze(b, 0);
	/* Kept across the buffer's free: nothing refers to the memory. */
	evbuffer_free(b);
	tt_int_op(ncleanups, ==, 2);

	b = evbuffer_new();
	tt_int_op(evbuffer_add_buffer_reference(c, b), ==, 0);
	evbuffer_add(b, "data", 4);
	tt_int_op(evbuffer_add_buffer_reference(c, b), ==, 0);
	tt_buf_is(b, "data");
	tt_buf_is(c, "data");
	tt_int_op(evbuffer_add_buffer_reference(c, c), ==, -1);
	evbuffer_drain(b, 4);
	tt_buf_is(c, "data");
	evbuffer_freeze(c, 0);
	evbuffer_add(b, "more", 4);
	tt_int_op(evbuffer_add_buffer_reference(c, b), ==, -1);
	tt_buf_is(c, "data");
	evbuffer_free(b);
	evbuffer_free(c);
}

static void
test_add_file(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	int fd;

	(void)env;
	fd = temp_file("0123456789abcdef");
	tt_int_op(evbuffer_add_file(b, fd, 2, 5), ==, 0);
	tt_buf_is(b, "23456");
	/* The buffer owned fd and is done with it. */
	tt_assert(!regress_fd_is_open(fd));

	fd = temp_file("0123456789abcdef");
	tt_int_op(evbuffer_add_file(b, fd, 10, -1), ==, 0);
	tt_buf_is(b, "23456abcdef");
	fd = temp_file("0123456789abcdef");
	tt_int_op(evbuffer_add_file(b, fd, 16, -1), ==, 0);	/* empty */
	tt_assert(!regress_fd_is_open(fd));

	/* Ranges that cannot be read whole: -1, fd stays the caller's. */
	fd = temp_file("0123456789abcdef");
	tt_int_op(evbuffer_add_file(b, fd, 10, 100), ==, -1);
	tt_int_op(evbuffer_add_file(b, fd, 100, 5), ==, -1);
	tt_int_op(evbuffer_add_file(b, fd, -1, 5), ==, -1);
	tt_int_op(evbuffer_add_file(b, fd, 0, -2), ==, -1);
	tt_assert(regress_fd_is_open(fd));
	evbuffer_freeze(b, 0);
	tt_int_op(evbuffer_add_file(b, fd, 0, 1), ==, -1);
	evbuffer_unfreeze(b, 0);
	tt_buf_is(b, "23456abcdef");
	close(fd);
	tt_int_op(evbuffer_add_file(b, fd, 0, 1), ==, -1);	/* closed fd */
	tt_buf_is(b, "23456abcdef");
	/* Not a regular file: refused, with or without a length. */
	{
		int fds[2];

#ifdef _WIN32
		/* (A real pipe: pipe() gives sockets there, regress_win32.h.) */
		tt_int_op(_pipe(fds, 4096, _O_BINARY), ==, 0);
#else
		tt_int_op(pipe(fds), ==, 0);
#endif
		tt_int_op(write(fds[1], "pipe", 4), ==, 4);
		tt_int_op(evbuffer_add_file(b, fds[0], 0, 4), ==, -1);
		tt_int_op(errno, ==, EINVAL);
		tt_int_op(evbuffer_add_file(b, fds[0], 0, -1), ==, -1);
		tt_ptr_op(evbuffer_file_segment_new(fds[0], 0, 4, 0), ==, NULL);
		tt_assert(regress_fd_is_open(fds[0]));
		close(fds[0]);
		close(fds[1]);
	}
	tt_buf_is(b, "23456abcdef");
	evbuffer_free(b);
}

static int nseg_cleanups, seg_flags;

static void
seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg)
{
	(void)seg;
	nseg_cleanups++;
	seg_flags = flags;
	tt_str_op(arg, ==, "seg");
}

static void
test_file_segment(struct regress_env *env)
{
	static const unsigned modes[] = { 0, EVBUF_FS_DISABLE_MMAP };
	struct evbuffer_file_segment *seg;
	struct evbuffer *b = evbuffer_new();
	int fd, m;

	(void)env;
	for (m = 0; m < 2; m++) {
		fd = temp_file("0123456789abcdef");
		seg = evbuffer_file_segment_new(fd, 4, -1, modes[m]);
		tt_assert(seg != NULL);
		nseg_cleanups = 0;
		evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, "seg");
		tt_int_op(evbuffer_add_file_segment(b, seg, 0, -1), ==, 0);
		tt_int_op(evbuffer_add_file_segment(b, seg, 2, 3), ==, 0);
		tt_int_op(evbuffer_add_file_segment(b, seg, 12, 0), ==, 0);
		tt_int_op(evbuffer_add_file_segment(b, seg, 10, 10), ==, -1);
		tt_int_op(evbuffer_add_file_segment(b, seg, 13, -1), ==, -1);
		tt_int_op(evbuffer_add_file_segment(b, seg, -1, 1), ==, -1);
		tt_buf_is(b, "456789abcdef678");
		evbuffer_drain(b, evbuffer_get_length(b));
		/* Without CLOSE_ON_FREE the fd stays open; the callback runs
		 * once, with the flags. */
		evbuffer_file_segment_free(seg);
		tt_int_op(nseg_cleanups, ==, 1);
		tt_int_op(seg_flags, ==, (int)modes[m]);
		tt_assert(regress_fd_is_open(fd));

		seg = evbuffer_file_segment_new(fd, 0, 4,
		    modes[m] | EVBUF_FS_CLOSE_ON_FREE);
		tt_assert(seg != NULL);
		tt_int_op(evbuffer_add_file_segment(b, seg, 0, -1), ==, 0);
		evbuffer_file_segment_free(seg);
		tt_assert(!regress_fd_is_open(fd));
		/* The buffer kept its copy. */
		tt_buf_is(b, "0123");
		evbuffer_drain(b, 4);
	}
	fd = temp_file("0123456789abcdef");
	tt_ptr_op(evbuffer_file_segment_new(fd, 0, 100, 0), ==, NULL);
	tt_ptr_op(evbuffer_file_segment_new(fd, 17, -1, 0), ==, NULL);
	tt_ptr_op(evbuffer_file_segment_new(fd, -1, 2, 0), ==, NULL);
	seg = evbuffer_file_segment_new(fd, 16, -1, 0);	/* empty */
	tt_assert(seg != NULL);
	tt_int_op(evbuffer_add_file_segment(b, seg, 0, -1), ==, 0);
	tt_uint_op(evbuffer_get_length(b), ==, 0);
	evbuffer_file_segment_free(seg);
	evbuffer_file_segment_free(NULL);
	close(fd);
	tt_ptr_op(evbuffer_file_segment_new(fd, 0, 1, 0), ==, NULL);
	evbuffer_free(b);
}

static void
test_add_iovec(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[3];

	(void)env;
	nrecs = 0;
	evbuffer_add_cb(b, rec_cb, "b");
	v[0].iov_base = "ab";
	v[0].iov_len = 2;
	v[1].iov_base = NULL;
	v[1].iov_len = 0;
	v[2].iov_base = "cde";
	v[2].iov_len = 3;
	tt_uint_op(evbuffer_add_iovec(b, v, 3), ==, 5);
	tt_uint_op(evbuffer_add_iovec(b, v, 0), ==, 0);
	tt_buf_is(b, "abcde");
	tt_int_op(nrecs, ==, 1);	/* one change, one callback */
	tt_rec(0, "b", 0, 5, 0);

	/* Pieces of the buffer itself, while it has to grow. */
	v[0].iov_base = EVBUFFER_DATA(b);
	v[0].iov_len = 5;
	v[1].iov_base = EVBUFFER_DATA(b) + 1;
	v[1].iov_len = 2;
	v[2].iov_base = NULL;
	v[2].iov_len = 0;
	tt_uint_op(evbuffer_add_iovec(b, v, 2), ==, 7);
	tt_buf_is(b, "abcdeabcdebc");

	/* Refusals add nothing. */
	v[0].iov_base = "x";
	v[0].iov_len = 1;
	v[1].iov_base = "y";
	v[1].iov_len = SIZE_MAX;
	tt_uint_op(evbuffer_add_iovec(b, v, 2), ==, 0);
	evbuffer_freeze(b, 0);
	tt_uint_op(evbuffer_add_iovec(b, v, 1), ==, 0);
	evbuffer_unfreeze(b, 0);
	tt_buf_is(b, "abcdeabcdebc");
	evbuffer_free(b);
}

/* ------------------------------------------------------------------ */
/* Freezing */

static void
test_freeze(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *o = evbuffer_new();
	struct evbuffer_iovec v[1];
	char out[4];

	(void)env;
	evbuffer_add(b, "hello\n", 6);
	evbuffer_add(o, "zz", 2);

	/* Front frozen: every removal fails, additions work (2.1's table). */
	tt_int_op(evbuffer_freeze(b, 1), ==, 0);
	tt_int_op(evbuffer_drain(b, 1), ==, -1);
	tt_int_op(evbuffer_remove(b, out, 1), ==, -1);
	tt_ptr_op(evbuffer_readln(b, NULL, EVBUFFER_EOL_ANY), ==, NULL);
	tt_ptr_op(evbuffer_readline(b), ==, NULL);
	tt_int_op(evbuffer_prepend(b, "x", 1), ==, -1);
	tt_int_op(evbuffer_remove_buffer(b, o, 1), ==, -1);
	tt_int_op(evbuffer_add_buffer(o, b), ==, -1);
	tt_int_op(evbuffer_write(b, -1), ==, -1);
	tt_int_op(evbuffer_write_atmost(b, -1, 1), ==, -1);
	tt_int_op(evbuffer_add(b, "!", 1), ==, 0);
	tt_int_op(evbuffer_copyout(b, out, 1), ==, 1);
	tt_buf_is(b, "hello\n!");
	tt_buf_is(o, "zz");
	/* Not counted: one unfreeze undoes two freezes. */
	evbuffer_freeze(b, 1);
	tt_int_op(evbuffer_unfreeze(b, 1), ==, 0);
	tt_int_op(evbuffer_drain(b, 1), ==, 0);

	/* End frozen: every addition fails, removals work. */
	tt_int_op(evbuffer_freeze(b, 0), ==, 0);
	tt_int_op(evbuffer_add(b, "x", 1), ==, -1);
	tt_int_op(evbuffer_add_printf(b, "%d", 1), ==, -1);
	tt_int_op(evbuffer_reserve_space(b, 5, v, 1), ==, -1);
	tt_int_op(evbuffer_add_buffer(b, o), ==, -1);
	tt_int_op(evbuffer_read(b, 0, 1), ==, -1);
	tt_int_op(evbuffer_expand(b, 100), ==, 0);	/* allowed, as in 2.1 */
	tt_int_op(evbuffer_prepend(b, "y", 1), ==, 0);
	tt_int_op(evbuffer_drain(b, 1), ==, 0);
	tt_int_op(evbuffer_unfreeze(b, 0), ==, 0);
	tt_int_op(evbuffer_add(b, "x", 1), ==, 0);
	tt_buf_is(b, "ello\n!x");
	tt_buf_is(o, "zz");
	evbuffer_free(b);
	evbuffer_free(o);
}

/* ------------------------------------------------------------------ */
/* Callbacks */

static struct evbuffer_cb_entry *victim;

/* Removes the entry `victim` (maybe itself) when first called. */
static void
remover_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	rec_cb(b, info, arg);
	if (victim != NULL) {
		tt_int_op(evbuffer_remove_cb_entry(b, victim), ==, 0);
		victim = NULL;
	}
}

static void
freer_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	rec_cb(b, info, arg);
	evbuffer_free(b);
}

static void
test_callbacks(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
	struct evbuffer_cb_entry *e1, *e2, *e3;

	(void)env;
	nrecs = 0;
	e1 = evbuffer_add_cb(b, rec_cb, "one");
	e2 = evbuffer_add_cb(b, rec_cb, "two");
	tt_assert(e1 != NULL && e2 != NULL);
	tt_ptr_op(evbuffer_add_cb(b, NULL, NULL), ==, NULL);
	/* The 1.4 callback coexists and runs after the 2.x ones. */
	tt_int_op(evbuffer_setcb(b, rec_old_cb, "old"), ==, 0);
	evbuffer_add(b, "12345", 5);
	tt_int_op(nrecs, ==, 3);
	tt_rec(0, "two", 0, 5, 0);	/* newest first */
	tt_rec(1, "one", 0, 5, 0);
	tt_rec(2, "old", 0, 5, 0);
	tt_uint_op(recs[0].len, ==, 5);
	/* Unchanged lengths call nobody. */
	evbuffer_add(b, "x", 0);
	evbuffer_drain(b, 0);
	tt_int_op(nrecs, ==, 3);

	/* Flags. */
	tt_int_op(evbuffer_cb_clear_flags(b, e2, EVBUFFER_CB_ENABLED), ==, 0);
	evbuffer_drain(b, 2);
	tt_int_op(nrecs, ==, 5);
	tt_rec(3, "one", 5, 0, 2);
	tt_rec(4, "old", 5, 0, 2);
	tt_int_op(evbuffer_cb_set_flags(b, e2, EVBUFFER_CB_ENABLED), ==, 0);
	tt_int_op(evbuffer_cb_set_flags(b, NULL, 0), ==, -1);
	tt_int_op(evbuffer_cb_clear_flags(b, NULL, 0), ==, -1);

	/* Between buffers: src's callbacks, then dst's (2.1's order). */
	nrecs = 0;
	e3 = evbuffer_add_cb(c, rec_cb, "c");
	evbuffer_add_buffer(c, b);
	tt_int_op(nrecs, ==, 4);
	tt_rec(0, "two", 3, 0, 3);
	tt_rec(3, "c", 0, 3, 0);

	/* Removing: by handle and by function and argument. */
	tt_int_op(evbuffer_remove_cb(b, rec_cb, "two"), ==, 0);
	tt_int_op(evbuffer_remove_cb(b, rec_cb, "two"), ==, -1);
	tt_int_op(evbuffer_remove_cb_entry(b, e1), ==, 0);
	tt_int_op(evbuffer_remove_cb_entry(b, e1), ==, -1);
	tt_int_op(evbuffer_remove_cb_entry(b, e3), ==, -1);	/* c's */
	/* No 2.x callback left: the 1.4 slot holds the 1.4 callback again. */
	tt_assert(b->cb == rec_old_cb);
	tt_ptr_op(b->cbarg, ==, "old");
	evbuffer_setcb(b, NULL, NULL);
	tt_assert(b->cb == NULL);

	/* A callback removes itself, another, or frees the buffer. */
	nrecs = 0;
	e1 = evbuffer_add_cb(b, rec_cb, "kept");
	victim = evbuffer_add_cb(b, remover_cb, "self");
	evbuffer_add(b, "a", 1);
	evbuffer_add(b, "b", 1);
	tt_int_op(nrecs, ==, 3);	/* self, kept, kept */
	tt_rec(0, "self", 0, 1, 0);
	victim = e1;
	evbuffer_add_cb(b, remover_cb, "other");
	evbuffer_add(b, "c", 1);	/* "other" removes "kept" first */
	evbuffer_add(b, "d", 1);
	tt_int_op(nrecs, ==, 5);
	tt_rec(3, "other", 2, 1, 0);
	tt_rec(4, "other", 3, 1, 0);
	evbuffer_add_cb(b, freer_cb, "freer");
	evbuffer_add(b, "e", 1);	/* freed inside: no crash, no leak */
	tt_int_op(nrecs, ==, 6);
	evbuffer_free(c);
}

/* Deferred callbacks run from the loop, once, with the changes summed. */
static void
test_deferred(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	nrecs = 0;
	tt_int_op(evbuffer_defer_callbacks(b, NULL), ==, -1);
	evbuffer_add_cb(b, rec_cb, "d");
	evbuffer_setcb(b, rec_old_cb, "old");
	tt_int_op(evbuffer_defer_callbacks(b, env->base), ==, 0);
	evbuffer_add(b, "abc", 3);
	evbuffer_drain(b, 1);
	evbuffer_add(b, "x", 1);
	tt_int_op(nrecs, ==, 0);
	event_base_loop(env->base, EVLOOP_NONBLOCK);
	tt_int_op(nrecs, ==, 2);
	tt_rec(0, "d", 0, 4, 1);
	tt_rec(1, "old", 0, 3, 0);	/* the 1.4 one: old and new length */
	/* A change that cancels out is still reported (not to the 1.4
	 * callback, which never sees an unchanged length). */
	evbuffer_add(b, "y", 1);
	evbuffer_drain(b, 1);
	event_base_loop(env->base, EVLOOP_NONBLOCK);
	tt_int_op(nrecs, ==, 3);
	tt_rec(2, "d", 3, 1, 1);
	/* Nothing pending: the loop has nothing to do. */
	tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK), ==, 1);
	/* Freed with a report pending: dropped, no callback on freed memory. */
	evbuffer_add(b, "z", 1);
	evbuffer_free(b);
	event_base_loop(env->base, EVLOOP_NONBLOCK);
	tt_int_op(nrecs, ==, 3);
}

/* ------------------------------------------------------------------ */
/* drain's 2.x result, write_atmost, flags, locking */

static void
test_drain_result(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();

	(void)env;
	evbuffer_add(b, "abc", 3);
	/* event.h came first; the 2.x header still gives the int. */
	tt_int_op(evbuffer_drain(b, 1), ==, 0);
	tt_int_op(evbuffer_drain(b, 100), ==, 0);
	evbuffer_add(b, "abc", 3);
	evbuffer_freeze(b, 1);
	tt_int_op(evbuffer_drain(b, 1), ==, -1);
	tt_int_op(errno, ==, EPERM);
	evbuffer_unfreeze(b, 1);
	tt_buf_is(b, "abc");
	evbuffer_free(b);
}

static void
test_write_atmost(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	char got[16];
	int fds[2];

	(void)env;
	tt_int_op(pipe(fds), ==, 0);
	tt_int_op(evbuffer_write_atmost(b, fds[1], -1), ==, 0);	/* empty */
	evbuffer_add(b, "0123456789", 10);
	tt_int_op(evbuffer_write_atmost(b, fds[1], 3), ==, 3);
	tt_int_op(evbuffer_write_atmost(b, fds[1], 0), ==, 0);
	tt_int_op(evbuffer_write_atmost(b, fds[1], -1), ==, 7);
	tt_uint_op(evbuffer_get_length(b), ==, 0);
	tt_int_op(read(fds[0], got, sizeof(got)), ==, 10);
	tt_mem_op(got, ==, "0123456789", 10);
	evbuffer_add(b, "x", 1);
	tt_int_op(evbuffer_write_atmost(b, -1, 1), ==, -1);
	tt_int_op(regress_sock_errno(), ==, EBADF);
	tt_buf_is(b, "x");
	evbuffer_free(b);
	close(fds[0]);
	close(fds[1]);
}

static void
test_flags_locking(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	int user_lock;
	char *line;

	(void)env;
	tt_int_op(evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), ==, 0);
	tt_int_op(evbuffer_set_flags(b, 0x100), ==, 0);
	tt_int_op(evbuffer_clear_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), ==, 0);
	tt_int_op(evbuffer_clear_flags(b, 0), ==, 0);

	/* No thread callbacks: nothing can make a lock (as 2.1). */
	tt_int_op(evbuffer_enable_locking(b, NULL), ==, -1);
	/* A lock of the program's is accepted (and, without callbacks,
	 * never taken); every call now goes the locking way. */
	tt_int_op(evbuffer_enable_locking(b, &user_lock), ==, 0);
	tt_int_op(evbuffer_enable_locking(b, &user_lock), ==, -1);
	evbuffer_lock(b);
	evbuffer_lock(b);
	tt_int_op(evbuffer_add_printf(b, "%s %d\r\n", "line", 1), ==, 8);
	tt_int_op(evbuffer_add(b, "rest", 4), ==, 0);
	line = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF);
	tt_str_op(line, ==, "line 1");
	free(line);
	evbuffer_unlock(b);
	evbuffer_unlock(b);
	tt_buf_is(b, "rest");
	tt_uint_op(EVBUFFER_LENGTH(b), ==, 4);
	evbuffer_free(b);
}

/* ------------------------------------------------------------------ */
/* Mixed 1.4 and 2.x calls against a model, and huge lengths */

static void
test_mixed_model(struct regress_env *env)
{
	static unsigned char model[1 << 16];
	struct evbuffer *b = evbuffer_new(), *t = evbuffer_new();
	unsigned char tmp[512];
	size_t mlen = 0, n, i;
	unsigned seed = 99;
	int round;

	(void)env;
	for (round = 0; round < 20000; round++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % 200;
		for (i = 0; i < n; i++)
			tmp[i] = (unsigned char)(seed >> (i % 24));
		switch ((seed >> 20) % 6) {
		case 0:		/* 1.4 append */
			if (mlen + n > sizeof(model))
				break;
			tt_int_op(evbuffer_add(b, tmp, n), ==, 0);
			memcpy(model + mlen, tmp, n);
			mlen += n;
			break;
		case 1:		/* 2.x prepend */
			if (mlen + n > sizeof(model))
				break;
			tt_int_op(evbuffer_prepend(b, tmp, n), ==, 0);
			memmove(model + n, model, mlen);
			memcpy(model, tmp, n);
			mlen += n;
			break;
		case 2:		/* 1.4 drain */
			n = n < mlen ? n : mlen;
			evbuffer_drain(b, n);
			memmove(model, model + n, mlen - n);
			mlen -= n;
			break;
		case 3:		/* 2.x remove_buffer and back */
			n = n < mlen ? n : mlen;
			tt_int_op(evbuffer_remove_buffer(b, t, n), ==, (int)n);
			tt_int_op(evbuffer_prepend_buffer(b, t), ==, 0);
			break;
		case 4:		/* 2.x copyout from a position */
			if (mlen == 0)
				break;
			{
				struct evbuffer_ptr p;
				size_t at = (seed >> 3) % mlen;

				evbuffer_ptr_set(b, &p, at, EVBUFFER_PTR_SET);
				tt_int_op(evbuffer_copyout_from(b, &p, tmp,
				    sizeof(tmp)), ==, (int)(mlen - at <
				    sizeof(tmp) ? mlen - at : sizeof(tmp)));
				tt_mem_op(tmp, ==, model + at, mlen - at <
				    sizeof(tmp) ? mlen - at : sizeof(tmp));
			}
			break;
		default:	/* 1.4 remove */
			n = n < mlen ? n : mlen;
			tt_int_op(evbuffer_remove(b, tmp, n), ==, (int)n);
			tt_mem_op(tmp, ==, model, n);
			memmove(model, model + n, mlen - n);
			mlen -= n;
			break;
		}
		tt_uint_op(EVBUFFER_LENGTH(b), ==, mlen);
		if (b->orig_buffer == NULL)	/* (NULL + 0 is undefined) */
			tt_ptr_op(b->buffer, ==, NULL);
		else
			/* NULL + 0 is undefined: an empty buffer has no
			 * storage. */
		if (b->orig_buffer == NULL)
			tt_ptr_op(b->buffer, ==, NULL);
		else
			tt_ptr_op(b->buffer, ==, b->orig_buffer + b->misalign);
		tt_uint_op(b->misalign + b->off, <=, b->totallen);
	}
	if (mlen > 0)
		tt_mem_op(EVBUFFER_DATA(b), ==, model, mlen);
	evbuffer_free(b);
	evbuffer_free(t);
}

static void
test_huge(struct regress_env *env)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2];
	struct evbuffer_ptr p;
	char out[4];

	(void)env;
	evbuffer_add(b, "abc", 3);
	tt_int_op(evbuffer_reserve_space(b, EV_SSIZE_MAX, v, 1), ==, -1);
	tt_int_op(evbuffer_prepend(b, "a", SIZE_MAX), ==, -1);
	tt_int_op(evbuffer_copyout(b, out, SIZE_MAX), ==, 3);
	tt_int_op(evbuffer_ptr_set(b, &p, SIZE_MAX, EVBUFFER_PTR_SET), ==, -1);
	evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_SET);
	tt_int_op(evbuffer_ptr_set(b, &p, SIZE_MAX, EVBUFFER_PTR_ADD), ==, -1);
	tt_int_op(evbuffer_search_range(b, "a", SIZE_MAX, NULL, NULL).pos,
	    ==, -1);
	v[0].iov_base = "x";
	v[0].iov_len = SIZE_MAX / 2 + 1;
	v[1] = v[0];
	tt_uint_op(evbuffer_add_iovec(b, v, 2), ==, 0);
	tt_int_op(evbuffer_remove_buffer(b, b, SIZE_MAX), ==, 0);
	tt_buf_is(b, "abc");
	evbuffer_free(b);
}

struct regress_case regress_buffer2_cases[] = {
	{ "buffer2/length_pullup_peek", test_length_pullup_peek, RT_ONCE,
	  NULL },
	{ "buffer2/reserve_commit", test_reserve_commit, RT_ONCE, NULL },
	{ "buffer2/copyout", test_copyout, RT_ONCE, NULL },
	{ "buffer2/remove_buffer", test_remove_buffer, RT_ONCE, NULL },
	{ "buffer2/prepend", test_prepend, RT_ONCE, NULL },
	{ "buffer2/ptr_search", test_ptr_search, RT_ONCE, NULL },
	{ "buffer2/search_random", test_search_random, RT_ONCE, NULL },
	{ "buffer2/search_eol", test_search_eol, RT_ONCE, NULL },
	{ "buffer2/references", test_references, RT_ONCE, NULL },
	{ "buffer2/add_file", test_add_file, RT_ONCE, NULL },
	{ "buffer2/file_segment", test_file_segment, RT_ONCE, NULL },
	{ "buffer2/add_iovec", test_add_iovec, RT_ONCE, NULL },
	{ "buffer2/freeze", test_freeze, RT_ONCE, NULL },
	{ "buffer2/callbacks", test_callbacks, RT_ONCE, NULL },
	{ "buffer2/deferred", test_deferred, RT_BASE, NULL },
	{ "buffer2/drain_result", test_drain_result, RT_ONCE, NULL },
	{ "buffer2/write_atmost", test_write_atmost, RT_ONCE, NULL },
	{ "buffer2/flags_locking", test_flags_locking, RT_ONCE, NULL },
	{ "buffer2/mixed_model", test_mixed_model, RT_ONCE, NULL },
	{ "buffer2/huge", test_huge, RT_ONCE, NULL },
	RT_END
};
