/*
 * evbuffer2.c -- the libevent 2.x evbuffer data calls over our contiguous
 * buffer: lengths, pullup/peek, reserve/commit, copyout, prepend, moving
 * between buffers, positions and searches, references and iovecs.
 * Callbacks, freezing and locking are in evbuffer_cb.c, files in
 * evbuffer_file.c.
 *
 * Because the data is one block, most of these are short: a pullup is a
 * pointer, a peek one iovec, a search a memchr/memcmp scan, and an
 * evbuffer_ptr is just an offset.  Every call that changes a buffer takes
 * the slow path of evbuffer-internal.h when the buffer is frozen or
 * locked, and every length is checked before it is added to another.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evbuffer-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* Largest buffer we ever build (as in evbuffer.c). */
#define EVBUFFER_MAX_SIZE	((size_t)PTRDIFF_MAX)
#define EVBUFFER_MIN_ALLOC	256

size_t
evbuffer_get_length(const struct evbuffer *buf)
{
	return buf->off;
}

/* All the data is contiguous. */
size_t
evbuffer_get_contiguous_space(const struct evbuffer *buf)
{
	return buf->off;
}

/* The data, when it holds at least size bytes (all when negative). */
unsigned char *
evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size)
{
	size_t n = size < 0 ? buf->off : (size_t)size;

	if (n == 0 || n > buf->off)
		return NULL;
	return buf->buffer;
}

/* A position's offset, or -1 when it is not inside [0, off]. */
static ev_ssize_t
evbuffer_ptr_offset(const struct evbuffer *buf, const struct evbuffer_ptr *ptr)
{
	if (ptr == NULL)
		return 0;
	if (ptr->pos < 0 || (size_t)ptr->pos > buf->off)
		return -1;
	return ptr->pos;
}

static void
evbuffer_ptr_assign(struct evbuffer_ptr *ptr, ev_ssize_t pos)
{
	ptr->pos = pos;
	ptr->internal_.chain = NULL;
	ptr->internal_.pos_in_chain = pos < 0 ? 0 : (size_t)pos;
}

int
evbuffer_ptr_set(struct evbuffer *buf, struct evbuffer_ptr *ptr,
    size_t position, enum evbuffer_ptr_how how)
{
	size_t base;

	if (ptr == NULL)
		return -1;
	if (how == EVBUFFER_PTR_SET)
		base = 0;
	else if (how == EVBUFFER_PTR_ADD && ptr->pos >= 0)
		base = (size_t)ptr->pos;
	else
		base = (size_t)-1;
	evbuffer_lock_(buf);
	if (base > buf->off || position > buf->off - base) {
		evbuffer_unlock_(buf);
		evbuffer_ptr_assign(ptr, -1);
		return -1;
	}
	evbuffer_ptr_assign(ptr, (ev_ssize_t)(base + position));
	evbuffer_unlock_(buf);
	return 0;
}

/*
 * One iovec covering all the data from start_at (libevent's covers its
 * whole chain, so len only decides whether anything is asked for).
 */
int
evbuffer_peek(struct evbuffer *buf, ev_ssize_t len,
    struct evbuffer_ptr *start_at, struct evbuffer_iovec *vec_out, int n_vec)
{
	ev_ssize_t s;
	int res = 0;

	evbuffer_lock_(buf);
	s = evbuffer_ptr_offset(buf, start_at);
	if (s < 0) {
		res = -1;
	} else if ((size_t)s < buf->off && len != 0) {
		if (n_vec > 0 && vec_out != NULL) {
			vec_out[0].iov_base = buf->buffer + s;
			vec_out[0].iov_len = buf->off - (size_t)s;
		}
		res = 1;
	}
	evbuffer_unlock_(buf);
	return res;
}

/* The free space after the data, at least size bytes of it. */
int
evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
    struct evbuffer_iovec *vec, int n_vec)
{
	int res = -1;

