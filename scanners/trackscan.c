/*
 * trackscan: a Linux host's Bluetooth adapter as a scanner for trackd.
 *
 * One lws event loop runs everything.  The scan is a timer that drains
 * the HCI socket without blocking (or reads the next events of a --replay
 * file); each advertisement is parsed (adv.c), filtered, and copied into
 * a ring of reports sized at start.  Every --batch-ms the ring becomes
 * ingest messages for the client (ingest-client.c), which sends them to
 * trackd (or, with --mqtt, publishes them to a broker) and queues them,
 * bounded, while it is away; or, with --print, JSON lines on stdout.
 * Nothing on the way from the socket to the ring allocates or blocks.
 */
#include "trackscan.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "btsnoop.h"
#include "ingest-client.h"

#define SCAN_US (10 * LWS_US_PER_MS)  /* socket drained this often */
#define REPLAY_CHUNK 4096             /* events per turn of the loop */
#define STATUS_US (60 * LWS_US_PER_SEC)
#define CACHE_SIZE 1024               /* addresses remembered (TLM) */
#define HCI_EVENT_BUF 264             /* H4 type + 2 + 255, rounded */
/* Everything but the tag id: {"tag":"","rssi":-127,"t":<20>.<6>,
 * "tx":-127,"button":true,"battery":100.0}, and a comma. */
#define REPORT_JSON_MAX 120

/* A report waiting for the next batch. */
struct pending {
	int64_t t_us;
	char tag[ADV_TAG_MAX];
	int8_t rssi, tx;
	bool has_tx, button;
	uint16_t battery_mv;
};

/* The id an address last announced as an Eddystone UID, and its battery:
 * a TLM frame carries no id, only the same address. */
struct cache_entry {
	uint8_t addr[6];
	bool used;
	uint16_t battery_mv;
	char tag[ADV_TAG_MAX];
};

struct scan {
	struct scan_opts *o;
	struct adv_config adv_cfg;
	struct adv_stats adv;
	struct lws_context *ctx;
	struct ingest_client *client;
	struct hci *hci;
	struct btsnoop snoop;
	bool snoop_open;
	lws_sorted_usec_list_t scan_timer, batch_timer, status_timer;
	struct pending *ring;
	size_t cap, head, n;            /* ring: oldest at head */
	struct cache_entry *cache;
	char *msg;                      /* one message, built in place */
	size_t cap_msg;
	char *scanner_json;             /* the scanner id, JSON-quoted */
	int64_t replay_t0, wall_t0;     /* --realtime pacing */
	int64_t next_us;                /* --realtime: next event's time */
	const uint8_t *next_ev;
	size_t next_len;
	bool scan_over;
	bool stopping;
	bool done;
	int rc;
	unsigned long long heard, filtered, ring_dropped, tlm_waiting;
	unsigned long long printed;
};

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- reports ------------------------------------------------------------- */

static struct cache_entry *
cache_slot(struct scan *s, const uint8_t addr[6])
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < 6; i++)
		h = (h ^ addr[i]) * 16777619u;
	return &s->cache[h % CACHE_SIZE];
}

/* Ties Eddystone TLM frames to their tag's UID; false: nothing to report
 * (a TLM from an address whose UID is not known yet). */
static bool
eddystone_link(struct scan *s, struct adv_report *r)
{
	struct cache_entry *e = cache_slot(s, r->addr);
	bool same = e->used && memcmp(e->addr, r->addr, 6) == 0;

	if (r->kind == ADV_KIND_EDDYSTONE_UID) {
		if (!same) {
			memcpy(e->addr, r->addr, 6);
			e->used = true;
			e->battery_mv = 0;
		}
		memcpy(e->tag, r->tag, sizeof e->tag);
		r->battery_mv = e->battery_mv;
		return true;
	}
	if (r->kind != ADV_KIND_EDDYSTONE_TLM)
		return true;
	if (!same) {
		memcpy(e->addr, r->addr, 6);
		e->used = true;
		e->tag[0] = '\0';
	}
	e->battery_mv = r->battery_mv;
	if (!e->tag[0]) {
		s->tlm_waiting++;
		return false;
	}
	memcpy(r->tag, e->tag, sizeof r->tag);
	return true;
}

