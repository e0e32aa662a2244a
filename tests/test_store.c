/* trackd's store, on both backends (store-fixture.h): a real SQLite file
 * in a fresh temporary directory per test, and a fresh database of a real
 * PostgreSQL server: the schema and its migrations, batches that commit
 * whole or not at all, and the queries trackd answers from. */
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

#define S 1000000 /* microseconds in a second */

TestSuite(store, .init = fixture_sqlite_init, .fini = fixture_sqlite_fini);
TestSuite(store_pg, .init = fixture_pg_init, .fini = fixture_pg_fini);

static struct store_position
pos(const char *tag, double t_s, double x, double y, const char *zone)
{
	return (struct store_position){ .tag = tag, .floor = "f0",
		                        .zone = zone,
		                        .t_us = (int64_t)(t_s * S),
		                        .x = x, .y = y, .r = 1.5 };
}

static struct store_event
event(const char *type, const char *tag, double t_s)
{
	struct store_event e = { .t_us = (int64_t)(t_s * S), .type = type,
		                 .zone = "icu", .floor = "f0", .x = 1.0,
		                 .y = 2.0 };

	snprintf(e.tag, sizeof e.tag, "%s", tag);
	return e;
}

static struct store_alarm
alarm_open(uint64_t id, const char *tag, double t_s)
{
	struct store_alarm a = { .id = id, .opened_us = (int64_t)(t_s * S),
		                 .pressed_us = (int64_t)(t_s * S) };

	snprintf(a.tag, sizeof a.tag, "%s", tag);
	return a;
}

static struct store_alarm
alarm_acked(struct store_alarm a, const char *by, double t_s)
{
	a.acked = true;
	snprintf(a.acked_by, sizeof a.acked_by, "%s", by);
	a.acked_us = (int64_t)(t_s * S);
	return a;
}

/* ---- collecting query results ------------------------------------------- */

struct got {
	size_t n;
	int64_t t[64];
	char tag[64][STORE_ID_MAX];
	char zone[64][STORE_ID_MAX];
	struct store_alarm al[64];
	double mean[64];
};

static int
got_position(void *ud, const struct store_position *p)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = p->t_us;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", p->tag);
	snprintf(g->zone[g->n], STORE_ID_MAX, "%s", p->zone ? p->zone : "-");
	g->n++;
	return 0;
}

static int
got_event(void *ud, const struct store_event *e)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = e->t_us;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", e->tag);
	snprintf(g->zone[g->n], STORE_ID_MAX, "%s", e->type);
	g->n++;
	return 0;
}

static int
got_alarm(void *ud, const struct store_alarm *a)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->al[g->n++] = *a;
	return 0;
}

static int
got_occupancy(void *ud, const struct store_occupancy *o)
{
	struct got *g = ud;

	g->t[g->n] = o->t_us;
	g->mean[g->n++] = o->mean;
	return 0;
}

static struct store_batch
batch_of(size_t cap)
{
	struct store_batch b;

	cr_assert_eq(store_batch_init(&b, cap), 0);
	return b;
}

/* ---- schema ------------------------------------------------------------- */

Test(store, open_creates_the_schema_at_version_6_in_wal_mode)
{
	store *s = open_ok();
	struct raw *db;

	cr_expect_eq(store_schema_version(s), 6);
	cr_expect_eq(store_migrations_applied(s), 6);
	cr_expect_str_eq(store_error(s), "");
	db = raw();
	cr_expect_eq(raw_scalar(db, "PRAGMA user_version"), 6);
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM sqlite_master WHERE "
	                        "type = 'table' AND name IN ('positions', "
	                        "'last_positions', 'events', 'alarms', "
	                        "'occupancy', 'tokens', 'audit', 'heatmap', "
	                        "'utilization')"),
	             9);
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM sqlite_master WHERE "
	                        "name = 'positions_bucket_tag_t'"),
	             1);
	cr_expect_eq(raw_scalar(db, "SELECT journal_mode = 'wal' FROM "
	                        "pragma_journal_mode"),
	             1);
	raw_close(db);
	store_close(s);
}

STORE_TEST(the_migration_runs_once)
{
	store *s = open_ok();

	cr_expect_eq(store_migrations_applied(s), 6);
	store_close(s);
	for (int i = 0; i < 2; i++) {
		s = open_ok();
		cr_expect_eq(store_migrations_applied(s), 0,
		             "reopen %d migrated again", i + 1);
		cr_expect_eq(store_schema_version(s), 6);
		store_close(s);
	}
}

