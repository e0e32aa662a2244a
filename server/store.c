/* trackd's SQLite history: see store.h for the contract.
 *
 * Every statement is prepared once, at open, and reset after use; values
 * only ever reach SQL as bound parameters. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

/* ---- the batch ----------------------------------------------------------- */

int
store_batch_init(struct store_batch *b, size_t max_positions)
{
	memset(b, 0, sizeof *b);
	if (max_positions == 0)
		return -1;
	b->pos = calloc(max_positions, sizeof *b->pos);
	if (!b->pos)
		return -1;
	b->pos_cap = max_positions;
	return 0;
}

void
store_batch_free(struct store_batch *b)
{
	free(b->pos);
	free(b->ev);
	free(b->al);
	free(b->occ);
	memset(b, 0, sizeof *b);
}

void
store_batch_clear(struct store_batch *b)
{
	b->pos_head = b->pos_n = 0;
	b->ev_n = b->al_n = b->occ_n = 0;
}

size_t
store_batch_rows(const struct store_batch *b)
{
	return b->pos_n + b->ev_n + b->al_n + b->occ_n;
}

/* A row the schema would refuse would fail every batch it is in, and the
 * batch would then be retried for ever: such rows never get in. */
int
store_batch_add_position(struct store_batch *b, const struct store_position *p)
{
	if (!p->tag || !isfinite(p->x) || !isfinite(p->y) || !isfinite(p->r))
		return -1;
	if (b->pos_n == b->pos_cap) {
		/* Full: the oldest position makes room. */
		b->pos_head = (b->pos_head + 1) % b->pos_cap;
		b->pos_n--;
		b->dropped++;
	}
	b->pos[(b->pos_head + b->pos_n) % b->pos_cap] = *p;
	b->pos_n++;
	return 0;
}

/* Room for one more of n in *arr of *cap elements of size sz. */
static int
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*arr, c * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

int
store_batch_add_event(struct store_batch *b, const struct store_event *e)
{
	if (!e->type)
		return -1;
	if (grow((void **)&b->ev, &b->ev_cap, b->ev_n, sizeof *b->ev) < 0)
		return -1;
	b->ev[b->ev_n++] = *e;
	return 0;
}

int
store_batch_add_alarm(struct store_batch *b, const struct store_alarm *a)
{
	if (grow((void **)&b->al, &b->al_cap, b->al_n, sizeof *b->al) < 0)
		return -1;
	b->al[b->al_n++] = *a;
	return 0;
}

int
store_batch_add_occupancy(struct store_batch *b,
                          const struct store_occupancy *o)
{
	if (!o->zone || !isfinite(o->mean) || !isfinite(o->mean_person) ||
	    !isfinite(o->mean_asset))
		return -1;
	if (grow((void **)&b->occ, &b->occ_cap, b->occ_n, sizeof *b->occ) < 0)
		return -1;
	b->occ[b->occ_n++] = *o;
	return 0;
}

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

static int
bind_real(sqlite3_stmt *st, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(st, i)
	                : sqlite3_bind_double(st, i, v);
}

static sqlite3_int64
limit_of(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)n;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static double
col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
	               ? NAN
	               : sqlite3_column_double(st, i);
}

