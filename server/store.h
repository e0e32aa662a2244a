/* trackd's history: positions (downsampled by the caller), events,
 * distress alarms and per-minute zone occupancy; and, beside them, the
 * access tokens and the audit trail. The one interface the rest of trackd
 * uses; two backends behind it, chosen by what --db names (store_open):
 *
 * - a path: SQLite (store-sqlite*.c), one file in WAL mode with
 *   synchronous=NORMAL: a committed batch survives a crash of the process
 *   (kill -9), and only an alarm's opening and acknowledgement
 *   (store_write_synced, store_put_alarm) are also synced to the disk
 *   before they return, so that they survive a power cut too. The schema
 *   version is PRAGMA user_version.
 * - a postgresql:// or postgres:// URL: PostgreSQL through libpq
 *   (store-pg*.c), the same tables, with a schema_version table. The
 *   same promise: a batch's commit does not wait for the server's disk
 *   (synchronous_commit off for it: it survives trackd dying), an
 *   alarm's opening and acknowledgement do. A lost connection (the
 *   server restarted) fails the call it broke and is made again at the
 *   next one, so a failed batch is simply retried.
 *
 * One connection, used from one thread (trackd's service thread); nothing
 * here locks. Times are Unix microseconds, stored as integers. The schema
 * is versioned; store_open() brings an older database up to date in one
 * transaction and refuses a newer one.
 *
 * Writes come in batches (struct store_batch): the caller collects rows
 * and store_write() commits them all in one transaction, or none. */
#ifndef TRACKD_STORE_H
#define TRACKD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest tag id or acknowledger's name kept, including the NUL. */
#define STORE_ID_MAX 64

typedef struct store store;

/* One position of one tag. The strings are borrowed: they must stay valid
 * until the batch holding the row is cleared or freed. zone NULL: none. */
struct store_position {
	const char *tag;
	const char *floor;
	const char *zone;
	int64_t t_us;
	double x, y, r;
	unsigned scanners;  /* in the fix (last positions only); 0: unknown */
	int64_t rowid;      /* read from history only: its store_key */
};

/* One event. type, zone and floor are borrowed like a position's strings
 * (zone and floor may be NULL); the tag is copied. x, y NAN: unknown. */
struct store_event {
	int64_t t_us;
	const char *type;
	char tag[STORE_ID_MAX];
	const char *zone;
	const char *floor;
	double x, y;
	int64_t rowid;      /* read only: its store_key */
};

/* A distress alarm, copied whole. Open while acked is false (acked_by and
 * acked_us are then unused). */
struct store_alarm {
	uint64_t id;
	char tag[STORE_ID_MAX];
	int64_t opened_us;
	int64_t pressed_us;
	bool acked;
	char acked_by[STORE_ID_MAX];
	int64_t acked_us;
};

/* One closed occupancy bucket of one zone; zone is borrowed. */
struct store_occupancy {
	const char *zone;
	int64_t t_us;          /* bucket start */
	double mean;
	unsigned peak;
	double mean_person, mean_asset;
	unsigned peak_person, peak_asset;
};

/* Rows waiting for the next store_write(). Positions are a ring of at most
 * max_positions: when it is full the oldest is dropped (and counted in
 * dropped), so a database that cannot be written costs bounded memory.
 * Events, alarms and occupancy rows are never dropped; they grow. */
struct store_batch {
	struct store_position *pos;
	size_t pos_cap, pos_head, pos_n; /* ring: oldest at pos_head */
	struct store_event *ev;
	size_t ev_n, ev_cap;
	struct store_alarm *al;
	size_t al_n, al_cap;
	struct store_occupancy *occ;
	size_t occ_n, occ_cap;
	uint64_t dropped;      /* positions dropped since init */
};

/* Set up an empty batch holding at most max_positions positions (> 0).
 * 0, or -1 when out of memory (b is then empty and safe to free). */
int store_batch_init(struct store_batch *b, size_t max_positions);
/* Free what init and the adds allocated; a zeroed batch is fine. */
void store_batch_free(struct store_batch *b);
/* Forget every row (after a successful store_write()); keeps dropped. */
void store_batch_clear(struct store_batch *b);
/* Rows waiting. */
size_t store_batch_rows(const struct store_batch *b);

/* Forget the positions before pos_us, the events before ev_us and the
 * occupancy buckets starting before occ_us (not counted as dropped):
 * what an instance that does not write the history keeps is its last
 * seconds, for when it takes over, and one taking over leaves out what
 * the one before it wrote. */
void store_batch_forget(struct store_batch *b, int64_t pos_us, int64_t ev_us,
                        int64_t occ_us);
/* A batch of b's alarm rows alone (borrowed from b: no init, no free),
 * for an instance that does not write the history; and, once written,
 * b without them. */