Test(store, a_version_1_file_is_brought_up_to_date_keeping_its_rows)
{
	struct raw *db = raw();
	store *s;

	/* Version 1 as it shipped, with one alarm in it. */
	raw_exec(db, "CREATE TABLE positions (tag TEXT NOT NULL, t INTEGER NOT "
	         "NULL, floor TEXT, x REAL NOT NULL, y REAL NOT NULL, r REAL "
	         "NOT NULL, zone TEXT);"
	         "CREATE INDEX positions_bucket_tag_t ON positions "
	         "(t / 10000000, tag, t);"
	         "CREATE TABLE last_positions (tag TEXT PRIMARY KEY, t "
	         "INTEGER NOT NULL, floor TEXT, x REAL NOT NULL, y REAL NOT "
	         "NULL, r REAL NOT NULL, zone TEXT) WITHOUT ROWID;"
	         "CREATE TABLE events (t INTEGER NOT NULL, type TEXT NOT "
	         "NULL, tag TEXT NOT NULL, zone TEXT, floor TEXT, x REAL, y "
	         "REAL);"
	         "CREATE TABLE alarms (id INTEGER PRIMARY KEY, tag TEXT NOT "
	         "NULL, opened INTEGER NOT NULL, pressed INTEGER NOT NULL, "
	         "acked_by TEXT, acked INTEGER);"
	         "CREATE TABLE occupancy (zone TEXT NOT NULL, t INTEGER NOT "
	         "NULL, mean REAL NOT NULL, peak INTEGER NOT NULL, "
	         "mean_person REAL NOT NULL, mean_asset REAL NOT NULL, "
	         "peak_person INTEGER NOT NULL, peak_asset INTEGER NOT NULL, "
	         "PRIMARY KEY (zone, t)) WITHOUT ROWID;"
	         "INSERT INTO alarms VALUES (7, 'nurse-1', 1, 1, NULL, NULL);"
	         "PRAGMA user_version = 1");
	raw_close(db);
	s = open_ok();
	cr_expect_eq(store_migrations_applied(s), 5);
	cr_expect_eq(store_schema_version(s), 6);
	store_close(s);
	cr_expect_eq(count("SELECT count(*) FROM alarms WHERE id = 7"), 1);
	cr_expect_eq(count("SELECT count(*) FROM tokens"), 0);
	/* Version 4: scanner tokens' scanners, last fixes' scanners. */
	cr_expect_eq(count("SELECT count(*) FROM pragma_table_info('tokens') "
	                   "WHERE name = 'scanners'"),
	             1);
	cr_expect_eq(count("SELECT count(*) FROM "
	                   "pragma_table_info('last_positions') WHERE name = "
	                   "'scanners'"),
	             1);
	/* Version 5: the person an audit row names (OpenID sub). */
	cr_expect_eq(count("SELECT count(*) FROM pragma_table_info('audit') "
	                   "WHERE name = 'subject'"),
	             1);
}

Test(store, an_up_to_date_file_opens_while_another_writer_holds_the_lock)
{
	store *s = open_ok();
	struct raw *db;

	store_close(s);
	db = raw();
	raw_exec(db, "BEGIN IMMEDIATE");
	s = open_ok();
	cr_expect_eq(store_schema_version(s), 6);
	store_close(s);
	raw_exec(db, "COMMIT");
	raw_close(db);
}

STORE_TEST(a_failed_migration_leaves_the_file_as_it_was)
{
	struct raw *db = raw();
	store *s = NULL;

	/* A table in the way: migration 1 fails halfway. */
	raw_exec(db, BY_BACKEND("CREATE TABLE events (x)",
	                        "CREATE TABLE events (x integer)"));
	raw_close(db);
	cr_expect_eq(store_open(where, &s, err, sizeof err), -1);
	cr_expect_null(s);
	cr_expect(strstr(err, "migration to schema version 1"), "%s", err);
	cr_expect_eq(count(BY_BACKEND("PRAGMA user_version",
	                              "SELECT count(*) FROM pg_tables WHERE "
	                              "tablename = 'schema_version'")),
	             0);
	cr_expect_eq(count(BY_BACKEND("SELECT count(*) FROM sqlite_master "
	                              "WHERE name = 'positions'",
	                              "SELECT count(*) FROM pg_tables WHERE "
	                              "tablename = 'positions'")),
	             0, "the tables made before the failure are gone");
}

