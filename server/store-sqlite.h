/* What the SQLite backend's files (store-sqlite*.c) share: the
 * connection, its prepared statements and the helpers that run them
 * (store-sqlite-stmt.c), and the functions of its table
 * (store_sqlite__ops, in store-sqlite.c). */
#ifndef TRACKD_STORE_SQLITE_H
#define TRACKD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store-private.h"

/* Positions are indexed by (time bucket, tag, t), not by (tag, t). Each
 * batch holds one row for each of thousands of tags; under (tag, t) every
 * row lands on its own tag's newest index page, so a batch dirties a page
 * per tag once the history is a few minutes long (measured: 10,000 rows a
 * batch took ~90 ms at first and ~300 ms after three minutes, growing).
 * Under a short bucket first, a batch's rows all go into the newest
 * bucket's small part of the index, and the cost stays flat (~50 ms). A
 * history query pays one index seek per bucket of its window instead:
 * 360 for an hour. BUCKET_US is part of the schema: changing it takes a
 * migration that rebuilds the index. */
#define BUCKET_US 10000000
#define BUCKET_SQL "10000000"

#define ALARM_UPSERT                                                         \
	"INSERT INTO alarms (id, tag, opened, pressed, acked_by, acked) "    \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET "    \
	"pressed = max(alarms.pressed, excluded.pressed), "                  \
	"acked_by = coalesce(alarms.acked_by, excluded.acked_by), "          \
	"acked = coalesce(alarms.acked, excluded.acked)"

#define EVENT_COLUMNS "SELECT t, type, tag, zone, floor, x, y, rowid FROM events "

/* Every statement, in one table so that open prepares and close finalizes
 * them in one loop. */
