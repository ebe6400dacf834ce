/*
 * compat/arpa/inet.h -- Windows: inet_pton and inet_ntop are in Winsock 2
 * (compat/sys/socket.h); inet_aton is not, so it is spelled here.
 */
#ifndef COMPAT_ARPA_INET_H
#define COMPAT_ARPA_INET_H

#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/*
 * inet_aton(3): "a.b.c.d", "a.b.c" (c is 16 bits), "a.b" (b is 24 bits)
 * or "a" (32 bits), each part decimal, octal (leading 0) or hex (0x).
 * Returns 1 and stores the address in network order, or 0.
 */
static __inline int
inet_aton(const char *cp, struct in_addr *addr)
{
	unsigned long part[4], val;
	const char *s = cp;
	char *end;
	int n = 0;

	for (;;) {
		if (!isdigit((unsigned char)*s))
			return 0;
		errno = 0;
		part[n++] = strtoul(s, &end, 0);
		if (errno == ERANGE)
			return 0;
		s = end;
		if (*s != '.')
			break;
		if (n == 4)
			return 0;
		s++;
	}
	if (*s != '\0' && !isspace((unsigned char)*s))
		return 0;
	val = part[n - 1];
	/* The last part fills what the others leave. */
	if (val > (0xffffffffUL >> (8 * (n - 1))))
		return 0;
	for (; n > 1; n--) {
		if (part[n - 2] > 0xff)
			return 0;
		val |= part[n - 2] << (8 * (4 - (n - 1)));
	}
	if (addr != NULL)
		addr->s_addr = htonl(val);
	return 1;
}

#endif /* COMPAT_ARPA_INET_H */
