/* Tokens from an OpenID Connect provider checked: see oidc-verify.h.
 *
 * libcjose parses the JWS and checks its signature; this file only
 * decides which key may sign (by kid and kind, never the algorithm the
 * token asks for alone) and what the claims must say. */
#include "oidc-verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

struct key {
	char kid[128];         /* "" when the provider gave none */
	char alg[16];          /* "" when the key does not pin one */
	cjose_jwk_kty_t kty;
	cjose_jwk_t *jwk;
};

struct oidc_keys {
	struct key *keys;
	size_t n;
};

const char *
oidc_strerror(int verdict)
{
	switch (verdict) {
#define XX(name, value, text)                                                \
	case value:                                                          \
		return text;
		OIDC_VERDICTS(XX)
#undef XX
	}
	return "unknown verdict";
}

void
oidc_keys_free(struct oidc_keys *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		cjose_jwk_release(k->keys[i].jwk);
	free(k->keys);
	free(k);
}

size_t
oidc_keys_count(const struct oidc_keys *k)
{
	return k ? k->n : 0;
}

bool
oidc_keys_has(const struct oidc_keys *k, const char *kid)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (strcmp(k->keys[i].kid, kid) == 0)
			return true;
	return false;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
oidc_keys_parse(const char *json, size_t len, struct oidc_keys **out,
                char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *list = json_object_get(doc, "keys"), *v;
	struct oidc_keys *k = NULL;
	size_t i;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "not a JWKS (no \"keys\" array)%s%s",
		         doc ? "" : ": ", doc ? "" : jerr.text);
		json_decref(doc);
		return -1;
	}
	k = calloc(1, sizeof *k);
	if (k && json_array_size(list))
		k->keys = calloc(json_array_size(list), sizeof *k->keys);
	if (!k || (json_array_size(list) && !k->keys)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	json_array_foreach(list, i, v) {
		struct key *key = &k->keys[k->n];
		cjose_err cerr;
		char *text;
		const char *use = str(v, "use");

		/* Keys for encryption are not for checking signatures. */
		if (!json_is_object(v) || (use && strcmp(use, "sig") != 0))
			continue;
		text = json_dumps(v, JSON_COMPACT);
		key->jwk = text ? cjose_jwk_import(text, strlen(text), &cerr)
		                : NULL;
		free(text);
		if (!key->jwk)
			continue; /* a kind libcjose cannot read (OKP, ...) */
		key->kty = cjose_jwk_get_kty(key->jwk, &cerr);
		/* A symmetric key in a public set would let anyone who
		 * reads the set sign: never taken. */
		if (key->kty != CJOSE_JWK_KTY_RSA && key->kty != CJOSE_JWK_KTY_EC) {
			cjose_jwk_release(key->jwk);
			continue;
		}
		snprintf(key->kid, sizeof key->kid, "%s",
		         str(v, "kid") ? str(v, "kid") : "");
		snprintf(key->alg, sizeof key->alg, "%s",
		         str(v, "alg") ? str(v, "alg") : "");
		k->n++;
	}
	json_decref(doc);
	if (k->n == 0) {
		snprintf(err, errlen, "the JWKS has no RSA or EC signing key");
		oidc_keys_free(k);
		return -1;
	}
	*out = k;
	return 0;
fail:
	json_decref(doc);
	oidc_keys_free(k);
	return -1;
}

/* The algorithms taken and the kind of key each needs. HS* (a shared
 * secret) and "none" are refused whatever the token says. */
static bool
alg_kty(const char *alg, cjose_jwk_kty_t *kty)
{
	static const char *const rsa[] = { "RS256", "RS384", "RS512",
		                           "PS256", "PS384", "PS512" };
	static const char *const ec[] = { "ES256", "ES384", "ES512" };

	for (size_t i = 0; i < sizeof rsa / sizeof *rsa; i++)
		if (strcmp(alg, rsa[i]) == 0) {
			*kty = CJOSE_JWK_KTY_RSA;
			return true;
		}
	for (size_t i = 0; i < sizeof ec / sizeof *ec; i++)
		if (strcmp(alg, ec[i]) == 0) {
			*kty = CJOSE_JWK_KTY_EC;
			return true;
		}
	return false;
}

static bool
looks_b64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return n > 0;
}

