/* Presence: which zone each tag is in, and the events that follow from it
 * (zone enter and exit, restricted entry, distress, lost and found).
 *
 * A position near a wall jitters across it with every fix, so membership
 * has hysteresis: a tag enters a zone once it has been inside for
 * zone_enter_us, and leaves once it has been outside for zone_exit_us or
 * its whole uncertainty disc lies outside. Transitions are stamped with the
 * time of the crossing, not of the confirmation. */
#include "track/track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-private.h"

const char *
track_event_name(track_event_type type)
{
	switch (type) {
	case TRACK_EVENT_ZONE_ENTER:
		return "zone_enter";
	case TRACK_EVENT_ZONE_EXIT:
		return "zone_exit";
	case TRACK_EVENT_RESTRICTED_ENTRY:
		return "restricted_entry";
	case TRACK_EVENT_DISTRESS:
		return "distress";
	case TRACK_EVENT_LOST:
		return "lost";
	case TRACK_EVENT_FOUND:
		return "found";
	}
	return "unknown";
}

static int32_t
floor_index(const track_engine *e, const char *id)
{
	for (size_t f = 0; f < e->n_floors; f++)
		if (strcmp(e->floors[f].id, id) == 0)
			return (int32_t)f;
	return -1;
}

static bool
zone_ok(const track_zone *z)
{
	size_t len;

	if (!z->id || !z->floor || z->n_points < 3 || !z->polygon ||
	    z->kind < TRACK_ZONE_ROOM || z->kind > TRACK_ZONE_EXIT ||
	    z->n_allow > TRACK_ZONE_ALLOW_MAX)
		return false;
	for (size_t i = 0; i < z->n_allow; i++)
		if (!z->allow[i])
			return false;
	len = strnlen(z->id, TRACK_ID_MAX);
	if (len == 0 || len >= TRACK_ID_MAX)
		return false;
	for (size_t i = 0; i < z->n_points; i++)
		if (!isfinite(z->polygon[i][0]) || !isfinite(z->polygon[i][1]))
			return false;
	return true;
}

static track_status
load_zones(track_engine *e, const track_site *site)
{
	size_t n_points = 0, k = 0;

	e->n_zones = site->n_zones;
	if (e->n_zones > 0 && !site->zones)
		return TRACK_EINVAL;
	for (size_t i = 0; i < e->n_zones; i++) {
		if (!zone_ok(&site->zones[i]))
			return TRACK_EINVAL;
		n_points += site->zones[i].n_points;
	}
	e->zones = calloc(e->n_zones ? e->n_zones : 1, sizeof *e->zones);
	e->zone_points = calloc(n_points ? n_points : 1,
	                        sizeof *e->zone_points);
	e->floor_zones = calloc(e->n_zones ? e->n_zones : 1,
	                        sizeof *e->floor_zones);
	e->floor_zone_start = calloc(e->n_floors + 1,
	                             sizeof *e->floor_zone_start);
	if (!e->zones || !e->zone_points || !e->floor_zones ||
	    !e->floor_zone_start)
		return TRACK_ENOMEM;
	n_points = 0;
	for (size_t i = 0; i < e->n_zones; i++) {
		const track_zone *in = &site->zones[i];
		struct zone_rt *z = &e->zones[i];

		z->floor = floor_index(e, in->floor);
		if (z->floor < 0)
			return TRACK_EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->zones[j].id, in->id) == 0)
				return TRACK_EINVAL;
		strcpy(z->id, in->id);
		z->kind = in->kind;
		z->x_min = z->y_min = INFINITY;
		z->x_max = z->y_max = -INFINITY;
		for (size_t p = 0; p < in->n_points; p++) {
			double x = in->polygon[p][0], y = in->polygon[p][1];

			e->zone_points[n_points + p][0] = x;
			e->zone_points[n_points + p][1] = y;
			z->x_min = fmin(z->x_min, x);
			z->x_max = fmax(z->x_max, x);
			z->y_min = fmin(z->y_min, y);
			z->y_max = fmax(z->y_max, y);
		}
		z->poly = (const double(*)[2])&e->zone_points[n_points];
		z->n_points = in->n_points;
		n_points += in->n_points;
	}
	/* Group zone indices by floor, keeping file order within a floor:
	 * where zones overlap, the first listed wins. */
	for (size_t f = 0; f < e->n_floors; f++) {
		e->floor_zone_start[f] = k;
		for (size_t i = 0; i < e->n_zones; i++)
			if (e->zones[i].floor == (int32_t)f)
				e->floor_zones[k++] = (int32_t)i;
	}
	e->floor_zone_start[e->n_floors] = k;
	return TRACK_OK;
}

