/* The query string of a GET: its arguments, and the window (from=,
 * to=), days= and bucket= every report and history answer reads. The
 * *_parse functions take no lws and no clock, so they can be tested and
 * fuzzed alone. */
#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "clock.h"

/* The value of name= in the query string into out. lws writes every
 * fragment it looks at into the buffer it is given, so a missing argument
 * must not be allowed to leave one behind in out. */
bool
query_arg(struct lws *wsi, const char *name, char *out, size_t len)
{
	char buf[256];
	const char *v = lws_get_urlarg_by_name(wsi, name, buf, sizeof buf);

	if (!v || strlen(v) >= len)
		return false;
	memcpy(out, v, strlen(v) + 1);
	return true;
}

static bool
parse_time(const char *s, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e11)
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
		return "from: expected Unix seconds";
	if (to) {
		if (!parse_time(to, to_us))
			return "to: expected Unix seconds";
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
query_window(struct lws *wsi, int64_t *from_us, int64_t *to_us)
{
	char from[128], to[128];
	bool has_from = query_arg(wsi, "from=", from, sizeof from);
	bool has_to = query_arg(wsi, "to=", to, sizeof to);

	return query_window_parse(has_from ? from : NULL, has_to ? to : NULL,
	                          app_now_us(), from_us, to_us);
}
