/* Open addressing on FNV-1a; the table stays at most half full. */
#include "calibids.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
calibids_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

long
calibids_get(const struct calibids *m, const char *key)
{
	size_t i;

	if (!m->slots)
		return -1;
	for (i = (size_t)calibids_hash(key) & m->mask; m->slots[i];
	     i = (i + 1) & m->mask)
		if (strcmp(m->names[m->slots[i] - 1], key) == 0)
			return (long)(m->slots[i] - 1);
	return -1;
}

static int
calibids_grow(struct calibids *m)
{
	size_t cap = m->slots ? (m->mask + 1) * 2 : 64, i, j;
	size_t *slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < m->n; i++) {
		for (j = (size_t)calibids_hash(m->names[i]) & (cap - 1);
		     slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->mask = cap - 1;
	return 0;
}

long
calibids_intern(struct calibids *m, const char *key)
{
	long found = calibids_get(m, key);
	size_t i;

	if (found >= 0)
		return found;
	if (!m->slots || (m->n + 1) * 2 > m->mask + 1)
		if (calibids_grow(m) < 0)
			return -1;
	if (m->n == m->names_cap) {
		size_t cap = m->names_cap ? m->names_cap * 2 : 64;
		char **names = realloc(m->names, cap * sizeof *names);

		if (!names)
			return -1;
		m->names = names;
		m->names_cap = cap;
	}
	m->names[m->n] = strdup(key);
	if (!m->names[m->n])
		return -1;
	for (i = (size_t)calibids_hash(key) & m->mask; m->slots[i];
	     i = (i + 1) & m->mask)
		;
	m->slots[i] = m->n + 1;
	return (long)m->n++;
}

void
calibids_free(struct calibids *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->slots);
	memset(m, 0, sizeof *m);
}
