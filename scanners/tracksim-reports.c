/* tracksim's queue of reports: filled by the radio model, emptied in time
 * order by the output (csv or live). */
#include "tracksim-reports.h"

#include <stdlib.h>
#include <string.h>

int
reports_push(struct sim *s, struct report r)
{
	if (s->n_pending == s->cap_reports) {
		size_t cap = s->cap_reports ? 2 * s->cap_reports : 4096;
		struct report *p = realloc(s->reports, cap * sizeof *p);

		if (!p)
			return -1;
		s->reports = p;
		s->cap_reports = cap;
	}
	s->reports[s->n_pending++] = r;
	return 0;
}

/* A total order, so the sorted file does not depend on qsort's
 * (in)stability. */
static int
report_cmp(const void *pa, const void *pb)
{
	const struct report *a = pa, *b = pb;

	if (a->t_ms != b->t_ms)
		return a->t_ms < b->t_ms ? -1 : 1;
	if (a->tag != b->tag)
		return a->tag < b->tag ? -1 : 1;
	if (a->scanner != b->scanner)
		return a->scanner < b->scanner ? -1 : 1;
	return (a->rssi > b->rssi) - (a->rssi < b->rssi);
}

size_t
reports_due(struct sim *s, int64_t limit_ms)
{
	size_t n = 0;

	if (s->n_pending == 0)
		return 0;
	qsort(s->reports, s->n_pending, sizeof *s->reports, report_cmp);
	while (n < s->n_pending && s->reports[n].t_ms < limit_ms)
		n++;
	return n;
}

void
reports_take(struct sim *s, size_t n)
{
	/* Nothing may be pending yet (no buffer at all): memmove wants one. */
	if (s->n_pending > n)
		memmove(s->reports, s->reports + n,
			(s->n_pending - n) * sizeof *s->reports);
	s->n_pending -= n;
	s->n_reports += n;
}
