/* GET /api/v1/tags/{id}/history, /api/v1/history?floor=, /api/v1/events
 * and /api/v1/audit: the stored rows of a window, as JSON or (history, a
 * floor's history and events, with ?format=csv) as CSV (see reports.h).
 * Each answer is made in pieces (paged.h): a step reads one page of rows,
 * keyed by (time, rowid) so that none comes twice or is skipped
 * (store_key), and never more than a slice of time, so that a step's cost
 * does not grow with the window. Events come newest first (what a guard
 * wants first), and an answer cut at its limit says where the next page
 * starts ("next", given back as before=). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "log.h"
#include "persist.h"
#include "reports.h"

/* The most positions one history answer carries (a day of one a second),
 * the most events and audit rows; past them the answer says "truncated". */
#define MAX_HISTORY 86400
#define MAX_EVENTS 10000
#define MAX_AUDIT 10000
/* A floor's history: every tag on it, so a window of at most FLOOR_MAX_US
 * (an incident, not a shift) and more rows (70 tags moving for 4 h). */
#define MAX_FLOOR 500000
#define FLOOR_MAX_US (4 * 3600 * (int64_t)1000000)

/* Rows a step reads at most (--page-rows overrides it, for tests), and
 * the longest stretch of time it reads: history's query sorts what the
 * stretch holds. */
#define PAGE_ROWS 256
#define SLICE_US (3600 * (int64_t)1000000)
/* A floor's query sorts every tag's rows of its stretch: one index bucket
 * (10 s) keeps that to a bucket's rows, as one tag's hour is. */
#define FLOOR_SLICE_US (10 * (int64_t)1000000)

enum kind { HISTORY, FLOOR, EVENTS, AUDIT };

struct pager {
	enum kind kind;
	bool csv, ring;         /* ring: events from memory (no --db) */
	int64_t from, to;
	int64_t slice;          /* the longest stretch a step reads */
	struct store_key key;   /* the next step reads after it (EVENTS:
	                         * before it) */
	struct store_key last;  /* the last row given (EVENTS: "next") */
	/* Without a database: the ring's events that match, keyed by (t,
	 * sequence number), newest first; the next to give is keys[at]. */
	struct store_key *keys;
	size_t n_keys, at;
	size_t n, max, page;    /* n: rows taken (one past max: truncated) */
	size_t read;            /* rows read, taken or (FLOOR) left out */
	bool people;            /* FLOOR: people too, not only assets */
	struct app *app;        /* FLOOR: to tell people from assets */
	bool done, truncated;
	char tag[TRACK_ID_MAX], type[32];
	bool by_tag, by_type;
	char *tail;             /* what closes the JSON list: its name */
	struct paged_text *out; /* during a step */
	struct paged_text first; /* made with the report, to catch errors */
	int first_rc;
	bool primed;
};

