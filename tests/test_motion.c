/* The two-model (still / walking) filter. */
#include <math.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "track/track.h"

#define S 1000000LL

static const track_motion_params params = { 1.0, 0.05, 10.0, 10.0 };

Test(motion, a_standing_tag_is_averaged_better_than_by_one_walking_filter)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	const double R[3] = { 4, 0, 4 }; /* 2 m per axis per fix */
	double e_motion = 0, e_kalman = 0;
	int judged_still = 0;

	gsl_rng_set(rng, 5);
	for (int trial = 0; trial < 200; trial++) {
		track_motion m = { 0 };
		track_kalman k = { 0 };

		for (int t = 0; t < 30; t++) {
			double zx = 10 + gsl_ran_gaussian(rng, 2.0);
			double zy = 5 + gsl_ran_gaussian(rng, 2.0);

			track_motion_predict(&m, t * S, &params);
			track_motion_update(&m, zx, zy, R, t * S);
			track_kalman_predict(&k, t * S, params.accel_mps2);
			track_kalman_update(&k, zx, zy, R, t * S);
		}
		e_motion += hypot(m.x[0] - 10, m.x[1] - 5);
		e_kalman += hypot(k.x[0] - 10, k.x[1] - 5);
		judged_still += m.prob[TRACK_MOTION_STILL] > 0.5;
	}
	gsl_rng_free(rng);
	cr_expect_geq(judged_still, 160, "judged still in %d of 200",
	              judged_still);
	/* Fixes of 2 m averaged over the ~10 s a stop is expected to last:
	 * about 0.8 m; a walking filter alone keeps about twice that. */
	cr_expect_lt(e_motion / 200, 1.0, "mean error %g", e_motion / 200);
	cr_expect_lt(e_motion, 0.6 * e_kalman, "still+walking %g vs walking %g",
	             e_motion / 200, e_kalman / 200);
}

Test(motion, a_walker_is_recognised_and_their_speed_found)
{
	track_motion m = { 0 };
	const double R[3] = { 0.5, 0, 0.5 };

	for (int t = 0; t < 20; t++) {
		track_motion_predict(&m, t * S, &params);
		track_motion_update(&m, 2 + 1.2 * t, 8, R, t * S);
	}
	cr_expect_gt(m.prob[TRACK_MOTION_MOVING], 0.75, "p %g",
	             m.prob[TRACK_MOTION_MOVING]);
	cr_expect_lt(fabs(m.model[TRACK_MOTION_MOVING].x[2] - 1.2), 0.1);
	cr_expect_lt(fabs(m.x[0] - (2 + 1.2 * 19)), 0.5);
}

Test(motion, a_walker_who_stops_becomes_still)
{
	track_motion m = { 0 };
	const double R[3] = { 0.5, 0, 0.5 };
	int t;

	for (t = 0; t < 15; t++) {
		track_motion_predict(&m, t * S, &params);
		track_motion_update(&m, 2 + 1.2 * t, 8, R, t * S);
	}
	for (; t < 30; t++) {
		track_motion_predict(&m, t * S, &params);
		track_motion_update(&m, 2 + 1.2 * 14, 8, R, t * S);
	}
	cr_expect_gt(m.prob[TRACK_MOTION_STILL], 0.5, "p %g",
	             m.prob[TRACK_MOTION_STILL]);
	cr_expect_lt(fabs(m.x[0] - (2 + 1.2 * 14)), 0.5);
}

Test(motion, predicting_backwards_or_before_the_first_fix_changes_nothing)
{
	track_motion m = { 0 };
	const double R[3] = { 1, 0, 1 };

	track_motion_predict(&m, 5 * S, &params);
	cr_expect_not(m.init);
	track_motion_update(&m, 3, 4, R, 10 * S);
	track_motion_predict(&m, 9 * S, &params);
	cr_expect_eq(m.t_us, 10 * S);
	cr_expect_eq(m.x[0], 3.0);
	cr_expect_float_eq(m.prob[0] + m.prob[1], 1.0, 1e-12);
}

/* ---- synthetic trajectories: fixes at 1 Hz with the noise of real fixes,
 * which is correlated from one fix to the next (the same shadowing for a
 * few metres), and reported with the pessimistic covariance a solve gives
 * (twice the true variance). */

struct walk {
	gsl_rng *rng;
	double sigma, rho; /* per axis; correlation of successive errors */
	double ex, ey;
	track_motion m;
};

