#include "espresense.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <yaml.h>

#include "track/site.h"
#include "track/track.h"

/* Significant digits of the numbers written: far below a millimetre in
 * any building, and 6.3 - 0.1 comes out as 6.2, not 6.199999999999999. */
#define DUMP_FLAGS \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
/* Longest id made from the file, leaving room for a "-NNN" suffix. */
#define SLUG_MAX (TRACK_ID_MAX - 8)
/* Longest piece of file text quoted in a note. */
#define QUOTE_MAX 40
/* Room for "'<quoted>' (line NNN...)". */
#define LABEL_BUF (QUOTE_MAX + 48)
/* Room for a path such as floors[12].rooms[345].points[6789][1]. */
#define PATH_BUF 128
#define MSG_BUF 512

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

struct floor {
	char ref[TRACK_ID_MAX];      /* what nodes' floors lists call it */
	char id[TRACK_ID_MAX];
	const char *name;
	double lo[3], hi[3];         /* bounds, corners sorted */
	double ext_lo[2], ext_hi[2]; /* bounds grown to cover its nodes */
	const yaml_node_t *rooms;    /* NULL: none */
	json_t *json;
};

struct node {
	char id[TRACK_ID_MAX];
	double p[3];
	size_t floor;
	bool keep;
};

/* The ids of one kind given out so far, each mapped to the next suffix
 * to try when it comes up again as a base: a file with a thousand rooms
 * of one name stays linear (trying -2, -3, ... afresh each time, through
 * a list, took the cube of their number). */
struct ids {
	json_t *taken;
};

struct imp {
	const char *name;
	yaml_document_t doc;
	espresense_note_fn *note;
	void *ctx;
	char *err;
	size_t errlen;
	bool failed;
	bool flip_x;
	struct floor *floors;
	size_t n_floors;
	struct node *nodes;
	size_t n_nodes;
	double x0, x1, y0; /* the site frame: see tx() and ty() */
	struct ids floor_ids, zone_ids, scanner_ids;
};

/* ---- messages ------------------------------------------------------------ */

/* Record an error at YAML node at (NULL: no position) under path. Only the
 * first is kept: the import stops there. */
static void PRINTF_LIKE(4, 5)
fail(struct imp *im, const yaml_node_t *at, const char *path,
     const char *fmt, ...)
{
	char msg[MSG_BUF];
	va_list ap;

	if (im->failed)
		return;
	im->failed = true;
	if (!im->err || im->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (at)
		snprintf(im->err, im->errlen, "%s:%zu:%zu: %s%s%s", im->name,
		         at->start_mark.line + 1, at->start_mark.column + 1,
		         path, *path ? ": " : "", msg);
	else
		snprintf(im->err, im->errlen, "%s: %s%s%s", im->name, path,
		         *path ? ": " : "", msg);
}

static void
fail_oom(struct imp *im)
{
	fail(im, NULL, "", "out of memory");
}

static void PRINTF_LIKE(2, 3)
note(struct imp *im, const char *fmt, ...)
{
	char line[MSG_BUF + 128];
	va_list ap;
	int n;

	if (!im->note)
		return;
	n = snprintf(line, sizeof line, "%s: note: ", im->name);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	im->note(im->ctx, line);
}

/* s fit to quote: at most QUOTE_MAX bytes, cut before a UTF-8
 * continuation, control characters as '?' (it comes from the file and
 * goes to a terminal). */
static const char *
quote(const char *s, char buf[QUOTE_MAX + 4])
{
	size_t n = strlen(s), k;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
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

/* ---- YAML access --------------------------------------------------------- */

static yaml_node_t *
node_at(struct imp *im, int i)
{
	return yaml_document_get_node(&im->doc, i);
}

/* n's text, or NULL unless n is a scalar. */
static const char *
scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	       (const char *)n->data.scalar.value : NULL;
}

/* Whether n says nothing: "key:" with no value, ~ or null. */
static bool
is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (!n)
		return true;
	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* map[key]; NULL when it is absent or null, or map is not a mapping. */
static yaml_node_t *
get(struct imp *im, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node_at(im, p->key));

		if (k && strcmp(k, key) == 0) {
			yaml_node_t *v = node_at(im, p->value);

			return is_null(v) ? NULL : v;
		}
	}
	return NULL;
}

