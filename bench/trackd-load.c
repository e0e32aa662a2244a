/*
 * trackd-load: drives a running trackd the way a building full of scanners
 * and browsers would, and measures what comes back.
 *
 *	trackd-load --url ws://127.0.0.1:8080 --site site.json [--tags 10000]
 *	            [--rate 1] [--clients 100] [--duration 30] [--warmup 5]
 *	            [--pid PID] [--seed 1] [--probes 100] [--token T]
 *
 * Scanners: one track-ingest.v1 connection per scanner of the site.  Every
 * 250 ms (each scanner at its own phase, as real ones are not in step) a
 * scanner sends one message with a report for every advertisement it heard
 * since its last one, stamped with the time it sends them.  A tag is heard
 * by the HEARD_BY scanners nearest it on its floor, at the log-distance
 * model's mean RSSI plus N(0, SIGMA_DB) shadowing.  The means are
 * recomputed every second as the tags walk slowly towards random
 * waypoints; a report costs a table look-up and a memcpy.  Every answer is
 * read and counted.
 *
 * Live clients: track-live.v1 connections subscribed round-robin to the
 * floors.  Everything they receive is read; a positions message is walked
 * just far enough to find its tags' ids and times.  Two latencies (both on
 * CLOCK_REALTIME, the clock of the reports' "t"):
 *  - latency: for each tag in a positions message, its arrival minus the
 *    newest report sent for the tag.  trackd sends every tag it heard in
 *    the last 2 s at each update (moved on by prediction), so this is the
 *    age of the tag's newest report, bounded by about 1/rate however fast
 *    or slow trackd is.
 *  - probe latency: probe tags (parked, extra to --tags) are heard once
 *    every PROBE_PERIOD_US.  Between bursts trackd stops sending them, so
 *    the first position of a probe after its burst began is the first one
 *    that shows the burst: its arrival minus the burst's first report is
 *    the report-to-client latency, tick, queueing and all.
 *
 * Counting starts after --warmup seconds and lasts --duration seconds; then
 * the answers still on their way are awaited (DRAIN_US), the connections
 * are closed, and "name value unit" lines go to stdout.  With --pid the
 * trackd process's CPU time and memory are read from /proc at the start and
 * the end of the counted window.
 *
 * Everything runs on one lws client context and one thread; the timers are
 * lws_sul.  Only the signal flag is global.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "sitefile.h"
#include "track/site.h"

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

/* ---- clocks and randomness ------------------------------------------- */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* splitmix64: small, fast, and good enough to place tags and pick noise. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double
rng_uniform(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* ---- trackd's process ------------------------------------------------ */

struct proc_sample {
	bool ok;
	double wall_s, cpu_s;
	double rss_mib, hwm_mib;
};

static void
proc_sample(pid_t pid, struct proc_sample *ps)
{
	char path[64], buf[4096], *p;
	unsigned long ut, st;
	long rss = -1, hwm = -1;
	size_t n;
	FILE *f;

	memset(ps, 0, sizeof *ps);
	ps->wall_s = mono_s();
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: the fields
	 * that follow start after its last ')'; utime and stime are the
	 * 14th and 15th. */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	                  "%lu %lu", &ut, &st) != 2)
		return;
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(buf, sizeof buf, f)) {
		sscanf(buf, "VmRSS: %ld", &rss);
		sscanf(buf, "VmHWM: %ld", &hwm);
	}
	fclose(f);
	if (rss < 0 || hwm < 0)
		return;
	ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	ps->rss_mib = (double)rss / 1024.0;
	ps->hwm_mib = (double)hwm / 1024.0;
	ps->ok = true;
}

/* ---- state ----------------------------------------------------------- */

