/*
 * tracksim's walks on a site (--site): tags move between points drawn
 * inside the site's zones (tracksim-site.c).
 *
 * People walk (straight or round a corner, maybe stopping on the way;
 * walls are not modelled, but a walk that would cross a room goes by the
 * corridor, tracksim-route.c) to a point in a random room or corridor of
 * their floor, pause, and go on; those a restricted zone allows (its
 * allow list names their category) go there too, others hardly ever;
 * now and then
 * (--stairs-prob) they walk to a zone named like "stair" and come out on
 * the next floor up or down at the same x, y.  Patients keep mostly to the
 * zone their name names ("Ward A, bed 3").  Assets stand in rooms: some for
 * the whole run (--static-frac), the others are pushed to another room on
 * their floor after rests that keep them moving --asset-move of the time.
 */
#include "tracksim-sitewalk.h"

#include <math.h>

#include "tracksim-rng.h"
#include "tracksim-route.h"
#include "tracksim-walk.h"

/* A patient's next waypoint lies in the home zone this often. */
#define PATIENT_HOME_P 0.9

/* Staff a restricted zone allows (a theatre's) head for one this often;
 * anyone else strays into one this rarely (a few times an hour on the
 * demo site: the intrusions an alarm is for). */
#define RESTRICTED_VISIT_P 0.4
#define RESTRICTED_STRAY_P 0.002

/* Pauses in rooms run up to this many times --pause-max, in corridors up
 * to --pause-max: people linger in rooms, pass through corridors. */
#define ROOM_PAUSE 6.0

/* A moving asset's first rest: as long as after a move of this many
 * seconds, times a uniform draw in [0, 2), so that they start out of
 * step. */
#define ASSET_FIRST_MOVE_S 20.0

/* Rejection sampling: draws before the margin is given up, and as many
 * again before the zone's first vertex is taken. */
#define SAMPLE_TRIES 1000

static size_t
pick(struct zone_list l, gsl_rng *r)
{
	return l.n ? l.idx[gsl_rng_uniform_int(r, (unsigned long)l.n)]
		   : SIZE_MAX;
}

/* A point drawn uniformly inside zone z, --margin away from its edges when
 * a few draws find one; zone SIZE_MAX: anywhere on floor f. */
static void
sample_point(const struct sim *s, size_t z, int f, gsl_rng *r, double *x,
	     double *y)
{
	const struct options *o = s->o;

	if (z == SIZE_MAX) {
		const struct sim_floor *fl = &s->floors[f];
		double mx = 2.0 * o->margin < fl->width ? o->margin : 0.0;
		double my = 2.0 * o->margin < fl->height ? o->margin : 0.0;

		*x = rng_uniform(r, mx, fl->width - mx);
		*y = rng_uniform(r, my, fl->height - my);
		return;
	}
	const struct sim_zone *zn = &s->zones[z];
	for (int i = 0; i < 2 * SAMPLE_TRIES; i++) {
		double px = rng_uniform(r, zn->x_min, zn->x_max);
		double py = rng_uniform(r, zn->y_min, zn->y_max);

		if (!track_polygon_contains(zn->poly, zn->n_points, px, py))
			continue;
		if (i < SAMPLE_TRIES && o->margin > 0.0 &&
		    track_polygon_distance(zn->poly, zn->n_points, px, py) <
			    o->margin)
			continue;
		*x = px;
		*y = py;
		return;
	}
	*x = zn->poly[0][0];
	*y = zn->poly[0][1];
}

static double
pause_in(const struct sim *s, const struct tag *g, size_t z, gsl_rng *r)
{
	const struct options *o = s->o;

	if (g->role == ROLE_ASSET)
		return gsl_rng_uniform(r);  /* for walk_asset_rest */
	if (z != SIZE_MAX && s->zones[z].kind != TRACK_ZONE_CORRIDOR)
		return rng_uniform(r, 0.0, ROOM_PAUSE * o->pause_max);
	return rng_uniform(r, 0.0, o->pause_max);
}

/* A stair zone on floor f (in *zone) and the floor it leads to: the next
 * one up or down that has stairs too.  -1: no way up or down. */
static int
stairs_target(const struct sim *s, int f, gsl_rng *r, size_t *zone)
{
	const struct sim_floor *fl = &s->floors[f];
	int cand[2], n = 0;

	if (fl->stairs.n == 0)
		return -1;
	for (size_t k = 0; k < s->n_floors && n < 2; k++) {
		int d = s->floors[k].rank - fl->rank;

		if ((d == 1 || d == -1) && s->floors[k].stairs.n > 0)
			cand[n++] = (int)k;
	}
	if (n == 0)
		return -1;
	*zone = pick(fl->stairs, r);
	return cand[n == 2 ? gsl_rng_uniform_int(r, 2) : 0];
}

/* Where tag g heads next from floor f: a zone (SIZE_MAX: the floor at
 * large) and the floor it arrives on. */
