/*
 * event2/keyvalq_struct.h -- key/value lists (HTTP headers, query
 * arguments): struct evkeyval and the list head struct evkeyvalq.
 *
 * relevent is a clean-room implementation of the libevent API.  Names
 * and fields match libevent; the text is ours.  The list head is a
 * TAILQ_HEAD.  In the 2.x view it is always complete; <event.h> (the 1.4
 * view, EVENT_KEYVALQ_14_ONLY_) completes it only when the system's
 * <sys/queue.h> came first, as libevent 1.4 did, and a later 2.x
 * inclusion completes it then.
 */
#ifndef EVENT2_KEYVALQ_STRUCT_H_INCLUDED_
#define EVENT2_KEYVALQ_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

/* A TAILQ_ENTRY of our own when <sys/queue.h> was not included. */
#ifndef TAILQ_ENTRY
#define EVENT_DEFINED_KVQ_TQENTRY_
#define TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;	/* next element */			\
	struct type **tqe_prev;	/* address of previous next element */	\
}
#endif

struct evkeyval {
	TAILQ_ENTRY(evkeyval) next;

	char *key;
	char *value;
};

#ifdef EVENT_DEFINED_KVQ_TQENTRY_
#undef TAILQ_ENTRY
#undef EVENT_DEFINED_KVQ_TQENTRY_
#endif

struct evkeyvalq;

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_KEYVALQ_STRUCT_H_INCLUDED_ */

/* The list head, at the first inclusion that can complete it. */
#ifndef EVENT2_KEYVALQ_HEAD_DONE_
#if defined(TAILQ_HEAD)
#define EVENT2_KEYVALQ_HEAD_DONE_
#ifdef __cplusplus
extern "C" {
#endif
TAILQ_HEAD (evkeyvalq, evkeyval);
#ifdef __cplusplus
}
#endif
#elif !defined(EVENT_KEYVALQ_14_ONLY_)
#define EVENT2_KEYVALQ_HEAD_DONE_
#ifdef __cplusplus
extern "C" {
#endif
/* TAILQ_HEAD's layout, spelled out. */
struct evkeyvalq {
	struct evkeyval *tqh_first;	/* first element */
	struct evkeyval **tqh_last;	/* address of last next element */
};
#ifdef __cplusplus
}
#endif
#endif
#endif /* !EVENT2_KEYVALQ_HEAD_DONE_ */

/* The 2.x view (version macros), at the first inclusion outside <event.h>. */
#if !defined(EVENT2_KEYVALQ_STRUCT_2X_) && !defined(EVENT_KEYVALQ_14_ONLY_)
#define EVENT2_KEYVALQ_STRUCT_2X_
#include <event2/visibility.h>
#endif
