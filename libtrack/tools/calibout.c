#include "calibout.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibtruth.h"
#include "csv.h"

/* Round for printing, without a "-0.00". */
static double
calibout_clean(double v, double unit)
{
	v = round(v / unit) * unit;
	return v == 0.0 ? 0.0 : v;
}

void
calibout_summary(const struct sitecsv *site,
                 const struct calibreports_counts *c,
                 const struct calibopts *o,
                 const struct calibrate_result *res,
                 const struct calibrate_scanner *per)
{
	double tag_height = c->used > 0 ? c->height_sum / (double)c->used
	                                : 0.0;
	size_t i;

	printf("reports   %zu read, %zu used\n", c->read, c->used);
	printf("skipped   %zu tag not in truth, %zu no truth within %.0f s, "
	       "%zu scanner on another floor,\n"
	       "          %zu unknown scanner, %zu rssi out of range\n",
	       c->no_tag, c->no_truth, CALIBTRUTH_NEAREST_MAX_S,
	       c->other_floor, c->no_scanner, c->bad_rssi);
	printf("distance  %.2f .. %.2f m (%zu under %.1f m counted as %.1f)\n",
	       c->d_min, c->d_max, c->clamped, CALIBREPORTS_DISTANCE_MIN_M,
	       CALIBREPORTS_DISTANCE_MIN_M);
	printf("tag       %.2f m above its floor (%s)\n", tag_height,
	       isnan(o->tag_height) ? "mean of the truth's z" :
	                              "--tag-height");
	printf("\nmodel     rssi = P1m - 10 n log10(d) + offset[scanner]\n");
	printf("plain fit     P1m %7.2f dBm  n %5.3f  sigma %5.2f dB  "
	       "R2 %.3f\n", res->tx_power0_dbm, res->path_loss0,
	       res->sigma0_db, res->r2_0);
	printf("with offsets  P1m %7.2f dBm  n %5.3f  sigma %5.2f dB  "
	       "R2 %.3f\n", res->tx_power_dbm, res->path_loss,
	       res->sigma_db, res->r2);
	printf("              (+-%.2f dB, +-%.3f; %zu of %zu scanners with "
	       "an offset, min %zu reports,\n"
	       "               shrink K %.2f, %u rounds%s)\n",
	       res->tx_power_se, res->path_loss_se, res->n_offsets,
	       site->site.n_scanners, o->fit.min_reports, res->shrink,
	       res->rounds, res->converged ? "" : ", NOT converged");

	printf("\n%-16s %8s %10s %12s\n", "scanner", "reports", "offset_db",
	       "resid_sd_db");
	for (i = 0; i < site->site.n_scanners; i++)
		printf("%-16s %8zu %10.2f %12.2f%s\n",
		       site->scanners[i].id, per[i].count,
		       calibout_clean(per[i].offset_db, 0.01),
		       per[i].resid_sd_db,
		       per[i].count < o->fit.min_reports ?
		       "  (too few reports: offset 0)" : "");

	/* The fit holds for the geometry it was made with: the flags carry
	 * the tag height (and floor spacing) so that track-replay computes
	 * the same distances. */
	printf("\ntrack-replay flags:\n");
	printf("--tx-power %.1f --path-loss %.2f --tag-height %.2f",
	       calibout_clean(res->tx_power_dbm, 0.1),
	       calibout_clean(res->path_loss, 0.01),
	       calibout_clean(tag_height, 0.01));
	if (o->floor_height != SITECSV_FLOOR_HEIGHT_M)
		printf(" --floor-height %g", o->floor_height);
	printf("\n");

	printf("\nsite.json scanners (rssi_offset: dB the scanner reads above "
	       "the model):\n");
	printf("{ \"scanners\": [\n");
	for (i = 0; i < site->site.n_scanners; i++)
		printf("  { \"id\": \"%s\", \"path_loss\": %.2f, "
		       "\"rssi_offset\": %.2f }%s\n", site->scanners[i].id,
		       calibout_clean(res->path_loss, 0.01),
		       calibout_clean(per[i].offset_db, 0.01),
		       i + 1 < site->site.n_scanners ? "," : "");
	printf("] }\n");
}

/* Written to path.new, synced, then renamed so a crash leaves either the
 * old file or the new one. */
int
calibout_write_scanners(const char *in, const char *path,
                        const struct calibids *ids,
                        const struct calibrate_result *res,
                        const struct calibrate_scanner *per, char *err,
                        size_t errlen)
{
	csv_reader *r = NULL;
	char *tmp = NULL;
	FILE *f = NULL;
	int col_id, col_pl, col_off, rc, ncols, i;
	const char *sep;

	if (csv_open(in, &r, err, errlen) < 0)
		return -1;
	col_id = csv_column(r, "scanner_id");
	col_pl = csv_column(r, "path_loss");
	col_off = csv_column(r, "rssi_offset");
	ncols = (int)csv_columns(r);
	tmp = malloc(strlen(path) + sizeof ".new");
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	strcpy(tmp, path);
	strcat(tmp, ".new");
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	sep = "";
	for (i = 0; i < ncols; i++) {
		if (i == col_pl || i == col_off)
			continue;
		fprintf(f, "%s%s", sep, csv_column_name(r, i));
		sep = ",";
	}
	fprintf(f, "%spath_loss,rssi_offset\n", sep);
	while ((rc = csv_next(r)) == 1) {
		long s = calibids_get(ids, csv_field(r, col_id));

		if (s < 0) {
			snprintf(err, errlen, "%s:%lu: scanner changed while "
			         "calibrating", csv_path(r), csv_line(r));
			goto fail;
		}
		sep = "";
		for (i = 0; i < ncols; i++) {
			if (i == col_pl || i == col_off)
				continue;
			fprintf(f, "%s%s", sep, csv_field(r, i));
			sep = ",";
		}
		fprintf(f, "%s%.2f,%.2f\n", sep,
		        calibout_clean(res->path_loss, 0.01),
		        calibout_clean(per[s].offset_db, 0.01));
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", csv_error(r));
		goto fail;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	rc = fclose(f);
	f = NULL;
	if (rc != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", rc ? tmp : path,
		         strerror(errno));
		goto fail;
	}
	free(tmp);
	csv_close(r);
	return 0;
fail:
	if (f)
		fclose(f);
	if (tmp)
		unlink(tmp);
	free(tmp);
	csv_close(r);
	return -1;
}
