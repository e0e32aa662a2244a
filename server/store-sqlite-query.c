/* trackd's SQLite history, the reads (see store.h): history, last
 * positions, events, alarms and occupancy, each handed row by row to the
 * caller's callback. */
#include <math.h>
#include <stdio.h>

#include "store-sqlite.h"

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static double
col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
	               ? NAN
	               : sqlite3_column_double(st, i);
}

static unsigned
col_unsigned(sqlite3_stmt *st, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

static void
copy_id(char dst[STORE_ID_MAX], const char *src)
{
	snprintf(dst, STORE_ID_MAX, "%s", src ? src : "");
}

/* One page of positions of a tag (ST_HISTORY: the rows name their
 * floor) or of a floor (ST_FLOOR_HISTORY: the rows name their tag). */
int
store_sqlite__positions_page(store *s, bool by_floor, const char *key,
                             struct store_key after, int64_t to_us,
                             size_t limit, store_position_cb cb, void *ud)
{
	enum stmt i = by_floor ? ST_FLOOR_HISTORY : ST_HISTORY;
	sqlite3_stmt *st = store_sqlite_stmt(s, i);
	bool by_tag = !by_floor;
	int rc;

	store_sqlite__bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, after.t_us);
	sqlite3_bind_int64(st, 3, to_us);
	sqlite3_bind_int64(st, 4, store__limit(limit));
	sqlite3_bind_int64(st, 5, after.rowid);
	while ((rc = store_sqlite__next_row(s, i)) > 0) {
		struct store_position p = {
			.tag = by_tag ? key : col_text(st, 1),
			.floor = by_tag ? col_text(st, 1) : key,
			.t_us = sqlite3_column_int64(st, 0),
			.x = sqlite3_column_double(st, 2),
			.y = sqlite3_column_double(st, 3),
			.r = sqlite3_column_double(st, 4),
			.zone = col_text(st, 5),
			.rowid = sqlite3_column_int64(st, 6),
		};

		if (cb(ud, &p))
			break;
	}
	return store_sqlite__finish(s, i, rc);
}

int
store_sqlite__has_tag(store *s, const char *tag)
{
	int rc;

	store_sqlite__bind_text(store_sqlite_stmt(s, ST_HAS_TAG), 1, tag);
	rc = store_sqlite__next_row(s, ST_HAS_TAG);
	store_sqlite__finish(s, ST_HAS_TAG, rc);
	return rc;
}

int
store_sqlite__last_positions(store *s, store_position_cb cb, void *ud)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_LAST);
	int rc;

	while ((rc = store_sqlite__next_row(s, ST_LAST)) > 0) {
		struct store_position p = {
			.tag = col_text(st, 0),
			.t_us = sqlite3_column_int64(st, 1),
			.floor = col_text(st, 2),
			.x = sqlite3_column_double(st, 3),
			.y = sqlite3_column_double(st, 4),
			.r = sqlite3_column_double(st, 5),
			.zone = col_text(st, 6),
			.scanners = col_unsigned(st, 7),
		};

		if (cb(ud, &p))
			break;
	}
	return store_sqlite__finish(s, ST_LAST, rc);
}

int
store_sqlite__events_page(store *s, int64_t from_us, struct store_key before,
                          const char *tag, const char *type, size_t limit,
                          store_event_cb cb, void *ud)
{
	/* Two statements, so that each can use its own index. */
	enum stmt i = tag ? ST_EVENTS_TAG : ST_EVENTS;
	sqlite3_stmt *st = store_sqlite_stmt(s, i);
	int k = 1, rc;

	if (tag)
		store_sqlite__bind_text(st, k++, tag);
	sqlite3_bind_int64(st, k++, from_us);
	sqlite3_bind_int64(st, k++, before.t_us);
	store_sqlite__bind_text(st, k++, type);
	sqlite3_bind_int64(st, k++, store__limit(limit));
	sqlite3_bind_int64(st, k, before.rowid);
	while ((rc = store_sqlite__next_row(s, i)) > 0) {
		struct store_event e = {
			.t_us = sqlite3_column_int64(st, 0),
			.type = col_text(st, 1),
			.zone = col_text(st, 3),
			.floor = col_text(st, 4),
			.x = col_real(st, 5),
			.y = col_real(st, 6),
			.rowid = sqlite3_column_int64(st, 7),
		};

		copy_id(e.tag, col_text(st, 2));
		if (cb(ud, &e))
			break;
	}
	return store_sqlite__finish(s, i, rc);
}

int
store_sqlite__alarms(store *s, size_t max_acked, uint64_t *max_id,
                     store_alarm_cb cb, void *ud)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_ALARMS);
	int rc;

	if (max_id) {
		sqlite3_stmt *mx = store_sqlite_stmt(s, ST_MAX_ALARM);

		rc = store_sqlite__next_row(s, ST_MAX_ALARM);
		*max_id = rc > 0 ? (uint64_t)sqlite3_column_int64(mx, 0) : 0;
		if (store_sqlite__finish(s, ST_MAX_ALARM, rc) < 0)
			return -1;
	}
	sqlite3_bind_int64(st, 1, store__limit(max_acked));
	while ((rc = store_sqlite__next_row(s, ST_ALARMS)) > 0) {
		struct store_alarm a = {
			.id = (uint64_t)sqlite3_column_int64(st, 0),
			.opened_us = sqlite3_column_int64(st, 2),
			.pressed_us = sqlite3_column_int64(st, 3),
			.acked = sqlite3_column_type(st, 5) != SQLITE_NULL,
			.acked_us = sqlite3_column_int64(st, 5),
		};

		copy_id(a.tag, col_text(st, 1));
		copy_id(a.acked_by, col_text(st, 4));
		if (cb(ud, &a))
			break;
	}
	return store_sqlite__finish(s, ST_ALARMS, rc);
}

int
store_sqlite__occupancy(store *s, const char *zone, int64_t from_us,
                        int64_t to_us, store_occupancy_cb cb, void *ud)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_OCCUPANCY);
	int rc;

	store_sqlite__bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	while ((rc = store_sqlite__next_row(s, ST_OCCUPANCY)) > 0) {
		struct store_occupancy o = {
			.zone = zone,
			.t_us = sqlite3_column_int64(st, 0),
			.mean = sqlite3_column_double(st, 1),
			.peak = col_unsigned(st, 2),
			.mean_person = sqlite3_column_double(st, 3),
			.mean_asset = sqlite3_column_double(st, 4),
			.peak_person = col_unsigned(st, 5),
			.peak_asset = col_unsigned(st, 6),
		};

		if (cb(ud, &o))
			break;
	}
	return store_sqlite__finish(s, ST_OCCUPANCY, rc);
}

int
store_sqlite__alarm_changes(store *s, store_alarm_cb cb, void *ud)
{
	/* One trackd per file: no one else acknowledges. */
	(void)s;
	(void)cb;
	(void)ud;
	return 0;
}
