/* Untrusted text (tag ids from any scanner, site names, notes typed by
 * people) made safe for where it is written: a CSV field that neither
 * forges rows nor runs as a spreadsheet formula, a log line that neither
 * forges lines nor carries terminal escapes. Pure functions: no
 * allocation, any thread. */
#ifndef TRACKD_ESCAPE_H
#define TRACKD_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* s as one CSV field (RFC 4180) into out, cap bytes with the NUL: quoted,
 * with quotes doubled, when it holds a comma, a quote, CR or LF; with a
 * single quote in front when it starts with = + - @ tab or CR, which a
 * spreadsheet would read as a formula (OWASP "CSV injection"). NULL is
 * the empty field. Returns the length the whole field needs (as
 * snprintf: out is cut, NUL-terminated, when that is >= cap; out may be
 * NULL when cap is 0). Only for text: numbers trackd formats itself
 * (-3.25) are written as they are. */
size_t escape_csv(char *out, size_t cap, const char *s);
/* s as one CSV field, whatever its length: in buf (cap bytes) when it
 * fits, else in a copy on the heap put in *heap for the caller to free()
 * (*heap stays NULL otherwise). NULL when that copy cannot be made. */
const char *escape_csv_field(const char *s, char *buf, size_t cap,
                             char **heap);

/* s for a log line into out (cap bytes with the NUL): printable ASCII as
 * it is except backslash; every other byte (controls, DEL, non-ASCII,
 * backslash) as \xNN. Returns the length it needs, as escape_csv. */
size_t escape_log(char *out, size_t cap, const char *s);

/* Whether id may be a tag id from a scanner: 1 to len_max - 1 characters
 * of printable ASCII (0x21-0x7E) other than , " \ / -- the characters
 * the site file allows in its ids. */
bool escape_tag_id_ok(const char *id, size_t len_max);

#endif
