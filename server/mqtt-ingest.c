/* Ingest through an MQTT broker: see mqtt-ingest.h. */
#include "mqtt-ingest.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <mosquitto.h>

#include "access.h"
#include "app.h"
#include "escape.h"
#include "log.h"
#include "mqtt-topic.h"

/* The socket is looked at this often: a report waits at most this long
 * (the engine runs every 100 ms anyway), and an idle trackd does one
 * poll() per turn. */
#define POLL_US (50 * LWS_US_PER_MS)
/* Packets handled per turn at most, so that a flood cannot hold the loop;
 * the rest waits for the next turn, which then comes at once. */
#define TURN_PACKETS 4096
#define RETRY_MIN_US (500 * LWS_US_PER_MS)
#define RETRY_MAX_US (30 * LWS_US_PER_SEC)
#define KEEPALIVE_S 30
/* A refusal of each kind is logged at most this often (with how many
 * came since): a misconfigured scanner sends several a second. */
#define REFUSAL_LOG_US (10 * LWS_US_PER_SEC)
#define PASSWORD_MAX 1024

struct mqtt_ingest {
	struct app *a;
	struct mosquitto *m;
	struct mqtt_url url;
	char topic[256];            /* the subscription */
	char client_id[256];
	lws_sorted_usec_list_t timer;
	bool started, stopping;
	bool socket_up;             /* a socket (perhaps still connecting) */
	bool connected;             /* CONNACK taken and SUBACK granted */
	bool established;           /* this socket got its CONNACK */
	bool ever_connected;
	bool host_set;              /* the library holds the address */
	bool refused;               /* the broker said no: state says why */
	bool lib;                   /* mosquitto_lib_init() done */
	unsigned attempts;          /* failed since the last connection */
	int64_t retry_at_us;
	uint64_t rng;
	char state[400];
	struct mqtt_ingest_stats n;
	int64_t logged_us[MQTT_N_REFUSALS];
	uint64_t unlogged[MQTT_N_REFUSALS];
};

static const char *const refusal_names[MQTT_N_REFUSALS] = {
	[MQTT_REFUSED_WRONG_SCANNER] = "wrong scanner",
	[MQTT_REFUSED_DOCUMENT] = "not a document",
	[MQTT_REFUSED_TOPIC] = "bad topic",
	[MQTT_REFUSED_TOO_BIG] = "too big",
	[MQTT_REFUSED_RETAINED] = "retained",
};

const char *
mqtt_refusal_name(enum mqtt_refusal r)
{
	return refusal_names[r];
}

static int64_t
mono_us(void)
{
	return (int64_t)(app_mono_s() * 1e6);
}

/* ---- messages ------------------------------------------------------------ */

static void
refuse(struct mqtt_ingest *q, enum mqtt_refusal r, const char *topic,
       const char *why)
{
	int64_t now = mono_us();
	char t[200];

	q->n.refused[r]++;
	if (q->logged_us[r] && now - q->logged_us[r] < REFUSAL_LOG_US) {
		q->unlogged[r]++;
		return;
	}
	escape_log(t, sizeof t, topic);
	if (q->unlogged[r])
		log_warn("mqtt %s refused: %s (and %llu more refused as %s "
		         "since the last such line)\n", t, why,
		         (unsigned long long)q->unlogged[r], refusal_names[r]);
	else
		log_warn("mqtt %s refused: %s\n", t, why);
	q->logged_us[r] = now;
	q->unlogged[r] = 0;
}

static void
on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	struct mqtt_ingest *q = ud;
	char scanner[TRACK_ID_MAX];
	const char *why;
	struct caller who;
	json_t *answer;
	int status;

	(void)m;
	q->n.messages++;
	/* A retained document would come again at every subscription: old
	 * reports placing a badge where it was long ago. */
	if (msg->retain) {
		refuse(q, MQTT_REFUSED_RETAINED, msg->topic,
		       "a retained message (publish reports without -r)");
		return;
	}
	why = mqtt_topic_scanner(msg->topic, track_site_id(q->a->site),
	                         scanner, sizeof scanner);
	if (why) {
		refuse(q, MQTT_REFUSED_TOPIC, msg->topic, why);
		return;
	}
	if (msg->payloadlen < 0 || (size_t)msg->payloadlen > MAX_BODY) {
		refuse(q, MQTT_REFUSED_TOO_BIG, msg->topic,
		       "message larger than 1 MiB");
		return;
	}
	/* Who may publish on a scanner's topic is the broker's to decide;
	 * here the topic's scanner is all the message may report for. */
	memset(&who, 0, sizeof who);
	who.known = true;
	who.perms = PERM_INGEST;
	who.role = "scanner";
	who.scanner = scanner;
	snprintf(who.name, sizeof who.name, "mqtt %s", scanner);
	snprintf(who.peer, sizeof who.peer, "mqtt");
	answer = app_ingest(q->a, &who, msg->payload, (size_t)msg->payloadlen,
	                    &status);
	if (status == 403) {
		refuse(q, MQTT_REFUSED_WRONG_SCANNER, msg->topic,
		       "the document names another scanner than its topic");
	} else if (status != 200) {
		const char *e = json_string_value(json_object_get(answer,
		                                                  "error"));

		refuse(q, MQTT_REFUSED_DOCUMENT, msg->topic,
		       e ? e : "not an ingest document");
	}
	json_decref(answer);
}

