/*
 * bench_http_load.c -- a loopback HTTP load generator that sends a fixed
 * number of keep-alive requests, so that a server run under callgrind or
 * strace -c can be divided by an exact request count (wrk runs for a
 * time, not a count).
 *
 *	bench_http_load [-p port] [-c conns] [-n requests] [-u path]
 *	    [-w seconds]
 *
 * Opens conns connections to 127.0.0.1:port and keeps one request in
 * flight on each (as wrk does) until n replies have arrived.  Each reply
 * must be a 200 with a Content-Length; anything else stops the run with
 * exit status 1.  Prints "N requests, E errors", then, with -w, keeps
 * the connections open that many seconds before it exits.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define IN_SIZE	(64 * 1024)

struct lconn {
	int	 fd;
	size_t	 have;		/* bytes of the current reply in buf */
	char	 buf[IN_SIZE];
};

static char request[256];
static size_t request_len;
static long sent, done, errors;

static int
lconn_open(struct lconn *c, unsigned short port)
{
	struct sockaddr_in sin;
	int one = 1, tries;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A full listen queue may refuse a connection: try again a while. */
	for (tries = 0;; tries++) {
		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
			perror("socket");
			return -1;
		}
		if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		if (errno != ECONNREFUSED || tries == 200) {
			perror("connect");
			return -1;
		}
		close(c->fd);
		usleep(10000);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->have = 0;
	return 0;
}

static int
lconn_send(struct lconn *c)
{
	if (write(c->fd, request, request_len) != (ssize_t)request_len) {
		perror("write");
		return -1;
	}
	sent++;
	return 0;
}

/* The length of the complete reply at the start of c->buf, 0 if it is not
 * complete yet, -1 if it is not a 200 with a length. */
static long
reply_length(struct lconn *c)
{
	char *end, *cl;
	long head, body;

	c->buf[c->have] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return 0;
	head = end + 4 - c->buf;
	if (strncmp(c->buf, "HTTP/1.1 200 ", 13) != 0 ||
	    (cl = strcasestr(c->buf, "\r\nContent-Length: ")) == NULL ||
	    cl > end)
		return -1;
	body = strtol(cl + 18, NULL, 10);
	return (size_t)(head + body) <= c->have ? head + body : 0;
}

/* Read what arrived on c; send the next request once a reply is whole. */
static int
lconn_input(struct lconn *c, long total)
{
	ssize_t n;
	long len;

	n = read(c->fd, c->buf + c->have, IN_SIZE - 1 - c->have);
	if (n <= 0) {
		fprintf(stderr, "read: %s\n", n == 0 ? "EOF" :
		    strerror(errno));
		return -1;
	}
	c->have += (size_t)n;
	while ((len = reply_length(c)) != 0) {
		if (len < 0) {
			fprintf(stderr, "bad reply: %.40s\n", c->buf);
			errors++;
			return -1;
		}
		memmove(c->buf, c->buf + len, c->have - (size_t)len);
		c->have -= (size_t)len;
		done++;
		if (sent < total && lconn_send(c) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned short port = 8080;
	const char *path = "/";
	struct epoll_event ev, evs[256];
	struct lconn *conns;
	long nconns = 100, total = 10000, i;
	int ep, ch, wait_secs = 0;

	while ((ch = getopt(argc, argv, "c:n:p:u:w:")) != -1) {
		switch (ch) {
		case 'w': wait_secs = atoi(optarg); break;
		case 'c': nconns = atol(optarg); break;
		case 'n': total = atol(optarg); break;
		case 'p': port = (unsigned short)atoi(optarg); break;
		case 'u': path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-p port] [-c conns] "
			    "[-n requests] [-u path] [-w seconds]\n", argv[0]);
			return 2;
		}
	}
	if (nconns < 1 || total < nconns) {
		fprintf(stderr, "need 1 <= conns <= requests\n");
		return 2;
	}
	request_len = (size_t)snprintf(request, sizeof(request),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n", path,
	    (unsigned)port);
	if ((conns = calloc((size_t)nconns, sizeof(*conns))) == NULL ||
	    (ep = epoll_create1(0)) == -1) {
		perror("setup");
		return 1;
	}
	for (i = 0; i < nconns; i++) {
		if (lconn_open(&conns[i], port) == -1)
			return 1;
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
		if (lconn_send(&conns[i]) == -1)
			return 1;
	}
	while (done < total) {
		int n = epoll_wait(ep, evs, 256, 10000), k;

		if (n <= 0) {
			fprintf(stderr, "no reply for 10 s\n");
			return 1;
		}
		for (k = 0; k < n; k++) {
			if (lconn_input(evs[k].data.ptr, total) == -1)
				return 1;
		}
	}
	printf("%ld requests, %ld errors\n", done, errors);
	fflush(stdout);
	if (wait_secs > 0)
		sleep((unsigned)wait_secs);
	return 0;
}
