/* Single sign-on, the routes (see http-private.h):
 *
 *   GET  /api/v1/auth/methods         which sign-ins exist (open)
 *   GET  /api/v1/auth/oidc/login      to the provider (code flow, PKCE
 *                                     S256, state bound to the browser by
 *                                     a cookie, nonce)
 *   GET  /api/v1/auth/oidc/callback   back from it: the code exchanged,
 *                                     the ID token verified, a session
 *   POST /api/v1/auth/signout         the session ended
 *
 * The session cookie is HttpOnly, SameSite=Strict, Secure (and
 * __Host-) with TLS, and lives OIDC_SESSION_US at most; the state cookie
 * is SameSite=Lax, as the provider's redirect back is a cross-site
 * navigation, and lives only for the sign-in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "http-private.h"
#include "log.h"
#include "oidc-client.h"
#include "oidc-session.h"
#include "oidc-verify.h"

#define STATE_COOKIE "trackd_oidc_state"
#define CALLBACK_PATH "/api/v1/auth/oidc/callback"

/* How long an ID token signed with a key not held yet waits for the keys
 * to be fetched again: past OIDC_KEYS_MIN_US, in steps. */
#define KEYS_WAIT_STEP_US 500000
#define KEYS_WAIT_STEPS 14

struct oidc_wait {
	struct app *a;
	struct http_pss *p;     /* NULL once the connection closed */
	struct oidc_fetch *fetch;
	struct oidc_login login;
	char *id_token;         /* waiting for the provider's new keys */
	int steps;
	lws_sorted_usec_list_t retry;
};

/* text for HTML into out. */
static void
html_escape(char *out, size_t size, const char *text)
{
	size_t n = 0;

	for (; *text && n + 7 < size; text++) {
		const char *e = *text == '<' ? "&lt;" : *text == '>' ? "&gt;"
		              : *text == '&' ? "&amp;" : *text == '"' ? "&quot;"
		              : *text == '\'' ? "&#39;" : NULL;

		if (e) {
			memcpy(out + n, e, strlen(e));
			n += strlen(e);
		} else {
			out[n++] = *text;
		}
	}
	out[n] = '\0';
}

/* A page for a person's browser (a sign-in that went wrong): no script,
 * nothing loaded (the sandbox's CSP). */
static void
page(struct http_pss *p, int status, const char *title, const char *text)
{
	char t[256], x[1200], *body = malloc(4096);

	html_escape(t, sizeof t, title);
	html_escape(x, sizeof x, text);
	if (body)
		snprintf(body, 4096,
		         "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
		         "<title>%s</title><body style=\"font-family:sans-serif;"
		         "max-width:40em;margin:3em auto\"><h1>%s</h1><p>%s</p>"
		         "<p><a href=\"/\">Back to the map</a></p></body></html>\n",
		         t, t, x);
	http__reply_text(p, status, "text/html; charset=utf-8", body);
	p->sandbox = true;
}

/* A 302 to p->location (set by the caller). The body is a word: an
 * answer without one would never complete its transaction (http.c). */
static void
redirect(struct http_pss *p)
{
	char *body = malloc(16);

	if (body)
		snprintf(body, 16, "Redirecting.\n");
	http__reply_text(p, 302, "text/plain", body);
}

static const char *
cookie_attrs(const struct app *a)
{
	return a->tls ? "; HttpOnly; Secure" : "; HttpOnly";
}

static void
get_methods(struct app *a, struct http_pss *p)
{
	json_t *oidc = json_null();
	bool token = !oidc_client_enabled(a) ||
	             access_tokens(a, app_now_us()) > 0;

	if (oidc_client_enabled(a))
		oidc = json_pack("{s:s, s:s, s:b, s:s?}", "name",
		                 oidc_client_name(a), "login",
		                 "/api/v1/auth/oidc/login", "ready",
		                 oidc_client_ready(a), "error",
		                 oidc_client_ready(a) ? NULL
		                                      : oidc_client_error(a));
	http__reply_json(p, 200, json_pack("{s:b, s:o}", "token", token,
	                                   "oidc", oidc));
}

/* A path on this server to come back to: "/..." and nothing that a
 * browser would take for another host (the fragment may hand on the
 * floor and an alarm: "#f0&alarm=12", web/failover.js). */
