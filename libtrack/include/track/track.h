/* libtrack: BLE scanner reports in, smoothed indoor positions out.
 *
 * Threading: every call on one engine must come from one thread (or be
 * serialised by the caller). Different engines share nothing: libtrack has
 * no global state and never reads a clock; all times are passed in as
 * int64_t microseconds.
 *
 * Ownership: the library copies whatever the caller passes in; the caller
 * keeps ownership of its own memory. Pointers the library hands out (ids
 * inside a track_position) point into the engine and stay valid until the
 * engine is destroyed.
 */
#ifndef TRACK_TRACK_H
#define TRACK_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TRACK_BUILDING) && defined(__GNUC__)
#define TRACK_API __attribute__((visibility("default")))
#else
#define TRACK_API
#endif

/* Longest scanner, tag or floor id, including the terminating NUL. */
#define TRACK_ID_MAX 64

/* RSSI accepted from a report, in dBm (inclusive). */
#define TRACK_RSSI_MIN (-127.0)
#define TRACK_RSSI_MAX (0.0)

/* One status list: the enum and track_strerror() are generated from it. */
#define TRACK_STATUS_MAP(XX)                                                 \
	XX(OK, 0, "success")                                                 \
	XX(EINVAL, -1, "invalid argument")                                   \
	XX(ENOMEM, -2, "out of memory")                                      \
	XX(ETOOFEW, -3, "too few scanners for this solve")                   \
	XX(ENOCONVERGE, -4, "solver did not converge")                       \
	XX(ENOENT, -5, "no such tag")                                        \
	XX(ESCANNER, -6, "unknown scanner")                                  \
	XX(ERSSI, -7, "rssi out of range")                                   \
	XX(ENAN, -8, "value is not a finite number")                         \
	XX(ETIME, -9, "time went backwards for this tag")                    \
	XX(EFULL, -10, "tag table full")                                     \
	XX(EID, -11, "id empty or too long")

typedef enum {
#define TRACK_STATUS_ENUM(name, value, text) TRACK_##name = (value),
	TRACK_STATUS_MAP(TRACK_STATUS_ENUM)
#undef TRACK_STATUS_ENUM
} track_status;

/* A static English description of s ("unknown status" for other values). */
TRACK_API const char *track_strerror(track_status s);

/* ---- Site: what the engine needs to know about the building ---------- */

/* A floor. Positions on it are clamped to [0, width] x [0, height]; when
 * width or height is 0 the bounds are the box around the floor's scanners
 * grown by track_config.bounds_margin_m. z is the floor's elevation (m). */
typedef struct {
	const char *id;
	double z;
	double width, height;
} track_floor;

/* A scanner at (x, y, z) in the site frame, z absolute (m). path_loss is its
 * log-distance exponent n (0 = the config default). rssi_offset_db is how
 * many dB this scanner reads above the model; it is subtracted from every
 * RSSI it reports (from track-calibrate). */
typedef struct {
	const char *id;
	const char *floor;
	double x, y, z;
	double path_loss;
	double rssi_offset_db;
} track_scanner;

typedef enum {
	TRACK_ZONE_ROOM,
	TRACK_ZONE_CORRIDOR,
	TRACK_ZONE_RESTRICTED, /* entering raises restricted_entry, but for
	                        * the categories of its allow list */
	TRACK_ZONE_EXIT,
} track_zone_kind;

/* Most tag categories a restricted zone's allow list may name. */
#define TRACK_ZONE_ALLOW_MAX 16

/* A zone: a simple polygon on one floor, in the site frame (m). */
typedef struct {
	const char *id;
	const char *name;
	const char *floor;
	track_zone_kind kind;
	int capacity;               /* 0 = none given */
	const double (*polygon)[2]; /* n_points [x, y] pairs */
	size_t n_points;
	/* A restricted zone's allow list: the tag categories that belong
	 * there (a theatre's staff), whose entry is no restricted_entry. */
	const char *allow[TRACK_ZONE_ALLOW_MAX];
	size_t n_allow;
} track_zone;

typedef enum {
	TRACK_TAG_PERSON,
	TRACK_TAG_ASSET,
	TRACK_TAG_UNKNOWN, /* heard, but not in the site */
} track_tag_kind;

