/*
 * tracksim on a site file (--site): the floors, scanners, zones and tags
 * come from the file, and tags move between points drawn inside its zones.
 *
 * People walk (straight or round a corner, maybe stopping on the way;
 * walls are ignored, tracksim-walk.c) to a point in a random room or
 * corridor of their floor, pause, and go on; now and then
 * (--stairs-prob) they walk to a zone named like "stair" and come out on
 * the next floor up or down at the same x, y.  Patients keep mostly to the
 * zone their name names ("Ward A, bed 3").  Assets stand in rooms: some for
 * the whole run (--static-frac), the others are pushed to another room on
 * their floor after rests that keep them moving --asset-move of the time.
 */
#include "tracksim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sitefile.h"

/* A patient's next waypoint lies in the home zone this often. */
#define PATIENT_HOME_P 0.9

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

/* Where needle (len bytes) occurs in hay, ignoring case, as a whole word:
 * no letter or digit right before or after it.  NULL: nowhere. */
static const char *
find_word(const char *hay, const char *needle, size_t len)
{
	if (len == 0)
		return NULL;
	for (const char *p = hay; *p; p++) {
		if (strncasecmp(p, needle, len) != 0)
			continue;
		if ((p == hay || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[len]))
			return p;
	}
	return NULL;
}

static bool
contains_stair(const char *s)
{
	for (; *s; s++) {
		if (strncasecmp(s, "stair", 5) == 0)
			return true;
	}
	return false;
}

static int
floor_index(const struct sim *s, const char *id)
{
	for (size_t f = 0; f < s->n_floors; f++) {
		if (strcmp(s->floors[f].id, id) == 0)
			return (int)f;
	}
	return 0; /* the parser guarantees a match */
}

/* The points of word runs (letters and digits, 4 or more) of a zone's name
 * that the tag's name holds: "Emergency & triage" scores 9 for a patient
 * "(Emergency)". */
static size_t
word_score(const char *zone_name, const char *tag_name)
{
	size_t score = 0;

	for (const char *p = zone_name; *p;) {
		size_t n = 0;

		while (p[n] && isalnum((unsigned char)p[n]))
			n++;
		if (n >= 4 && find_word(tag_name, p, n))
			score += n;
		p += n ? n : 1;
	}
	return score;
}

/* The zone a patient's name names: the longest zone name in it ("Ward A"),
 * else the longest zone id ("ICU" for icu), else the zone sharing the most
 * of its name's words ("Emergency" for "Emergency & triage").  SIZE_MAX:
 * none.  Exits and stairs are nobody's home. */
