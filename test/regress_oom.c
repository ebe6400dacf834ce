/*
 * regress_oom.c -- allocation-failure sweeps (test/regress-oom, linked
 * with test/libevent_fault.la; see mm-internal.h and test/mm_fault.c).
 *
 * A workload is a small program over the public API that returns
 * OOM_DONE when everything it asked for happened with the right data,
 * or OOM_REPORTED when a call returned an error or an error callback
 * ran (it then cleans up and gives up).  The sweep runs it once to count
 * the library's allocations, N, and then N times more, each in a child of
 * its own with the nth allocation failing (and, in the persistent sweep,
 * every one after it too).  Every run must end in OOM_DONE or
 * OOM_REPORTED within the time limit, with no crash, no memory left
 * allocated by the library (mm-internal.h counts the blocks) and no lost
 * callback: a request whose call succeeded must see its callback, which a
 * workload checks by its own deadline timer (OOM_LOST).
 *
 * The sweep is exhaustive for each workload (every allocation, both
 * modes); all of them take a few seconds in make check.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "evhttp.h"
#include "evrpc.h"
#include "mm-internal.h"

extern struct event_base *current_base;	/* 1.4 exports it */
#include "regress.h"
#include "regress_util.h"

#define OOM_DONE	0	/* completed, data checked */
#define OOM_REPORTED	1	/* an error came back through the API */
#define OOM_LEAK	2	/* (driver) library blocks left allocated */
#define OOM_LOST	3	/* a callback never came */
#define OOM_WRONG	4	/* completed with wrong data or order */
#define OOM_HANG	5	/* (driver) killed by the child's alarm */

#define OOM_CHILD_LIMIT	5	/* seconds a child may run */
/* A workload's wait for its callbacks. */
#define OOM_DEADLINE_MS	2000

typedef int (*oom_workload)(void);

/* ------------------------------------------------------------------ */
/* Helpers for workloads */

/* Warnings the library logged: the only report some void calls of the
 * 1.4 API can make. */
static int oom_warnings;

static void
quiet_log(int severity, const char *msg)
{
	(void)msg;
	if (severity >= _EVENT_LOG_WARN)
		oom_warnings++;
}

static void
deadline_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/*
 * Run base until *flag is set.  OOM_DONE then; OOM_REPORTED if the
 * deadline cannot be armed or the loop fails; OOM_LOST if the deadline
 * passes first.
 */
