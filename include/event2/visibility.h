/*
 * event2/visibility.h -- what every libevent 2.x header of relevent
 * shares: the configuration macros, the export marker and the version.
 *
 * relevent implements the libevent 1.4 API (<event.h>, <evutil.h>) and
 * the libevent 2.1 API (<event2/...>) in one library.  A translation unit
 * that includes any event2/ header sees the 2.x view: the macros
 * LIBEVENT_VERSION and LIBEVENT_VERSION_NUMBER are defined (2.1.12).  A
 * unit that includes only the 1.4 headers sees neither macro.  In both,
 * event_get_version() answers "2.1.12-stable", as libevent 2.1 does for
 * programs of either API (memcached 1.6 includes only <event.h> and
 * refuses a "1." version).  docs/COMPAT.md ("Versions") explains it.
 */
#ifndef EVENT2_VISIBILITY_H_INCLUDED_
#define EVENT2_VISIBILITY_H_INCLUDED_

#include <event2/event-config.h>

/* Marks the functions the shared libraries export.  Ours are all exported
 * by default, so the marker is empty; it exists because 2.x programs and
 * headers written against libevent 2.1 may use it. */
#ifndef EVENT2_EXPORT_SYMBOL
#define EVENT2_EXPORT_SYMBOL
#endif

/* The libevent release whose 2.x API these headers provide. */
#define LIBEVENT_VERSION EVENT__VERSION
#define LIBEVENT_VERSION_NUMBER EVENT__NUMERIC_VERSION

/*
 * event_get_version() in the 2.x view.  Both exported names give the same
 * answer now; the mapping stays for programs built while the 1.4 view
 * answered "1.4.15" (also when <event.h> is included after it: its
 * declaration is mapped too).
 */
#define event_get_version event_get_version_2x

#endif /* EVENT2_VISIBILITY_H_INCLUDED_ */