struct options {
	const char *url, *site, *token;
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
	double wall0, wall1, self0, self1;
	int rc;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

#define TAG_JSON (sizeof TAG_PREFIX - 1 + TAG_DIGITS + 2)

/* The tag index of id, or -1 for a tag that is not one of ours. */
static long
tag_index(const struct load *L, const char *id, size_t len)
{
	long v = 0;

	if (len != sizeof TAG_PREFIX - 1 + TAG_DIGITS ||
	    memcmp(id, TAG_PREFIX, sizeof TAG_PREFIX - 1) != 0)
		return -1;
	for (size_t i = sizeof TAG_PREFIX - 1; i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			return -1;
		v = v * 10 + (id[i] - '0');
	}
	return v < (long)L->n_all ? v : -1;
}

/* ---- tags and what the scanners hear -------------------------------- */

static void
tag_new_waypoint(struct load *L, struct tag *t)
{
	const track_floor *f = &L->site->floors[t->floor];

	t->wx = rng_uniform(&L->rng, 0.0, f->width);
	t->wy = rng_uniform(&L->rng, 0.0, f->height);
	t->speed = rng_uniform(&L->rng, SPEED_MIN, SPEED_MAX);
}

static void
tag_walk(struct load *L, struct tag *t, double dt)
{
	double dx = t->wx - t->x, dy = t->wy - t->y;
	double d = hypot(dx, dy), step = t->speed * dt;

	if (t->speed == 0.0)
		return;  /* a probe: parked */
	if (d <= step) {
		t->x = t->wx;
		t->y = t->wy;
		tag_new_waypoint(L, t);
	} else {
		t->x += dx * step / d;
		t->y += dy * step / d;
	}
}

/* Finds the HEARD_BY scanners nearest each tag and their mean RSSI, and
 * files them by scanner. */
static void
hear(struct load *L)
{
	size_t S = L->n_scanners;

	memset(L->first, 0, (S + 1) * sizeof *L->first);
	for (size_t i = 0; i < L->n_all; i++) {
		const struct tag *t = &L->tags[i];
		const track_floor *f = &L->site->floors[t->floor];
		double d2[HEARD_BY];
		size_t m = 0;

		for (size_t j = 0; j < L->n_floor_scanners[t->floor]; j++) {
			size_t k = L->floor_scanners[t->floor][j];
			const track_scanner *sc = &L->site->scanners[k];
			double dx = sc->x - t->x, dy = sc->y - t->y;
			double dz = sc->z - (f->z + TAG_HEIGHT_M);
			double e = dx * dx + dy * dy + dz * dz;
			size_t at = m < HEARD_BY ? m++ : HEARD_BY;

			/* Insertion into the sorted few nearest. */
			while (at > 0 && d2[at - 1] > e) {
				if (at < HEARD_BY) {
					d2[at] = d2[at - 1];
					L->near[i][at] = L->near[i][at - 1];
				}
				at--;
			}
			if (at < HEARD_BY) {
				d2[at] = e;
				L->near[i][at] = (uint16_t)k;
			}
		}
		L->n_near[i] = (uint8_t)m;
		for (size_t a = 0; a < m; a++) {
			const track_scanner *sc =
				&L->site->scanners[L->near[i][a]];
			double n = sc->path_loss > 0 ? sc->path_loss
			                             : PATH_LOSS;
			double d = fmax(sqrt(d2[a]), 0.1);

			/* rssi_offset_db: how much this scanner reads above
			 * the model (trackd subtracts it again). */
			L->near_dbm[i][a] = (float)(P1M_DBM -
			                            10.0 * n * log10(d) +
			                            sc->rssi_offset_db);
			L->first[L->near[i][a] + 1]++;
		}
	}
	for (size_t k = 0; k < S; k++)
		L->first[k + 1] += L->first[k];
	for (size_t i = 0; i < L->n_all; i++) {
		for (size_t a = 0; a < L->n_near[i]; a++) {
			size_t k = L->near[i][a];

			L->links[L->first[k]++] = (struct link){
				.tag = (uint32_t)i,
				.mean_dbm = L->near_dbm[i][a],
			};
		}
	}
	/* first[k] is now where scanner k's links end: shift back. */
	memmove(L->first + 1, L->first, S * sizeof *L->first);
	L->first[0] = 0;
}

static void
move_cb(lws_sorted_usec_list_t *sul)
{
	struct load *L = lws_container_of(sul, struct load, move_sul);

	for (size_t i = 0; i < L->n_all; i++)
		tag_walk(L, &L->tags[i], (double)MOVE_US / LWS_US_PER_SEC);
	hear(L);
	lws_sul_schedule(L->ctx, 0, &L->move_sul, move_cb, MOVE_US);
}

/* ---- ingest ---------------------------------------------------------- */

static void
msg_push(struct msg **head, struct msg **tail, struct msg *m)
{
	m->next = NULL;
	if (*tail)
		(*tail)->next = m;
	else
		*head = m;
	*tail = m;
}

static struct msg *
msg_pop(struct msg **head, struct msg **tail)
{
	struct msg *m = *head;

	if (m) {
		*head = m->next;
		if (!*head)
			*tail = NULL;
	}
	return m;
}

static unsigned long long
msg_clear(struct msg **head, struct msg **tail)
{
	unsigned long long n = 0;
	struct msg *m;

	while ((m = msg_pop(head, tail))) {
		n += m->n;
		free(m);
	}
	return n;
}

static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT(p, lit) put(p, lit, sizeof lit - 1)

/* Queues the n reports at L->scratch (begun by message_begin) as one
 * message.  Returns -1 out of memory. */
static int
message_end(struct scanner *s, char *p, size_t n)
{
	struct load *L = s->L;
	size_t len;
	struct msg *m;

	p = PUT(p, "]}");
	len = (size_t)(p - L->scratch);
	if (!(m = malloc(sizeof *m + LWS_PRE + len)))
		return -1;
	m->n = n;
	m->len = len;
	memcpy(m->buf + LWS_PRE, L->scratch, len);
	msg_push(&s->head, &s->tail, m);
	s->queued += n;
	return 0;
}

static char *
message_begin(struct scanner *s)
{
	char *p = PUT(s->L->scratch, "{\"scanner\":");

	p = put(p, s->id_json, strlen(s->id_json));
	return PUT(p, ",\"reports\":[");
}

/* Makes the reports of the advertisements s heard in (from, to], stamped
 * to, into messages.  Returns -1 out of memory. */
static int
scanner_batch(struct scanner *s, int64_t from, int64_t to)
{
	struct load *L = s->L;
	size_t k = (size_t)(s - L->scanners), n = 0;
	char *p = message_begin(s);

	for (size_t j = L->first[k]; j < L->first[k + 1]; j++) {
		const struct link *ln = &L->links[j];
		const struct tag *t = &L->tags[ln->tag];
		int64_t newest = (to - t->phase_us) / t->period_us;
		int64_t ads = newest - (from - t->phase_us) / t->period_us;

		if (ads > 0 && ln->tag >= (size_t)L->o.tags) {
			size_t pr = ln->tag - (size_t)L->o.tags;

			/* The first scanner to report a probe's burst
			 * starts its clock.  Not the first burst: a tag
			 * trackd has never seen takes longer to show. */
			if (L->probe_k[pr] != newest) {
				L->probe_t[pr] = L->probe_k[pr] < 0 ? 0 : to;
				L->probe_k[pr] = newest;
			}
		}

		for (; ads > 0; ads--) {
			float v = ln->mean_dbm +
			          L->noise[rng_next(&L->rng) &
			                   (NOISE_SAMPLES - 1)];
			long rssi = lroundf(v);
			char num[8];
			int w;

			rssi = rssi > 0 ? 0 : rssi < -127 ? -127 : rssi;
			if (n == MAX_PER_MESSAGE) {
				if (message_end(s, p, n) < 0)
					return -1;
				p = message_begin(s);
				n = 0;
			}
			if (n++)
				*p++ = ',';
			p = PUT(p, "{\"tag\":");
			p = put(p, L->tag_json + ln->tag * TAG_JSON,
			        TAG_JSON);
			p = PUT(p, ",\"rssi\":");
			w = snprintf(num, sizeof num, "%ld", rssi);
			p = put(p, num, (size_t)w);
			p = PUT(p, ",\"t\":");
			p = put(p, L->t_json, L->t_len);
			*p++ = '}';
			L->last_sent_us[ln->tag] = to;
			L->c.offered++;
		}
	}
	return n ? message_end(s, p, n) : 0;
}

static void start_closing(struct load *L);

static void
scanner_cb(lws_sorted_usec_list_t *sul)
{
	struct scanner *s = lws_container_of(sul, struct scanner, sul);
	struct load *L = s->L;
	int64_t now = now_us(), late = now - s->due_us;

	if (L->phase == MEASURE) {
		L->c.fires++;
		if (late > L->c.late_max_us)
			L->c.late_max_us = late;
		L->c.late_sum_us += late;
		if (late > LATE_WARN_US)
			L->c.late_fires++;
	}
	if (s->up && !s->closing) {
		L->t_len = (size_t)snprintf(L->t_json, sizeof L->t_json,
		                            "%" PRId64 ".%06" PRId64,
		                            now / 1000000, now % 1000000);
		if (scanner_batch(s, s->last_us, now) < 0) {
			fprintf(stderr, "trackd-load: out of memory\n");
			L->rc = EXIT_FAILURE;
			start_closing(L);
			return;
		}
		if (s->head)
			lws_callback_on_writable(s->wsi);
	}
	s->last_us = now;
	/* On schedule, not drifting: the next one is due a period after
	 * this one was; any periods missed altogether are skipped (their
	 * advertisements come in the next message). */
	do
		s->due_us += BATCH_US;
	while (s->due_us <= now);
	lws_sul_schedule(L->ctx, 0, &s->sul, scanner_cb, s->due_us - now);
}

static void
show_refusal(struct load *L, const struct scanner *s, const char *why)
{
	if (L->n_shown >= SHOW_REFUSALS)
		return;
	fprintf(stderr, "trackd-load: trackd refused a report from %s: %s\n",
	        s->sc->id, why);
	if (++L->n_shown == SHOW_REFUSALS)
		fprintf(stderr, "trackd-load: (further refusals are only "
		                "counted)\n");
}

/* Counts the answer {"accepted":N,"rejected":[{"index":i,"error":".."}]}
 * (plus "error" when the whole message was refused) to message m. */
static void
count_answer(struct load *L, struct scanner *s, const struct msg *m)
{
	json_t *doc = json_loadb(s->rx, s->rx_len, 0, NULL);
	json_t *acc = json_object_get(doc, "accepted");
	json_t *rej = json_object_get(doc, "rejected");
	json_t *err = json_object_get(doc, "error");
	size_t accepted, rejected;

	if (!json_is_integer(acc) || json_integer_value(acc) < 0 ||
	    (size_t)json_integer_value(acc) > m->n || !json_is_array(rej)) {
		L->client_errors++;
		L->unanswered += m->n;
		fprintf(stderr, "trackd-load: unexpected answer from trackd: "
		                "%.200s\n", s->rx);
		json_decref(doc);
		return;
	}
	accepted = (size_t)json_integer_value(acc);
	rejected = m->n - accepted;
	L->c.accepted += accepted;
	L->rejected_total += rejected;
	if (json_is_string(err)) {
		show_refusal(L, s, json_string_value(err));
	} else if (json_array_size(rej) > 0) {
		json_t *why = json_object_get(json_array_get(rej, 0), "error");

		show_refusal(L, s, json_is_string(why) ? json_string_value(why)
		                                       : "(no reason given)");
	}
	json_decref(doc);
}

static void
scanner_receive(struct load *L, struct scanner *s, struct lws *wsi,
                const void *in, size_t len)
{
	struct msg *m;

	if (s->rx_len + len >= MAX_ANSWER)
		s->rx_too_big = true;
	if (!s->rx_too_big && s->rx_len + len >= s->rx_cap) {
		size_t cap = 2 * (s->rx_len + len + 1);
		char *r = realloc(s->rx, cap);

		if (r) {
			s->rx = r;
			s->rx_cap = cap;
		} else {
			s->rx_too_big = true;
		}
	}
	if (!s->rx_too_big) {
		memcpy(s->rx + s->rx_len, in, len);
		s->rx_len += len;
		s->rx[s->rx_len] = '\0';
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	m = msg_pop(&s->sent, &s->sent_tail);
	if (!m) {
		L->client_errors++;
		fprintf(stderr, "trackd-load: an answer to no message from "
		                "trackd on %s's connection\n", s->sc->id);
	} else if (s->rx_too_big) {
		L->client_errors++;
		L->unanswered += m->n;
	} else {
		count_answer(L, s, m);
	}
	free(m);
	s->rx_len = 0;
	s->rx_too_big = false;
}

/* ---- live clients ---------------------------------------------------- */

static void
walker_reset(struct walker *w)
{
	memset(w, 0, sizeof *w);
}

static void
copy_key(char *dst, const struct walker *w)
{
	/* A key too long to be one we look for is as good as none. */
	if (w->len < WALK_KEY) {
		memcpy(dst, w->str, w->len);
		dst[w->len] = '\0';
	} else {
		dst[0] = '\0';
	}
}

/* Inside one of the objects of the top-level "tags" array? */
static bool
in_tag(const struct walker *w)
{
	return w->depth == 3 && (w->obj & (1u << 1)) &&
	       !(w->obj & (1u << 2)) && (w->obj & (1u << 3)) &&
	       strcmp(w->key1, "tags") == 0;
}

static void
walker_string(struct client *c)
{
	struct walker *w = &c->w;

	if (w->is_key) {
		if (w->depth == 1)
			copy_key(w->key1, w);
		else if (w->depth == 3)
			copy_key(w->key3, w);
		return;
	}
	if (!w->capture)
		return;
	if (w->depth == 1)
		copy_key(w->type, w);
	else if (w->len < WALK_STR)
		w->cur_id = tag_index(c->L, w->str, w->len);
}

/* Is the string value starting now one the walker wants? */
static bool
walker_wants(const struct walker *w)
{
	if (w->depth == 1)
		return strcmp(w->key1, "type") == 0;
	return in_tag(w) && strcmp(w->key3, "id") == 0;
}

/* The end of a value inside a container: a number being read is done. */
static void
walker_value_end(struct walker *w)
{
	if (!w->in_t)
		return;
	w->num[w->num_len < sizeof w->num ? w->num_len
	                                   : sizeof w->num - 1] = '\0';
	w->cur_t = strtod(w->num, NULL);
	w->in_t = false;
}

static void
walk(struct client *c, const char *p, size_t n)
{
	struct walker *w = &c->w;
	const char *end = p + n;

	while (p < end) {
		char ch;

		if (w->in_str) {
			const char *q = p;

			if (w->esc) {
				/* The escaped character is kept as is: none of
				 * the strings looked for has one. */
				w->esc = false;
				if (w->len < WALK_STR)
					w->str[w->len] = *p;
				w->len++;
				p++;
				continue;
			}
			while (q < end && *q != '"' && *q != '\\')
				q++;
			if (w->capture || w->is_key) {
				for (const char *r = p; r < q; r++, w->len++)
					if (w->len < WALK_STR)
						w->str[w->len] = *r;
			}
			p = q;
			if (p == end)
				break;
			if (*p++ == '\\') {
				w->esc = true;
				continue;
			}
			w->in_str = false;
			walker_string(c);
			continue;
		}
		switch ((ch = *p++)) {
		case '"':
			w->in_str = true;
			w->is_key = w->want_key;
			w->capture = !w->is_key && walker_wants(w);
			w->len = 0;
			break;
		case '{':
			w->depth++;
			if (w->depth < 32)
				w->obj |= 1u << w->depth;
			w->want_key = true;
			if (w->depth == 3) {
				w->key3[0] = '\0';
				w->cur_id = -1;
				w->cur_t = NAN;
			}
			break;
		case '[':
			w->depth++;
			if (w->depth < 32)
				w->obj &= ~(1u << w->depth);
			w->want_key = false;
			break;
		case '}':
		case ']':
			walker_value_end(w);
			if (ch == '}' && in_tag(w) && w->cur_id >= 0 &&
			    c->n_seen < c->L->n_all)
				c->seen[c->n_seen++] = (struct seen){
					.tag = (uint32_t)w->cur_id,
					.t = w->cur_t
				};
			if (w->depth > 0)
				w->depth--;
			w->want_key = false;
			break;
		case ',':
			walker_value_end(w);
			w->want_key = w->depth < 32 &&
			              (w->obj & (1u << w->depth));
			break;
		case ':':
			w->want_key = false;
			if (in_tag(w) && strcmp(w->key3, "t") == 0) {
				w->in_t = true;
				w->num_len = 0;
			}
			break;
		default:
			if (w->in_t && w->num_len < sizeof w->num)
				w->num[w->num_len++] = ch;
			break;
		}
	}
}

static void
hist_add(struct hist *h, int64_t us)
{
	int64_t ms = us / 1000;

	if (ms < 0)
		ms = 0;
	h->b[ms < HIST_MS ? ms : HIST_MS]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

/* A probe's first position after its burst began: the one that shows the
 * burst.  An entry older than the burst (PROBE_STALE_US allows for "t"
 * being rounded) is a late one from the burst before. */
static void
probe_seen(struct load *L, struct client *c, size_t p, double t, int64_t now)
{
	if (!L->probe_t[p] || c->probe_k[p] == L->probe_k[p])
		return;
	if (!isnan(t) && t * 1e6 < (double)(L->probe_t[p] - PROBE_STALE_US))
		return;
	c->probe_k[p] = L->probe_k[p];
	hist_add(&L->probe, now - L->probe_t[p]);
}

/* One whole message received by c. */
static void
client_message(struct load *L, struct client *c)
{
	struct walker *w = &c->w;
	size_t N = (size_t)L->o.tags;

	if (w->depth != 0 || w->in_str) {
		L->client_errors++;
		if (!c->error_shown)
			fprintf(stderr, "trackd-load: a live message that "
			                "is not JSON\n");
		c->error_shown = true;
	} else if (strcmp(w->type, "positions") == 0) {
		int64_t now = now_us();

		if (L->phase == MEASURE) {
			L->c.positions++;
			if (c->last_positions_us)
				hist_add(&L->interval,
				         now - c->last_positions_us);
			for (size_t i = 0; i < c->n_seen; i++) {
				const struct seen *e = &c->seen[i];

				if (e->tag >= N)
					probe_seen(L, c, e->tag - N, e->t, now);
				else if (L->last_sent_us[e->tag])
					hist_add(&L->latency,
					         now - L->last_sent_us[e->tag]);
			}
		}
		c->last_positions_us = now;
	} else if (strcmp(w->type, "error") == 0) {
		L->client_errors++;
		if (!c->error_shown)
			fprintf(stderr, "trackd-load: trackd refused a live "
			                "client's subscription to %s\n",
			        c->floor);
		c->error_shown = true;
	}
	walker_reset(w);
	c->n_seen = 0;
}

/* ---- connections ----------------------------------------------------- */

static void start_run(struct load *L);

static void
resolved(struct load *L)
{
	if (++L->resolved == L->n_scanners + L->n_clients &&
	    L->phase == CONNECTING)
		start_run(L);
}

static void
closed(struct load *L)
{
	if (L->open > 0)
		L->open--;
	if (L->open == 0 && L->phase == CLOSING)
		L->phase = DONE;
}

static int
close_now(struct lws *wsi)
{
	lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
	                 (unsigned char *)"done", 4);
	return -1;
}

static int
add_token(const struct load *L, struct lws *wsi, void *in, size_t len)
{
	char auth[512];
	unsigned char **p = in;
	int n;

	if (!L->o.token)
		return 0;
	n = snprintf(auth, sizeof auth, "Bearer %s", L->o.token);
	if (n < 0 || (size_t)n >= sizeof auth)
		return -1;
	return lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
	                                    (unsigned char *)auth, n, p,
	                                    *p + len) ? -1 : 0;
}

static int
ingest_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
          void *in, size_t len)
{
	struct scanner *s = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	struct load *L;
	struct msg *m;

	(void)user;
	if (!s)
		return 0;
	L = s->L;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return add_token(L, wsi, in, len);

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		s->up = true;
		L->open++;
		resolved(L);
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "trackd-load: scanner %s cannot connect: %s\n",
		        s->sc->id, in ? (const char *)in : "(no reason)");
		s->wsi = NULL;
		L->client_errors++;
		resolved(L);
		return 0;

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!s->closing) {
			fprintf(stderr, "trackd-load: trackd closed scanner "
			                "%s's connection\n", s->sc->id);
			L->client_errors++;
		}
		s->wsi = NULL;
		s->up = false;
		L->unanswered += msg_clear(&s->sent, &s->sent_tail);
		closed(L);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		scanner_receive(L, s, wsi, in, len);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (s->closing)
			return close_now(wsi);
		if (!(m = msg_pop(&s->head, &s->tail)))
			return 0;
		s->queued -= m->n;
		if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
		    (int)m->len) {
			L->unanswered += m->n;
			free(m);
			return -1;
		}
		msg_push(&s->sent, &s->sent_tail, m);
		if (s->head)
			lws_callback_on_writable(wsi);
		return 0;

	default:
		return 0;
	}
}

