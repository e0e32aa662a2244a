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
 * One lws event loop runs it all: the tick, the connection, the retries.
 * Its state hangs off the context (lws_context_user); only the signal flag
 * is global.
 */
#include "tracksim.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#define PROTOCOL "track-ingest.v1"

#define TICK_US (250 * LWS_US_PER_MS)
#define KEEP_MS 10000          /* reports kept while they cannot be sent */
#define BUTTON_MS 3000         /* a press flags its person's reports */
#define STATUS_MS 10000
#define RETRY_MIN_US (500 * LWS_US_PER_MS)
#define RETRY_MAX_US (30 * LWS_US_PER_SEC)
#define CLOSE_WAIT_US (2 * LWS_US_PER_SEC)  /* for answers, then close */
#define MAX_PER_MESSAGE 1000   /* trackd takes up to 1 MiB a message */
#define MAX_ANSWER (1 << 20)
#define SHOW_REFUSALS 5

/* One ingest message, waiting to be sent or sent and waiting for its
 * answer.  The reports are kept to name the ones trackd refuses. */
struct batch {
	struct batch *next;
	int64_t t_ms;          /* its newest report's time */
	size_t n;
	struct report *reps;
	size_t len;            /* JSON text at buf + LWS_PRE */
	unsigned char *buf;
	uint16_t scanner;
};

struct queue {
	struct batch *head, *tail;
};

enum stop { RUNNING, STOPPING, CLOSING };

struct live {
	struct sim *s;
	struct ws_url url;
	struct lws_context *ctx;
	struct lws *wsi;             /* NULL: no connection (attempt) */
	bool connected;
	bool retry_armed;
	unsigned attempts;           /* failed since the last connection */
	int64_t retry_at_ms;
	lws_sorted_usec_list_t tick, retry, stop_timer;
	enum stop stop;
	bool done;
	int rc;
	long long slice;             /* the next one to simulate */
	bool sim_over;
	struct queue pending, sent;
	size_t *order, cap_order;    /* due reports grouped by scanner */
	size_t *first;               /* n_scanners + 1 group starts */
	char *rx;                    /* the answer being received */
	size_t rx_len, rx_cap;
	bool rx_too_big;
	gsl_rng *jitter;
	int64_t next_status_ms;
	unsigned long long n_sent, n_accepted, n_rejected, n_dropped;
	unsigned long long n_unanswered;
	unsigned n_shown;            /* refusals printed */
	bool odd_answer_shown;
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
 * time).  Returns NULL out of memory. */
static struct batch *
make_batch(const struct sim *s, const size_t *idx, size_t n)
{
	const struct report *r0 = &s->reports[idx[0]];
	const char *scanner = s->scanners[r0->scanner].id;
	size_t cap = 32 + json_escaped_len(scanner);
	struct batch *b;
	char *p, *start;

	for (size_t j = 0; j < n; j++)
		cap += REPORT_JSON_MAX +
		       json_escaped_len(s->tags[s->reports[idx[j]].tag].id);
	b = malloc(sizeof *b + n * sizeof *b->reps + LWS_PRE + cap);
	if (!b)
		return NULL;
	b->next = NULL;
	b->n = n;
	b->scanner = r0->scanner;
	b->reps = (struct report *)(b + 1);
	b->buf = (unsigned char *)(b->reps + n);
	start = p = (char *)b->buf + LWS_PRE;
	p += sprintf(p, "{\"scanner\":\"");
	p = json_escape(p, scanner);
	p += sprintf(p, "\",\"reports\":[");
	for (size_t j = 0; j < n; j++) {
		const struct report *r = &s->reports[idx[j]];

		b->reps[j] = *r;
		p += sprintf(p, "%s{\"tag\":\"", j ? "," : "");
		p = json_escape(p, s->tags[r->tag].id);
		p += sprintf(p, "\",\"rssi\":%d,\"t\":%lld.%03lld%s}",
			     r->rssi, (long long)(r->t_ms / 1000),
			     (long long)(r->t_ms % 1000),
			     pressed(s, r) ? ",\"button\":true" : "");
	}
	p += sprintf(p, "]}");
	b->len = (size_t)(p - start);
	b->t_ms = b->reps[n - 1].t_ms;
	return b;
}

static void
queue_push(struct queue *q, struct batch *b)
{
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
}

static struct batch *
queue_pop(struct queue *q)
{
	struct batch *b = q->head;

	if (b) {
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		b->next = NULL;
	}
	return b;
}

