/* The bench's made-up site and its reports, shared by bench-engine's
 * parts: a 40 x 20 m floor with 15 scanners, tags drifting slowly, each
 * heard once a second by its nearest scanners (see bench_engine.c). */
#ifndef BENCH_SCENARIO_H
#define BENCH_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "track/track.h"

#define FLOOR_W 40.0
#define FLOOR_H 20.0
#define GRID_X 5
#define GRID_Y 3
#define N_SCANNERS (GRID_X * GRID_Y)
#define SCANNER_Z 3.0
#define TAG_Z 1.0 /* the engine's default tag height on a floor at 0 */
#define HEARD_BY 6
#define P1M (-59.0)
#define PATH_LOSS 2.0
#define SIGMA_DB 6.0
/* m/s: assets and people milling about, barely moving within the
 * engine's 2 s RSSI window, which is how most tags of a large site spend
 * most of their time. */
#define TAG_SPEED 0.2
#define ID_LEN 32
#define US_PER_S INT64_C(1000000)
#define TWO_PI 6.283185307179586

struct scenario {
	unsigned rate;          /* advertisements per tag per second */
	gsl_rng *rng;
	size_t n_tags;
	char scanner_ids[N_SCANNERS][ID_LEN];
	double sx[N_SCANNERS], sy[N_SCANNERS];
	char (*tag_ids)[ID_LEN];
	double *x, *y, *vx, *vy;
};

#define ZONES_X 20
#define ZONES_Y 10
#define N_ZONES (ZONES_X * ZONES_Y)
#define N_CATEGORIES 8

/* With zones: 200 rooms of 2 x 2 m tiling the floor, and every tag listed
 * with a kind and one of 8 categories, so that every position update does
 * the full presence and statistics work. */
struct site_extra {
	char zone_ids[N_ZONES][16];
	double polys[N_ZONES][4][2];
	track_zone zones[N_ZONES];
	track_tag_info *tags;
};

double now_s(void);
void *xcalloc(size_t n, size_t size);
void scenario_init(struct scenario *sc, size_t n_tags, unsigned long seed);
void scenario_free(struct scenario *sc);
void scenario_second(struct scenario *sc, int64_t t0_us, track_report *out);
void site_extra_init(struct site_extra *x, const struct scenario *sc);
track_engine *engine_for(const struct scenario *sc, const struct site_extra *x);
void nearest(const struct scenario *sc, double x, double y, int *out, int k);
double noisy_rssi(gsl_rng *rng, double dx, double dy, double dz);

#endif /* BENCH_SCENARIO_H */
