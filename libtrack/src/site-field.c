/* Reading a site document's members, one typed value at a time, and
 * reporting what is wrong with each (site-private.h). */
#include "site-private.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"

static const char *const range_text[] = {
	[ANY] = "a number",
	[POSITIVE] = "a number > 0",
	[NONNEGATIVE] = "a number >= 0",
	[PATH_LOSS] = "a number in (0, 10]",
};

/* ---- messages ------------------------------------------------------------ */

/* Append to the message buffer; text that does not fit is cut, and the
 * buffer stays NUL-terminated. */
void
track__site_append(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || p->used + 1 >= p->errlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->err + p->used, p->errlen - p->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= p->errlen - p->used)
		p->used = p->errlen - 1;
	else
		p->used += (size_t)n;
}

/* One error: "name: path.key: message", leaving out an empty path or a
 * NULL key. */
void
track__site_error(struct parse *p, const char *path, const char *key,
                  const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	p->n_errors++;
	if (p->n_errors > TRACK_SITE_ERRORS_MAX) {
		if (p->n_errors == TRACK_SITE_ERRORS_MAX + 1)
			track__site_append(p, "\n%s: more errors not shown "
			                   "(stopped after %d)", p->name,
			                   TRACK_SITE_ERRORS_MAX);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	track__site_append(p, "%s%s: ", p->used ? "\n" : "", p->name);
	if (path[0] && key)
		track__site_append(p, "%s.%s: ", path, key);
	else if (path[0] || key)
		track__site_append(p, "%s: ", path[0] ? path : key);
	track__site_append(p, "%s", msg);
}

/* ---- typed members ------------------------------------------------------- */

/* Report every key of obj that is not in allowed (NULL-terminated). */
void
track__site_check_keys(struct parse *p, json_t *obj, const char *path,
                       const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;
		char q[TRACK__QUOTE_BUF];

		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a)
			track__site_error(p, path, NULL, "unknown key '%s'",
			                  track__quote(key, q));
	}
}

/* obj[key], reporting it when it is required and missing. */
json_t *
track__site_member(struct parse *p, json_t *obj, const char *path,
                   const char *key, bool required)
{
	json_t *v = json_object_get(obj, key);

	if (!v && required)
		track__site_error(p, path, NULL, "missing key '%s'", key);
	return v;
}

static bool
id_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\' &&
	       c != '/';
}

/* Copy the id obj[key] into out ("" unless it is valid); false when it is
 * missing or invalid (reported). */
bool
track__site_get_id(struct parse *p, json_t *obj, const char *path,
                   const char *key, char out[TRACK_ID_MAX])
{
	json_t *v = track__site_member(p, obj, path, key, true);
	const char *s;
	size_t len;

	out[0] = '\0';
	if (!v)
		return false;
	if (!json_is_string(v)) {
		track__site_error(p, path, key, "expected an id (a string)");
		return false;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len >= TRACK_ID_MAX) {
		track__site_error(p, path, key,
		                  "expected an id of 1 to %d "
		                  "characters, not %zu",
		                  TRACK_ID_MAX - 1, len);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (!id_char_ok((unsigned char)s[i])) {
			char q[TRACK__QUOTE_BUF];

			track__site_error(
			        p, path, key,
			        "id '%s': expected printable "
			        "ASCII without spaces or any of , \" \\ /",
			        track__quote(s, q));
			return false;
		}
	memcpy(out, s, len + 1);
	return true;
}

/* obj[key] as a string into *out (left alone when optional and absent);
 * false when missing or not a string (reported). */
bool
track__site_get_string(struct parse *p, json_t *obj, const char *path,
                       const char *key, bool required, const char **out)
{
	json_t *v = track__site_member(p, obj, path, key, required);

	if (!v)
		return !required;
	if (!json_is_string(v)) {
		track__site_error(p, path, key, "expected a string");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool
in_range(double v, enum range r)
{
	if (!isfinite(v))
		return false;
	switch (r) {
	case POSITIVE:
		return v > 0.0;
	case NONNEGATIVE:
		return v >= 0.0;
	case PATH_LOSS:
		return v > 0.0 && v <= 10.0;
	case ANY:
		break;
	}
	return true;
}

/* obj[key] as a number in range r into *out (left alone when optional and
 * absent); false when missing or wrong (reported). */
bool
track__site_get_number(struct parse *p, json_t *obj, const char *path,
                       const char *key, bool required, enum range r,
                       double *out)
{
	json_t *v = track__site_member(p, obj, path, key, required);

	if (!v)
		return !required;
	if (!json_is_number(v) || !in_range(json_number_value(v), r)) {
		track__site_error(p, path, key, "expected %s", range_text[r]);
		return false;
	}
	*out = json_number_value(v);
	return true;
}

/* obj[key] as an int >= min into *out (left alone when optional and
 * absent). JSON 2.0 is a real, not an integer: a level or a capacity
 * written that way is a mistake worth pointing at. */
bool
track__site_get_strings(struct parse *p, json_t *obj, const char *path,
                        const char *key, size_t max, const char **out,
                        size_t *n)
{
	json_t *v = track__site_member(p, obj, path, key, false), *s;
	size_t i;

	*n = 0;
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) < 1 ||
	    json_array_size(v) > max) {
		track__site_error(p, path, key, "expected an array of 1 to %zu "
		                  "strings", max);
		return false;
	}
	json_array_foreach(v, i, s) {
		size_t len = json_is_string(s) ? json_string_length(s) : 0;

		if (len == 0 || len >= TRACK_ID_MAX ||
		    len != strlen(json_string_value(s))) {
			track__site_error(p, path, key, "entry %zu: expected a "
			                  "string of 1 to %d characters", i,
			                  TRACK_ID_MAX - 1);
			*n = 0;
			return false;
		}
		out[(*n)++] = json_string_value(s);
	}
	return true;
}

bool
track__site_get_int(struct parse *p, json_t *obj, const char *path,
                    const char *key, bool required, int min, const char *expect,
                    int *out)
{
	json_t *v = track__site_member(p, obj, path, key, required);
	json_int_t i;

	if (!v)
		return !required;
	i = json_is_integer(v) ? json_integer_value(v) : 0;
	if (!json_is_integer(v) || i < min || i > INT_MAX) {
		track__site_error(p, path, key, "expected %s", expect);
		return false;
	}
	*out = (int)i;
	return true;
}

/* obj[key] as the index of one of names (NULL-terminated); expect lists
 * them for the message. */
bool
track__site_get_kind(struct parse *p, json_t *obj, const char *path,
                     const char *key, const char *const *names,
                     const char *expect, int *out)
{
	json_t *v = track__site_member(p, obj, path, key, true);
	char q[TRACK__QUOTE_BUF];

	if (!v)
		return false;
	if (json_is_string(v))
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], json_string_value(v)) == 0) {
				*out = i;
				return true;
			}
	if (json_is_string(v))
		track__site_error(p, path, key, "expected %s, not '%s'", expect,
		                  track__quote(json_string_value(v), q));
	else
		track__site_error(p, path, key, "expected %s", expect);
	return false;
}

