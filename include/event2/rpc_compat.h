/*
 * event2/rpc_compat.h -- the 1.x forms of the message accessor macros.
 *
 * relevent is a clean-room implementation of the libevent API; these
 * macros match libevent 2.1's.  EVTAG_ASSIGN and EVTAG_GET take the
 * value (and a length, for bytes) as extra arguments, as 1.4's generated
 * headers had them.
 */
#ifndef EVENT2_RPC_COMPAT_H_INCLUDED_
#define EVENT2_RPC_COMPAT_H_INCLUDED_

#include <event2/rpc.h>

#undef EVTAG_ASSIGN
#undef EVTAG_GET
#undef EVTAG_ADD
#undef EVTAG_LEN

#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L) || \
    (defined(__cplusplus) && __cplusplus >= 201103L)
#define EVTAG_ASSIGN(msg, member, ...) \
	(*(msg)->base->member##_assign)((msg), __VA_ARGS__)
#define EVTAG_GET(msg, member, ...) \
	(*(msg)->base->member##_get)((msg), __VA_ARGS__)
#elif defined(__GNUC__)
/* C89 and C++98 have no variadic macros: GCC's own form, in a header
 * marked as the system's so that -pedantic lets it pass. */
#pragma GCC system_header
#define EVTAG_ASSIGN(msg, member, args...) \
	(*(msg)->base->member##_assign)((msg), args)
#define EVTAG_GET(msg, member, args...) \
	(*(msg)->base->member##_get)((msg), args)
#endif
#define EVTAG_ADD(msg, member) (*(msg)->base->member##_add)(msg)
#define EVTAG_LEN(msg, member) ((msg)->member##_length)

#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */
