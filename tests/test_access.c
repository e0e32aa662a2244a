/* trackd's access decisions (server/access.c) alone: tokens kept in a
 * real SQLite file, sessions in memory, no socket and no clock (time is
 * an argument). Who is calling comes in as the credentials the glue would
 * read from a request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "server/access.h"
#include "server/app.h"
#include "server/oidc-session.h"

#define S 1000000LL
#define NOW (1763900000LL * S)

static char dir[64];
static char path[128];
static struct app a;
static store *second;

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[512];

	memset(&a, 0, sizeof a);
	snprintf(dir, sizeof dir, "%s/test_access_XXXXXX",
	         tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/trackd.db", dir);
	cr_assert_eq(store_open(path, &a.store, err, sizeof err), 0, "%s", err);
}

static void
teardown(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char f[160];

	access_close(&a);
	store_close(a.store);
	store_close(second);
	second = NULL;
	oidc_sessions_free(a.sessions);
	for (size_t i = 0; i < 4; i++) {
		snprintf(f, sizeof f, "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
}

TestSuite(access, .init = setup, .fini = teardown);

/* A second connection to the file, as `trackd token` in another process
 * has: trackd sees only other connections' changes (data_version). */
static store *
other(void)
{
	char err[512];

	if (!second)
		cr_assert_eq(store_open(path, &second, err, sizeof err), 0,
		             "%s", err);
	return second;
}

/* A token as `trackd token add` keeps it: only its SHA-256. */
static int64_t
add_token_in(store *st, const char *secret, const char *name,
             const char *role, const char *scanners)
{
	unsigned char hash[32];
	unsigned int len = 0;
	int64_t id = 0;

	cr_assert(EVP_Digest(secret, strlen(secret), hash, &len, EVP_sha256(),
	                     NULL));
	cr_assert_eq(store_token_add(st, name, role, hash, len, NOW, scanners,
	                             &id),
	             0);
	return id;
}

static int64_t
add_token(const char *secret, const char *name, const char *role,
          const char *scanners)
{
	return add_token_in(a.store, secret, name, role, scanners);
}

static struct caller
who(const char *token, const char *peer, int64_t now)
{
	struct credentials cr = { .peer = peer, .token = token,
		                  .in_header = true };
	struct caller c;

	access_identify(&a, &cr, now, &c);
	return c;
}

Test(access, open_until_the_first_token)
{
	struct caller c;

	cr_assert_eq(access_open(&a, false, NOW), 0);
	cr_expect_not(access_required(&a, NOW));
	c = who(NULL, "::ffff:10.0.0.7", NOW);
	cr_expect(c.known);
	cr_expect_str_eq(c.role, "admin");
	cr_expect_eq(c.perms, access_role_perms("admin"));
	/* An IPv4 caller on the dual-stack socket, as people write it. */
	cr_expect_str_eq(c.peer, "10.0.0.7");
}

Test(access, a_token_names_its_role_and_nothing_else_gets_in)
{
	int64_t id = add_token("s3cret-guard", "desk 1", "security", NULL);
	struct caller c;

	cr_assert_eq(access_open(&a, false, NOW), 0);
	cr_expect(access_required(&a, NOW));
	cr_expect_eq(access_tokens(&a, NOW), 1);
	c = who("s3cret-guard", "10.0.0.8", NOW);
	cr_expect(c.known);
	cr_expect_str_eq(c.role, "security");
	cr_expect_str_eq(c.name, "desk 1");
	cr_expect_eq(c.token, id);
	cr_expect(c.perms & PERM_PEOPLE);
	cr_expect_not(c.perms & PERM_ADMIN);

	c = who("s3cret-guarD", "10.0.0.8", NOW);
	cr_expect_not(c.known);
	cr_expect_eq(c.perms, 0);
	cr_expect_str_eq(c.role, "none");
	c = who(NULL, NULL, NOW);
	cr_expect_not(c.known);
	cr_expect_str_eq(c.peer, "?");
}

Test(access, a_revoked_token_ends_at_the_next_watch)
{
	int64_t id = add_token("t-viewer", "lobby screen", "viewer", NULL);
	struct caller c;

	cr_assert_eq(access_open(&a, false, NOW), 0);
	c = who("t-viewer", "10.0.0.9", NOW);
	cr_assert(c.known);
	cr_expect_not(access_watch(&a, NOW + S), "nothing changed");
	cr_assert_eq(store_token_revoke(other(), id, NOW + S), 1);
	/* Another process's change is seen within a second, without a
	 * request: the loop's watch says the WebSockets must look again. */
	cr_expect(access_watch(&a, NOW + 2 * S));
	cr_expect_not(access_recheck(&a, &c, NOW + 2 * S));
	cr_expect_not(c.known);
	cr_expect_eq(c.perms, 0);
	cr_expect_not(who("t-viewer", "10.0.0.9", NOW + 2 * S).known);
	cr_expect_not(access_watch(&a, NOW + 3 * S), "said once");
}