static void
return_path(struct lws *wsi, char *out, size_t size)
{
	char v[256];
	const char *r = lws_get_urlarg_by_name(wsi, "return=", v, sizeof v);

	snprintf(out, size, "/");
	if (!r || r[0] != '/' || r[1] == '/' || r[1] == '\\')
		return;
	for (const char *c = r; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/._-#&=", *c)))
			return;
	snprintf(out, size, "%s", r);
}

static bool
redirect_uri(struct app *a, struct lws *wsi, char *out, size_t size)
{
	const struct oidc_config *cfg = oidc_client_config(a);
	char host[256];

	if (cfg->redirect_url) {
		snprintf(out, size, "%s", cfg->redirect_url);
		return true;
	}
	if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
		return false;
	for (const char *c = host; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr(".-:[]", *c)))
			return false;
	snprintf(out, size, "%s://%s" CALLBACK_PATH, a->tls ? "https" : "http",
	         host);
	return true;
}

/* s, percent-encoded, appended to out. */
static void
url_add(char *out, size_t size, const char *key, const char *s)
{
	size_t n = strlen(out);

	n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s=",
	                      strchr(out, '?') ? "&" : "?", key);
	for (; *s && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
	}
	if (n < size)
		out[n] = '\0';
}

static void
get_login(struct app *a, struct lws *wsi, struct http_pss *p)
{
	const struct oidc_config *cfg = oidc_client_config(a);
	struct oidc_login l = { 0 };
	char challenge[64];
	const char *auth = oidc_client_authorize_url(a);
	int rc;

	if (!auth) {
		page(p, 503, "Sign-in not available",
		     "trackd cannot reach the identity provider yet. Try again "
		     "in a minute; if it goes on, tell the administrator.");
		return;
	}
	return_path(wsi, l.return_to, sizeof l.return_to);
	if (!redirect_uri(a, wsi, l.redirect_uri, sizeof l.redirect_uri)) {
		page(p, 400, "Bad request", "The request has no usable Host.");
		return;
	}
	snprintf(l.peer, sizeof l.peer, "%s", p->who.peer);
	rc = oidc_login_begin(a->sessions, &l, app_now_us());
	if (rc == -2) {
		log_warn("oidc: sign-ins refused from %s: %d under way\n",
		         p->who.peer, OIDC_MAX_LOGINS_PER_PEER);
		page(p, 429, "Too many sign-ins",
		     "Too many sign-ins were started from this address and "
		     "not finished. Finish one, or wait ten minutes.");
		return;
	}
	if (rc < 0 ||
	    oidc_pkce_challenge(l.verifier, challenge, sizeof challenge) < 0) {
		page(p, 500, "Sign-in failed", "No randomness available.");
		return;
	}
	snprintf(p->location, sizeof p->location, "%s", auth);
	url_add(p->location, sizeof p->location, "response_type", "code");
	url_add(p->location, sizeof p->location, "client_id", cfg->client_id);
	url_add(p->location, sizeof p->location, "redirect_uri", l.redirect_uri);
	url_add(p->location, sizeof p->location, "scope", cfg->scope);
	url_add(p->location, sizeof p->location, "state", l.state);
	url_add(p->location, sizeof p->location, "nonce", l.nonce);
	url_add(p->location, sizeof p->location, "code_challenge", challenge);
	url_add(p->location, sizeof p->location, "code_challenge_method",
	        "S256");
	snprintf(p->cookie[0], sizeof p->cookie[0],
	         STATE_COOKIE "=%s; Path=" CALLBACK_PATH
	         "; Max-Age=600; SameSite=Lax%s",
	         l.state, cookie_attrs(a));
	redirect(p);
}

static void
finish(struct oidc_wait *w)
{
	struct http_pss *p = w->p;

	p->deferred = 2;
	p->wait = NULL;
	lws_set_timeout(p->wsi, NO_PENDING_TIMEOUT, 0);
	lws_callback_on_writable(p->wsi);
	free(w->id_token);
	free(w);
}

static void check_id_token(struct oidc_wait *w);

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	check_id_token(lws_container_of(sul, struct oidc_wait, retry));
}

