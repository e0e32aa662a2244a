/* bench-engine: throughput of the engine pipeline (ingest + update) and of
 * the single-epoch solver, and heap allocations in steady state.
 *
 * The scenario is built here from a fixed seed, so runs differ only by the
 * machine: one 40 x 20 m floor, 15 scanners on a 5 x 3 grid at 3 m, N tags
 * drifting slowly, each heard once a second by its 6 nearest scanners with
 * log-distance RSSI (P1m -59 dBm, n 2) plus 6 dB Gaussian shadowing. Every
 * report is generated before the clock starts, so the timed loop runs the
 * engine and nothing else.
 *
 * Output: one line per metric, "name value unit", under a header line;
 * lines starting with '#' are context for people and are not metrics.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "track/track.h"

#include "alloc-count.h"

/* ---- allocation counting (tests/alloc-count.c) ---------------------- */

static bool alloc_counting; /* the counter has been seen to work */

/* n allocations per unit, or NaN when they could not be counted. */
static double
alloc_rate(unsigned long long n, double per)
{
	return alloc_counting ? (double)n / per : NAN;
}

/* ---- scenario ------------------------------------------------------------ */

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

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *
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

static void
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

static void
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
static void
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
static double
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
static void
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

static const char *const categories[N_CATEGORIES] = {
	"staff", "patient", "visitor", "infusion-pump", "wheelchair", "bed",
	"defibrillator", "ventilator",
};

static void
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

static track_engine *
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

/* ---- output -------------------------------------------------------------- */

static void
metric(const char *name, double value, const char *unit)
{
	/* Whole numbers where the value is large, three significant digits
	 * where it is small: enough to compare runs, no false precision. */
	if (value == 0.0 || fabs(value) >= 100.0)
		printf("%-34s %-14.0f %s\n", name, value, unit);
	else
		printf("%-34s %-14.3g %s\n", name, value, unit);
}

/* prefix_name, in a buffer that lives until the next call. */
static const char *
mname(const char *prefix, const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof buf, "%s_%s", prefix, name);
	return buf;
}

static void
target(const char *what, double value, bool met)
{
	printf("# target %-44s %s\n", what,
	       isnan(value) ? "unknown" : met ? "met" : "MISSED");
}

/* ---- engine pipeline ----------------------------------------------------- */

struct engine_result {
	double reports_per_s;
	double allocs_per_report;
};

static struct engine_result
bench_engine(size_t n_tags, unsigned rate, unsigned warmup_s,
             unsigned timed_s, unsigned long seed, const char *prefix)
{
	struct scenario sc;
	size_t per_s = n_tags * HEARD_BY * rate;
	unsigned total_s = warmup_s + timed_s;
	track_report *reports;
	track_position pos[1024];
	track_engine_stats before, after;
	track_engine *e;
	double t_ingest = 0.0, t_update = 0.0;
	unsigned long long allocs = 0, rejected = 0, positions = 0;
	unsigned long long n_reports;
	struct engine_result res;

	scenario_init(&sc, n_tags, seed);
	sc.rate = rate;
	reports = xcalloc((size_t)total_s * per_s, sizeof *reports);
	for (unsigned s = 0; s < total_s; s++)
		scenario_second(&sc, (int64_t)(s + 1) * US_PER_S,
		                &reports[(size_t)s * per_s]);
	e = engine_for(&sc, NULL);

	for (unsigned s = 0; s < total_s; s++) {
		const track_report *r = &reports[(size_t)s * per_s];
		bool timed = s >= warmup_s;
		double t0, t1, t2;
		size_t got;

		if (s == warmup_s) {
			track_engine_get_stats(e, &before);
			alloc_count_arm();
		}
		t0 = now_s();
		for (size_t i = 0; i < per_s; i++)
			if (track_engine_ingest(e, &r[i]) != TRACK_OK)
				rejected++;
		t1 = now_s();
		/* The update for second s runs at its end, as a daemon's
		 * once-a-second tick would. */
		track_engine_update(e, (int64_t)(s + 2) * US_PER_S);
		do {
			got = track_engine_changed(e, pos, 1024);
			if (timed)
				positions += got;
		} while (got > 0);
		t2 = now_s();
		if (timed) {
			t_ingest += t1 - t0;
			t_update += t2 - t1;
		}
	}
	allocs = alloc_count_disarm();
	track_engine_get_stats(e, &after);

	n_reports = (unsigned long long)timed_s * per_s;
	{
		double solves = (double)(after.solves - before.solves);
		double total = t_ingest + t_update;

		printf("# %s: %zu tags x %d scanners x %u Hz, %u s warm-up, "
		       "%u s timed (%llu reports)\n",
		       prefix, n_tags, HEARD_BY, rate, warmup_s, timed_s,
		       n_reports);
		printf("# %s: accepted %llu, rejected %llu (warm-up too), "
		       "solves %.0f, "
		       "fallbacks %llu, gated %llu, positions out %llu\n",
		       prefix,
		       (unsigned long long)(after.reports - before.reports),
		       rejected, solves,
		       (unsigned long long)(after.fallbacks - before.fallbacks),
		       (unsigned long long)(after.gated - before.gated),
		       positions);
		res.reports_per_s = (double)n_reports / total;
		res.allocs_per_report = alloc_rate(allocs, (double)n_reports);
		metric(mname(prefix, "reports_per_s"), res.reports_per_s, "reports/s");
		metric(mname(prefix, "ns_per_report"), total * 1e9 / (double)n_reports,
		       "ns");
		metric(mname(prefix, "ingest_ns_per_report"),
		       t_ingest * 1e9 / (double)n_reports, "ns");
		metric(mname(prefix, "ingest_reports_per_s"),
		       (double)n_reports / t_ingest, "reports/s");
		metric(mname(prefix, "fixes_per_s"), solves / t_update, "fixes/s");
		metric(mname(prefix, "update_ns_per_fix"), t_update * 1e9 / solves,
		       "ns");
		metric(mname(prefix, "allocs_per_report"), res.allocs_per_report,
		       "allocs");
		metric(mname(prefix, "allocs_timed"), alloc_rate(allocs, 1.0),
		       "allocs");
	}
	if (rejected > 0)
		fprintf(stderr, "bench-engine: the engine refused %llu "
		        "reports; the figures above do not measure the "
		        "normal path\n", rejected);

	track_engine_destroy(e);
	free(reports);
	scenario_free(&sc);
	return res;
}

