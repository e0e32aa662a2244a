/* GET /metrics: every counter and gauge of trackd, as Prometheus' text
 * format (version 0.0.4). Only for the admin and monitor roles: the
 * counters say how busy the site is and how it is defended. */
#ifndef TRACKD_METRICS_H
#define TRACKD_METRICS_H

#include "app.h"

/* The page, for the caller to free; NULL when out of memory. */
char *metrics_text(struct app *a);

#endif
