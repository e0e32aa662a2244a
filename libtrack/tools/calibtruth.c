#include "calibtruth.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static int
calibtruth_row_cmp(const void *a, const void *b)
{
	const struct calibtruth_row *ra = a, *rb = b;

	if (ra->tag != rb->tag)
		return ra->tag < rb->tag ? -1 : 1;
	if (ra->t != rb->t)
		return ra->t < rb->t ? -1 : 1;
	return (ra->seq > rb->seq) - (ra->seq < rb->seq);
}

void
calibtruth_free(struct calibtruth *tr)
{
	calibids_free(&tr->tags);
	free(tr->rows);
	free(tr->start);
	memset(tr, 0, sizeof *tr);
}

int
calibtruth_load(const char *path, const struct sitecsv *site,
                double tag_height, struct calibtruth *tr, char *err,
                size_t errlen)
{
	static const char *const names[] = {
		"t", "tag_id", "x", "y", "z", "floor",
	};
	csv_reader *r = NULL;
	int col[6], rc;
	size_t i;

	memset(tr, 0, sizeof *tr);
	if (csv_open(path, &r, err, errlen) < 0)
		return -1;
	if (csv_require(r, names, col, 6) < 0)
		goto bad;
	while ((rc = csv_next(r)) == 1) {
		struct calibtruth_row *row;
		const char *tag, *floor;
		long tag_i, fl;

		if (tr->n == tr->cap) {
			size_t cap = tr->cap ? tr->cap * 2 : 1024;
			struct calibtruth_row *rows =
				realloc(tr->rows, cap * sizeof *rows);

			if (!rows)
				goto nomem;
			tr->rows = rows;
			tr->cap = cap;
		}
		row = &tr->rows[tr->n];
		if (csv_double(r, col[0], &row->t) < 0 ||
		    csv_id(r, col[1], &tag) < 0 ||
		    csv_double(r, col[2], &row->x) < 0 ||
		    csv_double(r, col[3], &row->y) < 0 ||
		    csv_double(r, col[4], &row->z) < 0 ||
		    csv_id(r, col[5], &floor) < 0)
			goto bad;
		tag_i = calibids_intern(&tr->tags, tag);
		if (tag_i < 0)
			goto nomem;
		fl = sitecsv_find_floor(site, floor);
		row->tag = (size_t)tag_i;
		row->floor = fl < 0 ? SIZE_MAX : (size_t)fl;
		row->seq = tr->n;
		if (fl >= 0 && !isnan(tag_height))
			row->z = site->floors[fl].z + tag_height;
		tr->n++;
	}
	if (rc < 0)
		goto bad;
	if (tr->n == 0) {
		snprintf(err, errlen, "%s: no truth rows", csv_path(r));
		goto fail;
	}
	qsort(tr->rows, tr->n, sizeof *tr->rows, calibtruth_row_cmp);
	tr->start = calloc(tr->tags.n + 1, sizeof *tr->start);
	if (!tr->start)
		goto nomem;
	for (i = 0; i < tr->n; i++)
		tr->start[tr->rows[i].tag + 1]++;
	for (i = 0; i < tr->tags.n; i++)
		tr->start[i + 1] += tr->start[i];
	csv_close(r);
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", csv_path(r));
	goto fail;
bad:
	snprintf(err, errlen, "%s", csv_error(r));
fail:
	csv_close(r);
	calibtruth_free(tr);
	return -1;
}

bool
calibtruth_at(const struct calibtruth *tr, size_t tag, double t,
              struct calibtruth_pos *out)
{
	const struct calibtruth_row *row = tr->rows + tr->start[tag];
	size_t n = tr->start[tag + 1] - tr->start[tag];
	size_t lo = 0, hi = n;
	const struct calibtruth_row *a, *b, *near;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (row[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	a = lo > 0 ? &row[lo - 1] : NULL;
	b = lo < n ? &row[lo] : NULL;
	if (a && b && b->t - a->t <= CALIBTRUTH_INTERP_MAX_S) {
		double w = (t - a->t) / (b->t - a->t);

		out->x = a->x + w * (b->x - a->x);
		out->y = a->y + w * (b->y - a->y);
		out->z = a->z + w * (b->z - a->z);
		out->floor = w <= 0.5 ? a->floor : b->floor;
		return true;
	}
	if (!a || (b && b->t - t < t - a->t))
		near = b;
	else
		near = a;
	if (!near || fabs(near->t - t) > CALIBTRUTH_NEAREST_MAX_S)
		return false;
	out->x = near->x;
	out->y = near->y;
	out->z = near->z;
	out->floor = near->floor;
	return true;
}