static size_t
seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE ?
	       (size_t)(n->data.sequence.items.top -
	                n->data.sequence.items.start) : 0;
}

static yaml_node_t *
seq_at(struct imp *im, const yaml_node_t *n, size_t i)
{
	return node_at(im, n->data.sequence.items.start[i]);
}

/* Whether n (non-NULL) is a list; reported when not. */
static bool
expect_list(struct imp *im, const yaml_node_t *n, const char *path,
            const char *what)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return true;
	fail(im, n, path, "expected a list of %s", what);
	return false;
}

static bool
number(struct imp *im, const yaml_node_t *n, const char *path, double *out)
{
	const char *s = scalar(n);
	char *end;

	if (s && *s) {
		double v = strtod(s, &end);

		if (*end == '\0' && isfinite(v)) {
			*out = v;
			return true;
		}
	}
	fail(im, n, path, "expected a number");
	return false;
}

/* n as a list of min to max numbers into v (what shows the form). */
static bool
numbers(struct imp *im, const yaml_node_t *n, const char *path, size_t min,
        size_t max, const char *what, double *v)
{
	size_t len = seq_len(n);
	char vpath[PATH_BUF];

	if (n->type != YAML_SEQUENCE_NODE || len < min || len > max) {
		fail(im, n, path, "expected %s", what);
		return false;
	}
	for (size_t k = 0; k < len; k++) {
		snprintf(vpath, sizeof vpath, "%s[%zu]", path, k);
		if (!number(im, seq_at(im, n, k), vpath, &v[k]))
			return false;
	}
	return true;
}

/* YAML 1.1 booleans, which the companion's own reader takes too. */
static bool
boolean(struct imp *im, const yaml_node_t *n, const char *path, bool *out)
{
	static const char *const words[] = { "true", "yes", "on", "false",
	                                     "no", "off" };
	const char *s = scalar(n);

	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i]) == 0) {
			*out = i < 3;
			return true;
		}
	fail(im, n, path, "expected true or false");
	return false;
}

/* ---- ids and labels ------------------------------------------------------ */

