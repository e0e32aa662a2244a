/* tracksim-reports: the queue of pending reports (s->reports). */
#ifndef TRACKSIM_REPORTS_H
#define TRACKSIM_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "tracksim.h"

/* Queues a report (s->reports grows; it is reused slice after slice).
 * Returns 0, or -1 out of memory. */
int reports_push(struct sim *s, struct report r);

/* Sorts the pending reports (by time, tag, scanner) and returns how many
 * come before limit_ms: s->reports[0 .. n). */
size_t reports_due(struct sim *s, int64_t limit_ms);

/* Forgets the first n pending reports (handled by the caller). */
void reports_take(struct sim *s, size_t n);

#endif /* TRACKSIM_REPORTS_H */