static size_t
home_zone(const struct sim *s, const char *tag_name)
{
	const track_site_zone *zones;
	size_t best[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	size_t score[3] = { 0, 0, 0 };

	track_site_zones(s->site, &zones);
	for (size_t i = 0; i < s->n_zones; i++) {
		size_t sc[3];

		if (s->zones[i].kind == TRACK_ZONE_EXIT || s->zones[i].stairs)
			continue;
		sc[0] = find_word(tag_name, zones[i].name,
				  strlen(zones[i].name)) ?
				strlen(zones[i].name) : 0;
		sc[1] = find_word(tag_name, zones[i].id, strlen(zones[i].id)) ?
				strlen(zones[i].id) : 0;
		sc[2] = word_score(zones[i].name, tag_name);
		for (int k = 0; k < 3; k++) {
			if (sc[k] > score[k]) {
				score[k] = sc[k];
				best[k] = i;
			}
		}
	}
	for (int k = 0; k < 3; k++) {
		if (best[k] != SIZE_MAX)
			return best[k];
	}
	return SIZE_MAX;
}

enum pick { PICK_WALK, PICK_ROOMS, PICK_STAIRS };

static bool
zone_is(const struct sim_zone *z, enum pick what)
{
	switch (what) {
	case PICK_WALK:
		return !z->stairs && (z->kind == TRACK_ZONE_ROOM ||
				      z->kind == TRACK_ZONE_CORRIDOR);
	case PICK_ROOMS:
		return !z->stairs && z->kind == TRACK_ZONE_ROOM;
	case PICK_STAIRS:
		return z->stairs && z->kind != TRACK_ZONE_EXIT;
	}
	return false;
}

/* The zones of floor (-1: any) that are what, taken from *pool. */
static struct zone_list
zone_list(const struct sim *s, size_t **pool, int floor, enum pick what)
{
	size_t *start = *pool, n = 0;

	for (size_t i = 0; i < s->n_zones; i++) {
		const struct sim_zone *z = &s->zones[i];

		if ((floor < 0 || z->floor == floor) && zone_is(z, what))
			start[n++] = i;
	}
	*pool += n;
	return (struct zone_list){ start, n };
}

static int
load_zones(struct sim *s)
{
	const track_site_zone *zones;
	size_t *pool;

	s->n_zones = track_site_zones(s->site, &zones);
	s->zones = calloc(s->n_zones ? s->n_zones : 1, sizeof *s->zones);
	/* Each zone sits in at most two lists of its floor (walk and rooms,
	 * or stairs) and two of all floors. */
	s->zone_pool = calloc(4 * s->n_zones + 1, sizeof *s->zone_pool);
	if (!s->zones || !s->zone_pool)
		return -1;
	for (size_t i = 0; i < s->n_zones; i++) {
		const track_site_zone *tz = &zones[i];
		struct sim_zone *z = &s->zones[i];

		z->poly = tz->polygon;
		z->n_points = tz->n_points;
		z->floor = floor_index(s, tz->floor);
		z->kind = tz->kind;
		z->stairs = contains_stair(tz->id) || contains_stair(tz->name);
		z->x_min = z->x_max = tz->polygon[0][0];
		z->y_min = z->y_max = tz->polygon[0][1];
		for (size_t k = 1; k < tz->n_points; k++) {
			z->x_min = fmin(z->x_min, tz->polygon[k][0]);
			z->x_max = fmax(z->x_max, tz->polygon[k][0]);
			z->y_min = fmin(z->y_min, tz->polygon[k][1]);
			z->y_max = fmax(z->y_max, tz->polygon[k][1]);
		}
	}
	pool = s->zone_pool;
	for (size_t f = 0; f < s->n_floors; f++) {
		struct sim_floor *fl = &s->floors[f];

		fl->walk = zone_list(s, &pool, (int)f, PICK_WALK);
		fl->rooms = zone_list(s, &pool, (int)f, PICK_ROOMS);
		fl->stairs = zone_list(s, &pool, (int)f, PICK_STAIRS);
	}
	s->all_walk = zone_list(s, &pool, -1, PICK_WALK);
	s->all_rooms = zone_list(s, &pool, -1, PICK_ROOMS);
	return 0;
}

static int
load_floors(struct sim *s, const track_site *site)
{
	s->n_floors = site->n_floors;
	s->floors = calloc(s->n_floors, sizeof *s->floors);
	if (!s->floors)
		return -1;
	for (size_t f = 0; f < s->n_floors; f++) {
		struct sim_floor *fl = &s->floors[f];
		int level = track_site_floor_level(s->site, f);

		fl->z = site->floors[f].z;
		fl->width = site->floors[f].width;
		fl->height = site->floors[f].height;
		snprintf(fl->id, sizeof fl->id, "%s", site->floors[f].id);
		/* Equal levels keep file order. */
		for (size_t k = 0; k < s->n_floors; k++) {
			int lk = track_site_floor_level(s->site, k);

			if (lk < level || (lk == level && k < f))
				fl->rank++;
		}
	}
	return 0;
}

/* A scanner's bias is the offset the site states it reads at (from
 * track-calibrate) plus the random --scanner-bias. */
static int
load_scanners(struct sim *s, const track_site *site)
{
	const struct options *o = s->o;

	s->n_scanners = site->n_scanners;
	s->scanners = calloc(s->n_scanners ? s->n_scanners : 1,
			     sizeof *s->scanners);
	if (!s->scanners)
		return -1;
	for (size_t k = 0; k < s->n_scanners; k++) {
		const track_scanner *ts = &site->scanners[k];
		struct scanner *sc = &s->scanners[k];
		double b = ts->rssi_offset_db + sim_uniform(s->setup,
			-o->scanner_bias, o->scanner_bias);

		sc->x = ts->x;
		sc->y = ts->y;
		sc->z = ts->z;
		sc->n = ts->path_loss > 0.0 ? ts->path_loss : o->n;
		sc->floor = floor_index(s, ts->floor);
		/* Rounded as scenario.json records it. */
		sc->bias = round(b * 1000.0) / 1000.0;
		snprintf(sc->id, sizeof sc->id, "%s", ts->id);
	}
	return 0;
}

/* The site's tags, or --tags walkers when it lists none. */
static int
load_tags(struct sim *s)
{
	const track_site_tag *tags;
	size_t n = track_site_tags(s->site, &tags);

	s->n_tags = n ? n : (size_t)s->o->tags;
	s->tags = calloc(s->n_tags, sizeof *s->tags);
	if (!s->tags)
		return -1;
	for (size_t i = 0; i < s->n_tags; i++) {
		struct tag *g = &s->tags[i];

		g->role = ROLE_WALKER;
		g->home = SIZE_MAX;
		if (n == 0) {
			snprintf(g->id, sizeof g->id, "T%05u",
				 (unsigned)(i + 1));
			continue;
		}
		snprintf(g->id, sizeof g->id, "%s", tags[i].id);
		if (tags[i].kind == TRACK_TAG_ASSET) {
			g->role = ROLE_ASSET;
			s->n_assets++;
		} else if (strcasecmp(tags[i].category, "patient") == 0) {
			g->role = ROLE_PATIENT;
			g->home = home_zone(s, tags[i].name);
			s->n_patients++;
		}
	}
	s->n_static = (size_t)llround(s->o->static_frac *
				      (double)s->n_assets);
	return 0;
}

int
sitesim_load(struct sim *s)
{
	const struct options *o = s->o;
	const track_site *site;

	if (sitefile_read("tracksim", o->site, &s->site_text,
			  &s->site_len) < 0 ||
	    sitefile_parse("tracksim", o->site, s->site_text, s->site_len,
			   &s->site) < 0)
		return EXIT_FAILURE;
	site = track_site_engine(s->site);
	if (site->n_scanners > MAX_SCANNERS) {
		fprintf(stderr, "tracksim: %s: %zu scanners is more than %d\n",
			o->site, site->n_scanners, MAX_SCANNERS);
		return EXIT_FAILURE;
	}
	if (load_floors(s, site) < 0 || load_zones(s) < 0 ||
	    load_scanners(s, site) < 0 || load_tags(s) < 0) {
		fprintf(stderr, "tracksim: out of memory\n");
		return EXIT_FAILURE;
	}
	return 0;
}

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

		*x = sim_uniform(r, mx, fl->width - mx);
		*y = sim_uniform(r, my, fl->height - my);
		return;
	}
	const struct sim_zone *zn = &s->zones[z];
	for (int i = 0; i < 2 * SAMPLE_TRIES; i++) {
		double px = sim_uniform(r, zn->x_min, zn->x_max);
		double py = sim_uniform(r, zn->y_min, zn->y_max);

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
		return sim_uniform(r, 0.0, ROOM_PAUSE * o->pause_max);
	return sim_uniform(r, 0.0, o->pause_max);
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
	double u = gsl_rng_uniform(r);
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
sitesim_next_leg(struct sim *s, struct tag *g, size_t idx)
{
	const struct options *o = s->o;
	struct leg *l = &g->leg;
	gsl_rng *r = s->walk;
	double x, y;
	int to, f = l->floor_to;

	gsl_rng_set(r, sim_stream_seed(o->seed, sim_walk_stream(idx),
				       ++g->n_legs));
	size_t z = next_zone(s, g, f, r, &to);
	sample_point(s, z, f, r, &x, &y);
	double speed = sim_uniform(r, o->speed_min, o->speed_max);
	double pause = pause_in(s, g, z, r);

	/* An asset rests in proportion to its move: it moves --asset-move
	 * of the time. */
	if (g->role == ROLE_ASSET)
		pause = walk_asset_rest(o, hypot(x - l->x1, y - l->y1) / speed,
					pause);
	g->after_stairs = to != f;
	walk_route(s, g, r, x, y, to, speed, pause);
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
sitesim_setup_tags(struct sim *s)
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
		g->bias = sim_uniform(s->setup, -o->tag_bias, o->tag_bias);
		g->next_advert = o->t0 + o->period * gsl_rng_uniform(s->setup);

		gsl_rng_set(w, sim_stream_seed(o->seed, sim_walk_stream(i), 0));
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
					sim_uniform(w, -0.5, 1.5)) :
			pause_in(s, g, z, w);
		double face = sim_uniform(w, 0.0, 6.283185307179586);

		l->t_end = is_static ? INFINITY : o->t0 + pause;
		g->hx = cos(face);
		g->hy = sin(face);
		g->n_legs = 0;
		g->after_stairs = false;
	}
}

