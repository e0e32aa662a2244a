/* The alarm webhook: see webhook.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "alarms.h"
#include "app.h"
#include "log.h"
#include "protocols.h"
#include "webhook.h"

#define QUEUE 256             /* deliveries kept waiting */
#define FIRST_RETRY_US 1000000
#define MAX_RETRY_US 60000000
#define ATTEMPT_TIMEOUT_S 10  /* an attempt with no answer by then failed */

struct webhook {
	char url[1024];
	char scheme[8], host[256], path[768];
	int port;
	bool tls;

	char *queue[QUEUE];   /* bodies, oldest first, as a ring */
	size_t head, n;
	struct lws *wsi;      /* the attempt in flight, if any */
	int status;           /* its HTTP status, 0 until answered */
	bool done;            /* its outcome is counted */
	unsigned attempt;     /* failed attempts of the oldest delivery */
	lws_sorted_usec_list_t retry;
	struct app *app;
	struct webhook_stats stats;
	uint64_t rng;
	bool stopping;        /* shutting down: nothing more is tried */
};

int
webhook_init(struct app *a, const char *url)
{
	struct webhook *h = calloc(1, sizeof *h);
	char copy[1024];
	const char *scheme, *host, *path;
	int port;

	if (!h)
		return -1;
	if (strlen(url) >= sizeof copy) {
		fprintf(stderr, "trackd: webhook: URL longer than %zu "
		                "characters\n", sizeof copy - 1);
		free(h);
		return -1;
	}
	snprintf(copy, sizeof copy, "%s", url);
	if (lws_parse_uri(copy, &scheme, &host, &port, &path) ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    !*host) {
		fprintf(stderr, "trackd: webhook: expected http://host[:port]"
		                "/path or https://..., got '%s'\n", url);
		free(h);
		return -1;
	}
	snprintf(h->url, sizeof h->url, "%s", url);
	snprintf(h->scheme, sizeof h->scheme, "%s", scheme);
	snprintf(h->host, sizeof h->host, "%s", host);
	/* lws_parse_uri leaves the path without its leading slash. */
	snprintf(h->path, sizeof h->path, "/%s", path);
	h->port = port;
	h->tls = strcmp(scheme, "https") == 0;
	h->app = a;
	h->rng = (uint64_t)app_now_us() | 1;
	a->webhook = h;
	return 0;
}

void
webhook_stop(struct app *a)
{
	if (a->webhook) {
		a->webhook->stopping = true;
		lws_sul_cancel(&a->webhook->retry);
	}
}

void
webhook_free(struct app *a)
{
	struct webhook *h = a->webhook;

	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->queue[(h->head + i) % QUEUE]);
	free(h);
	a->webhook = NULL;
}

struct webhook_stats
webhook_stats(const struct app *a)
{
	struct webhook_stats s = { 0 };

	if (a->webhook) {
		s = a->webhook->stats;
		s.pending = a->webhook->n;
	}
	return s;
}

static void attempt(struct webhook *h);

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	attempt(lws_container_of(sul, struct webhook, retry));
}

/* The next try after n failures: 1 s doubling to a minute, each between
 * 75% and 100% of that, so that many servers restarted together do not
 * all call at once. */
static lws_usec_t
backoff_us(struct webhook *h)
{
	lws_usec_t d = FIRST_RETRY_US;

	for (unsigned i = 1; i < h->attempt && d < MAX_RETRY_US; i++)
		d *= 2;
	if (d > MAX_RETRY_US)
		d = MAX_RETRY_US;
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return d - (lws_usec_t)(h->rng % (uint64_t)(d / 4 + 1));
}

/* The attempt in flight ended: ok when the server answered 2xx. */
static void
finished(struct webhook *h, bool ok, const char *why)
{
	if (h->done || h->stopping)
		return;
	h->done = true;
	h->wsi = NULL;
	if (ok) {
		free(h->queue[h->head]);
		h->head = (h->head + 1) % QUEUE;
		h->n--;
		h->attempt = 0;
		h->stats.sent++;
		if (h->n)
			lws_sul_schedule(h->app->context, 0, &h->retry, retry_cb,
			                 1);
		return;
	}
	h->stats.failures++;
	h->attempt++;
	{
		lws_usec_t d = backoff_us(h);

		log_warn("webhook %s: attempt %u failed (%s); next in %.1f s\n",
		         h->url, h->attempt, why, (double)d * 1e-6);
		lws_sul_schedule(h->app->context, 0, &h->retry, retry_cb, d);
	}
}

