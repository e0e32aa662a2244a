/* oidc-verify.c: ID tokens and access tokens checked with keys made here
 * through libcjose, the role map, PKCE. */
#undef NDEBUG
#include <criterion/criterion.h>
#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "server/oidc-verify.h"

#define ISS "https://idp.example/realms/site"
#define AUD "trackd"
#define NOW INT64_C(1900000000)

static const struct oidc_expect id_token = {
	.issuer = ISS, .audience = AUD, .nonce = "n-0S6_WzA2Mj",
	.now_s = NOW, .skew_s = 60,
};

/* A signing key, made fresh: EC P-256 (fast) or RSA 2048. */
static cjose_jwk_t *
key(bool rsa, const char *kid)
{
	cjose_err err;
	cjose_jwk_t *k = rsa ? cjose_jwk_create_RSA_random(2048, NULL, 0, &err)
	                     : cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256,
	                                                  &err);

	cr_assert(k, "key: %s", err.message);
	cr_assert(cjose_jwk_set_kid(k, kid, strlen(kid), &err));
	return k;
}

/* The public JWKS of keys k (n of them), parsed. */
static struct oidc_keys *
jwks(cjose_jwk_t **k, size_t n)
{
	json_t *set = json_pack("{s:[]}", "keys");
	struct oidc_keys *out = NULL;
	char *text, err[200];
	cjose_err cerr;

	for (size_t i = 0; i < n; i++) {
		char *pub = cjose_jwk_to_json(k[i], false, &cerr);

		json_array_append_new(json_object_get(set, "keys"),
		                      json_loads(pub, 0, NULL));
		free(pub);
	}
	text = json_dumps(set, JSON_COMPACT);
	cr_assert_eq(oidc_keys_parse(text, strlen(text), &out, err, sizeof err),
	             0, "%s", err);
	free(text);
	json_decref(set);
	return out;
}

/* claims (stolen) signed by k with alg: a compact JWS, malloc'd. */
static char *
sign(cjose_jwk_t *k, const char *alg, json_t *claims)
{
	cjose_err err;
	cjose_header_t *h = cjose_header_new(&err);
	char *body = json_dumps(claims, JSON_COMPACT), *out;
	const char *ser;
	cjose_jws_t *jws;

	cr_assert(cjose_header_set(h, CJOSE_HDR_ALG, alg, &err));
	cr_assert(cjose_header_set(h, CJOSE_HDR_KID, cjose_jwk_get_kid(k, &err),
	                           &err));
	jws = cjose_jws_sign(k, h, (const uint8_t *)body, strlen(body), &err);
	cr_assert(jws, "sign: %s", err.message);
	cr_assert(cjose_jws_export(jws, &ser, &err));
	out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	free(body);
	json_decref(claims);
	return out;
}

/* The claims of a good ID token; change one with json_object_set. */
static json_t *
good_claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:[s, s]}",
	                 "iss", ISS, "sub", "u-1001", "aud", AUD, "exp",
	                 (json_int_t)(NOW + 300), "iat", (json_int_t)NOW,
	                 "nonce", "n-0S6_WzA2Mj", "name", "Ada Guard",
	                 "groups", "staff", "tracking-guards");
}

static int
check(const struct oidc_keys *k, const char *tok, const struct oidc_expect *e)
{
	json_t *claims = NULL;
	int rc = oidc_verify(k, tok, strlen(tok), e, &claims, NULL, 0);

	cr_expect(rc == OIDC_OK ? claims != NULL : claims == NULL);
	json_decref(claims);
	return rc;
}

