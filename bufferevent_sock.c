/*
 * bufferevent_sock.c -- bufferevents on a socket: 1.4's bufferevent_new()
 * and 2.x's bufferevent_socket_new(), connect and connect_hostname.
 *
 * Reading fills the input and calls readcb once the input holds at least
 * the read low watermark; writing drains the output and calls writecb once
 * it is down to the write low watermark; end of file, errors and timeouts
 * go to the event callback with BEV_EVENT_READING or _WRITING plus
 * BEV_EVENT_EOF, _ERROR or _TIMEOUT.
 *
 * Mechanism (the observable behaviour is 1.4's and 2.x's):
 *
 *  - Both events are EV_PERSIST, so a busy stream does not delete and
 *    re-add its fd with the backend around every read and write.  The
 *    timeouts are inactivity timeouts: they are re-armed after each
 *    successful read or write, which only touches the timer heap.
 *  - The write event is pending only while there is output; a callback on
 *    the output buffer adds it when data arrives, however it arrives
 *    (bufferevent_write() or evbuffer_add() on bufferevent_get_output()).
 *  - Reads take what FIONREAD says is waiting (evbuffer_read()), bounded
 *    by the read high watermark and any rate limit.
 *
 * A bufferevent made by bufferevent_new() keeps three 1.4 behaviours
 * (BEV_P_COMPAT14): after end of file, an error or a timeout the
 * direction's enabled bit stays set; bufferevent_enable(EV_WRITE) with an
 * empty output still gives one write callback once the fd is writable; and
 * bufferevent_setfd() does not re-add the events.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bufferevent-internal.h"
#include "event-internal.h"	/* current_base */
#include "log-internal.h"
#include "mm-internal.h"

/* Neither a rate limit nor a single-operation size: the buffers size
 * reads and writes themselves. */
#define BEV_NO_LIMITS(p)	((p)->rate_limiting == NULL &&		\
	(p)->max_single_read == 0 && (p)->max_single_write == 0)

static void be_socket_readcb(int fd, short what, void *arg);
static void be_socket_writecb(int fd, short what, void *arg);

/* Set both events on fd, on the bufferevent's base. */
static void
be_socket_set_events(struct bufferevent *bev, evutil_socket_t fd)
{
	bufferevent_event_set_(bev, &bev->ev_read, fd, EV_READ | EV_PERSIST,
	    be_socket_readcb, bev);
	bufferevent_event_set_(bev, &bev->ev_write, fd, EV_WRITE | EV_PERSIST,
	    be_socket_writecb, bev);
}

/* Give a pending event its new timeout (none: really remove the old). */
static int
be_socket_retime(struct event *ev, short kind, const struct timeval *tv)
{
	if (!event_pending(ev, kind, NULL))
		return 0;
	/* event_add(ev, NULL) would keep the old deadline. */
	if (!bufferevent_has_timeout_(tv) &&
	    event_pending(ev, EV_TIMEOUT, NULL))
		event_del(ev);
	return bufferevent_add_event_(ev, tv);
}

static int
be_socket_update(struct bufferevent *bev, short which)
{
	struct bufferevent_private *p = BEV_P(bev);
	evutil_socket_t fd = bev->ev_read.ev_fd;
	int res = 0;

	if (which & BEV_UPDATE_TIMEOUTS_) {
		if (be_socket_retime(&bev->ev_read, EV_READ,
		    &p->tv_read) == -1 ||
		    be_socket_retime(&bev->ev_write, EV_WRITE,
		    &p->tv_write) == -1)
			res = -1;
		return res;
	}
	if (which & EV_READ) {
		if (bufferevent_reading_(bev) && fd >= 0)
			res = bufferevent_add_event_(&bev->ev_read,
			    &p->tv_read);
		else
			event_del(&bev->ev_read);
	}
	/* A connect in progress owns the write event. */
	if ((which & EV_WRITE) && !(p->flags & BEV_P_CONNECTING)) {
		if (bufferevent_writing_(bev) && fd >= 0 &&
		    (bev->output->off > 0 || ((which & BEV_UPDATE_ENABLE_) &&
		    (p->flags & BEV_P_COMPAT14)))) {
			if (bufferevent_add_event_(&bev->ev_write,
			    &p->tv_write) == -1)
				res = -1;
		} else {
			event_del(&bev->ev_write);
		}
	}
	return res;
}