/* Frees every batch in q; returns how many reports they held. */
static unsigned long long
queue_clear(struct queue *q)
{
	unsigned long long n = 0;
	struct batch *b;

	while ((b = queue_pop(q))) {
		n += b->n;
		free(b);
	}
	return n;
}

/* Queues the reports stamped up to now_ms, one message per scanner (more
 * when one scanner heard very many).  Returns 0, or -1 out of memory. */
static int
make_batches(struct live *l, int64_t now)
{
	struct sim *s = l->s;
	size_t n = sim_due_reports(s, now + 1);

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

		for (size_t j = from; j < to; j += MAX_PER_MESSAGE) {
			size_t m = to - j < MAX_PER_MESSAGE ? to - j
							    : MAX_PER_MESSAGE;
			struct batch *b = make_batch(s, l->order + j, m);

			if (!b)
				return -1;
			queue_push(&l->pending, b);
		}
		from = to;
	}
	sim_take_reports(s, n);
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
show_refusal(struct live *l, const struct batch *b, json_int_t index,
	     const char *why)
{
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

/* Counts the answer {"accepted":N,"rejected":[{"index":i,"error":"..."}],
 * "error":"..."} to message b. */
static void
count_answer(struct live *l, const struct batch *b, const char *text,
	     size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *acc = json_object_get(doc, "accepted");
	json_t *rej = json_object_get(doc, "rejected");
	json_t *err = json_object_get(doc, "error");
	json_t *o;
	size_t i;

	if (!json_is_integer(acc) || json_integer_value(acc) < 0 ||
	    (size_t)json_integer_value(acc) > b->n || !json_is_array(rej)) {
		l->n_unanswered += b->n;
		if (!l->odd_answer_shown)
			fprintf(stderr, "tracksim: unexpected answer from "
				"trackd (counted as unanswered): %.200s\n",
				text);
		l->odd_answer_shown = true;
		json_decref(doc);
		return;
	}
	l->n_accepted += (unsigned long long)json_integer_value(acc);
	if (json_is_string(err)) {
		/* The whole message was refused. */
		l->n_rejected += b->n - (size_t)json_integer_value(acc);
		show_refusal(l, b, -1, json_string_value(err));
	}
	json_array_foreach(rej, i, o) {
		json_t *why = json_object_get(o, "error");

		if (!json_is_string(err))
			l->n_rejected++;
		show_refusal(l, b, json_integer_value(json_object_get(o,
			"index")), json_is_string(why) ?
			json_string_value(why) : "(no reason given)");
	}
	json_decref(doc);
}

/* Takes one received piece of an answer. Returns 0, or -1 out of
 * memory. */
static int
receive(struct live *l, struct lws *wsi, const void *in, size_t len)
{
	struct batch *b;

	if (l->rx_too_big || l->rx_len + len > MAX_ANSWER) {
		l->rx_too_big = true;
	} else {
		if (l->rx_len + len + 1 > l->rx_cap) {
			size_t cap = 2 * (l->rx_len + len + 1);
			char *p = realloc(l->rx, cap);

			if (!p)
				return -1;
			l->rx = p;
			l->rx_cap = cap;
		}
		memcpy(l->rx + l->rx_len, in, len);
		l->rx_len += len;
		l->rx[l->rx_len] = '\0';
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	b = queue_pop(&l->sent);
	if (b && !l->rx_too_big)
		count_answer(l, b, l->rx, l->rx_len);
	else if (b)
		l->n_unanswered += b->n;
	free(b);
	l->rx_len = 0;
	l->rx_too_big = false;
	return 0;
}

/* ---- the connection ------------------------------------------------------ */

static void connect_cb(lws_sorted_usec_list_t *sul);

static lws_usec_t
retry_delay(struct live *l)
{
	double base = (double)RETRY_MIN_US;

	for (unsigned k = 0; k < l->attempts && base < RETRY_MAX_US; k++)
		base *= 2.0;
	/* Jitter, so that scanners that lost the server together do not
	 * all come back in the same instant. */
	base *= sim_uniform(l->jitter, 0.8, 1.2);
	return (lws_usec_t)fmin(base, (double)RETRY_MAX_US);
}

static void
schedule_retry(struct live *l, const char *what, const char *why)
{
	lws_usec_t us;

	if (l->retry_armed || l->stop != RUNNING)
		return;
	us = retry_delay(l);
	l->attempts++;
	l->retry_armed = true;
	l->retry_at_ms = now_ms() + us / LWS_US_PER_MS;
	fprintf(stderr, "tracksim: %s ws://%s%s%s%s; retrying in %.1f s\n",
		what, l->url.hostport, l->url.path, why ? ": " : "",
		why ? why : "", (double)us / LWS_US_PER_SEC);
	lws_sul_schedule(l->ctx, 0, &l->retry, connect_cb, us);
}

static void
connect_cb(lws_sorted_usec_list_t *sul)
{
	struct live *l = lws_container_of(sul, struct live, retry);
	struct lws_client_connect_info i;

	l->retry_armed = false;
	memset(&i, 0, sizeof i);
	i.context = l->ctx;
	i.address = l->url.host;
	i.port = l->url.port;
	i.path = l->url.path;
	i.host = l->url.hostport;
	i.protocol = PROTOCOL;
	i.local_protocol_name = PROTOCOL;
	i.pwsi = &l->wsi;
	if (!lws_client_connect_via_info(&i)) {
		l->wsi = NULL;
		schedule_retry(l, "cannot connect to",
			       "could not start (unknown host?)");
	}
}

/* Writes the next pending message, or the close once stopping is done.
 * Returns -1 to close the connection. */
static int
writeable(struct live *l, struct lws *wsi)
{
	struct batch *b;

	if (l->stop == CLOSING ||
	    (l->stop == STOPPING && !l->pending.head && !l->sent.head)) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"done", 4);
		return -1;
	}
	b = queue_pop(&l->pending);
	if (!b)
		return 0;
	if (lws_write(wsi, b->buf + LWS_PRE, b->len, LWS_WRITE_TEXT) <
	    (int)b->len) {
		l->n_dropped += b->n;
		free(b);
		return -1;
	}
	l->n_sent += b->n;
	queue_push(&l->sent, b);
	if (l->pending.head)
		lws_callback_on_writable(wsi);
	return 0;
}

