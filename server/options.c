/* trackd's settings: see options.h.
 *
 * A config file is one JSON object, for example
 *	{"site": "floorplans/demo/site.json", "port": 8080, "db": "trackd.db",
 *	 "webhook": "https://duty.example.org/alarms"}
 * Paths in it are relative to the file's own directory, so a file and the
 * site it names can move together. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mqtt-topic.h"
#include "peers.h"
#include "options.h"

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "site", required_argument, NULL, 's' },
	{ "port", required_argument, NULL, 'p' },
	{ "bind", required_argument, NULL, 'b' },
	{ "tick-ms", required_argument, NULL, 't' },
	{ "web", required_argument, NULL, 'w' },
	{ "db", required_argument, NULL, 'd' },
	{ "webhook", required_argument, NULL, 'k' },
	{ "retention-days", required_argument, NULL, 'R' },
	{ "scanner-rate", required_argument, NULL, 'S' },
	{ "press-rate", required_argument, NULL, 'P' },
	{ "max-clients", required_argument, NULL, 'M' },
	{ "max-tags", required_argument, NULL, 'T' },
	{ "max-skew", required_argument, NULL, 'X' },
	{ "tls-cert", required_argument, NULL, 'C' },
	{ "tls-key", required_argument, NULL, 'K' },
	{ "allow-origin", required_argument, NULL, 'O' },
	{ "peer", required_argument, NULL, 'e' },
	{ "oidc-issuer", required_argument, NULL, 'I' },
	{ "oidc-client-id", required_argument, NULL, 'L' },
	{ "oidc-client-secret", required_argument, NULL, 'Y' },
	{ "oidc-role-claim", required_argument, NULL, 'Q' },
	{ "oidc-role-map", required_argument, NULL, 'm' },
	{ "oidc-audience", required_argument, NULL, 'A' },
	{ "oidc-redirect-url", required_argument, NULL, 'U' },
	{ "oidc-scope", required_argument, NULL, 'g' },
	{ "mqtt", required_argument, NULL, 'q' },
	{ "mqtt-cafile", required_argument, NULL, 'a' },
	{ "mqtt-user", required_argument, NULL, 'u' },
	{ "mqtt-password-file", required_argument, NULL, 'W' },
	{ "mqtt-client-id", required_argument, NULL, 'i' },
	/* Not in the usage: for tests, small pages of history (paged.h). */
	{ "page-rows", required_argument, NULL, 'G' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fputs("usage: trackd --site site.json [--port 8080] [--bind ADDR]\n"
	      "              [--tick-ms 100]\n"
	      "              [--web DIR] [--db FILE|URL] [--webhook URL]\n"
	      "              [--retention-days 30] [--scanner-rate 5000]\n"
	      "              [--press-rate 100]\n"
	      "              [--max-clients 1000] [--max-tags 16384]\n"
	      "              [--max-skew 10]\n"
	      "              [--tls-cert PEM --tls-key PEM]\n"
	      "              [--allow-origin https://host[:port],...]\n"
	      "              [--peer URL,...]\n"
	      "              [--oidc-issuer URL --oidc-client-id ID\n"
	      "               [--oidc-client-secret S] [--oidc-role-claim "
	      "groups]\n"
	      "               --oidc-role-map role=group,...\n"
	      "               [--oidc-audience AUD] [--oidc-redirect-url "
	      "URL]\n"
	      "               [--oidc-scope \"openid profile email\"]]\n"
	      "              [--mqtt mqtt://HOST[:PORT] [--mqtt-cafile PEM]\n"
	      "               [--mqtt-user U] [--mqtt-password-file FILE]\n"
	      "               [--mqtt-client-id ID]]\n"
	      "       trackd --config trackd.json [options]\n"
	      "       trackd token add|list|revoke ... --db FILE   (tokens; "
	      "trackd token --help)\n"
	      "       trackd backup COPY --db FILE   (a consistent copy of "
	      "the database)\n"
	      "Serves scanner ingest (ws track-ingest.v1, POST "
	      "/api/v1/ingest),\n"
	      "live positions (ws track-live.v1), the REST API under "
	      "/api/v1/\n"
	      "and the web page in DIR (default server/web) on one port, on "
	      "the\n"
	      "loopback address unless --bind gives another (an IPv4 or IPv6\n"
	      "address, or * for every interface; with TLS, every interface "
	      "by\n"
	      "default).\n"
	      "With --db, history is kept in the SQLite file FILE (made when\n"
	      "missing), or in PostgreSQL for a postgresql://USER@HOST:PORT/DB\n"
	      "URL (its password in ~/.pgpass or $PGPASSWORD), and open alarms\n"
	      "and last positions survive a restart; two trackd on one\n"
	      "PostgreSQL share their alarms.\n"
	      "With --webhook, each alarm opened or acknowledged is POSTed "
	      "as JSON\n"
	      "to URL (http or https), retried with backoff until it is "
	      "taken.\n"
	      "Positions and events older than --retention-days (0: kept "
	      "for ever)\n"
	      "are deleted hourly; alarms, occupancy and the audit trail "
	      "stay.\n"
	      "A scanner sending more than --scanner-rate reports/s (0: no "
	      "limit)\n"
	      "has the excess refused; presses (button reports) are counted "
	      "apart,\n"
	      "at most --press-rate a second per scanner (0: no limit), and "
	      "only\n"
	      "from the site's scanners for the site's tags. Live clients "
	      "beyond\n"
	      "--max-clients are refused.\n"
	      "At most --max-tags tags are tracked at once; when full, the "
	      "stalest\n"
	      "makes room (a flood of passing phones cannot exhaust memory).\n"
	      "A report stamped more than --max-skew seconds ahead of "
	      "trackd's clock\n"
	      "is refused (a scanner whose clock runs ahead cannot freeze a "
	      "badge).\n"
	      "With --tls-cert and --tls-key, the port speaks only https and "
	      "wss.\n"
	      "Browsers may use the WebSockets and POSTs from trackd's own "
	      "page only,\n"
	      "and from the pages of --allow-origin (comma-separated "
	      "origins).\n"
	      "--peer names the pages of the other trackd of a pair "
	      "(comma-separated\n"
	      "URLs, or --peer once for each): a map whose trackd goes away "
	      "moves to\n"
	      "the first of them that answers.\n"
	      "With --oidc-issuer, people sign in with the OpenID provider "
	      "(code flow\n"
	      "with PKCE); their role is the first of --oidc-role-map whose "
	      "group\n"
	      "the --oidc-role-claim claim holds; the provider's JWT access "
	      "tokens\n"
	      "(audience --oidc-audience, default the client id) are taken "
	      "on the API.\n"
	      "With --mqtt, reports also come through the MQTT broker: "
	      "trackd\n"
	      "subscribes (QoS 1, a persistent session as --mqtt-client-id, "
	      "default\n"
	      "trackd-<site>-<hostname>) to libtrack/<site>/reports/+, each "
	      "message a\n"
	      "track-ingest.v1 document from the scanner its topic names "
	      "(the\n"
	      "broker's ACL says who may publish there); mqtts:// is TLS, "
	      "trusting\n"
	      "--mqtt-cafile or the system's CAs. The password is the first "
	      "line of\n"
	      "--mqtt-password-file, or $TRACK_MQTT_PASSWORD.\n"
	      "--config reads the same settings from a JSON object (keys "
	      "site, port,\n"
	      "bind, tick-ms, web, db, webhook, retention-days, scanner-rate,\n"
	      "press-rate, "
	      "max-clients, max-tags, max-skew, tls-cert, tls-key, "
	      "allow-origin, peer, oidc-*, mqtt-*; paths "
	      "relative to "
	      "the file); "
	      "options given\n"
	      "on the command line win.\n",
	      f);
}

