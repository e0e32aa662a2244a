/* trackd's PostgreSQL history, the connection (see store-pg.h): the
 * statements prepared on it, made again when the server went away, and
 * the helpers that bind, run and read them. Values only ever reach SQL
 * as parameters. */
#include "store-pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a statement waits for another connection's lock before it
 * fails: short, as SQLite's busy timeout, because trackd writes on its
 * one service thread; a batch that fails is tried again a second later. */
#define LOCK_TIMEOUT "SET lock_timeout = '100ms'"

static const char *const stmt_sql[N_PG_STMT] = {
#define XX(name, sql) sql,
	PG_STATEMENTS(XX)
#undef XX
};

static const char *const stmt_name[N_PG_STMT] = {
#define XX(name, sql) #name,
	PG_STATEMENTS(XX)
#undef XX
};

const char *
store_pg__name(enum pg_stmt i)
{
	return stmt_name[i];
}

/* ---- parameters --------------------------------------------------------- */

static void
add(struct pg_params *p, const char *v, int len, int fmt)
{
	p->v[p->n] = v;
	p->len[p->n] = len;
	p->fmt[p->n] = fmt;
	p->n++;
}

void
store_pg__int(struct pg_params *p, int64_t v)
{
	snprintf(p->buf[p->n], sizeof p->buf[p->n], "%lld", (long long)v);
	add(p, p->buf[p->n], 0, 0);
}

void
store_pg__real(struct pg_params *p, double v)
{
	if (isnan(v)) {
		add(p, NULL, 0, 0);
		return;
	}
	/* 17 digits: the double comes back as it went. */
	snprintf(p->buf[p->n], sizeof p->buf[p->n], "%.17g", v);
	add(p, p->buf[p->n], 0, 0);
}

void
store_pg__text(struct pg_params *p, const char *v)
{
	add(p, v, 0, 0);
}

void
store_pg__bytes(struct pg_params *p, const void *v, size_t len)
{
	add(p, v, (int)len, 1);
}

/* ---- errors ------------------------------------------------------------- */

int
store_pg__fail(store *s, const char *what, const PGresult *r)
{
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
	                    : NULL;
	char *c, *o;

	if (!msg || !*msg)
		msg = PQerrorMessage(store_pg_of(s)->conn);
	store__set_err(s, "%s: %s", what, *msg ? msg : "no connection");
	/* libpq's messages span lines ("...\n\tIs the server running"):
	 * one line, for the log. */
	for (c = o = s->err; *c; c++) {
		bool space = *c == '\n' || *c == '\t' || *c == ' ';

		if (!space || (o > s->err && o[-1] != ' '))
			*o++ = space ? ' ' : *c;
	}
	while (o > s->err && o[-1] == ' ')
		o--;
	*o = '\0';
	return -1;
}

/* ---- the connection ----------------------------------------------------- */

int
store_pg__prepare(store *s)
{
	struct store_pg *q = store_pg_of(s);
	PGresult *r = PQexec(q->conn, LOCK_TIMEOUT);

	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_pg__fail(s, "lock_timeout", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	/* On every connection: another trackd's acknowledgements are told
	 * to this one (store_alarm_changes). */
	r = PQexec(q->conn, "LISTEN " PG_ALARM_CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_pg__fail(s, "LISTEN", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	for (int i = 0; i < N_PG_STMT; i++) {
		r = PQprepare(q->conn, stmt_name[i], stmt_sql[i], 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			store_pg__fail(s, stmt_name[i], r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	q->prepared = true;
	q->connections++;
	return 0;
}

int
store_pg__ready(store *s)
{
	struct store_pg *q = store_pg_of(s);

	if (PQstatus(q->conn) == CONNECTION_OK)
		return 0;
	/* Lost (the server restarted, the network went): connect again
	 * with the same parameters. A server still down fails here at once
	 * (or after connect_timeout), and the next call tries again. */
	q->prepared = false;
	PQreset(q->conn);
	if (PQstatus(q->conn) != CONNECTION_OK)
		return store_pg__fail(s, "cannot reconnect to PostgreSQL",
		                      NULL);
	return store_pg__prepare(s);
}

static bool
succeeded(const PGresult *r)
{
	return PQresultStatus(r) == PGRES_TUPLES_OK ||
	       PQresultStatus(r) == PGRES_COMMAND_OK;
}

int
store_pg__exec(store *s, const char *sql)
{
	char what[16];
	PGresult *r;
	int rc = 0;

	if (store_pg__ready(s) < 0)
		return -1;
	r = PQexec(store_pg_of(s)->conn, sql);
	if (!succeeded(r)) {
		/* Named by its first word (BEGIN, COMMIT, CREATE...). */
		snprintf(what, sizeof what, "%.*s", (int)strcspn(sql, " ;("),
		         sql);
		rc = store_pg__fail(s, what, r);
	}
	PQclear(r);
	return rc;
}

static PGresult *
run_once(store *s, enum pg_stmt i, const struct pg_params *p)
{
	static const struct pg_params none;

	if (!p)
		p = &none;
	return PQexecPrepared(store_pg_of(s)->conn, stmt_name[i], p->n, p->v,
	                      p->len, p->fmt, 0);
}

PGresult *
store_pg__run(store *s, enum pg_stmt i, const struct pg_params *p)
{
	struct store_pg *q = store_pg_of(s);
	bool idle;
	PGresult *r;

	if (store_pg__ready(s) < 0)
		return NULL;
	idle = PQtransactionStatus(q->conn) == PQTRANS_IDLE;
	r = run_once(s, i, p);
	/* The server went away since the last call: outside a transaction
	 * nothing was done, so once more on a new connection (inside one,
	 * the caller's transaction is lost: it fails, to be tried again). */
	if (!succeeded(r) && idle && PQstatus(q->conn) == CONNECTION_BAD) {
		PQclear(r);
		if (store_pg__ready(s) < 0)
			return NULL;
		r = run_once(s, i, p);
	}
	if (!succeeded(r)) {
		store_pg__fail(s, stmt_name[i], r);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
store_pg__command(store *s, enum pg_stmt i, const struct pg_params *p)
{
	PGresult *r = store_pg__run(s, i, p);
	int n;

	if (!r)
		return -1;
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n;
}

int
store_pg__send(store *s, enum pg_stmt i, const struct pg_params *p)
{
	if (!PQsendQueryPrepared(store_pg_of(s)->conn, stmt_name[i], p->n,
	                         p->v, p->len, p->fmt, 0))
		return store_pg__fail(s, stmt_name[i], NULL);
	return 0;
}

/* ---- results ------------------------------------------------------------ */

const char *
store_pg__col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t
store_pg__col_int(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double
store_pg__col_real(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NAN
	                                : strtod(PQgetvalue(r, row, col), NULL);
}

unsigned
store_pg__col_unsigned(const PGresult *r, int row, int col)
{
	int64_t v = store_pg__col_int(r, row, col);

	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}
