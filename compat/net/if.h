/* compat/net/if.h -- Windows: if_nametoindex() and if_indextoname() are
 * in the IP helper API (linked with -liphlpapi). */
#ifndef COMPAT_NET_IF_H
#define COMPAT_NET_IF_H

#include <sys/socket.h>
#include <iphlpapi.h>
#include <netioapi.h>

#endif /* COMPAT_NET_IF_H */
