/* trackbridge's options and --help. */
#include "trackbridge.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-client.h"

static const char usage[] =
"usage: trackbridge --server ws://HOST:PORT[/PATH]\n"
"                   [--token T | --token-file FILE]\n"
"                   (--site site.json | --map ROOM=SCANNER ...) [options]\n"
"\n"
"Forwards what ESPresense nodes publish on <prefix>/devices/<id>/<room>\n"
"to trackd as track-ingest.v1 reports, each room as a site scanner.\n"
"\n"
"  --mqtt HOST[:PORT]    the broker (default 127.0.0.1:1883)\n"
"  --mqtt-user U, --mqtt-password P\n"
"  --prefix P            ESPresense's base topic (default espresense)\n"
"  --server URL          trackd's ingest WebSocket\n"
"  --token T             bearer token for it (a scanner token; visible\n"
"                        in ps: --token-file or TRACK_TOKEN are not)\n"
"  --token-file FILE     the token is FILE's first line\n"
"  --site FILE           a room is the scanner with its id (the site that\n"
"                        `track-site import-espresense` made)\n"
"  --map ROOM=SCANNER    a room's scanner (repeatable; before --site's)\n"
"  --batch-ms N          send every N ms (default 250)\n"
"  --buffer N            reports kept while trackd is unreachable\n"
"                        (default 20000)\n"
"  --ha                  publish each tag's zone for Home Assistant\n"
"                        (MQTT discovery; needs --site for the floors)\n"
"  --ha-prefix P         discovery prefix (default homeassistant)\n"
"  --ha-token T          token for trackd's live stream, whose role may\n"
"                        see people (security or admin)\n"
"  --state-prefix P      state topics P/<tag>/state (default libtrack)\n"
"  --quiet               no status lines\n"
"  --help\n";

int
bridge_opts_parse(int argc, char **argv, struct opts *o,
		  struct bridge_map *map)
{
	static const struct option lo[] = {
		{ "mqtt", required_argument, NULL, 'm' },
		{ "mqtt-user", required_argument, NULL, 'u' },
		{ "mqtt-password", required_argument, NULL, 'p' },
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
	if (optind < argc || !o->server || (!o->site && !map->n) ||
	    (o->ha && !o->site)) {
		fprintf(stderr, "trackbridge: %s (see --help)\n",
			optind < argc ? "unexpected argument" :
			!o->server ? "--server URL is required" :
			o->ha ? "--ha needs --site (the floors to follow)" :
			"--site FILE or --map ROOM=SCANNER is required");
		return EXIT_USAGE;
	}
	{
		static char token_buf[INGEST_MAX_TOKEN + 2];
		char why[512];

		if (ingest_token_get("trackbridge", o->token, o->token_file,
		                     token_buf, sizeof token_buf, &o->token,
		                     why, sizeof why)) {
			fprintf(stderr, "trackbridge: %s\n", why);
			return EXIT_USAGE;
		}
	}
	return 0;
bad:
	fprintf(stderr, "trackbridge: %s '%s': not valid (see --help)\n",
		argv[optind - 1], optarg);
	return EXIT_USAGE;
}
