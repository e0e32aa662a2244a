/* fuzz-csv: any bytes as each CSV file track-replay and track-score read:
 * scanners.csv (sitecsv_load), reports.csv (rows into an engine on the
 * demo building, as track-replay feeds it) and truth.csv (track-score's
 * columns). The readers take a path, so the bytes go to a file first.
 * GSL's error handler stays on, as in track-replay: a GSL error would
 * abort the tool, so here it is a finding too. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "track/track.h"

#include "csv.h"
#include "demo.h"
#include "sitecsv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/fuzz-csv-XXXXXX";
static int fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	/* The name is not needed by anyone else: gone when we exit. */
	unlink(path);
	snprintf(path, sizeof path, "/dev/fd/%d", fd);
	fuzz_demo_site();
	return 0;
}

static void
scanners(void)
{
	struct sitecsv s;
	char err[512];
	track_engine *e = NULL;
	track_config cfg = fuzz_config();
	track_status st;

	if (sitecsv_load(path, 4.0, &s, err, sizeof err) < 0) {
		if (!err[0])
			abort();
		return;
	}
	/* A scanners.csv that loads is one the engine takes. */
	st = track_engine_create(&cfg, &s.site, &e);
	if (st != TRACK_OK && st != TRACK_ENOMEM &&
	    !(st == TRACK_EINVAL && fuzz_site_huge(&s.site)))
		abort();
	track_engine_destroy(e);
	sitecsv_free(&s);
}

/* track-replay's reading of reports.csv, each row into the engine. */
static void
reports(void)
{
	static const char *const cols[] = { "t", "scanner_id", "tag_id",
		                            "rssi" };
	track_config cfg = fuzz_config();
	track_engine *e;
	csv_reader *in;
	char err[512];
	int idx[4];
	int64_t last = 0;

	if (csv_open(path, &in, err, sizeof err) < 0)
		return;
	if (csv_require(in, cols, idx, 4) < 0) {
		csv_close(in);
		return;
	}
	e = fuzz_demo_engine(&cfg);
	while (csv_next(in) > 0) {
		track_report r = { .tx_dbm = NAN };
		double t;

		if (csv_double(in, idx[0], &t) < 0 ||
		    csv_id(in, idx[1], &r.scanner) < 0 ||
		    csv_id(in, idx[2], &r.tag) < 0 ||
		    csv_double(in, idx[3], &r.rssi_dbm) < 0 || fabs(t) > 1e12)
			break;
		r.t_us = llround(t * 1e6);
		if (r.t_us > last) {
			track_engine_update(e, last);
			last = r.t_us;
		}
		track_engine_ingest(e, &r);
	}
	track_engine_update(e, last);
	track_engine_destroy(e);
	csv_close(in);
}

/* track-score's reading of truth.csv. */
static void
truth(void)
{
	static const char *const cols[] = { "t", "tag_id", "x", "y",
		                            "floor" };
	csv_reader *in;
	char err[512];
	int idx[5];

	if (csv_open(path, &in, err, sizeof err) < 0)
		return;
	if (csv_require(in, cols, idx, 5) == 0)
		for (;;) {
			const char *tag, *floor;
			double t, x, y;
			int rc = csv_next(in);

			if (rc == 0)
				break;
			/* A bad row is reported; the reader goes on. */
			if (rc < 0 || csv_double(in, idx[0], &t) < 0 ||
			    csv_id(in, idx[1], &tag) < 0 ||
			    csv_double(in, idx[2], &x) < 0 ||
			    csv_double(in, idx[3], &y) < 0 ||
			    csv_id(in, idx[4], &floor) < 0) {
				if (!csv_error(in)[0])
					abort();
				continue;
			}
			if (strlen(tag) >= TRACK_ID_MAX ||
			    strlen(floor) >= TRACK_ID_MAX)
				abort();
		}
	csv_close(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	scanners();
	reports();
	truth();
	return 0;
}
