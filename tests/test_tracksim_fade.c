/* tracksim's radio model, its pure parts (scanners/tracksim-fade.c). */
#include <math.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "scanners/tracksim-fade.h"

#define CHAINS 20000

/* Many independent links, each from a fresh value: the variance at lag 0
 * and the correlation after the decorrelation distance, walked in one
 * step or in ten, are as configured. */
Test(tracksim_fade, shadowing_has_the_configured_variance_and_correlation)
{
	const double sigma = 3.0, dist = 2.0;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double s00 = 0, s01 = 0, s11 = 0, t01 = 0, t11 = 0, h01 = 0;

	gsl_rng_set(r, 11);
	for (int i = 0; i < CHAINS; i++) {
		double x0 = fade_shadow_next(123.0, INFINITY, dist, sigma,
					     gsl_ran_gaussian(r, 1.0));
		double x1 = fade_shadow_next(x0, dist, dist, sigma,
					     gsl_ran_gaussian(r, 1.0));
		double y = x0, h = x0;

		for (int k = 0; k < 10; k++)
			y = fade_shadow_next(y, dist / 10, dist, sigma,
					     gsl_ran_gaussian(r, 1.0));
		h = fade_shadow_next(h, dist / 2, dist, sigma,
				     gsl_ran_gaussian(r, 1.0));
		s00 += x0 * x0;
		s01 += x0 * x1;
		s11 += x1 * x1;
		t01 += x0 * y;
		t11 += y * y;
		h01 += x0 * h;
	}
	gsl_rng_free(r);
	double var = s00 / CHAINS;

	cr_expect(fabs(sqrt(var) - sigma) < 0.05 * sigma, "sd %g", sqrt(var));
	cr_expect(fabs(sqrt(s11 / CHAINS) - sigma) < 0.05 * sigma,
		  "sd after a step %g", sqrt(s11 / CHAINS));
	cr_expect(fabs(sqrt(t11 / CHAINS) - sigma) < 0.05 * sigma,
		  "sd after ten steps %g", sqrt(t11 / CHAINS));
	cr_expect(fabs(s01 / CHAINS / var - exp(-1.0)) < 0.03,
		  "correlation at the distance %g", s01 / CHAINS / var);
	cr_expect(fabs(t01 / CHAINS / var - exp(-1.0)) < 0.03,
		  "correlation after ten steps %g", t01 / CHAINS / var);
	cr_expect(fabs(h01 / CHAINS / var - exp(-0.5)) < 0.03,
		  "correlation at half the distance %g", h01 / CHAINS / var);
}

Test(tracksim_fade, standing_still_keeps_the_shadowing)
{
	cr_expect_eq(fade_shadow_next(-4.25, 0.0, 3.0, 2.8, 1.7), -4.25);
}

/* Facing +x: the body blocks toward -x, not toward +x; to the side, half;
 * a scanner straight overhead, nothing. */
Test(tracksim_fade, body_loss_is_toward_scanners_behind)
{
	const double L = 6.0;

	cr_expect(fabs(fade_body_loss(1, 0, -10, 0, 0, L) - L) < 1e-9);
	cr_expect(fabs(fade_body_loss(1, 0, 10, 0, 0, L)) < 1e-9);
	cr_expect(fabs(fade_body_loss(1, 0, 0, 5, 0, L) - L / 2) < 1e-9);
	cr_expect(fabs(fade_body_loss(1, 0, 0, 0, 2, L)) < 1e-9);
	/* Behind and 2 m up at 8 m: most of it. */
	double up = fade_body_loss(1, 0, -8, 0, 2, L);

	cr_expect(up > 0.9 * L && up < L, "%g", up);
	/* Turning round turns it round. */
	cr_expect(fabs(fade_body_loss(-1, 0, 10, 0, 0, L) - L) < 1e-9);
	cr_expect_eq(fade_body_loss(1, 0, -10, 0, 0, 0.0), 0.0);
}

Test(tracksim_fade, radio_kinds_span_the_spread_around_zero)
{
	cr_expect_eq(fade_kind_offset(0, 1, 4.0), 0.0);
	cr_expect(fabs(fade_kind_offset(0, 2, 4.0) + 2.0) < 1e-12);
	cr_expect(fabs(fade_kind_offset(1, 2, 4.0) - 2.0) < 1e-12);
	cr_expect(fabs(fade_kind_offset(1, 3, 6.0)) < 1e-12);
	cr_expect(fabs(fade_kind_offset(2, 3, 6.0) - 3.0) < 1e-12);
}

Test(tracksim_fade, outages_are_kept_found_and_forgotten)
{
	struct fade_outages q = { .n = 0 };

	q.next_from = 1.0;
	q.next_to = 2.5;
	fade_outages_keep(&q);
	q.next_from = 4.0;
	q.next_to = 4.5;
	fade_outages_keep(&q);
	cr_expect(!fade_outage_at(&q, 0.9));
	cr_expect(fade_outage_at(&q, 1.0));
	cr_expect(fade_outage_at(&q, 2.4));
	cr_expect(!fade_outage_at(&q, 2.5));
	cr_expect(fade_outage_at(&q, 4.2));
	fade_outages_forget(&q, 3.0);
	cr_expect_eq(q.n, 1);
	cr_expect(!fade_outage_at(&q, 1.5));
	cr_expect(fade_outage_at(&q, 4.2));
	/* Full: the next one is merged into the last. */
	for (int i = 0; i < 2 * FADE_OUTAGE_SLOTS; i++) {
		q.next_from = 10.0 + i;
		q.next_to = 10.5 + i;
		fade_outages_keep(&q);
	}
	cr_expect_eq(q.n, FADE_OUTAGE_SLOTS);
	cr_expect(fade_outage_at(&q, 25.2));
}

Test(tracksim_fade, exponential_draws_have_their_mean)
{
	double sum = 0;

	for (int i = 1; i <= 10000; i++)
		sum += fade_exp(2.0, ((double)i - 0.5) / 10000.0);
	cr_expect(fabs(sum / 10000.0 - 2.0) < 0.01, "%g", sum / 10000.0);
}
