/* trackscan's options, --help, and the allow-list filter. */
#include "trackscan.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest-client.h"
#include "mqtt-topic.h"

static const char usage[] =
"usage: trackscan --server ws://HOST:PORT[/PATH] --scanner ID\n"
"                 [--token T | --token-file FILE]\n"
"                 [--adapter hciN] [options]\n"
"       trackscan --mqtt mqtt://HOST[:PORT] --site ID --scanner ID\n"
"                 [--mqtt-user U] [--mqtt-password-file FILE]\n"
"                 [--mqtt-cafile PEM] [--adapter hciN] [options]\n"
"       trackscan --replay FILE (--print | --server URL --scanner ID |\n"
"                 --mqtt URL --site ID --scanner ID) ...\n"
"\n"
"Scans Bluetooth LE advertisements (passive, duplicates kept) and sends\n"
"them to trackd as track-ingest.v1 reports from scanner ID.\n"
"\n"
"  --server URL        trackd's ingest WebSocket\n"
"  --token T           bearer token for it (a scanner token; visible in\n"
"                      ps: --token-file or TRACK_TOKEN are not)\n"
"  --token-file FILE   the token is FILE's first line\n"
"  --mqtt URL          publish to the MQTT broker at mqtt://HOST[:PORT]\n"
"                      (or mqtts://) instead, with QoS 1, on\n"
"                      libtrack/<site>/reports/<scanner>, for trackd --mqtt\n"
"  --site ID           with --mqtt: the site's id (its site file's \"site\")\n"
"  --mqtt-user U       with --mqtt: the broker login (the broker's ACL\n"
"                      decides where it may publish)\n"
"  --mqtt-password-file FILE  the password is FILE's first line (else\n"
"                      TRACK_MQTT_PASSWORD)\n"
"  --mqtt-cafile PEM   with mqtts://: the CA to trust (else the system's)\n"
"  --scanner ID        this scanner's id in the site file\n"
"  --adapter hciN      the Bluetooth adapter (default: the first)\n"
"  --legacy            legacy scanning even where extended is supported\n"
"  --replay FILE       read HCI events from a btsnoop capture (btmon -w)\n"
"                      instead of an adapter\n"
"  --realtime          with --replay: at the pace they were recorded\n"
"  --print             write the reports to stdout as JSON lines instead\n"
"                      of sending them\n"
"  --batch-ms N        send every N ms (default 250)\n"
"  --buffer N          reports kept while trackd (or the broker) is\n"
"                      unreachable; the oldest are dropped beyond\n"
"                      (default 20000)\n"
"  --drain S           at the end of a replay, wait up to S s for trackd\n"
"                      to take what is queued (default 10)\n"
"  --allow-uuid UUID   report only iBeacons with this proximity UUID,\n"
"  --allow-prefix P    tags whose id starts with P,\n"
"  --allow-mac MAC     and devices with this address (each repeatable;\n"
"                      none given: every tag)\n"
"  --kontakt-uuid UUID Kontakt.io button tags with this UUID: their\n"
"                      button packet (UUID + 1) is reported as a press\n"
"  --quiet             no status lines\n"
"  --help\n";

enum {
	O_SERVER = 256, O_TOKEN, O_TOKEN_FILE, O_SCANNER, O_ADAPTER, O_LEGACY, O_REPLAY,
	O_REALTIME, O_PRINT, O_BATCH, O_BUFFER, O_DRAIN, O_UUID, O_PREFIX,
	O_MAC, O_KONTAKT, O_QUIET, O_HELP, O_MQTT, O_MQTT_USER,
	O_MQTT_PASSWORD_FILE, O_MQTT_CAFILE, O_SITE,
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, O_SERVER },
	{ "token", required_argument, NULL, O_TOKEN },
	{ "token-file", required_argument, NULL, O_TOKEN_FILE },
	{ "mqtt", required_argument, NULL, O_MQTT },
	{ "mqtt-user", required_argument, NULL, O_MQTT_USER },
	{ "mqtt-password-file", required_argument, NULL, O_MQTT_PASSWORD_FILE },
	{ "mqtt-cafile", required_argument, NULL, O_MQTT_CAFILE },
	{ "site", required_argument, NULL, O_SITE },
	{ "scanner", required_argument, NULL, O_SCANNER },
	{ "adapter", required_argument, NULL, O_ADAPTER },
	{ "legacy", no_argument, NULL, O_LEGACY },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "realtime", no_argument, NULL, O_REALTIME },
	{ "print", no_argument, NULL, O_PRINT },
	{ "batch-ms", required_argument, NULL, O_BATCH },
	{ "buffer", required_argument, NULL, O_BUFFER },
	{ "drain", required_argument, NULL, O_DRAIN },
	{ "allow-uuid", required_argument, NULL, O_UUID },
	{ "allow-prefix", required_argument, NULL, O_PREFIX },
	{ "allow-mac", required_argument, NULL, O_MAC },
	{ "kontakt-uuid", required_argument, NULL, O_KONTAKT },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static bool
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
parse_mac(const char *s, uint8_t out[6])
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return false;
	for (size_t i = 0; i < 6; i++)
		out[i] = (uint8_t)b[i];
	return true;
}