static void
walk_init(struct walk *w, unsigned long seed, double sigma, double rho)
{
	*w = (struct walk){ .sigma = sigma, .rho = rho };
	w->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(w->rng, seed);
	w->ex = gsl_ran_gaussian(w->rng, sigma);
	w->ey = gsl_ran_gaussian(w->rng, sigma);
}

/* One fix of a tag truly at (x, y) at second t. */
static void
walk_fix(struct walk *w, int t, double x, double y)
{
	double s = w->sigma * sqrt(1 - w->rho * w->rho);
	double R[3] = { 2 * w->sigma * w->sigma, 0, 2 * w->sigma * w->sigma };

	w->ex = w->rho * w->ex + gsl_ran_gaussian(w->rng, s);
	w->ey = w->rho * w->ey + gsl_ran_gaussian(w->rng, s);
	track_motion_predict(&w->m, t * S, &params);
	track_motion_update(&w->m, x + w->ex, y + w->ey, R, t * S);
}

static double
walk_err(const struct walk *w, double x, double y)
{
	return hypot(w->m.x[0] - x, w->m.x[1] - y);
}

Test(motion, a_slow_walker_is_not_held_back_by_the_still_model)
{
	double sum = 0;
	int n = 0, walking = 0;

	/* 0.4 m/s, a slow walk down a ward, for a minute: the fixes move less
	 * between two seconds than their noise. */
	for (unsigned long seed = 1; seed <= 50; seed++) {
		struct walk w;

		walk_init(&w, seed, 1.5, 0.5);
		for (int t = 0; t < 60; t++) {
			walk_fix(&w, t, 0.4 * t, 5);
			if (t >= 20) {
				sum += walk_err(&w, 0.4 * t, 5);
				n++;
				walking += w.m.prob[TRACK_MOTION_MOVING] > 0.5;
			}
		}
		gsl_rng_free(w.rng);
	}
	cr_log_info("slow walk: mean error %.2f m, walking %d of %d", sum / n,
	            walking, n);
	/* Without the walk detector 15% of these epochs are judged walking
	 * (12% with a Gaussian likelihood for the fixes), with it 18%. */
	cr_expect_lt(sum / n, 1.8, "mean error %g m", sum / n);
	cr_expect_gt(walking, n * 3 / 20, "judged walking in %d of %d",
	             walking, n);
}

Test(motion, a_right_angle_turn_is_followed_within_two_seconds)
{
	double sum = 0;

	/* East at 1.2 m/s for 20 s, then north: the error 2 s after the turn. */
	for (unsigned long seed = 1; seed <= 50; seed++) {
		struct walk w;
		int t;

		walk_init(&w, seed, 1.0, 0.5);
		for (t = 0; t <= 20; t++)
			walk_fix(&w, t, 1.2 * t, 0);
		for (; t <= 22; t++)
			walk_fix(&w, t, 24, 1.2 * (t - 20));
		sum += walk_err(&w, 24, 2.4);
		gsl_rng_free(w.rng);
	}
	cr_log_info("turn: mean error 2 s after %.2f m", sum / 50);
	cr_expect_lt(sum / 50, 2.0, "mean error 2 s after the turn %g m",
	             sum / 50);
}

Test(motion, a_walker_who_stops_is_still_within_three_seconds)
{
	double sum = 0;

	for (unsigned long seed = 1; seed <= 50; seed++) {
		struct walk w;
		int t;

		walk_init(&w, seed, 1.0, 0.5);
		for (t = 0; t <= 20; t++)
			walk_fix(&w, t, 1.2 * t, 0);
		for (; t <= 23; t++)
			walk_fix(&w, t, 24, 0);
		sum += hypot(w.m.x[2], w.m.x[3]);
		gsl_rng_free(w.rng);
	}
	cr_log_info("stop: mean speed 3 s after %.2f m/s", sum / 50);
	cr_expect_lt(sum / 50, 0.5, "mean speed 3 s after the stop %g m/s",
	             sum / 50);
}

