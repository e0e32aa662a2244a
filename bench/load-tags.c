/* load-tags: the tags walking slowly to random waypoints, and which
 * scanners hear each one at what mean RSSI (rebuilt once a second). */
#include "load.h"

#include <math.h>
#include <string.h>

void
tag_new_waypoint(struct load *L, struct tag *t)
{
	const track_floor *f = &L->site->floors[t->floor];

	t->wx = rng_uniform(&L->rng, 0.0, f->width);
	t->wy = rng_uniform(&L->rng, 0.0, f->height);
	t->speed = rng_uniform(&L->rng, SPEED_MIN, SPEED_MAX);
}

static void
tag_walk(struct load *L, struct tag *t, double dt)
{
	double dx = t->wx - t->x, dy = t->wy - t->y;
	double d = hypot(dx, dy), step = t->speed * dt;

	if (t->speed == 0.0)
		return;  /* a probe: parked */
	if (d <= step) {
		t->x = t->wx;
		t->y = t->wy;
		tag_new_waypoint(L, t);
	} else {
		t->x += dx * step / d;
		t->y += dy * step / d;
	}
}

/* Finds the HEARD_BY scanners nearest each tag and their mean RSSI, and
 * files them by scanner. */
void
hear(struct load *L)
{
	size_t S = L->n_scanners;

	memset(L->first, 0, (S + 1) * sizeof *L->first);
	for (size_t i = 0; i < L->n_all; i++) {
		const struct tag *t = &L->tags[i];
		const track_floor *f = &L->site->floors[t->floor];
		double d2[HEARD_BY];
		size_t m = 0;

		for (size_t j = 0; j < L->n_floor_scanners[t->floor]; j++) {
			size_t k = L->floor_scanners[t->floor][j];
			const track_scanner *sc = &L->site->scanners[k];
			double dx = sc->x - t->x, dy = sc->y - t->y;
			double dz = sc->z - (f->z + TAG_HEIGHT_M);
			double e = dx * dx + dy * dy + dz * dz;
			size_t at = m < HEARD_BY ? m++ : HEARD_BY;

			/* Insertion into the sorted few nearest. */
			while (at > 0 && d2[at - 1] > e) {
				if (at < HEARD_BY) {
					d2[at] = d2[at - 1];
					L->near[i][at] = L->near[i][at - 1];
				}
				at--;
			}
			if (at < HEARD_BY) {
				d2[at] = e;
				L->near[i][at] = (uint16_t)k;
			}
		}
		L->n_near[i] = (uint8_t)m;
		for (size_t a = 0; a < m; a++) {
			const track_scanner *sc =
				&L->site->scanners[L->near[i][a]];
			double n = sc->path_loss > 0 ? sc->path_loss
			                             : PATH_LOSS;
			double d = fmax(sqrt(d2[a]), 0.1);

			/* rssi_offset_db: how much this scanner reads above
			 * the model (trackd subtracts it again). */
			L->near_dbm[i][a] = (float)(P1M_DBM -
			                            10.0 * n * log10(d) +
			                            sc->rssi_offset_db);
			L->first[L->near[i][a] + 1]++;
		}
	}
	for (size_t k = 0; k < S; k++)
		L->first[k + 1] += L->first[k];
	for (size_t i = 0; i < L->n_all; i++) {
		for (size_t a = 0; a < L->n_near[i]; a++) {
			size_t k = L->near[i][a];

			L->links[L->first[k]++] = (struct link){
				.tag = (uint32_t)i,
				.mean_dbm = L->near_dbm[i][a],
			};
		}
	}
	/* first[k] is now where scanner k's links end: shift back. */
	memmove(L->first + 1, L->first, S * sizeof *L->first);
	L->first[0] = 0;
}

void
move_cb(lws_sorted_usec_list_t *sul)
{
	struct load *L = lws_container_of(sul, struct load, move_sul);

	for (size_t i = 0; i < L->n_all; i++)
		tag_walk(L, &L->tags[i], (double)MOVE_US / LWS_US_PER_SEC);
	hear(L);
	lws_sul_schedule(L->ctx, 0, &L->move_sul, move_cb, MOVE_US);
}