struct store_batch store_batch_alarms(const struct store_batch *b);
void store_batch_clear_alarms(struct store_batch *b);

/* Add a row (copied; see each row type for what is borrowed): 0, or -1
 * when it is not added, being out of memory or a row the schema refuses
 * (no tag, type or zone; a position or mean that is not finite). A valid
 * position always goes in, pushing the oldest out of a full ring. */
int store_batch_add_position(struct store_batch *b,
                             const struct store_position *p);
int store_batch_add_event(struct store_batch *b, const struct store_event *e);
int store_batch_add_alarm(struct store_batch *b, const struct store_alarm *a);
int store_batch_add_occupancy(struct store_batch *b,
                              const struct store_occupancy *o);

/* Open the database where names and bring its schema up to date: a path
 * (SQLite, the file created if need be) or a postgresql:// URL (the
 * database must exist; its tables are created). 0 and *out set; or -1
 * with why in err (errlen bytes, naming where without its password),
 * *out untouched. The caller frees the store with store_close(). */
int store_open(const char *where, store **out, char *err, size_t errlen);
/* Whether where is a PostgreSQL URL (postgresql:// or postgres://). */
bool store_is_url(const char *where);
/* where as it may be shown (in a log line, an error): a URL's password
 * replaced by ***. */
void store_display_name(const char *where, char *out, size_t len);
/* The history names people and where they were: store_open() (and
 * trackd backup, for its copy) makes the file at path and its -wal and
 * -shm the owner's only, mode 0600, creating path when missing. 0, or -1
 * with why in err. */
int store_make_private(const char *path, char *err, size_t errlen);
/* Close; NULL is a no-op. Pending batches are the caller's to write. */
void store_close(store *s);

/* The schema version of the open database. */
int store_schema_version(const store *s);
/* How many migrations store_open() applied to this file (0 when it was
 * up to date). */
int store_migrations_applied(const store *s);
/* The message of the newest failure, "" when none. Valid until the next
 * call on s. */
const char *store_error(const store *s);

/* The lengths (seconds, malloc'd into *lengths_s, *n of them) of the
 * visits to zone that ended in [from_us, to_us), from the stored zone
 * entries and exits. 0, or -1. */
int store_visits(store *s, const char *zone, int64_t from_us, int64_t to_us,
                 double **lengths_s, size_t *n);

/* Statistics that outlive a restart, kept per run of trackd (run: its
 * start time) and rewritten as they grow. A heatmap row is one floor's
 * grid (cols x rows floats, tag-seconds) for the hour starting at t_us; a
 * utilization row one tag's moving and idle seconds on the day starting
 * at day_us. The readers add the rows of every run but run (the caller's
 * own, which its engine still holds) into what they are given: heatmap
 * rows of hours starting in [from_us, to_us) of the same shape, and
 * utilization of days starting in [from_day_us, to_us). 0, or -1. */
int store_put_heatmap(store *s, const char *floor, int64_t t_us, int64_t run,
                      size_t cols, size_t rows, const float *cells);
int store_add_heatmap(store *s, const char *floor, int64_t from_us,
                      int64_t to_us, int64_t run, size_t cols, size_t rows,
                      float *cells);
int store_put_utilization(store *s, const char *tag, int64_t day_us,
                          int64_t run, double moving_s, double idle_s);
int store_utilization(store *s, const char *tag, int64_t from_day_us,
                      int64_t to_us, int64_t run, double *moving_s,
                      double *idle_s);

/* This trackd's name among the instances that share the database (its
 * --mqtt-client-id; "" for one alone) and its run (its start time). The
 * statistics are each instance's own: store_put_heatmap and
 * store_put_utilization write under the name, store_add_heatmap and
 * store_utilization read the rows of that name (and those written before
 * instances had names) only, so that the two of a pair, which count the
 * same tags, are never added up. The history writer's lease is held in
 * the name and run. Call it before those; a longer name is cut. */
void store_set_instance(store *s, const char *name, int64_t run);

/* How long the history writer's lease lasts unrenewed (seconds). */
#define STORE_WRITER_LEASE_S 5

/* Whether this trackd writes the history (positions, last positions,
 * events, occupancy), which would otherwise be written once by each
 * instance of a pair: 1, 0 while another instance does, or -1
 * (store_error()). SQLite: always (one trackd per file). PostgreSQL: a
 * lease in the database, which each call renews (trackd calls it every
 * second) and another instance takes once it has gone unrenewed for
 * STORE_WRITER_LEASE_S by the database's clock: an instance that died in
 * any way, its machine with it, hands the history over within that. */
int store_history_writer(store *s);

/* The newest last-position time and event time stored (0 when none), so
 * that an instance taking the history over leaves out what the one
 * before it wrote already. 0, or -1. */
