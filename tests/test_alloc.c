/* "ingest and update allocate nothing" (track.h), checked by counting
 * every heap allocation the test's thread makes while the engine runs in
 * steady state. No timers: only calls are counted.
 *
 * The counter is alloc-count.c. The first two tests prove that it sees
 * what it should, so a zero below means something. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "track/track.h"

#include "alloc-count.h"

/* ---- scenario: 200 tags on one 40 x 20 m floor, 15 scanners --------- */

#define N_TAGS 200
#define HEARD_BY 6
#define GRID_X 5
#define GRID_Y 3
#define N_SCANNERS (GRID_X * GRID_Y)
#define WARMUP_S 10
#define MEASURED_S 60
#define US_PER_S INT64_C(1000000)

static char scanner_ids[N_SCANNERS][16];
static char tag_ids[N_TAGS][16];
static double sx[N_SCANNERS], sy[N_SCANNERS];
static double tag_x[N_TAGS], tag_y[N_TAGS], tag_vx[N_TAGS],
	tag_vy[N_TAGS];

static track_engine *
make_engine(void)
{
	track_floor floor = { .id = "ground", .width = 40.0, .height = 20.0 };
	track_scanner sc[N_SCANNERS];
	track_site site = { .floors = &floor, .n_floors = 1,
		            .scanners = sc, .n_scanners = N_SCANNERS };
	track_engine *e = NULL;

	for (int j = 0; j < GRID_Y; j++) {
		for (int i = 0; i < GRID_X; i++) {
			int s = j * GRID_X + i;

			snprintf(scanner_ids[s], sizeof scanner_ids[s], "s%02d",
			         s);
			sx[s] = (i + 0.5) * 8.0;
			sy[s] = (j + 0.5) * 20.0 / 3.0;
			sc[s] = (track_scanner){ .id = scanner_ids[s],
				                 .floor = "ground", .x = sx[s],
				                 .y = sy[s], .z = 3.0 };
		}
	}
	cr_assert_eq(track_engine_create(NULL, &site, &e), TRACK_OK);
	return e;
}

static void
bounce(double *p, double *v, double max)
{
	*p += *v;
	if (*p < 0.0 || *p > max) {
		*v = -*v;
		*p += 2.0 * *v;
	}
}

/* Reports for simulated seconds [from_s, from_s + n_s), in time order:
 * each tag drifts, then its six nearest scanners hear it once. */
static track_report *
make_reports(gsl_rng *rng, int from_s, int n_s)
{
	track_report *r = calloc((size_t)n_s * N_TAGS * HEARD_BY, sizeof *r);
	size_t at = 0;

	cr_assert_not_null(r);
	for (int s = from_s; s < from_s + n_s; s++) {
		for (int k = 0; k < N_TAGS; k++) {
			bool taken[N_SCANNERS] = { false };

			bounce(&tag_x[k], &tag_vx[k], 40.0);
			bounce(&tag_y[k], &tag_vy[k], 20.0);
			for (int h = 0; h < HEARD_BY; h++) {
				int best = -1;
				double bd = INFINITY, d, rssi;

				for (int q = 0; q < N_SCANNERS; q++) {
					d = hypot(tag_x[k] - sx[q],
					          tag_y[k] - sy[q]);
					if (!taken[q] && d < bd) {
						bd = d;
						best = q;
					}
				}
				taken[best] = true;
				d = sqrt(bd * bd + 4.0);
				rssi = round(-59.0 - 20.0 * log10(d) +
				             gsl_ran_gaussian(rng, 6.0));
				rssi = fmax(-127.0, fmin(0.0, rssi));
				r[at++] = (track_report){
					.scanner = scanner_ids[best],
					.tag = tag_ids[k],
					.rssi_dbm = rssi,
					.t_us = s * US_PER_S +
					        k * (US_PER_S / N_TAGS),
					.tx_dbm = NAN,
				};
			}
		}
	}
	return r;
}

static void
init_tags(gsl_rng *rng)
{
	for (int k = 0; k < N_TAGS; k++) {
		double a = 6.283185307179586 * gsl_rng_uniform(rng);

		snprintf(tag_ids[k], sizeof tag_ids[k], "tag-%03d", k);
		tag_x[k] = 40.0 * gsl_rng_uniform(rng);
		tag_y[k] = 20.0 * gsl_rng_uniform(rng);
		tag_vx[k] = 0.3 * cos(a);
		tag_vy[k] = 0.3 * sin(a);
	}
}

/* Ingest n_s seconds of reports starting at from_s, an update at the end
 * of every second, and every changed position read. Returns positions. */
static unsigned long
run(track_engine *e, const track_report *r, int from_s, int n_s,
    unsigned long *refused)
{
	track_position pos[64];
	unsigned long out = 0;
	size_t got;

	for (int s = 0; s < n_s; s++) {
		for (int i = 0; i < N_TAGS * HEARD_BY; i++)
			if (track_engine_ingest(e, r++) != TRACK_OK)
				(*refused)++;
		track_engine_update(e, (from_s + s + 1) * US_PER_S);
		while ((got = track_engine_changed(e, pos, 64)) > 0)
			out += got;
	}
	return out;
}

