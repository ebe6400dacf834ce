/*
 * http_client.c -- the client side of http_response.c and chunked.c
 * (http_common_client.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "fuzz.h"
#include "net.h"
#include "http_common_client.h"

static struct event_base *base;
static int listen_fd = -1;
static unsigned short port;

struct exchange {
	int done;
	int chunks;
};

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct exchange *x = arg;

	x->done++;
	if (req == NULL)
		return;
	(void)evhttp_find_header(req->input_headers, "Content-Type");
	(void)EVBUFFER_LENGTH(req->input_buffer);
}

static void
chunk_cb(struct evhttp_request *req, void *arg)
{
	struct exchange *x = arg;

	x->chunks++;
	evbuffer_drain(req->input_buffer, EVBUFFER_LENGTH(req->input_buffer));
}

static void
setup(void)
{
	if (base != NULL)
		return;
	fuzz_quiet();
	base = event_init();
	listen_fd = fuzz_bind_loopback(SOCK_STREAM, &port);
	fuzz_check(base != NULL && listen_fd >= 0);
}

/* Accept the client's connection and read its request head. */
static int
accept_request(struct exchange *x)
{
	char buf[4096];
	int fd = -1, i;

	for (i = 0; i < 50 && fd < 0; i++) {
		fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			fuzz_spin(base, 1, &x->done);
	}
	if (fd < 0)
		return -1;
	(void)evutil_make_socket_nonblocking(fd);
	for (i = 0; i < 50; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		/* A GET or HEAD without a body ends with its blank line. */
		if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0)
			break;
		if (n == 0)
			break;
		fuzz_spin(base, 1, &x->done);
	}
	return fd;
}

void
fuzz_http_exchange(unsigned mode, const void *head, size_t headlen,
    const void *body, size_t bodylen)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct exchange x;
	int fd;

	setup();
	memset(&x, 0, sizeof(x));
	evcon = evhttp_connection_new("127.0.0.1", port);
	fuzz_check(evcon != NULL);
	evhttp_connection_set_base(evcon, base);
	evhttp_connection_set_timeout(evcon, 1);
	req = evhttp_request_new(request_cb, &x);
	fuzz_check(req != NULL);
	if (mode & 0x01)
		evhttp_request_set_chunked_cb(req, chunk_cb);
	(void)evhttp_add_header(req->output_headers, "Host", "fuzz");
	if (evhttp_make_request(evcon, req, (mode & 0x02) ?
	    EVHTTP_REQ_HEAD : EVHTTP_REQ_GET, "/fuzz") == -1) {
		evhttp_request_free(req);
		evhttp_connection_free(evcon);
		return;
	}
	fd = accept_request(&x);
	if (fd >= 0) {
		if (fuzz_send_all(base, fd, head, headlen) == 0 &&
		    fuzz_send_all(base, fd, body, bodylen) == 0)
			fuzz_spin(base, 8, &x.done);
		/* The end of the response may be the close. */
		if (!x.done && !(mode & 0x04))
			shutdown(fd, SHUT_WR);
		fuzz_spin(base, 8, &x.done);
		fuzz_close_reset(fd);
		fuzz_spin(base, 8, &x.done);
	}
	/* A response cut short fails the request on the connection's
	 * close; a request still waiting is dropped with the connection. */
	evhttp_connection_free(evcon);
	fuzz_check(x.done <= 1);
}
