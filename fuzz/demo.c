#include "demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sitefile.h"

#ifndef DEMO_SITE
#define DEMO_SITE "floorplans/demo/site.json"
#endif

track_config
fuzz_config(void)
{
	track_config cfg = track_config_default();

	cfg.max_tags = 16;
	cfg.max_events = 256;
	cfg.stats_buckets = 60;
	cfg.heatmap_buckets = 4;
	cfg.max_visits = 1024;
	cfg.utilization_days = 2;
	return cfg;
}

bool
fuzz_site_huge(const track_site *site)
{
	const double far = 1000.0;

	if (site->n_floors > 16)
		return true;
	for (size_t i = 0; i < site->n_floors; i++)
		if (site->floors[i].width > far || site->floors[i].height > far)
			return true;
	for (size_t i = 0; i < site->n_scanners; i++)
		if (fabs(site->scanners[i].x) > far ||
		    fabs(site->scanners[i].y) > far)
			return true;
	return false;
}

const track_site_doc *
fuzz_demo_site(void)
{
	/* Parsed once and kept: a fuzzer process is one run. */
	static track_site_doc *doc;
	static char *text;
	const char *path = getenv("DEMO_SITE");
	size_t len;

	if (doc)
		return doc;
	if (!path || !*path)
		path = DEMO_SITE;
	if (sitefile_read("fuzz", path, &text, &len) < 0 ||
	    sitefile_parse("fuzz", path, text, len, &doc) < 0)
		abort();
	return doc;
}

track_engine *
fuzz_demo_engine(const track_config *cfg)
{
	track_engine *e = NULL;
	track_status st;

	st = track_engine_create(cfg, track_site_engine(fuzz_demo_site()), &e);
	if (st != TRACK_OK) {
		fprintf(stderr, "fuzz: demo engine: %s\n", track_strerror(st));
		abort();
	}
	return e;
}
