/*
 * uring.c -- batched epoll_ctl() through io_uring, raw system calls (no
 * liburing, so the library gains no dependency).
 *
 * Facts this file relies on:
 *  a) IORING_OP_EPOLL_CTL (5.6) takes the epoll fd in sqe->fd, the target
 *     fd in sqe->off, the operation in sqe->len and a pointer to the
 *     struct epoll_event in sqe->addr; the CQE's res is 0 or -errno.
 *  b) IORING_REGISTER_PROBE (5.6) says which opcodes the kernel has; a
 *     kernel without the probe or without the opcode is treated as having
 *     no io_uring.
 *  c) io_uring_setup() fails with EPERM when the io_uring_disabled sysctl
 *     forbids it, with ENOSYS under seccomp filters or old kernels: the
 *     caller then makes plain epoll_ctl() calls.
 *  d) The rings are shared memory.  A forked child inherits the mappings
 *     and the fd, so both processes would write the same submission
 *     queue: the ring records its owner's pid and refuses to work in any
 *     other process (the child's epoll backend then falls back too).
 *  e) One batch holds at most one operation per target fd (the backend
 *     guarantees it), so operations the kernel completes out of order, or
 *     punts to its worker threads, cannot overtake each other.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "event-internal.h"
#include "mm-internal.h"
#include "uring-internal.h"

#if defined(HAVE_LINUX_IO_URING_H) && defined(SYS_io_uring_setup) && \
    defined(SYS_io_uring_enter) && defined(SYS_io_uring_register)
#include <linux/io_uring.h>

#define EVURING_ENTRIES	256

struct evuring {
	int fd;
	pid_t owner;
	unsigned sq_entries, sq_mask, cq_mask;
	unsigned *sq_head, *sq_tail, *sq_array;
	unsigned *cq_head, *cq_tail;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *ring_map, *sqe_map;
	size_t ring_len, sqe_len;
};

static int
uring_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(SYS_io_uring_setup, entries, p);
}

static int
uring_enter(int fd, unsigned submit, unsigned wait)
{
	return (int)syscall(SYS_io_uring_enter, fd, submit, wait,
	    wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

/* b): does this kernel have IORING_OP_EPOLL_CTL? */
static int
uring_has_epoll_ctl(int fd)
{
	enum { NOPS = IORING_OP_EPOLL_CTL + 1 };
	/* struct io_uring_probe ends in a flexible array of ops. */
	union {
		unsigned char bytes[sizeof(struct io_uring_probe) +
		    NOPS * sizeof(struct io_uring_probe_op)];
		struct io_uring_probe p;
	} probe;

	memset(&probe, 0, sizeof(probe));
	if (syscall(SYS_io_uring_register, fd, IORING_REGISTER_PROBE, &probe,
	    NOPS) == -1)
		return 0;
	return probe.p.last_op >= IORING_OP_EPOLL_CTL &&
	    (probe.p.ops[IORING_OP_EPOLL_CTL].flags & IO_URING_OP_SUPPORTED);
}

