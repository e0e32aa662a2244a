#include "espresense-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <yaml.h>

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
	const yaml_node_t *map = esp_get(im, root, "map");
	char q[TRACK__QUOTE_BUF];
	const yaml_node_t *v;

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		const char *k = esp_scalar(esp_node_at(im, p->key));
		const char *const *c = companion_sections;

		if (k && (strcmp(k, "floors") == 0 ||
		          strcmp(k, "nodes") == 0 || strcmp(k, "map") == 0))
			continue;
		while (k && *c && strcmp(*c, k) != 0)
			c++;
		esp_note(im, "ignoring section '%s' (%s)",
		         track__quote(k ? k : "?", q),
		         k && *c ? "companion settings"
		                 : "not a known section");
	}
	*flip_y = true;
	if (!map)
		return true;
	if (map->type != YAML_MAPPING_NODE) {
		esp_fail(im, map, "map",
		         "expected a mapping (flip_x, flip_y, "
		         "...)");
		return false;
	}
	if ((v = esp_get(im, map, "flip_x")) &&
	    !esp_boolean(im, v, "map.flip_x", &im->flip_x))
		return false;
	if ((v = esp_get(im, map, "flip_y")) &&
	    !esp_boolean(im, v, "map.flip_y", flip_y))
		return false;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = esp_scalar(esp_node_at(im, p->key));

		if (!k ||
		    (strcmp(k, "flip_x") != 0 && strcmp(k, "flip_y") != 0))
			esp_note(im, "ignoring map.%s (display setting)",
			         track__quote(k ? k : "?", q));
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
		esp_slug(stem, false, out);
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
		esp_fail(im, NULL, "",
		         "no 'floors' section: nothing to import");
		return NULL;
	}
	if (root->type != YAML_MAPPING_NODE) {
		esp_fail(im, root, "",
		         "expected a mapping at the top level (the "
		         "companion's config.yaml)");
		return NULL;
	}
	if (!read_sections(im, root, &flip_y))
		return NULL;
	floors = esp_get(im, root, "floors");
	if (!floors) {
		esp_fail(im, NULL, "",
		         "no 'floors' section: nothing to import");
		return NULL;
	}
	if (!esp_expect_list(im, floors, "floors",
	                     "floors (id, name, bounds, "
	                     "rooms)"))
		return NULL;
	im->n_floors = esp_seq_len(floors);
	if (im->n_floors == 0) {
		esp_fail(im, floors, "floors", "expected at least one floor");
		return NULL;
	}
	nodes = esp_get(im, root, "nodes");
	if (nodes && !esp_expect_list(im, nodes, "nodes",
	                              "nodes (name, point, "
	                              "floors)"))
		return NULL;
	if (!esp_check_aliases(im, floors, nodes))
		return NULL;
	im->n_nodes = esp_seq_len(nodes);
	im->floors = calloc(im->n_floors, sizeof *im->floors);
	im->nodes = calloc(im->n_nodes ? im->n_nodes : 1, sizeof *im->nodes);
	if (!im->floors || !im->nodes) {
		esp_fail_oom(im);
		return NULL;
	}
	for (size_t i = 0; i < im->n_floors; i++)
		if (!esp_read_floor(im, esp_seq_at(im, floors, i), i))
			return NULL;
	for (size_t i = 0; i < im->n_nodes; i++)
		if (!esp_read_node(im, esp_seq_at(im, nodes, i), i))
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
		if (json_array_append_new(
		            js, json_pack("{s:s, s:s, s:f, s:f, "
		                          "s:f}",
		                          "id", nd->id, "floor", fl->id, "x",
		                          esp_tx(im, nd->p[0]), "y",
		                          esp_ty(im, nd->p[1]), "z",
		                          fmax(nd->p[2] - fl->lo[2], 0.0))))
			goto oom;
	}
	for (size_t i = 0; i < im->n_floors; i++) {
		const yaml_node_t *rooms = im->floors[i].rooms;

		for (size_t r = 0; r < esp_seq_len(rooms); r++)
			if (!esp_read_room(im, i, esp_seq_at(im, rooms, r), r,
			                   jz))
				goto out;
	}
	return site;
oom:
	esp_fail_oom(im);
out:
	json_decref(site);
	return NULL;
}

/* Report the parser's error: where, what, and in which construct. */
static void
yaml_fail(struct imp *im, const yaml_parser_t *y)
{
	if (y->error == YAML_MEMORY_ERROR) {
		esp_fail_oom(im);
	} else if (y->error == YAML_READER_ERROR) {
		esp_fail(im, NULL, "", "invalid YAML: %s at byte %zu",
		         y->problem ? y->problem : "unreadable input",
		         y->problem_offset);
	} else {
		yaml_node_t at = { .start_mark = y->problem_mark };

		if (y->context)
			esp_fail(im, &at, "",
			         "invalid YAML: %s (%s at line %zu, "
			         "column %zu)",
			         y->problem ? y->problem : "error", y->context,
			         y->context_mark.line + 1,
			         y->context_mark.column + 1);
		else
			esp_fail(im, &at, "", "invalid YAML: %s",
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
		esp_fail_oom(&im);
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

