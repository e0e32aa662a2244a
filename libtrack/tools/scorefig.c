#include "scorefig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scorefig_tag {
	double est_m;           /* estimated path so far */
	double last_x, last_y;  /* the previous matched position */
	size_t first_row, last_row;
	bool seen;
	size_t n_moving_known, n_engine_moving, n_truth_moving;
};

static int
cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

void
scorefig_sort(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
}

double
scorefig_percentile(const double *v, size_t n, double p)
{
	double k = (double)(n - 1) * p / 100.0;
	size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : n - 1;

	return v[lo] + (v[hi] - v[lo]) * (k - (double)lo);
}

int
scorefig_init(struct scorefig *f, const struct scoretruth *tr,
              const track_site_doc *doc)
{
	memset(f, 0, sizeof *f);
	f->tr = tr;
	f->doc = doc;
	f->tags = calloc(tr->n_tags ? tr->n_tags : 1, sizeof *f->tags);
	return f->tags ? 0 : -1;
}

void
scorefig_free(struct scorefig *f)
{
	free(f->tags);
	f->tags = NULL;
}

void
scorefig_add(struct scorefig *f, const struct scoretruth_row *r, double x,
             double y, const char *floor, int moving)
{
	struct scorefig_tag *g = &f->tags[r->tag];
	size_t row = (size_t)(r - f->tr->rows);

	if (f->doc && floor) {
		if (r->zone < 0) {
			f->room_nozone++;
		} else {
			f->room_n++;
			f->room_ok += scoretruth_zone_at(f->doc, floor, x, y) ==
			              r->zone;
		}
	}
	/* The path between consecutive matched positions, as a map would
	 * draw it: a jump across a gap in hearing counts in full. */
	if (g->seen) {
		g->est_m += hypot(x - g->last_x, y - g->last_y);
	} else {
		g->first_row = row;
		g->seen = true;
	}
	g->last_row = row;
	g->last_x = x;
	g->last_y = y;
	if (moving >= 0) {
		g->n_moving_known++;
		g->n_engine_moving += moving == 1;
		g->n_truth_moving += r->moving;
		if (moving && r->moving)
			f->tp++;
		else if (moving)
			f->fp++;
		else if (r->moving)
			f->fn++;
		else
			f->tn++;
	}
}

static double
pct(size_t num, size_t den)
{
	return den ? 100.0 * (double)num / (double)den : NAN;
}

static bool
knows_kinds(const struct scoretruth *tr)
{
	for (size_t g = 0; g < tr->n_tags; g++)
		if (tr->tags[g].kind != TRACK_TAG_UNKNOWN)
			return true;
	return false;
}

int
scorefig_result(const struct scorefig *f, struct scorefig_result *out)
{
	const struct scoretruth *tr = f->tr;
	double *ratio = malloc((tr->n_tags ? tr->n_tags : 1) * sizeof *ratio);
	double *util = malloc((tr->n_tags ? tr->n_tags : 1) * sizeof *util);
	bool kinds = knows_kinds(tr);

	if (!ratio || !util) {
		free(ratio);
		free(util);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->room_pct = f->doc ? pct(f->room_ok, f->room_n) : NAN;
	out->room_n = f->room_n;
	out->room_nozone = f->room_nozone;
	out->moving_precision = pct(f->tp, f->tp + f->fp);
	out->moving_recall = pct(f->tp, f->tp + f->fn);
	for (size_t k = 0; k < tr->n_tags; k++) {
		const struct scorefig_tag *g = &f->tags[k];
		double true_m;

		if (!g->seen)
			continue;
		true_m = tr->rows[g->last_row].path_m -
		         tr->rows[g->first_row].path_m;
		out->path_est_m += g->est_m;
		out->path_true_m += true_m;
		if (true_m >= SCOREFIG_PATH_MIN_M)
			ratio[out->path_tags++] = g->est_m / true_m;
		if (g->n_moving_known > 0 &&
		    (!kinds || tr->tags[k].kind == TRACK_TAG_ASSET))
			util[out->util_tags++] =
				fabs(pct(g->n_engine_moving, g->n_moving_known) -
				     pct(g->n_truth_moving, g->n_moving_known));
	}
	scorefig_sort(ratio, out->path_tags);
	scorefig_sort(util, out->util_tags);
	out->path_ratio = out->path_tags ?
	        scorefig_percentile(ratio, out->path_tags, 50) : NAN;
	out->util_pp = out->util_tags ?
	        scorefig_percentile(util, out->util_tags, 50) : NAN;
	free(ratio);
	free(util);
	return 0;
}