static int
set_long(long *out, const char *name, const char *text, long lo, long hi,
         const char *where)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < lo || v > hi) {
		fprintf(stderr, "trackd: %s%s: expected %ld to %ld, got '%s'\n",
		        where, name, lo, hi, text);
		return -1;
	}
	*out = v;
	return 0;
}

static int
set_text(char **out, const char *text)
{
	char *copy = strdup(text);

	if (!copy) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	free(*out);
	*out = copy;
	return 0;
}

/* --peer given again adds to the list; a bad URL says why. */
static int
add_peer(struct trackd_options *o, const char *text, const char *where)
{
	const char *why = peers_check(text);
	char *list;

	if (why) {
		fprintf(stderr, "trackd: %speer: %s, got '%s'\n", where, why,
		        text);
		return -1;
	}
	if (strcmp(where, "--") != 0)
		return set_text(&o->peer, text);
	/* The command line wins over the file; given again, it adds. */
	if (!o->peer_on_command_line) {
		o->peer_on_command_line = true;
		return set_text(&o->peer, text);
	}
	list = malloc(strlen(o->peer) + strlen(text) + 2);
	if (!list) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	sprintf(list, "%s,%s", o->peer, text);
	why = peers_check(list);
	if (why) {
		fprintf(stderr, "trackd: --peer: %s\n", why);
		free(list);
		return -1;
	}
	free(o->peer);
	o->peer = list;
	return 0;
}

