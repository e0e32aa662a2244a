/*
 * tracksim --server: the simulation in real time, sent to trackd.
 *
 * Simulated time is the wall clock.  A tick every TICK_US steps the slices
 * whose time has come and turns the reports whose time has come (never
 * one from the future) into ingest messages, one per scanner, as scanners
 * batch them (track-ingest.v1, DESIGN.md).  Every message is answered, in
 * order; the answers are counted.  While the connection is down the queue
 * keeps the last KEEP_MS of reports and drops older ones, and the
 * connection is retried with exponential backoff and jitter.
 *
 * One lws event loop runs it all: the tick, and the connection with its
 * retries (ingest-client.c).  The state hangs off the context
 * (lws_context_user); only the signal flag is global.
 */
#include "tracksim-live.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "ingest-client.h"
#include "tracksim-reports.h"
#include "tracksim-rng.h"
#include "tracksim-sim.h"

#define TICK_US (250 * LWS_US_PER_MS)
#define KEEP_MS 10000          /* reports kept while they cannot be sent */
#define BUTTON_MS 3000         /* a press flags its person's reports */
#define STATUS_MS 10000
#define CLOSE_WAIT_US (2 * LWS_US_PER_SEC)  /* for the answers */
#define SHOW_REFUSALS 5

/* The reports of one message, kept by the client with it to name the ones
 * trackd refuses. */
struct batch_info {
	uint16_t scanner;
	size_t n;
	struct report reps[];
};

enum stop { RUNNING, STOPPING };

struct live {
	struct sim *s;
	struct ws_url url;
	struct lws_context *ctx;
	struct ingest_client *client;
	lws_sorted_usec_list_t tick;
	enum stop stop;
	int rc;
	long long slice;             /* the next one to simulate */
	bool sim_over;
	size_t *order, cap_order;    /* due reports grouped by scanner */
	size_t *first;               /* n_scanners + 1 group starts */
	char *msg;                   /* the message being built */
	size_t cap_msg;
	struct batch_info *info;
	size_t cap_info;
	int64_t next_status_ms;
	unsigned n_shown;            /* refusals printed */
};

static volatile sig_atomic_t live_signal;

static void
on_signal(int sig)
{
	(void)sig;
	live_signal = 1;
}

double
live_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t
now_ms(void)
{
	return (int64_t)floor(live_now() * 1000.0);
}

/* ---- the messages -------------------------------------------------------- */

/* Length of s as the inside of a JSON string. */
static size_t
json_escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		n += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
	}
	return n;
}