	if (size < 0 || n_vec < 1 || vec == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	if (evbuffer_expand_raw_(buf, (size_t)size) == 0) {
		vec[0].iov_base = buf->buffer != NULL ?
		    buf->buffer + buf->off : NULL;
		vec[0].iov_len = evbuffer_tailroom_(buf);
		res = 1;
	}
	evbuffer_leave_(buf);
	return res;
}

int
evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
    int n_vecs)
{
	size_t old_len;
	int res = -1;

	if (n_vecs == 0)
		return 0;
	if (n_vecs != 1 || vec == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	old_len = buf->off;
	/* Only the reservation in force: our tail, no longer than it. */
	if (vec[0].iov_len == 0) {
		res = 0;
	} else if (buf->buffer != NULL &&
	    vec[0].iov_base == buf->buffer + buf->off &&
	    vec[0].iov_len <= evbuffer_tailroom_(buf)) {
		buf->off += vec[0].iov_len;
		evbuffer_notify_(buf, old_len);
		res = 0;
	} else {
		errno = EINVAL;
	}
	evbuffer_leave_(buf);
	return res;
}

ev_ssize_t
evbuffer_copyout_from(struct evbuffer *buf, const struct evbuffer_ptr *pos,
    void *data_out, size_t datlen)
{
	ev_ssize_t s, res;
	size_t n;

	evbuffer_lock_(buf);
	s = evbuffer_ptr_offset(buf, pos);
	if (s < 0) {
		res = -1;
	} else {
		n = buf->off - (size_t)s;
		if (n > datlen)
			n = datlen;
		if (n > (size_t)EV_SSIZE_MAX)
			n = (size_t)EV_SSIZE_MAX;
		if (n > 0)
			memcpy(data_out, buf->buffer + s, n);
		res = (ev_ssize_t)n;
	}
	evbuffer_unlock_(buf);
	return res;
}

ev_ssize_t
evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen)
{
	return evbuffer_copyout_from(buf, NULL, data_out, datlen);
}

/*
 * Move n bytes from the front of src to the end of dst, src != dst,
 * without callbacks.  0 or -1 (nothing moved).
 */
static int
evbuffer_move_silent(struct evbuffer *dst, struct evbuffer *src, size_t n)
{
	if (n == src->off && dst->off == 0 &&
	    evbuffer_storage_movable_(src)) {
		evbuffer_take_storage_(dst, src);
		return 0;
	}
	if (evbuffer_expand_raw_(dst, n) == -1)
		return -1;
	memcpy(dst->buffer + dst->off, src->buffer, n);
	dst->off += n;
	if (n == src->off) {
		src->off = 0;
		src->buffer = src->orig_buffer;
		src->misalign = 0;
	} else {
		src->buffer += n;
		src->misalign += n;
		src->off -= n;
	}
	return 0;
}

/* dst's callbacks run first, then src's (libevent 2.1's order). */
int
evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
    size_t datlen)
{
	size_t n, old_src, old_dst;
	int res;

	if (src == dst)
		return 0;
	if (evbuffer_enter2_(src, EVB_FRONT, dst, EVB_END) == -1)
		return -1;
	n = datlen < src->off ? datlen : src->off;
	if (n > INT_MAX)
		n = INT_MAX;
	old_src = src->off;
	old_dst = dst->off;
	res = (int)n;
	if (n > 0 && evbuffer_move_silent(dst, src, n) == -1) {
		res = -1;
	} else {
		evbuffer_notify_(dst, old_dst);
		evbuffer_notify_(src, old_src);
	}
	evbuffer_leave2_(src, dst);
	return res;
}

/*
 * Make at least size bytes free in front of the data.  The data is put in
 * the middle of the free space (moved within the block when the move is
 * no bigger than the space, else copied to a block twice the needed size),
 * so a run of prepends, or of prepends and appends, is amortized O(1) per
 * byte.  0, or -1 with errno and the buffer untouched.
 */
static int
evbuffer_make_headroom(struct evbuffer *buf, size_t size)
{
	size_t need, freelen, newlen, front;
	unsigned char *p;

	if (size > EVBUFFER_MAX_SIZE || buf->off > EVBUFFER_MAX_SIZE - size) {
		errno = ENOMEM;
		return -1;
	}
	need = buf->off + size;
	freelen = buf->totallen - buf->off;
	if (freelen >= size && buf->off <= freelen) {
		front = size + (freelen - size) / 2;
		if (buf->off > 0)
			memmove(buf->orig_buffer + front, buf->buffer,
			    buf->off);
		buf->buffer = buf->orig_buffer + front;
		buf->misalign = front;
		return 0;
	}
	newlen = need <= EVBUFFER_MAX_SIZE / 2 ? need * 2 : EVBUFFER_MAX_SIZE;
	if (newlen < EVBUFFER_MIN_ALLOC)
		newlen = EVBUFFER_MIN_ALLOC;
	p = mm_malloc(newlen);
	if (p == NULL)
		return -1;
	front = size + (newlen - need) / 2;
	if (buf->off > 0)
		memcpy(p + front, buf->buffer, buf->off);
	evbuffer_storage_free_(buf);
	buf->orig_buffer = p;
	buf->buffer = p + front;
	buf->misalign = front;
	buf->totallen = newlen;
	return 0;
}