/* ---- solver -------------------------------------------------------------- */

#define PROBLEMS 1024
#define HIST_MAX 64

struct solver_result {
	double solves_per_s;
};

/* n_obs observations of a tag at a random spot on the floor from its
 * n_obs nearest scanners: the geometry the engine hands the solver. */
static void
solver_problem(struct scenario *sc, size_t n_obs, track_obs *obs)
{
	double x = FLOOR_W * gsl_rng_uniform(sc->rng);
	double y = FLOOR_H * gsl_rng_uniform(sc->rng);
	int near[N_SCANNERS];

	nearest(sc, x, y, near, (int)n_obs);
	for (size_t i = 0; i < n_obs; i++) {
		int s = near[i];

		obs[i] = (track_obs){
			.x = sc->sx[s], .y = sc->sy[s],
			.dz = SCANNER_Z - TAG_Z, .n = PATH_LOSS,
			.rssi_dbm = noisy_rssi(sc->rng, x - sc->sx[s],
			                       y - sc->sy[s],
			                       SCANNER_Z - TAG_Z),
		};
	}
}

static unsigned
median(const unsigned long long *hist, unsigned long long n)
{
	unsigned long long seen = 0;

	for (unsigned i = 0; i < HIST_MAX; i++) {
		seen += hist[i];
		if (2 * seen >= n)
			return i;
	}
	return HIST_MAX;
}

