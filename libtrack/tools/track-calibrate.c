/* track-calibrate: fit P1m, n and per-scanner RSSI offsets from a labelled
 * walk (reports.csv + truth.csv) and print the flags and site values that
 * track-replay and trackd take.
 *
 * The steps, one module each: the command line (calibopts.c), the truth
 * (calibtruth.c), the reports with their true distances (calibreports.c),
 * the fit (calibrate.c) and what is printed and written (calibout.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "calibids.h"
#include "calibopts.h"
#include "calibout.h"
#include "calibrate.h"
#include "calibreports.h"
#include "calibtruth.h"
#include "sitecsv.h"
#include "track/track.h"

/* Below this many usable reports a fit is noise. */
#define MIN_USABLE_REPORTS 10

#define ERR_MAX 1024

int
main(int argc, char **argv)
{
	struct calibopts o;
	struct sitecsv site;
	struct calibtruth tr;
	struct calibids ids;
	struct calibreports_counts counts;
	struct calibrate_sample *samples = NULL;
	struct calibrate_scanner *per = NULL;
	struct calibrate_result res;
	char err[ERR_MAX];
	size_t n = 0, i;
	int rc = 1;
	track_status st;

	memset(&site, 0, sizeof site);
	memset(&tr, 0, sizeof tr);
	memset(&ids, 0, sizeof ids);
	if (calibopts_parse(argc, argv, &o) != 0)
		return 2;
	/* A tool: report GSL problems as return codes, never abort. */
	gsl_set_error_handler_off();

	if (sitecsv_load(o.scanners, o.floor_height, &site, err,
	                 sizeof err) < 0)
		goto fail;
	for (i = 0; i < site.site.n_scanners; i++)
		if (calibids_intern(&ids, site.scanners[i].id) < 0) {
			snprintf(err, sizeof err, "out of memory");
			goto fail;
		}
	if (calibtruth_load(o.truth, &site, o.tag_height, &tr, err,
	                    sizeof err) < 0)
		goto fail;
	if (calibreports_load(o.reports, &site, &ids, &tr, &samples, &n,
	                      &counts, err, sizeof err) < 0)
		goto fail;
	if (n < MIN_USABLE_REPORTS) {
		snprintf(err, sizeof err,
		         "only %zu usable reports (need %d): %zu read, %zu "
		         "tag not in truth, %zu no truth within %.0f s, %zu "
		         "other floor, %zu unknown scanner, %zu rssi out of "
		         "range", n, MIN_USABLE_REPORTS, counts.read,
		         counts.no_tag, counts.no_truth,
		         CALIBTRUTH_NEAREST_MAX_S, counts.other_floor,
		         counts.no_scanner, counts.bad_rssi);
		goto fail;
	}
	per = calloc(site.site.n_scanners, sizeof *per);
	if (!per) {
		snprintf(err, sizeof err, "out of memory");
		goto fail;
	}
	st = calibrate_fit(samples, n, site.site.n_scanners, &o.fit, &res,
	                   per);
	if (st != TRACK_OK) {
		snprintf(err, sizeof err, "fit failed: %s%s",
		         track_strerror(st), st == TRACK_ETOOFEW ?
		         " (every report at the same distance?)" : "");
		goto fail;
	}
	calibout_summary(&site, &counts, &o, &res, per);
	if (o.write_scanners) {
		if (calibout_write_scanners(o.scanners, o.write_scanners, &ids,
		                            &res, per, err, sizeof err) < 0)
			goto fail;
		printf("\nwrote %s\n", o.write_scanners);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "track-calibrate: %s\n", err);
out:
	free(per);
	free(samples);
	calibtruth_free(&tr);
	calibids_free(&ids);
	sitecsv_free(&site);
	return rc;
}
