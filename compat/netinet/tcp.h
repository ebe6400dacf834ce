/* compat/netinet/tcp.h -- Windows: part of Winsock 2 (compat/sys/socket.h). */
#ifndef COMPAT_NETINET_TCP_H
#define COMPAT_NETINET_TCP_H

#include <sys/socket.h>

#endif /* COMPAT_NETINET_TCP_H */
