/*
 * ingest-client: track-ingest.v1 over one WebSocket: connecting, and
 * reconnecting with backoff and jitter; writing the queued messages
 * (ingest-queue.c) in order; stopping; or, for an mqtt:// URL, the same
 * queue published to a broker (ingest-mqtt.c).  See ingest-client.h for
 * the contract.
 */
#include "ingest-client-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_MIN_US (500 * LWS_US_PER_MS)
#define RETRY_MAX_US (30 * LWS_US_PER_SEC)

/* ---- the connection ------------------------------------------------------ */

static void connect_cb(lws_sorted_usec_list_t *sul);

/* xorshift64*: the jitter needs no more than that. */
static double
uniform(struct ingest_client *c, double lo, double hi)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return lo + (hi - lo) * (double)((c->rng * 2685821657736338717ull) >>
					 11) / 9007199254740992.0;
}

static lws_usec_t
retry_delay(struct ingest_client *c)
{
	double base = (double)RETRY_MIN_US;

	for (unsigned k = 0; k < c->attempts && base < RETRY_MAX_US; k++)
		base *= 2.0;
	/* Jitter, so that scanners that lost the server together do not
	 * all come back in the same instant. */
	base *= uniform(c, 0.8, 1.2);
	return (lws_usec_t)(base < RETRY_MAX_US ? base : RETRY_MAX_US);
}

static void
schedule_retry(struct ingest_client *c, const char *what, const char *why)
{
	lws_usec_t us;

	if (c->retry_armed || c->stop == INGEST_CLOSING)
		return;
	us = retry_delay(c);
	c->attempts++;
	c->retry_armed = true;
	c->retry_at_us = ingest_mono_us() + us;
	if (!c->cfg.quiet)
		fprintf(stderr, "%s: %s ws://%s%s%s%s; retrying in %.1f s\n",
			c->cfg.prog, what, c->url.hostport, c->url.path,
			why ? ": " : "", why ? why : "",
			(double)us / LWS_US_PER_SEC);
	lws_sul_schedule(c->ctx, 0, &c->retry, connect_cb, us);
}

static void
connect_cb(lws_sorted_usec_list_t *sul)
{
	struct ingest_client *c = lws_container_of(sul, struct ingest_client,
						   retry);
	struct lws_client_connect_info i;

	c->retry_armed = false;
	memset(&i, 0, sizeof i);
	i.context = c->ctx;
	i.address = c->url.host;
	i.port = c->url.port;
	i.path = c->url.path;
	i.host = c->url.hostport;
	i.protocol = INGEST_PROTOCOL;
	i.local_protocol_name = INGEST_PROTOCOL;
	i.opaque_user_data = c;
	i.pwsi = &c->wsi;
	if (!lws_client_connect_via_info(&i)) {
		c->wsi = NULL;
		schedule_retry(c, "cannot connect to",
			       "could not start (unknown host?)");
	}
}

static bool
all_answered(const struct ingest_client *c)
{
	return !c->pending.head && !c->sent.head;
}

/* Writes the next pending message, or the close once stopping is done.
 * Returns -1 to close the connection. */
static int
writeable(struct ingest_client *c, struct lws *wsi)
{
	struct ingest_batch *b;

	if (c->stop == INGEST_CLOSING ||
	    (c->stop == INGEST_STOPPING && all_answered(c))) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"done", 4);
		return -1;
	}
	b = ingest_queue_pop(&c->pending);
	if (!b)
		return 0;
	if (lws_write(wsi, b->buf + LWS_PRE, b->len, LWS_WRITE_TEXT) <
	    (int)b->len) {
		/* It may or may not have reached trackd. */
		c->st.unanswered += b->n;
		free(b);
		return -1;
	}
	c->st.sent += b->n;
	ingest_queue_push(&c->sent, b);
	if (c->pending.head)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Over: the program's loop must see it now, not after its next timer
 * (lws_service would otherwise go on waiting in poll). */
