/*
 * event2/buffer.h -- the libevent 2.x evbuffer API.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * An evbuffer is a queue of bytes: data is added at the end and removed
 * from the front.  In relevent the bytes of an evbuffer are always one
 * contiguous block (the 1.4 layout of struct evbuffer in <event.h> is kept,
 * so a 1.4 program and a 2.x program can share buffers).  Consequences:
 *
 *  - evbuffer_pullup() never copies and evbuffer_peek() always fits the
 *    data in one iovec;
 *  - the "zero copy" calls (evbuffer_add_reference(), evbuffer_add_file(),
 *    evbuffer_add_buffer_reference(), file segments) copy the bytes when
 *    they are added; their cleanup callbacks therefore run as soon as the
 *    copy is made (see each function below and docs/COMPAT.md).
 *
 * Unless said otherwise, functions returning int return 0 on success and
 * -1 on failure, and a failing call leaves the buffer as it was.  A
 * "frozen" end (evbuffer_freeze()) makes every call that would change that
 * end fail.
 *
 * Callbacks: a buffer has any number of 2.x callbacks (evbuffer_add_cb())
 * plus, independently, the one 1.4 callback of evbuffer_setcb().  After
 * every call that changed the length they run, the 2.x ones newest first,
 * then the 1.4 one; with evbuffer_defer_callbacks() they run later from the
 * event loop instead, once for all the changes made meanwhile.
 */
#ifndef EVENT2_BUFFER_H_INCLUDED_
#define EVENT2_BUFFER_H_INCLUDED_

#include <event2/util.h>
#include <stdarg.h>
#include <sys/types.h>
#ifdef _EVENT_HAVE_SYS_UIO_H
#include <sys/uio.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct event_base;

/*
 * A position in a buffer, counted in bytes from its first byte.  pos is -1
 * for "no position" (a failed search).  A position is only meaningful until
 * the buffer is next changed.  Set it with evbuffer_ptr_set(); do not rely
 * on the internal_ fields.
 */
struct evbuffer_ptr {
	ev_ssize_t pos;

	struct {
		void *chain;
		size_t pos_in_chain;
	} internal_;
};

/*
 * A piece of memory for evbuffer_peek(), evbuffer_reserve_space() and
 * evbuffer_add_iovec().  Where the system has struct iovec it is that
 * struct, so arrays can be passed to readv()/writev() directly.
 */
#ifdef _EVENT_HAVE_SYS_UIO_H
#define evbuffer_iovec iovec
#define EVBUFFER_IOVEC_IS_NATIVE_
#else
struct evbuffer_iovec {
	void *iov_base;
	size_t iov_len;
};
#endif

/* Create an empty buffer, or NULL when out of memory. */
struct evbuffer *evbuffer_new(void);

/*
 * Free a buffer and its data.  Callbacks deferred and not yet run are
 * dropped.  Called from inside one of the buffer's own callbacks, the free
 * happens when the callbacks return.
 */
void evbuffer_free(struct evbuffer *buf);

/*
 * Make the buffer lock itself around every operation, with lock (a lock
 * made by the thread callbacks of event2/thread.h) or, when lock is NULL,
 * with a new recursive lock.  -1 if locking is already on, or lock is NULL
 * and no thread callbacks are installed (nothing could make a lock).
 */
int evbuffer_enable_locking(struct evbuffer *buf, void *lock);

/* Take and release the buffer's lock (nothing when locking is off). */
void evbuffer_lock(struct evbuffer *buf);
void evbuffer_unlock(struct evbuffer *buf);

/*
 * The buffer is mostly drained into a socket (so sendfile would pay).
 * Accepted and remembered; it changes nothing in relevent.
 */
#define EVBUFFER_FLAG_DRAINS_TO_FD 1

/* Set or clear EVBUFFER_FLAG_* bits.  0 (unknown bits are ignored). */
int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags);
int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags);

/* The number of bytes stored. */
size_t evbuffer_get_length(const struct evbuffer *buf);

