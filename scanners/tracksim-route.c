/* tracksim-route: see tracksim-route.h. */
#include "tracksim-route.h"

#include <math.h>
#include <string.h>

/* Points along a straight walk tested for the zones it crosses (m). */
#define ROUTE_STEP_M 0.5
/* A corridor is entered this far inside its edge, when it is that wide. */
#define ROUTE_INSET_M 0.5

bool
route_allowed(const struct sim *s, const struct tag *g, size_t z)
{
	const struct sim_zone *zn = &s->zones[z];

	if (zn->kind != TRACK_ZONE_RESTRICTED)
		return true;
	for (size_t k = 0; k < zn->n_allow; k++)
		if (g->category && strcmp(zn->allow[k], g->category) == 0)
			return true;
	return false;
}

size_t
route_zone_at(const struct sim *s, int f, double x, double y)
{
	for (size_t i = 0; i < s->n_zones; i++) {
		const struct sim_zone *z = &s->zones[i];

		if (z->floor == f && x >= z->x_min && x <= z->x_max &&
		    y >= z->y_min && y <= z->y_max &&
		    track_polygon_contains(z->poly, z->n_points, x, y))
			return i;
	}
	return SIZE_MAX;
}

static bool
is_corridor(const struct sim_zone *z)
{
	return z->kind == TRACK_ZONE_CORRIDOR && !z->stairs;
}

/* Whether the straight walk crosses a zone other than from and to that
 * is not a corridor. */
static bool
crosses_other(const struct sim *s, int f, double x0, double y0, double x1,
	      double y1, size_t from, size_t to)
{
	double len = hypot(x1 - x0, y1 - y0);
	int n = (int)ceil(len / ROUTE_STEP_M);

	for (int k = 1; k < n; k++) {
		double u = (double)k / n;
		size_t z = route_zone_at(s, f, x0 + u * (x1 - x0),
					 y0 + u * (y1 - y0));

		if (z != SIZE_MAX && z != from && z != to &&
		    !is_corridor(&s->zones[z]))
			return true;
	}
	return false;
}

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The point of corridor z nearest (x, y), roughly: (x, y) clamped into
 * its bounding box (inset where it is wide enough), walked towards the
 * box's centre until inside the polygon. */
static void
nearest_in(const struct sim_zone *z, double x, double y, double *px,
	   double *py)
{
	double ix = z->x_max - z->x_min > 2 * ROUTE_INSET_M ? ROUTE_INSET_M : 0;
	double iy = z->y_max - z->y_min > 2 * ROUTE_INSET_M ? ROUTE_INSET_M : 0;
	double cx = 0.5 * (z->x_min + z->x_max), cy = 0.5 * (z->y_min + z->y_max);
	double qx = clamp(x, z->x_min + ix, z->x_max - ix);
	double qy = clamp(y, z->y_min + iy, z->y_max - iy);

	for (int k = 0; k <= 10; k++) {
		double u = k / 10.0;
		double tx = qx + u * (cx - qx), ty = qy + u * (cy - qy);

		if (track_polygon_contains(z->poly, z->n_points, tx, ty)) {
			*px = tx;
			*py = ty;
			return;
		}
	}
	*px = z->poly[0][0];
	*py = z->poly[0][1];
}

size_t
route_via(const struct sim *s, int f, double x0, double y0, double x1,
	  double y1, double via[2][2])
{
	size_t from = route_zone_at(s, f, x0, y0);
	size_t to = route_zone_at(s, f, x1, y1);
	double best = INFINITY;
	size_t n = 0;

	if (from == to || !crosses_other(s, f, x0, y0, x1, y1, from, to))
		return 0;
	/* Each corridor in turn; one whose way in, along and out crosses no
	 * other room beats any that does. */
	for (size_t i = 0; i < s->n_zones; i++) {
		const struct sim_zone *c = &s->zones[i];
		double p[4][2], len = 0.0;
		size_t k = 0;
		bool clear = true;

		if (c->floor != f || !is_corridor(c))
			continue;
		p[k][0] = x0;
		p[k++][1] = y0;
		if (i != from) {
			nearest_in(c, x0, y0, &p[k][0], &p[k][1]);
			k++;
		}
		if (i != to) {
			nearest_in(c, x1, y1, &p[k][0], &p[k][1]);
			k++;
		}
		p[k][0] = x1;
		p[k++][1] = y1;
		for (size_t j = 0; j + 1 < k; j++) {
			len += hypot(p[j + 1][0] - p[j][0], p[j + 1][1] - p[j][1]);
			if (crosses_other(s, f, p[j][0], p[j][1], p[j + 1][0],
					  p[j + 1][1], from, to))
				clear = false;
		}
		if (!clear)
			len += 1e6;
		if (len < best) {
			best = len;
			n = k - 2;
			for (size_t j = 0; j < n; j++) {
				via[j][0] = p[j + 1][0];
				via[j][1] = p[j + 1][1];
			}
		}
	}
	return n;
}
