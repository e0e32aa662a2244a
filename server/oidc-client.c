/* trackd as a client of the OpenID provider: see oidc-client.h. */
#include "oidc-client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app.h"
#include "log.h"
#include "oidc-verify.h"

#define FIRST_RETRY_US 1000000
#define MAX_RETRY_US 60000000

struct oidc {
	struct app *app;
	struct oidc_config cfg;
	char name[256];        /* the issuer's host */
	char authorize[1024], token[1024], jwks[1024], end_session[1024];
	bool basic;            /* client_secret_basic, else _post */
	struct oidc_keys *keys;
	bool discovered;
	struct oidc_fetch *busy; /* the discovery or keys fetch in flight */
	int64_t keys_at_us;    /* when keys were last asked for */
	bool keys_wanted;      /* a token named a kid we do not hold */
	unsigned attempt;
	lws_sorted_usec_list_t timer;
	char error[300];
	struct oidc_stats stats;
	bool stopping;
};

bool
oidc_client_enabled(const struct app *a)
{
	return a->oidc != NULL;
}

bool
oidc_client_ready(const struct app *a)
{
	return a->oidc && a->oidc->discovered && a->oidc->keys;
}

const char *
oidc_client_error(const struct app *a)
{
	return a->oidc ? a->oidc->error : "";
}

const struct oidc_config *
oidc_client_config(const struct app *a)
{
	return a->oidc ? &a->oidc->cfg : NULL;
}

const char *
oidc_client_authorize_url(const struct app *a)
{
	return oidc_client_ready(a) ? a->oidc->authorize : NULL;
}

const char *
oidc_client_end_session_url(const struct app *a)
{
	return oidc_client_ready(a) && a->oidc->end_session[0]
	               ? a->oidc->end_session
	               : NULL;
}

const char *
oidc_client_name(const struct app *a)
{
	return a->oidc ? a->oidc->name : "";
}

struct oidc_stats
oidc_client_stats(const struct app *a)
{
	struct oidc_stats s = { 0 };

	if (a->oidc) {
		s = a->oidc->stats;
		s.keys = oidc_keys_count(a->oidc->keys);
	}
	return s;
}

static bool
url_ok(const char *url, char *host, size_t hsize)
{
	char path[1536];
	int port;
	bool tls;

	return oidc_fetch_url(url, host, hsize, &port, path, sizeof path, &tls);
}

int
oidc_client_init(struct app *a, const struct oidc_config *cfg,
                 const char *const *roles)
{
	struct oidc *o;
	char host[256], err[200];

	if (!url_ok(cfg->issuer, host, sizeof host)) {
		fprintf(stderr, "trackd: --oidc-issuer: expected https://host/..."
		                " (http only to 127.0.0.1 or localhost), got "
		                "'%s'\n", cfg->issuer);
		return -1;
	}
	if (oidc_role_map_check(cfg->role_map, roles, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: --oidc-role-map: %s\n", err);
		return -1;
	}
	if (cfg->redirect_url && !url_ok(cfg->redirect_url, err, sizeof err)) {
		fprintf(stderr, "trackd: --oidc-redirect-url: expected "
		                "https://host[:port]/api/v1/auth/oidc/callback "
		                "(http only to 127.0.0.1 or localhost)\n");
		return -1;
	}
	o = calloc(1, sizeof *o);
	if (!o) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	o->app = a;
	o->cfg = *cfg;
	if (!o->cfg.audience)
		o->cfg.audience = cfg->client_id;
	snprintf(o->name, sizeof o->name, "%s", host);
	snprintf(o->error, sizeof o->error,
	         "the provider's discovery document is not in yet");
	a->oidc = o;
	return 0;
}

/* ---- discovery and keys ---------------------------------------------- */

static void discover(struct oidc *o);
static void fetch_keys(struct oidc *o);

static void
timer_cb(lws_sorted_usec_list_t *sul)
{
	struct oidc *o = lws_container_of(sul, struct oidc, timer);

	if (o->stopping || o->busy)
		return;
	if (!o->discovered)
		discover(o);
	else
		fetch_keys(o);
}

/* A step failed: say why, retry later (1 s doubling to a minute). The
 * keys held stay in use meanwhile. */
static void
failed(struct oidc *o, const char *what, const char *why)
{
	lws_usec_t d = FIRST_RETRY_US;

	snprintf(o->error, sizeof o->error, "%s: %s", what, why);
	o->stats.fetch_failures++;
	o->attempt++;
	for (unsigned i = 1; i < o->attempt && d < MAX_RETRY_US; i++)
		d *= 2;
	if (d > MAX_RETRY_US)
		d = MAX_RETRY_US;
	log_warn("oidc %s: %s; again in %.0f s\n", o->cfg.issuer, o->error,
	         (double)d * 1e-6);
	if (!o->stopping)
		lws_sul_schedule(o->app->context, 0, &o->timer, timer_cb, d);
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool
listed(const json_t *list, const char *what)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), what) == 0)
			return true;
	return false;
}

