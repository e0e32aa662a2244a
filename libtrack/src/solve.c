/* Maximum-likelihood position from RSSI under the log-distance model.
 *
 * Residuals are in dB, not metres: shadowing is Gaussian in dB, so this is
 * the maximum-likelihood estimate, and far scanners (whose ranges are the
 * noisiest) are not over-weighted as they are when fitting distances.
 */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>

/* The driver's few accessors here inline too (solve-model.c). */
#define HAVE_INLINE 1
#define GSL_RANGE_CHECK_OFF 1
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multilarge_nlinear.h>

#include "solve-private.h"
#include "track-private.h"

/* Pseudo degrees of freedom for trusting the configured sigma when the
 * residuals say the noise is larger (see covariance()). */
#define SIGMA_PRIOR_DOF 4.0

/* What LM searches: (x, y); the power follows from them (best_power). */
#define SEARCH_PARAMS 2

struct track_solver {
	size_t max_obs;
	/* ws[k][n]: k = 1 when the tag's power is estimated too (one more
	 * residual, its prior); n is the number of observations. GSL sizes
	 * a workspace for one problem size, so every size is made once, up
	 * front. ref: gsl_multifit_nlinear's, the same way, only after
	 * track__solver_use_multifit() (NULL until then). */
	gsl_multilarge_nlinear_workspace **ws[2];
	gsl_multifit_nlinear_workspace **ref[2];
	struct track__solve_problem prob;
	double *ln_d2;
	double *res;
	double *jac;
	bool res_valid; /* res holds the last solve's residuals */
};

/* What is estimated: (x, y) and, when solve_tx, the tag's power. */
static size_t
n_params(bool solve_tx)
{
	return solve_tx ? 3 : 2;
}

track_status
track_solver_create(size_t max_obs, track_solver **out)
{
	gsl_multilarge_nlinear_parameters params =
		gsl_multilarge_nlinear_default_parameters();
	track_solver *s;

	if (!out || max_obs < 1 || max_obs > 4096)
		return TRACK_EINVAL;
	s = calloc(1, sizeof *s);
	if (!s)
		return TRACK_ENOMEM;
	s->max_obs = max_obs;
	s->ln_d2 = calloc(max_obs, sizeof *s->ln_d2);
	s->res = calloc(max_obs, sizeof *s->res);
	s->jac = calloc(2 * max_obs, sizeof *s->jac);
	if (!s->ln_d2 || !s->res || !s->jac)
		goto fail;
	/* The large-problem driver: the callback hands GSL J^T J and J^T f
	 * (track__solve_normal) and GSL solves the 2x2 normal equations by
	 * Cholesky, with none of the n x 2 matrix work of
	 * gsl_multifit_nlinear (dgemv, dsyrk, dnrm2 on columns): the same
	 * steps to rounding, 21-27% fewer instructions a solve. A singular
	 * step matrix is reported through GSL's error handler, which aborts
	 * by default (and the library may not change it): LM's damping
	 * keeps the matrix positive definite once the first Jacobian is not
	 * all zero, which start_is_flat() guarantees. The dogleg methods
	 * solve undamped: keep LM, and keep More's scaling: with D = I
	 * (Levenberg's) the damping fades away over a column that stays
	 * zero, as it does for scanners in a line through the tag, and the
	 * random degenerate inputs of the tests then reach the abort. These
	 * are GSL's defaults; said here so that they stay. */
	params.trs = gsl_multilarge_nlinear_trs_lm;
	params.scale = gsl_multilarge_nlinear_scale_more;
	params.solver = gsl_multilarge_nlinear_solver_cholesky;
	for (int k = 0; k < 2; k++) {
		s->ws[k] = calloc(max_obs + 1, sizeof *s->ws[k]);
		if (!s->ws[k])
			goto fail;
		for (size_t n = 3; n <= max_obs; n++) {
			s->ws[k][n] = gsl_multilarge_nlinear_alloc(
				gsl_multilarge_nlinear_trust, &params,
				track__solve_rows(n, k == 1), SEARCH_PARAMS);
			if (!s->ws[k][n])
				goto fail;
		}
	}
	*out = s;
	return TRACK_OK;
fail:
	track_solver_destroy(s);
	return TRACK_ENOMEM;
}

