/* The single-epoch solver: exact on noise-free data, honest under noise,
 * and every fallback and refusal by name. */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "track/track.h"

#include "libtrack/src/track-private.h"

static track_solver *solver;

static void
setup(void)
{
	cr_assert_eq(track_solver_create(16, &solver), TRACK_OK);
}

static void
teardown(void)
{
	track_solver_destroy(solver);
}

static track_solve_params
params(double tx, double prior)
{
	return (track_solve_params){
		.x_min = -5, .x_max = 45, .y_min = -5, .y_max = 25,
		.tx_power_dbm = tx, .tx_prior_db = prior, .sigma_db = 6.0,
		.min_scanners_tx = 4,
	};
}

/* Scanners on a grid over a 40 x 20 m floor, observations from the model
 * with no noise for a tag at (x, y). */
static size_t
observe(track_obs *o, size_t n, double x, double y, double dz, double tx,
        double pl)
{
	static const double pos[][2] = {
		{ 4, 3 }, { 36, 3 }, { 20, 17 }, { 4, 17 }, { 36, 17 },
		{ 20, 3 }, { 12, 10 }, { 28, 10 }, { 12, 3 }, { 28, 17 },
		{ 4, 10 }, { 36, 10 },
	};

	for (size_t i = 0; i < n; i++) {
		double dx = x - pos[i][0], dy = y - pos[i][1];
		double d = sqrt(dx * dx + dy * dy + dz * dz);

		o[i] = (track_obs){ .x = pos[i][0], .y = pos[i][1], .dz = dz,
			            .n = pl,
			            .rssi_dbm = track_model_rssi(d, tx, pl) };
	}
	return n;
}

TestSuite(solve, .init = setup, .fini = teardown);

Test(solve, noise_free_reports_give_the_true_position_within_1cm_in_2d)
{
	track_obs o[12];
	track_solve_params p = params(-59, 0);
	track_solution s;

	for (size_t n = 3; n <= 12; n++) {
		observe(o, n, 17.3, 8.6, 0.0, -59, 2.0);
		cr_assert_eq(track_solver_solve(solver, o, n, &p, NULL, &s),
		             TRACK_OK);
		cr_expect_eq(s.method, TRACK_METHOD_SOLVE);
		cr_expect_lt(hypot(s.x - 17.3, s.y - 8.6), 0.01,
		             "%zu scanners: (%g, %g)", n, s.x, s.y);
	}
}

Test(solve, noise_free_reports_give_the_true_position_with_scanner_heights)
{
	track_obs o[8];
	track_solve_params p = params(-59, 0);
	track_solution s;

	/* Scanners 2 m above the tag; a steeper path loss too. */
	observe(o, 8, 25.0, 14.0, 2.0, -59, 2.7);
	cr_assert_eq(track_solver_solve(solver, o, 8, &p, NULL, &s), TRACK_OK);
	cr_expect_lt(hypot(s.x - 25.0, s.y - 14.0), 0.01, "(%g, %g)", s.x,
	             s.y);
}

Test(solve, an_unknown_tag_power_is_solved_with_four_or_more_scanners)
{
	track_obs o[6];
	/* A nearly flat prior: the data alone must find power and place. */
	track_solve_params p = params(-59, 100.0);
	track_solution s;

	observe(o, 6, 9.0, 12.0, 2.0, -66, 2.0);
	cr_assert_eq(track_solver_solve(solver, o, 6, &p, NULL, &s), TRACK_OK);
	cr_expect_eq(s.method, TRACK_METHOD_SOLVE_TX);
	cr_expect_lt(hypot(s.x - 9.0, s.y - 12.0), 0.01, "(%g, %g)", s.x, s.y);
	cr_expect_lt(fabs(s.tx_power_dbm + 66.0), 0.01, "tx %g",
	             s.tx_power_dbm);
}

/* The joint cost the solver minimises: readings in dB plus the power's
 * prior (tau), inside the bounds. */
static double
joint_cost(const track_obs *o, size_t n, const track_solve_params *p,
           double x, double y, double tx)
{
	double c = 0.0, e;

	for (size_t i = 0; i < n; i++) {
		double dx = x - o[i].x, dy = y - o[i].y;
		double d = sqrt(dx * dx + dy * dy + o[i].dz * o[i].dz);

		e = (o[i].rssi_dbm - track_model_rssi(d, tx, o[i].n)) /
		    p->sigma_db;
		c += e * e;
	}
	e = (tx - p->tx_power_dbm) / p->tx_prior_db;
	return c + e * e;
}

