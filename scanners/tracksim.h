/*
 * tracksim: what the simulator's files share (internal to tracksim).
 *
 *   tracksim.c       main, the time slices, radio, grid building and walks
 *   tracksim-opts.c  the option table, parsing and --help
 *   tracksim-out.c   the output files and scenario.json
 *   tracksim-site.c  a building from a site file, and walks through its
 *                    zones
 *   tracksim-live.c  --server: the slices in real time, sent to trackd
 *   tracksim-walk.c  where a tag is: routes with corners, stops and speed
 *                    changes, and the grid's walks
 *   tracksim-radio.c the adverts' RSSI: shadowing, body loss, radio kinds,
 *                    report rates and outages (pure parts in
 *                    tracksim-fade.c)
 */
#ifndef TRACKSIM_H
#define TRACKSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "track/site.h"

#include "tracksim-fade.h"

#define EXIT_USAGE 2

/* Scanner indices are stored in 16 bits to keep a report at 16 bytes. */
#define MAX_SCANNERS 65535

/* Times are written in milliseconds. */
#define MAX_TIME_S 1e12

struct options {
	const char *csv;
	const char *server;
	const char *token;
	const char *site;
	long long seed;
	long long tags;
	double duration;
	long long floors;
	double width;
	double height;
	double spacing;
	double sigma;
	double n;
	double tx;
	double scanner_bias;
	double tag_bias;
	double drop;
	double threshold;
	double static_frac;
	double speed_min;
	double speed_max;
	double pause_max;
	double period;
	double truth_dt;
	double latency;
	double scanner_z;
	double tag_z;
	double floor_height;
	double floor_atten;
	double margin;
	double t0;
	double stairs_prob;
	double button_every;
	double shadow_sigma;
	double shadow_dist;
	double body_loss;
	long long radio_kinds;
	double kind_spread;
	double rate_spread;
	double outage_every;
	double outage_len;
	double turn_prob;
	double stop_prob;
	double stop_max;
	double speed_jitter;
	double asset_move;
	bool quiet;
	uint64_t given;  /* bit i: opt_specs[i] was on the command line */
};

enum opt_kind { OPT_PATH, OPT_INT, OPT_REAL, OPT_FLAG };
enum opt_range { R_ANY, R_POS, R_NONNEG, R_UNIT };

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	enum opt_range range;
	long long max; /* OPT_INT only */
	size_t off;
	const char *arg;
	const char *help;
	bool grid_only; /* ignored with --site */
};

/* One table drives parsing, --help and scenario.json, so the JSON always
 * lists every parameter that was used. */
extern const struct opt_spec opt_specs[];
extern const size_t n_opt_specs;

/* Parses argv into *o. Returns 0 to run, -1 after printing --help, or the
 * exit status after printing why not. */
int opts_parse(int argc, char **argv, struct options *o);

/* Whether option name was given on the command line. */
bool opts_given(const struct options *o, const char *name);

struct scanner {
	double x, y, z;  /* z absolute */
	double n;        /* path-loss exponent */
	double bias;     /* dB added to every RSSI it hears */
	double hear;     /* share of the adverts it would hear (rate spread) */
	int floor;       /* index into sim.floors */
	int kind;        /* radio kind, 0 .. --radio-kinds - 1 */
	char id[TRACK_ID_MAX];
};

/* A walking tag is always on one leg: from (x0, y0) on floor_from it walks
 * to (x1, y1), arriving on floor_to at t_arrive, and stands there until
 * t_end.  A standing tag has one leg that never ends. */
struct leg {
	double x0, y0, x1, y1;
	double t_start, t_arrive, t_end;
	int floor_from, floor_to;
};

/* How a tag moves on a site: a person roams the rooms and corridors, a
 * patient keeps to a home zone, an asset is pushed from room to room now
 * and then (or never, when static).  The grid has walkers only. */
enum role { ROLE_WALKER, ROLE_PATIENT, ROLE_ASSET };

/* A point still ahead on a tag's route: a corner, a stop or the goal,
 * reached at speed and left after pause. */
struct waypoint {
	double x, y, speed, pause;
	int floor;
};

/* A route has at most a corner, a stop and its goal. */
#define ROUTE_MAX 3

