/*
 * tag.c -- fuzz evtag decoding: the first byte picks the walk (peek and
 * consume every tag, or unmarshal int/string/fixed/timeval/raw in turn),
 * the rest is the tagged data.  A value decoded must re-encode to a
 * value that decodes the same.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

#define MAX_STEPS	256

/* Decode one tagged item the way the mode byte says; -1 when it fails. */
static int
decode_one(struct evbuffer *in, struct evbuffer *tmp, unsigned mode)
{
	ev_uint32_t tag = 0, len = 0, v = 0;
	struct timeval tv;
	char fixed[16], *s = NULL;

	switch (mode % 6) {
	case 0:
		if (evtag_peek(in, &tag) == -1 ||
		    evtag_peek_length(in, &len) == -1 ||
		    evtag_payload_length(in, &len) == -1)
			return -1;
		return evtag_consume(in);
	case 1:
		if (evtag_peek(in, &tag) == -1 ||
		    evtag_unmarshal_int(in, tag, &v) == -1)
			return -1;
		evbuffer_drain(tmp, EVBUFFER_LENGTH(tmp));
		evtag_marshal_int(tmp, tag, v);
		fuzz_check(evtag_unmarshal_int(tmp, tag, &len) == 0 &&
		    len == v);
		return 0;
	case 2:
		if (evtag_peek(in, &tag) == -1 ||
		    evtag_unmarshal_string(in, tag, &s) == -1)
			return -1;
		fuzz_check(s != NULL);
		free(s);
		return 0;
	case 3:
		if (evtag_peek(in, &tag) == -1)
			return -1;
		return evtag_unmarshal_fixed(in, tag, fixed,
		    (mode >> 3) % sizeof(fixed));
	case 4:
		if (evtag_peek(in, &tag) == -1)
			return -1;
		return evtag_unmarshal_timeval(in, tag, &tv);
	default:
		evbuffer_drain(tmp, EVBUFFER_LENGTH(tmp));
		return evtag_unmarshal(in, &tag, tmp) == -1 ? -1 : 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in, *tmp;
	unsigned mode;
	int i;

	if (size < 1)
		return 0;
	fuzz_quiet();
	evtag_init();
	mode = data[0];
	in = evbuffer_new();
	tmp = evbuffer_new();
	fuzz_check(in != NULL && tmp != NULL);
	fuzz_check(evbuffer_add(in, data + 1, size - 1) == 0);
	for (i = 0; i < MAX_STEPS && EVBUFFER_LENGTH(in) > 0; i++) {
		size_t before = EVBUFFER_LENGTH(in);

		if (decode_one(in, tmp, mode + (unsigned)i) == -1)
			break;
		/* Each successful step consumed something or nothing more
		 * is there. */
		fuzz_check(EVBUFFER_LENGTH(in) <= before);
	}
	evbuffer_free(in);
	evbuffer_free(tmp);
	return 0;
}
