/* trackd's settings: from the command line, and from a JSON config file
 * (--config FILE) with the same keys; the command line wins. */
#ifndef TRACKD_OPTIONS_H
#define TRACKD_OPTIONS_H

#include <stdbool.h>

struct trackd_options {
	char *site;     /* required */
	long port;      /* 8080 */
	char *bind;     /* an address, "*": every interface; NULL: loopback,
	                 * or every interface with TLS (options_bind()) */
	long tick_ms;   /* 100 */
	char *web;      /* "server/web" */
	char *db;       /* NULL: no history */
	char *webhook;  /* NULL: no webhook */
	long retention_days; /* 30; 0 keeps history for ever */
	long scanner_rate;   /* 5000 reports/s per scanner; 0: no limit */
	long press_rate;     /* 100 presses/s per scanner; 0: no limit */
	long max_clients;    /* 1000 live clients */
	long max_tags;       /* 16384 tags tracked at once */
	long max_skew_s;     /* 10: reports further ahead are refused */
	char *allow_origin;  /* other pages that may use trackd (origin.h) */
	char *peer;          /* the other instances' pages (peers.h) */
	bool peer_on_command_line; /* then a later --peer adds to it */
	char *tls_cert;      /* both set: https and wss only */
	char *tls_key;
	long page_rows;      /* 0: the built-in page (hidden, for tests) */
	/* Single sign-on with an OpenID provider (oidc-client.h): all NULL
	 * without it; issuer, client id and role map go together. */
	char *oidc_issuer;
	char *oidc_client_id;
	char *oidc_client_secret;  /* NULL: a public client, PKCE only */
	char *oidc_role_claim;     /* "groups" */
	char *oidc_role_map;       /* "role=group,..." */
	char *oidc_audience;       /* of API access tokens; NULL: client id */
	char *oidc_redirect_url;   /* NULL: from the request's Host */
	char *oidc_scope;          /* "openid profile email" */
	/* Ingest through an MQTT broker (mqtt-ingest.h): all NULL without. */
	char *mqtt;                /* mqtt://HOST[:PORT] or mqtts:// */
	char *mqtt_cafile;
	char *mqtt_user;
	char *mqtt_password_file;  /* NULL: $TRACK_MQTT_PASSWORD */
	char *mqtt_client_id;      /* NULL: trackd-<site>-<hostname> */
};

/* Fill o from argv. -1 to run; otherwise the exit status to leave with
 * (0 after --help, 2 for a usage error, 1 for a config file that cannot
 * be read), a message printed. */
int options_parse(int argc, char **argv, struct trackd_options *o);
void options_free(struct trackd_options *o);
/* The address to listen on, NULL for every interface. */
const char *options_bind(const struct trackd_options *o);

#endif
