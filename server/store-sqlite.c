/* trackd's SQLite history: see store.h for the contract. This file opens
 * the file (WAL mode), holds the schema's migrations and the backend's
 * table of functions; store-sqlite-stmt.c prepares the statements the
 * other store-sqlite*.c files run: store-sqlite-write.c commits batches,
 * store-sqlite-query.c reads them back. */
#include "store-sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* How long a statement waits for another connection's lock before it
 * fails. Short on purpose: trackd writes on its one service thread, so a
 * wait here stalls the live stream; a batch that fails is simply tried
 * again a second later. */
#define BUSY_TIMEOUT_MS 100

/* The schema, one migration per version: migrations[i] takes a database
 * from user_version i to i + 1. Append; never edit one that shipped (and
 * keep store-pg.c's in step: the same tables at the same versions). */
static const char *const migrations[] = {
	/* 1: the first schema. Times are Unix microseconds. */
	"CREATE TABLE positions ("
	"  tag TEXT NOT NULL, t INTEGER NOT NULL, floor TEXT,"
	"  x REAL NOT NULL, y REAL NOT NULL, r REAL NOT NULL, zone TEXT);"
	"CREATE INDEX positions_bucket_tag_t"
	"  ON positions (t / " BUCKET_SQL ", tag, t);"
	/* Kept beside positions so that a restart finds every tag's newest
	 * place with one short read, however long the history. */
	"CREATE TABLE last_positions ("
	"  tag TEXT PRIMARY KEY, t INTEGER NOT NULL, floor TEXT,"
	"  x REAL NOT NULL, y REAL NOT NULL, r REAL NOT NULL, zone TEXT)"
	"  WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  t INTEGER NOT NULL, type TEXT NOT NULL, tag TEXT NOT NULL,"
	"  zone TEXT, floor TEXT, x REAL, y REAL);"
	"CREATE INDEX events_t ON events (t);"
	"CREATE INDEX events_tag_t ON events (tag, t);"
	/* Open while acked IS NULL. */
	"CREATE TABLE alarms ("
	"  id INTEGER PRIMARY KEY, tag TEXT NOT NULL,"
	"  opened INTEGER NOT NULL, pressed INTEGER NOT NULL,"
	"  acked_by TEXT, acked INTEGER);"
	"CREATE INDEX alarms_open ON alarms (id) WHERE acked IS NULL;"
	/* One row per zone and closed bucket (t = bucket start). */
	"CREATE TABLE occupancy ("
	"  zone TEXT NOT NULL, t INTEGER NOT NULL, mean REAL NOT NULL,"
	"  peak INTEGER NOT NULL, mean_person REAL NOT NULL,"
	"  mean_asset REAL NOT NULL, peak_person INTEGER NOT NULL,"
	"  peak_asset INTEGER NOT NULL, PRIMARY KEY (zone, t))"
	"  WITHOUT ROWID;",
	/* 2: access (access.c). A token is kept only as its SHA-256; a
	 * revoked one stays, so that the audit trail can name it. */
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
	"  hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL,"
	"  revoked INTEGER);"
	/* Every look-up of a person: who (the token), what, whom, from
	 * where. */
	"CREATE TABLE audit ("
	"  t INTEGER NOT NULL, token INTEGER, name TEXT, role TEXT,"
	"  action TEXT NOT NULL, whom TEXT NOT NULL, peer TEXT);"
	"CREATE INDEX audit_t ON audit (t);",
	/* 3: statistics that outlive a restart. Each run of trackd (run =
	 * its start time) keeps its own rows, rewritten as they grow; a
	 * report adds up the rows of earlier runs and the engine's own. */
	"CREATE TABLE heatmap ("
	"  floor TEXT NOT NULL, t INTEGER NOT NULL, run INTEGER NOT NULL,"
	"  cols INTEGER NOT NULL, rows INTEGER NOT NULL, cells BLOB NOT NULL,"
	"  PRIMARY KEY (floor, t, run)) WITHOUT ROWID;"
	"CREATE TABLE utilization ("
	"  tag TEXT NOT NULL, day INTEGER NOT NULL, run INTEGER NOT NULL,"
	"  moving REAL NOT NULL, idle REAL NOT NULL,"
	"  PRIMARY KEY (tag, day, run)) WITHOUT ROWID;",
	/* 4: a scanner token bound to the scanners it may report for (a
	 * JSON array of ids; NULL: any), and how many scanners made a tag's
	 * last fix (NULL: not known, kept before this version), so that a
	 * restart can tell a badge the site hears well from a flood's junk. */
	/* (In parentheses: one element of two statements, not two.) */
	("ALTER TABLE tokens ADD COLUMN scanners TEXT;"
	 "ALTER TABLE last_positions ADD COLUMN scanners INTEGER;"),
	/* 5: a look-up by a person signed in with the OpenID provider
	 * names them: the provider's subject (name: their name or email). */
	"ALTER TABLE audit ADD COLUMN subject TEXT;",
	/* 6: an alarm is its press, (tag, opened): what two trackd on one
	 * database agree on (store_claim_alarm). PostgreSQL's, really; one
	 * trackd per SQLite file has the same schema. */
	"CREATE UNIQUE INDEX alarms_press ON alarms (tag, opened);",
	/* 7: statistics kept per instance of a pair (store_set_instance;
	 * '': before instances had names). PostgreSQL's, really, like 6. */
	"ALTER TABLE heatmap ADD COLUMN instance TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE utilization ADD COLUMN instance TEXT NOT NULL"
	"  DEFAULT '';",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* One PRAGMA's single value, as text into out. */
static int
pragma_text(store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return store_sqlite__fail(s, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, len, "%s",
		         sqlite3_column_text(st, 0)
		                 ? (const char *)sqlite3_column_text(st, 0)
		                 : "");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite__fail(s, sql);
	return 0;
}

/* The file's schema version, or -1 (recorded). */
static int
user_version(store *s)
{
	char buf[32];

	if (pragma_text(s, "PRAGMA user_version", buf, sizeof buf) < 0)
		return -1;
	return atoi(buf);
}

static int
set_user_version(store *s, int v)
{
	char sql[64];

	/* A PRAGMA takes no parameters; v is ours, not input. */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	return store_sqlite__exec(s, sql);
}

static int
setup(store *s, const char *path, char *err, size_t errlen)
{
	struct store_sqlite *q = store_sqlite_of(s);
	char mode[16];

	if (store_make_private(path, err, errlen) < 0)
		return -1;
	if (sqlite3_open_v2(path, &q->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                            SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		if (q->db)
			snprintf(err, errlen, "cannot open: %s",
			         sqlite3_errmsg(q->db));
		else
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	if (pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof mode) < 0)
		goto fail;
	if (strcmp(mode, "wal") != 0) {
		store__set_err(s, "cannot use WAL mode (journal mode is '%s')",
		               mode);
		goto fail;
	}
	/* In WAL mode NORMAL syncs at checkpoints only: a commit survives
	 * the process dying, and costs no fsync per batch. */
	if (store_sqlite__exec(s, "PRAGMA synchronous = NORMAL") < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s", s->err);
	return -1;
}

static int
open_file(const char *path, store **out, char *err, size_t errlen)
{
	struct store_sqlite *q = calloc(1, sizeof *q);

	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->base.ops = &store_sqlite__ops;
	*out = &q->base;
	return setup(&q->base, path, err, errlen);
}

static void
close_file(store *s)
{
	struct store_sqlite *q = store_sqlite_of(s);

	for (int i = 0; i < N_STMT; i++)
		sqlite3_finalize(q->st[i]);
	free(q->order);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close(q->db);
	free(q);
}

const struct store_ops store_sqlite__ops = {
	.migrations = migrations,
	.n_migrations = N_MIGRATIONS,
	.open = open_file,
	.exec = store_sqlite__exec,
	/* IMMEDIATE: the write lock at once. */
	.schema_lock = "BEGIN IMMEDIATE",
	.begin = "BEGIN IMMEDIATE",
	.schema_version = user_version,
	.set_schema_version = set_user_version,
	.prepare = store_sqlite__prepare,
	.close = close_file,
	.write = store_sqlite__write,
	.put_alarm = store_sqlite__put_alarm,
	.claim_alarm = store_sqlite__claim_alarm,
	.alarm_changes = store_sqlite__alarm_changes,
	.positions_page = store_sqlite__positions_page,
	.has_tag = store_sqlite__has_tag,
	.last_positions = store_sqlite__last_positions,
	.purge_stray_last = store_sqlite__purge_stray_last,
	.events_page = store_sqlite__events_page,
	.alarms = store_sqlite__alarms,
	.occupancy = store_sqlite__occupancy,
	.visits = store_sqlite__visits,
	.put_heatmap = store_sqlite__put_heatmap,
	.add_heatmap = store_sqlite__add_heatmap,
	.put_utilization = store_sqlite__put_utilization,
	.utilization = store_sqlite__utilization,
	.purge = store_sqlite__purge,
	.data_version = store_sqlite__data_version,
	.tokens = store_sqlite__tokens,
	.token_add = store_sqlite__token_add,
	.token_revoke = store_sqlite__token_revoke,
	.put_audit = store_sqlite__put_audit,
	.audit_page = store_sqlite__audit_page,
	.backup = store_sqlite__backup,
};
