/*
 * event2/buffer_compat.h -- the 1.x evbuffer calls, as libevent 2.x keeps
 * them for old code.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * These are the same functions as in the 1.4 header <event.h>; both
 * headers may be included in one file, in either order.
 */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;

/*
 * Find what[0..len) in the buffer; a pointer to its first byte (valid
 * until the buffer changes), or NULL.
 */
unsigned char *evbuffer_find(struct evbuffer *buffer,
    const unsigned char *what, size_t len);

/*
 * Remove a line ended by CR, LF, CRLF or LFCR and return it without its
 * end, allocated with malloc(); NULL when no whole line is there.  Use
 * evbuffer_readln() in new code.
 */
char *evbuffer_readline(struct evbuffer *buffer);

/* The 1.x change callback: the buffer, its old and new length. */
#ifndef _EVENT_EVBUFFER_CB_DEFINED
#define _EVENT_EVBUFFER_CB_DEFINED
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len,
    size_t new_len, void *arg);
#endif

/*
 * Set the buffer's one 1.x callback (NULL removes it).  Returns 0.  It
 * runs after the callbacks of evbuffer_add_cb(), which it leaves in place
 * (libevent 2.1 removes them).  The 1.4 header declares this as returning
 * void; it is the same function.
 */
#ifndef _EVENT_H_
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);
#else
/*
 * <event.h> came first and declared 1.4's void evbuffer_setcb().
 * With GCC or Clang, calls get the 2.x int result through a second
 * declaration of the same symbol; elsewhere the 1.4 declaration stands.
 */
#if defined(__GNUC__) && defined(__USER_LABEL_PREFIX__)
#ifndef EVENT2_SYMBOL_
#define EVENT2_STR2_(x)	#x
#define EVENT2_STR_(x)	EVENT2_STR2_(x)
#define EVENT2_SYMBOL_(name)	EVENT2_STR_(__USER_LABEL_PREFIX__) #name
#endif
int evbuffer_setcb_int_(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg)
    __asm__(EVENT2_SYMBOL_(evbuffer_setcb));
#define evbuffer_setcb(buffer, cb, cbarg)				\
	evbuffer_setcb_int_((buffer), (cb), (cbarg))
#endif
#endif

/* The length and a pointer to the (contiguous) data. */
#ifndef EVBUFFER_LENGTH
#define EVBUFFER_LENGTH(x)	evbuffer_get_length(x)
#endif
#ifndef EVBUFFER_DATA
#define EVBUFFER_DATA(x)	evbuffer_pullup((x), -1)
#endif

/* For the macros above. */
size_t evbuffer_get_length(const struct evbuffer *buf);
unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
