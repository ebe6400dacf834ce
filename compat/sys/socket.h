/*
 * compat/sys/socket.h -- Windows: the BSD socket API is Winsock 2.
 *
 * <winsock2.h> must come before <windows.h>, and <ws2tcpip.h> brings
 * getaddrinfo, inet_pton, socklen_t and the IPv6 structures.
 */
#ifndef COMPAT_SYS_SOCKET_H
#define COMPAT_SYS_SOCKET_H

#include <winsock2.h>
#include <ws2tcpip.h>

/*
 * Winsock declares its buffers and option values as char * where POSIX
 * has void *, so POSIX code passing an unsigned char * or an int * gets
 * pointer warnings.  These wrappers only add the casts (a function-like
 * macro is not expanded again inside its own body); lengths stay as the
 * caller gives them.
 */
#define send(s, buf, len, flags)					\
	send((s), (const char *)(buf), (len), (flags))
#define recv(s, buf, len, flags)					\
	recv((s), (char *)(buf), (len), (flags))
#define sendto(s, buf, len, flags, to, tolen)				\
	sendto((s), (const char *)(buf), (len), (flags), (to), (tolen))
#define recvfrom(s, buf, len, flags, from, fromlen)			\
	recvfrom((s), (char *)(buf), (len), (flags), (from), (fromlen))
#define setsockopt(s, level, name, val, len)				\
	setsockopt((s), (level), (name), (const char *)(val), (len))
#define getsockopt(s, level, name, val, lenp)				\
	getsockopt((s), (level), (name), (char *)(val), (lenp))

/* Windows sockets never raise SIGPIPE and take no per-call flag. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

#ifndef SHUT_RD
#define SHUT_RD		SD_RECEIVE
#define SHUT_WR		SD_SEND
#define SHUT_RDWR	SD_BOTH
#endif

#endif /* COMPAT_SYS_SOCKET_H */