/* The directory part of path, with its slash ("" for none). */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

/* Copies floor image img from the site's directory to DIR.  Returns 1
 * when there is no such file, 0 when copied, -1 with errno set. */
static int
copy_image(const char *site, const char *csv, const char *img, char *src,
	   size_t ns, char *dst, size_t nd)
{
	struct stat st;
	size_t nsub = dir_len(img);

	snprintf(src, ns, "%.*s%s", (int)dir_len(site), site, img);
	snprintf(dst, nd, "%s/%s", csv, img);
	if (stat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return 1;
	/* An image in a subdirectory of the site's goes into the same
	 * subdirectory of DIR. */
	if (nsub > 0) {
		char *sub = strndup(dst, strlen(csv) + nsub);
		int rc = sub ? out_make_dirs(sub) : -1;

		free(sub);
		if (rc < 0)
			return -1;
	}
	return out_copy_file(src, dst);
}

void
sitesim_copy_images(const struct sim *s)
{
	const char *site = s->o->site, *csv = s->o->csv;

	if (strcmp(site, "-") == 0)
		return;
	for (size_t f = 0; f < s->n_floors; f++) {
		const char *img = track_site_floor_image(s->site, f);
		bool seen = false;

		for (size_t k = 0; img && k < f; k++) {
			const char *prev = track_site_floor_image(s->site, k);

			seen = seen || (prev && strcmp(prev, img) == 0);
		}
		if (!img || seen)
			continue;

		size_t ns = dir_len(site) + strlen(img) + 1;
		size_t nd = strlen(csv) + strlen(img) + 2;
		char *src = malloc(ns), *dst = malloc(nd);

		if (!src || !dst)
			fprintf(stderr, "tracksim: warning: out of memory "
				"copying floor image '%s'\n", img);
		else if (copy_image(site, csv, img, src, ns, dst, nd) < 0)
			fprintf(stderr, "tracksim: warning: cannot copy floor "
				"image '%s' to '%s': %s\n", src, dst,
				strerror(errno));
		free(src);
		free(dst);
	}
}

void
sitesim_free(struct sim *s)
{
	track_site_free(s->site);
	free(s->site_text);
	free(s->zone_pool);
	free(s->zones);
}
