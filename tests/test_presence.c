/* Zones and events through the engine, on scenarios whose answers can be
 * worked out by hand: single-epoch fixes from noise-free reports put the
 * tag where it is at every tick, so transitions fall on known ticks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "track/track.h"

#include "fixture.h"

static void
expect_event(const track_event *ev, track_event_type type, const char *zone,
             int64_t t_us)
{
	cr_expect_eq(ev->type, type, "%s instead of %s",
	             track_event_name(ev->type), track_event_name(type));
	if (zone)
		cr_expect_str_eq(ev->zone ? ev->zone : "(none)", zone);
	else
		cr_expect_null(ev->zone);
	cr_expect_eq(ev->t_us, t_us, "%s at %lld, expected %lld",
	             track_event_name(type), (long long)ev->t_us,
	             (long long)t_us);
}

Test(presence, a_walk_a_to_b_to_a_gives_exactly_its_events_and_dwell)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	/* A for 20 s, B for 20 s, A again for 10 s; a fix every second. */
	for (int64_t t = 0; t < 50; t++) {
		bool in_b = t >= 20 && t < 40;

		fixture_hear(e, "nurse-1", in_b ? 32 : 8, in_b ? 5 : 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 5, "%zu events", n);
	/* Entering takes 3 s inside; the event carries the crossing time. */
	expect_event(&ev[0], TRACK_EVENT_ZONE_ENTER, "ward-a", S / 2);
	/* Far outside (the whole uncertainty disc): leaves at once. */
	expect_event(&ev[1], TRACK_EVENT_ZONE_EXIT, "ward-a", 20 * S + S / 2);
	expect_event(&ev[2], TRACK_EVENT_ZONE_ENTER, "hall-b", 20 * S + S / 2);
	expect_event(&ev[3], TRACK_EVENT_ZONE_EXIT, "hall-b", 40 * S + S / 2);
	expect_event(&ev[4], TRACK_EVENT_ZONE_ENTER, "ward-a", 40 * S + S / 2);
	/* Dwell in B: exit minus enter, exactly the 20 s spent there. */
	cr_expect_eq(ev[3].t_us - ev[2].t_us, 20 * S);
	cr_expect_str_eq(ev[2].tag, "nurse-1");
	cr_expect_str_eq(ev[2].floor, "f0");
	track_engine_destroy(e);
}

