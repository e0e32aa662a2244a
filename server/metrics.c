/* GET /metrics: trackd's counters in Prometheus' text format. */
#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "alarms.h"
#include "mqtt-ingest.h"
#include "persist.h"
#include "webhook.h"

/* The text so far; grows as it is written (a site's scanners each add a
 * line). */
struct text {
	char *b;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3)))
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->b + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < t->cap - t->len)
			break;
		char *grown = realloc(t->b, 2 * t->cap + (size_t)n);

		if (!grown) {
			t->oom = true;
			return;
		}
		t->b = grown;
		t->cap = 2 * t->cap + (size_t)n;
	}
	t->len += (size_t)n;
}

/* Ingest through the broker (only with --mqtt): messages taken off the
 * subscription, those refused whole by reason (the reports of the others
 * are counted as every ingest's), whether trackd is connected and
 * subscribed, and how often it had to connect again. */
static void
put_mqtt(struct text *t, const struct app *a)
{
	struct mqtt_ingest_stats st = mqtt_ingest_stats(a);

	if (!st.on)
		return;
	put(t, "# TYPE trackd_mqtt_messages_total counter\n"
	    "trackd_mqtt_messages_total %llu\n",
	    (unsigned long long)st.messages);
	put(t, "# TYPE trackd_mqtt_refused_total counter\n");
	for (int r = 0; r < MQTT_N_REFUSALS; r++)
		put(t, "trackd_mqtt_refused_total{reason=\"%s\"} %llu\n",
		    mqtt_refusal_name((enum mqtt_refusal)r),
		    (unsigned long long)st.refused[r]);
	put(t, "# TYPE trackd_mqtt_connected gauge\n"
	    "trackd_mqtt_connected %d\n", st.connected ? 1 : 0);
	put(t, "# TYPE trackd_mqtt_reconnects_total counter\n"
	    "trackd_mqtt_reconnects_total %llu\n",
	    (unsigned long long)st.reconnects);
	put(t, "# TYPE trackd_mqtt_connect_failures_total counter\n"
	    "trackd_mqtt_connect_failures_total %llu\n",
	    (unsigned long long)st.connect_failures);
}

/* What the engine learned of each scanner's radio (dB it reads above the
 * model, on top of its configured rssi_offset): a scanner drifting away
 * is a radio to check, and an alert can say so. Label values escaped as
 * Prometheus wants (\\, \", \n). */
static void
put_scanner_offsets(struct text *t, const struct app *a)
{
	const track_site *site = track_site_engine(a->site);

	put(t, "# TYPE trackd_scanner_offset_db gauge\n");
	for (size_t i = 0; i < site->n_scanners; i++) {
		const char *id = site->scanners[i].id;
		double off, sd;

		if (track_engine_scanner_offset(a->engine, id, &off, &sd) !=
		    TRACK_OK)
			continue;
		put(t, "trackd_scanner_offset_db{scanner=\"");
		for (const char *c = id; *c; c++) {
			const char *esc = *c == '\\' ? "\\\\"
			                  : *c == '"'  ? "\\\""
			                  : *c == '\n' ? "\\n"
			                               : NULL;

			if (esc)
				put(t, "%s", esc);
			else
				put(t, "%c", *c);
		}
		put(t, "\"} %.2f\n", off);
	}
}

