/* The engine end to end: reports in, positions out, with every refusal,
 * fallback, the gate, floor hysteresis, eviction and determinism. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "track/track.h"

#define S 1000000LL /* microseconds per second */

static char scanner_ids[30][16];
static track_scanner scanners[30];
static track_floor floors[2] = {
	{ .id = "f0", .z = 0.0, .width = 40, .height = 20 },
	{ .id = "f1", .z = 4.0, .width = 40, .height = 20 },
};

/* A 5 x 3 grid of scanners 3 m up on each floor used. */
static track_site
site(size_t n_floors)
{
	size_t n = 0;

	for (size_t f = 0; f < n_floors; f++)
		for (int gy = 0; gy < 3; gy++)
			for (int gx = 0; gx < 5; gx++) {
				snprintf(scanner_ids[n], sizeof scanner_ids[n],
				         "s%zu-%d%d", f, gx, gy);
				scanners[n] = (track_scanner){
					.id = scanner_ids[n],
					.floor = floors[f].id,
					.x = 4.0 + 8.0 * gx,
					.y = 10.0 / 3.0 + 20.0 / 3.0 * gy,
					.z = floors[f].z + 3.0,
				};
				n++;
			}
	return (track_site){ .floors = floors, .n_floors = n_floors,
			     .scanners = scanners, .n_scanners = n };
}

static track_engine *
engine(const track_config *cfg, size_t n_floors)
{
	track_site s = site(n_floors);
	track_engine *e = NULL;

	cr_assert_eq(track_engine_create(cfg, &s, &e), TRACK_OK);
	return e;
}

/* Every scanner of the site hears the tag at (x, y) on floor f, from the
 * model, plus extra_db on the scanners of floor f and gaussian noise. */
static void
hear(track_engine *e, const char *tag, size_t n_floors, size_t f, double x,
     double y, int64_t t_us, gsl_rng *rng)
{
	track_site s = site(n_floors);

	for (size_t i = 0; i < s.n_scanners; i++) {
		const track_scanner *sc = &s.scanners[i];
		double tag_z = floors[f].z + 1.0;
		double d = sqrt(pow(x - sc->x, 2) + pow(y - sc->y, 2) +
		                pow(tag_z - sc->z, 2));
		double rssi = track_model_rssi(d, -59, 2.0);
		track_report r = { .scanner = sc->id, .tag = tag,
			           .t_us = t_us + (int64_t)i * 1000,
			           .tx_dbm = NAN };

		if (strcmp(sc->floor, floors[f].id) != 0)
			rssi -= 20.0; /* through a concrete floor */
		if (rng)
			rssi += gsl_ran_gaussian(rng, 6.0);
		r.rssi_dbm = fmax(fmin(round(rssi), 0), -127);
		if (r.rssi_dbm < -100)
			continue;
		cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
	}
}

/* One report from one scanner. */
static void
hear_one(track_engine *e, const char *scanner, const char *tag, double rssi,
         int64_t t_us)
{
	track_report r = { .scanner = scanner, .tag = tag, .rssi_dbm = rssi,
		           .t_us = t_us, .tx_dbm = NAN };

	cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
}

static track_position
where(track_engine *e, const char *tag)
{
	track_position p;

	cr_assert_eq(track_engine_position(e, tag, &p), TRACK_OK, "%s", tag);
	return p;
}

static void
tick(track_engine *e, int64_t t_us)
{
	track_position buf[64];

	track_engine_update(e, t_us);
	while (track_engine_changed(e, buf, 64) > 0)
		;
}

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
static track_status
heard_by(track_engine *e, const char *tag, int n, int64_t t_us)
{
	static const char *ids[] = { "s0-00", "s0-10", "s0-20", "s0-30" };
	track_status st = TRACK_OK;

	for (int k = 0; k < n && st == TRACK_OK; k++) {
		track_report r = { .scanner = ids[k], .tag = tag, .rssi_dbm = -70,
			           .t_us = t_us + k, .tx_dbm = NAN };

		st = track_engine_ingest(e, &r);
	}
	return st;
}

