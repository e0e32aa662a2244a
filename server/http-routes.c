/* The REST API's GET routes (/api/v1/..., /healthz, /metrics): which
 * path answers what, for which role, and what is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-private.h"
#include "floorimg.h"
#include "metrics.h"
#include "mqtt-ingest.h"
#include "peers.h"
#include "persist.h"
#include "reports.h"

/* The site file; its roster of people (names, wards, beds) only for roles
 * that may see people, and audited then: the others get it without
 * them, as every other answer. */
static void
get_site(struct app *a, struct http_pss *p)
{
	bool people = p->who.perms & PERM_PEOPLE;
	const char *text = people ? a->site_text : a->site_text_assets;
	size_t len = people ? a->site_len : strlen(a->site_text_assets);
	char *body = malloc(len + 1);

	if (!body) {
		http__reply_error(p, 500, "out of memory", "site");
		return;
	}
	memcpy(body, text, len);
	body[len] = '\0';
	if (people && a->site_people)
		access_audit(a, &p->who, "site", "*", app_now_us());
	http__reply_text(p, 200, "application/json", body);
}

static void
get_tags(struct app *a, struct http_pss *p)
{
	bool people = p->who.perms & PERM_PEOPLE, any_person = false;
	json_t *list = json_array();

	for (size_t i = 0; i < a->live.n; i++) {
		bool person = a->live.tags[i].pos.kind != TRACK_TAG_ASSET;

		if (person && !people)
			continue;
		any_person |= person;
		json_array_append_new(list, app_tag_json(a, &a->live.tags[i]));
	}
	if (any_person)
		access_audit(a, &p->who, "positions", "*",
		             app_now_us());
	http__reply_json(p, 200, json_pack("{s:o}", "tags", list));
}

static void
get_tag(struct app *a, struct http_pss *p, const char *id)
{
	const struct live_tag *t = livetable_find(&a->live, id);

	/* The caller may (route_get checked): the look-up is recorded. */
	if (app_is_person(a, id))
		access_audit(a, &p->who, "position", id,
		             app_now_us());
	if (!t) {
		http__reply_error(p, 404, "not found",
		                  "no tag with this id has been located");
		return;
	}
	http__reply_json(p, 200, app_tag_json(a, t));
}

static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static void
get_search(struct app *a, struct lws *wsi, struct http_pss *p)
{
	char arg[128];
	const char *q = lws_get_urlarg_by_name(wsi, "q=", arg,
	                                       (int)sizeof arg);
	const track_site_tag *tags;
	size_t n = track_site_tags(a->site, &tags);
	json_t *list;

	if (!q || !*q) {
		http__reply_error(p, 400, "bad request",
		                  "give the text to look for as ?q=");
		return;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!contains_nocase(tags[i].id, q) &&
		    !contains_nocase(tags[i].name, q))
			continue;
		if (tags[i].kind != TRACK_TAG_ASSET &&
		    !(p->who.perms & PERM_PEOPLE))
			continue;
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s, s:s}", "id",
			                tags[i].id, "name", tags[i].name, "kind",
			                tags[i].kind == TRACK_TAG_PERSON
			                        ? "person"
			                        : "asset",
			                "category", tags[i].category));
	}
	http__reply_json(p, 200, json_pack("{s:o}", "tags", list));
}

static void
get_metrics(struct app *a, struct http_pss *p)
{
	char *b = metrics_text(a);

	if (!b) {
		http__reply_error(p, 500, "out of memory", "metrics");
		return;
	}
	http__reply_text(p, 200, "text/plain; version=0.0.4", b);
}

static void
get_alarms(struct app *a, struct http_pss *p)
{
	json_t *list = json_array();

	for (size_t i = a->alarms.n; i-- > 0;)
		json_array_append_new(list, app_alarm_json(a, &a->alarms.list[i]));
	http__reply_json(p, 200, json_pack("{s:o}", "alarms", list));
}

/* /api/v1/tags/{id}: one more segment, not empty. */
static bool
is_tag_path(const char *path)
{
	size_t n = strlen(path);

	return n > 13 && memcmp(path, "/api/v1/tags/", 13) == 0 &&
	       memchr(path + 13, '/', n - 13) == NULL;
}