/* The token endpoint answered: the ID token checked. */
static void
exchanged(void *ud, const char *err, int status, const char *body,
          size_t len)
{
	struct oidc_wait *w = ud;
	json_t *doc;
	const char *idt;

	w->fetch = NULL;
	if (!w->p) {
		free(w);
		return;
	}
	if (err || status != 200) {
		log_warn("oidc: code exchange failed: %s (HTTP %d)\n",
		         err ? err : "refused", status);
		page(w->p, 502, "Sign-in failed",
		     "The identity provider did not accept the sign-in. Try "
		     "again.");
		finish(w);
		return;
	}
	doc = json_loadb(body, len, 0, NULL);
	idt = json_string_value(json_object_get(doc, "id_token"));
	w->id_token = strdup(idt ? idt : "");
	json_decref(doc);
	if (!w->id_token) {
		page(w->p, 500, "Sign-in failed", "Out of memory.");
		finish(w);
		return;
	}
	check_id_token(w);
}

/* The ID token verified, a session; signed with a key not held yet (the
 * provider rotated its keys), verified again once they are fetched. */
static void
check_id_token(struct oidc_wait *w)
{
	struct app *a = w->a;
	struct http_pss *p = w->p;
	json_t *claims = NULL;
	int rc;
	struct oidc_person who = { 0 };
	char cookie[64], role[16], ename[520], esub[520];
	const char *r;

	rc = w->id_token[0] ? oidc_client_verify(a, w->id_token,
	                                         w->login.nonce,
	                                         app_now_us() / 1000000,
	                                         &claims)
	                    : OIDC_EMALFORMED;
	if (rc == OIDC_EKID && w->steps++ < KEYS_WAIT_STEPS) {
		lws_sul_schedule(a->context, 0, &w->retry, retry_cb,
		                 KEYS_WAIT_STEP_US);
		return;
	}
	if (rc != OIDC_OK) {
		log_warn("oidc: ID token from %s refused: %s\n", p->who.peer,
		         oidc_strerror(rc));
		page(p, 401, "Sign-in failed",
		     "The identity provider's answer could not be verified. "
		     "Try again; if it goes on, tell the administrator.");
		finish(w);
		return;
	}
	r = oidc_role(claims, oidc_client_config(a)->role_claim,
	              oidc_client_config(a)->role_map, role, sizeof role);
	snprintf(who.sub, sizeof who.sub, "%s",
	         json_string_value(json_object_get(claims, "sub")));
	snprintf(who.name, sizeof who.name, "%s", oidc_display_name(claims));
	json_decref(claims);
	/* The claims are the provider's, often typed by the person: escaped
	 * for the log. */
	escape_log(ename, sizeof ename, who.name);
	escape_log(esub, sizeof esub, who.sub);
	{
		struct caller c = p->who;

		snprintf(c.subject, sizeof c.subject, "%s", who.sub);
		snprintf(c.name, sizeof c.name, "%s", who.name);
		c.role = r ? access_role_name(r) : "none";
		access_audit(a, &c, r ? "sign-in" : "sign-in refused", "-",
		             app_now_us());
	}
	if (!r || !access_role_name(r)) {
		char text[400];

		log_warn("oidc: %s (%s) has no role: no group of theirs is "
		         "in the role map\n", ename, esub);
		snprintf(text, sizeof text,
		         "You are signed in as %s, but none of your groups "
		         "gives you access to this tracking system. Ask the "
		         "administrator to add you to one that does.",
		         who.name[0] ? who.name : who.sub);
		page(p, 403, "No access", text);
		finish(w);
		return;
	}
	snprintf(who.role, sizeof who.role, "%s", r);
	if (oidc_session_open(a->sessions, &who, app_now_us(), 0, cookie,
	                      sizeof cookie) < 0) {
		page(p, 500, "Sign-in failed", "No randomness available.");
		finish(w);
		return;
	}
	log_user("oidc: %s (%s) signed in as %s from %s\n", ename, esub,
	         who.role, p->who.peer);
	snprintf(p->cookie[0], sizeof p->cookie[0],
	         "%s%s=%s; Path=/; Max-Age=%lld; SameSite=Strict%s",
	         a->tls ? "__Host-" : "", OIDC_COOKIE, cookie,
	         (long long)(OIDC_SESSION_US / 1000000), cookie_attrs(a));
	snprintf(p->cookie[1], sizeof p->cookie[1],
	         STATE_COOKIE "=; Path=" CALLBACK_PATH "; Max-Age=0%s",
	         cookie_attrs(a));
	snprintf(p->location, sizeof p->location, "%s", w->login.return_to);
	redirect(p);
	finish(w);
}

