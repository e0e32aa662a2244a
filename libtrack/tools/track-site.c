/* track-site: work with site files (DESIGN.md, "Site files").
 *
 *	track-site check FILE    validate FILE; print a summary or the errors
 *
 * Exit status: 0 done (the file is valid), 1 the file is invalid or cannot
 * be read, 2 usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/site.h"
#include "track/track.h"

/* No site file comes near this; a bigger file is a mistake, and reading
 * it whole would only waste memory. */
#define FILE_MAX (16u << 20)
/* Enough for TRACK_SITE_ERRORS_MAX lines and the closing one. */
#define ERR_MAX 16384

#define EXIT_INVALID 1
#define EXIT_USAGE 2

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(int argc, char **argv);
};

static int cmd_check(int argc, char **argv);

static const struct command commands[] = {
	{ "check", "FILE", "validate a site file and print a summary",
	  cmd_check },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void
usage(FILE *f)
{
	fputs("usage: track-site COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-6s %-6s %s\n", commands[i].name,
		        commands[i].args, commands[i].help);
}

/* Read path ("-": stdin) whole into a malloc'd buffer. Returns 0, or -1
 * after printing why. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;

	if (!f) {
		fprintf(stderr, "track-site: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			/* One byte beyond the limit tells "too big" apart
			 * from "exactly the limit". */
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;

			if (ncap > FILE_MAX + 1)
				ncap = FILE_MAX + 1;
			p = realloc(buf, ncap);
			if (!p) {
				fprintf(stderr, "track-site: %s: out of "
				        "memory\n", path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > FILE_MAX) {
			fprintf(stderr, "track-site: %s: larger than %u MiB, "
			        "not a site file\n", path, FILE_MAX >> 20);
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "track-site: %s: read error\n", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}

/* Print each line of msg on stderr after the program's name. */
static void
print_errors(const char *msg)
{
	while (*msg) {
		size_t n = strcspn(msg, "\n");

		fprintf(stderr, "track-site: %.*s\n", (int)n, msg);
		msg += n;
		if (*msg)
			msg++;
	}
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
	static char err[ERR_MAX];
	track_site_doc *doc = NULL;
	const track_site *site;
	size_t len, n_zones, n_tags;
	track_status st;
	char *text;

	if (argc != 2) {
		fputs("usage: track-site check FILE\n", stderr);
		return EXIT_USAGE;
	}
	if (read_file(argv[1], &text, &len) < 0)
		return EXIT_INVALID;
	st = track_site_parse(text, len, argv[1], &doc, err, sizeof err);
	free(text);
	if (st != TRACK_OK) {
		print_errors(err[0] ? err : track_strerror(st));
		return EXIT_INVALID;
	}
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
