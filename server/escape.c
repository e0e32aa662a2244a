/* Untrusted text for CSV and the log: see escape.h. */
#include "escape.h"

#include <stdlib.h>
#include <string.h>

/* Appends c at out[*n] while it fits (one byte kept for the NUL). */
static void
put(char *out, size_t cap, size_t *n, char c)
{
	if (*n + 1 < cap)
		out[*n] = c;
	(*n)++;
}

static size_t
finish(char *out, size_t cap, size_t n)
{
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

size_t
escape_csv(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	bool quote;

	if (!s)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		put(out, cap, &n, '"');
	/* Inside the quotes too: a spreadsheet strips them before it looks
	 * for a formula. */
	if (s[0] && strchr("=+-@\t\r", s[0]))
		put(out, cap, &n, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			put(out, cap, &n, '"');
		put(out, cap, &n, *p);
	}
	if (quote)
		put(out, cap, &n, '"');
	return finish(out, cap, n);
}

const char *
escape_csv_field(const char *s, char *buf, size_t cap, char **heap)
{
	size_t n = escape_csv(buf, cap, s);

	*heap = NULL;
	if (n < cap)
		return buf;
	*heap = malloc(n + 1);
	if (*heap)
		escape_csv(*heap, n + 1, s);
	return *heap;
}

size_t
escape_log(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : "");
	     *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			put(out, cap, &n, (char)*p);
			continue;
		}
		put(out, cap, &n, '\\');
		put(out, cap, &n, 'x');
		put(out, cap, &n, hex[*p >> 4]);
		put(out, cap, &n, hex[*p & 15]);
	}
	return finish(out, cap, n);
}

bool
escape_tag_id_ok(const char *id, size_t len_max)
{
	size_t len = id ? strnlen(id, len_max) : 0;

	if (len == 0 || len >= len_max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '"' ||
		    c == '\\' || c == '/')
			return false;
	}
	return true;
}
