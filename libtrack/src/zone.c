/* Polygon geometry for zones: pure functions on [x, y] arrays. */
#include "track/track.h"

#include <math.h>

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
