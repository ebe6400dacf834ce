/*
 * regress_dns_config.c -- configuration: evdns_set_option, error strings,
 * the nameserver address forms evdns_nameserver_ip_add accepts, parsing
 * resolv.conf (good, broken and hostile files) and evdns_init.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_dns.h"

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void
test_set_option(struct regress_env *env)
{
	(void)env;
	tt_int_op(evdns_set_option("ndots", "3", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("ndots:", "x", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("ndots:", "2", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "1.5", DNS_OPTIONS_ALL), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "abc", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("attempts:", "1000", DNS_OPTIONS_ALL), ==,
	    0);
	tt_int_op(evdns_set_option("attempts:", "2x", DNS_OPTIONS_ALL), ==, -1);
	tt_int_op(evdns_set_option("max-timeouts:", "0", DNS_OPTIONS_ALL), ==,
	    0);
	tt_int_op(evdns_set_option("max-inflight:", "99999", DNS_OPTIONS_ALL),
	    ==, 0);
	tt_int_op(evdns_set_option("bogus:", "1", DNS_OPTIONS_ALL), ==, 0);
	/* Out of scope: accepted and ignored. */
	tt_int_op(evdns_set_option("timeout:", "7", DNS_OPTION_SEARCH), ==, 0);
	tt_int_op(evdns_set_option("timeout:", "", DNS_OPTIONS_ALL), ==, -1);
}

static void
test_err_strings(struct regress_env *env)
{
	(void)env;
	tt_str_op(evdns_err_to_string(DNS_ERR_NONE), ==, "no error");
	tt_str_op(evdns_err_to_string(DNS_ERR_NOTEXIST), ==,
	    "name does not exist");
	tt_str_op(evdns_err_to_string(DNS_ERR_TIMEOUT), ==,
	    "request timed out");
	tt_str_op(evdns_err_to_string(DNS_ERR_SHUTDOWN), ==,
	    "dns subsystem shut down");
	tt_str_op(evdns_err_to_string(12345), ==, "[Unknown error code]");
	tt_str_op(evdns_err_to_string(-1), ==, "[Unknown error code]");
	tt_int_op(DNS_ERR_TRUNCATED, ==, 65);
	tt_int_op(DNS_IPv6_AAAA, ==, 3);
	tt_int_op(DNS_OPTIONS_ALL, ==, 7);
	tt_int_op(EVDNS_QTYPE_ALL, ==, 255);
}

static void
test_ip_add_forms(struct regress_env *env)
{
	(void)env;
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1"), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1"), ==, 3);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5353"), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5353"), ==, 3);
	tt_int_op(evdns_nameserver_add(htonl(0x7f000002)), ==, 0);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.2:53"), ==, 3);
	tt_int_op(evdns_nameserver_ip_add("127.3"), ==, 0);	/* inet_aton */
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:0"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:65536"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("127.0.0.1:5x"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("not-an-ip"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add(""), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("[::1"), ==, 4);
	tt_int_op(evdns_nameserver_ip_add("[zz]:53"), ==, 4);
	tt_int_op(evdns_count_nameservers(), ==, 4);
	/* IPv6 forms, where the host has IPv6 loopback. */
	{
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd >= 0) {
			close(fd);
			tt_int_op(evdns_nameserver_ip_add("[::1]:5353"), ==, 0);
			tt_int_op(evdns_nameserver_ip_add("::1"), ==, 0);
			tt_int_op(evdns_nameserver_ip_add("[::1]:53"), ==, 3);
			tt_int_op(evdns_count_nameservers(), ==, 6);
		}
	}
	/* The CVE-2016-10196 shape: a huge bracket. */
	{
		char *big = malloc(100000);
		memset(big, '1', 99999);
		big[0] = '[';
		big[99990] = ']';
		big[99991] = ':';
		big[99999] = '\0';
		tt_int_op(evdns_nameserver_ip_add(big), ==, 4);
		free(big);
	}
	evdns_shutdown(0);
}

static char conf_path[64];

static void
write_conf(const char *text, size_t len)
{
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/regress_dns_XXXXXX");
	fd = mkstemp(conf_path);
	tt_assert(fd >= 0);
	tt_int_op(write(fd, text, len), ==, (ssize_t)len);
	close(fd);
}

static void
test_resolv_conf(struct regress_env *env)
{
	struct dns_tsrv s;
	struct dns_result r;
	char text[1024];
	int ret;

	(void)env;
	dns_tsrv_start(&s, TS_NORMAL);
	snprintf(text, sizeof(text),
	    "# a comment\n"
	    "; another\n"
	    "\n"
	    "nameserver 127.0.0.1:%d\n"
	    "nameserver\n"
	    "nameserver bogus!\n"
	    "garbage line here\n"
	    "domain ignored.test\n"
	    "search  a.test\tb.test   \n"
	    "options ndots:2 timeout:0.3 attempts:2 bogus:1 debug rotate\n"
	    "options ndots:xx\n"
	    "sortlist 1.2.3.4\n"
	    "nameserver 127.0.0.1:%d",	/* duplicate, no final newline */
	    s.port, s.port);
	write_conf(text, strlen(text));
	ret = evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path);
	unlink(conf_path);
	tt_int_op(ret, ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	/* search keeps file order; ndots:2 puts the domains first. */
	memset(&r, 0, sizeof(r));
	tt_int_op(evdns_resolve_ipv4("x.y", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(r.err, ==, DNS_ERR_NONE);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "x.y.a.test");
	tt_str_op(s.names[1], ==, "x.y.b.test");

	/* domain replaces the list; an empty search clears it. */
	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\ndomain only.test\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(s.nq, ==, 2);
	tt_str_op(s.names[0], ==, "h.only.test");
	tt_str_op(s.names[1], ==, "h");

	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\nsearch\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, dns_res_cb, &r), ==, 0);
	tt_int_op(evdns_resolve_ipv4("", 0, dns_res_cb, &r), ==, 1);
	dns_wait(1, 3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");

	/* Scope flags: only nameservers. */
	evdns_shutdown(0);
	snprintf(text, sizeof(text), "search z.test\n"
	    "nameserver 127.0.0.1:%d\n", s.port);
	write_conf(text, strlen(text));
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTION_NAMESERVERS, conf_path),
	    ==, 0);
	unlink(conf_path);
	s.nq = 0;
	tt_int_op(evdns_resolve_ipv4("h", 0, dns_res_cb, &r), ==, 0);
	dns_wait(1, 3);
	tt_int_op(s.nq, ==, 1);
	tt_str_op(s.names[0], ==, "h");
	dns_tsrv_stop(&s);
	evdns_shutdown(0);
}

