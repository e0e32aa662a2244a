/* The engine: the glue between reports (report.c) and the pure modules
 * (RSSI window, solver, floor choice, motion filter), with presence.c and
 * stats.c fed from every fix. Everything is allocated at create; ingest and
 * update only touch memory that already exists. */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine-private.h"

/* A quarter of a slow walk (m/s). */
#define MOVING_MIN_MPS 0.25

/* ---- validation -------------------------------------------------------- */

bool
track__id_ok(const char *id)
{
	size_t len;

	if (!id)
		return false;
	len = strnlen(id, TRACK_ID_MAX);
	return len > 0 && len < TRACK_ID_MAX;
}

static bool
config_ok(const track_config *c)
{
	return c->max_tags >= 1 && c->max_tags <= (1u << 24) &&
	       c->max_links >= 1 && c->max_links <= 255 &&
	       isfinite(c->tx_power_dbm) && c->path_loss > 0.0 &&
	       c->path_loss <= 10.0 && c->sigma_db > 0.0 &&
	       isfinite(c->sigma_db) && isfinite(c->tag_height_m) &&
	       c->tx_prior_db >= 0.0 && isfinite(c->tx_prior_db) &&
	       c->scanner_prior_db >= 0.0 && isfinite(c->scanner_prior_db) &&
	       c->window_us >= TRACK__BUCKETS && c->reorder_us >= 0 &&
	       c->bounds_margin_m >= 0.0 && c->accel_mps2 > 0.0 &&
	       isfinite(c->accel_mps2) && c->gate_chi2 > 0.0 &&
	       c->still_drift_m >= 0.0 && isfinite(c->still_drift_m) &&
	       c->still_stay_s > 0.0 && isfinite(c->still_stay_s) &&
	       c->moving_stay_s > 0.0 && isfinite(c->moving_stay_s) &&
	       c->silence_reset_us > 0 && c->floor_margin_db >= 0.0 &&
	       c->floor_hold_us >= 0 && c->zone_enter_us >= 0 &&
	       c->zone_exit_us >= 0 && c->lost_us > 0 &&
	       c->distress_rearm_us >= 0 && c->max_events >= 1 &&
	       c->max_events <= (1u << 24) && c->fix_interval_us >= 0 &&
	       c->first_fix_wait_us >= 0 &&
	       c->predict_interval_us >= 0;
}

/* ---- create / destroy ---------------------------------------------------- */

