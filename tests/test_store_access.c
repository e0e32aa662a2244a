/* The store's tokens, audit trail and backups on both backends
 * (store-fixture.h), and what only PostgreSQL has: its schema, a server
 * that refuses, a server restarted under an open store. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "server/store-sqlite.h"
#include "store-fixture.h"
#include "store-rows.h"

TestSuite(store, .init = fixture_sqlite_init, .fini = fixture_sqlite_fini);
TestSuite(store_pg, .init = fixture_pg_init, .fini = fixture_pg_fini);

static int
got_token(void *ud, const struct store_token *t)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = t->revoked ? t->revoked_us : 0;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", t->name);
	cr_expect_eq(t->hash_len, 4);
	cr_expect_eq(memcmp(t->hash, "\x01\x00\xfe\x7f", 4), 0,
	             "the hash comes back byte for byte");
	g->n++;
	return 0;
}

static int
got_audit(void *ud, const struct store_audit *r)
{
	struct got *g = ud;

	cr_assert_lt(g->n, 64);
	g->t[g->n] = r->rowid;
	snprintf(g->tag[g->n], STORE_ID_MAX, "%s", r->whom);
	g->n++;
	return 0;
}

/* What trackd token does in another process, a running trackd sees at
 * its next look (access.c asks every second). */
STORE_TEST(tokens_made_by_another_process_change_the_data_version)
{
	store *s = open_ok(), *other = open_ok();
	int64_t v0 = store_data_version(s), id = 0;
	struct got g = { 0 };

	cr_assert_geq(v0, 0, "%s", store_error(s));
	cr_assert_eq(store_token_add(other, "desk", "security",
	                             (const unsigned char *)"\x01\x00\xfe\x7f",
	                             4, 5 * S, NULL, &id),
	             0, "%s", store_error(other));
	cr_expect_gt(id, 0);
	cr_expect_neq(store_data_version(s), v0, "the change is seen");
	cr_expect_eq(store_token_revoke(other, id, 9 * S), 1);
	cr_expect_eq(store_token_revoke(other, id, 9 * S), 0, "once");
	cr_expect_eq(store_tokens(s, got_token, &g), 0, "%s", store_error(s));
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.tag[0], "desk");
	cr_expect_eq(g.t[0], 9 * S, "revoked at 9 s");
	store_close(other);
	store_close(s);
}

STORE_TEST(the_audit_trail_reads_in_pages_oldest_first)
{
	store *s = open_ok();
	struct got g = { 0 };
	const char *whom[] = { "badge-1", "badge-2", "badge-3" };

	for (int i = 0; i < 3; i++)
		cr_assert_eq(store_put_audit(s, &(struct store_audit){
		                     .t_us = 7 * S, .token = i, .name = "desk",
		                     .role = "security", .action = "position",
		                     .whom = whom[i], .peer = "127.0.0.1" }),
		             0, "%s", store_error(s));
	cr_expect_eq(store_audit(s, 0, 10 * S, 2, got_audit, &g), 0);
	cr_assert_eq(g.n, 2, "at most limit rows");
	cr_expect_str_eq(g.tag[0], "badge-1");
	/* The next page, after the last row's key: the one left. */
	cr_expect_eq(store_audit_page(s, (struct store_key){ 7 * S, g.t[1] },
	                              10 * S, 2, got_audit, &g),
	             0);
	cr_assert_eq(g.n, 3);
	cr_expect_str_eq(g.tag[2], "badge-3");
	store_close(s);
}

