/* Maximum-likelihood position from RSSI under the log-distance model.
 *
 * Residuals are in dB, not metres: shadowing is Gaussian in dB, so this is
 * the maximum-likelihood estimate, and far scanners (whose ranges are the
 * noisiest) are not over-weighted as they are when fitting distances.
 */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The residual and Jacobian callbacks run ~10 times per solve: let GSL's
 * element accessors inline (they are still bounds-free only in here). */
#define HAVE_INLINE 1
#define GSL_RANGE_CHECK_OFF 1
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

#define LN10 2.302585092994046

/* Metres: a distance floor so log10(d) stays finite at a scanner. */
#define MIN_DIST 0.1
/* Stiffness of the soft walls that keep the search inside the bounds: one
 * "sigma" per 5 cm outside, far stiffer than any RSSI residual. */
#define WALL_PER_M 20.0
/* Pseudo degrees of freedom for trusting the configured sigma when the
 * residuals say the noise is larger (see covariance()). */
#define SIGMA_PRIOR_DOF 4.0

struct problem {
	const track_obs *obs;
	size_t n;
	const track_solve_params *p;
	bool solve_tx;
	double *ln_d2; /* scratch: ln(d^2) to each scanner, max_obs long */
	double *res;   /* each reading minus the model at the answer (dB) */
	double spread2; /* trace of the (x, y) covariance at the last J, m^2 */
};

struct track_solver {
	size_t max_obs;
	/* ws[k][n]: k = 1 when the tag's power is estimated too (one more
	 * residual, its prior); n is the number of observations. GSL sizes a workspace for one problem
	 * size, so every size is made once, up front. */
	gsl_multifit_nlinear_workspace **ws[2];
	struct problem prob;
	double *ln_d2;
	double *res;
	bool res_valid; /* res holds the last solve's residuals */
};

/* What is estimated: (x, y) and, when solve_tx, the tag's power. */
static size_t
n_params(bool solve_tx)
{
	return solve_tx ? 3 : 2;
}

/* What LM searches: (x, y); the power follows from them (best_power). */
#define SEARCH_PARAMS 2

static size_t
n_residuals(size_t n_obs, bool solve_tx)
{
	return n_obs + 2 + (solve_tx ? 1 : 0);
}

static double
dist2(const track_obs *o, double x, double y)
{
	double dx = x - o->x, dy = y - o->y;
	double d2 = dx * dx + dy * dy + o->dz * o->dz;

	return d2 < MIN_DIST * MIN_DIST ? MIN_DIST * MIN_DIST : d2;
}

static double
dist(const track_obs *o, double x, double y)
{
	return sqrt(dist2(o, x, y));
}

static double
wall(double v, double lo, double hi, double *slope)
{
	if (v < lo) {
		*slope = -WALL_PER_M;
		return (lo - v) * WALL_PER_M;
	}
	if (v > hi) {
		*slope = WALL_PER_M;
		return (v - hi) * WALL_PER_M;
	}
	*slope = 0.0;
	return 0.0;
}

/* pb->ln_d2 = ln(d^2) from (x, y) to each scanner: computed once per
 * point for both the best power and the residuals. */
static void
log_dist2(const struct problem *pb, double x, double y)
{
	for (size_t i = 0; i < pb->n; i++)
		pb->ln_d2[i] = log(dist2(&pb->obs[i], x, y));
}

/* The tag's power enters the model linearly, so at any (x, y) its best
 * value has a closed form: the precision-weighted mean of the power each
 * scanner's reading implies at that point (rssi + 10 n log10 d) and of
 * the prior. LM then searches (x, y) alone over the residuals taken at
 * that power (variable projection): the same minimum as the joint
 * 3-parameter fit, reached in fewer and cheaper iterations. The point is
 * the one whose ln(d^2) are in pb->ln_d2. */
static double
best_power(const struct problem *pb)
{
	const track_solve_params *p = pb->p;
	double prior_w, sum = 0.0;

	if (!pb->solve_tx)
		return p->tx_power_dbm;
	/* 10 n log10(d) = (5 n / ln 10) ln(d^2): no square root. */
	for (size_t i = 0; i < pb->n; i++)
		sum += pb->obs[i].rssi_dbm +
		       5.0 * pb->obs[i].n / LN10 * pb->ln_d2[i];
	/* Weights relative to one observation's 1/sigma^2. */
	prior_w = (p->sigma_db * p->sigma_db) /
	          (p->tx_prior_db * p->tx_prior_db);
	return (sum + prior_w * p->tx_power_dbm) / ((double)pb->n + prior_w);
}