Test(presence, a_tag_lingering_on_a_wall_does_not_flicker)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;
	track_position p;

	for (int64_t t = 0; t < 10; t++) {
		fixture_hear(e, "nurse-1", 15, 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 1);
	/* Half a metre either side of the wall between A and B, every fix. */
	for (int64_t t = 10; t < 60; t++) {
		fixture_hear(e, "nurse-1", t % 2 ? 20.5 : 19.5, 5, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_expect_eq(n, 1, "%zu events: it flickered", n);
	cr_assert_eq(track_engine_position(e, "nurse-1", &p), TRACK_OK);
	cr_expect_str_eq(p.zone, "ward-a");
	track_engine_destroy(e);
}

Test(presence, entering_a_restricted_zone_raises_restricted_entry)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	for (int64_t t = 0; t < 6; t++) {
		fixture_hear(e, "nurse-1", 32, 15, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 2);
	expect_event(&ev[0], TRACK_EVENT_ZONE_ENTER, "pharmacy", S / 2);
	expect_event(&ev[1], TRACK_EVENT_RESTRICTED_ENTRY, "pharmacy", S / 2);
	track_engine_destroy(e);
}

Test(presence, a_category_the_zone_allows_enters_without_restricted_entry)
{
	track_zone zones[3];
	track_engine *e;
	track_event ev[64];
	size_t n = 0, restricted = 0, entered = 0;

	/* The pharmacy allows staff: the nurse goes in quietly; the pump
	 * and a tag the site does not list, well inside, raise
	 * restricted_entry. */
	memcpy(zones, fixture_zones, sizeof zones);
	zones[2].allow[0] = "staff";
	zones[2].allow[1] = "a-category-no-tag-has";
	zones[2].n_allow = 2;
	e = fixture_engine_zones(false, zones, 3);
	for (int64_t t = 0; t < 6; t++) {
		fixture_hear(e, "nurse-1", 32, 15, t * S, 0);
		fixture_hear(e, "pump-1", 31, 15, t * S, 0);
		fixture_hear(e, "stranger", 29, 15, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(ev[i].zone, "pharmacy");
		if (ev[i].type == TRACK_EVENT_ZONE_ENTER)
			entered++;
		if (ev[i].type == TRACK_EVENT_RESTRICTED_ENTRY) {
			restricted++;
			cr_expect_str_neq(ev[i].tag, "nurse-1");
		}
	}
	cr_expect_eq(entered, 3);
	cr_expect_eq(restricted, 2);
	track_engine_destroy(e);
}

Test(presence, restricted_entry_waits_until_the_tag_is_in_beyond_doubt)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0, restricted = 0;
	int64_t t;

	/* Just over the pharmacy's edge, well within the fix's uncertainty
	 * (a corridor walker's position spilling over): in the zone, but no
	 * alarm; then well inside: the alarm, stamped when it went in. */
	for (t = 0; t < 10; t++) {
		fixture_hear(e, "nurse-1", 30, 10.8, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	for (size_t i = 0; i < n; i++)
		restricted += ev[i].type == TRACK_EVENT_RESTRICTED_ENTRY;
	cr_assert_eq(n, 1, "%zu events", n);
	expect_event(&ev[0], TRACK_EVENT_ZONE_ENTER, "pharmacy", S / 2);
	cr_expect_eq(restricted, 0);
	for (; t < 14; t++) {
		fixture_hear(e, "nurse-1", 30, 15, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 2, "%zu events", n);
	expect_event(&ev[1], TRACK_EVENT_RESTRICTED_ENTRY, "pharmacy", S / 2);
	track_engine_destroy(e);
}

Test(presence, distress_fires_once_per_press_and_always)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	/* A single flagged advertisement: heard once, it still counts. */
	fixture_hear(e, "nurse-1", 8, 10, 0, TRACK_REPORT_BUTTON);
	fixture_tick(e, S / 2, ev, &n);
	cr_assert_eq(n, 1);
	expect_event(&ev[0], TRACK_EVENT_DISTRESS, NULL, 0);
	cr_expect(isfinite(ev[0].x), "a distress carries the position");
	/* The badge keeps flagging the same press for 3 s: no new event. */
	for (int64_t t = 1; t < 4; t++) {
		fixture_hear(e, "nurse-1", 8, 10, t * S, TRACK_REPORT_BUTTON);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_expect_eq(n, 2, "%zu events", n); /* + entering ward A */
	/* Released for longer than the re-arm time, pressed again. */
	for (int64_t t = 4; t < 16; t++) {
		fixture_hear(e, "nurse-1", 8, 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	fixture_hear(e, "nurse-1", 8, 10, 16 * S, TRACK_REPORT_BUTTON);
	fixture_tick(e, 16 * S + S / 2, ev, &n);
	cr_assert_eq(n, 3);
	expect_event(&ev[2], TRACK_EVENT_DISTRESS, "ward-a", 16 * S);
	track_engine_destroy(e);
}

Test(presence, a_silent_tag_is_lost_at_its_last_place_and_found_again)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	for (int64_t t = 0; t < 5; t++) {
		fixture_hear(e, "pump-1", 30, 5, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 1);
	/* Silent: lost once 60 s have passed since it was last heard. */
	for (int64_t t = 5; t < 70; t++)
		fixture_tick(e, t * S + S / 2, ev, &n);
	cr_assert_eq(n, 3, "%zu events", n);
	expect_event(&ev[1], TRACK_EVENT_LOST, "hall-b", 4 * S + 14);
	cr_expect_lt(fabs(ev[1].x - 30), 1.0);
	cr_expect_lt(fabs(ev[1].y - 5), 1.0);
	expect_event(&ev[2], TRACK_EVENT_ZONE_EXIT, "hall-b", 4 * S + 14);
	/* Heard again in ward A. */
	fixture_hear(e, "pump-1", 8, 10, 70 * S, 0);
	fixture_tick(e, 70 * S + S / 2, ev, &n);
	cr_assert_eq(n, 4);
	expect_event(&ev[3], TRACK_EVENT_FOUND, NULL, 70 * S + S / 2);
	cr_expect_lt(fabs(ev[3].x - 8), 1.0);
	track_engine_destroy(e);
}

/* Found by fuzz-csv: a replay jumps over a long gap without updates, and
 * the zone change begun before it was completed across it, dated before
 * the gap, with every minute of the gap credited to the zone one at a
 * time (years of it took minutes). */
Test(presence, a_zone_change_begun_before_a_long_gap_starts_again_after_it,
     .timeout = 30)
{
	const int64_t gap = 30LL * 365 * 86400 * S;
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	for (int64_t t = 0; t < 5; t++) {
		fixture_hear(e, "pump-1", 8, 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(n, 1);
	expect_event(&ev[0], TRACK_EVENT_ZONE_ENTER, "ward-a", S / 2);
	/* Seen once in hall B, then nothing until decades later. */
	fixture_hear(e, "pump-1", 30, 5, 5 * S, 0);
	fixture_tick(e, 5 * S + S / 2, ev, &n);
	for (int64_t t = 0; t < 5; t++) {
		fixture_hear(e, "pump-1", 30, 5, gap + t * S, 0);
		fixture_tick(e, gap + t * S + S / 2, ev, &n);
	}
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == TRACK_EVENT_ZONE_ENTER &&
		    strcmp(ev[i].zone, "hall-b") == 0)
			expect_event(&ev[i], TRACK_EVENT_ZONE_ENTER, "hall-b",
			             gap + S / 2);
	expect_event(&ev[n - 1], TRACK_EVENT_ZONE_ENTER, "hall-b",
	             gap + S / 2);
	track_engine_destroy(e);
}

Test(presence, positions_carry_the_zone_and_what_the_site_says_of_the_tag)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;
	track_position p;

	for (int64_t t = 0; t < 5; t++) {
		fixture_hear(e, "pump-1", 30, 5, t * S, 0);
		fixture_hear(e, "visitor-9", 8, 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(track_engine_position(e, "pump-1", &p), TRACK_OK);
	cr_expect_str_eq(p.zone, "hall-b");
	cr_expect_eq(p.kind, TRACK_TAG_ASSET);
	cr_expect_str_eq(p.category, "infusion-pump");
	cr_assert_eq(track_engine_position(e, "visitor-9", &p), TRACK_OK);
	cr_expect_eq(p.kind, TRACK_TAG_UNKNOWN);
	cr_expect_str_eq(p.category, "");
	track_engine_destroy(e);
}

Test(presence, a_full_event_queue_drops_the_oldest_and_counts_it)
{
	track_config c = track_config_default();
	track_site site = { .floors = &fixture_floor, .n_floors = 1,
		            .zones = fixture_zones, .n_zones = 3 };
	track_engine *e = NULL;
	track_engine_stats st;
	track_event ev[64];
	size_t n = 0;

	track_engine_destroy(fixture_engine(false)); /* fills the scanners */
	site.scanners = fixture_scanners;
	site.n_scanners = 15;
	c.max_events = 2;
	c.smooth = false;
	cr_assert_eq(track_engine_create(&c, &site, &e), TRACK_OK);
	fixture_hear(e, "nurse-1", 8, 10, 0, TRACK_REPORT_BUTTON);
	fixture_hear(e, "pump-1", 8, 10, 0, TRACK_REPORT_BUTTON);
	fixture_hear(e, "nurse-2", 8, 10, 0, TRACK_REPORT_BUTTON);
	track_engine_update(e, S / 2);
	n = track_engine_events(e, ev, 64);
	cr_expect_eq(n, 2);
	track_engine_get_stats(e, &st);
	cr_expect_eq(st.events, 3);
	cr_expect_eq(st.events_dropped, 1);
	track_engine_destroy(e);
}

Test(presence, every_event_type_has_a_name)
{
	cr_expect_str_eq(track_event_name(TRACK_EVENT_ZONE_ENTER), "zone_enter");
	cr_expect_str_eq(track_event_name(TRACK_EVENT_FOUND), "found");
	cr_expect_str_eq(track_event_name((track_event_type)99), "unknown");
}

Test(presence, a_press_in_a_refused_report_still_raises_distress)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;
	track_report r = { .scanner = "not-in-the-site", .tag = "nurse-1",
		           .rssi_dbm = -70, .t_us = 5 * S, .tx_dbm = NAN,
		           .flags = TRACK_REPORT_BUTTON };

	/* The measurement is refused, the call for help is not. */
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ESCANNER);
	fixture_tick(e, 5 * S + S / 2, ev, &n);
	cr_assert_eq(n, 1);
	cr_expect_eq(ev[0].type, TRACK_EVENT_DISTRESS);
	cr_expect_str_eq(ev[0].tag, "nurse-1");
	cr_expect(isnan(ev[0].x), "no position yet");
	/* An impossible RSSI with the button: the same. */
	r.scanner = fixture_scanners[0].id;
	r.rssi_dbm = 12;
	r.t_us = 30 * S;
	r.tag = "pump-1";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ERSSI);
	fixture_tick(e, 30 * S + S / 2, ev, &n);
	cr_assert_eq(n, 2);
	cr_expect_eq(ev[1].type, TRACK_EVENT_DISTRESS);
	cr_expect_str_eq(ev[1].tag, "pump-1");
	track_engine_destroy(e);
}

Test(presence, a_distress_carries_the_time_the_press_began)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;

	/* Several flagged advertisements of one press before the update. */
	fixture_hear(e, "nurse-1", 8, 12, 0, TRACK_REPORT_BUTTON);
	fixture_hear(e, "nurse-1", 8, 12, S / 4, TRACK_REPORT_BUTTON);
	fixture_hear(e, "nurse-1", 8, 12, S / 2, TRACK_REPORT_BUTTON);
	fixture_tick(e, 3 * S / 4, ev, &n);
	cr_assert_eq(n, 1);
	cr_expect_eq(ev[0].type, TRACK_EVENT_DISTRESS);
	cr_expect_eq(ev[0].t_us, 0, "stamped %lld", (long long)ev[0].t_us);
	track_engine_destroy(e);
}

Test(presence, the_zone_shown_is_the_one_the_position_is_in_or_between_two)
{
	track_engine *e = fixture_engine(false);
	track_event ev[64];
	size_t n = 0;
	track_position p;

	/* Well inside ward A: there, and nowhere near anything else. */
	for (int64_t t = 0; t < 5; t++) {
		fixture_hear(e, "nurse-1", 8, 10, t * S, 0);
		fixture_tick(e, t * S + S / 2, ev, &n);
	}
	cr_assert_eq(track_engine_position(e, "nurse-1", &p), TRACK_OK);
	cr_expect_str_eq(p.zone_here, "ward-a");
	cr_expect_null(p.zone_near);
	/* Just past the wall into B, closer to it than the uncertainty: B is
	 * where the dot is, A (still the zone by hysteresis) is within reach,
	 * so it shows as between the two. */
	fixture_hear(e, "nurse-1", 20.3, 5, 5 * S, 0);
	fixture_tick(e, 5 * S + S / 2, ev, &n);
	cr_assert_eq(track_engine_position(e, "nurse-1", &p), TRACK_OK);
	cr_assert_lt(p.r, 20.0);
	cr_expect_str_eq(p.zone, "ward-a");
	cr_expect_str_eq(p.zone_here, "hall-b");
	cr_expect_str_eq(p.zone_near ? p.zone_near : "(none)", "ward-a",
	                 "x %g r %g", p.x, p.r);
	track_engine_destroy(e);
}
