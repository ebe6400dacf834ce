/*
 * regress_load.c -- load cases: many connections at once, and everything
 * given back afterwards.
 *
 * load/http_10k_keepalive: an evhttp server in this process serves 10,000
 * concurrent keep-alive connections that a forked client (plain blocking
 * sockets, no library) opens one after another and keeps open; when all
 * have been answered, the client closes them and the server must drop
 * every connection: its fds and its heap (mallinfo2) back to where they
 * were.  The heap held per idle connection is printed as a note.
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

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	tt_assert(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
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

struct load_state {
	int served;
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

/* Grow the core's fd table past the fds to come, so that the table's
 * growth (kept for later use) does not count as heap left behind. */
static void
reserve_fd_table(struct event_base *base, int upto)
{
	struct event ev;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), fd;

	tt_assert(s >= 0);
	fd = dup2(s, upto);
	close(s);
	tt_assert(fd == upto);
	event_set(&ev, fd, EV_READ, NULL, NULL);
	tt_int_op(event_base_set(base, &ev), ==, 0);
	tt_int_op(event_add(&ev, NULL), ==, 0);
	tt_int_op(event_del(&ev), ==, 0);
	/* The backend forgets it while it is open (no stale entry). */
	tt_int_op(event_base_loop(base, EVLOOP_NONBLOCK), !=, -1);
	close(fd);
}

static void
test_http_10k_keepalive(struct regress_env *env)
{
	struct load_state st;
	struct evhttp *http;
	struct event said;
	unsigned short port;
	int fd, up[2], down[2], fds0, i, status;
	size_t heap0, heap1;
	double t0, limit = 40 * regress_slowdown();
	pid_t pid;

	if (regress_raise_nofile(LOAD_CONNS + 512) == -1)
		tt_skip("the hard RLIMIT_NOFILE is below 10,512 and cannot be "
		    "raised here");
	memset(&st, 0, sizeof(st));
	tt_int_op(pipe(up), ==, 0);
	tt_int_op(pipe(down), ==, 0);
	fd = regress_listen_loopback(AF_INET, &port);
	tt_assert(fd >= 0);
	tt_assert((http = evhttp_new(env->base)) != NULL);
	tt_int_op(evhttp_accept_socket(http, fd), ==, 0);
	evhttp_set_gencb(http, load_cb, &st.served);
	reserve_fd_table(env->base, LOAD_CONNS + 256);
	event_set(&said, up[0], EV_READ, client_said_cb, &st);
	tt_int_op(event_add(&said, NULL), ==, 0);
	fds0 = open_fds();
	heap0 = heap_in_use();

	t0 = regress_now();
	if ((pid = regress_fork()) == 0)
		client_main(port, up[1], down[0]);
	while (!st.all_served && regress_now() - t0 < limit &&
	    waitpid(pid, &status, WNOHANG) == 0)
		tt_int_op(event_base_loop(env->base, EVLOOP_ONCE), !=, -1);
	tt_assert(st.all_served);
	tt_int_op(st.served, ==, LOAD_CONNS);
	tt_int_op(st.fds_idle - fds0, ==, LOAD_CONNS);
	regress_note("%d keep-alive connections served in %.1f s; idle heap "
	    "per connection %zu bytes", LOAD_CONNS, regress_now() - t0,
	    (st.heap_idle - heap0) / LOAD_CONNS);

	/* The client closes everything; the server must follow. */
	tt_int_op(write(down[1], "C", 1), ==, 1);
	while (open_fds() > fds0 && regress_now() - t0 < limit)
		for (i = 0; i < 16; i++)
			tt_int_op(event_base_loop(env->base, EVLOOP_NONBLOCK),
			    !=, -1);
	tt_int_op(regress_wait(pid, 10), ==, 0);
	tt_int_op(open_fds(), ==, fds0);
	heap1 = heap_in_use();
	regress_note("heap before %zu, with idle connections %zu, after "
	    "closing %zu bytes", heap0, st.heap_idle, heap1);
	/* Back to the baseline, give or take malloc's own bookkeeping. */
	tt_assert(heap1 <= heap0 + 64 * 1024);

	evhttp_free(http);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
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
