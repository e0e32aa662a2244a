/* The ingest document of track-ingest.v1 and POST /api/v1/ingest:
 * {"scanner":"ap-f0-01","reports":[{"tag":"badge-0042","rssi":-67,
 *  "t":1763900000.25,"tx":-59,"button":true}]}
 * Every report is accepted or refused on its own, with its index and why:
 * one bad report never costs the others. */
#include "ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Below this battery level (percent) a report flags a low battery. */
#define LOW_BATTERY_PCT 15.0

static json_t *
refusal(size_t index, const char *why)
{
	return json_pack("{s:I, s:s}", "index", (json_int_t)index, "error",
	                 why);
}

/* Fill r from one report object; NULL, or why it is malformed or cannot
 * be taken at now (into buf). */
static const char *
read_report(struct ingest *g, json_t *o, const char *scanner, int64_t now,
            char *buf, size_t len, track_report *r)
{
	json_t *tag, *rssi, *t, *tx, *button, *battery;

	if (!json_is_object(o))
		return "bad report: expected an object";
	tag = json_object_get(o, "tag");
	rssi = json_object_get(o, "rssi");
	t = json_object_get(o, "t");
	tx = json_object_get(o, "tx");
	button = json_object_get(o, "button");
	battery = json_object_get(o, "battery");
	if (!json_is_string(tag))
		return "bad report: 'tag' must be a string";
	/* Ids go into logs, CSV files, URLs and people's screens: the
	 * characters every id format in use needs (MAC addresses,
	 * "ibeacon:...", "eddystone:...", site ids) and nothing that could
	 * forge a line or carry a terminal escape. (An empty or too long one
	 * is the engine's to refuse.) */
	if (json_string_length(tag) > 0 &&
	    json_string_length(tag) < TRACK_ID_MAX &&
	    (json_string_length(tag) != strlen(json_string_value(tag)) ||
	     !escape_tag_id_ok(json_string_value(tag), TRACK_ID_MAX))) {
		g->n.bad_tag++;
		return "bad report: 'tag' must be 1 to 63 printable ASCII "
		       "characters without spaces or any of , \" \\ /";
	}
	if (!json_is_number(rssi))
		return "bad report: 'rssi' must be a number";
	if (!json_is_number(t))
		return "bad report: 't' must be a number (Unix seconds)";
	if (tx && !json_is_number(tx) && !json_is_null(tx))
		return "bad report: 'tx' must be a number";
	if (button && !json_is_boolean(button))
		return "bad report: 'button' must be true or false";
	if (battery && !json_is_number(battery) && !json_is_null(battery))
		return "bad report: 'battery' must be a number";
	if (!isfinite(json_number_value(t)) ||
	    fabs(json_number_value(t)) > 1e11)
		return "bad report: 't' is not a time";
	*r = (track_report){
		.scanner = scanner,
		.tag = json_string_value(tag),
		.rssi_dbm = json_number_value(rssi),
		.t_us = llround(json_number_value(t) * 1e6),
		.tx_dbm = json_is_number(tx) ? json_number_value(tx) : NAN,
	};
	if (json_is_true(button))
		r->flags |= TRACK_REPORT_BUTTON;
	if (json_is_number(battery) &&
	    json_number_value(battery) < LOW_BATTERY_PCT)
		r->flags |= TRACK_REPORT_LOW_BATTERY;
	/* The engine refuses a report older than its tag's newest: one
	 * stamped tomorrow by a scanner whose clock is off would freeze the
	 * badge until tomorrow. Late reports are the engine's to judge. */
	if (r->t_us - now > g->lim.max_skew_us) {
		g->n.future++;
		snprintf(buf, len, "bad report: 't' is %.0f s ahead of trackd's "
		         "clock (at most %.0f s: --max-skew)",
		         (double)(r->t_us - now) * 1e-6,
		         (double)g->lim.max_skew_us * 1e-6);
		return buf;
	}
	return NULL;
}

/* A token bucket of rate a second with two seconds' burst; true when one
 * more may go in now. */
