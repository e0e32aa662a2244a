/* The query string of a GET request: see query.c. */
#ifndef TRACKD_QUERY_H
#define TRACKD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;

/* The value of name= (e.g. "from=") in the request's query string into
 * out (len bytes); false when it is absent or too long. */
bool query_arg(struct lws *wsi, const char *name, char *out, size_t len);

/* The window of from= and to= (Unix seconds, or ISO 8601 times with their
 * zone: 2025-11-23T12:13:20Z, ...+01:00), by default the last hour:
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

#endif
