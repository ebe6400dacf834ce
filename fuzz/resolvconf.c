/*
 * resolvconf.c -- fuzz resolv.conf parsing: the input is written to a
 * file that evdns_resolv_conf_parse() reads with every option class,
 * then the resolver is shut down.  Nothing is sent: no event loop runs.
 */
#include "config.h"

#include <sys/types.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "evdns.h"
#include "fuzz.h"

static char conf_path[64];

static void
make_path(void)
{
	if (conf_path[0] == '\0')
		snprintf(conf_path, sizeof(conf_path),
		    "/tmp/relevent-fuzz-resolv.%ld", (long)getpid());
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	FILE *f;
	int r;

	fuzz_quiet();
	if (base == NULL)
		base = event_init();
	fuzz_check(base != NULL);
	make_path();
	if ((f = fopen(conf_path, "wb")) == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	r = evdns_resolv_conf_parse(DNS_OPTIONS_ALL, conf_path);
	fuzz_check(r >= 0 && r <= 6);
	(void)evdns_count_nameservers();
	evdns_search_clear();
	evdns_shutdown(0);
	unlink(conf_path);
	return 0;
}
