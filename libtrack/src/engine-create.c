/* The engine's birth and death: the configuration and the site checked,
 * every table allocated at create (so that ingest and update never
 * allocate), and all of it freed at destroy. The running engine is
 * engine.c's. */
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine-private.h"

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
	e->obs_res = calloc(nl, sizeof *e->obs_res);
	e->floor_best = calloc(e->n_floors, sizeof *e->floor_best);
	if (!e->tags || !e->link_pool || !e->dirty || !e->changed ||
	    !e->obs || !e->obs_scanner || !e->obs_res || !e->floor_best)
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
	free(e->obs_res);
	free(e->obs);
	free(e->changed);
	free(e->dirty);
	free(e->link_pool);
	free(e->tags);
	free(e->scanners);
	free(e->floors);
	free(e);
}
