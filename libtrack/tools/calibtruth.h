/* calibtruth: truth.csv (t,tag_id,x,y,z,floor) as track-calibrate needs
 * it: every row in memory, sorted by tag then time, so that where a tag
 * was at a report's time is a binary search away. */
#ifndef TRACK_TOOLS_CALIBTRUTH_H
#define TRACK_TOOLS_CALIBTRUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "calibids.h"
#include "sitecsv.h"

/* Truth samples further apart than this are not interpolated between... */
#define CALIBTRUTH_INTERP_MAX_S 2.0
/* ...and then a report needs a sample at most this far away in time. */
#define CALIBTRUTH_NEAREST_MAX_S 1.0

struct calibtruth_row {
	double t, x, y, z;
	size_t tag;
	size_t floor; /* site floor index, SIZE_MAX when not a site floor */
	size_t seq;   /* file order, to sort stably */
};

struct calibtruth {
	struct calibids tags;
	struct calibtruth_row *rows;
	size_t n, cap;
	size_t *start; /* rows of tag i: [start[i], start[i + 1]) */
};

struct calibtruth_pos {
	double x, y, z;
	size_t floor;
};

/* Load path into *tr, which the caller frees with calibtruth_free(). Rows
 * on a floor of site get z = that floor's z + tag_height, unless
 * tag_height is NaN (keep the truth's z). Returns 0, or -1 with a message
 * naming the file and line in err; *tr is then zeroed and needs no free. */
int calibtruth_load(const char *path, const struct sitecsv *site,
                    double tag_height, struct calibtruth *tr, char *err,
                    size_t errlen);

/* Free what calibtruth_load() allocated and zero *tr. */
void calibtruth_free(struct calibtruth *tr);

/* Where tag (an index into tr->tags) was at time t: interpolated between
 * the samples around t when they are close enough in time, else the
 * nearest sample if close enough. false: no sample close enough. */
bool calibtruth_at(const struct calibtruth *tr, size_t tag, double t,
                   struct calibtruth_pos *out);

#endif /* TRACK_TOOLS_CALIBTRUTH_H */
