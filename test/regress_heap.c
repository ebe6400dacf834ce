/*
 * regress_heap.c -- the timer heap against a reference model.
 *
 * Random pushes, erases, reschedules and pops on min_heap-internal.h are
 * mirrored on a plain array; after every step the heap must agree with the
 * model on size, on the minimum (earliest deadline, then earliest sequence
 * number) and on every event's stored index.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "min_heap-internal.h"
#include "regress.h"
#include "regress_util.h"

#define NEV 2000

struct model {
	int in;
	int64_t key;
	uint64_t seq;
};

static unsigned int rng_state = 88172645u;

#define rng() regress_random(&rng_state)

static int
model_min(const struct model *m, int n)
{
	int i, best = -1;

	for (i = 0; i < n; i++) {
		if (!m[i].in)
			continue;
		if (best < 0 || m[i].key < m[best].key ||
		    (m[i].key == m[best].key && m[i].seq < m[best].seq))
			best = i;
	}
	return best;
}

static void
check_heap(struct min_heap *h, struct event *evs, struct model *m, int n)
{
	unsigned i, count = 0;
	int j;

	for (j = 0; j < n; j++) {
		if (m[j].in) {
			count++;
			tt_assert(evs[j].min_heap_idx < h->n);
			tt_assert(h->p[evs[j].min_heap_idx].ev == &evs[j]);
			tt_assert(h->p[evs[j].min_heap_idx].key == m[j].key);
		} else {
			tt_uint_op(evs[j].min_heap_idx, ==, MIN_HEAP_NONE);
		}
	}
	tt_uint_op(count, ==, h->n);
	/* The heap property, with the FIFO tie-break. */
	for (i = 1; i < h->n; i++)
		tt_assert(!min_heap_before_(&h->p[i], &h->p[(i - 1) / MIN_HEAP_D]));
}

static void
test_heap_random(struct regress_env *env)
{
	static struct event evs[NEV];
	static struct model m[NEV];
	struct min_heap h;
	uint64_t seq = 0;
	int step, j;

	(void)env;
	min_heap_ctor(&h);
	memset(m, 0, sizeof(m));
	for (j = 0; j < NEV; j++)
		min_heap_elem_init(&evs[j]);

	for (step = 0; step < 200000; step++) {
		int op = (int)(rng() % 4);
		int64_t key = (int64_t)(rng() % 64);	/* many ties */

		j = (int)(rng() % NEV);
		switch (op) {
		case 0:	/* push or reschedule */
		case 1:
			if (m[j].in) {
				min_heap_adjust(&h, &evs[j], key, seq);
			} else {
				tt_int_op(min_heap_reserve(&h, h.n + 1), ==, 0);
				min_heap_push(&h, &evs[j], key, seq);
				m[j].in = 1;
			}
			m[j].key = key;
			m[j].seq = seq++;
			break;
		case 2:	/* erase */
			if (m[j].in) {
				min_heap_erase(&h, &evs[j]);
				m[j].in = 0;
			}
			break;
		case 3: { /* pop must return the model's minimum */
			int best = model_min(m, NEV);
			struct event *ev = min_heap_pop(&h);
			if (best < 0) {
				tt_ptr_op(ev, ==, NULL);
			} else {
				tt_ptr_op(ev, ==, &evs[best]);
				m[best].in = 0;
			}
			break;
		}
		}
		if (step % 997 == 0)
			check_heap(&h, evs, m, NEV);
	}
	check_heap(&h, evs, m, NEV);
	/* Drain: pops come out sorted. */
	while (!min_heap_empty(&h)) {
		int best = model_min(m, NEV);
		tt_ptr_op(min_heap_pop(&h), ==, &evs[best]);
		m[best].in = 0;
	}
	min_heap_dtor(&h);
}

/* Equal deadlines pop in push order, also after reschedules. */
static void
test_heap_fifo(struct regress_env *env)
{
	static struct event evs[100];
	struct min_heap h;
	int i;

	(void)env;
	min_heap_ctor(&h);
	for (i = 0; i < 100; i++) {
		min_heap_elem_init(&evs[i]);
		tt_int_op(min_heap_reserve(&h, h.n + 1), ==, 0);
		min_heap_push(&h, &evs[i], 5, (uint64_t)i);
	}
	/* Rescheduling event 0 to the same deadline moves it to the back. */
	min_heap_adjust(&h, &evs[0], 5, 100);
	for (i = 1; i < 100; i++)
		tt_ptr_op(min_heap_pop(&h), ==, &evs[i]);
	tt_ptr_op(min_heap_pop(&h), ==, &evs[0]);
	tt_ptr_op(min_heap_pop(&h), ==, NULL);
	min_heap_dtor(&h);
}

struct regress_case regress_heap_cases[] = {
	{ "heap/random", test_heap_random, RT_ONCE, NULL },
	{ "heap/fifo", test_heap_fifo, RT_ONCE, NULL },
	RT_END
};