static char *
json_escape(char *p, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			p += 6;
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

static bool
pressed(const struct sim *s, const struct report *r)
{
	for (size_t j = 0; j < s->n_presses; j++) {
		const struct press *p = &s->presses[j];

		if (p->tag == r->tag && r->t_ms >= p->t_ms &&
		    r->t_ms < p->t_ms + BUTTON_MS)
			return true;
	}
	return false;
}

/* Everything but the id: {"tag":"","rssi":-127,"t":<int64>.123,
 * "button":true}, and a comma. */
#define REPORT_JSON_MAX 80

/* Builds one message of the n reports at idx[] (one scanner's, sorted by
 * time) and queues it.  Returns 0, or -1 out of memory. */
static int
send_batch(struct live *l, const size_t *idx, size_t n)
{
	const struct sim *s = l->s;
	const struct report *r0 = &s->reports[idx[0]];
	const char *scanner = s->scanners[r0->scanner].id;
	size_t cap = 32 + json_escaped_len(scanner);
	size_t info_size = sizeof *l->info + n * sizeof *l->info->reps;
	char *p;

	for (size_t j = 0; j < n; j++)
		cap += REPORT_JSON_MAX +
		       json_escaped_len(s->tags[s->reports[idx[j]].tag].id);
	if (cap > l->cap_msg) {
		char *m = realloc(l->msg, cap);

		if (!m)
			return -1;
		l->msg = m;
		l->cap_msg = cap;
	}
	if (info_size > l->cap_info) {
		struct batch_info *bi = realloc(l->info, info_size);

		if (!bi)
			return -1;
		l->info = bi;
		l->cap_info = info_size;
	}
	l->info->scanner = r0->scanner;
	l->info->n = n;
	p = l->msg;
	p += sprintf(p, "{\"scanner\":\"");
	p = json_escape(p, scanner);
	p += sprintf(p, "\",\"reports\":[");
	for (size_t j = 0; j < n; j++) {
		const struct report *r = &s->reports[idx[j]];

		l->info->reps[j] = *r;
		p += sprintf(p, "%s{\"tag\":\"", j ? "," : "");
		p = json_escape(p, s->tags[r->tag].id);
		p += sprintf(p, "\",\"rssi\":%d,\"t\":%lld.%03lld%s}",
			     r->rssi, (long long)(r->t_ms / 1000),
			     (long long)(r->t_ms % 1000),
			     pressed(s, r) ? ",\"button\":true" : "");
	}
	p += sprintf(p, "]}");
	return ingest_client_send(l->client, scanner, l->msg,
				  (size_t)(p - l->msg), n,
				  l->info->reps[n - 1].t_ms, l->info,
				  info_size);
}

/* Queues the reports stamped up to now_ms, one message per scanner (more
 * when one scanner heard very many).  Returns 0, or -1 out of memory. */
static int
make_batches(struct live *l, int64_t now)
{
	struct sim *s = l->s;
	size_t n = reports_due(s, now + 1);

	if (n == 0)
		return 0;
	if (n > l->cap_order) {
		size_t *o = realloc(l->order, n * sizeof *o);

		if (!o)
			return -1;
		l->order = o;
		l->cap_order = n;
	}
	/* A counting sort keeps each scanner's reports in time order. */
	memset(l->first, 0, (s->n_scanners + 1) * sizeof *l->first);
	for (size_t j = 0; j < n; j++)
		l->first[s->reports[j].scanner + 1]++;
	for (size_t k = 0; k < s->n_scanners; k++)
		l->first[k + 1] += l->first[k];
	for (size_t j = 0; j < n; j++)
		l->order[l->first[s->reports[j].scanner]++] = j;
	/* first[k] is now the end of scanner k's group. */
	for (size_t k = 0, from = 0; k < s->n_scanners; k++) {
		size_t to = l->first[k];

		for (size_t j = from; j < to; j += INGEST_MAX_PER_MESSAGE) {
			size_t m = to - j < INGEST_MAX_PER_MESSAGE ?
				   to - j : INGEST_MAX_PER_MESSAGE;

			if (send_batch(l, l->order + j, m) < 0)
				return -1;
		}
		from = to;
	}
	reports_take(s, n);
	return 0;
}

/* Forgets the presses that can flag no report any more: every report up to
 * now has been made into a message. */
static void
forget_presses(struct sim *s, int64_t now)
{
	size_t kept = 0;

	for (size_t j = 0; j < s->n_presses; j++) {
		if (s->presses[j].t_ms + BUTTON_MS > now)
			s->presses[kept++] = s->presses[j];
	}
	s->n_presses = kept;
}

/* Announces the presses of the slice just simulated. */
static void
show_presses(const struct live *l, size_t from)
{
	const struct sim *s = l->s;

	if (s->o->quiet)
		return;
	for (size_t j = from; j < s->n_presses; j++) {
		int64_t t = s->presses[j].t_ms;

		fprintf(stderr, "tracksim: %s presses the button at "
			"%lld.%03lld\n", s->tags[s->presses[j].tag].id,
			(long long)(t / 1000), (long long)(t % 1000));
	}
}

/* ---- answers ------------------------------------------------------------- */

static void
show_refusal(void *ctx, const void *user, long long index, const char *why)
{
	struct live *l = ctx;
	const struct batch_info *b = user;
	const struct sim *s = l->s;

	if (l->n_shown >= SHOW_REFUSALS)
		return;
	if (index >= 0 && (size_t)index < b->n) {
		const struct report *r = &b->reps[index];

		fprintf(stderr, "tracksim: trackd refused %s at %lld.%03lld "
			"from %s: %s\n", s->tags[r->tag].id,
			(long long)(r->t_ms / 1000),
			(long long)(r->t_ms % 1000),
			s->scanners[b->scanner].id, why);
	} else {
		fprintf(stderr, "tracksim: trackd refused a message from %s: "
			"%s\n", s->scanners[b->scanner].id, why);
	}
	if (++l->n_shown == SHOW_REFUSALS)
		fprintf(stderr, "tracksim: (further refusals are only "
			"counted)\n");
}

/* ---- the clock ----------------------------------------------------------- */

static void
status(struct live *l)
{
	struct ingest_client_stats st;
	char state[64];

	ingest_client_stats(l->client, &st);
	ingest_client_state(l->client, state, sizeof state);
	fprintf(stderr, "tracksim: live %zu tags, %llu reports sent (%llu "
		"accepted, %llu rejected), %llu dropped", l->s->n_tags,
		st.sent, st.accepted, st.rejected, st.dropped);
	if (st.unanswered)
		fprintf(stderr, ", %llu unanswered", st.unanswered);
	fprintf(stderr, ", %s\n", state);
}

static void start_stop(struct live *l);

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct live *l = lws_container_of(sul, struct live, tick);
	struct sim *s = l->s;
	int64_t now = now_ms();
	double now_s = (double)now / 1000.0;

	while (!l->sim_over &&
	       s->o->t0 + (double)l->slice * SLICE_S <= now_s) {
		size_t had = s->n_presses;
		int rc = sim_step(s, l->slice, false);

		if (rc < 0)
			goto oom;
		if (rc == 0)
			l->sim_over = true;
		else
			l->slice++;
		show_presses(l, had);
	}
	if (make_batches(l, now) < 0)
		goto oom;
	forget_presses(s, now);
	ingest_client_expire(l->client, now - KEEP_MS);
	if (now >= l->next_status_ms) {
		if (!s->o->quiet)
			status(l);
		/* After a stall (SIGSTOP, suspend), one line, not a burst. */
		while (l->next_status_ms <= now)
			l->next_status_ms += STATUS_MS;
	}
	if (l->sim_over && s->n_pending == 0 &&
	    ingest_client_queued(l->client) == 0) {
		start_stop(l);
		return;
	}
	/* On the wall clock's quarter seconds, just after. */
	lws_sul_schedule(l->ctx, 0, &l->tick, tick_cb,
			 TICK_US - (now * LWS_US_PER_MS) % TICK_US +
			 LWS_US_PER_MS);
	return;
oom:
	fprintf(stderr, "tracksim: out of memory\n");
	l->rc = EXIT_FAILURE;
	start_stop(l);
}

