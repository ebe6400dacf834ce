/*
 * http-mt-server.c -- one HTTP server per thread on one shared port.
 *
 *	http-mt-server [-a address] [-p port] [-n threads] [-d seconds]
 *
 * The recipe: every thread owns its own event_base and its own evhttp,
 * and its own listening socket bound to the same address and port with
 * SO_REUSEPORT, handed over with evhttp_accept_socket().  The kernel
 * spreads incoming connections over the sockets; a connection then lives
 * on one thread only, so no locking is needed anywhere.  Nothing is
 * shared between the threads but read-only data.
 *
 * GET / answers "hello from thread N".  With -d the servers stop after
 * that many seconds and each thread reports how many requests it served.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

#define MAX_THREADS 64

struct worker {
	pthread_t tid;
	int index;
	int fd;			/* this thread's listening socket */
	struct event_base *base;
	struct evhttp *http;
	unsigned long served;
	int seconds;
};

static void
hello_cb(struct evhttp_request *req, void *arg)
{
	struct worker *w = arg;
	struct evbuffer *b = evbuffer_new();

	w->served++;
	evbuffer_add_printf(b, "hello from thread %d\n", w->index);
	evhttp_add_header(req->output_headers, "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* A listening socket with SO_REUSEPORT on address:port, or -1. */
static int
reuseport_listener(const char *address, unsigned short port)
{
	struct addrinfo hints, *ai;
	char portstr[8];
	int fd, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if (getaddrinfo(address, portstr, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->seconds > 0) {
		struct timeval tv;

		tv.tv_sec = w->seconds;
		tv.tv_usec = 0;
		event_base_loopexit(w->base, &tv);
	}
	event_base_dispatch(w->base);
	return NULL;
}

int
main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	const char *address = "127.0.0.1";
	unsigned short port = 8080;
	int nthreads = 4, seconds = 0, c, i;

	while ((c = getopt(argc, argv, "a:p:n:d:")) != -1) {
		switch (c) {
		case 'a': address = optarg; break;
		case 'p': port = (unsigned short)atoi(optarg); break;
		case 'n': nthreads = atoi(optarg); break;
		case 'd': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-a address] [-p port] "
			    "[-n threads] [-d seconds]\n", argv[0]);
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "threads: 1 to %d\n", MAX_THREADS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	/* Set everything up before any thread runs. */
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->index = i;
		w->seconds = seconds;
		w->fd = reuseport_listener(address, port);
		if (w->fd == -1) {
			fprintf(stderr, "listen on %s:%u: %s\n", address,
			    (unsigned)port, strerror(errno));
			return 1;
		}
		w->base = event_base_new();
		w->http = w->base != NULL ? evhttp_new(w->base) : NULL;
		if (w->http == NULL ||
		    evhttp_accept_socket(w->http, w->fd) == -1) {
			fprintf(stderr, "cannot set up thread %d\n", i);
			return 1;
		}
		evhttp_set_cb(w->http, "/", hello_cb, w);
	}
	printf("%d threads listening on %s:%u\n", nthreads, address,
	    (unsigned)port);
	fflush(stdout);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&workers[i].tid, NULL, worker_main,
		    &workers[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(workers[i].tid, NULL);
		printf("thread %d served %lu requests\n", i, workers[i].served);
		evhttp_free(workers[i].http);
		event_base_free(workers[i].base);
	}
	return 0;
}
