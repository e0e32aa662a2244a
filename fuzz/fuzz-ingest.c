/* fuzz-ingest: any bytes as a track-ingest.v1 document, through trackd's
 * ingest_document() into a real engine on the demo building, which then
 * runs a few updates. Whatever comes in, the answer is JSON and nothing
 * leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "access.h"
#include "app.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "demo.h"

/* clock.c's, for the rate limit (which this harness leaves off:
 * no scanner index). A fixed time keeps runs reproducible. */
int64_t
app_now_us(void)
{
	return (int64_t)1763900000 * 1000000;
}

/* view.c's: the site's entry for a tag (a press needs one); a scan
 * here, trackd keeps an index. */
const track_site_tag *
app_site_tag(const struct app *a, const char *id)
{
	const track_site_tag *tags;
	size_t n = track_site_tags(a->site, &tags);

	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].id, id) == 0)
			return &tags[i];
	return NULL;
}

/* access.c's: the harness runs with access open, no token bound to any
 * scanner. */
bool
access_may_report_for(struct app *a, const struct caller *who,
                      const char *scanner)
{
	(void)a;
	(void)who;
	(void)scanner;
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* As trackd does: GSL errors come back as statuses. */
	gsl_set_error_handler_off();
	fuzz_demo_site();
	return 0;
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
		track_engine_update(e, (1763900000 + at_s[i]) * 1000000);
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
	struct app a = { 0 };
	struct caller who = { .role = "none" };
	json_t *answer;
	int status;

	/* trackd's settings. */
	cfg.fix_interval_us = 1000000;
	cfg.predict_interval_us = 1000000;
	a.cfg = cfg;
	a.site = (track_site_doc *)fuzz_demo_site();
	a.engine = fuzz_demo_engine(&cfg);
	answer = ingest_document(&a, &who, (const char *)data, size, &status);
	if (!json_is_object(answer) || (status != 200 && status != 400) ||
	    !json_is_array(json_object_get(answer, "rejected")))
		abort();
	json_decref(answer);
	run_updates(a.engine);
	track_engine_destroy(a.engine);
	return 0;
}
