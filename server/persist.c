/* From the live state into SQLite and back: see persist.h. */
#include "persist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "alarms.h"

_Static_assert(TRACK_ID_MAX <= STORE_ID_MAX,
               "tag ids are copied whole into the store's rows");

/* Rows are written once a second, in one transaction. A crash (kill -9)
 * loses at most this much history, as DESIGN.md promises; and one commit
 * a second keeps SQLite's fixed cost per transaction (the write lock, the
 * WAL frame headers) small beside the rows of 10,000 tags. Shorter would
 * lose less and cost more per row; longer would make the write that
 * stalls the service thread longer. */
#define FLUSH_US (1 * LWS_US_PER_SEC)

/* Downsampling: a tag's position is kept when it moved this far from the
 * last one kept (about the uncertainty of a good fix, so a tag standing
 * still is not kept again for its noise) ... */
#define KEEP_MOVE_M 0.5
/* ... or when the last one kept is this old (so a history shows where a
 * still tag was, and when it was last heard, to within this), or when its
 * floor or zone changed. */
#define KEEP_EVERY_US (30 * LWS_US_PER_SEC)

/* Positions waiting while the database cannot be written (locked, disk
 * full): 30 s of 10,000 tags moving, about 17 MB. Past it the oldest are
 * dropped; events and alarm changes never are. */
#define MAX_PENDING_POSITIONS 300000

/* Acknowledged alarms brought back at start besides every open one, so
 * that the alarm list still shows who answered the latest calls. */
#define RESTORE_ACKED 100

/* At start, a tag the site does not list comes back only when its last
 * fix was made by at least this many scanners, in the last hour, and only
 * the newest of them: a flood of random ids (each heard by one scanner)
 * must not fill the live table with stale junk after a restart. The
 * site's own tags always come back. */
#define RESTORE_MIN_SCANNERS 2
#define RESTORE_UNLISTED_US (3600 * LWS_US_PER_SEC)
#define RESTORE_UNLISTED_MAX 1000

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
		lwsl_err("db: out of memory: %s event of %s not kept\n",
		         row.type, row.tag);
}

void
persist_alarm(struct app *a, const struct store_alarm *row)
{
	if (a->store && store_batch_add_alarm(&a->batch, row) < 0)
		lwsl_err("db: out of memory: alarm %llu change not kept\n",
		         (unsigned long long)row->id);
}

static void
note_failure(struct app *a, const char *what)
{
	const char *why = store_error(a->store);

	a->db_failures++;
	/* Once per cause, not once a second. */
	if (!a->db_degraded || strcmp(a->db_error, why) != 0)
		lwsl_err("db: %s: %s\n", what, why);
	snprintf(a->db_error, sizeof a->db_error, "%s", why);
	a->db_degraded = true;
}

int
persist_alarm_now(struct app *a, const struct store_alarm *row)
{
	if (!a->store)
		return 0;
	if (store_put_alarm(a->store, row) < 0) {
		note_failure(a, "cannot store an acknowledgement");
		return -1;
	}
	return 0;
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
		lwsl_err("db: out of memory: occupancy of %s not kept\n", zone);
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

/* Write the batch: on success it is emptied; on failure it is kept for the
 * next run, and trackd reports itself degraded until a write succeeds. */
static void
flush(struct app *a, bool synced)
{
	size_t rows = store_batch_rows(&a->batch);
	uint64_t dropped = a->batch.dropped;
	double t0;

	if (rows == 0)
		return;
	t0 = app_mono_s();
	if ((synced ? store_write_synced(a->store, &a->batch)
	            : store_write(a->store, &a->batch)) < 0) {
		char what[96];

		snprintf(what, sizeof what,
		         "cannot write %zu rows (kept, retried each second)",
		         rows);
		note_failure(a, what);
		return;
	}
	a->db_write_seconds += app_mono_s() - t0;
	a->db_batches++;
	a->db_rows += rows;
	store_batch_clear(&a->batch);
	if (a->db_degraded)
		lwsl_user("db: written again (%zu rows; %llu positions dropped "
		          "in all)\n", rows, (unsigned long long)dropped);
	a->db_degraded = false;
	a->db_error[0] = '\0';
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
#define SNAP_EVERY_US (300 * LWS_US_PER_SEC)
#define DAY_US (86400 * LWS_US_PER_SEC)

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
	sqlite3 *db = store_db(a->store);
	int64_t from = a->snap_last_us ? a->snap_last_us : a->started_us;
	double t0 = app_mono_s();

	if (!at_exit && now - from < SNAP_EVERY_US)
		return;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	            SQLITE_OK ||
	    snapshot_heat(a, from, now) < 0 ||
	    snapshot_utilization(a, from, now) < 0 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		lwsl_err("db: statistics snapshot: %s\n", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return; /* tried again at the next flush */
	}
	a->snap_last_us = now;
	a->db_write_seconds += app_mono_s() - t0;
}

/* Retention: personal history older than the setting goes, hourly, in
 * slices of PURGE_SLICE rows a second until the backlog is gone. */
#define PURGE_SLICE 5000
#define PURGE_EVERY_US (3600 * LWS_US_PER_SEC)

static void
purge(struct app *a, int64_t now)
{
	int n;

	if (a->retention_us <= 0 || !a->store || now < a->purge_next_us)
		return;
	n = store_purge(a->store, now - a->retention_us, PURGE_SLICE);
	if (n < 0) {
		lwsl_err("db: retention purge: %s\n", store_error(a->store));
		a->purge_next_us = now + 60 * LWS_US_PER_SEC;
		return;
	}
	a->purged_rows += (uint64_t)n;
	a->purge_next_us = n >= PURGE_SLICE ? now : now + PURGE_EVERY_US;
}

static void
flush_cb(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, flush);

	keep_occupancy(a, app_now_us());
	flush(a, false);
	snapshot(a, app_now_us(), false);
	purge(a, app_now_us());
	lws_sul_schedule(a->context, 0, &a->flush, flush_cb, FLUSH_US);
}