/* Map the rings of a new ring fd.  0, or -1 (nothing left mapped). */
static int
uring_map(struct evuring *r, const struct io_uring_params *p)
{
	size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	size_t cq_len = p->cq_off.cqes +
	    p->cq_entries * sizeof(struct io_uring_cqe);
	char *ring;

	if (!(p->features & IORING_FEAT_SINGLE_MMAP))
		return -1;	/* pre-5.4 kernels: no EPOLL_CTL either */
	r->ring_len = sq_len > cq_len ? sq_len : cq_len;
	r->sqe_len = p->sq_entries * sizeof(struct io_uring_sqe);
	ring = mmap(NULL, r->ring_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (ring == MAP_FAILED)
		return -1;
	r->sqe_map = mmap(NULL, r->sqe_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqe_map == MAP_FAILED) {
		munmap(ring, r->ring_len);
		return -1;
	}
	r->ring_map = ring;
	r->sqes = r->sqe_map;
	r->sq_entries = p->sq_entries;
	r->sq_head = (unsigned *)(ring + p->sq_off.head);
	r->sq_tail = (unsigned *)(ring + p->sq_off.tail);
	r->sq_mask = *(unsigned *)(ring + p->sq_off.ring_mask);
	r->sq_array = (unsigned *)(ring + p->sq_off.array);
	r->cq_head = (unsigned *)(ring + p->cq_off.head);
	r->cq_tail = (unsigned *)(ring + p->cq_off.tail);
	r->cq_mask = *(unsigned *)(ring + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(ring + p->cq_off.cqes);
	return 0;
}

struct evuring *
evuring_new_(void)
{
	struct io_uring_params p;
	struct evuring *r;
	int fd;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CLAMP;
	fd = uring_setup(EVURING_ENTRIES, &p);
	if (fd == -1)
		return NULL;	/* c) */
	r = mm_calloc(1, sizeof(*r));
	if (r == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	r->fd = fd;
	r->owner = getpid();
	if (!uring_has_epoll_ctl(fd) || uring_map(r, &p) == -1) {
		close(fd);
		mm_free(r);
		errno = ENOSYS;
		return NULL;
	}
	return r;
}

void
evuring_free_(struct evuring *r)
{
	if (r == NULL)
		return;
	if (r->owner == getpid()) {
		munmap(r->sqe_map, r->sqe_len);
		munmap(r->ring_map, r->ring_len);
	}
	close(r->fd);
	mm_free(r);
}

/* Queue ops[0..n) (n <= sq_entries; the queue is empty). */
static void
uring_queue(struct evuring *r, int epfd, struct evuring_ctl *ops, unsigned n)
{
	unsigned tail = *r->sq_tail, i;

	for (i = 0; i < n; i++, tail++) {
		unsigned slot = tail & r->sq_mask;
		struct io_uring_sqe *sqe = &r->sqes[slot];

		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_EPOLL_CTL;
		sqe->fd = epfd;
		sqe->off = (uint64_t)ops[i].fd;
		sqe->len = (unsigned)ops[i].op;
		sqe->addr = (uint64_t)(uintptr_t)&ops[i].ev;
		sqe->user_data = i;
		r->sq_array[slot] = slot;
	}
	/* The kernel reads the entries only after it sees the new tail. */
	__atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);
}

/* Collect the completions there are; returns how many. */
static unsigned
uring_reap(struct evuring *r, struct evuring_ctl *ops, unsigned n)
{
	unsigned head = *r->cq_head, tail, got = 0;

	tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	for (; head != tail; head++) {
		const struct io_uring_cqe *cqe = &r->cqes[head & r->cq_mask];
		if (cqe->user_data < n) {
			ops[cqe->user_data].res = cqe->res;
			got++;
		}
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return got;
}

/*
 * One chunk: submit n ops and wait for them.  Returns how many were
 * applied (from the start): n, or fewer when the ring failed.  Submitted
 * entries always complete, so the wait is retried on EINTR.
 */
static unsigned
uring_chunk(struct evuring *r, int epfd, struct evuring_ctl *ops, unsigned n)
{
	unsigned done = 0, want;
	int sub;

	uring_queue(r, epfd, ops, n);
	do {
		sub = uring_enter(r->fd, n, n);
	} while (sub == -1 && errno == EINTR);
	if (sub <= 0) {
		/* Refused: take the entries back, the caller applies them. */
		__atomic_store_n(r->sq_tail, *r->sq_tail - n, __ATOMIC_RELEASE);
		return 0;
	}
	/* The kernel takes entries in order; the rest of a partial
	 * submission stays queued in a ring the caller then frees. */
	want = (unsigned)sub;
	for (;;) {
		done += uring_reap(r, ops, n);
		if (done >= want)
			return want;
		if (uring_enter(r->fd, 0, want - done) == -1 &&
		    errno != EINTR && errno != EAGAIN && errno != EBUSY)
			return 0;
	}
}

int
evuring_epoll_ctl_(struct evuring *r, int epfd, struct evuring_ctl *ops,
    int n)
{
	int done = 0;

	if (r->owner != getpid())
		return 0;	/* d) */
	while (done < n) {
		unsigned k = (unsigned)(n - done), got;

		if (k > r->sq_entries)
			k = r->sq_entries;
		got = uring_chunk(r, epfd, ops + done, k);
		done += (int)got;
		if (got != k)
			break;
	}
	return done;
}

#else	/* no io_uring headers or system calls */

struct evuring *
evuring_new_(void)
{
	errno = ENOSYS;
	return NULL;
}

int
evuring_epoll_ctl_(struct evuring *r, int epfd, struct evuring_ctl *ops,
    int n)
{
	(void)r;
	(void)epfd;
	(void)ops;
	(void)n;
	return 0;
}

void
evuring_free_(struct evuring *r)
{
	(void)r;
}

#endif
