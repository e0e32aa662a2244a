/* trackd's history, the front (see store.h): picks the backend --db
 * names (a path: SQLite, store-sqlite*.c; a postgresql:// URL: libpq,
 * store-pg*.c), runs the schema's migrations for it, and hands every call
 * on through the backend's table of functions (store-private.h). What
 * both backends would otherwise each check (an empty batch, a window
 * that is too long, a read from a time rather than a key) is checked
 * here, once. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
store__set_err(store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

int64_t
store__limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

bool
store_is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	       strncmp(where, "postgres://", 11) == 0;
}

void
store_display_name(const char *where, char *out, size_t len)
{
	const char *at, *colon, *pw;
	size_t n;

	snprintf(out, len, "%s", where);
	if (!store_is_url(where))
		return;
	/* user:password@host: the password becomes "***". */
	at = strchr(where, '@');
	colon = strchr(strstr(where, "://") + 3, ':');
	if (at && colon && colon < at) {
		n = (size_t)(colon - where) + 1;
		snprintf(out, len, "%.*s***%s", (int)n, where, at);
	}
	/* And ?password=... among the parameters. */
	if ((pw = strstr(out, "password=")) != NULL) {
		char *v = (char *)pw + 9;
		size_t rest = strcspn(v, "&");

		if (rest > 3 && (size_t)(v - out) + 3 < len) {
			memmove(v + 3, v + rest, strlen(v + rest) + 1);
			memcpy(v, "***", 3);
		}
	}
}

/* ---- the schema --------------------------------------------------------- */

/* The missing migrations and the new version in one transaction: a crash
 * or an error in the middle leaves the database as it was. An up-to-date
 * one is only read (no lock); otherwise the version is read again under
 * the backend's lock, so two processes opening one new database do not
 * both migrate it. */
int
store__migrate(store *s)
{
	const struct store_ops *ops = s->ops;
	int n = ops->n_migrations, v = ops->schema_version(s);

	if (v < 0)
		return -1;
	if (v == n) {
		s->version = v;
		return 0;
	}
	if (ops->exec(s, ops->schema_lock) < 0)
		return -1;
	if ((v = ops->schema_version(s)) < 0)
		goto fail;
	if (v > n) {
		store__set_err(s, "schema version %d is newer than this trackd "
		               "knows (%d): run a newer trackd", v, n);
		goto fail;
	}
	s->version = v;
	for (; v < n; v++) {
		char why[sizeof s->err];

		if (ops->exec(s, ops->migrations[v]) < 0) {
			memcpy(why, s->err, sizeof why);
			store__set_err(s, "migration to schema version %d: %s",
			               v + 1, why);
			goto fail;
		}
		s->migrated++;
	}
	if (ops->set_schema_version(s, v) < 0 || ops->exec(s, "COMMIT") < 0)
		goto fail;
	s->version = v;
	return 0;
fail:
	s->migrated = 0;
	/* The first error is the one to report. */
	{
		char why[sizeof s->err];

		memcpy(why, s->err, sizeof why);
		ops->exec(s, "ROLLBACK");
		memcpy(s->err, why, sizeof why);
	}
	return -1;
}

/* ---- open, close -------------------------------------------------------- */

