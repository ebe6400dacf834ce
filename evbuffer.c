/*
 * evbuffer.c -- the contiguous byte buffer behind EVBUFFER_DATA(): the
 * libevent 1.4 calls.  The 2.x calls are in evbuffer2.c.
 *
 * struct evbuffer keeps libevent 1.4's public shape: one allocation
 * (orig_buffer, totallen bytes) holding the valid bytes at
 * buffer = orig_buffer + misalign, off of them.  Programs read the data in
 * place, so the bytes must stay contiguous.  Within that shape:
 *
 *  - draining only advances buffer/misalign (O(1)); draining everything
 *    rewinds to the start of the allocation;
 *  - appending uses the free tail; when it is too short we either slide the
 *    data back to the front (only when the bytes moved are no more than the
 *    bytes reclaimed, so each byte is moved O(1) times amortized) or grow
 *    the allocation geometrically;
 *  - reads ask the kernel how much is waiting (FIONREAD) and take it in one
 *    call, up to EVBUFFER_MAX_READ;
 *  - every size computation is checked for overflow first, and a failing
 *    operation leaves the buffer as it was (CVE-2014-6272 class).
 *
 * The change callback runs after every operation that changed the length,
 * with (buf, old_len, new_len, cbarg), and never when the length stayed.
 *
 * Each public call has a fast path (the 1.4 code, inlined) and, when the
 * buffer is frozen or locked (evbuffer-internal.h: `slow`), a slow path
 * that takes the lock and refuses to touch a frozen end.
 */
#include "config.h"

#include <sys/types.h>
#ifdef HAVE_SYS_IOCTL_H
#include <sys/ioctl.h>
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_UNISTD_H
#include <unistd.h>
#endif

#include "evbuffer-internal.h"
#include "evutil-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* Smallest allocation; a new buffer's first add allocates at least this. */
#define EVBUFFER_MIN_ALLOC	256
/* Largest allocation we ever ask for. */
#define EVBUFFER_MAX_SIZE	((size_t)PTRDIFF_MAX)

/*
 * The slow path's entry: take the lock and refuse (-1, errno EPERM) when an
 * end the call would change is frozen.  The buffer is marked busy so that
 * an evbuffer_free() from a callback waits for evbuffer_leave_().
 */
int
evbuffer_enter_(struct evbuffer *buf, int ends)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);

	evbuffer_lock_(buf);
	if (((ends & EVB_FRONT) && p->freeze_start) ||
	    ((ends & EVB_END) && p->freeze_end)) {
		evbuffer_unlock_(buf);
		errno = EPERM;
		return -1;
	}
	p->cb_depth++;
	return 0;
}

static void evbuffer_really_free(struct evbuffer_private *p);

/* The slow path's exit. */
void
evbuffer_leave_(struct evbuffer *buf)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);
	int free_now;

	/* Decided under the lock: another thread may enter meanwhile. */
	p->cb_depth--;
	free_now = p->cb_depth == 0 && p->free_pending;
	evbuffer_unlock_(buf);
	if (free_now)
		evbuffer_really_free(p);
}

/*
 * A new empty buffer with no storage (EVBUFFER_DATA is NULL), or NULL.
 * malloc and memset rather than calloc: glibc's calloc skips its
 * per-thread cache, and programs make and free a buffer per message (it
 * was the dearest call of an HTTP reply).
 */
struct evbuffer *
evbuffer_new(void)
{
	struct evbuffer_private *p = mm_malloc(sizeof(*p) + EVBUFFER_INLINE);

	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->has_inline = 1;
	return &p->b;
}


static void
evbuffer_really_free(struct evbuffer_private *p)
{
	struct evbuffer_cb_entry *e, *next;

	if (p->defer != NULL) {
		event_del(&p->defer->ev);
		mm_free(p->defer);
	}
	for (e = p->cbs; e != NULL; e = next) {
		next = e->next;
		mm_free(e);
	}
	if (p->own_lock)
		evbuffer_lock_free_(p->lock);
	evbuffer_storage_free_(&p->b);
	mm_free(p);
}

/*
 * Free the storage and the struct.  NULL is allowed.  From inside one of
 * the buffer's callbacks the free waits until the callbacks are done.
 */
