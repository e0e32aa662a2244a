/* The one call every ingest source makes (the WebSocket, the POST, the
 * MQTT subscription): the core's ingest_document() at trackd's clock,
 * with the caller's token (or its topic) deciding which scanners it may
 * report for, and an update at once after a press (every second counts). */
#include <string.h>

#include "access.h"
#include "app.h"

/* Who is asking, for may_report. */
struct caller_of {
	struct app *a;
	const struct caller *who;
};

static bool
may_report(void *ud, const char *scanner)
{
	const struct caller_of *c = ud;

	if (c->who->scanner && strcmp(c->who->scanner, scanner) != 0)
		return false;
	return access_may_report_for(c->a, c->who, scanner);
}

json_t *
app_ingest(struct app *a, const struct caller *who, const char *text,
           size_t len, int *status)
{
	struct caller_of c = { a, who };
	bool pressed;
	json_t *answer = ingest_document(&a->ingest, text, len, app_now_us(),
	                                 may_report, &c, status, &pressed);

	if (pressed)
		a->update_due = true;
	return answer;
}
