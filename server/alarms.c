#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alarms.h"
#include "escape.h"
#include "persist.h"
#include "webhook.h"

/* The alarm as the database keeps it. */
static struct store_alarm
alarm_row(const struct alarm *al)
{
	struct store_alarm row = {
		.id = al->id,
		.opened_us = al->opened_us,
		.pressed_us = al->pressed_us,
		.acked = !al->open,
		.acked_us = al->acked_us,
	};

	snprintf(row.tag, sizeof row.tag, "%s", al->tag);
	snprintf(row.acked_by, sizeof row.acked_by, "%s", al->acked_by);
	return row;
}

/* Into the next batch (an alarm opened, or pressed again). */
static void
keep(struct app *a, const struct alarm *al)
{
	struct store_alarm row = alarm_row(al);

	persist_alarm(a, &row);
}

size_t
alarms_capacity(size_t n_tags)
{
	return n_tags + ALARMS_ACKED_KEPT;
}

/* Room for one more. When the table is full, the oldest acknowledged alarm
 * goes, or else the oldest open one of a tag the site does not list (left
 * by an older trackd, or a tag since taken out of the site); both stay in
 * the database. An open alarm of a listed tag never goes. */
static struct alarm *
slot_for_new(struct app *a)
{
	struct alarm *acked = NULL, *stray = NULL;

	if (a->n_alarms < a->max_alarms)
		return &a->alarms[a->n_alarms++];
	for (size_t i = 0; i < a->n_alarms; i++) {
		struct alarm *al = &a->alarms[i];

		if (!al->open && (!acked || al->id < acked->id))
			acked = al;
		else if (al->open && !al->listed &&
		         (!stray || al->id < stray->id))
			stray = al;
	}
	if (!acked && stray)
		lwsl_warn("alarm table full: open alarm %llu of unlisted %s "
		          "left in the database only\n",
		          (unsigned long long)stray->id, stray->tag);
	return acked ? acked : stray;
}

void
alarms_distress(struct app *a, const track_event *ev)
{
	struct alarm *al;

	for (size_t i = 0; i < a->n_alarms; i++) {
		al = &a->alarms[i];
		if (al->open && strcmp(al->tag, ev->tag) == 0) {
			al->pressed_us = ev->t_us;
			al->seq = ++a->alarm_seq;
			keep(a, al);
			return;
		}
	}
	al = slot_for_new(a);
	if (!al) {
		lwsl_err("alarm table full of open alarms: %s not recorded\n",
		         ev->tag);
		return;
	}
	memset(al, 0, sizeof *al);
	al->id = ++a->alarm_ids;
	snprintf(al->tag, sizeof al->tag, "%s", ev->tag);
	al->listed = app_site_tag(a, al->tag) != NULL;
	al->opened_us = al->pressed_us = ev->t_us;
	al->open = true;
	al->seq = ++a->alarm_seq;
	keep(a, al);
	a->alarm_opened = true;
	lwsl_user("alarm %llu opened: distress from %s\n",
	          (unsigned long long)al->id, al->tag);
	webhook_alarm(a, al, "opened");
}

void
alarms_follow(struct app *a)
{
	for (size_t i = 0; i < a->n_alarms; i++) {
		struct alarm *al = &a->alarms[i];
		json_t *ix;

		if (!al->open)
			continue;
		ix = json_object_get(a->tag_index, al->tag);
		/* Re-sent whenever the person's position changed. */
		if (ix && a->tags[json_integer_value(ix)].seq > al->seq_pos) {
			al->seq_pos = a->tags[json_integer_value(ix)].seq;
			al->seq = ++a->alarm_seq;
		}
	}
}

json_t *
alarm_json(const struct app *a, const struct alarm *al)
{
	json_t *ix = json_object_get(a->tag_index, al->tag);
	const track_site_tag *info = app_site_tag(a, al->tag);
	json_t *o = json_pack("{s:I, s:s, s:s?, s:b, s:f, s:f}", "id",
	                      (json_int_t)al->id, "tag", al->tag, "name",
	                      info ? info->name : NULL, "open", al->open,
	                      "opened", (double)al->opened_us * 1e-6,
	                      "pressed", (double)al->pressed_us * 1e-6);

	if (ix)
		json_object_set_new(o, "position",
		                    app_tag_json(a, &a->tags[json_integer_value(ix)]));
	else
		json_object_set_new(o, "position", json_null());
	if (!al->open) {
		json_object_set_new(o, "acked_by", json_string(al->acked_by));
		json_object_set_new(o, "acked",
		                    json_real((double)al->acked_us * 1e-6));
	}
	return o;
}

size_t
alarms_open(const struct app *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_alarms; i++)
		n += a->alarms[i].open;
	return n;
}

struct alarm *
alarm_find(struct app *a, uint64_t id)
{
	for (size_t i = 0; i < a->n_alarms; i++)
		if (a->alarms[i].id == id)
			return &a->alarms[i];
	return NULL;
}

int
alarm_ack(struct app *a, struct alarm *al, const char *by, const char *who)
{
	struct alarm acked = *al;
	struct store_alarm row;
	char note[4 * sizeof al->acked_by], name[4 * 64];

	if (!al->open)
		return 1;
	acked.open = false;
	snprintf(acked.acked_by, sizeof acked.acked_by, "%s", by);
	acked.acked_us = app_now_us();
	/* Stored before it is shown: an acknowledgement the database did not
	 * take would come back open after a restart, and the person who
	 * answered would never know. */
	row = alarm_row(&acked);
	if (persist_alarm_now(a, &row) < 0)
		return -1;
	*al = acked;
	al->seq = ++a->alarm_seq;
	/* Both typed by people: escaped, so that neither forges a log line. */
	escape_log(note, sizeof note, al->acked_by);
	escape_log(name, sizeof name, who);
	lwsl_user("alarm %llu acknowledged by %s%s%s (note \"%s\")\n",
	          (unsigned long long)al->id, who[0] ? "token \"" : "open access",
	          name, who[0] ? "\"" : "", note);
	webhook_alarm(a, al, "acknowledged");
	return 0;
}

int
alarms_restore(struct app *a, const struct store_alarm *row)
{
	struct alarm *al = slot_for_new(a);

	if (!al) {
		lwsl_err("alarm table full of open alarms: alarm %llu of %s "
		         "not restored\n", (unsigned long long)row->id,
		         row->tag);
		return -1;
	}
	memset(al, 0, sizeof *al);
	al->id = row->id;
	snprintf(al->tag, sizeof al->tag, "%s", row->tag);
	al->listed = app_site_tag(a, al->tag) != NULL;
	al->opened_us = row->opened_us;
	al->pressed_us = row->pressed_us;
	al->open = !row->acked;
	if (row->acked) {
		snprintf(al->acked_by, sizeof al->acked_by, "%s",
		         row->acked_by);
		al->acked_us = row->acked_us;
	}
	al->seq = ++a->alarm_seq;
	if (al->id > a->alarm_ids)
		a->alarm_ids = al->id;
	return 0;
}