static bool
id_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\' &&
	       c != '/';
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower_or_digit(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* s as an id of at most SLUG_MAX characters ("" when nothing is left).
 * snake: the companion's ids made from names, ASCII letters and digits in
 * lower case with one '_' for each run of anything else and before a
 * capital that follows a small letter or a digit ("Master Bathroom",
 * "MasterBathroom" -> "master_bathroom"). Otherwise s is kept, each run of
 * characters a site id cannot hold becoming one '_'. */
static void
slug(const char *s, bool snake, char out[SLUG_MAX + 1])
{
	unsigned char prev = 0;
	bool gap = false;
	size_t n = 0;

	for (; *s && n < SLUG_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = snake ? is_upper(c) || is_lower_or_digit(c) :
		                    id_char_ok(c);

		if (!keep) {
			gap = true;
			prev = c;
			continue;
		}
		if (snake && is_upper(c) && is_lower_or_digit(prev))
			gap = true;
		if (gap && n > 0) {
			if (n + 2 > SLUG_MAX)
				break;
			out[n++] = '_';
		}
		gap = false;
		out[n++] = (char)(snake && is_upper(c) ? c - 'A' + 'a' : c);
		prev = c;
	}
	out[n] = '\0';
}

/* The id item (a mapping) asks for: its id as far as a site allows it,
 * else its name in snake case, else fallback. */
static void
item_slug(struct imp *im, const yaml_node_t *item, const char *fallback,
          char out[SLUG_MAX + 1])
{
	const char *id = scalar(get(im, item, "id"));
	const char *name = scalar(get(im, item, "name"));

	out[0] = '\0';
	if (id)
		slug(id, false, out);
	if (!out[0] && name)
		slug(name, true, out);
	if (!out[0])
		snprintf(out, SLUG_MAX + 1, "%s", fallback);
}

/* How notes name item: "'its name' (line N)", or its id, or "(line N)". */
static const char *
label(struct imp *im, const yaml_node_t *item, char buf[LABEL_BUF])
{
	const char *s = scalar(get(im, item, "name"));
	char q[QUOTE_MAX + 4];

	if (!s)
		s = scalar(get(im, item, "id"));
	if (s)
		snprintf(buf, LABEL_BUF, "'%s' (line %zu)", quote(s, q),
		         item->start_mark.line + 1);
	else
		snprintf(buf, LABEL_BUF, "(line %zu)",
		         item->start_mark.line + 1);
	return buf;
}

/* base made unique among ids (adding -2, -3, ...), recorded there and
 * copied to out; false when out of memory. */
static bool
unique_id(struct imp *im, struct ids *ids, const char *base,
          const char *what, const char *lab, char out[TRACK_ID_MAX])
{
	json_t *next;
	json_int_t k;

	if (!ids->taken && !(ids->taken = json_object()))
		goto oom;
	next = json_object_get(ids->taken, base);
	snprintf(out, TRACK_ID_MAX, "%s", base);
	for (k = next ? json_integer_value(next) : 2;
	     json_object_get(ids->taken, out); k++)
		snprintf(out, TRACK_ID_MAX, "%s-%lld", base, (long long)k);
	if (strcmp(out, base) != 0)
		note(im, "%s %s: id '%s' is taken, using '%s'", what, lab,
		     base, out);
	if (json_object_set_new(ids->taken, base, json_integer(k)) ||
	    (strcmp(out, base) != 0 &&
	     json_object_set_new(ids->taken, out, json_integer(2))))
		goto oom;
	return true;
oom:
	fail_oom(im);
	return false;
}

/* ---- aliases ------------------------------------------------------------ */

/* The number of node n in the document (1-based, as libyaml counts). */
static int
node_index(const struct imp *im, const yaml_node_t *n)
{
	return (int)(n - im->doc.nodes.start) + 1;
}

/* Mark node i as seen (seen[i - 1]) and push it; false, reported, when it
 * was seen before: it is reached twice, through an alias. */
static bool
visit(struct imp *im, int i, const char *path, unsigned char *seen,
      int *stack, size_t *n)
{
	if (seen[i - 1]) {
		fail(im, node_at(im, i), path, "YAML aliases (*name) are not "
		     "supported here");
		return false;
	}
	seen[i - 1] = 1;
	stack[(*n)++] = i;
	return true;
}

/* Whether no node under top (floors or nodes) is reached twice. An alias
 * there would be read once per use: a few of them nested make a small
 * file take hours to import (and pointing back up, forever). The walk
 * keeps its own stack, since YAML may nest deeper than the C stack. */
static bool
no_aliases(struct imp *im, const yaml_node_t *top, const char *path,
           unsigned char *seen, int *stack)
{
	size_t n = 0;

	if (!visit(im, node_index(im, top), path, seen, stack, &n))
		return false;
	while (n > 0) {
		const yaml_node_t *y = node_at(im, stack[--n]);

		if (y->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *i = y->data.sequence.items.start;
			     i < y->data.sequence.items.top; i++)
				if (!visit(im, *i, path, seen, stack, &n))
					return false;
		} else if (y->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = y->data.mapping.pairs.start;
			     p < y->data.mapping.pairs.top; p++)
				if (!visit(im, p->key, path, seen, stack, &n) ||
				    !visit(im, p->value, path, seen, stack, &n))
					return false;
		}
	}
	return true;
}

/* floors and nodes (either may be NULL) without aliases. */
static bool
check_aliases(struct imp *im, const yaml_node_t *floors,
              const yaml_node_t *nodes)
{
	size_t count = (size_t)(im->doc.nodes.top - im->doc.nodes.start);
	unsigned char *seen = calloc(count, 1);
	int *stack = calloc(count, sizeof *stack);
	bool ok = false;

	if (!seen || !stack)
		fail_oom(im);
	else
		ok = no_aliases(im, floors, "floors", seen, stack) &&
		     (!nodes || no_aliases(im, nodes, "nodes", seen, stack));
	free(stack);
	free(seen);
	return ok;
}

