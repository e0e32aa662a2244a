/*
 * tracksim: offline scenario generator.
 *
 * Writes scanners.csv, reports.csv, truth.csv and scenario.json (the CSV
 * contract in DESIGN.md) for a simulated site: a grid of scanners on every
 * floor, tags that stand still or walk waypoint paths (taking the stairs
 * between floors), and log-distance RSSI with shadowing, per-scanner and
 * per-tag bias, drops, a sensitivity threshold and delivery latency.
 *
 * The same arguments always give byte-identical files.  Time is simulated in
 * slices so that memory does not grow with the duration.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>

#define EXIT_USAGE 2

/* One second holds about one advertisement per tag at the default period,
 * which keeps the report buffer near tags x scanners entries. */
#define SLICE_S 1.0

/* Scanner indices are stored in 16 bits to keep a report at 16 bytes. */
#define MAX_SCANNERS 65535

/* Times are written in milliseconds. */
#define MAX_TIME_S 1e12

struct options {
	const char *csv;
	long long seed;
	long long tags;
	double duration;
	long long floors;
	double width;
	double height;
	double spacing;
	double sigma;
	double n;
	double tx;
	double scanner_bias;
	double tag_bias;
	double drop;
	double threshold;
	double static_frac;
	double speed_min;
	double speed_max;
	double pause_max;
	double period;
	double truth_dt;
	double latency;
	double scanner_z;
	double tag_z;
	double floor_height;
	double floor_atten;
	double margin;
	double t0;
	double stairs_prob;
	bool quiet;
};

enum opt_kind { OPT_PATH, OPT_INT, OPT_REAL, OPT_FLAG };
enum opt_range { R_ANY, R_POS, R_NONNEG, R_UNIT };

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	enum opt_range range;
	long long max; /* OPT_INT only */
	size_t off;
	const char *arg;
	const char *help;
};

#define OFF(f) offsetof(struct options, f)

/* One table drives parsing, --help and scenario.json, so the JSON always
 * lists every parameter that was used. */
static const struct opt_spec opt_specs[] = {
	{ "csv", OPT_PATH, R_ANY, 0, OFF(csv), "DIR",
	  "output directory (required; created if missing)" },
	{ "seed", OPT_INT, R_NONNEG, LLONG_MAX, OFF(seed), "N", "random seed" },
	{ "tags", OPT_INT, R_POS, 1000000, OFF(tags), "N", "number of tags" },
	{ "duration", OPT_REAL, R_POS, 0, OFF(duration), "S",
	  "simulated time, seconds" },
	{ "floors", OPT_INT, R_POS, 1000, OFF(floors), "N", "number of floors" },
	{ "width", OPT_REAL, R_POS, 0, OFF(width), "M", "floor width (x), m" },
	{ "height", OPT_REAL, R_POS, 0, OFF(height), "M",
	  "floor depth (y), m" },
	{ "spacing", OPT_REAL, R_POS, 0, OFF(spacing), "M",
	  "scanner grid spacing, m" },
	{ "sigma", OPT_REAL, R_NONNEG, 0, OFF(sigma), "DB",
	  "shadowing standard deviation, dB" },
	{ "n", OPT_REAL, R_POS, 0, OFF(n), "X", "path-loss exponent" },
	{ "tx", OPT_REAL, R_ANY, 0, OFF(tx), "DBM", "RSSI at 1 m, dBm" },
	{ "scanner-bias", OPT_REAL, R_NONNEG, 0, OFF(scanner_bias), "DB",
	  "per-scanner bias, uniform in +-DB" },
	{ "tag-bias", OPT_REAL, R_NONNEG, 0, OFF(tag_bias), "DB",
	  "per-tag bias, uniform in +-DB" },
	{ "drop", OPT_REAL, R_UNIT, 0, OFF(drop), "P",
	  "probability a report is lost" },
	{ "threshold", OPT_REAL, R_ANY, 0, OFF(threshold), "DBM",
	  "weakest RSSI a scanner hears" },
	{ "static-frac", OPT_REAL, R_UNIT, 0, OFF(static_frac), "F",
	  "fraction of tags that stand still" },
	{ "speed-min", OPT_REAL, R_POS, 0, OFF(speed_min), "MPS",
	  "slowest walking speed, m/s" },
	{ "speed-max", OPT_REAL, R_POS, 0, OFF(speed_max), "MPS",
	  "fastest walking speed, m/s" },
	{ "pause-max", OPT_REAL, R_NONNEG, 0, OFF(pause_max), "S",
	  "longest pause at a waypoint, s" },
	{ "period", OPT_REAL, R_POS, 0, OFF(period), "S",
	  "advertising period, s" },
	{ "truth-dt", OPT_REAL, R_POS, 0, OFF(truth_dt), "S",
	  "ground-truth row interval, s" },
	{ "latency", OPT_REAL, R_NONNEG, 0, OFF(latency), "S",
	  "report delay, uniform in [0, S]" },
	{ "scanner-z", OPT_REAL, R_NONNEG, 0, OFF(scanner_z), "M",
	  "scanner height above its floor, m" },
	{ "tag-z", OPT_REAL, R_NONNEG, 0, OFF(tag_z), "M",
	  "tag height above its floor, m" },
	{ "floor-height", OPT_REAL, R_POS, 0, OFF(floor_height), "M",
	  "storey height, m" },
	{ "floor-atten", OPT_REAL, R_NONNEG, 0, OFF(floor_atten), "DB",
	  "loss per floor crossed, dB" },
	{ "margin", OPT_REAL, R_NONNEG, 0, OFF(margin), "M",
	  "waypoints keep this far from the walls, m" },
	{ "t0", OPT_REAL, R_NONNEG, 0, OFF(t0), "S", "start time, s" },
	{ "stairs-prob", OPT_REAL, R_UNIT, 0, OFF(stairs_prob), "P",
	  "chance a walk heads for the stairs (floors > 1)" },
	{ "quiet", OPT_FLAG, R_ANY, 0, OFF(quiet), NULL,
	  "no summary on stderr" },
};

