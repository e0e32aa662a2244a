#include "track/site.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "track-private.h"

/* Polygons smaller than this (m^2: one square millimetre) enclose nothing;
 * an exact 0 would miss collinear points that rounding moved apart. */
#define AREA_MIN 1e-6
/* Longest piece of user text (a key, an id) quoted in a message. */
#define QUOTE_MAX 40
/* Room for a quoted piece: QUOTE_MAX bytes, "..." and the NUL. */
#define QUOTE_BUF (QUOTE_MAX + 4)
/* Room for a JSON path such as zones[123].polygon[45]. */
#define PATH_BUF 80

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

struct floor_info {
	const char *name;
	const char *image; /* NULL: none */
	int level;
};

struct track_site_doc {
	json_t *root; /* names, images and categories point into it */
	char id[TRACK_ID_MAX];
	const char *name;
	const char *y_axis;
	track_site site;
	track_floor *floors;
	struct floor_info *floor_info;
	char (*floor_ids)[TRACK_ID_MAX];
	track_scanner *scanners;
	char (*scanner_ids)[TRACK_ID_MAX];
	track_site_zone *zones;
	size_t n_zones;
	char (*zone_ids)[TRACK_ID_MAX];
	double (*points)[2]; /* every zone's polygon, one after the other */
	track_site_tag *tags;
	size_t n_tags;
	char (*tag_ids)[TRACK_ID_MAX];
};

/* The ids of one kind seen so far, to find duplicates and references. */
struct idset {
	const char *section;      /* "floors": names the first occurrence */
	char (*ids)[TRACK_ID_MAX]; /* "" where an item had no valid id */
	struct track__idmap map;
};

struct parse {
	const char *name;
	char *err;
	size_t errlen, used;
	unsigned n_errors;
	bool oom;
	track_site_doc *d;
	struct idset floors;
	bool floors_known; /* false: the floors section itself is wrong */
};

enum range { ANY, POSITIVE, NONNEGATIVE, PATH_LOSS };

static const char *const range_text[] = {
	[ANY] = "a number",
	[POSITIVE] = "a number > 0",
	[NONNEGATIVE] = "a number >= 0",
	[PATH_LOSS] = "a number in (0, 10]",
};

static const char *const zone_kinds[] = {
	[TRACK_ZONE_ROOM] = "room",
	[TRACK_ZONE_CORRIDOR] = "corridor",
	[TRACK_ZONE_RESTRICTED] = "restricted",
	[TRACK_ZONE_EXIT] = "exit",
	NULL,
};

static const char *const tag_kinds[] = {
	[TRACK_TAG_PERSON] = "person",
	[TRACK_TAG_ASSET] = "asset",
	NULL,
};

/* ---- messages ------------------------------------------------------------ */

/* Append to the message buffer; text that does not fit is cut, and the
 * buffer stays NUL-terminated. */
static void PRINTF_LIKE(2, 3)
append(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || p->used + 1 >= p->errlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->err + p->used, p->errlen - p->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= p->errlen - p->used)
		p->used = p->errlen - 1;
	else
		p->used += (size_t)n;
}

/* One error: "name: path.key: message", leaving out an empty path or a
 * NULL key. */
static void PRINTF_LIKE(4, 5)
site_error(struct parse *p, const char *path, const char *key,
           const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	p->n_errors++;
	if (p->n_errors > TRACK_SITE_ERRORS_MAX) {
		if (p->n_errors == TRACK_SITE_ERRORS_MAX + 1)
			append(p, "\n%s: more errors not shown (stopped after "
			       "%d)", p->name, TRACK_SITE_ERRORS_MAX);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	append(p, "%s%s: ", p->used ? "\n" : "", p->name);
	if (path[0] && key)
		append(p, "%s.%s: ", path, key);
	else if (path[0] || key)
		append(p, "%s: ", path[0] ? path : key);
	append(p, "%s", msg);
}

/* s made safe to quote: at most QUOTE_MAX bytes (cut at a character
 * boundary, then "..."), control characters as '?', since the text comes
 * from the file and ends up on a terminal. */
static const char *
quote(const char *s, char buf[QUOTE_BUF])
{
	size_t n = strlen(s), k;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		/* Never split a UTF-8 sequence: back off its continuations. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		buf[k] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (n < strlen(s)) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

/* ---- typed members ------------------------------------------------------- */

/* Report every key of obj that is not in allowed (NULL-terminated). */
static void
check_keys(struct parse *p, json_t *obj, const char *path,
           const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;
		char q[QUOTE_BUF];

		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a)
			site_error(p, path, NULL, "unknown key '%s'",
			           quote(key, q));
	}
}

