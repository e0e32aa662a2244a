/*
 * tracksim: scenario generator and live load for trackd.
 *
 * With --csv, writes scanners.csv, reports.csv, truth.csv, site.json and
 * scenario.json (the CSV contract in DESIGN.md) for a simulated site:
 * either a grid of scanners on every floor, or a real site file (--site,
 * tracksim-site.c).  With --server, runs the same model in real time and
 * sends the reports to trackd (tracksim-live.c).  Tags stand still or walk
 * routes (tracksim-walk.c: corners, stops, the stairs between floors);
 * RSSI follows a log-distance model with correlated shadowing, fast
 * fading, body loss, radio kinds, per-scanner and per-tag bias, report
 * rates, drops and outages (tracksim-radio.c), a sensitivity threshold
 * and delivery latency.
 *
 * The same arguments always give byte-identical files.  Time is simulated in
 * slices (SLICE_S, sized so that one holds about one advertisement per tag
 * at the default period) so that memory does not grow with the duration.
 */
#include "tracksim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* MT19937 in GSL keeps 32 bits of its seed. */
unsigned long
sim_stream_seed(long long seed, uint64_t stream, uint64_t index)
{
	uint64_t h = splitmix64((uint64_t)seed);

	h = splitmix64(h ^ stream);
	h = splitmix64(h ^ index);
	return (unsigned long)(h & 0xffffffffu);
}

uint64_t
sim_walk_stream(size_t tag)
{
	return ((uint64_t)tag << 8) | STREAM_WALK;
}

double
sim_uniform(gsl_rng *r, double lo, double hi)
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
				double b = sim_uniform(s->setup,
						      -o->scanner_bias,
						      o->scanner_bias);

				sc->x = ((double)i + 0.5) * cell_w;
				sc->y = ((double)j + 0.5) * cell_h;
				sc->z = (double)f * o->floor_height +
					o->scanner_z;
				sc->floor = (int)f;
				sc->n = o->n;
				/* Rounded as scenario.json records it, so the
				 * file states exactly what was applied. */
				sc->bias = round(b * 1000.0) / 1000.0;
				snprintf(sc->id, sizeof sc->id, "S%03u",
					 (unsigned)(k + 1));
			}
		}
	}
}

int
sim_push_report(struct sim *s, struct report r)
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

size_t
sim_due_reports(struct sim *s, int64_t limit_ms)
{
	size_t n = 0;

	if (s->n_pending == 0)
		return 0;
	qsort(s->reports, s->n_pending, sizeof *s->reports, report_cmp);
	while (n < s->n_pending && s->reports[n].t_ms < limit_ms)
		n++;
	return n;
}

void
sim_take_reports(struct sim *s, size_t n)
{
	/* Nothing may be pending yet (no buffer at all): memmove wants one. */
	if (s->n_pending > n)
		memmove(s->reports, s->reports + n,
			(s->n_pending - n) * sizeof *s->reports);
	s->n_pending -= n;
	s->n_reports += n;
}

/* Presses before b (and not after the end): one every --button-every
 * seconds, each by a person drawn from its own stream, so that presses
 * change nothing else in the run. */
static int
press_buttons(struct sim *s, double b)
{
	const struct options *o = s->o;

	if (o->button_every <= 0.0 || s->n_persons == 0)
		return 0;
	for (;;) {
		double t = o->t0 + (double)s->next_button * o->button_every;
		size_t who;

		if (t >= b || t > s->end)
			break;
		if (s->n_presses == s->cap_presses) {
			size_t cap = s->cap_presses ? 2 * s->cap_presses : 16;
			struct press *p = realloc(s->presses,
						  cap * sizeof *p);

			if (!p)
				return -1;
			s->presses = p;
			s->cap_presses = cap;
		}
		s->next_button++;
		who = s->persons[gsl_rng_uniform_int(s->button,
			(unsigned long)s->n_persons)];
		s->presses[s->n_presses++] = (struct press){
			.t_ms = llround(t * 1000.0), .tag = (uint32_t)who };
		s->n_buttons++;
	}
	return 0;
}

/* Makes room for n_k truth instants of every tag. */
static int
reserve_truth(struct sim *s, size_t n_k)
{
	struct pos *p;

	if (n_k * s->n_tags <= s->cap_truth)
		return 0;
	p = realloc(s->truth, n_k * s->n_tags * sizeof *p);
	if (!p)
		return -1;
	s->truth = p;
	s->cap_truth = n_k * s->n_tags;
	return 0;
}

