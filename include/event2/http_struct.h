/*
 * event2/http_struct.h -- the body of struct evhttp_request, libevent
 * 2.x's header name for it.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * signatures and constants match libevent; the text is ours.
 *
 * The layout is libevent 1.4.15's: one request object serves programs
 * of both APIs (<evhttp.h> includes this header).  2.x programs should
 * use the accessors of <event2/http.h>; a field they read has its 1.4
 * meaning, and `type` holds the method in the encoding of the entry that
 * made the request: bits (EVHTTP_REQ_GET 1, POST 2, ...) for requests of
 * a server made by the 2.x evhttp_new() or sent by the 2.x
 * evhttp_make_request(), 1.4's 0, 1, 2 for GET, POST, HEAD otherwise.
 * See docs/COMPAT.md.
 */
#ifndef EVENT2_HTTP_STRUCT_H_INCLUDED_
#define EVENT2_HTTP_STRUCT_H_INCLUDED_

/* From <evhttp.h> (1.4's <event.h> brought ev_int64_t) this includes
 * nothing: a 1.4 program must not see the 2.x view's macros. */
#ifndef _EVHTTP_H_
#include <event2/http.h>	/* 2.x's enum evhttp_cmd_type */
#include <event2/util.h>	/* ev_int64_t */
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct evkeyvalq;
struct evhttp_connection;

/* Whether a request object currently holds a request or a response. */
enum evhttp_request_kind { EVHTTP_REQUEST, EVHTTP_RESPONSE };

/*
 * One HTTP exchange.  Programs read the fields marked public; the others
 * belong to the library.  Allocate it only with evhttp_request_new().
 */
struct evhttp_request {
#ifdef TAILQ_ENTRY
	TAILQ_ENTRY(evhttp_request) next;	/* private */
#else
	struct {
		struct evhttp_request *tqe_next;
		struct evhttp_request **tqe_prev;
	} next;					/* private */
#endif

	/* the connection object that this request belongs to */
	struct evhttp_connection *evcon;	/* private; see
						   evhttp_request_get_connection */
	int flags;				/* public, read-only */
#define EVHTTP_REQ_OWN_CONNECTION	0x0001
#define EVHTTP_PROXY_REQUEST		0x0002
#define EVHTTP_USER_OWNED		0x0004	/* evhttp_request_own() */

	struct evkeyvalq *input_headers;	/* public */
	struct evkeyvalq *output_headers;	/* public */

	/* address of the remote host and the port connection came from */
	char *remote_host;			/* public, read-only */
	unsigned short remote_port;		/* public, read-only */

	enum evhttp_request_kind kind;		/* public, read-only */
	enum evhttp_cmd_type type;		/* public, read-only */

	char *uri;				/* public, read-only: raw URI */

	char major;			/* public: HTTP major version */
	char minor;			/* public: HTTP minor version */

	int response_code;		/* public, read-only */
	char *response_code_line;	/* public, read-only: the reason */

	struct evbuffer *input_buffer;	/* public: body read */
	ev_int64_t ntoread;		/* private: body left, -1 unknown */
	int chunked:1,			/* public, read-only: chunked body */
	    userdone:1;			/* private */

	struct evbuffer *output_buffer;	/* public: body to send */

	/* Callback */
	void (*cb)(struct evhttp_request *, void *);
	void *cb_arg;

	/*
	 * Chunked data callback - call for each completed chunk if
	 * specified.  If not specified, all the data is delivered via
	 * the regular callback.
	 */
	void (*chunk_cb)(struct evhttp_request *, void *);
};
#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_STRUCT_H_INCLUDED_ */