static struct solver_result
bench_solver(size_t n_obs, size_t n_solves, unsigned long seed)
{
	/* The engine's parameters for a tag with no announced power. */
	track_config cfg = track_config_default();
	track_solve_params p = {
		.x_min = 0.0, .x_max = FLOOR_W, .y_min = 0.0, .y_max = FLOOR_H,
		.tx_power_dbm = cfg.tx_power_dbm,
		.tx_prior_db = cfg.tx_prior_db,
		.sigma_db = cfg.sigma_db,
		.min_scanners_tx = cfg.min_scanners_tx,
	};
	struct scenario sc;
	track_obs *obs;
	track_solver *solver;
	track_solution sol;
	unsigned long long iterations = 0, allocs, failed = 0;
	unsigned long long hist[HIST_MAX + 1] = { 0 };
	unsigned max_iter = 0;
	unsigned long long methods[TRACK_METHOD_SOLVE_TX + 1] = { 0 };
	struct solver_result res;
	char name[64];
	double t0, t;

	scenario_init(&sc, 0, seed + n_obs);
	obs = xcalloc(PROBLEMS * n_obs, sizeof *obs);
	for (size_t i = 0; i < PROBLEMS; i++)
		solver_problem(&sc, n_obs, &obs[i * n_obs]);
	if (track_solver_create(n_obs, &solver) != TRACK_OK) {
		fprintf(stderr, "bench-engine: track_solver_create failed\n");
		exit(1);
	}
	/* One pass untimed so the workspaces and code are in cache. */
	for (size_t i = 0; i < PROBLEMS; i++)
		track_solver_solve(solver, &obs[i * n_obs], n_obs, &p, NULL,
		                   &sol);

	alloc_count_arm();
	t0 = now_s();
	for (size_t i = 0; i < n_solves; i++) {
		const track_obs *o = &obs[(i % PROBLEMS) * n_obs];

		if (track_solver_solve(solver, o, n_obs, &p, NULL, &sol) !=
		    TRACK_OK) {
			failed++;
			continue;
		}
		iterations += sol.iterations;
		if (sol.iterations > max_iter)
			max_iter = sol.iterations;
		hist[sol.iterations < HIST_MAX ? sol.iterations : HIST_MAX]++;
		methods[sol.method]++;
	}
	t = now_s() - t0;
	allocs = alloc_count_disarm();

	printf("# solver, %zu scanners: %zu solves, %llu solve_tx, %llu "
	       "solve, %llu centroid fallbacks, %llu refused\n",
	       n_obs, n_solves, methods[TRACK_METHOD_SOLVE_TX],
	       methods[TRACK_METHOD_SOLVE], methods[TRACK_METHOD_CENTROID],
	       failed);
	printf("# solver, %zu scanners: iterations median %u, max %u "
	       "(%llu solves took the max)\n",
	       n_obs, median(hist, n_solves - failed), max_iter,
	       hist[max_iter < HIST_MAX ? max_iter : HIST_MAX]);
	res.solves_per_s = (double)n_solves / t;
	snprintf(name, sizeof name, "solve_per_s_%zu_scanners", n_obs);
	metric(name, res.solves_per_s, "solves/s");
	snprintf(name, sizeof name, "solve_us_%zu_scanners", n_obs);
	metric(name, t * 1e6 / (double)n_solves, "us");
	snprintf(name, sizeof name, "solve_iterations_%zu_scanners", n_obs);
	metric(name, (double)iterations / (double)n_solves, "iterations");
	snprintf(name, sizeof name, "solve_allocs_%zu_scanners", n_obs);
	metric(name, alloc_rate(allocs, (double)n_solves), "allocs");

	track_solver_destroy(solver);
	free(obs);
	scenario_free(&sc);
	return res;
}

/* ---- main ---------------------------------------------------------------- */

/* The cost of zones, events and statistics per position update: after a
 * few seconds of reports, many updates a few milliseconds apart move every
 * tag by prediction alone (no solve), once without zones and once with
 * 200 zones and every tag listed. The difference is what presence and
 * statistics add to each position update. */
static double
presence_ns(const struct scenario *sc, const struct site_extra *x,
            const track_report *reports, size_t per_s, unsigned seconds)
{
	track_engine *e = engine_for(sc, x);
	track_position pos[1024];
	track_event ev[256];
	int64_t t_end = (int64_t)(seconds + 1) * US_PER_S;
	unsigned long long updates = 0;
	double t0, t;
	const int steps = 100;

	for (unsigned s = 0; s < seconds; s++) {
		for (size_t i = 0; i < per_s; i++)
			track_engine_ingest(e, &reports[(size_t)s * per_s + i]);
		track_engine_update(e, (int64_t)(s + 2) * US_PER_S);
		while (track_engine_changed(e, pos, 1024) > 0)
			;
		while (track_engine_events(e, ev, 256) > 0)
			;
	}
	t0 = now_s();
	for (int k = 1; k <= steps; k++) {
		size_t got;

		updates += track_engine_update(e, t_end + k * 5000);
		do {
			got = track_engine_changed(e, pos, 1024);
		} while (got > 0);
		while (track_engine_events(e, ev, 256) > 0)
			;
	}
	t = now_s() - t0;
	track_engine_destroy(e);
	return updates ? t * 1e9 / (double)updates : NAN;
}

