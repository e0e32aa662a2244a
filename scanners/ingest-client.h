/*
 * ingest-client: a track-ingest.v1 client for scanner programs (tracksim,
 * trackscan, trackbridge): over one WebSocket to trackd (ws://), or
 * published to an MQTT broker (mqtt://, mqtts://) on
 * libtrack/<site>/reports/<scanner> with QoS 1, where trackd subscribes.
 *
 * The program builds each ingest message (one JSON document) and hands it
 * over; the client queues it, connects, sends in order, counts the
 * answers, and while trackd cannot be reached retries with exponential
 * backoff and jitter, keeping at most max_reports reports queued (the
 * oldest messages are dropped, counted and logged).  Nothing here blocks:
 * it all runs in the program's lws event loop, and every call is made
 * from that loop's thread.
 *
 * The program creates the lws context with INGEST_CLIENT_PROTOCOL in its
 * protocol list; a client finds itself from its connection (lws opaque
 * user data), so the context's user pointer stays the program's.
 */
#ifndef INGEST_CLIENT_H
#define INGEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#define INGEST_PROTOCOL "track-ingest.v1"

/* The token goes into the lws handshake buffer, which has a few hundred
 * bytes left for headers. */
#define INGEST_MAX_TOKEN 256

/* trackd takes up to 1 MiB a message; programs keep well below. */
#define INGEST_MAX_PER_MESSAGE 1000

int ingest_client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len);

/* The object a client connection was opened for (its lws opaque user
 * data) on the events the agents' client connections handle: handshake
 * headers, established, error, closed, receive, writeable. NULL on every
 * other event, which carries no such object. */
void *ws_client_owner(struct lws *wsi, enum lws_callback_reasons reason);

#define INGEST_CLIENT_PROTOCOL \
	{ INGEST_PROTOCOL, ingest_client_callback, 0, 0, 0, NULL, 0 }

/* The parts of a ws:// URL. */
struct ws_url {
	char host[256];      /* to connect to: IPv6 without brackets */
	char hostport[264];  /* for the Host header */
	char path[1024];
	int port;
};

/* Parses "ws://HOST:PORT[/PATH]" into *u.  Returns NULL, or why not. */
const char *ingest_url_parse(const char *url, struct ws_url *u);

/* Whether token can go into an Authorization header: NULL, or why not. */
const char *ingest_token_check(const char *token);

/* The token a scanner program sends: --token as given, else the first line
 * of the --token-file, else $TRACK_TOKEN, else none (*out NULL). A token
 * on the command line is visible to every user of the host in ps; a file
 * readable by its owner only, or the environment, is not. Read into buf
 * (INGEST_MAX_TOKEN + 2 bytes at least) and checked as ingest_token_check.
 * NULL, or why not, naming where the token came from (into why_buf); a
 * file other users may read is used, with a warning from prog. */
const char *ingest_token_get(const char *prog, const char *token,
                             const char *file, char *buf, size_t len,
                             const char **out, char *why_buf,
                             size_t why_len);

/* A password for a broker: the first line of file (option opt, such as
 * "--mqtt-password-file"; a file others may read is used, with a warning
 * from prog), else $env, else none (*out NULL); never a command-line
 * argument, which ps shows. Read into buf (len bytes). NULL, or why not
 * (into why_buf). */
const char *ingest_password_get(const char *prog, const char *opt,
                                const char *file, const char *env,
                                char *buf, size_t len, const char **out,
                                char *why_buf, size_t why_len);

/* The longest password taken from a file. */
#define INGEST_MAX_PASSWORD 1024

/* A scanner program's options for publishing to a broker instead of
 * trackd's WebSocket, named after opt: --OPT URL (mqtt://HOST[:PORT] or
 * mqtts://), --OPT-user U, --OPT-password-file FILE (else
 * $TRACK_MQTT_PASSWORD), --OPT-cafile PEM. opt is "mqtt" for trackscan and
 * tracksim, "publish" for trackbridge (whose --mqtt is the broker it
 * reads). The program sets opt and what was given (NULL: not given; url
 * NULL: not publishing); ingest_mqtt_opts_check sets password, which may
 * point into buffer: check the struct where it stays, do not copy it. */
