/* trackd's PostgreSQL history: see store.h for the contract. This file
 * connects (libpq, to the URL --db names), holds the schema's migrations
 * and the backend's table of functions; store-pg-conn.c prepares the
 * statements the other store-pg*.c files run: store-pg-write.c commits
 * batches, store-pg-query.c reads them back. */
#include "store-pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema, one migration per version, as SQLite's (store-sqlite.c) at
 * the same versions: migrations[i] takes a database from version i to
 * i + 1. Append; never edit one that shipped. Where SQLite has a rowid,
 * positions, events and audit have an id (their store_key's second
 * half). */
static const char *const migrations[] = {
	/* 1: the first schema. Times are Unix microseconds. Positions are
	 * indexed for their two reads, a tag's and a floor's, in the order
	 * of their key; a BRIN index on t (tiny: rows come in time order)
	 * finds the old ones for retention. */
	"CREATE TABLE positions ("
	"  id bigserial, tag text NOT NULL, t bigint NOT NULL, floor text,"
	"  x double precision NOT NULL, y double precision NOT NULL,"
	"  r double precision NOT NULL, zone text);"
	"CREATE INDEX positions_tag_t ON positions (tag, t, id);"
	"CREATE INDEX positions_floor_t ON positions (floor, t, id);"
	"CREATE INDEX positions_t ON positions USING brin (t);"
	"CREATE TABLE last_positions ("
	"  tag text PRIMARY KEY, t bigint NOT NULL, floor text,"
	"  x double precision NOT NULL, y double precision NOT NULL,"
	"  r double precision NOT NULL, zone text);"
	"CREATE TABLE events ("
	"  id bigserial, t bigint NOT NULL, type text NOT NULL,"
	"  tag text NOT NULL, zone text, floor text, x double precision,"
	"  y double precision);"
	"CREATE INDEX events_t ON events (t, id);"
	"CREATE INDEX events_tag_t ON events (tag, t, id);"
	/* Open while acked IS NULL. */
	"CREATE TABLE alarms ("
	"  id bigint PRIMARY KEY, tag text NOT NULL, opened bigint NOT NULL,"
	"  pressed bigint NOT NULL, acked_by text, acked bigint);"
	"CREATE INDEX alarms_open ON alarms (id) WHERE acked IS NULL;"
	"CREATE TABLE occupancy ("
	"  zone text NOT NULL, t bigint NOT NULL,"
	"  mean double precision NOT NULL, peak integer NOT NULL,"
	"  mean_person double precision NOT NULL,"
	"  mean_asset double precision NOT NULL,"
	"  peak_person integer NOT NULL, peak_asset integer NOT NULL,"
	"  PRIMARY KEY (zone, t));",
	/* 2: access. A token is kept only as its SHA-256; token_changes
	 * counts the changes to tokens (a trigger's), which a running
	 * trackd reads every second (store_data_version) to see another
	 * process's trackd token at once. */
	"CREATE TABLE tokens ("
	"  id bigserial PRIMARY KEY, name text NOT NULL, role text NOT NULL,"
	"  hash bytea NOT NULL UNIQUE, created bigint NOT NULL,"
	"  revoked bigint);"
	"CREATE TABLE audit ("
	"  id bigserial, t bigint NOT NULL, token bigint, name text,"
	"  role text, action text NOT NULL, whom text NOT NULL, peer text);"
	"CREATE INDEX audit_t ON audit (t, id);"
	"CREATE TABLE token_changes (n bigint NOT NULL);"
	"INSERT INTO token_changes VALUES (0);"
	"CREATE FUNCTION token_changed() RETURNS trigger LANGUAGE plpgsql"
	"  AS $$BEGIN UPDATE token_changes SET n = n + 1; RETURN NULL; END$$;"
	"CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OR DELETE"
	"  ON tokens FOR EACH STATEMENT EXECUTE FUNCTION token_changed();",
	/* 3: statistics that outlive a restart, per run of trackd. */
	"CREATE TABLE heatmap ("
	"  floor text NOT NULL, t bigint NOT NULL, run bigint NOT NULL,"
	"  cols integer NOT NULL, rows integer NOT NULL,"
	"  cells bytea NOT NULL, PRIMARY KEY (floor, t, run));"
	"CREATE TABLE utilization ("
	"  tag text NOT NULL, day bigint NOT NULL, run bigint NOT NULL,"
	"  moving double precision NOT NULL, idle double precision NOT NULL,"
	"  PRIMARY KEY (tag, day, run));",
	/* 4: a scanner token's scanners (JSON array; NULL: any), and how
	 * many scanners made a tag's last fix (NULL: not known). */
	("ALTER TABLE tokens ADD COLUMN scanners text;"
	 "ALTER TABLE last_positions ADD COLUMN scanners integer;"),
	/* 5: a person signed in with the OpenID provider: its subject. */
	"ALTER TABLE audit ADD COLUMN subject text;",
	/* 6: two trackd on one database. An alarm is its press, (tag,
	 * opened), which both agree on; its id comes from a sequence, taken
	 * by whichever stores the press first (store_claim_alarm). An
	 * acknowledgement is told to every connection listening
	 * (store_alarm_changes) when it commits. */
	"CREATE SEQUENCE alarms_id_seq OWNED BY alarms.id;"
	"SELECT setval('alarms_id_seq', coalesce(max(id), 0) + 1, false)"
	"  FROM alarms;"
	"ALTER TABLE alarms ALTER COLUMN id"
	"  SET DEFAULT nextval('alarms_id_seq');"
	"CREATE UNIQUE INDEX alarms_press ON alarms (tag, opened);"
	"CREATE FUNCTION alarm_acked() RETURNS trigger LANGUAGE plpgsql"
	"  AS $$BEGIN PERFORM pg_notify('" PG_ALARM_CHANNEL "', NEW.id::text);"
	"  RETURN NULL; END$$;"
	"CREATE TRIGGER alarms_acked AFTER UPDATE ON alarms FOR EACH ROW"
	"  WHEN (OLD.acked IS NULL AND NEW.acked IS NOT NULL)"
	"  EXECUTE FUNCTION alarm_acked();",
	/* 7: the history written once by a pair: the lease of the instance
	 * that writes it (store_history_writer; one row), and statistics
	 * kept per instance ('': before instances had names). */
	"CREATE TABLE history_writer ("
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),"
	"  holder text NOT NULL, until timestamptz NOT NULL);"
	"ALTER TABLE heatmap ADD COLUMN instance text NOT NULL DEFAULT '';"
	"ALTER TABLE utilization ADD COLUMN instance text NOT NULL"
	"  DEFAULT '';",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Any number, the same in every trackd: two opening one new database
 * take turns at migrating it. */
