/*
 * event2/tag_compat.h -- the 1.x names of the bare integer encoders.
 *
 * relevent is a clean-room implementation of the libevent API; these
 * macros match libevent 2.1's.  The exported function encode_int() of
 * 1.4 stays (<event.h> declares it with its name in parentheses, so the
 * two headers mix in either order).
 */
#ifndef EVENT2_TAG_COMPAT_H_INCLUDED_
#define EVENT2_TAG_COMPAT_H_INCLUDED_

#include <event2/tag.h>

#define encode_int(evbuf, number) evtag_encode_int((evbuf), (number))
#define encode_int64(evbuf, number) evtag_encode_int64((evbuf), (number))

#endif /* EVENT2_TAG_COMPAT_H_INCLUDED_ */
