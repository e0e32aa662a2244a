/* trackd's shared state: the engine, the site, the latest position of
 * every tag for the live stream and the REST API, recent events, counters.
 * Everything runs on lws's one service thread; nothing here is locked. */
#ifndef TRACKD_APP_H
#define TRACKD_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "alarms.h"
#include "clock.h"
#include "ingest.h"
#include "livetable.h"
#include "store.h"
#include "track/site.h"
#include "track/track.h"

struct lws_context;
struct live_floor;
struct webhook;
struct mqtt_ingest;
struct access;
struct oidc;
struct oidc_sessions;

struct live_event {
	track_event ev;
	uint64_t seq;
};

/* How answers and live messages are written. 15 significant digits: Unix
 * times keep their milliseconds (10 cut them to whole seconds), and
 * values rounded to centimetres print as written. */
#define JSON_OUT (JSON_COMPACT | JSON_REAL_PRECISION(15))

#define EVENT_RING 4096
#define MAX_BODY (1u << 20) /* largest ingest frame or POST body */

struct app {
	track_config cfg;       /* the engine's */
	track_engine *engine;
	track_site_doc *site;
	char *site_text;        /* the site file as loaded, for /api/v1/site */
	size_t site_len;
	char *site_text_assets; /* the same without its people (trackd.c) */
	bool site_people;       /* the site lists people */
	struct floor_image *images; /* one per floor (floorimg.c) */
	char web_root[4096];    /* the web directory's real path */
	int64_t tick_us;
	struct lws_context *context; /* the loop's (trackd.c), for the glue
	                              * alone: the core never touches it */

	struct livetable live;  /* cfg.max_tags tags (livetable.h) */
	bool update_due;        /* a press came in (ingest.c): trackd.c runs
	                         * the next update at once, not at the tick */

	struct live_floor *live_floors; /* one per floor (live.c) */
	uint64_t stats_seq;     /* newest head counts */
	int64_t stats_next_us;

	struct live_event *events; /* ring of EVENT_RING */
	uint64_t ev_seq;        /* sequence of the newest event */

	struct alarms alarms;   /* (alarms.h) */
	size_t page_rows;       /* rows per read of a paged report; 0: the
	                         * default (reports-history.c) */

	/* History in SQLite (persist.c); store is NULL without --db. */
	store *store;
	struct store_batch batch;  /* rows for the next write */
	int64_t started_us;
	int64_t occ_next_us;    /* start of the next occupancy bucket to keep */
	bool db_degraded;       /* the last write failed */
	char db_error[256];
	uint64_t db_batches;    /* transactions committed */
	uint64_t db_rows;       /* rows in them */
	uint64_t db_failures;   /* writes that failed (and were kept) */
	double db_write_seconds;
	int64_t retention_us;   /* personal history kept this long; 0: ever */
	int64_t purge_next_us;
	uint64_t purged_rows;
	int64_t snap_last_us;   /* heatmap and utilization kept up to here */
	/* Whether this trackd writes the history (store_history_writer):
	 * the other of a pair keeps only its last seconds. */
	bool history_writer;
	bool history_known;     /* asked at least once */
	bool db_shared;         /* a database other trackd may share */

	struct webhook *webhook;  /* NULL without --webhook */
	struct mqtt_ingest *mqtt; /* NULL without --mqtt (mqtt-ingest.h) */
	struct access *access;    /* tokens and the audit trail */
	struct oidc *oidc;        /* NULL without --oidc-issuer (oidc-client.h) */
	struct oidc_sessions *sessions; /* people signed in (oidc-session.h) */

	json_t *site_tag_index; /* site tag id -> index into its tags */
	struct ingest ingest;   /* documents into the engine (ingest.h) */
	long max_clients;       /* live clients at once */
	const char *allow_origin; /* --allow-origin (origin.h); NULL: none */
	const char *peer;         /* --peer (peers.h); NULL: none */
	bool tls;               /* --tls-cert: https only (cookies Secure) */
	uint64_t live_refused;  /* live clients refused by it */

	unsigned live_clients;
	uint64_t http_requests;
	double update_seconds;  /* time spent in engine updates */
	uint64_t updates;
};

/* The update pipeline (app.c): run one engine update at now_us, its
 * positions into the live table and the history, its events into the
 * ring, the history and the alarms; what the alarms did goes to the
 * history and the webhook. The caller then tells the live clients. */
void app_update(struct app *a, int64_t now_us);
/* Acknowledge alarm al, storing it first (with --db): 0; 1 when it was
 * acknowledged already; -1 when it cannot be stored, and nothing changed
 * (the alarm stays open). by is the note the person typed (acked_by);
 * who the token's name ("" while access is open), for the log: the audit
 * trail (the caller's business) says who it was. */
int app_alarm_ack(struct app *a, struct alarm *al, const char *by,
                  const char *who);

/* The views (view.c): the core's state as the API and the live stream
 * show it, with the site's names. */

/* Whether tag id is personal data: a person, or a tag the site does not
 * name (a phone, a visitor's badge); only assets are not. */
bool app_is_person(const struct app *a, const char *id);

/* A tag object for the API and the live stream (a new reference). */
json_t *app_tag_json(const struct app *a, const struct live_tag *t);
/* An alarm object, with its tag's name and newest position. */
json_t *app_alarm_json(const struct app *a, const struct alarm *al);
/* The site's name and kind for tag id, NULL when the site does not list
 * it. */
const track_site_tag *app_site_tag(const struct app *a, const char *id);

/* One ingest document from who (ingest-app.c), the call the WebSocket
 * and the POST both make: ingest_document() at trackd's clock, with the
 * token's scanners as what who may report for; a press updates at once.
 * The answer and *status as ingest_document()'s. */
struct caller;
json_t *app_ingest(struct app *a, const struct caller *who, const char *text,
                   size_t len, int *status);

#endif
