/* Two trackd on one database, on both backends (store-fixture.h): the
 * history written by one of them at a time (the writer's lease, and what
 * the other keeps meanwhile), and each instance's statistics its own. */
#include <criterion/criterion.h>

#include "store-fixture.h"
#include "store-rows.h"

TestSuite(store, .init = fixture_sqlite_init, .fini = fixture_sqlite_fini);
TestSuite(store_pg, .init = fixture_pg_init, .fini = fixture_pg_fini);

/* ---- the history writer ------------------------------------------------- */

Test(store, one_trackd_per_file_always_writes_the_history)
{
	store *s = open_ok();
	int64_t pos_us = -1, ev_us = -1;

	store_set_instance(s, "trackd-a", 100);
	cr_expect_eq(store_history_writer(s), 1);
	cr_expect_eq(store_history_writer(s), 1);
	cr_expect_eq(store_history_newest(s, &pos_us, &ev_us), 0);
	cr_expect_eq(pos_us, 0);
	cr_expect_eq(ev_us, 0);
	store_close(s);
}

Test(store_pg, one_instance_at_a_time_writes_the_history)
{
	store *a = open_ok(), *b = open_ok();

	store_set_instance(a, "trackd-a", 100);
	store_set_instance(b, "trackd-b", 200);
	cr_expect_eq(store_history_writer(a), 1, "%s", store_error(a));
	cr_expect_eq(store_history_writer(b), 0, "%s", store_error(b));
	/* Renewed by its holder, not taken while it runs. */
	cr_expect_eq(store_history_writer(a), 1);
	cr_expect_eq(store_history_writer(b), 0);
	cr_expect_eq(count("SELECT count(*) FROM history_writer WHERE "
	                   "holder = 'trackd-a/100'"),
	             1);
	/* A stops on purpose: B takes it at once. */
	store_close(a);
	cr_expect_eq(store_history_writer(b), 1, "%s", store_error(b));
	/* A again, as a new run: B holds it now. */
	a = open_ok();
	store_set_instance(a, "trackd-a", 300);
	cr_expect_eq(store_history_writer(a), 0);
	store_close(a);
	store_close(b);
}

Test(store_pg, a_lease_not_renewed_is_taken_over)
{
	store *b = open_ok();
	struct raw *db = raw();

	store_set_instance(b, "trackd-b", 200);
	/* An instance that died (no close, its machine gone) holding a
	 * lease that ran out a second ago. */
	raw_exec(db, "INSERT INTO history_writer (holder, until) VALUES "
	             "('trackd-a/100', clock_timestamp() - interval '1 second')");
	raw_close(db);
	cr_expect_eq(store_history_writer(b), 1, "%s", store_error(b));
	cr_expect_eq(count("SELECT count(*) FROM history_writer WHERE "
	                   "holder = 'trackd-b/200' AND until > now()"),
	             1);
	store_close(b);
}

STORE_TEST(the_newest_history_stored_is_what_a_new_writer_leaves_out)
{
	store *s = open_ok();
	struct store_batch b = batch_of(8);
	int64_t pos_us, ev_us;
	struct store_event e = event("zone_enter", "badge-1", 7);

	cr_assert_eq(store_batch_add_position(&b, &(struct store_position){
		                     .tag = "badge-1", .floor = "f0",
		                     .t_us = 5 * (int64_t)S, .x = 1, .y = 2,
		                     .r = 1 }),
	             0);
	cr_assert_eq(store_batch_add_event(&b, &e), 0);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_assert_eq(store_history_newest(s, &pos_us, &ev_us), 0);
	if (on_pg) {
		cr_expect_eq(pos_us, 5 * (int64_t)S);
		cr_expect_eq(ev_us, 7 * (int64_t)S);
	}
	store_batch_free(&b);
	store_close(s);
}

/* ---- what the other instance keeps --------------------------------------- */