static void
finish(struct ingest_client *c)
{
	c->done = true;
	lws_cancel_service(c->ctx);
}

static void
lost(struct ingest_client *c, const char *what, const char *why)
{
	bool was = c->connected;

	c->wsi = NULL;
	c->connected = false;
	c->st.connected = false;
	/* Sent but unanswered: trackd may have taken them before it went;
	 * sending them again could count a button press twice. */
	c->st.unanswered += ingest_queue_clear(&c->sent);
	c->rx_len = 0;
	c->rx_too_big = false;
	if (c->stop == INGEST_CLOSING ||
	    (c->stop == INGEST_STOPPING && all_answered(c))) {
		finish(c);
		return;
	}
	schedule_retry(c, was ? "lost the connection to" : what, why);
}

void *
ws_client_owner(struct lws *wsi, enum lws_callback_reasons reason)
{
	if (!wsi)
		return NULL;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return lws_get_opaque_user_data(wsi);
	default:
		return NULL;
	}
}

int
ingest_client_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct ingest_client *c;
	char auth[sizeof "Bearer " + INGEST_MAX_TOKEN];
	unsigned char **p;
	int n;

	(void)user;
	c = ws_client_owner(wsi, reason);
	if (!c)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!c->token)
			return 0;
		n = snprintf(auth, sizeof auth, "Bearer %s", c->token);
		if (n < 0 || (size_t)n >= sizeof auth)
			return -1;
		p = (unsigned char **)in;
		return lws_add_http_header_by_token(wsi,
			WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)auth, n,
			p, *p + len) ? -1 : 0;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->connected = true;
		c->st.connected = true;
		c->attempts = 0;
		if (!c->cfg.quiet)
			fprintf(stderr, "%s: connected to ws://%s%s\n",
				c->cfg.prog, c->url.hostport, c->url.path);
		if (c->pending.head || c->stop != INGEST_RUNNING)
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lost(c, "cannot connect to", in ? (const char *)in : NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_CLOSED:
		lost(c, "lost the connection to", NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (ingest_queue_receive(c, wsi, in, len) < 0) {
			fprintf(stderr, "%s: out of memory\n", c->cfg.prog);
			return -1;
		}
		if (c->stop == INGEST_STOPPING && all_answered(c))
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return writeable(c, wsi);

	default:
		return 0;
	}
}

/* ---- life ---------------------------------------------------------------- */

static void
free_client(struct ingest_client *c)
{
	if (!c)
		return;
	ingest_mqtt_free(c);
	free(c->rx);
	free(c->url_text);
	free(c->token);
	free(c);
}

/* The broker instead of trackd: the same client, queue and stop. */
static int
create_mqtt(struct lws_context *ctx, const struct ingest_client_config *cfg,
	    struct ingest_client **out)
{
	struct ingest_client *c = calloc(1, sizeof *c);

	if (!c || !(c->url_text = strdup(cfg->url))) {
		free(c);
		fprintf(stderr, "%s: out of memory\n", cfg->prog);
		return -1;
	}
	c->cfg = *cfg;
	c->cfg.url = c->url_text;
	c->cfg.token = NULL;
	c->ctx = ctx;
	c->drop_logged_us = ingest_mono_us() - DROP_LOG_US;
	if (ingest_mqtt_open(c, cfg) < 0) {
		free_client(c);
		return -1;
	}
	*out = c;
	return 0;
}

int
ingest_client_create(struct lws_context *ctx,
		     const struct ingest_client_config *cfg,
		     struct ingest_client **out)
{
	struct ingest_client *c;
	const char *why;
	struct ws_url url;
	bool mqtt = strncmp(cfg->url, "mqtt", 4) == 0;

