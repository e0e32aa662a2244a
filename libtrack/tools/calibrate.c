#include "calibrate.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>

/* Stop when no offset, P1m or (n * 10) moves more than this between
 * rounds: well below what the printed values resolve. */
#define CALIBRATE_TOL 1e-3

struct calibrate_options
calibrate_options_default(void)
{
	struct calibrate_options o = {
		.shrink = -1.0,
		.prior_db = 3.0,
		.min_reports = 30,
		.max_rounds = 10,
	};

	return o;
}

struct calibrate_line {
	double c0, c1;   /* intercept (P1m), slope (n) */
	double se0, se1; /* their standard errors */
};

static track_status
calibrate_line_fit(const double *x, const double *y, size_t n,
                   struct calibrate_line *out)
{
	double c0, c1, cov00, cov01, cov11, sumsq;

	if (gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11,
	                   &sumsq) != GSL_SUCCESS)
		return TRACK_ENOCONVERGE;
	if (!isfinite(c0) || !isfinite(c1))
		return TRACK_ENOCONVERGE;
	out->c0 = c0;
	out->c1 = c1;
	out->se0 = cov00 > 0.0 ? sqrt(cov00) : 0.0;
	out->se1 = cov11 > 0.0 ? sqrt(cov11) : 0.0;
	return TRACK_OK;
}

/* Sum of squared residuals of rssi - offset against the line. */
static double
calibrate_ssr(const struct calibrate_sample *s, size_t n, const double *off,
              const struct calibrate_line *l)
{
	double ssr = 0.0;
	size_t i;

	for (i = 0; i < n; i++) {
		double r = s[i].rssi - (off ? off[s[i].scanner] : 0.0) -
		           l->c0 - l->c1 * s[i].x;

		ssr += r * r;
	}
	return ssr;
}

static double
calibrate_sd(double ssr, size_t n, size_t params)
{
	if (n <= params)
		return 0.0;
	return sqrt(ssr / (double)(n - params));
}

/* One round: new offsets from the residuals of line, shrunk by k and
 * re-centred. Returns the largest change of any offset. */
static double
calibrate_offsets(const struct calibrate_sample *s, size_t n,
                  size_t n_scanners, const struct calibrate_line *l,
                  double k, size_t min_reports,
                  const struct calibrate_scanner *per, double *sum,
                  double *off)
{
	double wsum = 0.0, wn = 0.0, mean, change = 0.0;
	size_t i;

	for (i = 0; i < n_scanners; i++)
		sum[i] = 0.0;
	for (i = 0; i < n; i++)
		sum[s[i].scanner] += s[i].rssi - l->c0 - l->c1 * s[i].x;
	for (i = 0; i < n_scanners; i++) {
		double c = (double)per[i].count;

		if (per[i].count < min_reports || per[i].count == 0) {
			sum[i] = 0.0;
			continue;
		}
		sum[i] /= c + k;
		wsum += c * sum[i];
		wn += c;
	}
	/* Without the re-centring P1m and the offsets could trade a
	 * constant between them; with it P1m is the average scanner's. */
	mean = wn > 0.0 ? wsum / wn : 0.0;
	for (i = 0; i < n_scanners; i++) {
		double v = 0.0;

		if (per[i].count >= min_reports && per[i].count > 0)
			v = sum[i] - mean;
		if (fabs(v - off[i]) > change)
			change = fabs(v - off[i]);
		off[i] = v;
	}
	return change;
}

track_status
calibrate_fit(const struct calibrate_sample *s, size_t n, size_t n_scanners,
              const struct calibrate_options *opt,
              struct calibrate_result *res, struct calibrate_scanner *per)
{
	struct calibrate_options o = opt ? *opt : calibrate_options_default();
	struct calibrate_line line, prev;
	double *x = NULL, *y = NULL, *off = NULL, *sum = NULL;
	double mean = 0.0, sst = 0.0, xmin, xmax, ssr, sigma;
	track_status rc;
	size_t i;