static track_status
load_site(track_engine *e, const track_site *site)
{
	if (!site || site->n_floors == 0 || !site->floors ||
	    (site->n_scanners > 0 && !site->scanners) ||
	    site->n_scanners > INT32_MAX)
		return TRACK_EINVAL;
	e->n_floors = site->n_floors;
	e->n_scanners = site->n_scanners;
	e->floors = calloc(e->n_floors, sizeof *e->floors);
	e->scanners = calloc(e->n_scanners ? e->n_scanners : 1,
	                     sizeof *e->scanners);
	if (!e->floors || !e->scanners)
		return TRACK_ENOMEM;

	for (size_t f = 0; f < e->n_floors; f++) {
		const track_floor *in = &site->floors[f];
		struct floor_rt *fl = &e->floors[f];

		if (!track__id_ok(in->id) || !isfinite(in->z) ||
		    !(in->width >= 0.0) || !(in->height >= 0.0) ||
		    !isfinite(in->width) || !isfinite(in->height))
			return TRACK_EINVAL;
		for (size_t g = 0; g < f; g++)
			if (strcmp(e->floors[g].id, in->id) == 0)
				return TRACK_EINVAL;
		strcpy(fl->id, in->id);
		fl->z = in->z;
		fl->x_min = fl->y_min = INFINITY;
		fl->x_max = fl->y_max = -INFINITY;
	}
	if (track__idmap_init(&e->scanner_map, e->n_scanners,
	                      (const char *)e->scanners,
	                      sizeof *e->scanners) < 0)
		return TRACK_ENOMEM;
	for (size_t i = 0; i < e->n_scanners; i++) {
		const track_scanner *in = &site->scanners[i];
		struct scanner_rt *s = &e->scanners[i];
		struct floor_rt *fl;

		if (!track__id_ok(in->id) || !in->floor || !isfinite(in->x) ||
		    !isfinite(in->y) || !isfinite(in->z) ||
		    !(in->path_loss >= 0.0 && in->path_loss <= 10.0) ||
		    !isfinite(in->rssi_offset_db))
			return TRACK_EINVAL;
		s->floor = -1;
		for (size_t f = 0; f < e->n_floors; f++)
			if (strcmp(e->floors[f].id, in->floor) == 0)
				s->floor = (int32_t)f;
		if (s->floor < 0)
			return TRACK_EINVAL;
		if (track__idmap_find(&e->scanner_map, in->id) >= 0)
			return TRACK_EINVAL;
		strcpy(s->id, in->id);
		track__idmap_insert(&e->scanner_map, (int32_t)i);
		s->x = in->x;
		s->y = in->y;
		s->z = in->z;
		s->n = in->path_loss > 0.0 ? in->path_loss : e->cfg.path_loss;
		s->offset = in->rssi_offset_db;
		fl = &e->floors[s->floor];
		fl->x_min = fmin(fl->x_min, s->x);
		fl->x_max = fmax(fl->x_max, s->x);
		fl->y_min = fmin(fl->y_min, s->y);
		fl->y_max = fmax(fl->y_max, s->y);
	}
	for (size_t f = 0; f < e->n_floors; f++) {
		const track_floor *in = &site->floors[f];
		struct floor_rt *fl = &e->floors[f];
		double m = e->cfg.bounds_margin_m;

		if (in->width > 0.0 && in->height > 0.0) {
			fl->x_min = 0.0;
			fl->x_max = in->width;
			fl->y_min = 0.0;
			fl->y_max = in->height;
		} else if (isfinite(fl->x_min)) {
			fl->x_min -= m;
			fl->x_max += m;
			fl->y_min -= m;
			fl->y_max += m;
		} else {
			fl->x_min = fl->y_min = 0.0;
			fl->x_max = fl->y_max = 0.0;
		}
	}
	return TRACK_OK;
}

track_status
track_engine_create(const track_config *cfg, const track_site *site,
                    track_engine **out)
{
	track_engine *e;
	track_status st;
	size_t nt, nl;

	if (!out)
		return TRACK_EINVAL;
	e = calloc(1, sizeof *e);
	if (!e)
		return TRACK_ENOMEM;
	e->cfg = cfg ? *cfg : track_config_default();
	if (!config_ok(&e->cfg)) {
		st = TRACK_EINVAL;
		goto fail;
	}
	e->bucket_us = e->cfg.window_us / TRACK__BUCKETS;
	st = load_site(e, site);
	if (st != TRACK_OK)
		goto fail;
	st = track__presence_init(e, site);
	if (st != TRACK_OK)
		goto fail;

	nt = e->cfg.max_tags;
	nl = e->cfg.max_links;
	st = TRACK_ENOMEM;
	e->tags = calloc(nt, sizeof *e->tags);
	e->link_pool = calloc(nt * nl, sizeof *e->link_pool);
	e->dirty = calloc(nt, sizeof *e->dirty);
	e->changed = calloc(nt, sizeof *e->changed);
	e->obs = calloc(nl, sizeof *e->obs);
	e->obs_scanner = calloc(nl, sizeof *e->obs_scanner);
	e->floor_best = calloc(e->n_floors, sizeof *e->floor_best);
	if (!e->tags || !e->link_pool || !e->dirty || !e->changed ||
	    !e->obs || !e->obs_scanner || !e->floor_best)
		goto fail;
	if (track__idmap_init(&e->tag_map, nt, (const char *)e->tags,
	                      sizeof *e->tags) < 0)
		goto fail;
	st = track_solver_create(nl, &e->solver);
	if (st != TRACK_OK)
		goto fail;
	st = track__stats_init(e);
	if (st != TRACK_OK)
		goto fail;
	for (size_t i = 0; i < nt; i++) {
		e->tags[i].links = &e->link_pool[i * nl];
		e->tags[i].next = i + 1 < nt ? (int32_t)(i + 1) : -1;
	}
	e->free_head = 0;
	e->lru_head[0] = e->lru_tail[0] = -1;
	e->lru_head[1] = e->lru_tail[1] = -1;
	*out = e;
	return TRACK_OK;
fail:
	track_engine_destroy(e);
	return st;
}

