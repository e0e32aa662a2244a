/* trackd's live table (server/livetable.c) alone: no socket, no clock,
 * no database; every time is an argument. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "server/livetable.h"

#define S 1000000 /* microseconds in a second */

static struct livetable lt;

static void
fini(void)
{
	livetable_free(&lt);
}

TestSuite(livetable, .fini = fini);

/* A position as the engine hands it over, heard at t seconds. */
static track_position
fix(const char *tag, const char *floor, double x, double y, double t)
{
	return (track_position){ .tag = tag, .floor = floor, .x = x, .y = y,
		                 .r = 1.0, .t_us = (int64_t)(t * S),
		                 .heard_us = (int64_t)(t * S),
		                 .kind = TRACK_TAG_PERSON, .category = "" };
}

/* tag's fix at t seconds on f0 into the table, at that time. */
static struct live_tag *
put(const char *tag, double t)
{
	track_position p = fix(tag, "f0", 0, 0, t);

	return livetable_apply(&lt, &p, (int64_t)(t * S));
}

Test(livetable, a_new_tag_gets_a_zeroed_slot_with_its_own_copy_of_the_id)
{
	char id[] = "badge-1";
	struct live_tag *t;

	cr_assert_eq(livetable_init(&lt, 4), 0);
	t = livetable_slot(&lt, id, 0);
	cr_assert_not_null(t);
	id[0] = 'X';
	cr_assert_str_eq(t->id, "badge-1");
	cr_assert_eq(t->seq, 0);
	cr_assert_null(t->pos.floor);
	cr_assert(!t->kept.set);
	cr_assert_eq(lt.n, 1);
}

Test(livetable, the_same_id_finds_the_same_slot_and_find_never_makes_one)
{
	cr_assert_eq(livetable_init(&lt, 4), 0);
	cr_assert_null(livetable_find(&lt, "badge-1"));
	cr_assert_eq(lt.n, 0);
	struct live_tag *t = livetable_slot(&lt, "badge-1", 0);
	cr_assert_eq(livetable_slot(&lt, "badge-1", 0), t);
	cr_assert_eq(livetable_find(&lt, "badge-1"), t);
	cr_assert_eq(lt.n, 1);
}

Test(livetable, every_change_gets_a_larger_seq_and_pos_tag_points_at_the_slot)
{
	char engine_id[] = "badge-1";
	track_position p = fix(engine_id, "f0", 1, 2, 10);
	struct live_tag *a, *b;

	cr_assert_eq(livetable_init(&lt, 4), 0);
	a = livetable_apply(&lt, &p, 10 * S);
	cr_assert_eq(a->seq, 1);
	cr_assert_eq(a->pos.tag, a->id);
	b = put("pump-7", 10);
	cr_assert_eq(b->seq, 2);
	a = livetable_apply(&lt, &p, 11 * S);
	cr_assert_eq(a->seq, 3);
	cr_assert_eq(lt.seq, 3);
}

Test(livetable, a_floor_change_is_noted_for_the_old_floors_watchers)
{
	track_position p = fix("badge-1", "f0", 1, 2, 10);
	struct live_tag *t;

	cr_assert_eq(livetable_init(&lt, 4), 0);
	t = livetable_apply(&lt, &p, 10 * S);
	cr_assert_null(t->left_floor, "a first fix leaves no floor");
	p.x = 3;
	t = livetable_apply(&lt, &p, 11 * S);
	cr_assert_null(t->left_floor, "a move on the same floor is no change");
	p.floor = "f1";
	t = livetable_apply(&lt, &p, 12 * S);
	cr_assert_str_eq(t->left_floor, "f0");
	cr_assert_eq(t->left_seq, t->seq);
	cr_assert_str_eq(t->pos.floor, "f1");
}

Test(livetable, a_full_table_gives_up_the_slot_heard_longest_ago_once_stale)
{
	struct live_tag *t;

	cr_assert_eq(livetable_init(&lt, 2), 0);
	put("old", 100);
	put("new", 105);
	/* 9.9 s after "old" was heard: not stale yet, so no room. */
	cr_assert_null(livetable_slot(&lt, "third", 100 * S + STALE_US - 1));
	cr_assert_eq(lt.full, 1);
	cr_assert_eq(lt.evicted, 0);
	t = livetable_slot(&lt, "third", 100 * S + STALE_US);
	cr_assert_not_null(t);
	cr_assert_str_eq(t->id, "third");
	cr_assert_eq(t->seq, 0, "the slot is cleared for its new tag");
	cr_assert_eq(lt.evicted, 1);
	cr_assert_null(livetable_find(&lt, "old"));
	cr_assert_not_null(livetable_find(&lt, "new"));
	cr_assert_eq(lt.n, 2);
}

