/* trackd's PostgreSQL history, the writes (see store.h): a batch in one
 * transaction, sent as a pipeline (libpq's pipeline mode: every row's
 * statement sent without waiting for the one before, the results read a
 * chunk at a time), so that thousands of rows cost a few round trips,
 * not one each; and an alarm committed on its own. */
#include "store-pg.h"

#include <stdio.h>
#include <string.h>

/* Statements sent before their results are read: bounds what waits in
 * the socket's buffers both ways (a client that only writes while the
 * server can only write back would stall), and what is recorded of
 * them to name the one that failed. */
#define CHUNK 512

/* SQLite's synchronous=NORMAL, here: a batch's commit does not wait for
 * the server's disk (it survives trackd dying, which is what matters
 * here; a crash of the server may lose the last fraction of a second),
 * an alarm's opening and acknowledgement do. */
#define BEGIN_BATCH "BEGIN; SET LOCAL synchronous_commit = off"
#define BEGIN_SYNCED "BEGIN; SET LOCAL synchronous_commit = on"

struct pipeline {
	store *s;
	int sent;                 /* in this chunk */
	enum pg_stmt what[CHUNK]; /* in the order sent */
	int failed;               /* -1 once a statement failed */
};

/* The chunk's results, up to its sync: the first failure recorded. */
static int
drain(struct pipeline *pl)
{
	struct store_pg *q = store_pg_of(pl->s);
	int k = 0, nulls = 0;

	if (!PQpipelineSync(q->conn))
		return pl->failed = store_pg__fail(pl->s, "pipeline", NULL);
	for (;;) {
		PGresult *r;
		ExecStatusType st;

		/* Never waits past the store's patience (the connection is
		 * then dropped: q->conn is read again each time). */
		if (store_pg__await(pl->s) < 0) {
			pl->failed = -1;
			break;
		}
		r = PQgetResult(q->conn);
		if (!r) {
			/* One NULL ends each statement's results; two in a
			 * row, the connection is gone. */
			if (++nulls > 1 || PQstatus(q->conn) == CONNECTION_BAD) {
				if (pl->failed == 0)
					pl->failed = store_pg__fail(
						pl->s, "lost the connection",
						NULL);
				break;
			}
			continue;
		}
		nulls = 0;
		st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (st == PGRES_FATAL_ERROR && pl->failed == 0)
			pl->failed = store_pg__fail(
				pl->s,
				k < pl->sent ? store_pg__name(pl->what[k])
				             : "pipeline",
				r);
		k++;
		PQclear(r);
	}
	pl->sent = 0;
	return pl->failed;
}

static int
send(struct pipeline *pl, enum pg_stmt i, const struct pg_params *p)
{
	if (pl->failed < 0)
		return -1;
	if (store_pg__send(pl->s, i, p) < 0)
		return pl->failed = -1;
	pl->what[pl->sent++] = i;
	return pl->sent == CHUNK ? drain(pl) : 0;
}

static int
put_position(struct pipeline *pl, const struct store_position *p)
{
	/* The row, and the tag's newest place from the same values. */
	struct pg_params v = { 0 };

	store_pg__text(&v, p->tag);
	store_pg__int(&v, p->t_us);
	store_pg__text(&v, p->floor);
	store_pg__real(&v, p->x);
	store_pg__real(&v, p->y);
	store_pg__real(&v, p->r);
	store_pg__text(&v, p->zone);
	if (send(pl, PG_PUT_POSITION, &v) < 0)
		return -1;
	if (p->scanners)
		store_pg__int(&v, p->scanners);
	else
		store_pg__text(&v, NULL);
	return send(pl, PG_PUT_LAST, &v);
}

static int
put_event(struct pipeline *pl, const struct store_event *e)
{
	struct pg_params v = { 0 };

	store_pg__int(&v, e->t_us);
	store_pg__text(&v, e->type);
	store_pg__text(&v, e->tag);
	store_pg__text(&v, e->zone);
	store_pg__text(&v, e->floor);
	store_pg__real(&v, e->x);
	store_pg__real(&v, e->y);
	return send(pl, PG_PUT_EVENT, &v);
}

static int
put_alarm(struct pipeline *pl, const struct store_alarm *a)
{
	struct pg_params v = { 0 };

	store_pg__int(&v, (int64_t)a->id);
	store_pg__text(&v, a->tag);
	store_pg__int(&v, a->opened_us);
	store_pg__int(&v, a->pressed_us);
	store_pg__text(&v, a->acked ? a->acked_by : NULL);
	if (a->acked)
		store_pg__int(&v, a->acked_us);
	else
		store_pg__text(&v, NULL);
	return send(pl, PG_PUT_ALARM, &v);
}

static int
put_occupancy(struct pipeline *pl, const struct store_occupancy *o)
{
	struct pg_params v = { 0 };

	store_pg__text(&v, o->zone);
	store_pg__int(&v, o->t_us);
	store_pg__real(&v, o->mean);
	store_pg__int(&v, o->peak);
	store_pg__real(&v, o->mean_person);
	store_pg__real(&v, o->mean_asset);
	store_pg__int(&v, o->peak_person);
	store_pg__int(&v, o->peak_asset);
	return send(pl, PG_PUT_OCCUPANCY, &v);
}