/* One setting, by its long option name; where says where it came from. */
static int
set(struct trackd_options *o, const char *name, const char *text,
    const char *where)
{
	if (strcmp(name, "port") == 0)
		return set_long(&o->port, name, text, 1, 65535, where);
	if (strcmp(name, "bind") == 0) {
		unsigned char addr[16];

		if (strcmp(text, "*") != 0 && inet_pton(AF_INET, text, addr) != 1 &&
		    inet_pton(AF_INET6, text, addr) != 1) {
			fprintf(stderr, "trackd: %sbind: expected an IPv4 or IPv6 "
			        "address, or * for every interface, got '%s'\n",
			        where, text);
			return -1;
		}
		return set_text(&o->bind, text);
	}
	if (strcmp(name, "tick-ms") == 0)
		return set_long(&o->tick_ms, name, text, 10, 60000, where);
	if (strcmp(name, "retention-days") == 0)
		return set_long(&o->retention_days, name, text, 0, 36500, where);
	if (strcmp(name, "scanner-rate") == 0)
		return set_long(&o->scanner_rate, name, text, 0, 10000000, where);
	if (strcmp(name, "press-rate") == 0)
		return set_long(&o->press_rate, name, text, 0, 1000000, where);
	if (strcmp(name, "max-clients") == 0)
		return set_long(&o->max_clients, name, text, 1, 100000, where);
	if (strcmp(name, "max-tags") == 0)
		return set_long(&o->max_tags, name, text, 16, 1L << 24, where);
	if (strcmp(name, "max-skew") == 0)
		return set_long(&o->max_skew_s, name, text, 1, 86400, where);
	if (strcmp(name, "page-rows") == 0)
		return set_long(&o->page_rows, name, text, 1, 100000, where);
	if (strcmp(name, "tls-cert") == 0)
		return set_text(&o->tls_cert, text);
	if (strcmp(name, "tls-key") == 0)
		return set_text(&o->tls_key, text);
	if (strcmp(name, "allow-origin") == 0)
		return set_text(&o->allow_origin, text);
	if (strcmp(name, "peer") == 0)
		return add_peer(o, text, where);
	if (strcmp(name, "site") == 0)
		return set_text(&o->site, text);
	if (strcmp(name, "web") == 0)
		return set_text(&o->web, text);
	if (strcmp(name, "db") == 0)
		return set_text(&o->db, text);
	if (strcmp(name, "webhook") == 0)
		return set_text(&o->webhook, text);
	if (strcmp(name, "oidc-issuer") == 0)
		return set_text(&o->oidc_issuer, text);
	if (strcmp(name, "oidc-client-id") == 0)
		return set_text(&o->oidc_client_id, text);
	if (strcmp(name, "oidc-client-secret") == 0)
		return set_text(&o->oidc_client_secret, text);
	if (strcmp(name, "oidc-role-claim") == 0)
		return set_text(&o->oidc_role_claim, text);
	if (strcmp(name, "oidc-role-map") == 0)
		return set_text(&o->oidc_role_map, text);
	if (strcmp(name, "oidc-audience") == 0)
		return set_text(&o->oidc_audience, text);
	if (strcmp(name, "oidc-redirect-url") == 0)
		return set_text(&o->oidc_redirect_url, text);
	if (strcmp(name, "oidc-scope") == 0)
		return set_text(&o->oidc_scope, text);
	if (strcmp(name, "mqtt") == 0) {
		struct mqtt_url u;
		const char *why = mqtt_url_parse(text, &u);

		if (why) {
			fprintf(stderr, "trackd: %smqtt: %s, got '%s'\n", where,
			        why, text);
			return -1;
		}
		return set_text(&o->mqtt, text);
	}
	if (strcmp(name, "mqtt-cafile") == 0)
		return set_text(&o->mqtt_cafile, text);
	if (strcmp(name, "mqtt-user") == 0)
		return set_text(&o->mqtt_user, text);
	if (strcmp(name, "mqtt-password-file") == 0)
		return set_text(&o->mqtt_password_file, text);
	if (strcmp(name, "mqtt-client-id") == 0)
		return set_text(&o->mqtt_client_id, text);
	fprintf(stderr, "trackd: %s%s: unknown setting (expected site, port, "
	                "bind, tick-ms, web, db, webhook, retention-days, "
	                "scanner-rate, press-rate, max-clients, max-tags, "
	                "max-skew, tls-cert, tls-key, allow-origin, peer, oidc-issuer, "
	                "oidc-client-id, oidc-client-secret, oidc-role-claim, "
	                "oidc-role-map, oidc-audience, oidc-redirect-url, "
	                "oidc-scope, mqtt, mqtt-cafile, mqtt-user, "
	                "mqtt-password-file or mqtt-client-id)\n",
	        where, name);
	return -1;
}

