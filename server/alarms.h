/* Distress alarms: opened by a distress event, kept open (and re-sent
 * with the person's newest position) until someone acknowledges them. */
#ifndef TRACKD_ALARMS_H
#define TRACKD_ALARMS_H

#include "app.h"

#define MAX_ALARMS 1024

struct alarm {
	uint64_t id;
	char tag[TRACK_ID_MAX];
	int64_t opened_us;     /* the press */
	int64_t pressed_us;    /* the newest press while open */
	bool open;
	char acked_by[64];
	int64_t acked_us;
	uint64_t seq;          /* changes, for the live stream */
	uint64_t seq_pos;      /* the tag's position seq last followed */
};

/* A distress event: a new alarm, or a new press on the tag's open one. */
void alarms_distress(struct app *a, const track_event *ev);
/* After an update: open alarms follow their tag's position. */
void alarms_follow(struct app *a);
json_t *alarm_json(const struct app *a, const struct alarm *al);
struct alarm *alarm_find(struct app *a, uint64_t id);
/* Acknowledge, storing it first (with --db): 0; 1 when it was
 * acknowledged already; -1 when it cannot be stored, and nothing changed
 * (the alarm stays open). */
int alarm_ack(struct app *a, struct alarm *al, const char *by);
/* At start: an alarm from the database back into the table, open or
 * acknowledged as stored. 0, or -1 when the table is full of open ones. */
int alarms_restore(struct app *a, const struct store_alarm *row);

#endif