/* Appends one element of size bytes to *v (n elements).  false: out of
 * memory. */
static bool
grow(void *vp, size_t *n, size_t size, const void *elem)
{
	void **v = vp;
	char *p = realloc(*v, (*n + 1) * size);

	if (!p)
		return false;
	memcpy(p + *n * size, elem, size);
	*v = p;
	(*n)++;
	return true;
}

/* --mqtt against the options of trackd's WebSocket and --print, and what
 * its topic needs: the site and scanner ids. 0, or -1 said why. */
static int
check_mqtt(const struct scan_opts *o)
{
	const char *bad;

	if (o->server || o->token || o->token_file || o->print) {
		fprintf(stderr, "trackscan: %s\n", o->server ?
			"--mqtt and --server: give one (trackd --mqtt takes "
			"the reports from the broker)" : o->print ?
			"--print and --mqtt cannot be used together" :
			"--token and --token-file go with --server: over --mqtt "
			"the broker checks the scanner (--mqtt-user)");
		return -1;
	}
	if (!o->site || !o->scanner) {
		fprintf(stderr, "trackscan: --mqtt needs --%s ID (the topic is "
			"libtrack/<site>/reports/<scanner>; the site id is the "
			"site file's \"site\")\n", o->site ? "scanner" : "site");
		return -1;
	}
	bad = mqtt_topic_level_ok(o->site);
	if (!bad)
		bad = mqtt_topic_level_ok(o->scanner);
	if (bad) {
		fprintf(stderr, "trackscan: --%s '%s': %s\n",
			mqtt_topic_level_ok(o->site) ? "site" : "scanner",
			mqtt_topic_level_ok(o->site) ? o->site : o->scanner,
			bad);
		return -1;
	}
	return 0;
}

/* --server (or --print): its URL, --scanner, and the token. 0, or -1
 * said why. */
static int
check_server(struct scan_opts *o)
{
	static char token_buf[INGEST_MAX_TOKEN + 2];
	char why[512];
	struct ws_url u;
	const char *bad;

	if (o->site) {
		fprintf(stderr, "trackscan: --site goes with --mqtt (the site "
			"of its topics)\n");
		return -1;
	}
	if (o->print == !!o->server) {
		fprintf(stderr, "trackscan: %s (see --help)\n", o->print ?
			"--print and --server cannot be used together" :
			"--server URL or --mqtt URL (or --print) is required");
		return -1;
	}
	if (!o->server)
		return 0;
	if (!o->scanner) {
		fprintf(stderr, "trackscan: --server needs --scanner ID, the "
			"scanner's id in the site file\n");
		return -1;
	}
	bad = ingest_url_parse(o->server, &u);
	if (bad) {
		fprintf(stderr, "trackscan: --server '%s': %s\n", o->server,
			bad);
		return -1;
	}
	if (ingest_token_get("trackscan", o->token, o->token_file, token_buf,
	                     sizeof token_buf, &o->token, why, sizeof why)) {
		fprintf(stderr, "trackscan: %s\n", why);
		return -1;
	}
	return 0;
}

