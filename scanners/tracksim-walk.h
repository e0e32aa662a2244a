/* tracksim-walk: routes.  A tag walks its route one stretch (struct leg)
 * at a time; the building (grid or site) says where the route goes. */
#ifndef TRACKSIM_WALK_H
#define TRACKSIM_WALK_H

#include <gsl/gsl_rng.h>

#include "tracksim.h"

/* Routes tag g from where its leg ends to (x, y) on floor `floor` at
 * `speed`, to stand there for `pause`: through the n_via (at most 2)
 * points of via, else maybe round a corner; maybe with a stop on the way,
 * each stretch at its own speed (draws from r).  Starts the first
 * stretch. */
void walk_route(const struct options *o, struct tag *g, gsl_rng *r,
		const double (*via)[2], size_t n_via, double x, double y,
		int floor, double speed, double pause);

/* Starts the next stretch of g's route (g->n_ahead > 0) from where the
 * leg ends. */
void walk_next_stretch(struct tag *g);

/* How long an asset rests after a move of travel_s seconds, so that it
 * moves --asset-move of the time on average (u uniform in [0, 1)). */
double walk_asset_rest(const struct options *o, double travel_s, double u);

/* Where a tag on leg l is at t (t < l->t_end). */
struct pos walk_where(const struct leg *l, double t);

#endif /* TRACKSIM_WALK_H */