static void
lost(struct live *l, const char *what, const char *why)
{
	bool was = l->connected;

	l->wsi = NULL;
	l->connected = false;
	l->n_unanswered += queue_clear(&l->sent);
	l->rx_len = 0;
	l->rx_too_big = false;
	if (l->stop != RUNNING) {
		l->done = true;
		return;
	}
	schedule_retry(l, was ? "lost the connection to" : what, why);
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	struct live *l;
	const struct options *o;
	char auth[sizeof "Bearer " + MAX_TOKEN];
	unsigned char **p;
	int n;

	(void)user;
	/* Only the client connection's callbacks matter, and they all come
	 * with its wsi. */
	if (!wsi || reason == LWS_CALLBACK_PROTOCOL_INIT ||
	    reason == LWS_CALLBACK_PROTOCOL_DESTROY)
		return 0;
	l = lws_context_user(lws_get_context(wsi));
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		o = l->s->o;
		if (!o->token)
			return 0;
		n = snprintf(auth, sizeof auth, "Bearer %s", o->token);
		if (n < 0 || (size_t)n >= sizeof auth)
			return -1;
		p = (unsigned char **)in;
		return lws_add_http_header_by_token(wsi,
			WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)auth, n,
			p, *p + len) ? -1 : 0;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		l->connected = true;
		l->attempts = 0;
		fprintf(stderr, "tracksim: connected to ws://%s%s\n",
			l->url.hostport, l->url.path);
		if (l->pending.head || l->stop != RUNNING)
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lost(l, "cannot connect to", in ? (const char *)in : NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_CLOSED:
		lost(l, "lost the connection to", NULL);
		return 0;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (receive(l, wsi, in, len) < 0) {
			fprintf(stderr, "tracksim: out of memory\n");
			return -1;
		}
		if (l->stop == STOPPING && !l->pending.head && !l->sent.head)
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return writeable(l, wsi);

	default:
		return 0;
	}
}

/* ---- the clock ----------------------------------------------------------- */

static void
status(struct live *l, int64_t now)
{
	char state[64];

	if (l->connected)
		snprintf(state, sizeof state, "connected");
	else if (l->stop != RUNNING)
		snprintf(state, sizeof state, "stopped");
	else if (l->retry_armed)
		snprintf(state, sizeof state, "disconnected (retry in %.1f s)",
			 (double)(l->retry_at_ms - now) / 1000.0);
	else
		snprintf(state, sizeof state, "connecting");
	fprintf(stderr, "tracksim: live %zu tags, %llu reports sent (%llu "
		"accepted, %llu rejected), %llu dropped", l->s->n_tags,
		l->n_sent, l->n_accepted, l->n_rejected, l->n_dropped);
	if (l->n_unanswered)
		fprintf(stderr, ", %llu unanswered", l->n_unanswered);
	fprintf(stderr, ", %s\n", state);
}