int
sim_step(struct sim *s, long long slice, bool truth)
{
	const struct options *o = s->o;
	double a = o->t0 + (double)slice * SLICE_S;
	double b = a + SLICE_S;
	double adv_end = fmin(b, s->end);
	long long k_begin = s->truth_next;
	long long k_end = k_begin;

	if (a > s->end)
		return 0;
	radio_slice(s, a, adv_end);
	if (truth) {
		while (k_end <= s->truth_last &&
		       o->t0 + (double)k_end * o->truth_dt < b)
			k_end++;
		if (reserve_truth(s, (size_t)(k_end - k_begin)) < 0)
			return -1;
	}

	for (size_t i = 0; i < s->n_tags; i++) {
		struct tag *g = &s->tags[i];
		long long k = k_begin;

		/* Merge truth instants and adverts in time order, as
		 * walk_position requires. */
		for (;;) {
			double tt = k < k_end ? o->t0 +
				(double)k * o->truth_dt : INFINITY;
			double ta = g->next_advert < adv_end ?
				g->next_advert : INFINITY;

			if (isinf(tt) && isinf(ta))
				break;
			if (tt <= ta) {
				s->truth[(size_t)(k - k_begin) * s->n_tags +
					 i] = walk_position(s, i, tt);
				k++;
				continue;
			}
			if (radio_advertise(s, i, ta,
					    walk_position(s, i, ta)) < 0)
				return -1;
			g->next_advert += o->period + sim_uniform(
				s->radio, -s->jitter, s->jitter);
		}
	}
	s->truth_k0 = k_begin;
	s->truth_next = k_end;
	return press_buttons(s, b) < 0 ? -1 : 1;
}

/* Writes the sorted reports stamped before limit_ms and keeps the rest:
 * latency can carry a report past the end of its slice. */
static void
write_reports(struct sim *s, int64_t limit_ms)
{
	FILE *fp = s->out[OUT_REPORTS].fp;
	size_t n = sim_due_reports(s, limit_ms);

	for (size_t j = 0; j < n; j++) {
		const struct report *r = &s->reports[j];

		out_write_time(fp, r->t_ms);
		fprintf(fp, ",%s,%s,%d\n", s->scanners[r->scanner].id,
			s->tags[r->tag].id, r->rssi);
	}
	sim_take_reports(s, n);
}

/* Writes the truth rows of the last slice. */
static void
write_truth(struct sim *s)
{
	const struct options *o = s->o;
	FILE *ft = s->out[OUT_TRUTH].fp;
	size_t n_k = (size_t)(s->truth_next - s->truth_k0);

	for (size_t kk = 0; kk < n_k; kk++) {
		double t = o->t0 + (double)(s->truth_k0 + (long long)kk) *
			   o->truth_dt;
		int64_t t_ms = llround(t * 1000.0);

		for (size_t i = 0; i < s->n_tags; i++) {
			const struct pos *p = &s->truth[kk * s->n_tags + i];

			out_write_time(ft, t_ms);
			fprintf(ft, ",%s,%.3f,%.3f,%.3f,%s\n",
				s->tags[i].id, p->x, p->y,
				s->floors[p->floor].z + o->tag_z,
				s->floors[p->floor].id);
		}
	}
	s->n_truth += n_k * s->n_tags;
}

static void
write_presses(struct sim *s)
{
	FILE *fp = s->out[OUT_BUTTONS].fp;

	for (size_t j = 0; j < s->n_presses; j++) {
		out_write_time(fp, s->presses[j].t_ms);
		fprintf(fp, ",%s\n", s->tags[s->presses[j].tag].id);
	}
	s->n_presses = 0;
}

static int
simulate(struct sim *s)
{
	for (long long slice = 0;; slice++) {
		int rc = sim_step(s, slice, true);
		double b = s->o->t0 + (double)(slice + 1) * SLICE_S;

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		write_reports(s, llround(b * 1000.0));
		write_truth(s);
		write_presses(s);
	}
	write_reports(s, INT64_MAX);
	return 0;
}

/* The grid building: floors 0..floors-1, a scanner at the centre of every
 * spacing-sized cell, --tags walkers. */
static int
grid_init(struct sim *s)
{
	const struct options *o = s->o;

	s->grid_nx = (size_t)fmax(1.0, round(o->width / o->spacing));
	s->grid_ny = (size_t)fmax(1.0, round(o->height / o->spacing));
	s->n_tags = (size_t)o->tags;
	s->n_static = (size_t)llround(o->static_frac * (double)o->tags);
	s->stairs_x = fmin(o->margin + 1.0, o->width / 2.0);
	s->stairs_y = fmin(o->margin + 1.0, o->height / 2.0);

	double n_sc = (double)s->grid_nx * (double)s->grid_ny *
		      (double)o->floors;
	if (n_sc > MAX_SCANNERS) {
		fprintf(stderr, "tracksim: %.0f scanners (%zu x %zu x %lld "
			"floors) is more than %d; raise --spacing\n", n_sc,
			s->grid_nx, s->grid_ny, o->floors, MAX_SCANNERS);
		return EXIT_USAGE;
	}
	s->n_scanners = (size_t)n_sc;
	s->n_floors = (size_t)o->floors;
	s->floors = calloc(s->n_floors, sizeof *s->floors);
	s->scanners = calloc(s->n_scanners, sizeof *s->scanners);
	s->tags = calloc(s->n_tags, sizeof *s->tags);
	if (!s->floors || !s->scanners || !s->tags) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	for (size_t f = 0; f < s->n_floors; f++) {
		struct sim_floor *fl = &s->floors[f];

		fl->z = (double)f * o->floor_height;
		fl->width = o->width;
		fl->height = o->height;
		fl->rank = (int)f;
		snprintf(fl->id, sizeof fl->id, "%zu", f);
	}
	layout_scanners(s);
	walk_setup_grid(s);
	return 0;
}