Test(oidc_verify, a_good_ec_id_token_is_accepted_with_its_claims)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	char *tok = sign(k, "ES256", good_claims());
	json_t *claims = NULL;

	cr_assert_eq(oidc_verify(ks, tok, strlen(tok), &id_token, &claims,
	                         NULL, 0),
	             OIDC_OK);
	cr_expect_str_eq(json_string_value(json_object_get(claims, "sub")),
	                 "u-1001");
	cr_expect_str_eq(oidc_display_name(claims), "Ada Guard");
	json_decref(claims);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_good_rsa_id_token_is_accepted)
{
	cjose_jwk_t *k = key(true, "rsa-1");
	struct oidc_keys *ks = jwks(&k, 1);
	char *tok = sign(k, "RS256", good_claims());

	cr_expect_eq(check(ks, tok, &id_token), OIDC_OK);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_tampered_signature_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	char *tok = sign(k, "ES256", good_claims());
	char *last = strrchr(tok, '.') + 5;

	*last = *last == 'A' ? 'B' : 'A';
	cr_expect_eq(check(ks, tok, &id_token), OIDC_ESIGNATURE);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, claims_changed_after_signing_are_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	char *tok = sign(k, "ES256", good_claims());
	char *other = sign(k, "ES256",
	                   json_pack("{s:s}", "sub", "someone-else"));
	char *mixed = malloc(strlen(tok) + strlen(other) + 1);
	const char *a1 = strchr(tok, '.'), *b1 = strchr(a1 + 1, '.');
	const char *a2 = strchr(other, '.'), *b2 = strchr(a2 + 1, '.');

	/* The first token's header and signature, the second's claims. */
	sprintf(mixed, "%.*s%.*s%s", (int)(a1 - tok), tok, (int)(b2 - a2), a2,
	        b1);
	cr_expect_eq(check(ks, mixed, &id_token), OIDC_ESIGNATURE);
	free(mixed);
	free(other);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, an_expired_token_is_refused_beyond_the_skew_only)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "exp", json_integer(NOW - 61));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EEXPIRED);
	free(tok);
	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW - 59));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_OK);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_token_from_the_future_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "nbf", json_integer(NOW + 120));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_ENOTYET);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_wrong_audience_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "aud", json_string("another-app"));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EAUDIENCE);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, several_audiences_need_the_authorized_party_to_be_us)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "aud", json_pack("[s, s]", "other", AUD));
	json_object_set_new(c, "azp", json_string("other"));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EAUDIENCE);
	free(tok);
	c = good_claims();
	json_object_set_new(c, "aud", json_pack("[s, s]", "other", AUD));
	json_object_set_new(c, "azp", json_string(AUD));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_OK);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_wrong_issuer_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "iss", json_string(ISS "-evil"));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EISSUER);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_wrong_or_missing_nonce_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	json_t *c = good_claims();
	char *tok;

	json_object_set_new(c, "nonce", json_string("replayed"));
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_ENONCE);
	free(tok);
	c = good_claims();
	json_object_del(c, "nonce");
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_ENONCE);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, an_id_token_is_not_taken_as_an_access_token)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	struct oidc_expect access = id_token;
	char *tok = sign(k, "ES256", good_claims());
	json_t *c = good_claims();

	access.nonce = NULL;
	cr_expect_eq(check(ks, tok, &access), OIDC_ENONCE);
	free(tok);
	json_object_del(c, "nonce");
	tok = sign(k, "ES256", c);
	cr_expect_eq(check(ks, tok, &access), OIDC_OK);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

/* base64url of text, malloc'd. */
static char *
b64(const char *text)
{
	char *out;
	size_t n;
	cjose_err err;

	cr_assert(cjose_base64url_encode((const uint8_t *)text, strlen(text),
	                                 &out, &n, &err));
	return out;
}

Test(oidc_verify, alg_none_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	char *h = b64("{\"alg\":\"none\",\"kid\":\"ec-1\"}");
	json_t *c = good_claims();
	char *body = json_dumps(c, JSON_COMPACT), *p = b64(body);
	char tok[2048];

	json_decref(c);

	snprintf(tok, sizeof tok, "%s.%s.", h, p);
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EALG);
	free(h);
	free(p);
	free(body);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, hmac_signed_with_a_shared_secret_is_refused)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);
	cjose_err err;
	cjose_jwk_t *oct = cjose_jwk_create_oct_random(32, &err);
	char *tok;

	cjose_jwk_set_kid(oct, "ec-1", 4, &err);
	tok = sign(oct, "HS256", good_claims());
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EALG);
	free(tok);
	cjose_jwk_release(oct);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, an_unknown_kid_asks_for_the_keys_again)
{
	cjose_jwk_t *k = key(false, "ec-1"), *rotated = key(false, "ec-2");
	struct oidc_keys *ks = jwks(&k, 1);
	char *tok = sign(rotated, "ES256", good_claims());
	char kid[32];
	json_t *claims = NULL;

	cr_expect_eq(oidc_verify(ks, tok, strlen(tok), &id_token, &claims, kid,
	                         sizeof kid),
	             OIDC_EKID);
	cr_expect_str_eq(kid, "ec-2");
	cr_expect_not(oidc_keys_has(ks, "ec-2"));
	oidc_keys_free(ks);
	{
		cjose_jwk_t *both[] = { k, rotated };

		ks = jwks(both, 2);
	}
	cr_expect(oidc_keys_has(ks, "ec-2"));
	cr_expect_eq(check(ks, tok, &id_token), OIDC_OK);
	free(tok);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
	cjose_jwk_release(rotated);
}

Test(oidc_verify, a_key_of_another_kind_than_the_alg_is_not_tried)
{
	cjose_jwk_t *k = key(false, "same");
	struct oidc_keys *ks = jwks(&k, 1);
	cjose_jwk_t *r = key(true, "same");
	char *tok = sign(r, "RS256", good_claims());

	/* An RS256 token naming the EC key's kid: no RSA key of that name. */
	cr_expect_eq(check(ks, tok, &id_token), OIDC_EKID);
	free(tok);
	cjose_jwk_release(r);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, garbage_is_malformed)
{
	cjose_jwk_t *k = key(false, "ec-1");
	struct oidc_keys *ks = jwks(&k, 1);

	cr_expect_eq(check(ks, "not-a-jwt", &id_token), OIDC_EMALFORMED);
	cr_expect_eq(check(ks, "a.b.c", &id_token), OIDC_EMALFORMED);
	cr_expect_eq(check(ks, "", &id_token), OIDC_EMALFORMED);
	oidc_keys_free(ks);
	cjose_jwk_release(k);
}