void
persist_start(struct app *a)
{
	if (a->store)
		lws_sul_schedule(a->context, 0, &a->flush, flush_cb, FLUSH_US);
}

void
persist_close(struct app *a)
{
	if (!a->store)
		return;
	lws_sul_cancel(&a->flush);
	flush(a, false);
	snapshot(a, app_now_us(), true);
	if (a->db_degraded)
		lwsl_err("db: %zu rows not written at exit\n",
		         store_batch_rows(&a->batch));
	store_close(a->store);
	a->store = NULL;
	store_batch_free(&a->batch);
}

/* ---- at start ------------------------------------------------------------ */

struct restored {
	struct app *a;
	size_t tags, skipped, unlisted, alarms, open;
};

static const char *
site_floor(const struct app *a, const char *id)
{
	const track_site *site = track_site_engine(a->site);

	for (size_t f = 0; id && f < site->n_floors; f++)
		if (strcmp(site->floors[f].id, id) == 0)
			return site->floors[f].id;
	return NULL;
}

static const char *
site_zone(const struct app *a, const char *id)
{
	const track_site_zone *zones;
	size_t n = track_site_zones(a->site, &zones);

	for (size_t z = 0; id && z < n; z++)
		if (strcmp(zones[z].id, id) == 0)
			return zones[z].id;
	return NULL;
}

/* zone_here and zone_near of a restored position, by the engine's rule
 * (the first zone of the floor holding (x, y); the nearest other zone
 * within r, none when (x, y) is deeper than r inside its own). Not
 * stored: they follow from x, y, r and the site, and the next fix
 * replaces them. */
static void
restore_zones(const struct app *a, track_position *p)
{
	const track_site_zone *zs;
	size_t n = track_site_zones(a->site, &zs), here;
	double best = p->r, d;

	for (here = 0; here < n; here++)
		if (strcmp(zs[here].floor, p->floor) == 0 &&
		    track_polygon_contains(zs[here].polygon, zs[here].n_points,
		                           p->x, p->y))
			break;
	if (here < n) {
		p->zone_here = zs[here].id;
		if (track_polygon_distance(zs[here].polygon, zs[here].n_points,
		                           p->x, p->y) > p->r)
			return;
	}
	for (size_t z = 0; z < n; z++) {
		if (z == here || strcmp(zs[z].floor, p->floor) != 0)
			continue;
		d = track_polygon_contains(zs[z].polygon, zs[z].n_points, p->x,
		                           p->y)
		            ? 0.0
		            : track_polygon_distance(zs[z].polygon,
		                                     zs[z].n_points, p->x, p->y);
		if (d <= best) {
			best = d;
			p->zone_near = zs[z].id;
		}
	}
}

/* A last position into the live table. Its strings must outlive the
 * query, so they are the site's own (a floor the site no longer has is
 * skipped). The engine knows nothing of it: the tag's next fix replaces
 * it. */