int
sim_init(struct sim *s, const struct options *o)
{
	int rc;

	memset(s, 0, sizeof *s);
	s->o = o;
	/* BLE adds up to 10 ms of random delay to each advertising event. */
	s->jitter = fmin(0.01, 0.1 * o->period);
	s->end = o->t0 + o->duration;
	/* Live runs without --duration go on (duration is infinite) and
	 * keep no truth. */
	if (isfinite(o->duration))
		s->truth_last = (long long)floor(o->duration / o->truth_dt +
						 1e-9);
	s->next_button = 1;
	s->setup = gsl_rng_alloc(gsl_rng_mt19937);
	s->radio = gsl_rng_alloc(gsl_rng_mt19937);
	s->walk = gsl_rng_alloc(gsl_rng_mt19937);
	s->button = gsl_rng_alloc(gsl_rng_mt19937);
	s->fade = gsl_rng_alloc(gsl_rng_mt19937);
	if (!s->setup || !s->radio || !s->walk || !s->button || !s->fade) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	gsl_rng_set(s->setup, sim_stream_seed(o->seed, STREAM_SETUP, 0));
	gsl_rng_set(s->radio, sim_stream_seed(o->seed, STREAM_RADIO, 0));
	gsl_rng_set(s->button, sim_stream_seed(o->seed, STREAM_BUTTON, 0));

	rc = o->site ? sitesim_load(s) : grid_init(s);
	if (rc != 0)
		return rc;
	if (o->site)
		sitesim_setup_tags(s);
	if (radio_init(s) < 0) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	s->persons = malloc((s->n_tags ? s->n_tags : 1) * sizeof *s->persons);
	if (!s->persons) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < s->n_tags; i++) {
		if (s->tags[i].role != ROLE_ASSET)
			s->persons[s->n_persons++] = i;
	}
	return 0;
}

void
sim_free(struct sim *s)
{
	out_free(s);
	sitesim_free(s);
	radio_free(s);
	gsl_rng_free(s->fade);
	gsl_rng_free(s->button);
	gsl_rng_free(s->walk);
	gsl_rng_free(s->radio);
	gsl_rng_free(s->setup);
	free(s->persons);
	free(s->presses);
	free(s->truth);
	free(s->reports);
	free(s->tags);
	free(s->scanners);
	free(s->floors);
}

static void
print_summary(const struct sim *s)
{
	const struct options *o = s->o;

	if (s->site)
		fprintf(stderr, "tracksim: site '%s': %zu floors, %zu "
			"scanners, %zu zones, %zu tags (%zu patients, %zu "
			"assets, %zu static), ", track_site_id(s->site),
			s->n_floors,
			s->n_scanners, s->n_zones, s->n_tags, s->n_patients,
			s->n_assets, s->n_static);
	else
		fprintf(stderr, "tracksim: %zu scanners, %zu tags (%zu "
			"static), ", s->n_scanners, s->n_tags, s->n_static);
	fprintf(stderr, "%llu reports, %llu truth rows", s->n_reports,
		s->n_truth);
	if (o->button_every > 0.0)
		fprintf(stderr, ", %llu button presses", s->n_buttons);
	fprintf(stderr, " -> %s\n", o->csv);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct sim s;
	int rc = opts_parse(argc, argv, &o);

	if (rc < 0)
		return EXIT_SUCCESS;
	if (rc > 0)
		return rc;
	/* Report failures here instead of GSL aborting the process. */
	gsl_set_error_handler_off();

	if (o.server) {
		/* Simulated time is the wall clock, to the millisecond the
		 * reports carry. */
		o.t0 = floor(live_now() * 1000.0) / 1000.0;
		rc = sim_init(&s, &o);
		if (rc == 0)
			rc = live_run(&s);
		sim_free(&s);
		return rc;
	}
	rc = sim_init(&s, &o);
	if (rc != 0)
		goto out;
	rc = EXIT_FAILURE;
	if (out_make_dirs(o.csv) < 0) {
		fprintf(stderr, "tracksim: cannot create directory '%s': %s\n",
			o.csv, strerror(errno));
		goto out;
	}
	if (out_open(&s) < 0)
		goto fail;
	fputs("t,scanner_id,tag_id,rssi\n", s.out[OUT_REPORTS].fp);
	fputs("t,tag_id,x,y,z,floor\n", s.out[OUT_TRUTH].fp);
	if (s.out[OUT_BUTTONS].fp)
		fputs("t,tag_id\n", s.out[OUT_BUTTONS].fp);
	out_write_scanners(&s);
	if (simulate(&s) < 0 || out_write_site(&s) < 0 ||
	    out_write_json(&s) < 0) {
		fprintf(stderr, "tracksim: out of memory\n");
		goto fail;
	}
	if (out_close_all(&s) < 0)
		goto fail;
	if (s.site)
		sitesim_copy_images(&s);
	if (out_commit(&s) < 0)
		goto fail;
	if (!o.quiet)
		print_summary(&s);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	out_discard(&s);
out:
	sim_free(&s);
	return rc;
}
