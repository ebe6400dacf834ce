/*
 * evdns_config.c -- resolver configuration: the search list, options,
 * nameserver addresses and resolv.conf (resolv.conf(5) syntax).
 *
 * Every function works on a struct evdns_base; the public 1.4 calls pass
 * the global instance.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "mm-internal.h"

#define RESOLV_CONF_MAX	65535	/* larger files are refused (as 1.4) */

/* ------------------------------------------------------------------ */
/* The search list                                                     */

void
evdns_search_unref_(struct search_state *s)
{
	int i;

	if (s == NULL || --s->refcnt > 0)
		return;
	for (i = 0; i < s->n; i++)
		mm_free(s->doms[i]);
	mm_free(s->doms);
	mm_free(s);
}

/* A copy of the domains old->doms[0..n), or NULL when out of memory. */
static char **
domains_copy(const struct search_state *old)
{
	char **doms = mm_calloc((size_t)old->n, sizeof(char *));
	int i;

	if (doms == NULL)
		return NULL;
	for (i = 0; i < old->n; i++) {
		if ((doms[i] = mm_strdup(old->doms[i])) == NULL) {
			while (i-- > 0)
				mm_free(doms[i]);
			mm_free(doms);
			return NULL;
		}
	}
	return doms;
}

/*
 * Return the instance's search list, ready to be modified: requests keep
 * the list they started with, so a shared list is copied first.  NULL
 * when out of memory.
 */
static struct search_state *
search_writable(struct evdns_base *dns)
{
	struct search_state *s, *old = dns->search;

	if (old != NULL && old->refcnt == 1)
		return old;
	if ((s = mm_calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->refcnt = 1;
	s->ndots = old != NULL ? old->ndots : 1;
	if (old != NULL && old->n > 0) {
		if ((s->doms = domains_copy(old)) == NULL) {
			mm_free(s);
			return NULL;
		}
		s->n = old->n;
	}
	evdns_search_unref_(old);
	dns->search = s;
	return s;
}

void
evdns_search_reset_(struct evdns_base *dns)
{
	evdns_search_unref_(dns->search);
	dns->search = NULL;
}

/* Insert domain (dots at either end stripped) first, or else last. */
static void
search_insert(struct evdns_base *dns, const char *domain, int front)
{
	struct search_state *s;
	char **nd, *d;
	size_t len;

	if (domain == NULL)
		return;
	while (*domain == '.')
		domain++;
	len = strlen(domain);
	while (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > EVDNS_NAME_MAX)
		return;
	if ((s = search_writable(dns)) == NULL)
		return;
	if ((d = mm_strndup(domain, len)) == NULL)
		return;
	nd = mm_realloc(s->doms, sizeof(char *) * ((size_t)s->n + 1));
	if (nd == NULL) {
		mm_free(d);
		return;
	}
	s->doms = nd;
	if (front) {
		memmove(nd + 1, nd, sizeof(char *) * (size_t)s->n);
		nd[0] = d;
	} else {
		nd[s->n] = d;
	}
	s->n++;
}

/* Drop the domains but keep ndots. */
static void
search_domains_clear(struct evdns_base *dns)
{
	struct search_state *s = search_writable(dns);
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		mm_free(s->doms[i]);
	mm_free(s->doms);
	s->doms = NULL;
	s->n = 0;
}

static void
search_ndots_set(struct evdns_base *dns, int ndots)
{
	struct search_state *s = search_writable(dns);

	if (s != NULL)
		s->ndots = ndots < 0 ? 0 : ndots;
}

/* The domain part of this host's name as the default search list. */
static void
search_from_hostname(struct evdns_base *dns)
{
	char host[256], *dot;

	if (gethostname(host, sizeof(host) - 1) != 0)
		return;
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL && dot[1] != '\0') {
		evdns_search_reset_(dns);
		search_insert(dns, dot + 1, 1);
	}
}

void
evdns_search_clear(void)
{
	evdns_search_reset_(evdns_global_());
}

void
evdns_search_add(const char *domain)
{
	search_insert(evdns_global_(), domain, 1);
}

void
evdns_search_ndots_set(const int ndots)
{
	search_ndots_set(evdns_global_(), ndots);
}

void
evdns_base_search_clear(struct evdns_base *base)
{
	if (base != NULL)
		evdns_search_reset_(base);
}

void
evdns_base_search_add(struct evdns_base *base, const char *domain)
{
	if (base != NULL)
		search_insert(base, domain, 1);
}

void
evdns_base_search_ndots_set(struct evdns_base *base, const int ndots)
{
	if (base != NULL)
		search_ndots_set(base, ndots);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

/* Parse a whole-string integer into *v, clamped to lo..hi.  -1 if bad. */
static int
parse_int(const char *s, int lo, int hi, int *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0)
		return -1;
	*v = l < lo ? lo : l > hi ? hi : (int)l;
	return 0;
}

/* "timeout:": seconds as in 1.4, fractions also accepted. */
static int
set_timeout(struct evdns_base *dns, const char *val, int apply)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(val, &end);
	if (end == val || *end != '\0' || errno != 0 || d != d)
		return -1;
	if (!apply)
		return 0;
	if (d < 0.001)
		d = 0.001;
	if (d > 3600)
		d = 3600;
	dns->timeout.tv_sec = (time_t)d;
	dns->timeout.tv_usec = (suseconds_t)
	    ((d - (double)dns->timeout.tv_sec) * 1e6);
	return 0;
}

