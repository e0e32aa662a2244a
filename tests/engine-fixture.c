/* The engine's tests' building and hearing (engine-fixture.h). */
#include "engine-fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>

static char scanner_ids[30][32];
track_scanner scanners[30];
track_floor floors[2] = {
	{ .id = "f0", .z = 0.0, .width = 40, .height = 20 },
	{ .id = "f1", .z = 4.0, .width = 40, .height = 20 },
};

/* A 5 x 3 grid of scanners 3 m up on each floor used. */
track_site
site(size_t n_floors)
{
	size_t n = 0;

	for (size_t f = 0; f < n_floors; f++)
		for (int gy = 0; gy < 3; gy++)
			for (int gx = 0; gx < 5; gx++) {
				snprintf(scanner_ids[n], sizeof scanner_ids[n],
				         "s%zu-%d%d", f, gx, gy);
				scanners[n] = (track_scanner){
					.id = scanner_ids[n],
					.floor = floors[f].id,
					.x = 4.0 + 8.0 * gx,
					.y = 10.0 / 3.0 + 20.0 / 3.0 * gy,
					.z = floors[f].z + 3.0,
				};
				n++;
			}
	return (track_site){ .floors = floors, .n_floors = n_floors,
			     .scanners = scanners, .n_scanners = n };
}

track_engine *
engine(const track_config *cfg, size_t n_floors)
{
	track_site s = site(n_floors);
	track_engine *e = NULL;

	cr_assert_eq(track_engine_create(cfg, &s, &e), TRACK_OK);
	return e;
}

/* Every scanner of the site hears the tag at (x, y) on floor f, from the
 * model, plus extra_db on the scanners of floor f and gaussian noise. */
void
hear(track_engine *e, const char *tag, size_t n_floors, size_t f, double x,
     double y, int64_t t_us, gsl_rng *rng)
{
	track_site s = site(n_floors);

	for (size_t i = 0; i < s.n_scanners; i++) {
		const track_scanner *sc = &s.scanners[i];
		double tag_z = floors[f].z + 1.0;
		double d = sqrt(pow(x - sc->x, 2) + pow(y - sc->y, 2) +
		                pow(tag_z - sc->z, 2));
		double rssi = track_model_rssi(d, -59, 2.0);
		track_report r = { .scanner = sc->id, .tag = tag,
			           .t_us = t_us + (int64_t)i * 1000,
			           .tx_dbm = NAN };

		if (strcmp(sc->floor, floors[f].id) != 0)
			rssi -= 20.0; /* through a concrete floor */
		if (rng)
			rssi += gsl_ran_gaussian(rng, 6.0);
		r.rssi_dbm = fmax(fmin(round(rssi), 0), -127);
		if (r.rssi_dbm < -100)
			continue;
		cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
	}
}

/* One report from one scanner. */
void
hear_one(track_engine *e, const char *scanner, const char *tag, double rssi,
         int64_t t_us)
{
	track_report r = { .scanner = scanner, .tag = tag, .rssi_dbm = rssi,
		           .t_us = t_us, .tx_dbm = NAN };

	cr_assert_eq(track_engine_ingest(e, &r), TRACK_OK);
}

track_position
where(track_engine *e, const char *tag)
{
	track_position p;

	cr_assert_eq(track_engine_position(e, tag, &p), TRACK_OK, "%s", tag);
	return p;
}

void
tick(track_engine *e, int64_t t_us)
{
	track_position buf[64];

	track_engine_update(e, t_us);
	while (track_engine_changed(e, buf, 64) > 0)
		;
}