static int
oom_wait(struct event_base *base, const volatile int *flag)
{
	struct event deadline;
	struct timeval tv = { OOM_DEADLINE_MS / 1000,
		(OOM_DEADLINE_MS % 1000) * 1000 };
	int expired = 0, ret = OOM_DONE;

	evtimer_set(&deadline, deadline_cb, &expired);
	if (event_base_set(base, &deadline) == -1 ||
	    evtimer_add(&deadline, &tv) == -1)
		return OOM_REPORTED;
	while (!*flag && !expired) {
		if (event_base_loop(base, EVLOOP_ONCE) == -1) {
			ret = OOM_REPORTED;
			break;
		}
	}
	if (!*flag && expired)
		ret = OOM_LOST;
	evtimer_del(&deadline);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Workload: loop, priorities, timers, a signal, event_once, loopexit */

struct core_state {
	struct event t[3], sig;
	int order[8], n;
	int got_sig, once_ran;
};

static void
core_timer_cb(int fd, short what, void *arg)
{
	struct core_state *s = arg;

	(void)fd;
	(void)what;
	if (s->n < 8)
		s->order[s->n++] = 1;
	if (s->n == 1)
		(void)raise(SIGUSR1);
}

static void
core_sig_cb(int fd, short what, void *arg)
{
	struct core_state *s = arg;

	(void)fd;
	(void)what;
	s->got_sig++;
	if (s->n < 8)
		s->order[s->n++] = 2;
}

static void
core_once_cb(int fd, short what, void *arg)
{
	struct core_state *s = arg;

	(void)fd;
	(void)what;
	s->once_ran++;
}

static int
wl_core(void)
{
	struct event_base *base;
	struct core_state s;
	struct timeval t10 = { 0, 10000 }, t20 = { 0, 20000 };
	struct timeval t30 = { 0, 30000 }, t60 = { 0, 60000 };
	int ret = OOM_REPORTED, i;

	memset(&s, 0, sizeof(s));
	if ((base = event_base_new()) == NULL)
		return OOM_REPORTED;
	if (event_base_priority_init(base, 2) == -1)
		goto out;
	for (i = 0; i < 3; i++) {
		evtimer_set(&s.t[i], core_timer_cb, &s);
		if (event_base_set(base, &s.t[i]) == -1)
			goto out;
	}
	signal_set(&s.sig, SIGUSR1, core_sig_cb, &s);
	if (event_base_set(base, &s.sig) == -1 ||
	    signal_add(&s.sig, NULL) == -1 ||
	    evtimer_add(&s.t[0], &t10) == -1 ||
	    evtimer_add(&s.t[1], &t20) == -1 ||
	    evtimer_add(&s.t[2], &t30) == -1 ||
	    event_base_once(base, -1, EV_TIMEOUT, core_once_cb, &s,
	    &t10) == -1 ||
	    event_base_loopexit(base, &t60) == -1)
		goto out;
	/* The signal event stays pending: loopexit ends the loop. */
	if (event_base_dispatch(base) == -1)
		goto out;
	ret = OOM_DONE;
	if (s.n != 4 || s.got_sig != 1 || s.once_ran != 1 ||
	    s.order[0] != 1 || s.order[1] != 2 || s.order[2] != 1 ||
	    s.order[3] != 1)
		ret = OOM_WRONG;
out:
	event_base_free(base);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Workload: bufferevent transfer over a socketpair */

#define BEV_BYTES	(96 * 1024)

struct bev_state {
	struct bufferevent *a, *b;
	size_t got;
	int bad, error, done;
	unsigned char sum;
};

static void
bev_read_cb(struct bufferevent *bev, void *arg)
{
	struct bev_state *s = arg;
	unsigned char chunk[4096];
	size_t n, i;

	while ((n = bufferevent_read(bev, chunk, sizeof(chunk))) > 0) {
		for (i = 0; i < n; i++)
			if (chunk[i] != (unsigned char)((s->got + i) % 251))
				s->bad = 1;
		s->got += n;
	}
	if (s->got >= BEV_BYTES)
		s->done = 1;
}

static void
bev_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
}

static void
bev_error_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bev_state *s = arg;

	(void)bev;
	(void)what;
	s->error = 1;
	s->done = 1;
}

