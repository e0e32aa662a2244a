/* Tokens, roles and the audit trail: see access.h. No lws and no clock:
 * the glue (caller.c) reads who is calling, the loop passes the time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "access.h"
#include "app.h"
#include "log.h"
#include "oidc-session.h"
#include "oidc-verify.h"

#define RECHECK_US 1000000 /* how often to look for token changes */

static const struct {
	const char *name;
	unsigned perms;
} roles[] = {
	{ "scanner", PERM_INGEST },
	{ "viewer", PERM_SITE | PERM_ASSETS },
	{ "security", PERM_SITE | PERM_ASSETS | PERM_PEOPLE | PERM_HISTORY |
	                      PERM_ALARMS },
	{ "responder", PERM_SITE | PERM_ASSETS | PERM_PEOPLE | PERM_ALARMS },
	{ "manager", PERM_SITE | PERM_ASSETS | PERM_REPORTS },
	/* For a Prometheus scraper: the counters, and nothing about anyone
	 * (an admin token in a scraper's config would open everything). */
	{ "monitor", PERM_METRICS },
	{ "admin", PERM_SITE | PERM_ASSETS | PERM_PEOPLE | PERM_HISTORY |
	                   PERM_ALARMS | PERM_REPORTS | PERM_ADMIN |
	                   PERM_INGEST | PERM_METRICS },
};

struct token {
	int64_t id;
	unsigned char hash[32];
	const char *role;
	unsigned perms;
	char name[64];
	json_t *scanners;      /* ids it may report for; NULL: any */
};

struct access {
	struct token *tokens;
	size_t n;
	bool any;              /* a token was ever made: access is closed */
	int64_t data_version;
	int64_t checked_us;
	bool reload_failing;   /* the last reload failed (logged once) */
	uint64_t generation;   /* token sets loaded */
	uint64_t rechecked;    /* the one open WebSockets were checked against */
	bool sso;              /* people sign in with a provider */
	bool audit;            /* a database keeps the trail */
	uint64_t audit_failures;
	/* People (oidc-*.h): the first time a session or JWT admitted
	 * ends, or one was signed out; open WebSockets are checked then. */
	int64_t person_ends_us;
	bool person_ended;
};

unsigned
access_role_perms(const char *role)
{
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].perms;
	return 0;
}

const char *const *
access_roles(void)
{
	static const char *const names[] = { "scanner", "viewer", "security",
		                             "responder", "manager", "monitor",
		                             "admin", NULL };

	return names;
}

const char *
access_role_names(void)
{
	return "scanner, viewer, security, responder, manager, monitor or "
	       "admin";
}

const char *
access_role_name(const char *role)
{
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].name;
	return NULL;
}

static void
free_tokens(struct token *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		json_decref(t[i].scanners);
	free(t);
}

struct loading {
	struct token *t;
	size_t n, cap;
	bool any;
	bool oom;
};

static int
load_row(void *ud, const struct store_token *row)
{
	struct loading *l = ud;
	const char *role = row->role ? access_role_name(row->role) : NULL;
	struct token *t;

	l->any = true;
	if (row->revoked || !role || row->hash_len != 32)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct token *m = realloc(l->t, cap * sizeof *m);

		if (!m) {
			l->oom = true;
			return 1;
		}
		l->t = m;
		l->cap = cap;
	}
	t = &l->t[l->n];
	t->id = row->id;
	snprintf(t->name, sizeof t->name, "%s", row->name);
	t->role = role;
	t->perms = access_role_perms(role);
	memcpy(t->hash, row->hash, 32);
	t->scanners = NULL;
	/* A list that cannot be read binds the token to nothing: refused,
	 * never let in for every scanner. */
	if (row->scanners) {
		t->scanners = json_loads(row->scanners, 0, NULL);
		if (!json_is_array(t->scanners)) {
			json_decref(t->scanners);
			t->scanners = json_array();
		}
	}
	l->n++;
	return 0;
}

