/*
 * regress_dns_peers.c -- the resolver against a real nameserver: dnsmasq
 * (when installed) serving a hosts file, each answer compared with what
 * dig gets from it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Against dnsmasq, compared with dig                                  */

static pid_t dm_pid = -1;
static char dig[256];		/* the path of dig */
static char dig_out[128];	/* and the file of its output */

/* Lines of dig +short output, without trailing dots, sorted-insensitive.
 * args: dig's last arguments, separated by single spaces. */
static int
dig_lines(unsigned short port, const char *args, char out[][64], int max)
{
	char opt_port[16], words[128], line[256], *argv[16], *w;
	FILE *f;
	int n = 0, i = 0;

	snprintf(opt_port, sizeof(opt_port), "%u", (unsigned)port);
	snprintf(words, sizeof(words), "%s", args);
	argv[i++] = dig;
	argv[i++] = "@127.0.0.1";
	argv[i++] = "-p";
	argv[i++] = opt_port;
	argv[i++] = "+short";
	argv[i++] = "+time=2";
	argv[i++] = "+tries=1";
	for (w = strtok(words, " "); w != NULL && i < 15; w = strtok(NULL, " "))
		argv[i++] = w;
	argv[i] = NULL;
	tt_int_op(regress_wait(regress_spawn(argv, dig_out), 10), ==, 0);
	f = fopen(dig_out, "r");
	tt_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		size_t l = strcspn(line, "\r\n");
		line[l] = '\0';
		if (l > 0 && line[l - 1] == '.')
			line[l - 1] = '\0';
		if (line[0] == ';' || line[0] == '\0')
			continue;
		snprintf(out[n++], 64, "%.63s", line);
	}
	fclose(f);
	return n;
}

