/* track-calibrate: fit P1m, n and per-scanner RSSI offsets from a labelled
 * walk (reports.csv + truth.csv) and print the flags and site values that
 * track-replay and trackd take. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "calibrate.h"
#include "csv.h"
#include "sitecsv.h"
#include "track/track.h"

/* Truth samples further apart than this are not interpolated between... */
#define TRUTH_INTERP_MAX_S 2.0
/* ...and then a report needs a sample at most this far away in time. */
#define TRUTH_NEAREST_MAX_S 1.0
/* Closer than this the far-field model means nothing; clamp. */
#define DISTANCE_MIN_M 0.5
/* Below this many usable reports a fit is noise. */
#define MIN_USABLE_REPORTS 10

#define ERR_MAX 1024

struct options {
	const char *scanners, *reports, *truth, *write_scanners;
	double tag_height;      /* NaN: use truth z */
	double floor_height;
	struct calibrate_options fit;
};

/* Ids to dense indexes, in insertion order: open addressing on FNV-1a. */
struct idmap {
	char **names;
	size_t n, names_cap;
	size_t *slots; /* index + 1; 0 = empty */
	size_t mask;
};

struct truth_row {
	double t, x, y, z;
	size_t tag;
	size_t floor; /* site floor index, SIZE_MAX when not a site floor */
	size_t seq;   /* file order, to sort stably */
};

struct truth {
	struct idmap tags;
	struct truth_row *rows;
	size_t n, cap;
	size_t *start; /* rows of tag i: [start[i], start[i + 1]) */
};

struct pos {
	double x, y, z;
	size_t floor;
};

struct counts {
	size_t read, used;
	size_t no_tag, no_scanner, bad_rssi, no_truth, other_floor;
	size_t clamped;
	double d_min, d_max;
	double height_sum;  /* tag above its floor, summed over used reports */
};

static void
usage(FILE *f)
{
	fputs("usage: track-calibrate --scanners S --reports R --truth T\n"
	      "         [--tag-height M] [--floor-height M] [--min-reports N]\n"
	      "         [--shrink K] [--write-scanners FILE]\n"
	      "\n"
	      "Fits RSSI = P1m - 10 n log10(d) + offset[scanner] from a\n"
	      "labelled walk and prints the track-replay flags and the\n"
	      "per-scanner rssi_offset values (dB a scanner reads above the\n"
	      "model).\n"
	      "\n"
	      "  --scanners S        scanners.csv (scanner_id,x,y,z,floor)\n"
	      "  --reports R         reports.csv (t,scanner_id,tag_id,rssi)\n"
	      "  --truth T           truth.csv (t,tag_id,x,y,z,floor)\n"
	      "  --tag-height M      tag z = floor z + M instead of truth z\n"
	      "                      (the flags printed carry the height used)\n"
	      "  --floor-height M    floor z = level * M (default 4, as track-replay)\n"
	      "  --min-reports N     fewer reports: offset 0 (default 30)\n"
	      "  --shrink K          offset = sum / (count + K) (default\n"
	      "                      sigma^2 / 3^2)\n"
	      "  --write-scanners F  write scanners.csv with path_loss and\n"
	      "                      rssi_offset columns to F\n", f);
}

static uint64_t
idmap_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static long
idmap_get(const struct idmap *m, const char *key)
{
	size_t i;

	if (!m->slots)
		return -1;
	for (i = (size_t)idmap_hash(key) & m->mask; m->slots[i];
	     i = (i + 1) & m->mask)
		if (strcmp(m->names[m->slots[i] - 1], key) == 0)
			return (long)(m->slots[i] - 1);
	return -1;
}

