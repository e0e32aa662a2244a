/* sitefile: read and parse a site.json for a command-line tool, printing
 * every problem on stderr after the tool's name. */
#ifndef TRACK_TOOLS_SITEFILE_H
#define TRACK_TOOLS_SITEFILE_H

#include "track/site.h"

/* No site file comes near this; a bigger file is a mistake, and reading
 * it whole would only waste memory. */
#define SITEFILE_MAX (16u << 20)

/* Read path ("-": stdin) and parse it into *out (free it with
 * track_site_free()). Returns 0, or -1 after printing why, each line as
 * "PROG: message". */
int sitefile_load(const char *prog, const char *path, track_site_doc **out);

/* The two halves of sitefile_load(): read path whole into a malloc'd
 * *text (the caller frees it), and parse len bytes of text. */
int sitefile_read(const char *prog, const char *path, char **text,
                  size_t *len);
int sitefile_parse(const char *prog, const char *path, const char *text,
                   size_t len, track_site_doc **out);

#endif