/* obj[key], reporting it when it is required and missing. */
static json_t *
member(struct parse *p, json_t *obj, const char *path, const char *key,
       bool required)
{
	json_t *v = json_object_get(obj, key);

	if (!v && required)
		site_error(p, path, NULL, "missing key '%s'", key);
	return v;
}

static bool
id_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\' &&
	       c != '/';
}

/* Copy the id obj[key] into out ("" unless it is valid); false when it is
 * missing or invalid (reported). */
static bool
get_id(struct parse *p, json_t *obj, const char *path, const char *key,
       char out[TRACK_ID_MAX])
{
	json_t *v = member(p, obj, path, key, true);
	const char *s;
	size_t len;

	out[0] = '\0';
	if (!v)
		return false;
	if (!json_is_string(v)) {
		site_error(p, path, key, "expected an id (a string)");
		return false;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len >= TRACK_ID_MAX) {
		site_error(p, path, key, "expected an id of 1 to %d "
		           "characters, not %zu", TRACK_ID_MAX - 1, len);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (!id_char_ok((unsigned char)s[i])) {
			char q[QUOTE_BUF];

			site_error(p, path, key, "id '%s': expected printable "
			           "ASCII without spaces or any of , \" \\ /",
			           quote(s, q));
			return false;
		}
	memcpy(out, s, len + 1);
	return true;
}

/* obj[key] as a string into *out (left alone when optional and absent);
 * false when missing or not a string (reported). */
static bool
get_string(struct parse *p, json_t *obj, const char *path, const char *key,
           bool required, const char **out)
{
	json_t *v = member(p, obj, path, key, required);

	if (!v)
		return !required;
	if (!json_is_string(v)) {
		site_error(p, path, key, "expected a string");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool
in_range(double v, enum range r)
{
	if (!isfinite(v))
		return false;
	switch (r) {
	case POSITIVE:
		return v > 0.0;
	case NONNEGATIVE:
		return v >= 0.0;
	case PATH_LOSS:
		return v > 0.0 && v <= 10.0;
	case ANY:
		break;
	}
	return true;
}

/* obj[key] as a number in range r into *out (left alone when optional and
 * absent); false when missing or wrong (reported). */
static bool
get_number(struct parse *p, json_t *obj, const char *path, const char *key,
           bool required, enum range r, double *out)
{
	json_t *v = member(p, obj, path, key, required);

	if (!v)
		return !required;
	if (!json_is_number(v) || !in_range(json_number_value(v), r)) {
		site_error(p, path, key, "expected %s", range_text[r]);
		return false;
	}
	*out = json_number_value(v);
	return true;
}

/* obj[key] as an int >= min into *out (left alone when optional and
 * absent). JSON 2.0 is a real, not an integer: a level or a capacity
 * written that way is a mistake worth pointing at. */
static bool
get_int(struct parse *p, json_t *obj, const char *path, const char *key,
        bool required, int min, const char *expect, int *out)
{
	json_t *v = member(p, obj, path, key, required);
	json_int_t i;

	if (!v)
		return !required;
	i = json_is_integer(v) ? json_integer_value(v) : 0;
	if (!json_is_integer(v) || i < min || i > INT_MAX) {
		site_error(p, path, key, "expected %s", expect);
		return false;
	}
	*out = (int)i;
	return true;
}

/* obj[key] as the index of one of names (NULL-terminated); expect lists
 * them for the message. */
static bool
get_kind(struct parse *p, json_t *obj, const char *path, const char *key,
         const char *const *names, const char *expect, int *out)
{
	json_t *v = member(p, obj, path, key, true);
	char q[QUOTE_BUF];

	if (!v)
		return false;
	if (json_is_string(v))
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], json_string_value(v)) == 0) {
				*out = i;
				return true;
			}
	if (json_is_string(v))
		site_error(p, path, key, "expected %s, not '%s'", expect,
		           quote(json_string_value(v), q));
	else
		site_error(p, path, key, "expected %s", expect);
	return false;
}

