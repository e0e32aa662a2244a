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
 * it everything lives in memory only.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "access.h"
#include "admin.h"
#include "alarms.h"
#include "app.h"
#include "floorimg.h"
#include "options.h"
#include "persist.h"
#include "sitefile.h"
#include "webhook.h"

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int64_t
app_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double
app_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const track_site_tag *
app_site_tag(const struct app *a, const char *id)
{
	const track_site_tag *tags;
	json_t *ix = json_object_get(a->site_tag_index, id);

	/* By index: every press asks, and a forged flood of them must not
	 * cost a scan of the site's tags each. */
	track_site_tags(a->site, &tags);
	return ix ? &tags[json_integer_value(ix)] : NULL;
}

bool
app_is_person(const struct app *a, const char *id)
{
	const track_site_tag *info = app_site_tag(a, id);
	json_t *ix;

	if (info)
		return info->kind != TRACK_TAG_ASSET;
	ix = json_object_get(a->tag_index, id);
	return !ix || a->tags[json_integer_value(ix)].pos.kind !=
	                      TRACK_TAG_ASSET;
}

static const char *
kind_name(track_tag_kind k)
{
	return k == TRACK_TAG_PERSON ? "person"
	       : k == TRACK_TAG_ASSET ? "asset"
	                              : "unknown";
}

json_t *
app_tag_json(const struct app *a, const struct live_tag *t)
{
	const track_position *p = &t->pos;
	const track_site_tag *info = app_site_tag(a, t->id);
	double age = (double)(app_now_us() - p->heard_us) * 1e-6;

	/* zone (after hysteresis) is what events count; zone_here and
	 * zone_near are what to show beside the drawn dot. */
	return json_pack("{s:s, s:s?, s:s, s:s, s:f, s:f, s:f, s:s, s:s?, "
	                 "s:s?, s:s?, s:f, s:b, s:b}",
	                 "id", t->id, "name", info ? info->name : NULL,
	                 "kind", kind_name(p->kind), "category", p->category,
	                 "x", round(p->x * 100) / 100, "y",
	                 round(p->y * 100) / 100, "r",
	                 round(p->r * 100) / 100, "floor", p->floor, "zone",
	                 p->zone, "zone_here", p->zone_here, "zone_near",
	                 p->zone_near, "t", (double)p->t_us * 1e-6, "moving",
	                 p->moving, "stale", age > STALE_US * 1e-6);
}

/* When the table is full, the slot of the tag heard longest ago makes room,
 * if it is stale (not heard for STALE_US): a flood of passing phones
 * cannot keep new badges off the map for long, and memory stays bounded.
 * The evicted tag's last place is still in the database. */
static struct live_tag *
evict_stalest(struct app *a)
{
	struct live_tag *old = NULL;

	for (size_t i = 0; i < a->n_tags; i++)
		if (!old || a->tags[i].pos.heard_us < old->pos.heard_us)
			old = &a->tags[i];
	if (!old || app_now_us() - old->pos.heard_us < STALE_US)
		return NULL;
	json_object_del(a->tag_index, old->id);
	a->live_evicted++;
	return old;
}

struct live_tag *
app_live_slot(struct app *a, const char *id)
{
	json_t *ix = json_object_get(a->tag_index, id);
	struct live_tag *t;

	if (ix)
		return &a->tags[json_integer_value(ix)];
	if (a->n_tags < a->cfg.max_tags) {
		t = &a->tags[a->n_tags++];
	} else if (!(t = evict_stalest(a))) {
		a->live_full++;
		return NULL;
	}
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "%s", id);
	json_object_set_new(a->tag_index, t->id,
	                    json_integer((json_int_t)(t - a->tags)));
	return t;
}

void
app_update(struct app *a)
{
	track_position batch[256];
	track_event ev[256];
	double t0 = app_mono_s();
	size_t n;

	track_engine_update(a->engine, app_now_us());
	while ((n = track_engine_changed(a->engine, batch, 256)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct live_tag *t = app_live_slot(a, batch[i].tag);

			if (!t)
				continue;
			t->seq = ++a->seq;
			if (t->pos.floor && batch[i].floor &&
			    strcmp(t->pos.floor, batch[i].floor) != 0) {
				t->left_floor = t->pos.floor;
				t->left_seq = t->seq;
			}
			t->pos = batch[i];
			t->pos.tag = t->id;
			persist_position(a, t);
		}
	}
	while ((n = track_engine_events(a->engine, ev, 256)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct live_event *le =
				&a->events[++a->ev_seq % EVENT_RING];

			le->ev = ev[i];
			le->seq = a->ev_seq;
			persist_event(a, &ev[i]);
			if (ev[i].type == TRACK_EVENT_DISTRESS)
				alarms_distress(a, &ev[i]);
			if (ev[i].type == TRACK_EVENT_DISTRESS ||
			    ev[i].type == TRACK_EVENT_RESTRICTED_ENTRY)
				lwsl_user("%s: %s in %s (%s)\n",
				          track_event_name(ev[i].type), ev[i].tag,
				          ev[i].zone ? ev[i].zone : "no zone",
				          ev[i].floor ? ev[i].floor : "?");
		}
	}
	alarms_follow(a);
	/* Stored before anyone is told (the live stream, the webhook go out
	 * after this update): an alarm that was shown comes back after a
	 * crash, and its id is never handed out again. */
	if (a->alarm_opened) {
		a->alarm_opened = false;
		persist_now(a);
	}
	live_update(a);
	a->update_seconds += app_mono_s() - t0;
	a->updates++;
	lws_callback_on_writable_all_protocol(
		a->context,
		lws_vhost_name_to_protocol(lws_get_vhost_by_name(a->context,
		                                                 "trackd"),
		                           "track-live.v1"));
}

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, tick);

	app_update(a);
	lws_sul_schedule(a->context, 0, &a->tick, tick_cb, a->tick_us);
}