/*
 * New output: make sure the write event is pending.  1.4 re-armed (and so
 * restarted) the write timeout on every write; 2.x only adds the event
 * when it is not pending.
 */
static void
be_socket_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_private *p = BEV_P(bev);

	(void)buf;
	if (info->n_added == 0 || !bufferevent_writing_(bev) ||
	    (p->flags & BEV_P_CONNECTING) || bev->ev_write.ev_fd < 0)
		return;
	/* (The flag test is event_pending() without the call; with threads
	 * the loop may be changing the flags, so ask under the base's lock.) */
	if ((p->lock != NULL ? event_pending(&bev->ev_write, EV_WRITE, NULL) :
	    (bev->ev_write.ev_flags & EVLIST_INSERTED)) &&
	    (!(p->flags & BEV_P_COMPAT14) ||
	    !bufferevent_has_timeout_(&p->tv_write)))
		return;
	/* bufferevent_write() reports a refusal, as 1.4's did. */
	if (bufferevent_add_event_(&bev->ev_write, &p->tv_write) == -1)
		p->out_error = errno;
}

/* How much one read may take: the high watermark's room and the quota. */
static int
be_socket_howmuch(struct bufferevent_private *p)
{
	struct bufferevent *bev = &p->bev;
	ev_ssize_t quota = BEV_NO_LIMITS(p) ? -1 : bufferevent_quota_(p, 1);
	size_t room = (size_t)-1;

	if (bev->wm_read.high != 0)
		room = bev->wm_read.high - bev->input->off;
	if (quota >= 0 && (size_t)quota < room)
		room = (size_t)quota;
	if (room == (size_t)-1)
		return -1;	/* the evbuffer's choice */
	return room > INT_MAX ? INT_MAX : (int)room;
}

/*
 * The read event fired: read (at most up to the high watermark and the
 * rate limit), pause at the high watermark, and call readcb once the
 * input reaches the low watermark.  EOF, errors and the timeout go to
 * the event callback and stop reading.
 */
static void
be_socket_readcb(int fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_private *p = BEV_P(bev);
	struct evbuffer *in = bev->input;
	int howmuch, res;
	short err;

	bufferevent_incref_and_lock_(bev);
	/* With threads, another thread may have stopped reading between the
	 * event firing and this handler getting the lock. */
	if (p->lock != NULL && !bufferevent_reading_(bev))
		goto done;
	if (what & EV_TIMEOUT) {
		err = BEV_EVENT_READING | BEV_EVENT_TIMEOUT;
		goto error;
	}
	if (bev->wm_read.high != 0 && in->off >= bev->wm_read.high) {
		/* The watermark may have been lowered meanwhile. */
		bufferevent_check_read_wm_(bev);
		goto done;
	}
	if ((howmuch = be_socket_howmuch(p)) == 0)
		goto done;	/* the rate limit suspended us */

	res = evbuffer_read(in, fd, howmuch);
	if (res == -1) {
		if (EVUTIL_ERR_RW_RETRIABLE(EVUTIL_SOCKET_ERROR()))
			goto done;
		err = BEV_EVENT_READING | BEV_EVENT_ERROR;
		goto error;
	}
	if (res == 0) {
		err = BEV_EVENT_READING | BEV_EVENT_EOF;
		goto error;
	}
	if (p->rate_limiting != NULL)
		bufferevent_charge_(p, 1, (size_t)res);
	if (bufferevent_has_timeout_(&p->tv_read) && bufferevent_reading_(bev))
		event_add(&bev->ev_read, &p->tv_read);
	bufferevent_check_read_wm_(bev);

	/* Below the low watermark the data waits silently. */
	if (in->off >= bev->wm_read.low)
		bufferevent_run_readcb_(bev, 0);
	goto done;

error:
	bufferevent_stop_direction_(bev, EV_READ);
	bufferevent_run_eventcb_(bev, err, 0);
done:
	bufferevent_decref_and_unlock_(bev);
}