/* What the site says about a tag. Tags not listed are still tracked. */
typedef struct {
	const char *id;
	const char *name;
	const char *category; /* "" when none */
	track_tag_kind kind;
} track_tag_info;

typedef struct {
	const track_floor *floors;
	size_t n_floors;
	const track_scanner *scanners;
	size_t n_scanners;
	const track_zone *zones;      /* may be NULL when n_zones is 0 */
	size_t n_zones;
	const track_tag_info *tags;   /* may be NULL when n_tags is 0 */
	size_t n_tags;
} track_site;

/* ---- Configuration ---------------------------------------------------- */

typedef struct {
	size_t max_tags;          /* tag table capacity (allocated at create) */
	size_t max_links;         /* scanners remembered per tag */
	double tx_power_dbm;      /* default measured power at 1 m (P1m) */
	double path_loss;         /* default path-loss exponent n */
	double sigma_db;          /* log-normal shadowing, 1 sigma (dB) */
	double tag_height_m;      /* tag height above its floor */
	double tx_prior_db;       /* prior sigma of a tag's power around P1m */
	size_t min_scanners_tx;   /* solve the tag's power from this many on */
	double scanner_prior_db;  /* prior sigma of a scanner's radio offset,
	                           * learned from the fixes (0: not learned) */
	int64_t window_us;        /* RSSI filter window per (tag, scanner) */
	int64_t reorder_us;       /* how late a report may be for its tag */
	double bounds_margin_m;   /* margin around scanners when no floor size */
	double accel_mps2;        /* walking: white-noise acceleration */
	double still_drift_m;     /* standing: wander per sqrt(second) */
	double still_stay_s;      /* mean time a tag stands still */
	double moving_stay_s;     /* mean time a tag walks before it stops */
	double gate_chi2;         /* Mahalanobis gate (2 dof) */
	unsigned gate_resets;     /* consecutive gated fixes that mean a move */
	int64_t silence_reset_us; /* silence after which the track restarts */
	int64_t first_fix_wait_us;/* a new track waits this long for 3 scanners */
	double floor_margin_db;   /* floor switch needs this much more signal */
	int64_t floor_hold_us;    /* ... for this long */
	int64_t zone_enter_us;    /* inside a zone this long to enter it */
	int64_t zone_exit_us;     /* outside this long to leave it */
	int64_t lost_us;          /* silence after which a tag is lost */
	int64_t distress_rearm_us;/* button quiet this long: next is new */
	size_t max_events;        /* event queue (oldest dropped when full) */
	int64_t stats_bucket_us;  /* occupancy bucket (1 min) */
	size_t stats_buckets;     /* ... kept in memory (a day of them) */
	double heatmap_cell_m;    /* heatmap cell size */
	int64_t heatmap_bucket_us;/* heatmap time bucket (1 h) */
	size_t heatmap_buckets;   /* ... kept in memory (a week of them) */
	size_t max_visits;        /* zone visits kept for dwell figures */
	size_t utilization_days;  /* days of moving/idle time kept per tag */
	bool smooth;              /* false: every fix is a single-epoch
	                           * solve, no Kalman (for evaluation) */
	/* For callers that update often (a server ticking every 100 ms to
	 * keep latency low): a tag with new reports is solved again only
	 * when its last fix is this old (it stays queued until then; a
	 * button press goes out at once regardless), and a silent tag is
	 * moved on by prediction only this often. 0 (the default): at every
	 * update, as offline replays want. */
	int64_t fix_interval_us;
	int64_t predict_interval_us;
} track_config;

/* The defaults: P1m -59 dBm, n 2.0, sigma 6 dB and the rest as documented
 * in README.md. Change fields on the returned value, then create. */
TRACK_API track_config track_config_default(void);

/* ---- Pure model functions (no allocation, no state) ------------------- */

/* Median RSSI at distance d (m) under the log-distance model. */
TRACK_API double track_model_rssi(double d_m, double tx_power_dbm, double n);

/* Distance (m) at which the model's median RSSI equals rssi_dbm. */
TRACK_API double track_model_distance(double rssi_dbm, double tx_power_dbm,
                                      double n);

