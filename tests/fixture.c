/* A one-floor site with three zones and three listed tags, and helpers
 * to hear a tag at a place with noise-free reports, for the presence and
 * statistics tests. */
#include "fixture.h"

#include <math.h>
#include <stdio.h>

#include <criterion/criterion.h>

static char ids[15][16];
track_scanner fixture_scanners[15];
const track_floor fixture_floor = { .id = "f0", .width = 40, .height = 20 };
static const double poly_a[][2] = { { 0, 0 }, { 20, 0 }, { 20, 20 }, { 0, 20 } };
static const double poly_b[][2] = { { 20, 0 }, { 40, 0 }, { 40, 10 }, { 20, 10 } };
static const double poly_c[][2] = { { 20, 10 }, { 40, 10 }, { 40, 20 }, { 20, 20 } };
const track_zone fixture_zones[] = {
	{ .id = "ward-a", .name = "Ward A", .floor = "f0",
	  .kind = TRACK_ZONE_ROOM, .polygon = poly_a, .n_points = 4 },
	{ .id = "hall-b", .name = "Hall B", .floor = "f0",
	  .kind = TRACK_ZONE_CORRIDOR, .polygon = poly_b, .n_points = 4 },
	{ .id = "pharmacy", .name = "Pharmacy", .floor = "f0",
	  .kind = TRACK_ZONE_RESTRICTED, .polygon = poly_c, .n_points = 4 },
};
const track_tag_info fixture_tags[] = {
	{ .id = "nurse-1", .name = "Nurse 1", .category = "staff",
	  .kind = TRACK_TAG_PERSON },
	{ .id = "pump-1", .name = "Pump 1", .category = "infusion-pump",
	  .kind = TRACK_TAG_ASSET },
	{ .id = "bed-1", .name = "Bed 1", .category = "bed",
	  .kind = TRACK_TAG_ASSET },
};

track_engine *
fixture_engine(bool smooth)
{
	return fixture_engine_zones(smooth, fixture_zones, 3);
}

track_engine *
fixture_engine_zones(bool smooth, const track_zone *zones, size_t n_zones)
{
	track_config c = track_config_default();
	track_site site;
	track_engine *e = NULL;
	size_t n = 0;

	for (int gy = 0; gy < 3; gy++)
		for (int gx = 0; gx < 5; gx++, n++) {
			snprintf(ids[n], sizeof ids[n], "s%d%d", gx, gy);
			fixture_scanners[n] = (track_scanner){
				.id = ids[n], .floor = "f0",
				.x = 4.0 + 8.0 * gx,
				.y = 10.0 / 3.0 + 20.0 / 3.0 * gy, .z = 3.0 };
		}
	site = (track_site){ .floors = &fixture_floor, .n_floors = 1,
		             .scanners = fixture_scanners, .n_scanners = n,
		             .zones = zones, .n_zones = n_zones,
		             .tags = fixture_tags, .n_tags = 3 };
	/* Unsmoothed, each fix as solved from one second of reports: the
	 * tag is where that second's reports say, at once. */
	if (!smooth) {
		c.smooth = false;
		c.window_us = S;
	}
	cr_assert_eq(track_engine_create(&c, &site, &e), TRACK_OK);
	return e;
}

void
fixture_hear(track_engine *e, const char *tag, double x, double y, int64_t t_us,
     unsigned flags)
{
	for (size_t i = 0; i < 15; i++) {
		double d = sqrt(pow(x - fixture_scanners[i].x, 2) +
		                pow(y - fixture_scanners[i].y, 2) + 4.0);
		track_report r = { .scanner = fixture_scanners[i].id, .tag = tag,
			           .rssi_dbm = round(track_model_rssi(d, -59, 2)),
			           .t_us = t_us + (int64_t)i, .tx_dbm = NAN,
			           .flags = i == 0 ? flags : 0 };

		cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
	}
}

/* Run one tick and collect its events into ev (appending at *n). */
void
fixture_tick(track_engine *e, int64_t t_us, track_event *ev, size_t *n)
{
	track_position pos[8];

	track_engine_update(e, t_us);
	while (track_engine_changed(e, pos, 8) > 0)
		;
	*n += track_engine_events(e, ev + *n, 64 - *n);
}

