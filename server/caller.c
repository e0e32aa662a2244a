/* The credentials of a request, read from lws (caller.h); what they let
 * in is access.c's decision. */
#include "caller.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "oidc-client.h"
#include "oidc-session.h"
#include "oidc-verify.h"

/* The token the request carries, into buf; false when none. *header:
 * it came in the Authorization header (where a JWT may come). */
static bool
presented(struct lws *wsi, char *buf, size_t size, bool *header)
{
	char h[16384];
	const char *v;

	*header = false;
	if (lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_AUTHORIZATION) > 7 &&
	    strncasecmp(h, "Bearer ", 7) == 0) {
		snprintf(buf, size, "%s", h + 7);
		*header = true;
		return true;
	}
	v = lws_get_urlarg_by_name(wsi, "token=", h, 512);
	if (v && *v) {
		snprintf(buf, size, "%s", v);
		return true;
	}
	return false;
}

/* The person a provider's role claim names: c filled from claims. */
static void
person(struct app *a, struct caller *c, const json_t *claims)
{
	const struct oidc_config *cfg = oidc_client_config(a);
	const char *role = oidc_role(claims, cfg->role_claim, cfg->role_map,
	                             c->role_buf, sizeof c->role_buf);
	const json_t *exp = json_object_get(claims, "exp");

	c->known = true;
	snprintf(c->subject, sizeof c->subject, "%s",
	         json_string_value(json_object_get(claims, "sub")));
	snprintf(c->name, sizeof c->name, "%s", oidc_display_name(claims));
	/* exp was checked (oidc_verify): a number, bounded, in the future;
	 * one past what microseconds hold never ends. */
	c->expires_us = json_number_value(exp) >= 9e12
	                        ? INT64_MAX
	                        : (int64_t)(json_number_value(exp) * 1e6);
	c->role = role ? access_role_name(role) : NULL;
	if (!c->role) {
		c->role = "none";
		c->no_role = true;
		return;
	}
	c->perms = access_role_perms(c->role);
}

/* A JWT access token of the provider, from an Authorization header
 * (struct credentials' jwt). */
static void
bearer_jwt(void *ud, const char *tok, int64_t now_us, struct caller *c)
{
	struct app *a = ud;
	json_t *claims = NULL;
	int rc = oidc_client_verify(a, tok, NULL, now_us / 1000000, &claims);

	if (rc == OIDC_EKID) {
		c->keys_pending = true;
		return;
	}
	if (rc != OIDC_OK) {
		log_warn("access: bearer JWT from %s refused: %s\n", c->peer,
		         oidc_strerror(rc));
		return;
	}
	person(a, c, claims);
	json_decref(claims);
}

void
caller_of(struct app *a, struct lws *wsi, struct caller *c)
{
	char peer[64], tok[16384], cookie[128];
	size_t n = sizeof cookie;
	struct credentials cr = { .peer = peer };

	if (lws_get_peer_simple(wsi, peer, sizeof peer) == NULL)
		cr.peer = NULL;
	if (presented(wsi, tok, sizeof tok, &cr.in_header))
		cr.token = tok;
	else if (a->sessions &&
	         lws_http_cookie_get(wsi,
	                             a->tls ? "__Host-" OIDC_COOKIE : OIDC_COOKIE,
	                             cookie, &n) == 0)
		cr.cookie = cookie;
	if (oidc_client_enabled(a)) {
		cr.jwt = bearer_jwt;
		cr.ud = a;
	}
	access_identify(a, &cr, app_now_us(), c);
}