Test(oidc_verify, a_jwks_of_symmetric_or_encryption_keys_only_is_refused)
{
	const char *set = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\","
	                  "\"kid\":\"s\"}]}";
	struct oidc_keys *ks = NULL;
	char err[200];

	cr_expect_eq(oidc_keys_parse(set, strlen(set), &ks, err, sizeof err),
	             -1);
	cr_expect_null(ks);
	cr_expect_eq(oidc_keys_parse("{}", 2, &ks, err, sizeof err), -1);
	cr_expect_eq(oidc_keys_parse("nope", 4, &ks, err, sizeof err), -1);
}

Test(oidc_verify, every_verdict_has_a_text)
{
	cr_expect_str_eq(oidc_strerror(OIDC_OK), "valid");
	cr_expect_str_eq(oidc_strerror(OIDC_EEXPIRED), "expired");
	cr_expect_str_eq(oidc_strerror(42), "unknown verdict");
}

Test(oidc_verify, jwt_shapes_are_told_from_trackd_tokens)
{
	cr_expect(oidc_looks_like_jwt("eyJh.eyJz.c2ln"));
	cr_expect(oidc_looks_like_jwt("eyJh.eyJz."));
	cr_expect_not(oidc_looks_like_jwt("trk_0123456789abcdef"));
	cr_expect_not(oidc_looks_like_jwt("a.b.c.d"));
	cr_expect_not(oidc_looks_like_jwt("a b.c.d"));
}

/* ---- the role map ------------------------------------------------------ */

#define MAP "admin=tracking-admins,security=tracking-guards," \
	    "manager=tracking-managers"

Test(oidc_role, the_groups_claim_gives_the_role_of_the_map)
{
	json_t *c = json_pack("{s:[s, s]}", "groups", "staff",
	                      "tracking-guards");
	char role[16];

	cr_expect_str_eq(oidc_role(c, "groups", MAP, role, sizeof role),
	                 "security");
	json_decref(c);
}

Test(oidc_role, the_first_pair_of_the_map_wins)
{
	json_t *c = json_pack("{s:[s, s]}", "groups", "tracking-managers",
	                      "tracking-admins");
	char role[16];

	cr_expect_str_eq(oidc_role(c, "groups", MAP, role, sizeof role),
	                 "admin");
	json_decref(c);
}

Test(oidc_role, no_group_of_the_map_gives_no_role)
{
	json_t *c = json_pack("{s:[s]}", "groups", "canteen");
	json_t *none = json_pack("{s:s}", "sub", "x");
	json_t *prefix = json_pack("{s:[s]}", "groups", "tracking-guard");
	char role[16];

	cr_expect_null(oidc_role(c, "groups", MAP, role, sizeof role));
	cr_expect_null(oidc_role(none, "groups", MAP, role, sizeof role));
	cr_expect_null(oidc_role(prefix, "groups", MAP, role, sizeof role));
	json_decref(c);
	json_decref(none);
	json_decref(prefix);
}

Test(oidc_role, a_nested_claim_or_a_single_string_is_read)
{
	json_t *kc = json_pack("{s:{s:[s]}}", "realm_access", "roles",
	                       "tracking-managers");
	json_t *one = json_pack("{s:s}", "role", "tracking-guards");
	char role[16];

	cr_expect_str_eq(oidc_role(kc, "realm_access.roles", MAP, role,
	                           sizeof role),
	                 "manager");
	cr_expect_str_eq(oidc_role(one, "role", MAP, role, sizeof role),
	                 "security");
	json_decref(kc);
	json_decref(one);
}

Test(oidc_role, the_map_is_checked_against_the_roles)
{
	const char *const roles[] = { "viewer", "security", "admin", NULL };
	char err[200];

	cr_expect_eq(oidc_role_map_check("security=g1,admin=g2", roles, err,
	                                 sizeof err),
	             0);
	cr_expect_eq(oidc_role_map_check("boss=g1", roles, err, sizeof err),
	             -1);
	cr_expect(strstr(err, "no such role"));
	cr_expect_eq(oidc_role_map_check("security", roles, err, sizeof err),
	             -1);
	cr_expect_eq(oidc_role_map_check("security=", roles, err, sizeof err),
	             -1);
	cr_expect_eq(oidc_role_map_check("", roles, err, sizeof err), -1);
}

/* ---- PKCE ---------------------------------------------------------------- */

Test(oidc_pkce, the_challenge_is_that_of_rfc_7636_appendix_b)
{
	char out[64];

	cr_assert_eq(oidc_pkce_challenge(
		             "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out,
		             sizeof out),
	             0);
	cr_expect_str_eq(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

Test(oidc_pkce, random_verifiers_are_43_base64url_characters_and_differ)
{
	char a[48], b[48];

	cr_assert_eq(oidc_random(a, sizeof a, 32), 0);
	cr_assert_eq(oidc_random(b, sizeof b, 32), 0);
	cr_expect_eq(strlen(a), 43);
	cr_expect_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                       "0123456789-_"),
	             43);
	cr_expect_str_neq(a, b);
	cr_expect_eq(oidc_random(a, 10, 32), -1);
}
