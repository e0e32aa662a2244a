/* The REST API's answers (see http-private.h): a body, JSON or an error
 * set on the session, and the access checks that refuse with one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-private.h"

void
http__reply_text(struct http_pss *p, int status, const char *ctype, char *body)
{
	free(p->resp);
	p->resp = body;
	p->resp_len = body ? strlen(body) : 0;
	p->resp_sent = 0;
	p->status = status;
	p->ctype = ctype;
}

/* A copy of len bytes, for answers that are not text. */
void
http__reply_bytes(struct http_pss *p, int status, const char *ctype,
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

void
http__reply_json(struct http_pss *p, int status, json_t *doc)
{
	http__reply_text(p, status, "application/json",
	                 json_dumps(doc, JSON_OUT));
	json_decref(doc);
}

void
http__reply_error(struct http_pss *p, int status, const char *error,
                  const char *detail)
{
	http__reply_json(p, status, json_pack("{s:s, s:s}", "error", error,
	                                      "detail", detail));
}

/* May the caller do what perm allows? If not, the answer (401 without a
 * valid token, 403 with one whose role does not allow it) is set. */
bool
http__allow(struct http_pss *p, unsigned perm)
{
	char detail[160];

	if (!p->who.known) {
		http__reply_error(
			p, 401, "unauthorized",
			p->who.keys_pending
			        ? "the token is signed with a key trackd does not "
			          "hold yet: the provider's keys are being "
			          "fetched again, retry in a few seconds"
			        : "send a token: Authorization: Bearer <token>, or "
			          "sign in");
		return false;
	}
	if (p->who.no_role && perm) {
		http__reply_error(p, 403, "forbidden",
		                  "your groups at the identity provider give no "
		                  "role here");
		return false;
	}
	if ((p->who.perms & perm) != perm) {
		snprintf(detail, sizeof detail, "the %s role may not do this",
		         p->who.role);
		http__reply_error(p, 403, "forbidden", detail);
		return false;
	}
	return true;
}

/* http__allow() for a look-up of a person (whom): a refusal is audited too, so
 * that the trail shows who tried to find someone, not only who did. */
bool
http__allow_person(struct app *a, struct http_pss *p, unsigned perm,
                   const char *action, const char *whom)
{
	char refused[64];

	if (http__allow(p, perm))
		return true;
	snprintf(refused, sizeof refused, "%s refused", action);
	access_audit(a, &p->who, refused, whom, app_now_us());
	return false;
}
