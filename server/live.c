/* The track-live.v1 WebSocket protocol: a client subscribes to a floor or follows one tag and gets
 * a snapshot, then the changes since what it was last sent, then events,
 * and the floor's head counts every few seconds. Nothing is queued per
 * client: on each chance to write, it gets the latest state of what
 * changed, so a slow or stalled client costs memory for one message at
 * most and never holds up the others.
 *
 * Clients watching a floor mostly want the same bytes (the changes since
 * the last update), so each floor keeps its last snapshot, positions and
 * stats message encoded once and every client in step sends that copy;
 * only a client out of step (late, or just come) gets one of its own.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "alarms.h"
#include "app.h"
#include "caller.h"
#include "handshake.h"
#include "log.h"
#include "origin.h"
#include "protocols.h"
#include "ws.h"

/* At most this often a client gets positions: every update's changes at
 * the default tick (100 ms), batched. Total traffic does not grow with the
 * rate (each tag changes about once a second); latency shrinks with it. */
#define MIN_GAP_US 100000
/* Head counts per zone go out this often. */
#define STATS_EVERY_US 5000000
/* A new responder gets at most this many alarms before its snapshot (the
 * rest right after it): urgent news first, yet a map within moments even
 * with hundreds open. */
#define ALARMS_BEFORE_SNAPSHOT 16

/* One encoded message, with lws's headroom in front, sent as is to every
 * client whose keys match. */
struct shared_msg {
	unsigned char *buf; /* LWS_PRE + len bytes; NULL when none */
	size_t len;
	uint64_t from, to;  /* what it covers (positions: seq range) */
	int64_t built_us;
};

/* Per floor, one set of messages for callers who may see people and one
 * for those who may see assets only. */
struct live_floor {
	struct shared_msg snapshot[2], positions[2], stats;
};

/* Encode doc (consumed) into m; false when out of memory. */
static bool
shared_set(struct shared_msg *m, json_t *doc, uint64_t from, uint64_t to)
{
	char *text = json_dumps(doc, JSON_OUT);
	size_t n = text ? strlen(text) : 0;
	unsigned char *buf = text ? malloc(LWS_PRE + n) : NULL;

	json_decref(doc);
	if (!buf) {
		free(text);
		return false;
	}
	memcpy(buf + LWS_PRE, text, n);
	free(text);
	free(m->buf);
	*m = (struct shared_msg){ buf, n, from, to, app_now_us() };
	return true;
}

/* lws writes the frame header into the headroom and leaves the payload
 * alone (a server does not mask), so one buffer serves every client. */
static bool
send_shared(struct lws *wsi, const struct shared_msg *m)
{
	return lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) >=
	       (int)m->len;
}

/* ---- track-live.v1 ------------------------------------------------------ */

struct live_pss {
	bool subscribed;
	size_t floor_ix;          /* the floor's index, when watching one */
	char floor[TRACK_ID_MAX]; /* "" when following a tag */
	char tag[TRACK_ID_MAX];   /* "" when watching a floor */
	bool snapshot_due;
	char *error;              /* an answer to a bad request, to send */
	uint64_t pos_seq;         /* positions sent up to this seq */
	uint64_t ev_seq;          /* events sent up to this seq */
	uint64_t alarm_seq;       /* alarm changes sent up to this seq */
	uint64_t alarm_base;      /* alarm seq when the client came */
	uint64_t stats_seq;       /* head counts sent up to this seq */
	int64_t last_positions_us;
	int64_t last_subscribe_us;
	unsigned early_alarms;    /* alarms sent before a snapshot */
	bool counted;             /* in a->live_clients */
	bool ending;              /* its token was revoked */
	struct caller who;
};

static bool
sees_people(const struct live_pss *p)
{
	return p->who.perms & PERM_PEOPLE;
}

size_t
live_pss_size(void)
{
	return sizeof(struct live_pss);
}

