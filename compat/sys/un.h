/*
 * compat/sys/un.h -- Windows: AF_UNIX stream sockets exist from Windows 10
 * 1803 on (<afunix.h>); older systems, and wine 8, refuse the socket()
 * call (WSAEAFNOSUPPORT), which the library reports like any other
 * failure (docs/COMPAT.md).
 */
#ifndef COMPAT_SYS_UN_H
#define COMPAT_SYS_UN_H

#include <sys/socket.h>
#include <afunix.h>

#endif /* COMPAT_SYS_UN_H */
