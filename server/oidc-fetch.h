/* One HTTP exchange with the OpenID provider (a GET of its discovery
 * document or keys, a POST to its token endpoint), through the lws client
 * on trackd's own loop, as the webhook's (webhook.h): never a thread, the
 * loop never waits. An answer is bounded (OIDC_FETCH_MAX) and an exchange
 * gives up after OIDC_FETCH_TIMEOUT_S. Only the name lookup of the
 * provider's host is synchronous, as for the webhook (the lws of Debian
 * 12 has no asynchronous resolver), and is usually cached. */
#ifndef TRACKD_OIDC_FETCH_H
#define TRACKD_OIDC_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#define OIDC_FETCH_MAX (256 * 1024)
#define OIDC_FETCH_TIMEOUT_S 10

/* Whether url is one trackd calls the provider at: https, or http to a
 * loopback address (a provider on this machine, as in the tests); host
 * and path (with its leading '/') split out when the buffers hold them.
 * tls: https. */
bool oidc_fetch_url(const char *url, char *host, size_t hsize, int *port,
                    char *path, size_t psize, bool *tls);

/* An exchange under way. */
struct oidc_fetch;

/* What came back, once: err NULL with the HTTP status and body (len
 * bytes, NUL-terminated, valid during the call), or err. */
typedef void (*oidc_fetch_cb)(void *ud, const char *err, int status,
                              const char *body, size_t len);

/* GET url, or POST form (application/x-www-form-urlencoded; malloc'd,
 * now the fetch's, freed even on failure) when form is not NULL. auth:
 * an Authorization header value, or NULL (copied). HTTPS certificates are
 * checked against the system's CAs. cb is called once, later, from the
 * loop; NULL when the exchange cannot start (cb is not called then). */
struct oidc_fetch *oidc_fetch_start(struct lws_context *cx, const char *url,
                                    char *form, const char *auth,
                                    oidc_fetch_cb cb, void *ud);
/* The caller is gone: cb will not be called; the fetch ends by itself.
 * NULL is a no-op. */
void oidc_fetch_abandon(struct oidc_fetch *f);

/* The lws protocol "trackd-oidc" (trackd.c). */
int oidc_fetch_callback(struct lws *wsi, enum lws_callback_reasons reason,
                        void *user, void *in, size_t len);

#endif
