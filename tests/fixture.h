#ifndef TRACK_TESTS_FIXTURE_H
#define TRACK_TESTS_FIXTURE_H

#include <stdbool.h>

#include "track/track.h"

#define S 1000000LL

/* Floor f0, 40 x 20 m; zones ward-a [0,20]x[0,20] (room), hall-b
 * [20,40]x[0,10] (corridor), pharmacy [20,40]x[10,20] (restricted); tags
 * nurse-1 (person, staff), pump-1 (asset, infusion-pump), bed-1 (asset,
 * bed); 15 scanners on a 5 x 3 grid 3 m up. */
extern track_scanner fixture_scanners[15];
extern const track_floor fixture_floor;
extern const track_zone fixture_zones[];
extern const track_tag_info fixture_tags[];

/* smooth false: every fix as solved from one second of reports. */
track_engine *fixture_engine(bool smooth);
/* The same with zones of the caller's (n of them) instead. */
track_engine *fixture_engine_zones(bool smooth, const track_zone *zones,
                                   size_t n);
/* Every scanner hears tag at (x, y) once around t_us; flags on one. */
void fixture_hear(track_engine *e, const char *tag, double x, double y,
                  int64_t t_us, unsigned flags);
/* Update at t_us, read the positions, append its events to ev[*n..64). */
void fixture_tick(track_engine *e, int64_t t_us, track_event *ev, size_t *n);

#endif
