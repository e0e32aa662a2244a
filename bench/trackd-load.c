/*
 * trackd-load: drives a running trackd the way a building full of scanners
 * and browsers would, and measures what comes back.
 *
 *	trackd-load --url ws://127.0.0.1:8080 --site site.json [--tags 10000]
 *	            [--rate 1] [--clients 100] [--duration 30] [--warmup 5]
 *	            [--pid PID] [--seed 1] [--probes 100] [--token T]
 *
 * Scanners: one track-ingest.v1 connection per scanner of the site.  Every
 * 250 ms (each scanner at its own phase, as real ones are not in step) a
 * scanner sends one message with a report for every advertisement it heard
 * since its last one, stamped with the time it sends them.  A tag is heard
 * by the HEARD_BY scanners nearest it on its floor, at the log-distance
 * model's mean RSSI plus N(0, SIGMA_DB) shadowing.  The means are
 * recomputed every second as the tags walk slowly towards random
 * waypoints; a report costs a table look-up and a memcpy.  Every answer is
 * read and counted.
 *
 * Live clients: track-live.v1 connections subscribed round-robin to the
 * floors.  Everything they receive is read; a positions message is walked
 * just far enough to find its tags' ids and times.  Two latencies (both on
 * CLOCK_REALTIME, the clock of the reports' "t"):
 *  - latency: for each tag in a positions message, its arrival minus the
 *    newest report sent for the tag.  trackd sends every tag it heard in
 *    the last 2 s at each update (moved on by prediction), so this is the
 *    age of the tag's newest report, bounded by about 1/rate however fast
 *    or slow trackd is.
 *  - probe latency: probe tags (parked, extra to --tags) are heard once
 *    every PROBE_PERIOD_US.  Between bursts trackd stops sending them, so
 *    the first position of a probe after its burst began is the first one
 *    that shows the burst: its arrival minus the burst's first report is
 *    the report-to-client latency, tick, queueing and all.
 *
 * Counting starts after --warmup seconds and lasts --duration seconds; then
 * the answers still on their way are awaited (DRAIN_US), the connections
 * are closed, and "name value unit" lines go to stdout.  With --pid the
 * trackd process's CPU time and memory are read from /proc at the start and
 * the end of the counted window.
 *
 * Everything runs on one lws client context and one thread; the timers are
 * lws_sul.  Only the signal flag is global.  This file sets up and runs the
 * loop; load.h lists the modules that do the rest, in the order they call.
 */
