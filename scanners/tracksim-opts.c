/* tracksim's options: one table for parsing, --help and scenario.json. */
#include "tracksim-opts.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-client.h"

#define OFF(f) offsetof(struct options, f)

const struct opt_spec opt_specs[] = {
	{ "csv", OPT_PATH, R_ANY, 0, OFF(csv), "DIR",
	  "write the files into DIR (created if missing)", false },
	{ "server", OPT_PATH, R_ANY, 0, OFF(server), "URL",
	  "send live to trackd at ws://HOST:PORT[/PATH] instead", false },
	{ "token", OPT_PATH, R_ANY, 0, OFF(token), "T",
	  "with --server: bearer token for the connection (visible in ps: "
	  "--token-file or TRACK_TOKEN are not)", false },
	{ "token-file", OPT_PATH, R_ANY, 0, OFF(token_file), "FILE",
	  "with --server: the token is FILE's first line", false },
	{ "mqtt", OPT_PATH, R_ANY, 0, OFF(mqtt), "URL",
	  "publish live to the MQTT broker at mqtt://HOST[:PORT] (or "
	  "mqtts://) instead, on libtrack/<site>/reports/<scanner>", false },
	{ "mqtt-user", OPT_PATH, R_ANY, 0, OFF(mqtt_user), "U",
	  "with --mqtt: the broker login", false },
	{ "mqtt-password-file", OPT_PATH, R_ANY, 0, OFF(mqtt_password_file),
	  "FILE", "with --mqtt: the password is FILE's first line (else "
	  "TRACK_MQTT_PASSWORD)", false },
	{ "mqtt-cafile", OPT_PATH, R_ANY, 0, OFF(mqtt_cafile), "PEM",
	  "with mqtts://: the CA to trust (else the system's)", false },
	{ "site", OPT_PATH, R_ANY, 0, OFF(site), "FILE",
	  "simulate this site.json instead of a grid building", false },
	{ "seed", OPT_INT, R_NONNEG, LLONG_MAX, OFF(seed), "N",
	  "random seed", false },
	{ "tags", OPT_INT, R_POS, 1000000, OFF(tags), "N",
	  "number of tags (with --site: if it lists none)", false },
	{ "duration", OPT_REAL, R_POS, 0, OFF(duration), "S",
	  "simulated time, s (--server: until stopped)", false },
	{ "floors", OPT_INT, R_POS, 1000, OFF(floors), "N",
	  "number of floors", true },
	{ "width", OPT_REAL, R_POS, 0, OFF(width), "M",
	  "floor width (x), m", true },
	{ "height", OPT_REAL, R_POS, 0, OFF(height), "M",
	  "floor depth (y), m", true },
	{ "spacing", OPT_REAL, R_POS, 0, OFF(spacing), "M",
	  "scanner grid spacing, m", true },
	{ "sigma", OPT_REAL, R_NONNEG, 0, OFF(sigma), "DB",
	  "fast fading per packet, standard deviation, dB", false },
	{ "shadow-sigma", OPT_REAL, R_NONNEG, 0, OFF(shadow_sigma), "DB",
	  "shadowing per tag-scanner link, sd, dB", false },
	{ "shadow-dist", OPT_REAL, R_POS, 0, OFF(shadow_dist), "M",
	  "walk over which shadowing decorrelates, m", false },
	{ "body-loss", OPT_REAL, R_NONNEG, 0, OFF(body_loss), "DB",
	  "loss toward scanners behind a badge's wearer, dB", false },
	{ "n", OPT_REAL, R_POS, 0, OFF(n), "X",
	  "path-loss exponent, unless a site scanner sets one", false },
	{ "tx", OPT_REAL, R_ANY, 0, OFF(tx), "DBM",
	  "RSSI at 1 m, dBm", false },
	{ "scanner-bias", OPT_REAL, R_NONNEG, 0, OFF(scanner_bias), "DB",
	  "per-scanner bias, uniform in +-DB", false },
	{ "radio-kinds", OPT_INT, R_POS, 100, OFF(radio_kinds), "N",
	  "kinds of scanner radio (each scanner: one)", false },
	{ "kind-spread", OPT_REAL, R_NONNEG, 0, OFF(kind_spread), "DB",
	  "first and last radio kind read this far apart, dB", false },
	{ "tag-bias", OPT_REAL, R_NONNEG, 0, OFF(tag_bias), "DB",
	  "per-tag bias, uniform in +-DB", false },
	{ "drop", OPT_REAL, R_UNIT, 0, OFF(drop), "P",
	  "probability a report is lost", false },
	{ "rate-spread", OPT_REAL, R_UNIT, 0, OFF(rate_spread), "F",
	  "a scanner loses a further share of up to F", false },
	{ "outage-every", OPT_REAL, R_NONNEG, 0, OFF(outage_every), "S",
	  "mean time between a scanner's outages, s (0: none)", false },
	{ "outage-len", OPT_REAL, R_POS, 0, OFF(outage_len), "S",
	  "mean length of an outage (nothing heard), s", false },
	{ "threshold", OPT_REAL, R_ANY, 0, OFF(threshold), "DBM",
	  "weakest RSSI a scanner hears", false },
	{ "static-frac", OPT_REAL, R_UNIT, 0, OFF(static_frac), "F",
	  "fraction of tags (--site: assets) that stay put", false },
	{ "speed-min", OPT_REAL, R_POS, 0, OFF(speed_min), "MPS",
	  "slowest walking speed, m/s", false },
	{ "speed-max", OPT_REAL, R_POS, 0, OFF(speed_max), "MPS",
	  "fastest walking speed, m/s", false },
	{ "pause-max", OPT_REAL, R_NONNEG, 0, OFF(pause_max), "S",
	  "longest pause at a waypoint, s (site rooms: 6x)", false },
	{ "turn-prob", OPT_REAL, R_UNIT, 0, OFF(turn_prob), "P",
	  "chance a walk turns a corner on the way", false },
	{ "stop-prob", OPT_REAL, R_UNIT, 0, OFF(stop_prob), "P",
	  "chance a person stops on the way", false },
	{ "stop-max", OPT_REAL, R_NONNEG, 0, OFF(stop_max), "S",
	  "longest stop on the way, s", false },
	{ "speed-jitter", OPT_REAL, R_UNIT, 0, OFF(speed_jitter), "F",
	  "each stretch of a walk is up to F faster or slower", false },
	{ "asset-move", OPT_REAL, R_UNIT, 0, OFF(asset_move), "F",
	  "share of the time a moving asset moves (--site)", false },
	{ "period", OPT_REAL, R_POS, 0, OFF(period), "S",
	  "advertising period, s", false },
	{ "truth-dt", OPT_REAL, R_POS, 0, OFF(truth_dt), "S",
	  "ground-truth row interval, s (--csv only)", false },
	{ "latency", OPT_REAL, R_NONNEG, 0, OFF(latency), "S",
	  "report delay, uniform in [0, S]", false },
	{ "scanner-z", OPT_REAL, R_NONNEG, 0, OFF(scanner_z), "M",
	  "scanner height above its floor, m", true },
	{ "tag-z", OPT_REAL, R_NONNEG, 0, OFF(tag_z), "M",
	  "tag height above its floor, m", false },
	{ "floor-height", OPT_REAL, R_POS, 0, OFF(floor_height), "M",
	  "storey height, m", true },
	{ "floor-atten", OPT_REAL, R_NONNEG, 0, OFF(floor_atten), "DB",
	  "loss per floor crossed, dB", false },
	{ "margin", OPT_REAL, R_NONNEG, 0, OFF(margin), "M",
	  "waypoints keep this far from the walls, m", false },
	{ "t0", OPT_REAL, R_NONNEG, 0, OFF(t0), "S",
	  "start time, s (--csv only: live, it is now)", false },
	{ "stairs-prob", OPT_REAL, R_UNIT, 0, OFF(stairs_prob), "P",
	  "chance a walk heads for the stairs (floors > 1)", false },
	{ "button-every", OPT_REAL, R_NONNEG, 0, OFF(button_every), "S",
	  "a person presses the button every S s (0: never)", false },
	{ "quiet", OPT_FLAG, R_ANY, 0, OFF(quiet), NULL,
	  "no summary (--server: status lines) on stderr", false },
};

