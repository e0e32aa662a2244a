/* tracksim's grid building (without --site): floors 0 .. --floors - 1,
 * a scanner at the centre of every --spacing-sized cell, --tags walkers
 * that go from random point to random point and now and then take the
 * stairs. */
#include "tracksim-grid.h"

#include <math.h>
#include <stdlib.h>

#include "tracksim-rng.h"
#include "tracksim-walk.h"

static void
layout_scanners(struct sim *s)
{
	const struct options *o = s->o;
	double cell_w = o->width / (double)s->grid_nx;
	double cell_h = o->height / (double)s->grid_ny;
	size_t k = 0;

	for (long long f = 0; f < o->floors; f++) {
		for (size_t j = 0; j < s->grid_ny; j++) {
			for (size_t i = 0; i < s->grid_nx; i++, k++) {
				struct scanner *sc = &s->scanners[k];
				double b = rng_uniform(s->setup,
						      -o->scanner_bias,
						      o->scanner_bias);

				sc->x = ((double)i + 0.5) * cell_w;
				sc->y = ((double)j + 0.5) * cell_h;
				sc->z = (double)f * o->floor_height +
					o->scanner_z;
				sc->floor = (int)f;
				sc->n = o->n;
				/* Rounded as scenario.json records it, so the
				 * file states exactly what was applied. */
				sc->bias = round(b * 1000.0) / 1000.0;
				snprintf(sc->id, sizeof sc->id, "S%03u",
					 (unsigned)(k + 1));
			}
		}
	}
}

/* Every leg draws from its own seeded stream, so a tag's walk depends only
 * on the seed and the motion options: runs that differ in radio options or
 * advertising period see the same trajectories. */
void
grid_next_leg(struct sim *s, struct tag *g, size_t idx)
{
	const struct options *o = s->o;
	struct leg *l = &g->leg;
	gsl_rng *r = s->walk;

	gsl_rng_set(r, rng_stream_seed(o->seed, rng_walk_stream(idx),
				       ++g->n_legs));
	double u_stairs = gsl_rng_uniform(r);
	double u_up = gsl_rng_uniform(r);
	double wx = rng_uniform(r, o->margin, o->width - o->margin);
	double wy = rng_uniform(r, o->margin, o->height - o->margin);
	double speed = rng_uniform(r, o->speed_min, o->speed_max);
	double pause = rng_uniform(r, 0.0, o->pause_max);
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
	walk_route(o, g, r, NULL, 0, wx, wy, to, speed, pause);
}

static void
grid_setup_tags(struct sim *s)
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
		g->bias = rng_uniform(s->setup, -o->tag_bias, o->tag_bias);
		g->next_advert = o->t0 + o->period * gsl_rng_uniform(s->setup);
		snprintf(g->id, sizeof g->id, "T%05u",
			 (unsigned)(i + 1));
		g->role = ROLE_WALKER;
		g->home = SIZE_MAX;

		gsl_rng_set(w, rng_stream_seed(o->seed, rng_walk_stream(i), 0));
		l->x1 = rng_uniform(w, o->margin, o->width - o->margin);
		l->y1 = rng_uniform(w, o->margin, o->height - o->margin);
		l->floor_to = (int)gsl_rng_uniform_int(w,
			(unsigned long)o->floors);
		double pause = rng_uniform(w, 0.0, o->pause_max);
		double face = rng_uniform(w, 0.0, 6.283185307179586);

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

int
grid_init(struct sim *s)
{
	const struct options *o = s->o;

	s->grid_nx = (size_t)fmax(1.0, round(o->width / o->spacing));
	s->grid_ny = (size_t)fmax(1.0, round(o->height / o->spacing));
	s->n_tags = (size_t)o->tags;
	s->n_static = (size_t)llround(o->static_frac * (double)o->tags);
	s->stairs_x = fmin(o->margin + 1.0, o->width / 2.0);
	s->stairs_y = fmin(o->margin + 1.0, o->height / 2.0);

	double n_sc = (double)s->grid_nx * (double)s->grid_ny *
		      (double)o->floors;
	if (n_sc > MAX_SCANNERS) {
		fprintf(stderr, "tracksim: %.0f scanners (%zu x %zu x %lld "
			"floors) is more than %d; raise --spacing\n", n_sc,
			s->grid_nx, s->grid_ny, o->floors, MAX_SCANNERS);
		return EXIT_USAGE;
	}
	s->n_scanners = (size_t)n_sc;
	s->n_floors = (size_t)o->floors;
	s->floors = calloc(s->n_floors, sizeof *s->floors);
	s->scanners = calloc(s->n_scanners, sizeof *s->scanners);
	s->tags = calloc(s->n_tags, sizeof *s->tags);
	if (!s->floors || !s->scanners || !s->tags) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	for (size_t f = 0; f < s->n_floors; f++) {
		struct sim_floor *fl = &s->floors[f];

		fl->z = (double)f * o->floor_height;
		fl->width = o->width;
		fl->height = o->height;
		fl->rank = (int)f;
		snprintf(fl->id, sizeof fl->id, "%zu", f);
	}
	layout_scanners(s);
	grid_setup_tags(s);
	return 0;
}