/* ---- the counter itself -------------------------------------------------- */

/* Through a volatile pointer, so the compiler cannot drop the pair. */
static void *(*volatile malloc_fn)(size_t) = malloc;

Test(alloc, counter_sees_a_malloc_in_this_executable)
{
	void *p;
	unsigned long n;

	alloc_count_arm();
	p = malloc_fn(32);
	n = alloc_count_disarm();
	free(p);
	cr_assert_eq(n, 1, "the counter saw %lu allocations for one malloc",
	             n);
}

Test(alloc, counter_sees_allocations_inside_shared_libraries)
{
	gsl_vector *v;
	unsigned long n;

	alloc_count_arm();
	v = gsl_vector_alloc(3);
	n = alloc_count_disarm();
	gsl_vector_free(v);
	cr_assert_geq(n, 1, "gsl_vector_alloc was not seen: malloc is not "
	                    "interposed for shared libraries");
}

/* ---- the promises -------------------------------------------------------- */

Test(alloc, steady_state_ingest_and_update_allocate_nothing)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_report *warm, *minute;
	track_engine_stats before, after;
	track_engine *e;
	unsigned long refused = 0, positions, n;

	cr_assert_not_null(rng);
	gsl_rng_set(rng, 7);
	init_tags(rng);
	warm = make_reports(rng, 1, WARMUP_S);
	minute = make_reports(rng, 1 + WARMUP_S, MEASURED_S);
	e = make_engine();
	run(e, warm, 1, WARMUP_S, &refused);
	track_engine_get_stats(e, &before);
	cr_assert_eq(before.tags, N_TAGS, "warm-up saw %zu of %d tags",
	             before.tags, N_TAGS);

	alloc_count_arm();
	positions = run(e, minute, 1 + WARMUP_S, MEASURED_S, &refused);
	n = alloc_count_disarm();

	track_engine_get_stats(e, &after);
	cr_assert_eq(refused, 0, "the engine refused %lu reports", refused);
	/* The minute must have exercised the whole pipeline, or zero
	 * allocations would prove nothing. */
	cr_assert_eq(after.reports - before.reports,
	             (uint64_t)MEASURED_S * N_TAGS * HEARD_BY);
	cr_assert_eq(after.solves - before.solves,
	             (uint64_t)MEASURED_S * N_TAGS,
	             "every tag should be solved once a second");
	cr_assert_eq(positions, (unsigned long)MEASURED_S * N_TAGS);
	cr_assert_eq(n, 0,
	             "a minute of steady-state ingest, update and changed "
	             "(%d tags x %d scanners, %lu reports) made %lu calls to "
	             "malloc/calloc/realloc; expected none",
	             N_TAGS, HEARD_BY,
	             (unsigned long)(after.reports - before.reports), n);

	track_engine_destroy(e);
	free(minute);
	free(warm);
	gsl_rng_free(rng);
}

Test(alloc, solver_solves_allocate_nothing)
{
	static const double pos[][2] = {
		{ 4, 3 }, { 12, 3 }, { 20, 3 }, { 4, 10 }, { 12, 10 },
		{ 20, 10 }, { 4, 17 }, { 12, 17 }, { 20, 17 }, { 28, 10 },
		{ 28, 3 }, { 28, 17 },
	};
	track_solve_params p = {
		.x_min = 0, .x_max = 40, .y_min = 0, .y_max = 20,
		.tx_power_dbm = -59.0, .tx_prior_db = 4.0, .sigma_db = 6.0,
		.min_scanners_tx = 4,
	};
	track_obs obs[12];
	track_solution sol;
	track_solver *s;
	unsigned long n;

	cr_assert_eq(track_solver_create(12, &s), TRACK_OK);
	/* A tag at (11, 8), readings off the model by -1, 0 or +1 dB. */
	for (size_t i = 0; i < 12; i++) {
		double d = sqrt(pow(pos[i][0] - 11.0, 2) +
		                pow(pos[i][1] - 8.0, 2) + 4.0);
		double noise = (double)(i % 3) - 1.0;

		obs[i] = (track_obs){
			.x = pos[i][0], .y = pos[i][1], .dz = 2.0, .n = 2.0,
			.rssi_dbm = round(-59.0 - 20.0 * log10(d) + noise),
		};
	}
	alloc_count_arm();
	/* Every size from one observation (nearest) to twelve, with the
	 * power fixed and solved: each takes its own code path. */
	for (size_t k = 1; k <= 12; k++) {
		track_solver_solve(s, obs, k, &p, NULL, &sol);
		p.tx_prior_db = 0.0;
		track_solver_solve(s, obs, k, &p, NULL, &sol);
		p.tx_prior_db = 4.0;
	}
	n = alloc_count_disarm();
	cr_assert_eq(n, 0, "24 solves made %lu calls to malloc/calloc/"
	                   "realloc; expected none", n);
	track_solver_destroy(s);
}