/* ---- the connection ------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3)))
set_state(struct mqtt_ingest *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->state, sizeof q->state, fmt, ap);
	va_end(ap);
}

static void
on_connect(struct mosquitto *m, void *ud, int rc, int flags)
{
	struct mqtt_ingest *q = ud;

	if (rc != 0) {
		/* Refused (a bad password, a client id not allowed): the
		 * library drops the connection and the timer tries again. */
		q->n.connect_failures++;
		q->refused = true;
		set_state(q, "refused by the broker: %s",
		          mosquitto_connack_string(rc));
		log_err("mqtt: %s\n", q->state);
		return;
	}
	log_user("mqtt: connected to %s:%d as %s (%s), subscribing to %s\n",
	         q->url.host, q->url.port, q->client_id,
	         (flags & 1) ? "session resumed" : "new session", q->topic);
	q->established = true;
	if (q->ever_connected)
		q->n.reconnects++;
	q->ever_connected = true;
	q->attempts = 0;
	set_state(q, "%s", "subscribing");
	/* Again on every connection: a broker that lost its sessions (no
	 * persistence) still gets the subscription. */
	if (mosquitto_subscribe(m, NULL, q->topic, 1) != MOSQ_ERR_SUCCESS)
		log_err("mqtt: cannot subscribe to %s\n", q->topic);
}

static void
on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *qos)
{
	struct mqtt_ingest *q = ud;

	(void)m;
	(void)mid;
	if (n < 1 || qos[0] > 2) {
		q->refused = true;
		set_state(q, "the broker refused the subscription to %s (its "
		          "ACL?)", q->topic);
		log_err("mqtt: %s\n", q->state);
		return;
	}
	q->connected = true;
	set_state(q, "%s", "connected");
}

static void
on_disconnect(struct mosquitto *m, void *ud, int rc)
{
	struct mqtt_ingest *q = ud;

	(void)m;
	if (q->connected && !q->stopping)
		log_warn("mqtt: lost the broker %s:%d (%s)\n", q->url.host,
		         q->url.port, rc == MOSQ_ERR_ERRNO ? strerror(errno)
		                                           : mosquitto_strerror(rc));
	q->connected = false;
}

/* xorshift64*, for the retry jitter. */
static double
jitter(struct mqtt_ingest *q)
{
	q->rng ^= q->rng >> 12;
	q->rng ^= q->rng << 25;
	q->rng ^= q->rng >> 27;
	return 0.8 + 0.4 * (double)((q->rng * 2685821657736338717ull) >> 11) /
	                     9007199254740992.0;
}

/* The socket is gone (or never came): the next attempt after a backoff
 * doubling from 0.5 s to 30 s, with jitter so that trackd instances that
 * lost a broker together do not all come back in the same instant. */
static void
lost(struct mqtt_ingest *q, int rc)
{
	double us = (double)RETRY_MIN_US;

	if (!q->established && !q->refused)
		q->n.connect_failures++;
	q->established = false;
	q->socket_up = false;
	q->connected = false;
	for (unsigned k = 0; k < q->attempts && us < RETRY_MAX_US; k++)
		us *= 2.0;
	us *= jitter(q);
	if (us > RETRY_MAX_US)
		us = RETRY_MAX_US;
	q->attempts++;
	/* A refusal keeps its own words (the broker's reason). */
	if (!q->refused)
		set_state(q, "disconnected: %s",
		          rc == MOSQ_ERR_ERRNO ? strerror(errno)
		          : rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_NO_CONN
		                  ? "no connection to the broker"
		          : rc == MOSQ_ERR_TLS
		                  ? "TLS failed (is the broker's certificate "
		                    "signed by a CA in --mqtt-cafile, and for "
		                    "its name?)"
		                  : mosquitto_strerror(rc));
	log_warn("mqtt: %s:%d: %s; retrying in %.1f s\n", q->url.host,
	         q->url.port, q->state, us / 1e6);
	q->retry_at_us = mono_us() + (int64_t)us;
}

