/* What both WebSocket protocols (ingest-ws.c, live.c) need of lws: see
 * ws.h. */
#include "ws.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct app *
ws_app(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

bool
ws_send_text(struct lws *wsi, const char *text)
{
	size_t n = strlen(text);
	unsigned char *buf = malloc(LWS_PRE + n);
	int w;

	if (!buf)
		return false;
	memcpy(buf + LWS_PRE, text, n);
	w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
	free(buf);
	return w >= (int)n;
}

bool
ws_send_json(struct lws *wsi, json_t *doc)
{
	char *text = json_dumps(doc, JSON_OUT);
	bool ok = text && ws_send_text(wsi, text);

	free(text);
	json_decref(doc);
	return ok;
}

void
ws_end_for_access(struct lws *wsi, bool *ending, const struct caller *who,
                  const char *what)
{
	const char *why = who->known ? "token no longer allows this"
	                : who->token ? "token revoked"
	                             : "access now needs a token";

	log_warn("%s of %s (%s) ended: %s\n", what, who->name[0] ? who->name
	                                                           : "open access",
	         who->peer, why);
	*ending = true;
	lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
	                 (unsigned char *)why, strlen(why));
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 2);
	lws_callback_on_writable(wsi);
}
