#include "calibreports.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "track/track.h"

static int
calibreports_push(struct calibrate_sample **s, size_t *n, size_t *cap,
                  struct calibrate_sample v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		struct calibrate_sample *p = realloc(*s, ncap * sizeof *p);

		if (!p)
			return -1;
		*s = p;
		*cap = ncap;
	}
	(*s)[(*n)++] = v;
	return 0;
}

int
calibreports_load(const char *path, const struct sitecsv *site,
                  const struct calibids *scanners,
                  const struct calibtruth *tr,
                  struct calibrate_sample **out, size_t *n_out,
                  struct calibreports_counts *c, char *err, size_t errlen)
{
	static const char *const names[] = {
		"t", "scanner_id", "tag_id", "rssi",
	};
	struct calibrate_sample *s = NULL;
	size_t n = 0, cap = 0;
	csv_reader *r = NULL;
	int col[4], rc;

	memset(c, 0, sizeof *c);
	c->d_min = INFINITY;
	c->d_max = 0.0;
	if (csv_open(path, &r, err, errlen) < 0)
		return -1;
	if (csv_require(r, names, col, 4) < 0)
		goto bad;
	while ((rc = csv_next(r)) == 1) {
		const track_scanner *sc;
		const char *scanner, *tag;
		double t, rssi, dx, dy, dz, d;
		long tag_i, sc_i;
		struct calibtruth_pos p;

		if (csv_double(r, col[0], &t) < 0 ||
		    csv_id(r, col[1], &scanner) < 0 ||
		    csv_id(r, col[2], &tag) < 0 ||
		    csv_double(r, col[3], &rssi) < 0)
			goto bad;
		c->read++;
		tag_i = calibids_get(&tr->tags, tag);
		if (tag_i < 0) {
			c->no_tag++;
			continue;
		}
		sc_i = calibids_get(scanners, scanner);
		if (sc_i < 0) {
			c->no_scanner++;
			continue;
		}
		if (rssi < TRACK_RSSI_MIN || rssi > TRACK_RSSI_MAX) {
			c->bad_rssi++;
			continue;
		}
		if (!calibtruth_at(tr, (size_t)tag_i, t, &p)) {
			c->no_truth++;
			continue;
		}
		if (p.floor != site->scanner_floor[sc_i]) {
			c->other_floor++;
			continue;
		}
		sc = &site->scanners[sc_i];
		c->height_sum += p.z - site->floors[p.floor].z;
		dx = sc->x - p.x;
		dy = sc->y - p.y;
		dz = sc->z - p.z;
		d = sqrt(dx * dx + dy * dy + dz * dz);
		c->d_min = fmin(c->d_min, d);
		c->d_max = fmax(c->d_max, d);
		if (d < CALIBREPORTS_DISTANCE_MIN_M) {
			d = CALIBREPORTS_DISTANCE_MIN_M;
			c->clamped++;
		}
		if (calibreports_push(&s, &n, &cap,
		                      (struct calibrate_sample){
					      .scanner = (size_t)sc_i,
					      .x = -10.0 * log10(d),
					      .rssi = rssi,
				      }) < 0) {
			snprintf(err, errlen, "%s: out of memory",
			         csv_path(r));
			goto fail;
		}
	}
	if (rc < 0)
		goto bad;
	c->used = n;
	csv_close(r);
	*out = s;
	*n_out = n;
	return 0;
bad:
	snprintf(err, errlen, "%s", csv_error(r));
fail:
	csv_close(r);
	free(s);
	return -1;
}
