/* rpc-example.h -- the RPCs shared by sample/rpc-server.c and rpc-client.c. */
#ifndef RPC_EXAMPLE_H
#define RPC_EXAMPLE_H

#include "sample/rpc-example.gen.h"

EVRPC_HEADER(Put, kv_put, kv_reply)
EVRPC_HEADER(Get, kv_get, kv_reply)

#define KV_OK		0
#define KV_NOTFOUND	1

#endif
