/* Statistics kept as tracks advance: occupancy per zone and time bucket,
 * dwell (visit lengths), utilization (moving / still time per tag and
 * day) and a time-weighted heatmap per floor.
 *
 * Nothing is recomputed from history: every position update adds the time
 * since the tag's previous update to the state it was in, and membership
 * changes move the head counts. All storage is a ring allocated at create,
 * indexed by bucket number, so a slot that holds an older bucket is simply
 * reset when the time comes round to it. */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine-private.h"

/* Refuse heatmaps that would not fit in memory: cells x buckets, all
 * floors together (256 Mi floats = 1 GiB). */
#define HEAT_MAX_FLOATS (1ull << 28)

int64_t
track__floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

size_t
track__ring_slot(int64_t b, size_t n)
{
	int64_t m = b % (int64_t)n;

	return (size_t)(m < 0 ? m + (int64_t)n : m);
}

track_tag_kind
track__tag_kind(const track_engine *e, const struct tag *t)
{
	return t->info >= 0 ? e->infos[t->info].kind : TRACK_TAG_UNKNOWN;
}

int32_t
track__tag_category(const track_engine *e, const struct tag *t)
{
	return t->info >= 0 ? e->infos[t->info].category : 0;
}

static track_status
heat_init(track_engine *e)
{
	size_t total = 0;

	e->heat = calloc(e->n_floors, sizeof *e->heat);
	if (!e->heat)
		return TRACK_ENOMEM;
	for (size_t f = 0; f < e->n_floors; f++) {
		struct heat_floor *h = &e->heat[f];
		const struct floor_rt *fl = &e->floors[f];

		double cols, rows;

		h->cell = e->cfg.heatmap_cell_m;
		h->x0 = fl->x_min;
		h->y0 = fl->y_min;
		cols = fmax(ceil((fl->x_max - fl->x_min) / h->cell), 1.0);
		rows = fmax(ceil((fl->y_max - fl->y_min) / h->cell), 1.0);
		/* Checked as doubles: the cell count of a floor far too big
		 * (scanners kilometres apart) need not fit a size_t. */
		if (!(cols * rows * (double)e->cfg.heatmap_buckets <=
		      (double)(HEAT_MAX_FLOATS - total)))
			return TRACK_EINVAL;
		h->cols = (size_t)cols;
		h->rows = (size_t)rows;
		total += h->cols * h->rows * e->cfg.heatmap_buckets;
	}
	for (size_t f = 0; f < e->n_floors; f++) {
		struct heat_floor *h = &e->heat[f];

		h->b = malloc(e->cfg.heatmap_buckets * sizeof *h->b);
		h->cells = calloc(e->cfg.heatmap_buckets * h->cols * h->rows,
		                  sizeof *h->cells);
		if (!h->b || !h->cells)
			return TRACK_ENOMEM;
		for (size_t k = 0; k < e->cfg.heatmap_buckets; k++)
			h->b[k] = NONE;
	}
	return TRACK_OK;
}

track_status
track__stats_init(track_engine *e)
{
	const track_config *c = &e->cfg;
	size_t nz = e->n_zones ? e->n_zones : 1;
	size_t nb = c->stats_buckets;

	if (c->stats_bucket_us <= 0 || nb < 1 || !(c->heatmap_cell_m > 0.0) ||
	    c->heatmap_bucket_us <= 0 || c->heatmap_buckets < 1 ||
	    c->max_visits < 1 || c->utilization_days < 1 ||
	    nz > SIZE_MAX / nb / (e->n_categories + 1))
		return TRACK_EINVAL;
	e->occ = malloc(nz * nb * sizeof *e->occ);
	e->occ_cat = calloc(nz * nb * e->n_categories, sizeof *e->occ_cat);
	e->zone_count = calloc(nz, sizeof *e->zone_count);
	e->zone_cat_count = calloc(nz * e->n_categories,
	                           sizeof *e->zone_cat_count);
	e->visits = calloc(c->max_visits, sizeof *e->visits);
	e->scratch = calloc(c->max_visits, sizeof *e->scratch);
	e->day_pool = malloc(c->max_tags * c->utilization_days *
	                     sizeof *e->day_pool);
	if (!e->occ || !e->occ_cat || !e->zone_count || !e->zone_cat_count ||
	    !e->visits ||
	    !e->scratch || !e->day_pool)
		return TRACK_ENOMEM;
	for (size_t i = 0; i < nz * nb; i++)
		e->occ[i].b = NONE;
	return heat_init(e);
}

