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

#define DAY_US (86400LL * 1000000LL)
/* Refuse heatmaps that would not fit in memory: cells x buckets, all
 * floors together (256 Mi floats = 1 GiB). */
#define HEAT_MAX_FLOATS (1ull << 28)

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t
ring_slot(int64_t b, size_t n)
{
	int64_t m = b % (int64_t)n;

	return (size_t)(m < 0 ? m + (int64_t)n : m);
}

track_tag_kind
track__tag_kind(const track_engine *e, const struct tag *t)
{
	return t->info >= 0 ? e->infos[t->info].kind : TRACK_TAG_UNKNOWN;
}

static int32_t
tag_category(const track_engine *e, const struct tag *t)
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
	size_t i = (size_t)zone * nb + ring_slot(b, nb);
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
	size_t cat = (size_t)tag_category(e, t);

	while (from < to) {
		int64_t b = floor_div(from, bu);
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
		int64_t day = floor_div(from, DAY_US);
		int64_t end = (day + 1) * DAY_US < to ? (day + 1) * DAY_US : to;
		struct util_day *d =
			&t->days[ring_slot(day, e->cfg.utilization_days)];
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
		int64_t b = floor_div(from, bu);
		int64_t end = (b + 1) * bu < to ? (b + 1) * bu : to;
		size_t slot = ring_slot(b, e->cfg.heatmap_buckets);

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
		occ_slot(e, zone, floor_div(t_us, e->cfg.stats_bucket_us));
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
	size_t cat = (size_t)tag_category(e, t);

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
	                                  (size_t)tag_category(e, t)];

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

/* ---- queries ---------------------------------------------------------- */

static int32_t
zone_index(const track_engine *e, const char *id)
{
	if (!id)
		return -1;
	for (size_t z = 0; z < e->n_zones; z++)
		if (strcmp(e->zones[z].id, id) == 0)
			return (int32_t)z;
	return -1;
}

/* Bucket numbers of the buckets that start in [from, to). */
static void
bucket_range(int64_t from, int64_t to, int64_t bu, int64_t *b0, int64_t *b1)
{
	*b0 = floor_div(from, bu);
	if (*b0 * bu < from)
		(*b0)++;
	*b1 = floor_div(to - 1, bu) + 1;
}

track_status
track_engine_occupancy(const track_engine *e, const char *zone,
                       int64_t from_us, int64_t to_us, track_occupancy *out,
                       size_t cap, size_t *n)
{
	int64_t bu, b0, b1;
	int32_t z;
	size_t k = 0;

	if (!e || !n || (cap > 0 && !out) || from_us >= to_us)
		return TRACK_EINVAL;
	z = zone_index(e, zone);
	if (z < 0)
		return TRACK_ENOENT;
	bu = e->cfg.stats_bucket_us;
	bucket_range(from_us, to_us, bu, &b0, &b1);
	*n = b1 > b0 ? (size_t)(b1 - b0) : 0;
	for (int64_t b = b0; b < b1 && k < cap; b++, k++) {
		const struct occ_bucket *o =
			&e->occ[(size_t)z * e->cfg.stats_buckets +
			        ring_slot(b, e->cfg.stats_buckets)];
		track_occupancy *r = &out[k];

		memset(r, 0, sizeof *r);
		r->t_us = b * bu;
		if (o->b != b)
			continue;
		for (int j = 0; j < 3; j++) {
			r->mean_kind[j] = o->sec_kind[j] / ((double)bu * 1e-6);
			r->mean += r->mean_kind[j];
			r->peak_kind[j] = o->peak_kind[j];
		}
		r->peak = o->peak;
	}
	return TRACK_OK;
}

track_status
track_engine_occupancy_category(const track_engine *e, const char *zone,
                                const char *category, int64_t from_us,
                                int64_t to_us, double *mean, unsigned *peak)
{
	int64_t bu, b0, b1;
	int32_t z, cat = -1;
	double sec = 0.0;
	unsigned top = 0;

	if (!e || !mean || !category || from_us >= to_us)
		return TRACK_EINVAL;
	z = zone_index(e, zone);
	for (size_t c = 0; c < e->n_categories; c++)
		if (strcmp(e->categories[c], category) == 0)
			cat = (int32_t)c;
	if (z < 0 || cat < 0)
		return TRACK_ENOENT;
	bu = e->cfg.stats_bucket_us;
	bucket_range(from_us, to_us, bu, &b0, &b1);
	for (size_t k = 0; k < e->cfg.stats_buckets; k++) {
		size_t i = (size_t)z * e->cfg.stats_buckets + k;

		const struct occ_cat *oc;

		if (e->occ[i].b == NONE || e->occ[i].b < b0 ||
		    e->occ[i].b >= b1)
			continue;
		oc = &e->occ_cat[i * e->n_categories + (size_t)cat];
		sec += oc->sec;
		if (oc->peak > top)
			top = oc->peak;
	}
	*mean = b1 > b0 ? sec / ((double)(b1 - b0) * (double)bu * 1e-6) : 0.0;
	if (peak)
		*peak = top;
	return TRACK_OK;
}

static int
cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

static double
percentile(const double *v, size_t n, double p)
{
	double k = (double)(n - 1) * p;
	size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : n - 1;

	return v[lo] + (v[hi] - v[lo]) * (k - (double)lo);
}

