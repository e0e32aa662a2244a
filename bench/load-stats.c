/* load-stats: the latency histograms, and the "name value unit" lines
 * (with the warnings about the load tool itself) at the end. */
#include "load.h"

#include <math.h>
#include <stdio.h>

void
hist_add(struct hist *h, int64_t us)
{
	int64_t ms = us / 1000;

	if (ms < 0)
		ms = 0;
	h->b[ms < HIST_MS ? ms : HIST_MS]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

static double
percentile_ms(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return NAN;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (size_t b = 0; b <= HIST_MS; b++) {
		seen += h->b[b];
		if (seen >= want)
			return (double)(b + 1);  /* the bucket's upper edge */
	}
	return (double)HIST_MS;
}

static double
max_ms(const struct hist *h)
{
	return h->n ? (double)h->max_us / 1000.0 : NAN;
}

static void
line(const char *name, double v, const char *unit)
{
	printf("%-28s %-14.*f %s\n", name, fabs(v) >= 100 || v == floor(v)
	       ? 0 : 1, v, unit);
}

void
report(struct load *L)
{
	double wall = L->wall1 - L->wall0;
	const struct counters *a = &L->c0, *b = &L->c1;
	double self = 100.0 * (L->self1 - L->self0) / wall;
	unsigned long long backlog = 0;

	for (size_t k = 0; k < L->n_scanners; k++)
		backlog += L->scanners[k].queued;
	printf("# trackd-load: %s, site %s (%zu floors, %zu scanners)\n",
	       L->o.url, track_site_id(L->doc), L->site->n_floors,
	       L->n_scanners);
	printf("# %ld tags x %g Hz, each heard by its %d nearest scanners; "
	       "%zu %s (a message each per %d ms); %zu live clients\n",
	       L->o.tags, L->o.rate, HEARD_BY, L->n_scanners,
	       L->mq ? "scanners' topics on one broker connection, QoS 1"
	             : "ingest connections",
	       (int)(BATCH_US / LWS_US_PER_MS), L->n_clients);
	printf("# counted over %.1f s after a %g s warm-up (rejected_total "
	       "and client_errors: the whole run); 1 ms buckets, upper edges"
	       "\n", wall, L->o.warmup);
	printf("# latency_*: positions arrival - the newest report sent for "
	       "the tag (its age: at most about 1/rate for any trackd)\n");
	printf("# probe_latency_*: report to client: %ld parked probe tags "
	       "heard once every %d s; their first report to the first "
	       "position that shows it\n", L->o.probes,
	       (int)(PROBE_PERIOD_US / LWS_US_PER_SEC));
	if (L->o.pid <= 0)
		printf("# no --pid: trackd's CPU and memory not measured\n");
	else if (!L->p0.ok || !L->p1.ok)
		printf("# trackd's /proc entries could not be read (pid %ld)"
		       "\n", L->o.pid);
	line("reports_per_s_offered", (double)(b->offered - a->offered) / wall,
	     "reports/s");
	line("reports_per_s_accepted",
	     (double)(b->accepted - a->accepted) / wall, "reports/s");
	line("rejected_total", (double)L->rejected_total, "reports");
	line("positions_msgs_per_s",
	     (double)(b->positions - a->positions) / wall, "msgs/s");
	line("latency_p50_ms", percentile_ms(&L->latency, 0.50), "ms");
	line("latency_p90_ms", percentile_ms(&L->latency, 0.90), "ms");
	line("latency_p99_ms", percentile_ms(&L->latency, 0.99), "ms");
	line("latency_max_ms", max_ms(&L->latency), "ms");
	line("probe_latency_p50_ms", percentile_ms(&L->probe, 0.50), "ms");
	line("probe_latency_p90_ms", percentile_ms(&L->probe, 0.90), "ms");
	line("probe_latency_p99_ms", percentile_ms(&L->probe, 0.99), "ms");
	line("probe_latency_max_ms", max_ms(&L->probe), "ms");
	line("probe_samples", (double)L->probe.n, "samples");
	if (L->p0.ok && L->p1.ok) {
		line("trackd_cpu_percent", 100.0 * (L->p1.cpu_s - L->p0.cpu_s) /
		                           (L->p1.wall_s - L->p0.wall_s), "%");
		line("trackd_rss_mb", L->p1.rss_mib, "MiB");
		line("trackd_rss_peak_mb", L->p1.hwm_mib, "MiB");
	}
	line("client_errors", (double)L->client_errors, "errors");
	line("update_interval_p50_ms", percentile_ms(&L->interval, 0.50),
	     "ms");
	line("update_interval_p99_ms", percentile_ms(&L->interval, 0.99),
	     "ms");
	line("load_cpu_percent", self, "%");
	line("load_late_max_ms", (double)b->late_max_us / 1000.0, "ms");
	fflush(stdout);

	/* A generator that cannot keep its own schedule measures itself. */
	if (b->fires > a->fires) {
		unsigned long long fires = b->fires - a->fires;
		unsigned long long late = b->late_fires - a->late_fires;
		double mean = (double)(b->late_sum_us - a->late_sum_us) /
		              (double)fires / 1000.0;

		if (late * 100 > fires || mean > 5.0 ||
		    b->late_max_us >= BATCH_US)
			fprintf(stderr, "trackd-load: BEHIND SCHEDULE: %llu of "
			        "%llu batches went out over %d ms late (mean "
			        "%.1f ms, worst %.0f ms late); the load tool "
			        "itself is a limit here\n", late, fires,
			        (int)(LATE_WARN_US / LWS_US_PER_MS), mean,
			        (double)b->late_max_us / 1000.0);
	}
	if (self > 90.0)
		fprintf(stderr, "trackd-load: the load tool used %.0f%% of a "
		        "core: near its own limit, its reading delay is part "
		        "of the latency\n", self);
	if (backlog > 0)
		fprintf(stderr, "trackd-load: %llu reports were still waiting "
		        "to be sent at the end (trackd was not reading them "
		        "as fast as they came)\n", backlog);
	if (L->unanswered > 0)
		fprintf(stderr, "trackd-load: %llu reports sent were still "
		        "unanswered when the connections closed (trackd's "
		        "backlog)\n", L->unanswered);
	/* A probe whose burst takes longer to show than the time to its
	 * next one is not counted: the figures become a lower bound. */
	if (L->probe.max_us > PROBE_PERIOD_US * 8 / 10)
		fprintf(stderr, "trackd-load: probe latencies reach the probe "
		        "period (%d s): the slowest bursts are not counted, so "
		        "probe_latency_* is a lower bound\n",
		        (int)(PROBE_PERIOD_US / LWS_US_PER_SEC));
}
