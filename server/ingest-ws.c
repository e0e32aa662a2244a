/* The track-ingest.v1 WebSocket protocol: each text message is an
 * ingest document (ingest.c, the same call a POST ends in); each gets one
 * answer, in order. A client that sends faster than it reads its answers
 * is paused (flow control), not buffered without end.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "app.h"
#include "caller.h"
#include "handshake.h"
#include "log.h"
#include "origin.h"
#include "protocols.h"
#include "ws.h"

/* Answers waiting per connection before its reading is paused. */
#define ANSWERS 16

struct ingest_pss {
	char *msg;                 /* the message being received */
	size_t len;
	bool too_big;
	char *answers[ANSWERS];    /* waiting to be sent, oldest first */
	size_t n_answers;
	bool paused;
	struct caller who;         /* as of the handshake, or the last recheck */
	bool ending;               /* its token was revoked */
};

size_t
ingest_pss_size(void)
{
	return sizeof(struct ingest_pss);
}

static void
queue_answer(struct lws *wsi, struct ingest_pss *p, json_t *answer)
{
	char *text = json_dumps(answer, JSON_COMPACT);

	json_decref(answer);
	if (!text)
		return;
	p->answers[p->n_answers++] = text;
	if (p->n_answers == ANSWERS && !p->paused) {
		lws_rx_flow_control(wsi, 0);
		p->paused = true;
	}
	lws_callback_on_writable(wsi);
}

int
ingest_callback(struct lws *wsi, enum lws_callback_reasons reason,
                void *user, void *in, size_t len)
{
	struct ingest_pss *p = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		struct caller who;
		char why[200];

		/* Refused before the upgrade: the client sees the handshake
		 * fail and trackd's log says why. */
		if (!origin_allowed(wsi, ws_app(wsi)->allow_origin, why,
		                    sizeof why)) {
			log_warn("ingest refused: %s\n", why);
			return handshake_refuse(wsi, 403, "forbidden", why);
		}
		caller_of(ws_app(wsi), wsi, &who);
		if (!who.known || !(who.perms & PERM_INGEST)) {
			log_warn("ingest from %s refused: %s\n", who.peer,
			         who.known ? "role may not send reports"
			                   : "no valid token");
			return who.known
			       ? handshake_refuse(wsi, 403, "forbidden",
			                          "this role may not send reports")
			       : handshake_refuse(wsi, 401, "unauthorized",
			                          "send a token: ?token=<token> "
			                          "or Authorization: Bearer");
		}
		p->who = who;
		return 0;
	}
	case ACCESS_RECHECK:
		if (p->ending ||
		    (access_recheck(ws_app(wsi), &p->who, app_now_us()) &&
		     (p->who.perms & PERM_INGEST)))
			return 0;
		ws_end_for_access(wsi, &p->ending, &p->who, "ingest");
		return 0;

	case LWS_CALLBACK_RECEIVE:
		if (p->ending)
			return 0;
		if (!p->too_big && p->len + len <= MAX_BODY) {
			char *m = realloc(p->msg, p->len + len + 1);

			if (!m)
				return -1;
			p->msg = m;
			memcpy(p->msg + p->len, in, len);
			p->len += len;
		} else {
			p->too_big = true;
		}
		if (!lws_is_final_fragment(wsi))
			return 0;
		if (p->too_big) {
			queue_answer(wsi, p,
			             json_pack("{s:i, s:[], s:s}", "accepted", 0,
			                       "rejected", "error",
			                       "message larger than 1 MiB"));
		} else {
			int status;

			queue_answer(wsi, p,
			             app_ingest(ws_app(wsi), &p->who, p->msg,
			                        p->len, &status));
		}
		free(p->msg);
		p->msg = NULL;
		p->len = 0;
		p->too_big = false;
		return 0;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->ending)
			return -1; /* sends the close frame lws_close_reason set */
		if (p->n_answers == 0)
			return 0;
		if (!ws_send_text(wsi, p->answers[0]))
			return -1;
		free(p->answers[0]);
		memmove(p->answers, p->answers + 1,
		        --p->n_answers * sizeof *p->answers);
		if (p->paused) {
			lws_rx_flow_control(wsi, 1);
			p->paused = false;
		}
		if (p->n_answers)
			lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_CLOSED:
		free(p->msg);
		for (size_t i = 0; i < p->n_answers; i++)
			free(p->answers[i]);
		p->n_answers = 0;
		return 0;

	default:
		return 0;
	}
}
