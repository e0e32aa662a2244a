#include "track-private.h"

#include <math.h>
#include <string.h>

void
track__rssi_reset(struct track__rssi *f)
{
	f->newest = INT64_MIN;
	memset(f->max, INT8_MIN, sizeof f->max);
	memset(f->count, 0, sizeof f->count);
}

static int64_t
bucket_of(int64_t t_us, int64_t bucket_us)
{
	int64_t b = t_us / bucket_us;

	/* Floor division, so negative times bucket the same way. */
	if (t_us % bucket_us < 0)
		b--;
	return b;
}

/* Slide the ring so that slot 0 is bucket b; older slots fall off. */
static void
advance(struct track__rssi *f, int64_t b)
{
	int64_t shift;

	if (f->newest == INT64_MIN || b - f->newest >= TRACK__BUCKETS) {
		memset(f->max, INT8_MIN, sizeof f->max);
		memset(f->count, 0, sizeof f->count);
		f->newest = b;
		return;
	}
	shift = b - f->newest;
	if (shift <= 0)
		return;
	memmove(f->max + shift, f->max, (size_t)(TRACK__BUCKETS - shift));
	memmove(f->count + shift, f->count, (size_t)(TRACK__BUCKETS - shift));
	memset(f->max, INT8_MIN, (size_t)shift);
	memset(f->count, 0, (size_t)shift);
	f->newest = b;
}

void
track__rssi_add(struct track__rssi *f, int64_t t_us, int rssi,
                int64_t bucket_us)
{
	int64_t b = bucket_of(t_us, bucket_us);
	int64_t slot;

	advance(f, b);
	slot = f->newest - b;
	/* A reading older than the window adds nothing. */
	if (slot < 0 || slot >= TRACK__BUCKETS)
		return;
	if (rssi > f->max[slot])
		f->max[slot] = (int8_t)rssi;
	if (f->count[slot] < UINT8_MAX)
		f->count[slot]++;
}

bool
track__rssi_value(const struct track__rssi *f, int64_t now_us,
                  int64_t bucket_us, double *rssi, unsigned *count)
{
	int64_t b = bucket_of(now_us, bucket_us);
	int best = INT8_MIN;
	unsigned n = 0;

	if (f->newest == INT64_MIN)
		return false;
	for (int s = 0; s < TRACK__BUCKETS; s++) {
		int64_t age = b - (f->newest - s);

		if (age < 0 || age >= TRACK__BUCKETS)
			continue;
		if (f->count[s] == 0)
			continue;
		if (f->max[s] > best)
			best = f->max[s];
		n += f->count[s];
	}
	if (n == 0)
		return false;
	*rssi = best;
	*count = n;
	return true;
}
