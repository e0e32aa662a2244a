/* The ESPresense import's geometry: the site frame, and the floors, nodes
 * and rooms placed in it (espresense-private.h). */
#include "espresense-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the frame ----------------------------------------------------------- */

/* With flip_x the companion's x grows to the left; a site's always grows
 * to the right, so x is mirrored to keep the plan as the user drew it. */
double
esp_tx(const struct imp *im, double x)
{
	return im->flip_x ? im->x1 - x : x - im->x0;
}

double
esp_ty(const struct imp *im, double y)
{
	return y - im->y0;
}

static bool
holds_z(const struct floor *fl, double z)
{
	return z >= fl->lo[2] && z <= fl->hi[2];
}

/* How far (m) x, y lies outside fl's bounds along the worse axis. */
static double
outside(const struct floor *fl, double x, double y)
{
	double dx = fmax(fmax(fl->lo[0] - x, x - fl->hi[0]), 0.0);
	double dy = fmax(fmax(fl->lo[1] - y, y - fl->hi[1]), 0.0);

	return fmax(dx, dy);
}

/* ---- floors -------------------------------------------------------------- */

bool
esp_read_floor(struct imp *im, const yaml_node_t *y, size_t i)
{
	struct floor *fl = &im->floors[i];
	char path[PATH_BUF], bpath[PATH_BUF], s[SLUG_MAX + 1], lab[LABEL_BUF];
	double c[2][3] = { { 0.0 } };
	const char *id, *name;
	const yaml_node_t *b;

	snprintf(path, sizeof path, "floors[%zu]", i);
	snprintf(bpath, sizeof bpath, "floors[%zu].bounds", i);
	if (y->type != YAML_MAPPING_NODE) {
		esp_fail(im, y, path,
		         "expected a mapping (id, name, bounds, "
		         "rooms)");
		return false;
	}
	b = esp_get(im, y, "bounds");
	if (!b) {
		esp_fail(im, y, path,
		         "missing key 'bounds' ([[x0, y0, z0], "
		         "[x1, y1, z1]])");
		return false;
	}
	if (b->type != YAML_SEQUENCE_NODE || esp_seq_len(b) != 2) {
		esp_fail(im, b, bpath,
		         "expected two corners [[x0, y0, z0], "
		         "[x1, y1, z1]]");
		return false;
	}
	for (size_t k = 0; k < 2; k++) {
		char cpath[PATH_BUF];

		snprintf(cpath, sizeof cpath, "floors[%zu].bounds[%zu]", i, k);
		if (!esp_numbers(im, esp_seq_at(im, b, k), cpath, 2, 3,
		                 "[x, y, z] (z may be left out: 0)", c[k]))
			return false;
	}
	for (size_t d = 0; d < 3; d++) {
		fl->lo[d] = fmin(c[0][d], c[1][d]);
		fl->hi[d] = fmax(c[0][d], c[1][d]);
	}
	if (!(fl->hi[0] > fl->lo[0] && fl->hi[1] > fl->lo[1])) {
		esp_fail(im, b, bpath, "the corners enclose no area");
		return false;
	}
	memcpy(fl->ext_lo, fl->lo, sizeof fl->ext_lo);
	memcpy(fl->ext_hi, fl->hi, sizeof fl->ext_hi);

	/* Nodes name floors by the companion's id: the given one, else the
	 * name in snake case. */
	id = esp_scalar(esp_get(im, y, "id"));
	name = esp_scalar(esp_get(im, y, "name"));
	if (id)
		snprintf(fl->ref, sizeof fl->ref, "%s", id);
	else if (name)
		esp_slug(name, true, fl->ref);
	esp_item_slug(im, y, "floor", s);
	if (!esp_unique_id(im, &im->floor_ids, s, "floor",
	                   esp_label(im, y, lab), fl->id))
		return false;
	fl->name = name && *name ? name : fl->id;

	fl->rooms = esp_get(im, y, "rooms");
	snprintf(path, sizeof path, "floors[%zu].rooms", i);
	return !fl->rooms ||
	       esp_expect_list(im, fl->rooms, path, "rooms (name, points)");
}

/* The floor the companion calls ref, or SIZE_MAX. */
static size_t
find_floor(const struct imp *im, const char *ref)
{
	for (size_t f = 0; f < im->n_floors; f++)
		if (strcasecmp(im->floors[f].ref, ref) == 0)
			return f;
	return SIZE_MAX;
}

/* ---- nodes --------------------------------------------------------------- */

/* The floor for a node at height z listing floors fls (NULL: none): of
 * those it lists, the first whose z range holds z, else the first one in
 * the file; with no list, the first floor holding z. SIZE_MAX after a
 * note when there is none. */
