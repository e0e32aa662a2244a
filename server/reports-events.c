/* GET /api/v1/events: stored events, newest first (what a guard wants
 * first), as JSON or CSV, made a page at a time (reports-pager.h); an
 * answer cut at its limit says where the next page starts ("next", given
 * back as before=). Without a database, the events the live ring still
 * holds, in the same order and with the same keys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"
#include "reports-pager.h"

/* The most events one answer carries, and the default. */
#define MAX_EVENTS 10000

static void
put_event(struct pager *g, const struct store_event *e)
{
	if (g->csv) {
		paged_printf(g->out, "%.3f,", (double)e->t_us * 1e-6);
		pager_csv_field(g->out, e->type, ',');
		pager_csv_field(g->out, e->tag, ',');
		pager_csv_field(g->out, e->zone, ',');
		pager_csv_field(g->out, e->floor, ',');
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
	                     pager_coord(e->x), "y", pager_coord(e->y)));
}

static int
event_row(void *ud, const struct store_event *e)
{
	struct pager *g = ud;

	if (!pager_take(g, e->t_us, e->rowid))
		return 1;
	put_event(g, e);
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
		if (!pager_take(g, k.t_us, k.rowid)) {
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

static int
events_read(struct app *a, struct pager *g, size_t limit)
{
	if (!g->ring)
		return events_step(a, g, limit);
	ring_step(a, g, limit);
	return 0;
}

struct report
reports_events(struct app *a, const struct request *r)
{
	int64_t from, to;
	const char *bad = query_window(r, &from, &to);
	bool want = !bad && pager_want_csv(r, &bad);
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
	if (by_tag && (listed = report_tag_known(a, tag)) <= 0)
		return listed < 0 ? report_storage_error(a) : report_unknown_tag();
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
	if (!(g = pager_new(a, EVENTS, from, to, limit, want, events_read)))
		return report_no_memory();
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
	pager_begin(g, "t,type,tag,zone,floor,x,y\n",
	      json_pack("{s:f, s:f}", "from", (double)from * 1e-6, "to",
	                (double)to * 1e-6),
	      "events");
	return pager_start(a, g, 500);
}