/* LM searches the position only and takes the power in closed form at
 * each point: the answer must still be the joint (x, y, power) optimum.
 * No move of the power alone lowers the cost, and no move of the
 * position by a fifth of the answer's uncertainty does, whatever the
 * power there, by more than 0.01 (a likelihood ratio of 0.5%: where the
 * surface is that flat, the search stops where its steps are short).
 * Checked away from the walls, a constraint the cost above leaves out. */
Test(solve, with_the_power_free_the_answer_is_the_joint_optimum)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_solve_params p = params(-59, 4.0);
	track_obs o[12];
	int checked = 0;

	gsl_rng_set(rng, 7);
	for (int k = 0; k < 200; k++) {
		double tx = -59 + gsl_ran_gaussian(rng, 4.0);
		double x = 6 + 28 * gsl_rng_uniform(rng);
		double y = 4 + 12 * gsl_rng_uniform(rng);
		size_t n = 8 + gsl_rng_uniform_int(rng, 5);
		track_solution s;
		double best, step;

		observe(o, n, x, y, 2.0, tx, 2.0);
		for (size_t i = 0; i < n; i++)
			o[i].rssi_dbm += gsl_ran_gaussian(rng, 4.0);
		cr_assert_eq(track_solver_solve(solver, o, n, &p, NULL, &s),
		             TRACK_OK);
		cr_assert_eq(s.method, TRACK_METHOD_SOLVE_TX);
		step = 0.2 * s.r;
		if (s.x - step <= p.x_min ||
		    s.x + step >= p.x_max || s.y - step <= p.y_min ||
		    s.y + step >= p.y_max)
			continue;
		checked++;
		best = joint_cost(o, n, &p, s.x, s.y, s.tx_power_dbm);
		for (double dt = -0.5; dt <= 0.5; dt += 0.25)
			cr_expect_geq(joint_cost(o, n, &p, s.x, s.y,
			                         s.tx_power_dbm + dt),
			              best - 1e-9, "trial %d: power %+g dB", k,
			              dt);
		for (int a = 0; a < 8; a++) {
			double ux = step * cos(a * atan(1.0)); /* a x 45 deg */
			double uy = step * sin(a * atan(1.0));

			for (double dt = -1.0; dt <= 1.0; dt += 0.05)
				cr_expect_geq(joint_cost(o, n, &p, s.x + ux,
				                         s.y + uy,
				                         s.tx_power_dbm + dt),
				              best - 0.01,
				              "trial %d: moved (%+.2f, %+.2f)",
				              k, ux, uy);
		}
	}
	gsl_rng_free(rng);
	cr_expect_gt(checked, 100, "only %d trials checked", checked);
}

Test(solve, three_scanners_keep_the_tag_power_fixed)
{
	track_obs o[3];
	track_solve_params p = params(-59, 4.0);
	track_solution s;

	observe(o, 3, 15.0, 9.0, 0.0, -59, 2.0);
	cr_assert_eq(track_solver_solve(solver, o, 3, &p, NULL, &s), TRACK_OK);
	cr_expect_eq(s.method, TRACK_METHOD_SOLVE);
	cr_expect_eq(s.tx_power_dbm, -59.0);
}

Test(solve, one_scanner_falls_back_to_the_scanner_with_its_range_as_doubt)
{
	track_obs o[1];
	track_solve_params p = params(-59, 4.0);
	track_solution s;

	/* 10 m away at n = 2 is -79 dBm. */
	o[0] = (track_obs){ .x = 20, .y = 10, .dz = 0, .n = 2.0,
		            .rssi_dbm = -79.0 };
	cr_assert_eq(track_solver_solve(solver, o, 1, &p, NULL, &s), TRACK_OK);
	cr_expect_eq(s.method, TRACK_METHOD_NEAREST);
	cr_expect_float_eq(s.x, 20.0, 1e-9);
	cr_expect_float_eq(s.y, 10.0, 1e-9);
	cr_expect_geq(s.r, 10.0, "r %g must cover the 10 m range", s.r);
}

