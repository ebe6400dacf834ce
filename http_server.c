/*
 * http_server.c -- the embedded HTTP server: listeners, accepting
 * connections, reading requests and handing them to the callbacks.
 * Replies are in http_reply.c, the connection machinery in http_conn.c.
 *
 * Requests on one connection are parsed one at a time: the next is parsed
 * only when the reply to the previous one is queued, so replies leave in
 * request order.  A request the parser refuses is answered with its
 * status and the connection closes: the rest of the input cannot be
 * trusted to start a message.
 *
 * The contract of each public function is in include/evhttp.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4() */
#endif
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evhttp.h"
#include "http-internal.h"
#include "log-extra-internal.h"
#include "mm-internal.h"

/* ------------------------------------------------------------------ */
/* Servers and listeners                                               */

static void server_trim_sweep(int fd, short what, void *arg);

struct evhttp *
evhttp_new(struct event_base *base)
{
	struct evhttp *http = mm_calloc(1, sizeof(*http));

	if (http == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	TAILQ_INIT(&http->sockets);
	TAILQ_INIT(&http->callbacks);
	TAILQ_INIT(&http->connections);
	TAILQ_INIT(&http->vhosts);
	TAILQ_INIT(&http->aliases);
	TAILQ_INIT(&http->spares);
	http->timeout = -1;
	http->max_headers_size = HTTP_MAX_HEADERS_SIZE;
	http->max_body_size = HTTP_MAX_BODY_SIZE;
	http->allowed_methods = HTTP_M_14;
	http->base = base;
	evtimer_set(&http->trim_ev, server_trim_sweep, http);
	conn_attach_event_(base, &http->trim_ev);
	return http;
}

/* A connection went idle with buffers: make sure a sweep is coming. */
void
server_trim_soon_(struct evhttp *http)
{
	struct timeval tv = { HTTP_IDLE_TRIM_SECS, 0 };

	if (!http->trim_armed && evtimer_add(&http->trim_ev, &tv) == 0)
		http->trim_armed = 1;
}

/*
 * Every HTTP_IDLE_TRIM_SECS while some connection waits with buffers:
 * those idle at the previous sweep too give them back, the others are
 * marked for the next sweep.  So a connection keeps its buffers while it
 * is busy and gives them back after one to two periods of idleness.
 */
static void
server_trim_sweep(int fd, short what, void *arg)
{
	struct evhttp *http = arg;
	struct evhttp_connection *evcon;
	int again = 0;

	(void)fd;
	(void)what;
	http->trim_armed = 0;
	TAILQ_FOREACH(evcon, &http->connections, next) {
		if (!conn_is_idle_(evcon) || !conn_holds_buffers_(evcon)) {
			evcon->flags &= ~EVCON_TRIM_MARK;
		} else if (evcon->flags & EVCON_TRIM_MARK) {
			evcon->flags &= ~EVCON_TRIM_MARK;
			conn_trim_(evcon);
		} else {
			evcon->flags |= EVCON_TRIM_MARK;
			again = 1;
		}
	}
	if (again)
		server_trim_soon_(http);
}

struct evhttp *
evhttp_start(const char *address, unsigned short port)
{
	struct evhttp *http = evhttp_new(NULL);

	if (http == NULL)
		return NULL;
	if (evhttp_bind_socket(http, address, port) == -1) {
		evhttp_free(http);
		return NULL;
	}
	return http;
}

/* Fill remote_host/port style strings from a peer address. */
static void
sockaddr_to_string(const struct sockaddr *sa, socklen_t salen,
    char *host, size_t hostlen, unsigned short *port)
{
	host[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin6->sin6_port);
	} else if (sa->sa_family == AF_UNIX) {
		/*
		 * sun_path need not be NUL-terminated and may be empty (an
		 * unnamed client socket): copy at most what salen covers and
		 * what host can hold, whatever the build's assertions.
		 */
		const struct sockaddr_un *sun = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path), n = 0;
		size_t avail = (size_t)salen > off ? (size_t)salen - off : 0;

		if (avail > sizeof(sun->sun_path))
			avail = sizeof(sun->sun_path);
		while (n < avail && sun->sun_path[n] != '\0')
			n++;
		if (n >= hostlen)
			n = hostlen - 1;
		memcpy(host, sun->sun_path, n);
		host[n] = '\0';
	}
}