void
track_dwell_of(double *lengths_s, size_t n, track_dwell *out)
{
	double total = 0.0;

	memset(out, 0, sizeof *out);
	out->visits = n;
	if (!lengths_s || n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		total += lengths_s[i];
	qsort(lengths_s, n, sizeof *lengths_s, cmp_double);
	out->total_s = total;
	out->mean_s = total / (double)n;
	out->median_s = percentile(lengths_s, n, 0.5);
	out->p90_s = percentile(lengths_s, n, 0.9);
}

track_status
track_engine_dwell(track_engine *e, const char *zone, int64_t from_us,
                   int64_t to_us, track_dwell *out)
{
	int32_t z;
	size_t n = 0;

	if (!e || !out || from_us >= to_us)
		return TRACK_EINVAL;
	z = zone_index(e, zone);
	if (z < 0)
		return TRACK_ENOENT;
	for (size_t i = 0; i < e->visit_count; i++) {
		const struct visit *v =
			&e->visits[(e->visit_head + i) % e->cfg.max_visits];

		if (v->zone != z || v->exit_us < from_us || v->exit_us >= to_us)
			continue;
		e->scratch[n++] = (double)(v->exit_us - v->enter_us) * 1e-6;
	}
	track_dwell_of(e->scratch, n, out);
	return TRACK_OK;
}

static void
sum_days(const track_engine *e, const struct tag *t, int64_t from_us,
         int64_t to_us, double *moving, double *idle)
{
	int64_t d0 = floor_div(from_us, DAY_US);
	int64_t d1 = floor_div(to_us - 1, DAY_US);

	for (size_t k = 0; k < e->cfg.utilization_days; k++) {
		const struct util_day *d = &t->days[k];

		if (d->day == INT32_MIN || d->day < d0 || d->day > d1)
			continue;
		*moving += d->moving_s;
		*idle += d->idle_s;
	}
}

static int32_t
find_tag(const track_engine *e, const char *id)
{
	size_t len;

	if (!id)
		return -1;
	len = strnlen(id, TRACK_ID_MAX);
	if (len == 0 || len >= TRACK_ID_MAX)
		return -1;
	return track__idmap_find(&e->tag_map, id);
}

track_status
track_engine_utilization(const track_engine *e, const char *tag,
                         int64_t from_us, int64_t to_us, double *moving_s,
                         double *idle_s)
{
	int32_t i;

	if (!e || !moving_s || !idle_s || from_us >= to_us)
		return TRACK_EINVAL;
	i = find_tag(e, tag);
	if (i < 0)
		return TRACK_ENOENT;
	*moving_s = *idle_s = 0.0;
	sum_days(e, &e->tags[i], from_us, to_us, moving_s, idle_s);
	return TRACK_OK;
}

track_status
track_engine_utilization_category(const track_engine *e,
                                  const char *category, int64_t from_us,
                                  int64_t to_us, double *moving_s,
                                  double *idle_s, size_t *n_tags)
{
	int32_t cat = -1;

	if (!e || !category || !moving_s || !idle_s || !n_tags ||
	    from_us >= to_us)
		return TRACK_EINVAL;
	for (size_t c = 0; c < e->n_categories; c++)
		if (strcmp(e->categories[c], category) == 0)
			cat = (int32_t)c;
	if (cat < 0)
		return TRACK_ENOENT;
	*moving_s = *idle_s = 0.0;
	*n_tags = 0;
	for (size_t i = 0; i < e->cfg.max_tags; i++) {
		const struct tag *t = &e->tags[i];
		double m = 0.0, s = 0.0;

		if (!t->used || tag_category(e, t) != cat)
			continue;
		sum_days(e, t, from_us, to_us, &m, &s);
		if (m + s > 0.0) {
			*moving_s += m;
			*idle_s += s;
			(*n_tags)++;
		}
	}
	return TRACK_OK;
}

size_t
track_engine_not_seen(const track_engine *e, int64_t now_us, int64_t for_us,
                      const char **out, size_t cap)
{
	size_t n = 0;

	if (!e)
		return 0;
	for (size_t k = 0; k < e->n_infos; k++) {
		const struct tag_info_rt *info = &e->infos[k];
		int32_t i;

		if (info->kind != TRACK_TAG_ASSET)
			continue;
		i = track__idmap_find(&e->tag_map, info->id);
		if (i >= 0 && e->tags[i].heard_us > now_us - for_us)
			continue;
		if (out && n < cap)
			out[n] = info->id;
		n++;
	}
	return n;
}

track_status
track_engine_heatmap(const track_engine *e, const char *floor,
                     int64_t from_us, int64_t to_us, float *out, size_t cap,
                     size_t *cols, size_t *rows, double *cell_m, double *x0,
                     double *y0)
{
	const struct heat_floor *h = NULL;
	int64_t b0, b1;
	size_t n;

	if (!e || !floor || !cols || !rows || !cell_m || !x0 || !y0 ||
	    from_us >= to_us)
		return TRACK_EINVAL;
	for (size_t f = 0; f < e->n_floors; f++)
		if (strcmp(e->floors[f].id, floor) == 0)
			h = &e->heat[f];
	if (!h)
		return TRACK_ENOENT;
	*cols = h->cols;
	*rows = h->rows;
	*cell_m = h->cell;
	*x0 = h->x0;
	*y0 = h->y0;
	n = h->cols * h->rows;
	if (!out || cap < n)
		return TRACK_EINVAL;
	memset(out, 0, n * sizeof *out);
	bucket_range(from_us, to_us, e->cfg.heatmap_bucket_us, &b0, &b1);
	/* Walk the ring, not the window: a window of years costs no more
	 * than one of a day. */
	for (size_t slot = 0; slot < e->cfg.heatmap_buckets; slot++) {
		if (h->b[slot] == NONE || h->b[slot] < b0 || h->b[slot] >= b1)
			continue;
		for (size_t c = 0; c < n; c++)
			out[c] += h->cells[slot * n + c];
	}
	return TRACK_OK;
}
