/* track-score: error of positions.csv files against truth.csv.
 *
 * Each position is compared with the truth sample of the same tag nearest
 * in time, if one lies within --tol seconds; the error is the horizontal
 * distance. Prints one table row per positions file; with a site file or
 * a moving column, a second table of room-level and stillness figures
 * follows (scorefig.h).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

#include "csv.h"
#include "scorefig.h"
#include "scoretruth.h"
#include "sitefile.h"

struct options {
	const char *truth;
	const char *site;
	double tol, window_s, speed_mps;
};

/* The moving column: 0 or 1. */
static int
moving_field(csv_reader *in, int col, int *out)
{
	long v;

	if (csv_int(in, col, &v) < 0)
		return -1;
	if (v != 0 && v != 1)
		return csv_fail(in, col, "expected 0 or 1, got %ld", v);
	*out = (int)v;
	return 0;
}

static int
push(double **v, size_t *n, size_t *cap, double e)
{
	if (*n == *cap) {
		size_t c2 = *cap ? 2 * *cap : 4096;
		double *p = realloc(*v, c2 * sizeof **v);

		if (!p)
			return -1;
		*v = p;
		*cap = c2;
	}
	(*v)[(*n)++] = e;
	return 0;
}

/* Print the error row of one positions file and fill *fig from it;
 * *has_moving: whether the file has a moving column. */
static int
score(const struct scoretruth *tr, const track_site_doc *doc,
      const char *label, const char *path, double tol,
      struct scorefig_result *fig, bool *has_moving)
{
	static const char *const cols[] = { "t", "tag_id", "x", "y" };
	char err[512];
	csv_reader *in;
	int idx[4], fcol, mcol, rc;
	double *errs = NULL, sq = 0.0;
	size_t n = 0, cap = 0, rows = 0, floor_ok = 0, floor_known = 0;
	struct scorefig f;

	if (scorefig_init(&f, tr, doc) < 0) {
		fprintf(stderr, "track-score: out of memory\n");
		return -1;
	}
	if (csv_open(path, &in, err, sizeof err) < 0) {
		fprintf(stderr, "track-score: %s\n", err);
		scorefig_free(&f);
		return -1;
	}
	if (csv_require(in, cols, idx, 4) < 0)
		goto fail;
	fcol = csv_column(in, "floor");
	mcol = csv_column(in, "moving");
	*has_moving = mcol >= 0;
	while ((rc = csv_next(in)) > 0) {
		const struct scoretruth_row *r;
		const char *tag;
		double t, x, y, e;
		int moving = -1;

		if (csv_double(in, idx[0], &t) < 0 ||
		    csv_id(in, idx[1], &tag) < 0 ||
		    csv_double(in, idx[2], &x) < 0 ||
		    csv_double(in, idx[3], &y) < 0 ||
		    (mcol >= 0 && moving_field(in, mcol, &moving) < 0))
			goto fail;
		rows++;
		r = scoretruth_nearest(tr, tag, t, tol);
		if (!r)
			continue;
		e = hypot(x - r->x, y - r->y);
		if (push(&errs, &n, &cap, e) < 0)
			goto oom;
		sq += e * e;
		if (fcol >= 0) {
			floor_known++;
			floor_ok += strcmp(csv_field(in, fcol), r->floor) == 0;
		}
		scorefig_add(&f, r, x, y, fcol >= 0 ? csv_field(in, fcol) : NULL,
		             moving);
	}
	if (rc < 0)
		goto fail;
	csv_close(in);
	if (scorefig_result(&f, fig) < 0) {
		in = NULL;
		goto oom;
	}
	scorefig_free(&f);
	if (n == 0) {
		printf("%-24s %8zu %8zu %8s %8s %8s %8s %7s\n", label, rows, n,
		       "-", "-", "-", "-", "-");
		free(errs);
		return 0;
	}
	scorefig_sort(errs, n);
	printf("%-24s %8zu %8zu %8.2f %8.2f %8.2f %8.2f %6.1f%%\n", label, rows,
	       n, scorefig_percentile(errs, n, 50),
	       scorefig_percentile(errs, n, 90),
	       scorefig_percentile(errs, n, 95), sqrt(sq / (double)n),
	       floor_known ? 100.0 * (double)floor_ok / (double)floor_known
	                   : NAN);
	free(errs);
	return 0;
oom:
	fprintf(stderr, "track-score: out of memory\n");
	goto out;
fail:
	fprintf(stderr, "track-score: %s\n", csv_error(in));
out:
	free(errs);
	csv_close(in);
	scorefig_free(&f);
	return -1;
}

/* A figure with prec decimals and unit in a column of width w: "-" when
 * unknown. */
static void
cell(double v, int w, int prec, const char *unit)
{
	char buf[32];

	if (isnan(v))
		snprintf(buf, sizeof buf, "-");
	else
		snprintf(buf, sizeof buf, "%.*f%s", prec, v, unit);
	printf(" %*s", w, buf);
}

static void
print_figures_header(void)
{
	printf("%-24s %7s %8s %7s %7s %8s %8s %8s %8s %7s %6s\n", "positions",
	       "room", "no-zone", "path-x", "tot-x", "est-m", "true-m",
	       "mov-prec", "mov-rec", "util-pp", "assets");
}

