/* From the live state into SQLite and back: see persist.h. */
#include "persist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "restore.h"

_Static_assert(TRACK_ID_MAX <= STORE_ID_MAX,
               "tag ids are copied whole into the store's rows");

/* Rows are written once a second, in one transaction. A crash (kill -9)
 * loses at most this much history, as DESIGN.md promises; and one commit
 * a second keeps SQLite's fixed cost per transaction (the write lock, the
 * WAL frame headers) small beside the rows of 10,000 tags. Shorter would
 * lose less and cost more per row; longer would make the write that
 * stalls the service thread longer. */

/* Downsampling: a tag's position is kept when it moved this far from the
 * last one kept (about the uncertainty of a good fix, so a tag standing
 * still is not kept again for its noise) ... */
#define KEEP_MOVE_M 0.5
/* ... or when the last one kept is this old (so a history shows where a
 * still tag was, and when it was last heard, to within this), or when its
 * floor or zone changed. */
#define KEEP_EVERY_US (30 * INT64_C(1000000))

/* Positions waiting while the database cannot be written (locked, disk
 * full): 30 s of 10,000 tags moving, about 17 MB. Past it the oldest are
 * dropped; events and alarm changes never are. */
#define MAX_PENDING_POSITIONS 300000

/* Occupancy buckets written per timer run when catching up. */
#define OCC_CATCH_UP 10

