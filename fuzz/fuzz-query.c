/* fuzz-query: the values of a REST query's from= and to= (what lws hands
 * over: at most 127 bytes each). The input is a flags byte (bit 0: from=
 * given, bit 1: to= given) and then the from value, a newline and the to
 * value. A window that is accepted is never empty and never out of range. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A fixed now: 2025-11-23, well inside the accepted range. */
	const int64_t now = (int64_t)1763900000 * 1000000;
	char fbuf[128], tbuf[128];
	const char *from = NULL, *to = NULL, *bad;
	const uint8_t *nl;
	size_t flen;
	int64_t f = 0, t = 0;

	if (size == 0)
		return 0;
	nl = memchr(data + 1, '\n', size - 1);
	flen = nl ? (size_t)(nl - data - 1) : size - 1;
	if (data[0] & 1)
		from = value(data + 1, flen, fbuf);
	if ((data[0] & 2) && nl)
		to = value(nl + 1, size - flen - 2, tbuf);
	bad = query_window_parse(from, to, now, &f, &t);
	if (!bad && (f >= t || f < T_MIN || t > T_MAX))
		abort();
	if (!bad && !from && !to && (t != now || f != now - 3600000000))
		abort();
	return 0;
}