void
evbuffer_free(struct evbuffer *buf)
{
	struct evbuffer_private *p;

	if (buf == NULL)
		return;
	p = EVBUF_PRIV(buf);
	if (p->cb_depth > 0) {
		p->free_pending = 1;
		return;
	}
	evbuffer_really_free(p);
}

/* Slide the data to the start of the allocation. */
static void
evbuffer_align(struct evbuffer *buf)
{
	if (buf->off > 0)
		memmove(buf->orig_buffer, buf->buffer, buf->off);
	buf->buffer = buf->orig_buffer;
	buf->misalign = 0;
}

/*
 * Make sure at least datlen bytes are free after the data.  Never changes
 * off or the bytes; may move them (invalidating earlier EVBUFFER_DATA
 * pointers).  0, or -1 with errno set and the buffer untouched.
 */
static int
evbuffer_grow(struct evbuffer *buf, size_t datlen)
{
	size_t need, newlen;
	unsigned char *p;

	/*
	 * off + datlen must be representable, and no object may be larger
	 * than PTRDIFF_MAX (malloc refuses those anyway).
	 */
	if (datlen > EVBUFFER_MAX_SIZE ||
	    buf->off > EVBUFFER_MAX_SIZE - datlen) {
		errno = ENOMEM;
		return -1;
	}
	need = buf->off + datlen;
	if (buf->orig_buffer == NULL && EVBUF_PRIV(buf)->has_inline &&
	    need <= EVBUFFER_INLINE) {
		buf->orig_buffer = buf->buffer = EVBUF_PRIV(buf)->inl;
		buf->misalign = 0;
		buf->totallen = EVBUFFER_INLINE;
		return 0;
	}

	/*
	 * Enough room in total: slide back when that moves no more bytes
	 * than it reclaims.  Otherwise a nearly full buffer drained and
	 * refilled a few bytes at a time would memmove all of it each time.
	 */
	if (buf->totallen >= need && buf->off <= buf->misalign) {
		evbuffer_align(buf);
		return 0;
	}

	/*
	 * Grow by doubling until the data fits and the free space left
	 * after it is at least as large as the data copied, so the copy is
	 * paid for by the appends that fill that space.
	 */
	newlen = buf->totallen < EVBUFFER_MIN_ALLOC ?
	    EVBUFFER_MIN_ALLOC : buf->totallen;
	while (newlen < need || newlen - need < buf->off) {
		if (newlen > EVBUFFER_MAX_SIZE / 2) {
			/* Near the top of the address space: no slack. */
			if (buf->totallen >= need) {
				evbuffer_align(buf);
				return 0;
			}
			newlen = need;
			break;
		}
		newlen <<= 1;
	}

	if (buf->orig_buffer == NULL) {
		/* A new buffer's first storage: realloc(NULL) is malloc with
		 * a detour. */
		if ((p = mm_malloc(newlen)) == NULL)
			return -1;
	} else if (buf->misalign == 0 && !evbuffer_inline_used_(buf)) {
		/* realloc may extend in place or remap large blocks. */
		p = mm_realloc(buf->orig_buffer, newlen);
		if (p == NULL)
			return -1;
	} else {
		/* Copy only the valid bytes, not the drained prefix. */
		p = mm_malloc(newlen);
		if (p == NULL)
			return -1;
		if (buf->off > 0)
			memcpy(p, buf->buffer, buf->off);
		evbuffer_storage_free_(buf);
	}
	buf->orig_buffer = buf->buffer = p;
	buf->misalign = 0;
	buf->totallen = newlen;
	return 0;
}

static inline int
evbuffer_expand_core(struct evbuffer *buf, size_t datlen)
{
	if (evbuffer_tailroom_(buf) >= datlen)
		return 0;
	return evbuffer_grow(buf, datlen);
}

int
evbuffer_expand_raw_(struct evbuffer *buf, size_t datlen)
{
	return evbuffer_expand_core(buf, datlen);
}

/* Growing the free space is allowed even while the end is frozen. */
int
evbuffer_expand(struct evbuffer *buf, size_t datlen)
{
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, 0) == -1)
		return -1;
	res = evbuffer_expand_core(buf, datlen);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}

/*
 * Append datlen bytes.  data may point into buf's own bytes.  0, or -1
 * (errno set) with the buffer unchanged.  Adding 0 bytes calls no callback.
 */
