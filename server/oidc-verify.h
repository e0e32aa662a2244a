/* Tokens from an OpenID Connect provider checked: a key set (JWKS), an ID
 * token or a JWT access token verified against it (libcjose for JWK and
 * JWS, jansson for the claims), and a person's role read from a claim
 * through the role map. Pure: no sockets, no clock (time is an argument),
 * no state but what the caller passes; safe from any thread. */
#ifndef TRACKD_OIDC_VERIFY_H
#define TRACKD_OIDC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Every verdict, with what it means to a person reading the log. */
#define OIDC_VERDICTS(XX)                                                    \
	XX(OK, 0, "valid")                                                   \
	XX(EMALFORMED, -1, "not a signed JWT")                               \
	XX(EALG, -2, "signing algorithm not accepted")                       \
	XX(EKID, -3, "signed with a key the provider does not list")         \
	XX(ESIGNATURE, -4, "bad signature")                                  \
	XX(EISSUER, -5, "wrong issuer")                                      \
	XX(EAUDIENCE, -6, "wrong audience")                                  \
	XX(EEXPIRED, -7, "expired")                                          \
	XX(ENOTYET, -8, "not valid yet")                                     \
	XX(ENONCE, -9, "wrong nonce")                                        \
	XX(ECLAIMS, -10, "claims missing or malformed")                      \
	XX(ENOMEM, -11, "out of memory")

enum oidc_verdict {
#define XX(name, value, text) OIDC_##name = value,
	OIDC_VERDICTS(XX)
#undef XX
};

/* The verdict as text, for logs and answers; never NULL. */
const char *oidc_strerror(int verdict);

/* A provider's signing keys. Opaque; made by oidc_keys_parse(). */
struct oidc_keys;

/* The keys of a JWKS document (len bytes of JSON) into *out (untouched
 * on failure): 0, or -1 with the reason in err. Keys for encryption,
 * symmetric keys and kinds libcjose cannot read are left out; a set
 * with no signing key left is an error. The caller frees *out. */
int oidc_keys_parse(const char *json, size_t len, struct oidc_keys **out,
                    char *err, size_t errlen);
/* NULL is a no-op. */
void oidc_keys_free(struct oidc_keys *k);
size_t oidc_keys_count(const struct oidc_keys *k);
/* Whether k holds a key named kid. */
bool oidc_keys_has(const struct oidc_keys *k, const char *kid);

/* What a token must say to be taken. */
struct oidc_expect {
	const char *issuer;    /* iss, exactly */
	const char *audience;  /* one of aud; with several, azp must be it */
	const char *nonce;     /* ID tokens: the nonce sent; NULL: none may
	                        * be present (an access token) */
	int64_t now_s;         /* Unix time */
	int64_t skew_s;        /* clock difference tolerated, each way */
};

/* Verify the compact JWS token (len bytes) with keys k: its header names
 * an accepted asymmetric algorithm (RS, PS or ES, 256 to 512) and a key of
 * k of that kind (by kid; every such key when it names none), its
 * signature holds, and its claims match e (iss, aud, exp, nbf, iat, nonce,
 * a sub). OIDC_OK with *claims (a new reference, the caller's) or a
 * negative verdict, *claims untouched. OIDC_EKID says the keys may have
 * been rotated: fetch them again and retry; *kid_out (may be NULL) gets
 * the kid named, up to kid_size bytes. */
int oidc_verify(const struct oidc_keys *k, const char *token, size_t len,
                const struct oidc_expect *e, json_t **claims, char *kid_out,
                size_t kid_size);

/* Whether text looks like a compact JWS (three base64url parts): what
 * tells a provider's token from one of trackd's own. */
bool oidc_looks_like_jwt(const char *text);

/* The role claims give through role_map ("role=group,role=group,...";
 * checked by oidc_role_map_check): claim is the claim's name, dotted for
 * a nested one ("realm_access.roles"), holding a string or an array of
 * strings. The first pair of the map whose group the claim holds wins,
 * so the map's order is its precedence. The role's name, copied into
 * role (role_size bytes), which is returned; NULL when none matches. */
const char *oidc_role(const json_t *claims, const char *claim,
                      const char *role_map, char *role, size_t role_size);

/* Whether role_map is well formed, every role in it one of roles (a
 * NULL-terminated list): 0, or -1 with why in err. */
int oidc_role_map_check(const char *role_map, const char *const *roles,
                        char *err, size_t errlen);

/* The person's name for logs and the audit trail: the name claim, else
 * preferred_username, else email; "" when none. */
const char *oidc_display_name(const json_t *claims);

/* n random bytes as base64url without padding into out (size at least
 * 4 * n / 3 + 2): 0, or -1 when the system has no randomness. */
int oidc_random(char *out, size_t size, size_t n);
/* PKCE S256: base64url(SHA-256(verifier)) into out (size >= 44). */
int oidc_pkce_challenge(const char *verifier, char *out, size_t size);

#endif
