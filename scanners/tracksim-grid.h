/* tracksim-grid: the building without --site. */
#ifndef TRACKSIM_GRID_H
#define TRACKSIM_GRID_H

#include <stddef.h>

#include "tracksim.h"

/* The grid building: floors 0..floors-1, a scanner at the centre of every
 * spacing-sized cell, --tags walkers, each with its first leg.  Returns
 * 0, or the exit status after printing why. */
int grid_init(struct sim *s);

/* Moves grid tag idx (g) on to its next leg. */
void grid_next_leg(struct sim *s, struct tag *g, size_t idx);

#endif /* TRACKSIM_GRID_H */
