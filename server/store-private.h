/* What the front (store.c) and the backends (store-sqlite*.c,
 * store-pg*.c) share: the state every store has, and the table of
 * functions through which the front calls a backend. Not for anyone else.
 *
 * A backend's state begins with a struct store, so that the store *
 * store.h hands out is the backend's own object; the backend's functions
 * get it back with a cast (store_sqlite_of(), store_pg_of()). */
#ifndef TRACKD_STORE_PRIVATE_H
#define TRACKD_STORE_PRIVATE_H

#include "store.h"

struct store_ops;

struct store {
	const struct store_ops *ops;
	int version;
	int migrated;
	char err[256];
	char instance[STORE_ID_MAX];  /* store_set_instance() */
	char holder[STORE_ID_MAX + 24]; /* the lease's: instance/run */
};

/* One backend. Each entry does what store.h says of the function of the
 * same name, with the front's checks done (an empty batch, a window too
 * long); each reports failure as -1 with the store's error set. */
struct store_ops {
	/* The schema, one migration per version: migrations[i] takes a
	 * database from version i to i + 1 (store__migrate() applies them). */
	const char *const *migrations;
	int n_migrations;
	/* Makes the backend's state for where (a path; a postgresql:// URL)
	 * and connects: 0 and *out set, or -1 with why in err (without
	 * where: the front names it). */
	int (*open)(const char *where, store **out, char *err, size_t errlen);
	/* Runs the SQL of a migration or a transaction's BEGIN, COMMIT or
	 * ROLLBACK: 0, or -1 with the error set. */
	int (*exec)(store *s, const char *sql);
	/* What starts the schema update: a transaction holding the lock that
	 * keeps a second process from migrating at the same time. */
	const char *schema_lock;
	/* What starts a write transaction that takes the write lock at
	 * once, so that a busy database fails there, before anything. */
	const char *begin;
	/* The database's schema version (0: a new one), or -1. */
	int (*schema_version)(store *s);
	/* Records v inside the schema update's transaction. */
	int (*set_schema_version)(store *s, int v);
	/* After the schema is up to date: what the other calls need (the
	 * prepared statements). */
	int (*prepare)(store *s);

	void (*close)(store *s);
	int (*write)(store *s, const struct store_batch *b, bool synced);
	int (*put_alarm)(store *s, const struct store_alarm *a);
	int (*claim_alarm)(store *s, struct store_alarm *a);
	int (*alarm_changes)(store *s, store_alarm_cb cb, void *ud);
	/* store_history_page() (by_floor false: key is a tag) and
	 * store_floor_history_page() (true: key is a floor). */
	int (*positions_page)(store *s, bool by_floor, const char *key,
	                      struct store_key after, int64_t to_us,
	                      size_t limit, store_position_cb cb, void *ud);
	int (*has_tag)(store *s, const char *tag);
	int (*last_positions)(store *s, store_position_cb cb, void *ud);
	int (*purge_stray_last)(store *s, const char *listed_json,
	                        unsigned min_scanners);
	int (*events_page)(store *s, int64_t from_us, struct store_key before,
	                   const char *tag, const char *type, size_t limit,
	                   store_event_cb cb, void *ud);
	int (*alarms)(store *s, size_t max_acked, uint64_t *max_id,
	              store_alarm_cb cb, void *ud);
	int (*occupancy)(store *s, const char *zone, int64_t from_us,
	                 int64_t to_us, store_occupancy_cb cb, void *ud);
	int (*visits)(store *s, const char *zone, int64_t from_us,
	              int64_t to_us, double **lengths_s, size_t *n);
	int (*put_heatmap)(store *s, const char *floor, int64_t t_us,
	                   int64_t run, size_t cols, size_t rows,
	                   const float *cells);
	int (*add_heatmap)(store *s, const char *floor, int64_t from_us,
	                   int64_t to_us, int64_t run, size_t cols,
	                   size_t rows, float *cells);
	int (*put_utilization)(store *s, const char *tag, int64_t day_us,
	                       int64_t run, double moving_s, double idle_s);
	int (*utilization)(store *s, const char *tag, int64_t from_day_us,
	                   int64_t to_us, int64_t run, double *moving_s,
	                   double *idle_s);
	int (*purge)(store *s, int64_t before_us, size_t max_rows);
	/* NULL where one trackd has the database to itself: always the
	 * writer, and nothing written before it to leave out. */
	int (*history_writer)(store *s);
	int (*history_newest)(store *s, int64_t *position_us,
	                      int64_t *event_us);
	int64_t (*data_version)(store *s);
	int (*tokens)(store *s, store_token_cb cb, void *ud);
	int (*token_add)(store *s, const char *name, const char *role,
	                 const unsigned char *hash, size_t hash_len,
	                 int64_t created_us, const char *scanners, int64_t *id);
	int (*token_revoke)(store *s, int64_t id, int64_t revoked_us);
	int (*put_audit)(store *s, const struct store_audit *r);
	int (*audit_page)(store *s, struct store_key after, int64_t to_us,
	                  size_t limit, store_audit_cb cb, void *ud);
	int (*backup)(store *s, const char *copy, char *err, size_t errlen);
};

/* The backends (store-sqlite.c, store-pg.c): the front calls them only
 * through these tables, so that they may call the front's helpers. */
extern const struct store_ops store_sqlite__ops;
extern const struct store_ops store_pg__ops;

/* Formats the store's error message. */
void store__set_err(store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Brings the schema up to date with the backend's migrations, all in one
 * transaction; refuses a database newer than this trackd. 0, or -1. */
int store__migrate(store *s);

/* A bound for SQL's LIMIT. */
int64_t store__limit(size_t n);

#endif
