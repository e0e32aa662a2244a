/* Refused WebSocket handshakes: see handshake.h. */
#include "handshake.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int
handshake_refuse(struct lws *wsi, unsigned status, const char *error,
                 const char *detail)
{
	uint8_t buf[LWS_PRE + 2048], *start = &buf[LWS_PRE], *p = start,
	        *end = &buf[sizeof buf - 1];
	json_t *doc = json_pack("{s:s, s:s}", "error", error, "detail", detail);
	char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	size_t n = body ? strlen(body) : 0;

	json_decref(doc);
	/* The handshake is still plain HTTP: the answer goes out whole, at
	 * once (it is small), before lws closes the connection. */
	if (body &&
	    !lws_add_http_common_headers(wsi, status, "application/json", n,
	                                 &p, end) &&
	    !lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
	                                  (const unsigned char *)"close", 5,
	                                  &p, end) &&
	    !lws_finalize_http_header(wsi, &p, end) &&
	    (size_t)(end - p) >= n) {
		memcpy(p, body, n);
		p += n;
		lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS);
	}
	free(body);
	return -1;
}