/* Read the valid tokens; the old set stays when the read fails. */
static int
load(struct access *ac, store *s)
{
	struct loading l = { 0 };

	if (store_tokens(s, load_row, &l) < 0 || l.oom) {
		free_tokens(l.t, l.n);
		return -1;
	}
	free_tokens(ac->tokens, ac->n);
	ac->tokens = l.t;
	ac->n = l.n;
	ac->any = l.any;
	ac->generation++;
	return 0;
}

int
access_open(struct app *a, bool sso, int64_t now_us)
{
	struct access *ac = calloc(1, sizeof *ac);

	if (!ac)
		return -1;
	a->access = ac;
	ac->sso = sso;
	ac->person_ends_us = INT64_MAX;
	if (!a->store)
		return 0;
	ac->data_version = store_data_version(a->store);
	ac->checked_us = now_us;
	if (load(ac, a->store) < 0) {
		fprintf(stderr, "trackd: cannot read the tokens: %s\n",
		        store_error(a->store));
		return -1;
	}
	ac->audit = true;
	ac->rechecked = ac->generation;
	return 0;
}

void
access_close(struct app *a)
{
	if (!a->access)
		return;
	free_tokens(a->access->tokens, a->access->n);
	free(a->access);
	a->access = NULL;
}

/* Tokens made or revoked by another process since the last look (when
 * RECHECK_US has passed, or at once when forced). */
static void
refresh(struct app *a, int64_t now, bool force)
{
	struct access *ac = a->access;
	int64_t v;

	if (!a->store || (!force && now - ac->checked_us < RECHECK_US))
		return;
	ac->checked_us = now;
	v = store_data_version(a->store);
	if (v >= 0 && (v == ac->data_version || load(ac, a->store) == 0)) {
		ac->data_version = v;
		if (ac->reload_failing)
			log_user("access: the tokens are read again\n");
		ac->reload_failing = false;
		return;
	}
	/* Once an outage (a database server away): the set held stays in
	 * force, and a line a second would bury the one that matters. */
	if (!ac->reload_failing)
		log_err("access: cannot reload the tokens (the ones held "
		        "stay in force): %s\n", store_error(a->store));
	ac->reload_failing = true;
}

/* Requests see a new token set on their own; open WebSockets were let in
 * once, at their handshake, so the loop asks every second even when no
 * request comes, and has each of them checked again after a change. */
bool
access_watch(struct app *a, int64_t now_us)
{
	struct access *ac = a->access;
	bool people;

	if (!ac || (!a->store && !ac->sso))
		return false;
	people = oidc_session_sweep(a->sessions, now_us) > 0 ||
	         ac->person_ended || now_us >= ac->person_ends_us;
	refresh(a, now_us, true);
	if (ac->rechecked == ac->generation && !people)
		return false;
	ac->rechecked = ac->generation;
	/* The checks that follow note the next end again. */
	ac->person_ended = false;
	ac->person_ends_us = INT64_MAX;
	return true;
}

bool
access_recheck(struct app *a, struct caller *c, int64_t now)
{
	struct access *ac = a->access;

	if (!c->known)
		return false;
	if (!access_required(a, now))
		return true;
	if (c->subject[0]) {
		if (c->session ? oidc_session_alive(a->sessions, c->session, now)
		               : c->expires_us > now) {
			if (c->expires_us < ac->person_ends_us)
				ac->person_ends_us = c->expires_us;
			return true;
		}
		c->known = false;
		c->perms = 0;
		c->role = "none";
		return false;
	}
	for (size_t i = 0; c->token && i < ac->n; i++)
		if (ac->tokens[i].id == c->token) {
			c->perms = ac->tokens[i].perms;
			c->role = ac->tokens[i].role;
			return true;
		}
	c->known = false;
	c->perms = 0;
	c->role = "none";
	return false;
}

bool
access_required(struct app *a, int64_t now_us)
{
	refresh(a, now_us, false);
	return a->access && (a->access->any || a->access->sso);
}

void
access_changed(struct app *a)
{
	if (a->access)
		a->access->person_ended = true;
}

unsigned
access_tokens(struct app *a, int64_t now_us)
{
	refresh(a, now_us, false);
	return a->access ? (unsigned)a->access->n : 0;
}

/* The person signed in with the session cookie value: c filled when the
 * session is alive. */
