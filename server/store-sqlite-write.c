/* trackd's SQLite history, the writes (see store.h): a batch in one
 * transaction, and an alarm synced on its own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-sqlite.h"

static int
bind_real(sqlite3_stmt *st, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(st, i)
	                : sqlite3_bind_double(st, i, v);
}

static int
put_position(store *s, const struct store_position *p)
{
	/* The row, and the tag's newest place from the same values. */
	static const enum stmt both[] = { ST_PUT_POSITION, ST_PUT_LAST };

	for (size_t k = 0; k < 2; k++) {
		enum stmt i = both[k];
		sqlite3_stmt *st = store_sqlite_stmt(s, i);

		store_sqlite__bind_text(st, 1, p->tag);
		sqlite3_bind_int64(st, 2, p->t_us);
		store_sqlite__bind_text(st, 3, p->floor);
		sqlite3_bind_double(st, 4, p->x);
		sqlite3_bind_double(st, 5, p->y);
		sqlite3_bind_double(st, 6, p->r);
		store_sqlite__bind_text(st, 7, p->zone);
		if (i == ST_PUT_LAST && p->scanners)
			sqlite3_bind_int64(st, 8, p->scanners);
		else if (i == ST_PUT_LAST)
			sqlite3_bind_null(st, 8);
		if (store_sqlite__run(s, i) < 0)
			return -1;
	}
	return 0;
}

static int
put_event(store *s, const struct store_event *e)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_EVENT);

	sqlite3_bind_int64(st, 1, e->t_us);
	store_sqlite__bind_text(st, 2, e->type);
	store_sqlite__bind_text(st, 3, e->tag);
	store_sqlite__bind_text(st, 4, e->zone);
	store_sqlite__bind_text(st, 5, e->floor);
	bind_real(st, 6, e->x);
	bind_real(st, 7, e->y);
	return store_sqlite__run(s, ST_PUT_EVENT);
}

static int
put_alarm(store *s, const struct store_alarm *a)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_ALARM);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->id);
	store_sqlite__bind_text(st, 2, a->tag);
	sqlite3_bind_int64(st, 3, a->opened_us);
	sqlite3_bind_int64(st, 4, a->pressed_us);
	if (a->acked) {
		store_sqlite__bind_text(st, 5, a->acked_by);
		sqlite3_bind_int64(st, 6, a->acked_us);
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	return store_sqlite__run(s, ST_PUT_ALARM);
}

static int
put_occupancy(store *s, const struct store_occupancy *o)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_OCCUPANCY);

	store_sqlite__bind_text(st, 1, o->zone);
	sqlite3_bind_int64(st, 2, o->t_us);
	sqlite3_bind_double(st, 3, o->mean);
	sqlite3_bind_int64(st, 4, o->peak);
	sqlite3_bind_double(st, 5, o->mean_person);
	sqlite3_bind_double(st, 6, o->mean_asset);
	sqlite3_bind_int64(st, 7, o->peak_person);
	sqlite3_bind_int64(st, 8, o->peak_asset);
	return store_sqlite__run(s, ST_PUT_OCCUPANCY);
}

/* Undo the open transaction after a failure; the error stays the first
 * one's. */
static int
abandon(store *s)
{
	if (!sqlite3_get_autocommit(store_sqlite_db(s))) {
		sqlite3_step(store_sqlite_stmt(s, ST_ROLLBACK));
		sqlite3_reset(store_sqlite_stmt(s, ST_ROLLBACK));
	}
	return -1;
}

/* Index order: bucket, tag, time. */
static int
cmp_position(const void *x, const void *y)
{
	const struct store_position *p =
		*(const struct store_position *const *)x;
	const struct store_position *q =
		*(const struct store_position *const *)y;
	int64_t bp = p->t_us / BUCKET_US, bq = q->t_us / BUCKET_US;
	int c;

	if (bp != bq)
		return bp < bq ? -1 : 1;
	if ((c = strcmp(p->tag, q->tag)) != 0)
		return c;
	return (p->t_us > q->t_us) - (p->t_us < q->t_us);
}

/* The batch's positions sorted as the index keeps them: the inserts then
 * walk the index (and last_positions) forwards, page after page, instead
 * of hopping about (measured: a quarter less time a batch). NULL when
 * there are none, or when out of memory: the rows then go in as they
 * are. */
static const struct store_position **
in_index_order(store *s, const struct store_batch *b)
{
	struct store_sqlite *q = store_sqlite_of(s);

	if (b->pos_n == 0)
		return NULL;
	if (b->pos_n > q->order_cap) {
		const struct store_position **o =
			realloc(q->order, b->pos_n * sizeof *o);

		if (!o)
			return NULL;
		q->order = o;
		q->order_cap = b->pos_n;
	}
	for (size_t i = 0; i < b->pos_n; i++)
		q->order[i] = &b->pos[(b->pos_head + i) % b->pos_cap];
	qsort(q->order, b->pos_n, sizeof *q->order, cmp_position);
	return q->order;
}

