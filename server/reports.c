/* GET /api/v1/reports/{occupancy,dwell,utilization,heatmap}: the engine's
 * statistics for a window, as JSON or, with ?format=csv, as CSV.
 *
 * Query: from, to (Unix seconds; default the last hour), zone or floor to
 * narrow, days (utilization: "not seen for" threshold, default 7). */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "reports.h"

/* The most occupancy buckets one answer carries (a week of minutes). */
#define MAX_ROWS 10080

struct query {
	int64_t from_us, to_us;
	char zone[TRACK_ID_MAX];
	char floor[TRACK_ID_MAX];
	double days;
	bool csv;
};

/* The value of name= in the query string into out. lws writes every
 * fragment it looks at into the buffer it is given, so a missing argument
 * must not be allowed to leave one behind in out. */
static bool
arg(struct lws *wsi, const char *name, char *out, size_t len)
{
	char buf[256];
	const char *v = lws_get_urlarg_by_name(wsi, name, buf, sizeof buf);

	if (!v || strlen(v) >= len)
		return false;
	memcpy(out, v, strlen(v) + 1);
	return true;
}

static bool
parse_time(const char *s, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e11)
		return false;
	*out = llround(v * 1e6);
	return true;
}

/* NULL, or what is wrong with the query. */
static const char *
parse_query(struct lws *wsi, struct query *q)
{
	char buf[128];
	int64_t now = app_now_us();

	memset(q, 0, sizeof *q);
	q->to_us = now;
	q->from_us = now - 3600 * (int64_t)1000000;
	q->days = 7.0;
	if (arg(wsi, "from=", buf, sizeof buf) && !parse_time(buf, &q->from_us))
		return "from: expected Unix seconds";
	if (arg(wsi, "to=", buf, sizeof buf) && !parse_time(buf, &q->to_us))
		return "to: expected Unix seconds";
	if (q->from_us >= q->to_us)
		return "the window is empty: from must be before to";
	if (arg(wsi, "days=", buf, sizeof buf)) {
		char *end;

		q->days = strtod(buf, &end);
		if (*end || !(q->days >= 0) || q->days > 3650)
			return "days: expected a number of days";
	}
	arg(wsi, "zone=", q->zone, sizeof q->zone);
	arg(wsi, "floor=", q->floor, sizeof q->floor);
	if (arg(wsi, "format=", buf, sizeof buf)) {
		if (strcmp(buf, "csv") == 0)
			q->csv = true;
		else if (strcmp(buf, "json") != 0)
			return "format: json or csv";
	}
	return NULL;
}