/* Make a server connection for an accepted socket. */
static void
server_new_connection(struct evhttp *http, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	struct evhttp_connection *evcon;
	char host[128];
	unsigned short port;
	int one = 1;

	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sockaddr_to_string(sa, salen, host, sizeof(host), &port);

	evcon = conn_alloc_(http->base);
	if (evcon == NULL || (evcon->address = mm_strdup(host)) == NULL) {
		event_warn("%s: out of memory", __func__);
		if (evcon != NULL)
			conn_destroy_(evcon);
		EVUTIL_CLOSESOCKET(fd);
		return;
	}
	evcon->port = port;
	evcon->fd = fd;
	evcon->flags |= EVCON_INCOMING;
	evcon->http_server = http;
	evcon->timeout = http->timeout;
	evcon->timeout_us = http->timeout_us;
	evcon->max_headers_size = http->max_headers_size;
	evcon->max_body_size = http->max_body_size;
	conn_set_phase_(evcon, CONN_READING);
	TAILQ_INSERT_TAIL(&http->connections, evcon, next);
	conn_set_fd_events_(evcon);
	conn_update_read_(evcon);
	conn_set_timer_(evcon, conn_io_timeout_(evcon));
}

static void
accept_cb(int fd, short what, void *arg)
{
	struct evhttp_bound_socket *bound = arg;
	int i;

	(void)what;
	/* Take a bounded batch so one busy listener cannot starve others. */
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);
		int nfd;

#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
		nfd = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
		nfd = accept(fd, (struct sockaddr *)&ss, &sslen);
		if (nfd != -1) {
			evutil_make_socket_nonblocking(nfd);
			evutil_closeonexec_(nfd);
		}
#endif
		if (nfd == -1) {
			int e = EVUTIL_SOCKET_ERROR();

			if (EVUTIL_ERR_IS_EINTR(e) || EVUTIL_ERR_IS_ABORTED(e))
				continue;
			if (EVUTIL_ERR_RW_RETRIABLE(e))
				return;
			event_warn("%s: accept on fd %d", __func__, fd);
			if (EVUTIL_ERR_IS_NOFD(e)) {
				/* The pending connection stays readable: stop
				 * watching the listener for a moment instead
				 * of spinning on it. */
				struct timeval tv = { 0, 250000 };

				event_del(&bound->ev);
				evtimer_add(&bound->ev_pause, &tv);
			}
			return;
		}
		server_new_connection(bound->http, nfd,
		    (struct sockaddr *)&ss, sslen);
	}
}

/* Resume accepting after a pause for lack of file descriptors. */
static void
accept_resume_cb(int fd, short what, void *arg)
{
	struct evhttp_bound_socket *bound = arg;

	(void)fd;
	(void)what;
	event_add(&bound->ev, NULL);
}

/* Accept on the listening socket fd (evhttp_accept_socket). */
struct evhttp_bound_socket *
server_accept_socket_(struct evhttp *http, int fd)
{
	struct evhttp_bound_socket *bound;

	if (http == NULL || fd < 0)
		return NULL;
	bound = mm_calloc(1, sizeof(*bound));
	if (bound == NULL)
		return NULL;
	if (evutil_make_socket_nonblocking(fd) == -1) {
		mm_free(bound);
		return NULL;
	}
	bound->fd = fd;
	bound->http = http;
	event_set(&bound->ev, fd, EV_READ | EV_PERSIST, accept_cb, bound);
	conn_attach_event_(http->base, &bound->ev);
	evtimer_set(&bound->ev_pause, accept_resume_cb, bound);
	conn_attach_event_(http->base, &bound->ev_pause);
	if (event_add(&bound->ev, NULL) == -1) {
		event_warn("%s: event_add", __func__);
		mm_free(bound);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&http->sockets, bound, next);
	return bound;
}

