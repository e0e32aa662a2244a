/* trackd's PostgreSQL history, the access side (see store.h): the tokens
 * (kept as hashes; made and revoked by trackd token, read by access.c),
 * the audit trail, and the backup (pg_dump's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store-pg.h"

int64_t
store_pg__data_version(store *s)
{
	/* Bumped by a trigger on tokens (store-pg.c, migration 2): another
	 * process's trackd token shows here at the next look. */
	PGresult *r = store_pg__run(s, PG_TOKEN_CHANGES, NULL);
	int64_t v = -1;

	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		v = store_pg__col_int(r, 0, 0);
	PQclear(r);
	return v;
}

int
store_pg__tokens(store *s, store_token_cb cb, void *ud)
{
	PGresult *r = store_pg__run(s, PG_TOKENS, NULL);

	if (!r)
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		size_t len = 0;
		unsigned char *hash = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(r, k, 3), &len);
		struct store_token t = {
			.id = store_pg__col_int(r, k, 0),
			.name = store_pg__col_text(r, k, 1),
			.role = store_pg__col_text(r, k, 2),
			.hash = hash,
			.hash_len = len,
			.created_us = store_pg__col_int(r, k, 4),
			.revoked = !PQgetisnull(r, k, 5),
			.revoked_us = store_pg__col_int(r, k, 5),
			.scanners = store_pg__col_text(r, k, 6),
		};
		int stop;

		if (!hash) {
			PQclear(r);
			store__set_err(s, "TOKENS: out of memory");
			return -1;
		}
		stop = cb(ud, &t);
		PQfreemem(hash);
		if (stop)
			break;
	}
	PQclear(r);
	return 0;
}

int
store_pg__token_add(store *s, const char *name, const char *role,
                    const unsigned char *hash, size_t hash_len,
                    int64_t created_us, const char *scanners, int64_t *id)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__text(&p, name);
	store_pg__text(&p, role);
	store_pg__bytes(&p, hash, hash_len);
	store_pg__int(&p, created_us);
	store_pg__text(&p, scanners);
	if (!(r = store_pg__run(s, PG_TOKEN_ADD, &p)))
		return -1;
	if (id)
		*id = store_pg__col_int(r, 0, 0);
	PQclear(r);
	return 0;
}

int
store_pg__token_revoke(store *s, int64_t id, int64_t revoked_us)
{
	struct pg_params p = { 0 };
	int n;

	store_pg__int(&p, id);
	store_pg__int(&p, revoked_us);
	n = store_pg__command(s, PG_TOKEN_REVOKE, &p);
	return n < 0 ? -1 : n > 0;
}

int
store_pg__put_audit(store *s, const struct store_audit *r)
{
	struct pg_params p = { 0 };

	store_pg__int(&p, r->t_us);
	if (r->token)
		store_pg__int(&p, r->token);
	else
		store_pg__text(&p, NULL);
	store_pg__text(&p, r->name);
	store_pg__text(&p, r->role);
	store_pg__text(&p, r->action);
	store_pg__text(&p, r->whom);
	store_pg__text(&p, r->peer);
	store_pg__text(&p, r->subject);
	return store_pg__command(s, PG_PUT_AUDIT, &p) < 0 ? -1 : 0;
}

int
store_pg__audit_page(store *s, struct store_key after, int64_t to_us,
                     size_t limit, store_audit_cb cb, void *ud)
{
	struct pg_params p = { 0 };
	PGresult *r;

	store_pg__int(&p, after.t_us);
	store_pg__int(&p, to_us);
	store_pg__int(&p, store__limit(limit));
	store_pg__int(&p, after.rowid);
	if (!(r = store_pg__run(s, PG_AUDIT, &p)))
		return -1;
	for (int k = 0; k < PQntuples(r); k++) {
		struct store_audit a = {
			.t_us = store_pg__col_int(r, k, 0),
			.token = PQgetisnull(r, k, 1)
			                 ? 0
			                 : store_pg__col_int(r, k, 1),
			.name = store_pg__col_text(r, k, 2),
			.role = store_pg__col_text(r, k, 3),
			.action = store_pg__col_text(r, k, 4),
			.whom = store_pg__col_text(r, k, 5),
			.peer = store_pg__col_text(r, k, 6),
			.rowid = store_pg__col_int(r, k, 7),
			.subject = store_pg__col_text(r, k, 8),
		};

		if (cb(ud, &a))
			break;
	}
	PQclear(r);
	return 0;
}

/* pg_dump, run with the connection's own parameters (host, port, user,
 * database, password...) as its PG* environment variables, so that none
 * of them, the password least, shows on a command line others can list. */
static void
run_pg_dump(PGconn *c, const char *copy)
{
	PQconninfoOption *opts = PQconninfo(c);
	char file[4200];

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->envvar && o->val && *o->val)
			setenv(o->envvar, o->val, 1);
	snprintf(file, sizeof file, "--file=%s", copy);
	execlp("pg_dump", "pg_dump", "--format=custom", "--no-password",
	       file, (char *)NULL);
	fprintf(stderr, "trackd: cannot run pg_dump: %s\n", strerror(errno));
	_exit(127);
}

int
store_pg__backup(store *s, const char *copy, char *err, size_t errlen)
{
	int status;
	pid_t pid;

	if (store_pg__ready(s) < 0) {
		snprintf(err, errlen, "%s", s->err);
		return -1;
	}
	/* Made 0600 first: pg_dump writes into it, keeping its mode. */
	if (store_make_private(copy, err, errlen) < 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start pg_dump: %s",
		         strerror(errno));
		return -1;
	}
	if (pid == 0)
		run_pg_dump(store_pg_of(s)->conn, copy);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "pg_dump: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "PostgreSQL's backups are pg_dump's, and "
		         "pg_dump is not on the PATH (Debian: apt-get install "
		         "postgresql-client)");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "pg_dump failed (status %d; its message "
		         "is above)", WIFEXITED(status) ? WEXITSTATUS(status)
		                                        : -1);
		return -1;
	}
	return 0;
}