Test(store, a_batch_forgets_what_is_older_than_each_cut_in_order)
{
	struct store_batch b = batch_of(4);
	const char *tags[] = { "t0", "t1", "t2", "t3", "t4", "t5" };
	struct store_occupancy o = { .zone = "ward" };

	/* Six positions through a ring of four: t2..t5 left, head moved. */
	for (int i = 0; i < 6; i++)
		store_batch_add_position(&b, &(struct store_position){
			.tag = tags[i], .t_us = i * (int64_t)S, .r = 1 });
	for (int i = 0; i < 3; i++) {
		struct store_event e = event("zone_enter", tags[i], i * 2);

		store_batch_add_event(&b, &e);
		o.t_us = i * 60 * (int64_t)S;
		store_batch_add_occupancy(&b, &o);
	}
	store_batch_add_alarm(&b, &(struct store_alarm){ .id = 1 });
	store_batch_forget(&b, 4 * (int64_t)S, 2 * (int64_t)S,
	                   60 * (int64_t)S);
	cr_assert_eq(b.pos_n, 2);
	cr_expect_str_eq(b.pos[b.pos_head % b.pos_cap].tag, "t4");
	cr_expect_str_eq(b.pos[(b.pos_head + 1) % b.pos_cap].tag, "t5");
	cr_expect_eq(b.ev_n, 2);
	cr_expect_str_eq(b.ev[0].tag, "t1");
	cr_expect_eq(b.occ_n, 2);
	cr_expect_eq(b.al_n, 1, "alarms are never forgotten");
	cr_expect_eq(b.dropped, 2, "only the ring's own drops are counted");
	/* Room again, in order. */
	store_batch_add_position(&b, &(struct store_position){
		.tag = "t6", .t_us = 6 * (int64_t)S, .r = 1 });
	cr_expect_str_eq(b.pos[(b.pos_head + 2) % b.pos_cap].tag, "t6");
	store_batch_free(&b);
}

STORE_TEST(the_alarms_alone_are_written_and_the_rest_kept)
{
	store *s = open_ok();
	struct store_batch b = batch_of(4), only;
	struct store_event e = event("zone_enter", "badge-1", 7);
	struct store_alarm al = alarm_open(9, "badge-1", 6);

	store_batch_add_event(&b, &e);
	store_batch_add_alarm(&b, &al);
	only = store_batch_alarms(&b);
	cr_expect_eq(store_batch_rows(&only), 1);
	cr_assert_eq(store_write(s, &only), 0, "%s", store_error(s));
	store_batch_clear_alarms(&b);
	cr_expect_eq(store_batch_rows(&b), 1);
	cr_expect_eq(count("SELECT count(*) FROM alarms"), 1);
	cr_expect_eq(count("SELECT count(*) FROM events"), 0);
	store_batch_free(&b);
	store_close(s);
}

/* ---- statistics per instance --------------------------------------------- */

STORE_TEST(each_instance_reads_its_own_statistics_and_the_unnamed)
{
	store *a = open_ok(), *b = open_ok(), *old = open_ok();
	float one[2] = { 1, 1 }, sum[2] = { 0 };
	double moving = 0, idle = 0;
	int64_t h = 3600 * (int64_t)S;

	/* Written before instances had names, by A, and by B (both
	 * counting the same tags over the same hour). */
	cr_assert_eq(store_put_heatmap(old, "f0", h, 50, 2, 1, one), 0);
	cr_assert_eq(store_put_utilization(old, "pump-1", 0, 50, 1, 1), 0);
	store_set_instance(a, "trackd-a", 100);
	store_set_instance(b, "trackd-b", 200);
	cr_assert_eq(store_put_heatmap(a, "f0", h, 100, 2, 1, one), 0);
	cr_assert_eq(store_put_heatmap(b, "f0", h, 200, 2, 1, one), 0);
	cr_assert_eq(store_put_utilization(a, "pump-1", 0, 100, 10, 20), 0);
	cr_assert_eq(store_put_utilization(b, "pump-1", 0, 200, 10, 20), 0);

	/* A's later run reads A's and the unnamed, never B's. */
	cr_assert_eq(store_add_heatmap(a, "f0", 0, 2 * h, 300, 2, 1, sum), 0);
	cr_expect_float_eq(sum[0], 2, 1e-6);
	cr_assert_eq(store_utilization(a, "pump-1", 0, 2 * h, 300, &moving,
	                               &idle),
	             0);
	cr_expect_float_eq(moving, 11, 1e-9);
	cr_expect_float_eq(idle, 21, 1e-9);
	store_close(old);
	store_close(a);
	store_close(b);
}
