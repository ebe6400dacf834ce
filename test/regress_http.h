/*
 * regress_http.h -- what the HTTP case files share (regress_http.c):
 * "srv", an evhttp server under test on a loopback port with a standard
 * set of callbacks; reading a raw socket while the loop serves; and what
 * our evhttp client's callbacks saw ("cres").
 *
 * The case files: regress_http_util.c (headers, URIs, the 1.4 exported
 * internals, no sockets), regress_http_server.c (the server seen through
 * raw sockets), regress_http_client.c (our client), regress_http_peers.c
 * (curl, nginx, the samples, 1,000 connections), regress_http_compat.c
 * (servers written the 1.4 way, the 1.4 connection layout, folding),
 * regress_http_limits.c (limits, deadlines, CR/LF through the API, idle
 * memory).  A case that started srv
 * ends with http_srv_stop() and frees its client connections, so that it
 * leaves no fd open.  Include after regress.h and evhttp.h.
 */
#ifndef REGRESS_HTTP_H
#define REGRESS_HTTP_H

#include "event.h"
#include "evhttp.h"

/* ------------------------------------------------------------------ */
/* srv: the server under test */

/*
 * Its callbacks: /hello ("hello N", N counting the requests), /echo (the
 * body back, the method and Host in X-Method and X-Host), /hold (kept
 * unanswered in held), /close (answers "bye" and closes), /stream (four
 * chunks "chunkN;", 50 ms apart).
 */
struct http_srv {
	struct evhttp *http;
	unsigned short port;
	int nreq;			/* requests seen by the callbacks */
	struct evhttp_request *held;	/* /hold keeps its request here */
	struct evhttp_connection *last_evcon;
	char last_uri[256];
	char last_host[64];
	char last_body[4096];		/* a capped copy */
	size_t last_body_len;
	int last_type;
	int last_minor;
	int last_ntrailers_seen;	/* headers named X-Trailer seen */
	struct event_base *base;
	/* streaming state for /stream */
	struct evhttp_request *stream_req;
	int stream_left;
	struct event stream_ev;
	double stream_sent_at[8];
};

extern struct http_srv srv;

/* Start srv on a fresh loopback port of family (AF_INET, AF_INET6: the
 * case skips without IPv6) with the callbacks above. */
void http_srv_start(struct event_base *base, int family);

/* Free srv's evhttp: its listener and connections close. */
void http_srv_stop(void);

/* Record req in srv (count, URI, peer, body, ...), as the callbacks do. */
void http_record(struct evhttp_request *req);

/* Answer "hello N" (the /hello callback). */
void http_hello_cb(struct evhttp_request *req, void *arg);

/* Answer "generic" (for evhttp_set_gencb). */
void http_gen_cb(struct evhttp_request *req, void *arg);

/* ------------------------------------------------------------------ */
/* Raw sockets and buffers */

/*
 * Run the loop of base until fd reaches EOF (until NULL) or `until` has
 * appeared `count` times in in, or secs (scaled) pass; what fd gives is
 * appended to in (fd is made nonblocking).  Returns 1 if EOF was seen.
 */
int http_raw_wait(struct event_base *base, int fd, struct evbuffer *in,
    const char *until, int count, double secs);

/* Non-overlapping occurrences of s in buf. */
int http_count(struct evbuffer *buf, const char *s);

/* A NUL-terminated copy (malloc) of what buf holds. */
char *http_buf_str(struct evbuffer *buf);

/*
 * Damage the message in buf (*len bytes, room for cap) for the fuzzing
 * cases, reproducibly from the state *seed: 1 to max_mut times, at a
 * random place, one of the first `kinds` mutations: 0 replace a byte
 * with one of the alen bytes of alphabet, 1 cut the message there,
 * 2 repeat the 8 bytes there.
 */
void http_mutate(char *buf, size_t *len, size_t cap, unsigned int *seed,
    const char *alphabet, size_t alen, int max_mut, int kinds);

/* ------------------------------------------------------------------ */
/* cres: what our client's callbacks saw */

struct http_cres {
	int done;		/* request callbacks run */
	int null_req;		/* callbacks that got NULL */
	int code;
	char line[64];
	char body[70000];	/* a capped copy */
	size_t body_len;
	char xhost[128];	/* X-Host, X-Method, Content-Length */
	char xmethod[16];
	char clen[32];
	struct evhttp_connection *evcon_in_cb;
	int chunks;		/* http_chunk_cb calls, */
	char chunk[8][32];	/* the first 8 chunks */
	double chunk_at[8];	/* and when they came */
	int closes;		/* close callbacks */
	double at;		/* when the last request callback ran */
};

extern struct http_cres cres;

/* Request callback: fills cres. */
void http_client_cb(struct evhttp_request *req, void *arg);

/* Chunk callback (evhttp_request_set_chunked_cb): records in cres. */
void http_chunk_cb(struct evhttp_request *req, void *arg);

/* A connection to addr:port on base whose close callback counts in
 * cres.closes. */
struct evhttp_connection *http_client_new(struct event_base *base,
    const char *addr, unsigned short port);

/* Make a request of this type for uri on evcon with http_client_cb and
 * run the loop until it calls back (at most 3 s, else the case fails). */
void http_client_get(struct event_base *base, struct evhttp_connection *evcon,
    enum evhttp_cmd_type type, const char *uri);

#endif /* REGRESS_HTTP_H */
