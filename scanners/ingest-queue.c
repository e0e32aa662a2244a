/*
 * ingest-queue: the messages an ingest client holds: the unsent ones in a
 * queue kept within max_reports, and the sent ones in order, each taken
 * off when its answer comes and the answer counted (the queues
 * themselves are ingest-batches.c's).
 */
#include "ingest-client-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_ANSWER (1 << 20)

/* Counts n dropped reports; logs them now and then, never per message. */
static void
dropped(struct ingest_client *c, size_t n, const char *why)
{
	int64_t now = ingest_mono_us();

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
ingest_client_send(struct ingest_client *c, const char *scanner,
		   const char *json, size_t len, size_t n_reports,
		   int64_t t_ms, const void *user, size_t user_len)
{
	char topic[256];
	size_t tlen = 0;
	struct ingest_batch *b;

	if (c->m) {
		if (mqtt_topic_reports(topic, sizeof topic, c->site, scanner) <
		    0) {
			if (!c->bad_topic_shown)
				fprintf(stderr, "%s: scanner '%s' cannot be an "
					"MQTT topic level; its reports are "
					"dropped\n", c->cfg.prog, scanner);
			c->bad_topic_shown = true;
			c->st.dropped += n_reports;
			return 0;
		}
		tlen = strlen(topic) + 1;
	}
	b = malloc(sizeof *b + LWS_PRE + len + user_len + tlen + 1);
	if (!b)
		return -1;
	b->next = NULL;
	b->topic = NULL;
	b->mid = 0;
	b->t_ms = t_ms;
	b->n = n_reports;
	b->len = len;
	b->buf = (unsigned char *)(b + 1);
	memcpy(b->buf + LWS_PRE, json, len);
	b->user = b->buf + LWS_PRE + len;
	if (user_len)
		memcpy(b->user, user, user_len);
	if (tlen) {
		b->topic = (char *)b->user + user_len;
		memcpy(b->topic, topic, tlen);
	}
	ingest_queue_push(&c->pending, b);
	/* Bounded while disconnected: the oldest go first, the newest are
	 * what a map needs. */
	while (c->cfg.max_reports && c->pending.reports > c->cfg.max_reports &&
	       c->pending.head != c->pending.tail) {
		struct ingest_batch *old = ingest_queue_pop(&c->pending);

		dropped(c, old->n, "queue full while trackd is unreachable");
		free(old);
	}
	if (c->m)
		ingest_mqtt_flush(c);
	else if (c->connected)
		lws_callback_on_writable(c->wsi);
	return 0;
}

size_t
ingest_client_expire(struct ingest_client *c, int64_t t_ms)
{
	size_t n = 0;

	while (c->pending.head && c->pending.head->t_ms < t_ms) {
		struct ingest_batch *b = ingest_queue_pop(&c->pending);

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
refused(struct ingest_client *c, const struct ingest_batch *b,
	long long index, const char *why)
{
	if (c->cfg.on_refusal)
		c->cfg.on_refusal(c->cfg.ctx, b->user, index, why);
}

/* Counts the answer {"accepted":N,"rejected":[{"index":i,"error":"..."}],
 * "error":"..."} to message b. */
static void
count_answer(struct ingest_client *c, const struct ingest_batch *b,
	     const char *text, size_t len)
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

int
ingest_queue_receive(struct ingest_client *c, struct lws *wsi,
		     const void *in, size_t len)
{
	struct ingest_batch *b;

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
	b = ingest_queue_pop(&c->sent);
	if (b && !c->rx_too_big)
		count_answer(c, b, c->rx, c->rx_len);
	else if (b)
		c->st.unanswered += b->n;
	free(b);
	c->rx_len = 0;
	c->rx_too_big = false;
	return 0;
}
