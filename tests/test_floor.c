/* Floor choice with hysteresis. */
#include <math.h>

#include <criterion/criterion.h>

#include "libtrack/src/track-private.h"

#define S 1000000LL

Test(floor, the_first_choice_is_the_loudest_floor)
{
	struct track__floor_state s = { -1, -1, 0 };
	double best[2] = { -80, -70 };
	bool changed;

	cr_expect_eq(track__floor_choose(&s, best, 2, 0, 6, 3 * S, &changed),
	             1);
	cr_expect_not(changed);
}

Test(floor, a_small_lead_never_switches)
{
	struct track__floor_state s = { 0, -1, 0 };
	double best[2] = { -75, -71 };
	bool changed;

	for (int t = 0; t < 100; t++)
		cr_expect_eq(track__floor_choose(&s, best, 2, t * S, 6, 3 * S,
		                                 &changed),
		             0);
}

Test(floor, a_clear_lead_switches_only_after_the_hold_time)
{
	struct track__floor_state s = { 0, -1, 0 };
	double best[2] = { -85, -70 };
	bool changed;

	cr_expect_eq(track__floor_choose(&s, best, 2, 0, 6, 3 * S, &changed),
	             0);
	cr_expect_eq(track__floor_choose(&s, best, 2, 2 * S, 6, 3 * S,
	                                 &changed),
	             0);
	cr_expect_eq(track__floor_choose(&s, best, 2, 3 * S, 6, 3 * S,
	                                 &changed),
	             1);
	cr_expect(changed);
}

Test(floor, an_interrupted_lead_starts_the_hold_again)
{
	struct track__floor_state s = { 0, -1, 0 };
	double lead[2] = { -85, -70 }, even[2] = { -72, -70 };
	bool changed;

	track__floor_choose(&s, lead, 2, 0, 6, 3 * S, &changed);
	track__floor_choose(&s, even, 2, 2 * S, 6, 3 * S, &changed);
	cr_expect_eq(track__floor_choose(&s, lead, 2, 4 * S, 6, 3 * S,
	                                 &changed),
	             0);
	cr_expect_eq(track__floor_choose(&s, lead, 2, 7 * S, 6, 3 * S,
	                                 &changed),
	             1);
}

Test(floor, silence_on_the_current_floor_switches_at_once)
{
	struct track__floor_state s = { 0, -1, 0 };
	double best[2] = { -INFINITY, -90 };
	bool changed;

	cr_expect_eq(track__floor_choose(&s, best, 2, 0, 6, 3 * S, &changed),
	             1);
	cr_expect(changed);
}
