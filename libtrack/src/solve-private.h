/* solve: what solve.c (the drivers, the start, the covariance) and
 * solve-model.c (the residuals and their derivatives, as GSL's callbacks)
 * share. Internal to libtrack. */
#ifndef TRACK_SOLVE_PRIVATE_H
#define TRACK_SOLVE_PRIVATE_H

#include "track/track.h"

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define TRACK__LN10 2.302585092994046
/* Metres: a distance floor so log10(d) stays finite at a scanner. */
#define TRACK__MIN_DIST 0.1

/* One solve's readings and parameters, as the callbacks see them. */
struct track__solve_problem {
	const track_obs *obs;
	size_t n;
	const track_solve_params *p;
	bool solve_tx;
	double *ln_d2; /* scratch: ln(d^2) to each scanner, max_obs long */
	double *res;   /* each reading minus the model at the answer (dB) */
	double *jac;   /* scratch: the readings' rows of J, 2 max_obs long */
	double spread2; /* trace of the (x, y) covariance at the last J, m^2 */
};

/* Residuals: one per reading, the two walls, and (solve_tx) the power
 * prior; n + 2 + solve_tx of them. */
size_t track__solve_rows(size_t n_obs, bool solve_tx);

/* Squared 3-D distance from (x, y) to the reading's scanner, floored. */
static inline double
track__solve_dist2(const track_obs *o, double x, double y)
{
	double dx = x - o->x, dy = y - o->y;
	double d2 = dx * dx + dy * dy + o->dz * o->dz;

	return d2 < TRACK__MIN_DIST * TRACK__MIN_DIST ?
	               TRACK__MIN_DIST * TRACK__MIN_DIST : d2;
}

/* pb->ln_d2 at (x, y), then the tag's best power there (closed form). */
void track__solve_log_dist2(const struct track__solve_problem *pb, double x,
                            double y);
double track__solve_best_power(const struct track__solve_problem *pb);

/* GSL callbacks, data = the problem. f: the residuals. normal: the
 * gsl_multilarge_nlinear_fdf df (J u, J^T u, J^T J). jacobian: the
 * gsl_multifit_nlinear_fdf df (J itself), for the reference driver.
 * normal and jacobian set pb->spread2 at each point they are called. */
int track__solve_f(const gsl_vector *v, void *data, gsl_vector *f);
int track__solve_normal(CBLAS_TRANSPOSE_t trans, const gsl_vector *v,
                        const gsl_vector *u, void *data, gsl_vector *out,
                        gsl_matrix *JTJ);
int track__solve_jacobian(const gsl_vector *v, void *data, gsl_matrix *J);

#endif /* TRACK_SOLVE_PRIVATE_H */