/* Starts a connection without waiting for it (the name is resolved here,
 * by the system's resolver: give an address, or a name in /etc/hosts,
 * where DNS may be slow). */
static void
attempt(struct mqtt_ingest *q)
{
	int rc = q->host_set
	         ? mosquitto_reconnect_async(q->m)
	         : mosquitto_connect_async(q->m, q->url.host, q->url.port,
	                                   KEEPALIVE_S);

	/* Past these, the library keeps the address for reconnecting. */
	if (rc != MOSQ_ERR_INVAL && rc != MOSQ_ERR_NOMEM)
		q->host_set = true;
	q->refused = false;
	if (rc == MOSQ_ERR_SUCCESS) {
		q->socket_up = true;
		set_state(q, "%s", "connecting");
		return;
	}
	lost(q, rc);
}

/* One turn: everything the socket holds (up to TURN_PACKETS packets),
 * what is waiting to go out, the keepalive; or the next attempt when it
 * is due. Never waits. */
static void
turn(lws_sorted_usec_list_t *sul)
{
	struct mqtt_ingest *q = lws_container_of(sul, struct mqtt_ingest,
	                                         timer);
	lws_usec_t next = POLL_US;
	int rc = MOSQ_ERR_SUCCESS;

	if (!q->socket_up && mono_us() >= q->retry_at_us)
		attempt(q);
	for (int k = 0; q->socket_up && rc == MOSQ_ERR_SUCCESS; k++) {
		struct pollfd p = { .fd = mosquitto_socket(q->m),
			            .events = POLLIN };

		if (p.fd < 0) {
			rc = MOSQ_ERR_NO_CONN;
			break;
		}
		if (k == TURN_PACKETS) {
			next = 1;
			break;
		}
		if (mosquitto_want_write(q->m))
			p.events |= POLLOUT;
		if (poll(&p, 1, 0) <= 0)
			break;
		if (p.revents & (POLLIN | POLLERR | POLLHUP))
			rc = mosquitto_loop_read(q->m, 1);
		if (rc == MOSQ_ERR_SUCCESS && (p.revents & POLLOUT) &&
		    mosquitto_socket(q->m) >= 0)
			rc = mosquitto_loop_write(q->m, 1);
	}
	if (q->socket_up && rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_misc(q->m);
	if (q->socket_up &&
	    (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(q->m) < 0))
		lost(q, rc);
	if (!q->stopping)
		lws_sul_schedule(q->a->context, 0, &q->timer, turn, next);
}

void
mqtt_ingest_drain(struct app *a)
{
	struct mqtt_ingest *q = a->mqtt;

	if (q && q->started && q->socket_up && !q->stopping)
		turn(&q->timer);
}

/* ---- life ---------------------------------------------------------------- */

/* The password: the first line of file, else $TRACK_MQTT_PASSWORD, else
 * none (*out ""). -1 with a message when the file cannot be read. */
static int
read_password(const char *file, char *out, size_t len)
{
	const char *env = getenv("TRACK_MQTT_PASSWORD");
	struct stat st;
	FILE *f;

	out[0] = '\0';
	if (!file) {
		if (env && strlen(env) < len)
			strcpy(out, env);
		return 0;
	}
	f = fopen(file, "r");
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "trackd: --mqtt-password-file %s: %s\n", file,
		        strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 077)
		fprintf(stderr, "trackd: warning: --mqtt-password-file %s can "
		        "be read by other users (chmod 600 it)\n", file);
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

int
mqtt_ingest_init(struct app *a, const struct mqtt_ingest_config *cfg)
{
	struct mqtt_ingest *q;
	const char *site = track_site_id(a->site), *why;
	char password[PASSWORD_MAX], host[64];
	int rc = -1;

	if (!cfg->url)
		return 0;
	q = calloc(1, sizeof *q);
	if (!q) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	q->a = a;
	a->mqtt = q;
	why = mqtt_url_parse(cfg->url, &q->url);
	if (why) {
		fprintf(stderr, "trackd: --mqtt %s: %s\n", cfg->url, why);
		return -1;
	}
	if (mqtt_topic_reports(q->topic, sizeof q->topic, site, NULL) < 0) {
		fprintf(stderr, "trackd: --mqtt: the site id '%s' cannot be "
		        "an MQTT topic level: %s\n", site,
		        mqtt_topic_level_ok(site) ? mqtt_topic_level_ok(site)
		                                  : "too long");
		return -1;
	}
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "host");
	host[sizeof host - 1] = '\0';
	snprintf(q->client_id, sizeof q->client_id, "%s", cfg->client_id
	         ? cfg->client_id : "");
	if (!cfg->client_id)
		snprintf(q->client_id, sizeof q->client_id, "trackd-%s-%s",
		         site, host);
	if (read_password(cfg->password_file, password, sizeof password) < 0)
		return -1;
	mosquitto_lib_init();
	q->lib = true;
	/* clean_session false: the broker keeps the subscription and the
	 * QoS 1 messages that come while trackd is away. */
	q->m = mosquitto_new(q->client_id, false, q);
	if (!q->m) {
		fprintf(stderr, "trackd: --mqtt-client-id '%s': %s\n",
		        q->client_id, errno == EINVAL ? "not a client id"
		                                      : strerror(errno));
		goto out;
	}
	if ((cfg->user || password[0]) &&
	    mosquitto_username_pw_set(q->m, cfg->user,
	                              password[0] ? password : NULL) !=
	            MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "trackd: --mqtt-user: not a user name\n");
		goto out;
	}
	if (q->url.tls &&
	    (cfg->cafile
	     ? mosquitto_tls_set(q->m, cfg->cafile, NULL, NULL, NULL, NULL)
	     : mosquitto_int_option(q->m, MOSQ_OPT_TLS_USE_OS_CERTS, 1)) !=
	            MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "trackd: --mqtt-cafile %s: cannot be used\n",
		        cfg->cafile ? cfg->cafile : "(the system's)");
		goto out;
	}
	if (!q->url.tls && cfg->cafile)
		fprintf(stderr, "trackd: warning: --mqtt-cafile goes with "
		        "mqtts:// and is not used for %s\n", cfg->url);
	mosquitto_connect_with_flags_callback_set(q->m, on_connect);
	mosquitto_subscribe_callback_set(q->m, on_subscribe);
	mosquitto_disconnect_callback_set(q->m, on_disconnect);
	mosquitto_message_callback_set(q->m, on_message);
	q->n.on = true;
	q->rng = (uint64_t)mono_us() * 0x9e3779b97f4a7c15ull | 1;
	set_state(q, "%s", "connecting");
	rc = 0;
