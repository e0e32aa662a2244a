/*
 * trackbridge: ESPresense nodes, through their MQTT broker, as scanners
 * for trackd.
 *
 * One lws event loop runs it all.  A timer turns libmosquitto's loop
 * without waiting (so the broker, trackd and the timers share one
 * thread); each ESPresense message is decoded (bridge-msg.c), its room
 * mapped to a scanner, and kept; every --batch-ms the reports go to trackd
 * as one ingest message per scanner through the shared ingest client
 * (over its WebSocket, or with --publish through a broker).  A
 * message that cannot be used is counted by reason and the first few are
 * logged; none stops the bridge.  With --ha, the zones trackd puts the
 * tags in go back to the broker for Home Assistant (bridge-ha.c).
 */
#include "trackbridge.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge-msg.h"
#include "ingest-client.h"

#define MQTT_POLL_US (10 * LWS_US_PER_MS)
#define MQTT_RETRY_MIN_US (500 * LWS_US_PER_MS)
#define MQTT_RETRY_MAX_US (30 * LWS_US_PER_SEC)
#define STATUS_US (60 * LWS_US_PER_SEC)
#define SHOW_PER_REASON 5

struct pending {
	double t;
	double rssi, tx;
	bool has_tx;
	const char *scanner;    /* in the map */
	char tag[BRIDGE_ID_MAX];
};

struct bridge {
	struct opts o;
	json_t *site;
	const char *site_id;    /* in site: its "site" */
	struct bridge_map map;
	struct lws_context *ctx;
	struct ingest_client *client;
	struct ha *ha;
	struct mosquitto *m;
	bool mqtt_up;
	unsigned mqtt_attempts;
	int64_t mqtt_retry_at;
	lws_sorted_usec_list_t mqtt_timer, batch_timer, status_timer;
	struct pending *ring;
	size_t cap, n;
	bool *sent_flag;
	char *topic;
	bool stopping;
	unsigned long long messages, used, odd_tx, dropped;
	unsigned long long bad[BRIDGE_N_STATUS];
	unsigned shown[BRIDGE_N_STATUS];
};

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- MQTT in ------------------------------------------------------------- */

static void
refuse(struct bridge *b, int status, const char *topic)
{
	b->bad[-status]++;
	if (b->shown[-status] >= SHOW_PER_REASON)
		return;
	fprintf(stderr, "trackbridge: %s: %s (skipped)%s\n", topic,
		bridge_strerror(status),
		++b->shown[-status] == SHOW_PER_REASON ?
		"; further ones only counted" : "");
}

static void
on_message(struct mosquitto *m, void *ctx, const struct mosquitto_message *msg)
{
	struct bridge *b = ctx;
	struct bridge_report r;
	struct pending *p;
	const char *scanner;
	int rc;

	(void)m;
	b->messages++;
	rc = bridge_parse(b->o.prefix, msg->topic, msg->payload,
			  (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0),
			  &r);
	if (rc != BRIDGE_OK) {
		refuse(b, rc, msg->topic);
		return;
	}
	scanner = bridge_map_find(&b->map, r.room);
	if (!scanner) {
		refuse(b, BRIDGE_EROOM, msg->topic);
		return;
	}
	if (r.odd_tx) {
		b->odd_tx++;
		if (b->odd_tx <= SHOW_PER_REASON)
			fprintf(stderr, "trackbridge: %s: 'rssi@1m' is not a "
				"power in dBm; reported without it\n",
				msg->topic);
	}
	if (b->n == b->cap) {
		/* Full within one batch interval: the oldest go. */
		memmove(b->ring, b->ring + 1, (b->cap - 1) * sizeof *b->ring);
		b->n--;
		b->dropped++;
	}
	p = &b->ring[b->n++];
	p->t = now_s();
	p->rssi = r.rssi;
	p->tx = r.tx;
	p->has_tx = r.has_tx;
	p->scanner = scanner;
	memcpy(p->tag, r.tag, sizeof p->tag);
	b->used++;
}