static int
live_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
        void *in, size_t len)
{
	struct client *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	struct load *L;
	char sub[128];
	int n;

	(void)user;
	if (!c)
		return 0;
	L = c->L;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return add_token(L, wsi, in, len);

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->up = true;
		L->open++;
		lws_callback_on_writable(wsi);
		resolved(L);
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "trackd-load: live client cannot connect: %s\n",
		        in ? (const char *)in : "(no reason)");
		c->wsi = NULL;
		L->client_errors++;
		resolved(L);
		return 0;

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!c->closing) {
			fprintf(stderr, "trackd-load: trackd closed a live "
			                "client's connection\n");
			L->client_errors++;
		}
		c->wsi = NULL;
		c->up = false;
		closed(L);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		walk(c, in, len);
		if (lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi))
			client_message(L, c);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->closing)
			return close_now(wsi);
		if (c->subscribed)
			return 0;
		n = snprintf(sub + LWS_PRE, sizeof sub - LWS_PRE,
		             "{\"subscribe\":{\"floor\":\"%s\"}}", c->floor);
		if (n < 0 || (size_t)n >= sizeof sub - LWS_PRE ||
		    lws_write(wsi, (unsigned char *)sub + LWS_PRE, (size_t)n,
		              LWS_WRITE_TEXT) < n)
			return -1;
		c->subscribed = true;
		return 0;

	default:
		return 0;
	}
}

