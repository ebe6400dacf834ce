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

#if defined(__GNUC__) && !defined(__STRICT_ANSI__)
#define EVTAG_ASSIGN(msg, member, args...) \
	(*(msg)->base->member##_assign)(msg, ## args)
#define EVTAG_GET(msg, member, args...) \
	(*(msg)->base->member##_get)(msg, ## args)
#else
#define EVTAG_ASSIGN(msg, member, ...) \
	(*(msg)->base->member##_assign)(msg, ## __VA_ARGS__)
#define EVTAG_GET(msg, member, ...) \
	(*(msg)->base->member##_get)(msg, ## __VA_ARGS__)
#endif
#define EVTAG_ADD(msg, member) (*(msg)->base->member##_add)(msg)
#define EVTAG_LEN(msg, member) ((msg)->member##_length)

#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */
