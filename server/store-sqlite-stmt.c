/* trackd's SQLite history, the statements (see store-sqlite.h): every
 * one prepared once, after the schema is up to date, and reset after
 * use; values only ever reach SQL as bound parameters. And the helpers
 * the other store-sqlite*.c files run them with. */
#include "store-sqlite.h"

static const char *const stmt_sql[N_STMT] = {
#define XX(name, sql) sql,
	STATEMENTS(XX)
#undef XX
};

/* For error messages: which statement failed. */
static const char *const stmt_name[N_STMT] = {
#define XX(name, sql) #name,
	STATEMENTS(XX)
#undef XX
};

int
store_sqlite__fail(store *s, const char *what)
{
	store__set_err(s, "%s: %s", what, sqlite3_errmsg(store_sqlite_db(s)));
	return -1;
}

int
store_sqlite__exec(store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(store_sqlite_db(s), sql, NULL, NULL, &msg) ==
	    SQLITE_OK)
		return 0;
	store__set_err(s, "%s",
	               msg ? msg : sqlite3_errmsg(store_sqlite_db(s)));
	sqlite3_free(msg);
	return -1;
}

int
store_sqlite__prepare(store *s)
{
	struct store_sqlite *q = store_sqlite_of(s);

	for (int i = 0; i < N_STMT; i++)
		if (sqlite3_prepare_v3(q->db, stmt_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &q->st[i],
		                       NULL) != SQLITE_OK)
			return store_sqlite__fail(s, stmt_name[i]);
	return 0;
}

/* Run a statement that returns no rows, then reset it. */
int
store_sqlite__run(store *s, enum stmt i)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, i);
	int rc = sqlite3_step(st);

	/* The connection's message names the cause (a trigger's, a
	 * constraint's); read it before reset() can replace it. */
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_sqlite__fail(s, stmt_name[i]);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int
store_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v)
{
	/* SQLITE_STATIC: every string outlives the step that reads it. */
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
	         : sqlite3_bind_null(st, i);
}

int
store_sqlite__next_row(store *s, enum stmt i)
{
	int rc = sqlite3_step(store_sqlite_stmt(s, i));

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sqlite__fail(s, stmt_name[i]);
}

/* Reset a query after its last row (or an early stop, or an error) and
 * forget its bindings, which borrow the caller's strings. */
int
store_sqlite__finish(store *s, enum stmt i, int rc)
{
	sqlite3_reset(store_sqlite_stmt(s, i));
	sqlite3_clear_bindings(store_sqlite_stmt(s, i));
	return rc < 0 ? -1 : 0;
}
