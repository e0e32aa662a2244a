/* trackd's alarm table (server/alarms.c) alone: the state machine, with
 * time passed in and nothing stored or sent; each call says what it
 * changed. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "server/alarms.h"

#define S 1000000 /* microseconds in a second */

static struct alarms t;

static void
fini(void)
{
	alarms_free(&t);
}

TestSuite(alarms, .fini = fini);

/* Acknowledge al at t_s seconds, as trackd does once it is stored. */
static void
ack(struct alarm *al, const char *by, double t_s)
{
	struct alarm acked;

	alarms_ack_begin(al, by, (int64_t)(t_s * S), &acked);
	alarms_ack_end(&t, al, &acked);
}

Test(alarms, the_table_has_room_for_every_listed_tag_and_the_acked_kept)
{
	cr_assert_eq(alarms_capacity(0), ALARMS_ACKED_KEPT);
	cr_assert_eq(alarms_capacity(40), 40 + ALARMS_ACKED_KEPT);
}

Test(alarms, a_press_opens_an_alarm_with_the_next_id)
{
	struct alarms_change c;

	cr_assert_eq(alarms_init(&t, 4), 0);
	c = alarms_distress(&t, "badge-1", true, 10 * S);
	cr_assert_not_null(c.al);
	cr_assert(c.opened);
	cr_assert_eq(c.dropped.id, 0);
	cr_assert_eq(c.al->id, 1);
	cr_assert_str_eq(c.al->tag, "badge-1");
	cr_assert(c.al->open && c.al->listed);
	cr_assert_eq(c.al->opened_us, 10 * S);
	cr_assert_eq(c.al->pressed_us, 10 * S);
	cr_assert_eq(c.al->seq, t.seq);
	c = alarms_distress(&t, "badge-2", false, 11 * S);
	cr_assert_eq(c.al->id, 2);
	cr_assert(!c.al->listed);
	cr_assert_eq(alarms_open(&t), 2);
}

Test(alarms, a_new_press_of_an_open_alarm_updates_it_and_opens_none)
{
	struct alarms_change c;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	c = alarms_distress(&t, "badge-1", true, 10 * S);
	seq = c.al->seq;
	c = alarms_distress(&t, "badge-1", true, 15 * S);
	cr_assert(!c.opened);
	cr_assert_eq(c.al->id, 1);
	cr_assert_eq(c.al->opened_us, 10 * S);
	cr_assert_eq(c.al->pressed_us, 15 * S);
	cr_assert_gt(c.al->seq, seq);
	cr_assert_eq(t.n, 1);
}

Test(alarms, an_acknowledgement_changes_nothing_until_it_is_ended)
{
	struct alarm *al, acked;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	seq = t.seq;
	alarms_ack_begin(al, "nurse 7", 20 * S, &acked);
	cr_assert(al->open, "begun, not yet stored: still open");
	cr_assert_eq(t.seq, seq);
	cr_assert(!acked.open);
	cr_assert_str_eq(acked.acked_by, "nurse 7");
	cr_assert_eq(acked.acked_us, 20 * S);
	alarms_ack_end(&t, al, &acked);
	cr_assert(!al->open);
	cr_assert_eq(al->seq, seq + 1);
	cr_assert_eq(alarms_open(&t), 0);
}

Test(alarms, a_press_after_the_acknowledgement_opens_a_new_alarm)
{
	struct alarms_change c;

	cr_assert_eq(alarms_init(&t, 4), 0);
	ack(alarms_distress(&t, "badge-1", true, 10 * S).al, "porter", 20);
	c = alarms_distress(&t, "badge-1", true, 30 * S);
	cr_assert(c.opened);
	cr_assert_eq(c.al->id, 2);
	cr_assert_eq(alarms_find(&t, 1)->open, false);
	cr_assert_eq(alarms_find(&t, 2), c.al);
	cr_assert_null(alarms_find(&t, 3));
}