static bool
same(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

void
persist_position(struct app *a, struct live_tag *t)
{
	const track_position *p = &t->pos;

	if (!a->store)
		return;
	if (t->kept.set && p->t_us - t->kept.t_us < KEEP_EVERY_US &&
	    hypot(p->x - t->kept.x, p->y - t->kept.y) <= KEEP_MOVE_M &&
	    same(p->floor, t->kept.floor) && same(p->zone, t->kept.zone))
		return;
	if (store_batch_add_position(&a->batch,
	                             &(struct store_position){
	                                     .tag = t->id,
	                                     .floor = p->floor,
	                                     .zone = p->zone,
	                                     .t_us = p->t_us,
	                                     .x = p->x,
	                                     .y = p->y,
	                                     .r = p->r,
	                                     .scanners = p->n_scanners,
	                             }) < 0)
		return;
	t->kept.set = true;
	t->kept.t_us = p->t_us;
	t->kept.x = p->x;
	t->kept.y = p->y;
	t->kept.floor = p->floor;
	t->kept.zone = p->zone;
}

struct store_event
persist_event_row(const track_event *ev)
{
	struct store_event row = {
		.t_us = ev->t_us,
		.type = track_event_name(ev->type),
		.zone = ev->zone,
		.floor = ev->floor,
		.x = ev->x,
		.y = ev->y,
	};

	snprintf(row.tag, sizeof row.tag, "%s", ev->tag);
	return row;
}

void
persist_event(struct app *a, const track_event *ev)
{
	struct store_event row;

	if (!a->store)
		return;
	row = persist_event_row(ev);
	if (store_batch_add_event(&a->batch, &row) < 0)
		log_err("db: out of memory: %s event of %s not kept\n",
		        row.type, row.tag);
}

/* The alarm as the database keeps it. */
static struct store_alarm
alarm_row(const struct alarm *al)
{
	struct store_alarm row = {
		.id = al->id,
		.opened_us = al->opened_us,
		.pressed_us = al->pressed_us,
		.acked = !al->open,
		.acked_us = al->acked_us,
	};

	snprintf(row.tag, sizeof row.tag, "%s", al->tag);
	snprintf(row.acked_by, sizeof row.acked_by, "%s", al->acked_by);
	return row;
}

void
persist_alarm(struct app *a, const struct alarm *al)
{
	struct store_alarm row;

	if (!a->store)
		return;
	row = alarm_row(al);
	if (store_batch_add_alarm(&a->batch, &row) < 0)
		log_err("db: out of memory: alarm %llu change not kept\n",
		        (unsigned long long)row.id);
}

static void
note_failure(struct app *a, const char *what)
{
	const char *why = store_error(a->store);

	a->db_failures++;
	/* Once per cause, not once a second. */
	if (!a->db_degraded || strcmp(a->db_error, why) != 0)
		log_err("db: %s: %s\n", what, why);
	snprintf(a->db_error, sizeof a->db_error, "%s", why);
	a->db_degraded = true;
}

int
persist_alarm_now(struct app *a, const struct alarm *al)
{
	struct store_alarm row;

	if (!a->store)
		return 0;
	row = alarm_row(al);
	if (store_put_alarm(a->store, &row) < 0) {
		note_failure(a, "cannot store an acknowledgement");
		return -1;
	}
	return 0;
}

int
persist_claim(struct app *a, struct alarm *al)
{
	struct store_alarm row;
	int rc;

	if (!a->store) {
		alarms_set_id(&a->alarms, al, al->id);
		return 1;
	}
	row = alarm_row(al);
	rc = store_claim_alarm(a->store, &row);
	if (rc < 0) {
		note_failure(a, "cannot store an alarm (kept, retried each "
		                "second)");
		return -1;
	}
	alarms_set_id(&a->alarms, al, row.id);
	if (row.acked) {
		/* Acknowledged on another trackd before this one stored it. */
		struct alarm stored = *al;

		stored.open = false;
		snprintf(stored.acked_by, sizeof stored.acked_by, "%s",
		         row.acked_by);
		stored.acked_us = row.acked_us;
		alarms_acked_elsewhere(&a->alarms, &stored);
	}
	return rc;
}

/* Open alarms whose press could not be stored when they opened: once a
 * second, until the database takes them. */
static void
claim_pending(struct app *a)
{
	for (size_t i = 0; i < a->alarms.n; i++) {
		struct alarm *al = &a->alarms.list[i];
		uint64_t was = al->id;

		if (!al->open || !al->provisional)
			continue;
		if (persist_claim(a, al) < 0)
			return;
		log_user("alarm %llu stored, as alarm %llu\n",
		         (unsigned long long)was, (unsigned long long)al->id);
	}
}

static int
changed_alarm(void *ud, const struct store_alarm *row)
{
	struct app *a = ud;
	struct alarm stored = { .id = row->id, .open = !row->acked,
		                .acked_us = row->acked_us };
	const struct alarm *al;
	char note[4 * sizeof stored.acked_by];

	snprintf(stored.acked_by, sizeof stored.acked_by, "%s",
	         row->acked_by);
	al = alarms_acked_elsewhere(&a->alarms, &stored);
	if (!al)
		return 0;
	/* Typed by a person: escaped, so that it forges no log line. */
	escape_log(note, sizeof note, al->acked_by);
	log_user("alarm %llu acknowledged on another trackd (note \"%s\")\n",
	         (unsigned long long)al->id, note);
	return 0;
}

void
persist_alarm_changes(struct app *a)
{
	/* A failure is the lost connection, which the writes report (and
	 * make again) each second: not logged here too. */
	if (a->store)
		store_alarm_changes(a->store, changed_alarm, a);
}

static void
keep_bucket(struct app *a, const char *zone, int64_t from_us, int64_t to_us)
{
	track_occupancy o;
	size_t n = 0;
	struct store_occupancy row;

	if (track_engine_occupancy(a->engine, zone, from_us, to_us, &o, 1,
	                           &n) != TRACK_OK ||
	    n < 1)
		return;
	row = (struct store_occupancy){
		.zone = zone,
		.t_us = o.t_us,
		.mean = o.mean,
		.peak = o.peak,
		.mean_person = o.mean_kind[TRACK_TAG_PERSON],
		.mean_asset = o.mean_kind[TRACK_TAG_ASSET],
		.peak_person = o.peak_kind[TRACK_TAG_PERSON],
		.peak_asset = o.peak_kind[TRACK_TAG_ASSET],
	};
	if (store_batch_add_occupancy(&a->batch, &row) < 0)
		log_err("db: out of memory: occupancy of %s not kept\n", zone);
}

/* Every zone's bucket that closed (and settled) since the last run. */
static void
keep_occupancy(struct app *a, int64_t now_us)
{
	const track_site_zone *zones;
	size_t nz = track_site_zones(a->site, &zones);
	int64_t bu = a->cfg.stats_bucket_us;
	/* Zone hysteresis moves time between buckets after the fact: wait
	 * until no crossing can still land in the bucket. */
	int64_t settle = (a->cfg.zone_enter_us > a->cfg.zone_exit_us
	                          ? a->cfg.zone_enter_us
	                          : a->cfg.zone_exit_us) +
	                 2 * a->tick_us;

	for (int k = 0; k < OCC_CATCH_UP &&
	                a->occ_next_us + bu + settle <= now_us;
	     k++) {
		int64_t b = a->occ_next_us;

		for (size_t z = 0; z < nz; z++)
			keep_bucket(a, zones[z].id, b, b + bu);
		a->occ_next_us = b + bu;
	}
}

/* What the instance of a pair that does not write the history keeps of
 * it: the last seconds, which it writes when it takes over (past the
 * lease, STORE_WRITER_LEASE_S, and what the other wrote last). An
 * occupancy bucket is closed later than a position (a minute, and the
 * zones' settling): its rows are kept longer. */
#define HELD_US (30 * INT64_C(1000000))
#define HELD_OCCUPANCY_US (180 * INT64_C(1000000))

/* Whether this trackd writes the history now (store_history_writer), and
 * what changes when that changes: 1, 0, or -1 (the database is away). */
static int
writer_now(struct app *a)
{
	int w = store_history_writer(a->store);
	int64_t pos_us, ev_us;

	if (w < 0)
		return -1;
	if (w && !a->history_writer) {
		/* Taking over (or starting): what the instance before wrote
		 * is left out. */
		if (store_history_newest(a->store, &pos_us, &ev_us) < 0)
			return -1;
		store_batch_forget(&a->batch, pos_us + 1, ev_us + 1, 0);
	}
	if (a->db_shared && (!a->history_known || w != a->history_writer))
		log_user("db: %s\n", w ? "this trackd writes the history now"
		                       : "another trackd writes the history; "
		                         "this one keeps its last seconds");
	a->history_writer = w;
	a->history_known = true;
	return w;
}

/* Write the batch: on success it is emptied; on failure it is kept for the
 * next run, and trackd reports itself degraded until a write succeeds.
 * While another instance writes the history, only the alarms are written
 * (each instance stores its own presses and acknowledgements). */
static void
flush(struct app *a, bool synced)
{
	size_t rows = store_batch_rows(&a->batch);
	uint64_t dropped = a->batch.dropped;
	struct store_batch alarms_only;
	const struct store_batch *b = &a->batch;
	int w;
	double t0;

	if (rows == 0)
		return;
	t0 = app_mono_s();
	if ((w = writer_now(a)) < 0) {
		note_failure(a, "cannot reach the database (rows kept, "
		                "retried each second)");
		return;
	}
	if (!w) {
		int64_t now = app_now_us();

		store_batch_forget(&a->batch, now - HELD_US, now - HELD_US,
		                   now - HELD_OCCUPANCY_US);
		alarms_only = store_batch_alarms(&a->batch);
		b = &alarms_only;
		rows = store_batch_rows(b);
	}
	if (rows && (synced ? store_write_synced(a->store, b)
	                    : store_write(a->store, b)) < 0) {
		char what[96];

		snprintf(what, sizeof what,
		         "cannot write %zu rows (kept, retried each second)",
		         rows);
		note_failure(a, what);
		return;
	}
	a->db_write_seconds += app_mono_s() - t0;
	a->db_batches += rows > 0;
	a->db_rows += rows;
	if (w)
		store_batch_clear(&a->batch);
	else
		store_batch_clear_alarms(&a->batch);
	if (a->db_degraded)
		log_user("db: written again (%zu rows; %llu positions dropped "
		         "in all)\n", rows, (unsigned long long)dropped);
	a->db_degraded = false;
	a->db_error[0] = '\0';
}

bool
persist_writes_history(const struct app *a)
{
	return a->store && (!a->db_shared || a->history_writer);
}

size_t
persist_pending_rows(const struct app *a)
{
	if (!a->store)
		return 0;
	return persist_writes_history(a) ? store_batch_rows(&a->batch)
	                                 : a->batch.al_n;
}

size_t
persist_held_rows(const struct app *a)
{
	return a->store ? store_batch_rows(&a->batch) - persist_pending_rows(a)
	                : 0;
}

void
persist_now(struct app *a)
{
	if (a->store)
		flush(a, true);
}

/* This run's heatmap and utilization, from the engine into the database
 * every few minutes and at exit, so that a restart (or a crash, losing
 * at most SNAP_EVERY_US) does not wipe the reports: the hours and days
 * touched since the last snapshot, rewritten whole, in one transaction. */
#define SNAP_EVERY_US (300 * INT64_C(1000000))
#define DAY_US (86400 * INT64_C(1000000))

static int
snapshot_heat(struct app *a, int64_t from, int64_t now)
{
	const track_site *site = track_site_engine(a->site);
	int64_t hb = a->cfg.heatmap_bucket_us;

	for (size_t f = 0; f < site->n_floors; f++) {
		const char *floor = site->floors[f].id;
		size_t cols, rows;
		double cell, x0, y0;
		float *grid;

		if (track_engine_heatmap(a->engine, floor, 0, 1, NULL, 0, &cols,
		                         &rows, &cell, &x0, &y0) == TRACK_ENOENT)
			continue;
		grid = malloc(cols * rows * sizeof *grid);
		if (!grid)
			return -1;
		for (int64_t h = from / hb * hb; h <= now; h += hb) {
			track_engine_heatmap(a->engine, floor, h, h + hb, grid,
			                     cols * rows, &cols, &rows, &cell, &x0,
			                     &y0);
			if (store_put_heatmap(a->store, floor, h, a->started_us,
			                      cols, rows, grid) < 0) {
				free(grid);
				return -1;
			}
		}
		free(grid);
	}
	return 0;
}

static int
snapshot_utilization(struct app *a, int64_t from, int64_t now)
{
	const track_site_tag *tags;
	size_t nt = track_site_tags(a->site, &tags);

	for (int64_t d = from / DAY_US * DAY_US; d <= now; d += DAY_US)
		for (size_t i = 0; i < nt; i++) {
			double moving = 0, idle = 0;

			if (tags[i].kind != TRACK_TAG_ASSET)
				continue;
			track_engine_utilization(a->engine, tags[i].id, d,
			                         d + DAY_US, &moving, &idle);
			if (moving + idle <= 0)
				continue;
			if (store_put_utilization(a->store, tags[i].id, d,
			                          a->started_us, moving,
			                          idle) < 0)
				return -1;
		}
	return 0;
}

static void
snapshot(struct app *a, int64_t now, bool at_exit)
{
	int64_t from = a->snap_last_us ? a->snap_last_us : a->started_us;
	double t0 = app_mono_s();

	if (!at_exit && now - from < SNAP_EVERY_US)
		return;
	if (store_stats_begin(a->store) < 0 ||
	    snapshot_heat(a, from, now) < 0 ||
	    snapshot_utilization(a, from, now) < 0 ||
	    store_stats_commit(a->store) < 0) {
		log_err("db: statistics snapshot: %s\n",
		        store_error(a->store));
		store_stats_rollback(a->store);
		return; /* tried again at the next flush */
	}
	a->snap_last_us = now;
	a->db_write_seconds += app_mono_s() - t0;
}

/* Retention: personal history older than the setting goes, hourly, in
 * slices of PURGE_SLICE rows a second until the backlog is gone. */
#define PURGE_SLICE 5000
#define PURGE_EVERY_US (3600 * INT64_C(1000000))

static void
purge(struct app *a, int64_t now)
{
	int n;

	if (a->retention_us <= 0 || !a->store || now < a->purge_next_us)
		return;
	n = store_purge(a->store, now - a->retention_us, PURGE_SLICE);
	if (n < 0) {
		log_err("db: retention purge: %s\n", store_error(a->store));
		a->purge_next_us = now + 60 * INT64_C(1000000);
		return;
	}
	a->purged_rows += (uint64_t)n;
	a->purge_next_us = n >= PURGE_SLICE ? now : now + PURGE_EVERY_US;
}

void
persist_tick(struct app *a, int64_t now_us)
{
	if (!a->store)
		return;
	keep_occupancy(a, now_us);
	claim_pending(a);
	flush(a, false);
	snapshot(a, now_us, false);
	purge(a, now_us);
}

void
persist_close(struct app *a)
{
	if (!a->store)
		return;
	flush(a, false);
	snapshot(a, app_now_us(), true);
	if (a->db_degraded)
		log_err("db: %zu rows not written at exit\n",
		        store_batch_rows(&a->batch));
	store_close(a->store);
	a->store = NULL;
	store_batch_free(&a->batch);
}

int
persist_open(struct app *a, const char *path, const char *instance)
{
	char err[512];
	int64_t bu = a->cfg.stats_bucket_us;

	a->started_us = app_now_us();
	/* Only whole buckets are kept: the one trackd starts in is partial
	 * (and may have a row from before a restart that must stay). */
	a->occ_next_us = (a->started_us / bu + 1) * bu;
	if (store_open(path, &a->store, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: --db %s\n", err);
		return -1;
	}
	store_set_instance(a->store, instance, a->started_us);
	a->db_shared = store_is_url(path);
	if (store_batch_init(&a->batch, MAX_PENDING_POSITIONS) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		goto fail;
	}
	if (store_migrations_applied(a->store))
		log_user("db %s: schema version %d\n", path,
		         store_schema_version(a->store));
	if (restore_open(a, path) < 0)
		goto fail;
	return 0;
fail:
	store_batch_free(&a->batch);
	store_close(a->store);
	a->store = NULL;
	return -1;
}
