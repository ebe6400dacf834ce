/*
 * event2/bufferevent.h -- the libevent 2.x bufferevent API.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants here match libevent 2.1; the text is ours.
 *
 * A bufferevent is an input and an output evbuffer plus the machinery that
 * moves bytes between them and something else: a socket
 * (bufferevent_socket_new()), the other end of an in-process pair
 * (bufferevent_pair_new()), or another bufferevent through filter
 * functions (bufferevent_filter_new()).  The program reads from the input
 * and writes into the output; three callbacks tell it what happened:
 *
 *  - the read callback runs when new input brought the input buffer to at
 *    least its read low watermark;
 *  - the write callback runs when writing drained the output buffer down to
 *    its write low watermark;
 *  - the event callback runs with BEV_EVENT_* bits on end of file, errors,
 *    timeouts and a completed connect.  After an end of file, an error or a
 *    timeout the direction concerned is disabled; bufferevent_enable()
 *    restarts it.
 *
 * These are the same objects as the 1.4 bufferevents of <event.h>: every
 * 1.4 call works on a bufferevent made here and every call here works on
 * one made by bufferevent_new().  A bufferevent made by bufferevent_new()
 * keeps the 1.4 behaviours where 1.4 and 2.x differ (see docs/COMPAT.md).
 *
 * Unless said otherwise, functions returning int return 0 on success and
 * -1 on failure.
 */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/util.h>
#include <sys/types.h>
#ifdef _EVENT_HAVE_SYS_TIME_H
#include <sys/time.h>
#endif
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;
struct event_base;
struct evbuffer;
struct evdns_base;
struct sockaddr;

/* Bits passed to the event callback (equal to 1.4's EVBUFFER_* bits). */
#define BEV_EVENT_READING	0x01	/* while reading */
#define BEV_EVENT_WRITING	0x02	/* while writing */
#define BEV_EVENT_EOF		0x10	/* end of file */
#define BEV_EVENT_ERROR		0x20	/* error; see errno */
#define BEV_EVENT_TIMEOUT	0x40	/* the timeout expired */
#define BEV_EVENT_CONNECTED	0x80	/* bufferevent_socket_connect() done */

/* The read and write callbacks. */
typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);

/* The event callback, with BEV_EVENT_* bits in what. */
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what,
    void *ctx);

/* Options of the constructors. */
enum bufferevent_options {
	/* Close the socket (or free the underlying bufferevent) on free. */
	BEV_OPT_CLOSE_ON_FREE = (1 << 0),
	/* Lock the bufferevent around every call (needs thread callbacks
	 * from event2/thread.h to have any effect). */
	BEV_OPT_THREADSAFE = (1 << 1),
	/* Run the callbacks from the event loop, not from inside calls. */
	BEV_OPT_DEFER_CALLBACKS = (1 << 2),
	/* With DEFER_CALLBACKS and THREADSAFE: do not hold the lock while
	 * running the callbacks. */
	BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)
};

/*
 * A bufferevent on a socket fd (-1: none yet; set one with
 * bufferevent_setfd() or let bufferevent_socket_connect() make one).  The
 * fd should be nonblocking.  Writing is enabled, reading is not.  NULL on
 * failure (out of memory, UNLOCK_CALLBACKS without DEFER_CALLBACKS).
 */
struct bufferevent *bufferevent_socket_new(struct event_base *base,
    evutil_socket_t fd, int options);

/*
 * Connect to addr.  Without an fd, a nonblocking socket of addr's family
 * is made first (and closed on free with BEV_OPT_CLOSE_ON_FREE).  With
 * addr NULL the fd is taken to be connecting already.  The event callback
 * gets BEV_EVENT_CONNECTED, or BEV_EVENT_ERROR (also for a refusal the
 * kernel reports at once).  Reading waits for the connection.  -1 when
 * the connect could not even start.
 */
int bufferevent_socket_connect(struct bufferevent *bufev,
    const struct sockaddr *addr, int socklen);

/*
 * Resolve hostname (family AF_INET, AF_INET6 or AF_UNSPEC) and connect to
 * its first address at port.  relevent resolves with getaddrinfo() and
 * ignores dns_base (pass NULL); a resolution failure reaches the event
 * callback as BEV_EVENT_ERROR from the event loop, with the getaddrinfo()
 * error in bufferevent_socket_get_dns_error().  -1 for bad arguments.
 */
int bufferevent_socket_connect_hostname(struct bufferevent *bufev,
    struct evdns_base *dns_base, int family, const char *hostname, int port);

/* The getaddrinfo() error (EAI_*) of the last resolution, 0 if none. */
int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* Move a socket bufferevent to another base (before it is enabled). */
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);

/* The base the bufferevent runs on. */
struct event_base *bufferevent_get_base(struct bufferevent *bev);

/* Set the priority of the bufferevent's events and callbacks. */
int bufferevent_priority_set(struct bufferevent *bufev, int pri);

/* Its priority. */
int bufferevent_get_priority(const struct bufferevent *bufev);