static void
session(struct app *a, const char *cookie, int64_t now, struct caller *c)
{
	const struct oidc_person *p;

	if (!a->sessions || !cookie)
		return;
	p = oidc_session_find(a->sessions, cookie, now);
	if (!p || !(c->role = access_role_name(p->role)))
		return;
	c->known = true;
	c->perms = access_role_perms(c->role);
	snprintf(c->name, sizeof c->name, "%s", p->name);
	snprintf(c->subject, sizeof c->subject, "%s", p->sub);
	c->session = p->id;
	c->expires_us = p->expires_us;
}

void
access_identify(struct app *a, const struct credentials *cr, int64_t now,
                struct caller *c)
{
	struct access *ac = a->access;
	unsigned char hash[32];
	unsigned int hlen = 0;
	const struct token *hit = NULL;

	memset(c, 0, sizeof *c);
	c->role = "none";
	snprintf(c->peer, sizeof c->peer, "%s", cr->peer ? cr->peer : "?");
	/* An IPv4 caller on the dual-stack socket, as people write it. */
	if (strncmp(c->peer, "::ffff:", 7) == 0 && strchr(c->peer, '.'))
		memmove(c->peer, c->peer + 7, strlen(c->peer + 7) + 1);
	if (!access_required(a, now)) {
		c->known = true;
		c->perms = access_role_perms("admin");
		c->role = "admin";
		return;
	}
	if (!cr->token) {
		session(a, cr->cookie, now, c);
		goto noted;
	}
	/* A JWT only in the header: a provider's token in a URL would end
	 * up in logs and browser histories. */
	if (cr->in_header && ac->sso && cr->jwt &&
	    oidc_looks_like_jwt(cr->token)) {
		cr->jwt(cr->ud, cr->token, now, c);
		goto noted;
	}
	if (!EVP_Digest(cr->token, strlen(cr->token), hash, &hlen, EVP_sha256(),
	                NULL))
		return;
	/* Every token compared, each in constant time: how long this takes
	 * says nothing about which one nearly matched. */
	for (size_t i = 0; i < ac->n; i++)
		if (CRYPTO_memcmp(ac->tokens[i].hash, hash, 32) == 0)
			hit = &ac->tokens[i];
	if (!hit)
		return;
	c->known = true;
	c->perms = hit->perms;
	c->role = hit->role;
	c->token = hit->id;
	snprintf(c->name, sizeof c->name, "%s", hit->name);
	return;
noted:
	/* Open WebSockets of people are checked again when this ends. */
	if (c->known && c->expires_us && c->expires_us < ac->person_ends_us)
		ac->person_ends_us = c->expires_us;
}

bool
access_may_report_for(struct app *a, const struct caller *c,
                      const char *scanner)
{
	struct access *ac = a->access;
	json_t *v;
	size_t i;

	for (size_t k = 0; ac && c->token && k < ac->n; k++) {
		if (ac->tokens[k].id != c->token)
			continue;
		if (!ac->tokens[k].scanners)
			return true;
		json_array_foreach(ac->tokens[k].scanners, i, v)
			if (strcmp(json_string_value(v) ? json_string_value(v)
			                                : "",
			           scanner) == 0)
				return true;
		return false;
	}
	/* Open access, or a token since revoked (its sockets are being
	 * closed; its requests are refused already). */
	return !c->token;
}

void
access_audit(struct app *a, const struct caller *c, const char *action,
             const char *whom, int64_t now_us)
{
	struct access *ac = a->access;
	struct store_audit r = {
		.t_us = now_us,
		.token = c->token,
		.name = c->name,
		.role = c->role,
		.action = action,
		.whom = whom,
		.peer = c->peer,
		.subject = c->subject[0] ? c->subject : NULL,
	};

	if (!ac || !ac->audit)
		return; /* no database: nothing is kept about anyone */
	if (store_put_audit(a->store, &r) < 0) {
		ac->audit_failures++;
		log_err("audit: %s of %s by %s not recorded: %s\n", action,
		        whom, c->name, store_error(a->store));
	}
}

uint64_t
access_audit_failures(const struct app *a)
{
	return a->access ? a->access->audit_failures : 0;
}
