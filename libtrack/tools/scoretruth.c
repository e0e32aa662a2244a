#include "scoretruth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static int
cmp_row(const void *a, const void *b)
{
	const struct scoretruth_row *p = a, *q = b;
	int c = strcmp(p->tag_id, q->tag_id);

	if (c)
		return c;
	return (p->t > q->t) - (p->t < q->t);
}

static int
grow(struct scoretruth *tr)
{
	size_t cap = tr->cap ? 2 * tr->cap : 4096;
	void *p = realloc(tr->rows, cap * sizeof *tr->rows);

	if (!p)
		return -1;
	tr->rows = p;
	tr->cap = cap;
	return 0;
}

/* After sorting: the tag table, and each row's path from the tag's
 * first sample. */
static int
index_tags(struct scoretruth *tr)
{
	size_t n = 0;

	for (size_t k = 0; k < tr->n; k++)
		n += k == 0 || strcmp(tr->rows[k].tag_id,
		                      tr->rows[k - 1].tag_id) != 0;
	tr->tags = calloc(n ? n : 1, sizeof *tr->tags);
	if (!tr->tags)
		return -1;
	for (size_t k = 0; k < tr->n; k++) {
		struct scoretruth_row *r = &tr->rows[k];
		struct scoretruth_tag *g;

		if (k == 0 || strcmp(r->tag_id, r[-1].tag_id) != 0) {
			g = &tr->tags[tr->n_tags++];
			g->id = r->tag_id;
			g->first = k;
			g->kind = TRACK_TAG_UNKNOWN;
			r->path_m = 0.0;
		} else {
			g = &tr->tags[tr->n_tags - 1];
			r->path_m = r[-1].path_m +
			            hypot(r->x - r[-1].x, r->y - r[-1].y);
		}
		g->n++;
		r->tag = tr->n_tags - 1;
		r->zone = -1;
	}
	return 0;
}

int
scoretruth_load(const char *path, struct scoretruth *tr)
{
	static const char *const cols[] = { "t", "tag_id", "x", "y",
		                            "floor" };
	char err[512];
	csv_reader *in;
	int idx[5], rc;

	if (csv_open(path, &in, err, sizeof err) < 0) {
		fprintf(stderr, "track-score: %s\n", err);
		return -1;
	}
	if (csv_require(in, cols, idx, 5) < 0)
		goto fail;
	while ((rc = csv_next(in)) > 0) {
		struct scoretruth_row *r;
		const char *tag, *floor;

		if (tr->n == tr->cap && grow(tr) < 0)
			goto oom;
		r = &tr->rows[tr->n];
		memset(r, 0, sizeof *r);
		if (csv_double(in, idx[0], &r->t) < 0 ||
		    csv_id(in, idx[1], &tag) < 0 ||
		    csv_double(in, idx[2], &r->x) < 0 ||
		    csv_double(in, idx[3], &r->y) < 0 ||
		    csv_id(in, idx[4], &floor) < 0)
			goto fail;
		strcpy(r->tag_id, tag);
		strcpy(r->floor, floor);
		tr->n++;
	}
	if (rc < 0)
		goto fail;
	csv_close(in);
	qsort(tr->rows, tr->n, sizeof *tr->rows, cmp_row);
	if (index_tags(tr) < 0) {
		fprintf(stderr, "track-score: out of memory\n");
		return -1;
	}
	return 0;
oom:
	fprintf(stderr, "track-score: out of memory\n");
	csv_close(in);
	return -1;
fail:
	fprintf(stderr, "track-score: %s\n", csv_error(in));
	csv_close(in);
	return -1;
}

void
scoretruth_free(struct scoretruth *tr)
{
	free(tr->rows);
	free(tr->tags);
	memset(tr, 0, sizeof *tr);
}

void
scoretruth_motion(struct scoretruth *tr, double window_s, double speed_mps)
{
	for (size_t g = 0; g < tr->n_tags; g++) {
		struct scoretruth_row *r = tr->rows + tr->tags[g].first;
		size_t n = tr->tags[g].n, a = 0, b = 0;

		/* a: the last sample at or before t - w/2 (or the first),
		 * b: the first at or after t + w/2 (or the last); both only
		 * move forward as k does. */
		for (size_t k = 0; k < n; k++) {
			double span;

			while (a + 1 < n && r[a + 1].t <= r[k].t - window_s / 2)
				a++;
			if (b < k)
				b = k;
			while (b + 1 < n && r[b].t < r[k].t + window_s / 2)
				b++;
			span = r[b].t - r[a].t;
			r[k].moving = span > 0.0 &&
			              (r[b].path_m - r[a].path_m) / span >
			                      speed_mps;
		}
	}
}

int
scoretruth_zone_at(const track_site_doc *doc, const char *floor, double x,
                   double y)
{
	const track_site_zone *z;
	size_t nz = track_site_zones(doc, &z);

	for (size_t k = 0; k < nz; k++)
		if (strcmp(z[k].floor, floor) == 0 &&
		    track_polygon_contains(z[k].polygon, z[k].n_points, x, y))
			return (int)k;
	return -1;
}

static int
cmp_tag_ptr(const void *a, const void *b)
{
	const track_site_tag *p = *(const track_site_tag *const *)a;
	const track_site_tag *q = *(const track_site_tag *const *)b;

	return strcmp(p->id, q->id);
}

void
scoretruth_site(struct scoretruth *tr, const track_site_doc *doc)
{
	const track_site_tag *tags;
	size_t nt = track_site_tags(doc, &tags);
	const track_site_tag **by_id = malloc((nt ? nt : 1) * sizeof *by_id);

	for (size_t k = 0; k < tr->n; k++)
		tr->rows[k].zone = scoretruth_zone_at(doc, tr->rows[k].floor,
		                                      tr->rows[k].x,
		                                      tr->rows[k].y);
	/* Without memory for the index the kinds stay unknown: the
	 * figures that need them say so by counting no tags. */
	if (!by_id)
		return;
	for (size_t k = 0; k < nt; k++)
		by_id[k] = &tags[k];
	qsort(by_id, nt, sizeof *by_id, cmp_tag_ptr);
	for (size_t g = 0; g < tr->n_tags; g++) {
		track_site_tag key = { .id = tr->tags[g].id };
		const track_site_tag *kp = &key, **hit;

		hit = bsearch(&kp, by_id, nt, sizeof *by_id, cmp_tag_ptr);
		if (hit)
			tr->tags[g].kind = (*hit)->kind;
	}
	free(by_id);
}

const struct scoretruth_row *
scoretruth_nearest(const struct scoretruth *tr, const char *tag, double t,
                   double tol)
{
	size_t lo = 0, hi = tr->n;
	const struct scoretruth_row *best = NULL;

	/* First row with (tag, time) >= (tag, t). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tr->rows[mid].tag_id, tag);

		if (c < 0 || (c == 0 && tr->rows[mid].t < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo > 0 ? lo - 1 : 0; k <= lo && k < tr->n; k++) {
		const struct scoretruth_row *r = &tr->rows[k];

		if (strcmp(r->tag_id, tag) != 0 || fabs(r->t - t) > tol)
			continue;
		if (!best || fabs(r->t - t) < fabs(best->t - t))
			best = r;
	}
	return best;
}
