/*
 * http_common_client.h -- the client side shared by http_response.c and
 * chunked.c: an evhttp client connection to a loopback port of ours,
 * which answers each request with the bytes the target gives it.
 */
#ifndef FUZZ_HTTP_CLIENT_H
#define FUZZ_HTTP_CLIENT_H

#include <stddef.h>

/* Make one request (GET or HEAD as mode says) on a new connection and
 * answer it with head then body (either may be empty); return once the
 * request callback ran. */
void fuzz_http_exchange(unsigned mode, const void *head, size_t headlen,
    const void *body, size_t bodylen);

#endif /* FUZZ_HTTP_CLIENT_H */