#define N_SPECS (sizeof opt_specs / sizeof opt_specs[0])

const size_t n_opt_specs = N_SPECS;

/* options.given has a bit for each. */
_Static_assert(N_SPECS <= 64, "more options than bits in options.given");

/* A live demo shows an alarm every couple of minutes. */
#define LIVE_BUTTON_EVERY 120.0

static struct options
options_default(void)
{
	return (struct options){
		.csv = NULL,
		.server = NULL,
		.token = NULL,
		.site = NULL,
		.seed = 7,
		.tags = 20,
		.duration = 120.0,
		.floors = 1,
		.width = 40.0,
		.height = 20.0,
		.spacing = 8.0,
		.sigma = 4.5,
		.n = 2.0,
		.tx = -59.0,
		.scanner_bias = 3.0,
		.tag_bias = 0.0,
		.drop = 0.05,
		.threshold = -100.0,
		.static_frac = 0.2,
		.speed_min = 1.0,
		.speed_max = 1.5,
		.pause_max = 5.0,
		.period = 1.0,
		.truth_dt = 1.0,
		.latency = 0.05,
		.scanner_z = 3.0,
		.tag_z = 1.0,
		.floor_height = 4.0,
		.floor_atten = 15.0,
		.margin = 0.5,
		.t0 = 0.0,
		.stairs_prob = 0.25,
		.button_every = 0.0,
		.shadow_sigma = 2.8,
		.shadow_dist = 1.0,
		.body_loss = 6.0,
		.radio_kinds = 2,
		.kind_spread = 4.0,
		.rate_spread = 0.2,
		.outage_every = 120.0,
		.outage_len = 1.0,
		.turn_prob = 0.5,
		.stop_prob = 0.3,
		.stop_max = 10.0,
		.speed_jitter = 0.2,
		.asset_move = 0.15,
		.quiet = false,
		.given = 0,
	};
}

