/* calibopts: track-calibrate's command line. */
#ifndef TRACK_TOOLS_CALIBOPTS_H
#define TRACK_TOOLS_CALIBOPTS_H

#include "calibrate.h"

/* The file names point into argv. */
struct calibopts {
	const char *scanners, *reports, *truth, *write_scanners;
	double tag_height;      /* NaN: use truth z */
	double floor_height;
	struct calibrate_options fit;
};

/* Fill *o from argv, defaults first. --help prints the usage on stdout
 * and exits 0. Returns 0, or 2 after printing why (and mostly the usage)
 * on stderr. */
int calibopts_parse(int argc, char **argv, struct calibopts *o);

#endif /* TRACK_TOOLS_CALIBOPTS_H */
