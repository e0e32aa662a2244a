/* tracksim-sitewalk: where tags go on a site (--site). */
#ifndef TRACKSIM_SITEWALK_H
#define TRACKSIM_SITEWALK_H

#include <stddef.h>

#include "tracksim.h"

/* Places every tag and draws its first leg (s->tags filled by
 * sitesim_load). */
void sitewalk_setup_tags(struct sim *s);

/* Moves tag idx (g) on to its next leg. */
void sitewalk_next_leg(struct sim *s, struct tag *g, size_t idx);

#endif /* TRACKSIM_SITEWALK_H */
