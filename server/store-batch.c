/* trackd's history, the batch (see store.h): rows collected in memory
 * until store_write() commits them. No database here: both backends
 * write the same batch. */
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
store_batch_init(struct store_batch *b, size_t max_positions)
{
	memset(b, 0, sizeof *b);
	if (max_positions == 0)
		return -1;
	b->pos = calloc(max_positions, sizeof *b->pos);
	if (!b->pos)
		return -1;
	b->pos_cap = max_positions;
	return 0;
}

void
store_batch_free(struct store_batch *b)
{
	free(b->pos);
	free(b->ev);
	free(b->al);
	free(b->occ);
	memset(b, 0, sizeof *b);
}

void
store_batch_clear(struct store_batch *b)
{
	b->pos_head = b->pos_n = 0;
	b->ev_n = b->al_n = b->occ_n = 0;
}

size_t
store_batch_rows(const struct store_batch *b)
{
	return b->pos_n + b->ev_n + b->al_n + b->occ_n;
}

/* A row the schema would refuse would fail every batch it is in, and the
 * batch would then be retried for ever: such rows never get in. */
int
store_batch_add_position(struct store_batch *b, const struct store_position *p)
{
	if (!p->tag || !isfinite(p->x) || !isfinite(p->y) || !isfinite(p->r))
		return -1;
	if (b->pos_n == b->pos_cap) {
		/* Full: the oldest position makes room. */
		b->pos_head = (b->pos_head + 1) % b->pos_cap;
		b->pos_n--;
		b->dropped++;
	}
	b->pos[(b->pos_head + b->pos_n) % b->pos_cap] = *p;
	b->pos_n++;
	return 0;
}

/* Room for one more of n in *arr of *cap elements of size sz. */
static int
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*arr, c * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

int
store_batch_add_event(struct store_batch *b, const struct store_event *e)
{
	if (!e->type)
		return -1;
	if (grow((void **)&b->ev, &b->ev_cap, b->ev_n, sizeof *b->ev) < 0)
		return -1;
	b->ev[b->ev_n++] = *e;
	return 0;
}

int
store_batch_add_alarm(struct store_batch *b, const struct store_alarm *a)
{
	if (grow((void **)&b->al, &b->al_cap, b->al_n, sizeof *b->al) < 0)
		return -1;
	b->al[b->al_n++] = *a;
	return 0;
}

int
store_batch_add_occupancy(struct store_batch *b,
                          const struct store_occupancy *o)
{
	if (!o->zone || !isfinite(o->mean) || !isfinite(o->mean_person) ||
	    !isfinite(o->mean_asset))
		return -1;
	if (grow((void **)&b->occ, &b->occ_cap, b->occ_n, sizeof *b->occ) < 0)
		return -1;
	b->occ[b->occ_n++] = *o;
	return 0;
}

void
store_batch_forget(struct store_batch *b, int64_t pos_us, int64_t ev_us,
                   int64_t occ_us)
{
	size_t kept = 0;

	/* Kept in their order, from the ring's head on. */
	for (size_t i = 0; i < b->pos_n; i++) {
		const struct store_position *p =
			&b->pos[(b->pos_head + i) % b->pos_cap];

		if (p->t_us >= pos_us)
			b->pos[(b->pos_head + kept++) % b->pos_cap] = *p;
	}
	b->pos_n = kept;
	kept = 0;
	for (size_t i = 0; i < b->ev_n; i++)
		if (b->ev[i].t_us >= ev_us)
			b->ev[kept++] = b->ev[i];
	b->ev_n = kept;
	kept = 0;
	for (size_t i = 0; i < b->occ_n; i++)
		if (b->occ[i].t_us >= occ_us)
			b->occ[kept++] = b->occ[i];
	b->occ_n = kept;
}

struct store_batch
store_batch_alarms(const struct store_batch *b)
{
	return (struct store_batch){ .al = b->al, .al_n = b->al_n,
		                     .al_cap = b->al_cap };
}

void
store_batch_clear_alarms(struct store_batch *b)
{
	b->al_n = 0;
}