/* Into the ring; when it is full the oldest report goes. */
static void
keep(struct scan *s, const struct adv_report *r, int64_t t_us)
{
	struct pending *p;

	if (s->n == s->cap) {
		s->head = (s->head + 1) % s->cap;
		s->n--;
		s->ring_dropped++;
	}
	p = &s->ring[(s->head + s->n) % s->cap];
	s->n++;
	p->t_us = t_us;
	memcpy(p->tag, r->tag, sizeof p->tag);
	p->rssi = r->rssi;
	p->tx = r->tx;
	p->has_tx = r->has_tx;
	p->button = r->button;
	p->battery_mv = r->battery_mv;
}

/* One HCI event: its reports parsed, filtered, kept. */
static void
take_event(struct scan *s, const uint8_t *ev, size_t len, int64_t t_us)
{
	struct adv_report reps[ADV_MAX_REPORTS];
	size_t n;

	if (adv_parse_event(ev, len, &s->adv_cfg, reps, &n, &s->adv) !=
	    ADV_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		s->heard++;
		if (!filter_pass(&s->o->filter, &reps[i])) {
			s->filtered++;
			continue;
		}
		if (eddystone_link(s, &reps[i]))
			keep(s, &reps[i], t_us);
	}
}

/* ---- batches ------------------------------------------------------------- */

static char *
report_json(char *p, const struct pending *r)
{
	long long sec = r->t_us / 1000000, us = r->t_us % 1000000;

	if (us < 0) {
		sec--;
		us += 1000000;
	}
	/* Tag ids are made by adv.c of hex digits, ':' and '-': nothing to
	 * escape. */
	p += sprintf(p, "{\"tag\":\"%s\",\"rssi\":%d,\"t\":%lld.%06lld",
		     r->tag, r->rssi, sec, us);
	if (r->has_tx)
		p += sprintf(p, ",\"tx\":%d", r->tx);
	if (r->button)
		p += sprintf(p, ",\"button\":true");
	if (r->battery_mv)
		p += sprintf(p, ",\"battery\":%.1f",
			     adv_battery_pct(r->battery_mv));
	*p++ = '}';
	*p = '\0';
	return p;
}

/* Hands the ring over: JSON lines, or messages of at most
 * INGEST_MAX_PER_MESSAGE reports. */
static void
flush(struct scan *s)
{
	while (s->n) {
		size_t m = s->n < INGEST_MAX_PER_MESSAGE ? s->n :
			   INGEST_MAX_PER_MESSAGE;
		int64_t newest = 0;
		char *p = s->msg;

		if (!s->o->print)
			p += sprintf(p, "{\"scanner\":%s,\"reports\":[",
				     s->scanner_json);
		for (size_t j = 0; j < m; j++) {
			const struct pending *r =
				&s->ring[(s->head + j) % s->cap];

			if (s->o->print) {
				p = report_json(s->msg, r);
				*p++ = '\n';
				fwrite(s->msg, 1, (size_t)(p - s->msg),
				       stdout);
				s->printed++;
				continue;
			}
			if (j)
				*p++ = ',';
			p = report_json(p, r);
			if (r->t_us > newest)
				newest = r->t_us;
		}
		s->head = (s->head + m) % s->cap;
		s->n -= m;
		if (s->o->print)
			continue;
		p += sprintf(p, "]}");
		if (ingest_client_send(s->client, s->o->scanner, s->msg,
				       (size_t)(p - s->msg),
				       m, newest / 1000, NULL, 0) < 0) {
			fprintf(stderr, "trackscan: out of memory; %zu "
				"reports dropped\n", m);
			s->ring_dropped += m;
		}
	}
	if (s->o->print)
		fflush(stdout);
}

static void
status(struct scan *s)
{
	struct ingest_client_stats st = { 0 };
	char state[64] = "printing";

	if (s->client) {
		ingest_client_stats(s->client, &st);
		ingest_client_state(s->client, state, sizeof state);
	}
	fprintf(stderr, "trackscan: %llu advertisements (%llu filtered "
		"out), %llu events malformed", s->heard, s->filtered,
		(unsigned long long)(s->adv.status[-ADV_ETRUNC] +
				     s->adv.status[-ADV_EBADLEN] +
				     s->adv.status[-ADV_ECOUNT]));
	if (s->client)
		fprintf(stderr, "; %llu reports sent (%llu accepted, %llu "
			"rejected), %llu dropped", st.sent, st.accepted,
			st.rejected, st.dropped + s->ring_dropped);
	if (s->client && st.unanswered)
		/* Sent as trackd went: it may or may not have them. */
		fprintf(stderr, ", %llu unanswered", st.unanswered);
	if (!s->client)
		fprintf(stderr, "; %llu reports printed", s->printed);
	fprintf(stderr, ", %s\n", state);
}