#define SCHEMA_LOCK "BEGIN; SELECT pg_advisory_xact_lock(7472616364);" \
	"CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"

/* The first value of the first row of sql, or NULL (none, or an error). */
static char *
value_of(store *s, const char *sql, bool *failed)
{
	PGresult *r = PQexec(store_pg_of(s)->conn, sql);
	char *v = NULL;

	*failed = PQresultStatus(r) != PGRES_TUPLES_OK;
	if (*failed)
		store_pg__fail(s, "schema version", r);
	else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The database's schema version: 0 before the first migration. */
static int
schema_version(store *s)
{
	bool failed;
	char *v = value_of(s, "SELECT to_regclass('schema_version') IS NOT "
	                      "NULL", &failed);
	int n = 0;

	if (failed)
		return -1;
	if (v && strcmp(v, "t") == 0) {
		free(v);
		v = value_of(s, "SELECT max(version) FROM schema_version",
		             &failed);
		if (failed)
			return -1;
		n = v ? atoi(v) : 0;
	}
	free(v);
	return n;
}

static int
set_schema_version(store *s, int v)
{
	char sql[96];

	/* v is ours, not input. */
	snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO "
	         "schema_version VALUES (%d)", v);
	return store_pg__exec(s, sql);
}

static int
connect_to(const char *url, store **out, char *err, size_t errlen)
{
	const char *values[4];
	struct store_pg *q = calloc(1, sizeof *q);

	if (!q || !(q->url = strdup(url))) {
		free(q);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->base.ops = &store_pg__ops;
	q->wait_ms = PG_WAIT_OPENING_MS;
	*out = &q->base;
	store_pg__values(url, values);
	q->conn = PQconnectdbParams(store_pg__keys, values, 1);
	if (!q->conn) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	PQsetNoticeProcessor(q->conn, store_pg__no_notice, NULL);
	if (PQstatus(q->conn) == CONNECTION_OK)
		return 0;
	store_pg__fail(&q->base, "cannot connect to PostgreSQL", NULL);
	snprintf(err, errlen, "%s", q->base.err);
	return -1;
}

static void
disconnect(store *s)
{
	struct store_pg *q = store_pg_of(s);

	/* A trackd stopped on purpose (an upgrade, one at a time) hands
	 * the history over at once, not after its lease; never waiting
	 * past the store's patience for a server that went silent. */
	if (s->holder[0] && !q->connecting &&
	    PQstatus(q->conn) == CONNECTION_OK) {
		const char *v[1] = { s->holder };

		if (PQsendQueryParams(q->conn, "DELETE FROM history_writer "
		                               "WHERE holder = $1", 1, NULL, v,
		                      NULL, NULL, 0))
			while (store_pg__await(s) == 0) {
				PGresult *r = PQgetResult(q->conn);

				if (!r)
					break;
				PQclear(r);
			}
	}
	PQfinish(q->conn);
	free(q->url);
	free(s);
}

const struct store_ops store_pg__ops = {
	.migrations = migrations,
	.n_migrations = N_MIGRATIONS,
	.open = connect_to,
	.exec = store_pg__exec,
	.schema_lock = SCHEMA_LOCK,
	.begin = "BEGIN",
	.schema_version = schema_version,
	.set_schema_version = set_schema_version,
	.prepare = store_pg__prepare,
	.close = disconnect,
	.write = store_pg__write,
	.put_alarm = store_pg__put_alarm,
	.claim_alarm = store_pg__claim_alarm,
	.alarm_changes = store_pg__alarm_changes,
	.positions_page = store_pg__positions_page,
	.has_tag = store_pg__has_tag,
	.last_positions = store_pg__last_positions,
	.purge_stray_last = store_pg__purge_stray_last,
	.events_page = store_pg__events_page,
	.alarms = store_pg__alarms,
	.occupancy = store_pg__occupancy,
	.visits = store_pg__visits,
	.put_heatmap = store_pg__put_heatmap,
	.add_heatmap = store_pg__add_heatmap,
	.put_utilization = store_pg__put_utilization,
	.utilization = store_pg__utilization,
	.purge = store_pg__purge,
	.history_writer = store_pg__history_writer,
	.history_newest = store_pg__history_newest,
	.data_version = store_pg__data_version,
	.tokens = store_pg__tokens,
	.token_add = store_pg__token_add,
	.token_revoke = store_pg__token_revoke,
	.put_audit = store_pg__put_audit,
	.audit_page = store_pg__audit_page,
	.backup = store_pg__backup,
};