int store_history_newest(store *s, int64_t *position_us, int64_t *event_us);

/* The statistics snapshot (store_put_heatmap and store_put_utilization
 * of one run's hours and days) goes in whole or not at all: begin, the
 * puts, then commit; on any failure rollback. 0, or -1 (store_error()
 * says why). */
int store_stats_begin(store *s);
int store_stats_commit(store *s);
void store_stats_rollback(store *s);

/* Retention: delete positions and events older than before_us, and last
 * positions not renewed since, at most about max_rows of them (so that a
 * long backlog is worked off in slices, never in one long stall). The
 * number deleted (0 when nothing is left to do), or -1. Alarms, occupancy
 * (aggregates) and the audit trail are kept. */
int store_purge(store *s, int64_t before_us, size_t max_rows);

/* Commit every row of b in one transaction: all of them or, on failure,
 * none (b is left as it was, to be tried again). Positions also update
 * the tag's last known position. Alarms are upserted by id, and an
 * acknowledgement already stored is never undone by an older copy.
 * 0, or -1 (store_error() says why: a locked or full disk, say). */
int store_write(store *s, const struct store_batch *b);

/* store_write(), synced to disk before it returns (a batch holding an
 * alarm's opening, which must outlive a crash or a power cut like an
 * acknowledgement). 0, or -1. */
int store_write_synced(store *s, const struct store_batch *b);

/* Store one alarm now, in a transaction of its own synced to disk before
 * returning (for acknowledgements, which must never be lost). Same upsert
 * rule as store_write(). 0, or -1. */
int store_put_alarm(store *s, const struct store_alarm *a);

/* A new alarm's press, stored by its key (a->tag, a->opened_us), which
 * every trackd on the database agrees on (the engine is deterministic:
 * two fed the same reports see the same press at the same time): the row
 * is made when no one has made it yet, with an id the database picks;
 * else the row there takes a->pressed_us when it is newer. Either way *a
 * becomes the row as stored (its id, newest press, acknowledgement), in
 * a transaction of its own synced to disk like an acknowledgement. 1:
 * this call made the row; 0: another trackd (or an earlier call) had;
 * -1: error, *a unchanged. a->id is not read. */
int store_claim_alarm(store *s, struct store_alarm *a);

/* Query callbacks get rows whose strings are valid during the call only;
 * returning nonzero stops the query (the query then returns 0). */
typedef int (*store_position_cb)(void *ud, const struct store_position *p);
typedef int (*store_event_cb)(void *ud, const struct store_event *e);
typedef int (*store_alarm_cb)(void *ud, const struct store_alarm *a);
typedef int (*store_occupancy_cb)(void *ud,
                                  const struct store_occupancy *o);

/* Alarms another process acknowledged in the database since the last
 * call, each handed to cb as stored (cb may get an alarm it knows
 * already, or open rows, and ignores them). Does not wait: PostgreSQL's
 * notifications (LISTEN) are read from what the connection has, and on a
 * new connection (the first, or one made again after a loss) every open
 * alarm and the newest acknowledged ones stand for what was missed;
 * SQLite has none (one trackd per file). 0, or -1 (the connection is
 * lost: the next write makes it again). */
int store_alarm_changes(store *s, store_alarm_cb cb, void *ud);

/* The longest window store_history() takes (its cost grows with the
 * window, not only with the rows in it). */
#define STORE_HISTORY_MAX_US (31 * 86400 * (int64_t)1000000)

/* Where a read in pages resumes: after the row (t_us, rowid), in the
 * order of (t, rowid), in which every row has a place of its own. The
 * last row of a page keys the next, so that no row comes twice or is
 * skipped, however many share a time; STORE_KEY_AT(t) starts at time t
 * (no row has the smallest rowid). The *_page reads take rows with
 * after < (t, rowid) and t < to_us; the others are the same from
 * STORE_KEY_AT(from_us). Events go the other way (store_events_page). */
struct store_key {
	int64_t t_us;
	int64_t rowid;
};
#define STORE_KEY_AT(t) ((struct store_key){ (t), INT64_MIN })

/* Positions of tag with from_us <= t < to_us, oldest first, at most limit
 * of them. 0, or -1 (also for a window longer than STORE_HISTORY_MAX_US). */
int store_history(store *s, const char *tag, int64_t from_us, int64_t to_us,
                  size_t limit, store_position_cb cb, void *ud);
int store_history_page(store *s, const char *tag, struct store_key after,
                       int64_t to_us, size_t limit, store_position_cb cb,
                       void *ud);
/* store_history_page() for every tag on floor: their positions in the
 * order of (t, rowid), tag set in each row. 0, or -1. */