STORE_TEST(a_schema_newer_than_this_trackd_is_refused)
{
	struct raw *db = raw();
	store *s = NULL;

	raw_exec(db, BY_BACKEND("PRAGMA user_version = 99",
	                        "CREATE TABLE schema_version (version "
	                        "integer NOT NULL); INSERT INTO "
	                        "schema_version VALUES (99)"));
	raw_close(db);
	cr_expect_eq(store_open(where, &s, err, sizeof err), -1);
	cr_expect_null(s);
	cr_expect(strstr(err, "schema version 99 is newer"), "%s", err);
}

Test(store, a_directory_that_does_not_exist_is_an_error_naming_the_file)
{
	store *s = NULL;
	char bad[160];

	snprintf(bad, sizeof bad, "%s/no/such/dir.db", dir);
	cr_expect_eq(store_open(bad, &s, err, sizeof err), -1);
	cr_expect_null(s);
	cr_expect(strstr(err, bad) == err, "%s", err);
}

Test(store, close_of_null_is_a_no_op)
{
	store_close(NULL);
}

/* ---- batches ------------------------------------------------------------ */

STORE_TEST(reopen_keeps_what_was_written)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct got g = { 0 };

	store_batch_add_position(&b, &(struct store_position){ 0 });
	cr_assert_eq(store_batch_add_position(&b, &(struct store_position){
	                     .tag = "badge-1", .floor = "f0", .t_us = 5 * S,
	                     .x = 1, .y = 2, .r = 1 }),
	             0);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	store_close(s);
	store_batch_free(&b);

	s = open_ok();
	cr_expect_eq(store_history(s, "badge-1", 0, 10 * S, 100, got_position,
	                           &g),
	             0);
	cr_expect_eq(g.n, 1);
	cr_expect_eq(g.t[0], 5 * S);
	cr_expect_str_eq(g.zone[0], "-", "no zone is NULL, not \"\"");
	store_close(s);
}

STORE_TEST(a_batch_commits_positions_events_alarms_and_occupancy_together)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_alarm al = alarm_open(7, "badge-2", 3);

	for (int i = 0; i < 3; i++) {
		struct store_position p = pos("badge-2", i, i, 0, "icu");

		cr_assert_eq(store_batch_add_position(&b, &p), 0);
	}
	cr_assert_eq(store_batch_add_event(&b, &(struct store_event){
	                     .t_us = 3 * S, .type = "distress",
	                     .tag = "badge-2", .x = NAN, .y = NAN }),
	             0);
	cr_assert_eq(store_batch_add_alarm(&b, &al), 0);
	cr_assert_eq(store_batch_add_occupancy(&b, &(struct store_occupancy){
	                     .zone = "icu", .t_us = 0, .mean = 0.5,
	                     .peak = 1 }),
	             0);
	cr_expect_eq(store_batch_rows(&b), 6);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(count("SELECT count(*) FROM positions"), 3);
	cr_expect_eq(count("SELECT count(*) FROM events WHERE x IS NULL"), 1,
	             "an unknown place is NULL");
	cr_expect_eq(count("SELECT count(*) FROM alarms WHERE id = 7 AND "
	                   "acked IS NULL"),
	             1);
	cr_expect_eq(count("SELECT count(*) FROM occupancy"), 1);
	cr_expect_eq(count("SELECT t FROM last_positions WHERE tag = "
	                   "'badge-2'"),
	             2 * S);
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(a_batch_that_fails_halfway_writes_nothing)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_position p = pos("badge-3", 1, 0, 0, NULL);
	struct store_event good = event("zone_enter", "badge-3", 1);
	struct store_event bad = event("zone_exit", "poison", 2);
	struct raw *db = raw();

	/* An event the database refuses, after rows it took. */
	raw_exec(db, BY_BACKEND("CREATE TRIGGER no_poison BEFORE INSERT ON "
	                        "events WHEN NEW.tag = 'poison' "
	                        "BEGIN SELECT RAISE(ABORT, 'no'); END",
	                        "CREATE FUNCTION no_poison() RETURNS trigger "
	                        "LANGUAGE plpgsql AS $$BEGIN IF NEW.tag = "
	                        "'poison' THEN RAISE 'no'; END IF; RETURN "
	                        "NEW; END$$; CREATE TRIGGER no_poison BEFORE "
	                        "INSERT ON events FOR EACH ROW EXECUTE "
	                        "FUNCTION no_poison()"));
	store_batch_add_position(&b, &p);
	store_batch_add_event(&b, &good);
	store_batch_add_event(&b, &bad);
	cr_expect_eq(store_write(s, &b), -1);
	cr_expect(strstr(store_error(s), "PUT_EVENT: no"), "%s",
	          store_error(s));
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM positions"), 0);
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM last_positions"), 0);
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM events"), 0);
	cr_expect_eq(store_batch_rows(&b), 3, "the batch is kept");

	raw_exec(db, BY_BACKEND("DROP TRIGGER no_poison",
	                        "DROP TRIGGER no_poison ON events"));
	cr_expect_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM events"), 2);
	raw_close(db);
	store_batch_free(&b);
	store_close(s);
}

