/*
 * event2/util.h -- MINIMAL, to be replaced by the full header.
 *
 * The 2.x buffer, bufferevent and listener headers need only the few
 * portable types below.  The complete event2/util.h (the evutil_* 2.x
 * helpers, EVUTIL_* constants, the rest of the ev_* limits) is written
 * separately; when it lands it replaces this file and must keep these
 * names with these meanings.
 */
#ifndef EVENT2_UTIL_H_INCLUDED_
#define EVENT2_UTIL_H_INCLUDED_

#include <evutil.h>
#include <sys/types.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A socket: a plain fd on POSIX systems. */
#define evutil_socket_t int

/* Signed size and file offset, as the system spells them. */
typedef ssize_t ev_ssize_t;
typedef off_t ev_off_t;

#define EV_SIZE_MAX	SIZE_MAX
#define EV_SSIZE_MAX	((ev_ssize_t)(SIZE_MAX >> 1))

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_UTIL_H_INCLUDED_ */
