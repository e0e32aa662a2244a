/* load-mqtt: with --mqtt, the scanners' messages published to a broker
 * (one client for all of them, QoS 1, each to its scanner's topic,
 * libtrack/<site id>/reports/<scanner id>) instead of sent over one
 * WebSocket each: the same documents, to measure what the broker costs
 * trackd. The library's network thread takes the acknowledgements
 * (PUBACK), so the counts it touches are atomic. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

/* A message's reports, by its id, until the broker acknowledges it. */
#define INFLIGHT 4096

static void
on_connect(struct mosquitto *m, void *ud, int rc)
{
	struct load *L = ud;

	(void)m;
	__atomic_store_n(&L->mq_state, rc == 0 ? 1 : -1, __ATOMIC_RELEASE);
}

static void
on_publish(struct mosquitto *m, void *ud, int mid)
{
	struct load *L = ud;
	size_t n = L->mq_reports[(unsigned)mid % INFLIGHT];

	(void)m;
	__atomic_fetch_add(&L->c.accepted, n, __ATOMIC_RELAXED);
}

int
mqtt_open(struct load *L)
{
	const char *site = track_site_id(L->doc);
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int rc;

	snprintf(L->mq_topic, sizeof L->mq_topic, "libtrack/%s/reports/",
	         site);
	L->mq_reports = calloc(INFLIGHT, sizeof *L->mq_reports);
	mosquitto_lib_init();
	L->mq = mosquitto_new(NULL, true, L);
	if (!L->mq || !L->mq_reports) {
		fprintf(stderr, "trackd-load: out of memory\n");
		return -1;
	}
	mosquitto_connect_callback_set(L->mq, on_connect);
	mosquitto_publish_callback_set(L->mq, on_publish);
	/* Every message in flight at once, as a scanner's buffer would
	 * send them; the broker paces them by its acknowledgements. */
	mosquitto_max_inflight_messages_set(L->mq, INFLIGHT / 2);
	rc = mosquitto_connect(L->mq, L->o.mqtt_host, L->o.mqtt_port, 30);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_start(L->mq);
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "trackd-load: --mqtt %s: %s\n", L->o.mqtt,
		        mosquitto_strerror(rc));
		return -1;
	}
	for (int i = 0; i < 500; i++) {
		int st = __atomic_load_n(&L->mq_state, __ATOMIC_ACQUIRE);

		if (st > 0)
			return 0;
		if (st < 0)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "trackd-load: --mqtt %s: the broker did not take "
	                "the connection\n", L->o.mqtt);
	return -1;
}

int
mqtt_publish(struct scanner *s)
{
	struct load *L = s->L;
	char topic[sizeof L->mq_topic + 128];
	struct msg *m;

	snprintf(topic, sizeof topic, "%s%s", L->mq_topic, s->sc->id);
	while ((m = msg_pop(&s->head, &s->tail))) {
		/* The library numbers messages 1, 2, ... 65535, 1, ... and
		 * only this thread publishes: the count goes in before the
		 * acknowledgement can come. */
		int mid = 0, expect = L->mq_last_mid % 65535 + 1, rc;

		L->mq_reports[(unsigned)expect % INFLIGHT] = m->n;
		rc = mosquitto_publish(L->mq, &mid, topic, (int)m->len,
		                       m->buf + LWS_PRE, 1, false);
		s->queued -= m->n;
		if (rc != MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "trackd-load: publish to %s: %s\n",
			        topic, mosquitto_strerror(rc));
			free(m);
			return -1;
		}
		if (mid != expect) /* not as expected: late, but counted */
			L->mq_reports[(unsigned)mid % INFLIGHT] = m->n;
		L->mq_last_mid = mid;
		free(m);
	}
	return 0;
}

void
mqtt_close(struct load *L)
{
	if (L->mq) {
		mosquitto_disconnect(L->mq);
		mosquitto_loop_stop(L->mq, false);
		mosquitto_destroy(L->mq);
		mosquitto_lib_cleanup();
	}
	free(L->mq_reports);
	L->mq = NULL;
	L->mq_reports = NULL;
}