#define STATEMENTS(XX)                                                       \
	XX(BEGIN, "BEGIN IMMEDIATE")                                         \
	XX(COMMIT, "COMMIT")                                                 \
	XX(ROLLBACK, "ROLLBACK")                                             \
	XX(SYNC_FULL, "PRAGMA synchronous = FULL")                           \
	XX(SYNC_NORMAL, "PRAGMA synchronous = NORMAL")                       \
	XX(PUT_POSITION, "INSERT INTO positions (tag, t, floor, x, y, r, "   \
	   "zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                      \
	XX(PUT_LAST, "INSERT INTO last_positions (tag, t, floor, x, y, r, "  \
	   "zone, scanners) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "         \
	   "ON CONFLICT (tag) DO "                                           \
	   "UPDATE SET t = excluded.t, floor = excluded.floor, "              \
	   "x = excluded.x, y = excluded.y, r = excluded.r, "                 \
	   "zone = excluded.zone, scanners = excluded.scanners "              \
	   "WHERE excluded.t >= last_positions.t")                           \
	XX(PUT_EVENT, "INSERT INTO events (t, type, tag, zone, floor, x, y) " \
	   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                            \
	XX(PUT_ALARM, ALARM_UPSERT)                                          \
	XX(PUT_OCCUPANCY, "INSERT OR REPLACE INTO occupancy (zone, t, mean, " \
	   "peak, mean_person, mean_asset, peak_person, peak_asset) "        \
	   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")                        \
	/* One seek per bucket of the window (see BUCKET_US). */            \
	XX(HISTORY, "WITH RECURSIVE b (n) AS (SELECT ?2 / " BUCKET_SQL       \
	   " UNION ALL SELECT n + 1 FROM b WHERE n < (?3 - 1) / " BUCKET_SQL \
	   ") SELECT p.t, p.floor, p.x, p.y, p.r, p.zone, p.rowid FROM b "    \
	   "JOIN positions p ON p.t / " BUCKET_SQL " = b.n AND p.tag = ?1 "   \
	   "AND p.t >= ?2 AND p.t < ?3 AND (p.t > ?2 OR p.rowid > ?5) "       \
	   "ORDER BY p.t, p.rowid LIMIT ?4")                                 \
	/* A floor's rows: the same seek per bucket, every tag in it.     \
	 * The caller reads a bucket or two at a time, so that the sort    \
	 * stays one bucket's rows however many tags. */                  \
	XX(FLOOR_HISTORY, "WITH RECURSIVE b (n) AS (SELECT ?2 / " BUCKET_SQL \
	   " UNION ALL SELECT n + 1 FROM b WHERE n < (?3 - 1) / " BUCKET_SQL \
	   ") SELECT p.t, p.tag, p.x, p.y, p.r, p.zone, p.rowid FROM b "     \
	   "JOIN positions p ON p.t / " BUCKET_SQL " = b.n AND p.floor = ?1 " \
	   "AND p.t >= ?2 AND p.t < ?3 AND (p.t > ?2 OR p.rowid > ?5) "       \
	   "ORDER BY p.t, p.rowid LIMIT ?4")                                 \
	XX(HAS_TAG, "SELECT 1 FROM last_positions WHERE tag = ?1")           \
	XX(LAST, "SELECT tag, t, floor, x, y, r, zone, scanners FROM "       \
	   "last_positions ORDER BY t DESC")                                 \
	/* Last places of tags no site lists, heard by too few scanners:  \
	 * what a flood of random ids leaves (?2: the listed ids, JSON). */  \
	XX(PURGE_STRAY_LAST, "DELETE FROM last_positions WHERE "             \
	   "coalesce(scanners, 0) < ?1 AND tag NOT IN "                      \
	   "(SELECT value FROM json_each(?2))")                              \
	/* Events newest first: before the key (?before, ?rowid) in the   \
	 * order of (t, rowid), back to ?from; the indexes on t keep that  \
	 * order already (read backwards). */                               \
	XX(EVENTS, EVENT_COLUMNS "WHERE t >= ?1 AND t <= ?2 "                \
	   "AND (t < ?2 OR rowid < ?5) AND (?3 IS NULL OR type = ?3) "        \
	   "ORDER BY t DESC, rowid DESC LIMIT ?4")                           \
	XX(EVENTS_TAG, EVENT_COLUMNS "WHERE tag = ?1 AND t >= ?2 AND t <= ?3 " \
	   "AND (t < ?3 OR rowid < ?6) AND (?4 IS NULL OR type = ?4) "        \
	   "ORDER BY t DESC, rowid DESC LIMIT ?5")                           \
	XX(ALARMS, "SELECT id, tag, opened, pressed, acked_by, acked "       \
	   "FROM alarms WHERE acked IS NULL OR id IN (SELECT id FROM alarms " \
	   "WHERE acked IS NOT NULL ORDER BY id DESC LIMIT ?1) ORDER BY id") \
	XX(MAX_ALARM, "SELECT coalesce(max(id), 0) FROM alarms")             \
	/* A new press (id NULL: the largest rowid plus one), or nothing    \
	 * when the press is stored already ... */                         \
	XX(CLAIM_ALARM, "INSERT INTO alarms (tag, opened, pressed) VALUES "  \
	   "(?1, ?2, ?3) ON CONFLICT (tag, opened) DO NOTHING RETURNING id") \
	/* ... and then the row there, brought the newest press. */         \
	XX(CLAIMED_ALARM, "UPDATE alarms SET pressed = max(pressed, ?3) "    \
	   "WHERE tag = ?1 AND opened = ?2 RETURNING id, pressed, acked_by, " \
	   "acked")                                                          \
	/* Retention: oldest first, a slice at a time; positions by the  \
	 * bucket expression, which their index starts with. */              \
	XX(PURGE_POSITIONS, "DELETE FROM positions WHERE rowid IN (SELECT "  \
	   "rowid FROM positions WHERE t / " BUCKET_SQL " < ?1 / "           \
	   BUCKET_SQL " LIMIT ?2)")                                          \
	XX(PURGE_EVENTS, "DELETE FROM events WHERE rowid IN (SELECT rowid "  \
	   "FROM events WHERE t < ?1 ORDER BY t LIMIT ?2)")                  \
	XX(PURGE_LAST, "DELETE FROM last_positions WHERE t < ?1")            \
	/* Each exit from the zone in the window with the tag's latest     \
	 * entry before it: a visit's length. */                            \
	XX(VISITS, "SELECT x.t - (SELECT max(e.t) FROM events e WHERE "       \
	   "e.tag = x.tag AND e.zone = x.zone AND e.type IN ('zone_enter', "  \
	   "'restricted_entry') AND e.t <= x.t) FROM events x WHERE "        \
	   "x.type = 'zone_exit' AND x.zone = ?1 AND x.t >= ?2 AND x.t < ?3") \
	XX(PUT_HEAT, "INSERT OR REPLACE INTO heatmap (floor, t, run, cols, "  \
	   "rows, cells, instance) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")     \
	XX(HEAT, "SELECT cols, rows, cells FROM heatmap WHERE floor = ?1 "    \
	   "AND t >= ?2 AND t < ?3 AND run <> ?4 AND "                       \
	   "(instance = ?5 OR instance = '')")                               \
	XX(PUT_UTIL, "INSERT OR REPLACE INTO utilization (tag, day, run, "   \
	   "moving, idle, instance) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")        \
	XX(UTIL, "SELECT coalesce(sum(moving), 0), coalesce(sum(idle), 0) "   \
	   "FROM utilization WHERE tag = ?1 AND day >= ?2 AND day < ?3 AND "  \
	   "run <> ?4 AND (instance = ?5 OR instance = '')")                 \
	XX(OCCUPANCY, "SELECT t, mean, peak, mean_person, mean_asset, "      \
	   "peak_person, peak_asset FROM occupancy "                         \
	   "WHERE zone = ?1 AND t >= ?2 AND t < ?3 ORDER BY t")               \
	XX(PUT_AUDIT, "INSERT INTO audit (t, token, name, role, action, "     \
	   "whom, peer, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")

