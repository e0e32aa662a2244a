#include "sitefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough for TRACK_SITE_ERRORS_MAX lines and the closing one. */
#define ERR_MAX 16384

/* Read path ("-": stdin) whole into a malloc'd buffer. Returns 0, or -1
 * after printing why. */
int
sitefile_read(const char *prog, const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			/* One byte beyond the limit tells "too big" apart
			 * from "exactly the limit". */
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;

			if (ncap > SITEFILE_MAX + 1)
				ncap = SITEFILE_MAX + 1;
			p = realloc(buf, ncap);
			if (!p) {
				fprintf(stderr, "%s: %s: out of memory\n", prog,
				        path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > SITEFILE_MAX) {
			fprintf(stderr, "%s: %s: larger than %u MiB, not a "
			        "site file\n", prog, path, SITEFILE_MAX >> 20);
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
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
print_errors(const char *prog, const char *msg)
{
	while (*msg) {
		size_t n = strcspn(msg, "\n");

		fprintf(stderr, "%s: %.*s\n", prog, (int)n, msg);
		msg += n;
		if (*msg)
			msg++;
	}
}

int
sitefile_parse(const char *prog, const char *path, const char *text,
               size_t len, track_site_doc **out)
{
	char *err = malloc(ERR_MAX);
	track_status st;

	if (!err) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		return -1;
	}
	st = track_site_parse(text, len, path, out, err, ERR_MAX);
	if (st != TRACK_OK)
		print_errors(prog, err[0] ? err : track_strerror(st));
	free(err);
	return st == TRACK_OK ? 0 : -1;
}

int
sitefile_load(const char *prog, const char *path, track_site_doc **out)
{
	char *text;
	size_t len;
	int rc;

	if (sitefile_read(prog, path, &text, &len) < 0)
		return -1;
	rc = sitefile_parse(prog, path, text, len, out);
	free(text);
	return rc;
}