#define N_OPTS (sizeof opt_specs / sizeof opt_specs[0])

struct scanner {
	double x, y, z;
	int floor;
	double bias;
	char id[16];
};

/* A walking tag is always on one leg: from (x0, y0) on floor_from it walks
 * to (x1, y1), arriving on floor_to at t_arrive, and stands there until
 * t_end.  A standing tag has one leg that never ends. */
struct leg {
	double x0, y0, x1, y1;
	double t_start, t_arrive, t_end;
	int floor_from, floor_to;
};

struct tag {
	struct leg leg;
	double bias;
	double next_advert;
	uint64_t n_legs;
	bool after_stairs;
	char id[16];
};

struct pos {
	double x, y;
	int floor;
};

struct report {
	int64_t t_ms;
	uint32_t tag;
	uint16_t scanner;
	int16_t rssi;
};

struct out_file {
	char *path;
	char *tmp;
	FILE *fp;
};

enum { OUT_SCANNERS, OUT_REPORTS, OUT_TRUTH, OUT_SITE, OUT_JSON, N_OUT };

static const char *const out_names[N_OUT] = {
	"scanners.csv", "reports.csv", "truth.csv", "site.json",
	"scenario.json",
};

struct sim {
	const struct options *o;
	size_t grid_nx, grid_ny;
	struct scanner *scanners;
	size_t n_scanners;
	struct tag *tags;
	size_t n_tags;
	size_t n_static;
	double stairs_x, stairs_y;
	double jitter;
	double end;
	gsl_rng *setup;
	gsl_rng *radio;
	gsl_rng *walk;
	struct report *reports;
	size_t n_pending, cap_reports;
	struct pos *truth;
	size_t cap_truth;
	unsigned long long n_reports;
	unsigned long long n_truth;
	struct out_file out[N_OUT];
};

static struct options
options_default(void)
{
	return (struct options){
		.csv = NULL,
		.seed = 7,
		.tags = 20,
		.duration = 120.0,
		.floors = 1,
		.width = 40.0,
		.height = 20.0,
		.spacing = 8.0,
		.sigma = 6.0,
		.n = 2.0,
		.tx = -59.0,
		.scanner_bias = 3.0,
		.tag_bias = 0.0,
		.drop = 0.05,
		.threshold = -95.0,
		.static_frac = 0.2,
		.speed_min = 1.0,
		.speed_max = 1.5,
		.pause_max = 5.0,
		.period = 1.0,
		.truth_dt = 1.0,
		.latency = 0.05,
		.scanner_z = 3.0,
		.tag_z = 1.0,
		.floor_height = 4.0,
		.floor_atten = 15.0,
		.margin = 0.5,
		.t0 = 0.0,
		.stairs_prob = 0.25,
		.quiet = false,
	};
}

static void
usage(FILE *fp, const struct options *def)
{
	fprintf(fp,
		"usage: tracksim --csv DIR [options]\n"
		"Simulate BLE scanners and moving tags; write scanners.csv, "
		"reports.csv,\ntruth.csv and scenario.json into DIR. "
		"The same options give the same files.\n\noptions [default]:\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt_spec *s = &opt_specs[i];
		const char *field = (const char *)def + s->off;
		char left[40];

		snprintf(left, sizeof left, "--%s%s%s", s->name,
			 s->arg ? " " : "", s->arg ? s->arg : "");
		fprintf(fp, "  %-20s %s", left, s->help);
		if (s->kind == OPT_INT)
			fprintf(fp, " [%lld]", *(const long long *)field);
		else if (s->kind == OPT_REAL)
			fprintf(fp, " [%g]", *(const double *)field);
		fputc('\n', fp);
	}
	fprintf(fp, "  %-20s %s\n", "--help", "show this help");
}