static int
residuals(const gsl_vector *v, void *data, gsl_vector *f)
{
	const struct problem *pb = data;
	const track_solve_params *p = pb->p;
	double x = gsl_vector_get(v, 0), y = gsl_vector_get(v, 1);
	double tx, slope;
	size_t i;

	log_dist2(pb, x, y);
	tx = best_power(pb);
	for (i = 0; i < pb->n; i++) {
		const track_obs *o = &pb->obs[i];
		double model = tx - 5.0 * o->n / LN10 * pb->ln_d2[i];

		gsl_vector_set(f, i, (o->rssi_dbm - model) / p->sigma_db);
	}
	gsl_vector_set(f, i++, wall(x, p->x_min, p->x_max, &slope));
	gsl_vector_set(f, i++, wall(y, p->y_min, p->y_max, &slope));
	if (pb->solve_tx)
		gsl_vector_set(f, i, (tx - p->tx_power_dbm) / p->tx_prior_db);
	return GSL_SUCCESS;
}

/* How far the answer is uncertain at this J: the trace of the inverse of
 * the (x, y) information, summed over the readings and the power prior
 * (the projected rows give the information with the power marginalised
 * out). Infinite when the geometry fixes no point. */
static double
spread2(const struct problem *pb, const gsl_matrix *J)
{
	double I00 = 0.0, I01 = 0.0, I11 = 0.0, det;
	size_t rows = pb->n + 2 + (pb->solve_tx ? 1 : 0);

	for (size_t r = 0; r < rows; r++) {
		double a, b;

		if (r == pb->n || r == pb->n + 1) /* the walls are not data */
			continue;
		a = gsl_matrix_get(J, r, 0);
		b = gsl_matrix_get(J, r, 1);
		I00 += a * a;
		I01 += a * b;
		I11 += b * b;
	}
	det = I00 * I11 - I01 * I01;
	return det > 0.0 ? (I00 + I11) / det : INFINITY;
}

/* The Jacobian of the residuals at the best power: the (x, y) columns of
 * the joint problem projected off its power column. That column is a
 * constant (-1/sigma for each reading, 1/tau for the prior), so the
 * projection is exact: each reading's row loses the shared term
 * sum_j(g_j) / (sigma^2 W), with W = n / sigma^2 + 1 / tau^2, and the
 * prior's row gains sum_j(g_j) / (sigma tau W). */
static int
jacobian(const gsl_vector *v, void *data, gsl_matrix *J)
{
	struct problem *pb = data;
	const track_solve_params *p = pb->p;
	double x = gsl_vector_get(v, 0), y = gsl_vector_get(v, 1);
	double sum[2] = { 0.0, 0.0 };
	double slope;
	size_t i;

	for (i = 0; i < pb->n; i++) {
		const track_obs *o = &pb->obs[i];
		/* d(residual)/dx = 10 n (x - xi) / (ln10 d^2 sigma) */
		double a = 10.0 * o->n / (LN10 * dist2(o, x, y) * p->sigma_db);
		double gx = a * (x - o->x), gy = a * (y - o->y);

		gsl_matrix_set(J, i, 0, gx);
		gsl_matrix_set(J, i, 1, gy);
		sum[0] += gx;
		sum[1] += gy;
	}
	if (pb->solve_tx) {
		double s2 = p->sigma_db * p->sigma_db;
		double W = (double)pb->n / s2 +
		           1.0 / (p->tx_prior_db * p->tx_prior_db);

		for (size_t r = 0; r < pb->n; r++)
			for (int c = 0; c < 2; c++)
				gsl_matrix_set(J, r, c,
				               gsl_matrix_get(J, r, c) -
				                       sum[c] / (s2 * W));
		for (int c = 0; c < 2; c++)
			gsl_matrix_set(J, pb->n + 2, c,
			               sum[c] / (p->sigma_db *
			                         p->tx_prior_db * W));
	}
	pb->spread2 = spread2(pb, J);
	wall(x, p->x_min, p->x_max, &slope);
	gsl_matrix_set(J, i, 0, slope);
	gsl_matrix_set(J, i++, 1, 0.0);
	wall(y, p->y_min, p->y_max, &slope);
	gsl_matrix_set(J, i, 0, 0.0);
	gsl_matrix_set(J, i++, 1, slope);
	return GSL_SUCCESS;
}

