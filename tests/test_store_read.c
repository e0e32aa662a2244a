/* The store's reads, on both backends (store-fixture.h): history of a
 * tag and of a floor, last positions, events newest first and in pages,
 * occupancy, retention and the statistics of earlier runs. */
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

STORE_TEST(history_gives_the_window_oldest_first_for_one_tag)
{
	store *s = open_ok();
	struct store_batch b = batch_of(64);
	struct got g = { 0 };

	/* Written newest first: the answer is sorted by time anyway. */
	for (int i = 9; i >= 0; i--) {
		struct store_position p = pos("badge-7", i, i, 0, NULL);
		struct store_position q = pos("badge-8", i, i, 0, NULL);

		store_batch_add_position(&b, &p);
		store_batch_add_position(&b, &q);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));

	cr_expect_eq(store_history(s, "badge-7", 2 * S, 5 * S, 100,
	                           got_position, &g),
	             0);
	cr_assert_eq(g.n, 3, "from is in, to is out");
	for (size_t i = 0; i < 3; i++) {
		cr_expect_eq(g.t[i], (int64_t)(i + 2) * S);
		cr_expect_str_eq(g.tag[i], "badge-7");
	}

	memset(&g, 0, sizeof g);
	store_history(s, "badge-7", 0, 10 * S, 4, got_position, &g);
	cr_expect_eq(g.n, 4, "at most limit rows");

	memset(&g, 0, sizeof g);
	store_history(s, "badge-7", 20 * S, 30 * S, 100, got_position, &g);
	cr_expect_eq(g.n, 0);
	memset(&g, 0, sizeof g);
	cr_expect_eq(store_history(s, "badge-7", 0, STORE_HISTORY_MAX_US + 1,
	                           100, got_position, &g),
	             -1, "a window longer than the longest is refused");
	cr_expect(strstr(store_error(s), "window"), "%s", store_error(s));
	cr_expect_eq(store_history(s, "badge-7", 0, STORE_HISTORY_MAX_US, 1,
	                           got_position, &g),
	             0, "the longest is taken");
	cr_expect_eq(store_has_tag(s, "badge-7"), 1);
	cr_expect_eq(store_has_tag(s, "badge-9"), 0);
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(history_spans_many_index_buckets_in_time_order)
{
	store *s = open_ok();
	struct store_batch b = batch_of(128);
	struct got g = { 0 };

	/* Every 7 s for 280 s: rows in 28 buckets of 10 s, some empty. */
	for (int i = 0; i < 40; i++) {
		double t = 1000 + 7 * i;
		struct store_position p = pos("badge-17", t, i, 0, NULL);
		struct store_position q = pos("badge-18", t, i, 0, NULL);

		store_batch_add_position(&b, &p);
		store_batch_add_position(&b, &q);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	/* [1015 s, 1105 s): 1015 is not a row; 1021 ... 1098 are. */
	cr_expect_eq(store_history(s, "badge-17", 1015 * S, 1105 * S, 100,
	                           got_position, &g),
	             0);
	cr_assert_eq(g.n, 12);
	for (size_t i = 0; i < g.n; i++)
		cr_expect_eq(g.t[i], (int64_t)(1021 + 7 * i) * S);
	/* A window inside one bucket, and one ending exactly on a row. */
	memset(&g, 0, sizeof g);
	store_history(s, "badge-17", 1001 * S, 1007 * S, 100, got_position, &g);
	cr_expect_eq(g.n, 0, "to is out");
	memset(&g, 0, sizeof g);
	store_history(s, "badge-17", 1000 * S, 1000 * S + 1, 100, got_position,
	              &g);
	cr_expect_eq(g.n, 1, "from is in");
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(a_floor_s_history_gives_every_tag_on_it_in_time_order)
{
	store *s = open_ok();
	struct store_batch b = batch_of(128);
	struct got g = { 0 };

	/* Two tags on f0 and one upstairs, every 7 s: rows of both in
	 * buckets of 10 s, read back merged by time. */
	for (int i = 0; i < 10; i++) {
		double t = 200 + 7 * i;
		struct store_position p = pos("badge-21", t, i, 0, NULL);
		struct store_position q = pos("pump-22", t + 1, i, 0, NULL);
		struct store_position u = pos("badge-23", t, i, 0, NULL);

		u.floor = "f1";
		store_batch_add_position(&b, &p);
		store_batch_add_position(&b, &q);
		store_batch_add_position(&b, &u);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_floor_history_page(s, "f0", STORE_KEY_AT(200 * S),
	                                      270 * S, 64, got_position, &g),
	             0);
	cr_assert_eq(g.n, 20);
	for (size_t i = 0; i < g.n; i++) {
		cr_expect_str_eq(g.tag[i], i % 2 ? "pump-22" : "badge-21");
		cr_expect_eq(g.t[i], (int64_t)(200 + 7 * (i / 2) + i % 2) * S);
	}
	/* Paged: after the third row, the next two. */
	memset(&g, 0, sizeof g);
	store_floor_history_page(s, "f0",
	                         (struct store_key){ 207 * S, INT64_MIN },
	                         270 * S, 2, got_position, &g);
	cr_assert_eq(g.n, 2);
	cr_expect_eq(g.t[0], 207 * S, "from is in");
	cr_expect_str_eq(g.tag[1], "pump-22");
	memset(&g, 0, sizeof g);
	store_floor_history_page(s, "f9", STORE_KEY_AT(0), 300 * S, 64,
	                         got_position, &g);
	cr_expect_eq(g.n, 0, "no rows of another floor");
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(last_positions_keep_the_newest_of_each_tag)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_position newer = pos("badge-10", 20, 5, 5, "icu");
	struct store_position older = pos("badge-10", 10, 1, 1, NULL);
	struct store_position other = pos("badge-11", 15, 2, 2, NULL);
	struct got g = { 0 };

	store_batch_add_position(&b, &newer);
	store_batch_add_position(&b, &other);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	store_batch_clear(&b);
	/* A late, older row does not move the tag back. */
	store_batch_add_position(&b, &older);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));

	cr_expect_eq(store_last_positions(s, got_position, &g), 0);
	cr_assert_eq(g.n, 2);
	cr_expect_str_eq(g.tag[0], "badge-10");
	cr_expect_eq(g.t[0], 20 * S);
	cr_expect_str_eq(g.zone[0], "icu");
	cr_expect_str_eq(g.tag[1], "badge-11");
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(a_flood_s_stray_last_positions_are_forgotten_the_site_s_kept)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_position p[] = {
		pos("junk-1", 10, 1, 1, NULL),  /* one scanner: forgotten */
		pos("junk-2", 11, 1, 1, NULL),  /* not known: forgotten */
		pos("phone-1", 12, 1, 1, NULL), /* three scanners: kept */
		pos("badge-1", 13, 1, 1, NULL), /* one, but the site's: kept */
	};
	struct got g = { 0 };

	p[0].scanners = 1;
	p[2].scanners = 3;
	p[3].scanners = 1;
	for (size_t i = 0; i < 4; i++)
		store_batch_add_position(&b, &p[i]);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_purge_stray_last(s, "[\"badge-1\",\"badge-2\"]", 2),
	             2, "%s", store_error(s));
	cr_expect_eq(store_last_positions(s, got_position, &g), 0);
	cr_assert_eq(g.n, 2);
	/* Newest first. */
	cr_expect_str_eq(g.tag[0], "badge-1");
	cr_expect_str_eq(g.tag[1], "phone-1");
	/* Their history stays. */
	cr_expect_eq(count("SELECT count(*) FROM positions"), 4);
	cr_expect_eq(count("SELECT scanners FROM last_positions WHERE tag = "
	                   "'phone-1'"),
	             3);
	store_batch_free(&b);
	store_close(s);
}