STORE_TEST(a_backup_is_a_private_copy)
{
	store *s = open_ok();
	char copy[300], head[8] = { 0 };
	struct stat st;
	FILE *f;

	snprintf(copy, sizeof copy, "%s/copy-%ld", getenv("TMPDIR") &&
	         strlen(getenv("TMPDIR")) < 200 ? getenv("TMPDIR") : "/tmp",
	         (long)getpid());
	cr_assert_eq(store_token_add(s, "desk", "admin",
	                             (const unsigned char *)"hash", 4, S, NULL,
	                             NULL),
	             0, "%s", store_error(s));
	cr_assert_eq(store_backup(s, copy, err, sizeof err), 0, "%s", err);
	cr_assert_eq(stat(copy, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "%o", st.st_mode & 0777);
	f = fopen(copy, "rb");
	cr_assert_not_null(f);
	cr_expect_eq(fread(head, 1, 5, f), 5);
	fclose(f);
	/* A database file, or pg_dump's custom format (pg_restore's). */
	cr_expect_str_eq(head, BY_BACKEND("SQLit", "PGDMP"));
	unlink(copy);
	store_close(s);
}

/* ---- PostgreSQL only ---------------------------------------------------- */

Test(store_pg, open_creates_the_schema_at_version_7)
{
	store *s = open_ok();

	cr_expect_eq(store_schema_version(s), 7);
	cr_expect_eq(store_migrations_applied(s), 7);
	store_close(s);
	cr_expect_eq(count("SELECT version FROM schema_version"), 7);
	cr_expect_eq(count("SELECT count(*) FROM pg_tables WHERE tablename IN "
	                   "('positions', 'last_positions', 'events', "
	                   "'alarms', 'occupancy', 'tokens', 'audit', "
	                   "'heatmap', 'utilization', 'token_changes')"),
	             10);
	cr_expect_eq(count("SELECT count(*) FROM information_schema.columns "
	                   "WHERE table_name = 'audit' AND column_name IN "
	                   "('id', 'subject')"),
	             2, "a row key, and version 5's column");
}

Test(store_pg, a_server_that_refuses_is_an_error_naming_it_without_its_password)
{
	store *s = NULL;

	/* Port 1: nobody listens there. */
	cr_expect_eq(store_open("postgresql://trackd:secret@127.0.0.1:1/x", &s,
	                        err, sizeof err),
	             -1);
	cr_expect_null(s);
	cr_expect(strstr(err, "postgresql://trackd:***@127.0.0.1:1/x: cannot "
	                      "connect to PostgreSQL") == err, "%s", err);
	cr_expect(strstr(err, "refused"), "%s", err);
	cr_expect_null(strstr(err, "secret"));
	cr_expect_eq(store_open("postgres://127.0.0.1:port/x", &s, err,
	                        sizeof err),
	             -1);
	cr_expect(strstr(err, "invalid integer value \"port\""), "%s", err);
}

/* The server restarted under an open store: the writes while it is down
 * fail (the batch is kept), the next one after it is back reconnects and
 * commits it; the reads work again too. */
Test(store_pg, a_restarted_server_is_reconnected_at_the_next_call)
{
	char pgdir[200], url[128];
	struct store_batch b = batch_of(16);
	struct store_position p = pos("badge-30", 1, 0, 0, NULL);
	struct got g = { 0 };
	store *s = NULL;

	fixture_pg_own_server(pgdir, sizeof pgdir, url, sizeof url);
	cr_assert_eq(store_open(url, &s, err, sizeof err), 0, "%s", err);
	store_batch_add_position(&b, &p);
	cr_assert_eq(store_write(s, &b), 0, "%s", store_error(s));
	store_batch_clear(&b);
	p.t_us = 2 * S;
	store_batch_add_position(&b, &p);

	fixture_pgtmp("stop", pgdir);
	cr_expect_eq(store_write(s, &b), -1);
	cr_expect_neq(store_error(s)[0], '\0');
	cr_expect_eq(store_write(s, &b), -1, "still down: %s",
	             store_error(s));
	cr_expect(strstr(store_error(s), "reconnect"), "%s", store_error(s));
	fixture_pgtmp("start-again", pgdir);
	cr_expect_eq(store_write(s, &b), 0, "%s", store_error(s));
	cr_expect_eq(store_history(s, "badge-30", 0, 10 * S, 100, got_position,
	                           &g),
	             0, "%s", store_error(s));
	cr_expect_eq(g.n, 2, "the row before and the row kept");
	store_close(s);
	store_batch_free(&b);
	fixture_pgtmp("remove", pgdir);
}
