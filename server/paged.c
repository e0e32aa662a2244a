/* Answers in pieces: see paged.h. */
#include "paged.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

/* Calls of next per piece at most: a generator that merges many rows into
 * few (a week into one bucket) still returns to the loop in good time. */
#define MAX_STEPS 64

static bool
reserve(struct paged_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	if (t->oom)
		return false;
	if (t->len + more < t->cap)
		return true;
	while (cap <= t->len + more)
		cap *= 2;
	if (!(p = realloc(t->s, cap))) {
		t->oom = true;
		return false;
	}
	t->s = p;
	t->cap = cap;
	return true;
}

void
paged_printf(struct paged_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(t, (size_t)n)) {
		t->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void
paged_json(struct paged_text *t, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_OUT | JSON_ENCODE_ANY) : NULL;
	size_t n = s ? strlen(s) : 0;

	json_decref(v);
	if (!s || !reserve(t, n)) {
		t->oom = true;
		free(s);
		return;
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
	free(s);
}

void
paged_free(struct paged *pg)
{
	if (pg->free && pg->state)
		pg->free(pg->state);
	memset(pg, 0, sizeof *pg);
}

int
paged_piece(struct app *a, struct paged *pg, char **body, size_t *len)
{
	struct paged_text out = { 0 };
	int rc = 1;

	for (int k = 0; rc == 1 && k < MAX_STEPS && out.len < PAGED_PIECE; k++)
		rc = pg->next(a, pg->state, &out);
	if (rc >= 0 && !out.s && reserve(&out, 1))
		out.s[0] = '\0';
	if (rc < 0 || out.oom) {
		free(out.s);
		paged_free(pg);
		return -1;
	}
	if (rc == 0)
		paged_free(pg);
	*body = out.s;
	*len = out.len;
	return rc;
}