Test(engine, a_flood_of_ids_one_scanner_claims_cannot_keep_a_badge_out)
{
	track_config c = track_config_default();
	track_engine *e;
	track_engine_stats st;
	char id[16];

	c.max_tags = 64;
	e = engine(&c, 1);
	/* One scanner claims 200 made-up ids, each heard again every second,
	 * so that the table is always full of tags heard just now; then a
	 * real badge arrives, heard by three scanners. Before probation it
	 * was refused for as long as the flood lasted. */
	for (int64_t t = 0; t < 100; t++) {
		for (int k = 0; k < 20; k++) {
			snprintf(id, sizeof id, "junk-%lld",
			         (long long)((t * 20 + k) % 200));
			heard_by(e, id, 1, t * S / 10 + k);
		}
		if (t >= 50 && t % 10 == 0)
			cr_expect_eq(heard_by(e, "badge", 3, t * S / 10 + 100),
			             TRACK_OK, "refused at %lld ms",
			             (long long)t * 100);
	}
	tick(e, 10 * S);
	cr_expect_eq(track_engine_position(e, "badge", &(track_position){ 0 }),
	             TRACK_OK);
	track_engine_get_stats(e, &st);
	cr_expect_gt(st.evicted_probation, 0);
	track_engine_destroy(e);
}

Test(engine, a_table_of_tags_several_scanners_hear_refuses_a_newcomer)
{
	track_config c = track_config_default();
	track_engine *e;

	c.max_tags = 4;
	e = engine(&c, 1);
	for (int k = 0; k < 4; k++) {
		char id[8];

		snprintf(id, sizeof id, "b%d", k);
		cr_assert_eq(heard_by(e, id, 2, 0), TRACK_OK);
	}
	/* Confirmed tags heard just now are never forgotten for a new one. */
	cr_expect_eq(heard_by(e, "new", 1, 3 * S / 2), TRACK_EFULL);
	cr_expect_eq(heard_by(e, "new", 3, 3 * S / 2), TRACK_EFULL);
	track_engine_destroy(e);
}

Test(engine, a_tag_the_site_lists_takes_the_place_of_one_on_probation)
{
	static const track_tag_info listed[] = {
		{ .id = "nurse", .name = "A nurse", .category = "",
		  .kind = TRACK_TAG_PERSON },
	};
	track_config c = track_config_default();
	track_site s = site(1);
	track_engine *e = NULL;

	c.max_tags = 2;
	s.tags = listed;
	s.n_tags = 1;
	cr_assert_eq(track_engine_create(&c, &s, &e), TRACK_OK);
	cr_assert_eq(heard_by(e, "junk-1", 1, 0), TRACK_OK);
	cr_assert_eq(heard_by(e, "junk-2", 1, 0), TRACK_OK);
	/* The listed badge takes the place of one of them and, unlike them,
	 * cannot be pushed out by the next unknown ids while it is heard. */
	cr_expect_eq(heard_by(e, "nurse", 1, S / 2), TRACK_OK);
	cr_expect_eq(heard_by(e, "junk-3", 1, S / 2), TRACK_OK);
	cr_expect_eq(heard_by(e, "junk-4", 1, S / 2), TRACK_OK);
	tick(e, 2 * S);
	cr_expect_eq(track_engine_position(e, "nurse", &(track_position){ 0 }),
	             TRACK_OK);
	cr_expect_eq(track_engine_position(e, "junk-1",
	                                   &(track_position){ 0 }),
	             TRACK_ENOENT);
	track_engine_destroy(e);
}