/* ---- Single-epoch solve (pure; tests and benchmarks call it) ---------- */

/* One scanner's filtered RSSI for one tag, with the scanner's geometry. */
typedef struct {
	double x, y;     /* scanner position on the floor (m) */
	double dz;       /* scanner height minus tag height (m) */
	double rssi_dbm; /* filtered RSSI, offset already removed */
	double n;        /* path-loss exponent */
} track_obs;

typedef enum {
	TRACK_METHOD_NONE = 0,
	TRACK_METHOD_NEAREST,  /* one scanner: at the scanner */
	TRACK_METHOD_CENTROID, /* two scanners, or a failed solve */
	TRACK_METHOD_SOLVE,    /* maximum likelihood, tag power fixed */
	TRACK_METHOD_SOLVE_TX, /* maximum likelihood, tag power solved too */
} track_method;

/* Bounds and priors for one solve. */
typedef struct {
	double x_min, x_max, y_min, y_max; /* keep the answer in here */
	double tx_power_dbm;               /* prior mean of the tag's power */
	double tx_prior_db;                /* its sigma; <= 0 keeps it fixed */
	double sigma_db;                   /* RSSI noise per observation */
	size_t min_scanners_tx;            /* solve the power from n >= this */
} track_solve_params;

typedef struct {
	double x, y;
	double cov[3];         /* xx, xy, yy (m^2) */
	double r;              /* 1-sigma radius: sqrt(cov xx + cov yy) */
	double tx_power_dbm;   /* the power used or solved */
	double tx_var;         /* its variance (0 when fixed) */
	track_method method;
	unsigned iterations;
	/* The objective at the answer: the squared residuals over sigma^2,
	 * plus the power prior's term (SOLVE and SOLVE_TX; else 0). Of two
	 * answers to the same readings, the smaller is the likelier. */
	double cost;
} track_solution;

/* A solver with its workspaces, sized once for up to max_obs observations.
 * Solving allocates nothing. */
typedef struct track_solver track_solver;

TRACK_API track_status track_solver_create(size_t max_obs,
                                           track_solver **out);
TRACK_API void track_solver_destroy(track_solver *s); /* NULL: no-op */

/* Locate a tag from n observations. guess (may be NULL) seeds the search;
 * otherwise it starts at the weighted centroid. With 1 or 2 observations
 * the answer is the nearest scanner or a weighted centroid, with an
 * uncertainty as wide as the ranges allow. Returns TRACK_OK, TRACK_EINVAL
 * (n == 0, n > max_obs, bad numbers) and never leaves *out half-written. */
TRACK_API track_status track_solver_solve(track_solver *s,
                                          const track_obs *obs, size_t n,
                                          const track_solve_params *p,
                                          const double *guess_xy,
                                          track_solution *out);

/* The last solve's residuals: each reading minus the model at the answer
 * (dB), in the order of its obs; NULL unless that solve answered with
 * TRACK_METHOD_SOLVE or TRACK_METHOD_SOLVE_TX. Valid until the next. */
TRACK_API const double *track_solver_residuals(const track_solver *s);

/* ---- Kalman filter (pure, on a caller-owned value) -------------------- */

typedef struct {
	double x[4];     /* x, y, vx, vy */
	double P[16];    /* covariance, row-major */
	int64_t t_us;    /* time of the state */
	bool init;
} track_kalman;

/* Predict k forward to t_us under constant velocity with white-noise
 * acceleration of spectral density accel^2. Earlier times are ignored. */
TRACK_API void track_kalman_predict(track_kalman *k, int64_t t_us,
                                    double accel_mps2);

/* Squared Mahalanobis distance of measurement (zx, zy) with covariance
 * cov[3] (xx, xy, yy) from the predicted state. */
TRACK_API double track_kalman_mahalanobis(const track_kalman *k, double zx,
                                          double zy, const double cov[3]);

/* Fuse a position measurement. Starts the filter when !k->init. */
TRACK_API void track_kalman_update(track_kalman *k, double zx, double zy,
                                   const double cov[3], int64_t t_us);

