/* Occupancy reports in pieces: see occupancy.h. */
#include "occupancy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "escape.h"
#include "log.h"
#include "paged.h"

/* Minutes read per step: one engine call and one database query each. */
#define STEP_MINUTES 256

struct occ {
	const track_site_zone *zones;
	size_t nz;
	int64_t from_us, to_us;
	int64_t in_us;        /* the kept bucket (a minute) */
	int64_t out_us;       /* the answer's, a multiple of in_us */
	char zone[TRACK_ID_MAX], floor[TRACK_ID_MAX];
	bool csv, begun;
	size_t z;             /* the zone being written; nz when done */
	bool open;            /* its header is written */
	int64_t at_us;        /* its next step starts here */
	int64_t now_us;       /* when the request came */
	size_t zones_out, rows_out;
	/* The bucket being merged: it may span steps. in_group counts its
	 * kept buckets, known_in_group those with data. */
	track_occupancy group;
	size_t in_group, known_in_group;
	track_occupancy rows[STEP_MINUTES];
	bool known[STEP_MINUTES];  /* rows[k] has data (see mark_known) */
};

static bool
selected(const struct occ *g, const track_site_zone *z)
{
	return (!g->zone[0] || strcmp(g->zone, z->id) == 0) &&
	       (!g->floor[0] || strcmp(g->floor, z->floor) == 0);
}

static void
skip_to_selected(struct occ *g)
{
	while (g->z < g->nz && !selected(g, &g->zones[g->z]))
		g->z++;
}

struct overlay {
	track_occupancy *rows;
	bool *known;
	size_t n;
	int64_t bucket_us;
};

static int
overlay_row(void *ud, const struct store_occupancy *o)
{
	struct overlay *ov = ud;
	int64_t k = (o->t_us - ov->rows[0].t_us) / ov->bucket_us;
	track_occupancy *r;

	if (k < 0 || (size_t)k >= ov->n || ov->rows[k].t_us != o->t_us)
		return 0;
	r = &ov->rows[k];
	ov->known[k] = true;
	r->mean = o->mean;
	r->peak = o->peak;
	r->mean_kind[TRACK_TAG_PERSON] = o->mean_person;
	r->mean_kind[TRACK_TAG_ASSET] = o->mean_asset;
	r->mean_kind[TRACK_TAG_UNKNOWN] = o->mean - o->mean_person -
	                                  o->mean_asset;
	r->peak_kind[TRACK_TAG_PERSON] = o->peak_person;
	r->peak_kind[TRACK_TAG_ASSET] = o->peak_asset;
	return 0;
}

/* Buckets from before this process started are not in the engine (it
 * starts empty): they come from the database, when there is one. */
static void
stored(struct app *a, const char *zone, int64_t from, int64_t to,
       track_occupancy *rows, bool *known, size_t n)
{
	struct overlay ov = { rows, known, n, a->cfg.stats_bucket_us };

	if (to > a->started_us)
		to = a->started_us;
	if (!a->store || n == 0 || from >= to)
		return;
	if (store_occupancy(a->store, zone, from, to, overlay_row, &ov) < 0)
		log_err("db: occupancy of %s: %s\n", zone,
		        store_error(a->store));
}

/* Which rows have data: those trackd counted itself, from the bucket it
 * started in until now; before that only those the database kept (every
 * bucket of an earlier run, zero people too, see keep_occupancy). The
 * others (before any run, while trackd was down, still to come) have
 * none: zero there would say "nobody was there", which nobody knows. */
static void
mark_known(struct app *a, const track_occupancy *rows, bool *known,
           size_t n, int64_t now)
{
	int64_t bu = a->cfg.stats_bucket_us;
	int64_t since = a->started_us / bu * bu;

	for (size_t k = 0; k < n; k++)
		known[k] = rows[k].t_us >= since && rows[k].t_us <= now;
}

