/* Occupancy, dwell, utilization and heatmap, on scenarios worked out by
 * hand (see fixture.h for the site). */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "track/track.h"

#include "fixture.h"

#define MIN (60 * S)

/* nurse-1: ward A 0-29 s, hall B 30-49 s, ward A again from 50 s.
 * pump-1: ward A 10-39 s, hall B from 40 s. One fix a second, at +0.5 s,
 * until 59.5 s. Zone times follow the crossings (x.5 s) exactly. */
static track_engine *
walk_two_tags(void)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n;

	for (int64_t t = 0; t < 60; t++) {
		bool nurse_b = t >= 30 && t < 50;

		n = 0;
		fixture_hear(e, "nurse-1", nurse_b ? 32 : 8, nurse_b ? 5 : 12,
		             t * S, 0);
		if (t >= 10)
			fixture_hear(e, "pump-1", t >= 40 ? 30 : 10, t >= 40 ? 6 : 6,
			             t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	return e;
}

Test(stats, occupancy_counts_overlapping_visitors_by_kind)
{
	track_engine *e = walk_two_tags();
	track_occupancy o[2];
	size_t n = 0;

	cr_assert_eq(track_engine_occupancy(e, "ward-a", 0, MIN, o, 2, &n),
	             TRACK_OK);
	cr_assert_eq(n, 1);
	/* nurse [0.5, 30.5) + [50.5, 59.5) = 39 s, pump [10.5, 40.5) = 30 s,
	 * over a 60 s bucket. */
	cr_expect_float_eq(o[0].mean_kind[TRACK_TAG_PERSON], 39.0 / 60, 1e-9);
	cr_expect_float_eq(o[0].mean_kind[TRACK_TAG_ASSET], 30.0 / 60, 1e-9);
	cr_expect_float_eq(o[0].mean, 69.0 / 60, 1e-9);
	/* Both were in ward A together from 10.5 to 30.5 s. */
	cr_expect_eq(o[0].peak, 2);
	cr_expect_eq(o[0].peak_kind[TRACK_TAG_PERSON], 1);
	cr_expect_eq(o[0].peak_kind[TRACK_TAG_ASSET], 1);
	cr_expect_eq(o[0].t_us, 0);
	track_engine_destroy(e);
}

Test(stats, occupancy_by_category)
{
	track_engine *e = walk_two_tags();
	double mean;

	unsigned peak;

	cr_assert_eq(track_engine_occupancy_category(e, "ward-a", "staff", 0,
	                                             MIN, &mean, &peak),
	             TRACK_OK);
	cr_expect_float_eq(mean, 39.0 / 60, 1e-6);
	cr_expect_eq(peak, 1);
	cr_assert_eq(track_engine_occupancy_category(e, "hall-b",
	                                             "infusion-pump", 0, MIN,
	                                             &mean, &peak),
	             TRACK_OK);
	cr_expect_eq(peak, 1);
	/* [40.5, 59.5) */
	cr_expect_float_eq(mean, 19.0 / 60, 1e-6);
	cr_expect_eq(track_engine_occupancy_category(e, "ward-a", "robots", 0,
	                                             MIN, &mean, NULL),
	             TRACK_ENOENT);
	track_engine_destroy(e);
}

Test(stats, dwell_counts_finished_visits)
{
	track_engine *e = walk_two_tags();
	track_dwell d;

	cr_assert_eq(track_engine_dwell(e, "ward-a", 0, 2 * MIN, &d), TRACK_OK);
	/* Finished visits: nurse 30 s, pump 30 s (the nurse's second visit
	 * is still going on). */
	cr_expect_eq(d.visits, 2);
	cr_expect_float_eq(d.total_s, 60.0, 1e-9);
	cr_expect_float_eq(d.mean_s, 30.0, 1e-9);
	cr_expect_float_eq(d.median_s, 30.0, 1e-9);
	cr_assert_eq(track_engine_dwell(e, "hall-b", 0, 2 * MIN, &d), TRACK_OK);
	cr_expect_eq(d.visits, 1);
	cr_expect_float_eq(d.total_s, 20.0, 1e-9);
	/* A window that ends before any exit. */
	cr_assert_eq(track_engine_dwell(e, "ward-a", 0, 30 * S, &d), TRACK_OK);
	cr_expect_eq(d.visits, 0);
	cr_expect_eq(track_engine_dwell(e, "nowhere", 0, MIN, &d), TRACK_ENOENT);
	track_engine_destroy(e);
}

Test(stats, dwell_percentiles_over_several_visits)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	track_dwell d;
	int64_t t = 0;

	/* Visits to hall B of 4, 6, 8, 10 and 12 s (entering takes 3 s
	 * inside, so shorter ones would not count), back in ward A between. */
	for (int v = 1; v <= 5; v++) {
		for (int k = 0; k < 5; k++, t++) {
			size_t n = 0;

			fixture_hear(e, "nurse-1", 8, 12, t * S, 0);
			fixture_tick(e, t * S + S / 2, ev, &n);
		}
		for (int k = 0; k < 2 * v + 2; k++, t++) {
			size_t n = 0;

			fixture_hear(e, "nurse-1", 32, 5, t * S, 0);
			fixture_tick(e, t * S + S / 2, ev, &n);
		}
	}
	for (int k = 0; k < 5; k++, t++) {
		size_t n = 0;

		fixture_hear(e, "nurse-1", 8, 12, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(track_engine_dwell(e, "hall-b", 0, t * S, &d), TRACK_OK);
	cr_expect_eq(d.visits, 5);
	cr_expect_float_eq(d.mean_s, 8.0, 1e-9);
	cr_expect_float_eq(d.median_s, 8.0, 1e-9);
	/* Between the 4th and 5th of 5 sorted visits, 0.6 of the way. */
	cr_expect_float_eq(d.p90_s, 11.2, 1e-9);
	track_engine_destroy(e);
}

Test(stats, a_standing_asset_is_idle_and_a_walker_is_moving)
{
	track_engine *e = fixture_engine(true);
	track_event ev[64];
	double moving, idle;
	size_t n_tags;

	for (int64_t t = 0; t < 120; t++) {
		size_t n = 0;
		double x = 3 + fmod(1.2 * (double)t, 34.0);

		fixture_hear(e, "pump-1", 10, 6, t * S, 0);
		fixture_hear(e, "nurse-1", x, 15, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(track_engine_utilization(e, "pump-1", 0, 2 * MIN, &moving,
	                                      &idle),
	             TRACK_OK);
	cr_expect_gt(idle, 100.0, "idle %g moving %g", idle, moving);
	cr_expect_lt(moving, 20.0, "idle %g moving %g", idle, moving);
	cr_assert_eq(track_engine_utilization(e, "nurse-1", 0, 2 * MIN,
	                                      &moving, &idle),
	             TRACK_OK);
	cr_expect_gt(moving, 80.0, "idle %g moving %g", idle, moving);
	cr_assert_eq(track_engine_utilization_category(e, "infusion-pump", 0,
	                                               2 * MIN, &moving, &idle,
	                                               &n_tags),
	             TRACK_OK);
	cr_expect_eq(n_tags, 1);
	cr_expect_gt(idle, 100.0);
	cr_expect_eq(track_engine_utilization(e, "ghost", 0, MIN, &moving,
	                                      &idle),
	             TRACK_ENOENT);
	track_engine_destroy(e);
}

Test(stats, assets_not_seen_for_a_while_are_listed)
{
	track_engine *e = walk_two_tags();
	const char *ids[4];

	/* bed-1 was never heard; pump-1 was heard at 59 s. */
	cr_assert_eq(track_engine_not_seen(e, 60 * S, 30 * S, ids, 4), 1);
	cr_expect_str_eq(ids[0], "bed-1");
	cr_expect_eq(track_engine_not_seen(e, 200 * S, 30 * S, ids, 4), 2);
	track_engine_destroy(e);
}

Test(stats, the_heatmap_puts_the_time_where_the_tag_stood)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t cols, rows, n;
	double cell, x0, y0, sum = 0;
	static float grid[100 * 100];
	size_t at;

	for (int64_t t = 0; t < 30; t++) {
		n = 0;
		fixture_hear(e, "nurse-1", 8.2, 12.2, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(track_engine_heatmap(e, "f0", 0, 3600 * S, grid,
	                                  100 * 100, &cols, &rows, &cell, &x0,
	                                  &y0),
	             TRACK_OK);
	cr_expect_eq(cols, 80);
	cr_expect_eq(rows, 40);
	cr_expect_float_eq(cell, 0.5, 1e-12);
	for (size_t i = 0; i < cols * rows; i++)
		sum += grid[i];
	/* 29 s between the first and the last of 30 fixes. */
	cr_expect_float_eq(sum, 29.0, 1e-3);
	at = (size_t)floor((12.2 - y0) / cell) * cols +
	     (size_t)floor((8.2 - x0) / cell);
	cr_expect_gt(grid[at] + grid[at + 1] + grid[at - 1] + grid[at + cols] +
	                     grid[at - cols],
	             25.0);
	cr_expect_eq(track_engine_heatmap(e, "f0", 0, 3600 * S, grid, 10,
	                                  &cols, &rows, &cell, &x0, &y0),
	             TRACK_EINVAL, "too small a buffer");
	track_engine_destroy(e);
}

Test(stats, a_window_of_years_costs_no_more_than_the_ring)
{
	track_engine *e = walk_two_tags();
	track_occupancy o[1];
	size_t n;
	double mean;

	cr_assert_eq(track_engine_occupancy(e, "ward-a", -3650 * 24 * 60 * MIN,
	                                    3650 * 24 * 60 * MIN, o, 1, &n),
	             TRACK_OK);
	cr_expect_gt(n, 1000000);
	cr_assert_eq(track_engine_occupancy_category(e, "ward-a", "staff",
	                                             0, 3650 * 24 * 60 * MIN,
	                                             &mean, NULL),
	             TRACK_OK);
	cr_expect_gt(mean, 0.0);
	track_engine_destroy(e);
}

Test(stats, dwell_figures_of_lengths_kept_elsewhere)
{
	double v[] = { 30, 10, 20, 40 };
	track_dwell d;

	track_dwell_of(v, 4, &d);
	cr_expect_eq(d.visits, 4);
	cr_expect_float_eq(d.total_s, 100, 1e-9);
	cr_expect_float_eq(d.mean_s, 25, 1e-9);
	cr_expect_float_eq(d.median_s, 25, 1e-9);
	cr_expect_float_eq(d.p90_s, 37, 1e-9);
	track_dwell_of(NULL, 0, &d);
	cr_expect_eq(d.visits, 0);
	cr_expect_float_eq(d.total_s, 0, 1e-9);
}