/* A growing text buffer for CSV. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void
put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
		              t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		} else {
			size_t cap = t->cap ? t->cap * 2 : 4096;
			char *p;

			while (cap <= t->len + (size_t)n)
				cap *= 2;
			p = realloc(t->s, cap);
			if (!p) {
				t->oom = true;
				return;
			}
			t->s = p;
			t->cap = cap;
		}
	}
}

static bool
zone_selected(const track_site_zone *z, const struct query *q)
{
	return (!q->zone[0] || strcmp(q->zone, z->id) == 0) &&
	       (!q->floor[0] || strcmp(q->floor, z->floor) == 0);
}

static struct report
occupancy(struct app *a, const struct query *q)
{
	const track_site_zone *zones;
	size_t nz = track_site_zones(a->site, &zones), rows_total = 0;
	static track_occupancy rows[MAX_ROWS];
	json_t *list = json_array();
	struct text csv = { 0 };

	if (q->csv)
		put(&csv, "zone,t,mean,peak,mean_person,mean_asset,"
		          "peak_person,peak_asset\n");
	for (size_t z = 0; z < nz; z++) {
		json_t *buckets;
		size_t n = 0;

		if (!zone_selected(&zones[z], q))
			continue;
		track_engine_occupancy(a->engine, zones[z].id, q->from_us,
		                       q->to_us, rows, MAX_ROWS, &n);
		if (n > MAX_ROWS)
			n = MAX_ROWS;
		rows_total += n;
		buckets = json_array();
		for (size_t k = 0; k < n; k++) {
			const track_occupancy *o = &rows[k];

			if (q->csv) {
				put(&csv, "%s,%.0f,%.3f,%u,%.3f,%.3f,%u,%u\n",
				    zones[z].id, (double)o->t_us * 1e-6, o->mean,
				    o->peak, o->mean_kind[TRACK_TAG_PERSON],
				    o->mean_kind[TRACK_TAG_ASSET],
				    o->peak_kind[TRACK_TAG_PERSON],
				    o->peak_kind[TRACK_TAG_ASSET]);
				continue;
			}
			json_array_append_new(
				buckets,
				json_pack("{s:f, s:f, s:i, s:f, s:f, s:i, s:i}",
				          "t", (double)o->t_us * 1e-6, "mean",
				          o->mean, "peak", (int)o->peak,
				          "mean_person",
				          o->mean_kind[TRACK_TAG_PERSON],
				          "mean_asset",
				          o->mean_kind[TRACK_TAG_ASSET],
				          "peak_person",
				          (int)o->peak_kind[TRACK_TAG_PERSON],
				          "peak_asset",
				          (int)o->peak_kind[TRACK_TAG_ASSET]));
		}
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:s, s:o}", "zone",
		                                zones[z].id, "name",
		                                zones[z].name, "floor",
		                                zones[z].floor, "buckets",
		                                buckets));
	}
	if ((q->zone[0] || q->floor[0]) && json_array_size(list) == 0) {
		json_decref(list);
		free(csv.s);
		return (struct report){ .status = 404, .error = "not found",
			                .detail = "no such zone or floor" };
	}
	(void)rows_total;
	if (q->csv) {
		json_decref(list);
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	}
	return (struct report){ .status = 200,
		                .json = json_pack("{s:i, s:o}", "bucket_s", 60,
		                                  "zones", list) };
}

static struct report
dwell(struct app *a, const struct query *q)
{
	const track_site_zone *zones;
	size_t nz = track_site_zones(a->site, &zones);
	json_t *list = json_array();
	struct text csv = { 0 };

	if (q->csv)
		put(&csv, "zone,visits,total_s,mean_s,median_s,p90_s\n");
	for (size_t z = 0; z < nz; z++) {
		track_dwell d;

		if (!zone_selected(&zones[z], q))
			continue;
		track_engine_dwell(a->engine, zones[z].id, q->from_us, q->to_us,
		                   &d);
		if (q->csv)
			put(&csv, "%s,%zu,%.1f,%.1f,%.1f,%.1f\n", zones[z].id,
			    d.visits, d.total_s, d.mean_s, d.median_s, d.p90_s);
		else
			json_array_append_new(
				list, json_pack("{s:s, s:s, s:I, s:f, s:f, s:f, "
				                "s:f}",
				                "zone", zones[z].id, "name",
				                zones[z].name, "visits",
				                (json_int_t)d.visits, "total_s",
				                d.total_s, "mean_s", d.mean_s,
				                "median_s", d.median_s, "p90_s",
				                d.p90_s));
	}
	if (q->csv) {
		json_decref(list);
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	}
	return (struct report){ .status = 200,
		                .json = json_pack("{s:o}", "zones", list) };
}

static struct report
utilization(struct app *a, const struct query *q)
{
	const track_site_tag *tags;
	size_t nt = track_site_tags(a->site, &tags), n;
	json_t *list = json_array(), *unseen = json_array();
	struct text csv = { 0 };
	const char **ids = calloc(nt ? nt : 1, sizeof *ids);

	if (!ids) {
		json_decref(list);
		json_decref(unseen);
		return (struct report){ .status = 500, .error = "out of memory" };
	}
	if (q->csv)
		put(&csv, "tag,name,category,moving_s,idle_s,utilization\n");
	for (size_t i = 0; i < nt; i++) {
		double moving = 0, idle = 0, u;

		if (tags[i].kind != TRACK_TAG_ASSET)
			continue;
		track_engine_utilization(a->engine, tags[i].id, q->from_us,
		                         q->to_us, &moving, &idle);
		u = moving + idle > 0 ? moving / (moving + idle) : 0.0;
		if (q->csv)
			put(&csv, "%s,%s,%s,%.0f,%.0f,%.3f\n", tags[i].id,
			    tags[i].name, tags[i].category, moving, idle, u);
		else
			json_array_append_new(
				list, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}",
				                "tag", tags[i].id, "name",
				                tags[i].name, "category",
				                tags[i].category, "moving_s", moving,
				                "idle_s", idle, "utilization", u));
	}
	n = track_engine_not_seen(a->engine, app_now_us(),
	                          llround(q->days * 86400e6), ids, nt);
	for (size_t i = 0; i < n && i < nt; i++)
		json_array_append_new(unseen, json_string(ids[i]));
	free(ids);
	if (q->csv) {
		json_decref(list);
		json_decref(unseen);
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	}
	return (struct report){ .status = 200,
		                .json = json_pack("{s:o, s:f, s:o}", "assets",
		                                  list, "not_seen_days", q->days,
		                                  "not_seen", unseen) };
}

static struct report
heatmap(struct app *a, const struct query *q)
{
	size_t cols, rows;
	double cell, x0, y0;
	float *grid;
	json_t *cells;
	struct text csv = { 0 };
	track_status st;

	if (!q->floor[0])
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = "floor: which floor's heatmap" };
	st = track_engine_heatmap(a->engine, q->floor, q->from_us, q->to_us,
	                          NULL, 0, &cols, &rows, &cell, &x0, &y0);
	if (st == TRACK_ENOENT)
		return (struct report){ .status = 404, .error = "not found",
			                .detail = "no such floor" };
	grid = calloc(cols * rows, sizeof *grid);
	if (!grid)
		return (struct report){ .status = 500, .error = "out of memory" };
	track_engine_heatmap(a->engine, q->floor, q->from_us, q->to_us, grid,
	                     cols * rows, &cols, &rows, &cell, &x0, &y0);
	if (q->csv) {
		put(&csv, "row,col,x,y,seconds\n");
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < cols; c++)
				if (grid[r * cols + c] > 0)
					put(&csv, "%zu,%zu,%.2f,%.2f,%.1f\n", r, c,
					    x0 + ((double)c + 0.5) * cell,
					    y0 + ((double)r + 0.5) * cell,
					    grid[r * cols + c]);
		free(grid);
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	}
	cells = json_array();
	for (size_t i = 0; i < cols * rows; i++)
		json_array_append_new(cells,
		                      json_real(round(grid[i] * 10) / 10));
	free(grid);
	return (struct report){
		.status = 200,
		.json = json_pack("{s:s, s:f, s:f, s:f, s:I, s:I, s:o}", "floor",
		                  q->floor, "cell_m", cell, "x0", x0, "y0", y0,
		                  "cols", (json_int_t)cols, "rows",
		                  (json_int_t)rows, "seconds", cells),
	};
}

struct report
reports_get(struct app *a, struct lws *wsi, const char *which)
{
	struct query q;
	const char *bad = parse_query(wsi, &q);

	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (strcmp(which, "occupancy") == 0)
		return occupancy(a, &q);
	if (strcmp(which, "dwell") == 0)
		return dwell(a, &q);
	if (strcmp(which, "utilization") == 0)
		return utilization(a, &q);
	if (strcmp(which, "heatmap") == 0)
		return heatmap(a, &q);
	return (struct report){ .status = 404, .error = "not found",
		                .detail = "reports: occupancy, dwell, "
		                          "utilization or heatmap" };
}