/* ---- Motion: standing still or walking (IMM of two Kalman filters) ---- */

enum { TRACK_MOTION_STILL = 0, TRACK_MOTION_MOVING = 1 };

typedef struct {
	track_kalman model[2];  /* TRACK_MOTION_STILL, TRACK_MOTION_MOVING */
	double prob[2];         /* probability of each model */
	double x[4];            /* combined estimate: x, y, vx, vy */
	double P[16];           /* its covariance */
	double drift[2];        /* the still model's innovations, averaged */
	int64_t t_us;
	bool init;
} track_motion;

typedef struct {
	double accel_mps2;    /* walking model: white-noise acceleration */
	double still_drift_m; /* still model: wander per sqrt(second) */
	double still_stay_s;  /* mean time a tag stands still */
	double moving_stay_s; /* mean time a tag walks before it stops */
} track_motion_params;

/* Mix the models for the time passed, then predict each to t_us. Earlier
 * times and an uninitialised filter are left alone. */
TRACK_API void track_motion_predict(track_motion *m, int64_t t_us,
                                    const track_motion_params *p);

/* Squared Mahalanobis distance of a fix from the walking model, the wider
 * of the two (so that a tag starting to walk is not gated as an outlier). */
TRACK_API double track_motion_mahalanobis(const track_motion *m, double zx,
                                          double zy, const double cov[3]);

/* Fuse a fix into both models and reweigh them by how well each one
 * predicted it. Starts the filter when !m->init. */
TRACK_API void track_motion_update(track_motion *m, double zx, double zy,
                                   const double cov[3], int64_t t_us);

/* Recompute x and P from the models (after the caller changed them). */
TRACK_API void track_motion_combine(track_motion *m);

/* ---- Zone geometry (pure) --------------------------------------------- */

/* Whether (x, y) lies inside the simple polygon of n points (even-odd
 * rule; a point exactly on an edge may fall either way). */
TRACK_API bool track_polygon_contains(const double (*poly)[2], size_t n,
                                      double x, double y);

/* Distance (m) from (x, y) to the polygon's boundary. */
TRACK_API double track_polygon_distance(const double (*poly)[2], size_t n,
                                        double x, double y);

/* ---- Engine ------------------------------------------------------------ */

typedef struct track_engine track_engine;

/* Report flags. */
#define TRACK_REPORT_BUTTON 0x1u
#define TRACK_REPORT_LOW_BATTERY 0x2u

/* One scanner hearing one tag once. tx_dbm is the measured power at 1 m
 * announced by the tag (iBeacon, Eddystone), or NaN when unknown. */
typedef struct {
	const char *scanner;
	const char *tag;
	double rssi_dbm;
	int64_t t_us;
	double tx_dbm;
	unsigned flags;
} track_report;

/* A tag's smoothed position. Pointers stay valid for the engine's life. */
typedef struct {
	const char *tag;
	const char *floor;
	double x, y;        /* metres, site frame */
	double r;           /* 1-sigma uncertainty radius (m) */
	double vx, vy;      /* m/s */
	int64_t t_us;       /* time the position is for */
	int64_t heard_us;   /* newest report of the tag */
	track_method method;  /* how the newest fix was made */
	unsigned n_scanners;  /* scanners in that fix */
	bool moving;
	unsigned flags;     /* flags seen since the previous position */
	const char *zone;   /* the zone the tag is in (after the enter and exit
	                     * hysteresis: what events and statistics count),
	                     * NULL: none */
	const char *zone_here; /* the zone (x, y) is in now, NULL: none: the
	                        * one to show beside the drawn position */
	const char *zone_near; /* another zone within r of (x, y), NULL: none:
	                        * then the tag is between zone_here (or no
	                        * zone) and this one */
	track_tag_kind kind;
	const char *category; /* from the site, "" when not listed */
} track_position;

typedef enum {
	TRACK_EVENT_ZONE_ENTER,
	TRACK_EVENT_ZONE_EXIT,
	TRACK_EVENT_RESTRICTED_ENTRY, /* also a zone_enter */
	TRACK_EVENT_DISTRESS,         /* the badge's button: never debounced
	                               * beyond one event per press */
	TRACK_EVENT_LOST,             /* silent past lost_us: last place */
	TRACK_EVENT_FOUND,            /* heard again after being lost */
} track_event_type;

