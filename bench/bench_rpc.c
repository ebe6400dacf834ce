/*
 * bench/bench_rpc.c -- RPC round trips per second, server and client in one
 * process over loopback.  Builds against relevent (bench/bench_rpc) and,
 * from the same source, against libevent 2.1 (bench/bench_rpc_21), using
 * only the libevent 1.4 API that both provide.
 *
 *	bench_rpc [-n CALLS] [-c CONNS] [-d DEPTH] [-m MARSHALS]
 *
 * Modes, each printing one line "name: N ops in S s = R ops/s":
 *   one_conn   CALLS sequential calls over one keep-alive connection
 *              (each reply triggers the next call)
 *   pool       CALLS calls over a pool of CONNS connections, DEPTH calls
 *              outstanding at a time (default 4 and 16)
 *   marshal    MARSHALS marshal + unmarshal round trips of the request
 *              message, no I/O
 * -o MODE runs one mode only (for instruction counts under callgrind).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>
#include <evrpc.h>

#include "regress.gen.h"

EVRPC_HEADER(Bench, msg, kill)
EVRPC_GENERATE(Bench, msg, kill)

static struct event_base *base;
static long calls_wanted, calls_sent, calls_done;
static int errors;
static struct evrpc_pool *pool;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The server: echo the request's from_name as the weapon. */
static void
bench_cb(EVRPC_STRUCT(Bench) *rpc, void *arg)
{
	char *from = NULL;

	(void)arg;
	EVTAG_GET(rpc->request, from_name, &from);
	EVTAG_ASSIGN(rpc->reply, weapon, from ? from : "?");
	EVTAG_ASSIGN(rpc->reply, action, "bench");
	EVTAG_ASSIGN(rpc->reply, how_often, (ev_uint32_t)calls_done);
	EVRPC_REQUEST_DONE(rpc);
}

/* One client call slot: its own request and reply objects. */
struct slot {
	struct msg *req;
	struct kill *reply;
};

static void send_one(struct slot *s);

static void
done_cb(struct evrpc_status *status, struct msg *req, struct kill *reply,
    void *arg)
{
	(void)req;
	(void)reply;
	if (status->error != EVRPC_STATUS_ERR_NONE)
		errors++;
	calls_done++;
	if (calls_sent < calls_wanted)
		send_one(arg);
	else if (calls_done == calls_wanted)
		event_base_loopexit(base, NULL);
}

static void
send_one(struct slot *s)
{
	calls_sent++;
	kill_clear(s->reply);
	EVRPC_MAKE_REQUEST(Bench, pool, s->req, s->reply, done_cb, s);
}

static struct msg *
make_msg(void)
{
	static const ev_uint8_t fixed[24] = "0123456789abcdefghijklmn";
	struct msg *m = msg_new();
	struct run *r;
	int i;

	EVTAG_ASSIGN(m, from_name, "bench-client");
	EVTAG_ASSIGN(m, to_name, "bench-server");
	for (i = 0; i < 3; i++) {
		r = EVTAG_ADD(m, run);
		EVTAG_ASSIGN(r, how, "running");
		EVTAG_ASSIGN(r, some_bytes, fixed, 8);
		EVTAG_ASSIGN(r, fixed_bytes, fixed);
	}
	return m;
}

static int
listen_loopback(unsigned short *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	evutil_make_socket_nonblocking(fd);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* CALLS calls over CONNS connections with DEPTH outstanding. */
static void
run_calls(const char *name, unsigned short port, long calls, int conns,
    int depth)
{
	struct slot *slots = calloc((size_t)depth, sizeof(*slots));
	double t0, dt;
	int i;

	pool = evrpc_pool_new(base);
	for (i = 0; i < conns; i++) {
		struct evhttp_connection *evcon =
		    evhttp_connection_new("127.0.0.1", port);
		evrpc_pool_add_connection(pool, evcon);
	}
	calls_wanted = calls;
	calls_sent = calls_done = 0;
	errors = 0;
	for (i = 0; i < depth; i++) {
		slots[i].req = make_msg();
		slots[i].reply = kill_new();
	}
	t0 = now();
	for (i = 0; i < depth && calls_sent < calls_wanted; i++)
		send_one(&slots[i]);
	event_base_dispatch(base);
	dt = now() - t0;
	printf("%s: %ld calls in %.3f s = %.0f calls/s", name, calls_done, dt,
	    calls_done / dt);
	if (errors)
		printf(" (%d errors)", errors);
	printf("\n");
	for (i = 0; i < depth; i++) {
		msg_free(slots[i].req);
		kill_free(slots[i].reply);
	}
	free(slots);
	evrpc_pool_free(pool);
}

/* Marshal and unmarshal the request message n times. */
static void
bench_marshal(long n)
{
	struct msg *m = make_msg(), *m2 = msg_new();
	struct evbuffer *buf = evbuffer_new();
	double t0, dt;
	long i;
	int bad = 0;

	t0 = now();
	for (i = 0; i < n; i++) {
		msg_marshal(buf, m);
		msg_clear(m2);
		if (msg_unmarshal(m2, buf) == -1)
			bad++;
	}
	dt = now() - t0;
	printf("marshal: %ld round trips in %.3f s = %.0f round trips/s%s\n",
	    n, dt, n / dt, bad ? " (ERRORS)" : "");
	msg_free(m);
	msg_free(m2);
	evbuffer_free(buf);
}

int
main(int argc, char **argv)
{
	long calls = 20000, marshals = 200000;
	int conns = 4, depth = 16, opt;
	const char *only = NULL;
	struct evhttp *http;
	struct evrpc_base *rpc;
	unsigned short port;
	int fd;

	while ((opt = getopt(argc, argv, "n:c:d:m:o:")) != -1) {
		switch (opt) {
		case 'n': calls = atol(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 'm': marshals = atol(optarg); break;
		case 'o': only = optarg; break;
		default:
			fprintf(stderr, "usage: bench_rpc [-n calls] [-c conns] "
			    "[-d depth] [-m marshals] [-o mode]\n");
			return 1;
		}
	}
	if (calls < 1 || conns < 1 || depth < 1)
		return 1;

	base = event_init();
	evtag_init();
	if ((fd = listen_loopback(&port)) == -1) {
		perror("listen");
		return 1;
	}
	http = evhttp_new(base);
	evhttp_accept_socket(http, fd);
	rpc = evrpc_init(http);
	EVRPC_REGISTER(rpc, Bench, msg, kill, bench_cb, NULL);

	if (only == NULL || strcmp(only, "one_conn") == 0)
		run_calls("one_conn", port, calls, 1, 1);
	if (only == NULL || strcmp(only, "pool") == 0)
		run_calls("pool", port, calls, conns, depth);
	if (only == NULL || strcmp(only, "marshal") == 0)
		bench_marshal(marshals);

	evrpc_free(rpc);
	evhttp_free(http);
	return errors ? 1 : 0;
}