/* ---- the frame ----------------------------------------------------------- */

/* With flip_x the companion's x grows to the left; a site's always grows
 * to the right, so x is mirrored to keep the plan as the user drew it. */
static double
tx(const struct imp *im, double x)
{
	return im->flip_x ? im->x1 - x : x - im->x0;
}

static double
ty(const struct imp *im, double y)
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

static bool
read_floor(struct imp *im, const yaml_node_t *y, size_t i)
{
	struct floor *fl = &im->floors[i];
	char path[PATH_BUF], bpath[PATH_BUF], s[SLUG_MAX + 1], lab[LABEL_BUF];
	double c[2][3] = { { 0.0 } };
	const char *id, *name;
	const yaml_node_t *b;

	snprintf(path, sizeof path, "floors[%zu]", i);
	snprintf(bpath, sizeof bpath, "floors[%zu].bounds", i);
	if (y->type != YAML_MAPPING_NODE) {
		fail(im, y, path, "expected a mapping (id, name, bounds, "
		     "rooms)");
		return false;
	}
	b = get(im, y, "bounds");
	if (!b) {
		fail(im, y, path, "missing key 'bounds' ([[x0, y0, z0], "
		     "[x1, y1, z1]])");
		return false;
	}
	if (b->type != YAML_SEQUENCE_NODE || seq_len(b) != 2) {
		fail(im, b, bpath, "expected two corners [[x0, y0, z0], "
		     "[x1, y1, z1]]");
		return false;
	}
	for (size_t k = 0; k < 2; k++) {
		char cpath[PATH_BUF];

		snprintf(cpath, sizeof cpath, "floors[%zu].bounds[%zu]", i, k);
		if (!numbers(im, seq_at(im, b, k), cpath, 2, 3,
		             "[x, y, z] (z may be left out: 0)", c[k]))
			return false;
	}
	for (size_t d = 0; d < 3; d++) {
		fl->lo[d] = fmin(c[0][d], c[1][d]);
		fl->hi[d] = fmax(c[0][d], c[1][d]);
	}
	if (!(fl->hi[0] > fl->lo[0] && fl->hi[1] > fl->lo[1])) {
		fail(im, b, bpath, "the corners enclose no area");
		return false;
	}
	memcpy(fl->ext_lo, fl->lo, sizeof fl->ext_lo);
	memcpy(fl->ext_hi, fl->hi, sizeof fl->ext_hi);

	/* Nodes name floors by the companion's id: the given one, else the
	 * name in snake case. */
	id = scalar(get(im, y, "id"));
	name = scalar(get(im, y, "name"));
	if (id)
		snprintf(fl->ref, sizeof fl->ref, "%s", id);
	else if (name)
		slug(name, true, fl->ref);
	item_slug(im, y, "floor", s);
	if (!unique_id(im, &im->floor_ids, s, "floor", label(im, y, lab),
	               fl->id))
		return false;
	fl->name = name && *name ? name : fl->id;

	fl->rooms = get(im, y, "rooms");
	snprintf(path, sizeof path, "floors[%zu].rooms", i);
	return !fl->rooms ||
	       expect_list(im, fl->rooms, path, "rooms (name, points)");
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
	size_t n = seq_len(fls), known = 0, first = SIZE_MAX, at = SIZE_MAX;
	char q[QUOTE_MAX + 4];

	for (size_t k = 0; k < n; k++) {
		const char *s = scalar(seq_at(im, fls, k));
		size_t f = s ? find_floor(im, s) : SIZE_MAX;

		if (f == SIZE_MAX) {
			note(im, "node %s: no floor '%s' in the file, ignored",
			     lab, quote(s ? s : "?", q));
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
			note(im, "node %s: skipped: none of its floors is in "
			     "the file", lab);
		else
			note(im, "node %s: skipped: it lists no floors and its "
			     "z %g is within no floor's bounds", lab, z);
		return SIZE_MAX;
	}
	if (known > 1)
		note(im, "node %s: listed on %zu floors, imported once, on "
		     "floor '%s'%s", lab, known, im->floors[at].id,
		     at != first ? " (its z is within that floor's bounds)" :
		     "");
	return at;
}

static bool
read_node(struct imp *im, const yaml_node_t *y, size_t i)
{
	struct node *nd = &im->nodes[i];
	char path[PATH_BUF], kpath[PATH_BUF], lab[LABEL_BUF], s[SLUG_MAX + 1];
	bool enabled = true, stationary = true;
	const yaml_node_t *pt, *fls, *v;
	struct floor *fl;
	double off;

	snprintf(path, sizeof path, "nodes[%zu]", i);
	if (y->type != YAML_MAPPING_NODE) {
		fail(im, y, path, "expected a mapping (name, id, point, "
		     "floors)");
		return false;
	}
	label(im, y, lab);
	snprintf(kpath, sizeof kpath, "nodes[%zu].enabled", i);
	if ((v = get(im, y, "enabled")) && !boolean(im, v, kpath, &enabled))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].stationary", i);
	if ((v = get(im, y, "stationary")) &&
	    !boolean(im, v, kpath, &stationary))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].point", i);
	pt = get(im, y, "point");
	if (pt && !numbers(im, pt, kpath, 3, 3, "[x, y, z]", nd->p))
		return false;
	snprintf(kpath, sizeof kpath, "nodes[%zu].floors", i);
	fls = get(im, y, "floors");
	if (fls && !expect_list(im, fls, kpath, "floor ids"))
		return false;

	if (!enabled) {
		note(im, "node %s: skipped: it is disabled", lab);
		return true;
	}
	if (!pt) {
		note(im, "node %s: skipped: it has no point", lab);
		return true;
	}
	nd->floor = pick_floor(im, fls, nd->p[2], lab);
	if (nd->floor == SIZE_MAX)
		return true;
	nd->keep = true;
	fl = &im->floors[nd->floor];
	off = outside(fl, nd->p[0], nd->p[1]);
	if (off > 0.0) {
		note(im, "node %s: %g m outside the bounds of floor '%s'; "
		     "the floor is widened to hold it", lab, off, fl->id);
		fl->ext_lo[0] = fmin(fl->ext_lo[0], nd->p[0]);
		fl->ext_lo[1] = fmin(fl->ext_lo[1], nd->p[1]);
		fl->ext_hi[0] = fmax(fl->ext_hi[0], nd->p[0]);
		fl->ext_hi[1] = fmax(fl->ext_hi[1], nd->p[1]);
	}
	if (nd->p[2] < fl->lo[2])
		note(im, "node %s: z %g is below floor '%s' (z %g); mounted "
		     "at height 0 instead", lab, nd->p[2], fl->id, fl->lo[2]);
	if (!stationary)
		note(im, "node %s: not stationary; imported as a fixed "
		     "scanner at its point", lab);
	item_slug(im, y, "node", s);
	return unique_id(im, &im->scanner_ids, s, "node", lab, nd->id);
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