static int
idmap_grow(struct idmap *m)
{
	size_t cap = m->slots ? (m->mask + 1) * 2 : 64, i, j;
	size_t *slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < m->n; i++) {
		for (j = (size_t)idmap_hash(m->names[i]) & (cap - 1); slots[j];
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->mask = cap - 1;
	return 0;
}

/* The index of key, adding it when new. -1: out of memory. */
static long
idmap_intern(struct idmap *m, const char *key)
{
	long found = idmap_get(m, key);
	size_t i;

	if (found >= 0)
		return found;
	if (!m->slots || (m->n + 1) * 2 > m->mask + 1)
		if (idmap_grow(m) < 0)
			return -1;
	if (m->n == m->names_cap) {
		size_t cap = m->names_cap ? m->names_cap * 2 : 64;
		char **names = realloc(m->names, cap * sizeof *names);

		if (!names)
			return -1;
		m->names = names;
		m->names_cap = cap;
	}
	m->names[m->n] = strdup(key);
	if (!m->names[m->n])
		return -1;
	for (i = (size_t)idmap_hash(key) & m->mask; m->slots[i];
	     i = (i + 1) & m->mask)
		;
	m->slots[i] = m->n + 1;
	return (long)m->n++;
}

static void
idmap_free(struct idmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static int
truth_row_cmp(const void *a, const void *b)
{
	const struct truth_row *ra = a, *rb = b;

	if (ra->tag != rb->tag)
		return ra->tag < rb->tag ? -1 : 1;
	if (ra->t != rb->t)
		return ra->t < rb->t ? -1 : 1;
	return (ra->seq > rb->seq) - (ra->seq < rb->seq);
}

static void
truth_free(struct truth *tr)
{
	idmap_free(&tr->tags);
	free(tr->rows);
	free(tr->start);
	memset(tr, 0, sizeof *tr);
}

/* Load truth.csv: every row in memory, sorted by tag then time. */
static int
truth_load(const char *path, const struct sitecsv *site,
           const struct options *o, struct truth *tr, char *err,
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
		struct truth_row *row;
		const char *tag, *floor;
		long tag_i, fl;

		if (tr->n == tr->cap) {
			size_t cap = tr->cap ? tr->cap * 2 : 1024;
			struct truth_row *rows =
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
		tag_i = idmap_intern(&tr->tags, tag);
		if (tag_i < 0)
			goto nomem;
		fl = sitecsv_find_floor(site, floor);
		row->tag = (size_t)tag_i;
		row->floor = fl < 0 ? SIZE_MAX : (size_t)fl;
		row->seq = tr->n;
		if (fl >= 0 && !isnan(o->tag_height))
			row->z = site->floors[fl].z + o->tag_height;
		tr->n++;
	}
	if (rc < 0)
		goto bad;
	if (tr->n == 0) {
		snprintf(err, errlen, "%s: no truth rows", csv_path(r));
		goto fail;
	}
	qsort(tr->rows, tr->n, sizeof *tr->rows, truth_row_cmp);
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
	truth_free(tr);
	return -1;
}

/* Where tag was at time t: interpolated between the samples around t when
 * they are close enough in time, else the nearest sample if close enough. */
static bool
truth_at(const struct truth *tr, size_t tag, double t, struct pos *out)
{
	const struct truth_row *row = tr->rows + tr->start[tag];
	size_t n = tr->start[tag + 1] - tr->start[tag];
	size_t lo = 0, hi = n;
	const struct truth_row *a, *b, *near;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (row[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	a = lo > 0 ? &row[lo - 1] : NULL;
	b = lo < n ? &row[lo] : NULL;
	if (a && b && b->t - a->t <= TRUTH_INTERP_MAX_S) {
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
	if (!near || fabs(near->t - t) > TRUTH_NEAREST_MAX_S)
		return false;
	out->x = near->x;
	out->y = near->y;
	out->z = near->z;
	out->floor = near->floor;
	return true;
}

static int
push_sample(struct calibrate_sample **s, size_t *n, size_t *cap,
            struct calibrate_sample v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		struct calibrate_sample *p = realloc(*s, ncap * sizeof *p);

		if (!p)
			return -1;
		*s = p;
		*cap = ncap;
	}
	(*s)[(*n)++] = v;
	return 0;
}

/* Stream reports.csv into samples with known distances. */
static int
reports_load(const char *path, const struct sitecsv *site,
             const struct idmap *scanners, const struct truth *tr,
             struct calibrate_sample **out, size_t *n_out, struct counts *c,
             char *err, size_t errlen)
{
	static const char *const names[] = {
		"t", "scanner_id", "tag_id", "rssi",
	};
	struct calibrate_sample *s = NULL;
	size_t n = 0, cap = 0;
	csv_reader *r = NULL;
	int col[4], rc;

	memset(c, 0, sizeof *c);
	c->d_min = INFINITY;
	c->d_max = 0.0;
	if (csv_open(path, &r, err, errlen) < 0)
		return -1;
	if (csv_require(r, names, col, 4) < 0)
		goto bad;
	while ((rc = csv_next(r)) == 1) {
		const track_scanner *sc;
		const char *scanner, *tag;
		double t, rssi, dx, dy, dz, d;
		long tag_i, sc_i;
		struct pos p;

		if (csv_double(r, col[0], &t) < 0 ||
		    csv_id(r, col[1], &scanner) < 0 ||
		    csv_id(r, col[2], &tag) < 0 ||
		    csv_double(r, col[3], &rssi) < 0)
			goto bad;
		c->read++;
		tag_i = idmap_get(&tr->tags, tag);
		if (tag_i < 0) {
			c->no_tag++;
			continue;
		}
		sc_i = idmap_get(scanners, scanner);
		if (sc_i < 0) {
			c->no_scanner++;
			continue;
		}
		if (rssi < TRACK_RSSI_MIN || rssi > TRACK_RSSI_MAX) {
			c->bad_rssi++;
			continue;
		}
		if (!truth_at(tr, (size_t)tag_i, t, &p)) {
			c->no_truth++;
			continue;
		}
		if (p.floor != site->scanner_floor[sc_i]) {
			c->other_floor++;
			continue;
		}
		sc = &site->scanners[sc_i];
		c->height_sum += p.z - site->floors[p.floor].z;
		dx = sc->x - p.x;
		dy = sc->y - p.y;
		dz = sc->z - p.z;
		d = sqrt(dx * dx + dy * dy + dz * dz);
		c->d_min = fmin(c->d_min, d);
		c->d_max = fmax(c->d_max, d);
		if (d < DISTANCE_MIN_M) {
			d = DISTANCE_MIN_M;
			c->clamped++;
		}
		if (push_sample(&s, &n, &cap,
		                (struct calibrate_sample){
					.scanner = (size_t)sc_i,
					.x = -10.0 * log10(d),
					.rssi = rssi,
				}) < 0) {
			snprintf(err, errlen, "%s: out of memory",
			         csv_path(r));
			goto fail;
		}
	}
	if (rc < 0)
		goto bad;
	c->used = n;
	csv_close(r);
	*out = s;
	*n_out = n;
	return 0;
bad:
	snprintf(err, errlen, "%s", csv_error(r));
fail:
	csv_close(r);
	free(s);
	return -1;
}

/* Round for printing, without a "-0.00". */
static double
clean(double v, double unit)
{
	v = round(v / unit) * unit;
	return v == 0.0 ? 0.0 : v;
}

static void
print_summary(const struct sitecsv *site, const struct counts *c,
              const struct options *o, const struct calibrate_result *res,
              const struct calibrate_scanner *per)
{
	double tag_height = c->used > 0 ? c->height_sum / (double)c->used
	                                : 0.0;
	size_t i;

	printf("reports   %zu read, %zu used\n", c->read, c->used);
	printf("skipped   %zu tag not in truth, %zu no truth within %.0f s, "
	       "%zu scanner on another floor,\n"
	       "          %zu unknown scanner, %zu rssi out of range\n",
	       c->no_tag, c->no_truth, TRUTH_NEAREST_MAX_S, c->other_floor,
	       c->no_scanner, c->bad_rssi);
	printf("distance  %.2f .. %.2f m (%zu under %.1f m counted as %.1f)\n",
	       c->d_min, c->d_max, c->clamped, DISTANCE_MIN_M,
	       DISTANCE_MIN_M);
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
		       clean(per[i].offset_db, 0.01), per[i].resid_sd_db,
		       per[i].count < o->fit.min_reports ?
		       "  (too few reports: offset 0)" : "");

	/* The fit holds for the geometry it was made with: the flags carry
	 * the tag height (and floor spacing) so that track-replay computes
	 * the same distances. */
	printf("\ntrack-replay flags:\n");
	printf("--tx-power %.1f --path-loss %.2f --tag-height %.2f",
	       clean(res->tx_power_dbm, 0.1), clean(res->path_loss, 0.01),
	       clean(tag_height, 0.01));
	if (o->floor_height != SITECSV_FLOOR_HEIGHT_M)
		printf(" --floor-height %g", o->floor_height);
	printf("\n");

	printf("\nsite.json scanners (rssi_offset: dB the scanner reads above "
	       "the model):\n");
	printf("{ \"scanners\": [\n");
	for (i = 0; i < site->site.n_scanners; i++)
		printf("  { \"id\": \"%s\", \"path_loss\": %.2f, "
		       "\"rssi_offset\": %.2f }%s\n", site->scanners[i].id,
		       clean(res->path_loss, 0.01),
		       clean(per[i].offset_db, 0.01),
		       i + 1 < site->site.n_scanners ? "," : "");
	printf("] }\n");
}

/* Copy scanners.csv to path with path_loss,rssi_offset as the last columns
 * (replacing earlier ones): written to path.new, synced, then renamed so a
 * crash leaves either the old file or the new one. */
static int
write_scanners(const char *in, const char *path, const struct idmap *ids,
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
		long s = idmap_get(ids, csv_field(r, col_id));

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
		fprintf(f, "%s%.2f,%.2f\n", sep, clean(res->path_loss, 0.01),
		        clean(per[s].offset_db, 0.01));
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

static bool
parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && errno == 0 && isfinite(*out);
}

static bool
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

/* 0, or 2 after printing why and the usage. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	enum { O_SCANNERS = 256, O_REPORTS, O_TRUTH, O_TAG_HEIGHT,
	       O_FLOOR_HEIGHT, O_MIN_REPORTS, O_SHRINK, O_WRITE, O_HELP };
	static const struct option longopts[] = {
		{ "scanners", required_argument, NULL, O_SCANNERS },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "truth", required_argument, NULL, O_TRUTH },
		{ "tag-height", required_argument, NULL, O_TAG_HEIGHT },
		{ "floor-height", required_argument, NULL, O_FLOOR_HEIGHT },
		{ "min-reports", required_argument, NULL, O_MIN_REPORTS },
		{ "shrink", required_argument, NULL, O_SHRINK },
		{ "write-scanners", required_argument, NULL, O_WRITE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->tag_height = NAN;
	o->floor_height = SITECSV_FLOOR_HEIGHT_M;
	o->fit = calibrate_options_default();
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case O_SCANNERS:
			o->scanners = optarg;
			break;
		case O_REPORTS:
			o->reports = optarg;
			break;
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_TAG_HEIGHT:
			ok = parse_double(optarg, &o->tag_height);
			break;
		case O_FLOOR_HEIGHT:
			ok = parse_double(optarg, &o->floor_height) &&
			     o->floor_height >= 0.0;
			break;
		case O_MIN_REPORTS:
			ok = parse_size(optarg, &o->fit.min_reports);
			break;
		case O_SHRINK:
			ok = parse_double(optarg, &o->fit.shrink) &&
			     o->fit.shrink >= 0.0;
			break;
		case O_WRITE:
			o->write_scanners = optarg;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "track-calibrate: bad value '%s' for "
			        "--%s\n", optarg,
			        longopts[c - O_SCANNERS].name);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "track-calibrate: unexpected argument '%s'\n",
		        argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!o->scanners || !o->reports || !o->truth) {
		fprintf(stderr, "track-calibrate: --scanners, --reports and "
		        "--truth are required\n");
		usage(stderr);
		return 2;
	}
	if (o->write_scanners && strcmp(o->scanners, "-") == 0) {
		fprintf(stderr, "track-calibrate: --write-scanners needs "
		        "--scanners from a file, not stdin\n");
		return 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct sitecsv site;
	struct truth tr;
	struct idmap ids;
	struct counts counts;
	struct calibrate_sample *samples = NULL;
	struct calibrate_scanner *per = NULL;
	struct calibrate_result res;
	char err[ERR_MAX];
	size_t n = 0, i;
	int rc = 1;
	track_status st;

	memset(&site, 0, sizeof site);
	memset(&tr, 0, sizeof tr);
	memset(&ids, 0, sizeof ids);
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	/* A tool: report GSL problems as return codes, never abort. */
	gsl_set_error_handler_off();

	if (sitecsv_load(o.scanners, o.floor_height, &site, err,
	                 sizeof err) < 0)
		goto fail;
	for (i = 0; i < site.site.n_scanners; i++)
		if (idmap_intern(&ids, site.scanners[i].id) < 0) {
			snprintf(err, sizeof err, "out of memory");
			goto fail;
		}
	if (truth_load(o.truth, &site, &o, &tr, err, sizeof err) < 0)
		goto fail;
	if (reports_load(o.reports, &site, &ids, &tr, &samples, &n, &counts,
	                 err, sizeof err) < 0)
		goto fail;
	if (n < MIN_USABLE_REPORTS) {
		snprintf(err, sizeof err,
		         "only %zu usable reports (need %d): %zu read, %zu "
		         "tag not in truth, %zu no truth within %.0f s, %zu "
		         "other floor, %zu unknown scanner, %zu rssi out of "
		         "range", n, MIN_USABLE_REPORTS, counts.read,
		         counts.no_tag, counts.no_truth, TRUTH_NEAREST_MAX_S,
		         counts.other_floor, counts.no_scanner,
		         counts.bad_rssi);
		goto fail;
	}
	per = calloc(site.site.n_scanners, sizeof *per);
	if (!per) {
		snprintf(err, sizeof err, "out of memory");
		goto fail;
	}
	st = calibrate_fit(samples, n, site.site.n_scanners, &o.fit, &res,
	                   per);
	if (st != TRACK_OK) {
		snprintf(err, sizeof err, "fit failed: %s%s",
		         track_strerror(st), st == TRACK_ETOOFEW ?
		         " (every report at the same distance?)" : "");
		goto fail;
	}
	print_summary(&site, &counts, &o, &res, per);
	if (o.write_scanners) {
		if (write_scanners(o.scanners, o.write_scanners, &ids, &res,
		                   per, err, sizeof err) < 0)
			goto fail;
		printf("\nwrote %s\n", o.write_scanners);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "track-calibrate: %s\n", err);
out:
	free(per);
	free(samples);
	truth_free(&tr);
	idmap_free(&ids);
	sitecsv_free(&site);
	return rc;
}