static void
free_ref(track_solver *s)
{
	for (int k = 0; k < 2; k++) {
		for (size_t n = 0; s->ref[k] && n <= s->max_obs; n++)
			if (s->ref[k][n])
				gsl_multifit_nlinear_free(s->ref[k][n]);
		free(s->ref[k]);
		s->ref[k] = NULL;
	}
}

track_status
track__solver_use_multifit(track_solver *s)
{
	gsl_multifit_nlinear_parameters params =
		gsl_multifit_nlinear_default_parameters();

	if (!s)
		return TRACK_EINVAL;
	/* main's choices for this driver: Cholesky, More's scaling, LM. */
	params.solver = gsl_multifit_nlinear_solver_cholesky;
	for (int k = 0; k < 2 && !s->ref[1]; k++) {
		s->ref[k] = calloc(s->max_obs + 1, sizeof *s->ref[k]);
		if (!s->ref[k])
			goto fail;
		for (size_t n = 3; n <= s->max_obs; n++) {
			s->ref[k][n] = gsl_multifit_nlinear_alloc(
				gsl_multifit_nlinear_trust, &params,
				track__solve_rows(n, k == 1), SEARCH_PARAMS);
			if (!s->ref[k][n])
				goto fail;
		}
	}
	return TRACK_OK;
fail:
	free_ref(s);
	return TRACK_ENOMEM;
}

void
track_solver_destroy(track_solver *s)
{
	if (!s)
		return;
	for (int k = 0; k < 2; k++) {
		for (size_t n = 0; s->ws[k] && n <= s->max_obs; n++)
			if (s->ws[k][n])
				gsl_multilarge_nlinear_free(s->ws[k][n]);
		free(s->ws[k]);
	}
	free_ref(s);
	free(s->ln_d2);
	free(s->res);
	free(s->jac);
	free(s);
}

/* Horizontal range implied by an observation at the prior tag power. */
static double
horizontal_range(const track_obs *o, double tx)
{
	double d = track_model_distance(o->rssi_dbm, tx, o->n);
	double h2 = d * d - o->dz * o->dz;

	return h2 > 0.0 ? sqrt(h2) : 0.0;
}

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Weighted centroid, weights 1/range^2: the start of the search and the
 * two-scanner answer. Its uncertainty covers the spread of the scanners
 * and the shortest range, since the tag can be anywhere near them. */
static void
centroid(const track_obs *obs, size_t n, const track_solve_params *p,
         track_solution *out)
{
	double sw = 0.0, mx = 0.0, my = 0.0, m2 = 0.0, rmin = INFINITY;
	double x, y, spread;

	/* One pass over weighted moments, taken about the first scanner so
	 * that a site far from its origin loses no precision. */
	for (size_t i = 0; i < n; i++) {
		double r = horizontal_range(&obs[i], p->tx_power_dbm);
		double w = 1.0 / (r * r + 1.0);
		double dx = obs[i].x - obs[0].x, dy = obs[i].y - obs[0].y;

		sw += w;
		mx += w * dx;
		my += w * dy;
		m2 += w * (dx * dx + dy * dy);
		if (r < rmin)
			rmin = r;
	}
	mx /= sw;
	my /= sw;
	x = obs[0].x + mx;
	y = obs[0].y + my;
	spread = fmax(m2 / sw - (mx * mx + my * my), 0.0);
	/* Ranges are uncertain by a factor exp(sigma ln10 / 10n); a 1 m
	 * floor keeps a tag under a scanner from claiming precision. */
	rmin = fmax(rmin, 1.0);
	out->x = clampd(x, p->x_min, p->x_max);
	out->y = clampd(y, p->y_min, p->y_max);
	out->cov[0] = out->cov[2] = 0.5 * (spread + rmin * rmin);
	out->cov[1] = 0.0;
	out->r = sqrt(out->cov[0] + out->cov[2]);
	out->tx_power_dbm = p->tx_power_dbm;
	out->tx_var = 0.0;
	out->method = n == 1 ? TRACK_METHOD_NEAREST : TRACK_METHOD_CENTROID;
	out->iterations = 0;
}

