/*
 * bench_http.c -- a minimal HTTP server for load tests with wrk.
 *
 * GET / answers a 13-byte body, GET /16k a 16 KiB body, anything else 404.
 * The same source builds against relevent and against libevent 2.1 (its
 * 1.4 compatibility headers), so the two can be compared side by side.
 *
 *	bench_http [-m] [-p port] [-a address] [-t seconds]
 *
 * Prints "listening on PORT" once ready and runs until SIGINT, or for the
 * given number of seconds.  With -m (glibc), it prints the heap in use
 * once listening and again when the loop ends, before the server is
 * freed: with connections held open, their cost.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#include <event.h>
#include <evhttp.h>

static char big[16384];
static int show_heap;

/* With -m: the heap in use, as glibc counts it. */
static void
print_heap(const char *when)
{
#ifdef HAVE_MALLINFO2
	if (show_heap)
		printf("heap %s: %zu bytes\n", when, mallinfo2().uordblks);
#else
	if (show_heap)
		printf("heap %s: unknown (no mallinfo2)\n", when);
#endif
	fflush(stdout);
}

static void
reply(struct evhttp_request *req, const void *data, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, data, len);
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", buf);
	evbuffer_free(buf);
}

static void
root_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, "Hello, World!", 13);
}

static void
big_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, big, sizeof(big));
}

static void
sigint_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_loopexit(NULL);
}

int
main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	unsigned short port = 8080;
	struct evhttp *http;
	struct event sigev;
	int c, seconds = 0;

	while ((c = getopt(argc, argv, "a:mp:t:")) != -1) {
		switch (c) {
		case 'm': show_heap = 1; break;
		case 'a': address = optarg; break;
		case 'p': port = (unsigned short)atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-m] [-a address] [-p port] "
			    "[-t seconds]\n", argv[0]);
			return 2;
		}
	}
	memset(big, 'x', sizeof(big));
	signal(SIGPIPE, SIG_IGN);
	event_init();
	http = evhttp_new(NULL);
	if (http == NULL || evhttp_bind_socket(http, address, port) != 0) {
		fprintf(stderr, "cannot listen on %s:%u\n", address,
		    (unsigned)port);
		return 1;
	}
	evhttp_set_cb(http, "/", root_cb, NULL);
	evhttp_set_cb(http, "/16k", big_cb, NULL);
	signal_set(&sigev, SIGINT, sigint_cb, NULL);
	signal_add(&sigev, NULL);
	if (seconds > 0) {
		struct timeval tv;

		tv.tv_sec = seconds;
		tv.tv_usec = 0;
		event_loopexit(&tv);
	}
	print_heap("listening");
	printf("listening on %u\n", (unsigned)port);
	fflush(stdout);
	event_dispatch();
	print_heap("at the end");
	evhttp_free(http);
	return 0;
}
