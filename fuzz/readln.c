/*
 * readln.c -- fuzz line reading: evbuffer_readln() in each end-of-line
 * style, evbuffer_readline() and evbuffer_find(), on data that arrives in
 * pieces whose sizes the first bytes choose.  Every line taken must be a
 * prefix of what was in the buffer, without its line end, and the bytes
 * taken must add up.
 */
#include "config.h"

#include <sys/types.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

static void
take_lines(struct evbuffer *buf, unsigned style)
{
	char *line;
	size_t n, before;

	for (;;) {
		before = EVBUFFER_LENGTH(buf);
		if (style == 4) {
			line = evbuffer_readline(buf);
			n = line != NULL ? strlen(line) : 0;
		} else {
			line = evbuffer_readln(buf, &n,
			    (enum evbuffer_eol_style)style);
		}
		if (line == NULL)
			break;
		fuzz_check(strlen(line) <= n);
		fuzz_check(EVBUFFER_LENGTH(buf) + n < before + 1 ||
		    style == 4);
		fuzz_check(EVBUFFER_LENGTH(buf) < before);
		free(line);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *buf;
	unsigned style, piece;
	size_t off = 2, n;

	if (size < 2)
		return 0;
	fuzz_quiet();
	style = data[0] % 5;
	piece = (unsigned)data[1] + 1;
	buf = evbuffer_new();
	fuzz_check(buf != NULL);
	while (off < size) {
		n = size - off < piece ? size - off : piece;
		fuzz_check(evbuffer_add(buf, data + off, n) == 0);
		off += n;
		(void)evbuffer_find(buf, (const unsigned char *)"\r\n", 2);
		take_lines(buf, style);
	}
	/* What is left has no complete line end of the style. */
	if (style == 3)
		fuzz_check(evbuffer_find(buf, (const unsigned char *)"\n",
		    1) == NULL);
	evbuffer_free(buf);
	return 0;
}
