/* trackd token ... and trackd backup: see admin.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

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
	           "[--scanner ID]... --db DB\n"
	           "       trackd token list --db DB\n"
	           "       trackd token revoke ID --db DB\n"
	           "       trackd backup COPY --db DB\n"
	           "DB: trackd's --db, a file or postgresql://user@host:port/name.\n"
	           "ROLE: %s. The new token is printed alone on the last line;\n"
	           "only its SHA-256 is kept. A running trackd on the same DB\n"
	           "sees tokens added or revoked within a second. --scanner binds\n"
	           "a scanner token to the scanner ids it may report for (repeat\n"
	           "it for more; without it, any). backup takes a consistent copy\n"
	           "of DB while trackd runs (mode 0600): a database file, or for\n"
	           "PostgreSQL pg_dump's custom format (pg_restore reads it).\n",
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

static int64_t
now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* scanners: a JSON array of the ids the token may report for, or NULL
 * for any. */
static int
token_add(store *s, const char *role, const char *name,
          const char *scanners)
{
	unsigned char raw[TOKEN_BYTES], hash[32];
	unsigned int hlen = 0;
	char token[4 + 2 * TOKEN_BYTES + 1];
	int64_t id;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		perror("trackd: getrandom");
		return 1;
	}
	memcpy(token, "trk_", 4);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 4 + 2 * i, 3, "%02x", raw[i]);
	if (!EVP_Digest(token, strlen(token), hash, &hlen, EVP_sha256(), NULL))
		return 1;
	if (store_token_add(s, name, role, hash, sizeof hash, now_us(),
	                    scanners, &id) < 0) {
		fprintf(stderr, "trackd: cannot store the token: %s\n",
		        store_error(s));
		return 1;
	}
	printf("token %lld: role %s, name %s%s%s\n", (long long)id, role,
	       name, scanners ? ", scanners " : "", scanners ? scanners : "");
	printf("%s\n", token);
	return 0;
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
list_row(void *ud, const struct store_token *t)
{
	(void)ud;
	printf("%-3lld %-10s", (long long)t->id, t->role);
	print_time(t->created_us);
	if (!t->revoked)
		printf("  %-20s", "-");
	else
		print_time(t->revoked_us);
	printf("  %s", t->name);
	if (t->scanners)
		printf("  (scanners %s)", t->scanners);
	printf("\n");
	return 0;
}

static int
token_list(store *s)
{
	printf("id  role       created               revoked               "
	       "name\n");
	if (store_tokens(s, list_row, NULL) < 0) {
		fprintf(stderr, "trackd: %s\n", store_error(s));
		return 1;
	}
	return 0;
}

static int
token_revoke(store *s, const char *id_text)
{
	char *end;
	long long id = strtoll(id_text, &end, 10);
	int rc;

	if (*end || id <= 0) {
		fprintf(stderr, "trackd: token revoke: expected a token id (see "
		                "trackd token list), got '%s'\n", id_text);
		return 2;
	}
	rc = store_token_revoke(s, id, now_us());
	if (rc < 0) {
		fprintf(stderr, "trackd: %s\n", store_error(s));
		return 1;
	}
	if (rc == 0) {
		fprintf(stderr, "trackd: token %lld: no such token, or revoked "
		                "already\n", id);
		return 1;
	}
	printf("token %lld revoked\n", id);
	return 0;
}

static int
backup(store *s, const char *copy)
{
	char err[512];

	if (store_backup(s, copy, err, sizeof err) < 0) {
		fprintf(stderr, "trackd: backup: %s: %s\n", copy, err);
		return 1;
	}
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
		rc = backup(s, sub);
	else if (strcmp(sub, "add") == 0)
		rc = token_add(s, role, name ? name : role, scanners_text);
	else if (strcmp(sub, "list") == 0)
		rc = token_list(s);
	else
		rc = token_revoke(s, arg);
	store_close(s);
out:
	free(scanners_text);
	return rc;
}
