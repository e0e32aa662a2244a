/* tracksim-sim: the model, slice by slice. */
#ifndef TRACKSIM_SIM_H
#define TRACKSIM_SIM_H

#include <stdbool.h>

#include "tracksim.h"

/* Sets up s for o (which must outlive it): the building, the scanners and
 * every tag's first leg.  Returns 0, or the exit status after printing
 * why.  sim_free(s) is needed either way. */
int sim_init(struct sim *s, const struct options *o);
void sim_free(struct sim *s);

/* Simulates slice number slice (in order, from 0): the adverts'
 * reports are added to s->reports (unsorted; latency may stamp them after
 * the slice), the presses in the slice to s->presses and, with truth, the
 * positions at the truth instants in the slice to s->truth.  Returns 1,
 * 0 if the slice starts after the end (nothing done), or -1 out of
 * memory. */
int sim_step(struct sim *s, long long slice, bool truth);

#endif /* TRACKSIM_SIM_H */
