/*
 * rpc-client.c -- sample RPC client for rpc-server.
 *
 *	rpc-client PORT KEY=VALUE... KEY...
 *
 * Sends a Put for every KEY=VALUE and a Get for every bare KEY to the
 * server on 127.0.0.1:PORT, over a pool of two connections, and prints
 * each answer in order:
 *
 *	put KEY: ok (N keys)
 *	get KEY: VALUE
 *	get KEY: not found
 *
 * Exits 0 when every call got an answer, 1 otherwise.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <evhttp.h>
#include <evrpc.h>

#include "sample/rpc-example.h"

EVRPC_GENERATE(Put, kv_put, kv_reply)
EVRPC_GENERATE(Get, kv_get, kv_reply)

struct call {
	const char *key;
	int is_put;
	struct kv_put *put;
	struct kv_get *get;
	struct kv_reply *reply;
	char *result;		/* the line to print */
};

static int outstanding, failures;
static struct event_base *base;

static void
record(struct call *c, struct evrpc_status *status)
{
	char line[512];
	ev_uint32_t st;
	ev_uint8_t *value;
	ev_uint32_t len;
	struct kv_stats *stats;
	ev_uint32_t keys = 0;

	if (status->error != EVRPC_STATUS_ERR_NONE) {
		snprintf(line, sizeof(line), "%s %s: error %d",
		    c->is_put ? "put" : "get", c->key, status->error);
		failures++;
	} else if (c->is_put) {
		if (EVTAG_HAS(c->reply, stats)) {
			EVTAG_GET(c->reply, stats, &stats);
			EVTAG_GET(stats, keys, &keys);
		}
		snprintf(line, sizeof(line), "put %s: ok (%u keys)", c->key,
		    (unsigned)keys);
	} else if (EVTAG_GET(c->reply, status, &st) == 0 && st == KV_OK &&
	    EVTAG_GET(c->reply, value, &value, &len) == 0) {
		snprintf(line, sizeof(line), "get %s: %.*s", c->key,
		    (int)len, (const char *)value);
	} else {
		snprintf(line, sizeof(line), "get %s: not found", c->key);
	}
	c->result = strdup(line);
	if (--outstanding == 0)
		event_base_loopexit(base, NULL);
}

static void
put_done(struct evrpc_status *status, struct kv_put *req,
    struct kv_reply *reply, void *arg)
{
	(void)req;
	(void)reply;
	record(arg, status);
}

static void
get_done(struct evrpc_status *status, struct kv_get *req,
    struct kv_reply *reply, void *arg)
{
	(void)req;
	(void)reply;
	record(arg, status);
}

int
main(int argc, char **argv)
{
	struct evrpc_pool *pool;
	struct call *calls;
	struct timeval limit = { 10, 0 };
	int i, n, port;

	if (argc < 3) {
		fprintf(stderr, "usage: rpc-client PORT KEY=VALUE... KEY...\n");
		return (1);
	}
	port = atoi(argv[1]);
	n = argc - 2;

	base = event_init();
	pool = evrpc_pool_new(base);
	evrpc_pool_set_timeout(pool, 5);
	for (i = 0; i < 2; i++)
		evrpc_pool_add_connection(pool,
		    evhttp_connection_new("127.0.0.1", (unsigned short)port));

	if ((calls = calloc(n, sizeof(*calls))) == NULL)
		return (1);
	for (i = 0; i < n; i++) {
		struct call *c = &calls[i];
		char *arg = argv[i + 2], *eq = strchr(arg, '=');

		c->reply = kv_reply_new();
		outstanding++;
		if (eq != NULL) {
			*eq = '\0';
			c->key = arg;
			c->is_put = 1;
			c->put = kv_put_new();
			EVTAG_ASSIGN(c->put, key, arg);
			EVTAG_ASSIGN(c->put, value, (ev_uint8_t *)eq + 1,
			    (ev_uint32_t)strlen(eq + 1));
			EVRPC_MAKE_REQUEST(Put, pool, c->put, c->reply,
			    put_done, c);
		} else {
			c->key = arg;
			c->get = kv_get_new();
			EVTAG_ASSIGN(c->get, key, arg);
			EVRPC_MAKE_REQUEST(Get, pool, c->get, c->reply,
			    get_done, c);
		}
	}

	/* A safety net: give up after 10 seconds. */
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);

	for (i = 0; i < n; i++) {
		struct call *c = &calls[i];
		printf("%s\n", c->result ? c->result : "(no answer)");
		if (c->result == NULL)
			failures++;
		free(c->result);
		if (c->put)
			kv_put_free(c->put);
		if (c->get)
			kv_get_free(c->get);
		kv_reply_free(c->reply);
	}
	free(calls);
	evrpc_pool_free(pool);
	event_base_free(base);
	return (failures ? 1 : 0);
}
