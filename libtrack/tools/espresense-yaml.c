/* The ESPresense import's reading of the YAML: its messages, typed values,
 * the ids made from names and the alias check (espresense-private.h). */
#include "espresense-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- messages ------------------------------------------------------------ */

/* Record an error at YAML node at (NULL: no position) under path. Only the
 * first is kept: the import stops there. */
void PRINTF_LIKE(4, 5) esp_fail(struct imp *im, const yaml_node_t *at,
                                const char *path, const char *fmt, ...)
{
	char msg[MSG_BUF];
	va_list ap;

	if (im->failed)
		return;
	im->failed = true;
	if (!im->err || im->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (at)
		snprintf(im->err, im->errlen, "%s:%zu:%zu: %s%s%s", im->name,
		         at->start_mark.line + 1, at->start_mark.column + 1,
		         path, *path ? ": " : "", msg);
	else
		snprintf(im->err, im->errlen, "%s: %s%s%s", im->name, path,
		         *path ? ": " : "", msg);
}

void
esp_fail_oom(struct imp *im)
{
	esp_fail(im, NULL, "", "out of memory");
}

void PRINTF_LIKE(2, 3) esp_note(struct imp *im, const char *fmt, ...)
{
	char line[MSG_BUF + 128];
	va_list ap;
	int n;

	if (!im->note)
		return;
	n = snprintf(line, sizeof line, "%s: note: ", im->name);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	im->note(im->ctx, line);
}

/* ---- YAML access --------------------------------------------------------- */

yaml_node_t *
esp_node_at(struct imp *im, int i)
{
	return yaml_document_get_node(&im->doc, i);
}

/* n's text, or NULL unless n is a scalar. */
const char *
esp_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	       (const char *)n->data.scalar.value : NULL;
}

/* Whether n says nothing: "key:" with no value, ~ or null. */
static bool
is_null(const yaml_node_t *n)
{
	const char *s = esp_scalar(n);

	if (!n)
		return true;
	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* map[key]; NULL when it is absent or null, or map is not a mapping. */
yaml_node_t *
esp_get(struct imp *im, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = esp_scalar(esp_node_at(im, p->key));

		if (k && strcmp(k, key) == 0) {
			yaml_node_t *v = esp_node_at(im, p->value);

			return is_null(v) ? NULL : v;
		}
	}
	return NULL;
}

size_t
esp_seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE ?
	       (size_t)(n->data.sequence.items.top -
	                n->data.sequence.items.start) : 0;
}

yaml_node_t *
esp_seq_at(struct imp *im, const yaml_node_t *n, size_t i)
{
	return esp_node_at(im, n->data.sequence.items.start[i]);
}

/* Whether n (non-NULL) is a list; reported when not. */
bool
esp_expect_list(struct imp *im, const yaml_node_t *n, const char *path,
                const char *what)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return true;
	esp_fail(im, n, path, "expected a list of %s", what);
	return false;
}

bool
esp_number(struct imp *im, const yaml_node_t *n, const char *path, double *out)
{
	const char *s = esp_scalar(n);
	char *end;

	if (s && *s) {
		double v = strtod(s, &end);

		if (*end == '\0' && isfinite(v)) {
			*out = v;
			return true;
		}
	}
	esp_fail(im, n, path, "expected a number");
	return false;
}

/* n as a list of min to max numbers into v (what shows the form). */
bool
esp_numbers(struct imp *im, const yaml_node_t *n, const char *path, size_t min,
            size_t max, const char *what, double *v)
{
	size_t len = esp_seq_len(n);
	char vpath[PATH_BUF];

	if (n->type != YAML_SEQUENCE_NODE || len < min || len > max) {
		esp_fail(im, n, path, "expected %s", what);
		return false;
	}
	for (size_t k = 0; k < len; k++) {
		snprintf(vpath, sizeof vpath, "%s[%zu]", path, k);
		if (!esp_number(im, esp_seq_at(im, n, k), vpath, &v[k]))
			return false;
	}
	return true;
}

/* YAML 1.1 booleans, which the companion's own reader takes too. */
bool
esp_boolean(struct imp *im, const yaml_node_t *n, const char *path, bool *out)
{
	static const char *const words[] = { "true", "yes", "on", "false",
	                                     "no", "off" };
	const char *s = esp_scalar(n);

	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i]) == 0) {
			*out = i < 3;
			return true;
		}
	esp_fail(im, n, path, "expected true or false");
	return false;
}

/* ---- ids and labels ------------------------------------------------------ */

