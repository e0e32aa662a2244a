/* The REST API (/api/v1/...), /healthz and /metrics. Every answer is built
 * whole (or, for large reports, a piece at a time: paged.h), then written
 * in chunks as the connection takes them; errors are
 * JSON ({"error": ..., "detail": ...}) with the HTTP status, never HTML. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "alarms.h"
#include "app.h"
#include "floorimg.h"
#include "metrics.h"
#include "origin.h"
#include "reports.h"
#include "webhook.h"

#define CHUNK 16384

struct http_pss {
	char path[256];
	bool post;
	char *body;          /* POST body so far */
	size_t body_len;
	bool body_too_big;
	int refused;         /* a POST refused before its body: the status */
	char why[200];       /* and why */
	char *resp;          /* the answer's body, or its piece being sent */
	size_t resp_len, resp_sent;
	struct paged pg;     /* the rest of an answer made in pieces */
	bool more;           /* pg has more pieces */
	bool sandbox;        /* a drawing: no scripts if opened on its own */
	struct caller who;
	int status;
	const char *ctype;
};

size_t
http_pss_size(void)
{
	return sizeof(struct http_pss);
}

static struct app *
app_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void
reply_text(struct http_pss *p, int status, const char *ctype, char *body)
{
	free(p->resp);
	p->resp = body;
	p->resp_len = body ? strlen(body) : 0;
	p->resp_sent = 0;
	p->status = status;
	p->ctype = ctype;
}

/* A copy of len bytes, for answers that are not text. */
static void
reply_bytes(struct http_pss *p, int status, const char *ctype,
            const char *data, size_t len)
{
	char *copy = malloc(len ? len : 1);

	free(p->resp);
	p->resp = copy;
	p->resp_len = copy ? len : 0;
	p->resp_sent = 0;
	p->status = copy ? status : 500;
	p->ctype = ctype;
	if (copy)
		memcpy(copy, data, len);
}

static void
reply_json(struct http_pss *p, int status, json_t *doc)
{
	reply_text(p, status, "application/json",
	           json_dumps(doc, JSON_OUT));
	json_decref(doc);
}

static void
reply_error(struct http_pss *p, int status, const char *error,
            const char *detail)
{
	reply_json(p, status, json_pack("{s:s, s:s}", "error", error,
	                                "detail", detail));
}

/* ---- access --------------------------------------------------------------- */

/* May the caller do what perm allows? If not, the answer (401 without a
 * valid token, 403 with one whose role does not allow it) is set. */
static bool
allow(struct http_pss *p, unsigned perm)
{
	char detail[160];

	if (!p->who.known) {
		reply_error(p, 401, "unauthorized",
		            "send a token: Authorization: Bearer <token>");
		return false;
	}
	if ((p->who.perms & perm) != perm) {
		snprintf(detail, sizeof detail, "the %s role may not do this",
		         p->who.role);
		reply_error(p, 403, "forbidden", detail);
		return false;
	}
	return true;
}

/* allow() for a look-up of a person (whom): a refusal is audited too, so
 * that the trail shows who tried to find someone, not only who did. */
static bool
allow_person(struct app *a, struct http_pss *p, unsigned perm,
             const char *action, const char *whom)
{
	char refused[64];

	if (allow(p, perm))
		return true;
	snprintf(refused, sizeof refused, "%s refused", action);
	access_audit(a, &p->who, refused, whom);
	return false;
}

/* ---- GET handlers ------------------------------------------------------- */

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
		reply_error(p, 500, "out of memory", "site");
		return;
	}
	memcpy(body, text, len);
	body[len] = '\0';
	if (people && a->site_people)
		access_audit(a, &p->who, "site", "*");
	reply_text(p, 200, "application/json", body);
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
		access_audit(a, &p->who, "positions", "*");
	reply_json(p, 200, json_pack("{s:o}", "tags", list));
}

