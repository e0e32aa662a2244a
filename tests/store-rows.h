/* What the store's tests (test_store*.c) build and collect: rows of each
 * kind at a time in seconds, and what a query gave, in struct got. */
#ifndef TEST_STORE_ROWS_H
#define TEST_STORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "server/store.h"

#define S 1000000 /* microseconds in a second */

struct store_position pos(const char *tag, double t_s, double x, double y,
                          const char *zone);
struct store_event event(const char *type, const char *tag, double t_s);
struct store_alarm alarm_open(uint64_t id, const char *tag, double t_s);
struct store_alarm alarm_acked(struct store_alarm a, const char *by,
                               double t_s);
/* A batch of cap positions, made or the test fails. */
struct store_batch batch_of(size_t cap);

/* What a query gave (at most 64 rows). */
struct got {
	size_t n;
	int64_t t[64];
	char tag[64][STORE_ID_MAX];
	char zone[64][STORE_ID_MAX];
	struct store_alarm al[64];
	double mean[64];
};

int got_position(void *ud, const struct store_position *p);
int got_event(void *ud, const struct store_event *e);
int got_alarm(void *ud, const struct store_alarm *a);
int got_occupancy(void *ud, const struct store_occupancy *o);

#endif