enum stmt {
#define XX(name, sql) ST_##name,
	STATEMENTS(XX)
#undef XX
	N_STMT
};

struct store_sqlite {
	struct store base; /* first: see store-private.h */
	sqlite3 *db;
	sqlite3_stmt *st[N_STMT];
	/* A batch's positions in index order, reused from write to write. */
	const struct store_position **order;
	size_t order_cap;
};

static inline struct store_sqlite *
store_sqlite_of(store *s)
{
	return (struct store_sqlite *)s;
}

/* The connection (also for tests that look at what the store set up, its
 * pragmas; trackd's own files go through store.h). */
static inline sqlite3 *
store_sqlite_db(store *s)
{
	return store_sqlite_of(s)->db;
}

/* Prepared statement i. */
static inline sqlite3_stmt *
store_sqlite_stmt(store *s, enum stmt i)
{
	return store_sqlite_of(s)->st[i];
}

/* store-sqlite-stmt.c. Records the connection's error for what failed;
 * returns -1. */
int store_sqlite__fail(store *s, const char *what);
/* Runs a statement that returns no rows (or ignores them) and resets it:
 * 0, or -1 with the error set. */
int store_sqlite__run(store *s, enum stmt i);
/* Binds v, or NULL when v is NULL; the string must outlive the step. */
int store_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v);
/* Steps a bound query: 1 a row, 0 the end, -1 an error (recorded). */
int store_sqlite__next_row(store *s, enum stmt i);
/* Resets a query after its last row (or an early stop, or an error) and
 * clears its bindings, which borrow the caller's strings; returns -1 when
 * rc < 0, else 0. */
int store_sqlite__finish(store *s, enum stmt i, int rc);
/* sqlite3_exec() of sql: 0, or -1 with the error set. */
int store_sqlite__exec(store *s, const char *sql);
/* Prepares every statement of the table (after the schema is there). */
int store_sqlite__prepare(store *s);

/* The entries of store_sqlite__ops, each in the file of its kind:
 * store-sqlite-write.c, store-sqlite-query.c, store-sqlite-stats.c,
 * store-sqlite-tokens.c. */
int store_sqlite__write(store *s, const struct store_batch *b, bool synced);
int store_sqlite__put_alarm(store *s, const struct store_alarm *a);
int store_sqlite__claim_alarm(store *s, struct store_alarm *a);
int store_sqlite__alarm_changes(store *s, store_alarm_cb cb, void *ud);
int store_sqlite__positions_page(store *s, bool by_floor, const char *key,
                                 struct store_key after, int64_t to_us,
                                 size_t limit, store_position_cb cb, void *ud);
int store_sqlite__has_tag(store *s, const char *tag);
int store_sqlite__last_positions(store *s, store_position_cb cb, void *ud);
int store_sqlite__events_page(store *s, int64_t from_us,
                              struct store_key before, const char *tag,
                              const char *type, size_t limit,
                              store_event_cb cb, void *ud);
int store_sqlite__alarms(store *s, size_t max_acked, uint64_t *max_id,
                         store_alarm_cb cb, void *ud);
int store_sqlite__occupancy(store *s, const char *zone, int64_t from_us,
                            int64_t to_us, store_occupancy_cb cb, void *ud);
int store_sqlite__visits(store *s, const char *zone, int64_t from_us,
                         int64_t to_us, double **lengths_s, size_t *n);
int store_sqlite__put_heatmap(store *s, const char *floor, int64_t t_us,
                              int64_t run, size_t cols, size_t rows,
                              const float *cells);
int store_sqlite__add_heatmap(store *s, const char *floor, int64_t from_us,
                              int64_t to_us, int64_t run, size_t cols,
                              size_t rows, float *cells);
int store_sqlite__put_utilization(store *s, const char *tag, int64_t day_us,
                                  int64_t run, double moving_s,
                                  double idle_s);
int store_sqlite__utilization(store *s, const char *tag, int64_t from_day_us,
                              int64_t to_us, int64_t run, double *moving_s,
                              double *idle_s);
int store_sqlite__purge(store *s, int64_t before_us, size_t max_rows);
int store_sqlite__purge_stray_last(store *s, const char *listed_json,
                                   unsigned min_scanners);
int64_t store_sqlite__data_version(store *s);
int store_sqlite__tokens(store *s, store_token_cb cb, void *ud);
int store_sqlite__token_add(store *s, const char *name, const char *role,
                            const unsigned char *hash, size_t hash_len,
                            int64_t created_us, const char *scanners,
                            int64_t *id);
int store_sqlite__token_revoke(store *s, int64_t id, int64_t revoked_us);
int store_sqlite__put_audit(store *s, const struct store_audit *r);
int store_sqlite__audit_page(store *s, struct store_key after, int64_t to_us,
                             size_t limit, store_audit_cb cb, void *ud);
int store_sqlite__backup(store *s, const char *copy, char *err,
                         size_t errlen);

#endif