static const char *
range_text(enum opt_kind kind, enum opt_range range)
{
	if (kind == OPT_INT)
		return range == R_POS ? "a positive integer"
				      : "a non-negative integer";
	switch (range) {
	case R_POS:
		return "a positive number";
	case R_NONNEG:
		return "a non-negative number";
	case R_UNIT:
		return "a number in [0, 1]";
	case R_ANY:
		break;
	}
	return "a number";
}

static bool
parse_int(const char *s, long long *out)
{
	const char *p = s[0] == '-' ? s + 1 : s;
	char *end;

	/* strtoll alone would accept leading blanks and a plus sign. */
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

static bool
parse_real(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool
in_range(enum opt_range range, double v)
{
	switch (range) {
	case R_POS:
		return v > 0.0;
	case R_NONNEG:
		return v >= 0.0;
	case R_UNIT:
		return v >= 0.0 && v <= 1.0;
	case R_ANY:
		break;
	}
	return true;
}

static bool
set_option(const struct opt_spec *s, const char *val, struct options *o)
{
	char *field = (char *)o + s->off;
	long long iv;
	double dv;

	switch (s->kind) {
	case OPT_PATH:
		if (*val == '\0') {
			fprintf(stderr, "tracksim: --%s: expected a directory, "
				"got ''\n", s->name);
			return false;
		}
		*(const char **)field = val;
		return true;
	case OPT_INT:
		if (!parse_int(val, &iv) || !in_range(s->range, (double)iv))
			break;
		if (iv > s->max) {
			fprintf(stderr, "tracksim: --%s: expected %s up to %lld,"
				" got '%s'\n", s->name,
				range_text(s->kind, s->range), s->max, val);
			return false;
		}
		*(long long *)field = iv;
		return true;
	case OPT_REAL:
		if (!parse_real(val, &dv) || !in_range(s->range, dv))
			break;
		*(double *)field = dv;
		return true;
	case OPT_FLAG:
		*(bool *)field = true;
		return true;
	}
	fprintf(stderr, "tracksim: --%s: expected %s, got '%s'\n", s->name,
		range_text(s->kind, s->range), val);
	return false;
}

static bool
check_options(const struct options *o)
{
	if (!o->csv) {
		fprintf(stderr, "tracksim: --csv DIR is required "
			"(see --help)\n");
		return false;
	}
	if (o->speed_max < o->speed_min) {
		fprintf(stderr, "tracksim: --speed-max (%g) is below "
			"--speed-min (%g)\n", o->speed_max, o->speed_min);
		return false;
	}
	if (2.0 * o->margin >= o->width || 2.0 * o->margin >= o->height) {
		fprintf(stderr, "tracksim: --margin %g leaves no room to walk "
			"on a %g x %g m floor\n", o->margin, o->width,
			o->height);
		return false;
	}
	/* Finer steps than the 1 ms written to the files would give one tag
	 * several rows with the same time. */
	if (o->period < 0.001) {
		fprintf(stderr, "tracksim: --period: expected at least 0.001 "
			"(times are written in ms), got %g\n", o->period);
		return false;
	}
	if (o->truth_dt < 0.001) {
		fprintf(stderr, "tracksim: --truth-dt: expected at least 0.001 "
			"(times are written in ms), got %g\n", o->truth_dt);
		return false;
	}
	if (o->t0 + o->duration + o->latency > MAX_TIME_S) {
		fprintf(stderr, "tracksim: --t0 + --duration must stay below "
			"%g s\n", MAX_TIME_S);
		return false;
	}
	return true;
}

/* Returns 0 to run, or the exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	*o = options_default();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_spec *s = NULL;
		const char *val = NULL;
		size_t len;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			struct options def = options_default();
			usage(stdout, &def);
			return -1;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "tracksim: unexpected argument '%s' "
				"(see --help)\n", a);
			return EXIT_USAGE;
		}
		a += 2;
		len = strcspn(a, "=");
		for (size_t k = 0; k < N_OPTS; k++) {
			if (strlen(opt_specs[k].name) == len &&
			    strncmp(opt_specs[k].name, a, len) == 0)
				s = &opt_specs[k];
		}
		if (!s) {
			fprintf(stderr, "tracksim: unknown option '--%.*s' "
				"(see --help)\n", (int)len, a);
			return EXIT_USAGE;
		}
		if (a[len] == '=') {
			if (s->kind == OPT_FLAG) {
				fprintf(stderr, "tracksim: --%s takes no "
					"value\n", s->name);
				return EXIT_USAGE;
			}
			val = a + len + 1;
		} else if (s->kind != OPT_FLAG) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tracksim: --%s: missing "
					"value\n", s->name);
				return EXIT_USAGE;
			}
			val = argv[++i];
		}
		if (!set_option(s, val, o))
			return EXIT_USAGE;
	}
	return check_options(o) ? 0 : EXIT_USAGE;
}

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* Independent generator seeds for (stream, index) pairs.  MT19937 in GSL
 * keeps 32 bits of its seed. */
static unsigned long
stream_seed(long long seed, uint64_t stream, uint64_t index)
{
	uint64_t h = splitmix64((uint64_t)seed);

	h = splitmix64(h ^ stream);
	h = splitmix64(h ^ index);
	return (unsigned long)(h & 0xffffffffu);
}

enum { STREAM_SETUP = 1, STREAM_RADIO = 2, STREAM_WALK = 3 };

static uint64_t
walk_stream(size_t tag)
{
	return ((uint64_t)tag << 8) | STREAM_WALK;
}

static double
uniform_in(gsl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(r);
}

static void
layout_scanners(struct sim *s)
{
	const struct options *o = s->o;
	double cell_w = o->width / (double)s->grid_nx;
	double cell_h = o->height / (double)s->grid_ny;
	size_t k = 0;

	for (long long f = 0; f < o->floors; f++) {
		for (size_t j = 0; j < s->grid_ny; j++) {
			for (size_t i = 0; i < s->grid_nx; i++, k++) {
				struct scanner *sc = &s->scanners[k];
				double b = uniform_in(s->setup,
						      -o->scanner_bias,
						      o->scanner_bias);

				sc->x = ((double)i + 0.5) * cell_w;
				sc->y = ((double)j + 0.5) * cell_h;
				sc->z = (double)f * o->floor_height +
					o->scanner_z;
				sc->floor = (int)f;
				/* Rounded as scenario.json records it, so the
				 * file states exactly what was applied. */
				sc->bias = round(b * 1000.0) / 1000.0;
				snprintf(sc->id, sizeof sc->id, "S%03u",
					 (unsigned)(k + 1));
			}
		}
	}
}

/* Every leg draws from its own seeded stream, so a tag's walk depends only
 * on the seed and the motion options: runs that differ in radio options or
 * advertising period see the same trajectories. */
static void
walk_next_leg(struct sim *s, struct tag *g, size_t idx)
{
	const struct options *o = s->o;
	struct leg *l = &g->leg;
	gsl_rng *r = s->walk;

	gsl_rng_set(r, stream_seed(o->seed, walk_stream(idx), ++g->n_legs));
	double u_stairs = gsl_rng_uniform(r);
	double u_up = gsl_rng_uniform(r);
	double wx = uniform_in(r, o->margin, o->width - o->margin);
	double wy = uniform_in(r, o->margin, o->height - o->margin);
	double speed = uniform_in(r, o->speed_min, o->speed_max);
	double pause = uniform_in(r, 0.0, o->pause_max);
	bool stairs = o->floors > 1 && !g->after_stairs &&
		      u_stairs < o->stairs_prob;
	int top = (int)o->floors - 1;

	l->x0 = l->x1;
	l->y0 = l->y1;
	l->floor_from = l->floor_to;
	l->t_start = l->t_end;
	if (stairs) {
		int f = l->floor_from;
		bool up = f == 0 || (f < top && u_up < 0.5);

		l->x1 = s->stairs_x;
		l->y1 = s->stairs_y;
		l->floor_to = up ? f + 1 : f - 1;
	} else {
		l->x1 = wx;
		l->y1 = wy;
		l->floor_to = l->floor_from;
	}
	/* Right after the stairs, walk away first instead of taking them
	 * straight back. */
	g->after_stairs = stairs;
	l->t_arrive = l->t_start + hypot(l->x1 - l->x0, l->y1 - l->y0) / speed;
	l->t_end = l->t_arrive + pause;
}

static void
setup_tags(struct sim *s)
{
	const struct options *o = s->o;
	size_t want_static = s->n_static;

	for (size_t i = 0; i < s->n_tags; i++) {
		struct tag *g = &s->tags[i];
		struct leg *l = &g->leg;
		gsl_rng *w = s->walk;

		/* Selection sampling: exactly n_static tags, any of them. */
		bool is_static = (double)(s->n_tags - i) *
					 gsl_rng_uniform(s->setup) <
				 (double)want_static;
		if (is_static)
			want_static--;
		g->bias = uniform_in(s->setup, -o->tag_bias, o->tag_bias);
		g->next_advert = o->t0 + o->period * gsl_rng_uniform(s->setup);
		snprintf(g->id, sizeof g->id, "T%05u",
			 (unsigned)(i + 1));

		gsl_rng_set(w, stream_seed(o->seed, walk_stream(i), 0));
		l->x1 = uniform_in(w, o->margin, o->width - o->margin);
		l->y1 = uniform_in(w, o->margin, o->height - o->margin);
		l->floor_to = (int)gsl_rng_uniform_int(w,
			(unsigned long)o->floors);
		double pause = uniform_in(w, 0.0, o->pause_max);
		l->x0 = l->x1;
		l->y0 = l->y1;
		l->floor_from = l->floor_to;
		l->t_start = l->t_arrive = o->t0;
		l->t_end = is_static ? INFINITY : o->t0 + pause;
		g->n_legs = 0;
		g->after_stairs = false;
	}
}

/* Calls for one tag must come in non-decreasing t: legs only move on. */
static struct pos
tag_position(struct sim *s, size_t idx, double t)
{
	struct tag *g = &s->tags[idx];
	const struct leg *l = &g->leg;

	while (t >= l->t_end)
		walk_next_leg(s, g, idx);
	if (t < l->t_arrive) {
		double f = (t - l->t_start) / (l->t_arrive - l->t_start);

		return (struct pos){ l->x0 + f * (l->x1 - l->x0),
				     l->y0 + f * (l->y1 - l->y0),
				     l->floor_from };
	}
	return (struct pos){ l->x1, l->y1, l->floor_to };
}

static int
push_report(struct sim *s, struct report r)
{
	if (s->n_pending == s->cap_reports) {
		size_t cap = s->cap_reports ? 2 * s->cap_reports : 4096;
		struct report *p = realloc(s->reports, cap * sizeof *p);

		if (!p)
			return -1;
		s->reports = p;
		s->cap_reports = cap;
	}
	s->reports[s->n_pending++] = r;
	return 0;
}

static int
advertise(struct sim *s, size_t idx, double t, struct pos p)
{
	const struct options *o = s->o;
	const struct tag *g = &s->tags[idx];
	double tz = (double)p.floor * o->floor_height + o->tag_z;
	double base = o->tx + g->bias;

	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];

		if (gsl_rng_uniform(s->radio) < o->drop)
			continue;
		double dx = p.x - sc->x, dy = p.y - sc->y, dz = tz - sc->z;
		double d2 = fmax(dx * dx + dy * dy + dz * dz, 0.01);
		double rssi = base + sc->bias - 5.0 * o->n * log10(d2) -
			      o->floor_atten * fabs((double)(p.floor -
							     sc->floor)) +
			      gsl_ran_gaussian(s->radio, o->sigma);
		if (rssi < o->threshold)
			continue;
		double tr = t + o->latency * gsl_rng_uniform(s->radio);
		struct report r = {
			.t_ms = llround(tr * 1000.0),
			.tag = (uint32_t)idx,
			.scanner = (uint16_t)k,
			.rssi = (int16_t)fmin(fmax(round(rssi), -127.0), 0.0),
		};
		if (push_report(s, r) < 0)
			return -1;
	}
	return 0;
}