static bool
id_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\' &&
	       c != '/';
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower_or_digit(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* s as an id of at most SLUG_MAX characters ("" when nothing is left).
 * snake: the companion's ids made from names, ASCII letters and digits in
 * lower case with one '_' for each run of anything else and before a
 * capital that follows a small letter or a digit ("Master Bathroom",
 * "MasterBathroom" -> "master_bathroom"). Otherwise s is kept, each run of
 * characters a site id cannot hold becoming one '_'. */
void
esp_slug(const char *s, bool snake, char out[SLUG_MAX + 1])
{
	unsigned char prev = 0;
	bool gap = false;
	size_t n = 0;

	for (; *s && n < SLUG_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = snake ? is_upper(c) || is_lower_or_digit(c) :
		                    id_char_ok(c);

		if (!keep) {
			gap = true;
			prev = c;
			continue;
		}
		if (snake && is_upper(c) && is_lower_or_digit(prev))
			gap = true;
		if (gap && n > 0) {
			if (n + 2 > SLUG_MAX)
				break;
			out[n++] = '_';
		}
		gap = false;
		out[n++] = (char)(snake && is_upper(c) ? c - 'A' + 'a' : c);
		prev = c;
	}
	out[n] = '\0';
}

/* The id item (a mapping) asks for: its id as far as a site allows it,
 * else its name in snake case, else fallback. */
void
esp_item_slug(struct imp *im, const yaml_node_t *item, const char *fallback,
              char out[SLUG_MAX + 1])
{
	const char *id = esp_scalar(esp_get(im, item, "id"));
	const char *name = esp_scalar(esp_get(im, item, "name"));

	out[0] = '\0';
	if (id)
		esp_slug(id, false, out);
	if (!out[0] && name)
		esp_slug(name, true, out);
	if (!out[0])
		snprintf(out, SLUG_MAX + 1, "%s", fallback);
}

/* How notes name item: "'its name' (line N)", or its id, or "(line N)". */
const char *
esp_label(struct imp *im, const yaml_node_t *item, char buf[LABEL_BUF])
{
	const char *s = esp_scalar(esp_get(im, item, "name"));
	char q[TRACK__QUOTE_BUF];

	if (!s)
		s = esp_scalar(esp_get(im, item, "id"));
	if (s)
		snprintf(buf, LABEL_BUF, "'%s' (line %zu)", track__quote(s, q),
		         item->start_mark.line + 1);
	else
		snprintf(buf, LABEL_BUF, "(line %zu)",
		         item->start_mark.line + 1);
	return buf;
}

/* base made unique among ids (adding -2, -3, ...), recorded there and
 * copied to out; false when out of memory. */
bool
esp_unique_id(struct imp *im, struct ids *ids, const char *base,
              const char *what, const char *lab, char out[TRACK_ID_MAX])
{
	json_t *next;
	json_int_t k;

	if (!ids->taken && !(ids->taken = json_object()))
		goto oom;
	next = json_object_get(ids->taken, base);
	snprintf(out, TRACK_ID_MAX, "%s", base);
	for (k = next ? json_integer_value(next) : 2;
	     json_object_get(ids->taken, out); k++)
		snprintf(out, TRACK_ID_MAX, "%s-%lld", base, (long long)k);
	if (strcmp(out, base) != 0)
		esp_note(im, "%s %s: id '%s' is taken, using '%s'", what, lab,
		         base, out);
	if (json_object_set_new(ids->taken, base, json_integer(k)) ||
	    (strcmp(out, base) != 0 &&
	     json_object_set_new(ids->taken, out, json_integer(2))))
		goto oom;
	return true;
oom:
	esp_fail_oom(im);
	return false;
}

/* ---- aliases ------------------------------------------------------------ */

/* The number of node n in the document (1-based, as libyaml counts). */
static int
node_index(const struct imp *im, const yaml_node_t *n)
{
	return (int)(n - im->doc.nodes.start) + 1;
}

/* Mark node i as seen (seen[i - 1]) and push it; false, reported, when it
 * was seen before: it is reached twice, through an alias. */
static bool
visit(struct imp *im, int i, const char *path, unsigned char *seen,
      int *stack, size_t *n)
{
	if (seen[i - 1]) {
		esp_fail(im, esp_node_at(im, i), path,
		         "YAML aliases (*name) are not "
		         "supported here");
		return false;
	}
	seen[i - 1] = 1;
	stack[(*n)++] = i;
	return true;
}

/* Whether no node under top (floors or nodes) is reached twice. An alias
 * there would be read once per use: a few of them nested make a small
 * file take hours to import (and pointing back up, forever). The walk
 * keeps its own stack, since YAML may nest deeper than the C stack. */
static bool
no_aliases(struct imp *im, const yaml_node_t *top, const char *path,
           unsigned char *seen, int *stack)
{
	size_t n = 0;

	if (!visit(im, node_index(im, top), path, seen, stack, &n))
		return false;
	while (n > 0) {
		const yaml_node_t *y = esp_node_at(im, stack[--n]);

		if (y->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *i = y->data.sequence.items.start;
			     i < y->data.sequence.items.top; i++)
				if (!visit(im, *i, path, seen, stack, &n))
					return false;
		} else if (y->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = y->data.mapping.pairs.start;
			     p < y->data.mapping.pairs.top; p++)
				if (!visit(im, p->key, path, seen, stack, &n) ||
				    !visit(im, p->value, path, seen, stack, &n))
					return false;
		}
	}
	return true;
}

/* floors and nodes (either may be NULL) without aliases. */
bool
esp_check_aliases(struct imp *im, const yaml_node_t *floors,
                  const yaml_node_t *nodes)
{
	size_t count = (size_t)(im->doc.nodes.top - im->doc.nodes.start);
	unsigned char *seen = calloc(count, 1);
	int *stack = calloc(count, sizeof *stack);
	bool ok = false;

	if (!seen || !stack)
		esp_fail_oom(im);
	else
		ok = no_aliases(im, floors, "floors", seen, stack) &&
		     (!nodes || no_aliases(im, nodes, "nodes", seen, stack));
	free(stack);
	free(seen);
	return ok;
}