static void start_stop(struct live *l);

/* Gives up waiting for a clean close: first asks to close now, then
 * leaves. */
static void
stop_cb(lws_sorted_usec_list_t *sul)
{
	struct live *l = lws_container_of(sul, struct live, stop_timer);

	if (l->stop == STOPPING && l->wsi && l->connected) {
		l->stop = CLOSING;
		lws_callback_on_writable(l->wsi);
		lws_sul_schedule(l->ctx, 0, &l->stop_timer, stop_cb,
				 CLOSE_WAIT_US);
		return;
	}
	l->done = true;
}

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
	while (l->pending.head && l->pending.head->t_ms < now - KEEP_MS) {
		struct batch *b = queue_pop(&l->pending);

		l->n_dropped += b->n;
		free(b);
	}
	if (l->connected && l->pending.head)
		lws_callback_on_writable(l->wsi);
	if (now >= l->next_status_ms) {
		if (!s->o->quiet)
			status(l, now);
		/* After a stall (SIGSTOP, suspend), one line, not a burst. */
		while (l->next_status_ms <= now)
			l->next_status_ms += STATUS_MS;
	}
	if (l->sim_over && s->n_pending == 0 && !l->pending.head) {
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

/* Stops simulating; sends what is queued, waits for the answers, closes
 * cleanly (each step at most CLOSE_WAIT_US), then the loop ends. */
static void
start_stop(struct live *l)
{
	if (l->stop != RUNNING)
		return;
	l->stop = STOPPING;
	lws_sul_cancel(&l->tick);
	lws_sul_cancel(&l->retry);
	l->retry_armed = false;
	if (!l->wsi) {
		l->done = true;
		return;
	}
	if (l->connected)
		lws_callback_on_writable(l->wsi);
	lws_sul_schedule(l->ctx, 0, &l->stop_timer, stop_cb, CLOSE_WAIT_US);
}

int
live_run(struct sim *s)
{
	static const struct lws_protocols protocols[] = {
		{ PROTOCOL, callback, 0, 0, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct sigaction sa;
	struct live l;

	memset(&l, 0, sizeof l);
	l.s = s;
	l.rc = EXIT_SUCCESS;
	l.next_status_ms = now_ms() + STATUS_MS;
	if (opts_parse_url(s->o->server, &l.url)) /* checked by opts_parse */
		return EXIT_USAGE;
	l.first = calloc(s->n_scanners + 1, sizeof *l.first);
	l.jitter = gsl_rng_alloc(gsl_rng_mt19937);
	if (!l.first || !l.jitter) {
		fprintf(stderr, "tracksim: out of memory\n");
		l.rc = EXIT_FAILURE;
		goto out;
	}
	gsl_rng_set(l.jitter, sim_stream_seed((long long)getpid(),
					      (uint64_t)now_ms(), 0));

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
	if (!s->o->quiet)
		fprintf(stderr, "tracksim: live %zu scanners, %zu tags, "
			"sending to ws://%s%s\n", s->n_scanners, s->n_tags,
			l.url.hostport, l.url.path);
	lws_sul_schedule(l.ctx, 0, &l.retry, connect_cb, 1);
	lws_sul_schedule(l.ctx, 0, &l.tick, tick_cb, 1);
	l.retry_armed = true;

	while (!l.done) {
		if (live_signal) {
			live_signal = 0;
			if (l.stop != RUNNING)
				break;  /* a second signal: leave now */
			start_stop(&l);
			if (l.done)
				break;
		}
		if (lws_service(l.ctx, 0) < 0) {
			fprintf(stderr, "tracksim: libwebsockets stopped\n");
			l.rc = EXIT_FAILURE;
			break;
		}
	}
	/* What could not be sent in time is dropped after all. */
	l.n_dropped += queue_clear(&l.pending);
	l.n_unanswered += queue_clear(&l.sent);
	if (!s->o->quiet)
		status(&l, now_ms());
	/* Whatever lws still reports while it closes down starts nothing. */
	l.stop = CLOSING;
	lws_sul_cancel(&l.tick);
	lws_sul_cancel(&l.retry);
	lws_sul_cancel(&l.stop_timer);
	lws_context_destroy(l.ctx);
out:
	queue_clear(&l.pending);
	queue_clear(&l.sent);
	gsl_rng_free(l.jitter);
	free(l.rx);
	free(l.order);
	free(l.first);
	return l.rc;
}