/* A total order, so the sorted file does not depend on qsort's
 * (in)stability. */
static int
report_cmp(const void *pa, const void *pb)
{
	const struct report *a = pa, *b = pb;

	if (a->t_ms != b->t_ms)
		return a->t_ms < b->t_ms ? -1 : 1;
	if (a->tag != b->tag)
		return a->tag < b->tag ? -1 : 1;
	if (a->scanner != b->scanner)
		return a->scanner < b->scanner ? -1 : 1;
	return (a->rssi > b->rssi) - (a->rssi < b->rssi);
}

static void
write_time(FILE *fp, int64_t t_ms)
{
	fprintf(fp, "%lld.%03lld", (long long)(t_ms / 1000),
		(long long)(t_ms % 1000));
}

/* Writes the sorted reports stamped before limit_ms and keeps the rest:
 * latency can carry a report past the end of its slice. */
static void
flush_reports(struct sim *s, int64_t limit_ms)
{
	FILE *fp = s->out[OUT_REPORTS].fp;
	size_t n = 0;

	if (s->n_pending == 0)
		return;
	qsort(s->reports, s->n_pending, sizeof *s->reports, report_cmp);
	while (n < s->n_pending && s->reports[n].t_ms < limit_ms) {
		const struct report *r = &s->reports[n++];

		write_time(fp, r->t_ms);
		fprintf(fp, ",%s,%s,%d\n", s->scanners[r->scanner].id,
			s->tags[r->tag].id, r->rssi);
	}
	memmove(s->reports, s->reports + n,
		(s->n_pending - n) * sizeof *s->reports);
	s->n_pending -= n;
	s->n_reports += n;
}

