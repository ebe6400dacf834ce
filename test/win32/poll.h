/*
 * test/win32/poll.h -- Windows: poll(2) is WSAPoll(), for sockets only
 * (which is all the cases poll).  struct pollfd and the POLL* bits come
 * from <winsock2.h>.
 */
#ifndef REGRESS_W32_POLL_H
#define REGRESS_W32_POLL_H

#include <winsock2.h>

typedef unsigned long nfds_t;

#define poll(fds, n, ms)	WSAPoll((fds), (ULONG)(n), (ms))

#endif /* REGRESS_W32_POLL_H */
