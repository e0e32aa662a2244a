/*
 * tracksim: where a tag is.  A tag walks a route to its next waypoint and
 * stands there (struct leg, one stretch at a time); a route may round a
 * corner (walking along x, then y, as corridors go), stop on the way (a
 * word with someone) and change speed at each stretch, so that a track
 * holds the pauses and turns of real walks and not only straight lines at
 * one speed.  The grid's walks are here too; the site's are in
 * tracksim-site.c.
 */
#include "tracksim.h"

#include <math.h>

/* A corner is taken only when the walk goes at least this far both along
 * x and along y: a near-straight walk stays straight. */
#define CORNER_MIN_M 1.0

/* Starts the next stretch from where the leg ends. */
static void
start_stretch(struct tag *g)
{
	struct leg *l = &g->leg;
	struct waypoint w = g->ahead[0];

	for (size_t i = 1; i < g->n_ahead; i++)
		g->ahead[i - 1] = g->ahead[i];
	g->n_ahead--;
	l->x0 = l->x1;
	l->y0 = l->y1;
	l->floor_from = l->floor_to;
	l->t_start = l->t_end;
	l->x1 = w.x;
	l->y1 = w.y;
	l->floor_to = w.floor;

	double len = hypot(l->x1 - l->x0, l->y1 - l->y0);

	/* People face the way they walk, and keep facing it when they
	 * stop. */
	if (len > 1e-3) {
		g->hx = (l->x1 - l->x0) / len;
		g->hy = (l->y1 - l->y0) / len;
	}
	l->t_arrive = l->t_start + len / w.speed;
	l->t_end = l->t_arrive + w.pause;
	/* A stretch always takes some time, so that a tag with no pause whose
	 * next point is where it stands cannot draw legs forever. */
	if (l->t_end <= l->t_start)
		l->t_end = l->t_start + 0.001;
}

void
walk_route(struct sim *s, struct tag *g, gsl_rng *r, double x, double y,
	   int floor, double speed, double pause)
{
	const struct options *o = s->o;
	const struct leg *l = &g->leg;
	/* A fixed number of draws whatever the options. */
	double u_turn = gsl_rng_uniform(r), u_side = gsl_rng_uniform(r);
	double u_stop = gsl_rng_uniform(r), u_where = gsl_rng_uniform(r);
	double stop = sim_uniform(r, 0.0, o->stop_max);
	double jit[ROUTE_MAX];
	double px[ROUTE_MAX], py[ROUTE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < ROUTE_MAX; i++)
		jit[i] = 1.0 + sim_uniform(r, -o->speed_jitter,
					    o->speed_jitter);
	if (u_turn < o->turn_prob && fabs(x - l->x1) >= CORNER_MIN_M &&
	    fabs(y - l->y1) >= CORNER_MIN_M) {
		px[n] = u_side < 0.5 ? x : l->x1;
		py[n] = u_side < 0.5 ? l->y1 : y;
		n++;
	}
	px[n] = x;
	py[n] = y;
	n++;
	g->n_ahead = 0;
	for (size_t i = 0; i < n; i++) {
		g->ahead[g->n_ahead++] = (struct waypoint){
			px[i], py[i], speed * jit[i], 0.0,
			i + 1 < n ? g->leg.floor_to : floor };
	}
	g->ahead[g->n_ahead - 1].pause = pause;
	/* A stop somewhere on the route, split into the stretch it falls
	 * on: people stop, equipment is pushed through (corners it takes). */
	if (g->role != ROLE_ASSET && u_stop < o->stop_prob && stop > 0.0) {
		double x0 = l->x1, y0 = l->y1, total = 0.0, at;
		size_t k;

		for (k = 0; k < n; k++) {
			total += hypot(px[k] - x0, py[k] - y0);
			x0 = px[k];
			y0 = py[k];
		}
		at = u_where * total;
		x0 = l->x1;
		y0 = l->y1;
		for (k = 0; k < n; k++) {
			double len = hypot(px[k] - x0, py[k] - y0);

			if (at <= len || k + 1 == n) {
				double f = len > 0.0 ? fmin(at / len, 1.0) : 0.0;

				for (size_t i = g->n_ahead; i > k; i--)
					g->ahead[i] = g->ahead[i - 1];
				g->n_ahead++;
				g->ahead[k] = (struct waypoint){
					x0 + f * (px[k] - x0),
					y0 + f * (py[k] - y0),
					g->ahead[k + 1].speed, stop,
					g->leg.floor_to };
				break;
			}
			at -= len;
			x0 = px[k];
			y0 = py[k];
		}
	}
	start_stretch(g);
}