static void
connect_one(struct load *L, const char *protocol, struct lws **pwsi,
            void *owner)
{
	struct lws_client_connect_info i;

	memset(&i, 0, sizeof i);
	i.context = L->ctx;
	i.address = L->o.host;
	i.port = L->o.port;
	i.path = L->o.path;
	i.host = L->o.hostport;
	i.origin = L->o.hostport;
	i.protocol = protocol;
	i.local_protocol_name = protocol;
	i.pwsi = pwsi;
	i.opaque_user_data = owner;
	/* A bench against a test certificate: encrypted, not verified. */
	if (L->o.tls)
		i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		                   LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
		                   LCCSCF_ALLOW_INSECURE;
	if (!lws_client_connect_via_info(&i)) {
		*pwsi = NULL;
		L->client_errors++;
		fprintf(stderr, "trackd-load: cannot start a connection to "
		                "%s\n", L->o.url);
		resolved(L);
	}
}

/* ---- the run --------------------------------------------------------- */

static void phase_cb(lws_sorted_usec_list_t *sul);

static void
snapshot(struct load *L, struct counters *c, struct proc_sample *p,
         double *wall, double *self)
{
	*c = L->c;
	*wall = mono_s();
	*self = self_cpu_s();
	if (L->o.pid > 0)
		proc_sample((pid_t)L->o.pid, p);
}