Test(solve, two_scanners_fall_back_to_a_centroid_nearer_the_louder_one)
{
	track_obs o[2];
	track_solve_params p = params(-59, 4.0);
	track_solution s;

	o[0] = (track_obs){ .x = 0, .y = 0, .n = 2.0, .rssi_dbm = -65 };
	o[1] = (track_obs){ .x = 10, .y = 0, .n = 2.0, .rssi_dbm = -75 };
	cr_assert_eq(track_solver_solve(solver, o, 2, &p, NULL, &s), TRACK_OK);
	cr_expect_eq(s.method, TRACK_METHOD_CENTROID);
	cr_expect_gt(s.x, 0.0);
	cr_expect_lt(s.x, 5.0, "x %g should lean to the louder scanner", s.x);
	cr_expect_geq(s.r, 1.0);
}

Test(solve, collinear_scanners_report_a_wide_uncertainty_across_the_line)
{
	track_obs o[4];
	track_solve_params p = params(-59, 0);
	track_solution s;

	for (int i = 0; i < 4; i++) {
		double d = hypot(10.0 * i - 12.0, 5.0);

		o[i] = (track_obs){ .x = 10.0 * i, .y = 0, .n = 2.0,
			            .rssi_dbm = track_model_rssi(d, -59, 2) };
	}
	cr_assert_eq(track_solver_solve(solver, o, 4, &p, NULL, &s), TRACK_OK);
	/* The line cannot tell +y from -y: whatever side the answer takes,
	 * the radius must cover the true place. */
	cr_expect_leq(hypot(s.x - 12.0, s.y - 5.0), s.r, "(%g, %g) r %g",
	              s.x, s.y, s.r);
}

Test(solve, the_answer_stays_inside_the_bounds)
{
	track_obs o[4];
	track_solve_params p = params(-59, 0);
	track_solution s;

	/* Far too weak everywhere: the likelihood wants the tag far away. */
	observe(o, 4, 15, 10, 0, -59, 2.0);
	for (int i = 0; i < 4; i++)
		o[i].rssi_dbm -= 40.0;
	p.x_min = 0;
	p.x_max = 40;
	p.y_min = 0;
	p.y_max = 20;
	cr_assert_eq(track_solver_solve(solver, o, 4, &p, NULL, &s), TRACK_OK);
	cr_expect(s.x >= 0 && s.x <= 40 && s.y >= 0 && s.y <= 20,
	          "(%g, %g) left the floor", s.x, s.y);
}

Test(solve, invalid_input_is_refused_without_touching_the_output)
{
	track_obs o[3];
	track_solve_params p = params(-59, 0);
	track_solution s = { .x = 123.0 };

	observe(o, 3, 10, 10, 0, -59, 2.0);
	cr_expect_eq(track_solver_solve(solver, o, 0, &p, NULL, &s),
	             TRACK_EINVAL);
	cr_expect_eq(track_solver_solve(solver, o, 17, &p, NULL, &s),
	             TRACK_EINVAL);
	o[1].rssi_dbm = NAN;
	cr_expect_eq(track_solver_solve(solver, o, 3, &p, NULL, &s),
	             TRACK_EINVAL);
	o[1].rssi_dbm = -70;
	o[2].n = 0.0;
	cr_expect_eq(track_solver_solve(solver, o, 3, &p, NULL, &s),
	             TRACK_EINVAL);
	o[2].n = 2.0;
	p.sigma_db = 0.0;
	cr_expect_eq(track_solver_solve(solver, o, 3, &p, NULL, &s),
	             TRACK_EINVAL);
	cr_expect_eq(s.x, 123.0);
	cr_expect_eq(track_solver_create(0, NULL), TRACK_EINVAL);
	track_solver_destroy(NULL);
}

/* Many noisy trials at one point inside six scanners: the mean error is
 * small next to the spread, and about 63% of errors (a circular Gaussian
 * inside sqrt(cxx + cyy)) fall within the reported radius. */