/* An alarm's opening goes in a synced batch: all of it, then back to
 * NORMAL for the batches after it; locked, nothing, and it can be tried
 * again. */
static long long
synchronous(store *s)
{
	sqlite3_stmt *st;
	long long v = -1;

	cr_assert_eq(sqlite3_prepare_v2(store_sqlite_db(s),
	                                "PRAGMA synchronous", -1, &st, NULL),
	             SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

Test(store, a_synced_batch_commits_whole_and_leaves_sync_normal)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_alarm al = alarm_open(9, "badge-3", 4);
	struct raw *db = raw();

	cr_assert_eq(store_batch_add_event(&b, &(struct store_event){
	                     .t_us = 4 * S, .type = "distress",
	                     .tag = "badge-3", .x = NAN, .y = NAN }),
	             0);
	cr_assert_eq(store_batch_add_alarm(&b, &al), 0);
	raw_exec(db, "BEGIN IMMEDIATE");
	cr_expect_eq(store_write_synced(s, &b), -1);
	cr_expect_eq(synchronous(s), 1, "NORMAL again after a failure");
	raw_exec(db, "COMMIT");
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM alarms"), 0);
	cr_assert_eq(store_write_synced(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(synchronous(s), 1, "NORMAL for the next batches");
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM alarms WHERE id = 9 AND "
	                        "acked IS NULL"),
	             1);
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM events WHERE type = "
	                        "'distress'"),
	             1);
	raw_close(db);
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(a_locked_database_fails_the_write_and_the_retry_succeeds)
{
	store *s = open_ok();
	struct store_batch b = batch_of(16);
	struct store_position p = pos("badge-4", 1, 0, 0, NULL);
	struct raw *db = raw();

	store_batch_add_position(&b, &p);
	/* Another writer's lock, held longer than the store waits. */
	raw_exec(db, BY_BACKEND("BEGIN IMMEDIATE",
	                        "BEGIN; LOCK TABLE positions IN EXCLUSIVE "
	                        "MODE"));
	cr_expect_eq(store_write(s, &b), -1);
	cr_expect(strstr(store_error(s), BY_BACKEND("locked", "lock timeout")),
	          "%s", store_error(s));
	raw_exec(db, "COMMIT");
	cr_expect_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_str_eq(store_error(s), "");
	cr_expect_eq(raw_scalar(db, "SELECT count(*) FROM positions"), 1);
	raw_close(db);
	store_batch_free(&b);
	store_close(s);
}

STORE_TEST(a_full_batch_drops_its_oldest_positions_and_counts_them)
{
	store *s = open_ok();
	struct store_batch b = batch_of(3);
	struct got g = { 0 };

	for (int i = 0; i < 5; i++) {
		struct store_position p = pos("badge-5", i, i, 0, NULL);

		store_batch_add_position(&b, &p);
	}
	cr_expect_eq(b.pos_n, 3);
	cr_expect_eq(b.dropped, 2);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	store_history(s, "badge-5", 0, 10 * S, 100, got_position, &g);
	cr_assert_eq(g.n, 3);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(g.t[i], (int64_t)(i + 2) * S);
	store_batch_clear(&b);
	cr_expect_eq(store_batch_rows(&b), 0);
	cr_expect_eq(b.dropped, 2, "clear keeps the count");
	store_batch_free(&b);
	store_close(s);
}