static void
usage(FILE *fp, const struct options *def)
{
	fputs("usage: tracksim --csv DIR [--site FILE] [options]\n"
	      "       tracksim --server ws://HOST:PORT[/PATH] [--site FILE] "
	      "[options]\n"
	      "       tracksim --mqtt mqtt://HOST[:PORT] [--site FILE] "
	      "[options]\n"
	      "Simulate BLE scanners and moving tags; write scanners.csv, "
	      "reports.csv,\ntruth.csv, site.json and scenario.json into "
	      "DIR (and buttons.csv with\n--button-every). The same options "
	      "give the same files.\n\n"
	      "With --server, simulate in real time instead (the clock is "
	      "the wall clock)\nand send the reports to trackd over the "
	      "WebSocket subprotocol\ntrack-ingest.v1, one message per "
	      "scanner every 250 ms, until SIGINT or\nSIGTERM (or the end "
	      "of --duration). A person presses the button every 120 s\n"
	      "unless --button-every says otherwise; their reports carry "
	      "\"button\":true for\n3 s after. Lost connections are "
	      "retried with backoff; meanwhile the last\n10 s of reports "
	      "are kept. A status line goes to stderr every 10 s.\n"
	      "With --mqtt, the same messages are published to the broker "
	      "instead, each\non libtrack/<site>/reports/<scanner> with "
	      "QoS 1, for trackd --mqtt.\n\n"
	      "Without --site the building is a grid of scanners. With "
	      "--site the floors,\nscanners, zones and tags come from the "
	      "site file: people walk between\npoints in its rooms and "
	      "corridors, patients keep to the zone their name\nnames, "
	      "assets stand in rooms; options marked (grid) do not apply "
	      "then.\n\noptions [default]:\n", fp);
	for (size_t i = 0; i < n_opt_specs; i++) {
		const struct opt_spec *s = &opt_specs[i];
		const char *field = (const char *)def + s->off;
		char left[40];

		snprintf(left, sizeof left, "--%s%s%s", s->name,
			 s->arg ? " " : "", s->arg ? s->arg : "");
		fprintf(fp, "  %-20s %s%s", left, s->help,
			s->grid_only ? " (grid)" : "");
		if (s->kind == OPT_INT)
			fprintf(fp, " [%lld]", *(const long long *)field);
		else if (s->kind == OPT_REAL)
			fprintf(fp, " [%g]", *(const double *)field);
		fputc('\n', fp);
	}
	fprintf(fp, "  %-20s %s\n", "--help", "show this help");
}