static void
attempt(struct webhook *h)
{
	struct lws_client_connect_info ci;

	if (h->wsi || h->n == 0)
		return;
	memset(&ci, 0, sizeof ci);
	ci.context = h->app->context;
	ci.vhost = lws_get_vhost_by_name(h->app->context, "trackd");
	ci.address = h->host;
	ci.host = h->host;
	ci.origin = h->host;
	ci.port = h->port;
	ci.path = h->path;
	ci.method = "POST";
	ci.protocol = "trackd-webhook";
	ci.ssl_connection = h->tls ? LCCSCF_USE_SSL : 0;
	ci.userdata = h;
	ci.pwsi = &h->wsi;
	h->status = 0;
	h->done = false;
	if (!lws_client_connect_via_info(&ci)) {
		h->wsi = NULL;
		finished(h, false, "cannot connect");
		return;
	}
	if (h->wsi)
		lws_set_timeout(h->wsi, PENDING_TIMEOUT_USER_OK,
		                ATTEMPT_TIMEOUT_S);
}

void
webhook_alarm(struct app *a, const struct alarm *al, const char *what)
{
	struct webhook *h = a->webhook;
	json_t *doc;
	char *body;

	if (!h)
		return;
	doc = json_pack("{s:s, s:s, s:s, s:o}", "event", what, "site",
	                track_site_id(a->site), "site_name",
	                track_site_name(a->site), "alarm", app_alarm_json(a, al));
	body = json_dumps(doc, JSON_OUT);
	json_decref(doc);
	if (!body)
		return;
	if (h->n == QUEUE) {
		/* The oldest waiting one goes, never the one in flight. */
		size_t victim = (h->head + (h->wsi ? 1 : 0)) % QUEUE;

		log_err("webhook %s: queue full, dropping a delivery\n",
		        h->url);
		free(h->queue[victim]);
		for (size_t i = victim; i != (h->head + h->n - 1) % QUEUE;
		     i = (i + 1) % QUEUE)
			h->queue[i] = h->queue[(i + 1) % QUEUE];
		h->n--;
		h->stats.dropped++;
	}
	h->queue[(h->head + h->n) % QUEUE] = body;
	h->n++;
	if (h->n == 1 && h->attempt == 0)
		attempt(h);
}

int
webhook_callback(struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
	struct webhook *h = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		const char *body = h->queue[h->head];
		char n[24];
		int k = snprintf(n, sizeof n, "%zu", strlen(body));

		if (lws_add_http_header_by_token(
			    wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
			    (const unsigned char *)"application/json", 16, p,
			    end) ||
		    lws_add_http_header_by_token(
			    wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
			    (const unsigned char *)n, k, p, end))
			return -1;
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
		const char *body = h->queue[h->head];
		size_t n = strlen(body);
		unsigned char *buf = malloc(LWS_PRE + n);
		int w;

		if (!buf)
			return -1;
		memcpy(buf + LWS_PRE, body, n);
		w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
		free(buf);
		lws_client_http_body_pending(wsi, 0);
		return w < (int)n ? -1 : 0;
	}
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		h->status = (int)lws_http_client_http_response(wsi);
		return 0;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		/* The answer's body is not needed, but must be read for the
		 * exchange to complete. */
		char buf[LWS_PRE + 1024], *p = buf + LWS_PRE;
		int n = (int)sizeof buf - LWS_PRE;

		return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (h->status >= 200 && h->status < 300) {
			finished(h, true, NULL);
		} else {
			char why[32];

			snprintf(why, sizeof why, "HTTP status %d", h->status);
			finished(h, false, why);
		}
		return -1; /* one request a connection: close it */

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		finished(h, false, in ? (const char *)in : "connection failed");
		return 0;

	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		/* Closed before an answer: a timeout or a dropped line. */
		if (h)
			finished(h, false, "closed without an answer");
		return 0;

	default:
		return 0;
	}
}
