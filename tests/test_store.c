/* trackd's store, on both backends (store-fixture.h): a real SQLite file
 * in a fresh temporary directory per test, and a fresh database of a real
 * PostgreSQL server: the schema and its migrations, and batches that
 * commit whole or not at all. Reads are test_store_read.c's, alarms
 * test_store_alarms.c's, tokens, audit and backups test_store_access.c's. */
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


Test(store, open_creates_the_schema_at_version_7_in_wal_mode)
{
	store *s = open_ok();
	struct raw *db;

	cr_expect_eq(store_schema_version(s), 7);
	cr_expect_eq(store_migrations_applied(s), 7);
	cr_expect_str_eq(store_error(s), "");
	db = raw();
	cr_expect_eq(raw_scalar(db, "PRAGMA user_version"), 7);
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

	cr_expect_eq(store_migrations_applied(s), 7);
	store_close(s);
	for (int i = 0; i < 2; i++) {
		s = open_ok();
		cr_expect_eq(store_migrations_applied(s), 0,
		             "reopen %d migrated again", i + 1);
		cr_expect_eq(store_schema_version(s), 7);
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
	cr_expect_eq(store_migrations_applied(s), 6);
	cr_expect_eq(store_schema_version(s), 7);
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
	cr_expect_eq(store_schema_version(s), 7);
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