/* What is wrong with an image file name, or NULL. It will be served from
 * the site's directory, so it must not be able to name anything outside. */
static const char *
image_problem(const char *s)
{
	const char *c;

	if (!*s)
		return "expected a file name, not \"\"";
	if (*s == '/')
		return "expected a file name relative to the site directory, "
		       "not an absolute path";
	for (c = s; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "control characters are not allowed in a file "
			       "name";
		if (*c == '\\')
			return "'\\' is not allowed in a file name (use '/')";
	}
	for (c = s;; c++) {
		size_t n = strcspn(c, "/");

		if (n == 0)
			return "empty directory name in the file name ('//' "
			       "or a trailing '/')";
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "'..' is not allowed (the file must be inside "
			       "the site directory)";
		c += n;
		if (!*c)
			return NULL;
	}
}

/* ---- ids ----------------------------------------------------------------- */

static bool
idset_init(struct parse *p, struct idset *s, const char *section,
           char (*ids)[TRACK_ID_MAX], size_t n)
{
	s->section = section;
	s->ids = ids;
	if (track__idmap_init(&s->map, n, (const char *)ids,
	                      TRACK_ID_MAX) < 0) {
		p->oom = true;
		return false;
	}
	return true;
}

/* Record item i's id (already in s->ids[i]), or report it as a duplicate
 * and blank it, so references resolve to the first. */
static void
idset_add(struct parse *p, struct idset *s, size_t i, const char *path)
{
	int32_t first = track__idmap_find(&s->map, s->ids[i]);

	if (first >= 0) {
		site_error(p, path, "id", "duplicate id '%s' (first at %s[%d])",
		           s->ids[i], s->section, (int)first);
		s->ids[i][0] = '\0';
		return;
	}
	track__idmap_insert(&s->map, (int32_t)i);
}

/* The floor that obj's "floor" names, or -1 (reported). */
static int32_t
floor_ref(struct parse *p, json_t *obj, const char *path)
{
	char id[TRACK_ID_MAX];
	int32_t f;

	/* Without a floors section every reference would fail: say nothing
	 * more than the section's own error. */
	if (!get_id(p, obj, path, "floor", id) || !p->floors_known)
		return -1;
	f = track__idmap_find(&p->floors.map, id);
	if (f < 0)
		site_error(p, path, "floor", "no floor '%s'", id);
	return f;
}

/* ---- polygons ------------------------------------------------------------ */

/* Check zone number zone's polygon of n >= 3 points on floor fl (NULL:
 * unknown). */
