/*
 * time-test.c -- a repeating timer.
 *
 * Usage: time-test [count]
 * Prints a line every 100 ms.  With a count it stops after that many
 * ticks and exits 0; without one it runs until interrupted.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>

#include <event.h>

static int remaining = -1;
static struct timeval last;

static void
tick(int fd, short what, void *arg)
{
	struct event *ev = arg;
	struct timeval now, diff, interval = { 0, 100000 };

	(void)fd;
	(void)what;
	evutil_gettimeofday(&now, NULL);
	evutil_timersub(&now, &last, &diff);
	last = now;
	printf("tick at %ld.%06ld (%.3f s since the last)\n",
	    (long)now.tv_sec, (long)now.tv_usec,
	    diff.tv_sec + diff.tv_usec / 1e6);
	fflush(stdout);
	if (remaining > 0 && --remaining == 0)
		return;		/* not re-added: the loop runs out of events */
	event_add(ev, &interval);
}

int
main(int argc, char **argv)
{
	struct event ev;
	struct timeval interval = { 0, 100000 };

	if (argc > 1) {
		remaining = atoi(argv[1]);
		if (remaining <= 0) {
			fprintf(stderr, "usage: %s [count > 0]\n", argv[0]);
			return 2;
		}
	}
	if (event_init() == NULL)
		return 1;
	evtimer_set(&ev, tick, &ev);
	evutil_gettimeofday(&last, NULL);
	event_add(&ev, &interval);
	/* 1: ran out of events (the count was reached). */
	return event_dispatch() == -1 ? 1 : 0;
}
