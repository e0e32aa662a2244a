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
#include "bench-scenario.h"

/* ---- allocation counting (tests/alloc-count.c) ---------------------- */

static bool alloc_counting; /* the counter has been seen to work */

/* n allocations per unit, or NaN when they could not be counted. */
static double
alloc_rate(unsigned long long n, double per)
{
	return alloc_counting ? (double)n / per : NAN;
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
	       isnan(value) ? "unknown" : met ? "ok" : "MISS");
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
		       "solves %.0f (%llu also from the last fix), "
		       "fallbacks %llu, gated %llu, positions out %llu\n",
		       prefix,
		       (unsigned long long)(after.reports - before.reports),
		       rejected, solves,
		       (unsigned long long)(after.solves_twice -
		                            before.solves_twice),
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
		/* Every solve run, the second start's too. */
		metric(mname(prefix, "lm_iterations_per_fix"),
		       (double)(after.solve_iterations -
		                before.solve_iterations) / solves,
		       "iterations");
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
	snprintf(name, sizeof name, "solve_ns_%zu_scanners", n_obs);
	metric(name, t * 1e9 / (double)n_solves, "ns");
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
	target("engine_reports_per_s >= 2000000 (1 Hz tags)", er.reports_per_s,
	       er.reports_per_s >= 2e6);
	target("solve_per_s >= 100000 (every case)", worst_solves,
	       worst_solves >= 1e5);
	target("engine_allocs_per_report == 0", er.allocs_per_report,
	       er.allocs_per_report == 0.0);
	return 0;
}
