/*
 * bench_evbuffer.c -- evbuffer churn: the add / printf / readln / find /
 * remove / drain mix of a line-oriented protocol parser.
 *
 * Each round appends a request line and eight headers (printf), a body
 * (add), then parses it back: lines with evbuffer_readln(CRLF) until the
 * blank line, the body with evbuffer_find + evbuffer_remove, and a few
 * LF lines with evbuffer_readline; partial drains keep the buffer
 * misaligned, as a real connection does.  Prints the time per round and
 * a checksum (the same for every implementation).
 *
 * Usage: bench_evbuffer [rounds]   (run it under callgrind for counts)
 *
 * Uses only the 1.4 API, so it builds against relevent and libevent 2.1.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000, r;
	struct evbuffer *buf = evbuffer_new(), *body = evbuffer_new();
	unsigned char payload[700], out[700];
	unsigned long sum = 0;
	double t0, t1;
	int i;

	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (unsigned char)('a' + i % 26);

	t0 = now();
	for (r = 0; r < rounds; r++) {
		char *line;
		size_t n;
		unsigned char *p;

		/* Produce. */
		evbuffer_add_printf(buf, "GET /item/%ld HTTP/1.1\r\n", r);
		for (i = 0; i < 8; i++)
			evbuffer_add_printf(buf, "X-Header-%d: value-%ld\r\n",
			    i, r * 8 + i);
		evbuffer_add(buf, "\r\n", 2);
		evbuffer_add(body, payload, (size_t)(r % 600) + 100);
		evbuffer_add(body, "\n", 1);
		evbuffer_add_buffer(buf, body);
		evbuffer_add(buf, "tail one\ntail two\n", 18);

		/* Consume. */
		while ((line = evbuffer_readln(buf, &n, EVBUFFER_EOL_CRLF))
		    != NULL) {
			sum += n;
			free(line);
			if (n == 0)
				break;
		}
		p = evbuffer_find(buf, (const unsigned char *)"\n", 1);
		if (p == NULL)
			return 1;
		n = (size_t)(p - EVBUFFER_DATA(buf));
		sum += (unsigned long)evbuffer_remove(buf, out, n);
		evbuffer_drain(buf, 1);
		while ((line = evbuffer_readline(buf)) != NULL) {
			sum += strlen(line);
			free(line);
		}
		/* Leave a partial line behind now and then. */
		if (r % 3 == 0)
			evbuffer_add(buf, "partial", 7);
		else
			evbuffer_drain(buf, EVBUFFER_LENGTH(buf));
	}
	t1 = now();
	printf("%s evbuffer churn: %ld rounds in %.3f s = %.0f ns/round, "
	    "checksum %lu\n", event_get_version(), rounds, t1 - t0,
	    (t1 - t0) * 1e9 / (double)rounds, sum);
	evbuffer_free(buf);
	evbuffer_free(body);
	return 0;
}