/* A connect finished?  1 yes, 0 still going, -1 failed (the error in
 * EVUTIL_SOCKET_ERROR()). */
static int
be_socket_connect_done(struct bufferevent_private *p, evutil_socket_t fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (p->connect_errno != 0) {
		e = p->connect_errno;
		p->connect_errno = 0;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1) {
		e = EVUTIL_SOCKET_ERROR();
	}
	if (e == 0)
		return 1;
	if (EVUTIL_ERR_CONNECT_RETRIABLE(e))
		return 0;
	EVUTIL_SET_SOCKET_ERROR(e);
	return -1;
}

/*
 * The connect finished (the write event fired while connecting).
 * Returns 1 when the write handler should go on writing.
 */
static int
be_socket_connected(struct bufferevent *bev, evutil_socket_t fd)
{
	struct bufferevent_private *p = BEV_P(bev);
	int c = be_socket_connect_done(p, fd);

	if (c == 0)
		return 0;
	p->flags &= ~BEV_P_CONNECTING;
	if (c < 0) {
		/* Reading stays off: there is nothing to read. */
		p->read_suspended &= ~BEV_SUSPEND_CONNECTING;
		event_del(&bev->ev_write);
		event_del(&bev->ev_read);
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
		return 0;
	}
	bufferevent_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
	bufferevent_unsuspend_read_(bev, BEV_SUSPEND_CONNECTING);
	if (!bufferevent_writing_(bev) || bev->output->off == 0) {
		event_del(&bev->ev_write);
		return 0;
	}
	return 1;
}

/*
 * The write event fired: finish a connect, write what the output holds
 * (within the rate limit), keep the event while data remains (else delete
 * it), and call writecb once the output is down to the write low
 * watermark.  Errors and the timeout go to the event callback and stop
 * writing.
 */
static void
be_socket_writecb(int fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_private *p = BEV_P(bev);
	struct evbuffer *out = bev->output;
	ev_ssize_t quota;
	int res = 0;
	short err;

	bufferevent_incref_and_lock_(bev);
	/* As in be_socket_readcb() (a connect owns the event regardless). */
	if (p->lock != NULL && !(p->flags & BEV_P_CONNECTING) &&
	    !bufferevent_writing_(bev))
		goto done;
	if (what & EV_TIMEOUT) {
		err = BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT;
		goto error;
	}
	if ((p->flags & BEV_P_CONNECTING) && !be_socket_connected(bev, fd))
		goto done;
	if (out->off > 0) {
		quota = BEV_NO_LIMITS(p) ? -1 : bufferevent_quota_(p, 0);
		if (quota == 0)
			goto done;	/* the rate limit suspended us */
		res = quota < 0 ? evbuffer_write(out, fd) :
		    evbuffer_write_atmost(out, fd, quota);
		if (res == -1) {
			int e = EVUTIL_SOCKET_ERROR();

			if (EVUTIL_ERR_RW_RETRIABLE(e) ||
			    EVUTIL_ERR_CONNECT_RETRIABLE(e))
				goto done;
			err = BEV_EVENT_WRITING | BEV_EVENT_ERROR;
			goto error;
		}
		if (res == 0) {
			err = BEV_EVENT_WRITING | BEV_EVENT_EOF;
			goto error;
		}
		if (p->rate_limiting != NULL)
			bufferevent_charge_(p, 0, (size_t)res);
	}

	if (out->off == 0)
		event_del(&bev->ev_write);
	else if (bufferevent_has_timeout_(&p->tv_write) &&
	    bufferevent_writing_(bev))
		event_add(&bev->ev_write, &p->tv_write);

	/* 1.4 also reports an empty output when the event fired. */
	if ((res > 0 || (p->flags & BEV_P_COMPAT14)) &&
	    out->off <= bev->wm_write.low)
		bufferevent_run_writecb_(bev, 0);
	goto done;

error:
	bufferevent_stop_direction_(bev, EV_WRITE);
	bufferevent_run_eventcb_(bev, err, 0);
done:
	bufferevent_decref_and_unlock_(bev);
}

