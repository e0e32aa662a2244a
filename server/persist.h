/* trackd's history: what goes from the live state into SQLite (store.h),
 * when, and what comes back at start.
 *
 * Rows are collected in memory (app.batch) and written in one transaction
 * a second (persist_tick(), from the loop's timer). Positions are downsampled
 * per tag; events and alarm changes all go in; each minute the closed
 * occupancy bucket of every zone goes in. An alarm's opening (with the
 * batch it is in) and an acknowledgement are written at once, not at the
 * next timer run.
 *
 * Every function is a no-op (returning success) when trackd runs without
 * --db. All run on the service thread. */
#ifndef TRACKD_PERSIST_H
#define TRACKD_PERSIST_H

#include "app.h"

/* Open the database at path and bring back what it knows: open alarms
 * (and the newest acknowledged ones) and every tag's last position, into
 * the live table, stale by age. instance: this trackd's name among those
 * sharing the database (store_set_instance). Before the lws context
 * exists. 0, or -1 after saying why on stderr. */
int persist_open(struct app *a, const char *path, const char *instance);
/* What is due at now_us: the pending batch written, the closed occupancy
 * buckets, the statistics snapshot, a slice of the retention purge. The
 * loop calls it every PERSIST_EVERY_US. */
void persist_tick(struct app *a, int64_t now_us);
#define PERSIST_EVERY_US INT64_C(1000000)
/* At shutdown: write what is pending, close. */
void persist_close(struct app *a);

/* A tag's position changed (t->pos): kept when it moved, changed zone or
 * floor, or was last kept long enough ago. */
void persist_position(struct app *a, struct live_tag *t);
void persist_event(struct app *a, const track_event *ev);
/* An engine event as the database keeps it (and the API shows it). */
struct store_event persist_event_row(const track_event *ev);
/* An alarm was opened or pressed again: into the next batch. */
void persist_alarm(struct app *a, const struct alarm *al);
/* Write the pending batch now, synced (an alarm was opened: it and its
 * distress event are in it). On failure the rows stay for the timer to
 * retry, as any batch's. */
void persist_now(struct app *a);
/* Rows waiting to be written, and rows only kept: the last seconds of
 * history an instance of a pair holds while the other writes it. */
size_t persist_pending_rows(const struct app *a);
size_t persist_held_rows(const struct app *a);
/* Whether this trackd writes the history (always, alone on its
 * database; for a pair, the holder of the lease). */
bool persist_writes_history(const struct app *a);
/* An acknowledgement: written and synced now. 0, or -1 when it could not
 * be stored (the caller must then not acknowledge). */
int persist_alarm_now(struct app *a, const struct alarm *al);
/* A new alarm (al open, provisional) stored now, synced, by its press
 * (store_claim_alarm): al takes the database's id, that of whichever
 * trackd on the database stored the press first (alarms_set_id), and an
 * acknowledgement already stored there. 1: this trackd stored it first
 * (or runs without --db, where its own id stands); 0: another trackd
 * had; -1: not stored (al stays provisional; persist_tick() tries
 * again). */
int persist_claim(struct app *a, struct alarm *al);
/* Acknowledgements other trackd stored in the database since the last
 * call (store_alarm_changes), into the alarm table (each a new seq for
 * the live stream) and the log. Never waits; the loop calls it at every
 * update. */
void persist_alarm_changes(struct app *a);

#endif
