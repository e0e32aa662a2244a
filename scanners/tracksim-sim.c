/* tracksim's model, slice by slice: sets up the building (grid or site),
 * its scanners and tags, moves the tags, has them advertise and press
 * buttons, and keeps the truth; the output modes take what it queues. */
#include "tracksim-sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tracksim-grid.h"
#include "tracksim-radio.h"
#include "tracksim-rng.h"
#include "tracksim-site.h"
#include "tracksim-sitewalk.h"
#include "tracksim-walk.h"

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

/* Where tag idx is at t; calls for one tag must come in non-decreasing t
 * (legs only move on). */
static struct pos
tag_position(struct sim *s, size_t idx, double t)
{
	struct tag *g = &s->tags[idx];

	while (t >= g->leg.t_end) {
		if (g->n_ahead > 0)
			walk_next_stretch(g);
		else if (s->site)
			sitewalk_next_leg(s, g, idx);
		else
			grid_next_leg(s, g, idx);
	}
	return walk_where(&g->leg, t);
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
		 * tag_position requires. */
		for (;;) {
			double tt = k < k_end ? o->t0 +
				(double)k * o->truth_dt : INFINITY;
			double ta = g->next_advert < adv_end ?
				g->next_advert : INFINITY;

			if (isinf(tt) && isinf(ta))
				break;
			if (tt <= ta) {
				s->truth[(size_t)(k - k_begin) * s->n_tags +
					 i] = tag_position(s, i, tt);
				k++;
				continue;
			}
			if (radio_advertise(s, i, ta,
					    tag_position(s, i, ta)) < 0)
				return -1;
			g->next_advert += o->period + rng_uniform(
				s->radio, -s->jitter, s->jitter);
		}
	}
	s->truth_k0 = k_begin;
	s->truth_next = k_end;
	return press_buttons(s, b) < 0 ? -1 : 1;
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
	gsl_rng_set(s->setup, rng_stream_seed(o->seed, STREAM_SETUP, 0));
	gsl_rng_set(s->radio, rng_stream_seed(o->seed, STREAM_RADIO, 0));
	gsl_rng_set(s->button, rng_stream_seed(o->seed, STREAM_BUTTON, 0));

	rc = o->site ? sitesim_load(s) : grid_init(s);
	if (rc != 0)
		return rc;
	if (o->site)
		sitewalk_setup_tags(s);
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
