/* What the PostgreSQL backend's files (store-pg*.c) share: the
 * connection and its prepared statements, the helpers that bind and run
 * them (store-pg-conn.c), and the functions of its table (store_pg__ops,
 * in store-pg.c).
 *
 * The same tables as SQLite's, with one difference: positions, events
 * and audit rows have an id column (bigserial) where SQLite has its
 * rowid, the second half of a store_key. Values go over as text (bytea
 * as binary), results come back as text. */
#ifndef TRACKD_STORE_PG_H
#define TRACKD_STORE_PG_H

#include <libpq-fe.h>

#include "store-private.h"

#define PG_EVENT_COLUMNS                                                     \
	"SELECT t, type, tag, zone, floor, x, y, id FROM events "
/* (t, id) > ($2, $5): PostgreSQL compares rows as keys, and the indexes
 * on (tag, t, id) and (floor, t, id) give that order. */
#define PG_HISTORY(key, other)                                               \
	"SELECT t, " other ", x, y, r, zone, id FROM positions WHERE "       \
	key " = $1 AND (t, id) > ($2, $5) AND t < $3 ORDER BY t, id "        \
	"LIMIT $4"

/* Every statement run more than once a request, in one table so that
 * (re)connecting prepares them in one loop. Parameters are numbered in
 * the order the callers add them. */
