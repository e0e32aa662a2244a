/* A refused WebSocket handshake answered like every other refusal: an HTTP
 * status with a JSON body ({"error":...,"detail":...}), so that a client
 * (a scanner's log, a browser's console) sees why, not a dropped
 * connection. */
#ifndef TRACKD_HANDSHAKE_H
#define TRACKD_HANDSHAKE_H

#include <libwebsockets.h>

/* From LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: write the answer and
 * return what the callback must return (-1: lws then closes). */
int handshake_refuse(struct lws *wsi, unsigned status, const char *error,
                     const char *detail);

#endif
