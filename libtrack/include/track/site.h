/* site: a building read from a site.json (DESIGN.md, "Site files").
 *
 * The library does no I/O: the caller reads the file and hands over its
 * text. Parsing checks the whole document against the contract and either
 * returns a track_site_doc that is valid in every respect, or every error
 * it found (up to a limit), one per line, each naming the file, the JSON
 * path and what was expected (a JSON syntax error gives the line and
 * column instead):
 *
 *	site.json:3:15: string or '}' expected near ','
 *	site.json: floors[1].height: expected a number > 0
 *	site.json: floors[0]: unknown key 'colour'
 *	site.json: scanners[3].id: duplicate id 'ap-1' (first at scanners[0])
 *	site.json: zones[2].polygon: edges 0 and 2 cross (points 0-1 and 2-3)
 *
 * A message about a value names the value's path; one about an object's
 * keys (unknown, missing) names the object's path and quotes the key.
 *
 * Schema summary (required unless marked optional):
 *	site      id                    name   string
 *	y_axis    "down" | "up"         optional, default "down"
 *	floors    non-empty array:  id, name, level (integer), z (m, optional,
 *	          default 0), width, height (m, > 0), image (optional file
 *	          name relative to the site directory: not absolute, no '..')
 *	scanners  array (may be empty):  id, floor, x, y (inside the
 *	          floor's [0, width] x [0, height]), z (m above the floor,
 *	          >= 0), path_loss (optional, in (0, 10]), rssi_offset
 *	          (optional, dB)
 *	zones     optional array:  id, name, floor, kind (room | corridor |
 *	          restricted | exit), capacity (optional integer >= 0),
 *	          polygon (3 to 4096 [x, y] points inside the floor; no
 *	          repeated point, no two edges meeting except neighbours at
 *	          their shared point, an area of at least 1 mm^2)
 *	tags      optional array:  id, name, kind (person | asset), category
 *	          (optional string, default "")
 * Any other key is an error. Ids are 1 to TRACK_ID_MAX - 1 printable ASCII
 * characters without spaces or any of , " \ / (they end up in CSV files
 * and URLs), unique among the ids of their own kind.
 *
 * Scanner z in a site file is the mounting height above its floor, so one
 * value serves every storey; track_site_engine() hands the engine the
 * absolute z it expects: floor z + scanner z.
 *
 * Ownership: a track_site_doc owns every string and array reachable from
 * it; pointers obtained from it stay valid until track_site_free(). It is
 * never modified after parsing, so any number of threads may read one.
 */
#ifndef TRACK_SITE_H
#define TRACK_SITE_H

#include <stddef.h>

#include "track/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most errors reported by one track_site_parse(); a line after them says
 * that more were left out. */
#define TRACK_SITE_ERRORS_MAX 20

/* Most points in one zone polygon (the crossing test is quadratic). */
#define TRACK_SITE_POLYGON_MAX 4096

/* A parsed site file. Opaque: read it with the functions below. */
typedef struct track_site_doc track_site_doc;

/* The zone and tag types are the engine's (track.h). */
typedef track_zone track_site_zone;
typedef track_tag_info track_site_tag;

/* Parse and check a site file.
 *
 * text:   the file's bytes, len of them; need not be NUL-terminated. Only
 *         read during the call.
 * name:   how messages name the file (normally its path); NULL: "site".
 * out:    receives the document on success; untouched on failure. The
 *         caller frees it with track_site_free().
 * err:    errlen bytes for the messages, one per line without a trailing
 *         newline, always NUL-terminated when errlen > 0 ("" on success);
 *         lines that do not fit are cut. NULL (or errlen 0): no messages.
 *
 * Returns TRACK_OK; TRACK_EINVAL when the text is not a valid site file
 * (or out is NULL, or text is NULL with len > 0); TRACK_ENOMEM.
 * Thread-safe: keeps no state between calls. */
TRACK_API track_status track_site_parse(const char *text, size_t len,
                                        const char *name,
                                        track_site_doc **out, char *err,
                                        size_t errlen);

/* Free d and everything it owns. NULL: no-op. */
TRACK_API void track_site_free(track_site_doc *d);

/* The floors, scanners, zones and tags in file order, ready for
 * track_engine_create() (which copies them, so d may be freed after
 * create). Scanner z is
 * absolute here (floor z + the file's z); path_loss is 0 when the file
 * gives none, which the engine reads as its default. */
TRACK_API const track_site *track_site_engine(const track_site_doc *d);

/* The site's id (the "site" key) and its name. */
TRACK_API const char *track_site_id(const track_site_doc *d);
TRACK_API const char *track_site_name(const track_site_doc *d);

/* "down" (y grows downwards, origin top-left, as in an image) or "up"
 * (origin bottom-left, as on a map). */
TRACK_API const char *track_site_y_axis(const track_site_doc *d);

/* The zones in file order: sets *out (unless out is NULL) and returns how
 * many there are. */
TRACK_API size_t track_site_zones(const track_site_doc *d,
                                  const track_site_zone **out);

/* The tags in file order: sets *out (unless out is NULL) and returns how
 * many there are. */
TRACK_API size_t track_site_tags(const track_site_doc *d,
                                 const track_site_tag **out);

/* Details of floor number floor (an index into track_site_engine()'s
 * floors). image is the file name as written, relative to the directory
 * of the site file, or NULL when none is given. An index out of range
 * gives NULL, NULL and 0. */
TRACK_API const char *track_site_floor_image(const track_site_doc *d,
                                             size_t floor);
TRACK_API const char *track_site_floor_name(const track_site_doc *d,
                                            size_t floor);
TRACK_API int track_site_floor_level(const track_site_doc *d, size_t floor);

#ifdef __cplusplus
}
#endif

#endif /* TRACK_SITE_H */
