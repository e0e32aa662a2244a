/* trackd as a client of the OpenID provider: its discovery document and
 * keys (JWKS), fetched at start and kept fresh, tokens verified against
 * them, and the code of a sign-in exchanged at its token endpoint. Every
 * call to the provider is an oidc_fetch (oidc-fetch.h) on trackd's loop.
 *
 * A provider that is down leaves the sign-in answering 503 and trackd's
 * own tokens working; the discovery is retried with backoff. Keys are
 * fetched again every OIDC_KEYS_MAX_US, and at once when a token names a
 * key not held (a rotation at the provider), at most every
 * OIDC_KEYS_MIN_US: a flood of made-up key ids costs one fetch each
 * OIDC_KEYS_MIN_US, no more. */
#ifndef TRACKD_OIDC_CLIENT_H
#define TRACKD_OIDC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "oidc-fetch.h"

struct app;

#define OIDC_SKEW_S 60              /* clock difference tolerated */
#define OIDC_KEYS_MIN_US 5000000    /* keys fetched at most this often */
#define OIDC_KEYS_MAX_US (INT64_C(3600) * 1000000) /* and at least */

/* The settings (options.h); the strings must outlive the client. */
struct oidc_config {
	const char *issuer;        /* https://..., or http on loopback */
	const char *client_id;
	const char *client_secret; /* NULL: a public client (PKCE only) */
	const char *audience;      /* of API access tokens; NULL: client_id */
	const char *role_claim;    /* "groups" */
	const char *role_map;      /* "security=tracking-guards,..." */
	const char *redirect_url;  /* NULL: from the request's Host */
	const char *scope;         /* "openid profile email" */
};

/* Check cfg (URLs, the role map against roles, a NULL-terminated list)
 * and make a->oidc: 0, or -1 with a message on stderr. */
int oidc_client_init(struct app *a, const struct oidc_config *cfg,
                     const char *const *roles);
/* Fetch the discovery document and keys (once the lws context is made);
 * stop before the context goes, free after. NULL-safe. */
void oidc_client_start(struct app *a);
void oidc_client_stop(struct app *a);
void oidc_client_free(struct app *a);

/* Whether OIDC is configured; ready: its endpoints and keys are in. */
bool oidc_client_enabled(const struct app *a);
bool oidc_client_ready(const struct app *a);
/* Why it is not ready ("" when it is). */
const char *oidc_client_error(const struct app *a);
const struct oidc_config *oidc_client_config(const struct app *a);
/* The provider's endpoints; NULL until discovered (end_session: NULL
 * when the provider has none). */
const char *oidc_client_authorize_url(const struct app *a);
const char *oidc_client_end_session_url(const struct app *a);
/* The provider's name for the sign-in button: its host. */
const char *oidc_client_name(const struct app *a);

/* Verify token with the keys held now, at now_s: an oidc_verify() verdict
 * (oidc-verify.h), *claims the caller's on OIDC_OK. nonce: the one sent
 * for an ID token (audience the client id), NULL for an access token
 * (audience the configured one). OIDC_EKID: the keys are asked for again
 * (rate-limited); a retry a moment later may pass. */
int oidc_client_verify(struct app *a, const char *token, const char *nonce,
                       int64_t now_s, json_t **claims);

/* Exchange code (with the PKCE verifier and the redirect_uri it was
 * asked with) for tokens, authenticating with the client secret when
 * there is one; cb is called once, later, from the loop. NULL when it
 * cannot start (cb is not called then). */
struct oidc_fetch *oidc_client_exchange(struct app *a, const char *code,
                                        const char *verifier,
                                        const char *redirect_uri,
                                        oidc_fetch_cb cb, void *ud);

/* For /metrics. */
struct oidc_stats {
	uint64_t key_fetches;     /* JWKS fetched */
	uint64_t fetch_failures;  /* discovery or keys fetches that failed */
	size_t keys;              /* keys held */
};
struct oidc_stats oidc_client_stats(const struct app *a);

#endif
