/* demo: the demo building (floorplans/demo/site.json), parsed once per
 * fuzzer process, for the targets that need a real engine. */
#ifndef FUZZ_DEMO_H
#define FUZZ_DEMO_H

#include <stdbool.h>

#include "track/site.h"
#include "track/track.h"

/* The demo site, loaded on the first call; aborts when it cannot be (the
 * fuzzer would test nothing). The document lives until the process ends. */
const track_site_doc *fuzz_demo_site(void);

/* The engine's defaults with its tables sized for one fuzz input: a
 * default engine allocates for a day of a big building, which would make
 * every run slow. The code paths are the same. */
track_config fuzz_config(void);

/* Whether site is beyond any building (a size or a scanner coordinate
 * past 1 km, or more than 16 floors): the engine may refuse it as too big
 * for its heatmap, a limit rather than a bug. */
bool fuzz_site_huge(const track_site *site);

/* A new engine on the demo site with cfg; aborts when it cannot be made. */
track_engine *fuzz_demo_engine(const track_config *cfg);

#endif