#include "load.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "sitefile.h"

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int
setup(struct load *L)
{
	const track_site *site = L->site;
	size_t N = (size_t)L->o.tags, P = (size_t)L->o.probes;
	size_t S = site->n_scanners, F = site->n_floors, heard = 0;

	L->rng = L->o.seed;
	/* Box-Muller, once: a report then costs one table look-up. */
	for (size_t i = 0; i < NOISE_SAMPLES; i += 2) {
		double u = rng_uniform(&L->rng, 0x1.0p-53, 1.0);
		double v = rng_uniform(&L->rng, 0.0, TWO_PI);
		double r = SIGMA_DB * sqrt(-2.0 * log(u));

		L->noise[i] = (float)(r * cos(v));
		L->noise[i + 1] = (float)(r * sin(v));
	}
	L->n_scanners = S;
	L->n_clients = (size_t)L->o.clients;
	L->n_all = N + P;
	L->tags = calloc(L->n_all, sizeof *L->tags);
	L->last_sent_us = calloc(L->n_all, sizeof *L->last_sent_us);
	L->tag_json = malloc(L->n_all * TAG_JSON + 1);
	L->probe_k = calloc(P ? P : 1, sizeof *L->probe_k);
	L->probe_t = calloc(P ? P : 1, sizeof *L->probe_t);
	L->near = calloc(L->n_all, sizeof *L->near);
	L->near_dbm = calloc(L->n_all, sizeof *L->near_dbm);
	L->n_near = calloc(L->n_all, 1);
	L->links = calloc(L->n_all * HEARD_BY, sizeof *L->links);
	L->first = calloc(S + 1, sizeof *L->first);
	L->scratch = malloc(64 + TRACK_ID_MAX * 6 +
	                    MAX_PER_MESSAGE * REPORT_JSON_MAX);
	L->scanners = calloc(S, sizeof *L->scanners);
	L->clients = calloc(L->n_clients, sizeof *L->clients);
	L->floor_scanners = calloc(F, sizeof *L->floor_scanners);
	L->n_floor_scanners = calloc(F, sizeof *L->n_floor_scanners);
	if (!L->tags || !L->last_sent_us || !L->tag_json || !L->probe_k ||
	    !L->probe_t || !L->near ||
	    !L->near_dbm || !L->n_near || !L->links || !L->first ||
	    !L->scratch || !L->scanners || (L->n_clients && !L->clients) ||
	    !L->floor_scanners || !L->n_floor_scanners)
		goto oom;

	for (size_t f = 0; f < F; f++) {
		if (!(L->floor_scanners[f] = calloc(S ? S : 1, sizeof(size_t))))
			goto oom;
		for (size_t k = 0; k < S; k++)
			if (strcmp(site->scanners[k].floor, site->floors[f].id)
			    == 0)
				L->floor_scanners[f][L->n_floor_scanners[f]++] =
					k;
		if (L->n_floor_scanners[f] > 0)
			heard++;
	}
	if (heard == 0) {
		fprintf(stderr, "trackd-load: %s: no floor has scanners\n",
		        L->o.site);
		return -1;
	}
	for (size_t k = 0; k < S; k++) {
		struct scanner *s = &L->scanners[k];
		json_t *id = json_string(site->scanners[k].id);

		s->L = L;
		s->sc = &site->scanners[k];
		s->id_json = id ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
		json_decref(id);
		s->rx_cap = 4096;
		s->rx = malloc(s->rx_cap);
		if (!s->id_json || !s->rx)
			goto oom;
		if (strlen(s->id_json) > TRACK_ID_MAX * 6) {
			fprintf(stderr, "trackd-load: scanner id too long\n");
			return -1;
		}
	}
	/* Tags, then probes, spread evenly over the floors that have
	 * scanners. */
	for (size_t i = 0, f = 0; i < L->n_all; i++) {
		struct tag *t = &L->tags[i];

		while (L->n_floor_scanners[f % F] == 0)
			f++;
		t->floor = f++ % F;
		t->x = rng_uniform(&L->rng, 0.0, site->floors[t->floor].width);
		t->y = rng_uniform(&L->rng, 0.0, site->floors[t->floor].height);
		t->period_us = i < N ? llround(1e6 / L->o.rate)
		                     : PROBE_PERIOD_US;
		t->phase_us = (int64_t)rng_uniform(&L->rng, 0.0,
		                                   (double)t->period_us);
		tag_new_waypoint(L, t);
		if (i >= N) {
			t->speed = 0.0;
			L->probe_k[i - N] = -1;
		}
		/* i <= TAGS_MAX: always TAG_DIGITS digits. */
		snprintf(L->tag_json + i * TAG_JSON, TAG_JSON + 1,
		         "\"" TAG_PREFIX "%06u\"", (unsigned)(i % 1000000));
	}
	hear(L);
	for (size_t j = 0; j < L->n_clients; j++) {
		struct client *c = &L->clients[j];

		c->L = L;
		c->floor = site->floors[j % F].id;
		c->seen = malloc(L->n_all * sizeof *c->seen);
		c->probe_k = malloc((P ? P : 1) * sizeof *c->probe_k);
		if (!c->seen || !c->probe_k)
			goto oom;
		for (size_t p = 0; p < P; p++)
			c->probe_k[p] = -1;
	}
	return 0;
oom:
	fprintf(stderr, "trackd-load: out of memory\n");
	return -1;
}

