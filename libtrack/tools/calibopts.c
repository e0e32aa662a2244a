#include "calibopts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitecsv.h"

static void
calibopts_usage(FILE *f)
{
	fputs("usage: track-calibrate --scanners S --reports R --truth T\n"
	      "         [--tag-height M] [--floor-height M] [--min-reports N]\n"
	      "         [--shrink K] [--write-scanners FILE]\n"
	      "\n"
	      "Fits RSSI = P1m - 10 n log10(d) + offset[scanner] from a\n"
	      "labelled walk and prints the track-replay flags and the\n"
	      "per-scanner rssi_offset values (dB a scanner reads above the\n"
	      "model).\n"
	      "\n"
	      "  --scanners S        scanners.csv (scanner_id,x,y,z,floor)\n"
	      "  --reports R         reports.csv (t,scanner_id,tag_id,rssi)\n"
	      "  --truth T           truth.csv (t,tag_id,x,y,z,floor)\n"
	      "  --tag-height M      tag z = floor z + M instead of truth z\n"
	      "                      (the flags printed carry the height used)\n"
	      "  --floor-height M    floor z = level * M (default 4, as track-replay)\n"
	      "  --min-reports N     fewer reports: offset 0 (default 30)\n"
	      "  --shrink K          offset = sum / (count + K) (default\n"
	      "                      sigma^2 / 3^2)\n"
	      "  --write-scanners F  write scanners.csv with path_loss and\n"
	      "                      rssi_offset columns to F\n", f);
}

static bool
calibopts_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && errno == 0 && isfinite(*out);
}

static bool
calibopts_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

int
calibopts_parse(int argc, char **argv, struct calibopts *o)
{
	enum { O_SCANNERS = 256, O_REPORTS, O_TRUTH, O_TAG_HEIGHT,
	       O_FLOOR_HEIGHT, O_MIN_REPORTS, O_SHRINK, O_WRITE, O_HELP };
	static const struct option longopts[] = {
		{ "scanners", required_argument, NULL, O_SCANNERS },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "truth", required_argument, NULL, O_TRUTH },
		{ "tag-height", required_argument, NULL, O_TAG_HEIGHT },
		{ "floor-height", required_argument, NULL, O_FLOOR_HEIGHT },
		{ "min-reports", required_argument, NULL, O_MIN_REPORTS },
		{ "shrink", required_argument, NULL, O_SHRINK },
		{ "write-scanners", required_argument, NULL, O_WRITE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->tag_height = NAN;
	o->floor_height = SITECSV_FLOOR_HEIGHT_M;
	o->fit = calibrate_options_default();
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case O_SCANNERS:
			o->scanners = optarg;
			break;
		case O_REPORTS:
			o->reports = optarg;
			break;
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_TAG_HEIGHT:
			ok = calibopts_double(optarg, &o->tag_height);
			break;
		case O_FLOOR_HEIGHT:
			ok = calibopts_double(optarg, &o->floor_height) &&
			     o->floor_height >= 0.0;
			break;
		case O_MIN_REPORTS:
			ok = calibopts_size(optarg, &o->fit.min_reports);
			break;
		case O_SHRINK:
			ok = calibopts_double(optarg, &o->fit.shrink) &&
			     o->fit.shrink >= 0.0;
			break;
		case O_WRITE:
			o->write_scanners = optarg;
			break;
		case O_HELP:
			calibopts_usage(stdout);
			exit(0);
		default:
			calibopts_usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "track-calibrate: bad value '%s' for "
			        "--%s\n", optarg,
			        longopts[c - O_SCANNERS].name);
			calibopts_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "track-calibrate: unexpected argument '%s'\n",
		        argv[optind]);
		calibopts_usage(stderr);
		return 2;
	}
	if (!o->scanners || !o->reports || !o->truth) {
		fprintf(stderr, "track-calibrate: --scanners, --reports and "
		        "--truth are required\n");
		calibopts_usage(stderr);
		return 2;
	}
	if (o->write_scanners && strcmp(o->scanners, "-") == 0) {
		fprintf(stderr, "track-calibrate: --write-scanners needs "
		        "--scanners from a file, not stdin\n");
		return 2;
	}
	return 0;
}