static void
bench_presence(size_t n_tags, unsigned long seed)
{
	struct scenario sc;
	struct site_extra x;
	size_t per_s = n_tags * HEARD_BY;
	const unsigned seconds = 5;
	track_report *reports;
	double bare, full;

	scenario_init(&sc, n_tags, seed);
	site_extra_init(&x, &sc);
	reports = xcalloc((size_t)seconds * per_s, sizeof *reports);
	for (unsigned s = 0; s < seconds; s++)
		scenario_second(&sc, (int64_t)(s + 1) * US_PER_S,
		                &reports[(size_t)s * per_s]);
	bare = presence_ns(&sc, NULL, reports, per_s, seconds);
	full = presence_ns(&sc, &x, reports, per_s, seconds);
	printf("# presence: %zu tags, %d zones, updates by prediction 5 ms "
	       "apart\n", n_tags, N_ZONES);
	metric("position_update_ns_no_zones", bare, "ns");
	metric("position_update_ns_200_zones", full, "ns");
	metric("events_stats_ns_per_update", full - bare, "ns");
	free(reports);
	free(x.tags);
	scenario_free(&sc);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench-engine [--tags N] [--seconds S] "
	           "[--warmup S] [--solves N] [--seed N]\n"
	           "  --tags N     tags in the engine scenario (10000)\n"
	           "  --seconds S  simulated seconds timed (20)\n"
	           "  --warmup S   simulated seconds before timing (5)\n"
	           "  --solves N   solves per solver case (200000)\n"
	           "  --seed N     scenario seed (1)\n");
}

static unsigned long
number(const char *opt, const char *arg, unsigned long min)
{
	char *end;
	unsigned long v;

	if (!arg || arg[0] < '0' || arg[0] > '9')
		goto bad;
	v = strtoul(arg, &end, 10);
	if (*end != '\0' || v < min || v > 100000000ul)
		goto bad;
	return v;
bad:
	fprintf(stderr, "bench-engine: %s wants a whole number >= %lu\n",
	        opt, min);
	usage(stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long tags = 10000, seconds = 20, warmup = 5;
	unsigned long solves = 200000, seed = 1;
	static const size_t solver_cases[] = { 4, 6, 12 };
	struct engine_result er;
	double worst_solves = INFINITY;

	/* Every option but --help takes a value: step over both. */
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--tags") == 0) {
			tags = number(a, v, 1);
		} else if (strcmp(a, "--seconds") == 0) {
			seconds = number(a, v, 1);
		} else if (strcmp(a, "--warmup") == 0) {
			warmup = number(a, v, 0);
		} else if (strcmp(a, "--solves") == 0) {
			solves = number(a, v, 1);
		} else if (strcmp(a, "--seed") == 0) {
			seed = number(a, v, 0);
		} else {
			fprintf(stderr, "bench-engine: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
	}

	/* Under valgrind, for one, its own malloc replaces ours. */
	alloc_counting = alloc_count_works();
	if (!alloc_counting)
		fprintf(stderr, "bench-engine: malloc is not interposed "
		        "here; allocation counts read nan\n");
	printf("# bench-engine: floor %.0f x %.0f m, %d scanners, RSSI "
	       "P1m %.0f dBm n %.0f sigma %.0f dB, seed %lu\n",
	       FLOOR_W, FLOOR_H, N_SCANNERS, P1M, PATH_LOSS, SIGMA_DB, seed);
	printf("%-34s %-14s %s\n", "metric", "value", "unit");
	er = bench_engine(tags, 1, (unsigned)warmup, (unsigned)seconds, seed,
	                  "engine");
	/* Badges often advertise several times a second: more reports per
	 * fix, so more reports per second through the same solves. */
	bench_engine(tags, 5, (unsigned)warmup, (unsigned)seconds / 4 + 1,
	             seed, "engine_5hz");
	bench_presence(tags, seed);
	for (size_t c = 0; c < sizeof solver_cases / sizeof *solver_cases;
	     c++) {
		struct solver_result sr =
			bench_solver(solver_cases[c], solves, seed);

		if (sr.solves_per_s < worst_solves)
			worst_solves = sr.solves_per_s;
	}
	target("engine_reports_per_s >= 1000000 (1 Hz tags)", er.reports_per_s,
	       er.reports_per_s >= 1e6);
	target("solve_per_s >= 100000 (every case)", worst_solves,
	       worst_solves >= 1e5);
	target("engine_allocs_per_report == 0", er.allocs_per_report,
	       er.allocs_per_report == 0.0);
	return 0;
}
