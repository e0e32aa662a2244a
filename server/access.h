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
	const char *role;    /* "admin", ...; "none" when not known */
	char name[64];       /* the token's name */
	int64_t token;       /* the token's id; 0 while access is open */
	char peer[64];       /* the caller's address */
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

/* The caller of wsi, from "Authorization: Bearer T" or, for browsers'
 * WebSockets and downloads, "?token=T". */
void access_caller(struct app *a, struct lws *wsi, struct caller *c);

/* Whether c may send reports as scanner: a token made with --scanner
 * only for those ids; any other caller that may ingest, for any. */
bool access_may_report_for(struct app *a, const struct caller *c,
                           const char *scanner);

/* The permissions of a role by name; 0 for an unknown one. */
unsigned access_role_perms(const char *role);
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
