/* What the ingest client's files share, not for anyone else:
 *   ingest-queue.c   the messages: the bounded queue of unsent ones, and
 *                    the sent ones, each matched to its answer
 *   ingest-mqtt.c    the broker instead of trackd (mqtt://): the same
 *                    queues, published with QoS 1, each sent one taken
 *                    off at its PUBACK
 *   ingest-client.c  the lws connection: connecting, retrying with
 *                    backoff, writing, stopping; the client's life
 * ingest-client.c calls into the other two, never the other way round. */
#ifndef INGEST_CLIENT_PRIVATE_H
#define INGEST_CLIENT_PRIVATE_H

#include "ingest-client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libwebsockets.h>
#include <mosquitto.h>

#include "mqtt-topic.h"

/* Drops are logged at most this often, not once per message. */
#define DROP_LOG_US (10 * LWS_US_PER_SEC)

/* One message, waiting to be sent or sent and waiting for its answer. */
struct ingest_batch {
	struct ingest_batch *next;
	int64_t t_ms;
	size_t n;
	size_t len;             /* JSON text at buf + LWS_PRE */
	unsigned char *buf;
	void *user;             /* user_len bytes for on_refusal */
	char *topic;            /* MQTT only: libtrack/<site>/reports/<id> */
	int mid;                /* MQTT only: its id while published */
};

struct ingest_queue {
	struct ingest_batch *head, *tail;
	size_t reports;
};

enum ingest_stop { INGEST_RUNNING, INGEST_STOPPING, INGEST_CLOSING };

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
	enum ingest_stop stop;
	bool done;
	struct ingest_queue pending, sent;
	char *rx;               /* the answer being received */
	size_t rx_len, rx_cap;
	bool rx_too_big;
	uint64_t rng;
	int64_t drop_logged_us;
	unsigned long long drops_unlogged;
	bool odd_answer_shown;
	struct ingest_client_stats st;
	/* MQTT (ingest-mqtt.c): m is NULL over the WebSocket. */
	struct mosquitto *m;
	struct mqtt_url murl;
	char *site, *mqtt_user, *mqtt_password, *mqtt_cafile;
	lws_sorted_usec_list_t mqtt_timer;
	bool mqtt_socket, mqtt_host_set, bad_topic_shown;
	size_t inflight;        /* published, waiting for PUBACK */
};

static inline int64_t
ingest_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Appends b to q. */
void ingest_queue_push(struct ingest_queue *q, struct ingest_batch *b);

/* Takes the oldest batch off q: NULL when q is empty. */
struct ingest_batch *ingest_queue_pop(struct ingest_queue *q);

/* Frees every batch in q; returns how many reports they held. */
unsigned long long ingest_queue_clear(struct ingest_queue *q);

/* The broker as trackd (ingest-mqtt.c). Open: check and set up for
 * cfg (0, or -1 with a message), then connect from the loop. Flush:
 * publish what is pending, as far as the window allows. Halt: stop
 * turning the loop; free after the context is gone. */
int ingest_mqtt_open(struct ingest_client *c,
		     const struct ingest_client_config *cfg);
void ingest_mqtt_flush(struct ingest_client *c);
void ingest_mqtt_halt(struct ingest_client *c);
void ingest_mqtt_free(struct ingest_client *c);

/* Takes one received piece of an answer; the last piece counts the whole
 * answer against the oldest sent message.  Returns 0, or -1 out of
 * memory. */
int ingest_queue_receive(struct ingest_client *c, struct lws *wsi,
			 const void *in, size_t len);

#endif /* INGEST_CLIENT_PRIVATE_H */
