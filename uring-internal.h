/*
 * uring-internal.h -- batched epoll_ctl() through io_uring (uring.c).
 *
 * The epoll backend queues the registration changes of a changelist flush
 * and applies them together when it is about to wait.  With io_uring a
 * batch costs one io_uring_enter() instead of one epoll_ctl() per fd
 * (IORING_OP_EPOLL_CTL, Linux 5.6).  When io_uring is missing or refused
 * (old kernel, seccomp, the io_uring_disabled sysctl, EVENT_NOIOURING)
 * evuring_new_() returns NULL and the backend makes the calls itself.
 */
#ifndef URING_INTERNAL_H
#define URING_INTERNAL_H

#include <sys/epoll.h>

#include "event-internal.h"

/* One queued epoll_ctl(epfd, op, fd, &ev); res is 0 or -errno once done. */
struct evuring_ctl {
	struct epoll_event ev;
	int op;
	int fd;
	int res;
};

struct evuring;

/*
 * A ring for epoll_ctl() batches, owned by the calling process, or NULL
 * (errno set) when io_uring cannot do them here.
 */
EV_HIDDEN struct evuring *evuring_new_(void);

/*
 * Apply ops[0..n) to epfd, setting each res.  Returns how many were
 * applied, from the start of the array; fewer than n means the ring broke
 * (or belongs to the parent of a forked process): the caller applies the
 * rest itself and frees the ring.
 */
EV_HIDDEN int evuring_epoll_ctl_(struct evuring *r, int epfd,
    struct evuring_ctl *ops, int n);

/* Unmap and close the ring; NULL is fine. */
EV_HIDDEN void evuring_free_(struct evuring *r);

#endif /* URING_INTERNAL_H */
