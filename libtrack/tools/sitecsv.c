#include "sitecsv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

enum { COL_ID, COL_X, COL_Y, COL_Z, COL_FLOOR, N_COLS };

struct sitecsv_key {
	const char *id;
	unsigned long line;
};

static int
sitecsv_key_cmp(const void *a, const void *b)
{
	const struct sitecsv_key *ka = a, *kb = b;
	int c = strcmp(ka->id, kb->id);

	if (c)
		return c;
	return (ka->line > kb->line) - (ka->line < kb->line);
}

/* Grow every per-scanner array to hold cap scanners. */
static int
sitecsv_grow_scanners(struct sitecsv *s, size_t cap)
{
	void *p;

	p = realloc(s->scanners, cap * sizeof *s->scanners);
	if (!p)
		return -1;
	s->scanners = p;
	p = realloc(s->scanner_floor, cap * sizeof *s->scanner_floor);
	if (!p)
		return -1;
	s->scanner_floor = p;
	p = realloc(s->scanner_line, cap * sizeof *s->scanner_line);
	if (!p)
		return -1;
	s->scanner_line = p;
	p = realloc(s->scanner_ids, cap * sizeof *s->scanner_ids);
	if (!p)
		return -1;
	s->scanner_ids = p;
	return 0;
}

static int
sitecsv_grow_floors(struct sitecsv *s, size_t cap)
{
	void *p;

	p = realloc(s->floors, cap * sizeof *s->floors);
	if (!p)
		return -1;
	s->floors = p;
	p = realloc(s->floor_ids, cap * sizeof *s->floor_ids);
	if (!p)
		return -1;
	s->floor_ids = p;
	return 0;
}

/* An integer floor level, or false when text is not one. */
static bool
sitecsv_floor_level(const char *text, long *level)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE)
		return false;
	*level = v;
	return true;
}

/* The index of floor id, adding it when new; SIZE_MAX when out of memory. */
static size_t
sitecsv_floor_index(struct sitecsv *s, const char *id, double floor_height_m,
                    size_t *cap)
{
	size_t i, n = s->site.n_floors;
	long level;

	for (i = 0; i < n; i++)
		if (strcmp(s->floor_ids[i], id) == 0)
			return i;
	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;

		if (sitecsv_grow_floors(s, ncap) < 0)
			return SIZE_MAX;
		*cap = ncap;
	}
	if (!sitecsv_floor_level(id, &level))
		level = (long)n;
	snprintf(s->floor_ids[n], TRACK_ID_MAX, "%s", id);
	s->floors[n].id = NULL; /* set once the arrays stop moving */
	s->floors[n].z = (double)level * floor_height_m;
	s->floors[n].width = 0.0;
	s->floors[n].height = 0.0;
	s->site.n_floors = n + 1;
	return n;
}

/* An optional calibration column: empty means 0 (the default). */
static int
sitecsv_optional(csv_reader *r, int col, double *out)
{
	*out = 0.0;
	if (col < 0 || csv_field(r, col)[0] == '\0')
		return 0;
	return csv_double(r, col, out);
}

static int
sitecsv_check_duplicates(struct sitecsv *s, const char *path, char *err,
                         size_t errlen)
{
	struct sitecsv_key *keys;
	size_t i, n = s->site.n_scanners;
	int rc = 0;

	keys = malloc(n * sizeof *keys);
	if (!keys) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		keys[i].id = s->scanner_ids[i];
		keys[i].line = s->scanner_line[i];
	}
	qsort(keys, n, sizeof *keys, sitecsv_key_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(keys[i - 1].id, keys[i].id) == 0) {
			snprintf(err, errlen,
			         "%s:%lu: duplicate scanner id '%s' (first on "
			         "line %lu)", path, keys[i].line, keys[i].id,
			         keys[i - 1].line);
			rc = -1;
			break;
		}
	}
	free(keys);
	return rc;
}