static bool
wanted(const struct live_pss *p, const struct live_tag *t)
{
	if (t->pos.kind != TRACK_TAG_ASSET && !sees_people(p))
		return false;
	if (p->tag[0])
		return strcmp(p->tag, t->id) == 0;
	return t->pos.floor && strcmp(p->floor, t->pos.floor) == 0;
}

static bool
event_wanted(const struct app *a, const struct live_pss *p,
             const track_event *ev)
{
	/* A call for help goes to every watcher who may answer it, whatever
	 * they watch. */
	if (ev->type == TRACK_EVENT_DISTRESS)
		return p->who.perms & PERM_ALARMS;
	if (!sees_people(p) && app_is_person(a, ev->tag))
		return false;
	if (p->tag[0])
		return strcmp(p->tag, ev->tag) == 0;
	return ev->floor && strcmp(p->floor, ev->floor) == 0;
}

static json_t *
event_json(const track_event *ev)
{
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:f}", "type",
	                      track_event_name(ev->type), "tag", ev->tag,
	                      "zone", ev->zone, "floor", ev->floor, "t",
	                      (double)ev->t_us * 1e-6);

	if (!isnan(ev->x)) {
		json_object_set_new(o, "x", json_real(round(ev->x * 100) / 100));
		json_object_set_new(o, "y", json_real(round(ev->y * 100) / 100));
		json_object_set_new(o, "r", json_real(round(ev->r * 100) / 100));
	} else {
		json_object_set_new(o, "x", json_null());
		json_object_set_new(o, "y", json_null());
		json_object_set_new(o, "r", json_null());
	}
	return json_pack("{s:s, s:o}", "type", "event", "event", o);
}

static void
subscribe(struct app *a, struct live_pss *p, const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *sub = json_object_get(doc, "subscribe");
	json_t *floor = json_object_get(sub, "floor");
	json_t *tag = json_object_get(sub, "tag");
	const track_site *site = track_site_engine(a->site);
	bool known = false;

	free(p->error);
	p->error = NULL;
	/* Each subscription costs a snapshot: at most ten a second. */
	if (app_now_us() - p->last_subscribe_us < 100000) {
		p->error = strdup("{\"type\":\"error\",\"error\":\"too many "
		                  "subscriptions: at most 10 a second\"}");
		json_decref(doc);
		return;
	}
	p->last_subscribe_us = app_now_us();
	if (!json_is_object(sub) || json_is_string(floor) == json_is_string(tag)) {
		p->error = strdup("{\"type\":\"error\",\"error\":\"expected "
		                  "{\\\"subscribe\\\":{\\\"floor\\\":id} or "
		                  "{\\\"tag\\\":id}}\"}");
		json_decref(doc);
		return;
	}
	if (json_is_string(floor)) {
		for (size_t f = 0; f < site->n_floors; f++)
			if (strcmp(site->floors[f].id,
			           json_string_value(floor)) == 0) {
				known = true;
				p->floor_ix = f;
			}
		if (!known) {
			p->error = strdup("{\"type\":\"error\",\"error\":"
			                  "\"no such floor\"}");
			json_decref(doc);
			return;
		}
		snprintf(p->floor, sizeof p->floor, "%s",
		         json_string_value(floor));
		p->tag[0] = '\0';
		if (sees_people(p)) {
			char whom[TRACK_ID_MAX + 8];

			snprintf(whom, sizeof whom, "floor:%s", p->floor);
			access_audit(a, &p->who, "live", whom, app_now_us());
		}
	} else {
		const char *id = json_string_value(tag);

		if (app_is_person(a, id)) {
			if (!sees_people(p)) {
				access_audit(a, &p->who, "follow refused",
				             id, app_now_us());
				p->error = strdup("{\"type\":\"error\",\"error\":"
				                  "\"forbidden: this role may not "
				                  "follow a person\"}");
				json_decref(doc);
				return;
			}
			access_audit(a, &p->who, "follow", id, app_now_us());
		}
		snprintf(p->tag, sizeof p->tag, "%s", id);
		p->floor[0] = '\0';
	}
	p->subscribed = true;
	p->snapshot_due = true;
	json_decref(doc);
}

