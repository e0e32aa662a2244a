/* trackd token ... and trackd backup: see admin.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "access.h"
#include "admin.h"
#include "escape.h"
#include "store.h"

#define TOKEN_BYTES 32
/* The most --scanner ids one token may be bound to. */
#define MAX_TOKEN_SCANNERS 256

bool
admin_command(int argc, char **argv)
{
	return argc >= 2 &&
	       (strcmp(argv[1], "token") == 0 || strcmp(argv[1], "backup") == 0);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: trackd token add --role ROLE [--name NAME] "
	           "[--scanner ID]... --db FILE\n"
	           "       trackd token list --db FILE\n"
	           "       trackd token revoke ID --db FILE\n"
	           "       trackd backup COPY --db FILE\n"
	           "ROLE: %s. The new token is printed alone on the last line;\n"
	           "only its SHA-256 is kept. A running trackd on the same FILE\n"
	           "sees tokens added or revoked within a second. --scanner binds\n"
	           "a scanner token to the scanner ids it may report for (repeat\n"
	           "it for more; without it, any). backup takes a consistent copy\n"
	           "of FILE while trackd runs (mode 0600, as FILE).\n",
	        access_role_names());
}

static store *
open_db(const char *path)
{
	char err[512];
	store *s = NULL;

	if (store_open(path, &s, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: %s\n", err);
		return NULL;
	}
	return s;
}

/* scanners: a JSON array of the ids the token may report for, or NULL
 * for any. */
static int
token_add(sqlite3 *db, const char *role, const char *name,
          const char *scanners)
{
	unsigned char raw[TOKEN_BYTES], hash[32];
	unsigned int hlen = 0;
	char token[4 + 2 * TOKEN_BYTES + 1];
	sqlite3_stmt *st;
	struct timespec now;
	int rc;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		perror("trackd: getrandom");
		return 1;
	}
	memcpy(token, "trk_", 4);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 4 + 2 * i, 3, "%02x", raw[i]);
	if (!EVP_Digest(token, strlen(token), hash, &hlen, EVP_sha256(), NULL))
		return 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (sqlite3_prepare_v2(db, "INSERT INTO tokens (name, role, hash, "
	                           "created, scanners) VALUES (?1, ?2, ?3, "
	                           "?4, ?5)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now.tv_sec * 1000000 +
	                                  now.tv_nsec / 1000);
	if (scanners)
		sqlite3_bind_text(st, 5, scanners, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	printf("token %lld: role %s, name %s%s%s\n",
	       (long long)sqlite3_last_insert_rowid(db), role, name,
	       scanners ? ", scanners " : "", scanners ? scanners : "");
	printf("%s\n", token);
	return 0;
fail:
	fprintf(stderr, "trackd: cannot store the token: %s\n",
	        sqlite3_errmsg(db));
	return 1;
}

static void
print_time(int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  %s", buf);
}

static int
token_list(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id, role, name, created, revoked, "
	                           "scanners FROM tokens ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "trackd: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	printf("id  role       created               revoked               "
	       "name\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		printf("%-3lld %-10s", (long long)sqlite3_column_int64(st, 0),
		       (const char *)sqlite3_column_text(st, 1));
		print_time(sqlite3_column_int64(st, 3));
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			printf("  %-20s", "-");
		else
			print_time(sqlite3_column_int64(st, 4));
		printf("  %s", (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			printf("  (scanners %s)",
			       (const char *)sqlite3_column_text(st, 5));
		printf("\n");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "trackd: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	return 0;
}

static int
token_revoke(sqlite3 *db, const char *id_text)
{
	sqlite3_stmt *st;
	char *end;
	long long id = strtoll(id_text, &end, 10);
	struct timespec now;
	int rc;

	if (*end || id <= 0) {
		fprintf(stderr, "trackd: token revoke: expected a token id (see "
		                "trackd token list), got '%s'\n", id_text);
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (sqlite3_prepare_v2(db, "UPDATE tokens SET revoked = ?2 WHERE id = "
	                           "?1 AND revoked IS NULL",
	                       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "trackd: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now.tv_sec * 1000000 +
	                                  now.tv_nsec / 1000);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "trackd: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (sqlite3_changes(db) == 0) {
		fprintf(stderr, "trackd: token %lld: no such token, or revoked "
		                "already\n", id);
		return 1;
	}
	printf("token %lld revoked\n", id);
	return 0;
}

/* An online copy through SQLite's backup API: consistent even while
 * trackd writes (a page changed under it restarts the step). */
static int
backup(sqlite3 *db, const char *copy)
{
	sqlite3 *out;
	sqlite3_backup *b;
	char err[512];
	int rc;

	if (store_make_private(copy, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: backup: %s: %s\n", copy, err);
		return 1;
	}
	if (sqlite3_open_v2(copy, &out, SQLITE_OPEN_READWRITE |
	                                        SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK) {
		fprintf(stderr, "trackd: backup: %s: %s\n", copy,
		        sqlite3_errmsg(out));
		sqlite3_close(out);
		return 1;
	}
	b = sqlite3_backup_init(out, "main", db, "main");
	if (!b) {
		fprintf(stderr, "trackd: backup: %s: %s\n", copy,
		        sqlite3_errmsg(out));
		sqlite3_close(out);
		return 1;
	}
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "trackd: backup: %s: %s\n", copy,
		        sqlite3_errstr(rc));
		sqlite3_close(out);
		return 1;
	}
	sqlite3_close(out);
	printf("backup: %s\n", copy);
	return 0;
}

int
admin_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "scanner", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL, *role = NULL, *name = NULL;
	const char *cmd = argv[1], *sub, *arg = NULL;
	json_t *scanners = NULL;
	char *scanners_text = NULL;
	store *s;
	int c, rc;

	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 's':
			/* The ids the site file allows for scanners. */
			if (!escape_tag_id_ok(optarg, 64)) {
				fprintf(stderr, "trackd: token add: --scanner "
				        "'%s': expected a scanner id (1 to 63 "
				        "printable characters without spaces or "
				        "any of , \" \\ /)\n", optarg);
				json_decref(scanners);
				return 2;
			}
			if (!scanners)
				scanners = json_array();
			if (json_array_size(scanners) >= MAX_TOKEN_SCANNERS) {
				fprintf(stderr, "trackd: token add: at most %d "
				        "--scanner ids\n", MAX_TOKEN_SCANNERS);
				json_decref(scanners);
				return 2;
			}
			json_array_append_new(scanners, json_string(optarg));
			break;
		case 'h':
			json_decref(scanners);
			usage(stdout);
			return 0;
		default:
			json_decref(scanners);
			usage(stderr);
			return 2;
		}
	}
	if (scanners && (!role || strcmp(role, "scanner") != 0 ||
	                 strcmp(cmd, "token") != 0)) {
		fprintf(stderr, "trackd: --scanner is for token add --role "
		                "scanner only\n");
		json_decref(scanners);
		return 2;
	}
	scanners_text = scanners ? json_dumps(scanners, JSON_COMPACT) : NULL;
	json_decref(scanners);
	if (scanners && !scanners_text) {
		fprintf(stderr, "trackd: out of memory\n");
		return 1;
	}
	sub = optind < argc ? argv[optind++] : NULL;
	if (strcmp(cmd, "token") == 0 && sub && strcmp(sub, "revoke") == 0)
		arg = optind < argc ? argv[optind++] : NULL;
	rc = 2;
	if (!db_path || !sub || optind < argc ||
	    (strcmp(sub, "revoke") == 0 && !arg)) {
		usage(stderr);
		goto out;
	}
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "add") == 0 &&
	    (!role || !access_role_perms(role))) {
		fprintf(stderr, "trackd: token add: --role must be %s\n",
		        access_role_names());
		goto out;
	}
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "add") != 0 &&
	    strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0) {
		usage(stderr);
		goto out;
	}
	rc = 1;
	if (!(s = open_db(db_path)))
		goto out;
	if (strcmp(cmd, "backup") == 0)
		rc = backup(store_db(s), sub);
	else if (strcmp(sub, "add") == 0)
		rc = token_add(store_db(s), role, name ? name : role,
		               scanners_text);
	else if (strcmp(sub, "list") == 0)
		rc = token_list(store_db(s));
	else
		rc = token_revoke(store_db(s), arg);
	store_close(s);
out:
	free(scanners_text);
	return rc;
}
