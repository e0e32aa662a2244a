/* Sessions and sign-ins under way: see oidc-session.h. */
#include "oidc-session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oidc-verify.h"

struct slot {
	unsigned char hash[32];
	struct oidc_person who;
	bool used;
};

struct oidc_sessions {
	struct slot *slots;       /* OIDC_MAX_SESSIONS */
	struct oidc_login *logins; /* OIDC_MAX_LOGINS; state "" is free */
	uint64_t next_id;
	size_t ended;             /* since the last sweep */
};

int
oidc_sessions_new(struct oidc_sessions **out)
{
	struct oidc_sessions *s = calloc(1, sizeof *s);

	if (s) {
		s->slots = calloc(OIDC_MAX_SESSIONS, sizeof *s->slots);
		s->logins = calloc(OIDC_MAX_LOGINS, sizeof *s->logins);
	}
	if (!s || !s->slots || !s->logins) {
		oidc_sessions_free(s);
		return -1;
	}
	s->next_id = 1;
	*out = s;
	return 0;
}

void
oidc_sessions_free(struct oidc_sessions *s)
{
	if (!s)
		return;
	/* The people's names go with the memory. */
	if (s->slots)
		OPENSSL_cleanse(s->slots, OIDC_MAX_SESSIONS * sizeof *s->slots);
	if (s->logins)
		OPENSSL_cleanse(s->logins, OIDC_MAX_LOGINS * sizeof *s->logins);
	free(s->slots);
	free(s->logins);
	free(s);
}

static bool
hash(const char *cookie, unsigned char out[32])
{
	unsigned int n = 0;

	return EVP_Digest(cookie, strlen(cookie), out, &n, EVP_sha256(), NULL) &&
	       n == 32;
}

int
oidc_session_open(struct oidc_sessions *s, struct oidc_person *who,
                  int64_t now_us, int64_t not_after_us, char *cookie,
                  size_t size)
{
	struct slot *free_slot = NULL, *first_out = NULL;

	if (oidc_random(cookie, size, 32) < 0)
		return -1;
	for (size_t i = 0; i < OIDC_MAX_SESSIONS; i++) {
		struct slot *sl = &s->slots[i];

		if (!sl->used || sl->who.expires_us <= now_us) {
			free_slot = sl;
			break;
		}
		if (!first_out || sl->who.expires_us < first_out->who.expires_us)
			first_out = sl;
	}
	if (!free_slot) {
		/* Full: the session that would end first ends now. */
		free_slot = first_out;
		s->ended++;
	}
	who->id = s->next_id++;
	who->expires_us = now_us + OIDC_SESSION_US;
	if (not_after_us && not_after_us < who->expires_us)
		who->expires_us = not_after_us;
	if (!hash(cookie, free_slot->hash))
		return -1;
	free_slot->who = *who;
	free_slot->used = true;
	return 0;
}

/* The slot of cookie: every used slot compared, each in constant time. */
static struct slot *
lookup(struct oidc_sessions *s, const char *cookie)
{
	unsigned char h[32];
	struct slot *hit = NULL;

	if (!cookie || !*cookie || !hash(cookie, h))
		return NULL;
	for (size_t i = 0; i < OIDC_MAX_SESSIONS; i++)
		if (s->slots[i].used &&
		    CRYPTO_memcmp(s->slots[i].hash, h, 32) == 0)
			hit = &s->slots[i];
	return hit;
}

const struct oidc_person *
oidc_session_find(struct oidc_sessions *s, const char *cookie, int64_t now_us)
{
	struct slot *sl = s ? lookup(s, cookie) : NULL;

	return sl && sl->who.expires_us > now_us ? &sl->who : NULL;
}

bool
oidc_session_end(struct oidc_sessions *s, const char *cookie)
{
	struct slot *sl = s ? lookup(s, cookie) : NULL;

	if (!sl)
		return false;
	OPENSSL_cleanse(sl, sizeof *sl);
	s->ended++;
	return true;
}

bool
oidc_session_end_id(struct oidc_sessions *s, uint64_t id)
{
	for (size_t i = 0; s && id && i < OIDC_MAX_SESSIONS; i++)
		if (s->slots[i].used && s->slots[i].who.id == id) {
			OPENSSL_cleanse(&s->slots[i], sizeof s->slots[i]);
			s->ended++;
			return true;
		}
	return false;
}

bool
oidc_session_alive(const struct oidc_sessions *s, uint64_t id, int64_t now_us)
{
	for (size_t i = 0; s && id && i < OIDC_MAX_SESSIONS; i++)
		if (s->slots[i].used && s->slots[i].who.id == id)
			return s->slots[i].who.expires_us > now_us;
	return false;
}

size_t
oidc_session_sweep(struct oidc_sessions *s, int64_t now_us)
{
	size_t n;

	if (!s)
		return 0;
	for (size_t i = 0; i < OIDC_MAX_SESSIONS; i++)
		if (s->slots[i].used && s->slots[i].who.expires_us <= now_us) {
			OPENSSL_cleanse(&s->slots[i], sizeof s->slots[i]);
			s->ended++;
		}
	for (size_t i = 0; i < OIDC_MAX_LOGINS; i++)
		if (s->logins[i].state[0] && s->logins[i].expires_us <= now_us)
			OPENSSL_cleanse(&s->logins[i], sizeof s->logins[i]);
	n = s->ended;
	s->ended = 0;
	return n;
}

size_t
oidc_session_count(const struct oidc_sessions *s)
{
	size_t n = 0;

	for (size_t i = 0; s && i < OIDC_MAX_SESSIONS; i++)
		n += s->slots[i].used;
	return n;
}

int
oidc_login_begin(struct oidc_sessions *s, struct oidc_login *l,
                 int64_t now_us)
{
	struct oidc_login *slot = NULL;
	size_t same = 0;

	for (size_t i = 0; i < OIDC_MAX_LOGINS; i++) {
		const struct oidc_login *c = &s->logins[i];

		same += c->state[0] && c->expires_us > now_us &&
		        strcmp(c->peer, l->peer) == 0;
	}
	if (same >= OIDC_MAX_LOGINS_PER_PEER)
		return -2;
	if (oidc_random(l->state, sizeof l->state, 32) < 0 ||
	    oidc_random(l->nonce, sizeof l->nonce, 32) < 0 ||
	    oidc_random(l->verifier, sizeof l->verifier, 32) < 0)
		return -1;
	l->expires_us = now_us + OIDC_LOGIN_US;
	for (size_t i = 0; i < OIDC_MAX_LOGINS; i++) {
		struct oidc_login *c = &s->logins[i];

		if (!c->state[0] || c->expires_us <= now_us) {
			slot = c;
			break;
		}
		if (!slot || c->expires_us < slot->expires_us)
			slot = c; /* full: the oldest sign-in makes room */
	}
	*slot = *l;
	return 0;
}

int
oidc_login_take(struct oidc_sessions *s, const char *state, int64_t now_us,
                struct oidc_login *out)
{
	size_t n = strlen(state);

	if (n == 0 || n >= sizeof s->logins[0].state)
		return -1;
	for (size_t i = 0; i < OIDC_MAX_LOGINS; i++) {
		struct oidc_login *c = &s->logins[i];

		if (!c->state[0] || strlen(c->state) != n ||
		    CRYPTO_memcmp(c->state, state, n) != 0)
			continue;
		*out = *c;
		OPENSSL_cleanse(c, sizeof *c);
		return out->expires_us > now_us ? 0 : -1;
	}
	return -1;
}
