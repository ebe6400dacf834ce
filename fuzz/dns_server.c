/*
 * dns_server.c -- fuzz the DNS server port: the input is a request
 * datagram sent to an evdns server port, whose callback answers every
 * question (A, AAAA, PTR, CNAME records, or an error code, as byte 0 of
 * the input's id chooses) and sends the reply back.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "fuzz.h"
#include "net.h"

static struct event_base *base;
static struct evdns_server_port *port;
static int server_fd = -1, client_fd = -1;
static struct sockaddr_in server_addr;

static void
answer(struct evdns_server_request *req, int i, unsigned how)
{
	const struct evdns_server_question *qn = req->questions[i];
	ev_uint32_t a = htonl(0x01020304);
	unsigned char aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	fuzz_check(qn != NULL && qn->name != NULL);
	switch ((how + (unsigned)i) % 4) {
	case 0:
		(void)evdns_server_request_add_a_reply(req, qn->name, 1, &a,
		    60);
		break;
	case 1:
		(void)evdns_server_request_add_aaaa_reply(req, qn->name, 1,
		    aaaa, 60);
		break;
	case 2:
		(void)evdns_server_request_add_ptr_reply(req, NULL, qn->name,
		    "ptr.example", 60);
		break;
	default:
		(void)evdns_server_request_add_cname_reply(req, qn->name,
		    qn->name, 60);
		break;
	}
}

static void
server_cb(struct evdns_server_request *req, void *arg)
{
	unsigned how = *(unsigned *)arg;
	int i;

	fuzz_check(req->nquestions >= 0);
	if (how & 0x80) {
		(void)evdns_server_request_drop(req);
		return;
	}
	for (i = 0; i < req->nquestions; i++)
		answer(req, i, how);
	if (evdns_server_request_respond(req, (how & 0x40) ? 3 : 0) == -1)
		(void)evdns_server_request_drop(req);
}

static unsigned how;

static void
setup(void)
{
	unsigned short p = 0;
	socklen_t sl = sizeof(server_addr);

	if (base != NULL)
		return;
	fuzz_quiet();
	base = event_init();
	server_fd = fuzz_bind_loopback(SOCK_DGRAM, &p);
	fuzz_check(base != NULL && server_fd >= 0);
	fuzz_check(getsockname(server_fd, (struct sockaddr *)&server_addr,
	    &sl) == 0);
	port = evdns_add_server_port(server_fd, 0, server_cb, &how);
	fuzz_check(port != NULL);
	client_fd = socket(AF_INET, SOCK_DGRAM, 0);
	fuzz_check(client_fd >= 0);
	fuzz_check(evutil_make_socket_nonblocking(client_fd) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char buf[65536];

	setup();
	how = size > 0 ? data[0] : 0;
	if (sendto(client_fd, data, size, 0, (struct sockaddr *)&server_addr,
	    sizeof(server_addr)) == -1)
		return 0;
	fuzz_spin(base, 4, NULL);
	while (recv(client_fd, buf, sizeof(buf), 0) > 0)
		;
	return 0;
}
