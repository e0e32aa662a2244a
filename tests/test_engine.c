/* The engine end to end: reports in, positions out, with every refusal,
 * fallback, the gate and floor hysteresis (the table of tags, intervals
 * and determinism: test_engine_table.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "engine-fixture.h"
#include "track/track.h"

Test(engine, a_tag_at_a_known_place_is_found_there)
{
	track_engine *e = engine(NULL, 1);

	for (int s = 0; s < 10; s++) {
		hear(e, "badge-1", 1, 0, 14.0, 7.0, s * S, NULL);
		tick(e, s * S + S / 2);
	}
	{
		track_position p = where(e, "badge-1");

		/* Integer RSSI is all the noise there is. */
		cr_expect_lt(hypot(p.x - 14.0, p.y - 7.0), 0.5, "(%g, %g)",
		             p.x, p.y);
		cr_expect_str_eq(p.floor, "f0");
		cr_expect_str_eq(p.tag, "badge-1");
		cr_expect_eq(p.n_scanners, 15);
		cr_expect_eq(p.method, TRACK_METHOD_SOLVE_TX);
		cr_expect_eq(p.t_us, 9 * S + S / 2);
	}
	track_engine_destroy(e);
}

Test(engine, bad_reports_are_refused_by_name_and_change_nothing)
{
	track_engine *e = engine(NULL, 1);
	track_engine_stats st;
	track_position before, after;
	track_report r = { .scanner = "s0-00", .tag = "t", .rssi_dbm = -70,
		           .t_us = 100 * S, .tx_dbm = NAN };
	char longid[TRACK_ID_MAX + 8];

	for (int s = 0; s < 3; s++) {
		hear(e, "t", 1, 0, 10, 10, (100 + s) * S, NULL);
		tick(e, (100 + s) * S + S / 2);
	}
	before = where(e, "t");

	r.scanner = "no-such-scanner";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ESCANNER);
	r.scanner = "s0-00";
	r.rssi_dbm = 3;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ERSSI);
	r.rssi_dbm = -128;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ERSSI);
	r.rssi_dbm = NAN;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ENAN);
	r.rssi_dbm = -70;
	r.tx_dbm = INFINITY;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ENAN);
	r.tx_dbm = NAN;
	r.t_us = 90 * S; /* 12 s before the tag's newest report */
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ETIME);
	r.t_us = 102 * S;
	r.tag = "";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_EID);
	memset(longid, 'x', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	r.tag = longid;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_EID);
	r.tag = NULL;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_EID);

	cr_expect_eq(track_engine_update(e, 103 * S), 1,
	             "only prediction may move the tag");
	after = where(e, "t");
	cr_expect_eq(after.heard_us, before.heard_us);
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.rejected[-TRACK_ESCANNER], 1);
	cr_expect_eq(st.rejected[-TRACK_ERSSI], 2);
	cr_expect_eq(st.rejected[-TRACK_ENAN], 2);
	cr_expect_eq(st.rejected[-TRACK_ETIME], 1);
	cr_expect_eq(st.rejected[-TRACK_EID], 3);
	cr_expect_eq(st.tags, 1);
	cr_expect_eq(track_engine_position(e, "never-seen", &after),
	             TRACK_ENOENT);
	track_engine_destroy(e);
}

Test(engine, a_slightly_late_report_is_taken)
{
	track_engine *e = engine(NULL, 1);
	track_report r = { .scanner = "s0-10", .tag = "t", .rssi_dbm = -70,
		           .tx_dbm = NAN };

	r.t_us = 10 * S;
	cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
	/* Scanners batch their reports: another one may arrive 1 s late. */
	r.scanner = "s0-20";
	r.t_us = 9 * S;
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_OK);
	track_engine_destroy(e);
}

Test(engine, bad_sites_and_configs_are_refused)
{
	track_site s = site(1);
	track_engine *e = NULL;
	track_config c = track_config_default();
	track_scanner dup[2];

	cr_expect_eq(track_engine_create(NULL, NULL, &e), TRACK_EINVAL);
	cr_expect_eq(track_engine_create(NULL, &s, NULL), TRACK_EINVAL);
	c.sigma_db = 0;
	cr_expect_eq(track_engine_create(&c, &s, &e), TRACK_EINVAL);
	c = track_config_default();
	c.max_tags = 0;
	cr_expect_eq(track_engine_create(&c, &s, &e), TRACK_EINVAL);

	dup[0] = scanners[0];
	dup[1] = scanners[0];
	s.scanners = dup;
	s.n_scanners = 2;
	cr_expect_eq(track_engine_create(NULL, &s, &e), TRACK_EINVAL,
	             "duplicate scanner id");
	dup[1].id = "other";
	dup[1].floor = "f9";
	cr_expect_eq(track_engine_create(NULL, &s, &e), TRACK_EINVAL,
	             "scanner on a floor that does not exist");
	/* Found by fuzz-csv: scanners 1e20 m apart on a floor sized by them
	 * made a heatmap column count beyond size_t (undefined behaviour). */
	dup[1].floor = dup[0].floor;
	dup[1].y = 1e20;
	floors[0].width = floors[0].height = 0.0;
	cr_expect_eq(track_engine_create(NULL, &s, &e), TRACK_EINVAL,
	             "a floor too big for the heatmap");
	floors[0].width = 40;
	floors[0].height = 20;
	s.n_floors = 0;
	cr_expect_eq(track_engine_create(NULL, &s, &e), TRACK_EINVAL);
	cr_expect_null(e, "a failed create leaves *out alone");
	track_engine_destroy(NULL);
}