Test(solve, under_noise_the_estimate_is_unbiased_and_r_matches_the_spread)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_obs o[6], clean[6];
	track_solve_params p = params(-59, 0);
	const int trials = 3000;
	double sx = 0, sy = 0, se2 = 0;
	int inside = 0;

	p.x_min = 0;
	p.x_max = 40;
	p.y_min = 0;
	p.y_max = 20;
	p.sigma_db = 3.0;
	gsl_rng_set(rng, 42);
	observe(clean, 6, 18.0, 9.0, 2.0, -59, 2.0);
	for (int k = 0; k < trials; k++) {
		track_solution s;

		for (int i = 0; i < 6; i++) {
			o[i] = clean[i];
			o[i].rssi_dbm += gsl_ran_gaussian(rng, 3.0);
		}
		cr_assert_eq(track_solver_solve(solver, o, 6, &p, NULL, &s),
		             TRACK_OK);
		sx += s.x - 18.0;
		sy += s.y - 9.0;
		se2 += (s.x - 18.0) * (s.x - 18.0) + (s.y - 9.0) * (s.y - 9.0);
		inside += hypot(s.x - 18.0, s.y - 9.0) <= s.r;
	}
	gsl_rng_free(rng);
	{
		double rms = sqrt(se2 / trials);
		double bias = hypot(sx / trials, sy / trials);
		double frac = (double)inside / trials;

		cr_expect_lt(bias, 0.1 * rms, "bias %g vs rms %g", bias, rms);
		cr_expect(frac > 0.55 && frac < 0.80,
		          "%.1f%% of errors inside r", 100 * frac);
	}
}

Test(solve, degenerate_geometry_comes_back_as_an_answer_not_an_abort)
{
	track_obs o[5];
	track_solve_params p = params(-59, 4.0);
	track_solution s;

	/* Five scanners in one spot: nothing fixes the direction. */
	for (int i = 0; i < 5; i++)
		o[i] = (track_obs){ .x = 10, .y = 10, .dz = 0, .n = 2.0,
			            .rssi_dbm = -60.0 - 7.0 * i };
	cr_assert_eq(track_solver_solve(solver, o, 5, &p, NULL, &s), TRACK_OK);
	cr_expect(isfinite(s.x) && isfinite(s.y) && isfinite(s.r));
	/* And the same with every scanner hearing exactly the same. */
	for (int i = 0; i < 5; i++)
		o[i].rssi_dbm = -70.0;
	cr_assert_eq(track_solver_solve(solver, o, 5, &p, NULL, &s), TRACK_OK);
	cr_expect(isfinite(s.x) && isfinite(s.y) && isfinite(s.r));
}

/* GSL aborts the process on a singular step: no input the solver accepts
 * may lead there. Random, mostly degenerate geometry: scanners stacked on
 * a few spots, extreme RSSI, zero-size bounds, power fixed or free. */
Test(solve, random_degenerate_inputs_never_abort)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_obs o[16];

	gsl_rng_set(rng, 99);
	for (int k = 0; k < 20000; k++) {
		size_t n = 1 + gsl_rng_uniform_int(rng, 16);
		unsigned spots = 1 + (unsigned)gsl_rng_uniform_int(rng, 3);
		double sx[3], sy[3];
		track_solve_params p = params(-59, gsl_rng_uniform(rng) < 0.5
		                                            ? 0.0
		                                            : 4.0);
		track_solution s;

		for (unsigned j = 0; j < spots; j++) {
			sx[j] = floor(gsl_rng_uniform(rng) * 4) * 10;
			sy[j] = floor(gsl_rng_uniform(rng) * 2) * 10;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned j = (unsigned)gsl_rng_uniform_int(rng, spots);

			o[i] = (track_obs){
				.x = sx[j], .y = sy[j],
				.dz = gsl_rng_uniform(rng) < 0.5 ? 0.0 : 2.0,
				.n = 1.0 + 5.0 * gsl_rng_uniform(rng),
				.rssi_dbm = -127.0 * gsl_rng_uniform(rng),
			};
		}
		if (k % 7 == 0) {
			p.x_min = p.x_max = sx[0];
			p.y_min = p.y_max = sy[0];
		}
		cr_assert_eq(track_solver_solve(solver, o, n, &p, NULL, &s),
		             TRACK_OK);
		cr_assert(isfinite(s.x) && isfinite(s.y) && isfinite(s.r),
		          "trial %d: (%g, %g) r %g", k, s.x, s.y, s.r);
	}
	gsl_rng_free(rng);
}

