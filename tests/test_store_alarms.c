/* The store's alarms, on both backends (store-fixture.h): acknowledgements
 * never undone, what comes back at a start, a press stored once whichever
 * trackd claims it, and another connection's acknowledgement told. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "server/store-sqlite.h"
#include "store-fixture.h"
#include "store-rows.h"

TestSuite(store, .init = fixture_sqlite_init, .fini = fixture_sqlite_fini);
TestSuite(store_pg, .init = fixture_pg_init, .fini = fixture_pg_fini);

STORE_TEST(an_acknowledgement_is_never_undone_by_an_older_copy)
{
	store *s = open_ok();
	struct store_batch b = batch_of(1);
	struct store_alarm opened = alarm_open(3, "badge-14", 10);
	struct store_alarm pressed = opened;
	struct store_alarm acked = alarm_acked(opened, "nurse 7", 15);
	struct got g = { 0 };
	uint64_t max_id = 0;

	/* The acknowledgement is stored at once, while the open alarm and
	 * a second press still wait in a batch. */
	pressed.pressed_us = 12 * S;
	store_batch_add_alarm(&b, &opened);
	store_batch_add_alarm(&b, &pressed);
	cr_assert_eq(store_put_alarm(s, &acked), 0, "%s", store_error(s));
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));

	cr_expect_eq(store_alarms(s, 10, &max_id, got_alarm, &g), 0);
	cr_expect_eq(max_id, 3);
	cr_assert_eq(g.n, 1);
	cr_expect(g.al[0].acked);
	cr_expect_str_eq(g.al[0].acked_by, "nurse 7");
	cr_expect_eq(g.al[0].acked_us, 15 * S);
	cr_expect_eq(g.al[0].pressed_us, 12 * S, "the later press is kept");
	cr_expect_eq(g.al[0].opened_us, 10 * S);
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(alarms_come_back_open_ones_all_and_only_the_newest_acknowledged)
{
	store *s = open_ok();
	struct got g = { 0 };
	uint64_t max_id = 0;

	for (uint64_t id = 1; id <= 6; id++) {
		struct store_alarm a = alarm_open(id, "badge-15", (double)id);

		if (id != 2 && id != 5)
			a = alarm_acked(a, "porter", (double)id + 1);
		cr_assert_eq(store_put_alarm(s, &a), 0, "%s", store_error(s));
	}
	cr_expect_eq(store_alarms(s, 2, &max_id, got_alarm, &g), 0);
	cr_expect_eq(max_id, 6);
	/* Open 2 and 5, and the two newest acknowledged, 4 and 6, by id. */
	cr_assert_eq(g.n, 4);
	cr_expect_eq(g.al[0].id, 2);
	cr_expect_not(g.al[0].acked);
	cr_expect_str_eq(g.al[0].acked_by, "");
	cr_expect_eq(g.al[1].id, 4);
	cr_expect(g.al[1].acked);
	cr_expect_eq(g.al[2].id, 5);
	cr_expect_eq(g.al[3].id, 6);
	store_close(s);
}

STORE_TEST(an_empty_database_has_no_alarms_and_max_id_0)
{
	store *s = open_ok();
	struct got g = { 0 };
	uint64_t max_id = 99;

	cr_expect_eq(store_alarms(s, 10, &max_id, got_alarm, &g), 0);
	cr_expect_eq(max_id, 0);
	cr_expect_eq(g.n, 0);
	store_close(s);
}

/* store_put_alarm() of a, acknowledged by by at t_s. */
static int
put_acked(store *s, struct store_alarm a, const char *by, double t_s)
{
	a = alarm_acked(a, by, t_s);
	return store_put_alarm(s, &a);
}

STORE_TEST(a_press_is_stored_once_and_every_claim_of_it_gets_its_id)
{
	store *s = open_ok(), *other = open_ok();
	struct store_alarm a = alarm_open(0, "badge-16", 10);
	struct store_alarm b = a, c = alarm_open(0, "badge-16", 30);
	struct got g = { 0 };

	cr_assert_eq(store_claim_alarm(s, &a), 1, "%s", store_error(s));
	cr_expect_gt(a.id, 0);
	/* The same press from a second trackd, which saw a later press of
	 * it too: the first's row, brought that press. */
	b.id = 999;
	b.pressed_us = 12 * S;
	cr_assert_eq(store_claim_alarm(other, &b), 0, "%s",
	             store_error(other));
	cr_expect_eq(b.id, a.id);
	cr_expect_eq(b.pressed_us, 12 * S);
	cr_expect_not(b.acked);
	/* An older press changes nothing. */
	b.pressed_us = 11 * S;
	cr_assert_eq(store_claim_alarm(s, &b), 0);
	cr_expect_eq(b.pressed_us, 12 * S);
	/* Another press of the same tag is another alarm. */
	cr_assert_eq(store_claim_alarm(other, &c), 1);
	cr_expect_neq(c.id, a.id);
	cr_expect_eq(store_alarms(s, 10, NULL, got_alarm, &g), 0);
	cr_expect_eq(g.n, 2);
	store_close(other);
	store_close(s);
}