/* ------------------------------------------------------------------ */
/* The kind's operations */

static evutil_evdns_getaddrinfo_fn_ evdns_getaddrinfo_hook;
static evutil_evdns_getaddrinfo_cancel_fn_ evdns_getaddrinfo_cancel_hook;

void
evutil_set_evdns_getaddrinfo_fn_(evutil_evdns_getaddrinfo_fn_ fn)
{
	evdns_getaddrinfo_hook = fn;
}

void
evutil_set_evdns_getaddrinfo_cancel_fn_(evutil_evdns_getaddrinfo_cancel_fn_ fn)
{
	evdns_getaddrinfo_cancel_hook = fn;
}

static void
be_socket_unlink(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);

	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	/* Its callback comes later with EVUTIL_EAI_CANCEL and drops the
	 * lookup's reference. */
	if (p->dns_request != NULL && evdns_getaddrinfo_cancel_hook != NULL)
		evdns_getaddrinfo_cancel_hook(p->dns_request);
}

static void
be_socket_destruct(struct bufferevent *bev)
{
	if ((BEV_P(bev)->options & BEV_OPT_CLOSE_ON_FREE) &&
	    bev->ev_read.ev_fd >= 0)
		EVUTIL_CLOSESOCKET(bev->ev_read.ev_fd);
}

/* A socket pushes its data as fast as it can anyway. */
static int
be_socket_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	(void)bev;
	(void)iotype;
	(void)mode;
	return 0;
}

static evutil_socket_t
be_socket_get_fd(struct bufferevent *bev)
{
	return bev->ev_read.ev_fd;
}

/*
 * Move to another fd: both events are deleted and set again on the same
 * base with the same priorities; a connect in progress is forgotten.  A
 * 2.x bufferevent then re-arms what is enabled; a 1.4 one waits for
 * bufferevent_enable(), as 1.4 did.
 */
static int
be_socket_set_fd(struct bufferevent *bev, evutil_socket_t fd)
{
	struct bufferevent_private *p = BEV_P(bev);
	int pri_r = bev->ev_read.ev_pri, pri_w = bev->ev_write.ev_pri;

	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	p->flags &= ~BEV_P_CONNECTING;
	p->read_suspended &= ~BEV_SUSPEND_CONNECTING;
	p->connect_errno = 0;
	be_socket_set_events(bev, fd);
	event_priority_set(&bev->ev_read, pri_r);
	event_priority_set(&bev->ev_write, pri_w);
	if (!(p->flags & BEV_P_COMPAT14) && fd >= 0)
		(void)be_socket_update(bev, EV_READ | EV_WRITE);
	return 0;
}

static struct bufferevent *
be_socket_get_underlying(struct bufferevent *bev)
{
	(void)bev;
	return NULL;
}

const struct bufferevent_ops bufferevent_ops_socket_ = {
	"socket",
	be_socket_update,
	be_socket_unlink,
	be_socket_destruct,
	be_socket_flush,
	be_socket_get_fd,
	be_socket_set_fd,
	be_socket_get_underlying,
};

/* ------------------------------------------------------------------ */
/* Constructors */

