/* The floors' drawings (site.json "image"), read once at start so the API
 * serves them from memory and never opens a path a request names. */
#ifndef TRACKD_FLOORIMG_H
#define TRACKD_FLOORIMG_H

#include <stddef.h>

struct app;

struct floor_image {
	char *data;          /* NULL when the floor has none or it failed */
	size_t len;
	const char *ctype;
};

/* Read every floor's drawing from the site file's directory. A drawing
 * that is missing or of an unknown type is a warning, not a failure: the
 * map then shows the zones without it. Returns -1 only when out of
 * memory. */
int floorimg_load(struct app *a, const char *site_path);
void floorimg_free(struct app *a);

/* Floor floor_id's drawing, or NULL. */
const struct floor_image *floorimg_get(const struct app *a,
                                       const char *floor_id);

#endif