static bool
want_csv(const struct request *r, const char **bad)
{
	char buf[16];

	*bad = NULL;
	if (!query_arg(r, "format=", buf, sizeof buf))
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

/* Text into a CSV row, escaped: no forged rows or formulas. */
static void
csv_field(struct paged_text *t, const char *s, char sep)
{
	char buf[2 * TRACK_ID_MAX + 4], *heap;
	const char *field = escape_csv_field(s, buf, sizeof buf, &heap);

	if (!field) {
		t->oom = true;
		return;
	}
	paged_printf(t, "%s%c", field, sep);
	free(heap);
}

/* Count a row; false past the cap (the answer is then truncated). */
static bool
take(struct pager *g, int64_t t_us, int64_t rowid)
{
	g->read++;
	if (++g->n > g->max) {
		g->truncated = true;
		return false;
	}
	g->key = g->last = (struct store_key){ t_us, rowid };
	if (!g->csv && g->n > 1)
		paged_printf(g->out, ",");
	return true;
}

static int
history_row(void *ud, const struct store_position *p)
{
	struct pager *g = ud;

	if (!take(g, p->t_us, p->rowid))
		return 1;
	if (g->csv) {
		paged_printf(g->out, "%.3f,%.2f,%.2f,%.2f,",
		             (double)p->t_us * 1e-6, p->x, p->y, p->r);
		csv_field(g->out, p->floor, ',');
		csv_field(g->out, p->zone, '\n');
		return 0;
	}
	paged_json(g->out,
	           json_pack("{s:f, s:o, s:o, s:o, s:s?, s:s?}", "t",
	                     (double)p->t_us * 1e-6, "x", coord(p->x), "y",
	                     coord(p->y), "r", coord(p->r), "floor", p->floor,
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
	if (!take(g, p->t_us, p->rowid))
		return 1;
	if (g->csv) {
		paged_printf(g->out, "%.3f,", (double)p->t_us * 1e-6);
		csv_field(g->out, p->tag, ',');
		paged_printf(g->out, "%.2f,%.2f,%.2f,", p->x, p->y, p->r);
		csv_field(g->out, p->zone, '\n');
		return 0;
	}
	paged_json(g->out,
	           json_pack("{s:f, s:s, s:o, s:o, s:o, s:s?}", "t",
	                     (double)p->t_us * 1e-6, "tag", p->tag, "x",
	                     coord(p->x), "y", coord(p->y), "r", coord(p->r),
	                     "zone", p->zone));
	return 0;
}

static void
put_event(struct pager *g, const struct store_event *e)
{
	if (g->csv) {
		paged_printf(g->out, "%.3f,", (double)e->t_us * 1e-6);
		csv_field(g->out, e->type, ',');
		csv_field(g->out, e->tag, ',');
		csv_field(g->out, e->zone, ',');
		csv_field(g->out, e->floor, ',');
		if (isfinite(e->x) && isfinite(e->y))
			paged_printf(g->out, "%.2f,%.2f\n", e->x, e->y);
		else
			paged_printf(g->out, ",\n");
		return;
	}
	paged_json(g->out,
	           json_pack("{s:f, s:s, s:s, s:s?, s:s?, s:o, s:o}", "t",
	                     (double)e->t_us * 1e-6, "type", e->type, "tag",
	                     e->tag, "zone", e->zone, "floor", e->floor, "x",
	                     coord(e->x), "y", coord(e->y)));
}

static int
event_row(void *ud, const struct store_event *e)
{
	struct pager *g = ud;

	if (!take(g, e->t_us, e->rowid))
		return 1;
	put_event(g, e);
	return 0;
}

static int
audit_row(void *ud, const struct store_audit *r)
{
	struct pager *g = ud;
	json_t *row;

	if (!take(g, r->t_us, r->rowid))
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

static bool
key_before(struct store_key a, struct store_key b)
{
	return a.t_us < b.t_us || (a.t_us == b.t_us && a.rowid < b.rowid);
}

static int
newest_first(const void *pa, const void *pb)
{
	const struct store_key *a = pa, *b = pb;

	return key_before(*b, *a) ? -1 : key_before(*a, *b) ? 1 : 0;
}

static const track_event *
ring_event(const struct app *a, uint64_t seq)
{
	uint64_t first = a->ev_seq >= EVENT_RING ? a->ev_seq - EVENT_RING + 1
	                                         : 1;

	return seq >= first && seq <= a->ev_seq
	               ? &a->events[seq % EVENT_RING].ev
	               : NULL;
}

/* The ring's events that g asks for, before its key, newest first: the
 * same order and keys as the store's (the sequence number as the rowid),
 * so that a page's "next" means the same with or without a database.
 * False when out of memory. */
static bool
ring_select(struct app *a, struct pager *g)
{
	g->keys = malloc(EVENT_RING * sizeof *g->keys);
	if (!g->keys)
		return false;
	for (uint64_t seq = a->ev_seq; ring_event(a, seq); seq--) {
		const track_event *ev = ring_event(a, seq);
		struct store_key k = { ev->t_us, (int64_t)seq };

		if (ev->t_us >= g->from && key_before(k, g->key) &&
		    (!g->by_tag || strcmp(g->tag, ev->tag) == 0) &&
		    (!g->by_type ||
		     strcmp(g->type, track_event_name(ev->type)) == 0))
			g->keys[g->n_keys++] = k;
	}
	qsort(g->keys, g->n_keys, sizeof *g->keys, newest_first);
	return true;
}

/* Without a database: up to limit of the events the live ring still
 * holds (those it dropped meanwhile are gone). */
static void
ring_step(struct app *a, struct pager *g, size_t limit)
{
	size_t got = 0;

	if (!g->keys && !ring_select(a, g)) {
		g->out->oom = true; /* the answer fails as out of memory */
		g->done = true;
		return;
	}
	for (; g->at < g->n_keys && got < limit; g->at++) {
		struct store_key k = g->keys[g->at];
		const track_event *ev = ring_event(a, (uint64_t)k.rowid);
		struct store_event e;

		if (!ev)
			continue;
		e = persist_event_row(ev);
		got++;
		if (!take(g, k.t_us, k.rowid)) {
			g->done = true;
			return;
		}
		put_event(g, &e);
	}
	g->done = g->at >= g->n_keys;
}

/* One page of events from the store, newest first: the stretch of at
 * most a slice before the key. 0, or -1. */
static int
events_step(struct app *a, struct pager *g, size_t limit)
{
	size_t before = g->read;
	int64_t lo = g->key.t_us - g->from > g->slice ? g->key.t_us - g->slice
	                                              : g->from;

	if (store_events_page(a->store, lo, g->key, g->by_tag ? g->tag : NULL,
	                      g->by_type ? g->type : NULL, limit, event_row,
	                      g) < 0)
		return -1;
	if (g->truncated) {
		g->done = true;
	} else if (g->read - before < limit) {
		/* The stretch is read: on to the one before. */
		g->key = STORE_KEY_AT(lo);
		g->done = lo <= g->from;
	}
	return 0;
}

/* One page of rows into g->out: 0, or -1 when the store failed. */
static int
step(struct app *a, struct pager *g)
{
	size_t limit = g->max + 1 - g->n, before = g->read;
	int64_t end = g->to - g->key.t_us > g->slice ? g->key.t_us + g->slice
	                                             : g->to;
	int rc = 0;

	if (limit > g->page)
		limit = g->page;
	if (g->ring) {
		ring_step(a, g, limit);
		return 0;
	}
	if (g->kind == EVENTS)
		return events_step(a, g, limit);
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

static int
pager_step(struct app *a, struct pager *g, struct paged_text *out)
{
	g->out = out;
	if (!g->done && step(a, g) < 0) {
		log_err("db: report cut short: %s\n", store_error(a->store));
		return -1;
	}
	if (!g->done)
		return 1;
	if (g->csv)
		return 0;
	paged_printf(out, "],\"truncated\":%s", g->truncated ? "true" : "false");
	if (g->kind == EVENTS) {
		char next[QUERY_CURSOR_MAX];

		/* The key of the last event given: the next page's before=. */
		query_cursor_format(next, sizeof next, g->last.t_us,
		                    g->last.rowid);
		paged_printf(out, ",\"next\":%s%s%s", g->truncated ? "\"" : "",
		             g->truncated ? next : "null",
		             g->truncated ? "\"" : "");
	}
	paged_printf(out, "}");
	return 0;
}

static int
pager_next(struct app *a, void *state, struct paged_text *out)
{
	struct pager *g = state;

	if (g->primed) {
		g->primed = false;
		if (g->first.s)
			paged_printf(out, "%s", g->first.s);
		free(g->first.s);
		g->first = (struct paged_text){ 0 };
		return g->first_rc;
	}
	return pager_step(a, g, out);
}

static void
pager_free(void *state)
{
	struct pager *g = state;

	free(g->first.s);
	free(g->keys);
	free(g);
}

/* The answer's start: CSV's header line, or JSON's fields before the
 * list (doc without its "}") and the list's name. */
static void
begin(struct pager *g, const char *csv_header, json_t *doc,
      const char *list)
{
	struct paged_text h = { 0 };

	if (g->csv) {
		paged_printf(&g->first, "%s", csv_header);
		json_decref(doc);
		return;
	}
	paged_json(&h, doc);
	if (h.oom) {
		g->first.oom = true;
		return;
	}
	h.s[--h.len] = '\0';
	paged_printf(&g->first, "%s,\"%s\":[", h.s, list);
	free(h.s);
}

/* The report of g: its first step is made now, so that a store that
 * cannot be read answers with an error (status fail), as before paging. */
static struct report
start(struct app *a, struct pager *g, int fail)
{
	if (!g->first.oom)
		g->first_rc = pager_step(a, g, &g->first);
	if (g->first_rc < 0 || g->first.oom) {
		bool oom = g->first.oom && g->first_rc >= 0;

		pager_free(g);
		return (struct report){
			.status = oom ? 500 : fail,
			.error = oom ? "out of memory" : "storage error",
			.detail = oom ? "the answer" : store_error(a->store) };
	}
	g->primed = true;
	return (struct report){
		.status = 200,
		.paged = { pager_next, pager_free, g,
		           g->csv ? "text/csv" : "application/json" },
	};
}

static struct pager *
pager_new(struct app *a, enum kind kind, int64_t from, int64_t to,
          size_t max, bool csv)
{
	struct pager *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->kind = kind;
	g->csv = csv;
	g->from = from;
	g->to = to;
	g->key = STORE_KEY_AT(kind == EVENTS ? to : from);
	g->max = max;
	g->page = a->page_rows ? a->page_rows : PAGE_ROWS;
	g->slice = kind == FLOOR ? FLOOR_SLICE_US : SLICE_US;
	g->done = from >= to;
	return g;
}

static struct report
no_memory(void)
{
	return (struct report){ .status = 500, .error = "out of memory",
		                .detail = "the answer" };
}

/* A tag the site lists, that has been located, or that has a history: 1;
 * 0 for none of these; -1 when the database cannot say. */
static int
tag_known(struct app *a, const char *tag)
{
	if (app_site_tag(a, tag) || livetable_find(&a->live, tag))
		return 1;
	return a->store ? store_has_tag(a->store, tag) : 0;
}

/* Any other tag is a 404, for its history as for its events: an empty
 * answer would read as "nothing happened" to a typo. */
static struct report
unknown_tag(void)
{
	return (struct report){ .status = 404, .error = "not found",
		                .detail = "no tag with this id is listed or "
		                          "has a history" };
}

static struct report
storage_error(struct app *a)
{
	return (struct report){ .status = 500, .error = "storage error",
		                .detail = store_error(a->store) };
}

struct report
reports_history(struct app *a, const struct request *r, const char *tag)
{
	int64_t from, to;
	const char *bad = query_window(r, &from, &to);
	bool want = !bad && want_csv(r, &bad);
	struct pager *g;
	int known;

	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if ((known = tag_known(a, tag)) <= 0)
		return known < 0 ? storage_error(a) : unknown_tag();
	if (!a->store)
		return (struct report){ .status = 503, .error = "unavailable",
			                .detail = "no history is kept: trackd "
			                          "runs without --db" };
	if (!(g = pager_new(a, HISTORY, from, to, MAX_HISTORY, want)))
		return no_memory();
	snprintf(g->tag, sizeof g->tag, "%s", tag);
	begin(g, "t,x,y,r,floor,zone\n",
	      json_pack("{s:s, s:f, s:f}", "tag", tag, "from",
	                (double)from * 1e-6, "to", (double)to * 1e-6),
	      "positions");
	return start(a, g, 500);
}

struct report
reports_events(struct app *a, const struct request *r)
{
	int64_t from, to;
	const char *bad = query_window(r, &from, &to);
	bool want = !bad && want_csv(r, &bad);
	char tag[256], type[32], arg[64];
	bool by_tag = query_arg(r, "tag=", tag, sizeof tag);
	bool by_type = query_arg(r, "type=", type, sizeof type);
	bool paged = query_arg(r, "before=", arg, sizeof arg);
	struct store_key before = STORE_KEY_AT(to);
	size_t limit = MAX_EVENTS;
	struct pager *g;
	int listed;

	if (!bad && by_tag && strlen(tag) >= TRACK_ID_MAX)
		bad = "tag: longer than any tag id";
	if (!bad && paged)
		bad = query_cursor_parse(arg, &before.t_us, &before.rowid);
	if (!bad && query_arg(r, "limit=", arg, sizeof arg) &&
	    !query_limit_parse(arg, MAX_EVENTS, &limit))
		bad = "limit: a whole number of events, 1 to 10000";
	if (!bad && to - from > STORE_HISTORY_MAX_US)
		bad = "the window is too long: at most 31 days";
	if (bad)
		return (struct report){ .status = 400, .error = "bad request",
			                .detail = bad };
	if (by_tag && (listed = tag_known(a, tag)) <= 0)
		return listed < 0 ? storage_error(a) : unknown_tag();
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
	if (!(g = pager_new(a, EVENTS, from, to, limit, want)))
		return no_memory();
	/* A page goes on before the last event of the one before it, never
	 * past the window. */
	if (paged && before.t_us < to) {
		g->key = before;
		g->done = before.t_us < from;
	}
	g->ring = !a->store;
	g->by_tag = by_tag;
	g->by_type = by_type;
	snprintf(g->tag, sizeof g->tag, "%s", by_tag ? tag : "");
	snprintf(g->type, sizeof g->type, "%s", by_type ? type : "");
	begin(g, "t,type,tag,zone,floor,x,y\n",
	      json_pack("{s:f, s:f}", "from", (double)from * 1e-6, "to",
	                (double)to * 1e-6),
	      "events");
	return start(a, g, 500);
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
	if (!(g = pager_new(a, AUDIT, from, to, MAX_AUDIT, false)))
		return no_memory();
	begin(g, "",
	      json_pack("{s:f, s:f}", "from", (double)from * 1e-6, "to",
	                (double)to * 1e-6),
	      "audit");
	return start(a, g, 503);
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
	bool want = !bad && want_csv(r, &bad);
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
	if (!(g = pager_new(a, FLOOR, from, to, MAX_FLOOR, want)))
		return no_memory();
	g->app = a;
	g->people = people;
	snprintf(g->tag, sizeof g->tag, "%s", floor);
	begin(g, "t,tag,x,y,r,zone\n",
	      json_pack("{s:s, s:f, s:f, s:b}", "floor", floor, "from",
	                (double)from * 1e-6, "to", (double)to * 1e-6,
	                "people", g->people),
	      "positions");
	/* Only a look-up that reads people is one of a person. */
	if (people)
		floor_whom(whom, whom_len, floor, from, to);
	return start(a, g, 500);
}