static bool
read_room(struct imp *im, size_t fi, const yaml_node_t *y, size_t ri,
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
		fail(im, y, path, "expected a mapping (name, id, points)");
		return false;
	}
	label(im, y, lab);
	pts = get(im, y, "points");
	snprintf(path, sizeof path, "floors[%zu].rooms[%zu].points", fi, ri);
	if (pts && !expect_list(im, pts, path, "[x, y] points"))
		return false;
	n = seq_len(pts);
	p = malloc((n ? n : 1) * sizeof *p);
	if (!p) {
		fail_oom(im);
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		char vpath[PATH_BUF];
		double v[2];

		snprintf(vpath, sizeof vpath,
		         "floors[%zu].rooms[%zu].points[%zu]", fi, ri, k);
		if (!numbers(im, seq_at(im, pts, k), vpath, 2, 2, "[x, y]", v))
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
		note(im, "room %s on floor '%s': skipped: fewer than 3 "
		     "distinct points", lab, fl->id);
		ok = true;
		goto out;
	}
	for (size_t k = 0; k < m; k++) {
		double off = outside(fl, p[k][0], p[k][1]);

		if (off > ESPRESENSE_CLAMP_M) {
			note(im, "room %s on floor '%s': skipped: point (%g, "
			     "%g) is %g m outside the floor's bounds", lab,
			     fl->id, p[k][0], p[k][1], off);
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
		                          tx(im, p[k][0]), ty(im, p[k][1]))))
			goto oom;
	item_slug(im, y, "room", s);
	name = scalar(get(im, y, "name"));
	zone = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", s, "name",
	                 name && *name ? name : s, "floor", fl->id, "kind",
	                 "room", "polygon", poly);
	if (!zone)
		goto oom;
	valid = check_zone(fl->json, zone, why, sizeof why);
	if (valid < 0)
		goto oom;
	if (!valid) {
		note(im, "room %s on floor '%s': skipped: %s", lab, fl->id,
		     why);
		ok = true;
		goto out;
	}
	if (moved)
		note(im, "room %s on floor '%s': %zu %s moved onto the "
		     "floor's edge (by at most %g m)", lab, fl->id, moved,
		     moved == 1 ? "point" : "points", worst);
	if (!unique_id(im, &im->zone_ids, s, "room", lab, id))
		goto out;
	if (json_object_set_new(zone, "id", json_string(id)) ||
	    json_array_append(zones, zone))
		goto oom;
	ok = true;
	goto out;
