/* The live table: the newest position of every tag trackd shows, in a
 * fixed number of slots, with a sequence number per change so that a
 * client that has seen seq s asks for every tag with a larger one.
 *
 * Part of trackd's core: no sockets, no database, no clock (time is passed
 * in). Single-threaded; nothing is locked. */
#ifndef TRACKD_LIVETABLE_H
#define TRACKD_LIVETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "track/site.h"
#include "track/track.h"

/* A tag whose newest accepted report is this old (by trackd's clock) is
 * shown as stale, and its slot may be given to a new tag when the table is
 * full. */
#define STALE_US 10000000

/* The newest position of one tag, as the live stream and the API show it.
 * seq orders changes: latest state wins; nothing queues per client. */
struct live_tag {
	char id[TRACK_ID_MAX];
	track_position pos;    /* pos.tag points at id */
	/* trackd's clock when the newest report pos rests on came in: the
	 * position's age. Not pos.heard_us, the reports' own clock: a scanner
	 * whose clock runs ahead must not keep a badge that stopped updating
	 * looking fresh. */
	int64_t seen_us;
	uint64_t seq;
	/* The floor the tag last left, and the seq of that change: its old
	 * floor's watchers are told it is gone. */
	const char *left_floor;
	uint64_t left_seq;
	/* The position last put in the history, to downsample against
	 * (persist.c's; the table only clears it with the slot). */
	struct {
		bool set;
		int64_t t_us;
		double x, y;
		const char *floor, *zone;
	} kept;
};

struct livetable {
	struct live_tag *tags; /* cap of them, n in use */
	size_t n, cap;
	json_t *index;         /* tag id -> index into tags */
	uint64_t seq;          /* the newest change */
	uint64_t evicted;      /* tags dropped from a full table */
	uint64_t full;         /* slots refused: full of live tags */
};

/* Room for cap tags. 0, or -1 out of memory (and lt is left empty, safe
 * to free). */
int livetable_init(struct livetable *lt, size_t cap);
/* Frees what init took; a zeroed or freed table is a no-op. */
void livetable_free(struct livetable *lt);

/* The slot of tag id (shorter than TRACK_ID_MAX), made (zeroed, with
 * seq 0) when new. When the table is full the tag heard longest ago makes
 * room if it is stale at now_us; else NULL, counted in full. */
struct live_tag *livetable_slot(struct livetable *lt, const char *id,
                                int64_t now_us);
/* The slot of tag id, or NULL; never makes one. */
struct live_tag *livetable_find(const struct livetable *lt, const char *id);

/* A new position from the engine into its tag's slot (as livetable_slot):
 * a new seq, a floor change noted for the old floor's watchers, and
 * seen_us set to now_us when the position rests on a newer report. The
 * slot (pos.tag pointing at its own id), or NULL when the table is full.
 * p's floor, zone and category strings are kept, not copied: they must
 * outlive the table (the engine's and the site's do). */
struct live_tag *livetable_apply(struct livetable *lt,
                                 const track_position *p, int64_t now_us);

/* A tag object for the API and the live stream (a new reference): info is
 * the site's entry for it or NULL; its age and staleness are at now_us. */
json_t *livetable_tag_json(const struct live_tag *t,
                           const track_site_tag *info, int64_t now_us);

#endif