/* What is wrong with an image file name, or NULL. It will be served from
 * the site's directory, so it must not be able to name anything outside. */
const char *
track__site_image_problem(const char *s)
{
	const char *c;

	if (!*s)
		return "expected a file name, not \"\"";
	if (*s == '/')
		return "expected a file name relative to the site directory, "
		       "not an absolute path";
	for (c = s; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "control characters are not allowed in a file "
			       "name";
		if (*c == '\\')
			return "'\\' is not allowed in a file name (use '/')";
	}
	for (c = s;; c++) {
		size_t n = strcspn(c, "/");

		if (n == 0)
			return "empty directory name in the file name ('//' "
			       "or a trailing '/')";
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "'..' is not allowed (the file must be inside "
			       "the site directory)";
		c += n;
		if (!*c)
			return NULL;
	}
}

/* ---- ids ----------------------------------------------------------------- */

bool
track__idset_init(struct parse *p, struct idset *s, const char *section,
                  char (*ids)[TRACK_ID_MAX], size_t n)
{
	s->section = section;
	s->ids = ids;
	if (track__idmap_init(&s->map, n, (const char *)ids,
	                      TRACK_ID_MAX) < 0) {
		p->oom = true;
		return false;
	}
	return true;
}

/* Record item i's id (already in s->ids[i]), or report it as a duplicate
 * and blank it, so references resolve to the first. */
void
track__idset_add(struct parse *p, struct idset *s, size_t i, const char *path)
{
	int32_t first = track__idmap_find(&s->map, s->ids[i]);

	if (first >= 0) {
		track__site_error(p, path, "id",
		                  "duplicate id '%s' (first at %s[%d])",
		                  s->ids[i], s->section, (int)first);
		s->ids[i][0] = '\0';
		return;
	}
	track__idmap_insert(&s->map, (int32_t)i);
}

/* The floor that obj's "floor" names, or -1 (reported). */
int32_t
track__site_floor_ref(struct parse *p, json_t *obj, const char *path)
{
	char id[TRACK_ID_MAX];
	int32_t f;

	/* Without a floors section every reference would fail: say nothing
	 * more than the section's own error. */
	if (!track__site_get_id(p, obj, path, "floor", id) || !p->floors_known)
		return -1;
	f = track__idmap_find(&p->floors.map, id);
	if (f < 0)
		track__site_error(p, path, "floor", "no floor '%s'", id);
	return f;
}

/* calloc that never asks for 0 bytes and records failure. */
void *
track__site_alloc(struct parse *p, size_t n, size_t size)
{
	void *m = calloc(n ? n : 1, size);

	if (!m)
		p->oom = true;
	return m;
}

/* The text is not JSON: "name:line:column: what jansson says". */
void
track__site_syntax_error(struct parse *p, const json_error_t *je)
{
	static const char nul[] = "\\u0000 is not allowed";
	const char *text = je->text;

	/* jansson names the flag that would allow it; the author of a site
	 * file has no such flag. */
	if (strncmp(text, nul, sizeof nul - 1) == 0)
		text = "\\u0000 is not allowed in a string";
	if (je->line > 0)
		track__site_append(p, "%s:%d:%d: %s", p->name, je->line,
		                   je->column, text);
	else
		track__site_append(p, "%s: %s", p->name, text);
}
