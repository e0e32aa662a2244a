/* Reports in: checking a report, the tag table (a slot per tag, found by
 * id, recycled least recently heard first), and feeding the report into the
 * tag's RSSI window. Nothing here allocates. */
#include "track/track.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "engine-private.h"

static void
tag_clear(struct tag *t, size_t max_links)
{
	struct link *links = t->links;
	bool dirty = t->dirty, queued = t->queued;

	memset(t, 0, sizeof *t);
	t->links = links;
	/* The slot may still sit on the dirty or changed list. */
	t->dirty = dirty;
	t->queued = queued;
	t->heard_us = NONE;
	t->fix_us = NONE;
	t->moving = true;
	t->tx_announced = NAN;
	t->floor.current = t->floor.candidate = -1;
	for (size_t l = 0; l < max_links; l++)
		t->links[l].scanner = -1;
}

/* ---- the tag table --------------------------------------------------- */

static void
lru_unlink(track_engine *e, int32_t i)
{
	struct tag *t = &e->tags[i];
	int l = t->probation;

	if (t->prev >= 0)
		e->tags[t->prev].next = t->next;
	else
		e->lru_head[l] = t->next;
	if (t->next >= 0)
		e->tags[t->next].prev = t->prev;
	else
		e->lru_tail[l] = t->prev;
}

static void
lru_push_head(track_engine *e, int32_t i)
{
	struct tag *t = &e->tags[i];
	int l = t->probation;

	t->prev = -1;
	t->next = e->lru_head[l];
	if (e->lru_head[l] >= 0)
		e->tags[e->lru_head[l]].prev = i;
	e->lru_head[l] = i;
	if (e->lru_tail[l] < 0)
		e->lru_tail[l] = i;
}

/* The tag to make room for a newcomer, or -1: the least recently heard
 * tag once it has been silent a whole window (its data has expired
 * anyway), one on probation first; else the tag on probation heard least
 * recently, even now. A newcomer joins the head of probation, so a real
 * badge outlives as many made-up ids as the table holds, far longer than
 * its second scanner takes to hear the same advertisement: a flood of ids
 * one scanner claims churns only among itself. A table full of tags
 * several scanners hear just now refuses rather than forget one. */
static int32_t
tag_victim(const track_engine *e, int64_t t_us)
{
	for (int l = 1; l >= 0; l--) {
		int32_t i = e->lru_tail[l];

		if (i >= 0 && t_us - e->tags[i].heard_us >= e->cfg.window_us)
			return i;
	}
	return e->lru_tail[1];
}

/* A slot for a new tag: a free one, or the one tag_victim names. */
static int32_t
tag_alloc(track_engine *e, const char *id, int64_t t_us)
{
	int32_t i = e->free_head;
	bool listed = e->n_infos > 0 &&
	              track__idmap_find(&e->info_map, id) >= 0;

	if (i >= 0) {
		e->free_head = e->tags[i].next;
	} else {
		i = tag_victim(e, t_us);
		if (i < 0)
			return -1;
		if (e->tags[i].probation &&
		    t_us - e->tags[i].heard_us < e->cfg.window_us)
			e->stats.evicted_probation++;
		lru_unlink(e, i);
		/* It leaves its zone when it leaves the table. */
		track__presence_leave(e, &e->tags[i], e->tags[i].heard_us);
		track__idmap_remove(&e->tag_map, i);
		e->stats.evicted++;
		e->stats.tags--;
	}
	tag_clear(&e->tags[i], e->cfg.max_links);
	e->tags[i].used = true;
	e->tags[i].probation = !listed;
	strcpy(e->tags[i].id, id);
	track__presence_tag_new(e, &e->tags[i]);
	track__stats_tag_new(e, &e->tags[i], (size_t)i);
	track__idmap_insert(&e->tag_map, i);
	lru_push_head(e, i);
	e->stats.tags++;
	return i;
}

/* A tag on probation that a second scanner hears within the window is
 * confirmed: it joins the tags that only silence evicts. */
static void
confirm(track_engine *e, int32_t i, int64_t t_us)
{
	struct tag *t = &e->tags[i];
	unsigned heard = 0;

	for (size_t l = 0; l < e->cfg.max_links; l++) {
		const struct link *k = &t->links[l];

		if (k->scanner >= 0 && k->last_us != NONE &&
		    t_us - k->last_us < e->cfg.window_us && ++heard >= 2)
			break;
	}
	if (heard < 2)
		return;
	lru_unlink(e, i);
	t->probation = false;
	lru_push_head(e, i);
}

