/* fuzz-site: any bytes as a site.json. track_site_parse() either refuses
 * them with a message or returns a document every accessor can read, and
 * that the engine takes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "track/site.h"
#include "track/track.h"

#include "demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read everything the document promises, so a dangling pointer or a
 * missing NUL shows. */
static void
read_all(const track_site_doc *d)
{
	const track_site *s = track_site_engine(d);
	const track_site_zone *zones;
	const track_site_tag *tags;
	size_t n_zones = track_site_zones(d, &zones);
	size_t n_tags = track_site_tags(d, &tags);
	size_t sum = strlen(track_site_id(d)) + strlen(track_site_name(d)) +
	             strlen(track_site_y_axis(d));

	for (size_t i = 0; i <= s->n_floors; i++) {
		const char *image = track_site_floor_image(d, i);
		const char *name = track_site_floor_name(d, i);

		sum += image ? strlen(image) : 0;
		sum += name ? strlen(name) : 0;
		sum += (size_t)track_site_floor_level(d, i);
	}
	for (size_t i = 0; i < s->n_scanners; i++)
		sum += strlen(s->scanners[i].id) + strlen(s->scanners[i].floor);
	for (size_t i = 0; i < n_zones; i++)
		for (size_t k = 0; k < zones[i].n_points; k++)
			sum += zones[i].polygon[k][0] > 0.0;
	for (size_t i = 0; i < n_tags; i++)
		sum += strlen(tags[i].id) + strlen(tags[i].name) +
		       strlen(tags[i].category);
	/* Keep the reads from being optimised away. */
	if (sum == SIZE_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Smaller than the messages can get, so cutting them is tested. */
	char err[1024];
	track_site_doc *d = NULL;
	track_engine *e = NULL;
	track_config cfg = fuzz_config();
	track_status st;

	st = track_site_parse((const char *)data, size, "site.json", &d, err,
	                      sizeof err);
	if (strlen(err) >= sizeof err)
		abort();
	if (st != TRACK_OK) {
		/* A refusal always says why; a failure leaves out alone. */
		if (d || (st == TRACK_EINVAL && !err[0]))
			abort();
		return 0;
	}
	read_all(d);
	/* Whatever the parser accepts, the engine must take. */
	st = track_engine_create(&cfg, track_site_engine(d), &e);
	if (st != TRACK_OK && st != TRACK_ENOMEM &&
	    !(st == TRACK_EINVAL && fuzz_site_huge(track_site_engine(d))))
		abort();
	track_engine_destroy(e);
	track_site_free(d);
	return 0;
}
