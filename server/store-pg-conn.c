/* trackd's PostgreSQL history, the connection (see store-pg.h): the
 * statements prepared on it, made again when the server went away, and
 * the helpers that bind, run and read them. Values only ever reach SQL
 * as parameters. */
#include "store-pg.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a statement waits for another connection's lock before it
 * fails: short, as SQLite's busy timeout, because trackd writes on its
 * one service thread; a batch that fails is tried again a second later. */
#define SESSION "SET lock_timeout = '100ms'; LISTEN " PG_ALARM_CHANNEL

/* How long the running trackd waits for PostgreSQL's answer to one
 * statement, on its one service thread, which also serves the live map:
 * past it the server is taken for gone (its host down or the network cut:
 * the socket then stays silent for as long as TCP keeps trying, minutes)
 * and the connection is dropped, to be made again without waiting. At
 * the start it waits longer (PG_WAIT_OPENING_MS). */
#define WAIT_RUNNING_MS 2000
/* A new connection is taken a step further at each call for at most
 * STEP_MS (a server that answers at once is connected within the call),
 * and abandoned, to be started again, after CONNECT_MS. */
#define STEP_MS 20
#define STEP_BUDGET_MS 100
#define CONNECT_MS 5000

/* Defaults first: the URL's own parameters override them. A server that
 * does not answer fails the first connection after 2 s, not the system's
 * minutes. */
const char *const store_pg__keys[] = { "connect_timeout",
	                               "fallback_application_name", "dbname",
	                               NULL };

void
store_pg__values(const char *url, const char *values[])
{
	values[0] = "2";
	values[1] = "trackd";
	values[2] = url;
	values[3] = NULL;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

void
store_pg__no_notice(void *ud, const char *message)
{
	(void)ud;
	(void)message;
}

/* The connection given up: the next call starts a new one. */
static void
drop(struct store_pg *q)
{
	PQfinish(q->conn);
	q->conn = NULL;
	q->prepared = false;
	q->connecting = false;
}

int
store_pg__await(store *s)
{
	struct store_pg *q = store_pg_of(s);
	int64_t end = mono_ms() + q->wait_ms;

	for (;;) {
		int unsent = PQflush(q->conn), n;
		struct pollfd p;
		int64_t left;

		if (unsent < 0)
			return store_pg__fail(s, "lost the connection", NULL);
		if (!unsent && !PQisBusy(q->conn))
			return 0;
		left = end - mono_ms();
		if (left <= 0) {
			store__set_err(s, "PostgreSQL did not answer within "
			                  "%d ms (connection dropped, made again "
			                  "at the next write)", q->wait_ms);
			drop(q);
			return -1;
		}
		p = (struct pollfd){ .fd = PQsocket(q->conn),
			             .events = POLLIN | (unsent ? POLLOUT : 0) };
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return store_pg__fail(s, "poll", NULL);
		if (n > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !PQconsumeInput(q->conn))
			return store_pg__fail(s, "lost the connection", NULL);
	}
}

/* The result of what was just sent, as PQexec() gives it: the last one,
 * or the first that failed; NULL when the connection failed (the error
 * set). */
static PGresult *
collect(store *s, const char *what)
{
	PGresult *keep = NULL, *r;

	for (;;) {
		if (store_pg__await(s) < 0) {
			PQclear(keep);
			return NULL;
		}
		if (!(r = PQgetResult(store_pg_of(s)->conn)))
			break;
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(keep);
			keep = r;
		}
	}
	if (!keep)
		store_pg__fail(s, what, NULL);
	return keep;
}

int
store_pg__prepare(store *s)
{
	struct store_pg *q = store_pg_of(s);
	PGresult *r;

	PQsetNoticeProcessor(q->conn, store_pg__no_notice, NULL);
	PQsetnonblocking(q->conn, 1);
	/* On every connection: a short wait for locks, and another
	 * trackd's acknowledgements told to this one (store_alarm_changes). */
	r = PQsendQuery(q->conn, SESSION) ? collect(s, "session") : NULL;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		if (r)
			store_pg__fail(s, "session", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	for (int i = 0; i < N_PG_STMT; i++) {
		r = PQsendPrepare(q->conn, stmt_name[i], stmt_sql[i], 0, NULL)
		    ? collect(s, stmt_name[i])
		    : NULL;
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (r || !q->conn)
				store_pg__fail(s, stmt_name[i], r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	q->prepared = true;
	q->connections++;
	q->wait_ms = WAIT_RUNNING_MS;
	return 0;
}

int
store_pg__ready(store *s)
{
	struct store_pg *q = store_pg_of(s);
	int64_t now = mono_ms(), budget = now + STEP_BUDGET_MS;

	if (!q->connecting && PQstatus(q->conn) == CONNECTION_OK)
		return 0;
	/* Lost (the server restarted, the network went): a new connection
	 * with the same parameters, made without holding trackd's thread:
	 * each call takes it as far as the server's answers allow within
	 * STEP_BUDGET_MS, and fails until it is made. */
	if (!q->connecting) {
		const char *values[4];

		store_pg__values(q->url, values);
		PQfinish(q->conn);
		q->prepared = false;
		q->conn = PQconnectStartParams(store_pg__keys, values, 1);
		if (PQstatus(q->conn) == CONNECTION_BAD) {
			store_pg__fail(s, "cannot reconnect to PostgreSQL",
			               NULL);
			drop(q);
			return -1;
		}
		q->connecting = true;
		q->want = PGRES_POLLING_WRITING;
		q->connect_from_ms = now;
	}
	for (;;) {
		struct pollfd p = { .fd = PQsocket(q->conn),
			            .events = q->want == PGRES_POLLING_READING
			                      ? POLLIN
			                      : POLLOUT };
		int64_t left = budget - mono_ms();
		PostgresPollingStatusType st;

		if (poll(&p, 1, left < STEP_MS ? (left > 0 ? (int)left : 0)
		                                : STEP_MS) <= 0) {
			if (mono_ms() - q->connect_from_ms > CONNECT_MS) {
				store__set_err(s, "PostgreSQL did not take a "
				                  "new connection within %d ms",
				               CONNECT_MS);
				drop(q);
			} else {
				store__set_err(s, "connecting to PostgreSQL "
				                  "again");
			}
			return -1;
		}
		st = PQconnectPoll(q->conn);
		if (st == PGRES_POLLING_OK)
			break;
		if (st == PGRES_POLLING_FAILED) {
			store_pg__fail(s, "cannot reconnect to PostgreSQL",
			               NULL);
			drop(q);
			return -1;
		}
		q->want = st;
	}
	q->connecting = false;
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
	if (!PQsendQuery(store_pg_of(s)->conn, sql))
		return store_pg__fail(s, "send", NULL);
	if (!(r = collect(s, "answer")))
		return -1;
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
	if (!PQsendQueryPrepared(store_pg_of(s)->conn, stmt_name[i], p->n,
	                         p->v, p->len, p->fmt, 0))
		return NULL;
	return collect(s, stmt_name[i]);
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
	 * the caller's transaction is lost: it fails, to be tried again).
	 * Not when it stopped answering (the connection dropped): the next
	 * call, a second later, tries a new one. */
	if (!succeeded(r) && idle && q->conn &&
	    PQstatus(q->conn) == CONNECTION_BAD) {
		PQclear(r);
		if (store_pg__ready(s) < 0)
			return NULL;
		r = run_once(s, i, p);
	}
	if (!succeeded(r)) {
		if (r) /* else the error is set: the connection's */
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