static int
load_config(struct trackd_options *o, const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path) + 1 : 0;
	const char *key;
	json_t *v;
	char where[1100];
	int rc = 0;

	if (!doc && err.line < 1) {
		fprintf(stderr, "trackd: %s\n", err.text);
		return -1;
	}
	if (!doc) {
		fprintf(stderr, "trackd: %s:%d:%d: %s\n", path, err.line,
		        err.column, err.text);
		return -1;
	}
	if (!json_is_object(doc)) {
		fprintf(stderr, "trackd: %s: expected a JSON object of "
		                "settings\n", path);
		json_decref(doc);
		return -1;
	}
	snprintf(where, sizeof where, "%s: ", path);
	json_object_foreach(doc, key, v) {
		char text[4096];
		bool is_path = strcmp(key, "site") == 0 ||
		               strcmp(key, "web") == 0 || strcmp(key, "db") == 0 ||
		               strcmp(key, "tls-cert") == 0 ||
		               strcmp(key, "tls-key") == 0 ||
		               strcmp(key, "mqtt-cafile") == 0 ||
		               strcmp(key, "mqtt-password-file") == 0;

		if (json_is_integer(v)) {
			snprintf(text, sizeof text, "%lld",
			         (long long)json_integer_value(v));
		} else if (json_is_string(v)) {
			const char *s = json_string_value(v);

			if (is_path && s[0] != '/')
				snprintf(text, sizeof text, "%.*s%s", dir_len,
				         path, s);
			else
				snprintf(text, sizeof text, "%s", s);
		} else {
			fprintf(stderr, "trackd: %s%s: expected a string or a "
			                "whole number\n", where, key);
			rc = -1;
			break;
		}
		if (set(o, key, text, where) < 0) {
			rc = -1;
			break;
		}
	}
	json_decref(doc);
	return rc;
}