static int
simulate(struct sim *s)
{
	const struct options *o = s->o;
	FILE *ft = s->out[OUT_TRUTH].fp;
	long long k_last = (long long)floor(o->duration / o->truth_dt + 1e-9);
	long long k_next = 0;

	for (long long slice = 0;; slice++) {
		double a = o->t0 + (double)slice * SLICE_S;
		double b = a + SLICE_S;
		double adv_end = fmin(b, s->end);
		long long k_begin = k_next;

		if (a > s->end)
			break;
		while (k_next <= k_last &&
		       o->t0 + (double)k_next * o->truth_dt < b)
			k_next++;
		size_t n_k = (size_t)(k_next - k_begin);
		if (n_k * s->n_tags > s->cap_truth) {
			struct pos *p = realloc(s->truth,
						n_k * s->n_tags * sizeof *p);
			if (!p)
				return -1;
			s->truth = p;
			s->cap_truth = n_k * s->n_tags;
		}

		for (size_t i = 0; i < s->n_tags; i++) {
			struct tag *g = &s->tags[i];
			long long k = k_begin;

			/* Merge truth instants and adverts in time order,
			 * as tag_position requires. */
			for (;;) {
				double tt = k < k_next ? o->t0 +
					(double)k * o->truth_dt : INFINITY;
				double ta = g->next_advert < adv_end ?
					g->next_advert : INFINITY;

				if (isinf(tt) && isinf(ta))
					break;
				if (tt <= ta) {
					s->truth[(size_t)(k - k_begin) *
						 s->n_tags + i] =
						tag_position(s, i, tt);
					k++;
					continue;
				}
				if (advertise(s, i, ta,
					      tag_position(s, i, ta)) < 0)
					return -1;
				g->next_advert += o->period + uniform_in(
					s->radio, -s->jitter, s->jitter);
			}
		}

		flush_reports(s, llround(b * 1000.0));
		for (size_t kk = 0; kk < n_k; kk++) {
			double t = o->t0 + (double)(k_begin +
						    (long long)kk) * o->truth_dt;
			int64_t t_ms = llround(t * 1000.0);

			for (size_t i = 0; i < s->n_tags; i++) {
				const struct pos *p =
					&s->truth[kk * s->n_tags + i];

				write_time(ft, t_ms);
				fprintf(ft, ",%s,%.3f,%.3f,%.3f,%d\n",
					s->tags[i].id, p->x, p->y,
					(double)p->floor * o->floor_height +
						o->tag_z, p->floor);
			}
		}
		s->n_truth += n_k * s->n_tags;
	}
	flush_reports(s, INT64_MAX);
	return 0;
}