/* Listen on address:port (evhttp_bind_socket). */
struct evhttp_bound_socket *
server_bind_socket_(struct evhttp *http, const char *address,
    unsigned short port)
{
	struct evhttp_bound_socket *bound;
	struct addrinfo hints, *ai = NULL;
	char portstr[16];
	int fd = -1, on = 1, err;

	if (http == NULL)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	/* No address: all IPv4 interfaces, as 1.4 did. */
	hints.ai_family = address == NULL ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	evutil_snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	err = getaddrinfo(address, portstr, &hints, &ai);
	if (err != 0 || ai == NULL) {
		event_warnx("%s: getaddrinfo(%s): %s", __func__,
		    address ? address : "(null)", gai_strerror(err));
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1) {
		event_warn("%s: socket", __func__);
		goto err;
	}
	evutil_closeonexec_(fd);
#ifndef _WIN32	/* (Windows: it would let another socket take the port.) */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#endif
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		event_warn("%s: bind %s:%u", __func__,
		    address ? address : "*", (unsigned)port);
		goto err;
	}
	if (listen(fd, 128) == -1) {
		event_warn("%s: listen", __func__);
		goto err;
	}
	freeaddrinfo(ai);
	if ((bound = server_accept_socket_(http, fd)) == NULL)
		EVUTIL_CLOSESOCKET(fd);
	return bound;
err:
	err = errno;
	if (fd != -1)
		EVUTIL_CLOSESOCKET(fd);
	freeaddrinfo(ai);
	errno = err;
	return NULL;
}

void
evhttp_free(struct evhttp *http)
{
	struct evhttp_bound_socket *bound;
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct evhttp_cb *cb;

	if (http == NULL)
		return;
	event_del(&http->trim_ev);
	while ((bound = TAILQ_FIRST(&http->sockets)) != NULL) {
		TAILQ_REMOVE(&http->sockets, bound, next);
		server_bound_free_(bound);
	}
	while ((evcon = TAILQ_FIRST(&http->connections)) != NULL) {
		TAILQ_REMOVE(&http->connections, evcon, next);
		/* (Only one whose handler freed us can hold the scratch.) */
		conn_return_input_(evcon);
		evcon->http_server = NULL;
		conn_kill_(evcon);
	}
	while ((cb = TAILQ_FIRST(&http->callbacks)) != NULL) {
		TAILQ_REMOVE(&http->callbacks, cb, next);
		mm_free(cb->what);
		mm_free(cb);
	}
	/* (Connections still busy end later, without their server: their
	 * requests are freed then, not kept.) */
	while ((req = TAILQ_FIRST(&http->spares)) != NULL) {
		TAILQ_REMOVE(&http->spares, req, next);
		evhttp_request_free(req);
	}
	server_vhosts_free_(http);
	mm_free(http->default_ctype);
	mm_free(http->scratch);
	mm_free(http);
}

void
evhttp_set_timeout(struct evhttp *http, int timeout_in_secs)
{
	http->timeout = timeout_in_secs;
	http->timeout_us = 0;
}

/* The server's limits apply to its connections, open ones included. */
void
evhttp_set_max_headers_size(struct evhttp *http, ev_ssize_t max_headers_size)
{
	struct evhttp_connection *evcon;

	http->max_headers_size = max_headers_size < 0 ? -1 :
	    (ev_int64_t)max_headers_size;
	TAILQ_FOREACH(evcon, &http->connections, next)
		evcon->max_headers_size = http->max_headers_size;
}

void
evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size)
{
	struct evhttp_connection *evcon;

	http->max_body_size = max_body_size < 0 ? -1 :
	    (ev_int64_t)max_body_size;
	TAILQ_FOREACH(evcon, &http->connections, next)
		evcon->max_body_size = http->max_body_size;
}

