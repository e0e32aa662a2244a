/* The engine's table of tags end to end: silence, floods of ids, who
 * gets a place when it is full, changed positions kept until read, the
 * fix and predict intervals, and the same input giving the same output. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "engine-fixture.h"
#include "track/track.h"

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
