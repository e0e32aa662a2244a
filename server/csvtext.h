/* A growing text buffer for CSV answers. Zeroed, it is empty; the text
 * (t->s, NUL-terminated, t->len bytes, NULL while empty) is the caller's
 * to free(). Out of memory sets t->oom, and every later put does
 * nothing: check oom once, at the end. */
#ifndef TRACKD_CSVTEXT_H
#define TRACKD_CSVTEXT_H

#include <stdbool.h>
#include <stddef.h>

struct csvtext {
	char *s;
	size_t len, cap;
	bool oom;
};

/* Append printf-formatted text. For numbers and fixed text only: strings
 * go through csvtext_field(). */
void csvtext_put(struct csvtext *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text into a CSV answer: the one way any string (an id from a scanner,
 * a name from the site) gets there, so none can forge a row or a
 * formula. sep (',' or '\n') ends the field. */
void csvtext_field(struct csvtext *t, const char *s, char sep);

#endif
