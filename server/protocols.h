/* The libwebsockets protocols of trackd's context (the glue over the
 * core): HTTP (http.c), track-ingest.v1 (ingest-ws.c) and track-live.v1
 * (live.c) served; the alarm webhook's client (webhook.c). */
#ifndef TRACKD_PROTOCOLS_H
#define TRACKD_PROTOCOLS_H

#include <stddef.h>

#include <libwebsockets.h>

struct app;

int http_callback(struct lws *wsi, enum lws_callback_reasons reason,
                  void *user, void *in, size_t len);
int ingest_callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len);
int live_callback(struct lws *wsi, enum lws_callback_reasons reason,
                  void *user, void *in, size_t len);
int webhook_callback(struct lws *wsi, enum lws_callback_reasons reason,
                     void *user, void *in, size_t len);

size_t http_pss_size(void);
size_t ingest_pss_size(void);
size_t live_pss_size(void);

/* The live stream's per-floor state: made at start, refreshed by every
 * update (head counts every few seconds). */
int live_init(struct app *a);
void live_update(struct app *a);
void live_free(struct app *a);

/* Sent to every WebSocket of both protocols when tokens or sessions
 * changed (access_watch()): each checks its caller again with
 * access_recheck(). */
#define ACCESS_RECHECK LWS_CALLBACK_USER

#endif