static size_t
next_zone(const struct sim *s, struct tag *g, int f, gsl_rng *r, int *to)
{
	const struct sim_floor *fl = &s->floors[f];
	double u = gsl_rng_uniform(r), u_restricted = gsl_rng_uniform(r);
	size_t z;

	*to = f;
	switch (g->role) {
	case ROLE_ASSET:
		z = pick(fl->rooms, r);
		return z != SIZE_MAX ? z : pick(fl->walk, r);
	case ROLE_PATIENT:
		if (g->home != SIZE_MAX && s->zones[g->home].floor == f &&
		    u < PATIENT_HOME_P)
			return g->home;
		break;
	case ROLE_WALKER:
		z = pick(fl->restricted, r);
		if (z != SIZE_MAX &&
		    (route_allowed(s, g, z) ? u_restricted < RESTRICTED_VISIT_P
		                            : u_restricted < RESTRICTED_STRAY_P))
			return z;
		/* Right after the stairs, walk away first instead of taking
		 * them straight back. */
		if (!g->after_stairs && u < s->o->stairs_prob) {
			int up_down = stairs_target(s, f, r, &z);

			if (up_down >= 0) {
				*to = up_down;
				return z;
			}
		}
		break;
	}
	z = pick(fl->walk, r);
	return z != SIZE_MAX ? z : pick(fl->rooms, r);
}

/* Every leg draws from its own seeded stream, as on the grid: a tag's walk
 * depends only on the seed, the site and the motion options. */
void
sitewalk_next_leg(struct sim *s, struct tag *g, size_t idx)
{
	const struct options *o = s->o;
	struct leg *l = &g->leg;
	gsl_rng *r = s->walk;
	double x, y;
	int to, f = l->floor_to;

	gsl_rng_set(r, rng_stream_seed(o->seed, rng_walk_stream(idx),
				       ++g->n_legs));
	size_t z = next_zone(s, g, f, r, &to);
	sample_point(s, z, f, r, &x, &y);
	double speed = rng_uniform(r, o->speed_min, o->speed_max);
	double pause = pause_in(s, g, z, r);

	/* An asset rests in proportion to its move: it moves --asset-move
	 * of the time. */
	if (g->role == ROLE_ASSET)
		pause = walk_asset_rest(o, hypot(x - l->x1, y - l->y1) / speed,
					pause);
	g->after_stairs = to != f;
	double via[2][2];
	/* On this floor, also on the way to the stairs. */
	size_t n_via = route_via(s, f, l->x1, l->y1, x, y, via);

	walk_route(o, g, r, (const double(*)[2])via, n_via, x, y, to, speed,
		   pause);
}

/* The zone a tag starts in: a patient at home (a random room when the
 * name names none), an asset in a room, anyone else anywhere walkable. */
static size_t
first_zone(const struct sim *s, struct tag *g, gsl_rng *r)
{
	size_t z;

	if (g->role == ROLE_PATIENT && g->home == SIZE_MAX)
		g->home = pick(s->all_rooms, r);
	if (g->role == ROLE_PATIENT && g->home != SIZE_MAX)
		return g->home;
	if (g->role == ROLE_ASSET) {
		z = pick(s->all_rooms, r);
		return z != SIZE_MAX ? z : pick(s->all_walk, r);
	}
	z = pick(s->all_walk, r);
	return z != SIZE_MAX ? z : pick(s->all_rooms, r);
}

void
sitewalk_setup_tags(struct sim *s)
{
	const struct options *o = s->o;
	size_t want_static = s->n_static, assets_left = s->n_assets;
	gsl_rng *w = s->walk;

	for (size_t i = 0; i < s->n_tags; i++) {
		struct tag *g = &s->tags[i];
		struct leg *l = &g->leg;
		bool is_static = false;

		/* Selection sampling: exactly n_static assets, any of
		 * them. */
		if (g->role == ROLE_ASSET) {
			is_static = (double)assets_left *
					    gsl_rng_uniform(s->setup) <
				    (double)want_static;
			if (is_static)
				want_static--;
			assets_left--;
		}
		g->bias = rng_uniform(s->setup, -o->tag_bias, o->tag_bias);
		g->next_advert = o->t0 + o->period * gsl_rng_uniform(s->setup);

		gsl_rng_set(w, rng_stream_seed(o->seed, rng_walk_stream(i), 0));
		size_t z = first_zone(s, g, w);
		int f = z != SIZE_MAX ? s->zones[z].floor :
			(int)gsl_rng_uniform_int(w, (unsigned long)s->n_floors);

		sample_point(s, z, f, w, &l->x1, &l->y1);
		l->x0 = l->x1;
		l->y0 = l->y1;
		l->floor_from = l->floor_to = f;
		l->t_start = l->t_arrive = o->t0;
		/* Moving assets start anywhere in their rest, not all at
		 * once. */
		double pause = g->role == ROLE_ASSET ?
			walk_asset_rest(o, ASSET_FIRST_MOVE_S,
					rng_uniform(w, -0.5, 1.5)) :
			pause_in(s, g, z, w);
		double face = rng_uniform(w, 0.0, 6.283185307179586);

		l->t_end = is_static ? INFINITY : o->t0 + pause;
		g->hx = cos(face);
		g->hy = sin(face);
		g->n_legs = 0;
		g->after_stairs = false;
	}
}
