/* What the engine's end-to-end tests (test_engine*.c) share: a building
 * of one or two floors with a 5 x 3 grid of scanners 3 m up on each, an
 * engine on it, and tags heard from the path-loss model. */
#ifndef TEST_ENGINE_FIXTURE_H
#define TEST_ENGINE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "track/track.h"

#define S 1000000LL /* microseconds per second */

extern track_floor floors[2];
/* The scanners of the last site() made. */
extern track_scanner scanners[30];

track_site site(size_t n_floors);
/* An engine on site(n_floors), made or the test fails. */
track_engine *engine(const track_config *cfg, size_t n_floors);
/* Every scanner of the site hears the tag at (x, y) on floor f, from the
 * model (20 dB less through a floor), plus gaussian noise of 6 dB when rng
 * is given. */
void hear(track_engine *e, const char *tag, size_t n_floors, size_t f,
          double x, double y, int64_t t_us, gsl_rng *rng);
/* One report from one scanner. */
void hear_one(track_engine *e, const char *scanner, const char *tag,
              double rssi, int64_t t_us);
track_position where(track_engine *e, const char *tag);
/* An update at t_us, its changes read. */
void tick(track_engine *e, int64_t t_us);

#endif