STORE_TEST(a_claim_after_the_acknowledgement_gets_the_acknowledgement)
{
	store *s = open_ok();
	struct store_alarm a = alarm_open(0, "badge-17", 10), b;

	cr_assert_eq(store_claim_alarm(s, &a), 1, "%s", store_error(s));
	b = a;
	cr_assert_eq(put_acked(s, a, "guard 2", 20), 0, "%s", store_error(s));
	b.acked = false;
	cr_assert_eq(store_claim_alarm(s, &b), 0);
	cr_expect(b.acked);
	cr_expect_str_eq(b.acked_by, "guard 2");
	cr_expect_eq(b.acked_us, 20 * S);
	store_close(s);
}

STORE_TEST(a_claim_that_fails_leaves_the_alarm_as_it_was)
{
	store *s = open_ok();
	struct store_alarm a = alarm_open(77, "", 10);

	cr_expect_eq(store_claim_alarm(s, &a), -1);
	cr_expect_str_eq(store_error(s), "an alarm without a tag");
	cr_expect_eq(a.id, 77);
	store_close(s);
}

Test(store, sqlite_has_no_acknowledgements_from_elsewhere)
{
	store *s = open_ok(), *other = open_ok();
	struct store_alarm a = alarm_open(0, "badge-18", 10);
	struct got g = { 0 };

	cr_assert_eq(store_claim_alarm(other, &a), 1);
	cr_assert_eq(put_acked(other, a, "x", 11), 0);
	cr_expect_eq(store_alarm_changes(s, got_alarm, &g), 0);
	cr_expect_eq(g.n, 0);
	store_close(other);
	store_close(s);
}

static void
nap_ms(long ms)
{
	nanosleep(&(struct timespec){ 0, ms * 1000000 }, NULL);
}

/* store_alarm_changes() until it hands something (or max_s). */
static void
changes_within(store *s, struct got *g, double max_s)
{
	for (int i = 0; i < (int)(max_s * 100) && g->n == 0; i++) {
		cr_assert_eq(store_alarm_changes(s, got_alarm, g), 0, "%s",
		             store_error(s));
		if (g->n == 0)
			nap_ms(10);
	}
}

Test(store_pg, another_connections_acknowledgement_is_told_at_once)
{
	store *s = open_ok(), *other = open_ok();
	struct store_alarm a = alarm_open(0, "badge-19", 10);
	struct got g = { 0 };

	/* The first call on a connection hands what it may have missed:
	 * every open alarm and the newest acknowledged ones. */
	cr_assert_eq(store_claim_alarm(other, &a), 1);
	cr_assert_eq(store_alarm_changes(s, got_alarm, &g), 0);
	cr_expect_eq(g.n, 1);
	cr_expect_not(g.al[0].acked);
	g.n = 0;
	cr_expect_eq(store_alarm_changes(s, got_alarm, &g), 0);
	cr_expect_eq(g.n, 0, "nothing new");
	/* A new press is not told (each trackd sees the press itself) ... */
	a = alarm_open(0, "badge-19", 20);
	cr_assert_eq(store_claim_alarm(other, &a), 1);
	nap_ms(100);
	cr_expect_eq(store_alarm_changes(s, got_alarm, &g), 0);
	cr_expect_eq(g.n, 0);
	/* ... its acknowledgement is. */
	cr_assert_eq(put_acked(other, a, "guard 3", 21), 0, "%s",
	             store_error(other));
	changes_within(s, &g, 2);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.al[0].id, a.id);
	cr_expect(g.al[0].acked);
	cr_expect_str_eq(g.al[0].acked_by, "guard 3");
	cr_expect_eq(g.al[0].acked_us, 21 * S);
	/* Stored again (a second copy, a new press): told no more. */
	g.n = 0;
	cr_assert_eq(put_acked(other, a, "guard 4", 22), 0);
	nap_ms(100);
	cr_expect_eq(store_alarm_changes(s, got_alarm, &g), 0);
	cr_expect_eq(g.n, 0);
	store_close(other);
	store_close(s);
}