struct bufferevent *
bufferevent_socket_new(struct event_base *base, evutil_socket_t fd,
    int options)
{
	struct bufferevent_private *p;
	struct bufferevent *bev;

	if ((p = mm_calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (bufferevent_init_common_(p, base, &bufferevent_ops_socket_,
	    options) == -1) {
		mm_free(p);
		return NULL;
	}
	bev = &p->bev;
	be_socket_set_events(bev, fd);
	p->out_entry = evbuffer_add_cb_adds_only_(bev->output,
	    be_socket_outbuf_cb, bev);
	if (p->out_entry == NULL) {
		/* Nothing runs yet: the common part goes with its buffers. */
		p->options &= ~BEV_OPT_CLOSE_ON_FREE;
		bufferevent_decref_and_unlock_(bev);
		return NULL;
	}
	return bev;
}

/*
 * 1.4: a socket bufferevent on fd on current_base (none: the program calls
 * bufferevent_base_set() before enabling it).  NULL on allocation failure.
 */
struct bufferevent *
bufferevent_new(evutil_socket_t fd, evbuffercb readcb, evbuffercb writecb,
    everrorcb errorcb, void *cbarg)
{
	struct bufferevent *bev = bufferevent_socket_new(current_base, fd, 0);

	if (bev == NULL)
		return NULL;
	BEV_P(bev)->flags |= BEV_P_COMPAT14;
	bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
	return bev;
}

/* Move both events to base; only before they are added.  0 or -1. */
int
bufferevent_base_set(struct event_base *base, struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_P(bev);
	int res;

	if (p->ops != &bufferevent_ops_socket_) {
		errno = EINVAL;
		return -1;
	}
	bufferevent_lock_(bev);
	bev->ev_base = base;
	res = event_base_set(base, &bev->ev_read);
	if (res == 0)
		res = event_base_set(base, &bev->ev_write);
	/* Deferred callbacks follow; an active one runs on the old base. */
	if (res == 0 && !p->deferred_scheduled)
		(void)event_base_set(base, &p->deferred);
	bufferevent_unlock_(bev);
	return res;
}

/* ------------------------------------------------------------------ */
/* Connecting */

/*
 * Start watching a connect on the bufferevent's fd.  refused: connect()
 * reported ECONNREFUSED at once; the error still goes to the event
 * callback from the loop, as with any other outcome.
 */
static int
be_socket_watch_connect(struct bufferevent *bev, int refused)
{
	struct bufferevent_private *p = BEV_P(bev);

	p->flags |= BEV_P_CONNECTING;
	bufferevent_suspend_read_(bev, BEV_SUSPEND_CONNECTING);
	if (refused) {
		p->connect_errno = ECONNREFUSED;
		event_active(&bev->ev_write, EV_WRITE, 1);
		return 0;
	}
	if (bufferevent_add_event_(&bev->ev_write, &p->tv_write) == -1) {
		p->flags &= ~BEV_P_CONNECTING;
		p->read_suspended &= ~BEV_SUSPEND_CONNECTING;
		return -1;
	}
	return 0;
}

int
bufferevent_socket_connect(struct bufferevent *bev,
    const struct sockaddr *addr, int socklen)
{
	evutil_socket_t fd;
	int own = 0, refused = 0, res = -1;

	bufferevent_incref_and_lock_(bev);
	if (BEV_P(bev)->ops != &bufferevent_ops_socket_ ||
	    bev->ev_base == NULL || (addr == NULL && bev->ev_read.ev_fd < 0) ||
	    (addr != NULL && socklen <= 0)) {
		errno = EINVAL;
		goto done;
	}
	fd = bev->ev_read.ev_fd;
	if (fd < 0) {
		fd = socket(addr->sa_family, SOCK_STREAM, 0);
		if (fd < 0)
			goto done;
		own = 1;
		if (evutil_make_socket_nonblocking(fd) == -1) {
			EVUTIL_CLOSESOCKET(fd);
			goto done;
		}
	}
	if (addr != NULL && connect(fd, addr, (socklen_t)socklen) == -1) {
		int e = EVUTIL_SOCKET_ERROR();

		if (EVUTIL_ERR_IS_REFUSED(e)) {
			refused = 1;
		} else if (!EVUTIL_ERR_CONNECT_RETRIABLE(e)) {
			if (own)
				EVUTIL_CLOSESOCKET(fd);
			goto done;
		}
	}
	if (own)
		(void)be_socket_set_fd(bev, fd);
	res = be_socket_watch_connect(bev, refused);
	if (res == -1 && own) {
		(void)be_socket_set_fd(bev, -1);
		EVUTIL_CLOSESOCKET(fd);
	}
done:
	bufferevent_decref_and_unlock_(bev);
	return res;
}

/* The end of connect_hostname's evdns lookup (holding a reference). */
static void
be_socket_dns_cb(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_private *p = BEV_P(bev);

	bufferevent_lock_(bev);
	p->dns_request = NULL;
	p->dns_error = result;
	if (result == EVUTIL_EAI_CANCEL || (p->flags & BEV_P_FREEING)) {
		/* bufferevent_free() cancelled it: nobody to tell. */
	} else if (result != 0 || ai == NULL) {
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR,
		    BEV_TRIG_DEFER_CALLBACKS);
	} else if (bufferevent_socket_connect(bev, ai->ai_addr,
	    (int)ai->ai_addrlen) < 0) {
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR,
		    BEV_TRIG_DEFER_CALLBACKS);
	}
	evutil_freeaddrinfo(ai);
	bufferevent_decref_and_unlock_(bev);
}