static void
get_tag(struct app *a, struct http_pss *p, const char *id)
{
	const struct live_tag *t = livetable_find(&a->live, id);

	/* The caller may (route_get checked): the look-up is recorded. */
	if (app_is_person(a, id))
		access_audit(a, &p->who, "position", id);
	if (!t) {
		reply_error(p, 404, "not found",
		            "no tag with this id has been located");
		return;
	}
	reply_json(p, 200, app_tag_json(a, t));
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
		reply_error(p, 400, "bad request",
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
	reply_json(p, 200, json_pack("{s:o}", "tags", list));
}

static void
get_metrics(struct app *a, struct http_pss *p)
{
	char *b = metrics_text(a);

	if (!b) {
		reply_error(p, 500, "out of memory", "metrics");
		return;
	}
	reply_text(p, 200, "text/plain; version=0.0.4", b);
}

static void
get_alarms(struct app *a, struct http_pss *p)
{
	json_t *list = json_array();

	for (size_t i = a->alarms.n; i-- > 0;)
		json_array_append_new(list, app_alarm_json(a, &a->alarms.list[i]));
	reply_json(p, 200, json_pack("{s:o}", "alarms", list));
}

/* POST /api/v1/alarms/{id}/ack with {"by": "who"}. */
static void
post_ack(struct app *a, struct http_pss *p, const char *rest)
{
	char *end;
	unsigned long long id = strtoull(rest, &end, 10);
	json_t *doc, *by;
	struct alarm *al;

	if (end == rest || strcmp(end, "/ack") != 0) {
		reply_error(p, 404, "not found", p->path);
		return;
	}
	al = alarms_find(&a->alarms, id);
	if (!al) {
		reply_error(p, 404, "not found", "no such alarm");
		return;
	}
	doc = json_loadb(p->body ? p->body : "", p->body_len, 0, NULL);
	by = json_object_get(doc, "by");
	if (!json_is_string(by) || !json_string_length(by)) {
		json_decref(doc);
		reply_error(p, 400, "bad request",
		            "expected {\"by\": \"who acknowledges\"}");
		return;
	}
	switch (app_alarm_ack(a, al, json_string_value(by),
	                  p->who.token ? p->who.name : "")) {
	case 0:
		/* Who it was is the token; "by" is only the note they typed. */
		access_audit(a, &p->who, "acknowledge", al->tag);
		break;
	case 1:
		json_decref(doc);
		reply_error(p, 409, "conflict", "already acknowledged");
		return;
	default:
		/* Not stored, so not acknowledged: the caller may retry. */
		json_decref(doc);
		reply_error(p, 503, "storage error", a->db_error);
		return;
	}
	json_decref(doc);
	reply_json(p, 200, app_alarm_json(a, al));
	lws_callback_on_writable_all_protocol(
		a->context,
		lws_vhost_name_to_protocol(lws_get_vhost_by_name(a->context,
		                                                 "trackd"),
		                           "track-live.v1"));
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
		reply_error(p, 404, "no drawing for this floor", floor);
		return;
	}
	reply_bytes(p, 200, img->ctype, img->data, img->len);
	p->sandbox = true;
}

/* Who the caller is: the web page asks this to know what to show. While
 * no token exists everyone is an admin. */