char *
metrics_text(struct app *a)
{
	track_engine_stats st;
	struct webhook_stats wh = webhook_stats(a);
	struct text out = { .b = malloc(8192), .cap = 8192 };

	if (!out.b)
		return NULL;
	track_engine_get_stats(a->engine, &st);
#define PUT(...) put(&out, __VA_ARGS__)
	PUT("# TYPE trackd_reports_total counter\n");
	PUT("trackd_reports_total %llu\n", (unsigned long long)st.reports);
	PUT("# TYPE trackd_reports_rejected_total counter\n");
	for (int k = 1; k < 16; k++)
		if (st.rejected[k])
			PUT("trackd_reports_rejected_total{reason=\"%s\"} %llu\n",
			    track_strerror((track_status)-k),
			    (unsigned long long)st.rejected[k]);
	PUT("# TYPE trackd_ingest_documents_total counter\n");
	PUT("trackd_ingest_documents_total %llu\n",
	    (unsigned long long)a->ingest.n.documents);
	PUT("trackd_ingest_documents_refused_total %llu\n",
	    (unsigned long long)a->ingest.n.documents_refused);
	PUT("# TYPE trackd_reports_future_total counter\n"
	    "trackd_reports_future_total %llu\n",
	    (unsigned long long)a->ingest.n.future);
	PUT("# TYPE trackd_reports_bad_tag_total counter\n"
	    "trackd_reports_bad_tag_total %llu\n",
	    (unsigned long long)a->ingest.n.bad_tag);
	PUT("# TYPE trackd_ingest_wrong_scanner_total counter\n"
	    "trackd_ingest_wrong_scanner_total %llu\n",
	    (unsigned long long)a->ingest.n.wrong_scanner);
	PUT("# TYPE trackd_tags gauge\ntrackd_tags %zu\n", st.tags);
	/* Tags one scanner alone heard, pushed out of a full table by newer
	 * ones (a flood of made-up ids churning among itself). */
	PUT("# TYPE trackd_tags_probation_evicted_total counter\n"
	    "trackd_tags_probation_evicted_total %llu\n",
	    (unsigned long long)st.evicted_probation);
	PUT("# TYPE trackd_live_clients gauge\ntrackd_live_clients %u\n",
	    a->live_clients);
	PUT("# TYPE trackd_solves_total counter\ntrackd_solves_total %llu\n",
	    (unsigned long long)st.solves);
	PUT("# TYPE trackd_events_total counter\ntrackd_events_total %llu\n",
	    (unsigned long long)st.events);
	PUT("trackd_events_dropped_total %llu\n",
	    (unsigned long long)st.events_dropped);
	PUT("# TYPE trackd_update_seconds_total counter\n"
	    "trackd_update_seconds_total %.6f\n", a->update_seconds);
	PUT("trackd_updates_total %llu\n", (unsigned long long)a->updates);
	PUT("# TYPE trackd_http_requests_total counter\n"
	    "trackd_http_requests_total %llu\n",
	    (unsigned long long)a->http_requests);
	/* The database (all 0 without --db). */
	PUT("# TYPE trackd_db_write_seconds_total counter\n"
	    "trackd_db_write_seconds_total %.6f\n", a->db_write_seconds);
	PUT("# TYPE trackd_db_batches_total counter\n"
	    "trackd_db_batches_total %llu\n",
	    (unsigned long long)a->db_batches);
	PUT("# TYPE trackd_db_rows_total counter\n"
	    "trackd_db_rows_total %llu\n", (unsigned long long)a->db_rows);
	PUT("# TYPE trackd_db_write_failures_total counter\n"
	    "trackd_db_write_failures_total %llu\n",
	    (unsigned long long)a->db_failures);
	PUT("# TYPE trackd_db_dropped_total counter\n"
	    "trackd_db_dropped_total %llu\n",
	    (unsigned long long)a->batch.dropped);
	PUT("# TYPE trackd_db_pending_rows gauge\n"
	    "trackd_db_pending_rows %zu\n", persist_pending_rows(a));
	PUT("# TYPE trackd_db_held_rows gauge\n"
	    "trackd_db_held_rows %zu\n", persist_held_rows(a));
	PUT("# TYPE trackd_db_history_writer gauge\n"
	    "trackd_db_history_writer %d\n", persist_writes_history(a));
	PUT("# TYPE trackd_reports_rate_limited_total counter\n"
	    "trackd_reports_rate_limited_total %llu\n",
	    (unsigned long long)a->ingest.n.rate_limited);
	PUT("# TYPE trackd_presses_refused_total counter\n"
	    "trackd_presses_refused_total{reason=\"unknown scanner\"} %llu\n"
	    "trackd_presses_refused_total{reason=\"unlisted tag\"} %llu\n",
	    (unsigned long long)a->ingest.n.presses_unknown_scanner,
	    (unsigned long long)a->ingest.n.presses_unlisted);
	PUT("# TYPE trackd_presses_limited_total counter\n"
	    "trackd_presses_limited_total %llu\n",
	    (unsigned long long)a->ingest.n.presses_limited);
	PUT("# TYPE trackd_alarms_open gauge\ntrackd_alarms_open %zu\n",
	    alarms_open(&a->alarms));
	PUT("# TYPE trackd_live_refused_total counter\n"
	    "trackd_live_refused_total %llu\n",
	    (unsigned long long)a->live_refused);
	PUT("# TYPE trackd_tags_evicted_total counter\n"
	    "trackd_tags_evicted_total %llu\n",
	    (unsigned long long)a->live.evicted);
	PUT("# TYPE trackd_tags_table_full_total counter\n"
	    "trackd_tags_table_full_total %llu\n",
	    (unsigned long long)a->live.full);
	PUT("# TYPE trackd_db_purged_rows_total counter\n"
	    "trackd_db_purged_rows_total %llu\n",
	    (unsigned long long)a->purged_rows);
	/* The alarm webhook (all 0 without one). */
	PUT("# TYPE trackd_webhook_sent_total counter\n"
	    "trackd_webhook_sent_total %llu\n", (unsigned long long)wh.sent);
	PUT("# TYPE trackd_webhook_failures_total counter\n"
	    "trackd_webhook_failures_total %llu\n",
	    (unsigned long long)wh.failures);
	PUT("# TYPE trackd_webhook_dropped_total counter\n"
	    "trackd_webhook_dropped_total %llu\n",
	    (unsigned long long)wh.dropped);
	PUT("# TYPE trackd_webhook_pending gauge\n"
	    "trackd_webhook_pending %llu\n", (unsigned long long)wh.pending);
	put_mqtt(&out, a);
	put_scanner_offsets(&out, a);
#undef PUT
	if (out.oom) {
		free(out.b);
		return NULL;
	}
	return out.b;
}