static int32_t
category_index(track_engine *e, const char *cat)
{
	for (size_t c = 0; c < e->n_categories; c++)
		if (strcmp(e->categories[c], cat) == 0)
			return (int32_t)c;
	snprintf(e->categories[e->n_categories], TRACK_ID_MAX, "%s", cat);
	return (int32_t)e->n_categories++;
}

/* The zones' allow lists as category indices, once the tags' categories
 * are known: a name no tag has matches no tag. */
static void
load_allow(track_engine *e, const track_site *site)
{
	for (size_t i = 0; i < e->n_zones; i++) {
		const track_zone *in = &site->zones[i];
		struct zone_rt *z = &e->zones[i];

		z->n_allow = in->n_allow;
		for (size_t k = 0; k < in->n_allow; k++) {
			z->allow[k] = -1;
			for (size_t c = 0; c < e->n_categories; c++)
				if (strcmp(e->categories[c], in->allow[k]) == 0)
					z->allow[k] = (int32_t)c;
		}
	}
}

/* Whether tag t belongs in zone z by its allow list. */
static bool
allowed(const track_engine *e, const struct tag *t, const struct zone_rt *z)
{
	int32_t cat = t->info >= 0 ? e->infos[t->info].category : -2;

	for (size_t k = 0; k < z->n_allow; k++)
		if (z->allow[k] == cat)
			return true;
	return false;
}

static track_status
load_tags(track_engine *e, const track_site *site)
{
	e->n_infos = site->n_tags;
	if (e->n_infos > 0 && !site->tags)
		return TRACK_EINVAL;
	e->infos = calloc(e->n_infos ? e->n_infos : 1, sizeof *e->infos);
	/* Every tag could have a category of its own, plus "" for unlisted
	 * tags. */
	e->categories = calloc(e->n_infos + 1, sizeof *e->categories);
	if (!e->infos || !e->categories ||
	    track__idmap_init(&e->info_map, e->n_infos,
	                      (const char *)e->infos, sizeof *e->infos) < 0)
		return TRACK_ENOMEM;
	category_index(e, "");
	for (size_t i = 0; i < e->n_infos; i++) {
		const track_tag_info *in = &site->tags[i];
		struct tag_info_rt *t = &e->infos[i];
		size_t len = in->id ? strnlen(in->id, TRACK_ID_MAX) : 0;

		if (len == 0 || len >= TRACK_ID_MAX ||
		    in->kind < TRACK_TAG_PERSON || in->kind > TRACK_TAG_UNKNOWN)
			return TRACK_EINVAL;
		strcpy(t->id, in->id);
		if (track__idmap_find(&e->info_map, t->id) >= 0)
			return TRACK_EINVAL;
		track__idmap_insert(&e->info_map, (int32_t)i);
		t->kind = in->kind;
		t->category = category_index(e, in->category ? in->category
		                                             : "");
	}
	return TRACK_OK;
}

track_status
track__presence_init(track_engine *e, const track_site *site)
{
	track_status st;

	if (e->cfg.max_events < 1)
		return TRACK_EINVAL;
	st = load_zones(e, site);
	if (st == TRACK_OK)
		st = load_tags(e, site);
	if (st != TRACK_OK)
		return st;
	load_allow(e, site);
	e->events = calloc(e->cfg.max_events, sizeof *e->events);
	return e->events ? TRACK_OK : TRACK_ENOMEM;
}

void
track__presence_free(track_engine *e)
{
	free(e->events);
	track__idmap_free(&e->info_map);
	free(e->categories);
	free(e->infos);
	free(e->floor_zone_start);
	free(e->floor_zones);
	free(e->zone_points);
	free(e->zones);
}

