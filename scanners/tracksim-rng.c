/* tracksim's random streams: every (stream, index) pair has its own
 * seed, so that what one part of the model draws never shifts another's
 * draws. */
#include "tracksim-rng.h"

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
rng_stream_seed(long long seed, uint64_t stream, uint64_t index)
{
	uint64_t h = splitmix64((uint64_t)seed);

	h = splitmix64(h ^ stream);
	h = splitmix64(h ^ index);
	return (unsigned long)(h & 0xffffffffu);
}

uint64_t
rng_walk_stream(size_t tag)
{
	return ((uint64_t)tag << 8) | STREAM_WALK;
}

double
rng_uniform(gsl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(r);
}
