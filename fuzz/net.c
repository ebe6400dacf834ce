/*
 * net.c -- loopback plumbing for the networked fuzz targets (net.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fuzz.h"
#include "net.h"

int
fuzz_bind_loopback(int type, unsigned short *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, on = 1;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(*port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 64) == -1) ||
	    evutil_make_socket_nonblocking(fd) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

void
fuzz_spin(struct event_base *base, int n, const volatile int *flag)
{
	int i;

	for (i = 0; i < n && (flag == NULL || !*flag); i++)
		if (event_base_loop(base, EVLOOP_NONBLOCK) == -1)
			break;
}

int
fuzz_send_all(struct event_base *base, int fd, const void *data, size_t len)
{
	const char *p = data;
	int idle = 0;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			idle = 0;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		/* The reader is the library: let it run. */
		if (++idle > 1000)
			return -1;
		fuzz_spin(base, 1, NULL);
	}
	return 0;
}

void
fuzz_close_reset(int fd)
{
	struct linger l = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}
