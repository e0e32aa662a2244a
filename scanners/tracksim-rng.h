/* tracksim-rng: seeded random streams, one per (stream, index) pair, so
 * that what one part of the model draws never moves another's draws. */
#ifndef TRACKSIM_RNG_H
#define TRACKSIM_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

enum { STREAM_SETUP = 1, STREAM_RADIO = 2, STREAM_WALK = 3,
       STREAM_BUTTON = 4, STREAM_FADE = 5, STREAM_HW = 6, STREAM_OUTAGE = 7 };

/* Independent generator seeds for (stream, index) pairs. */
unsigned long rng_stream_seed(long long seed, uint64_t stream,
			      uint64_t index);

/* The stream of tag idx's walk: leg k draws from index k. */
uint64_t rng_walk_stream(size_t tag);

/* Uniform in [lo, hi). */
double rng_uniform(gsl_rng *r, double lo, double hi);

#endif /* TRACKSIM_RNG_H */
