/* track-score: error of positions.csv files against truth.csv.
 *
 * Each position is compared with the truth sample of the same tag nearest
 * in time, if one lies within --tol seconds; the error is the horizontal
 * distance. Prints one table row per positions file.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

#include "csv.h"

struct truth_row {
	char tag[TRACK_ID_MAX];
	double t, x, y;
	char floor[TRACK_ID_MAX];
};

struct truth {
	struct truth_row *rows;
	size_t n, cap;
};

static int
cmp_truth(const void *a, const void *b)
{
	const struct truth_row *p = a, *q = b;
	int c = strcmp(p->tag, q->tag);

	if (c)
		return c;
	return (p->t > q->t) - (p->t < q->t);
}

static int
cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

static int
load_truth(const char *path, struct truth *tr)
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
		struct truth_row *r;
		const char *tag, *floor;

		if (tr->n == tr->cap) {
			size_t cap = tr->cap ? 2 * tr->cap : 4096;
			void *p = realloc(tr->rows, cap * sizeof *tr->rows);

			if (!p) {
				fprintf(stderr, "track-score: out of memory\n");
				csv_close(in);
				return -1;
			}
			tr->rows = p;
			tr->cap = cap;
		}
		r = &tr->rows[tr->n];
		if (csv_double(in, idx[0], &r->t) < 0 ||
		    csv_id(in, idx[1], &tag) < 0 ||
		    csv_double(in, idx[2], &r->x) < 0 ||
		    csv_double(in, idx[3], &r->y) < 0 ||
		    csv_id(in, idx[4], &floor) < 0)
			goto fail;
		strcpy(r->tag, tag);
		strcpy(r->floor, floor);
		tr->n++;
	}
	if (rc < 0)
		goto fail;
	csv_close(in);
	qsort(tr->rows, tr->n, sizeof *tr->rows, cmp_truth);
	return 0;
fail:
	fprintf(stderr, "track-score: %s\n", csv_error(in));
	csv_close(in);
	return -1;
}

/* The truth row of tag nearest to t, or NULL if none within tol. */
static const struct truth_row *
nearest(const struct truth *tr, const char *tag, double t, double tol)
{
	size_t lo = 0, hi = tr->n;
	const struct truth_row *best = NULL;

	/* First row with (tag, time) >= (tag, t). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tr->rows[mid].tag, tag);

		if (c < 0 || (c == 0 && tr->rows[mid].t < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo > 0 ? lo - 1 : 0; k <= lo && k < tr->n; k++) {
		const struct truth_row *r = &tr->rows[k];

		if (strcmp(r->tag, tag) != 0 || fabs(r->t - t) > tol)
			continue;
		if (!best || fabs(r->t - t) < fabs(best->t - t))
			best = r;
	}
	return best;
}

static double
percentile(const double *v, size_t n, double p)
{
	double k = (double)(n - 1) * p / 100.0;
	size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : n - 1;

	return v[lo] + (v[hi] - v[lo]) * (k - (double)lo);
}

static int
score(const struct truth *tr, const char *label, const char *path, double tol)
{
	static const char *const cols[] = { "t", "tag_id", "x", "y" };
	char err[512];
	csv_reader *in;
	int idx[4], fcol, rc;
	double *errs = NULL, sq = 0.0;
	size_t n = 0, cap = 0, rows = 0, floor_ok = 0, floor_known = 0;

	if (csv_open(path, &in, err, sizeof err) < 0) {
		fprintf(stderr, "track-score: %s\n", err);
		return -1;
	}
	if (csv_require(in, cols, idx, 4) < 0)
		goto fail;
	fcol = csv_column(in, "floor");
	while ((rc = csv_next(in)) > 0) {
		const struct truth_row *r;
		const char *tag;
		double t, x, y, e;

		if (csv_double(in, idx[0], &t) < 0 ||
		    csv_id(in, idx[1], &tag) < 0 ||
		    csv_double(in, idx[2], &x) < 0 ||
		    csv_double(in, idx[3], &y) < 0)
			goto fail;
		rows++;
		r = nearest(tr, tag, t, tol);
		if (!r)
			continue;
		if (n == cap) {
			size_t c2 = cap ? 2 * cap : 4096;
			double *p = realloc(errs, c2 * sizeof *errs);

			if (!p) {
				fprintf(stderr, "track-score: out of memory\n");
				free(errs);
				csv_close(in);
				return -1;
			}
			errs = p;
			cap = c2;
		}
		e = hypot(x - r->x, y - r->y);
		errs[n++] = e;
		sq += e * e;
		if (fcol >= 0) {
			floor_known++;
			floor_ok += strcmp(csv_field(in, fcol), r->floor) == 0;
		}
	}
	if (rc < 0)
		goto fail;
	csv_close(in);
	if (n == 0) {
		printf("%-24s %8zu %8zu %8s %8s %8s %8s %7s\n", label, rows, n,
		       "-", "-", "-", "-", "-");
		free(errs);
		return 0;
	}
	qsort(errs, n, sizeof *errs, cmp_double);
	printf("%-24s %8zu %8zu %8.2f %8.2f %8.2f %8.2f %6.1f%%\n", label, rows,
	       n, percentile(errs, n, 50), percentile(errs, n, 90),
	       percentile(errs, n, 95), sqrt(sq / (double)n),
	       floor_known ? 100.0 * (double)floor_ok / (double)floor_known
	                   : NAN);
	free(errs);
	return 0;
fail:
	fprintf(stderr, "track-score: %s\n", csv_error(in));
	free(errs);
	csv_close(in);
	return -1;
}

static void
usage(FILE *f)
{
	fputs("usage: track-score --truth truth.csv [--tol s] "
	      "[LABEL=]positions.csv...\n"
	      "\n"
	      "Prints, per positions file, the horizontal error (m) against\n"
	      "the truth sample of the same tag nearest in time (within --tol,\n"
	      "default 1 s): median, p90, p95, RMSE and floor accuracy.\n",
	      f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "tol", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct truth tr = { 0 };
	const char *truth = NULL;
	double tol = 1.0;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 't':
			truth = optarg;
			break;
		case 'T':
			errno = 0;
			tol = strtod(optarg, &end);
			if (errno || *end || !(tol > 0.0) || !isfinite(tol)) {
				fprintf(stderr, "track-score: --tol: expected "
				                "seconds > 0, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!truth || optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (load_truth(truth, &tr) < 0)
		return 1;
	printf("%-24s %8s %8s %8s %8s %8s %8s %7s\n", "positions", "rows",
	       "matched", "median", "p90", "p95", "rmse", "floor");
	for (int a = optind; a < argc; a++) {
		const char *eq = strchr(argv[a], '=');
		char label[64];
		const char *path = argv[a];

		if (eq && (size_t)(eq - argv[a]) < sizeof label) {
			memcpy(label, argv[a], (size_t)(eq - argv[a]));
			label[eq - argv[a]] = '\0';
			path = eq + 1;
		} else {
			snprintf(label, sizeof label, "%s", argv[a]);
		}
		if (score(&tr, label, path, tol) < 0)
			status = 1;
	}
	free(tr.rows);
	return status;
}
