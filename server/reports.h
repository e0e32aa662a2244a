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
struct report reports_get(struct app *a, const struct request *r, const char *which);

/* /api/v1/tags/{tag}/history?from=&to=&format=: the stored positions of
 * tag in the window (400 bad window, 404 a tag neither listed nor ever
 * seen, 503 without --db). */
struct report reports_history(struct app *a, const struct request *r,
                              const char *tag);

/* /api/v1/history?floor=&from=&to=&format=: the stored positions of every
 * tag on the floor in the window, at most 4 hours (400 beyond; 404 a floor
 * the site does not list; 503 without --db). People too when people is
 * true (the caller may see a person's history), else only the assets.
 * When the look-up reads people, whom (whom_len bytes, "" on entry) gets
 * what the audit trail names: "floor:f0 <from>/<to>" in ISO 8601. */
struct report reports_floor_history(struct app *a, const struct request *r,
                                    bool people, char *whom,
                                    size_t whom_len);

/* /api/v1/events?from=&to=&tag=&type=&format=: stored events (without
 * --db, those the live ring still holds). */
struct report reports_events(struct app *a, const struct request *r);

/* GET /api/v1/audit?from=&to=: the trail in a window, oldest first (at
 * most 10,000 rows; "truncated" says when there were more; 503 without
 * --db). */
struct report reports_audit(struct app *a, const struct request *r);

#endif
