/*
 * bench/bench_dns.c -- resolver throughput: many concurrent A lookups
 * through the 1.4 evdns API against a local UDP DNS server.
 *
 * The same source builds against relevent and against Debian's libevent
 * 2.1 (its <evdns.h> still declares the 1.4 calls); see mk/dns.am and
 * bench/run-dns.sh.  The server is a forked child that answers every query
 * with one A record using plain sockets (batched with recvmmsg/sendmmsg on
 * Linux), so it costs the same for both libraries and the client is the
 * part being measured.  Client and server are pinned to CPUs 0 and 1
 * (BENCH_NO_PIN=1 to disable) and the server busy-polls (see spin).
 *
 *	bench_dns [lookups [concurrency]]
 *
 * Prints "... = N queries/s" on its last line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* recvmmsg, sendmmsg */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#ifdef __linux__
#include <sched.h>
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>
#include <evdns.h>

static int total = 200000;	/* lookups to run */
static int concurrency = 256;	/* kept outstanding */
static int started, finished, errors;

/* CPU seconds used by this process (the client only, not the server). */
static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answer = query + one A record for the question (127.0.0.1, TTL 60). */
static size_t
make_answer(unsigned char *out, const unsigned char *q, size_t qlen)
{
	static const unsigned char rr[16] = {
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1
	};

	if (qlen < 17 || qlen > 400)
		return 0;
	memcpy(out, q, qlen);
	out[2] = 0x81;
	out[3] = 0x80;
	out[6] = 0;
	out[7] = 1;
	memcpy(out + qlen, rr, sizeof(rr));
	return qlen + sizeof(rr);
}

/*
 * With two or more CPUs the server busy-polls (MSG_DONTWAIT) on its own
 * CPU, so the client never pays for waking it up and the client's work is
 * what limits the rate.  BENCH_DNS_SPIN=0 makes it sleep in recvmmsg.
 */
static int spin;

static void
server_loop(int fd)
{
#ifdef __linux__
	enum { B = 64 };
	static unsigned char in[B][512], out[B][512];
	struct mmsghdr im[B], om[B];
	struct iovec iiov[B], oiov[B];
	struct sockaddr_in from[B];
	int i, n, k;

	for (;;) {
		for (i = 0; i < B; i++) {
			iiov[i].iov_base = in[i];
			iiov[i].iov_len = sizeof(in[i]);
			memset(&im[i], 0, sizeof(im[i]));
			im[i].msg_hdr.msg_iov = &iiov[i];
			im[i].msg_hdr.msg_iovlen = 1;
			im[i].msg_hdr.msg_name = &from[i];
			im[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, im, B, spin ? MSG_DONTWAIT : MSG_WAITFORONE,
		    NULL);
		if (n <= 0)
			continue;
		for (i = 0, k = 0; i < n; i++) {
			size_t len = make_answer(out[k], in[i], im[i].msg_len);
			if (len == 0)
				continue;
			oiov[k].iov_base = out[k];
			oiov[k].iov_len = len;
			memset(&om[k], 0, sizeof(om[k]));
			om[k].msg_hdr.msg_iov = &oiov[k];
			om[k].msg_hdr.msg_iovlen = 1;
			om[k].msg_hdr.msg_name = &from[i];
			om[k].msg_hdr.msg_namelen = im[i].msg_hdr.msg_namelen;
			k++;
		}
		if (k > 0)
			(void)sendmmsg(fd, om, (unsigned int)k, 0);
	}
#else
	unsigned char in[512], out[512];
	struct sockaddr_in from;

	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, in, sizeof(in), 0,
		    (struct sockaddr *)&from, &fl);
		size_t len;

		if (n <= 0)
			continue;
		if ((len = make_answer(out, in, (size_t)n)) > 0)
			(void)sendto(fd, out, len, 0, (struct sockaddr *)&from,
			    fl);
	}
#endif
}

/* Keep client and server on their own CPUs (when there are two). */
static void
pin(int cpu)
{
#ifdef __linux__
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || getenv("BENCH_NO_PIN"))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
#else
	(void)cpu;
#endif
}

static void lookup_cb(int result, char type, int count, int ttl,
    void *addresses, void *arg);

static void
start_one(void)
{
	char name[64];

	snprintf(name, sizeof(name), "h%d.bench.test", started % 100000);
	started++;
	if (evdns_resolve_ipv4(name, DNS_QUERY_NO_SEARCH, lookup_cb, NULL)
	    != 0) {
		errors++;
		finished++;
	}
}

static void
lookup_cb(int result, char type, int count, int ttl, void *addresses,
    void *arg)
{
	(void)ttl;
	(void)arg;
	if (result != DNS_ERR_NONE || type != DNS_IPv4_A || count != 1 ||
	    memcmp(addresses, "\177\0\0\1", 4) != 0)
		errors++;
	finished++;
	if (started < total)
		start_one();
	else if (finished == total)
		event_loopexit(NULL);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char buf[64];
	int fd, i, bufsz = 1 << 20;
	pid_t pid;
	double t0, t1, c0, c1;

	if (argc > 1)
		total = atoi(argv[1]);
	if (argc > 2)
		concurrency = atoi(argv[2]);
	if (total <= 0 || concurrency <= 0) {
		fprintf(stderr, "usage: bench_dns [lookups [concurrency]]\n");
		return 2;
	}

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		perror("server socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		const char *e = getenv("BENCH_DNS_SPIN");

		spin = sysconf(_SC_NPROCESSORS_ONLN) >= 2 &&
		    !(e != NULL && strcmp(e, "0") == 0);
		pin(1);
		server_loop(fd);
		_exit(0);
	}
	close(fd);
	pin(0);

	event_init();
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", ntohs(sin.sin_port));
	if (evdns_nameserver_ip_add(buf) != 0) {
		fprintf(stderr, "evdns_nameserver_ip_add(%s) failed\n", buf);
		kill(pid, SIGKILL);
		return 1;
	}
	snprintf(buf, sizeof(buf), "%d", concurrency);
	evdns_set_option("max-inflight:", buf, DNS_OPTIONS_ALL);

	t0 = now();
	c0 = cpu();
	for (i = 0; i < concurrency && started < total; i++)
		start_one();
	if (finished < total)
		event_dispatch();
	t1 = now();
	c1 = cpu();

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("%s (libevent %s): %d lookups, %d concurrent, %d errors: "
	    "client cpu %.2f us/query, %.3f s = %.0f queries/s\n",
#ifdef EVENT__NUMERIC_VERSION
	    "libevent-2.x",
#else
	    "relevent",
#endif
	    event_get_version(), total, concurrency, errors,
	    (c1 - c0) * 1e6 / total, t1 - t0,
	    (double)total / (t1 - t0));
	evdns_shutdown(0);
	return errors ? 1 : 0;
}
