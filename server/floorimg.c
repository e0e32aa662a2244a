/* Floor drawings: see floorimg.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "floorimg.h"

#define MAX_IMAGE (32u << 20) /* a drawing larger than this is a mistake */

static const char *
ctype_of(const char *name)
{
	static const struct {
		const char *ext, *ctype;
	} types[] = {
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" },
		{ ".jpg", "image/jpeg" },    { ".jpeg", "image/jpeg" },
		{ ".webp", "image/webp" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].ctype;
	return NULL;
}

/* The whole file into *data; a message in err on failure. */
static int
read_file(const char *path, char **data, size_t *len, char *err,
          size_t err_size)
{
	FILE *f = fopen(path, "rb");
	long size;
	char *buf;

	if (!f) {
		snprintf(err, err_size, "%s", strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    (unsigned long)size > MAX_IMAGE || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, err_size, "not a regular file of at most 32 MiB");
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, err_size, buf ? "read failed" : "out of memory");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = buf;
	*len = (size_t)size;
	return 0;
}

int
floorimg_load(struct app *a, const char *site_path)
{
	const track_site *site = track_site_engine(a->site);
	const char *slash = strrchr(site_path, '/');
	int dir_len = slash ? (int)(slash - site_path) + 1 : 0;

	a->images = calloc(site->n_floors, sizeof *a->images);
	if (!a->images)
		return -1;
	for (size_t f = 0; f < site->n_floors; f++) {
		/* The site parser has refused names with "..": the drawing
		 * is inside the site's directory. */
		const char *name = track_site_floor_image(a->site, f);
		struct floor_image *img = &a->images[f];
		char path[4096], err[128];

		if (!name)
			continue;
		img->ctype = ctype_of(name);
		if (!img->ctype) {
			fprintf(stderr, "trackd: floor %s: image %s: not an svg, "
			                "png, jpeg or webp file; the map shows "
			                "zones only\n",
			        site->floors[f].id, name);
			continue;
		}
		snprintf(path, sizeof path, "%.*s%s", dir_len, site_path, name);
		if (read_file(path, &img->data, &img->len, err, sizeof err) <
		    0)
			fprintf(stderr, "trackd: floor %s: image %s: %s; the map "
			                "shows zones only\n",
			        site->floors[f].id, path, err);
	}
	return 0;
}

void
floorimg_free(struct app *a)
{
	const track_site *site = a->site ? track_site_engine(a->site) : NULL;

	for (size_t f = 0; a->images && site && f < site->n_floors; f++)
		free(a->images[f].data);
	free(a->images);
	a->images = NULL;
}

const struct floor_image *
floorimg_get(const struct app *a, const char *floor_id)
{
	const track_site *site = track_site_engine(a->site);

	for (size_t f = 0; a->images && f < site->n_floors; f++)
		if (strcmp(site->floors[f].id, floor_id) == 0)
			return a->images[f].data ? &a->images[f] : NULL;
	return NULL;
}
