/* The REST API (/api/v1/...), /healthz and /metrics, the lws side: one
 * callback that routes a request (GETs: http-routes.c, POSTs:
 * http-post.c, static files: http-static.c) and writes its answer. Every
 * answer is built whole (or, for large reports, a piece at a time:
 * paged.h), then written in chunks as the connection takes them; errors
 * are JSON ({"error": ..., "detail": ...}) with the HTTP status, never
 * HTML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caller.h"
#include "http-private.h"
#include "log.h"
#include "protocols.h"

#define CHUNK 16384

size_t
http_pss_size(void)
{
	return sizeof(struct http_pss);
}

static struct app *
app_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* The next piece of a paged answer into p->resp; -1 when it cannot be
 * made. */
static int
next_piece(struct lws *wsi, struct http_pss *p)
{
	char *body = NULL;
	size_t len = 0;
	int rc = paged_piece(app_of(wsi), &p->pg, &body, &len);

	free(p->resp);
	p->resp = body;
	p->resp_len = len;
	p->resp_sent = 0;
	p->more = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int
start_reply(struct lws *wsi, struct http_pss *p)
{
	uint8_t buf[LWS_PRE + 4096], *start = &buf[LWS_PRE], *q = start,
	        *end = &buf[sizeof buf - 1];

	/* A paged answer's first piece; when that is all of it, it goes
	 * with a length like any other (the connection is kept). Otherwise
	 * no length: the answer ends when the connection does. */
	if (p->more && next_piece(wsi, p) < 0)
		http__reply_error(p, 500, "out of memory", "the answer");
	if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype,
	                                p->more ? LWS_ILLEGAL_HTTP_CONTENT_LEN
	                                        : p->resp_len,
	                                &q, end) ||
	    lws_add_http_header_by_token(
		    wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
		    (const unsigned char *)"no-store", 8, &q, end) ||
	    (p->sandbox &&
	     lws_add_http_header_by_name(
		     wsi, (const unsigned char *)"content-security-policy:",
		     (const unsigned char *)"default-src 'none'; "
		                            "style-src 'unsafe-inline'; sandbox",
		     54, &q, end)) ||
	    (p->location[0] &&
	     lws_add_http_header_by_token(
		     wsi, WSI_TOKEN_HTTP_LOCATION,
		     (const unsigned char *)p->location,
		     (int)strlen(p->location), &q, end)))
		return -1;
	for (int i = 0; i < 2; i++)
		if (p->cookie[i][0] &&
		    lws_add_http_header_by_name(
			    wsi, (const unsigned char *)"set-cookie:",
			    (const unsigned char *)p->cookie[i],
			    (int)strlen(p->cookie[i]), &q, end))
			return -1;
	if (lws_finalize_write_http_header(wsi, start, &q, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static void
free_pss(struct http_pss *p)
{
	free(p->body);
	free(p->resp);
	p->body = p->resp = NULL;
	p->body_len = p->resp_len = 0;
	paged_free(&p->pg);
	p->more = false;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
	struct http_pss *p = user;
	struct app *a;

	switch (reason) {
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		/* in: the URI, decoded, before any mount serves it. */
		a = app_of(wsi);
		if (a->web_root[0] && !http__inside_web_root(a, in)) {
			log_warn("refused %s: it leads out of the web root\n",
			         (const char *)in);
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		if (http__npm_private(in)) {
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		return 0;

	case LWS_CALLBACK_HTTP: {
		char uri[256];
		int n;

		a = app_of(wsi);
		a->http_requests++;
		free_pss(p);
		p->body_too_big = false;
		p->refused = 0;
		p->sandbox = false;
		p->location[0] = p->cookie[0][0] = p->cookie[1][0] = '\0';
		p->deferred = 0;
		p->wsi = wsi;
		/* The whole path, mountpoint included: one router. */
		p->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		n = lws_hdr_copy(wsi, uri, sizeof uri,
		                 p->post ? WSI_TOKEN_POST_URI
		                         : WSI_TOKEN_GET_URI);
		if (n < 0) {
			http__reply_error(p, 414, "uri too long", "");
			return start_reply(wsi, p);
		}
		snprintf(p->path, sizeof p->path, "%s", uri);
		caller_of(a, wsi, &p->who);
		if (p->post) {
			/* The body arrives in LWS_CALLBACK_HTTP_BODY. */
			if (http__post_begin(a, wsi, p))
				return start_reply(wsi, p);
			return 0;
		}
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
			http__reply_error(p, 405, "method not allowed",
			                  "GET or POST only");
			return start_reply(wsi, p);
		}
		http__route_get(a, wsi, p);
		/* Waiting for the identity provider (oidc-routes.c). */
		if (p->deferred == 1)
			return 0;
		return start_reply(wsi, p);
	}

	case LWS_CALLBACK_HTTP_BODY:
		return http__post_body(p, in, len);

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		http__post_answer(app_of(wsi), p);
		return start_reply(wsi, p);

	case LWS_CALLBACK_HTTP_WRITEABLE: {
		uint8_t buf[LWS_PRE + CHUNK];
		size_t n;
		enum lws_write_protocol mode;

		if (p->deferred == 1)
			return 0;
		if (p->deferred == 2) {
			p->deferred = 0;
			return start_reply(wsi, p);
		}
		if (!p->resp)
			break;
		/* A paged answer's next piece is made only once the last is
		 * out: one piece waits per connection, however slow it is. */
		if (p->more && p->resp_sent == p->resp_len &&
		    next_piece(wsi, p) < 0) {
			log_err("%s: answer cut short: out of memory\n",
			        p->who.peer);
			return -1;
		}
		n = p->resp_len - p->resp_sent;
		if (n > CHUNK)
			n = CHUNK;
		mode = !p->more && p->resp_sent + n == p->resp_len
		               ? LWS_WRITE_HTTP_FINAL
		               : LWS_WRITE_HTTP;
		if (n == 0 && mode == LWS_WRITE_HTTP) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		memcpy(buf + LWS_PRE, p->resp + p->resp_sent, n);
		if (lws_write(wsi, buf + LWS_PRE, n, mode) != (int)n)
			return -1;
		p->resp_sent += n;
		if (mode == LWS_WRITE_HTTP_FINAL) {
			free_pss(p);
			if (lws_http_transaction_completed(wsi))
				return -1;
		} else {
			lws_callback_on_writable(wsi);
		}
		return 0;
	}

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (p) {
			http__oidc_gone(app_of(wsi), p);
			free_pss(p);
		}
		break;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