static unsigned
col_unsigned(sqlite3_stmt *st, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

static void
copy_id(char dst[STORE_ID_MAX], const char *src)
{
	snprintf(dst, STORE_ID_MAX, "%s", src ? src : "");
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
		         col_text(st, 0) ? col_text(st, 0) : "");
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

/* ---- writes -------------------------------------------------------------- */

static int
put_position(store *s, const struct store_position *p)
{
	/* The row, and the tag's newest place from the same values. */
	static const enum stmt both[] = { ST_PUT_POSITION, ST_PUT_LAST };

	for (size_t k = 0; k < 2; k++) {
		enum stmt i = both[k];
		sqlite3_stmt *st = s->st[i];

		store__bind_text(st, 1, p->tag);
		sqlite3_bind_int64(st, 2, p->t_us);
		store__bind_text(st, 3, p->floor);
		sqlite3_bind_double(st, 4, p->x);
		sqlite3_bind_double(st, 5, p->y);
		sqlite3_bind_double(st, 6, p->r);
		store__bind_text(st, 7, p->zone);
		if (i == ST_PUT_LAST && p->scanners)
			sqlite3_bind_int64(st, 8, p->scanners);
		else if (i == ST_PUT_LAST)
			sqlite3_bind_null(st, 8);
		if (store__run(s, i) < 0)
			return -1;
	}
	return 0;
}

static int
put_event(store *s, const struct store_event *e)
{
	sqlite3_stmt *st = s->st[ST_PUT_EVENT];

	sqlite3_bind_int64(st, 1, e->t_us);
	store__bind_text(st, 2, e->type);
	store__bind_text(st, 3, e->tag);
	store__bind_text(st, 4, e->zone);
	store__bind_text(st, 5, e->floor);
	bind_real(st, 6, e->x);
	bind_real(st, 7, e->y);
	return store__run(s, ST_PUT_EVENT);
}

static int
put_alarm(store *s, const struct store_alarm *a)
{
	sqlite3_stmt *st = s->st[ST_PUT_ALARM];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->id);
	store__bind_text(st, 2, a->tag);
	sqlite3_bind_int64(st, 3, a->opened_us);
	sqlite3_bind_int64(st, 4, a->pressed_us);
	if (a->acked) {
		store__bind_text(st, 5, a->acked_by);
		sqlite3_bind_int64(st, 6, a->acked_us);
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	return store__run(s, ST_PUT_ALARM);
}

static int
put_occupancy(store *s, const struct store_occupancy *o)
{
	sqlite3_stmt *st = s->st[ST_PUT_OCCUPANCY];

	store__bind_text(st, 1, o->zone);
	sqlite3_bind_int64(st, 2, o->t_us);
	sqlite3_bind_double(st, 3, o->mean);
	sqlite3_bind_int64(st, 4, o->peak);
	sqlite3_bind_double(st, 5, o->mean_person);
	sqlite3_bind_double(st, 6, o->mean_asset);
	sqlite3_bind_int64(st, 7, o->peak_person);
	sqlite3_bind_int64(st, 8, o->peak_asset);
	return store__run(s, ST_PUT_OCCUPANCY);
}

/* Undo the open transaction after a failure; the error stays the first
 * one's. */
static int
abandon(store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->st[ST_ROLLBACK]);
		sqlite3_reset(s->st[ST_ROLLBACK]);
	}
	return -1;
}

/* Index order: bucket, tag, time. */
static int
cmp_position(const void *x, const void *y)
{
	const struct store_position *p =
		*(const struct store_position *const *)x;
	const struct store_position *q =
		*(const struct store_position *const *)y;
	int64_t bp = p->t_us / BUCKET_US, bq = q->t_us / BUCKET_US;
	int c;

	if (bp != bq)
		return bp < bq ? -1 : 1;
	if ((c = strcmp(p->tag, q->tag)) != 0)
		return c;
	return (p->t_us > q->t_us) - (p->t_us < q->t_us);
}

/* The batch's positions sorted as the index keeps them: the inserts then
 * walk the index (and last_positions) forwards, page after page, instead
 * of hopping about (measured: a quarter less time a batch). NULL when
 * there are none, or when out of memory: the rows then go in as they
 * are. */
static const struct store_position **
in_index_order(store *s, const struct store_batch *b)
{
	if (b->pos_n == 0)
		return NULL;
	if (b->pos_n > s->order_cap) {
		const struct store_position **o =
			realloc(s->order, b->pos_n * sizeof *o);

		if (!o)
			return NULL;
		s->order = o;
		s->order_cap = b->pos_n;
	}
	for (size_t i = 0; i < b->pos_n; i++)
		s->order[i] = &b->pos[(b->pos_head + i) % b->pos_cap];
	qsort(s->order, b->pos_n, sizeof *s->order, cmp_position);
	return s->order;
}

