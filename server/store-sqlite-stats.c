/* trackd's SQLite history, the statistics side (see store.h): visits
 * from the stored zone events, the heatmap and utilization each run keeps,
 * the retention purge, and the purge of a flood's stray last positions. */
#include <stdlib.h>
#include <string.h>

#include "store-sqlite.h"

int
store_sqlite__visits(store *s, const char *zone, int64_t from_us, int64_t to_us,
                     double **lengths_s, size_t *n)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_VISITS);
	double *v = NULL;
	size_t cap = 0;
	int rc;

	store_sqlite__bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue; /* an exit whose entry is not kept */
		if (*n == cap) {
			double *m = realloc(v, (cap = cap ? 2 * cap : 64) *
			                               sizeof *v);

			if (!m) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = m;
		}
		v[(*n)++] = (double)sqlite3_column_int64(st, 0) * 1e-6;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store__set_err(s, "VISITS: %s", sqlite3_errstr(rc));
		free(v);
		*n = 0;
		return -1;
	}
	*lengths_s = v;
	return 0;
}

int
store_sqlite__put_heatmap(store *s, const char *floor, int64_t t_us,
                          int64_t run, size_t cols, size_t rows,
                          const float *cells)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_HEAT);

	store_sqlite__bind_text(st, 1, floor);
	sqlite3_bind_int64(st, 2, t_us);
	sqlite3_bind_int64(st, 3, run);
	sqlite3_bind_int64(st, 4, (int64_t)cols);
	sqlite3_bind_int64(st, 5, (int64_t)rows);
	sqlite3_bind_blob(st, 6, cells, (int)(cols * rows * sizeof *cells),
	                  SQLITE_STATIC);
	store_sqlite__bind_text(st, 7, s->instance);
	return store_sqlite__run(s, ST_PUT_HEAT);
}

int
store_sqlite__add_heatmap(store *s, const char *floor, int64_t from_us,
                          int64_t to_us, int64_t run, size_t cols, size_t rows,
                          float *cells)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_HEAT);
	int rc;

	store_sqlite__bind_text(st, 1, floor);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	sqlite3_bind_int64(st, 4, run);
	store_sqlite__bind_text(st, 5, s->instance);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const float *v = sqlite3_column_blob(st, 2);

		/* A grid of another shape: the site's floor has changed
		 * since; it does not add up with this one. */
		if ((size_t)sqlite3_column_int64(st, 0) != cols ||
		    (size_t)sqlite3_column_int64(st, 1) != rows ||
		    (size_t)sqlite3_column_bytes(st, 2) !=
		            cols * rows * sizeof *cells)
			continue;
		for (size_t i = 0; i < cols * rows; i++) {
			float x;

			memcpy(&x, (const char *)v + i * sizeof x, sizeof x);
			cells[i] += x;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store__set_err(s, "HEAT: %s",
		               sqlite3_errmsg(store_sqlite_db(s)));
		return -1;
	}
	return 0;
}

int
store_sqlite__put_utilization(store *s, const char *tag, int64_t day_us,
                              int64_t run, double moving_s, double idle_s)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_UTIL);

	store_sqlite__bind_text(st, 1, tag);
	sqlite3_bind_int64(st, 2, day_us);
	sqlite3_bind_int64(st, 3, run);
	sqlite3_bind_double(st, 4, moving_s);
	sqlite3_bind_double(st, 5, idle_s);
	store_sqlite__bind_text(st, 6, s->instance);
	return store_sqlite__run(s, ST_PUT_UTIL);
}

int
store_sqlite__utilization(store *s, const char *tag, int64_t from_day_us,
                          int64_t to_us, int64_t run, double *moving_s,
                          double *idle_s)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_UTIL);
	int rc;

	store_sqlite__bind_text(st, 1, tag);
	sqlite3_bind_int64(st, 2, from_day_us);
	sqlite3_bind_int64(st, 3, to_us);
	sqlite3_bind_int64(st, 4, run);
	store_sqlite__bind_text(st, 5, s->instance);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*moving_s += sqlite3_column_double(st, 0);
		*idle_s += sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		store__set_err(s, "UTIL: %s",
		               sqlite3_errmsg(store_sqlite_db(s)));
		return -1;
	}
	return 0;
}

int
store_sqlite__purge(store *s, int64_t before_us, size_t max_rows)
{
	static const enum stmt order[] = { ST_PURGE_POSITIONS, ST_PURGE_EVENTS,
		                           ST_PURGE_LAST };
	int64_t done = 0;

	for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
		sqlite3_stmt *st = store_sqlite_stmt(s, order[k]);

		if ((size_t)done >= max_rows)
			break;
		sqlite3_bind_int64(st, 1, before_us);
		if (order[k] != ST_PURGE_LAST)
			sqlite3_bind_int64(st, 2, (int64_t)max_rows - done);
		if (store_sqlite__run(s, order[k]) < 0)
			return -1;
		done += sqlite3_changes(store_sqlite_db(s));
	}
	return (int)done;
}

int
store_sqlite__purge_stray_last(store *s, const char *listed_json,
                               unsigned min_scanners)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PURGE_STRAY_LAST);

	sqlite3_bind_int64(st, 1, min_scanners);
	store_sqlite__bind_text(st, 2, listed_json);
	if (store_sqlite__run(s, ST_PURGE_STRAY_LAST) < 0)
		return -1;
	return sqlite3_changes(store_sqlite_db(s));
}
