/* What comes back from the database at start: see restore.h. */
#include "restore.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Acknowledged alarms brought back at start besides every open one, so
 * that the alarm list still shows who answered the latest calls. */
#define RESTORE_ACKED 100

/* At start, a tag the site does not list comes back only when its last
 * fix was made by at least this many scanners, in the last hour, and only
 * the newest of them: a flood of random ids (each heard by one scanner)
 * must not fill the live table with stale junk after a restart. The
 * site's own tags always come back. */
#define RESTORE_MIN_SCANNERS 2
#define RESTORE_UNLISTED_US (3600 * INT64_C(1000000))
#define RESTORE_UNLISTED_MAX 1000

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
	    !(t = livetable_slot(&a->live, p->tag, a->started_us))) {
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
	t->seen_us = p->t_us < a->started_us ? p->t_us : a->started_us;
	t->seq = ++a->live.seq;
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
	struct alarm al = {
		.id = row->id,
		.listed = app_site_tag(r->a, row->tag) != NULL,
		.opened_us = row->opened_us,
		.pressed_us = row->pressed_us,
		.open = !row->acked,
		.acked_us = row->acked ? row->acked_us : 0,
	};
	struct alarms_change c;

	snprintf(al.tag, sizeof al.tag, "%s", row->tag);
	if (row->acked)
		snprintf(al.acked_by, sizeof al.acked_by, "%s", row->acked_by);
	c = alarms_restore(&r->a->alarms, &al);
	if (c.dropped.id)
		log_warn("alarm table full: open alarm %llu of unlisted %s "
		         "left in the database only\n",
		         (unsigned long long)c.dropped.id, c.dropped.tag);
	if (!c.al) {
		log_err("alarm table full of open alarms: alarm %llu of %s "
		        "not restored\n", (unsigned long long)row->id,
		        row->tag);
		return 0;
	}
	r->alarms++;
	r->open += !row->acked;
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
		log_user("db %s: %d stray last positions forgotten (tags not "
		         "in the site, heard by fewer than %d scanners)\n",
		         path, gone, RESTORE_MIN_SCANNERS);
	return 0;
}

int
restore_open(struct app *a, const char *path)
{
	struct restored r = { .a = a };
	uint64_t max_id = 0;

	if (purge_strays(a, path) < 0)
		return -1;
	if (store_alarms(a->store, RESTORE_ACKED, &max_id, restore_alarm,
	                 &r) < 0 ||
	    store_last_positions(a->store, restore_position, &r) < 0) {
		fprintf(stderr, "trackd: --db %s: %s\n", path,
		        store_error(a->store));
		return -1;
	}
	/* Ids go on from the largest ever used, restored or not. */
	if (max_id > a->alarms.ids)
		a->alarms.ids = max_id;
	if (r.tags || r.alarms)
		log_user("db %s: %zu last positions back (%zu skipped), %zu "
		         "alarms (%zu open)\n", path, r.tags, r.skipped,
		         r.alarms, r.open);
	return 0;
}