#define PG_STATEMENTS(XX)                                                    \
	XX(PUT_POSITION, "INSERT INTO positions (tag, t, floor, x, y, r, "   \
	   "zone) VALUES ($1, $2, $3, $4, $5, $6, $7)")                      \
	XX(PUT_LAST, "INSERT INTO last_positions (tag, t, floor, x, y, r, "  \
	   "zone, scanners) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "         \
	   "ON CONFLICT (tag) DO "                                           \
	   "UPDATE SET t = excluded.t, floor = excluded.floor, "              \
	   "x = excluded.x, y = excluded.y, r = excluded.r, "                 \
	   "zone = excluded.zone, scanners = excluded.scanners "              \
	   "WHERE excluded.t >= last_positions.t")                           \
	XX(PUT_EVENT, "INSERT INTO events (t, type, tag, zone, floor, x, y) " \
	   "VALUES ($1, $2, $3, $4, $5, $6, $7)")                            \
	XX(PUT_ALARM, "INSERT INTO alarms (id, tag, opened, pressed, "       \
	   "acked_by, acked) VALUES ($1, $2, $3, $4, $5, $6) "                \
	   "ON CONFLICT (id) DO UPDATE SET "                                 \
	   "pressed = greatest(alarms.pressed, excluded.pressed), "          \
	   "acked_by = coalesce(alarms.acked_by, excluded.acked_by), "       \
	   "acked = coalesce(alarms.acked, excluded.acked)")                 \
	XX(PUT_OCCUPANCY, "INSERT INTO occupancy (zone, t, mean, peak, "     \
	   "mean_person, mean_asset, peak_person, peak_asset) "              \
	   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (zone, t) "   \
	   "DO UPDATE SET mean = excluded.mean, peak = excluded.peak, "       \
	   "mean_person = excluded.mean_person, "                            \
	   "mean_asset = excluded.mean_asset, "                              \
	   "peak_person = excluded.peak_person, "                            \
	   "peak_asset = excluded.peak_asset")                               \
	XX(HISTORY, PG_HISTORY("tag", "floor"))                              \
	XX(FLOOR_HISTORY, PG_HISTORY("floor", "tag"))                        \
	XX(HAS_TAG, "SELECT 1 FROM last_positions WHERE tag = $1")           \
	XX(LAST, "SELECT tag, t, floor, x, y, r, zone, scanners FROM "       \
	   "last_positions ORDER BY t DESC")                                 \
	XX(PURGE_STRAY_LAST, "DELETE FROM last_positions WHERE "             \
	   "coalesce(scanners, 0) < $1 AND tag NOT IN "                      \
	   "(SELECT json_array_elements_text($2::json))")                    \
	/* Events newest first: before the key, back to $1. */              \
	XX(EVENTS, PG_EVENT_COLUMNS "WHERE t >= $1 AND (t, id) < ($2, $5) "  \
	   "AND ($3::text IS NULL OR type = $3) "                            \
	   "ORDER BY t DESC, id DESC LIMIT $4")                              \
	XX(EVENTS_TAG, PG_EVENT_COLUMNS "WHERE tag = $1 AND t >= $2 AND "    \
	   "(t, id) < ($3, $6) AND ($4::text IS NULL OR type = $4) "          \
	   "ORDER BY t DESC, id DESC LIMIT $5")                              \
	XX(ALARMS, "SELECT id, tag, opened, pressed, acked_by, acked "       \
	   "FROM alarms WHERE acked IS NULL OR id IN (SELECT id FROM alarms " \
	   "WHERE acked IS NOT NULL ORDER BY id DESC LIMIT $1) ORDER BY id") \
	XX(MAX_ALARM, "SELECT coalesce(max(id), 0) FROM alarms")             \
	XX(ALARM, "SELECT id, tag, opened, pressed, acked_by, acked "        \
	   "FROM alarms WHERE id = $1")                                      \
	/* A new press, or nothing when another trackd stored it (this     \
	 * waits for the other's transaction to end first) ... */           \
	XX(CLAIM_ALARM, "INSERT INTO alarms (tag, opened, pressed) VALUES "  \
	   "($1, $2, $3) ON CONFLICT (tag, opened) DO NOTHING RETURNING id") \
	/* ... and then the row there, brought the newest press. */         \
	XX(CLAIMED_ALARM, "UPDATE alarms SET pressed = greatest(pressed, "   \
	   "$3) WHERE tag = $1 AND opened = $2 RETURNING id, pressed, "       \
	   "acked_by, acked")                                                \
	/* Retention: oldest first, a slice at a time (ctid: the row's     \
	 * place, so that positions need no index on id). */                \
	XX(PURGE_POSITIONS, "DELETE FROM positions WHERE ctid = ANY (ARRAY " \
	   "(SELECT ctid FROM positions WHERE t < $1 LIMIT $2))")            \
	XX(PURGE_EVENTS, "DELETE FROM events WHERE ctid = ANY (ARRAY "       \
	   "(SELECT ctid FROM events WHERE t < $1 ORDER BY t LIMIT $2))")    \
	XX(PURGE_LAST, "DELETE FROM last_positions WHERE t < $1")            \
	/* Each exit from the zone in the window with the tag's latest     \
	 * entry before it: a visit's length. */                            \
	XX(VISITS, "SELECT x.t - (SELECT max(e.t) FROM events e WHERE "       \
	   "e.tag = x.tag AND e.zone = x.zone AND e.type IN ('zone_enter', "  \
	   "'restricted_entry') AND e.t <= x.t) FROM events x WHERE "        \
	   "x.type = 'zone_exit' AND x.zone = $1 AND x.t >= $2 AND x.t < $3") \
	XX(PUT_HEAT, "INSERT INTO heatmap (floor, t, run, cols, rows, "      \
	   "cells, instance) VALUES ($1, $2, $3, $4, $5, $6, $7) "           \
	   "ON CONFLICT (floor, t, run) DO UPDATE SET cols = excluded.cols, " \
	   "rows = excluded.rows, cells = excluded.cells")                  \
	XX(HEAT, "SELECT cols, rows, cells FROM heatmap WHERE floor = $1 "    \
	   "AND t >= $2 AND t < $3 AND run <> $4 AND "                       \
	   "(instance = $5 OR instance = '')")                               \
	XX(PUT_UTIL, "INSERT INTO utilization (tag, day, run, moving, idle, " \
	   "instance) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tag, day, " \
	   "run) DO UPDATE SET moving = excluded.moving, idle = excluded.idle")\
	XX(UTIL, "SELECT coalesce(sum(moving), 0), coalesce(sum(idle), 0) "   \
	   "FROM utilization WHERE tag = $1 AND day >= $2 AND day < $3 AND "  \
	   "run <> $4 AND (instance = $5 OR instance = '')")                 \
	/* The history writer's lease: taken when free or run out, renewed \
	 * by its holder; a row back when this instance holds it. By the   \
	 * database's clock, so that the instances' clocks do not matter. */ \
	XX(LEASE, "INSERT INTO history_writer (holder, until) VALUES ($1, "   \
	   "clock_timestamp() + $2 * interval '1 second') ON CONFLICT (one) " \
	   "DO UPDATE SET holder = excluded.holder, until = excluded.until "  \
	   "WHERE history_writer.holder = excluded.holder OR "               \
	   "history_writer.until < clock_timestamp() RETURNING holder")      \
	XX(NEWEST, "SELECT (SELECT coalesce(max(t), 0) FROM last_positions), " \
	   "(SELECT coalesce(max(t), 0) FROM events)")                       \
	XX(OCCUPANCY, "SELECT t, mean, peak, mean_person, mean_asset, "      \
	   "peak_person, peak_asset FROM occupancy "                         \
	   "WHERE zone = $1 AND t >= $2 AND t < $3 ORDER BY t")               \
	XX(PUT_AUDIT, "INSERT INTO audit (t, token, name, role, action, "     \
	   "whom, peer, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")   \
	XX(AUDIT, "SELECT t, token, name, role, action, whom, peer, id, "     \
	   "subject FROM audit WHERE (t, id) > ($1, $4) AND t < $2 "          \
	   "ORDER BY t, id LIMIT $3")                                        \
	XX(TOKENS, "SELECT id, name, role, hash, created, revoked, scanners " \
	   "FROM tokens ORDER BY id")                                        \
	XX(TOKEN_ADD, "INSERT INTO tokens (name, role, hash, created, "      \
	   "scanners) VALUES ($1, $2, $3, $4, $5) RETURNING id")             \
	XX(TOKEN_REVOKE, "UPDATE tokens SET revoked = $2 WHERE id = $1 AND " \
	   "revoked IS NULL")                                                \
	XX(TOKEN_CHANGES, "SELECT n FROM token_changes")

/* What the trigger on alarms (migration 6) notifies of an
 * acknowledgement, its id as the payload; every connection LISTENs. */
#define PG_ALARM_CHANNEL "trackd_alarm_acked"

enum pg_stmt {
#define XX(name, sql) PG_##name,
	PG_STATEMENTS(XX)
#undef XX
	N_PG_STMT
};

struct store_pg {
	struct store base; /* first: see store-private.h */
	PGconn *conn;      /* NULL once given up (store_pg__await) */
	char *url;         /* to connect again */
	/* A new connection being made, step by step (store_pg__ready):
	 * what it waits for, and since when (ms, monotonic). */
	bool connecting;
	PostgresPollingStatusType want;
	int64_t connect_from_ms;
	/* How long a statement's answer is waited for (store_pg__await). */
	int wait_ms;
	/* Whether the statements are prepared on this connection (a new
	 * one, after the server restarted, has none). */
	bool prepared;
	/* Connections made (store_pg__prepare counts them), and the one
	 * store_alarm_changes() last read: a new one may have missed
	 * notifications while there was none. */
	uint64_t connections, listened;
};

static inline struct store_pg *
store_pg_of(store *s)
{
	return (struct store_pg *)s;
}

/* The parameters of one statement, bound in order ($1, $2...): numbers
 * as text in buf, strings borrowed (valid until the statement is sent),
 * bytea as binary. */
#define PG_MAX_PARAMS 10
struct pg_params {
	int n;
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];
	char buf[PG_MAX_PARAMS][32];
};