/* The lookup through dns_base (installed by libevent_extra). */
static int
be_socket_connect_evdns(struct bufferevent *bev, struct evdns_base *dns_base,
    const char *hostname, const char *portbuf,
    const struct evutil_addrinfo *hints)
{
	struct bufferevent_private *p = BEV_P(bev);
	struct evdns_getaddrinfo_request *req;

	if (p->dns_request != NULL) {
		errno = EINPROGRESS;
		return -1;
	}
	bufferevent_incref_and_lock_(bev);	/* the lookup's reference */
	/* The callback may run inside the call (numeric, hosts). */
	req = evdns_getaddrinfo_hook(dns_base, hostname, portbuf, hints,
	    be_socket_dns_cb, bev);
	if (req != NULL)
		p->dns_request = req;
	bufferevent_unlock_(bev);
	return 0;
}

/*
 * With a dns_base, the lookup goes through it (evdns_getaddrinfo()) and
 * the connect starts when it ends; without one, getaddrinfo() runs here,
 * in the calling thread.  A failed lookup is reported like a failed
 * connect: BEV_EVENT_ERROR from the loop.
 */
int
bufferevent_socket_connect_hostname(struct bufferevent *bev,
    struct evdns_base *dns_base, int family, const char *hostname, int port)
{
	struct bufferevent_private *p = BEV_P(bev);
	struct addrinfo hints, *ai = NULL;
	char portbuf[8];
	int err, res;

	if ((family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) ||
	    hostname == NULL || port < 0 || port > 65535 ||
	    p->ops != &bufferevent_ops_socket_ || bev->ev_base == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	if (dns_base != NULL && evdns_getaddrinfo_hook != NULL)
		return be_socket_connect_evdns(bev, dns_base, hostname,
		    portbuf, (const struct evutil_addrinfo *)&hints);
	err = getaddrinfo(hostname, portbuf, &hints, &ai);
	bufferevent_incref_and_lock_(bev);
	p->dns_error = err;
	if (err != 0) {
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR,
		    BEV_TRIG_DEFER_CALLBACKS);
		res = 0;
	} else {
		res = bufferevent_socket_connect(bev, ai->ai_addr,
		    (int)ai->ai_addrlen);
		freeaddrinfo(ai);
	}
	bufferevent_decref_and_unlock_(bev);
	return res;
}

int
bufferevent_socket_get_dns_error(struct bufferevent *bev)
{
	int res;

	bufferevent_lock_(bev);
	res = BEV_P(bev)->dns_error;
	bufferevent_unlock_(bev);
	return res;
}
