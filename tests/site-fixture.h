/* What the site-file tests (test_site*.c) share: JSON written with ' for
 * " (json()), a parse into err, expectations of a load or of an exact
 * refusal, a valid example and the smallest valid sites around a part. */
#ifndef TEST_SITE_FIXTURE_H
#define TEST_SITE_FIXTURE_H

#include "track/site.h"
#include "track/track.h"

/* What the last parse said. */
extern char err[16384];
/* DESIGN.md's example, with a second floor, more scanners, every zone
 * kind (one concave, one clockwise) and a tag without a category. */
extern const char valid[];

/* q with ' swapped for " (malloc'd). */
char *json(const char *q);
track_status parse(const char *q, track_site_doc **out);
/* q is refused with exactly msg (every line of it). */
void expect_refused(const char *q, const char *msg);
track_site_doc *expect_loaded(const char *q);

/* The smallest valid site around a floors list, a scanners list and
 * anything after them. */
#define FLOOR_F0 "{ 'id': 'f0', 'name': 'G', 'level': 0, 'width': 48, " \
	"'height': 22 }"
#define SITE(floors, scanners, rest) \
	"{ 'site': 's', 'name': 'S', 'floors': [" floors "], " \
	"'scanners': [" scanners "]" rest " }"
#define WITH_FLOOR0(scanners, rest) SITE(FLOOR_F0, scanners, rest)
#define ZONE(kind, polygon) \
	WITH_FLOOR0("", ", 'zones': [ { 'id': 'z', 'name': 'Z', " \
	            "'floor': 'f0', 'kind': '" kind "', 'polygon': " \
	            polygon " } ]")

#endif