static void
final_counts(struct scan *s)
{
	status(s);
	for (int k = 1; k < ADV_N_STATUS; k++) {
		if (s->adv.status[k])
			fprintf(stderr, "trackscan:   %llu x %s\n",
				(unsigned long long)s->adv.status[k],
				adv_strerror(-k));
	}
}

/* ---- the loop ------------------------------------------------------------ */

static void
start_stop(struct scan *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	lws_sul_cancel(&s->scan_timer);
	lws_sul_cancel(&s->batch_timer);
	flush(s);
	if (s->client) {
		ingest_client_stop(s->client, (int64_t)(s->o->drain_s * 1e6));
	} else {
		s->done = true;
		/* Out of lws_service now, not at its next timer. */
		lws_cancel_service(s->ctx);
	}
}

static void
status_cb(lws_sorted_usec_list_t *sul)
{
	struct scan *s = lws_container_of(sul, struct scan, status_timer);

	if (!s->o->quiet)
		status(s);
	lws_sul_schedule(s->ctx, 0, &s->status_timer, status_cb, STATUS_US);
}

static void
batch_cb(lws_sorted_usec_list_t *sul)
{
	struct scan *s = lws_container_of(sul, struct scan, batch_timer);

	flush(s);
	lws_sul_schedule(s->ctx, 0, &s->batch_timer, batch_cb,
			 s->o->batch_ms * LWS_US_PER_MS);
}

static void
live_cb(lws_sorted_usec_list_t *sul)
{
	struct scan *s = lws_container_of(sul, struct scan, scan_timer);
	uint8_t buf[HCI_EVENT_BUF];
	long n;

	while ((n = hci_read(s->hci, buf, sizeof buf)) > 0)
		take_event(s, buf, (size_t)n, wall_us());
	if (n < 0) {
		s->rc = EXIT_FAILURE;
		start_stop(s);
		return;
	}
	lws_sul_schedule(s->ctx, 0, &s->scan_timer, live_cb, SCAN_US);
}

static bool
connected(const struct scan *s)
{
	struct ingest_client_stats st;

	ingest_client_stats(s->client, &st);
	return st.connected;
}

static void
replay_cb(lws_sorted_usec_list_t *sul)
{
	struct scan *s = lws_container_of(sul, struct scan, scan_timer);
	char err[512];

	for (size_t k = 0; k < REPLAY_CHUNK; k++) {
		int rc;

		if (!s->next_ev) {
			rc = btsnoop_next_event(&s->snoop, &s->next_ev,
						&s->next_len, &s->next_us, err,
						sizeof err);
			if (rc < 0) {
				fprintf(stderr, "trackscan: %s\n", err);
				s->rc = EXIT_FAILURE;
			}
			if (rc <= 0) {
				start_stop(s);
				return;
			}
			if (!s->replay_t0) {
				s->replay_t0 = s->next_us;
				s->wall_t0 = wall_us();
			}
		}
		if (!s->o->realtime && s->n == s->cap)
			flush(s);  /* a file can wait; the air cannot */
		if (!s->o->realtime && s->client && connected(s) &&
		    ingest_client_queued(s->client) >= s->cap) {
			/* Let trackd catch up rather than drop; while it is
			 * away the bounded queue drops, as it would live. */
			lws_sul_schedule(s->ctx, 0, &s->scan_timer, replay_cb,
					 10 * LWS_US_PER_MS);
			return;
		}
		if (s->o->realtime) {
			int64_t due = s->wall_t0 + (s->next_us - s->replay_t0);
			int64_t now = wall_us();

			if (due > now) {
				lws_sul_schedule(s->ctx, 0, &s->scan_timer,
						 replay_cb, due - now);
				return;
			}
		}
		take_event(s, s->next_ev, s->next_len, s->next_us);
		s->next_ev = NULL;
	}
	lws_sul_schedule(s->ctx, 0, &s->scan_timer, replay_cb, 1);
}