void
track_engine_destroy(track_engine *e)
{
	if (!e)
		return;
	track__stats_free(e);
	track__presence_free(e);
	track_solver_destroy(e->solver);
	track__idmap_free(&e->tag_map);
	track__idmap_free(&e->scanner_map);
	free(e->floor_best);
	free(e->obs_scanner);
	free(e->obs);
	free(e->changed);
	free(e->dirty);
	free(e->link_pool);
	free(e->tags);
	free(e->scanners);
	free(e->floors);
	free(e);
}

/* ---- one fix --------------------------------------------------------- */

/* Filtered links of tag t at now: strongest RSSI per floor into
 * floor_best, and stale links freed. Returns how many are live. */
static size_t
collect(track_engine *e, struct tag *t, int64_t now_us)
{
	size_t live = 0;

	for (size_t f = 0; f < e->n_floors; f++)
		e->floor_best[f] = -INFINITY;
	e->window_reads = 0;
	for (size_t l = 0; l < e->cfg.max_links; l++) {
		struct link *k = &t->links[l];
		const struct scanner_rt *s;
		double v;
		unsigned cnt;

		if (k->scanner < 0)
			continue;
		if (!track__rssi_value(&k->f, now_us, e->bucket_us, &v, &cnt)) {
			if (now_us - k->last_us > e->cfg.window_us)
				k->scanner = -1;
			continue;
		}
		s = &e->scanners[k->scanner];
		v -= s->offset + track__scanner_offset(s);
		if (v > e->floor_best[s->floor])
			e->floor_best[s->floor] = v;
		e->obs[live].rssi_dbm = v;
		e->obs_scanner[live] = k->scanner;
		e->window_reads += cnt;
		live++;
	}
	return live;
}

/* The filters know nothing of walls: keep their states on the floor, and
 * a velocity that points through the edge is dropped, or prediction alone
 * would carry a tag off the plan while it is not heard. */
static void
keep_on_floor(track_motion *m, const struct floor_rt *fl)
{
	for (int j = 0; j < 2; j++) {
		track_kalman *k = &m->model[j];

		if (k->x[0] < fl->x_min || k->x[0] > fl->x_max) {
			k->x[0] = k->x[0] < fl->x_min ? fl->x_min : fl->x_max;
			k->x[2] = 0.0;
		}
		if (k->x[1] < fl->y_min || k->x[1] > fl->y_max) {
			k->x[1] = k->x[1] < fl->y_min ? fl->y_min : fl->y_max;
			k->x[3] = 0.0;
		}
	}
	track_motion_combine(m);
}

/* Moving: walking is the likelier model, at a quarter of a slow walk or
 * more. The blended velocity alone (as before) took a standing tag's
 * jitter for use: its walking model follows the noise, and a blend of a
 * few tenths of it crossed the threshold about half the time (equipment
 * shown in use 55% of the time while it truly moved 15%). */
static bool
is_moving(const track_motion *m)
{
	const track_kalman *w = &m->model[TRACK_MOTION_MOVING];

	return m->prob[TRACK_MOTION_MOVING] > 0.5 &&
	       hypot(w->x[2], w->x[3]) >= MOVING_MIN_MPS;
}