void
app_soon(struct app *a)
{
	lws_sul_schedule(a->context, 0, &a->tick, tick_cb, 1);
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

static struct lws_protocols protocols[] = {
	{ "http", http_callback, 0, 0, 0, NULL, 0 },
	{ "track-ingest.v1", ingest_callback, 0, MAX_BODY, 0, NULL, 0 },
	{ "track-live.v1", live_callback, 0, 4096, 0, NULL, 0 },
	{ "trackd-webhook", webhook_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static int
run(struct app *a, const struct trackd_options *o)
{
	struct lws_context_creation_info info;
	struct lws_http_mount api = { 0 }, web = { 0 }, health = { 0 },
	                      metrics = { 0 };
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
	a->scanner_rate = o->scanner_rate;
	a->press_rate = o->press_rate;
	a->max_clients = o->max_clients;
	a->allow_origin = o->allow_origin;
	a->scanner_index = json_object();
	a->scanner_rates = calloc(site->n_scanners ? site->n_scanners : 1,
	                          sizeof *a->scanner_rates);
	a->press_rates = calloc(site->n_scanners ? site->n_scanners : 1,
	                        sizeof *a->press_rates);
	for (size_t i = 0; a->scanner_index && i < site->n_scanners; i++)
		json_object_set_new(a->scanner_index, site->scanners[i].id,
		                    json_integer((json_int_t)i));
	a->site_tag_index = json_object();
	n_site_tags = track_site_tags(a->site, &site_tags);
	for (size_t i = 0; a->site_tag_index && i < n_site_tags; i++)
		json_object_set_new(a->site_tag_index, site_tags[i].id,
		                    json_integer((json_int_t)i));
	a->tags = calloc(cfg.max_tags, sizeof *a->tags);
	a->events = calloc(EVENT_RING, sizeof *a->events);
	a->tag_index = json_object();
	a->max_alarms = alarms_capacity(n_site_tags);
	a->alarms = calloc(a->max_alarms, sizeof *a->alarms);
	if (!a->tags || !a->events || !a->tag_index || !a->alarms ||
	    !a->scanner_index || !a->scanner_rates || !a->press_rates ||
	    !a->site_tag_index) {
		fprintf(stderr, "trackd: out of memory\n");
		return 1;
	}

	if (o->webhook && webhook_init(a, o->webhook) < 0)
		return 1;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* A file-size limit reached (a quota, a full disk's cousin) makes the
	 * write fail, which the store reports as degraded; by default the
	 * signal would kill the server instead. */
	signal(SIGXFSZ, SIG_IGN);
	lws_set_log_level(LLL_USER | LLL_ERR | LLL_WARN, NULL);
	if (o->db && persist_open(a, o->db) < 0)
		return 1;
	if (access_open(a) < 0) {
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
	info.protocols = protocols;
	info.mounts = &web;
	info.vhost_name = "trackd";
	info.user = a;
	info.pt_serv_buf_size = 64 * 1024;
	/* OpenSSL for https webhooks. */
	info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE |
		       LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
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
		fprintf(stderr, "trackd: cannot listen on port %ld%s\n", o->port,
		        o->tls_cert ? " (or cannot load the certificate and "
		                      "key)"
		                    : "");
		access_close(a);
		persist_close(a);
		return 1;
	}
	printf("trackd: listening on %s://127.0.0.1:%ld/ site %s (%zu "
	       "floors, %zu scanners, %zu zones, %zu tags) db %s\n",
	       o->tls_cert ? "https" : "http", o->port, track_site_id(a->site), site->n_floors,
	       site->n_scanners, site->n_zones, site->n_tags,
	       o->db ? o->db : "none");
	if (o->webhook)
		printf("trackd: alarms are posted to %s\n", o->webhook);
	if (access_required(a))
		printf("trackd: access by token (%u valid; trackd token list "
		       "--db %s)\n", access_tokens(a), o->db);
	else
		printf("trackd: open access: no tokens yet (trackd token add "
		       "--role ROLE --db FILE closes it)\n");
	fflush(stdout);
	lws_sul_schedule(a->context, 0, &a->tick, tick_cb, a->tick_us);
	persist_start(a);
	access_start(a);

	while (n >= 0 && !interrupted)
		n = lws_service(a->context, 0);

	lws_sul_cancel(&a->tick);
	webhook_stop(a);
	/* The pending batch goes in before anything it points into (the
	 * engine's and the site's strings) is freed. */
	access_close(a);
	persist_close(a);
	lws_context_destroy(a->context);
	webhook_free(a);
	json_decref(a->tag_index);
	json_decref(a->scanner_index);
	json_decref(a->site_tag_index);
	free(a->scanner_rates);
	free(a->press_rates);
	free(a->alarms);
	free(a->events);
	free(a->tags);
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
		rc = run(&the_app, &o);
	options_free(&o);
	return rc;
}