track_status
track_solver_create(size_t max_obs, track_solver **out)
{
	gsl_multifit_nlinear_parameters params =
		gsl_multifit_nlinear_default_parameters();
	track_solver *s;

	if (!out || max_obs < 1 || max_obs > 4096)
		return TRACK_EINVAL;
	s = calloc(1, sizeof *s);
	if (!s)
		return TRACK_ENOMEM;
	s->max_obs = max_obs;
	s->ln_d2 = calloc(max_obs, sizeof *s->ln_d2);
	s->res = calloc(max_obs, sizeof *s->res);
	if (!s->ln_d2 || !s->res)
		goto fail;
	/* Cholesky on the 2x2 normal equations is 1.4x faster than
	 * GSL's default QR here. Both report a singular step matrix through
	 * GSL's error handler, which aborts by default (and the library may
	 * not change it): LM's damping keeps the matrix positive definite
	 * once the first Jacobian is not all zero, which start_is_flat()
	 * guarantees. The dogleg methods solve undamped: keep LM, and keep
	 * More's scaling: with D = I (Levenberg's) the damping fades away
	 * over a column that stays zero, as it does for scanners in a line
	 * through the tag, and the random degenerate inputs of the tests
	 * then reach the abort. */
	params.solver = gsl_multifit_nlinear_solver_cholesky;
	for (int k = 0; k < 2; k++) {
		s->ws[k] = calloc(max_obs + 1, sizeof *s->ws[k]);
		if (!s->ws[k])
			goto fail;
		for (size_t n = 3; n <= max_obs; n++) {
			s->ws[k][n] = gsl_multifit_nlinear_alloc(
				gsl_multifit_nlinear_trust, &params,
				n_residuals(n, k == 1), SEARCH_PARAMS);
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

void
track_solver_destroy(track_solver *s)
{
	if (!s)
		return;
	for (int k = 0; k < 2; k++) {
		if (!s->ws[k])
			continue;
		for (size_t n = 0; n <= s->max_obs; n++)
			if (s->ws[k][n])
				gsl_multifit_nlinear_free(s->ws[k][n]);
		free(s->ws[k]);
	}
	free(s->ln_d2);
	free(s->res);
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
covariance(const struct problem *pb, double x, double y, double tx,
           track_solution *out)
{
	const track_solve_params *p = pb->p;
	double I[3][3] = { { 0 } }, chi2 = 0.0, scale, det;
	size_t np = n_params(pb->solve_tx);
	double dof;

	for (size_t i = 0; i < pb->n; i++) {
		const track_obs *o = &pb->obs[i];
		double d = dist(o, x, y);
		double a = 10.0 * o->n / (LN10 * d * d);
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
start_is_flat(const struct problem *pb, double x, double y)
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

static int
iterate(gsl_multifit_nlinear_workspace *w, const struct problem *pb,
        unsigned *iter)
{
	for (*iter = 1; *iter <= MAX_ITER; (*iter)++) {
		int rc = gsl_multifit_nlinear_iterate(w);
		double dx, dy, stop;

		/* No better point to be found near here: this one is it. */
		if (rc == GSL_ENOPROG)
			return GSL_SUCCESS;
		if (rc != GSL_SUCCESS)
			return rc;
		/* pb->spread2 is from the Jacobian at the new point. */
		stop = clampd(STOP_FRACTION * sqrt(pb->spread2), STOP_MIN_M,
		              STOP_MAX_M);
		dx = gsl_vector_get(w->dx, 0);
		dy = gsl_vector_get(w->dx, 1);
		if (dx * dx + dy * dy < stop * stop)
			return GSL_SUCCESS;
	}
	/* Out of iterations: the point reached is still the best found. */
	*iter = MAX_ITER;
	return GSL_SUCCESS;
}

track_status
track_solver_solve(track_solver *s, const track_obs *obs, size_t n,
                   const track_solve_params *p, const double *guess_xy,
                   track_solution *out)
{
	gsl_multifit_nlinear_fdf fdf;
	gsl_multifit_nlinear_workspace *w;
	track_solution sol, start;
	double x0[SEARCH_PARAMS];
	gsl_vector_view x0v;
	bool solve_tx;
	int rc;

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
	w = s->ws[solve_tx][n];
	s->prob = (struct problem){ obs, n, p, solve_tx, s->ln_d2, s->res,
	                            INFINITY };

	x0[0] = start.x;
	x0[1] = start.y;
	if (guess_xy && isfinite(guess_xy[0]) && isfinite(guess_xy[1])) {
		x0[0] = clampd(guess_xy[0], p->x_min, p->x_max);
		x0[1] = clampd(guess_xy[1], p->y_min, p->y_max);
	}
	x0v = gsl_vector_view_array(x0, SEARCH_PARAMS);
	if (start_is_flat(&s->prob, x0[0], x0[1])) {
		*out = start;
		out->method = TRACK_METHOD_CENTROID;
		return TRACK_OK;
	}

	memset(&fdf, 0, sizeof fdf);
	fdf.f = residuals;
	fdf.df = jacobian;
	fdf.n = n_residuals(n, solve_tx);
	fdf.p = SEARCH_PARAMS;
	fdf.params = &s->prob;

	rc = gsl_multifit_nlinear_init(&x0v.vector, &fdf, w);
	if (rc == GSL_SUCCESS)
		rc = iterate(w, &s->prob, &sol.iterations);
	if (rc != GSL_SUCCESS) {
		*out = start;
		out->method = TRACK_METHOD_CENTROID;
		return TRACK_OK;
	}
	{
		const gsl_vector *x = gsl_multifit_nlinear_position(w);

		log_dist2(&s->prob, gsl_vector_get(x, 0), gsl_vector_get(x, 1));
		sol.tx_power_dbm = best_power(&s->prob);
		sol.x = clampd(gsl_vector_get(x, 0), p->x_min, p->x_max);
		sol.y = clampd(gsl_vector_get(x, 1), p->y_min, p->y_max);
	}
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
