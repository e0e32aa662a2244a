/* Two motion models mixed by an interacting multiple model (IMM) filter:
 * a tag either stands still or walks at a roughly constant velocity.
 *
 * Why two: a single constant-velocity filter must keep enough process
 * noise to follow a walker, so it forgets a standing tag's history within
 * seconds and its estimate wanders with the noise. The still model
 * averages a standing tag over its whole stay; the walking model takes
 * over as soon as the fixes say the tag moves. The model probabilities
 * are also the stationary detection. */
#include "track/track.h"

#include <math.h>
#include <string.h>

#define N 4

/* A still tag's velocity is zero with this little doubt (m/s, 1 sigma). */
#define STILL_V_SIGMA 0.01
/* The walk detector (walk_detected): the weight of the past in the
 * average of the still model's innovations (about five fixes), the
 * chi-square (2 dof) past which it is a walk, and the probability of
 * walking it then sets at least. The test runs at every fix, so its
 * level is a false-alarm rate: at 99% a standing tag is taken for a
 * walker about once in 100 fixes (at 95%, once in 20: equipment at rest
 * was shown in use 15 points more than it was). */
#define DRIFT_KEEP 0.8
#define DRIFT_CHI2 9.21
/* Degrees of freedom of the fixes' error in the model likelihoods. */
#define FIX_NU 4.0
#define WALK_PROB 0.9

static void
predict_still(track_kalman *k, int64_t t_us, double drift)
{
	double dt;

	if (!k->init || t_us <= k->t_us)
		return;
	dt = (double)(t_us - k->t_us) * 1e-6;
	k->x[2] = k->x[3] = 0.0;
	/* Velocity is zero by this model: drop its rows and columns. */
	for (int i = 0; i < N; i++)
		for (int j = 2; j < N; j++)
			k->P[i * N + j] = k->P[j * N + i] = 0.0;
	k->P[0] += drift * drift * dt;
	k->P[5] += drift * drift * dt;
	k->P[10] = k->P[15] = STILL_V_SIGMA * STILL_V_SIGMA;
	k->t_us = t_us;
}

void
track_motion_combine(track_motion *m)
{
	memset(m->x, 0, sizeof m->x);
	memset(m->P, 0, sizeof m->P);
	for (int j = 0; j < 2; j++)
		for (int r = 0; r < N; r++)
			m->x[r] += m->prob[j] * m->model[j].x[r];
	for (int j = 0; j < 2; j++) {
		double d[N];

		for (int r = 0; r < N; r++)
			d[r] = m->model[j].x[r] - m->x[r];
		for (int r = 0; r < N; r++)
			for (int c = 0; c < N; c++)
				m->P[r * N + c] += m->prob[j] *
				                   (m->model[j].P[r * N + c] +
				                    d[r] * d[c]);
	}
	m->t_us = m->model[TRACK_MOTION_MOVING].t_us;
}

