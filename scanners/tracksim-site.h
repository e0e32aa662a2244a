/* tracksim-site: the building from a site file (--site). */
#ifndef TRACKSIM_SITE_H
#define TRACKSIM_SITE_H

#include "tracksim.h"

/* Reads and parses o->site into s (site, floors, scanners, zones, tags).
 * Returns 0, or the exit status after printing why. */
int sitesim_load(struct sim *s);

void sitesim_free(struct sim *s);

#endif /* TRACKSIM_SITE_H */
