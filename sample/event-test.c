/*
 * event-test.c -- read a FIFO with the event loop.
 *
 * Usage: event-test [path]
 * Creates the FIFO (default "event.fifo") if needed, opens it and prints
 * what writers send.  Exits 0 when the last writer closes it.
 * Try:  ./event-test /tmp/f &  echo hello > /tmp/f
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

static void
fifo_read(int fd, short what, void *arg)
{
	struct event *ev = arg;
	char buf[256];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		perror("read");
		event_del(ev);
		return;
	}
	if (n == 0) {
		printf("end of input\n");
		event_del(ev);	/* no events left: the loop returns */
		return;
	}
	buf[n] = '\0';
	printf("read %ld bytes: %s", (long)n, buf);
	if (buf[n - 1] != '\n')
		printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "event.fifo";
	struct event ev;
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			fprintf(stderr, "%s exists and is not a FIFO\n", path);
			return 1;
		}
	} else if (mkfifo(path, 0600) == -1) {
		perror("mkfifo");
		return 1;
	}
	/* O_NONBLOCK: open returns at once; reads see EOF only after a
	 * writer came and went, so wait for the first writer first. */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd == -1) {
		perror("open");
		return 1;
	}
	printf("reading %s\n", path);
	fflush(stdout);
	{
		/* Block until a writer opens the FIFO, so that the first
		 * read does not report EOF before anyone wrote. */
		int w = open(path, O_RDONLY);
		if (w != -1) {
			close(fd);
			fd = w;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		}
	}
	if (event_init() == NULL)
		return 1;
	event_set(&ev, fd, EV_READ | EV_PERSIST, fifo_read, &ev);
	if (event_add(&ev, NULL) == -1) {
		perror("event_add");
		return 1;
	}
	event_dispatch();
	close(fd);
	return 0;
}
