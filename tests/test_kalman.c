/* The constant-velocity Kalman filter. */
#include <math.h>

#include <criterion/criterion.h>

#include "track/track.h"

#define S 1000000LL

Test(kalman, starts_at_the_first_measurement)
{
	track_kalman k = { 0 };
	const double R[3] = { 4, 0, 4 };

	track_kalman_update(&k, 3, 4, R, 0);
	cr_expect(k.init);
	cr_expect_eq(k.x[0], 3.0);
	cr_expect_eq(k.x[1], 4.0);
	cr_expect_eq(k.P[0], 4.0);
}

Test(kalman, repeated_measurements_of_a_still_point_shrink_the_doubt)
{
	track_kalman k = { 0 };
	const double R[3] = { 4, 0, 4 };

	for (int t = 0; t < 30; t++) {
		track_kalman_predict(&k, t * S, 0.1);
		track_kalman_update(&k, 10, 5, R, t * S);
	}
	cr_expect_float_eq(k.x[0], 10.0, 1e-6);
	cr_expect_lt(k.P[0], 0.5 * R[0], "P %g", k.P[0]);
}

Test(kalman, a_steady_walk_is_followed_with_its_velocity)
{
	track_kalman k = { 0 };
	const double R[3] = { 0.25, 0, 0.25 };

	for (int t = 0; t < 40; t++) {
		track_kalman_predict(&k, t * S, 1.0);
		track_kalman_update(&k, 1.2 * t, 2.0, R, t * S);
	}
	cr_expect_lt(fabs(k.x[2] - 1.2), 0.05, "vx %g", k.x[2]);
	cr_expect_lt(fabs(k.x[0] - 1.2 * 39), 0.2);
}

Test(kalman, predict_moves_by_the_velocity_and_grows_the_doubt)
{
	track_kalman k = { .init = true, .x = { 0, 0, 1, 0.5 },
		           .P = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
			          0, 0, 0, 1 } };

	track_kalman_predict(&k, 2 * S, 1.0);
	cr_expect_float_eq(k.x[0], 2.0, 1e-12);
	cr_expect_float_eq(k.x[1], 1.0, 1e-12);
	cr_expect_gt(k.P[0], 1.0 + 4.0); /* velocity doubt carried over */
	/* A time in the past changes nothing. */
	track_kalman_predict(&k, S, 1.0);
	cr_expect_eq(k.t_us, 2 * S);
}

Test(kalman, mahalanobis_scales_the_miss_by_the_doubt)
{
	track_kalman k = { .init = true,
		           .P = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
			          0, 0, 0, 1 } };
	const double R[3] = { 3, 0, 3 };

	/* S = 4 I: a 4 m miss is 2 sigma, d^2 = 4. */
	cr_expect_float_eq(track_kalman_mahalanobis(&k, 4, 0, R), 4.0, 1e-12);
}