static void
get_callback(struct app *a, struct lws *wsi, struct http_pss *p)
{
	/* lws copies "name=value" into each buffer and returns the value
	 * inside it. */
	char sbuf[80], cbuf[2100], bound[64], e[128];
	const char *state = lws_get_urlarg_by_name(wsi, "state=", sbuf,
	                                           sizeof sbuf);
	const char *code = lws_get_urlarg_by_name(wsi, "code=", cbuf,
	                                          sizeof cbuf);
	size_t n = sizeof bound;
	struct oidc_wait *w;

	if (lws_get_urlarg_by_name(wsi, "error=", e, sizeof e)) {
		page(p, 401, "Sign-in cancelled",
		     "The identity provider did not sign you in.");
		return;
	}
	if (!state || !*state || !code || !*code ||
	    lws_http_cookie_get(wsi, STATE_COOKIE, bound, &n) != 0 ||
	    strcmp(bound, state) != 0) {
		/* Not the browser that started this sign-in (or an old
		 * tab): a login forced on someone is refused here. */
		page(p, 400, "Sign-in failed",
		     "This sign-in was not started in this browser, or it "
		     "took too long. Start again from the map.");
		return;
	}
	w = calloc(1, sizeof *w);
	if (!w || oidc_login_take(a->sessions, state, app_now_us(),
	                          &w->login) < 0) {
		free(w);
		page(p, 400, "Sign-in failed",
		     "This sign-in was used already or took too long. Start "
		     "again from the map.");
		return;
	}
	w->a = a;
	w->p = p;
	w->fetch = oidc_client_exchange(a, code, w->login.verifier,
	                                w->login.redirect_uri, exchanged, w);
	if (!w->fetch) {
		free(w);
		page(p, 503, "Sign-in not available",
		     "trackd cannot reach the identity provider.");
		return;
	}
	p->wait = w;
	p->deferred = 1;
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, OIDC_FETCH_TIMEOUT_S + 5);
}

bool
http__oidc_get(struct app *a, struct lws *wsi, struct http_pss *p,
               const char *path)
{
	if (strcmp(path, "/api/v1/auth/methods") == 0)
		get_methods(a, p);
	else if (strncmp(path, "/api/v1/auth/oidc/", 18) != 0)
		return false;
	else if (!oidc_client_enabled(a))
		http__reply_error(p, 404, "not found",
		                  "single sign-on is not configured");
	else if (strcmp(path, "/api/v1/auth/oidc/login") == 0)
		get_login(a, wsi, p);
	else if (strcmp(path, CALLBACK_PATH) == 0)
		get_callback(a, wsi, p);
	else
		http__reply_error(p, 404, "not found", path);
	return true;
}

void
http__oidc_signout(struct app *a, struct lws *wsi, struct http_pss *p)
{
	const char *end = oidc_client_end_session_url(a);

	(void)wsi;
	if (p->who.session && oidc_session_end_id(a->sessions, p->who.session)) {
		char ename[520], esub[520];

		escape_log(ename, sizeof ename, p->who.name);
		escape_log(esub, sizeof esub, p->who.subject);
		log_user("oidc: %s (%s) signed out\n", ename, esub);
		access_audit(a, &p->who, "sign-out", "-", app_now_us());
		access_changed(a);
	}
	snprintf(p->cookie[0], sizeof p->cookie[0],
	         "%s%s=; Path=/; Max-Age=0; SameSite=Strict%s",
	         a->tls ? "__Host-" : "", OIDC_COOKIE, cookie_attrs(a));
	http__reply_json(p, 200, json_pack("{s:b, s:s?}", "signed_out", true,
	                                   "end_session", end));
}

void
http__oidc_gone(struct app *a, struct http_pss *p)
{
	struct oidc_wait *w = p->wait;

	(void)a;
	if (!w)
		return;
	p->wait = NULL;
	p->deferred = 0;
	if (w->fetch) {
		/* Freed when its answer comes, with nobody to give it to. */
		w->p = NULL;
		return;
	}
	lws_sul_cancel(&w->retry);
	free(w->id_token);
	free(w);
}