static void
start_measuring(struct load *L)
{
	L->phase = MEASURE;
	snapshot(L, &L->c0, &L->p0, &L->wall0, &L->self0);
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
	                 (lws_usec_t)(L->o.duration * LWS_US_PER_SEC));
}

/* All connections are up (or given up on): the scanners start, each at its
 * own phase within the batch period. */
static void
start_run(struct load *L)
{
	int64_t now = now_us();

	if (L->open == 0) {
		fprintf(stderr, "trackd-load: no connection to %s opened\n",
		        L->o.url);
		L->rc = EXIT_FAILURE;
		L->phase = DONE;
		return;
	}
	for (size_t k = 0; k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];
		int64_t offset = (int64_t)(k * (size_t)BATCH_US /
		                           L->n_scanners);

		s->last_us = now;
		s->due_us = now + offset + 1;
		lws_sul_schedule(L->ctx, 0, &s->sul, scanner_cb, offset + 1);
	}
	lws_sul_schedule(L->ctx, 0, &L->move_sul, move_cb, MOVE_US);
	if (L->o.warmup > 0) {
		L->phase = WARMUP;
		lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
		                 (lws_usec_t)(L->o.warmup * LWS_US_PER_SEC));
	} else {
		start_measuring(L);
	}
}

static void
stop_generating(struct load *L)
{
	for (size_t k = 0; k < L->n_scanners; k++)
		lws_sul_cancel(&L->scanners[k].sul);
	lws_sul_cancel(&L->move_sul);
}

static void
start_closing(struct load *L)
{
	stop_generating(L);
	L->phase = CLOSING;
	for (size_t k = 0; k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];

		s->closing = true;
		if (s->wsi)
			lws_callback_on_writable(s->wsi);
	}
	for (size_t j = 0; j < L->n_clients; j++) {
		struct client *c = &L->clients[j];

		c->closing = true;
		if (c->wsi)
			lws_callback_on_writable(c->wsi);
	}
	if (L->open == 0)
		L->phase = DONE;
	else
		lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
		                 CLOSE_WAIT_US);
}

static void
stop_measuring(struct load *L)
{
	snapshot(L, &L->c1, &L->p1, &L->wall1, &L->self1);
	stop_generating(L);
	L->phase = DRAIN;
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb, DRAIN_US);
}

/* The one timer that moves the run from phase to phase. */
static void
phase_cb(lws_sorted_usec_list_t *sul)
{
	struct load *L = lws_container_of(sul, struct load, phase_sul);

	switch (L->phase) {
	case CONNECTING:
		fprintf(stderr, "trackd-load: %zu of %zu connections still "
		                "not open after %d s; going on without them\n",
		        L->n_scanners + L->n_clients - L->resolved,
		        L->n_scanners + L->n_clients,
		        (int)(CONNECT_WAIT_US / LWS_US_PER_SEC));
		start_run(L);
		break;
	case WARMUP:
		start_measuring(L);
		break;
	case MEASURE:
		stop_measuring(L);
		break;
	case DRAIN:
		start_closing(L);
		break;
	case CLOSING:
	case DONE:
		L->phase = DONE;
		break;
	}
}

/* ---- results --------------------------------------------------------- */

static double
percentile_ms(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return NAN;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (size_t b = 0; b <= HIST_MS; b++) {
		seen += h->b[b];
		if (seen >= want)
			return (double)(b + 1);  /* the bucket's upper edge */
	}
	return (double)HIST_MS;
}

static double
max_ms(const struct hist *h)
{
	return h->n ? (double)h->max_us / 1000.0 : NAN;
}

static void
line(const char *name, double v, const char *unit)
{
	printf("%-28s %-14.*f %s\n", name, fabs(v) >= 100 || v == floor(v)
	       ? 0 : 1, v, unit);
}

