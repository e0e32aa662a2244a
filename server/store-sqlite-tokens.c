/* trackd's SQLite history, the access side (see store.h): the tokens
 * (kept as hashes; made and revoked by trackd token, read by access.c),
 * the audit trail, and the online backup. Statements that run once a
 * request or a command are prepared when they run; the audit insert, once
 * a look-up, is in the shared table. */
#include <stdio.h>
#include <string.h>

#include "store-sqlite.h"

/* A statement of its own, prepared now: NULL with the error set. */
static sqlite3_stmt *
prepare(store *s, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		store__set_err(s, "%s", sqlite3_errmsg(store_sqlite_db(s)));
		return NULL;
	}
	return st;
}

/* Finalize st after its last step (rc); the error is the connection's. */
static int
done(store *s, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE)
		store__set_err(s, "%s", sqlite3_errmsg(store_sqlite_db(s)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t
store_sqlite__data_version(store *s)
{
	sqlite3_stmt *st = prepare(s, "PRAGMA data_version");
	int64_t v = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_sqlite__tokens(store *s, store_token_cb cb, void *ud)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, name, role, hash, created, "
	                              "revoked, scanners FROM tokens "
	                              "ORDER BY id");
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_token t = {
			.id = sqlite3_column_int64(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.role = (const char *)sqlite3_column_text(st, 2),
			.hash = sqlite3_column_blob(st, 3),
			.hash_len = (size_t)sqlite3_column_bytes(st, 3),
			.created_us = sqlite3_column_int64(st, 4),
			.revoked = sqlite3_column_type(st, 5) != SQLITE_NULL,
			.revoked_us = sqlite3_column_int64(st, 5),
			.scanners = (const char *)sqlite3_column_text(st, 6),
		};

		if (cb(ud, &t)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done(s, st, rc);
}

int
store_sqlite__token_add(store *s, const char *name, const char *role,
                        const unsigned char *hash, size_t hash_len,
                        int64_t created_us, const char *scanners, int64_t *id)
{
	sqlite3_stmt *st = prepare(s, "INSERT INTO tokens (name, role, hash, "
	                              "created, scanners) VALUES (?1, ?2, ?3, "
	                              "?4, ?5)");
	int rc;

	if (!st)
		return -1;
	store_sqlite__bind_text(st, 1, name);
	store_sqlite__bind_text(st, 2, role);
	sqlite3_bind_blob(st, 3, hash, (int)hash_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, created_us);
	store_sqlite__bind_text(st, 5, scanners);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && id)
		*id = sqlite3_last_insert_rowid(store_sqlite_db(s));
	return done(s, st, rc);
}

int
store_sqlite__token_revoke(store *s, int64_t id, int64_t revoked_us)
{
	sqlite3_stmt *st = prepare(s, "UPDATE tokens SET revoked = ?2 WHERE "
	                              "id = ?1 AND revoked IS NULL");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, revoked_us);
	if (done(s, st, sqlite3_step(st)) < 0)
		return -1;
	return sqlite3_changes(store_sqlite_db(s)) > 0;
}

int
store_sqlite__put_audit(store *s, const struct store_audit *r)
{
	sqlite3_stmt *st = store_sqlite_stmt(s, ST_PUT_AUDIT);
	int rc;

	sqlite3_bind_int64(st, 1, r->t_us);
	if (r->token)
		sqlite3_bind_int64(st, 2, r->token);
	else
		sqlite3_bind_null(st, 2);
	/* The caller's strings may not outlive this call: copied. */
	sqlite3_bind_text(st, 3, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, r->whom, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, r->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, r->subject, -1, SQLITE_TRANSIENT);
	rc = store_sqlite__run(s, ST_PUT_AUDIT);
	sqlite3_clear_bindings(st);
	return rc;
}

int
store_sqlite__audit_page(store *s, struct store_key after, int64_t to_us,
                         size_t limit, store_audit_cb cb, void *ud)
{
	sqlite3_stmt *st = prepare(s, "SELECT t, token, name, role, action, "
	                              "whom, peer, rowid, subject FROM audit "
	                              "WHERE "
	                              "t >= ?1 AND t < ?2 AND (t > ?1 OR "
	                              "rowid > ?4) ORDER BY t, rowid "
	                              "LIMIT ?3");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after.t_us);
	sqlite3_bind_int64(st, 4, after.rowid);
	sqlite3_bind_int64(st, 2, to_us);
	sqlite3_bind_int64(st, 3, store__limit(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit r = {
			.t_us = sqlite3_column_int64(st, 0),
			.token = sqlite3_column_int64(st, 1),
			.name = (const char *)sqlite3_column_text(st, 2),
			.role = (const char *)sqlite3_column_text(st, 3),
			.action = (const char *)sqlite3_column_text(st, 4),
			.whom = (const char *)sqlite3_column_text(st, 5),
			.peer = (const char *)sqlite3_column_text(st, 6),
			.rowid = sqlite3_column_int64(st, 7),
			.subject = (const char *)sqlite3_column_text(st, 8),
		};

		if (cb(ud, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done(s, st, rc);
}

int
store_sqlite__backup(store *s, const char *copy, char *err, size_t errlen)
{
	sqlite3 *out;
	sqlite3_backup *b;
	int rc;

	if (store_make_private(copy, err, errlen) < 0)
		return -1;
	if (sqlite3_open_v2(copy, &out,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(out));
		sqlite3_close(out);
		return -1;
	}
	b = sqlite3_backup_init(out, "main", store_sqlite_db(s), "main");
	if (!b) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(out));
		sqlite3_close(out);
		return -1;
	}
	/* A page changed under it by trackd restarts the step: the copy is
	 * consistent even while trackd writes. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errstr(rc));
	sqlite3_close(out);
	return rc == SQLITE_DONE ? 0 : -1;
}
