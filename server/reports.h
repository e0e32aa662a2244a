#ifndef TRACKD_REPORTS_H
#define TRACKD_REPORTS_H

#include "app.h"
#include "paged.h"
#include "query.h" /* what its callers parse */

/* One answer: JSON (json, a new reference), CSV text (csv, malloc'd), one
 * made in pieces as it is written (paged.next set: occupancy, history,
 * events and audit), or an error (status >= 400 with error and detail). */
struct report {
	int status;
	json_t *json;
	char *csv;
	struct paged paged;
	const char *error;
	const char *detail;
};

/* /api/v1/reports/{which} with the request's query string. */
struct report reports_get(struct app *a, struct lws *wsi, const char *which);

/* /api/v1/tags/{tag}/history?from=&to=&format=: the stored positions of
 * tag in the window (400 bad window, 404 a tag neither listed nor ever
 * seen, 503 without --db). */
struct report reports_history(struct app *a, struct lws *wsi,
                              const char *tag);

/* /api/v1/events?from=&to=&tag=&type=&format=: stored events (without
 * --db, those the live ring still holds). */
struct report reports_events(struct app *a, struct lws *wsi);

/* GET /api/v1/audit?from=&to=: the trail in a window, oldest first (at
 * most 10,000 rows; "truncated" says when there were more; 503 without
 * --db). */
struct report reports_audit(struct app *a, struct lws *wsi);

#endif
