/*
 * event_config.c -- making bases: event_base_new(), the libevent 2.x
 * struct event_config and event_base_new_with_config(), and the list of
 * backends built in.
 *
 * Both calls end in base_create(): the backends are tried in order of
 * preference (event.c's table), skipping those the config avoids or that
 * lack a required feature, and, unless EVENT_BASE_FLAG_IGNORE_ENV, those
 * disabled by EVENT_NO<NAME>.  With threads enabled the base also gets
 * its lock and wake-up fd (evthread.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

struct event_config_avoid {
	char *method;
	struct event_config_avoid *next;
};

struct event_config {
	struct event_config_avoid *avoid;
	int require_features;
	int flags;
	int n_cpus_hint;
	int64_t max_interval_us;	/* < 0: none */
	int max_callbacks;		/* INT_MAX: none */
	int limit_after_pri;		/* levels >= this are limited */
};

struct event_config *
event_config_new(void)
{
	struct event_config *cfg = mm_calloc(1, sizeof(*cfg));

	if (cfg == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	cfg->max_interval_us = -1;
	cfg->max_callbacks = INT_MAX;
	cfg->limit_after_pri = 1;
	return cfg;
}

void
event_config_free(struct event_config *cfg)
{
	struct event_config_avoid *a;

	if (cfg == NULL)
		return;
	while ((a = cfg->avoid) != NULL) {
		cfg->avoid = a->next;
		mm_free(a->method);
		mm_free(a);
	}
	mm_free(cfg);
}

int
event_config_avoid_method(struct event_config *cfg, const char *method)
{
	struct event_config_avoid *a;

	if (cfg == NULL || method == NULL) {
		errno = EINVAL;
		return -1;
	}
	a = mm_malloc(sizeof(*a));
	if (a == NULL || (a->method = mm_strdup(method)) == NULL) {
		mm_free(a);
		errno = ENOMEM;
		return -1;
	}
	a->next = cfg->avoid;
	cfg->avoid = a;
	return 0;
}

int
event_config_require_features(struct event_config *cfg, int features)
{
	if (cfg == NULL)
		return -1;
	cfg->require_features = features;
	return 0;
}

int
event_config_set_flag(struct event_config *cfg, int flag)
{
	if (cfg == NULL)
		return -1;
	cfg->flags |= flag;
	return 0;
}

int
event_config_set_num_cpus_hint(struct event_config *cfg, int cpus)
{
	if (cfg == NULL)
		return -1;
	cfg->n_cpus_hint = cpus;
	return 0;
}

int
event_config_set_max_dispatch_interval(struct event_config *cfg,
    const struct timeval *max_interval, int max_callbacks, int min_priority)
{
	if (cfg == NULL)
		return -1;
	cfg->max_interval_us = max_interval != NULL ?
	    event_tv_to_us_(max_interval) : -1;
	if (cfg->max_interval_us < -1)
		cfg->max_interval_us = 0;
	cfg->max_callbacks = max_callbacks < 0 ? INT_MAX : max_callbacks;
	cfg->limit_after_pri = min_priority < 0 ? 0 : min_priority;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Backends */

/* The names of the built-in backends, NULL-terminated (computed once). */
const char **
event_get_supported_methods(void)
{
	static const char *names[8];
	const struct eventop *const *ops = event_backends_();
	int i;

	if (names[0] == NULL)
		for (i = 0; ops[i] != NULL && i < 7; i++)
			names[i] = ops[i]->name;
	return names;
}

/* EVENT_NO<NAME> (presence disables), read only outside set-id programs. */
static const char *
backend_disabled(const struct eventop *op)
{
	char name[64];
	size_t i;

	(void)evutil_snprintf(name, sizeof(name), "EVENT_NO%s", op->name);
	for (i = 8; name[i]; i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			name[i] = (char)(name[i] - 'a' + 'A');
	return evutil_getenv(name);
}

static int
backend_allowed(const struct eventop *op, const struct event_config *cfg)
{
	const struct event_config_avoid *a;

	if (cfg == NULL)
		return backend_disabled(op) == NULL;
	for (a = cfg->avoid; a != NULL; a = a->next)
		if (strcmp(a->method, op->name) == 0)
			return 0;
	if ((op->features & cfg->require_features) != cfg->require_features)
		return 0;
	if (!(cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV) &&
	    backend_disabled(op) != NULL)
		return 0;
	return 1;
}

/*
 * Start the first allowed backend that works.  0, or -1 with errno from
 * the last backend that failed (ENOSYS when none was allowed).
 */
static int
backend_pick(struct event_base *base, const struct event_config *cfg)
{
	const struct eventop *const *ops = event_backends_();
	int i, err = ENOSYS;

	for (i = 0; ops[i] != NULL; i++) {
		if (!backend_allowed(ops[i], cfg))
			continue;
		errno = 0;
		if (event_backend_init_(base, ops[i]) == 0)
			return 0;
		if (errno != 0)
			err = errno;
	}
	base->evsel = NULL;
	errno = err;
	return -1;
}

/* What a config says beyond the backend. */
static void
base_apply_config(struct event_base *base, const struct event_config *cfg)
{
	if (cfg == NULL)
		return;
	base->cfg_flags = cfg->flags;
	if (cfg->flags & EVENT_BASE_FLAG_NO_CACHE_TIME)
		base->cache_time = 0;
	/* Every deadline from a precise reading (see timer_defer()). */
	if (cfg->flags & (EVENT_BASE_FLAG_NO_CACHE_TIME |
	    EVENT_BASE_FLAG_PRECISE_TIMER))
		base->defer_slack_us = 0;
	base->max_interval_us = cfg->max_interval_us;
	base->max_callbacks = cfg->max_callbacks;
	base->limit_after_pri = cfg->limit_after_pri;
	if (cfg->max_interval_us >= 0 || cfg->max_callbacks != INT_MAX)
		base->xflags |= EVX_LIMITS;
}

/*
 * A base as cfg says.  If no backend starts, log and return NULL with
 * errno from backend_pick() (ENOSYS when none was allowed, else the last
 * backend's error, ENOMEM when memory ran out): libevent 1.4's
 * event_base_new() exits the process there, but a library call never
 * exits.
 */
static struct event_base *
base_create(const struct event_config *cfg, const char *fn)
{
	struct event_base *base = event_base_alloc_();
	int e;

	if (base == NULL)
		return NULL;
	base_apply_config(base, cfg);
	if (backend_pick(base, cfg) == -1) {
		e = errno;
		event_warnx("%s: no event mechanism available", fn);
		event_base_free(base);
		errno = e;
		return NULL;
	}
	if ((cfg == NULL || !(cfg->flags & EVENT_BASE_FLAG_NOLOCK)) &&
	    evthread_base_setup_(base) == -1) {
		event_base_free(base);
		errno = ENOMEM;
		return NULL;
	}
	event_base_register_(base);
	if (cfg == NULL || !(cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV)) {
		if (evutil_getenv("EVENT_SHOW_METHOD") != NULL)
			event_msgx("libevent using: %s\n",
			    base->evsel->name);
		/* As libevent 2.1: the environment's PRECISE_TIMER flag. */
		if (evutil_getenv("EVENT_PRECISE_TIMER") != NULL)
			base->defer_slack_us = 0;
	}
	return base;
}

/*
 * A new base with the first backend that is not disabled and initializes.
 * NULL with errno set when memory runs out (ENOMEM) or no backend starts
 * (ENOSYS when every backend is disabled, else the last one's error).
 */
struct event_base *
event_base_new(void)
{
	return base_create(NULL, "event_base_new");
}

struct event_base *
event_base_new_with_config(const struct event_config *cfg)
{
	return base_create(cfg, "event_base_new_with_config");
}