static inline int
evbuffer_add_core(struct evbuffer *buf, const void *data, size_t datlen)
{
	size_t old_len = buf->off;
	const unsigned char *src = data;

	if (datlen == 0)
		return 0;

	if (evbuffer_tailroom_(buf) < datlen) {
		/* The source may live inside our own storage. */
		size_t inside = (size_t)-1;
		if (buf->orig_buffer != NULL &&
		    src >= buf->orig_buffer &&
		    src < buf->orig_buffer + buf->totallen)
			inside = (size_t)(src - buf->orig_buffer);
		if (inside != (size_t)-1 && (inside < buf->misalign ||
		    inside - buf->misalign > buf->off - datlen ||
		    datlen > buf->off)) {
			/* Not within the valid bytes: copy them out first. */
			unsigned char *tmp = mm_malloc(datlen);
			int res;
			if (tmp == NULL)
				return -1;
			memcpy(tmp, src, datlen);
			res = evbuffer_add_core(buf, tmp, datlen);
			mm_free(tmp);
			return res;
		}
		if (inside != (size_t)-1)
			inside -= buf->misalign;	/* relative to data */
		if (evbuffer_grow(buf, datlen) == -1)
			return -1;
		if (inside != (size_t)-1)
			src = buf->buffer + inside;
	}

	memcpy(buf->buffer + buf->off, src, datlen);
	buf->off += datlen;
	evbuffer_notify_(buf, old_len);
	return 0;
}

int
evbuffer_add_raw_(struct evbuffer *buf, const void *data, size_t datlen)
{
	return evbuffer_add_core(buf, data, datlen);
}

int
evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen)
{
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	res = evbuffer_add_core(buf, data, datlen);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}

/* Discard len bytes without running the callback. */
static inline void
evbuffer_drain_silent(struct evbuffer *buf, size_t len)
{
	if (len >= buf->off) {
		/* Empty: rewind so the whole allocation is free again. */
		buf->off = 0;
		buf->buffer = buf->orig_buffer;
		buf->misalign = 0;
	} else {
		buf->buffer += len;
		buf->misalign += len;
		buf->off -= len;
	}
}

/*
 * Discard len bytes from the front in O(1); len >= length empties the
 * buffer and rewinds it to the start of its allocation.
 */
static inline void
evbuffer_drain_core(struct evbuffer *buf, size_t len)
{
	size_t old_len = buf->off;

	evbuffer_drain_silent(buf, len);
	evbuffer_notify_(buf, old_len);
}

void
evbuffer_drain_raw_(struct evbuffer *buf, size_t len)
{
	evbuffer_drain_core(buf, len);
}

/* 0, or -1 when the front is frozen (the 1.4 view ignores the result). */
int
evbuffer_drain(struct evbuffer *buf, size_t len)
{
	int slow = EVBUF_PRIV(buf)->slow;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return -1;
	evbuffer_drain_core(buf, len);
	if (slow)
		evbuffer_leave_(buf);
	return 0;
}

/* Copy up to datlen bytes into data and drain them.  Returns the count. */
static inline int
evbuffer_remove_core(struct evbuffer *buf, void *data, size_t datlen)
{
	size_t n = datlen < buf->off ? datlen : buf->off;

	/* The return value is an int: never report more than INT_MAX. */
	if (n > INT_MAX)
		n = INT_MAX;
	if (n > 0)
		memcpy(data, buf->buffer, n);
	evbuffer_drain_core(buf, n);
	return (int)n;
}

int
evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen)
{
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return -1;
	res = evbuffer_remove_core(buf, data, datlen);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}

/*
 * Move all of inbuf to the end of outbuf.  An empty outbuf takes inbuf's
 * storage (O(1)); otherwise the bytes are copied.  inbuf's callback sees
 * n -> 0, then outbuf's old -> old + n (libevent 2.1's order).
 */
static int
evbuffer_add_buffer_core(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	size_t n = inbuf->off, old_out = outbuf->off;

	if (n == 0 || outbuf == inbuf)
		return 0;

	if (outbuf->off == 0 && evbuffer_storage_movable_(inbuf)) {
		evbuffer_take_storage_(outbuf, inbuf);
	} else {
		if (evbuffer_expand_core(outbuf, n) == -1)
			return -1;
		memcpy(outbuf->buffer + outbuf->off, inbuf->buffer, n);
		outbuf->off += n;
		evbuffer_drain_silent(inbuf, n);
	}
	evbuffer_notify_(inbuf, n);
	evbuffer_notify_(outbuf, old_out);
	return 0;
}