Test(engine, one_scanner_places_the_tag_at_it_with_an_honest_radius)
{
	track_engine *e = engine(NULL, 1);
	track_position p;

	hear_one(e, "s0-21", "t", -75, S);
	tick(e, 2 * S);
	p = where(e, "t");
	cr_expect_eq(p.method, TRACK_METHOD_NEAREST);
	cr_expect_float_eq(p.x, 20.0, 1e-9);
	cr_expect_float_eq(p.y, 10.0, 1e-9);
	/* -75 dBm is ~6 m at n = 2: the radius must say so. */
	cr_expect_gt(p.r, 4.0, "r %g", p.r);
	track_engine_destroy(e);
}

Test(engine, two_scanners_give_a_centroid_between_them)
{
	track_engine *e = engine(NULL, 1);
	track_position p;

	hear_one(e, "s0-01", "t", -65, S);
	hear_one(e, "s0-11", "t", -66, S);
	tick(e, 2 * S);
	p = where(e, "t");
	cr_expect_eq(p.method, TRACK_METHOD_CENTROID);
	cr_expect(p.x > 4.0 && p.x < 12.0, "x %g", p.x);
	track_engine_destroy(e);
}

/* A new tag's first fix waits for three scanners, at most a second: the
 * first report in is often one far scanner's. */
Test(engine, a_new_tag_waits_for_three_scanners_or_a_second)
{
	track_engine *e = engine(NULL, 1);
	track_position p;

	hear_one(e, "s0-42", "t", -87, S);
	tick(e, S + S / 10);
	cr_expect_eq(track_engine_position(e, "t", &p), TRACK_ENOENT);
	hear(e, "t", 1, 0, 14.0, 7.0, S + S / 5, NULL);
	tick(e, S + S / 2);
	p = where(e, "t");
	cr_expect_eq(p.method, TRACK_METHOD_SOLVE_TX);
	cr_expect_lt(hypot(p.x - 14.0, p.y - 7.0), 0.5, "(%g, %g)", p.x, p.y);

	/* Heard by one scanner only: it still appears, a second later. */
	hear_one(e, "s0-42", "u", -87, S);
	tick(e, S + S / 2);
	cr_expect_eq(track_engine_position(e, "u", &p), TRACK_ENOENT);
	tick(e, 2 * S);
	p = where(e, "u");
	cr_expect_eq(p.method, TRACK_METHOD_NEAREST);
	track_engine_destroy(e);
}

/* When the first fix does rest on one far scanner (no other heard it in
 * time), the next fix, on fifteen fresh readings, must not be held back
 * by it: the readings the two share are one in sixteen, not the three in
 * four that the time between them (0.5 s of a 2 s window) would suggest. */
Test(engine, a_first_fix_from_one_early_reading_does_not_hold_back_the_next)
{
	track_engine *e = engine(NULL, 1);
	track_position p;

	hear_one(e, "s0-42", "t", -87, S);
	tick(e, 2 * S);
	p = where(e, "t");
	cr_assert_eq(p.method, TRACK_METHOD_NEAREST);
	hear(e, "t", 1, 0, 14.0, 7.0, 2 * S + S / 10, NULL);
	tick(e, 2 * S + S / 2);
	p = where(e, "t");
	cr_expect_eq(p.method, TRACK_METHOD_SOLVE_TX);
	/* Fused by their radii the two fixes give 0.5 m; counting the
	 * overlap in seconds gave 1.7 m. */
	cr_expect_lt(hypot(p.x - 14.0, p.y - 7.0), 0.7, "(%g, %g)", p.x, p.y);
	track_engine_destroy(e);
}

