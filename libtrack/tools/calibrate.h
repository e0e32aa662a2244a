/* calibrate: fit the log-distance path-loss model to labelled reports,
 *
 *   rssi = P1m - 10 n log10(d) + offset[scanner] + noise,
 *
 * with one global P1m and n, and a per-scanner offset only where the data
 * supports one. Pure: arrays in, numbers out; no I/O, no global state.
 *
 * Sign convention (as track_scanner.rssi_offset_db): an offset is how many
 * dB the scanner reads above the model; the engine subtracts it.
 *
 * How the offsets are fitted: a plain least-squares fit of rssi on
 * x = -10 log10(d) first; then, in rounds, each scanner with at least
 * min_reports samples gets offset = sum(residuals) / (count + K), shrunk
 * toward 0 because a scanner's mean residual is also noise; the offsets are
 * re-centred to a zero count-weighted mean (so P1m stays the power of an
 * average scanner), and P1m and n are refitted on rssi - offset. The rounds
 * stop when nothing moves by more than 0.001 or after max_rounds.
 * K defaults to sigma^2 / tau^2, the ratio of the within-scanner noise to
 * the prior spread tau of the scanners' offsets.
 */
#ifndef TRACK_TOOLS_CALIBRATE_H
#define TRACK_TOOLS_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "track/track.h"

/* One report with a known distance. */
struct calibrate_sample {
	size_t scanner; /* index, < n_scanners */
	double x;       /* -10 log10(d), d in m */
	double rssi;    /* dBm */
};

struct calibrate_options {
	double shrink;        /* K; < 0: sigma^2 / prior_db^2, re-estimated */
	double prior_db;      /* tau, prior spread of the offsets (dB) */
	size_t min_reports;   /* fewer samples: offset 0 */
	unsigned max_rounds;  /* offset / refit rounds */
};

/* Defaults: shrink -1 (from the data), prior_db 3, min_reports 30,
 * max_rounds 10. */
struct calibrate_options calibrate_options_default(void);

struct calibrate_scanner {
	size_t count;       /* samples from this scanner */
	double offset_db;   /* 0 when count < min_reports */
	double resid_sd_db; /* RMS residual after the final fit; 0 if none */
};

struct calibrate_result {
	/* The final fit, with offsets. */
	double tx_power_dbm, tx_power_se;
	double path_loss, path_loss_se;
	double sigma_db;    /* residual sd */
	double r2;
	/* The plain fit, before any offset. */
	double tx_power0_dbm, path_loss0;
	double sigma0_db, r2_0;
	double shrink;      /* K used in the last round */
	size_t n_samples;
	size_t n_offsets;   /* scanners that got an offset */
	unsigned rounds;    /* offset rounds run */
	bool converged;     /* stable before max_rounds ran out */
};

/* Fit the model to the n samples s (scanner indexes < n_scanners).
 * opt may be NULL for the defaults. On success writes *res and per[0 ..
 * n_scanners-1] and returns TRACK_OK. Returns TRACK_EINVAL for a bad
 * scanner index, a non-finite value or bad options, TRACK_ETOOFEW for
 * fewer than 3 samples or when every sample has the same distance,
 * TRACK_ENOMEM; *res and per are then unspecified. */
track_status calibrate_fit(const struct calibrate_sample *s, size_t n,
                           size_t n_scanners,
                           const struct calibrate_options *opt,
                           struct calibrate_result *res,
                           struct calibrate_scanner *per);

#endif /* TRACK_TOOLS_CALIBRATE_H */
