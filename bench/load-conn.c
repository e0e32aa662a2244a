/* load-conn: the scanners' and live clients' connections: opening them,
 * their lws callbacks, and the count that starts the run once every one
 * has opened or failed. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
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

int
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

void
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