/* Does p point into buf's allocation? */
static int
evbuffer_owns(const struct evbuffer *buf, const void *p)
{
	const unsigned char *c = p;

	return buf->orig_buffer != NULL && c >= buf->orig_buffer &&
	    c < buf->orig_buffer + buf->totallen;
}

/* Insert size bytes in front, without callbacks.  0 or -1. */
static int
evbuffer_prepend_silent(struct evbuffer *buf, const void *data, size_t size)
{
	unsigned char *tmp = NULL;

	if (buf->misalign < size) {
		/* Moving the data could move the source too. */
		if (evbuffer_owns(buf, data)) {
			if ((tmp = mm_malloc(size)) == NULL)
				return -1;
			memcpy(tmp, data, size);
			data = tmp;
		}
		if (evbuffer_make_headroom(buf, size) == -1) {
			mm_free(tmp);
			return -1;
		}
	}
	buf->buffer -= size;
	buf->misalign -= size;
	buf->off += size;
	memmove(buf->buffer, data, size);
	mm_free(tmp);
	return 0;
}

int
evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size)
{
	size_t old_len;
	int res;

	if (size == 0)
		return 0;
	if (evbuffer_enter_(buf, EVB_FRONT) == -1)
		return -1;
	old_len = buf->off;
	res = evbuffer_prepend_silent(buf, data, size);
	if (res == 0)
		evbuffer_notify_(buf, old_len);
	evbuffer_leave_(buf);
	return res;
}

/* src's callbacks run first, then dst's (libevent 2.1's order). */
int
evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src)
{
	size_t n, old_dst;
	int res = 0;

	if (src == dst)
		return 0;
	if (evbuffer_enter2_(dst, EVB_FRONT, src, EVB_FRONT) == -1)
		return -1;
	n = src->off;
	old_dst = dst->off;
	if (n > 0) {
		if (dst->off == 0 && evbuffer_storage_movable_(src)) {
			evbuffer_take_storage_(dst, src);
		} else if (evbuffer_prepend_silent(dst, src->buffer, n) == 0) {
			src->off = 0;
			src->buffer = src->orig_buffer;
			src->misalign = 0;
		} else {
			res = -1;
		}
		if (res == 0) {
			evbuffer_notify_(src, n);
			evbuffer_notify_(dst, old_dst);
		}
	}
	evbuffer_leave2_(dst, src);
	return res;
}

/* A copy of what the program lends: the cleanup can run at once. */
int
evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
    size_t datlen, evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg)
{
	int res;

	if (evbuffer_enter_(outbuf, EVB_END) == -1)
		return -1;
	res = evbuffer_add_raw_(outbuf, data, datlen);
	evbuffer_leave_(outbuf);
	if (res == 0 && cleanupfn != NULL)
		(*cleanupfn)(data, datlen, cleanupfn_arg);
	return res;
}

int
evbuffer_add_buffer_reference(struct evbuffer *outbuf,
    struct evbuffer *inbuf)
{
	int res;

	if (outbuf == inbuf) {
		errno = EINVAL;
		return -1;
	}
	if (evbuffer_enter2_(outbuf, EVB_END, inbuf, 0) == -1)
		return -1;
	res = evbuffer_add_raw_(outbuf, inbuf->buffer, inbuf->off);
	evbuffer_leave2_(outbuf, inbuf);
	return res;
}

/* Copy the pieces one after another to dst. */
static void
evbuffer_gather(unsigned char *dst, const struct evbuffer_iovec *vec,
    int n_vec)
{
	int i;

	for (i = 0; i < n_vec; i++) {
		if (vec[i].iov_len == 0)
			continue;
		memcpy(dst, vec[i].iov_base, vec[i].iov_len);
		dst += vec[i].iov_len;
	}
}

