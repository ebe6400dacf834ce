/*
 * bench_http_raw.c -- the HTTP server of bench_http.c written straight on
 * epoll, as the floor for what the kernel costs without any library.
 *
 * Same work and same bytes on the wire as bench_http.c: HTTP/1.1 and 1.0,
 * keep-alive unless the request (or HTTP/1.0) says otherwise, GET / answers
 * "Hello, World!" (13 bytes), GET /16k a 16 KiB body, anything else 404;
 * each reply carries Content-Type, Date, Content-Length and, when it
 * departs from the version's default, Connection.  The request line and
 * every header line are scanned (the path, the version, Connection and
 * Content-Length, whose body is skipped); pipelined requests are answered
 * in order.  Accepted sockets get TCP_NODELAY, the listener a backlog of
 * 128, as the library does.
 *
 * What a hand-written loop may do and the library cannot: level-triggered
 * epoll with one read per readiness into one shared buffer (only a partial
 * request is copied into the connection), the replies of one read written
 * by a single writev() pointing at the static bodies, no allocation per
 * request, no timeouts.
 *
 *	bench_http_raw [-p port] [-a address] [-t seconds]
 *
 * Prints "listening on PORT" once ready; runs until SIGINT or SIGTERM, or
 * for the given number of seconds.
 */
#define _GNU_SOURCE	/* accept4 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define IN_SIZE		65536	/* shared read buffer */
#define MAX_HEAD	8192	/* a longer request head is refused */
#define MAX_REPLIES	64	/* replies per writev (two iovecs each) */
#define HEAD_SIZE	160	/* room for one reply's status and headers */

struct conn {
	char	*part;		/* an incomplete request kept between reads */
	size_t	 part_len;
	size_t	 skip;		/* request body bytes still to discard */
	char	*out;		/* reply bytes the socket did not take yet */
	size_t	 out_len, out_off;
	int	 closing;	/* close once out is written */
};

struct reply_batch {
	struct iovec	iov[2 * MAX_REPLIES];
	char		head[MAX_REPLIES][HEAD_SIZE];
	unsigned	n;	/* replies queued */
	int		close;	/* the last one ends the connection */
};

static volatile sig_atomic_t stop;
static int epfd;
static struct conn **conns;	/* indexed by fd */
static int nconns;
static char in_buf[IN_SIZE];
static char big[16384];
static char date_hdr[64];
static time_t date_sec;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The Date header's value, formatted once a second. */
static const char *
date_now(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now != date_sec) {
		date_sec = now;
		gmtime_r(&now, &tm);
		strftime(date_hdr, sizeof(date_hdr),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	return date_hdr;
}

static void
conn_close(int fd)
{
	struct conn *c = conns[fd];

	close(fd);
	free(c->part);
	free(c->out);
	free(c);
	conns[fd] = NULL;
}

/* Does the header line [p, end) name key (case-insensitive)?  Sets *val. */
static int
header_is(const char *p, const char *end, const char *key, const char **val)
{
	size_t n = strlen(key);

	if ((size_t)(end - p) <= n || p[n] != ':' || strncasecmp(p, key, n))
		return 0;
	for (p += n + 1; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	*val = p;
	return 1;
}

/*
 * Parse one request head [p, end) (end at the blank line's CRLF CRLF).
 * Sets the body to answer, whether to keep the connection and the length
 * of a request body to skip; returns -1 for a malformed request.
 */
static int
parse_head(const char *p, const char *end, const char **body, size_t *blen,
    int *keep, int *minor, size_t *clen)
{
	const char *eol = memchr(p, '\n', (size_t)(end - p + 2));
	const char *path, *sp, *q, *v;

	path = memchr(p, ' ', (size_t)(eol - p));
	if (path == NULL || eol - path < 10)
		return -1;
	path++;
	sp = memchr(path, ' ', (size_t)(eol - path));
	if (sp == NULL || eol - sp < 9 || memcmp(sp + 1, "HTTP/1.", 7))
		return -1;
	*minor = sp[8] - '0';
	*keep = *minor >= 1;
	*clen = 0;
	/* The callbacks match the path without its query. */
	if ((q = memchr(path, '?', (size_t)(sp - path))) == NULL)
		q = sp;
	if (q - path == 1 && path[0] == '/')
		*body = "Hello, World!", *blen = 13;
	else if (q - path == 4 && memcmp(path, "/16k", 4) == 0)
		*body = big, *blen = sizeof(big);
	else
		*body = NULL, *blen = 0;
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end + 2 - p));
		if (header_is(p, eol, "Connection", &v))
			*keep = strncasecmp(v, "close", 5) != 0 &&
			    (*minor >= 1 || strncasecmp(v, "keep-alive", 10) == 0);
		else if (header_is(p, eol, "Content-Length", &v))
			*clen = strtoul(v, NULL, 10);
	}
	return 0;
}

static void
batch_add(struct reply_batch *b, const char *body, size_t blen, int keep,
    int minor)
{
	char *h = b->head[b->n];
	const char *conn = "";
	int code = body != NULL ? 200 : 404;
	int n;

	if (!keep && minor >= 1)
		conn = "Connection: close\r\n";
	else if (keep && minor == 0)
		conn = "Connection: keep-alive\r\n";
	if (body == NULL)
		body = "<h1>Not Found</h1>", blen = 18;
	n = snprintf(h, HEAD_SIZE, "HTTP/1.%d %d %s\r\n"
	    "Content-Type: text/plain\r\nDate: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n", minor, code,
	    code == 200 ? "OK" : "Not Found", date_now(), blen, conn);
	b->iov[2 * b->n].iov_base = h;
	b->iov[2 * b->n].iov_len = (size_t)n;
	b->iov[2 * b->n + 1].iov_base = (void *)body;
	b->iov[2 * b->n + 1].iov_len = blen;
	b->n++;
	b->close = !keep;
}

/* Keep the rest bytes writev did not take, after the first done. */
static int
keep_rest(struct conn *c, const struct iovec *iov, int niov, size_t done,
    size_t rest)
{
	size_t total;
	int k;

	if (rest > (size_t)MAX_REPLIES * (HEAD_SIZE + sizeof(big)) ||
	    (c->out = malloc(rest)) == NULL)
		return -1;
	c->out_len = rest;
	c->out_off = 0;
	for (k = 0, total = 0; k < niov; k++) {
		size_t len = iov[k].iov_len;
		const char *base = iov[k].iov_base;

		if (done >= len) {
			done -= len;
			continue;
		}
		memcpy(c->out + total, base + done, len - done);
		total += len - done;
		done = 0;
	}
	return 0;
}

static void
watch(int fd, unsigned events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.fd = fd;
	epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* Write the batch; returns -1 when the connection is to be closed. */
static int
batch_flush(int fd, struct conn *c, struct reply_batch *b)
{
	ssize_t n;
	size_t total = 0;
	int k, niov = (int)(2 * b->n);

	if (b->n == 0)
		return 0;
	for (k = 0; k < niov; k++)
		total += b->iov[k].iov_len;
	b->n = 0;
	n = writev(fd, b->iov, niov);
	if (n < 0 && errno != EAGAIN)
		return -1;
	if (n < 0)
		n = 0;
	if ((size_t)n >= total)
		return b->close ? -1 : 0;
	if (keep_rest(c, b->iov, niov, (size_t)n, total - (size_t)n) == -1)
		return -1;
	c->closing = b->close;
	watch(fd, EPOLLOUT);
	return 0;
}

/* Find the end of a request head in [p, p + len); NULL if incomplete. */
static const char *
head_end(const char *p, size_t len)
{
	const char *q = p, *end = p + len;

	while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL) {
		if (end - q < 4)
			return NULL;
		if (q[1] == '\n' && q[2] == '\r' && q[3] == '\n')
			return q;
		q++;
	}
	return NULL;
}

/*
 * Answer the complete requests in [p, p + len); returns the bytes used,
 * or -1 to close the connection.
 */
static ssize_t
serve(int fd, struct conn *c, const char *p, size_t len)
{
	struct reply_batch b;
	const char *start = p, *end, *body;
	size_t blen, clen;
	int keep, minor;

	b.n = 0;
	b.close = 0;
	while (len > 0 && c->out == NULL && !b.close) {
		if (c->skip > 0) {
			size_t k = c->skip < len ? c->skip : len;

			c->skip -= k, p += k, len -= k;
			continue;
		}
		if ((end = head_end(p, len)) == NULL)
			break;
		if (parse_head(p, end, &body, &blen, &keep, &minor,
		    &clen) == -1)
			return -1;
		batch_add(&b, body, blen, keep, minor);
		c->skip = clen;
		len -= (size_t)(end + 4 - p);
		p = end + 4;
		if (b.n == MAX_REPLIES && batch_flush(fd, c, &b) == -1)
			return -1;
	}
	if (batch_flush(fd, c, &b) == -1)
		return -1;
	return p - start;
}

/* Keep the unused tail of what was read for the next read. */
static int
keep_part(struct conn *c, const char *p, size_t len)
{
	char *part;

	if (len == 0) {
		c->part_len = 0;
		return 0;
	}
	if (len > MAX_HEAD)
		return -1;
	if ((part = malloc(len)) == NULL)
		return -1;
	memcpy(part, p, len);
	free(c->part);
	c->part = part;
	c->part_len = len;
	return 0;
}

static void
on_read(int fd, struct conn *c)
{
	size_t have = c->part_len;
	ssize_t n, used;

	if (have > 0)
		memcpy(in_buf, c->part, have);
	n = read(fd, in_buf + have, sizeof(in_buf) - have);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			conn_close(fd);
		return;
	}
	have += (size_t)n;
	used = serve(fd, c, in_buf, have);
	if (used < 0 || keep_part(c, in_buf + used, have - (size_t)used) < 0)
		conn_close(fd);
}

static void
on_write(int fd, struct conn *c)
{
	ssize_t n = write(fd, c->out + c->out_off, c->out_len - c->out_off);

	if (n < 0) {
		if (errno != EAGAIN)
			conn_close(fd);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	if (c->closing) {
		conn_close(fd);
		return;
	}
	watch(fd, EPOLLIN);
	/* Requests that arrived while the reply was stuck. */
	if (c->part_len > 0) {
		ssize_t used;

		memcpy(in_buf, c->part, c->part_len);
		used = serve(fd, c, in_buf, c->part_len);
		if (used < 0 || keep_part(c, in_buf + used,
		    c->part_len - (size_t)used) < 0)
			conn_close(fd);
	}
}

static void
on_accept(int lfd)
{
	struct epoll_event ev;
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (fd >= nconns || (conns[fd] = calloc(1,
		    sizeof(struct conn))) == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			conn_close(fd);
	}
}

static int
listen_on(const char *address, unsigned short port)
{
	struct sockaddr_in sin;
	struct epoll_event ev;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, address, &sin.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1) {
		close(fd);
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
run(int lfd)
{
	struct epoll_event ready[1024];
	int n, k;

	while (!stop) {
		n = epoll_wait(epfd, ready, 1024, -1);
		for (k = 0; k < n; k++) {
			int fd = ready[k].data.fd;
			struct conn *c = conns[fd];

			if (fd == lfd)
				on_accept(lfd);
			else if (c != NULL && c->out != NULL)
				on_write(fd, c);
			else if (c != NULL)
				on_read(fd, c);
		}
	}
}

int
main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	unsigned short port = 8080;
	int c, lfd, seconds = 0;

	while ((c = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (c) {
		case 'a': address = optarg; break;
		case 'p': port = (unsigned short)atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-a address] [-p port] "
			    "[-t seconds]\n", argv[0]);
			return 2;
		}
	}
	memset(big, 'x', sizeof(big));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	nconns = (int)sysconf(_SC_OPEN_MAX);
	if (nconns <= 0 || nconns > 1 << 20)
		nconns = 1 << 20;
	conns = calloc((size_t)nconns, sizeof(*conns));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (conns == NULL || epfd == -1 ||
	    (lfd = listen_on(address, port)) == -1) {
		fprintf(stderr, "cannot listen on %s:%u\n", address,
		    (unsigned)port);
		return 1;
	}
	if (seconds > 0)
		alarm((unsigned)seconds);
	printf("listening on %u\n", (unsigned)port);
	fflush(stdout);
	run(lfd);
	return 0;
}
