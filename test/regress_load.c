/*
 * regress_load.c -- load cases: many connections at once, and everything
 * given back afterwards.
 *
 * load/http_10k_keepalive: an evhttp server in this process serves 10,000
 * concurrent keep-alive connections that a forked client (plain blocking
 * sockets, no library) opens one after another and keeps open; when all
 * have been answered, the client closes them and the server must drop
 * every connection: its fds back to where they were.  Twice: after the
 * second round the heap (mallinfo2) is back to where the first left it.
 * The heap held per idle connection is printed as a note.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"

#ifndef _WIN32
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <malloc.h>

#define LOAD_CONNS	10000
#define LOAD_REQUEST	"GET /load HTTP/1.1\r\nHost: load\r\n\r\n"
#define LOAD_BODY	"ok"

/* Open fds, but not epoll's io_uring ring: it may make it during the
 * case, at its first large batch of changes, and keeps it. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], link[64];
	ssize_t len;
	int n = 0;

	tt_assert(d != NULL);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			if (strcmp(link, "anon_inode:[io_uring]") == 0)
				continue;
		}
		n++;
	}
	closedir(d);
	return n - 1;		/* the directory's own */
}

static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return (size_t)mallinfo().uordblks;
#endif
}

static void
load_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body = evbuffer_new();

	(*(int *)arg)++;
	tt_assert(body != NULL);
	evbuffer_add(body, LOAD_BODY, strlen(LOAD_BODY));
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

/* Read one whole answer (it ends with the body) from a blocking fd. */
static int
read_answer(int fd)
{
	char buf[512];
	size_t have = 0;
	ssize_t n;

	while (have < sizeof(buf) - 1) {
		n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n" LOAD_BODY) != NULL)
			return strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
	}
	return -1;
}

/*
 * The client: open every connection, ask once on each, keep them all
 * open; say 'S' when all are answered, close them all on 'C', exit.
 * Exit codes: 0 done, 2 connect, 3 send, 4 answer, 5 pipe.
 */
static void
client_main(unsigned short port, int tell, int hear)
{
	static int fds[LOAD_CONNS];
	struct sockaddr_in sin;
	struct timeval tmo = { 10, 0 };
	char c;
	int i;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	for (i = 0; i < LOAD_CONNS; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0)
			_exit(2);
		(void)setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tmo,
		    sizeof(tmo));
		if (send(fds[i], LOAD_REQUEST, strlen(LOAD_REQUEST), 0) !=
		    (ssize_t)strlen(LOAD_REQUEST))
			_exit(3);
		if (read_answer(fds[i]) == -1)
			_exit(4);
	}
	if (write(tell, "S", 1) != 1 || read(hear, &c, 1) != 1 || c != 'C')
		_exit(5);
	for (i = 0; i < LOAD_CONNS; i++) {
		/* A reset: no TIME_WAIT left on the loopback ports. */
		struct linger l = { 1, 0 };
		(void)setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fds[i]);
	}
	_exit(0);
}

/* Requests served, over all rounds. */
static int served;

struct load_state {
	int all_served;
	int tell_fd;
	int fds_idle;
	size_t heap_idle;
};

/* The client said 'S': every connection is open and answered. */
static void
client_said_cb(int fd, short what, void *arg)
{
	struct load_state *st = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1 && c == 'S') {
		st->all_served = 1;
		st->fds_idle = open_fds();
		st->heap_idle = heap_in_use();
	}
}

/*
 * One cycle: a forked client opens LOAD_CONNS connections and asks once
 * on each; when all are answered, it closes them and the server must
 * drop them all.  Checks that all were served and that the fds came back
 * to where they were; returns the heap in use after the cycle.
 */
static size_t
load_cycle(struct event_base *base, unsigned short port, int round)
{
	struct load_state st;
	struct event said;
	int up[2], down[2], fds0, i, status;
	size_t heap0, heap1;
	double t0, limit = 40 * regress_slowdown();
	pid_t pid;

	memset(&st, 0, sizeof(st));
	tt_int_op(pipe(up), ==, 0);
	tt_int_op(pipe(down), ==, 0);
	event_set(&said, up[0], EV_READ, client_said_cb, &st);
	tt_int_op(event_base_set(base, &said), ==, 0);
	tt_int_op(event_add(&said, NULL), ==, 0);
	fds0 = open_fds();
	heap0 = heap_in_use();

	t0 = regress_now();
	if ((pid = regress_fork()) == 0)
		client_main(port, up[1], down[0]);
	while (!st.all_served && regress_now() - t0 < limit &&
	    waitpid(pid, &status, WNOHANG) == 0)
		tt_int_op(event_base_loop(base, EVLOOP_ONCE), !=, -1);
	tt_assert(st.all_served);
	tt_int_op(served, ==, LOAD_CONNS * round);
	tt_int_op(st.fds_idle - fds0, ==, LOAD_CONNS);
	regress_note("round %d: %d keep-alive connections served in %.1f s; "
	    "idle heap per connection %zu bytes", round, LOAD_CONNS,
	    regress_now() - t0, (st.heap_idle - heap0) / LOAD_CONNS);

	/* The client closes everything; the server must follow. */
	tt_int_op(write(down[1], "C", 1), ==, 1);
	while (open_fds() > fds0 && regress_now() - t0 < limit)
		for (i = 0; i < 16; i++)
			tt_int_op(event_base_loop(base, EVLOOP_NONBLOCK),
			    !=, -1);
	tt_int_op(regress_wait(pid, 10), ==, 0);
	tt_int_op(open_fds(), ==, fds0);
	heap1 = heap_in_use();
	regress_note("round %d: heap before %zu, with idle connections %zu, "
	    "after closing %zu bytes", round, heap0, st.heap_idle, heap1);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return heap1;
}

/*
 * Two cycles: the first grows what the core and the backend keep for
 * later use at that load (the fd table, epoll's event array and queue of
 * changes, its io_uring ring), the second must give back everything it
 * took: the heap after it within malloc's bookkeeping of the first's.
 */
static void
test_http_10k_keepalive(struct regress_env *env)
{
	struct evhttp *http;
	unsigned short port;
	int fd;
	size_t heap1, heap2;

	if (regress_raise_nofile(LOAD_CONNS + 512) == -1)
		tt_skip("the hard RLIMIT_NOFILE is below 10,512 and cannot be "
		    "raised here");
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	tt_assert((http = evhttp_new(env->base)) != NULL);
	tt_int_op(evhttp_accept_socket(http, fd), ==, 0);
	evhttp_set_gencb(http, load_cb, &served);
	heap1 = load_cycle(env->base, port, 1);
	heap2 = load_cycle(env->base, port, 2);
	tt_assert(heap2 <= heap1 + 64 * 1024);
	evhttp_free(http);
}

#else	/* _WIN32 */
static void
test_http_10k_keepalive(struct regress_env *env)
{
	(void)env;
	tt_skip("needs fork() and /proc/self/fd, which Windows does not have");
}
#endif

struct regress_case regress_load_cases[] = {
	{ "load/http_10k_keepalive", test_http_10k_keepalive,
	    RT_BASE | RT_ONCE | RT_SLOW, NULL },
	RT_END
};
