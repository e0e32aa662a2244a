/* load-opts: the command line, --help, and the --url parsed. */
#include "load.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(FILE *f)
{
	fputs("usage: trackd-load --url ws[s]://HOST:PORT --site site.json\n"
	      "         [--tags 10000] [--rate 1] [--clients 100]\n"
	      "         [--duration 30] [--warmup 5] [--pid PID] [--seed 1]\n"
	      "         [--probes 100] [--token T] [--mqtt mqtt://HOST:PORT]\n"
	      "Loads a running trackd: --tags tags advertising --rate times "
	      "a second,\n"
	      "each heard by its 6 nearest scanners, sent over one "
	      "track-ingest.v1\n"
	      "connection per scanner of the site, and --clients live "
	      "clients on\n"
	      "track-live.v1. Counts for --duration seconds after --warmup "
	      "seconds;\n"
	      "with --pid, also trackd's CPU and memory. --probes more tags, "
	      "parked and\n"
	      "heard once every 10 s, time report-to-client latency. Prints "
	      "\"name value\n"
	      "unit\" lines. With --mqtt the scanners' documents are "
	      "published to the\n"
	      "broker instead (QoS 1, libtrack/<site>/reports/<scanner>), "
	      "for a trackd\n"
	      "started with --mqtt; accepted then means acknowledged by the "
	      "broker.\n", f);
}

static int
parse_number(const char *opt, const char *arg, double lo, double hi,
             double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "trackd-load: --%s: expected a number from %g "
		                "to %g, got '%s'\n", opt, lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_url(struct options *o)
{
	const char *u = o->url, *colon, *slash;
	size_t hl;
	char *end;
	long port = 80;

	if (strncmp(u, "wss://", 6) == 0) {
		o->tls = true;
		port = 443;
		u += 6;
	} else if (strncmp(u, "ws://", 5) == 0) {
		u += 5;
	} else {
		goto bad;
	}
	slash = strchr(u, '/');
	if (!slash)
		slash = u + strlen(u);
	colon = memchr(u, ':', (size_t)(slash - u));
	hl = (size_t)((colon ? colon : slash) - u);
	if (hl == 0 || hl >= sizeof o->host ||
	    strlen(slash) >= sizeof o->path)
		goto bad;
	memcpy(o->host, u, hl);
	o->host[hl] = '\0';
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535)
			goto bad;
	}
	o->port = (int)port;
	snprintf(o->hostport, sizeof o->hostport, "%s:%ld", o->host, port);
	snprintf(o->path, sizeof o->path, "%s", *slash ? slash : "/");
	return 0;
bad:
	fprintf(stderr, "trackd-load: --url: expected ws[s]://HOST[:PORT]"
	                "[/PATH], got '%s'\n", o->url);
	return -1;
}

/* mqtt://HOST[:PORT] (1883) into mqtt_host and mqtt_port. */
static int
parse_mqtt_url(struct options *o)
{
	const char *h = o->mqtt + 7, *colon;
	size_t n;
	double port = 1883;

	if (strncmp(o->mqtt, "mqtt://", 7) != 0 || !*h) {
		fprintf(stderr, "trackd-load: --mqtt: expected mqtt://HOST:PORT, "
		                "got '%s'\n", o->mqtt);
		return -1;
	}
	colon = strrchr(h, ':');
	n = colon ? (size_t)(colon - h) : strcspn(h, "/");
	if (n == 0 || n >= sizeof o->mqtt_host ||
	    (colon && parse_number("mqtt", colon + 1, 1, 65535, &port) < 0))
		return -1;
	memcpy(o->mqtt_host, h, n);
	o->mqtt_host[n] = '\0';
	o->mqtt_port = (int)port;
	return 0;
}

int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "site", required_argument, NULL, 's' },
		{ "tags", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "clients", required_argument, NULL, 'c' },
		{ "probes", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "token", required_argument, NULL, 't' },
		{ "mqtt", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	*o = (struct options){ .tags = 10000, .probes = 100, .rate = 1.0,
		               .clients = 100,
		               .duration = 30.0, .warmup = 5.0, .seed = 1 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->url = optarg;
			break;
		case 's':
			o->site = optarg;
			break;
		case 't':
			o->token = optarg;
			break;
		case 'm':
			o->mqtt = optarg;
			break;
		case 'n':
			if (parse_number("tags", optarg, 1, TAGS_MAX, &v) < 0)
				return -1;
			o->tags = (long)v;
			break;
		case 'r':
			if (parse_number("rate", optarg, 0.01, 100, &v) < 0)
				return -1;
			o->rate = v;
			break;
		case 'c':
			if (parse_number("clients", optarg, 0, 10000, &v) < 0)
				return -1;
			o->clients = (long)v;
			break;
		case 'P':
			if (parse_number("probes", optarg, 0, 10000, &v) < 0)
				return -1;
			o->probes = (long)v;
			break;
		case 'd':
			if (parse_number("duration", optarg, 1, 86400,
			                 &o->duration) < 0)
				return -1;
			break;
		case 'w':
			if (parse_number("warmup", optarg, 0, 3600,
			                 &o->warmup) < 0)
				return -1;
			break;
		case 'p':
			if (parse_number("pid", optarg, 1, 4194304, &v) < 0)
				return -1;
			o->pid = (long)v;
			break;
		case 'S':
			if (parse_number("seed", optarg, 0, 1e15, &v) < 0)
				return -1;
			o->seed = (uint64_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->url || !o->site || optind < argc) {
		usage(stderr);
		return -1;
	}
	if (o->tags + o->probes > TAGS_MAX) {
		fprintf(stderr, "trackd-load: --tags plus --probes: at most "
		                "%d\n", TAGS_MAX);
		return -1;
	}
	if (o->mqtt && parse_mqtt_url(o) < 0)
		return -1;
	return parse_url(o);
}