Test(engine, the_gate_rejects_one_wild_jump_but_follows_a_real_move)
{
	track_engine *e = engine(NULL, 1);
	track_engine_stats st;
	track_position p;
	int64_t t = 0;

	for (; t < 30; t++) {
		hear(e, "t", 1, 0, 6.0, 5.0, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	/* One epoch claims the far corner... */
	hear(e, "t", 1, 0, 36.0, 16.0, t * S, NULL);
	tick(e, t * S + S / 2);
	p = where(e, "t");
	cr_expect_lt(hypot(p.x - 6.0, p.y - 5.0), 1.5, "jumped to (%g, %g)",
	             p.x, p.y);
	track_engine_get_stats(e, &st);
	cr_expect_geq(st.gated, 1);
	/* ...then the tag really is there, epoch after epoch. */
	for (t++; t < 50; t++) {
		hear(e, "t", 1, 0, 36.0, 16.0, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	p = where(e, "t");
	cr_expect_lt(hypot(p.x - 36.0, p.y - 16.0), 1.0, "stuck at (%g, %g)",
	             p.x, p.y);
	track_engine_destroy(e);
}

Test(engine, a_tag_between_floors_does_not_flicker)
{
	track_config c = track_config_default();
	track_engine *e = engine(&c, 2);
	track_engine_stats st;
	track_position p;
	int64_t t = 0;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 7);
	for (; t < 20; t++) {
		hear(e, "t", 2, 0, 20, 10, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	cr_expect_str_eq(where(e, "t").floor, "f0");
	/* On the stairs: both floors heard alike, the better one changing
	 * with every advertisement. */
	for (; t < 80; t++) {
		hear(e, "t", 2, t % 2, 20, 10, t * S, rng);
		hear(e, "t", 2, (t + 1) % 2, 20, 10, t * S + S / 4, rng);
		tick(e, t * S + S / 2);
		p = where(e, "t");
		cr_expect_str_eq(p.floor, "f0", "flipped at t=%lld",
		                 (long long)t);
	}
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.floor_changes, 0);
	/* Upstairs for good: one change, after the hold time. */
	for (; t < 100; t++) {
		hear(e, "t", 2, 1, 20, 10, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	cr_expect_str_eq(where(e, "t").floor, "f1");
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.floor_changes, 1);
	gsl_rng_free(rng);
	track_engine_destroy(e);
}

Test(engine, a_still_tag_is_marked_not_moving_and_a_walker_moving)
{
	track_engine *e = engine(NULL, 1);
	int64_t t;

	for (t = 0; t < 20; t++) {
		hear(e, "still", 1, 0, 10, 10, t * S, NULL);
		hear(e, "walker", 1, 0, 5 + 1.2 * (double)t, 10, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	cr_expect_not(where(e, "still").moving);
	cr_expect(where(e, "walker").moving);
	cr_expect_gt(where(e, "walker").vx, 0.8);
	track_engine_destroy(e);
}

Test(engine, a_noisy_standing_tag_is_seldom_called_moving)
{
	track_engine *e = engine(NULL, 1);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int moving = 0, walking = 0;

	/* Five minutes of a pump standing and a porter walking, with 6 dB of
	 * shadowing on every reading: the pump is in use less than a tenth
	 * of the time (the velocity blend alone called it moving 13% of the
	 * time), the porter about half of it (the fixes' noise still hides
	 * part of a walk from the filter). */
	gsl_rng_set(rng, 3);
	for (int64_t t = 0; t < 300; t++) {
		double x = 6 + 28 * fabs(fmod((double)t / 25.0, 2.0) - 1.0);

		hear(e, "pump", 1, 0, 14, 9, t * S, rng);
		hear(e, "porter", 1, 0, x, 11, t * S, rng);
		tick(e, t * S + S / 2);
		if (t >= 30) {
			moving += where(e, "pump").moving;
			walking += where(e, "porter").moving;
		}
	}
	gsl_rng_free(rng);
	track_engine_destroy(e);
	cr_log_info("pump moving %d of 270, porter %d of 270", moving, walking);
	cr_expect_lt(moving, 27, "the pump moving in %d of 270", moving);
	cr_expect_gt(walking, 120, "the porter moving in %d of 270", walking);
}

Test(engine, a_long_silence_restarts_the_track)
{
	track_engine *e = engine(NULL, 1);
	track_engine_stats st;
	int64_t t;

	for (t = 0; t < 5; t++) {
		hear(e, "t", 1, 0, 10, 10, t * S, NULL);
		tick(e, t * S + S / 2);
	}
	t += 60;
	hear(e, "t", 1, 0, 30, 10, t * S, NULL);
	tick(e, t * S + S / 2);
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.track_resets, 1);
	cr_expect_lt(fabs(where(e, "t").x - 30), 1.0);
	track_engine_destroy(e);
}

/* n reports of tag from scanners s0-00, s0-10, ... (one each) at t_us. */
