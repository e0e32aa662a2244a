/* GET /api/v1/reports/{occupancy,dwell,utilization,heatmap}: the engine's
 * statistics for a window, as JSON or, with ?format=csv, as CSV; and the
 * stored history: GET /api/v1/tags/{id}/history and /api/v1/events.
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
#include "escape.h"
#include "occupancy.h"
#include "persist.h"
#include "reports.h"

/* Utilization is kept per UTC day. */
#define DAY_US (86400 * INT64_C(1000000))

/* The most positions one history answer carries (a day of one a second),
 * and the most events; past them the answer says "truncated". */
#define MAX_HISTORY 86400
#define MAX_EVENTS 10000

struct query {
	int64_t from_us, to_us;
	char zone[TRACK_ID_MAX];
	char floor[TRACK_ID_MAX];
	double days;
	int64_t bucket_us;   /* occupancy rows merged to this (0: as kept) */
	bool csv;
};

/* The value of name= in the query string into out. lws writes every
 * fragment it looks at into the buffer it is given, so a missing argument
 * must not be allowed to leave one behind in out. */
bool
query_arg(struct lws *wsi, const char *name, char *out, size_t len)
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

const char *
query_window_parse(const char *from, const char *to, int64_t now_us,
                   int64_t *from_us, int64_t *to_us)
{
	*to_us = now_us;
	*from_us = now_us - 3600 * (int64_t)1000000;
	if (from && !parse_time(from, from_us))
		return "from: expected Unix seconds";
	if (to) {
		if (!parse_time(to, to_us))
			return "to: expected Unix seconds";
		/* to alone: the hour before it. */
		if (!from)
			*from_us = *to_us - 3600 * (int64_t)1000000;
	}
	if (*from_us >= *to_us)
		return "the window is empty: from must be before to";
	return NULL;
}

const char *
query_days_parse(const char *s, double *days)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 3650)
		return "days: expected a number of days, 0 to 3650";
	*days = v;
	return NULL;
}

const char *
query_bucket_parse(const char *s, int64_t *bucket_us)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 60 || v > 7 * 86400 || v % 60)
		return "bucket: seconds, a multiple of 60 up to a week";
	*bucket_us = v * INT64_C(1000000);
	return NULL;
}

const char *
query_window(struct lws *wsi, int64_t *from_us, int64_t *to_us)
{
	char from[128], to[128];
	bool has_from = query_arg(wsi, "from=", from, sizeof from);
	bool has_to = query_arg(wsi, "to=", to, sizeof to);

	return query_window_parse(has_from ? from : NULL, has_to ? to : NULL,
	                          app_now_us(), from_us, to_us);
}

