/*
 * net.h -- loopback plumbing for the fuzz targets that talk to the
 * library through real sockets (fuzz/net.c).
 */
#ifndef FUZZ_NET_H
#define FUZZ_NET_H

#include <sys/types.h>
#include <sys/socket.h>

struct event_base;

/* A nonblocking socket of type (SOCK_DGRAM/SOCK_STREAM) bound to
 * 127.0.0.1:*port (0: any; the port is stored back), listening if a
 * stream.  -1 on failure. */
int fuzz_bind_loopback(int type, unsigned short *port);

/* Run base without blocking up to n rounds, or until *flag is set. */
void fuzz_spin(struct event_base *base, int n, const volatile int *flag);

/* Write all of data to a blocking or nonblocking fd, spinning base
 * between tries (the library may be the reader).  -1 if the peer went. */
int fuzz_send_all(struct event_base *base, int fd, const void *data,
    size_t len);

/* Close fd with a reset (no TIME_WAIT left on the loopback ports). */
void fuzz_close_reset(int fd);

#endif /* FUZZ_NET_H */
