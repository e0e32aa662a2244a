/* espresense: what the importer's files share (internal to it):
 *   espresense-yaml.c   messages, the YAML's typed values, ids, aliases
 *   espresense-place.c  the site frame, floors, nodes and rooms
 *   espresense.c        the top level: sections, the site built, the API
 */
#ifndef TRACK_TOOLS_ESPRESENSE_PRIVATE_H
#define TRACK_TOOLS_ESPRESENSE_PRIVATE_H

#include "espresense.h"

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <yaml.h>

#include "track/site.h"
#include "track/track.h"

#include "quote.h"

/* Significant digits of the numbers written: far below a millimetre in
 * any building, and 6.3 - 0.1 comes out as 6.2, not 6.199999999999999. */
#define DUMP_FLAGS \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
/* Longest id made from the file, leaving room for a "-NNN" suffix. */
#define SLUG_MAX (TRACK_ID_MAX - 8)
/* Room for "'<quoted>' (line NNN...)". */
#define LABEL_BUF (TRACK__QUOTE_MAX + 48)
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
	double x0, x1, y0; /* the site frame: see esp_tx() and esp_ty() */
	struct ids floor_ids, zone_ids, scanner_ids;
};

/* ---- espresense-yaml.c */

/* Record an error at YAML node at (NULL: no position) under path. Only the
 * first is kept: the import stops there. */
void PRINTF_LIKE(4, 5) esp_fail(struct imp *im, const yaml_node_t *at,
                                const char *path, const char *fmt, ...);

void esp_fail_oom(struct imp *im);

void PRINTF_LIKE(2, 3) esp_note(struct imp *im, const char *fmt, ...);

yaml_node_t *esp_node_at(struct imp *im, int i);

/* n's text, or NULL unless n is a scalar. */
const char *esp_scalar(const yaml_node_t *n);

/* map[key]; NULL when it is absent or null, or map is not a mapping. */
yaml_node_t *esp_get(struct imp *im, const yaml_node_t *map, const char *key);

size_t esp_seq_len(const yaml_node_t *n);

yaml_node_t *esp_seq_at(struct imp *im, const yaml_node_t *n, size_t i);

/* Whether n (non-NULL) is a list; reported when not. */
bool esp_expect_list(struct imp *im, const yaml_node_t *n, const char *path,
                     const char *what);

bool esp_number(struct imp *im, const yaml_node_t *n, const char *path,
                double *out);

/* n as a list of min to max numbers into v (what shows the form). */
bool esp_numbers(struct imp *im, const yaml_node_t *n, const char *path,
                 size_t min, size_t max, const char *what, double *v);

/* YAML 1.1 booleans, which the companion's own reader takes too. */
bool esp_boolean(struct imp *im, const yaml_node_t *n, const char *path,
                 bool *out);

/* s as an id of at most SLUG_MAX characters ("" when nothing is left).
 * snake: the companion's ids made from names, ASCII letters and digits in
 * lower case with one '_' for each run of anything else and before a
 * capital that follows a small letter or a digit ("Master Bathroom",
 * "MasterBathroom" -> "master_bathroom"). Otherwise s is kept, each run of
 * characters a site id cannot hold becoming one '_'. */
void esp_slug(const char *s, bool snake, char out[SLUG_MAX + 1]);

/* The id item (a mapping) asks for: its id as far as a site allows it,
 * else its name in snake case, else fallback. */
void esp_item_slug(struct imp *im, const yaml_node_t *item,
                   const char *fallback, char out[SLUG_MAX + 1]);

/* How notes name item: "'its name' (line N)", or its id, or "(line N)". */
const char *esp_label(struct imp *im, const yaml_node_t *item,
                      char buf[LABEL_BUF]);

/* base made unique among ids (adding -2, -3, ...), recorded there and
 * copied to out; false when out of memory. */
bool esp_unique_id(struct imp *im, struct ids *ids, const char *base,
                   const char *what, const char *lab, char out[TRACK_ID_MAX]);

/* floors and nodes (either may be NULL) without aliases. */
bool esp_check_aliases(struct imp *im, const yaml_node_t *floors,
                       const yaml_node_t *nodes);

/* ---- espresense-place.c */

/* With flip_x the companion's x grows to the left; a site's always grows
 * to the right, so x is mirrored to keep the plan as the user drew it. */
double esp_tx(const struct imp *im, double x);

double esp_ty(const struct imp *im, double y);

bool esp_read_floor(struct imp *im, const yaml_node_t *y, size_t i);

bool esp_read_node(struct imp *im, const yaml_node_t *y, size_t i);

bool esp_read_room(struct imp *im, size_t fi, const yaml_node_t *y, size_t ri,
                   json_t *zones);

#endif /* TRACK_TOOLS_ESPRESENSE_PRIVATE_H */
