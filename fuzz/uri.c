/*
 * uri.c -- fuzz the URI and query helpers of evhttp: the input (as a
 * string) goes through evhttp_parse_query(), evhttp_decode_uri(),
 * evhttp_encode_uri() and evhttp_htmlescape().  Encoding then decoding
 * must give the string back.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <string.h>

#include "event.h"
#include "evhttp.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	char *s, *dec, *enc, *back, *esc;

	fuzz_quiet();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	TAILQ_INIT(&q);
	evhttp_parse_query(s, &q);
	TAILQ_FOREACH(kv, &q, next)
		fuzz_check(kv->key != NULL && kv->value != NULL);
	evhttp_clear_headers(&q);

	dec = evhttp_decode_uri(s);
	fuzz_check(dec != NULL && strlen(dec) <= strlen(s));
	enc = evhttp_encode_uri(s);
	fuzz_check(enc != NULL);
	back = evhttp_decode_uri(enc);
	fuzz_check(back != NULL);
	esc = evhttp_htmlescape(s);
	fuzz_check(esc != NULL && strlen(esc) >= strlen(s));
	free(dec);
	free(enc);
	free(back);
	free(esc);
	free(s);
	return 0;
}