/*
 * The pieces in one block: one growth, one callback.  Pieces that point
 * into the buffer itself are gathered into a temporary block first, since
 * growing may move them.
 */
size_t
evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec,
    int n_vec)
{
	size_t total = 0, old_len;
	unsigned char *tmp;
	int i, inside = 0, res;

	for (i = 0; i < n_vec; i++) {
		if (vec[i].iov_len > EVBUFFER_MAX_SIZE - total) {
			errno = ENOMEM;
			return 0;
		}
		total += vec[i].iov_len;
		if (vec[i].iov_len > 0 && evbuffer_owns(buf, vec[i].iov_base))
			inside = 1;
	}
	if (total == 0)
		return 0;
	if (evbuffer_enter_(buf, EVB_END) == -1)
		return 0;
	if (inside) {
		res = -1;
		if ((tmp = mm_malloc(total)) != NULL) {
			evbuffer_gather(tmp, vec, n_vec);
			res = evbuffer_add_raw_(buf, tmp, total);
			mm_free(tmp);
		}
	} else if ((res = evbuffer_expand_raw_(buf, total)) == 0) {
		old_len = buf->off;
		evbuffer_gather(buf->buffer + buf->off, vec, n_vec);
		buf->off += total;
		evbuffer_notify_(buf, old_len);
	}
	evbuffer_leave_(buf);
	return res == 0 ? total : 0;
}

/*
 * First match of what[0..len) at or after start that ends at or before
 * limit; -1 for none.
 */
static ev_ssize_t
evbuffer_scan(const struct evbuffer *buf, const char *what, size_t len,
    size_t start, size_t limit)
{
	const unsigned char *p, *last, *data = buf->buffer;

	if (limit > buf->off || start > limit || len > limit - start)
		return -1;
	if (len == 0)
		return (ev_ssize_t)start;
	p = data + start;
	last = data + limit - len;	/* last possible start */
	while (p <= last) {
		p = memchr(p, (unsigned char)what[0], (size_t)(last - p) + 1);
		if (p == NULL)
			return -1;
		if (memcmp(p, what, len) == 0)
			return (ev_ssize_t)(p - data);
		p++;
	}
	return -1;
}

struct evbuffer_ptr
evbuffer_search_range(struct evbuffer *buf, const char *what, size_t len,
    const struct evbuffer_ptr *start, const struct evbuffer_ptr *end)
{
	struct evbuffer_ptr res;
	ev_ssize_t s, e;

	evbuffer_lock_(buf);
	s = evbuffer_ptr_offset(buf, start);
	e = end != NULL ? evbuffer_ptr_offset(buf, end) :
	    (ev_ssize_t)buf->off;
	if (s < 0 || e < 0 || (len > 0 && what == NULL))
		evbuffer_ptr_assign(&res, -1);
	else
		evbuffer_ptr_assign(&res, evbuffer_scan(buf, what, len,
		    (size_t)s, (size_t)e));
	evbuffer_unlock_(buf);
	return res;
}

struct evbuffer_ptr
evbuffer_search(struct evbuffer *buf, const char *what, size_t len,
    const struct evbuffer_ptr *start)
{
	return evbuffer_search_range(buf, what, len, start, NULL);
}

struct evbuffer_ptr
evbuffer_search_eol(struct evbuffer *buf, struct evbuffer_ptr *start,
    size_t *eol_len_out, enum evbuffer_eol_style eol_style)
{
	struct evbuffer_ptr res;
	ev_ssize_t s;
	size_t i, eol = 0;

	evbuffer_lock_(buf);
	s = evbuffer_ptr_offset(buf, start);
	if (s < 0 || (size_t)s == buf->off) {
		evbuffer_ptr_assign(&res, -1);
	} else {
		i = evbuffer_find_eol_(buf->buffer + s, buf->off - (size_t)s,
		    eol_style, &eol);
		evbuffer_ptr_assign(&res, eol == 0 ? -1 : s + (ev_ssize_t)i);
	}
	evbuffer_unlock_(buf);
	if (eol_len_out != NULL)
		*eol_len_out = eol;
	return res;
}