static bool
take_token(struct scanner_rate *b, long rate, int64_t now)
{
	double cap = 2.0 * (double)rate;

	if (b->at_us == 0)
		b->tokens = cap;
	else
		b->tokens += (double)(now - b->at_us) * 1e-6 * (double)rate;
	if (b->tokens > cap)
		b->tokens = cap;
	b->at_us = now;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

/* Per scanner, lim.scanner_rate reports a second: a scanner gone wild (or
 * a forged one) cannot flood the engine. Presses have their own bucket. */
static bool
within_rate(struct ingest *g, const char *scanner, int64_t now)
{
	json_t *ix = json_object_get(g->scanners, scanner);

	if (!ix || g->lim.scanner_rate <= 0)
		return true; /* the engine refuses an unknown scanner */
	return take_token(&g->rates[json_integer_value(ix)],
	                  g->lim.scanner_rate, now);
}

/* Whether a press may go to the engine: it opens an alarm that someone
 * must answer, so only a scanner of the site may report one, only for a
 * tag the site lists (which also bounds the open alarms), and at most
 * lim.press_rate a second per scanner, apart from its reports' allowance
 * (a flood of readings must not hold back a call for help). NULL, or why
 * not (into buf for the limit). */
static const char *
press_refused(struct ingest *g, const track_report *r, int64_t now,
              char *buf, size_t len)
{
	json_t *ix = json_object_get(g->scanners, r->scanner);

	if (!ix) {
		g->n.presses_unknown_scanner++;
		return "press refused: unknown scanner";
	}
	if (!json_object_get(g->site_tags, r->tag)) {
		g->n.presses_unlisted++;
		return "press refused: tag not listed in the site";
	}
	if (g->lim.press_rate > 0 &&
	    !take_token(&g->press_rates[json_integer_value(ix)],
	                g->lim.press_rate, now)) {
		g->n.presses_limited++;
		snprintf(buf, len, "press limit: more than %ld presses/s from "
		         "this scanner", g->lim.press_rate);
		return buf;
	}
	return NULL;
}

static json_t *
document_error(struct ingest *g, int *status, int code, const char *what)
{
	g->n.documents_refused++;
	*status = code;
	return json_pack("{s:i, s:[], s:s}", "accepted", 0, "rejected",
	                 "error", what);
}

int
ingest_init(struct ingest *g, track_engine *e, const track_site *site,
            const json_t *site_tags, const struct ingest_limits *lim)
{
	size_t n = site->n_scanners ? site->n_scanners : 1;

	*g = (struct ingest){ .engine = e, .site_tags = site_tags,
		              .lim = *lim };
	g->scanners = json_object();
	g->rates = calloc(n, sizeof *g->rates);
	g->press_rates = calloc(n, sizeof *g->press_rates);
	if (!g->scanners || !g->rates || !g->press_rates)
		return -1;
	for (size_t i = 0; i < site->n_scanners; i++)
		if (json_object_set_new(g->scanners, site->scanners[i].id,
		                        json_integer((json_int_t)i)) < 0)
			return -1;
	return 0;
}

void
ingest_free(struct ingest *g)
{
	json_decref(g->scanners);
	free(g->rates);
	free(g->press_rates);
	*g = (struct ingest){ 0 };
}

json_t *
ingest_document(struct ingest *g, const char *text, size_t len,
                int64_t now, ingest_may_report may_report, void *ud,
                int *status, bool *pressed)
{
	json_error_t jerr;
	json_t *doc, *reports, *scanner, *rejected, *answer;
	size_t accepted = 0, i;
	json_t *o;
	bool button = false;
	char limited[96], future[128];

	*status = 200;
	*pressed = false;
	g->n.documents++;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		char msg[256];

		snprintf(msg, sizeof msg, "invalid JSON at line %d, column "
		         "%d: %s", jerr.line, jerr.column, jerr.text);
		return document_error(g, status, 400, msg);
	}
	scanner = json_object_get(doc, "scanner");
	reports = json_object_get(doc, "reports");
	if (!json_is_object(doc) || !json_is_string(scanner) ||
	    !json_is_array(reports)) {
		json_decref(doc);
		return document_error(g, status, 400,
		                      "expected {\"scanner\": string, "
		                      "\"reports\": [...]}");
	}
	/* A scanner's token, lost or stolen, speaks for its own scanners
	 * only. */
	if (!may_report(ud, json_string_value(scanner))) {
		json_decref(doc);
		g->n.wrong_scanner++;
		return document_error(g, status, 403,
		                      "scanner: this token may not report for "
		                      "this scanner (trackd token add "
		                      "--scanner)");
	}
	rejected = json_array();
	json_array_foreach(reports, i, o) {
		track_report r;
		const char *why = read_report(g, o, json_string_value(scanner),
		                              now, future, sizeof future, &r);
		track_status st;

		if (!why && (r.flags & TRACK_REPORT_BUTTON)) {
			why = press_refused(g, &r, now, limited,
			                    sizeof limited);
		} else if (!why && !within_rate(g, r.scanner, now)) {
			snprintf(limited, sizeof limited, "rate limit: more than "
			         "%ld reports/s from this scanner",
			         g->lim.scanner_rate);
			why = limited;
			g->n.rate_limited++;
		}
		if (!why) {
			st = track_engine_ingest(g->engine, &r);
			if (st == TRACK_OK)
				accepted++;
			else
				why = track_strerror(st);
			/* A refused measurement may still carry a press. */
			if (r.flags & TRACK_REPORT_BUTTON)
				button = true;
		}
		if (why)
			json_array_append_new(rejected, refusal(i, why));
	}
	json_decref(doc);
	answer = json_pack("{s:I, s:o}", "accepted", (json_int_t)accepted,
	                   "rejected", rejected);
	*pressed = button;
	return answer;
}