int store_floor_history_page(store *s, const char *floor,
                             struct store_key after, int64_t to_us,
                             size_t limit, store_position_cb cb, void *ud);
/* Whether any position of tag is stored: 1 yes, 0 no, -1 error. */
int store_has_tag(store *s, const char *tag);
/* The newest stored position of every tag, newest first (a callback that
 * returns nonzero ends it). 0, or -1. */
int store_last_positions(store *s, store_position_cb cb, void *ud);
/* Forget the last positions of tags not in listed_json (a JSON array of
 * the site's tag ids) whose last fix had fewer than min_scanners scanners
 * (or an unknown number); their history stays. The rows deleted, or -1. */
int store_purge_stray_last(store *s, const char *listed_json,
                           unsigned min_scanners);
/* Events with from_us <= t < to_us, newest first (what a guard asks for
 * first), at most limit; tag and type narrow when not NULL. 0, or -1. */
int store_events(store *s, int64_t from_us, int64_t to_us, const char *tag,
                 const char *type, size_t limit, store_event_cb cb,
                 void *ud);
/* The same read in pages: the events before the key (t, rowid) < before,
 * back to from_us; the last row of a page keys the next.
 * STORE_KEY_AT(to_us) starts at to_us. */
int store_events_page(store *s, int64_t from_us, struct store_key before,
                      const char *tag, const char *type, size_t limit,
                      store_event_cb cb, void *ud);
/* Every open alarm and the newest max_acked acknowledged ones, by id.
 * *max_id (may be NULL) gets the largest id ever stored, 0 when none.
 * 0, or -1. */
int store_alarms(store *s, size_t max_acked, uint64_t *max_id,
                 store_alarm_cb cb, void *ud);
/* Occupancy buckets of zone starting in [from_us, to_us), oldest first.
 * 0, or -1. */
int store_occupancy(store *s, const char *zone, int64_t from_us,
                    int64_t to_us, store_occupancy_cb cb, void *ud);

/* Access (store-tokens.c). A token, as kept: only its hash; a revoked one
 * stays, so that the audit trail can name it. scanners: the JSON array of
 * the scanner ids it may report for, NULL for any. Strings and hash are
 * valid during the callback only. */
struct store_token {
	int64_t id;
	const char *name;
	const char *role;
	const unsigned char *hash;
	size_t hash_len;
	int64_t created_us;
	bool revoked;
	int64_t revoked_us;
	const char *scanners;
};

/* One audit row: when, which token (0: none, access was open, or a
 * person signed in with the provider: subject), its name
 * and role, what was done, to whom, from where (strings may be NULL;
 * copied on put, valid during the callback on read). */
struct store_audit {
	int64_t t_us;
	int64_t token;
	const char *name;
	const char *role;
	const char *action;
	const char *whom;
	const char *peer;
	const char *subject; /* a person signed in with the OpenID provider:
	                      * its sub (name holds their name or email) */
	int64_t rowid;      /* read only: its store_key */
};

typedef int (*store_token_cb)(void *ud, const struct store_token *t);
typedef int (*store_audit_cb)(void *ud, const struct store_audit *r);

/* A number that changes when another connection (trackd token, say)
 * changes the tokens (SQLite: any commit to the file, PRAGMA
 * data_version; PostgreSQL: a counter a trigger on tokens bumps), or -1. */
int64_t store_data_version(store *s);
/* Every token, revoked ones too, by id. 0, or -1. */
int store_tokens(store *s, store_token_cb cb, void *ud);
/* Keep a new token (hash_len bytes of hash); *id (may be NULL) gets its
 * id. 0, or -1. */
int store_token_add(store *s, const char *name, const char *role,
                    const unsigned char *hash, size_t hash_len,
                    int64_t created_us, const char *scanners, int64_t *id);
/* Revoke token id at revoked_us: 1 done, 0 no such token or revoked
 * already, -1 error. */
int store_token_revoke(store *s, int64_t id, int64_t revoked_us);
/* Append one audit row (autocommit: it is kept at once). 0, or -1. */
int store_put_audit(store *s, const struct store_audit *r);
/* Audit rows with from_us <= t < to_us, oldest first, at most limit.
 * 0, or -1. */
int store_audit(store *s, int64_t from_us, int64_t to_us, size_t limit,
                store_audit_cb cb, void *ud);
int store_audit_page(store *s, struct store_key after, int64_t to_us,
                     size_t limit, store_audit_cb cb, void *ud);

/* A consistent copy of the open database at copy, made while trackd may
 * be writing, mode 0600 (store_make_private): SQLite's backup API (the
 * copy is a database file), or pg_dump's custom format for PostgreSQL
 * (restored with pg_restore). 0, or -1 with why in err (errlen bytes). */
int store_backup(store *s, const char *copy, char *err, size_t errlen);

#endif
