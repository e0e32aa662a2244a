/*
 * tracksim-fade: the pure pieces of tracksim's radio model (no state, no
 * random generator of their own), so that they can be tested alone.
 */
#ifndef TRACKSIM_FADE_H
#define TRACKSIM_FADE_H

#include <stddef.h>

/* Gudmundson shadowing: the next value of an exponentially correlated
 * Gaussian process (mean 0, standard deviation sigma) after the tag has
 * moved `moved` metres; its correlation is e^-1 at `dist` metres.  z is a
 * standard normal draw.  moved = INFINITY gives a fresh value. */
double fade_shadow_next(double prev, double moved, double dist,
			double sigma, double z);

/* The body's loss, dB, for a tag worn by someone facing (hx, hy) (a unit
 * vector) toward a scanner at (dx, dy, dz) from the tag: `loss` straight
 * behind, half of it to the side, none in front, and fading as the
 * scanner gets overhead (the body blocks horizontal paths). */
double fade_body_loss(double hx, double hy, double dx, double dy, double dz,
		      double loss);

/* The offset of radio kind `kind` (0 .. kinds - 1): the kinds are spread
 * evenly over [-spread / 2, spread / 2], so their mean is 0. */
double fade_kind_offset(long long kind, long long kinds, double spread);

/* An exponential draw of the given mean from a uniform u in (0, 1]. */
double fade_exp(double mean, double u);

/* A scanner's outages (it hears nothing: a stalled radio, a busy bridge):
 * the ones that end after the window start, in order, and where the next
 * one starts.  Slots are few: outages that would not fit are merged into
 * the last one, which only happens with outages far shorter than a
 * slice. */
#define FADE_OUTAGE_SLOTS 8

struct fade_outages {
	double from[FADE_OUTAGE_SLOTS], to[FADE_OUTAGE_SLOTS];
	size_t n;
	double next_from;  /* the start of the next outage not yet kept */
	double next_to;
	unsigned long long drawn;  /* outages drawn, next included */
};

/* Whether t falls in one of q's outages. */
int fade_outage_at(const struct fade_outages *q, double t);

/* Forgets q's outages that end at or before a. */
void fade_outages_forget(struct fade_outages *q, double a);

/* Keeps the outage next_from .. next_to (merging if q is full). */
void fade_outages_keep(struct fade_outages *q);

#endif /* TRACKSIM_FADE_H */
