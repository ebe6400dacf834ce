/*
 * rpcmsg.c -- fuzz evrpc message decoding: the code event_rpcgen.py
 * generates for test/regress.rpc (every field kind) over the evtag
 * decoder.  The first byte picks the message type.  A message that
 * decodes and is complete must marshal into bytes that decode again.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <string.h>

#include "event.h"
#include "regress.gen.h"
#include "fuzz.h"

/* The same steps for each generated type. */
#define FUZZ_MESSAGE(type, in, out) do {				\
	struct type *m = type##_new(), *again = type##_new();		\
	fuzz_check(m != NULL && again != NULL);				\
	if (type##_unmarshal(m, in) == 0 && type##_complete(m) == 0) {	\
		type##_marshal(out, m);					\
		fuzz_check(type##_unmarshal(again, out) == 0);		\
	}								\
	type##_free(m);							\
	type##_free(again);						\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in, *out;

	if (size < 1)
		return 0;
	fuzz_quiet();
	evtag_init();
	in = evbuffer_new();
	out = evbuffer_new();
	fuzz_check(in != NULL && out != NULL);
	fuzz_check(evbuffer_add(in, data + 1, size - 1) == 0);
	switch (data[0] % 5) {
	case 0:
		FUZZ_MESSAGE(msg, in, out);
		break;
	case 1:
		FUZZ_MESSAGE(kill, in, out);
		break;
	case 2:
		FUZZ_MESSAGE(run, in, out);
		break;
	case 3:
		FUZZ_MESSAGE(kinds, in, out);
		break;
	default:
		FUZZ_MESSAGE(empty, in, out);
		break;
	}
	evbuffer_free(in);
	evbuffer_free(out);
	return 0;
}
