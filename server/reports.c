/* GET /api/v1/reports/{occupancy,dwell,utilization,heatmap}: the engine's
 * statistics for a window, as JSON or, with ?format=csv, as CSV (the
 * stored history, /api/v1/tags/{id}/history and /api/v1/events, is
 * reports-history.c's).
 *
 * Query: from, to (Unix seconds; default the last hour), zone or floor to
 * narrow, days (utilization: "not seen for" threshold, default 7). */
#include "reports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvtext.h"
#include "log.h"
#include "occupancy.h"
#include "persist.h"

/* Utilization is kept per UTC day. */
#define DAY_US (86400 * INT64_C(1000000))

struct query {
	int64_t from_us, to_us;
	char zone[TRACK_ID_MAX];
	char floor[TRACK_ID_MAX];
	double days;
	int64_t bucket_us;   /* occupancy rows merged to this (0: as kept) */
	bool csv;
	int64_t now_us;      /* when the request came */
};

/* NULL, or what is wrong with the query. */
static const char *
parse_query(const struct request *r, struct query *q)
{
	char buf[128];
	const char *bad;

	memset(q, 0, sizeof *q);
	q->days = 7.0;
	q->now_us = r->now_us;
	if ((bad = query_window(r, &q->from_us, &q->to_us)))
		return bad;
	if (query_arg(r, "days=", buf, sizeof buf) &&
	    (bad = query_days_parse(buf, &q->days)))
		return bad;
	if (query_arg(r, "bucket=", buf, sizeof buf) &&
	    (bad = query_bucket_parse(buf, &q->bucket_us)))
		return bad;
	query_arg(r, "zone=", q->zone, sizeof q->zone);
	query_arg(r, "floor=", q->floor, sizeof q->floor);
	if (query_arg(r, "format=", buf, sizeof buf)) {
		if (strcmp(buf, "csv") == 0)
			q->csv = true;
		else if (strcmp(buf, "json") != 0)
			return "format: json or csv";
	}
	return NULL;
}

static bool
zone_selected(const track_site_zone *z, const struct query *q)
{
	return (!q->zone[0] || strcmp(q->zone, z->id) == 0) &&
	       (!q->floor[0] || strcmp(q->floor, z->floor) == 0);
}

/* A window reaching back before this run started: the visits come from
 * the stored zone events, which outlive restarts (the engine's ring holds
 * only this run's). false: use the engine's. */
static bool
stored_dwell(struct app *a, const char *zone, const struct query *q,
             track_dwell *d)
{
	double *lengths;
	size_t n;

	if (!a->store || q->from_us >= a->started_us)
		return false;
	if (store_visits(a->store, zone, q->from_us, q->to_us, &lengths, &n) <
	    0) {
		log_err("db: dwell in %s: %s\n", zone, store_error(a->store));
		return false;
	}
	track_dwell_of(lengths, n, d);
	free(lengths);
	return true;
}

static struct report
dwell(struct app *a, const struct query *q)
{
	const track_site_zone *zones;
	size_t nz = track_site_zones(a->site, &zones);
	json_t *list = json_array();
	struct csvtext csv = { 0 };

	if (q->csv)
		csvtext_put(&csv,
		            "zone,visits,total_s,mean_s,median_s,p90_s\n");
	for (size_t z = 0; z < nz; z++) {
		track_dwell d;

		if (!zone_selected(&zones[z], q))
			continue;
		if (!stored_dwell(a, zones[z].id, q, &d))
			track_engine_dwell(a->engine, zones[z].id, q->from_us,
			                   q->to_us, &d);
		if (q->csv) {
			csvtext_field(&csv, zones[z].id, ',');
			csvtext_put(&csv, "%zu,%.1f,%.1f,%.1f,%.1f\n", d.visits,
			            d.total_s, d.mean_s, d.median_s, d.p90_s);
		} else
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
	struct csvtext csv = { 0 };
	const char **ids = calloc(nt ? nt : 1, sizeof *ids);

	if (!ids) {
		json_decref(list);
		json_decref(unseen);
		return (struct report){ .status = 500, .error = "out of memory" };
	}
	if (q->csv)
		csvtext_put(&csv, "tag,name,category,moving_s,idle_s,"
		                  "utilization\n");
	for (size_t i = 0; i < nt; i++) {
		double moving = 0, idle = 0, u;

		if (tags[i].kind != TRACK_TAG_ASSET)
			continue;
		track_engine_utilization(a->engine, tags[i].id, q->from_us,
		                         q->to_us, &moving, &idle);
		/* Earlier runs' days, from the database. */
		if (a->store &&
		    store_utilization(a->store, tags[i].id,
		                      q->from_us / DAY_US * DAY_US, q->to_us,
		                      a->started_us, &moving, &idle) < 0)
			log_err("db: utilization: %s\n", store_error(a->store));
		u = moving + idle > 0 ? moving / (moving + idle) : 0.0;
		if (q->csv) {
			csvtext_field(&csv, tags[i].id, ',');
			csvtext_field(&csv, tags[i].name, ',');
			csvtext_field(&csv, tags[i].category, ',');
			csvtext_put(&csv, "%.0f,%.0f,%.3f\n", moving, idle, u);
		} else
			json_array_append_new(
				list, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}",
				                "tag", tags[i].id, "name",
				                tags[i].name, "category",
				                tags[i].category, "moving_s", moving,
				                "idle_s", idle, "utilization", u));
	}
	n = track_engine_not_seen(a->engine, q->now_us,
	                          llround(q->days * 86400e6), ids, nt);
	for (size_t i = 0; i < n && i < nt; i++) {
		/* Heard before this run (a restored last position) counts. */
		const struct live_tag *t = livetable_find(&a->live, ids[i]);

		if (t && q->now_us - t->seen_us <
		                 llround(q->days * 86400e6))
			continue;
		json_array_append_new(unseen, json_string(ids[i]));
	}
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
	struct csvtext csv = { 0 };
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
	/* Earlier runs' hours, from the database. */
	if (a->store && store_add_heatmap(a->store, q->floor, q->from_us,
	                                  q->to_us, a->started_us, cols, rows,
	                                  grid) < 0)
		log_err("db: heatmap: %s\n", store_error(a->store));
	if (q->csv) {
		csvtext_put(&csv, "row,col,x,y,seconds\n");
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < cols; c++)
				if (grid[r * cols + c] > 0)
					csvtext_put(
						&csv, "%zu,%zu,%.2f,%.2f,%.1f\n", r,
						c, x0 + ((double)c + 0.5) * cell,
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
reports_get(struct app *a, const struct request *r, const char *which)
{
	struct query q;
	const char *bad = parse_query(r, &q);

	/* As history: the stored rows a window reads grow with it. */
	if (!bad && q.to_us - q.from_us > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (strcmp(which, "occupancy") == 0)
		return occupancy_report(a, q.from_us, q.to_us, q.zone, q.floor,
		                        q.bucket_us, q.csv, q.now_us);
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