Test(store, the_file_and_its_wal_are_the_owner_s_only)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char f[300];
	struct stat st;
	store *s;
	int fd;

	/* Made before, world-readable: made private at open. */
	fd = open(where, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	fchmod(fd, 0644);
	close(fd);
	s = open_ok();
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", where, ext[i]);
		cr_assert_eq(stat(f, &st), 0, "%s", f);
		cr_expect_eq(st.st_mode & 0777, 0600, "%s: %o", f,
		             (unsigned)(st.st_mode & 0777));
	}
	store_close(s);
}

STORE_TEST(events_newest_first_narrowed_by_window_tag_and_type)
{
	store *s = open_ok();
	struct store_batch b = batch_of(1);
	struct got g = { 0 };
	static const char *const types[] = { "zone_enter", "zone_exit",
		                             "distress" };

	for (int i = 0; i < 9; i++) {
		const char *tag = i % 2 ? "badge-12" : "badge-13";
		struct store_event e = event(types[i % 3], tag, i);

		store_batch_add_event(&b, &e);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));

	store_events(s, 0, 100 * S, NULL, NULL, 100, got_event, &g);
	cr_expect_eq(g.n, 9);
	memset(&g, 0, sizeof g);
	store_events(s, 2 * S, 6 * S, NULL, NULL, 100, got_event, &g);
	cr_expect_eq(g.n, 4);
	cr_expect_eq(g.t[0], 5 * S, "newest first");
	cr_expect_eq(g.t[3], 2 * S);
	memset(&g, 0, sizeof g);
	store_events(s, 0, 100 * S, "badge-12", NULL, 100, got_event, &g);
	cr_expect_eq(g.n, 4); /* 1, 3, 5, 7 */
	memset(&g, 0, sizeof g);
	store_events(s, 0, 100 * S, "badge-12", "zone_exit", 100, got_event,
	             &g);
	cr_assert_eq(g.n, 2); /* 7, 1 */
	cr_expect_eq(g.t[0], 7 * S);
	cr_expect_eq(g.t[1], 1 * S);
	memset(&g, 0, sizeof g);
	store_events(s, 0, 100 * S, NULL, "distress", 2, got_event, &g);
	cr_expect_eq(g.n, 2, "at most limit rows");
	cr_expect_eq(g.t[0], 8 * S, "the newest ones");
	store_batch_free(&b);
	store_close(s);
}

