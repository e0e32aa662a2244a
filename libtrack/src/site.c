/* Site files: the sections, their cross-references and the public calls
 * (track/site.h); one typed member at a time is in site-field.c. */
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

#include "quote.h"
#include "site-private.h"

/* Polygons smaller than this (m^2: one square millimetre) enclose nothing;
 * an exact 0 would miss collinear points that rounding moved apart. */
#define AREA_MIN 1e-6

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
			track__site_error(p, vpath, NULL,
			                  "point (%g, %g) is outside "
			                  "floor '%s' ([0, %g] x [0, %g])",
			                  pt[k][0], pt[k][1], fl->id, fl->width,
			                  fl->height);
			break;
		}
	/* A repeated point makes a zero-length edge or a pinch, which the
	 * edge test below would report less clearly. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (pt[i][0] != pt[j][0] || pt[i][1] != pt[j][1])
				continue;
			track__site_error(p, path, "polygon",
			                  "points %zu and %zu are "
			                  "the same%s",
			                  i, j,
			                  i == 0 && j == n - 1
			                          ? " (do not repeat the first "
			                            "point at the end)"
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
			track__site_error(p, path, "polygon",
			                  "edges %zu and %zu %s "
			                  "(points %zu-%zu and %zu-%zu)",
			                  i, j, how == 1 ? "cross" : "touch", i,
			                  i + 1, j, (j + 1) % n);
			return;
		}
	area = track__polygon_area(pt, n);
	if (area < AREA_MIN)
		track__site_error(p, path, "polygon", "encloses no area");
}

/* ---- sections ------------------------------------------------------------ */

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
		track__site_error(p, path, NULL, "expected an object");
		return;
	}
	track__site_check_keys(p, f, path, keys);
	if (track__site_get_id(p, f, path, "id", d->floor_ids[i]))
		track__idset_add(p, &p->floors, i, path);
	track__site_get_string(p, f, path, "name", true, &info->name);
	track__site_get_int(p, f, path, "level", true, INT_MIN, "an integer",
	                    &info->level);
	if (!track__site_get_number(p, f, path, "z", false, ANY, &fl->z))
		fl->z = NAN;
	if (!track__site_get_number(p, f, path, "width", true, POSITIVE,
	                            &fl->width))
		fl->width = NAN;
	if (!track__site_get_number(p, f, path, "height", true, POSITIVE,
	                            &fl->height))
		fl->height = NAN;
	if (track__site_get_string(p, f, path, "image", false, &info->image) &&
	    info->image) {
		const char *why = track__site_image_problem(info->image);

		if (why)
			track__site_error(p, path, "image", "%s", why);
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
		track__site_error(p, path, NULL, "expected an object");
		return;
	}
	track__site_check_keys(p, o, path, keys);
	if (track__site_get_id(p, o, path, "id", d->scanner_ids[i]))
		track__idset_add(p, ids, i, path);
	f = track__site_floor_ref(p, o, path);
	if (f >= 0) {
		fl = &d->floors[f];
		s->floor = fl->id;
	}
	if (track__site_get_number(p, o, path, "x", true, ANY, &s->x) && fl &&
	    isfinite(fl->width) && !(s->x >= 0.0 && s->x <= fl->width))
		track__site_error(p, path, "x",
		                  "expected a number in [0, %g] (the "
		                  "width of floor '%s')",
		                  fl->width, fl->id);
	if (track__site_get_number(p, o, path, "y", true, ANY, &s->y) && fl &&
	    isfinite(fl->height) && !(s->y >= 0.0 && s->y <= fl->height))
		track__site_error(p, path, "y",
		                  "expected a number in [0, %g] (the "
		                  "height of floor '%s')",
		                  fl->height, fl->id);
	if (track__site_get_number(p, o, path, "z", true, NONNEGATIVE, &s->z) &&
	    fl) {
		s->z += fl->z;
		/* Two finite numbers need not have a finite sum, and the
		 * engine takes only finite heights. */
		if (isfinite(fl->z) && !isfinite(s->z))
			track__site_error(
			        p, path, "z",
			        "expected a height that, added "
			        "to the z of floor '%s' (%g), stays finite",
			        fl->id, fl->z);
	}
	track__site_get_number(p, o, path, "path_loss", false, PATH_LOSS,
	                       &s->path_loss);
	track__site_get_number(p, o, path, "rssi_offset", false, ANY,
	                       &s->rssi_offset_db);
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
		"id", "name", "floor", "kind", "capacity", "polygon", "allow",
		NULL,
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
		track__site_error(p, path, NULL, "expected an object");
		return;
	}
	track__site_check_keys(p, o, path, keys);
	if (track__site_get_id(p, o, path, "id", d->zone_ids[i]))
		track__idset_add(p, ids, i, path);
	track__site_get_string(p, o, path, "name", true, &z->name);
	f = track__site_floor_ref(p, o, path);
	if (f >= 0)
		z->floor = d->floors[f].id;
	if (track__site_get_kind(p, o, path, "kind", zone_kinds,
	                         "room, corridor, restricted or exit", &kind))
		z->kind = (track_zone_kind)kind;
	track__site_get_int(p, o, path, "capacity", false, 0, "an integer >= 0",
	                    &z->capacity);
	if (track__site_get_strings(p, o, path, "allow", TRACK_ZONE_ALLOW_MAX,
	                            z->allow, &z->n_allow) &&
	    z->n_allow > 0 && z->kind != TRACK_ZONE_RESTRICTED)
		track__site_error(p, path, "allow", "only a restricted zone "
		                  "has an allow list (the categories that "
		                  "belong there)");

	poly = track__site_member(p, o, path, "polygon", true);
	if (!poly)
		return;
	n = json_is_array(poly) ? json_array_size(poly) : 0;
	if (n < 3 || n > TRACK_SITE_POLYGON_MAX) {
		track__site_error(p, path, "polygon",
		                  "expected an array of 3 to %d "
		                  "[x, y] points",
		                  TRACK_SITE_POLYGON_MAX);
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
		track__site_error(p, vpath, NULL,
		                  "expected a point [x, y] of two "
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
		track__site_error(p, path, NULL, "expected an object");
		return;
	}
	track__site_check_keys(p, o, path, keys);
	if (track__site_get_id(p, o, path, "id", d->tag_ids[i]))
		track__idset_add(p, ids, i, path);
	track__site_get_string(p, o, path, "name", true, &t->name);
	if (track__site_get_kind(p, o, path, "kind", tag_kinds,
	                         "person or asset", &kind))
		t->kind = (track_tag_kind)kind;
	track__site_get_string(p, o, path, "category", false, &t->category);
}

