/* GET /api/v1/tags/{id}/history and /api/v1/events: the stored history
 * of a window, as JSON or, with ?format=csv, as CSV (see reports.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvtext.h"
#include "persist.h"
#include "reports.h"

/* The most positions one history answer carries (a day of one a second),
 * and the most events; past them the answer says "truncated". */
#define MAX_HISTORY 86400
#define MAX_EVENTS 10000

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
	struct csvtext *csv;
	size_t n, max;
};

static int
history_row(void *ud, const struct store_position *p)
{
	struct rows *r = ud;

	if (++r->n > r->max)
		return 1;
	if (r->csv) {
		csvtext_put(r->csv, "%.3f,%.2f,%.2f,%.2f,",
		            (double)p->t_us * 1e-6, p->x, p->y, p->r);
		csvtext_field(r->csv, p->floor, ',');
		csvtext_field(r->csv, p->zone, '\n');
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
	struct csvtext csv = { 0 };
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
		csvtext_put(&csv, "t,x,y,r,floor,zone\n");
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
		csvtext_put(r->csv, "%.3f,", (double)e->t_us * 1e-6);
		csvtext_field(r->csv, e->type, ',');
		csvtext_field(r->csv, e->tag, ',');
		csvtext_field(r->csv, e->zone, ',');
		csvtext_field(r->csv, e->floor, ',');
		if (isfinite(e->x) && isfinite(e->y))
			csvtext_put(r->csv, "%.2f,%.2f\n", e->x, e->y);
		else
			csvtext_put(r->csv, ",\n");
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
	struct csvtext csv = { 0 };
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
		csvtext_put(&csv, "t,type,tag,zone,floor,x,y\n");
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