int
options_parse(int argc, char **argv, struct trackd_options *o)
{
	int c;

	*o = (struct trackd_options){ .port = 8080, .tick_ms = 100,
		                      .retention_days = 30,
		                      .scanner_rate = 5000,
		                      .press_rate = 100,
		                      .max_clients = 1000,
		                      .max_tags = 16384,
		                      .max_skew_s = 10 };
	if (set_text(&o->web, "server/web") < 0)
		return 1;
	/* The file first, wherever --config stands, then the options. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (c == 'c' && load_config(o, optarg) < 0)
			return 1;
	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int ix = -1;

		for (int i = 0; longopts[i].name; i++)
			if (longopts[i].val == c)
				ix = i;
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || ix < 0) {
			usage(stderr);
			return 2;
		}
		if (c != 'c' && set(o, longopts[ix].name, optarg, "--") < 0)
			return 2;
	}
	if (!o->tls_cert != !o->tls_key) {
		fprintf(stderr, "trackd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if ((o->oidc_issuer || o->oidc_client_id || o->oidc_role_map ||
	     o->oidc_client_secret || o->oidc_role_claim || o->oidc_audience ||
	     o->oidc_redirect_url || o->oidc_scope) &&
	    (!o->oidc_issuer || !o->oidc_client_id || !o->oidc_role_map)) {
		fprintf(stderr, "trackd: single sign-on needs --oidc-issuer, "
		                "--oidc-client-id and --oidc-role-map together\n");
		return 2;
	}
	if (!o->mqtt && (o->mqtt_cafile || o->mqtt_user ||
	                 o->mqtt_password_file || o->mqtt_client_id)) {
		fprintf(stderr, "trackd: --mqtt-cafile, --mqtt-user, "
		                "--mqtt-password-file and --mqtt-client-id go "
		                "with --mqtt\n");
		return 2;
	}
	if (o->oidc_issuer &&
	    ((!o->oidc_role_claim && set_text(&o->oidc_role_claim, "groups") < 0) ||
	     (!o->oidc_scope &&
	      set_text(&o->oidc_scope, "openid profile email") < 0)))
		return 1;
	if (!o->site || optind < argc) {
		if (!o->site)
			fprintf(stderr, "trackd: no site: give --site FILE or "
			                "\"site\" in the config file\n");
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Plain http on every interface would put tokens and people's positions
 * on the wire: loopback unless the operator says otherwise, or TLS is
 * on (a server with a certificate is meant to be reached). */
const char *
options_bind(const struct trackd_options *o)
{
	if (o->bind)
		return strcmp(o->bind, "*") == 0 ? NULL : o->bind;
	return o->tls_cert ? NULL : "127.0.0.1";
}

void
options_free(struct trackd_options *o)
{
	free(o->site);
	free(o->bind);
	free(o->web);
	free(o->db);
	free(o->webhook);
	free(o->tls_cert);
	free(o->tls_key);
	free(o->allow_origin);
	free(o->peer);
	free(o->oidc_issuer);
	free(o->oidc_client_id);
	free(o->oidc_client_secret);
	free(o->oidc_role_claim);
	free(o->oidc_role_map);
	free(o->oidc_audience);
	free(o->oidc_redirect_url);
	free(o->oidc_scope);
	free(o->mqtt);
	free(o->mqtt_cafile);
	free(o->mqtt_user);
	free(o->mqtt_password_file);
	free(o->mqtt_client_id);
	*o = (struct trackd_options){ 0 };
}