/* NULL, or what is wrong with the query. */
static const char *
parse_query(struct lws *wsi, struct query *q)
{
	char buf[128];
	const char *bad;

	memset(q, 0, sizeof *q);
	q->days = 7.0;
	if ((bad = query_window(wsi, &q->from_us, &q->to_us)))
		return bad;
	if (query_arg(wsi, "days=", buf, sizeof buf) &&
	    (bad = query_days_parse(buf, &q->days)))
		return bad;
	if (query_arg(wsi, "bucket=", buf, sizeof buf) &&
	    (bad = query_bucket_parse(buf, &q->bucket_us)))
		return bad;
	query_arg(wsi, "zone=", q->zone, sizeof q->zone);
	query_arg(wsi, "floor=", q->floor, sizeof q->floor);
	if (query_arg(wsi, "format=", buf, sizeof buf)) {
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

/* Text into a CSV answer: the one way any string (an id from a scanner, a
 * name from the site) gets there, so none can forge a row or a formula.
 * sep (',' or '\n') ends the field. */
static void
put_field(struct text *t, const char *s, char sep)
{
	char buf[2 * TRACK_ID_MAX + 4];
	size_t n = escape_csv(buf, sizeof buf, s);
	char *big = n < sizeof buf ? NULL : malloc(n + 1);

	if (n >= sizeof buf && !big) {
		t->oom = true;
		return;
	}
	if (big)
		escape_csv(big, n + 1, s);
	put(t, "%s%c", big ? big : buf, sep);
	free(big);
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
		lwsl_err("db: dwell in %s: %s\n", zone, store_error(a->store));
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
	struct text csv = { 0 };

	if (q->csv)
		put(&csv, "zone,visits,total_s,mean_s,median_s,p90_s\n");
	for (size_t z = 0; z < nz; z++) {
		track_dwell d;

		if (!zone_selected(&zones[z], q))
			continue;
		if (!stored_dwell(a, zones[z].id, q, &d))
			track_engine_dwell(a->engine, zones[z].id, q->from_us,
			                   q->to_us, &d);
		if (q->csv) {
			put_field(&csv, zones[z].id, ',');
			put(&csv, "%zu,%.1f,%.1f,%.1f,%.1f\n", d.visits,
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
		/* Earlier runs' days, from the database. */
		if (a->store &&
		    store_utilization(a->store, tags[i].id,
		                      q->from_us / DAY_US * DAY_US, q->to_us,
		                      a->started_us, &moving, &idle) < 0)
			lwsl_err("db: utilization: %s\n", store_error(a->store));
		u = moving + idle > 0 ? moving / (moving + idle) : 0.0;
		if (q->csv) {
			put_field(&csv, tags[i].id, ',');
			put_field(&csv, tags[i].name, ',');
			put_field(&csv, tags[i].category, ',');
			put(&csv, "%.0f,%.0f,%.3f\n", moving, idle, u);
		} else
			json_array_append_new(
				list, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}",
				                "tag", tags[i].id, "name",
				                tags[i].name, "category",
				                tags[i].category, "moving_s", moving,
				                "idle_s", idle, "utilization", u));
	}
	n = track_engine_not_seen(a->engine, app_now_us(),
	                          llround(q->days * 86400e6), ids, nt);
	for (size_t i = 0; i < n && i < nt; i++) {
		/* Heard before this run (a restored last position) counts. */
		const struct live_tag *t = livetable_find(&a->live, ids[i]);

		if (t && app_now_us() - t->pos.heard_us <
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
	/* Earlier runs' hours, from the database. */
	if (a->store && store_add_heatmap(a->store, q->floor, q->from_us,
	                                  q->to_us, a->started_us, cols, rows,
	                                  grid) < 0)
		lwsl_err("db: heatmap: %s\n", store_error(a->store));
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

	/* As history: the stored rows a window reads grow with it. */
	if (!bad && q.to_us - q.from_us > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (strcmp(which, "occupancy") == 0)
		return occupancy_report(a, q.from_us, q.to_us, q.zone, q.floor,
		                        q.bucket_us, q.csv);
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

/* ---- stored history ------------------------------------------------------ */

static bool
want_csv(struct lws *wsi, const char **bad)
{
	char buf[16];

	*bad = NULL;
	if (!query_arg(wsi, "format=", buf, sizeof buf))
		return false;
	if (strcmp(buf, "csv") == 0)
		return true;
	if (strcmp(buf, "json") != 0)
		*bad = "format: json or csv";
	return false;
}

static json_t *
coord(double v)
{
	return isfinite(v) ? json_real(round(v * 100) / 100) : json_null();
}

struct rows {
	json_t *list;
	struct text *csv;
	size_t n, max;
};

static int
history_row(void *ud, const struct store_position *p)
{
	struct rows *r = ud;

	if (++r->n > r->max)
		return 1;
	if (r->csv) {
		put(r->csv, "%.3f,%.2f,%.2f,%.2f,", (double)p->t_us * 1e-6,
		    p->x, p->y, p->r);
		put_field(r->csv, p->floor, ',');
		put_field(r->csv, p->zone, '\n');
		return 0;
	}
	json_array_append_new(
		r->list, json_pack("{s:f, s:o, s:o, s:o, s:s?, s:s?}", "t",
		                   (double)p->t_us * 1e-6, "x", coord(p->x),
		                   "y", coord(p->y), "r", coord(p->r), "floor",
		                   p->floor, "zone", p->zone));
	return 0;
}

static struct report
store_failed(struct app *a)
{
	return (struct report){ .status = 500, .error = "storage error",
		                .detail = store_error(a->store) };
}

struct report
reports_history(struct app *a, struct lws *wsi, const char *tag)
{
	int64_t from, to;
	const char *bad = query_window(wsi, &from, &to);
	struct text csv = { 0 };
	bool want = !bad && want_csv(wsi, &bad);
	struct rows r = { .max = MAX_HISTORY };
	int known;

	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	known = app_site_tag(a, tag) || livetable_find(&a->live, tag);
	if (!known && a->store && (known = store_has_tag(a->store, tag)) < 0)
		return store_failed(a);
	if (!known)
		return (struct report){ .status = 404, .error = "not found",
			                .detail = "no tag with this id is "
			                          "listed or has a history" };
	if (!a->store)
		return (struct report){ .status = 503, .error = "unavailable",
			                .detail = "no history is kept: trackd "
			                          "runs without --db" };
	if (want) {
		r.csv = &csv;
		put(&csv, "t,x,y,r,floor,zone\n");
	} else {
		r.list = json_array();
	}
	if (store_history(a->store, tag, from, to, MAX_HISTORY + 1,
	                  history_row, &r) < 0) {
		json_decref(r.list);
		free(csv.s);
		return store_failed(a);
	}
	if (want)
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	return (struct report){
		.status = 200,
		.json = json_pack("{s:s, s:f, s:f, s:o, s:b}", "tag", tag,
		                  "from", (double)from * 1e-6, "to",
		                  (double)to * 1e-6, "positions", r.list,
		                  "truncated", r.n > r.max),
	};
}

static int
event_row(void *ud, const struct store_event *e)
{
	struct rows *r = ud;

	if (++r->n > r->max)
		return 1;
	if (r->csv) {
		put(r->csv, "%.3f,", (double)e->t_us * 1e-6);
		put_field(r->csv, e->type, ',');
		put_field(r->csv, e->tag, ',');
		put_field(r->csv, e->zone, ',');
		put_field(r->csv, e->floor, ',');
		if (isfinite(e->x) && isfinite(e->y))
			put(r->csv, "%.2f,%.2f\n", e->x, e->y);
		else
			put(r->csv, ",\n");
		return 0;
	}
	json_array_append_new(
		r->list, json_pack("{s:f, s:s, s:s, s:s?, s:s?, s:o, s:o}", "t",
		                   (double)e->t_us * 1e-6, "type", e->type,
		                   "tag", e->tag, "zone", e->zone, "floor",
		                   e->floor, "x", coord(e->x), "y",
		                   coord(e->y)));
	return 0;
}

/* Without a database: what the live event ring still holds. */
static void
ring_events(struct app *a, int64_t from, int64_t to, const char *tag,
            const char *type, struct rows *r)
{
	uint64_t first = a->ev_seq >= EVENT_RING ? a->ev_seq - EVENT_RING + 1
	                                         : 1;

	for (uint64_t s = first; s <= a->ev_seq; s++) {
		const track_event *ev = &a->events[s % EVENT_RING].ev;
		struct store_event e;

		if (ev->t_us < from || ev->t_us >= to ||
		    (tag && strcmp(tag, ev->tag) != 0) ||
		    (type && strcmp(type, track_event_name(ev->type)) != 0))
			continue;
		e = persist_event_row(ev);
		if (event_row(r, &e))
			break;
	}
}

struct report
reports_events(struct app *a, struct lws *wsi)
{
	int64_t from, to;
	const char *bad = query_window(wsi, &from, &to);
	bool want = !bad && want_csv(wsi, &bad);
	char tag[256], type[32];
	bool by_tag = query_arg(wsi, "tag=", tag, sizeof tag);
	bool by_type = query_arg(wsi, "type=", type, sizeof type);
	struct text csv = { 0 };
	struct rows r = { .max = MAX_EVENTS };

	if (!bad && by_tag && strlen(tag) >= TRACK_ID_MAX)
		bad = "tag: longer than any tag id";
	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (by_type) {
		bool known = false;

		for (int k = TRACK_EVENT_ZONE_ENTER; k <= TRACK_EVENT_FOUND;
		     k++) {
			const char *name = track_event_name((track_event_type)k);

			known |= strcmp(type, name) == 0;
		}
		if (!known)
			return (struct report){
				.status = 400, .error = "bad request",
				.detail = "type: zone_enter, zone_exit, "
				          "restricted_entry, distress, lost or "
				          "found" };
	}
	if (want) {
		r.csv = &csv;
		put(&csv, "t,type,tag,zone,floor,x,y\n");
	} else {
		r.list = json_array();
	}
	if (!a->store) {
		ring_events(a, from, to, by_tag ? tag : NULL,
		            by_type ? type : NULL, &r);
	} else if (store_events(a->store, from, to, by_tag ? tag : NULL,
	                        by_type ? type : NULL, MAX_EVENTS + 1,
	                        event_row, &r) < 0) {
		json_decref(r.list);
		free(csv.s);
		return store_failed(a);
	}
	if (want)
		return (struct report){ .status = csv.oom ? 500 : 200,
			                .csv = csv.s };
	return (struct report){
		.status = 200,
		.json = json_pack("{s:f, s:f, s:o, s:b}", "from",
		                  (double)from * 1e-6, "to", (double)to * 1e-6,
		                  "events", r.list, "truncated", r.n > r.max),
	};
}
