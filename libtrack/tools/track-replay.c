/* track-replay: scanner reports (CSV) in, smoothed positions (CSV) out.
 *
 * It drives the engine exactly as the live server does: reports in order,
 * and at every --interval of report time an update whose output depends
 * only on the reports up to that time. So a replay's score is the live
 * map's score, and cutting the input never changes an earlier line.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

#include "csv.h"
#include "sitecsv.h"
#include "sitefile.h"

#define MAX_REJECT_LINES 5

struct options {
	const char *scanners;
	const char *site;
	const char *reports;
	const char *events;
	const char *zone_report;
	const char *offsets;
	double interval_s;
	double floor_height_m;
	bool moving;         /* append the moving column */
	track_config cfg;
};

struct replay {
	track_engine *engine;
	track_position *batch;
	size_t batch_cap;
	FILE *out;
	FILE *events;        /* NULL: not asked for */
	bool moving;         /* append the moving column */
	track_event ev[256];
	int64_t first_tick, last_tick;
	unsigned long rejected_by[16];
	unsigned long rejected;
	unsigned long rows;
	unsigned long lines_out;
};

static void
usage(FILE *f)
{
	fputs("usage: track-replay --scanners scanners.csv | --site site.json\n"
	      "                    --reports reports.csv\n"
	      "                    [--tx-power dBm] [--tx-prior dB] [--path-loss n]\n"
	      "                    [--sigma dB] [--scanner-prior dB]\n"
	      "                    [--interval s] [--window s] [--tag-height m]\n"
	      "                    [--floor-height m] [--single-epoch] [--moving]\n"
	      "                    [--events events.csv]\n"
	      "                    [--zone-report zones.csv]\n"
	      "                    [--offsets offsets.csv] > positions.csv\n"
	      "\n"
	      "Tracks every tag in reports.csv (t,scanner_id,tag_id,rssi) with\n"
	      "the scanners of scanners.csv (scanner_id,x,y,z,floor[,path_loss,\n"
	      "rssi_offset]), or those of a site file (which also gives each\n"
	      "floor's size and height), and writes t,tag_id,x,y,floor,r\n"
	      "every interval (default 1 s) while a tag is heard; r is the\n"
	      "1-sigma radius (m).\n"
	      "Defaults: --tx-power -59 --tx-prior 4 --path-loss 2.0 --sigma 6\n"
	      "--window 2 (--tx-prior: how far, 1 sigma, a tag's power may be\n"
	      "from --tx-power; 0 keeps it fixed; --scanner-prior 4: how far\n"
	      "a scanner's radio may read from the model, learned from the\n"
	      "fixes; 0 learns nothing)\n"
	      "--tag-height 1.0 --floor-height 4.0 (z of floor k = k x height).\n"
	      "--single-epoch writes each fix as solved, without the Kalman\n"
	      "filter (to measure the solver alone).\n"
	      "--moving appends a column moving (1: the engine calls the tag\n"
	      "moving, 0: still) after r, for track-score.\n"
	      "--events writes t,type,tag_id,zone,floor,x,y (zone_enter,\n"
	      "zone_exit, restricted_entry, distress, lost, found); with a site\n"
	      "file, --zone-report writes per zone the visits, dwell (mean,\n"
	      "median, p90 s) and occupancy (mean, peak) over the replay.\n"
	      "--offsets writes, at the end, scanner_id,offset_db,sigma_db:\n"
	      "what the engine learned each scanner reads above the model.\n",
	      f);
}