/* The tags of p's view that changed after seq from (all of them when
 * snap) as a snapshot or positions message. */
static json_t *
positions_json(const struct app *a, const struct live_pss *p, bool snap,
               uint64_t from)
{
	json_t *list = json_array(), *gone = NULL, *doc;

	for (size_t i = 0; i < a->live.n; i++) {
		const struct live_tag *t = &a->live.tags[i];

		if ((snap || t->seq > from) && wanted(p, t))
			json_array_append_new(list, app_tag_json(a, t));
		/* Changes to a floor watcher: tags that left for another
		 * floor since, by id, so that the page drops them. */
		else if (!snap && p->floor[0] && t->left_seq > from &&
		         t->left_floor &&
		         strcmp(t->left_floor, p->floor) == 0 &&
		         (t->pos.kind == TRACK_TAG_ASSET || sees_people(p))) {
			if (!gone)
				gone = json_array();
			json_array_append_new(gone, json_string(t->id));
		}
	}
	doc = json_pack("{s:s, s:o}", "type", snap ? "snapshot" : "positions",
	                "tags", list);
	if (gone)
		json_object_set_new(doc, "gone", gone);
	return doc;
}

/* A floor watcher's snapshot or changes, from the floor's shared copy when
 * it covers exactly what this client needs. 1 when sent, 0 when there was
 * nothing to send, -1 when the connection must close. */
static int
send_floor_positions(struct lws *wsi, struct app *a,
                     const struct live_pss *p, int64_t now)
{
	struct live_floor *lf = &a->live_floors[p->floor_ix];
	bool snap = p->snapshot_due;
	int v = sees_people(p);
	struct shared_msg *m = snap ? &lf->snapshot[v] : &lf->positions[v];
	uint64_t from = snap ? 0 : p->pos_seq;

	/* A snapshot carries ages ("stale"): reused for a second at most. */
	if (!m->buf || m->from != from || m->to != a->live.seq ||
	    (snap && now - m->built_us > 1000000)) {
		json_t *doc = positions_json(a, p, snap, from);

		if (!snap && json_array_size(json_object_get(doc, "tags")) ==
		                     0 && !json_object_get(doc, "gone")) {
			json_decref(doc);
			return 0;
		}
		if (!shared_set(m, doc, from, a->live.seq))
			return -1;
	}
	return send_shared(wsi, m) ? 1 : -1;
}

static int
send_tag_positions(struct lws *wsi, struct app *a, const struct live_pss *p)
{
	json_t *doc = positions_json(a, p, p->snapshot_due, p->pos_seq);

	if (!p->snapshot_due &&
	    json_array_size(json_object_get(doc, "tags")) == 0) {
		json_decref(doc);
		return 0;
	}
	return ws_send_json(wsi, doc) ? 1 : -1;
}

/* Write one message: an error, the snapshot, changed positions, or the
 * next event, in that order; ask to write again while more is due. */
