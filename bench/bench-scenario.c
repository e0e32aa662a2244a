/* The bench's scenario: scanners on a grid, tags drifting, their reports
 * generated ahead of the clock, and the engine for them. */
#include "bench-scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *
xcalloc(size_t n, size_t size)
{
	/* calloc(0, ...) may return NULL: ask for one element at least. */
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "bench-engine: out of memory\n");
		exit(1);
	}
	return p;
}

static void
scanner_grid(struct scenario *sc)
{
	for (int j = 0; j < GRID_Y; j++) {
		for (int i = 0; i < GRID_X; i++) {
			int s = j * GRID_X + i;

			snprintf(sc->scanner_ids[s], ID_LEN, "scanner-%02d", s);
			sc->sx[s] = (i + 0.5) * FLOOR_W / GRID_X;
			sc->sy[s] = (j + 0.5) * FLOOR_H / GRID_Y;
		}
	}
}

void
scenario_init(struct scenario *sc, size_t n_tags, unsigned long seed)
{
	memset(sc, 0, sizeof *sc);
	sc->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!sc->rng) {
		fprintf(stderr, "bench-engine: out of memory\n");
		exit(1);
	}
	gsl_rng_set(sc->rng, seed);
	sc->n_tags = n_tags;
	scanner_grid(sc);
	sc->tag_ids = xcalloc(n_tags, sizeof *sc->tag_ids);
	sc->x = xcalloc(n_tags, sizeof *sc->x);
	sc->y = xcalloc(n_tags, sizeof *sc->y);
	sc->vx = xcalloc(n_tags, sizeof *sc->vx);
	sc->vy = xcalloc(n_tags, sizeof *sc->vy);
	for (size_t k = 0; k < n_tags; k++) {
		double heading = TWO_PI * gsl_rng_uniform(sc->rng);

		snprintf(sc->tag_ids[k], ID_LEN, "tag-%06zu", k);
		sc->x[k] = FLOOR_W * gsl_rng_uniform(sc->rng);
		sc->y[k] = FLOOR_H * gsl_rng_uniform(sc->rng);
		sc->vx[k] = TAG_SPEED * cos(heading);
		sc->vy[k] = TAG_SPEED * sin(heading);
	}
}

void
scenario_free(struct scenario *sc)
{
	gsl_rng_free(sc->rng);
	free(sc->tag_ids);
	free(sc->x);
	free(sc->y);
	free(sc->vx);
	free(sc->vy);
}

/* Move one coordinate by one second, bouncing off the walls. */
static void
step(double *p, double *v, double max)
{
	*p += *v;
	if (*p < 0.0) {
		*p = -*p;
		*v = -*v;
	} else if (*p > max) {
		*p = 2.0 * max - *p;
		*v = -*v;
	}
}

/* Indices of the k scanners nearest to (x, y), nearest first. */
void
nearest(const struct scenario *sc, double x, double y, int *out, int k)
{
	double d2[N_SCANNERS];
	bool taken[N_SCANNERS] = { false };

	for (int s = 0; s < N_SCANNERS; s++) {
		double dx = x - sc->sx[s], dy = y - sc->sy[s];

		d2[s] = dx * dx + dy * dy;
	}
	for (int i = 0; i < k; i++) {
		int best = -1;

		for (int s = 0; s < N_SCANNERS; s++)
			if (!taken[s] && (best < 0 || d2[s] < d2[best]))
				best = s;
		taken[best] = true;
		out[i] = best;
	}
}

/* What a scanner reads: model RSSI plus shadowing, whole dBm as BLE
 * stacks report it, within the range the engine accepts. */
double
noisy_rssi(gsl_rng *rng, double dx, double dy, double dz)
{
	double d = sqrt(dx * dx + dy * dy + dz * dz);
	double v = P1M - 10.0 * PATH_LOSS * log10(d) +
	           gsl_ran_gaussian(rng, SIGMA_DB);

	v = round(v);
	return v < -127.0 ? -127.0 : v > 0.0 ? 0.0 : v;
}

/* One simulated second of reports, in time order: tag k is heard at
 * offset k/N of the second by its HEARD_BY nearest scanners. */