void
evhttp_set_cb(struct evhttp *http, const char *uri,
    void (*cb)(struct evhttp_request *, void *), void *cbarg)
{
	struct evhttp_cb *hcb = mm_calloc(1, sizeof(*hcb));

	if (hcb == NULL || (hcb->what = mm_strdup(uri)) == NULL) {
		event_warn("%s: out of memory", __func__);
		mm_free(hcb);
		return;
	}
	hcb->what_len = strlen(hcb->what);
	hcb->cb = cb;
	hcb->cbarg = cbarg;
	TAILQ_INSERT_TAIL(&http->callbacks, hcb, next);
}

int
evhttp_del_cb(struct evhttp *http, const char *uri)
{
	struct evhttp_cb *hcb;

	TAILQ_FOREACH(hcb, &http->callbacks, next) {
		if (strcmp(hcb->what, uri) == 0) {
			TAILQ_REMOVE(&http->callbacks, hcb, next);
			mm_free(hcb->what);
			mm_free(hcb);
			return 0;
		}
	}
	return -1;
}

void
evhttp_set_gencb(struct evhttp *http,
    void (*cb)(struct evhttp_request *, void *), void *cbarg)
{
	http->gencb = cb;
	http->gencbarg = cbarg;
}

/* ------------------------------------------------------------------ */
/* Reading requests                                                    */

/*
 * Hand req to the application's callback.  What its replies queue is done
 * when it returns (conn_defer_), before the next request is parsed.
 */
static void
server_call(struct evhttp_connection *evcon, struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *), void *arg)
{
	evcon->flags |= EVCON_IN_HANDLER;
	(*cb)(req, arg);
	evcon->flags &= ~EVCON_IN_HANDLER;
	if (evcon->pending != 0)
		conn_run_pending_(evcon);
}

static void
server_dispatch(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evhttp *http = evcon->http_server;
	struct evhttp_cb *hcb;
	size_t plen;

	REQ_PRIV(req)->handed = 1;
	conn_set_phase_(evcon, CONN_DISPATCHED);
	if (http == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL,
		    http_reason_phrase_(HTTP_SERVUNAVAIL));
		return;
	}
	if (!TAILQ_EMPTY(&http->vhosts))
		http = server_pick_host_(http, req);
	plen = strcspn(req->uri, "?");
	TAILQ_FOREACH(hcb, &http->callbacks, next) {
		if (hcb->what_len == plen &&
		    memcmp(hcb->what, req->uri, plen) == 0) {
			server_call(evcon, req, hcb->cb, hcb->cbarg);
			return;
		}
	}
	if (http->gencb != NULL) {
		server_call(evcon, req, http->gencb, http->gencbarg);
		return;
	}
	server_send_page_(req, HTTP_NOTFOUND,
	    http_reason_phrase_(HTTP_NOTFOUND),
	    "<html><head><title>%d %s</title></head><body><h1>Not Found</h1>"
	    "<p>The requested URL %s was not found on this server.</p>"
	    "</body></html>\n", req->uri);
}

/*
 * Answer a request we could not parse and close: the rest of the input
 * cannot be trusted to start a message.
 */
static void
server_fail(struct evhttp_connection *evcon, int code)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	/* An unimplemented method: 1.4 answered 400. */
	if (code == HTTP_NOTIMPLEMENTED && (evcon->http_server == NULL ||
	    !evcon->http_server->view2x))
		code = HTTP_BADREQUEST;
	evbuffer_drain(evcon->input_buffer, evcon->input_buffer->off);
	if (req == NULL) {
		req = evhttp_request_new(NULL, NULL);
		if (req == NULL) {
			conn_kill_(evcon);
			return;
		}
		req->evcon = evcon;
		TAILQ_INSERT_TAIL(&evcon->requests, req, next);
	}
	/* Answer in a version the client certainly understands. */
	req->major = 1;
	req->minor = 1;
	http_req_set_method_(req, HTTP_M_GET, 0);
	req->flags &= ~EVHTTP_PROXY_REQUEST;
	REQ_PRIV(req)->handed = 0;
	conn_set_phase_(evcon, CONN_DISPATCHED);
	evcon->keep_alive = 0;
	evhttp_send_error(req, code, http_reason_phrase_(code));
}