Test(motion, a_badge_left_on_a_desk_does_not_wander)
{
	double err = 0, path = 0, fixes = 0;
	int n = 0;

	/* Ten minutes at rest, fixes of 2 m per axis with errors correlated
	 * from one second to the next: over the last nine minutes, how far
	 * the shown position is from the badge, and how far it travels
	 * against how far the fixes jump. */
	for (unsigned long seed = 1; seed <= 20; seed++) {
		struct walk w;
		double px = 0, py = 0, fx = 0, fy = 0;

		walk_init(&w, seed, 2.0, 0.5);
		for (int t = 0; t < 600; t++) {
			walk_fix(&w, t, 10, 5);
			if (t > 60) {
				err += walk_err(&w, 10, 5);
				path += hypot(w.m.x[0] - px, w.m.x[1] - py);
				fixes += hypot(w.ex - fx, w.ey - fy);
				n++;
			}
			px = w.m.x[0];
			py = w.m.x[1];
			fx = w.ex;
			fy = w.ey;
		}
		gsl_rng_free(w.rng);
	}
	cr_log_info("desk: mean error %.2f m, path %.0f m against the fixes' %.0f m",
	            err / n, path / 20, fixes / 20);
	cr_expect_lt(err / n, 1.5, "mean error %g m", err / n);
	cr_expect_lt(path, 0.3 * fixes, "path %g m, fixes %g m", path / 20,
	             fixes / 20);
}

Test(motion, a_badge_at_rest_is_not_taken_for_a_walker_by_stray_fixes)
{
	int walking = 0, n = 0;

	/* Fixes 1.5 m off per axis, as their covariance says, and one in
	 * twenty thrown 8 m further by multipath, as real fixes are: a badge
	 * at rest is judged walking in under a tenth of the epochs (6.5%; a
	 * Gaussian likelihood for the fixes, which made each stray one
	 * evidence of a walk, and the walk detector at 95%: 22%). */
	for (unsigned long seed = 1; seed <= 50; seed++) {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		double R[3] = { 2.25, 0, 2.25 };
		track_motion m = { 0 };

		gsl_rng_set(rng, seed);
		for (int t = 0; t < 120; t++) {
			double zx = 10 + gsl_ran_gaussian(rng, 1.5);
			double zy = 5 + gsl_ran_gaussian(rng, 1.5);

			if (gsl_rng_uniform(rng) < 0.05) {
				double a = gsl_rng_uniform(rng) * 6.283185307;

				zx += 8 * cos(a);
				zy += 8 * sin(a);
			}
			track_motion_predict(&m, t * S, &params);
			track_motion_update(&m, zx, zy, R, t * S);
			if (t >= 20) {
				walking += m.prob[TRACK_MOTION_MOVING] > 0.5;
				n++;
			}
		}
		gsl_rng_free(rng);
	}
	cr_log_info("badge at rest, stray fixes: walking %d of %d", walking, n);
	cr_expect_lt(walking, n / 10, "judged walking in %d of %d", walking, n);
}

Test(motion, a_stray_fix_barely_moves_a_standing_tags_average)
{
	const double R[3] = { 2.25, 0, 2.25 };
	track_motion m = { 0 };
	track_kalman gauss;
	double sx, sy, moved, moved_gauss;

	/* A minute at rest with fixes as exact as their covariance, then one
	 * fix 12 m off that claims the same 1.5 m: the Student t update
	 * (nu 4) moves the still model under a fifth as far as the Gaussian
	 * update of the same prediction (1.1 m). */
	for (int t = 0; t < 60; t++) {
		track_motion_predict(&m, t * S, &params);
		track_motion_update(&m, 10.0 + (t % 2 ? 1.5 : -1.5),
		                    5.0 + (t % 3 ? 1.0 : -2.0), R, t * S);
	}
	track_motion_predict(&m, 60 * S, &params);
	sx = m.model[TRACK_MOTION_STILL].x[0];
	sy = m.model[TRACK_MOTION_STILL].x[1];
	gauss = m.model[TRACK_MOTION_STILL];
	track_kalman_update(&gauss, 22.0, 5.0, R, 60 * S);
	moved_gauss = hypot(gauss.x[0] - sx, gauss.x[1] - sy);
	track_motion_update(&m, 22.0, 5.0, R, 60 * S);
	moved = hypot(m.model[TRACK_MOTION_STILL].x[0] - sx,
	              m.model[TRACK_MOTION_STILL].x[1] - sy);
	cr_log_info("stray fix: still model moved %.3f m (Gaussian %.3f m)",
	            moved, moved_gauss);
	cr_expect_lt(moved, 0.2 * moved_gauss, "moved %g m, Gaussian %g m",
	             moved, moved_gauss);
	cr_expect_gt(moved, 0.0, "a fix is never ignored outright");
}