oom:
	fail_oom(im);
out:
	json_decref(zone);
	json_decref(poly);
	free(p);
	return ok;
}

/* ---- top level ----------------------------------------------------------- */

/* The companion's own settings: nothing in them describes the building. */
static const char *const companion_sections[] = {
	"mqtt", "gps", "timeout", "away_timeout", "device_retention",
	"optimization", "locators", "filtering", "history", "devices",
	"exclude_devices", "weighting", "bounds", NULL,
};

/* Note every section that is not imported; read map's flip_x and flip_y
 * into im->flip_x and *flip_y. */
static bool
read_sections(struct imp *im, const yaml_node_t *root, bool *flip_y)
{
	const yaml_node_t *map = get(im, root, "map");
	char q[QUOTE_MAX + 4];
	const yaml_node_t *v;

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(node_at(im, p->key));
		const char *const *c = companion_sections;

		if (k && (strcmp(k, "floors") == 0 ||
		          strcmp(k, "nodes") == 0 || strcmp(k, "map") == 0))
			continue;
		while (k && *c && strcmp(*c, k) != 0)
			c++;
		note(im, "ignoring section '%s' (%s)", quote(k ? k : "?", q),
		     k && *c ? "companion settings" : "not a known section");
	}
	*flip_y = true;
	if (!map)
		return true;
	if (map->type != YAML_MAPPING_NODE) {
		fail(im, map, "map", "expected a mapping (flip_x, flip_y, "
		     "...)");
		return false;
	}
	if ((v = get(im, map, "flip_x")) &&
	    !boolean(im, v, "map.flip_x", &im->flip_x))
		return false;
	if ((v = get(im, map, "flip_y")) &&
	    !boolean(im, v, "map.flip_y", flip_y))
		return false;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node_at(im, p->key));

		if (!k ||
		    (strcmp(k, "flip_x") != 0 && strcmp(k, "flip_y") != 0))
			note(im, "ignoring map.%s (display setting)",
			     quote(k ? k : "?", q));
	}
	return true;
}

/* The site id from the file name: its last component without the
 * extension. "config" is the companion's fixed name and says nothing. */
static void
site_id(const char *name, char out[SLUG_MAX + 1])
{
	const char *base, *dot;
	char stem[SLUG_MAX + 1];

	out[0] = '\0';
	if (name && strcmp(name, "-") != 0) {
		base = strrchr(name, '/');
		base = base ? base + 1 : name;
		dot = strrchr(base, '.');
		snprintf(stem, sizeof stem, "%.*s",
		         (int)(dot && dot != base ? (size_t)(dot - base) :
		               strlen(base)), base);
		slug(stem, false, out);
	}
	if (!out[0] || strcmp(out, "config") == 0)
		snprintf(out, SLUG_MAX + 1, "espresense");
}

