/* compat/netdb.h -- Windows: part of Winsock 2 (compat/sys/socket.h). */
#ifndef COMPAT_NETDB_H
#define COMPAT_NETDB_H

#include <sys/socket.h>

#endif /* COMPAT_NETDB_H */
