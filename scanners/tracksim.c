/*
 * tracksim: scenario generator and live load for trackd.
 *
 * With --csv (tracksim-csv.c), writes scanners.csv, reports.csv,
 * truth.csv, site.json and scenario.json (the CSV contract in DESIGN.md)
 * for a simulated site: either a grid of scanners on every floor
 * (tracksim-grid.c), or a real site file (--site, tracksim-site.c and
 * tracksim-sitewalk.c).  With --server, runs the same model in real time
 * and sends the reports to trackd (tracksim-live.c).  Tags stand still or walk
 * routes (tracksim-walk.c: corners, stops, the stairs between floors);
 * RSSI follows a log-distance model with correlated shadowing, fast
 * fading, body loss, radio kinds, per-scanner and per-tag bias, report
 * rates, drops and outages (tracksim-radio.c), a sensitivity threshold
 * and delivery latency.
 *
 * The same arguments always give byte-identical files.  Time is simulated in
 * slices (SLICE_S, sized so that one holds about one advertisement per tag
 * at the default period) so that memory does not grow with the duration.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "tracksim-csv.h"
#include "tracksim-live.h"
#include "tracksim-opts.h"
#include "tracksim-sim.h"

int
main(int argc, char **argv)
{
	struct options o;
	struct sim s;
	int rc = opts_parse(argc, argv, &o);

	if (rc < 0)
		return EXIT_SUCCESS;
	if (rc > 0)
		return rc;
	/* Report failures here instead of GSL aborting the process. */
	gsl_set_error_handler_off();

	/* Simulated time is the wall clock, to the millisecond the reports
	 * carry. */
	if (o.server)
		o.t0 = floor(live_now() * 1000.0) / 1000.0;
	rc = sim_init(&s, &o);
	if (rc == 0)
		rc = o.server ? live_run(&s) : csv_run(&s);
	sim_free(&s);
	return rc;
}