/* What the loop needs, sized once. */
static int
setup(struct scan *s)
{
	json_t *id = json_string(s->o->scanner ? s->o->scanner : "");

	s->cap = (size_t)s->o->buffer;
	s->ring = calloc(s->cap, sizeof *s->ring);
	s->cache = calloc(CACHE_SIZE, sizeof *s->cache);
	s->cap_msg = 64 + INGEST_MAX_PER_MESSAGE * (REPORT_JSON_MAX +
						    ADV_TAG_MAX);
	s->msg = malloc(s->cap_msg);
	s->scanner_json = id ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
	json_decref(id);
	if (!s->ring || !s->cache || !s->msg || !s->scanner_json) {
		fprintf(stderr, "trackscan: out of memory\n");
		return -1;
	}
	if (s->o->scanner && strlen(s->scanner_json) > 4 * ADV_TAG_MAX) {
		fprintf(stderr, "trackscan: --scanner: id too long\n");
		return -1;
	}
	s->adv_cfg.press_uuids = (const uint8_t (*)[16])s->o->press;
	s->adv_cfg.n_press = s->o->n_press;
	return 0;
}

static int
run(struct scan *s)
{
	static const struct lws_protocols protocols[] = {
		INGEST_CLIENT_PROTOCOL,
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	char err[512];

	if (s->o->replay) {
		if (btsnoop_open(&s->snoop, s->o->replay, err, sizeof err)) {
			fprintf(stderr, "trackscan: --replay %s\n", err);
			return EXIT_FAILURE;
		}
		s->snoop_open = true;
	} else if (hci_start(s->o->adapter, s->o->legacy, s->o->quiet,
			     &s->hci) < 0) {
		return EXIT_FAILURE;
	}
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = s;
	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		fprintf(stderr, "trackscan: cannot set up libwebsockets\n");
		return EXIT_FAILURE;
	}
	if (s->o->server || s->o->mqtt.url) {
		struct ingest_client_config cfg;

		memset(&cfg, 0, sizeof cfg);
		cfg.prog = "trackscan";
		cfg.url = s->o->mqtt.url ? s->o->mqtt.url : s->o->server;
		cfg.token = s->o->token;
		cfg.site = s->o->site;
		cfg.mqtt_user = s->o->mqtt.user;
		cfg.mqtt_password = s->o->mqtt.password;
		cfg.mqtt_cafile = s->o->mqtt.cafile;
		cfg.max_reports = (size_t)s->o->buffer;
		cfg.seed = (uint64_t)wall_us() ^ (uint64_t)getpid() << 32;
		cfg.quiet = s->o->quiet;
		if (ingest_client_create(s->ctx, &cfg, &s->client) < 0)
			return EXIT_USAGE;
	}
	lws_sul_schedule(s->ctx, 0, &s->scan_timer,
			 s->hci ? live_cb : replay_cb, 1);
	lws_sul_schedule(s->ctx, 0, &s->batch_timer, batch_cb,
			 s->o->batch_ms * LWS_US_PER_MS);
	lws_sul_schedule(s->ctx, 0, &s->status_timer, status_cb, STATUS_US);
	while (!s->done && !(s->client && ingest_client_done(s->client))) {
		if (got_signal) {
			got_signal = 0;
			if (s->stopping)
				break;  /* a second signal: leave now */
			start_stop(s);
			continue;
		}
		if (lws_service(s->ctx, 0) < 0) {
			fprintf(stderr, "trackscan: libwebsockets stopped\n");
			s->rc = EXIT_FAILURE;
			break;
		}
	}
	if (s->client) {
		struct ingest_client_stats st;

		ingest_client_halt(s->client);
		ingest_client_expire(s->client, INT64_MAX);
		ingest_client_stats(s->client, &st);
		/* A replay that could not deliver has failed. */
		if (s->o->replay && (st.dropped || st.unanswered))
			s->rc = EXIT_FAILURE;
	}
	lws_sul_cancel(&s->status_timer);
	if (!s->o->quiet)
		final_counts(s);
	return s->rc;
}

int
main(int argc, char **argv)
{
	struct scan_opts o;
	struct scan s;
	struct sigaction sa;
	int rc = scan_opts_parse(argc, argv, &o);

	if (rc != 0) {
		scan_opts_free(&o);
		return rc < 0 ? EXIT_SUCCESS : rc;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&s, 0, sizeof s);
	s.o = &o;
	s.rc = EXIT_SUCCESS;
	rc = setup(&s) < 0 ? EXIT_FAILURE : run(&s);
	if (s.ctx)
		lws_context_destroy(s.ctx);
	ingest_client_destroy(s.client);
	hci_stop(s.hci);
	if (s.snoop_open)
		btsnoop_close(&s.snoop);
	free(s.ring);
	free(s.cache);
	free(s.msg);
	free(s.scanner_json);
	scan_opts_free(&o);
	return rc;
}
