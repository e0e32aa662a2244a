/* Distress alarms: opened by a distress event, kept open (and re-sent
 * with the person's newest position) until someone acknowledges them.
 *
 * Part of trackd's core: a table and its state machine, no sockets, no
 * database, no clock (time is passed in), no logging. Each call says what
 * it changed; the caller (app.c) stores it, posts it and logs it. */
#ifndef TRACKD_ALARMS_H
#define TRACKD_ALARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "livetable.h"
#include "track/track.h"

/* Acknowledged alarms kept in memory (for the alarm list) besides room
 * for an open one of every tag the site lists. Only a listed tag's press
 * opens an alarm, and a new press of a tag with one open updates it, so
 * such a press always finds room. */
#define ALARMS_ACKED_KEPT 256

struct alarm {
	uint64_t id;
	char tag[TRACK_ID_MAX];
	bool listed;           /* the tag is in the site file */
	int64_t opened_us;     /* the press */
	int64_t pressed_us;    /* the newest press while open */
	bool open;
	char acked_by[64];
	int64_t acked_us;
	uint64_t seq;          /* changes, for the live stream */
	uint64_t seq_pos;      /* the tag's position seq last followed */
	/* The id is this trackd's own number, not yet the database's: with
	 * --db, a new alarm's press is stored by (tag, opened_us), and the
	 * row's id, whichever trackd stored the press first, replaces it
	 * (alarms_set_id). Always false for a restored alarm. */
	bool provisional;
};

struct alarms {
	struct alarm *list;    /* cap of them, n in use */
	size_t n, cap;
	uint64_t ids;          /* the largest id known: new ones go on after
	                        * it */
	uint64_t seq;          /* the newest change */
};

/* The size of the alarm table for a site listing n_tags tags. */
size_t alarms_capacity(size_t n_tags);
/* Room for cap alarms: 0, or -1 out of memory (t left empty). */
int alarms_init(struct alarms *t, size_t cap);
/* A zeroed or freed table is a no-op. */
void alarms_free(struct alarms *t);

/* What alarms_distress and alarms_restore did. */
struct alarms_change {
	/* The alarm opened, pressed again or restored; NULL when there was
	 * no room (the table is full of open alarms of listed tags) and
	 * nothing changed. */
	struct alarm *al;
	bool opened;           /* a new alarm, not a new press of one */
	/* An open alarm of a tag the site does not list, dropped from the
	 * table to make room (it stays in the database); id 0 when none. */
	struct alarm dropped;
};

/* A distress press of tag (listed: the site names it) at t_us: a new
 * press on the tag's open alarm, or a new alarm with the next id, a
 * provisional one. */
struct alarms_change alarms_distress(struct alarms *t, const char *tag,
                                     bool listed, int64_t t_us);
/* At start: a stored alarm back into the table, open or acknowledged as
 * it was (al->seq and seq_pos are set here). Ids go on after it. */
struct alarms_change alarms_restore(struct alarms *t, const struct alarm *al);
/* After an update: open alarms follow their tag's position (a new seq
 * when it changed). */
void alarms_follow(struct alarms *t, const struct livetable *lt);

/* An acknowledgement in two steps, so that it is stored before it counts:
 * what al (open) becomes, acknowledged with note by at now_us, into *out,
 * nothing changed yet ... */
void alarms_ack_begin(const struct alarm *al, const char *by, int64_t now_us,
                      struct alarm *out);
/* ... and, once stored, al becomes *acked, with a new seq. */
void alarms_ack_end(struct alarms *t, struct alarm *al,
                    const struct alarm *acked);

/* The store says al (provisional) is alarm id: the press as stored by
 * whichever trackd on the database stored it first. al takes id (a new
 * seq when it changed) and is no longer provisional; a provisional alarm
 * that held id already takes the next one, so that ids stay unique in the
 * table. */
void alarms_set_id(struct alarms *t, struct alarm *al, uint64_t id);
/* The store says alarm stored->id was acknowledged (by another trackd on
 * the same database, or before this one claimed the press): the open
 * alarm of that id takes its acknowledgement (acked_by, acked_us), with a
 * new seq. The alarm changed, or NULL when there is no open alarm of that
 * id here (unknown, or acknowledged already: the first acknowledgement
 * stored stands) or stored is not acknowledged. */
struct alarm *alarms_acked_elsewhere(struct alarms *t,
                                     const struct alarm *stored);

/* How many are open (for /metrics). */
size_t alarms_open(const struct alarms *t);
struct alarm *alarms_find(const struct alarms *t, uint64_t id);

#endif
