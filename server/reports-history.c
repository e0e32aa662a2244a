/* GET /api/v1/tags/{id}/history, /api/v1/history?floor= and
 * /api/v1/audit: the stored rows of a window, oldest first, as JSON or
 * (history and a floor's history, with ?format=csv) as CSV (see
 * reports.h), made a page at a time (reports-pager.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports-pager.h"

/* The most positions one history answer carries (a day of one a second),
 * the most audit rows; past them the answer says "truncated". */
#define MAX_HISTORY 86400
#define MAX_AUDIT 10000
/* A floor's history: every tag on it, so a window of at most FLOOR_MAX_US
 * (an incident, not a shift) and more rows (70 tags moving for 4 h). */
#define MAX_FLOOR 500000
#define FLOOR_MAX_US (4 * 3600 * (int64_t)1000000)

static int
history_row(void *ud, const struct store_position *p)
{
	struct pager *g = ud;

	if (!pager_take(g, p->t_us, p->rowid))
		return 1;
	if (g->csv) {
		paged_printf(g->out, "%.3f,%.2f,%.2f,%.2f,",
		             (double)p->t_us * 1e-6, p->x, p->y, p->r);
		pager_csv_field(g->out, p->floor, ',');
		pager_csv_field(g->out, p->zone, '\n');
		return 0;
	}
	paged_json(g->out,
	           json_pack("{s:f, s:o, s:o, s:o, s:s?, s:s?}", "t",
	                     (double)p->t_us * 1e-6, "x", pager_coord(p->x), "y",
	                     pager_coord(p->y), "r", pager_coord(p->r), "floor", p->floor,
	                     "zone", p->zone));
	return 0;
}

/* A floor's row: a person's only for a caller who may see people, as
 * /api/v1/tags answers; the key moves on past the others all the same. */
static int
floor_row(void *ud, const struct store_position *p)
{
	struct pager *g = ud;

	if (!g->people && app_is_person(g->app, p->tag)) {
		g->read++;
		g->key = (struct store_key){ p->t_us, p->rowid };
		return 0;
	}
	if (!pager_take(g, p->t_us, p->rowid))
		return 1;
	if (g->csv) {
		paged_printf(g->out, "%.3f,", (double)p->t_us * 1e-6);
		pager_csv_field(g->out, p->tag, ',');
		paged_printf(g->out, "%.2f,%.2f,%.2f,", p->x, p->y, p->r);
		pager_csv_field(g->out, p->zone, '\n');
		return 0;
	}
	paged_json(g->out,
	           json_pack("{s:f, s:s, s:o, s:o, s:o, s:s?}", "t",
	                     (double)p->t_us * 1e-6, "tag", p->tag, "x",
	                     pager_coord(p->x), "y", pager_coord(p->y), "r", pager_coord(p->r),
	                     "zone", p->zone));
	return 0;
}

static int
audit_row(void *ud, const struct store_audit *r)
{
	struct pager *g = ud;
	json_t *row;

	if (!pager_take(g, r->t_us, r->rowid))
		return 1;
	row = json_pack("{s:f, s:o, s:s?, s:s?, s:s?, s:s?, s:s?}", "t",
	                (double)r->t_us * 1e-6, "token",
	                r->token ? json_integer(r->token) : json_null(),
	                "name", r->name, "role", r->role, "action", r->action,
	                "whom", r->whom, "peer", r->peer);
	/* A person signed in with the OpenID provider: their subject. Only
	 * on their rows: a token's row stays as small as it was. */
	if (row && r->subject)
		json_object_set_new(row, "subject", json_string(r->subject));
	paged_json(g->out, row);
	return 0;
}

/* The next page after the key, at most a slice of time on: 0, or -1. */
static int
read_forward(struct app *a, struct pager *g, size_t limit)
{
	size_t before = g->read;
	int64_t end = g->to - g->key.t_us > g->slice ? g->key.t_us + g->slice
	                                             : g->to;
	int rc;

	if (g->kind == HISTORY)
		rc = store_history_page(a->store, g->tag, g->key, end, limit,
		                        history_row, g);
	else if (g->kind == FLOOR)
		rc = store_floor_history_page(a->store, g->tag, g->key, end,
		                              limit, floor_row, g);
	else
		rc = store_audit_page(a->store, g->key, end, limit, audit_row,
		                      g);
	if (rc < 0)
		return -1;
	if (g->truncated) {
		g->done = true;
	} else if (g->read - before < limit) {
		/* The stretch is read: on to the next. */
		g->key = STORE_KEY_AT(end);
		g->done = end >= g->to;
	}
	return 0;
}

