#include "track-private.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short ids, good spread, no state. */
uint64_t
track__hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static const char *
key_of(const struct track__idmap *m, int32_t i)
{
	return m->base + (size_t)i * m->stride;
}

int
track__idmap_init(struct track__idmap *m, size_t max_keys, const char *base,
                  size_t stride)
{
	size_t cap = 8;

	/* At most half full keeps linear probes short. */
	while (cap < 2 * max_keys)
		cap *= 2;
	m->slots = malloc(cap * sizeof *m->slots);
	if (!m->slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		m->slots[i] = -1;
	m->mask = cap - 1;
	m->base = base;
	m->stride = stride;
	return 0;
}

void
track__idmap_free(struct track__idmap *m)
{
	free(m->slots);
	m->slots = NULL;
}

int32_t
track__idmap_find(const struct track__idmap *m, const char *key)
{
	size_t pos = (size_t)track__hash(key) & m->mask;

	for (;;) {
		int32_t i = m->slots[pos];

		if (i < 0)
			return -1;
		if (strcmp(key_of(m, i), key) == 0)
			return i;
		pos = (pos + 1) & m->mask;
	}
}

void
track__idmap_insert(struct track__idmap *m, int32_t i)
{
	size_t pos = (size_t)track__hash(key_of(m, i)) & m->mask;

	while (m->slots[pos] >= 0)
		pos = (pos + 1) & m->mask;
	m->slots[pos] = i;
}

/* Backward-shift deletion (Knuth's algorithm R): no tombstones, so probes
 * stay short however many tags come and go. */
void
track__idmap_remove(struct track__idmap *m, int32_t i)
{
	size_t hole = (size_t)track__hash(key_of(m, i)) & m->mask;
	size_t j;

	while (m->slots[hole] != i) {
		if (m->slots[hole] < 0)
			return;
		hole = (hole + 1) & m->mask;
	}
	j = hole;
	for (;;) {
		size_t home;

		j = (j + 1) & m->mask;
		if (m->slots[j] < 0)
			break;
		home = (size_t)track__hash(key_of(m, m->slots[j])) & m->mask;
		/* An entry whose home lies cyclically in (hole, j] stays. */
		if (((j - home) & m->mask) < ((j - hole) & m->mask))
			continue;
		m->slots[hole] = m->slots[j];
		hole = j;
	}
	m->slots[hole] = -1;
}