static void
on_connect(struct mosquitto *m, void *ctx, int rc)
{
	struct bridge *b = ctx;
	char *topic = b->topic;

	if (rc != 0) {
		fprintf(stderr, "trackbridge: the broker refused the "
			"connection: %s\n", mosquitto_connack_string(rc));
		return;
	}
	b->mqtt_up = true;
	b->mqtt_attempts = 0;
	if (!b->o.quiet)
		fprintf(stderr, "trackbridge: connected to mqtt://%s:%d, "
			"subscribed to %s\n", b->o.mqtt_host, b->o.mqtt_port,
			topic);
	mosquitto_subscribe(m, NULL, topic, 0);
	if (b->ha)
		ha_republish(b->ha);
}

static void
on_disconnect(struct mosquitto *m, void *ctx, int rc)
{
	struct bridge *b = ctx;

	(void)m;
	if (b->mqtt_up && !b->stopping && !b->o.quiet)
		fprintf(stderr, "trackbridge: lost the broker (%s)\n",
			mosquitto_strerror(rc));
	b->mqtt_up = false;
}

/* Turns libmosquitto's loop without waiting; reconnects with backoff. */
static void
mqtt_cb(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, mqtt_timer);
	int rc = mosquitto_loop(b->m, 0, 1);

	if (rc != MOSQ_ERR_SUCCESS && mono_us() >= b->mqtt_retry_at) {
		int64_t us = MQTT_RETRY_MIN_US;

		for (unsigned k = 0; k < b->mqtt_attempts && us < MQTT_RETRY_MAX_US;
		     k++)
			us *= 2;
		if (us > MQTT_RETRY_MAX_US)
			us = MQTT_RETRY_MAX_US;
		us = us * (80 + rand() % 41) / 100;
		if (b->mqtt_attempts++ == 0 || !b->o.quiet)
			fprintf(stderr, "trackbridge: no broker at mqtt://%s:%d "
				"(%s); retrying in %.1f s\n", b->o.mqtt_host,
				b->o.mqtt_port, rc == MOSQ_ERR_ERRNO ?
				strerror(errno) : rc == MOSQ_ERR_NO_CONN ?
				"cannot connect" : mosquitto_strerror(rc),
				(double)us / 1e6);
		b->mqtt_retry_at = mono_us() + us;
		mosquitto_reconnect_async(b->m);
	}
	lws_sul_schedule(b->ctx, 0, &b->mqtt_timer, mqtt_cb, MQTT_POLL_US);
}

/* ---- batches to trackd --------------------------------------------------- */

static void
flush(struct bridge *b)
{
	memset(b->sent_flag, 0, b->n * sizeof *b->sent_flag);
	for (size_t i = 0; i < b->n; i++) {
		const char *scanner = b->ring[i].scanner;
		json_t *doc, *reps;
		size_t count = 0;
		double newest = 0;
		char *text;

		if (b->sent_flag[i])
			continue;
		reps = json_array();
		doc = json_pack("{s:s, s:o}", "scanner", scanner, "reports",
				reps);
		for (size_t j = i; j < b->n && count < INGEST_MAX_PER_MESSAGE;
		     j++) {
			const struct pending *p = &b->ring[j];
			json_t *o;

			if (b->sent_flag[j] || p->scanner != scanner)
				continue;
			b->sent_flag[j] = true;
			o = json_pack("{s:s, s:f, s:f}", "tag", p->tag, "rssi",
				      p->rssi, "t", p->t);
			if (o && p->has_tx)
				json_object_set_new(o, "tx", json_real(p->tx));
			json_array_append_new(reps, o);
			newest = p->t;
			count++;
		}
		text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		if (!text || ingest_client_send(b->client, scanner, text,
						strlen(text),
						count, (int64_t)(newest * 1000),
						NULL, 0) < 0) {
			fprintf(stderr, "trackbridge: out of memory; %zu "
				"reports dropped\n", count);
			b->dropped += count;
		}
		free(text);
		json_decref(doc);
	}
	b->n = 0;
}