static int
in_list(char list[][64], int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* 1 if a DNS server answers on 127.0.0.1:port within 100 ms. */
static int
udp_ping(unsigned short port)
{
	unsigned char q[300], a[600];
	struct sockaddr_storage to;
	socklen_t tolen = regress_loopback_addr(AF_INET, port, &to);
	struct pollfd pf;
	size_t ql;
	int fd, ok = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	tt_assert(fd >= 0);
	ql = dns_make_query(q, 0x4242, 0x0100, "alpha.test", 1);
	if (sendto(fd, q, ql, 0, (struct sockaddr *)&to, tolen) ==
	    (ssize_t)ql) {
		pf.fd = fd;
		pf.events = POLLIN;
		if (poll(&pf, 1, 100) == 1 && recv(fd, a, sizeof(a), 0) > 12)
			ok = 1;
		else
			usleep(20000);
	}
	close(fd);
	return ok;
}

/*
 * Start dnsmasq (at path prog) serving the hosts file on a free port and
 * wait (bounded) until it answers a query of ours; its port.  A port can
 * be taken (for TCP) between our probe and dnsmasq's bind: then dnsmasq
 * exits and another port is tried.
 */
static unsigned short
dm_start(const char *prog, const char *hosts)
{
	char path[256], arg_hosts[300], arg_port[32];
	/* As root, dnsmasq would switch to "nobody"; stay. */
	char *argv[] = { path, "--no-resolv", "--no-hosts", arg_hosts,
	    "--keep-in-foreground", "--pid-file=", arg_port,
	    "--listen-address=127.0.0.1", "--bind-interfaces",
	    "--local=/test/", "--log-facility=/dev/null",
	    getuid() == 0 ? "--user=root" : "--local-ttl=0", NULL };
	unsigned short port;
	int tries, ready;
	double t0;

	snprintf(path, sizeof(path), "%s", prog);
	snprintf(arg_hosts, sizeof(arg_hosts), "--addn-hosts=%s", hosts);
	for (tries = 0; tries < 4; tries++) {
		port = regress_unused_port(AF_INET, SOCK_DGRAM);
		snprintf(arg_port, sizeof(arg_port), "--port=%u",
		    (unsigned)port);
		dm_pid = regress_spawn(argv, NULL);
		t0 = regress_now();
		ready = 0;
		while (!ready && regress_now() - t0 < 3 * regress_slowdown()) {
			if (waitpid(dm_pid, NULL, WNOHANG) == dm_pid) {
				dm_pid = -1;
				break;
			}
			ready = udp_ping(port);
		}
		if (ready)
			return port;
		regress_kill_child(&dm_pid, SIGTERM);
	}
	tt_fail("dnsmasq did not start answering (4 tries, 3 s each)");
	return 0;
}

static void
test_dnsmasq(struct regress_env *env)
{
	static const char hostlines[] =
	    "10.1.2.3 alpha.test\n"
	    "10.1.2.5 alpha.test\n"
	    "10.1.2.4 beta.test\n"
	    "2001:db8::5 gamma.test\n";
	char dnsmasq[256], dir[64], hosts[128];
	char want[8][64];
	struct dns_result r[6];
	unsigned short port;
	int i, n;
	char buf[64];
	struct in_addr in;
	struct in6_addr in6;
	FILE *f;

	(void)env;
	if (regress_find_program("dnsmasq") == NULL)
		tt_skip("dnsmasq not installed");
	snprintf(dnsmasq, sizeof(dnsmasq), "%s",
	    regress_find_program("dnsmasq"));
	if (regress_find_program("dig") == NULL)
		tt_skip("dig (dnsutils) not installed");
	snprintf(dig, sizeof(dig), "%s", regress_find_program("dig"));
	regress_tmpdir(dir, sizeof(dir), "dns-dnsmasq");
	snprintf(dig_out, sizeof(dig_out), "%s/dig.out", dir);
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	tt_assert((f = fopen(hosts, "w")) != NULL);
	tt_int_op(fputs(hostlines, f), >=, 0);
	tt_int_op(fclose(f), ==, 0);
	port = dm_start(dnsmasq, hosts);
	snprintf(buf, sizeof(buf), "127.0.0.1:%u", (unsigned)port);
	tt_int_op(evdns_nameserver_ip_add(buf), ==, 0);
	dns_set_timeouts("1", "2");
	memset(r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("alpha.test", 0, dns_res_cb, &r[0]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("beta.test", 0, dns_res_cb, &r[1]), ==, 0);
	tt_int_op(evdns_resolve_ipv6("gamma.test", 0, dns_res_cb, &r[2]),
	    ==, 0);
	inet_pton(AF_INET, "10.1.2.4", &in);
	tt_int_op(evdns_resolve_reverse(&in, 0, dns_res_cb, &r[3]), ==, 0);
	inet_pton(AF_INET6, "2001:db8::5", &in6);
	tt_int_op(evdns_resolve_reverse_ipv6(&in6, 0, dns_res_cb, &r[4]),
	    ==, 0);
	tt_int_op(evdns_resolve_ipv4("nosuch.test", 0, dns_res_cb, &r[5]),
	    ==, 0);
	dns_wait(6, 5);

	/* Forward: the same address set as dig. */
	n = dig_lines(port, "alpha.test A", want, 8);
	tt_int_op(r[0].err, ==, DNS_ERR_NONE);
	tt_int_op(r[0].count, ==, n);
	for (i = 0; i < r[0].count; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, r[0].addrs + 4 * i, a, sizeof(a));
		tt_assert(in_list(want, n, a));
	}
	n = dig_lines(port, "beta.test A", want, 8);
	tt_int_op(n, ==, 1);
	{
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, r[1].addrs, a, sizeof(a));
		tt_str_op(a, ==, want[0]);
	}
	n = dig_lines(port, "gamma.test AAAA", want, 8);
	tt_int_op(r[2].err, ==, DNS_ERR_NONE);
	tt_int_op(r[2].count, ==, n);
	{
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, r[2].addrs, a, sizeof(a));
		tt_str_op(a, ==, want[0]);
	}
	/* Reverse. */
	n = dig_lines(port, "-x 10.1.2.4", want, 8);
	tt_int_op(n, >=, 1);
	tt_int_op(r[3].err, ==, DNS_ERR_NONE);
	tt_assert(in_list(want, n, r[3].ptr));
	n = dig_lines(port, "-x 2001:db8::5", want, 8);
	tt_int_op(n, >=, 1);
	tt_int_op(r[4].err, ==, DNS_ERR_NONE);
	tt_assert(in_list(want, n, r[4].ptr));
	/* A name dnsmasq does not know: NXDOMAIN, as dig reports. */
	n = dig_lines(port, "nosuch.test A", want, 8);
	tt_int_op(n, ==, 0);
	tt_int_op(r[5].err, ==, DNS_ERR_NOTEXIST);
	regress_kill_child(&dm_pid, SIGTERM);
	evdns_shutdown(0);
	regress_rmtree(dir);
}

struct regress_case regress_dns_peers_cases[] = {
	{ "dns/dnsmasq", test_dnsmasq, RT_BASE, NULL },
	RT_END
};
