/* An answer made a piece at a time, each piece only when the connection has
 * taken the last one: a connection holds at most one piece (about
 * PAGED_PIECE bytes), and making one holds the loop for one piece's work,
 * however large the whole answer and however slowly it is read. */
#ifndef TRACKD_PAGED_H
#define TRACKD_PAGED_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct app;

#define PAGED_PIECE 65536

/* A growing text; oom once a write failed (the rest is then ignored). */
struct paged_text {
	char *s;
	size_t len, cap;
	bool oom;
};

void paged_printf(struct paged_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* v (consumed) as trackd writes JSON (JSON_OUT); NULL counts as oom. */
void paged_json(struct paged_text *t, json_t *v);

struct paged {
	/* Append the next rows to out: 1 while more follows, 0 after the
	 * last, -1 when the answer cannot go on. */
	int (*next)(struct app *a, void *state, struct paged_text *out);
	void (*free)(void *state);
	void *state;           /* owned: freed by paged_free */
	const char *ctype;
};

/* The next piece of pg into *body (malloc'd, the caller frees it; never
 * NULL on success, maybe empty) and *len: 1 while more follows, 0 after the
 * last piece, -1 on failure (out of memory, or next failed). After 0 or
 * -1, pg is freed. */
int paged_piece(struct app *a, struct paged *pg, char **body, size_t *len);

/* Free pg's state; pg is then empty. A no-op on an empty one. */
void paged_free(struct paged *pg);

#endif
