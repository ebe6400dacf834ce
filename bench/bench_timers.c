/*
 * bench_timers.c -- one million timers: add, reschedule, delete, fire.
 *
 *   add         evtimer_add() of N timers with random timeouts (1-60 s)
 *   reschedule  evtimer_add() again on each with a new random timeout
 *   delete      evtimer_del() of every timer
 *   fire        add N timers due within 1 ms, wait 10 ms, then
 *               non-blocking loop passes run all N callbacks
 *
 * With -c the add, reschedule and delete phases run inside a callback
 * (an event_once() of timeout 0), where every library uses the loop's
 * cached time; without it they run outside the loop, where libevent 1.4
 * reads the precise clock for every add, libevent 2.1 the coarse one,
 * libev uses its stale loop time, and relevent notes the add with the
 * coarse clock and fixes the deadline at the loop's next pass (in the
 * fire phase here: see timer_defer() in event.c).
 *
 * Usage: bench_timers [-n N] [-i ITER] [-c]
 * Prints one line per iteration and "summary ..." with the median times
 * in milliseconds.  Builds against relevent, Debian's libevent 2.1 and
 * libev's libevent emulation.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

static long fired;
static int n = 1000000;
static struct event *evs;
static struct timeval *tv1, *tv2, *tv3;
static double cb_t0, cb_t1;

enum phase { PH_ADD, PH_RESCHED, PH_DEL, PH_ADD_SOON };

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

static void
run_phase(enum phase ph)
{
	int i;

	switch (ph) {
	case PH_ADD:
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv1[i]);
		break;
	case PH_RESCHED:
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv2[i]);
		break;
	case PH_DEL:
		for (i = 0; i < n; i++)
			evtimer_del(&evs[i]);
		break;
	case PH_ADD_SOON:
		for (i = 0; i < n; i++)
			evtimer_add(&evs[i], &tv3[i]);
		break;
	}
}

static void
phase_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cb_t0 = now_ms();
	run_phase(*(enum phase *)arg);
	cb_t1 = now_ms();
}

/* One phase, timed in ms, inside a callback when in_cb. */
static double
timed_phase(enum phase ph, int in_cb)
{
	struct timeval zero = { 0, 0 };
	double t0;

	if (in_cb) {
		cb_t0 = cb_t1 = 0;
		if (event_once(-1, EV_TIMEOUT, phase_cb, &ph, &zero) == -1) {
			perror("event_once");
			exit(1);
		}
		while (cb_t1 == 0)
			event_loop(EVLOOP_ONCE);
		return cb_t1 - cb_t0;
	}
	t0 = now_ms();
	run_phase(ph);
	return now_ms() - t0;
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
	int iters = 5, in_cb = 0, c, i, it;
	double (*t)[5];

	while ((c = getopt(argc, argv, "n:i:c")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'i': iters = atoi(optarg); break;
		case 'c': in_cb = 1; break;
		default:
			fprintf(stderr, "usage: %s [-n timers] [-i iterations] "
			    "[-c]\n", argv[0]);
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

		t0 = 0;
		t1 = t0 + timed_phase(PH_ADD, in_cb);
		t2 = t1 + timed_phase(PH_RESCHED, in_cb);
		t3 = t2 + timed_phase(PH_DEL, in_cb);
		t3b = t3 + timed_phase(PH_ADD_SOON, in_cb);
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
		printf("summary n=%d in_cb=%d add_ms=%.1f resched_ms=%.1f "
		    "del_ms=%.1f fire_ms=%.1f total_ms=%.1f\n", n, in_cb,
		    col[0][m / 2], col[1][m / 2], col[2][m / 2], col[3][m / 2],
		    col[4][m / 2]);
	}
	return 0;
}
