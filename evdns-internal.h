/*
 * evdns-internal.h -- DNS wire-format helpers shared by evdns.c and its
 * tests.  Not installed.
 *
 * All functions here are pure: they read or write caller-supplied buffers
 * and never touch the resolver's global state, so the regression tests can
 * feed them hostile packets directly.
 */
#ifndef EVDNS_INTERNAL_H
#define EVDNS_INTERNAL_H

#include <stddef.h>

/* Longest presentation-form name we handle (255 wire bytes, no dot). */
#define EVDNS_NAME_MAX 255

/*
 * Decode the (possibly compressed) name starting at *off in the packet
 * pkt[0..len) into out (dotted, NUL-terminated, no trailing dot; the root
 * is "").  out must hold EVDNS_NAME_MAX + 1 bytes.  On success *off is set
 * just past the name as it appears at the original position and 0 is
 * returned.  Returns -1 (leaving *off alone) for any malformed name: a
 * label or pointer past the end of the packet, a pointer that does not
 * point strictly backwards (which also rules out loops), a reserved label
 * type, a name longer than 255 bytes on the wire, or a label holding a dot
 * or a NUL.
 */
int evdns_name_parse_(const unsigned char *pkt, size_t len, size_t *off,
    char *out);

/*
 * Encode the dotted name (a trailing dot is allowed) into wire format
 * without compression at buf[0..cap).  Returns the number of bytes
 * written, or -1 if the name is malformed (empty label, label over 63
 * bytes, over 255 bytes in total) or does not fit.
 */
int evdns_name_encode_(unsigned char *buf, size_t cap, const char *name);

#endif /* EVDNS_INTERNAL_H */