/*
 * Set one option (the name includes its colon).  -1 only for a value
 * that does not parse; unknown names and options outside the scope in
 * flags are ignored.
 */
static int
set_option(struct evdns_base *dns, const char *option, const char *val,
    int flags)
{
	int misc = (flags & DNS_OPTION_MISC) != 0, v;

	if (option == NULL || val == NULL)
		return -1;
	if (strcmp(option, "timeout:") == 0)
		return set_timeout(dns, val, misc);
	if (strcmp(option, "ndots:") == 0) {
		if (parse_int(val, 0, 255, &v) < 0)
			return -1;
		if (flags & DNS_OPTION_SEARCH)
			search_ndots_set(dns, v);
	} else if (strcmp(option, "max-timeouts:") == 0) {
		if (parse_int(val, 1, 255, &v) < 0)
			return -1;
		if (misc)
			dns->max_timeouts = v;
	} else if (strcmp(option, "max-inflight:") == 0) {
		if (parse_int(val, 1, 65000, &v) < 0)
			return -1;
		if (misc) {
			dns->max_inflight = v;
			evdns_pump_waiting_(dns);
		}
	} else if (strcmp(option, "attempts:") == 0) {
		if (parse_int(val, 1, 255, &v) < 0)
			return -1;
		if (misc)
			dns->attempts = v;
	}
	return 0;
}

int
evdns_set_option(const char *option, const char *val, int flags)
{
	return set_option(evdns_global_(), option, val, flags);
}

/*
 * Options libevent 2.1 added.  They are checked and accepted; none
 * changes what we do (see docs/COMPAT.md): our queries already carry a
 * random id and source port, probes follow their own schedule, and
 * sockets keep the kernel's buffer sizes and source address.
 */
static int
set_option_2x(const char *option, const char *val)
{
	struct sockaddr_storage ss;
	int v, len = (int)sizeof(ss);

	if (strcmp(option, "randomize-case:") == 0)
		return strcmp(val, "0") == 0 || strcmp(val, "1") == 0 ? 0 : -1;
	if (strcmp(option, "initial-probe-timeout:") == 0 ||
	    strcmp(option, "getaddrinfo-allow-skew:") == 0)
		return set_timeout(NULL, val, 0);
	if (strcmp(option, "so-rcvbuf:") == 0 ||
	    strcmp(option, "so-sndbuf:") == 0)
		return parse_int(val, 0, 0x7fffffff, &v);
	if (strcmp(option, "bind-to:") == 0)
		return evutil_parse_sockaddr_port(val, (struct sockaddr *)&ss,
		    &len) == 0 ? 0 : -1;
	return 1;
}