/* "zone_enter", "zone_exit", "restricted_entry", "distress", "lost",
 * "found"; "unknown" for other values. */
TRACK_API const char *track_event_name(track_event_type type);

/* Something that happened to a tag. Zone and floor point into the engine
 * (valid for its life); the tag id is copied. Zone transitions are stamped
 * with the time the tag crossed, not the (later) time the hysteresis
 * confirmed it, so dwell times come out right. */
typedef struct {
	track_event_type type;
	char tag[TRACK_ID_MAX];
	const char *zone;   /* NULL: none */
	const char *floor;  /* NULL: not known yet */
	double x, y, r;     /* NAN when the tag has no position yet */
	int64_t t_us;
} track_event;

/* Counters since create (never reset). */
typedef struct {
	uint64_t reports;            /* accepted */
	uint64_t rejected[16];       /* by -status */
	uint64_t solves;             /* fixes solved */
	uint64_t solves_twice;       /* of them, solved from the last fix too */
	uint64_t solve_iterations;   /* LM steps, every solve run */
	uint64_t fallbacks;          /* fixes from 1-2 scanners */
	uint64_t gated;              /* fixes the Kalman gate refused */
	uint64_t track_resets;       /* after silence, a move, a floor change */
	uint64_t floor_changes;
	uint64_t evicted;            /* tags dropped to make room */
	uint64_t evicted_probation;  /* of them, tags one scanner alone heard
	                              * that were still heard */
	uint64_t events;             /* events queued */
	uint64_t events_dropped;     /* oldest events lost to a full queue */
	size_t tags;                 /* tags in the table now */
} track_engine_stats;

/* Create an engine for site with cfg (NULL: defaults). The site is copied.
 * Everything the engine needs later is allocated here.
 * Returns TRACK_OK and sets *out; TRACK_EINVAL (bad config, duplicate or
 * unknown ids, a scanner on no floor) or TRACK_ENOMEM, leaving *out. */
TRACK_API track_status track_engine_create(const track_config *cfg,
                                           const track_site *site,
                                           track_engine **out);
TRACK_API void track_engine_destroy(track_engine *e); /* NULL: no-op */

/* Take one report. Returns TRACK_OK, or why it was refused (nothing is
 * changed then): TRACK_ESCANNER, TRACK_ERSSI, TRACK_ENAN, TRACK_ETIME
 * (older than the tag's newest report by more than reorder_us), TRACK_EID,
 * TRACK_EFULL (table full of tags heard recently). Allocates nothing. */
TRACK_API track_status track_engine_ingest(track_engine *e,
                                           const track_report *r);

/* Advance to now_us: every tag heard since its last fix gets a new fix
 * (solve, floor choice, Kalman). Returns how many positions changed; read
 * them with track_engine_changed(). Allocates nothing. */
TRACK_API size_t track_engine_update(track_engine *e, int64_t now_us);

/* Copy up to cap of the positions changed by track_engine_update() into
 * out and return how many; the rest stay queued for the next call. */
TRACK_API size_t track_engine_changed(track_engine *e, track_position *out,
                                      size_t cap);

/* The current position of one tag: TRACK_OK, or TRACK_ENOENT when the tag
 * is unknown or has no fix yet. */
TRACK_API track_status track_engine_position(const track_engine *e,
                                             const char *tag,
                                             track_position *out);

/* Move up to cap queued events, oldest first, into out; returns how many.
 * Events are queued by track_engine_update() (and lost tags are found
 * there too). */
TRACK_API size_t track_engine_events(track_engine *e, track_event *out,
                                     size_t cap);

/* ---- Statistics, kept as tracks advance -------------------------------
 *
 * A tag counts in the zone it is in (after hysteresis) from one position
 * update to the next, as long as it is not lost. Everything is kept in
 * rings sized at create (see track_config): a query reaches back as far
 * as they do; the server persists what it needs to keep longer. Queries
 * allocate nothing. Windows are [from_us, to_us). */