/* Stops simulating; the client sends what is queued, waits for the
 * answers and closes cleanly (at most CLOSE_WAIT_US), then the loop
 * ends. */
static void
start_stop(struct live *l)
{
	if (l->stop != RUNNING)
		return;
	l->stop = STOPPING;
	lws_sul_cancel(&l->tick);
	ingest_client_stop(l->client, CLOSE_WAIT_US);
}

int
live_run(struct sim *s)
{
	static const struct lws_protocols protocols[] = {
		INGEST_CLIENT_PROTOCOL,
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct ingest_client_config cfg;
	struct sigaction sa;
	struct live l;

	memset(&l, 0, sizeof l);
	l.s = s;
	l.rc = EXIT_SUCCESS;
	l.next_status_ms = now_ms() + STATUS_MS;
	if (!s->o->mqtt && ingest_url_parse(s->o->server, &l.url))
		return EXIT_USAGE; /* checked by opts_parse */
	l.first = calloc(s->n_scanners + 1, sizeof *l.first);
	if (!l.first) {
		fprintf(stderr, "tracksim: out of memory\n");
		l.rc = EXIT_FAILURE;
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
	info.user = &l;
	l.ctx = lws_create_context(&info);
	if (!l.ctx) {
		fprintf(stderr, "tracksim: cannot set up libwebsockets\n");
		l.rc = EXIT_FAILURE;
		goto out;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.prog = "tracksim";
	cfg.url = s->o->server;
	cfg.token = s->o->token;
	/* A grid building is the site "tracksim" (its site.json says so). */
	cfg.site = s->site ? track_site_id(s->site) : "tracksim";
	cfg.mqtt_user = s->o->mqtt_user;
	cfg.mqtt_password = s->o->mqtt_password;
	cfg.mqtt_cafile = s->o->mqtt_cafile;
	cfg.seed = rng_stream_seed((long long)getpid(), (uint64_t)now_ms(), 0);
	cfg.on_refusal = show_refusal;
	cfg.ctx = &l;
	if (ingest_client_create(l.ctx, &cfg, &l.client) < 0) {
		l.rc = EXIT_FAILURE;
		goto out;
	}
	if (!s->o->quiet && s->o->mqtt)
		fprintf(stderr, "tracksim: live %zu scanners, %zu tags, "
			"publishing to %s\n", s->n_scanners, s->n_tags,
			s->o->mqtt);
	else if (!s->o->quiet)
		fprintf(stderr, "tracksim: live %zu scanners, %zu tags, "
			"sending to ws://%s%s\n", s->n_scanners, s->n_tags,
			l.url.hostport, l.url.path);
	lws_sul_schedule(l.ctx, 0, &l.tick, tick_cb, 1);

	while (!ingest_client_done(l.client)) {
		if (live_signal) {
			live_signal = 0;
			if (l.stop != RUNNING)
				break;  /* a second signal: leave now */
			start_stop(&l);
			if (ingest_client_done(l.client))
				break;
		}
		if (lws_service(l.ctx, 0) < 0) {
			fprintf(stderr, "tracksim: libwebsockets stopped\n");
			l.rc = EXIT_FAILURE;
			break;
		}
	}
	/* Whatever lws still reports while it closes down starts nothing. */
	ingest_client_halt(l.client);
	lws_sul_cancel(&l.tick);
	/* What could not be sent in time is dropped after all. */
	ingest_client_expire(l.client, INT64_MAX);
	if (!s->o->quiet)
		status(&l);
out:
	if (l.ctx)
		lws_context_destroy(l.ctx);
	ingest_client_destroy(l.client);
	free(l.info);
	free(l.msg);
	free(l.order);
	free(l.first);
	return l.rc;
}