int
evdns_base_set_option(struct evdns_base *base, const char *option,
    const char *val)
{
	static const char *const known[] = { "ndots:", "timeout:",
	    "max-timeouts:", "max-inflight:", "attempts:" };
	char name[32];
	size_t i, n;
	int r;

	if (base == NULL || option == NULL || val == NULL)
		return -1;
	/* 2.x takes the names with or without their colon. */
	n = strlen(option);
	if (n == 0 || n + 2 > sizeof(name))
		return -1;
	memcpy(name, option, n + 1);
	if (name[n - 1] != ':') {
		name[n] = ':';
		name[n + 1] = '\0';
	}
	if ((r = set_option_2x(name, val)) <= 0)
		return r;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return set_option(base, name, val, DNS_OPTIONS_ALL);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Nameserver addresses                                                */

/* Parse a decimal port 1-65535 that ends the string.  -1 if invalid. */
static int
parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return v == 0 ? -1 : (int)v;
}

/*
 * Split "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address
 * into the host (copied to buf[0..cap)) and the port (53 by default).
 * Returns -1 if malformed.
 */
static int
host_port_split(const char *s, char *buf, size_t cap, int *port)
{
	const char *host = s, *colon;
	size_t hl;

	*port = 53;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return -1;
		host = s + 1;
		hl = (size_t)(close - host);
		if (close[1] == ':') {
			if ((*port = parse_port(close + 2)) < 0)
				return -1;
		} else if (close[1] != '\0') {
			return -1;
		}
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - s);
		if ((*port = parse_port(colon + 1)) < 0)
			return -1;
	} else {
		hl = strlen(s);		/* no port, or a bare IPv6 address */
	}
	if (hl == 0 || hl >= cap)
		return -1;
	memcpy(buf, host, hl);
	buf[hl] = '\0';
	return 0;
}

/* evdns_nameserver_ip_add() on dns: its codes, and 4 for a bad address. */
static int
nameserver_ip_add(struct evdns_base *dns, const char *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	int port;

	if (s == NULL)
		return 4;
	while (*s == ' ' || *s == '\t')
		s++;
	if (host_port_split(s, host, sizeof(host), &port) < 0)
		return 4;
	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return 4;
		return evdns_nameserver_add_sa_(dns, (struct sockaddr *)s6,
		    sizeof(*s6));
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((unsigned short)port);
	/* inet_aton, as 1.4: "1.2.3" means 1.2.0.3. */
	if (inet_aton(host, &s4->sin_addr) == 0)
		return 4;
	return evdns_nameserver_add_sa_(dns, (struct sockaddr *)s4,
	    sizeof(*s4));
}

int
evdns_nameserver_ip_add(const char *ip_as_string)
{
	return nameserver_ip_add(evdns_global_(), ip_as_string);
}

int
evdns_nameserver_add(unsigned long int address)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = (in_addr_t)address;
	sin.sin_port = htons(53);
	return evdns_nameserver_add_sa_(evdns_global_(),
	    (struct sockaddr *)&sin, sizeof(sin));
}

int
evdns_count_nameservers(void)
{
	return evdns_global_()->ns_count;
}

int
evdns_base_nameserver_add(struct evdns_base *base, unsigned long int address)
{
	struct sockaddr_in sin;

	if (base == NULL)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = (in_addr_t)address;
	sin.sin_port = htons(53);
	return evdns_nameserver_add_sa_(base, (struct sockaddr *)&sin,
	    sizeof(sin));
}

int
evdns_base_nameserver_ip_add(struct evdns_base *base,
    const char *ip_as_string)
{
	return base != NULL ? nameserver_ip_add(base, ip_as_string) : -1;
}

int
evdns_base_count_nameservers(struct evdns_base *base)
{
	return base != NULL ? base->ns_count : -1;
}

/* ------------------------------------------------------------------ */
/* resolv.conf                                                         */

static const char sep[] = " \t\r\f\v";