void store_pg__int(struct pg_params *p, int64_t v);
/* NAN goes as NULL (an unknown place). */
void store_pg__real(struct pg_params *p, double v);
/* NULL goes as NULL. */
void store_pg__text(struct pg_params *p, const char *v);
void store_pg__bytes(struct pg_params *p, const void *v, size_t len);

/* Records what failed and PostgreSQL's message (of r when not NULL, else
 * the connection's), on one line; returns -1. */
int store_pg__fail(store *s, const char *what, const PGresult *r);
/* A connection to talk on: the one there is, or, when it was lost (the
 * server restarted), a new one with the statements prepared again. 0,
 * or -1 with the error set. */
int store_pg__ready(store *s);
/* Prepares every statement and the session's settings on the open
 * connection. 0, or -1. */
int store_pg__prepare(store *s);
/* At the start (the schema's migrations, or another trackd holding the
 * schema's lock) what is waited for an answer (store_pg__await). */
#define PG_WAIT_OPENING_MS 30000
/* Waits until what was sent is out and the next result is in, for at
 * most wait_ms; past it the server is taken for gone and the connection
 * dropped (the next call makes a new one). 0, or -1 with the error set. */
int store_pg__await(store *s);
/* The connection parameters every connection is made with (the URL's own
 * win): for PQconnectdbParams and PQconnectStartParams. */
extern const char *const store_pg__keys[];
/* The server's notices (a CREATE ... IF NOT EXISTS that had nothing to
 * do, a ROLLBACK with no transaction left) are no news to trackd's log. */