Test(livetable, a_tag_one_scanner_alone_placed_makes_room_before_it_is_stale)
{
	track_position junk = fix("junk", "f0", 0, 0, 100);
	track_position heard = fix("heard", "f0", 0, 0, 99);

	/* An id the site does not list, one scanner's fix, heard just now;
	 * another unlisted id that three scanners placed, heard earlier. */
	junk.kind = heard.kind = TRACK_TAG_UNKNOWN;
	junk.n_scanners = 1;
	heard.n_scanners = 3;
	cr_assert_eq(livetable_init(&lt, 2), 0);
	cr_assert_not_null(livetable_apply(&lt, &heard, 99 * S));
	cr_assert_not_null(livetable_apply(&lt, &junk, 100 * S));
	cr_assert_not_null(livetable_slot(&lt, "badge", 100 * S + 1));
	cr_assert_null(livetable_find(&lt, "junk"));
	cr_assert_not_null(livetable_find(&lt, "heard"));
	cr_assert_eq(lt.evicted, 1);
}

Test(livetable, a_full_table_of_live_tags_refuses_a_position_and_counts_it)
{
	track_position p = fix("late", "f0", 0, 0, 1);

	cr_assert_eq(livetable_init(&lt, 1), 0);
	put("here", 1);
	cr_assert_null(livetable_apply(&lt, &p, 2 * S));
	cr_assert_eq(lt.full, 1);
	cr_assert_eq(lt.seq, 1, "a refused position is no change");
}

Test(livetable, tag_json_rounds_to_centimetres_names_the_tag_and_turns_stale)
{
	track_site_tag info = { .id = "badge-1", .name = "Nurse 1",
		                .category = "staff", .kind = TRACK_TAG_PERSON };
	track_position p = fix("badge-1", "f0", 1.23456, 2.0049, 10);
	struct live_tag *t;
	json_t *o;

	cr_assert_eq(livetable_init(&lt, 1), 0);
	t = livetable_apply(&lt, &p, 10 * S);
	o = livetable_tag_json(t, &info, 10 * S + STALE_US);
	cr_assert_str_eq(json_string_value(json_object_get(o, "name")),
	                 "Nurse 1");
	cr_assert_str_eq(json_string_value(json_object_get(o, "kind")),
	                 "person");
	cr_assert_float_eq(json_real_value(json_object_get(o, "x")), 1.23,
	                   1e-12);
	cr_assert_float_eq(json_real_value(json_object_get(o, "y")), 2.0,
	                   1e-12);
	cr_assert(json_is_false(json_object_get(o, "stale")),
	          "exactly STALE_US old is not stale yet");
	json_decref(o);
	o = livetable_tag_json(t, NULL, 10 * S + STALE_US + 1);
	cr_assert(json_is_null(json_object_get(o, "name")),
	          "an unlisted tag has no name");
	cr_assert(json_is_true(json_object_get(o, "stale")));
	json_decref(o);
}

Test(livetable, freeing_a_zeroed_or_freed_table_is_a_no_op)
{
	struct livetable z = { 0 };

	livetable_free(&z);
	cr_assert_eq(livetable_init(&z, 3), 0);
	livetable_free(&z);
	livetable_free(&z);
	cr_assert_null(z.tags);
}

/* The stale flag and age of tag's object at now seconds. */
static bool
stale_at(const struct live_tag *t, double now, double *age)
{
	json_t *o = livetable_tag_json(t, NULL, (int64_t)(now * S));
	bool stale = json_is_true(json_object_get(o, "stale"));

	*age = json_number_value(json_object_get(o, "age"));
	json_decref(o);
	return stale;
}

Test(livetable, a_position_ages_by_trackds_clock_not_by_its_reports_stamp)
{
	/* A scanner's clock a day ahead stamped the newest report: the
	 * engine then refuses every real one as older, and predictions keep
	 * handing over positions resting on that report. They age, and the
	 * tag shows stale after STALE_US, however fresh its stamp says it is. */
	track_position p = fix("badge-1", "f0", 1, 1, 100 + 86400);
	struct live_tag *t;
	double age;

	cr_assert_eq(livetable_init(&lt, 4), 0);
	t = livetable_apply(&lt, &p, 100 * S);
	cr_assert_not(stale_at(t, 100, &age));
	cr_expect_float_eq(age, 0.0, 1e-9);
	p.t_us += 5 * S; /* prediction only: the same newest report */
	t = livetable_apply(&lt, &p, 105 * S);
	cr_assert_not(stale_at(t, 105, &age));
	cr_expect_float_eq(age, 5.0, 1e-9);
	p.t_us += 6 * S;
	t = livetable_apply(&lt, &p, 111 * S);
	cr_expect(stale_at(t, 111, &age));
	cr_expect_float_eq(age, 11.0, 1e-9);
	/* A newer report: fresh again. */
	p.heard_us += 1;
	t = livetable_apply(&lt, &p, 112 * S);
	cr_expect_not(stale_at(t, 112, &age));
	cr_expect_float_eq(age, 0.0, 1e-9);
}