/*
 * The slow path for a call on two buffers: lock them in address order (so
 * two threads moving data between the same pair both ways cannot
 * deadlock) and check the ends each one would have changed.
 */
int
evbuffer_enter2_(struct evbuffer *a, int a_ends, struct evbuffer *b,
    int b_ends)
{
	struct evbuffer *first = a < b ? a : b, *second = a < b ? b : a;

	if (a == b)
		return evbuffer_enter_(a, a_ends | b_ends);
	if (evbuffer_enter_(first, first == a ? a_ends : b_ends) == -1)
		return -1;
	if (evbuffer_enter_(second, second == a ? a_ends : b_ends) == -1) {
		evbuffer_leave_(first);
		return -1;
	}
	return 0;
}

void
evbuffer_leave2_(struct evbuffer *a, struct evbuffer *b)
{
	evbuffer_leave_(a);
	if (a != b)
		evbuffer_leave_(b);
}

int
evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	int slow = EVBUF_PRIV(outbuf)->slow || EVBUF_PRIV(inbuf)->slow;
	int res;

	if (slow && evbuffer_enter2_(outbuf, EVB_END, inbuf, EVB_FRONT) == -1)
		return -1;
	res = evbuffer_add_buffer_core(outbuf, inbuf);
	if (slow)
		evbuffer_leave2_(outbuf, inbuf);
	return res;
}

