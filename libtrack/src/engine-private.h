/* The engine's internal state, shared by engine.c (reports, fixes) and
 * presence.c (zones, events). Nothing outside libtrack sees it. */
#ifndef TRACK_ENGINE_PRIVATE_H
#define TRACK_ENGINE_PRIVATE_H

#include "track/track.h"

#include "track-private.h"

/* A time that has not happened (yet). */
#define NONE INT64_MIN
#define DAY_US (86400LL * 1000000LL)


struct link {
	int32_t scanner; /* -1 = free */
	int64_t last_us;
	struct track__rssi f;
};

struct tag {
	char id[TRACK_ID_MAX];
	bool used, dirty, queued, moving;
	bool lost, found_pending, button_pending;
	bool probation;       /* on the probation list: one scanner so far */
	int64_t button_us;    /* newest report with the button, NONE */
	int64_t press_us;     /* first report of the pending press */
	int32_t info;         /* index into the site's tags, -1: unlisted */
	int32_t zone;         /* zone the tag is in, -1: none */
	int32_t zone_cand;    /* zone it is inside but not yet in, -1 */
	int32_t zone_here;    /* zone the shown position is in now, -1 */
	int64_t zone_since;   /* when it entered zone (crossing time) */
	int64_t cand_since;   /* since when it is inside zone_cand */
	int64_t outside_since;/* since when it is outside zone, NONE */
	int64_t credit_us;    /* stats counted up to here, NONE */
	struct util_day *days;/* utilization_days of them */
	int32_t prev, next;   /* LRU by newest report; free list uses next */
	int64_t heard_us;     /* newest report */
	int64_t since_us;     /* first report after a silence */
	int64_t fix_us;       /* newest fix, NONE before the first */
	unsigned fresh;       /* readings since the newest fix */
	double tx_announced;  /* from the tag's frames, NAN when unknown */
	double tx_b, tx_s;    /* power: the tag's offset, the local part (dB) */
	double tx_P[3];       /* their covariance [bb bs ss]; 0: not yet */
	int64_t tx_us;
	double tx_x, tx_y;    /* track position the power was last at */
	struct track__floor_state floor;
	track_motion mot;
	unsigned gated_run;
	double fix_x, fix_y;  /* the newest solved fix (solve_from_both) */
	bool fix_solved;      /* ... by the solver, not a fallback */
	bool restricted_pending; /* in a restricted zone, not yet raised */
	unsigned flags;
	track_method method;
	unsigned n_scanners;
	struct link *links;
};

struct floor_rt {
	char id[TRACK_ID_MAX];
	double z;
	double x_min, x_max, y_min, y_max;
};

struct scanner_rt {
	char id[TRACK_ID_MAX];
	int32_t floor;
	double x, y, z, n, offset;
	double learned_db;  /* offset learned from residuals (scanner-offset.c) */
	double learned_var; /* its variance; 0: nothing learned yet */
	int64_t learned_us; /* last learned at */
};

struct zone_rt {
	char id[TRACK_ID_MAX];
	int32_t floor;
	track_zone_kind kind;
	double x_min, x_max, y_min, y_max; /* bounding box: cheap rejection */
	const double (*poly)[2];           /* into zone_points */
	size_t n_points;
	/* The allow list, as category indices (-1: a category no tag
	 * has). */
	int32_t allow[TRACK_ZONE_ALLOW_MAX];
	size_t n_allow;
};

struct tag_info_rt {
	char id[TRACK_ID_MAX];
	track_tag_kind kind;
	int32_t category; /* index into categories */
};

struct occ_bucket {
	int64_t b;              /* bucket number; NONE: unused */
	double sec_kind[3];     /* tag-seconds by track_tag_kind */
	unsigned peak_kind[3];
	unsigned peak;
};

struct occ_cat {
	float sec;              /* tag-seconds of one category */
	unsigned peak;          /* most of them at once */
};

struct visit {
	int32_t zone;
	int64_t enter_us, exit_us;
};

struct util_day {
	int32_t day;            /* UTC day number; INT32_MIN: unused */
	float moving_s, idle_s;
};

struct heat_floor {
	size_t cols, rows;
	double x0, y0, cell;
	int64_t *b;             /* bucket number per ring slot */
	float *cells;           /* heatmap_buckets x cols x rows */
};

struct track_engine {
	track_config cfg;
	int64_t bucket_us;

	struct floor_rt *floors;
	size_t n_floors;
	struct scanner_rt *scanners;
	size_t n_scanners;
	struct track__idmap scanner_map;

	struct tag *tags;
	struct link *link_pool;
	struct track__idmap tag_map;
	int32_t free_head;
	/* Tags by newest report, newest first: [0] those several scanners
	 * heard or the site lists, [1] those on probation (one scanner so
	 * far), which make room first when the table is full. */
	int32_t lru_head[2], lru_tail[2];

	int32_t *dirty;   /* tags with reports since their last fix */
	size_t n_dirty;
	int32_t *changed; /* tags with a new fix not yet read */
	size_t n_changed, changed_read;