/* A bucket without data: its numbers null (empty in CSV). */
static void
emit_none(struct occ *g, int64_t t_us, struct paged_text *out)
{
	if (g->csv) {
		char id[2 * TRACK_ID_MAX + 4];

		if (escape_csv(id, sizeof id, g->zones[g->z].id) >= sizeof id) {
			out->oom = true;
			return;
		}
		paged_printf(out, "%s,%.0f,,,,,,\n", id, (double)t_us * 1e-6);
		return;
	}
	if (g->rows_out)
		paged_printf(out, ",");
	paged_printf(out, "{\"t\":%.0f,\"mean\":null,\"peak\":null,"
	                  "\"mean_person\":null,\"mean_asset\":null,"
	                  "\"peak_person\":null,\"peak_asset\":null}",
	             (double)t_us * 1e-6);
	g->rows_out++;
}

static void
emit(struct occ *g, const track_occupancy *o, struct paged_text *out)
{
	if (!g->known_in_group) {
		emit_none(g, o->t_us, out);
		return;
	}
	if (g->csv) {
		/* The zone id as a CSV field: no forged rows or formulas. */
		char id[2 * TRACK_ID_MAX + 4];

		if (escape_csv(id, sizeof id, g->zones[g->z].id) >= sizeof id) {
			out->oom = true;
			return;
		}
		paged_printf(out, "%s,%.0f,%.3f,%u,%.3f,%.3f,%u,%u\n", id,
		             (double)o->t_us * 1e-6, o->mean,
		             o->peak, o->mean_kind[TRACK_TAG_PERSON],
		             o->mean_kind[TRACK_TAG_ASSET],
		             o->peak_kind[TRACK_TAG_PERSON],
		             o->peak_kind[TRACK_TAG_ASSET]);
		return;
	}
	if (g->rows_out)
		paged_printf(out, ",");
	paged_json(out,
	           json_pack("{s:f, s:f, s:i, s:f, s:f, s:i, s:i}", "t",
	                     (double)o->t_us * 1e-6, "mean", o->mean, "peak",
	                     (int)o->peak, "mean_person",
	                     o->mean_kind[TRACK_TAG_PERSON], "mean_asset",
	                     o->mean_kind[TRACK_TAG_ASSET], "peak_person",
	                     (int)o->peak_kind[TRACK_TAG_PERSON], "peak_asset",
	                     (int)o->peak_kind[TRACK_TAG_ASSET]));
	g->rows_out++;
}

/* One kept bucket into the answer's (aligned to Unix time): the mean of
 * the means of those with data, the largest peak; null when none has. A
 * bucket is written once the next one starts, or at the zone's end. */
static void
merge(struct occ *g, const track_occupancy *r, bool known,
      struct paged_text *out)
{
	int64_t start = r->t_us / g->out_us * g->out_us;
	track_occupancy *o = &g->group;
	double w;

	if (!g->in_group || o->t_us != start) {
		if (g->in_group)
			emit(g, o, out);
		*o = known ? *r : (track_occupancy){ 0 };
		o->t_us = start;
		g->in_group = 1;
		g->known_in_group = known;
		return;
	}
	g->in_group++;
	if (!known)
		return;
	/* Running means: every minute with data weighs the same. */
	w = 1.0 / (double)++g->known_in_group;
	o->mean += (r->mean - o->mean) * w;
	for (int c = 0; c < 3; c++) {
		o->mean_kind[c] += (r->mean_kind[c] - o->mean_kind[c]) * w;
		if (r->peak_kind[c] > o->peak_kind[c])
			o->peak_kind[c] = r->peak_kind[c];
	}
	if (r->peak > o->peak)
		o->peak = r->peak;
}