static int
key_event(void *ud, const struct store_event *e)
{
	struct store_key *k = ud;

	cr_expect(e->t_us < k->t_us ||
	          (e->t_us == k->t_us && e->rowid < k->rowid),
	          "each row before the last");
	*k = (struct store_key){ e->t_us, e->rowid };
	return 0;
}

/* Pages keyed by their last row: every event once, newest first, however
 * many share a time. */
STORE_TEST(events_in_pages_come_once_each)
{
	store *s = open_ok();
	struct store_batch b = batch_of(1);
	struct store_key key = STORE_KEY_AT(100 * S);
	size_t n = 0;

	for (int i = 0; i < 12; i++) {
		struct store_event e = event("zone_enter", "badge-12", i / 4);

		store_batch_add_event(&b, &e);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	for (int page = 0; page < 10; page++) {
		struct store_key before = key;
		struct got g = { 0 };

		cr_assert_eq(store_events_page(s, 0, before, "badge-12", NULL, 5,
		                               got_event, &g),
		             0);
		store_events_page(s, 0, before, "badge-12", NULL, 5, key_event,
		                  &key);
		n += g.n;
		if (g.n < 5)
			break;
	}
	cr_expect_eq(n, 12, "every event once");
	cr_expect_eq(key.t_us, 0, "down to the oldest");
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(occupancy_buckets_are_one_row_per_zone_and_start)
{
	store *s = open_ok();
	struct store_batch b = batch_of(1);
	struct got g = { 0 };

	for (int i = 0; i < 3; i++)
		store_batch_add_occupancy(&b, &(struct store_occupancy){
			.zone = "icu", .t_us = (int64_t)i * 60 * S,
			.mean = i, .peak = (unsigned)i });
	/* The same bucket again replaces it. */
	store_batch_add_occupancy(&b, &(struct store_occupancy){
		.zone = "icu", .t_us = 60 * S, .mean = 9 });
	store_batch_add_occupancy(&b, &(struct store_occupancy){
		.zone = "ward", .t_us = 60 * S, .mean = 4 });
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_occupancy(s, "icu", 60 * S, 180 * S, got_occupancy,
	                             &g),
	             0);
	cr_assert_eq(g.n, 2);
	cr_expect_eq(g.t[0], 60 * S);
	cr_expect_float_eq(g.mean[0], 9.0, 1e-12);
	cr_expect_eq(g.t[1], 120 * S);
	store_batch_free(&b);
	store_close(s);
}

static int
stop_at_first(void *ud, const struct store_position *p)
{
	(void)p;
	++*(int *)ud;
	return 1;
}

STORE_TEST(a_callback_that_returns_nonzero_stops_the_query)
{
	store *s = open_ok();
	struct store_batch b = batch_of(8);
	int calls = 0;

	for (int i = 0; i < 5; i++) {
		struct store_position p = pos("badge-16", i, 0, 0, NULL);

		store_batch_add_position(&b, &p);
	}
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_history(s, "badge-16", 0, 10 * S, 100,
	                           stop_at_first, &calls),
	             0);
	cr_expect_eq(calls, 1);
	/* And the statement is ready for the next query. */
	calls = 0;
	store_history(s, "badge-16", 0, 10 * S, 100, stop_at_first, &calls);
	cr_expect_eq(calls, 1);
	store_batch_free(&b);
	store_close(s);
}

/* ---- retention ---------------------------------------------------------- */

