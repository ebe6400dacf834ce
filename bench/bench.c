/*
 * bench.c -- the classic pipes benchmark, written for relevent.
 *
 * N socketpairs, each with a persistent read event.  A of them get a byte
 * to start; every callback reads its byte and, while writes remain (W in
 * total), writes one to the next pair, so activity chains around the ring.
 * Each iteration has two timed phases:
 *
 *   setup  delete and re-add every event (with -S also event_set() each
 *          one, the classic form), then one non-blocking loop pass that
 *          hands the changes to the kernel;
 *   run    start the A chains and loop until all W writes were read.
 *
 * Usage: bench [-n N] [-a A] [-w W] [-i ITER] [-S] [-q]
 * Prints per-iteration lines (unless -q) and a summary line:
 *   "summary METHOD n=N a=A w=W set=0|1 setup_us=... run_us=...
 *    setup_min_us=... run_min_us=... run_user_us=... run_sys_us=...
 *    callbacks=..."
 * with the median and the minimum of the iterations, and the mean user
 * and system CPU time of a run phase (getrusage; coarse, but less
 * disturbed by other processes than wall time).  The same source builds against
 * Debian's libevent 2.1 (its event.h compatibility header).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

static int npairs = 1000, nactive = 100, nwrites = 10000;
static int *fds;		/* fds[2*i] read end, fds[2*i+1] write end */
static struct event *evs;
static long reads, writes_left, callbacks;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
read_cb(int fd, short what, void *arg)
{
	long i = (long)arg, next = i + 1;
	char c;

	(void)what;
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

static double
cpu_us(int sys)
{
	struct rusage ru;
	struct timeval *tv;

	getrusage(RUSAGE_SELF, &ru);
	tv = sys ? &ru.ru_stime : &ru.ru_utime;
	return tv->tv_sec * 1e6 + tv->tv_usec;
}

static double
setup_phase(int with_set)
{
	double t0 = now_us();
	long i;

	for (i = 0; i < npairs; i++) {
		event_del(&evs[i]);
		if (with_set)
			event_set(&evs[i], fds[2 * i], EV_READ | EV_PERSIST,
			    read_cb, (void *)i);
		event_add(&evs[i], NULL);
	}
	event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
	return now_us() - t0;
}

/* Kept out of line so that callgrind can count just this phase. */
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
		event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
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
	int iters = 10, with_set = 0, quiet = 0, c, i;
	double *st, *rt, run_user = 0, run_sys = 0;
	long cb_total = 0;
	struct rlimit rl;

	while ((c = getopt(argc, argv, "n:a:w:i:Sq")) != -1) {
		switch (c) {
		case 'n': npairs = atoi(optarg); break;
		case 'a': nactive = atoi(optarg); break;
		case 'w': nwrites = atoi(optarg); break;
		case 'i': iters = atoi(optarg); break;
		case 'S': with_set = 1; break;
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
	evs = calloc((size_t)npairs, sizeof(*evs));
	st = calloc((size_t)iters, sizeof(*st));
	rt = calloc((size_t)iters, sizeof(*rt));
	if (!fds || !evs || !st || !rt) {
		perror("calloc");
		return 1;
	}
	event_init();
	for (i = 0; i < npairs; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]) == -1) {
			perror("socketpair");
			return 1;
		}
		fcntl(fds[2 * i], F_SETFL, O_NONBLOCK);
		event_set(&evs[i], fds[2 * i], EV_READ | EV_PERSIST, read_cb,
		    (void *)(long)i);
		event_add(&evs[i], NULL);
	}
	event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);

	for (i = 0; i < iters; i++) {
		double u0, s0;
		callbacks = 0;
		st[i] = setup_phase(with_set);
		u0 = cpu_us(0);
		s0 = cpu_us(1);
		rt[i] = run_phase();
		run_user += cpu_us(0) - u0;
		run_sys += cpu_us(1) - s0;
		cb_total += callbacks;
		if (!quiet)
			printf("iter %d setup_us=%.1f run_us=%.1f callbacks=%ld\n",
			    i, st[i], rt[i], callbacks);
	}
	qsort(st, (size_t)iters, sizeof(*st), cmp_double);
	qsort(rt, (size_t)iters, sizeof(*rt), cmp_double);
	printf("summary %s n=%d a=%d w=%d set=%d setup_us=%.1f run_us=%.1f "
	    "setup_min_us=%.1f run_min_us=%.1f run_user_us=%.0f "
	    "run_sys_us=%.0f callbacks=%ld\n",
	    event_get_method(), npairs, nactive, nwrites, with_set,
	    st[iters / 2], rt[iters / 2], st[0], rt[0], run_user / iters,
	    run_sys / iters, cb_total / iters);
	return 0;
}