Test(store, rows_the_schema_would_refuse_never_enter_a_batch)
{
	struct store_batch b = batch_of(4);
	struct store_position nan_x = pos("badge-6", 1, NAN, 0, NULL);
	struct store_position no_tag = pos(NULL, 1, 0, 0, NULL);

	cr_expect_eq(store_batch_add_position(&b, &nan_x), -1);
	cr_expect_eq(store_batch_add_position(&b, &no_tag), -1);
	cr_expect_eq(store_batch_add_event(&b, &(struct store_event){ 0 }), -1);
	cr_expect_eq(store_batch_add_occupancy(&b,
	                                       &(struct store_occupancy){ 0 }),
	             -1);
	cr_expect_eq(store_batch_rows(&b), 0);
	cr_expect_eq(b.dropped, 0);
	store_batch_free(&b);
	store_batch_free(&b); /* a freed batch frees again harmlessly */
}

STORE_TEST(an_empty_batch_writes_nothing)
{
	store *s = open_ok();
	struct store_batch b = batch_of(1);

	cr_expect_eq(store_write(s, &b), 0);
	store_batch_free(&b);
	store_close(s);
}

/* ---- queries ------------------------------------------------------------ */

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

static int
got_token(void *ud, const struct store_token *t)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = t->revoked ? t->revoked_us : 0;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", t->name);
	cr_expect_eq(t->hash_len, 4);
	cr_expect_eq(memcmp(t->hash, "\x01\x00\xfe\x7f", 4), 0,
	             "the hash comes back byte for byte");
	g->n++;
	return 0;
}

static int
got_audit(void *ud, const struct store_audit *r)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = r->rowid;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", r->whom);
	g->n++;
	return 0;
}

/* What trackd token does in another process, a running trackd sees at
 * its next look (access.c asks every second). */
STORE_TEST(tokens_made_by_another_process_change_the_data_version)
{
	store *s = open_ok(), *other = open_ok();
	int64_t v0 = store_data_version(s), id = 0;
	struct got g = { 0 };

	cr_assert_geq(v0, 0, "%s", store_error(s));
	cr_assert_eq(store_token_add(other, "desk", "security",
	                             (const unsigned char *)"\x01\x00\xfe\x7f",
	                             4, 5 * S, NULL, &id),
	             0, "%s", store_error(other));
	cr_expect_gt(id, 0);
	cr_expect_neq(store_data_version(s), v0, "the change is seen");
	cr_expect_eq(store_token_revoke(other, id, 9 * S), 1);
	cr_expect_eq(store_token_revoke(other, id, 9 * S), 0, "once");
	cr_expect_eq(store_tokens(s, got_token, &g), 0, "%s", store_error(s));
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.tag[0], "desk");
	cr_expect_eq(g.t[0], 9 * S, "revoked at 9 s");
	store_close(other);
	store_close(s);
}

STORE_TEST(the_audit_trail_reads_in_pages_oldest_first)
{
	store *s = open_ok();
	struct got g = { 0 };
	const char *whom[] = { "badge-1", "badge-2", "badge-3" };

	for (int i = 0; i < 3; i++)
		cr_assert_eq(store_put_audit(s, &(struct store_audit){
		                     .t_us = 7 * S, .token = i, .name = "desk",
		                     .role = "security", .action = "position",
		                     .whom = whom[i], .peer = "127.0.0.1" }),
		             0, "%s", store_error(s));
	cr_expect_eq(store_audit(s, 0, 10 * S, 2, got_audit, &g), 0);
	cr_assert_eq(g.n, 2, "at most limit rows");
	cr_expect_str_eq(g.tag[0], "badge-1");
	/* The next page, after the last row's key: the one left. */
	cr_expect_eq(store_audit_page(s, (struct store_key){ 7 * S, g.t[1] },
	                              10 * S, 2, got_audit, &g),
	             0);
	cr_assert_eq(g.n, 3);
	cr_expect_str_eq(g.tag[2], "badge-3");
	store_close(s);
}

