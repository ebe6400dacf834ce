/*
 * event2/event_struct.h -- MINIMAL, to be replaced by the full header.
 *
 * event2/bufferevent_struct.h needs the body of struct event (a
 * bufferevent embeds two).  Until the full 2.x event_struct.h is written,
 * the body comes from the 1.4 header, where it already lives.
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event.h>

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */
