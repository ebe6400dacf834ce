/*
 * http_request.c -- fuzz the HTTP server: the input is what a client
 * sends on a connection accepted by an evhttp server (an AF_UNIX
 * listener handed to evhttp_accept_socket()).  The server answers every
 * request it parses; byte 0 of the input chooses how (a reply, a chunked
 * reply, an error) and whether the client half-closes after sending.
 * The rest of the input is sent in pieces whose size byte 0 also picks.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "fuzz.h"
#include "net.h"

static struct event_base *base;
static struct evhttp *http;
static struct sockaddr_un listen_addr;
static socklen_t listen_len;
static unsigned mode;

static void
server_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body = evbuffer_new();
	const char *uri = evhttp_request_uri(req);
	struct evkeyval *h;

	(void)arg;
	fuzz_check(body != NULL && uri != NULL);
	TAILQ_FOREACH(h, req->input_headers, next)
		fuzz_check(h->key != NULL && h->value != NULL);
	(void)evhttp_find_header(req->input_headers, "Host");
	evbuffer_add_printf(body, "%s %zu\n", uri,
	    (size_t)EVBUFFER_LENGTH(req->input_buffer));
	switch (mode % 3) {
	case 0:
		evhttp_send_reply(req, 200, "OK", body);
		break;
	case 1:
		evhttp_send_reply_start(req, 200, "OK");
		evhttp_send_reply_chunk(req, body);
		evhttp_send_reply_end(req);
		break;
	default:
		evhttp_send_error(req, 404, "Not Found");
		break;
	}
	evbuffer_free(body);
}

static void
setup(void)
{
	int fd;

	if (base != NULL)
		return;
	fuzz_quiet();
	base = event_init();
	http = evhttp_new(base);
	fuzz_check(base != NULL && http != NULL);
	evhttp_set_gencb(http, server_cb, NULL);
	evhttp_set_timeout(http, 1);
	memset(&listen_addr, 0, sizeof(listen_addr));
	listen_addr.sun_family = AF_UNIX;
	/* An abstract address: nothing in the file system to clean up. */
	snprintf(listen_addr.sun_path + 1, sizeof(listen_addr.sun_path) - 1,
	    "relevent-fuzz-http-%ld", (long)getpid());
	listen_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(listen_addr.sun_path + 1));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	fuzz_check(fd >= 0);
	fuzz_check(bind(fd, (struct sockaddr *)&listen_addr, listen_len) == 0);
	fuzz_check(listen(fd, 64) == 0);
	fuzz_check(evutil_make_socket_nonblocking(fd) == 0);
	fuzz_check(evhttp_accept_socket(http, fd) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[65536];
	size_t off = 1, piece, n;
	int fd, i;
	ssize_t r;

	if (size < 1)
		return 0;
	setup();
	mode = data[0];
	piece = (mode & 0x40) ? 7 : 65536;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	fuzz_check(fd >= 0);
	fuzz_check(evutil_make_socket_nonblocking(fd) == 0);
	if (connect(fd, (struct sockaddr *)&listen_addr, listen_len) == -1) {
		close(fd);
		return 0;
	}
	while (off < size) {
		n = size - off < piece ? size - off : piece;
		if (fuzz_send_all(base, fd, data + off, n) == -1)
			break;
		off += n;
		fuzz_spin(base, 2, NULL);
	}
	if (mode & 0x80)
		shutdown(fd, SHUT_WR);
	/* Read the answers until the server closes or goes quiet. */
	for (i = 0; i < 50; i++) {
		fuzz_spin(base, 2, NULL);
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0)
			break;
		if (r < 0 && i > 8)
			break;
	}
	close(fd);
	/* The server sees the close and frees the connection. */
	fuzz_spin(base, 4, NULL);
	return 0;
}
