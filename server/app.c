/* The update pipeline: the one module that knows both the core (engine,
 * live table, alarms) and what hangs off it (history, webhook). The core
 * says what changed; this hands it on. Called from the loop (trackd.c) and
 * the API (http.c); calls nothing above it. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "escape.h"
#include "log.h"
#include "persist.h"
#include "webhook.h"

/* A distress event into the alarms, and a new press of a stored alarm
 * into the history. True when it opened an alarm, which must be stored
 * (announce_opened) before the update ends. */
static bool
distress(struct app *a, const track_event *ev)
{
	struct alarms_change c = alarms_distress(
		&a->alarms, ev->tag, app_site_tag(a, ev->tag) != NULL, ev->t_us);

	if (c.dropped.id)
		log_warn("alarm table full: open alarm %llu of unlisted %s "
		         "left in the database only\n",
		         (unsigned long long)c.dropped.id, c.dropped.tag);
	if (!c.al) {
		log_err("alarm table full of open alarms: %s not recorded\n",
		        ev->tag);
		return false;
	}
	/* A provisional alarm's newest press goes with its claim. */
	if (!c.al->provisional)
		persist_alarm(a, c.al);
	return c.opened;
}

/* The alarms this update opened (provisional, numbered after ids0)
 * stored by their press, which gives them the database's id, then logged
 * and posted. With two trackd on one database both open the alarm of a
 * press; the one that stored it first posts it. One that could not be
 * stored is posted all the same, under its own number (a call for help
 * goes out whatever the database does), and stored later by
 * persist_tick(). */
static void
announce_opened(struct app *a, uint64_t ids0)
{
	for (size_t i = 0; i < a->alarms.n; i++) {
		struct alarm *al = &a->alarms.list[i];
		int first;

		if (!al->open || !al->provisional || al->id <= ids0)
			continue;
		first = persist_claim(a, al);
		log_user("alarm %llu opened: distress from %s%s\n",
		         (unsigned long long)al->id, al->tag,
		         first == 0   ? " (stored first by another trackd)"
		         : first < 0 ? " (not stored yet: its number may change)"
		                     : "");
		if (first != 0)
			webhook_alarm(a, al, "opened");
	}
}

void
app_update(struct app *a, int64_t now_us)
{
	track_position batch[256];
	track_event ev[256];
	bool opened = false;
	uint64_t ids0 = a->alarms.ids;
	size_t n;

	persist_alarm_changes(a);
	track_engine_update(a->engine, now_us);
	while ((n = track_engine_changed(a->engine, batch, 256)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct live_tag *t =
				livetable_apply(&a->live, &batch[i], now_us);

			if (t)
				persist_position(a, t);
		}
	}
	while ((n = track_engine_events(a->engine, ev, 256)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct live_event *le =
				&a->events[++a->ev_seq % EVENT_RING];

			le->ev = ev[i];
			le->seq = a->ev_seq;
			persist_event(a, &ev[i]);
			if (ev[i].type == TRACK_EVENT_DISTRESS &&
			    distress(a, &ev[i]))
				opened = true;
			if (ev[i].type == TRACK_EVENT_DISTRESS ||
			    ev[i].type == TRACK_EVENT_RESTRICTED_ENTRY)
				log_user("%s: %s in %s (%s)\n",
				         track_event_name(ev[i].type), ev[i].tag,
				         ev[i].zone ? ev[i].zone : "no zone",
				         ev[i].floor ? ev[i].floor : "?");
		}
	}
	alarms_follow(&a->alarms, &a->live);
	/* Stored before anyone is told (the live stream, the webhook go out
	 * after this update): an alarm that was shown comes back after a
	 * crash, and its id is never handed out again. */
	if (opened) {
		announce_opened(a, ids0);
		persist_now(a);
	}
}

int
app_alarm_ack(struct app *a, struct alarm *al, const char *by,
              const char *who)
{
	struct alarm acked;
	char note[4 * sizeof al->acked_by], name[4 * 64];

	if (!al->open)
		return 1;
	/* Its press first: the acknowledgement is stored under the id every
	 * trackd knows it by. */
	if (al->provisional && persist_claim(a, al) < 0)
		return -1;
	if (!al->open)
		return 1;
	alarms_ack_begin(al, by, app_now_us(), &acked);
	/* Stored before it is shown: an acknowledgement the database did not
	 * take would come back open after a restart, and the person who
	 * answered would never know. */
	if (persist_alarm_now(a, &acked) < 0)
		return -1;
	alarms_ack_end(&a->alarms, al, &acked);
	/* Both typed by people: escaped, so that neither forges a log line. */
	escape_log(note, sizeof note, al->acked_by);
	escape_log(name, sizeof name, who);
	log_user("alarm %llu acknowledged by %s%s%s (note \"%s\")\n",
	         (unsigned long long)al->id, who[0] ? "token \"" : "open access",
	         name, who[0] ? "\"" : "", note);
	webhook_alarm(a, al, "acknowledged");
	return 0;
}
