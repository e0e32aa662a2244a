/* The solver's objective: the residuals of the log-distance model in dB
 * (over sigma), the soft walls, the power prior, and their derivatives,
 * in the shapes GSL's two least-squares drivers call for. */
/* The callbacks run ~10 times per solve: let GSL's element accessors
 * inline, bounds-free (before any GSL header, the own one's too). */
#define HAVE_INLINE 1
#define GSL_RANGE_CHECK_OFF 1
#include "solve-private.h"

#include <math.h>

#include <gsl/gsl_errno.h>

#define LN10 TRACK__LN10
/* Stiffness of the soft walls that keep the search inside the bounds: one
 * "sigma" per 5 cm outside, far stiffer than any RSSI residual. */
#define WALL_PER_M 20.0

size_t
track__solve_rows(size_t n_obs, bool solve_tx)
{
	return n_obs + 2 + (solve_tx ? 1 : 0);
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
void
track__solve_log_dist2(const struct track__solve_problem *pb, double x,
                       double y)
{
	for (size_t i = 0; i < pb->n; i++)
		pb->ln_d2[i] = log(track__solve_dist2(&pb->obs[i], x, y));
}

/* The tag's power enters the model linearly, so at any (x, y) its best
 * value has a closed form: the precision-weighted mean of the power each
 * scanner's reading implies at that point (rssi + 10 n log10 d) and of
 * the prior. LM then searches (x, y) alone over the residuals taken at
 * that power (variable projection): the same minimum as the joint
 * 3-parameter fit, reached in fewer and cheaper iterations. The point is
 * the one whose ln(d^2) are in pb->ln_d2. */
double
track__solve_best_power(const struct track__solve_problem *pb)
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

int
track__solve_f(const gsl_vector *v, void *data, gsl_vector *f)
{
	const struct track__solve_problem *pb = data;
	const track_solve_params *p = pb->p;
	double x = gsl_vector_get(v, 0), y = gsl_vector_get(v, 1);
	double tx, slope;
	size_t i;

	track__solve_log_dist2(pb, x, y);
	tx = track__solve_best_power(pb);
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
 * the (x, y) information over the readings and the power prior (the walls
 * are a constraint, not data; the projected rows give the information
 * with the power marginalised out). Infinite when the geometry fixes no
 * point. */
static double
spread2(double I00, double I01, double I11)
{
	double det = I00 * I11 - I01 * I01;

	return det > 0.0 ? (I00 + I11) / det : INFINITY;
}

/* The rows of the Jacobian at the best power are the (x, y) columns of
 * the joint problem projected off its power column. That column is a
 * constant (-1/sigma for each reading, 1/tau for the prior), so the
 * projection is exact: each reading's row loses the shared term
 * m = sum_j(g_j) / (sigma^2 W), with W = n / sigma^2 + 1 / tau^2, and the
 * prior's row is q = sum_j(g_j) / (sigma tau W). This writes each
 * reading's unprojected row g to pb->jac and returns m and q (zero when
 * the power is fixed). */
static void
reading_rows(const struct track__solve_problem *pb, double x, double y,
             double m[2], double q[2])
{
	const track_solve_params *p = pb->p;
	double sum[2] = { 0.0, 0.0 };

	for (size_t i = 0; i < pb->n; i++) {
		const track_obs *o = &pb->obs[i];
		/* d(residual)/dx = 10 n (x - xi) / (ln10 d^2 sigma) */
		double a = 10.0 * o->n /
		           (LN10 * track__solve_dist2(o, x, y) * p->sigma_db);

		pb->jac[2 * i] = a * (x - o->x);
		pb->jac[2 * i + 1] = a * (y - o->y);
		sum[0] += pb->jac[2 * i];
		sum[1] += pb->jac[2 * i + 1];
	}
	m[0] = m[1] = q[0] = q[1] = 0.0;
	if (pb->solve_tx) {
		double s2 = p->sigma_db * p->sigma_db;
		double W = (double)pb->n / s2 +
		           1.0 / (p->tx_prior_db * p->tx_prior_db);

		for (int c = 0; c < 2; c++) {
			m[c] = sum[c] / (s2 * W);
			q[c] = sum[c] / (p->sigma_db * p->tx_prior_db * W);
		}
	}
}

/* gsl_multilarge_nlinear's df: v = J u (NoTrans, u of p values) or
 * v = J^T u (Trans, u of n), when v is not NULL, and J^T J when JTJ is
 * not NULL, all from the rows as they are formed: no n x 2 matrix, and
 * GSL's own work is on the 2 x 2 normal equations alone. */
int
track__solve_normal(CBLAS_TRANSPOSE_t trans, const gsl_vector *v,
                    const gsl_vector *u, void *data, gsl_vector *out,
                    gsl_matrix *JTJ)
{
	struct track__solve_problem *pb = data;
	const track_solve_params *p = pb->p;
	double x = gsl_vector_get(v, 0), y = gsl_vector_get(v, 1);
	double m[2], q[2], sx, sy;
	double I00 = 0.0, I01 = 0.0, I11 = 0.0, t0 = 0.0, t1 = 0.0;
	size_t n = pb->n;

	reading_rows(pb, x, y, m, q);
	wall(x, p->x_min, p->x_max, &sx);
	wall(y, p->y_min, p->y_max, &sy);
	for (size_t i = 0; i < n; i++) {
		double a = pb->jac[2 * i] - m[0], b = pb->jac[2 * i + 1] - m[1];

		I00 += a * a;
		I01 += a * b;
		I11 += b * b;
		if (out && trans == CblasTrans) {
			t0 += a * gsl_vector_get(u, i);
			t1 += b * gsl_vector_get(u, i);
		} else if (out) {
			gsl_vector_set(out, i,
			               a * gsl_vector_get(u, 0) +
			                       b * gsl_vector_get(u, 1));
		}
	}
	I00 += q[0] * q[0];
	I01 += q[0] * q[1];
	I11 += q[1] * q[1];
	if (out && trans == CblasTrans) {
		t0 += sx * gsl_vector_get(u, n);
		t1 += sy * gsl_vector_get(u, n + 1);
		if (pb->solve_tx) {
			t0 += q[0] * gsl_vector_get(u, n + 2);
			t1 += q[1] * gsl_vector_get(u, n + 2);
		}
		gsl_vector_set(out, 0, t0);
		gsl_vector_set(out, 1, t1);
	} else if (out) {
		gsl_vector_set(out, n, sx * gsl_vector_get(u, 0));
		gsl_vector_set(out, n + 1, sy * gsl_vector_get(u, 1));
		if (pb->solve_tx)
			gsl_vector_set(out, n + 2,
			               q[0] * gsl_vector_get(u, 0) +
			                       q[1] * gsl_vector_get(u, 1));
	}
	if (JTJ) {
		pb->spread2 = spread2(I00, I01, I11);
		/* GSL reads the lower triangle; the whole is cheap. */
		gsl_matrix_set(JTJ, 0, 0, I00 + sx * sx);
		gsl_matrix_set(JTJ, 1, 0, I01);
		gsl_matrix_set(JTJ, 0, 1, I01);
		gsl_matrix_set(JTJ, 1, 1, I11 + sy * sy);
	}
	return GSL_SUCCESS;
}

/* gsl_multifit_nlinear's df: the same rows, written out as J. */
int
track__solve_jacobian(const gsl_vector *v, void *data, gsl_matrix *J)
{
	struct track__solve_problem *pb = data;
	const track_solve_params *p = pb->p;
	double x = gsl_vector_get(v, 0), y = gsl_vector_get(v, 1);
	double m[2], q[2], sx, sy;
	double I00 = 0.0, I01 = 0.0, I11 = 0.0;
	size_t n = pb->n;

	reading_rows(pb, x, y, m, q);
	for (size_t i = 0; i < n; i++) {
		double a = pb->jac[2 * i] - m[0], b = pb->jac[2 * i + 1] - m[1];

		gsl_matrix_set(J, i, 0, a);
		gsl_matrix_set(J, i, 1, b);
		I00 += a * a;
		I01 += a * b;
		I11 += b * b;
	}
	if (pb->solve_tx) {
		gsl_matrix_set(J, n + 2, 0, q[0]);
		gsl_matrix_set(J, n + 2, 1, q[1]);
		I00 += q[0] * q[0];
		I01 += q[0] * q[1];
		I11 += q[1] * q[1];
	}
	pb->spread2 = spread2(I00, I01, I11);
	wall(x, p->x_min, p->x_max, &sx);
	wall(y, p->y_min, p->y_max, &sy);
	gsl_matrix_set(J, n, 0, sx);
	gsl_matrix_set(J, n, 1, 0.0);
	gsl_matrix_set(J, n + 1, 0, 0.0);
	gsl_matrix_set(J, n + 1, 1, sy);
	return GSL_SUCCESS;
}