/* Covariance of (x, y) from the Fisher information of the observations
 * and the power prior (the soft walls are a constraint, not data). When
 * the residuals show more noise than sigma, scale up (never down: a lucky
 * small residual does not make the geometry better). */
static bool
covariance(const struct track__solve_problem *pb, double x, double y, double tx,
           track_solution *out)
{
	const track_solve_params *p = pb->p;
	double I[3][3] = { { 0 } }, chi2 = 0.0, scale, det;
	size_t np = n_params(pb->solve_tx);
	double dof;

	for (size_t i = 0; i < pb->n; i++) {
		const track_obs *o = &pb->obs[i];
		double d = sqrt(track__solve_dist2(o, x, y));
		double a = 10.0 * o->n / (TRACK__LN10 * d * d);
		double g[3] = { a * (x - o->x), a * (y - o->y), -1.0 };
		double res = o->rssi_dbm - (tx - 10.0 * o->n * log10(d));

		pb->res[i] = res;
		chi2 += res * res;
		for (size_t r = 0; r < np; r++)
			for (size_t c = 0; c < np; c++)
				I[r][c] += g[r] * g[c];
	}
	for (size_t r = 0; r < np; r++)
		for (size_t c = 0; c < np; c++)
			I[r][c] /= p->sigma_db * p->sigma_db;
	chi2 /= p->sigma_db * p->sigma_db;
	if (pb->solve_tx) {
		double e = (tx - p->tx_power_dbm) / p->tx_prior_db;

		I[2][2] += 1.0 / (p->tx_prior_db * p->tx_prior_db);
		chi2 += e * e;
	}
	out->cost = chi2;
	dof = (double)pb->n + (pb->solve_tx ? 1.0 : 0.0) - (double)np;
	scale = (chi2 + SIGMA_PRIOR_DOF) / (dof + SIGMA_PRIOR_DOF);
	if (scale < 1.0)
		scale = 1.0;

	if (pb->solve_tx) {
		/* Marginal covariance of (x, y): the top-left 2x2 block of
		 * I^-1, i.e. the inverse of the Schur complement. */
		double s00 = I[0][0] - I[0][2] * I[2][0] / I[2][2];
		double s01 = I[0][1] - I[0][2] * I[2][1] / I[2][2];
		double s11 = I[1][1] - I[1][2] * I[2][1] / I[2][2];
		double m00, m01, m11;

		det = s00 * s11 - s01 * s01;
		if (!(det > 0.0) || !isfinite(det))
			return false;
		out->cov[0] = scale * s11 / det;
		out->cov[1] = -scale * s01 / det;
		out->cov[2] = scale * s00 / det;
		/* Variance of the power: 1 / (I22 - b^T A^-1 b). */
		m00 = I[1][1] / (I[0][0] * I[1][1] - I[0][1] * I[0][1]);
		m01 = -I[0][1] / (I[0][0] * I[1][1] - I[0][1] * I[0][1]);
		m11 = I[0][0] / (I[0][0] * I[1][1] - I[0][1] * I[0][1]);
		out->tx_var = scale / (I[2][2] - (I[2][0] * (m00 * I[0][2] +
		                                   m01 * I[1][2]) +
		                                  I[2][1] * (m01 * I[0][2] +
		                                   m11 * I[1][2])));
		if (!(out->tx_var > 0.0) || !isfinite(out->tx_var))
			out->tx_var = p->tx_prior_db * p->tx_prior_db;
	} else {
		det = I[0][0] * I[1][1] - I[0][1] * I[0][1];
		if (!(det > 0.0) || !isfinite(det))
			return false;
		out->cov[0] = scale * I[1][1] / det;
		out->cov[1] = -scale * I[0][1] / det;
		out->cov[2] = scale * I[0][0] / det;
		out->tx_var = 0.0;
	}
	out->r = sqrt(out->cov[0] + out->cov[2]);
	return isfinite(out->r);
}