	if (mqtt)
		return create_mqtt(ctx, cfg, out);
	why = ingest_url_parse(cfg->url, &url);
	if (why) {
		fprintf(stderr, "%s: '%s': %s\n", cfg->prog, cfg->url, why);
		return -1;
	}
	why = cfg->token ? ingest_token_check(cfg->token) : NULL;
	if (why) {
		fprintf(stderr, "%s: --token: %s\n", cfg->prog, why);
		return -1;
	}
	c = calloc(1, sizeof *c);
	if (!c)
		goto oom;
	c->cfg = *cfg;
	c->url = url;
	c->url_text = strdup(cfg->url);
	c->token = cfg->token ? strdup(cfg->token) : NULL;
	if (!c->url_text || (cfg->token && !c->token))
		goto oom;
	c->cfg.url = c->url_text;
	c->cfg.token = c->token;
	c->ctx = ctx;
	c->rng = cfg->seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!c->rng)
		c->rng = 1;
	c->drop_logged_us = ingest_mono_us() - DROP_LOG_US;
	c->retry_armed = true;
	lws_sul_schedule(ctx, 0, &c->retry, connect_cb, 1);
	*out = c;
	return 0;
oom:
	if (c) {
		free(c->url_text);
		free(c->token);
		free(c);
	}
	fprintf(stderr, "%s: out of memory\n", cfg->prog);
	return -1;
}

/* Gives up waiting: first asks to close now, then leaves. */
static void
stop_cb(lws_sorted_usec_list_t *sul)
{
	struct ingest_client *c = lws_container_of(sul, struct ingest_client,
						   stop_timer);

	lws_sul_cancel(&c->retry);
	c->retry_armed = false;
	if (c->stop == INGEST_STOPPING && c->wsi && c->connected) {
		c->stop = INGEST_CLOSING;
		lws_callback_on_writable(c->wsi);
		lws_sul_schedule(c->ctx, 0, &c->stop_timer, stop_cb,
				 2 * LWS_US_PER_SEC);
		return;
	}
	c->stop = INGEST_CLOSING;
	finish(c);
}

void
ingest_client_stop(struct ingest_client *c, int64_t wait_us)
{
	if (c->stop != INGEST_RUNNING)
		return;
	c->stop = INGEST_STOPPING;
	if (all_answered(c) && !c->wsi) {
		lws_sul_cancel(&c->retry);
		c->retry_armed = false;
		c->stop = INGEST_CLOSING;
		finish(c);
		return;
	}
	if (c->connected && c->wsi)
		lws_callback_on_writable(c->wsi);
	lws_sul_schedule(c->ctx, 0, &c->stop_timer, stop_cb,
			 wait_us > 0 ? wait_us : 1);
}

bool
ingest_client_done(const struct ingest_client *c)
{
	return c->done;
}

void
ingest_client_stats(const struct ingest_client *c,
		    struct ingest_client_stats *st)
{
	*st = c->st;
	st->unanswered += c->sent.reports;
}

void
ingest_client_state(const struct ingest_client *c, char *buf, size_t size)
{
	if (c->connected)
		snprintf(buf, size, "connected");
	else if (c->stop != INGEST_RUNNING)
		snprintf(buf, size, "stopped");
	else if (c->retry_armed)
		snprintf(buf, size, "disconnected (retry in %.1f s)",
			 (double)(c->retry_at_us - ingest_mono_us()) / 1e6);
	else
		snprintf(buf, size, "connecting");
}

void
ingest_client_halt(struct ingest_client *c)
{
	c->stop = INGEST_CLOSING;
	c->retry_armed = false;
	lws_sul_cancel(&c->retry);
	lws_sul_cancel(&c->stop_timer);
	if (c->m)
		ingest_mqtt_halt(c);
}

void
ingest_client_destroy(struct ingest_client *c)
{
	if (!c)
		return;
	c->st.dropped += ingest_queue_clear(&c->pending);
	c->st.unanswered += ingest_queue_clear(&c->sent);
	free_client(c);
}