	if (!s || !res || !per || n_scanners == 0 || !(o.prior_db > 0.0) ||
	    !isfinite(o.shrink) || !isfinite(o.prior_db))
		return TRACK_EINVAL;
	if (n < 3)
		return TRACK_ETOOFEW;
	for (i = 0; i < n_scanners; i++) {
		per[i].count = 0;
		per[i].offset_db = 0.0;
		per[i].resid_sd_db = 0.0;
	}
	xmin = xmax = s[0].x;
	for (i = 0; i < n; i++) {
		if (s[i].scanner >= n_scanners || !isfinite(s[i].x) ||
		    !isfinite(s[i].rssi))
			return TRACK_EINVAL;
		per[s[i].scanner].count++;
		mean += s[i].rssi;
		xmin = fmin(xmin, s[i].x);
		xmax = fmax(xmax, s[i].x);
	}
	if (!(xmax > xmin))
		return TRACK_ETOOFEW;
	mean /= (double)n;
	for (i = 0; i < n; i++)
		sst += (s[i].rssi - mean) * (s[i].rssi - mean);

	x = malloc(n * sizeof *x);
	y = malloc(n * sizeof *y);
	off = calloc(n_scanners, sizeof *off);
	sum = malloc(n_scanners * sizeof *sum);
	rc = TRACK_ENOMEM;
	if (!x || !y || !off || !sum)
		goto out;
	for (i = 0; i < n; i++) {
		x[i] = s[i].x;
		y[i] = s[i].rssi;
	}
	rc = calibrate_line_fit(x, y, n, &line);
	if (rc != TRACK_OK)
		goto out;
	ssr = calibrate_ssr(s, n, NULL, &line);
	res->tx_power0_dbm = line.c0;
	res->path_loss0 = line.c1;
	res->sigma0_db = calibrate_sd(ssr, n, 2);
	res->r2_0 = sst > 0.0 ? 1.0 - ssr / sst : 0.0;
	res->n_samples = n;
	res->n_offsets = 0;
	for (i = 0; i < n_scanners; i++)
		if (per[i].count >= o.min_reports && per[i].count > 0)
			res->n_offsets++;

	sigma = res->sigma0_db;
	res->rounds = 0;
	res->converged = false;
	res->shrink = o.shrink;
	while (res->n_offsets > 0 && res->rounds < o.max_rounds) {
		double k = o.shrink >= 0.0 ? o.shrink :
		           sigma * sigma / (o.prior_db * o.prior_db);
		double change;

		res->shrink = k;
		res->rounds++;
		change = calibrate_offsets(s, n, n_scanners, &line, k,
		                           o.min_reports, per, sum, off);
		for (i = 0; i < n; i++)
			y[i] = s[i].rssi - off[s[i].scanner];
		prev = line;
		rc = calibrate_line_fit(x, y, n, &line);
		if (rc != TRACK_OK)
			goto out;
		ssr = calibrate_ssr(s, n, off, &line);
		/* The within-scanner noise, for the next round's K. */
		sigma = calibrate_sd(ssr, n, 2 + res->n_offsets);
		change = fmax(change, fabs(line.c0 - prev.c0));
		change = fmax(change, 10.0 * fabs(line.c1 - prev.c1));
		if (change < CALIBRATE_TOL) {
			res->converged = true;
			break;
		}
	}
	if (res->n_offsets == 0) {
		res->converged = true;
		res->shrink = o.shrink >= 0.0 ? o.shrink :
		              sigma * sigma / (o.prior_db * o.prior_db);
	}

	ssr = calibrate_ssr(s, n, off, &line);
	res->tx_power_dbm = line.c0;
	res->tx_power_se = line.se0;
	res->path_loss = line.c1;
	res->path_loss_se = line.se1;
	res->sigma_db = calibrate_sd(ssr, n, 2 + res->n_offsets);
	res->r2 = sst > 0.0 ? 1.0 - ssr / sst : 0.0;
	for (i = 0; i < n_scanners; i++) {
		per[i].offset_db = off[i];
		sum[i] = 0.0;
	}
	for (i = 0; i < n; i++) {
		double r = s[i].rssi - off[s[i].scanner] - line.c0 -
		           line.c1 * s[i].x;

		sum[s[i].scanner] += r * r;
	}
	for (i = 0; i < n_scanners; i++)
		if (per[i].count > 0)
			per[i].resid_sd_db =
				sqrt(sum[i] / (double)per[i].count);
	rc = TRACK_OK;
out:
	free(sum);
	free(off);
	free(y);
	free(x);
	return rc;
}