Test(engine, a_full_table_refuses_new_tags_until_an_old_one_falls_silent)
{
	track_config c = track_config_default();
	track_engine *e;
	track_engine_stats st;
	track_report r = { .scanner = "s0-00", .rssi_dbm = -70, .tx_dbm = NAN };

	c.max_tags = 2;
	e = engine(&c, 1);
	/* Two scanners hear each: tags no flood of new ids may push out. */
	cr_expect_eq(heard_by(e, "a", 2, 1 * S), TRACK_OK);
	cr_expect_eq(heard_by(e, "b", 2, 1 * S), TRACK_OK);
	r.t_us = 1 * S;
	r.tag = "c";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_EFULL);
	/* "a" stays in touch; "b" falls silent for longer than the window. */
	r.t_us = 5 * S;
	r.tag = "a";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_OK);
	r.tag = "c";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_OK);
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.evicted, 1);
	cr_expect_eq(st.tags, 2);
	tick(e, 6 * S);
	cr_expect_eq(track_engine_position(e, "b", &(track_position){ 0 }),
	             TRACK_ENOENT);
	cr_expect_eq(track_engine_position(e, "a", &(track_position){ 0 }),
	             TRACK_OK);
	cr_expect_eq(track_engine_position(e, "c", &(track_position){ 0 }),
	             TRACK_OK);
	track_engine_destroy(e);
}

Test(engine, changed_positions_are_kept_until_read)
{
	track_engine *e = engine(NULL, 1);
	track_position buf[2];
	char id[8];

	for (int k = 0; k < 5; k++) {
		snprintf(id, sizeof id, "t%d", k);
		hear(e, id, 1, 0, 5 + 6.0 * k, 10, S, NULL);
	}
	cr_expect_eq(track_engine_update(e, 2 * S), 5);
	cr_expect_eq(track_engine_changed(e, buf, 2), 2);
	cr_expect_eq(track_engine_changed(e, buf, 2), 2);
	cr_expect_eq(track_engine_changed(e, buf, 2), 1);
	cr_expect_eq(track_engine_changed(e, buf, 2), 0);
	track_engine_destroy(e);
}

/* How many positions of tag the update at t_us gave. */
static size_t
changed_of(track_engine *e, int64_t t_us, const char *tag)
{
	track_position buf[64];
	size_t n, hits = 0;

	track_engine_update(e, t_us);
	while ((n = track_engine_changed(e, buf, 64)) > 0)
		for (size_t i = 0; i < n; i++)
			hits += strcmp(buf[i].tag, tag) == 0;
	return hits;
}

Test(engine, a_fix_interval_solves_a_tag_at_most_that_often_and_loses_nothing)
{
	track_config cfg = track_config_default();
	track_engine *e;
	track_event ev[8];
	track_report press;

	cfg.fix_interval_us = S;
	cfg.predict_interval_us = S;
	e = engine(&cfg, 1);
	hear(e, "a", 1, 0, 10, 10, 10 * S, NULL);
	cr_expect_eq(changed_of(e, 10 * S + S / 10, "a"), 1, "first fix");
	/* New reports 0.3 s later: too soon for another solve. */
	hear(e, "a", 1, 0, 20, 10, 10 * S + 3 * S / 10, NULL);
	cr_expect_eq(changed_of(e, 10 * S + 4 * S / 10, "a"), 0);
	/* A press meanwhile goes out at the next update, fix or not. */
	press = (track_report){ .scanner = scanners[0].id, .tag = "a",
		                .rssi_dbm = -70, .t_us = 10 * S + S / 2,
		                .tx_dbm = NAN, .flags = TRACK_REPORT_BUTTON };
	cr_assert_eq(track_engine_ingest(e, &press), TRACK_OK);
	cr_expect_eq(changed_of(e, 10 * S + 6 * S / 10, "a"), 0);
	cr_assert_eq(track_engine_events(e, ev, 8), 1);
	cr_expect_eq(ev[0].type, TRACK_EVENT_DISTRESS);
	/* Once the interval is up, the queued reports are solved without
	 * any new one: the tag has moved towards (20, 10). */
	cr_expect_eq(changed_of(e, 11 * S + 2 * S / 10, "a"), 1);
	cr_expect_gt(where(e, "a").x, 12.0);
	track_engine_destroy(e);
}

