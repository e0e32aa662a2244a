/* trackd: the tracking server. One libwebsockets event loop serves scanner
 * reports in (track-ingest.v1, POST /api/v1/ingest), positions and events
 * out (track-live.v1), the REST API and the web page, on one port; the
 * engine runs inside the same loop on a timer.
 *
 *	trackd --site floorplans/demo/site.json [--port 8080] [--tick-ms 100]
 *	       [--web server/web] [--db trackd.db]
 *
 * With --db, history (positions, events, alarms, occupancy) is kept in
 * SQLite and open alarms and last positions come back at start; without
 * it everything lives in memory only. With --mqtt, reports come through
 * an MQTT broker as well (mqtt-ingest.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "access.h"
#include "admin.h"
#include "alarms.h"
#include "app.h"
#include "floorimg.h"
#include "headers.h"
#include "mqtt-ingest.h"
#include "oidc-client.h"
#include "oidc-session.h"
#include "options.h"
#include "persist.h"
#include "protocols.h"
#include "sitefile.h"
#include "webhook.h"

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One update, then the live stream's head counts, then every live client
 * asked to write what changed. */
static void
update(struct app *a)
{
	double t0 = app_mono_s();

	/* What the broker holds goes into this update, not the next. */
	mqtt_ingest_drain(a);
	app_update(a, app_now_us());
	live_update(a);
	a->update_seconds += app_mono_s() - t0;
	a->updates++;
	lws_callback_on_writable_all_protocol(
		a->context,
		lws_vhost_name_to_protocol(lws_get_vhost_by_name(a->context,
		                                                 "trackd"),
		                           "track-live.v1"));
}

/* The loop's timers: the engine's tick, the history's writes and the
 * watch on tokens and sessions. */
struct loop {
	struct app *app;
	lws_sorted_usec_list_t tick, persist, watch;
};

#define WATCH_EVERY_US 1000000

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct loop *l = lws_container_of(sul, struct loop, tick);

	update(l->app);
	lws_sul_schedule(l->app->context, 0, &l->tick, tick_cb,
	                 l->app->tick_us);
}

static void
persist_cb(lws_sorted_usec_list_t *sul)
{
	struct loop *l = lws_container_of(sul, struct loop, persist);

	persist_tick(l->app, app_now_us());
	lws_sul_schedule(l->app->context, 0, &l->persist, persist_cb,
	                 PERSIST_EVERY_US);
}

/* Open WebSockets were let in at their handshake: after a change of
 * tokens or sessions each checks its caller again (ACCESS_RECHECK). */
static void
watch_cb(lws_sorted_usec_list_t *sul)
{
	static const char *const sockets[] = { "track-ingest.v1",
		                               "track-live.v1" };
	struct loop *l = lws_container_of(sul, struct loop, watch);
	struct app *a = l->app;
	struct lws_vhost *vh = lws_get_vhost_by_name(a->context, "trackd");

	if (access_watch(a, app_now_us()) && vh)
		for (size_t i = 0; i < sizeof sockets / sizeof *sockets; i++) {
			const struct lws_protocols *pr =
				lws_vhost_name_to_protocol(vh, sockets[i]);

			if (pr)
				lws_callback_all_protocol(a->context, pr,
				                          ACCESS_RECHECK);
		}
	lws_sul_schedule(a->context, 0, &l->watch, watch_cb, WATCH_EVERY_US);
}

/* The site file without its people, for roles that may not see them:
 * the same text minus every tag that is not an asset. */
static int
site_assets_only(struct app *a)
{
	json_t *doc = json_loadb(a->site_text, a->site_len, 0, NULL);
	json_t *tags = json_object_get(doc, "tags"), *t;
	size_t i;

	for (i = json_array_size(tags); i-- > 0;) {
		t = json_array_get(tags, i);
		if (json_is_string(json_object_get(t, "kind")) &&
		    strcmp(json_string_value(json_object_get(t, "kind")),
		           "asset") == 0)
			continue;
		a->site_people = true;
		json_array_remove(tags, i);
	}
	a->site_text_assets = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	return a->site_text_assets ? 0 : -1;
}

