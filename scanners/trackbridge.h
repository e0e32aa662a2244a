/*
 * trackbridge: what its files share (internal to trackbridge).
 *
 *   trackbridge.c  main, MQTT in, batches to trackd
 *   trackbridge-opts.c  options and --help
 *   bridge-msg.c   ESPresense messages to reports, rooms to scanners (pure)
 *   bridge-ha.c    zones from trackd's live stream, back out to MQTT as
 *                  Home Assistant device trackers
 */
#ifndef TRACKBRIDGE_H
#define TRACKBRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <mosquitto.h>

#include "bridge-msg.h"
#include "ingest-client.h"

#define EXIT_USAGE 2

struct opts {
	/* The ESPresense broker it reads; the password from
	 * --mqtt-password-file or $TRACK_ESPRESENSE_PASSWORD (--mqtt-password
	 * still taken, with a warning: ps shows it). */
	const char *mqtt_host;
	int mqtt_port;
	const char *mqtt_user, *mqtt_password, *mqtt_password_file;
	const char *prefix;
	const char *server, *token, *token_file;
	/* --publish...: the reports to a broker for trackd --mqtt instead of
	 * trackd's WebSocket (--server then only for --ha's live stream), on
	 * libtrack/<publish_site>/reports/<scanner>; publish_site NULL: the
	 * site file's "site". */
	struct ingest_mqtt_opts publish;
	const char *publish_site;
	const char *site;
	const char *ha_prefix, *state_prefix;
	const char *ha_token;   /* for the live stream (--ha) */
	bool ha, quiet;
	long batch_ms, buffer;
};

/* Parses argv into *o, --map entries into *map.  Returns 0 to run, -1
 * after --help, or the exit status after printing why not. */
int bridge_opts_parse(int argc, char **argv, struct opts *o,
		      struct bridge_map *map);

struct ha;

/* Follows every floor of site (a parsed site file, kept by the caller)
 * on trackd's track-live.v1 at url, and publishes through m each tag's
 * zone: homeassistant/device_tracker/<object id>/config (retained, once)
 * and <state_prefix>/<object id>/state.  Returns 0, or -1 (printed). */
int ha_create(struct lws_context *ctx, const char *url, const char *token,
	      json_t *site, struct mosquitto *m, const char *ha_prefix,
	      const char *state_prefix, bool quiet, struct ha **out);

/* Publishes again everything known (after the broker came back). */
void ha_republish(struct ha *h);

void ha_halt(struct ha *h);
void ha_destroy(struct ha *h);

int ha_callback(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len);

#define HA_PROTOCOL \
	{ "track-live.v1", ha_callback, 0, 0, 0, NULL, 0 }

#endif /* TRACKBRIDGE_H */