static const char *
range_text(enum opt_kind kind, enum opt_range range)
{
	if (kind == OPT_INT)
		return range == R_POS ? "a positive integer"
				      : "a non-negative integer";
	switch (range) {
	case R_POS:
		return "a positive number";
	case R_NONNEG:
		return "a non-negative number";
	case R_UNIT:
		return "a number in [0, 1]";
	case R_ANY:
		break;
	}
	return "a number";
}

static bool
parse_int(const char *s, long long *out)
{
	const char *p = s[0] == '-' ? s + 1 : s;
	char *end;

	/* strtoll alone would accept leading blanks and a plus sign. */
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

static bool
parse_real(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool
in_range(enum opt_range range, double v)
{
	switch (range) {
	case R_POS:
		return v > 0.0;
	case R_NONNEG:
		return v >= 0.0;
	case R_UNIT:
		return v >= 0.0 && v <= 1.0;
	case R_ANY:
		break;
	}
	return true;
}

static bool
set_option(const struct opt_spec *s, const char *val, struct options *o)
{
	char *field = (char *)o + s->off;
	long long iv;
	double dv;

	switch (s->kind) {
	case OPT_PATH:
		if (*val == '\0') {
			fprintf(stderr, "tracksim: --%s: expected %s, got "
				"''\n", s->name, s->off == OFF(server) ?
				"a ws:// URL" : s->off == OFF(token) ?
				"a token" : "a path");
			return false;
		}
		*(const char **)field = val;
		return true;
	case OPT_INT:
		if (!parse_int(val, &iv) || !in_range(s->range, (double)iv))
			break;
		if (iv > s->max) {
			fprintf(stderr, "tracksim: --%s: expected %s up to %lld,"
				" got '%s'\n", s->name,
				range_text(s->kind, s->range), s->max, val);
			return false;
		}
		*(long long *)field = iv;
		return true;
	case OPT_REAL:
		if (!parse_real(val, &dv) || !in_range(s->range, dv))
			break;
		*(double *)field = dv;
		return true;
	case OPT_FLAG:
		*(bool *)field = true;
		return true;
	}
	fprintf(stderr, "tracksim: --%s: expected %s, got '%s'\n", s->name,
		range_text(s->kind, s->range), val);
	return false;
}

bool
opts_given(const struct options *o, const char *name)
{
	for (size_t i = 0; i < n_opt_specs; i++) {
		if (strcmp(opt_specs[i].name, name) == 0)
			return (o->given >> i) & 1u;
	}
	return false;
}

/* The token: --token, --token-file or TRACK_TOKEN (ingest_token_get),
 * into o->token; it goes into an HTTP header, so it is checked here. */
static bool
take_token(struct options *o)
{
	static char buf[INGEST_MAX_TOKEN + 2];
	char why[512];

	if (ingest_token_get("tracksim", o->token, o->token_file, buf,
	                     sizeof buf, &o->token, why, sizeof why)) {
		fprintf(stderr, "tracksim: %s\n", why);
		return false;
	}
	return true;
}

/* --mqtt: the broker instead of trackd, its options checked as every
 * scanner program's (ingest_mqtt_opts_check); then the live URL. */
static bool
check_mqtt(struct options *o)
{
	/* o->mqtt_password may point into it. */
	static struct ingest_mqtt_opts m;
	char why[512];

	if (o->mqtt && (o->server || o->csv || o->token || o->token_file)) {
		fprintf(stderr, "tracksim: --mqtt goes without --%s (trackd "
			"takes the reports from the broker, which checks "
			"--mqtt-user)\n", o->server ? "server" : o->csv ? "csv"
			: "token");
		return false;
	}
	m.opt = "mqtt";
	m.url = o->mqtt;
	m.user = o->mqtt_user;
	m.password_file = o->mqtt_password_file;
	m.cafile = o->mqtt_cafile;
	if (ingest_mqtt_opts_check("tracksim", &m, why, sizeof why)) {
		fprintf(stderr, "tracksim: %s\n", why);
		return false;
	}
	o->mqtt_password = m.password;
	if (o->mqtt)
		o->server = o->mqtt;
	return true;
}

/* --server (or --mqtt) against --csv; fills in the live defaults. */
static bool
check_mode(struct options *o)
{
	struct ws_url url;
	const char *why;

	if (!check_mqtt(o))
		return false;
	if (!o->csv == !o->server) {
		fprintf(stderr, "tracksim: %s (see --help)\n", o->csv ?
			"--csv and --server cannot be used together" :
			"--csv DIR or --server URL is required");
		return false;
	}
	if (o->csv) {
		if (o->token || o->token_file) {
			fprintf(stderr, "tracksim: --token%s goes with --server, "
				"not --csv\n", o->token ? "" : "-file");
			return false;
		}
		return true;
	}
	why = o->mqtt ? NULL : ingest_url_parse(o->server, &url);
	if (why) {
		fprintf(stderr, "tracksim: --server '%s': %s\n", o->server,
			why);
		return false;
	}
	if (!o->mqtt && !take_token(o))
		return false;
	if (opts_given(o, "t0") || opts_given(o, "truth-dt")) {
		fprintf(stderr, "tracksim: --%s goes with --csv: live time is "
			"the wall clock, and there is no truth file\n",
			opts_given(o, "t0") ? "t0" : "truth-dt");
		return false;
	}
	if (!opts_given(o, "button-every"))
		o->button_every = LIVE_BUTTON_EVERY;
	if (!opts_given(o, "duration"))
		o->duration = INFINITY;
	return true;
}

static bool
check_options(struct options *o)
{
	if (!check_mode(o))
		return false;
	if (o->speed_max < o->speed_min) {
		fprintf(stderr, "tracksim: --speed-max (%g) is below "
			"--speed-min (%g)\n", o->speed_max, o->speed_min);
		return false;
	}
	if (!o->site &&
	    (2.0 * o->margin >= o->width || 2.0 * o->margin >= o->height)) {
		fprintf(stderr, "tracksim: --margin %g leaves no room to walk "
			"on a %g x %g m floor\n", o->margin, o->width,
			o->height);
		return false;
	}
	/* Finer steps than the 1 ms written to the files would give one tag
	 * several rows with the same time. */
	if (o->period < 0.001) {
		fprintf(stderr, "tracksim: --period: expected at least 0.001 "
			"(times are written in ms), got %g\n", o->period);
		return false;
	}
	if (o->truth_dt < 0.001) {
		fprintf(stderr, "tracksim: --truth-dt: expected at least 0.001 "
			"(times are written in ms), got %g\n", o->truth_dt);
		return false;
	}
	if (o->button_every > 0.0 && o->button_every < 0.001) {
		fprintf(stderr, "tracksim: --button-every: expected 0 or at "
			"least 0.001 (times are written in ms), got %g\n",
			o->button_every);
		return false;
	}
	if (o->csv && o->t0 + o->duration + o->latency > MAX_TIME_S) {
		fprintf(stderr, "tracksim: --t0 + --duration must stay below "
			"%g s\n", MAX_TIME_S);
		return false;
	}
	return true;
}

int
opts_parse(int argc, char **argv, struct options *o)
{
	*o = options_default();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_spec *s = NULL;
		const char *val = NULL;
		size_t len;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			struct options def = options_default();
			usage(stdout, &def);
			return -1;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "tracksim: unexpected argument '%s' "
				"(see --help)\n", a);
			return EXIT_USAGE;
		}
		a += 2;
		len = strcspn(a, "=");
		for (size_t k = 0; k < n_opt_specs; k++) {
			if (strlen(opt_specs[k].name) == len &&
			    strncmp(opt_specs[k].name, a, len) == 0)
				s = &opt_specs[k];
		}
		if (!s) {
			fprintf(stderr, "tracksim: unknown option '--%.*s' "
				"(see --help)\n", (int)len, a);
			return EXIT_USAGE;
		}
		if (a[len] == '=') {
			if (s->kind == OPT_FLAG) {
				fprintf(stderr, "tracksim: --%s takes no "
					"value\n", s->name);
				return EXIT_USAGE;
			}
			val = a + len + 1;
		} else if (s->kind != OPT_FLAG) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tracksim: --%s: missing "
					"value\n", s->name);
				return EXIT_USAGE;
			}
			val = argv[++i];
		}
		if (!set_option(s, val, o))
			return EXIT_USAGE;
		o->given |= (uint64_t)1 << (size_t)(s - opt_specs);
	}
	return check_options(o) ? 0 : EXIT_USAGE;
}