STORE_TEST(a_backup_is_a_private_copy)
{
	store *s = open_ok();
	char copy[300], head[8] = { 0 };
	struct stat st;
	FILE *f;

	snprintf(copy, sizeof copy, "%s/copy-%ld", getenv("TMPDIR") &&
	         strlen(getenv("TMPDIR")) < 200 ? getenv("TMPDIR") : "/tmp",
	         (long)getpid());
	cr_assert_eq(store_token_add(s, "desk", "admin",
	                             (const unsigned char *)"hash", 4, S, NULL,
	                             NULL),
	             0, "%s", store_error(s));
	cr_assert_eq(store_backup(s, copy, err, sizeof err), 0, "%s", err);
	cr_assert_eq(stat(copy, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "%o", st.st_mode & 0777);
	f = fopen(copy, "rb");
	cr_assert_not_null(f);
	cr_expect_eq(fread(head, 1, 5, f), 5);
	fclose(f);
	/* A database file, or pg_dump's custom format (pg_restore's). */
	cr_expect_str_eq(head, BY_BACKEND("SQLit", "PGDMP"));
	unlink(copy);
	store_close(s);
}

/* ---- PostgreSQL only ---------------------------------------------------- */

Test(store_pg, open_creates_the_schema_at_version_6)
{
	store *s = open_ok();

	cr_expect_eq(store_schema_version(s), 6);
	cr_expect_eq(store_migrations_applied(s), 6);
	store_close(s);
	cr_expect_eq(count("SELECT version FROM schema_version"), 6);
	cr_expect_eq(count("SELECT count(*) FROM pg_tables WHERE tablename IN "
	                   "('positions', 'last_positions', 'events', "
	                   "'alarms', 'occupancy', 'tokens', 'audit', "
	                   "'heatmap', 'utilization', 'token_changes')"),
	             10);
	cr_expect_eq(count("SELECT count(*) FROM information_schema.columns "
	                   "WHERE table_name = 'audit' AND column_name IN "
	                   "('id', 'subject')"),
	             2, "a row key, and version 5's column");
}

Test(store_pg, a_server_that_refuses_is_an_error_naming_it_without_its_password)
{
	store *s = NULL;

	/* Port 1: nobody listens there. */
	cr_expect_eq(store_open("postgresql://trackd:secret@127.0.0.1:1/x", &s,
	                        err, sizeof err),
	             -1);
	cr_expect_null(s);
	cr_expect(strstr(err, "postgresql://trackd:***@127.0.0.1:1/x: cannot "
	                      "connect to PostgreSQL") == err, "%s", err);
	cr_expect(strstr(err, "refused"), "%s", err);
	cr_expect_null(strstr(err, "secret"));
	cr_expect_eq(store_open("postgres://127.0.0.1:port/x", &s, err,
	                        sizeof err),
	             -1);
	cr_expect(strstr(err, "invalid integer value \"port\""), "%s", err);
}

/* The server restarted under an open store: the writes while it is down
 * fail (the batch is kept), the next one after it is back reconnects and
 * commits it; the reads work again too. */
Test(store_pg, a_restarted_server_is_reconnected_at_the_next_call)
{
	char pgdir[200], url[128];
	struct store_batch b = batch_of(16);
	struct store_position p = pos("badge-30", 1, 0, 0, NULL);
	struct got g = { 0 };
	store *s = NULL;

	fixture_pg_own_server(pgdir, sizeof pgdir, url, sizeof url);
	cr_assert_eq(store_open(url, &s, err, sizeof err), 0, "%s", err);
	store_batch_add_position(&b, &p);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	store_batch_clear(&b);
	p.t_us = 2 * S;
	store_batch_add_position(&b, &p);

	fixture_pgtmp("stop", pgdir);
	cr_expect_eq(store_write(s, &b), -1);
	cr_expect_neq(store_error(s)[0], '\0');
	cr_expect_eq(store_write(s, &b), -1, "still down: %s",
	             store_error(s));
	cr_expect(strstr(store_error(s), "reconnect"), "%s", store_error(s));
	fixture_pgtmp("start-again", pgdir);
	cr_expect_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_history(s, "badge-30", 0, 10 * S, 100, got_position,
	                           &g),
	             0, "%s", store_error(s));
	cr_expect_eq(g.n, 2, "the row before and the row kept");
	store_close(s);
	store_batch_free(&b);
	fixture_pgtmp("remove", pgdir);
}
