/*
 * bench_timers.c -- one million timers: add, reschedule, delete, fire.
 *
 *   add         evtimer_add() of N timers with random timeouts (1-60 s)
 *   reschedule  evtimer_add() again on each with a new random timeout
 *   delete      evtimer_del() of every timer
 *   fire        add N timers due within 1 ms, wait 10 ms, then
 *               non-blocking loop passes run all N callbacks
 *
 * Usage: bench_timers [-n N] [-i ITER]
 * Prints one line per iteration and "summary ..." with the median times
 * in milliseconds.  Builds against relevent and Debian's libevent 2.1.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

static long fired;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
timer_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fired++;
}

static unsigned long rng_state = 2463534242UL;

static unsigned long
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state & 0xffffffffUL;
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
	int n = 1000000, iters = 5, c, i, it;
	struct event *evs;
	struct timeval *tv1, *tv2, *tv3;
	double (*t)[5];

	while ((c = getopt(argc, argv, "n:i:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'i': iters = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-n timers] [-i iterations]\n",
			    argv[0]);
			return 2;
		}
	}
	if (n < 1 || iters < 1)
		return 2;
	evs = calloc((size_t)n, sizeof(*evs));
	tv1 = calloc((size_t)n, sizeof(*tv1));
	tv2 = calloc((size_t)n, sizeof(*tv2));
	tv3 = calloc((size_t)n, sizeof(*tv3));
	t = calloc((size_t)iters, sizeof(*t));
	if (!evs || !tv1 || !tv2 || !tv3 || !t) {
		perror("calloc");
		return 1;
	}
	/* Timeouts are drawn up front so both libraries get the same ones
	 * and the random generator is not timed. */
	for (i = 0; i < n; i++) {
		tv1[i].tv_sec = 1 + (long)(rng() % 60);
		tv1[i].tv_usec = (long)(rng() % 1000000);
		tv2[i].tv_sec = 1 + (long)(rng() % 60);
		tv2[i].tv_usec = (long)(rng() % 1000000);
		tv3[i].tv_sec = 0;
		tv3[i].tv_usec = (long)(rng() % 1000);
	}
	event_init();
	for (i = 0; i < n; i++)
		evtimer_set(&evs[i], timer_cb, NULL);

	for (it = 0; it < iters; it++) {
		double t0, t1, t2, t3, t3b, t4, t5;
		/* 10 ms: more than the 1 ms spread plus a coarse clock's tick */
		struct timespec pause = { 0, 10000000 };

		t0 = now_ms();
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv1[i]);
		t1 = now_ms();
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv2[i]);
		t2 = now_ms();
		for (i = 0; i < n; i++)
			evtimer_del(&evs[i]);
		t3 = now_ms();
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv3[i]);
		t3b = now_ms();
		nanosleep(&pause, NULL);
		fired = 0;
		t4 = now_ms();
		/* All are due; a library whose clock is coarse may need a
		 * second pass. */
		while (fired < n)
			event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
		t5 = now_ms();
		if (fired != n) {
			fprintf(stderr, "only %ld of %d timers fired\n", fired, n);
			return 1;
		}
		t[it][0] = t1 - t0;
		t[it][1] = t2 - t1;
		t[it][2] = t3 - t2;
		t[it][3] = t5 - t4;
		/* total: every timed phase, the adds before firing included */
		t[it][4] = t[it][0] + t[it][1] + t[it][2] + (t3b - t3) +
		    t[it][3];
		printf("iter %d add_ms=%.1f resched_ms=%.1f del_ms=%.1f "
		    "fire_ms=%.1f total_ms=%.1f\n", it, t[it][0], t[it][1],
		    t[it][2], t[it][3], t[it][4]);
	}
	{
		double col[5][64];
		int k, m = iters < 64 ? iters : 64;
		for (k = 0; k < 5; k++) {
			for (it = 0; it < m; it++)
				col[k][it] = t[it][k];
			qsort(col[k], (size_t)m, sizeof(double), cmp_double);
		}
		printf("summary n=%d add_ms=%.1f resched_ms=%.1f del_ms=%.1f "
		    "fire_ms=%.1f total_ms=%.1f\n", n, col[0][m / 2],
		    col[1][m / 2], col[2][m / 2], col[3][m / 2], col[4][m / 2]);
	}
	return 0;
}
