/* Each scanner's radio offset, learned online from the residuals of the
 * fixes it takes part in: engine.c asks for the offset to take off every
 * reading, and hands each fix's residuals back after the solve. */
#include "track/track.h"

#include <math.h>

#include "engine-private.h"

/* Offsets within this of zero are left to the model: the log-distance
 * model itself misfits by a dB or two in ways that depend on where the
 * tags are (geometry, furniture), and an offset learned from that misfit
 * would follow the tags' habits, not the radio. Only what stands out
 * beyond it is taken off the readings (a soft threshold). */
#define DEADBAND_DB 1.0
/* Radios age and are swapped: a learned offset never becomes certain for
 * good. Its variance grows this much per hour (dB^2), so a scanner
 * replaced by one of another kind is learned again within a day. */
#define DRIFT_DB2_PER_H 0.25
#define HOUR_US 3600000000LL

/* Why: scanners of different hardware (a built-in radio, a USB dongle, an
 * access point's antenna) read several dB apart at the same distance,
 * and the tag's learned power soaks up the offsets of the scanners near
 * it, going stale a few metres on. Every fix sees several scanners at
 * once and many fixes of many tags see each scanner from many places:
 * what one scanner reads above the others, fix after fix, is its own.
 *
 * Each offset is a random constant (prior sigma cfg.scanner_prior_db,
 * a slow drift on top) updated by a scalar Kalman step per fix. A fix's
 * residuals first lose their mean: a common shift is the tag's power, not
 * the scanners' (the gauge that keeps offsets and tag powers apart). The
 * residual is taken against the learned offset, not the applied one, so
 * the dead band does not feed back into what is learned. */
double
track__scanner_offset(const struct scanner_rt *s)
{
	double m = s->learned_db;

	if (m > DEADBAND_DB)
		return m - DEADBAND_DB;
	if (m < -DEADBAND_DB)
		return m + DEADBAND_DB;
	return 0.0;
}

static void
drift(const track_engine *e, struct scanner_rt *s, int64_t now_us)
{
	double prior = e->cfg.scanner_prior_db * e->cfg.scanner_prior_db;

	if (!(s->learned_var > 0.0)) {
		s->learned_var = prior;
	} else if (now_us > s->learned_us) {
		s->learned_var += DRIFT_DB2_PER_H *
		                  (double)(now_us - s->learned_us) /
		                  (double)HOUR_US;
		s->learned_var = fmin(s->learned_var, prior);
	}
	s->learned_us = now_us;
}

void
track__scanner_offset_learn(track_engine *e, const int32_t *scanners,
                            const double *res, size_t n, double overlap,
                            int64_t now_us)
{
	double mean = 0.0, r;

	if (!(e->cfg.scanner_prior_db > 0.0) || n < e->cfg.min_scanners_tx ||
	    n < 3)
		return;
	/* Each residual as if the learned offset had been applied whole. */
	for (size_t i = 0; i < n; i++) {
		const struct scanner_rt *s = &e->scanners[scanners[i]];

		mean += res[i] + track__scanner_offset(s) - s->learned_db;
	}
	mean /= (double)n;
	/* A reading's noise, inflated by the share of readings the last fix
	 * already used (as for the position and the power). */
	r = e->cfg.sigma_db * e->cfg.sigma_db * overlap;
	for (size_t i = 0; i < n; i++) {
		struct scanner_rt *s = &e->scanners[scanners[i]];
		double y = res[i] + track__scanner_offset(s) - s->learned_db -
		           mean, k;

		drift(e, s, now_us);
		/* y is what the reading said beyond the model with the
		 * learned offset taken off: the innovation of the offset. */
		k = s->learned_var / (s->learned_var + r);
		s->learned_db += k * y;
		s->learned_var *= 1.0 - k;
	}
}

track_status
track_engine_scanner_offset(const track_engine *e, const char *scanner,
                            double *offset_db, double *sigma_db)
{
	const struct scanner_rt *s;
	int32_t i;

	if (!e || !scanner || !offset_db || !sigma_db)
		return TRACK_EINVAL;
	i = track__idmap_find(&e->scanner_map, scanner);
	if (i < 0)
		return TRACK_ENOENT;
	s = &e->scanners[i];
	*offset_db = track__scanner_offset(s);
	*sigma_db = s->learned_var > 0.0 ? sqrt(s->learned_var)
	                                 : e->cfg.scanner_prior_db;
	return TRACK_OK;
}