double
walk_asset_rest(const struct options *o, double travel_s, double u)
{
	double f = o->asset_move;

	if (f <= 0.0)
		return INFINITY;
	/* Rests of 0.5 to 1.5 times the mean keep the share on average
	 * without every asset moving in step. */
	return travel_s * (1.0 - f) / f * (0.5 + u);
}

/* Every leg draws from its own seeded stream, so a tag's walk depends only
 * on the seed and the motion options: runs that differ in radio options or
 * advertising period see the same trajectories. */
static void
grid_next_leg(struct sim *s, struct tag *g, size_t idx)
{
	const struct options *o = s->o;
	struct leg *l = &g->leg;
	gsl_rng *r = s->walk;

	gsl_rng_set(r, sim_stream_seed(o->seed, sim_walk_stream(idx),
				       ++g->n_legs));
	double u_stairs = gsl_rng_uniform(r);
	double u_up = gsl_rng_uniform(r);
	double wx = sim_uniform(r, o->margin, o->width - o->margin);
	double wy = sim_uniform(r, o->margin, o->height - o->margin);
	double speed = sim_uniform(r, o->speed_min, o->speed_max);
	double pause = sim_uniform(r, 0.0, o->pause_max);
	bool stairs = o->floors > 1 && !g->after_stairs &&
		      u_stairs < o->stairs_prob;
	int top = (int)o->floors - 1;
	int f = l->floor_to, to = f;

	if (stairs) {
		bool up = f == 0 || (f < top && u_up < 0.5);

		wx = s->stairs_x;
		wy = s->stairs_y;
		to = up ? f + 1 : f - 1;
	}
	/* Right after the stairs, walk away first instead of taking them
	 * straight back. */
	g->after_stairs = stairs;
	walk_route(s, g, r, wx, wy, to, speed, pause);
}

void
walk_setup_grid(struct sim *s)
{
	const struct options *o = s->o;
	size_t want_static = s->n_static;

	for (size_t i = 0; i < s->n_tags; i++) {
		struct tag *g = &s->tags[i];
		struct leg *l = &g->leg;
		gsl_rng *w = s->walk;

		/* Selection sampling: exactly n_static tags, any of them. */
		bool is_static = (double)(s->n_tags - i) *
					 gsl_rng_uniform(s->setup) <
				 (double)want_static;
		if (is_static)
			want_static--;
		g->bias = sim_uniform(s->setup, -o->tag_bias, o->tag_bias);
		g->next_advert = o->t0 + o->period * gsl_rng_uniform(s->setup);
		snprintf(g->id, sizeof g->id, "T%05u",
			 (unsigned)(i + 1));
		g->role = ROLE_WALKER;
		g->home = SIZE_MAX;

		gsl_rng_set(w, sim_stream_seed(o->seed, sim_walk_stream(i), 0));
		l->x1 = sim_uniform(w, o->margin, o->width - o->margin);
		l->y1 = sim_uniform(w, o->margin, o->height - o->margin);
		l->floor_to = (int)gsl_rng_uniform_int(w,
			(unsigned long)o->floors);
		double pause = sim_uniform(w, 0.0, o->pause_max);
		double face = sim_uniform(w, 0.0, 6.283185307179586);

		l->x0 = l->x1;
		l->y0 = l->y1;
		l->floor_from = l->floor_to;
		l->t_start = l->t_arrive = o->t0;
		l->t_end = is_static ? INFINITY : o->t0 + pause;
		g->hx = cos(face);
		g->hy = sin(face);
		g->n_legs = 0;
		g->after_stairs = false;
	}
}

struct pos
walk_position(struct sim *s, size_t idx, double t)
{
	struct tag *g = &s->tags[idx];
	const struct leg *l = &g->leg;

	while (t >= l->t_end) {
		if (g->n_ahead > 0)
			start_stretch(g);
		else if (s->site)
			sitesim_next_leg(s, g, idx);
		else
			grid_next_leg(s, g, idx);
	}
	if (t < l->t_arrive) {
		double f = (t - l->t_start) / (l->t_arrive - l->t_start);

		return (struct pos){ l->x0 + f * (l->x1 - l->x0),
				     l->y0 + f * (l->y1 - l->y0),
				     l->floor_from };
	}
	return (struct pos){ l->x1, l->y1, l->floor_to };
}
