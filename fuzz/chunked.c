/*
 * chunked.c -- fuzz chunked framing: a client connection receives a
 * valid response head announcing Transfer-Encoding: chunked, then the
 * input (after byte 0, as in http_response.c) as the chunked body:
 * chunk sizes, extensions, trailers and the bytes around them.
 */
#include "config.h"

#include <sys/types.h>
#include <string.h>

#include "fuzz.h"
#include "http_common_client.h"

static const char head[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_quiet();
	fuzz_http_exchange(data[0] & ~0x02u, head, strlen(head), data + 1,
	    size - 1);
	return 0;
}
