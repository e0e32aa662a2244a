/* A growing text buffer for CSV answers: see csvtext.h. */
#include "csvtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "escape.h"
#include "track/track.h"

void
csvtext_put(struct csvtext *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
		              t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		} else {
			size_t cap = t->cap ? t->cap * 2 : 4096;
			char *p;

			while (cap <= t->len + (size_t)n)
				cap *= 2;
			p = realloc(t->s, cap);
			if (!p) {
				t->oom = true;
				return;
			}
			t->s = p;
			t->cap = cap;
		}
	}
}

void
csvtext_field(struct csvtext *t, const char *s, char sep)
{
	char buf[2 * TRACK_ID_MAX + 4], *heap;
	const char *field = escape_csv_field(s, buf, sizeof buf, &heap);

	if (!field) {
		t->oom = true;
		return;
	}
	csvtext_put(t, "%s%c", field, sep);
	free(heap);
}