struct tag {
	struct leg leg;
	struct waypoint ahead[ROUTE_MAX];
	size_t n_ahead;
	double hx, hy;   /* heading (unit): the way it last walked */
	double ax, ay;   /* where it last advertised (shadowing's odometer) */
	int afloor;      /* -1 before the first advert */
	double bias;
	double next_advert;
	uint64_t n_legs;
	size_t home;     /* a patient's zone index; SIZE_MAX: none */
	enum role role;
	bool after_stairs;
	char id[TRACK_ID_MAX];
};

struct pos {
	double x, y;
	int floor;
};

struct report {
	int64_t t_ms;
	uint32_t tag;
	uint16_t scanner;
	int16_t rssi;
};

/* A button press by tag at t_ms. */
struct press {
	int64_t t_ms;
	uint32_t tag;
};

struct out_file {
	char *path;
	char *tmp;
	FILE *fp;
};

/* buttons.csv is written only with --button-every. */
enum {
	OUT_SCANNERS, OUT_REPORTS, OUT_TRUTH, OUT_SITE, OUT_JSON, OUT_BUTTONS,
	N_OUT
};

/* Zone indices that a walk may pick from. */
struct zone_list {
	const size_t *idx;
	size_t n;
};

struct sim_zone {
	const double (*poly)[2];
	size_t n_points;
	double x_min, y_min, x_max, y_max;
	int floor;
	track_zone_kind kind;
	bool stairs;     /* id or name contains "stair" */
};

/* rank orders the floors by level: the floor attenuation counts ranks
 * crossed, and the stairs lead to the next rank up or down. */
struct sim_floor {
	double z, width, height;
	int rank;
	struct zone_list walk;   /* rooms and corridors, not stairs */
	struct zone_list rooms;
	struct zone_list stairs;
	char id[TRACK_ID_MAX];
};

struct sim {
	const struct options *o;
	/* With --site: the parsed file, its bytes (copied to DIR) and its
	 * zones.  NULL on the grid. */
	track_site_doc *site;
	char *site_text;
	size_t site_len;
	struct sim_zone *zones;
	size_t n_zones;
	size_t *zone_pool;       /* backs every zone_list */
	struct zone_list all_walk, all_rooms;
	struct sim_floor *floors;
	size_t n_floors;
	size_t grid_nx, grid_ny;
	struct scanner *scanners;
	size_t n_scanners;
	struct tag *tags;
	size_t n_tags;
	size_t n_static;
	size_t n_patients, n_assets;
	size_t *persons;         /* tags that can press a button */
	size_t n_persons;
	double stairs_x, stairs_y;
	double jitter;
	double end;
	gsl_rng *setup;
	gsl_rng *radio;
	gsl_rng *walk;
	gsl_rng *button;
	gsl_rng *fade;           /* shadowing: drawn for every link of an advert */
	float *shadow;           /* n_tags x n_scanners; NULL without shadowing */
	struct fade_outages *outages;  /* per scanner; NULL without outages */
	long long next_button;   /* the next press is number next_button */
	struct report *reports;
	size_t n_pending, cap_reports;
	struct press *presses;   /* pressed, not yet handled by the mode */
	size_t n_presses, cap_presses;
	/* Truth instants k (at t0 + k truth_dt) up to truth_last; the last
	 * slice held truth_k0 .. truth_next - 1, in truth[]. */
	long long truth_k0, truth_next, truth_last;
	struct pos *truth;
	size_t cap_truth;
	unsigned long long n_reports;
	unsigned long long n_truth;
	unsigned long long n_buttons;
	struct out_file out[N_OUT];
};

/* Independent generator seeds for (stream, index) pairs. */
unsigned long sim_stream_seed(long long seed, uint64_t stream,
			      uint64_t index);

enum { STREAM_SETUP = 1, STREAM_RADIO = 2, STREAM_WALK = 3,
       STREAM_BUTTON = 4, STREAM_FADE = 5, STREAM_HW = 6, STREAM_OUTAGE = 7 };

/* The stream of tag idx's walk: leg k draws from index k. */
uint64_t sim_walk_stream(size_t tag);

double sim_uniform(gsl_rng *r, double lo, double hi);

/* Simulated time goes in slices of this many seconds: slice i is
 * [t0 + i SLICE_S, t0 + (i + 1) SLICE_S). */
