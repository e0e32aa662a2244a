/* The REST API's POSTs: a track-ingest.v1 document into the engine
 * (/api/v1/ingest) and an alarm's acknowledgement
 * (/api/v1/alarms/{id}/ack), each answered only once its whole body is
 * read. */
#include <stdlib.h>
#include <string.h>

#include "http-private.h"
#include "log.h"
#include "origin.h"

/* POST /api/v1/alarms/{id}/ack with {"by": "who"}. */
static void
post_ack(struct app *a, struct http_pss *p, const char *rest)
{
	char *end;
	unsigned long long id = strtoull(rest, &end, 10);
	json_t *doc, *by;
	struct alarm *al;

	if (end == rest || strcmp(end, "/ack") != 0) {
		http__reply_error(p, 404, "not found", p->path);
		return;
	}
	al = alarms_find(&a->alarms, id);
	if (!al) {
		http__reply_error(p, 404, "not found", "no such alarm");
		return;
	}
	doc = json_loadb(p->body ? p->body : "", p->body_len, 0, NULL);
	by = json_object_get(doc, "by");
	if (!json_is_string(by) || !json_string_length(by)) {
		json_decref(doc);
		http__reply_error(p, 400, "bad request",
		                  "expected {\"by\": \"who acknowledges\"}");
		return;
	}
	switch (app_alarm_ack(a, al, json_string_value(by),
	                  p->who.token ? p->who.name : "")) {
	case 0:
		/* Who it was is the token; "by" is only the note they typed. */
		access_audit(a, &p->who, "acknowledge", al->tag, app_now_us());
		break;
	case 1:
		json_decref(doc);
		http__reply_error(p, 409, "conflict", "already acknowledged");
		return;
	default:
		/* Not stored, so not acknowledged: the caller may retry. */
		json_decref(doc);
		http__reply_error(p, 503, "storage error", a->db_error);
		return;
	}
	json_decref(doc);
	http__reply_json(p, 200, app_alarm_json(a, al));
	lws_callback_on_writable_all_protocol(
		a->context,
		lws_vhost_name_to_protocol(lws_get_vhost_by_name(a->context,
		                                                 "trackd"),
		                           "track-live.v1"));
}


int
http__post_begin(struct app *a, struct lws *wsi, struct http_pss *p)
{
	if (strcmp(p->path, "/api/v1/ingest") != 0 &&
	    strcmp(p->path, "/api/v1/auth/signout") != 0 &&
	    strncmp(p->path, "/api/v1/alarms/", 15) != 0) {
		http__reply_error(p, 404, "not found", p->path);
		return 1;
	}
	/* Without a length (none, or chunked, which this lws does not take
	 * for request bodies) it would wait for a body that never comes. */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		http__reply_error(p, 411, "length required",
		                        "send the body with a Content-Length");
		return 1;
	}
	p->refused = origin_post_check(wsi, a->allow_origin, p->why,
	                               sizeof p->why);
	if (p->refused)
		log_warn("POST %s from %s refused: %s\n", p->path, p->who.peer,
		         p->why);
	return 0;
}

int
http__post_body(struct http_pss *p, const void *in, size_t len)
{
	char *nb;

	/* An empty body (Content-Length: 0, a sign-out) may come as no
	 * bytes at NULL. */
	if (p->body_too_big || len == 0)
		return 0;
	if (p->body_len + len > MAX_BODY) {
		/* Keep reading to the end, answer 413 then. */
		p->body_too_big = true;
		return 0;
	}
	nb = realloc(p->body, p->body_len + len + 1);
	if (!nb)
		return -1;
	p->body = nb;
	memcpy(p->body + p->body_len, in, len);
	p->body_len += len;
	return 0;
}

void
http__post_answer(struct app *a, struct http_pss *p)
{
	int status;
	json_t *answer;

	/* Answered once the body is read: the connection stays in step for
	 * the next request. */
	if (p->refused) {
		http__reply_error(p, p->refused,
		                  p->refused == 415 ? "unsupported media type"
		                                    : "forbidden",
		                  p->why);
		return;
	}
	if (p->body_too_big) {
		http__reply_error(p, 413, "payload too large",
		                        "a body is at most 1 MiB");
		return;
	}
	if (strcmp(p->path, "/api/v1/auth/signout") == 0) {
		http__oidc_signout(a, p->wsi, p);
		return;
	}
	if (strncmp(p->path, "/api/v1/alarms/", 15) == 0) {
		if (http__allow(p, PERM_ALARMS))
			post_ack(a, p, p->path + 15);
		return;
	}
	if (!http__allow(p, PERM_INGEST))
		return;
	answer = app_ingest(a, &p->who, p->body ? p->body : "", p->body_len,
	                    &status);
	if (status != 200) {
		json_t *detail = json_object_get(answer, "error");

		http__reply_error(p, status,
		                  status == 403 ? "forbidden" : "bad request",
		                  json_string_value(detail));
		json_decref(answer);
	} else {
		http__reply_json(p, 200, answer);
	}
}
