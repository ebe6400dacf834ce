/*
 * event2/event_struct.h -- the layout of struct event.
 *
 * relevent has one struct event for both of its APIs: the layout of
 * libevent 1.4, whose programs embed it and read its public fields.  A
 * libevent 2.x program includes this header to embed a struct event of
 * its own and set it up with event_assign(); libevent 2.1 calls this
 * layout unstable and asks programs not to touch the fields, so the 1.4
 * layout serves both (event_get_struct_event_size() gives its size).  The
 * 1.4 header <event.h> takes the struct from here too, with
 * EVENT_STRUCT_14_ONLY_ defined so that none of the 2.x additions at the
 * end of this file reach a 1.4 program.
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <sys/types.h>
#include <sys/time.h>

/* Flags kept in ev_flags: where the event currently is. */
#define EVLIST_TIMEOUT	0x01	/* armed in the timer heap */
#define EVLIST_INSERTED	0x02	/* registered for I/O or a signal */
#define EVLIST_SIGNAL	0x04	/* reserved; never set */
#define EVLIST_ACTIVE	0x08	/* queued to run its callback */
#define EVLIST_INTERNAL	0x10	/* the library's own: keeps no loop alive */
#define EVLIST_INIT	0x80	/* event_set() or event_assign() was called */

/*
 * A TAILQ_ENTRY is needed for struct event.  When <sys/queue.h> was not
 * included first we spell an equivalent one and remove it again.
 */
#ifndef TAILQ_ENTRY
#define EVENT_DEFINED_TQENTRY_
#define TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;	/* next element */			\
	struct type **tqe_prev;	/* address of previous next element */	\
}
#endif /* !TAILQ_ENTRY */

struct event_base;
#ifndef EVENT_NO_STRUCT
/*
 * One registration: an fd, a signal or a timer.  Programs embed it and may
 * read the fields marked public; the rest belong to the library.
 */
struct event {
	TAILQ_ENTRY (event) ev_next;		/* private */
	TAILQ_ENTRY (event) ev_active_next;	/* private */
	TAILQ_ENTRY (event) ev_signal_next;	/* private */
	unsigned int min_heap_idx;		/* private: timer heap slot */

	struct event_base *ev_base;		/* public, read-only */

	int ev_fd;			/* public: fd or signal number */
	short ev_events;		/* public: EV_* mask asked for */
	short ev_ncalls;		/* private: calls left */
	short *ev_pncalls;		/* private: timer heap order */

	/* public, read-only: absolute deadline, on the library's
	 * monotonic clock */
	struct timeval ev_timeout;

	int ev_pri;			/* public, read-only: 0 most urgent */

	void (*ev_callback)(int, short, void *arg);	/* public */
	void *ev_arg;			/* public */

	int ev_res;			/* public: result passed to callback */
	int ev_flags;			/* public, read-only: EVLIST_* */
};
#else
struct event;
#endif

/* The list type is complete only when <sys/queue.h> came first. */
#ifdef EVENT_DEFINED_TQENTRY_
#undef TAILQ_ENTRY
#undef EVENT_DEFINED_TQENTRY_
struct event_list;
#else
TAILQ_HEAD (event_list, event);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */

/* The 2.x view: kept out of <event.h>, added at the first 2.x inclusion. */
#if !defined(EVENT2_EVENT_STRUCT_2X_) && !defined(EVENT_STRUCT_14_ONLY_)
#define EVENT2_EVENT_STRUCT_2X_
#include <event2/util.h>
#define EVLIST_ACTIVE_LATER	0x20	/* to be activated on the next pass */
#define EVLIST_FINALIZING	0x40	/* event_finalize() was called */
/* Every EVLIST_* bit.  <event.h> spells it (0xf000 | 0x9f), libevent 1.4's
 * value; whichever header comes first in a translation unit decides. */
#ifndef EVLIST_ALL
#define EVLIST_ALL		0xff
#endif
#endif