static void
get_whoami(struct app *a, struct http_pss *p)
{
	if (!allow(p, 0))
		return;
	reply_json(p, 200, json_pack("{s:s, s:s?, s:b}", "role", p->who.role,
	                             "name",
	                             p->who.token ? p->who.name : NULL,
	                             "auth_required", access_required(a)));
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

/* /healthz: 200 even when the database cannot be written. trackd still
 * locates tags, streams them and raises alarms then, and a probe that
 * restarted it on 503 would lose the rows it keeps to retry; a monitor
 * sees "degraded" and the database's error in the body. */
static void
get_health(struct app *a, struct http_pss *p)
{
	if (!a->store)
		reply_json(p, 200, json_pack("{s:s}", "status", "ok"));
	else if (!a->db_degraded)
		reply_json(p, 200, json_pack("{s:s, s:s}", "status", "ok",
		                             "db", "ok"));
	else
		reply_json(p, 200,
		           json_pack("{s:s, s:s, s:I, s:I}", "status",
		                     "degraded", "db", a->db_error,
		                     "pending_rows",
		                     (json_int_t)store_batch_rows(&a->batch),
		                     "dropped", (json_int_t)a->batch.dropped));
}

static void
reply_report(struct http_pss *p, struct report r)
{
	if (r.status >= 400)
		reply_error(p, r.status, r.error, r.detail ? r.detail : "");
	else if (r.csv)
		reply_text(p, r.status, "text/csv", r.csv);
	else if (r.paged.next) {
		reply_text(p, r.status, r.paged.ctype, NULL);
		p->pg = r.paged;
		p->more = true;
	} else
		reply_json(p, r.status, r.json);
}

static void
route_get(struct app *a, struct lws *wsi, struct http_pss *p)
{
	/* A copy of known size: GCC's sanitizer build cannot see the size
	 * of the lws-allocated session and warns on every string read. */
	char path[sizeof p->path], id[TRACK_ID_MAX];

	memcpy(path, p->path, sizeof path);

	if (strcmp(path, "/healthz") == 0)
		get_health(a, p);
	else if (strcmp(path, "/metrics") == 0) {
		if (allow(p, PERM_METRICS))
			get_metrics(a, p);
	} else if (strcmp(path, "/api/v1/whoami") == 0)
		get_whoami(a, p);
	else if (!allow(p, 0))
		return;
	else if (strcmp(path, "/api/v1/site") == 0) {
		if (allow(p, PERM_SITE))
			get_site(a, p);
	} else if (is_image_path(path, id)) {
		if (allow(p, PERM_SITE))
			get_floor_image(a, p, id);
	} else if (strcmp(path, "/api/v1/tags") == 0) {
		if (allow(p, PERM_ASSETS))
			get_tags(a, p);
	} else if (is_tag_path(path)) {
		if (!app_is_person(a, path + 13) ? allow(p, PERM_ASSETS)
		    : allow_person(a, p, PERM_ASSETS | PERM_PEOPLE, "position",
		                   path + 13))
			get_tag(a, p, path + 13);
	} else if (is_history_path(path, id)) {
		bool person = app_is_person(a, id);

		if (!person ? allow(p, PERM_ASSETS)
		    : allow_person(a, p, PERM_HISTORY, "history", id)) {
			if (person)
				access_audit(a, &p->who, "history", id);
			reply_report(p, reports_history(a, wsi, id));
		}
	} else if (strcmp(path, "/api/v1/events") == 0) {
		/* Whom: the tag asked for, or everyone. */
		const char *whom = query_arg(wsi, "tag=", id, sizeof id) ? id
		                                                        : "*";

		if (allow_person(a, p, PERM_HISTORY, "events", whom)) {
			access_audit(a, &p->who, "events", whom);
			reply_report(p, reports_events(a, wsi));
		}
	} else if (strcmp(path, "/api/v1/search") == 0) {
		if (allow(p, PERM_ASSETS))
			get_search(a, wsi, p);
	} else if (strcmp(path, "/api/v1/alarms") == 0) {
		if (allow(p, PERM_ALARMS)) {
			if (a->alarms.n)
				access_audit(a, &p->who, "alarms", "*");
			get_alarms(a, p);
		}
	} else if (strncmp(path, "/api/v1/reports/", 16) == 0) {
		if (allow(p, PERM_REPORTS))
			reply_report(p, reports_get(a, wsi, path + 16));
	} else if (strcmp(path, "/api/v1/audit") == 0) {
		if (allow(p, PERM_ADMIN))
			reply_report(p, access_audit_query(a, wsi));
	} else
		reply_error(p, 404, "not found", path);
}

/* ---- the lws side ------------------------------------------------------- */

/* The next piece of a paged answer into p->resp; -1 when it cannot be
 * made. */
static int
next_piece(struct lws *wsi, struct http_pss *p)
{
	char *body = NULL;
	size_t len = 0;
	int rc = paged_piece(app_of(wsi), &p->pg, &body, &len);

	free(p->resp);
	p->resp = body;
	p->resp_len = len;
	p->resp_sent = 0;
	p->more = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int
start_reply(struct lws *wsi, struct http_pss *p)
{
	uint8_t buf[LWS_PRE + 1024], *start = &buf[LWS_PRE], *q = start,
	        *end = &buf[sizeof buf - 1];

	/* A paged answer's first piece; when that is all of it, it goes
	 * with a length like any other (the connection is kept). Otherwise
	 * no length: the answer ends when the connection does. */
	if (p->more && next_piece(wsi, p) < 0)
		reply_error(p, 500, "out of memory", "the answer");
	if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype,
	                                p->more ? LWS_ILLEGAL_HTTP_CONTENT_LEN
	                                        : p->resp_len,
	                                &q, end) ||
	    lws_add_http_header_by_token(
		    wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
		    (const unsigned char *)"no-store", 8, &q, end) ||
	    (p->sandbox &&
	     lws_add_http_header_by_name(
		     wsi, (const unsigned char *)"content-security-policy:",
		     (const unsigned char *)"default-src 'none'; "
		                            "style-src 'unsafe-inline'; sandbox",
		     54, &q, end)) ||
	    lws_finalize_write_http_header(wsi, start, &q, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static void
free_pss(struct http_pss *p)
{
	free(p->body);
	free(p->resp);
	p->body = p->resp = NULL;
	p->body_len = p->resp_len = 0;
	paged_free(&p->pg);
	p->more = false;
}

/* A static file is served only when its real path (symlinks followed) is
 * inside the web root: lws refuses "..", but would follow a link out. */
static bool
inside_web_root(const struct app *a, const char *uri)
{
	char path[PATH_MAX + 256], real[PATH_MAX];
	size_t root = strlen(a->web_root);

	if (strncmp(uri, "/api/", 5) == 0 || strcmp(uri, "/healthz") == 0 ||
	    strcmp(uri, "/metrics") == 0)
		return true;
	snprintf(path, sizeof path, "%s%s%s", a->web_root, uri,
	         uri[strlen(uri) - 1] == '/' ? "index.html" : "");
	if (!realpath(path, real))
		return true; /* missing: lws answers 404 */
	return strncmp(real, a->web_root, root) == 0 &&
	       (real[root] == '/' || real[root] == '\0');
}

/* Of the web root's npm side only what the page loads is served: the
 * files under a package's dist/ (Leaflet's, uPlot's). package.json, the
 * lock file and the rest of node_modules/ (sources, READMEs, versions to
 * look up vulnerabilities by) get 404. */
static bool
npm_private(const char *uri)
{
	const char *base = strrchr(uri, '/'), *pkg, *slash;

	if (strncmp(uri, "/api/", 5) == 0)
		return false;
	base = base ? base + 1 : uri;
	if (strcmp(base, "package.json") == 0 ||
	    strcmp(base, "package-lock.json") == 0 || strstr(uri, "/.."))
		return true;
	if (strcmp(uri, "/node_modules") == 0)
		return true;
	if (strncmp(uri, "/node_modules/", 14) != 0)
		return false;
	pkg = uri + 14;
	slash = strchr(pkg, '/');
	return !slash || slash == pkg || strncmp(slash, "/dist/", 6) != 0;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
	struct http_pss *p = user;
	struct app *a;

	switch (reason) {
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		/* in: the URI, decoded, before any mount serves it. */
		a = app_of(wsi);
		if (a->web_root[0] && !inside_web_root(a, in)) {
			lwsl_warn("refused %s: it leads out of the web root\n",
			          (const char *)in);
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		if (npm_private(in)) {
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		return 0;

	case LWS_CALLBACK_HTTP: {
		char uri[256];
		int n;

		a = app_of(wsi);
		a->http_requests++;
		free_pss(p);
		p->body_too_big = false;
		p->refused = 0;
		p->sandbox = false;
		/* The whole path, mountpoint included: one router. */
		p->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		n = lws_hdr_copy(wsi, uri, sizeof uri,
		                 p->post ? WSI_TOKEN_POST_URI
		                         : WSI_TOKEN_GET_URI);
		if (n < 0) {
			reply_error(p, 414, "uri too long", "");
			return start_reply(wsi, p);
		}
		snprintf(p->path, sizeof p->path, "%s", uri);
		access_caller(a, wsi, &p->who);
		if (p->post) {
			if (strcmp(p->path, "/api/v1/ingest") != 0 &&
			    strncmp(p->path, "/api/v1/alarms/", 15) != 0) {
				reply_error(p, 404, "not found", p->path);
				return start_reply(wsi, p);
			}
			/* Without a length (none, or chunked, which this
			 * lws does not take for request bodies) it would
			 * wait for a body that never comes. */
			if (lws_hdr_total_length(wsi,
			                         WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
				reply_error(p, 411, "length required",
				            "send the body with a Content-Length");
				return start_reply(wsi, p);
			}
			p->refused = origin_post_check(wsi, a->allow_origin,
			                               p->why, sizeof p->why);
			if (p->refused)
				lwsl_warn("POST %s from %s refused: %s\n",
				          p->path, p->who.peer, p->why);
			/* The body arrives in LWS_CALLBACK_HTTP_BODY. */
			return 0;
		}
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
			reply_error(p, 405, "method not allowed",
			            "GET or POST only");
			return start_reply(wsi, p);
		}
		route_get(a, wsi, p);
		return start_reply(wsi, p);
	}

	case LWS_CALLBACK_HTTP_BODY:
		if (p->body_too_big)
			return 0;
		if (p->body_len + len > MAX_BODY) {
			/* Keep reading to the end, answer 413 then. */
			p->body_too_big = true;
			return 0;
		} else {
			char *nb = realloc(p->body, p->body_len + len + 1);

			if (!nb)
				return -1;
			p->body = nb;
			memcpy(p->body + p->body_len, in, len);
			p->body_len += len;
		}
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
		int status;
		json_t *answer;

		a = app_of(wsi);
		/* Answered once the body is read: the connection stays in
		 * step for the next request. */
		if (p->refused) {
			reply_error(p, p->refused,
			            p->refused == 415 ? "unsupported media type"
			                              : "forbidden",
			            p->why);
			return start_reply(wsi, p);
		}
		if (p->body_too_big) {
			reply_error(p, 413, "payload too large",
			            "a body is at most 1 MiB");
			return start_reply(wsi, p);
		}
		if (strncmp(p->path, "/api/v1/alarms/", 15) == 0) {
			if (allow(p, PERM_ALARMS))
				post_ack(a, p, p->path + 15);
			return start_reply(wsi, p);
		}
		if (!allow(p, PERM_INGEST))
			return start_reply(wsi, p);
		answer = ingest_document(a, &p->who, p->body ? p->body : "",
		                         p->body_len, &status);
		if (status != 200) {
			json_t *detail = json_object_get(answer, "error");

			reply_error(p, status,
			            status == 403 ? "forbidden" : "bad request",
			            json_string_value(detail));
			json_decref(answer);
		} else {
			reply_json(p, 200, answer);
		}
		return start_reply(wsi, p);
	}

	case LWS_CALLBACK_HTTP_WRITEABLE: {
		uint8_t buf[LWS_PRE + CHUNK];
		size_t n;
		enum lws_write_protocol mode;

		if (!p->resp)
			break;
		/* A paged answer's next piece is made only once the last is
		 * out: one piece waits per connection, however slow it is. */
		if (p->more && p->resp_sent == p->resp_len &&
		    next_piece(wsi, p) < 0) {
			lwsl_err("%s: answer cut short: out of memory\n",
			         p->who.peer);
			return -1;
		}
		n = p->resp_len - p->resp_sent;
		if (n > CHUNK)
			n = CHUNK;
		mode = !p->more && p->resp_sent + n == p->resp_len
		               ? LWS_WRITE_HTTP_FINAL
		               : LWS_WRITE_HTTP;
		if (n == 0 && mode == LWS_WRITE_HTTP) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		memcpy(buf + LWS_PRE, p->resp + p->resp_sent, n);
		if (lws_write(wsi, buf + LWS_PRE, n, mode) != (int)n)
			return -1;
		p->resp_sent += n;
		if (mode == LWS_WRITE_HTTP_FINAL) {
			free_pss(p);
			if (lws_http_transaction_completed(wsi))
				return -1;
		} else {
			lws_callback_on_writable(wsi);
		}
		return 0;
	}

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (p)
			free_pss(p);
		break;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
