/* trackd's SQLite history: see store.h for the contract. This file opens
 * the connection, applies the schema's migrations and prepares the
 * statements the other store-*.c files run; store-batch.c collects rows,
 * store-write.c commits them, store-query.c reads them back.
 *
 * Every statement is prepared once, at open, and reset after use; values
 * only ever reach SQL as bound parameters. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

/* How long a statement waits for another connection's lock before it
 * fails. Short on purpose: trackd writes on its one service thread, so a
 * wait here stalls the live stream; a batch that fails is simply tried
 * again a second later. */
#define BUSY_TIMEOUT_MS 100

/* The schema, one migration per version: migrations[i] takes a database
 * from user_version i to i + 1. Append; never edit one that shipped. */
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
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static const char *const stmt_sql[N_STMT] = {
#define XX(name, sql) sql,
	STATEMENTS(XX)
#undef XX
};

/* For error messages: which statement failed. */
static const char *const stmt_name[N_STMT] = {
#define XX(name, sql) #name,
	STATEMENTS(XX)
#undef XX
};

/* ---- helpers ------------------------------------------------------------- */

void
store__set_err(store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

/* Record the connection's error for what failed; returns -1. */
static int
db_fail(store *s, const char *what)
{
	store__set_err(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

/* Run a statement that returns no rows, then reset it. */
int
store__run(store *s, enum stmt i)
{
	int rc = sqlite3_step(s->st[i]);

	/* The connection's message names the cause (a trigger's, a
	 * constraint's); read it before reset() can replace it. */
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store__set_err(s, "%s: %s", stmt_name[i], sqlite3_errmsg(s->db));
	sqlite3_reset(s->st[i]);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int
store__bind_text(sqlite3_stmt *st, int i, const char *v)
{
	/* SQLITE_STATIC: every string outlives the step that reads it. */
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
	         : sqlite3_bind_null(st, i);
}

/* Step a bound query: 1 a row, 0 the end, -1 an error (recorded). */
int
store__next_row(store *s, enum stmt i)
{
	int rc = sqlite3_step(s->st[i]);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store__set_err(s, "%s: %s", stmt_name[i], sqlite3_errmsg(s->db));
	return -1;
}

/* Reset a query after its last row (or an early stop, or an error) and
 * forget its bindings, which borrow the caller's strings. */
int
store__finish(store *s, enum stmt i, int rc)
{
	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return rc < 0 ? -1 : 0;
}

/* ---- open, migrate, close ------------------------------------------------ */

/* One PRAGMA's single value, as text into out. */
static int
pragma_text(store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, len, "%s",
		         sqlite3_column_text(st, 0)
		                 ? (const char *)sqlite3_column_text(st, 0)
		                 : "");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, sql);
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

/* Apply the missing migrations and the new user_version in one
 * transaction: a crash or an error in the middle leaves the file as it
 * was. An up-to-date file is only read (no write lock); otherwise the
 * version is read again inside the transaction, so two processes opening
 * one new file do not both migrate it. */
static int
migrate(store *s)
{
	char sql[64];
	int v = user_version(s);

	if (v < 0)
		return -1;
	if (v == N_MIGRATIONS) {
		s->version = v;
		return 0;
	}
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(s, "cannot start the schema update");
	if ((v = user_version(s)) < 0)
		goto fail;
	if (v > N_MIGRATIONS) {
		store__set_err(s, "schema version %d is newer than this trackd "
		           "knows (%d)", v, N_MIGRATIONS);
		goto fail;
	}
	s->version = v;
	for (; v < N_MIGRATIONS; v++) {
		char *msg = NULL;

		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) !=
		    SQLITE_OK) {
			store__set_err(s, "migration to schema version %d: %s", v + 1,
			        msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			goto fail;
		}
		s->migrated++;
	}
	/* A PRAGMA takes no parameters; v is ours, not input. */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, "cannot finish the schema update");
		goto fail;
	}
	s->version = v;
	return 0;
fail:
	s->migrated = 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_make_private(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char name[4096];

	if (!*path || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return 0;
	for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++) {
		int fd;

		if ((size_t)snprintf(name, sizeof name, "%s%s", path,
		                     suffix[k]) >= sizeof name) {
			snprintf(err, errlen, "the name is too long");
			return -1;
		}
		/* Made here, 0600, before SQLite makes it with its 0644;
		 * it gives the -wal and -shm the database file's mode. */
		fd = open(name, O_RDWR | O_CLOEXEC | (k == 0 ? O_CREAT : 0),
		          0600);
		if (fd < 0 && k > 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fchmod(fd, 0600) < 0) {
			snprintf(err, errlen, "cannot make %s private (mode "
			         "0600): %s", name, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int
setup(store *s, const char *path)
{
	char mode[16];

	if (store_make_private(path, s->err, sizeof s->err) < 0)
		return -1;

	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                            SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		if (!s->db)
			store__set_err(s, "out of memory");
		else
			db_fail(s, "cannot open");
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof mode) < 0)
		return -1;
	if (strcmp(mode, "wal") != 0) {
		store__set_err(s, "cannot use WAL mode (journal mode is '%s')", mode);
		return -1;
	}
	/* In WAL mode NORMAL syncs at checkpoints only: a commit survives
	 * the process dying, and costs no fsync per batch. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return db_fail(s, "cannot set synchronous");
	if (migrate(s) < 0)
		return -1;
	for (int i = 0; i < N_STMT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &s->st[i],
		                       NULL) != SQLITE_OK)
			return db_fail(s, stmt_name[i]);
	return 0;
}

int
store_open(const char *path, store **out, char *err, size_t errlen)
{
	store *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (setup(s, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
store_close(store *s)
{
	if (!s)
		return;
	for (int i = 0; i < N_STMT; i++)
		sqlite3_finalize(s->st[i]);
	free(s->order);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *
store_db(store *s)
{
	return s->db;
}

int
store_schema_version(const store *s)
{
	return s->version;
}

int
store_migrations_applied(const store *s)
{
	return s->migrated;
}

const char *
store_error(const store *s)
{
	return s->err;
}