bool
oidc_looks_like_jwt(const char *text)
{
	const char *a = strchr(text, '.'), *b = a ? strchr(a + 1, '.') : NULL;

	/* An empty signature ("alg":"none") still looks like one: it is
	 * refused, and logged, as a JWT. */
	return a && b && !strchr(b + 1, '.') &&
	       looks_b64url(text, (size_t)(a - text)) &&
	       looks_b64url(a + 1, (size_t)(b - a - 1)) &&
	       (!b[1] || looks_b64url(b + 1, strlen(b + 1)));
}

static bool
aud_ok(const json_t *claims, const char *audience)
{
	const json_t *aud = json_object_get(claims, "aud"), *v;
	size_t i;
	bool hit = false;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), audience) == 0;
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return false;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), audience) == 0)
			hit = true;
	/* OpenID Connect Core 3.1.3.7: with several audiences, the party
	 * it was issued to (azp) must be us. */
	if (hit && json_array_size(aud) > 1) {
		const char *azp = str(claims, "azp");

		return azp && strcmp(azp, audience) == 0;
	}
	return hit;
}

/* A NumericDate claim: true and *v when present and a number. */
static bool
date(const json_t *claims, const char *key, int64_t *v)
{
	const json_t *d = json_object_get(claims, key);

	/* Bounded before the cast: a huge one is malformed, not UB. */
	if (!json_is_number(d) || json_number_value(d) < 0 ||
	    json_number_value(d) > 1e13)
		return false;
	*v = (int64_t)json_number_value(d);
	return true;
}

static int
check_claims(const json_t *c, const struct oidc_expect *e)
{
	int64_t exp, t;
	const char *iss = str(c, "iss"), *sub = str(c, "sub"),
	           *nonce = str(c, "nonce");

	if (!json_is_object(c) || !sub || !*sub)
		return OIDC_ECLAIMS;
	if (!iss || strcmp(iss, e->issuer) != 0)
		return OIDC_EISSUER;
	if (!aud_ok(c, e->audience))
		return OIDC_EAUDIENCE;
	if (!date(c, "exp", &exp))
		return OIDC_ECLAIMS;
	if (e->now_s > exp + e->skew_s)
		return OIDC_EEXPIRED;
	if (date(c, "nbf", &t) && e->now_s + e->skew_s < t)
		return OIDC_ENOTYET;
	if (date(c, "iat", &t) && e->now_s + e->skew_s < t)
		return OIDC_ENOTYET;
	if (json_object_get(c, "iat") && !date(c, "iat", &t))
		return OIDC_ECLAIMS;
	if (e->nonce) {
		if (!nonce || strcmp(nonce, e->nonce) != 0)
			return OIDC_ENONCE;
	} else if (json_object_get(c, "nonce") ||
	           (str(c, "typ") && strcmp(str(c, "typ"), "ID") == 0)) {
		/* An ID token offered as an access token (a nonce, or
		 * Keycloak's typ): a page's sign-in is not a grant for the
		 * API. */
		return OIDC_ENONCE;
	}
	return OIDC_OK;
}

int
oidc_verify(const struct oidc_keys *k, const char *token, size_t len,
            const struct oidc_expect *e, json_t **claims, char *kid_out,
            size_t kid_size)
{
	cjose_err cerr;
	cjose_jws_t *jws;
	cjose_header_t *h;
	const char *alg, *kid;
	cjose_jwk_kty_t kty;
	uint8_t *plain = NULL;
	size_t plain_len = 0, tried = 0;
	bool good = false;
	json_t *c;
	int rc;

	if (kid_out && kid_size)
		kid_out[0] = '\0';
	/* libcjose takes a length; no token of ours is near this, and a
	 * bound keeps a flood of huge headers cheap. */
	if (len == 0 || len > 16384 || !k)
		return OIDC_EMALFORMED;
	jws = cjose_jws_import(token, len, &cerr);
	if (!jws)
		return OIDC_EMALFORMED;
	h = cjose_jws_get_protected(jws);
	alg = h ? cjose_header_get(h, CJOSE_HDR_ALG, &cerr) : NULL;
	kid = h ? cjose_header_get(h, CJOSE_HDR_KID, &cerr) : NULL;
	if (!alg || !alg_kty(alg, &kty)) {
		cjose_jws_release(jws);
		return OIDC_EALG;
	}
	if (kid && kid_out)
		snprintf(kid_out, kid_size, "%s", kid);
	for (size_t i = 0; i < k->n && !good; i++) {
		const struct key *key = &k->keys[i];

		if (key->kty != kty || (kid && strcmp(key->kid, kid) != 0) ||
		    (key->alg[0] && strcmp(key->alg, alg) != 0))
			continue;
		tried++;
		good = cjose_jws_verify(jws, key->jwk, &cerr);
	}
	if (!good) {
		cjose_jws_release(jws);
		return tried ? OIDC_ESIGNATURE : kid ? OIDC_EKID : OIDC_ESIGNATURE;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr)) {
		cjose_jws_release(jws);
		return OIDC_EMALFORMED;
	}
	c = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES,
	               NULL);
	cjose_jws_release(jws);
	if (!c)
		return OIDC_ECLAIMS;
	rc = check_claims(c, e);
	if (rc != OIDC_OK) {
		json_decref(c);
		return rc;
	}
	*claims = c;
	return OIDC_OK;
}