/* /api/v1/site/floors/{id}/image: the id into id (size TRACK_ID_MAX). */
static bool
is_image_path(const char *path, char *id)
{
	static const char pre[] = "/api/v1/site/floors/", suf[] = "/image";
	size_t n = strlen(path), k;

	if (n <= sizeof pre - 1 + sizeof suf - 1 ||
	    strncmp(path, pre, sizeof pre - 1) != 0 ||
	    strcmp(path + n - (sizeof suf - 1), suf) != 0)
		return false;
	k = n - (sizeof pre - 1) - (sizeof suf - 1);
	if (k >= TRACK_ID_MAX || memchr(path + sizeof pre - 1, '/', k))
		return false;
	memcpy(id, path + sizeof pre - 1, k);
	id[k] = '\0';
	return true;
}

static void
get_floor_image(struct app *a, struct http_pss *p, const char *floor)
{
	const struct floor_image *img = floorimg_get(a, floor);

	if (!img) {
		http__reply_error(p, 404, "no drawing for this floor", floor);
		return;
	}
	http__reply_bytes(p, 200, img->ctype, img->data, img->len);
	p->sandbox = true;
}

/* Who the caller is: the web page asks this to know what to show. While
 * no token exists everyone is an admin. peers: where the page goes when
 * this trackd goes away. */
static void
get_whoami(struct app *a, struct http_pss *p)
{
	json_t *doc;

	if (!http__allow(p, 0))
		return;
	doc = json_pack("{s:s, s:s?, s:b, s:o}", "role", p->who.role, "name",
	                p->who.token || p->who.subject[0] ? p->who.name : NULL,
	                "auth_required", access_required(a, app_now_us()),
	                "peers", peers_json(a->peer));
	/* A person signed in with the OpenID provider: who, and how. */
	if (doc && p->who.subject[0]) {
		json_object_set_new(doc, "subject", json_string(p->who.subject));
		json_object_set_new(doc, "session",
		                    json_boolean(p->who.session != 0));
	}
	http__reply_json(p, 200, doc);
}

/* /api/v1/tags/{id}/history: the id into id (size TRACK_ID_MAX). */
static bool
is_history_path(const char *path, char *id)
{
	const char *s = path + 13, *slash;

	if (strncmp(path, "/api/v1/tags/", 13) != 0 ||
	    !(slash = strchr(s, '/')) || slash == s ||
	    strcmp(slash, "/history") != 0 || slash - s >= TRACK_ID_MAX)
		return false;
	memcpy(id, s, (size_t)(slash - s));
	id[slash - s] = '\0';
	return true;
}

/* /healthz: 200 even when the database cannot be written or the broker
 * cannot be reached. trackd still locates tags, streams them and raises
 * alarms then, and a probe that restarted it on 503 would lose the rows
 * it keeps to retry; a monitor sees "degraded" and the error in the
 * body. */
static void
get_health(struct app *a, struct http_pss *p)
{
	struct mqtt_ingest_stats mq = mqtt_ingest_stats(a);
	json_t *h;

	if (!a->store)
		h = json_pack("{s:s}", "status", "ok");
	else if (!a->db_degraded)
		h = json_pack("{s:s, s:s}", "status", "ok", "db", "ok");
	else
		h = json_pack("{s:s, s:s, s:I, s:I}", "status", "degraded",
		              "db", a->db_error, "pending_rows",
		              (json_int_t)persist_pending_rows(a),
		              "dropped", (json_int_t)a->batch.dropped);
	/* A pair: which of the two writes the history. */
	if (h && a->store && a->db_shared)
		json_object_set_new(h, "history",
		                    json_string(persist_writes_history(a)
		                                ? "written here"
		                                : "written by another trackd"));
	/* With --mqtt, reports may come only through the broker: without
	 * it the map goes stale. */
	if (h && mq.on) {
		json_object_set_new(h, "mqtt", json_string(mq.state));
		if (!mq.connected)
			json_object_set_new(h, "status", json_string("degraded"));
	}
	http__reply_json(p, 200, h);
}

static void
reply_report(struct http_pss *p, struct report r)
{
	if (r.status >= 400)
		http__reply_error(p, r.status, r.error, r.detail ? r.detail : "");
	else if (r.csv)
		http__reply_text(p, r.status, "text/csv", r.csv);
	else if (r.paged.next) {
		http__reply_text(p, r.status, r.paged.ctype, NULL);
		p->pg = r.paged;
		p->more = true;
	} else
		http__reply_json(p, r.status, r.json);
}

