/* fuzz-query: the values of a REST query's from=, to=, days= and bucket=
 * (what lws hands over: at most 127 bytes each). The input is a flags
 * byte (bit k: the k-th value given) and then the four values in that
 * order, separated by newlines. A window that is accepted is never empty
 * and never out of range; an accepted days= or bucket= is within its
 * documented range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"
#include "reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ends a window may have: Unix seconds 0 to 1e11, and the hour before
 * a to of 0. */
#define T_MIN (-3600 * (int64_t)1000000)
#define T_MAX ((int64_t)100000000000 * 1000000)

/* reports.c's other functions need these; the pure part never calls
 * them. */
int64_t
app_now_us(void)
{
	abort();
}

struct store_event
persist_event_row(const track_event *ev)
{
	(void)ev;
	abort();
}

const track_site_tag *
app_site_tag(const struct app *a, const char *id)
{
	(void)a;
	(void)id;
	abort();
}

bool
app_is_person(const struct app *a, const char *id)
{
	(void)a;
	(void)id;
	abort();
}

/* value[0..len) as a query value: no NUL inside, at most 127 bytes (lws
 * hands over a NUL-terminated string; a longer one counts as absent). */
static const char *
value(const uint8_t *v, size_t len, char buf[128])
{
	if (len >= 128 || memchr(v, '\0', len))
		return NULL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return buf;
}

/* The k-th newline-separated field of data[0..size) as a value, or NULL
 * when there are fewer fields or it is not a value. */
static const char *
field(const uint8_t *data, size_t size, int k, char buf[128])
{
	const uint8_t *p = data, *end = data + size, *nl;

	for (int i = 0; i < k; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	return value(p, (size_t)((nl ? nl : end) - p), buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A fixed now: 2025-11-23, well inside the accepted range. */
	const int64_t now = (int64_t)1763900000 * 1000000;
	char buf[4][128];
	const char *v[4] = { NULL, NULL, NULL, NULL }, *bad;
	int64_t f = 0, t = 0, bucket = -1;
	double days = -1.0;

	if (size == 0)
		return 0;
	for (int k = 0; k < 4; k++)
		if (data[0] & (1 << k))
			v[k] = field(data + 1, size - 1, k, buf[k]);
	bad = query_window_parse(v[0], v[1], now, &f, &t);
	if (!bad && (f >= t || f < T_MIN || t > T_MAX))
		abort();
	if (!bad && !v[0] && !v[1] && (t != now || f != now - 3600000000))
		abort();
	if (v[2] && !query_days_parse(v[2], &days) &&
	    !(days >= 0.0 && days <= 3650.0))
		abort();
	if (v[3] && !query_bucket_parse(v[3], &bucket) &&
	    (bucket < 60000000 || bucket > 7 * 86400 * INT64_C(1000000) ||
	     bucket % 60000000))
		abort();
	return 0;
}