/* An endpoint of the discovery document into out: false when missing or
 * not a URL trackd would call. */
static bool
endpoint(const json_t *doc, const char *key, char *out, size_t size)
{
	const char *v = jstr(doc, key);
	char host[256];

	if (!v || strlen(v) >= size || !url_ok(v, host, sizeof host))
		return false;
	snprintf(out, size, "%s", v);
	return true;
}

/* A failed answer as text into why. */
static bool
answer_failed(const char *err, int status, char *why, size_t size)
{
	if (err)
		snprintf(why, size, "%s", err);
	else if (status != 200)
		snprintf(why, size, "HTTP status %d", status);
	return err || status != 200;
}

static void
discovered_cb(void *ud, const char *err, int status, const char *body,
              size_t len)
{
	struct oidc *o = ud;
	json_t *doc;
	const json_t *pkce, *auth;
	char why[128];

	o->busy = NULL;
	if (answer_failed(err, status, why, sizeof why)) {
		failed(o, "discovery", why);
		return;
	}
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	pkce = json_object_get(doc, "code_challenge_methods_supported");
	auth = json_object_get(doc, "token_endpoint_auth_methods_supported");
	/* OpenID Connect Discovery 4.3: the document's issuer must be the
	 * one configured, exactly, or its tokens would not match. */
	if (!json_is_object(doc) || !jstr(doc, "issuer") ||
	    strcmp(jstr(doc, "issuer"), o->cfg.issuer) != 0) {
		json_decref(doc);
		failed(o, "discovery", "the document is not JSON or names "
		                       "another issuer");
		return;
	}
	if (!endpoint(doc, "authorization_endpoint", o->authorize,
	              sizeof o->authorize) ||
	    !endpoint(doc, "token_endpoint", o->token, sizeof o->token) ||
	    !endpoint(doc, "jwks_uri", o->jwks, sizeof o->jwks)) {
		json_decref(doc);
		failed(o, "discovery", "an endpoint is missing or not https");
		return;
	}
	/* A provider that lists its PKCE methods must take S256. */
	if (json_is_array(pkce) && !listed(pkce, "S256")) {
		json_decref(doc);
		failed(o, "discovery", "the provider does not take PKCE S256");
		return;
	}
	if (!endpoint(doc, "end_session_endpoint", o->end_session,
	              sizeof o->end_session))
		o->end_session[0] = '\0';
	/* client_secret_basic is the default (RFC 8414 2) when none is
	 * listed. */
	o->basic = !json_is_array(auth) || listed(auth, "client_secret_basic");
	json_decref(doc);
	o->discovered = true;
	o->attempt = 0;
	fetch_keys(o);
}

static void
discover(struct oidc *o)
{
	char url[1100];
	size_t n = strlen(o->cfg.issuer);

	snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
	         (int)(n && o->cfg.issuer[n - 1] == '/' ? n - 1 : n),
	         o->cfg.issuer);
	o->busy = oidc_fetch_start(o->app->context, url, NULL, NULL,
	                           discovered_cb, o);
	if (!o->busy)
		failed(o, "discovery", "cannot connect");
}

static void
keys_cb(void *ud, const char *err, int status, const char *body, size_t len)
{
	struct oidc *o = ud;
	struct oidc_keys *k;
	char why[200];

	o->busy = NULL;
	o->keys_wanted = false;
	if (answer_failed(err, status, why, sizeof why) ||
	    oidc_keys_parse(body, len, &k, why, sizeof why) < 0) {
		failed(o, "keys", why);
		return;
	}
	log_user("oidc %s: %zu signing keys%s\n", o->cfg.issuer,
	         oidc_keys_count(k), o->keys ? " (fetched again)" : "");
	oidc_keys_free(o->keys);
	o->keys = k;
	o->stats.key_fetches++;
	o->error[0] = '\0';
	o->attempt = 0;
	/* Fetched again within the hour even when no token asks. */
	lws_sul_schedule(o->app->context, 0, &o->timer, timer_cb,
	                 OIDC_KEYS_MAX_US);
}