/* GSL starts its damping from the largest column of the first Jacobian:
 * when every column is zero (every scanner exactly under the start point;
 * the projection off the power column cannot zero any other column, as
 * that column alone is nonzero in the prior's row) the step matrix is
 * singular, and GSL reports that through its error handler, which aborts
 * the process by default. Such a start tells nothing about direction
 * anyway. */
static bool
start_is_flat(const struct track__solve_problem *pb, double x, double y)
{
	for (size_t i = 0; i < pb->n; i++)
		if (x != pb->obs[i].x || y != pb->obs[i].y)
			return false;
	return true;
}

static bool
params_valid(const track_obs *obs, size_t n, const track_solve_params *p)
{
	if (!(p->sigma_db > 0.0) || !isfinite(p->tx_power_dbm) ||
	    !(p->x_min <= p->x_max) || !(p->y_min <= p->y_max))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(obs[i].x) || !isfinite(obs[i].y) ||
		    !isfinite(obs[i].dz) || !isfinite(obs[i].rssi_dbm) ||
		    !(obs[i].n > 0.0) || !isfinite(obs[i].n))
			return false;
	return true;
}

/* GSL's Levenberg-Marquardt steps until a step moves the tag less than a
 * fraction of the answer's own uncertainty, and within [STOP_MIN_M,
 * STOP_MAX_M]. The dB residuals stay large at the optimum, so the steps
 * shrink only linearly, alternating about it (each ~0.6 of the last in
 * simulations): a step of STOP_FRACTION r leaves the tag within less than
 * that of the optimum, where more iterations change nothing a user could see. A
 * well-placed tag (r ~1 m) stops within centimetres; a poorly placed
 * one, where the likelihood is flat for metres, stops sooner instead of
 * crawling along the flat for dozens of iterations. The test is
 * absolute, unlike the driver's relative one: it means the same on every
 * site whatever the origin of its coordinates. */
#define STOP_FRACTION 0.02
#define STOP_MIN_M 0.01
#define STOP_MAX_M 0.25
#define MAX_ITER 50

/* pb->spread2 is from the Jacobian at the new point. */
static bool
step_is_small(const struct track__solve_problem *pb, const gsl_vector *step)
{
	double stop = clampd(STOP_FRACTION * sqrt(pb->spread2), STOP_MIN_M,
	                     STOP_MAX_M);
	double dx = gsl_vector_get(step, 0), dy = gsl_vector_get(step, 1);

	return dx * dx + dy * dy < stop * stop;
}

/* ref: the reference driver (track__solver_use_multifit) instead of w. */
static int
iterate(gsl_multilarge_nlinear_workspace *w,
        gsl_multifit_nlinear_workspace *ref,
        const struct track__solve_problem *pb, unsigned *iter)
{
	for (*iter = 1; *iter <= MAX_ITER; (*iter)++) {
		int rc = ref ? gsl_multifit_nlinear_iterate(ref) :
		               gsl_multilarge_nlinear_iterate(w);

		/* No better point to be found near here: this one is it. */
		if (rc == GSL_ENOPROG)
			return GSL_SUCCESS;
		if (rc != GSL_SUCCESS)
			return rc;
		if (step_is_small(pb, ref ? ref->dx : w->dx))
			return GSL_SUCCESS;
	}
	/* Out of iterations: the point reached is still the best found. */
	*iter = MAX_ITER;
	return GSL_SUCCESS;
}

/* The search from x0 with the solver's driver; the point it reached in
 * x0. A GSL status. */
