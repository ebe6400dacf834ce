/*
 * rpc-server.c -- sample RPC server: an in-memory key/value store.
 *
 *	rpc-server [PORT]
 *
 * Listens on 127.0.0.1:PORT (default: a free port) and prints
 * "listening on 127.0.0.1:PORT".  Serves the RPCs Put and Get declared in
 * rpc-example.rpc until SIGINT or SIGTERM.  Try it with rpc-client.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>
#include <evrpc.h>

#include "sample/rpc-example.h"

/* The store: a short linked list is plenty for a sample. */
struct entry {
	struct entry *next;
	char *key;
	ev_uint8_t *value;
	ev_uint32_t len;
};
static struct entry *store;
static int nkeys, ncalls;

static struct entry *
lookup(const char *key)
{
	struct entry *e;

	for (e = store; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return (e);
	return (NULL);
}

static void
fill_stats(struct kv_reply *reply)
{
	struct kv_stats *stats;

	/* GET on an unset struct field creates it. */
	EVTAG_GET(reply, stats, &stats);
	EVTAG_ASSIGN(stats, keys, nkeys);
	EVTAG_ASSIGN(stats, calls, ncalls);
}

static void
put_cb(EVRPC_STRUCT(Put) *rpc, void *arg)
{
	struct kv_put *req = rpc->request;
	struct kv_reply *reply = rpc->reply;
	struct entry *e;
	char *key;
	ev_uint8_t *value, *copy;
	ev_uint32_t len;

	(void)arg;
	ncalls++;
	EVTAG_GET(req, key, &key);
	EVTAG_GET(req, value, &value, &len);
	if ((copy = malloc(len ? len : 1)) == NULL) {
		/* An incomplete reply makes the server answer 503. */
		EVRPC_REQUEST_DONE(rpc);
		return;
	}
	memcpy(copy, value, len);
	if ((e = lookup(key)) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL ||
		    (e->key = strdup(key)) == NULL) {
			free(e);
			free(copy);
			EVRPC_REQUEST_DONE(rpc);
			return;
		}
		e->next = store;
		store = e;
		nkeys++;
	}
	free(e->value);
	e->value = copy;
	e->len = len;
	EVTAG_ASSIGN(reply, status, KV_OK);
	fill_stats(reply);
	EVRPC_REQUEST_DONE(rpc);
}

static void
get_cb(EVRPC_STRUCT(Get) *rpc, void *arg)
{
	struct kv_reply *reply = rpc->reply;
	struct entry *e;
	char *key;

	(void)arg;
	ncalls++;
	EVTAG_GET(rpc->request, key, &key);
	if ((e = lookup(key)) != NULL) {
		EVTAG_ASSIGN(reply, status, KV_OK);
		EVTAG_ASSIGN(reply, value, e->value, e->len);
	} else {
		EVTAG_ASSIGN(reply, status, KV_NOTFOUND);
	}
	fill_stats(reply);
	EVRPC_REQUEST_DONE(rpc);
}

static void
quit_cb(int sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct evrpc_base *rpc;
	struct event sigint, sigterm;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(argc > 1 ? atoi(argv[1]) : 0);

	/* The base first: on Windows it starts Winsock for our socket. */
	base = event_init();
	/* Bind ourselves so that port 0 works and we can print the port. */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		perror("rpc-server: socket");
		return (1);
	}
	evutil_make_socket_nonblocking(fd);

	if ((http = evhttp_new(base)) == NULL ||
	    evhttp_accept_socket(http, fd) == -1 ||
	    (rpc = evrpc_init(http)) == NULL) {
		fprintf(stderr, "rpc-server: cannot set up the server\n");
		return (1);
	}
	EVRPC_REGISTER(rpc, Put, kv_put, kv_reply, put_cb, NULL);
	EVRPC_REGISTER(rpc, Get, kv_get, kv_reply, get_cb, NULL);

	signal_set(&sigint, SIGINT, quit_cb, base);
	signal_add(&sigint, NULL);
	signal_set(&sigterm, SIGTERM, quit_cb, base);
	signal_add(&sigterm, NULL);

	printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);

	printf("served %d calls, %d keys\n", ncalls, nkeys);
	signal_del(&sigint);
	signal_del(&sigterm);
	evrpc_free(rpc);
	evhttp_free(http);
	while (store != NULL) {
		struct entry *e = store;
		store = e->next;
		free(e->key);
		free(e->value);
		free(e);
	}
	event_base_free(base);
	return (0);
}
