/* tracksim-csv: the --csv mode. */
#ifndef TRACKSIM_CSV_H
#define TRACKSIM_CSV_H

#include "tracksim.h"

/* Runs s (set up by sim_init) to its end into the files of o->csv and
 * prints the summary (unless --quiet).  Returns the exit status. */
int csv_run(struct sim *s);

#endif /* TRACKSIM_CSV_H */
