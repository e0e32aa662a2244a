/*
 * tracksim on a site file (--site): the floors, scanners, zones and tags
 * come from the file (libtrack parses it).  Each zone keeps its bounding
 * box, its kind and whether it is a stairwell (named like "stair"); each
 * floor the lists of zones that walks pick from (tracksim-sitewalk.c).  A
 * patient's home zone is the one its name names ("Ward A, bed 3").
 */
#include "tracksim-site.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sitefile.h"
#include "tracksim-rng.h"

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

enum pick { PICK_WALK, PICK_ROOMS, PICK_STAIRS, PICK_RESTRICTED };

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
	case PICK_RESTRICTED:
		return !z->stairs && z->kind == TRACK_ZONE_RESTRICTED;
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
	 * stairs, or restricted) and two of all floors. */
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
		z->allow = tz->allow;
		z->n_allow = tz->n_allow;
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
		fl->restricted = zone_list(s, &pool, (int)f, PICK_RESTRICTED);
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
		double b = ts->rssi_offset_db + rng_uniform(s->setup,
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
		g->category = tags[i].category;
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
void
sitesim_free(struct sim *s)
{
	track_site_free(s->site);
	free(s->site_text);
	free(s->zone_pool);
	free(s->zones);
}