static track_motion_params
motion_params(const track_engine *e)
{
	return (track_motion_params){
		.accel_mps2 = e->cfg.accel_mps2,
		.still_drift_m = e->cfg.still_drift_m,
		.still_stay_s = e->cfg.still_stay_s,
		.moving_stay_s = e->cfg.moving_stay_s,
	};
}

static void
track_reset(track_engine *e, struct tag *t)
{
	if (t->mot.init)
		e->stats.track_resets++;
	t->mot.init = false;
	t->gated_run = 0;
	t->moving = true;
}

static bool
fix(track_engine *e, struct tag *t, int64_t now_us)
{
	const struct floor_rt *fl;
	track_solve_params sp;
	track_solution sol;
	size_t live, n = 0;
	int32_t floor;
	bool changed;
	double tx_mean, tx_var, overlap = 1.0;

	live = collect(e, t, now_us);
	if (live == 0)
		return false;
	floor = track__floor_choose(&t->floor, e->floor_best, e->n_floors,
	                            now_us, e->cfg.floor_margin_db,
	                            e->cfg.floor_hold_us, &changed);
	if (changed) {
		e->stats.floor_changes++;
		track__presence_leave(e, t, now_us);
		track_reset(e, t);
	}
	fl = &e->floors[floor];
	for (size_t l = 0; l < live; l++) {
		const struct scanner_rt *s = &e->scanners[e->obs_scanner[l]];

		if (s->floor != floor)
			continue;
		e->obs[n].rssi_dbm = e->obs[l].rssi_dbm;
		e->obs[n].x = s->x;
		e->obs[n].y = s->y;
		e->obs[n].dz = s->z - (fl->z + e->cfg.tag_height_m);
		e->obs[n].n = s->n;
		e->obs_scanner[n] = e->obs_scanner[l];
		n++;
	}

	if (t->mot.init && now_us - t->mot.t_us > e->cfg.silence_reset_us)
		track_reset(e, t);

	if (t->mot.init) {
		track_motion_params mp = motion_params(e);

		track_motion_predict(&t->mot, now_us, &mp);
	}
	track__power_prior(e, t, now_us, &tx_mean, &tx_var);
	sp = (track_solve_params){
		.x_min = fl->x_min, .x_max = fl->x_max,
		.y_min = fl->y_min, .y_max = fl->y_max,
		.tx_power_dbm = tx_mean,
		.tx_prior_db = e->cfg.tx_prior_db > 0.0 ? sqrt(tx_var) : 0.0,
		.sigma_db = e->cfg.sigma_db,
		.min_scanners_tx = e->cfg.min_scanners_tx,
	};
	/* Each solve starts from the weighted centroid, not from the track:
	 * a track that has gone astray would otherwise pull the solver into
	 * its own local minimum and never let go. */
	if (track_solver_solve(e->solver, e->obs, n, &sp, NULL, &sol) !=
	    TRACK_OK)
		return false;
	e->stats.solves++;
	if (sol.method == TRACK_METHOD_NEAREST ||
	    sol.method == TRACK_METHOD_CENTROID)
		e->stats.fallbacks++;

	/* Successive windows overlap when fixes come faster than the window:
	 * what a fix says is inflated by the share of readings already used,
	 * so that no filter counts them twice. Counted in readings, not
	 * seconds: a new tag's first fix may rest on one early reading, and
	 * the next, on ten new ones, is then nearly all new. */
	if (t->fix_us != NONE && t->fresh < e->window_reads)
		overlap = (double)e->window_reads /
		          (double)(t->fresh > 0 ? t->fresh : 1);
	if (sol.method == TRACK_METHOD_SOLVE_TX)
		track__power_update(e, t, &sol, tx_mean, tx_var, overlap);
	if (track_solver_residuals(e->solver))
		track__scanner_offset_learn(e, e->obs_scanner,
		                            track_solver_residuals(e->solver),
		                            n, overlap, now_us);

	if (!e->cfg.smooth) {
		/* A fresh filter holds exactly the fix. */
		t->mot.init = false;
		track_motion_update(&t->mot, sol.x, sol.y, sol.cov, now_us);
		goto done;
	}
	for (int c = 0; c < 3; c++)
		sol.cov[c] *= overlap;
	if (t->mot.init &&
	    track_motion_mahalanobis(&t->mot, sol.x, sol.y, sol.cov) >
	            e->cfg.gate_chi2) {
		e->stats.gated++;
		/* One wild fix is noise; several in a row are a move. */
		if (++t->gated_run >= e->cfg.gate_resets)
			track_reset(e, t);
	} else {
		t->gated_run = 0;
	}
	if (t->gated_run == 0)
		track_motion_update(&t->mot, sol.x, sol.y, sol.cov, now_us);
	if (!t->mot.init)
		return false;

	keep_on_floor(&t->mot, fl);
	t->moving = is_moving(&t->mot);
done:
	track__stats_credit(e, t, now_us);
	track__presence_step(e, t, now_us);
	t->fix_us = now_us;
	t->fresh = 0;
	t->method = sol.method;
	t->n_scanners = (unsigned)n;
	return true;
}