static void
report(struct load *L)
{
	double wall = L->wall1 - L->wall0;
	const struct counters *a = &L->c0, *b = &L->c1;
	double self = 100.0 * (L->self1 - L->self0) / wall;
	unsigned long long backlog = 0;

	for (size_t k = 0; k < L->n_scanners; k++)
		backlog += L->scanners[k].queued;
	printf("# trackd-load: %s, site %s (%zu floors, %zu scanners)\n",
	       L->o.url, track_site_id(L->doc), L->site->n_floors,
	       L->n_scanners);
	printf("# %ld tags x %g Hz, each heard by its %d nearest scanners; "
	       "%zu ingest connections (a message each per %d ms); %zu live "
	       "clients\n", L->o.tags, L->o.rate, HEARD_BY, L->n_scanners,
	       (int)(BATCH_US / LWS_US_PER_MS), L->n_clients);
	printf("# counted over %.1f s after a %g s warm-up (rejected_total "
	       "and client_errors: the whole run); 1 ms buckets, upper edges"
	       "\n", wall, L->o.warmup);
	printf("# latency_*: positions arrival - the newest report sent for "
	       "the tag (its age: at most about 1/rate for any trackd)\n");
	printf("# probe_latency_*: report to client: %ld parked probe tags "
	       "heard once every %d s; their first report to the first "
	       "position that shows it\n", L->o.probes,
	       (int)(PROBE_PERIOD_US / LWS_US_PER_SEC));
	if (L->o.pid <= 0)
		printf("# no --pid: trackd's CPU and memory not measured\n");
	else if (!L->p0.ok || !L->p1.ok)
		printf("# trackd's /proc entries could not be read (pid %ld)"
		       "\n", L->o.pid);
	line("reports_per_s_offered", (double)(b->offered - a->offered) / wall,
	     "reports/s");
	line("reports_per_s_accepted",
	     (double)(b->accepted - a->accepted) / wall, "reports/s");
	line("rejected_total", (double)L->rejected_total, "reports");
	line("positions_msgs_per_s",
	     (double)(b->positions - a->positions) / wall, "msgs/s");
	line("latency_p50_ms", percentile_ms(&L->latency, 0.50), "ms");
	line("latency_p90_ms", percentile_ms(&L->latency, 0.90), "ms");
	line("latency_p99_ms", percentile_ms(&L->latency, 0.99), "ms");
	line("latency_max_ms", max_ms(&L->latency), "ms");
	line("probe_latency_p50_ms", percentile_ms(&L->probe, 0.50), "ms");
	line("probe_latency_p90_ms", percentile_ms(&L->probe, 0.90), "ms");
	line("probe_latency_p99_ms", percentile_ms(&L->probe, 0.99), "ms");
	line("probe_latency_max_ms", max_ms(&L->probe), "ms");
	line("probe_samples", (double)L->probe.n, "samples");
	if (L->p0.ok && L->p1.ok) {
		line("trackd_cpu_percent", 100.0 * (L->p1.cpu_s - L->p0.cpu_s) /
		                           (L->p1.wall_s - L->p0.wall_s), "%");
		line("trackd_rss_mb", L->p1.rss_mib, "MiB");
		line("trackd_rss_peak_mb", L->p1.hwm_mib, "MiB");
	}
	line("client_errors", (double)L->client_errors, "errors");
	line("update_interval_p50_ms", percentile_ms(&L->interval, 0.50),
	     "ms");
	line("update_interval_p99_ms", percentile_ms(&L->interval, 0.99),
	     "ms");
	line("load_cpu_percent", self, "%");
	line("load_late_max_ms", (double)b->late_max_us / 1000.0, "ms");
	fflush(stdout);

	/* A generator that cannot keep its own schedule measures itself. */
	if (b->fires > a->fires) {
		unsigned long long fires = b->fires - a->fires;
		unsigned long long late = b->late_fires - a->late_fires;
		double mean = (double)(b->late_sum_us - a->late_sum_us) /
		              (double)fires / 1000.0;

		if (late * 100 > fires || mean > 5.0 ||
		    b->late_max_us >= BATCH_US)
			fprintf(stderr, "trackd-load: BEHIND SCHEDULE: %llu of "
			        "%llu batches went out over %d ms late (mean "
			        "%.1f ms, worst %.0f ms late); the load tool "
			        "itself is a limit here\n", late, fires,
			        (int)(LATE_WARN_US / LWS_US_PER_MS), mean,
			        (double)b->late_max_us / 1000.0);
	}
	if (self > 90.0)
		fprintf(stderr, "trackd-load: the load tool used %.0f%% of a "
		        "core: near its own limit, its reading delay is part "
		        "of the latency\n", self);
	if (backlog > 0)
		fprintf(stderr, "trackd-load: %llu reports were still waiting "
		        "to be sent at the end (trackd was not reading them "
		        "as fast as they came)\n", backlog);
	if (L->unanswered > 0)
		fprintf(stderr, "trackd-load: %llu reports sent were still "
		        "unanswered when the connections closed (trackd's "
		        "backlog)\n", L->unanswered);
	/* A probe whose burst takes longer to show than the time to its
	 * next one is not counted: the figures become a lower bound. */
	if (L->probe.max_us > PROBE_PERIOD_US * 8 / 10)
		fprintf(stderr, "trackd-load: probe latencies reach the probe "
		        "period (%d s): the slowest bursts are not counted, so "
		        "probe_latency_* is a lower bound\n",
		        (int)(PROBE_PERIOD_US / LWS_US_PER_SEC));
}

/* ---- setup ----------------------------------------------------------- */

static void
usage(FILE *f)
{
	fputs("usage: trackd-load --url ws[s]://HOST:PORT --site site.json\n"
	      "         [--tags 10000] [--rate 1] [--clients 100]\n"
	      "         [--duration 30] [--warmup 5] [--pid PID] [--seed 1]\n"
	      "         [--probes 100] [--token T]\n"
	      "Loads a running trackd: --tags tags advertising --rate times "
	      "a second,\n"
	      "each heard by its 6 nearest scanners, sent over one "
	      "track-ingest.v1\n"
	      "connection per scanner of the site, and --clients live "
	      "clients on\n"
	      "track-live.v1. Counts for --duration seconds after --warmup "
	      "seconds;\n"
	      "with --pid, also trackd's CPU and memory. --probes more tags, "
	      "parked and\n"
	      "heard once every 10 s, time report-to-client latency. Prints "
	      "\"name value\n"
	      "unit\" lines.\n", f);
}