/* The claim at a dotted path ("realm_access.roles"). */
static const json_t *
claim_at(const json_t *claims, const char *path)
{
	char part[128];
	const json_t *v = claims;

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof part)
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		/* A claim whose own name has a dot (Entra's, some
		 * Keycloak mappers' URLs) is found whole first. */
		if (v == claims && json_object_get(v, path))
			return json_object_get(v, path);
		v = json_object_get(v, part);
		path += n + (path[n] == '.');
	}
	return v;
}

static bool
holds(const json_t *groups, const char *g, size_t n)
{
	const json_t *v;
	size_t i;

	if (json_is_string(groups))
		return strlen(json_string_value(groups)) == n &&
		       memcmp(json_string_value(groups), g, n) == 0;
	json_array_foreach(groups, i, v)
		if (json_is_string(v) && strlen(json_string_value(v)) == n &&
		    memcmp(json_string_value(v), g, n) == 0)
			return true;
	return false;
}

const char *
oidc_role(const json_t *claims, const char *claim, const char *role_map,
          char *role, size_t role_size)
{
	const json_t *groups = claim_at(claims, claim);
	const char *p = role_map;

	if (!json_is_string(groups) && !json_is_array(groups))
		return NULL;
	while (*p) {
		size_t n = strcspn(p, ","), r = strcspn(p, "=");

		if (r < n && holds(groups, p + r + 1, n - r - 1) &&
		    r < role_size) {
			memcpy(role, p, r);
			role[r] = '\0';
			return role;
		}
		p += n + (p[n] == ',');
	}
	return NULL;
}

int
oidc_role_map_check(const char *role_map, const char *const *roles,
                    char *err, size_t errlen)
{
	const char *p = role_map;

	if (!*p) {
		snprintf(err, errlen, "empty: expected role=group,...");
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ","), r = strcspn(p, "=");
		bool known = false;

		if (r >= n || r == 0 || r + 1 == n) {
			snprintf(err, errlen, "'%.*s': expected role=group",
			         (int)n, p);
			return -1;
		}
		for (size_t i = 0; roles[i]; i++)
			if (strlen(roles[i]) == r && memcmp(roles[i], p, r) == 0)
				known = true;
		if (!known) {
			snprintf(err, errlen, "'%.*s': no such role", (int)r, p);
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

const char *
oidc_display_name(const json_t *claims)
{
	const char *keys[] = { "name", "preferred_username", "email" };

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (str(claims, keys[i]) && *str(claims, keys[i]))
			return str(claims, keys[i]);
	return "";
}

/* base64url without padding of n bytes. */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
}

int
oidc_random(char *out, size_t size, size_t n)
{
	unsigned char buf[64];

	if (n > sizeof buf || size < 4 * ((n + 2) / 3) + 1 ||
	    RAND_bytes(buf, (int)n) != 1)
		return -1;
	b64url(buf, n, out);
	return 0;
}

int
oidc_pkce_challenge(const char *verifier, char *out, size_t size)
{
	unsigned char md[32];
	unsigned int mlen = 0;

	if (size < 45 ||
	    !EVP_Digest(verifier, strlen(verifier), md, &mlen, EVP_sha256(),
	                NULL))
		return -1;
	b64url(md, mlen, out);
	return 0;
}
