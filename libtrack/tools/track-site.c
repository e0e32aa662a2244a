/* track-site: work with site files (DESIGN.md, "Site files").
 *
 *	track-site check FILE    validate FILE; print a summary or the errors
 *	track-site import-espresense FILE
 *	                         print the building in an ESPresense companion
 *	                         config.yaml as a site file (espresense.h),
 *	                         notes about what was left out on stderr
 *
 * Exit status: 0 done (the file is valid), 1 the file is invalid or cannot
 * be read, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/site.h"
#include "track/track.h"

#include "espresense.h"
#include "sitefile.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2
/* Enough for TRACK_SITE_ERRORS_MAX lines and the closing one. */
#define ERR_MAX 16384

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(int argc, char **argv);
};

static int cmd_check(int argc, char **argv);
static int cmd_import_espresense(int argc, char **argv);

static const struct command commands[] = {
	{ "check", "FILE", "validate a site file and print a summary",
	  cmd_check },
	{ "import-espresense", "FILE",
	  "print an ESPresense config.yaml as a site file",
	  cmd_import_espresense },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void
usage(FILE *f)
{
	fputs("usage: track-site COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-17s %-4s %s\n", commands[i].name,
		        commands[i].args, commands[i].help);
}

/* s on stdout with control characters as '?': a name from the file must
 * not break the summary's one line. */
static void
print_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
cmd_check(int argc, char **argv)
{
	track_site_doc *doc = NULL;
	const track_site *site;
	size_t n_zones, n_tags;

	if (argc != 2) {
		fputs("usage: track-site check FILE\n", stderr);
		return EXIT_USAGE;
	}
	if (sitefile_load("track-site", argv[1], &doc) < 0)
		return EXIT_INVALID;
	site = track_site_engine(doc);
	n_zones = track_site_zones(doc, NULL);
	n_tags = track_site_tags(doc, NULL);
	printf("%s: %s \"", argv[1], track_site_id(doc));
	print_clean(track_site_name(doc));
	printf("\": %zu %s, %zu %s, %zu %s, %zu %s\n", site->n_floors,
	       plural(site->n_floors, "floor", "floors"), site->n_scanners,
	       plural(site->n_scanners, "scanner", "scanners"), n_zones,
	       plural(n_zones, "zone", "zones"), n_tags,
	       plural(n_tags, "tag", "tags"));
	track_site_free(doc);
	return EXIT_SUCCESS;
}

/* Each line of msg on stderr after the program's name. */
static void
print_lines(const char *msg)
{
	while (*msg) {
		size_t n = strcspn(msg, "\n");

		fprintf(stderr, "track-site: %.*s\n", (int)n, msg);
		msg += n;
		if (*msg)
			msg++;
	}
}

static void
print_note(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "track-site: %s\n", line);
}

static int
cmd_import_espresense(int argc, char **argv)
{
	static char err[ERR_MAX];
	char *out = NULL;
	FILE *f;
	int rc;

	if (argc != 2) {
		fputs("usage: track-site import-espresense FILE > site.json\n",
		      stderr);
		return EXIT_USAGE;
	}
	f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "track-site: %s: %s\n", argv[1],
		        strerror(errno));
		return EXIT_INVALID;
	}
	rc = espresense_import_file(f, argv[1], print_note, NULL, &out, err,
	                            sizeof err);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		print_lines(err[0] ? err : "import failed");
		return EXIT_INVALID;
	}
	/* A full disk must not leave a cut-off site.json and exit 0. */
	if (printf("%s\n", out) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "track-site: writing the site: %s\n",
		        strerror(errno));
		free(out);
		return EXIT_INVALID;
	}
	free(out);
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "track-site: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
