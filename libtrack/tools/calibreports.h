/* calibreports: reports.csv (t,scanner_id,tag_id,rssi) streamed into
 * calibration samples, each report with its true distance from the truth,
 * and counts of what was read, used and skipped (and why). */
#ifndef TRACK_TOOLS_CALIBREPORTS_H
#define TRACK_TOOLS_CALIBREPORTS_H

#include <stddef.h>

#include "calibids.h"
#include "calibrate.h"
#include "calibtruth.h"
#include "sitecsv.h"

/* Closer than this the far-field model means nothing; clamp. */
#define CALIBREPORTS_DISTANCE_MIN_M 0.5

struct calibreports_counts {
	size_t read, used;
	size_t no_tag, no_scanner, bad_rssi, no_truth, other_floor;
	size_t clamped;
	double d_min, d_max;
	double height_sum;  /* tag above its floor, summed over used reports */
};

/* Read path: each report whose tag is in tr, whose scanner is in scanners
 * (indexes as in site), whose rssi is in range, whose tag has truth at its
 * time and is then on the scanner's floor becomes one sample. Writes *c;
 * returns 0 and *out (the caller frees it) with *n_out samples, or -1 with
 * a message naming the file and line in err. */
int calibreports_load(const char *path, const struct sitecsv *site,
                      const struct calibids *scanners,
                      const struct calibtruth *tr,
                      struct calibrate_sample **out, size_t *n_out,
                      struct calibreports_counts *c, char *err,
                      size_t errlen);

#endif /* TRACK_TOOLS_CALIBREPORTS_H */
