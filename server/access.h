/* Who may see what: bearer tokens with one role each, checked on every
 * request and WebSocket, and the audit trail of every look-up of a person.
 *
 * Tokens live in the database (table tokens, only their SHA-256), made by
 * `trackd token add`. While there is none, access is open (every caller is
 * an admin), as on a fresh demo; the first token closes it. trackd notices
 * tokens added or revoked by another process within a second, and ends the
 * WebSockets whose caller they no longer let in.
 *
 * The decisions only: no lws and no clock (time is an argument). Who is
 * calling is read from a request's headers by caller.h. */
#ifndef TRACKD_ACCESS_H
#define TRACKD_ACCESS_H

#include <stdbool.h>
#include <stdint.h>


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
	const char *scanner; /* set: reports as this scanner only (an MQTT
	                      * topic's, mqtt-ingest.h); NULL: as its token
	                      * allows */
};

/* Load the tokens (with --db); -1 when they cannot be read. sso: people
 * sign in with an OpenID provider (access is then never open). */
int access_open(struct app *a, bool sso, int64_t now_us);
void access_close(struct app *a);

/* Called every second by the loop: true when tokens changed (made or
 * revoked by another process) or a person's session or JWT ended since
 * the last call, and every open WebSocket must check its caller again
 * with access_recheck(). */
bool access_watch(struct app *a, int64_t now_us);

/* c as the tokens stand at now_us: true when it is still known (perms
 * and role brought up to date); false when its token was revoked, its
 * session or JWT ended, or access was open when it came and a token has
 * closed it since. */
bool access_recheck(struct app *a, struct caller *c, int64_t now_us);

/* True when requests need a token. */
bool access_required(struct app *a, int64_t now_us);
/* How many tokens are valid now. */
unsigned access_tokens(struct app *a, int64_t now_us);

/* What a request presents, as read from it (caller.h). */
struct credentials {
	const char *peer;     /* its address; NULL: unknown */
	const char *token;    /* "Authorization: Bearer T" or ?token=T;
	                       * NULL: none */
	bool in_header;       /* the token came in the header */
	const char *cookie;   /* the session cookie's value; NULL: none */
	/* A provider's JWT access token in the header, checked and turned
	 * into c by the caller's code (its keys are fetched on the loop);
	 * NULL without single sign-on. */
	void (*jwt)(void *ud, const char *token, int64_t now_us,
	            struct caller *c);
	void *ud;
};

/* The caller presenting cr at now_us: one of trackd's tokens (by its
 * SHA-256, compared in constant time), a provider's JWT (cr->jwt), or a
 * person's session; not known otherwise. While access is open, an
 * admin. */
void access_identify(struct app *a, const struct credentials *cr,
                     int64_t now_us, struct caller *c);

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
/* Sessions ended (sign-out): the next access_watch() says so. */
void access_changed(struct app *a);
/* "scanner, viewer, ...": for messages. */
const char *access_role_names(void);

/* Record that c looked up whom (a tag id, or "floor:f0" for a floor of
 * people); action says how ("position", "history", "follow", ...). An
 * audit row that cannot be written is an error in the log and a metric,
 * never a refusal of the look-up (a responder must find the person). */
void access_audit(struct app *a, const struct caller *c, const char *action,
                  const char *whom, int64_t now_us);
uint64_t access_audit_failures(const struct app *a);

#endif