static void
write_scanners(struct sim *s)
{
	FILE *fp = s->out[OUT_SCANNERS].fp;

	fputs("scanner_id,x,y,z,floor\n", fp);
	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];

		fprintf(fp, "%s,%.3f,%.3f,%.3f,%d\n", sc->id, sc->x, sc->y,
			sc->z, sc->floor);
	}
}

static int
json_put(json_t *obj, const char *key, json_t *val)
{
	/* json_object_set_new takes val even on failure. */
	return val ? json_object_set_new(obj, key, val) : -1;
}

/* The same building as a site file (DESIGN.md, "Site files"), so the
 * scenario can be tracked with --site as a real deployment is: floor sizes
 * and heights known, scanner z as height above the floor. */
static int
write_site(struct sim *s)
{
	const struct options *o = s->o;
	json_t *root = json_object();
	json_t *floors = json_array(), *scanners = json_array();
	json_t *tags = json_array();
	char name[64];
	int rc = -1;

	snprintf(name, sizeof name, "Simulated building (seed %lld)",
		 (long long)o->seed);
	if (json_put(root, "site", json_string("tracksim")) < 0 ||
	    json_put(root, "name", json_string(name)) < 0 ||
	    json_put(root, "y_axis", json_string("down")) < 0 ||
	    json_put(root, "floors", floors) < 0 ||
	    json_put(root, "scanners", scanners) < 0 ||
	    json_put(root, "tags", tags) < 0)
		goto out;
	for (long long f = 0; f < o->floors; f++) {
		json_t *fl = json_object();
		char id[24], fname[32];

		snprintf(id, sizeof id, "%lld", f);
		snprintf(fname, sizeof fname, "Floor %lld", f);
		if (json_array_append_new(floors, fl) < 0 ||
		    json_put(fl, "id", json_string(id)) < 0 ||
		    json_put(fl, "name", json_string(fname)) < 0 ||
		    json_put(fl, "level", json_integer(f)) < 0 ||
		    json_put(fl, "z", json_real((double)f * o->floor_height)) <
			    0 ||
		    json_put(fl, "width", json_real(o->width)) < 0 ||
		    json_put(fl, "height", json_real(o->height)) < 0)
			goto out;
	}
	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];
		json_t *js = json_object();
		char fid[24];

		snprintf(fid, sizeof fid, "%d", sc->floor);
		if (json_array_append_new(scanners, js) < 0 ||
		    json_put(js, "id", json_string(sc->id)) < 0 ||
		    json_put(js, "floor", json_string(fid)) < 0 ||
		    json_put(js, "x", json_real(sc->x)) < 0 ||
		    json_put(js, "y", json_real(sc->y)) < 0 ||
		    json_put(js, "z", json_real(o->scanner_z)) < 0)
			goto out;
	}
	for (size_t i = 0; i < s->n_tags; i++) {
		json_t *jt = json_object();
		char tname[32];

		snprintf(tname, sizeof tname, "Tag %zu", i + 1);
		if (json_array_append_new(tags, jt) < 0 ||
		    json_put(jt, "id", json_string(s->tags[i].id)) < 0 ||
		    json_put(jt, "name", json_string(tname)) < 0 ||
		    json_put(jt, "kind", json_string("person")) < 0)
			goto out;
	}
	json_dumpf(root, s->out[OUT_SITE].fp,
		   JSON_INDENT(1) | JSON_PRESERVE_ORDER |
			   JSON_REAL_PRECISION(15));
	fputc('\n', s->out[OUT_SITE].fp);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int
