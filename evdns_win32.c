/*
 * evdns_win32.c -- Windows: the nameservers the system uses.
 *
 * Windows keeps no resolv.conf.  GetNetworkParams() (iphlpapi) returns a
 * FIXED_INFO whose DnsServerList chains the configured servers as dotted
 * strings (shared/api/backends.md 3.3).  Asked with a NULL buffer it
 * fails with ERROR_BUFFER_OVERFLOW and says how much room it needs; the
 * list may grow between the two calls, so that is retried a few times.
 * Only the public 1.4 calls are used to add what it lists.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <string.h>

#include <windows.h>
#include <iphlpapi.h>

#include "event.h"
#include "evutil.h"
#include "evdns.h"
#include "evdns-internal.h"
#include "mm-internal.h"

#define PARAMS_TRIES	3

/* The system's network parameters (mm_free them), or NULL. */
static FIXED_INFO *
network_params(void)
{
	FIXED_INFO *fi = NULL;
	ULONG size = 0;
	DWORD r;
	int i;

	for (i = 0; i < PARAMS_TRIES; i++) {
		r = GetNetworkParams(fi, &size);
		if (r == ERROR_SUCCESS)
			return fi;
		mm_free(fi);
		fi = NULL;
		if (r != ERROR_BUFFER_OVERFLOW || size == 0 ||
		    (fi = mm_malloc(size)) == NULL)
			break;
	}
	mm_free(fi);
	return NULL;
}

/*
 * Add every DNS server Windows is configured with (libevent 1.4's call).
 * Returns 0 if at least one of them is now a nameserver (added, or there
 * already), -1 if the system lists none that could be used.
 */
int
evdns_config_windows_nameservers(void)
{
	FIXED_INFO *fi;
	IP_ADDR_STRING *a;
	int r, added = 0;

	if ((fi = network_params()) == NULL) {
		evdns_log_(1, "GetNetworkParams failed: no system nameservers");
		return -1;
	}
	for (a = &fi->DnsServerList; a != NULL; a = a->Next) {
		char ip[sizeof(a->IpAddress.String) + 1];

		memcpy(ip, a->IpAddress.String, sizeof(a->IpAddress.String));
		ip[sizeof(ip) - 1] = '\0';
		if (ip[0] == '\0')
			continue;
		r = evdns_nameserver_ip_add(ip);
		if (r == 0 || r == 3)
			added++;
		else
			evdns_log_(1, "system nameserver %s: error %d", ip, r);
	}
	mm_free(fi);
	return added > 0 ? 0 : -1;
}