void
track__stats_free(track_engine *e)
{
	if (e->heat)
		for (size_t f = 0; f < e->n_floors; f++) {
			free(e->heat[f].cells);
			free(e->heat[f].b);
		}
	free(e->heat);
	free(e->day_pool);
	free(e->scratch);
	free(e->visits);
	free(e->zone_cat_count);
	free(e->zone_count);
	free(e->occ_cat);
	free(e->occ);
}

void
track__stats_tag_new(track_engine *e, struct tag *t, size_t index)
{
	t->credit_us = NONE;
	t->days = &e->day_pool[index * e->cfg.utilization_days];
	for (size_t d = 0; d < e->cfg.utilization_days; d++)
		t->days[d] = (struct util_day){ INT32_MIN, 0.0f, 0.0f };
}

/* The slot of zone's bucket b, reset when it held an older bucket: a new
 * bucket starts with the tags that are in the zone now as its peak. */
static struct occ_bucket *
occ_slot(track_engine *e, int32_t zone, int64_t b)
{
	size_t nb = e->cfg.stats_buckets;
	size_t i = (size_t)zone * nb + track__ring_slot(b, nb);
	struct occ_bucket *o = &e->occ[i];

	if (o->b != b) {
		unsigned total = 0;

		o->b = b;
		for (int k = 0; k < 3; k++) {
			o->sec_kind[k] = 0.0;
			o->peak_kind[k] = e->zone_count[zone][k];
			total += o->peak_kind[k];
		}
		o->peak = total;
		for (size_t c = 0; c < e->n_categories; c++)
			e->occ_cat[i * e->n_categories + c] = (struct occ_cat){
				0.0f,
				e->zone_cat_count[(size_t)zone * e->n_categories +
				                  c]
			};
	}
	return o;
}

/* Add (sign 1) or take back (sign -1) the time [from, to) in the tag's
 * zone. */
static void
credit_zone(track_engine *e, const struct tag *t, int32_t zone, int64_t from,
            int64_t to, double sign)
{
	int64_t bu = e->cfg.stats_bucket_us;
	track_tag_kind k = track__tag_kind(e, t);
	size_t cat = (size_t)track__tag_category(e, t);

	while (from < to) {
		int64_t b = track__floor_div(from, bu);
		int64_t end = (b + 1) * bu < to ? (b + 1) * bu : to;
		struct occ_bucket *o = occ_slot(e, zone, b);
		size_t i = (size_t)(o - e->occ);
		double s = sign * (double)(end - from) * 1e-6;

		o->sec_kind[k] += s;
		e->occ_cat[i * e->n_categories + cat].sec += (float)s;
		from = end;
	}
}

static void
credit_days(track_engine *e, struct tag *t, int64_t from, int64_t to)
{
	while (from < to) {
		int64_t day = track__floor_div(from, DAY_US);
		int64_t end = (day + 1) * DAY_US < to ? (day + 1) * DAY_US : to;
		struct util_day *d =
			&t->days[track__ring_slot(day, e->cfg.utilization_days)];
		float s = (float)((double)(end - from) * 1e-6);

		if (d->day != (int32_t)day)
			*d = (struct util_day){ (int32_t)day, 0.0f, 0.0f };
		if (t->moving)
			d->moving_s += s;
		else
			d->idle_s += s;
		from = end;
	}
}