int
store_write(store *s, const struct store_batch *b)
{
	const struct store_position **order;

	s->err[0] = '\0';
	if (store_batch_rows(b) == 0)
		return 0;
	order = in_index_order(s, b);
	/* IMMEDIATE takes the write lock first: a busy database fails here,
	 * before anything was done. */
	if (store__run(s, ST_BEGIN) < 0)
		return -1;
	for (size_t i = 0; i < b->pos_n; i++)
		if (put_position(s, order ? order[i]
		                          : &b->pos[(b->pos_head + i) %
		                                    b->pos_cap]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->ev_n; i++)
		if (put_event(s, &b->ev[i]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->al_n; i++)
		if (put_alarm(s, &b->al[i]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->occ_n; i++)
		if (put_occupancy(s, &b->occ[i]) < 0)
			return abandon(s);
	if (store__run(s, ST_COMMIT) < 0)
		return abandon(s);
	return 0;
}

int
store_write_synced(store *s, const struct store_batch *b)
{
	int rc;

	s->err[0] = '\0';
	if (store_batch_rows(b) == 0)
		return 0;
	if (store__run(s, ST_SYNC_FULL) < 0)
		return -1;
	rc = store_write(s, b);
	if (store__run(s, ST_SYNC_NORMAL) < 0 && rc == 0)
		rc = -1;
	return rc;
}

int
store_put_alarm(store *s, const struct store_alarm *a)
{
	int rc = -1;

	s->err[0] = '\0';
	/* FULL for this one transaction: the WAL is synced at its commit,
	 * so the acknowledgement outlives a power cut as well. */
	if (store__run(s, ST_SYNC_FULL) < 0)
		return -1;
	if (store__run(s, ST_BEGIN) == 0) {
		if (put_alarm(s, a) < 0 || store__run(s, ST_COMMIT) < 0)
			abandon(s);
		else
			rc = 0;
	}
	if (store__run(s, ST_SYNC_NORMAL) < 0 && rc == 0)
		rc = -1;
	return rc;
}

/* ---- queries ------------------------------------------------------------- */

/* Step a bound query: 1 a row, 0 the end, -1 an error (recorded). */
static int
next_row(store *s, enum stmt i)
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
static int
finish(store *s, enum stmt i, int rc)
{
	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return rc < 0 ? -1 : 0;
}

int
store_history(store *s, const char *tag, int64_t from_us, int64_t to_us,
              size_t limit, store_position_cb cb, void *ud)
{
	sqlite3_stmt *st = s->st[ST_HISTORY];
	int rc;

	if (to_us - from_us > STORE_HISTORY_MAX_US) {
		store__set_err(s, "history window longer than %d days",
		        (int)(STORE_HISTORY_MAX_US / 86400000000));
		return -1;
	}
	store__bind_text(st, 1, tag);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	sqlite3_bind_int64(st, 4, limit_of(limit));
	while ((rc = next_row(s, ST_HISTORY)) > 0) {
		struct store_position p = {
			.tag = tag,
			.t_us = sqlite3_column_int64(st, 0),
			.floor = col_text(st, 1),
			.x = sqlite3_column_double(st, 2),
			.y = sqlite3_column_double(st, 3),
			.r = sqlite3_column_double(st, 4),
			.zone = col_text(st, 5),
		};

		if (cb(ud, &p))
			break;
	}
	return finish(s, ST_HISTORY, rc);
}

int
store_has_tag(store *s, const char *tag)
{
	int rc;

	store__bind_text(s->st[ST_HAS_TAG], 1, tag);
	rc = next_row(s, ST_HAS_TAG);
	finish(s, ST_HAS_TAG, rc);
	return rc;
}

int
store_last_positions(store *s, store_position_cb cb, void *ud)
{
	sqlite3_stmt *st = s->st[ST_LAST];
	int rc;

	while ((rc = next_row(s, ST_LAST)) > 0) {
		struct store_position p = {
			.tag = col_text(st, 0),
			.t_us = sqlite3_column_int64(st, 1),
			.floor = col_text(st, 2),
			.x = sqlite3_column_double(st, 3),
			.y = sqlite3_column_double(st, 4),
			.r = sqlite3_column_double(st, 5),
			.zone = col_text(st, 6),
			.scanners = col_unsigned(st, 7),
		};

		if (cb(ud, &p))
			break;
	}
	return finish(s, ST_LAST, rc);
}

int
store_events(store *s, int64_t from_us, int64_t to_us, const char *tag,
             const char *type, size_t limit, store_event_cb cb, void *ud)
{
	/* Two statements, so that each can use its own index. */
	enum stmt i = tag ? ST_EVENTS_TAG : ST_EVENTS;
	sqlite3_stmt *st = s->st[i];
	int k = 1, rc;

	if (tag)
		store__bind_text(st, k++, tag);
	sqlite3_bind_int64(st, k++, from_us);
	sqlite3_bind_int64(st, k++, to_us);
	store__bind_text(st, k++, type);
	sqlite3_bind_int64(st, k, limit_of(limit));
	while ((rc = next_row(s, i)) > 0) {
		struct store_event e = {
			.t_us = sqlite3_column_int64(st, 0),
			.type = col_text(st, 1),
			.zone = col_text(st, 3),
			.floor = col_text(st, 4),
			.x = col_real(st, 5),
			.y = col_real(st, 6),
		};

		copy_id(e.tag, col_text(st, 2));
		if (cb(ud, &e))
			break;
	}
	return finish(s, i, rc);
}

int
store_alarms(store *s, size_t max_acked, uint64_t *max_id, store_alarm_cb cb,
             void *ud)
{
	sqlite3_stmt *st = s->st[ST_ALARMS];
	int rc;

	if (max_id) {
		rc = next_row(s, ST_MAX_ALARM);
		*max_id = rc > 0 ? (uint64_t)sqlite3_column_int64(
		                           s->st[ST_MAX_ALARM], 0)
		                 : 0;
		if (finish(s, ST_MAX_ALARM, rc) < 0)
			return -1;
	}
	sqlite3_bind_int64(st, 1, limit_of(max_acked));
	while ((rc = next_row(s, ST_ALARMS)) > 0) {
		struct store_alarm a = {
			.id = (uint64_t)sqlite3_column_int64(st, 0),
			.opened_us = sqlite3_column_int64(st, 2),
			.pressed_us = sqlite3_column_int64(st, 3),
			.acked = sqlite3_column_type(st, 5) != SQLITE_NULL,
			.acked_us = sqlite3_column_int64(st, 5),
		};

		copy_id(a.tag, col_text(st, 1));
		copy_id(a.acked_by, col_text(st, 4));
		if (cb(ud, &a))
			break;
	}
	return finish(s, ST_ALARMS, rc);
}

int
store_occupancy(store *s, const char *zone, int64_t from_us, int64_t to_us,
                store_occupancy_cb cb, void *ud)
{
	sqlite3_stmt *st = s->st[ST_OCCUPANCY];
	int rc;

	store__bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	while ((rc = next_row(s, ST_OCCUPANCY)) > 0) {
		struct store_occupancy o = {
			.zone = zone,
			.t_us = sqlite3_column_int64(st, 0),
			.mean = sqlite3_column_double(st, 1),
			.peak = col_unsigned(st, 2),
			.mean_person = sqlite3_column_double(st, 3),
			.mean_asset = sqlite3_column_double(st, 4),
			.peak_person = col_unsigned(st, 5),
			.peak_asset = col_unsigned(st, 6),
		};

		if (cb(ud, &o))
			break;
	}
	return finish(s, ST_OCCUPANCY, rc);
}
