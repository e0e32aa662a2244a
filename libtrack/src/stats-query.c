/* What the statistics say when asked: occupancy per zone and category,
 * dwell, utilization, tags not seen, heatmaps (stats.c keeps them). */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine-private.h"


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
	*b0 = track__floor_div(from, bu);
	if (*b0 * bu < from)
		(*b0)++;
	*b1 = track__floor_div(to - 1, bu) + 1;
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
			        track__ring_slot(b, e->cfg.stats_buckets)];
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
	int64_t d0 = track__floor_div(from_us, DAY_US);
	int64_t d1 = track__floor_div(to_us - 1, DAY_US);

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

		if (!t->used || track__tag_category(e, t) != cat)
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