void
track__presence_tag_new(track_engine *e, struct tag *t)
{
	t->info = e->n_infos ? track__idmap_find(&e->info_map, t->id) : -1;
	t->zone = t->zone_cand = -1;
	t->zone_here = -1;
	t->cand_since = t->outside_since = NONE;
	t->button_us = NONE;
}

void
track__event(track_engine *e, track_event_type type, const struct tag *t,
             int32_t zone, int64_t t_us)
{
	track_event *ev;

	if (e->ev_count == e->cfg.max_events) {
		/* A reader that fell this far behind loses the oldest, and
		 * the counter says so. */
		e->ev_head = (e->ev_head + 1) % e->cfg.max_events;
		e->ev_count--;
		e->stats.events_dropped++;
	}
	ev = &e->events[(e->ev_head + e->ev_count++) % e->cfg.max_events];
	ev->type = type;
	memcpy(ev->tag, t->id, sizeof ev->tag);
	ev->zone = zone >= 0 ? e->zones[zone].id : NULL;
	if (t->mot.init && t->floor.current >= 0) {
		ev->floor = e->floors[t->floor.current].id;
		ev->x = t->mot.x[0];
		ev->y = t->mot.x[1];
		ev->r = sqrt(t->mot.P[0] + t->mot.P[5]);
	} else {
		ev->floor = t->floor.current >= 0
		                    ? e->floors[t->floor.current].id
		                    : NULL;
		ev->x = ev->y = ev->r = NAN;
	}
	ev->t_us = t_us;
	e->stats.events++;
}

size_t
track_engine_events(track_engine *e, track_event *out, size_t cap)
{
	size_t n = 0;

	if (!e || !out)
		return 0;
	while (n < cap && e->ev_count > 0) {
		out[n++] = e->events[e->ev_head];
		e->ev_head = (e->ev_head + 1) % e->cfg.max_events;
		e->ev_count--;
	}
	return n;
}

/* The first zone of the floor containing (x, y), or -1. */
static int32_t
zone_at(const track_engine *e, int32_t floor, double x, double y)
{
	for (size_t k = e->floor_zone_start[floor];
	     k < e->floor_zone_start[floor + 1]; k++) {
		const struct zone_rt *z = &e->zones[e->floor_zones[k]];

		if (x < z->x_min || x > z->x_max || y < z->y_min ||
		    y > z->y_max)
			continue;
		if (track_polygon_contains(z->poly, z->n_points, x, y))
			return e->floor_zones[k];
	}
	return -1;
}

