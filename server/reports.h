#ifndef TRACKD_REPORTS_H
#define TRACKD_REPORTS_H

#include "app.h"
#include "paged.h"

/* One answer: JSON (json, a new reference), CSV text (csv, malloc'd), one
 * made in pieces as it is written (paged.next set), or an error (status
 * >= 400 with error and detail). */
struct report {
	int status;
	json_t *json;
	char *csv;
	struct paged paged;
	const char *error;
	const char *detail;
};

/* The value of name= (e.g. "from=") in the request's query string into
 * out (len bytes); false when it is absent or too long. */
bool query_arg(struct lws *wsi, const char *name, char *out, size_t len);

/* The window of from= and to= (Unix seconds), by default the last hour:
 * NULL, or what is wrong with it (not a time, or empty). */
const char *query_window(struct lws *wsi, int64_t *from_us, int64_t *to_us);

/* The same for the values of from= and to= (NULL: absent) at now_us: no
 * lws, no clock, so it can be tested and fuzzed alone. */
const char *query_window_parse(const char *from, const char *to,
                               int64_t now_us, int64_t *from_us,
                               int64_t *to_us);

/* The value of days= (0 to 3650, fractions allowed) and of bucket=
 * (seconds, a multiple of 60 up to a week): NULL, or what is wrong. */
const char *query_days_parse(const char *s, double *days);
const char *query_bucket_parse(const char *s, int64_t *bucket_us);

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

#endif