/* Append the decimal digits of v (negative if neg) to out; see below. */
static size_t
fmt_decimal(char *out, size_t room, unsigned long long v, int neg)
{
	char digits[24];
	size_t n = 0, i;

	do {
		digits[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	if (neg)
		digits[n++] = '-';
	if (n > room)
		return (size_t)-1;
	for (i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	return n;
}

/*
 * The common printf formats without libc's per-call setup cost: literal
 * text and the plain conversions %s %c %d %i %u %ld %li %lu %lld %lli
 * %llu %zu %%, with no flags, width or precision.  Writes at most
 * room - 1 bytes plus a NUL into out.  Returns the length, or -1 when
 * the format needs anything else (or a NULL %s, or more room): the
 * caller then uses vsnprintf, which gives the same text.
 */
static int
fast_format(char *out, size_t room, const char *fmt, va_list ap)
{
	size_t o = 0, n;
	const char *f = fmt;

	if (room == 0)
		return -1;
	room--;		/* keep a byte for the NUL */
	while (*f != '\0') {
		unsigned long long u;
		long long sv;
		int lng = 0;

		if (*f != '%') {
			if (o == room)
				return -1;
			out[o++] = *f++;
			continue;
		}
		f++;
		if (*f == 'l') {
			lng = 1;
			f++;
			if (*f == 'l') {
				lng = 2;
				f++;
			}
		} else if (*f == 'z') {
			lng = 3;
			f++;
		}
		switch (*f) {
		case '%':
			if (lng != 0 || o == room)
				return -1;
			out[o++] = '%';
			break;
		case 'c':
			if (lng != 0 || o == room)
				return -1;
			out[o++] = (char)va_arg(ap, int);
			break;
		case 's': {
			const char *str;
			if (lng != 0)
				return -1;
			str = va_arg(ap, const char *);
			if (str == NULL)
				return -1;
			while (*str != '\0') {
				if (o == room)
					return -1;
				out[o++] = *str++;
			}
			break;
		}
		case 'd':
		case 'i':
			if (lng == 3)
				return -1;
			sv = lng == 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			/* The magnitude, without overflowing on the minimum. */
			u = sv < 0 ? (unsigned long long)(-(sv + 1)) + 1 :
			    (unsigned long long)sv;
			n = fmt_decimal(out + o, room - o, u, sv < 0);
			if (n == (size_t)-1)
				return -1;
			o += n;
			break;
		case 'u':
			u = lng == 3 ? va_arg(ap, size_t) :
			    lng == 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned int);
			n = fmt_decimal(out + o, room - o, u, 0);
			if (n == (size_t)-1)
				return -1;
			o += n;
			break;
		default:
			return -1;
		}
		f++;
	}
	out[o] = '\0';
	return (int)o;
}

/*
 * Append formatted text; the count of bytes added, or -1 with the buffer
 * unchanged.  A NUL follows the data in the allocation, uncounted.  (One
 * function, slow path included: a helper taking the va_list could not be
 * inlined, and printf is the hottest call of a text protocol.)
 */
int
evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
{
	int slow = EVBUF_PRIV(buf)->slow;
	size_t old_len, room;
	int n;
	va_list aq;
	char tmp[256];

	if (slow && evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	old_len = buf->off;

	/*
	 * Short text in the plain formats (HTTP header lines, say) is
	 * formatted by hand: vsnprintf's setup dominates such calls.
	 */
	va_copy(aq, ap);
	n = fast_format(tmp, sizeof(tmp), fmt, aq);
	va_end(aq);
	if (n >= 0) {
		/* n + 1 for the NUL kept after the data. */
		if (evbuffer_expand_core(buf, (size_t)n + 1) == -1) {
			n = -1;
			goto done;
		}
		memcpy(buf->buffer + buf->off, tmp, (size_t)n + 1);
		buf->off += (size_t)n;
		evbuffer_notify_(buf, old_len);
		goto done;
	}

	/* A first guess so the common short case formats once. */
	if (evbuffer_tailroom_(buf) < 64 && evbuffer_grow(buf, 64) == -1)
		goto done;	/* n is -1 */

	for (;;) {
		room = evbuffer_tailroom_(buf);
		va_copy(aq, ap);
		n = vsnprintf((char *)buf->buffer + buf->off, room, fmt, aq);
		va_end(aq);
		if (n < 0)
			goto done;
		if ((size_t)n < room) {
			/* vsnprintf left a NUL after the data, uncounted. */
			buf->off += (size_t)n;
			evbuffer_notify_(buf, old_len);
			goto done;
		}
		/* n + 1 cannot overflow: n <= INT_MAX. */
		if (evbuffer_grow(buf, (size_t)n + 1) == -1) {
			n = -1;
			goto done;
		}
	}
done:
	if (slow)
		evbuffer_leave_(buf);
	return n;
}

/* The variadic form of evbuffer_add_vprintf(). */
int
evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
{
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	return res;
}

/* Index of the first CR or LF in data[0..len), or len if none. */
static size_t
find_crlf(const unsigned char *data, size_t len)
{
	const unsigned char *lf, *cr;
	size_t limit;

	if (len == 0)
		return 0;
	lf = memchr(data, '\n', len);
	limit = lf != NULL ? (size_t)(lf - data) : len;
	cr = limit > 0 ? memchr(data, '\r', limit) : NULL;
	if (cr != NULL)
		return (size_t)(cr - data);
	return limit;
}

/*
 * 1.4's readline: the line ends at the first CR or LF; the next byte is
 * also taken when it is the other member of the pair (CRLF or LFCR).
 */
static char *
evbuffer_readline_core(struct evbuffer *buf)
{
	const unsigned char *data = buf->buffer;
	size_t len = buf->off, i, eol;
	char *line;

	i = find_crlf(data, len);
	if (i == len)
		return NULL;
	eol = 1;
	if (i + 1 < len &&
	    ((data[i] == '\r' && data[i + 1] == '\n') ||
	     (data[i] == '\n' && data[i + 1] == '\r')))
		eol = 2;

	line = mm_strndup((const char *)data, i);
	if (line == NULL)
		return NULL;
	evbuffer_drain_core(buf, i + eol);
	return line;
}

char *
evbuffer_readline(struct evbuffer *buf)
{
	int slow = EVBUF_PRIV(buf)->slow;
	char *line;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return NULL;
	line = evbuffer_readline_core(buf);
	if (slow)
		evbuffer_leave_(buf);
	return line;
}

/* EVBUFFER_EOL_CRLF_STRICT: the first LF preceded by CR; a lone LF is
 * data.  Returns the index of the CR, or len. */
static size_t
find_crlf_strict(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *q;

	while ((q = memchr(p, '\n', len - (size_t)(p - data))) != NULL) {
		if (q > data && q[-1] == '\r')
			return (size_t)(q - data) - 1;
		p = q + 1;
		if (p == data + len)
			break;
	}
	return len;
}

/*
 * Where a line end starts, for readln and evbuffer_search_eol().  Always
 * inlined into readln: out of line, the call and the switch cost as much
 * as the search itself on short header lines.
 */
#ifdef __GNUC__
__attribute__((always_inline))
#endif
static inline size_t
evbuffer_find_eol(const unsigned char *data, size_t len,
    enum evbuffer_eol_style eol_style, size_t *eol_len)
{
	const unsigned char *p;
	size_t i, eol;

	*eol_len = 0;
	if (len == 0)
		return 0;
	switch (eol_style) {
	case EVBUFFER_EOL_ANY:
		i = find_crlf(data, len);
		if (i == len)
			return len;
		/* Take the whole run of CR and LF. */
		eol = 1;
		while (i + eol < len &&
		    (data[i + eol] == '\r' || data[i + eol] == '\n'))
			eol++;
		break;
	case EVBUFFER_EOL_CRLF:
		p = memchr(data, '\n', len);
		if (p == NULL)
			return len;
		i = (size_t)(p - data);
		eol = 1;
		if (i > 0 && data[i - 1] == '\r') {
			i--;
			eol = 2;
		}
		break;
	case EVBUFFER_EOL_CRLF_STRICT:
		i = find_crlf_strict(data, len);
		if (i == len)
			return len;
		eol = 2;
		break;
	case EVBUFFER_EOL_LF:
	case EVBUFFER_EOL_NUL:
		p = memchr(data, eol_style == EVBUFFER_EOL_LF ? '\n' : '\0',
		    len);
		if (p == NULL)
			return len;
		i = (size_t)(p - data);
		eol = 1;
		break;
	default:
		return len;
	}
	*eol_len = eol;
	return i;
}

size_t
evbuffer_find_eol_(const unsigned char *data, size_t len,
    enum evbuffer_eol_style eol_style, size_t *eol_len)
{
	return evbuffer_find_eol(data, len, eol_style, eol_len);
}

/*
 * Take one line ended as eol_style says (see docs/COMPAT.md) and
 * return it malloc'd and NUL-terminated without its terminator; the
 * line's length goes to *n_read_out.  NULL, consuming nothing, when no
 * complete line is there, the style is unknown, or malloc fails.
 */
static char *
evbuffer_readln_core(struct evbuffer *buf, size_t *n_read_out,
    enum evbuffer_eol_style eol_style)
{
	size_t i, eol;
	char *line;

	i = evbuffer_find_eol(buf->buffer, buf->off, eol_style, &eol);
	if (eol == 0)
		return NULL;
	line = mm_strndup((const char *)buf->buffer, i);
	if (line == NULL)
		return NULL;
	evbuffer_drain_core(buf, i + eol);
	if (n_read_out != NULL)
		*n_read_out = i;
	return line;
}

char *
evbuffer_readln(struct evbuffer *buf, size_t *n_read_out,
    enum evbuffer_eol_style eol_style)
{
	int slow = EVBUF_PRIV(buf)->slow;
	char *line;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return NULL;
	line = evbuffer_readln_core(buf, n_read_out, eol_style);
	if (slow)
		evbuffer_leave_(buf);
	return line;
}

/*
 * Pointer to the first occurrence of what[0..len) within the data, or
 * NULL (also for an empty needle).  Valid until the buffer next changes.
 */
static unsigned char *
evbuffer_find_core(struct evbuffer *buf, const unsigned char *what,
    size_t len)
{
	unsigned char *p = buf->buffer, *end;

	if (len == 0 || len > buf->off)
		return NULL;
	end = buf->buffer + buf->off - len;	/* last possible start */
	while (p <= end) {
		p = memchr(p, what[0], (size_t)(end - p) + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, what, len) == 0)
			return p;
		p++;
	}
	return NULL;
}

unsigned char *
evbuffer_find(struct evbuffer *buf, const unsigned char *what, size_t len)
{
	unsigned char *p;

	evbuffer_lock_(buf);
	p = evbuffer_find_core(buf, what, len);
	evbuffer_unlock_(buf);
	return p;
}

/*
 * Install the one 1.4 change callback (NULL removes it).  While 2.x
 * callbacks are on, the slot holds the dispatcher and the 1.4 callback
 * waits in user_cb; the 2.x callbacks stay either way.
 */
int
evbuffer_setcb(struct evbuffer *buf, evbuffer_cb cb, void *cbarg)
{
	struct evbuffer_private *p = EVBUF_PRIV(buf);

	evbuffer_lock_(buf);
	if (buf->cb == evbuffer_run_callbacks_) {
		p->user_cb = cb;
		p->user_cbarg = cbarg;
		evbuffer_cbs_changed_(p);
	} else {
		buf->cb = cb;
		buf->cbarg = cbarg;
	}
	evbuffer_unlock_(buf);
	return 0;
}

/*
 * How many bytes one evbuffer_read() should ask for when the caller lets us
 * choose: what FIONREAD says is waiting, at least EVBUFFER_DEFAULT_READ
 * (FIONREAD may fail, say 0 on some fds, or lie with a negative value),
 * at most EVBUFFER_MAX_READ.  Already-free tail space is used too, since
 * reading into it costs nothing extra.
 */
static size_t
evbuffer_read_size(const struct evbuffer *buf, int fd)
{
	size_t want = EVBUFFER_DEFAULT_READ;
#if defined(_WIN32)
	u_long n = 0;

	if (ioctlsocket((SOCKET)fd, FIONREAD, &n) == 0 && n > 0)
		want = (size_t)n;
#elif defined(FIONREAD)
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) == 0 && n > 0)
		want = (size_t)n;
#else
	(void)fd;
#endif
	if (want < evbuffer_tailroom_(buf))
		want = evbuffer_tailroom_(buf);
	if (want > EVBUFFER_MAX_READ)
		want = EVBUFFER_MAX_READ;
	return want;
}

