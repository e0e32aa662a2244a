/* The demo building (floorplans/demo/site.json): it loads, it is as large
 * as promised, everything in it is on a floor that exists, its floor plans
 * are next to it, and the engine takes it.
 *
 * The file's path comes from DEMO_SITE (set by tests/meson.build); the
 * environment variable of the same name overrides it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "track/site.h"
#include "track/track.h"

#ifndef DEMO_SITE
#define DEMO_SITE "floorplans/demo/site.json"
#endif

static char err[16384];
static track_site_doc *doc;

static const char *
site_path(void)
{
	const char *p = getenv("DEMO_SITE");

	return p && *p ? p : DEMO_SITE;
}

/* The whole file, NUL-terminated; *len gets its length. NULL if missing. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *b;

			cap = cap ? cap * 2 : 65536;
			b = realloc(buf, cap);
			cr_assert_not_null(b);
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	cr_assert(!ferror(f), "reading %s", path);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void
load(void)
{
	size_t len;
	char *text = slurp(site_path(), &len);

	cr_assert_not_null(text, "cannot open %s", site_path());
	cr_assert_eq(track_site_parse(text, len, site_path(), &doc, err,
	                              sizeof err),
	             TRACK_OK, "%s", err);
	free(text);
	cr_assert_not_null(doc);
}

static void
unload(void)
{
	track_site_free(doc);
	doc = NULL;
}

TestSuite(demo_site, .init = load, .fini = unload);

static int
floor_index(const track_site *s, const char *id)
{
	for (size_t i = 0; i < s->n_floors; i++)
		if (strcmp(s->floors[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Even-odd rule; points exactly on an edge may go either way. */
static int
inside(const track_site_zone *z, double x, double y)
{
	int in = 0;

	for (size_t i = 0, j = z->n_points - 1; i < z->n_points; j = i++) {
		double xi = z->polygon[i][0], yi = z->polygon[i][1];
		double xj = z->polygon[j][0], yj = z->polygon[j][1];

		if ((yi > y) != (yj > y) &&
		    x < xi + (y - yi) * (xj - xi) / (yj - yi))
			in = !in;
	}
	return in;
}

Test(demo_site, identity)
{
	cr_expect_str_eq(track_site_id(doc), "demo-hospital");
	cr_expect_str_eq(track_site_name(doc), "Demo Hospital, West Wing");
	cr_expect_str_eq(track_site_y_axis(doc), "down");
}

Test(demo_site, as_large_as_promised)
{
	const track_site *s = track_site_engine(doc);

	cr_expect_geq(s->n_floors, 2);
	cr_expect_geq(s->n_scanners, 24);
	cr_expect_geq(track_site_zones(doc, NULL), 15);
	cr_expect_geq(track_site_tags(doc, NULL), 60);
}

Test(demo_site, zone_kinds)
{
	const track_site_zone *z;
	size_t n = track_site_zones(doc, &z);
	int restricted = 0, exits = 0;

	for (size_t i = 0; i < n; i++) {
		restricted += z[i].kind == TRACK_ZONE_RESTRICTED;
		exits += z[i].kind == TRACK_ZONE_EXIT;
	}
	cr_expect_geq(restricted, 1);
	cr_expect_geq(exits, 1);
}

Test(demo_site, tags_of_both_kinds)
{
	const track_site_tag *t;
	size_t n = track_site_tags(doc, &t);
	int persons = 0, assets = 0;

	for (size_t i = 0; i < n; i++) {
		persons += t[i].kind == TRACK_TAG_PERSON;
		assets += t[i].kind == TRACK_TAG_ASSET;
		cr_expect_neq(t[i].name[0], '\0', "tag %s has no name", t[i].id);
		cr_expect_neq(t[i].category[0], '\0', "tag %s has no category",
		              t[i].id);
	}
	cr_expect_gt(persons, 0);
	cr_expect_gt(assets, 0);
}

Test(demo_site, scanners_on_existing_floors)
{
	const track_site *s = track_site_engine(doc);

	for (size_t i = 0; i < s->n_scanners; i++) {
		const track_scanner *sc = &s->scanners[i];
		int f = floor_index(s, sc->floor);

		cr_assert_geq(f, 0, "scanner %s: no floor '%s'", sc->id,
		              sc->floor);
		cr_expect(sc->x >= 0 && sc->x <= s->floors[f].width &&
		          sc->y >= 0 && sc->y <= s->floors[f].height,
		          "scanner %s is off its floor", sc->id);
		/* ceiling-mounted: absolute z is the floor's plus 2-4 m */
		cr_expect(sc->z >= s->floors[f].z + 2.0 &&
		          sc->z <= s->floors[f].z + 4.0,
		          "scanner %s at z %g on floor z %g", sc->id, sc->z,
		          s->floors[f].z);
	}
}

Test(demo_site, zones_on_existing_floors)
{
	const track_site *s = track_site_engine(doc);
	const track_site_zone *z;
	size_t n = track_site_zones(doc, &z);

	for (size_t i = 0; i < n; i++) {
		int f = floor_index(s, z[i].floor);

		cr_assert_geq(f, 0, "zone %s: no floor '%s'", z[i].id,
		              z[i].floor);
		for (size_t k = 0; k < z[i].n_points; k++)
			cr_expect(z[i].polygon[k][0] >= 0 &&
			          z[i].polygon[k][0] <= s->floors[f].width &&
			          z[i].polygon[k][1] >= 0 &&
			          z[i].polygon[k][1] <= s->floors[f].height,
			          "zone %s point %zu is off its floor", z[i].id, k);
	}
}

/* Every zone can be told apart: at least one scanner of its floor is
 * inside it. */
Test(demo_site, every_zone_has_a_scanner)
{
	const track_site *s = track_site_engine(doc);
	const track_site_zone *z;
	size_t n = track_site_zones(doc, &z);

	for (size_t i = 0; i < n; i++) {
		int found = 0;

		for (size_t k = 0; k < s->n_scanners && !found; k++)
			found = strcmp(s->scanners[k].floor, z[i].floor) == 0 &&
			        inside(&z[i], s->scanners[k].x,
			               s->scanners[k].y);
		cr_expect(found, "zone %s has no scanner in it", z[i].id);
	}
}

Test(demo_site, floor_images_next_to_the_site_file)
{
	const track_site *s = track_site_engine(doc);
	const char *path = site_path();
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;

	for (size_t i = 0; i < s->n_floors; i++) {
		const char *img = track_site_floor_image(doc, i);
		char file[4096];
		char *text;
		size_t len, skip = 0;

		cr_assert_not_null(img, "floor %s has no image",
		                   s->floors[i].id);
		cr_assert_lt((size_t)snprintf(file, sizeof file, "%.*s%s",
		                              (int)dirlen, path, img),
		             sizeof file);
		text = slurp(file, &len);
		cr_assert_not_null(text, "floor %s: cannot open %s",
		                   s->floors[i].id, file);
		if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
			skip = 3; /* a UTF-8 byte order mark */
		cr_expect(strncmp(text + skip, "<svg", 4) == 0 ||
		          strncmp(text + skip, "<?xml", 5) == 0,
		          "%s does not start like an SVG file", file);
		cr_expect_not_null(strstr(text, "</svg>"),
		                   "%s is not a whole SVG file", file);
		free(text);
	}
}

Test(demo_site, engine_accepts_it)
{
	track_engine *e = NULL;

	cr_assert_eq(track_engine_create(NULL, track_site_engine(doc), &e),
	             TRACK_OK);
	cr_assert_not_null(e);
	track_engine_destroy(e);
}