Test(access, open_access_closed_by_a_token_rechecks_the_open_ones)
{
	struct caller c;

	cr_assert_eq(access_open(&a, false, NOW), 0);
	c = who(NULL, "10.0.0.1", NOW);
	cr_assert(c.known);
	add_token_in(other(), "first", "first", "admin", NULL);
	cr_expect(access_watch(&a, NOW + S));
	cr_expect_not(access_recheck(&a, &c, NOW + S),
	              "let in while access was open: not any more");
}

Test(access, a_scanner_token_reports_only_for_its_scanners)
{
	struct caller c;

	add_token("t-ap", "ap tokens", "scanner", "[\"ap-1\", \"ap-2\"]");
	add_token("t-any", "any scanner", "scanner", NULL);
	cr_assert_eq(access_open(&a, false, NOW), 0);
	c = who("t-ap", "10.0.1.1", NOW);
	cr_assert(c.known);
	cr_expect(c.perms & PERM_INGEST);
	cr_expect(access_may_report_for(&a, &c, "ap-2"));
	cr_expect_not(access_may_report_for(&a, &c, "ap-3"));
	c = who("t-any", "10.0.1.2", NOW);
	cr_expect(access_may_report_for(&a, &c, "ap-3"));
}

static int
count_audit(void *ud, const struct store_audit *r)
{
	struct store_audit *last = ud;

	last->t_us = r->t_us;
	last->token++;
	cr_expect_str_eq(r->action, "history");
	cr_expect_str_eq(r->whom, "badge-7");
	cr_expect_str_eq(r->name, "desk 1");
	cr_expect_str_eq(r->peer, "10.0.0.8");
	return 0;
}

Test(access, every_look_up_of_a_person_is_kept_at_its_time)
{
	struct store_audit seen = { 0 };
	struct caller c;

	add_token("s3cret-guard", "desk 1", "security", NULL);
	cr_assert_eq(access_open(&a, false, NOW), 0);
	c = who("s3cret-guard", "10.0.0.8", NOW);
	access_audit(&a, &c, "history", "badge-7", NOW + 42 * S);
	cr_assert_eq(store_audit(a.store, NOW, NOW + 3600 * S, 10, count_audit,
	                         &seen),
	             0);
	cr_expect_eq(seen.token, 1, "one row");
	cr_expect_eq(seen.t_us, NOW + 42 * S);
	cr_expect_eq(access_audit_failures(&a), 0);
}

Test(access, a_session_lets_its_person_in_until_it_ends)
{
	struct oidc_person p = { .sub = "u-17", .name = "Ada Nurse",
		                 .role = "responder" };
	char cookie[48];
	struct credentials cr = { .peer = "10.0.2.1", .cookie = cookie };
	struct caller c;

	cr_assert_eq(oidc_sessions_new(&a.sessions), 0);
	cr_assert_eq(access_open(&a, true, NOW), 0);
	cr_expect(access_required(&a, NOW), "with a provider, never open");
	cr_assert_eq(oidc_session_open(a.sessions, &p, NOW, NOW + 60 * S,
	                               cookie, sizeof cookie),
	             0);
	access_identify(&a, &cr, NOW + S, &c);
	cr_expect(c.known);
	cr_expect_str_eq(c.role, "responder");
	cr_expect_str_eq(c.name, "Ada Nurse");
	cr_expect_str_eq(c.subject, "u-17");
	cr_expect_eq(c.token, 0);
	cr_expect(access_recheck(&a, &c, NOW + 30 * S));
	/* The session's end is noted: the watch says so when it comes. */
	cr_expect(access_watch(&a, NOW + 61 * S));
	cr_expect_not(access_recheck(&a, &c, NOW + 61 * S));
	access_identify(&a, &cr, NOW + 61 * S, &c);
	cr_expect_not(c.known);
}

static int jwt_calls;

static void
jwt_person(void *ud, const char *token, int64_t now_us, struct caller *c)
{
	(void)ud;
	(void)now_us;
	jwt_calls++;
	cr_expect_str_eq(token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
	c->known = true;
	c->role = access_role_name("manager");
	c->perms = access_role_perms("manager");
}

Test(access, a_provider_jwt_only_from_the_header)
{
	struct credentials cr = {
		.peer = "10.0.3.1",
		.token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
		.in_header = true,
		.jwt = jwt_person,
	};
	struct caller c;

	cr_assert_eq(access_open(&a, true, NOW), 0);
	access_identify(&a, &cr, NOW, &c);
	cr_expect_eq(jwt_calls, 1);
	cr_expect(c.known);
	cr_expect_str_eq(c.role, "manager");
	/* In a URL (?token=) it would end up in logs: not even looked at
	 * as a JWT, and no trackd token matches it. */
	cr.in_header = false;
	access_identify(&a, &cr, NOW, &c);
	cr_expect_eq(jwt_calls, 1);
	cr_expect_not(c.known);
}
