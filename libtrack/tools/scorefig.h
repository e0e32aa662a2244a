/* scorefig: the room-level and stillness figures of one positions file
 * against the truth: zone right, path length, the moving flag and asset
 * utilization. Positions are added one at a time, each with the truth
 * sample it was matched to, in file order (time order per tag). */
#ifndef TRACK_TOOLS_SCOREFIG_H
#define TRACK_TOOLS_SCOREFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "scoretruth.h"

/* A true path shorter than this (m) gives no meaningful ratio: such tags
 * (assets that stood still) count in the totals only. */
#define SCOREFIG_PATH_MIN_M 1.0

struct scorefig_tag;

struct scorefig {
	const struct scoretruth *tr;
	const track_site_doc *doc;  /* NULL: no zone figures */
	struct scorefig_tag *tags;  /* one per truth tag */
	size_t room_ok, room_n, room_nozone;
	size_t tp, fp, fn, tn;      /* moving flag against the truth */
};

struct scorefig_result {
	double room_pct;      /* NaN: no site, or no truth in a zone */
	size_t room_n;        /* positions with truth in a zone */
	size_t room_nozone;   /* positions with truth in no zone, left out */
	double path_ratio;    /* median per tag of estimated / true; NaN */
	size_t path_tags;     /* tags in that median */
	double path_est_m, path_true_m;  /* over every tag */
	double moving_precision, moving_recall;  /* %, NaN: unknown */
	double util_pp;       /* median |engine - truth| moving share, pp */
	size_t util_tags;     /* tags in that median */
};

/* Start figures for one positions file; doc may be NULL. Returns 0, or
 * -1 when out of memory. */
int scorefig_init(struct scorefig *f, const struct scoretruth *tr,
                  const track_site_doc *doc);

void scorefig_free(struct scorefig *f);

/* One position matched to truth sample r. floor: NULL when the file has
 * none; moving: 0 or 1, -1 when the file has no moving column. */
void scorefig_add(struct scorefig *f, const struct scoretruth_row *r,
                  double x, double y, const char *floor, int moving);

/* The figures so far. Utilization counts tags of kind asset when the
 * truth knows kinds (scoretruth_site()), else every tag. Returns 0, or
 * -1 when out of memory. */
int scorefig_result(const struct scorefig *f, struct scorefig_result *out);

/* The p-th percentile (0..100) of n > 0 sorted values, interpolated. */
double scorefig_percentile(const double *sorted, size_t n, double p);

/* Sort n doubles in place, ascending. */
void scorefig_sort(double *v, size_t n);

#endif
