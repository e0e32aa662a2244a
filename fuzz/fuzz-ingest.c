/* fuzz-ingest: any bytes as a track-ingest.v1 document, through trackd's
 * ingest core (ingest_document(), with the rate limits on) into a real
 * engine on the demo building, which then runs a few updates. Whatever
 * comes in, the answer is JSON and nothing leaks. The core takes no
 * socket and no clock: the harness calls it as trackd does, with a fixed
 * time and an open caller. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "ingest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "demo.h"

/* A fixed time keeps runs reproducible. */
#define NOW_US ((int64_t)1763900000 * 1000000)

static json_t *site_tags; /* the demo's tag ids, as trackd indexes them */

/* The harness runs as an open trackd: any scanner may report. */
static bool
anyone(void *ud, const char *scanner)
{
	(void)ud;
	(void)scanner;
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const track_site_tag *tags;
	size_t n;

	(void)argc;
	(void)argv;
	/* As trackd does: GSL errors come back as statuses. */
	gsl_set_error_handler_off();
	n = track_site_tags(fuzz_demo_site(), &tags);
	site_tags = json_object();
	for (size_t i = 0; site_tags && i < n; i++)
		json_object_set_new(site_tags, tags[i].id,
		                    json_integer((json_int_t)i));
	return site_tags ? 0 : -1;
}

/* Updates at the seeds' time and after, as trackd's ticks would run them;
 * every change and event drained. */
static void
run_updates(track_engine *e)
{
	static const int64_t at_s[] = { 0, 1, 3, 20, 120 };
	track_position pos[64];
	track_event ev[64];

	for (size_t i = 0; i < sizeof at_s / sizeof at_s[0]; i++) {
		track_engine_update(e, NOW_US + at_s[i] * 1000000);
		while (track_engine_changed(e, pos, 64) > 0)
			;
		while (track_engine_events(e, ev, 64) > 0)
			;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	track_config cfg = fuzz_config();
	struct ingest g;
	struct ingest_limits lim = { .scanner_rate = 5000, .press_rate = 100,
		                     .max_skew_us = 10 * 1000000 };
	track_engine *e;
	json_t *answer;
	bool pressed;
	int status;

	/* trackd's settings. */
	cfg.fix_interval_us = 1000000;
	cfg.predict_interval_us = 1000000;
	e = fuzz_demo_engine(&cfg);
	if (ingest_init(&g, e, track_site_engine(fuzz_demo_site()), site_tags,
	                &lim) < 0)
		abort();
	answer = ingest_document(&g, (const char *)data, size, NOW_US, anyone,
	                         NULL, &status, &pressed);
	if (!json_is_object(answer) || (status != 200 && status != 400) ||
	    !json_is_array(json_object_get(answer, "rejected")))
		abort();
	json_decref(answer);
	run_updates(e);
	ingest_free(&g);
	track_engine_destroy(e);
	return 0;
}
