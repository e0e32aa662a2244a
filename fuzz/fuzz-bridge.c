/* fuzz-bridge: ESPresense MQTT messages as trackbridge gets them. The
 * input is the topic, a NUL byte, then the payload. Whatever they are, a
 * message is decoded or refused with a status, never a crash; a decoded
 * one has a terminated tag and room and a usable RSSI. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	struct bridge_report r;
	char *topic, id[BRIDGE_ID_MAX];
	size_t tlen;
	void *payload;

	if (!nul)
		return 0;
	tlen = (size_t)(nul - data);
	topic = malloc(tlen + 1);
	payload = malloc(size - tlen - 1 ? size - tlen - 1 : 1);
	if (!topic || !payload) {
		free(topic);
		free(payload);
		return 0;
	}
	memcpy(topic, data, tlen + 1);
	memcpy(payload, nul + 1, size - tlen - 1);
	if (bridge_parse("espresense", topic, payload, size - tlen - 1, &r) ==
	    BRIDGE_OK) {
		if (!memchr(r.tag, '\0', sizeof r.tag) ||
		    !memchr(r.room, '\0', sizeof r.room) || !isfinite(r.rssi) ||
		    r.rssi < -127 || r.rssi > 0)
			abort();
		bridge_tag_id(r.tag, NULL, id);
	}
	free(topic);
	free(payload);
	return 0;
}