static int
parse_number(const char *opt, const char *arg, double lo, double hi,
             double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "trackd-load: --%s: expected a number from %g "
		                "to %g, got '%s'\n", opt, lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_url(struct options *o)
{
	const char *u = o->url, *colon, *slash;
	size_t hl;
	char *end;
	long port = 80;

	if (strncmp(u, "wss://", 6) == 0) {
		o->tls = true;
		port = 443;
		u += 6;
	} else if (strncmp(u, "ws://", 5) == 0) {
		u += 5;
	} else {
		goto bad;
	}
	slash = strchr(u, '/');
	if (!slash)
		slash = u + strlen(u);
	colon = memchr(u, ':', (size_t)(slash - u));
	hl = (size_t)((colon ? colon : slash) - u);
	if (hl == 0 || hl >= sizeof o->host ||
	    strlen(slash) >= sizeof o->path)
		goto bad;
	memcpy(o->host, u, hl);
	o->host[hl] = '\0';
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535)
			goto bad;
	}
	o->port = (int)port;
	snprintf(o->hostport, sizeof o->hostport, "%s:%ld", o->host, port);
	snprintf(o->path, sizeof o->path, "%s", *slash ? slash : "/");
	return 0;
bad:
	fprintf(stderr, "trackd-load: --url: expected ws[s]://HOST[:PORT]"
	                "[/PATH], got '%s'\n", o->url);
	return -1;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "site", required_argument, NULL, 's' },
		{ "tags", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "clients", required_argument, NULL, 'c' },
		{ "probes", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	*o = (struct options){ .tags = 10000, .probes = 100, .rate = 1.0,
		               .clients = 100,
		               .duration = 30.0, .warmup = 5.0, .seed = 1 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->url = optarg;
			break;
		case 's':
			o->site = optarg;
			break;
		case 't':
			o->token = optarg;
			break;
		case 'n':
			if (parse_number("tags", optarg, 1, TAGS_MAX, &v) < 0)
				return -1;
			o->tags = (long)v;
			break;
		case 'r':
			if (parse_number("rate", optarg, 0.01, 100, &v) < 0)
				return -1;
			o->rate = v;
			break;
		case 'c':
			if (parse_number("clients", optarg, 0, 10000, &v) < 0)
				return -1;
			o->clients = (long)v;
			break;
		case 'P':
			if (parse_number("probes", optarg, 0, 10000, &v) < 0)
				return -1;
			o->probes = (long)v;
			break;
		case 'd':
			if (parse_number("duration", optarg, 1, 86400,
			                 &o->duration) < 0)
				return -1;
			break;
		case 'w':
			if (parse_number("warmup", optarg, 0, 3600,
			                 &o->warmup) < 0)
				return -1;
			break;
		case 'p':
			if (parse_number("pid", optarg, 1, 4194304, &v) < 0)
				return -1;
			o->pid = (long)v;
			break;
		case 'S':
			if (parse_number("seed", optarg, 0, 1e15, &v) < 0)
				return -1;
			o->seed = (uint64_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->url || !o->site || optind < argc) {
		usage(stderr);
		return -1;
	}
	if (o->tags + o->probes > TAGS_MAX) {
		fprintf(stderr, "trackd-load: --tags plus --probes: at most "
		                "%d\n", TAGS_MAX);
		return -1;
	}
	return parse_url(o);
}

static int
setup(struct load *L)
{
	const track_site *site = L->site;
	size_t N = (size_t)L->o.tags, P = (size_t)L->o.probes;
	size_t S = site->n_scanners, F = site->n_floors, heard = 0;

	L->rng = L->o.seed;
	/* Box-Muller, once: a report then costs one table look-up. */
	for (size_t i = 0; i < NOISE_SAMPLES; i += 2) {
		double u = rng_uniform(&L->rng, 0x1.0p-53, 1.0);
		double v = rng_uniform(&L->rng, 0.0, TWO_PI);
		double r = SIGMA_DB * sqrt(-2.0 * log(u));

		L->noise[i] = (float)(r * cos(v));
		L->noise[i + 1] = (float)(r * sin(v));
	}
	L->n_scanners = S;
	L->n_clients = (size_t)L->o.clients;
	L->n_all = N + P;
	L->tags = calloc(L->n_all, sizeof *L->tags);
	L->last_sent_us = calloc(L->n_all, sizeof *L->last_sent_us);
	L->tag_json = malloc(L->n_all * TAG_JSON + 1);
	L->probe_k = calloc(P ? P : 1, sizeof *L->probe_k);
	L->probe_t = calloc(P ? P : 1, sizeof *L->probe_t);
	L->near = calloc(L->n_all, sizeof *L->near);
	L->near_dbm = calloc(L->n_all, sizeof *L->near_dbm);
	L->n_near = calloc(L->n_all, 1);
	L->links = calloc(L->n_all * HEARD_BY, sizeof *L->links);
	L->first = calloc(S + 1, sizeof *L->first);
	L->scratch = malloc(64 + TRACK_ID_MAX * 6 +
	                    MAX_PER_MESSAGE * REPORT_JSON_MAX);
	L->scanners = calloc(S, sizeof *L->scanners);
	L->clients = calloc(L->n_clients, sizeof *L->clients);
	L->floor_scanners = calloc(F, sizeof *L->floor_scanners);
	L->n_floor_scanners = calloc(F, sizeof *L->n_floor_scanners);
	if (!L->tags || !L->last_sent_us || !L->tag_json || !L->probe_k ||
	    !L->probe_t || !L->near ||
	    !L->near_dbm || !L->n_near || !L->links || !L->first ||
	    !L->scratch || !L->scanners || (L->n_clients && !L->clients) ||
	    !L->floor_scanners || !L->n_floor_scanners)
		goto oom;

	for (size_t f = 0; f < F; f++) {
		if (!(L->floor_scanners[f] = calloc(S ? S : 1, sizeof(size_t))))
			goto oom;
		for (size_t k = 0; k < S; k++)
			if (strcmp(site->scanners[k].floor, site->floors[f].id)
			    == 0)
				L->floor_scanners[f][L->n_floor_scanners[f]++] =
					k;
		if (L->n_floor_scanners[f] > 0)
			heard++;
	}
	if (heard == 0) {
		fprintf(stderr, "trackd-load: %s: no floor has scanners\n",
		        L->o.site);
		return -1;
	}
	for (size_t k = 0; k < S; k++) {
		struct scanner *s = &L->scanners[k];
		json_t *id = json_string(site->scanners[k].id);

		s->L = L;
		s->sc = &site->scanners[k];
		s->id_json = id ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
		json_decref(id);
		s->rx_cap = 4096;
		s->rx = malloc(s->rx_cap);
		if (!s->id_json || !s->rx)
			goto oom;
		if (strlen(s->id_json) > TRACK_ID_MAX * 6) {
			fprintf(stderr, "trackd-load: scanner id too long\n");
			return -1;
		}
	}
	/* Tags, then probes, spread evenly over the floors that have
	 * scanners. */
	for (size_t i = 0, f = 0; i < L->n_all; i++) {
		struct tag *t = &L->tags[i];

		while (L->n_floor_scanners[f % F] == 0)
			f++;
		t->floor = f++ % F;
		t->x = rng_uniform(&L->rng, 0.0, site->floors[t->floor].width);
		t->y = rng_uniform(&L->rng, 0.0, site->floors[t->floor].height);
		t->period_us = i < N ? llround(1e6 / L->o.rate)
		                     : PROBE_PERIOD_US;
		t->phase_us = (int64_t)rng_uniform(&L->rng, 0.0,
		                                   (double)t->period_us);
		tag_new_waypoint(L, t);
		if (i >= N) {
			t->speed = 0.0;
			L->probe_k[i - N] = -1;
		}
		/* i <= TAGS_MAX: always TAG_DIGITS digits. */
		snprintf(L->tag_json + i * TAG_JSON, TAG_JSON + 1,
		         "\"" TAG_PREFIX "%06u\"", (unsigned)(i % 1000000));
	}
	hear(L);
	for (size_t j = 0; j < L->n_clients; j++) {
		struct client *c = &L->clients[j];

		c->L = L;
		c->floor = site->floors[j % F].id;
		c->seen = malloc(L->n_all * sizeof *c->seen);
		c->probe_k = malloc((P ? P : 1) * sizeof *c->probe_k);
		if (!c->seen || !c->probe_k)
			goto oom;
		for (size_t p = 0; p < P; p++)
			c->probe_k[p] = -1;
	}
	return 0;
oom:
	fprintf(stderr, "trackd-load: out of memory\n");
	return -1;
}

static void
teardown(struct load *L)
{
	for (size_t k = 0; L->scanners && k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];

		msg_clear(&s->head, &s->tail);
		msg_clear(&s->sent, &s->sent_tail);
		free(s->id_json);
		free(s->rx);
	}
	for (size_t j = 0; L->clients && j < L->n_clients; j++) {
		free(L->clients[j].seen);
		free(L->clients[j].probe_k);
	}
	for (size_t f = 0; L->floor_scanners && f < L->site->n_floors; f++)
		free(L->floor_scanners[f]);
	free(L->floor_scanners);
	free(L->n_floor_scanners);
	free(L->clients);
	free(L->scanners);
	free(L->scratch);
	free(L->first);
	free(L->links);
	free(L->n_near);
	free(L->near_dbm);
	free(L->near);
	free(L->probe_t);
	free(L->probe_k);
	free(L->tag_json);
	free(L->last_sent_us);
	free(L->tags);
	track_site_free(L->doc);
}