/* The batch in one transaction: all of it, or (after a failure) none. */
static int
write_batch(store *s, const struct store_batch *b)
{
	const struct store_position **order = in_index_order(s, b);

	/* IMMEDIATE takes the write lock first: a busy database fails here,
	 * before anything was done. */
	if (store_sqlite__run(s, ST_BEGIN) < 0)
		return -1;
	for (size_t i = 0; i < b->pos_n; i++)
		if (put_position(s, order ? order[i]
		                          : &b->pos[(b->pos_head + i) %
		                                    b->pos_cap]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->ev_n; i++)
		if (put_event(s, &b->ev[i]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->al_n; i++)
		if (put_alarm(s, &b->al[i]) < 0)
			return abandon(s);
	for (size_t i = 0; i < b->occ_n; i++)
		if (put_occupancy(s, &b->occ[i]) < 0)
			return abandon(s);
	if (store_sqlite__run(s, ST_COMMIT) < 0)
		return abandon(s);
	return 0;
}

/* synced: FULL for this one transaction (an alarm's opening), then back
 * to NORMAL for the batches after it, whatever happened. */
int
store_sqlite__write(store *s, const struct store_batch *b, bool synced)
{
	int rc;

	if (!synced)
		return write_batch(s, b);
	if (store_sqlite__run(s, ST_SYNC_FULL) < 0)
		return -1;
	rc = write_batch(s, b);
	if (store_sqlite__run(s, ST_SYNC_NORMAL) < 0 && rc == 0)
		rc = -1;
	return rc;
}

int
store_sqlite__put_alarm(store *s, const struct store_alarm *a)
{
	int rc = -1;

	/* FULL for this one transaction: the WAL is synced at its commit,
	 * so the acknowledgement outlives a power cut as well. */
	if (store_sqlite__run(s, ST_SYNC_FULL) < 0)
		return -1;
	if (store_sqlite__run(s, ST_BEGIN) == 0) {
		if (put_alarm(s, a) < 0 || store_sqlite__run(s, ST_COMMIT) < 0)
			abandon(s);
		else
			rc = 0;
	}
	if (store_sqlite__run(s, ST_SYNC_NORMAL) < 0 && rc == 0)
		rc = -1;
	return rc;
}

/* The press's row: 1 made here, 0 there already, -1. */
static int
claim(store *s, struct store_alarm *a)
{
	static const enum stmt both[] = { ST_CLAIM_ALARM, ST_CLAIMED_ALARM };
	int rc = 0;

	for (size_t k = 0; k < 2; k++) {
		enum stmt i = both[k];
		sqlite3_stmt *st = store_sqlite_stmt(s, i);

		store_sqlite__bind_text(st, 1, a->tag);
		sqlite3_bind_int64(st, 2, a->opened_us);
		sqlite3_bind_int64(st, 3, a->pressed_us);
		rc = store_sqlite__next_row(s, i);
		if (rc > 0 && i == ST_CLAIM_ALARM) {
			a->id = (uint64_t)sqlite3_column_int64(st, 0);
			store_sqlite__finish(s, i, rc);
			return 1;
		}
		if (rc > 0) {
			const char *by = (const char *)sqlite3_column_text(st,
			                                                   2);

			a->id = (uint64_t)sqlite3_column_int64(st, 0);
			a->pressed_us = sqlite3_column_int64(st, 1);
			a->acked = sqlite3_column_type(st, 3) != SQLITE_NULL;
			a->acked_us = a->acked ? sqlite3_column_int64(st, 3) : 0;
			snprintf(a->acked_by, sizeof a->acked_by, "%s",
			         a->acked && by ? by : "");
		}
		if (store_sqlite__finish(s, i, rc) < 0)
			return -1;
		if (rc > 0)
			return 0;
	}
	/* Neither made nor found: cannot be, short of a trigger's doing. */
	store__set_err(s, "alarm of %s at %lld: not stored", a->tag,
	               (long long)a->opened_us);
	return -1;
}

int
store_sqlite__claim_alarm(store *s, struct store_alarm *a)
{
	struct store_alarm row = *a;
	int rc = -1;

	/* FULL, as an acknowledgement: a press that was shown must outlive
	 * a power cut. */
	if (store_sqlite__run(s, ST_SYNC_FULL) < 0)
		return -1;
	if (store_sqlite__run(s, ST_BEGIN) == 0) {
		rc = claim(s, &row);
		if (rc < 0 || store_sqlite__run(s, ST_COMMIT) < 0) {
			abandon(s);
			rc = -1;
		}
	}
	if (store_sqlite__run(s, ST_SYNC_NORMAL) < 0 && rc >= 0)
		rc = -1;
	if (rc >= 0)
		*a = row;
	return rc;
}