static void
test_resolv_conf_errors(struct regress_env *env)
{
	char *big;
	static const char nul[] = "search a\0b.test\nnameserver 127.0.0.3\n";

	(void)env;
	/* No nameserver lines: 127.0.0.1 is added, 6 returned. */
	write_conf("search a.test\noptions ndots:1\n", 30);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 6);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* Missing file: 1, with 127.0.0.1 added. */
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL,
	    "/nonexistent/resolv.conf"), ==, 1);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* Too big: 3. */
	big = malloc(70000);
	memset(big, '#', 70000);
	write_conf(big, 70000);
	free(big);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 3);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	/* An embedded NUL ends its line; the next line still counts. */
	write_conf(nul, sizeof(nul) - 1);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 0);
	unlink(conf_path);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	/* A long line of garbage and an over-long search domain. */
	big = malloc(60000);
	memset(big, 'a', 60000);
	memcpy(big, "search ", 7);
	big[59999] = '\n';
	write_conf(big, 60000);
	free(big);
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path), ==, 6);
	unlink(conf_path);
	/* A directory cannot be read (on Windows not even opened). */
#ifdef _WIN32
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, "/"), ==, 1);
#else
	tt_int_op(evdns_resolv_conf_parse(DNS_OPTIONS_ALL, "/"), ==, 5);
#endif
	evdns_shutdown(0);
}

#ifdef _WIN32
/*
 * Windows keeps no resolv.conf: evdns_config_windows_nameservers() adds
 * the servers the system uses (GetNetworkParams), and evdns_init() does
 * that unless /etc/resolv.conf can be opened (wine shows it the host's):
 * either way at least one nameserver, 127.0.0.1 with 6 if the system
 * lists none.
 */
static void
test_init(struct regress_env *env)
{
	int r, n;

	(void)env;
	r = evdns_config_windows_nameservers();
	n = evdns_count_nameservers();
	regress_note("evdns_config_windows_nameservers: %d, %d", r, n);
	tt_assert((r == 0 && n >= 1) || (r == -1 && n == 0));
	evdns_shutdown(0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	r = evdns_init();
	n = evdns_count_nameservers();
	regress_note("evdns_init (%s): %d, %d nameservers",
	    access("/etc/resolv.conf", 0) == 0 ? "resolv.conf" : "system", r,
	    n);
	tt_assert((r == 0 && n >= 1) || (r == 6 && n == 1));
	evdns_shutdown(0);
}
#else
/*
 * evdns_init() reads /etc/resolv.conf.  The case gives it a file of its
 * own instead (regress_redirect_open), so whatever the host has there
 * does not matter: first three nameservers, then no file at all.
 */
static void
test_init(struct regress_env *env)
{
	static const char conf[] = "nameserver 127.0.0.1:5301\n"
	    "nameserver 127.0.0.1:5302\nnameserver 127.0.0.1:5303\n";
	char dir[64], path[128];
	FILE *f;

	(void)env;
	regress_tmpdir(dir, sizeof(dir), "dns-init");
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	tt_assert((f = fopen(path, "w")) != NULL);
	tt_int_op(fputs(conf, f), >=, 0);
	tt_int_op(fclose(f), ==, 0);
	if (regress_redirect_open("/etc/resolv.conf", path) == -1)
		tt_skip("cannot stand in for open() here");
	tt_int_op(evdns_init(), ==, 0);
	tt_int_op(evdns_count_nameservers(), ==, 3);
	evdns_shutdown(0);
	tt_int_op(evdns_count_nameservers(), ==, 0);
	/* No file: 1, and 127.0.0.1 is the one nameserver, as in 1.4. */
	tt_int_op(unlink(path), ==, 0);
	tt_int_op(evdns_init(), ==, 1);
	tt_int_op(evdns_count_nameservers(), ==, 1);
	evdns_shutdown(0);
	regress_redirect_open(NULL, NULL);
	regress_rmtree(dir);
}
#endif /* _WIN32 */

struct regress_case regress_dns_config_cases[] = {
	{ "dns/set_option", test_set_option, RT_ONCE, NULL },
	{ "dns/err_strings", test_err_strings, RT_ONCE, NULL },
	{ "dns/ip_add_forms", test_ip_add_forms, RT_BASE | RT_ONCE, NULL },
	{ "dns/resolv_conf", test_resolv_conf, RT_BASE, NULL },
	{ "dns/resolv_conf_errors", test_resolv_conf_errors,
	    RT_BASE | RT_ONCE, NULL },
	{ "dns/init", test_init, RT_BASE | RT_ONCE, NULL },
	RT_END
};
