/* The alarm table: see alarms.h. */
#include "alarms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
alarms_capacity(size_t n_tags)
{
	return n_tags + ALARMS_ACKED_KEPT;
}

int
alarms_init(struct alarms *t, size_t cap)
{
	*t = (struct alarms){ .cap = cap };
	t->list = calloc(cap ? cap : 1, sizeof *t->list);
	return t->list ? 0 : -1;
}

void
alarms_free(struct alarms *t)
{
	free(t->list);
	*t = (struct alarms){ 0 };
}

/* Room for one more. When the table is full, the oldest acknowledged alarm
 * goes, or else the oldest open one of a tag the site does not list (left
 * by an older trackd, or a tag since taken out of the site); both stay in
 * the database. An open alarm of a listed tag never goes. */
static struct alarm *
slot_for_new(struct alarms *t, struct alarms_change *c)
{
	struct alarm *acked = NULL, *stray = NULL;

	if (t->n < t->cap)
		return &t->list[t->n++];
	for (size_t i = 0; i < t->n; i++) {
		struct alarm *al = &t->list[i];

		if (!al->open && (!acked || al->id < acked->id))
			acked = al;
		else if (al->open && !al->listed &&
		         (!stray || al->id < stray->id))
			stray = al;
	}
	if (!acked && stray)
		c->dropped = *stray;
	return acked ? acked : stray;
}

struct alarms_change
alarms_distress(struct alarms *t, const char *tag, bool listed, int64_t t_us)
{
	struct alarms_change c = { 0 };
	struct alarm *al;

	for (size_t i = 0; i < t->n; i++) {
		al = &t->list[i];
		if (al->open && strcmp(al->tag, tag) == 0) {
			al->pressed_us = t_us;
			al->seq = ++t->seq;
			c.al = al;
			return c;
		}
	}
	al = slot_for_new(t, &c);
	if (!al)
		return c;
	memset(al, 0, sizeof *al);
	al->id = ++t->ids;
	snprintf(al->tag, sizeof al->tag, "%s", tag);
	al->listed = listed;
	al->opened_us = al->pressed_us = t_us;
	al->open = true;
	al->provisional = true;
	al->seq = ++t->seq;
	c.al = al;
	c.opened = true;
	return c;
}

struct alarms_change
alarms_restore(struct alarms *t, const struct alarm *from)
{
	struct alarms_change c = { 0 };
	struct alarm *al = slot_for_new(t, &c);

	if (!al)
		return c;
	*al = *from;
	al->seq = ++t->seq;
	al->seq_pos = 0;
	al->provisional = false;
	if (al->id > t->ids)
		t->ids = al->id;
	c.al = al;
	return c;
}

void
alarms_follow(struct alarms *t, const struct livetable *lt)
{
	for (size_t i = 0; i < t->n; i++) {
		struct alarm *al = &t->list[i];
		const struct live_tag *tag;

		if (!al->open)
			continue;
		tag = livetable_find(lt, al->tag);
		/* Re-sent whenever the person's position changed. */
		if (tag && tag->seq > al->seq_pos) {
			al->seq_pos = tag->seq;
			al->seq = ++t->seq;
		}
	}
}

void
alarms_ack_begin(const struct alarm *al, const char *by, int64_t now_us,
                 struct alarm *out)
{
	*out = *al;
	out->open = false;
	snprintf(out->acked_by, sizeof out->acked_by, "%s", by);
	out->acked_us = now_us;
}

void
alarms_ack_end(struct alarms *t, struct alarm *al, const struct alarm *acked)
{
	*al = *acked;
	al->seq = ++t->seq;
}

void
alarms_set_id(struct alarms *t, struct alarm *al, uint64_t id)
{
	if (id > t->ids)
		t->ids = id;
	for (size_t i = 0; i < t->n; i++) {
		struct alarm *o = &t->list[i];

		/* Only a provisional number can clash with the database's:
		 * another trackd handed it out meanwhile. */
		if (o != al && o->id == id && o->provisional) {
			o->id = ++t->ids;
			o->seq = ++t->seq;
		}
	}
	al->provisional = false;
	if (al->id != id) {
		al->id = id;
		al->seq = ++t->seq;
	}
}

struct alarm *
alarms_acked_elsewhere(struct alarms *t, const struct alarm *stored)
{
	struct alarm *al;

	if (stored->open)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		al = &t->list[i];
		if (al->id != stored->id || al->provisional || !al->open)
			continue;
		al->open = false;
		snprintf(al->acked_by, sizeof al->acked_by, "%s",
		         stored->acked_by);
		al->acked_us = stored->acked_us;
		al->seq = ++t->seq;
		return al;
	}
	return NULL;
}

size_t
alarms_open(const struct alarms *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->list[i].open;
	return n;
}

struct alarm *
alarms_find(const struct alarms *t, uint64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->list[i].id == id)
			return &t->list[i];
	return NULL;
}