struct report
reports_history(struct app *a, const struct request *r, const char *tag)
{
	int64_t from, to;
	const char *bad = query_window(r, &from, &to);
	bool want = !bad && pager_want_csv(r, &bad);
	struct pager *g;
	int known;

	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if ((known = report_tag_known(a, tag)) <= 0)
		return known < 0 ? report_storage_error(a) : report_unknown_tag();
	if (!a->store)
		return (struct report){ .status = 503, .error = "unavailable",
			                .detail = "no history is kept: trackd "
			                          "runs without --db" };
	if (!(g = pager_new(a, HISTORY, from, to, MAX_HISTORY, want,
	                    read_forward)))
		return report_no_memory();
	snprintf(g->tag, sizeof g->tag, "%s", tag);
	pager_begin(g, "t,x,y,r,floor,zone\n",
	      json_pack("{s:s, s:f, s:f}", "tag", tag, "from",
	                (double)from * 1e-6, "to", (double)to * 1e-6),
	      "positions");
	return pager_start(a, g, 500);
}

struct report
reports_audit(struct app *a, const struct request *r)
{
	int64_t from, to;
	const char *bad = query_window(r, &from, &to);
	struct pager *g;

	/* As history: the rows a window reads grow with it. */
	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (!a->store)
		return (struct report){ .status = 503, .error = "no history",
			                .detail = "trackd runs without --db" };
	if (!(g = pager_new(a, AUDIT, from, to, MAX_AUDIT, false,
	                    read_forward)))
		return report_no_memory();
	pager_begin(g, "",
	      json_pack("{s:f, s:f}", "from", (double)from * 1e-6, "to",
	                (double)to * 1e-6),
	      "audit");
	return pager_start(a, g, 503);
}

/* Whether the site has a floor of this id. */
static bool
floor_known(struct app *a, const char *floor)
{
	const track_site *site = track_site_engine(a->site);

	for (size_t f = 0; f < site->n_floors; f++)
		if (strcmp(site->floors[f].id, floor) == 0)
			return true;
	return false;
}

/* "floor:f0 2025-11-23T12:13:20Z/2025-11-23T12:23:20Z": whose places,
 * over which window, as the audit trail keeps it. */
static void
floor_whom(char *buf, size_t len, const char *floor, int64_t from,
           int64_t to)
{
	char f[32], t[32];
	time_t fs = (time_t)(from / 1000000), ts = (time_t)(to / 1000000);
	struct tm tm;

	strftime(f, sizeof f, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&fs, &tm));
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&ts, &tm));
	snprintf(buf, len, "floor:%s %s/%s", floor, f, t);
}

struct report
reports_floor_history(struct app *a, const struct request *r, bool people,
                      char *whom, size_t whom_len)
{
	int64_t from, to;
	char floor[TRACK_ID_MAX + 1];
	const char *bad = query_window(r, &from, &to);
	bool want = !bad && pager_want_csv(r, &bad);
	bool has = query_arg(r, "floor=", floor, sizeof floor);
	struct pager *g;

	if (!bad && (!has || !*floor))
		bad = "give the floor as ?floor=";
	if (!bad && to - from > FLOOR_MAX_US)
		bad = "the window is too long: at most 4 hours for a floor";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (strlen(floor) >= TRACK_ID_MAX || !floor_known(a, floor))
		return (struct report){ .status = 404, .error = "not found",
			                .detail = "the site has no floor with "
			                          "this id" };
	if (!a->store)
		return (struct report){ .status = 503, .error = "unavailable",
			                .detail = "no history is kept: trackd "
			                          "runs without --db" };
	if (!(g = pager_new(a, FLOOR, from, to, MAX_FLOOR, want,
	                    read_forward)))
		return report_no_memory();
	g->app = a;
	g->people = people;
	snprintf(g->tag, sizeof g->tag, "%s", floor);
	pager_begin(g, "t,tag,x,y,r,zone\n",
	      json_pack("{s:s, s:f, s:f, s:b}", "floor", floor, "from",
	                (double)from * 1e-6, "to", (double)to * 1e-6,
	                "people", g->people),
	      "positions");
	/* Only a look-up that reads people is one of a person. */
	if (people)
		floor_whom(whom, whom_len, floor, from, to);
	return pager_start(a, g, 500);
}
