/* One HTTP exchange with the OpenID provider: see oidc-fetch.h. */
#include "oidc-fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oidc_fetch {
	char host[256], path[1536];
	char host_header[270]; /* host[:port], as the provider builds its
	                        * URLs from it */
	int port;
	bool tls;
	char *form;            /* the body of a POST; NULL: a GET */
	char auth[1024];       /* Authorization, or "" */
	char *resp;            /* the answer so far */
	size_t len;
	bool too_big;
	int status;
	struct lws *wsi;
	bool connecting;       /* inside lws_client_connect_via_info */
	bool dead;             /* failed while connecting */
	bool done;             /* cb called (or abandoned) */
	oidc_fetch_cb cb;
	void *ud;
};

bool
oidc_fetch_url(const char *url, char *host, size_t hsize, int *port,
               char *path, size_t psize, bool *tls)
{
	char copy[1536];
	const char *scheme, *h, *p;

	if (strlen(url) >= sizeof copy)
		return false;
	snprintf(copy, sizeof copy, "%s", url);
	if (lws_parse_uri(copy, &scheme, &h, port, &p) || !*h ||
	    strlen(h) >= hsize || strlen(p) + 2 > psize)
		return false;
	*tls = strcmp(scheme, "https") == 0;
	/* Plain http only where nobody else is on the line. */
	if (!*tls && (strcmp(scheme, "http") != 0 ||
	              (strcmp(h, "127.0.0.1") != 0 &&
	               strcmp(h, "localhost") != 0 && strcmp(h, "::1") != 0)))
		return false;
	snprintf(host, hsize, "%s", h);
	/* lws_parse_uri leaves the path without its leading slash. */
	snprintf(path, psize, "/%s", p);
	return true;
}

static void
fetch_free(struct oidc_fetch *f)
{
	free(f->form);
	free(f->resp);
	free(f);
}

/* The outcome, once: to cb unless abandoned. */
static void
fetch_finish(struct oidc_fetch *f, const char *err)
{
	oidc_fetch_cb cb = f->cb;

	if (f->done)
		return;
	f->done = true;
	f->cb = NULL;
	if (cb)
		cb(f->ud, f->too_big ? "answer too large" : err, f->status,
		   f->resp ? f->resp : "", f->len);
}

struct oidc_fetch *
oidc_fetch_start(struct lws_context *cx, const char *url, char *form,
                 const char *auth, oidc_fetch_cb cb, void *ud)
{
	struct oidc_fetch *f = calloc(1, sizeof *f);
	struct lws_client_connect_info ci;

	if (!f || !oidc_fetch_url(url, f->host, sizeof f->host, &f->port,
	                          f->path, sizeof f->path, &f->tls) ||
	    (auth && strlen(auth) >= sizeof f->auth)) {
		free(f);
		free(form);
		return NULL;
	}
	f->form = form;
	snprintf(f->auth, sizeof f->auth, "%s", auth ? auth : "");
	f->cb = cb;
	f->ud = ud;
	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.vhost = lws_get_vhost_by_name(cx, "trackd");
	if ((f->tls && f->port == 443) || (!f->tls && f->port == 80))
		snprintf(f->host_header, sizeof f->host_header, "%s", f->host);
	else
		snprintf(f->host_header, sizeof f->host_header, "%s:%d",
		         f->host, f->port);
	ci.address = f->host;
	ci.host = f->host_header;
	ci.port = f->port;
	ci.path = f->path;
	ci.method = form ? "POST" : "GET";
	ci.protocol = "trackd-oidc";
	ci.alpn = "http/1.1";
	ci.ssl_connection = f->tls ? LCCSCF_USE_SSL : 0;
	ci.userdata = f;
	ci.pwsi = &f->wsi;
	f->connecting = true;
	if (!lws_client_connect_via_info(&ci))
		f->dead = true;
	f->connecting = false;
	if (f->dead) {
		fetch_free(f);
		return NULL;
	}
	if (f->wsi)
		lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK,
		                OIDC_FETCH_TIMEOUT_S);
	return f;
}

void
oidc_fetch_abandon(struct oidc_fetch *f)
{
	if (f)
		f->cb = NULL;
}

static int
append_headers(struct lws *wsi, struct oidc_fetch *f, unsigned char **p,
               unsigned char *end)
{
	char n[24];
	int k;

	if (lws_add_http_header_by_token(
		    wsi, WSI_TOKEN_HTTP_ACCEPT,
		    (const unsigned char *)"application/json", 16, p, end))
		return -1;
	if (f->auth[0] &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
	                                 (const unsigned char *)f->auth,
	                                 (int)strlen(f->auth), p, end))
		return -1;
	if (!f->form)
		return 0;
	k = snprintf(n, sizeof n, "%zu", strlen(f->form));
	if (lws_add_http_header_by_token(
		    wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
		    (const unsigned char *)"application/x-www-form-urlencoded",
		    33, p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
	                                 (const unsigned char *)n, k, p, end))
		return -1;
	lws_client_http_body_pending(wsi, 1);
	lws_callback_on_writable(wsi);
	return 0;
}

/* The answer's next bytes: false when it grows past OIDC_FETCH_MAX or
 * memory runs out. */
static bool
take(struct oidc_fetch *f, const void *in, size_t len)
{
	char *m;

	if (f->len + len > OIDC_FETCH_MAX) {
		f->too_big = true;
		fetch_finish(f, NULL);
		return false;
	}
	m = realloc(f->resp, f->len + len + 1);
	if (!m) {
		fetch_finish(f, "out of memory");
		return false;
	}
	f->resp = m;
	memcpy(f->resp + f->len, in, len);
	f->len += len;
	f->resp[f->len] = '\0';
	return true;
}

int
oidc_fetch_callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
	struct oidc_fetch *f = user;

	if (!f)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(wsi, f, in, *(unsigned char **)in + len);

	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
		size_t n = f->form ? strlen(f->form) : 0;
		unsigned char *buf = malloc(LWS_PRE + n + 1);
		int w;

		if (!buf)
			return -1;
		memcpy(buf + LWS_PRE, f->form ? f->form : "", n);
		w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
		free(buf);
		lws_client_http_body_pending(wsi, 0);
		return w < (int)n ? -1 : 0;
	}
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		f->status = (int)lws_http_client_http_response(wsi);
		return 0;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return take(f, in, len) ? 0 : -1;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buf[LWS_PRE + 4096], *p = buf + LWS_PRE;
		int n = (int)sizeof buf - LWS_PRE;

		return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		fetch_finish(f, NULL);
		return -1; /* one request a connection */

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		lws_set_wsi_user(wsi, NULL);
		if (f->connecting) {
			/* oidc_fetch_start() frees f and tells its caller. */
			f->dead = true;
			return 0;
		}
		fetch_finish(f, reason == LWS_CALLBACK_CLOSED_CLIENT_HTTP
		                        ? "closed without an answer (or none "
		                          "in time)"
		                : in ? (const char *)in
		                     : "cannot connect");
		fetch_free(f);
		return 0;

	default:
		return 0;
	}
}
