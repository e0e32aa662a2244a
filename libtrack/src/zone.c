/* Polygon geometry for zones: pure functions on [x, y] arrays. */
#include "track/track.h"

#include <math.h>

#include "track-private.h"

bool
track_polygon_contains(const double (*poly)[2], size_t n, double x, double y)
{
	bool inside = false;

	/* Even-odd rule: count crossings of a ray towards +x. */
	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		double xi = poly[i][0], yi = poly[i][1];
		double xj = poly[j][0], yj = poly[j][1];

		if ((yi > y) != (yj > y) &&
		    x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			inside = !inside;
	}
	return n >= 3 && inside;
}

static double
segment_distance(double x, double y, double ax, double ay, double bx,
                 double by)
{
	double dx = bx - ax, dy = by - ay;
	double len2 = dx * dx + dy * dy;
	double u = len2 > 0.0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0;

	u = u < 0.0 ? 0.0 : u > 1.0 ? 1.0 : u;
	return hypot(x - (ax + u * dx), y - (ay + u * dy));
}

double
track_polygon_distance(const double (*poly)[2], size_t n, double x, double y)
{
	double best = INFINITY;

	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		double d = segment_distance(x, y, poly[j][0], poly[j][1],
		                            poly[i][0], poly[i][1]);

		if (d < best)
			best = d;
	}
	return best;
}

/* Which side of the line a->b point c lies on: 1 left, -1 right, 0 on. */
static int
orientation(const double a[2], const double b[2], const double c[2])
{
	double v = (b[0] - a[0]) * (c[1] - a[1]) -
	           (b[1] - a[1]) * (c[0] - a[0]);

	return (v > 0.0) - (v < 0.0);
}

/* Whether c, known to be on the line through a and b, is on the segment. */
static bool
within(const double a[2], const double b[2], const double c[2])
{
	return fmin(a[0], b[0]) <= c[0] && c[0] <= fmax(a[0], b[0]) &&
	       fmin(a[1], b[1]) <= c[1] && c[1] <= fmax(a[1], b[1]);
}

/* How segments ab and cd meet: 0 not at all, 1 they cross (each passes
 * strictly through the other), 2 they touch or overlap. */
int
track__segments_meet(const double a[2], const double b[2], const double c[2],
              const double d[2])
{
	int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
	int o3 = orientation(c, d, a), o4 = orientation(c, d, b);

	if (o1 * o2 < 0 && o3 * o4 < 0)
		return 1;
	if ((o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) ||
	    (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b)))
		return 2;
	return 0;
}

double
track__polygon_area(const double (*pt)[2], size_t n)
{
	double area = 0.0;

	/* The shoelace formula: twice the signed area, summed edge by edge. */
	for (size_t k = 0; k < n; k++) {
		const double *a = pt[k], *b = pt[(k + 1) % n];

		area += a[0] * b[1] - b[0] * a[1];
	}
	return fabs(area) / 2.0;
}