/* A new track (a tag heard for the first time, or again after a silence)
 * is drawn where its first fix puts it, and a fix from one or two
 * scanners is a guess: often the one far scanner whose report happened
 * to come in first. The first fix waits until three scanners hear the tag
 * or first_fix_wait_us has passed, whichever comes first (trackers call
 * this confirming a track). A tag only one scanner hears still appears,
 * that much later; a call for help goes out at once all the same. */
static bool
first_fix_waits(const track_engine *e, const struct tag *t, int64_t now_us)
{
	unsigned heard = 0;

	if (t->fix_us != NONE && t->fix_us >= t->since_us)
		return false;
	if (now_us - t->since_us >= e->cfg.first_fix_wait_us)
		return false;
	for (size_t l = 0; l < e->cfg.max_links; l++) {
		const struct link *k = &t->links[l];

		if (k->scanner >= 0 && k->last_us != NONE &&
		    now_us - k->last_us < e->cfg.window_us && ++heard >= 3)
			return false;
	}
	return true;
}

static void
queue(track_engine *e, int32_t i)
{
	if (e->tags[i].queued)
		return;
	e->tags[i].queued = true;
	e->changed[e->n_changed++] = i;
}

size_t
track_engine_update(track_engine *e, int64_t now_us)
{
	int64_t live_from;
	track_motion_params mp;
	size_t kept = 0;

	if (!e)
		return 0;
	/* Keep unread positions at the front: every tag is queued at most
	 * once, so the list never outgrows the table. */
	if (e->changed_read > 0) {
		memmove(e->changed, e->changed + e->changed_read,
		        (e->n_changed - e->changed_read) * sizeof *e->changed);
		e->n_changed -= e->changed_read;
		e->changed_read = 0;
	}
	for (size_t d = 0; d < e->n_dirty; d++) {
		int32_t i = e->dirty[d];
		struct tag *t = &e->tags[i];
		bool fixed;

		if (!t->used) {
			t->dirty = false;
			continue;
		}
		if ((t->fix_us != NONE && now_us > t->fix_us &&
		     now_us - t->fix_us < e->cfg.fix_interval_us) ||
		    first_fix_waits(e, t, now_us)) {
			/* Solved too recently, or a new track waiting for
			 * more scanners: stays queued for a later update
			 * (kept is at most d, so nothing is lost). */
			e->dirty[kept++] = i;
			fixed = false;
		} else {
			t->dirty = false;
			fixed = fix(e, t, now_us);
		}
		if (fixed)
			queue(e, i);
		if (fixed && t->found_pending) {
			t->found_pending = false;
			track__event(e, TRACK_EVENT_FOUND, t, t->zone, now_us);
		}
		/* Even without a fix: a call for help goes out with the last
		 * known place rather than wait for a better one. */
		if (t->button_pending) {
			t->button_pending = false;
			track__event(e, TRACK_EVENT_DISTRESS, t, t->zone,
			             t->press_us);
		}
	}
	e->n_dirty = kept;
	/* Tags still heard within the window but with nothing new: their
	 * position moves on by prediction only (feeding the same window to
	 * the filter again would count the same readings twice). The LRU
	 * lists are in order of arrival, so each walk stops at the first tag
	 * clearly older than the window. */
	live_from = now_us - e->cfg.window_us;
	mp = motion_params(e);
	for (int l = 0; l < 2 && e->cfg.smooth; l++)
	for (int32_t i = e->lru_head[l]; i >= 0; i = e->tags[i].next) {
		struct tag *t = &e->tags[i];

		if (t->heard_us < live_from - e->cfg.reorder_us)
			break;
		if (t->heard_us < live_from || t->fix_us == NONE ||
		    !t->mot.init || t->mot.t_us >= now_us ||
		    now_us - t->mot.t_us < e->cfg.predict_interval_us)
			continue;
		track_motion_predict(&t->mot, now_us, &mp);
		keep_on_floor(&t->mot, &e->floors[t->floor.current]);
		track__stats_credit(e, t, now_us);
		track__presence_step(e, t, now_us);
		queue(e, i);
	}
	track__presence_lost(e, now_us);
	return e->n_changed - e->changed_read;
}