/*
 * Free a bufferevent.  Its callbacks are cleared at once; the memory goes
 * when the last reference (bufferevent_incref()) is dropped, which may be
 * after the callback now running returns.  Data still in the output is
 * not flushed.
 */
void bufferevent_free(struct bufferevent *bufev);

/* Set the callbacks and their argument (any may be NULL). */
void bufferevent_setcb(struct bufferevent *bufev,
    bufferevent_data_cb readcb, bufferevent_data_cb writecb,
    bufferevent_event_cb eventcb, void *cbarg);

/* Get them; any pointer may be NULL. */
void bufferevent_getcb(struct bufferevent *bufev,
    bufferevent_data_cb *readcb_ptr, bufferevent_data_cb *writecb_ptr,
    bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

/*
 * Use another socket (-1: none).  The enabled directions are re-armed on
 * the new fd.  -1 for a bufferevent that has no fd of its own (a pair, a
 * filter).  The 1.4 header declares this as returning void; it is the
 * same function.
 */
#ifndef _EVENT_H_
int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
#else
/*
 * <event.h> came first and declared 1.4's void bufferevent_setfd().
 * With GCC or Clang, calls get the 2.x int result through a second
 * declaration of the same symbol; elsewhere the 1.4 declaration stands.
 */
#if defined(__GNUC__) && defined(__USER_LABEL_PREFIX__)
#ifndef EVENT2_SYMBOL_
#define EVENT2_STR2_(x)	#x
#define EVENT2_STR_(x)	EVENT2_STR2_(x)
#define EVENT2_SYMBOL_(name)	EVENT2_STR_(__USER_LABEL_PREFIX__) #name
#endif
int bufferevent_setfd_int_(struct bufferevent *bufev, evutil_socket_t fd)
    __asm__(EVENT2_SYMBOL_(bufferevent_setfd));
#define bufferevent_setfd(bufev, fd)	bufferevent_setfd_int_((bufev), (fd))
#endif
#endif

/* The socket, or -1 (also for a pair; a filter reports its underlying's). */
evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);

/* The bufferevent a filter works on; NULL for the other kinds. */
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);

/* Append to the output. */
int bufferevent_write(struct bufferevent *bufev, const void *data,
    size_t size);

/* Move all of buf to the end of the output. */
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);

/* Move up to size bytes of input into data.  Returns the count. */
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);

/* Move all of the input to the end of buf. */
int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);

/* The input and output buffers (owned by the bufferevent). */
struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

/* Start or stop reading (EV_READ) and/or writing (EV_WRITE). */
int bufferevent_enable(struct bufferevent *bufev, short event);
int bufferevent_disable(struct bufferevent *bufev, short event);

/* The directions enabled (EV_READ|EV_WRITE bits). */
short bufferevent_get_enabled(struct bufferevent *bufev);

/*
 * Inactivity timeouts for reading and writing (NULL or zero: none).  A
 * timeout counts while the direction is enabled (for writing: while there
 * is output) and restarts on each successful transfer; on expiry the event
 * callback gets BEV_EVENT_TIMEOUT with READING or WRITING.
 */
int bufferevent_set_timeouts(struct bufferevent *bufev,
    const struct timeval *timeout_read, const struct timeval *timeout_write);

/*
 * Watermarks of EV_READ and/or EV_WRITE.  Read low: the read callback waits
 * for that much input.  Read high (0: none): reading stops while the input
 * holds that much.  Write low: the write callback runs when the output is
 * down to it.  Write high: only filters use it, to stop filling the
 * underlying output.
 */
void bufferevent_setwatermark(struct bufferevent *bufev, short events,
    size_t lowmark, size_t highmark);

/* Get the watermarks of exactly one of EV_READ or EV_WRITE (else -1). */
int bufferevent_getwatermark(struct bufferevent *bufev, short events,
    size_t *lowmark, size_t *highmark);

/* Take and release the bufferevent's lock (nothing without one). */
void bufferevent_lock(struct bufferevent *bufev);
void bufferevent_unlock(struct bufferevent *bufev);

/* Keep the bufferevent allocated (after bufferevent_free()) until the
 * matching bufferevent_decref(). */
void bufferevent_incref(struct bufferevent *bufev);

/* Drop a reference.  Returns 1 if that freed the bufferevent, else 0. */
int bufferevent_decref(struct bufferevent *bufev);

/* How hard bufferevent_flush() pushes. */
enum bufferevent_flush_mode {
	BEV_NORMAL = 0,		/* as usual */
	BEV_FLUSH = 1,		/* move all that can be moved now */
	BEV_FINISHED = 2	/* and tell the other side there is no more */
};

/*
 * Push pending data of EV_READ and/or EV_WRITE through (meaningful for
 * pairs and filters; a socket returns 0).  Returns -1 on failure, 0 if
 * nothing moved, 1 if some data did.
 */
int bufferevent_flush(struct bufferevent *bufev, short iotype,
    enum bufferevent_flush_mode mode);

