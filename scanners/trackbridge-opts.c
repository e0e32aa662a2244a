/* trackbridge's options and --help. */
#include "trackbridge.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-client.h"
#include "mqtt-topic.h"

static const char usage[] =
"usage: trackbridge [--mqtt HOST[:PORT]] --server ws://HOST:PORT[/PATH]\n"
"                   [--token T | --token-file FILE]\n"
"                   (--site site.json | --map ROOM=SCANNER ...) [options]\n"
"       trackbridge [--mqtt HOST[:PORT]] --publish mqtt://HOST[:PORT]\n"
"                   [--publish-user U] [--publish-password-file FILE]\n"
"                   (--site site.json | --publish-site ID --map ...) ...\n"
"\n"
"Forwards what ESPresense nodes publish on <prefix>/devices/<id>/<room>\n"
"to trackd as track-ingest.v1 reports, each room as a site scanner: over\n"
"trackd's WebSocket, or published to a broker for trackd --mqtt.\n"
"\n"
"  --mqtt HOST[:PORT]    the ESPresense broker (default 127.0.0.1:1883)\n"
"  --mqtt-user U         its login\n"
"  --mqtt-password-file FILE  the password is FILE's first line (else\n"
"                        TRACK_ESPRESENSE_PASSWORD)\n"
"  --mqtt-password P     the same, visible in ps (kept, with a warning)\n"
"  --prefix P            ESPresense's base topic (default espresense)\n"
"  --server URL          trackd's ingest WebSocket (with --publish: only\n"
"                        --ha's live stream)\n"
"  --token T             bearer token for it (a scanner token; visible\n"
"                        in ps: --token-file or TRACK_TOKEN are not)\n"
"  --token-file FILE     the token is FILE's first line\n"
"  --publish URL         publish the reports to the broker at\n"
"                        mqtt://HOST[:PORT] (or mqtts://) instead, with\n"
"                        QoS 1, on libtrack/<site>/reports/<scanner>, for\n"
"                        trackd --mqtt (the same broker as --mqtt or not)\n"
"  --publish-user U      its login (the broker's ACL decides where it may\n"
"                        publish)\n"
"  --publish-password-file FILE  the password is FILE's first line (else\n"
"                        TRACK_MQTT_PASSWORD)\n"
"  --publish-cafile PEM  with mqtts://: the CA to trust (else the system's)\n"
"  --publish-site ID     the site id of the topics (default: --site's\n"
"                        \"site\")\n"
"  --site FILE           a room is the scanner with its id (the site that\n"
"                        `track-site import-espresense` made)\n"
"  --map ROOM=SCANNER    a room's scanner (repeatable; before --site's)\n"
"  --batch-ms N          send every N ms (default 250)\n"
"  --buffer N            reports kept while trackd (or the broker) is\n"
"                        unreachable (default 20000)\n"
"  --ha                  publish each tag's zone for Home Assistant\n"
"                        (MQTT discovery; needs --site for the floors)\n"
"  --ha-prefix P         discovery prefix (default homeassistant)\n"
"  --ha-token T          token for trackd's live stream, whose role may\n"
"                        see people (security or admin)\n"
"  --state-prefix P      state topics P/<tag>/state (default libtrack)\n"
"  --quiet               no status lines\n"
"  --help\n";

/* Where the reports go: trackd's WebSocket (--server, its token) or a
 * broker (--publish...). 0, or -1 said why. */
static int
check_output(struct opts *o)
{
	static char token_buf[INGEST_MAX_TOKEN + 2];
	char why[512];

	if (o->publish.url && (o->token || o->token_file)) {
		fprintf(stderr, "trackbridge: --token and --token-file go with "
			"--server: over --publish the broker checks the login "
			"(--publish-user)\n");
		return -1;
	}
	if (o->publish.url && o->server && !o->ha) {
		fprintf(stderr, "trackbridge: --publish and --server: give one "
			"(with --publish, --server is only for --ha's live "
			"stream)\n");
		return -1;
	}
	if (o->publish_site && !o->publish.url) {
		fprintf(stderr, "trackbridge: --publish-site goes with "
			"--publish\n");
		return -1;
	}
	if (o->publish_site && mqtt_topic_level_ok(o->publish_site)) {
		fprintf(stderr, "trackbridge: --publish-site '%s': %s\n",
			o->publish_site, mqtt_topic_level_ok(o->publish_site));
		return -1;
	}
	if (o->publish.url && !o->publish_site && !o->site) {
		fprintf(stderr, "trackbridge: --publish needs --site FILE or "
			"--publish-site ID (the topic is "
			"libtrack/<site>/reports/<scanner>)\n");
		return -1;
	}
	if (ingest_mqtt_opts_check("trackbridge", &o->publish, why,
	                           sizeof why)) {
		fprintf(stderr, "trackbridge: %s\n", why);
		return -1;
	}
	if (o->publish.url)
		return 0;
	if (ingest_token_get("trackbridge", o->token, o->token_file,
	                     token_buf, sizeof token_buf, &o->token, why,
	                     sizeof why)) {
		fprintf(stderr, "trackbridge: %s\n", why);
		return -1;
	}
	return 0;
}

/* The ESPresense broker's password: never needed on the command line. 0,
 * or -1 said why. */