Test(engine, a_predict_interval_moves_silent_tags_on_that_often)
{
	track_config cfg = track_config_default();
	track_engine *e;
	size_t moved = 0;

	cfg.predict_interval_us = S / 2;
	e = engine(&cfg, 1);
	hear(e, "a", 1, 0, 10, 10, 10 * S, NULL);
	cr_expect_eq(changed_of(e, 10 * S + S / 10, "a"), 1);
	/* Silent, updates every 100 ms for a second: moved on twice. */
	for (int k = 2; k <= 11; k++)
		moved += changed_of(e, 10 * S + k * S / 10, "a");
	cr_expect_eq(moved, 2);
	track_engine_destroy(e);

	/* Without it, at every update. */
	e = engine(NULL, 1);
	hear(e, "a", 1, 0, 10, 10, 10 * S, NULL);
	moved = changed_of(e, 10 * S + S / 10, "a");
	for (int k = 2; k <= 11; k++)
		moved += changed_of(e, 10 * S + k * S / 10, "a");
	cr_expect_eq(moved, 11);
	track_engine_destroy(e);
}

Test(engine, negative_intervals_are_refused)
{
	track_config cfg = track_config_default();
	track_site s = site(1);
	track_engine *e = NULL;

	cfg.fix_interval_us = -1;
	cr_expect_eq(track_engine_create(&cfg, &s, &e), TRACK_EINVAL);
	cfg.fix_interval_us = 0;
	cfg.predict_interval_us = -1;
	cr_expect_eq(track_engine_create(&cfg, &s, &e), TRACK_EINVAL);
}

/* Positions point into their engine: ids are copied out before it goes. */
static void
noisy_run(track_position *out, char (*ids)[TRACK_ID_MAX], size_t cap,
          size_t *n)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_engine *e = engine(NULL, 2);

	gsl_rng_set(rng, 1234);
	*n = 0;
	for (int64_t t = 0; t < 40; t++) {
		hear(e, "a", 2, 0, 3 + 0.9 * (double)t, 7, t * S, rng);
		hear(e, "b", 2, 1, 30, 15 - 0.2 * (double)t, t * S + 1, rng);
		track_engine_update(e, t * S + S / 2);
		*n += track_engine_changed(e, out + *n, cap - *n);
	}
	for (size_t i = 0; i < *n; i++) {
		strcpy(ids[i], out[i].tag);
		out[i].tag = out[i].floor = NULL;
	}
	track_engine_destroy(e);
	gsl_rng_free(rng);
}

Test(engine, the_same_input_gives_the_same_output_bit_for_bit)
{
	static track_position a[200], b[200];
	static char ida[200][TRACK_ID_MAX], idb[200][TRACK_ID_MAX];
	size_t na, nb;

	noisy_run(a, ida, 200, &na);
	noisy_run(b, idb, 200, &nb);
	cr_assert_eq(na, nb);
	cr_expect_gt(na, 60);
	for (size_t i = 0; i < na; i++) {
		cr_expect_str_eq(ida[i], idb[i]);
		cr_expect_eq(memcmp(&a[i].x, &b[i].x, sizeof a[i].x), 0);
		cr_expect_eq(memcmp(&a[i].y, &b[i].y, sizeof a[i].y), 0);
		cr_expect_eq(memcmp(&a[i].r, &b[i].r, sizeof a[i].r), 0);
		cr_expect_eq(a[i].t_us, b[i].t_us);
	}
}

Test(engine, every_status_has_a_message)
{
	for (int s = 0; s >= -11; s--)
		cr_expect_str_neq(track_strerror((track_status)s),
		                  "unknown status", "status %d", s);
	cr_expect_str_eq(track_strerror((track_status)-99), "unknown status");
}