static int
wl_bufferevent(void)
{
	struct event_base *base;
	struct bev_state s;
	unsigned char *data;
	int fds[2], ret = OOM_REPORTED;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return OOM_WRONG;
	(void)evutil_make_socket_nonblocking(fds[0]);
	(void)evutil_make_socket_nonblocking(fds[1]);
	if ((data = malloc(BEV_BYTES)) == NULL)
		return OOM_WRONG;
	for (i = 0; i < BEV_BYTES; i++)
		data[i] = (unsigned char)(i % 251);
	if ((base = event_base_new()) == NULL)
		goto close;
	s.a = bufferevent_new(fds[0], bev_read_cb, bev_write_cb,
	    bev_error_cb, &s);
	s.b = bufferevent_new(fds[1], bev_read_cb, bev_write_cb,
	    bev_error_cb, &s);
	if (s.a == NULL || s.b == NULL ||
	    bufferevent_base_set(base, s.a) == -1 ||
	    bufferevent_base_set(base, s.b) == -1 ||
	    bufferevent_enable(s.b, EV_READ) == -1 ||
	    bufferevent_write(s.a, data, BEV_BYTES) == -1)
		goto out;
	ret = oom_wait(base, &s.done);
	if (ret == OOM_DONE && s.error)
		ret = OOM_REPORTED;
	else if (ret == OOM_DONE && (s.bad || s.got != BEV_BYTES))
		ret = OOM_WRONG;
out:
	if (s.a != NULL)
		bufferevent_free(s.a);
	if (s.b != NULL)
		bufferevent_free(s.b);
	event_base_free(base);
close:
	free(data);
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Workload: one HTTP POST and its reply through a loopback connection */

#define HTTP_BODY	"ping pong body, long enough to need a buffer"

struct http_state {
	struct evhttp *srv;
	int server_calls, done, code;
	char body[128];
};

static void
http_server_cb(struct evhttp_request *req, void *arg)
{
	struct http_state *s = arg;
	struct evbuffer *reply = evbuffer_new();

	s->server_calls++;
	if (reply == NULL ||
	    evbuffer_add(reply, EVBUFFER_DATA(req->input_buffer),
	    EVBUFFER_LENGTH(req->input_buffer)) == -1 ||
	    evbuffer_add(reply, "!", 1) == -1) {
		evhttp_send_error(req, 500, "no memory");
	} else {
		evhttp_add_header(req->output_headers, "X-Oom", "yes");
		evhttp_send_reply(req, 200, "OK", reply);
	}
	if (reply != NULL)
		evbuffer_free(reply);
}

static void
http_client_cb(struct evhttp_request *req, void *arg)
{
	struct http_state *s = arg;
	size_t n;

	s->done++;
	if (req == NULL)
		return;
	s->code = req->response_code;
	n = EVBUFFER_LENGTH(req->input_buffer);
	if (n >= sizeof(s->body))
		n = sizeof(s->body) - 1;
	memcpy(s->body, EVBUFFER_DATA(req->input_buffer), n);
	s->body[n] = '\0';
}

static int
wl_http(void)
{
	struct event_base *base;
	struct evhttp_connection *evcon = NULL;
	struct evhttp_request *req;
	struct http_state s;
	unsigned short port;
	int fd, ret = OOM_REPORTED;

	memset(&s, 0, sizeof(s));
	if ((base = event_init()) == NULL)
		return OOM_REPORTED;
	if ((fd = regress_listen_loopback(AF_INET, &port)) < 0)
		return OOM_WRONG;
	if ((s.srv = evhttp_new(base)) == NULL) {
		close(fd);
		goto out;
	}
	if (evhttp_accept_socket(s.srv, fd) == -1) {
		close(fd);
		goto out;
	}
	evhttp_set_gencb(s.srv, http_server_cb, &s);
	if ((evcon = evhttp_connection_new("127.0.0.1", port)) == NULL)
		goto out;
	evhttp_connection_set_base(evcon, base);
	evhttp_connection_set_timeout(evcon, 1);
	if ((req = evhttp_request_new(http_client_cb, &s)) == NULL)
		goto out;
	if (evhttp_add_header(req->output_headers, "Host", "oom") == -1 ||
	    evbuffer_add(req->output_buffer, HTTP_BODY,
	    strlen(HTTP_BODY)) == -1 ||
	    evhttp_make_request(evcon, req, EVHTTP_REQ_POST, "/x") == -1) {
		evhttp_request_free(req);
		goto out;
	}
	ret = oom_wait(base, &s.done);
	if (ret == OOM_DONE && s.code != 200)
		ret = OOM_REPORTED;
	else if (ret == OOM_DONE && (s.done != 1 || s.server_calls != 1 ||
	    strcmp(s.body, HTTP_BODY "!") != 0))
		ret = OOM_WRONG;
out:
	if (evcon != NULL)
		evhttp_connection_free(evcon);
	if (s.srv != NULL)
		evhttp_free(s.srv);
	event_base_free(base);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Workload: a DNS lookup answered by our own DNS server port */

struct dns_state {
	int done, result, count, server_calls;
	ev_uint32_t addr;
};

static void
dns_server_cb(struct evdns_server_request *req, void *arg)
{
	struct dns_state *s = arg;
	ev_uint32_t a = htonl(0x01020304);

	s->server_calls++;
	if (req->nquestions != 1 ||
	    evdns_server_request_add_a_reply(req,
	    req->questions[0]->name, 1, &a, 60) == -1 ||
	    evdns_server_request_respond(req, 0) == -1)
		(void)evdns_server_request_drop(req);
}

static void
dns_client_cb(int result, char type, int count, int ttl, void *addrs,
    void *arg)
{
	struct dns_state *s = arg;

	(void)ttl;
	s->done++;
	s->result = result;
	s->count = count;
	if (result == DNS_ERR_NONE && type == DNS_IPv4_A && count > 0)
		memcpy(&s->addr, addrs, sizeof(s->addr));
}

static int
wl_dns(void)
{
	struct event_base *base;
	struct evdns_server_port *sp = NULL;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct dns_state s;
	char ns[64], tmo[32];
	int fd, ret = OOM_REPORTED;

	memset(&s, 0, sizeof(s));
	if ((base = event_init()) == NULL)
		return OOM_REPORTED;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1)
		return OOM_WRONG;
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(sin.sin_port));
	/* A dropped query costs one short timeout (the server's failures). */
	snprintf(tmo, sizeof(tmo), "%.2f", 0.1 * regress_slowdown());
	if ((sp = evdns_add_server_port(fd, 0, dns_server_cb, &s)) == NULL ||
	    evdns_nameserver_ip_add(ns) != 0 ||
	    evdns_set_option("timeout:", tmo, DNS_OPTIONS_ALL) != 0 ||
	    evdns_set_option("attempts:", "1", DNS_OPTIONS_ALL) != 0 ||
	    evdns_resolve_ipv4("host.example", DNS_QUERY_NO_SEARCH,
	    dns_client_cb, &s) != 0)
		goto out;
	ret = oom_wait(base, &s.done);
	if (ret == OOM_DONE && s.result != DNS_ERR_NONE)
		ret = OOM_REPORTED;
	else if (ret == OOM_DONE && (s.done != 1 || s.count != 1 ||
	    s.addr != htonl(0x01020304)))
		ret = OOM_WRONG;
out:
	evdns_shutdown(0);
	if (sp != NULL)
		evdns_close_server_port(sp);
	close(fd);
	event_base_free(base);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Workload: one RPC call over HTTP (the generated test/regress.rpc) */

#include "regress.gen.h"

EVRPC_HEADER(Message, msg, kill)
EVRPC_GENERATE(Message, msg, kill)

struct rpc_state {
	int server_calls, done, error;
	char weapon[32];
};

static void
rpc_server_cb(EVRPC_STRUCT(Message) *rpc, void *arg)
{
	struct rpc_state *s = arg;

	s->server_calls++;
	EVTAG_ASSIGN(rpc->reply, weapon, "dagger");
	EVTAG_ASSIGN(rpc->reply, action, "slash");
	EVRPC_REQUEST_DONE(rpc);
}

static void
rpc_client_cb(struct evrpc_status *status, struct msg *req,
    struct kill *reply, void *arg)
{
	struct rpc_state *s = arg;
	char *w;

	(void)req;
	s->done++;
	s->error = status->error;
	if (status->error == EVRPC_STATUS_ERR_NONE &&
	    EVTAG_GET(reply, weapon, &w) == 0)
		snprintf(s->weapon, sizeof(s->weapon), "%s", w);
}

static int
wl_rpc(void)
{
	struct event_base *base;
	struct evhttp *http = NULL;
	struct evrpc_base *rpcb = NULL;
	struct evrpc_pool *pool = NULL;
	struct evhttp_connection *evcon;
	struct msg *req = NULL;
	struct kill *reply = NULL;
	struct rpc_state s;
	unsigned short port;
	int fd, i, ret = OOM_REPORTED;

	memset(&s, 0, sizeof(s));
	if ((base = event_init()) == NULL)
		return OOM_REPORTED;
	if ((fd = regress_listen_loopback(AF_INET, &port)) < 0)
		return OOM_WRONG;
	if ((http = evhttp_new(base)) == NULL) {
		close(fd);
		goto out;
	}
	if (evhttp_accept_socket(http, fd) == -1) {
		close(fd);
		goto out;
	}
	if ((rpcb = evrpc_init(http)) == NULL)
		goto out;
	/* A statement: a failed registration shows as a failed call. */
	EVRPC_REGISTER(rpcb, Message, msg, kill, rpc_server_cb, &s);
	if ((pool = evrpc_pool_new(base)) == NULL)
		goto out;
	if ((evcon = evhttp_connection_new("127.0.0.1", port)) == NULL)
		goto out;
	evhttp_connection_set_base(evcon, base);
	evhttp_connection_set_timeout(evcon, 1);
	/* void in 1.4: without memory it drops evcon and says so in the
	 * log, and a call would wait for a connection forever. */
	i = oom_warnings;
	evrpc_pool_add_connection(pool, evcon);
	if (oom_warnings != i)
		goto out;
	if ((req = msg_new()) == NULL || (reply = kill_new()) == NULL)
		goto out;
	EVTAG_ASSIGN(req, from_name, "oom");
	EVTAG_ASSIGN(req, to_name, "server");
	if (EVRPC_MAKE_REQUEST(Message, pool, req, reply, rpc_client_cb,
	    &s) == -1)
		goto out;
	ret = oom_wait(base, &s.done);
	if (ret == OOM_DONE && s.error != EVRPC_STATUS_ERR_NONE)
		ret = OOM_REPORTED;
	else if (ret == OOM_DONE && (s.done != 1 || s.server_calls != 1 ||
	    strcmp(s.weapon, "dagger") != 0))
		ret = OOM_WRONG;
out:
	if (pool != NULL)
		evrpc_pool_free(pool);
	if (rpcb != NULL)
		evrpc_free(rpcb);
	if (http != NULL)
		evhttp_free(http);
	if (req != NULL)
		msg_free(req);
	if (reply != NULL)
		kill_free(reply);
	event_base_free(base);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The sweep */

static const char *const oom_what[] = {
	"done", "error reported", "library blocks leaked", "lost callback",
	"wrong data", "hang"
};

/* Name the allocations (numbers since arming) still live. */
static void
oom_print_leaks(long nblocks)
{
	long seq[8];
	int n, i;

	n = mm_fault_live_list_(seq, 8);
	fprintf(stderr, "%ld library blocks left; made by allocation", nblocks);
	for (i = 0; i < n && i < 8; i++)
		fprintf(stderr, " %ld", seq[i]);
	fprintf(stderr, " (MM_FAULT_TRACE=N shows where)\n");
}

/* LeakSanitizer's call, present in ASan builds only. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* Did the workload leave library memory allocated?  (Says why.) */
static int
oom_leaked(long before)
{
	if (!mm_fault_exact_())
		return __lsan_do_recoverable_leak_check != NULL &&
		    __lsan_do_recoverable_leak_check() != 0;
	if (mm_fault_blocks_() == before)
		return 0;
	oom_print_leaks(mm_fault_blocks_() - before);
	return 1;
}

/* Run w in a child with allocation nth failing (0: none); its verdict.
 * *count gets the number of allocations the run asked for. */
static int
oom_run_child(oom_workload w, long nth, int persist, long *count)
{
	int p[2], status;
	pid_t pid;
	long n = -1;

	tt_int_op(pipe(p), ==, 0);
	pid = regress_fork();
	if (pid == 0) {
		long before;
		int ret;

		close(p[0]);
		alarm((unsigned)(OOM_CHILD_LIMIT * regress_slowdown()));
		event_set_log_callback(quiet_log);
		before = mm_fault_blocks_();
		mm_fault_arm_(nth, persist);
		ret = w();
		n = mm_fault_count_();
		if (ret <= OOM_REPORTED && oom_leaked(before))
			ret = OOM_LEAK;
		(void)write(p[1], &n, sizeof(n));
		_exit(ret);
	}
	close(p[1]);
	if (read(p[0], &n, sizeof(n)) != (ssize_t)sizeof(n))
		n = -1;
	close(p[0]);
	tt_int_op(waitpid(pid, &status, 0), ==, pid);
	*count = n;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGALRM ? OOM_HANG :
		    100 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static const char *
oom_verdict(int v)
{
	static char buf[32];

	if (v >= 0 && v <= OOM_HANG)
		return oom_what[v];
	snprintf(buf, sizeof(buf), "signal %d", v - 100);
	return buf;
}

/*
 * Sweep one workload; the number of allocations it makes unfailed.  With
 * bound > 0, a run that takes longer (it waited for a timeout instead of
 * failing at once) fails the case too.
 */
static long
oom_sweep_bounded(const char *name, oom_workload w, double bound)
{
	long total, n, count, slow_n = 0;
	int v, persist, slow_p = 0, done = 0, reported = 0;
	double t, slowest = 0;

	v = oom_run_child(w, 0, 0, &total);
	if (v != OOM_DONE)
		regress_fail(__FILE__, __LINE__, "%s without faults: %s",
		    name, oom_verdict(v));
	tt_int_op(total, >, 0);
	for (persist = 0; persist <= 1; persist++) {
		for (n = 1; n <= total; n++) {
			t = regress_now();
			v = oom_run_child(w, n, persist, &count);
			if ((t = regress_now() - t) > slowest) {
				slowest = t;
				slow_n = n;
				slow_p = persist;
			}
			if (v == OOM_DONE)
				done++;
			else if (v == OOM_REPORTED)
				reported++;
			else
				regress_fail(__FILE__, __LINE__,
				    "%s: allocation %ld of %ld failing%s: %s",
				    name, n, total,
				    persist ? " (and all after it)" : "",
				    oom_verdict(v));
		}
	}
	if (bound > 0 && slowest > bound * regress_slowdown())
		regress_fail(__FILE__, __LINE__, "%s: allocation %ld%s failing "
		    "took %.2f s: the failure waited for a timeout", name,
		    slow_n, slow_p ? " (and all after it)" : "", slowest);
	regress_note("%s: %ld allocations, %ld runs: %d recovered, "
	    "%d reported an error; slowest run %.2f s (allocation %ld%s)",
	    name, total, 2 * total, done, reported, slowest, slow_n,
	    slow_p ? " on" : "");
	return total;
}

static long
oom_sweep(const char *name, oom_workload w)
{
	return oom_sweep_bounded(name, w, 0);
}

static void
test_sweep_core(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep("loop+timers+signal", wl_core);
}

static void
test_sweep_bufferevent(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep("bufferevent transfer", wl_bufferevent);
}

/* ------------------------------------------------------------------ */
/* Findings of issue 12 that need the switch */

static void
loopexit_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(*(int *)arg)++;
}

/*
 * event_loopexit() must work with no memory left at all (issue 12,
 * finding 6): the base keeps its timer.  Another timer is pending, so the
 * reserved heap slot is what makes it work.
 */
static void
test_loopexit_no_memory(struct regress_env *env)
{
	struct event_base *base;
	struct event t;
	struct timeval ex = { 0, 20000 }, later = { 5, 0 };
	int n = 0;
	double t0;

	(void)env;
	tt_assert((base = event_init()) != NULL);
	evtimer_set(&t, loopexit_cb, &n);
	tt_int_op(evtimer_add(&t, &later), ==, 0);
	mm_fault_arm_(1, 1);
	t0 = regress_now();
	tt_int_op(event_loopexit(&ex), ==, 0);
	tt_int_op(event_dispatch(), ==, 0);
	tt_assert(regress_now() - t0 < 1.0 * regress_slowdown());
	tt_int_op(n, ==, 0);
	/* Once more, after it fired: the reserved event is reused. */
	tt_int_op(event_base_loopexit(base, NULL), ==, 0);
	tt_int_op(event_base_dispatch(base), ==, 0);
	tt_int_op(mm_fault_failed_(), ==, 0);
	/* A second pending exit needs a record: refused, cleanly. */
	tt_int_op(event_loopexit(&later), ==, 0);
	tt_int_op(event_loopexit(&ex), ==, -1);
	tt_int_op(errno, ==, ENOMEM);
	mm_fault_arm_(0, 0);
	event_base_free(base);
}

/* event_base_new() under memory exhaustion returns NULL with ENOMEM
 * (issue 12, finding 5: it used to exit the process). */
static void
test_base_new_no_memory(struct regress_env *env)
{
	long n, total;

	(void)env;
	mm_fault_arm_(0, 0);
	event_base_free(event_base_new());
	total = mm_fault_count_();
	tt_int_op(total, >, 0);
	for (n = 1; n <= total; n++) {
		mm_fault_arm_(n, 1);
		errno = 0;
		tt_ptr_op(event_init(), ==, NULL);
		tt_int_op(errno, ==, ENOMEM);
		tt_ptr_op(current_base, ==, NULL);
	}
	mm_fault_arm_(0, 0);
	tt_int_op(mm_fault_blocks_(), ==, 0);
}

static void
test_sweep_http(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep("HTTP request and reply", wl_http);
}

/* An HTTP exchange that runs out of memory fails at once, not after the
 * connection's timeout. */
static void
test_http_fails_promptly(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep_bounded("HTTP request and reply", wl_http, 0.5);
}

static void
test_sweep_dns(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep("DNS lookup", wl_dns);
}

static void
test_sweep_rpc(struct regress_env *env)
{
	(void)env;
	(void)oom_sweep("RPC call", wl_rpc);
}

struct regress_case regress_oom_cases[] = {
	{ "oom/loopexit_no_memory", test_loopexit_no_memory, 0, NULL },
	{ "oom/base_new_no_memory", test_base_new_no_memory, 0, NULL },
	{ "oom/sweep_core", test_sweep_core, RT_SLOW, NULL },
	{ "oom/sweep_bufferevent", test_sweep_bufferevent, RT_SLOW, NULL },
	{ "oom/sweep_http", test_sweep_http, RT_SLOW, NULL },
	{ "oom/http_fails_promptly", test_http_fails_promptly, RT_SLOW,
	    NULL },
	{ "oom/sweep_dns", test_sweep_dns, RT_SLOW, NULL },
	{ "oom/sweep_rpc", test_sweep_rpc, RT_SLOW, NULL },
	RT_END
};

const struct regress_table regress_tables[] = {
	{ regress_oom_cases, 0, NULL },
	{ NULL, 0, NULL }
};
