/*
 * tracksim: the types its modules share (internal to tracksim).  Each
 * module has its own header; a module calls only those below it, never
 * one above or beside it at the same level:
 *
 *   tracksim.c           main: options, then one of the two modes
 *   tracksim-csv.c       --csv: the run into DIR, the summary
 *   tracksim-live.c      --server: the slices in real time, sent to trackd
 *   tracksim-out.c       the output files, scenario.json, floor images
 *   tracksim-sim.c       the model slice by slice: set-up, positions,
 *                        adverts, button presses, truth
 *   tracksim-grid.c      the grid building and its walks
 *   tracksim-site.c      a building from a site file (zones, floors,
 *                        scanners, tags)
 *   tracksim-sitewalk.c  walks through a site's zones
 *   tracksim-radio.c     the adverts' RSSI: shadowing, body loss, radio
 *                        kinds, report rates and outages
 *   tracksim-reports.c   the queue of reports, in time order
 *   tracksim-walk.c      routes: corners, stops, speed changes
 *   tracksim-opts.c      the option table, parsing and --help
 *   tracksim-rng.c       seeded random streams
 *   tracksim-fade.c      pure radio models (no struct sim)
 *
 * Lines further down are lower.  tracksim-sim.c decides, when a tag's
 * route runs out, whether the grid or the site draws its next leg, so
 * that neither calls back into the other.
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
	const char *token_file;
	/* --mqtt: published to the broker instead (server is then the same
	 * URL: where the live reports go); the password from its file or
	 * $TRACK_MQTT_PASSWORD. */
	const char *mqtt;
	const char *mqtt_user;
	const char *mqtt_password_file;
	const char *mqtt_password;
	const char *mqtt_cafile;
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

/* A route has at most a corner or two corridor points, a stop and its
 * goal. */
#define ROUTE_MAX 4

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
	const char *category; /* the site's, for allow lists; NULL: none */
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
	const char *const *allow; /* a restricted zone's categories */
	size_t n_allow;
};

/* rank orders the floors by level: the floor attenuation counts ranks
 * crossed, and the stairs lead to the next rank up or down. */
struct sim_floor {
	double z, width, height;
	int rank;
	struct zone_list walk;   /* rooms and corridors, not stairs */
	struct zone_list rooms;
	struct zone_list stairs;
	struct zone_list restricted;
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

/* Simulated time goes in slices of this many seconds: slice i is
 * [t0 + i SLICE_S, t0 + (i + 1) SLICE_S). */
#define SLICE_S 1.0

#endif /* TRACKSIM_H */
