/* bridge-msg: ESPresense messages to ingest reports (see bridge-msg.h). */
#include "bridge-msg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

const char *
bridge_strerror(int status)
{
	switch (status) {
#define BRIDGE_CASE(name, code, text) case code: return text;
	BRIDGE_STATUS_MAP(BRIDGE_CASE)
#undef BRIDGE_CASE
	}
	return "unknown status";
}

static bool
printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* "aabbccddeeff" or "aa:bb:cc:dd:ee:ff" (either case) to the latter, in
 * lower case; false if it is neither. */
static bool
mac_text(const char *s, char out[18])
{
	size_t n = 0, len = strlen(s);
	bool colons = len == 17;

	if (len != 12 && len != 17)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (colons && i % 3 == 2) {
			if (c != ':')
				return false;
			continue;
		}
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		if (n && n % 3 == 2)
			out[n++] = ':';
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 17;
}

int
bridge_tag_id(const char *id, const char *mac, char out[BRIDGE_ID_MAX])
{
	char m[18];
	int n;

	if (id && strncasecmp(id, "mac:", 4) == 0 && mac_text(id + 4, m)) {
		id = NULL;
		mac = m;
	}
	if ((!id || !*id) && mac && mac_text(mac, m)) {
		memcpy(out, m, sizeof m);
		return 0;
	}
	if (!id || !*id || !printable(id))
		return -1;
	if (strncasecmp(id, "iBeacon:", 8) == 0 ||
	    strncasecmp(id, "altBeacon:", 10) == 0) {
		/* The same tag as trackscan names it. */
		size_t len = strlen(id);

		if (len >= BRIDGE_ID_MAX)
			return -1;
		for (size_t i = 0; i <= len; i++)
			out[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ?
					id[i] - 'A' + 'a' : id[i]);
		return 0;
	}
	n = snprintf(out, BRIDGE_ID_MAX, "%s", id);
	return n > 0 && n < BRIDGE_ID_MAX ? 0 : -1;
}

int
bridge_parse(const char *prefix, const char *topic, const void *payload,
	     size_t len, struct bridge_report *out)
{
	size_t plen = strlen(prefix);
	const char *dev, *room, *slash;
	char dev_id[BRIDGE_ID_MAX];
	json_t *doc, *rssi, *tx, *id, *mac;
	int rc = BRIDGE_OK;

	if (strncmp(topic, prefix, plen) != 0 ||
	    strncmp(topic + plen, "/devices/", 9) != 0)
		return BRIDGE_ETOPIC;
	dev = topic + plen + 9;
	slash = strchr(dev, '/');
	if (!slash || slash == dev || !slash[1] || strchr(slash + 1, '/'))
		return BRIDGE_ETOPIC;
	room = slash + 1;
	if ((size_t)(slash - dev) >= sizeof dev_id ||
	    strlen(room) >= sizeof out->room || !printable(room))
		return BRIDGE_EID;
	memcpy(dev_id, dev, (size_t)(slash - dev));
	dev_id[slash - dev] = '\0';

	doc = json_loadb(payload, len, 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return BRIDGE_EJSON;
	}
	rssi = json_object_get(doc, "rssi");
	tx = json_object_get(doc, "rssi@1m");
	id = json_object_get(doc, "id");
	mac = json_object_get(doc, "mac");
	memset(out, 0, sizeof *out);
	if (!json_is_number(rssi) || !(json_number_value(rssi) >= -127 &&
				       json_number_value(rssi) <= 0)) {
		rc = BRIDGE_ERSSI;
		goto out;
	}
	/* The payload's id is the topic's; the topic is there when the
	 * payload has none. */
	if (bridge_tag_id(json_is_string(id) ? json_string_value(id) : dev_id,
			  json_is_string(mac) ? json_string_value(mac) : NULL,
			  out->tag) < 0) {
		rc = BRIDGE_EID;
		goto out;
	}
	strcpy(out->room, room);
	out->rssi = json_number_value(rssi);
	if (json_is_number(tx) && json_number_value(tx) >= -127 &&
	    json_number_value(tx) <= 20) {
		out->tx = json_number_value(tx);
		out->has_tx = true;
	} else if (tx && !json_is_null(tx)) {
		out->odd_tx = true;
	}
out:
	json_decref(doc);
	return rc;
}

int
bridge_map_add(struct bridge_map *m, const char *room, const char *scanner)
{
	if (strlen(room) >= BRIDGE_ID_MAX || strlen(scanner) >= BRIDGE_ID_MAX)
		return -1;
	if (bridge_map_find(m, room))
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		char (*r)[BRIDGE_ID_MAX] = realloc(m->room, cap * sizeof *r);

		if (!r)
			return -1;
		m->room = r;
		r = realloc(m->scanner, cap * sizeof *r);
		if (!r)
			return -1;
		m->scanner = r;
		m->cap = cap;
	}
	strcpy(m->room[m->n], room);
	strcpy(m->scanner[m->n], scanner);
	m->n++;
	return 0;
}

const char *
bridge_map_find(const struct bridge_map *m, const char *room)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->room[i], room) == 0)
			return m->scanner[i];
	}
	return NULL;
}

void
bridge_map_free(struct bridge_map *m)
{
	free(m->room);
	free(m->scanner);
	memset(m, 0, sizeof *m);
}