static void
teardown(struct load *L)
{
	for (size_t k = 0; L->scanners && k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];

		msg_clear(&s->head, &s->tail);
		msg_clear(&s->sent, &s->sent_tail);
		free(s->id_json);
		free(s->rx);
	}
	for (size_t j = 0; L->clients && j < L->n_clients; j++) {
		free(L->clients[j].seen);
		free(L->clients[j].probe_k);
	}
	for (size_t f = 0; L->floor_scanners && f < L->site->n_floors; f++)
		free(L->floor_scanners[f]);
	free(L->floor_scanners);
	free(L->n_floor_scanners);
	free(L->clients);
	free(L->scanners);
	free(L->scratch);
	free(L->first);
	free(L->links);
	free(L->n_near);
	free(L->near_dbm);
	free(L->near);
	free(L->probe_t);
	free(L->probe_k);
	free(L->tag_json);
	free(L->last_sent_us);
	free(L->tags);
	track_site_free(L->doc);
}

int
main(int argc, char **argv)
{
	static const struct lws_protocols protocols[] = {
		{ INGEST, ingest_cb, 0, 4096, 0, NULL, 0 },
		/* Positions for a busy floor run to hundreds of kB. */
		{ LIVE, live_cb, 0, 65536, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct sigaction sa;
	struct load *L;
	int rc;

	/* Large (the noise table); on the heap, not the stack. */
	if (!(L = calloc(1, sizeof *L))) {
		fprintf(stderr, "trackd-load: out of memory\n");
		return EXIT_FAILURE;
	}
	L->rc = EXIT_SUCCESS;
	if (parse_options(argc, argv, &L->o) < 0) {
		free(L);
		return 2;
	}
	if (sitefile_load("trackd-load", L->o.site, &L->doc) < 0) {
		free(L);
		return EXIT_FAILURE;
	}
	L->site = track_site_engine(L->doc);
	if (setup(L) < 0) {
		L->rc = EXIT_FAILURE;
		goto out;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = L;
	if (L->o.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	L->ctx = lws_create_context(&info);
	if (!L->ctx) {
		fprintf(stderr, "trackd-load: cannot set up libwebsockets\n");
		L->rc = EXIT_FAILURE;
		goto out;
	}
	fprintf(stderr, "trackd-load: %ld tags, %zu scanners, %zu live "
	        "clients -> %s; %g s warm-up, %g s counted\n", L->o.tags,
	        L->n_scanners, L->n_clients, L->o.mqtt ? L->o.mqtt : L->o.url,
	        L->o.warmup,
	        L->o.duration);
	L->phase = CONNECTING;
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb, CONNECT_WAIT_US);
	if (L->o.mqtt) {
		/* One broker connection speaks for every scanner. */
		if (mqtt_open(L) < 0) {
			L->rc = EXIT_FAILURE;
			goto out_ctx;
		}
		for (size_t k = 0; k < L->n_scanners; k++)
			L->scanners[k].up = true;
		L->open += L->n_scanners;
		L->resolved += L->n_scanners;
		if (L->n_clients == 0)
			start_run(L);
	} else {
		for (size_t k = 0; k < L->n_scanners; k++)
			connect_one(L, INGEST, &L->scanners[k].wsi,
			            &L->scanners[k]);
	}
	for (size_t j = 0; j < L->n_clients; j++)
		connect_one(L, LIVE, &L->clients[j].wsi, &L->clients[j]);

	while (L->phase != DONE) {
		if (interrupted) {
			interrupted = 0;
			if (L->phase == MEASURE) {
				stop_measuring(L);
			} else if (L->phase == CLOSING) {
				break;  /* a second signal: leave now */
			} else {
				if (L->phase != DRAIN)
					L->rc = EXIT_FAILURE;
				start_closing(L);
			}
		}
		if (lws_service(L->ctx, 0) < 0) {
			fprintf(stderr, "trackd-load: libwebsockets stopped\n");
			L->rc = EXIT_FAILURE;
			break;
		}
	}
	stop_generating(L);
out_ctx:
	lws_sul_cancel(&L->phase_sul);
	lws_context_destroy(L->ctx);
	if (L->wall1 > L->wall0)
		report(L);
	else if (L->rc == EXIT_SUCCESS)
		L->rc = EXIT_FAILURE;
	mqtt_close(L);
out:
	rc = L->rc;
	teardown(L);
	free(L);
	return rc;
}
