/*
 * evbuffer-internal.h -- tuning constants shared by evbuffer.c,
 * bufferevent.c and the tests.
 */
#ifndef EVBUFFER_INTERNAL_H
#define EVBUFFER_INTERNAL_H

/*
 * evbuffer_read() with a negative howmuch reads what FIONREAD reports,
 * but no less than EVBUFFER_DEFAULT_READ (used when FIONREAD cannot tell)
 * and no more than EVBUFFER_MAX_READ per call.
 */
#define EVBUFFER_DEFAULT_READ	4096
#define EVBUFFER_MAX_READ	(256 * 1024)

/*
 * Called by the input buffer of a bufferevent whose reading was paused at
 * the read high watermark; resumes reading once the input drops below it.
 * Exported, as in 1.4, but not declared in event.h.
 */
void bufferevent_read_pressure_cb(struct evbuffer *buf, size_t old_len,
    size_t new_len, void *arg);

#endif /* EVBUFFER_INTERNAL_H */
