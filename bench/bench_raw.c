/*
 * bench_raw.c -- the pipes benchmark of bench.c written straight on epoll,
 * as a reference for what the kernel costs without any library.
 *
 * Same work as bench.c: N socketpairs, A chains, W writes.  Setup phase:
 * the program knows that none of its fds changed, so it re-registers
 * nothing and makes one non-blocking epoll_wait(); -S is accepted and
 * ignored (a hand-written loop never needs the re-check event_set()
 * implies).  Run phase: epoll_wait() and the same callback body.
 *
 * Usage and output as bench.c; the method is "raw-epoll".
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int npairs = 1000, nactive = 100, nwrites = 10000;
static int *fds, epfd;
static long reads, writes_left, callbacks;
static struct epoll_event *ready;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double
cpu_us(int sys)
{
	struct rusage ru;
	struct timeval *tv;

	getrusage(RUSAGE_SELF, &ru);
	tv = sys ? &ru.ru_stime : &ru.ru_utime;
	return tv->tv_sec * 1e6 + tv->tv_usec;
}

static void
read_cb(int fd, long i)
{
	long next = i + 1;
	char c;

	callbacks++;
	if (read(fd, &c, 1) == 1)
		reads++;
	if (writes_left > 0) {
		if (next >= npairs)
			next -= npairs;
		writes_left--;
		if (write(fds[2 * next + 1], "e", 1) != 1)
			perror("write");
	}
}

static void
poll_once(int ms)
{
	int n = epoll_wait(epfd, ready, npairs, ms), k;

	for (k = 0; k < n; k++) {
		long i = (long)ready[k].data.u64;
		read_cb(fds[2 * i], i);
	}
}

static double
setup_phase(void)
{
	double t0 = now_us();

	poll_once(0);
	return now_us() - t0;
}

__attribute__((noinline)) double
run_phase(void)
{
	double t0 = now_us();
	int space = npairs / nactive, i;
	long expect;

	reads = 0;
	writes_left = nwrites;
	for (i = 0; i < nactive; i++)
		if (write(fds[2 * ((i * space) % npairs) + 1], "e", 1) != 1)
			perror("write");
	expect = nactive + nwrites;
	while (reads < expect)
		poll_once(0);
	return now_us() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int iters = 10, quiet = 0, c, i;
	double *st, *rt, run_user = 0, run_sys = 0;
	long cb_total = 0;
	struct rlimit rl;

	while ((c = getopt(argc, argv, "n:a:w:i:Sq")) != -1) {
		switch (c) {
		case 'n': npairs = atoi(optarg); break;
		case 'a': nactive = atoi(optarg); break;
		case 'w': nwrites = atoi(optarg); break;
		case 'i': iters = atoi(optarg); break;
		case 'S': break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: %s [-n pairs] [-a active] "
			    "[-w writes] [-i iterations] [-S] [-q]\n", argv[0]);
			return 2;
		}
	}
	if (npairs < 1 || nactive < 1 || nactive > npairs || iters < 1) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)npairs * 2 + 64) {
		rl.rlim_cur = (rlim_t)npairs * 2 + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			perror("setrlimit (run as root or lower -n)");
			return 1;
		}
	}
	fds = calloc((size_t)npairs * 2, sizeof(*fds));
	ready = calloc((size_t)npairs, sizeof(*ready));
	st = calloc((size_t)iters, sizeof(*st));
	rt = calloc((size_t)iters, sizeof(*rt));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!fds || !ready || !st || !rt || epfd == -1) {
		perror("setup");
		return 1;
	}
	for (i = 0; i < npairs; i++) {
		struct epoll_event e;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]) == -1) {
			perror("socketpair");
			return 1;
		}
		fcntl(fds[2 * i], F_SETFL, O_NONBLOCK);
		e.events = EPOLLIN;
		e.data.u64 = (unsigned long)i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fds[2 * i], &e) == -1) {
			perror("epoll_ctl");
			return 1;
		}
	}
	for (i = 0; i < iters; i++) {
		double u0, s0;
		callbacks = 0;
		st[i] = setup_phase();
		u0 = cpu_us(0);
		s0 = cpu_us(1);
		rt[i] = run_phase();
		run_user += cpu_us(0) - u0;
		run_sys += cpu_us(1) - s0;
		cb_total += callbacks;
		if (!quiet)
			printf("iter %d setup_us=%.1f run_us=%.1f "
			    "callbacks=%ld\n", i, st[i], rt[i], callbacks);
	}
	qsort(st, (size_t)iters, sizeof(*st), cmp_double);
	qsort(rt, (size_t)iters, sizeof(*rt), cmp_double);
	printf("summary raw-epoll n=%d a=%d w=%d set=0 setup_us=%.1f "
	    "run_us=%.1f setup_min_us=%.1f run_min_us=%.1f run_user_us=%.0f "
	    "run_sys_us=%.0f callbacks=%ld\n", npairs, nactive, nwrites,
	    st[iters / 2], rt[iters / 2], st[0], rt[0], run_user / iters,
	    run_sys / iters, cb_total / iters);
	return 0;
}
