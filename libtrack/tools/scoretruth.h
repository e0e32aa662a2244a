/* scoretruth: truth.csv as track-score needs it: sorted by (tag, time),
 * each sample with the true path length up to it, whether the tag was
 * moving there and, given a site file, the zone it was in. */
#ifndef TRACK_TOOLS_SCORETRUTH_H
#define TRACK_TOOLS_SCORETRUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "track/site.h"

struct scoretruth_row {
	char tag_id[TRACK_ID_MAX];
	char floor[TRACK_ID_MAX];
	double t, x, y;
	double path_m;  /* true horizontal path from the tag's first sample */
	size_t tag;     /* index into scoretruth.tags */
	int zone;       /* index into the site's zones; -1: none, or no site */
	bool moving;    /* see scoretruth_motion() */
};

struct scoretruth_tag {
	const char *id;       /* points into its first row */
	size_t first, n;      /* its rows */
	track_tag_kind kind;  /* TRACK_TAG_UNKNOWN unless a site says */
};

struct scoretruth {
	struct scoretruth_row *rows;
	size_t n, cap;
	struct scoretruth_tag *tags;
	size_t n_tags;
};

/* Read path into *tr (zeroed by the caller) and index it. Returns 0, or
 * -1 after printing why on stderr. Free with scoretruth_free(). */
int scoretruth_load(const char *path, struct scoretruth *tr);

void scoretruth_free(struct scoretruth *tr);

/* Mark each sample moving when the tag's mean speed along its true path,
 * over the shortest run of its samples that covers [t - window_s / 2,
 * t + window_s / 2] (cut at its first and last sample), is above
 * speed_mps. */
void scoretruth_motion(struct scoretruth *tr, double window_s,
                       double speed_mps);

/* Each sample's zone and each tag's kind from the site doc. */
void scoretruth_site(struct scoretruth *tr, const track_site_doc *doc);

/* The first zone of doc in file order on floor that contains (x, y), as
 * the engine picks it, or -1. */
int scoretruth_zone_at(const track_site_doc *doc, const char *floor,
                       double x, double y);

/* The sample of tag nearest to t, or NULL if none lies within tol s. */
const struct scoretruth_row *scoretruth_nearest(const struct scoretruth *tr,
                                                const char *tag, double t,
                                                double tol);

#endif