static void
batch_cb(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, batch_timer);

	flush(b);
	lws_sul_schedule(b->ctx, 0, &b->batch_timer, batch_cb,
			 b->o.batch_ms * LWS_US_PER_MS);
}

static void
status(struct bridge *b)
{
	struct ingest_client_stats st;
	char state[64];
	unsigned long long bad = 0;

	for (int k = 1; k < BRIDGE_N_STATUS; k++)
		bad += b->bad[k];
	ingest_client_stats(b->client, &st);
	ingest_client_state(b->client, state, sizeof state);
	fprintf(stderr, "trackbridge: %llu messages (%llu used, %llu "
		"skipped), %llu reports sent (%llu accepted, %llu rejected), "
		"%llu dropped, %s %s, ESPresense broker %s\n", b->messages,
		b->used, bad, st.sent, st.accepted, st.rejected,
		st.dropped + b->dropped,
		b->o.publish.url ? "publish broker" : "trackd", state,
		b->mqtt_up ? "connected" : "disconnected");
	for (int k = 1; k < BRIDGE_N_STATUS; k++) {
		if (b->bad[k])
			fprintf(stderr, "trackbridge:   %llu x %s\n", b->bad[k],
				bridge_strerror(-k));
	}
}

static void
status_cb(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, status_timer);

	if (!b->o.quiet)
		status(b);
	lws_sul_schedule(b->ctx, 0, &b->status_timer, status_cb, STATUS_US);
}

/* ---- setup --------------------------------------------------------------- */

/* Every site scanner is the room of its own name. */
static int
load_site(struct bridge *b)
{
	json_error_t err;
	json_t *sc, *o;
	size_t i;

	b->site = json_load_file(b->o.site, JSON_REJECT_DUPLICATES, &err);
	if (!b->site) {
		fprintf(stderr, "trackbridge: %s:%d: %s\n", b->o.site, err.line,
			err.text);
		return -1;
	}
	/* The site of the topics with --publish (ingest_client_create says
	 * if it cannot be one). */
	b->site_id = json_string_value(json_object_get(b->site, "site"));
	if (b->o.publish.url && !b->o.publish_site && !b->site_id) {
		fprintf(stderr, "trackbridge: %s: no \"site\" id for the "
			"topics of --publish (give --publish-site ID)\n",
			b->o.site);
		return -1;
	}
	sc = json_object_get(b->site, "scanners");
	if (!json_is_array(sc)) {
		fprintf(stderr, "trackbridge: %s: no \"scanners\" list\n",
			b->o.site);
		return -1;
	}
	json_array_foreach(sc, i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));

		if (id && bridge_map_add(&b->map, id, id) < 0) {
			fprintf(stderr, "trackbridge: %s: scanners[%zu]: id "
				"too long\n", b->o.site, i);
			return -1;
		}
	}
	return 0;
}