void
track_motion_predict(track_motion *m, int64_t t_us,
                     const track_motion_params *p)
{
	track_kalman mixed[2];
	double dt, stay[2], pr[2][2], c[2];

	if (!m->init || t_us <= m->t_us)
		return;
	dt = (double)(t_us - m->t_us) * 1e-6;
	/* Stops and starts come as Poisson processes: pr[i][j] is the chance
	 * of going from model i to model j over dt. */
	stay[0] = exp(-dt / p->still_stay_s);
	stay[1] = exp(-dt / p->moving_stay_s);
	pr[0][0] = stay[0];
	pr[0][1] = 1.0 - stay[0];
	pr[1][1] = stay[1];
	pr[1][0] = 1.0 - stay[1];
	for (int j = 0; j < 2; j++)
		c[j] = pr[0][j] * m->prob[0] + pr[1][j] * m->prob[1];
	/* Mix: each model starts from the blend of both, weighted by how
	 * likely each one was to lead into it. */
	for (int j = 0; j < 2; j++) {
		double w[2], d[N];

		for (int i = 0; i < 2; i++)
			w[i] = pr[i][j] * m->prob[i] / c[j];
		mixed[j] = m->model[j];
		memset(mixed[j].x, 0, sizeof mixed[j].x);
		memset(mixed[j].P, 0, sizeof mixed[j].P);
		for (int i = 0; i < 2; i++)
			for (int r = 0; r < N; r++)
				mixed[j].x[r] += w[i] * m->model[i].x[r];
		for (int i = 0; i < 2; i++) {
			for (int r = 0; r < N; r++)
				d[r] = m->model[i].x[r] - mixed[j].x[r];
			for (int r = 0; r < N; r++)
				for (int k = 0; k < N; k++)
					mixed[j].P[r * N + k] +=
						w[i] * (m->model[i].P[r * N + k] +
						        d[r] * d[k]);
		}
	}
	m->model[0] = mixed[0];
	m->model[1] = mixed[1];
	predict_still(&m->model[TRACK_MOTION_STILL], t_us, p->still_drift_m);
	track_kalman_predict(&m->model[TRACK_MOTION_MOVING], t_us,
	                     p->accel_mps2);
	m->prob[0] = c[0];
	m->prob[1] = c[1];
	track_motion_combine(m);
}

double
track_motion_mahalanobis(const track_motion *m, double zx, double zy,
                         const double cov[3])
{
	/* Against the walking model: the widest of the two, so that a tag
	 * that starts to walk is not mistaken for an outlier. */
	return track_kalman_mahalanobis(&m->model[TRACK_MOTION_MOVING], zx, zy,
	                                cov);
}

/* log of the likelihood of (zx, zy) under model k, before its update,
 * up to a constant common to both models: a bivariate Student t with
 * FIX_NU degrees of freedom and the innovation covariance as its scale.
 * Why not the Gaussian: fixes have heavy tails (multipath puts one now and
 * then metres off, further than its covariance says), and under a
 * Gaussian every such fix is strong evidence for the wider, walking
 * model, so a badge at rest was called walking after each. The t's
 * likelihood falls off polynomially: a far fix weighs little for either
 * model (nu = 4, the usual robust choice). */
static double
log_likelihood(const track_kalman *k, double zx, double zy,
               const double cov[3])
{
	double s00 = k->P[0] + cov[0], s01 = k->P[1] + cov[1];
	double s11 = k->P[5] + cov[2];
	double det = s00 * s11 - s01 * s01;

	if (!(det > 0.0))
		return -INFINITY;
	return -0.5 * (FIX_NU + 2.0) *
	               log1p(track_kalman_mahalanobis(k, zx, zy, cov) /
	                     FIX_NU) -
	       0.5 * log(det);
}

/* A walk seen as a drift: a tag that walks slowly moves less between two
 * fixes than their noise, so each fix alone fits the still model, whose
 * estimate then lags further and further behind. The innovations of the
 * still model then point the same way fix after fix, while a standing
 * tag's point anywhere: their fading-memory average (weight DRIFT_KEEP),
 * normalised by its own covariance ((1 - a) / (1 + a) S for independent
 * innovations), is a chi-square with 2 degrees of freedom while the tag
 * stands, and past DRIFT_CHI2 the walking model takes over. This is the
 * manoeuvre detector of variable-dimension trackers (Bar-Shalom and
 * Birmiwal), fed back into the IMM's model probabilities. */
static bool
walk_detected(track_motion *m, double zx, double zy, const double cov[3])
{
	const track_kalman *k = &m->model[TRACK_MOTION_STILL];
	double s00 = k->P[0] + cov[0], s01 = k->P[1] + cov[1];
	double s11 = k->P[5] + cov[2], det = s00 * s11 - s01 * s01, d2, a;

	a = DRIFT_KEEP;
	m->drift[0] = a * m->drift[0] + (1.0 - a) * (zx - k->x[0]);
	m->drift[1] = a * m->drift[1] + (1.0 - a) * (zy - k->x[1]);
	if (!(det > 0.0))
		return false;
	d2 = (m->drift[0] * (s11 * m->drift[0] - s01 * m->drift[1]) +
	      m->drift[1] * (s00 * m->drift[1] - s01 * m->drift[0])) / det;
	return d2 * (1.0 + a) / (1.0 - a) > DRIFT_CHI2;
}

