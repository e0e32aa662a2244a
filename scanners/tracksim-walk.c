/*
 * tracksim: where a tag is.  A tag walks a route to its next waypoint and
 * stands there (struct leg, one stretch at a time); a route may round a
 * corner (walking along x, then y, as corridors go), stop on the way (a
 * word with someone) and change speed at each stretch, so that a track
 * holds the pauses and turns of real walks and not only straight lines at
 * one speed.  Which point comes next is up to the building: the grid's
 * walks (tracksim-grid.c) and the site's (tracksim-sitewalk.c).
 */
#include "tracksim-walk.h"

#include <math.h>

#include "tracksim-rng.h"

/* A corner is taken only when the walk goes at least this far both along
 * x and along y: a near-straight walk stays straight. */
#define CORNER_MIN_M 1.0

void
walk_next_stretch(struct tag *g)
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
walk_route(const struct options *o, struct tag *g, gsl_rng *r,
	   const double (*via)[2], size_t n_via, double x, double y,
	   int floor, double speed, double pause)
{
	const struct leg *l = &g->leg;
	/* A fixed number of draws whatever the options. */
	double u_turn = gsl_rng_uniform(r), u_side = gsl_rng_uniform(r);
	double u_stop = gsl_rng_uniform(r), u_where = gsl_rng_uniform(r);
	double stop = rng_uniform(r, 0.0, o->stop_max);
	double jit[ROUTE_MAX];
	double px[ROUTE_MAX], py[ROUTE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < ROUTE_MAX; i++)
		jit[i] = 1.0 + rng_uniform(r, -o->speed_jitter,
					    o->speed_jitter);
	for (size_t i = 0; i < n_via && i < 2; i++) {
		px[n] = via[i][0];
		py[n] = via[i][1];
		n++;
	}
	if (n == 0 && u_turn < o->turn_prob &&
	    fabs(x - l->x1) >= CORNER_MIN_M &&
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
	walk_next_stretch(g);
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

struct pos
walk_where(const struct leg *l, double t)
{
	if (t < l->t_arrive) {
		double f = (t - l->t_start) / (l->t_arrive - l->t_start);

		return (struct pos){ l->x0 + f * (l->x1 - l->x0),
				     l->y0 + f * (l->y1 - l->y0),
				     l->floor_from };
	}
	return (struct pos){ l->x1, l->y1, l->floor_to };
}
