/* A tag's measured power (P1m), as each fix's prior and as what each fix
 * teaches of it: engine.c asks for the prior before a solve and hands the
 * solve's power back after it. */
#include "track/track.h"

#include <math.h>

#include "engine-private.h"

/* Power of a tag's announced or learned measured power may drift with
 * battery and orientation: allow this much change per second (dB^2/s), and
 * never trust the learned value better than TX_MIN_SIGMA, since shadowing
 * of a standing tag is not independent from one fix to the next. */
#define TX_DRIFT_DB2_PER_S 0.05
#define TX_MIN_SIGMA_DB 1.5
/* Distance over which indoor shadowing decorrelates (m): a few metres in
 * the measurement literature (Gudmundson's model, indoor fits 1-5 m). */
#define TX_DECORR_M 2.0
/* The shadowing common to the scanners around a tag (dB, 1 sigma): half
 * of a link's own (6 dB typical indoors). */
#define TX_LOCAL_DB 3.0

/* The tag's power is two things a fix cannot tell apart: the tag's own
 * offset from the nominal (a phone, a power setting: constant) and the
 * shadowing common to the scanners around the place it stands (the body,
 * the room, those scanners' radios: valid where the tag is, stale a few
 * metres on). Both are kept, as a two-state Kalman filter on top of the
 * nominal (announced, else the default): the offset b a random constant
 * with prior tx_prior_db, the local part s an Ornstein-Uhlenbeck process
 * in distance walked, decorrelating over TX_DECORR_M with stationary
 * sigma TX_LOCAL_DB. A standing tag keeps its local correction; a walking
 * one solves each fix about nominal + b, and b is learned only from what
 * places far apart agree on. Carrying the whole solved power as the next
 * prior instead made a walking tag's power drift high and its fixes
 * outward. */
static void
predict(const track_engine *e, struct tag *t, int64_t now_us)
{
	double tau2 = e->cfg.tx_prior_db * e->cfg.tx_prior_db;
	double loc2 = TX_LOCAL_DB * TX_LOCAL_DB, rho;

	if (!(t->tx_P[0] > 0.0)) {
		t->tx_b = t->tx_s = 0.0;
		t->tx_P[0] = tau2;
		t->tx_P[1] = 0.0;
		t->tx_P[2] = loc2;
	} else if (!t->mot.init) {
		/* A new track: the place is new, the tag is not. */
		t->tx_s = 0.0;
		t->tx_P[1] = 0.0;
		t->tx_P[2] = loc2;
	} else {
		rho = exp(-hypot(t->mot.x[0] - t->tx_x, t->mot.x[1] - t->tx_y) /
		          TX_DECORR_M);
		t->tx_s *= rho;
		t->tx_P[1] *= rho;
		t->tx_P[2] = rho * rho * t->tx_P[2] + (1.0 - rho * rho) * loc2;
		if (now_us > t->tx_us)
			t->tx_P[0] += TX_DRIFT_DB2_PER_S *
			              (double)(now_us - t->tx_us) * 1e-6;
		t->tx_P[0] = fmin(t->tx_P[0], tau2);
	}
	t->tx_us = now_us;
	if (t->mot.init) {
		t->tx_x = t->mot.x[0];
		t->tx_y = t->mot.x[1];
	}
}

static double
nominal(const track_engine *e, const struct tag *t)
{
	return isnan(t->tx_announced) ? e->cfg.tx_power_dbm : t->tx_announced;
}

void
track__power_prior(const track_engine *e, struct tag *t, int64_t now_us,
                   double *mean, double *var)
{
	predict(e, t, now_us);
	*mean = nominal(e, t) + t->tx_b + t->tx_s;
	*var = fmax(t->tx_P[0] + 2.0 * t->tx_P[1] + t->tx_P[2],
	            TX_MIN_SIGMA_DB * TX_MIN_SIGMA_DB);
}

/* The solve's power as a measurement of b + s: the solve combined its
 * prior (mean m, variance v) with the readings, so what the readings
 * alone said is taken back out of its posterior. overlap inflates it as
 * for the position (readings already used by the last fix). */
void
track__power_update(const track_engine *e, struct tag *t,
                    const track_solution *sol, double m, double v,
                    double overlap)
{
	double info = 1.0 / sol->tx_var - 1.0 / v, r, y, S, K0, K1, inn;
	double P0 = t->tx_P[0], P1 = t->tx_P[1], P2 = t->tx_P[2];

	if (!(info > 1e-9))
		return;
	r = 1.0 / info;
	y = r * (sol->tx_power_dbm / sol->tx_var - m / v) - nominal(e, t);
	r *= overlap;
	S = P0 + 2.0 * P1 + P2 + r;
	K0 = (P0 + P1) / S;
	K1 = (P1 + P2) / S;
	inn = y - t->tx_b - t->tx_s;
	t->tx_b += K0 * inn;
	t->tx_s += K1 * inn;
	t->tx_P[0] = P0 - K0 * (P0 + P1);
	t->tx_P[1] = P1 - K0 * (P1 + P2);
	t->tx_P[2] = P2 - K1 * (P1 + P2);
}