static struct app the_app;
static struct loop the_loop = { .app = &the_app };

static struct lws_protocols protocols[] = {
	{ "http", http_callback, 0, 0, 0, NULL, 0 },
	{ "track-ingest.v1", ingest_callback, 0, MAX_BODY, 0, NULL, 0 },
	{ "track-live.v1", live_callback, 0, 4096, 0, NULL, 0 },
	{ "trackd-webhook", webhook_callback, 0, 0, 0, NULL, 0 },
	{ "trackd-oidc", oidc_fetch_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Single sign-on (oidc-client.h), when --oidc-issuer is given: -1 with a
 * message on stderr when its settings are wrong. */
static int
oidc_open(struct app *a, const struct trackd_options *o)
{
	const struct oidc_config cfg = {
		.issuer = o->oidc_issuer,
		.client_id = o->oidc_client_id,
		.client_secret = o->oidc_client_secret,
		.audience = o->oidc_audience,
		.role_claim = o->oidc_role_claim,
		.role_map = o->oidc_role_map,
		.redirect_url = o->oidc_redirect_url,
		.scope = o->oidc_scope,
	};

	if (!o->oidc_issuer)
		return 0;
	if (oidc_client_init(a, &cfg, access_roles()) < 0)
		return -1;
	if (oidc_sessions_new(&a->sessions) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		return -1;
	}
	return 0;
}

static void
oidc_close(struct app *a)
{
	oidc_client_free(a);
	oidc_sessions_free(a->sessions);
	a->sessions = NULL;
}

static int
run(struct loop *l, const struct trackd_options *o)
{
	struct app *a = l->app;
	struct lws_context_creation_info info;
	char db_name[512] = "none";
	struct lws_http_mount api = { 0 }, web = { 0 }, health = { 0 },
	                      metrics = { 0 };
	struct security_headers headers;
	const track_site *site;
	const track_site_tag *site_tags;
	size_t n_site_tags;
	track_config cfg = track_config_default();
	track_status st;
	int n = 0;

	/* The process's one global GSL setting: errors come back as
	 * statuses, never as an abort. */
	gsl_set_error_handler_off();

	if (sitefile_read("trackd", o->site, &a->site_text, &a->site_len) <
	            0 ||
	    sitefile_parse("trackd", o->site, a->site_text, a->site_len,
	                   &a->site) < 0)
		return 1;
	if (site_assets_only(a) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		return 1;
	}
	site = track_site_engine(a->site);
	cfg.max_tags = (size_t)o->max_tags;
	/* The server updates every tick (100 ms) so that news (a tag heard
	 * again, a press) goes out at once; each tag is still solved about
	 * once a second, the pace badges advertise at, rather than again for
	 * every scanner's batch of mostly the same readings. */
	cfg.fix_interval_us = 1000000;
	cfg.predict_interval_us = 1000000;
	st = track_engine_create(&cfg, site, &a->engine);
	if (st != TRACK_OK) {
		fprintf(stderr, "trackd: %s: cannot start the engine: %s\n",
		        o->site, track_strerror(st));
		return 1;
	}
	if (floorimg_load(a, o->site) < 0 || live_init(a) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		return 1;
	}
	a->cfg = cfg;
	a->tick_us = o->tick_ms * 1000;
	a->retention_us = o->retention_days * 86400 * INT64_C(1000000);
	a->max_clients = o->max_clients;
	a->page_rows = (size_t)o->page_rows;
	a->allow_origin = o->allow_origin;
	a->peer = o->peer;
	a->site_tag_index = json_object();
	n_site_tags = track_site_tags(a->site, &site_tags);
	for (size_t i = 0; a->site_tag_index && i < n_site_tags; i++)
		json_object_set_new(a->site_tag_index, site_tags[i].id,
		                    json_integer((json_int_t)i));
	a->events = calloc(EVENT_RING, sizeof *a->events);
	if (livetable_init(&a->live, cfg.max_tags) < 0 ||
	    alarms_init(&a->alarms, alarms_capacity(n_site_tags)) < 0 ||
	    !a->events || !a->site_tag_index ||
	    ingest_init(&a->ingest, a->engine, site, a->site_tag_index,
	                &(struct ingest_limits){
	                        .scanner_rate = o->scanner_rate,
	                        .press_rate = o->press_rate,
	                        .max_skew_us = o->max_skew_s * INT64_C(1000000),
	                }) < 0) {
		fprintf(stderr, "trackd: out of memory\n");
		return 1;
	}

	if (o->webhook && webhook_init(a, o->webhook) < 0)
		return 1;
	a->tls = o->tls_cert != NULL;
	if (oidc_open(a, o) < 0) {
		oidc_close(a);
		return 1;
	}
	if (mqtt_ingest_init(a, &(struct mqtt_ingest_config){
	            .url = o->mqtt,
	            .cafile = o->mqtt_cafile,
	            .user = o->mqtt_user,
	            .password_file = o->mqtt_password_file,
	            .client_id = o->mqtt_client_id,
	    }) < 0) {
		mqtt_ingest_free(a);
		oidc_close(a);
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* A file-size limit reached (a quota, a full disk's cousin) makes the
	 * write fail, which the store reports as degraded; by default the
	 * signal would kill the server instead. */
	signal(SIGXFSZ, SIG_IGN);
	lws_set_log_level(LLL_USER | LLL_ERR | LLL_WARN, NULL);
	if (o->db && persist_open(a, o->db, mqtt_ingest_client_id(a)) < 0)
		return 1;
	if (access_open(a, o->oidc_issuer != NULL, app_now_us()) < 0) {
		persist_close(a);
		return 1;
	}

	if (!realpath(o->web, a->web_root)) {
		fprintf(stderr, "trackd: --web %s: %s\n", o->web, strerror(errno));
		access_close(a);
		persist_close(a);
		return 1;
	}
	/* /api, /healthz and /metrics are ours; everything else is a file
	 * under the web directory (lws refuses paths that leave it). */
	api = (struct lws_http_mount){ .mountpoint = "/api", .protocol = "http",
		                       .origin_protocol = LWSMPRO_CALLBACK,
		                       .mountpoint_len = 4 };
	health = (struct lws_http_mount){ .mount_next = &api,
		                          .mountpoint = "/healthz",
		                          .protocol = "http",
		                          .origin_protocol = LWSMPRO_CALLBACK,
		                          .mountpoint_len = 8 };
	metrics = (struct lws_http_mount){ .mount_next = &health,
		                           .mountpoint = "/metrics",
		                           .protocol = "http",
		                           .origin_protocol = LWSMPRO_CALLBACK,
		                           .mountpoint_len = 8 };
	web = (struct lws_http_mount){ .mount_next = &metrics,
		                       .mountpoint = "/", .origin = o->web,
		                       .def = "index.html",
		                       .origin_protocol = LWSMPRO_FILE,
		                       .mountpoint_len = 1 };
	protocols[0].per_session_data_size = http_pss_size();
	protocols[1].per_session_data_size = ingest_pss_size();
	protocols[2].per_session_data_size = live_pss_size();

	memset(&info, 0, sizeof info);
	info.port = (int)o->port;
	info.iface = options_bind(o);
	info.protocols = protocols;
	info.mounts = &web;
	security_headers_init(&headers, o->peer);
	info.headers = &headers.list[0];
	info.vhost_name = "trackd";
	info.user = a;
	info.pt_serv_buf_size = 64 * 1024;
	/* A provider's access token alone can pass lws's 4 KiB of headers
	 * (many groups or roles): room for one of up to about 12 KiB. */
	if (o->oidc_issuer)
		info.max_http_header_data = 16384;
	/* OpenSSL for https webhooks. */
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* An IPv4 address to bind: on an IPv6 socket lws would listen on
	 * every interface instead. */
	if (info.iface && !strchr(info.iface, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	/* TLS from PEM files: the same port, https and wss only. A file
	 * that cannot be read is named here; lws would only fail. */
	for (int k = 0; o->tls_cert && k < 2; k++) {
		const char *f = k ? o->tls_key : o->tls_cert;
		FILE *fp = fopen(f, "r");

		if (!fp) {
			fprintf(stderr, "trackd: %s %s: %s\n",
			        k ? "--tls-key" : "--tls-cert", f, strerror(errno));
			access_close(a);
			persist_close(a);
			return 1;
		}
		fclose(fp);
	}
	info.ssl_cert_filepath = o->tls_cert;
	info.ssl_private_key_filepath = o->tls_key;
	a->context = lws_create_context(&info);
	if (!a->context) {
		fprintf(stderr, "trackd: cannot listen on %s port %ld%s\n",
		        info.iface ? info.iface : "every interface", o->port,
		        o->tls_cert ? " (or cannot load the certificate and "
		                      "key)"
		                    : "");
		access_close(a);
		persist_close(a);
		return 1;
	}
	/* A PostgreSQL URL may hold a password: never printed. */
	if (o->db)
		store_display_name(o->db, db_name, sizeof db_name);
	printf("trackd: listening on %s://%s%s%s:%ld/%s site %s (%zu "
	       "floors, %zu scanners, %zu zones, %zu tags) db %s\n",
	       o->tls_cert ? "https" : "http",
	       info.iface && strchr(info.iface, ':') ? "[" : "",
	       info.iface ? info.iface : "0.0.0.0",
	       info.iface && strchr(info.iface, ':') ? "]" : "", o->port,
	       info.iface ? "" : " (every interface)", track_site_id(a->site),
	       site->n_floors,
	       site->n_scanners, site->n_zones, site->n_tags, db_name);
	if (o->webhook)
		printf("trackd: alarms are posted to %s\n", o->webhook);
	if (o->mqtt)
		printf("trackd: reports also through the broker %s\n", o->mqtt);
	if (o->oidc_issuer)
		printf("trackd: single sign-on with %s (sign-in at "
		       "/api/v1/auth/oidc/login); %u tokens for machines\n",
		       o->oidc_issuer, access_tokens(a, app_now_us()));
	else if (access_required(a, app_now_us()))
		printf("trackd: access by token (%u valid; trackd token list "
		       "--db %s)\n", access_tokens(a, app_now_us()), db_name);
	else
		printf("trackd: open access: no tokens yet (trackd token add "
		       "--role ROLE --db FILE closes it)\n");
	fflush(stdout);
	lws_sul_schedule(a->context, 0, &l->tick, tick_cb, a->tick_us);
	lws_sul_schedule(a->context, 0, &l->persist, persist_cb,
	                 PERSIST_EVERY_US);
	lws_sul_schedule(a->context, 0, &l->watch, watch_cb,
	                 WATCH_EVERY_US);
	oidc_client_start(a);
	mqtt_ingest_start(a);

	while (n >= 0 && !interrupted) {
		n = lws_service(a->context, 0);
		/* A press came in (ingest.c): every second counts, so the
		 * next update runs now rather than at the tick. */
		if (a->update_due) {
			a->update_due = false;
			lws_sul_schedule(a->context, 0, &l->tick,
			                 tick_cb, 1);
		}
	}

	lws_sul_cancel(&l->tick);
	lws_sul_cancel(&l->persist);
	lws_sul_cancel(&l->watch);
	webhook_stop(a);
	oidc_client_stop(a);
	mqtt_ingest_stop(a);
	/* The pending batch goes in before anything it points into (the
	 * engine's and the site's strings) is freed. */
	access_close(a);
	persist_close(a);
	lws_context_destroy(a->context);
	webhook_free(a);
	mqtt_ingest_free(a);
	oidc_close(a);
	livetable_free(&a->live);

	json_decref(a->site_tag_index);
	ingest_free(&a->ingest);
	alarms_free(&a->alarms);
	free(a->events);
	track_engine_destroy(a->engine);
	floorimg_free(a);
	live_free(a);
	track_site_free(a->site);
	free(a->site_text);
	free(a->site_text_assets);
	printf("trackd: stopped\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct trackd_options o;
	int rc;

	if (admin_command(argc, argv))
		return admin_main(argc, argv);
	rc = options_parse(argc, argv, &o);

	if (rc < 0)
		rc = run(&the_loop, &o);
	options_free(&o);
	return rc;
}
