/* espresense: bring a building over from an ESPresense companion
 * config.yaml (its floors, rooms and nodes) as a site file (DESIGN.md,
 * "Site files"; track-site import-espresense).
 *
 * What is read, and how it maps:
 *	floors[]  id (default: the name in snake case, as the companion
 *	          does), name, bounds [[x0, y0, z0], [x1, y1, z1]], rooms[]
 *	          -> a floor: z = the lower z, level = its rank by z (0 the
 *	          lowest, ties in file order)
 *	rooms[]   id or name, points [[x, y], ...] -> a zone of kind "room";
 *	          the name is kept
 *	nodes[]   id or name, point [x, y, z], floors [id, ...], enabled
 *	          -> a scanner; z becomes the height above its floor
 *	map       flip_y (default true: origin bottom-left) -> "y_axis":
 *	          "up" when true, "down" when false, coordinates unchanged;
 *	          flip_x true mirrors x, so the plan reads as in the companion
 * Every other top-level section configures the companion itself (mqtt,
 * gps, optimization, locators, filtering, devices, ...) and is ignored
 * with a note, as are the map's display settings.
 *
 * The frame. A site has one frame for all its floors, with its origin at
 * 0, 0, so every x, y moves by the same amount: the smallest x0 and y0 of
 * any floor's bounds or any imported node (with flip_x: the largest x).
 * A floor's width and height reach from there to the far edge of its
 * bounds or of its farthest node. Nodes are never moved: a node outside
 * its floor's bounds (the companion's own example has a car in the
 * drive) widens the floor instead, with a note, because a scanner put in
 * the wrong place biases every position computed from it.
 *
 * Ids are made to fit the site contract: an id is kept with any
 * character a site id cannot hold replaced by '_'; a name becomes snake
 * case ("Master Bathroom" -> "master_bathroom") as the companion derives
 * its own ids, so scanner ids match its node ids. A clash within a kind
 * (zones are unique across floors, the companion's rooms only per floor)
 * gets -2, -3, ... with a note.
 *
 * Skipped with a note (the rest is still imported):
 *	- a room with fewer than 3 distinct points, one with a point more than
 *	  ESPRESENSE_CLAMP_M outside its floor's bounds (points less far out
 *	  are moved onto the edge, with a note), one whose outline crosses
 *	  itself or is otherwise not a valid site zone;
 *	- a node with no point, with enabled: false, or on no floor: its
 *	  floors are unknown, or it lists none and its z is inside no
 *	  floor's bounds.
 * A repeated first point closing a room, and a point repeating the one
 * before it, are dropped silently: the companion closes rooms itself.
 * A node listed on several floors becomes one scanner, on the listed
 * floor whose z range holds its z (else the first listed one), with a
 * note. A node below its floor gets height 0, with a note.
 *
 * Errors (nothing is imported): YAML syntax; no floors; a value of the
 * wrong shape (bounds, points, point, a number, a boolean); bounds that
 * enclose no area; a YAML alias (*name) under floors or nodes (each use
 * would be imported again). An error names the line and column of the
 * YAML.
 *
 * Whatever is returned has passed track_site_parse(): it is a valid site
 * file as written.
 */
#ifndef TRACK_TOOLS_ESPRESENSE_H
#define TRACK_TOOLS_ESPRESENSE_H

#include <stddef.h>
#include <stdio.h>

/* How far (m) a room corner may lie outside its floor's bounds and still
 * be moved onto the edge. */
#define ESPRESENSE_CLAMP_M 0.5

/* Receives each note as one line without a newline, "NAME: note: ...".
 * The text is only valid during the call. */
typedef void espresense_note_fn(void *ctx, const char *line);

/* Import the ESPresense config in text (len bytes, need not be
 * NUL-terminated).
 *
 * name:   how messages name the input (normally its path); it also gives
 *         the site id: the file name without directory and extension,
 *         except that NULL, "-" and the companion's own "config" give
 *         "espresense".
 * note:   called for every note; NULL: notes are dropped. ctx is passed on.
 * out:    on success, the site file as pretty-printed JSON (no trailing
 *         newline); the caller frees it with free(). Untouched on error.
 * err:    errlen bytes for the error, one or more lines without a trailing
 *         newline, NUL-terminated when errlen > 0; NULL: no message.
 *
 * Returns 0, or -1 on error (including running out of memory). */
int espresense_import(const char *text, size_t len, const char *name,
                      espresense_note_fn *note, void *ctx, char **out,
                      char *err, size_t errlen);

/* The same, reading the YAML from f (which stays open). */
int espresense_import_file(FILE *f, const char *name,
                           espresense_note_fn *note, void *ctx, char **out,
                           char *err, size_t errlen);

#endif
