/* trackd's PostgreSQL history, the reads (see store.h): history, last
 * positions, events, alarms and occupancy, each handed row by row to the
 * caller's callback. A result is read whole (each is bounded by its
 * limit, or by the tags and zones there are), then handed on. */
#include <stdio.h>
#include <stdlib.h>

#include "store-pg.h"

#define text store_pg__col_text
#define num store_pg__col_int
#define real store_pg__col_real

static void
copy_id(char dst[STORE_ID_MAX], const char *src)
{
	snprintf(dst, STORE_ID_MAX, "%s", src ? src : "");
}

/* One page of positions of a tag (PG_HISTORY: the rows name their
 * floor) or of a floor (PG_FLOOR_HISTORY: the rows name their tag). */
int
store_pg__positions_page(store *s, bool by_floor, const char *key,
                         struct store_key after, int64_t to_us, size_t limit,
                         store_position_cb cb, void *ud)
{
	enum pg_stmt i = by_floor ? PG_FLOOR_HISTORY : PG_HISTORY;
	struct pg_params p = { 0 };
	bool by_tag = !by_floor;
	PGresult *r;

	store_pg__text(&p, key);
	store_pg__int(&p, after.t_us);
	store_pg__int(&p, to_us);
	store_pg__int(&p, store__limit(limit));
	store_pg__int(&p, after.rowid);
	if (!(r = store_pg__run(s, i, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_position row = {
			.tag = by_tag ? key : text(r, k, 1),
			.floor = by_tag ? text(r, k, 1) : key,
			.t_us = num(r, k, 0),
			.x = real(r, k, 2),
			.y = real(r, k, 3),
			.r = real(r, k, 4),
			.zone = text(r, k, 5),
			.rowid = num(r, k, 6),
		};

		if (cb(ud, &row))
			break;
	}
	PQclear(r);
	return 0;
}

int
store_pg__has_tag(store *s, const char *tag)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int n;

	store_pg__text(&p, tag);
	if (!(r = store_pg__run(s, PG_HAS_TAG, &p)))
		return -1;
	n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

int
store_pg__last_positions(store *s, store_position_cb cb, void *ud)
{
	PGresult *r = store_pg__run(s, PG_LAST, NULL);

	if (!r)
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_position row = {
			.tag = text(r, k, 0),
			.t_us = num(r, k, 1),
			.floor = text(r, k, 2),
			.x = real(r, k, 3),
			.y = real(r, k, 4),
			.r = real(r, k, 5),
			.zone = text(r, k, 6),
			.scanners = store_pg__col_unsigned(r, k, 7),
		};

		if (cb(ud, &row))
			break;
	}
	PQclear(r);
	return 0;
}

int
store_pg__events_page(store *s, int64_t from_us, struct store_key before,
                      const char *tag, const char *type, size_t limit,
                      store_event_cb cb, void *ud)
{
	/* Two statements, so that each can use its own index. */
	struct pg_params p = { 0 };
	PGresult *r;

	if (tag)
		store_pg__text(&p, tag);
	store_pg__int(&p, from_us);
	store_pg__int(&p, before.t_us);
	store_pg__text(&p, type);
	store_pg__int(&p, store__limit(limit));
	store_pg__int(&p, before.rowid);
	if (!(r = store_pg__run(s, tag ? PG_EVENTS_TAG : PG_EVENTS, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_event e = {
			.t_us = num(r, k, 0),
			.type = text(r, k, 1),
			.zone = text(r, k, 3),
			.floor = text(r, k, 4),
			.x = real(r, k, 5),
			.y = real(r, k, 6),
			.rowid = num(r, k, 7),
		};

		copy_id(e.tag, text(r, k, 2));
		if (cb(ud, &e))
			break;
	}
	PQclear(r);
	return 0;
}

int
store_pg__alarms(store *s, size_t max_acked, uint64_t *max_id,
                 store_alarm_cb cb, void *ud)
{
	struct pg_params p = { 0 };
	PGresult *r;

	if (max_id) {
		if (!(r = store_pg__run(s, PG_MAX_ALARM, NULL)))
			return -1;
		*max_id = (uint64_t)num(r, 0, 0);
		PQclear(r);
	}
	store_pg__int(&p, store__limit(max_acked));
	if (!(r = store_pg__run(s, PG_ALARMS, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_alarm a = {
			.id = (uint64_t)num(r, k, 0),
			.opened_us = num(r, k, 2),
			.pressed_us = num(r, k, 3),
			.acked = !PQgetisnull(r, k, 5),
			.acked_us = num(r, k, 5),
		};

		copy_id(a.tag, text(r, k, 1));
		copy_id(a.acked_by, text(r, k, 4));
		if (cb(ud, &a))
			break;
	}
	PQclear(r);
	return 0;
}

int
store_pg__occupancy(store *s, const char *zone, int64_t from_us,
                    int64_t to_us, store_occupancy_cb cb, void *ud)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__text(&p, zone);
	store_pg__int(&p, from_us);
	store_pg__int(&p, to_us);
	if (!(r = store_pg__run(s, PG_OCCUPANCY, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_occupancy o = {
			.zone = zone,
			.t_us = num(r, k, 0),
			.mean = real(r, k, 1),
			.peak = store_pg__col_unsigned(r, k, 2),
			.mean_person = real(r, k, 3),
			.mean_asset = real(r, k, 4),
			.peak_person = store_pg__col_unsigned(r, k, 5),
			.peak_asset = store_pg__col_unsigned(r, k, 6),
		};

		if (cb(ud, &o))
			break;
	}
	PQclear(r);
	return 0;
}

/* What store_alarm_changes() reads again on a new connection: every open
 * alarm and this many of the newest acknowledged ones (as many as trackd
 * keeps in memory, ALARMS_ACKED_KEPT). */
#define CATCH_UP_ACKED 256

static int
alarm_by_id(store *s, uint64_t id, store_alarm_cb cb, void *ud)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__int(&p, (int64_t)id);
	if (!(r = store_pg__run(s, PG_ALARM, &p)))
		return -1;
	if (PQntuples(r) == 1) {
		struct store_alarm a = {
			.id = (uint64_t)num(r, 0, 0),
			.opened_us = num(r, 0, 2),
			.pressed_us = num(r, 0, 3),
			.acked = !PQgetisnull(r, 0, 5),
			.acked_us = num(r, 0, 5),
		};

		copy_id(a.tag, text(r, 0, 1));
		copy_id(a.acked_by, text(r, 0, 4));
		cb(ud, &a);
	}
	PQclear(r);
	return 0;
}

int
store_pg__alarm_changes(store *s, store_alarm_cb cb, void *ud)
{
	struct store_pg *q = store_pg_of(s);
	PGnotify *n;
	int rc = 0;

	/* A lost connection is made again by the next write (each second),
	 * not here, several times a second. */
	if (PQstatus(q->conn) != CONNECTION_OK)
		return store_pg__fail(s, "notifications", NULL);
	/* Reads what the socket holds; never waits. */
	if (!PQconsumeInput(q->conn))
		return store_pg__fail(s, "notifications", NULL);
	if (q->listened != q->connections) {
		q->listened = q->connections;
		while ((n = PQnotifies(q->conn)))
			PQfreemem(n);
		return store_pg__alarms(s, CATCH_UP_ACKED, NULL, cb, ud);
	}
	while ((n = PQnotifies(q->conn))) {
		uint64_t id = strtoull(n->extra, NULL, 10);

		PQfreemem(n);
		if (rc == 0 && id)
			rc = alarm_by_id(s, id, cb, ud);
	}
	return rc;
}
