/* The query string of a GET: its arguments, and the window (from=,
 * to=), days= and bucket= every report and history answer reads. No lws
 * and no clock: the request brings its reader and its time. */
#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of name= in the query string into out. A reader may write
 * every fragment it looks at into the buffer it is given (lws does), so
 * a missing argument must not be allowed to leave one behind in out. */
bool
query_arg(const struct request *r, const char *name, char *out, size_t len)
{
	char buf[256];
	const char *v = r->arg(r->ud, name, buf, sizeof buf);

	if (!v || strlen(v) >= len)
		return false;
	memcpy(out, v, strlen(v) + 1);
	return true;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; the
 * well-known era arithmetic: 400-year eras of 146097 days). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		                    31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* An ISO 8601 time with its zone: 2025-11-23T12:13:20Z, with a fraction
 * of a second (…20.25Z) or an offset (…13:13:20+01:00) instead of Z. A
 * time without a zone would name a different instant on every server, so
 * it is refused. Seconds since the epoch into *out. */
static bool
parse_iso8601(const char *s, double *out)
{
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, sign = 0;
	double frac = 0.0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	           &n) != 6 || n != 19)
		return false;
	p = s + n;
	if (*p == '.') {
		char *end;

		if (p[1] < '0' || p[1] > '9')
			return false;
		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') &&
	           sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else {
		return false;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59)
		return false;
	*out = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 +
	       mi * 60.0 + sec + frac - sign * (oh * 3600.0 + om * 60.0);
	return true;
}

/* Unix seconds (1763900000.25) or an ISO 8601 time with its zone. */
static bool
parse_time(const char *s, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if ((errno || end == s || *end) && !parse_iso8601(s, &v))
		return false;
	if (!isfinite(v) || v < 0 || v > 1e11)
		return false;
	*out = llround(v * 1e6);
	return true;
}

const char *
query_window_parse(const char *from, const char *to, int64_t now_us,
                   int64_t *from_us, int64_t *to_us)
{
	*to_us = now_us;
	*from_us = now_us - 3600 * (int64_t)1000000;
	if (from && !parse_time(from, from_us))
		return "from: expected Unix seconds or an ISO 8601 time with "
		       "its zone (2025-11-23T12:13:20Z)";
	if (to) {
		if (!parse_time(to, to_us))
			return "to: expected Unix seconds or an ISO 8601 time "
			       "with its zone (2025-11-23T12:13:20Z)";
		/* to alone: the hour before it. */
		if (!from)
			*from_us = *to_us - 3600 * (int64_t)1000000;
	}
	if (*from_us >= *to_us)
		return "the window is empty: from must be before to";
	return NULL;
}

const char *
query_days_parse(const char *s, double *days)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 3650)
		return "days: expected a number of days, 0 to 3650";
	*days = v;
	return NULL;
}

const char *
query_bucket_parse(const char *s, int64_t *bucket_us)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 60 || v > 7 * 86400 || v % 60)
		return "bucket: seconds, a multiple of 60 up to a week";
	*bucket_us = v * INT64_C(1000000);
	return NULL;
}

const char *
query_window(const struct request *r, int64_t *from_us, int64_t *to_us)
{
	char from[128], to[128];
	bool has_from = query_arg(r, "from=", from, sizeof from);
	bool has_to = query_arg(r, "to=", to, sizeof to);

	return query_window_parse(has_from ? from : NULL, has_to ? to : NULL,
	                          r->now_us, from_us, to_us);
}

bool
query_limit_parse(const char *s, size_t max, size_t *limit)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1 || (unsigned long long)v > max)
		return false;
	*limit = (size_t)v;
	return true;
}

void
query_cursor_format(char *buf, size_t len, int64_t t_us, int64_t row)
{
	snprintf(buf, len, "%lld.%lld", (long long)t_us, (long long)row);
}

const char *
query_cursor_parse(const char *s, int64_t *t_us, int64_t *row)
{
	static const char *const bad = "before: the \"next\" of the page "
	                               "before (T.R)";
	char *end;
	long long t, r;

	/* Digits only: strtoll would take spaces and signs too. */
	if (*s < '0' || *s > '9')
		return bad;
	errno = 0;
	t = strtoll(s, &end, 10);
	if (errno || *end != '.' || end[1] < '0' || end[1] > '9')
		return bad;
	r = strtoll(end + 1, &end, 10);
	if (errno || *end)
		return bad;
	*t_us = t;
	*row = r;
	return NULL;
}