int
main(int argc, char **argv)
{
	static const struct lws_protocols protocols[] = {
		{ INGEST, ingest_cb, 0, 4096, 0, NULL, 0 },
		/* Positions for a busy floor run to hundreds of kB. */
		{ LIVE, live_cb, 0, 65536, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct sigaction sa;
	struct load *L;
	int rc;

	/* Large (the noise table); on the heap, not the stack. */
	if (!(L = calloc(1, sizeof *L))) {
		fprintf(stderr, "trackd-load: out of memory\n");
		return EXIT_FAILURE;
	}
	L->rc = EXIT_SUCCESS;
	if (parse_options(argc, argv, &L->o) < 0) {
		free(L);
		return 2;
	}
	if (sitefile_load("trackd-load", L->o.site, &L->doc) < 0) {
		free(L);
		return EXIT_FAILURE;
	}
	L->site = track_site_engine(L->doc);
	if (setup(L) < 0) {
		L->rc = EXIT_FAILURE;
		goto out;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = L;
	if (L->o.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	L->ctx = lws_create_context(&info);
	if (!L->ctx) {
		fprintf(stderr, "trackd-load: cannot set up libwebsockets\n");
		L->rc = EXIT_FAILURE;
		goto out;
	}
	fprintf(stderr, "trackd-load: %ld tags, %zu scanners, %zu live "
	        "clients -> %s; %g s warm-up, %g s counted\n", L->o.tags,
	        L->n_scanners, L->n_clients, L->o.url, L->o.warmup,
	        L->o.duration);
	L->phase = CONNECTING;
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb, CONNECT_WAIT_US);
	for (size_t k = 0; k < L->n_scanners; k++)
		connect_one(L, INGEST, &L->scanners[k].wsi, &L->scanners[k]);
	for (size_t j = 0; j < L->n_clients; j++)
		connect_one(L, LIVE, &L->clients[j].wsi, &L->clients[j]);

	while (L->phase != DONE) {
		if (interrupted) {
			interrupted = 0;
			if (L->phase == MEASURE) {
				stop_measuring(L);
			} else if (L->phase == CLOSING) {
				break;  /* a second signal: leave now */
			} else {
				if (L->phase != DRAIN)
					L->rc = EXIT_FAILURE;
				start_closing(L);
			}
		}
		if (lws_service(L->ctx, 0) < 0) {
			fprintf(stderr, "trackd-load: libwebsockets stopped\n");
			L->rc = EXIT_FAILURE;
			break;
		}
	}
	stop_generating(L);
	lws_sul_cancel(&L->phase_sul);
	lws_context_destroy(L->ctx);
	if (L->wall1 > L->wall0)
		report(L);
	else if (L->rc == EXIT_SUCCESS)
		L->rc = EXIT_FAILURE;
out:
	rc = L->rc;
	teardown(L);
	free(L);
	return rc;
}
