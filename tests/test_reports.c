/* trackd's report queries (server/reports-history.c) alone: GET
 * /api/v1/events answered from a real SQLite file and from the in-memory
 * ring, through struct request (a query string and the request's time),
 * no socket and no clock. Newest first, a page at a time by the cursor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "server/app.h"
#include "server/reports.h"

#ifndef DEMO_SITE
#define DEMO_SITE "floorplans/demo/site.json"
#endif

#define S 1000000LL
#define NOW (1763900000LL * S)
#define N_EVENTS 40

static char dir[64];
static char path[128];
static struct app a;

/* The query string of a test request: "name=value&..." */
static const char *
arg(void *ud, const char *name, char *buf, size_t len)
{
	const char *q = ud, *p = q;
	size_t n = strlen(name);

	while (p && *p) {
		if (strncmp(p, name, n) == 0) {
			size_t v = strcspn(p + n, "&");

			if (v >= len)
				return NULL;
			memcpy(buf, p + n, v);
			buf[v] = '\0';
			return buf;
		}
		p = strchr(p, '&');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

/* The whole answer to GET /api/v1/events?query, parsed. */
static json_t *
events(const char *query, int *status)
{
	struct request r = { arg, (void *)query, NOW };
	struct report rep = reports_events(&a, &r);
	char *body, *all = NULL;
	size_t len, total = 0;
	int more;
	json_t *doc;

	*status = rep.status;
	if (rep.status != 200)
		return json_pack("{s:s, s:s}", "error", rep.error, "detail",
		                 rep.detail);
	cr_assert_not_null(rep.paged.next);
	do {
		more = paged_piece(&a, &rep.paged, &body, &len);
		cr_assert_geq(more, 0);
		all = realloc(all, total + len + 1);
		memcpy(all + total, body, len);
		total += len;
		all[total] = '\0';
		free(body);
	} while (more);
	doc = json_loads(all, 0, NULL);
	cr_assert_not_null(doc, "%s", all);
	free(all);
	return doc;
}

/* Event i: at NOW - 600 s + 10 s * (i / 2), two to a time (ties). */
static track_event
event_at(int i)
{
	track_event e = { .type = TRACK_EVENT_ZONE_ENTER,
		          .t_us = NOW - 600 * S + 10 * S * (i / 2),
		          .zone = "icu", .floor = "f0", .x = i, .y = 1 };

	snprintf(e.tag, sizeof e.tag, "badge-000%d", i % 3 + 1);
	return e;
}

/* The demo site, its tags indexed as trackd.c does. */
static void
load_site(void)
{
	FILE *f = fopen(DEMO_SITE, "r");
	static char text[1 << 20];
	size_t n = f ? fread(text, 1, sizeof text, f) : 0;
	const track_site_tag *tags;
	char err[256];

	cr_assert_not_null(f, "%s", DEMO_SITE);
	fclose(f);
	cr_assert_eq(track_site_parse(text, n, "site.json", &a.site, err,
	                              sizeof err),
	             TRACK_OK, "%s", err);
	a.site_tag_index = json_object();
	for (size_t i = 0, nt = track_site_tags(a.site, &tags); i < nt; i++)
		json_object_set_new(a.site_tag_index, tags[i].id,
		                    json_integer((json_int_t)i));
}

static void
ring_setup(void)
{
	memset(&a, 0, sizeof a);
	load_site();
	a.events = calloc(EVENT_RING, sizeof *a.events);
	cr_assert_not_null(a.events);
	cr_assert_eq(livetable_init(&a.live, 16), 0);
	for (int i = 0; i < N_EVENTS; i++) {
		a.ev_seq++;
		a.events[a.ev_seq % EVENT_RING].ev = event_at(i);
		a.events[a.ev_seq % EVENT_RING].seq = a.ev_seq;
	}
}

static void
store_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[512];
	struct store_batch b;

	ring_setup();
	snprintf(dir, sizeof dir, "%s/test_reports_XXXXXX",
	         tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/trackd.db", dir);
	cr_assert_eq(store_open(path, &a.store, err, sizeof err), 0, "%s", err);
	cr_assert_eq(store_batch_init(&b, 64), 0);
	for (int i = 0; i < N_EVENTS; i++) {
		track_event ev = event_at(i);
		struct store_event e = { .t_us = ev.t_us, .type = "zone_enter",
			                 .zone = "icu", .floor = "f0",
			                 .x = ev.x, .y = ev.y };

		snprintf(e.tag, sizeof e.tag, "%s", ev.tag);
		store_batch_add_event(&b, &e);
	}
	cr_assert_eq(store_write(a.store, &b), 0, "%s", store_error(a.store));
	store_batch_free(&b);
}

static void
teardown(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char f[160];

	if (a.store) {
		store_close(a.store);
		for (size_t i = 0; i < 4; i++) {
			snprintf(f, sizeof f, "%s%s", path, ext[i]);
			unlink(f);
		}
		rmdir(dir);
	}
	livetable_free(&a.live);
	free(a.events);
	json_decref(a.site_tag_index);
	track_site_free(a.site);
}

/* Every event by pages of limit: each once, newest first; the number of
 * pages. */
static size_t
page_through(const char *filter, size_t limit, int want_n)
{
	char q[160], cursor[64] = "";
	double last_t = 1e300, last_x = 1e300;
	int seen = 0;
	size_t pages = 0;

	do {
		int status;
		json_t *doc, *e, *next;
		size_t i;

		snprintf(q, sizeof q, "limit=%zu&%s%s%s", limit, filter,
		         cursor[0] ? "&before=" : "", cursor);
		doc = events(q, &status);
		cr_assert_eq(status, 200, "%s", json_dumps(doc, 0));
		cr_assert_leq(json_array_size(json_object_get(doc, "events")),
		              limit);
		json_array_foreach(json_object_get(doc, "events"), i, e) {
			double t = json_number_value(json_object_get(e, "t"));
			double x = json_number_value(json_object_get(e, "x"));

			/* Events of one time were kept in order: the later
			 * one (larger x) comes first. */
			cr_expect(t < last_t || (t == last_t && x < last_x),
			          "newest first: %f after %f", t, last_t);
			last_t = t;
			last_x = x;
			seen++;
		}
		next = json_object_get(doc, "next");
		cr_expect_eq(json_is_true(json_object_get(doc, "truncated")),
		             json_is_string(next));
		snprintf(cursor, sizeof cursor, "%s",
		         json_is_string(next) ? json_string_value(next) : "");
		json_decref(doc);
		pages++;
	} while (cursor[0] && pages < 100);
	cr_expect_eq(seen, want_n, "every event once");
	return pages;
}

TestSuite(reports_store, .init = store_setup, .fini = teardown);
TestSuite(reports_ring, .init = ring_setup, .fini = teardown);

Test(reports_store, events_newest_first_a_page_at_a_time)
{
	cr_expect_eq(page_through("", 7, N_EVENTS), 6);
	cr_expect_eq(page_through("", N_EVENTS, N_EVENTS), 1);
	/* badge-0002: events 1, 4, 7, ... */
	page_through("tag=badge-0002", 3, (N_EVENTS + 1) / 3);
}

Test(reports_ring, events_without_a_database_in_the_same_order_and_pages)
{
	cr_expect_eq(page_through("", 7, N_EVENTS), 6);
	page_through("tag=badge-0002", 3, (N_EVENTS + 1) / 3);
}

Test(reports_store, a_bad_cursor_or_limit_is_a_clear_400)
{
	static const char *const bad[] = { "before=12", "before=x.1",
		                           "limit=0", "limit=10001" };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int status;
		json_t *doc = events(bad[i], &status);

		cr_expect_eq(status, 400, "%s", bad[i]);
		cr_expect_eq(strncmp(json_string_value(json_object_get(
		                             doc, "detail")),
		                     bad[i], 5),
		             0, "%s: the detail names it", bad[i]);
		json_decref(doc);
	}
}