#define SLICE_S 1.0

/* Sets up s for o (which must outlive it): the building, the scanners and
 * every tag's first leg.  Returns 0, or the exit status after printing
 * why.  sim_free(s) is needed either way. */
int sim_init(struct sim *s, const struct options *o);
void sim_free(struct sim *s);

/* Simulates slice number slice (in order, from 0): the adverts'
 * reports are added to s->reports (unsorted; latency may stamp them after
 * the slice), the presses in the slice to s->presses and, with truth, the
 * positions at the truth instants in the slice to s->truth.  Returns 1,
 * 0 if the slice starts after the end (nothing done), or -1 out of
 * memory. */
int sim_step(struct sim *s, long long slice, bool truth);

/* Queues a report (s->reports grows; it is reused slice after slice).
 * Returns 0, or -1 out of memory. */
int sim_push_report(struct sim *s, struct report r);

/* Sorts the pending reports (by time, tag, scanner) and returns how many
 * come before limit_ms: s->reports[0 .. n). */
size_t sim_due_reports(struct sim *s, int64_t limit_ms);

/* Forgets the first n pending reports (handled by the caller). */
void sim_take_reports(struct sim *s, size_t n);

/* tracksim-walk.c */

/* Places the grid's tags and draws their first legs. */
void walk_setup_grid(struct sim *s);

/* Routes tag g from where its leg ends to (x, y) on floor `floor` at
 * `speed`, to stand there for `pause`: maybe round a corner, maybe with a
 * stop on the way, each stretch at its own speed (draws from r).  Starts
 * the first stretch. */
void walk_route(struct sim *s, struct tag *g, gsl_rng *r, double x,
		double y, int floor, double speed, double pause);

/* How long an asset rests after a move of travel_s seconds, so that it
 * moves --asset-move of the time on average (u uniform in [0, 1)). */
double walk_asset_rest(const struct options *o, double travel_s, double u);

/* Where tag idx is at t; calls for one tag must come in non-decreasing t
 * (legs only move on). */
struct pos walk_position(struct sim *s, size_t idx, double t);

/* tracksim-radio.c */

/* Draws the scanners' radio kinds and report rates (adding the kinds'
 * offsets to their bias) and sets up shadowing and outages.  Returns 0,
 * or -1 out of memory. */
int radio_init(struct sim *s);
void radio_free(struct sim *s);

/* Moves the scanners' outages on to slice [a, b). */
void radio_slice(struct sim *s, double a, double b);

/* The reports of tag idx's advert at t from p.  Returns 0, or -1 out of
 * memory. */
int radio_advertise(struct sim *s, size_t idx, double t, struct pos p);

/* tracksim-live.c */

/* Wall-clock time, Unix seconds. */
double live_now(void);

/* Runs s (set up with t0 = live_now()) in real time, sending its reports
 * to o->server until SIGINT or SIGTERM (or the end of --duration).
 * Returns the exit status. */
int live_run(struct sim *s);

/* tracksim-site.c */

/* Reads and parses o->site into s (site, floors, scanners, zones, tags).
 * Returns 0, or the exit status after printing why. */
int sitesim_load(struct sim *s);

/* Places every tag and draws its first leg (s->tags filled by
 * sitesim_load). */
void sitesim_setup_tags(struct sim *s);

/* Moves tag idx on to its next leg. */
void sitesim_next_leg(struct sim *s, struct tag *g, size_t idx);

/* Copies each floor's image from the site's directory into DIR, best
 * effort: a missing image is skipped, a failed copy only warned about. */
void sitesim_copy_images(const struct sim *s);

void sitesim_free(struct sim *s);

/* tracksim-out.c */

int out_make_dirs(const char *dir);
int out_open(struct sim *s);
int out_close_all(struct sim *s);
int out_commit(struct sim *s);
void out_discard(struct sim *s);
void out_free(struct sim *s);
void out_write_time(FILE *fp, int64_t t_ms);
void out_write_scanners(struct sim *s);
int out_write_site(struct sim *s);
int out_write_json(struct sim *s);

/* Copies src to dst through dst.new and a rename, so dst may be src.
 * Returns 0, or -1 with errno set. */
int out_copy_file(const char *src, const char *dst);

#endif /* TRACKSIM_H */
