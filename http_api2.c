/*
 * http_api2.c -- the libevent 2.x HTTP calls on servers and requests
 * (event2/http.h): the 2.x entries of calls whose 1.4 form differs,
 * allowed methods, request accessors, ownership and the 2.x request
 * callbacks.
 *
 * One request object serves both APIs: req->type holds the method in
 * the encoding of the entry that made the request, REQ_PRIV(req)->view2x
 * says which (http-internal.h).  The 2.x state
 * a request rarely needs (callbacks, cached host and URI) hangs off
 * REQ_PRIV(req)->ext, allocated on first use.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "evhttp.h"
#include "event2/http.h"	/* after evhttp.h: the 1.4 view */
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* Declared by event2/http.h in the 2.x view only. */
struct evhttp *evhttp_new_2x(struct event_base *base);
struct evhttp *evhttp_start_2x(const char *address, unsigned short port);
int evhttp_set_cb_2x(struct evhttp *http, const char *path,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg);
int evhttp_parse_query_2x(const char *uri, struct evkeyvalq *headers);
int evhttp_make_request_2x(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri);

struct http_req_ext {
	int (*header_cb)(struct evhttp_request *, void *);
	void (*error_cb)(enum evhttp_request_error, void *);
	void (*complete_cb)(struct evhttp_request *, void *);
	void *complete_arg;
	struct evhttp_uri *uri_elems;	/* evhttp_request_get_evhttp_uri */
	char *uri_of;			/* the req->uri parsed */
	char *host;			/* evhttp_request_get_host */
};

/* ------------------------------------------------------------------ */
/* Servers                                                             */

/* A server made by the 1.4 calls, switched to 2.x's methods. */
static struct evhttp *
server_to_2x(struct evhttp *http)
{
	if (http != NULL) {
		http->view2x = 1;
		http->allowed_methods = HTTP_M_DEFAULT_2X;
	}
	return http;
}

struct evhttp *
evhttp_new_2x(struct event_base *base)
{
	return server_to_2x(evhttp_new(base));
}

struct evhttp *
evhttp_start_2x(const char *address, unsigned short port)
{
	return server_to_2x(evhttp_start(address, port));
}

int
evhttp_set_cb_2x(struct evhttp *http, const char *path,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg)
{
	struct evhttp_cb *hcb;

	if (http == NULL || path == NULL)
		return -1;
	TAILQ_FOREACH(hcb, &http->callbacks, next) {
		if (strcmp(hcb->what, path) == 0)
			return -2;
	}
	hcb = TAILQ_LAST(&http->callbacks, httpcbq);
	evhttp_set_cb(http, path, cb, cb_arg);
	/* The 1.4 call reports no memory only by adding nothing. */
	return TAILQ_LAST(&http->callbacks, httpcbq) != hcb ? 0 : -1;
}

void
evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods)
{
	if (http != NULL)
		http->allowed_methods = methods & HTTP_M_ALL;
}

/*
 * The head of a server request is read: 0 to serve it (req->type now in
 * the server's encoding), else the status that refuses its method: 501
 * (server_fail makes it 1.4's 400 for a server of the 1.4 view).
 */
int
http_req_refused_(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evhttp *http = evcon->http_server;
	unsigned method = http_req_bit_(req);	/* the parser's: 1.4 view */

	if (http == NULL)
		return (method & HTTP_M_14) ? 0 : HTTP_NOTIMPLEMENTED;
	if ((method & http->allowed_methods) == 0)
		return HTTP_NOTIMPLEMENTED;	/* server_fail: 1.4's 400 */
	if (http->view2x)
		http_req_set_method_(req, method, 1);
	return 0;
}

int
evhttp_parse_query_2x(const char *uri, struct evkeyvalq *headers)
{
	const char *q = uri != NULL ? strchr(uri, '?') : NULL;

	if (q == NULL) {
		TAILQ_INIT(headers);
		return uri != NULL ? 0 : -1;
	}
	return evhttp_parse_query_str(q + 1, headers);
}

