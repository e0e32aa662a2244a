/*
 * trackbridge --ha: each tag's zone, learnt from trackd's live stream
 * (track-live.v1, one connection per floor of the site), published back
 * to MQTT in Home Assistant's discovery form, so that a tag shows up in
 * Home Assistant as a device tracker whose state is its room:
 *
 *   <ha_prefix>/device_tracker/<object id>/config   (retained, once a tag)
 *     {"name":..., "unique_id":"libtrack_<object id>",
 *      "state_topic":"<state_prefix>/<object id>/state",
 *      "source_type":"bluetooth_le"}
 *   <state_prefix>/<object id>/state                (retained)
 *     the zone's name, or "not_home" outside every zone
 *
 * The object id is the tag id with every character Home Assistant does
 * not take in one ([A-Za-z0-9_-]) made '_'.
 */
#include "trackbridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-client.h"

#define RETRY_US (2 * LWS_US_PER_SEC)
#define MAX_MESSAGE (4 << 20)

struct ha_tag {
	char *id;
	char *state;            /* last published */
	bool announced;
};

struct floor_conn {
	struct ha *h;
	const char *floor;      /* in the site document */
	struct lws *wsi;
	bool subscribed;
	lws_sorted_usec_list_t retry;
	char *rx;
	size_t rx_len, rx_cap;
};

struct ha {
	struct lws_context *ctx;
	struct ws_url url;
	char path[1024];        /* the live stream's path, with ?token= */
	json_t *site;
	struct mosquitto *m;
	const char *ha_prefix, *state_prefix;
	bool quiet, halted;
	struct floor_conn *floors;
	size_t n_floors;
	struct ha_tag *tags;
	size_t n_tags, cap_tags;
};

static void
object_id(const char *tag, char *out, size_t size)
{
	size_t n = 0;

	for (; *tag && n + 1 < size; tag++) {
		char c = *tag;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';

		out[n++] = ok ? c : '_';
	}
	out[n] = '\0';
}

/* name of the element of site list `list` whose id is id, or id. */
static const char *
site_name(const json_t *site, const char *list, const char *id)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(site, list), i, o) {
		const char *oid = json_string_value(json_object_get(o, "id"));
		const char *name = json_string_value(json_object_get(o,
								     "name"));

		if (oid && strcmp(oid, id) == 0)
			return name ? name : id;
	}
	return id;
}

static struct ha_tag *
find_tag(struct ha *h, const char *id)
{
	struct ha_tag *t;

	for (size_t i = 0; i < h->n_tags; i++) {
		if (strcmp(h->tags[i].id, id) == 0)
			return &h->tags[i];
	}
	if (h->n_tags == h->cap_tags) {
		size_t cap = h->cap_tags ? 2 * h->cap_tags : 64;
		struct ha_tag *v = realloc(h->tags, cap * sizeof *v);

		if (!v)
			return NULL;
		h->tags = v;
		h->cap_tags = cap;
	}
	t = &h->tags[h->n_tags];
	memset(t, 0, sizeof *t);
	t->id = strdup(id);
	if (!t->id)
		return NULL;
	h->n_tags++;
	return t;
}

static void
publish(struct ha *h, struct ha_tag *t)
{
	char obj[128], topic[512], state_topic[512];
	json_t *cfg;
	char *text;

	object_id(t->id, obj, sizeof obj);
	snprintf(state_topic, sizeof state_topic, "%s/%s/state",
		 h->state_prefix, obj);
	if (!t->announced) {
		snprintf(topic, sizeof topic, "%s/device_tracker/%s/config",
			 h->ha_prefix, obj);
		cfg = json_pack("{s:s, s:s+, s:s, s:s}", "name",
				site_name(h->site, "tags", t->id), "unique_id",
				"libtrack_", obj, "state_topic", state_topic,
				"source_type", "bluetooth_le");
		text = cfg ? json_dumps(cfg, JSON_COMPACT) : NULL;
		if (text && mosquitto_publish(h->m, NULL, topic,
					      (int)strlen(text), text, 1,
					      true) == MOSQ_ERR_SUCCESS)
			t->announced = true;
		free(text);
		json_decref(cfg);
	}
	mosquitto_publish(h->m, NULL, state_topic, (int)strlen(t->state),
			  t->state, 1, true);
}

/* One tag object of a snapshot or positions message. */
static void
take_tag(struct ha *h, const json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *zone = json_string_value(json_object_get(o, "zone"));
	const char *state;
	struct ha_tag *t;
	char *s;

	if (!id)
		return;
	state = zone ? site_name(h->site, "zones", zone) : "not_home";
	t = find_tag(h, id);
	if (!t || (t->state && strcmp(t->state, state) == 0))
		return;
	s = strdup(state);
	if (!s)
		return;
	free(t->state);
	t->state = s;
	publish(h, t);
}

static void
take_message(struct ha *h, const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	const char *type = json_string_value(json_object_get(doc, "type"));
	const json_t *o;
	size_t i;

	if (type && (strcmp(type, "snapshot") == 0 ||
		     strcmp(type, "positions") == 0)) {
		json_array_foreach(json_object_get(doc, "tags"), i, o)
			take_tag(h, o);
	}
	json_decref(doc);
}

