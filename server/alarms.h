/* Distress alarms: opened by a distress event, kept open (and re-sent
 * with the person's newest position) until someone acknowledges them. */
#ifndef TRACKD_ALARMS_H
#define TRACKD_ALARMS_H

#include "app.h"

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
};

/* The size of the alarm table for a site listing n_tags tags. */
size_t alarms_capacity(size_t n_tags);
/* A distress event: a new alarm (a->alarm_opened is then set: it must be
 * stored before the update ends), or a new press on the tag's open one. */
void alarms_distress(struct app *a, const track_event *ev);
/* After an update: open alarms follow their tag's position. */
void alarms_follow(struct app *a);
json_t *alarm_json(const struct app *a, const struct alarm *al);
/* How many are open (for /metrics). */
size_t alarms_open(const struct app *a);
struct alarm *alarm_find(struct app *a, uint64_t id);
/* Acknowledge, storing it first (with --db): 0; 1 when it was
 * acknowledged already; -1 when it cannot be stored, and nothing changed
 * (the alarm stays open). by is the note the person typed (acked_by);
 * who the token's name ("" while access is open), for the log: the audit
 * trail (the caller's business) says who it was. */
int alarm_ack(struct app *a, struct alarm *al, const char *by,
              const char *who);
/* At start: an alarm from the database back into the table, open or
 * acknowledged as stored. 0, or -1 when the table is full of open ones
 * of listed tags. */
int alarms_restore(struct app *a, const struct store_alarm *row);

#endif
