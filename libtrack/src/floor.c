#include "track-private.h"

#include <math.h>

int32_t
track__floor_choose(struct track__floor_state *s, const double *best,
                    size_t n_floors, int64_t now_us, double margin_db,
                    int64_t hold_us, bool *changed)
{
	int32_t top = -1;

	*changed = false;
	for (size_t f = 0; f < n_floors; f++)
		if (isfinite(best[f]) && (top < 0 || best[f] > best[top]))
			top = (int32_t)f;
	if (top < 0)
		return s->current;
	if (s->current < 0 || !isfinite(best[s->current])) {
		/* Nothing heard on the current floor: no reason to wait. */
		*changed = s->current >= 0 && s->current != top;
		s->current = top;
		s->candidate = -1;
		return top;
	}
	if (top == s->current || best[top] - best[s->current] < margin_db) {
		s->candidate = -1;
		return s->current;
	}
	if (s->candidate != top) {
		s->candidate = top;
		s->since_us = now_us;
	}
	if (now_us - s->since_us >= hold_us) {
		s->current = top;
		s->candidate = -1;
		*changed = true;
	}
	return s->current;
}
