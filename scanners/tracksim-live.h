/* tracksim-live: the --server mode. */
#ifndef TRACKSIM_LIVE_H
#define TRACKSIM_LIVE_H

#include "tracksim.h"

/* Wall-clock time, Unix seconds. */
double live_now(void);

/* Runs s (set up with t0 = live_now()) in real time, sending its reports
 * to o->server until SIGINT or SIGTERM (or the end of --duration).
 * Returns the exit status. */
int live_run(struct sim *s);

#endif /* TRACKSIM_LIVE_H */
