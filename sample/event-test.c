/*
 * event-test.c -- read a FIFO with the event loop.
 *
 * Usage: event-test [path]
 * Creates the FIFO (default "event.fifo") if needed, opens it and prints
 * what writers send.  Exits 0 when the last writer closes it.
 * Try:  ./event-test /tmp/f &  echo hello > /tmp/f
 *
 * Windows has no FIFOs and its event loop watches sockets only, so there
 * the argument is a TCP port (default 8091): event-test accepts one
 * connection on 127.0.0.1 and prints what it sends until it closes.
 * Try:  event-test 8091  and  curl -sd hello http://127.0.0.1:8091/
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#ifdef _WIN32
#define INPUT_READ(fd, buf, n)	recv((fd), (buf), (int)(n), 0)
#define INPUT_RETRY()		(WSAGetLastError() == WSAEWOULDBLOCK)
#else
#define INPUT_READ(fd, buf, n)	read((fd), (buf), (n))
#define INPUT_RETRY()		(errno == EAGAIN || errno == EINTR)
#endif

static void
fifo_read(int fd, short what, void *arg)
{
	struct event *ev = arg;
	char buf[256];
	ssize_t n;

	(void)what;
	n = INPUT_READ(fd, buf, sizeof(buf) - 1);
	if (n == -1) {
		if (INPUT_RETRY())
			return;
		perror("read");
		event_del(ev);
		return;
	}
	if (n == 0) {
		printf("end of input\n");
		event_del(ev);	/* no events left: the loop returns */
		return;
	}
	buf[n] = '\0';
	printf("read %ld bytes: %s", (long)n, buf);
	if (buf[n - 1] != '\n')
		printf("\n");
	fflush(stdout);
}

#ifdef _WIN32
/* The first connection to 127.0.0.1:port, nonblocking, or -1. */
static int
open_input(const char *port)
{
	struct sockaddr_in sin;
	SOCKET l, c;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)atoi(port ? port : "8091"));
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == INVALID_SOCKET ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) == SOCKET_ERROR ||
	    listen(l, 1) == SOCKET_ERROR) {
		fprintf(stderr, "cannot listen: Winsock error %d\n",
		    WSAGetLastError());
		return -1;
	}
	printf("reading the first connection to 127.0.0.1:%u\n",
	    (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	c = accept(l, NULL, NULL);
	closesocket(l);
	if (c == INVALID_SOCKET || evutil_make_socket_nonblocking((int)c)) {
		fprintf(stderr, "accept: Winsock error %d\n",
		    WSAGetLastError());
		return -1;
	}
	return (int)c;
}
#else
/* The FIFO at path (made if missing), nonblocking, or -1. */
static int
open_input(const char *arg)
{
	const char *path = arg ? arg : "event.fifo";
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			fprintf(stderr, "%s exists and is not a FIFO\n", path);
			return -1;
		}
	} else if (mkfifo(path, 0600) == -1) {
		perror("mkfifo");
		return -1;
	}
	/* O_NONBLOCK: open returns at once; reads see EOF only after a
	 * writer came and went, so wait for the first writer first. */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd == -1) {
		perror("open");
		return -1;
	}
	printf("reading %s\n", path);
	fflush(stdout);
	{
		/* Block until a writer opens the FIFO, so that the first
		 * read does not report EOF before anyone wrote. */
		int w = open(path, O_RDONLY);
		if (w != -1) {
			close(fd);
			fd = w;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		}
	}
	return fd;
}
#endif

int
main(int argc, char **argv)
{
	struct event ev;
	int fd;

	/* (On Windows the base's own Winsock reference covers the socket
	 * calls that open_input() makes, so the base comes first.) */
	if (event_init() == NULL)
		return 1;
	if ((fd = open_input(argc > 1 ? argv[1] : NULL)) == -1)
		return 1;
	event_set(&ev, fd, EV_READ | EV_PERSIST, fifo_read, &ev);
	if (event_add(&ev, NULL) == -1) {
		perror("event_add");
		return 1;
	}
	event_dispatch();
	EVUTIL_CLOSESOCKET(fd);
	return 0;
}
