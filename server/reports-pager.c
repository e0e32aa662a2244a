/* The pager of the stored reports: see reports-pager.h. */
#include "reports-pager.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"

bool
pager_want_csv(const struct request *r, const char **bad)
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

json_t *
pager_coord(double v)
{
	return isfinite(v) ? json_real(round(v * 100) / 100) : json_null();
}

void
pager_csv_field(struct paged_text *t, const char *s, char sep)
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

bool
pager_take(struct pager *g, int64_t t_us, int64_t rowid)
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

/* One page of rows into g->out: 0, or -1 when the store failed. */
static int
step(struct app *a, struct pager *g)
{
	size_t limit = g->max + 1 - g->n;

	if (limit > g->page)
		limit = g->page;
	return g->next_page(a, g, limit);
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

void
pager_begin(struct pager *g, const char *csv_header, json_t *doc,
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

struct report
pager_start(struct app *a, struct pager *g, int fail)
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

struct pager *
pager_new(struct app *a, enum kind kind, int64_t from, int64_t to,
          size_t max, bool csv,
          int (*next_page)(struct app *, struct pager *, size_t))
{
	struct pager *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->kind = kind;
	g->next_page = next_page;
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

struct report
report_no_memory(void)
{
	return (struct report){ .status = 500, .error = "out of memory",
		                .detail = "the answer" };
}

struct report
report_storage_error(struct app *a)
{
	return (struct report){ .status = 500, .error = "storage error",
		                .detail = store_error(a->store) };
}

struct report
report_unknown_tag(void)
{
	return (struct report){ .status = 404, .error = "not found",
		                .detail = "no tag with this id is listed or "
		                          "has a history" };
}

int
report_tag_known(struct app *a, const char *tag)
{
	if (app_site_tag(a, tag) || livetable_find(&a->live, tag))
		return 1;
	return a->store ? store_has_tag(a->store, tag) : 0;
}