static void
credit_heat(track_engine *e, const struct tag *t, int64_t from, int64_t to)
{
	struct heat_floor *h = &e->heat[t->floor.current];
	double cx = floor((t->mot.x[0] - h->x0) / h->cell);
	double cy = floor((t->mot.x[1] - h->y0) / h->cell);
	size_t cell, n = h->cols * h->rows;
	int64_t bu = e->cfg.heatmap_bucket_us;

	if (!(cx >= 0.0) || !(cy >= 0.0) || cx >= (double)h->cols ||
	    cy >= (double)h->rows)
		return;
	cell = (size_t)cy * h->cols + (size_t)cx;
	while (from < to) {
		int64_t b = track__floor_div(from, bu);
		int64_t end = (b + 1) * bu < to ? (b + 1) * bu : to;
		size_t slot = track__ring_slot(b, e->cfg.heatmap_buckets);

		if (h->b[slot] != b) {
			h->b[slot] = b;
			memset(&h->cells[slot * n], 0, n * sizeof *h->cells);
		}
		h->cells[slot * n + cell] += (float)((double)(end - from) * 1e-6);
		from = end;
	}
}

void
track__stats_credit(track_engine *e, struct tag *t, int64_t now_us)
{
	int64_t from = t->credit_us;

	/* A tag is taken to stay where it was last placed until it is lost:
	 * badges that advertise seldom still count. A longer gap is not
	 * counted at all. */
	if (from != NONE && now_us > from && now_us - from <= e->cfg.lost_us &&
	    t->mot.init && t->floor.current >= 0) {
		if (t->zone >= 0)
			credit_zone(e, t, t->zone, from, now_us, 1.0);
		credit_days(e, t, from, now_us);
		credit_heat(e, t, from, now_us);
	}
	if (from == NONE || now_us > from)
		t->credit_us = now_us;
}

static void
bump_peak(track_engine *e, int32_t zone, size_t cat, int64_t t_us)
{
	struct occ_bucket *o =
		occ_slot(e, zone, track__floor_div(t_us, e->cfg.stats_bucket_us));
	struct occ_cat *oc =
		&e->occ_cat[(size_t)(o - e->occ) * e->n_categories + cat];
	unsigned now = e->zone_cat_count[(size_t)zone * e->n_categories + cat];
	unsigned total = 0;

	if (now > oc->peak)
		oc->peak = now;

	for (int k = 0; k < 3; k++) {
		if (e->zone_count[zone][k] > o->peak_kind[k])
			o->peak_kind[k] = e->zone_count[zone][k];
		total += e->zone_count[zone][k];
	}
	if (total > o->peak)
		o->peak = total;
}

/* Membership is confirmed after the crossing (hysteresis); the time in
 * between was counted in the old state. Move it, so that occupancy agrees
 * with the enter and exit times exactly. */
void
track__stats_enter(track_engine *e, const struct tag *t, int32_t zone,
                   int64_t t_us)
{
	size_t cat = (size_t)track__tag_category(e, t);

	e->zone_count[zone][track__tag_kind(e, t)]++;
	e->zone_cat_count[(size_t)zone * e->n_categories + cat]++;
	bump_peak(e, zone, cat, t_us);
	if (t->credit_us != NONE && t_us < t->credit_us)
		credit_zone(e, t, zone, t_us, t->credit_us, 1.0);
}

void
track__stats_exit(track_engine *e, const struct tag *t, int32_t zone,
                  int64_t enter_us, int64_t t_us)
{
	struct visit *v;
	unsigned *c = &e->zone_count[zone][track__tag_kind(e, t)];
	unsigned *cc = &e->zone_cat_count[(size_t)zone * e->n_categories +
	                                  (size_t)track__tag_category(e, t)];

	if (*c > 0)
		(*c)--;
	if (*cc > 0)
		(*cc)--;
	if (t->credit_us != NONE && t_us < t->credit_us)
		credit_zone(e, t, zone, t_us, t->credit_us, -1.0);
	if (e->visit_count == e->cfg.max_visits) {
		e->visit_head = (e->visit_head + 1) % e->cfg.max_visits;
		e->visit_count--;
	}
	v = &e->visits[(e->visit_head + e->visit_count++) % e->cfg.max_visits];
	*v = (struct visit){ zone, enter_us, t_us };
}