/* Everything after the YAML is loaded into im->doc. */
static json_t *
build(struct imp *im, const yaml_node_t *root)
{
	const yaml_node_t *floors, *nodes;
	json_t *site = NULL, *jf, *js, *jz;
	char id[SLUG_MAX + 1];
	bool flip_y;

	if (!root) {
		fail(im, NULL, "", "no 'floors' section: nothing to import");
		return NULL;
	}
	if (root->type != YAML_MAPPING_NODE) {
		fail(im, root, "", "expected a mapping at the top level (the "
		     "companion's config.yaml)");
		return NULL;
	}
	if (!read_sections(im, root, &flip_y))
		return NULL;
	floors = get(im, root, "floors");
	if (!floors) {
		fail(im, NULL, "", "no 'floors' section: nothing to import");
		return NULL;
	}
	if (!expect_list(im, floors, "floors", "floors (id, name, bounds, "
	                 "rooms)"))
		return NULL;
	im->n_floors = seq_len(floors);
	if (im->n_floors == 0) {
		fail(im, floors, "floors", "expected at least one floor");
		return NULL;
	}
	nodes = get(im, root, "nodes");
	if (nodes && !expect_list(im, nodes, "nodes", "nodes (name, point, "
	                          "floors)"))
		return NULL;
	if (!check_aliases(im, floors, nodes))
		return NULL;
	im->n_nodes = seq_len(nodes);
	im->floors = calloc(im->n_floors, sizeof *im->floors);
	im->nodes = calloc(im->n_nodes ? im->n_nodes : 1, sizeof *im->nodes);
	if (!im->floors || !im->nodes) {
		fail_oom(im);
		return NULL;
	}
	for (size_t i = 0; i < im->n_floors; i++)
		if (!read_floor(im, seq_at(im, floors, i), i))
			return NULL;
	for (size_t i = 0; i < im->n_nodes; i++)
		if (!read_node(im, seq_at(im, nodes, i), i))
			return NULL;

	im->x0 = im->y0 = INFINITY;
	im->x1 = -INFINITY;
	for (size_t i = 0; i < im->n_floors; i++) {
		im->x0 = fmin(im->x0, im->floors[i].ext_lo[0]);
		im->x1 = fmax(im->x1, im->floors[i].ext_hi[0]);
		im->y0 = fmin(im->y0, im->floors[i].ext_lo[1]);
	}

	site_id(im->name, id);
	site = json_pack("{s:s, s:s, s:s, s:[], s:[], s:[]}", "site", id,
	                 "name", "Imported from ESPresense", "y_axis",
	                 flip_y ? "up" : "down", "floors", "scanners",
	                 "zones");
	if (!site)
		goto oom;
	jf = json_object_get(site, "floors");
	js = json_object_get(site, "scanners");
	jz = json_object_get(site, "zones");
	for (size_t i = 0; i < im->n_floors; i++) {
		struct floor *fl = &im->floors[i];
		int level = 0;

		/* Level 0 is the lowest floor; equal ones keep file order. */
		for (size_t j = 0; j < im->n_floors; j++)
			if (im->floors[j].lo[2] < fl->lo[2] ||
			    (im->floors[j].lo[2] == fl->lo[2] && j < i))
				level++;
		fl->json = json_pack("{s:s, s:s, s:i, s:f, s:f, s:f}", "id",
		                     fl->id, "name", fl->name, "level", level,
		                     "z", fl->lo[2], "width",
		                     im->flip_x ? im->x1 - fl->ext_lo[0] :
		                                  fl->ext_hi[0] - im->x0,
		                     "height", fl->ext_hi[1] - im->y0);
		if (!fl->json || json_array_append(jf, fl->json))
			goto oom;
	}
	for (size_t i = 0; i < im->n_nodes; i++) {
		const struct node *nd = &im->nodes[i];
		const struct floor *fl;

		if (!nd->keep)
			continue;
		fl = &im->floors[nd->floor];
		if (json_array_append_new(js, json_pack("{s:s, s:s, s:f, s:f, "
		                          "s:f}", "id", nd->id, "floor",
		                          fl->id, "x", tx(im, nd->p[0]), "y",
		                          ty(im, nd->p[1]), "z",
		                          fmax(nd->p[2] - fl->lo[2], 0.0))))
			goto oom;
	}
	for (size_t i = 0; i < im->n_floors; i++) {
		const yaml_node_t *rooms = im->floors[i].rooms;

		for (size_t r = 0; r < seq_len(rooms); r++)
			if (!read_room(im, i, seq_at(im, rooms, r), r, jz))
				goto out;
	}
	return site;
oom:
	fail_oom(im);
out:
	json_decref(site);
	return NULL;
}