/* ------------------------------------------------------------------ */
/* Requests: accessors                                                 */

unsigned
http_req_method_(const struct evhttp_request *req)
{
	return http_req_bit_(req);
}

const char *
evhttp_request_get_uri(const struct evhttp_request *req)
{
	return req->uri;
}

enum evhttp_cmd_type
evhttp_request_get_command(const struct evhttp_request *req)
{
	return req->type;
}

int
evhttp_request_get_response_code(const struct evhttp_request *req)
{
	return req->response_code;
}

const char *
evhttp_request_get_response_code_line(const struct evhttp_request *req)
{
	return req->response_code_line;
}

struct evkeyvalq *
evhttp_request_get_input_headers(struct evhttp_request *req)
{
	return req->input_headers;
}

struct evkeyvalq *
evhttp_request_get_output_headers(struct evhttp_request *req)
{
	return req->output_headers;
}

struct evbuffer *
evhttp_request_get_input_buffer(struct evhttp_request *req)
{
	return req->input_buffer;
}

struct evbuffer *
evhttp_request_get_output_buffer(struct evhttp_request *req)
{
	return req->output_buffer;
}

/* req's 2.x state, allocated on first use; NULL without memory. */
static struct http_req_ext *
req_ext(const struct evhttp_request *req)
{
	struct http_req *r = REQ_PRIV(req);

	if (r->ext == NULL && (r->ext = mm_calloc(1, sizeof(*r->ext))) == NULL)
		event_warn("%s: calloc", __func__);
	return r->ext;
}

/* The cached parse of req->uri, redone when the URI changed. */
const struct evhttp_uri *
evhttp_request_get_evhttp_uri(const struct evhttp_request *req)
{
	struct http_req_ext *x;

	if (req->uri == NULL || (x = req_ext(req)) == NULL)
		return NULL;
	if (x->uri_elems != NULL && x->uri_of != NULL &&
	    strcmp(x->uri_of, req->uri) == 0)
		return x->uri_elems;
	if (x->uri_elems != NULL)
		evhttp_uri_free(x->uri_elems);
	mm_free(x->uri_of);
	x->uri_elems = evhttp_uri_parse_with_flags(req->uri,
	    EVHTTP_URI_NONCONFORMANT);
	x->uri_of = x->uri_elems != NULL ? mm_strdup(req->uri) : NULL;
	if (x->uri_of == NULL && x->uri_elems != NULL) {
		evhttp_uri_free(x->uri_elems);
		x->uri_elems = NULL;
	}
	return x->uri_elems;
}

/* A lowercased copy of the host part of a Host value (no port). */
static char *
host_of_header(const char *v)
{
	const char *end;
	char *h;
	size_t i;

	if (*v == '[') {
		end = strchr(v, ']');
		end = end != NULL ? end + 1 : v + strlen(v);
	} else {
		end = strchr(v, ':');
		if (end == NULL)
			end = v + strlen(v);
	}
	if ((h = mm_strndup(v, (size_t)(end - v))) == NULL)
		return NULL;
	for (i = 0; h[i] != '\0'; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	return h;
}

const char *
evhttp_request_get_host(struct evhttp_request *req)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	struct http_req_ext *x;
	const char *v = NULL;

	if (u != NULL && evhttp_uri_get_host(u) != NULL &&
	    *evhttp_uri_get_host(u) != '\0')
		v = evhttp_uri_get_host(u);
	else if (req->flags & EVHTTP_REQ_OWN_CONNECTION)	/* a server's */
		v = evhttp_find_header(req->input_headers, "Host");
	if (v == NULL) {
		/* A client request goes to its connection's peer. */
		if (req->evcon != NULL && !(req->evcon->flags & EVCON_INCOMING))
			return req->evcon->address;
		return NULL;
	}
	if ((x = req_ext(req)) == NULL)
		return NULL;
	mm_free(x->host);
	x->host = host_of_header(v);
	return x->host;
}

