/* The alarm webhook: each alarm opened or acknowledged is POSTed as JSON
 * to a configured URL, so the people on duty hear of a call for help even
 * with no map open. Deliveries go one at a time, in order; a failed one
 * (no connection, no answer, a status that is not 2xx) is retried with
 * exponential backoff and jitter until it goes through. Its lws client
 * protocol is in protocols.h. */
#ifndef TRACKD_WEBHOOK_H
#define TRACKD_WEBHOOK_H

#include <stdint.h>

struct app;
struct alarm;

struct webhook_stats {
	uint64_t sent;      /* deliveries answered 2xx */
	uint64_t failures;  /* attempts that failed (each retried) */
	uint64_t dropped;   /* deliveries dropped: the queue was full */
	uint64_t pending;   /* waiting, the one in flight included */
};

/* Check url (http:// or https://host[:port]/path) and make the queue;
 * -1 with a message on stderr when the URL is not one. */
int webhook_init(struct app *a, const char *url);
/* At shutdown: stop before the lws context goes (it may still close an
 * attempt in flight), free after. */
void webhook_stop(struct app *a);
void webhook_free(struct app *a);

/* Queue a delivery of alarm al; what is "opened" or "acknowledged". */
void webhook_alarm(struct app *a, const struct alarm *al, const char *what);

struct webhook_stats webhook_stats(const struct app *a);

#endif