static size_t
pick_floor(struct imp *im, const yaml_node_t *fls, double z, const char *lab)
{
	size_t n = esp_seq_len(fls), known = 0, first = SIZE_MAX, at = SIZE_MAX;
	char q[TRACK__QUOTE_BUF];

	for (size_t k = 0; k < n; k++) {
		const char *s = esp_scalar(esp_seq_at(im, fls, k));
		size_t f = s ? find_floor(im, s) : SIZE_MAX;

		if (f == SIZE_MAX) {
			esp_note(im,
			         "node %s: no floor '%s' in the file, ignored",
			         lab, track__quote(s ? s : "?", q));
			continue;
		}
		known++;
		if (first == SIZE_MAX)
			first = f;
		if (at == SIZE_MAX && holds_z(&im->floors[f], z))
			at = f;
	}
	for (size_t f = 0; n == 0 && f < im->n_floors && at == SIZE_MAX; f++)
		if (holds_z(&im->floors[f], z))
			at = f;
	if (at == SIZE_MAX)
		at = first;
	if (at == SIZE_MAX) {
		if (n)
			esp_note(im,
			         "node %s: skipped: none of its floors is in "
			         "the file",
			         lab);
		else
			esp_note(im,
			         "node %s: skipped: it lists no floors and its "
			         "z %g is within no floor's bounds",
			         lab, z);
		return SIZE_MAX;
	}
	if (known > 1)
		esp_note(im,
		         "node %s: listed on %zu floors, imported once, on "
		         "floor '%s'%s",
		         lab, known, im->floors[at].id,
		         at != first ? " (its z is within that floor's bounds)"
		                     : "");
	return at;
}

bool
esp_read_node(struct imp *im, const yaml_node_t *y, size_t i)
{
	struct node *nd = &im->nodes[i];
	char path[PATH_BUF], kpath[PATH_BUF], lab[LABEL_BUF], s[SLUG_MAX + 1];
	bool enabled = true, stationary = true;
	const yaml_node_t *pt, *fls, *v;
	struct floor *fl;
	double off;

	snprintf(path, sizeof path, "nodes[%zu]", i);
	if (y->type != YAML_MAPPING_NODE) {
		esp_fail(im, y, path,
		         "expected a mapping (name, id, point, "
		         "floors)");
		return false;
	}
	esp_label(im, y, lab);
	snprintf(kpath, sizeof kpath, "nodes[%zu].enabled", i);
	if ((v = esp_get(im, y, "enabled")) &&
	    !esp_boolean(im, v, kpath, &enabled))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].stationary", i);
	if ((v = esp_get(im, y, "stationary")) &&
	    !esp_boolean(im, v, kpath, &stationary))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].point", i);
	pt = esp_get(im, y, "point");
	if (pt && !esp_numbers(im, pt, kpath, 3, 3, "[x, y, z]", nd->p))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].floors", i);
	fls = esp_get(im, y, "floors");
	if (fls && !esp_expect_list(im, fls, kpath, "floor ids"))
		return false;

	if (!enabled) {
		esp_note(im, "node %s: skipped: it is disabled", lab);
		return true;
	}
	if (!pt) {
		esp_note(im, "node %s: skipped: it has no point", lab);
		return true;
	}
	nd->floor = pick_floor(im, fls, nd->p[2], lab);
	if (nd->floor == SIZE_MAX)
		return true;
	nd->keep = true;
	fl = &im->floors[nd->floor];
	off = outside(fl, nd->p[0], nd->p[1]);
	if (off > 0.0) {
		esp_note(im,
		         "node %s: %g m outside the bounds of floor '%s'; "
		         "the floor is widened to hold it",
		         lab, off, fl->id);
		fl->ext_lo[0] = fmin(fl->ext_lo[0], nd->p[0]);
		fl->ext_lo[1] = fmin(fl->ext_lo[1], nd->p[1]);
		fl->ext_hi[0] = fmax(fl->ext_hi[0], nd->p[0]);
		fl->ext_hi[1] = fmax(fl->ext_hi[1], nd->p[1]);
	}
	if (nd->p[2] < fl->lo[2])
		esp_note(im,
		         "node %s: z %g is below floor '%s' (z %g); mounted "
		         "at height 0 instead",
		         lab, nd->p[2], fl->id, fl->lo[2]);
	if (!stationary)
		esp_note(im,
		         "node %s: not stationary; imported as a fixed "
		         "scanner at its point",
		         lab);
	esp_item_slug(im, y, "node", s);
	return esp_unique_id(im, &im->scanner_ids, s, "node", lab, nd->id);
}

/* ---- rooms --------------------------------------------------------------- */

/* Whether zone, on floor (both JSON), passes the site checks on its own:
 * the companion draws any outline, a site zone must be a simple polygon.
 * 1 yes, 0 no (why says what is wrong), -1 out of memory. */