write_json(struct sim *s)
{
	const struct options *o = s->o;
	json_t *root = json_object();
	json_t *fmt = json_object();
	json_t *bias = json_object();
	int rc = -1;

	/* From here on root owns fmt and bias; both stay usable. */
	if (json_put(root, "format", fmt) < 0 ||
	    json_put(root, "scanner_bias_db", bias) < 0)
		goto out;
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt_spec *spec = &opt_specs[i];
		const char *field = (const char *)o + spec->off;
		char key[32];
		json_t *v = NULL;

		snprintf(key, sizeof key, "%s", spec->name);
		for (char *c = key; *c; c++)
			*c = *c == '-' ? '_' : *c;
		switch (spec->kind) {
		case OPT_PATH:
			/* JSON needs UTF-8; an odd path is left out. */
			v = json_string(*(const char *const *)field);
			if (!v)
				continue;
			break;
		case OPT_INT:
			v = json_integer(*(const long long *)field);
			break;
		case OPT_REAL:
			v = json_real(*(const double *)field);
			break;
		case OPT_FLAG:
			v = json_boolean(*(const bool *)field);
			break;
		}
		if (json_put(root, key, v) < 0)
			goto out;
	}
	for (size_t k = 0; k < s->n_scanners; k++) {
		if (json_put(bias, s->scanners[k].id,
			     json_real(s->scanners[k].bias)) < 0)
			goto out;
	}
	if (json_put(fmt, "scanners.csv",
		     json_string("scanner_id,x,y,z,floor")) < 0 ||
	    json_put(fmt, "reports.csv",
		     json_string("t,scanner_id,tag_id,rssi")) < 0 ||
	    json_put(fmt, "truth.csv",
		     json_string("t,tag_id,x,y,z,floor")) < 0 ||
	    json_put(root, "grid_nx", json_integer((json_int_t)s->grid_nx)) <
		    0 ||
	    json_put(root, "grid_ny", json_integer((json_int_t)s->grid_ny)) <
		    0 ||
	    json_put(root, "n_scanners",
		     json_integer((json_int_t)s->n_scanners)) < 0 ||
	    json_put(root, "n_static_tags",
		     json_integer((json_int_t)s->n_static)) < 0 ||
	    json_put(root, "n_reports",
		     json_integer((json_int_t)s->n_reports)) < 0 ||
	    json_put(root, "n_truth",
		     json_integer((json_int_t)s->n_truth)) < 0 ||
	    json_put(root, "stairs_x", json_real(s->stairs_x)) < 0 ||
	    json_put(root, "stairs_y", json_real(s->stairs_y)) < 0 ||
	    json_put(root, "advert_jitter", json_real(s->jitter)) < 0)
		goto out;
	/* 15 digits give back any value typed on the command line without
	 * binary noise such as 0.050000000000000003.  Write errors surface
	 * when the file is closed. */
	json_dumpf(root, s->out[OUT_JSON].fp,
		   JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	fputc('\n', s->out[OUT_JSON].fp);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* mkdir -p: every missing parent is created too. */
static int
make_dirs(const char *dir)
{
	char *p = strdup(dir);
	struct stat st;
	int rc = -1;

	if (!p)
		return -1;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			goto out;
		*c = '/';
	}
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		goto out;
	if (stat(p, &st) < 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static char *
join_path(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

static int
open_outputs(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		struct out_file *f = &s->out[i];

		f->path = join_path(s->o->csv, out_names[i], "");
		f->tmp = join_path(s->o->csv, out_names[i], ".new");
		if (!f->path || !f->tmp) {
			fprintf(stderr, "tracksim: out of memory\n");
			return -1;
		}
		f->fp = fopen(f->tmp, "w");
		if (!f->fp) {
			fprintf(stderr, "tracksim: cannot write '%s': %s\n",
				f->tmp, strerror(errno));
			return -1;
		}
		/* Large blocks: reports.csv can reach hundreds of MB. */
		setvbuf(f->fp, NULL, _IOFBF, 1 << 20);
	}
	return 0;
}

static int
close_out(struct out_file *f)
{
	int err = 0;

	if (!f->fp)
		return 0;
	if (fflush(f->fp) != 0 || ferror(f->fp))
		err = errno ? errno : EIO;
	else if (fsync(fileno(f->fp)) < 0)
		err = errno;
	if (fclose(f->fp) != 0 && !err)
		err = errno;
	f->fp = NULL;
	if (err) {
		fprintf(stderr, "tracksim: cannot write '%s': %s\n", f->tmp,
			strerror(err));
		return -1;
	}
	return 0;
}

/* scenario.json goes last and its old copy first, so a set of files
 * that has a scenario.json is always one whole run. */
static int
commit_outputs(struct sim *s)
{
	int fd;

	if (unlink(s->out[OUT_JSON].path) < 0 && errno != ENOENT) {
		fprintf(stderr, "tracksim: cannot remove '%s': %s\n",
			s->out[OUT_JSON].path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < N_OUT; i++) {
		if (rename(s->out[i].tmp, s->out[i].path) < 0) {
			fprintf(stderr, "tracksim: cannot rename '%s': %s\n",
				s->out[i].tmp, strerror(errno));
			return -1;
		}
	}
	/* Make the renames themselves durable. */
	fd = open(s->o->csv, O_RDONLY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static void
discard_outputs(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		struct out_file *f = &s->out[i];

		if (f->fp) {
			fclose(f->fp);
			f->fp = NULL;
		}
		if (f->tmp)
			unlink(f->tmp);
	}
}

static int
sim_init(struct sim *s, const struct options *o)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->grid_nx = (size_t)fmax(1.0, round(o->width / o->spacing));
	s->grid_ny = (size_t)fmax(1.0, round(o->height / o->spacing));
	s->n_tags = (size_t)o->tags;
	s->n_static = (size_t)llround(o->static_frac * (double)o->tags);
	s->stairs_x = fmin(o->margin + 1.0, o->width / 2.0);
	s->stairs_y = fmin(o->margin + 1.0, o->height / 2.0);
	/* BLE adds up to 10 ms of random delay to each advertising event. */
	s->jitter = fmin(0.01, 0.1 * o->period);
	s->end = o->t0 + o->duration;

	double n_sc = (double)s->grid_nx * (double)s->grid_ny *
		      (double)o->floors;
	if (n_sc > MAX_SCANNERS) {
		fprintf(stderr, "tracksim: %.0f scanners (%zu x %zu x %lld "
			"floors) is more than %d; raise --spacing\n", n_sc,
			s->grid_nx, s->grid_ny, o->floors, MAX_SCANNERS);
		return EXIT_USAGE;
	}
	s->n_scanners = (size_t)n_sc;
	s->scanners = calloc(s->n_scanners, sizeof *s->scanners);
	s->tags = calloc(s->n_tags, sizeof *s->tags);
	s->setup = gsl_rng_alloc(gsl_rng_mt19937);
	s->radio = gsl_rng_alloc(gsl_rng_mt19937);
	s->walk = gsl_rng_alloc(gsl_rng_mt19937);
	if (!s->scanners || !s->tags || !s->setup || !s->radio || !s->walk) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	gsl_rng_set(s->setup, stream_seed(o->seed, STREAM_SETUP, 0));
	gsl_rng_set(s->radio, stream_seed(o->seed, STREAM_RADIO, 0));
	return 0;
}

static void
sim_free(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		free(s->out[i].path);
		free(s->out[i].tmp);
	}
	gsl_rng_free(s->walk);
	gsl_rng_free(s->radio);
	gsl_rng_free(s->setup);
	free(s->truth);
	free(s->reports);
	free(s->tags);
	free(s->scanners);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct sim s;
	int rc = parse_args(argc, argv, &o);

	if (rc < 0)
		return EXIT_SUCCESS;
	if (rc > 0)
		return rc;
	/* Report failures here instead of GSL aborting the process. */
	gsl_set_error_handler_off();

	rc = sim_init(&s, &o);
	if (rc != 0)
		goto out;
	rc = EXIT_FAILURE;
	if (make_dirs(o.csv) < 0) {
		fprintf(stderr, "tracksim: cannot create directory '%s': %s\n",
			o.csv, strerror(errno));
		goto out;
	}
	if (open_outputs(&s) < 0)
		goto fail;
	layout_scanners(&s);
	setup_tags(&s);
	fputs("t,scanner_id,tag_id,rssi\n", s.out[OUT_REPORTS].fp);
	fputs("t,tag_id,x,y,z,floor\n", s.out[OUT_TRUTH].fp);
	write_scanners(&s);
	if (simulate(&s) < 0 || write_site(&s) < 0 || write_json(&s) < 0) {
		fprintf(stderr, "tracksim: out of memory\n");
		goto fail;
	}
	for (int i = 0; i < N_OUT; i++) {
		if (close_out(&s.out[i]) < 0)
			goto fail;
	}
	if (commit_outputs(&s) < 0)
		goto fail;
	if (!o.quiet)
		fprintf(stderr, "tracksim: %zu scanners, %zu tags (%zu static), "
			"%llu reports, %llu truth rows -> %s\n", s.n_scanners,
			s.n_tags, s.n_static, s.n_reports, s.n_truth, o.csv);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	discard_outputs(&s);
out:
	sim_free(&s);
	return rc;
}
