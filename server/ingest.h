/* The ingest of one track-ingest.v1 document (also the body of POST
 * /api/v1/ingest) into the engine: every report accepted or refused on
 * its own, with its index and why, under the per-scanner limits.
 *
 * Part of trackd's core: no sockets, no database, no clock (time is an
 * argument); whether the caller may report for a scanner is the caller's
 * to say (access.c's decision, passed in). ingest-app.c is the one call
 * the WebSocket and the POST both make. */
#ifndef TRACKD_INGEST_H
#define TRACKD_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "track/site.h"
#include "track/track.h"

/* A token bucket: how many may go in now, as of at_us. */
struct scanner_rate {
	double tokens;
	int64_t at_us;
};

struct ingest_limits {
	long scanner_rate;   /* reports/s per scanner (0: no limit) */
	long press_rate;     /* presses/s per scanner (0: no limit) */
	int64_t max_skew_us; /* reports further ahead of now refused */
};

/* What was refused, and why (trackd's /metrics). */
struct ingest_counts {
	uint64_t documents;         /* documents read */
	uint64_t documents_refused; /* not an ingest document at all */
	uint64_t wrong_scanner;     /* documents for a scanner not the caller's */
	uint64_t bad_tag;           /* reports with a tag id out of the set */
	uint64_t future;            /* reports stamped too far ahead */
	uint64_t rate_limited;      /* reports past the scanner's rate */
	uint64_t presses_limited;   /* presses past the scanner's press rate */
	uint64_t presses_unknown_scanner;
	uint64_t presses_unlisted;  /* presses for a tag the site lacks */
};

struct ingest {
	track_engine *engine;
	const json_t *site_tags;    /* site tag id -> index (the caller's) */
	json_t *scanners;           /* scanner id -> index into the rates */
	struct scanner_rate *rates, *press_rates;
	struct ingest_limits lim;
	struct ingest_counts n;
};

/* For engine e and the scanners of site, with the site's tags indexed by
 * id in site_tags (kept, not copied). 0, or -1 out of memory (g is then
 * safe to free). */
int ingest_init(struct ingest *g, track_engine *e, const track_site *site,
                const json_t *site_tags, const struct ingest_limits *lim);
void ingest_free(struct ingest *g);

/* Whether the caller may report for scanner. */
typedef bool (*ingest_may_report)(void *ud, const char *scanner);

/* Parse and feed the document text[0..len) at now_us from a caller that
 * may_report (with ud). The answer ({"accepted":N, "rejected":[...]}, or
 * {"error":...} for a document refused whole) is a new reference; *status
 * is the HTTP status for it: 200, 400 (not an ingest document) or 403 (a
 * scanner the caller may not report for). *pressed: a button press went
 * to the engine (every second counts: update now). */
json_t *ingest_document(struct ingest *g, const char *text, size_t len,
                        int64_t now_us, ingest_may_report may_report,
                        void *ud, int *status, bool *pressed);

#endif
