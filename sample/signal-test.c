/*
 * signal-test.c -- a SIGINT handler through the event loop.
 *
 * Usage: signal-test [count]
 * Waits for SIGINT (Ctrl-C).  Each one prints a line; after count of them
 * (default 1) the handler is removed and the program exits 0.
 */
#include <sys/types.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include <event.h>

static int remaining = 1;

static void
on_sigint(int sig, short what, void *arg)
{
	struct event *ev = arg;

	(void)what;
	printf("got SIGINT (signal %d)\n", sig);
	fflush(stdout);
	if (--remaining == 0) {
		printf("removing the handler\n");
		fflush(stdout);
		event_del(ev);
	}
}

int
main(int argc, char **argv)
{
	struct event ev;

	if (argc > 1)
		remaining = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
	if (event_init() == NULL)
		return 1;
	signal_set(&ev, SIGINT, on_sigint, &ev);
	if (signal_add(&ev, NULL) == -1) {
		perror("signal_add");
		return 1;
	}
	printf("ready: waiting for SIGINT (pid %ld)\n", (long)getpid());
	fflush(stdout);
	return event_dispatch() == -1 ? 1 : 0;
}
