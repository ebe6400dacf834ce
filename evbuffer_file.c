/*
 * evbuffer_file.c -- evbuffer_add_file() and file segments.
 *
 * libevent sends files with sendfile() or mmap() straight from the page
 * cache.  Our buffer is one contiguous block that programs may read in
 * place, so the bytes have to be in it: evbuffer_add_file() preads them
 * straight into the free space at the end of the buffer and closes the
 * fd, and a file segment maps (or, with EVBUF_FS_DISABLE_MMAP or when
 * mapping fails, reads) its range once, when it is made, and copies from
 * there each time it is added.
 *
 * Ranges are checked against the file's size and each other before any
 * arithmetic, and a range that cannot be read whole fails without
 * changing the buffer.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_MMAN_H
#include <sys/mman.h>
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evbuffer-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#ifdef _WIN32
#include <io.h>

/*
 * Windows has no pread(): ReadFile() at an offset reads the same bytes.
 * (It moves the file position as well, which pread() would not; the fd
 * is the library's once handed over.)
 */
static ssize_t
pread(int fd, void *buf, size_t len, ev_off_t offset)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	OVERLAPPED ov;
	DWORD got;

	if (h == INVALID_HANDLE_VALUE) {
		errno = EBADF;
		return -1;
	}
	memset(&ov, 0, sizeof(ov));
	ov.Offset = (DWORD)((uint64_t)offset & 0xffffffffu);
	ov.OffsetHigh = (DWORD)((uint64_t)offset >> 32);
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	if (!ReadFile(h, buf, (DWORD)len, &got, &ov)) {
		if (GetLastError() == ERROR_HANDLE_EOF)
			return 0;
		errno = EIO;
		return -1;
	}
	return (ssize_t)got;
}
#endif

struct evbuffer_file_segment {
	int fd;
	unsigned flags;			/* EVBUF_FS_* */
	size_t length;			/* bytes in the segment */
	const unsigned char *data;	/* its bytes (NULL when length is 0) */
	void *map;			/* the mapping, or NULL if read */
	size_t maplen;
	evbuffer_file_segment_cleanup_cb cleanup;
	void *cleanup_arg;
};

/*
 * Resolve (offset, length) against fd: length -1 means up to the end of
 * the file.  The range must lie inside a regular file (pread() needs a
 * seekable fd).  The length, or -1 with errno.
 */
static ev_off_t
evbuffer_file_range(int fd, ev_off_t offset, ev_off_t length)
{
	struct stat st;

	if (offset < 0 || length < -1) {
		errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || offset > st.st_size ||
	    (length >= 0 && length > st.st_size - offset)) {
		errno = EINVAL;
		return -1;
	}
	return length >= 0 ? length : st.st_size - offset;
}

/* pread() all of dst[0..len) from offset.  0, or -1 (EIO at an early end). */
static int
evbuffer_pread_all(int fd, unsigned char *dst, size_t len, ev_off_t offset)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, dst, len, offset);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		dst += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

/*
 * Read the range into the free space at the end, then take it into the
 * buffer and close fd.  Nothing changes (and fd stays open) on failure.
 */
int
evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
    ev_off_t length)
{
	size_t old_len, len;
	int res = -1;

	length = evbuffer_file_range(fd, offset, length);
	if (length == -1)
		return -1;
	if ((uintmax_t)length > PTRDIFF_MAX) {
		errno = ENOMEM;
		return -1;
	}
	len = (size_t)length;
	if (evbuffer_enter_(outbuf, EVB_END) == -1)
		return -1;
	old_len = outbuf->off;
	if (len == 0) {
		res = 0;
	} else if (evbuffer_expand_raw_(outbuf, len) == 0 &&
	    evbuffer_pread_all(fd, outbuf->buffer + outbuf->off, len,
	    offset) == 0) {
		outbuf->off += len;
		evbuffer_notify_(outbuf, old_len);
		res = 0;
	}
	evbuffer_leave_(outbuf);
	if (res == 0)
		close(fd);
	return res;
}

/* Map the segment's range; 0, or -1 to fall back to reading it. */
static int
evbuffer_segment_map(struct evbuffer_file_segment *seg, ev_off_t offset)
{
#if defined(HAVE_SYS_MMAN_H) && defined(_SC_PAGESIZE)
	long page = sysconf(_SC_PAGESIZE);
	ev_off_t start;
	size_t lead;
	void *m;

	if (page <= 0)
		return -1;
	start = offset - offset % page;	/* mmap wants a page-aligned offset */
	lead = (size_t)(offset - start);
	if (seg->length > SIZE_MAX - lead)
		return -1;
	m = mmap(NULL, seg->length + lead, PROT_READ, MAP_PRIVATE, seg->fd,
	    start);
	if (m == MAP_FAILED)
		return -1;
	seg->map = m;
	seg->maplen = seg->length + lead;
	seg->data = (const unsigned char *)m + lead;
	return 0;
#else
	(void)seg;
	(void)offset;
	return -1;
#endif
}

struct evbuffer_file_segment *
evbuffer_file_segment_new(int fd, ev_off_t offset, ev_off_t length,
    unsigned flags)
{
	struct evbuffer_file_segment *seg;
	unsigned char *copy;

	length = evbuffer_file_range(fd, offset, length);
	if (length == -1)
		return NULL;
	if ((uintmax_t)length > PTRDIFF_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	if ((seg = mm_calloc(1, sizeof(*seg))) == NULL)
		return NULL;
	seg->fd = fd;
	seg->flags = flags;
	seg->length = (size_t)length;
	if (seg->length == 0)
		return seg;
	if ((flags & EVBUF_FS_DISABLE_MMAP) ||
	    evbuffer_segment_map(seg, offset) == -1) {
		copy = mm_malloc(seg->length);
		if (copy == NULL ||
		    evbuffer_pread_all(fd, copy, seg->length, offset) == -1) {
			mm_free(copy);
			mm_free(seg);
			return NULL;
		}
		seg->data = copy;
	}
	return seg;
}

void
evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
    evbuffer_file_segment_cleanup_cb cb, void *arg)
{
	seg->cleanup = cb;
	seg->cleanup_arg = arg;
}

/* Buffers hold copies, so the segment goes as soon as it is freed. */
void
evbuffer_file_segment_free(struct evbuffer_file_segment *seg)
{
	if (seg == NULL)
		return;
	if (seg->cleanup != NULL)
		(*seg->cleanup)(seg, (int)seg->flags, seg->cleanup_arg);
#ifdef HAVE_SYS_MMAN_H
	if (seg->map != NULL)
		munmap(seg->map, seg->maplen);
	else
#endif
		mm_free((void *)seg->data);
	if (seg->flags & EVBUF_FS_CLOSE_ON_FREE)
		close(seg->fd);
	mm_free(seg);
}

int
evbuffer_add_file_segment(struct evbuffer *buf,
    struct evbuffer_file_segment *seg, ev_off_t offset, ev_off_t length)
{
	int res;

	if (seg == NULL || offset < 0 || (uintmax_t)offset > seg->length ||
	    length < -1 ||
	    (length >= 0 && (uintmax_t)length > seg->length - (size_t)offset)) {
		errno = EINVAL;
		return -1;
	}
	if (length == -1)
		length = (ev_off_t)(seg->length - (size_t)offset);
	if (evbuffer_enter_(buf, EVB_END) == -1)
		return -1;
	res = length == 0 ? 0 :
	    evbuffer_add_raw_(buf, seg->data + offset, (size_t)length);
	evbuffer_leave_(buf);
	return res;
}