static struct link *
link_for(track_engine *e, struct tag *t, int32_t scanner)
{
	struct link *oldest = NULL;

	for (size_t l = 0; l < e->cfg.max_links; l++) {
		struct link *k = &t->links[l];

		if (k->scanner == scanner)
			return k;
		if (k->scanner < 0) {
			if (!oldest || oldest->scanner >= 0)
				oldest = k;
		} else if (!oldest ||
		           (oldest->scanner >= 0 &&
		            k->last_us < oldest->last_us)) {
			oldest = k;
		}
	}
	/* All links busy: the scanner heard least recently makes room. */
	oldest->scanner = scanner;
	oldest->last_us = NONE;
	track__rssi_reset(&oldest->f);
	return oldest;
}

/* ---- ingest ------------------------------------------------------------ */

static track_status
reject(track_engine *e, track_status st)
{
	e->stats.rejected[-st]++;
	return st;
}

/* Badges repeat the button flag in every advertisement of a press, and
 * several scanners hear each one: one press, one event. */
static void
note_button(track_engine *e, int32_t i, int64_t t_us)
{
	struct tag *t = &e->tags[i];

	if (t->button_us == NONE ||
	    t_us - t->button_us > e->cfg.distress_rearm_us) {
		t->button_pending = true;
		t->press_us = t_us;
	}
	if (t->button_us == NONE || t_us > t->button_us)
		t->button_us = t_us;
	if (!t->dirty) {
		t->dirty = true;
		e->dirty[e->n_dirty++] = i;
	}
}

/* A report whose measurement is refused may still carry a call for help:
 * the press is kept (the distress goes out with the last known place) and
 * the report is refused all the same. */
static track_status
reject_report(track_engine *e, const track_report *r, track_status st)
{
	if (r->flags & TRACK_REPORT_BUTTON) {
		int32_t i = track__idmap_find(&e->tag_map, r->tag);

		if (i < 0) {
			i = tag_alloc(e, r->tag, r->t_us);
			/* Heard, if not measured: it is not silent. */
			if (i >= 0)
				e->tags[i].heard_us = e->tags[i].since_us =
					r->t_us;
		}
		if (i >= 0)
			note_button(e, i, r->t_us);
	}
	return reject(e, st);
}

track_status
track_engine_ingest(track_engine *e, const track_report *r)
{
	int32_t s, i;
	struct tag *t;
	struct link *k;
	int rssi;

	if (!e || !r)
		return TRACK_EINVAL;
	if (!track__id_ok(r->tag) || !track__id_ok(r->scanner))
		return reject(e, TRACK_EID);
	if (!isfinite(r->rssi_dbm) || isinf(r->tx_dbm))
		return reject_report(e, r, TRACK_ENAN);
	if (r->rssi_dbm < TRACK_RSSI_MIN || r->rssi_dbm > TRACK_RSSI_MAX ||
	    (!isnan(r->tx_dbm) && (r->tx_dbm < TRACK_RSSI_MIN ||
	                           r->tx_dbm > 20.0)))
		return reject_report(e, r, TRACK_ERSSI);
	s = track__idmap_find(&e->scanner_map, r->scanner);
	if (s < 0)
		return reject_report(e, r, TRACK_ESCANNER);
	i = track__idmap_find(&e->tag_map, r->tag);
	if (i >= 0) {
		if (r->t_us < e->tags[i].heard_us - e->cfg.reorder_us)
			return reject_report(e, r, TRACK_ETIME);
		if (i != e->lru_head[e->tags[i].probation]) {
			lru_unlink(e, i);
			lru_push_head(e, i);
		}
	} else {
		i = tag_alloc(e, r->tag, r->t_us);
		if (i < 0)
			return reject(e, TRACK_EFULL);
	}
	t = &e->tags[i];
	k = link_for(e, t, s);
	rssi = (int)lround(r->rssi_dbm);
	track__rssi_add(&k->f, r->t_us, rssi, e->bucket_us);
	if (r->t_us > k->last_us)
		k->last_us = r->t_us;
	if (t->probation)
		confirm(e, i, r->t_us);
	if (t->fresh < UINT_MAX)
		t->fresh++;
	if (t->heard_us == NONE ||
	    r->t_us - t->heard_us > e->cfg.silence_reset_us)
		t->since_us = r->t_us;
	if (r->t_us > t->heard_us)
		t->heard_us = r->t_us;
	if (!isnan(r->tx_dbm) && r->tx_dbm != t->tx_announced) {
		t->tx_announced = r->tx_dbm;
		t->tx_P[0] = 0.0; /* re-seed the power estimate */
	}
	t->flags |= r->flags;
	if (t->lost) {
		t->lost = false;
		t->found_pending = true;
	}
	if (r->flags & TRACK_REPORT_BUTTON)
		note_button(e, i, r->t_us);
	if (!t->dirty) {
		t->dirty = true;
		e->dirty[e->n_dirty++] = i;
	}
	e->stats.reports++;
	return TRACK_OK;
}
