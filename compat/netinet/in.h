/* compat/netinet/in.h -- Windows: part of Winsock 2 (compat/sys/socket.h). */
#ifndef COMPAT_NETINET_IN_H
#define COMPAT_NETINET_IN_H

#include <sys/socket.h>
#include <stdint.h>

/* The type of an IPv4 address (struct in_addr's s_addr) in POSIX. */
typedef uint32_t in_addr_t;

#endif /* COMPAT_NETINET_IN_H */
