/* Ingest through an MQTT broker (--mqtt): trackd subscribes with QoS 1 to
 * libtrack/<site id>/reports/+ in a persistent session (clean session off,
 * a stable client id), so that reports published while it is briefly away
 * come when it is back. Each message is one track-ingest.v1 document from
 * the scanner its topic names, and goes through app_ingest() as a
 * WebSocket frame does: the same limits, the same counters. A document
 * naming another scanner than its topic's is refused, counted and logged:
 * who may publish on which topic is the broker's ACL.
 *
 * libmosquitto runs inside the lws loop, without threads: a timer reads
 * what the socket holds, writes what is waiting and keeps the session
 * alive, and reconnects with backoff when the broker goes. */
#ifndef TRACKD_MQTT_INGEST_H
#define TRACKD_MQTT_INGEST_H

#include <stdbool.h>
#include <stdint.h>

struct app;

struct mqtt_ingest_config {
	const char *url;           /* mqtt://HOST[:PORT] or mqtts:// */
	const char *cafile;        /* mqtts: the CA to trust; NULL: the
	                            * system's */
	const char *user;          /* NULL: none */
	const char *password_file; /* first line; NULL: $TRACK_MQTT_PASSWORD */
	const char *client_id;     /* NULL: trackd-<site>-<hostname> */
};

/* Why a message was refused whole (a document taken with some reports
 * refused is not: those are the ingest counters'). */
enum mqtt_refusal {
	MQTT_REFUSED_WRONG_SCANNER, /* names another scanner than its topic */
	MQTT_REFUSED_DOCUMENT,      /* not an ingest document (bad JSON...) */
	MQTT_REFUSED_TOPIC,         /* a topic that names no scanner */
	MQTT_REFUSED_TOO_BIG,       /* over 1 MiB */
	MQTT_REFUSED_RETAINED,      /* retained: old news at every start */
	MQTT_N_REFUSALS
};

struct mqtt_ingest_stats {
	bool on;                   /* --mqtt given */
	bool connected;            /* connected and subscribed */
	const char *state;         /* "connected", "connecting", or why not */
	uint64_t messages;         /* received */
	uint64_t refused[MQTT_N_REFUSALS];
	uint64_t reconnects;       /* connections after the first */
	uint64_t connect_failures; /* attempts that failed or were refused */
};

/* The name of a refusal, for /metrics. */
const char *mqtt_refusal_name(enum mqtt_refusal r);

/* Check cfg and set up the session (nothing connects yet): 0, or -1 with
 * a message on stderr (a bad URL, a site id that cannot be a topic, an
 * unreadable password file, out of memory). */
int mqtt_ingest_init(struct app *a, const struct mqtt_ingest_config *cfg);
/* Connect and keep connected, from the loop (after the lws context is
 * made). Without --mqtt these and the calls below do nothing. */
void mqtt_ingest_start(struct app *a);
/* Reads what the broker's socket holds now (the loop also looks every
 * 50 ms): called before each engine update, so that a report that came in
 * is in it. Nothing without --mqtt. */
void mqtt_ingest_drain(struct app *a);
/* At shutdown, before the lws context goes: disconnect (the session and
 * its subscription stay on the broker). */
void mqtt_ingest_stop(struct app *a);
void mqtt_ingest_free(struct app *a);

/* The MQTT client id (--mqtt-client-id, or trackd-<site>-<host>): the
 * instance's name among those of a pair; "" without --mqtt. */
const char *mqtt_ingest_client_id(const struct app *a);

/* All zero (on false) without --mqtt. */
struct mqtt_ingest_stats mqtt_ingest_stats(const struct app *a);

#endif