static int
setup(struct bridge *b)
{
	static const struct lws_protocols protocols[] = {
		INGEST_CLIENT_PROTOCOL,
		HA_PROTOCOL,
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct ingest_client_config cfg;
	size_t tlen = strlen(b->o.prefix) + sizeof "/devices/+/+";
	int rc;

	if (b->o.site && load_site(b) < 0)
		return EXIT_FAILURE;
	b->cap = (size_t)b->o.buffer;
	b->ring = calloc(b->cap, sizeof *b->ring);
	b->sent_flag = calloc(b->cap, sizeof *b->sent_flag);
	b->topic = malloc(tlen);
	if (!b->ring || !b->sent_flag || !b->topic)
		goto oom;
	snprintf(b->topic, tlen, "%s/devices/+/+", b->o.prefix);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = b;
	b->ctx = lws_create_context(&info);
	if (!b->ctx) {
		fprintf(stderr, "trackbridge: cannot set up libwebsockets\n");
		return EXIT_FAILURE;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.prog = "trackbridge";
	cfg.url = b->o.publish.url ? b->o.publish.url : b->o.server;
	cfg.token = b->o.publish.url ? NULL : b->o.token;
	cfg.site = b->o.publish_site ? b->o.publish_site : b->site_id;
	cfg.mqtt_user = b->o.publish.user;
	cfg.mqtt_password = b->o.publish.password;
	cfg.mqtt_cafile = b->o.publish.cafile;
	cfg.max_reports = (size_t)b->o.buffer;
	cfg.seed = (uint64_t)mono_us() ^ (uint64_t)getpid() << 32;
	cfg.quiet = b->o.quiet;
	if (ingest_client_create(b->ctx, &cfg, &b->client) < 0)
		return EXIT_USAGE;

	mosquitto_lib_init();
	b->m = mosquitto_new(NULL, true, b);
	if (!b->m)
		goto oom;
	if (b->o.mqtt_user &&
	    mosquitto_username_pw_set(b->m, b->o.mqtt_user,
				      b->o.mqtt_password) != MOSQ_ERR_SUCCESS)
		goto oom;
	mosquitto_connect_callback_set(b->m, on_connect);
	mosquitto_disconnect_callback_set(b->m, on_disconnect);
	mosquitto_message_callback_set(b->m, on_message);
	rc = mosquitto_connect_async(b->m, b->o.mqtt_host, b->o.mqtt_port, 30);
	if (rc == MOSQ_ERR_INVAL) {
		fprintf(stderr, "trackbridge: --mqtt %s:%d: not a broker "
			"address\n", b->o.mqtt_host, b->o.mqtt_port);
		return EXIT_USAGE;
	}
	/* Any other failure is retried by mqtt_cb. */
	if (b->o.ha && ha_create(b->ctx, b->o.server, b->o.ha_token, b->site,
				 b->m, b->o.ha_prefix, b->o.state_prefix,
				 b->o.quiet, &b->ha) < 0)
		return EXIT_FAILURE;
	lws_sul_schedule(b->ctx, 0, &b->mqtt_timer, mqtt_cb, 1);
	lws_sul_schedule(b->ctx, 0, &b->batch_timer, batch_cb,
			 b->o.batch_ms * LWS_US_PER_MS);
	lws_sul_schedule(b->ctx, 0, &b->status_timer, status_cb, STATUS_US);
	return 0;
oom:
	fprintf(stderr, "trackbridge: out of memory\n");
	return EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
	struct bridge b;
	struct sigaction sa;
	int rc;

	memset(&b, 0, sizeof b);
	rc = bridge_opts_parse(argc, argv, &b.o, &b.map);
	if (rc != 0) {
		bridge_map_free(&b.map);
		return rc < 0 ? EXIT_SUCCESS : rc;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)mono_us());

	rc = setup(&b);
	while (rc == 0 && !ingest_client_done(b.client)) {
		if (got_signal && !b.stopping) {
			/* Hand over what is kept, then leave. */
			b.stopping = true;
			lws_sul_cancel(&b.batch_timer);
			flush(&b);
			ingest_client_stop(b.client, 2 * LWS_US_PER_SEC);
		}
		if (lws_service(b.ctx, 0) < 0) {
			fprintf(stderr, "trackbridge: libwebsockets stopped\n");
			rc = EXIT_FAILURE;
		}
	}
	if (b.client) {
		ingest_client_halt(b.client);
		if (!b.o.quiet)
			status(&b);
	}
	if (b.ha)
		ha_halt(b.ha);
	if (b.ctx) {
		lws_sul_cancel(&b.mqtt_timer);
		lws_sul_cancel(&b.batch_timer);
		lws_sul_cancel(&b.status_timer);
		lws_context_destroy(b.ctx);
	}
	ha_destroy(b.ha);
	ingest_client_destroy(b.client);
	if (b.m) {
		mosquitto_disconnect(b.m);
		mosquitto_destroy(b.m);
	}
	mosquitto_lib_cleanup();
	bridge_map_free(&b.map);
	json_decref(b.site);
	free(b.ring);
	free(b.sent_flag);
	free(b.topic);
	return rc;
}
