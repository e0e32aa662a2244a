/* oidc-session.c: sessions of people signed in, and sign-ins under way. */
#undef NDEBUG
#include <criterion/criterion.h>
#include <string.h>

#include "server/oidc-session.h"

#define T0 INT64_C(1900000000000000)

static struct oidc_sessions *
tables(void)
{
	struct oidc_sessions *s = NULL;

	cr_assert_eq(oidc_sessions_new(&s), 0);
	return s;
}

static struct oidc_person
ada(void)
{
	struct oidc_person p = { .sub = "u-1001", .name = "Ada Guard",
		                 .role = "security" };

	return p;
}

Test(oidc_session, a_session_is_found_by_its_cookie)
{
	struct oidc_sessions *s = tables();
	struct oidc_person who = ada();
	const struct oidc_person *p;
	char cookie[48];

	cr_assert_eq(oidc_session_open(s, &who, T0, 0, cookie, sizeof cookie),
	             0);
	cr_expect_eq(strlen(cookie), 43);
	cr_expect_neq(who.id, 0);
	cr_expect_eq(who.expires_us, T0 + OIDC_SESSION_US);
	p = oidc_session_find(s, cookie, T0 + 1);
	cr_assert_not_null(p);
	cr_expect_str_eq(p->sub, "u-1001");
	cr_expect_str_eq(p->role, "security");
	cr_expect_eq(p->id, who.id);
	cr_expect(oidc_session_alive(s, who.id, T0 + 1));
	cr_expect_eq(oidc_session_count(s), 1);
	oidc_sessions_free(s);
}

Test(oidc_session, an_unknown_or_empty_cookie_finds_nothing)
{
	struct oidc_sessions *s = tables();
	struct oidc_person who = ada();
	char cookie[48];

	cr_assert_eq(oidc_session_open(s, &who, T0, 0, cookie, sizeof cookie),
	             0);
	cookie[0] = cookie[0] == 'A' ? 'B' : 'A';
	cr_expect_null(oidc_session_find(s, cookie, T0));
	cr_expect_null(oidc_session_find(s, "", T0));
	cr_expect_null(oidc_session_find(s, NULL, T0));
	cr_expect_null(oidc_session_find(NULL, "x", T0));
	oidc_sessions_free(s);
}

Test(oidc_session, two_sessions_get_different_cookies_and_ids)
{
	struct oidc_sessions *s = tables();
	struct oidc_person a = ada(), b = ada();
	char ca[48], cb[48];

	cr_assert_eq(oidc_session_open(s, &a, T0, 0, ca, sizeof ca), 0);
	cr_assert_eq(oidc_session_open(s, &b, T0, 0, cb, sizeof cb), 0);
	cr_expect_str_neq(ca, cb);
	cr_expect_neq(a.id, b.id);
	cr_expect_eq(oidc_session_find(s, cb, T0)->id, b.id);
	oidc_sessions_free(s);
}

Test(oidc_session, a_session_ends_at_its_lifetime)
{
	struct oidc_sessions *s = tables();
	struct oidc_person who = ada();
	char cookie[48];

	cr_assert_eq(oidc_session_open(s, &who, T0, 0, cookie, sizeof cookie),
	             0);
	cr_expect_not_null(oidc_session_find(s, cookie,
	                                     T0 + OIDC_SESSION_US - 1));
	cr_expect_null(oidc_session_find(s, cookie, T0 + OIDC_SESSION_US));
	cr_expect_not(oidc_session_alive(s, who.id, T0 + OIDC_SESSION_US));
	cr_expect_eq(oidc_session_sweep(s, T0 + OIDC_SESSION_US), 1);
	cr_expect_eq(oidc_session_count(s), 0);
	cr_expect_eq(oidc_session_sweep(s, T0 + OIDC_SESSION_US), 0);
	oidc_sessions_free(s);
}

Test(oidc_session, an_earlier_end_is_kept)
{
	struct oidc_sessions *s = tables();
	struct oidc_person who = ada();
	char cookie[48];

	cr_assert_eq(oidc_session_open(s, &who, T0, T0 + 60000000, cookie,
	                               sizeof cookie),
	             0);
	cr_expect_eq(who.expires_us, T0 + 60000000);
	cr_expect_null(oidc_session_find(s, cookie, T0 + 60000000));
	oidc_sessions_free(s);
}

Test(oidc_session, sign_out_revokes_the_session)
{
	struct oidc_sessions *s = tables();
	struct oidc_person a = ada(), b = ada();
	char ca[48], cb[48];

	cr_assert_eq(oidc_session_open(s, &a, T0, 0, ca, sizeof ca), 0);
	cr_assert_eq(oidc_session_open(s, &b, T0, 0, cb, sizeof cb), 0);
	cr_expect(oidc_session_end(s, ca));
	cr_expect_null(oidc_session_find(s, ca, T0));
	cr_expect_not(oidc_session_end(s, ca));
	cr_expect(oidc_session_end_id(s, b.id));
	cr_expect_null(oidc_session_find(s, cb, T0));
	cr_expect_not(oidc_session_alive(s, b.id, T0));
	cr_expect_not(oidc_session_end_id(s, b.id));
	/* Both ends are counted, so WebSockets are checked again. */
	cr_expect_eq(oidc_session_sweep(s, T0), 2);
	oidc_sessions_free(s);
}

