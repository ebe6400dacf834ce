/*
 * test/regress_bev2.h -- loop helpers shared by the 2.x buffer cases
 * (defined in test/regress_bufferevent2.c).
 */
#ifndef REGRESS_BEV2_H
#define REGRESS_BEV2_H

struct event_base;

/* One pass of the loop, waking after 10 ms at the latest. */
void regress_loop_once(struct event_base *base);

/* Run the loop for ms milliseconds. */
void regress_loop_for(struct event_base *base, int ms);

/* Run the loop until cond holds; fail after 5 s (scaled). */
#define LOOP_UNTIL(base, cond) do {					\
	double t0_ = regress_now();					\
	while (!(cond)) {						\
		if (regress_now() - t0_ > 5 * regress_slowdown())	\
			tt_fail("timed out waiting for " #cond);	\
		regress_loop_once(base);				\
	}								\
} while (0)

#endif /* REGRESS_BEV2_H */