static int
parse_double(const char *opt, const char *s, double lo, double hi,
             double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr,
		        "track-replay: --%s: expected a number in [%g, %g], "
		        "got '%s'\n",
		        opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "scanners", required_argument, NULL, 's' },
		{ "site", required_argument, NULL, 'f' },
		{ "reports", required_argument, NULL, 'r' },
		{ "tx-power", required_argument, NULL, 'P' },
		{ "path-loss", required_argument, NULL, 'n' },
		{ "sigma", required_argument, NULL, 'S' },
		{ "interval", required_argument, NULL, 'i' },
		{ "window", required_argument, NULL, 'w' },
		{ "tag-height", required_argument, NULL, 'H' },
		{ "floor-height", required_argument, NULL, 'F' },
		{ "tx-prior", required_argument, NULL, 'p' },
		{ "scanner-prior", required_argument, NULL, 'c' },
		{ "offsets", required_argument, NULL, 'o' },
		{ "single-epoch", no_argument, NULL, '1' },
		{ "moving", no_argument, NULL, 'm' },
		{ "events", required_argument, NULL, 'e' },
		{ "zone-report", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	o->interval_s = 1.0;
	o->floor_height_m = SITECSV_FLOOR_HEIGHT_M;
	o->cfg = track_config_default();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *name = NULL;

		for (size_t k = 0; longopts[k].name; k++)
			if (longopts[k].val == c)
				name = longopts[k].name;
		switch (c) {
		case 's':
			o->scanners = optarg;
			break;
		case 'f':
			o->site = optarg;
			break;
		case 'r':
			o->reports = optarg;
			break;
		case 'P':
			if (parse_double(name, optarg, -127, 20,
			                 &o->cfg.tx_power_dbm) < 0)
				return -1;
			break;
		case 'p':
			if (parse_double(name, optarg, 0, 40,
			                 &o->cfg.tx_prior_db) < 0)
				return -1;
			break;
		case 'c':
			if (parse_double(name, optarg, 0, 40,
			                 &o->cfg.scanner_prior_db) < 0)
				return -1;
			break;
		case 'o':
			o->offsets = optarg;
			break;
		case 'n':
			if (parse_double(name, optarg, 0.5, 10,
			                 &o->cfg.path_loss) < 0)
				return -1;
			break;
		case 'S':
			if (parse_double(name, optarg, 0.1, 40,
			                 &o->cfg.sigma_db) < 0)
				return -1;
			break;
		case 'i':
			if (parse_double(name, optarg, 0.01, 3600,
			                 &o->interval_s) < 0)
				return -1;
			break;
		case 'w':
			if (parse_double(name, optarg, 0.01, 600, &v) < 0)
				return -1;
			o->cfg.window_us = llround(v * 1e6);
			break;
		case 'H':
			if (parse_double(name, optarg, -10, 100,
			                 &o->cfg.tag_height_m) < 0)
				return -1;
			break;
		case 'F':
			if (parse_double(name, optarg, 0, 1000,
			                 &o->floor_height_m) < 0)
				return -1;
			break;
		case '1':
			o->cfg.smooth = false;
			break;
		case 'm':
			o->moving = true;
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'z':
			o->zone_report = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "track-replay: unexpected argument '%s'\n",
		        argv[optind]);
		return -1;
	}
	if (o->zone_report && !o->site) {
		fprintf(stderr, "track-replay: --zone-report needs the zones "
		                "of a --site file\n");
		return -1;
	}
	if (!o->scanners == !o->site || !o->reports) {
		fprintf(stderr, "track-replay: --reports and one of --scanners "
		                "or --site are required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

static void
write_events(struct replay *rp)
{
	size_t n;

	while ((n = track_engine_events(rp->engine, rp->ev, 256)) > 0) {
		if (!rp->events)
			continue;
		for (size_t i = 0; i < n; i++) {
			const track_event *ev = &rp->ev[i];

			fprintf(rp->events, "%.3f,%s,%s,%s,%s,", (double)ev->t_us *
			                1e-6,
			        track_event_name(ev->type), ev->tag,
			        ev->zone ? ev->zone : "", ev->floor ? ev->floor : "");
			if (isnan(ev->x))
				fputs(",\n", rp->events);
			else
				fprintf(rp->events, "%.3f,%.3f\n", ev->x, ev->y);
		}
	}
}

static void
emit(struct replay *rp, int64_t tick_us)
{
	size_t n;

	if (rp->first_tick == INT64_MIN)
		rp->first_tick = tick_us;
	rp->last_tick = tick_us;
	n = track_engine_update(rp->engine, tick_us);
	write_events(rp);
	if (n == 0)
		return;
	while ((n = track_engine_changed(rp->engine, rp->batch,
	                                 rp->batch_cap)) > 0) {
		for (size_t i = 0; i < n; i++) {
			const track_position *p = &rp->batch[i];

			fprintf(rp->out, "%.3f,%s,%.3f,%.3f,%s,%.3f",
			        (double)p->t_us * 1e-6, p->tag, p->x, p->y,
			        p->floor, p->r);
			fputs(rp->moving ? (p->moving ? ",1\n" : ",0\n") : "\n",
			      rp->out);
		}
		rp->lines_out += n;
	}
}

static int64_t
tick_at_or_after(int64_t t_us, int64_t interval_us)
{
	int64_t k = t_us / interval_us;

	if (k * interval_us < t_us)
		k++;
	return k * interval_us;
}

static void
note_reject(struct replay *rp, csv_reader *in, track_status st,
            const char *scanner, const char *tag)
{
	rp->rejected++;
	rp->rejected_by[-st]++;
	if (rp->rejected <= MAX_REJECT_LINES)
		fprintf(stderr,
		        "track-replay: %s:%lu: report skipped (scanner '%s', "
		        "tag '%s'): %s\n",
		        csv_path(in), csv_line(in), scanner, tag,
		        track_strerror(st));
}

static int
run(struct replay *rp, csv_reader *in, const struct options *o)
{
	static const char *const cols[] = { "t", "scanner_id", "tag_id",
		                            "rssi" };
	int idx[4];
	int64_t interval_us = llround(o->interval_s * 1e6);
	int64_t horizon_us = o->cfg.window_us + o->cfg.reorder_us;
	int64_t next_tick = 0, last_t = 0;
	bool started = false;
	int rc;

	if (csv_require(in, cols, idx, 4) < 0) {
		fprintf(stderr, "track-replay: %s\n", csv_error(in));
		return -1;
	}
	while ((rc = csv_next(in)) > 0) {
		track_report r = { .tx_dbm = NAN };
		track_status st;
		double t;

		if (csv_double(in, idx[0], &t) < 0 ||
		    csv_id(in, idx[1], &r.scanner) < 0 ||
		    csv_id(in, idx[2], &r.tag) < 0 ||
		    csv_double(in, idx[3], &r.rssi_dbm) < 0) {
			fprintf(stderr, "track-replay: %s\n", csv_error(in));
			return -1;
		}
		if (fabs(t) > 1e12) {
			csv_fail(in, idx[0], "time %g is out of range", t);
			fprintf(stderr, "track-replay: %s\n", csv_error(in));
			return -1;
		}
		r.t_us = llround(t * 1e6);
		rp->rows++;
		if (!started) {
			next_tick = tick_at_or_after(r.t_us, interval_us);
			started = true;
		}
		/* A tick covers every report stamped up to and including it. */
		while (r.t_us > next_tick) {
			emit(rp, next_tick);
			next_tick += interval_us;
			/* Past the last report's window nothing is live:
			 * jump over the gap instead of ticking through it. */
			if (next_tick > last_t + horizon_us &&
			    next_tick < r.t_us)
				next_tick = tick_at_or_after(r.t_us,
				                             interval_us);
		}
		if (r.t_us > last_t)
			last_t = r.t_us;
		st = track_engine_ingest(rp->engine, &r);
		if (st != TRACK_OK)
			note_reject(rp, in, st, r.scanner, r.tag);
	}
	if (rc < 0) {
		fprintf(stderr, "track-replay: %s\n", csv_error(in));
		return -1;
	}
	if (started)
		emit(rp, next_tick);
	return 0;
}

/* Per zone over the whole replay: visits and dwell, mean and peak head
 * count. Written to path.new, then renamed. */
static int
zone_report(struct replay *rp, const track_site_doc *doc, const char *path,
            int64_t bucket_us)
{
	const track_site_zone *zones;
	size_t nz = track_site_zones(doc, &zones), cap = 1440;
	track_occupancy *occ = calloc(cap, sizeof *occ);
	char tmp[4096];
	FILE *f;
	int rc = -1;
	int64_t from;

	snprintf(tmp, sizeof tmp, "%s.new", path);
	f = occ ? fopen(tmp, "w") : NULL;
	if (!f) {
		fprintf(stderr, "track-replay: %s: %s\n", tmp, strerror(errno));
		free(occ);
		return -1;
	}
	fputs("zone,floor,kind,visits,dwell_mean_s,dwell_median_s,dwell_p90_s,"
	      "occupancy_mean,occupancy_peak\n", f);
	/* Whole buckets: from the start of the one the replay began in. */
	from = rp->first_tick - ((rp->first_tick % bucket_us) + bucket_us) %
	                        bucket_us;
	for (size_t z = 0; z < nz && rp->last_tick > rp->first_tick; z++) {
		static const char *const kinds[] = { "room", "corridor",
			                             "restricted", "exit" };
		track_dwell d;
		size_t n = 0, used;
		double mean = 0.0;
		unsigned peak = 0;

		track_engine_dwell(rp->engine, zones[z].id, from,
		                   rp->last_tick + 1, &d);
		track_engine_occupancy(rp->engine, zones[z].id, from,
		                       rp->last_tick + 1, occ, cap, &n);
		used = n < cap ? n : cap;
		for (size_t k = 0; k < used; k++) {
			mean += occ[k].mean;
			if (occ[k].peak > peak)
				peak = occ[k].peak;
		}
		fprintf(f, "%s,%s,%s,%zu,%.1f,%.1f,%.1f,%.2f,%u\n", zones[z].id,
		        zones[z].floor, kinds[zones[z].kind], d.visits, d.mean_s,
		        d.median_s, d.p90_s, used ? mean / (double)used : 0.0,
		        peak);
	}
	if (fflush(f) == 0 && !ferror(f))
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "track-replay: %s: %s\n", path, strerror(errno));
	free(occ);
	return rc;
}

/* What the engine learned of each scanner's radio, for installers (a
 * scanner far off is a radio to check) and for the tests. */
static int
write_offsets(const track_engine *e, const track_site *site,
              const char *path)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f) {
		fprintf(stderr, "track-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputs("scanner_id,offset_db,sigma_db\n", f);
	for (size_t i = 0; i < site->n_scanners; i++) {
		double off, sd;

		if (track_engine_scanner_offset(e, site->scanners[i].id, &off,
		                                &sd) == TRACK_OK)
			fprintf(f, "%s,%.2f,%.2f\n", site->scanners[i].id, off,
			        sd);
	}
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "track-replay: %s: %s\n", path, strerror(errno));
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct sitecsv site = { 0 };
	track_site_doc *doc = NULL;
	const track_site *engine_site;
	struct replay rp = { 0 };
	csv_reader *in = NULL;
	char err[512];
	int status = 1;
	track_status st;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.site) {
		if (sitefile_load("track-replay", o.site, &doc) < 0)
			return 1;
		engine_site = track_site_engine(doc);
	} else {
		if (sitecsv_load(o.scanners, o.floor_height_m, &site, err,
		                 sizeof err) < 0) {
			fprintf(stderr, "track-replay: %s\n", err);
			return 1;
		}
		engine_site = &site.site;
	}
	st = track_engine_create(&o.cfg, engine_site, &rp.engine);
	if (st != TRACK_OK) {
		fprintf(stderr, "track-replay: %s: cannot start the engine: %s\n",
		        o.site ? o.site : o.scanners, track_strerror(st));
		goto out;
	}
	if (csv_open(o.reports, &in, err, sizeof err) < 0) {
		fprintf(stderr, "track-replay: %s\n", err);
		goto out;
	}
	rp.batch_cap = 1024;
	rp.batch = calloc(rp.batch_cap, sizeof *rp.batch);
	if (!rp.batch) {
		fprintf(stderr, "track-replay: out of memory\n");
		goto out;
	}
	rp.out = stdout;
	rp.first_tick = rp.last_tick = INT64_MIN;
	if (o.events) {
		rp.events = fopen(o.events, "w");
		if (!rp.events) {
			fprintf(stderr, "track-replay: %s: %s\n", o.events,
			        strerror(errno));
			goto out;
		}
		fputs("t,type,tag_id,zone,floor,x,y\n", rp.events);
	}
	rp.moving = o.moving;
	/* The contract's columns; moving only when asked, at the end. */
	fputs(o.moving ? "t,tag_id,x,y,floor,r,moving\n" :
	                 "t,tag_id,x,y,floor,r\n", rp.out);
	if (run(&rp, in, &o) < 0)
		goto out;
	if (rp.events && (fflush(rp.events) != 0 || ferror(rp.events))) {
		fprintf(stderr, "track-replay: %s: %s\n", o.events,
		        strerror(errno));
		goto out;
	}
	if (o.zone_report && zone_report(&rp, doc, o.zone_report,
	                                 o.cfg.stats_bucket_us) < 0)
		goto out;
	if (o.offsets && write_offsets(rp.engine, engine_site, o.offsets) < 0)
		goto out;
	if (fflush(rp.out) != 0 || ferror(rp.out)) {
		fprintf(stderr, "track-replay: writing positions: %s\n",
		        strerror(errno));
		goto out;
	}
	if (rp.rejected > 0) {
		fprintf(stderr, "track-replay: %lu of %lu reports skipped:",
		        rp.rejected, rp.rows);
		for (int k = 0; k < 16; k++)
			if (rp.rejected_by[k])
				fprintf(stderr, " %lu %s;", rp.rejected_by[k],
				        track_strerror((track_status)-k));
		fputc('\n', stderr);
	}
	status = 0;
out:
	free(rp.batch);
	csv_close(in);
	track_engine_destroy(rp.engine);
	sitecsv_free(&site);
	track_site_free(doc);
	if (rp.events)
		fclose(rp.events);
	return status;
}