static int
restore_position(void *ud, const struct store_position *p)
{
	struct restored *r = ud;
	struct app *a = r->a;
	const char *floor = site_floor(a, p->floor);
	const track_site_tag *info = app_site_tag(a, p->tag);
	struct live_tag *t;

	if (!info && (p->scanners < RESTORE_MIN_SCANNERS ||
	              a->started_us - p->t_us > RESTORE_UNLISTED_US ||
	              r->unlisted >= RESTORE_UNLISTED_MAX)) {
		r->skipped++;
		return 0;
	}
	if (!floor || strlen(p->tag) >= TRACK_ID_MAX ||
	    !(t = app_live_slot(a, p->tag))) {
		r->skipped++;
		return 0;
	}
	r->unlisted += !info;
	t->pos = (track_position){
		.tag = t->id,
		.floor = floor,
		.x = p->x,
		.y = p->y,
		.r = p->r,
		.t_us = p->t_us,
		.heard_us = p->t_us,
		.zone = site_zone(a, p->zone),
		.kind = info ? info->kind : TRACK_TAG_UNKNOWN,
		.category = info ? info->category : "",
	};
	restore_zones(a, &t->pos);
	t->seq = ++a->seq;
	t->kept.set = true;
	t->kept.t_us = p->t_us;
	t->kept.x = p->x;
	t->kept.y = p->y;
	t->kept.floor = t->pos.floor;
	t->kept.zone = t->pos.zone;
	r->tags++;
	return 0;
}

static int
restore_alarm(void *ud, const struct store_alarm *row)
{
	struct restored *r = ud;

	if (alarms_restore(r->a, row) == 0) {
		r->alarms++;
		r->open += !row->acked;
	}
	return 0;
}

/* Forget the stray last positions (RESTORE_MIN_SCANNERS) of tags the site
 * does not list: they would never come back, and would only be read again
 * at every start. */
static int
purge_strays(struct app *a, const char *path)
{
	const track_site_tag *tags;
	size_t n = track_site_tags(a->site, &tags);
	json_t *ids = json_array();
	char *text;
	int gone;

	for (size_t i = 0; ids && i < n; i++)
		json_array_append_new(ids, json_string(tags[i].id));
	text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	json_decref(ids);
	if (!text) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	gone = store_purge_stray_last(a->store, text, RESTORE_MIN_SCANNERS);
	free(text);
	if (gone < 0) {
		fprintf(stderr, "trackd: --db %s: %s\n", path,
		        store_error(a->store));
		return -1;
	}
	if (gone > 0)
		lwsl_user("db %s: %d stray last positions forgotten (tags not "
		          "in the site, heard by fewer than %d scanners)\n",
		          path, gone, RESTORE_MIN_SCANNERS);
	return 0;
}

int
persist_open(struct app *a, const char *path)
{
	struct restored r = { .a = a };
	char err[512];
	uint64_t max_id = 0;
	int64_t bu = a->cfg.stats_bucket_us;

	a->started_us = app_now_us();
	/* Only whole buckets are kept: the one trackd starts in is partial
	 * (and may have a row from before a restart that must stay). */
	a->occ_next_us = (a->started_us / bu + 1) * bu;
	if (store_open(path, &a->store, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: --db %s\n", err);
		return -1;
	}
	if (store_batch_init(&a->batch, MAX_PENDING_POSITIONS) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		goto fail;
	}
	if (purge_strays(a, path) < 0)
		goto fail;
	if (store_alarms(a->store, RESTORE_ACKED, &max_id, restore_alarm,
	                 &r) < 0 ||
	    store_last_positions(a->store, restore_position, &r) < 0) {
		fprintf(stderr, "trackd: --db %s: %s\n", path,
		        store_error(a->store));
		goto fail;
	}
	/* Ids go on from the largest ever used, restored or not. */
	if (max_id > a->alarm_ids)
		a->alarm_ids = max_id;
	if (store_migrations_applied(a->store))
		lwsl_user("db %s: schema version %d\n", path,
		          store_schema_version(a->store));
	if (r.tags || r.alarms)
		lwsl_user("db %s: %zu last positions back (%zu skipped), %zu "
		          "alarms (%zu open)\n", path, r.tags, r.skipped,
		          r.alarms, r.open);
	return 0;
fail:
	store_batch_free(&a->batch);
	store_close(a->store);
	a->store = NULL;
	return -1;
}
