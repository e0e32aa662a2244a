/*
 * ingest-client: track-ingest.v1 over one WebSocket, with a bounded queue,
 * answers counted in order, and reconnection with backoff and jitter.
 * See ingest-client.h for the contract.
 */
#include "ingest-client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define RETRY_MIN_US (500 * LWS_US_PER_MS)
#define RETRY_MAX_US (30 * LWS_US_PER_SEC)
#define MAX_ANSWER (1 << 20)
/* Drops are logged at most this often, not once per message. */
#define DROP_LOG_US (10 * LWS_US_PER_SEC)

/* One message, waiting to be sent or sent and waiting for its answer. */
struct batch {
	struct batch *next;
	int64_t t_ms;
	size_t n;
	size_t len;             /* JSON text at buf + LWS_PRE */
	unsigned char *buf;
	void *user;             /* user_len bytes for on_refusal */
};

struct queue {
	struct batch *head, *tail;
	size_t reports;
};

enum stop { RUNNING, STOPPING, CLOSING };

struct ingest_client {
	struct ingest_client_config cfg;
	char *url_text, *token;
	struct ws_url url;
	struct lws_context *ctx;
	struct lws *wsi;        /* NULL: no connection (attempt) */
	bool connected;
	bool retry_armed;
	unsigned attempts;      /* failed since the last connection */
	int64_t retry_at_us;
	lws_sorted_usec_list_t retry, stop_timer;
	enum stop stop;
	bool done;
	struct queue pending, sent;
	char *rx;               /* the answer being received */
	size_t rx_len, rx_cap;
	bool rx_too_big;
	uint64_t rng;
	int64_t drop_logged_us;
	unsigned long long drops_unlogged;
	bool odd_answer_shown;
	struct ingest_client_stats st;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the queues ---------------------------------------------------------- */

static void
queue_push(struct queue *q, struct batch *b)
{
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->reports += b->n;
}

static struct batch *
queue_pop(struct queue *q)
{
	struct batch *b = q->head;

	if (b) {
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		b->next = NULL;
		q->reports -= b->n;
	}
	return b;
}

/* Frees every batch in q; returns how many reports they held. */
static unsigned long long
queue_clear(struct queue *q)
{
	unsigned long long n = 0;
	struct batch *b;

	while ((b = queue_pop(q))) {
		n += b->n;
		free(b);
	}
	return n;
}

/* Counts n dropped reports; logs them now and then, never per message. */
static void
dropped(struct ingest_client *c, size_t n, const char *why)
{
	int64_t now = mono_us();

	c->st.dropped += n;
	c->drops_unlogged += n;
	if (c->cfg.quiet || now - c->drop_logged_us < DROP_LOG_US)
		return;
	fprintf(stderr, "%s: dropped %llu reports (%s; %llu in all)\n",
		c->cfg.prog, c->drops_unlogged, why, c->st.dropped);
	c->drops_unlogged = 0;
	c->drop_logged_us = now;
}

int
ingest_client_send(struct ingest_client *c, const char *json, size_t len,
		   size_t n_reports, int64_t t_ms, const void *user,
		   size_t user_len)
{
	struct batch *b = malloc(sizeof *b + LWS_PRE + len + user_len + 1);

	if (!b)
		return -1;
	b->next = NULL;
	b->t_ms = t_ms;
	b->n = n_reports;
	b->len = len;
	b->buf = (unsigned char *)(b + 1);
	memcpy(b->buf + LWS_PRE, json, len);
	b->user = b->buf + LWS_PRE + len;
	if (user_len)
		memcpy(b->user, user, user_len);
	queue_push(&c->pending, b);
	/* Bounded while disconnected: the oldest go first, the newest are
	 * what a map needs. */
	while (c->cfg.max_reports && c->pending.reports > c->cfg.max_reports &&
	       c->pending.head != c->pending.tail) {
		struct batch *old = queue_pop(&c->pending);

		dropped(c, old->n, "queue full while trackd is unreachable");
		free(old);
	}
	if (c->connected)
		lws_callback_on_writable(c->wsi);
	return 0;
}

size_t
ingest_client_expire(struct ingest_client *c, int64_t t_ms)
{
	size_t n = 0;

	while (c->pending.head && c->pending.head->t_ms < t_ms) {
		struct batch *b = queue_pop(&c->pending);

		n += b->n;
		free(b);
	}
	if (n)
		dropped(c, n, "too old to send");
	return n;
}

size_t
ingest_client_queued(const struct ingest_client *c)
{
	return c->pending.reports;
}

/* ---- answers ------------------------------------------------------------- */

static void
refused(struct ingest_client *c, const struct batch *b, long long index,
	const char *why)
{
	if (c->cfg.on_refusal)
		c->cfg.on_refusal(c->cfg.ctx, b->user, index, why);
}

/* Counts the answer {"accepted":N,"rejected":[{"index":i,"error":"..."}],
 * "error":"..."} to message b. */
static void
count_answer(struct ingest_client *c, const struct batch *b, const char *text,
	     size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *acc = json_object_get(doc, "accepted");
	json_t *rej = json_object_get(doc, "rejected");
	json_t *err = json_object_get(doc, "error");
	json_t *o;
	size_t i;

	if (!json_is_integer(acc) || json_integer_value(acc) < 0 ||
	    (size_t)json_integer_value(acc) > b->n || !json_is_array(rej)) {
		c->st.unanswered += b->n;
		if (!c->odd_answer_shown)
			fprintf(stderr, "%s: unexpected answer from trackd "
				"(counted as unanswered): %.200s\n",
				c->cfg.prog, text);
		c->odd_answer_shown = true;
		json_decref(doc);
		return;
	}
	c->st.accepted += (unsigned long long)json_integer_value(acc);
	if (json_is_string(err)) {
		/* The whole message was refused. */
		c->st.rejected += b->n - (size_t)json_integer_value(acc);
		refused(c, b, -1, json_string_value(err));
	}
	json_array_foreach(rej, i, o) {
		json_t *why = json_object_get(o, "error");

		if (!json_is_string(err))
			c->st.rejected++;
		refused(c, b, json_integer_value(json_object_get(o, "index")),
			json_is_string(why) ? json_string_value(why) :
					      "(no reason given)");
	}
	json_decref(doc);
}

/* Takes one received piece of an answer.  Returns 0, or -1 out of
 * memory. */
static int
receive(struct ingest_client *c, struct lws *wsi, const void *in, size_t len)
{
	struct batch *b;

	if (c->rx_too_big || c->rx_len + len > MAX_ANSWER) {
		c->rx_too_big = true;
	} else {
		if (c->rx_len + len + 1 > c->rx_cap) {
			size_t cap = 2 * (c->rx_len + len + 1);
			char *p = realloc(c->rx, cap);

			if (!p)
				return -1;
			c->rx = p;
			c->rx_cap = cap;
		}
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		c->rx[c->rx_len] = '\0';
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	b = queue_pop(&c->sent);
	if (b && !c->rx_too_big)
		count_answer(c, b, c->rx, c->rx_len);
	else if (b)
		c->st.unanswered += b->n;
	free(b);
	c->rx_len = 0;
	c->rx_too_big = false;
	return 0;
}

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

	if (c->retry_armed || c->stop == CLOSING)
		return;
	us = retry_delay(c);
	c->attempts++;
	c->retry_armed = true;
	c->retry_at_us = mono_us() + us;
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
	struct batch *b;

	if (c->stop == CLOSING || (c->stop == STOPPING && all_answered(c))) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"done", 4);
		return -1;
	}
	b = queue_pop(&c->pending);
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
	queue_push(&c->sent, b);
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
	c->st.unanswered += queue_clear(&c->sent);
	c->rx_len = 0;
	c->rx_too_big = false;
	if (c->stop == CLOSING || (c->stop == STOPPING && all_answered(c))) {
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
		if (c->pending.head || c->stop != RUNNING)
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lost(c, "cannot connect to", in ? (const char *)in : NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_CLOSED:
		lost(c, "lost the connection to", NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (receive(c, wsi, in, len) < 0) {
			fprintf(stderr, "%s: out of memory\n", c->cfg.prog);
			return -1;
		}
		if (c->stop == STOPPING && all_answered(c))
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return writeable(c, wsi);

	default:
		return 0;
	}
}

/* ---- life ---------------------------------------------------------------- */

int
ingest_client_create(struct lws_context *ctx,
		     const struct ingest_client_config *cfg,
		     struct ingest_client **out)
{
	struct ingest_client *c;
	const char *why;
	struct ws_url url;

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
	c->drop_logged_us = mono_us() - DROP_LOG_US;
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
	if (c->stop == STOPPING && c->wsi && c->connected) {
		c->stop = CLOSING;
		lws_callback_on_writable(c->wsi);
		lws_sul_schedule(c->ctx, 0, &c->stop_timer, stop_cb,
				 2 * LWS_US_PER_SEC);
		return;
	}
	c->stop = CLOSING;
	finish(c);
}

void
ingest_client_stop(struct ingest_client *c, int64_t wait_us)
{
	if (c->stop != RUNNING)
		return;
	c->stop = STOPPING;
	if (all_answered(c) && !c->wsi) {
		lws_sul_cancel(&c->retry);
		c->retry_armed = false;
		c->stop = CLOSING;
		finish(c);
		return;
	}
	if (c->connected)
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
	else if (c->stop != RUNNING)
		snprintf(buf, size, "stopped");
	else if (c->retry_armed)
		snprintf(buf, size, "disconnected (retry in %.1f s)",
			 (double)(c->retry_at_us - mono_us()) / 1e6);
	else
		snprintf(buf, size, "connecting");
}

void
ingest_client_halt(struct ingest_client *c)
{
	c->stop = CLOSING;
	c->retry_armed = false;
	lws_sul_cancel(&c->retry);
	lws_sul_cancel(&c->stop_timer);
}

void
ingest_client_destroy(struct ingest_client *c)
{
	if (!c)
		return;
	c->st.dropped += queue_clear(&c->pending);
	c->st.unanswered += queue_clear(&c->sent);
	free(c->rx);
	free(c->url_text);
	free(c->token);
	free(c);
}
