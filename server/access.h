/* Who may see what: bearer tokens with one role each, checked on every
 * request and WebSocket, and the audit trail of every look-up of a person.
 *
 * Tokens live in the database (table tokens, only their SHA-256), made by
 * `trackd token add`. While there is none, access is open (every caller is
 * an admin), as on a fresh demo; the first token closes it. trackd notices
 * tokens added or revoked by another process within a second, and ends the
 * WebSockets whose caller they no longer let in. */
#ifndef TRACKD_ACCESS_H
#define TRACKD_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

struct app;

/* What a role may do. */
enum {
	PERM_INGEST = 1 << 0,   /* send reports */
	PERM_ASSETS = 1 << 1,   /* positions and history of assets */
	PERM_PEOPLE = 1 << 2,   /* positions of people (audited) */
	PERM_HISTORY = 1 << 3,  /* history and events of people (audited) */
	PERM_ALARMS = 1 << 4,   /* see and acknowledge distress alarms */
	PERM_REPORTS = 1 << 5,  /* aggregated statistics */
	PERM_ADMIN = 1 << 6,    /* the audit trail */
	PERM_SITE = 1 << 7,     /* the site file and drawings */
	PERM_METRICS = 1 << 8,  /* /metrics */
};

struct caller {
	bool known;          /* false: no token, or not a valid one */
	unsigned perms;
	const char *role;    /* "admin", ...; "none" when not known, or for
	                      * a person whose groups map to no role */
	char name[128];      /* the token's name; a person's name or email */
	int64_t token;       /* the token's id; 0 while access is open, and
	                      * for people signed in with the provider */
	char peer[64];       /* the caller's address */
	/* Signed in with the OpenID provider (oidc-*.h): a session cookie
	 * (session its number) or a bearer JWT from the provider. */
	char subject[128];   /* the provider's sub; "" for a token */
	uint64_t session;
	int64_t expires_us;  /* when the session or JWT ends; 0: never */
	char role_buf[16];
	bool keys_pending;   /* a JWT named a key not held yet: the keys
	                      * are being fetched again (oidc-client.h) */
	bool no_role;        /* known, but the claims map to no role */
};

/* Load the tokens (with --db); -1 when they cannot be read. */
int access_open(struct app *a);
void access_close(struct app *a);

/* Look for token changes every second from now on (after the lws context
 * is made): on each change, every WebSocket of track-ingest.v1 and
 * track-live.v1 is called with ACCESS_RECHECK, and its callback checks its
 * caller again with access_recheck(). */
void access_start(struct app *a);
#define ACCESS_RECHECK LWS_CALLBACK_USER

/* c as the tokens stand now: true when it is still known (perms and role
 * brought up to date); false when its token was revoked, or access was
 * open when it came and a token has closed it since. */
bool access_recheck(struct app *a, struct caller *c);

/* True when requests need a token. */
bool access_required(struct app *a);
/* How many tokens are valid now. */
unsigned access_tokens(struct app *a);

/* The caller of wsi, from "Authorization: Bearer T" (one of trackd's
 * tokens, or a JWT access token of the OpenID provider) or, for
 * browsers' WebSockets and downloads, "?token=T" (trackd's tokens only),
 * or the session cookie of a person signed in (oidc-routes.h). With the
 * provider configured, access is never open. */
void access_caller(struct app *a, struct lws *wsi, struct caller *c);

/* Whether c may send reports as scanner: a token made with --scanner
 * only for those ids; any other caller that may ingest, for any. */
bool access_may_report_for(struct app *a, const struct caller *c,
                           const char *scanner);

/* The permissions of a role by name; 0 for an unknown one. */
unsigned access_role_perms(const char *role);
/* The roles' names, NULL-terminated (the role map is checked with it). */
const char *const *access_roles(void);
/* The role's own static name, NULL for an unknown one. */
const char *access_role_name(const char *role);
/* Sessions ended (sign-out): WebSockets are checked again at once. */
void access_changed(struct app *a);
/* "scanner, viewer, ...": for messages. */
const char *access_role_names(void);

/* Record that c looked up whom (a tag id, or "floor:f0" for a floor of
 * people); action says how ("position", "history", "follow", ...). An
 * audit row that cannot be written is an error in the log and a metric,
 * never a refusal of the look-up (a responder must find the person). */
void access_audit(struct app *a, const struct caller *c, const char *action,
                  const char *whom);
uint64_t access_audit_failures(const struct app *a);

#endif