int
sitecsv_load(const char *path, double floor_height_m, struct sitecsv *out,
             char *err, size_t errlen)
{
	static const char *const names[N_COLS] = {
		"scanner_id", "x", "y", "z", "floor",
	};
	struct sitecsv s;
	csv_reader *r = NULL;
	int col[N_COLS], col_pl, col_off, rc;
	size_t cap = 0, floor_cap = 0, i;

	memset(&s, 0, sizeof s);
	if (csv_open(path, &r, err, errlen) < 0)
		goto fail;
	if (csv_require(r, names, col, N_COLS) < 0)
		goto bad_row;
	col_pl = csv_column(r, "path_loss");
	col_off = csv_column(r, "rssi_offset");
	while ((rc = csv_next(r)) == 1) {
		track_scanner *sc;
		const char *id, *floor;
		size_t n = s.site.n_scanners, fi;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;

			if (sitecsv_grow_scanners(&s, ncap) < 0)
				goto nomem;
			cap = ncap;
		}
		sc = &s.scanners[n];
		memset(sc, 0, sizeof *sc);
		if (csv_id(r, col[COL_ID], &id) < 0 ||
		    csv_double(r, col[COL_X], &sc->x) < 0 ||
		    csv_double(r, col[COL_Y], &sc->y) < 0 ||
		    csv_double(r, col[COL_Z], &sc->z) < 0 ||
		    csv_id(r, col[COL_FLOOR], &floor) < 0 ||
		    sitecsv_optional(r, col_pl, &sc->path_loss) < 0 ||
		    sitecsv_optional(r, col_off, &sc->rssi_offset_db) < 0)
			goto bad_row;
		/* The engine's range: anything else would refuse the site. */
		if (sc->path_loss < 0.0 || sc->path_loss > 10.0) {
			csv_fail(r, col_pl, "expected a path-loss exponent "
			         "in [0, 10] (0 = default), got %g",
			         sc->path_loss);
			goto bad_row;
		}
		fi = sitecsv_floor_index(&s, floor, floor_height_m,
		                         &floor_cap);
		if (fi == SIZE_MAX)
			goto nomem;
		snprintf(s.scanner_ids[n], TRACK_ID_MAX, "%s", id);
		s.scanner_floor[n] = fi;
		s.scanner_line[n] = csv_line(r);
		s.site.n_scanners = n + 1;
	}
	if (rc < 0)
		goto bad_row;
	if (s.site.n_scanners == 0) {
		snprintf(err, errlen, "%s:%lu: no scanners", csv_path(r),
		         csv_line(r));
		goto fail;
	}
	if (sitecsv_check_duplicates(&s, csv_path(r), err, errlen) < 0)
		goto fail;
	for (i = 0; i < s.site.n_floors; i++)
		s.floors[i].id = s.floor_ids[i];
	for (i = 0; i < s.site.n_scanners; i++) {
		s.scanners[i].id = s.scanner_ids[i];
		s.scanners[i].floor = s.floor_ids[s.scanner_floor[i]];
	}
	s.site.floors = s.floors;
	s.site.scanners = s.scanners;
	csv_close(r);
	*out = s;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", csv_path(r));
	goto fail;
bad_row:
	snprintf(err, errlen, "%s", csv_error(r));
fail:
	csv_close(r);
	sitecsv_free(&s);
	memset(out, 0, sizeof *out);
	return -1;
}

void
sitecsv_free(struct sitecsv *s)
{
	if (!s)
		return;
	free(s->floors);
	free(s->scanners);
	free(s->scanner_floor);
	free(s->scanner_line);
	free(s->floor_ids);
	free(s->scanner_ids);
	memset(s, 0, sizeof *s);
}

long
sitecsv_find_scanner(const struct sitecsv *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->site.n_scanners; i++)
		if (strcmp(s->scanner_ids[i], id) == 0)
			return (long)i;
	return -1;
}

long
sitecsv_find_floor(const struct sitecsv *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->site.n_floors; i++)
		if (strcmp(s->floor_ids[i], id) == 0)
			return (long)i;
	return -1;
}