Test(alarms, a_full_table_gives_up_the_oldest_acknowledged_alarm_first)
{
	struct alarms_change c;

	cr_assert_eq(alarms_init(&t, 3), 0);
	alarms_distress(&t, "stray", false, 1 * S);              /* id 1 */
	ack(alarms_distress(&t, "badge-2", true, 2 * S).al, "a", 3); /* 2 */
	ack(alarms_distress(&t, "badge-3", true, 4 * S).al, "b", 5); /* 3 */
	c = alarms_distress(&t, "badge-4", true, 6 * S);
	cr_assert(c.opened);
	cr_assert_eq(c.dropped.id, 0, "an acknowledged one went, not stray");
	cr_assert_null(alarms_find(&t, 2));
	cr_assert_not_null(alarms_find(&t, 1));
	cr_assert_not_null(alarms_find(&t, 3));
	cr_assert_eq(c.al->id, 4);
}

Test(alarms, a_full_table_drops_an_open_alarm_of_an_unlisted_tag_and_says_so)
{
	struct alarms_change c;

	cr_assert_eq(alarms_init(&t, 2), 0);
	alarms_distress(&t, "badge-1", true, 1 * S);
	alarms_distress(&t, "stray", false, 2 * S);
	c = alarms_distress(&t, "badge-3", true, 3 * S);
	cr_assert_not_null(c.al);
	cr_assert_eq(c.dropped.id, 2);
	cr_assert_str_eq(c.dropped.tag, "stray");
	cr_assert(c.dropped.open);
	cr_assert_null(alarms_find(&t, 2));
}

Test(alarms, a_table_full_of_open_listed_alarms_refuses_and_changes_nothing)
{
	struct alarms_change c;
	uint64_t seq, ids;

	cr_assert_eq(alarms_init(&t, 2), 0);
	alarms_distress(&t, "badge-1", true, 1 * S);
	alarms_distress(&t, "badge-2", true, 2 * S);
	seq = t.seq;
	ids = t.ids;
	c = alarms_distress(&t, "badge-3", true, 3 * S);
	cr_assert_null(c.al);
	cr_assert(!c.opened);
	cr_assert_eq(t.seq, seq);
	cr_assert_eq(t.ids, ids, "no id is used up");
	/* ... while a new press of one already open still counts. */
	cr_assert_not_null(alarms_distress(&t, "badge-2", true, 4 * S).al);
}

Test(alarms, open_alarms_follow_their_tags_position_and_acked_ones_do_not)
{
	struct livetable lt;
	struct alarm *open, *done;
	uint64_t seq;

	cr_assert_eq(livetable_init(&lt, 4), 0);
	cr_assert_eq(alarms_init(&t, 4), 0);
	open = alarms_distress(&t, "badge-1", true, 1 * S).al;
	done = alarms_distress(&t, "badge-2", true, 1 * S).al;
	ack(done, "x", 2);
	livetable_apply(&lt, &(track_position){ .tag = "badge-1", .floor = "f0" },
	                3 * S);
	livetable_apply(&lt, &(track_position){ .tag = "badge-2", .floor = "f0" },
	                3 * S);
	seq = t.seq;
	alarms_follow(&t, &lt);
	cr_assert_eq(open->seq, seq + 1);
	cr_assert_eq(done->seq, seq, "an acknowledged alarm is not re-sent");
	alarms_follow(&t, &lt);
	cr_assert_eq(t.seq, seq + 1, "no new position, no new seq");
	livetable_free(&lt);
}

Test(alarms, a_restored_alarm_keeps_its_state_and_ids_go_on_after_it)
{
	struct alarm stored = { .id = 41, .tag = "badge-1", .listed = true,
		                .opened_us = 5 * S, .pressed_us = 6 * S,
		                .open = true, .seq = 999 };
	struct alarms_change c;

	cr_assert_eq(alarms_init(&t, 4), 0);
	c = alarms_restore(&t, &stored);
	cr_assert_not_null(c.al);
	cr_assert(c.al->open);
	cr_assert_eq(c.al->pressed_us, 6 * S);
	cr_assert_eq(c.al->seq, t.seq, "a seq of this run, not the stored");
	cr_assert_eq(alarms_distress(&t, "badge-2", true, 7 * S).al->id, 42);
}

Test(alarms, a_new_alarm_is_provisional_and_a_restored_one_is_not)
{
	struct alarm stored = { .id = 7, .tag = "badge-1", .open = true,
		                .provisional = true };

	cr_assert_eq(alarms_init(&t, 4), 0);
	cr_assert(!alarms_restore(&t, &stored).al->provisional);
	cr_assert(alarms_distress(&t, "badge-2", true, S).al->provisional);
}

