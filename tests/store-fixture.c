/* test_store's backends: see store-fixture.h. */
#include "store-fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#ifndef PGTMP
#error "PGTMP: the path of tests/pgtmp.sh"
#endif

char where[256];
bool on_pg;
char dir[64];
char err[512];

static char path[128];
static char db_name[32];

struct raw {
	sqlite3 *db;
	PGconn *pq;
};

/* ---- the PostgreSQL server, once for the whole run ---------------------- */

/* Set in the runner before the tests start, so that every test's
 * process inherits them: TEST_PG_DIR and TEST_PG_PORT, or TEST_PG_SKIP. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char line[256], pgdir[200];
	unsigned port;
	FILE *f;
	int rc;

	(void)set;
	f = popen(PGTMP " start", "r");
	if (!f || !fgets(line, sizeof line, f)) {
		rc = f ? pclose(f) : -1;
		setenv("TEST_PG_SKIP", rc >= 0 && WEXITSTATUS(rc) == 77
		       ? "no PostgreSQL server programs (initdb) installed"
		       : "the test PostgreSQL server did not start (see "
		         "above)", 1);
		return;
	}
	pclose(f);
	if (sscanf(line, "%199s %u", pgdir, &port) != 2) {
		setenv("TEST_PG_SKIP", "pgtmp.sh said nothing useful", 1);
		return;
	}
	snprintf(line, sizeof line, "%u", port);
	setenv("TEST_PG_DIR", pgdir, 1);
	setenv("TEST_PG_PORT", line, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[300];

	(void)stats;
	if (!getenv("TEST_PG_DIR"))
		return;
	snprintf(cmd, sizeof cmd, PGTMP " remove '%s'",
	         getenv("TEST_PG_DIR"));
	if (system(cmd) != 0)
		fprintf(stderr, "test_store: could not remove the test "
		        "PostgreSQL server\n");
}

static void
no_notice(void *ud, const char *message)
{
	(void)ud;
	(void)message;
}

static PGconn *
pg_connect(const char *db)
{
	char url[160];
	PGconn *c;

	snprintf(url, sizeof url, "postgresql://trackd@127.0.0.1:%s/%s",
	         getenv("TEST_PG_PORT"), db);
	c = PQconnectdb(url);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s: %s", url,
	             PQerrorMessage(c));
	PQsetNoticeProcessor(c, no_notice, NULL);
	return c;
}

static void
pg_admin(const char *sql)
{
	PGconn *c = pg_connect("postgres");
	PGresult *r = PQexec(c, sql);

	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql,
	             PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* A database of its own for each test (each runs in a process of its
 * own: the pid names it). */
void
fixture_pg_init(void)
{
	char sql[64];

	if (getenv("TEST_PG_SKIP"))
		cr_skip_test("PostgreSQL: %s", getenv("TEST_PG_SKIP"));
	on_pg = true;
	snprintf(db_name, sizeof db_name, "store_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db_name);
	pg_admin(sql);
	snprintf(where, sizeof where, "postgresql://trackd@127.0.0.1:%s/%s",
	         getenv("TEST_PG_PORT"), db_name);
}

void
fixture_pg_fini(void)
{
	char sql[80];

	if (!*db_name)
		return;
	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", db_name);
	pg_admin(sql);
}

void
fixture_pg_own_server(char *pgdir, size_t dirlen, char *url, size_t urllen)
{
	char line[256], d[200];
	unsigned port = 0;
	FILE *f = popen(PGTMP " start", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof line, f), "pgtmp.sh start");
	pclose(f);
	cr_assert_eq(sscanf(line, "%199s %u", d, &port), 2, "%s", line);
	snprintf(pgdir, dirlen, "%s", d);
	snprintf(url, urllen, "postgresql://trackd@127.0.0.1:%u/postgres",
	         port);
}

void
fixture_pgtmp(const char *what, const char *pgdir)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, PGTMP " %s '%s'", what, pgdir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* ---- SQLite: a file in a fresh directory -------------------------------- */

void
fixture_sqlite_init(void)
{
	const char *tmp = getenv("TMPDIR");

	on_pg = false;
	snprintf(dir, sizeof dir, "%s/test_store_XXXXXX",
	         tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/history.db", dir);
	snprintf(where, sizeof where, "%s", path);
}

void
fixture_sqlite_fini(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char f[160];

	for (size_t i = 0; i < 4; i++) {
		snprintf(f, sizeof f, "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
}

/* ---- both --------------------------------------------------------------- */

store *
open_ok(void)
{
	store *s = NULL;

	cr_assert_eq(store_open(where, &s, err, sizeof err), 0, "%s", err);
	cr_assert_not_null(s);
	return s;
}

struct raw *
raw(void)
{
	struct raw *r = calloc(1, sizeof *r);

	cr_assert_not_null(r);
	if (on_pg) {
		r->pq = pg_connect(db_name);
		return r;
	}
	cr_assert_eq(sqlite3_open(path, &r->db), SQLITE_OK);
	sqlite3_busy_timeout(r->db, 1000);
	return r;
}

void
raw_exec(struct raw *r, const char *sql)
{
	char *msg = NULL;
	PGresult *res;

	if (!r->pq) {
		cr_assert_eq(sqlite3_exec(r->db, sql, NULL, NULL, &msg),
		             SQLITE_OK, "%s: %s", sql, msg ? msg : "");
		return;
	}
	res = PQexec(r->pq, sql);
	cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK ||
	          PQresultStatus(res) == PGRES_TUPLES_OK,
	          "%s: %s", sql, PQerrorMessage(r->pq));
	PQclear(res);
}

long long
raw_scalar(struct raw *r, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	PGresult *res;

	if (r->pq) {
		res = PQexec(r->pq, sql);
		cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s",
		             sql, PQerrorMessage(r->pq));
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		return v;
	}
	cr_assert_eq(sqlite3_prepare_v2(r->db, sql, -1, &st, NULL), SQLITE_OK,
	             "%s: %s", sql, sqlite3_errmsg(r->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void
raw_close(struct raw *r)
{
	sqlite3_close(r->db);
	PQfinish(r->pq);
	free(r);
}

long long
count(const char *sql)
{
	struct raw *r = raw();
	long long n = raw_scalar(r, sql);

	raw_close(r);
	return n;
}