void
track_motion_update(track_motion *m, double zx, double zy,
                    const double cov[3], int64_t t_us)
{
	double ll[2], still_cov[3], scale, top, sum;

	if (!m->init) {
		memset(m, 0, sizeof *m);
		track_kalman_update(&m->model[0], zx, zy, cov, t_us);
		track_kalman_update(&m->model[1], zx, zy, cov, t_us);
		m->model[TRACK_MOTION_STILL].P[10] = STILL_V_SIGMA * STILL_V_SIGMA;
		m->model[TRACK_MOTION_STILL].P[15] = STILL_V_SIGMA * STILL_V_SIGMA;
		m->prob[0] = m->prob[1] = 0.5;
		m->init = true;
		track_motion_combine(m);
		return;
	}
	for (int j = 0; j < 2; j++)
		ll[j] = log_likelihood(&m->model[j], zx, zy, cov);
	/* Against the prediction, before any update or reweighing; never
	 * below 1: the fix's covariance comes from the Fisher information,
	 * a lower bound on its scatter, so a fix that agrees with the
	 * prediction is no sign that it is more exact than that. */
	scale = (FIX_NU + track_kalman_mahalanobis(
	                          &m->model[TRACK_MOTION_STILL], zx, zy, cov)) /
	        (FIX_NU + 2.0);
	if (scale < 1.0)
		scale = 1.0;
	/* A detected walk sets the odds of walking to at least WALK_PROB
	 * against standing before this fix reweighs them. */
	if (walk_detected(m, zx, zy, cov) &&
	    m->prob[TRACK_MOTION_MOVING] < WALK_PROB) {
		m->prob[TRACK_MOTION_MOVING] = WALK_PROB;
		m->prob[TRACK_MOTION_STILL] = 1.0 - WALK_PROB;
	}
	top = fmax(ll[0], ll[1]);
	if (isfinite(top)) {
		/* In the log domain: a far fix must not underflow both. */
		sum = 0.0;
		for (int j = 0; j < 2; j++) {
			m->prob[j] *= exp(ll[j] - top);
			sum += m->prob[j];
		}
		for (int j = 0; j < 2; j++)
			m->prob[j] = sum > 0.0 ? m->prob[j] / sum : 0.5;
		/* Neither model may be ruled out for good. */
		for (int j = 0; j < 2; j++)
			if (m->prob[j] < 1e-6)
				m->prob[j] = 1e-6;
		sum = m->prob[0] + m->prob[1];
		m->prob[0] /= sum;
		m->prob[1] /= sum;
	}
	/* The still model's update under the same Student t as the
	 * likelihoods (the Student's t filter of Roth, Ozkan and
	 * Gustafsson): the fix's covariance scaled by (nu + d2) / (nu + 2),
	 * d2 its Mahalanobis distance from that model's prediction (at
	 * least 1, above). A fix metres further off than its covariance
	 * says then drags a standing tag's average less than a Gaussian
	 * update would. The walking model
	 * keeps the Gaussian update: there a large innovation is as likely a
	 * turn or a start as a stray fix, and it is the model that must
	 * follow one at once (the gate deals with the strays; scaled too, it
	 * followed noise less, looked more like the still model, and a badge
	 * at rest was judged walking 11% of the time instead of 6.5%). */
	still_cov[0] = cov[0] * scale;
	still_cov[1] = cov[1] * scale;
	still_cov[2] = cov[2] * scale;
	track_kalman_update(&m->model[TRACK_MOTION_STILL], zx, zy, still_cov,
	                    t_us);
	track_kalman_update(&m->model[TRACK_MOTION_MOVING], zx, zy, cov, t_us);
	track_motion_combine(m);
}