Test(oidc_session, a_full_table_drops_the_session_that_ends_first)
{
	struct oidc_sessions *s = tables();
	struct oidc_person who = ada();
	char first[48], cookie[48];

	cr_assert_eq(oidc_session_open(s, &who, T0, 0, first, sizeof first), 0);
	for (int i = 1; i < OIDC_MAX_SESSIONS; i++) {
		who = ada();
		cr_assert_eq(oidc_session_open(s, &who, T0 + i, 0, cookie,
		                               sizeof cookie),
		             0);
	}
	cr_expect_eq(oidc_session_count(s), OIDC_MAX_SESSIONS);
	who = ada();
	cr_assert_eq(oidc_session_open(s, &who, T0 + OIDC_MAX_SESSIONS, 0,
	                               cookie, sizeof cookie),
	             0);
	cr_expect_eq(oidc_session_count(s), OIDC_MAX_SESSIONS);
	cr_expect_null(oidc_session_find(s, first, T0 + OIDC_MAX_SESSIONS));
	cr_expect_not_null(oidc_session_find(s, cookie, T0 + OIDC_MAX_SESSIONS));
	oidc_sessions_free(s);
}

Test(oidc_session, free_of_null_is_a_no_op)
{
	oidc_sessions_free(NULL);
	cr_expect_eq(oidc_session_sweep(NULL, T0), 0);
	cr_expect_eq(oidc_session_count(NULL), 0);
}

/* ---- sign-ins under way ---------------------------------------------- */

Test(oidc_login, a_sign_in_is_taken_once_by_its_state)
{
	struct oidc_sessions *s = tables();
	struct oidc_login l = { .redirect_uri = "http://127.0.0.1/cb",
		                .return_to = "/" }, out;

	cr_assert_eq(oidc_login_begin(s, &l, T0), 0);
	cr_expect_eq(strlen(l.state), 43);
	cr_expect_eq(strlen(l.nonce), 43);
	cr_expect_eq(strlen(l.verifier), 43);
	cr_expect_str_neq(l.state, l.nonce);
	cr_expect_str_neq(l.nonce, l.verifier);
	cr_assert_eq(oidc_login_take(s, l.state, T0 + 1, &out), 0);
	cr_expect_str_eq(out.nonce, l.nonce);
	cr_expect_str_eq(out.verifier, l.verifier);
	cr_expect_str_eq(out.redirect_uri, "http://127.0.0.1/cb");
	cr_expect_eq(oidc_login_take(s, l.state, T0 + 2, &out), -1);
	oidc_sessions_free(s);
}

Test(oidc_login, an_unknown_or_late_state_is_refused)
{
	struct oidc_sessions *s = tables();
	struct oidc_login l = { 0 }, out;

	cr_assert_eq(oidc_login_begin(s, &l, T0), 0);
	cr_expect_eq(oidc_login_take(s, "made-up", T0, &out), -1);
	cr_expect_eq(oidc_login_take(s, "", T0, &out), -1);
	cr_expect_eq(oidc_login_take(s, l.state, T0 + OIDC_LOGIN_US, &out), -1);
	/* Gone for good, even had the clock been earlier. */
	cr_expect_eq(oidc_login_take(s, l.state, T0, &out), -1);
	oidc_sessions_free(s);
}

Test(oidc_login, one_address_cannot_push_everyone_elses_sign_ins_out)
{
	struct oidc_sessions *s = tables();
	struct oidc_login l, mine = { .peer = "192.0.2.7" }, out;

	for (int i = 0; i < OIDC_MAX_LOGINS_PER_PEER; i++) {
		l = (struct oidc_login){ .peer = "198.51.100.9" };
		cr_assert_eq(oidc_login_begin(s, &l, T0 + i), 0);
	}
	/* One more from the flooding address is refused... */
	l = (struct oidc_login){ .peer = "198.51.100.9" };
	cr_expect_eq(oidc_login_begin(s, &l, T0 + 100), -2);
	/* ...another address still signs in... */
	cr_assert_eq(oidc_login_begin(s, &mine, T0 + 101), 0);
	cr_expect_eq(oidc_login_take(s, mine.state, T0 + 102, &out), 0);
	/* ...and the flooding one again once its sign-ins have lapsed. */
	l = (struct oidc_login){ .peer = "198.51.100.9" };
	cr_expect_eq(oidc_login_begin(s, &l, T0 + OIDC_LOGIN_US + 10), 0);
	oidc_sessions_free(s);
}
