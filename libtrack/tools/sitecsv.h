/* sitecsv: a track_site from a scanners.csv (DESIGN.md, "CSV files").
 *
 * Required columns: scanner_id,x,y,z,floor. Optional: path_loss (0 to 10)
 * and rssi_offset (per-scanner calibration written by track-calibrate; an
 * empty field or 0 means the config default). Scanner z is absolute.
 *
 * Each distinct floor value becomes one track_floor, in first-seen order,
 * with the floor column's text as its id, z = level * floor_height_m where
 * level is the floor value when it is an integer and its first-seen index
 * otherwise, and width = height = 0 (the engine bounds positions by the box
 * around the floor's scanners).
 */
#ifndef TRACK_TOOLS_SITECSV_H
#define TRACK_TOOLS_SITECSV_H

#include <stddef.h>

#include "track/track.h"

/* Floor spacing when a tool is not told one (track-replay, track-calibrate). */
#define SITECSV_FLOOR_HEIGHT_M 4.0

struct sitecsv {
	track_site site;          /* points into the arrays below */
	track_floor *floors;
	track_scanner *scanners;
	size_t *scanner_floor;    /* index into floors, per scanner */
	unsigned long *scanner_line; /* line of each scanner in the file */
	char (*floor_ids)[TRACK_ID_MAX];
	char (*scanner_ids)[TRACK_ID_MAX];
};

/* Load path ("-" = stdin) into *out, which the caller frees with
 * sitecsv_free(). Returns 0, or -1 with a message naming the file and line
 * in err (duplicate scanner id, a bad number, no scanners, ...); *out is
 * then zeroed and needs no free. */
int sitecsv_load(const char *path, double floor_height_m, struct sitecsv *out,
                 char *err, size_t errlen);

/* Free what sitecsv_load() allocated and zero *s. NULL: no-op. */
void sitecsv_free(struct sitecsv *s);

/* The index of scanner id in s->scanners, or -1. Linear: for lookups at
 * load time, not per report. */
long sitecsv_find_scanner(const struct sitecsv *s, const char *id);

/* The index of floor id in s->floors, or -1. */
long sitecsv_find_floor(const struct sitecsv *s, const char *id);

#endif /* TRACK_TOOLS_SITECSV_H */