static int
check_espresense_login(struct opts *o)
{
	static char buf[INGEST_MAX_PASSWORD + 2];
	char why[512];

	if (o->mqtt_password && o->mqtt_password_file) {
		fprintf(stderr, "trackbridge: --mqtt-password and "
			"--mqtt-password-file: give one\n");
		return -1;
	}
	if ((o->mqtt_password || o->mqtt_password_file) && !o->mqtt_user) {
		fprintf(stderr, "trackbridge: --mqtt-password%s goes with "
			"--mqtt-user\n", o->mqtt_password ? "" : "-file");
		return -1;
	}
	if (o->mqtt_password) {
		fprintf(stderr, "trackbridge: warning: --mqtt-password is "
			"visible to every user of this host (ps); use "
			"--mqtt-password-file or TRACK_ESPRESENSE_PASSWORD\n");
		return 0;
	}
	if (!o->mqtt_user)
		return 0;
	if (ingest_password_get("trackbridge", "--mqtt-password-file",
	                        o->mqtt_password_file,
	                        "TRACK_ESPRESENSE_PASSWORD", buf, sizeof buf,
	                        &o->mqtt_password, why, sizeof why)) {
		fprintf(stderr, "trackbridge: %s\n", why);
		return -1;
	}
	return 0;
}

int
bridge_opts_parse(int argc, char **argv, struct opts *o,
		  struct bridge_map *map)
{
	static const struct option lo[] = {
		{ "mqtt", required_argument, NULL, 'm' },
		{ "mqtt-user", required_argument, NULL, 'u' },
		{ "mqtt-password", required_argument, NULL, 'p' },
		{ "mqtt-password-file", required_argument, NULL, 'f' },
		{ "publish", required_argument, NULL, 'X' },
		{ "publish-user", required_argument, NULL, 'U' },
		{ "publish-password-file", required_argument, NULL, 'W' },
		{ "publish-cafile", required_argument, NULL, 'C' },
		{ "publish-site", required_argument, NULL, 'I' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "token-file", required_argument, NULL, 'F' },
		{ "site", required_argument, NULL, 'S' },
		{ "map", required_argument, NULL, 'M' },
		{ "batch-ms", required_argument, NULL, 'b' },
		{ "buffer", required_argument, NULL, 'B' },
		{ "ha", no_argument, NULL, 'h' },
		{ "ha-prefix", required_argument, NULL, 'H' },
		{ "state-prefix", required_argument, NULL, 'T' },
		{ "ha-token", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, '?' + 256 },
		{ NULL, 0, NULL, 0 },
	};
	static char host[256];
	char *end, *eq, *colon;
	long v;
	int c;

	memset(o, 0, sizeof *o);
	o->mqtt_host = "127.0.0.1";
	o->mqtt_port = 1883;
	o->publish.opt = "publish";
	o->prefix = "espresense";
	o->ha_prefix = "homeassistant";
	o->state_prefix = "libtrack";
	o->batch_ms = 250;
	o->buffer = 20000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			snprintf(host, sizeof host, "%s", optarg);
			colon = strrchr(host, ':');
			if (colon) {
				*colon = '\0';
				errno = 0;
				v = strtol(colon + 1, &end, 10);
				if (*end || errno || v < 1 || v > 65535)
					goto bad;
				o->mqtt_port = (int)v;
			}
			if (!host[0])
				goto bad;
			o->mqtt_host = host;
			break;
		case 'u': o->mqtt_user = optarg; break;
		case 'p': o->mqtt_password = optarg; break;
		case 'f': o->mqtt_password_file = optarg; break;
		case 'X': o->publish.url = optarg; break;
		case 'U': o->publish.user = optarg; break;
		case 'W': o->publish.password_file = optarg; break;
		case 'C': o->publish.cafile = optarg; break;
		case 'I': o->publish_site = optarg; break;
		case 'P': o->prefix = optarg; break;
		case 's': o->server = optarg; break;
		case 't': o->token = optarg; break;
		case 'F': o->token_file = optarg; break;
		case 'S': o->site = optarg; break;
		case 'h': o->ha = true; break;
		case 'H': o->ha_prefix = optarg; break;
		case 'T': o->state_prefix = optarg; break;
		case 'k': o->ha_token = optarg; break;
		case 'q': o->quiet = true; break;
		case 'M':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				goto bad;
			*eq = '\0';
			if (bridge_map_add(map, optarg, eq + 1) < 0)
				goto bad;
			break;
		case 'b':
		case 'B':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || v < 1 ||
			    v > (c == 'b' ? 60000 : 10000000))
				goto bad;
			*(c == 'b' ? &o->batch_ms : &o->buffer) = v;
			break;
		case '?' + 256:
			fputs(usage, stdout);
			return -1;
		default:
			fprintf(stderr, "trackbridge: unknown option or missing "
				"value: %s (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || (!o->server && !o->publish.url) ||
	    (!o->site && !map->n) || (o->ha && !o->site) ||
	    (o->ha && !o->server)) {
		fprintf(stderr, "trackbridge: %s (see --help)\n",
			optind < argc ? "unexpected argument" :
			!o->server && !o->publish.url ?
			"--server URL (or --publish URL) is required" :
			o->ha && !o->site ?
			"--ha needs --site (the floors to follow)" :
			o->ha ? "--ha needs --server (trackd's live stream) as "
			"well as --publish" :
			"--site FILE or --map ROOM=SCANNER is required");
		return EXIT_USAGE;
	}
	if (check_output(o) < 0 || check_espresense_login(o) < 0)
		return EXIT_USAGE;
	return 0;
bad:
	fprintf(stderr, "trackbridge: %s '%s': not valid (see --help)\n",
		argv[optind - 1], optarg);
	return EXIT_USAGE;
}