Test(solve, a_site_far_from_the_origin_is_solved_as_precisely)
{
	track_obs o[6];
	track_solve_params p = params(-59, 0);
	track_solution s;

	/* The same floor, 10 km east and north of the site's origin. */
	observe(o, 6, 17.3, 8.6, 2.0, -59, 2.0);
	for (int i = 0; i < 6; i++) {
		o[i].x += 10000.0;
		o[i].y += 10000.0;
	}
	p.x_min += 10000.0;
	p.x_max += 10000.0;
	p.y_min += 10000.0;
	p.y_max += 10000.0;
	cr_assert_eq(track_solver_solve(solver, o, 6, &p, NULL, &s), TRACK_OK);
	cr_expect_lt(hypot(s.x - 10017.3, s.y - 10008.6), 0.01, "(%.4f, %.4f)",
	             s.x, s.y);
}

/* The solver searches with gsl_multilarge_nlinear (the callback forms the
 * 2x2 normal equations) where it used gsl_multifit_nlinear (GSL forms
 * them from the n x 2 Jacobian): the same trust-region LM, Cholesky and
 * More's scaling, so the same steps but for rounding. On the geometry the
 * engine hands it (the nearest 3 to 12 of a grid of scanners, 6 dB
 * shadowing, the power free or not, from the centroid or from a guess a
 * few metres off), both stop at the same point. */
Test(solve, the_large_problem_driver_reaches_the_optimum_multifit_reaches)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	track_solver *ref;
	static const size_t sizes[] = { 3, 4, 5, 6, 8, 12 };
	const int trials = 6000;
	int same_iter = 0, mm = 0, far = 0;
	double worst = 0.0, worst_cost = 0.0, worst_any = 0.0;

	cr_assert_eq(track_solver_create(16, &ref), TRACK_OK);
	cr_assert_eq(track__solver_use_multifit(ref), TRACK_OK);
	gsl_rng_set(rng, 7);
	for (int k = 0; k < trials; k++) {
		size_t n = sizes[k % 6];
		double x = 40.0 * gsl_rng_uniform(rng);
		double y = 20.0 * gsl_rng_uniform(rng);
		double guess[2] = { x + gsl_ran_gaussian(rng, 3.0),
			            y + gsl_ran_gaussian(rng, 3.0) };
		track_solve_params p = params(-59, k % 8 < 6 ? 4.0 : 0.0);
		const double *g = k % 4 == 3 ? guess : NULL;
		track_obs o[12];
		track_solution a, b;
		double d;

		p.x_min = p.y_min = 0.0;
		p.x_max = 40.0;
		p.y_max = 20.0;
		observe(o, n, x, y, 2.0, -59, 2.0);
		for (size_t i = 0; i < n; i++)
			o[i].rssi_dbm += gsl_ran_gaussian(rng, 6.0);
		cr_assert_eq(track_solver_solve(solver, o, n, &p, g, &a),
		             TRACK_OK);
		cr_assert_eq(track_solver_solve(ref, o, n, &p, g, &b),
		             TRACK_OK);
		cr_assert_eq(a.method, b.method, "trial %d", k);
		d = hypot(a.x - b.x, a.y - b.y);
		if (d > worst_any)
			worst_any = d;
		if (a.iterations == b.iterations) {
			same_iter++;
			if (d > worst)
				worst = d;
			if (fabs(a.cost - b.cost) > worst_cost)
				worst_cost = fabs(a.cost - b.cost);
		}
		mm += d > 0.005;
		/* A step of rounding's size may cross the stop test and take
		 * one step more or less: that moves the answer by less than
		 * the stop threshold (at most 25 cm). */
		far += d > 0.25;
	}
	track_solver_destroy(ref);
	gsl_rng_free(rng);
	cr_log_info("%d of %d the same steps (%g m, costs %g apart), "
	            "%d over 5 mm apart, worst %g m",
	            same_iter, trials, worst, worst_cost, mm, worst_any);
	cr_expect_geq(same_iter, trials * 99 / 100, "%d of %d the same steps",
	              same_iter, trials);
	cr_expect_lt(worst, 1e-9, "%g m apart with the same steps", worst);
	cr_expect_lt(worst_cost, 1e-9, "costs %g apart", worst_cost);
	cr_expect_leq(mm, trials / 100, "%d answers over 5 mm apart", mm);
	cr_expect_eq(far, 0, "%d answers more than 25 cm apart", far);
}
