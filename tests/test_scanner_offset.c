/* Each scanner's radio offset, learned from the fixes: a scanner that
 * reads hot is found out, a tag that is loud moves no scanner, and the
 * learning takes the error the hot scanner causes away. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "track/track.h"

#define S 1000000LL
#define N_SCANNERS 15
#define N_TAGS 4

static char ids[N_SCANNERS][16];
static track_scanner scanners[N_SCANNERS];
static const track_floor floor0 = { .id = "f0", .width = 40, .height = 20 };

/* A 5 x 3 grid of scanners 3 m up on a 40 x 20 m floor. */
static track_engine *
engine(double scanner_prior_db)
{
	track_config cfg = track_config_default();
	track_site site = { .floors = &floor0, .n_floors = 1,
		            .scanners = scanners, .n_scanners = N_SCANNERS };
	track_engine *e = NULL;

	for (int i = 0; i < N_SCANNERS; i++) {
		snprintf(ids[i], sizeof ids[i], "s%d%d", i % 5, i / 5);
		scanners[i] = (track_scanner){ .id = ids[i], .floor = "f0",
			.x = 4.0 + 8.0 * (i % 5),
			.y = 10.0 / 3.0 + 20.0 / 3.0 * (i / 5), .z = 3.0 };
	}
	cfg.scanner_prior_db = scanner_prior_db;
	cr_assert_eq(track_engine_create(&cfg, &site, &e), TRACK_OK);
	return e;
}

/* Where tag k walks at t: loops of its own over the floor, so that every
 * scanner is seen from near and far. */
static void
walk(int k, double t, double *x, double *y)
{
	double a = 0.05 * t + 1.7 * k;

	*x = 20.0 + (14.0 - 2.0 * k) * cos(a);
	*y = 10.0 + (7.0 - k) * sin(1.3 * a);
}

/* Ten minutes of N_TAGS walkers, each heard twice a second by every
 * scanner, with 4 dB of noise on each reading, hot_db on scanner hot
 * (-1: none) and tag_db on every reading. Returns the mean error of the
 * positions after the first minute. */
static double
run(track_engine *e, int hot, double hot_db, double tag_db)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double err = 0.0;
	int n_err = 0;

	gsl_rng_set(rng, 11);
	for (int64_t ms = 0; ms < 600 * 1000; ms += 500) {
		for (int k = 0; k < N_TAGS; k++) {
			char tag[8];
			double x, y;

			snprintf(tag, sizeof tag, "w%d", k);
			walk(k, (double)ms / 1000.0, &x, &y);
			for (int i = 0; i < N_SCANNERS; i++) {
				double d = sqrt(pow(x - scanners[i].x, 2) +
				                pow(y - scanners[i].y, 2) + 4.0);
				double rssi = track_model_rssi(d, -59, 2.0) +
				              gsl_ran_gaussian(rng, 4.0) + tag_db +
				              (i == hot ? hot_db : 0.0);
				track_report r = { .scanner = ids[i],
					.tag = tag, .rssi_dbm = round(rssi),
					.t_us = ms * 1000 + i * 1000,
					.tx_dbm = NAN };

				cr_assert_eq(track_engine_ingest(e, &r),
				             TRACK_OK);
			}
		}
		if (ms % 1000 == 500) {
			track_engine_update(e, ms * 1000 + 20000);
			for (int k = 0; k < N_TAGS && ms > 60000; k++) {
				char tag[8];
				track_position p;
				double x, y;

				snprintf(tag, sizeof tag, "w%d", k);
				walk(k, (double)ms / 1000.0, &x, &y);
				cr_assert_eq(track_engine_position(e, tag, &p),
				             TRACK_OK);
				err += hypot(p.x - x, p.y - y);
				n_err++;
			}
		}
	}
	gsl_rng_free(rng);
	return err / n_err;
}

static double
offset(const track_engine *e, int i)
{
	double off, sd;

	cr_assert_eq(track_engine_scanner_offset(e, ids[i], &off, &sd),
	             TRACK_OK);
	return off;
}

Test(scanner_offset, a_scanner_that_reads_hot_is_found_out)
{
	track_engine *e = engine(4.0);

	run(e, 7, 6.0, 0.0);
	/* 6 dB hot, less the 1 dB the model is allowed to misfit by. */
	cr_expect_gt(offset(e, 7), 3.5, "learned %.2f dB", offset(e, 7));
	cr_expect_lt(offset(e, 7), 6.0, "learned %.2f dB", offset(e, 7));
	for (int i = 0; i < N_SCANNERS; i++)
		if (i != 7)
			cr_expect_lt(fabs(offset(e, i)), 1.0, "%s: %.2f dB",
			             ids[i], offset(e, i));
	track_engine_destroy(e);
}

Test(scanner_offset, a_loud_tag_moves_no_scanner)
{
	track_engine *e = engine(4.0);

	/* Every reading 6 dB up is the tags' power, not the scanners'. */
	run(e, -1, 0.0, 6.0);
	for (int i = 0; i < N_SCANNERS; i++)
		cr_expect_lt(fabs(offset(e, i)), 1.0, "%s: %.2f dB", ids[i],
		             offset(e, i));
	track_engine_destroy(e);
}

Test(scanner_offset, learning_takes_away_the_error_a_hot_scanner_causes)
{
	track_engine *off = engine(0.0), *on = engine(4.0);
	double err_off = run(off, 7, 8.0, 0.0);
	double err_on = run(on, 7, 8.0, 0.0);

	cr_log_info("mean error %.2f m without learning, %.2f m with",
	            err_off, err_on);
	cr_expect_lt(err_on, 0.9 * err_off, "%.2f m against %.2f m", err_on,
	             err_off);
	track_engine_destroy(off);
	track_engine_destroy(on);
}

Test(scanner_offset, a_prior_of_zero_learns_nothing)
{
	track_engine *e = engine(0.0);
	double off, sd;

	run(e, 7, 6.0, 0.0);
	cr_assert_eq(track_engine_scanner_offset(e, ids[7], &off, &sd),
	             TRACK_OK);
	cr_expect_eq(off, 0.0);
	cr_expect_eq(sd, 0.0);
	track_engine_destroy(e);
}

Test(scanner_offset, unknown_scanners_and_bad_priors_are_refused)
{
	track_engine *e = engine(4.0), *bad = NULL;
	track_config cfg = track_config_default();
	track_site site = { .floors = &floor0, .n_floors = 1,
		            .scanners = scanners, .n_scanners = N_SCANNERS };
	double off, sd;

	cr_expect_eq(track_engine_scanner_offset(e, "nope", &off, &sd),
	             TRACK_ENOENT);
	cr_expect_eq(track_engine_scanner_offset(e, NULL, &off, &sd),
	             TRACK_EINVAL);
	cr_expect_eq(track_engine_scanner_offset(e, ids[0], &off, &sd),
	             TRACK_OK);
	cr_expect_eq(off, 0.0, "nothing learned before a fix");
	cr_expect_eq(sd, 4.0, "the prior before a fix");
	cfg.scanner_prior_db = -1.0;
	cr_expect_eq(track_engine_create(&cfg, &site, &bad), TRACK_EINVAL);
	cfg.scanner_prior_db = NAN;
	cr_expect_eq(track_engine_create(&cfg, &site, &bad), TRACK_EINVAL);
	track_engine_destroy(e);
}