/* A server request of evcon's peer: remote_host is copied into the
 * buffer it has when that is large enough.  0 or -1. */
static int
server_request_peer(struct evhttp_request *req,
    const struct evhttp_connection *evcon)
{
	struct http_req *r = REQ_PRIV(req);
	size_t n = strlen(evcon->address) + 1;

	if (req->remote_host == NULL || n > r->host_size) {
		char *host = mm_malloc(n);

		if (host == NULL)
			return -1;
		mm_free(req->remote_host);
		req->remote_host = host;
		r->host_size = n;
	}
	memcpy(req->remote_host, evcon->address, n);
	req->remote_port = evcon->port;
	return 0;
}

/*
 * The request the next bytes belong to: the one being read, else one of
 * the server's spares, else a new one.  NULL when no bytes wait or memory
 * is short (the connection is then killed).
 */
static struct evhttp_request *
server_current_request(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	struct evhttp *http = evcon->http_server;

	if (req != NULL || evcon->input_buffer->off == 0)
		return req;
	if (http != NULL && (req = TAILQ_FIRST(&http->spares)) != NULL) {
		TAILQ_REMOVE(&http->spares, req, next);
		http->nspares--;
	} else if ((req = evhttp_request_new(NULL, NULL)) != NULL) {
		req->kind = EVHTTP_REQUEST;
		req->flags |= EVHTTP_REQ_OWN_CONNECTION;
	}
	if (req != NULL && server_request_peer(req, evcon) == -1) {
		evhttp_request_free(req);
		req = NULL;
	}
	if (req == NULL) {
		conn_kill_(evcon);
		return NULL;
	}
	req->evcon = evcon;
	TAILQ_INSERT_TAIL(&evcon->requests, req, next);
	return req;
}

/*
 * The head of req is complete and announces a body: answer Expect.  0, or
 * the status to refuse the request with.
 */
static int
server_expect(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *expect;

	if (evcon->parser.state == HP_DONE)
		return 0;
	expect = evhttp_find_header(req->input_headers, "Expect");
	if (expect == NULL)
		return 0;
	if (strcasecmp(expect, "100-continue") != 0)
		return HTTP_EXPECTATIONFAILED;
	/* Ask for the body only if it is not on its way already. */
	if (req->minor >= 1 && evcon->input_buffer->off == 0)
		evbuffer_add(evcon->output_buffer, cont, sizeof(cont) - 1);
	return 0;
}

/* Parse the input into req: HTTP_PARSE_MORE, _DONE or _ERROR. */
static enum http_parse_result
server_parse(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	enum http_parse_result r;
	int status;

	r = conn_parse_(evcon, req);
	for (;;) {
		if (r == HTTP_PARSE_HEAD) {
			evcon->keep_alive = evcon->parser.keep_alive;
			if ((status = http_req_refused_(evcon, req)) != 0 ||
			    (status = server_expect(evcon, req)) != 0) {
				evcon->parser.status = status;
				return HTTP_PARSE_ERROR;
			}
			/* A body follows: its first timeout period starts. */
			if (evcon->parser.state != HP_DONE) {
				evcon->body_mark = 0;
				conn_set_timer_(evcon, conn_io_timeout_(evcon));
			}
		} else if (r != HTTP_PARSE_CHUNK) {
			return r;
		}
		r = http_parser_run_(&evcon->parser, req, evcon->input_buffer);
	}
}

/*
 * The connection ends (conn_destroy_): detach its requests, run the close
 * callback once, as 1.4 does, then free what nobody holds.  A request the
 * application holds survives the peer leaving (its reply calls then free
 * it or do nothing); after evhttp_connection_free() it is freed, as in
 * 1.4, unless the close callback finished it already.
 */