static void
fetch_keys(struct oidc *o)
{
	if (o->busy || o->stopping)
		return;
	o->keys_at_us = app_now_us();
	o->busy = oidc_fetch_start(o->app->context, o->jwks, NULL, NULL,
	                           keys_cb, o);
	if (!o->busy)
		failed(o, "keys", "cannot connect");
}

/* A token named a key we do not hold: fetch the set again, at once or
 * once OIDC_KEYS_MIN_US has passed since the last time. */
static void
want_keys(struct oidc *o)
{
	int64_t since = app_now_us() - o->keys_at_us;

	if (o->keys_wanted || o->busy || !o->discovered || o->stopping)
		return;
	o->keys_wanted = true;
	lws_sul_schedule(o->app->context, 0, &o->timer, timer_cb,
	                 since >= OIDC_KEYS_MIN_US ? 1
	                                           : OIDC_KEYS_MIN_US - since);
}

void
oidc_client_start(struct app *a)
{
	if (a->oidc)
		discover(a->oidc);
}

void
oidc_client_stop(struct app *a)
{
	if (!a->oidc)
		return;
	a->oidc->stopping = true;
	lws_sul_cancel(&a->oidc->timer);
	oidc_fetch_abandon(a->oidc->busy);
	a->oidc->busy = NULL;
}

void
oidc_client_free(struct app *a)
{
	if (!a->oidc)
		return;
	oidc_keys_free(a->oidc->keys);
	free(a->oidc);
	a->oidc = NULL;
}

int
oidc_client_verify(struct app *a, const char *token, const char *nonce,
                   int64_t now_s, json_t **claims)
{
	struct oidc *o = a->oidc;
	struct oidc_expect e;
	int rc;

	if (!o || !o->keys)
		return OIDC_EKID;
	e = (struct oidc_expect){
		.issuer = o->cfg.issuer,
		.audience = nonce ? o->cfg.client_id : o->cfg.audience,
		.nonce = nonce,
		.now_s = now_s,
		.skew_s = OIDC_SKEW_S,
	};
	rc = oidc_verify(o->keys, token, strlen(token), &e, claims, NULL, 0);
	if (rc == OIDC_EKID)
		want_keys(o);
	return rc;
}

/* ---- the code exchange ------------------------------------------------ */

/* "key=s", s form-urlencoded (RFC 6749 appendix B), appended to out
 * (s alone when key is NULL): false when it does not fit. */
static bool
form_add(char *out, size_t size, const char *key, const char *s)
{
	size_t n = strlen(out);
	int k = key ? snprintf(out + n, size - n, "%s%s=", n ? "&" : "", key)
	            : 0;

	if (k < 0 || (size_t)k >= size - n)
		return false;
	n += (size_t)k;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 4 > size)
			return false;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
	}
	out[n] = '\0';
	return true;
}

/* RFC 6749 2.3.1: id and secret each form-encoded, joined by ':', as
 * HTTP Basic. */
static bool
basic_auth(const struct oidc_config *cfg, char *out, size_t size)
{
	char id[300] = "", secret[300] = "", pair[610];
	unsigned char enc[820];

	if (!form_add(id, sizeof id, NULL, cfg->client_id) ||
	    !form_add(secret, sizeof secret, NULL, cfg->client_secret))
		return false;
	snprintf(pair, sizeof pair, "%s:%s", id, secret);
	EVP_EncodeBlock(enc, (const unsigned char *)pair, (int)strlen(pair));
	return snprintf(out, size, "Basic %s", enc) < (int)size;
}

struct oidc_fetch *
oidc_client_exchange(struct app *a, const char *code, const char *verifier,
                     const char *redirect_uri, oidc_fetch_cb cb, void *ud)
{
	struct oidc *o = a->oidc;
	size_t size = 4096 + 3 * strlen(code);
	char *form, auth[1024];
	bool basic;

	if (!oidc_client_ready(a) || !(form = calloc(1, size)))
		return NULL;
	basic = o->cfg.client_secret && o->basic;
	if (!form_add(form, size, "grant_type", "authorization_code") ||
	    !form_add(form, size, "code", code) ||
	    !form_add(form, size, "redirect_uri", redirect_uri) ||
	    !form_add(form, size, "code_verifier", verifier) ||
	    (!basic && !form_add(form, size, "client_id", o->cfg.client_id)) ||
	    (o->cfg.client_secret && !basic &&
	     !form_add(form, size, "client_secret", o->cfg.client_secret)) ||
	    (basic && !basic_auth(&o->cfg, auth, sizeof auth))) {
		free(form);
		return NULL;
	}
	return oidc_fetch_start(a->context, o->token, form,
	                        basic ? auth : NULL, cb, ud);
}
