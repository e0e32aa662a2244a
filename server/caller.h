/* Who is calling: the credentials a request or WebSocket handshake
 * carries, read from lws and handed to the access decisions (access.h). */
#ifndef TRACKD_CALLER_H
#define TRACKD_CALLER_H

#include <libwebsockets.h>

#include "access.h"

struct app;

/* The caller of wsi at trackd's clock, from "Authorization: Bearer T"
 * (one of trackd's tokens, or a JWT access token of the OpenID provider)
 * or, for browsers' WebSockets and downloads, "?token=T" (trackd's
 * tokens only), or the session cookie of a person signed in
 * (oidc-routes.c). With the provider configured, access is never open. */
void caller_of(struct app *a, struct lws *wsi, struct caller *c);

#endif