static int
check_zone(json_t *floor, json_t *zone, char *why, size_t whylen)
{
	char err[1024];
	const char *e;
	track_site_doc *d = NULL;
	track_status st;
	json_t *doc;
	char *text;

	doc = json_pack("{s:s, s:s, s:[O], s:[], s:[O]}", "site", "check",
	                "name", "check", "floors", floor, "scanners",
	                "zones", zone);
	text = doc ? json_dumps(doc, DUMP_FLAGS) : NULL;
	json_decref(doc);
	if (!text)
		return -1;
	st = track_site_parse(text, strlen(text), "zone", &d, err, sizeof err);
	free(text);
	track_site_free(d);
	if (st == TRACK_ENOMEM)
		return -1;
	if (st == TRACK_OK)
		return 1;
	/* "zone: zones[0].polygon: edges ..." -> "polygon: edges ..." */
	e = strstr(err, "zones[0]");
	e = e ? e + strlen("zones[0]") : err;
	e += strspn(e, ".: ");
	snprintf(why, whylen, "%.*s", (int)strcspn(e, "\n"), e);
	return 0;
}

bool
esp_read_room(struct imp *im, size_t fi, const yaml_node_t *y, size_t ri,
              json_t *zones)
{
	struct floor *fl = &im->floors[fi];
	char path[PATH_BUF], lab[LABEL_BUF], s[SLUG_MAX + 1], id[TRACK_ID_MAX];
	char why[256];
	double (*p)[2] = NULL, worst = 0.0;
	size_t n, m = 0, moved = 0;
	const yaml_node_t *pts;
	json_t *poly = NULL, *zone = NULL;
	const char *name;
	bool ok = false;
	int valid;

	snprintf(path, sizeof path, "floors[%zu].rooms[%zu]", fi, ri);
	if (y->type != YAML_MAPPING_NODE) {
		esp_fail(im, y, path, "expected a mapping (name, id, points)");
		return false;
	}
	esp_label(im, y, lab);
	pts = esp_get(im, y, "points");
	snprintf(path, sizeof path, "floors[%zu].rooms[%zu].points", fi, ri);
	if (pts && !esp_expect_list(im, pts, path, "[x, y] points"))
		return false;
	n = esp_seq_len(pts);
	p = malloc((n ? n : 1) * sizeof *p);
	if (!p) {
		esp_fail_oom(im);
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		char vpath[PATH_BUF];
		double v[2];

		snprintf(vpath, sizeof vpath,
		         "floors[%zu].rooms[%zu].points[%zu]", fi, ri, k);
		if (!esp_numbers(im, esp_seq_at(im, pts, k), vpath, 2, 2,
		                 "[x, y]", v))
			goto out;
		/* The companion closes outlines itself, and some files
		 * repeat a corner; a site polygon must not. */
		if (m > 0 && v[0] == p[m - 1][0] && v[1] == p[m - 1][1])
			continue;
		memcpy(p[m++], v, sizeof v);
	}
	if (m > 1 && p[m - 1][0] == p[0][0] && p[m - 1][1] == p[0][1])
		m--;
	if (m < 3) {
		esp_note(im,
		         "room %s on floor '%s': skipped: fewer than 3 "
		         "distinct points",
		         lab, fl->id);
		ok = true;
		goto out;
	}
	for (size_t k = 0; k < m; k++) {
		double off = outside(fl, p[k][0], p[k][1]);

		if (off > ESPRESENSE_CLAMP_M) {
			esp_note(im,
			         "room %s on floor '%s': skipped: point (%g, "
			         "%g) is %g m outside the floor's bounds",
			         lab, fl->id, p[k][0], p[k][1], off);
			ok = true;
			goto out;
		}
		if (off > 0.0) {
			moved++;
			worst = fmax(worst, off);
			p[k][0] = fmin(fmax(p[k][0], fl->lo[0]), fl->hi[0]);
			p[k][1] = fmin(fmax(p[k][1], fl->lo[1]), fl->hi[1]);
		}
	}
	if (!(poly = json_array()))
		goto oom;
	for (size_t k = 0; k < m; k++)
		if (json_array_append_new(poly, json_pack("[f, f]",
		                                          esp_tx(im, p[k][0]),
		                                          esp_ty(im, p[k][1]))))
			goto oom;
	esp_item_slug(im, y, "room", s);
	name = esp_scalar(esp_get(im, y, "name"));
	zone = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", s, "name",
	                 name && *name ? name : s, "floor", fl->id, "kind",
	                 "room", "polygon", poly);
	if (!zone)
		goto oom;
	valid = check_zone(fl->json, zone, why, sizeof why);
	if (valid < 0)
		goto oom;
	if (!valid) {
		esp_note(im, "room %s on floor '%s': skipped: %s", lab, fl->id,
		         why);
		ok = true;
		goto out;
	}
	if (moved)
		esp_note(im,
		         "room %s on floor '%s': %zu %s moved onto the "
		         "floor's edge (by at most %g m)",
		         lab, fl->id, moved, moved == 1 ? "point" : "points",
		         worst);
	if (!esp_unique_id(im, &im->zone_ids, s, "room", lab, id))
		goto out;
	if (json_object_set_new(zone, "id", json_string(id)) ||
	    json_array_append(zones, zone))
		goto oom;
	ok = true;
	goto out;
oom:
	esp_fail_oom(im);
out:
	json_decref(zone);
	json_decref(poly);
	free(p);
	return ok;
}

