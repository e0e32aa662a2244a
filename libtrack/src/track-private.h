/* Internal interfaces shared between libtrack's source files (track__).
 * Tests include this header to reach the small modules directly. */
#ifndef TRACK_PRIVATE_H
#define TRACK_PRIVATE_H

#include "track/track.h"

#include <stdint.h>

/* ---- idmap: string id -> index, open addressing, no allocation after
 * init. Keys live in the caller's array (base + i * stride), so the map
 * stores only indices. */
struct track__idmap {
	int32_t *slots;   /* -1 = empty */
	size_t mask;      /* capacity - 1, capacity a power of two */
	const char *base; /* key of index i: base + i * stride */
	size_t stride;
};

uint64_t track__hash(const char *s);
int track__idmap_init(struct track__idmap *m, size_t max_keys,
                      const char *base, size_t stride);
void track__idmap_free(struct track__idmap *m);
int32_t track__idmap_find(const struct track__idmap *m, const char *key);
/* Adds index i, whose key must already be in place. Capacity is sized
 * at init for max_keys, so this cannot fail. */
void track__idmap_insert(struct track__idmap *m, int32_t i);
void track__idmap_remove(struct track__idmap *m, int32_t i);

/* ---- rssi: robust RSSI over a sliding window for one (tag, scanner).
 * The window is cut into TRACK__BUCKETS buckets; each keeps the strongest
 * RSSI heard in it. Fading only ever takes power away, so the strongest
 * reading of a short window is the one closest to the unfaded path. */
#define TRACK__BUCKETS 8

struct track__rssi {
	int64_t newest;                /* bucket number of slot 0 */
	int8_t max[TRACK__BUCKETS];    /* INT8_MIN = no reading */
	uint8_t count[TRACK__BUCKETS];
};

void track__rssi_reset(struct track__rssi *f);
void track__rssi_add(struct track__rssi *f, int64_t t_us, int rssi,
                     int64_t bucket_us);
/* The filtered RSSI over the window ending at now_us and how many
 * readings it rests on; false when nothing was heard in the window. */
bool track__rssi_value(const struct track__rssi *f, int64_t now_us,
                       int64_t bucket_us, double *rssi, unsigned *count);

/* ---- floor: which floor a tag is on, with hysteresis. */
struct track__floor_state {
	int32_t current;    /* -1 = none yet */
	int32_t candidate;  /* floor that is beating current, -1 = none */
	int64_t since_us;   /* when candidate started to beat current */
};

/* best[f] is the strongest filtered RSSI on floor f (-INFINITY when none
 * heard). Returns the floor to use now; *changed tells a switch. */
int32_t track__floor_choose(struct track__floor_state *s, const double *best,
                            size_t n_floors, int64_t now_us,
                            double margin_db, int64_t hold_us,
                            bool *changed);

/* ---- zone.c: polygon geometry for the site checks. */

/* How segments ab and cd meet: 0 not at all, 1 they cross (each passes
 * strictly through the other), 2 they touch or overlap. */
int track__segments_meet(const double a[2], const double b[2],
                         const double c[2], const double d[2]);
/* The area of a simple polygon of n points. */
double track__polygon_area(const double (*pt)[2], size_t n);

/* ---- solve.c: search with gsl_multifit_nlinear's driver from now on
 * instead of gsl_multilarge_nlinear's, the same model, to compare the
 * two (tests). Allocates its workspaces; TRACK_ENOMEM leaves the solver
 * on its own driver. */
track_status track__solver_use_multifit(track_solver *s);

#endif /* TRACK_PRIVATE_H */