/* The value of name= in wsi's query string (struct request's arg). */
static const char *
url_arg(void *wsi, const char *name, char *buf, size_t len)
{
	return lws_get_urlarg_by_name(wsi, name, buf, (int)len);
}

void
http__route_get(struct app *a, struct lws *wsi, struct http_pss *p)
{
	/* A copy of known size: GCC's sanitizer build cannot see the size
	 * of the lws-allocated session and warns on every string read. */
	char path[sizeof p->path], id[TRACK_ID_MAX];
	const struct request rq = { url_arg, wsi, app_now_us() };

	memcpy(path, p->path, sizeof path);

	if (strcmp(path, "/healthz") == 0)
		get_health(a, p);
	else if (strcmp(path, "/metrics") == 0) {
		if (http__allow(p, PERM_METRICS))
			get_metrics(a, p);
	} else if (strcmp(path, "/api/v1/whoami") == 0)
		get_whoami(a, p);
	else if (http__oidc_get(a, wsi, p, path))
		return;
	else if (!http__allow(p, 0))
		return;
	else if (strcmp(path, "/api/v1/site") == 0) {
		if (http__allow(p, PERM_SITE))
			get_site(a, p);
	} else if (is_image_path(path, id)) {
		if (http__allow(p, PERM_SITE))
			get_floor_image(a, p, id);
	} else if (strcmp(path, "/api/v1/tags") == 0) {
		if (http__allow(p, PERM_ASSETS))
			get_tags(a, p);
	} else if (is_tag_path(path)) {
		if (!app_is_person(a, path + 13) ? http__allow(p, PERM_ASSETS)
		    : http__allow_person(a, p, PERM_ASSETS | PERM_PEOPLE,
		                         "position", path + 13))
			get_tag(a, p, path + 13);
	} else if (is_history_path(path, id)) {
		bool person = app_is_person(a, id);

		if (!person ? http__allow(p, PERM_ASSETS)
		    : http__allow_person(a, p, PERM_HISTORY, "history", id)) {
			if (person)
				access_audit(a, &p->who, "history", id,
				             rq.now_us);
			reply_report(p, reports_history(a, &rq, id));
		}
	} else if (strcmp(path, "/api/v1/history") == 0) {
		/* Assets for any who may see them; the people on it as well
		 * for those who may see a person's history: who looked at
		 * which floor's people over which window is audited. */
		if (http__allow(p, PERM_ASSETS)) {
			char whom[TRACK_ID_MAX + 64] = "";
			struct report r = reports_floor_history(
				a, &rq, p->who.perms & PERM_HISTORY, whom,
				sizeof whom);

			if (whom[0])
				access_audit(a, &p->who, "floor-history",
				             whom, rq.now_us);
			reply_report(p, r);
		}
	} else if (strcmp(path, "/api/v1/events") == 0) {
		/* Whom: the tag asked for, or everyone. */
		const char *whom = query_arg(&rq, "tag=", id, sizeof id) ? id
		                                                        : "*";

		if (http__allow_person(a, p, PERM_HISTORY, "events", whom)) {
			access_audit(a, &p->who, "events", whom,
			             rq.now_us);
			reply_report(p, reports_events(a, &rq));
		}
	} else if (strcmp(path, "/api/v1/search") == 0) {
		if (http__allow(p, PERM_ASSETS))
			get_search(a, wsi, p);
	} else if (strcmp(path, "/api/v1/alarms") == 0) {
		if (http__allow(p, PERM_ALARMS)) {
			if (a->alarms.n)
				access_audit(a, &p->who, "alarms", "*",
				             rq.now_us);
			get_alarms(a, p);
		}
	} else if (strncmp(path, "/api/v1/reports/", 16) == 0) {
		if (http__allow(p, PERM_REPORTS))
			reply_report(p, reports_get(a, &rq, path + 16));
	} else if (strcmp(path, "/api/v1/audit") == 0) {
		if (http__allow(p, PERM_ADMIN))
			reply_report(p, reports_audit(a, &rq));
	} else
		http__reply_error(p, 404, "not found", path);
}