static void
check_polygon(struct parse *p, size_t zone, const double (*pt)[2], size_t n,
              const track_floor *fl)
{
	char path[PATH_BUF], vpath[PATH_BUF];
	double area = 0.0;

	snprintf(path, sizeof path, "zones[%zu]", zone);

	if (fl && isfinite(fl->width) && isfinite(fl->height))
		for (size_t k = 0; k < n; k++) {
			if (pt[k][0] >= 0.0 && pt[k][0] <= fl->width &&
			    pt[k][1] >= 0.0 && pt[k][1] <= fl->height)
				continue;
			snprintf(vpath, sizeof vpath, "zones[%zu].polygon[%zu]",
			         zone, k);
			site_error(p, vpath, NULL, "point (%g, %g) is outside "
			           "floor '%s' ([0, %g] x [0, %g])", pt[k][0],
			           pt[k][1], fl->id, fl->width, fl->height);
			break;
		}
	/* A repeated point makes a zero-length edge or a pinch, which the
	 * edge test below would report less clearly. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (pt[i][0] != pt[j][0] || pt[i][1] != pt[j][1])
				continue;
			site_error(p, path, "polygon", "points %zu and %zu are "
			           "the same%s", i, j, i == 0 && j == n - 1 ?
			           " (do not repeat the first point at the end)"
			           : "");
			return;
		}
	/* Edge i joins points i and i + 1. Neighbours share a point by
	 * construction; any other pair that meets makes the outline cross or
	 * touch itself. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 2; j < n; j++) {
			int how;

			if (i == 0 && j == n - 1)
				continue;
			how = track__segments_meet(pt[i], pt[i + 1], pt[j],
			                    pt[(j + 1) % n]);
			if (!how)
				continue;
			site_error(p, path, "polygon", "edges %zu and %zu %s "
			           "(points %zu-%zu and %zu-%zu)", i, j,
			           how == 1 ? "cross" : "touch", i, i + 1, j,
			           (j + 1) % n);
			return;
		}
	area = track__polygon_area(pt, n);
	if (area < AREA_MIN)
		site_error(p, path, "polygon", "encloses no area");
}

/* ---- sections ------------------------------------------------------------ */

/* calloc that never asks for 0 bytes and records failure. */
static void *
alloc(struct parse *p, size_t n, size_t size)
{
	void *m = calloc(n ? n : 1, size);

	if (!m)
		p->oom = true;
	return m;
}

static void
parse_floor(struct parse *p, json_t *f, size_t i)
{
	static const char *const keys[] = {
		"id", "name", "level", "z", "width", "height", "image", NULL,
	};
	track_site_doc *d = p->d;
	track_floor *fl = &d->floors[i];
	struct floor_info *info = &d->floor_info[i];
	char path[PATH_BUF];

	snprintf(path, sizeof path, "floors[%zu]", i);
	fl->id = d->floor_ids[i];
	fl->z = 0.0;
	/* NaN marks a size we cannot check anything against. */
	fl->width = fl->height = NAN;
	if (!json_is_object(f)) {
		site_error(p, path, NULL, "expected an object");
		return;
	}
	check_keys(p, f, path, keys);
	if (get_id(p, f, path, "id", d->floor_ids[i]))
		idset_add(p, &p->floors, i, path);
	get_string(p, f, path, "name", true, &info->name);
	get_int(p, f, path, "level", true, INT_MIN, "an integer",
	        &info->level);
	if (!get_number(p, f, path, "z", false, ANY, &fl->z))
		fl->z = NAN;
	if (!get_number(p, f, path, "width", true, POSITIVE, &fl->width))
		fl->width = NAN;
	if (!get_number(p, f, path, "height", true, POSITIVE, &fl->height))
		fl->height = NAN;
	if (get_string(p, f, path, "image", false, &info->image) &&
	    info->image) {
		const char *why = image_problem(info->image);

		if (why)
			site_error(p, path, "image", "%s", why);
	}
}

static void
parse_scanner(struct parse *p, struct idset *ids, json_t *o, size_t i)
{
	static const char *const keys[] = {
		"id", "floor", "x", "y", "z", "path_loss", "rssi_offset", NULL,
	};
	track_site_doc *d = p->d;
	track_scanner *s = &d->scanners[i];
	const track_floor *fl = NULL;
	char path[PATH_BUF];
	int32_t f;

	snprintf(path, sizeof path, "scanners[%zu]", i);
	s->id = d->scanner_ids[i];
	s->floor = "";
	if (!json_is_object(o)) {
		site_error(p, path, NULL, "expected an object");
		return;
	}
	check_keys(p, o, path, keys);
	if (get_id(p, o, path, "id", d->scanner_ids[i]))
		idset_add(p, ids, i, path);
	f = floor_ref(p, o, path);
	if (f >= 0) {
		fl = &d->floors[f];
		s->floor = fl->id;
	}
	if (get_number(p, o, path, "x", true, ANY, &s->x) && fl &&
	    isfinite(fl->width) && !(s->x >= 0.0 && s->x <= fl->width))
		site_error(p, path, "x", "expected a number in [0, %g] (the "
		           "width of floor '%s')", fl->width, fl->id);
	if (get_number(p, o, path, "y", true, ANY, &s->y) && fl &&
	    isfinite(fl->height) && !(s->y >= 0.0 && s->y <= fl->height))
		site_error(p, path, "y", "expected a number in [0, %g] (the "
		           "height of floor '%s')", fl->height, fl->id);
	if (get_number(p, o, path, "z", true, NONNEGATIVE, &s->z) && fl) {
		s->z += fl->z;
		/* Two finite numbers need not have a finite sum, and the
		 * engine takes only finite heights. */
		if (isfinite(fl->z) && !isfinite(s->z))
			site_error(p, path, "z", "expected a height that, added "
			           "to the z of floor '%s' (%g), stays finite",
			           fl->id, fl->z);
	}
	get_number(p, o, path, "path_loss", false, PATH_LOSS, &s->path_loss);
	get_number(p, o, path, "rssi_offset", false, ANY, &s->rssi_offset_db);
}

/* The points of zone object o's polygon, when it is an array, or 0: to
 * size the shared point array before parsing. */
static size_t
polygon_size(json_t *o)
{
	json_t *poly = json_is_object(o) ? json_object_get(o, "polygon") : NULL;
	size_t n = json_is_array(poly) ? json_array_size(poly) : 0;

	return n <= TRACK_SITE_POLYGON_MAX ? n : 0;
}

static void
parse_zone(struct parse *p, struct idset *ids, json_t *o, size_t i,
           double (*pts)[2])
{
	static const char *const keys[] = {
		"id", "name", "floor", "kind", "capacity", "polygon", NULL,
	};
	track_site_doc *d = p->d;
	track_site_zone *z = &d->zones[i];
	char path[PATH_BUF], vpath[PATH_BUF];
	int32_t f;
	int kind = 0;
	json_t *poly;
	size_t n;
	bool ok = true;

	snprintf(path, sizeof path, "zones[%zu]", i);
	z->id = d->zone_ids[i];
	z->name = z->floor = "";
	z->polygon = (const double(*)[2])pts;
	if (!json_is_object(o)) {
		site_error(p, path, NULL, "expected an object");
		return;
	}
	check_keys(p, o, path, keys);
	if (get_id(p, o, path, "id", d->zone_ids[i]))
		idset_add(p, ids, i, path);
	get_string(p, o, path, "name", true, &z->name);
	f = floor_ref(p, o, path);
	if (f >= 0)
		z->floor = d->floors[f].id;
	if (get_kind(p, o, path, "kind", zone_kinds,
	             "room, corridor, restricted or exit", &kind))
		z->kind = (track_zone_kind)kind;
	get_int(p, o, path, "capacity", false, 0, "an integer >= 0",
	        &z->capacity);

	poly = member(p, o, path, "polygon", true);
	if (!poly)
		return;
	n = json_is_array(poly) ? json_array_size(poly) : 0;
	if (n < 3 || n > TRACK_SITE_POLYGON_MAX) {
		site_error(p, path, "polygon", "expected an array of 3 to %d "
		           "[x, y] points", TRACK_SITE_POLYGON_MAX);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_array_get(poly, k);
		json_t *x = json_array_get(v, 0), *y = json_array_get(v, 1);

		if (json_array_size(v) == 2 && json_is_number(x) &&
		    json_is_number(y)) {
			pts[k][0] = json_number_value(x);
			pts[k][1] = json_number_value(y);
			continue;
		}
		snprintf(vpath, sizeof vpath, "zones[%zu].polygon[%zu]", i,
		         k);
		site_error(p, vpath, NULL, "expected a point [x, y] of two "
		           "numbers");
		ok = false;
	}
	z->n_points = n;
	if (ok)
		check_polygon(p, i, z->polygon, n,
		              f >= 0 ? &d->floors[f] : NULL);
}

static void
parse_tag(struct parse *p, struct idset *ids, json_t *o, size_t i)
{
	static const char *const keys[] = {
		"id", "name", "kind", "category", NULL,
	};
	track_site_doc *d = p->d;
	track_site_tag *t = &d->tags[i];
	char path[PATH_BUF];
	int kind = 0;

	snprintf(path, sizeof path, "tags[%zu]", i);
	t->id = d->tag_ids[i];
	t->name = t->category = "";
	if (!json_is_object(o)) {
		site_error(p, path, NULL, "expected an object");
		return;
	}
	check_keys(p, o, path, keys);
	if (get_id(p, o, path, "id", d->tag_ids[i]))
		idset_add(p, ids, i, path);
	get_string(p, o, path, "name", true, &t->name);
	if (get_kind(p, o, path, "kind", tag_kinds, "person or asset", &kind))
		t->kind = (track_tag_kind)kind;
	get_string(p, o, path, "category", false, &t->category);
}

/* The array at root[key], or NULL: missing (reported when required) or not
 * an array (reported). nonempty: [] is an error too. The idmap stores
 * int32_t indices, hence the size limit. */
static json_t *
section(struct parse *p, json_t *root, const char *key, bool required,
        bool nonempty)
{
	json_t *a = member(p, root, "", key, required);

	if (!a)
		return NULL;
	if (!json_is_array(a) || (nonempty && json_array_size(a) == 0) ||
	    json_array_size(a) > INT32_MAX) {
		site_error(p, "", key, "expected %s array",
		           nonempty ? "a non-empty" : "an");
		return NULL;
	}
	return a;
}

static void
parse_sections(struct parse *p, json_t *root, struct idset *scanner_ids,
               struct idset *zone_ids, struct idset *tag_ids)
{
	track_site_doc *d = p->d;
	json_t *floors = section(p, root, "floors", true, true);
	json_t *scanners = section(p, root, "scanners", true, false);
	json_t *zones = section(p, root, "zones", false, false);
	json_t *tags = section(p, root, "tags", false, false);
	size_t nf = json_array_size(floors), ns = json_array_size(scanners);
	size_t nz = json_array_size(zones), nt = json_array_size(tags);
	size_t n_points = 0, at = 0;

	for (size_t i = 0; i < nz; i++)
		n_points += polygon_size(json_array_get(zones, i));
	d->floors = alloc(p, nf, sizeof *d->floors);
	d->floor_info = alloc(p, nf, sizeof *d->floor_info);
	d->floor_ids = alloc(p, nf, sizeof *d->floor_ids);
	d->scanners = alloc(p, ns, sizeof *d->scanners);
	d->scanner_ids = alloc(p, ns, sizeof *d->scanner_ids);
	d->zones = alloc(p, nz, sizeof *d->zones);
	d->zone_ids = alloc(p, nz, sizeof *d->zone_ids);
	d->points = alloc(p, n_points, sizeof *d->points);
	d->tags = alloc(p, nt, sizeof *d->tags);
	d->tag_ids = alloc(p, nt, sizeof *d->tag_ids);
	if (p->oom ||
	    !idset_init(p, &p->floors, "floors", d->floor_ids, nf) ||
	    !idset_init(p, scanner_ids, "scanners", d->scanner_ids, ns) ||
	    !idset_init(p, zone_ids, "zones", d->zone_ids, nz) ||
	    !idset_init(p, tag_ids, "tags", d->tag_ids, nt))
		return;
	d->site = (track_site){ d->floors, nf, d->scanners, ns,
				d->zones, nz, d->tags, nt };
	d->n_zones = nz;
	d->n_tags = nt;
	p->floors_known = floors != NULL;

	/* Floors first: everything else is checked against them. */
	for (size_t i = 0; i < nf; i++)
		parse_floor(p, json_array_get(floors, i), i);
	for (size_t i = 0; i < ns; i++)
		parse_scanner(p, scanner_ids, json_array_get(scanners, i), i);
	for (size_t i = 0; i < nz; i++) {
		json_t *z = json_array_get(zones, i);

		parse_zone(p, zone_ids, z, i, &d->points[at]);
		at += polygon_size(z);
	}
	for (size_t i = 0; i < nt; i++)
		parse_tag(p, tag_ids, json_array_get(tags, i), i);
}

static void
parse_document(struct parse *p, json_t *root)
{
	static const char *const keys[] = {
		"site", "name", "y_axis", "floors", "scanners", "zones",
		"tags", NULL,
	};
	struct idset scanners = { 0 }, zones = { 0 }, tags = { 0 };
	track_site_doc *d = p->d;
	json_t *y;

	if (!json_is_object(root)) {
		site_error(p, "", NULL, "expected an object at the top level");
		return;
	}
	check_keys(p, root, "", keys);
	get_id(p, root, "", "site", d->id);
	get_string(p, root, "", "name", true, &d->name);
	d->y_axis = "down";
	y = member(p, root, "", "y_axis", false);
	if (y && json_is_string(y) &&
	    strcmp(json_string_value(y), "up") == 0)
		d->y_axis = "up";
	else if (y && !(json_is_string(y) &&
	                strcmp(json_string_value(y), "down") == 0))
		site_error(p, "", "y_axis", "expected \"down\" or \"up\"");
	parse_sections(p, root, &scanners, &zones, &tags);
	track__idmap_free(&p->floors.map);
	track__idmap_free(&scanners.map);
	track__idmap_free(&zones.map);
	track__idmap_free(&tags.map);
}

/* The text is not JSON: "name:line:column: what jansson says". */
static void
syntax_error(struct parse *p, const json_error_t *je)
{
	static const char nul[] = "\\u0000 is not allowed";
	const char *text = je->text;

	/* jansson names the flag that would allow it; the author of a site
	 * file has no such flag. */
	if (strncmp(text, nul, sizeof nul - 1) == 0)
		text = "\\u0000 is not allowed in a string";
	if (je->line > 0)
		append(p, "%s:%d:%d: %s", p->name, je->line, je->column,
		       text);
	else
		append(p, "%s: %s", p->name, text);
}

/* ---- public -------------------------------------------------------------- */

track_status
track_site_parse(const char *text, size_t len, const char *name,
                 track_site_doc **out, char *err, size_t errlen)
{
	struct parse p = { .name = name ? name : "site", .err = err,
	                   .errlen = errlen };
	json_error_t je;
	json_t *root;
	track_site_doc *d;

	if (err && errlen)
		err[0] = '\0';
	if (!out || (!text && len > 0)) {
		site_error(&p, "", NULL, "no text to parse or nowhere to put "
		           "the result");
		return TRACK_EINVAL;
	}
	/* Without JSON_DISABLE_EOF_CHECK, text after the value is an error;
	 * without JSON_ALLOW_NUL, so is a NUL in a string, which would cut
	 * an id short. */
	root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		/* jansson leaves the text empty when an allocation fails
		 * (and reports a few such failures as syntax errors). */
		if (json_error_code(&je) == json_error_out_of_memory ||
		    je.text[0] == '\0') {
			append(&p, "%s: out of memory", p.name);
			return TRACK_ENOMEM;
		}
		syntax_error(&p, &je);
		return TRACK_EINVAL;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		json_decref(root);
		append(&p, "%s: out of memory", p.name);
		return TRACK_ENOMEM;
	}
	d->root = root;
	p.d = d;
	parse_document(&p, root);
	if (p.oom) {
		track_site_free(d);
		p.used = 0;
		append(&p, "%s: out of memory", p.name);
		return TRACK_ENOMEM;
	}
	if (p.n_errors) {
		track_site_free(d);
		return TRACK_EINVAL;
	}
	*out = d;
	return TRACK_OK;
}