struct ingest_mqtt_opts {
	const char *opt;
	const char *url, *user, *password_file, *cafile;
	const char *password;   /* NULL: none */
	char buffer[INGEST_MAX_PASSWORD + 2];
};

/* Checks *m as options are read, so that a typo is a usage error, not a
 * retry loop: the others without url, the URL (no login in it), the user
 * (UTF-8), the CA file (readable; warned about by prog without mqtts://),
 * and takes the password. NULL, or why not (into why_buf), naming the
 * options as given. What goes with the options (the site id of the
 * topics, the scanner id, no token) is the program's to check. */
const char *ingest_mqtt_opts_check(const char *prog,
                                   struct ingest_mqtt_opts *m,
                                   char *why_buf, size_t why_len);

/* Called for each report (index into the message; -1: the whole message)
 * that trackd refuses; user is the copy given to ingest_client_send. */
typedef void ingest_refusal_fn(void *ctx, const void *user, long long index,
			       const char *why);

struct ingest_client_config {
	const char *prog;       /* names the program in log lines */
	const char *url;        /* ws://HOST:PORT[/PATH], or mqtt://HOST[:PORT]
	                         * or mqtts://; copied */
	const char *token;      /* NULL: none; sent as "Authorization: Bearer" */
	/* MQTT only: the site id of the topics, the login (NULL: none; the
	 * password as ingest_mqtt_opts_check took it), the CA of mqtts://
	 * (NULL: the system's).
	 * Over MQTT "accepted" is what the broker took (PUBACK): trackd's
	 * verdict is in its /metrics. */
	const char *site;
	const char *mqtt_user, *mqtt_password, *mqtt_cafile;
	size_t max_reports;     /* queued, unsent reports kept (0: no bound) */
	uint64_t seed;          /* for the retry jitter */
	bool quiet;             /* no connect / retry / drop lines */
	ingest_refusal_fn *on_refusal;  /* NULL: refusals only counted */
	void *ctx;
};

struct ingest_client_stats {
	unsigned long long sent, accepted, rejected, dropped, unanswered;
	bool connected;
};

struct ingest_client;

/* Creates a client in ctx (which must list INGEST_CLIENT_PROTOCOL) and
 * starts connecting.  Returns 0 and *out, or -1 (bad URL or token: the
 * reason is printed; out of memory), *out untouched. */
int ingest_client_create(struct lws_context *ctx,
			 const struct ingest_client_config *cfg,
			 struct ingest_client **out);

/* Starts nothing more (no retry, no timer): call it just before
 * lws_context_destroy(), which may still call back while it closes. */
void ingest_client_halt(struct ingest_client *c);

/* Frees c; call it after the context is destroyed (lws may still call
 * back while it closes).  NULL is a no-op.  Whatever is still queued is
 * counted as dropped or unanswered in the last stats. */
void ingest_client_destroy(struct ingest_client *c);

/* Queues one ingest message of n_reports reports from scanner (the
 * document's "scanner": its MQTT topic), stamped t_ms (its newest report,
 * for ingest_client_expire).  json (len bytes) and user (user_len bytes,
 * handed back to on_refusal) are copied.  Returns 0, or -1 out of memory
 * (nothing queued).  Over MQTT, the reports of a scanner whose id cannot
 * be a topic level are dropped and counted (said once). */
int ingest_client_send(struct ingest_client *c, const char *scanner,
		       const char *json, size_t len, size_t n_reports,
		       int64_t t_ms, const void *user, size_t user_len);

/* Drops the queued, unsent messages stamped before t_ms; returns how many
 * reports they held (counted as dropped). */
size_t ingest_client_expire(struct ingest_client *c, int64_t t_ms);

/* Sends what is queued, waits for the answers (retrying the connection
 * meanwhile), then closes; gives up after wait_us.  ingest_client_done()
 * says when it is over. */
void ingest_client_stop(struct ingest_client *c, int64_t wait_us);
bool ingest_client_done(const struct ingest_client *c);

/* Reports queued and not yet sent. */
size_t ingest_client_queued(const struct ingest_client *c);

void ingest_client_stats(const struct ingest_client *c,
			 struct ingest_client_stats *st);

/* "connected", "disconnected (retry in 1.5 s)", ... into buf. */
void ingest_client_state(const struct ingest_client *c, char *buf,
			 size_t size);

#endif /* INGEST_CLIENT_H */
