/* tracksim-fade: shadowing, body loss, radio kinds and outages, as pure
 * functions (tracksim-fade.h). */
#include "tracksim-fade.h"

#include <math.h>
#include <string.h>

double
fade_shadow_next(double prev, double moved, double dist, double sigma,
		 double z)
{
	/* AR(1) in distance: correlation exp(-moved / dist) with the last
	 * value, variance sigma^2 kept at every step. */
	double rho = isinf(moved) ? 0.0 : exp(-fmax(moved, 0.0) / dist);

	return rho * prev + sqrt(1.0 - rho * rho) * sigma * z;
}

double
fade_body_loss(double hx, double hy, double dx, double dy, double dz,
	       double loss)
{
	double h = hypot(dx, dy), d = hypot(h, dz);

	if (loss <= 0.0 || h < 1e-6)
		return 0.0;
	double c = (hx * dx + hy * dy) / h;  /* cos of the angle off ahead */

	return loss * 0.5 * (1.0 - c) * (h / d);
}

double
fade_kind_offset(long long kind, long long kinds, double spread)
{
	if (kinds < 2)
		return 0.0;
	return spread * ((double)kind / (double)(kinds - 1) - 0.5);
}

double
fade_exp(double mean, double u)
{
	return -mean * log(u);
}

int
fade_outage_at(const struct fade_outages *q, double t)
{
	for (size_t i = 0; i < q->n; i++) {
		if (t >= q->from[i] && t < q->to[i])
			return 1;
	}
	return 0;
}

void
fade_outages_forget(struct fade_outages *q, double a)
{
	size_t k = 0;

	while (k < q->n && q->to[k] <= a)
		k++;
	memmove(q->from, q->from + k, (q->n - k) * sizeof q->from[0]);
	memmove(q->to, q->to + k, (q->n - k) * sizeof q->to[0]);
	q->n -= k;
}

void
fade_outages_keep(struct fade_outages *q)
{
	if (q->n == FADE_OUTAGE_SLOTS) {
		q->to[q->n - 1] = q->next_to;
		return;
	}
	q->from[q->n] = q->next_from;
	q->to[q->n] = q->next_to;
	q->n++;
}