void
ha_republish(struct ha *h)
{
	for (size_t i = 0; i < h->n_tags; i++) {
		h->tags[i].announced = false;
		if (h->tags[i].state)
			publish(h, &h->tags[i]);
	}
}

/* ---- the live connections ------------------------------------------------ */

static void
connect_cb(lws_sorted_usec_list_t *sul)
{
	struct floor_conn *f = lws_container_of(sul, struct floor_conn, retry);
	struct ha *h = f->h;
	struct lws_client_connect_info i;

	memset(&i, 0, sizeof i);
	i.context = h->ctx;
	i.address = h->url.host;
	i.port = h->url.port;
	i.path = h->path;
	i.host = h->url.hostport;
	i.protocol = "track-live.v1";
	i.local_protocol_name = "track-live.v1";
	i.opaque_user_data = f;
	i.pwsi = &f->wsi;
	if (!lws_client_connect_via_info(&i)) {
		f->wsi = NULL;
		lws_sul_schedule(h->ctx, 0, &f->retry, connect_cb, RETRY_US);
	}
}

static void
lost(struct floor_conn *f)
{
	f->wsi = NULL;
	f->subscribed = false;
	f->rx_len = 0;
	if (!f->h->halted)
		lws_sul_schedule(f->h->ctx, 0, &f->retry, connect_cb,
				 RETRY_US);
}

int
ha_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	    void *in, size_t len)
{
	struct floor_conn *f;
	unsigned char buf[LWS_PRE + 512];
	json_t *sub;
	char *text;
	size_t n;

	(void)user;
	f = ws_client_owner(wsi, reason);
	if (!f)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (f->subscribed)
			return 0;
		sub = json_pack("{s:{s:s}}", "subscribe", "floor", f->floor);
		text = sub ? json_dumps(sub, JSON_COMPACT) : NULL;
		json_decref(sub);
		n = text ? strlen(text) : 0;
		if (!text || n > sizeof buf - LWS_PRE) {
			free(text);
			return -1;
		}
		memcpy(buf + LWS_PRE, text, n);
		free(text);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		f->subscribed = true;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (f->rx_len + len + 1 > f->rx_cap) {
			size_t cap = 2 * (f->rx_len + len + 1);
			char *p = cap > MAX_MESSAGE ? NULL : realloc(f->rx, cap);

			if (!p)
				return -1;
			f->rx = p;
			f->rx_cap = cap;
		}
		memcpy(f->rx + f->rx_len, in, len);
		f->rx_len += len;
		if (lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi)) {
			take_message(f->h, f->rx, f->rx_len);
			f->rx_len = 0;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		lost(f);
		return 0;
	default:
		return 0;
	}
}

/* ---- life ---------------------------------------------------------------- */

int
ha_create(struct lws_context *ctx, const char *url, const char *token,
	  json_t *site, struct mosquitto *m, const char *ha_prefix,
	  const char *state_prefix, bool quiet, struct ha **out)
{
	const json_t *fl;
	struct ha *h;
	size_t i;

	h = calloc(1, sizeof *h);
	if (!h)
		goto oom;
	if (ingest_url_parse(url, &h->url)) {
		ha_destroy(h);
		return -1;  /* checked when the ingest client was made */
	}
	/* A browser's way to pass the token, which trackd's live stream
	 * takes from any client: the URL. */
	{
		int n = token ? snprintf(h->path, sizeof h->path,
		                         "%s%ctoken=%s", h->url.path,
		                         strchr(h->url.path, '?') ? '&' : '?',
		                         token)
		              : snprintf(h->path, sizeof h->path, "%s",
		                         h->url.path);

		if (n < 0 || (size_t)n >= sizeof h->path) {
			fprintf(stderr, "trackbridge: --ha-token: too long\n");
			ha_destroy(h);
			return -1;
		}
	}
	h->ctx = ctx;
	h->site = site;
	h->m = m;
	h->ha_prefix = ha_prefix;
	h->state_prefix = state_prefix;
	h->quiet = quiet;
	h->n_floors = json_array_size(json_object_get(site, "floors"));
	h->floors = calloc(h->n_floors ? h->n_floors : 1, sizeof *h->floors);
	if (!h->floors)
		goto oom;
	json_array_foreach(json_object_get(site, "floors"), i, fl) {
		struct floor_conn *f = &h->floors[i];

		f->h = h;
		f->floor = json_string_value(json_object_get(fl, "id"));
		if (!f->floor || strlen(f->floor) > 200) {
			fprintf(stderr, "trackbridge: site floors[%zu]: no "
				"usable id\n", i);
			ha_destroy(h);
			return -1;
		}
		lws_sul_schedule(ctx, 0, &f->retry, connect_cb, 1);
	}
	*out = h;
	return 0;
oom:
	fprintf(stderr, "trackbridge: out of memory\n");
	ha_destroy(h);
	return -1;
}

void
ha_halt(struct ha *h)
{
	if (!h)
		return;
	h->halted = true;
	for (size_t i = 0; i < h->n_floors; i++)
		lws_sul_cancel(&h->floors[i].retry);
}

void
ha_destroy(struct ha *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_floors; i++)
		free(h->floors[i].rx);
	for (size_t i = 0; i < h->n_tags; i++) {
		free(h->tags[i].id);
		free(h->tags[i].state);
	}
	free(h->floors);
	free(h->tags);
	free(h);
}