Test(alarms, the_stores_id_replaces_the_provisional_one_with_a_new_seq)
{
	struct alarm *al;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	cr_assert_eq(al->id, 1);
	seq = al->seq;
	alarms_set_id(&t, al, 9);
	cr_assert_eq(al->id, 9);
	cr_assert(!al->provisional);
	cr_assert_gt(al->seq, seq, "sent again with its id");
	cr_assert_eq(alarms_find(&t, 9), al);
	cr_assert_null(alarms_find(&t, 1));
	cr_assert_eq(alarms_distress(&t, "badge-2", true, 11 * S).al->id, 10,
	             "ids go on after the store's");
}

Test(alarms, the_same_id_changes_nothing_but_the_provisional_mark)
{
	struct alarm *al;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	seq = t.seq;
	alarms_set_id(&t, al, al->id);
	cr_assert(!al->provisional);
	cr_assert_eq(t.seq, seq, "nothing new to send");
}

Test(alarms, a_provisional_alarm_holding_the_stores_id_takes_the_next)
{
	struct alarm *a1, *a2;

	cr_assert_eq(alarms_init(&t, 4), 0);
	a1 = alarms_distress(&t, "badge-1", true, 10 * S).al;
	a2 = alarms_distress(&t, "badge-2", true, 11 * S).al;
	cr_assert_eq(a2->id, 2);
	/* Another trackd stored badge-1's press as alarm 2. */
	alarms_set_id(&t, a1, 2);
	cr_assert_eq(a1->id, 2);
	cr_assert_eq(a2->id, 3);
	cr_assert(a2->provisional, "its own id is still to come");
	cr_assert_eq(alarms_find(&t, 2), a1);
	cr_assert_eq(alarms_find(&t, 3), a2);
}

Test(alarms, an_acknowledgement_stored_elsewhere_closes_the_open_alarm)
{
	struct alarm *al, stored;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	alarms_set_id(&t, al, 5);
	seq = t.seq;
	stored = *al;
	stored.open = false;
	snprintf(stored.acked_by, sizeof stored.acked_by, "guard on B");
	stored.acked_us = 20 * S;
	cr_assert_eq(alarms_acked_elsewhere(&t, &stored), al);
	cr_assert(!al->open);
	cr_assert_str_eq(al->acked_by, "guard on B");
	cr_assert_eq(al->acked_us, 20 * S);
	cr_assert_gt(al->seq, seq, "sent to the live clients");
	cr_assert_eq(alarms_open(&t), 0);
}

Test(alarms, an_acknowledgement_elsewhere_never_replaces_the_first_one)
{
	struct alarm *al, stored;
	uint64_t seq;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	alarms_set_id(&t, al, 5);
	ack(al, "guard on A", 15);
	seq = t.seq;
	stored = *al;
	snprintf(stored.acked_by, sizeof stored.acked_by, "guard on B");
	cr_assert_null(alarms_acked_elsewhere(&t, &stored));
	cr_assert_str_eq(al->acked_by, "guard on A");
	cr_assert_eq(t.seq, seq);
}

Test(alarms, an_acknowledgement_elsewhere_of_an_unknown_or_open_row_is_none)
{
	struct alarm *al, stored;

	cr_assert_eq(alarms_init(&t, 4), 0);
	al = alarms_distress(&t, "badge-1", true, 10 * S).al;
	stored = *al;
	stored.open = false;
	cr_assert_null(alarms_acked_elsewhere(&t, &stored),
	               "a provisional id is not the store's");
	alarms_set_id(&t, al, 5);
	stored.id = 6;
	cr_assert_null(alarms_acked_elsewhere(&t, &stored));
	stored.id = 5;
	stored.open = true;
	cr_assert_null(alarms_acked_elsewhere(&t, &stored));
	cr_assert(al->open);
}

Test(alarms, freeing_a_zeroed_or_freed_table_is_a_no_op)
{
	struct alarms z = { 0 };

	alarms_free(&z);
	cr_assert_eq(alarms_init(&z, 1), 0);
	alarms_free(&z);
	alarms_free(&z);
	cr_assert_null(z.list);
}
