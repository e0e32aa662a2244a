/*
 * ingest-mqtt: the ingest client's messages published to an MQTT broker
 * instead of sent to trackd: each on libtrack/<site>/reports/<scanner>
 * with QoS 1, at most WINDOW waiting for their PUBACK, the rest in the
 * client's bounded queue (ingest-queue.c) as while trackd is away.
 * libmosquitto keeps the published ones across a lost connection and
 * sends them again on the next (at least once, as QoS 1 promises).
 * Everything runs in the program's lws loop: a timer reads, writes and
 * keeps the session alive, and reconnects with the client's backoff.
 */
#include "ingest-client-private.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_US (50 * LWS_US_PER_MS)
#define TURN_PACKETS 4096
#define WINDOW 64
#define KEEPALIVE_S 30
#define RETRY_MIN_US (500 * LWS_US_PER_MS)
#define RETRY_MAX_US (30 * LWS_US_PER_SEC)

/* Taken by the broker: off the sent queue (PUBACKs come in order, but a
 * reconnection may change it). */
static void
on_publish(struct mosquitto *m, void *ud, int mid)
{
	struct ingest_client *c = ud;
	struct ingest_batch **pp = &c->sent.head, *prev = NULL;

	(void)m;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		struct ingest_batch *b = *pp;

		if (b->mid != mid)
			continue;
		*pp = b->next;
		if (c->sent.tail == b)
			c->sent.tail = prev;
		c->sent.reports -= b->n;
		c->st.accepted += b->n;
		c->inflight--;
		free(b);
		break;
	}
	/* Publishing from a callback only queues; turn() finishes a stop,
	 * since libmosquitto's loop cannot be turned from its own callback
	 * (it would wait on a lock it holds). */
	ingest_mqtt_flush(c);
}

static void
on_connect(struct mosquitto *m, void *ud, int rc)
{
	struct ingest_client *c = ud;

	(void)m;
	if (rc != 0) {
		fprintf(stderr, "%s: the broker refused the connection: %s\n",
			c->cfg.prog, mosquitto_connack_string(rc));
		return;
	}
	c->connected = true;
	c->st.connected = true;
	c->attempts = 0;
	if (!c->cfg.quiet)
		fprintf(stderr, "%s: connected to %s://%s:%d, publishing on "
			"libtrack/%s/reports/<scanner>\n", c->cfg.prog,
			c->murl.tls ? "mqtts" : "mqtt", c->murl.host,
			c->murl.port, c->site);
	ingest_mqtt_flush(c);
}

static void
lost(struct ingest_client *c, int rc)
{
	double us = (double)RETRY_MIN_US;
	bool was = c->connected;

	c->mqtt_socket = false;
	c->connected = false;
	c->st.connected = false;
	/* Stopping with messages left: retried as while running, until the
	 * stop's wait is over (ingest_client_stop), as over the WebSocket. */
	if (c->stop == INGEST_CLOSING ||
	    (c->stop == INGEST_STOPPING && !c->pending.head && !c->sent.head)) {
		c->stop = INGEST_CLOSING;
		c->done = true;
		lws_cancel_service(c->ctx);
		return;
	}
	for (unsigned k = 0; k < c->attempts && us < RETRY_MAX_US; k++)
		us *= 2.0;
	us *= 0.8 + 0.4 * (double)(rand() % 1001) / 1000.0;
	if (us > RETRY_MAX_US)
		us = RETRY_MAX_US;
	c->attempts++;
	c->retry_armed = true;
	c->retry_at_us = ingest_mono_us() + (int64_t)us;
	if (!c->cfg.quiet)
		fprintf(stderr, "%s: %s mqtt://%s:%d (%s); retrying in %.1f s\n",
			c->cfg.prog, was ? "lost the broker" : "cannot connect to",
			c->murl.host, c->murl.port,
			rc == MOSQ_ERR_ERRNO ? strerror(errno)
					     : mosquitto_strerror(rc),
			us / 1e6);
}

static void
attempt(struct ingest_client *c)
{
	int rc = c->mqtt_host_set
		 ? mosquitto_reconnect_async(c->m)
		 : mosquitto_connect_async(c->m, c->murl.host, c->murl.port,
					   KEEPALIVE_S);

	if (rc != MOSQ_ERR_INVAL && rc != MOSQ_ERR_NOMEM)
		c->mqtt_host_set = true;
	c->retry_armed = false;
	if (rc == MOSQ_ERR_SUCCESS)
		c->mqtt_socket = true;
	else
		lost(c, rc);
}

/* Stopping, and everything taken: disconnect and be done. From turn()
 * only, outside libmosquitto's callbacks (see on_publish). */
static void
finish_if_done(struct ingest_client *c)
{
	if (c->stop != INGEST_STOPPING || c->pending.head || c->sent.head)
		return;
	c->stop = INGEST_CLOSING;
	if (c->mqtt_socket) {
		mosquitto_disconnect(c->m);
		mosquitto_loop_write(c->m, 1);
		c->mqtt_socket = false;
	}
	c->connected = false;
	c->st.connected = false;
	c->done = true;
	lws_cancel_service(c->ctx);
}