int
scan_opts_parse(int argc, char **argv, struct scan_opts *o)
{
	uint8_t b16[16], b6[6];
	char why[512];
	double d;
	char *end;
	int c;

	memset(o, 0, sizeof *o);
	o->mqtt.opt = "mqtt";
	o->batch_ms = 250;
	o->buffer = 20000;
	o->drain_s = 10;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_SERVER: o->server = optarg; break;
		case O_TOKEN: o->token = optarg; break;
		case O_TOKEN_FILE: o->token_file = optarg; break;
		case O_SCANNER: o->scanner = optarg; break;
		case O_MQTT: o->mqtt.url = optarg; break;
		case O_MQTT_USER: o->mqtt.user = optarg; break;
		case O_MQTT_PASSWORD_FILE: o->mqtt.password_file = optarg; break;
		case O_MQTT_CAFILE: o->mqtt.cafile = optarg; break;
		case O_SITE: o->site = optarg; break;
		case O_ADAPTER: o->adapter = optarg; break;
		case O_LEGACY: o->legacy = true; break;
		case O_REPLAY: o->replay = optarg; break;
		case O_REALTIME: o->realtime = true; break;
		case O_PRINT: o->print = true; break;
		case O_QUIET: o->quiet = true; break;
		case O_HELP:
			fputs(usage, stdout);
			return -1;
		case O_BATCH:
			if (!parse_long(optarg, 10, 60000, &o->batch_ms))
				goto bad_number;
			break;
		case O_BUFFER:
			if (!parse_long(optarg, 1, 10000000, &o->buffer))
				goto bad_number;
			break;
		case O_DRAIN:
			errno = 0;
			d = strtod(optarg, &end);
			if (!*optarg || *end || errno || !(d >= 0 && d <= 3600))
				goto bad_number;
			o->drain_s = d;
			break;
		case O_UUID:
		case O_KONTAKT:
			if (adv_uuid_parse(optarg, b16) < 0) {
				fprintf(stderr, "trackscan: %s '%s': expected "
					"a UUID such as f7826da6-4fa2-4e98-"
					"8024-bc5b71e0893e\n", argv[optind - 1],
					optarg);
				return EXIT_USAGE;
			}
			if (c == O_UUID ?
			    !grow(&o->filter.uuids, &o->filter.n_uuids, 16,
				  b16) :
			    !grow(&o->press, &o->n_press, 16, b16))
				goto oom;
			break;
		case O_PREFIX:
			for (char *p = optarg; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ?
					    *p - 'A' + 'a' : *p);
			if (!grow(&o->filter.prefixes, &o->filter.n_prefixes,
				  sizeof(char *), &optarg))
				goto oom;
			break;
		case O_MAC:
			if (!parse_mac(optarg, b6)) {
				fprintf(stderr, "trackscan: --allow-mac '%s': "
					"expected aa:bb:cc:dd:ee:ff\n", optarg);
				return EXIT_USAGE;
			}
			if (!grow(&o->filter.macs, &o->filter.n_macs, 6, b6))
				goto oom;
			break;
		default:
			fprintf(stderr, "trackscan: unknown option or missing "
				"value: %s (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trackscan: unexpected argument '%s' (see "
			"--help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->mqtt.url ? check_mqtt(o) < 0 : check_server(o) < 0)
		return EXIT_USAGE;
	if (ingest_mqtt_opts_check("trackscan", &o->mqtt, why, sizeof why)) {
		fprintf(stderr, "trackscan: %s\n", why);
		return EXIT_USAGE;
	}
	if (o->realtime && !o->replay) {
		fprintf(stderr, "trackscan: --realtime goes with --replay\n");
		return EXIT_USAGE;
	}
	return 0;
bad_number:
	fprintf(stderr, "trackscan: %s '%s': expected a number in range "
		"(see --help)\n", argv[optind - 1], optarg);
	return EXIT_USAGE;
oom:
	fprintf(stderr, "trackscan: out of memory\n");
	return EXIT_FAILURE;
}

void
scan_opts_free(struct scan_opts *o)
{
	free(o->filter.uuids);
	free(o->filter.prefixes);
	free(o->filter.macs);
	free(o->press);
}

bool
filter_pass(const struct filter *f, const struct adv_report *r)
{
	if (!f->n_uuids && !f->n_prefixes && !f->n_macs)
		return true;
	for (size_t i = 0; i < f->n_macs; i++) {
		if (memcmp(f->macs[i], r->addr, 6) == 0)
			return true;
	}
	for (size_t i = 0; i < f->n_prefixes; i++) {
		if (strncmp(r->tag, f->prefixes[i],
			    strlen(f->prefixes[i])) == 0)
			return true;
	}
	if (r->kind == ADV_KIND_IBEACON) {
		/* "ibeacon:" then the dashed UUID. */
		uint8_t u[16];
		char s[37];

		memcpy(s, r->tag + 8, 36);
		s[36] = '\0';
		if (adv_uuid_parse(s, u) == 0) {
			for (size_t i = 0; i < f->n_uuids; i++) {
				if (memcmp(f->uuids[i], u, 16) == 0)
					return true;
			}
		}
	}
	return false;
}
