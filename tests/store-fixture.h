/* test_store's two backends: every STORE_TEST runs twice, on a fresh
 * SQLite file (suite store) and on a fresh database of a real PostgreSQL
 * server that the test binary starts once, in a temporary directory on a
 * loopback port, and stops at the end (tests/pgtmp.sh; suite store_pg,
 * skipped, saying why, where no PostgreSQL is installed). And a second
 * connection to the same database, as another process would have, to
 * look at what the store wrote. */
#ifndef TEST_STORE_FIXTURE_H
#define TEST_STORE_FIXTURE_H

#include <stdbool.h>

#include "server/store.h"

/* The test's database: a path or a postgresql:// URL. */
extern char where[256];
/* Whether the test runs on PostgreSQL. */
extern bool on_pg;
/* Where SQLite tests keep their files. */
extern char dir[64];
/* What store_open() said. */
extern char err[512];

void fixture_sqlite_init(void);
void fixture_sqlite_fini(void);
void fixture_pg_init(void);
void fixture_pg_fini(void);

#define STORE_TEST(name)                                                     \
	static void name(void);                                              \
	Test(store, name) { name(); }                                        \
	Test(store_pg, name) { name(); }                                     \
	static void name(void)

/* sqlite or pg: the SQL (or text) of the test's backend. */
#define BY_BACKEND(sqlite, pg) (on_pg ? (pg) : (sqlite))

store *open_ok(void);

struct raw;
struct raw *raw(void);
void raw_exec(struct raw *r, const char *sql);
/* The first column of the first row of sql, as an integer; -1 when none. */
long long raw_scalar(struct raw *r, const char *sql);
void raw_close(struct raw *r);
/* raw_scalar() on a connection of its own. */
long long count(const char *sql);

/* A PostgreSQL server of the test's own (one it may stop and start
 * again under a store without disturbing the other tests): its
 * directory into pgdir, its URL into url. */
void fixture_pg_own_server(char *pgdir, size_t dirlen, char *url,
                           size_t urllen);
/* pgtmp.sh what pgdir: "stop", "start-again", "remove". */
void fixture_pgtmp(const char *what, const char *pgdir);

#endif
