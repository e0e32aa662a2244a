/* tracksim-route: which way a tag goes through a site (tracksim-site.c's
 * zones): which restricted zones it belongs in, and the corridor it takes
 * rather than walk through rooms that are neither where it is nor where
 * it goes. */
#ifndef TRACKSIM_ROUTE_H
#define TRACKSIM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "tracksim.h"

/* Whether tag g belongs in zone z: any zone but a restricted one, and a
 * restricted one whose allow list names g's category. */
bool route_allowed(const struct sim *s, const struct tag *g, size_t z);

/* The zone of floor f holding (x, y) (the first in file order), or
 * SIZE_MAX. */
size_t route_zone_at(const struct sim *s, int f, double x, double y);

/* At most two points to walk through on floor f from (x0, y0) to
 * (x1, y1), into via; returns how many. None when the straight line
 * crosses only the start's and the goal's zones and corridors; else the
 * way through the corridor that makes the walk shortest: into it nearest
 * the start, along it, out of it nearest the goal. (Walls are not
 * modelled; this keeps walkers out of the rooms they only pass, and out
 * of theatres they have no business in.) */
size_t route_via(const struct sim *s, int f, double x0, double y0,
		 double x1, double y1, double via[2][2]);

#endif /* TRACKSIM_ROUTE_H */
