/* Helpers both WebSocket protocols share (ingest-ws.c, live.c): the app
 * behind a connection, one message written whole, and the end of a
 * connection whose token no longer allows it. Service thread only. */
#ifndef TRACKD_WS_H
#define TRACKD_WS_H

#include <stdbool.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "access.h"
#include "app.h"

struct app *ws_app(struct lws *wsi);
/* Send text as one message; false when the connection must close. */
bool ws_send_text(struct lws *wsi, const char *text);
/* The same for doc (consumed), written as JSON_OUT. */
bool ws_send_json(struct lws *wsi, json_t *doc);
/* Tokens changed and wsi's caller may no longer do what it came for: the
 * connection ends with 1008 and why, at the next chance to write (*ending
 * is set: nothing else is sent or taken meanwhile). A client that reads
 * nothing is cut 2 s later without the close frame. */
void ws_end_for_access(struct lws *wsi, bool *ending,
                       const struct caller *who, const char *what);

#endif
