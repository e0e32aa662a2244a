/* The query string of a GET request: see query.c. */
#ifndef TRACKD_QUERY_H
#define TRACKD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A GET as the reports read it: its query string, through the glue's
 * reader, and the time it came at. No lws, no clock. */
struct request {
	/* The value of name= (e.g. "from=") into buf (len bytes): buf, or
	 * NULL when absent or too long; buf may be written either way. */
	const char *(*arg)(void *ud, const char *name, char *buf, size_t len);
	void *ud;
	int64_t now_us;
};

/* The value of name= into out (len bytes); false when it is absent or
 * too long (out is then untouched). */
bool query_arg(const struct request *r, const char *name, char *out,
               size_t len);

/* The window of from= and to= (Unix seconds, or ISO 8601 times with their
 * zone: 2025-11-23T12:13:20Z, ...+01:00), by default the hour before the
 * request: NULL, or what is wrong with it (not a time, or empty). */
const char *query_window(const struct request *r, int64_t *from_us,
                         int64_t *to_us);

/* The same for the values of from= and to= (NULL: absent) at now_us,
 * to be tested and fuzzed alone. */
const char *query_window_parse(const char *from, const char *to,
                               int64_t now_us, int64_t *from_us,
                               int64_t *to_us);

/* The value of days= (0 to 3650, fractions allowed) and of bucket=
 * (seconds, a multiple of 60 up to a week): NULL, or what is wrong. */
const char *query_days_parse(const char *s, double *days);
const char *query_bucket_parse(const char *s, int64_t *bucket_us);

/* The value of limit=: false unless a whole number from 1 to max. */
bool query_limit_parse(const char *s, size_t max, size_t *limit);

/* A page's cursor ("next" in an answer, before= in the next request):
 * the key of the last row given, "T.R" (decimal: its time in
 * microseconds and its row number). */
#define QUERY_CURSOR_MAX 48
void query_cursor_format(char *buf, size_t len, int64_t t_us, int64_t row);
/* NULL, or what is wrong with s (then *t_us and *row are untouched). */
const char *query_cursor_parse(const char *s, int64_t *t_us, int64_t *row);

#endif