/*
 * One read() from fd (recv() from the socket on Windows) appended to the
 * buffer: howmuch bytes at most, or the library's choice when negative
 * (see evbuffer_read_size).  Returns the count, 0 at end of file, or -1
 * with the error in EVUTIL_SOCKET_ERROR() (errno on POSIX); the buffer
 * keeps its data.
 */
static int
evbuffer_read_core(struct evbuffer *buf, int fd, int howmuch)
{
	size_t old_len = buf->off, want;
	ssize_t n;

	if (howmuch == 0)
		return 0;
	want = evbuffer_read_size(buf, fd);
	if (howmuch > 0 && (size_t)howmuch < want)
		want = (size_t)howmuch;

	if (evbuffer_expand_core(buf, want) == -1) {
		EVUTIL_SET_SOCKET_ERROR(ENOMEM);	/* Windows: not WSA's */
		return -1;
	}

	n = EVUTIL_READ_SOCKET(fd, buf->buffer + buf->off, want);
	if (n <= 0)
		return (int)n;	/* -1 with the error, or 0 at end of file */
	buf->off += (size_t)n;
	evbuffer_notify_(buf, old_len);
	return (int)n;
}

int
evbuffer_read(struct evbuffer *buf, evutil_socket_t fd, int howmuch)
{
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	res = evbuffer_read_core(buf, fd, howmuch);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}

