/* The live table: see livetable.h. */
#include "livetable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
livetable_init(struct livetable *lt, size_t cap)
{
	*lt = (struct livetable){ .cap = cap };
	lt->tags = calloc(cap ? cap : 1, sizeof *lt->tags);
	lt->index = json_object();
	if (!lt->tags || !lt->index) {
		livetable_free(lt);
		return -1;
	}
	return 0;
}

void
livetable_free(struct livetable *lt)
{
	json_decref(lt->index);
	free(lt->tags);
	*lt = (struct livetable){ 0 };
}

struct live_tag *
livetable_find(const struct livetable *lt, const char *id)
{
	json_t *ix = json_object_get(lt->index, id);

	return ix ? &lt->tags[json_integer_value(ix)] : NULL;
}

/* When the table is full, the slot of the tag heard longest ago makes room
 * if it is stale (nothing new for STALE_US), else that of the tag heard
 * longest ago among those the site does not list whose last fix one
 * scanner alone made: a flood of made-up ids or passing phones churns
 * among itself and cannot keep a badge off the map, and memory stays
 * bounded. The evicted tag's last place is still in the database. */
static struct live_tag *
evict_stalest(struct livetable *lt, int64_t now_us)
{
	struct live_tag *old = NULL, *weak = NULL;

	for (size_t i = 0; i < lt->n; i++) {
		struct live_tag *t = &lt->tags[i];

		if (!old || t->seen_us < old->seen_us)
			old = t;
		if (t->pos.kind == TRACK_TAG_UNKNOWN && t->pos.n_scanners <= 1 &&
		    (!weak || t->seen_us < weak->seen_us))
			weak = t;
	}
	if (old && now_us - old->seen_us < STALE_US)
		old = weak;
	if (!old)
		return NULL;
	json_object_del(lt->index, old->id);
	lt->evicted++;
	return old;
}

struct live_tag *
livetable_slot(struct livetable *lt, const char *id, int64_t now_us)
{
	struct live_tag *t = livetable_find(lt, id);

	if (t)
		return t;
	if (lt->n < lt->cap) {
		t = &lt->tags[lt->n++];
	} else if (!(t = evict_stalest(lt, now_us))) {
		lt->full++;
		return NULL;
	}
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "%s", id);
	json_object_set_new(lt->index, t->id,
	                    json_integer((json_int_t)(t - lt->tags)));
	return t;
}

struct live_tag *
livetable_apply(struct livetable *lt, const track_position *p,
                int64_t now_us)
{
	struct live_tag *t = livetable_slot(lt, p->tag, now_us);

	if (!t)
		return NULL;
	t->seq = ++lt->seq;
	if (p->heard_us != t->pos.heard_us)
		t->seen_us = now_us;
	if (t->pos.floor && p->floor && strcmp(t->pos.floor, p->floor) != 0) {
		t->left_floor = t->pos.floor;
		t->left_seq = t->seq;
	}
	t->pos = *p;
	t->pos.tag = t->id;
	return t;
}

static const char *
kind_name(track_tag_kind k)
{
	return k == TRACK_TAG_PERSON ? "person"
	       : k == TRACK_TAG_ASSET ? "asset"
	                              : "unknown";
}

json_t *
livetable_tag_json(const struct live_tag *t, const track_site_tag *info,
                   int64_t now_us)
{
	const track_position *p = &t->pos;
	double age = (double)(now_us - t->seen_us) * 1e-6;

	/* zone (after hysteresis) is what events count; zone_here and
	 * zone_near are what to show beside the drawn dot. */
	return json_pack("{s:s, s:s?, s:s, s:s, s:f, s:f, s:f, s:s, s:s?, "
	                 "s:s?, s:s?, s:f, s:b, s:f, s:b}",
	                 "id", t->id, "name", info ? info->name : NULL,
	                 "kind", kind_name(p->kind), "category", p->category,
	                 "x", round(p->x * 100) / 100, "y",
	                 round(p->y * 100) / 100, "r",
	                 round(p->r * 100) / 100, "floor", p->floor, "zone",
	                 p->zone, "zone_here", p->zone_here, "zone_near",
	                 p->zone_near, "t", (double)p->t_us * 1e-6, "moving",
	                 p->moving, "age", round(fmax(age, 0.0) * 10) / 10,
	                 "stale", age > STALE_US * 1e-6);
}