static void
turn(lws_sorted_usec_list_t *sul)
{
	struct ingest_client *c = lws_container_of(sul, struct ingest_client,
						   mqtt_timer);
	lws_usec_t next = POLL_US;
	int rc = MOSQ_ERR_SUCCESS;

	if (c->stop == INGEST_CLOSING)
		return;
	if (!c->mqtt_socket && ingest_mono_us() >= c->retry_at_us)
		attempt(c);
	for (int k = 0; c->mqtt_socket && rc == MOSQ_ERR_SUCCESS; k++) {
		struct pollfd p = { .fd = mosquitto_socket(c->m),
				    .events = POLLIN };

		if (p.fd < 0 || k == TURN_PACKETS) {
			next = p.fd < 0 ? next : 1;
			break;
		}
		if (mosquitto_want_write(c->m))
			p.events |= POLLOUT;
		if (poll(&p, 1, 0) <= 0)
			break;
		if (p.revents & (POLLIN | POLLERR | POLLHUP))
			rc = mosquitto_loop_read(c->m, 1);
		if (rc == MOSQ_ERR_SUCCESS && (p.revents & POLLOUT) &&
		    mosquitto_socket(c->m) >= 0)
			rc = mosquitto_loop_write(c->m, 1);
	}
	if (c->mqtt_socket && rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_misc(c->m);
	finish_if_done(c);
	if (c->stop == INGEST_CLOSING)
		return;
	if (c->mqtt_socket &&
	    (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(c->m) < 0))
		lost(c, rc);
	if (c->stop != INGEST_CLOSING)
		lws_sul_schedule(c->ctx, 0, &c->mqtt_timer, turn, next);
}

void
ingest_mqtt_flush(struct ingest_client *c)
{
	while (c->connected && c->inflight < WINDOW && c->pending.head) {
		struct ingest_batch *b = ingest_queue_pop(&c->pending);
		int rc = mosquitto_publish(c->m, &b->mid, b->topic, (int)b->len,
					   b->buf + LWS_PRE, 1, false);

		if (rc != MOSQ_ERR_SUCCESS) {
			/* Not handed over: first again, on the next
			 * connection. */
			b->next = c->pending.head;
			c->pending.head = b;
			if (!c->pending.tail)
				c->pending.tail = b;
			c->pending.reports += b->n;
			break;
		}
		c->st.sent += b->n;
		c->inflight++;
		ingest_queue_push(&c->sent, b);
	}
}

int
ingest_mqtt_open(struct ingest_client *c,
		 const struct ingest_client_config *cfg)
{
	const char *why = mqtt_url_parse(cfg->url, &c->murl);

	if (why) {
		fprintf(stderr, "%s: '%s': %s\n", cfg->prog, cfg->url, why);
		return -1;
	}
	if (!cfg->site || mqtt_topic_level_ok(cfg->site)) {
		fprintf(stderr, "%s: site id '%s' cannot be an MQTT topic "
			"level\n", cfg->prog, cfg->site ? cfg->site : "");
		return -1;
	}
	c->site = strdup(cfg->site);
	c->mqtt_user = cfg->mqtt_user ? strdup(cfg->mqtt_user) : NULL;
	c->mqtt_password = cfg->mqtt_password ? strdup(cfg->mqtt_password)
					      : NULL;
	c->mqtt_cafile = cfg->mqtt_cafile ? strdup(cfg->mqtt_cafile) : NULL;
	mosquitto_lib_init();
	c->m = mosquitto_new(NULL, true, c);
	if (!c->site || !c->m || (cfg->mqtt_user && !c->mqtt_user) ||
	    (cfg->mqtt_password && !c->mqtt_password) ||
	    (cfg->mqtt_cafile && !c->mqtt_cafile)) {
		fprintf(stderr, "%s: out of memory\n", cfg->prog);
		return -1;
	}
	if ((c->mqtt_user || c->mqtt_password) &&
	    mosquitto_username_pw_set(c->m, c->mqtt_user, c->mqtt_password) !=
		    MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "%s: the broker login cannot be used\n",
			cfg->prog);
		return -1;
	}
	if (c->murl.tls &&
	    (c->mqtt_cafile
	     ? mosquitto_tls_set(c->m, c->mqtt_cafile, NULL, NULL, NULL, NULL)
	     : mosquitto_int_option(c->m, MOSQ_OPT_TLS_USE_OS_CERTS, 1)) !=
		    MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "%s: the CA file %s cannot be used\n",
			cfg->prog, c->mqtt_cafile ? c->mqtt_cafile
						  : "(the system's)");
		return -1;
	}
	mosquitto_connect_callback_set(c->m, on_connect);
	mosquitto_publish_callback_set(c->m, on_publish);
	lws_sul_schedule(c->ctx, 0, &c->mqtt_timer, turn, 1);
	return 0;
}

void
ingest_mqtt_halt(struct ingest_client *c)
{
	lws_sul_cancel(&c->mqtt_timer);
	if (c->mqtt_socket) {
		mosquitto_disconnect(c->m);
		mosquitto_loop_write(c->m, 1);
		c->mqtt_socket = false;
	}
}

void
ingest_mqtt_free(struct ingest_client *c)
{
	if (c->m) {
		mosquitto_destroy(c->m);
		mosquitto_lib_cleanup();
	}
	free(c->site);
	free(c->mqtt_user);
	if (c->mqtt_password)
		memset(c->mqtt_password, 0, strlen(c->mqtt_password));
	free(c->mqtt_password);
	free(c->mqtt_cafile);
}
