/*
 * http_response.c -- fuzz the HTTP client: the input (after byte 0,
 * which picks GET or HEAD, a chunk callback, and whether the server side
 * half-closes) is the whole response a client connection receives.
 */
#include "config.h"

#include <sys/types.h>

#include "fuzz.h"
#include "http_common_client.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_quiet();
	fuzz_http_exchange(data[0], data + 1, size - 1, "", 0);
	return 0;
}