STORE_TEST(retention_deletes_old_positions_and_events_in_slices_and_keeps_the_rest)
{
	store *s = open_ok();
	struct store_batch b = batch_of(4096);
	struct store_alarm al = alarm_open(3, "old-1", 10);

	/* 150 old positions (days 0..1) of one tag, 10 new of another, and
	 * events and an alarm on both sides of the line at day 2. */
	for (int i = 0; i < 150; i++) {
		struct store_position p = pos("old-1", i * 1000.0, i, 0, NULL);

		cr_assert_eq(store_batch_add_position(&b, &p), 0);
	}
	for (int i = 0; i < 10; i++) {
		struct store_position p = pos("new-1", 3 * 86400.0 + i, i, 0,
		                              NULL);

		cr_assert_eq(store_batch_add_position(&b, &p), 0);
	}
	for (int i = 0; i < 20; i++) {
		struct store_event e = event("zone_enter", "old-1", i * 100.0);

		cr_assert_eq(store_batch_add_event(&b, &e), 0);
	}
	{
		struct store_event e = event("zone_enter", "new-1", 3 * 86400.0);

		cr_assert_eq(store_batch_add_event(&b, &e), 0);
	}
	cr_assert_eq(store_batch_add_alarm(&b, &al), 0);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));

	/* Slices of at most 100 rows, until nothing is left to do. */
	cr_expect_eq(store_purge(s, 2 * 86400 * (int64_t)S, 100), 100);
	cr_expect_eq(count("SELECT count(*) FROM positions"), 60);
	cr_expect_eq(store_purge(s, 2 * 86400 * (int64_t)S, 100), 71); /* 50 + 20 + 1 */
	cr_expect_eq(store_purge(s, 2 * 86400 * (int64_t)S, 100), 0);
	cr_expect_eq(count("SELECT count(*) FROM positions WHERE tag = 'old-1'"), 0);
	cr_expect_eq(count("SELECT count(*) FROM positions WHERE tag = 'new-1'"), 10);
	cr_expect_eq(count("SELECT count(*) FROM events"), 1);
	cr_expect_eq(count("SELECT count(*) FROM last_positions"), 1);
	cr_expect_eq(count("SELECT count(*) FROM alarms"), 1, "alarms stay");
	store_batch_free(&b);
	store_close(s);
}

/* ---- statistics kept per run -------------------------------------------- */

STORE_TEST(heatmaps_and_utilization_add_up_over_earlier_runs_only)
{
	store *s = open_ok();
	float a[6] = { 1, 0, 2, 0, 0, 3 }, b[6] = { 1, 1, 1, 1, 1, 1 };
	float sum[6] = { 0 }, odd[4] = { 9, 9, 9, 9 };
	double moving = 1, idle = 2;

	/* Run 100 wrote hour 3600 twice (the second replaces the first);
	 * run 200 the same hour; run 300 is the caller's own. */
	cr_assert_eq(store_put_heatmap(s, "f0", 3600 * (int64_t)S, 100, 3, 2, b), 0);
	cr_assert_eq(store_put_heatmap(s, "f0", 3600 * (int64_t)S, 100, 3, 2, a), 0);
	cr_assert_eq(store_put_heatmap(s, "f0", 3600 * (int64_t)S, 200, 3, 2, b), 0);
	cr_assert_eq(store_put_heatmap(s, "f0", 3600 * (int64_t)S, 300, 3, 2, b), 0);
	cr_assert_eq(store_put_heatmap(s, "f0", 7200 * (int64_t)S, 100, 2, 2, odd), 0);
	cr_assert_eq(store_put_heatmap(s, "f1", 3600 * (int64_t)S, 100, 3, 2, b), 0);
	cr_assert_eq(store_add_heatmap(s, "f0", 0, 86400 * (int64_t)S, 300, 3, 2,
	                               sum),
	             0);
	for (int i = 0; i < 6; i++)
		cr_expect_float_eq(sum[i], a[i] + b[i], 1e-6, "cell %d", i);

	cr_assert_eq(store_put_utilization(s, "pump-1", 0, 100, 10, 20), 0);
	cr_assert_eq(store_put_utilization(s, "pump-1", 86400 * (int64_t)S, 100,
	                                   5, 5),
	             0);
	cr_assert_eq(store_put_utilization(s, "pump-1", 0, 300, 99, 99), 0);
	cr_assert_eq(store_utilization(s, "pump-1", 0, 86400 * (int64_t)S, 300,
	                               &moving, &idle),
	             0);
	cr_expect_float_eq(moving, 11, 1e-9);
	cr_expect_float_eq(idle, 22, 1e-9);
	store_close(s);
}

/* ---- access: tokens, audit, backup -------------------------------------- */
