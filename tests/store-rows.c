/* Rows for the store's tests (store-rows.h). */
#include "store-rows.h"

#include <stdio.h>

#include <criterion/criterion.h>

struct store_position
pos(const char *tag, double t_s, double x, double y, const char *zone)
{
	return (struct store_position){ .tag = tag, .floor = "f0",
		                        .zone = zone,
		                        .t_us = (int64_t)(t_s * S),
		                        .x = x, .y = y, .r = 1.5 };
}

struct store_event
event(const char *type, const char *tag, double t_s)
{
	struct store_event e = { .t_us = (int64_t)(t_s * S), .type = type,
		                 .zone = "icu", .floor = "f0", .x = 1.0,
		                 .y = 2.0 };

	snprintf(e.tag, sizeof e.tag, "%s", tag);
	return e;
}

struct store_alarm
alarm_open(uint64_t id, const char *tag, double t_s)
{
	struct store_alarm a = { .id = id, .opened_us = (int64_t)(t_s * S),
		                 .pressed_us = (int64_t)(t_s * S) };

	snprintf(a.tag, sizeof a.tag, "%s", tag);
	return a;
}

struct store_alarm
alarm_acked(struct store_alarm a, const char *by, double t_s)
{
	a.acked = true;
	snprintf(a.acked_by, sizeof a.acked_by, "%s", by);
	a.acked_us = (int64_t)(t_s * S);
	return a;
}

int
got_position(void *ud, const struct store_position *p)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = p->t_us;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", p->tag);
	snprintf(g->zone[g->n], STORE_ID_MAX, "%s", p->zone ? p->zone : "-");
	g->n++;
	return 0;
}

int
got_event(void *ud, const struct store_event *e)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = e->t_us;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", e->tag);
	snprintf(g->zone[g->n], STORE_ID_MAX, "%s", e->type);
	g->n++;
	return 0;
}

int
got_alarm(void *ud, const struct store_alarm *a)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->al[g->n++] = *a;
	return 0;
}

int
got_occupancy(void *ud, const struct store_occupancy *o)
{
	struct got *g = ud;

	g->t[g->n] = o->t_us;
	g->mean[g->n++] = o->mean;
	return 0;
}

struct store_batch
batch_of(size_t cap)
{
	struct store_batch b;

	cr_assert_eq(store_batch_init(&b, cap), 0);
	return b;
}

/* ---- schema ------------------------------------------------------------- */
