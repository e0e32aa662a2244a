/*
 * tracksim: the RSSI a scanner reports for an advert.  Log-distance path
 * loss, then what real recordings show on top of it: shadowing that stays
 * with a (tag, scanner) link over a few metres of walking (Gudmundson's
 * exponential correlation, on the distance walked) plus fast fading per
 * packet (--sigma); the wearer's body between a badge and the scanners
 * behind them; radios of a few kinds that read several dB apart (as a
 * Raspberry Pi's built-in radio and a USB dongle do); scanners that hear a
 * different share of the adverts, and outages in which one hears nothing.
 *
 * Each model has streams of its own: the shadowing draws from s->fade for
 * every link of every advert, heard or not, the kinds and rates from one
 * stream per scanner, the outages from a hash of (scanner, outage), so
 * that turning one off changes nothing else, and with all of them off the
 * reports are those of the plain model.
 */
#include "tracksim-radio.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "tracksim-fade.h"
#include "tracksim-reports.h"
#include "tracksim-rng.h"

/* A uniform in (0, 1] from the hash of (stream, index): an outage needs
 * two draws, not a generator. */
static double
hash_uniform(long long seed, uint64_t stream, uint64_t index)
{
	return ((double)rng_stream_seed(seed, stream, index) + 1.0) /
	       4294967296.0;
}

/* Draws scanner k's next outage, after time t: an up-time, then the
 * outage, both exponential. */
static void
draw_outage(struct sim *s, size_t k, double t)
{
	const struct options *o = s->o;
	struct fade_outages *q = &s->outages[k];
	uint64_t stream = ((uint64_t)k << 8) | STREAM_OUTAGE;
	uint64_t n = q->drawn++;

	q->next_from = t + fade_exp(o->outage_every,
		hash_uniform(o->seed, stream, 2 * n));
	q->next_to = q->next_from + fade_exp(o->outage_len,
		hash_uniform(o->seed, stream, 2 * n + 1));
}

int
radio_init(struct sim *s)
{
	const struct options *o = s->o;
	gsl_rng *r = s->fade;

	for (size_t k = 0; k < s->n_scanners; k++) {
		struct scanner *sc = &s->scanners[k];

		gsl_rng_set(r, rng_stream_seed(o->seed, STREAM_HW, k));
		sc->kind = (int)gsl_rng_uniform_int(r,
			(unsigned long)o->radio_kinds);
		sc->hear = 1.0 - o->rate_spread * gsl_rng_uniform(r);
		/* Rounded as scenario.json records it. */
		sc->bias = round((sc->bias + fade_kind_offset(sc->kind,
			o->radio_kinds, o->kind_spread)) * 1000.0) / 1000.0;
	}
	gsl_rng_set(r, rng_stream_seed(o->seed, STREAM_FADE, 0));
	for (size_t i = 0; i < s->n_tags; i++)
		s->tags[i].afloor = -1;
	if (o->shadow_sigma > 0.0 && s->n_tags > 0 && s->n_scanners > 0) {
		/* Zero, and drawn fresh at each tag's first advert. */
		s->shadow = calloc(s->n_tags * s->n_scanners,
				   sizeof *s->shadow);
		if (!s->shadow)
			return -1;
	}
	if (o->outage_every > 0.0 && s->n_scanners > 0) {
		s->outages = calloc(s->n_scanners, sizeof *s->outages);
		if (!s->outages)
			return -1;
		for (size_t k = 0; k < s->n_scanners; k++)
			draw_outage(s, k, o->t0);
	}
	return 0;
}

void
radio_free(struct sim *s)
{
	free(s->outages);
	free(s->shadow);
}

void
radio_slice(struct sim *s, double a, double b)
{
	if (!s->outages)
		return;
	for (size_t k = 0; k < s->n_scanners; k++) {
		struct fade_outages *q = &s->outages[k];

		fade_outages_forget(q, a);
		while (q->next_from < b) {
			fade_outages_keep(q);
			draw_outage(s, k, q->next_to);
		}
	}
}

/* Moves tag idx's shadowing on to its advert at p: every link steps by
 * the distance walked since the last advert (a new floor: new links). */
static void
step_shadow(struct sim *s, size_t idx, struct pos p)
{
	const struct options *o = s->o;
	struct tag *g = &s->tags[idx];
	float *sh = s->shadow + idx * s->n_scanners;
	double moved = g->afloor == p.floor ?
		hypot(p.x - g->ax, p.y - g->ay) : INFINITY;

	for (size_t k = 0; k < s->n_scanners; k++)
		sh[k] = (float)fade_shadow_next(sh[k], moved, o->shadow_dist,
			o->shadow_sigma, gsl_ran_gaussian_ziggurat(s->fade, 1.0));
}

int
radio_advertise(struct sim *s, size_t idx, double t, struct pos p)
{
	const struct options *o = s->o;
	struct tag *g = &s->tags[idx];
	double tz = s->floors[p.floor].z + o->tag_z;
	int rank = s->floors[p.floor].rank;
	double base = o->tx + g->bias;
	bool worn = g->role != ROLE_ASSET && o->body_loss > 0.0;

	if (s->shadow)
		step_shadow(s, idx, p);
	g->ax = p.x;
	g->ay = p.y;
	g->afloor = p.floor;
	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];

		/* The same draw as the plain model's: with hear 1 it is
		 * lost with probability --drop. */
		if (gsl_rng_uniform(s->radio) < 1.0 - (1.0 - o->drop) *
						     sc->hear ||
		    (s->outages && fade_outage_at(&s->outages[k], t)))
			continue;
		double dx = p.x - sc->x, dy = p.y - sc->y, dz = tz - sc->z;
		double d2 = fmax(dx * dx + dy * dy + dz * dz, 0.01);
		int crossed = abs(rank - s->floors[sc->floor].rank);
		double rssi = base + sc->bias - 5.0 * sc->n * log10(d2) -
			      o->floor_atten * (double)crossed +
			      gsl_ran_gaussian(s->radio, o->sigma);
		if (s->shadow)
			rssi += s->shadow[idx * s->n_scanners + k];
		if (worn)
			rssi -= fade_body_loss(g->hx, g->hy, -dx, -dy, -dz,
					       o->body_loss);
		if (rssi < o->threshold)
			continue;
		double tr = t + o->latency * gsl_rng_uniform(s->radio);
		struct report r = {
			.t_ms = llround(tr * 1000.0),
			.tag = (uint32_t)idx,
			.scanner = (uint16_t)k,
			.rssi = (int16_t)fmin(fmax(round(rssi), -127.0), 0.0),
		};
		if (reports_push(s, r) < 0)
			return -1;
	}
	return 0;
}