/* One occupancy bucket of one zone. */
typedef struct {
	int64_t t_us;         /* bucket start */
	double mean;          /* mean head count over the bucket */
	unsigned peak;        /* most tags in the zone at once */
	double mean_kind[3];  /* by track_tag_kind */
	unsigned peak_kind[3];
} track_occupancy;

/* The buckets of zone that start in [from_us, to_us), oldest first: writes
 * up to cap of them and sets *n to how many the window holds. Buckets
 * older than the ring are reported empty. TRACK_ENOENT: no such zone;
 * TRACK_EINVAL: from_us >= to_us or a NULL argument. */
TRACK_API track_status track_engine_occupancy(const track_engine *e,
                                              const char *zone,
                                              int64_t from_us,
                                              int64_t to_us,
                                              track_occupancy *out,
                                              size_t cap, size_t *n);

/* Mean head count of tags of one category in zone over the buckets that
 * start in [from_us, to_us), and the most of them at once (peak may be
 * NULL). TRACK_ENOENT: no such zone or category. */
TRACK_API track_status track_engine_occupancy_category(
	const track_engine *e, const char *zone, const char *category,
	int64_t from_us, int64_t to_us, double *mean, unsigned *peak);

typedef struct {
	size_t visits;        /* visits that ended in the window */
	double total_s, mean_s, median_s, p90_s;
} track_dwell;

/* The figures of n visit lengths (seconds; sorted in place): what
 * track_engine_dwell() gives, for visits kept elsewhere (a database). */
TRACK_API void track_dwell_of(double *lengths_s, size_t n, track_dwell *out);

/* Visit lengths in zone for visits that ended in [from_us, to_us). The
 * engine sorts in a buffer of its own, hence not const. */
TRACK_API track_status track_engine_dwell(track_engine *e, const char *zone,
                                          int64_t from_us, int64_t to_us,
                                          track_dwell *out);

/* Seconds a tag spent moving and standing still, counted per UTC day, for
 * the days that overlap [from_us, to_us). TRACK_ENOENT: unknown tag. */
TRACK_API track_status track_engine_utilization(const track_engine *e,
                                                const char *tag,
                                                int64_t from_us,
                                                int64_t to_us,
                                                double *moving_s,
                                                double *idle_s);

/* The same summed over every tag of a category (site tags; "" for tags
 * the site does not list); *n_tags is how many contributed. */
TRACK_API track_status track_engine_utilization_category(
	const track_engine *e, const char *category, int64_t from_us,
	int64_t to_us, double *moving_s, double *idle_s, size_t *n_tags);

/* Ids of the tags listed in the site as assets that have not been heard
 * for at least for_us before now_us (never heard counts), up to cap of
 * them into out; returns how many there are. */
TRACK_API size_t track_engine_not_seen(const track_engine *e, int64_t now_us,
                                       int64_t for_us, const char **out,
                                       size_t cap);

/* Tag-seconds spent in each cell of floor's grid over the heatmap buckets
 * that start in [from_us, to_us). The grid has *cols x *rows cells of
 * *cell_m, row-major from the floor's (x_min, y_min) corner, *x0, *y0; out
 * needs cols x rows floats (cap), else TRACK_EINVAL after setting the
 * sizes. TRACK_ENOENT: no such floor. */
TRACK_API track_status track_engine_heatmap(const track_engine *e,
                                            const char *floor,
                                            int64_t from_us, int64_t to_us,
                                            float *out, size_t cap,
                                            size_t *cols, size_t *rows,
                                            double *cell_m, double *x0,
                                            double *y0);

/* What the engine has learned of a scanner's radio so far: the offset it
 * takes off that scanner's readings on top of the configured rssi_offset
 * (dB: positive reads hot), and the learned value's 1-sigma uncertainty
 * (the configured prior before any fix). TRACK_ENOENT: no such scanner. */
TRACK_API track_status track_engine_scanner_offset(const track_engine *e,
                                                   const char *scanner,
                                                   double *offset_db,
                                                   double *sigma_db);

TRACK_API void track_engine_get_stats(const track_engine *e,
                                      track_engine_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* TRACK_TRACK_H */