static void
position_of(const track_engine *e, const struct tag *t, track_position *out)
{
	int32_t near = track__zone_near(e, t);

	*out = (track_position){
		.tag = t->id,
		.floor = e->floors[t->floor.current].id,
		.x = t->mot.x[0],
		.y = t->mot.x[1],
		.r = sqrt(t->mot.P[0] + t->mot.P[5]),
		/* The velocity of the likelier model: a blend would show a
		 * walker slower than they walk. */
		.vx = t->moving ? t->mot.model[TRACK_MOTION_MOVING].x[2] : 0.0,
		.vy = t->moving ? t->mot.model[TRACK_MOTION_MOVING].x[3] : 0.0,
		.t_us = t->mot.t_us,
		.heard_us = t->heard_us,
		.method = t->method,
		.n_scanners = t->n_scanners,
		.moving = t->moving,
		.flags = t->flags,
		.zone = t->zone >= 0 ? e->zones[t->zone].id : NULL,
		.zone_here = t->zone_here >= 0 ? e->zones[t->zone_here].id
		                               : NULL,
		.zone_near = near >= 0 ? e->zones[near].id : NULL,
		.kind = t->info >= 0 ? e->infos[t->info].kind
		                     : TRACK_TAG_UNKNOWN,
		.category = e->categories[t->info >= 0
		                                  ? e->infos[t->info].category
		                                  : 0],
	};
}

size_t
track_engine_changed(track_engine *e, track_position *out, size_t cap)
{
	size_t n = 0;

	if (!e || !out)
		return 0;
	while (n < cap && e->changed_read < e->n_changed) {
		struct tag *t = &e->tags[e->changed[e->changed_read++]];

		t->queued = false;
		/* An evicted tag's slot may hold a tag with no fix yet. */
		if (!t->used || t->fix_us == NONE || !t->mot.init)
			continue;
		position_of(e, t, &out[n++]);
		t->flags = 0;
	}
	if (e->changed_read == e->n_changed)
		e->changed_read = e->n_changed = 0;
	return n;
}

track_status
track_engine_position(const track_engine *e, const char *tag,
                      track_position *out)
{
	int32_t i;

	if (!e || !out || !track__id_ok(tag))
		return TRACK_EINVAL;
	i = track__idmap_find(&e->tag_map, tag);
	if (i < 0 || e->tags[i].fix_us == NONE || !e->tags[i].mot.init)
		return TRACK_ENOENT;
	position_of(e, &e->tags[i], out);
	return TRACK_OK;
}

void
track_engine_get_stats(const track_engine *e, track_engine_stats *out)
{
	if (e && out)
		*out = e->stats;
}