/* The array at root[key], or NULL: missing (reported when required) or not
 * an array (reported). nonempty: [] is an error too. The idmap stores
 * int32_t indices, hence the size limit. */
static json_t *
section(struct parse *p, json_t *root, const char *key, bool required,
        bool nonempty)
{
	json_t *a = track__site_member(p, root, "", key, required);

	if (!a)
		return NULL;
	if (!json_is_array(a) || (nonempty && json_array_size(a) == 0) ||
	    json_array_size(a) > INT32_MAX) {
		track__site_error(p, "", key, "expected %s array",
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
	d->floors = track__site_alloc(p, nf, sizeof *d->floors);
	d->floor_info = track__site_alloc(p, nf, sizeof *d->floor_info);
	d->floor_ids = track__site_alloc(p, nf, sizeof *d->floor_ids);
	d->scanners = track__site_alloc(p, ns, sizeof *d->scanners);
	d->scanner_ids = track__site_alloc(p, ns, sizeof *d->scanner_ids);
	d->zones = track__site_alloc(p, nz, sizeof *d->zones);
	d->zone_ids = track__site_alloc(p, nz, sizeof *d->zone_ids);
	d->points = track__site_alloc(p, n_points, sizeof *d->points);
	d->tags = track__site_alloc(p, nt, sizeof *d->tags);
	d->tag_ids = track__site_alloc(p, nt, sizeof *d->tag_ids);
	if (p->oom ||
	    !track__idset_init(p, &p->floors, "floors", d->floor_ids, nf) ||
	    !track__idset_init(p, scanner_ids, "scanners", d->scanner_ids,
	                       ns) ||
	    !track__idset_init(p, zone_ids, "zones", d->zone_ids, nz) ||
	    !track__idset_init(p, tag_ids, "tags", d->tag_ids, nt))
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
		track__site_error(p, "", NULL,
		                  "expected an object at the top level");
		return;
	}
	track__site_check_keys(p, root, "", keys);
	track__site_get_id(p, root, "", "site", d->id);
	track__site_get_string(p, root, "", "name", true, &d->name);
	d->y_axis = "down";
	y = track__site_member(p, root, "", "y_axis", false);
	if (y && json_is_string(y) &&
	    strcmp(json_string_value(y), "up") == 0)
		d->y_axis = "up";
	else if (y && !(json_is_string(y) &&
	                strcmp(json_string_value(y), "down") == 0))
		track__site_error(p, "", "y_axis",
		                  "expected \"down\" or \"up\"");
	parse_sections(p, root, &scanners, &zones, &tags);
	track__idmap_free(&p->floors.map);
	track__idmap_free(&scanners.map);
	track__idmap_free(&zones.map);
	track__idmap_free(&tags.map);
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
		track__site_error(&p, "", NULL,
		                  "no text to parse or nowhere to put "
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
			track__site_append(&p, "%s: out of memory", p.name);
			return TRACK_ENOMEM;
		}
		track__site_syntax_error(&p, &je);
		return TRACK_EINVAL;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		json_decref(root);
		track__site_append(&p, "%s: out of memory", p.name);
		return TRACK_ENOMEM;
	}
	d->root = root;
	p.d = d;
	parse_document(&p, root);
	if (p.oom) {
		track_site_free(d);
		p.used = 0;
		track__site_append(&p, "%s: out of memory", p.name);
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