/*
 * One write() of at most len bytes of the data to fd (send() to the
 * socket on Windows); drains what was written.  Returns the count, or -1
 * with the error in EVUTIL_SOCKET_ERROR() (errno on POSIX).
 */
static int
evbuffer_write_core(struct evbuffer *buf, int fd, size_t len)
{
	ssize_t n;

	/* The count is returned as an int. */
	if (len > buf->off)
		len = buf->off;
	if (len > INT_MAX)
		len = INT_MAX;
	n = EVUTIL_WRITE_SOCKET(fd, buf->buffer, len);
	if (n > 0)
		evbuffer_drain_core(buf, (size_t)n);
	return (int)n;
}

int
evbuffer_write(struct evbuffer *buf, evutil_socket_t fd)
{
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return -1;
	res = evbuffer_write_core(buf, fd, buf->off);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}

/*
 * At most howmuch bytes (all when negative).  Nothing to write gives 0
 * without a syscall (libevent 2.1 returns -1 there; see docs/COMPAT.md).
 */
int
evbuffer_write_atmost(struct evbuffer *buf, evutil_socket_t fd,
    ev_ssize_t howmuch)
{
	size_t len = howmuch < 0 ? buf->off : (size_t)howmuch;
	int slow = EVBUF_PRIV(buf)->slow;
	int res;

	if (slow && evbuffer_enter_(buf, EVB_FRONT) == -1)
		return -1;
	res = len == 0 || buf->off == 0 ? 0 :
	    evbuffer_write_core(buf, fd, len);
	if (slow)
		evbuffer_leave_(buf);
	return res;
}