void store_pg__no_notice(void *ud, const char *message);
void store_pg__values(const char *url, const char *values[]);
/* Runs SQL text without parameters (a migration, BEGIN, COMMIT). */
int store_pg__exec(store *s, const char *sql);
/* Runs statement i with p (NULL: none): its result (rows, or a command's
 * count), which the caller PQclear()s; or NULL with the error set. A
 * statement outside a transaction whose connection was lost is tried
 * once more on a new one. */
PGresult *store_pg__run(store *s, enum pg_stmt i, const struct pg_params *p);
/* store_pg__run() of a command: the rows it changed, or -1. */
int store_pg__command(store *s, enum pg_stmt i, const struct pg_params *p);
/* Sends statement i in the pipeline store-pg-write.c runs. 0, or -1. */
int store_pg__send(store *s, enum pg_stmt i, const struct pg_params *p);
/* The name of statement i, for error messages. */
const char *store_pg__name(enum pg_stmt i);

/* A value of a result: text (NULL when SQL NULL), a number, a real
 * (NAN when NULL), a count (0 when NULL or negative). */
const char *store_pg__col_text(const PGresult *r, int row, int col);
int64_t store_pg__col_int(const PGresult *r, int row, int col);
double store_pg__col_real(const PGresult *r, int row, int col);
unsigned store_pg__col_unsigned(const PGresult *r, int row, int col);

/* The entries of store_pg__ops, each in the file of its kind:
 * store-pg-write.c, store-pg-query.c, store-pg-stats.c,
 * store-pg-tokens.c. */
int store_pg__write(store *s, const struct store_batch *b, bool synced);
int store_pg__put_alarm(store *s, const struct store_alarm *a);
int store_pg__claim_alarm(store *s, struct store_alarm *a);
int store_pg__alarm_changes(store *s, store_alarm_cb cb, void *ud);
int store_pg__positions_page(store *s, bool by_floor, const char *key,
                             struct store_key after, int64_t to_us,
                             size_t limit, store_position_cb cb, void *ud);
int store_pg__has_tag(store *s, const char *tag);
int store_pg__last_positions(store *s, store_position_cb cb, void *ud);
int store_pg__events_page(store *s, int64_t from_us, struct store_key before,
                          const char *tag, const char *type, size_t limit,
                          store_event_cb cb, void *ud);
int store_pg__alarms(store *s, size_t max_acked, uint64_t *max_id,
                     store_alarm_cb cb, void *ud);
int store_pg__occupancy(store *s, const char *zone, int64_t from_us,
                        int64_t to_us, store_occupancy_cb cb, void *ud);
int store_pg__visits(store *s, const char *zone, int64_t from_us,
                     int64_t to_us, double **lengths_s, size_t *n);
int store_pg__put_heatmap(store *s, const char *floor, int64_t t_us,
                          int64_t run, size_t cols, size_t rows,
                          const float *cells);
int store_pg__add_heatmap(store *s, const char *floor, int64_t from_us,
                          int64_t to_us, int64_t run, size_t cols,
                          size_t rows, float *cells);
int store_pg__put_utilization(store *s, const char *tag, int64_t day_us,
                              int64_t run, double moving_s, double idle_s);
int store_pg__utilization(store *s, const char *tag, int64_t from_day_us,
                          int64_t to_us, int64_t run, double *moving_s,
                          double *idle_s);
int store_pg__purge(store *s, int64_t before_us, size_t max_rows);
int store_pg__history_writer(store *s);
int store_pg__history_newest(store *s, int64_t *position_us,
                             int64_t *event_us);
int store_pg__purge_stray_last(store *s, const char *listed_json,
                               unsigned min_scanners);
int64_t store_pg__data_version(store *s);
int store_pg__tokens(store *s, store_token_cb cb, void *ud);
int store_pg__token_add(store *s, const char *name, const char *role,
                        const unsigned char *hash, size_t hash_len,
                        int64_t created_us, const char *scanners,
                        int64_t *id);
int store_pg__token_revoke(store *s, int64_t id, int64_t revoked_us);
int store_pg__put_audit(store *s, const struct store_audit *r);
int store_pg__audit_page(store *s, struct store_key after, int64_t to_us,
                         size_t limit, store_audit_cb cb, void *ud);
int store_pg__backup(store *s, const char *copy, char *err, size_t errlen);

#endif