/* Report the parser's error: where, what, and in which construct. */
static void
yaml_fail(struct imp *im, const yaml_parser_t *y)
{
	if (y->error == YAML_MEMORY_ERROR) {
		fail_oom(im);
	} else if (y->error == YAML_READER_ERROR) {
		fail(im, NULL, "", "invalid YAML: %s at byte %zu",
		     y->problem ? y->problem : "unreadable input",
		     y->problem_offset);
	} else {
		yaml_node_t at = { .start_mark = y->problem_mark };

		if (y->context)
			fail(im, &at, "", "invalid YAML: %s (%s at line %zu, "
			     "column %zu)", y->problem ? y->problem : "error",
			     y->context, y->context_mark.line + 1,
			     y->context_mark.column + 1);
		else
			fail(im, &at, "", "invalid YAML: %s",
			     y->problem ? y->problem : "error");
	}
}

static int
import(yaml_parser_t *y, const char *name, espresense_note_fn *note_fn,
       void *ctx, char **out, char *err, size_t errlen)
{
	struct imp im = {
		.name = name ? name : "espresense",
		.note = note_fn,
		.ctx = ctx,
		.err = err,
		.errlen = errlen,
	};
	track_site_doc *d = NULL;
	json_t *site = NULL;
	char *text = NULL, vname[256];
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!yaml_parser_load(y, &im.doc)) {
		yaml_fail(&im, y);
		return -1;
	}
	site = build(&im, yaml_document_get_root_node(&im.doc));
	if (!site)
		goto out;
	text = json_dumps(site, DUMP_FLAGS);
	if (!text) {
		fail_oom(&im);
		goto out;
	}
	/* The promise is a file that loads: hold the text to it, as written,
	 * rather than trust the steps above. */
	snprintf(vname, sizeof vname, "%s (as imported)", im.name);
	if (track_site_parse(text, strlen(text), vname, &d, err,
	                     errlen) != TRACK_OK) {
		free(text);
		goto out;
	}
	track_site_free(d);
	*out = text;
	rc = 0;
out:
	json_decref(site);
	for (size_t i = 0; im.floors && i < im.n_floors; i++)
		json_decref(im.floors[i].json);
	free(im.floors);
	free(im.nodes);
	json_decref(im.floor_ids.taken);
	json_decref(im.zone_ids.taken);
	json_decref(im.scanner_ids.taken);
	yaml_document_delete(&im.doc);
	return rc;
}

int
espresense_import(const char *text, size_t len, const char *name,
                  espresense_note_fn *note_fn, void *ctx, char **out,
                  char *err, size_t errlen)
{
	yaml_parser_t y;
	int rc;

	if (!yaml_parser_initialize(&y)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory",
			         name ? name : "espresense");
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)(text ? text :
	                             ""), text ? len : 0);
	rc = import(&y, name, note_fn, ctx, out, err, errlen);
	yaml_parser_delete(&y);
	return rc;
}

int
espresense_import_file(FILE *f, const char *name,
                       espresense_note_fn *note_fn, void *ctx, char **out,
                       char *err, size_t errlen)
{
	yaml_parser_t y;
	int rc;

	if (!yaml_parser_initialize(&y)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory",
			         name ? name : "espresense");
		return -1;
	}
	yaml_parser_set_input_file(&y, f);
	rc = import(&y, name, note_fn, ctx, out, err, errlen);
	yaml_parser_delete(&y);
	return rc;
}