static int
search(track_solver *s, double x0[SEARCH_PARAMS], unsigned *iter)
{
	struct track__solve_problem *pb = &s->prob;
	gsl_vector_view x0v = gsl_vector_view_array(x0, SEARCH_PARAMS);
	size_t rows = track__solve_rows(pb->n, pb->solve_tx);
	const gsl_vector *x;
	int rc;

	if (s->ref[1]) {
		gsl_multifit_nlinear_workspace *ref =
			s->ref[pb->solve_tx][pb->n];
		gsl_multifit_nlinear_fdf fdf = {
			.f = track__solve_f, .df = track__solve_jacobian,
			.n = rows, .p = SEARCH_PARAMS, .params = pb,
		};

		rc = gsl_multifit_nlinear_init(&x0v.vector, &fdf, ref);
		if (rc == GSL_SUCCESS)
			rc = iterate(NULL, ref, pb, iter);
		x = gsl_multifit_nlinear_position(ref);
	} else {
		gsl_multilarge_nlinear_workspace *w =
			s->ws[pb->solve_tx][pb->n];
		gsl_multilarge_nlinear_fdf fdf = {
			.f = track__solve_f, .df = track__solve_normal,
			.n = rows, .p = SEARCH_PARAMS, .params = pb,
		};

		rc = gsl_multilarge_nlinear_init(&x0v.vector, &fdf, w);
		if (rc == GSL_SUCCESS)
			rc = iterate(w, NULL, pb, iter);
		x = gsl_multilarge_nlinear_position(w);
	}
	x0[0] = gsl_vector_get(x, 0);
	x0[1] = gsl_vector_get(x, 1);
	return rc;
}

track_status
track_solver_solve(track_solver *s, const track_obs *obs, size_t n,
                   const track_solve_params *p, const double *guess_xy,
                   track_solution *out)
{
	track_solution sol, start;
	double x[SEARCH_PARAMS];
	bool solve_tx;

	if (!s || !obs || !p || !out || n == 0 || n > s->max_obs ||
	    !params_valid(obs, n, p))
		return TRACK_EINVAL;

	s->res_valid = false;
	centroid(obs, n, p, &start);
	if (n < 3) {
		*out = start;
		return TRACK_OK;
	}
	solve_tx = p->tx_prior_db > 0.0 && n >= p->min_scanners_tx &&
	           p->min_scanners_tx >= 3;
	s->prob = (struct track__solve_problem){ obs, n, p, solve_tx,
	                                         s->ln_d2, s->res, s->jac,
	                                         INFINITY };

	x[0] = start.x;
	x[1] = start.y;
	if (guess_xy && isfinite(guess_xy[0]) && isfinite(guess_xy[1])) {
		x[0] = clampd(guess_xy[0], p->x_min, p->x_max);
		x[1] = clampd(guess_xy[1], p->y_min, p->y_max);
	}
	if (start_is_flat(&s->prob, x[0], x[1]) ||
	    search(s, x, &sol.iterations) != GSL_SUCCESS) {
		*out = start;
		out->method = TRACK_METHOD_CENTROID;
		return TRACK_OK;
	}
	track__solve_log_dist2(&s->prob, x[0], x[1]);
	sol.tx_power_dbm = track__solve_best_power(&s->prob);
	sol.x = clampd(x[0], p->x_min, p->x_max);
	sol.y = clampd(x[1], p->y_min, p->y_max);
	sol.method = solve_tx ? TRACK_METHOD_SOLVE_TX : TRACK_METHOD_SOLVE;
	if (!isfinite(sol.x) || !isfinite(sol.y) ||
	    !covariance(&s->prob, sol.x, sol.y, sol.tx_power_dbm, &sol)) {
		*out = start;
		out->method = TRACK_METHOD_CENTROID;
		return TRACK_OK;
	}
	s->res_valid = true;
	*out = sol;
	return TRACK_OK;
}

const double *
track_solver_residuals(const track_solver *s)
{
	return s && s->res_valid ? s->res : NULL;
}