int32_t
track__zone_near(const track_engine *e, const struct tag *t)
{
	double x = t->mot.x[0], y = t->mot.x[1];
	double best_d = sqrt(t->mot.P[0] + t->mot.P[5]);
	int32_t best = -1, here = t->zone_here, floor = t->floor.current;

	if (e->n_zones == 0 || floor < 0 || !t->mot.init)
		return -1;
	/* Most positions sit well inside their zone: one distance says so. */
	if (here >= 0 &&
	    track_polygon_distance(e->zones[here].poly, e->zones[here].n_points,
	                           x, y) > best_d)
		return -1;
	for (size_t k = e->floor_zone_start[floor];
	     k < e->floor_zone_start[floor + 1]; k++) {
		int32_t i = e->floor_zones[k];
		const struct zone_rt *z = &e->zones[i];
		double d;

		if (i == here || x < z->x_min - best_d ||
		    x > z->x_max + best_d || y < z->y_min - best_d ||
		    y > z->y_max + best_d)
			continue;
		d = track_polygon_contains(z->poly, z->n_points, x, y)
		            ? 0.0
		            : track_polygon_distance(z->poly, z->n_points, x, y);
		if (d <= best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

void
track__presence_leave(track_engine *e, struct tag *t, int64_t t_us)
{
	if (t->zone >= 0) {
		track__event(e, TRACK_EVENT_ZONE_EXIT, t, t->zone, t_us);
		track__stats_exit(e, t, t->zone, t->zone_since, t_us);
	}
	t->zone = t->zone_cand = -1;
	t->zone_here = -1;
	t->cand_since = t->outside_since = NONE;
	t->restricted_pending = false;
}

/* A restricted_entry is raised once the tag is in the zone with some
 * confidence: deeper inside than one sigma of its position along the
 * shortest way out (r / sqrt 2 of the 1-sigma radius r: 84% sure it is
 * inside). Entering on the hysteresis alone, a corridor's walkers whose
 * positions spilled a metre or two into the theatres beside it raised
 * about twenty false alarms for each true one in the demo hospital. */
#define SQRT1_2 0.70710678118654752

static void
restricted_check(track_engine *e, struct tag *t)
{
	const struct zone_rt *z = &e->zones[t->zone];
	double r = sqrt(t->mot.P[0] + t->mot.P[5]);

	if (track_polygon_distance(z->poly, z->n_points, t->mot.x[0],
	                           t->mot.x[1]) > r * SQRT1_2) {
		t->restricted_pending = false;
		/* Stamped, as the zone_enter, when it crossed in. */
		track__event(e, TRACK_EVENT_RESTRICTED_ENTRY, t, t->zone,
		             t->zone_since);
	}
}

void
track__presence_step(track_engine *e, struct tag *t, int64_t now_us)
{
	double x = t->mot.x[0], y = t->mot.x[1];
	int32_t here;

	if (e->n_zones == 0 || !t->mot.init || t->floor.current < 0)
		return;
	/* A move begun before a silence the engine would call lost (a
	 * replay skips the updates of a long gap) starts again: the gap was
	 * never counted, so it cannot be moved to the new zone either (and
	 * moving years of it went minute by minute). */
	if (t->zone_cand >= 0 && now_us - t->cand_since > e->cfg.lost_us)
		t->zone_cand = -1;
	if (t->outside_since != NONE &&
	    now_us - t->outside_since > e->cfg.lost_us)
		t->outside_since = NONE;
	here = zone_at(e, t->floor.current, x, y);
	t->zone_here = here;
	if (here == t->zone) {
		t->outside_since = NONE;
		t->zone_cand = -1;
		if (t->restricted_pending)
			restricted_check(e, t);
		return;
	}
	if (t->zone >= 0) {
		const struct zone_rt *z = &e->zones[t->zone];
		double r = sqrt(t->mot.P[0] + t->mot.P[5]);

		if (t->outside_since == NONE)
			t->outside_since = now_us;
		/* The disc of radius r around the position clear of the
		 * zone: the tag is elsewhere beyond doubt. */
		if (now_us - t->outside_since >= e->cfg.zone_exit_us ||
		    track_polygon_distance(z->poly, z->n_points, x, y) > r) {
			int64_t left = t->outside_since;

			track__event(e, TRACK_EVENT_ZONE_EXIT, t, t->zone,
			             left);
			track__stats_exit(e, t, t->zone, t->zone_since, left);
			t->zone = -1;
			t->outside_since = NONE;
			t->restricted_pending = false;
		}
	}
	if (here < 0) {
		t->zone_cand = -1;
		return;
	}
	if (t->zone_cand != here) {
		t->zone_cand = here;
		t->cand_since = now_us;
	}
	if (t->zone < 0 && now_us - t->cand_since >= e->cfg.zone_enter_us) {
		t->zone = here;
		t->zone_cand = -1;
		t->zone_since = t->cand_since;
		track__event(e, TRACK_EVENT_ZONE_ENTER, t, here, t->cand_since);
		track__stats_enter(e, t, here, t->cand_since);
		t->restricted_pending =
			e->zones[here].kind == TRACK_ZONE_RESTRICTED &&
			!allowed(e, t, &e->zones[here]);
		if (t->restricted_pending)
			restricted_check(e, t);
	}
}

void
track__presence_lost(track_engine *e, int64_t now_us)
{
	int64_t cutoff = now_us - e->cfg.lost_us;

	/* Each LRU list's tail holds its tags heard longest ago: walk up
	 * while they are silent past the timeout. */
	for (int l = 0; l < 2; l++)
	for (int32_t i = e->lru_tail[l]; i >= 0; i = e->tags[i].prev) {
		struct tag *t = &e->tags[i];

		if (t->heard_us >= cutoff)
			break;
		if (t->lost)
			continue;
		t->lost = true;
		t->found_pending = false;
		/* Its last place goes with the event; then it is nowhere. */
		track__event(e, TRACK_EVENT_LOST, t, t->zone, t->heard_us);
		track__presence_leave(e, t, t->heard_us);
	}
}
