/* site: what site.c (the sections and the public calls) and site-field.c
 * (one typed member at a time, and the messages) share. Internal to
 * libtrack. */
#ifndef TRACK_SITE_PRIVATE_H
#define TRACK_SITE_PRIVATE_H

#include "track/site.h"

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "track-private.h"

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

/* ---- messages: every error goes into p's buffer, at most
 * TRACK_SITE_ERRORS_MAX of them. */

/* Appends to the message buffer; text that does not fit is cut, and the
 * buffer stays NUL-terminated. */
void PRINTF_LIKE(2, 3)
track__site_append(struct parse *p, const char *fmt, ...);

/* One error: "name: path.key: message", leaving out an empty path or a
 * NULL key. */
void PRINTF_LIKE(4, 5)
track__site_error(struct parse *p, const char *path, const char *key,
                  const char *fmt, ...);

/* The text is not JSON: "name:line:column: what jansson says". */
void track__site_syntax_error(struct parse *p, const json_error_t *je);

/* ---- typed members: each reports what is wrong and returns false (or
 * NULL) when the member is missing or not what it should be. */

/* Report every key of obj that is not in allowed (NULL-terminated). */
void track__site_check_keys(struct parse *p, json_t *obj, const char *path,
                            const char *const *allowed);

/* obj[key], reporting it when it is required and missing. */
json_t *track__site_member(struct parse *p, json_t *obj, const char *path,
                           const char *key, bool required);

bool track__site_get_id(struct parse *p, json_t *obj, const char *path,
                        const char *key, char out[TRACK_ID_MAX]);
bool track__site_get_string(struct parse *p, json_t *obj, const char *path,
                            const char *key, bool required,
                            const char **out);
bool track__site_get_number(struct parse *p, json_t *obj, const char *path,
                            const char *key, bool required, enum range r,
                            double *out);
bool track__site_get_int(struct parse *p, json_t *obj, const char *path,
                         const char *key, bool required, int min,
                         const char *expect, int *out);
/* An array of 1 to max non-empty strings (of fewer than TRACK_ID_MAX
 * bytes) into out[0..*n). */
bool track__site_get_strings(struct parse *p, json_t *obj, const char *path,
                             const char *key, size_t max, const char **out,
                             size_t *n);
/* names: NULL-terminated, indexed by the value written to *out. */
bool track__site_get_kind(struct parse *p, json_t *obj, const char *path,
                          const char *key, const char *const *names,
                          const char *expect, int *out);

/* What is wrong with an image file name, or NULL. */
const char *track__site_image_problem(const char *s);

/* ---- ids and references */

bool track__idset_init(struct parse *p, struct idset *s, const char *section,
                       char (*ids)[TRACK_ID_MAX], size_t n);
void track__idset_add(struct parse *p, struct idset *s, size_t i,
                      const char *path);
int32_t track__site_floor_ref(struct parse *p, json_t *obj, const char *path);

/* calloc that never asks for 0 bytes and records failure in p->oom. */
void *track__site_alloc(struct parse *p, size_t n, size_t size);

#endif /* TRACK_SITE_PRIVATE_H */