static void
put_rows(struct pipeline *pl, const struct store_batch *b)
{
	for (size_t i = 0; i < b->pos_n; i++)
		put_position(pl, &b->pos[(b->pos_head + i) % b->pos_cap]);
	for (size_t i = 0; i < b->ev_n; i++)
		put_event(pl, &b->ev[i]);
	for (size_t i = 0; i < b->al_n; i++)
		put_alarm(pl, &b->al[i]);
	for (size_t i = 0; i < b->occ_n; i++)
		put_occupancy(pl, &b->occ[i]);
}

/* The rows of b (or the one alarm a) between BEGIN and COMMIT: all of
 * them, or after a failure none (rolled back; the error is the first
 * statement's that failed). */
static int
commit(store *s, const struct store_batch *b, const struct store_alarm *a,
       bool synced)
{
	struct pipeline pl = { .s = s };
	struct store_pg *q = store_pg_of(s);

	if (store_pg__exec(s, synced ? BEGIN_SYNCED : BEGIN_BATCH) < 0)
		return -1;
	if (!PQenterPipelineMode(q->conn)) {
		store_pg__fail(s, "cannot start a pipeline", NULL);
		store_pg__exec(s, "ROLLBACK");
		return -1;
	}
	if (b)
		put_rows(&pl, b);
	else
		put_alarm(&pl, a);
	/* Even after a failure: what was sent is read up to its sync, so
	 * that the connection is ready for the ROLLBACK. */
	if (PQstatus(q->conn) == CONNECTION_OK)
		drain(&pl);
	PQexitPipelineMode(q->conn);
	if (pl.failed < 0) {
		char why[sizeof s->err];

		memcpy(why, s->err, sizeof why);
		if (PQstatus(q->conn) == CONNECTION_OK)
			store_pg__exec(s, "ROLLBACK");
		memcpy(s->err, why, sizeof why);
		return -1;
	}
	return store_pg__exec(s, "COMMIT");
}

int
store_pg__write(store *s, const struct store_batch *b, bool synced)
{
	return commit(s, b, NULL, synced);
}

int
store_pg__put_alarm(store *s, const struct store_alarm *a)
{
	return commit(s, NULL, a, true);
}

/* The press's row, inside the transaction: 1 made here, 0 there already
 * (its row into *a), -1. */
static int
claim(store *s, struct store_alarm *a)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int made;

	store_pg__text(&p, a->tag);
	store_pg__int(&p, a->opened_us);
	store_pg__int(&p, a->pressed_us);
	if (!(r = store_pg__run(s, PG_CLAIM_ALARM, &p)))
		return -1;
	made = PQntuples(r) == 1;
	if (made)
		a->id = (uint64_t)store_pg__col_int(r, 0, 0);
	PQclear(r);
	if (made)
		return 1;
	if (!(r = store_pg__run(s, PG_CLAIMED_ALARM, &p)))
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		store__set_err(s, "alarm of %s at %lld: not stored", a->tag,
		               (long long)a->opened_us);
		return -1;
	}
	a->id = (uint64_t)store_pg__col_int(r, 0, 0);
	a->pressed_us = store_pg__col_int(r, 0, 1);
	a->acked = !PQgetisnull(r, 0, 3);
	a->acked_us = a->acked ? store_pg__col_int(r, 0, 3) : 0;
	snprintf(a->acked_by, sizeof a->acked_by, "%s",
	         a->acked && store_pg__col_text(r, 0, 2)
	                 ? store_pg__col_text(r, 0, 2)
	                 : "");
	PQclear(r);
	return 0;
}

int
store_pg__claim_alarm(store *s, struct store_alarm *a)
{
	struct store_alarm row = *a;
	int rc;

	if (store_pg__exec(s, BEGIN_SYNCED) < 0)
		return -1;
	rc = claim(s, &row);
	if (rc < 0) {
		char why[sizeof s->err];

		memcpy(why, s->err, sizeof why);
		if (PQstatus(store_pg_of(s)->conn) == CONNECTION_OK)
			store_pg__exec(s, "ROLLBACK");
		memcpy(s->err, why, sizeof why);
		return -1;
	}
	if (store_pg__exec(s, "COMMIT") < 0)
		return -1;
	*a = row;
	return rc;
}

int
store_pg__history_writer(store *s)
{
	struct pg_params p = { 0 };
	PGresult *r;
	bool held;

	store_pg__text(&p, s->holder);
	store_pg__int(&p, STORE_WRITER_LEASE_S);
	if (!(r = store_pg__run(s, PG_LEASE, &p)))
		return -1;
	held = PQntuples(r) == 1;
	PQclear(r);
	return held;
}

int
store_pg__history_newest(store *s, int64_t *position_us, int64_t *event_us)
{
	PGresult *r = store_pg__run(s, PG_NEWEST, NULL);

	if (!r)
		return -1;
	*position_us = store_pg__col_int(r, 0, 0);
	*event_us = store_pg__col_int(r, 0, 1);
	PQclear(r);
	return 0;
}
