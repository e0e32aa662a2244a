/* trackd's PostgreSQL history, the statistics side (see store.h): visits
 * from the stored zone events, the heatmap and utilization each run keeps,
 * the retention purge, and the purge of a flood's stray last positions. */
#include <stdlib.h>
#include <string.h>

#include "store-pg.h"

int
store_pg__visits(store *s, const char *zone, int64_t from_us, int64_t to_us,
                 double **lengths_s, size_t *n)
{
	struct pg_params p = { 0 };
	PGresult *r;
	double *v;
	int rows;

	store_pg__text(&p, zone);
	store_pg__int(&p, from_us);
	store_pg__int(&p, to_us);
	if (!(r = store_pg__run(s, PG_VISITS, &p)))
		return -1;
	rows = PQntuples(r);
	v = malloc((size_t)(rows ? rows : 1) * sizeof *v);
	if (!v) {
		PQclear(r);
		store__set_err(s, "VISITS: out of memory");
		return -1;
	}
	for (int k = 0; k < rows; k++)
		if (!PQgetisnull(r, k, 0)) /* NULL: its entry is not kept */
			v[(*n)++] = (double)store_pg__col_int(r, k, 0) * 1e-6;
	PQclear(r);
	*lengths_s = v;
	return 0;
}

int
store_pg__put_heatmap(store *s, const char *floor, int64_t t_us, int64_t run,
                      size_t cols, size_t rows, const float *cells)
{
	struct pg_params p = { 0 };

	store_pg__text(&p, floor);
	store_pg__int(&p, t_us);
	store_pg__int(&p, run);
	store_pg__int(&p, (int64_t)cols);
	store_pg__int(&p, (int64_t)rows);
	store_pg__bytes(&p, cells, cols * rows * sizeof *cells);
	store_pg__text(&p, s->instance);
	return store_pg__command(s, PG_PUT_HEAT, &p) < 0 ? -1 : 0;
}

int
store_pg__add_heatmap(store *s, const char *floor, int64_t from_us,
                      int64_t to_us, int64_t run, size_t cols, size_t rows,
                      float *cells)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__text(&p, floor);
	store_pg__int(&p, from_us);
	store_pg__int(&p, to_us);
	store_pg__int(&p, run);
	store_pg__text(&p, s->instance);
	if (!(r = store_pg__run(s, PG_HEAT, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		size_t len = 0;
		unsigned char *v = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(r, k, 2), &len);

		/* A grid of another shape: the site's floor has changed
		 * since; it does not add up with this one. */
		if (v && (size_t)store_pg__col_int(r, k, 0) == cols &&
		    (size_t)store_pg__col_int(r, k, 1) == rows &&
		    len == cols * rows * sizeof *cells)
			for (size_t i = 0; i < cols * rows; i++) {
				float x;

				memcpy(&x, v + i * sizeof x, sizeof x);
				cells[i] += x;
			}
		PQfreemem(v);
	}
	PQclear(r);
	return 0;
}

int
store_pg__put_utilization(store *s, const char *tag, int64_t day_us,
                          int64_t run, double moving_s, double idle_s)
{
	struct pg_params p = { 0 };

	store_pg__text(&p, tag);
	store_pg__int(&p, day_us);
	store_pg__int(&p, run);
	store_pg__real(&p, moving_s);
	store_pg__real(&p, idle_s);
	store_pg__text(&p, s->instance);
	return store_pg__command(s, PG_PUT_UTIL, &p) < 0 ? -1 : 0;
}

int
store_pg__utilization(store *s, const char *tag, int64_t from_day_us,
                      int64_t to_us, int64_t run, double *moving_s,
                      double *idle_s)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__text(&p, tag);
	store_pg__int(&p, from_day_us);
	store_pg__int(&p, to_us);
	store_pg__int(&p, run);
	store_pg__text(&p, s->instance);
	if (!(r = store_pg__run(s, PG_UTIL, &p)))
		return -1;
	*moving_s += store_pg__col_real(r, 0, 0);
	*idle_s += store_pg__col_real(r, 0, 1);
	PQclear(r);
	return 0;
}

int
store_pg__purge(store *s, int64_t before_us, size_t max_rows)
{
	static const enum pg_stmt order[] = { PG_PURGE_POSITIONS,
		                              PG_PURGE_EVENTS, PG_PURGE_LAST };
	int64_t done = 0;

	for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
		struct pg_params p = { 0 };
		int n;

		if ((size_t)done >= max_rows)
			break;
		store_pg__int(&p, before_us);
		if (order[k] != PG_PURGE_LAST)
			store_pg__int(&p, (int64_t)max_rows - done);
		if ((n = store_pg__command(s, order[k], &p)) < 0)
			return -1;
		done += n;
	}
	return (int)done;
}

int
store_pg__purge_stray_last(store *s, const char *listed_json,
                           unsigned min_scanners)
{
	struct pg_params p = { 0 };

	store_pg__int(&p, min_scanners);
	store_pg__text(&p, listed_json);
	return store_pg__command(s, PG_PURGE_STRAY_LAST, &p);
}
