/* calibout: what track-calibrate hands back: the summary of a fit on
 * stdout (counts, both fits, per-scanner offsets, the track-replay flags
 * and the site.json scanner values) and, when asked, a copy of
 * scanners.csv carrying the fitted values. */
#ifndef TRACK_TOOLS_CALIBOUT_H
#define TRACK_TOOLS_CALIBOUT_H

#include <stddef.h>

#include "calibids.h"
#include "calibopts.h"
#include "calibrate.h"
#include "calibreports.h"
#include "sitecsv.h"

/* Print the fit res, per[] (one per scanner of site) and the counts c of
 * the reports it was made from, as the options o asked for it. */
void calibout_summary(const struct sitecsv *site,
                      const struct calibreports_counts *c,
                      const struct calibopts *o,
                      const struct calibrate_result *res,
                      const struct calibrate_scanner *per);

/* Copy scanners.csv in to path with path_loss,rssi_offset as the last
 * columns (replacing earlier ones); ids are in's scanner ids, indexing
 * per[]. Returns 0, or -1 with why in err (path is then unchanged). */
int calibout_write_scanners(const char *in, const char *path,
                            const struct calibids *ids,
                            const struct calibrate_result *res,
                            const struct calibrate_scanner *per, char *err,
                            size_t errlen);

#endif /* TRACK_TOOLS_CALIBOUT_H */