void
server_drop_requests_(struct evhttp_connection *evcon)
{
	struct evcon_requestq held;
	struct evhttp_request *req;

	TAILQ_INIT(&held);
	if (evcon->http_server != NULL) {
		TAILQ_REMOVE(&evcon->http_server->connections, evcon, next);
		evcon->http_server = NULL;
	}
	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		if (!REQ_PRIV(req)->handed) {
			evhttp_request_free(req);
			continue;
		}
		REQ_PRIV(req)->orphans = &held;
		TAILQ_INSERT_TAIL(&held, req, next);
	}
	if (evcon->closecb != NULL && !(evcon->flags & EVCON_CLOSECB_RUN)) {
		evcon->flags |= EVCON_CLOSECB_RUN;
		(*evcon->closecb)(evcon, evcon->closecb_arg);
	}
	while ((req = TAILQ_FIRST(&held)) != NULL) {
		TAILQ_REMOVE(&held, req, next);
		REQ_PRIV(req)->orphans = NULL;
		if (evcon->flags & EVCON_USER_FREED)
			evhttp_request_free(req);
	}
}

/* The client closed its side: finish what can be finished. */
static void
server_peer_gone(struct evhttp_connection *evcon)
{
	if (evcon->phase == CONN_DISPATCHED && evcon->output_buffer->off == 0) {
		/* 1.4: the client left; detach the app's request. */
		conn_kill_(evcon);
	} else if (evcon->phase == CONN_READING) {
		/* Nothing complete is left to answer. */
		if (evcon->output_buffer->off == 0)
			conn_kill_(evcon);
		else
			conn_set_phase_(evcon, CONN_CLOSING);
	}
}

/*
 * Parse and dispatch as many requests as the input holds, one at a time,
 * while the unsent output stays below HTTP_OUTPUT_HIGH.
 */
void
server_process_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;
	enum http_parse_result r;

	if (evcon->flags & EVCON_PROCESSING)
		return;		/* the outer call goes on */
	CONN_ENTER(evcon);
	evcon->flags |= EVCON_PROCESSING;
	while (!(evcon->flags & EVCON_DEAD) && evcon->phase == CONN_READING &&
	    evcon->output_buffer->off < HTTP_OUTPUT_HIGH &&
	    (req = server_current_request(evcon)) != NULL) {
		r = server_parse(evcon, req);
		if (r == HTTP_PARSE_MORE) {
			/* Send a 100 Continue server_expect() queued. */
			if (evcon->output_buffer->off > 0)
				conn_flush_(evcon);
			break;
		}
		if (r == HTTP_PARSE_ERROR) {
			event_debug(("%s: bad request from %s: %d", __func__,
			    evcon->address, evcon->parser.status));
			server_fail(evcon, evcon->parser.status);
			break;
		}
		if (evcon->flags & EVCON_PEER_EOF)
			evcon->keep_alive = 0;
		server_dispatch(evcon, req);
	}
	evcon->flags &= ~EVCON_PROCESSING;
	if (!(evcon->flags & EVCON_DEAD) && (evcon->flags & EVCON_PEER_EOF))
		server_peer_gone(evcon);
	if (!(evcon->flags & EVCON_DEAD))
		conn_update_read_(evcon);
	conn_leave_(evcon);
}

/*
 * Serve an accepted socket on http, as if its listener had accepted it
 * (the fd is made nonblocking; it is closed when the connection ends).
 */
void
evhttp_get_request(struct evhttp *http, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_storage ss;

	if (http == NULL || fd < 0)
		return;
	if (sa == NULL || salen <= 0) {
		salen = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		if (getpeername(fd, (struct sockaddr *)&ss, &salen) == -1) {
			ss.ss_family = AF_UNSPEC;
			salen = sizeof(ss);
		}
		sa = (struct sockaddr *)&ss;
	}
	evutil_make_socket_nonblocking(fd);
	evutil_closeonexec_(fd);
	server_new_connection(http, fd, sa, salen);
}

