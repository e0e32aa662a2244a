/* The path-loss fit behind track-calibrate (libtrack/tools/calibrate.h),
 * on synthetic reports with known P1m, n and per-scanner offsets. */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "calibrate.h"

#define P1M (-61.0)
#define N_EXP 2.3
#define SIGMA 6.0
#define N_BIG 8      /* scanners with plenty of reports */
#define PER_BIG 1500
#define N_SMALL 3    /* reports of the last scanner */

/* Offsets of the big scanners: zero mean, as the fit re-centres to. */
static const double offsets[N_BIG] = {
	-3.0, 2.0, 0.5, 4.0, -1.5, -2.0, 1.0, -1.0,
};

/* PER_BIG reports per big scanner and N_SMALL from a last scanner with a
 * +6 dB offset, at distances log-uniform in 1..30 m. */
static struct calibrate_sample *
synthetic(unsigned long seed, double sigma, size_t *n)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t total = N_BIG * PER_BIG + N_SMALL, k = 0;
	struct calibrate_sample *s = malloc(total * sizeof *s);

	cr_assert_not_null(rng);
	cr_assert_not_null(s);
	gsl_rng_set(rng, seed);
	for (size_t i = 0; i < N_BIG + 1; i++) {
		size_t count = i < N_BIG ? PER_BIG : N_SMALL;
		double off = i < N_BIG ? offsets[i] : 6.0;

		for (size_t j = 0; j < count; j++) {
			double d = pow(10.0, gsl_rng_uniform(rng) *
			                     log10(30.0));

			s[k].scanner = i;
			s[k].x = -10.0 * log10(d);
			s[k].rssi = P1M + N_EXP * s[k].x + off +
			            gsl_ran_gaussian(rng, sigma);
			k++;
		}
	}
	gsl_rng_free(rng);
	*n = total;
	return s;
}

Test(calibrate, recovers_p1m_n_and_offsets_from_noisy_reports)
{
	struct calibrate_scanner per[N_BIG + 1];
	struct calibrate_result res;
	struct calibrate_sample *s;
	size_t n;

	s = synthetic(42, SIGMA, &n);
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, NULL, &res, per),
	             TRACK_OK);
	cr_expect_lt(fabs(res.tx_power_dbm - P1M), 0.5, "P1m %f",
	             res.tx_power_dbm);
	cr_expect_lt(fabs(res.path_loss - N_EXP), 0.05, "n %f",
	             res.path_loss);
	for (size_t i = 0; i < N_BIG; i++) {
		cr_expect_eq(per[i].count, PER_BIG);
		cr_expect_lt(fabs(per[i].offset_db - offsets[i]), 1.0,
		             "scanner %zu: offset %f, want %f", i,
		             per[i].offset_db, offsets[i]);
		cr_expect_lt(fabs(per[i].resid_sd_db - SIGMA), 0.5);
	}
	cr_expect(res.converged);
	cr_expect_leq(res.rounds, 10);
	cr_expect_eq(res.n_samples, n);
	cr_expect_eq(res.n_offsets, N_BIG);
	cr_expect_lt(fabs(res.sigma_db - SIGMA), 0.2, "sigma %f",
	             res.sigma_db);
	cr_expect_gt(res.sigma0_db, res.sigma_db,
	             "offsets explain part of the spread");
	cr_expect_gt(res.r2, res.r2_0);
	/* K = sigma^2 / 3^2 with the within-scanner sigma. */
	cr_expect_lt(fabs(res.shrink - SIGMA * SIGMA / 9.0), 0.5, "K %f",
	             res.shrink);
	free(s);
}

Test(calibrate, gives_a_scanner_with_three_reports_offset_zero)
{
	struct calibrate_scanner per[N_BIG + 1];
	struct calibrate_result res;
	struct calibrate_sample *s;
	size_t n;

	s = synthetic(7, SIGMA, &n);
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, NULL, &res, per),
	             TRACK_OK);
	cr_expect_eq(per[N_BIG].count, N_SMALL);
	cr_expect_eq(per[N_BIG].offset_db, 0.0);
	cr_expect_gt(per[N_BIG].resid_sd_db, 0.0);
	free(s);
}

Test(calibrate, offsets_sum_to_zero)
{
	struct calibrate_scanner per[N_BIG + 1];
	struct calibrate_result res;
	struct calibrate_sample *s;
	double sum = 0.0, wsum = 0.0;
	size_t n;

	s = synthetic(1234, SIGMA, &n);
	/* Make the counts unequal, so the count-weighted sum is what is
	 * held at zero. */
	n -= PER_BIG / 2 + N_SMALL;
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, NULL, &res, per),
	             TRACK_OK);
	for (size_t i = 0; i < N_BIG + 1; i++) {
		sum += per[i].offset_db;
		wsum += (double)per[i].count * per[i].offset_db;
	}
	cr_expect_lt(fabs(wsum), 1e-6, "count-weighted sum %g", wsum);
	cr_expect_eq(per[N_BIG].count, 0);
	cr_expect_eq(per[N_BIG - 1].count, PER_BIG / 2);
	/* With equal counts the plain sum is zero as well. */
	free(s);
	s = synthetic(1234, SIGMA, &n);
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, NULL, &res, per),
	             TRACK_OK);
	sum = 0.0;
	for (size_t i = 0; i < N_BIG + 1; i++)
		sum += per[i].offset_db;
	cr_expect_lt(fabs(sum), 1e-6, "sum %g", sum);
	free(s);
}