/* ------------------------------------------------------------------ */
/* Requests: ownership and callbacks                                   */

void
evhttp_request_own(struct evhttp_request *req)
{
	req->flags |= EVHTTP_USER_OWNED;
}

int
evhttp_request_is_owned(struct evhttp_request *req)
{
	return (req->flags & EVHTTP_USER_OWNED) != 0;
}

int
http_req_user_owned_(const struct evhttp_request *req)
{
	return (req->flags & EVHTTP_USER_OWNED) != 0;
}

void
http_req_release_(struct evhttp_request *req)
{
	req->evcon = NULL;
	if (!http_req_user_owned_(req))
		evhttp_request_free(req);
}

void
evhttp_request_set_header_cb(struct evhttp_request *req,
    int (*cb)(struct evhttp_request *, void *))
{
	struct http_req_ext *x = req_ext(req);

	if (x != NULL)
		x->header_cb = cb;
}

void
evhttp_request_set_error_cb(struct evhttp_request *req,
    void (*cb)(enum evhttp_request_error, void *))
{
	struct http_req_ext *x = req_ext(req);

	if (x != NULL)
		x->error_cb = cb;
}

void
evhttp_request_set_on_complete_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg)
{
	struct http_req_ext *x = req_ext(req);

	if (x != NULL) {
		x->complete_cb = cb;
		x->complete_arg = cb_arg;
	}
}

int
http_req_header_cb_(struct evhttp_request *req)
{
	struct http_req_ext *x = REQ_PRIV(req)->ext;

	if (x == NULL || x->header_cb == NULL)
		return 0;
	return (*x->header_cb)(req, req->cb_arg);
}

void
http_req_error_(struct evhttp_request *req, int error)
{
	struct http_req_ext *x = REQ_PRIV(req)->ext;

	if (x != NULL && x->error_cb != NULL)
		(*x->error_cb)((enum evhttp_request_error)error, req->cb_arg);
}

void
http_req_complete_(struct evhttp_request *req)
{
	struct http_req_ext *x = REQ_PRIV(req)->ext;

	if (x != NULL && x->complete_cb != NULL)
		(*x->complete_cb)(req, x->complete_arg);
}

/* Free the 2.x state (the request is freed or reused). */
void
http_req_ext_free_(struct evhttp_request *req)
{
	struct http_req_ext *x = REQ_PRIV(req)->ext;

	if (x == NULL)
		return;
	if (x->uri_elems != NULL)
		evhttp_uri_free(x->uri_elems);
	mm_free(x->uri_of);
	mm_free(x->host);
	mm_free(x);
	REQ_PRIV(req)->ext = NULL;
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

int
evhttp_make_request_2x(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri)
{
	unsigned method = (unsigned)type;

	if (method == 0 || (method & ~HTTP_M_ALL) != 0 ||
	    (method & (method - 1)) != 0)
		return -1;
	return client_make_request_(evcon, req, method, 1, uri);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

/*
 * A chunk of a streamed reply; cb(evcon, arg) runs once the output up to
 * it is written (1.4's evhttp_write_buffer callback, one shot: a later
 * chunk's callback replaces one not yet run).
 */
void
evhttp_send_reply_chunk_with_cb(struct evhttp_request *req,
    struct evbuffer *databuf, void (*cb)(struct evhttp_connection *, void *),
    void *arg)
{
	struct evhttp_connection *evcon = req->evcon;

	evhttp_send_reply_chunk(req, databuf);
	if (cb != NULL && evcon != NULL && req->evcon == evcon &&
	    evcon->reply_started && !REQ_PRIV(req)->replied &&
	    !(evcon->flags & EVCON_DEAD))
		evhttp_write_buffer(evcon, cb, arg);
}