static int
live_write(struct lws *wsi, struct app *a, struct live_pss *p)
{
	int64_t now = app_now_us();

	if (p->error) {
		bool ok = ws_send_text(wsi, p->error);

		free(p->error);
		p->error = NULL;
		lws_callback_on_writable(wsi);
		return ok ? 0 : -1;
	}
	if (!p->subscribed)
		return 0;
	/* Alarms first, to every watcher who may answer them: open ones on
	 * arrival, then every change (a new press, a new position, the
	 * acknowledgement). */
	if ((p->who.perms & PERM_ALARMS) &&
	    !(p->snapshot_due && p->early_alarms >= ALARMS_BEFORE_SNAPSHOT)) {
		const struct alarm *next = NULL;

		for (size_t i = 0; i < a->alarms.n; i++) {
			const struct alarm *al = &a->alarms.list[i];

			if (al->seq <= p->alarm_seq ||
			    (!al->open && al->seq <= p->alarm_base))
				continue;
			if (!next || al->seq < next->seq)
				next = al;
		}
		if (next) {
			p->alarm_seq = next->seq;
			p->early_alarms += p->snapshot_due;
			if (!ws_send_json(wsi, json_pack("{s:s, s:o}", "type",
			                              "alarm", "alarm",
			                              app_alarm_json(a, next))))
				return -1;
			lws_callback_on_writable(wsi);
			return 0;
		}
		p->alarm_seq = a->alarms.seq;
	}
	if (p->snapshot_due || (p->pos_seq < a->live.seq &&
	                        now - p->last_positions_us >= MIN_GAP_US)) {
		int w = p->floor[0] ? send_floor_positions(wsi, a, p, now)
		                    : send_tag_positions(wsi, a, p);

		p->snapshot_due = false;
		p->pos_seq = a->live.seq;
		p->last_positions_us = now;
		if (w < 0)
			return -1;
		if (w > 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	if (p->floor[0] && p->stats_seq < a->stats_seq) {
		const struct shared_msg *m = &a->live_floors[p->floor_ix].stats;

		p->stats_seq = a->stats_seq;
		if (m->buf) {
			if (!send_shared(wsi, m))
				return -1;
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	/* A client that fell behind the ring skips to what is still kept. */
	if (a->ev_seq - p->ev_seq >= EVENT_RING)
		p->ev_seq = a->ev_seq - EVENT_RING + 1;
	while (p->ev_seq < a->ev_seq) {
		const struct live_event *le =
			&a->events[++p->ev_seq % EVENT_RING];

		if (!event_wanted(a, p, &le->ev))
			continue;
		if (!ws_send_json(wsi, event_json(&le->ev)))
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (p->pos_seq < a->live.seq)
		/* Positions are due but too soon: come back after the gap. */
		lws_set_timer_usecs(wsi, MIN_GAP_US);
	return 0;
}

int
live_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
	struct live_pss *p = user;
	struct app *a;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		a = ws_app(wsi);
		/* Not counted yet: a refused handshake still ends in CLOSED. */
		memset(p, 0, sizeof *p);
		{
			char why[200];

			if (!origin_allowed(wsi, a->allow_origin, why,
			                    sizeof why)) {
				log_warn("live client refused: %s\n", why);
				return handshake_refuse(wsi, 403, "forbidden",
				                        why);
			}
		}
		if (a->live_clients >= (unsigned long)a->max_clients) {
			a->live_refused++;
			log_warn("live client refused: %ld clients already\n",
			         a->max_clients);
			return handshake_refuse(wsi, 503, "unavailable",
			                        "too many live clients "
			                        "(--max-clients)");
		}
		/* Who it is, while the handshake's headers are at hand. */
		caller_of(ws_app(wsi), wsi, &p->who);
		if (!p->who.known || !(p->who.perms & PERM_ASSETS)) {
			log_warn("live client from %s refused: %s\n",
			         p->who.peer,
			         p->who.known ? "role may not watch positions"
			                      : "no valid token");
			return p->who.known
			       ? handshake_refuse(wsi, 403, "forbidden",
			                          "this role may not watch "
			                          "positions")
			       : handshake_refuse(wsi, 401, "unauthorized",
			                          "send a token: ?token=<token> "
			                          "or Authorization: Bearer");
		}
		return 0;

	case LWS_CALLBACK_ESTABLISHED: {
		struct caller who = p->who;

		a = ws_app(wsi);
		memset(p, 0, sizeof *p);
		p->who = who;
		p->pos_seq = a->live.seq;
		p->ev_seq = a->ev_seq;
		p->alarm_base = a->alarms.seq;
		/* The newest head counts come right after the snapshot. */
		p->stats_seq = a->stats_seq ? a->stats_seq - 1 : 0;
		p->counted = true;
		a->live_clients++;
		return 0;
	}

	case ACCESS_RECHECK:
		if (!p->counted || p->ending ||
		    (access_recheck(ws_app(wsi), &p->who, app_now_us()) &&
		     (p->who.perms & PERM_ASSETS)))
			return 0;
		ws_end_for_access(wsi, &p->ending, &p->who, "live stream");
		return 0;

	case LWS_CALLBACK_RECEIVE:
		/* Subscriptions are small: a fragmented one is refused. */
		if (p->ending || !lws_is_first_fragment(wsi) ||
		    !lws_is_final_fragment(wsi))
			return 0;
		subscribe(ws_app(wsi), p, in, len);
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_TIMER:
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->ending)
			return -1; /* sends the close frame lws_close_reason set */
		/* A stalled client: skip this turn rather than pile up. */
		if (lws_send_pipe_choked(wsi))
			return 0;
		return live_write(wsi, ws_app(wsi), p);

	case LWS_CALLBACK_CLOSED:
		a = ws_app(wsi);
		if (!p)
			return 0;
		/* Only what ESTABLISHED counted: refused handshakes close too,
		 * and must not free a place they never took. */
		if (p->counted && a->live_clients)
			a->live_clients--;
		p->counted = false;
		free(p->error);
		p->error = NULL;
		return 0;

	default:
		return 0;
	}
}

/* ---- shared per-floor state --------------------------------------------- */

int
live_init(struct app *a)
{
	const track_site *site = track_site_engine(a->site);

	a->live_floors = calloc(site->n_floors, sizeof *a->live_floors);
	return a->live_floors ? 0 : -1;
}

void
live_free(struct app *a)
{
	const track_site *site = track_site_engine(a->site);

	for (size_t f = 0; a->live_floors && f < site->n_floors; f++) {
		for (int v = 0; v < 2; v++) {
			free(a->live_floors[f].snapshot[v].buf);
			free(a->live_floors[f].positions[v].buf);
		}
		free(a->live_floors[f].stats.buf);
	}
	free(a->live_floors);
	a->live_floors = NULL;
}

/* Head counts per zone of floor f: located tags that are not stale. */
static json_t *
stats_json(const struct app *a, size_t f, int64_t now)
{
	const track_site *site = track_site_engine(a->site);
	const char *floor = site->floors[f].id;
	json_t *zones = json_array();
	size_t *count = calloc(site->n_zones ? site->n_zones : 1,
	                       sizeof *count);
	size_t on_floor = 0;

	for (size_t i = 0; count && i < a->live.n; i++) {
		const track_position *pos = &a->live.tags[i].pos;
		int64_t seen = a->live.tags[i].seen_us;

		if (!pos->floor || strcmp(pos->floor, floor) != 0 ||
		    now - seen > STALE_US)
			continue;
		on_floor++;
		for (size_t z = 0; pos->zone && z < site->n_zones; z++)
			if (strcmp(site->zones[z].id, pos->zone) == 0)
				count[z]++;
	}
	for (size_t z = 0; count && z < site->n_zones; z++)
		if (strcmp(site->zones[z].floor, floor) == 0)
			json_array_append_new(
				zones, json_pack("{s:s, s:I}", "id",
				                 site->zones[z].id, "count",
				                 (json_int_t)count[z]));
	free(count);
	return json_pack("{s:s, s:f, s:s, s:o, s:I}", "type", "stats", "t",
	                 (double)now * 1e-6, "floor", floor, "zones", zones,
	                 "tags", (json_int_t)on_floor);
}

void
live_update(struct app *a)
{
	const track_site *site = track_site_engine(a->site);
	int64_t now = app_now_us();

	if (now < a->stats_next_us)
		return;
	a->stats_next_us = now + STATS_EVERY_US;
	for (size_t f = 0; f < site->n_floors; f++)
		shared_set(&a->live_floors[f].stats, stats_json(a, f, now), 0, 0);
	a->stats_seq++;
}