/* The rest of an "options" line: "name:value" words. */
static void
resolv_conf_options(struct evdns_base *dns, char **save, int flags)
{
	char *tok;

	while ((tok = strtok_r(NULL, sep, save)) != NULL) {
		char *colon = strchr(tok, ':');
		char name[32];
		size_t nl;

		if (colon == NULL)
			continue;
		nl = (size_t)(colon - tok) + 1;
		if (nl >= sizeof(name))
			continue;
		memcpy(name, tok, nl);
		name[nl] = '\0';
		if (set_option(dns, name, colon + 1, flags) < 0)
			evdns_log_(1, "resolv.conf: bad option %s", tok);
	}
}

static void
resolv_conf_line(struct evdns_base *dns, char *line, int flags)
{
	char *save = NULL, *first, *tok;
	int r;

	first = strtok_r(line, sep, &save);
	if (first == NULL || first[0] == '#' || first[0] == ';')
		return;
	if (strcmp(first, "nameserver") == 0) {
		if ((flags & DNS_OPTION_NAMESERVERS) &&
		    (tok = strtok_r(NULL, sep, &save)) != NULL &&
		    (r = nameserver_ip_add(dns, tok)) != 0 && r != 3)
			evdns_log_(1, "resolv.conf: bad nameserver "
			    "(error %d)", r);
	} else if (strcmp(first, "domain") == 0) {
		if ((flags & DNS_OPTION_SEARCH) &&
		    (tok = strtok_r(NULL, sep, &save)) != NULL) {
			search_domains_clear(dns);
			search_insert(dns, tok, 0);
		}
	} else if (strcmp(first, "search") == 0) {
		if (flags & DNS_OPTION_SEARCH) {
			search_domains_clear(dns);
			while ((tok = strtok_r(NULL, sep, &save)) != NULL)
				search_insert(dns, tok, 0);
		}
	} else if (strcmp(first, "options") == 0) {
		resolv_conf_options(dns, &save, flags);
	}
}

/*
 * Read the open file fd into a new NUL-terminated buffer.  Returns 0, or
 * the evdns_resolv_conf_parse() code: 2 stat, 3 too large, 4 memory, 5
 * read error.
 */
static int
file_slurp(int fd, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fstat(fd, &st) < 0)
		return 2;
	if (st.st_size > RESOLV_CONF_MAX)
		return 3;
	if ((buf = mm_malloc((size_t)st.st_size + 1)) == NULL)
		return 4;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			mm_free(buf);
			return 5;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*bufp = buf;
	*lenp = got;
	return 0;
}

static int
resolv_conf_parse(struct evdns_base *dns, int flags, const char *filename)
{
	char *buf, *line, *next;
	size_t len;
	int fd, ret;

	if (flags & DNS_OPTION_HOSTSFILE)
		(void)evdns_base_load_hosts(dns, "/etc/hosts");
	if ((fd = open(filename, O_RDONLY)) < 0) {
		if ((flags & DNS_OPTION_NAMESERVERS) &&
		    !(flags & DNS_OPTION_NAMESERVERS_NO_DEFAULT))
			nameserver_ip_add(dns, "127.0.0.1");
		if (flags & DNS_OPTION_SEARCH)
			search_from_hostname(dns);
		return 1;
	}
	ret = file_slurp(fd, &buf, &len);
	close(fd);
	if (ret != 0)
		return ret;
	for (line = buf; line < buf + len; line = next) {
		next = memchr(line, '\n', (size_t)(buf + len - line));
		if (next != NULL)
			*next++ = '\0';
		else
			next = buf + len;
		/* An embedded NUL just ends the line early. */
		resolv_conf_line(dns, line, flags);
	}
	mm_free(buf);
	if ((flags & DNS_OPTION_NAMESERVERS) && dns->ns_count == 0) {
		if (!(flags & DNS_OPTION_NAMESERVERS_NO_DEFAULT))
			nameserver_ip_add(dns, "127.0.0.1");
		return 6;
	}
	return 0;
}

int
evdns_resolv_conf_parse_(struct evdns_base *dns, int flags,
    const char *filename)
{
	return resolv_conf_parse(dns, flags, filename);
}

int
evdns_resolv_conf_parse(int flags, const char *const filename)
{
	return resolv_conf_parse(evdns_global_(), flags, filename);
}

