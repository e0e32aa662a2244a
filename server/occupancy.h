/* GET /api/v1/reports/occupancy: per zone, the mean and peak head count of
 * every minute of a window (the engine's for this run, the database's for
 * earlier ones), or of buckets merged from them; written in pieces
 * (paged.h), so a week of every zone costs no more memory than a minute. */
#ifndef TRACKD_OCCUPANCY_H
#define TRACKD_OCCUPANCY_H

#include <stdbool.h>
#include <stdint.h>

#include "reports.h"

/* The most buckets one zone's answer carries (a week of minutes); the
 * window is refused (400) beyond it, and beyond 31 days. */
#define OCCUPANCY_MAX_BUCKETS 10080

/* The answer for [from_us, to_us) of zone, or the zones of floor (both
 * "": every zone); bucket_us 0 or a multiple of a minute; as CSV when csv;
 * buckets after now_us (the request's time) have no data. 404 when zone
 * or floor names none. */
struct report occupancy_report(struct app *a, int64_t from_us, int64_t to_us,
                               const char *zone, const char *floor,
                               int64_t bucket_us, bool csv, int64_t now_us);

#endif
