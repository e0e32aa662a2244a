/* mqtt-topic: the broker URL and the topics of track-ingest.v1 over MQTT,
 * shared by trackd (which subscribes) and the scanner programs (which
 * publish). Pure: no sockets, no allocation.
 *
 * A scanner publishes each ingest document on
 *	libtrack/<site id>/reports/<scanner id>
 * and trackd subscribes to libtrack/<site id>/reports/+. The topic names
 * the scanner, so that a broker's ACL can let each scanner's login publish
 * on its own topic only; trackd refuses a document that names another. */
#ifndef TRACK_TOOLS_MQTT_TOPIC_H
#define TRACK_TOOLS_MQTT_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

#define MQTT_PORT 1883
#define MQTTS_PORT 8883

/* The parts of mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS). */
struct mqtt_url {
	char host[256];   /* IPv6 without its brackets */
	int port;         /* 1883, or 8883 for mqtts:// when not given */
	bool tls;
};

/* Parse url into *u. NULL, or why it is not a broker URL. A user or a
 * password in the URL is refused: a command line is visible in ps. */
const char *mqtt_url_parse(const char *url, struct mqtt_url *u);

/* Whether id can be one level of a topic: NULL, or why not (MQTT gives
 * '/', '+' and '#' their own meaning). */
const char *mqtt_topic_level_ok(const char *id);

/* The topic scanner publishes on (scanner NULL: trackd's subscription,
 * with '+' for every scanner) into buf. 0, or -1 when it does not fit or
 * an id cannot be a topic level. */
int mqtt_topic_reports(char *buf, size_t len, const char *site,
                       const char *scanner);

/* The scanner id of topic, one of the site's reports topics, into out
 * (len bytes). NULL, or why topic is not one. */
const char *mqtt_topic_scanner(const char *topic, const char *site,
                               char *out, size_t len);

#endif
