/*
 * http-client.c -- fetch URLs with the evhttp client.
 *
 *	http-client [-I] [-v] [-d data] [-t timeout] URL...
 *
 * Each URL is http://host[:port]/path (host may be an [IPv6] literal).
 * Consecutive URLs on the same host and port share one kept-alive
 * connection.  Bodies are written to stdout as they arrive; -v prints the
 * status line and headers to stderr; -I sends HEAD; -d POSTs the data.
 * The exit status is 0 when every response was 2xx or 3xx.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

static int verbose, failures, pending;

/* Split an http:// URL.  0, or -1 if it is not one we can fetch. */
static int
parse_url(const char *url, char *host, size_t hostlen, unsigned short *port,
    const char **path)
{
	const char *p, *h, *hend, *slash;
	size_t n;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	h = url + 7;
	slash = strchr(h, '/');
	if (slash == NULL)
		slash = h + strlen(h);
	*port = 80;
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(slash - h));
		if (hend == NULL)
			return -1;
		h++;
		p = hend + 1;
	} else {
		hend = memchr(h, ':', (size_t)(slash - h));
		if (hend == NULL)
			hend = slash;
		p = hend;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (p < slash && *p == ':') {
		long v = strtol(p + 1, NULL, 10);

		if (v <= 0 || v > 65535)
			return -1;
		*port = (unsigned short)v;
	}
	*path = *slash != '\0' ? slash : "/";
	return 0;
}

static void
chunk_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	fwrite(EVBUFFER_DATA(req->input_buffer), 1,
	    EVBUFFER_LENGTH(req->input_buffer), stdout);
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	const char *url = arg;
	struct evkeyval *h;

	pending--;
	if (req == NULL || req->response_code == 0) {
		fprintf(stderr, "%s: request failed\n", url);
		failures++;
	} else {
		if (verbose) {
			fprintf(stderr, "HTTP/%d.%d %d %s\n", req->major,
			    req->minor, req->response_code,
			    req->response_code_line);
			TAILQ_FOREACH(h, req->input_headers, next)
				fprintf(stderr, "%s: %s\n", h->key, h->value);
			fprintf(stderr, "\n");
		}
		/* What the chunk callback did not take (non-chunked). */
		fwrite(EVBUFFER_DATA(req->input_buffer), 1,
		    EVBUFFER_LENGTH(req->input_buffer), stdout);
		if (req->response_code >= 400)
			failures++;
	}
	fflush(stdout);
	if (pending == 0)
		event_loopexit(NULL);
}

int
main(int argc, char **argv)
{
	enum evhttp_cmd_type type = EVHTTP_REQ_GET;
	const char *data = NULL;
	int timeout = -1, c, i;
	struct evhttp_connection *evcon = NULL;
	char last_host[256] = "";
	unsigned short last_port = 0;

	while ((c = getopt(argc, argv, "Ivd:t:")) != -1) {
		switch (c) {
		case 'I': type = EVHTTP_REQ_HEAD; break;
		case 'v': verbose = 1; break;
		case 'd': data = optarg; type = EVHTTP_REQ_POST; break;
		case 't': timeout = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-I] [-v] [-d data] "
			    "[-t timeout] URL...\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "no URL given\n");
		return 2;
	}
	event_init();
	for (i = optind; i < argc; i++) {
		char host[256];
		unsigned short port;
		const char *path;
		struct evhttp_request *req;

		if (parse_url(argv[i], host, sizeof(host), &port, &path) == -1) {
			fprintf(stderr, "%s: not an http:// URL\n", argv[i]);
			failures++;
			continue;
		}
		if (evcon == NULL || strcmp(host, last_host) != 0 ||
		    port != last_port) {
			/* The previous connection finishes its queue first;
			 * it is freed at exit. */
			evcon = evhttp_connection_new(host, port);
			if (evcon == NULL) {
				failures++;
				continue;
			}
			if (timeout >= 0)
				evhttp_connection_set_timeout(evcon, timeout);
			snprintf(last_host, sizeof(last_host), "%s", host);
			last_port = port;
		}
		req = evhttp_request_new(done_cb, argv[i]);
		if (req == NULL) {
			failures++;
			continue;
		}
		evhttp_request_set_chunked_cb(req, chunk_cb);
		evhttp_add_header(req->output_headers, "User-Agent",
		    "relevent-http-client");
		if (data != NULL)
			evbuffer_add(req->output_buffer, data, strlen(data));
		if (evhttp_make_request(evcon, req, type, path) == -1) {
			fprintf(stderr, "%s: cannot connect\n", argv[i]);
			evhttp_request_free(req);
			failures++;
			continue;
		}
		pending++;
	}
	if (pending > 0)
		event_dispatch();
	return failures == 0 ? 0 : 1;
}