static void
print_figures(const char *label, const struct scorefig_result *g)
{
	printf("%-24s", label);
	cell(g->room_pct, 7, 1, "%");
	printf(" %8zu", g->room_nozone);
	cell(g->path_ratio, 7, 2, "");
	cell(g->path_true_m > 0 ? g->path_est_m / g->path_true_m : NAN, 7,
	     2, "");
	cell(g->path_est_m, 8, 0, "");
	cell(g->path_true_m, 8, 0, "");
	cell(g->moving_precision, 8, 1, "%");
	cell(g->moving_recall, 8, 1, "%");
	cell(g->util_pp, 7, 1, "");
	printf(" %6zu\n", g->util_tags);
}

static void
usage(FILE *f)
{
	fputs("usage: track-score --truth truth.csv [--tol s] [--site site.json]\n"
	      "                   [--moving-speed m/s] [--speed-window s]\n"
	      "                   [LABEL=]positions.csv...\n"
	      "\n"
	      "Prints, per positions file, the horizontal error (m) against\n"
	      "the truth sample of the same tag nearest in time (within --tol,\n"
	      "default 1 s): median, p90, p95, RMSE and floor accuracy.\n"
	      "\n"
	      "With --site, or a positions file with a moving column, a second\n"
	      "table follows, over the same matched positions:\n"
	      "  room     (needs --site) the share whose zone (the first zone\n"
	      "           of the site file, on the position's floor, that\n"
	      "           contains it) is the zone of the truth; positions\n"
	      "           whose truth is in no zone are left out and counted\n"
	      "           in no-zone\n"
	      "  path-x   the median over tags of estimated / true path\n"
	      "           length between the tag's first and last matched\n"
	      "           times (tags whose true path is under 1 m left out)\n"
	      "  tot-x    the same over all tags, est-m / true-m (metres)\n"
	      "  mov-prec, mov-rec\n"
	      "           (needs a moving column: track-replay --moving)\n"
	      "           precision and recall of the engine's moving flag\n"
	      "           against the truth, moving where its mean speed over\n"
	      "           --speed-window (default 2 s, centred on its time) is\n"
	      "           above --moving-speed (default 0.2 m/s: below any\n"
	      "           walking pace, so that only standing counts as still)\n"
	      "  util-pp  the median over assets (tags the site calls assets;\n"
	      "           without --site, every tag) of |engine - truth| share\n"
	      "           of positions moving, in percentage points (positions\n"
	      "           come at a fixed interval: a share of time); assets\n"
	      "           counts them\n"
	      "'-': not measurable.\n",
	      f);
}

static int
parse_positive(const char *opt, const char *unit, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0.0) || !isfinite(v)) {
		fprintf(stderr, "track-score: --%s: expected %s > 0, got '%s'\n",
		        opt, unit, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "tol", required_argument, NULL, 'T' },
		{ "site", required_argument, NULL, 's' },
		{ "moving-speed", required_argument, NULL, 'm' },
		{ "speed-window", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->tol = 1.0;
	o->window_s = 2.0;
	o->speed_mps = 0.2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->truth = optarg;
			break;
		case 's':
			o->site = optarg;
			break;
		case 'T':
			if (parse_positive("tol", "seconds", optarg, &o->tol) < 0)
				return 2;
			break;
		case 'm':
			if (parse_positive("moving-speed", "m/s", optarg,
			                   &o->speed_mps) < 0)
				return 2;
			break;
		case 'w':
			if (parse_positive("speed-window", "seconds", optarg,
			                   &o->window_s) < 0)
				return 2;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o->truth || optind >= argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* LABEL=path: the label into label (64 bytes), returns the path; an
 * argument without a short enough label is its own label. */
static const char *
split_arg(const char *arg, char *label)
{
	const char *eq = strchr(arg, '=');

	if (eq && eq - arg < 64) {
		memcpy(label, arg, (size_t)(eq - arg));
		label[eq - arg] = '\0';
		return eq + 1;
	}
	snprintf(label, 64, "%s", arg);
	return arg;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct scoretruth tr = { 0 };
	track_site_doc *doc = NULL;
	struct scorefig_result *figs;
	bool *ok, figures;
	int status = 0, nf, rc;

	if ((rc = parse_options(argc, argv, &o)) != 0)
		return rc;
	nf = argc - optind;
	figures = o.site != NULL;
	figs = calloc((size_t)nf, sizeof *figs);
	ok = calloc((size_t)nf, sizeof *ok);
	if (!figs || !ok) {
		fprintf(stderr, "track-score: out of memory\n");
		status = 1;
		goto out;
	}
	if ((o.site && sitefile_load("track-score", o.site, &doc) < 0) ||
	    scoretruth_load(o.truth, &tr) < 0) {
		status = 1;
		goto out;
	}
	scoretruth_motion(&tr, o.window_s, o.speed_mps);
	if (doc)
		scoretruth_site(&tr, doc);
	printf("%-24s %8s %8s %8s %8s %8s %8s %7s\n", "positions", "rows",
	       "matched", "median", "p90", "p95", "rmse", "floor");
	for (int a = 0; a < nf; a++) {
		char label[64];
		const char *path = split_arg(argv[optind + a], label);

		bool has_moving = false;

		ok[a] = score(&tr, doc, label, path, o.tol, &figs[a],
		              &has_moving) == 0;
		if (!ok[a])
			status = 1;
		figures = figures || has_moving;
	}
	/* Scripts read the first table by label: a run that asks for none
	 * of the new figures prints it alone, as it always did. */
	if (!figures)
		goto out;
	printf("\n");
	print_figures_header();
	for (int a = 0; a < nf; a++) {
		char label[64];

		if (!ok[a])
			continue;
		split_arg(argv[optind + a], label);
		print_figures(label, &figs[a]);
	}
out:
	free(figs);
	free(ok);
	scoretruth_free(&tr);
	track_site_free(doc);
	return status;
}