void
track_site_free(track_site_doc *d)
{
	if (!d)
		return;
	free(d->tag_ids);
	free(d->tags);
	free(d->points);
	free(d->zone_ids);
	free(d->zones);
	free(d->scanner_ids);
	free(d->scanners);
	free(d->floor_ids);
	free(d->floor_info);
	free(d->floors);
	json_decref(d->root);
	free(d);
}

const track_site *
track_site_engine(const track_site_doc *d)
{
	return &d->site;
}

const char *
track_site_id(const track_site_doc *d)
{
	return d->id;
}

const char *
track_site_name(const track_site_doc *d)
{
	return d->name;
}

const char *
track_site_y_axis(const track_site_doc *d)
{
	return d->y_axis;
}

size_t
track_site_zones(const track_site_doc *d, const track_site_zone **out)
{
	if (out)
		*out = d->zones;
	return d->n_zones;
}

size_t
track_site_tags(const track_site_doc *d, const track_site_tag **out)
{
	if (out)
		*out = d->tags;
	return d->n_tags;
}

const char *
track_site_floor_image(const track_site_doc *d, size_t floor)
{
	return floor < d->site.n_floors ? d->floor_info[floor].image : NULL;
}

const char *
track_site_floor_name(const track_site_doc *d, size_t floor)
{
	return floor < d->site.n_floors ? d->floor_info[floor].name : NULL;
}

int
track_site_floor_level(const track_site_doc *d, size_t floor)
{
	return floor < d->site.n_floors ? d->floor_info[floor].level : 0;
}
