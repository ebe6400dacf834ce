/*
 * evutil_time.c -- monotonic timers and HTTP dates (<event2/util.h>).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "event2/util.h"
#include "evutil-internal.h"	/* Windows: clock_gettime() */
#include "mm-internal.h"

struct evutil_monotonic_timer {
	int fallback;		/* EV_MONOT_FALLBACK: gettimeofday() based */
	int64_t last_us;	/* fallback: the last time returned */
	int64_t adjust_us;	/* fallback: added so it never goes back */
};

struct evutil_monotonic_timer *
evutil_monotonic_timer_new(void)
{
	struct evutil_monotonic_timer *t = mm_calloc(1, sizeof(*t));

	if (t == NULL)
		errno = ENOMEM;
	return t;
}

void
evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer)
{
	mm_free(timer);
}

/*
 * PRECISE is what we always do (CLOCK_MONOTONIC, never the coarse clock);
 * FALLBACK switches to the wall clock made monotonic.  0, or -1 for NULL.
 */
int
evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer,
    int flags)
{
	if (timer == NULL)
		return -1;
	timer->fallback = (flags & EV_MONOT_FALLBACK) != 0;
	timer->last_us = timer->adjust_us = 0;
	return 0;
}

static int64_t
fallback_now(struct evutil_monotonic_timer *t)
{
	struct timeval tv;
	int64_t now;

	gettimeofday(&tv, NULL);
	now = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec + t->adjust_us;
	if (now < t->last_us) {
		/* The wall clock went back: absorb the jump. */
		t->adjust_us += t->last_us - now;
		now = t->last_us;
	}
	t->last_us = now;
	return now;
}

int
evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
    struct timeval *tp)
{
	struct timespec ts;
	int64_t us;

	if (timer == NULL || tp == NULL)
		return -1;
	if (timer->fallback || clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		us = fallback_now(timer);
	} else {
		us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	tp->tv_sec = (time_t)(us / 1000000);
	tp->tv_usec = (suseconds_t)(us % 1000000);
	return 0;
}

int
evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm now;

	if (tm == NULL) {
		time_t t = time(NULL);
		if (gmtime_r(&t, &now) == NULL)
			return -1;
		tm = &now;
	}
	return evutil_snprintf(date, datelen,
	    "%s, %02d %s %4d %02d:%02d:%02d GMT",
	    (tm->tm_wday >= 0 && tm->tm_wday < 7) ? days[tm->tm_wday] : "???",
	    tm->tm_mday,
	    (tm->tm_mon >= 0 && tm->tm_mon < 12) ? months[tm->tm_mon] : "???",
	    1900 + tm->tm_year, tm->tm_hour, tm->tm_min, tm->tm_sec);
}
