/* trackd's ingest core (server/ingest.c) alone: documents into a real
 * engine, no socket, no clock (time is an argument); every refusal with
 * its reason and counter, and the limits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "server/ingest.h"

#define S 1000000LL
#define NOW (1763900000LL * S)

static const track_floor floor0 = { .id = "f0", .width = 40, .height = 20 };
static const track_scanner scanners[] = {
	{ .id = "ap-1", .floor = "f0", .x = 5, .y = 5, .z = 3 },
	{ .id = "ap-2", .floor = "f0", .x = 35, .y = 5, .z = 3 },
	{ .id = "ap-3", .floor = "f0", .x = 20, .y = 15, .z = 3 },
};
static const track_tag_info tags[] = {
	{ .id = "badge-1", .name = "Nurse", .category = "staff",
	  .kind = TRACK_TAG_PERSON },
};

static struct ingest g;
static track_engine *engine;
static json_t *site_tags;
static bool deny;

static void
setup(long scanner_rate, long press_rate)
{
	track_site site = { .floors = &floor0, .n_floors = 1,
		            .scanners = scanners, .n_scanners = 3,
		            .tags = tags, .n_tags = 1 };
	track_config cfg = track_config_default();
	struct ingest_limits lim = { .scanner_rate = scanner_rate,
		                     .press_rate = press_rate,
		                     .max_skew_us = 10 * S };

	cfg.max_tags = 64;
	cr_assert_eq(track_engine_create(&cfg, &site, &engine), TRACK_OK);
	site_tags = json_pack("{s:i}", "badge-1", 0);
	cr_assert_eq(ingest_init(&g, engine, &site, site_tags, &lim), 0);
	deny = false;
}

static void
teardown(void)
{
	ingest_free(&g);
	track_engine_destroy(engine);
	json_decref(site_tags);
}

static bool
may(void *ud, const char *scanner)
{
	(void)ud;
	(void)scanner;
	return !deny;
}

/* doc at now: the answer, with *status and *pressed. */
static json_t *
feed(const char *doc, int64_t now, int *status, bool *pressed)
{
	return ingest_document(&g, doc, strlen(doc), now, may, NULL, status,
	                       pressed);
}

static const char *
why(json_t *answer, size_t k)
{
	return json_string_value(json_object_get(
		json_array_get(json_object_get(answer, "rejected"), k), "error"));
}

Test(ingest, each_report_is_taken_or_refused_on_its_own)
{
	char doc[512];
	int status;
	bool pressed;
	json_t *a;

	setup(0, 0);
	snprintf(doc, sizeof doc,
	         "{\"scanner\":\"ap-1\",\"reports\":["
	         "{\"tag\":\"badge-1\",\"rssi\":-60,\"t\":%.3f},"
	         "{\"tag\":\"badge-1\",\"rssi\":5,\"t\":%.3f},"
	         "{\"tag\":\"bad tag\",\"rssi\":-60,\"t\":%.3f},"
	         "{\"tag\":\"badge-1\",\"rssi\":-60,\"t\":%.3f}]}",
	         NOW / 1e6, NOW / 1e6, NOW / 1e6, NOW / 1e6 + 86400);
	a = feed(doc, NOW, &status, &pressed);
	cr_expect_eq(status, 200);
	cr_expect_not(pressed);
	cr_expect_eq(json_integer_value(json_object_get(a, "accepted")), 1);
	cr_expect_str_eq(why(a, 0), "rssi out of range");
	cr_expect(strstr(why(a, 1), "'tag' must be 1 to 63 printable") != NULL);
	cr_expect_str_eq(why(a, 2), "bad report: 't' is 86400 s ahead of "
	                            "trackd's clock (at most 10 s: --max-skew)");
	cr_expect_eq(g.n.documents, 1);
	cr_expect_eq(g.n.bad_tag, 1);
	cr_expect_eq(g.n.future, 1);
	json_decref(a);
	teardown();
}

Test(ingest, a_document_that_is_not_one_or_not_the_callers_is_refused_whole)
{
	int status;
	bool pressed;
	json_t *a;

	setup(0, 0);
	a = feed("{\"scanner\": \"ap-1\", \"rep", NOW, &status, &pressed);
	cr_expect_eq(status, 400);
	cr_expect(strncmp(json_string_value(json_object_get(a, "error")),
	                  "invalid JSON at line 1", 22) == 0);
	json_decref(a);
	a = feed("[1, 2]", NOW, &status, &pressed);
	cr_expect_eq(status, 400);
	json_decref(a);
	deny = true;
	a = feed("{\"scanner\":\"ap-2\",\"reports\":[]}", NOW, &status,
	         &pressed);
	cr_expect_eq(status, 403);
	cr_expect_eq(g.n.documents_refused, 3);
	cr_expect_eq(g.n.wrong_scanner, 1);
	json_decref(a);
	teardown();
}

Test(ingest, a_scanner_past_its_rate_is_held_back_but_not_its_presses)
{
	char doc[4096];
	size_t len;
	int status;
	bool pressed;
	json_t *a;

	/* 5 reports/s, two seconds' burst: 10 go in at once, then no more
	 * until time passes; a press has its own allowance. */
	setup(5, 100);
	len = (size_t)snprintf(doc, sizeof doc, "{\"scanner\":\"ap-1\",\"reports\":[");
	for (int i = 0; i < 12; i++)
		len += (size_t)snprintf(doc + len, sizeof doc - len,
		                        "%s{\"tag\":\"badge-1\",\"rssi\":-60,"
		                        "\"t\":%.3f}", i ? "," : "",
		                        NOW / 1e6 + i * 0.001);
	snprintf(doc + len, sizeof doc - len,
	         ",{\"tag\":\"badge-1\",\"rssi\":-60,\"t\":%.3f,"
	         "\"button\":true}]}", NOW / 1e6 + 0.02);
	a = feed(doc, NOW, &status, &pressed);
	cr_expect_eq(json_integer_value(json_object_get(a, "accepted")), 11);
	cr_expect_str_eq(why(a, 0), "rate limit: more than 5 reports/s from "
	                            "this scanner");
	cr_expect_eq(g.n.rate_limited, 2);
	cr_expect(pressed, "the press went in: update at once");
	json_decref(a);
	teardown();
}

Test(ingest, a_press_needs_a_site_scanner_and_a_site_tag)
{
	char doc[512];
	int status;
	bool pressed;
	json_t *a;

	setup(0, 0);
	snprintf(doc, sizeof doc,
	         "{\"scanner\":\"ap-9\",\"reports\":[{\"tag\":\"badge-1\","
	         "\"rssi\":-60,\"t\":%.3f,\"button\":true}]}", NOW / 1e6);
	a = feed(doc, NOW, &status, &pressed);
	cr_expect_str_eq(why(a, 0), "press refused: unknown scanner");
	json_decref(a);
	snprintf(doc, sizeof doc,
	         "{\"scanner\":\"ap-1\",\"reports\":[{\"tag\":\"stranger\","
	         "\"rssi\":-60,\"t\":%.3f,\"button\":true}]}", NOW / 1e6);
	a = feed(doc, NOW, &status, &pressed);
	cr_expect_str_eq(why(a, 0), "press refused: tag not listed in the site");
	cr_expect_not(pressed);
	cr_expect_eq(g.n.presses_unknown_scanner, 1);
	cr_expect_eq(g.n.presses_unlisted, 1);
	json_decref(a);
	teardown();
}