int
store_make_private(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char name[4096];

	if (!*path || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return 0;
	for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++) {
		int fd;

		if ((size_t)snprintf(name, sizeof name, "%s%s", path,
		                     suffix[k]) >= sizeof name) {
			snprintf(err, errlen, "the name is too long");
			return -1;
		}
		/* Made here, 0600, before SQLite makes it with its 0644;
		 * it gives the -wal and -shm the database file's mode. */
		fd = open(name, O_RDWR | O_CLOEXEC | (k == 0 ? O_CREAT : 0),
		          0600);
		if (fd < 0 && k > 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fchmod(fd, 0600) < 0) {
			snprintf(err, errlen, "cannot make %s private (mode "
			         "0600): %s", name, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
store_open(const char *where, store **out, char *err, size_t errlen)
{
	const struct store_ops *ops =
		store_is_url(where) ? &store_pg__ops : &store_sqlite__ops;
	char name[512], why[512];
	store *s = NULL;

	store_display_name(where, name, sizeof name);
	if (ops->open(where, &s, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", name, why);
		store_close(s);
		return -1;
	}
	if (store__migrate(s) < 0 || ops->prepare(s) < 0) {
		snprintf(err, errlen, "%s: %s", name, s->err);
		store_close(s);
		return -1;
	}
	s->err[0] = '\0';
	*out = s;
	return 0;
}

void
store_close(store *s)
{
	if (s)
		s->ops->close(s);
}

int
store_schema_version(const store *s)
{
	return s->version;
}

int
store_migrations_applied(const store *s)
{
	return s->migrated;
}

const char *
store_error(const store *s)
{
	return s->err;
}

/* ---- writes ------------------------------------------------------------- */

int
store_write(store *s, const struct store_batch *b)
{
	s->err[0] = '\0';
	return store_batch_rows(b) ? s->ops->write(s, b, false) : 0;
}

int
store_write_synced(store *s, const struct store_batch *b)
{
	s->err[0] = '\0';
	return store_batch_rows(b) ? s->ops->write(s, b, true) : 0;
}

int
store_put_alarm(store *s, const struct store_alarm *a)
{
	s->err[0] = '\0';
	return s->ops->put_alarm(s, a);
}

int
store_claim_alarm(store *s, struct store_alarm *a)
{
	s->err[0] = '\0';
	if (!a->tag[0]) {
		store__set_err(s, "an alarm without a tag");
		return -1;
	}
	return s->ops->claim_alarm(s, a);
}

int
store_alarm_changes(store *s, store_alarm_cb cb, void *ud)
{
	return s->ops->alarm_changes(s, cb, ud);
}

/* ---- reads -------------------------------------------------------------- */

/* A history read's cost grows with its window: refused beyond the
 * longest. */
static bool
window_ok(store *s, struct store_key after, int64_t to_us)
{
	if (to_us - after.t_us <= STORE_HISTORY_MAX_US)
		return true;
	store__set_err(s, "history window longer than %d days",
	               (int)(STORE_HISTORY_MAX_US / 86400000000));
	return false;
}

int
store_history(store *s, const char *tag, int64_t from_us, int64_t to_us,
              size_t limit, store_position_cb cb, void *ud)
{
	return store_history_page(s, tag, STORE_KEY_AT(from_us), to_us, limit,
	                          cb, ud);
}

int
store_history_page(store *s, const char *tag, struct store_key after,
                   int64_t to_us, size_t limit, store_position_cb cb,
                   void *ud)
{
	if (!window_ok(s, after, to_us))
		return -1;
	return s->ops->positions_page(s, false, tag, after, to_us, limit, cb,
	                              ud);
}

int
store_floor_history_page(store *s, const char *floor, struct store_key after,
                         int64_t to_us, size_t limit, store_position_cb cb,
                         void *ud)
{
	if (!window_ok(s, after, to_us))
		return -1;
	return s->ops->positions_page(s, true, floor, after, to_us, limit, cb,
	                              ud);
}

int
store_has_tag(store *s, const char *tag)
{
	return s->ops->has_tag(s, tag);
}

int
store_last_positions(store *s, store_position_cb cb, void *ud)
{
	return s->ops->last_positions(s, cb, ud);
}

int
store_purge_stray_last(store *s, const char *listed_json,
                       unsigned min_scanners)
{
	return s->ops->purge_stray_last(s, listed_json ? listed_json : "[]",
	                                min_scanners);
}

int
store_events(store *s, int64_t from_us, int64_t to_us, const char *tag,
             const char *type, size_t limit, store_event_cb cb, void *ud)
{
	return store_events_page(s, from_us, STORE_KEY_AT(to_us), tag, type,
	                         limit, cb, ud);
}

int
store_events_page(store *s, int64_t from_us, struct store_key before,
                  const char *tag, const char *type, size_t limit,
                  store_event_cb cb, void *ud)
{
	return s->ops->events_page(s, from_us, before, tag, type, limit, cb,
	                           ud);
}

int
store_alarms(store *s, size_t max_acked, uint64_t *max_id, store_alarm_cb cb,
             void *ud)
{
	return s->ops->alarms(s, max_acked, max_id, cb, ud);
}

int
store_occupancy(store *s, const char *zone, int64_t from_us, int64_t to_us,
                store_occupancy_cb cb, void *ud)
{
	return s->ops->occupancy(s, zone, from_us, to_us, cb, ud);
}

/* ---- statistics and retention ------------------------------------------- */

int
store_visits(store *s, const char *zone, int64_t from_us, int64_t to_us,
             double **lengths_s, size_t *n)
{
	*lengths_s = NULL;
	*n = 0;
	return s->ops->visits(s, zone, from_us, to_us, lengths_s, n);
}

int
store_put_heatmap(store *s, const char *floor, int64_t t_us, int64_t run,
                  size_t cols, size_t rows, const float *cells)
{
	return s->ops->put_heatmap(s, floor, t_us, run, cols, rows, cells);
}

int
store_add_heatmap(store *s, const char *floor, int64_t from_us,
                  int64_t to_us, int64_t run, size_t cols, size_t rows,
                  float *cells)
{
	return s->ops->add_heatmap(s, floor, from_us, to_us, run, cols, rows,
	                           cells);
}

int
store_put_utilization(store *s, const char *tag, int64_t day_us, int64_t run,
                      double moving_s, double idle_s)
{
	return s->ops->put_utilization(s, tag, day_us, run, moving_s, idle_s);
}

int
store_utilization(store *s, const char *tag, int64_t from_day_us,
                  int64_t to_us, int64_t run, double *moving_s,
                  double *idle_s)
{
	return s->ops->utilization(s, tag, from_day_us, to_us, run, moving_s,
	                           idle_s);
}

void
store_set_instance(store *s, const char *name, int64_t run)
{
	snprintf(s->instance, sizeof s->instance, "%s", name ? name : "");
	snprintf(s->holder, sizeof s->holder, "%s/%lld", s->instance,
	         (long long)run);
}

int
store_history_writer(store *s)
{
	return s->ops->history_writer ? s->ops->history_writer(s) : 1;
}

int
store_history_newest(store *s, int64_t *position_us, int64_t *event_us)
{
	*position_us = *event_us = 0;
	return s->ops->history_newest
	       ? s->ops->history_newest(s, position_us, event_us)
	       : 0;
}

/* The write lock now: a busy database fails here rather than half way
 * through the snapshot. */
int
store_stats_begin(store *s)
{
	return s->ops->exec(s, s->ops->begin);
}

int
store_stats_commit(store *s)
{
	return s->ops->exec(s, "COMMIT");
}

void
store_stats_rollback(store *s)
{
	char why[sizeof s->err];

	memcpy(why, s->err, sizeof why);
	s->ops->exec(s, "ROLLBACK");
	memcpy(s->err, why, sizeof why);
}

int
store_purge(store *s, int64_t before_us, size_t max_rows)
{
	return max_rows ? s->ops->purge(s, before_us, max_rows) : 0;
}

/* ---- access ------------------------------------------------------------- */

int64_t
store_data_version(store *s)
{
	return s->ops->data_version(s);
}

int
store_tokens(store *s, store_token_cb cb, void *ud)
{
	return s->ops->tokens(s, cb, ud);
}

int
store_token_add(store *s, const char *name, const char *role,
                const unsigned char *hash, size_t hash_len,
                int64_t created_us, const char *scanners, int64_t *id)
{
	return s->ops->token_add(s, name, role, hash, hash_len, created_us,
	                         scanners, id);
}

int
store_token_revoke(store *s, int64_t id, int64_t revoked_us)
{
	return s->ops->token_revoke(s, id, revoked_us);
}

int
store_put_audit(store *s, const struct store_audit *r)
{
	return s->ops->put_audit(s, r);
}

int
store_audit(store *s, int64_t from_us, int64_t to_us, size_t limit,
            store_audit_cb cb, void *ud)
{
	return store_audit_page(s, STORE_KEY_AT(from_us), to_us, limit, cb,
	                        ud);
}

int
store_audit_page(store *s, struct store_key after, int64_t to_us,
                 size_t limit, store_audit_cb cb, void *ud)
{
	return s->ops->audit_page(s, after, to_us, limit, cb, ud);
}

int
store_backup(store *s, const char *copy, char *err, size_t errlen)
{
	return s->ops->backup(s, copy, err, errlen);
}
