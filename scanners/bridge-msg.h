/*
 * bridge-msg: one ESPresense MQTT message to one ingest report.  Pure: no
 * I/O, no clock.
 *
 * ESPresense nodes publish each device they hear to
 * espresense/devices/<device-id>/<room> as JSON: "id", "rssi", "rssi@1m",
 * "distance", "mac", and more that the bridge does not need.  <room> is
 * the node's room name as a slug, which `track-site import-espresense`
 * also makes the scanner's id.
 */
#ifndef BRIDGE_MSG_H
#define BRIDGE_MSG_H

#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_ID_MAX 64   /* trackd's ids: 1 to 63 characters */

#define BRIDGE_STATUS_MAP(XX)                                               \
	XX(OK, 0, "ok")                                                     \
	XX(ETOPIC, -1, "topic is not <prefix>/devices/<id>/<room>")         \
	XX(EJSON, -2, "payload is not a JSON object")                       \
	XX(ERSSI, -3, "'rssi' missing or not a number in -127..0")          \
	XX(EID, -4, "device id empty, too long or unprintable")             \
	XX(EROOM, -5, "room not mapped to a scanner")

enum bridge_status {
#define BRIDGE_ENUM(name, code, text) BRIDGE_##name = code,
	BRIDGE_STATUS_MAP(BRIDGE_ENUM)
#undef BRIDGE_ENUM
};

#define BRIDGE_N_STATUS 6

const char *bridge_strerror(int status);

struct bridge_report {
	char tag[BRIDGE_ID_MAX];
	char room[BRIDGE_ID_MAX];
	double rssi;
	double tx;              /* "rssi@1m" */
	bool has_tx;
	bool odd_tx;            /* "rssi@1m" there but not a usable number */
};

/* Decodes a message on topic (prefix "espresense") with payload (len
 * bytes, not NUL-terminated).  Returns BRIDGE_OK and *out, or why not. */
int bridge_parse(const char *prefix, const char *topic, const void *payload,
		 size_t len, struct bridge_report *out);

/* The tag id for an ESPresense id (and its "mac", or NULL): iBeacon and
 * AltBeacon ids become trackscan's ("ibeacon:<uuid>-<major>-<minor>",
 * lower case), a bare address "aa:bb:cc:dd:ee:ff"; any other id is kept.
 * Returns 0, or -1 if it does not fit an id. */
int bridge_tag_id(const char *id, const char *mac, char out[BRIDGE_ID_MAX]);

/* Rooms to scanners: from --map ROOM=SCANNER, and the scanner ids of a
 * site file (a room maps to the scanner with its name). */
struct bridge_map {
	char (*room)[BRIDGE_ID_MAX];
	char (*scanner)[BRIDGE_ID_MAX];
	size_t n, cap;
};

/* Adds room -> scanner (copied; an earlier entry for room wins).  Returns
 * 0, or -1 (out of memory, or an id too long). */
int bridge_map_add(struct bridge_map *m, const char *room,
		   const char *scanner);

/* The scanner for room, or NULL. */
const char *bridge_map_find(const struct bridge_map *m, const char *room);

void bridge_map_free(struct bridge_map *m);

#endif /* BRIDGE_MSG_H */
