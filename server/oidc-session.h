/* People signed in with the OpenID provider: their sessions (a cookie
 * each) and the sign-ins under way (state, nonce and PKCE verifier,
 * between the page leaving for the provider and coming back).
 *
 * Kept in memory only, as SHA-256 hashes of the cookies (compared in
 * constant time), like trackd's tokens in the database: a restart ends
 * every session cleanly, and the person signs in again (one click while
 * the provider still knows them); nothing on disk can be replayed. Both
 * tables are bounded: when full, the session or sign-in that ends first
 * makes room. Everything runs on the lws service thread; time is an
 * argument. */
#ifndef TRACKD_OIDC_SESSION_H
#define TRACKD_OIDC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OIDC_SESSION_US (INT64_C(8) * 3600 * 1000000) /* a shift */
#define OIDC_LOGIN_US (INT64_C(10) * 60 * 1000000)    /* at the provider */
#define OIDC_MAX_SESSIONS 4096
#define OIDC_MAX_LOGINS 256
/* Sign-ins under way from one address at once: a flood from one address
 * cannot push everyone else's out of the table (a spread one still can,
 * bounded: the oldest makes room). */
#define OIDC_MAX_LOGINS_PER_PEER 8
/* The session cookie's name; "__Host-" in front with TLS (a cookie only
 * this host can set, over https). */
#define OIDC_COOKIE "trackd_session"

/* Who a session is for. */
struct oidc_person {
	char sub[128];       /* the provider's subject */
	char name[128];      /* name, else preferred_username, else email */
	char role[16];       /* trackd's role (access.c) */
	uint64_t id;         /* the session's number (never 0) */
	int64_t expires_us;
};

/* A sign-in under way. */
struct oidc_login {
	char state[48];      /* also the browser's binding cookie */
	char nonce[48];
	char verifier[48];   /* PKCE code_verifier; its S256 goes out */
	char redirect_uri[512];
	char return_to[256]; /* the page's path to go back to */
	char peer[64];       /* the address it was started from */
	int64_t expires_us;
};

struct oidc_sessions;

/* The tables, empty: 0, or -1 when out of memory. NULL is a no-op for
 * free. */
int oidc_sessions_new(struct oidc_sessions **out);
void oidc_sessions_free(struct oidc_sessions *s);

/* A session for who, from now_us for OIDC_SESSION_US (or until
 * not_after_us, when sooner and not 0): its cookie value (43 characters)
 * into cookie (size >= 48), who->id and who->expires_us set. 0, or -1
 * when no randomness. */
int oidc_session_open(struct oidc_sessions *s, struct oidc_person *who,
                      int64_t now_us, int64_t not_after_us, char *cookie,
                      size_t size);
/* The live session of cookie, NULL when none (unknown, ended, expired). */
const struct oidc_person *oidc_session_find(struct oidc_sessions *s,
                                            const char *cookie,
                                            int64_t now_us);
/* End the session of cookie (sign-out): true when there was one. */
bool oidc_session_end(struct oidc_sessions *s, const char *cookie);
/* End session id (sign-out of the caller it admitted): true when live. */
bool oidc_session_end_id(struct oidc_sessions *s, uint64_t id);
/* Whether session id is still live at now_us. */
bool oidc_session_alive(const struct oidc_sessions *s, uint64_t id,
                        int64_t now_us);
/* Forget the sessions and sign-ins past their time: how many sessions
 * ended (by time or by sign-out) since the last call. */
size_t oidc_session_sweep(struct oidc_sessions *s, int64_t now_us);
size_t oidc_session_count(const struct oidc_sessions *s);

/* A new sign-in, its state, nonce and verifier fresh: 0, -1 when no
 * randomness, or -2 when OIDC_MAX_LOGINS_PER_PEER are under way from
 * l->peer already. l's redirect_uri, return_to and peer are the caller's
 * to fill before; the rest is written. */
int oidc_login_begin(struct oidc_sessions *s, struct oidc_login *l,
                     int64_t now_us);
/* The sign-in of state, taken (it can be used once): 0 with *out, or -1
 * when none (unknown, used, expired). */
int oidc_login_take(struct oidc_sessions *s, const char *state,
                    int64_t now_us, struct oidc_login *out);

#endif
