/* Constant-velocity Kalman filter on [x y vx vy], written out by hand for
 * the 4x4 case: it runs once per fix for every tag, and the matrices are
 * small enough that loops beat any general routine. */
#include "track/track.h"

#include <string.h>

#define N 4

/* Initial speed uncertainty of a new track: a brisk walk, 1 sigma. */
#define V0_SIGMA 1.0

void
track_kalman_predict(track_kalman *k, int64_t t_us, double accel)
{
	double dt, q, dt2, dt3, P[16], FP[16];

	if (!k->init || t_us <= k->t_us)
		return;
	dt = (double)(t_us - k->t_us) * 1e-6;
	k->x[0] += dt * k->x[2];
	k->x[1] += dt * k->x[3];
	memcpy(P, k->P, sizeof P);
	/* F P */
	for (int c = 0; c < N; c++) {
		FP[0 * N + c] = P[0 * N + c] + dt * P[2 * N + c];
		FP[1 * N + c] = P[1 * N + c] + dt * P[3 * N + c];
		FP[2 * N + c] = P[2 * N + c];
		FP[3 * N + c] = P[3 * N + c];
	}
	/* (F P) F^T */
	for (int r = 0; r < N; r++) {
		k->P[r * N + 0] = FP[r * N + 0] + dt * FP[r * N + 2];
		k->P[r * N + 1] = FP[r * N + 1] + dt * FP[r * N + 3];
		k->P[r * N + 2] = FP[r * N + 2];
		k->P[r * N + 3] = FP[r * N + 3];
	}
	/* Discrete white-noise acceleration. */
	q = accel * accel;
	dt2 = dt * dt;
	dt3 = dt2 * dt;
	k->P[0 * N + 0] += q * dt3 / 3.0;
	k->P[1 * N + 1] += q * dt3 / 3.0;
	k->P[0 * N + 2] += q * dt2 / 2.0;
	k->P[2 * N + 0] += q * dt2 / 2.0;
	k->P[1 * N + 3] += q * dt2 / 2.0;
	k->P[3 * N + 1] += q * dt2 / 2.0;
	k->P[2 * N + 2] += q * dt;
	k->P[3 * N + 3] += q * dt;
	k->t_us = t_us;
}

/* Innovation covariance S = H P H^T + R and its inverse. */
static bool
innovation(const track_kalman *k, const double R[3], double Si[3])
{
	double s00 = k->P[0] + R[0], s01 = k->P[1] + R[1];
	double s11 = k->P[5] + R[2];
	double det = s00 * s11 - s01 * s01;

	if (!(det > 0.0))
		return false;
	Si[0] = s11 / det;
	Si[1] = -s01 / det;
	Si[2] = s00 / det;
	return true;
}

double
track_kalman_mahalanobis(const track_kalman *k, double zx, double zy,
                         const double cov[3])
{
	double Si[3], ex = zx - k->x[0], ey = zy - k->x[1];

	if (!k->init || !innovation(k, cov, Si))
		return 0.0;
	return ex * (Si[0] * ex + Si[1] * ey) + ey * (Si[1] * ex + Si[2] * ey);
}

void
track_kalman_update(track_kalman *k, double zx, double zy,
                    const double cov[3], int64_t t_us)
{
	double Si[3], K[8], ex, ey, P[16];

	if (!k->init) {
		memset(k, 0, sizeof *k);
		k->x[0] = zx;
		k->x[1] = zy;
		k->P[0] = cov[0];
		k->P[1] = k->P[4] = cov[1];
		k->P[5] = cov[2];
		k->P[10] = k->P[15] = V0_SIGMA * V0_SIGMA;
		k->t_us = t_us;
		k->init = true;
		return;
	}
	if (!innovation(k, cov, Si))
		return;
	/* K = P H^T S^-1: the first two columns of P times S^-1. */
	for (int r = 0; r < N; r++) {
		double a = k->P[r * N + 0], b = k->P[r * N + 1];

		K[r * 2 + 0] = a * Si[0] + b * Si[1];
		K[r * 2 + 1] = a * Si[1] + b * Si[2];
	}
	ex = zx - k->x[0];
	ey = zy - k->x[1];
	for (int r = 0; r < N; r++)
		k->x[r] += K[r * 2 + 0] * ex + K[r * 2 + 1] * ey;
	/* P = (I - K H) P, then symmetrised against rounding drift. */
	memcpy(P, k->P, sizeof P);
	for (int r = 0; r < N; r++)
		for (int c = 0; c < N; c++)
			k->P[r * N + c] = P[r * N + c] -
			                  K[r * 2 + 0] * P[0 * N + c] -
			                  K[r * 2 + 1] * P[1 * N + c];
	for (int r = 0; r < N; r++)
		for (int c = r + 1; c < N; c++) {
			double m = 0.5 * (k->P[r * N + c] + k->P[c * N + r]);

			k->P[r * N + c] = k->P[c * N + r] = m;
		}
}