void
scenario_second(struct scenario *sc, int64_t t0_us, track_report *out)
{
	size_t n = sc->n_tags;
	unsigned rate = sc->rate ? sc->rate : 1;

	for (size_t a = 0; a < n * rate; a++) {
		size_t k = a % n;
		int64_t t = t0_us + (int64_t)a * US_PER_S / (int64_t)(n * rate);
		int near[HEARD_BY];

		if (a < n) {
			step(&sc->x[k], &sc->vx[k], FLOOR_W);
			step(&sc->y[k], &sc->vy[k], FLOOR_H);
		}
		nearest(sc, sc->x[k], sc->y[k], near, HEARD_BY);
		for (int i = 0; i < HEARD_BY; i++) {
			int s = near[i];

			*out++ = (track_report){
				.scanner = sc->scanner_ids[s],
				.tag = sc->tag_ids[k],
				.rssi_dbm = noisy_rssi(sc->rng,
				                       sc->x[k] - sc->sx[s],
				                       sc->y[k] - sc->sy[s],
				                       SCANNER_Z - TAG_Z),
				.t_us = t,
				.tx_dbm = NAN,
			};
		}
	}
}

static const char *const categories[N_CATEGORIES] = {
	"staff", "patient", "visitor", "infusion-pump", "wheelchair", "bed",
	"defibrillator", "ventilator",
};

void
site_extra_init(struct site_extra *x, const struct scenario *sc)
{
	double w = FLOOR_W / ZONES_X, h = FLOOR_H / ZONES_Y;

	for (int j = 0; j < ZONES_Y; j++)
		for (int i = 0; i < ZONES_X; i++) {
			int k = j * ZONES_X + i;
			double x0 = i * w, y0 = j * h;

			snprintf(x->zone_ids[k], sizeof x->zone_ids[k],
			         "room-%03d", k);
			x->polys[k][0][0] = x0;
			x->polys[k][0][1] = y0;
			x->polys[k][1][0] = x0 + w;
			x->polys[k][1][1] = y0;
			x->polys[k][2][0] = x0 + w;
			x->polys[k][2][1] = y0 + h;
			x->polys[k][3][0] = x0;
			x->polys[k][3][1] = y0 + h;
			x->zones[k] = (track_zone){
				.id = x->zone_ids[k], .name = x->zone_ids[k],
				.floor = "ground", .kind = TRACK_ZONE_ROOM,
				.polygon = (const double(*)[2])x->polys[k],
				.n_points = 4,
			};
		}
	x->tags = xcalloc(sc->n_tags, sizeof *x->tags);
	for (size_t t = 0; t < sc->n_tags; t++)
		x->tags[t] = (track_tag_info){
			.id = sc->tag_ids[t], .name = sc->tag_ids[t],
			.category = categories[t % N_CATEGORIES],
			.kind = t % N_CATEGORIES < 3 ? TRACK_TAG_PERSON
			                             : TRACK_TAG_ASSET,
		};
}

track_engine *
engine_for(const struct scenario *sc, const struct site_extra *x)
{
	track_floor floor = { .id = "ground", .z = 0.0, .width = FLOOR_W,
		              .height = FLOOR_H };
	track_scanner scanners[N_SCANNERS];
	track_site site = { .floors = &floor, .n_floors = 1,
		            .scanners = scanners, .n_scanners = N_SCANNERS };

	if (x) {
		site.zones = x->zones;
		site.n_zones = N_ZONES;
		site.tags = x->tags;
		site.n_tags = sc->n_tags;
	}
	track_config cfg = track_config_default();
	track_engine *e;
	track_status st;

	for (int s = 0; s < N_SCANNERS; s++)
		scanners[s] = (track_scanner){
			.id = sc->scanner_ids[s], .floor = "ground",
			.x = sc->sx[s], .y = sc->sy[s], .z = SCANNER_Z,
		};
	if (cfg.max_tags < sc->n_tags)
		cfg.max_tags = sc->n_tags;
	st = track_engine_create(&cfg, &site, &e);
	if (st != TRACK_OK) {
		fprintf(stderr, "bench-engine: track_engine_create: %s\n",
		        track_strerror(st));
		exit(1);
	}
	return e;
}
