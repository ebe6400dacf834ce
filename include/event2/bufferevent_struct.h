/*
 * event2/bufferevent_struct.h -- the layout of struct bufferevent.
 *
 * relevent is a clean-room implementation of the libevent API; the text is
 * ours.
 *
 * relevent keeps the libevent 1.4 layout, which <event.h> also declares
 * (whichever header comes first defines it).  It differs from libevent
 * 2.1's: the timeouts are whole seconds in int fields, and there is no
 * be_ops member.  New code should use the accessor functions of
 * event2/bufferevent.h rather than these fields; the fields are kept for
 * 1.4 programs.  The timeouts set with bufferevent_set_timeouts() are kept
 * privately with their microseconds; timeout_read/timeout_write show the
 * whole seconds.
 */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/util.h>
#include <event2/event_struct.h>
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _EVENT_WATERMARK_DEFINED
#define _EVENT_WATERMARK_DEFINED
/* A low and a high watermark, in bytes. */
struct event_watermark {
	size_t low;
	size_t high;
};
#endif

#ifndef _EVENT_BUFFEREVENT_STRUCT_DEFINED
#define _EVENT_BUFFEREVENT_STRUCT_DEFINED
struct bufferevent {
	struct event_base *ev_base;	/* read-only: its base */

	struct event ev_read;		/* private */
	struct event ev_write;		/* private */

	struct evbuffer *input;		/* read-only: what was read */
	struct evbuffer *output;	/* read-only: what is to be written */

	/* read-only: set with bufferevent_setwatermark() */
	struct event_watermark wm_read;
	struct event_watermark wm_write;

	bufferevent_data_cb readcb;	/* read-only: bufferevent_setcb */
	bufferevent_data_cb writecb;
	bufferevent_event_cb errorcb;
	void *cbarg;

	int timeout_read;		/* read-only: seconds, 0 = none */
	int timeout_write;

	short enabled;			/* read-only: EV_READ|EV_WRITE */
};
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
