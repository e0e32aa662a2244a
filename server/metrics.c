/* GET /metrics: trackd's counters in Prometheus' text format. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "alarms.h"
#include "webhook.h"

char *
metrics_text(struct app *a)
{
	track_engine_stats st;
	struct webhook_stats wh = webhook_stats(a);
	size_t cap = 8192, len = 0;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	track_engine_get_stats(a->engine, &st);
#define PUT(...)                                                             \
	len += (size_t)snprintf(b + len, cap > len ? cap - len : 0,         \
	                        __VA_ARGS__)
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
	    (unsigned long long)a->ingest_frames);
	PUT("trackd_ingest_documents_refused_total %llu\n",
	    (unsigned long long)a->ingest_errors);
	PUT("# TYPE trackd_reports_future_total counter\n"
	    "trackd_reports_future_total %llu\n",
	    (unsigned long long)a->reports_future);
	PUT("# TYPE trackd_reports_bad_tag_total counter\n"
	    "trackd_reports_bad_tag_total %llu\n",
	    (unsigned long long)a->reports_bad_tag);
	PUT("# TYPE trackd_ingest_wrong_scanner_total counter\n"
	    "trackd_ingest_wrong_scanner_total %llu\n",
	    (unsigned long long)a->ingest_wrong_scanner);
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
	    "trackd_db_pending_rows %zu\n", store_batch_rows(&a->batch));
	PUT("# TYPE trackd_reports_rate_limited_total counter\n"
	    "trackd_reports_rate_limited_total %llu\n",
	    (unsigned long long)a->rate_limited);
	PUT("# TYPE trackd_presses_refused_total counter\n"
	    "trackd_presses_refused_total{reason=\"unknown scanner\"} %llu\n"
	    "trackd_presses_refused_total{reason=\"unlisted tag\"} %llu\n",
	    (unsigned long long)a->presses_unknown_scanner,
	    (unsigned long long)a->presses_unlisted);
	PUT("# TYPE trackd_presses_limited_total counter\n"
	    "trackd_presses_limited_total %llu\n",
	    (unsigned long long)a->presses_limited);
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
#undef PUT
	if (len >= cap) {
		free(b);
		return NULL;
	}
	return b;
}
