/*
 * trackd-load: what its modules share (internal to trackd-load; the tool
 * itself is described in trackd-load.c).  A module calls only those below
 * it in this list, never one above it, so there is no circle:
 *
 *   trackd-load.c    main: options, the site, set-up, the lws loop, teardown
 *   load-conn.c      the connections: their lws callbacks and connecting
 *   load-run.c       the phases, and each scanner's batch timer
 *   load-clients.c   live messages walked for their tags; the latencies
 *   load-mqtt.c      with --mqtt: the scanners' messages published instead
 *   load-scanners.c  ingest messages built and queued; answers counted
 *   load-tags.c      tags walking, and which scanners hear them how loud
 *   load-stats.c     the histograms, and the results printed
 *   load-clock.c     the clocks: the reports', this process's, trackd's
 *   load-opts.c      the options and --help (called by main alone)
 *
 * The batch timer (scanner_cb) is in load-run.c, not with the scanners:
 * when a batch cannot be made it closes the run, which would otherwise be
 * a call back up.  The generator (rng_*) is inline here, for the scanners'
 * noise and the tags' walks alike.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libwebsockets.h>

#include "track/site.h"


struct mosquitto;

#define INGEST "track-ingest.v1"
#define LIVE "track-live.v1"

#define BATCH_US (250 * LWS_US_PER_MS)
#define MOVE_US LWS_US_PER_SEC
#define CONNECT_WAIT_US (10 * LWS_US_PER_SEC)
#define DRAIN_US (2 * LWS_US_PER_SEC)  /* for answers after the window */
#define CLOSE_WAIT_US (3 * LWS_US_PER_SEC)

#define HEARD_BY 6
#define P1M_DBM (-59.0)
#define PATH_LOSS 2.0          /* for scanners without their own */
#define SIGMA_DB 4.0
#define TAG_HEIGHT_M 1.0
#define SPEED_MIN 0.1          /* m/s: "moving slowly" */
#define SPEED_MAX 0.6
#define NOISE_SAMPLES 65536    /* a power of two */
#define TWO_PI 6.283185307179586

#define TAG_PREFIX "load-"
#define TAG_DIGITS 6
#define TAGS_MAX 999999
#define MAX_PER_MESSAGE 10000  /* well inside trackd's 1 MiB a message */
#define REPORT_JSON_MAX 96     /* one report with its comma */
#define MAX_ANSWER (4u << 20)  /* an answer refusing 10000 reports fits */
#define SHOW_REFUSALS 3

/* Probes: tags that advertise once every PROBE_PERIOD_US, so that their
 * first position after a burst must be the one that shows it (trackd stops
 * sending a tag once it has not been heard for its 2 s window).  Their
 * first report to that position is the report-to-client latency. */
#define PROBE_PERIOD_US (10 * LWS_US_PER_SEC)
#define PROBE_STALE_US (1500 * LWS_US_PER_MS)

#define HIST_MS 10000          /* 1 ms buckets; later ones go in the last */
#define LATE_WARN_US (50 * LWS_US_PER_MS)

#define TAG_JSON (sizeof TAG_PREFIX - 1 + TAG_DIGITS + 2)

struct proc_sample {
	bool ok;
	double wall_s, cpu_s;
	double rss_mib, hwm_mib;
};

struct options {
	const char *url, *site, *token;
	const char *mqtt;  /* --mqtt mqtt://HOST:PORT; NULL: WebSockets */
	char mqtt_host[256];
	int mqtt_port;
	bool tls;     /* wss:// */
	char host[256], hostport[300], path[256];
	int port;
	long tags, clients, probes;
	double rate, duration, warmup;
	long pid;
	uint64_t seed;
};

struct tag {
	double x, y;           /* on its floor, m */
	double wx, wy;         /* the waypoint it walks to */
	double speed;          /* m/s */
	int64_t period_us;     /* its advertisements: phase + k * period */
	int64_t phase_us;
	size_t floor;
};

/* One scanner's hearing of one tag (the scanner's list is implied). */
struct link {
	uint32_t tag;
	float mean_dbm;
};

/* An ingest message, waiting to be sent or sent and waiting for its
 * answer. The text is at buf + LWS_PRE. */
struct msg {
	struct msg *next;
	size_t n, len;
	unsigned char buf[];
};

struct scanner {
	struct load *L;
	const track_scanner *sc;
	char *id_json;         /* the id as a JSON string, quoted */
	struct lws *wsi;
	bool up, closing;
	lws_sorted_usec_list_t sul;
	int64_t due_us, last_us;
	struct msg *head, *tail;         /* to send */
	struct msg *sent, *sent_tail;    /* sent, awaiting answers */
	size_t queued;                   /* reports in head.. */
	char *rx;              /* the answer being received */
	size_t rx_len, rx_cap;
	bool rx_too_big;
};

/* Walks a live message just far enough to find its "type" and the ids of
 * the objects in its "tags" array, piece by piece as lws hands them over. */
#define WALK_STR 48
#define WALK_KEY 16
struct walker {
	unsigned depth;        /* open containers; 1 = the message object */
	uint32_t obj;          /* bit d: the container at depth d is {} */
	bool want_key, in_str, esc, is_key, capture;
	char str[WALK_STR];
	size_t len;
	char key1[WALK_KEY];   /* the current key at depth 1, and at 3 */
	char key3[WALK_KEY];
	char type[WALK_KEY];
	long cur_id;           /* the tag object being read: its tag, */
	double cur_t;          /* and its "t" (NAN: none) */
	bool in_t;
	char num[32];
	size_t num_len;
};