/*
 * The number of bytes readable in place at the front without
 * evbuffer_pullup(): all of them in relevent.
 */
size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);

/* Make room for datlen more bytes after the data without reallocating. */
int evbuffer_expand(struct evbuffer *buf, size_t datlen);

/*
 * Get writable space at the end of the buffer, at least size bytes, in
 * vec[0] (iov_len may exceed size: it is all the free space).  Write into
 * it, set iov_len to what was written, and evbuffer_commit_space().
 * Returns the number of iovecs filled (1), or -1 (size < 0, n_vec < 1, the
 * end is frozen, no memory).  Any other change to the buffer cancels the
 * reservation.
 */
int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
    struct evbuffer_iovec *vec, int n_vec);

/*
 * Add the bytes written into reserved space.  vec must be what
 * evbuffer_reserve_space() returned, with iov_len at most the space given;
 * n_vecs 0 commits nothing.  -1 for a stale or foreign vec.
 */
int evbuffer_commit_space(struct evbuffer *buf,
    struct evbuffer_iovec *vec, int n_vecs);

/* Append datlen bytes from data. */
int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);

/* Copy up to datlen bytes from the front into data and remove them.
 * Returns the number of bytes moved, or -1 when the front is frozen. */
int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);

/* Copy up to datlen bytes from the front, leaving them in the buffer.
 * Returns the number copied. */
ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out,
    size_t datlen);

/* The same from position pos (NULL: the front).  -1 for a bad pos. */
ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
    const struct evbuffer_ptr *pos, void *data_out, size_t datlen);

/*
 * Move up to datlen bytes from the front of src to the end of dst.
 * Returns the number moved (0 when src == dst), or -1.
 */
int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
    size_t datlen);

/*
 * How evbuffer_readln() and evbuffer_search_eol() recognize the end of a
 * line.  Shared with the 1.4 header <event.h>.
 */
#ifndef _EVENT_EOL_STYLE_DEFINED
#define _EVENT_EOL_STYLE_DEFINED
enum evbuffer_eol_style {
	EVBUFFER_EOL_ANY,		/* any run of CR and LF */
	EVBUFFER_EOL_CRLF,		/* CRLF, or a lone LF */
	EVBUFFER_EOL_CRLF_STRICT,	/* CRLF only */
	EVBUFFER_EOL_LF,		/* LF only */
	EVBUFFER_EOL_NUL		/* a NUL byte */
};
#endif

/*
 * Remove one line and return it, without its end, NUL-terminated and
 * allocated with malloc(); its length goes to *n_read_out when that is
 * not NULL.  NULL, removing nothing, when no whole line is there.
 */
char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
    enum evbuffer_eol_style eol_style);

/* Move all of inbuf to the end of outbuf. */
int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);

/*
 * Append a copy of inbuf's data to outbuf, leaving inbuf as it is.
 * (libevent shares the memory; relevent copies.)  -1 when
 * outbuf == inbuf.
 */
int evbuffer_add_buffer_reference(struct evbuffer *outbuf,
    struct evbuffer *inbuf);

/*
 * The cleanup function of evbuffer_add_reference(): called exactly once
 * with the data, its length and the extra argument once the buffer no
 * longer needs the memory.
 */
typedef void (*evbuffer_ref_cleanup_cb)(const void *data,
    size_t datalen, void *extra);

/*
 * Append datlen bytes that the program owns.  relevent copies them, so
 * cleanupfn (when not NULL) runs before this returns: the memory may be
 * reused at once.  On failure (-1) cleanupfn is not called and the memory
 * stays the program's.
 */
int evbuffer_add_reference(struct evbuffer *outbuf,
    const void *data, size_t datlen,
    evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg);

/*
 * Append length bytes of the regular file fd from offset (length -1: up to
 * the end of the file).  On success the buffer owns fd: relevent reads the
 * bytes now and closes fd before returning.  -1 (fd left open, buffer
 * unchanged) when the range cannot be read whole.
 */
int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
    ev_off_t length);

/*
 * A piece of a file that may be added to buffers any number of times.
 */
struct evbuffer_file_segment;

