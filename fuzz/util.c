/*
 * util.c -- helpers shared by the fuzz targets (see fuzz.h).
 */
#include "config.h"

#include <sys/types.h>

#include "event.h"
#include "fuzz.h"

static void
quiet_cb(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

void
fuzz_quiet(void)
{
	event_set_log_callback(quiet_cb);
}
