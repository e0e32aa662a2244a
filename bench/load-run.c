/* load-run: the run's phases (connecting, warm-up, the counted window,
 * drain, closing) on one timer, and each scanner's batch timer. */
#include "load.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static void
scanner_cb(lws_sorted_usec_list_t *sul)
{
	struct scanner *s = lws_container_of(sul, struct scanner, sul);
	struct load *L = s->L;
	int64_t now = now_us(), late = now - s->due_us;

	if (L->phase == MEASURE) {
		L->c.fires++;
		if (late > L->c.late_max_us)
			L->c.late_max_us = late;
		L->c.late_sum_us += late;
		if (late > LATE_WARN_US)
			L->c.late_fires++;
	}
	if (s->up && !s->closing) {
		L->t_len = (size_t)snprintf(L->t_json, sizeof L->t_json,
		                            "%" PRId64 ".%06" PRId64,
		                            now / 1000000, now % 1000000);
		if (scanner_batch(s, s->last_us, now) < 0) {
			fprintf(stderr, "trackd-load: out of memory\n");
			L->rc = EXIT_FAILURE;
			start_closing(L);
			return;
		}
		if (L->mq && s->head && mqtt_publish(s) < 0) {
			L->rc = EXIT_FAILURE;
			start_closing(L);
			return;
		}
		if (!L->mq && s->head)
			lws_callback_on_writable(s->wsi);
	}
	s->last_us = now;
	/* On schedule, not drifting: the next one is due a period after
	 * this one was; any periods missed altogether are skipped (their
	 * advertisements come in the next message). */
	do
		s->due_us += BATCH_US;
	while (s->due_us <= now);
	lws_sul_schedule(L->ctx, 0, &s->sul, scanner_cb, s->due_us - now);
}

static void
snapshot(struct load *L, struct counters *c, struct proc_sample *p,
         double *wall, double *self)
{
	*c = L->c;
	*wall = mono_s();
	*self = self_cpu_s();
	if (L->o.pid > 0)
		proc_sample((pid_t)L->o.pid, p);
}

static void
start_measuring(struct load *L)
{
	L->phase = MEASURE;
	snapshot(L, &L->c0, &L->p0, &L->wall0, &L->self0);
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
	                 (lws_usec_t)(L->o.duration * LWS_US_PER_SEC));
}

/* All connections are up (or given up on): the scanners start, each at its
 * own phase within the batch period. */
void
start_run(struct load *L)
{
	int64_t now = now_us();

	if (L->open == 0) {
		fprintf(stderr, "trackd-load: no connection to %s opened\n",
		        L->o.url);
		L->rc = EXIT_FAILURE;
		L->phase = DONE;
		return;
	}
	for (size_t k = 0; k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];
		int64_t offset = (int64_t)(k * (size_t)BATCH_US /
		                           L->n_scanners);

		s->last_us = now;
		s->due_us = now + offset + 1;
		lws_sul_schedule(L->ctx, 0, &s->sul, scanner_cb, offset + 1);
	}
	lws_sul_schedule(L->ctx, 0, &L->move_sul, move_cb, MOVE_US);
	if (L->o.warmup > 0) {
		L->phase = WARMUP;
		lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
		                 (lws_usec_t)(L->o.warmup * LWS_US_PER_SEC));
	} else {
		start_measuring(L);
	}
}

void
stop_generating(struct load *L)
{
	for (size_t k = 0; k < L->n_scanners; k++)
		lws_sul_cancel(&L->scanners[k].sul);
	lws_sul_cancel(&L->move_sul);
}

void
start_closing(struct load *L)
{
	stop_generating(L);
	if (L->mq && L->phase != CLOSING) /* the broker's: nothing to close */
		L->open -= L->open >= L->n_scanners ? L->n_scanners : L->open;
	L->phase = CLOSING;
	for (size_t k = 0; k < L->n_scanners; k++) {
		struct scanner *s = &L->scanners[k];

		s->closing = true;
		if (s->wsi)
			lws_callback_on_writable(s->wsi);
	}
	for (size_t j = 0; j < L->n_clients; j++) {
		struct client *c = &L->clients[j];

		c->closing = true;
		if (c->wsi)
			lws_callback_on_writable(c->wsi);
	}
	if (L->open == 0)
		L->phase = DONE;
	else
		lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb,
		                 CLOSE_WAIT_US);
}

void
stop_measuring(struct load *L)
{
	snapshot(L, &L->c1, &L->p1, &L->wall1, &L->self1);
	stop_generating(L);
	L->phase = DRAIN;
	lws_sul_schedule(L->ctx, 0, &L->phase_sul, phase_cb, DRAIN_US);
}

/* The one timer that moves the run from phase to phase. */
void
phase_cb(lws_sorted_usec_list_t *sul)
{
	struct load *L = lws_container_of(sul, struct load, phase_sul);

	switch (L->phase) {
	case CONNECTING:
		fprintf(stderr, "trackd-load: %zu of %zu connections still "
		                "not open after %d s; going on without them\n",
		        L->n_scanners + L->n_clients - L->resolved,
		        L->n_scanners + L->n_clients,
		        (int)(CONNECT_WAIT_US / LWS_US_PER_SEC));
		start_run(L);
		break;
	case WARMUP:
		start_measuring(L);
		break;
	case MEASURE:
		stop_measuring(L);
		break;
	case DRAIN:
		start_closing(L);
		break;
	case CLOSING:
	case DONE:
		L->phase = DONE;
		break;
	}
}
