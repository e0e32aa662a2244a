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