/* A tag in the message being received, with its position's "t". */
struct seen {
	uint32_t tag;
	double t;
};

struct client {
	struct load *L;
	const char *floor;
	struct lws *wsi;
	bool up, closing, subscribed;
	struct walker w;
	struct seen *seen;     /* tags in the message being received */
	size_t n_seen;
	int64_t last_positions_us;
	int64_t *probe_k;      /* per probe: the burst last measured */
	bool error_shown;
};

/* 1 ms buckets up to HIST_MS, the rest in the last one. */
struct hist {
	uint64_t b[HIST_MS + 1];
	uint64_t n;
	int64_t max_us;
};

struct counters {
	unsigned long long offered, accepted, positions;
	unsigned long long late_fires, fires;
	int64_t late_max_us, late_sum_us;
};

enum phase { CONNECTING, WARMUP, MEASURE, DRAIN, CLOSING, DONE };

struct load {
	struct options o;
	track_site_doc *doc;
	const track_site *site;
	struct lws_context *ctx;
	enum phase phase;
	lws_sorted_usec_list_t phase_sul, move_sul;
	uint64_t rng;
	float noise[NOISE_SAMPLES];

	struct tag *tags;      /* o.tags, then o.probes probes */
	size_t n_all;
	int64_t *last_sent_us; /* per tag: the newest report's t */
	char *tag_json;        /* per tag: "id" quoted, TAG_JSON bytes */
	int64_t *probe_k;      /* per probe: its latest burst (advert) */
	int64_t *probe_t;      /* and the time of its first report */
	size_t **floor_scanners, *n_floor_scanners;

	struct scanner *scanners;
	size_t n_scanners;
	struct link *links;    /* by scanner: first[k] .. first[k + 1] */
	size_t *first;
	uint16_t (*near)[HEARD_BY];   /* per tag, while rebuilding */
	float (*near_dbm)[HEARD_BY];
	uint8_t *n_near;
	char *scratch;         /* one message being built */
	char t_json[32];
	size_t t_len;

	struct client *clients;
	size_t n_clients;
	size_t resolved;       /* connections that opened or failed */
	size_t open;

	struct counters c, c0, c1;   /* now, window start, window end */
	unsigned long long rejected_total, client_errors;
	unsigned long long unanswered;
	unsigned n_shown;
	struct hist latency;   /* positions arrival - newest report sent */
	struct hist probe;     /* probe burst - first position showing it */
	struct hist interval;  /* between one client's positions messages */
	struct proc_sample p0, p1;
	/* --mqtt (load-mqtt.c) */
	struct mosquitto *mq;
	int mq_state;          /* 0 connecting, 1 up, -1 refused */
	char mq_topic[160];    /* libtrack/<site>/reports/ */
	size_t *mq_reports;    /* reports of each message in flight */
	int mq_last_mid;
	double wall0, wall1, self0, self1;
	int rc;
};

/* splitmix64: small, fast, and good enough to place tags and pick noise. */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static inline double
rng_uniform(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* load-conn.c: the lws protocols' callbacks, and connect_one, which opens
 * a connection for owner (a struct scanner or client, the wsi's opaque
 * user data); one that cannot even start counts as resolved at once. */
int ingest_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len);
int live_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
            void *in, size_t len);
void connect_one(struct load *L, const char *protocol, struct lws **pwsi,
                 void *owner);

/* load-run.c: start_run, once every connection is resolved, starts the
 * scanners and the walk (none open: the run is DONE).  phase_cb is the one
 * timer that moves the run on; the others end the window, stop the
 * generators, or close every connection. */
void start_run(struct load *L);
void phase_cb(lws_sorted_usec_list_t *sul);
void stop_measuring(struct load *L);
void stop_generating(struct load *L);
void start_closing(struct load *L);

/* load-clients.c: walk takes each piece of a live message as lws hands
 * it over; client_message counts the whole one, then resets the walker. */
void walk(struct client *c, const char *p, size_t n);
void client_message(struct load *L, struct client *c);

/* load-mqtt.c: mqtt_open connects (and waits for the broker); then
 * mqtt_publish sends what s has queued; counted as accepted when the
 * broker acknowledges it. 0, or -1 after saying why. */
int mqtt_open(struct load *L);
int mqtt_publish(struct scanner *s);
void mqtt_close(struct load *L);

/* load-scanners.c: scanner_batch queues the reports of what s heard in
 * (from, to], stamped with L->t_json (-1: out of memory);
 * scanner_receive takes each piece of an answer. */
void msg_push(struct msg **head, struct msg **tail, struct msg *m);
struct msg *msg_pop(struct msg **head, struct msg **tail);
unsigned long long msg_clear(struct msg **head, struct msg **tail);
int scanner_batch(struct scanner *s, int64_t from, int64_t to);
void scanner_receive(struct load *L, struct scanner *s, struct lws *wsi,
                     const void *in, size_t len);

/* load-tags.c: hear rebuilds L->links from where the tags are; move_cb,
 * once a second, walks them and hears again. */
void tag_new_waypoint(struct load *L, struct tag *t);
void hear(struct load *L);
void move_cb(lws_sorted_usec_list_t *sul);

/* load-stats.c */
void hist_add(struct hist *h, int64_t us);
void report(struct load *L);

/* load-clock.c: now_us is CLOCK_REALTIME, the clock of the reports' "t". */
int64_t now_us(void);
double mono_s(void);
double self_cpu_s(void);
void proc_sample(pid_t pid, struct proc_sample *ps);

/* load-opts.c: -1 after saying why (main exits 2); --help prints the
 * usage and exits. */
int parse_options(int argc, char **argv, struct options *o);

#endif /* LOAD_H */
