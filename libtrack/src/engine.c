/* The engine: the glue between reports (report.c) and the pure modules
 * (RSSI window, solver, floor choice, motion filter), with presence.c and
 * stats.c fed from every fix. Everything is allocated at create
 * (engine-create.c); ingest and update only touch memory that already
 * exists. */
#include "track/track.h"

#include <math.h>
#include <string.h>

#include "engine-private.h"

/* A quarter of a slow walk (m/s). */
#define MOVING_MIN_MPS 0.25

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

/* A fix from the readings in e->obs[0..n): the solve from the weighted
 * centroid, and, when its answer lies more than its own radius from the
 * tag's last fix (made within 2 s), the solve from that fix too, keeping
 * the likelier answer (the smaller cost). The log-distance likelihood has
 * several optima where scanners are sparse or a reading is far off, and
 * the centroid, drawn towards the middle of the scanners, often starts in
 * the wrong one: from the centroid alone the demo hospital's tags were in
 * their true room 60% of the time, 64% with both. Neither start is the
 * track's prediction: a track gone astray cannot hold the solver in its
 * own optimum, the readings decide between the two. The kept answer's
 * residuals go to e->obs_res. */
static bool
solve_from_both(track_engine *e, struct tag *t, size_t n,
                const track_solve_params *sp, int64_t now_us,
                track_solution *sol)
{
	const double *res;
	double last[2] = { t->fix_x, t->fix_y };
	track_solution other;

	if (track_solver_solve(e->solver, e->obs, n, sp, NULL, sol) != TRACK_OK)
		return false;
	e->stats.solves++;
	e->stats.solve_iterations += sol->iterations;
	res = track_solver_residuals(e->solver);
	if (res)
		memcpy(e->obs_res, res, n * sizeof *res);
	if (res && t->fix_solved && t->fix_us != NONE &&
	    now_us - t->fix_us <= 2 * 1000000 &&
	    hypot(sol->x - last[0], sol->y - last[1]) > sol->r) {
		e->stats.solves_twice++;
		if (track_solver_solve(e->solver, e->obs, n, sp, last,
		                       &other) == TRACK_OK) {
			e->stats.solve_iterations += other.iterations;
			res = track_solver_residuals(e->solver);
			if (res && other.cost < sol->cost) {
				*sol = other;
				memcpy(e->obs_res, res, n * sizeof *res);
			}
		}
	}
	t->fix_solved = sol->method == TRACK_METHOD_SOLVE ||
	                sol->method == TRACK_METHOD_SOLVE_TX;
	t->fix_x = sol->x;
	t->fix_y = sol->y;
	return true;
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
	if (!solve_from_both(e, t, n, &sp, now_us, &sol))
		return false;
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
	if (t->fix_solved)
		track__scanner_offset_learn(e, e->obs_scanner, e->obs_res, n,
		                            overlap, now_us);

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
