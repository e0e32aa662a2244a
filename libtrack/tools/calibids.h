/* calibids: track-calibrate's ids (scanner and tag names) to dense
 * indexes, in insertion order, so that a report's scanner and tag are
 * looked up in constant time, not by a linear search per report. */
#ifndef TRACK_TOOLS_CALIBIDS_H
#define TRACK_TOOLS_CALIBIDS_H

#include <stddef.h>

/* Zero it to start empty. names[i] is the id of index i (owned). */
struct calibids {
	char **names;
	size_t n, names_cap;
	size_t *slots; /* index + 1; 0 = empty */
	size_t mask;
};

/* The index of key, or -1. */
long calibids_get(const struct calibids *m, const char *key);

/* The index of key (copied), adding it when new. -1: out of memory. */
long calibids_intern(struct calibids *m, const char *key);

/* Free every id and zero *m. */
void calibids_free(struct calibids *m);

#endif /* TRACK_TOOLS_CALIBIDS_H */