/* Options of bufferevent_trigger() and bufferevent_trigger_event(). */
enum bufferevent_trigger_options {
	/* Run the callback even if the watermark says otherwise. */
	BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
	/* Run it from the event loop. */
	BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/* Run the read and/or write callback as if data had moved. */
void bufferevent_trigger(struct bufferevent *bufev, short iotype,
    int options);

/* Run the event callback with what. */
void bufferevent_trigger_event(struct bufferevent *bufev, short what,
    int options);

/* What a filter function returns. */
enum bufferevent_filter_result {
	BEV_OK = 0,		/* it moved what it could */
	BEV_NEED_MORE = 1,	/* it needs more input to produce output */
	BEV_ERROR = 2		/* the data is bad: reported as an error */
};

/*
 * A filter: move and transform bytes from src to dst, adding at most
 * dst_limit bytes when that is not negative.
 */
typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(
    struct evbuffer *src, struct evbuffer *dst, ev_ssize_t dst_limit,
    enum bufferevent_flush_mode mode, void *ctx);

/*
 * A bufferevent whose output goes through output_filter into the output
 * of underlying, and whose input comes from underlying's input through
 * input_filter (a NULL filter copies bytes unchanged).  The filter takes
 * over underlying's callbacks.  free_context(ctx) runs when it is freed;
 * with BEV_OPT_CLOSE_ON_FREE the underlying bufferevent is freed too.
 */
struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
    bufferevent_filter_cb input_filter, bufferevent_filter_cb output_filter,
    int options, void (*free_context)(void *), void *ctx);

/*
 * Two bufferevents connected to each other: what one writes, the other
 * reads.  Their callbacks always run from the event loop.  pair[0] and
 * pair[1] are set on success.
 */
int bufferevent_pair_new(struct event_base *base, int options,
    struct bufferevent *pair[2]);

/* The other end of a pair, or NULL (not a pair, or the other end freed). */
struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

/*
 * Rate limiting with token buckets.  A configuration gives, per direction,
 * the bytes allowed per tick (rate) and the most that may accumulate
 * (burst).  A bufferevent may have its own limit and be in one group,
 * whose members share a limit; each read or write takes at most what both
 * allow.  The configuration must outlive the bufferevents that use it.
 */
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX
struct ev_token_bucket_cfg;
struct bufferevent_rate_limit_group;

/*
 * A configuration; tick_len NULL means one second.  NULL when a rate is 0,
 * a burst is below its rate, or a value exceeds EV_RATE_LIMIT_MAX.
 */
struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(
    size_t read_rate, size_t read_burst,
    size_t write_rate, size_t write_burst,
    const struct timeval *tick_len);

/* Free a configuration no bufferevent uses any more. */
void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);

/* Give the bufferevent its own limit (NULL: remove it).  The buckets
 * start with one tick's worth. */
int bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg);

/* A group with a shared limit (the configuration is copied). */
struct bufferevent_rate_limit_group *bufferevent_rate_limit_group_new(
    struct event_base *base, const struct ev_token_bucket_cfg *cfg);

/* Change a group's configuration (copied). */
int bufferevent_rate_limit_group_set_cfg(
    struct bufferevent_rate_limit_group *g,
    const struct ev_token_bucket_cfg *cfg);

/*
 * Each member may take at least share bytes per operation even when the
 * bucket divided by the members is less (default 64; 0: no minimum).
 */
int bufferevent_rate_limit_group_set_min_share(
    struct bufferevent_rate_limit_group *g, size_t share);

/* Free a group; its members leave it first. */
void bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *g);

/* Put a bufferevent in a group (leaving any other one). */
int bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *g);

/* Take it out of its group (0 also when it was in none). */
int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev);

/*
 * The most one read or write may move.  0 or more than EV_SSIZE_MAX means
 * the default, which in relevent is what FIONREAD reports up to 256 KiB
 * for a read, and the whole output (up to INT_MAX) for a write.
 */
int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);

/* What the bufferevent's own bucket holds (EV_SSIZE_MAX without a limit;
 * may be negative). */
ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev);
ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev);

/* The most the next read or write may move, all limits considered. */
ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);

/* The configuration set with bufferevent_set_rate_limit(), or NULL. */
const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(
    const struct bufferevent *bev);

/* What a group's bucket holds. */
ev_ssize_t bufferevent_rate_limit_group_get_read_limit(
    struct bufferevent_rate_limit_group *g);
ev_ssize_t bufferevent_rate_limit_group_get_write_limit(
    struct bufferevent_rate_limit_group *g);

/*
 * Take decr bytes from a bucket (a negative decr adds), as if they had
 * been moved; reading or writing stops or restarts accordingly.
 */
int bufferevent_decrement_read_limit(struct bufferevent *bev,
    ev_ssize_t decr);
int bufferevent_decrement_write_limit(struct bufferevent *bev,
    ev_ssize_t decr);
int bufferevent_rate_limit_group_decrement_read(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr);
int bufferevent_rate_limit_group_decrement_write(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr);

/* Bytes read and written by a group's members since it was made or the
 * totals were reset; either pointer may be NULL. */
void bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *grp,
    ev_uint64_t *total_read_out, ev_uint64_t *total_written_out);
void bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_H_INCLUDED_ */