static void
zone_header(struct occ *g, struct paged_text *out)
{
	const track_site_zone *z = &g->zones[g->z];
	struct paged_text h = { 0 };

	g->open = true;
	g->at_us = g->from_us;
	g->rows_out = 0;
	g->in_group = 0;
	if (g->csv)
		return;
	/* {"zone":..,"name":..,"floor":..} without its "}", then the rows. */
	paged_json(&h, json_pack("{s:s, s:s?, s:s}", "zone", z->id, "name",
	                         z->name, "floor", z->floor));
	if (h.oom) {
		out->oom = true;
		return;
	}
	h.s[--h.len] = '\0';
	paged_printf(out, "%s%s,\"buckets\":[", g->zones_out ? "," : "", h.s);
	free(h.s);
}

static int
occ_next(struct app *a, void *state, struct paged_text *out)
{
	struct occ *g = state;
	int64_t step = STEP_MINUTES * g->in_us, end;
	size_t n = 0;

	if (!g->begun) {
		g->begun = true;
		if (g->csv)
			paged_printf(out, "zone,t,mean,peak,mean_person,"
			                  "mean_asset,peak_person,peak_asset\n");
		else
			paged_printf(out, "{\"bucket_s\":%lld,\"zones\":[",
			             (long long)(g->out_us / 1000000));
		skip_to_selected(g);
	}
	if (g->z < g->nz) {
		const char *zone = g->zones[g->z].id;

		if (!g->open)
			zone_header(g, out);
		/* Steps end on multiples of step, so that none straddles a
		 * kept bucket. */
		end = (g->at_us / step + 1) * step;
		if (end > g->to_us)
			end = g->to_us;
		track_engine_occupancy(a->engine, zone, g->at_us, end, g->rows,
		                       STEP_MINUTES, &n);
		if (n > STEP_MINUTES)
			n = STEP_MINUTES;
		mark_known(a, g->rows, g->known, n, g->now_us);
		stored(a, zone, g->at_us, end, g->rows, g->known, n);
		for (size_t k = 0; k < n; k++)
			merge(g, &g->rows[k], g->known[k], out);
		g->at_us = end;
		if (end < g->to_us)
			return 1;
		if (g->in_group)
			emit(g, &g->group, out);
		if (!g->csv)
			paged_printf(out, "]}");
		g->open = false;
		g->zones_out++;
		g->z++;
		skip_to_selected(g);
		if (g->z < g->nz)
			return 1;
	}
	if (!g->csv)
		paged_printf(out, "]}");
	return 0;
}

static void
occ_free(void *state)
{
	free(state);
}

struct report
occupancy_report(struct app *a, int64_t from_us, int64_t to_us,
                 const char *zone, const char *floor, int64_t bucket_us,
                 bool csv, int64_t now_us)
{
	struct occ *g;
	int64_t in = a->cfg.stats_bucket_us;
	int64_t out = bucket_us > in ? bucket_us : in;
	size_t any = 0;

	/* Both bounds: the answer's rows, and the minutes read for them. */
	if (to_us - from_us > OCCUPANCY_MAX_BUCKETS * out ||
	    to_us - from_us > STORE_HISTORY_MAX_US)
		return (struct report){
			.status = 400, .error = "bad request",
			.detail = "the window is too long: at most 10080 "
			          "buckets (7 days of minutes; more with a "
			          "larger bucket=) and 31 days" };
	if (!(g = calloc(1, sizeof *g)))
		return (struct report){ .status = 500, .error = "out of memory",
			                .detail = "occupancy" };
	g->nz = track_site_zones(a->site, &g->zones);
	g->from_us = from_us;
	g->to_us = to_us;
	g->in_us = in;
	g->out_us = out;
	g->csv = csv;
	g->now_us = now_us;
	snprintf(g->zone, sizeof g->zone, "%s", zone);
	snprintf(g->floor, sizeof g->floor, "%s", floor);
	for (size_t z = 0; z < g->nz; z++)
		any += selected(g, &g->zones[z]);
	if ((zone[0] || floor[0]) && !any) {
		free(g);
		return (struct report){ .status = 404, .error = "not found",
			                .detail = "no such zone or floor" };
	}
	return (struct report){
		.status = 200,
		.paged = { occ_next, occ_free, g,
		           csv ? "text/csv" : "application/json" },
	};
}