Test(calibrate, is_exact_without_noise_and_without_shrinkage)
{
	struct calibrate_options o = calibrate_options_default();
	struct calibrate_scanner per[N_BIG + 1];
	struct calibrate_result res;
	struct calibrate_sample *s;
	size_t n;

	s = synthetic(5, 0.0, &n);
	n -= N_SMALL;
	o.shrink = 0.0;
	o.max_rounds = 200;
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, &o, &res, per),
	             TRACK_OK);
	cr_expect_lt(fabs(res.tx_power_dbm - P1M), 1e-3);
	cr_expect_lt(fabs(res.path_loss - N_EXP), 1e-3);
	for (size_t i = 0; i < N_BIG; i++)
		cr_expect_lt(fabs(per[i].offset_db - offsets[i]), 1e-2,
		             "scanner %zu: %f", i, per[i].offset_db);
	cr_expect(res.converged);
	free(s);
}

Test(calibrate, shrinks_offsets_of_scanners_with_few_reports)
{
	struct calibrate_options o = calibrate_options_default();
	struct calibrate_scanner per[2];
	struct calibrate_result res;
	struct calibrate_sample s[80];

	/* Scanner 0 reads 2 dB high on 40 reports, scanner 1 2 dB low on
	 * 40, no noise: with K = 40 each offset is halved. */
	for (size_t i = 0; i < 80; i++) {
		double d = 1.0 + (double)(i % 40);

		s[i].scanner = i / 40;
		s[i].x = -10.0 * log10(d);
		s[i].rssi = P1M + N_EXP * s[i].x + (i < 40 ? 2.0 : -2.0);
	}
	o.shrink = 40.0;
	cr_assert_eq(calibrate_fit(s, 80, 2, &o, &res, per), TRACK_OK);
	cr_expect_lt(fabs(per[0].offset_db - 1.0), 1e-6, "%f",
	             per[0].offset_db);
	cr_expect_lt(fabs(per[1].offset_db + 1.0), 1e-6, "%f",
	             per[1].offset_db);
	cr_expect_eq(res.shrink, 40.0);
}

Test(calibrate, with_no_scanner_above_min_reports_is_the_plain_fit)
{
	struct calibrate_options o = calibrate_options_default();
	struct calibrate_scanner per[N_BIG + 1];
	struct calibrate_result res;
	struct calibrate_sample *s;
	size_t n;

	s = synthetic(9, SIGMA, &n);
	o.min_reports = PER_BIG + 1;
	cr_assert_eq(calibrate_fit(s, n, N_BIG + 1, &o, &res, per),
	             TRACK_OK);
	cr_expect_eq(res.n_offsets, 0);
	cr_expect_eq(res.rounds, 0);
	cr_expect_eq(res.tx_power_dbm, res.tx_power0_dbm);
	cr_expect_eq(res.path_loss, res.path_loss0);
	cr_expect_eq(res.sigma_db, res.sigma0_db);
	for (size_t i = 0; i < N_BIG + 1; i++)
		cr_expect_eq(per[i].offset_db, 0.0);
	free(s);
}

Test(calibrate, rejects_bad_input)
{
	struct calibrate_scanner per[2];
	struct calibrate_result res;
	struct calibrate_sample s[4] = {
		{ 0, -1.0, -60.0 }, { 1, -5.0, -70.0 },
		{ 0, -10.0, -80.0 }, { 1, -3.0, -65.0 },
	};
	struct calibrate_options o = calibrate_options_default();

	cr_expect_eq(calibrate_fit(s, 2, 2, NULL, &res, per), TRACK_ETOOFEW);
	cr_expect_eq(calibrate_fit(s, 4, 1, NULL, &res, per), TRACK_EINVAL,
	             "scanner index out of range");
	s[2].rssi = NAN;
	cr_expect_eq(calibrate_fit(s, 4, 2, NULL, &res, per), TRACK_EINVAL);
	s[2].rssi = -80.0;
	o.prior_db = 0.0;
	cr_expect_eq(calibrate_fit(s, 4, 2, &o, &res, per), TRACK_EINVAL);
	for (size_t i = 0; i < 4; i++)
		s[i].x = -3.0;
	cr_expect_eq(calibrate_fit(s, 4, 2, NULL, &res, per), TRACK_ETOOFEW,
	             "one distance only: no slope");
	s[0].x = -1.0;
	cr_expect_eq(calibrate_fit(s, 4, 2, NULL, &res, per), TRACK_OK);
}