out:
	memset(password, 0, sizeof password);
	return rc;
}

void
mqtt_ingest_start(struct app *a)
{
	struct mqtt_ingest *q = a->mqtt;

	if (!q)
		return;
	q->started = true;
	log_user("mqtt: ingest from %s://%s:%d, topic %s, client id %s\n",
	         q->url.tls ? "mqtts" : "mqtt", q->url.host, q->url.port,
	         q->topic, q->client_id);
	lws_sul_schedule(a->context, 0, &q->timer, turn, 1);
}

void
mqtt_ingest_stop(struct app *a)
{
	struct mqtt_ingest *q = a->mqtt;

	if (!q || !q->started)
		return;
	q->stopping = true;
	lws_sul_cancel(&q->timer);
	if (q->socket_up) {
		mosquitto_disconnect(q->m);
		/* The DISCONNECT out, without waiting for more. */
		mosquitto_loop_write(q->m, 1);
	}
}

void
mqtt_ingest_free(struct app *a)
{
	struct mqtt_ingest *q = a->mqtt;

	if (!q)
		return;
	mosquitto_destroy(q->m);
	if (q->lib)
		mosquitto_lib_cleanup();
	free(q);
	a->mqtt = NULL;
}

const char *
mqtt_ingest_client_id(const struct app *a)
{
	return a->mqtt ? a->mqtt->client_id : "";
}

struct mqtt_ingest_stats
mqtt_ingest_stats(const struct app *a)
{
	const struct mqtt_ingest *q = a->mqtt;
	struct mqtt_ingest_stats st = { 0 };

	if (!q || !q->n.on)
		return st;
	st = q->n;
	st.connected = q->connected;
	st.state = q->state;
	return st;
}
