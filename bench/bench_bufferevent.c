/*
 * bench_bufferevent.c -- bulk transfer through two bufferevents.
 *
 * A writer bufferevent sends TOTAL bytes in CHUNK-sized bufferevent_write()
 * calls (keeping a few chunks queued, refilled from its write callback at
 * the write low watermark); a reader bufferevent on the other end drains
 * its input in every read callback.  Both run in one event loop.  Prints
 * the throughput and the number of read callbacks.
 *
 * Usage: bench_bufferevent pair|tcp [MiB [chunk_KiB]]
 *
 * Written only against the 1.4 API (event.h, no struct fields), so the
 * same source builds against relevent and against libevent 2.1's
 * compatibility header.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

static size_t total, chunk, sent, received;
static unsigned long nreads, nwrites;
static unsigned char *data;
static struct bufferevent *writer, *reader;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
writecb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	nwrites++;
	/* Keep up to four chunks queued. */
	while (sent < total && EVBUFFER_LENGTH(EVBUFFER_OUTPUT(bev)) < 4 * chunk) {
		size_t n = total - sent < chunk ? total - sent : chunk;
		if (bufferevent_write(bev, data, n) == -1) {
			fprintf(stderr, "bufferevent_write failed\n");
			exit(1);
		}
		sent += n;
	}
}

static void
readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = EVBUFFER_INPUT(bev);
	size_t n = EVBUFFER_LENGTH(in);

	(void)arg;
	nreads++;
	received += n;
	evbuffer_drain(in, n);
	if (received >= total) {
		bufferevent_disable(reader, EV_READ);
		bufferevent_disable(writer, EV_WRITE);
		event_loopexit(NULL);
	}
}

static void
errorcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	fprintf(stderr, "error callback: 0x%x\n", what);
	exit(1);
}

static void
nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
tcp_pair(int fds[2])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		perror("listen");
		exit(1);
	}
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[0] < 0 ||
	    connect(fds[0], (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		exit(1);
	}
	fds[1] = accept(lfd, NULL, NULL);
	if (fds[1] < 0) {
		perror("accept");
		exit(1);
	}
	close(lfd);
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pair";
	int fds[2];
	double t0, t1;

	total = (size_t)(argc > 2 ? atol(argv[2]) : 1024) << 20;
	chunk = (size_t)(argc > 3 ? atol(argv[3]) : 64) << 10;
	data = malloc(chunk);
	memset(data, 'b', chunk);

	if (strcmp(mode, "tcp") == 0) {
		tcp_pair(fds);
	} else if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) {
		perror("socketpair");
		return 1;
	}
	nonblock(fds[0]);
	nonblock(fds[1]);

	event_init();
	writer = bufferevent_new(fds[0], NULL, writecb, errorcb, NULL);
	reader = bufferevent_new(fds[1], readcb, NULL, errorcb, NULL);
	/* Refill when the output drops to one chunk. */
	bufferevent_setwatermark(writer, EV_WRITE, chunk, 0);
	bufferevent_enable(reader, EV_READ);
	bufferevent_enable(writer, EV_WRITE);

	t0 = now();
	writecb(writer, NULL);
	event_dispatch();
	t1 = now();

	if (received != total) {
		fprintf(stderr, "received %zu of %zu bytes\n", received, total);
		return 1;
	}
	printf("%s %s: %zu MiB in %.3f s = %.1f MiB/s, %lu read callbacks "
	    "(%.0f B each), %lu write callbacks\n",
	    event_get_version(), mode, total >> 20, t1 - t0,
	    (double)(total >> 20) / (t1 - t0), nreads,
	    (double)total / (double)nreads, nwrites);
	bufferevent_free(writer);
	bufferevent_free(reader);
	free(data);
	return 0;
}