/*
 * /etc/resolv.conf; on Windows, where there is none unless someone put
 * one there (\etc\resolv.conf on the current drive), the servers the
 * system uses (evdns_win32.c), 127.0.0.1 if it lists none (code 6).
 */
int
evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
    const char *const filename)
{
	if (base == NULL || filename == NULL)
		return -1;
	return resolv_conf_parse(base, flags, filename);
}

int
evdns_init(void)
{
#ifdef _WIN32
	if (access("/etc/resolv.conf", 0) != 0) {
		if (evdns_config_windows_nameservers() == 0)
			return 0;
		nameserver_ip_add(evdns_global_(), "127.0.0.1");
		return 6;
	}
#endif
	return evdns_resolv_conf_parse(DNS_OPTIONS_ALL, "/etc/resolv.conf");
}

/* ------------------------------------------------------------------ */
/* Hosts files                                                         */

/* Add one entry; -1 for a bad name or no memory. */
static int
host_add(struct evdns_base *dns, const struct sockaddr *sa, socklen_t len,
    const char *name)
{
	struct evdns_host *h;
	size_t n = strlen(name);

	if (n == 0 || n > EVDNS_NAME_MAX)
		return -1;
	if ((h = mm_calloc(1, sizeof(*h) + n)) == NULL)
		return -1;
	memcpy(&h->addr, sa, len);
	h->addrlen = len;
	memcpy(h->name, name, n + 1);
	TAILQ_INSERT_TAIL(&dns->hosts, h, link);
	return 0;
}

/* "address name alias..." ('#' starts a comment); bad lines are skipped. */
static void
hosts_line(struct evdns_base *dns, char *line)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char *save = NULL, *tok, *hash;
	socklen_t len;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	if ((tok = strtok_r(line, sep, &save)) == NULL)
		return;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, tok, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, tok, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		len = sizeof(*s6);
	} else {
		evdns_log_(1, "hosts: bad address %s", tok);
		return;
	}
	while ((tok = strtok_r(NULL, sep, &save)) != NULL)
		if (host_add(dns, (struct sockaddr *)&ss, len, tok) < 0)
			evdns_log_(1, "hosts: bad name %s", tok);
}

int
evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname)
{
	char *buf, *line, *next;
	char lo4[] = "127.0.0.1 localhost", lo6[] = "::1 localhost";
	size_t len;
	int fd, r;

	if (base == NULL)
		return -1;
	if (hosts_fname == NULL || (fd = open(hosts_fname, O_RDONLY)) < 0) {
		hosts_line(base, lo4);
		hosts_line(base, lo6);
		return hosts_fname == NULL ? 0 : -1;
	}
	r = file_slurp(fd, &buf, &len);
	close(fd);
	if (r != 0)
		return -1;
	for (line = buf; line < buf + len; line = next) {
		if ((next = memchr(line, '\n', (size_t)(buf + len - line))) !=
		    NULL)
			*next++ = '\0';
		else
			next = buf + len;
		hosts_line(base, line);
	}
	mm_free(buf);
	return 0;
}

void
evdns_hosts_clear_(struct evdns_base *dns)
{
	struct evdns_host *h;

	while ((h = TAILQ_FIRST(&dns->hosts)) != NULL) {
		TAILQ_REMOVE(&dns->hosts, h, link);
		mm_free(h);
	}
}

void
evdns_base_clear_host_addresses(struct evdns_base *base)
{
	if (base != NULL)
		evdns_hosts_clear_(base);
}

const struct evdns_host *
evdns_hosts_find_(const struct evdns_base *dns, const char *name, int family,
    const struct evdns_host *from)
{
	const struct evdns_host *h;

	h = from != NULL ? TAILQ_NEXT(from, link) : TAILQ_FIRST(&dns->hosts);
	for (; h != NULL; h = TAILQ_NEXT(h, link))
		if (strcasecmp(h->name, name) == 0 && (family == AF_UNSPEC ||
		    family == h->addr.ss_family))
			return h;
	return NULL;
}