/* Flags of evbuffer_file_segment_new(). */
#define EVBUF_FS_CLOSE_ON_FREE		0x01	/* close fd when freed */
#define EVBUF_FS_DISABLE_MMAP		0x02	/* read it, never mmap it */
#define EVBUF_FS_DISABLE_SENDFILE	0x04	/* no effect in relevent */
#define EVBUF_FS_DISABLE_LOCKING	0x08	/* no effect in relevent */

/* Called once when a segment is freed, with its flags. */
typedef void (*evbuffer_file_segment_cleanup_cb)(
    struct evbuffer_file_segment const *seg, int flags, void *arg);

/*
 * A segment of length bytes of fd from offset (length -1: to the end of
 * the file).  The bytes are mapped (or read) now, so the whole range must
 * exist.  NULL on failure; fd is then not closed.
 */
struct evbuffer_file_segment *evbuffer_file_segment_new(
    int fd, ev_off_t offset, ev_off_t length, unsigned flags);

/*
 * Release a segment: run its cleanup callback, then close fd if
 * EVBUF_FS_CLOSE_ON_FREE.  Buffers hold copies, so they are unaffected.
 */
void evbuffer_file_segment_free(struct evbuffer_file_segment *seg);

/* Set the callback evbuffer_file_segment_free() runs. */
void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
    evbuffer_file_segment_cleanup_cb cb, void *arg);

/*
 * Append length bytes of the segment from offset (length -1: the rest of
 * it).  -1 when the range is not inside the segment.
 */
int evbuffer_add_file_segment(struct evbuffer *buf,
    struct evbuffer_file_segment *seg, ev_off_t offset, ev_off_t length);

/* Append printf-formatted text.  Returns the bytes added, or -1. */
int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(_EVUTIL_PRINTF_FMT, 2, 3)))
#endif
	;
int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
#ifdef __GNUC__
	__attribute__((format(_EVUTIL_PRINTF_FMT, 2, 0)))
#endif
	;

/*
 * Remove len bytes from the front (all of them when len is larger).
 * 0, or -1 when the front is frozen.  (The 1.4 header declares this as
 * returning void; it is the same function.)
 */
#ifndef _EVENT_H_
int evbuffer_drain(struct evbuffer *buf, size_t len);
#else
/*
 * <event.h> came first and declared 1.4's void evbuffer_drain().
 * With GCC or Clang, calls get the 2.x int result through a second
 * declaration of the same symbol; elsewhere the 1.4 declaration stands.
 */
#if defined(__GNUC__) && defined(__USER_LABEL_PREFIX__)
#ifndef EVENT2_SYMBOL_
#define EVENT2_STR2_(x)	#x
#define EVENT2_STR_(x)	EVENT2_STR2_(x)
#define EVENT2_SYMBOL_(name)	EVENT2_STR_(__USER_LABEL_PREFIX__) #name
#endif
int evbuffer_drain_int_(struct evbuffer *buf, size_t len)
    __asm__(EVENT2_SYMBOL_(evbuffer_drain));
#define evbuffer_drain(buf, len)	evbuffer_drain_int_((buf), (len))
#endif
#endif

/*
 * Write as much of the buffer as one write() takes to fd and remove what
 * was written.  Returns the count, or -1 with errno.
 */
int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd);

/* The same, writing at most howmuch bytes (all when negative).  Writing
 * nothing (empty buffer, howmuch 0) returns 0. */
int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
    ev_ssize_t howmuch);

/*
 * Read from fd and append: at most howmuch bytes, or as much as the kernel
 * holds when howmuch is negative.  The count, 0 at end of file, or -1.
 */
int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch);

/*
 * Find the first occurrence of what[0..len) that starts at or after start
 * (NULL: the front).  The result's pos is -1 when there is none.  An empty
 * needle matches at start.
 */
struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer,
    const char *what, size_t len, const struct evbuffer_ptr *start);

/* The same, for an occurrence that also ends at or before end (NULL: the
 * end of the buffer). */
struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
    const char *what, size_t len, const struct evbuffer_ptr *start,
    const struct evbuffer_ptr *end);

/* How evbuffer_ptr_set() moves a position. */
enum evbuffer_ptr_how {
	EVBUFFER_PTR_SET,	/* to byte `position` */
	EVBUFFER_PTR_ADD	/* forward by `position` bytes */
};

/*
 * Point ptr at a byte of the buffer, or just past its last byte.  -1, with
 * ptr->pos set to -1, for a position beyond that.
 */
int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
    size_t position, enum evbuffer_ptr_how how);

/*
 * Find the first end of line at or after start (NULL: the front), by the
 * rules of evbuffer_readln().  Returns the position of the line end
 * (pos -1 when there is none) and stores its length in *eol_len_out
 * (0 when none) unless that is NULL.
 */
struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
    struct evbuffer_ptr *start, size_t *eol_len_out,
    enum evbuffer_eol_style eol_style);

/*
 * Look at the data without copying: fill up to n_vec iovecs describing
 * len bytes (all when negative) from start_at (NULL: the front).  Returns
 * how many iovecs that takes (1, or 0 when there is nothing); call with
 * n_vec 0 to ask.  The iovec may extend past len: it covers all the data
 * from start_at.
 */
int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
    struct evbuffer_ptr *start_at,
    struct evbuffer_iovec *vec_out, int n_vec);

/*
 * What changed, passed to an evbuffer_cb_func: the length before, and
 * the bytes added and removed since (by one call, or by all the calls
 * made before a deferred callback ran).
 */
struct evbuffer_cb_info {
	size_t orig_size;
	size_t n_added;
	size_t n_deleted;
};

/* A 2.x buffer callback. */
typedef void (*evbuffer_cb_func)(struct evbuffer *buffer,
    const struct evbuffer_cb_info *info, void *arg);

/* The handle of one callback, for removing it or setting its flags. */
struct evbuffer_cb_entry;

/*
 * Add a callback, enabled.  Returns its handle, or NULL when out of
 * memory.  It runs after every change of the length (see the top).
 */
struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
    evbuffer_cb_func cb, void *cbarg);

/* Remove a callback by handle.  -1 when it is not the buffer's. */
int evbuffer_remove_cb_entry(struct evbuffer *buffer,
    struct evbuffer_cb_entry *ent);

/* Remove the newest callback with this function and argument.  -1 when
 * there is none. */
int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
    void *cbarg);

/* A callback runs only while this flag is set. */
#define EVBUFFER_CB_ENABLED 1

/* Set or clear EVBUFFER_CB_* flags of a callback. */
int evbuffer_cb_set_flags(struct evbuffer *buffer,
    struct evbuffer_cb_entry *cb, ev_uint32_t flags);
int evbuffer_cb_clear_flags(struct evbuffer *buffer,
    struct evbuffer_cb_entry *cb, ev_uint32_t flags);

/*
 * A pointer to the first size bytes (all when negative), contiguous.
 * NULL when size is 0 or more than the buffer holds (an empty buffer
 * gives NULL).
 */
unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

/* Insert size bytes before the data. */
int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);

/* Move all of src in front of the data of dst (nothing when src == dst). */
int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/*
 * Freeze the front (at_front non-zero) or the end of the buffer: calls
 * that would remove from, or add at, that end fail until it is unfrozen.
 * Freezing is not counted: one unfreeze undoes any number of freezes.
 */
int evbuffer_freeze(struct evbuffer *buf, int at_front);
int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

/*
 * Run the buffer's callbacks from base's loop instead of inside the calls
 * that change it: once per loop pass at most, with the changes summed.
 * base must outlive the buffer.
 */
int evbuffer_defer_callbacks(struct evbuffer *buffer,
    struct event_base *base);

/* Append n_vec pieces.  Returns the number of bytes added (0 on
 * failure, the buffer then unchanged). */
size_t evbuffer_add_iovec(struct evbuffer *buffer,
    struct evbuffer_iovec *vec, int n_vec);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_H_INCLUDED_ */