	track_solver *solver;
	track_obs *obs;
	int32_t *obs_scanner;
	double *obs_res;      /* the kept solve's residuals, max_links long */
	unsigned window_reads; /* readings in the window of the tag collected */
	double *floor_best;

	struct zone_rt *zones;
	size_t n_zones;
	double (*zone_points)[2];
	int32_t *floor_zones;     /* zone indices grouped by floor */
	size_t *floor_zone_start; /* n_floors + 1 offsets into it */
	struct tag_info_rt *infos;
	size_t n_infos;
	struct track__idmap info_map;
	char (*categories)[TRACK_ID_MAX];
	size_t n_categories;

	/* stats.c */
	struct occ_bucket *occ;   /* n_zones x stats_buckets */
	struct occ_cat *occ_cat;  /* ... x n_categories */
	unsigned (*zone_count)[3];/* tags in each zone now, by kind */
	unsigned *zone_cat_count; /* ... by category: n_zones x n_categories */
	struct visit *visits;     /* ring of max_visits */
	size_t visit_head, visit_count;
	double *scratch;          /* max_visits, for dwell percentiles */
	struct util_day *day_pool;
	struct heat_floor *heat;

	track_event *events;      /* ring of cfg.max_events */
	size_t ev_head, ev_count;

	track_engine_stats stats;
};

/* ---- engine.c and report.c ------------------------------------------- */

/* An id of 1 to TRACK_ID_MAX - 1 bytes. */
bool track__id_ok(const char *id);

/* ---- power.c: the tag's measured power ------------------------------- */

/* The prior of tag t's power for a fix at now_us (mean and variance, dBm
 * and dB^2), after the track's prediction to now_us. */
void track__power_prior(const track_engine *e, struct tag *t, int64_t now_us,
                        double *mean, double *var);
/* What the solve sol, made with that prior (m, v), says of the power; its
 * readings shared with the last fix inflate it by overlap. */
void track__power_update(const track_engine *e, struct tag *t,
                         const track_solution *sol, double m, double v,
                         double overlap);

/* ---- scanner-offset.c: each scanner's learned radio offset ---------- */

/* What to take off scanner s's readings on top of its configured offset
 * (dB). */
double track__scanner_offset(const struct scanner_rt *s);
/* A fix's residuals res[0..n) (reading minus model at the answer, dB) of
 * the scanners scanners[0..n), made at now_us; overlap as for the power. */
void track__scanner_offset_learn(track_engine *e, const int32_t *scanners,
                                 const double *res, size_t n,
                                 double overlap, int64_t now_us);

/* ---- presence.c: zones, events, lost and found ---------------------- */

/* Copy the site's zones and tags and make the event queue. */
track_status track__presence_init(track_engine *e, const track_site *site);
void track__presence_free(track_engine *e);
/* A tag slot was (re)used for id: look up what the site says of it. */
void track__presence_tag_new(track_engine *e, struct tag *t);
/* The tag's position changed (fix or prediction) at now_us. */
void track__presence_step(track_engine *e, struct tag *t, int64_t now_us);
/* The tag changed floor, or its track ended: it leaves its zone. */
void track__presence_leave(track_engine *e, struct tag *t, int64_t t_us);
/* The nearest zone other than the one the tag's position is in whose
 * edge is within its 1-sigma radius, or -1: a position whose uncertainty
 * reaches across a wall is shown as between the two. Asked only when a
 * position is read, so presence steps do not pay for it. */
int32_t track__zone_near(const track_engine *e, const struct tag *t);
/* Tags silent past lost_us become lost. */
void track__presence_lost(track_engine *e, int64_t now_us);
void track__event(track_engine *e, track_event_type type,
                  const struct tag *t, int32_t zone, int64_t t_us);

/* ---- stats.c: occupancy, dwell, utilization, heatmap ----------------- */

track_status track__stats_init(track_engine *e);
void track__stats_free(track_engine *e);
void track__stats_tag_new(track_engine *e, struct tag *t, size_t index);
/* Count the time since the tag's last update in its present state. */
void track__stats_credit(track_engine *e, struct tag *t, int64_t now_us);
/* Membership changes (after hysteresis), at the crossing time. */
void track__stats_enter(track_engine *e, const struct tag *t, int32_t zone,
                        int64_t t_us);
void track__stats_exit(track_engine *e, const struct tag *t, int32_t zone,
                       int64_t enter_us, int64_t t_us);
track_tag_kind track__tag_kind(const track_engine *e, const struct tag *t);
int32_t track__tag_category(const track_engine *e, const struct tag *t);
/* Floor division, so negative times bucket the same way; and the slot of
 * bucket b in a ring of n (stats-query.c reads what stats.c keeps). */
int64_t track__floor_div(int64_t a, int64_t b);
size_t track__ring_slot(int64_t b, size_t n);

#endif /* TRACK_ENGINE_PRIVATE_H */
